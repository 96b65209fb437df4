// Framework parsing. A validation failure unwinds to ParseFramework through the private Failure
// type, which never leaves this file; ParseFramework returns it as an Error value.
#include "assessment/framework.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <set>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "core/json.h"
#include "core/text.h"
#include "identity/model.h"

namespace caduceus::assessment {
namespace {

namespace json = boost::json;

constexpr std::size_t kMaxDepth = 16;
constexpr std::size_t kMaxTitle = 200;
constexpr std::size_t kMaxQuestionText = 2000;
constexpr std::size_t kMaxLongText = 8000;
constexpr std::size_t kMaxVocabularies = 20;
constexpr int kMaxDays = 36500;

struct Failure {
  Error error;
};

[[noreturn]] void Fail(std::string_view message, const std::string& ptr) {
  const std::string where = ptr.empty() ? std::string("/") : ptr;
  throw Failure{Error::Invalid(fmt::format("{} (at {})", message, where), where)};
}

json::value ParseStrict(std::string_view text) {
  if (text.size() > kMaxFrameworkBytes) {
    Fail(fmt::format("the document is larger than {} bytes", kMaxFrameworkBytes), "/");
  }
  auto parsed = ParseStrictJson(text, kMaxDepth);
  if (!parsed) Fail(parsed.error().message, parsed.error().pointer);
  return std::move(*parsed);
}

bool Matches(std::string_view text,
             std::size_t min,
             std::size_t max,
             std::string_view extra_chars,
             bool upper_case) {
  if (text.size() < min || text.size() > max) return false;
  return std::all_of(text.begin(), text.end(), [&](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           (upper_case && c >= 'A' && c <= 'Z') || extra_chars.find(c) != std::string_view::npos;
  });
}

bool OneOf(std::string_view value, std::initializer_list<std::string_view> list) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

bool IsFrameworkId(std::string_view s) { return Matches(s, 3, 64, "-", false); }
bool IsVersion(std::string_view s) { return Matches(s, 1, 32, ".-", true); }
bool IsItemId(std::string_view s) { return Matches(s, 1, 96, "._-", false); }
bool IsVocabularyName(std::string_view s) { return Matches(s, 1, 32, "_", false); }
bool IsTermKey(std::string_view s) { return Matches(s, 1, 64, "_.-", true); }
bool IsFactKey(std::string_view s) { return Matches(s, 1, 64, "._-", false); }

const json::object& AsObject(const json::value& value, const std::string& ptr) {
  if (!value.is_object()) Fail("must be an object", ptr);
  return value.get_object();
}

const json::array& AsArray(const json::value& value, const std::string& ptr, std::size_t max) {
  if (!value.is_array()) Fail("must be an array", ptr);
  const json::array& array = value.get_array();
  if (array.empty()) Fail("must not be empty", ptr);
  if (array.size() > max) Fail(fmt::format("must have at most {} items", max), ptr);
  return array;
}

// Rejects members other than `allowed`, so a misspelt optional member is not silently ignored.
void OnlyMembers(const json::object& object,
                 const std::string& ptr,
                 std::initializer_list<std::string_view> allowed) {
  for (const auto& member : object) {
    if (std::find(allowed.begin(), allowed.end(), member.key()) == allowed.end()) {
      Fail("unknown member", JsonPointerChild(ptr, member.key()));
    }
  }
}

const json::value& Required(const json::object& object,
                            std::string_view key,
                            const std::string& ptr) {
  const json::value* value = object.if_contains(key);
  if (value == nullptr) Fail(fmt::format("missing required member '{}'", key), ptr);
  return *value;
}

enum class TextKind { kLine, kMultiLine };

std::string AsText(const json::value& value,
                   const std::string& ptr,
                   std::size_t min,
                   std::size_t max,
                   TextKind kind) {
  if (!value.is_string()) Fail("must be a string", ptr);
  const std::string_view s = value.get_string();
  if (s.size() < min || s.size() > max) {
    Fail(fmt::format("must have {} to {} bytes", min, max), ptr);
  }
  if (!NoControlChars(s) ||
      (kind == TextKind::kLine && s.find_first_of("\t\r\n") != std::string_view::npos)) {
    Fail(kind == TextKind::kLine ? "must be one line without control characters"
                                 : "must not contain control characters",
         ptr);
  }
  return std::string(s);
}

std::string RequiredText(const json::object& object,
                         std::string_view key,
                         const std::string& ptr,
                         std::size_t max,
                         TextKind kind) {
  return AsText(Required(object, key, ptr), JsonPointerChild(ptr, key), 1, max, kind);
}

std::string OptionalText(const json::object& object,
                         std::string_view key,
                         const std::string& ptr,
                         std::size_t max,
                         TextKind kind) {
  const json::value* value = object.if_contains(key);
  return value == nullptr ? std::string()
                          : AsText(*value, JsonPointerChild(ptr, key), 0, max, kind);
}

std::string RequiredId(const json::object& object,
                       std::string_view key,
                       const std::string& ptr,
                       bool (*valid)(std::string_view),
                       std::string_view pattern) {
  const std::string at = JsonPointerChild(ptr, key);
  const json::value& value = Required(object, key, ptr);
  if (!value.is_string() || !valid(value.get_string())) {
    Fail(fmt::format("must be a string matching {}", pattern), at);
  }
  return std::string(value.get_string());
}

double AsNumber(const json::value& value, const std::string& ptr) {
  double d = 0;
  if (value.is_int64()) {
    d = static_cast<double>(value.get_int64());
  } else if (value.is_uint64()) {
    d = static_cast<double>(value.get_uint64());
  } else if (value.is_double()) {
    d = value.get_double();
  } else {
    Fail("must be a number", ptr);
  }
  if (!std::isfinite(d)) Fail("must be a finite number", ptr);
  return d;
}

double NumberIn(const json::value& value, const std::string& ptr, double min, double max) {
  const double d = AsNumber(value, ptr);
  if (d < min || d > max) Fail(fmt::format("must be between {} and {}", min, max), ptr);
  return d;
}

int IntegerIn(const json::value& value, const std::string& ptr, int min, int max) {
  if (!value.is_int64() && !value.is_uint64()) Fail("must be an integer", ptr);
  if (value.is_uint64() || value.get_int64() < min || value.get_int64() > max) {
    Fail(fmt::format("must be an integer between {} and {}", min, max), ptr);
  }
  return static_cast<int>(value.get_int64());
}

double Weight(const json::object& object, const std::string& ptr) {
  const json::value* value = object.if_contains("weight");
  if (value == nullptr) return 1;
  const std::string at = JsonPointerChild(ptr, "weight");
  const double w = AsNumber(*value, at);
  if (!(w > 0) || w > kMaxWeight) {
    Fail(fmt::format("must be greater than 0 and at most {}", kMaxWeight), at);
  }
  return w;
}

class Parser {
 public:
  Framework Run(const json::value& root) {
    const json::object& doc = AsObject(root, "");
    OnlyMembers(doc, "",
                {"format", "id", "version", "title", "description", "published", "mappings",
                 "maturity_levels", "domains"});
    const json::value& format = Required(doc, "format", "");
    if (!format.is_string() || format.get_string() != kFrameworkFormat) {
      Fail(fmt::format("must be \"{}\"", kFrameworkFormat), "/format");
    }
    fw_.id = RequiredId(doc, "id", "", IsFrameworkId, "[a-z0-9-]{3,64}");
    fw_.version = RequiredId(doc, "version", "", IsVersion, "[0-9A-Za-z.-]{1,32}");
    fw_.title = RequiredText(doc, "title", "", kMaxTitle, TextKind::kLine);
    fw_.description = OptionalText(doc, "description", "", kMaxLongText, TextKind::kMultiLine);
    fw_.published = RequiredText(doc, "published", "", 10, TextKind::kLine);
    if (!ParseIsoDate(fw_.published)) Fail("must be a date YYYY-MM-DD", "/published");
    ParseVocabularies(Required(doc, "mappings", ""), "/mappings");
    ParseMaturity(Required(doc, "maturity_levels", ""), "/maturity_levels");
    const json::array& domains =
        AsArray(Required(doc, "domains", ""), "/domains", kMaxFrameworkDomains);
    for (std::size_t i = 0; i < domains.size(); ++i) {
      fw_.domains.push_back(ParseDomain(domains[i], JsonPointerChild("/domains", i)));
    }
    return std::move(fw_);
  }

 private:
  void ParseVocabularies(const json::value& value, const std::string& ptr) {
    const json::object& object = AsObject(value, ptr);
    if (object.size() > kMaxVocabularies) {
      Fail(fmt::format("must have at most {} vocabularies", kMaxVocabularies), ptr);
    }
    for (const auto& member : object) {
      const std::string at = JsonPointerChild(ptr, member.key());
      if (!IsVocabularyName(member.key())) Fail("vocabulary names must match [a-z0-9_]{1,32}", at);
      Vocabulary vocabulary;
      vocabulary.name = std::string(member.key());
      const json::object& terms = AsObject(member.value(), at);
      if (terms.empty()) Fail("must not be empty", at);
      if (terms.size() > kMaxVocabularyKeys) {
        Fail(fmt::format("must have at most {} terms", kMaxVocabularyKeys), at);
      }
      for (const auto& term : terms) {
        const std::string term_at = JsonPointerChild(at, term.key());
        if (!IsTermKey(term.key())) Fail("term keys must match [A-Za-z0-9_.-]{1,64}", term_at);
        vocabulary.terms.emplace_back(std::string(term.key()),
                                      AsText(term.value(), term_at, 1, kMaxTitle, TextKind::kLine));
      }
      fw_.mappings.push_back(std::move(vocabulary));
    }
  }

  void ParseMaturity(const json::value& value, const std::string& ptr) {
    const json::array& levels = AsArray(value, ptr, kMaxMaturityLevels);
    for (std::size_t i = 0; i < levels.size(); ++i) {
      const std::string at = JsonPointerChild(ptr, i);
      const json::object& object = AsObject(levels[i], at);
      OnlyMembers(object, at, {"level", "name", "min_score"});
      MaturityLevel level;
      level.level = IntegerIn(Required(object, "level", at), JsonPointerChild(at, "level"), 1, 100);
      level.name = RequiredText(object, "name", at, 64, TextKind::kLine);
      level.min_score =
          NumberIn(Required(object, "min_score", at), JsonPointerChild(at, "min_score"), 0, 100);
      if (i == 0 && level.min_score != 0) Fail("the first level must have min_score 0", at);
      if (i > 0) {
        const MaturityLevel& previous = fw_.maturity_levels.back();
        if (level.level <= previous.level) {
          Fail("levels must be strictly ascending", JsonPointerChild(at, "level"));
        }
        if (level.min_score <= previous.min_score) {
          Fail("min_score must be strictly ascending", JsonPointerChild(at, "min_score"));
        }
      }
      fw_.maturity_levels.push_back(std::move(level));
    }
  }

  MappingRefs ParseRefs(const json::object& owner, const std::string& ptr) {
    MappingRefs refs;
    const json::value* value = owner.if_contains("mappings");
    if (value == nullptr) return refs;
    const std::string at = JsonPointerChild(ptr, "mappings");
    const json::object& object = AsObject(*value, at);
    for (const auto& member : object) {
      const std::string vocab_at = JsonPointerChild(at, member.key());
      const auto vocabulary =
          std::find_if(fw_.mappings.begin(), fw_.mappings.end(),
                       [&](const Vocabulary& v) { return v.name == member.key(); });
      if (vocabulary == fw_.mappings.end()) {
        Fail("names a vocabulary that \"mappings\" does not define", vocab_at);
      }
      const json::array& keys = AsArray(member.value(), vocab_at, kMaxVocabularyKeys);
      std::vector<std::string> out;
      for (std::size_t i = 0; i < keys.size(); ++i) {
        const std::string key_at = JsonPointerChild(vocab_at, i);
        if (!keys[i].is_string()) Fail("must be a string", key_at);
        const std::string_view key = keys[i].get_string();
        const bool defined = std::any_of(vocabulary->terms.begin(), vocabulary->terms.end(),
                                         [&](const auto& term) { return term.first == key; });
        if (!defined)
          Fail(fmt::format("names no term of vocabulary '{}'", vocabulary->name), key_at);
        if (std::find(out.begin(), out.end(), key) != out.end()) Fail("listed twice", key_at);
        out.emplace_back(key);
      }
      refs.emplace_back(vocabulary->name, std::move(out));
    }
    return refs;
  }

  Domain ParseDomain(const json::value& value, const std::string& ptr) {
    const json::object& object = AsObject(value, ptr);
    OnlyMembers(object, ptr, {"id", "title", "description", "weight", "mappings", "controls"});
    Domain domain;
    domain.id = RequiredId(object, "id", ptr, IsItemId, "[a-z0-9._-]{1,96}");
    if (!domain_ids_.insert(domain.id).second)
      Fail("duplicate domain id", JsonPointerChild(ptr, "id"));
    if (OneOf(domain.id, {"organisation_id", "country", "provider_type", "size_band", "cycle",
                          "status", "overall"})) {
      Fail("is reserved for a column of the index export", JsonPointerChild(ptr, "id"));
    }
    domain.title = RequiredText(object, "title", ptr, kMaxTitle, TextKind::kLine);
    domain.description =
        OptionalText(object, "description", ptr, kMaxLongText, TextKind::kMultiLine);
    domain.weight = Weight(object, ptr);
    domain.mappings = ParseRefs(object, ptr);
    const std::string at = JsonPointerChild(ptr, "controls");
    const json::array& controls =
        AsArray(Required(object, "controls", ptr), at, kMaxFrameworkControls);
    for (std::size_t i = 0; i < controls.size(); ++i) {
      domain.controls.push_back(ParseControl(controls[i], JsonPointerChild(at, i)));
    }
    return domain;
  }

  Control ParseControl(const json::value& value, const std::string& ptr) {
    if (++control_count_ > kMaxFrameworkControls) {
      Fail(fmt::format("the framework has more than {} controls", kMaxFrameworkControls), ptr);
    }
    const json::object& object = AsObject(value, ptr);
    OnlyMembers(object, ptr, {"id", "title", "description", "weight", "mappings", "questions"});
    Control control;
    control.id = RequiredId(object, "id", ptr, IsItemId, "[a-z0-9._-]{1,96}");
    if (!control_ids_.insert(control.id).second)
      Fail("duplicate control id", JsonPointerChild(ptr, "id"));
    control.title = RequiredText(object, "title", ptr, kMaxTitle, TextKind::kLine);
    control.description =
        OptionalText(object, "description", ptr, kMaxLongText, TextKind::kMultiLine);
    control.weight = Weight(object, ptr);
    control.mappings = ParseRefs(object, ptr);
    const std::string at = JsonPointerChild(ptr, "questions");
    const json::array& questions =
        AsArray(Required(object, "questions", ptr), at, kMaxFrameworkQuestions);
    for (std::size_t i = 0; i < questions.size(); ++i) {
      control.questions.push_back(ParseQuestion(questions[i], JsonPointerChild(at, i)));
    }
    return control;
  }

  Question ParseQuestion(const json::value& value, const std::string& ptr) {
    if (++question_count_ > kMaxFrameworkQuestions) {
      Fail(fmt::format("the framework has more than {} questions", kMaxFrameworkQuestions), ptr);
    }
    const json::object& object = AsObject(value, ptr);
    OnlyMembers(
        object, ptr,
        {"id", "text", "guidance", "type", "weight", "applies_to", "numeric", "date", "fact"});
    Question q;
    q.id = RequiredId(object, "id", ptr, IsItemId, "[a-z0-9._-]{1,96}");
    if (!question_ids_.insert(q.id).second)
      Fail("duplicate question id", JsonPointerChild(ptr, "id"));
    q.text = RequiredText(object, "text", ptr, kMaxQuestionText, TextKind::kMultiLine);
    q.guidance = OptionalText(object, "guidance", ptr, kMaxLongText, TextKind::kMultiLine);
    const std::string type_at = JsonPointerChild(ptr, "type");
    const json::value& type = Required(object, "type", ptr);
    std::string_view type_name;
    if (type.is_string()) type_name = type.get_string();
    if (type_name == "choice") {
      q.type = QuestionType::kChoice;
    } else if (type_name == "numeric") {
      q.type = QuestionType::kNumeric;
    } else if (type_name == "date") {
      q.type = QuestionType::kDate;
    } else if (type_name == "evidence") {
      q.type = QuestionType::kEvidence;
    } else {
      Fail("must be choice, numeric, date or evidence", type_at);
    }
    q.weight = Weight(object, ptr);
    if (const json::value* applies = object.if_contains("applies_to")) {
      q.applies_to = ParseApplicability(*applies, JsonPointerChild(ptr, "applies_to"));
    }
    const json::value* numeric = object.if_contains("numeric");
    if (q.type == QuestionType::kNumeric) {
      if (numeric == nullptr) Fail("a numeric question needs \"numeric\"", ptr);
      q.numeric = ParseNumeric(*numeric, JsonPointerChild(ptr, "numeric"));
    } else if (numeric != nullptr) {
      Fail("only numeric questions have \"numeric\"", JsonPointerChild(ptr, "numeric"));
    }
    const json::value* date = object.if_contains("date");
    if (q.type == QuestionType::kDate) {
      if (date == nullptr) Fail("a date question needs \"date\"", ptr);
      q.date = ParseDate(*date, JsonPointerChild(ptr, "date"));
    } else if (date != nullptr) {
      Fail("only date questions have \"date\"", JsonPointerChild(ptr, "date"));
    }
    if (const json::value* fact = object.if_contains("fact")) {
      if (!fact->is_string() || !IsFactKey(fact->get_string())) {
        Fail("must be a string matching [a-z0-9._-]{1,64}", JsonPointerChild(ptr, "fact"));
      }
      q.fact = std::string(fact->get_string());
    }
    return q;
  }

  static std::vector<std::string> ParseValues(const json::object& object,
                                              std::string_view key,
                                              const std::string& ptr,
                                              bool (*valid)(std::string_view),
                                              std::string_view what) {
    std::vector<std::string> out;
    const json::value* value = object.if_contains(key);
    if (value == nullptr) return out;
    const std::string at = JsonPointerChild(ptr, key);
    const json::array& array = AsArray(*value, at, 16);
    for (std::size_t i = 0; i < array.size(); ++i) {
      const std::string item_at = JsonPointerChild(at, i);
      if (!array[i].is_string() || !valid(array[i].get_string())) {
        Fail(fmt::format("must be a {}", what), item_at);
      }
      const std::string_view item = array[i].get_string();
      if (std::find(out.begin(), out.end(), item) != out.end()) Fail("listed twice", item_at);
      out.emplace_back(item);
    }
    return out;
  }

  static Applicability ParseApplicability(const json::value& value, const std::string& ptr) {
    const json::object& object = AsObject(value, ptr);
    OnlyMembers(object, ptr, {"provider_types", "size_bands"});
    if (object.empty()) Fail("must restrict provider_types or size_bands", ptr);
    Applicability a;
    a.provider_types = ParseValues(object, "provider_types", ptr, identity::IsProviderType,
                                   "provider type (hospital, clinic, laboratory, pharmacy, "
                                   "care_home, medical_device_maker, other)");
    a.size_bands = ParseValues(object, "size_bands", ptr, identity::IsSizeBand,
                               "size band (micro, small, medium, large)");
    return a;
  }

  static NumericScale ParseNumeric(const json::value& value, const std::string& ptr) {
    const json::object& object = AsObject(value, ptr);
    OnlyMembers(object, ptr, {"unit", "bands", "otherwise"});
    NumericScale scale;
    scale.unit = OptionalText(object, "unit", ptr, 32, TextKind::kLine);
    const std::string at = JsonPointerChild(ptr, "bands");
    const json::array& bands = AsArray(Required(object, "bands", ptr), at, kMaxNumericBands);
    for (std::size_t i = 0; i < bands.size(); ++i) {
      const std::string band_at = JsonPointerChild(at, i);
      const json::object& band = AsObject(bands[i], band_at);
      OnlyMembers(band, band_at, {"max", "min", "score"});
      const json::value* max = band.if_contains("max");
      const json::value* min = band.if_contains("min");
      if ((max == nullptr) == (min == nullptr)) Fail("needs exactly one of max and min", band_at);
      const bool upper = max != nullptr;
      if (i == 0) {
        scale.upper = upper;
      } else if (upper != scale.upper) {
        Fail("all bands must use the same bound (max or min)", band_at);
      }
      NumericBand b;
      b.bound = AsNumber(upper ? *max : *min, JsonPointerChild(band_at, upper ? "max" : "min"));
      b.score =
          NumberIn(Required(band, "score", band_at), JsonPointerChild(band_at, "score"), 0, 1);
      if (i > 0 && b.bound <= scale.bands.back().bound) {
        Fail("bounds must be strictly ascending", JsonPointerChild(band_at, upper ? "max" : "min"));
      }
      scale.bands.push_back(b);
    }
    if (const json::value* otherwise = object.if_contains("otherwise")) {
      scale.otherwise = NumberIn(*otherwise, JsonPointerChild(ptr, "otherwise"), 0, 1);
    }
    return scale;
  }

  static DateScale ParseDate(const json::value& value, const std::string& ptr) {
    const json::object& object = AsObject(value, ptr);
    OnlyMembers(object, ptr, {"full_within_days", "half_within_days"});
    DateScale scale;
    scale.full_within_days = IntegerIn(Required(object, "full_within_days", ptr),
                                       JsonPointerChild(ptr, "full_within_days"), 0, kMaxDays);
    if (const json::value* half = object.if_contains("half_within_days")) {
      const std::string at = JsonPointerChild(ptr, "half_within_days");
      scale.half_within_days = IntegerIn(*half, at, 0, kMaxDays);
      if (*scale.half_within_days <= scale.full_within_days) {
        Fail("must be greater than full_within_days", at);
      }
    }
    return scale;
  }

  Framework fw_;
  std::set<std::string> domain_ids_;
  std::set<std::string> control_ids_;
  std::set<std::string> question_ids_;
  std::size_t control_count_ = 0;
  std::size_t question_count_ = 0;
};

bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::vector<std::string_view> VersionParts(std::string_view v) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= v.size(); ++i) {
    if (i == v.size() || v[i] == '.' || v[i] == '-') {
      parts.push_back(v.substr(start, i - start));
      start = i + 1;
    }
  }
  return parts;
}

}  // namespace

std::string_view ToString(QuestionType type) {
  switch (type) {
    case QuestionType::kChoice:
      return "choice";
    case QuestionType::kNumeric:
      return "numeric";
    case QuestionType::kDate:
      return "date";
    case QuestionType::kEvidence:
      return "evidence";
  }
  return "choice";
}

std::optional<std::chrono::sys_days> ParseIsoDate(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-' || !AllDigits(text.substr(0, 4)) ||
      !AllDigits(text.substr(5, 2)) || !AllDigits(text.substr(8, 2))) {
    return std::nullopt;
  }
  const auto number = [&](std::size_t pos, std::size_t len) {
    int n = 0;
    for (std::size_t i = pos; i < pos + len; ++i) n = n * 10 + (text[i] - '0');
    return n;
  };
  const std::chrono::year_month_day ymd{std::chrono::year(number(0, 4)),
                                        std::chrono::month(static_cast<unsigned>(number(5, 2))),
                                        std::chrono::day(static_cast<unsigned>(number(8, 2)))};
  if (!ymd.ok()) return std::nullopt;
  return std::chrono::sys_days(ymd);
}

bool Applicability::Matches(std::string_view provider_type, std::string_view size_band) const {
  const auto allows = [](const std::vector<std::string>& list, std::string_view value) {
    return list.empty() || std::find(list.begin(), list.end(), value) != list.end();
  };
  return allows(provider_types, provider_type) && allows(size_bands, size_band);
}

std::size_t Framework::QuestionCount() const {
  std::size_t n = 0;
  for (const auto& d : domains) {
    for (const auto& c : d.controls) n += c.questions.size();
  }
  return n;
}

const Question* Framework::FindQuestion(std::string_view question_id) const {
  for (const auto& d : domains) {
    for (const auto& c : d.controls) {
      for (const auto& q : c.questions) {
        if (q.id == question_id) return &q;
      }
    }
  }
  return nullptr;
}

const Domain* Framework::FindDomain(std::string_view domain_id) const {
  for (const auto& d : domains) {
    if (d.id == domain_id) return &d;
  }
  return nullptr;
}

const MaturityLevel& Framework::MaturityOf(double score) const {
  // Tolerates the rounding error of weighted means: 74.99999999999999 is 75.
  constexpr double kTolerance = 1e-9;
  const MaturityLevel* best = &maturity_levels.front();
  for (const auto& level : maturity_levels) {
    if (level.min_score <= score + kTolerance) best = &level;
  }
  return *best;
}

std::vector<std::string> Framework::DomainMappings(const Domain& domain,
                                                   std::string_view vocabulary) const {
  std::set<std::string> keys;
  const auto add = [&](const MappingRefs& refs) {
    for (const auto& [name, list] : refs) {
      if (name == vocabulary) keys.insert(list.begin(), list.end());
    }
  };
  add(domain.mappings);
  for (const auto& c : domain.controls) add(c.mappings);
  return {keys.begin(), keys.end()};
}

Result<Framework> ParseFramework(std::string_view text) {
  try {
    const json::value root = ParseStrict(text);
    return Parser().Run(root);
  } catch (Failure& failure) {
    return std::move(failure.error);
  }
}

int CompareFrameworkVersions(std::string_view a, std::string_view b) {
  const auto pa = VersionParts(a);
  const auto pb = VersionParts(b);
  for (std::size_t i = 0; i < std::min(pa.size(), pb.size()); ++i) {
    const bool na = AllDigits(pa[i]);
    const bool nb = AllDigits(pb[i]);
    if (na && nb) {
      const auto x = pa[i].substr(std::min(pa[i].find_first_not_of('0'), pa[i].size() - 1));
      const auto y = pb[i].substr(std::min(pb[i].find_first_not_of('0'), pb[i].size() - 1));
      if (x.size() != y.size()) return x.size() < y.size() ? -1 : 1;
      if (const int c = x.compare(y); c != 0) return c < 0 ? -1 : 1;
    } else if (na != nb) {
      return na ? -1 : 1;
    } else if (const int c = pa[i].compare(pb[i]); c != 0) {
      return c < 0 ? -1 : 1;
    }
  }
  if (pa.size() != pb.size()) return pa.size() < pb.size() ? -1 : 1;
  return 0;
}

}  // namespace caduceus::assessment
