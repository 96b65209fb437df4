// The MISP and feed routes in process: importing a MISP event (shapes, options, problems,
// audit), an object as a MISP event within TLP, and feed administration (who may, what is never
// returned, runs, deletion), all through api::Api over SQLite.
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
constexpr std::string_view kEventUuid = "5758ebf5-c898-48e6-9fe9-5665c0a83866";

std::string Header(const http::Response& r, std::string_view name) {
  return std::string(r.headers.Get(name).value_or(""));
}

void ExpectProblem(const http::Response& r,
                   int status,
                   std::string_view slug,
                   std::string_view field = {}) {
  EXPECT_EQ(r.status, status) << r.body;
  EXPECT_EQ(Header(r, "Content-Type"), "application/problem+json") << r.body;
  const auto body = json::parse(r.body).as_object();
  EXPECT_EQ(body.at("type").as_string(), "urn:caduceus:problem:" + std::string(slug)) << r.body;
  if (!field.empty()) {
    ASSERT_TRUE(body.contains("field")) << r.body;
    EXPECT_EQ(body.at("field").as_string(), field) << r.body;
  }
}

std::string MispEvent(std::string_view tlp = "tlp:amber") {
  json::array attributes{json::object{{"uuid", "11111111-0000-4000-8000-000000000001"},
                                      {"type", "domain"},
                                      {"category", "Network activity"},
                                      {"value", "c2.example.net"},
                                      {"to_ids", true},
                                      {"timestamp", "1772300000"}},
                         json::object{{"uuid", "11111111-0000-4000-8000-000000000002"},
                                      {"type", "ip-dst|port"},
                                      {"category", "Network activity"},
                                      {"value", "198.51.100.8|8443"},
                                      {"to_ids", true},
                                      {"timestamp", "1772300000"}},
                         json::object{{"uuid", "11111111-0000-4000-8000-000000000003"},
                                      {"type", "ip-dst"},
                                      {"value", "not an address"},
                                      {"to_ids", true}}};
  return json::serialize(
      json::object{{"Event", json::object{{"uuid", kEventUuid},
                                          {"info", "Ransomware C2 seen at a hospital"},
                                          {"date", "2026-03-01"},
                                          {"timestamp", "1772300000"},
                                          {"Tag", json::array{json::object{{"name", tlp}},
                                                              json::object{{"name", "PAP:AMBER"}}}},
                                          {"Attribute", std::move(attributes)}}}});
}

class IntelFeedRoutesTest : public ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    de_ = Org("BSI", OrgKind::kAuthority, centre_id_, "DE");
    fr_ = Org("ANSSI", OrgKind::kAuthority, centre_id_, "FR");
    hospital_ = Org("Charite", OrgKind::kProvider, de_, {}, "hospital", "large");
    User("hanalyst", hospital_, Role::kAnalyst);
    User("bsi", de_, Role::kAnalyst);
    User("bsiadmin", de_, Role::kAdmin);
    User("anssi", fr_, Role::kAnalyst);
    User("centre", centre_id_, Role::kAdmin);
    ASSERT_TRUE(intel_->EnsureDefaultRoots());
    de_collection_ = CollectionUuid("de");
    eu_collection_ = CollectionUuid("eu");
  }

  std::int64_t Org(const std::string& name,
                   OrgKind kind,
                   std::int64_t parent,
                   std::optional<std::string> country,
                   std::optional<std::string> type = {},
                   std::optional<std::string> size = {}) {
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

  std::string CollectionUuid(const std::string& root) {
    auto list = intel_->ListCollections(Actor::System(), root);
    if (!list) throw std::runtime_error(list.error().message);
    for (const auto& c : *list) {
      if (c.alias == "indicators") return c.uuid;
    }
    throw std::runtime_error("no indicators collection in " + root);
  }

  Browser Login(const std::string& name) { return LogIn(name, kPassword); }

  http::Response ImportMisp(const Browser& b,
                            const std::string& collection,
                            std::string body,
                            const std::string& query = "") {
    return Send(As(b, Method::kPost, "/api/v1/intel/collections/" + collection + "/misp" + query,
                   std::move(body)));
  }

  http::Response PostJson(const Browser& b, const std::string& target, const json::value& body) {
    return Send(As(b, Method::kPost, target, json::serialize(body)));
  }

  json::object FeedBody(const std::string& collection) {
    return {{"name", "Phishing list"},
            {"kind", "text"},
            {"url", "http://127.0.0.1:9/list.txt"},
            {"collection", collection},
            {"enabled", true},
            {"interval_minutes", 60},
            {"tlp", "amber"},
            {"auth", "Bearer list-secret-token"}};
  }

  std::int64_t de_ = 0, fr_ = 0, hospital_ = 0;
  std::string de_collection_, eu_collection_;
};

TEST_P(IntelFeedRoutesTest, MispImportReportsWhatWasStoredAndSkippedAndIsAudited) {
  const Browser b = Login("hanalyst");
  const auto r = ImportMisp(b, de_collection_, MispEvent());
  ASSERT_EQ(r.status, 200) << r.body;
  const auto body = Json(r);
  EXPECT_EQ(body.at("event_uuid").as_string(), kEventUuid);
  EXPECT_TRUE(body.at("report_id").as_string().starts_with("report--"));
  EXPECT_EQ(body.at("accepted").as_array().size(), 3U);  // two indicators and the report
  for (const auto& a : body.at("accepted").as_array()) EXPECT_TRUE(a.at("stored").as_bool());
  EXPECT_TRUE(body.at("rejected").as_array().empty());
  ASSERT_EQ(body.at("skipped").as_array().size(), 1U);
  EXPECT_EQ(body.at("skipped").as_array()[0].at("uuid").as_string(),
            "11111111-0000-4000-8000-000000000003");
  EXPECT_FALSE(body.at("status_id").as_string().empty());

  const auto entry = LastAudit();
  EXPECT_EQ(entry.action, "intel.misp.import");
  EXPECT_EQ(entry.target, "intel-collection:" + de_collection_);
  EXPECT_NE(entry.detail.find(std::string(kEventUuid)), std::string::npos);
  EXPECT_EQ(entry.detail.find("c2.example.net"), std::string::npos);

  // The same event again: acknowledged, nothing stored twice.
  const auto again = Json(ImportMisp(b, de_collection_, MispEvent()));
  for (const auto& a : again.at("accepted").as_array()) EXPECT_FALSE(a.at("stored").as_bool());
}

TEST_P(IntelFeedRoutesTest, ObjectExportsAsMispEventOnlyToWhoMaySeeIt) {
  const Browser b = Login("hanalyst");
  const auto imported = Json(ImportMisp(b, de_collection_, MispEvent()));
  const std::string report(imported.at("report_id").as_string());

  const auto r = Send(As(b, Method::kGet, "/api/v1/intel/objects/" + report + "/misp"));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Header(r, "Content-Disposition"),
            "attachment; filename=\"misp-event-" + std::string(kEventUuid) + ".json\"");
  const auto event = Json(r).at("Event").as_object();
  EXPECT_EQ(event.at("info").as_string(), "Ransomware C2 seen at a hospital");
  std::set<std::string> values;
  for (const auto& a : event.at("Attribute").as_array()) {
    values.insert(std::string(a.at("type").as_string()) + "=" +
                  std::string(a.at("value").as_string()));
  }
  EXPECT_EQ(values,
            (std::set<std::string>{"domain=c2.example.net", "ip-dst|port=198.51.100.8|8443"}));

  // TLP:AMBER: the authority above the hospital sees it; another country does not even learn
  // that it exists.
  EXPECT_EQ(
      Send(As(Login("bsi"), Method::kGet, "/api/v1/intel/objects/" + report + "/misp")).status,
      200);
  ExpectProblem(Send(As(Login("anssi"), Method::kGet, "/api/v1/intel/objects/" + report + "/misp")),
                404, "not-found");
  ExpectProblem(Send(As(b, Method::kGet,
                        "/api/v1/intel/objects/report--00000000-0000-4000-8000-000000000000/misp")),
                404, "not-found");
}

TEST_P(IntelFeedRoutesTest, MispImportRefusesWhatIsNotAMispEventOrNotAllowed) {
  const Browser b = Login("hanalyst");
  auto plain = As(b, Method::kPost, "/api/v1/intel/collections/" + de_collection_ + "/misp");
  plain.body = MispEvent();
  plain.headers.Add("Content-Type", "text/plain");
  ExpectProblem(Send(std::move(plain)), 415, "unsupported-media-type");
  ExpectProblem(ImportMisp(b, de_collection_, "{\"Event\": [1, 2"), 400, "invalid-input");
  ExpectProblem(ImportMisp(b, de_collection_, R"({"Event":{"info":"no uuid"}})"), 400,
                "invalid-input", "uuid");
  ExpectProblem(ImportMisp(b, de_collection_, MispEvent(), "?tlp=purple"), 400, "invalid-input",
                "tlp");
  ExpectProblem(ImportMisp(b, de_collection_, MispEvent(), "?recipients=1,x"), 400, "invalid-input",
                "recipients");
  // France's collection is not readable for a German hospital: it does not exist for it.
  ExpectProblem(ImportMisp(b, CollectionUuid("fr"), MispEvent()), 404, "not-found");
}

TEST_P(IntelFeedRoutesTest, MispImportTlpOptionMarksObjectsWithoutATag) {
  const Browser b = Login("hanalyst");
  json::object event = json::parse(MispEvent()).as_object();
  event["Event"].as_object().erase("Tag");
  const auto imported = Json(ImportMisp(b, de_collection_, json::serialize(event),
                                        "?tlp=red&recipients=" + std::to_string(de_)));
  const std::string report(imported.at("report_id").as_string());
  auto view = intel_->View(Actor::System(), report);
  ASSERT_TRUE(view);
  EXPECT_EQ(view->latest.tlp, TlpLevel::kRed);
  EXPECT_EQ(view->recipients, std::vector<std::int64_t>{de_});
}

TEST_P(IntelFeedRoutesTest, FeedAdministrationByThoseWhoAdministerTheCollection) {
  const Browser centre = Login("centre");
  const auto created = PostJson(centre, "/api/v1/intel/feeds", FeedBody(eu_collection_));
  ASSERT_EQ(created.status, 201) << created.body;
  const auto feed = Json(created);
  const std::int64_t id = feed.at("id").as_int64();
  EXPECT_EQ(feed.at("kind").as_string(), "text");
  EXPECT_EQ(feed.at("collection").as_string(), eu_collection_);
  EXPECT_EQ(feed.at("tlp").as_string(), "amber");
  EXPECT_TRUE(feed.at("has_auth").as_bool());
  EXPECT_TRUE(feed.at("last_run").is_null());
  EXPECT_EQ(created.body.find("list-secret-token"), std::string::npos);
  EXPECT_EQ(LastAudit().action, "intel.feed.create");
  EXPECT_EQ(LastAudit().detail.find("list-secret-token"), std::string::npos);

  const std::string path = "/api/v1/intel/feeds/" + std::to_string(id);
  const auto list = Json(Send(As(centre, Method::kGet, "/api/v1/intel/feeds")));
  ASSERT_EQ(list.at("items").as_array().size(), 1U);

  auto patched = Send(As(centre, Method::kPatch, path,
                         R"({"name":"Renamed","tlp":null,"auth":null,"interval_minutes":120})"));
  ASSERT_EQ(patched.status, 200) << patched.body;
  EXPECT_EQ(Json(patched).at("name").as_string(), "Renamed");
  EXPECT_TRUE(Json(patched).at("tlp").is_null());
  EXPECT_FALSE(Json(patched).at("has_auth").as_bool());
  EXPECT_EQ(Json(patched).at("interval_minutes").as_int64(), 120);
  EXPECT_EQ(LastAudit().action, "intel.feed.update");
  ExpectProblem(Send(As(centre, Method::kPatch, path, R"({"kind":"misp"})")), 400, "invalid-input",
                "kind");

  // Run now: this hub does not fetch from loopback, and says so in the run.
  const auto run = Send(As(centre, Method::kPost, path + "/run"));
  ASSERT_EQ(run.status, 200) << run.body;
  EXPECT_EQ(Json(run).at("status").as_string(), "error");
  EXPECT_FALSE(Json(run).at("not_modified").as_bool());
  EXPECT_NE(Json(run).at("message").as_string().find("loopback"), std::string::npos);
  EXPECT_EQ(LastAudit().action, "intel.feed.run");
  const auto runs = Json(Send(As(centre, Method::kGet, path + "/runs")));
  ASSERT_EQ(runs.at("items").as_array().size(), 1U);
  EXPECT_EQ(runs.at("items").as_array()[0].at("revoked").as_int64(), 0);
  EXPECT_EQ(Json(Send(As(centre, Method::kGet, path))).at("last_run").at("status").as_string(),
            "error");

  // A German admin may not manage the EU collection's feeds: they do not exist for it.
  const Browser bsi = Login("bsiadmin");
  ExpectProblem(Send(As(bsi, Method::kGet, path)), 404, "not-found");
  ExpectProblem(Send(As(bsi, Method::kPost, path + "/run")), 404, "not-found");
  EXPECT_TRUE(
      Json(Send(As(bsi, Method::kGet, "/api/v1/intel/feeds"))).at("items").as_array().empty());
  ExpectProblem(PostJson(bsi, "/api/v1/intel/feeds", FeedBody(eu_collection_)), 403, "forbidden");
  // ... but may manage its own Member State's.
  EXPECT_EQ(PostJson(bsi, "/api/v1/intel/feeds", FeedBody(de_collection_)).status, 201);
  // An analyst manages no feeds.
  ExpectProblem(PostJson(Login("bsi"), "/api/v1/intel/feeds", FeedBody(de_collection_)), 403,
                "forbidden");

  EXPECT_EQ(Send(As(centre, Method::kDelete, path)).status, 204);
  EXPECT_EQ(LastAudit().action, "intel.feed.delete");
  ExpectProblem(Send(As(centre, Method::kGet, path)), 404, "not-found");
}

TEST_P(IntelFeedRoutesTest, FeedBodiesAreCheckedFieldByField) {
  const Browser centre = Login("centre");
  json::object body = FeedBody(eu_collection_);
  body["kind"] = "rss";
  ExpectProblem(PostJson(centre, "/api/v1/intel/feeds", body), 400, "invalid-input", "kind");
  body = FeedBody(eu_collection_);
  body["interval_minutes"] = 2;
  ExpectProblem(PostJson(centre, "/api/v1/intel/feeds", body), 400, "invalid-input",
                "interval_minutes");
  body = FeedBody(eu_collection_);
  body["url"] = "gopher://lists.example/";
  ExpectProblem(PostJson(centre, "/api/v1/intel/feeds", body), 400, "invalid-input", "url");
  body = FeedBody(eu_collection_);
  body["parsing"] = json::object{{"kind", "colour"}};
  ExpectProblem(PostJson(centre, "/api/v1/intel/feeds", body), 400, "invalid-input", "kind");
  body = FeedBody(eu_collection_);
  body["surprise"] = true;
  ExpectProblem(PostJson(centre, "/api/v1/intel/feeds", body), 400, "invalid-input", "surprise");
  ExpectProblem(Send(As(centre, Method::kGet, "/api/v1/intel/feeds/abc")), 404, "not-found");
  ExpectProblem(Send(As(centre, Method::kGet, "/api/v1/intel/feeds/1/runs?limit=0")), 400,
                "invalid-input", "limit");
}

CADUCEUS_API_TEST_BACKENDS(IntelFeedRoutesTest);

}  // namespace
}  // namespace caduceus::api
