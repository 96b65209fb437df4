#include "assessment/scoring.h"

#include <cmath>

#include <fmt/format.h>

namespace caduceus::assessment {
namespace {

constexpr double kMaxNumericAnswer = 1e12;

const std::string* Text(const AnswerValue& value) { return std::get_if<std::string>(&value); }

double NumericScore(const NumericScale& scale, double value) {
  if (scale.upper) {
    for (const auto& band : scale.bands) {
      if (value <= band.bound) return band.score;
    }
    return scale.otherwise;
  }
  for (auto it = scale.bands.rbegin(); it != scale.bands.rend(); ++it) {
    if (value >= it->bound) return it->score;
  }
  return scale.otherwise;
}

double DateScore(const DateScale& scale, std::chrono::sys_days date, TimePoint at) {
  const auto today = std::chrono::floor<std::chrono::days>(at);
  const auto age = (today - date).count();
  if (age <= scale.full_within_days) return 1;
  if (scale.half_within_days && age <= *scale.half_within_days) return 0.5;
  return 0;
}

bool Applies(const Question& q, const Profile& profile) {
  return !q.applies_to || q.applies_to->Matches(profile.provider_type, profile.size_band);
}

}  // namespace

bool IsNotApplicable(const AnswerValue& value) {
  const std::string* text = Text(value);
  return text != nullptr && *text == kNotApplicable;
}

Status CheckAnswer(const Question& question, const AnswerValue& value, TimePoint today) {
  if (IsNotApplicable(value)) return {};
  const std::string* text = Text(value);
  const auto invalid = [&](std::string_view expected) -> Status {
    return Error::Invalid(
        fmt::format("the answer to {} must be {} or \"not_applicable\"", question.id, expected),
        question.id);
  };
  switch (question.type) {
    case QuestionType::kChoice:
      if (text == nullptr || (*text != "yes" && *text != "partly" && *text != "no")) {
        return invalid("\"yes\", \"partly\", \"no\"");
      }
      return {};
    case QuestionType::kNumeric: {
      const double* number = std::get_if<double>(&value);
      if (number == nullptr || !std::isfinite(*number) || std::fabs(*number) > kMaxNumericAnswer) {
        return invalid("a number");
      }
      return {};
    }
    case QuestionType::kDate: {
      const auto date = text ? ParseIsoDate(*text) : std::nullopt;
      if (!date) return invalid("a date YYYY-MM-DD");
      const auto latest = std::chrono::floor<std::chrono::days>(today) + std::chrono::days(1);
      if (*date > latest) {
        return Error::Invalid(fmt::format("the answer to {} is a date in the future", question.id),
                              question.id);
      }
      return {};
    }
    case QuestionType::kEvidence:
      return Error::Invalid(
          fmt::format("{} is answered by attaching evidence; its value may only be "
                      "\"not_applicable\"",
                      question.id),
          question.id);
  }
  return invalid("a valid answer");
}

std::optional<double> QuestionScore(const Question& question,
                                    const AnswerValue* answer,
                                    int evidence_files,
                                    TimePoint at) {
  if (answer != nullptr && IsNotApplicable(*answer)) return std::nullopt;
  if (question.type == QuestionType::kEvidence) return evidence_files > 0 ? 1.0 : 0.0;
  if (answer == nullptr) return 0.0;
  const std::string* text = Text(*answer);
  switch (question.type) {
    case QuestionType::kChoice:
      if (text == nullptr) return 0.0;
      if (*text == "yes") return 1.0;
      if (*text == "partly") return 0.5;
      return 0.0;
    case QuestionType::kNumeric: {
      const double* number = std::get_if<double>(answer);
      if (number == nullptr || !question.numeric) return 0.0;
      return NumericScore(*question.numeric, *number);
    }
    case QuestionType::kDate: {
      const auto date = text ? ParseIsoDate(*text) : std::nullopt;
      if (!date || !question.date) return 0.0;
      return DateScore(*question.date, *date, at);
    }
    case QuestionType::kEvidence:
      break;
  }
  return 0.0;
}

int Scores::Answered() const {
  int n = 0;
  for (const auto& d : domains) n += d.answered;
  return n;
}

int Scores::Applicable() const {
  int n = 0;
  for (const auto& d : domains) n += d.applicable;
  return n;
}

double Scores::Completion() const {
  const int applicable = Applicable();
  return applicable == 0 ? 1.0 : static_cast<double>(Answered()) / applicable;
}

Scores Score(const ScoringInput& input) {
  const Framework& fw = *input.framework;
  Scores out;
  double overall_sum = 0;
  double overall_weight = 0;
  for (const auto& domain : fw.domains) {
    DomainScore ds;
    ds.id = domain.id;
    ds.title = domain.title;
    double domain_sum = 0;
    double domain_weight = 0;
    for (const auto& control : domain.controls) {
      double sum = 0;
      double weight = 0;
      for (const auto& q : control.questions) {
        if (!Applies(q, input.profile)) continue;
        ++ds.applicable;
        const AnswerValue* answer = nullptr;
        if (input.answers) {
          if (auto it = input.answers->find(q.id); it != input.answers->end()) {
            answer = &it->second;
          }
        }
        int files = 0;
        if (input.evidence) {
          if (auto it = input.evidence->find(q.id); it != input.evidence->end()) files = it->second;
        }
        const bool not_applicable = answer != nullptr && IsNotApplicable(*answer);
        const bool answered =
            q.type == QuestionType::kEvidence ? (files > 0 || not_applicable) : answer != nullptr;
        if (answered) ++ds.answered;
        if (const auto score = QuestionScore(q, answer, files, input.at)) {
          sum += q.weight * *score;
          weight += q.weight;
        }
      }
      if (weight > 0) {
        domain_sum += control.weight * (sum / weight);
        domain_weight += control.weight;
      }
    }
    if (domain_weight > 0) {
      ds.score = 100 * domain_sum / domain_weight;
      ds.maturity = fw.MaturityOf(*ds.score);
      overall_sum += domain.weight * *ds.score;
      overall_weight += domain.weight;
    }
    out.domains.push_back(std::move(ds));
  }
  if (overall_weight > 0) {
    out.overall = overall_sum / overall_weight;
    out.maturity = fw.MaturityOf(*out.overall);
  }
  return out;
}

double RoundScore(double score) { return std::round(score * 10) / 10; }

}  // namespace caduceus::assessment
