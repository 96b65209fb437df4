// The assessment routes in process: JSON shapes, status codes, evidence upload and download,
// the index with its k-anonymity rule, and the export.
#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include "api_fixture.h"
#include "assessment/framework_fixture.h"

namespace caduceus::api {
namespace {

namespace json = boost::json;
using http::Method;
using identity::Actor;
using identity::OrgKind;
using identity::Role;

constexpr std::string_view kPassword = "a password for the tests";
const std::string kPdf = "%PDF-1.7\n%%EOF\n";

std::string Header(const http::Response& r, std::string_view name) {
  return std::string(r.headers.Get(name).value_or(""));
}

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

std::set<std::string> Keys(const json::object& o) {
  std::set<std::string> out;
  for (const auto& [k, v] : o) out.emplace(k);
  return out;
}

class AssessmentRoutesTest : public ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    const std::filesystem::path dir(frameworks_.path());
    std::filesystem::create_directories(dir / "test-fw");
    std::ofstream(dir / "test-fw" / "1.0.0.json") << assessment::testdata::kFramework;
    std::filesystem::create_directories(dir / "index-fw");
    std::ofstream(dir / "index-fw" / "1.0.0.json") << assessment::testdata::IndexFramework();
    auto loaded = assessment_->LoadFrameworks(frameworks_.path());
    ASSERT_TRUE(loaded) << loaded.error().message;

    de_ = Org("BSI", OrgKind::kAuthority, centre_id_, "DE");
    fr_ = Org("ANSSI", OrgKind::kAuthority, centre_id_, "FR");
    hospital_ = Org("Charite", OrgKind::kProvider, de_, {}, "hospital", "large");
    other_ = Org("Labor Berlin", OrgKind::kProvider, de_, {}, "laboratory", "medium");
    User("hadmin", hospital_, Role::kAdmin);
    User("hviewer", hospital_, Role::kViewer);
    User("ladmin", other_, Role::kAdmin);
    User("bsi", de_, Role::kAnalyst);
    User("anssi", fr_, Role::kAdmin);
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

  http::Response Put(const Browser& b, const std::string& target, const json::value& body) {
    return Send(As(b, Method::kPut, target, json::serialize(body)));
  }
  http::Response Post(const Browser& b, const std::string& target, const json::value& body) {
    return Send(As(b, Method::kPost, target, json::serialize(body)));
  }

  http::Response Upload(const Browser& b,
                        std::int64_t assessment,
                        const std::string& query,
                        std::string content_type,
                        std::string body) {
    auto r = As(b, Method::kPost,
                "/api/v1/assessments/" + std::to_string(assessment) + "/evidence?" + query);
    r.headers.Set("Content-Type", std::move(content_type));
    r.body = std::move(body);
    return Send(std::move(r));
  }

  static json::object Complete() {
    return {{"backup.offline.copy", json::object{{"value", "yes"}, {"comment", "Weekly tapes"}}},
            {"backup.offline.age", json::object{{"value", 3}}},
            {"backup.offline.test", json::object{{"value", "2026-06-01"}}},
            {"backup.offline.evidence", json::object{{"value", "not_applicable"}}},
            {"backup.plan.documented", json::object{{"value", "partly"}}},
            {"access.mfa.remote", json::object{{"value", "no"}}}};
  }

  // A submitted index-fw assessment scoring 10 * yes, made by the system.
  void Submitted(std::int64_t org, int cycle, int yes) {
    assessment::NewAssessment n;
    n.organisation_id = org;
    n.cycle = cycle;
    n.framework_id = "index-fw";
    auto a = assessment_->Create(Actor::System(), n);
    if (!a) throw std::runtime_error(a.error().message);
    std::vector<assessment::AnswerChange> changes;
    for (int i = 0; i < 10; ++i) {
      changes.push_back(
          {"a" + std::to_string(i), assessment::AnswerValue(i < yes ? "yes" : "no"), ""});
    }
    changes.push_back({"b0", assessment::AnswerValue("not_applicable"), ""});
    if (!assessment_->SaveAnswers(Actor::System(), a->summary.id, changes) ||
        !assessment_->Submit(Actor::System(), a->summary.id)) {
      throw std::runtime_error("submitting failed");
    }
  }

  testing::TempDir frameworks_;
  std::int64_t de_ = 0, fr_ = 0, hospital_ = 0, other_ = 0;
};

TEST_P(AssessmentRoutesTest, FrameworksAreListedAndServedAsLoaded) {
  const auto admin = Login("hadmin");
  const auto list = Send(As(admin, Method::kGet, "/api/v1/frameworks"));
  ASSERT_EQ(list.status, 200) << list.body;
  const auto items = Json(list).at("items").as_array();
  ASSERT_EQ(items.size(), 2u);
  const auto& fw = items[1].as_object();
  EXPECT_EQ(fw.at("id").as_string(), "test-fw");
  EXPECT_EQ(fw.at("version").as_string(), "1.0.0");
  EXPECT_EQ(fw.at("title").as_string(), "Test framework");
  EXPECT_EQ(fw.at("published").as_string(), "2026-01-15");
  EXPECT_EQ(fw.at("question_count").as_int64(), 6);
  EXPECT_EQ(items[0].at("default").as_bool() + fw.at("default").as_bool(), 1);

  const auto doc = Send(As(admin, Method::kGet, "/api/v1/frameworks/test-fw/1.0.0"));
  ASSERT_EQ(doc.status, 200);
  EXPECT_EQ(Header(doc, "Content-Type"), "application/json");
  EXPECT_EQ(doc.body, assessment::testdata::kFramework);
  ExpectProblem(Send(As(admin, Method::kGet, "/api/v1/frameworks/test-fw/2.0.0")), 404,
                "not-found");
  ExpectProblem(Send(Make(Method::kGet, "/api/v1/frameworks")), 401, "unauthenticated");
}

TEST_P(AssessmentRoutesTest, AHospitalAnswersSubmitsAndItsAuthorityReviews) {
  const auto admin = Login("hadmin");
  auto created = Post(admin, "/api/v1/assessments",
                      json::object{{"cycle", 2026}, {"framework_id", "test-fw"}});
  ASSERT_EQ(created.status, 201) << created.body;
  auto a = Json(created);
  const auto id = a.at("id").as_int64();
  const std::string base = "/api/v1/assessments/" + std::to_string(id);
  EXPECT_EQ(Keys(a), (std::set<std::string>{"id",           "organisation_id", "organisation_name",
                                            "cycle",        "framework_id",    "framework_version",
                                            "status",       "completion",      "score",
                                            "maturity",     "created_at",      "updated_at",
                                            "submitted_at", "reviewed_at",     "answers",
                                            "facts",        "evidence",        "reviews",
                                            "scores",       "can_answer",      "can_submit",
                                            "can_review"}));
  EXPECT_EQ(a.at("status").as_string(), "draft");
  EXPECT_EQ(a.at("organisation_id").as_int64(), hospital_);
  EXPECT_TRUE(a.at("submitted_at").is_null());
  EXPECT_TRUE(a.at("can_submit").as_bool());
  EXPECT_EQ(LastAudit().action, "assessment.create");
  EXPECT_EQ(LastAudit().target, "assessment:" + std::to_string(id));
  ExpectProblem(Post(admin, "/api/v1/assessments", json::object{{"cycle", 2026}}), 409, "conflict");

  ExpectProblem(Send(As(admin, Method::kPost, base + "/submit")), 400, "invalid-input", "answers");
  const auto saved = Put(admin, base + "/answers", json::object{{"answers", Complete()}});
  ASSERT_EQ(saved.status, 200) << saved.body;
  a = Json(saved);
  EXPECT_EQ(a.at("completion").as_double(), 1.0);
  const auto& answer = a.at("answers").at("backup.offline.copy").as_object();
  EXPECT_EQ(answer.at("value").as_string(), "yes");
  EXPECT_EQ(answer.at("comment").as_string(), "Weekly tapes");
  EXPECT_EQ(answer.at("updated_by").as_string(), "hadmin");
  EXPECT_EQ(a.at("answers").at("backup.offline.age").at("value").as_double(), 3.0);
  // backup = 100 * (2 * (1 + 1 + 1) / 3 + 0.5) / 3 = 83.3; access 0; overall = 166.7 / 3 = 55.6.
  EXPECT_EQ(a.at("scores").at("domains").at(0).at("score").as_double(), 83.3);
  EXPECT_EQ(a.at("score").as_double(), 55.6);
  EXPECT_EQ(a.at("maturity").at("level").as_int64(), 2);
  EXPECT_EQ(a.at("maturity").at("name").as_string(), "Developing");

  const auto submitted = Send(As(admin, Method::kPost, base + "/submit"));
  ASSERT_EQ(submitted.status, 200) << submitted.body;
  EXPECT_EQ(Json(submitted).at("status").as_string(), "submitted");
  EXPECT_FALSE(Json(submitted).at("submitted_at").is_null());

  const auto bsi = Login("bsi");
  const auto queue = Send(As(bsi, Method::kGet, "/api/v1/assessments?status=submitted"));
  ASSERT_EQ(queue.status, 200);
  ASSERT_EQ(Json(queue).at("items").as_array().size(), 1u);
  EXPECT_EQ(Json(queue).at("items").at(0).at("organisation_name").as_string(), "Charite");
  ExpectProblem(Post(bsi, base + "/review", json::object{{"decision", "return"}}), 400,
                "invalid-input", "comment");
  ExpectProblem(Post(bsi, base + "/review", json::object{{"decision", "maybe"}}), 400,
                "invalid-input", "decision");
  const auto returned =
      Post(bsi, base + "/review", json::object{{"decision", "return"}, {"comment", "Test MFA."}});
  ASSERT_EQ(returned.status, 200) << returned.body;
  a = Json(returned);
  EXPECT_EQ(a.at("status").as_string(), "returned");
  const auto& review = a.at("reviews").at(0).as_object();
  EXPECT_EQ(review.at("decision").as_string(), "return");
  EXPECT_EQ(review.at("comment").as_string(), "Test MFA.");
  EXPECT_EQ(review.at("reviewer").as_string(), "bsi");
  EXPECT_EQ(review.at("organisation_id").as_int64(), de_);
  EXPECT_EQ(LastAudit().action, "assessment.review");

  ASSERT_EQ(Put(admin, base + "/answers",
                json::object{{"answers",
                              json::object{{"access.mfa.remote", json::object{{"value", "yes"}}}}}})
                .status,
            200);
  ASSERT_EQ(Send(As(admin, Method::kPost, base + "/submit")).status, 200);
  const auto accepted = Post(bsi, base + "/review", json::object{{"decision", "accept"}});
  ASSERT_EQ(accepted.status, 200) << accepted.body;
  EXPECT_EQ(Json(accepted).at("status").as_string(), "accepted");
  ExpectProblem(Put(admin, base + "/answers", json::object{{"answers", Complete()}}), 409,
                "conflict");

  const auto scores = Send(As(Login("hviewer"), Method::kGet,
                              "/api/v1/organisations/" + std::to_string(hospital_) + "/scores"));
  ASSERT_EQ(scores.status, 200) << scores.body;
  const auto items = Json(scores).at("items").as_array();
  ASSERT_EQ(items.size(), 1u);
  const auto& item = items[0].as_object();
  EXPECT_EQ(item.at("cycle").as_int64(), 2026);
  EXPECT_EQ(item.at("status").as_string(), "accepted");
  EXPECT_EQ(item.at("scores").at("overall").as_double(), 88.9);
}

TEST_P(AssessmentRoutesTest, BadAnswersNameTheQuestion) {
  const auto admin = Login("hadmin");
  const auto id =
      Json(Post(admin, "/api/v1/assessments", json::object{{"framework_id", "test-fw"}}))
          .at("id")
          .as_int64();
  EXPECT_EQ(Json(Send(As(admin, Method::kGet, "/api/v1/assessments/" + std::to_string(id))))
                .at("cycle")
                .as_int64(),
            2026);
  const std::string target = "/api/v1/assessments/" + std::to_string(id) + "/answers";
  const auto answers = [](json::object o) { return json::object{{"answers", std::move(o)}}; };
  ExpectProblem(Put(admin, target, answers({{"backup.offline.copy", json::object{{"value", 1}}}})),
                400, "invalid-input", "backup.offline.copy");
  ExpectProblem(
      Put(admin, target, answers({{"backup.offline.age", json::object{{"value", true}}}})), 400,
      "invalid-input", "backup.offline.age");
  ExpectProblem(Put(admin, target, answers({{"backup.offline.age", json::object{{"valu", 1}}}})),
                400, "invalid-input", "backup.offline.age");
  ExpectProblem(Put(admin, target, answers({{"nope", json::object{{"value", "yes"}}}})), 400,
                "invalid-input", "nope");
  ExpectProblem(Put(admin, target, json::object{{"answers", json::array{}}}), 400, "invalid-input",
                "answers");
  ExpectProblem(Put(admin, target, json::object{{"answer", json::object{}}}), 400, "invalid-input");
  const auto cleared =
      Put(admin, target, answers({{"backup.offline.copy", json::object{{"value", nullptr}}}}));
  ASSERT_EQ(cleared.status, 200) << cleared.body;
  EXPECT_TRUE(Json(cleared).at("answers").as_object().empty());
}

TEST_P(AssessmentRoutesTest, InvisibleIs404AndReadOnlyIs403) {
  const auto admin = Login("hadmin");
  const auto id =
      Json(Post(admin, "/api/v1/assessments", json::object{{"framework_id", "test-fw"}}))
          .at("id")
          .as_int64();
  const std::string base = "/api/v1/assessments/" + std::to_string(id);
  for (const char* outsider : {"ladmin", "anssi"}) {
    const auto b = Login(outsider);
    ExpectProblem(Send(As(b, Method::kGet, base)), 404, "not-found");
    ExpectProblem(Put(b, base + "/answers", json::object{{"answers", Complete()}}), 404,
                  "not-found");
    ExpectProblem(
        Send(As(b, Method::kGet, "/api/v1/organisations/" + std::to_string(hospital_) + "/scores")),
        404, "not-found");
    EXPECT_TRUE(
        Json(Send(As(b, Method::kGet, "/api/v1/assessments"))).at("items").as_array().empty());
  }
  const auto viewer = Login("hviewer");
  EXPECT_EQ(Send(As(viewer, Method::kGet, base)).status, 200);
  ExpectProblem(Put(viewer, base + "/answers", json::object{{"answers", Complete()}}), 403,
                "forbidden");
  ExpectProblem(Upload(viewer, id, "question_id=backup.offline.evidence", "application/pdf", kPdf),
                403, "forbidden");
  ExpectProblem(Post(viewer, "/api/v1/assessments", json::object{{"cycle", 2025}}), 403,
                "forbidden");
  ExpectProblem(Send(As(admin, Method::kGet, "/api/v1/assessments/abc")), 404, "not-found");
}

TEST_P(AssessmentRoutesTest, EvidenceIsUploadedRawAndDownloadedAsAnAttachment) {
  const auto admin = Login("hadmin");
  const auto id =
      Json(Post(admin, "/api/v1/assessments", json::object{{"framework_id", "test-fw"}}))
          .at("id")
          .as_int64();
  const auto up = Upload(admin, id,
                         "question_id=backup.offline.evidence&filename=..%2FRestore%20test%20"
                         "r%C3%A9sum%C3%A9.pdf",
                         "application/pdf", kPdf);
  ASSERT_EQ(up.status, 201) << up.body;
  const auto e = Json(up);
  EXPECT_EQ(e.at("filename").as_string(), "Restore test r\xC3\xA9sum\xC3\xA9.pdf");
  EXPECT_EQ(e.at("content_type").as_string(), "application/pdf");
  EXPECT_EQ(e.at("size").as_int64(), static_cast<std::int64_t>(kPdf.size()));
  EXPECT_EQ(e.at("sha256").as_string().size(), 64u);
  EXPECT_EQ(e.at("uploaded_by").as_string(), "hadmin");
  EXPECT_EQ(LastAudit().action, "evidence.add");
  const std::string file = "/api/v1/evidence/" + std::to_string(e.at("id").as_int64());

  const auto down = Send(As(Login("bsi"), Method::kGet, file));
  ASSERT_EQ(down.status, 200);
  EXPECT_EQ(down.body, kPdf);
  EXPECT_EQ(Header(down, "Content-Type"), "application/pdf");
  EXPECT_EQ(Header(down, "Content-Disposition"),
            "attachment; filename*=UTF-8''Restore%20test%20r%C3%A9sum%C3%A9.pdf");
  EXPECT_EQ(Header(down, "X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(Header(down, "Content-Security-Policy"), "sandbox");
  ExpectProblem(Send(As(Login("ladmin"), Method::kGet, file)), 404, "not-found");

  const auto got = Json(Send(As(admin, Method::kGet, "/api/v1/assessments/" + std::to_string(id))));
  ASSERT_EQ(got.at("evidence").as_array().size(), 1u);
  EXPECT_EQ(got.at("scores").at("domains").at(0).at("answered").as_int64(), 1);

  EXPECT_EQ(
      Upload(admin, id, "question_id=backup.offline.copy", "text/plain; charset=UTF-8", "notes\n")
          .status,
      201);
  ExpectProblem(Upload(admin, id, "question_id=backup.offline.copy", "application/pdf", "<html>"),
                415, "unsupported-media-type");
  ExpectProblem(Upload(admin, id, "question_id=backup.offline.copy", "text/html", "<p>hi</p>"), 415,
                "unsupported-media-type");
  ExpectProblem(Upload(admin, id, "question_id=backup.offline.copy", "", kPdf), 415,
                "unsupported-media-type");
  ExpectProblem(Upload(admin, id, "filename=a.pdf", "application/pdf", kPdf), 400, "invalid-input",
                "question_id");
  ExpectProblem(Upload(admin, id, "question_id=backup.offline.copy", "application/pdf",
                       "%PDF-" + std::string(assessment::kMaxEvidenceBytes, ' ')),
                413, "payload-too-large");

  EXPECT_EQ(Send(As(admin, Method::kDelete, file)).status, 204);
  EXPECT_EQ(LastAudit().action, "evidence.delete");
  ExpectProblem(Send(As(admin, Method::kGet, file)), 404, "not-found");
}

TEST_P(AssessmentRoutesTest, TheIndexIsHiddenBelowFiveProvidersAndRevealsNoCount) {
  std::vector<std::int64_t> providers{hospital_, other_};
  for (int i = 0; i < 3; ++i) {
    providers.push_back(
        Org("DE " + std::to_string(i), OrgKind::kProvider, de_, {}, "hospital", "large"));
  }
  for (int i = 0; i < 4; ++i) Submitted(providers[i], 2026, 2 + 2 * i);  // 20, 40, 60, 80
  const auto viewer = Login("hviewer");
  auto r = Send(As(viewer, Method::kGet, "/api/v1/index?by=country&cycle=2026"));
  ASSERT_EQ(r.status, 200) << r.body;
  auto body = Json(r);
  EXPECT_EQ(body.at("cycle").as_int64(), 2026);
  EXPECT_EQ(body.at("by").as_string(), "country");
  EXPECT_EQ(body.at("k_min").as_int64(), 5);
  EXPECT_EQ(body.at("cycles").as_array(), json::array{2026});
  const auto& groups = body.at("groups").as_array();
  ASSERT_EQ(groups.size(), 2u);
  for (const auto& g : groups) {
    EXPECT_EQ(Keys(g.as_object()), (std::set<std::string>{"key", "label", "suppressed"})) << g;
    EXPECT_TRUE(g.at("suppressed").as_bool());
  }
  EXPECT_EQ(groups[0].at("key").as_string(), "DE");
  EXPECT_EQ(groups[0].at("label").as_string(), "Germany");

  Submitted(providers[4], 2026, 10);  // 100
  body = Json(Send(As(viewer, Method::kGet, "/api/v1/index?by=country")));
  const auto& de = body.at("groups").at(0).as_object();
  EXPECT_FALSE(de.at("suppressed").as_bool());
  EXPECT_EQ(de.at("n").as_int64(), 5);
  EXPECT_EQ(de.at("mean").as_double(), 60);
  EXPECT_EQ(de.at("median").as_double(), 60);
  EXPECT_EQ(de.at("p10").as_double(), 28);
  EXPECT_EQ(de.at("p25").as_double(), 40);
  EXPECT_EQ(de.at("p75").as_double(), 80);
  EXPECT_EQ(de.at("p90").as_double(), 92);
  EXPECT_EQ(de.at("histogram").as_array(), (json::array{0, 0, 1, 0, 1, 0, 1, 0, 1, 1}));
  EXPECT_EQ(de.at("maturity").as_object(), (json::object{{"1", 1}, {"2", 1}, {"3", 3}}));
  EXPECT_EQ(de.at("domains").at(0).at("id").as_string(), "alpha");
  EXPECT_EQ(de.at("domains").at(0).at("mean").as_double(), 60);
  EXPECT_TRUE(de.at("domains").at(1).at("mean").is_null());
  EXPECT_TRUE(body.at("groups").at(1).at("suppressed").as_bool());

  const auto trend = Json(Send(As(viewer, Method::kGet, "/api/v1/index/trend?by=country")));
  EXPECT_EQ(trend.at("k_min").as_int64(), 5);
  const auto& point = trend.at("series").at(0).at("points").at(0).as_object();
  EXPECT_EQ(Keys(point),
            (std::set<std::string>{"cycle", "suppressed", "n", "mean", "median", "p25", "p75"}));
  EXPECT_EQ(point.at("cycle").as_int64(), 2026);
  EXPECT_EQ(point.at("mean").as_double(), 60);
  EXPECT_EQ(Keys(trend.at("series").at(1).at("points").at(0).as_object()),
            (std::set<std::string>{"cycle", "suppressed"}));

  ExpectProblem(Send(As(viewer, Method::kGet, "/api/v1/index?by=city")), 400, "invalid-input",
                "by");
  ExpectProblem(Send(As(viewer, Method::kGet, "/api/v1/index?cycle=1999")), 400, "invalid-input",
                "cycle");
}

TEST_P(AssessmentRoutesTest, TheExportHoldsTheRowsTheCallerMayRead) {
  Submitted(hospital_, 2026, 4);
  Submitted(other_, 2026, 7);
  const auto root = LogIn("root");
  const auto r = Send(As(root, Method::kGet, "/api/v1/index/export?cycle=2026"));
  ASSERT_EQ(r.status, 200) << r.body;
  const auto body = Json(r);
  EXPECT_EQ(body.at("framework_id").as_string(), "index-fw");
  EXPECT_EQ(body.at("framework_version").as_string(), "1.0.0");
  const auto& rows = body.at("rows").as_array();
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(Keys(rows[0].as_object()),
            (std::set<std::string>{"organisation_id", "country", "provider_type", "size_band",
                                   "cycle", "status", "overall", "alpha", "beta"}));
  EXPECT_EQ(rows[0].at("organisation_id").as_int64(), hospital_);
  EXPECT_EQ(rows[0].at("overall").as_double(), 40);
  EXPECT_TRUE(rows[0].at("beta").is_null());

  const auto csv = Send(As(root, Method::kGet, "/api/v1/index/export?cycle=2026&format=csv"));
  ASSERT_EQ(csv.status, 200);
  EXPECT_EQ(Header(csv, "Content-Type"), "text/csv; charset=utf-8");
  EXPECT_EQ(Header(csv, "Content-Disposition"), "attachment; filename=\"caduceus-index-2026.csv\"");
  EXPECT_EQ(csv.body,
            "organisation_id,country,provider_type,size_band,cycle,status,overall,alpha,beta\r\n" +
                std::to_string(hospital_) + ",DE,hospital,large,2026,submitted,40,40,\r\n" +
                std::to_string(other_) + ",DE,laboratory,medium,2026,submitted,70,70,\r\n");

  const auto own = Json(Send(As(Login("hviewer"), Method::kGet, "/api/v1/index/export")));
  ASSERT_EQ(own.at("rows").as_array().size(), 1u);
  EXPECT_EQ(own.at("rows").at(0).at("organisation_id").as_int64(), hospital_);
  EXPECT_TRUE(Json(Send(As(Login("anssi"), Method::kGet, "/api/v1/index/export")))
                  .at("rows")
                  .as_array()
                  .empty());
  ExpectProblem(Send(As(root, Method::kGet, "/api/v1/index/export?format=xml")), 400,
                "invalid-input", "format");
}

CADUCEUS_API_TEST_BACKENDS(AssessmentRoutesTest);

}  // namespace
}  // namespace caduceus::api
