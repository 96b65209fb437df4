// The routes that combine modules: the progress report and recommendations, on a small sector
// with real framework and catalogue data from the source tree.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "api_fixture.h"
#include "incidents/model.h"
#include "incidents/service.h"

namespace caduceus::api {
namespace {

using http::Method;
using identity::Actor;
using identity::OrgKind;
using identity::Role;

std::string Header(const http::Response& r, std::string_view name) {
  return std::string(r.headers.Get(name).value_or(""));
}

void ExpectProblem(const http::Response& r, int status, std::string_view slug) {
  EXPECT_EQ(r.status, status) << r.body;
  EXPECT_EQ(Header(r, "Content-Type"), "application/problem+json");
  EXPECT_NE(r.body.find("\"urn:caduceus:problem:" + std::string(slug) + "\""), std::string::npos)
      << r.body;
}

std::filesystem::path DataDir() {
  const char* source = std::getenv("CADUCEUS_SOURCE_DIR");
  return std::filesystem::path(source ? source : ".") / "data";
}

class ReportRoutesTest : public ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    auto loaded = assessment_->LoadFrameworks((DataDir() / "frameworks").string());
    ASSERT_TRUE(loaded) << loaded.error().message;
    std::ifstream in(DataDir() / "catalogue" / "starter.json");
    std::stringstream text;
    text << in.rdbuf();
    auto imported = catalogue_->Import(Actor::System(), text.str());
    ASSERT_TRUE(imported) << imported.error().message;

    be_ = Org("Belgian CSIRT", OrgKind::kAuthority, centre_id_, "BE");
    nl_ = Org("Dutch CSIRT", OrgKind::kAuthority, centre_id_, "NL");
    for (int i = 0; i < 5; ++i) {
      providers_.push_back(
          Org("BE hospital " + std::to_string(i), OrgKind::kProvider, be_, std::nullopt));
      Assess(providers_.back(), i == 0 ? "no" : "yes");
    }
    User("be.analyst", Role::kAnalyst, be_);
    User("be.reporter", Role::kReporter, be_);
    User("nl.analyst", Role::kAnalyst, nl_);
    User("p0.admin", Role::kAdmin, providers_[0]);
    User("p1.admin", Role::kAdmin, providers_[1]);
  }

  std::int64_t Org(const std::string& name,
                   OrgKind kind,
                   std::int64_t parent,
                   std::optional<std::string> country) {
    identity::NewOrganisation o;
    o.name = name;
    o.kind = kind;
    o.parent_id = parent;
    o.country = std::move(country);
    if (kind == OrgKind::kProvider) {
      o.provider_type = "hospital";
      o.size_band = "large";
    }
    auto created = ids_->CreateOrganisation(Actor::System(), o);
    if (!created) throw std::runtime_error(created.error().message);
    return created->id;
  }

  void User(const std::string& username, Role role, std::int64_t org) {
    identity::NewUser u;
    u.username = username;
    u.display_name = username;
    u.role = role;
    u.organisation_id = org;
    u.password = std::string(kRootPassword);
    if (auto created = ids_->CreateUser(Actor::System(), u); !created) {
      throw std::runtime_error(created.error().message);
    }
  }

  // Submits an assessment answering every choice question with `choice` (backups and all), and
  // the other questions well.
  void Assess(std::int64_t org, const std::string& choice) {
    auto a = assessment_->Create(Actor::System(), {org, 2026, std::nullopt, std::nullopt});
    ASSERT_TRUE(a) << a.error().message;
    auto fw = assessment_->GetFramework(a->summary.framework_id, a->summary.framework_version);
    ASSERT_TRUE(fw);
    std::vector<assessment::AnswerChange> changes;
    for (const auto& d : (*fw)->domains) {
      for (const auto& c : d.controls) {
        for (const auto& q : c.questions) {
          assessment::AnswerChange change{q.id, std::nullopt, {}};
          switch (q.type) {
            case assessment::QuestionType::kChoice:
              change.value = choice;
              break;
            case assessment::QuestionType::kNumeric: {
              const auto& s = *q.numeric;
              change.value = s.upper ? s.bands.front().bound : s.bands.back().bound;
              break;
            }
            case assessment::QuestionType::kDate:
              change.value = FormatRfc3339(clock_.Now()).substr(0, 10);
              break;
            case assessment::QuestionType::kEvidence:
              change.value = "not_applicable";
              break;
          }
          changes.push_back(std::move(change));
        }
      }
    }
    auto saved = assessment_->SaveAnswers(Actor::System(), a->summary.id, changes);
    ASSERT_TRUE(saved) << saved.error().message << " " << saved.error().field;
    auto submitted = assessment_->Submit(Actor::System(), a->summary.id);
    ASSERT_TRUE(submitted) << submitted.error().message;
  }

  std::int64_t be_ = 0, nl_ = 0;
  std::vector<std::int64_t> providers_;
};

TEST_P(ReportRoutesTest, AuthorityStaffGetTheirCountrysReportAsAStandaloneDocument) {
  const auto r = Send(As(LogIn("be.analyst"), Method::kGet, "/api/v1/reports/progress"));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Header(r, "Content-Type"), "text/html; charset=utf-8");
  EXPECT_NE(std::string(Header(r, "Content-Security-Policy")).find("sandbox"), std::string::npos);
  EXPECT_NE(r.body.find("progress report 2026: Belgium"), std::string::npos);
  EXPECT_NE(r.body.find("Belgian CSIRT"), std::string::npos);
  EXPECT_NE(r.body.find("5 of 5 providers"), std::string::npos);
  EXPECT_NE(r.body.find("(n=5)"), std::string::npos) << "Belgium has five providers: shown";
  EXPECT_EQ(r.body.find("<script"), std::string::npos);
}

TEST_P(ReportRoutesTest, SupportCentreReportCoversTheEu) {
  const auto r = Send(As(LogIn("root"), Method::kGet, "/api/v1/reports/progress?cycle=2026"));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("progress report 2026: European Union"), std::string::npos);
}

TEST_P(ReportRoutesTest, ReportsAreRefusedOutsideTheirScope) {
  const auto be = std::to_string(be_);
  ExpectProblem(
      Send(As(LogIn("nl.analyst"), Method::kGet, "/api/v1/reports/progress?organisation_id=" + be)),
      403, "forbidden");
  ExpectProblem(Send(As(LogIn("be.reporter"), Method::kGet, "/api/v1/reports/progress")), 403,
                "forbidden");
  ExpectProblem(Send(As(LogIn("p0.admin"), Method::kGet, "/api/v1/reports/progress")), 403,
                "forbidden");
  ExpectProblem(Send(As(LogIn("be.analyst"), Method::kGet,
                        "/api/v1/reports/progress?organisation_id=999999")),
                404, "not-found");
  ExpectProblem(Send(As(LogIn("be.analyst"), Method::kGet, "/api/v1/reports/progress?cycle=19")),
                400, "invalid-input");
}

TEST_P(ReportRoutesTest, RecommendationsAddressTheProvidersWeakestDomainsWithReasons) {
  const auto r = Send(As(LogIn("p0.admin"), Method::kGet, "/api/v1/recommendations"));
  ASSERT_EQ(r.status, 200) << r.body;
  const auto body = Json(r);
  ASSERT_TRUE(body.at("based_on").is_object());
  EXPECT_EQ(body.at("based_on").at("cycle").as_int64(), 2026);
  const auto& items = body.at("items").as_array();
  ASSERT_FALSE(items.empty());
  EXPECT_LE(items.size(), 10u);
  double previous = 1e9;
  for (const auto& item : items) {
    const auto score = item.at("score").to_number<double>();
    EXPECT_LE(score, previous) << "ranked";
    previous = score;
    const auto& reasons = item.at("reasons").as_array();
    ASSERT_FALSE(reasons.empty());
    const auto& countries = item.at("entry").at("countries").as_array();
    for (const auto& c : countries) EXPECT_EQ(c.as_string(), "BE") << "other countries excluded";
  }
  EXPECT_NE(r.body.find("/100"), std::string::npos) << "a reason names a domain score";
}

// A ransomware incident of the provider brings help against ransomware, with the incident named.
TEST_P(ReportRoutesTest, RecommendationsAlsoAnswerTheProvidersRecentIncidents) {
  incidents::NewIncident n;
  n.organisation_id = providers_[1];
  n.title = "Ransomware on the PACS";
  n.aware_at = clock_.Now() - std::chrono::hours(30);
  auto created = incidents_->Create(Actor::System(), n);
  ASSERT_TRUE(created) << created.error().message;
  const boost::json::object fields{
      {"initial_assessment", "Contained."},
      {"severity", "high"},
      {"impact", "Imaging down."},
      {"incident_type", "ransomware"},
      {"patient_care",
       {{"services_down", boost::json::array{"PACS"}},
        {"patients_diverted", false},
        {"duration_hours", 12.0}}},
      {"health_data_affected", "none"},
      {"ransom", {{"demanded", true}, {"paid", false}, {"amount_band", "100k-1M"}}}};
  auto parsed = incidents::ParseReportFields(incidents::Stage::kNotification, fields);
  ASSERT_TRUE(parsed) << parsed.error().message << " " << parsed.error().field;
  ASSERT_TRUE(incidents_->SubmitReport(Actor::System(), created->summary.id, *parsed));

  // Provider 1 answered "yes" everywhere: without the incident nothing would be recommended for
  // ransomware in particular.
  const auto r = Send(As(LogIn("p1.admin"), Method::kGet, "/api/v1/recommendations"));
  ASSERT_EQ(r.status, 200) << r.body;
  const auto reference = created->summary.reference;
  bool found = false;
  const auto body = Json(r);
  for (const auto& item : body.at("items").as_array()) {
    for (const auto& reason : item.at("reasons").as_array()) {
      if (std::string_view(reason.as_string()).find(reference) != std::string_view::npos) {
        found = true;
        bool about_ransomware = false;
        for (const auto& t : item.at("entry").at("threats").as_array()) {
          about_ransomware = about_ransomware || t.as_string() == "ransomware";
        }
        EXPECT_TRUE(about_ransomware) << boost::json::serialize(item);
      }
    }
  }
  EXPECT_TRUE(found) << r.body;
}

TEST_P(ReportRoutesTest, ProgressReportCountsIncidentsOnlyForFiveProvidersOrMore) {
  const auto r = Send(As(LogIn("be.analyst"), Method::kGet, "/api/v1/reports/progress"));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("Incidents reported under NIS2"), std::string::npos);
  EXPECT_NE(r.body.find("Total: fewer than 5 providers: not shown."), std::string::npos)
      << "no incidents at all is shown as withheld, like one to four";
}

TEST_P(ReportRoutesTest, RecommendationsAreForProvidersTheCallerMayRead) {
  const auto p0 = std::to_string(providers_[0]);
  const auto as_authority =
      Send(As(LogIn("be.analyst"), Method::kGet, "/api/v1/recommendations?organisation_id=" + p0));
  EXPECT_EQ(as_authority.status, 200) << as_authority.body;
  ExpectProblem(
      Send(As(LogIn("nl.analyst"), Method::kGet, "/api/v1/recommendations?organisation_id=" + p0)),
      404, "not-found");
  ExpectProblem(
      Send(As(LogIn("p1.admin"), Method::kGet, "/api/v1/recommendations?organisation_id=" + p0)),
      404, "not-found");
  ExpectProblem(Send(As(LogIn("be.analyst"), Method::kGet, "/api/v1/recommendations")), 404,
                "not-found");
}

CADUCEUS_API_TEST_BACKENDS(ReportRoutesTest);

}  // namespace
}  // namespace caduceus::api
