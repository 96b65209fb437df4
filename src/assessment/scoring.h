// Scoring of one assessment against its framework. The method (docs/index-method.md):
//   question q in [0,1]: choice yes 1 / partly 0.5 / no 0; numeric by the question's bands; date
//     by its age at the scoring date; evidence 1 when a file is attached, else 0. Unanswered = 0.
//     "not_applicable" and questions whose applies_to excludes the organisation are left out.
//   control = sum(w*q) / sum(w) over the questions left in; a control with none is left out.
//   domain  = 100 * weighted mean of its controls (control weights); null when none is left.
//   overall = weighted mean of the non-null domains (domain weights); null when none.
//   maturity = the highest level whose min_score <= score.
// Pure functions over plain values; thread-safe.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "assessment/framework.h"
#include "core/clock.h"
#include "core/error.h"

namespace caduceus::assessment {

inline constexpr std::string_view kNotApplicable = "not_applicable";

// An answer's value: text (choice values, "YYYY-MM-DD" dates, "not_applicable") or a number.
using AnswerValue = std::variant<std::string, double>;

// Checks that `value` is a valid answer to `question` (field = the question id on failure):
// choice: yes | partly | no; numeric: a finite number; date: a YYYY-MM-DD date not after
// `today` + 1 day; evidence: only "not_applicable" (the score comes from attached files); every
// type also takes "not_applicable".
Status CheckAnswer(const Question& question, const AnswerValue& value, TimePoint today);

bool IsNotApplicable(const AnswerValue& value);

// The organisation facts that decide applicability.
struct Profile {
  std::string provider_type;
  std::string size_band;
};

struct ScoringInput {
  const Framework* framework = nullptr;
  Profile profile;
  const std::map<std::string, AnswerValue, std::less<>>* answers = nullptr;  // by question id
  const std::map<std::string, int, std::less<>>* evidence = nullptr;  // files per question id
  TimePoint at;                                                       // the scoring date
};

struct DomainScore {
  std::string id;
  std::string title;
  std::optional<double> score;  // 0..100, unrounded
  std::optional<MaturityLevel> maturity;
  int answered = 0;    // applicable questions with an answer (not_applicable included) or a file
  int applicable = 0;  // questions whose applies_to includes the organisation
};

struct Scores {
  std::optional<double> overall;
  std::optional<MaturityLevel> maturity;
  std::vector<DomainScore> domains;  // in framework order

  int Answered() const;
  int Applicable() const;
  // answered / applicable; 1 when nothing applies.
  double Completion() const;
};

// The score of one question given its answer and attached file count, or nullopt when the
// question is left out (not applicable).
std::optional<double> QuestionScore(const Question& question,
                                    const AnswerValue* answer,
                                    int evidence_files,
                                    TimePoint at);

Scores Score(const ScoringInput& input);

// One decimal, as scores are shown.
double RoundScore(double score);

}  // namespace caduceus::assessment
