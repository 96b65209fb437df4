#include "sweep/line_filter.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "sweep/hex_runs.h"

namespace caduceus::sweep {
namespace {

constexpr bool IsDigit(char c) { return c >= '0' && c <= '9'; }
constexpr bool IsHex(char c) {
  return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
constexpr bool IsName(char c) {
  return IsDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '-' ||
         c == '.';
}
constexpr bool IsEscapeLetter(char c) {
  return c == 'n' || c == 'r' || c == 't' || c == 'b' || c == 'f';
}
constexpr bool IsSpecial(unsigned char c) { return c >= 0x80 || c == '%' || c == '|'; }

using Block = detail::LineBlock;
using Rows = detail::LineRows;

}  // namespace

// The helpers of the scanning functions: GCC inlines a function into one built for another
// processor (CADUCEUS_LINE_FILTER_CLONES) only when told to, and a call per run costs about as
// much as the run.
#define CADUCEUS_INLINE inline __attribute__((always_inline))

// One bit per byte of a 64-byte block.
struct detail::LineBlock {
  std::uint64_t name = 0;       // [A-Za-z0-9_.-]
  std::uint64_t dot = 0;        // .
  std::uint64_t hex = 0;        // [0-9A-Fa-f]
  std::uint64_t digit = 0;      // [0-9]
  std::uint64_t colon = 0;      // :
  std::uint64_t special = 0;    // >= 0x80 % |
  std::uint64_t backslash = 0;  // the byte \ (backslash)
  std::uint64_t paren = 0;      // (
  std::uint64_t newline = 0;    // \n
  std::uint64_t lead = 0;       // # space \t to \r

  std::array<std::uint64_t*, 10> all() {
    return {&name, &dot, &hex, &digit, &colon, &special, &backslash, &paren, &newline, &lead};
  }
};

// Where the masks of blocks go: word w of each. The address mask is hex | colon | dot; the
// special mask leaves out a '(' before a byte other than a digit, which LineFilter::Specials
// passes over (only "(3)www" is a DNS wire label; bit 63 is kept: the byte after is in the next
// word).
struct detail::LineRows {
  std::uint64_t* name;
  std::uint64_t* dot;
  std::uint64_t* hex;
  std::uint64_t* digit;
  std::uint64_t* colon;
  std::uint64_t* address;
  std::uint64_t* special;
  std::uint64_t* backslash;
  std::uint64_t* newline;
  std::uint64_t* lead;

  void Store(std::size_t w, const detail::LineBlock& b) const {
    name[w] = b.name;
    dot[w] = b.dot;
    hex[w] = b.hex;
    digit[w] = b.digit;
    colon[w] = b.colon;
    address[w] = b.hex | b.colon | b.dot;
    special[w] = b.special | (b.paren & ((b.digit >> 1) | (std::uint64_t{1} << 63)));
    backslash[w] = b.backslash;
    newline[w] = b.newline;
    lead[w] = b.lead;
  }
};

namespace {

Block ClassifyPortable(const char* p) {
  Block b;
  for (int i = 0; i < 64; ++i) {
    const char c = p[i];
    const std::uint64_t bit = std::uint64_t{1} << i;
    if (IsName(c)) b.name |= bit;
    if (c == '.') b.dot |= bit;
    if (IsHex(c)) b.hex |= bit;
    if (IsDigit(c)) b.digit |= bit;
    if (c == ':') b.colon |= bit;
    if (IsSpecial(static_cast<unsigned char>(c))) b.special |= bit;
    if (c == '\\') b.backslash |= bit;
    if (c == '(') b.paren |= bit;
    if (c == '\n') b.newline |= bit;
    if (LineFilter::Leads(c)) b.lead |= bit;
  }
  return b;
}

#if defined(__x86_64__)
// The same masks 32 bytes at a time, for processors with AVX2 (chosen at run time).
__attribute__((target("avx2"))) __m256i InRange32(__m256i v, char low, int count) {
  // Unsigned (v - low) < count, byte by byte, as a signed comparison.
  return _mm256_cmpgt_epi8(_mm256_set1_epi8(static_cast<char>(0x80 + count)),
                           _mm256_add_epi8(v, _mm256_set1_epi8(static_cast<char>(0x80 - low))));
}

__attribute__((target("avx2"))) std::uint64_t Bits32(__m256i v, int half) {
  return static_cast<std::uint64_t>(static_cast<std::uint32_t>(_mm256_movemask_epi8(v)))
         << (32 * half);
}

__attribute__((target("avx2"))) Block ClassifyAvx2(const char* p) {
  Block b;
  for (int half = 0; half < 2; ++half) {
    const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 32 * half));
    const __m256i lower = _mm256_or_si256(v, _mm256_set1_epi8(0x20));
    const __m256i digit = InRange32(v, '0', 10);
    const __m256i alpha = InRange32(lower, 'a', 26);
    const __m256i hex_letter = InRange32(lower, 'a', 6);
    const __m256i dot = _mm256_cmpeq_epi8(v, _mm256_set1_epi8('.'));
    const __m256i marks = _mm256_or_si256(_mm256_cmpeq_epi8(v, _mm256_set1_epi8('_')),
                                          _mm256_cmpeq_epi8(v, _mm256_set1_epi8('-')));
    const __m256i special = _mm256_or_si256(_mm256_cmpeq_epi8(v, _mm256_set1_epi8('%')),
                                            _mm256_cmpeq_epi8(v, _mm256_set1_epi8('|')));
    b.name |=
        Bits32(_mm256_or_si256(_mm256_or_si256(alpha, digit), _mm256_or_si256(dot, marks)), half);
    b.dot |= Bits32(dot, half);
    b.hex |= Bits32(_mm256_or_si256(digit, hex_letter), half);
    b.digit |= Bits32(digit, half);
    b.colon |= Bits32(_mm256_cmpeq_epi8(v, _mm256_set1_epi8(':')), half);
    b.special |= Bits32(_mm256_or_si256(special, v), half);  // the sign bit: bytes >= 0x80
    b.backslash |= Bits32(_mm256_cmpeq_epi8(v, _mm256_set1_epi8('\\')), half);
    b.paren |= Bits32(_mm256_cmpeq_epi8(v, _mm256_set1_epi8('(')), half);
    b.newline |= Bits32(_mm256_cmpeq_epi8(v, _mm256_set1_epi8('\n')), half);
    b.lead |= Bits32(_mm256_or_si256(_mm256_or_si256(InRange32(v, '\t', 5),
                                                     _mm256_cmpeq_epi8(v, _mm256_set1_epi8(' '))),
                                     _mm256_cmpeq_epi8(v, _mm256_set1_epi8('#'))),
                     half);
  }
  return b;
}

// And 64 bytes at a time with AVX-512BW, whose comparisons give the masks directly.
__attribute__((target("avx512bw"))) std::uint64_t InRange64(__m512i v, char low, int count) {
  const __m512i shifted = _mm512_sub_epi8(v, _mm512_set1_epi8(low));
  return _mm512_cmplt_epu8_mask(shifted, _mm512_set1_epi8(static_cast<char>(count)));
}

__attribute__((target("avx512bw"))) Block ClassifyAvx512(const char* p) {
  const __m512i v = _mm512_loadu_si512(p);
  const __m512i lower = _mm512_or_si512(v, _mm512_set1_epi8(0x20));
  Block b;
  b.digit = InRange64(v, '0', 10);
  const std::uint64_t alpha = InRange64(lower, 'a', 26);
  b.dot = _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8('.'));
  b.name = alpha | b.digit | b.dot | _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8('_')) |
           _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8('-'));
  b.hex = b.digit | InRange64(lower, 'a', 6);
  b.colon = _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8(':'));
  b.special = _mm512_movepi8_mask(v) | _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8('%')) |
              _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8('|'));
  b.backslash = _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8('\\'));
  b.paren = _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8('('));
  b.newline = _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8('\n'));
  b.lead = InRange64(v, '\t', 5) | _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8(' ')) |
           _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8('#'));
  return b;
}
#endif

// With AVX-512 VBMI, a byte's classes come from one lookup in a table of the 128 ASCII bytes
// (VPERMI2B), each mask from one test of it: half the instructions of the comparisons above.
enum ClassBit : std::uint8_t {
  kClassName = 1,
  kClassDot = 2,
  kClassHex = 4,
  kClassDigit = 8,
  kClassColon = 16,
  kClassSpecial = 32,  // % | (bytes of 0x80 or more are not in the table)
  kClassLead = 64,
  kClassNewline = 128,
};

constexpr std::array<std::uint8_t, 128> kAsciiClasses = [] {
  std::array<std::uint8_t, 128> t{};
  for (int c = 0; c < 128; ++c) {
    const auto ch = static_cast<char>(c);
    std::uint8_t v = 0;
    if (IsName(ch)) v |= kClassName;
    if (ch == '.') v |= kClassDot;
    if (IsHex(ch)) v |= kClassHex;
    if (IsDigit(ch)) v |= kClassDigit;
    if (ch == ':') v |= kClassColon;
    if (IsSpecial(static_cast<unsigned char>(ch))) v |= kClassSpecial;
    if (LineFilter::Leads(ch)) v |= kClassLead;
    if (ch == '\n') v |= kClassNewline;
    t[static_cast<std::size_t>(c)] = v;
  }
  return t;
}();

#if defined(__x86_64__)
__attribute__((target("avx512bw,avx512vbmi"))) std::uint64_t Class64(__m512i classes,
                                                                     ClassBit bit) {
  return _mm512_test_epi8_mask(classes, _mm512_set1_epi8(static_cast<char>(bit)));
}

__attribute__((target("avx512bw,avx512vbmi"))) Block ClassifyAvx512Vbmi(const char* p,
                                                                        __m512i low,
                                                                        __m512i high) {
  const __m512i v = _mm512_loadu_si512(p);
  const std::uint64_t non_ascii = _mm512_movepi8_mask(v);
  const __m512i classes = _mm512_maskz_permutex2var_epi8(~non_ascii, low, v, high);
  Block b;
  b.name = Class64(classes, kClassName);
  b.dot = Class64(classes, kClassDot);
  b.hex = Class64(classes, kClassHex);
  b.digit = Class64(classes, kClassDigit);
  b.colon = Class64(classes, kClassColon);
  b.special = non_ascii | Class64(classes, kClassSpecial);
  b.backslash = _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8('\\'));
  b.paren = _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8('('));
  b.newline = Class64(classes, kClassNewline);
  b.lead = Class64(classes, kClassLead);
  return b;
}
#endif

// The masks of `blocks` whole blocks at p, into words 0 to blocks - 1 of `rows`: one loop per
// instruction set, so that the block's classification is inlined into it.
void ClassifyBlocksPortable(const char* p, std::size_t blocks, const Rows& rows) {
  for (std::size_t w = 0; w < blocks; ++w) rows.Store(w, ClassifyPortable(p + 64 * w));
}

#if defined(__x86_64__)
__attribute__((target("avx2"))) void ClassifyBlocksAvx2(const char* p,
                                                        std::size_t blocks,
                                                        const Rows& rows) {
  for (std::size_t w = 0; w < blocks; ++w) rows.Store(w, ClassifyAvx2(p + 64 * w));
}

__attribute__((target("avx512bw"))) void ClassifyBlocksAvx512(const char* p,
                                                              std::size_t blocks,
                                                              const Rows& rows) {
  for (std::size_t w = 0; w < blocks; ++w) rows.Store(w, ClassifyAvx512(p + 64 * w));
}

__attribute__((target("avx512bw,avx512vbmi"))) void ClassifyBlocksAvx512Vbmi(const char* p,
                                                                             std::size_t blocks,
                                                                             const Rows& rows) {
  const __m512i low = _mm512_loadu_si512(kAsciiClasses.data());
  const __m512i high = _mm512_loadu_si512(kAsciiClasses.data() + 64);
  for (std::size_t w = 0; w < blocks; ++w) {
    rows.Store(w, ClassifyAvx512Vbmi(p + 64 * w, low, high));
  }
}
#endif

// The set bits of n words: with the POPCNT instruction where the processor has it (every one
// with AVX2), since the portable std::popcount is a library call.
inline __attribute__((always_inline)) std::size_t CountBits(const std::uint64_t* words,
                                                            std::size_t n) {
  std::size_t count = 0;
  for (std::size_t i = 0; i < n; ++i) count += static_cast<std::size_t>(std::popcount(words[i]));
  return count;
}

std::size_t CountBitsPortable(const std::uint64_t* words, std::size_t n) {
  return CountBits(words, n);
}

#if defined(__x86_64__)
__attribute__((target("popcnt"))) std::size_t CountBitsPopcnt(const std::uint64_t* words,
                                                              std::size_t n) {
  return CountBits(words, n);
}
#endif

// Whether the filter uses the extensions this processor has; not when built as a processor with
// none of them runs it (CADUCEUS_SWEEP_BASELINE, line_filter.h).
#if defined(CADUCEUS_SWEEP_BASELINE)
constexpr bool kExtensions = false;
#else
constexpr bool kExtensions = true;
#endif

std::size_t (*PickCounter())(const std::uint64_t*, std::size_t) {
#if defined(__x86_64__)
  __builtin_cpu_init();
  if (kExtensions && __builtin_cpu_supports("popcnt")) return CountBitsPopcnt;
#endif
  return CountBitsPortable;
}

using Isa = LineFilter::Isa;

void (*PickClassifier(Isa isa))(const char*, std::size_t, const Rows&) {
#if defined(__x86_64__)
  const bool best = isa == Isa::kBest;
  if ((best || isa == Isa::kAvx512Vbmi) && LineFilter::Runs(Isa::kAvx512Vbmi)) {
    return ClassifyBlocksAvx512Vbmi;
  }
  if ((best || isa == Isa::kAvx512) && LineFilter::Runs(Isa::kAvx512)) {
    return ClassifyBlocksAvx512;
  }
  if ((best || isa == Isa::kAvx2) && LineFilter::Runs(Isa::kAvx2)) return ClassifyBlocksAvx2;
#endif
  return ClassifyBlocksPortable;
}

// The first position of the run of set bits of `mask` that holds bit i. A run of a log mostly
// starts in the word of i or the one before: both are looked at without a branch between them.
CADUCEUS_INLINE std::size_t RunBegin(const std::vector<std::uint64_t>& mask, std::size_t i) {
  std::size_t w = i / 64;
  const std::uint64_t outside = ~mask[w] & ((std::uint64_t{1} << (i % 64)) - 1);
  const std::uint64_t before = w == 0 ? ~std::uint64_t{0} : ~mask[w - 1];  // the text's start
  const std::size_t here = w * 64 + 64 - static_cast<std::size_t>(std::countl_zero(outside));
  const std::size_t there = w * 64 - static_cast<std::size_t>(std::countl_zero(before));
  if ((outside | before) != 0) return outside != 0 ? here : there;
  for (std::size_t v = w - 1; v-- > 0;) {  // a run of more than 64 bytes (w is 1 or more)
    const std::uint64_t bits = ~mask[v];
    if (bits != 0) return v * 64 + 64 - static_cast<std::size_t>(std::countl_zero(bits));
  }
  return 0;
}

// One past the last position of that run (the zero word after the text ends every run), from
// the word of i and the next without a branch between them.
CADUCEUS_INLINE std::size_t RunEnd(const std::vector<std::uint64_t>& mask, std::size_t i) {
  std::size_t w = i / 64;
  const std::uint64_t below =
      (std::uint64_t{2} << (i % 64)) - 1;  // bits 0..i (all when i%64 is 63)
  const std::uint64_t outside = ~mask[w] & ~below;
  const std::uint64_t after = ~mask[w + 1];
  const std::size_t here = w * 64 + static_cast<std::size_t>(std::countr_zero(outside));
  const std::size_t there = w * 64 + 64 + static_cast<std::size_t>(std::countr_zero(after));
  if (outside != 0 || after != 0) return outside != 0 ? here : there;
  for (w += 2;; ++w) {  // a run of more than 64 bytes
    const std::uint64_t bits = ~mask[w];
    if (bits != 0) return w * 64 + static_cast<std::size_t>(std::countr_zero(bits));
  }
}

// a + b + carry, with the carry out of bit 63 in `carry` (0 or 1) for the next word.
CADUCEUS_INLINE std::uint64_t Add(std::uint64_t a, std::uint64_t b, std::uint64_t& carry) {
  std::uint64_t sum = 0;
  const bool over = __builtin_add_overflow(a, b, &sum);
  carry = static_cast<std::uint64_t>(over | __builtin_add_overflow(sum, carry, &sum));
  return sum;
}

// The bits of word w at positions `from` and after.
CADUCEUS_INLINE std::uint64_t From(std::uint64_t bits, std::size_t w, std::size_t from) {
  if (from <= w * 64) return bits;
  if (from >= w * 64 + 64) return 0;
  return bits & ~((std::uint64_t{1} << (from - w * 64)) - 1);
}

// The bits of word w of `mask` at positions in [begin, end).
CADUCEUS_INLINE std::uint64_t Window(const std::vector<std::uint64_t>& mask,
                                     std::size_t w,
                                     std::size_t begin,
                                     std::size_t end) {
  std::uint64_t bits = From(mask[w], w, begin);
  if (end < w * 64 + 64) bits &= (std::uint64_t{1} << (end - w * 64)) - 1;
  return bits;
}

// Whether two colons follow each other in [begin, end).
bool DoubleColon(const std::vector<std::uint64_t>& colon, std::size_t begin, std::size_t end) {
  for (std::size_t w = begin / 64; w * 64 < end; ++w) {
    const std::uint64_t bits = Window(colon, w, begin, end);
    const std::uint64_t next = (bits >> 1) | ((colon[w + 1] & 1) << 63);  // bit i: byte i+1
    if ((bits & next) != 0) return true;
  }
  return false;
}

// The last set bit of `mask` in [begin, end), or `end` when there is none.
std::size_t LastBit(const std::vector<std::uint64_t>& mask, std::size_t begin, std::size_t end) {
  if (begin >= end) return end;
  if (begin / 64 == (end - 1) / 64) {  // the usual case: one word
    const std::size_t w = begin / 64;
    const std::uint64_t bits = Window(mask, w, begin, end);
    return bits == 0 ? end : w * 64 + 63 - static_cast<std::size_t>(std::countl_zero(bits));
  }
  for (std::size_t w = (end - 1) / 64 + 1; w-- > begin / 64;) {
    const std::uint64_t bits = Window(mask, w, begin, end);
    if (bits != 0) return w * 64 + 63 - static_cast<std::size_t>(std::countl_zero(bits));
  }
  return end;
}

// The start of the line that holds position i of a text, from its newline mask.
std::size_t LineStart(const std::vector<std::uint64_t>& newline, std::size_t i) {
  const std::size_t last = LastBit(newline, 0, i);
  return last == i ? 0 : last + 1;
}

// The bits of `mask` at positions begin to begin + 63 as bits 0 to 63: a run of 64 bytes or less
// is looked at through one word, wherever it lies (the zero word after a text ends every run).
CADUCEUS_INLINE std::uint64_t At(const std::vector<std::uint64_t>& mask, std::size_t begin) {
  const std::size_t w = begin / 64;
  const auto s = static_cast<unsigned>(begin % 64);
  return (mask[w] >> s) | ((mask[w + 1] << 1) << (63 - s));
}

// Bits 0 to n - 1 (n from 1 to 64).
CADUCEUS_INLINE std::uint64_t Low(std::size_t n) { return ~std::uint64_t{0} >> (64 - n); }

// A run [begin, end) of digits with dots at d0 < d1 < d2 only, as an address, as the index reads
// one: false for octets above 255 or with a leading zero (the index does not take those
// either). Without a branch per octet (their sizes are as good as random): each is read from
// its first, middle and last bytes, weighed by its size.
CADUCEUS_INLINE bool ParseQuadAt(const char* text,
                                 std::size_t begin,
                                 std::size_t d0,
                                 std::size_t d1,
                                 std::size_t d2,
                                 std::size_t end,
                                 std::uint32_t& address) {
  // By an octet's size: the weights of its first and middle bytes (its last byte's is 1; a
  // single digit is its own last byte).
  static constexpr std::uint32_t kFirst[4] = {0, 0, 10, 100};
  static constexpr std::uint32_t kMiddle[4] = {0, 0, 0, 10};
  const std::size_t starts[4] = {begin, d0 + 1, d1 + 1, d2 + 1};
  const std::size_t ends[4] = {d0, d1, d2, end};
  std::uint32_t value = 0;
  std::uint32_t bad = 0;
  for (int i = 0; i < 4; ++i) {
    const std::size_t size = ends[i] - starts[i];
    if (size - 1 > 2) return false;  // 0 or more than 3 digits
    const auto* octet = reinterpret_cast<const unsigned char*>(text + starts[i]);
    const std::uint32_t first = octet[0] - '0';
    const std::uint32_t v =
        first * kFirst[size] + (octet[size / 2] - '0') * kMiddle[size] + (octet[size - 1] - '0');
    bad |= static_cast<std::uint32_t>(v > 255) |
           (static_cast<std::uint32_t>(first == 0) & static_cast<std::uint32_t>(size != 1));
    value = (value << 8) | v;
  }
  address = value;
  return bad == 0;
}

}  // namespace

bool LineFilter::Runs(Isa isa) {
  if (isa == Isa::kBest || isa == Isa::kPortable) return true;
#if defined(__x86_64__)
  __builtin_cpu_init();
  switch (isa) {
    case Isa::kAvx2:
      return kExtensions && __builtin_cpu_supports("avx2");
    case Isa::kAvx512:
      return kExtensions && __builtin_cpu_supports("avx512bw");
    case Isa::kAvx512Vbmi:
      return kExtensions && __builtin_cpu_supports("avx512bw") &&
             __builtin_cpu_supports("avx512vbmi");
    default:
      break;
  }
#endif
  return false;
}

LineFilter::LineFilter(const Index& index, Isa isa)
    : index_(index),
      facts_(index.line_filter_facts()),
      tables_(index.line_tables()),
      classify_(PickClassifier(isa)),
      count_bits_(PickCounter()) {}

bool LineFilter::MayMatch(std::string_view line) {
  return !facts_.usable || Scan(line, 0, nullptr);
}

std::size_t LineFilter::Keep(std::string_view lines, std::vector<Kept>& keep) {
  keep.clear();
  if (!facts_.usable) {
    std::uint32_t index = 0;
    for (std::size_t at = 0; at < lines.size(); at = lines.find('\n', at) + 1) {
      keep.push_back(Kept{static_cast<std::uint32_t>(at), index++});
    }
    return index;
  }
  std::vector<std::uint32_t>& starts = starts_;
  starts.clear();
  Scan(lines, 0, &starts);
  // Lines that start with a byte a reader must see (the first one, then after each "\n").
  const Masks& m = masks_[0];
  std::uint64_t carry = 1;
  for (std::size_t w = 0; w < m.words; ++w) {
    const std::uint64_t begins = (m.newline[w] << 1) | carry;
    carry = m.newline[w] >> 63;
    for (std::uint64_t bits = begins & m.lead[w]; bits != 0; bits &= bits - 1) {
      starts.push_back(static_cast<std::uint32_t>(w * 64 + std::countr_zero(bits)));
    }
  }
  std::sort(starts.begin(), starts.end());
  starts.erase(std::unique(starts.begin(), starts.end()), starts.end());
  // Each line's index: the newlines before it, counted word by word.
  std::size_t newlines = 0;
  std::size_t w = 0;
  for (const std::uint32_t start : starts) {
    newlines += count_bits_(m.newline.data() + w, start / 64 - w);
    w = start / 64;
    const std::uint64_t below = m.newline[w] & ((std::uint64_t{1} << (start % 64)) - 1);
    keep.push_back(Kept{start, static_cast<std::uint32_t>(newlines + std::popcount(below))});
  }
  return newlines + count_bits_(m.newline.data() + w, m.words - w);
}

void LineFilter::Probes::Clear() {
  texts.clear();
  hosts.clear();
  tails.clear();
  quads.clear();
  set.clear();
}

bool LineFilter::Found(const Masks& m, std::size_t at, std::vector<std::uint32_t>* keep) const {
  if (keep == nullptr) return true;
  keep->push_back(static_cast<std::uint32_t>(LineStart(m.newline, at)));
  return false;
}

void LineFilter::Classify(std::string_view text, Masks& m) {
  const std::size_t n = text.size();
  const std::size_t words = (n + 63) / 64;
  std::vector<std::uint64_t>* const all[] = {&m.name,    &m.dot,     &m.hex,     &m.digit,
                                             &m.colon,   &m.address, &m.special, &m.backslash,
                                             &m.newline, &m.lead};
  if (m.name.size() < words + 1) {
    for (auto* v : all) v->resize(words + 1);
  }
  const Rows rows{m.name.data(),    m.dot.data(),     m.hex.data(),     m.digit.data(),
                  m.colon.data(),   m.address.data(), m.special.data(), m.backslash.data(),
                  m.newline.data(), m.lead.data()};
  const std::size_t whole = n / 64;
  classify_(text.data(), whole, rows);
  if (whole < words) {
    Block b;                    // the last block, which the text does not fill
    std::uint64_t address = 0;  // made again from the other masks by Store
    const Rows one{&b.name,  &b.dot,     &b.hex,       &b.digit,   &b.colon,
                   &address, &b.special, &b.backslash, &b.newline, &b.lead};
    if (n >= 64) {
      // The last 64 bytes of the text, shifted to drop those the block before holds.
      classify_(text.data() + n - 64, 1, one);
      const auto drop = static_cast<int>(whole * 64 + 64 - n);
      for (std::uint64_t* x : b.all()) *x >>= drop;
    } else {
      char tail[64];
      std::memset(tail, 'x', sizeof(tail));
      std::memcpy(tail, text.data(), n);
      classify_(tail, 1, one);
      const std::uint64_t inside = (std::uint64_t{1} << n) - 1;
      for (std::uint64_t* x : b.all()) *x &= inside;
    }
    rows.Store(whole, b);
  }
  for (auto* v : all) (*v)[words] = 0;
  m.words = words;
}

CADUCEUS_LINE_FILTER_CLONES bool LineFilter::Scan(std::string_view text,
                                                  int depth,
                                                  std::vector<std::uint32_t>* keep) {
  Masks& m = masks_[depth];
  Classify(text, m);
  std::uint64_t special = 0;
  for (std::size_t w = 0; w < m.words; ++w) special |= m.special[w] | m.backslash[w];
  m.escapes.clear();
  if (special != 0 && Specials(text, depth, m, keep)) return true;
  // The texts' hashes are gathered first and their filter words loaded together, so that the
  // cache misses of a line overlap; addresses are looked up at once.
  Probes& probes = probes_[depth];
  probes.Clear();
  NameRuns(text, depth > 0, m, probes);
  if (facts_.digests) HexRuns(text, m, probes);
  if (facts_.addresses && AddressRuns(text, m, keep)) return true;
  for (const Quad& quad : probes.quads) {
    const std::uint32_t bucket = quad.address >> tables_.v4_shift;  // most quads end here
    if (((tables_.v4[bucket / 64] >> (bucket % 64)) & 1) != 0) [[unlikely]] {
      index_.PrefetchIpv4(quad.address);
      probes.set.push_back(quad);
    }
  }
  for (const Whole& probe : probes.texts) {
    if (tables_.texts->May(probe.hash) && Found(m, probe.begin, keep)) return true;
  }
  for (const Whole& probe : probes.hosts) {
    if (tables_.hosts->May(probe.hash) && Found(m, probe.begin, keep)) return true;
  }
  for (const Tail& probe : probes.tails) {
    if (!tables_.tails->May(probe.hash)) [[likely]]
      continue;
    // Some key's text ends in the run's last two labels: the run and each suffix after a dot
    // that has two labels or more.
    const std::string_view run = text.substr(probe.begin, probe.size);
    // Suffixes longer than any key's text are skipped (a long run would cost its square); the
    // last two labels are probed even when they are longer (they passed the tail filter by
    // chance).
    const std::size_t two = run.size() - probe.tail;
    std::size_t from = 0;
    if (run.size() > facts_.max_text) {
      from = std::min(run.size() - facts_.max_text, two);
      while (from < two && run[from - 1] != '.') ++from;
    }
    for (;;) {
      if (tables_.texts->May(detail::LineTextHash(run.substr(from)))) {
        if (Found(m, probe.begin, keep)) return true;
        break;
      }
      if (from == two) break;
      while (run[from] != '.') ++from;
      ++from;
    }
  }
  for (const Quad& quad : probes.set) {
    if (index_.LineMayHoldIpv4(quad.address) && Found(m, quad.begin, keep)) return true;
  }
  return false;
}

// The bytes the runs cannot see past. True when the line must be let through (or decoded bytes
// of it matched).
CADUCEUS_LINE_FILTER_CLONES bool LineFilter::Specials(std::string_view text,
                                                      int depth,
                                                      Masks& m,
                                                      std::vector<std::uint32_t>* keep) {
  const std::size_t n = text.size();
  std::size_t leef_seen_to = 0;  // the lines before this position have been looked at
  std::size_t decoded_to = 0;    // a span is decoded once, not once per escape in it
  for (std::size_t w = 0; w < m.words; ++w) {
    for (std::uint64_t bits = m.special[w]; bits != 0; bits &= bits - 1) {
      const std::size_t i = w * 64 + static_cast<std::size_t>(std::countr_zero(bits));
      const char c = text[i];
      if (static_cast<unsigned char>(c) >= 0x80) {
        if (Found(m, i, keep)) return true;
        continue;
      }
      switch (c) {
        case '%':
          if (i >= decoded_to && i + 2 < n && IsHex(text[i + 1]) && IsHex(text[i + 2]) &&
              ProbeDecoded(text, i, depth, decoded_to) && Found(m, i, keep)) {
            return true;
          }
          break;
        case '(': {
          // "(3)www": a DNS wire label (a length, then that many name bytes).
          std::size_t k = i + 1;
          unsigned length = 0;
          while (k < n && k - i <= 3 && IsDigit(text[k])) {
            length = length * 10 + static_cast<unsigned>(text[k] - '0');
            ++k;
          }
          if (k > i + 1 && k + 1 < n && text[k] == ')' && length > 0 && IsName(text[k + 1]) &&
              Found(m, i, keep)) {
            return true;
          }
          break;
        }
        case '|':
          if (i >= leef_seen_to) {
            // The line that holds the '|'.
            const std::size_t begin = LineStart(m.newline, i);
            leef_seen_to = std::min(text.find('\n', i), n);
            const std::string_view line = text.substr(begin, leef_seen_to - begin);
            for (std::size_t at = line.find("LEEF:"); at != std::string_view::npos;
                 at = line.find("LEEF:", at + 5)) {
              if (line.substr(at + 5, 4) != "1.0|") {
                if (Found(m, i, keep)) return true;
                break;
              }
            }
          }
          break;
        default:
          break;
      }
    }
  }
  // Backslashes: only a run of odd length escapes the byte after it (an even one is escaped
  // backslashes), so only those are looked at, found with carries across the words as simdjson
  // finds its string escapes. Their spans are decoded apart from the percent escapes' above.
  constexpr std::uint64_t kEven = 0x5555555555555555ULL;  // the bits at even positions
  std::uint64_t carry = 0;  // 1: the word before ended in a run of odd length so far
  decoded_to = 0;
  for (std::size_t w = 0; w < m.words; ++w) {
    const std::uint64_t backslash = m.backslash[w];
    if ((backslash | carry) == 0) continue;
    const std::uint64_t starts = backslash & ~(backslash << 1);
    const std::uint64_t even_start_mask = kEven ^ carry;
    const std::uint64_t even_starts = starts & even_start_mask;
    const std::uint64_t odd_starts = starts & ~even_start_mask;
    const std::uint64_t even_carries = backslash + even_starts;
    std::uint64_t odd_carries = 0;
    const bool odd_out = __builtin_add_overflow(backslash, odd_starts, &odd_carries);
    odd_carries |= carry;
    carry = odd_out ? 1 : 0;
    // The byte after each run of odd length.
    const std::uint64_t escaped =
        (even_carries & ~backslash & ~kEven) | (odd_carries & ~backslash & kEven);
    for (std::uint64_t bits = escaped; bits != 0; bits &= bits - 1) {
      const std::size_t j = w * 64 + static_cast<std::size_t>(std::countr_zero(bits));
      if (j >= n) break;      // a run at the end escapes nothing
      std::size_t i = j - 1;  // the run's first backslash
      while (i > 0 && text[i - 1] == '\\') --i;
      const char e = text[j];
      if (e == 'u') {  // "\u" and four hex digits may stand for any character
        if (Found(m, i, keep)) return true;
        continue;
      }
      if (IsEscapeLetter(e)) m.escapes.push_back(static_cast<std::uint32_t>(j));
      if (i >= decoded_to && i > 0 && IsName(text[i - 1]) && IsName(e) &&
          ProbeDecoded(text, i, depth, decoded_to) && Found(m, i, keep)) {
        return true;
      }
    }
  }
  return false;
}

// Decodes the span of name bytes, backslashes and percent escapes around text[at] (a CEF escape
// "\x" is x, "%XX" the byte XX) and scans the decoded bytes; `span_end` is set to its end.
bool LineFilter::ProbeDecoded(std::string_view text,
                              std::size_t at,
                              int depth,
                              std::size_t& span_end) {
  if (depth > 0) return true;  // decoded bytes that need decoding again: let the line through
  auto in_span = [](char c) { return IsName(c) || c == '\\' || c == '%'; };
  std::size_t begin = at;
  while (begin > 0 && in_span(text[begin - 1])) --begin;
  std::size_t end = at;
  while (end < text.size() && in_span(text[end])) ++end;
  span_end = end;
  decoded_.clear();
  for (std::size_t i = begin; i < end; ++i) {
    const char c = text[i];
    if (c == '\\' && i + 1 < end) {
      const char next = text[++i];
      decoded_.push_back(next == 'n' ? '\n' : next == 'r' ? '\r' : next);
    } else if (c == '%' && i + 2 < end && IsHex(text[i + 1]) && IsHex(text[i + 2])) {
      auto value = [](char h) { return IsDigit(h) ? h - '0' : (h | 0x20) - 'a' + 10; };
      decoded_.push_back(static_cast<char>(value(text[i + 1]) * 16 + value(text[i + 2])));
      i += 2;
    } else {
      decoded_.push_back(c);
    }
  }
  return Scan(decoded_, depth + 1, nullptr);  // which does not decode again (see above)
}

CADUCEUS_LINE_FILTER_CLONES void LineFilter::NameRuns(std::string_view text,
                                                      bool decoded,
                                                      const Masks& m,
                                                      Probes& probes) {
  // Every dotted run from all words at once, by carries added at run starts or dots, each of
  // which runs on through the bytes of its run and stops past them, so that runs are looked at
  // independently of each other and their work overlaps:
  // - a carry added at each run's start through its bytes but dots stops at its first dot;
  // - one added at each first dot stops one past the run's end;
  // - one added at the start of a run that starts with a digit, through its digits and its first
  //   dot, stops there too when the run is digits with one dot inside: a time, a size, a version
  //   ("1709522056.574392", "1.1"), which is no quad and no name unless some key's last label
  //   starts with a digit. A third of a log's dotted runs are such numbers; they are passed over.
  const std::uint64_t skip_numbers = facts_.digit_tail ? 0 : ~std::uint64_t{0};
  std::uint64_t carry_first = 0;
  std::uint64_t carry_end = 0;
  std::uint64_t carry_number = 0;
  std::uint64_t name_top = 0;  // the last bit of the word before
  std::uint64_t digit_top = 0;
  for (std::size_t w = 0; w <= m.words; ++w) {  // the zero word after the text ends every run
    const std::uint64_t name = m.name[w];
    const std::uint64_t digit = m.digit[w];
    const std::uint64_t starts = name & ~((name << 1) | name_top);
    const std::uint64_t first = Add(name & ~m.dot[w], starts, carry_first) & m.dot[w];
    const std::uint64_t past = Add(name, first, carry_end) & ~name;
    const std::uint64_t numbers = Add(digit | first, starts & digit, carry_number) &
                                  ~(digit | first) & ((digit << 1) | digit_top);
    name_top = name >> 63;
    digit_top = digit >> 63;
    for (std::uint64_t bits = past & ~(numbers & skip_numbers); bits != 0; bits &= bits - 1) {
      const std::size_t next = w * 64 + static_cast<std::size_t>(std::countr_zero(bits));
      const std::size_t begin = RunBegin(m.name, next - 1);
      // The run's dots and digits, when it is 64 bytes or less.
      const std::uint64_t dots = At(m.dot, begin);
      const std::uint64_t digits = At(m.digit, begin);
      // Most runs of a log are numbers (times, sizes, addresses): one of 64 bytes or less, with
      // no dot at either end, is told from the masks. A dotted quad is looked up; other numbers
      // are not, unless some key's last label starts with a digit.
      if (!facts_.digit_tail && next - begin <= 64) [[likely]] {
        const std::uint64_t span = Low(next - begin);
        const std::uint64_t run_dots = dots & span;
        const std::uint64_t ends = 1 | (span ^ (span >> 1));
        if ((span & ~(digits | run_dots)) == 0 && (run_dots & ends) == 0) {
          const std::uint64_t rest = run_dots & (run_dots - 1);
          const std::uint64_t last = rest & (rest - 1);
          std::uint32_t address = 0;
          if (facts_.addresses && last != 0 && (last & (last - 1)) == 0 &&  // three dots
              ParseQuadAt(text.data(), begin, begin + std::countr_zero(run_dots),
                          begin + std::countr_zero(rest), begin + std::countr_zero(last), next,
                          address)) {
            ProbeQuad(address, begin, probes);
          }
          continue;
        }
      }
      // After "//" (or JSON's "\/\/"), or '@'.
      const bool host =
          facts_.hosts && (begin == 0 ? decoded
                                      : text[begin - 1] == '@' ||
                                            (text[begin - 1] == '/' && begin >= 2 &&
                                             (text[begin - 2] == '/' || text[begin - 2] == '\\')));
      ProbeName(text, begin, next, host, dots, digits, m, probes);
      if (!m.escapes.empty() && IsEscapeLetter(text[begin]) &&
          std::binary_search(m.escapes.begin(), m.escapes.end(), begin)) {
        ProbeName(text, begin + 1, next, false, At(m.dot, begin + 1), At(m.digit, begin + 1), m,
                  probes);
      }
    }
  }
}

CADUCEUS_LINE_FILTER_CLONES void LineFilter::HexRuns(std::string_view text,
                                                     const Masks& m,
                                                     Probes& probes) {
  detail::HexRun32 hex_runs;  // the 32nd digit of every run of 32 or more
  std::size_t next = 0;
  for (std::size_t w = 0; w < m.words; ++w) {
    const std::uint64_t a5 = hex_runs.Next(m.hex[w]);
    for (std::uint64_t ends = From(a5, w, next); ends != 0; ends = From(ends, w, next)) {
      const std::size_t i = w * 64 + static_cast<std::size_t>(std::countr_zero(ends));
      const std::size_t begin = RunBegin(m.hex, i);
      next = RunEnd(m.hex, i);
      ProbeHex(text, begin, next, probes);
      if ((text[begin] == 'b' || text[begin] == 'f') && !m.escapes.empty() &&
          std::binary_search(m.escapes.begin(), m.escapes.end(), begin)) {
        ProbeHex(text, begin + 1, next, probes);
      }
    }
  }
}

// Whether an address run has the form "::ffff:" and dots after its last colon.
bool IsMappedIpv4(std::string_view run) {
  return run.size() > 7 && run.starts_with("::") && (run[2] | 0x20) == 'f' &&
         (run[3] | 0x20) == 'f' && (run[4] | 0x20) == 'f' && (run[5] | 0x20) == 'f' &&
         run[6] == ':' && run.find(':', 7) == std::string_view::npos &&
         run.find('.', 7) != std::string_view::npos;
}

// The number of set bits of x, without the POPCNT instruction (which std::popcount would call a
// library function for here).
std::uint64_t BitCount(std::uint64_t x) {
  x -= (x >> 1) & 0x5555555555555555ULL;
  x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
  x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0fULL;
  return (x * 0x0101010101010101ULL) >> 56;
}

CADUCEUS_LINE_FILTER_CLONES bool LineFilter::AddressRuns(std::string_view text,
                                                         const Masks& m,
                                                         std::vector<std::uint32_t>* keep) {
  std::size_t next = 0;
  for (std::size_t w = 0; w < m.words; ++w) {
    // An address has "::" (its first colon is in some word: that word is looked at), or seven
    // colons (six before a dotted quad) within 39 bytes: in the word of its first colon and
    // the next. Other words (times, "key: value") are passed over; an address run is looked at
    // from the first of its colons that pairs with another (below).
    const std::uint64_t doubled = m.colon[w] & ((m.colon[w] >> 1) | (m.colon[w + 1] << 63));
    if (doubled == 0 && BitCount(m.colon[w]) + BitCount(m.colon[w + 1]) < 6) continue;
    // An address has a colon followed by another through up to four hex digits ("::", or a
    // group between two colons); JSON's separators and "query:" do not.
    const auto ahead = [&](const std::vector<std::uint64_t>& mask, unsigned k) {
      return (mask[w] >> k) | (mask[w + 1] << (64 - k));  // bit i: byte i + k
    };
    const std::uint64_t candidates =
        m.colon[w] &
        (ahead(m.colon, 1) |
         (ahead(m.hex, 1) &
          (ahead(m.colon, 2) |
           (ahead(m.hex, 2) &
            (ahead(m.colon, 3) |
             (ahead(m.hex, 3) & (ahead(m.colon, 4) | (ahead(m.hex, 4) & ahead(m.colon, 5)))))))));
    for (std::uint64_t colons = From(candidates, w, next); colons != 0;
         colons = From(colons, w, next)) {
      // The run of [0-9A-Fa-f:.] around the colon.
      const std::size_t i = w * 64 + static_cast<std::size_t>(std::countr_zero(colons));
      const std::size_t begin = RunBegin(m.address, i);
      const std::size_t end = RunEnd(m.address, i);
      next = end;
      // An IPv6 address has "::", or eight groups and seven colons (15 bytes or more).
      if (end - begin < 15 && !DoubleColon(m.colon, begin, end)) continue;
      // Less dots at either end ("2001:db8::1." ends a sentence).
      std::size_t first = begin;
      std::size_t stop = end;
      while (first < stop && text[first] == '.') ++first;
      while (stop > first && text[stop - 1] == '.') --stop;
      if (first == stop) continue;
      const std::string_view run = text.substr(first, stop - first);
      // An IPv4-mapped address ("::ffff:192.0.2.1") matches as its IPv4 address, which the name
      // runs look up as a dotted quad, when no name byte follows (the index takes the quad of
      // either form alike).
      if (IsMappedIpv4(run) && (end == text.size() || !IsName(text[end]))) continue;
      if ((index_.MatchesAddress(run) ||
           ((run.front() == 'b' || run.front() == 'f') && !m.escapes.empty() &&
            std::binary_search(m.escapes.begin(), m.escapes.end(), first) &&
            index_.MatchesAddress(run.substr(1)))) &&
          Found(m, first, keep)) {
        return true;
      }
    }
  }
  return false;
}

CADUCEUS_INLINE void LineFilter::ProbeQuad(std::uint32_t address,
                                           std::size_t begin,
                                           Probes& probes) {
  __builtin_prefetch(&tables_.v4[(address >> tables_.v4_shift) / 64]);
  probes.quads.push_back(Quad{address, static_cast<std::uint32_t>(begin)});
}

CADUCEUS_INLINE void LineFilter::ProbeName(std::string_view text,
                                           std::size_t begin,
                                           std::size_t end,
                                           bool host,
                                           std::uint64_t dots_at,
                                           std::uint64_t digits_at,
                                           const Masks& m,
                                           Probes& probes) {
  // Less dots at either end; the last two dots, and whether the run has the shape of a dotted
  // quad (three dots, the first at `first`, and digits).
  std::size_t last = 0;
  std::size_t second = 0;
  std::size_t first = 0;
  bool quad_shape = false;
  if (end - begin > 64) [[unlikely]] {  // a long run, maybe of dots
    while (begin < end && text[begin] == '.') ++begin;
    while (end > begin && text[end - 1] == '.') --end;
    dots_at = At(m.dot, begin);
    digits_at = At(m.digit, begin);
  }
  if (end - begin < 3) return;
  if (end - begin <= 64) {  // the usual case: the run is looked at through one word
    const std::size_t n = end - begin;
    const std::uint64_t span = Low(n);
    std::uint64_t dots = dots_at & span;
    const auto lead = static_cast<std::size_t>(std::countr_one(dots));
    if (lead == n) return;
    const auto trail = static_cast<std::size_t>(std::countl_one(dots | ~span)) - (64 - n);
    begin += lead;
    end -= trail;
    if (end - begin < 3) return;
    dots = (dots >> lead) & Low(end - begin);
    if (dots == 0) return;
    const int top = 63 - std::countl_zero(dots);
    last = begin + static_cast<std::size_t>(top);
    const std::uint64_t before = dots & ~(std::uint64_t{1} << top);
    second = before == 0 ? last : begin + 63 - static_cast<std::size_t>(std::countl_zero(before));
    first = begin + static_cast<std::size_t>(std::countr_zero(dots));
    const std::uint64_t inner = before & (before - 1);  // the dots but the first and last
    quad_shape = inner != 0 && (inner & (inner - 1)) == 0 &&
                 (Low(end - begin) & ~((digits_at >> lead) | dots)) == 0;
  } else {  // longer than any quad
    last = LastBit(m.dot, begin, end);
    if (last == end) return;
    second = LastBit(m.dot, begin, last);
  }
  if (IsDigit(text[last + 1])) [[unlikely]] {
    // A dotted quad is looked up as an address.
    std::uint32_t address = 0;
    if (quad_shape && facts_.addresses &&
        ParseQuadAt(text.data(), begin, first, second, last, end, address)) {
      ProbeQuad(address, begin, probes);
    }
    if (!facts_.digit_tail) return;
  }
  if (host && end - begin <= facts_.max_text) {
    ProbeWhole(text, begin, end, *tables_.hosts, probes.hosts);
  }
  const std::size_t two = second == last ? begin : second + 1;  // the last two labels
  const std::uint64_t hash = detail::LineTailHash(text.substr(two, end - two));
  tables_.tails->Prefetch(hash);
  probes.tails.push_back(Tail{hash, static_cast<std::uint32_t>(begin),
                              static_cast<std::uint32_t>(end - begin),
                              static_cast<std::uint32_t>(end - two)});
}

CADUCEUS_INLINE void LineFilter::ProbeHex(std::string_view text,
                                          std::size_t begin,
                                          std::size_t end,
                                          Probes& probes) {
  const std::size_t size = end - begin;
  if (size != 32 && size != 40 && size != 64 && size != 128) return;
  ProbeWhole(text, begin, end, *tables_.texts, probes.texts);
}

CADUCEUS_INLINE void LineFilter::ProbeWhole(std::string_view text,
                                            std::size_t begin,
                                            std::size_t end,
                                            const detail::WordFilter& filter,
                                            std::vector<Whole>& probes) {
  const std::uint64_t hash = detail::LineTextHash(text.substr(begin, end - begin));
  filter.Prefetch(hash);
  probes.push_back(Whole{hash, static_cast<std::uint32_t>(begin)});
}

}  // namespace caduceus::sweep
