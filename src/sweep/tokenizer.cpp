#include "sweep/tokenizer.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstddef>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "sweep/hex_runs.h"

namespace caduceus::sweep {
namespace {

using intel::ObservableKind;

enum : std::uint16_t {
  kWord = 1,        // [A-Za-z0-9._:@+-]
  kHex = 2,         // [0-9A-Fa-f]
  kDigit = 4,       // [0-9]
  kAlpha = 8,       // [A-Za-z]
  kLabel = 16,      // [A-Za-z0-9_-]
  kUrlStop = 32,    // ends a URL: controls, space, DEL, " ' < > \ ` | ^
  kScheme = 64,     // [A-Za-z0-9+.-]
  kDot = 128,       // .
  kColon = 256,     // :
  kAt = 512,        // @
  kPlus = 1024,     // +
  kNotQuad = 2048,  // a word character that cannot be in a dotted quad
  kSlash = 4096,    // /
};

constexpr std::array<std::uint16_t, 256> MakeClasses() {
  std::array<std::uint16_t, 256> c{};
  for (int i = 0; i < 256; ++i) {
    std::uint16_t v = 0;
    const bool digit = i >= '0' && i <= '9';
    const bool alpha = (i >= 'a' && i <= 'z') || (i >= 'A' && i <= 'Z');
    const bool word =
        digit || alpha || i == '.' || i == '_' || i == '-' || i == ':' || i == '@' || i == '+';
    if (word) v |= kWord;
    if (word && !digit && i != '.') v |= kNotQuad;
    if (digit || (i >= 'a' && i <= 'f') || (i >= 'A' && i <= 'F')) v |= kHex;
    if (digit) v |= kDigit;
    if (alpha) v |= kAlpha;
    if (digit || alpha || i == '_' || i == '-') v |= kLabel;
    if (i <= 0x20 || i == 0x7f || i == '"' || i == '\'' || i == '<' || i == '>' || i == '\\' ||
        i == '`' || i == '|' || i == '^') {
      v |= kUrlStop;
    }
    if (digit || alpha || i == '+' || i == '.' || i == '-') v |= kScheme;
    if (i == '.') v |= kDot;
    if (i == ':') v |= kColon;
    if (i == '@') v |= kAt;
    if (i == '+') v |= kPlus;
    if (i == '/') v |= kSlash;
    c[static_cast<std::size_t>(i)] = v;
  }
  return c;
}

constexpr std::array<std::uint16_t, 256> kClass = MakeClasses();

inline std::uint16_t ClassOf(char c) { return kClass[static_cast<unsigned char>(c)]; }

inline bool Has(char c, std::uint16_t bits) { return (ClassOf(c) & bits) != 0; }

constexpr std::size_t kMaxHostBytes = 253;
constexpr std::size_t kMaxLocalBytes = 64;
constexpr std::size_t kMaxSchemeBytes = 32;
constexpr std::size_t kMaxUrlBytes = 8192;  // intel::Normalise takes no longer value

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The number of set bits, counted up to three (no popcnt instruction in baseline x86-64).
int CountUpTo3(std::uint64_t x) {
  int n = 0;
  while (x != 0 && n < 3) {
    x &= x - 1;
    ++n;
  }
  return n;
}

// Port text of a URL or host: empty, or 1..5 digits up to 65535.
bool IsPortText(std::string_view s) {
  if (s.size() > 5) return false;
  unsigned value = 0;
  for (char c : s) {
    if (!Has(c, kDigit)) return false;
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  return value <= 65535;
}

class Scanner {
 public:
  Scanner(std::string_view text, std::vector<Token>& out)
      : t_(text.data()), n_(text.size()), out_(out) {}

  void Run() { RunBlocks(); }

 private:
  // One bit per byte of a 64-byte block.
  struct Masks {
    std::uint64_t word = 0;  // kWord
    std::uint64_t hex = 0;
    std::uint64_t dot = 0;
    std::uint64_t colon = 0;
    std::uint64_t at = 0;
    std::uint64_t plus = 0;
    std::uint64_t not_quad = 0;  // kNotQuad
    std::uint64_t digit = 0;
    std::uint64_t slash = 0;
  };

  // Bits 0..3 for the four bytes from p on (bytes past the end are delimiters).
  struct Ahead {
    std::uint64_t word = 0;
    std::uint64_t digit = 0;
    std::uint64_t slash = 0;
  };

  Ahead LookAhead(std::size_t p) const {
    Ahead a;
    for (std::size_t k = 0; k < 4 && p + k < n_; ++k) {
      const std::uint16_t c = ClassOf(t_[p + k]);
      a.word |= static_cast<std::uint64_t>((c & kWord) != 0) << k;
      a.digit |= static_cast<std::uint64_t>((c & kDigit) != 0) << k;
      a.slash |= static_cast<std::uint64_t>((c & kSlash) != 0) << k;
    }
    return a;
  }

#if defined(__SSE2__)
  static std::uint64_t Bits(__m128i v, int lane) {
    return static_cast<std::uint64_t>(static_cast<std::uint16_t>(_mm_movemask_epi8(v)))
           << (16 * lane);
  }

  // Unsigned (v - low) < count, byte by byte.
  static __m128i InRange(__m128i v, char low, int count) {
    return _mm_cmplt_epi8(_mm_add_epi8(v, _mm_set1_epi8(static_cast<char>(0x80 - low))),
                          _mm_set1_epi8(static_cast<char>(0x80 + count)));
  }

  static Masks Classify64(const char* p) {
    Masks m;
    for (int k = 0; k < 4; ++k) {
      const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * k));
      const __m128i lower = _mm_or_si128(v, _mm_set1_epi8(0x20));
      const __m128i digit = InRange(v, '0', 10);
      const __m128i alpha = InRange(lower, 'a', 26);
      const __m128i hex_letter = InRange(lower, 'a', 6);
      const __m128i dot = _mm_cmpeq_epi8(v, _mm_set1_epi8('.'));
      const __m128i colon = _mm_cmpeq_epi8(v, _mm_set1_epi8(':'));
      const __m128i at = _mm_cmpeq_epi8(v, _mm_set1_epi8('@'));
      const __m128i plus = _mm_cmpeq_epi8(v, _mm_set1_epi8('+'));
      const __m128i marks = _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('_')),
                                         _mm_cmpeq_epi8(v, _mm_set1_epi8('-')));
      const __m128i not_quad =
          _mm_or_si128(_mm_or_si128(alpha, marks), _mm_or_si128(_mm_or_si128(colon, at), plus));
      m.word |= Bits(_mm_or_si128(not_quad, _mm_or_si128(digit, dot)), k);
      m.hex |= Bits(_mm_or_si128(digit, hex_letter), k);
      m.dot |= Bits(dot, k);
      m.colon |= Bits(colon, k);
      m.at |= Bits(at, k);
      m.plus |= Bits(plus, k);
      m.not_quad |= Bits(not_quad, k);
      m.digit |= Bits(digit, k);
      m.slash |= Bits(_mm_cmpeq_epi8(v, _mm_set1_epi8('/')), k);
    }
    return m;
  }
#else
  // The same masks from the class table, for targets without SSE2.
  static Masks Classify64(const char* p) {
    Masks m;
    for (int i = 0; i < 64; ++i) {
      const std::uint16_t c = ClassOf(p[i]);
      const std::uint64_t bit = std::uint64_t{1} << i;
      if ((c & kWord) != 0) m.word |= bit;
      if ((c & kHex) != 0) m.hex |= bit;
      if ((c & kDot) != 0) m.dot |= bit;
      if ((c & kColon) != 0) m.colon |= bit;
      if ((c & kAt) != 0) m.at |= bit;
      if ((c & kPlus) != 0) m.plus |= bit;
      if ((c & kNotQuad) != 0) m.not_quad |= bit;
      if ((c & kDigit) != 0) m.digit |= bit;
      if ((c & kSlash) != 0) m.slash |= bit;
    }
    return m;
  }
#endif

  // Scans the text in 64-byte blocks, the last one padded with spaces. a5 marks the 32nd digit
  // of every run of hex digits (hex_runs.h). Anchors that cannot matter are dropped before any word
  // is looked at: a ':' followed by a delimiter other than "//" (JSON separators, "info:", "C:\\"),
  // and a '.' followed by a digit with four digits or more right before or after it
  // ("1709510400.123", "0.000123"): no token needs them, since an address has at most three
  // digits around each dot, the last dot of a name is followed by a letter, and an IPv6 address
  // has a ':' followed by a word character. Words that lie in one block get their bounds and
  // classes from the masks; others are scanned byte by byte.
  void RunBlocks() {
    std::size_t pos = 0;
    detail::HexRun32 hex_runs;
    std::uint64_t digits_before = 0;  // the previous block's digit mask
    std::uint64_t run4_before = 0;    // and its run4
    while (pos < n_) {
      Masks m;
      if (pos + 64 <= n_) {
        m = Classify64(t_ + pos);
      } else {
        // The last bytes, padded with spaces (delimiters) to a whole block.
        char tail[64];
        std::memset(tail, ' ', sizeof(tail));
        std::memcpy(tail, t_ + pos, n_ - pos);
        m = Classify64(tail);
      }
      const Ahead ahead = LookAhead(pos + 64);
      const std::uint64_t a5 = hex_runs.Next(m.hex);
      // next_k: bit i is byte i+k; prev_k: bit i is byte i-k.
      const auto next1 = [](std::uint64_t x, std::uint64_t after) {
        return (x >> 1) | (after << 63);
      };
      const auto next2 = [](std::uint64_t x, std::uint64_t after) {
        return (x >> 2) | (after << 62);
      };
      const auto next3 = [](std::uint64_t x, std::uint64_t after) {
        return (x >> 3) | (after << 61);
      };
      const std::uint64_t d = m.digit;
      const std::uint64_t url_slashes = next1(m.slash, ahead.slash) & next2(m.slash, ahead.slash);
      const std::uint64_t colons = m.colon & (next1(m.word, ahead.word) | url_slashes);
      const std::uint64_t run4 = d & ((d << 1) | (digits_before >> 63)) &
                                 ((d << 2) | (digits_before >> 62)) &
                                 ((d << 3) | (digits_before >> 61));
      const std::uint64_t four_before = (run4 << 1) | (run4_before >> 63);
      const std::uint64_t from4 =
          d & next1(d, ahead.digit) & next2(d, ahead.digit) & next3(d, ahead.digit);
      const std::uint64_t four_after = next1(from4, (ahead.digit & 0xf) == 0xf ? 1 : 0);
      const std::uint64_t dots = m.dot & ~(next1(d, ahead.digit) & (four_before | four_after));
      digits_before = d;
      run4_before = run4;
      std::uint64_t anchors = dots | colons | m.at | a5;
      const std::uint64_t delimiters = ~m.word;
      std::size_t next = pos + 64;
      while (anchors != 0) {
        const int bit = std::countr_zero(anchors);
        const std::uint64_t below = delimiters & ((std::uint64_t{1} << bit) - 1);
        const std::uint64_t above = delimiters >> bit;
        const std::size_t p = pos + static_cast<std::size_t>(bit);
        std::size_t end = 0;
        if (below != 0 && above != 0) {
          const int first = 64 - std::countl_zero(below);
          const int last = bit + std::countr_zero(above);
          const std::uint64_t range =
              ((std::uint64_t{1} << last) - 1) & ~((std::uint64_t{1} << first) - 1);
          std::uint16_t flags = 0;
          if ((m.dot & range) != 0) flags |= kDot;
          if ((m.colon & range) != 0) flags |= kColon;
          if ((m.at & range) != 0) flags |= kAt;
          if ((m.plus & range) != 0) flags |= kPlus;
          if ((m.not_quad & range) != 0) flags |= kNotQuad;
          const std::size_t begin = std::max(pos + static_cast<std::size_t>(first), last_end_);
          end = pos + static_cast<std::size_t>(last);
          if (Worth(begin, end, flags, CountUpTo3(m.dot & range), CountUpTo3(m.colon & range))) {
            Word(begin, end, flags);
          }
          last_end_ = end;
        } else {
          end = WordAt(p);
        }
        if (end >= pos + 64) {
          // The word ran past the block and ended at a byte that is no hex digit: restart there
          // with no run carried over.
          next = end;
          hex_runs = detail::HexRun32();
          digits_before = run4_before = 0;
          break;
        }
        anchors &= ~((std::uint64_t{1} << (end - pos)) - 1);
      }
      pos = next;
    }
  }

  // Processes the word around byte p; returns its end.
  std::size_t WordAt(std::size_t p) {
    std::uint16_t flags = 0;
    int dots = 0;
    int colons = 0;
    std::size_t begin = p;
    while (begin > last_end_) {
      const std::uint16_t c = ClassOf(t_[begin - 1]);
      if ((c & kWord) == 0) break;
      flags |= c;
      dots += (c & kDot) != 0;
      colons += (c & kColon) != 0;
      --begin;
    }
    std::size_t end = p;
    while (end < n_) {
      const std::uint16_t c = ClassOf(t_[end]);
      if ((c & kWord) == 0) break;
      flags |= c;
      dots += (c & kDot) != 0;
      colons += (c & kColon) != 0;
      ++end;
    }
    if (Worth(begin, end, flags, dots, colons)) Word(begin, end, flags);
    last_end_ = end;
    return end;
  }

  // False for the words that cannot hold a value, cheaply told from their classes: a number
  // with fewer than three dots ("1709510400.123", "5.0"), and a word with one colon and no dot
  // or '@' ("info:", ":", "C:") that does not start a URL.
  bool Worth(std::size_t begin, std::size_t end, std::uint16_t flags, int dots, int colons) const {
    if (end - begin >= 32) return true;
    if ((flags & (kColon | kAt)) == 0) return (flags & kNotQuad) != 0 || dots >= 3;
    if ((flags & (kDot | kAt)) == 0 && colons == 1) {
      return t_[end - 1] == ':' && end + 2 <= n_ && t_[end] == '/' && t_[end + 1] == '/';
    }
    return true;
  }

  void Emit(ObservableKind kind, std::size_t begin, std::size_t end) {
    out_.push_back(
        Token{kind, static_cast<std::uint32_t>(begin), static_cast<std::uint32_t>(end - begin)});
  }

  std::string_view View(std::size_t begin, std::size_t end) const {
    return {t_ + begin, end - begin};
  }

  // A word and the union of its characters' classes.
  void Word(std::size_t begin, std::size_t end, std::uint16_t flags) {
    const std::size_t first = out_.size();
    if (end - begin >= 32) HexRuns(begin, end);
    if ((flags & kColon) != 0) {
      std::size_t trimmed = end;
      while (trimmed > begin && t_[trimmed - 1] == '.') --trimmed;
      if (IsIpv6Text(View(begin, trimmed))) {
        Emit(ObservableKind::kIpv6, begin, trimmed);
      } else if ((flags & (kDot | kAt)) != 0) {
        std::size_t part = begin;
        for (std::size_t i = begin; i <= end; ++i) {
          if (i == end || t_[i] == ':') {
            Part(part, i);
            part = i + 1;
          }
        }
      }
      if (t_[end - 1] == ':' && end + 2 <= n_ && t_[end] == '/' && t_[end + 1] == '/') {
        Url(end - 1);
      }
    } else if ((flags & kAt) != 0) {
      Part(begin, end);
    } else if ((flags & kPlus) != 0) {
      Hosts(begin, end);
    } else if ((flags & kDot) != 0) {
      Host(begin, end, (flags & kNotQuad) == 0);
    }
    if (out_.size() - first > 1) {
      std::sort(out_.begin() + static_cast<std::ptrdiff_t>(first), out_.end(),
                [](const Token& a, const Token& b) {
                  return a.begin != b.begin ? a.begin < b.begin : a.size > b.size;
                });
    }
  }

  void HexRuns(std::size_t begin, std::size_t end) {
    std::size_t i = begin;
    while (i < end) {
      if (!Has(t_[i], kHex)) {
        ++i;
        continue;
      }
      std::size_t j = i;
      while (j < end && Has(t_[j], kHex)) ++j;
      if (auto kind = HashKindOfHex(View(i, j))) Emit(*kind, i, j);
      i = j;
    }
  }

  // A colon-free piece of a word: local@host, or hosts separated by '+'.
  void Part(std::size_t begin, std::size_t end) {
    std::size_t at = end;
    while (at > begin && t_[at - 1] != '@') --at;
    if (at == begin) {
      Hosts(begin, end);
      return;
    }
    --at;
    const std::size_t host_begin = at + 1;
    std::size_t host_end = host_begin;
    while (host_end < end && t_[host_end] != '+') ++host_end;
    const std::size_t rest = host_end;
    while (host_end > host_begin && t_[host_end - 1] == '.') --host_end;
    if (IsHostNameText(View(host_begin, host_end), 2)) {
      std::size_t local = at;
      while (local > begin && t_[local - 1] != '@') --local;
      if (at > local && at - local <= kMaxLocalBytes) {
        Emit(ObservableKind::kEmail, local, host_end);
      }
      Emit(ObservableKind::kDomain, host_begin, host_end);
    }
    if (rest < end) Hosts(rest + 1, end);
  }

  void Hosts(std::size_t begin, std::size_t end) {
    std::size_t part = begin;
    for (std::size_t i = begin; i <= end; ++i) {
      if (i == end || t_[i] == '+') {
        HostOf(part, i);
        part = i + 1;
      }
    }
  }

  void HostOf(std::size_t begin, std::size_t end) {
    bool quad = true;
    bool dot = false;
    for (std::size_t i = begin; i < end; ++i) {
      const std::uint16_t c = ClassOf(t_[i]);
      quad &= (c & kNotQuad) == 0;
      dot |= (c & kDot) != 0;
    }
    if (dot) Host(begin, end, quad);
  }

  // Dots and digits only: `quad`.
  void Host(std::size_t begin, std::size_t end, bool quad) {
    while (begin < end && t_[begin] == '.') ++begin;
    while (end > begin && t_[end - 1] == '.') --end;
    if (end - begin < 3) return;
    const std::string_view s = View(begin, end);
    if (quad) {
      if (IsIpv4Text(s)) Emit(ObservableKind::kIpv4, begin, end);
    } else if (IsHostNameText(s, 2)) {
      Emit(ObservableKind::kDomain, begin, end);
    }
  }

  // A URL whose scheme ends with the ':' at `colon` (followed by "//").
  void Url(std::size_t colon) {
    std::size_t begin = colon;
    while (begin > last_end_ && colon - begin < kMaxSchemeBytes && Has(t_[begin - 1], kScheme)) {
      --begin;
    }
    while (begin < colon && !Has(t_[begin], kAlpha)) ++begin;
    if (colon - begin < 2) return;
    const std::size_t body = colon + 3;
    std::size_t end = StopOfUrl(body);
    std::size_t open = 0;
    std::size_t close = 0;
    BracketsOfUrl(body, open, close);
    while (end > body) {
      const char c = t_[end - 1];
      if (c == '.' || c == ',' || c == ';' || c == ':' || c == '!' || c == '?') {
        --end;
      } else if ((c == ')' || c == ']' || c == '}') && close > open) {
        --close;
        --end;
      } else {
        break;
      }
    }
    std::size_t authority_end = body;
    while (authority_end < end && t_[authority_end] != '/' && t_[authority_end] != '?' &&
           t_[authority_end] != '#') {
      ++authority_end;
    }
    std::string_view authority = View(body, authority_end);
    if (const std::size_t user = authority.rfind('@'); user != std::string_view::npos) {
      authority.remove_prefix(user + 1);
    }
    if (end - begin > kMaxUrlBytes || !UrlHostOk(authority)) return;
    Emit(ObservableKind::kUrl, begin, end);
  }

  // The first byte that ends a URL at or after `body`. A URL that starts inside the text scanned
  // for the previous one ends where it does, so nested "a://b://…" costs no rescan.
  std::size_t StopOfUrl(std::size_t body) {
    if (body >= url_from_ && body <= url_stop_) return url_stop_;
    url_from_ = body;
    url_stop_ = body;
    url_open_ = url_close_ = 0;
    while (url_stop_ < n_ && !Has(t_[url_stop_], kUrlStop)) {
      const char c = t_[url_stop_];
      url_open_ += c == '(' || c == '[' || c == '{';
      url_close_ += c == ')' || c == ']' || c == '}';
      ++url_stop_;
    }
    counted_ = body;
    counted_open_ = counted_close_ = 0;
    return url_stop_;
  }

  // Opening and closing brackets in [body, url_stop_), from the counts of the scan less those
  // before `body` (bodies only move forward).
  void BracketsOfUrl(std::size_t body, std::size_t& open, std::size_t& close) {
    for (; counted_ < body; ++counted_) {
      const char c = t_[counted_];
      counted_open_ += c == '(' || c == '[' || c == '{';
      counted_close_ += c == ')' || c == ']' || c == '}';
    }
    open = url_open_ - counted_open_;
    close = url_close_ - counted_close_;
  }

  static bool UrlHostOk(std::string_view authority) {
    if (authority.empty()) return false;
    if (authority.front() == '[') {
      const std::size_t close = authority.find(']');
      if (close == std::string_view::npos) return false;
      const std::string_view after = authority.substr(close + 1);
      if (!after.empty() && (after.front() != ':' || !IsPortText(after.substr(1)))) return false;
      return IsIpv6Text(authority.substr(1, close - 1));
    }
    std::string_view host = authority;
    if (const std::size_t c = authority.find(':'); c != std::string_view::npos) {
      host = authority.substr(0, c);
      if (!IsPortText(authority.substr(c + 1))) return false;
    }
    if (host.find('%') == std::string_view::npos) {
      return IsIpv4Text(host) || IsHostNameText(host, 1);
    }
    char decoded[kMaxHostBytes];
    std::size_t size = 0;
    for (std::size_t i = 0; i < host.size(); ++i) {
      if (size == sizeof(decoded)) return false;
      char c = host[i];
      if (c == '%') {
        if (i + 2 >= host.size() || HexDigit(host[i + 1]) < 0 || HexDigit(host[i + 2]) < 0) {
          return false;
        }
        c = static_cast<char>(HexDigit(host[i + 1]) * 16 + HexDigit(host[i + 2]));
        i += 2;
      }
      decoded[size++] = c;
    }
    const std::string_view text(decoded, size);
    return IsIpv4Text(text) || IsHostNameText(text, 1);
  }

  const char* t_;
  std::size_t n_;
  std::vector<Token>& out_;
  std::size_t last_end_ = 0;  // end of the last word processed
  // The last URL scan: its start, its stop, its brackets, and those counted up to counted_.
  std::size_t url_from_ = 0;
  std::size_t url_stop_ = 0;
  std::size_t url_open_ = 0;
  std::size_t url_close_ = 0;
  std::size_t counted_ = 0;
  std::size_t counted_open_ = 0;
  std::size_t counted_close_ = 0;
};

}  // namespace

void Tokenize(std::string_view text, std::vector<Token>& out) {
  if (text.size() > kMaxTokenizeBytes) text = text.substr(0, kMaxTokenizeBytes);
  // Every token has a '.', ':' or '@', or is a run of at least 32 hex digits: a short field
  // without those three (a user name, "text/html", a method) has none, and is not worth a scan.
  if (text.size() < 32 && std::none_of(text.begin(), text.end(),
                                       [](char c) { return c == '.' || c == ':' || c == '@'; })) {
    return;
  }
  Scanner(text, out).Run();
}

bool IsIpv4Text(std::string_view s) {
  if (s.size() < 7 || s.size() > 15) return false;
  int parts = 0;
  std::size_t i = 0;
  while (true) {
    std::size_t j = i;
    unsigned value = 0;
    while (j < s.size() && j - i < 4 && Has(s[j], kDigit)) {
      value = value * 10 + static_cast<unsigned>(s[j] - '0');
      ++j;
    }
    const std::size_t digits = j - i;
    if (digits == 0 || digits > 3 || value > 255 || (digits > 1 && s[i] == '0')) return false;
    ++parts;
    if (j == s.size()) break;
    if (s[j] != '.' || parts == 4) return false;
    i = j + 1;
  }
  return parts == 4;
}

bool IsIpv6Text(std::string_view s) {
  if (s.size() < 2 || s.size() > 45) return false;
  int count = 0;
  bool gap = false;
  std::size_t i = 0;
  if (s[0] == ':') {
    if (s[1] != ':') return false;
    gap = true;
    i = 2;
  }
  while (i < s.size()) {
    std::size_t end = i;
    bool dotted = false;
    while (end < s.size() && s[end] != ':') {
      dotted |= s[end] == '.';
      ++end;
    }
    const std::string_view part = s.substr(i, end - i);
    if (part.empty()) return false;
    if (dotted) {
      if (end != s.size() || count > 6 || !IsIpv4Text(part)) return false;
      count += 2;
      break;
    }
    if (part.size() > 4 || count >= 8) return false;
    for (char c : part) {
      if (!Has(c, kHex)) return false;
    }
    ++count;
    if (end == s.size()) break;
    if (end + 1 < s.size() && s[end + 1] == ':') {
      if (gap) return false;
      gap = true;
      i = end + 2;
    } else {
      i = end + 1;
      if (i == s.size()) return false;
    }
  }
  return gap ? count <= 7 : count == 8;
}

bool IsHostNameText(std::string_view s, int min_labels) {
  if (s.empty() || s.size() > kMaxHostBytes) return false;
  int labels = 0;
  std::size_t i = 0;
  while (true) {
    std::size_t j = i;
    while (j < s.size() && Has(s[j], kLabel)) ++j;
    const std::size_t size = j - i;
    if (size == 0 || size > 63 || s[i] == '-' || s[j - 1] == '-') return false;
    ++labels;
    if (j == s.size()) {
      // The last label: a letter first, no '_', two bytes or more.
      if (size < 2 || !Has(s[i], kAlpha)) return false;
      for (std::size_t k = i; k < j; ++k) {
        if (s[k] == '_') return false;
      }
      break;
    }
    if (s[j] != '.') return false;
    i = j + 1;
  }
  return labels >= min_labels;
}

std::optional<ObservableKind> HashKindOfHex(std::string_view s) {
  switch (s.size()) {
    case 32:
      return ObservableKind::kMd5;
    case 40:
      return ObservableKind::kSha1;
    case 64:
      return ObservableKind::kSha256;
    case 128:
      return ObservableKind::kSha512;
    default:
      return std::nullopt;
  }
}

std::optional<HostText> ParseHostText(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  if (s.empty() || s.size() > kMaxHostBytes + 8) return std::nullopt;
  if (s.front() == '[') {
    const std::size_t close = s.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    const std::string_view after = s.substr(close + 1);
    if (!after.empty() && (after.front() != ':' || !IsPortText(after.substr(1)))) {
      return std::nullopt;
    }
    const std::string_view inside = s.substr(1, close - 1);
    if (!IsIpv6Text(inside)) return std::nullopt;
    return HostText{ObservableKind::kIpv6, inside};
  }
  const std::size_t colon = s.find(':');
  if (colon != std::string_view::npos && s.find(':', colon + 1) != std::string_view::npos) {
    if (!IsIpv6Text(s)) return std::nullopt;
    return HostText{ObservableKind::kIpv6, s};
  }
  if (colon != std::string_view::npos) {
    if (!IsPortText(s.substr(colon + 1))) return std::nullopt;
    s = s.substr(0, colon);
  }
  if (!s.empty() && s.back() == '.') s.remove_suffix(1);
  if (IsIpv4Text(s)) return HostText{ObservableKind::kIpv4, s};
  if (IsHostNameText(s, 2)) return HostText{ObservableKind::kDomain, s};
  return std::nullopt;
}

}  // namespace caduceus::sweep
