#include "recovery/note.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <utility>

#include "core/text.h"

namespace caduceus::recovery {
namespace {

constexpr char32_t kReplacement = 0xFFFD;
// Deeper RTF groups are still balanced but no longer tracked one by one.
constexpr std::size_t kMaxRtfDepth = 256;
// How much of the start of a text is inspected to tell HTML and UTF-16 apart.
constexpr std::size_t kSniffBytes = 4096;
constexpr std::size_t kMaxEntityLength = 32;

void AppendUtf8(std::string& out, char32_t cp) {
  if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = kReplacement;
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// Decodes one code point of valid UTF-8 at `i`, advancing `i`.
char32_t NextCodePoint(std::string_view s, std::size_t& i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  const std::size_t n = b0 < 0x80 ? 1 : b0 < 0xE0 ? 2 : b0 < 0xF0 ? 3 : 4;
  char32_t cp = n == 1 ? b0 : n == 2 ? (b0 & 0x1F) : n == 3 ? (b0 & 0x0F) : (b0 & 0x07);
  for (std::size_t k = 1; k < n && i + k < s.size(); ++k) {
    cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
  }
  i += n;
  return cp;
}

// Windows-1252 bytes 0x80..0x9F; 0 marks the five unassigned ones.
constexpr std::array<char32_t, 32> kCp1252High = {
    0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0,      0x017D, 0,      0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178};

char32_t Cp1252(unsigned char b) {
  if (b < 0x80 || b >= 0xA0) return b;
  const char32_t cp = kCp1252High[b - 0x80];
  return cp == 0 ? kReplacement : cp;
}

std::string DecodeCp1252(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() + bytes.size() / 4);
  for (char c : bytes) AppendUtf8(out, Cp1252(static_cast<unsigned char>(c)));
  return out;
}

std::string DecodeUtf16(std::string_view bytes, bool little_endian) {
  std::string out;
  out.reserve(bytes.size());
  const auto unit = [&](std::size_t i) -> char32_t {
    const auto a = static_cast<unsigned char>(bytes[i]);
    const auto b = static_cast<unsigned char>(bytes[i + 1]);
    return little_endian ? (a | (b << 8)) : ((a << 8) | b);
  };
  for (std::size_t i = 0; i + 1 < bytes.size(); i += 2) {
    const char32_t u = unit(i);
    if (u >= 0xD800 && u <= 0xDBFF) {
      if (i + 3 < bytes.size()) {
        const char32_t low = unit(i + 2);
        if (low >= 0xDC00 && low <= 0xDFFF) {
          AppendUtf8(out, 0x10000 + ((u - 0xD800) << 10) + (low - 0xDC00));
          i += 2;
          continue;
        }
      }
      AppendUtf8(out, kReplacement);
    } else if (u >= 0xDC00 && u <= 0xDFFF) {
      AppendUtf8(out, kReplacement);
    } else {
      AppendUtf8(out, u);
    }
  }
  return out;
}

// UTF-16 without a byte-order mark: most ASCII-range text has a NUL in every other byte.
std::optional<NoteEncoding> SniffUtf16(std::string_view bytes) {
  const std::size_t n = std::min(bytes.size(), kSniffBytes) & ~std::size_t{1};
  if (n < 4) return std::nullopt;
  std::size_t even_zero = 0, odd_zero = 0;
  for (std::size_t i = 0; i < n; i += 2) {
    if (bytes[i] == '\0') ++even_zero;
    if (bytes[i + 1] == '\0') ++odd_zero;
  }
  const std::size_t pairs = n / 2;
  if (odd_zero * 10 >= pairs * 4 && even_zero * 20 < pairs) return NoteEncoding::kUtf16Le;
  if (even_zero * 10 >= pairs * 4 && odd_zero * 20 < pairs) return NoteEncoding::kUtf16Be;
  return std::nullopt;
}

// CR LF and lone CR become LF; NUL is dropped; other control characters (C0 except tab and LF,
// DEL, C1) become spaces. Input and output are valid UTF-8.
std::string CleanControls(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t start = i;
    const char32_t cp = NextCodePoint(text, i);
    if (cp == '\r') {
      out += '\n';
      if (i < text.size() && text[i] == '\n') ++i;
    } else if (cp == 0) {
      continue;
    } else if ((cp < 0x20 && cp != '\t' && cp != '\n') || (cp >= 0x7F && cp < 0xA0)) {
      out += ' ';
    } else {
      out.append(text, start, i - start);
    }
  }
  return out;
}

char AsciiLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool StartsWithNoCase(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (AsciiLower(text[i]) != prefix[i]) return false;
  }
  return true;
}

bool EndsWithNoCase(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() &&
         StartsWithNoCase(text.substr(text.size() - suffix.size()), suffix);
}

std::string AsciiLowerCopy(std::string_view text) {
  std::string out(text);
  for (auto& c : out) c = AsciiLower(c);
  return out;
}

bool IsAsciiAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsAsciiDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAsciiAlnum(char c) { return IsAsciiAlpha(c) || IsAsciiDigit(c); }
bool IsHexDigit(char c) {
  return IsAsciiDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }

// ---- HTML ---------------------------------------------------------------------------------

struct NamedEntity {
  std::string_view name;
  char32_t cp;
};
constexpr NamedEntity kEntities[] = {
    {"amp", '&'},       {"lt", '<'},       {"gt", '>'},       {"quot", '"'},      {"apos", '\''},
    {"nbsp", 0xA0},     {"laquo", 0xAB},   {"raquo", 0xBB},   {"copy", 0xA9},     {"reg", 0xAE},
    {"trade", 0x2122},  {"ndash", 0x2013}, {"mdash", 0x2014}, {"hellip", 0x2026}, {"lsquo", 0x2018},
    {"rsquo", 0x2019},  {"ldquo", 0x201C}, {"rdquo", 0x201D}, {"bull", 0x2022},   {"middot", 0xB7},
    {"euro", 0x20AC},   {"pound", 0xA3},   {"yen", 0xA5},     {"cent", 0xA2},     {"sect", 0xA7},
    {"deg", 0xB0},      {"plusmn", 0xB1},  {"times", 0xD7},   {"divide", 0xF7},   {"para", 0xB6},
    {"shy", 0xAD},      {"iexcl", 0xA1},   {"iquest", 0xBF},  {"ensp", 0x2002},   {"emsp", 0x2003},
    {"thinsp", 0x2009}, {"zwnj", 0x200C},  {"zwj", 0x200D},   {"agrave", 0xE0},   {"aacute", 0xE1},
    {"acirc", 0xE2},    {"atilde", 0xE3},  {"auml", 0xE4},    {"aring", 0xE5},    {"ccedil", 0xE7},
    {"egrave", 0xE8},   {"eacute", 0xE9},  {"ecirc", 0xEA},   {"euml", 0xEB},     {"igrave", 0xEC},
    {"iacute", 0xED},   {"icirc", 0xEE},   {"iuml", 0xEF},    {"ntilde", 0xF1},   {"ograve", 0xF2},
    {"oacute", 0xF3},   {"ocirc", 0xF4},   {"otilde", 0xF5},  {"ouml", 0xF6},     {"oslash", 0xF8},
    {"ugrave", 0xF9},   {"uacute", 0xFA},  {"ucirc", 0xFB},   {"uuml", 0xFC},     {"szlig", 0xDF},
    {"Agrave", 0xC0},   {"Aacute", 0xC1},  {"Acirc", 0xC2},   {"Auml", 0xC4},     {"Ccedil", 0xC7},
    {"Egrave", 0xC8},   {"Eacute", 0xC9},  {"Ntilde", 0xD1},  {"Oacute", 0xD3},   {"Ouml", 0xD6},
    {"Uacute", 0xDA},   {"Uuml", 0xDC},    {"larr", 0x2190},  {"rarr", 0x2192},   {"uarr", 0x2191},
    {"darr", 0x2193},
};

std::optional<char32_t> ParseNumericEntity(std::string_view body) {
  if (body.empty()) return std::nullopt;
  const bool hex = body.front() == 'x' || body.front() == 'X';
  if (hex) body.remove_prefix(1);
  if (body.empty() || body.size() > 8) return std::nullopt;
  char32_t cp = 0;
  for (char c : body) {
    int digit = 0;
    if (IsAsciiDigit(c)) {
      digit = c - '0';
    } else if (hex && c >= 'a' && c <= 'f') {
      digit = c - 'a' + 10;
    } else if (hex && c >= 'A' && c <= 'F') {
      digit = c - 'A' + 10;
    } else {
      return std::nullopt;
    }
    cp = cp * (hex ? 16 : 10) + static_cast<char32_t>(digit);
    if (cp > 0x10FFFF) return std::nullopt;
  }
  if (cp == 0 || (cp >= 0xD800 && cp <= 0xDFFF)) return std::nullopt;
  return cp;
}

bool IsBlockTag(std::string_view name) {
  static constexpr std::string_view kBlocks[] = {
      "address", "article", "blockquote", "br",      "center", "dd",    "div",     "dl",
      "dt",      "footer",  "form",       "h1",      "h2",     "h3",    "h4",      "h5",
      "h6",      "header",  "hr",         "li",      "main",   "ol",    "p",       "pre",
      "section", "table",   "tbody",      "td",      "th",     "title", "tr",      "ul",
      "body",    "html",    "head",       "caption", "nav",    "input", "textarea"};
  return std::find(std::begin(kBlocks), std::end(kBlocks), name) != std::end(kBlocks);
}

// Position just after the '>' closing the tag that starts at `i` (at '<'), honouring quoted
// attribute values; the end of the text when the tag never closes.
std::size_t TagEnd(std::string_view html, std::size_t i) {
  char quote = 0;
  for (std::size_t j = i + 1; j < html.size(); ++j) {
    const char c = html[j];
    if (quote != 0) {
      if (c == quote) quote = 0;
    } else if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '>') {
      return j + 1;
    }
  }
  return html.size();
}

// Collapses runs of spaces and tabs to one space, trims every line and drops empty lines.
std::string TidyLines(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::string line;
  const auto flush = [&] {
    while (!line.empty() && line.back() == ' ') line.pop_back();
    if (!line.empty()) {
      out += line;
      out += '\n';
    }
    line.clear();
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\n') {
      flush();
    } else if (c == ' ' || c == '\t') {
      if (!line.empty() && line.back() != ' ') line += ' ';
    } else if (c == '\xC2' && i + 1 < text.size() && text[i + 1] == '\xA0') {
      if (!line.empty() && line.back() != ' ') line += ' ';
      ++i;
    } else {
      line += c;
    }
  }
  flush();
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

// ---- RTF ----------------------------------------------------------------------------------

bool IsRtfDestinationToSkip(std::string_view word) {
  static constexpr std::string_view kSkipped[] = {"fonttbl",      "colortbl",
                                                  "stylesheet",   "info",
                                                  "pict",         "object",
                                                  "header",       "footer",
                                                  "headerl",      "headerr",
                                                  "footerl",      "footerr",
                                                  "listtable",    "listoverridetable",
                                                  "rsidtbl",      "generator",
                                                  "themedata",    "datastore",
                                                  "latentstyles", "xmlnstbl",
                                                  "filetbl"};
  return std::find(std::begin(kSkipped), std::end(kSkipped), word) != std::end(kSkipped);
}

// ---- Tokens -------------------------------------------------------------------------------

// Letters, digits and combining marks continue a word; ASCII punctuation, Latin-1 symbols,
// general punctuation, symbols, box drawing, CJK punctuation, fullwidth punctuation, private
// use and emoji separate words.
bool IsWordChar(char32_t c) {
  if (c < 0x80) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  }
  const auto in = [c](char32_t lo, char32_t hi) { return c >= lo && c <= hi; };
  return !(in(0x80, 0xBF) || c == 0xD7 || c == 0xF7 || in(0x2000, 0x2BFF) || in(0x2E00, 0x2E7F) ||
           in(0x3000, 0x303F) || in(0xE000, 0xF8FF) || in(0xFE10, 0xFE1F) || in(0xFE30, 0xFE6F) ||
           in(0xFF00, 0xFF0F) || in(0xFF1A, 0xFF20) || in(0xFF3B, 0xFF40) || in(0xFF5B, 0xFF65) ||
           in(0xFFF0, 0xFFFF) || in(0x1F000, 0x1FAFF));
}

char32_t LowerCodePoint(char32_t c) {
  if (c >= 'A' && c <= 'Z') return c + 32;
  if (c < 0xC0) return c;
  if (c <= 0xDE) return c == 0xD7 ? c : c + 32;
  if (c >= 0x100 && c <= 0x137) return (c % 2 == 0) ? c + 1 : c;
  if (c >= 0x139 && c <= 0x148) return (c % 2 == 1) ? c + 1 : c;
  if (c >= 0x14A && c <= 0x177) return (c % 2 == 0) ? c + 1 : c;
  if (c == 0x178) return 0xFF;
  if (c >= 0x179 && c <= 0x17E) return (c % 2 == 1) ? c + 1 : c;
  if (c >= 0x391 && c <= 0x3A9 && c != 0x3A2) return c + 32;
  if (c >= 0x410 && c <= 0x42F) return c + 32;
  if (c >= 0x400 && c <= 0x40F) return c + 80;
  return c;
}

enum class TokenKind { kWord, kOnion, kUrl, kEmail, kWallet, kHex, kKey, kId, kNum };

constexpr std::pair<TokenKind, std::string_view> kPlaceholders[] = {
    {TokenKind::kOnion, "<onion>"},   {TokenKind::kUrl, "<url>"}, {TokenKind::kEmail, "<email>"},
    {TokenKind::kWallet, "<wallet>"}, {TokenKind::kHex, "<hex>"}, {TokenKind::kKey, "<key>"},
    {TokenKind::kId, "<id>"},         {TokenKind::kNum, "<num>"}};

std::string_view Placeholder(TokenKind kind) {
  for (const auto& [k, text] : kPlaceholders) {
    if (k == kind) return text;
  }
  return {};
}

struct Token {
  TokenKind kind;
  std::string text;  // the word as written (before lower-casing), or the contact
};

bool IsBase58(char c) { return IsAsciiAlnum(c) && c != '0' && c != 'O' && c != 'I' && c != 'l'; }

bool LooksLikeWallet(std::string_view w) {
  const auto all = [&](auto pred) { return std::all_of(w.begin(), w.end(), pred); };
  if ((w.front() == '1' || w.front() == '3') && w.size() >= 26 && w.size() <= 35) {
    return all(IsBase58) && std::any_of(w.begin(), w.end(), IsAsciiAlpha);
  }
  if (StartsWithNoCase(w, "bc1") && w.size() >= 14 && w.size() <= 74) return all(IsAsciiAlnum);
  if ((w.front() == '4' || w.front() == '8') && (w.size() == 95 || w.size() == 106)) {
    return all(IsBase58);
  }
  return false;
}

// Classifies one word (a run of word characters).
TokenKind ClassifyWord(std::string_view w) {
  bool ascii = true, digits = false, letters = false, hex = true;
  for (char c : w) {
    if (static_cast<unsigned char>(c) >= 0x80) {
      ascii = false;
      letters = true;
      hex = false;
    } else if (IsAsciiDigit(c)) {
      digits = true;
    } else {
      letters = true;
      if (!IsHexDigit(c)) hex = false;
    }
  }
  if (!letters) return TokenKind::kNum;
  if (!ascii || !digits) return TokenKind::kWord;
  if (LooksLikeWallet(w)) return TokenKind::kWallet;
  if (hex && w.size() >= 16) return TokenKind::kHex;
  if (w.size() >= 24) return TokenKind::kKey;
  if (w.size() >= 8) return TokenKind::kId;
  // A number with a short unit: 24h, 10mb, 1st.
  std::size_t lead = 0;
  while (lead < w.size() && IsAsciiDigit(w[lead])) ++lead;
  if (lead > 0 && w.size() - lead <= 3 &&
      std::all_of(w.begin() + static_cast<std::ptrdiff_t>(lead), w.end(), IsAsciiAlpha)) {
    return TokenKind::kNum;
  }
  return TokenKind::kWord;
}

void SplitWords(std::string_view text, std::vector<Token>& out) {
  std::size_t word_start = std::string_view::npos;
  for (std::size_t i = 0; i <= text.size();) {
    const std::size_t start = i;
    const bool word = i < text.size() && IsWordChar(NextCodePoint(text, i));
    if (i == start) ++i;
    if (word) {
      if (word_start == std::string_view::npos) word_start = start;
      continue;
    }
    if (word_start != std::string_view::npos) {
      const std::string_view w = text.substr(word_start, start - word_start);
      out.push_back({ClassifyWord(w), std::string(w)});
      word_start = std::string_view::npos;
    }
  }
}

// Chunks are runs of characters between white space and the separators notes put around
// addresses; URLs, e-mail and onion addresses are looked for inside a chunk.
bool IsChunkChar(char c) {
  const auto b = static_cast<unsigned char>(c);
  if (b >= 0x80) return true;
  if (b <= 0x20 || b == 0x7F) return false;
  static constexpr std::string_view kSeparators = "\"'<>()[]{}|,;`";
  return kSeparators.find(c) == std::string_view::npos;
}

// Longer chunks are split into words without looking for addresses (no address is this long).
constexpr std::size_t kMaxAddressChunk = 4096;
constexpr std::size_t kMaxLocalPart = 64;
constexpr std::size_t kMaxDomain = 253;

bool IsHostChar(char c) { return IsAsciiAlnum(c) || c == '-' || c == '.'; }
bool IsLocalPartChar(char c) {
  return IsAsciiAlnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-';
}

// The onion service address ("label.onion") ending at `onion_end` (just after ".onion"), or
// empty. Labels before it ("victimid.address.onion") are ignored, as Tor ignores them.
std::string_view OnionHostEndingAt(std::string_view chunk, std::size_t onion_end) {
  std::size_t start = onion_end - 6;  // ".onion"
  while (start > 0 && onion_end - start < kMaxDomain && IsAsciiAlnum(chunk[start - 1])) --start;
  if (onion_end - start <= 6) return {};
  return chunk.substr(start, onion_end - start);
}

// Position just after the first ".onion" that ends a host label sequence, if any.
std::optional<std::size_t> FindOnionEnd(std::string_view text) {
  for (std::size_t pos = 1; pos + 6 <= text.size(); ++pos) {
    if (text[pos] != '.' || !StartsWithNoCase(text.substr(pos), ".onion")) continue;
    const std::size_t end = pos + 6;
    if (IsAsciiAlnum(text[pos - 1]) && (end == text.size() || !IsAsciiAlnum(text[end]))) return end;
  }
  return std::nullopt;
}

struct Span {
  std::size_t start, end;
};

std::optional<Span> FindEmail(std::string_view chunk) {
  for (std::size_t at = chunk.find('@'); at != std::string_view::npos;
       at = chunk.find('@', at + 1)) {
    std::size_t start = at;
    while (start > 0 && at - start < kMaxLocalPart && IsLocalPartChar(chunk[start - 1])) --start;
    while (start < at && chunk[start] == '.') ++start;
    std::size_t end = at + 1;
    while (end < chunk.size() && end - at <= kMaxDomain && IsHostChar(chunk[end])) ++end;
    while (end > at + 1 && (chunk[end - 1] == '.' || chunk[end - 1] == '-')) --end;
    if (start == at) continue;
    const std::string_view domain = chunk.substr(at + 1, end - at - 1);
    const auto dot = domain.rfind('.');
    if (dot == std::string_view::npos || dot == 0) continue;
    const std::string_view tld = domain.substr(dot + 1);
    if (tld.size() < 2 || tld.size() > 24 || !std::all_of(tld.begin(), tld.end(), IsAsciiAlpha)) {
      continue;
    }
    return Span{start, end};
  }
  return std::nullopt;
}

// Top-level domains of the web sites and mail hosts notes name without a scheme; file
// extensions (.txt, .key, .exe) are deliberately not among them.
constexpr std::string_view kCommonTlds[] = {
    "com",   "net", "org",  "info",   "biz",   "io",   "me",  "at",  "to",  "cc",  "top", "icu",
    "xyz",   "ru",  "de",   "uk",     "eu",    "ch",   "li",  "ly",  "su",  "cn",  "jp",  "us",
    "ca",    "co",  "tk",   "ml",     "ga",    "cf",   "gq",  "pw",  "ws",  "in",  "fr",  "it",
    "nl",    "be",  "es",   "pl",     "se",    "no",   "fi",  "dk",  "cz",  "sk",  "hu",  "ro",
    "bg",    "gr",  "pt",   "ie",     "lu",    "lt",   "lv",  "ee",  "si",  "hr",  "tl",  "cyou",
    "quest", "art", "site", "online", "space", "club", "pro", "app", "dev", "link"};

// "proton.me", "bigblog.at": host names written without a scheme.
bool IsBareDomain(std::string_view chunk) {
  const auto dot = chunk.rfind('.');
  if (dot == std::string_view::npos || dot == 0 || chunk.front() == '.') return false;
  if (!std::all_of(chunk.begin(), chunk.end(), [](char c) { return IsHostChar(c); })) return false;
  if (chunk.find("..") != std::string_view::npos) return false;
  const std::string tld = AsciiLowerCopy(chunk.substr(dot + 1));
  return std::find(std::begin(kCommonTlds), std::end(kCommonTlds), tld) != std::end(kCommonTlds);
}

// "F97F-EFC0-B07D-003F-3EA6": three or more dash-separated alphanumeric groups with digits.
bool IsDashedId(std::string_view chunk) {
  std::size_t groups = 1, alnum = 0;
  bool digit = false;
  if (chunk.empty() || chunk.front() == '-' || chunk.back() == '-') return false;
  for (std::size_t i = 0; i < chunk.size(); ++i) {
    const char c = chunk[i];
    if (c == '-') {
      if (chunk[i - 1] == '-') return false;
      ++groups;
    } else if (IsAsciiAlnum(c)) {
      ++alnum;
      digit = digit || IsAsciiDigit(c);
    } else {
      return false;
    }
  }
  return groups >= 3 && digit && alnum >= 12;
}

class Tokenizer {
 public:
  // `text` must be valid UTF-8.
  std::vector<Token> Run(std::string_view text) {
    std::size_t i = 0;
    while (i < text.size()) {
      if (text[i] == '<') {
        if (auto kind = PlaceholderAt(text.substr(i))) {
          tokens_.push_back({kind->first, std::string(kind->second)});
          i += kind->second.size();
          continue;
        }
      }
      std::size_t j = i;
      if (IsChunkChar(text[i])) {
        while (j < text.size() && IsChunkChar(text[j])) ++j;
        Chunk(text.substr(i, j - i));
      } else {
        ++j;
      }
      i = j;
    }
    return std::move(tokens_);
  }

 private:
  static std::optional<std::pair<TokenKind, std::string_view>> PlaceholderAt(
      std::string_view text) {
    for (const auto& [kind, name] : kPlaceholders) {
      if (text.starts_with(name)) return std::make_pair(kind, name);
    }
    return std::nullopt;
  }

  void Chunk(std::string_view chunk) {
    if (chunk.size() > kMaxAddressChunk) {
      SplitWords(chunk, tokens_);
      return;
    }
    // Each round takes one address off the front of the chunk, or ends it.
    while (!chunk.empty()) {
      while (!chunk.empty() &&
             std::string_view(".:!?").find(chunk.back()) != std::string_view::npos) {
        chunk.remove_suffix(1);
      }
      if (chunk.empty()) return;
      if (const auto sep = chunk.find("://"); sep != std::string_view::npos) {
        std::size_t scheme = sep;
        while (scheme > 0 && sep - scheme < 10 && IsAsciiAlpha(chunk[scheme - 1])) --scheme;
        if (scheme < sep) {
          SplitWords(chunk.substr(0, scheme), tokens_);
          Url(chunk.substr(scheme), sep - scheme + 3);
          return;
        }
      }
      if (auto email = FindEmail(chunk)) {
        Plain(chunk.substr(0, email->start));
        tokens_.push_back({TokenKind::kEmail,
                           AsciiLowerCopy(chunk.substr(email->start, email->end - email->start))});
        chunk = chunk.substr(email->end);
        continue;
      }
      if (auto onion_end = FindOnionEnd(chunk)) {
        const std::string_view host = OnionHostEndingAt(chunk, *onion_end);
        if (!host.empty()) {
          SplitWords(chunk.substr(0, static_cast<std::size_t>(host.data() - chunk.data())),
                     tokens_);
          tokens_.push_back({TokenKind::kOnion, AsciiLowerCopy(host)});
          return;
        }
      }
      Plain(chunk);
      return;
    }
  }

  void Plain(std::string_view text) {
    if (IsBareDomain(text)) {
      tokens_.push_back({TokenKind::kUrl, AsciiLowerCopy(text)});
    } else if (IsDashedId(text)) {
      tokens_.push_back({TokenKind::kId, std::string(text)});
    } else {
      SplitWords(text, tokens_);
    }
  }

  // `url` starts with its scheme; the host starts at `host_start`.
  void Url(std::string_view url, std::size_t host_start) {
    std::size_t host_end = host_start;
    while (host_end < url.size() &&
           std::string_view("/?#:").find(url[host_end]) == std::string_view::npos) {
      ++host_end;
    }
    const std::string host = AsciiLowerCopy(url.substr(host_start, host_end - host_start));
    if (auto onion_end = FindOnionEnd(host)) {
      const std::string_view onion = OnionHostEndingAt(host, *onion_end);
      if (!onion.empty()) {
        tokens_.push_back({TokenKind::kOnion, std::string(onion)});
        return;
      }
    }
    tokens_.push_back({TokenKind::kUrl, AsciiLowerCopy(url)});
  }

  std::vector<Token> tokens_;
};

template <class T>
void AddUnique(std::vector<T>& list, T value) {
  if (list.size() >= kMaxContactsPerKind) return;
  if (std::find(list.begin(), list.end(), value) == list.end()) list.push_back(std::move(value));
}

}  // namespace

std::string_view ToString(NoteEncoding encoding) {
  switch (encoding) {
    case NoteEncoding::kUtf8:
      return "utf-8";
    case NoteEncoding::kUtf16Le:
      return "utf-16le";
    case NoteEncoding::kUtf16Be:
      return "utf-16be";
    case NoteEncoding::kLegacy:
      return "windows-1252";
  }
  return "utf-8";
}

DecodedNote DecodeNote(std::string_view bytes, std::string_view file_name) {
  DecodedNote note;
  if (bytes.size() > kMaxNoteBytes) {
    bytes = bytes.substr(0, kMaxNoteBytes);
    note.truncated = true;
  }
  std::string text;
  if (bytes.starts_with("\xEF\xBB\xBF")) {
    text = SanitizeUtf8(bytes.substr(3));
  } else if (bytes.starts_with("\xFF\xFE")) {
    note.encoding = NoteEncoding::kUtf16Le;
    text = DecodeUtf16(bytes.substr(2), true);
  } else if (bytes.starts_with("\xFE\xFF")) {
    note.encoding = NoteEncoding::kUtf16Be;
    text = DecodeUtf16(bytes.substr(2), false);
  } else if (auto utf16 = SniffUtf16(bytes)) {
    note.encoding = *utf16;
    text = DecodeUtf16(bytes, *utf16 == NoteEncoding::kUtf16Le);
  } else if (const auto bad = FirstInvalidUtf8(bytes);
             !bad || (note.truncated && *bad + 4 > bytes.size())) {
    // Valid, or valid up to a sequence the cut split.
    text = std::string(bytes.substr(0, bad.value_or(bytes.size())));
  } else {
    note.encoding = NoteEncoding::kLegacy;
    text = DecodeCp1252(bytes);
  }
  text = CleanControls(text);

  std::size_t first = 0;
  while (first < text.size() && IsSpace(text[first])) ++first;
  const std::string_view body = std::string_view(text).substr(first);
  const std::string head = AsciiLowerCopy(body.substr(0, std::min(body.size(), kSniffBytes)));
  if (body.starts_with("{\\rtf")) {
    note.markup = NoteMarkup::kRtf;
    note.text = SanitizeUtf8(RtfToText(body));
    return note;
  }
  const bool html_name = EndsWithNoCase(file_name, ".htm") || EndsWithNoCase(file_name, ".html") ||
                         EndsWithNoCase(file_name, ".hta") || EndsWithNoCase(file_name, ".xhtml");
  bool html_content = false;
  if (body.starts_with("<")) {
    for (std::string_view tag : {"<html", "<!doctype", "<body", "<head", "<div", "<p", "<br",
                                 "<meta", "<title", "<span", "<table", "<h1", "<font", "<style"}) {
      if (head.find(tag) != std::string::npos) html_content = true;
    }
  }
  if (html_name || html_content) {
    note.markup = NoteMarkup::kHtml;
    note.text = SanitizeUtf8(HtmlToText(text));
  } else {
    note.text = std::move(text);
  }
  return note;
}

std::string DecodeEntities(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '&') {
      out += text[i];
      continue;
    }
    const std::size_t semi = text.find(';', i + 1);
    if (semi == std::string_view::npos || semi - i - 1 > kMaxEntityLength || semi == i + 1) {
      out += '&';
      continue;
    }
    const std::string_view body = text.substr(i + 1, semi - i - 1);
    std::optional<char32_t> cp;
    if (body.front() == '#') {
      cp = ParseNumericEntity(body.substr(1));
    } else {
      for (const auto& e : kEntities) {
        if (e.name == body) cp = e.cp;
      }
    }
    if (!cp) {
      out += '&';
      continue;
    }
    AppendUtf8(out, *cp);
    i = semi;
  }
  return out;
}

std::string HtmlToText(std::string_view html_bytes) {
  const std::string clean = SanitizeUtf8(html_bytes);
  const std::string_view html = clean;
  std::string raw;
  raw.reserve(html.size());
  std::size_t i = 0;
  while (i < html.size()) {
    const char c = html[i];
    if (c != '<') {
      raw += c;
      ++i;
      continue;
    }
    if (html.substr(i).starts_with("<!--")) {
      const std::size_t end = html.find("-->", i + 4);
      i = end == std::string_view::npos ? html.size() : end + 3;
      continue;
    }
    const char next = i + 1 < html.size() ? html[i + 1] : '\0';
    const bool closing = next == '/';
    const std::size_t name_start = i + (closing ? 2 : 1);
    if (!(IsAsciiAlpha(next) || next == '!' || next == '?' ||
          (closing && name_start < html.size() && IsAsciiAlpha(html[name_start])))) {
      raw += '<';
      ++i;
      continue;
    }
    std::size_t name_end = name_start;
    while (name_end < html.size() && (IsAsciiAlnum(html[name_end]) || html[name_end] == ':')) {
      ++name_end;
    }
    const std::string name = AsciiLowerCopy(html.substr(name_start, name_end - name_start));
    i = TagEnd(html, i);
    if (!closing && (name == "script" || name == "style" || name == "noscript")) {
      const std::string lower_rest = AsciiLowerCopy(html.substr(i));
      const std::size_t end = lower_rest.find("</" + name);
      if (end == std::string::npos) break;
      i = TagEnd(html, i + end);
      continue;
    }
    if (IsBlockTag(name)) raw += '\n';
  }
  return TidyLines(DecodeEntities(raw));
}

std::string RtfToText(std::string_view rtf_bytes) {
  const std::string clean = SanitizeUtf8(rtf_bytes);
  const std::string_view rtf = clean;
  std::string out;
  out.reserve(rtf.size() / 2);
  // Per group: whether its text is skipped.
  std::vector<bool> skip = {false};
  std::size_t untracked_depth = 0;
  int pending_unicode_skip = 0;
  const auto skipping = [&] { return skip.back() || untracked_depth > 0; };
  const auto emit = [&](char32_t cp) {
    if (pending_unicode_skip > 0) {
      --pending_unicode_skip;
      return;
    }
    if (!skipping()) AppendUtf8(out, cp);
  };
  for (std::size_t i = 0; i < rtf.size();) {
    const char c = rtf[i];
    if (c == '{') {
      if (skip.size() < kMaxRtfDepth) {
        skip.push_back(skip.back());
      } else {
        ++untracked_depth;
      }
      ++i;
    } else if (c == '}') {
      if (untracked_depth > 0) {
        --untracked_depth;
      } else if (skip.size() > 1) {
        skip.pop_back();
      }
      ++i;
    } else if (c == '\\') {
      if (i + 1 >= rtf.size()) break;
      const char n = rtf[i + 1];
      if (IsAsciiAlpha(n)) {
        std::size_t j = i + 1;
        while (j < rtf.size() && IsAsciiAlpha(rtf[j]) && j - i < 40) ++j;
        const std::string_view word = rtf.substr(i + 1, j - i - 1);
        bool negative = false;
        if (j < rtf.size() && rtf[j] == '-') {
          negative = true;
          ++j;
        }
        long param = 0;
        bool has_param = false;
        while (j < rtf.size() && IsAsciiDigit(rtf[j]) && param < 1'000'000) {
          param = param * 10 + (rtf[j] - '0');
          has_param = true;
          ++j;
        }
        while (j < rtf.size() && IsAsciiDigit(rtf[j])) ++j;
        if (j < rtf.size() && rtf[j] == ' ') ++j;
        i = j;
        if (negative) param = -param;
        if (word == "par" || word == "line" || word == "sect" || word == "page") {
          emit('\n');
        } else if (word == "tab") {
          emit('\t');
        } else if (word == "u" && has_param) {
          long v = param < 0 ? param + 65536 : param;
          if (v < 0 || v > 0xFFFF) v = kReplacement;
          emit(static_cast<char32_t>(v));
          pending_unicode_skip = 1;
        } else if (IsRtfDestinationToSkip(word)) {
          if (untracked_depth == 0) skip.back() = true;
        }
      } else if (n == '\'') {
        if (i + 3 < rtf.size() && IsHexDigit(rtf[i + 2]) && IsHexDigit(rtf[i + 3])) {
          const auto hexval = [](char h) {
            return IsAsciiDigit(h) ? h - '0' : (AsciiLower(h) - 'a' + 10);
          };
          emit(Cp1252(static_cast<unsigned char>(hexval(rtf[i + 2]) * 16 + hexval(rtf[i + 3]))));
          i += 4;
        } else {
          i += 2;
        }
      } else if (n == '*') {
        if (untracked_depth == 0) skip.back() = true;
        i += 2;
      } else if (n == '~') {
        emit(' ');
        i += 2;
      } else if (n == '\\' || n == '{' || n == '}') {
        emit(static_cast<unsigned char>(n));
        i += 2;
      } else if (n == '\n' || n == '\r') {
        emit('\n');
        i += 2;
      } else {
        ++i;
        NextCodePoint(rtf, i);
      }
    } else if (c == '\n' || c == '\r') {
      ++i;
    } else {
      emit(NextCodePoint(rtf, i));
    }
  }
  return TidyLines(out);
}

Contacts ExtractContacts(std::string_view text) {
  const std::string clean = SanitizeUtf8(text.substr(0, std::min(text.size(), kMaxNoteBytes)));
  Contacts out;
  for (auto& token : Tokenizer().Run(clean)) {
    switch (token.kind) {
      case TokenKind::kEmail:
        if (token.text.front() != '<') AddUnique(out.emails, std::move(token.text));
        break;
      case TokenKind::kOnion:
        if (token.text.front() != '<') AddUnique(out.onions, std::move(token.text));
        break;
      case TokenKind::kUrl:
        if (token.text.front() != '<') AddUnique(out.urls, std::move(token.text));
        break;
      case TokenKind::kWallet:
        if (token.text.front() != '<') AddUnique(out.crypto_addresses, std::move(token.text));
        break;
      default:
        break;
    }
  }
  return out;
}

std::string NormaliseNote(std::string_view text, bool keep_case) {
  const std::string clean = SanitizeUtf8(text.substr(0, std::min(text.size(), kMaxNoteBytes)));
  std::string out;
  out.reserve(clean.size());
  std::optional<TokenKind> previous;
  for (const auto& token : Tokenizer().Run(clean)) {
    if (token.kind == TokenKind::kWord) {
      if (!out.empty()) out += ' ';
      out += keep_case ? token.text : LowerCase(token.text);
      previous = TokenKind::kWord;
      continue;
    }
    if (previous == token.kind) continue;
    if (!out.empty()) out += ' ';
    out += Placeholder(token.kind);
    previous = token.kind;
  }
  return out;
}

std::vector<std::string_view> NoteWords(std::string_view normalised) {
  std::vector<std::string_view> words;
  std::size_t i = 0;
  while (i < normalised.size()) {
    while (i < normalised.size() && normalised[i] == ' ') ++i;
    std::size_t j = i;
    while (j < normalised.size() && normalised[j] != ' ') ++j;
    if (j > i) words.push_back(normalised.substr(i, j - i));
    i = j;
  }
  return words;
}

std::string LowerCase(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t start = i;
    const auto b = static_cast<unsigned char>(text[i]);
    if (b < 0x80) {
      out += AsciiLower(text[i]);
      ++i;
      continue;
    }
    const char32_t cp = NextCodePoint(text, i);
    if (i > text.size()) {
      out.append(text.substr(start));
      break;
    }
    AppendUtf8(out, LowerCodePoint(cp));
  }
  return out;
}

}  // namespace caduceus::recovery
