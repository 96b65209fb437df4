// Hostile and malformed input against a live hub: every refusal is RFC 9457 problem+json with
// type, title, status and detail; nothing outside the web root is ever served; SQL
// metacharacters stay data; and a refused create leaves nothing half-written.
#include <filesystem>
#include <string>
#include <vector>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "e2e/hub_process.h"
#include "e2e/shared_hub.h"

namespace caduceus::e2e {
namespace {

namespace json = boost::json;
using caduceus::testing::AllBackends;

constexpr std::size_t kMaxBody = 16 * 1024;
const HeaderList kJson = {{"Content-Type", "application/json"}};

struct ProblemWorld {
  static HubSettings Settings() {
    HubSettings s;
    s.max_body_bytes = kMaxBody;
    s.web_files = {{"index.html", "<!doctype html><title>ui</title>"}};
    return s;
  }
  static ProblemWorld Build(Hub& hub, const std::string&) {
    ProblemWorld w;
    w.sc_admin = hub.Bootstrap();
    w.be = hub.AddAuthority("Problem CSIRT BE e2e", "BE");
    w.nl = hub.AddAuthority("Problem CSIRT NL e2e", "NL");
    w.a = hub.AddProvider("Problem Provider A e2e", w.be);
    w.b = hub.AddProvider("Problem Provider B e2e", w.nl);
    w.a_admin = hub.AddUser("pd.a.admin", "admin", w.a);
    w.b_admin = hub.AddUser("pd.b.admin", "admin", w.b);
    // A link out of the web root: following it would serve a file the UI never shipped.
    std::filesystem::create_symlink(hub.config_file(), hub.web_root() + "/leak.txt");
    return w;
  }
  CreatedAccount sc_admin, a_admin, b_admin;
  std::int64_t be = 0, nl = 0, a = 0, b = 0;
};

class ProblemDetails : public SharedHubTest<ProblemWorld> {
 protected:
  Credential ScAdmin() {
    return SessionFor(url(), world().sc_admin.username, world().sc_admin.password);
  }
  json::object NewUser(const std::string& username, std::int64_t org) {
    return {{"username", username},
            {"display_name", "User " + username},
            {"role", "viewer"},
            {"organisation_id", org}};
  }
  std::string Field(const Response& r) {
    const auto body = JsonObject(r);
    const auto* f = body.if_contains("field");
    return f && f->is_string() ? std::string(f->as_string()) : std::string();
  }
};

TEST_P(ProblemDetails, MalformedJsonIsInvalidInput) {
  const auto admin = ScAdmin();
  const std::vector<std::string> bodies = {
      "{",
      R"({"username": )",
      "[]",
      R"("just a string")",
      "null",
      R"({"username":"x",})",
      R"({"username":"a","username":"b"})",
      R"({"username":"x"} trailing)",
      R"({/* comment */ "username":"x"})",
      "{'username':'x'}",
      std::string(40, '[') + std::string(40, ']'),
  };
  for (const auto& body : bodies) {
    SCOPED_TRACE(body);
    EXPECT_TRUE(
        IsProblem(Call(url(), "POST", "/api/v1/users", admin, body, kJson), 400, "invalid-input"));
    EXPECT_TRUE(IsProblem(Call(url(), "POST", "/api/v1/auth/login", {}, body, kJson), 400,
                          "invalid-input"));
  }
  EXPECT_TRUE(
      IsProblem(Call(url(), "POST", "/api/v1/auth/login", {}, {}, kJson), 400, "invalid-input"))
      << "an empty body";
}

TEST_P(ProblemDetails, WrongTypesAreInvalidInputNamingTheField) {
  const auto admin = ScAdmin();
  struct Case {
    std::string target;
    std::string method;
    json::object body;
    std::string field;
  };
  auto user = NewUser("pd.types", world().a);
  auto with = [](json::object o, std::string key, json::value v) {
    o[key] = std::move(v);
    return o;
  };
  const std::vector<Case> cases = {
      {"/api/v1/users", "POST", with(user, "username", 42), "username"},
      {"/api/v1/users", "POST", with(user, "role", json::array{"admin"}), "role"},
      {"/api/v1/users", "POST", with(user, "organisation_id", "1"), "organisation_id"},
      {"/api/v1/users", "POST", with(user, "organisation_id", 1.5), "organisation_id"},
      {"/api/v1/users", "POST", with(user, "organisation_id", -3), "organisation_id"},
      {"/api/v1/organisations/" + std::to_string(world().a), "PATCH",
       json::object{{"require_totp", "yes"}}, "require_totp"},
      {"/api/v1/tokens", "POST",
       json::object{{"name", "t"}, {"scopes", "read"}, {"expires_in_days", 1}}, "scopes"},
      {"/api/v1/tokens", "POST",
       json::object{{"name", "t"}, {"scopes", json::array{"read"}}, {"expires_in_days", 366}},
       "expires_in_days"},
      {"/api/v1/auth/login", "POST", json::object{{"username", true}, {"password", "x"}},
       "username"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.method + " " + c.target + " " + json::serialize(c.body));
    const auto r = Call(url(), c.method, c.target, admin, json::serialize(c.body));
    ASSERT_TRUE(IsProblem(r, 400, "invalid-input"));
    EXPECT_EQ(Field(r), c.field);
  }
}

TEST_P(ProblemDetails, UnknownFieldsAreRejected) {
  const auto admin = ScAdmin();
  auto user = NewUser("pd.unknown", world().a);
  user["is_superuser"] = true;
  const auto created = PostJson(url(), "/api/v1/users", admin, user);
  ASSERT_TRUE(IsProblem(created, 400, "invalid-input"));
  EXPECT_EQ(Field(created), "is_superuser");

  const auto login = PostJson(url(), "/api/v1/auth/login", {},
                              json::object{{"username", world().sc_admin.username},
                                           {"password", world().sc_admin.password},
                                           {"remember_me", true}});
  ASSERT_TRUE(IsProblem(login, 400, "invalid-input"));
  EXPECT_EQ(Field(login), "remember_me");

  const auto patched = PatchJson(url(), "/api/v1/users/" + std::to_string(world().a_admin.id),
                                 admin, json::object{{"password_hash", "$argon2id$..."}});
  ASSERT_TRUE(IsProblem(patched, 400, "invalid-input"));
  EXPECT_EQ(Field(patched), "password_hash");
}

TEST_P(ProblemDetails, MissingFieldsAreRejected) {
  const auto admin = ScAdmin();
  auto user = NewUser("pd.missing", world().a);
  user.erase("organisation_id");
  const auto created = PostJson(url(), "/api/v1/users", admin, user);
  ASSERT_TRUE(IsProblem(created, 400, "invalid-input"));
  EXPECT_EQ(Field(created), "organisation_id");

  const auto login = PostJson(url(), "/api/v1/auth/login", {},
                              json::object{{"username", world().sc_admin.username}});
  ASSERT_TRUE(IsProblem(login, 400, "invalid-input"));
  EXPECT_EQ(Field(login), "password");

  const auto token =
      PostJson(url(), "/api/v1/tokens", admin, json::object{{"name", "t"}, {"expires_in_days", 1}});
  ASSERT_TRUE(IsProblem(token, 400, "invalid-input"));
  EXPECT_EQ(Field(token), "scopes");
}

TEST_P(ProblemDetails, BodyOverTheConfiguredLimitIs413) {
  const auto big = json::serialize(
      json::object{{"username", "x"}, {"password", std::string(2 * kMaxBody, 'p')}});
  const auto r = Call(url(), "POST", "/api/v1/auth/login", {}, big);
  EXPECT_TRUE(IsProblem(r, 413, "payload-too-large"));
  EXPECT_TRUE(IsHealthy(url()));

  // Just under the limit the request is read and judged on its content.
  const auto near = json::serialize(
      json::object{{"username", "x"}, {"password", std::string(kMaxBody - 100, 'p')}});
  ASSERT_LT(near.size(), kMaxBody);
  const auto judged = Call(url(), "POST", "/api/v1/auth/login", {}, near);
  EXPECT_TRUE(IsProblem(judged, 400, "invalid-input")) << "password is bounded to 1024 bytes";
}

TEST_P(ProblemDetails, InvalidUtf8IsRejected) {
  const auto admin = ScAdmin();
  const std::vector<std::string> bodies = {
      "{\"username\":\"pd.utf\xff\",\"display_name\":\"x\",\"role\":\"viewer\","
      "\"organisation_id\":1}",
      "{\"username\":\"pd.utf\",\"display_name\":\"\xc0\xaf\",\"role\":\"viewer\","
      "\"organisation_id\":1}",
      "{\"username\":\"pd.utf\",\"display_name\":\"\xed\xa0\x80\",\"role\":\"viewer\","
      "\"organisation_id\":1}",
      R"({"username":"pd.utf","display_name":"\ud800","role":"viewer","organisation_id":1})",
  };
  for (const auto& body : bodies) {
    SCOPED_TRACE(json::serialize(json::value(std::string(body.begin(), body.end()).size())));
    const auto r = Call(url(), "POST", "/api/v1/users", admin, body);
    EXPECT_TRUE(IsProblem(r, 400, "invalid-input"));
    boost::system::error_code ec;
    json::parse(r.body, ec);
    EXPECT_FALSE(ec) << "the problem body itself must be valid JSON";
  }
}

TEST_P(ProblemDetails, BodiesThatAreNotJsonAre415) {
  const auto body = json::serialize(
      json::object{{"username", world().sc_admin.username}, {"password", "wrong-password"}});
  for (const auto& type : {"text/plain", "application/x-www-form-urlencoded",
                           "multipart/form-data; boundary=x", "application/jsonx", "text/json"}) {
    SCOPED_TRACE(type);
    EXPECT_TRUE(
        IsProblem(Call(url(), "POST", "/api/v1/auth/login", {}, body, {{"Content-Type", type}}),
                  415, "unsupported-media-type"));
  }
  EXPECT_TRUE(IsProblem(Call(url(), "POST", "/api/v1/auth/login", {}, body, {{"Content-Type", ""}}),
                        415, "unsupported-media-type"))
      << "no Content-Type at all";
  const auto ok = Call(url(), "POST", "/api/v1/auth/login", {},
                       json::serialize(json::object{{"username", world().sc_admin.username},
                                                    {"password", world().sc_admin.password}}),
                       {{"Content-Type", "Application/JSON; charset=utf-8"}});
  EXPECT_EQ(ok.status, 200) << "media type parameters and case are allowed: " << Describe(ok);
}

TEST_P(ProblemDetails, PathTraversalNeverServesFiles) {
  const std::vector<std::string> targets = {
      "/api/v1/../../etc/passwd",
      "/api/v1/%2e%2e/%2e%2e/etc/passwd",
      "/api/v1/%2E%2E/%2E%2E/etc/passwd",
      "/api/v1/me%00",
      "/api/v1/users/%00",
      "/api/v1/organisations/..%2f..%2f..%2fetc%2fpasswd",
      "/../../../../etc/passwd",
      "/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
      "/..%2f..%2f..%2fetc%2fpasswd",
      "/..%5c..%5chub.toml",
      "/%2e%2e/hub.toml",
      "/.%2e/hub.toml",
      "/web/../hub.toml",
      "/index.html%00.js",
      "/leak.txt",
      "/.%2fhub.toml",
      "//etc/passwd",
  };
  for (const auto& target : targets) {
    SCOPED_TRACE(target);
    const auto r = Get(url(), target);
    EXPECT_TRUE(r.status == 400 || r.status == 404) << Describe(r);
    EXPECT_TRUE(r.content_type.starts_with("application/problem+json")) << Describe(r);
    EXPECT_EQ(r.body.find("root:"), std::string::npos) << "served /etc/passwd: " << r.body;
    EXPECT_EQ(r.body.find("argon2_opslimit"), std::string::npos) << "served the config: " << r.body;
  }
}

TEST_P(ProblemDetails, UnknownApiRoutesAre404) {
  const auto admin = ScAdmin();
  for (const auto& target : {"/api/v1/nope", "/api/v2/organisations", "/api/v1/organisations/abc",
                             "/api/v1/organisations/-1", "/api/v1/organisations/0",
                             "/api/v1/organisations/99999999999999999999",
                             "/api/v1/organisations/999999", "/api/v1/users/1/nope", "/api/"}) {
    SCOPED_TRACE(target);
    EXPECT_TRUE(IsProblem(Get(url(), target, admin), 404, "not-found"));
  }
  EXPECT_TRUE(IsProblem(Call(url(), "POST", "/api/v1/nope", admin, "{}"), 404, "not-found"));
}

TEST_P(ProblemDetails, WrongMethodIs405WithAllow) {
  struct Case {
    const char* method;
    const char* target;
    std::vector<std::string> allowed;
  };
  const std::vector<Case> cases = {
      {"DELETE", "/api/v1/organisations", {"GET", "POST"}},
      {"PUT", "/api/v1/me", {"GET"}},
      {"GET", "/api/v1/auth/login", {"POST"}},
      {"PATCH", "/api/v1/tokens/1", {"DELETE"}},
      {"POST", "/healthz", {"GET"}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(std::string(c.method) + " " + c.target);
    const auto r = Call(url(), c.method, c.target, {}, {});
    ASSERT_TRUE(IsProblem(r, 405, "method-not-allowed"));
    const auto allow = HeaderOf(r, "Allow").value_or("");
    for (const auto& m : c.allowed) EXPECT_NE(allow.find(m), std::string::npos) << allow;
    EXPECT_EQ(allow.find(c.method), std::string::npos) << allow;
  }
}

// Failed logins: 4.
TEST_P(ProblemDetails, SqlMetacharactersInCredentialsStayData) {
  const auto users_before = Get(url(), "/api/v1/users", ScAdmin()).body;
  const auto reference = PostJson(url(), "/api/v1/auth/login", {},
                                  json::object{{"username", "pd.nobody"}, {"password", "x"}});
  ASSERT_TRUE(IsProblem(reference, 401, "unauthenticated"));
  const std::vector<std::pair<std::string, std::string>> attempts = {
      {"admin' OR '1'='1", "' OR '1'='1' --"},
      {world().sc_admin.username + "'--", "anything"},
      {world().sc_admin.username + "\"; DROP TABLE users; --", "x'); DROP TABLE users;--"},
  };
  for (const auto& [username, password] : attempts) {
    SCOPED_TRACE(username);
    const auto r = PostJson(url(), "/api/v1/auth/login", {},
                            json::object{{"username", username}, {"password", password}});
    ASSERT_TRUE(IsProblem(r, 401, "unauthenticated"));
    EXPECT_EQ(JsonObject(r).at("detail"), JsonObject(reference).at("detail"));
  }
  EXPECT_EQ(Get(url(), "/api/v1/users", ScAdmin()).body.size(), users_before.size())
      << "the users table changed";
}

TEST_P(ProblemDetails, SqlMetacharactersInNamesAreStoredVerbatim) {
  const auto admin = ScAdmin();
  const std::string bobby = "Robert'); DROP TABLE users;--";
  auto user = NewUser("pd.bobby", world().a);
  user["display_name"] = bobby;
  const auto created = PostJson(url(), "/api/v1/users", admin, user);
  ASSERT_EQ(created.status, 201) << Describe(created);
  const auto id = JsonObject(created).at("user").as_object().at("id").as_int64();
  EXPECT_EQ(Str(JsonObject(created).at("user").as_object().at("display_name")), bobby);

  const auto listed =
      Get(url(), "/api/v1/users?organisation_id=" + std::to_string(world().a), admin);
  ASSERT_EQ(listed.status, 200) << Describe(listed);
  bool found = false;
  const auto items_body = JsonObject(listed);
  for (const auto& u : items_body.at("items").as_array()) {
    if (u.as_object().at("id") == id) {
      found = true;
      EXPECT_EQ(Str(u.as_object().at("display_name")), bobby);
    }
  }
  EXPECT_TRUE(found) << listed.body;

  const std::string quoted = "x\"; DELETE FROM organisations; -- ' OR 1=1";
  const auto patched = PatchJson(url(), "/api/v1/users/" + std::to_string(id), admin,
                                 json::object{{"display_name", quoted}});
  ASSERT_EQ(patched.status, 200) << Describe(patched);
  EXPECT_EQ(Str(JsonObject(patched).at("display_name")), quoted);

  const std::string org_name = "O'Brien & Sons'; DROP TABLE organisations;--";
  const auto renamed = PatchJson(url(), "/api/v1/organisations/" + std::to_string(world().b), admin,
                                 json::object{{"name", org_name}});
  ASSERT_EQ(renamed.status, 200) << Describe(renamed);
  const auto org = Get(url(), "/api/v1/organisations/" + std::to_string(world().b), admin);
  EXPECT_EQ(Str(JsonObject(org).at("name")), org_name);
  EXPECT_GE(JsonObject(Get(url(), "/api/v1/organisations", admin)).at("items").as_array().size(),
            5u);
}

TEST_P(ProblemDetails, RejectedCreatesLeaveNothingHalfWritten) {
  const auto admin = ScAdmin();
  const auto b_admin = SessionFor(url(), world().b_admin.username, world().b_admin.password);
  const auto users_before = ParseJson(Get(url(), "/api/v1/users", admin).body);
  const auto orgs_before = ParseJson(Get(url(), "/api/v1/organisations", admin).body);

  auto bad_role = NewUser("pd.badrole", world().a);
  bad_role["role"] = "superuser";
  const auto r1 = PostJson(url(), "/api/v1/users", admin, bad_role);
  ASSERT_TRUE(IsProblem(r1, 400, "invalid-input"));
  EXPECT_EQ(Field(r1), "role");
  EXPECT_TRUE(IsProblem(
      PostJson(url(), "/api/v1/users", admin, NewUser(world().a_admin.username, world().a)), 409,
      "conflict"))
      << "duplicate username";
  EXPECT_TRUE(IsRefusal(PostJson(url(), "/api/v1/users", b_admin, NewUser("pd.foreign", world().a)),
                        {400, 403, 404}))
      << "B's admin creating a user in A";
  EXPECT_TRUE(IsProblem(PostJson(url(), "/api/v1/users", admin, NewUser("Upper Case", world().a)),
                        400, "invalid-input"));
  auto control = NewUser("pd.control", world().a);
  control["display_name"] = "bell\x07";
  EXPECT_TRUE(IsProblem(PostJson(url(), "/api/v1/users", admin, control), 400, "invalid-input"));
  EXPECT_TRUE(
      IsRefusal(PostJson(url(), "/api/v1/users", admin, NewUser("pd.noorg", 999999)), {400, 404}));
  EXPECT_TRUE(IsProblem(
      PostJson(
          url(), "/api/v1/organisations", admin,
          json::object{{"name", "Problem CSIRT BE e2e"}, {"kind", "authority"}, {"country", "BE"}}),
      409, "conflict"))
      << "duplicate organisation name";

  EXPECT_EQ(ParseJson(Get(url(), "/api/v1/users", admin).body), users_before);
  EXPECT_EQ(ParseJson(Get(url(), "/api/v1/organisations", admin).body), orgs_before);
}

INSTANTIATE_TEST_SUITE_P(Backends,
                         ProblemDetails,
                         ::testing::ValuesIn(AllBackends()),
                         BackendParamName);

}  // namespace
}  // namespace caduceus::e2e
