#include "catalogue/entry.h"

#include <algorithm>
#include <array>
#include <unordered_set>
#include <utility>

#include <boost/json.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>
#include <fmt/format.h>

#include "core/json.h"
#include "core/text.h"
#include "identity/model.h"

namespace caduceus::catalogue {
namespace {

namespace json = boost::json;

constexpr std::array<std::string_view, 5> kKinds = {"service", "tool", "guidance", "training",
                                                    "funding"};
constexpr std::array<std::string_view, 3> kCosts = {"free", "paid", "subsidised"};
constexpr std::array<std::string_view, 8> kThreats = {
    "ransomware",  "phishing", "supply_chain",   "ddos",
    "data_breach", "insider",  "medical_device", "fraud"};
constexpr std::array<std::string_view, 10> kMeasures = {"a", "b", "c", "d", "e",
                                                        "f", "g", "h", "i", "j"};
constexpr std::array<std::string_view, 10> kMeasureLabels = {
    "risk analysis and information-system security policies",
    "incident handling",
    "business continuity, backups and crisis management",
    "supply-chain security",
    "secure acquisition, development and maintenance, including vulnerability handling",
    "assessing the effectiveness of security measures",
    "basic cyber hygiene and cybersecurity training",
    "cryptography and encryption",
    "human-resources security, access control and asset management",
    "multi-factor authentication and secured communications",
};

struct Country {
  std::string_view code;
  std::string_view name;
  std::array<std::string_view, 4> languages;  // official ones first; unused slots empty
  std::size_t count;
};

// EU-27 and the EEA states, as identity::IsMemberStateCode accepts them. Regional co-official
// languages (Catalan, Basque, Galician in Spain) are included; Norway lists both written
// standards and the macrolanguage code.
constexpr Country kCountries[] = {
    {"AT", "Austria", {"de"}, 1},       {"BE", "Belgium", {"nl", "fr", "de"}, 3},
    {"BG", "Bulgaria", {"bg"}, 1},      {"HR", "Croatia", {"hr"}, 1},
    {"CY", "Cyprus", {"el", "tr"}, 2},  {"CZ", "Czechia", {"cs"}, 1},
    {"DK", "Denmark", {"da"}, 1},       {"EE", "Estonia", {"et"}, 1},
    {"FI", "Finland", {"fi", "sv"}, 2}, {"FR", "France", {"fr"}, 1},
    {"DE", "Germany", {"de"}, 1},       {"GR", "Greece", {"el"}, 1},
    {"HU", "Hungary", {"hu"}, 1},       {"IE", "Ireland", {"en", "ga"}, 2},
    {"IT", "Italy", {"it"}, 1},         {"LV", "Latvia", {"lv"}, 1},
    {"LT", "Lithuania", {"lt"}, 1},     {"LU", "Luxembourg", {"lb", "fr", "de"}, 3},
    {"MT", "Malta", {"mt", "en"}, 2},   {"NL", "the Netherlands", {"nl"}, 1},
    {"PL", "Poland", {"pl"}, 1},        {"PT", "Portugal", {"pt"}, 1},
    {"RO", "Romania", {"ro"}, 1},       {"SK", "Slovakia", {"sk"}, 1},
    {"SI", "Slovenia", {"sl"}, 1},      {"ES", "Spain", {"es", "ca", "eu", "gl"}, 4},
    {"SE", "Sweden", {"sv"}, 1},        {"IS", "Iceland", {"is"}, 1},
    {"LI", "Liechtenstein", {"de"}, 1}, {"NO", "Norway", {"no", "nb", "nn"}, 3},
};

constexpr std::array<std::pair<std::string_view, std::string_view>, 33> kLanguageNames = {{
    {"bg", "Bulgarian"},
    {"ca", "Catalan"},
    {"cs", "Czech"},
    {"da", "Danish"},
    {"de", "German"},
    {"el", "Greek"},
    {"en", "English"},
    {"es", "Spanish"},
    {"et", "Estonian"},
    {"eu", "Basque"},
    {"fi", "Finnish"},
    {"fr", "French"},
    {"ga", "Irish"},
    {"gl", "Galician"},
    {"hr", "Croatian"},
    {"hu", "Hungarian"},
    {"is", "Icelandic"},
    {"it", "Italian"},
    {"lb", "Luxembourgish"},
    {"lt", "Lithuanian"},
    {"lv", "Latvian"},
    {"mt", "Maltese"},
    {"nb", "Norwegian Bokmål"},
    {"nl", "Dutch"},
    {"nn", "Norwegian Nynorsk"},
    {"no", "Norwegian"},
    {"pl", "Polish"},
    {"pt", "Portuguese"},
    {"ro", "Romanian"},
    {"sk", "Slovak"},
    {"sl", "Slovenian"},
    {"sv", "Swedish"},
    {"tr", "Turkish"},
}};

template <std::size_t N>
bool OneOf(const std::array<std::string_view, N>& list, std::string_view text) {
  return std::find(list.begin(), list.end(), text) != list.end();
}

// Members longer than this are cut in error messages.
constexpr std::size_t kShownBytes = 64;
// Nesting of the import file: document, entries array, entry, links array, link.
constexpr std::size_t kMaxImportDepth = 8;

std::string Shown(std::string_view text) { return SanitizeUtf8(TruncateUtf8(text, kShownBytes)); }

std::size_t CodePoints(std::string_view text) {
  return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

// No C0 controls (tab, LF, CR allowed only when `multiline`), no DEL, no C1 controls.
bool CleanText(std::string_view text, bool multiline) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '\t' || c == '\n' || c == '\r') {
      if (!multiline) return false;
      continue;
    }
    if (c < 0x20 || c == 0x7F) return false;
    if (c == 0xC2 && i + 1 < text.size()) {
      const auto next = static_cast<unsigned char>(text[i + 1]);
      if (next >= 0x80 && next <= 0x9F) return false;
    }
  }
  return true;
}

void Trim(std::string& text) {
  constexpr std::string_view kSpace = " \t\r\n";
  const auto first = text.find_first_not_of(kSpace);
  if (first == std::string::npos) {
    text.clear();
    return;
  }
  const auto last = text.find_last_not_of(kSpace);
  text = text.substr(first, last - first + 1);
}

Status CheckText(const std::string& field,
                 std::string_view text,
                 std::size_t min,
                 std::size_t max,
                 bool multiline) {
  if (!ValidUtf8(text)) return Error::Invalid(fmt::format("{} is not valid UTF-8", field), field);
  if (!CleanText(text, multiline)) {
    return Error::Invalid(fmt::format("{} contains control characters", field), field);
  }
  const std::size_t n = CodePoints(text);
  if (n < min || n > max) {
    return Error::Invalid(min == 0 ? fmt::format("{} must be at most {} characters", field, max)
                                   : fmt::format("{} must be {} to {} characters", field, min, max),
                          field);
  }
  return {};
}

bool IsDate(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return false;
  int parts[3] = {0, 0, 0};
  const std::size_t starts[3] = {0, 5, 8};
  const std::size_t lengths[3] = {4, 2, 2};
  for (int p = 0; p < 3; ++p) {
    for (std::size_t i = starts[p]; i < starts[p] + lengths[p]; ++i) {
      if (text[i] < '0' || text[i] > '9') return false;
      parts[p] = parts[p] * 10 + (text[i] - '0');
    }
  }
  const int year = parts[0], month = parts[1], day = parts[2];
  if (year < 1900 || month < 1 || month > 12 || day < 1) return false;
  constexpr int kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return day <= kDays[month - 1] + ((month == 2 && leap) ? 1 : 0);
}

// Sorts and de-duplicates a list, then checks each item with `valid`.
template <class Pred>
Status CheckList(const std::string& field,
                 std::vector<std::string>& list,
                 std::size_t max_items,
                 Pred valid,
                 std::string_view rule) {
  std::sort(list.begin(), list.end());
  list.erase(std::unique(list.begin(), list.end()), list.end());
  if (list.size() > max_items) {
    return Error::Invalid(fmt::format("{} may hold at most {} items", field, max_items), field);
  }
  for (const auto& item : list) {
    if (!valid(item)) {
      return Error::Invalid(fmt::format("{}: '{}' is not {}", field, Shown(item), rule), field);
    }
  }
  return {};
}

// ---- JSON reading -------------------------------------------------------------------------

// Reads typed members of one JSON object and remembers which were read, so that Finish() can
// reject members nobody asked for. The first problem wins. `prefix` is prepended to fields.
class Members {
 public:
  Members(const json::object& object, std::string prefix)
      : object_(object), prefix_(std::move(prefix)) {}

  // A string member; nullopt when absent (an error when required) or not a string.
  std::optional<std::string> String(std::string_view key, bool required) {
    const json::value* v = Find(key);
    if (v == nullptr) {
      if (required) Fail(key, fmt::format("{} is required", key));
      return std::nullopt;
    }
    if (!v->is_string()) {
      Fail(key, fmt::format("{} must be a string", key));
      return std::nullopt;
    }
    return std::string(v->get_string());
  }

  std::optional<std::vector<std::string>> Strings(std::string_view key, std::size_t max_items) {
    const json::value* v = Find(key);
    if (v == nullptr) return std::nullopt;
    if (!v->is_array()) {
      Fail(key, fmt::format("{} must be an array of strings", key));
      return std::nullopt;
    }
    const auto& array = v->get_array();
    if (array.size() > max_items) {
      Fail(key, fmt::format("{} may hold at most {} items", key, max_items));
      return std::nullopt;
    }
    std::vector<std::string> out;
    out.reserve(array.size());
    for (const auto& item : array) {
      if (!item.is_string()) {
        Fail(key, fmt::format("{} must be an array of strings", key));
        return std::nullopt;
      }
      out.emplace_back(item.get_string());
    }
    return out;
  }

  std::optional<std::vector<Link>> Links(std::string_view key) {
    const json::value* v = Find(key);
    if (v == nullptr) return std::nullopt;
    if (!v->is_array() || v->get_array().size() > kMaxLinks) {
      Fail(key, fmt::format("{} must be an array of at most {} links", key, kMaxLinks));
      return std::nullopt;
    }
    std::vector<Link> out;
    const auto& array = v->get_array();
    for (std::size_t i = 0; i < array.size(); ++i) {
      const std::string field = fmt::format("{}/{}", key, i);
      if (!array[i].is_object()) {
        Fail(field, fmt::format("{} must be an object with title and url", field));
        return std::nullopt;
      }
      Members link(array[i].get_object(), prefix_ + field + "/");
      auto title = link.String("title", true);
      auto url = link.String("url", true);
      if (auto st = link.Finish(); !st) {
        if (!error_) error_ = st.error();
        return std::nullopt;
      }
      out.push_back({std::move(*title), std::move(*url)});
    }
    return out;
  }

  // An optional date string; null counts as absent. The outer optional is "present".
  std::optional<std::optional<std::string>> NullableString(std::string_view key) {
    read_.insert(std::string(key));
    const json::value* v = object_.if_contains(key);
    if (v == nullptr) return std::nullopt;
    if (v->is_null()) return std::optional<std::string>();
    if (!v->is_string()) {
      Fail(key, fmt::format("{} must be a string or null", key));
      return std::nullopt;
    }
    return std::optional<std::string>(std::string(v->get_string()));
  }

  // Any value, or nullptr when absent or null.
  const json::value* Raw(std::string_view key) { return Find(key); }

  void Fail(std::string_view key, std::string message) {
    if (!error_) error_ = Error::Invalid(std::move(message), prefix_ + std::string(key));
  }

  Status Finish() const {
    if (error_) return *error_;
    for (const auto& [key, value] : object_) {
      if (!read_.count(std::string(key))) {
        return Error::Invalid(fmt::format("unknown member '{}'", Shown(key)), prefix_ + Shown(key));
      }
    }
    return {};
  }

 private:
  // The member's value, or nullptr when absent or null. Marks it read.
  const json::value* Find(std::string_view key) {
    read_.insert(std::string(key));
    const json::value* v = object_.if_contains(key);
    return (v == nullptr || v->is_null()) ? nullptr : v;
  }

  const json::object& object_;
  std::string prefix_;
  std::unordered_set<std::string> read_;
  std::optional<Error> error_;
};

// Longest list accepted before de-duplication (the vocabularies are shorter).
constexpr std::size_t kMaxListItems = 64;

json::array StringArray(const std::vector<std::string>& list) {
  json::array out;
  for (const auto& s : list) out.emplace_back(s);
  return out;
}

}  // namespace

std::span<const std::string_view> Kinds() { return kKinds; }
std::span<const std::string_view> Costs() { return kCosts; }
std::span<const std::string_view> Threats() { return kThreats; }
std::span<const std::string_view> Measures() { return kMeasures; }
bool IsKind(std::string_view text) { return OneOf(kKinds, text); }
bool IsCost(std::string_view text) { return OneOf(kCosts, text); }
bool IsThreat(std::string_view text) { return OneOf(kThreats, text); }
bool IsMeasure(std::string_view text) { return OneOf(kMeasures, text); }

bool IsLanguageCode(std::string_view text) {
  return text.size() == 2 && text[0] >= 'a' && text[0] <= 'z' && text[1] >= 'a' && text[1] <= 'z';
}

bool IsEntryKey(std::string_view text) {
  return text.size() >= 3 && text.size() <= 64 && std::all_of(text.begin(), text.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
         });
}

std::string_view MeasureLabel(std::string_view measure) {
  const auto it = std::find(kMeasures.begin(), kMeasures.end(), measure);
  return it == kMeasures.end() ? std::string_view() : kMeasureLabels[it - kMeasures.begin()];
}

std::span<const std::string_view> LanguagesOf(std::string_view country) {
  for (const auto& c : kCountries) {
    if (c.code == country) return {c.languages.data(), c.count};
  }
  return {};
}

std::string_view CountryName(std::string_view country) {
  for (const auto& c : kCountries) {
    if (c.code == country) return c.name;
  }
  return country;
}

std::string_view LanguageName(std::string_view language) {
  for (const auto& [code, name] : kLanguageNames) {
    if (code == language) return name;
  }
  return language;
}

bool IsAcceptableUrl(std::string_view url) {
  if (url.empty() || url.size() > kMaxUrlBytes) return false;
  const auto parsed = boost::urls::parse_uri(url);
  if (!parsed) return false;
  const auto scheme = parsed->scheme_id();
  if (scheme != boost::urls::scheme::http && scheme != boost::urls::scheme::https) return false;
  return !parsed->has_userinfo() && parsed->host_type() != boost::urls::host_type::none &&
         !parsed->encoded_host().empty();
}

Status ValidateEntry(EntryData& e, KeyRule key_rule) {
  if (!(key_rule == KeyRule::kOptional && e.key.empty()) && !IsEntryKey(e.key)) {
    return Error::Invalid("key must be 3 to 64 characters of a-z, 0-9 and '-'", "key");
  }
  if (!IsKind(e.kind)) {
    return Error::Invalid("kind must be service, tool, guidance, training or funding", "kind");
  }
  Trim(e.title);
  Trim(e.summary);
  Trim(e.provider_name);
  if (auto st = CheckText("title", e.title, kMinTitle, kMaxTitle, false); !st) return st;
  if (auto st = CheckText("summary", e.summary, 0, kMaxSummary, true); !st) return st;
  if (auto st = CheckText("description", e.description, 0, kMaxDescription, true); !st) return st;
  if (auto st = CheckText("provider_name", e.provider_name, 0, kMaxProviderName, false); !st) {
    return st;
  }
  if (!IsAcceptableUrl(e.url)) {
    return Error::Invalid("url must be an absolute http:// or https:// URL without user info",
                          "url");
  }
  if (!IsCost(e.cost)) return Error::Invalid("cost must be free, paid or subsidised", "cost");
  if (auto st = CheckList("countries", e.countries, std::size(kCountries),
                          identity::IsMemberStateCode, "an EU/EEA country code");
      !st) {
    return st;
  }
  if (auto st = CheckList("languages", e.languages, kMaxLanguages, IsLanguageCode,
                          "an ISO 639-1 language code");
      !st) {
    return st;
  }
  if (auto st = CheckList("org_sizes", e.org_sizes, 4, identity::IsSizeBand,
                          "micro, small, medium or large");
      !st) {
    return st;
  }
  if (auto st = CheckList("nis2_measures", e.nis2_measures, kMeasures.size(), IsMeasure,
                          "a NIS2 Article 21(2) point a to j");
      !st) {
    return st;
  }
  if (auto st = CheckList("threats", e.threats, kThreats.size(), IsThreat, "a known threat"); !st) {
    return st;
  }
  if (e.links.size() > kMaxLinks) {
    return Error::Invalid(fmt::format("links may hold at most {} items", kMaxLinks), "links");
  }
  for (std::size_t i = 0; i < e.links.size(); ++i) {
    auto& link = e.links[i];
    Trim(link.title);
    const std::string field = fmt::format("links/{}/title", i);
    if (auto st = CheckText(field, link.title, 1, kMaxTitle, false); !st) return st;
    if (!IsAcceptableUrl(link.url)) {
      return Error::Invalid(
          fmt::format("links/{}/url must be an absolute http:// or https:// URL without user info",
                      i),
          fmt::format("links/{}/url", i));
    }
  }
  if (e.last_reviewed && !IsDate(*e.last_reviewed)) {
    return Error::Invalid("last_reviewed must be a date YYYY-MM-DD", "last_reviewed");
  }
  return {};
}

Result<EntryData> EntryFromJson(const json::value& value, KeyRule key_rule) {
  if (!value.is_object()) return Error::Invalid("an entry must be a JSON object");
  Members m(value.get_object(), "");
  EntryData e;
  e.key = m.String("key", key_rule == KeyRule::kRequired).value_or("");
  e.kind = m.String("kind", true).value_or("");
  e.title = m.String("title", true).value_or("");
  e.summary = m.String("summary", false).value_or("");
  e.description = m.String("description", false).value_or("");
  e.provider_name = m.String("provider_name", false).value_or("");
  e.url = m.String("url", true).value_or("");
  e.cost = m.String("cost", true).value_or("");
  e.countries = m.Strings("countries", kMaxListItems).value_or(std::vector<std::string>{});
  e.languages = m.Strings("languages", kMaxListItems).value_or(std::vector<std::string>{});
  e.org_sizes = m.Strings("org_sizes", kMaxListItems).value_or(std::vector<std::string>{});
  e.nis2_measures = m.Strings("nis2_measures", kMaxListItems).value_or(std::vector<std::string>{});
  e.threats = m.Strings("threats", kMaxListItems).value_or(std::vector<std::string>{});
  e.links = m.Links("links").value_or(std::vector<Link>{});
  if (auto date = m.NullableString("last_reviewed")) e.last_reviewed = *date;
  if (auto st = m.Finish(); !st) return st.error();
  if (auto st = ValidateEntry(e, key_rule); !st) return st.error();
  return e;
}

Result<EntryPatch> PatchFromJson(const json::object& object) {
  Members m(object, "");
  EntryPatch p;
  p.kind = m.String("kind", false);
  p.title = m.String("title", false);
  p.summary = m.String("summary", false);
  p.description = m.String("description", false);
  p.provider_name = m.String("provider_name", false);
  p.url = m.String("url", false);
  p.cost = m.String("cost", false);
  p.countries = m.Strings("countries", kMaxListItems);
  p.languages = m.Strings("languages", kMaxListItems);
  p.org_sizes = m.Strings("org_sizes", kMaxListItems);
  p.nis2_measures = m.Strings("nis2_measures", kMaxListItems);
  p.threats = m.Strings("threats", kMaxListItems);
  p.links = m.Links("links");
  p.last_reviewed = m.NullableString("last_reviewed");
  if (object.contains("key")) return Error::Invalid("the key of an entry cannot change", "key");
  if (auto st = m.Finish(); !st) return st.error();
  return p;
}

EntryData ApplyPatch(EntryData base, const EntryPatch& p) {
  if (p.kind) base.kind = *p.kind;
  if (p.title) base.title = *p.title;
  if (p.summary) base.summary = *p.summary;
  if (p.description) base.description = *p.description;
  if (p.provider_name) base.provider_name = *p.provider_name;
  if (p.url) base.url = *p.url;
  if (p.cost) base.cost = *p.cost;
  if (p.countries) base.countries = *p.countries;
  if (p.languages) base.languages = *p.languages;
  if (p.org_sizes) base.org_sizes = *p.org_sizes;
  if (p.nis2_measures) base.nis2_measures = *p.nis2_measures;
  if (p.threats) base.threats = *p.threats;
  if (p.links) base.links = *p.links;
  if (p.last_reviewed) base.last_reviewed = *p.last_reviewed;
  return base;
}

Result<std::vector<EntryData>> ParseImport(std::string_view text) {
  if (text.size() > kMaxImportBytes) {
    return Error{Errc::kPayloadTooLarge,
                 fmt::format("the import file is larger than {} bytes", kMaxImportBytes),
                 {}};
  }
  auto root = ParseStrictJson(text, kMaxImportDepth);
  if (!root) return Error::Invalid(root.error().message, root.error().pointer);
  if (!root->is_object()) return Error::Invalid("the import file must be a JSON object");
  Members top(root->get_object(), "/");
  const auto format = top.String("format", true);
  const json::value* entries = top.Raw("entries");
  if (auto st = top.Finish(); !st) return st.error();
  if (*format != kImportFormat) {
    return Error::Invalid(fmt::format("format must be \"{}\"", kImportFormat), "/format");
  }
  if (entries == nullptr || !entries->is_array()) {
    return Error::Invalid("entries must be an array of entries", "/entries");
  }
  const auto& array = entries->get_array();
  if (array.size() > kMaxImportEntries) {
    return Error::Invalid(
        fmt::format("at most {} entries may be imported at once", kMaxImportEntries), "/entries");
  }
  std::vector<EntryData> out;
  out.reserve(array.size());
  std::unordered_set<std::string> keys;
  for (std::size_t i = 0; i < array.size(); ++i) {
    const std::string pointer = fmt::format("/entries/{}", i);
    std::string key;
    if (array[i].is_object()) {
      if (const auto* k = array[i].get_object().if_contains("key"); k && k->is_string()) {
        key = Shown(k->get_string());
      }
    }
    auto entry = EntryFromJson(array[i], KeyRule::kRequired);
    if (!entry) {
      Error e = entry.error();
      e.message = key.empty() ? fmt::format("entry #{}: {}", i + 1, e.message)
                              : fmt::format("entry '{}' (#{}): {}", key, i + 1, e.message);
      e.field = e.field.empty() ? pointer : pointer + "/" + e.field;
      return e;
    }
    if (!keys.insert(entry->key).second) {
      return Error::Invalid(fmt::format("entry '{}' (#{}): the key is used twice", key, i + 1),
                            pointer + "/key");
    }
    out.push_back(std::move(*entry));
  }
  return out;
}

json::object ToJson(const EntryData& e) {
  json::array links;
  for (const auto& link : e.links)
    links.push_back(json::object{{"title", link.title}, {"url", link.url}});
  json::object o;
  o["key"] = e.key;
  o["kind"] = e.kind;
  o["title"] = e.title;
  o["summary"] = e.summary;
  o["description"] = e.description;
  o["provider_name"] = e.provider_name;
  o["url"] = e.url;
  o["countries"] = StringArray(e.countries);
  o["languages"] = StringArray(e.languages);
  o["cost"] = e.cost;
  o["org_sizes"] = StringArray(e.org_sizes);
  o["nis2_measures"] = StringArray(e.nis2_measures);
  o["threats"] = StringArray(e.threats);
  o["links"] = std::move(links);
  o["last_reviewed"] = e.last_reviewed ? json::value(*e.last_reviewed) : json::value(nullptr);
  return o;
}

json::object ToJson(const Entry& entry) {
  json::object o = ToJson(entry.data);
  json::object out;
  out["id"] = entry.id;
  for (auto& [k, v] : o) out[k] = std::move(v);
  out["created_at"] = FormatRfc3339(entry.created_at);
  out["updated_at"] = FormatRfc3339(entry.updated_at);
  return out;
}

}  // namespace caduceus::catalogue
