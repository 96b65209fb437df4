// The line filter: whether a raw log line may hold a value that matches an index, told from its
// bytes without parsing it, so that the sweep parses only those lines. Almost no line of a log
// holds an indicator, and reading a line's fields costs more than looking at its bytes.
//
// It must never refuse a line one of whose values (as a parser or the tokenizer gives them,
// decoded or not) matches; letting a line through needlessly only costs its parse. Every value
// the sweep matches has a text that stands in the raw line, and the filter probes those texts
// (Index::line_tables, LineMayHoldIpv4, MatchesAddress):
//   name runs     maximal runs of [A-Za-z0-9_.-] with a dot, less dots at either end: every
//                 domain, host (also a URL's), e-mail domain and file name the readers give is
//                 such a run (they cut values at other bytes only); the run and each suffix
//                 after a dot are probed, unless its last label starts with a digit and no key's
//                 does (numbers, versions, times); a dotted quad is looked up as an address. A
//                 run right after "//" (JSON's "\/\/" too) or '@' (or at the start of decoded
//                 bytes) is also probed whole for URL keys' hosts and e-mail keys' domains: the
//                 readers give URLs only as "scheme://[user@]host..." and e-mail addresses with
//                 their '@', and those keys match only whole values
//   hex runs      maximal runs of hex digits of 32, 40, 64 or 128: the digests
//   address runs  maximal runs of [0-9A-Fa-f:.] with "::", or with 7 colons, or 6 and a dot:
//                 IPv6 addresses (and IPv4-mapped ones)
//   escapes       a run that starts with n, r, t, b or f right after a backslash (the last of
//                 a run of odd length: an even one is escaped backslashes) is also
//                 probed without that byte (JSON, CEF and RFC 5424 "\n" before a name); a
//                 single backslash between name bytes (a CEF escape, "\x" stands for x) and
//                 percent escapes ("ev%69l.com" in a URL host) are decoded, and the runs of
//                 the decoded bytes probed as well
// Lines the rules cannot see into are let through: a byte of 0x80 or more (a non-ASCII name is
// matched as its punycode), a JSON "\u" escape, a DNS wire label "(3)www" (Windows DNS), a
// LEEF event of a version other than 1.0 (its delimiter may be a name byte). When some key has
// no text the filter can look for (a URL with an IPv6 or single-label host, a file name with a
// space), Index::line_filter_facts() says so and the filter lets every line through.
//
// Not thread-safe (scratch space): one filter per reader.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sweep/index.h"

// The filter's scanning functions are compiled twice, for x86-64 and for x86-64-v3 (AVX2, BMI1
// and 2, LZCNT, whose bit instructions the runs' code is made of: about 3% faster), and the
// loader picks the one the processor runs. CADUCEUS_SWEEP_BASELINE builds the filter as a
// processor with none of these extensions (nor POPCNT or AVX-512) runs it, whatever this one
// has: for the tests (sweep_baseline_test).
#if defined(__x86_64__) && !defined(CADUCEUS_SWEEP_BASELINE)
#define CADUCEUS_LINE_FILTER_CLONES __attribute__((target_clones("default", "arch=x86-64-v3")))
#else
#define CADUCEUS_LINE_FILTER_CLONES
#endif

namespace caduceus::sweep {

namespace detail {
struct LineBlock;  // the masks of 64 bytes (line_filter.cpp)
struct LineRows;   // where the masks of blocks go
}  // namespace detail

class LineFilter {
 public:
  // The instructions the filter classifies bytes with: by default the best the processor has
  // (AVX-512 with VBMI, AVX-512BW, AVX2, else a portable loop); the others are for the tests,
  // which check that every one the processor has gives the same answers.
  enum class Isa { kBest, kPortable, kAvx2, kAvx512, kAvx512Vbmi };
  static bool Runs(Isa isa);  // whether this processor has it (kBest and kPortable: yes)
  // `isa` must be one the processor Runs.
  explicit LineFilter(const Index& index, Isa isa = Isa::kBest);

  // False when the index has keys the filter cannot look for: MayMatch is then always true.
  bool usable() const { return facts_.usable; }
  // Whether the line may hold a value that matches the index (see above).
  bool MayMatch(std::string_view line);
  // A line `Keep` keeps: its offset in the lines given, and the number of lines before it.
  struct Kept {
    std::uint32_t offset;
    std::uint32_t index;
  };
  // Whether Keep keeps a line that starts with `c` whatever it holds: '#', a blank byte or a
  // control byte from "\t" to "\r" (comments, directives and blank lines, which a reader looks
  // at itself).
  static constexpr bool Leads(char c) { return c == '#' || c == ' ' || (c >= '\t' && c <= '\r'); }
  // The same for many lines at once, which saves a call and a partly filled block per line:
  // `lines` are whole lines, each ending in "\n" (at most 4 GiB). Fills `keep`, in order, with
  // each line that may match, and each line that Leads; with every line when the filter is not
  // usable. Returns the number of lines.
  std::size_t Keep(std::string_view lines, std::vector<Kept>& keep);

 private:
  // One bit per byte of the text being scanned, 64 bytes a word, with a zero word after.
  struct Masks {
    std::size_t words = 0;
    std::vector<std::uint64_t> name;       // [A-Za-z0-9_.-]
    std::vector<std::uint64_t> dot;        // .
    std::vector<std::uint64_t> hex;        // [0-9A-Fa-f]
    std::vector<std::uint64_t> digit;      // [0-9]
    std::vector<std::uint64_t> colon;      // :
    std::vector<std::uint64_t> address;    // [0-9A-Fa-f:.]
    std::vector<std::uint64_t> special;    // >= 0x80 % | and ( (see LineRows)
    std::vector<std::uint64_t> backslash;  // the byte \ (backslash)
    std::vector<std::uint64_t> newline;    // \n
    std::vector<std::uint64_t> lead;       // # space \t to \r: what a kept line may start with
    std::vector<std::uint32_t> escapes;    // of n r t b f after an odd run of backslashes
  };
  // Values to look up, gathered from a text's runs before any is, so that the cache misses of
  // their filter words overlap; kept by kind, so that looking them up takes no branch on it.
  struct Whole {  // a text looked up whole, at `begin`
    std::uint64_t hash;
    std::uint32_t begin;
  };
  struct Tail {  // a name run of `size` bytes at `begin`, by its last two labels (`tail` bytes)
    std::uint64_t hash;
    std::uint32_t begin;
    std::uint32_t size;
    std::uint32_t tail;
  };
  struct Quad {  // a dotted quad at `begin`
    std::uint32_t address;
    std::uint32_t begin;
  };
  struct Probes {
    std::vector<Whole> texts;  // digests (in the text filter)
    std::vector<Whole> hosts;  // name runs after "//" or '@' (in the host filter)
    std::vector<Tail> tails;
    std::vector<Quad> quads;
    std::vector<Quad> set;  // the quads whose address bit is set, looked up last
    void Clear();
  };
  // Scans `text` (one line, or whole lines with `keep`: see Found). True when a line may match
  // and the scan stopped there.
  CADUCEUS_LINE_FILTER_CLONES
  bool Scan(std::string_view text, int depth, std::vector<std::uint32_t>* keep);
  // The text at `at` may match: true to stop the scan (one line), or, when lines are kept, false
  // after appending the start of the line that holds `at` to `keep`.
  bool Found(const Masks& m, std::size_t at, std::vector<std::uint32_t>* keep) const;
  void Classify(std::string_view text, Masks& m);
  CADUCEUS_LINE_FILTER_CLONES
  bool Specials(std::string_view text, int depth, Masks& m, std::vector<std::uint32_t>* keep);
  bool ProbeDecoded(std::string_view text, std::size_t at, int depth, std::size_t& span_end);
  // `decoded`: `text` is decoded bytes of a line (a run at its start may follow "//" or '@').
  CADUCEUS_LINE_FILTER_CLONES
  void NameRuns(std::string_view text, bool decoded, const Masks& m, Probes& probes);
  CADUCEUS_LINE_FILTER_CLONES
  void HexRuns(std::string_view text, const Masks& m, Probes& probes);
  CADUCEUS_LINE_FILTER_CLONES
  bool AddressRuns(std::string_view text, const Masks& m, std::vector<std::uint32_t>* keep);
  // A name run [begin, end) (inlined into NameRuns, as ProbeQuad and ProbeHex into theirs);
  // `host`: it follows "/" or '@', so it may be a URL's host or an e-mail's domain. `dots_at`,
  // `digits_at`: the dot and digit masks from `begin` (At), when the run has 64 bytes or less.
  void ProbeName(std::string_view text,
                 std::size_t begin,
                 std::size_t end,
                 bool host,
                 std::uint64_t dots_at,
                 std::uint64_t digits_at,
                 const Masks& m,
                 Probes& probes);
  // A dotted quad's address, to be looked up after the runs.
  void ProbeQuad(std::uint32_t address, std::size_t begin, Probes& probes);
  void ProbeHex(std::string_view text, std::size_t begin, std::size_t end, Probes& probes);
  // The text [begin, end) as a whole, its word in `filter` loaded ahead.
  static void ProbeWhole(std::string_view text,
                         std::size_t begin,
                         std::size_t end,
                         const detail::WordFilter& filter,
                         std::vector<Whole>& probes);

  const Index& index_;
  LineFilterFacts facts_;
  LineTables tables_;
  void (*classify_)(const char*, std::size_t, const detail::LineRows&);
  std::size_t (*count_bits_)(const std::uint64_t*, std::size_t);  // POPCNT where it has it
  Masks masks_[2];  // the line, and decoded bytes of it
  Probes probes_[2];
  std::vector<std::uint32_t> starts_;  // of the lines Keep keeps
  std::string decoded_;
};

}  // namespace caduceus::sweep
