// Authentication against a live hub: passwords, lockout, CSRF, API token scopes and revocation,
// logout, one-time passwords, TOTP enrolment and replay, organisations that require TOTP.
//
// The hub throttles failed logins per address (20 in 15 minutes) and every request here comes
// from 127.0.0.1, so the suite as a whole stays below that (13 now): each test notes its
// failures.
#include <chrono>
#include <string>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "e2e/hub_process.h"
#include "e2e/shared_hub.h"
#include "identity/crypto.h"

namespace caduceus::e2e {
namespace {

namespace json = boost::json;
using caduceus::testing::AllBackends;

struct AuthenticationWorld {
  static HubSettings Settings() { return {}; }
  static AuthenticationWorld Build(Hub& hub, const std::string&) {
    AuthenticationWorld w;
    w.sc_admin = hub.Bootstrap();
    w.authority = hub.AddAuthority("Authentication CSIRT e2e", "BE");
    w.provider = hub.AddProvider("Authentication Hospital e2e", w.authority);
    return w;
  }
  CreatedAccount sc_admin;
  std::int64_t authority = 0;
  std::int64_t provider = 0;
};

class Authentication : public SharedHubTest<AuthenticationWorld> {
 protected:
  CreatedAccount NewUser(const std::string& username, const std::string& role = "analyst") {
    return hub().AddUser(username, role, world().provider);
  }
  Credential ScAdmin() {
    return SessionFor(url(), world().sc_admin.username, world().sc_admin.password);
  }
};

std::string Detail(const Response& r) {
  return std::string(JsonObject(r).at("detail").as_string());
}

std::string TotpNow(const std::string& secret, std::int64_t at_least_step) {
  const auto step = std::max(identity::TotpStep(std::chrono::system_clock::now()), at_least_step);
  return identity::TotpCode(secret, step);
}

TEST_P(Authentication, LoginWithTheRightPasswordStartsASession) {
  const auto user = NewUser("auth.ok");
  const auto outcome = Login(url(), user.username, user.password);
  ASSERT_EQ(outcome.response.status, 200) << Describe(outcome.response);
  const auto set_cookie = HeaderOf(outcome.response, "Set-Cookie").value_or("");
  EXPECT_NE(set_cookie.find("HttpOnly"), std::string::npos) << set_cookie;
  EXPECT_NE(set_cookie.find("SameSite=Strict"), std::string::npos) << set_cookie;
  EXPECT_NE(set_cookie.find("Path=/"), std::string::npos) << set_cookie;
  EXPECT_FALSE(outcome.credential.cookie.empty());
  EXPECT_FALSE(outcome.credential.csrf.empty());
  EXPECT_EQ(Str(outcome.body.at("user").as_object().at("username")), user.username);
  EXPECT_EQ(outcome.body.at("organisation").as_object().at("id"), world().provider);
  EXPECT_EQ(outcome.body.at("password_change_required"), false);

  const auto me = Get(url(), "/api/v1/me", outcome.credential);
  ASSERT_EQ(me.status, 200) << Describe(me);
  EXPECT_EQ(Str(JsonObject(me).at("csrf_token")), outcome.credential.csrf);
}

// Failed logins: 2.
TEST_P(Authentication, WrongPasswordAndUnknownUserGetTheSameRefusal) {
  const auto user = NewUser("auth.wrong");
  const auto wrong = Login(url(), user.username, user.password + "x").response;
  const auto unknown = Login(url(), "auth.nobody", user.password).response;
  ASSERT_TRUE(IsProblem(wrong, 401, "unauthenticated"));
  ASSERT_TRUE(IsProblem(unknown, 401, "unauthenticated"));
  EXPECT_EQ(Detail(wrong), Detail(unknown));
  EXPECT_EQ(JsonObject(wrong).at("title"), JsonObject(unknown).at("title"));
  EXPECT_FALSE(SessionCookieOf(wrong).has_value());
  EXPECT_EQ(Login(url(), user.username, user.password).response.status, 200);
}

// Failed logins: 5.
TEST_P(Authentication, FiveWrongPasswordsLockTheAccountEvenForTheRightPassword) {
  const auto user = NewUser("auth.locked");
  const auto bystander = NewUser("auth.bystander");
  for (int i = 0; i < 5; ++i) {
    SCOPED_TRACE("wrong password #" + std::to_string(i + 1));
    EXPECT_TRUE(IsProblem(Login(url(), user.username, "not-the-password").response, 401,
                          "unauthenticated"));
  }
  const auto locked = Login(url(), user.username, user.password).response;
  ASSERT_TRUE(IsProblem(locked, 429, "rate-limited"));
  const auto retry_after = HeaderOf(locked, "Retry-After");
  ASSERT_TRUE(retry_after.has_value()) << Describe(locked);
  const int seconds = std::atoi(retry_after->c_str());
  EXPECT_GT(seconds, 0) << *retry_after;
  EXPECT_LE(seconds, 15 * 60) << *retry_after;
  EXPECT_FALSE(SessionCookieOf(locked).has_value());

  EXPECT_EQ(Login(url(), bystander.username, bystander.password).response.status, 200)
      << "the lockout of one account must not lock out others";
}

TEST_P(Authentication, CookieRequestsNeedTheCsrfToken) {
  const auto user = NewUser("auth.csrf");
  const auto session = SessionFor(url(), user.username, user.password);
  auto without = session;
  without.csrf.clear();
  auto wrong = session;
  wrong.csrf = "forged-" + session.csrf;
  const json::object body{
      {"name", "csrf"}, {"scopes", json::array{"read"}}, {"expires_in_days", 1}};

  EXPECT_TRUE(IsProblem(PostJson(url(), "/api/v1/tokens", without, body), 403, "csrf"));
  EXPECT_TRUE(IsProblem(PostJson(url(), "/api/v1/tokens", wrong, body), 403, "csrf"));
  const auto listed = Get(url(), "/api/v1/tokens", without);
  ASSERT_EQ(listed.status, 200) << "safe methods need no CSRF token: " << Describe(listed);
  EXPECT_TRUE(JsonObject(listed).at("items").as_array().empty())
      << "a refused POST created a token: " << listed.body;

  const auto created = PostJson(url(), "/api/v1/tokens", session, body);
  ASSERT_EQ(created.status, 201) << Describe(created);
  const auto id = std::to_string(JsonObject(created).at("item").as_object().at("id").as_int64());
  EXPECT_TRUE(IsProblem(Call(url(), "DELETE", "/api/v1/tokens/" + id, without), 403, "csrf"));
  EXPECT_TRUE(IsProblem(Call(url(), "DELETE", "/api/v1/tokens/" + id, wrong), 403, "csrf"));
  const auto still = JsonObject(Get(url(), "/api/v1/tokens", session)).at("items").as_array();
  ASSERT_EQ(still.size(), 1u);
  EXPECT_EQ(still[0].as_object().at("revoked"), false);
  EXPECT_EQ(Call(url(), "DELETE", "/api/v1/tokens/" + id, session).status, 204);
}

TEST_P(Authentication, ReadScopedTokenCannotWriteButWriteScopedTokenCan) {
  const auto admin = NewUser("auth.scopes", "admin");
  const auto session = SessionFor(url(), admin.username, admin.password);
  const auto read = TokenFor(url(), session, {"read"});
  const auto write = TokenFor(url(), session, {"read", "write"});
  const auto org = "/api/v1/organisations/" + std::to_string(world().provider);
  const json::object same_name{{"name", "Authentication Hospital e2e"}};

  EXPECT_EQ(Get(url(), "/api/v1/me", Credential::Bearer(read.token)).status, 200);
  EXPECT_EQ(Get(url(), org, Credential::Bearer(read.token)).status, 200);
  EXPECT_TRUE(IsProblem(PatchJson(url(), org, Credential::Bearer(read.token), same_name), 403,
                        "forbidden"));
  EXPECT_TRUE(IsProblem(Call(url(), "DELETE", "/api/v1/tokens/" + std::to_string(read.id),
                             Credential::Bearer(read.token)),
                        403, "forbidden"));
  EXPECT_TRUE(IsProblem(Call(url(), "POST", "/api/v1/auth/logout", Credential::Bearer(read.token)),
                        403, "forbidden"));

  const auto written = PatchJson(url(), org, Credential::Bearer(write.token), same_name);
  EXPECT_EQ(written.status, 200) << "a write token needs no CSRF token: " << Describe(written);
  EXPECT_TRUE(IsProblem(
      PostJson(
          url(), "/api/v1/tokens", Credential::Bearer(write.token),
          json::object{{"name", "t"}, {"scopes", json::array{"read"}}, {"expires_in_days", 1}}),
      403, "forbidden"))
      << "API tokens must not mint API tokens";
}

TEST_P(Authentication, RevokedTokensAreRefused) {
  const auto user = NewUser("auth.revoke");
  const auto session = SessionFor(url(), user.username, user.password);
  const auto token = TokenFor(url(), session);
  ASSERT_EQ(Get(url(), "/api/v1/me", Credential::Bearer(token.token)).status, 200);
  ASSERT_EQ(Call(url(), "DELETE", "/api/v1/tokens/" + std::to_string(token.id), session).status,
            204);
  EXPECT_TRUE(
      IsProblem(Get(url(), "/api/v1/me", Credential::Bearer(token.token)), 401, "unauthenticated"));

  // Tokens made and revoked with the admin CLI behave the same.
  const auto out = hub().CliOk(
      {"token", "create", "--username", user.username, "--scopes", "read", "--name", "cli-token"});
  const auto cli_token =
      out.substr(out.rfind("cdc_"), out.find('\n', out.rfind("cdc_")) - out.rfind("cdc_"));
  ASSERT_EQ(Get(url(), "/api/v1/me", Credential::Bearer(cli_token)).status, 200) << out;
  std::int64_t cli_id = 0;
  const auto items_body = JsonObject(Get(url(), "/api/v1/tokens", session));
  for (const auto& t : items_body.at("items").as_array()) {
    if (t.as_object().at("name") == "cli-token") cli_id = t.as_object().at("id").as_int64();
  }
  ASSERT_NE(cli_id, 0);
  hub().CliOk({"token", "revoke", "--id", std::to_string(cli_id)});
  EXPECT_TRUE(
      IsProblem(Get(url(), "/api/v1/me", Credential::Bearer(cli_token)), 401, "unauthenticated"));
  EXPECT_TRUE(IsProblem(Get(url(), "/api/v1/me", Credential::Bearer("cdc_not-a-real-token")), 401,
                        "unauthenticated"));
}

TEST_P(Authentication, LogoutEndsTheSession) {
  const auto user = NewUser("auth.logout");
  const auto session = SessionFor(url(), user.username, user.password);
  auto without = session;
  without.csrf.clear();
  EXPECT_TRUE(IsProblem(Call(url(), "POST", "/api/v1/auth/logout", without), 403, "csrf"));
  ASSERT_EQ(Get(url(), "/api/v1/me", session).status, 200) << "a refused logout ended the session";

  const auto out = Call(url(), "POST", "/api/v1/auth/logout", session);
  ASSERT_EQ(out.status, 204) << Describe(out);
  const auto cleared = HeaderOf(out, "Set-Cookie").value_or("");
  EXPECT_TRUE(cleared.starts_with("caduceus_session=;")) << cleared;
  EXPECT_NE(cleared.find("Max-Age=0"), std::string::npos) << cleared;
  EXPECT_TRUE(IsProblem(Get(url(), "/api/v1/me", session), 401, "unauthenticated"));
  EXPECT_TRUE(IsProblem(PostJson(url(), "/api/v1/tokens", session,
                                 json::object{{"name", "after-logout"},
                                              {"scopes", json::array{"read"}},
                                              {"expires_in_days", 1}}),
                        401, "unauthenticated"));
}

// Failed logins: 1.
TEST_P(Authentication, OneTimePasswordMustBeChangedBeforeAnythingElse) {
  const auto created = PostJson(url(), "/api/v1/users", ScAdmin(),
                                json::object{{"username", "auth.onetime"},
                                             {"display_name", "One Time"},
                                             {"role", "viewer"},
                                             {"organisation_id", world().provider}});
  ASSERT_EQ(created.status, 201) << Describe(created);
  const auto initial = std::string(JsonObject(created).at("initial_password").as_string());
  ASSERT_GE(initial.size(), 12u);

  const auto first = Login(url(), "auth.onetime", initial);
  ASSERT_EQ(first.response.status, 200) << Describe(first.response);
  EXPECT_EQ(first.body.at("password_change_required"), true);
  const auto& session = first.credential;
  EXPECT_TRUE(
      IsProblem(Get(url(), "/api/v1/organisations", session), 403, "password-change-required"));
  EXPECT_TRUE(IsProblem(Get(url(), "/api/v1/tokens", session), 403, "password-change-required"));
  const auto me = Get(url(), "/api/v1/me", session);
  ASSERT_EQ(me.status, 200) << Describe(me);
  EXPECT_EQ(JsonObject(me).at("password_change_required"), true);

  const auto change = [&](const std::string& current, const std::string& replacement) {
    return PostJson(url(), "/api/v1/me/password", session,
                    json::object{{"current_password", current}, {"new_password", replacement}});
  };
  EXPECT_TRUE(IsProblem(change(initial, "short"), 400, "invalid-input"));
  EXPECT_TRUE(
      IsProblem(change("not-the-current-one", "a-long-enough-password"), 400, "invalid-input"));
  const std::string chosen = "my-own-password-2026";
  ASSERT_EQ(change(initial, chosen).status, 204);
  const auto orgs = Get(url(), "/api/v1/organisations", session);
  EXPECT_EQ(orgs.status, 200) << Describe(orgs);

  EXPECT_TRUE(IsProblem(Login(url(), "auth.onetime", initial).response, 401, "unauthenticated"));
  const auto again = Login(url(), "auth.onetime", chosen);
  ASSERT_EQ(again.response.status, 200) << Describe(again.response);
  EXPECT_EQ(again.body.at("password_change_required"), false);
}

// Failed logins: 3 (a wrong code, a replayed one, a wrong password with a valid code).
TEST_P(Authentication, TotpIsRequiredOnceEnabledAndCodesCannotBeReplayed) {
  const auto user = NewUser("auth.totp");
  const auto session = SessionFor(url(), user.username, user.password);
  const auto setup = Call(url(), "POST", "/api/v1/me/totp/setup", session);
  ASSERT_EQ(setup.status, 200) << Describe(setup);
  const auto secret_b32 = std::string(JsonObject(setup).at("secret").as_string());
  const auto uri = std::string(JsonObject(setup).at("otpauth_uri").as_string());
  EXPECT_TRUE(uri.starts_with("otpauth://totp/Caduceus:auth.totp?")) << uri;
  EXPECT_NE(uri.find("secret=" + secret_b32), std::string::npos) << uri;
  EXPECT_NE(uri.find("issuer=Caduceus"), std::string::npos) << uri;
  const auto secret = identity::Base32Decode(secret_b32);
  ASSERT_TRUE(secret.has_value()) << secret_b32;

  // Not active until enabled with a correct code.
  ASSERT_EQ(Login(url(), user.username, user.password).response.status, 200);
  EXPECT_TRUE(IsProblem(PostJson(url(), "/api/v1/me/totp/enable", session,
                                 json::object{{"password", user.password}, {"code", "abcdef"}}),
                        400, "invalid-input"));
  const auto enable_step = identity::TotpStep(std::chrono::system_clock::now());
  const auto enabled = PostJson(url(), "/api/v1/me/totp/enable", session,
                                json::object{{"password", user.password},
                                             {"code", identity::TotpCode(*secret, enable_step)}});
  ASSERT_EQ(enabled.status, 204) << Describe(enabled);
  EXPECT_EQ(JsonObject(Get(url(), "/api/v1/me", session)).at("user").as_object().at("totp_enabled"),
            true);

  EXPECT_TRUE(IsProblem(Login(url(), user.username, user.password).response, 401, "totp-required"));
  EXPECT_TRUE(IsProblem(Login(url(), user.username, user.password, "abcdef").response, 401,
                        "totp-required"));
  const auto code = TotpNow(*secret, enable_step + 1);
  const auto with_code = Login(url(), user.username, user.password, code);
  ASSERT_EQ(with_code.response.status, 200) << Describe(with_code.response);
  const auto replayed = Login(url(), user.username, user.password, code);
  EXPECT_TRUE(IsProblem(replayed.response, 401, "totp-required"));
  EXPECT_FALSE(SessionCookieOf(replayed.response).has_value());
  EXPECT_TRUE(IsProblem(Login(url(), user.username, "wrong-password", code).response, 401,
                        "unauthenticated"))
      << "a TOTP code must not stand in for the password";
}

TEST_P(Authentication, OrganisationRequiringTotpHoldsUsersUntilTheyEnrol) {
  const auto org =
      hub().AddProvider("Strict Laboratory e2e", world().authority, "laboratory", "small");
  const auto user = hub().AddUser("auth.strict", "admin", org);
  const auto required = PatchJson(url(), "/api/v1/organisations/" + std::to_string(org), ScAdmin(),
                                  json::object{{"require_totp", true}});
  ASSERT_EQ(required.status, 200) << Describe(required);
  EXPECT_EQ(JsonObject(required).at("require_totp"), true);

  const auto login = Login(url(), user.username, user.password);
  ASSERT_EQ(login.response.status, 200) << Describe(login.response);
  EXPECT_EQ(login.body.at("totp_enrollment_required"), true);
  const auto& session = login.credential;
  EXPECT_TRUE(
      IsProblem(Get(url(), "/api/v1/organisations", session), 403, "totp-enrollment-required"));
  EXPECT_TRUE(IsProblem(Get(url(), "/api/v1/users", session), 403, "totp-enrollment-required"));
  ASSERT_EQ(Get(url(), "/api/v1/me", session).status, 200);

  const auto setup = Call(url(), "POST", "/api/v1/me/totp/setup", session);
  ASSERT_EQ(setup.status, 200) << Describe(setup);
  const auto secret =
      identity::Base32Decode(std::string(JsonObject(setup).at("secret").as_string()));
  ASSERT_TRUE(secret.has_value());
  const auto step = identity::TotpStep(std::chrono::system_clock::now());
  ASSERT_EQ(PostJson(url(), "/api/v1/me/totp/enable", session,
                     json::object{{"password", user.password},
                                  {"code", identity::TotpCode(*secret, step)}})
                .status,
            204);
  const auto orgs = Get(url(), "/api/v1/organisations", session);
  EXPECT_EQ(orgs.status, 200) << "enrolled, the user may work: " << Describe(orgs);
  EXPECT_TRUE(IsProblem(PostJson(url(), "/api/v1/me/totp/disable", session,
                                 json::object{{"password", user.password}}),
                        403, "forbidden"));
  EXPECT_TRUE(IsProblem(Login(url(), user.username, user.password).response, 401, "totp-required"));
}

TEST_P(Authentication, ChangingThePasswordEndsTheOtherSessions) {
  const auto user = NewUser("auth.change");
  const auto here = SessionFor(url(), user.username, user.password);
  const auto elsewhere = SessionFor(url(), user.username, user.password);
  const auto changed = PostJson(url(), "/api/v1/me/password", here,
                                json::object{{"current_password", user.password},
                                             {"new_password", "a-fresh-password-for-e2e"}});
  ASSERT_EQ(changed.status, 204) << Describe(changed);
  EXPECT_EQ(Get(url(), "/api/v1/me", here).status, 200) << "the session that changed it stays";
  EXPECT_TRUE(IsProblem(Get(url(), "/api/v1/me", elsewhere), 401, "unauthenticated"));
  EXPECT_EQ(Login(url(), user.username, "a-fresh-password-for-e2e").response.status, 200);
}

// Failed logins: 1.
TEST_P(Authentication, AdminPasswordResetEndsSessionsAndForcesAChange) {
  const auto user = NewUser("auth.reset");
  const auto admin = NewUser("auth.reset.admin", "admin");
  const auto session = SessionFor(url(), user.username, user.password);
  const auto target = "/api/v1/users/" + std::to_string(user.id) + "/reset-password";
  EXPECT_TRUE(IsProblem(Call(url(), "POST", target, ScAdmin()), 403, "forbidden"))
      << "overseeing admins must not take over accounts of other organisations";
  ASSERT_EQ(Get(url(), "/api/v1/me", session).status, 200);

  const auto reset = Call(url(), "POST", target, SessionFor(url(), admin.username, admin.password));
  ASSERT_EQ(reset.status, 200) << Describe(reset);
  const auto initial = Str(JsonObject(reset).at("initial_password"));
  EXPECT_TRUE(IsProblem(Get(url(), "/api/v1/me", session), 401, "unauthenticated"));
  EXPECT_TRUE(
      IsProblem(Login(url(), user.username, user.password).response, 401, "unauthenticated"));
  const auto fresh = Login(url(), user.username, initial);
  ASSERT_EQ(fresh.response.status, 200) << Describe(fresh.response);
  EXPECT_EQ(fresh.body.at("password_change_required"), true);
  EXPECT_TRUE(IsProblem(Get(url(), "/api/v1/organisations", fresh.credential), 403,
                        "password-change-required"));
}

// Failed logins: 1.
TEST_P(Authentication, DisabledUserLosesSessionsAndCannotLogIn) {
  const auto user = NewUser("auth.disabled");
  const auto session = SessionFor(url(), user.username, user.password);
  const auto token = TokenFor(url(), session);
  hub().CliOk({"user", "disable", "--username", user.username});
  EXPECT_TRUE(IsProblem(Get(url(), "/api/v1/me", session), 401, "unauthenticated"));
  EXPECT_TRUE(
      IsProblem(Get(url(), "/api/v1/me", Credential::Bearer(token.token)), 401, "unauthenticated"));
  const auto refused = Login(url(), user.username, user.password).response;
  EXPECT_TRUE(IsProblem(refused, 401, "unauthenticated"));
}

INSTANTIATE_TEST_SUITE_P(Backends,
                         Authentication,
                         ::testing::ValuesIn(AllBackends()),
                         BackendParamName);

}  // namespace
}  // namespace caduceus::e2e
