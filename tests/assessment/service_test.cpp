// AssessmentService on both backends, with a manual clock: loading frameworks, the assessment
// workflow, answers, evidence, who may do what, facts, and the index with its k-anonymity rule.
#include "assessment/service.h"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "assessment/evidence.h"
#include "core/random.h"
#include "framework_fixture.h"
#include "identity/crypto.h"
#include "storage/database.h"
#include "support/test_db.h"

namespace caduceus::assessment {
namespace {

namespace json = boost::json;
using caduceus::testing::Backend;
using caduceus::testing::ScratchDatabase;
using caduceus::testing::TempDir;
using identity::Actor;
using identity::NewOrganisation;
using identity::OrgKind;
using identity::Principal;
using identity::Role;

// 2026-03-02T09:00:00Z
constexpr std::int64_t kStartMillis = 1'772'442'000'000;
const std::string kPdf = "%PDF-1.7\n1 0 obj << >> endobj\n%%EOF\n";

template <class R>
::testing::AssertionResult FailsWith(const R& result, Errc code, std::string_view field = {}) {
  if (!result.has_error()) return ::testing::AssertionFailure() << "succeeded";
  const auto& e = result.error();
  if (e.code != code || e.field != field) {
    return ::testing::AssertionFailure()
           << "failed with " << Slug(e.code) << " field '" << e.field << "': " << e.message;
  }
  return ::testing::AssertionSuccess();
}

template <class R>
::testing::AssertionResult Succeeds(const R& result) {
  if (result.has_error()) {
    return ::testing::AssertionFailure() << Slug(result.error().code) << " field '"
                                         << result.error().field << "': " << result.error().message;
  }
  return ::testing::AssertionSuccess();
}

void WriteFile(const std::filesystem::path& path, std::string_view text) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

class AssessmentServiceTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    CADUCEUS_REQUIRE_BACKEND(GetParam());
    InitCrypto();
    scratch_ = std::make_unique<ScratchDatabase>(GetParam());
    auto db = storage::Database::Open(scratch_->url());
    ASSERT_TRUE(db) << db.error().message;
    db_ = std::move(*db);
    storage::ApplyMigrations(*db_, "identity", identity::IdentityService::Migrations());
    storage::ApplyMigrations(*db_, "assessment", AssessmentService::Migrations());
    identity::IdentityOptions options;
    options.password_hash = {1, 8 * 1024 * 1024};
    options.secret_key = identity::SecretBox::GenerateKey();
    ids_ = std::make_unique<identity::IdentityService>(*db_, clock_, options);
    svc_ = std::make_unique<AssessmentService>(*db_, clock_, *ids_);
    WriteFile(std::filesystem::path(frameworks_.path()) / "test-fw" / "1.0.0.json",
              testdata::kFramework);
    WriteFile(std::filesystem::path(frameworks_.path()) / "index-fw" / "1.0.0.json",
              testdata::IndexFramework());
    auto loaded = svc_->LoadFrameworks(frameworks_.path());
    ASSERT_TRUE(Succeeds(loaded));
    ASSERT_EQ(*loaded, 2);

    sc_ = Org("EU Support Centre", OrgKind::kSupportCentre);
    a1_ = Org("BSI", OrgKind::kAuthority, sc_, "DE");
    a2_ = Org("ANSSI", OrgKind::kAuthority, sc_, "FR");
    p11_ = Org("Charite", OrgKind::kProvider, a1_, {}, "hospital", "large");
    p12_ = Org("Labor Berlin", OrgKind::kProvider, a1_, {}, "laboratory", "medium");
    p21_ = Org("AP-HP", OrgKind::kProvider, a2_, {}, "hospital", "large");
  }

  std::int64_t Org(const std::string& name,
                   OrgKind kind,
                   std::optional<std::int64_t> parent = {},
                   std::optional<std::string> country = {},
                   std::optional<std::string> type = {},
                   std::optional<std::string> size = {}) {
    NewOrganisation org{name, kind, parent, country, type, size};
    auto created = ids_->CreateOrganisation(Actor::System(), org);
    if (!created) throw std::runtime_error(name + ": " + created.error().message);
    return created->id;
  }

  // A principal as authentication would establish it, without a login.
  Principal As(std::int64_t org, Role role, std::string name = "someone") {
    auto o = ids_->GetOrganisation(Actor::System(), org);
    if (!o) throw std::runtime_error("no organisation");
    Principal p;
    p.user_id = ++user_counter_;
    p.username = std::move(name);
    p.organisation_id = org;
    p.org_kind = o->kind;
    p.org_parent_id = o->parent_id;
    p.role = role;
    p.scopes = {identity::Scope::kRead, identity::Scope::kWrite};
    return p;
  }

  Assessment Create(std::int64_t org, int cycle, const std::string& fw = "test-fw") {
    NewAssessment n;
    n.organisation_id = org;
    n.cycle = cycle;
    n.framework_id = fw;
    auto created = svc_->Create(Actor::System(), n);
    if (!created) throw std::runtime_error("create: " + created.error().message);
    return *created;
  }

  static std::vector<AnswerChange> Changes(
      std::initializer_list<std::pair<std::string, AnswerValue>> answers) {
    std::vector<AnswerChange> out;
    for (const auto& [q, v] : answers) out.push_back({q, v, ""});
    return out;
  }

  // Every question of test-fw answered (P11 is a large hospital: the evidence question applies).
  std::vector<AnswerChange> Complete() {
    return Changes({{"backup.offline.copy", "yes"},
                    {"backup.offline.age", 10.0},
                    {"backup.offline.test", "2026-01-10"},
                    {"backup.offline.evidence", "not_applicable"},
                    {"backup.plan.documented", "partly"},
                    {"access.mfa.remote", "no"}});
  }

  // A submitted index-fw assessment whose alpha domain scores 10 * yes; beta is not applicable
  // (so overall = alpha) unless `beta`, when it scores 100.
  std::int64_t Submitted(std::int64_t org, int cycle, int yes, bool beta = false) {
    const auto a = Create(org, cycle, "index-fw");
    std::vector<AnswerChange> changes;
    for (int i = 0; i < 10; ++i) {
      changes.push_back({"a" + std::to_string(i), AnswerValue(i < yes ? "yes" : "no"), ""});
    }
    changes.push_back({"b0", AnswerValue(beta ? "yes" : "not_applicable"), ""});
    if (auto r = svc_->SaveAnswers(Actor::System(), a.summary.id, changes); !r) {
      throw std::runtime_error("save: " + r.error().message);
    }
    if (auto r = svc_->Submit(Actor::System(), a.summary.id); !r) {
      throw std::runtime_error("submit: " + r.error().message);
    }
    return a.summary.id;
  }

  std::int64_t Provider(const std::string& name,
                        std::int64_t authority,
                        const std::string& type = "hospital",
                        const std::string& size = "large") {
    return Org(name, OrgKind::kProvider, authority, {}, type, size);
  }

  const IndexGroup& Group(const IndexReport& r, std::string_view key) {
    for (const auto& g : r.groups) {
      if (g.key == key) return g;
    }
    throw std::runtime_error("no group " + std::string(key));
  }

  std::unique_ptr<ScratchDatabase> scratch_;
  std::unique_ptr<storage::Database> db_;
  ManualClock clock_{FromUnixMillis(kStartMillis)};
  std::unique_ptr<identity::IdentityService> ids_;
  std::unique_ptr<AssessmentService> svc_;
  TempDir frameworks_;
  std::int64_t sc_ = 0, a1_ = 0, a2_ = 0, p11_ = 0, p12_ = 0, p21_ = 0;
  std::int64_t user_counter_ = 0;
};

// ---- Frameworks -------------------------------------------------------------------------------

TEST_P(AssessmentServiceTest, LoadingFrameworksAgainSkipsThoseAlreadyStored) {
  auto again = svc_->LoadFrameworks(frameworks_.path());
  ASSERT_TRUE(Succeeds(again));
  EXPECT_EQ(*again, 0);
  const auto list = svc_->ListFrameworks();
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[1].id, "test-fw");
  EXPECT_EQ(list[1].question_count, 6);
  EXPECT_EQ(list[1].published, "2026-01-15");
  auto doc = svc_->FrameworkDocument("test-fw", "1.0.0");
  ASSERT_TRUE(Succeeds(doc));
  EXPECT_EQ(*doc, testdata::kFramework);
  EXPECT_TRUE(FailsWith(svc_->FrameworkDocument("test-fw", "9.9.9"), Errc::kNotFound));
}

TEST_P(AssessmentServiceTest, AStoredVersionCannotChange) {
  WriteFile(std::filesystem::path(frameworks_.path()) / "test-fw" / "1.0.0.json",
            testdata::Mutated([](json::object& d) { d["title"] = "Changed"; }));
  EXPECT_TRUE(FailsWith(svc_->LoadFrameworks(frameworks_.path()), Errc::kConflict));
  EXPECT_EQ(*svc_->FrameworkDocument("test-fw", "1.0.0"), testdata::kFramework);
}

TEST_P(AssessmentServiceTest, LoadingIsAllOrNothing) {
  TempDir dir;
  WriteFile(std::filesystem::path(dir.path()) / "new-fw" / "1.0.0.json",
            testdata::Mutated([](json::object& d) { d["id"] = "new-fw"; }));
  WriteFile(std::filesystem::path(dir.path()) / "zz-bad" / "1.0.0.json", "{\"format\": 1}");
  const auto r = svc_->LoadFrameworks(dir.path());
  ASSERT_TRUE(FailsWith(r, Errc::kInvalidArgument, "/format"));
  EXPECT_NE(r.error().message.find("zz-bad"), std::string::npos) << r.error().message;
  EXPECT_EQ(svc_->ListFrameworks().size(), 2u);
}

TEST_P(AssessmentServiceTest, AFrameworkMustSitAtItsIdAndVersion) {
  TempDir dir;
  WriteFile(std::filesystem::path(dir.path()) / "test-fw" / "2.0.0.json", testdata::kFramework);
  EXPECT_TRUE(FailsWith(svc_->LoadFrameworks(dir.path()), Errc::kInvalidArgument));
  EXPECT_TRUE(FailsWith(svc_->LoadFrameworks(dir.path() + "/missing"), Errc::kInvalidArgument));
}

TEST_P(AssessmentServiceTest, TheDefaultIsTheNewestVersionOfTheProjectFramework) {
  TempDir dir;
  for (const char* version : {"1.9.0", "1.10.0"}) {
    WriteFile(std::filesystem::path(dir.path()) / std::string(kDefaultFrameworkId) /
                  (std::string(version) + ".json"),
              testdata::Mutated([&](json::object& d) {
                d["id"] = kDefaultFrameworkId;
                d["version"] = version;
              }));
  }
  ASSERT_TRUE(Succeeds(svc_->LoadFrameworks(dir.path())));
  int defaults = 0;
  for (const auto& f : svc_->ListFrameworks()) {
    if (f.is_default) {
      ++defaults;
      EXPECT_EQ(f.id, kDefaultFrameworkId);
      EXPECT_EQ(f.version, "1.10.0");
    }
  }
  EXPECT_EQ(defaults, 1);
  NewAssessment n;
  n.organisation_id = p11_;
  auto a = svc_->Create(Actor::System(), n);
  ASSERT_TRUE(Succeeds(a));
  EXPECT_EQ(a->summary.framework_id, kDefaultFrameworkId);
  EXPECT_EQ(a->summary.framework_version, "1.10.0");
  EXPECT_EQ(a->summary.cycle, 2026);
}

// ---- Workflow ---------------------------------------------------------------------------------

TEST_P(AssessmentServiceTest, DraftSubmittedReturnedSubmittedAccepted) {
  const auto admin = As(p11_, Role::kAdmin, "p11-admin");
  const auto reviewer = As(a1_, Role::kAnalyst, "bsi-analyst");
  NewAssessment n;
  n.cycle = 2026;
  n.framework_id = "test-fw";
  auto a = svc_->Create(Actor::Of(admin), n);
  ASSERT_TRUE(Succeeds(a));
  const auto id = a->summary.id;
  EXPECT_EQ(a->summary.status, AssessmentStatus::kDraft);
  EXPECT_EQ(a->summary.organisation_id, p11_);
  EXPECT_EQ(a->summary.organisation_name, "Charite");
  EXPECT_EQ(a->summary.framework_version, "1.0.0");
  EXPECT_EQ(a->summary.completion, 0);
  EXPECT_TRUE(a->can_answer);
  EXPECT_TRUE(a->can_submit);
  EXPECT_FALSE(a->can_review);

  auto saved = svc_->SaveAnswers(Actor::Of(admin), id, Complete());
  ASSERT_TRUE(Succeeds(saved));
  EXPECT_EQ(saved->summary.completion, 1.0);
  EXPECT_EQ(saved->answers.at("backup.offline.copy").updated_by, "p11-admin");
  // backup: offline = (1 + 0.5 + 1) / 3 = 5/6, plan 0.5: (2 * 5/6 + 0.5) / 3 = 0.7222 -> 72.22;
  // access 0; overall = (2 * 72.22 + 0) / 3 = 48.15.
  ASSERT_TRUE(saved->summary.score);
  EXPECT_NEAR(*saved->summary.score, 2 * (100 * (2 * 5.0 / 6 + 0.5) / 3) / 3, 1e-9);

  clock_.Advance(std::chrono::hours(1));
  auto submitted = svc_->Submit(Actor::Of(admin), id);
  ASSERT_TRUE(Succeeds(submitted));
  EXPECT_EQ(submitted->summary.status, AssessmentStatus::kSubmitted);
  EXPECT_EQ(submitted->summary.submitted_at, clock_.Now());
  EXPECT_FALSE(submitted->can_answer);
  EXPECT_FALSE(submitted->can_review);
  EXPECT_TRUE(FailsWith(svc_->SaveAnswers(Actor::Of(admin), id, Complete()), Errc::kConflict));
  EXPECT_TRUE(FailsWith(svc_->Submit(Actor::Of(admin), id), Errc::kConflict));

  auto seen = svc_->Get(Actor::Of(reviewer), id);
  ASSERT_TRUE(Succeeds(seen));
  EXPECT_TRUE(seen->can_review);
  EXPECT_TRUE(
      FailsWith(svc_->ReviewAssessment(Actor::Of(reviewer), id, ReviewDecision::kReturn, ""),
                Errc::kInvalidArgument, "comment"));
  auto returned = svc_->ReviewAssessment(Actor::Of(reviewer), id, ReviewDecision::kReturn,
                                         "Attach the restore test report.");
  ASSERT_TRUE(Succeeds(returned));
  EXPECT_EQ(returned->summary.status, AssessmentStatus::kReturned);
  ASSERT_EQ(returned->reviews.size(), 1u);
  EXPECT_EQ(returned->reviews[0].decision, ReviewDecision::kReturn);
  EXPECT_EQ(returned->reviews[0].reviewer, "bsi-analyst");
  EXPECT_EQ(returned->reviews[0].organisation_id, a1_);
  EXPECT_EQ(returned->summary.reviewed_at, clock_.Now());
  EXPECT_TRUE(
      FailsWith(svc_->ReviewAssessment(Actor::Of(reviewer), id, ReviewDecision::kAccept, ""),
                Errc::kConflict));

  auto fixed = svc_->SaveAnswers(
      Actor::Of(admin), id,
      Changes({{"backup.offline.evidence", "not_applicable"}, {"access.mfa.remote", "yes"}}));
  ASSERT_TRUE(Succeeds(fixed));
  ASSERT_TRUE(Succeeds(svc_->Submit(Actor::Of(admin), id)));
  auto accepted =
      svc_->ReviewAssessment(Actor::Of(reviewer), id, ReviewDecision::kAccept, "Thank you.");
  ASSERT_TRUE(Succeeds(accepted));
  EXPECT_EQ(accepted->summary.status, AssessmentStatus::kAccepted);
  ASSERT_EQ(accepted->reviews.size(), 2u);
  EXPECT_EQ(accepted->reviews[1].decision, ReviewDecision::kAccept);
  EXPECT_FALSE(accepted->can_answer);
  EXPECT_TRUE(
      FailsWith(svc_->ReviewAssessment(Actor::Of(reviewer), id, ReviewDecision::kReturn, "again"),
                Errc::kConflict));
}

TEST_P(AssessmentServiceTest, ScoresAreFrozenAtSubmission) {
  const auto draft = Create(p11_, 2026);
  const auto sent = Create(p12_, 2026);
  for (auto id : {draft.summary.id, sent.summary.id}) {
    ASSERT_TRUE(Succeeds(svc_->SaveAnswers(Actor::System(), id, Complete())));
  }
  ASSERT_TRUE(Succeeds(svc_->Submit(Actor::System(), sent.summary.id)));
  const double before = *svc_->Get(Actor::System(), sent.summary.id)->summary.score;
  // Two years on, the restore test of 2026-01-10 is too old for a live score.
  clock_.Advance(std::chrono::hours(24 * 800));
  const auto frozen = svc_->Get(Actor::System(), sent.summary.id);
  EXPECT_EQ(*frozen->summary.score, before);
  EXPECT_EQ(*svc_->OrganisationScores(Actor::System(), p12_)->at(0).scores.overall, before);
  const auto live = svc_->Get(Actor::System(), draft.summary.id);
  EXPECT_LT(*live->summary.score, *svc_->Get(Actor::System(), sent.summary.id)->summary.score);
  const auto listed = svc_->List(Actor::System(), {});
  ASSERT_EQ(listed.size(), 2u);
  for (const auto& s : listed) {
    EXPECT_EQ(*s.score, s.id == sent.summary.id ? before : *live->summary.score);
  }
}

TEST_P(AssessmentServiceTest, OneAssessmentPerOrganisationAndCycle) {
  Create(p11_, 2026);
  NewAssessment n;
  n.organisation_id = p11_;
  n.cycle = 2026;
  EXPECT_TRUE(FailsWith(svc_->Create(Actor::System(), n), Errc::kConflict));
  n.cycle = 2025;
  EXPECT_TRUE(Succeeds(svc_->Create(Actor::System(), n)));
  n.cycle = 1999;
  EXPECT_TRUE(FailsWith(svc_->Create(Actor::System(), n), Errc::kInvalidArgument, "cycle"));
  n.cycle = 2024;
  n.framework_id = "no-such-fw";
  EXPECT_TRUE(FailsWith(svc_->Create(Actor::System(), n), Errc::kInvalidArgument, "framework_id"));
  n.framework_id = "test-fw";
  n.framework_version = "9";
  EXPECT_TRUE(
      FailsWith(svc_->Create(Actor::System(), n), Errc::kInvalidArgument, "framework_version"));
  n = {};
  n.organisation_id = a1_;
  EXPECT_TRUE(
      FailsWith(svc_->Create(Actor::System(), n), Errc::kInvalidArgument, "organisation_id"));
}

TEST_P(AssessmentServiceTest, ListIsNewestCycleFirstAndFilters) {
  const auto old = Create(p11_, 2025);
  const auto now = Create(p11_, 2026);
  Create(p12_, 2026);
  ASSERT_TRUE(Succeeds(svc_->SaveAnswers(Actor::System(), old.summary.id, Complete())));
  ASSERT_TRUE(Succeeds(svc_->Submit(Actor::System(), old.summary.id)));
  const auto all = svc_->List(Actor::System(), {});
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].cycle, 2026);
  EXPECT_EQ(all[0].organisation_name, "Charite");
  EXPECT_EQ(all[2].id, old.summary.id);
  EXPECT_EQ(svc_->List(Actor::System(), {p11_, {}, {}}).size(), 2u);
  EXPECT_EQ(svc_->List(Actor::System(), {{}, 2026, {}}).size(), 2u);
  const auto queue = svc_->List(Actor::System(), {{}, {}, AssessmentStatus::kSubmitted});
  ASSERT_EQ(queue.size(), 1u);
  EXPECT_EQ(queue[0].completion, 1.0);
  EXPECT_EQ(all[0].id, now.summary.id);
}

// ---- Answers ----------------------------------------------------------------------------------

TEST_P(AssessmentServiceTest, WrongTypeAnswersAreRejectedNamingTheQuestion) {
  const auto a = Create(p11_, 2026);
  const auto id = a.summary.id;
  EXPECT_TRUE(
      FailsWith(svc_->SaveAnswers(Actor::System(), id, Changes({{"backup.offline.copy", 1.0}})),
                Errc::kInvalidArgument, "backup.offline.copy"));
  EXPECT_TRUE(
      FailsWith(svc_->SaveAnswers(Actor::System(), id, Changes({{"backup.offline.age", "ten"}})),
                Errc::kInvalidArgument, "backup.offline.age"));
  EXPECT_TRUE(FailsWith(
      svc_->SaveAnswers(Actor::System(), id, Changes({{"backup.offline.test", "2030-01-01"}})),
      Errc::kInvalidArgument, "backup.offline.test"));
  EXPECT_TRUE(FailsWith(svc_->SaveAnswers(Actor::System(), id, Changes({{"no.such", "yes"}})),
                        Errc::kInvalidArgument, "no.such"));
  std::vector<AnswerChange> long_comment{
      {"backup.offline.copy", AnswerValue("yes"), std::string(kMaxComment + 1, 'c')}};
  EXPECT_TRUE(FailsWith(svc_->SaveAnswers(Actor::System(), id, long_comment),
                        Errc::kInvalidArgument, "backup.offline.copy"));
  std::vector<AnswerChange> many(kMaxAnswersPerSave + 1,
                                 {"backup.offline.copy", AnswerValue("yes"), ""});
  EXPECT_TRUE(
      FailsWith(svc_->SaveAnswers(Actor::System(), id, many), Errc::kInvalidArgument, "answers"));
}

TEST_P(AssessmentServiceTest, ABadBatchWritesNothing) {
  const auto a = Create(p11_, 2026);
  ASSERT_TRUE(Succeeds(
      svc_->SaveAnswers(Actor::System(), a.summary.id, Changes({{"backup.offline.copy", "no"}}))));
  const auto r = svc_->SaveAnswers(Actor::System(), a.summary.id,
                                   Changes({{"backup.offline.copy", "yes"},
                                            {"backup.plan.documented", "yes"},
                                            {"access.mfa.remote", "sometimes"}}));
  EXPECT_TRUE(FailsWith(r, Errc::kInvalidArgument, "access.mfa.remote"));
  const auto after = svc_->Get(Actor::System(), a.summary.id);
  ASSERT_EQ(after->answers.size(), 1u);
  EXPECT_EQ(std::get<std::string>(after->answers.at("backup.offline.copy").value), "no");
}

TEST_P(AssessmentServiceTest, SavingIsPartialAndNullClears) {
  const auto a = Create(p11_, 2026);
  const auto id = a.summary.id;
  std::vector<AnswerChange> first{{"backup.offline.copy", AnswerValue("partly"), "Tapes, weekly"},
                                  {"backup.offline.age", AnswerValue(3.5), ""}};
  ASSERT_TRUE(Succeeds(svc_->SaveAnswers(Actor::System(), id, first)));
  clock_.Advance(std::chrono::minutes(5));
  std::vector<AnswerChange> second{{"backup.offline.age", std::nullopt, ""},
                                   {"access.mfa.remote", AnswerValue("yes"), ""}};
  auto r = svc_->SaveAnswers(Actor::System(), id, second);
  ASSERT_TRUE(Succeeds(r));
  ASSERT_EQ(r->answers.size(), 2u);
  EXPECT_EQ(r->answers.at("backup.offline.copy").comment, "Tapes, weekly");
  EXPECT_EQ(r->answers.at("backup.offline.copy").updated_by, "system");
  EXPECT_EQ(r->answers.at("access.mfa.remote").updated_at, clock_.Now());
  EXPECT_FALSE(r->answers.contains("backup.offline.age"));
  EXPECT_EQ(r->summary.updated_at, clock_.Now());
}

TEST_P(AssessmentServiceTest, SubmittingNeedsEveryApplicableQuestionAnswered) {
  const auto a = Create(p11_, 2026);
  auto partial = Complete();
  partial.pop_back();
  partial.pop_back();
  ASSERT_TRUE(Succeeds(svc_->SaveAnswers(Actor::System(), a.summary.id, partial)));
  const auto r = svc_->Submit(Actor::System(), a.summary.id);
  ASSERT_TRUE(FailsWith(r, Errc::kInvalidArgument, "answers"));
  EXPECT_NE(r.error().message.find("2 applicable questions"), std::string::npos)
      << r.error().message;
  EXPECT_EQ(svc_->Get(Actor::System(), a.summary.id)->summary.status, AssessmentStatus::kDraft);
}

TEST_P(AssessmentServiceTest, QuestionsThatDoNotApplyNeedNoAnswer) {
  // A medium laboratory: the evidence question is for hospitals only.
  const auto a = Create(p12_, 2026);
  auto answers = Complete();
  answers.erase(answers.begin() + 3);
  ASSERT_TRUE(Succeeds(svc_->SaveAnswers(Actor::System(), a.summary.id, answers)));
  auto r = svc_->Submit(Actor::System(), a.summary.id);
  ASSERT_TRUE(Succeeds(r));
  EXPECT_EQ(r->scores.domains[0].applicable, 4);
}

// ---- Evidence ---------------------------------------------------------------------------------

TEST_P(AssessmentServiceTest, EvidenceIsStoredWithItsDigestAndCountsForItsQuestion) {
  const auto admin = As(p11_, Role::kAnalyst, "p11-analyst");
  const auto a = Create(p11_, 2026);
  auto e = svc_->AddEvidence(
      Actor::Of(admin), a.summary.id,
      {"backup.offline.evidence", "../../etc/re\x01port 2026.pdf", "application/pdf", kPdf});
  ASSERT_TRUE(Succeeds(e));
  EXPECT_EQ(e->filename, "report 2026.pdf");
  EXPECT_EQ(e->size, static_cast<std::int64_t>(kPdf.size()));
  EXPECT_EQ(e->sha256, Sha256Hex(kPdf));
  EXPECT_EQ(e->uploaded_by, "p11-analyst");
  auto file = svc_->GetEvidence(Actor::Of(As(a1_, Role::kViewer)), e->id);
  ASSERT_TRUE(Succeeds(file));
  EXPECT_EQ(file->content, kPdf);
  EXPECT_EQ(file->info.content_type, "application/pdf");

  const auto got = svc_->Get(Actor::System(), a.summary.id);
  ASSERT_EQ(got->evidence.size(), 1u);
  // The evidence question is answered by the file: 1 of 6 answered, offline = 1/4.
  EXPECT_EQ(got->scores.domains[0].answered, 1);
  EXPECT_NEAR(*got->scores.domains[0].score, 100 * (2 * 0.25) / 3, 1e-9);

  ASSERT_TRUE(Succeeds(svc_->DeleteEvidence(Actor::Of(admin), e->id)));
  EXPECT_TRUE(FailsWith(svc_->GetEvidence(Actor::System(), e->id), Errc::kNotFound));
  EXPECT_TRUE(FailsWith(svc_->DeleteEvidence(Actor::System(), e->id), Errc::kNotFound));
}

TEST_P(AssessmentServiceTest, EvidenceMustBeOfAnAcceptedTypeAndLookLikeIt) {
  const auto id = Create(p11_, 2026).summary.id;
  const auto add = [&](std::string type, std::string content) {
    return svc_->AddEvidence(Actor::System(), id,
                             {"backup.offline.copy", "f", std::move(type), std::move(content)});
  };
  EXPECT_TRUE(Succeeds(add("image/png", std::string("\x89PNG\r\n\x1a\n....", 12))));
  EXPECT_TRUE(Succeeds(add("image/jpeg", "\xFF\xD8\xFF\xE0....")));
  EXPECT_TRUE(Succeeds(add("text/csv", "a,b\n1,2\n")));
  EXPECT_TRUE(Succeeds(
      add("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "PK\x03\x04...")));
  EXPECT_TRUE(FailsWith(add("application/pdf", "<html><script>"), Errc::kUnsupportedMediaType));
  EXPECT_TRUE(FailsWith(add("image/png", kPdf), Errc::kUnsupportedMediaType));
  EXPECT_TRUE(FailsWith(add("text/plain", std::string("a\0b", 3)), Errc::kUnsupportedMediaType));
  EXPECT_TRUE(FailsWith(add("text/plain", "\xC3\x28"), Errc::kUnsupportedMediaType));
  EXPECT_TRUE(FailsWith(add("text/html", "<p>hi</p>"), Errc::kUnsupportedMediaType));
  EXPECT_TRUE(FailsWith(add("application/x-msdownload", "MZ"), Errc::kUnsupportedMediaType));
  EXPECT_TRUE(FailsWith(add("application/pdf", ""), Errc::kInvalidArgument, "content"));
  EXPECT_TRUE(FailsWith(add("application/pdf", "%PDF-" + std::string(kMaxEvidenceBytes, 'x')),
                        Errc::kPayloadTooLarge));
  EXPECT_TRUE(FailsWith(
      svc_->AddEvidence(Actor::System(), id, {"no.such.question", "f", "application/pdf", kPdf}),
      Errc::kInvalidArgument, "question_id"));
  EXPECT_EQ(svc_->Get(Actor::System(), id)->evidence.size(), 4u);
}

TEST_P(AssessmentServiceTest, AnAssessmentHoldsAtMostTwentyFiles) {
  const auto id = Create(p11_, 2026).summary.id;
  for (std::size_t i = 0; i < kMaxEvidenceFiles; ++i) {
    ASSERT_TRUE(Succeeds(svc_->AddEvidence(
        Actor::System(), id,
        {"backup.offline.copy", "f.txt", "text/plain", "file " + std::to_string(i)})));
  }
  EXPECT_TRUE(
      FailsWith(svc_->AddEvidence(Actor::System(), id,
                                  {"backup.offline.copy", "f.txt", "text/plain", "one more"}),
                Errc::kConflict));
}

TEST_P(AssessmentServiceTest, AnAssessmentHoldsAtMostFiftyMebibytes) {
  const auto id = Create(p11_, 2026).summary.id;
  const std::string big = "%PDF-" + std::string(kMaxEvidenceBytes - 5, 'x');
  for (std::size_t i = 0; i < kMaxEvidenceTotalBytes / kMaxEvidenceBytes; ++i) {
    ASSERT_TRUE(Succeeds(svc_->AddEvidence(
        Actor::System(), id, {"backup.offline.copy", "big.pdf", "application/pdf", big})));
  }
  EXPECT_TRUE(
      FailsWith(svc_->AddEvidence(Actor::System(), id,
                                  {"backup.offline.copy", "small.pdf", "application/pdf", kPdf}),
                Errc::kPayloadTooLarge));
}

TEST_P(AssessmentServiceTest, EvidenceIsFixedOnceSubmitted) {
  const auto id = Create(p11_, 2026).summary.id;
  auto e = svc_->AddEvidence(Actor::System(), id,
                             {"backup.offline.evidence", "r.pdf", "application/pdf", kPdf});
  ASSERT_TRUE(Succeeds(e));
  auto answers = Complete();
  answers.erase(answers.begin() + 3);
  ASSERT_TRUE(Succeeds(svc_->SaveAnswers(Actor::System(), id, answers)));
  ASSERT_TRUE(Succeeds(svc_->Submit(Actor::System(), id)));
  EXPECT_TRUE(FailsWith(svc_->DeleteEvidence(Actor::System(), e->id), Errc::kConflict));
  EXPECT_TRUE(
      FailsWith(svc_->AddEvidence(Actor::System(), id,
                                  {"backup.offline.evidence", "r.pdf", "application/pdf", kPdf}),
                Errc::kConflict));
  EXPECT_TRUE(Succeeds(svc_->GetEvidence(Actor::System(), e->id)));
}

// ---- Who may do what --------------------------------------------------------------------------

TEST_P(AssessmentServiceTest, OnlyTheProvidersOwnPeopleAndOverseersSeeIt) {
  const auto id = Create(p11_, 2026).summary.id;
  auto e = svc_->AddEvidence(Actor::System(), id,
                             {"backup.offline.copy", "r.pdf", "application/pdf", kPdf});
  ASSERT_TRUE(Succeeds(e));
  for (const auto& p : {As(p12_, Role::kAdmin), As(p21_, Role::kAdmin), As(a2_, Role::kAdmin)}) {
    EXPECT_TRUE(FailsWith(svc_->Get(Actor::Of(p), id), Errc::kNotFound));
    EXPECT_TRUE(FailsWith(svc_->SaveAnswers(Actor::Of(p), id, Complete()), Errc::kNotFound));
    EXPECT_TRUE(FailsWith(svc_->Submit(Actor::Of(p), id), Errc::kNotFound));
    EXPECT_TRUE(FailsWith(svc_->ReviewAssessment(Actor::Of(p), id, ReviewDecision::kAccept, ""),
                          Errc::kNotFound));
    EXPECT_TRUE(FailsWith(svc_->GetEvidence(Actor::Of(p), e->id), Errc::kNotFound));
    EXPECT_TRUE(FailsWith(svc_->DeleteEvidence(Actor::Of(p), e->id), Errc::kNotFound));
    EXPECT_TRUE(FailsWith(svc_->OrganisationScores(Actor::Of(p), p11_), Errc::kNotFound));
    EXPECT_TRUE(FailsWith(svc_->Weaknesses(Actor::Of(p), p11_), Errc::kNotFound));
    EXPECT_TRUE(svc_->List(Actor::Of(p), {}).empty());
  }
  for (const auto& p : {As(p11_, Role::kViewer), As(a1_, Role::kViewer), As(sc_, Role::kViewer)}) {
    EXPECT_TRUE(Succeeds(svc_->Get(Actor::Of(p), id)));
    EXPECT_TRUE(Succeeds(svc_->GetEvidence(Actor::Of(p), e->id)));
    EXPECT_EQ(svc_->List(Actor::Of(p), {}).size(), 1u);
  }
}

TEST_P(AssessmentServiceTest, OnlyTheProvidersAdminsAndAnalystsAnswerAndOnlyAdminsSubmit) {
  const auto id = Create(p11_, 2026).summary.id;
  for (const auto& p : {As(p11_, Role::kViewer), As(p11_, Role::kReporter), As(a1_, Role::kAdmin),
                        As(sc_, Role::kAdmin)}) {
    auto got = svc_->Get(Actor::Of(p), id);
    ASSERT_TRUE(Succeeds(got));
    EXPECT_FALSE(got->can_answer);
    EXPECT_FALSE(got->can_submit);
    EXPECT_TRUE(
        FailsWith(svc_->SaveAnswers(Actor::Of(p), id, Complete()), Errc::kPermissionDenied));
    EXPECT_TRUE(
        FailsWith(svc_->AddEvidence(Actor::Of(p), id,
                                    {"backup.offline.copy", "r.pdf", "application/pdf", kPdf}),
                  Errc::kPermissionDenied));
    EXPECT_TRUE(FailsWith(svc_->Submit(Actor::Of(p), id), Errc::kPermissionDenied));
  }
  const auto analyst = As(p11_, Role::kAnalyst);
  auto got = svc_->Get(Actor::Of(analyst), id);
  EXPECT_TRUE(got->can_answer);
  EXPECT_FALSE(got->can_submit);
  ASSERT_TRUE(Succeeds(svc_->SaveAnswers(Actor::Of(analyst), id, Complete())));
  EXPECT_TRUE(FailsWith(svc_->Submit(Actor::Of(analyst), id), Errc::kPermissionDenied));
  auto e = svc_->AddEvidence(Actor::Of(analyst), id,
                             {"backup.offline.copy", "r.pdf", "application/pdf", kPdf});
  ASSERT_TRUE(Succeeds(e));
  EXPECT_TRUE(FailsWith(svc_->DeleteEvidence(Actor::Of(As(p11_, Role::kViewer)), e->id),
                        Errc::kPermissionDenied));
  EXPECT_TRUE(Succeeds(svc_->Submit(Actor::Of(As(p11_, Role::kAdmin)), id)));
}

TEST_P(AssessmentServiceTest, OnlyAProvidersOwnPeopleStartItsAssessment) {
  NewAssessment n;
  n.cycle = 2026;
  n.framework_id = "test-fw";
  EXPECT_TRUE(
      FailsWith(svc_->Create(Actor::Of(As(p11_, Role::kViewer)), n), Errc::kPermissionDenied));
  EXPECT_TRUE(
      FailsWith(svc_->Create(Actor::Of(As(a1_, Role::kAdmin)), n), Errc::kPermissionDenied));
  n.organisation_id = p11_;
  EXPECT_TRUE(
      FailsWith(svc_->Create(Actor::Of(As(a1_, Role::kAdmin)), n), Errc::kPermissionDenied));
  EXPECT_TRUE(FailsWith(svc_->Create(Actor::Of(As(a2_, Role::kAdmin)), n), Errc::kNotFound));
  EXPECT_TRUE(FailsWith(svc_->Create(Actor::Of(As(p12_, Role::kAdmin)), n), Errc::kNotFound));
  EXPECT_TRUE(Succeeds(svc_->Create(Actor::Of(As(p11_, Role::kAnalyst)), n)));
}

TEST_P(AssessmentServiceTest, TheAuthorityReviewsItsOwnProvidersOnly) {
  std::vector<std::int64_t> ids;
  for (auto org : {p11_, p21_}) {
    const auto id = Create(org, 2026).summary.id;
    auto answers = Complete();
    ASSERT_TRUE(Succeeds(svc_->SaveAnswers(Actor::System(), id, answers)));
    ASSERT_TRUE(Succeeds(svc_->Submit(Actor::System(), id)));
    ids.push_back(id);
  }
  const auto bsi = As(a1_, Role::kAnalyst);
  const auto queue = svc_->List(Actor::Of(bsi), {{}, {}, AssessmentStatus::kSubmitted});
  ASSERT_EQ(queue.size(), 1u);
  EXPECT_EQ(queue[0].organisation_id, p11_);
  EXPECT_TRUE(FailsWith(svc_->ReviewAssessment(Actor::Of(bsi), ids[1], ReviewDecision::kAccept, ""),
                        Errc::kNotFound));
  EXPECT_TRUE(FailsWith(svc_->ReviewAssessment(Actor::Of(As(a1_, Role::kViewer)), ids[0],
                                               ReviewDecision::kAccept, ""),
                        Errc::kPermissionDenied));
  EXPECT_TRUE(FailsWith(svc_->ReviewAssessment(Actor::Of(As(p11_, Role::kAdmin)), ids[0],
                                               ReviewDecision::kAccept, ""),
                        Errc::kPermissionDenied));
  EXPECT_TRUE(
      Succeeds(svc_->ReviewAssessment(Actor::Of(bsi), ids[0], ReviewDecision::kAccept, "")));
  EXPECT_TRUE(Succeeds(svc_->ReviewAssessment(Actor::Of(As(sc_, Role::kAnalyst)), ids[1],
                                              ReviewDecision::kReturn, "More detail, please.")));
  const auto reviews = svc_->Get(Actor::System(), ids[0])->reviews;
  ASSERT_EQ(reviews.size(), 1u);
  EXPECT_EQ(reviews[0].reviewer, "someone");
}

TEST_P(AssessmentServiceTest, TheSystemActorRunsTheWholeWorkflow) {
  const auto id = Create(p21_, 2024).summary.id;
  ASSERT_TRUE(Succeeds(svc_->SaveAnswers(Actor::System(), id, Complete())));
  ASSERT_TRUE(Succeeds(svc_->Submit(Actor::System(), id)));
  auto r = svc_->ReviewAssessment(Actor::System(), id, ReviewDecision::kAccept, "");
  ASSERT_TRUE(Succeeds(r));
  EXPECT_EQ(r->summary.status, AssessmentStatus::kAccepted);
  EXPECT_EQ(r->reviews[0].reviewer, "system");
  EXPECT_FALSE(r->reviews[0].organisation_id);
}

// ---- Facts ------------------------------------------------------------------------------------

TEST_P(AssessmentServiceTest, TheMfaFactReflectsTheIdentityTables) {
  const auto id = Create(p11_, 2026).summary.id;
  EXPECT_TRUE(svc_->Get(Actor::System(), id)->facts.empty());
  std::vector<std::int64_t> users;
  for (const char* name : {"alice", "bob"}) {
    identity::NewUser u;
    u.username = name;
    u.display_name = name;
    u.organisation_id = p11_;
    u.role = Role::kAnalyst;
    u.password = "a password long enough";
    users.push_back(ids_->CreateUser(Actor::System(), u)->user.id);
  }
  const auto fact = [&] {
    const auto facts = svc_->Get(Actor::System(), id)->facts;
    if (facts.size() != 1) throw std::runtime_error("expected one fact");
    EXPECT_EQ(facts[0].question_id, "access.mfa.remote");
    EXPECT_EQ(facts[0].source, "identity");
    return facts[0];
  };
  EXPECT_EQ(std::get<std::string>(fact().suggested), "no");
  db_->Query("UPDATE users SET totp_enabled = 1 WHERE id = ?", {storage::Int(users[0])});
  EXPECT_EQ(std::get<std::string>(fact().suggested), "partly");
  EXPECT_NE(fact().text.find("1 of its 2 active users"), std::string::npos) << fact().text;
  db_->Query("UPDATE users SET totp_enabled = 1 WHERE id = ?", {storage::Int(users[1])});
  EXPECT_EQ(std::get<std::string>(fact().suggested), "partly");
  db_->Query("UPDATE organisations SET require_totp = 1 WHERE id = ?", {storage::Int(p11_)});
  EXPECT_EQ(std::get<std::string>(fact().suggested), "yes");
  // A fact never overwrites a person's answer.
  ASSERT_TRUE(
      Succeeds(svc_->SaveAnswers(Actor::System(), id, Changes({{"access.mfa.remote", "no"}}))));
  const auto a = svc_->Get(Actor::System(), id);
  EXPECT_EQ(std::get<std::string>(a->answers.at("access.mfa.remote").value), "no");
  EXPECT_EQ(std::get<std::string>(a->facts.at(0).suggested), "yes");
}

// ---- Scores over cycles and weaknesses --------------------------------------------------------

TEST_P(AssessmentServiceTest, OrganisationScoresListSubmittedCyclesOldestFirst) {
  Submitted(p11_, 2024, 3);
  Submitted(p11_, 2025, 6);
  Create(p11_, 2026, "index-fw");
  const auto scores = svc_->OrganisationScores(Actor::Of(As(a1_, Role::kViewer)), p11_);
  ASSERT_TRUE(Succeeds(scores));
  ASSERT_EQ(scores->size(), 2u);
  EXPECT_EQ((*scores)[0].cycle, 2024);
  EXPECT_NEAR(*(*scores)[0].scores.overall, 30, 1e-9);
  EXPECT_EQ((*scores)[1].cycle, 2025);
  EXPECT_NEAR(*(*scores)[1].scores.overall, 60, 1e-9);
  EXPECT_EQ((*scores)[1].scores.maturity->level, 3);
}

TEST_P(AssessmentServiceTest, WeaknessesAreTheWeakestDomainsOfTheLatestSubmission) {
  EXPECT_TRUE(svc_->Weaknesses(Actor::System(), p11_)->empty());
  const auto a = Create(p11_, 2026);
  ASSERT_TRUE(Succeeds(svc_->SaveAnswers(Actor::System(), a.summary.id, Complete())));
  // Draft: backup 72.2, access 0.
  auto draft = svc_->Weaknesses(Actor::Of(As(p11_, Role::kViewer)), p11_);
  ASSERT_TRUE(Succeeds(draft));
  ASSERT_EQ(draft->size(), 2u);
  EXPECT_EQ((*draft)[0].domain_id, "access");
  EXPECT_EQ((*draft)[0].nis2, std::vector<std::string>{"j"});
  EXPECT_EQ((*draft)[1].domain_id, "backup");
  EXPECT_EQ((*draft)[1].nis2, (std::vector<std::string>{"c", "d"}));
  // A submission of an earlier cycle is preferred over a later draft.
  Submitted(p11_, 2025, 2);
  auto submitted = svc_->Weaknesses(Actor::System(), p11_);
  ASSERT_EQ(submitted->size(), 1u);
  EXPECT_EQ((*submitted)[0].domain_id, "alpha");
  EXPECT_NEAR((*submitted)[0].score, 20, 1e-9);
}

// ---- The index --------------------------------------------------------------------------------

TEST_P(AssessmentServiceTest, AGroupOfFourIsSuppressedAndOfFiveShown) {
  std::vector<std::int64_t> de{p11_, p12_};
  for (int i = 0; i < 3; ++i) de.push_back(Provider("DE provider " + std::to_string(i), a1_));
  for (int i = 0; i < 4; ++i) Submitted(de[i], 2026, 5);
  Create(de[4], 2026, "index-fw");  // a draft does not count

  auto r = svc_->Index(2026, Dimension::kCountry);
  EXPECT_EQ(r.cycle, 2026);
  EXPECT_EQ(r.cycles, std::vector<int>{2026});
  ASSERT_EQ(r.groups.size(), 2u);
  EXPECT_EQ(Group(r, "DE").label, "Germany");
  EXPECT_FALSE(Group(r, "DE").stats);
  EXPECT_FALSE(Group(r, "FR").stats);
  EXPECT_FALSE(Group(svc_->Index(2026, Dimension::kEu), "EU").stats);

  ASSERT_TRUE(Succeeds(svc_->SaveAnswers(Actor::System(),
                                         svc_->List(Actor::System(), {de[4], 2026, {}})[0].id,
                                         Changes({{"a0", "yes"},
                                                  {"a1", "no"},
                                                  {"a2", "no"},
                                                  {"a3", "no"},
                                                  {"a4", "no"},
                                                  {"a5", "no"},
                                                  {"a6", "no"},
                                                  {"a7", "no"},
                                                  {"a8", "no"},
                                                  {"a9", "no"},
                                                  {"b0", "not_applicable"}}))));
  ASSERT_TRUE(Succeeds(
      svc_->Submit(Actor::System(), svc_->List(Actor::System(), {de[4], 2026, {}})[0].id)));
  r = svc_->Index(2026, Dimension::kCountry);
  ASSERT_TRUE(Group(r, "DE").stats);
  EXPECT_EQ(Group(r, "DE").stats->n, 5);
  EXPECT_NEAR(Group(r, "DE").stats->mean, (4 * 50 + 10) / 5.0, 1e-9);
  EXPECT_FALSE(Group(r, "FR").stats);
}

TEST_P(AssessmentServiceTest, ReturnedAssessmentsLeaveTheIndex) {
  std::vector<std::int64_t> ids;
  for (int i = 0; i < 5; ++i)
    ids.push_back(Submitted(Provider("P" + std::to_string(i), a1_), 2026, 5));
  ASSERT_TRUE(Group(svc_->Index(2026, Dimension::kEu), "EU").stats);
  ASSERT_TRUE(Succeeds(
      svc_->ReviewAssessment(Actor::System(), ids[0], ReviewDecision::kReturn, "Check a3.")));
  EXPECT_FALSE(Group(svc_->Index(2026, Dimension::kEu), "EU").stats);
  ASSERT_TRUE(Succeeds(svc_->Submit(Actor::System(), ids[0])));
  ASSERT_TRUE(
      Succeeds(svc_->ReviewAssessment(Actor::System(), ids[0], ReviewDecision::kAccept, "")));
  EXPECT_EQ(Group(svc_->Index(2026, Dimension::kEu), "EU").stats->n, 5);
}

TEST_P(AssessmentServiceTest, TheIndexDistributionMatchesHandComputedPercentiles) {
  // DE: 10, 20, 40, 70, 90 (three hospitals, two laboratories).
  const std::vector<std::pair<std::string, int>> de{
      {"hospital", 1}, {"laboratory", 2}, {"hospital", 4}, {"laboratory", 7}, {"hospital", 9}};
  int i = 0;
  for (const auto& [type, yes] : de) {
    Submitted(Provider("DE " + std::to_string(i++), a1_, type), 2026, yes);
  }

  const auto by_country = svc_->Index(std::nullopt, Dimension::kCountry);
  EXPECT_EQ(by_country.cycle, 2026);
  const auto& d = *Group(by_country, "DE").stats;
  EXPECT_EQ(d.n, 5);
  EXPECT_NEAR(d.mean, 46, 1e-9);
  EXPECT_NEAR(d.median, 40, 1e-9);
  EXPECT_NEAR(d.p10, 14, 1e-9);  // h = 0.4: 10 + 0.4 * (20 - 10)
  EXPECT_NEAR(d.p25, 20, 1e-9);  // h = 1
  EXPECT_NEAR(d.p75, 70, 1e-9);  // h = 3
  EXPECT_NEAR(d.p90, 82, 1e-9);  // h = 3.6: 70 + 0.6 * (90 - 70)
  EXPECT_EQ(d.histogram, (std::array<int, 10>{0, 1, 1, 0, 1, 0, 0, 1, 0, 1}));
  EXPECT_EQ(d.maturity, (std::map<int, int>{{1, 2}, {2, 1}, {3, 2}}));
  ASSERT_EQ(d.domains.size(), 2u);
  EXPECT_EQ(d.domains[0].id, "alpha");
  EXPECT_NEAR(*d.domains[0].mean, 46, 1e-9);
  EXPECT_NEAR(*d.domains[0].median, 40, 1e-9);
  EXPECT_EQ(d.domains[1].id, "beta");  // every provider said not_applicable: no scores
  EXPECT_FALSE(d.domains[1].mean);
  EXPECT_FALSE(Group(by_country, "FR").stats);
  EXPECT_NEAR(Group(svc_->Index(2026, Dimension::kEu), "EU").stats->mean, 46, 1e-9);

  const auto by_type = svc_->Index(2026, Dimension::kProviderType);
  ASSERT_EQ(by_type.groups.size(), 7u);
  EXPECT_EQ(by_type.groups[0].key, "hospital");
  EXPECT_EQ(by_type.groups[0].label, "Hospitals");
  for (const auto& g : by_type.groups) EXPECT_FALSE(g.stats) << g.key;  // 3 hospitals, 2 labs
  const auto by_size = svc_->Index(2026, Dimension::kSizeBand);
  ASSERT_EQ(by_size.groups.size(), 4u);
  EXPECT_EQ(by_size.groups[3].key, "large");
  EXPECT_EQ(by_size.groups[3].stats->n, 5);
  EXPECT_FALSE(by_size.groups[0].stats);
}

TEST_P(AssessmentServiceTest, NoGroupIsRevealedAsTheEuMinusTheOthers) {
  for (int i = 0; i < 5; ++i) Submitted(Provider("DE " + std::to_string(i), a1_), 2026, 5);
  Submitted(p21_, 2026, 10);
  // EU (6) minus DE (5) would be AP-HP alone: DE is withheld as well.
  EXPECT_EQ(Group(svc_->Index(2026, Dimension::kEu), "EU").stats->n, 6);
  const auto by_country = svc_->Index(2026, Dimension::kCountry);
  EXPECT_FALSE(Group(by_country, "DE").stats);
  EXPECT_FALSE(Group(by_country, "FR").stats);
  for (const auto& p : svc_->Trend(Dimension::kCountry).series) EXPECT_FALSE(p.points[0].stats);
  // All six are large hospitals: one group, nothing to subtract.
  EXPECT_EQ(Group(svc_->Index(2026, Dimension::kSizeBand), "large").stats->n, 6);

  for (int i = 0; i < 4; ++i) Submitted(Provider("FR " + std::to_string(i), a2_), 2026, 6, i == 0);
  const auto both = svc_->Index(2026, Dimension::kCountry);
  ASSERT_TRUE(Group(both, "DE").stats);
  ASSERT_TRUE(Group(both, "FR").stats);
  EXPECT_EQ(Group(both, "FR").stats->n, 5);
  // Only one French provider has a beta score, so beta is withheld in FR, and in DE too (which
  // has no beta scores at all here, so it had none to show).
  EXPECT_FALSE(Group(both, "FR").stats->domains[1].mean);
  EXPECT_TRUE(Group(both, "FR").stats->domains[0].mean);
}

TEST_P(AssessmentServiceTest, DomainFiguresAreWithheldWhenTheEuMinusTheOthersIsSmall) {
  for (int i = 0; i < 5; ++i) Submitted(Provider("DE " + std::to_string(i), a1_), 2026, 5, true);
  for (int i = 0; i < 5; ++i) Submitted(Provider("FR " + std::to_string(i), a2_), 2026, 5, i == 0);
  const auto r = svc_->Index(2026, Dimension::kCountry);
  ASSERT_TRUE(Group(r, "DE").stats);
  ASSERT_TRUE(Group(r, "FR").stats);
  EXPECT_FALSE(Group(r, "FR").stats->domains[1].mean);  // one beta score in FR
  EXPECT_FALSE(Group(r, "DE").stats->domains[1].mean);  // EU beta (6) minus DE beta (5) = 1
  EXPECT_NEAR(*Group(r, "DE").stats->domains[0].mean, 50, 1e-9);
  const auto eu = Group(svc_->Index(2026, Dimension::kEu), "EU").stats;
  EXPECT_NEAR(*eu->domains[1].mean, 100, 1e-9);
  EXPECT_EQ(eu->n, 10);
}

TEST(PercentileTest, InterpolatesBetweenClosestRanks) {
  const std::vector<double> one{42};
  EXPECT_EQ(Percentile(one, 0.9), 42);
  const std::vector<double> v{10, 20, 40, 70, 90};
  EXPECT_EQ(Percentile(v, 0), 10);
  EXPECT_EQ(Percentile(v, 1), 90);
  EXPECT_DOUBLE_EQ(Percentile(v, 0.1), 14);
  EXPECT_DOUBLE_EQ(Percentile(v, 0.9), 82);
}

TEST_P(AssessmentServiceTest, TheTrendFollowsGroupsOverCycles) {
  std::vector<std::int64_t> de;
  for (int i = 0; i < 5; ++i) de.push_back(Provider("DE " + std::to_string(i), a1_));
  for (int i = 0; i < 4; ++i) Submitted(de[i], 2024, 2);
  for (int i = 0; i < 5; ++i) Submitted(de[i], 2025, 3 + i);  // 30..70
  for (int i = 0; i < 5; ++i) Submitted(de[i], 2026, 5 + i);  // 50..90
  const auto t = svc_->Trend(Dimension::kCountry);
  ASSERT_EQ(t.series.size(), 2u);
  const auto& series = t.series[0];
  EXPECT_EQ(series.key, "DE");
  ASSERT_EQ(series.points.size(), 3u);
  EXPECT_EQ(series.points[0].cycle, 2024);
  EXPECT_FALSE(series.points[0].stats);
  EXPECT_EQ(series.points[1].cycle, 2025);
  EXPECT_NEAR(series.points[1].stats->mean, 50, 1e-9);
  EXPECT_NEAR(series.points[1].stats->p25, 40, 1e-9);
  EXPECT_NEAR(series.points[2].stats->median, 70, 1e-9);
  EXPECT_EQ(series.points[2].stats->n, 5);
  EXPECT_EQ(t.series[1].key, "FR");
  for (const auto& p : t.series[1].points) EXPECT_FALSE(p.stats);
  EXPECT_EQ(svc_->Index(std::nullopt, Dimension::kEu).cycles, (std::vector<int>{2026, 2025, 2024}));
}

TEST_P(AssessmentServiceTest, TheExportHoldsTheRowsTheCallerMayRead) {
  Submitted(p11_, 2026, 4);
  Submitted(p12_, 2026, 8);
  Submitted(p21_, 2026, 10);
  Create(Provider("Draft", a1_), 2026, "index-fw");
  const auto all = svc_->Export(Actor::Of(As(sc_, Role::kViewer)), 2026);
  EXPECT_EQ(all.cycle, 2026);
  EXPECT_EQ(all.framework_id, "index-fw");
  EXPECT_EQ(all.framework_version, "1.0.0");
  EXPECT_EQ(all.domain_ids, (std::vector<std::string>{"alpha", "beta"}));
  ASSERT_EQ(all.rows.size(), 3u);
  EXPECT_EQ(all.rows[0].organisation_id, p11_);
  EXPECT_EQ(all.rows[0].country, "DE");
  EXPECT_EQ(all.rows[0].provider_type, "hospital");
  EXPECT_EQ(all.rows[0].size_band, "large");
  EXPECT_EQ(all.rows[0].status, AssessmentStatus::kSubmitted);
  EXPECT_NEAR(*all.rows[0].overall, 40, 1e-9);
  EXPECT_EQ(all.rows[0].maturity, 2);
  EXPECT_NEAR(*all.rows[0].domains.at("alpha"), 40, 1e-9);
  EXPECT_FALSE(all.rows[0].domains.at("beta"));
  EXPECT_EQ(svc_->Export(Actor::Of(As(a1_, Role::kAnalyst)), 2026).rows.size(), 2u);
  const auto own = svc_->Export(Actor::Of(As(p21_, Role::kViewer)), 2026);
  ASSERT_EQ(own.rows.size(), 1u);
  EXPECT_EQ(own.rows[0].organisation_id, p21_);
  EXPECT_TRUE(svc_->Export(Actor::System(), 2020).rows.empty());
}

TEST_P(AssessmentServiceTest, CoverageCountsSubmissionsPerGroup) {
  Submitted(p11_, 2026, 4);
  const auto accepted = Submitted(p21_, 2026, 4);
  ASSERT_TRUE(
      Succeeds(svc_->ReviewAssessment(Actor::System(), accepted, ReviewDecision::kAccept, "")));
  Create(p12_, 2026, "index-fw");
  const auto c = svc_->Coverage(2026, Dimension::kCountry);
  ASSERT_EQ(c.size(), 2u);
  EXPECT_EQ(c[0].key, "DE");
  EXPECT_EQ(c[0].providers, 2);
  EXPECT_EQ(c[0].submitted, 1);
  EXPECT_EQ(c[0].accepted, 0);
  EXPECT_EQ(c[1].providers, 1);
  EXPECT_EQ(c[1].accepted, 1);
}

std::string ParamName(const ::testing::TestParamInfo<Backend>& info) {
  return caduceus::testing::BackendName(info.param);
}

INSTANTIATE_TEST_SUITE_P(Backends,
                         AssessmentServiceTest,
                         ::testing::ValuesIn(caduceus::testing::AllBackends()),
                         ParamName);

}  // namespace
}  // namespace caduceus::assessment
