// The recovery routes through the whole pipeline: identification (with what the audit log keeps
// of it), the family knowledge base and its curation, decryption tools, the offline export with
// its ETag, and an incident's checklist for the provider, its CSIRT and another CSIRT.
#include <string>

#include "api_fixture.h"

namespace caduceus::api {
namespace {

namespace json = boost::json;
using http::Method;

constexpr std::string_view kUserPassword = "a long password for users";
constexpr std::string_view kAlpha = "11111111-1111-4111-8111-111111111111";

void ExpectProblem(const http::Response& r,
                   int status,
                   std::string_view slug,
                   std::string_view field = {}) {
  EXPECT_EQ(r.status, status) << r.body;
  const auto body = json::parse(r.body).as_object();
  EXPECT_EQ(body.at("type").as_string(), "urn:caduceus:problem:" + std::string(slug)) << r.body;
  if (!field.empty()) {
    ASSERT_TRUE(body.contains("field")) << r.body;
    EXPECT_EQ(body.at("field").as_string(), field) << r.body;
  }
}

std::string TestGalaxy() {
  const json::object alpha{
      {"uuid", kAlpha},
      {"value", "Alphacrypt"},
      {"meta", json::object{{"extensions", json::array{".alphacrypt"}},
                            {"ransomnotes-filenames", json::array{"ALPHA_README.txt"}}}}};
  return json::serialize(json::object{{"type", "ransomware"}, {"values", json::array{alpha}}});
}

json::object ToolJson(std::string key) {
  return json::object{{"key", std::move(key)},
                      {"families", json::array{"Alphacrypt"}},
                      {"tool", "Alphacrypt Decryptor"},
                      {"provider", "Example Labs"},
                      {"url", "https://decryptors.example.org/alpha"},
                      {"instructions", "Run it on a copy."},
                      {"last_verified", "2026-11-01"}};
}

class RecoveryRoutesTest : public ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    be_ = Org("CCB", identity::OrgKind::kAuthority, centre_id_, "BE");
    nl_ = Org("Z-CERT", identity::OrgKind::kAuthority, centre_id_, "NL");
    hospital_ = Org("UZ Leuven", identity::OrgKind::kProvider, be_, std::nullopt);
    User("be-analyst", be_, identity::Role::kAnalyst);
    User("nl-analyst", nl_, identity::Role::kAnalyst);
    User("hospital-admin", hospital_, identity::Role::kAdmin);
    ASSERT_TRUE(recovery_->LoadGalaxy(TestGalaxy()).has_value());
    alpha_ = db_->QueryOne("SELECT id FROM recovery_families WHERE uuid = ?",
                           {storage::Text(std::string(kAlpha))})
                 ->Int(0);
  }

  std::int64_t Org(std::string name,
                   identity::OrgKind kind,
                   std::int64_t parent,
                   std::optional<std::string> country) {
    identity::NewOrganisation org;
    org.name = std::move(name);
    org.kind = kind;
    org.parent_id = parent;
    org.country = std::move(country);
    if (kind == identity::OrgKind::kProvider) {
      org.provider_type = "hospital";
      org.size_band = "large";
    }
    auto created = ids_->CreateOrganisation(identity::Actor::System(), org);
    if (!created) throw std::runtime_error(created.error().message);
    return created->id;
  }

  void User(const std::string& username, std::int64_t org, identity::Role role) {
    identity::NewUser u;
    u.username = username;
    u.display_name = username;
    u.organisation_id = org;
    u.role = role;
    u.password = std::string(kUserPassword);
    if (auto created = ids_->CreateUser(identity::Actor::System(), u); !created) {
      throw std::runtime_error(created.error().message);
    }
  }

  Browser LogInUser(const std::string& username) { return LogIn(username, kUserPassword); }

  http::Response Call(const Browser& b,
                      Method method,
                      const std::string& target,
                      const json::object& body = {}) {
    return Send(As(b, method, target, body.empty() ? "" : json::serialize(body)));
  }

  std::int64_t Incident() {
    return db_
        ->QueryOne(
            "INSERT INTO incidents (provider_id, authority_id, title, aware_at, created_at,"
            " created_by, updated_at, status, shared_with_support_centre)"
            " VALUES (?, ?, 'Ransomware', 0, 0, 'test', 0, 'open', 0) RETURNING id",
            {storage::Int(hospital_), storage::Int(be_)})
        ->Int(0);
  }

  std::int64_t be_ = 0, nl_ = 0, hospital_ = 0, alpha_ = 0;
};

TEST_P(RecoveryRoutesTest, IdentifyRanksFamiliesWithEvidenceAndToolsAndAuditsNoClueContent) {
  const auto root = LogIn("root");
  ASSERT_EQ(Call(root, Method::kPost, "/api/v1/recovery/decryptors", ToolJson("alpha-tool")).status,
            201);
  const auto hospital = LogInUser("hospital-admin");
  const json::object clues{{"note_filename", "ALPHA_README.txt"},
                           {"note_text", "Secret patient ward 7 data encrypted"},
                           {"file_names", json::array{"C:\\scans\\mri-2026.dcm.alphacrypt"}}};
  const auto r = Call(hospital, Method::kPost, "/api/v1/recovery/identify", clues);
  ASSERT_EQ(r.status, 200) << r.body;
  const auto body = Json(r);
  EXPECT_FALSE(body.at("unknown").as_bool());
  const auto& first = body.at("candidates").as_array().at(0).as_object();
  EXPECT_EQ(first.at("family").at("name").as_string(), "Alphacrypt");
  EXPECT_EQ(first.at("family").at("id").as_int64(), alpha_);
  EXPECT_GE(first.at("evidence").as_array().size(), 2U);
  ASSERT_EQ(first.at("decryptors").as_array().size(), 1U);
  EXPECT_EQ(first.at("decryptors").as_array()[0].at("key").as_string(), "alpha-tool");
  EXPECT_EQ(body.at("notes").as_array()[0].at("encoding").as_string(), "utf-8");

  const auto entry = LastAudit();
  EXPECT_EQ(entry.action, "recovery.identify");
  EXPECT_EQ(entry.detail.find("patient"), std::string::npos) << entry.detail;
  EXPECT_EQ(entry.detail.find("mri"), std::string::npos) << entry.detail;
  EXPECT_NE(entry.detail.find("Alphacrypt"), std::string::npos) << entry.detail;
}

TEST_P(RecoveryRoutesTest, IdentifyRejectsEmptyUnknownAndMalformedClues) {
  const auto user = LogInUser("hospital-admin");
  ExpectProblem(Call(user, Method::kPost, "/api/v1/recovery/identify", {{"emails", json::array{}}}),
                400, "invalid-input");
  ExpectProblem(Call(user, Method::kPost, "/api/v1/recovery/identify", {{"ransom", "yes"}}), 400,
                "invalid-input", "ransom");
  ExpectProblem(Call(user, Method::kPost, "/api/v1/recovery/identify", {{"note_base64", "%%%"}}),
                400, "invalid-input", "note_base64");
  ExpectProblem(Call(user, Method::kPost, "/api/v1/recovery/identify", {{"header_hex", "abc"}}),
                400, "invalid-input", "header_hex");
  auto plain = As(user, Method::kPost, "/api/v1/recovery/identify", "note_text=x");
  plain.headers.Set("Content-Type", "text/plain");
  EXPECT_EQ(Send(plain).status, 415);
  ExpectProblem(Send(Make(Method::kPost, "/api/v1/recovery/identify", "{}")), 401,
                "unauthenticated");
}

TEST_P(RecoveryRoutesTest, SupportCentreStaffCurateFamiliesMarkersAndTools) {
  const auto root = LogIn("root");
  const auto csirt = LogInUser("be-analyst");
  const auto hospital = LogInUser("hospital-admin");
  const std::string markers = "/api/v1/recovery/families/" + std::to_string(alpha_) + "/markers";
  const json::object marker{{"kind", "onion"}, {"value", "alphaleaks*.onion"}, {"comment", "blog"}};

  for (const auto* b : {&csirt, &hospital}) {
    ExpectProblem(Call(*b, Method::kPost, markers, marker), 403, "forbidden");
    ExpectProblem(Call(*b, Method::kPost, "/api/v1/recovery/families", {{"name", "Newcrypt"}}), 403,
                  "forbidden");
    ExpectProblem(Call(*b, Method::kPost, "/api/v1/recovery/decryptors", ToolJson("x-tool")), 403,
                  "forbidden");
  }
  const auto added = Call(root, Method::kPost, markers, marker);
  ASSERT_EQ(added.status, 201) << added.body;
  const auto family = Json(added);
  EXPECT_TRUE(family.at("can_curate").as_bool());
  const auto marker_id = family.at("markers").as_array().back().at("id").as_int64();
  EXPECT_EQ(LastAudit().action, "recovery.marker.create");
  ExpectProblem(Call(root, Method::kPost, markers, {{"kind", "onion"}, {"value", "no-suffix"}}),
                400, "invalid-input", "value");

  const auto seen =
      Call(hospital, Method::kGet, "/api/v1/recovery/families/" + std::to_string(alpha_));
  ASSERT_EQ(seen.status, 200);
  EXPECT_FALSE(Json(seen).at("can_curate").as_bool());
  EXPECT_EQ(Json(seen).at("patterns").at("onions").as_array().size(), 1U);
  ExpectProblem(Call(hospital, Method::kGet, "/api/v1/recovery/families/99999"), 404, "not-found");
  ExpectProblem(Call(hospital, Method::kDelete, markers + "/" + std::to_string(marker_id)), 403,
                "forbidden");
  EXPECT_EQ(Call(root, Method::kDelete, markers + "/" + std::to_string(marker_id)).status, 204);

  const auto created = Call(root, Method::kPost, "/api/v1/recovery/families",
                            {{"name", "Newcrypt"}, {"synonyms", json::array{"NC"}}});
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(Json(created).at("source").as_string(), "hub");
  const auto list = Json(Call(hospital, Method::kGet, "/api/v1/recovery/families?q=CRYPT"));
  ASSERT_EQ(list.at("items").as_array().size(), 2U);
  EXPECT_EQ(list.at("items").as_array()[0].at("name").as_string(), "Alphacrypt");
  ExpectProblem(Call(hospital, Method::kGet, "/api/v1/recovery/families?limit=0"), 400,
                "invalid-input", "limit");

  const auto tool = Call(root, Method::kPost, "/api/v1/recovery/decryptors", ToolJson("alpha"));
  ASSERT_EQ(tool.status, 201) << tool.body;
  const std::string tool_url =
      "/api/v1/recovery/decryptors/" + std::to_string(Json(tool).at("id").as_int64());
  ExpectProblem(Call(csirt, Method::kPatch, tool_url, {{"tool", "Mine"}}), 403, "forbidden");
  const auto patched = Call(root, Method::kPatch, tool_url, {{"last_verified", "2026-11-29"}});
  ASSERT_EQ(patched.status, 200) << patched.body;
  EXPECT_EQ(Json(patched).at("last_verified").as_string(), "2026-11-29");
  ExpectProblem(Call(root, Method::kPatch, tool_url, {{"key", "other"}}), 400, "invalid-input",
                "key");
  const auto tools =
      Json(Call(hospital, Method::kGet, "/api/v1/recovery/decryptors?family=alphacrypt"));
  EXPECT_EQ(tools.at("items").as_array().size(), 1U);
  EXPECT_EQ(Call(root, Method::kDelete, tool_url).status, 204);
  ExpectProblem(Call(root, Method::kDelete, tool_url), 404, "not-found");
}

TEST_P(RecoveryRoutesTest, KnowledgeBaseExportCarriesAnETagThatChangesWithTheKnowledgeBase) {
  const auto root = LogIn("root");
  const auto first = Call(root, Method::kGet, "/api/v1/recovery/knowledge-base");
  ASSERT_EQ(first.status, 200);
  const std::string etag(first.headers.Get("ETag").value_or(""));
  ASSERT_FALSE(etag.empty());
  const auto kb = Json(first);
  EXPECT_EQ(kb.at("format").as_string(), "caduceus-recovery-kb/1");
  EXPECT_EQ(kb.at("families").as_array().size(), 1U);

  auto again = As(root, Method::kGet, "/api/v1/recovery/knowledge-base");
  again.headers.Set("If-None-Match", etag);
  const auto unchanged = Send(again);
  EXPECT_EQ(unchanged.status, 304);
  EXPECT_TRUE(unchanged.body.empty());

  ASSERT_EQ(
      Call(root, Method::kPost, "/api/v1/recovery/families/" + std::to_string(alpha_) + "/markers",
           {{"kind", "extension"}, {"value", ".alpha2"}})
          .status,
      201);
  auto after = As(root, Method::kGet, "/api/v1/recovery/knowledge-base");
  after.headers.Set("If-None-Match", etag);
  const auto changed = Send(after);
  EXPECT_EQ(changed.status, 200);
  EXPECT_NE(std::string(changed.headers.Get("ETag").value_or("")), etag);
}

TEST_P(RecoveryRoutesTest, ChecklistIsTheProvidersToTickItsCsirtsToFollowAndHiddenFromOthers) {
  const std::int64_t incident = Incident();
  const std::string base = "/api/v1/incidents/" + std::to_string(incident) + "/recovery";
  const auto hospital = LogInUser("hospital-admin");
  const auto csirt = LogInUser("be-analyst");
  const auto other_csirt = LogInUser("nl-analyst");

  const auto initial = Call(hospital, Method::kGet, base);
  ASSERT_EQ(initial.status, 200) << initial.body;
  const auto initial_body = Json(initial);
  const auto& steps = initial_body.at("steps").as_array();
  ASSERT_EQ(steps.size(), 8U);
  EXPECT_EQ(steps[2].at("link").as_string(), "/api/v1/incidents/" + std::to_string(incident));

  const auto ticked = Call(hospital, Method::kPut, base + "/steps/isolate",
                           {{"state", "done"}, {"note", "Network segment cut"}});
  ASSERT_EQ(ticked.status, 200) << ticked.body;
  EXPECT_EQ(Json(ticked).at("steps").as_array()[0].at("state").as_string(), "done");
  EXPECT_EQ(LastAudit().action, "recovery.step.update");

  const auto followed = Json(Call(csirt, Method::kGet, base));
  EXPECT_EQ(followed.at("steps").as_array()[0].at("note").as_string(), "Network segment cut");
  EXPECT_FALSE(followed.at("can_update").as_bool());
  ExpectProblem(Call(csirt, Method::kPut, base + "/steps/isolate", {{"state", "todo"}}), 403,
                "forbidden");
  const auto comment = Call(csirt, Method::kPost, base + "/steps/restore/comments",
                            {{"text", "Restore the PACS from the offline copy."}});
  ASSERT_EQ(comment.status, 201) << comment.body;

  ExpectProblem(Call(other_csirt, Method::kGet, base), 404, "not-found");
  ExpectProblem(Call(other_csirt, Method::kPut, base + "/steps/isolate", {{"state", "todo"}}), 404,
                "not-found");
  ExpectProblem(
      Call(other_csirt, Method::kPost, base + "/steps/isolate/comments", {{"text", "hi"}}), 404,
      "not-found");
  ExpectProblem(Call(hospital, Method::kPut, base + "/steps/celebrate", {{"state", "done"}}), 404,
                "not-found");
  ExpectProblem(Call(hospital, Method::kPut, base + "/steps/isolate", {{"state", "over"}}), 400,
                "invalid-input", "state");

  const json::object attach{{"file_names", json::array{"a.alphacrypt"}}, {"incident_id", incident}};
  ExpectProblem(Call(other_csirt, Method::kPost, "/api/v1/recovery/identify", attach), 404,
                "not-found");
  ASSERT_EQ(Call(hospital, Method::kPost, "/api/v1/recovery/identify", attach).status, 200);
  const auto with_result = Json(Call(csirt, Method::kGet, base));
  ASSERT_EQ(with_result.at("identifications").as_array().size(), 1U);
  EXPECT_EQ(with_result.at("identifications")
                .as_array()[0]
                .at("result")
                .at("candidates")
                .as_array()[0]
                .at("name")
                .as_string(),
            "Alphacrypt");
}

CADUCEUS_API_TEST_BACKENDS(RecoveryRoutesTest);

}  // namespace
}  // namespace caduceus::api
