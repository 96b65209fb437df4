// Version ordering per scheme and range parsing. Parsing never throws: every failure is a
// message that ends up in an Error or in an unknown verdict's reason.
#include "advisories/version.h"

#include <algorithm>
#include <array>
#include <optional>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "core/text.h"

namespace caduceus::advisories {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsAlnum(char c) { return IsDigit(c) || IsAlpha(c); }
char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string ToLower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = Lower(c);
  return out;
}

std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t' || text.front() == '\n' ||
                           text.front() == '\r')) {
    text.remove_prefix(1);
  }
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\n' ||
                           text.back() == '\r')) {
    text.remove_suffix(1);
  }
  return text;
}

// Runs of white space become one space; the ends are trimmed.
std::string CollapseSpaces(std::string_view text) {
  std::string out;
  bool space = false;
  for (char c : Trim(text)) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      space = true;
      continue;
    }
    if (space && !out.empty()) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

// Digits without leading zeros; "" stands for zero.
std::string Canonical(std::string_view digits) {
  std::size_t i = 0;
  while (i < digits.size() && digits[i] == '0') ++i;
  return std::string(digits.substr(i));
}

int CompareCanonical(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
  const int c = a.compare(b);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

Ordering FromInt(int c) {
  return c < 0 ? Ordering::kLess : (c > 0 ? Ordering::kGreater : Ordering::kEqual);
}

// ---- generic versions ---------------------------------------------------------------------------

enum class SuffixKind { kPre, kBuild, kPost, kLetter, kUnknown };

struct Suffix {
  SuffixKind kind = SuffixKind::kUnknown;
  int rank = 0;        // kPre: position among pre-release tags
  std::string tag;     // lowercase word; "" for a bare number
  std::string number;  // canonical digits
};

struct Generic {
  std::string prefix;                // lowercase words joined by '-'
  std::vector<std::string> release;  // canonical digits
  bool pattern = false;              // release components from `release.size()` on are wildcards
  std::vector<Suffix> suffixes;
};

constexpr std::size_t kMaxReleaseParts = 32;
constexpr std::size_t kMaxDigits = 40;
constexpr std::size_t kMaxSuffixes = 16;
constexpr std::size_t kMaxPrefix = 24;

constexpr std::string_view kMonths[] = {
    "jan",  "january",   "feb",  "february", "mar",  "march",    "apr",    "april",
    "may",  "jun",       "june", "jul",      "july", "aug",      "august", "sep",
    "sept", "september", "oct",  "october",  "nov",  "november", "dec",    "december"};

// Position among pre-release tags, or -1.
int PreRank(std::string_view word, bool pep440) {
  if (word == "dev") return 0;
  if (word == "alpha") return 1;
  if (word == "beta") return 2;
  if (word == "milestone" || word == "m") return 3;
  if (word == "pre" || word == "preview") return 4;
  if (word == "rc" || word == "cr") return 5;
  if (word == "snapshot") return 6;
  if (pep440) {
    if (word == "a") return 1;
    if (word == "b") return 2;
    if (word == "c") return 5;
  }
  return -1;
}

bool IsBuildTag(std::string_view word, bool pep440, bool attached) {
  if (word == "build" || word == "bld") return true;
  return word == "b" && !attached && !pep440;
}

bool IsPostTag(std::string_view word) {
  static constexpr std::string_view kPost[] = {
      "sp", "update", "upd",      "u",  "patch", "p",    "pl", "hf",          "hotfix",     "fix",
      "r",  "rev",    "revision", "sr", "fp",    "post", "mr", "servicepack", "featurepack"};
  return std::find(std::begin(kPost), std::end(kPost), word) != std::end(kPost);
}

// Words that name the release itself and add nothing to the order.
bool IsNeutralTag(std::string_view word) {
  return word == "ga" || word == "final" || word == "release" || word == "rel" || word == "stable";
}

bool IsSeparator(char c) {
  return c == '.' || c == '-' || c == '_' || c == '+' || c == ' ' || c == '~' || c == '(' ||
         c == ')';
}

bool IsWildcard(char c) { return c == 'x' || c == 'X' || c == '*'; }

bool ParseGeneric(
    std::string_view input, bool pep440, bool allow_pattern, Generic* out, std::string* error) {
  const std::string s = ToLower(Trim(input));
  const std::size_t n = s.size();
  std::size_t i = 0;
  auto fail = [&](std::string message) {
    *error = std::move(message);
    return false;
  };
  if (n == 0) return fail("the version is empty");
  // A leading "v", "ver" or "version" before the number is dropped.
  for (std::string_view lead : {"version", "ver", "v"}) {
    if (s.compare(0, lead.size(), lead) != 0) continue;
    std::size_t j = lead.size();
    if (j < n && (s[j] == '.' || s[j] == ' ')) ++j;
    if (j < n && IsDigit(s[j])) {
      i = j;
      break;
    }
  }
  // Scheme prefix: words before the first digit.
  std::vector<std::string> words;
  std::string word;
  while (i < n && !IsDigit(s[i])) {
    if (IsAlpha(s[i])) {
      word += s[i];
    } else if (IsSeparator(s[i])) {
      if (!word.empty()) words.push_back(std::move(word));
      word.clear();
    } else {
      return fail(fmt::format("unexpected character '{}'", s[i]));
    }
    ++i;
  }
  if (!word.empty()) words.push_back(std::move(word));
  if (i == n) return fail("the version has no number");
  if (!words.empty() &&
      std::find(std::begin(kMonths), std::end(kMonths), words.front()) != std::end(kMonths)) {
    return fail("it reads like a date, not a version");
  }
  for (const std::string& w : words) {
    if (!out->prefix.empty()) out->prefix += '-';
    out->prefix += w;
  }
  if (out->prefix.size() > kMaxPrefix) return fail("the prefix before the number is too long");
  // Release numbers.
  auto read_digits = [&](std::string* digits) {
    const std::size_t start = i;
    while (i < n && IsDigit(s[i])) ++i;
    if (i - start > kMaxDigits) return false;
    *digits = Canonical(std::string_view(s).substr(start, i - start));
    return true;
  };
  std::string digits;
  if (!read_digits(&digits)) return fail("a number is too long");
  out->release.push_back(digits);
  while (i + 1 < n && s[i] == '.') {
    const char next = s[i + 1];
    const bool wildcard_here =
        allow_pattern && IsWildcard(next) && (i + 2 == n || s[i + 2] == '.' || s[i + 2] == ' ');
    if (wildcard_here) {
      out->pattern = true;
      i += 2;
      continue;
    }
    if (!IsDigit(next)) break;
    if (out->pattern) return fail("a number cannot follow a wildcard");
    ++i;
    if (!read_digits(&digits)) return fail("a number is too long");
    out->release.push_back(digits);
    if (out->release.size() > kMaxReleaseParts) return fail("the version has too many parts");
  }
  if (out->pattern) {
    if (!Trim(std::string_view(s).substr(i)).empty()) {
      return fail("a wildcard must end the version");
    }
    return true;
  }
  // Suffixes.
  while (i < n) {
    bool separated = false;
    bool plus = false;
    while (i < n && IsSeparator(s[i])) {
      separated = true;
      plus = plus || s[i] == '+';
      ++i;
    }
    if (i == n) break;
    std::string tag;
    while (i < n && IsAlpha(s[i])) tag += s[i++];
    // Two-word tags: "service pack", "feature pack", "hot fix".
    if (tag == "service" || tag == "feature" || tag == "hot") {
      std::size_t j = i;
      while (j < n && IsSeparator(s[j])) ++j;
      const std::string_view second = tag == "hot" ? "fix" : "pack";
      if (s.compare(j, second.size(), second) == 0 &&
          (j + second.size() == n || !IsAlpha(s[j + second.size()]))) {
        tag = tag == "service" ? "sp" : (tag == "feature" ? "fp" : "hf");
        i = j + second.size();
      }
    }
    // A tag may be separated from its number: "Update 2", "beta.1", "SP_2".
    if (!tag.empty() && i < n && IsSeparator(s[i]) && s[i] != '+') {
      std::size_t j = i;
      while (j < n && IsSeparator(s[j]) && s[j] != '+') ++j;
      if (j < n && IsDigit(s[j])) i = j;
    }
    std::string number;
    if (i < n && IsDigit(s[i])) {
      if (!read_digits(&number)) return fail("a number is too long");
    }
    if (tag.empty() && number.empty() && i == n) break;
    if (tag.empty() && number.empty()) {
      return fail(fmt::format("unexpected character '{}'", s[i]));
    }
    if (IsNeutralTag(tag) && number.empty()) continue;
    if (separated && !number.empty() && (tag == "v" || tag == "ver" || tag == "version")) {
      return fail("it holds more than one version");
    }
    Suffix suffix;
    suffix.tag = tag;
    suffix.number = number;
    const bool attached = !separated;
    if (plus) {
      suffix.kind = SuffixKind::kBuild;
    } else if (tag.empty()) {
      suffix.kind = SuffixKind::kBuild;
    } else if (const int rank = PreRank(tag, pep440); rank >= 0) {
      suffix.kind = SuffixKind::kPre;
      suffix.rank = rank;
    } else if (IsBuildTag(tag, pep440, attached)) {
      suffix.kind = SuffixKind::kBuild;
    } else if (IsPostTag(tag) && !(attached && tag.size() == 1)) {
      suffix.kind = SuffixKind::kPost;
    } else if (attached && tag.size() == 1) {
      suffix.kind = SuffixKind::kLetter;
    } else {
      suffix.kind = SuffixKind::kUnknown;
    }
    out->suffixes.push_back(std::move(suffix));
    if (out->suffixes.size() > kMaxSuffixes) return fail("the version has too many suffixes");
  }
  return true;
}

std::string SuffixText(const Suffix& s) {
  if (s.tag.empty()) return s.number.empty() ? "0" : s.number;
  return s.tag + s.number;
}

std::string_view KindName(SuffixKind kind) {
  switch (kind) {
    case SuffixKind::kPre:
      return "pre-release";
    case SuffixKind::kBuild:
      return "build";
    case SuffixKind::kPost:
      return "post-release";
    case SuffixKind::kLetter:
      return "letter revision";
    case SuffixKind::kUnknown:
      break;
  }
  return "unknown";
}

int CompareReleases(const std::vector<std::string>& a,
                    const std::vector<std::string>& b,
                    std::size_t count) {
  for (std::size_t k = 0; k < count; ++k) {
    const std::string_view x = k < a.size() ? std::string_view(a[k]) : std::string_view();
    const std::string_view y = k < b.size() ? std::string_view(b[k]) : std::string_view();
    if (const int c = CompareCanonical(x, y); c != 0) return c;
  }
  return 0;
}

VersionOrder Unordered(std::string reason) { return {Ordering::kUnordered, std::move(reason)}; }

// See CompareVersion for the asymmetry of build suffixes.
VersionOrder CompareGeneric(const Generic& v, const Generic& r) {
  if (v.prefix != r.prefix) {
    return Unordered(
        fmt::format("different version schemes (prefix '{}' and '{}')", v.prefix, r.prefix));
  }
  if (const int c =
          CompareReleases(v.release, r.release, std::max(v.release.size(), r.release.size()));
      c != 0) {
    return {FromInt(c), {}};
  }
  const std::size_t count = std::max(v.suffixes.size(), r.suffixes.size());
  for (std::size_t k = 0; k < count; ++k) {
    const Suffix* a = k < v.suffixes.size() ? &v.suffixes[k] : nullptr;
    const Suffix* b = k < r.suffixes.size() ? &r.suffixes[k] : nullptr;
    if (a == nullptr) {
      switch (b->kind) {
        case SuffixKind::kPre:
          return {Ordering::kGreater, {}};
        case SuffixKind::kPost:
        case SuffixKind::kLetter:
          return {Ordering::kLess, {}};
        case SuffixKind::kBuild:
          return Unordered(fmt::format("the reference names build '{}' and the version no build",
                                       SuffixText(*b)));
        case SuffixKind::kUnknown:
          break;
      }
      return Unordered(fmt::format("suffix '{}' has no known order", SuffixText(*b)));
    }
    if (b == nullptr) {
      switch (a->kind) {
        case SuffixKind::kPre:
          return {Ordering::kLess, {}};
        case SuffixKind::kPost:
        case SuffixKind::kLetter:
          return {Ordering::kGreater, {}};
        case SuffixKind::kBuild:
          return {Ordering::kEqual, {}};
        case SuffixKind::kUnknown:
          break;
      }
      return Unordered(fmt::format("suffix '{}' has no known order", SuffixText(*a)));
    }
    const bool same_tag = a->kind == b->kind && (a->tag == b->tag || a->kind == SuffixKind::kBuild);
    if (same_tag) {
      if (const int c = CompareCanonical(a->number, b->number); c != 0) return {FromInt(c), {}};
      continue;
    }
    if (a->kind == SuffixKind::kPre && b->kind == SuffixKind::kPre) {
      if (a->rank != b->rank) return {a->rank < b->rank ? Ordering::kLess : Ordering::kGreater, {}};
      if (const int c = CompareCanonical(a->number, b->number); c != 0) return {FromInt(c), {}};
      continue;
    }
    const bool a_known = a->kind != SuffixKind::kUnknown;
    const bool b_known = b->kind != SuffixKind::kUnknown;
    if (a_known && b_known && (a->kind == SuffixKind::kPre || b->kind == SuffixKind::kPre)) {
      return {a->kind == SuffixKind::kPre ? Ordering::kLess : Ordering::kGreater, {}};
    }
    if (a->kind == SuffixKind::kLetter && b->kind == SuffixKind::kLetter) {
      return {FromInt(a->tag.compare(b->tag)), {}};
    }
    return Unordered(fmt::format("'{}' ({}) and '{}' ({}) cannot be ordered", SuffixText(*a),
                                 KindName(a->kind), SuffixText(*b), KindName(b->kind)));
  }
  return {Ordering::kEqual, {}};
}

// kEqual when `v` is inside the pattern.
VersionOrder CompareToPattern(const Generic& v, const Generic& pattern) {
  if (v.prefix != pattern.prefix) {
    return Unordered(
        fmt::format("different version schemes (prefix '{}' and '{}')", v.prefix, pattern.prefix));
  }
  return {FromInt(CompareReleases(v.release, pattern.release, pattern.release.size())), {}};
}

// ---- semver ------------------------------------------------------------------------------------

struct Semver {
  std::array<std::string, 3> core;  // canonical digits
  std::vector<std::string> pre;     // identifiers as written
};

bool ValidIdentifier(std::string_view id, bool numeric_rule) {
  if (id.empty()) return false;
  bool all_digits = true;
  for (char c : id) {
    if (!IsAlnum(c) && c != '-') return false;
    all_digits = all_digits && IsDigit(c);
  }
  return !(numeric_rule && all_digits && id.size() > 1 && id.front() == '0');
}

std::vector<std::string_view> Split(std::string_view text, char sep) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (true) {
    const std::size_t at = text.find(sep, start);
    parts.push_back(text.substr(start, at == std::string_view::npos ? at : at - start));
    if (at == std::string_view::npos) break;
    start = at + 1;
  }
  return parts;
}

bool ParseSemver(std::string_view text, Semver* out) {
  text = Trim(text);
  if (!text.empty() && (text.front() == 'v' || text.front() == 'V')) text.remove_prefix(1);
  if (const std::size_t plus = text.find('+'); plus != std::string_view::npos) {
    for (std::string_view id : Split(text.substr(plus + 1), '.')) {
      if (!ValidIdentifier(id, false)) return false;
    }
    text = text.substr(0, plus);
  }
  std::string_view pre;
  if (const std::size_t dash = text.find('-'); dash != std::string_view::npos) {
    pre = text.substr(dash + 1);
    text = text.substr(0, dash);
    if (pre.empty()) return false;
  }
  const auto core = Split(text, '.');
  if (core.size() != 3) return false;
  for (std::size_t k = 0; k < 3; ++k) {
    const std::string_view part = core[k];
    if (part.empty() || part.size() > kMaxDigits ||
        !std::all_of(part.begin(), part.end(), IsDigit) || (part.size() > 1 && part[0] == '0')) {
      return false;
    }
    out->core[k] = Canonical(part);
  }
  if (!pre.empty()) {
    for (std::string_view id : Split(pre, '.')) {
      if (!ValidIdentifier(id, true)) return false;
      out->pre.emplace_back(id);
    }
  }
  return true;
}

int CompareSemver(const Semver& a, const Semver& b) {
  for (std::size_t k = 0; k < 3; ++k) {
    if (const int c = CompareCanonical(a.core[k], b.core[k]); c != 0) return c;
  }
  if (a.pre.empty() || b.pre.empty()) {
    if (a.pre.empty() && b.pre.empty()) return 0;
    return a.pre.empty() ? 1 : -1;
  }
  for (std::size_t k = 0; k < std::min(a.pre.size(), b.pre.size()); ++k) {
    const std::string& x = a.pre[k];
    const std::string& y = b.pre[k];
    const bool xn = std::all_of(x.begin(), x.end(), IsDigit);
    const bool yn = std::all_of(y.begin(), y.end(), IsDigit);
    int c = 0;
    if (xn && yn) {
      c = CompareCanonical(Canonical(x), Canonical(y));
    } else if (xn != yn) {
      c = xn ? -1 : 1;
    } else {
      c = x.compare(y) < 0 ? -1 : (x.compare(y) > 0 ? 1 : 0);
    }
    if (c != 0) return c;
  }
  if (a.pre.size() == b.pre.size()) return 0;
  return a.pre.size() < b.pre.size() ? -1 : 1;
}

// ---- Debian and RPM ----------------------------------------------------------------------------

bool ValidPackageVersion(std::string_view text, bool rpm, std::string* error) {
  if (text.empty()) {
    *error = "the version is empty";
    return false;
  }
  for (char c : text) {
    const bool ok = IsAlnum(c) || c == '.' || c == '+' || c == '~' || c == '-' || c == ':' ||
                    (rpm && (c == '^' || c == '_'));
    if (!ok) {
      *error = fmt::format("unexpected character '{}'", c);
      return false;
    }
  }
  const std::size_t colon = text.find(':');
  if (colon != std::string_view::npos) {
    const std::string_view epoch = text.substr(0, colon);
    if (epoch.empty() || epoch.size() > 9 || !std::all_of(epoch.begin(), epoch.end(), IsDigit)) {
      *error = "the epoch must be a number";
      return false;
    }
    if (text.find(':', colon + 1) != std::string_view::npos) {
      *error = "more than one ':'";
      return false;
    }
  }
  return true;
}

struct EpochVersionRelease {
  std::string epoch;  // canonical digits
  std::string_view version;
  std::string_view release;
};

EpochVersionRelease SplitEvr(std::string_view text) {
  EpochVersionRelease evr;
  if (const std::size_t colon = text.find(':'); colon != std::string_view::npos) {
    evr.epoch = Canonical(text.substr(0, colon));
    text = text.substr(colon + 1);
  }
  if (const std::size_t dash = text.rfind('-'); dash != std::string_view::npos) {
    evr.release = text.substr(dash + 1);
    text = text.substr(0, dash);
  }
  evr.version = text;
  return evr;
}

int DpkgOrder(std::string_view s, std::size_t i) {
  if (i >= s.size()) return 0;
  const char c = s[i];
  if (IsDigit(c)) return 0;
  if (IsAlpha(c)) return c;
  if (c == '~') return -1;
  return static_cast<unsigned char>(c) + 256;
}

int DpkgCompare(std::string_view a, std::string_view b) {
  std::size_t i = 0;
  std::size_t j = 0;
  while (i < a.size() || j < b.size()) {
    while ((i < a.size() && !IsDigit(a[i])) || (j < b.size() && !IsDigit(b[j]))) {
      const int x = DpkgOrder(a, i);
      const int y = DpkgOrder(b, j);
      if (x != y) return x < y ? -1 : 1;
      ++i;
      ++j;
    }
    while (i < a.size() && a[i] == '0') ++i;
    while (j < b.size() && b[j] == '0') ++j;
    int first_diff = 0;
    while (i < a.size() && IsDigit(a[i]) && j < b.size() && IsDigit(b[j])) {
      if (first_diff == 0) first_diff = a[i] - b[j];
      ++i;
      ++j;
    }
    if (i < a.size() && IsDigit(a[i])) return 1;
    if (j < b.size() && IsDigit(b[j])) return -1;
    if (first_diff != 0) return first_diff < 0 ? -1 : 1;
  }
  return 0;
}

int CompareDebian(std::string_view a, std::string_view b) {
  const EpochVersionRelease x = SplitEvr(a);
  const EpochVersionRelease y = SplitEvr(b);
  if (const int c = CompareCanonical(x.epoch, y.epoch); c != 0) return c;
  if (const int c = DpkgCompare(x.version, y.version); c != 0) return c;
  return DpkgCompare(x.release, y.release);
}

int RpmSegments(std::string_view a, std::string_view b) {
  if (a == b) return 0;
  std::size_t i = 0;
  std::size_t j = 0;
  while (i < a.size() || j < b.size()) {
    while (i < a.size() && !IsAlnum(a[i]) && a[i] != '~' && a[i] != '^') ++i;
    while (j < b.size() && !IsAlnum(b[j]) && b[j] != '~' && b[j] != '^') ++j;
    const bool at = i < a.size();
    const bool bt = j < b.size();
    if ((at && a[i] == '~') || (bt && b[j] == '~')) {
      if (!at || a[i] != '~') return 1;
      if (!bt || b[j] != '~') return -1;
      ++i;
      ++j;
      continue;
    }
    if ((at && a[i] == '^') || (bt && b[j] == '^')) {
      if (!at) return -1;
      if (!bt) return 1;
      if (a[i] != '^') return 1;
      if (b[j] != '^') return -1;
      ++i;
      ++j;
      continue;
    }
    if (!at || !bt) break;
    const std::size_t si = i;
    const std::size_t sj = j;
    const bool numeric = IsDigit(a[i]);
    if (numeric) {
      while (i < a.size() && IsDigit(a[i])) ++i;
      while (j < b.size() && IsDigit(b[j])) ++j;
    } else {
      while (i < a.size() && IsAlpha(a[i])) ++i;
      while (j < b.size() && IsAlpha(b[j])) ++j;
    }
    if (j == sj) return numeric ? 1 : -1;
    const std::string_view x = a.substr(si, i - si);
    const std::string_view y = b.substr(sj, j - sj);
    const int c = numeric ? CompareCanonical(Canonical(x), Canonical(y))
                          : (x.compare(y) < 0 ? -1 : (x.compare(y) > 0 ? 1 : 0));
    if (c != 0) return c;
  }
  const bool rest_a = i < a.size();
  const bool rest_b = j < b.size();
  if (!rest_a && !rest_b) return 0;
  return rest_a ? 1 : -1;
}

int CompareRpm(std::string_view a, std::string_view b) {
  const EpochVersionRelease x = SplitEvr(a);
  const EpochVersionRelease y = SplitEvr(b);
  if (const int c = CompareCanonical(x.epoch, y.epoch); c != 0) return c;
  if (const int c = RpmSegments(x.version, y.version); c != 0) return c;
  if (x.release.empty() || y.release.empty()) return 0;
  return RpmSegments(x.release, y.release);
}

// ---- parsed versions of any scheme -------------------------------------------------------------

struct Parsed {
  std::string text;
  bool pattern = false;
  std::optional<Generic> generic;
  std::optional<Semver> semver;
};

bool ParseVersionText(std::string_view input,
                      VersionScheme scheme,
                      bool allow_pattern,
                      Parsed* out,
                      std::string* error) {
  const std::string_view text = Trim(input);
  if (text.size() > kMaxVersionBytes) {
    *error = fmt::format("the version is longer than {} bytes", kMaxVersionBytes);
    return false;
  }
  out->text = std::string(text);
  Generic generic;
  std::string generic_error;
  const bool pep440 = scheme == VersionScheme::kPep440;
  if (ParseGeneric(text, pep440, allow_pattern, &generic, &generic_error)) {
    out->pattern = generic.pattern;
    out->generic = std::move(generic);
  }
  if (out->pattern) return true;
  switch (scheme) {
    case VersionScheme::kGeneric:
    case VersionScheme::kPep440:
      if (!out->generic) *error = generic_error;
      return out->generic.has_value();
    case VersionScheme::kSemver: {
      Semver semver;
      if (ParseSemver(text, &semver)) out->semver = std::move(semver);
      if (!out->semver && !out->generic) *error = generic_error;
      return out->semver || out->generic;
    }
    case VersionScheme::kDebian:
    case VersionScheme::kRpm:
      return ValidPackageVersion(text, scheme == VersionScheme::kRpm, error);
  }
  return false;
}

VersionOrder CompareParsed(const Parsed& v, const Parsed& r, VersionScheme scheme) {
  if (r.pattern || v.pattern) {
    if (v.pattern) return Unordered(fmt::format("'{}' is a pattern, not a version", v.text));
    if (!v.generic) {
      return Unordered(
          fmt::format("'{}' cannot be matched against the pattern '{}'", v.text, r.text));
    }
    return CompareToPattern(*v.generic, *r.generic);
  }
  switch (scheme) {
    case VersionScheme::kSemver:
      if (v.semver && r.semver) return {FromInt(CompareSemver(*v.semver, *r.semver)), {}};
      break;
    case VersionScheme::kDebian:
      return {FromInt(CompareDebian(v.text, r.text)), {}};
    case VersionScheme::kRpm:
      return {FromInt(CompareRpm(v.text, r.text)), {}};
    case VersionScheme::kGeneric:
    case VersionScheme::kPep440:
      break;
  }
  if (!v.generic || !r.generic) {
    return Unordered(fmt::format("'{}' and '{}' are not in one version scheme", v.text, r.text));
  }
  VersionOrder order = CompareGeneric(*v.generic, *r.generic);
  if (order.order == Ordering::kUnordered) {
    order.reason = fmt::format("cannot order {} against {}: {}", v.text, r.text, order.reason);
  }
  return order;
}

// ---- ranges ------------------------------------------------------------------------------------

enum class Op { kEq, kNe, kLt, kLe, kGt, kGe };

std::string_view OpText(Op op) {
  switch (op) {
    case Op::kEq:
      return "=";
    case Op::kNe:
      return "!=";
    case Op::kLt:
      return "<";
    case Op::kLe:
      return "<=";
    case Op::kGt:
      return ">";
    case Op::kGe:
      return ">=";
  }
  return "?";
}

bool IsUpper(Op op) { return op == Op::kLt || op == Op::kLe; }

struct Constraint {
  Op op = Op::kEq;
  Parsed bound;
};

struct Interval {
  std::optional<Constraint> lower;
  std::optional<Constraint> upper;
};

}  // namespace

struct VersionRange::State {
  std::string text;
  VersionScheme scheme = VersionScheme::kGeneric;
  bool all = false;
  std::string qualifier;
  std::vector<Constraint> equal;
  std::vector<Constraint> not_equal;
  std::vector<Interval> intervals;
};

namespace {

using State = VersionRange::State;

enum class Tri { kYes, kNo, kUnknown };

// Whether `v` satisfies `c`; on kUnknown, `reason` says why.
Tri Satisfies(const Parsed& v, const Constraint& c, VersionScheme scheme, std::string* reason) {
  const VersionOrder order = CompareParsed(v, c.bound, scheme);
  if (order.order == Ordering::kUnordered) {
    *reason = order.reason;
    return Tri::kUnknown;
  }
  bool ok = false;
  switch (c.op) {
    case Op::kEq:
      ok = order.order == Ordering::kEqual;
      break;
    case Op::kNe:
      ok = order.order != Ordering::kEqual;
      break;
    case Op::kLt:
      ok = order.order == Ordering::kLess;
      break;
    case Op::kLe:
      ok = order.order != Ordering::kGreater;
      break;
    case Op::kGt:
      ok = order.order == Ordering::kGreater;
      break;
    case Op::kGe:
      ok = order.order != Ordering::kLess;
      break;
  }
  return ok ? Tri::kYes : Tri::kNo;
}

std::string ConstraintText(const Constraint& c) {
  if (c.op == Op::kEq && c.bound.pattern) return fmt::format("matches {}", c.bound.text);
  return fmt::format("{} {}", OpText(c.op), c.bound.text);
}

class RangeParser {
 public:
  RangeParser(State* state, VersionScheme scheme) : state_(state), scheme_(scheme) {}

  bool ParseVers(std::string_view rest) {
    const std::size_t slash = rest.find('/');
    if (slash == std::string_view::npos) return Fail("a vers: range needs <scheme>/<constraints>");
    const std::string name = ToLower(Trim(rest.substr(0, slash)));
    if (name.empty() || !std::all_of(name.begin(), name.end(), [](char c) {
          return IsAlnum(c) || c == '.' || c == '+' || c == '-';
        })) {
      return Fail("the vers: scheme name is not valid");
    }
    scheme_ = SchemeForVers(name);
    state_->scheme = scheme_;
    std::string constraints(Trim(rest.substr(slash + 1)));
    if (scheme_ == VersionScheme::kGeneric)
      std::replace(constraints.begin(), constraints.end(), '_', ' ');
    std::string core;
    if (!SplitQualifier(constraints, &core)) return false;
    const auto items = Split(core, '|');
    for (std::string_view raw : items) {
      const std::string_view item = Trim(raw);
      if (item == "*") {
        if (items.size() != 1) return Fail("'*' must be the only vers: constraint");
        state_->all = true;
        continue;
      }
      std::size_t used = 0;
      const Op op = ReadOp(item, &used).value_or(Op::kEq);
      const std::string version = PercentDecode(Trim(item.substr(used)));
      if (version.empty()) return Fail("a vers: constraint has no version");
      if (!Add(op, version)) return false;
    }
    return Finish();
  }

  bool ParseText(std::string_view input) {
    state_->scheme = scheme_;
    std::string text(input);
    if (scheme_ == VersionScheme::kGeneric || scheme_ == VersionScheme::kPep440) {
      std::replace(text.begin(), text.end(), '_', ' ');
    }
    std::string core;
    if (!SplitQualifier(text, &core)) return false;
    std::size_t start = 0;
    bool any = false;
    for (std::size_t i = 0; i <= core.size(); ++i) {
      if (i < core.size() && core[i] != '|' && core[i] != ',' && core[i] != ';') continue;
      const std::string piece = CollapseSpaces(std::string_view(core).substr(start, i - start));
      start = i + 1;
      if (piece.empty()) continue;
      any = true;
      if (!ParseAlternative(piece)) return false;
    }
    if (!any) return Fail("the range is empty");
    return Finish();
  }

  const std::string& error() const { return error_; }

 private:
  bool Fail(std::string message) {
    error_ = std::move(message);
    return false;
  }

  static std::string PercentDecode(std::string_view text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
      auto hex = [](char c) {
        if (IsDigit(c)) return c - '0';
        c = Lower(c);
        return (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
      };
      if (text[i] == '%' && i + 2 < text.size() && hex(text[i + 1]) >= 0 && hex(text[i + 2]) >= 0) {
        out += static_cast<char>(hex(text[i + 1]) * 16 + hex(text[i + 2]));
        i += 2;
      } else {
        out += text[i];
      }
    }
    return out;
  }

  static std::optional<Op> ReadOp(std::string_view text, std::size_t* used) {
    static constexpr std::pair<std::string_view, Op> kOps[] = {
        {"<=", Op::kLe}, {"=<", Op::kLe}, {">=", Op::kGe}, {"=>", Op::kGe}, {"!=", Op::kNe},
        {"==", Op::kEq}, {"<", Op::kLt},  {">", Op::kGt},  {"=", Op::kEq},
    };
    for (const auto& [symbol, op] : kOps) {
      if (text.substr(0, symbol.size()) == symbol) {
        *used = symbol.size();
        return op;
      }
    }
    *used = 0;
    return std::nullopt;
  }

  // Cuts a parenthesised remark, or everything from a qualifying word on, into the qualifier.
  bool SplitQualifier(const std::string& text, std::string* core) {
    static constexpr std::string_view kWords[] = {
        "with",   "without",   "only",    "on",         "if",       "when",
        "in",     "installed", "running", "integrated", "using",    "used",
        "except", "affected",  "shipped", "for",        "connected"};
    std::size_t cut = text.find('(');
    const std::string lower = ToLower(text);
    std::size_t i = 0;
    while (i < std::min(cut, lower.size())) {
      if (!IsAlpha(lower[i])) {
        ++i;
        continue;
      }
      std::size_t j = i;
      while (j < lower.size() && IsAlpha(lower[j])) ++j;
      const bool whole =
          (i == 0 || !IsAlnum(lower[i - 1])) && (j == lower.size() || !IsAlnum(lower[j]));
      const std::string_view word = std::string_view(lower).substr(i, j - i);
      if (whole && std::find(std::begin(kWords), std::end(kWords), word) != std::end(kWords)) {
        cut = i;
        break;
      }
      i = j;
    }
    if (cut == std::string::npos || cut >= text.size()) {
      *core = text;
      return true;
    }
    state_->qualifier = CollapseSpaces(std::string_view(text).substr(cut));
    *core = std::string(Trim(std::string_view(text).substr(0, cut)));
    if (core->empty())
      return Fail(fmt::format("no range before the remark '{}'", state_->qualifier));
    return true;
  }

  static bool StartsWithWord(std::string_view text, std::string_view word) {
    return text.size() > word.size() && text.substr(0, word.size()) == word &&
           text[word.size()] == ' ';
  }

  bool ParseAlternative(const std::string& piece) {
    const std::string lower = ToLower(piece);
    std::size_t start = 0;
    bool said_all = false;
    // Noise words before the range: "all versions prior to", "firmware versions".
    while (true) {
      const std::string_view rest = std::string_view(lower).substr(start);
      bool stripped = false;
      for (std::string_view noise :
           {"all", "any", "versions", "firmware", "software", "releases", "version"}) {
        if (rest == noise && (noise == "all" || noise == "any" || said_all)) {
          said_all = true;
          start = lower.size();
          stripped = true;
          break;
        }
        if (StartsWithWord(rest, noise) && !(noise == "version" && rest.size() > noise.size() + 1 &&
                                             IsDigit(rest[noise.size() + 1]))) {
          said_all = said_all || noise == "all" || noise == "any";
          start += noise.size() + 1;
          stripped = true;
          break;
        }
      }
      if (!stripped) break;
    }
    const std::string_view low = std::string_view(lower).substr(start);
    const std::string_view text = std::string_view(piece).substr(start);
    if (low.empty() || low == "*") {
      if (!said_all && low.empty()) return Fail(fmt::format("'{}' names no versions", piece));
      if (constraint_seen_) return Fail("'all versions' cannot be combined with other ranges");
      state_->all = true;
      return true;
    }
    // "prior to 3.0", "at least 2.0".
    static constexpr std::pair<std::string_view, Op> kLeading[] = {
        {"prior to", Op::kLt},      {"before", Op::kLt},
        {"earlier than", Op::kLt},  {"older than", Op::kLt},
        {"lower than", Op::kLt},    {"less than", Op::kLt},
        {"below", Op::kLt},         {"up to and including", Op::kLe},
        {"up to", Op::kLe},         {"through", Op::kLe},
        {"at most", Op::kLe},       {"later than", Op::kGt},
        {"newer than", Op::kGt},    {"higher than", Op::kGt},
        {"greater than", Op::kGt},  {"after", Op::kGt},
        {"at least", Op::kGe},      {"since", Op::kGe},
        {"starting with", Op::kGe}, {"starting from", Op::kGe},
    };
    for (const auto& [phrase, op] : kLeading) {
      if (StartsWithWord(low, phrase)) return Add(op, text.substr(phrase.size() + 1));
    }
    // Intervals: "between 2.0 and 2.4", "from 2.0 to 2.4", "2.0 through 2.4", "2.0 - 2.4".
    const bool between = StartsWithWord(low, "between");
    const bool from = StartsWithWord(low, "from");
    const std::size_t skip = between ? 8 : (from ? 5 : 0);
    const std::string_view inner_low = low.substr(skip);
    const std::string_view inner = text.substr(skip);
    static constexpr std::string_view kBetween[] = {" and "};
    static constexpr std::string_view kJoiners[] = {" through ", " thru ", " to ", " - "};
    const auto* begin = between ? std::begin(kBetween) : std::begin(kJoiners);
    const auto* end = between ? std::end(kBetween) : std::end(kJoiners);
    for (const auto* it = begin; it != end; ++it) {
      const std::string_view joiner = *it;
      const std::size_t at = inner_low.find(joiner);
      if (at == std::string_view::npos) continue;
      return Add(Op::kGe, inner.substr(0, at)) && Add(Op::kLe, inner.substr(at + joiner.size()));
    }
    if (between) return Fail(fmt::format("'{}' needs 'between X and Y'", piece));
    if (from) return Add(Op::kGe, inner);
    // "2.3.6 and below", "2.0 or later", "2.0+".
    std::string_view body_low = low;
    std::string_view body = text;
    for (std::string_view tail : {" versions", " releases", " version"}) {
      if (body_low.size() > tail.size() && body_low.substr(body_low.size() - tail.size()) == tail) {
        body_low.remove_suffix(tail.size());
        body.remove_suffix(tail.size());
      }
    }
    static constexpr std::pair<std::string_view, Op> kTrailing[] = {
        {" and earlier", Op::kLe}, {" and prior", Op::kLe},  {" and below", Op::kLe},
        {" and lower", Op::kLe},   {" and older", Op::kLe},  {" and before", Op::kLe},
        {" or earlier", Op::kLe},  {" or lower", Op::kLe},   {" or older", Op::kLe},
        {" or below", Op::kLe},    {" or prior", Op::kLe},   {" and later", Op::kGe},
        {" and above", Op::kGe},   {" and higher", Op::kGe}, {" and newer", Op::kGe},
        {" and up", Op::kGe},      {" or later", Op::kGe},   {" or higher", Op::kGe},
        {" or newer", Op::kGe},    {" or above", Op::kGe},   {" or greater", Op::kGe},
        {" and greater", Op::kGe}, {" onwards", Op::kGe},    {" and after", Op::kGe},
    };
    for (const auto& [phrase, op] : kTrailing) {
      if (body_low.size() > phrase.size() &&
          body_low.substr(body_low.size() - phrase.size()) == phrase) {
        return Add(op, body.substr(0, body.size() - phrase.size()));
      }
    }
    if (body.size() > 1 && body.back() == '+' && IsAlnum(body[body.size() - 2])) {
      return Add(Op::kGe, body.substr(0, body.size() - 1));
    }
    return ParseComparators(body);
  }

  // ">= 1.0 < 2.0", ">=V9.3.0<V9.24.22", "> 1.0 and < 2.0", "4.3".
  bool ParseComparators(std::string_view text) {
    std::size_t i = 0;
    bool first = true;
    bool saw_op = false;
    while (i < text.size()) {
      while (i < text.size() && text[i] == ' ') ++i;
      if (i == text.size()) break;
      std::size_t used = 0;
      std::optional<Op> op = ReadOp(text.substr(i), &used);
      if (!op) {
        if (!first) {
          return Fail(fmt::format("expected a comparator before '{}'", text.substr(i)));
        }
        op = Op::kEq;
      } else if (!first && !saw_op) {
        return Fail(
            fmt::format("a version without a comparator stands before '{}'", text.substr(i)));
      }
      saw_op = saw_op || used > 0;
      i += used;
      std::size_t j = i;
      while (j < text.size() && text[j] != '<' && text[j] != '>' && text[j] != '=' &&
             text[j] != '!' && text[j] != '&') {
        ++j;
      }
      std::string_view version = Trim(text.substr(i, j - i));
      for (std::string_view tail : {" and", " &&"}) {
        const std::string lower = ToLower(version);
        if (lower.size() > tail.size() && lower.substr(lower.size() - tail.size()) == tail) {
          version = Trim(version.substr(0, version.size() - tail.size()));
        }
      }
      if (version.empty()) {
        return Fail(fmt::format("no version after '{}'", OpText(*op)));
      }
      if (!Add(*op, version)) return false;
      i = j;
      while (i < text.size() && text[i] == '&') ++i;
      first = false;
    }
    if (first) return Fail("the range is empty");
    return true;
  }

  bool Add(Op op, std::string_view text) {
    text = Trim(text);
    if (state_->all) return Fail("'all versions' cannot be combined with other ranges");
    constraint_seen_ = true;
    if (text.empty()) return Fail(fmt::format("no version after '{}'", OpText(op)));
    if (constraints_.size() >= kMaxRangeConstraints) {
      return Fail(fmt::format("more than {} constraints", kMaxRangeConstraints));
    }
    Constraint c;
    c.op = op;
    std::string error;
    if (!ParseVersionText(text, scheme_, true, &c.bound, &error)) {
      return Fail(fmt::format("cannot read version '{}': {}", text, error));
    }
    if (c.bound.pattern && op == Op::kNe) {
      return Fail(fmt::format("'!=' cannot take the pattern '{}'", text));
    }
    constraints_.push_back(std::move(c));
    return true;
  }

  // Orders two bounds for the VERS sort: 0 when they tie.
  bool SortOrder(const Parsed& a, const Parsed& b, int* result) {
    auto view = [](const Parsed& p) {
      Parsed copy = p;
      if (copy.pattern && copy.generic) {
        copy.pattern = false;
        copy.generic->pattern = false;
      }
      return copy;
    };
    const Parsed x = view(a);
    const Parsed y = view(b);
    VersionOrder order = CompareParsed(x, y, scheme_);
    if (order.order == Ordering::kUnordered) {
      const VersionOrder back = CompareParsed(y, x, scheme_);
      if (back.order == Ordering::kUnordered) {
        return Fail(fmt::format("the bounds {} and {} cannot be ordered: {}", a.text, b.text,
                                order.reason));
      }
      order.order = back.order == Ordering::kLess
                        ? Ordering::kGreater
                        : (back.order == Ordering::kGreater ? Ordering::kLess : Ordering::kEqual);
    }
    *result = order.order == Ordering::kLess ? -1 : (order.order == Ordering::kGreater ? 1 : 0);
    return true;
  }

  bool Finish() {
    if (state_->all) {
      if (!constraints_.empty()) return Fail("'all versions' cannot be combined with other ranges");
      return true;
    }
    if (constraints_.empty()) return Fail("the range is empty");
    std::vector<Constraint> bounds;
    for (Constraint& c : constraints_) {
      if (c.op == Op::kEq) {
        state_->equal.push_back(std::move(c));
      } else if (c.op == Op::kNe) {
        state_->not_equal.push_back(std::move(c));
      } else {
        bounds.push_back(std::move(c));
      }
    }
    // Insertion sort: stable, and a comparison that fails stops it with the reason.
    for (std::size_t k = 1; k < bounds.size(); ++k) {
      std::size_t m = k;
      while (m > 0) {
        int order = 0;
        if (!SortOrder(bounds[m - 1].bound, bounds[m].bound, &order)) return false;
        if (order <= 0) break;
        std::swap(bounds[m - 1], bounds[m]);
        --m;
      }
    }
    for (std::size_t k = 0; k < bounds.size();) {
      if (IsUpper(bounds[k].op)) {
        if (k != 0) {
          return Fail(fmt::format("'{}' follows another upper bound", ConstraintText(bounds[k])));
        }
        state_->intervals.push_back({std::nullopt, std::move(bounds[k])});
        ++k;
        continue;
      }
      if (k + 1 == bounds.size()) {
        state_->intervals.push_back({std::move(bounds[k]), std::nullopt});
        ++k;
        continue;
      }
      if (!IsUpper(bounds[k + 1].op)) {
        return Fail(fmt::format("'{}' follows another lower bound", ConstraintText(bounds[k + 1])));
      }
      state_->intervals.push_back({std::move(bounds[k]), std::move(bounds[k + 1])});
      k += 2;
    }
    return true;
  }

  State* state_;
  VersionScheme scheme_;
  std::vector<Constraint> constraints_;
  bool constraint_seen_ = false;
  std::string error_;
};

std::string ReplaceUnicodeComparators(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text.substr(i, 3) == "\xE2\x89\xA4") {  // U+2264 LESS-THAN OR EQUAL TO
      out += "<=";
      i += 2;
    } else if (text.substr(i, 3) == "\xE2\x89\xA5") {  // U+2265 GREATER-THAN OR EQUAL TO
      out += ">=";
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

}  // namespace

std::string_view SchemeName(VersionScheme scheme) {
  switch (scheme) {
    case VersionScheme::kGeneric:
      return "generic";
    case VersionScheme::kSemver:
      return "semver";
    case VersionScheme::kPep440:
      return "pep440";
    case VersionScheme::kDebian:
      return "deb";
    case VersionScheme::kRpm:
      return "rpm";
  }
  return "generic";
}

VersionScheme SchemeForVers(std::string_view vers_scheme) {
  const std::string name = ToLower(vers_scheme);
  if (name == "semver" || name == "npm" || name == "cargo" || name == "golang" || name == "nuget" ||
      name == "hex") {
    return VersionScheme::kSemver;
  }
  if (name == "pypi") return VersionScheme::kPep440;
  if (name == "deb") return VersionScheme::kDebian;
  if (name == "rpm") return VersionScheme::kRpm;
  return VersionScheme::kGeneric;
}

VersionScheme SchemeForPurlType(std::string_view purl_type) { return SchemeForVers(purl_type); }

std::string_view VerdictName(Verdict verdict) {
  switch (verdict) {
    case Verdict::kAffected:
      return "affected";
    case Verdict::kNotAffected:
      return "not affected";
    case Verdict::kUnknown:
      break;
  }
  return "unknown";
}

VersionOrder CompareVersion(std::string_view version,
                            std::string_view reference,
                            VersionScheme scheme) {
  const std::string_view a = Trim(version);
  const std::string_view b = Trim(reference);
  const bool exact = scheme == VersionScheme::kDebian || scheme == VersionScheme::kRpm;
  if (!a.empty() && a.size() <= kMaxVersionBytes && (exact ? a == b : ToLower(a) == ToLower(b))) {
    return {Ordering::kEqual, {}};
  }
  Parsed v;
  Parsed r;
  std::string error;
  if (!ParseVersionText(version, scheme, false, &v, &error)) {
    return Unordered(
        fmt::format("cannot read version '{}': {}", TruncateUtf8(Trim(version), 64), error));
  }
  if (!ParseVersionText(reference, scheme, false, &r, &error)) {
    return Unordered(
        fmt::format("cannot read version '{}': {}", TruncateUtf8(Trim(reference), 64), error));
  }
  return CompareParsed(v, r, scheme);
}

Result<VersionRange> VersionRange::Parse(std::string_view text, VersionScheme scheme) {
  if (text.size() > kMaxRangeBytes) {
    return Error::Invalid(fmt::format("the range is longer than {} bytes", kMaxRangeBytes));
  }
  if (!ValidUtf8(text)) return Error::Invalid("the range is not valid UTF-8");
  const std::string_view trimmed = Trim(text);
  if (trimmed.empty()) return Error::Invalid("the range is empty");
  auto state = std::make_shared<State>();
  state->text = std::string(trimmed);
  const std::string work = ReplaceUnicodeComparators(trimmed);
  RangeParser parser(state.get(), scheme);
  const bool vers = work.size() >= 5 && ToLower(std::string_view(work).substr(0, 5)) == "vers:";
  const bool ok =
      vers ? parser.ParseVers(std::string_view(work).substr(5)) : parser.ParseText(work);
  if (!ok) {
    return Error::Invalid(
        fmt::format("cannot parse range '{}': {}", TruncateUtf8(trimmed, 120), parser.error()));
  }
  return VersionRange(std::move(state));
}

const std::string& VersionRange::text() const { return state_->text; }
VersionScheme VersionRange::scheme() const { return state_->scheme; }
bool VersionRange::all_versions() const { return state_->all; }
const std::string& VersionRange::qualifier() const { return state_->qualifier; }

std::string VersionRange::Describe() const {
  if (state_->all) return "*";
  std::vector<std::string> parts;
  for (const Constraint& c : state_->equal) parts.push_back("=" + c.bound.text);
  for (const Constraint& c : state_->not_equal) parts.push_back("!=" + c.bound.text);
  for (const Interval& i : state_->intervals) {
    for (const auto* c : {&i.lower, &i.upper}) {
      if (*c) parts.push_back(fmt::format("{}{}", OpText((*c)->op), (*c)->bound.text));
    }
  }
  std::string out;
  for (const std::string& p : parts) {
    if (!out.empty()) out += '|';
    out += p;
  }
  return out;
}

VersionMatch VersionRange::Contains(std::string_view version_text) const {
  const State& s = *state_;
  const std::string_view written = Trim(version_text);
  auto qualified = [&](std::string why) {
    if (s.qualifier.empty()) return VersionMatch{Verdict::kAffected, std::move(why)};
    return VersionMatch{Verdict::kUnknown,
                        fmt::format("{}, but only '{}': needs review", why, s.qualifier)};
  };
  if (s.all) return qualified("all versions are affected");
  if (written.empty()) return {Verdict::kUnknown, "the installed version is not known"};
  Parsed v;
  std::string error;
  if (!ParseVersionText(written, s.scheme, false, &v, &error)) {
    return {Verdict::kUnknown,
            fmt::format("cannot read version '{}': {}", TruncateUtf8(written, 64), error)};
  }
  std::string unknown;
  auto note_unknown = [&](const std::string& reason) {
    if (unknown.empty()) unknown = reason;
  };
  for (const Constraint& c : s.not_equal) {
    std::string reason;
    const Tri t = Satisfies(v, c, s.scheme, &reason);
    if (t == Tri::kNo) {
      return {Verdict::kNotAffected,
              fmt::format("version {} is excluded by '!= {}'", v.text, c.bound.text)};
    }
    if (t == Tri::kUnknown) note_unknown(reason);
  }
  for (const Constraint& c : s.equal) {
    std::string reason;
    const Tri t = Satisfies(v, c, s.scheme, &reason);
    if (t == Tri::kYes) {
      return qualified(c.bound.pattern ? fmt::format("version {} matches {}", v.text, c.bound.text)
                                       : fmt::format("version {} = {}", v.text, c.bound.text));
    }
    if (t == Tri::kUnknown) note_unknown(reason);
  }
  for (const Interval& i : s.intervals) {
    Tri inside = Tri::kYes;
    std::string why;
    for (const auto* c : {&i.lower, &i.upper}) {
      if (!*c) continue;
      std::string reason;
      const Tri t = Satisfies(v, **c, s.scheme, &reason);
      if (t == Tri::kNo) {
        inside = Tri::kNo;
        break;
      }
      if (t == Tri::kUnknown) {
        inside = Tri::kUnknown;
        note_unknown(reason);
      }
      why += why.empty() ? fmt::format("version {} {}", v.text, ConstraintText(**c))
                         : fmt::format(" and {}", ConstraintText(**c));
    }
    if (inside == Tri::kYes) return qualified(why);
  }
  if (!unknown.empty()) return {Verdict::kUnknown, unknown};
  return {Verdict::kNotAffected, fmt::format("version {} is outside '{}'", v.text, s.text)};
}

VersionMatch Match(std::string_view version, std::string_view range, VersionScheme scheme) {
  const auto parsed = VersionRange::Parse(range, scheme);
  if (!parsed) return {Verdict::kUnknown, parsed.error().message};
  return parsed->Contains(version);
}

}  // namespace caduceus::advisories
