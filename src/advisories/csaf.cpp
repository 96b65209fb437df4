// CSAF 2.0 parsing. A validation failure unwinds to ParseCsaf through the private Failure type,
// which never leaves this file; ParseCsaf returns it as an Error value.
#include "advisories/csaf.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "core/json.h"

namespace caduceus::advisories {
namespace {

namespace json = boost::json;

struct Failure {
  Error error;
};

[[noreturn]] void Fail(std::string_view test, std::string_view message, const std::string& ptr) {
  const std::string where = ptr.empty() ? std::string("/") : ptr;
  throw Failure{Error::Invalid(fmt::format("[{}] {} (at {})", test, message, where), where)};
}

[[noreturn]] void FailSchema(std::string_view message, const std::string& ptr) {
  Fail("schema", message, ptr);
}

bool OneOf(std::string_view value, std::initializer_list<std::string_view> allowed) {
  return std::find(allowed.begin(), allowed.end(), value) != allowed.end();
}

const json::value* Member(const json::object& object, std::string_view key) {
  return object.if_contains(key);
}

const json::object& AsObject(const json::value& value, const std::string& ptr) {
  if (!value.is_object()) FailSchema("must be an object", ptr);
  return value.get_object();
}

const json::array& AsArray(const json::value& value, const std::string& ptr) {
  if (!value.is_array()) FailSchema("must be an array", ptr);
  if (value.get_array().empty()) FailSchema("must not be empty", ptr);
  return value.get_array();
}

std::string AsString(const json::value& value, const std::string& ptr) {
  if (!value.is_string()) FailSchema("must be a string", ptr);
  if (value.get_string().empty()) FailSchema("must not be empty", ptr);
  return std::string(value.get_string());
}

std::string RequiredString(const json::object& object,
                           std::string_view key,
                           const std::string& ptr) {
  const json::value* value = Member(object, key);
  if (value == nullptr) FailSchema(fmt::format("missing required property '{}'", key), ptr);
  return AsString(*value, JsonPointerChild(ptr, key));
}

std::string OptionalString(const json::object& object,
                           std::string_view key,
                           const std::string& ptr) {
  const json::value* value = Member(object, key);
  return value == nullptr ? std::string() : AsString(*value, JsonPointerChild(ptr, key));
}

std::string RequiredEnum(const json::object& object,
                         std::string_view key,
                         const std::string& ptr,
                         std::initializer_list<std::string_view> allowed) {
  std::string value = RequiredString(object, key, ptr);
  if (!OneOf(value, allowed)) {
    FailSchema(fmt::format("'{}' is not an allowed {}", value, key), JsonPointerChild(ptr, key));
  }
  return value;
}

std::vector<std::string> OptionalStrings(const json::object& object,
                                         std::string_view key,
                                         const std::string& ptr) {
  std::vector<std::string> out;
  const json::value* value = Member(object, key);
  if (value == nullptr) return out;
  const std::string list_ptr = JsonPointerChild(ptr, key);
  const json::array& array = AsArray(*value, list_ptr);
  out.reserve(array.size());
  for (std::size_t i = 0; i < array.size(); ++i)
    out.push_back(AsString(array[i], JsonPointerChild(list_ptr, i)));
  return out;
}

DateTime AsDate(const json::value& value, const std::string& ptr) {
  std::string text = AsString(value, ptr);
  const auto parsed = ParseRfc3339(text);
  if (!parsed) FailSchema(fmt::format("'{}' is not an RFC 3339 date-time", text), ptr);
  return DateTime{std::move(text), *parsed};
}

std::optional<DateTime> OptionalDate(const json::object& object,
                                     std::string_view key,
                                     const std::string& ptr) {
  const json::value* value = Member(object, key);
  if (value == nullptr) return std::nullopt;
  return AsDate(*value, JsonPointerChild(ptr, key));
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

bool IsAlnumHyphen(char c) {
  return IsDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-';
}

// A number without leading zeros: "0" or [1-9][0-9]*.
bool IsCanonicalNumber(std::string_view s) {
  if (s.empty() || !std::all_of(s.begin(), s.end(), IsDigit)) return false;
  return s.size() == 1 || s.front() != '0';
}

// Compares two canonical decimal numbers of any length.
int CompareNumbers(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
  const int c = a.compare(b);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

std::string Increment(std::string number) {
  for (auto it = number.rbegin(); it != number.rend(); ++it) {
    if (*it != '9') {
      ++*it;
      return number;
    }
    *it = '0';
  }
  return "1" + number;
}

// version_t: an integer ("3") or a semantic version ("1.2.3-rc.1+build.5").
struct Version {
  bool semantic = false;
  std::string major, minor, patch;
  std::vector<std::string> pre;
  std::string build;
};

std::vector<std::string> SplitDots(std::string_view s) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = s.find('.', start);
    parts.emplace_back(s.substr(start, dot == std::string_view::npos ? s.npos : dot - start));
    if (dot == std::string_view::npos) return parts;
    start = dot + 1;
  }
}

std::optional<Version> ParseVersion(std::string_view text) {
  Version v;
  if (IsCanonicalNumber(text)) {
    v.major = std::string(text);
    return v;
  }
  v.semantic = true;
  if (const std::size_t plus = text.find('+'); plus != std::string_view::npos) {
    v.build = std::string(text.substr(plus + 1));
    for (const std::string& part : SplitDots(v.build)) {
      if (part.empty() || !std::all_of(part.begin(), part.end(), IsAlnumHyphen))
        return std::nullopt;
    }
    text = text.substr(0, plus);
  }
  if (const std::size_t hyphen = text.find('-'); hyphen != std::string_view::npos) {
    v.pre = SplitDots(text.substr(hyphen + 1));
    for (const std::string& part : v.pre) {
      if (part.empty() || !std::all_of(part.begin(), part.end(), IsAlnumHyphen))
        return std::nullopt;
      if (std::all_of(part.begin(), part.end(), IsDigit) && !IsCanonicalNumber(part)) {
        return std::nullopt;
      }
    }
    text = text.substr(0, hyphen);
  }
  const std::vector<std::string> core = SplitDots(text);
  if (core.size() != 3) return std::nullopt;
  for (const std::string& part : core) {
    if (!IsCanonicalNumber(part)) return std::nullopt;
  }
  v.major = core[0];
  v.minor = core[1];
  v.patch = core[2];
  return v;
}

// Semantic versioning precedence (build metadata ignored); an integer version compares as a
// major version.
int CompareVersions(const Version& a, const Version& b) {
  if (int c = CompareNumbers(a.major, b.major); c != 0) return c;
  if (int c = CompareNumbers(a.minor.empty() ? "0" : a.minor, b.minor.empty() ? "0" : b.minor);
      c != 0) {
    return c;
  }
  if (int c = CompareNumbers(a.patch.empty() ? "0" : a.patch, b.patch.empty() ? "0" : b.patch);
      c != 0) {
    return c;
  }
  if (a.pre.empty() || b.pre.empty()) {
    if (a.pre.empty() == b.pre.empty()) return 0;
    return a.pre.empty() ? 1 : -1;
  }
  for (std::size_t i = 0; i < std::min(a.pre.size(), b.pre.size()); ++i) {
    const std::string& x = a.pre[i];
    const std::string& y = b.pre[i];
    const bool x_num = std::all_of(x.begin(), x.end(), IsDigit);
    const bool y_num = std::all_of(y.begin(), y.end(), IsDigit);
    int c = 0;
    if (x_num && y_num) {
      c = CompareNumbers(x, y);
    } else if (x_num != y_num) {
      c = x_num ? -1 : 1;
    } else {
      c = x.compare(y) < 0 ? -1 : (x.compare(y) > 0 ? 1 : 0);
    }
    if (c != 0) return c;
  }
  if (a.pre.size() == b.pre.size()) return 0;
  return a.pre.size() < b.pre.size() ? -1 : 1;
}

bool IsZeroMajor(const Version& v) { return v.major == "0"; }

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// 6.1.31: a product_version name that reads like a range.
bool LooksLikeRange(std::string_view name) {
  if (name.find('<') != std::string_view::npos || name.find('>') != std::string_view::npos) {
    return true;
  }
  const std::string lower = Lower(name);
  std::size_t i = 0;
  while (i < lower.size()) {
    while (i < lower.size() && !std::isalpha(static_cast<unsigned char>(lower[i]))) ++i;
    std::size_t j = i;
    while (j < lower.size() && std::isalpha(static_cast<unsigned char>(lower[j]))) ++j;
    if (OneOf(std::string_view(lower).substr(i, j - i),
              {"after", "all", "before", "earlier", "later", "prior", "versions"})) {
      return true;
    }
    i = j;
  }
  return false;
}

// The schema's purl pattern ^pkg:[A-Za-z\.\-\+][A-Za-z0-9\.\-\+]*/.+
bool PurlMatchesSchema(std::string_view purl) {
  if (purl.substr(0, 4) != "pkg:") return false;
  purl.remove_prefix(4);
  const std::size_t slash = purl.find('/');
  if (slash == 0 || slash == std::string_view::npos || slash + 1 == purl.size()) return false;
  const auto type_char = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || IsDigit(c) || c == '.' || c == '-' ||
           c == '+';
  };
  const std::string_view type = purl.substr(0, slash);
  return !IsDigit(type.front()) && std::all_of(type.begin(), type.end(), type_char);
}

// 6.1.13: beyond the pattern, a purl needs a non-empty name before the version, qualifiers and
// subpath.
bool PurlHasName(std::string_view purl) {
  std::string_view rest = purl.substr(purl.find('/') + 1);
  rest = rest.substr(0, rest.find('#'));
  rest = rest.substr(0, rest.find('?'));
  if (const std::size_t at = rest.rfind('@'); at != std::string_view::npos) {
    rest = rest.substr(0, at);
  }
  while (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  const std::size_t last = rest.rfind('/');
  const std::string_view name = last == std::string_view::npos ? rest : rest.substr(last + 1);
  return !name.empty();
}

std::string SeverityOf(double score) {
  if (score == 0) return "NONE";
  if (score < 4.0) return "LOW";
  if (score < 7.0) return "MEDIUM";
  if (score < 9.0) return "HIGH";
  return "CRITICAL";
}

// CVSS v3.1 Roundup (specification appendix A); v3.0 rounds up to one decimal directly.
double Roundup(double value, bool v31) {
  if (!v31) return std::ceil(value * 10 - 1e-9) / 10;
  const auto scaled = static_cast<std::int64_t>(std::llround(value * 100000));
  if (scaled % 10000 == 0) return static_cast<double>(scaled) / 100000.0;
  return static_cast<double>(scaled / 10000 + 1) / 10.0;
}

using Metrics = std::map<std::string, std::string, std::less<>>;

// Splits "K:V/K:V" into metrics; rejects unknown keys, values and repeated keys.
std::optional<Metrics> ParseMetrics(
    std::string_view text,
    const std::map<std::string_view, std::vector<std::string_view>>& allowed) {
  Metrics metrics;
  for (const std::string& part : [&] {
         std::vector<std::string> parts;
         std::size_t start = 0;
         while (true) {
           const std::size_t slash = text.find('/', start);
           parts.emplace_back(
               text.substr(start, slash == std::string_view::npos ? text.npos : slash - start));
           if (slash == std::string_view::npos) return parts;
           start = slash + 1;
         }
       }()) {
    const std::size_t colon = part.find(':');
    if (colon == std::string::npos) return std::nullopt;
    const std::string key = part.substr(0, colon);
    const std::string value = part.substr(colon + 1);
    const auto it = allowed.find(key);
    if (it == allowed.end()) return std::nullopt;
    if (std::find(it->second.begin(), it->second.end(), value) == it->second.end()) {
      return std::nullopt;
    }
    if (!metrics.emplace(key, value).second) return std::nullopt;
  }
  return metrics;
}

const std::map<std::string_view, std::vector<std::string_view>>& V3Metrics() {
  static const std::map<std::string_view, std::vector<std::string_view>> kMetrics = {
      {"AV", {"N", "A", "L", "P"}},
      {"AC", {"L", "H"}},
      {"PR", {"N", "L", "H"}},
      {"UI", {"N", "R"}},
      {"S", {"U", "C"}},
      {"C", {"H", "L", "N"}},
      {"I", {"H", "L", "N"}},
      {"A", {"H", "L", "N"}},
      {"E", {"X", "U", "P", "F", "H"}},
      {"RL", {"X", "O", "T", "W", "U"}},
      {"RC", {"X", "U", "R", "C"}},
      {"CR", {"X", "L", "M", "H"}},
      {"IR", {"X", "L", "M", "H"}},
      {"AR", {"X", "L", "M", "H"}},
      {"MAV", {"X", "N", "A", "L", "P"}},
      {"MAC", {"X", "L", "H"}},
      {"MPR", {"X", "N", "L", "H"}},
      {"MUI", {"X", "N", "R"}},
      {"MS", {"X", "U", "C"}},
      {"MC", {"X", "N", "L", "H"}},
      {"MI", {"X", "N", "L", "H"}},
      {"MA", {"X", "N", "L", "H"}}};
  return kMetrics;
}

const std::map<std::string_view, std::vector<std::string_view>>& V2Metrics() {
  static const std::map<std::string_view, std::vector<std::string_view>> kMetrics = {
      {"AV", {"L", "A", "N"}},
      {"AC", {"H", "M", "L"}},
      {"Au", {"M", "S", "N"}},
      {"C", {"N", "P", "C"}},
      {"I", {"N", "P", "C"}},
      {"A", {"N", "P", "C"}},
      {"E", {"U", "POC", "F", "H", "ND"}},
      {"RL", {"OF", "TF", "W", "U", "ND"}},
      {"RC", {"UC", "UR", "C", "ND"}},
      {"CDP", {"N", "L", "LM", "MH", "H", "ND"}},
      {"TD", {"N", "L", "M", "H", "ND"}},
      {"CR", {"L", "M", "H", "ND"}},
      {"IR", {"L", "M", "H", "ND"}},
      {"AR", {"L", "M", "H", "ND"}}};
  return kMetrics;
}

double V3BaseScore(const Metrics& m, bool v31) {
  const auto get = [&](const char* key) { return m.find(key)->second; };
  const bool changed = get("S") == "C";
  const std::map<std::string, double> av = {{"N", 0.85}, {"A", 0.62}, {"L", 0.55}, {"P", 0.2}};
  const double ac = get("AC") == "L" ? 0.77 : 0.44;
  double pr = 0.85;
  if (get("PR") == "L") pr = changed ? 0.68 : 0.62;
  if (get("PR") == "H") pr = changed ? 0.5 : 0.27;
  const double ui = get("UI") == "N" ? 0.85 : 0.62;
  const auto cia = [](const std::string& v) { return v == "H" ? 0.56 : (v == "L" ? 0.22 : 0.0); };
  const double iss = 1 - (1 - cia(get("C"))) * (1 - cia(get("I"))) * (1 - cia(get("A")));
  const double impact =
      changed ? 7.52 * (iss - 0.029) - 3.25 * std::pow(iss - 0.02, 15) : 6.42 * iss;
  const double exploitability = 8.22 * av.at(get("AV")) * ac * pr * ui;
  if (impact <= 0) return 0;
  if (changed) return Roundup(std::min(1.08 * (impact + exploitability), 10.0), v31);
  return Roundup(std::min(impact + exploitability, 10.0), v31);
}

double V2BaseScore(const Metrics& m) {
  const auto get = [&](const char* key) { return m.find(key)->second; };
  const std::map<std::string, double> av = {{"L", 0.395}, {"A", 0.646}, {"N", 1.0}};
  const std::map<std::string, double> ac = {{"H", 0.35}, {"M", 0.61}, {"L", 0.71}};
  const std::map<std::string, double> au = {{"M", 0.45}, {"S", 0.56}, {"N", 0.704}};
  const auto cia = [](const std::string& v) { return v == "C" ? 0.660 : (v == "P" ? 0.275 : 0.0); };
  const double impact =
      10.41 * (1 - (1 - cia(get("C"))) * (1 - cia(get("I"))) * (1 - cia(get("A"))));
  const double exploitability = 20 * av.at(get("AV")) * ac.at(get("AC")) * au.at(get("Au"));
  const double f = impact == 0 ? 0 : 1.176;
  return std::round((0.6 * impact + 0.4 * exploitability - 1.5) * f * 10) / 10;
}

struct PropertyMapping {
  std::string_view metric;
  std::string_view property;
  std::vector<std::pair<std::string_view, std::string_view>> values;
};

const std::vector<PropertyMapping>& V3Properties() {
  static const std::vector<PropertyMapping> kMappings = {
      {"AV",
       "attackVector",
       {{"N", "NETWORK"}, {"A", "ADJACENT_NETWORK"}, {"L", "LOCAL"}, {"P", "PHYSICAL"}}},
      {"AC", "attackComplexity", {{"L", "LOW"}, {"H", "HIGH"}}},
      {"PR", "privilegesRequired", {{"N", "NONE"}, {"L", "LOW"}, {"H", "HIGH"}}},
      {"UI", "userInteraction", {{"N", "NONE"}, {"R", "REQUIRED"}}},
      {"S", "scope", {{"U", "UNCHANGED"}, {"C", "CHANGED"}}},
      {"C", "confidentialityImpact", {{"N", "NONE"}, {"L", "LOW"}, {"H", "HIGH"}}},
      {"I", "integrityImpact", {{"N", "NONE"}, {"L", "LOW"}, {"H", "HIGH"}}},
      {"A", "availabilityImpact", {{"N", "NONE"}, {"L", "LOW"}, {"H", "HIGH"}}}};
  return kMappings;
}

const std::vector<PropertyMapping>& V2Properties() {
  static const std::vector<PropertyMapping> kMappings = {
      {"AV", "accessVector", {{"L", "LOCAL"}, {"A", "ADJACENT_NETWORK"}, {"N", "NETWORK"}}},
      {"AC", "accessComplexity", {{"H", "HIGH"}, {"M", "MEDIUM"}, {"L", "LOW"}}},
      {"Au", "authentication", {{"M", "MULTIPLE"}, {"S", "SINGLE"}, {"N", "NONE"}}},
      {"C", "confidentialityImpact", {{"N", "NONE"}, {"P", "PARTIAL"}, {"C", "COMPLETE"}}},
      {"I", "integrityImpact", {{"N", "NONE"}, {"P", "PARTIAL"}, {"C", "COMPLETE"}}},
      {"A", "availabilityImpact", {{"N", "NONE"}, {"P", "PARTIAL"}, {"C", "COMPLETE"}}}};
  return kMappings;
}

class Parser {
 public:
  explicit Parser(const ParseOptions& options) : options_(options) {}

  Advisory Run(const json::value& root) {
    const json::object& top = AsObject(root, "");
    const json::value* document = Member(top, "document");
    if (document == nullptr) FailSchema("missing required property 'document'", "");
    ParseDocument(AsObject(*document, "/document"));
    if (const json::value* tree = Member(top, "product_tree")) {
      ParseProductTree(AsObject(*tree, "/product_tree"));
    }
    if (const json::value* vulnerabilities = Member(top, "vulnerabilities")) {
      const json::array& array = AsArray(*vulnerabilities, "/vulnerabilities");
      if (array.size() > options_.max_vulnerabilities) {
        Fail("limit", fmt::format("more than {} vulnerabilities", options_.max_vulnerabilities),
             "/vulnerabilities");
      }
      for (std::size_t i = 0; i < array.size(); ++i) {
        ParseVulnerability(array[i], JsonPointerChild("/vulnerabilities", i));
      }
    }
    if (options_.mandatory_tests) CheckProfile(top);
    return std::move(advisory_);
  }

 private:
  // --- document -------------------------------------------------------------------------------

  static Note ParseNote(const json::value& value, const std::string& ptr) {
    const json::object& object = AsObject(value, ptr);
    Note note;
    note.category = RequiredEnum(
        object, "category", ptr,
        {"description", "details", "faq", "general", "legal_disclaimer", "other", "summary"});
    note.text = RequiredString(object, "text", ptr);
    note.title = OptionalString(object, "title", ptr);
    return note;
  }

  static std::vector<Note> ParseNotes(const json::object& object, const std::string& ptr) {
    std::vector<Note> notes;
    if (const json::value* value = Member(object, "notes")) {
      const std::string list_ptr = JsonPointerChild(ptr, "notes");
      const json::array& array = AsArray(*value, list_ptr);
      for (std::size_t i = 0; i < array.size(); ++i) {
        notes.push_back(ParseNote(array[i], JsonPointerChild(list_ptr, i)));
      }
    }
    return notes;
  }

  static std::vector<Reference> ParseReferences(const json::object& object,
                                                const std::string& ptr) {
    std::vector<Reference> references;
    if (const json::value* value = Member(object, "references")) {
      const std::string list_ptr = JsonPointerChild(ptr, "references");
      const json::array& array = AsArray(*value, list_ptr);
      for (std::size_t i = 0; i < array.size(); ++i) {
        const std::string item_ptr = JsonPointerChild(list_ptr, i);
        const json::object& item = AsObject(array[i], item_ptr);
        Reference reference;
        reference.summary = RequiredString(item, "summary", item_ptr);
        reference.url = RequiredString(item, "url", item_ptr);
        reference.category = Member(item, "category") == nullptr
                                 ? std::string("external")
                                 : RequiredEnum(item, "category", item_ptr, {"external", "self"});
        references.push_back(std::move(reference));
      }
    }
    return references;
  }

  void ParseDocument(const json::object& document) {
    const std::string ptr = "/document";
    advisory_.category = RequiredString(document, "category", ptr);
    advisory_.csaf_version = RequiredEnum(document, "csaf_version", ptr, {"2.0"});
    advisory_.title = RequiredString(document, "title", ptr);
    advisory_.lang = OptionalString(document, "lang", ptr);
    advisory_.source_lang = OptionalString(document, "source_lang", ptr);

    const json::value* publisher = Member(document, "publisher");
    if (publisher == nullptr) FailSchema("missing required property 'publisher'", ptr);
    const std::string publisher_ptr = JsonPointerChild(ptr, "publisher");
    const json::object& pub = AsObject(*publisher, publisher_ptr);
    advisory_.publisher.category =
        RequiredEnum(pub, "category", publisher_ptr,
                     {"coordinator", "discoverer", "other", "translator", "user", "vendor"});
    advisory_.publisher.name = RequiredString(pub, "name", publisher_ptr);
    advisory_.publisher.namespace_url = RequiredString(pub, "namespace", publisher_ptr);
    advisory_.publisher.contact_details = OptionalString(pub, "contact_details", publisher_ptr);
    advisory_.publisher.issuing_authority = OptionalString(pub, "issuing_authority", publisher_ptr);

    if (const json::value* distribution = Member(document, "distribution")) {
      const std::string dist_ptr = JsonPointerChild(ptr, "distribution");
      const json::object& dist = AsObject(*distribution, dist_ptr);
      advisory_.distribution_text = OptionalString(dist, "text", dist_ptr);
      if (const json::value* tlp = Member(dist, "tlp")) {
        const std::string tlp_ptr = JsonPointerChild(dist_ptr, "tlp");
        const json::object& tlp_object = AsObject(*tlp, tlp_ptr);
        advisory_.tlp_label =
            RequiredEnum(tlp_object, "label", tlp_ptr, {"AMBER", "GREEN", "RED", "WHITE"});
        advisory_.tlp_url = OptionalString(tlp_object, "url", tlp_ptr);
      }
    }

    advisory_.notes = ParseNotes(document, ptr);
    for (const Note& note : advisory_.notes) {
      if (note.category == "summary") {
        advisory_.summary = note.text;
        break;
      }
    }
    advisory_.references = ParseReferences(document, ptr);

    const json::value* tracking = Member(document, "tracking");
    if (tracking == nullptr) FailSchema("missing required property 'tracking'", ptr);
    ParseTracking(AsObject(*tracking, JsonPointerChild(ptr, "tracking")));

    if (options_.mandatory_tests) {
      if (advisory_.publisher.category == "translator" && advisory_.source_lang.empty()) {
        Fail("6.1.15", "a translator's document needs source_lang",
             JsonPointerChild(ptr, "source_lang"));
      }
      if (!advisory_.lang.empty() && Lower(advisory_.lang) == Lower(advisory_.source_lang)) {
        Fail("6.1.28", "lang equals source_lang", JsonPointerChild(ptr, "lang"));
      }
    }
  }

  void ParseTracking(const json::object& tracking) {
    const std::string ptr = "/document/tracking";
    Tracking& t = advisory_.tracking;
    t.id = RequiredString(tracking, "id", ptr);
    t.status = RequiredEnum(tracking, "status", ptr, {"draft", "final", "interim"});
    t.version = RequiredString(tracking, "version", ptr);
    const json::value* initial = Member(tracking, "initial_release_date");
    if (initial == nullptr) FailSchema("missing required property 'initial_release_date'", ptr);
    t.initial_release_date = AsDate(*initial, JsonPointerChild(ptr, "initial_release_date"));
    const json::value* current = Member(tracking, "current_release_date");
    if (current == nullptr) FailSchema("missing required property 'current_release_date'", ptr);
    t.current_release_date = AsDate(*current, JsonPointerChild(ptr, "current_release_date"));
    t.aliases = OptionalStrings(tracking, "aliases", ptr);
    if (const json::value* generator = Member(tracking, "generator")) {
      const std::string generator_ptr = JsonPointerChild(ptr, "generator");
      OptionalDate(AsObject(*generator, generator_ptr), "date", generator_ptr);
    }

    const std::optional<Version> version = ParseVersion(t.version);
    if (!version)
      FailSchema("version is neither an integer nor a semantic version",
                 JsonPointerChild(ptr, "version"));

    const json::value* history = Member(tracking, "revision_history");
    if (history == nullptr) FailSchema("missing required property 'revision_history'", ptr);
    const std::string history_ptr = JsonPointerChild(ptr, "revision_history");
    const json::array& array = AsArray(*history, history_ptr);
    std::vector<Version> numbers;
    for (std::size_t i = 0; i < array.size(); ++i) {
      const std::string item_ptr = JsonPointerChild(history_ptr, i);
      const json::object& item = AsObject(array[i], item_ptr);
      Revision revision;
      const json::value* date = Member(item, "date");
      if (date == nullptr) FailSchema("missing required property 'date'", item_ptr);
      revision.date = AsDate(*date, JsonPointerChild(item_ptr, "date"));
      revision.number = RequiredString(item, "number", item_ptr);
      revision.summary = RequiredString(item, "summary", item_ptr);
      std::optional<Version> number = ParseVersion(revision.number);
      if (!number) {
        FailSchema("number is neither an integer nor a semantic version",
                   JsonPointerChild(item_ptr, "number"));
      }
      numbers.push_back(std::move(*number));
      t.revision_history.push_back(std::move(revision));
    }
    if (options_.mandatory_tests) CheckVersions(*version, numbers);
  }

  void CheckVersions(const Version& version, const std::vector<Version>& numbers) {
    const Tracking& t = advisory_.tracking;
    const std::string ptr = "/document/tracking";
    const std::string history_ptr = JsonPointerChild(ptr, "revision_history");
    const auto number_ptr = [&](std::size_t i) {
      return JsonPointerChild(JsonPointerChild(history_ptr, i), "number");
    };
    const bool released = t.status == "final" || t.status == "interim";

    for (std::size_t i = 0; i < numbers.size(); ++i) {
      if (numbers[i].semantic != version.semantic) {
        Fail("6.1.30", "integer and semantic versioning are mixed", number_ptr(i));
      }
    }
    std::set<std::string> seen;
    for (std::size_t i = 0; i < numbers.size(); ++i) {
      if (!seen.insert(t.revision_history[i].number).second) {
        Fail("6.1.22", fmt::format("revision {} appears twice", t.revision_history[i].number),
             number_ptr(i));
      }
    }
    std::vector<std::size_t> by_date(numbers.size());
    for (std::size_t i = 0; i < by_date.size(); ++i) by_date[i] = i;
    std::stable_sort(by_date.begin(), by_date.end(), [&](std::size_t a, std::size_t b) {
      const TimePoint x = t.revision_history[a].date.value;
      const TimePoint y = t.revision_history[b].date.value;
      return x != y ? x < y : CompareVersions(numbers[a], numbers[b]) < 0;
    });
    if (released && !version.pre.empty()) {
      Fail("6.1.20", "a released document's version has a pre-release part",
           JsonPointerChild(ptr, "version"));
    }
    if ((IsZeroMajor(version) || !version.pre.empty()) && t.status != "draft") {
      Fail("6.1.17", fmt::format("version {} needs status draft", t.version),
           JsonPointerChild(ptr, "status"));
    }
    for (std::size_t i = 0; i < numbers.size(); ++i) {
      if (released && IsZeroMajor(numbers[i])) {
        Fail("6.1.18", "a released document lists a revision of major version 0", number_ptr(i));
      }
      if (!numbers[i].pre.empty()) {
        Fail("6.1.19", "a revision number has a pre-release part", number_ptr(i));
      }
    }
    for (std::size_t k = 1; k < by_date.size(); ++k) {
      if (CompareVersions(numbers[by_date[k - 1]], numbers[by_date[k]]) > 0) {
        Fail("6.1.14", "revision history numbers do not ascend with their dates",
             number_ptr(by_date[k]));
      }
    }
    const Version& latest = numbers[by_date.back()];
    Version a = version;
    Version b = latest;
    if (t.status == "draft") {
      a.pre.clear();
      b.pre.clear();
    }
    if (CompareVersions(a, b) != 0 || a.semantic != b.semantic) {
      Fail("6.1.16",
           fmt::format("version {} is not the latest revision {}", t.version,
                       t.revision_history[by_date.back()].number),
           JsonPointerChild(ptr, "version"));
    }
    const Version& first = numbers[by_date.front()];
    if (first.major != "0" && first.major != "1") {
      Fail("6.1.21", "the revision history does not start at 0 or 1", number_ptr(by_date[0]));
    }
    for (std::size_t k = 1; k < by_date.size(); ++k) {
      const std::string& previous = numbers[by_date[k - 1]].major;
      const std::string& current = numbers[by_date[k]].major;
      if (current != previous && current != Increment(previous)) {
        Fail("6.1.21", "the revision history skips a version", number_ptr(by_date[k]));
      }
    }
  }

  // --- product tree ---------------------------------------------------------------------------

  IdentificationHelper ParseHelper(const json::value& value, const std::string& ptr) {
    const json::object& object = AsObject(value, ptr);
    IdentificationHelper helper;
    helper.cpe = OptionalString(object, "cpe", ptr);
    if (!helper.cpe.empty() && helper.cpe.rfind("cpe:2.3:", 0) != 0 &&
        helper.cpe.rfind("cpe:/", 0) != 0) {
      FailSchema("cpe is not a CPE 2.2 or 2.3 name", JsonPointerChild(ptr, "cpe"));
    }
    helper.purl = OptionalString(object, "purl", ptr);
    if (!helper.purl.empty()) {
      if (!PurlMatchesSchema(helper.purl))
        FailSchema("purl is not a package URL", JsonPointerChild(ptr, "purl"));
      if (options_.mandatory_tests && !PurlHasName(helper.purl)) {
        Fail("6.1.13", "purl has no package name", JsonPointerChild(ptr, "purl"));
      }
    }
    helper.model_numbers = OptionalStrings(object, "model_numbers", ptr);
    helper.serial_numbers = OptionalStrings(object, "serial_numbers", ptr);
    helper.skus = OptionalStrings(object, "skus", ptr);
    helper.sbom_urls = OptionalStrings(object, "sbom_urls", ptr);
    if (const json::value* hashes = Member(object, "hashes")) {
      const std::string hashes_ptr = JsonPointerChild(ptr, "hashes");
      const json::array& array = AsArray(*hashes, hashes_ptr);
      for (std::size_t i = 0; i < array.size(); ++i) {
        const std::string item_ptr = JsonPointerChild(hashes_ptr, i);
        const json::object& item = AsObject(array[i], item_ptr);
        FileHash file;
        file.filename = RequiredString(item, "filename", item_ptr);
        const json::value* file_hashes = Member(item, "file_hashes");
        if (file_hashes == nullptr) FailSchema("missing required property 'file_hashes'", item_ptr);
        const std::string list_ptr = JsonPointerChild(item_ptr, "file_hashes");
        const json::array& list = AsArray(*file_hashes, list_ptr);
        std::set<std::string> algorithms;
        for (std::size_t j = 0; j < list.size(); ++j) {
          const std::string hash_ptr = JsonPointerChild(list_ptr, j);
          const json::object& hash = AsObject(list[j], hash_ptr);
          std::string algorithm = RequiredString(hash, "algorithm", hash_ptr);
          std::string digest = RequiredString(hash, "value", hash_ptr);
          if (options_.mandatory_tests && !algorithms.insert(Lower(algorithm)).second) {
            Fail("6.1.25", fmt::format("hash algorithm {} is used twice", algorithm), hash_ptr);
          }
          file.hashes.emplace_back(std::move(algorithm), std::move(digest));
        }
        helper.hashes.push_back(std::move(file));
      }
    }
    if (const json::value* uris = Member(object, "x_generic_uris")) {
      const std::string uris_ptr = JsonPointerChild(ptr, "x_generic_uris");
      const json::array& array = AsArray(*uris, uris_ptr);
      for (std::size_t i = 0; i < array.size(); ++i) {
        const std::string item_ptr = JsonPointerChild(uris_ptr, i);
        const json::object& item = AsObject(array[i], item_ptr);
        helper.generic_uris.emplace_back(RequiredString(item, "namespace", item_ptr),
                                         RequiredString(item, "uri", item_ptr));
      }
    }
    return helper;
  }

  Product ParseFullProductName(const json::value& value, const std::string& ptr) {
    const json::object& object = AsObject(value, ptr);
    Product product;
    product.name = RequiredString(object, "name", ptr);
    product.product_id = RequiredString(object, "product_id", ptr);
    if (const json::value* helper = Member(object, "product_identification_helper")) {
      product.helper = ParseHelper(*helper, JsonPointerChild(ptr, "product_identification_helper"));
    }
    return product;
  }

  void Define(Product product, const std::string& ptr) {
    if (advisory_.products.size() >= options_.max_products) {
      Fail("limit", fmt::format("more than {} products", options_.max_products), ptr);
    }
    const std::string id_ptr = JsonPointerChild(ptr, "product_id");
    if (!product_index_.emplace(product.product_id, advisory_.products.size()).second) {
      if (options_.mandatory_tests) {
        Fail("6.1.2", fmt::format("product ID {} is defined twice", product.product_id), id_ptr);
      }
      return;
    }
    advisory_.products.push_back(std::move(product));
  }

  void ParseBranches(const json::value& value,
                     const std::string& ptr,
                     std::vector<BranchStep>& path) {
    if (static_cast<int>(path.size()) >= options_.max_branch_depth) {
      Fail("limit", fmt::format("branches nest deeper than {}", options_.max_branch_depth), ptr);
    }
    const json::array& array = AsArray(value, ptr);
    for (std::size_t i = 0; i < array.size(); ++i) {
      const std::string branch_ptr = JsonPointerChild(ptr, i);
      const json::object& branch = AsObject(array[i], branch_ptr);
      BranchStep step;
      step.category =
          RequiredEnum(branch, "category", branch_ptr,
                       {"architecture", "host_name", "language", "legacy", "patch_level",
                        "product_family", "product_name", "product_version",
                        "product_version_range", "service_pack", "specification", "vendor"});
      step.name = RequiredString(branch, "name", branch_ptr);
      if (options_.mandatory_tests && options_.reject_ranges_in_product_version &&
          step.category == "product_version" && LooksLikeRange(step.name)) {
        Fail("6.1.31", fmt::format("product_version '{}' is a version range", step.name),
             JsonPointerChild(branch_ptr, "name"));
      }
      const json::value* children = Member(branch, "branches");
      const json::value* product = Member(branch, "product");
      if (children == nullptr && product == nullptr) {
        FailSchema("a branch needs 'branches' or 'product'", branch_ptr);
      }
      path.push_back(std::move(step));
      if (product != nullptr) {
        const std::string product_ptr = JsonPointerChild(branch_ptr, "product");
        Product leaf = ParseFullProductName(*product, product_ptr);
        leaf.source = Product::Source::kBranch;
        leaf.path = path;
        for (const BranchStep& s : path) {
          if (s.category == "vendor") leaf.vendor = s.name;
          if (s.category == "product_name") leaf.product_name = s.name;
          if (s.category == "product_version") leaf.version = s.name;
          if (s.category == "product_version_range") leaf.version_range = s.name;
          if (s.category == "product_version" && LooksLikeRange(s.name)) {
            leaf.version_range = s.name;
          }
        }
        Define(std::move(leaf), product_ptr);
      }
      if (children != nullptr)
        ParseBranches(*children, JsonPointerChild(branch_ptr, "branches"), path);
      path.pop_back();
    }
  }

  void RequireProduct(const std::string& id, const std::string& ptr) const {
    if (options_.mandatory_tests && product_index_.count(id) == 0) {
      Fail("6.1.1", fmt::format("product ID {} is not defined", id), ptr);
    }
  }

  void RequireGroup(const std::string& id, const std::string& ptr) const {
    if (options_.mandatory_tests && groups_.count(id) == 0) {
      Fail("6.1.4", fmt::format("product group ID {} is not defined", id), ptr);
    }
  }

  struct PendingRelationship {
    std::size_t product;  // index into advisory_.products
    std::string ptr;
  };

  void ParseProductTree(const json::object& tree) {
    const std::string ptr = "/product_tree";
    if (const json::value* branches = Member(tree, "branches")) {
      std::vector<BranchStep> path;
      ParseBranches(*branches, JsonPointerChild(ptr, "branches"), path);
    }
    if (const json::value* names = Member(tree, "full_product_names")) {
      const std::string list_ptr = JsonPointerChild(ptr, "full_product_names");
      const json::array& array = AsArray(*names, list_ptr);
      for (std::size_t i = 0; i < array.size(); ++i) {
        Product product = ParseFullProductName(array[i], JsonPointerChild(list_ptr, i));
        product.source = Product::Source::kFullProductName;
        Define(std::move(product), JsonPointerChild(list_ptr, i));
      }
    }
    std::vector<PendingRelationship> relationships;
    if (const json::value* list = Member(tree, "relationships")) {
      const std::string list_ptr = JsonPointerChild(ptr, "relationships");
      const json::array& array = AsArray(*list, list_ptr);
      for (std::size_t i = 0; i < array.size(); ++i) {
        const std::string item_ptr = JsonPointerChild(list_ptr, i);
        const json::object& item = AsObject(array[i], item_ptr);
        const std::string category =
            RequiredEnum(item, "category", item_ptr,
                         {"default_component_of", "external_component_of", "installed_on",
                          "installed_with", "optional_component_of"});
        const std::string component = RequiredString(item, "product_reference", item_ptr);
        const std::string platform = RequiredString(item, "relates_to_product_reference", item_ptr);
        const json::value* name = Member(item, "full_product_name");
        if (name == nullptr) FailSchema("missing required property 'full_product_name'", item_ptr);
        const std::string name_ptr = JsonPointerChild(item_ptr, "full_product_name");
        Product product = ParseFullProductName(*name, name_ptr);
        product.source = Product::Source::kRelationship;
        product.relationship_category = category;
        product.component_id = component;
        product.platform_id = platform;
        const std::size_t before = advisory_.products.size();
        Define(std::move(product), name_ptr);
        if (advisory_.products.size() > before) relationships.push_back({before, item_ptr});
      }
    }
    if (const json::value* groups = Member(tree, "product_groups")) {
      const std::string list_ptr = JsonPointerChild(ptr, "product_groups");
      const json::array& array = AsArray(*groups, list_ptr);
      for (std::size_t i = 0; i < array.size(); ++i) {
        const std::string item_ptr = JsonPointerChild(list_ptr, i);
        const json::object& item = AsObject(array[i], item_ptr);
        ProductGroup group;
        group.group_id = RequiredString(item, "group_id", item_ptr);
        group.summary = OptionalString(item, "summary", item_ptr);
        group.product_ids = ProductIds(item, "product_ids", item_ptr);
        if (group.product_ids.size() < 2) {
          FailSchema("a product group needs at least two products",
                     JsonPointerChild(item_ptr, "product_ids"));
        }
        if (groups_.count(group.group_id) != 0) {
          if (options_.mandatory_tests) {
            Fail("6.1.5", fmt::format("product group ID {} is defined twice", group.group_id),
                 JsonPointerChild(item_ptr, "group_id"));
          }
          continue;
        }
        groups_.emplace(group.group_id, group.product_ids);
        advisory_.product_groups.push_back(std::move(group));
      }
    }
    for (const PendingRelationship& r : relationships) {
      const Product& p = advisory_.products[r.product];
      RequireProduct(p.component_id, JsonPointerChild(r.ptr, "product_reference"));
      RequireProduct(p.platform_id, JsonPointerChild(r.ptr, "relates_to_product_reference"));
    }
    std::unordered_map<std::string_view, std::size_t> by_product;
    for (std::size_t i = 0; i < relationships.size(); ++i) {
      by_product.emplace(advisory_.products[relationships[i].product].product_id, i);
    }
    std::vector<char> state(relationships.size(), 0);
    for (std::size_t i = 0; i < relationships.size(); ++i) {
      Resolve(i, relationships, by_product, state, 0);
    }
  }

  // Copies the component's identity into relationship `i`, resolving relationships it builds on
  // first. state: 0 = not visited, 1 = being resolved, 2 = done.
  void Resolve(std::size_t i,
               const std::vector<PendingRelationship>& relationships,
               const std::unordered_map<std::string_view, std::size_t>& by_product,
               std::vector<char>& state,
               int depth) {
    if (state[i] == 2) return;
    if (state[i] == 1) {
      Fail("6.1.3", "a relationship refers back to its own product", relationships[i].ptr);
    }
    if (depth >= options_.max_branch_depth) {
      Fail("limit", "relationships chain too deep", relationships[i].ptr);
    }
    state[i] = 1;
    const Product& self = advisory_.products[relationships[i].product];
    for (const std::string* ref : {&self.component_id, &self.platform_id}) {
      if (const auto it = by_product.find(*ref); it != by_product.end()) {
        Resolve(it->second, relationships, by_product, state, depth + 1);
      }
    }
    Product& product = advisory_.products[relationships[i].product];
    if (const auto it = product_index_.find(product.component_id); it != product_index_.end()) {
      const Product& component = advisory_.products[it->second];
      product.vendor = component.vendor;
      product.product_name = component.product_name;
      product.version = component.version;
      product.version_range = component.version_range;
      product.path = component.path;
      if (product.helper.Empty()) product.helper = component.helper;
    }
    state[i] = 2;
  }

  std::vector<std::string> ProductIds(const json::object& object,
                                      std::string_view key,
                                      const std::string& ptr) const {
    std::vector<std::string> ids = OptionalStrings(object, key, ptr);
    for (std::size_t i = 0; i < ids.size(); ++i)
      RequireProduct(ids[i], JsonPointerChild(JsonPointerChild(ptr, key), i));
    return ids;
  }

  std::vector<std::string> GroupIds(const json::object& object, const std::string& ptr) const {
    std::vector<std::string> ids = OptionalStrings(object, "group_ids", ptr);
    for (std::size_t i = 0; i < ids.size(); ++i) {
      RequireGroup(ids[i], JsonPointerChild(JsonPointerChild(ptr, "group_ids"), i));
    }
    return ids;
  }

  std::vector<std::string> Expand(std::vector<std::string> ids,
                                  const std::vector<std::string>& group_ids) const {
    std::unordered_set<std::string> seen(ids.begin(), ids.end());
    for (const std::string& group : group_ids) {
      if (const auto it = groups_.find(group); it != groups_.end()) {
        for (const std::string& id : it->second) {
          if (seen.insert(id).second) ids.push_back(id);
        }
      }
    }
    return ids;
  }

  // --- vulnerabilities ------------------------------------------------------------------------

  void ParseVulnerability(const json::value& value, const std::string& ptr) {
    const json::object& object = AsObject(value, ptr);
    Vulnerability v;
    v.cve = OptionalString(object, "cve", ptr);
    if (!v.cve.empty()) {
      const std::string_view cve = v.cve;
      const bool ok = cve.size() >= 13 && cve.substr(0, 4) == "CVE-" && cve[8] == '-' &&
                      std::all_of(cve.begin() + 4, cve.begin() + 8, IsDigit) &&
                      std::all_of(cve.begin() + 9, cve.end(), IsDigit);
      if (!ok) FailSchema(fmt::format("'{}' is not a CVE ID", v.cve), JsonPointerChild(ptr, "cve"));
      if (options_.mandatory_tests && !cves_.insert(v.cve).second) {
        Fail("6.1.23", fmt::format("{} is used by two vulnerabilities", v.cve),
             JsonPointerChild(ptr, "cve"));
      }
    }
    if (const json::value* cwe = Member(object, "cwe")) {
      const std::string cwe_ptr = JsonPointerChild(ptr, "cwe");
      const json::object& cwe_object = AsObject(*cwe, cwe_ptr);
      Cwe entry{RequiredString(cwe_object, "id", cwe_ptr),
                RequiredString(cwe_object, "name", cwe_ptr)};
      const std::string_view id = entry.id;
      if (id.size() < 5 || id.size() > 10 || id.substr(0, 4) != "CWE-" || id[4] == '0' ||
          !std::all_of(id.begin() + 4, id.end(), IsDigit)) {
        FailSchema(fmt::format("'{}' is not a CWE ID", entry.id), JsonPointerChild(cwe_ptr, "id"));
      }
      v.cwes.push_back(std::move(entry));
    }
    if (const json::value* ids = Member(object, "ids")) {
      const std::string ids_ptr = JsonPointerChild(ptr, "ids");
      const json::array& array = AsArray(*ids, ids_ptr);
      for (std::size_t i = 0; i < array.size(); ++i) {
        const std::string item_ptr = JsonPointerChild(ids_ptr, i);
        const json::object& item = AsObject(array[i], item_ptr);
        v.ids.emplace_back(RequiredString(item, "system_name", item_ptr),
                           RequiredString(item, "text", item_ptr));
      }
    }
    v.title = OptionalString(object, "title", ptr);
    v.discovery_date = OptionalDate(object, "discovery_date", ptr);
    v.release_date = OptionalDate(object, "release_date", ptr);
    v.notes = ParseNotes(object, ptr);
    v.references = ParseReferences(object, ptr);
    ParseInvolvements(object, ptr);
    ParseProductStatus(object, ptr, v);
    ParseScores(object, ptr, v);
    ParseRemediations(object, ptr, v);
    ParseThreats(object, ptr, v);
    ParseFlags(object, ptr, v);
    advisory_.vulnerabilities.push_back(std::move(v));
  }

  void ParseInvolvements(const json::object& object, const std::string& ptr) const {
    const json::value* value = Member(object, "involvements");
    if (value == nullptr) return;
    const std::string list_ptr = JsonPointerChild(ptr, "involvements");
    const json::array& array = AsArray(*value, list_ptr);
    std::set<std::pair<std::string, std::string>> seen;
    for (std::size_t i = 0; i < array.size(); ++i) {
      const std::string item_ptr = JsonPointerChild(list_ptr, i);
      const json::object& item = AsObject(array[i], item_ptr);
      std::string party = RequiredEnum(item, "party", item_ptr,
                                       {"coordinator", "discoverer", "other", "user", "vendor"});
      RequiredEnum(
          item, "status", item_ptr,
          {"completed", "contact_attempted", "disputed", "in_progress", "not_contacted", "open"});
      const std::optional<DateTime> date = OptionalDate(item, "date", item_ptr);
      OptionalString(item, "summary", item_ptr);
      const std::string when = date ? std::to_string(ToUnixMillis(date->value)) : std::string();
      if (options_.mandatory_tests && !seen.emplace(party, when).second) {
        Fail("6.1.24", "two involvements of the same party at the same date", item_ptr);
      }
    }
  }

  void ParseProductStatus(const json::object& object,
                          const std::string& ptr,
                          Vulnerability& v) const {
    const json::value* value = Member(object, "product_status");
    if (value == nullptr) return;
    const std::string status_ptr = JsonPointerChild(ptr, "product_status");
    const json::object& status = AsObject(*value, status_ptr);
    struct List {
      std::string_view key;
      std::vector<std::string>* out;
      std::string_view group;  // 6.1.6 group; empty for "recommended"
    };
    ProductStatus& s = v.product_status;
    const List lists[] = {{"first_affected", &s.first_affected, "affected"},
                          {"first_fixed", &s.first_fixed, "fixed"},
                          {"fixed", &s.fixed, "fixed"},
                          {"known_affected", &s.known_affected, "affected"},
                          {"known_not_affected", &s.known_not_affected, "not affected"},
                          {"last_affected", &s.last_affected, "affected"},
                          {"recommended", &s.recommended, ""},
                          {"under_investigation", &s.under_investigation, "under investigation"}};
    std::unordered_map<std::string, std::string_view> group_of;
    for (const List& list : lists) {
      *list.out = ProductIds(status, list.key, status_ptr);
      if (!options_.mandatory_tests || list.group.empty()) continue;
      for (std::size_t i = 0; i < list.out->size(); ++i) {
        const auto [it, inserted] = group_of.emplace((*list.out)[i], list.group);
        if (!inserted && it->second != list.group) {
          Fail("6.1.6",
               fmt::format("product {} is both {} and {}", it->first, it->second, list.group),
               JsonPointerChild(JsonPointerChild(status_ptr, list.key), i));
        }
      }
    }
  }

  // Validates one cvss_v2 / cvss_v3 / cvss_v4 object; returns the Score without product IDs.
  Score ParseCvss(const json::object& cvss, std::string_view kind, const std::string& ptr) const {
    Score score;
    const bool checks = options_.mandatory_tests;
    const auto invalid = [&](std::string_view message, const std::string& where) {
      if (checks) Fail("6.1.8", message, where);
      FailSchema(message, where);
    };
    const json::value* version = Member(cvss, "version");
    const json::value* vector = Member(cvss, "vectorString");
    const json::value* base = Member(cvss, "baseScore");
    if (version == nullptr || !version->is_string()) invalid("version is missing", ptr);
    if (vector == nullptr || !vector->is_string()) invalid("vectorString is missing", ptr);
    if (base == nullptr || !base->is_number()) invalid("baseScore is missing", ptr);
    score.cvss_version = std::string(version->get_string());
    score.vector = std::string(vector->get_string());
    score.base_score = base->to_number<double>();
    if (!(score.base_score >= 0 && score.base_score <= 10)) {
      invalid("baseScore is outside 0..10", JsonPointerChild(ptr, "baseScore"));
    }
    const std::string vector_ptr = JsonPointerChild(ptr, "vectorString");
    if (kind == "cvss_v2") {
      if (score.cvss_version != "2.0")
        invalid("version must be 2.0", JsonPointerChild(ptr, "version"));
    } else if (kind == "cvss_v3") {
      if (score.cvss_version != "3.0" && score.cvss_version != "3.1") {
        invalid("version must be 3.0 or 3.1", JsonPointerChild(ptr, "version"));
      }
    } else if (score.cvss_version != "4.0") {
      invalid("version must be 4.0", JsonPointerChild(ptr, "version"));
    }
    if (kind != "cvss_v2") {
      const json::value* severity = Member(cvss, "baseSeverity");
      if (severity == nullptr || !severity->is_string() ||
          !OneOf(severity->get_string(), {"NONE", "LOW", "MEDIUM", "HIGH", "CRITICAL"})) {
        invalid("baseSeverity is missing or not a severity", ptr);
      }
      score.base_severity = std::string(severity->get_string());
      const std::string prefix = "CVSS:" + score.cvss_version + "/";
      if (score.vector.rfind(prefix, 0) != 0) {
        invalid(fmt::format("vectorString must start with {}", prefix), vector_ptr);
      }
    }
    if (kind == "cvss_v4") return score;

    const bool v2 = kind == "cvss_v2";
    const std::string_view metrics_text =
        v2 ? std::string_view(score.vector) : std::string_view(score.vector).substr(9);
    const std::optional<Metrics> metrics =
        ParseMetrics(metrics_text, v2 ? V2Metrics() : V3Metrics());
    if (!metrics) invalid("vectorString is malformed", vector_ptr);
    for (const auto& [metric, values] : v2 ? V2Metrics() : V3Metrics()) {
      const bool base_metric = v2 ? OneOf(metric, {"AV", "AC", "Au", "C", "I", "A"})
                                  : OneOf(metric, {"AV", "AC", "PR", "UI", "S", "C", "I", "A"});
      if (base_metric && metrics->count(metric) == 0) {
        invalid(fmt::format("vectorString lacks base metric {}", metric), vector_ptr);
      }
    }
    if (!checks) return score;

    const double expected =
        v2 ? V2BaseScore(*metrics) : V3BaseScore(*metrics, score.cvss_version == "3.1");
    if (std::fabs(expected - score.base_score) > 1e-6) {
      Fail("6.1.9",
           fmt::format("baseScore {} does not match the vector's {}", score.base_score, expected),
           JsonPointerChild(ptr, "baseScore"));
    }
    if (!v2) {
      for (const auto& [score_key, severity_key] :
           {std::pair<std::string_view, std::string_view>{"baseScore", "baseSeverity"},
            {"temporalScore", "temporalSeverity"},
            {"environmentalScore", "environmentalSeverity"}}) {
        const json::value* number = Member(cvss, score_key);
        const json::value* severity = Member(cvss, severity_key);
        if (number == nullptr || severity == nullptr) continue;
        if (!number->is_number() || !severity->is_string()) {
          Fail("6.1.8", fmt::format("{} / {} have the wrong type", score_key, severity_key), ptr);
        }
        if (severity->get_string() != SeverityOf(number->to_number<double>())) {
          Fail("6.1.9", fmt::format("{} does not match {}", severity_key, score_key),
               JsonPointerChild(ptr, severity_key));
        }
      }
    }
    for (const PropertyMapping& mapping : v2 ? V2Properties() : V3Properties()) {
      const json::value* property = Member(cvss, mapping.property);
      if (property == nullptr) continue;
      const std::string& code = metrics->find(mapping.metric)->second;
      const auto it = std::find_if(mapping.values.begin(), mapping.values.end(),
                                   [&](const auto& pair) { return pair.first == code; });
      if (!property->is_string() || it == mapping.values.end() ||
          property->get_string() != it->second) {
        Fail("6.1.10",
             fmt::format("{} contradicts {}:{} of the vector", mapping.property, mapping.metric,
                         code),
             JsonPointerChild(ptr, mapping.property));
      }
    }
    return score;
  }

  void ParseScores(const json::object& object, const std::string& ptr, Vulnerability& v) const {
    const json::value* value = Member(object, "scores");
    if (value == nullptr) return;
    const std::string list_ptr = JsonPointerChild(ptr, "scores");
    const json::array& array = AsArray(*value, list_ptr);
    std::set<std::pair<std::string, std::string>> seen;  // (product, CVSS version)
    for (std::size_t i = 0; i < array.size(); ++i) {
      const std::string item_ptr = JsonPointerChild(list_ptr, i);
      const json::object& item = AsObject(array[i], item_ptr);
      if (Member(item, "products") == nullptr) {
        FailSchema("missing required property 'products'", item_ptr);
      }
      const std::vector<std::string> products = ProductIds(item, "products", item_ptr);
      bool any = false;
      for (const std::string_view kind : {"cvss_v2", "cvss_v3", "cvss_v4"}) {
        const json::value* cvss = Member(item, kind);
        if (cvss == nullptr) continue;
        any = true;
        const std::string cvss_ptr = JsonPointerChild(item_ptr, kind);
        Score score = ParseCvss(AsObject(*cvss, cvss_ptr), kind, cvss_ptr);
        if (options_.mandatory_tests) {
          for (std::size_t p = 0; p < products.size(); ++p) {
            if (!seen.emplace(products[p], score.cvss_version).second) {
              Fail(
                  "6.1.7",
                  fmt::format("product {} has two CVSS {} scores", products[p], score.cvss_version),
                  JsonPointerChild(JsonPointerChild(item_ptr, "products"), p));
            }
          }
        }
        score.product_ids = products;
        v.scores.push_back(std::move(score));
      }
      if (!any) FailSchema("a score needs cvss_v2, cvss_v3 or cvss_v4", item_ptr);
    }
  }

  void ParseRemediations(const json::object& object,
                         const std::string& ptr,
                         Vulnerability& v) const {
    const json::value* value = Member(object, "remediations");
    if (value == nullptr) return;
    const std::string list_ptr = JsonPointerChild(ptr, "remediations");
    const json::array& array = AsArray(*value, list_ptr);
    for (std::size_t i = 0; i < array.size(); ++i) {
      const std::string item_ptr = JsonPointerChild(list_ptr, i);
      const json::object& item = AsObject(array[i], item_ptr);
      Remediation r;
      r.category = RequiredEnum(
          item, "category", item_ptr,
          {"mitigation", "no_fix_planned", "none_available", "vendor_fix", "workaround"});
      r.details = RequiredString(item, "details", item_ptr);
      r.url = OptionalString(item, "url", item_ptr);
      r.date = OptionalDate(item, "date", item_ptr);
      r.group_ids = GroupIds(item, item_ptr);
      r.product_ids = Expand(ProductIds(item, "product_ids", item_ptr), r.group_ids);
      if (options_.mandatory_tests && Member(item, "product_ids") == nullptr &&
          Member(item, "group_ids") == nullptr) {
        Fail("6.1.29", "a remediation names no product or group", item_ptr);
      }
      v.remediations.push_back(std::move(r));
    }
  }

  void ParseThreats(const json::object& object, const std::string& ptr, Vulnerability& v) const {
    const json::value* value = Member(object, "threats");
    if (value == nullptr) return;
    const std::string list_ptr = JsonPointerChild(ptr, "threats");
    const json::array& array = AsArray(*value, list_ptr);
    for (std::size_t i = 0; i < array.size(); ++i) {
      const std::string item_ptr = JsonPointerChild(list_ptr, i);
      const json::object& item = AsObject(array[i], item_ptr);
      Threat t;
      t.category =
          RequiredEnum(item, "category", item_ptr, {"exploit_status", "impact", "target_set"});
      t.details = RequiredString(item, "details", item_ptr);
      t.date = OptionalDate(item, "date", item_ptr);
      t.group_ids = GroupIds(item, item_ptr);
      t.product_ids = Expand(ProductIds(item, "product_ids", item_ptr), t.group_ids);
      v.threats.push_back(std::move(t));
    }
  }

  void ParseFlags(const json::object& object, const std::string& ptr, Vulnerability& v) const {
    const json::value* value = Member(object, "flags");
    if (value == nullptr) return;
    const std::string list_ptr = JsonPointerChild(ptr, "flags");
    const json::array& array = AsArray(*value, list_ptr);
    std::unordered_set<std::string> flagged;
    for (std::size_t i = 0; i < array.size(); ++i) {
      const std::string item_ptr = JsonPointerChild(list_ptr, i);
      const json::object& item = AsObject(array[i], item_ptr);
      Flag f;
      f.label =
          RequiredEnum(item, "label", item_ptr,
                       {"component_not_present", "inline_mitigations_already_exist",
                        "vulnerable_code_cannot_be_controlled_by_adversary",
                        "vulnerable_code_not_in_execute_path", "vulnerable_code_not_present"});
      OptionalDate(item, "date", item_ptr);
      f.group_ids = GroupIds(item, item_ptr);
      f.product_ids = Expand(ProductIds(item, "product_ids", item_ptr), f.group_ids);
      if (options_.mandatory_tests) {
        if (Member(item, "product_ids") == nullptr && Member(item, "group_ids") == nullptr) {
          Fail("6.1.32", "a flag names no product or group", item_ptr);
        }
        for (const std::string& id : f.product_ids) {
          if (!flagged.insert(id).second) {
            Fail("6.1.33", fmt::format("product {} has two flags", id), item_ptr);
          }
        }
      }
      v.flags.push_back(std::move(f));
    }
  }

  // --- profiles (6.1.27) ----------------------------------------------------------------------

  void CheckProfile(const json::object& top) const {
    const std::string& category = advisory_.category;
    const bool informational = category == "csaf_informational_advisory";
    const bool incident = category == "csaf_security_incident_response";
    const bool advisory = category == "csaf_security_advisory";
    const bool vex = category == "csaf_vex";
    if (informational || incident) {
      const bool has_note =
          std::any_of(advisory_.notes.begin(), advisory_.notes.end(), [](const Note& note) {
            return OneOf(note.category, {"description", "details", "general", "summary"});
          });
      if (!has_note) {
        Fail("6.1.27.1", "the document needs a description, details, general or summary note",
             "/document/notes");
      }
      const bool has_reference =
          std::any_of(advisory_.references.begin(), advisory_.references.end(),
                      [](const Reference& r) { return r.category == "external"; });
      if (!has_reference) {
        Fail("6.1.27.2", "the document needs an external reference", "/document/references");
      }
    }
    if (informational && Member(top, "vulnerabilities") != nullptr) {
      Fail("6.1.27.3", "an informational advisory has no vulnerabilities", "/vulnerabilities");
    }
    if (!advisory && !vex) return;
    if (Member(top, "product_tree") == nullptr) {
      Fail("6.1.27.4", "the profile needs a product_tree", "/product_tree");
    }
    if (advisory_.vulnerabilities.empty()) {
      Fail("6.1.27.11", "the profile needs vulnerabilities", "/vulnerabilities");
    }
    const json::array& vulnerabilities = top.at("vulnerabilities").get_array();
    for (std::size_t i = 0; i < advisory_.vulnerabilities.size(); ++i) {
      const Vulnerability& v = advisory_.vulnerabilities[i];
      const json::object& raw = vulnerabilities[i].get_object();
      const std::string ptr = JsonPointerChild("/vulnerabilities", i);
      if (v.notes.empty())
        Fail("6.1.27.5", "the vulnerability needs notes", JsonPointerChild(ptr, "notes"));
      if (Member(raw, "product_status") == nullptr) {
        Fail("6.1.27.6", "the vulnerability needs product_status",
             JsonPointerChild(ptr, "product_status"));
      }
      if (!vex) continue;
      const ProductStatus& s = v.product_status;
      if (s.fixed.empty() && s.known_affected.empty() && s.known_not_affected.empty() &&
          s.under_investigation.empty()) {
        Fail("6.1.27.7",
             "a VEX vulnerability needs fixed, known_affected, known_not_affected or "
             "under_investigation",
             JsonPointerChild(ptr, "product_status"));
      }
      if (v.cve.empty() && v.ids.empty()) {
        Fail("6.1.27.8", "a VEX vulnerability needs cve or ids", ptr);
      }
      std::unordered_set<std::string> impact;
      for (const Flag& f : v.flags) impact.insert(f.product_ids.begin(), f.product_ids.end());
      for (const Threat& t : v.threats) {
        if (t.category == "impact") impact.insert(t.product_ids.begin(), t.product_ids.end());
      }
      for (std::size_t k = 0; k < s.known_not_affected.size(); ++k) {
        if (impact.count(s.known_not_affected[k]) == 0) {
          Fail("6.1.27.9", "a known_not_affected product needs an impact statement",
               JsonPointerChild(
                   JsonPointerChild(JsonPointerChild(ptr, "product_status"), "known_not_affected"),
                   k));
        }
      }
      std::unordered_set<std::string> action;
      for (const Remediation& r : v.remediations) {
        action.insert(r.product_ids.begin(), r.product_ids.end());
      }
      for (std::size_t k = 0; k < s.known_affected.size(); ++k) {
        if (action.count(s.known_affected[k]) == 0) {
          Fail("6.1.27.10", "a known_affected product needs an action statement",
               JsonPointerChild(
                   JsonPointerChild(JsonPointerChild(ptr, "product_status"), "known_affected"), k));
        }
      }
    }
  }

  const ParseOptions& options_;
  Advisory advisory_;
  std::unordered_map<std::string, std::size_t> product_index_;
  std::unordered_map<std::string, std::vector<std::string>> groups_;
  std::unordered_set<std::string> cves_;
};

}  // namespace

bool IdentificationHelper::Empty() const {
  return cpe.empty() && purl.empty() && hashes.empty() && model_numbers.empty() &&
         serial_numbers.empty() && skus.empty() && sbom_urls.empty() && generic_uris.empty();
}

const Product* Advisory::FindProduct(std::string_view product_id) const {
  const auto it = std::find_if(products.begin(), products.end(),
                               [&](const Product& p) { return p.product_id == product_id; });
  return it == products.end() ? nullptr : &*it;
}

Result<Advisory> ParseCsaf(std::string_view text, const ParseOptions& options) {
  if (text.size() > options.max_bytes) {
    return Error::Invalid(
        fmt::format("[limit] the document is larger than {} bytes", options.max_bytes), "/");
  }
  json::monotonic_resource resource;
  try {
    const auto root = ParseStrictJson(text, kMaxCsafJsonDepth, &resource);
    if (!root) Fail("json", root.error().message, root.error().pointer);
    return Parser(options).Run(*root);
  } catch (Failure& failure) {
    return std::move(failure.error);
  }
}

}  // namespace caduceus::advisories
