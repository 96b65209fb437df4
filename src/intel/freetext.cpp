#include "intel/freetext.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <set>
#include <utility>

#include <fmt/format.h>
#include <libpsl.h>

namespace caduceus::intel {
namespace {

constexpr std::size_t kMaxUrlBytes = 8192;
constexpr std::size_t kMaxTokenBytes = 1024;
constexpr std::size_t kMaxIpv6RunBytes = 64;

bool IsAsciiAlnum(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool IsHexDigit(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
char Lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool StartsWithNoCase(std::string_view text, std::size_t at, std::string_view prefix) {
  if (text.size() - at < prefix.size()) return false;
  for (std::size_t k = 0; k < prefix.size(); ++k) {
    if (Lower(text[at + k]) != prefix[k]) return false;
  }
  return true;
}

std::string LowerCopy(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = Lower(c);
  return out;
}

// --- Refanging, with a map back to the input -------------------------------------------------

struct Refanged {
  std::string text;
  std::vector<std::uint32_t> start;  // per byte of `text`, its first input byte; [size] = end
  std::vector<bool> changed;         // per byte of `text`: produced by undoing a defang
};

struct RefangRule {
  std::string_view from;  // lower case
  std::string_view to;
};

// Longest first where one is a prefix of another.
constexpr RefangRule kBracketRules[] = {
    {"[://]", "://"}, {"[//]", "//"}, {"[dot]", "."}, {"(dot)", "."}, {"{dot}", "."}, {"[.]", "."},
    {"(.)", "."},     {"{.}", "."},   {"[at]", "@"},  {"(at)", "@"},  {"{at}", "@"},  {"[@]", "@"},
    {"(@)", "@"},     {"{@}", "@"},   {"[:]", ":"},   {"[/]", "/"},
};

constexpr RefangRule kSchemeRules[] = {
    {"hxxps", "https"},
    {"hxxp", "http"},
    {"fxp", "ftp"},
};

Refanged DoRefang(std::string_view in) {
  Refanged out;
  out.text.reserve(in.size());
  out.start.reserve(in.size() + 1);
  out.changed.reserve(in.size());
  auto emit = [&](std::string_view to, std::size_t at, std::size_t from_size, bool changed) {
    for (std::size_t k = 0; k < to.size(); ++k) {
      out.text.push_back(to[k]);
      out.start.push_back(static_cast<std::uint32_t>(at + std::min(k, from_size - 1)));
      out.changed.push_back(changed);
    }
  };
  std::size_t i = 0;
  while (i < in.size()) {
    const char c = in[i];
    const RefangRule* match = nullptr;
    if (c == '[' || c == '(' || c == '{') {
      for (const auto& rule : kBracketRules) {
        if (StartsWithNoCase(in, i, rule.from)) {
          match = &rule;
          break;
        }
      }
    } else if ((c == 'h' || c == 'H' || c == 'f' || c == 'F') &&
               (i == 0 || !IsAsciiAlnum(in[i - 1]))) {
      for (const auto& rule : kSchemeRules) {
        const std::size_t after = i + rule.from.size();
        if (StartsWithNoCase(in, i, rule.from) && after < in.size() &&
            (in[after] == ':' || in[after] == '[')) {
          match = &rule;
          break;
        }
      }
    }
    if (match != nullptr) {
      emit(match->to, i, match->from.size(), true);
      i += match->from.size();
    } else {
      emit(std::string_view(&in[i], 1), i, 1, false);
      ++i;
    }
  }
  out.start.push_back(static_cast<std::uint32_t>(in.size()));
  return out;
}

// --- Character classes ------------------------------------------------------------------------

// Per byte of the refanged text: whether it belongs to a non-ASCII code point that can be part of
// a name (a letter or digit of some script), as opposed to punctuation, spaces, symbols and
// broken UTF-8, which separate words like ASCII punctuation does.
std::vector<bool> NameBytes(std::string_view s) {
  std::vector<bool> name(s.size(), false);
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t n = 0;
    std::uint32_t cp = 0;
    if ((c & 0xE0) == 0xC0) {
      n = 1;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      n = 2;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      n = 3;
      cp = c & 0x07;
    } else {
      ++i;
      continue;
    }
    if (i + n >= s.size()) break;
    bool ok = true;
    for (std::size_t k = 1; k <= n; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) ok = false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if (!ok) {
      ++i;
      continue;
    }
    const bool overlong =
        (n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000);
    const bool separator = overlong || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF) ||
                           cp <= 0xBF || cp == 0xD7 || cp == 0xF7 ||
                           (cp >= 0x2000 && cp <= 0x2BFF) || (cp >= 0x3000 && cp <= 0x303F) ||
                           (cp >= 0xFE00 && cp <= 0xFE6F) || cp == 0xFEFF ||
                           (cp >= 0xFF00 && cp <= 0xFF20) || (cp >= 0xFFF0);
    if (!separator) {
      for (std::size_t k = 0; k <= n; ++k) name[i + k] = true;
    }
    i += n + 1;
  }
  return name;
}

bool IsUrlTerminator(char c) {
  const auto u = static_cast<unsigned char>(c);
  if (u <= 0x20 || u == 0x7F) return true;
  constexpr std::string_view kStops = "\"'<>\\^`{|}";
  return kStops.find(c) != std::string_view::npos;
}

bool IsLocalPartChar(char c) {
  return IsAsciiAlnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-';
}

// --- Validation helpers -----------------------------------------------------------------------

const psl_ctx_t* Psl() {
  static const psl_ctx_t* const psl = [] {
    const psl_ctx_t* latest = psl_latest(nullptr);
    return latest != nullptr ? latest : psl_builtin();
  }();
  return psl;
}

constexpr std::string_view kRiskyExtensions[] = {
    "7z",  "ace",  "apk",  "bat",  "cab", "chm",  "cmd", "cpl",  "dll", "docm", "dotm",
    "exe", "hta",  "img",  "iso",  "jar", "js",   "jse", "lnk",  "msi", "msp",  "one",
    "pif", "potm", "ppam", "pptm", "ps1", "psm1", "rar", "reg",  "scr", "sys",  "vbe",
    "vbs", "vhd",  "vhdx", "wsf",  "wsh", "xlam", "xll", "xlsm", "zip",
};

bool HasRiskyExtension(std::string_view name) {
  const auto dot = name.rfind('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 1 == name.size()) return false;
  const auto ext = LowerCopy(name.substr(dot + 1));
  return std::find(std::begin(kRiskyExtensions), std::end(kRiskyExtensions), ext) !=
         std::end(kRiskyExtensions);
}

bool IsHashLength(std::size_t n) { return n == 32 || n == 40 || n == 64 || n == 128; }

ObservableKind HashKind(std::size_t n) {
  switch (n) {
    case 32:
      return ObservableKind::kMd5;
    case 40:
      return ObservableKind::kSha1;
    case 64:
      return ObservableKind::kSha256;
    default:
      return ObservableKind::kSha512;
  }
}

bool AllHex(std::string_view s) { return std::all_of(s.begin(), s.end(), IsHexDigit); }

// "a.b.c.d" with 1..3 digits per group (validity of the numbers is Normalise's).
bool DottedQuadShape(std::string_view s) {
  int groups = 0;
  std::size_t digits = 0;
  for (char c : s) {
    if (IsDigit(c)) {
      if (++digits > 3) return false;
    } else if (c == '.') {
      if (digits == 0) return false;
      ++groups;
      digits = 0;
    } else {
      return false;
    }
  }
  return digits > 0 && groups == 3;
}

bool OnlyDigitsAndDots(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return IsDigit(c) || c == '.'; });
}

// The host of a normalised URL, when it is a name rather than an address.
std::string_view UrlDomain(std::string_view url) {
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return {};
  auto rest = url.substr(scheme_end + 3);
  rest = rest.substr(0, rest.find_first_of("/?#"));
  if (const auto at = rest.rfind('@'); at != std::string_view::npos) rest = rest.substr(at + 1);
  if (!rest.empty() && rest.front() == '[') return {};
  rest = rest.substr(0, rest.find(':'));
  if (OnlyDigitsAndDots(rest)) return {};
  return rest;
}

// --- The extractor ----------------------------------------------------------------------------

class Extractor {
 public:
  explicit Extractor(std::string_view input)
      : input_(input),
        r_(DoRefang(input)),
        s_(r_.text),
        name_byte_(NameBytes(s_)),
        claimed_(s_.size(), false) {}

  FreetextExtraction Run() {
    ScanUrls();
    ScanEmails();
    ScanIpv6();
    ScanWords();
    std::stable_sort(
        found_.begin(), found_.end(),
        [](const FreetextCandidate& a, const FreetextCandidate& b) { return a.offset < b.offset; });
    FreetextExtraction out;
    out.items = std::move(found_);
    out.truncated = truncated_;
    return out;
  }

 private:
  bool Full() const { return found_.size() >= kMaxFreetextCandidates; }

  void Claim(std::size_t b, std::size_t e) {
    std::fill(claimed_.begin() + static_cast<std::ptrdiff_t>(b),
              claimed_.begin() + static_cast<std::ptrdiff_t>(e), true);
  }

  bool WasRefanged(std::size_t b, std::size_t e) const {
    return std::any_of(r_.changed.begin() + static_cast<std::ptrdiff_t>(b),
                       r_.changed.begin() + static_cast<std::ptrdiff_t>(e),
                       [](bool c) { return c; });
  }

  bool IsNameChar(std::size_t i) const {
    const char c = s_[i];
    return IsAsciiAlnum(c) || c == '-' || c == '_' || name_byte_[i];
  }

  // Records a candidate for s_[b, e). `value` is its normal form (its kind wins: an IPv4-mapped
  // IPv6 address is an ipv4 value) or nullopt with `reason`. Invalid ones are kept only when
  // `explicit_intent` or the text was defanged. Returns whether it was recorded.
  bool Add(ObservableKind kind,
           std::size_t b,
           std::size_t e,
           std::optional<Observable> value,
           std::string reason,
           bool explicit_intent) {
    const bool refanged = WasRefanged(b, e);
    const bool valid = value.has_value();
    if (!valid && !explicit_intent && !refanged) return false;
    if (Full()) {
      truncated_ = true;
      return false;
    }
    if (valid) kind = value->kind;
    std::string v = valid ? std::move(value->value) : std::string(s_.substr(b, e - b));
    if (!seen_.emplace(kind, v).second) return true;
    FreetextCandidate c;
    c.kind = kind;
    c.value = std::move(v);
    c.offset = r_.start[b];
    c.raw = std::string(input_.substr(c.offset, r_.start[e] - c.offset));
    c.refanged = refanged;
    c.valid = valid;
    if (!valid) c.reason = std::move(reason);
    found_.push_back(std::move(c));
    return true;
  }

  // Normalises a domain and checks that it can be registered.
  bool AddDomain(std::size_t b, std::size_t e, bool explicit_intent) {
    const auto text = s_.substr(b, e - b);
    const auto normal = Normalise(ObservableKind::kDomain, text);
    if (!normal) {
      return Add(ObservableKind::kDomain, b, e, std::nullopt, "not a valid domain name",
                 explicit_intent);
    }
    std::string reason;
    if (!PlausibleDomain(normal->value, &reason)) {
      return Add(ObservableKind::kDomain, b, e, std::nullopt, std::move(reason), explicit_intent);
    }
    return Add(ObservableKind::kDomain, b, e, normal, {}, explicit_intent);
  }

  void ScanUrls() {
    constexpr std::string_view kSchemes[] = {"http", "https", "ftp", "ftps", "sftp", "ws", "wss"};
    std::size_t from = 0;
    while (!Full()) {
      const auto sep = s_.find("://", from);
      if (sep == std::string_view::npos) return;
      from = sep + 3;
      std::size_t b = sep;
      while (b > 0 && sep - b < 8 && IsAsciiAlnum(s_[b - 1])) --b;
      if (b == sep || (b > 0 && (IsAsciiAlnum(s_[b - 1]) || s_[b - 1] == '_'))) continue;
      const auto scheme = LowerCopy(s_.substr(b, sep - b));
      if (std::find(std::begin(kSchemes), std::end(kSchemes), scheme) == std::end(kSchemes)) {
        continue;
      }
      if (claimed_[b]) continue;
      std::size_t e = sep + 3;
      while (e < s_.size() && !claimed_[e] && !IsUrlTerminator(s_[e]) &&
             (static_cast<unsigned char>(s_[e]) < 0x80 || name_byte_[e])) {
        ++e;
      }
      e = TrimUrlEnd(sep + 3, e);
      if (e <= sep + 3) continue;
      from = e;
      Claim(b, e);
      if (e - b > kMaxUrlBytes) {
        Add(ObservableKind::kUrl, b, b + 64, std::nullopt, "URL longer than 8192 bytes", true);
        continue;
      }
      const auto normal = Normalise(ObservableKind::kUrl, s_.substr(b, e - b));
      if (!normal) {
        Add(ObservableKind::kUrl, b, e, std::nullopt, "not a valid URL", true);
        continue;
      }
      std::string reason;
      if (const auto host = UrlDomain(normal->value);
          !host.empty() && !PlausibleDomain(host, &reason)) {
        Add(ObservableKind::kUrl, b, e, std::nullopt, "host: " + reason, true);
        continue;
      }
      Add(ObservableKind::kUrl, b, e, normal, {}, true);
    }
    truncated_ = true;
  }

  // Drops the sentence punctuation and unbalanced closing brackets a URL ends with in prose.
  std::size_t TrimUrlEnd(std::size_t begin, std::size_t e) const {
    while (e > begin) {
      const char c = s_[e - 1];
      if (std::string_view(".,;:!?*").find(c) != std::string_view::npos) {
        --e;
        continue;
      }
      const char open = c == ')' ? '(' : c == ']' ? '[' : '\0';
      if (open != '\0') {
        const auto body = s_.substr(begin, e - begin);
        if (std::count(body.begin(), body.end(), open) < std::count(body.begin(), body.end(), c)) {
          --e;
          continue;
        }
      }
      break;
    }
    return e;
  }

  void ScanEmails() {
    std::size_t from = 0;
    while (!Full()) {
      const auto at = s_.find('@', from);
      if (at == std::string_view::npos) return;
      from = at + 1;
      if (claimed_[at]) continue;
      std::size_t b = at;
      while (b > 0 && at - b < 64 && !claimed_[b - 1] && IsLocalPartChar(s_[b - 1])) --b;
      while (b < at && s_[b] == '.') ++b;
      std::size_t e = at + 1;
      while (e < s_.size() && e - at <= 255 && !claimed_[e] && (IsNameChar(e) || s_[e] == '.')) {
        ++e;
      }
      while (e > at + 1 && (s_[e - 1] == '.' || s_[e - 1] == '-')) --e;
      if (b == at || e == at + 1) continue;
      const auto domain = s_.substr(at + 1, e - at - 1);
      if (domain.find('.') == std::string_view::npos) continue;
      const auto normal = Normalise(ObservableKind::kEmail, s_.substr(b, e - b));
      std::string reason = "not a valid e-mail address";
      bool recorded = false;
      if (normal) {
        const auto dom = std::string_view(normal->value).substr(normal->value.rfind('@') + 1);
        if (PlausibleDomain(dom, &reason)) {
          recorded = Add(ObservableKind::kEmail, b, e, normal, {}, false);
        } else {
          recorded = Add(ObservableKind::kEmail, b, e, std::nullopt, "domain: " + reason, false);
        }
      } else {
        recorded = Add(ObservableKind::kEmail, b, e, std::nullopt, std::move(reason), false);
      }
      if (recorded) {
        Claim(b, e);
        from = e;
      }
    }
    truncated_ = true;
  }

  void ScanIpv6() {
    auto in_run = [&](std::size_t i) {
      return !claimed_[i] && (IsHexDigit(s_[i]) || s_[i] == ':' || s_[i] == '.');
    };
    std::size_t i = 0;
    while (i < s_.size()) {
      if (Full()) {
        truncated_ = true;
        return;
      }
      if (!in_run(i)) {
        ++i;
        continue;
      }
      std::size_t b = i;
      std::size_t e = i;
      while (e < s_.size() && in_run(e)) ++e;
      i = e;
      if (e - b > kMaxIpv6RunBytes) continue;
      if (b > 0 && (IsAsciiAlnum(s_[b - 1]) || s_[b - 1] == '_' || s_[b - 1] == '-')) continue;
      while (e > b && s_[e - 1] == '.') --e;
      if (e - b >= 2 && s_[e - 1] == ':' && s_[e - 2] != ':') --e;
      const auto run = s_.substr(b, e - b);
      if (std::count(run.begin(), run.end(), ':') < 2 ||
          std::none_of(run.begin(), run.end(), IsHexDigit)) {
        continue;
      }
      std::size_t end = e;
      if (end + 1 < s_.size() && s_[end] == '/' && IsDigit(s_[end + 1])) {
        std::size_t p = end + 1;
        while (p < s_.size() && IsDigit(s_[p]) && p - end <= 3) ++p;
        end = p;
      }
      if (end < s_.size() && (IsAsciiAlnum(s_[end]) || s_[end] == '_')) continue;
      const auto normal = Normalise(ObservableKind::kIpv6, s_.substr(b, end - b));
      if (Add(ObservableKind::kIpv6, b, end, normal, "not a valid IPv6 address or network",
              false)) {
        Claim(b, end);
      }
      i = std::max(i, end);
    }
  }

  void ScanWords() {
    auto in_word = [&](std::size_t i) {
      return !claimed_[i] && (IsNameChar(i) || s_[i] == '.' || s_[i] == '/');
    };
    std::size_t i = 0;
    while (i < s_.size()) {
      if (Full()) {
        truncated_ = true;
        return;
      }
      if (!in_word(i)) {
        ++i;
        continue;
      }
      std::size_t b = i;
      std::size_t e = i;
      while (e < s_.size() && in_word(e)) ++e;
      i = e;
      constexpr std::string_view kEdge = "._-/";
      while (b < e && kEdge.find(s_[b]) != std::string_view::npos) ++b;
      while (e > b && kEdge.find(s_[e - 1]) != std::string_view::npos) --e;
      if (b == e || e - b > kMaxTokenBytes) continue;
      Word(b, e);
    }
  }

  void Word(std::size_t b, std::size_t e) {
    std::vector<std::pair<std::size_t, std::size_t>> segments;
    for (std::size_t p = b; p <= e; ++p) {
      if (p == e || s_[p] == '/') {
        std::size_t sb = segments.empty() ? b : segments.back().second + 1;
        segments.emplace_back(sb, p);
      }
    }
    const auto [b0, e0] = segments.front();
    const auto head = s_.substr(b0, e0 - b0);

    if (DottedQuadShape(head)) {
      std::size_t end = e0;
      if (segments.size() >= 2) {
        const auto [b1, e1] = segments[1];
        const auto len = s_.substr(b1, e1 - b1);
        if (!len.empty() && len.size() <= 2 && OnlyDigitsAndDots(len) &&
            len.find('.') == std::string_view::npos) {
          end = e1;
        }
      }
      const auto normal = Normalise(ObservableKind::kIpv4, s_.substr(b0, end - b0));
      Add(ObservableKind::kIpv4, b0, end, normal, "not a valid IPv4 address or network", false);
    } else if (IsHashLength(head.size()) && AllHex(head)) {
      AddHash(b0, e0);
    } else if (!OnlyDigitsAndDots(head) && head.find('.') != std::string_view::npos) {
      if (segments.size() == 1 && HasRiskyExtension(head)) AddFileName(b0, e0);
      AddDomain(b0, e0, false);
    }
    for (std::size_t k = 1; k < segments.size(); ++k) {
      const auto [sb, se] = segments[k];
      const auto seg = s_.substr(sb, se - sb);
      if (IsHashLength(seg.size()) && AllHex(seg)) {
        AddHash(sb, se);
      } else if (k + 1 == segments.size() && HasRiskyExtension(seg)) {
        AddFileName(sb, se);
      }
    }
  }

  void AddHash(std::size_t b, std::size_t e) {
    const auto kind = HashKind(e - b);
    const auto normal = Normalise(kind, s_.substr(b, e - b));
    Add(kind, b, e, normal, "not a valid hash", false);
  }

  void AddFileName(std::size_t b, std::size_t e) {
    const auto normal = Normalise(ObservableKind::kFileName, s_.substr(b, e - b));
    Add(ObservableKind::kFileName, b, e, normal, "not a valid file name", false);
  }

  std::string_view input_;
  Refanged r_;
  std::string_view s_;
  std::vector<bool> name_byte_;
  std::vector<bool> claimed_;
  std::vector<FreetextCandidate> found_;
  std::set<std::pair<ObservableKind, std::string>> seen_;
  bool truncated_ = false;
};

}  // namespace

bool PlausibleDomain(std::string_view domain, std::string* reason) {
  auto fail = [&](std::string why) {
    if (reason != nullptr) *reason = std::move(why);
    return false;
  };
  const psl_ctx_t* psl = Psl();
  const auto dot = domain.rfind('.');
  if (dot == std::string_view::npos) return fail("a domain has at least two labels");
  const std::string tld(domain.substr(dot + 1));
  const std::string name(domain);
  if (psl == nullptr) return fail("no public suffix list");
  if (psl_is_public_suffix2(psl, tld.c_str(), PSL_TYPE_ICANN | PSL_TYPE_NO_STAR_RULE) == 0) {
    return fail(fmt::format("\".{}\" is not a public top-level domain", tld));
  }
  if (psl_is_public_suffix2(psl, name.c_str(), PSL_TYPE_ICANN) != 0) {
    return fail(fmt::format("\"{}\" is a public suffix, not a domain", name));
  }
  if (reason != nullptr) reason->clear();
  return true;
}

std::string Refang(std::string_view text) { return DoRefang(text).text; }

Result<FreetextExtraction> ExtractFreetext(std::string_view text) {
  if (text.size() > kMaxFreetextBytes) {
    return Error{Errc::kPayloadTooLarge, "text longer than 1 MiB", "text"};
  }
  return Extractor(text).Run();
}

}  // namespace caduceus::intel
