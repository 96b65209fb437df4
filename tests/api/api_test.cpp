// The request pipeline of api::Api, in process: routing errors, authentication by cookie and
// bearer token, CSRF, security headers, audit entries for state-changing requests, metrics.
#include <string>

#include "api/internal.h"
#include "api_fixture.h"

namespace caduceus::api {
namespace {

namespace json = boost::json;
using http::Method;

// A JSON value as text: strings unquoted, anything else serialised.
std::string Str(const json::value& v) {
  return v.is_string() ? std::string(v.as_string()) : json::serialize(v);
}

std::string Header(const http::Response& r, std::string_view name) {
  return std::string(r.headers.Get(name).value_or(""));
}

void ExpectProblem(const http::Response& r, int status, std::string_view slug) {
  EXPECT_EQ(r.status, status) << r.body;
  EXPECT_EQ(Header(r, "Content-Type"), "application/problem+json");
  const auto parsed = json::parse(r.body);
  ASSERT_TRUE(parsed.is_object()) << r.body;
  const auto& body = parsed.as_object();
  const auto field = [&](std::string_view key) {
    const auto* v = body.if_contains(key);
    return v ? Str(*v) : std::string("(missing)");
  };
  EXPECT_EQ(field("type"), "urn:caduceus:problem:" + std::string(slug)) << r.body;
  EXPECT_EQ(field("status"), std::to_string(status)) << r.body;
  EXPECT_TRUE(body.contains("title")) << r.body;
  EXPECT_TRUE(body.contains("detail")) << r.body;
}

void ExpectSecurityHeaders(const http::Response& r) {
  EXPECT_EQ(Header(r, "X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(Header(r, "X-Frame-Options"), "DENY");
  EXPECT_EQ(Header(r, "Referrer-Policy"), "no-referrer");
  EXPECT_EQ(Header(r, "Cross-Origin-Opener-Policy"), "same-origin");
  // The console's policy, or for what is no page at all (problem details, files, reports) one
  // that allows nothing by default.
  const auto csp = Header(r, "Content-Security-Policy");
  const bool console = csp.find("default-src 'self'") != std::string::npos &&
                       csp.find("object-src 'none'") != std::string::npos;
  EXPECT_TRUE(console || csp.starts_with("default-src 'none'")) << csp;
  EXPECT_NE(csp.find("frame-ancestors 'none'"), std::string::npos) << csp;
}

TEST_P(ApiTest, UnknownApiPathIsA404Problem) {
  auto req = Make(Method::kGet, "/api/v1/no-such-thing");
  const auto rid = req.request_id;
  const auto r = Send(std::move(req));
  ExpectProblem(r, 404, "not-found");
  EXPECT_EQ(Str(Json(r).at("instance")), "urn:caduceus:request:" + rid);
  ExpectSecurityHeaders(r);
}

TEST_P(ApiTest, PageOutsideTheApiIsA404ProblemWithoutAWebRoot) {
  ExpectProblem(Send(Make(Method::kGet, "/index.html")), 404, "not-found");
}

TEST_P(ApiTest, WrongMethodIsA405WithAllow) {
  const auto r = Send(Make(Method::kPut, "/api/v1/organisations"));
  ExpectProblem(r, 405, "method-not-allowed");
  EXPECT_EQ(Header(r, "Allow"), "GET, HEAD, POST");
  const auto me = Send(Make(Method::kDelete, "/api/v1/me"));
  ExpectProblem(me, 405, "method-not-allowed");
  EXPECT_EQ(Header(me, "Allow"), "GET, HEAD");
  ExpectSecurityHeaders(me);
}

TEST_P(ApiTest, ProtectedRouteWithoutCredentialsIsA401Problem) {
  const auto r = Send(Make(Method::kGet, "/api/v1/me"));
  ExpectProblem(r, 401, "unauthenticated");
  ExpectSecurityHeaders(r);
  EXPECT_EQ(Header(r, "Cache-Control"), "no-store");
}

// The server admits bodies up to its configured limit for file uploads; JSON bodies stay small.
TEST_P(ApiTest, JsonBodyOverOneMebibyteIs413EvenBelowTheServerLimit) {
  const auto admin = LogIn("root");
  const boost::json::object big{{"name", std::string(kMaxJsonBodyBytes, 't')},
                                {"scopes", boost::json::array{"read"}},
                                {"expires_in_days", 1}};
  const auto r = Send(As(admin, Method::kPost, "/api/v1/tokens", boost::json::serialize(big)));
  ExpectProblem(r, 413, "payload-too-large");

  const boost::json::object small{{"name", std::string(100, 't')},
                                  {"scopes", boost::json::array{"read"}},
                                  {"expires_in_days", 1}};
  EXPECT_EQ(Send(As(admin, Method::kPost, "/api/v1/tokens", boost::json::serialize(small))).status,
            201);
}

TEST_P(ApiTest, HealthIsPublicAndCarriesSecurityHeaders) {
  const auto r = Send(Make(Method::kGet, "/healthz"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(Json(r).at("status"), "ok");
  ExpectSecurityHeaders(r);
  EXPECT_EQ(Header(r, "Strict-Transport-Security"), "");
}

TEST_P(ApiTest, HstsIsSentOverTls) {
  auto req = Make(Method::kGet, "/healthz");
  req.tls = true;
  const auto r = Send(std::move(req));
  EXPECT_NE(Header(r, "Strict-Transport-Security").find("max-age="), std::string::npos);
}

TEST_P(ApiTest, LoginSetsAStrictHttpOnlyCookieThatAuthenticatesMe) {
  const auto login = LoginRequest("root", kRootPassword);
  ASSERT_EQ(login.status, 200) << login.body;
  const auto cookie = Header(login, "Set-Cookie");
  EXPECT_EQ(cookie.rfind("caduceus_session=", 0), 0u) << cookie;
  EXPECT_NE(cookie.find("; HttpOnly"), std::string::npos) << cookie;
  EXPECT_NE(cookie.find("; SameSite=Strict"), std::string::npos) << cookie;
  EXPECT_NE(cookie.find("; Path=/"), std::string::npos) << cookie;
  EXPECT_EQ(cookie.find("Secure"), std::string::npos) << "no TLS configured: " << cookie;
  ExpectSecurityHeaders(login);

  const auto browser = LogIn("root");
  auto req = Make(Method::kGet, "/api/v1/me");
  req.headers.Add("Cookie", "other=1; caduceus_session=" + browser.cookie);
  const auto me = Send(std::move(req));
  ASSERT_EQ(me.status, 200) << me.body;
  const auto body = Json(me);
  EXPECT_EQ(body.at("user").at("username"), "root");
  EXPECT_EQ(body.at("user").at("id"), root_id_);
  EXPECT_EQ(body.at("organisation").at("kind"), "support_centre");
  EXPECT_EQ(Str(body.at("csrf_token")), browser.csrf);
  EXPECT_EQ(body.at("password_change_required"), false);
  ExpectSecurityHeaders(me);
}

TEST_P(ApiTest, WrongPasswordIsA401ProblemWithoutACookie) {
  const auto r = LoginRequest("root", "not the root password");
  ExpectProblem(r, 401, "unauthenticated");
  EXPECT_EQ(Header(r, "Set-Cookie"), "");
}

TEST_P(ApiTest, ThrottledLoginIsA429WithRetryAfter) {
  for (int i = 0; i < 5; ++i) ASSERT_EQ(LoginRequest("root", "wrong password!").status, 401);
  const auto r = LoginRequest("root", kRootPassword);
  ExpectProblem(r, 429, "rate-limited");
  EXPECT_EQ(Header(r, "Retry-After"), "900");
}

TEST_P(ApiTest, CookieAuthenticatedWriteNeedsTheCsrfToken) {
  const auto browser = LogIn("root");
  const std::string body = R"({"name":"ci","scopes":["read"],"expires_in_days":7})";

  auto missing = Make(Method::kPost, "/api/v1/tokens", body);
  missing.headers.Add("Cookie", "caduceus_session=" + browser.cookie);
  ExpectProblem(Send(std::move(missing)), 403, "csrf");

  auto wrong = Make(Method::kPost, "/api/v1/tokens", body);
  wrong.headers.Add("Cookie", "caduceus_session=" + browser.cookie);
  wrong.headers.Add("X-CSRF-Token", browser.csrf.substr(1) + "x");
  ExpectProblem(Send(std::move(wrong)), 403, "csrf");
  EXPECT_TRUE(ids_->ListTokens(*ids_->AuthenticateSession(browser.cookie)).empty());

  const auto ok = Send(As(browser, Method::kPost, "/api/v1/tokens", body));
  EXPECT_EQ(ok.status, 201) << ok.body;
}

TEST_P(ApiTest, CsrfTokenOfAnotherSessionIsRefused) {
  const auto a = LogIn("root");
  const auto b = LogIn("root");
  Browser mixed = a;
  mixed.csrf = b.csrf;
  ExpectProblem(Send(As(mixed, Method::kPost, "/api/v1/tokens",
                        R"({"name":"ci","scopes":["read"],"expires_in_days":7})")),
                403, "csrf");
}

TEST_P(ApiTest, SafeMethodsWithACookieNeedNoCsrfToken) {
  const auto browser = LogIn("root");
  auto req = Make(Method::kGet, "/api/v1/organisations");
  req.headers.Add("Cookie", "caduceus_session=" + browser.cookie);
  EXPECT_EQ(Send(std::move(req)).status, 200);
}

TEST_P(ApiTest, BearerTokensNeedNoCsrfTokenButOnlyWriteTokensMayWrite) {
  const auto browser = LogIn("root");
  const auto read = Json(Send(As(browser, Method::kPost, "/api/v1/tokens",
                                 R"({"name":"r","scopes":["read"],"expires_in_days":7})")));
  const auto write =
      Json(Send(As(browser, Method::kPost, "/api/v1/tokens",
                   R"({"name":"w","scopes":["read","write"],"expires_in_days":7})")));
  const std::string body = R"({"name":"BSI","kind":"authority","country":"DE"})";

  auto with_read = Make(Method::kPost, "/api/v1/organisations", body);
  with_read.headers.Add("Authorization", "Bearer " + std::string(read.at("token").as_string()));
  ExpectProblem(Send(std::move(with_read)), 403, "forbidden");

  auto with_write = Make(Method::kPost, "/api/v1/organisations", body);
  with_write.headers.Add("Authorization", "Bearer " + std::string(write.at("token").as_string()));
  const auto created = Send(std::move(with_write));
  EXPECT_EQ(created.status, 201) << created.body;

  auto get = Make(Method::kGet, "/api/v1/organisations");
  get.headers.Add("Authorization", "Bearer " + std::string(read.at("token").as_string()));
  EXPECT_EQ(Send(std::move(get)).status, 200);
}

TEST_P(ApiTest, InvalidBearerTokenIsA401EvenWithAValidCookie) {
  const auto browser = LogIn("root");
  for (const std::string auth : {"Bearer cdc_not-a-token", "Basic cm9vdDpyb290", "Bearer"}) {
    auto req = Make(Method::kGet, "/api/v1/me");
    req.headers.Add("Authorization", auth);
    req.headers.Add("Cookie", "caduceus_session=" + browser.cookie);
    ExpectProblem(Send(std::move(req)), 401, "unauthenticated");
  }
}

TEST_P(ApiTest, LogoutEndsTheSessionAndClearsTheCookie) {
  const auto browser = LogIn("root");
  const auto out = Send(As(browser, Method::kPost, "/api/v1/auth/logout"));
  EXPECT_EQ(out.status, 204);
  EXPECT_NE(Header(out, "Set-Cookie").find("Max-Age=0"), std::string::npos);
  ExpectProblem(Send(As(browser, Method::kGet, "/api/v1/me")), 401, "unauthenticated");
}

TEST_P(ApiTest, OneTimePasswordUserIsHeldToAccountUpkeep) {
  const auto root = LogIn("root");
  const auto created = Send(As(root, Method::kPost, "/api/v1/users",
                               R"({"username":"alice","display_name":"Alice","role":"viewer",)"
                               R"("organisation_id":)" +
                                   std::to_string(centre_id_) + "}"));
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string password(Json(created).at("initial_password").as_string());
  ASSERT_FALSE(password.empty());
  const auto alice = LogIn("alice", password);
  ExpectProblem(Send(As(alice, Method::kGet, "/api/v1/organisations")), 403,
                "password-change-required");
  EXPECT_EQ(Send(As(alice, Method::kGet, "/api/v1/me")).status, 200);
  const auto changed = Send(
      As(alice, Method::kPost, "/api/v1/me/password",
         R"({"current_password":")" + password + R"(","new_password":"alice's own passphrase"})"));
  EXPECT_EQ(changed.status, 204) << changed.body;
  EXPECT_EQ(Send(As(alice, Method::kGet, "/api/v1/organisations")).status, 200);
}

TEST_P(ApiTest, StateChangingRequestAppendsAnAuditEntry) {
  const auto browser = LogIn("root");
  auto req = As(browser, Method::kPost, "/api/v1/organisations",
                R"({"name":"BSI","kind":"authority","country":"DE"})");
  const auto rid = req.request_id;
  const auto before = AuditCount();
  const auto r = Send(std::move(req));
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(AuditCount(), before + 1);
  const auto e = LastAudit();
  EXPECT_EQ(e.action, "organisation.create");
  EXPECT_EQ(e.status, 201);
  EXPECT_EQ(e.actor, "root");
  EXPECT_EQ(e.actor_user_id, root_id_);
  EXPECT_EQ(e.organisation_id, centre_id_);
  EXPECT_EQ(e.target, "organisation:" + std::to_string(Json(r).at("id").as_int64()));
  EXPECT_EQ(e.request_id, rid);
  EXPECT_EQ(e.address, kClientAddress);
  EXPECT_TRUE(audit_->Verify().ok);
}

TEST_P(ApiTest, RefusedStateChangingRequestIsAuditedWithItsStatus) {
  const auto browser = LogIn("root");
  auto req = Make(Method::kPost, "/api/v1/organisations",
                  R"({"name":"BSI","kind":"authority","country":"DE"})");
  req.headers.Add("Cookie", "caduceus_session=" + browser.cookie);
  ASSERT_EQ(Send(std::move(req)).status, 403);
  const auto e = LastAudit();
  EXPECT_EQ(e.action, "organisation.create");
  EXPECT_EQ(e.status, 403);
  EXPECT_EQ(e.actor, "root");
}

// "Who did what, in which organisation": a login is done by the user who logs in, and the
// entry must be visible to that user's organisation admins (audit List filters by organisation).
TEST_P(ApiTest, SuccessfulLoginIsAuditedAsTheUserWhoLoggedIn) {
  ASSERT_EQ(LoginRequest("root", kRootPassword).status, 200);
  const auto e = LastAudit();
  EXPECT_EQ(e.action, "auth.login");
  EXPECT_EQ(e.status, 200);
  EXPECT_EQ(e.target, "user:" + std::to_string(root_id_));
  EXPECT_EQ(e.actor, "root");
  EXPECT_EQ(e.actor_user_id, root_id_);
  EXPECT_EQ(e.organisation_id, centre_id_);
}

TEST_P(ApiTest, FailedLoginIsAuditedAsAnonymousWithTheUsername) {
  ASSERT_EQ(LoginRequest("root", "wrong password!").status, 401);
  const auto e = LastAudit();
  EXPECT_EQ(e.action, "auth.login");
  EXPECT_EQ(e.status, 401);
  EXPECT_EQ(e.actor, "anonymous");
  EXPECT_FALSE(e.actor_user_id);
  EXPECT_NE(e.detail.find("\"root\""), std::string::npos) << e.detail;
  EXPECT_EQ(e.detail.find("wrong password"), std::string::npos) << "the password leaked";
}

// An anonymous write to no route changed nothing and names nobody; auditing it would let anyone
// grow the log at will.
TEST_P(ApiTest, UnroutedAnonymousWriteIsNotAudited) {
  const auto before = AuditCount();
  ASSERT_EQ(Send(Make(Method::kPost, "/api/v1/nothing-here")).status, 404);
  EXPECT_EQ(AuditCount(), before);
}

TEST_P(ApiTest, ReadsAreNotAudited) {
  const auto browser = LogIn("root");
  const auto before = AuditCount();
  EXPECT_EQ(Send(As(browser, Method::kGet, "/api/v1/me")).status, 200);
  EXPECT_EQ(Send(As(browser, Method::kGet, "/api/v1/organisations")).status, 200);
  EXPECT_EQ(Send(Make(Method::kGet, "/api/v1/nothing")).status, 404);
  EXPECT_EQ(AuditCount(), before);
}

TEST_P(ApiTest, MalformedJsonIsA400Problem) {
  const auto browser = LogIn("root");
  ExpectProblem(Send(As(browser, Method::kPost, "/api/v1/organisations", "{\"name\":")), 400,
                "invalid-input");
  auto plain = As(browser, Method::kPost, "/api/v1/organisations");
  plain.body = "name=x";
  plain.headers.Set("Content-Type", "text/plain");
  ExpectProblem(Send(std::move(plain)), 415, "unsupported-media-type");
}

TEST_P(ApiTest, AuditQueryParametersMustBeWholeIntegers) {
  const auto browser = LogIn("root");
  EXPECT_EQ(Send(As(browser, Method::kGet, "/api/v1/audit?limit=5")).status, 200);
  ExpectProblem(Send(As(browser, Method::kGet, "/api/v1/audit?limit=abc")), 400, "invalid-input");
  ExpectProblem(Send(As(browser, Method::kGet, "/api/v1/audit?limit=0")), 400, "invalid-input");
  ExpectProblem(Send(As(browser, Method::kGet, "/api/v1/audit?limit=5x")), 400, "invalid-input");
  ExpectProblem(Send(As(browser, Method::kGet, "/api/v1/audit?before=7;DROP")), 400,
                "invalid-input");
}

TEST_P(ApiTest, AuditListShowsAnAuthorityAdminOnlyItsOwnOversight) {
  const auto make_authority = [&](const std::string& name, const std::string& country) {
    identity::NewOrganisation org;
    org.name = name;
    org.kind = identity::OrgKind::kAuthority;
    org.parent_id = centre_id_;
    org.country = country;
    return ids_->CreateOrganisation(identity::Actor::System(), org)->id;
  };
  const auto make_admin = [&](const std::string& username, std::int64_t org) {
    identity::NewUser u;
    u.username = username;
    u.display_name = username;
    u.role = identity::Role::kAdmin;
    u.organisation_id = org;
    u.password = std::string(kRootPassword);
    ASSERT_TRUE(ids_->CreateUser(identity::Actor::System(), u));
  };
  const auto a1 = make_authority("BSI", "DE");
  const auto a2 = make_authority("ANSSI", "FR");
  make_admin("a1admin", a1);
  make_admin("a2admin", a2);
  const auto root = LogIn("root");
  const auto a1admin = LogIn("a1admin");
  LogIn("a2admin");
  ASSERT_EQ(LoginRequest("nobody", "wrong password!").status, 401);

  const auto listed = Send(As(a1admin, Method::kGet, "/api/v1/audit"));
  ASSERT_EQ(listed.status, 200) << listed.body;
  const auto body = Json(listed);
  const auto& items = body.at("items").as_array();
  ASSERT_FALSE(items.empty());
  for (const auto& item : items) {
    EXPECT_EQ(Str(item.at("organisation_id")), std::to_string(a1)) << json::serialize(item);
  }
  const auto all = Json(Send(As(root, Method::kGet, "/api/v1/audit"))).at("items").as_array();
  EXPECT_EQ(static_cast<std::int64_t>(all.size()), AuditCount());

  ExpectProblem(Send(As(a1admin, Method::kPost, "/api/v1/audit/verify")), 403, "forbidden");
  const auto verified = Send(As(root, Method::kPost, "/api/v1/audit/verify"));
  ASSERT_EQ(verified.status, 200) << verified.body;
  EXPECT_EQ(Str(Json(verified).at("ok")), "true");
}

TEST_P(ApiTest, RequestsAreCountedInMetrics) {
  const auto browser = LogIn("root");
  ASSERT_EQ(Send(As(browser, Method::kGet, "/api/v1/me")).status, 200);
  auto local = Make(Method::kGet, "/metrics");
  local.remote_address = "127.0.0.1";
  const auto r = Send(std::move(local));
  ASSERT_EQ(r.status, 200);
  EXPECT_NE(r.body.find(
                R"(caduceus_http_requests_total{route="/api/v1/me",method="GET",status="200"} 1)"),
            std::string::npos)
      << r.body;
  EXPECT_NE(
      r.body.find(
          R"(caduceus_http_requests_total{route="/api/v1/auth/login",method="POST",status="200"} 1)"),
      std::string::npos)
      << r.body;
}

TEST_P(ApiTest, MetricsAreRefusedToRemoteClientsWithoutTheToken) {
  ExpectProblem(Send(Make(Method::kGet, "/metrics")), 403, "forbidden");
}

CADUCEUS_API_TEST_BACKENDS(ApiTest);

}  // namespace
}  // namespace caduceus::api
