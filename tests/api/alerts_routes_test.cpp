// The alerts routes in process: inventory uploads (raw and wrapped, 422 with the faulty lines),
// assets, alerts raised by an imported advisory with their reasons, transitions and bulk
// transitions with their audit entries, deadlines, dashboards, and "invisible = 404".
#include <string>

#include "api_fixture.h"

namespace caduceus::api {
namespace {

namespace json = boost::json;
using http::Method;
using identity::Actor;
using identity::OrgKind;
using identity::Role;

constexpr std::string_view kPassword = "a password for the tests";

// A CSAF 2.0 advisory: Acme Medical Infusion Pump <= 6.2.1 known affected, CVSS 9.8.
std::string PumpAdvisory() {
  const json::object product{{"name", "Acme Medical Infusion Pump <=6.2.1"},
                             {"product_id", "CSAFPID-0001"}};
  const json::object doc{
      {"document",
       json::object{
           {"category", "csaf_security_advisory"},
           {"csaf_version", "2.0"},
           {"distribution", json::object{{"tlp", json::object{{"label", "WHITE"}}}}},
           {"notes", json::array{json::object{{"category", "summary"}, {"text", "Summary."}}}},
           {"publisher", json::object{{"category", "vendor"},
                                      {"name", "Acme Medical"},
                                      {"namespace", "https://acme-medical.example"}}},
           {"title", "Acme Infusion Pump authentication bypass"},
           {"tracking", json::object{{"current_release_date", "2026-03-01T10:00:00Z"},
                                     {"id", "ACME-2026-0001"},
                                     {"initial_release_date", "2026-03-01T10:00:00Z"},
                                     {"revision_history",
                                      json::array{json::object{{"date", "2026-03-01T10:00:00Z"},
                                                               {"number", "1"},
                                                               {"summary", "Initial"}}}},
                                     {"status", "final"},
                                     {"version", "1"}}}}},
      {"product_tree",
       json::object{
           {"branches", json::array{json::object{
                            {"category", "vendor"},
                            {"name", "Acme Medical"},
                            {"branches", json::array{json::object{
                                             {"category", "product_name"},
                                             {"name", "Infusion Pump"},
                                             {"branches", json::array{json::object{
                                                              {"category", "product_version_range"},
                                                              {"name", "vers:generic/<=6.2.1"},
                                                              {"product", product}}}}}}}}}}}},
      {"vulnerabilities",
       json::array{json::object{
           {"cve", "CVE-2026-10001"},
           {"notes", json::array{json::object{{"category", "description"},
                                              {"text", "Authentication bypass."}}}},
           {"product_status", json::object{{"known_affected", json::array{"CSAFPID-0001"}}}},
           {"remediations",
            json::array{json::object{{"category", "vendor_fix"},
                                     {"details", "Update to 6.3."},
                                     {"product_ids", json::array{"CSAFPID-0001"}}}}},
           {"scores", json::array{json::object{
                          {"cvss_v3", json::object{{"version", "3.1"},
                                                   {"vectorString",
                                                    "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"},
                                                   {"baseScore", 9.8},
                                                   {"baseSeverity", "CRITICAL"}}},
                          {"products", json::array{"CSAFPID-0001"}}}}}}}}};
  return json::serialize(doc);
}

class AlertRoutesTest : public ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    de_ = Org("BSI", OrgKind::kAuthority, centre_id_, "DE");
    fr_ = Org("ANSSI", OrgKind::kAuthority, centre_id_, "FR");
    charite_ = Org("Charite", OrgKind::kProvider, de_, {});
    vivantes_ = Org("Vivantes", OrgKind::kProvider, de_, {});
    User("c.analyst", charite_, Role::kAnalyst);
    User("c.viewer", charite_, Role::kViewer);
    User("v.analyst", vivantes_, Role::kAnalyst);
    User("bsi.admin", de_, Role::kAdmin);
    User("anssi", fr_, Role::kAnalyst);
  }

  std::int64_t Org(const std::string& name,
                   OrgKind kind,
                   std::int64_t parent,
                   std::optional<std::string> country) {
    std::optional<std::string> type, size;
    if (kind == OrgKind::kProvider) {
      type = "hospital";
      size = "large";
    }
    auto o = ids_->CreateOrganisation(Actor::System(), {name, kind, parent, country, type, size});
    if (!o) throw std::runtime_error(o.error().message);
    return o->id;
  }

  void User(const std::string& name, std::int64_t org, Role role) {
    identity::NewUser u;
    u.username = name;
    u.display_name = name;
    u.organisation_id = org;
    u.role = role;
    u.password = std::string(kPassword);
    if (auto r = ids_->CreateUser(Actor::System(), u); !r) {
      throw std::runtime_error(r.error().message);
    }
  }

  Browser Login(const std::string& name) { return LogIn(name, kPassword); }

  http::Response Get(const Browser& b, const std::string& target) {
    return Send(As(b, Method::kGet, target));
  }
  http::Response Post(const Browser& b, const std::string& target, const json::value& body) {
    return Send(As(b, Method::kPost, target, json::serialize(body)));
  }
  http::Response UploadCsv(const Browser& b, const std::string& rows) {
    auto req = As(b, Method::kPost, "/api/v1/inventory?format=csv&mode=replace&file_name=a.csv");
    req.body = "vendor,product,version,serial,location,patient-safety critical\n" + rows;
    req.headers.Add("Content-Type", "text/csv");
    return Send(std::move(req));
  }

  void ImportPump() {
    auto r = advisories_->Import(Actor::System(), PumpAdvisory(), advisories::kSourceUpload);
    ASSERT_TRUE(r) << r.error().message << " at " << r.error().field;
  }

  std::int64_t de_ = 0, fr_ = 0, charite_ = 0, vivantes_ = 0;
};

TEST_P(AlertRoutesTest, UploadThenAdvisoryRaisesAnAlertWithItsReasonAtTheAffectedHospitalOnly) {
  const Browser c = Login("c.analyst");
  const Browser v = Login("v.analyst");
  auto up = UploadCsv(c, "Acme Medical,Infusion Pump,6.1,P-1,ICU,yes\n");
  ASSERT_EQ(up.status, 201) << up.body;
  EXPECT_EQ(Json(up).at("added").as_int64(), 1);
  EXPECT_EQ(LastAudit().action, "inventory.upload");
  ASSERT_EQ(UploadCsv(v, "Acme Medical,Infusion Pump,6.3,P-2,ICU,no\n").status, 201);
  ImportPump();

  const auto list = Get(c, "/api/v1/alerts?state=new");
  ASSERT_EQ(list.status, 200) << list.body;
  const auto items = Json(list).at("items").as_array();
  ASSERT_EQ(items.size(), 1u);
  const auto& alert = items[0].as_object();
  EXPECT_EQ(alert.at("severity").as_string(), "critical");
  EXPECT_EQ(alert.at("org").at("id").as_int64(), charite_);
  EXPECT_EQ(alert.at("advisory").at("title").as_string(),
            "Acme Infusion Pump authentication bypass");
  const std::int64_t id = alert.at("id").as_int64();
  EXPECT_EQ(Json(Get(v, "/api/v1/alerts")).at("items").as_array().size(), 0u);

  const auto detail = Get(c, "/api/v1/alerts/" + std::to_string(id));
  ASSERT_EQ(detail.status, 200) << detail.body;
  const auto d = Json(detail);
  ASSERT_EQ(d.at("items").as_array().size(), 1u);
  const auto& item = d.at("items").as_array()[0].as_object();
  EXPECT_EQ(item.at("cve").as_string(), "CVE-2026-10001");
  EXPECT_NE(std::string(item.at("reason").as_string()).find("version 6.1"), std::string::npos);
  EXPECT_EQ(item.at("asset").at("location").as_string(), "ICU");
  EXPECT_TRUE(d.at("can_handle").as_bool());

  EXPECT_EQ(Get(v, "/api/v1/alerts/" + std::to_string(id)).status, 404);
  EXPECT_EQ(Post(v, "/api/v1/alerts/" + std::to_string(id) + "/transition",
                 json::object{{"to", "acknowledged"}})
                .status,
            404);
  EXPECT_EQ(Get(Login("anssi"), "/api/v1/alerts/" + std::to_string(id)).status, 404);
  EXPECT_EQ(Get(Login("bsi.admin"), "/api/v1/alerts/" + std::to_string(id)).status, 200);
}

TEST_P(AlertRoutesTest, TransitionsAreAuditedAndOffGraphOnesRefused) {
  const Browser c = Login("c.analyst");
  ASSERT_EQ(UploadCsv(c, "Acme Medical,Infusion Pump,6.1,P-1,ICU,yes\n").status, 201);
  ImportPump();
  const std::int64_t id =
      Json(Get(c, "/api/v1/alerts")).at("items").as_array()[0].at("id").as_int64();
  const std::string path = "/api/v1/alerts/" + std::to_string(id) + "/transition";

  auto off = Post(c, path, json::object{{"to", "resolved"}, {"resolution", "patched"}});
  EXPECT_EQ(off.status, 409) << off.body;
  EXPECT_EQ(Post(c, path, json::object{{"to", "acknowledged"}, {"colour", "red"}}).status, 400);
  auto ack = Post(c, path, json::object{{"to", "acknowledged"}, {"comment", "seen"}});
  ASSERT_EQ(ack.status, 200) << ack.body;
  EXPECT_EQ(Json(ack).at("state").as_string(), "acknowledged");
  EXPECT_EQ(Json(ack).at("history").as_array().size(), 2u);
  const auto audit = LastAudit();
  EXPECT_EQ(audit.action, "alert.transition");
  EXPECT_EQ(audit.target, "alert:" + std::to_string(id));
  EXPECT_EQ(audit.organisation_id, charite_);
  EXPECT_EQ(Post(Login("c.viewer"), path, json::object{{"to", "in_remediation"}}).status, 403);
  EXPECT_EQ(Post(Login("bsi.admin"), path, json::object{{"to", "in_remediation"}}).status, 403);
}

TEST_P(AlertRoutesTest, BulkTransitionGivesOneResultAndOneAuditEntryPerAlert) {
  const Browser c = Login("c.analyst");
  ASSERT_EQ(UploadCsv(c, "Acme Medical,Infusion Pump,6.1,P-1,ICU,yes\n").status, 201);
  ImportPump();
  const std::int64_t id =
      Json(Get(c, "/api/v1/alerts")).at("items").as_array()[0].at("id").as_int64();
  const std::int64_t before = AuditCount();
  const auto bulk = Post(c, "/api/v1/alerts/bulk",
                         json::object{{"ids", json::array{id, 987654}}, {"to", "acknowledged"}});
  ASSERT_EQ(bulk.status, 200) << bulk.body;
  const auto results = Json(bulk).at("results").as_array();
  ASSERT_EQ(results.size(), 2u);
  EXPECT_TRUE(results[0].at("ok").as_bool());
  EXPECT_FALSE(results[1].at("ok").as_bool());
  EXPECT_EQ(results[1].at("status").as_int64(), 404);
  EXPECT_EQ(AuditCount() - before, 3);  // one per alert, one for the request
  EXPECT_EQ(LastAudit().action, "alert.bulk");
}

TEST_P(AlertRoutesTest, BadUploadIs422WithEveryFaultyLineAndChangesNothing) {
  const Browser c = Login("c.analyst");
  ASSERT_EQ(UploadCsv(c, "Acme Medical,Infusion Pump,6.1,P-1,ICU,yes\n").status, 201);
  auto bad = UploadCsv(c, "Acme,Pump,1,P-2,ICU,maybe\n,Pump,1,P-3,ICU,no\n");
  ASSERT_EQ(bad.status, 422) << bad.body;
  const auto errors = Json(bad).at("errors").as_array();
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0].at("line").as_int64(), 2);
  EXPECT_EQ(errors[1].at("line").as_int64(), 3);
  const auto assets = Json(Get(c, "/api/v1/inventory/assets"));
  EXPECT_EQ(assets.at("total").as_int64(), 1);

  // The JSON wrapper form, merging.
  auto wrapped = Post(c, "/api/v1/inventory",
                      json::object{{"format", "csv"},
                                   {"mode", "merge"},
                                   {"file_name", "more.csv"},
                                   {"content", "vendor,product\nGE,Carescape\n"}});
  ASSERT_EQ(wrapped.status, 201) << wrapped.body;
  EXPECT_EQ(Json(wrapped).at("asset_count").as_int64(), 2);
  const auto uploads = Json(Get(c, "/api/v1/inventory/uploads")).at("items").as_array();
  ASSERT_EQ(uploads.size(), 2u);
  const auto file = Get(
      c, "/api/v1/inventory/uploads/" + std::to_string(uploads[0].at("id").as_int64()) + "/file");
  EXPECT_EQ(file.body, "vendor,product\nGE,Carescape\n");
  EXPECT_EQ(Get(Login("v.analyst"), "/api/v1/inventory/uploads/" +
                                        std::to_string(uploads[0].at("id").as_int64()) + "/file")
                .status,
            404);
}

TEST_P(AlertRoutesTest, SingleAssetsAreAddedEditedAndRemoved) {
  const Browser c = Login("c.analyst");
  auto created = Post(c, "/api/v1/inventory/assets",
                      json::object{{"vendor", "Acme Medical"},
                                   {"product", "Infusion Pump"},
                                   {"version", "7.0"},
                                   {"patient_safety_critical", true}});
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string path =
      "/api/v1/inventory/assets/" + std::to_string(Json(created).at("id").as_int64());
  ImportPump();
  EXPECT_EQ(Json(Get(c, "/api/v1/alerts")).at("total").as_int64(), 0);
  auto patched =
      Send(As(c, Method::kPatch, path, json::serialize(json::object{{"version", "6.0"}})));
  ASSERT_EQ(patched.status, 200) << patched.body;
  EXPECT_EQ(Json(patched).at("version").as_string(), "6.0");
  EXPECT_EQ(Json(Get(c, "/api/v1/alerts")).at("total").as_int64(), 1);
  EXPECT_EQ(Send(As(Login("v.analyst"), Method::kDelete, path)).status, 404);
  EXPECT_EQ(Send(As(c, Method::kDelete, path)).status, 204);
  EXPECT_EQ(Json(Get(c, "/api/v1/alerts?state=withdrawn")).at("total").as_int64(), 1);
}

TEST_P(AlertRoutesTest, AuthoritySetsDeadlinesAndWatchesItsProvidersOnTheDashboard) {
  const Browser bsi = Login("bsi.admin");
  auto put = Send(As(
      bsi, Method::kPut, "/api/v1/alerts/deadlines",
      json::serialize(json::object{
          {"rules", json::array{json::object{
                        {"severity", "critical"}, {"ack_hours", 24}, {"remediate_days", 7}}}}})));
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(LastAudit().action, "alert.deadlines");
  const Browser c = Login("c.analyst");
  EXPECT_EQ(Send(As(c, Method::kPut, "/api/v1/alerts/deadlines",
                    json::serialize(json::object{{"rules", json::array{}}})))
                .status,
            403);
  const auto mine = Json(Get(c, "/api/v1/alerts/deadlines"));
  EXPECT_EQ(mine.at("rules").as_array()[3].at("ack_hours").as_int64(), 24);
  EXPECT_EQ(mine.at("rules").as_array()[3].at("source").as_string(), "authority");

  ASSERT_EQ(UploadCsv(c, "Acme Medical,Infusion Pump,6.1,P-1,ICU,yes\n").status, 201);
  ImportPump();
  const auto dash = Get(bsi, "/api/v1/alerts/dashboard");
  ASSERT_EQ(dash.status, 200) << dash.body;
  const auto d = Json(dash);
  EXPECT_EQ(d.at("scope").as_string(), "authority");
  ASSERT_EQ(d.at("advisories").as_array().size(), 1u);
  EXPECT_EQ(d.at("advisories").as_array()[0].at("affected_providers").as_int64(), 1);
  const auto own = Json(Get(c, "/api/v1/alerts/dashboard"));
  EXPECT_EQ(own.at("open").at("critical").as_int64(), 1);
  EXPECT_EQ(Get(Login("anssi"), "/api/v1/alerts/dashboard?org=" + std::to_string(de_)).status, 404);
}

CADUCEUS_API_TEST_BACKENDS(AlertRoutesTest);

}  // namespace
}  // namespace caduceus::api
