#include "recovery/knowledge.h"

#include <algorithm>
#include <set>
#include <utility>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "core/text.h"
#include "recovery/json_reader.h"
#include "recovery/note.h"

namespace caduceus::recovery {
namespace {

namespace json = boost::json;

constexpr std::size_t kMaxGalaxyDepth = 16;
constexpr std::size_t kMaxMarkerBytes = 64;

constexpr std::string_view kMarkerKinds[] = {
    "extension", "note_filename", "note_text",        "note_phrase",
    "email",     "onion",         "crypto_address",   "header",
    "footer",    "synonym",       "ignore_extension", "ignore_note_filename"};

// Ordinary file types: an "extension" that is one of these says nothing about ransomware.
constexpr std::string_view kOrdinaryTypes[] = {
    "exe", "dll",  "sys",  "txt", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "pdf", "rtf",
    "jpg", "jpeg", "png",  "gif", "bmp", "mp3",  "mp4", "avi",  "wav", "zip",  "rar", "7z",
    "js",  "css",  "html", "htm", "xml", "json", "csv", "bat",  "cmd", "ini",  "log", "tmp",
    "dat", "bin",  "bak",  "lnk", "vbs", "ps1",  "jar", "iso",  "sql", "db",   "mdb", "hta",
    "url", "msi",  "cab",  "tar", "gz",  "odt",  "ods", "psd",  "svg", "ico",  "eml", "msg"};

// Words inside a bracketed part of a galaxy entry that mark it as a placeholder.
constexpr std::string_view kPlaceholderWords[] = {
    "rand",     "id",       "victim",    "number", "numbers", "char",      "chars",
    "hex",      "key",      "name",      "letter", "letters", "digit",     "digits",
    "user",     "ext",      "extension", "file",   "company", "org",       "base64",
    "time",     "computer", "uid",       "hash",   "random",  "infection", "date",
    "personal", "code",     "userid",    "email",  "encrypt", "original",  "hostname"};

std::string Trim(std::string_view s) {
  while (!s.empty() &&
         (s.front() == ' ' || s.front() == '\t' || s.front() == '\n' || s.front() == '\r')) {
    s.remove_prefix(1);
  }
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return std::string(s);
}

std::string CollapseSpaces(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      if (!out.empty() && out.back() != ' ') out += ' ';
    } else {
      out += c;
    }
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = Lower(c);
  return out;
}

bool IsAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

std::size_t LiteralAlnum(std::string_view pattern) {
  return static_cast<std::size_t>(std::count_if(pattern.begin(), pattern.end(), IsAlnum));
}

std::string CollapseStars(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '*' && !out.empty() && out.back() == '*') continue;
    out += c;
  }
  return out;
}

// Whether the content of a bracketed part describes a placeholder rather than literal text.
bool IsPlaceholderContent(std::string_view content) {
  if (content.find('@') != std::string_view::npos) return false;
  if (content.empty() || content.find_first_of("[{<") != std::string_view::npos) return true;
  const std::string lower = AsciiLower(content);
  // Regex classes and repetition counts: "A-Z0-9", "32", "4-8".
  if (std::all_of(lower.begin(), lower.end(),
                  [](char c) {
                    return (c >= '0' && c <= '9') || c == '-' || c == ',' ||
                           (c >= 'a' && c <= 'f') || c == 'z' || c == '{' || c == '}';
                  }) &&
      lower.find_first_of("0123456789-") != std::string::npos) {
    return true;
  }
  // Words of the content, split at anything but letters and digits.
  std::string word;
  const auto check = [&]() {
    const bool hit = std::find(std::begin(kPlaceholderWords), std::end(kPlaceholderWords), word) !=
                     std::end(kPlaceholderWords);
    word.clear();
    return hit;
  };
  for (char c : lower) {
    if (IsAlnum(c)) {
      word += c;
    } else if (!word.empty() && check()) {
      return true;
    }
  }
  return !word.empty() && check();
}

// Replaces placeholders with '*': bracketed parts ([..], <..>, {..}, (..), %..%) whose content
// describes a placeholder, and #UPPER-CASE# names.
std::string ReplacePlaceholders(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size();) {
    const char c = text[i];
    char close = 0;
    if (c == '[') close = ']';
    if (c == '<') close = '>';
    if (c == '{') close = '}';
    if (c == '(') close = ')';
    if (c == '%') close = '%';
    if (c == '#') close = '#';
    if (close != 0) {
      const std::size_t end = text.find(close, i + 1);
      if (end != std::string_view::npos && end - i <= 64) {
        const std::string_view content = text.substr(i + 1, end - i - 1);
        bool placeholder = false;
        if (c == '#') {
          placeholder =
              content.size() >= 3 && std::all_of(content.begin(), content.end(), [](char x) {
                return (x >= 'A' && x <= 'Z') || x == '-' || x == '_';
              });
        } else {
          placeholder = IsPlaceholderContent(content);
        }
        if (placeholder) {
          out += '*';
          i = end + 1;
          continue;
        }
      }
    }
    out += c;
    ++i;
  }
  return out;
}

bool IsOrdinaryType(std::string_view pattern) {
  std::string_view rest = pattern;
  while (!rest.empty() && (rest.front() == '.' || rest.front() == '*')) rest.remove_prefix(1);
  return std::find(std::begin(kOrdinaryTypes), std::end(kOrdinaryTypes), rest) !=
         std::end(kOrdinaryTypes);
}

// A run of 6+ hexadecimal characters with both digits and letters, as in victim IDs.
std::string GeneraliseIds(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size();) {
    std::size_t j = i;
    bool digit = false, letter = false;
    while (j < s.size() && ((s[j] >= '0' && s[j] <= '9') || (s[j] >= 'a' && s[j] <= 'f') ||
                            (s[j] >= 'A' && s[j] <= 'F'))) {
      digit = digit || (s[j] >= '0' && s[j] <= '9');
      letter = letter || !(s[j] >= '0' && s[j] <= '9');
      ++j;
    }
    const bool boundary_before = i == 0 || !IsAlnum(s[i - 1]);
    const bool boundary_after = j == s.size() || !IsAlnum(s[j]);
    if (j - i >= 6 && digit && letter && boundary_before && boundary_after) {
      out += '*';
      i = j;
    } else if (j > i) {
      out.append(s.substr(i, j - i));
      i = j;
    } else {
      out += s[i];
      ++i;
    }
  }
  return out;
}

// E-mail addresses in a text become '*'.
std::string GeneraliseEmails(std::string_view s) {
  std::string out(s);
  for (std::size_t at = out.find('@'); at != std::string::npos; at = out.find('@')) {
    std::size_t start = at, end = at + 1;
    while (start > 0 && (IsAlnum(out[start - 1]) ||
                         std::string_view("._-+").find(out[start - 1]) != std::string_view::npos)) {
      --start;
    }
    while (end < out.size() && (IsAlnum(out[end]) || out[end] == '.' || out[end] == '-')) ++end;
    // Keep the final ".ext" when the address ran into it (".[a@b.cc].ext" stops at ']').
    out.replace(start, end - start, "*");
  }
  return out;
}

std::vector<std::string> Unique(std::vector<std::string> items) {
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (auto& s : items) {
    if (seen.insert(s).second) out.push_back(std::move(s));
  }
  return out;
}

// Reads a string or a list of strings; other shapes and bad items are skipped.
std::vector<std::string> StringsOf(const json::value* v, std::size_t max_len) {
  std::vector<std::string> out;
  if (v == nullptr) return out;
  const auto take = [&](const json::value& item) {
    if (!item.is_string() || out.size() >= kMaxGalaxyListItems) return;
    const auto& s = item.get_string();
    if (s.size() > max_len) return;
    std::string text = Trim(std::string_view(s.data(), s.size()));
    if (!text.empty()) out.push_back(std::move(text));
  };
  if (v->is_string()) take(*v);
  if (v->is_array()) {
    for (const auto& item : v->get_array()) take(item);
  }
  return Unique(std::move(out));
}

std::vector<std::string> Merge(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return Unique(std::move(a));
}

bool IsUuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (s[i] != '-') return false;
    } else if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) {
      return false;
    }
  }
  return true;
}

void AddAll(std::vector<std::string>& to, const std::vector<std::string>& from) {
  for (const auto& s : from) {
    if (std::find(to.begin(), to.end(), s) == to.end()) to.push_back(s);
  }
}

}  // namespace

std::span<const std::string_view> MarkerKinds() { return kMarkerKinds; }

bool IsMarkerKind(std::string_view kind) {
  return std::find(std::begin(kMarkerKinds), std::end(kMarkerKinds), kind) !=
         std::end(kMarkerKinds);
}

std::optional<std::string> NoteNamePattern(std::string_view galaxy_text) {
  std::string text = CollapseSpaces(DecodeEntities(galaxy_text));
  for (std::string_view cut : {", e.g.", " e.g.", " , e.g"}) {
    if (const auto pos = text.find(cut); pos != std::string::npos) text.resize(pos);
  }
  text = std::string(BaseName(Trim(text)));
  text = CollapseStars(AsciiLower(ReplacePlaceholders(text)));
  text = Trim(text);
  if (text.empty() || text.size() > kMaxMarkerPattern || !ValidUtf8(text) ||
      !CleanText(text, false)) {
    return std::nullopt;
  }
  // Something specific besides a file type must remain: "*.txt" says nothing.
  const auto dot = text.rfind('.');
  const std::string_view body =
      dot == std::string::npos ? std::string_view(text) : std::string_view(text).substr(0, dot);
  if (LiteralAlnum(body) < 2) return std::nullopt;
  return text;
}

std::vector<std::string> ExtensionPatterns(std::string_view galaxy_text) {
  std::string text = Trim(DecodeEntities(galaxy_text));
  if (AsciiLower(text).starts_with("example:")) text = Trim(std::string_view(text).substr(8));
  const std::string lower_text = AsciiLower(text);
  if (lower_text.find("prepend") != std::string::npos ||
      lower_text.find("prefix") != std::string::npos) {
    return {};
  }
  if (text.find_first_of(" \t") != std::string::npos) {
    const std::string first = text.substr(0, text.find_first_of(" \t"));
    if (first.empty() ||
        std::string_view(".-_[!#~").find(first.front()) == std::string_view::npos) {
      return {};
    }
    text = first;
  }
  if (text.empty() || text.size() > kMaxMarkerPattern || !ValidUtf8(text) ||
      !CleanText(text, false)) {
    return {};
  }
  if (IsAlnum(text.front())) {
    if (!std::all_of(text.begin(), text.end(),
                     [](char c) { return IsAlnum(c) || c == '_' || c == '-'; })) {
      return {};
    }
    text = "." + text;
  }
  std::vector<std::string> out;
  const auto add = [&](std::string pattern) {
    pattern = CollapseStars(AsciiLower(pattern));
    if (pattern.empty() || pattern.size() > kMaxMarkerPattern) return;
    if (LiteralAlnum(pattern) < 2 || IsOrdinaryType(pattern)) return;
    if (pattern.find_first_not_of("*.") == std::string::npos) return;
    if (std::find(out.begin(), out.end(), pattern) == out.end()) out.push_back(std::move(pattern));
  };
  const std::string replaced = ReplacePlaceholders(text);
  add(replaced);
  if (replaced.find('@') != std::string::npos) {
    add(GeneraliseIds(GeneraliseEmails(replaced)));
  } else if (GeneraliseIds(replaced) != replaced) {
    add(GeneraliseIds(replaced));
  }
  return out;
}

Result<std::vector<GalaxyFamily>> ParseGalaxy(std::string_view json_text) {
  if (json_text.size() > kMaxGalaxyBytes) {
    return Error{Errc::kPayloadTooLarge,
                 fmt::format("a galaxy file may not exceed {} bytes", kMaxGalaxyBytes),
                 {}};
  }
  auto parsed = ParseJson(json_text, kMaxGalaxyDepth);
  if (!parsed) return parsed.error();
  const json::object* root = parsed->if_object();
  if (root == nullptr) return Error::Invalid("a galaxy file holds a JSON object");
  if (const auto* type = root->if_contains("type");
      type == nullptr || !type->is_string() || type->get_string() != "ransomware") {
    return Error::Invalid("not the ransomware galaxy: type must be \"ransomware\"", "/type");
  }
  const auto* values = root->if_contains("values");
  if (values == nullptr || !values->is_array()) {
    return Error::Invalid("values must be an array", "/values");
  }
  if (values->get_array().size() > kMaxGalaxyFamilies) {
    return Error::Invalid(fmt::format("a galaxy may hold at most {} values", kMaxGalaxyFamilies),
                          "/values");
  }
  std::vector<GalaxyFamily> out;
  std::set<std::string> uuids;
  const auto& array = values->get_array();
  for (std::size_t i = 0; i < array.size(); ++i) {
    const std::string at = fmt::format("/values/{}", i);
    const json::object* v = array[i].if_object();
    if (v == nullptr) return Error::Invalid(at + " must be an object", at);
    GalaxyFamily f;
    const auto* uuid = v->if_contains("uuid");
    if (uuid == nullptr || !uuid->is_string() || !IsUuid(AsciiLower(uuid->get_string()))) {
      return Error::Invalid(at + "/uuid must be a UUID", at + "/uuid");
    }
    f.uuid = AsciiLower(uuid->get_string());
    if (!uuids.insert(f.uuid).second) {
      return Error::Invalid(fmt::format("UUID {} appears twice", f.uuid), at + "/uuid");
    }
    const auto* name = v->if_contains("value");
    if (name == nullptr || !name->is_string()) {
      return Error::Invalid(at + "/value must be the family's name", at + "/value");
    }
    f.name = CollapseSpaces(std::string_view(name->get_string().data(), name->get_string().size()));
    if (f.name.empty() || f.name.size() > kMaxFamilyNameBytes || !CleanText(f.name, false)) {
      return Error::Invalid(at + "/value must be a name of 1 to 200 bytes", at + "/value");
    }
    if (const auto* d = v->if_contains("description");
        d != nullptr && d->is_string() && d->get_string().size() <= kMaxGalaxyString) {
      f.description = Trim(std::string_view(d->get_string().data(), d->get_string().size()));
    }
    if (const json::object* meta = v->contains("meta") ? v->at("meta").if_object() : nullptr) {
      const auto get = [&](std::string_view key, std::size_t max_len) {
        return StringsOf(meta->if_contains(key), max_len);
      };
      f.synonyms = get("synonyms", kMaxFamilyNameBytes);
      f.extensions =
          Merge(get("extensions", kMaxMarkerPattern), get("extension", kMaxMarkerPattern));
      f.note_filenames = get("ransomnotes-filenames", kMaxMarkerPattern);
      for (std::string_view key :
           {"ransomnotes-files", "ransomenotes-files", "ransomnotes-filesnames"}) {
        f.note_filenames = Merge(std::move(f.note_filenames), get(key, kMaxMarkerPattern));
      }
      f.note_texts =
          Merge(get("ransomnotes", kMaxGalaxyString), get("ransomenotes", kMaxGalaxyString));
      f.references = get("refs", 2048);
    }
    std::erase_if(f.synonyms, [](const std::string& s) { return !CleanText(s, false); });
    out.push_back(std::move(f));
  }
  return out;
}

Status ValidateMarker(MarkerData& m) {
  if (!IsMarkerKind(m.kind)) {
    return Error::Invalid(fmt::format("kind must be one of: {}", fmt::join(kMarkerKinds, ", ")),
                          "kind");
  }
  const bool bytes = m.kind == "header" || m.kind == "footer";
  if (bytes) {
    if (m.offset < 0 || m.offset > kMaxMarkerOffset) {
      return Error::Invalid(fmt::format("offset must be from 0 to {}", kMaxMarkerOffset), "offset");
    }
  } else if (m.offset != 0) {
    return Error::Invalid("only header and footer markers have an offset", "offset");
  }
  if (m.kind == "note_text") {
    if (m.value.empty() || m.value.size() > kMaxMarkerValue || !ValidUtf8(m.value) ||
        !CleanText(m.value, true)) {
      return Error::Invalid(
          fmt::format("a note text must be 1 to {} bytes of text", kMaxMarkerValue), "value");
    }
    return {};
  }
  m.value = Trim(m.value);
  if (m.value.empty() || m.value.size() > kMaxMarkerPattern || !ValidUtf8(m.value) ||
      !CleanText(m.value, false)) {
    return Error::Invalid(
        fmt::format("value must be 1 to {} bytes of text on one line", kMaxMarkerPattern), "value");
  }
  if (bytes) {
    auto decoded = FromHex(m.value);
    if (!decoded || decoded->empty() || decoded->size() > kMaxMarkerBytes) {
      return Error::Invalid(
          fmt::format("value must be 1 to {} bytes in hexadecimal", kMaxMarkerBytes), "value");
    }
    m.value = ToHex(*decoded);
    return {};
  }
  if (m.kind == "note_phrase") {
    m.value = NormaliseNote(m.value);
    if (NoteWords(m.value).size() < 3) {
      return Error::Invalid("a note phrase needs at least three words", "value");
    }
    return {};
  }
  if (m.kind == "synonym" || m.kind == "crypto_address") return {};
  m.value = AsciiLower(m.value);
  const std::string_view v = m.value;
  if (m.kind == "email" &&
      (v.find('@') == std::string_view::npos || v.find(' ') != std::string_view::npos)) {
    return Error::Invalid("an e-mail marker must hold '@' and no spaces", "value");
  }
  if (m.kind == "onion" && !v.ends_with(".onion")) {
    return Error::Invalid("an onion marker must end in .onion", "value");
  }
  if (LiteralAlnum(v) < 2) {
    return Error::Invalid("a pattern needs at least two letters or digits", "value");
  }
  if (m.kind == "extension" && IsAlnum(m.value.front())) m.value.insert(0, ".");
  return {};
}

Family BuildFamily(std::int64_t id, const GalaxyFamily& base, std::span<const MarkerData> markers) {
  Family f;
  f.id = id;
  f.uuid = base.uuid;
  f.name = base.name;
  f.synonyms = base.synonyms;
  f.references = base.references;
  f.note_texts = base.note_texts;
  for (const auto& ref : base.references) {
    const std::string lower = AsciiLower(ref);
    if (lower.find("decrypt") != std::string::npos ||
        lower.find("nomoreransom") != std::string::npos) {
      f.decryptor_hints.push_back(ref);
    }
  }
  std::set<std::string> ignored_extensions, ignored_names;
  for (const auto& m : markers) {
    if (m.kind == "ignore_extension") ignored_extensions.insert(m.value);
    if (m.kind == "ignore_note_filename") ignored_names.insert(m.value);
  }
  for (const auto& raw : base.extensions) {
    for (auto& p : ExtensionPatterns(raw)) {
      if (!ignored_extensions.contains(p) &&
          std::find(f.extensions.begin(), f.extensions.end(), p) == f.extensions.end()) {
        f.extensions.push_back(std::move(p));
      }
    }
    // Addresses written into extensions (".[mail@host.cc].ext") identify the family too.
    AddAll(f.emails, ExtractContacts(raw).emails);
  }
  for (const auto& raw : base.note_filenames) {
    auto p = NoteNamePattern(raw);
    if (p && !ignored_names.contains(*p) &&
        std::find(f.note_filenames.begin(), f.note_filenames.end(), *p) == f.note_filenames.end()) {
      f.note_filenames.push_back(std::move(*p));
    }
    AddAll(f.emails, ExtractContacts(raw).emails);
  }
  for (const auto& m : markers) {
    const auto add = [&](std::vector<std::string>& list) {
      if (std::find(list.begin(), list.end(), m.value) == list.end()) list.push_back(m.value);
    };
    if (m.kind == "extension") add(f.extensions);
    if (m.kind == "note_filename") add(f.note_filenames);
    if (m.kind == "note_text") add(f.note_texts);
    if (m.kind == "note_phrase") add(f.note_phrases);
    if (m.kind == "email") add(f.emails);
    if (m.kind == "onion") add(f.onions);
    if (m.kind == "crypto_address") add(f.crypto_addresses);
    if (m.kind == "synonym") add(f.synonyms);
    if (m.kind == "header" || m.kind == "footer") {
      f.byte_markers.push_back({m.kind == "footer", m.offset, FromHex(m.value).value_or("")});
    }
  }
  for (const auto& note : f.note_texts) {
    const Contacts c = ExtractContacts(DecodeNote(note).text);
    AddAll(f.emails, c.emails);
    AddAll(f.onions, c.onions);
    AddAll(f.crypto_addresses, c.crypto_addresses);
  }
  return f;
}

}  // namespace caduceus::recovery
