// The scoring method against hand-computed expectations (the arithmetic is in each case's
// comment), question by question and for whole assessments of the shared test framework.
#include "assessment/scoring.h"

#include <cmath>
#include <optional>

#include <gtest/gtest.h>

#include "framework_fixture.h"

namespace caduceus::assessment {
namespace {

using Answers = std::map<std::string, AnswerValue, std::less<>>;
using Evidence = std::map<std::string, int, std::less<>>;

// 2026-06-01T12:00:00Z, the scoring date of every case.
const TimePoint kAt =
    std::chrono::sys_days(std::chrono::year(2026) / 6 / 1) + std::chrono::hours(12);

const Framework& Fw() {
  static const Framework fw = [] {
    auto parsed = ParseFramework(testdata::kFramework);
    if (!parsed) throw std::runtime_error(parsed.error().message);
    return *parsed;
  }();
  return fw;
}

// A date `days` before kAt's day.
std::string DaysAgo(int days) {
  const std::chrono::year_month_day ymd{std::chrono::floor<std::chrono::days>(kAt) -
                                        std::chrono::days(days)};
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return buf;
}

std::optional<double> ScoreOf(std::string_view qid,
                              std::optional<AnswerValue> answer,
                              int files = 0) {
  const Question* q = Fw().FindQuestion(qid);
  if (q == nullptr) throw std::invalid_argument(std::string(qid));
  return QuestionScore(*q, answer ? &*answer : nullptr, files, kAt);
}

TEST(QuestionScoreTest, ChoiceValues) {
  EXPECT_EQ(ScoreOf("backup.offline.copy", AnswerValue("yes")), 1.0);
  EXPECT_EQ(ScoreOf("backup.offline.copy", AnswerValue("partly")), 0.5);
  EXPECT_EQ(ScoreOf("backup.offline.copy", AnswerValue("no")), 0.0);
  EXPECT_EQ(ScoreOf("backup.offline.copy", std::nullopt), 0.0);
  EXPECT_EQ(ScoreOf("backup.offline.copy", AnswerValue("not_applicable")), std::nullopt);
}

TEST(QuestionScoreTest, MaxBandsTakeTheFirstBoundNotBelowTheValue) {
  EXPECT_EQ(ScoreOf("backup.offline.age", AnswerValue(-1.0)), 1.0);
  EXPECT_EQ(ScoreOf("backup.offline.age", AnswerValue(7.0)), 1.0);
  EXPECT_EQ(ScoreOf("backup.offline.age", AnswerValue(7.5)), 0.5);
  EXPECT_EQ(ScoreOf("backup.offline.age", AnswerValue(30.0)), 0.5);
  EXPECT_EQ(ScoreOf("backup.offline.age", AnswerValue(30.01)), 0.0);
  EXPECT_EQ(ScoreOf("backup.offline.age", std::nullopt), 0.0);
}

TEST(QuestionScoreTest, MinBandsTakeTheLastBoundNotAboveTheValue) {
  auto fw = ParseFramework(testdata::Mutated([](boost::json::object& doc) {
    auto& numeric = testdata::Question(doc, 0, 0, 1)["numeric"].as_object();
    numeric["bands"] = boost::json::array{boost::json::object{{"min", 50}, {"score", 0.5}},
                                          boost::json::object{{"min", 95}, {"score", 1}}};
    numeric["otherwise"] = 0.1;
  }));
  ASSERT_TRUE(fw) << fw.error().message;
  const Question& q = *fw->FindQuestion("backup.offline.age");
  const auto score = [&](double v) {
    const AnswerValue a(v);
    return QuestionScore(q, &a, 0, kAt);
  };
  EXPECT_EQ(score(100), 1.0);
  EXPECT_EQ(score(95), 1.0);
  EXPECT_EQ(score(94.9), 0.5);
  EXPECT_EQ(score(50), 0.5);
  EXPECT_EQ(score(49), 0.1);
}

TEST(QuestionScoreTest, DatesScoreByAgeAtTheScoringDate) {
  EXPECT_EQ(ScoreOf("backup.offline.test", AnswerValue(DaysAgo(0))), 1.0);
  EXPECT_EQ(ScoreOf("backup.offline.test", AnswerValue(DaysAgo(-1))), 1.0);
  EXPECT_EQ(ScoreOf("backup.offline.test", AnswerValue(DaysAgo(365))), 1.0);
  EXPECT_EQ(ScoreOf("backup.offline.test", AnswerValue(DaysAgo(366))), 0.5);
  EXPECT_EQ(ScoreOf("backup.offline.test", AnswerValue(DaysAgo(730))), 0.5);
  EXPECT_EQ(ScoreOf("backup.offline.test", AnswerValue(DaysAgo(731))), 0.0);
  // 2024-12-01 to 2026-06-01 is 365 + 182 days.
  EXPECT_EQ(DaysAgo(547), "2024-12-01");
}

TEST(QuestionScoreTest, EvidenceScoresByAttachedFiles) {
  EXPECT_EQ(ScoreOf("backup.offline.evidence", std::nullopt, 0), 0.0);
  EXPECT_EQ(ScoreOf("backup.offline.evidence", std::nullopt, 1), 1.0);
  EXPECT_EQ(ScoreOf("backup.offline.evidence", std::nullopt, 3), 1.0);
  EXPECT_EQ(ScoreOf("backup.offline.evidence", AnswerValue("not_applicable"), 2), std::nullopt);
}

struct Case {
  std::string name;
  Profile profile;
  Answers answers;
  Evidence evidence;
  std::optional<double> overall;
  std::optional<double> backup;
  std::optional<double> access;
  std::optional<int> maturity;  // overall
  int answered;
  int applicable;
};

const Profile kLargeHospital{"hospital", "large"};
const Profile kSmallPharmacy{"pharmacy", "small"};

// Answers shared by the mixed cases: copy partly 0.5, age 10 days 0.5, restore test 547 days
// ago 0.5, no evidence 0, plan no 0, MFA partly 0.5.
Answers Mixed() {
  return {{"backup.offline.copy", "partly"},
          {"backup.offline.age", 10.0},
          {"backup.offline.test", "2024-12-01"},
          {"backup.plan.documented", "no"},
          {"access.mfa.remote", "partly"}};
}

std::string CaseName(const ::testing::TestParamInfo<Case>& param) { return param.param.name; }

class ScoreTest : public ::testing::TestWithParam<Case> {};

void ExpectNear(std::optional<double> actual, std::optional<double> expected, const char* what) {
  ASSERT_EQ(actual.has_value(), expected.has_value()) << what;
  if (expected) {
    EXPECT_NEAR(*actual, *expected, 1e-9) << what;
  }
}

TEST_P(ScoreTest, MatchesTheHandComputedScores) {
  const Case& c = GetParam();
  const Scores s = Score({&Fw(), c.profile, &c.answers, &c.evidence, kAt});
  ASSERT_EQ(s.domains.size(), 2u);
  EXPECT_EQ(s.domains[0].id, "backup");
  EXPECT_EQ(s.domains[1].title, "Access control");
  ExpectNear(s.overall, c.overall, "overall");
  ExpectNear(s.domains[0].score, c.backup, "backup");
  ExpectNear(s.domains[1].score, c.access, "access");
  ASSERT_EQ(s.maturity.has_value(), c.maturity.has_value());
  if (c.maturity) {
    EXPECT_EQ(s.maturity->level, *c.maturity);
  }
  EXPECT_EQ(s.Answered(), c.answered);
  EXPECT_EQ(s.Applicable(), c.applicable);
  for (const auto& d : s.domains) {
    ASSERT_EQ(d.maturity.has_value(), d.score.has_value());
    if (d.score) {
      EXPECT_EQ(d.maturity->level, Fw().MaturityOf(*d.score).level);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    Assessments,
    ScoreTest,
    ::testing::Values(
        // Nothing answered: every applicable question scores 0.
        Case{"Unanswered", kLargeHospital, {}, {}, 0.0, 0.0, 0.0, 1, 0, 6},
        // Everything at its best: 100 everywhere.
        Case{"AllBest",
             kLargeHospital,
             {{"backup.offline.copy", "yes"},
              {"backup.offline.age", 3.0},
              {"backup.offline.test", "2026-01-01"},
              {"backup.plan.documented", "yes"},
              {"access.mfa.remote", "yes"}},
             {{"backup.offline.evidence", 1}},
             100.0,
             100.0,
             100.0,
             3,
             6,
             6},
        // offline = (0.5 + 0.5 + 0.5 + 0) / 4 = 0.375; plan = 0;
        // backup = 100 * (2 * 0.375 + 1 * 0) / 3 = 25; access = 50;
        // overall = (2 * 25 + 1 * 50) / 3 = 33.33 (level 1); the evidence question is unanswered.
        Case{"MixedLargeHospital", kLargeHospital, Mixed(), {}, 100.0 / 3, 25.0, 50.0, 1, 5, 6},
        // The evidence question does not apply to a small pharmacy:
        // offline = 1.5 / 3 = 0.5; backup = 100 * (2 * 0.5) / 3 = 33.33;
        // overall = (2 * 33.33 + 50) / 3 = 38.89 (level 1).
        Case{
            "MixedSmallPharmacy", kSmallPharmacy, Mixed(), {}, 350.0 / 9, 100.0 / 3, 50.0, 1, 5, 5},
        // An attached file makes the evidence question score 1: offline = (0.5 + 0.5 + 0.5 + 1) / 4
        // = 0.625; backup = 100 * 2 * 0.625 / 3 = 41.67; overall = (2 * 41.67 + 50) / 3 = 44.44
        // (level 2).
        Case{"MixedWithEvidence",
             kLargeHospital,
             Mixed(),
             {{"backup.offline.evidence", 2}},
             400.0 / 9,
             125.0 / 3,
             50.0,
             2,
             6,
             6},
        // not_applicable leaves questions out: control offline has nothing left and is excluded,
        // so backup = plan = 100; access has nothing left and has no score; overall = backup.
        Case{"NotApplicableExcludes",
             kLargeHospital,
             {{"backup.offline.copy", "not_applicable"},
              {"backup.offline.age", "not_applicable"},
              {"backup.offline.test", "not_applicable"},
              {"backup.offline.evidence", "not_applicable"},
              {"backup.plan.documented", "yes"},
              {"access.mfa.remote", "not_applicable"}},
             {},
             100.0,
             100.0,
             std::nullopt,
             3,
             6,
             6},
        // Nothing left anywhere: no scores at all.
        Case{"AllNotApplicable",
             kSmallPharmacy,
             {{"backup.offline.copy", "not_applicable"},
              {"backup.offline.age", "not_applicable"},
              {"backup.offline.test", "not_applicable"},
              {"backup.plan.documented", "not_applicable"},
              {"access.mfa.remote", "not_applicable"}},
             {},
             std::nullopt,
             std::nullopt,
             std::nullopt,
             std::nullopt,
             5,
             5}),
    CaseName);

TEST(ScoreTest, QuestionWeightsWeighTheControl) {
  auto fw = ParseFramework(testdata::Mutated(
      [](boost::json::object& doc) { testdata::Question(doc, 0, 0, 0)["weight"] = 3; }));
  ASSERT_TRUE(fw) << fw.error().message;
  const Answers answers{{"backup.offline.copy", "yes"}, {"backup.offline.age", 40.0}};
  const Evidence evidence{{"backup.offline.evidence", 1}};
  const Scores s = Score({&*fw, kLargeHospital, &answers, &evidence, kAt});
  // offline = (3 * 1 + 1 * 0 + 1 * 0 + 1 * 1) / 6 = 2/3; backup = 100 * 2 * (2/3) / 3 = 44.44;
  // access = 0; overall = (2 * 44.44 + 0) / 3 = 29.63.
  ASSERT_TRUE(s.domains[0].score);
  EXPECT_NEAR(*s.domains[0].score, 400.0 / 9, 1e-9);
  ASSERT_TRUE(s.overall);
  EXPECT_NEAR(*s.overall, 800.0 / 27, 1e-9);
  EXPECT_EQ(s.maturity->level, 1);
  EXPECT_EQ(s.domains[0].maturity->level, 2);
}

TEST(ScoreTest, CompletionIsAnsweredOverApplicable) {
  const Answers answers = Mixed();
  const Evidence none;
  const Scores s = Score({&Fw(), kLargeHospital, &answers, &none, kAt});
  EXPECT_NEAR(s.Completion(), 5.0 / 6, 1e-12);
  EXPECT_EQ(s.domains[0].answered, 4);
  EXPECT_EQ(s.domains[0].applicable, 5);
  EXPECT_EQ(s.domains[1].answered, 1);
  const Scores empty;
  EXPECT_EQ(empty.Completion(), 1.0);
}

TEST(CheckAnswerTest, AcceptsValuesOfTheQuestionsType) {
  const auto check = [](std::string_view qid, AnswerValue v) {
    return CheckAnswer(*Fw().FindQuestion(qid), v, kAt);
  };
  EXPECT_TRUE(check("backup.offline.copy", "partly"));
  EXPECT_TRUE(check("backup.offline.age", 12.5));
  EXPECT_TRUE(check("backup.offline.test", "2025-02-28"));
  EXPECT_TRUE(check("backup.offline.test", DaysAgo(-1)));
  for (const char* qid : {"backup.offline.copy", "backup.offline.age", "backup.offline.test",
                          "backup.offline.evidence"}) {
    EXPECT_TRUE(check(qid, "not_applicable")) << qid;
  }
}

TEST(CheckAnswerTest, RejectsValuesOfAnotherTypeNamingTheQuestion) {
  const auto rejected = [](std::string_view qid, AnswerValue v) {
    const auto st = CheckAnswer(*Fw().FindQuestion(qid), v, kAt);
    return !st && st.error().code == Errc::kInvalidArgument && st.error().field == qid;
  };
  EXPECT_TRUE(rejected("backup.offline.copy", "maybe"));
  EXPECT_TRUE(rejected("backup.offline.copy", "Yes"));
  EXPECT_TRUE(rejected("backup.offline.copy", 1.0));
  EXPECT_TRUE(rejected("backup.offline.age", "5"));
  EXPECT_TRUE(rejected("backup.offline.age", std::nan("")));
  EXPECT_TRUE(rejected("backup.offline.age", 1e13));
  EXPECT_TRUE(rejected("backup.offline.test", "2026-13-01"));
  EXPECT_TRUE(rejected("backup.offline.test", "01/06/2026"));
  EXPECT_TRUE(rejected("backup.offline.test", 20260601.0));
  EXPECT_TRUE(rejected("backup.offline.test", DaysAgo(-2)));
  EXPECT_TRUE(rejected("backup.offline.evidence", "yes"));
}

TEST(RoundScoreTest, RoundsToOneDecimal) {
  EXPECT_DOUBLE_EQ(RoundScore(100.0 / 3), 33.3);
  EXPECT_DOUBLE_EQ(RoundScore(350.0 / 9), 38.9);
  EXPECT_DOUBLE_EQ(RoundScore(100), 100);
}

}  // namespace
}  // namespace caduceus::assessment
