// Name normalisation, the alias table and explained comparisons.
#include "advisories/names.h"

#include <algorithm>

#include <fmt/format.h>

#include "core/text.h"

namespace caduceus::advisories {
namespace {

// ASCII spelling of U+00C0 … U+017F; "" where the code point is a symbol (×, ÷).
constexpr std::string_view kLatinFold[] = {
    "a", "a", "a",  "a",  "a", "a", "ae", "c",  "e",  "e", "e", "e", "i",  "i",  "i", "i", "d", "n",
    "o", "o", "o",  "o",  "o", "",  "o",  "u",  "u",  "u", "u", "y", "th", "ss", "a", "a", "a", "a",
    "a", "a", "ae", "c",  "e", "e", "e",  "e",  "i",  "i", "i", "i", "d",  "n",  "o", "o", "o", "o",
    "o", "",  "o",  "u",  "u", "u", "u",  "y",  "th", "y", "a", "a", "a",  "a",  "a", "a", "c", "c",
    "c", "c", "c",  "c",  "c", "c", "d",  "d",  "d",  "d", "e", "e", "e",  "e",  "e", "e", "e", "e",
    "e", "e", "g",  "g",  "g", "g", "g",  "g",  "g",  "g", "h", "h", "h",  "h",  "i", "i", "i", "i",
    "i", "i", "i",  "i",  "i", "i", "ij", "ij", "j",  "j", "k", "k", "k",  "l",  "l", "l", "l", "l",
    "l", "l", "l",  "l",  "l", "n", "n",  "n",  "n",  "n", "n", "n", "n",  "n",  "o", "o", "o", "o",
    "o", "o", "oe", "oe", "r", "r", "r",  "r",  "r",  "r", "s", "s", "s",  "s",  "s", "s", "s", "s",
    "t", "t", "t",  "t",  "t", "t", "u",  "u",  "u",  "u", "u", "u", "u",  "u",  "u", "u", "u", "u",
    "w", "w", "y",  "y",  "y", "z", "z",  "z",  "z",  "z", "z", "s",
};
static_assert(std::size(kLatinFold) == 0x180 - 0xC0);

constexpr std::string_view kLegalForms[] = {
    "inc",  "incorporated", "ltd", "limited", "llc",  "llp",         "lp",      "gmbh", "ag",
    "kgaa", "kg",           "bv",  "nv",      "sa",   "spa",         "sas",     "sarl", "srl",
    "sl",   "sro",          "se",  "co",      "corp", "corporation", "company", "plc",  "oy",
    "oyj",  "ab",           "as",  "asa",     "aps",  "pty",         "pte",     "kk",   "ltda"};

bool IsAsciiDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAsciiLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }
char Upper(char c) { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c; }

// Decodes the code point at `i` of valid UTF-8 and advances `i` past it.
char32_t Decode(std::string_view s, std::size_t* i) {
  const unsigned char c = static_cast<unsigned char>(s[*i]);
  int length = 1;
  char32_t cp = c;
  if (c >= 0xF0) {
    length = 4;
    cp = c & 0x07;
  } else if (c >= 0xE0) {
    length = 3;
    cp = c & 0x0F;
  } else if (c >= 0xC0) {
    length = 2;
    cp = c & 0x1F;
  }
  for (int k = 1; k < length && *i + k < s.size(); ++k) {
    cp = (cp << 6) | (static_cast<unsigned char>(s[*i + k]) & 0x3F);
  }
  *i += length;
  return cp;
}

// Diacritics folded, separators made spaces, apostrophes made '\'', other letters kept.
std::string Fold(std::string_view input, bool german) {
  const std::string s = SanitizeUtf8(TruncateUtf8(input, kMaxNameBytes));
  std::string out;
  out.reserve(s.size());
  std::size_t i = 0;
  while (i < s.size()) {
    const std::size_t start = i;
    const char32_t cp = Decode(s, &i);
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (german && (cp == 0xC4 || cp == 0xE4)) {
      out += "ae";
    } else if (german && (cp == 0xD6 || cp == 0xF6)) {
      out += "oe";
    } else if (german && (cp == 0xDC || cp == 0xFC)) {
      out += "ue";
    } else if (cp >= 0xC0 && cp < 0x180) {
      const std::string_view folded = kLatinFold[cp - 0xC0];
      out += folded.empty() ? std::string_view(" ") : folded;
    } else if (cp >= 0x218 && cp <= 0x21B) {
      out += cp < 0x21A ? 's' : 't';
    } else if (cp == 0x2018 || cp == 0x2019 || cp == 0x2BC) {
      out += '\'';
    } else if (cp < 0xC0 || (cp >= 0x2000 && cp <= 0x214F) || (cp >= 0x3000 && cp <= 0x303F) ||
               cp == 0xFFFD) {
      out += ' ';
    } else {
      out.append(s, start, i - start);
    }
  }
  return out;
}

std::vector<std::string> Words(std::string_view folded) {
  std::vector<std::string> words;
  std::string current;
  std::size_t segment = 0;  // letters since the word began or since a joining dot
  auto flush = [&] {
    if (!current.empty()) words.push_back(std::move(current));
    current.clear();
    segment = 0;
  };
  for (std::size_t i = 0; i < folded.size(); ++i) {
    const char c = folded[i];
    const char prev = i > 0 ? folded[i - 1] : '\0';
    const char next = i + 1 < folded.size() ? folded[i + 1] : '\0';
    if (IsAsciiLetter(c) || IsAsciiDigit(c) || static_cast<unsigned char>(c) >= 0x80) {
      current += Lower(c);
      ++segment;
    } else if (c == '\'') {
      continue;
    } else if (c == '.' && IsAsciiDigit(prev) && IsAsciiDigit(next) && !current.empty()) {
      current += '.';
      segment = 0;
    } else if (c == '.' && segment == 1 && IsAsciiLetter(prev) && IsAsciiLetter(next)) {
      segment = 0;
    } else if (c == '+' && !current.empty()) {
      current += '+';
    } else if (c == '&') {
      flush();
      words.emplace_back("and");
    } else {
      flush();
    }
  }
  flush();
  return words;
}

std::string Join(const std::vector<std::string>& words) {
  std::string out;
  for (const std::string& w : words) {
    if (!out.empty()) out += ' ';
    out += w;
  }
  return out;
}

bool IsLegalForm(std::string_view word) {
  return std::find(std::begin(kLegalForms), std::end(kLegalForms), word) != std::end(kLegalForms);
}

std::string VendorKey(std::string_view name, bool german) {
  std::vector<std::string> words = Words(Fold(name, german));
  while (words.size() > 1 && (words.front() == "the" || words.front() == "koninklijke")) {
    words.erase(words.begin());
  }
  while (true) {
    bool stripped = false;
    while (words.size() > 1 && IsLegalForm(words.back())) {
      words.pop_back();
      stripped = true;
    }
    if (stripped && words.size() > 1 && words.back() == "and") {
      words.pop_back();
      continue;
    }
    break;
  }
  return Join(words);
}

std::string ProductKey(std::string_view name, bool german) {
  return Join(Words(Fold(name, german)));
}

std::string Key(NameKind kind, std::string_view name, bool german) {
  return kind == NameKind::kVendor ? VendorKey(name, german) : ProductKey(name, german);
}

std::string_view KindWord(NameKind kind) {
  return kind == NameKind::kVendor ? "vendor" : "product";
}

// Exact, normalised (plain or German spelling) or alias comparison of one kind of name.
NameMatch CompareNames(NameKind kind,
                       std::string_view advisory,
                       std::string_view asset,
                       const AliasTable* aliases) {
  const std::string_view word = KindWord(kind);
  const std::string a = std::string(TruncateUtf8(advisory, kMaxNameBytes));
  const std::string b = std::string(TruncateUtf8(asset, kMaxNameBytes));
  if (!a.empty() && a == b) {
    return {true, NameMatch::How::kExact, fmt::format("{} '{}' = '{}'", word, a, b)};
  }
  const std::string keys_a[2] = {Key(kind, a, false), Key(kind, a, true)};
  const std::string keys_b[2] = {Key(kind, b, false), Key(kind, b, true)};
  if (keys_a[0].empty() || keys_b[0].empty()) {
    return {false, NameMatch::How::kNone,
            fmt::format("{} '{}' cannot be compared with '{}': a name is empty", word, a, b)};
  }
  for (const std::string& ka : keys_a) {
    for (const std::string& kb : keys_b) {
      if (ka == kb) {
        return {true, NameMatch::How::kNormalised,
                fmt::format("{} '{}' ~ '{}' (both read '{}')", word, a, b, ka)};
      }
    }
  }
  if (aliases != nullptr && aliases->kind() == kind) {
    for (const std::string& ka : keys_a) {
      for (const std::string& kb : keys_b) {
        if (aliases->SameGroup(ka, kb)) {
          return {true, NameMatch::How::kAlias, fmt::format("{} '{}' ~ '{}' (alias)", word, a, b)};
        }
      }
    }
  }
  return {false, NameMatch::How::kNone, fmt::format("{} '{}' differs from '{}'", word, a, b)};
}

// `key` without a leading `prefix` word sequence, or "" when it does not start with it.
std::string WithoutPrefix(const std::string& key, const std::string& prefix) {
  if (prefix.empty() || key.size() <= prefix.size() + 1) return {};
  if (key.compare(0, prefix.size(), prefix) != 0 || key[prefix.size()] != ' ') return {};
  return key.substr(prefix.size() + 1);
}

struct ModelToken {
  char c;
  bool wildcard;
};

bool IsModelSeparator(char c) { return c == ' ' || c == '-' || c == '_' || c == '.' || c == '/'; }

bool Glob(const std::vector<ModelToken>& pattern, std::string_view text) {
  std::size_t p = 0;
  std::size_t t = 0;
  std::size_t star = std::string::npos;
  std::size_t mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p].wildcard && pattern[p].c == '*') {
      star = p++;
      mark = t;
    } else if (p < pattern.size() && ((pattern[p].wildcard && pattern[p].c == '?') ||
                                      (!pattern[p].wildcard && pattern[p].c == text[t]))) {
      ++p;
      ++t;
    } else if (star != std::string::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p].wildcard && pattern[p].c == '*') ++p;
  return p == pattern.size();
}

}  // namespace

std::string NormaliseProductName(std::string_view name) { return ProductKey(name, false); }

std::string NormaliseVendorName(std::string_view name) { return VendorKey(name, false); }

std::vector<std::string> NameKeys(NameKind kind, std::string_view name) {
  std::vector<std::string> keys;
  std::string plain = Key(kind, name, false);
  if (plain.empty()) return keys;
  std::string german = Key(kind, name, true);
  keys.push_back(std::move(plain));
  if (german != keys.front()) keys.push_back(std::move(german));
  return keys;
}

std::string NormaliseModelNumber(std::string_view model) {
  std::string out;
  for (char c : Fold(model, false)) {
    if (IsModelSeparator(c)) continue;
    out += Upper(c);
  }
  return out;
}

std::size_t AliasTable::GroupOf(const std::string& key) {
  if (const auto it = group_of_.find(key); it != group_of_.end()) return it->second;
  groups_.push_back({key});
  group_of_.emplace(key, groups_.size() - 1);
  return groups_.size() - 1;
}

Status AliasTable::Add(std::string_view name, std::string_view alias) {
  const std::string a = Key(kind_, name, false);
  const std::string b = Key(kind_, alias, false);
  if (a.empty() || b.empty()) {
    return Error::Invalid(fmt::format("an alias needs two {} names", KindWord(kind_)));
  }
  const std::size_t added = (group_of_.count(a) == 0 ? 1 : 0) + (group_of_.count(b) == 0 ? 1 : 0);
  if (group_of_.size() + added > kMaxAliases) {
    return Error::Invalid(fmt::format("the alias table holds {} names already", kMaxAliases));
  }
  std::size_t ga = GroupOf(a);
  std::size_t gb = GroupOf(b);
  if (ga == gb) return Status{};
  if (groups_[ga].size() < groups_[gb].size()) std::swap(ga, gb);
  for (std::string& key : groups_[gb]) {
    group_of_[key] = ga;
    groups_[ga].push_back(std::move(key));
  }
  groups_[gb].clear();
  return Status{};
}

bool AliasTable::SameGroup(std::string_view key_a, std::string_view key_b) const {
  if (key_a == key_b) return true;
  const auto a = group_of_.find(std::string(key_a));
  const auto b = group_of_.find(std::string(key_b));
  return a != group_of_.end() && b != group_of_.end() && a->second == b->second;
}

std::vector<std::string> AliasTable::Group(std::string_view key) const {
  const auto it = group_of_.find(std::string(key));
  if (it == group_of_.end()) return {std::string(key)};
  return groups_[it->second];
}

NameMatch CompareVendors(std::string_view advisory,
                         std::string_view asset,
                         const AliasTable* aliases) {
  return CompareNames(NameKind::kVendor, advisory, asset, aliases);
}

NameMatch CompareProducts(std::string_view advisory,
                          std::string_view asset,
                          std::string_view vendor,
                          const AliasTable* aliases) {
  NameMatch direct = CompareNames(NameKind::kProduct, advisory, asset, aliases);
  if (direct.matched || vendor.empty()) return direct;
  const std::string a = ProductKey(advisory, false);
  const std::string b = ProductKey(asset, false);
  for (const std::string& prefix : {VendorKey(vendor, false), ProductKey(vendor, false)}) {
    const std::string bare_a = WithoutPrefix(a, prefix);
    const std::string bare_b = WithoutPrefix(b, prefix);
    if ((!bare_a.empty() && (bare_a == b || bare_a == bare_b)) ||
        (!bare_b.empty() && bare_b == a)) {
      return {true, NameMatch::How::kVendorPrefix,
              fmt::format("product '{}' ~ '{}' (vendor name '{}' set aside)",
                          TruncateUtf8(advisory, kMaxNameBytes), TruncateUtf8(asset, kMaxNameBytes),
                          prefix)};
    }
  }
  return direct;
}

NameMatch MatchModelNumber(std::string_view pattern, std::string_view model) {
  const std::string p(TruncateUtf8(pattern, kMaxNameBytes));
  const std::string m(TruncateUtf8(model, kMaxNameBytes));
  if (!p.empty() && p == m) {
    return {true, NameMatch::How::kExact, fmt::format("model '{}' = '{}'", p, m)};
  }
  std::vector<ModelToken> tokens;
  bool wild = false;
  const std::string folded = Fold(p, false);
  for (std::size_t i = 0; i < folded.size(); ++i) {
    char c = folded[i];
    if (c == '\\' && i + 1 < folded.size()) {
      tokens.push_back({Upper(folded[++i]), false});
      continue;
    }
    if (c == '*' || c == '?') {
      tokens.push_back({c, true});
      wild = true;
      continue;
    }
    if (IsModelSeparator(c)) continue;
    tokens.push_back({Upper(c), false});
  }
  const std::string target = NormaliseModelNumber(m);
  if (tokens.empty() || target.empty()) {
    return {false, NameMatch::How::kNone,
            fmt::format("model '{}' cannot be compared with '{}': a model is empty", p, m)};
  }
  if (Glob(tokens, target)) {
    return {true, wild ? NameMatch::How::kPattern : NameMatch::How::kNormalised,
            wild ? fmt::format("model '{}' matches '{}'", p, m)
                 : fmt::format("model '{}' ~ '{}'", p, m)};
  }
  return {false, NameMatch::How::kNone, fmt::format("model '{}' differs from '{}'", p, m)};
}

}  // namespace caduceus::advisories
