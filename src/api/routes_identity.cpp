// Routes of the identity module: login/logout, the caller's own account, organisations, users,
// API tokens.
#include <boost/json.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "api/internal.h"
#include "http/json_body.h"
#include "identity/service.h"
#include "intel/store.h"

namespace caduceus::api {

namespace json = boost::json;
using http::Method;
using identity::Actor;
using identity::Gate;
using identity::RouteAccess;

namespace {

constexpr RouteSpec kPublic(std::string_view action) {
  return {RouteAccess::kPublic, Gate::kNormal, std::string(action)};
}

std::string SessionCookie(const std::string& value, std::int64_t max_age, bool secure) {
  return fmt::format("caduceus_session={}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{}", value,
                     max_age, secure ? "; Secure" : "");
}

json::object MeBody(identity::IdentityService& ids, const identity::Principal& p) {
  json::object body;
  if (auto user = ids.Me(p)) body["user"] = ToJson(*user);
  if (auto org = ids.GetOrganisation(Actor::System(), p.organisation_id)) {
    body["organisation"] = ToJson(*org);
  }
  body["csrf_token"] = p.csrf_token;
  body["password_change_required"] = p.must_change_password;
  body["totp_enrollment_required"] = p.must_enroll_totp;
  return body;
}

std::string Detail(std::initializer_list<std::pair<std::string_view, json::value>> fields) {
  json::object o;
  for (const auto& [k, v] : fields) o[k] = v;
  return json::serialize(o);
}

}  // namespace

void RegisterIdentityRoutes(Registrar& r, Services& s, const ApiOptions& options) {
  auto& ids = s.identity;
  const bool secure = options.secure_cookies;

  r.Add(Method::kPost, "/api/v1/auth/login", kPublic("auth.login"),
        [&ids, secure](http::Request& req, RequestContext& ctx) {
          auto body = JsonBody(req);
          if (!body) return ErrorResponse(body.error(), req.request_id);
          http::FieldReader f(*body);
          identity::LoginRequest login;
          login.username = f.String("username", 64).value_or("");
          login.password = f.String("password", 1024).value_or("");
          login.totp = f.String("totp", 16, false);
          if (auto st = f.Finish(); !st) return ErrorResponse(st.error(), req.request_id);
          login.address = req.remote_address;
          login.user_agent = std::string(req.Header("User-Agent").value_or(""));
          ctx.audit_detail = Detail({{"username", json::value(login.username)}});
          auto result = ids.Login(login);
          if (!result) return ErrorResponse(result.error(), req.request_id);
          ctx.audit_target = fmt::format("user:{}", result->principal.user_id);
          ctx.logged_in = result->principal;
          auto resp = JsonResponse(200, MeBody(ids, result->principal));
          resp.headers.Add("Set-Cookie",
                           SessionCookie(result->session_token, result->max_age.count(), secure));
          return resp;
        });

  r.Add(Method::kPost, "/api/v1/auth/logout",
        {RouteAccess::kAuthenticated, Gate::kAccountUpkeep, "auth.logout"},
        [&ids, secure](http::Request&, RequestContext& ctx) {
          ids.Logout(ctx.session_token);
          auto resp = http::Response::NoContent();
          resp.headers.Add("Set-Cookie", SessionCookie("", 0, secure));
          return resp;
        });

  r.Add(Method::kGet, "/api/v1/me", {RouteAccess::kAuthenticated, Gate::kAccountUpkeep, ""},
        [&ids](http::Request&, RequestContext& ctx) {
          return JsonResponse(200, MeBody(ids, *ctx.principal));
        });

  r.Add(Method::kPost, "/api/v1/me/password",
        {RouteAccess::kAuthenticated, Gate::kCredentials, "account.password"},
        [&ids](http::Request& req, RequestContext& ctx) {
          auto body = JsonBody(req);
          if (!body) return ErrorResponse(body.error(), req.request_id);
          http::FieldReader f(*body);
          auto current = f.String("current_password", 1024);
          auto replacement = f.String("new_password", 1024);
          if (auto st = f.Finish(); !st) return ErrorResponse(st.error(), req.request_id);
          if (auto st = ids.ChangePassword(*ctx.principal, *current, *replacement); !st) {
            return ErrorResponse(st.error(), req.request_id);
          }
          return http::Response::NoContent();
        });

  r.Add(Method::kPost, "/api/v1/me/totp/setup",
        {RouteAccess::kAuthenticated, Gate::kCredentials, "account.totp.setup"},
        [&ids](http::Request& req, RequestContext& ctx) {
          auto setup = ids.BeginTotpSetup(*ctx.principal);
          if (!setup) return ErrorResponse(setup.error(), req.request_id);
          return JsonResponse(200, json::object{{"secret", setup->secret_base32},
                                                {"otpauth_uri", setup->otpauth_uri}});
        });

  r.Add(Method::kPost, "/api/v1/me/totp/enable",
        {RouteAccess::kAuthenticated, Gate::kCredentials, "account.totp.enable"},
        [&ids](http::Request& req, RequestContext& ctx) {
          auto body = JsonBody(req);
          if (!body) return ErrorResponse(body.error(), req.request_id);
          http::FieldReader f(*body);
          auto password = f.String("password", 1024);
          auto code = f.String("code", 16);
          if (auto st = f.Finish(); !st) return ErrorResponse(st.error(), req.request_id);
          if (auto st = ids.EnableTotp(*ctx.principal, *password, *code); !st) {
            return ErrorResponse(st.error(), req.request_id);
          }
          return http::Response::NoContent();
        });

  r.Add(Method::kPost, "/api/v1/me/totp/disable",
        {RouteAccess::kAuthenticated, Gate::kCredentials, "account.totp.disable"},
        [&ids](http::Request& req, RequestContext& ctx) {
          auto body = JsonBody(req);
          if (!body) return ErrorResponse(body.error(), req.request_id);
          http::FieldReader f(*body);
          auto password = f.String("password", 1024);
          if (auto st = f.Finish(); !st) return ErrorResponse(st.error(), req.request_id);
          if (auto st = ids.DisableTotp(*ctx.principal, *password); !st) {
            return ErrorResponse(st.error(), req.request_id);
          }
          return http::Response::NoContent();
        });

  // Organisations.
  r.Add(Method::kGet, "/api/v1/organisations", {RouteAccess::kAuthenticated, Gate::kNormal, ""},
        [&ids](http::Request&, RequestContext& ctx) {
          json::array items;
          for (const auto& o : ids.ListOrganisations(Actor::Of(*ctx.principal))) {
            items.push_back(ToJson(o));
          }
          return JsonResponse(200, json::object{{"items", std::move(items)}});
        });

  r.Add(Method::kGet, "/api/v1/organisations/{id}",
        {RouteAccess::kAuthenticated, Gate::kNormal, ""},
        [&ids](http::Request& req, RequestContext& ctx) {
          auto id = IdParam(req, "id");
          if (!id) return ErrorResponse(id.error(), req.request_id);
          auto org = ids.GetOrganisation(Actor::Of(*ctx.principal), *id);
          if (!org) return ErrorResponse(org.error(), req.request_id);
          return JsonResponse(200, ToJson(*org));
        });

  r.Add(Method::kPost, "/api/v1/organisations",
        {RouteAccess::kAdmin, Gate::kNormal, "organisation.create"},
        [&ids, &s](http::Request& req, RequestContext& ctx) {
          auto body = JsonBody(req);
          if (!body) return ErrorResponse(body.error(), req.request_id);
          http::FieldReader f(*body);
          identity::NewOrganisation org;
          org.name = f.String("name", 200).value_or("");
          auto kind = f.String("kind", 32);
          if (auto p = f.Int("parent_id", 1, INT64_MAX, false)) org.parent_id = *p;
          org.country = f.String("country", 2, false);
          org.provider_type = f.String("provider_type", 32, false);
          org.size_band = f.String("size_band", 16, false);
          if (auto st = f.Finish(); !st) return ErrorResponse(st.error(), req.request_id);
          auto parsed = identity::ParseOrgKind(*kind);
          if (!parsed) {
            return ErrorResponse(Error::Invalid("kind must be authority or provider", "kind"),
                                 req.request_id);
          }
          org.kind = *parsed;
          auto created = ids.CreateOrganisation(Actor::Of(*ctx.principal), org);
          if (!created) return ErrorResponse(created.error(), req.request_id);
          // A new authority brings its Member State's sharing community (API root).
          if (created->kind == identity::OrgKind::kAuthority) {
            if (auto roots = s.intel.EnsureDefaultRoots(); !roots) {
              spdlog::error("intel roots for organisation {}: {}", created->id,
                            roots.error().message);
            }
          }
          ctx.audit_target = fmt::format("organisation:{}", created->id);
          ctx.audit_org = created->parent_id;
          return JsonResponse(201, ToJson(*created));
        });

  r.Add(Method::kPatch, "/api/v1/organisations/{id}",
        {RouteAccess::kAdmin, Gate::kNormal, "organisation.update"},
        [&ids](http::Request& req, RequestContext& ctx) {
          auto id = IdParam(req, "id");
          if (!id) return ErrorResponse(id.error(), req.request_id);
          ctx.audit_target = fmt::format("organisation:{}", *id);
          ctx.audit_org = *id;
          auto body = JsonBody(req);
          if (!body) return ErrorResponse(body.error(), req.request_id);
          http::FieldReader f(*body);
          identity::OrganisationPatch patch;
          patch.name = f.String("name", 200, false);
          patch.require_totp = f.Bool("require_totp", false);
          if (auto st = f.Finish(); !st) return ErrorResponse(st.error(), req.request_id);
          auto updated = ids.UpdateOrganisation(Actor::Of(*ctx.principal), *id, patch);
          if (!updated) return ErrorResponse(updated.error(), req.request_id);
          ctx.audit_detail = json::serialize(*body);
          return JsonResponse(200, ToJson(*updated));
        });

  // Users.
  r.Add(Method::kGet, "/api/v1/users", {RouteAccess::kAdmin, Gate::kNormal, ""},
        [&ids](http::Request& req, RequestContext& ctx) {
          std::optional<std::int64_t> org;
          if (auto q = req.QueryParam("organisation_id")) {
            org = ParseInteger(*q, 1, INT64_MAX);
            if (!org) {
              return ErrorResponse(
                  Error::Invalid("organisation_id must be a positive integer", "organisation_id"),
                  req.request_id);
            }
          }
          auto users = ids.ListUsers(Actor::Of(*ctx.principal), org);
          if (!users) return ErrorResponse(users.error(), req.request_id);
          json::array items;
          for (const auto& u : *users) items.push_back(ToJson(u));
          return JsonResponse(200, json::object{{"items", std::move(items)}});
        });

  r.Add(Method::kPost, "/api/v1/users", {RouteAccess::kAdmin, Gate::kNormal, "user.create"},
        [&ids](http::Request& req, RequestContext& ctx) {
          auto body = JsonBody(req);
          if (!body) return ErrorResponse(body.error(), req.request_id);
          http::FieldReader f(*body);
          identity::NewUser user;
          user.username = f.String("username", 64).value_or("");
          user.display_name = f.String("display_name", 200).value_or("");
          user.email = f.String("email", 254, false);
          auto role = f.String("role", 16);
          auto org = f.Int("organisation_id", 1, INT64_MAX);
          if (auto st = f.Finish(); !st) return ErrorResponse(st.error(), req.request_id);
          auto parsed = identity::ParseRole(*role);
          if (!parsed) {
            return ErrorResponse(
                Error::Invalid("role must be admin, analyst, reporter or viewer", "role"),
                req.request_id);
          }
          user.role = *parsed;
          user.organisation_id = *org;
          auto created = ids.CreateUser(Actor::Of(*ctx.principal), user);
          if (!created) return ErrorResponse(created.error(), req.request_id);
          ctx.audit_target = fmt::format("user:{}", created->user.id);
          ctx.audit_org = created->user.organisation_id;
          ctx.audit_detail = Detail({{"username", json::value(user.username)},
                                     {"role", json::value(*role)},
                                     {"organisation_id", json::value(*org)}});
          return JsonResponse(201, json::object{{"user", ToJson(created->user)},
                                                {"initial_password", created->initial_password}});
        });

  r.Add(Method::kPatch, "/api/v1/users/{id}", {RouteAccess::kAdmin, Gate::kNormal, "user.update"},
        [&ids](http::Request& req, RequestContext& ctx) {
          auto id = IdParam(req, "id");
          if (!id) return ErrorResponse(id.error(), req.request_id);
          ctx.audit_target = fmt::format("user:{}", *id);
          auto body = JsonBody(req);
          if (!body) return ErrorResponse(body.error(), req.request_id);
          http::FieldReader f(*body);
          identity::UserPatch patch;
          auto role = f.String("role", 16, false);
          patch.disabled = f.Bool("disabled", false);
          patch.display_name = f.String("display_name", 200, false);
          patch.email = f.String("email", 254, false);
          if (auto st = f.Finish(); !st) return ErrorResponse(st.error(), req.request_id);
          if (role) {
            patch.role = identity::ParseRole(*role);
            if (!patch.role) {
              return ErrorResponse(
                  Error::Invalid("role must be admin, analyst, reporter or viewer", "role"),
                  req.request_id);
            }
          }
          auto updated = ids.UpdateUser(Actor::Of(*ctx.principal), *id, patch);
          if (!updated) return ErrorResponse(updated.error(), req.request_id);
          ctx.audit_org = updated->organisation_id;
          ctx.audit_detail = json::serialize(*body);
          return JsonResponse(200, ToJson(*updated));
        });

  r.Add(Method::kPost, "/api/v1/users/{id}/reset-password",
        {RouteAccess::kAdmin, Gate::kNormal, "user.reset_password"},
        [&ids](http::Request& req, RequestContext& ctx) {
          auto id = IdParam(req, "id");
          if (!id) return ErrorResponse(id.error(), req.request_id);
          ctx.audit_target = fmt::format("user:{}", *id);
          auto password = ids.ResetPassword(Actor::Of(*ctx.principal), *id);
          if (!password) return ErrorResponse(password.error(), req.request_id);
          return JsonResponse(200, json::object{{"initial_password", *password}});
        });

  // API tokens.
  r.Add(Method::kGet, "/api/v1/tokens", {RouteAccess::kAuthenticated, Gate::kNormal, ""},
        [&ids](http::Request&, RequestContext& ctx) {
          json::array items;
          for (const auto& t : ids.ListTokens(*ctx.principal)) items.push_back(ToJson(t));
          return JsonResponse(200, json::object{{"items", std::move(items)}});
        });

  r.Add(Method::kPost, "/api/v1/tokens",
        {RouteAccess::kAuthenticated, Gate::kNormal, "token.create"},
        [&ids](http::Request& req, RequestContext& ctx) {
          auto body = JsonBody(req);
          if (!body) return ErrorResponse(body.error(), req.request_id);
          http::FieldReader f(*body);
          auto name = f.String("name", 100);
          auto scope_names = f.StringArray("scopes", 2, 16);
          auto days = f.Int("expires_in_days", 1, 365);
          if (auto st = f.Finish(); !st) return ErrorResponse(st.error(), req.request_id);
          std::vector<identity::Scope> scopes;
          for (const auto& sname : *scope_names) {
            auto scope = identity::ParseScope(sname);
            if (!scope) {
              return ErrorResponse(Error::Invalid("scopes are read and write", "scopes"),
                                   req.request_id);
            }
            scopes.push_back(*scope);
          }
          auto created =
              ids.CreateToken(*ctx.principal, *name, std::move(scopes), static_cast<int>(*days));
          if (!created) return ErrorResponse(created.error(), req.request_id);
          ctx.audit_target = fmt::format("token:{}", created->item.id);
          return JsonResponse(
              201, json::object{{"token", created->token}, {"item", ToJson(created->item)}});
        });

  r.Add(Method::kDelete, "/api/v1/tokens/{id}",
        {RouteAccess::kAuthenticated, Gate::kNormal, "token.revoke"},
        [&ids](http::Request& req, RequestContext& ctx) {
          auto id = IdParam(req, "id");
          if (!id) return ErrorResponse(id.error(), req.request_id);
          ctx.audit_target = fmt::format("token:{}", *id);
          if (auto st = ids.RevokeToken(Actor::Of(*ctx.principal), *id); !st) {
            return ErrorResponse(st.error(), req.request_id);
          }
          return http::Response::NoContent();
        });
}

}  // namespace caduceus::api
