#include "api/api.h"

#include <algorithm>
#include <chrono>
#include <map>

#include <boost/json.hpp>
#include <spdlog/spdlog.h>

#include "api/internal.h"
#include "audit/audit.h"
#include "core/metrics.h"
#include "core/random.h"
#include "http/static_files.h"
#include "identity/service.h"
#include "storage/database.h"

namespace caduceus::api {

namespace json = boost::json;
using identity::Principal;

namespace {

constexpr std::string_view kSessionCookie = "caduceus_session";

bool SafeMethod(http::Method m) {
  return m == http::Method::kGet || m == http::Method::kHead || m == http::Method::kOptions;
}

bool IsLoopback(std::string_view address) {
  return address.starts_with("127.") || address == "::1" || address.starts_with("::ffff:127.");
}

std::string JsonEscape(std::string_view s) { return json::serialize(json::value(s)); }

}  // namespace

class Api::Impl final : public Registrar {
 public:
  Impl(Services services, ApiOptions options) : services_(services), options_(std::move(options)) {
    if (!options_.web_root.empty()) static_files_.emplace(options_.web_root);
    auto& m = services_.metrics;
    m.Describe("caduceus_http_requests_total", "counter", "HTTP requests by route and status.");
    m.Describe("caduceus_http_request_duration_seconds", "histogram",
               "HTTP request latency by route.");
    m.Describe("caduceus_audit_write_failures_total", "counter",
               "State changes whose audit entry could not be written (alert on any).");
    m.Increment("caduceus_audit_write_failures_total", {}, 0);
    RegisterIdentityRoutes(*this, services_, options_);
    RegisterAuditRoutes(*this, services_);
    RegisterAssessmentRoutes(*this, services_);
    RegisterCatalogueRoutes(*this, services_);
    RegisterReportRoutes(*this, services_);
    RegisterIncidentRoutes(*this, services_);
    RegisterRecoveryRoutes(*this, services_);
    RegisterIntelRoutes(*this, services_);
    RegisterIntelAnalysisRoutes(*this, services_);
    RegisterIntelFeedRoutes(*this, services_);
    RegisterIntelExportRoutes(*this, services_);
    RegisterAdvisoryRoutes(*this, services_);
    RegisterAlertRoutes(*this, services_);
    RegisterDeliveryRoutes(*this, services_);
    RegisterTaxiiRoutes(*this, services_);
    Add(http::Method::kGet, "/healthz",
        {identity::RouteAccess::kPublic, identity::Gate::kNormal, ""},
        [this](http::Request&, RequestContext&) { return Health(); });
    Add(http::Method::kGet, "/metrics",
        {identity::RouteAccess::kPublic, identity::Gate::kNormal, ""},
        [this](http::Request& req, RequestContext&) { return Metrics(req); });
    Add(http::Method::kGet, "/api/v1/openapi.json",
        {identity::RouteAccess::kPublic, identity::Gate::kNormal, ""},
        [](http::Request&, RequestContext&) {
          return http::Response::Json(200, std::string(Api::OpenApiJson()));
        });
  }

  void Add(http::Method method,
           std::string pattern,
           RouteSpec spec,
           RouteHandler handler) override {
    const auto index = std::to_string(routes_.size());
    routes_.push_back({std::move(spec), std::move(handler)});
    router_.Add(method, std::move(pattern), nullptr, index);
  }

  http::Response Handle(http::Request& req) {
    const auto start = std::chrono::steady_clock::now();
    ResolveClientAddress(req);
    RequestContext ctx;
    std::optional<Principal> principal;
    std::string route_name = "unmatched";
    std::string action;
    http::Response resp;
    try {
      resp = Dispatch(req, ctx, principal, route_name, action);
    } catch (const ErrorException& e) {
      resp = Fail(req, e.error());
    } catch (const storage::StorageError& e) {
      spdlog::error("request {}: storage error: {}", req.request_id, e.what());
      const bool down = e.kind() == storage::StorageError::Kind::kConnection ||
                        e.kind() == storage::StorageError::Kind::kRetryable;
      resp = Fail(req, {down ? Errc::kUnavailable : Errc::kInternal,
                        down ? "the database is unavailable; try again shortly"
                             : "the request could not be completed",
                        {}});
    } catch (const std::exception& e) {
      spdlog::error("request {}: unhandled exception: {}", req.request_id, e.what());
      resp = Fail(req, {Errc::kInternal, "the request could not be completed", {}});
    }
    SecurityHeaders(req, resp);
    if (!principal && ctx.logged_in) principal = std::move(ctx.logged_in);
    if (!SafeMethod(req.method) && ShouldAudit(ctx, principal, route_name, action, resp.status)) {
      Audit(req, ctx, principal, action, resp.status);
    }
    const auto seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const std::string method(http::MethodName(req.method));
    services_.metrics.Increment(
        "caduceus_http_requests_total",
        {{"route", route_name}, {"method", method}, {"status", std::to_string(resp.status)}});
    services_.metrics.Observe("caduceus_http_request_duration_seconds",
                              {{"route", route_name}, {"method", method}}, seconds);
    AccessLog(req, resp, principal, seconds);
    return resp;
  }

  const http::Router& router() const { return router_; }

 private:
  struct Entry {
    RouteSpec spec;
    RouteHandler handler;
  };

  // Errors on TAXII paths are TAXII error resources; everywhere else problem+json.
  static http::Response Fail(const http::Request& req, const Error& error) {
    if (IsTaxiiPath(req.path)) {
      auto r = TaxiiErrorResponse(error, req.request_id);
      if (r.status == 401) r.headers.Set("WWW-Authenticate", R"(Basic realm="caduceus", Bearer)");
      return r;
    }
    return ErrorResponse(error, req.request_id);
  }

  http::Response Dispatch(http::Request& req,
                          RequestContext& ctx,
                          std::optional<Principal>& principal,
                          std::string& route_name,
                          std::string& action) {
    const bool api_path = req.path.starts_with("/api/") || IsTaxiiPath(req.path) ||
                          req.path == "/healthz" || req.path == "/metrics";
    if (!api_path) {
      action = "http." + std::string(http::MethodName(req.method));
      if (static_files_) {
        if (auto r = static_files_->Serve(req)) {
          route_name = "static";
          return *r;
        }
      }
      return Fail(req, Error::NotFound("no such page"));
    }
    action = "http." + std::string(http::MethodName(req.method));
    // Authenticate before routing, so even a signed-in request to no route is audited by name.
    bool via_cookie = false;
    if (auto auth = Authenticate(req, ctx, via_cookie); !auth) {
      return Fail(req, auth.error());
    } else if (*auth) {
      principal = std::move(**auth);
      ctx.principal = &*principal;
      ctx.still_authenticated = Recheck(req, ctx.session_token, principal->user_id);
    }
    auto match = router_.Find(req);
    if (!match.route) {
      if (match.path_matched) {
        std::string allow;
        for (auto m : match.allowed) {
          if (!allow.empty()) allow += ", ";
          allow += http::MethodName(m);
        }
        http::Response r;
        if (IsTaxiiPath(req.path)) {
          r = TaxiiErrorResponse(405, Error::Invalid("this resource does not support that method"),
                                 req.request_id);
        } else {
          r = http::Problem(405, "method-not-allowed", "Method not allowed",
                            "this resource does not support that method", req.request_id);
        }
        r.headers.Set("Allow", allow);
        return r;
      }
      return Fail(req, Error::NotFound("no such resource"));
    }
    route_name = match.route->pattern;
    const auto& entry = routes_.at(std::stoul(match.route->tag));
    if (!entry.spec.action.empty()) action = entry.spec.action;
    ctx.public_route = entry.spec.access == identity::RouteAccess::kPublic;
    if (auto s = identity::AuthorizeRoute(ctx.principal, entry.spec.access, entry.spec.gate,
                                          SafeMethod(req.method));
        !s) {
      return Fail(req, s.error());
    }
    if (via_cookie && !SafeMethod(req.method)) {
      const auto sent = req.Header("X-CSRF-Token").value_or("");
      if (sent.empty() || !ConstantTimeEqual(sent, ctx.principal->csrf_token)) {
        return ErrorResponse(
            {Errc::kPermissionDenied, "missing or wrong X-CSRF-Token header", "csrf"},
            req.request_id);
      }
    }
    return entry.handler(req, ctx);
  }

  bool TrustedProxy(std::string_view address) const {
    return std::find(options_.trusted_proxies.begin(), options_.trusted_proxies.end(), address) !=
           options_.trusted_proxies.end();
  }

  // Behind a trusted proxy the client is the right-most X-Forwarded-For hop that is not itself a
  // trusted proxy; hops further left are whatever the client chose to send.
  void ResolveClientAddress(http::Request& req) const {
    if (options_.trusted_proxies.empty() || !TrustedProxy(req.remote_address)) return;
    auto forwarded = req.Header("X-Forwarded-For");
    if (!forwarded) return;
    std::string_view rest = *forwarded;
    while (!rest.empty()) {
      const auto comma = rest.rfind(',');
      auto hop = comma == std::string_view::npos ? rest : rest.substr(comma + 1);
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(0, comma);
      while (!hop.empty() && hop.front() == ' ') hop.remove_prefix(1);
      while (!hop.empty() && hop.back() == ' ') hop.remove_suffix(1);
      if (hop.empty() || hop.size() > 64) return;
      if (!TrustedProxy(hop)) {
        req.remote_address = std::string(hop);
        return;
      }
    }
  }

  // Every state-changing request is audited, except what an anonymous client can repeat at no
  // cost and that changed nothing: requests to no route, requests refused for want of
  // credentials, and logins refused by the throttle. Otherwise anyone could grow the log at will.
  static bool ShouldAudit(const RequestContext& ctx,
                          const std::optional<Principal>& principal,
                          const std::string& route_name,
                          const std::string& action,
                          int status) {
    if (principal) return true;
    if (route_name == "unmatched") return false;
    if (!ctx.public_route && (status == 401 || status == 403)) return false;
    return !(action == "auth.login" && status == 429);
  }

  // A bearer token must be valid (401 otherwise). A session cookie that is stale is ignored,
  // so public routes such as login keep working.
  Result<std::optional<Principal>> Authenticate(http::Request& req,
                                                RequestContext& ctx,
                                                bool& via_cookie) {
    if (auto header = req.Header("Authorization")) return FromAuthorization(*header);
    if (auto cookie = req.Cookie(kSessionCookie)) {
      auto p = services_.identity.AuthenticateSession(*cookie);
      if (p) {
        via_cookie = true;
        ctx.session_token = *cookie;
        return std::optional<Principal>(std::move(*p));
      }
    }
    return std::optional<Principal>();
  }

  // Re-authenticates the credentials `req` came with, without sliding a session's idle timeout.
  std::function<bool()> Recheck(const http::Request& req,
                                const std::string& session_token,
                                std::int64_t user_id) {
    return [this, header = std::string(req.Header("Authorization").value_or("")), session_token,
            user_id] {
      try {
        if (!header.empty()) {
          auto p = FromAuthorization(header);
          return p && *p && (*p)->user_id == user_id;
        }
        auto p = services_.identity.AuthenticateSession(
            session_token, identity::IdentityService::SessionUse::kRecheck);
        return p && p->user_id == user_id;
      } catch (const std::exception& e) {
        spdlog::warn("re-authenticating a long response failed: {}", e.what());
        return false;
      }
    };
  }

  Result<std::optional<Principal>> FromAuthorization(std::string_view header) {
    constexpr std::string_view kBearer = "Bearer ";
    constexpr std::string_view kBasic = "Basic ";
    if (header.starts_with(kBearer)) {
      auto p = services_.identity.AuthenticateToken(header.substr(kBearer.size()));
      if (!p) return p.error();
      return std::optional<Principal>(std::move(*p));
    }
    if (header.starts_with(kBasic)) return AuthenticateBasic(header.substr(kBasic.size()));
    return Error::Unauthenticated("use a Bearer API token, or HTTP Basic with an API token");
  }

  // HTTP Basic for the clients that speak nothing else (TAXII clients, firewalls pulling block
  // lists): the user name and one of its API tokens as the password. Account passwords are
  // refused, since Basic would let them past the second factor.
  Result<std::optional<Principal>> AuthenticateBasic(std::string_view encoded) {
    const Error refused = Error::Unauthenticated(
        "HTTP Basic takes the user name and an API token of that user as the password");
    if (encoded.size() > 1024) return refused;
    auto decoded = Base64Decode(encoded);
    if (!decoded) return refused;
    const auto colon = decoded->find(':');
    if (colon == std::string::npos) return refused;
    auto p = services_.identity.AuthenticateToken(decoded->substr(colon + 1));
    if (!p || p->username != decoded->substr(0, colon)) return refused;
    return std::optional<Principal>(std::move(*p));
  }

  http::Response Health() {
    try {
      services_.db.Query("SELECT 1");
      return http::Response::Json(200, R"({"status":"ok","database":"ok"})");
    } catch (const std::exception& e) {
      spdlog::warn("health check: database: {}", e.what());
      return http::Response::Json(503, R"({"status":"degraded","database":"unavailable"})");
    }
  }

  http::Response Metrics(const http::Request& req) {
    const auto auth = req.Header("Authorization").value_or("");
    const bool token_ok = !options_.metrics_token.empty() &&
                          ConstantTimeEqual(auth, "Bearer " + options_.metrics_token);
    if (!token_ok && !IsLoopback(req.remote_address)) {
      return ErrorResponse(
          Error::Denied("metrics are served to loopback or with the metrics token"),
          req.request_id);
    }
    return http::Response::Text(200, services_.metrics.RenderPrometheus(),
                                "text/plain; version=0.0.4; charset=utf-8");
  }

  void SecurityHeaders(const http::Request& req, http::Response& resp) {
    auto& h = resp.headers;
    h.Set("X-Content-Type-Options", "nosniff");
    h.Set("X-Frame-Options", "DENY");
    h.Set("Referrer-Policy", "no-referrer");
    h.Set("Cross-Origin-Opener-Policy", "same-origin");
    h.Set("Cross-Origin-Resource-Policy", "same-origin");
    h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()");
    // A handler may set its own policy for what it serves (a downloaded file, a standalone
    // report); those are stricter in what may run (nothing) than the console's.
    if (!h.Get("Content-Security-Policy")) {
      h.Set("Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
            "frame-ancestors 'none'");
    }
    if (options_.secure_cookies || req.tls) {
      h.Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains");
    }
    if (req.path.starts_with("/api/")) h.Set("Cache-Control", "no-store");
  }

  void Audit(const http::Request& req,
             const RequestContext& ctx,
             const std::optional<Principal>& principal,
             const std::string& action,
             int status) {
    audit::Entry e;
    if (principal) {
      e.actor_user_id = principal->user_id;
      e.actor = principal->username;
      e.organisation_id = principal->organisation_id;
    } else {
      e.actor = "anonymous";
    }
    if (ctx.audit_org) e.organisation_id = ctx.audit_org;
    e.action = action;
    e.target = ctx.audit_target.empty() ? LoggedPath(req.path).substr(0, 512) : ctx.audit_target;
    e.address = req.remote_address;
    e.request_id = req.request_id;
    e.status = status;
    e.detail = ctx.audit_detail;
    try {
      services_.audit.Append(std::move(e));
    } catch (const std::exception& ex) {
      services_.metrics.Increment("caduceus_audit_write_failures_total", {});
      spdlog::critical("request {}: audit entry could not be written: {}", req.request_id,
                       ex.what());
    }
  }

  // The path as logs may show it: a device's export pull token travels in the path (devices that
  // fetch block lists often take nothing but a URL), so it is cut out.
  static std::string LoggedPath(std::string_view path) {
    constexpr std::string_view kPull = "/api/v1/intel/pull/";
    if (path.starts_with(kPull)) return std::string(kPull) + "<token>";
    return std::string(path);
  }

  void AccessLog(const http::Request& req,
                 const http::Response& resp,
                 const std::optional<Principal>& principal,
                 double seconds) {
    const auto user = principal ? principal->username : std::string("-");
    const std::string method(http::MethodName(req.method));
    auto logger = spdlog::get("access");
    if (!logger) logger = spdlog::default_logger();
    if (options_.json_access_log) {
      logger->info(
          R"({{"ts":"{}","type":"access","request_id":{},"remote":{},"method":"{}","path":{},"status":{},"bytes":{},"user":{},"duration_ms":{:.3f}}})",
          FormatRfc3339(services_.clock.Now()), JsonEscape(req.request_id),
          JsonEscape(req.remote_address), method, JsonEscape(LoggedPath(req.path)), resp.status,
          resp.body.size(), JsonEscape(user), seconds * 1000);
    } else {
      logger->info("{} {} {} {} {} {}B {:.1f}ms rid={}", req.remote_address, user, method,
                   LoggedPath(req.path), resp.status, resp.body.size(), seconds * 1000,
                   req.request_id);
    }
  }

  Services services_;
  ApiOptions options_;
  http::Router router_;
  std::vector<Entry> routes_;
  std::optional<http::StaticFiles> static_files_;
};

Api::Api(Services services, ApiOptions options)
    : impl_(std::make_unique<Impl>(services, std::move(options))) {}
Api::~Api() = default;
http::Response Api::Handle(http::Request& request) { return impl_->Handle(request); }
const http::Router& Api::router() const { return impl_->router(); }

}  // namespace caduceus::api
