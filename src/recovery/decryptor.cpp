#include "recovery/decryptor.h"

#include <algorithm>
#include <set>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "core/text.h"
#include "recovery/json_reader.h"

namespace caduceus::recovery {
namespace {

namespace json = boost::json;

constexpr std::size_t kMaxFileDepth = 8;

std::string Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return std::string(s);
}

bool IsKey(std::string_view key) {
  return key.size() >= 3 && key.size() <= 64 && std::all_of(key.begin(), key.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
         });
}

Status CheckText(std::string& value,
                 std::string_view field,
                 std::size_t max_len,
                 bool multiline = false) {
  if (!multiline) value = Trim(value);
  if (value.empty())
    return Error::Invalid(fmt::format("{} is required", field), std::string(field));
  if (value.size() > max_len) {
    return Error::Invalid(fmt::format("{} may not exceed {} bytes", field, max_len),
                          std::string(field));
  }
  if (!ValidUtf8(value) || !CleanText(value, multiline)) {
    return Error::Invalid(fmt::format("{} may not contain control characters", field),
                          std::string(field));
  }
  return {};
}

json::array StringArray(const std::vector<std::string>& list) {
  json::array out;
  for (const auto& s : list) out.emplace_back(s);
  return out;
}

}  // namespace

bool IsCalendarDate(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return false;
  for (std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (text[i] < '0' || text[i] > '9') return false;
  }
  const int year = std::stoi(std::string(text.substr(0, 4)));
  const int month = std::stoi(std::string(text.substr(5, 2)));
  const int day = std::stoi(std::string(text.substr(8, 2)));
  if (year < 2000 || year > 2099 || month < 1 || month > 12 || day < 1) return false;
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = year % 4 == 0;  // exact for 2000..2099
  return day <= kDays[month - 1] + (month == 2 && leap ? 1 : 0);
}

bool IsToolUrl(std::string_view url) {
  std::string_view rest;
  if (url.starts_with("https://")) {
    rest = url.substr(8);
  } else if (url.starts_with("http://")) {
    rest = url.substr(7);
  } else {
    return false;
  }
  if (url.size() > kMaxUrl) return false;
  for (char c : url) {
    const auto b = static_cast<unsigned char>(c);
    if (b <= 0x20 || b >= 0x7F) return false;
  }
  const std::size_t end = rest.find_first_of("/?#");
  const std::string_view authority = rest.substr(0, end);
  if (authority.empty() || authority.find('@') != std::string_view::npos) return false;
  const std::string_view host = authority.substr(0, authority.find(':'));
  return !host.empty() && host.front() != '.' && host.back() != '.';
}

std::string FamilyKey(std::string_view name) {
  std::string out;
  for (char c : name) {
    const char l = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    if ((l >= 'a' && l <= 'z') || (l >= '0' && l <= '9')) out += l;
  }
  constexpr std::string_view kSuffix = "ransomware";
  if (out.size() > kSuffix.size() && out.ends_with(kSuffix)) {
    out.resize(out.size() - kSuffix.size());
  }
  return out;
}

Status ValidateDecryptor(DecryptorData& d, bool key_required) {
  if ((key_required || !d.key.empty()) && !IsKey(d.key))
    return Error::Invalid("key must be 3 to 64 of a-z, 0-9 and '-'", "key");
  if (d.families.empty() || d.families.size() > kMaxToolFamilies) {
    return Error::Invalid(fmt::format("families must name 1 to {} families", kMaxToolFamilies),
                          "families");
  }
  std::vector<std::string> families;
  std::set<std::string> seen;
  for (std::size_t i = 0; i < d.families.size(); ++i) {
    std::string name = d.families[i];
    if (auto st = CheckText(name, fmt::format("families/{}", i), kMaxFamilyName); !st) return st;
    if (FamilyKey(name).empty()) {
      return Error::Invalid("a family name needs letters or digits", fmt::format("families/{}", i));
    }
    if (seen.insert(FamilyKey(name)).second) families.push_back(std::move(name));
  }
  d.families = std::move(families);
  if (auto st = CheckText(d.tool, "tool", kMaxToolName); !st) return st;
  if (auto st = CheckText(d.provider, "provider", kMaxProvider); !st) return st;
  if (!IsToolUrl(d.url)) {
    return Error::Invalid("url must be an absolute http:// or https:// URL", "url");
  }
  if (auto st = CheckText(d.instructions, "instructions", kMaxInstructions, true); !st) return st;
  if (!IsCalendarDate(d.last_verified)) {
    return Error::Invalid("last_verified must be a date YYYY-MM-DD", "last_verified");
  }
  return {};
}

Result<DecryptorData> DecryptorFromJson(const json::value& value,
                                        bool require_key,
                                        std::string_view prefix) {
  if (!value.is_object()) {
    return Error::Invalid("a decryptor must be a JSON object", std::string(prefix));
  }
  ObjectReader r(value.get_object(), std::string(prefix));
  DecryptorData d;
  d.key = r.String("key", 64, require_key).value_or("");
  d.families = r.StringList("families", kMaxToolFamilies, kMaxFamilyName, true)
                   .value_or(std::vector<std::string>{});
  d.tool = r.String("tool", kMaxToolName, true).value_or("");
  d.provider = r.String("provider", kMaxProvider, true).value_or("");
  d.url = r.String("url", kMaxUrl, true).value_or("");
  d.instructions = r.String("instructions", kMaxInstructions, true, true).value_or("");
  d.last_verified = r.String("last_verified", 10, true).value_or("");
  if (auto st = r.Finish(); !st) return st.error();
  if (auto st = ValidateDecryptor(d, require_key); !st) {
    Error e = st.error();
    e.field = std::string(prefix) + e.field;
    return e;
  }
  return d;
}

Result<DecryptorPatch> DecryptorPatchFromJson(const json::object& object) {
  ObjectReader r(object, "");
  DecryptorPatch p;
  p.families = r.StringList("families", kMaxToolFamilies, kMaxFamilyName, false);
  p.tool = r.String("tool", kMaxToolName, false);
  p.provider = r.String("provider", kMaxProvider, false);
  p.url = r.String("url", kMaxUrl, false);
  p.instructions = r.String("instructions", kMaxInstructions, false, true);
  p.last_verified = r.String("last_verified", 10, false);
  if (auto st = r.Finish(); !st) return st.error();
  return p;
}

DecryptorData ApplyPatch(DecryptorData base, const DecryptorPatch& p) {
  if (p.families) base.families = *p.families;
  if (p.tool) base.tool = *p.tool;
  if (p.provider) base.provider = *p.provider;
  if (p.url) base.url = *p.url;
  if (p.instructions) base.instructions = *p.instructions;
  if (p.last_verified) base.last_verified = *p.last_verified;
  return base;
}

Result<std::vector<DecryptorData>> ParseDecryptorFile(std::string_view text) {
  if (text.size() > kMaxDecryptorFileBytes) {
    return Error{Errc::kPayloadTooLarge,
                 fmt::format("a decryptor file may not exceed {} bytes", kMaxDecryptorFileBytes),
                 {}};
  }
  auto parsed = ParseJson(text, kMaxFileDepth);
  if (!parsed) return parsed.error();
  if (!parsed->is_object()) return Error::Invalid("the file must hold a JSON object");
  ObjectReader r(parsed->get_object(), "/");
  const auto format = r.String("format", 64, true);
  const json::value* list = r.Raw("decryptors");
  if (auto st = r.Finish(); !st) return st.error();
  if (*format != kDecryptorFileFormat) {
    return Error::Invalid(fmt::format("format must be \"{}\"", kDecryptorFileFormat), "/format");
  }
  if (list == nullptr || !list->is_array()) {
    return Error::Invalid("decryptors must be an array", "/decryptors");
  }
  const auto& items = list->get_array();
  if (items.size() > kMaxDecryptors) {
    return Error::Invalid(fmt::format("a file may hold at most {} decryptors", kMaxDecryptors),
                          "/decryptors");
  }
  std::vector<DecryptorData> out;
  std::set<std::string> keys;
  for (std::size_t i = 0; i < items.size(); ++i) {
    auto d = DecryptorFromJson(items[i], true, fmt::format("/decryptors/{}/", i));
    if (!d) return d.error();
    if (!keys.insert(d->key).second) {
      return Error::Invalid(fmt::format("decryptor key '{}' appears twice", d->key),
                            fmt::format("/decryptors/{}/key", i));
    }
    out.push_back(std::move(*d));
  }
  return out;
}

json::object ToJson(const DecryptorData& d) {
  return json::object{{"key", d.key},
                      {"families", StringArray(d.families)},
                      {"tool", d.tool},
                      {"provider", d.provider},
                      {"url", d.url},
                      {"instructions", d.instructions},
                      {"last_verified", d.last_verified}};
}

json::object ToJson(const Decryptor& d) {
  json::object o = ToJson(d.data);
  o["id"] = d.id;
  o["created_at"] = FormatRfc3339(d.created_at);
  o["updated_at"] = FormatRfc3339(d.updated_at);
  return o;
}

}  // namespace caduceus::recovery
