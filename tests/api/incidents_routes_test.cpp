// The incident routes in process: JSON shapes, status codes and problems, routing to the right
// CSIRT only, the printable report, reminders and statistics with their CSV form.
#include <chrono>
#include <set>
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

json::object EarlyWarning() {
  return {{"summary", "Files encrypted"},
          {"suspected_malicious", "yes"},
          {"cross_border", "no"},
          {"severe_disruption_or_loss", "yes"},
          {"considerable_damage_to_others", "unknown"}};
}

class IncidentRoutesTest : public ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    de_ = Org("BSI", OrgKind::kAuthority, centre_id_, "DE");
    fr_ = Org("ANSSI", OrgKind::kAuthority, centre_id_, "FR");
    hospital_ = Org("Charite", OrgKind::kProvider, de_, {}, "hospital", "large");
    User("hreporter", hospital_, Role::kReporter);
    User("hviewer", hospital_, Role::kViewer);
    User("bsi", de_, Role::kAnalyst);
    User("anssi", fr_, Role::kAdmin);
    User("centre", centre_id_, Role::kAnalyst);
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

  Browser Login(const std::string& name) { return LogIn(name, kPassword); }

  http::Response Get(const Browser& b, const std::string& target) {
    return Send(As(b, Method::kGet, target));
  }
  http::Response Post(const Browser& b, const std::string& target, const json::value& body) {
    return Send(As(b, Method::kPost, target, json::serialize(body)));
  }

  static std::string AnHourAgo() {
    return FormatRfc3339(std::chrono::system_clock::now() - std::chrono::hours(1));
  }

  std::int64_t Create(const Browser& b, const std::string& title, bool share = false) {
    const auto r = Post(
        b, "/api/v1/incidents",
        json::object{
            {"title", title}, {"aware_at", AnHourAgo()}, {"share_with_support_centre", share}});
    if (r.status != 201) throw std::runtime_error(r.body);
    return Json(r).at("id").as_int64();
  }

  static std::string Path(std::int64_t id, std::string_view rest = {}) {
    return "/api/v1/incidents/" + std::to_string(id) + std::string(rest);
  }

  std::int64_t de_ = 0, fr_ = 0, hospital_ = 0;
};

TEST_P(IncidentRoutesTest, AProviderOpensAnIncidentThatOnlyItsCsirtSees) {
  const auto reporter = Login("hreporter");
  const auto r =
      Post(reporter, "/api/v1/incidents",
           json::object{{"title", "Ransomware in radiology"}, {"aware_at", AnHourAgo()}});
  ASSERT_EQ(r.status, 201) << r.body;
  const auto inc = Json(r);
  const auto id = inc.at("id").as_int64();
  EXPECT_EQ(inc.at("authority_id").as_int64(), de_);
  EXPECT_EQ(inc.at("status").as_string(), "open");
  EXPECT_TRUE(inc.at("can_report").as_bool());
  EXPECT_FALSE(inc.at("can_handle").as_bool());
  EXPECT_EQ(inc.at("deadlines").as_array().size(), 5u);
  EXPECT_EQ(inc.at("deadlines").at(0).at("stage").as_string(), "early_warning");
  EXPECT_EQ(inc.at("deadlines").at(0).at("state").as_string(), "pending");
  EXPECT_TRUE(inc.at("reports").as_object().empty());
  EXPECT_EQ(inc.at("timeline").at(0).at("kind").as_string(), "created");
  for (const auto* key : {"reference", "waiting", "requests", "rapid_responses", "can_assist",
                          "aware_at", "classification"}) {
    EXPECT_TRUE(inc.contains(key)) << key;
  }
  const auto audit = LastAudit();
  EXPECT_EQ(audit.action, "incident.create");
  EXPECT_EQ(audit.target, "incident:" + std::to_string(id));

  const auto bsi = Login("bsi");
  EXPECT_EQ(Get(bsi, Path(id)).status, 200);
  EXPECT_EQ(Json(Get(bsi, "/api/v1/incidents")).at("items").as_array().size(), 1u);

  const auto anssi = Login("anssi");
  ExpectProblem(Get(anssi, Path(id)), 404, "not-found");
  ExpectProblem(Get(anssi, Path(id, "/report")), 404, "not-found");
  ExpectProblem(Post(anssi, Path(id, "/actions"), json::object{{"type", "acknowledge"}}), 404,
                "not-found");
  EXPECT_TRUE(Json(Get(anssi, "/api/v1/incidents")).at("items").as_array().empty());
  const auto centre = Login("centre");
  ExpectProblem(Get(centre, Path(id)), 404, "not-found");
}

TEST_P(IncidentRoutesTest, RoutingAndInputAreNeverTakenFromTheClient) {
  const auto reporter = Login("hreporter");
  ExpectProblem(
      Post(reporter, "/api/v1/incidents",
           json::object{{"title", "x1x"}, {"aware_at", AnHourAgo()}, {"authority_id", fr_}}),
      400, "invalid-input", "authority_id");
  ExpectProblem(Post(reporter, "/api/v1/incidents",
                     json::object{{"title", "Outage"}, {"aware_at", "yesterday"}}),
                400, "invalid-input", "aware_at");
  ExpectProblem(Post(reporter, "/api/v1/incidents",
                     json::object{{"title", "Outage"},
                                  {"aware_at", FormatRfc3339(std::chrono::system_clock::now() +
                                                             std::chrono::hours(2))}}),
                400, "invalid-input", "aware_at");
  ExpectProblem(Post(Login("hviewer"), "/api/v1/incidents",
                     json::object{{"title", "Outage"}, {"aware_at", AnHourAgo()}}),
                403, "forbidden");
  ExpectProblem(Post(Login("bsi"), "/api/v1/incidents",
                     json::object{{"title", "Outage"}, {"aware_at", AnHourAgo()}}),
                403, "forbidden");
  ExpectProblem(Get(reporter, "/api/v1/incidents?limit=0"), 400, "invalid-input", "limit");
  ExpectProblem(Get(reporter, "/api/v1/incidents?status=lost"), 400, "invalid-input", "status");
  ExpectProblem(Get(reporter, "/api/v1/incidents/abc"), 404, "not-found");
}

TEST_P(IncidentRoutesTest, ReportsAndActionsBuildOneTimeline) {
  const auto reporter = Login("hreporter");
  const auto bsi = Login("bsi");
  const auto id = Create(reporter, "Ransomware in radiology");

  auto bad = EarlyWarning();
  bad["summary"] = "";
  ExpectProblem(Post(reporter, Path(id, "/reports"),
                     json::object{{"stage", "early_warning"}, {"fields", bad}}),
                400, "invalid-input", "fields/summary");
  ExpectProblem(Post(reporter, Path(id, "/reports"),
                     json::object{{"stage", "whenever"}, {"fields", EarlyWarning()}}),
                400, "invalid-input", "stage");
  ExpectProblem(Post(bsi, Path(id, "/reports"),
                     json::object{{"stage", "early_warning"}, {"fields", EarlyWarning()}}),
                403, "forbidden");
  auto r = Post(reporter, Path(id, "/reports"),
                json::object{{"stage", "early_warning"}, {"fields", EarlyWarning()}});
  ASSERT_EQ(r.status, 201) << r.body;
  auto inc = Json(r);
  const auto& latest = inc.at("reports").at("early_warning").at("latest").as_object();
  EXPECT_EQ(latest.at("version").as_int64(), 1);
  EXPECT_EQ(latest.at("fields").at("summary").as_string(), "Files encrypted");
  EXPECT_TRUE(inc.at("reports").at("early_warning").at("history").as_array().empty());
  EXPECT_EQ(inc.at("deadlines").at(0).at("state").as_string(), "met");
  EXPECT_EQ(LastAudit().action, "incident.report");

  ExpectProblem(Post(reporter, Path(id, "/actions"), json::object{{"type", "acknowledge"}}), 403,
                "forbidden");
  ExpectProblem(Post(bsi, Path(id, "/actions"), json::object{{"type", "wave"}}), 400,
                "invalid-input", "type");
  ExpectProblem(
      Post(bsi, Path(id, "/actions"), json::object{{"type", "acknowledge"}, {"text", "hello"}}),
      400, "invalid-input", "text");
  ExpectProblem(Post(bsi, Path(id, "/actions"),
                     json::object{{"type", "request_information"}, {"question", "Which VPN?"}}),
                400, "invalid-input", "due_at");
  ASSERT_EQ(Post(bsi, Path(id, "/actions"), json::object{{"type", "acknowledge"}}).status, 200);
  ExpectProblem(Post(bsi, Path(id, "/actions"), json::object{{"type", "acknowledge"}}), 409,
                "conflict");
  const auto due = FormatRfc3339(std::chrono::system_clock::now() + std::chrono::hours(8));
  r = Post(
      bsi, Path(id, "/actions"),
      json::object{{"type", "request_information"}, {"question", "Which VPN?"}, {"due_at", due}});
  ASSERT_EQ(r.status, 200) << r.body;
  const auto request_id = Json(r).at("requests").at(0).at("id").as_int64();
  r = Post(reporter, Path(id, "/reports"),
           json::object{{"stage", "intermediate"},
                        {"fields", json::object{{"update", "Fortinet"},
                                                {"answers_request_id", request_id}}}});
  ASSERT_EQ(r.status, 201) << r.body;
  r = Post(bsi, Path(id, "/actions"),
           json::object{{"type", "classify"},
                        {"category", "ransomware"},
                        {"severity", "high"},
                        {"significant", true}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(LastAudit().action, "incident.action");
  r = Post(bsi, Path(id, "/actions"), json::object{{"type", "close"}, {"summary", "Contained"}});
  ASSERT_EQ(r.status, 200) << r.body;
  inc = Json(r);
  EXPECT_EQ(inc.at("status").as_string(), "closed");
  std::vector<std::string> kinds;
  for (const auto& e : inc.at("timeline").as_array()) {
    kinds.emplace_back(e.at("kind").as_string());
  }
  EXPECT_EQ(kinds, (std::vector<std::string>{"created", "report_submitted", "acknowledged",
                                             "information_requested", "report_submitted",
                                             "classified", "closed"}));
  ExpectProblem(
      Post(reporter, Path(id, "/actions"), json::object{{"type", "message"}, {"text", "one more"}}),
      409, "conflict");
}

TEST_P(IncidentRoutesTest, TheSupportCentreSeesSharedIncidents) {
  const auto reporter = Login("hreporter");
  const auto centre = Login("centre");
  const auto id = Create(reporter, "Ransomware in radiology");
  ExpectProblem(Get(centre, Path(id)), 404, "not-found");
  const auto r = Post(reporter, Path(id, "/actions"),
                      json::object{{"type", "rapid_response"},
                                   {"entity", "Charite Campus Mitte"},
                                   {"impact", "Imaging down"},
                                   {"support_wanted", "Responders"},
                                   {"mitigation_taken", "Segmented"}});
  ASSERT_EQ(r.status, 200) << r.body;
  const auto seen = Get(centre, Path(id));
  ASSERT_EQ(seen.status, 200) << seen.body;
  EXPECT_TRUE(Json(seen).at("can_assist").as_bool());
  EXPECT_FALSE(Json(seen).at("rapid_response_requested_at").is_null());
  EXPECT_EQ(Json(Get(centre, "/api/v1/incidents")).at("items").as_array().size(), 1u);
}

TEST_P(IncidentRoutesTest, ThePrintableReportIsEscapedStandaloneHtml) {
  const auto reporter = Login("hreporter");
  const auto id = Create(reporter, "<script>alert('x')</script>");
  const auto r = Get(reporter, Path(id, "/report"));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Header(r, "Content-Type"), "text/html; charset=utf-8");
  const auto csp = Header(r, "Content-Security-Policy");
  EXPECT_NE(csp.find("default-src 'none'"), std::string::npos) << csp;
  EXPECT_NE(csp.find("sandbox"), std::string::npos) << csp;
  EXPECT_EQ(csp.find("script-src"), std::string::npos) << csp;
  EXPECT_EQ(r.body.find("<script>"), std::string::npos);
  EXPECT_NE(r.body.find("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"), std::string::npos);
}

TEST_P(IncidentRoutesTest, RemindersAndStatisticsHaveTheirShapes) {
  const auto reporter = Login("hreporter");
  Create(reporter, "Outage");
  const auto reminders = Get(reporter, "/api/v1/incidents/reminders");
  ASSERT_EQ(reminders.status, 200) << reminders.body;
  EXPECT_TRUE(Json(reminders).at("items").as_array().empty());  // an hour in: nothing due soon

  ExpectProblem(Get(reporter, "/api/v1/incidents/statistics"), 403, "forbidden");
  const auto bsi = Login("bsi");
  auto r = Get(bsi, "/api/v1/incidents/statistics");
  ASSERT_EQ(r.status, 200) << r.body;
  const auto st = Json(r);
  EXPECT_EQ(st.at("k_min").as_int64(), 5);
  EXPECT_EQ(st.at("scope").at("key").as_string(), "DE");
  EXPECT_TRUE(st.at("total").at("suppressed").as_bool());
  EXPECT_FALSE(st.at("total").as_object().contains("incidents"));
  for (const auto* key : {"by_type", "by_month", "by_country", "by_provider_type"}) {
    EXPECT_TRUE(st.at(key).is_array()) << key;
  }
  EXPECT_TRUE(st.at("care_impact").at("ransom_paid").at("suppressed").as_bool());

  r = Get(bsi, "/api/v1/incidents/statistics?format=csv&from=2026-01-01&to=2026-12-31");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Header(r, "Content-Type"), "text/csv; charset=utf-8");
  EXPECT_EQ(r.body.rfind("dimension,key,label,incidents,suppressed\r\nscope,DE,BSI,,\r\n", 0), 0u)
      << r.body;
  ExpectProblem(Get(bsi, "/api/v1/incidents/statistics?format=xml"), 400, "invalid-input",
                "format");
  ExpectProblem(Get(bsi, "/api/v1/incidents/statistics?from=2026-02-30"), 400, "invalid-input",
                "from");
  ExpectProblem(Get(bsi, "/api/v1/incidents/statistics?organisation_id=" + std::to_string(fr_)),
                403, "forbidden");
  ExpectProblem(Get(bsi, "/api/v1/incidents/statistics?organisation_id=999999"), 404, "not-found");
}

CADUCEUS_API_TEST_BACKENDS(IncidentRoutesTest);

}  // namespace
}  // namespace caduceus::api
