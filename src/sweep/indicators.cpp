#include "sweep/indicators.h"

#include <algorithm>
#include <utility>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <fmt/format.h>

#include "intel/pattern.h"
#include "intel/stix.h"
#include "intel/warninglist.h"

namespace caduceus::sweep {
namespace {

using intel::ObservableKind;

using Clause = std::vector<Term>;
using Dnf = std::vector<Clause>;  // empty: never true on one record

struct Conversion {
  Dnf dnf;
  bool observation_level = false;  // something was dropped because it spans records
  bool too_complex = false;
};

bool IsHexDigit(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

std::string_view TrimSpace(std::string_view s) {
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

// Kinds a log field can have (record.h): no asn, mutex or registry key.
bool IsSweptKind(ObservableKind kind) {
  return kind != ObservableKind::kAsn && kind != ObservableKind::kMutex &&
         kind != ObservableKind::kRegistryKey;
}

// `url:value LIKE 'prefix%'` with no other wildcard: a URL prefix term.
std::optional<Term> UrlPrefixOf(const intel::Comparison& c) {
  if (c.op != intel::Operator::kLike || c.negated || c.values.size() != 1) return std::nullopt;
  if (c.path.object_type != "url" || c.path.property != "value" || !c.path.steps.empty()) {
    return std::nullopt;
  }
  const auto* text = std::get_if<std::string>(&c.values.front());
  if (text == nullptr || text->size() < 2 || text->back() != '%') return std::nullopt;
  std::string_view prefix(*text);
  prefix.remove_suffix(1);
  if (prefix.find_first_of("%_") != std::string_view::npos) return std::nullopt;
  auto observable = intel::Normalise(ObservableKind::kUrl, prefix);
  if (!observable) return std::nullopt;
  return Term{std::move(*observable), true};
}

// The terms one comparison stands for (an OR of them); empty when it is none the sweep can test.
std::vector<Term> TermsOf(const intel::Comparison& c) {
  std::vector<Term> out;
  if (auto prefix = UrlPrefixOf(c)) {
    out.push_back(std::move(*prefix));
    return out;
  }
  intel::Pattern single;
  single.expression.comparison.comparison = c;
  for (auto& observable : intel::ObservablesOfPattern(single)) {
    if (IsSweptKind(observable.kind)) out.push_back(Term{std::move(observable), false});
  }
  return out;
}

void Dedupe(Clause& clause) {
  std::sort(clause.begin(), clause.end());
  clause.erase(std::unique(clause.begin(), clause.end()), clause.end());
}

// Conjunction of two disjunctions: every pair of clauses joined.
Dnf And(const Dnf& a, const Dnf& b, bool& too_complex) {
  Dnf out;
  if (a.size() * b.size() > kMaxClauses) {
    too_complex = true;
    return out;
  }
  for (const Clause& x : a) {
    for (const Clause& y : b) {
      Clause joined = x;
      joined.insert(joined.end(), y.begin(), y.end());
      Dedupe(joined);
      if (joined.size() > kMaxTermsPerClause) {
        too_complex = true;
        return {};
      }
      out.push_back(std::move(joined));
    }
  }
  return out;
}

Dnf ConvertComparison(const intel::ComparisonExpression& e, bool& too_complex) {
  switch (e.kind) {
    case intel::ComparisonExpression::Kind::kComparison: {
      Dnf out;
      for (Term& t : TermsOf(e.comparison)) out.push_back(Clause{std::move(t)});
      return out;
    }
    case intel::ComparisonExpression::Kind::kOr: {
      Dnf out;
      for (const auto& operand : e.operands) {
        Dnf part = ConvertComparison(operand, too_complex);
        for (Clause& c : part) out.push_back(std::move(c));
        if (out.size() > kMaxClauses) {
          too_complex = true;
          return {};
        }
      }
      return out;
    }
    case intel::ComparisonExpression::Kind::kAnd: {
      Dnf out{Clause{}};
      for (const auto& operand : e.operands) {
        out = And(out, ConvertComparison(operand, too_complex), too_complex);
        if (out.empty()) return out;
      }
      return out;
    }
  }
  return {};
}

void ConvertObservation(const intel::ObservationExpression& e, Conversion& result) {
  if (!e.qualifiers.empty()) {
    result.observation_level = true;
    return;
  }
  switch (e.kind) {
    case intel::ObservationExpression::Kind::kObservation: {
      Dnf part = ConvertComparison(e.comparison, result.too_complex);
      for (Clause& c : part) result.dnf.push_back(std::move(c));
      return;
    }
    case intel::ObservationExpression::Kind::kOr:
      for (const auto& operand : e.operands) ConvertObservation(operand, result);
      return;
    case intel::ObservationExpression::Kind::kAnd:
    case intel::ObservationExpression::Kind::kFollowedBy:
      result.observation_level = true;
      return;
  }
}

const boost::json::string* StringAt(const boost::json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v != nullptr ? v->if_string() : nullptr;
}

}  // namespace

std::string_view SkipReasonName(SkipReason reason) {
  switch (reason) {
    case SkipReason::kInvalid:
      return "invalid";
    case SkipReason::kNotIndicator:
      return "not-indicator";
    case SkipReason::kPatternType:
      return "pattern-type";
    case SkipReason::kRevoked:
      return "revoked";
    case SkipReason::kExpired:
      return "expired";
    case SkipReason::kWarninglisted:
      return "warninglisted";
    case SkipReason::kObservationLevel:
      return "observation-level";
    case SkipReason::kNoTerm:
      return "no-term";
    case SkipReason::kTooComplex:
      return "too-complex";
    case SkipReason::kUnknownValue:
      return "unknown-value";
  }
  return "invalid";
}

std::optional<ObservableKind> DetectValueKind(std::string_view value) {
  value = TrimSpace(value);
  if (value.empty()) return std::nullopt;
  if (value.find("://") != std::string_view::npos) return ObservableKind::kUrl;
  if (std::all_of(value.begin(), value.end(), IsHexDigit)) {
    switch (value.size()) {
      case 32:
        return ObservableKind::kMd5;
      case 40:
        return ObservableKind::kSha1;
      case 64:
        return ObservableKind::kSha256;
      case 128:
        return ObservableKind::kSha512;
      default:
        break;
    }
  }
  if (value.find('@') != std::string_view::npos) return ObservableKind::kEmail;
  if (value.find(':') != std::string_view::npos) return ObservableKind::kIpv6;
  const std::string_view host = value.substr(0, value.find('/'));
  const bool numeric = !host.empty() && std::all_of(host.begin(), host.end(), [](char c) {
    return (c >= '0' && c <= '9') || c == '.';
  });
  if (numeric) return ObservableKind::kIpv4;
  if (value.find('.') != std::string_view::npos) return ObservableKind::kDomain;
  return std::nullopt;
}

IndicatorSetBuilder::IndicatorSetBuilder(IndicatorSetOptions options) : options_(options) {}

void IndicatorSetBuilder::Skip(std::string id, SkipReason reason, std::string message) {
  ++set_.report.skipped[reason];
  if (set_.report.examples.size() < BuildReport::kMaxSkipExamples) {
    set_.report.examples.push_back(Skipped{std::move(id), reason, std::move(message)});
  }
}

std::uint32_t IndicatorSetBuilder::Collection(std::string_view name) {
  for (std::size_t i = 0; i < set_.collections.size(); ++i) {
    if (set_.collections[i] == name) return static_cast<std::uint32_t>(i);
  }
  set_.collections.emplace_back(name);
  return static_cast<std::uint32_t>(set_.collections.size() - 1);
}

void IndicatorSetBuilder::Add(IndicatorEntry entry) {
  std::size_t total = 0;
  for (std::uint32_t n : entry.clause_sizes) {
    if (n == 0 || n > kMaxTermsPerClause) {
      total = entry.terms.size() + 1;
      break;
    }
    total += n;
  }
  const bool sizes_ok =
      entry.clause_sizes.empty()
          ? !entry.terms.empty() && entry.terms.size() <= kMaxTermsPerClause
          : total == entry.terms.size() && entry.clause_sizes.size() <= kMaxClauses;
  if (!sizes_ok || entry.collection >= set_.collections.size()) {
    Skip(entry.id, SkipReason::kNoTerm, "no terms, or clause sizes that do not add up");
    return;
  }
  if (entry.compound()) {
    ++set_.report.compound;
  } else {
    ++set_.report.simple;
  }
  set_.entries.push_back(std::move(entry));
}

bool IndicatorSetBuilder::AddStix(std::string_view json,
                                  std::string_view collection,
                                  bool warninglisted) {
  boost::system::error_code ec;
  boost::json::value parsed = boost::json::parse(json, ec);
  if (ec || !parsed.is_object()) {
    Skip("", SkipReason::kInvalid, "not a JSON object");
    return false;
  }
  const boost::json::object& o = parsed.get_object();
  const auto* type = StringAt(o, "type");
  const auto* id_value = StringAt(o, "id");
  std::string id = id_value != nullptr && intel::IsStixIdentifier(*id_value)
                       ? std::string(id_value->data(), id_value->size())
                       : std::string();
  if (type == nullptr || id.empty()) {
    Skip(id, SkipReason::kInvalid, "no type or no valid id");
    return false;
  }
  if (*type != "indicator" || intel::IdentifierType(id) != "indicator") {
    Skip(id, SkipReason::kNotIndicator, "not an indicator");
    return false;
  }
  if (const auto* revoked = o.if_contains("revoked")) {
    if (!revoked->is_bool()) {
      Skip(id, SkipReason::kInvalid, "revoked is not a boolean");
      return false;
    }
    if (revoked->get_bool()) {
      Skip(id, SkipReason::kRevoked, "revoked");
      return false;
    }
  }
  if (const auto* valid_until = StringAt(o, "valid_until")) {
    auto until = intel::ParseStixTimestamp(*valid_until);
    if (!until) {
      Skip(id, SkipReason::kInvalid, "valid_until is not a STIX timestamp");
      return false;
    }
    const auto now =
        std::chrono::duration_cast<std::chrono::nanoseconds>(options_.now.time_since_epoch())
            .count();
    const auto now_seconds = now / 1'000'000'000;
    const intel::StixTimestamp current{now_seconds, static_cast<std::int32_t>(now % 1'000'000'000)};
    if (!(current < *until)) {
      Skip(id, SkipReason::kExpired, fmt::format("expired at {}", std::string_view(*valid_until)));
      return false;
    }
  }
  if (warninglisted) {
    Skip(id, SkipReason::kWarninglisted, "flagged by a warninglist");
    return false;
  }
  const auto* pattern_type = StringAt(o, "pattern_type");
  const auto* pattern_text = StringAt(o, "pattern");
  if (pattern_type == nullptr || pattern_text == nullptr) {
    Skip(id, SkipReason::kInvalid, "no pattern or pattern_type");
    return false;
  }
  if (*pattern_type != "stix") {
    Skip(id, SkipReason::kPatternType,
         fmt::format("pattern_type {} is not swept in logs", intel::IsStixType(*pattern_type)
                                                                 ? std::string_view(*pattern_type)
                                                                 : std::string_view("(other)")));
    return false;
  }
  auto pattern = intel::ParsePattern(*pattern_text);
  if (!pattern) {
    Skip(id, SkipReason::kInvalid, "pattern: " + pattern.error().message);
    return false;
  }
  if (options_.warninglists != nullptr) {
    for (const intel::Observable& observable : intel::ObservablesOfPattern(*pattern)) {
      if (!options_.warninglists->Check(observable).empty()) {
        Skip(id, SkipReason::kWarninglisted, "on a warninglist");
        return false;
      }
    }
  }

  IndicatorEntry entry;
  entry.collection = Collection(collection);
  if (const auto* confidence = o.if_contains("confidence")) {
    if (!confidence->is_int64() || confidence->get_int64() < 0 || confidence->get_int64() > 100) {
      Skip(id, SkipReason::kInvalid, "confidence is not 0..100");
      return false;
    }
    entry.confidence = static_cast<int>(confidence->get_int64());
  }
  if (const auto* markings = o.if_contains("object_marking_refs")) {
    if (const auto* list = markings->if_array()) {
      for (const auto& m : *list) {
        const auto* ref = m.if_string();
        if (ref == nullptr) continue;
        auto level = intel::TlpLevelOfMarking(*ref);
        if (level && (!entry.tlp || *entry.tlp < *level)) entry.tlp = level;
      }
    }
  }

  Conversion conversion;
  ConvertObservation(pattern->expression, conversion);
  Dnf& dnf = conversion.dnf;
  for (Clause& c : dnf) Dedupe(c);
  std::sort(dnf.begin(), dnf.end());
  dnf.erase(std::unique(dnf.begin(), dnf.end()), dnf.end());
  if (conversion.too_complex || dnf.size() > kMaxClauses) {
    Skip(id, SkipReason::kTooComplex,
         fmt::format("more than {} clauses or {} terms per clause", kMaxClauses,
                     kMaxTermsPerClause));
    return false;
  }
  if (dnf.empty()) {
    if (conversion.observation_level) {
      Skip(id, SkipReason::kObservationLevel,
           "AND or FOLLOWEDBY between observations, or a qualifier: spans records");
    } else {
      Skip(id, SkipReason::kNoTerm, "no comparison the sweep can test on a record");
    }
    return false;
  }
  entry.id = std::move(id);
  if (dnf.size() > 1) {
    for (const Clause& c : dnf) entry.clause_sizes.push_back(static_cast<std::uint32_t>(c.size()));
  }
  for (Clause& c : dnf) {
    for (Term& t : c) entry.terms.push_back(std::move(t));
  }
  Add(std::move(entry));
  return true;
}

Result<std::size_t> IndicatorSetBuilder::AddStixBundle(
    std::string_view json,
    std::string_view collection,
    const std::function<bool(std::string_view)>& warninglisted) {
  boost::system::error_code ec;
  boost::json::value parsed = boost::json::parse(json, ec);
  if (ec || !parsed.is_object()) return Error::Invalid("the bundle is not a JSON object");
  const auto* objects = parsed.get_object().if_contains("objects");
  if (objects == nullptr || !objects->is_array()) {
    return Error::Invalid("the bundle has no objects array", "/objects");
  }
  std::size_t added = 0;
  for (const auto& v : objects->get_array()) {
    const auto* o = v.if_object();
    if (o == nullptr) continue;
    const auto* type = StringAt(*o, "type");
    if (type == nullptr || *type != "indicator") continue;
    const auto* id = StringAt(*o, "id");
    const bool flagged = warninglisted && id != nullptr && warninglisted(*id);
    if (AddStix(boost::json::serialize(*o), collection, flagged)) ++added;
  }
  return added;
}

std::size_t IndicatorSetBuilder::AddList(std::string_view text,
                                         std::string_view collection,
                                         std::optional<ObservableKind> kind,
                                         std::optional<TlpLevel> tlp,
                                         std::optional<int> confidence) {
  const std::uint32_t collection_index = Collection(collection);
  if (confidence && (*confidence < 0 || *confidence > 100)) confidence.reset();
  set_.entries.reserve(set_.entries.size() +
                       static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) + 1);
  std::size_t added = 0;
  std::size_t number = 0;
  while (!text.empty()) {
    const std::size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    ++number;
    line = TrimSpace(line);
    if (line.empty() || line.front() == '#') continue;
    std::string_view value = line;
    auto value_kind = kind ? kind : DetectValueKind(value);
    bool prefix = false;
    if (value_kind == ObservableKind::kUrl && value.size() > 1 && value.back() == '*') {
      prefix = true;
      value.remove_suffix(1);
    }
    std::optional<intel::Observable> observable;
    if (value_kind && IsSweptKind(*value_kind)) observable = intel::Normalise(*value_kind, value);
    if (!observable) {
      Skip(fmt::format("line {}", number), SkipReason::kUnknownValue,
           value_kind ? fmt::format("not a {} value", intel::KindName(*value_kind))
                      : std::string("kind not recognised"));
      continue;
    }
    IndicatorEntry entry;
    entry.id = std::string(line);
    entry.collection = collection_index;
    entry.tlp = tlp;
    entry.confidence = confidence;
    entry.terms.push_back(Term{std::move(*observable), prefix});
    Add(std::move(entry));
    ++added;
  }
  return added;
}

IndicatorSet IndicatorSetBuilder::Finish() { return std::exchange(set_, IndicatorSet{}); }

}  // namespace caduceus::sweep
