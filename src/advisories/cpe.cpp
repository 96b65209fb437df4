// CPE unbinding (NISTIR 7695 section 6) and matching (NISTIR 7696 section 6).
#include "advisories/cpe.h"

#include <vector>

#include <fmt/format.h>

namespace caduceus::advisories {
namespace {

constexpr std::string_view kNames[kCpeAttributes] = {
    "part",     "vendor",     "product",   "version",   "update", "edition",
    "language", "sw_edition", "target_sw", "target_hw", "other"};

bool IsAlnum(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }
bool IsPrintableAscii(char c) { return c > ' ' && c < 0x7f; }

// Backslashes immediately before `index`.
bool EvenEscapesBefore(std::string_view s, std::size_t index) {
  std::size_t count = 0;
  while (index > 0 && s[index - 1] == '\\') {
    --index;
    ++count;
  }
  return count % 2 == 0;
}

// Quoting characters in [start, end): a backslash counts when it is not itself quoted.
std::size_t CountEscapes(std::string_view s, std::size_t start, std::size_t end) {
  std::size_t count = 0;
  bool active = false;
  for (std::size_t i = start; i < end && i < s.size(); ++i) {
    active = !active && s[i] == '\\';
    if (active) ++count;
  }
  return count;
}

Error AttributeError(std::size_t index, std::string message) {
  return Error::Invalid(fmt::format("CPE {}: {}", kNames[index], message),
                        std::string(kNames[index]));
}

// Appends one literal character in well-formed-name form.
void AppendLiteral(std::string* out, char c) {
  c = Lower(c);
  if (!IsAlnum(c) && c != '_') *out += '\\';
  *out += c;
}

// Checks that unquoted wildcards sit only at the ends, as NISTIR 7695 requires: a '*' or a run
// of '?' at the start, the same at the end, and something else between two '*'.
Status CheckWildcards(const std::string& value, std::size_t index) {
  const std::size_t n = value.size();
  std::size_t lead = 0;
  if (n > 0 && value[0] == '*') {
    lead = 1;
  } else {
    while (lead < n && value[lead] == '?') ++lead;
  }
  std::size_t trail = n;
  if (trail > lead && value[trail - 1] == '*' && EvenEscapesBefore(value, trail - 1)) {
    --trail;
  } else {
    while (trail > lead && value[trail - 1] == '?' && EvenEscapesBefore(value, trail - 1)) {
      --trail;
    }
  }
  for (std::size_t i = lead; i < trail; ++i) {
    if (value[i] == '\\') {
      ++i;
      continue;
    }
    if (value[i] == '*' || value[i] == '?') {
      return AttributeError(index, "an unquoted wildcard may only begin or end a value");
    }
  }
  if (lead >= trail && value.find('*') != std::string::npos) {
    return AttributeError(index, "a value of wildcards only may not hold '*'");
  }
  return Status{};
}

Result<CpeValue> UnbindFsValue(std::string_view field, std::size_t index) {
  if (field.empty()) return AttributeError(index, "is empty");
  if (field == "*") return CpeValue{CpeValue::Kind::kAny, {}};
  if (field == "-") return CpeValue{CpeValue::Kind::kNa, {}};
  std::string value;
  for (std::size_t i = 0; i < field.size(); ++i) {
    const char c = field[i];
    if (!IsPrintableAscii(c)) return AttributeError(index, "holds a character CPE does not allow");
    if (c == '\\') {
      if (i + 1 == field.size()) return AttributeError(index, "ends in a lone backslash");
      const char next = field[++i];
      if (!IsPrintableAscii(next)) {
        return AttributeError(index, "quotes a character CPE does not allow");
      }
      AppendLiteral(&value, next);
    } else if (c == '*' || c == '?') {
      value += c;
    } else {
      AppendLiteral(&value, c);
    }
  }
  if (const Status ok = CheckWildcards(value, index); !ok) return ok.error();
  return CpeValue{CpeValue::Kind::kValue, std::move(value)};
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = Lower(c);
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

Result<CpeValue> UnbindUriValue(std::string_view component, std::size_t index) {
  if (component.empty()) return CpeValue{CpeValue::Kind::kAny, {}};
  if (component == "-") return CpeValue{CpeValue::Kind::kNa, {}};
  std::string value;
  for (std::size_t i = 0; i < component.size(); ++i) {
    const char c = component[i];
    if (c == '%') {
      if (i + 2 >= component.size() || HexDigit(component[i + 1]) < 0 ||
          HexDigit(component[i + 2]) < 0) {
        return AttributeError(index, "has a bad percent-encoding");
      }
      const char decoded =
          static_cast<char>(HexDigit(component[i + 1]) * 16 + HexDigit(component[i + 2]));
      i += 2;
      if (decoded == '\x01') {
        value += '?';
      } else if (decoded == '\x02') {
        value += '*';
      } else if (IsPrintableAscii(decoded)) {
        AppendLiteral(&value, decoded);
      } else {
        return AttributeError(index, "encodes a character CPE does not allow");
      }
    } else if (IsAlnum(c) || c == '_' || c == '.' || c == '-' || c == '~') {
      AppendLiteral(&value, c);
    } else {
      return AttributeError(index, fmt::format("holds '{}', which a CPE URI must encode", c));
    }
  }
  if (value == "*") return CpeValue{CpeValue::Kind::kAny, {}};
  if (const Status ok = CheckWildcards(value, index); !ok) return ok.error();
  return CpeValue{CpeValue::Kind::kValue, std::move(value)};
}

Status CheckPart(const CpeValue& part) {
  if (part.kind == CpeValue::Kind::kValue && part.value != "a" && part.value != "o" &&
      part.value != "h") {
    return AttributeError(0, "must be a, o or h");
  }
  return Status{};
}

bool StartsWithCaseless(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (Lower(text[i]) != prefix[i]) return false;
  }
  return true;
}

// NISTIR 7696 compare_strings for a source value with wildcards.
CpeRelation CompareStrings(std::string_view source, std::string_view target) {
  std::size_t start = 0;
  std::size_t end = source.size();
  long begins = 0;
  long ends = 0;
  if (!source.empty() && source[0] == '*') {
    start = 1;
    begins = -1;
  } else {
    while (start < end && source[start] == '?') {
      ++start;
      ++begins;
    }
  }
  if (end > start && source[end - 1] == '*' && EvenEscapesBefore(source, end - 1)) {
    --end;
    ends = -1;
  } else {
    while (end > start && source[end - 1] == '?' && EvenEscapesBefore(source, end - 1)) {
      --end;
      ++ends;
    }
  }
  const std::string_view body = source.substr(start, end - start);
  std::size_t from = 0;
  long leftover = static_cast<long>(target.size());
  while (leftover > 0) {
    const std::size_t index = target.find(body, from);
    if (index == std::string_view::npos) break;
    from = index + 1;
    const long before = static_cast<long>(index - CountEscapes(target, 0, index));
    if (index > 0 && begins != -1 && begins < before) break;
    leftover = static_cast<long>(target.size() - index - body.size()) -
               static_cast<long>(CountEscapes(target, index + 1, target.size()));
    if (leftover > 0 && ends != -1 && leftover > ends) continue;
    return CpeRelation::kSuperset;
  }
  return CpeRelation::kDisjoint;
}

CpeRelation CompareAttribute(const CpeValue& source, const CpeValue& target) {
  if (target.kind == CpeValue::Kind::kValue && target.HasWildcards())
    return CpeRelation::kUndefined;
  if (source == target) return CpeRelation::kEqual;
  if (source.kind == CpeValue::Kind::kAny) return CpeRelation::kSuperset;
  if (target.kind == CpeValue::Kind::kAny) return CpeRelation::kSubset;
  if (source.kind == CpeValue::Kind::kNa || target.kind == CpeValue::Kind::kNa) {
    return CpeRelation::kDisjoint;
  }
  if (!source.HasWildcards()) return CpeRelation::kDisjoint;
  return CompareStrings(source.value, target.value);
}

}  // namespace

bool CpeValue::HasWildcards() const {
  if (kind != Kind::kValue) return false;
  for (std::size_t i = 0; i < value.size(); ++i) {
    if (value[i] == '\\') {
      ++i;
      continue;
    }
    if (value[i] == '*' || value[i] == '?') return true;
  }
  return false;
}

std::string CpeValue::Display() const {
  if (kind == Kind::kAny) return "*";
  if (kind == Kind::kNa) return "-";
  std::string out;
  for (std::size_t i = 0; i < value.size(); ++i) {
    if (value[i] == '\\' && i + 1 < value.size()) ++i;
    out += value[i];
  }
  return out;
}

std::string Cpe::ToFormattedString() const {
  std::string out = "cpe:2.3";
  for (const CpeValue& a : attributes) {
    out += ':';
    if (a.kind == CpeValue::Kind::kAny) {
      out += '*';
      continue;
    }
    if (a.kind == CpeValue::Kind::kNa) {
      out += '-';
      continue;
    }
    // A value of a lone quoted hyphen keeps its quote: unquoted, "-" would bind NA.
    if (a.value == "\\-") {
      out += a.value;
      continue;
    }
    for (std::size_t i = 0; i < a.value.size(); ++i) {
      if (a.value[i] == '\\' && i + 1 < a.value.size()) {
        const char next = a.value[++i];
        if (next != '.' && next != '-' && next != '_') out += '\\';
        out += next;
      } else {
        out += a.value[i];
      }
    }
  }
  return out;
}

std::string_view CpeAttributeName(std::size_t index) {
  return index < kCpeAttributes ? kNames[index] : std::string_view("?");
}

Result<Cpe> ParseCpe23(std::string_view text) {
  if (text.size() > kMaxCpeBytes) {
    return Error::Invalid(fmt::format("the CPE is longer than {} bytes", kMaxCpeBytes));
  }
  if (!StartsWithCaseless(text, "cpe:2.3:")) {
    return Error::Invalid("a CPE 2.3 formatted string starts with 'cpe:2.3:'");
  }
  text.remove_prefix(8);
  std::vector<std::string_view> fields;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= text.size(); ++i) {
    if (i < text.size() && text[i] == '\\') {
      ++i;
      continue;
    }
    if (i == text.size() || text[i] == ':') {
      fields.push_back(text.substr(start, i - start));
      start = i + 1;
    }
  }
  if (fields.size() != kCpeAttributes) {
    return Error::Invalid(fmt::format("a CPE 2.3 formatted string has {} attributes, not {}",
                                      kCpeAttributes, fields.size()));
  }
  Cpe cpe;
  for (std::size_t k = 0; k < kCpeAttributes; ++k) {
    auto value = UnbindFsValue(fields[k], k);
    if (!value) return value.error();
    cpe.attributes[k] = std::move(*value);
  }
  if (const Status ok = CheckPart(cpe.part()); !ok) return ok.error();
  return cpe;
}

Result<Cpe> ParseCpe22Uri(std::string_view text) {
  if (text.size() > kMaxCpeBytes) {
    return Error::Invalid(fmt::format("the CPE is longer than {} bytes", kMaxCpeBytes));
  }
  if (!StartsWithCaseless(text, "cpe:/")) return Error::Invalid("a CPE URI starts with 'cpe:/'");
  text.remove_prefix(5);
  std::vector<std::string_view> components;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= text.size(); ++i) {
    if (i == text.size() || text[i] == ':') {
      components.push_back(text.substr(start, i - start));
      start = i + 1;
    }
  }
  if (components.size() > 7) {
    return Error::Invalid(
        fmt::format("a CPE URI has at most 7 components, not {}", components.size()));
  }
  Cpe cpe;
  for (std::size_t k = 0; k < components.size(); ++k) {
    const std::string_view component = components[k];
    if (k == 5 && !component.empty() && component.front() == '~') {
      std::vector<std::string_view> packed;
      std::size_t from = 1;
      for (std::size_t i = 1; i <= component.size(); ++i) {
        if (i == component.size() || component[i] == '~') {
          packed.push_back(component.substr(from, i - from));
          from = i + 1;
        }
      }
      if (packed.size() != 5) {
        return AttributeError(5, "a packed edition has five '~'-separated parts");
      }
      constexpr std::size_t kPackedTargets[5] = {5, 7, 8, 9, 10};
      for (std::size_t p = 0; p < 5; ++p) {
        auto value = UnbindUriValue(packed[p], kPackedTargets[p]);
        if (!value) return value.error();
        cpe.attributes[kPackedTargets[p]] = std::move(*value);
      }
      continue;
    }
    const std::size_t target = k == 6 ? 6 : k;
    auto value = UnbindUriValue(component, target);
    if (!value) return value.error();
    cpe.attributes[target] = std::move(*value);
  }
  if (const Status ok = CheckPart(cpe.part()); !ok) return ok.error();
  return cpe;
}

Result<Cpe> ParseCpe(std::string_view text) {
  if (StartsWithCaseless(text, "cpe:2.3:")) return ParseCpe23(text);
  if (StartsWithCaseless(text, "cpe:/")) return ParseCpe22Uri(text);
  return Error::Invalid("a CPE starts with 'cpe:2.3:' or 'cpe:/'");
}

std::string_view CpeRelationName(CpeRelation relation) {
  switch (relation) {
    case CpeRelation::kSuperset:
      return "superset";
    case CpeRelation::kSubset:
      return "subset";
    case CpeRelation::kEqual:
      return "equal";
    case CpeRelation::kDisjoint:
      return "disjoint";
    case CpeRelation::kUndefined:
      break;
  }
  return "undefined";
}

CpeComparison CompareCpe(const Cpe& source, const Cpe& target) {
  CpeComparison result;
  bool all_equal = true;
  bool superset = true;
  bool subset = true;
  bool disjoint = false;
  for (std::size_t k = 0; k < kCpeAttributes; ++k) {
    const CpeRelation r = CompareAttribute(source.attributes[k], target.attributes[k]);
    result.attributes[k] = r;
    all_equal = all_equal && r == CpeRelation::kEqual;
    superset = superset && (r == CpeRelation::kEqual || r == CpeRelation::kSuperset);
    subset = subset && (r == CpeRelation::kEqual || r == CpeRelation::kSubset);
    disjoint = disjoint || r == CpeRelation::kDisjoint;
  }
  if (disjoint) {
    result.name = CpeRelation::kDisjoint;
  } else if (all_equal) {
    result.name = CpeRelation::kEqual;
  } else if (superset) {
    result.name = CpeRelation::kSuperset;
  } else if (subset) {
    result.name = CpeRelation::kSubset;
  } else {
    result.name = CpeRelation::kUndefined;
  }
  return result;
}

CpeMatch MatchCpe(const Cpe& source, const Cpe& target, bool ignore_version) {
  Cpe effective = source;
  if (ignore_version) effective.attributes[3] = CpeValue{};
  const CpeComparison c = CompareCpe(effective, target);
  for (std::size_t k = 0; k < kCpeAttributes; ++k) {
    const CpeRelation r = c.attributes[k];
    if (r == CpeRelation::kEqual || r == CpeRelation::kSuperset) continue;
    const std::string why =
        r == CpeRelation::kSubset
            ? "is narrower than"
            : (r == CpeRelation::kUndefined ? "cannot be compared with" : "differs from");
    return {false, fmt::format("cpe {} '{}' {} '{}'", kNames[k], effective.attributes[k].Display(),
                               why, target.attributes[k].Display())};
  }
  return {true,
          fmt::format("cpe {} covers {}{}", source.ToFormattedString(), target.ToFormattedString(),
                      ignore_version ? " (version checked separately)" : "")};
}

}  // namespace caduceus::advisories
