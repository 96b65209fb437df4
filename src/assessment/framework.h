// Assessment frameworks as data: the model of a "caduceus-framework/1" document (domains ->
// controls -> questions, with weights, applicability, scales, maturity levels and mappings to
// NIS2 Article 21(2), the Action Plan's measures and the healthcare performance goals) and its
// validating parser. The format is described in docs/index-method.md.
//
// Everything here is plain values; ParseFramework is pure and thread-safe.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.h"

namespace caduceus::assessment {

inline constexpr std::string_view kFrameworkFormat = "caduceus-framework/1";
// Bounds ParseFramework enforces; exceeding one is an Invalid error like any other.
inline constexpr std::size_t kMaxFrameworkBytes = 4 * 1024 * 1024;
inline constexpr std::size_t kMaxFrameworkQuestions = 2000;
inline constexpr std::size_t kMaxFrameworkDomains = 100;
inline constexpr std::size_t kMaxFrameworkControls = 1000;
inline constexpr std::size_t kMaxMaturityLevels = 10;
inline constexpr std::size_t kMaxNumericBands = 20;
inline constexpr std::size_t kMaxVocabularyKeys = 200;
inline constexpr double kMaxWeight = 1000;

enum class QuestionType { kChoice, kNumeric, kDate, kEvidence };
std::string_view ToString(QuestionType type);

// A numeric question's scale. With `upper` bounds ("max" in the file) a value scores the first
// band whose bound is >= the value; with lower bounds ("min") the last band whose bound is <= the
// value. Either way the bands are listed with strictly ascending bounds; a value no band takes
// scores `otherwise`.
struct NumericBand {
  double bound = 0;
  double score = 0;  // 0..1
};
struct NumericScale {
  std::string unit;
  bool upper = true;  // true: "max" bands (lower is better); false: "min" bands
  std::vector<NumericBand> bands;
  double otherwise = 0;
};

// A date question scores 1 when the date is at most full_within_days old at the scoring date,
// 0.5 when at most half_within_days old (when given), else 0.
struct DateScale {
  int full_within_days = 0;
  std::optional<int> half_within_days;
};

// Restricts a question to some organisations; an empty list places no restriction.
struct Applicability {
  std::vector<std::string> provider_types;
  std::vector<std::string> size_bands;
  bool Matches(std::string_view provider_type, std::string_view size_band) const;
};

// Vocabulary -> keys of that vocabulary, as the document lists them.
using MappingRefs = std::vector<std::pair<std::string, std::vector<std::string>>>;

struct Question {
  std::string id;
  std::string text;
  std::string guidance;
  QuestionType type = QuestionType::kChoice;
  double weight = 1;
  std::optional<Applicability> applies_to;
  std::optional<NumericScale> numeric;  // kNumeric only
  std::optional<DateScale> date;        // kDate only
  std::optional<std::string> fact;      // a fact source key, e.g. "identity.mfa"
};

struct Control {
  std::string id;
  std::string title;
  std::string description;
  double weight = 1;
  MappingRefs mappings;
  std::vector<Question> questions;
};

struct Domain {
  std::string id;
  std::string title;
  std::string description;
  double weight = 1;
  MappingRefs mappings;
  std::vector<Control> controls;
};

struct MaturityLevel {
  int level = 0;
  std::string name;
  double min_score = 0;
};

struct Vocabulary {
  std::string name;                                        // "nis2"
  std::vector<std::pair<std::string, std::string>> terms;  // key -> label, as listed
};

struct Framework {
  std::string id;
  std::string version;
  std::string title;
  std::string description;
  std::string published;  // YYYY-MM-DD
  std::vector<Vocabulary> mappings;
  std::vector<MaturityLevel> maturity_levels;  // ascending; the first has min_score 0
  std::vector<Domain> domains;

  std::size_t QuestionCount() const;
  // nullptr when the framework has no such question / domain.
  const Question* FindQuestion(std::string_view question_id) const;
  const Domain* FindDomain(std::string_view domain_id) const;
  // The highest level whose min_score <= score (within 1e-9, for floating-point rounding).
  const MaturityLevel& MaturityOf(double score) const;
  // The keys of `vocabulary` a domain maps to: its own and its controls', sorted, unique.
  std::vector<std::string> DomainMappings(const Domain& domain, std::string_view vocabulary) const;
};

// Parses and validates a framework document. Checks: size (kMaxFrameworkBytes), strict JSON
// (UTF-8, no duplicate keys, depth), the format tag, required members and their types, unknown
// members (rejected, so typos surface), identifier patterns (framework id [a-z0-9-]{3,64},
// version [0-9A-Za-z.-]{1,32}, domain/control/question ids [a-z0-9._-]{1,96}, vocabulary keys
// [A-Za-z0-9_.-]{1,64}), unique ids (domains, controls and questions across the whole framework;
// domain ids other than the fixed columns of the index export, e.g. "overall"),
// string lengths and characters, weights (0 < w <= kMaxWeight), counts, maturity levels (strictly
// ascending levels and min_score, the first min_score 0, all <= 100), numeric bands (one kind,
// strictly ascending bounds, scores in [0,1]), date scales, applies_to values
// (identity::IsProviderType / IsSizeBand, non-empty lists without duplicates) and that every
// mapping names a vocabulary and key defined in "mappings".
// Failure: Error::Invalid whose `field` is the JSON pointer (RFC 6901) of the offending element
// ("/domains/2/controls/0/questions/5/weight", "/" for the document) and whose message names it.
Result<Framework> ParseFramework(std::string_view text);

// Orders versions component by component (split at '.' and '-'): numeric components compare as
// numbers and before non-numeric ones, others compare as text; "1.10.0" > "1.9.2". Returns <0, 0
// or >0.
int CompareFrameworkVersions(std::string_view a, std::string_view b);

// A calendar date "YYYY-MM-DD" (proleptic Gregorian, years 0000-9999), or nullopt.
std::optional<std::chrono::sys_days> ParseIsoDate(std::string_view text);

}  // namespace caduceus::assessment
