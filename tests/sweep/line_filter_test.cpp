// The line filter (line_filter.h): every value a reader gives that matches the index must get its
// line through, in every form the readers decode; lines without one mostly do not; and the
// reader applies the filter only where the filter's rules hold.
#include "sweep/line_filter.h"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "sweep/indicators.h"
#include "sweep/reader.h"
#include "sweep_test_util.h"

namespace caduceus::sweep {
namespace {

using intel::ObservableKind;

TimePoint Now() { return TimePoint(std::chrono::seconds(1'750'000'000)); }

Index BuildIndex(std::string_view list, std::string_view file_names = {}) {
  IndicatorSetBuilder builder({Now()});
  builder.AddList(list, "list");
  if (!file_names.empty()) builder.AddList(file_names, "list", ObservableKind::kFileName);
  return Index::Build(builder.Finish()).value();
}

class LineFilterTest : public ::testing::Test {
 protected:
  LineFilterTest()
      : index_(BuildIndex("evil.example\n"
                          "c2.deep.example\n"
                          "192.0.2.1\n"
                          "198.51.100.0/24\n"
                          "2001:db8::/32\n"
                          "http://dl.example/gate/a.php\n"
                          "http://203.0.113.9/x\n"
                          "boss@mail.example\n"
                          "d41d8cd98f00b204e9800998ecf8427e\n",
                          "dropper.exe\n")),
        filter_(index_) {}

  Index index_;
  LineFilter filter_;
};

TEST_F(LineFilterTest, IsUsableForTheseKeys) {
  EXPECT_TRUE(filter_.usable());
  const LineFilterFacts facts = index_.line_filter_facts();
  EXPECT_TRUE(facts.addresses);
  EXPECT_TRUE(facts.digests);
  EXPECT_FALSE(facts.digit_tail);  // the URL with an address for host is looked up as one
}

// Lines with a value that matches the fixture's index, in every form the readers give it.
const std::vector<std::string>& MatchingLines() {
  static const std::vector<std::string> lines = {
      "GET http://WWW.Evil.Example./x HTTP/1.1",
      "queries: info: client 10.0.0.5#53 (A.B.C2.Deep.Example): query: a.b.c2.deep.example IN A",
      "1709510400.1 conn 192.0.2.1:443 ok",
      "dst=198.51.100.77 proto=tcp",
      "src [2001:db8::1]:443",
      "1709510400.1\tCabc\t2001:DB8:0:0:0:0:0:1\t443",
      "mapped ::ffff:192.0.2.1 seen",
      "[::FFFF:192.0.2.1.]:443",  // looked up as the quad, as is the next
      "mapped ::ffff:192.0.2.1",
      "mapped ::ffff:192.0.2.1x",  // not a quad to the name runs: looked up as an address
      "...198.51.100.77.",         // dots at either end of a quad
      "1709510400.1\tCabc\t10.0.0.1\t1\t2001:db8::5e.",  // a trailing dot (fuzz_line_filter)
      "\"GET http://dl.example/gate/a.php HTTP/1.1\"",
      "referrer http://203.0.113.9/y",
      "from: <boss@mail.example>",
      R"({"Hashes":"SHA1=00,MD5=D41D8CD98F00B204E9800998ECF8427E"})",
      R"({"TargetFilename":"C:\\Users\\bob\\Dropper.EXE"})",
      "path=/tmp/dropper.exe size=1",
      // Decoded by a reader: JSON and CEF escapes, percent escapes in a URL host.
      R"({"Message":"line one\nevil.example"})",
      R"({"Message":"x\bd41d8cd98f00b204e9800998ecf8427e"})",
      "CEF:0|V|P|1|100|n|5|request=http://ev\\il.example/",
      "GET http://ev%69l.example/ HTTP/1.1",
      // Lines the filter cannot see into.
      R"({"QueryName":"c2\u002eevil.example"})",
      "query bücher.example",
      "3/4/2024 1:23:45 PM 0E2C PACKET  0 UDP Rcv 10.0.0.5 a1b2 Q [0001 D NOERROR] A "
      "(3)www(4)evil(7)example(0)",
      "<13>Jan  1 00:00:00 host LEEF:2.0|V|P|1|E|^|src=10.0.0.1^dst=10.0.0.2",
  };
  return lines;
}

// Lines without one.
const std::vector<std::string>& OtherLines() {
  static const std::vector<std::string> lines = {
      "",
      "GET http://notevil.example/ HTTP/1.1 10.0.0.1 12:30:00.000 1709510400.123 v1.2.3",
      "evil.example.cdn.net",
      "deep.example",  // a parent of a key is not the key
      "192.0.2.10 198.51.101.1 2001:db9::1",
      "198.51.100.256 198.051.100.7 0198.51.100.7 198.51.100.7.5 ::ffff:198.51.101.1",
      "d41d8cd98f00b204e9800998ecf8427e0",
      "04-Mar-2024 00:00:00.000 queries: info: query: www.google.com IN A +E(0)CV (10.0.0.53)",
      "GET /search?q=a%20b HTTP/1.1",
      R"({"Image":"C:\\Windows\\System32\\sc.exe","User":"NT AUTHORITY\\SYSTEM"})",
      "<13>Jan  1 00:00:00 host LEEF:1.0|V|P|1|E|src=10.0.0.1\tdst=10.0.0.2",
  };
  return lines;
}

TEST_F(LineFilterTest, LetsThroughEveryFormOfAMatchingValue) {
  for (const std::string& line : MatchingLines()) EXPECT_TRUE(filter_.MayMatch(line)) << line;
}

TEST_F(LineFilterTest, RefusesLinesWithoutOne) {
  for (const std::string& line : OtherLines()) EXPECT_FALSE(filter_.MayMatch(line)) << line;
}

TEST_F(LineFilterTest, LooksForAUrlKeysHostOnlyInAUrl) {
  // URL keys match whole URLs, e-mail keys whole addresses: a URL key on a popular site, or an
  // e-mail key at a big provider, must not let through every line that names the site.
  const Index index = BuildIndex(
      "http://www.popular.example/dl/evil.exe\nhttps://files.example/x\nbad@mail.example\n");
  LineFilter filter(index);
  ASSERT_TRUE(filter.usable());
  EXPECT_TRUE(index.line_filter_facts().hosts);
  for (const std::string line : {
           "GET http://WWW.Popular.Example/dl/evil.exe HTTP/1.1",
           "referrer https://www.popular.example./",  // a trailing dot
           "url=http://user:pw@files.example:8443/x",
           R"({"url":"https:\/\/files.example\/x"})",            // JSON's escaped slashes
           "GET /r?to=http%3A%2F%2Ffiles.example%2Fx HTTP/1.1",  // decoded
           "GET http://fil%65s.example/x HTTP/1.1",
           "from=<Bad@Mail.Example> to=<a@b.example>",
           "mailto:bad@mail.example.",
       }) {
    EXPECT_TRUE(filter.MayMatch(line)) << line;
  }
  for (const std::string line : {
           "query www.popular.example IN A",
           "CONNECT www.popular.example:443 HTTP/1.1",
           "GET http://cdn.www.popular.example/ HTTP/1.1",
           "GET http://popular.example/ HTTP/1.1",
           "from=<bad@mail.example.org> dkim=mail.example",
           "GET /files.example/x HTTP/1.1",  // a path's component, not a host
           "file=/var/www/files.example/index.html",
       }) {
    EXPECT_FALSE(filter.MayMatch(line)) << line;
  }
}

TEST_F(LineFilterTest, FindsValuesAcrossBlockBoundaries) {
  // The filter reads 64 bytes at a time: a value at every offset around the block edges.
  for (std::size_t pad = 50; pad < 140; ++pad) {
    const std::string line = std::string(pad, ' ') + "www.evil.example " + std::string(pad, 'x');
    EXPECT_TRUE(filter_.MayMatch(line)) << pad;
    const std::string quad = std::string(pad, '-') + "=198.51.100.3";
    EXPECT_TRUE(filter_.MayMatch(quad)) << pad;
    const std::string hash = std::string(pad, ' ') + "d41d8cd98f00b204e9800998ecf8427e";
    EXPECT_TRUE(filter_.MayMatch(hash)) << pad;
    // IPv6 without "::": eight groups, and six before a dotted quad.
    const std::string full = std::string(pad, ' ') + "at 2001:DB8:0:0:0:0:0:1 " + "12:30:00";
    EXPECT_TRUE(filter_.MayMatch(full)) << pad;
    const std::string quad_tail = std::string(pad, ' ') + "2001:db8:0:0:0:0:10.0.0.1,";
    EXPECT_TRUE(filter_.MayMatch(quad_tail)) << pad;
    // Groups of four digits: colons five bytes apart.
    const std::string padded =
        std::string(pad, ' ') + "{\"ip\":\"2001:0db8:0000:0000:0000:0000:0000:0001\"}";
    EXPECT_TRUE(filter_.MayMatch(padded)) << pad;
    const std::string times = std::string(pad, ' ') + "12:30:00 2001:db9:0:0:0:0:0:1 1:2:3";
    EXPECT_FALSE(filter_.MayMatch(times)) << pad;
    const std::string none = std::string(pad, ' ') + "www.good.example " + std::string(pad, 'x');
    EXPECT_FALSE(filter_.MayMatch(none)) << pad;
  }
}

TEST_F(LineFilterTest, OnlyAnOddRunOfBackslashesEscapesTheByteAfterIt) {
  // "\\n" is an escaped backslash and the letter n: "nevil.example" is no key. Runs of every
  // length at every offset around the words' edges, where the parity carries over.
  for (std::size_t pad = 40; pad < 140; ++pad) {
    for (std::size_t run = 1; run <= 6; ++run) {
      const std::string before = std::string(pad, ' ') + "x" + std::string(run, '\\');
      const bool odd = run % 2 == 1;
      EXPECT_EQ(filter_.MayMatch(before + "nevil.example y"), odd) << pad << " " << run;
      EXPECT_EQ(filter_.MayMatch(before + "u002e y"), odd) << pad << " " << run;
      EXPECT_EQ(filter_.MayMatch(before + "evil.example y"), true) << pad << " " << run;
    }
  }
}

TEST_F(LineFilterTest, LooksAtRunsOfEveryLengthAroundAWord) {
  // A run of 64 bytes or less is looked at through one word, wherever it lies; longer ones
  // otherwise: names, numbers and quads of every length around 64, at every offset of a word.
  for (std::size_t size = 50; size < 140; ++size) {
    for (std::size_t pad = 0; pad < 64; pad += 7) {
      const std::string lead(pad, ' ');
      const std::string name = std::string(size - 13, 'a') + ".evil.example";
      EXPECT_TRUE(filter_.MayMatch(lead + name + " x")) << size << " " << pad;
      EXPECT_TRUE(filter_.MayMatch(lead + "." + name + ".. x")) << size << " " << pad;
      const std::string good = std::string(size - 13, 'a') + ".good.example";
      EXPECT_FALSE(filter_.MayMatch(lead + good + " x")) << size << " " << pad;
      const std::string number = std::string(size - 4, '1') + ".2.3";
      EXPECT_FALSE(filter_.MayMatch(lead + number + " x")) << size << " " << pad;
      const std::string dots = std::string(size - 13, '.') + "198.51.100.3";
      EXPECT_TRUE(filter_.MayMatch(lead + dots + " x")) << size << " " << pad;
      EXPECT_TRUE(filter_.MayMatch(lead + dots + std::string(size - 13, '.')))
          << size << " " << pad;
    }
  }
}

TEST_F(LineFilterTest, EveryInstructionSetKeepsTheSameLines) {
  // Lines with and without values, the golden samples and random bytes, classified with every
  // instruction set this processor has (the best one is what a sweep uses).
  std::string lines;
  for (const auto* list : {&MatchingLines(), &OtherLines()}) {
    for (const std::string& line : *list) lines += line + "\n";
  }
  // The golden files: the samples' values and context, as text.
  for (const auto& entry : std::filesystem::directory_iterator(testing_util::SourceDir() / "tests" /
                                                               "sweep" / "golden")) {
    std::ifstream in(entry.path(), std::ios::binary);
    lines.append(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  if (lines.back() != '\n') lines += '\n';
  std::mt19937 random(7);
  for (int line = 0; line < 2000; ++line) {
    const std::size_t size = random() % 300;
    for (std::size_t i = 0; i < size; ++i) {
      // Mostly bytes that make runs, and some of every other.
      static constexpr std::string_view kBytes = "ab.:0199ef-_ %\\(|#\t@/\x80\xff";
      const auto pick = static_cast<std::size_t>(random() % (kBytes.size() + 8));
      lines += pick < kBytes.size() ? kBytes[pick] : static_cast<char>(random() % 128);
    }
    lines += '\n';
  }
  std::erase(lines, '\0');
  std::vector<LineFilter::Kept> want;
  filter_.Keep(lines, want);
  ASSERT_GT(want.size(), 10U);
  using Isa = LineFilter::Isa;
  int others = 0;
  for (Isa isa : {Isa::kPortable, Isa::kAvx2, Isa::kAvx512, Isa::kAvx512Vbmi}) {
    if (!LineFilter::Runs(isa)) continue;
    ++others;
    LineFilter filter(index_, isa);
    for (const std::string& line : MatchingLines()) {
      EXPECT_TRUE(filter.MayMatch(line)) << static_cast<int>(isa) << " " << line;
    }
    for (const std::string& line : OtherLines()) {
      EXPECT_FALSE(filter.MayMatch(line)) << static_cast<int>(isa) << " " << line;
    }
    std::vector<LineFilter::Kept> got;
    filter.Keep(lines, got);
    ASSERT_EQ(got.size(), want.size()) << static_cast<int>(isa);
    for (std::size_t i = 0; i < got.size(); ++i) {
      EXPECT_EQ(got[i].offset, want[i].offset) << static_cast<int>(isa) << " " << i;
      EXPECT_EQ(got[i].index, want[i].index) << static_cast<int>(isa) << " " << i;
    }
  }
  EXPECT_GE(others, 1);  // the portable loop, at least
}

TEST_F(LineFilterTest, LongRunsAndSpansOfEscapesCostLinearTime) {
  // A megabyte of dots and of escapes: each run and each decoded span is looked at once, and
  // no suffix longer than the longest key is hashed.
  std::string dots;
  for (int i = 0; i < 250'000; ++i) dots += "a.";
  EXPECT_TRUE(filter_.MayMatch(dots + "evil.example"));
  EXPECT_FALSE(filter_.MayMatch(dots + "good.example"));
  std::string escapes;
  for (int i = 0; i < 250'000; ++i) escapes += "%41";
  EXPECT_FALSE(filter_.MayMatch(escapes));
  EXPECT_TRUE(filter_.MayMatch(escapes + "%2eevil.example"));
  std::string backslashes;
  for (int i = 0; i < 250'000; ++i) backslashes += "a\\";
  EXPECT_FALSE(filter_.MayMatch(backslashes + "b"));
}

// Keep on many lines at once keeps what MayMatch lets through line by line, and the lines a reader
// must see itself, with each line's index.
void ExpectKeepAgreesWithMayMatch(LineFilter& filter, const std::vector<std::string>& lines) {
  std::string window;
  std::vector<LineFilter::Kept> expected;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::string& line = lines[i];
    const bool lead = line.empty() || line.front() == '#' || line.front() == ' ' ||
                      (line.front() >= '\t' && line.front() <= '\r');
    if (lead || filter.MayMatch(line)) {
      expected.push_back(
          {static_cast<std::uint32_t>(window.size()), static_cast<std::uint32_t>(i)});
    }
    window += line + "\n";
  }
  std::vector<LineFilter::Kept> kept;
  EXPECT_EQ(filter.Keep(window, kept), lines.size());
  ASSERT_EQ(kept.size(), expected.size());
  for (std::size_t k = 0; k < kept.size(); ++k) {
    EXPECT_EQ(kept[k].offset, expected[k].offset) << k;
    EXPECT_EQ(kept[k].index, expected[k].index) << lines[expected[k].index];
  }
}

TEST_F(LineFilterTest, KeepOnManyLinesAgreesWithMayMatch) {
  std::vector<std::string> lines = {
      "GET http://WWW.Evil.Example./x HTTP/1.1",
      "GET http://notevil.example/ HTTP/1.1 10.0.0.1 12:30:00.000 1709510400.123 v1.2.3",
      "",
      "dst=198.51.100.77 proto=tcp",
      "#fields\tts",
      "  indented evil.example",
      "\tindented good.example",
      "192.0.2.10 198.51.101.1 2001:db9::1",
      "src [2001:db8::1]:443",
      "\r",
      "GET http://ev%69l.example/ HTTP/1.1",
      "GET /search?q=a%20b HTTP/1.1",
      R"({"Message":"line one\nevil.example"})",
      R"({"QueryName":"c2\u002eevil.example"})",
      "<13>Jan  1 00:00:00 host LEEF:2.0|V|P|1|E|^|src=10.0.0.1^dst=10.0.0.2",
      "<13>Jan  1 00:00:00 host LEEF:1.0|V|P|1|E|src=10.0.0.1\tdst=10.0.0.2",
      "3/4/2024 PACKET UDP Rcv 10.0.0.5 Q A (3)www(4)evil(7)example(0)",
      "query bücher.example",
      "from: <boss@mail.example>\r",
      "path=/tmp/dropper.exe size=1",
      R"({"Hashes":"SHA1=00,MD5=D41D8CD98F00B204E9800998ECF8427E"})",
      "d41d8cd98f00b204e9800998ecf8427e0",
  };
  ExpectKeepAgreesWithMayMatch(filter_, lines);
  // Lines that cross the 64-byte blocks at every offset, and a line longer than a block.
  for (std::size_t pad = 0; pad < 70; ++pad) {
    std::vector<std::string> shifted = {std::string(pad, 'x')};
    for (const std::string& line : lines) shifted.push_back(line);
    shifted.push_back(std::string(200, '.') + "evil.example" + std::string(pad, '-'));
    ExpectKeepAgreesWithMayMatch(filter_, shifted);
  }
}

TEST(LineFilterFacts, KeepKeepsEveryLineWhenTheFilterIsOff) {
  LineFilter filter(BuildIndex("http://intranet/x\n"));
  std::vector<LineFilter::Kept> kept;
  EXPECT_EQ(filter.Keep("a\nb\n\nc\n", kept), 4U);
  ASSERT_EQ(kept.size(), 4U);
  EXPECT_EQ(kept[3].offset, 5U);
  EXPECT_EQ(kept[3].index, 3U);
}

TEST(LineFilterFacts, KeysWithoutATextTheFilterFindsTurnItOff) {
  EXPECT_FALSE(LineFilter(BuildIndex("http://[2001:db8::1]/x\n")).usable());
  EXPECT_FALSE(LineFilter(BuildIndex("http://intranet/x\n")).usable());
  EXPECT_FALSE(LineFilter(BuildIndex({}, "my invoice.pdf.exe\n")).usable());
  EXPECT_FALSE(LineFilter(BuildIndex({}, "mimikatz\n")).usable());
  EXPECT_TRUE(LineFilter(BuildIndex("evil.example\n")).usable());
  const Index digits = BuildIndex({}, "archive.7z\n");
  EXPECT_TRUE(digits.line_filter_facts().digit_tail);
  LineFilter filter(digits);
  EXPECT_TRUE(filter.MayMatch("unpacked C:\\tmp\\archive.7z"));
}

// A run of digits with one dot inside (a time, a size, a version) is passed over from the
// masks, unless some key's last label starts with a digit. At every offset around the words'
// edges, beside the names and quads the runs must still find.
TEST(LineFilterFacts, NumbersWithOneDotArePassedOverUnlessAKeyHasADigitLabel) {
  const Index plain = BuildIndex("evil.example\n192.0.2.1\n");
  ASSERT_FALSE(plain.line_filter_facts().digit_tail);
  LineFilter filter(plain);
  const Index digits = BuildIndex("evil.example\n", "20240304.1\n");
  ASSERT_TRUE(digits.line_filter_facts().digit_tail);
  LineFilter with_digits(digits);
  for (std::size_t pad = 40; pad < 140; ++pad) {
    const std::string lead(pad, ' ');
    EXPECT_FALSE(filter.MayMatch(lead + "1709510400.123 5.0 0.102996 1.1 x")) << pad;
    EXPECT_TRUE(filter.MayMatch(lead + "1709510400.123 evil.example")) << pad;
    EXPECT_TRUE(filter.MayMatch(lead + "1709510400.123\t192.0.2.1\t0.5")) << pad;
    EXPECT_TRUE(filter.MayMatch(lead + "5.0 12.evil.example 1.")) << pad;
    EXPECT_TRUE(with_digits.MayMatch(lead + "open 20240304.1 done")) << pad;
    EXPECT_FALSE(with_digits.MayMatch(lead + "open 20240304.2 done")) << pad;
  }
}

// A name whose last two labels pass the tail filter by chance, and are longer than any key's
// text, is walked within its run: without a match, and without reading past it.
TEST(LineFilterFacts, ANameLongerThanEveryKeyIsWalkedWithinItsRun) {
  std::string list;
  for (int i = 0; i < 20000; ++i) list += "k" + std::to_string(i) + ".io\n";
  const Index index = BuildIndex(list);
  ASSERT_LT(index.line_filter_facts().max_text, 10U);
  LineFilter filter(index);
  std::vector<LineFilter::Kept> kept;
  std::string lines;
  for (int i = 0; i < 20000; ++i) lines += "GET www.long-name-" + std::to_string(i) + ".example\n";
  EXPECT_EQ(filter.Keep(lines, kept), 20000U);
  EXPECT_TRUE(kept.empty());
  EXPECT_TRUE(filter.MayMatch("GET k17.io"));
  EXPECT_TRUE(filter.MayMatch("GET www.k17.io"));
}

// The records of `text` read with a filter that refuses every line without "evil.example".
struct FilteredRecord {
  std::uint64_t line;
  std::uint64_t lines;
  std::uint64_t offset;
  bool filtered;
};

std::vector<FilteredRecord> ReadFiltered(const std::string& text) {
  const Index index = BuildIndex("evil.example\n");
  LineFilter filter(index);
  RecordReader reader(MemorySource(text));
  reader.SetLineFilter(&filter);
  std::vector<FilteredRecord> records;
  Record record;
  while (reader.Next(record).value()) {
    records.push_back({record.line, record.lines, record.offset, record.filtered});
  }
  return records;
}

// The lines parsed, each record following the one before.
std::vector<std::uint64_t> ParsedLines(const std::string& text) {
  std::vector<std::uint64_t> parsed;
  std::uint64_t lines = 0;
  for (const FilteredRecord& record : ReadFiltered(text)) {
    EXPECT_EQ(record.line, lines + 1);
    lines += record.lines;
    if (!record.filtered) parsed.push_back(record.line);
  }
  return parsed;
}

TEST(LineFilterReader, CountsTheLinesItPassesOver) {
  const std::string squid =
      "1709510400.000 1 10.0.0.5 TCP_MISS/200 1 GET http://a.example/ - HIER_DIRECT/192.0.2.1 -\n";
  const std::string hit =
      "1709510400.000 1 10.0.0.5 TCP_MISS/200 1 GET http://evil.example/ - HIER_DIRECT/1.2.3.4 -\n";
  std::string text;
  std::vector<std::size_t> offsets = {0};  // of each line, from line 1
  for (int i = 1; i <= 3000; ++i) {
    offsets.push_back(text.size());
    text += i % 1000 == 0 ? hit : i % 700 == 0 ? "\n" : i % 900 == 0 ? " \t\r\n" : squid;
  }
  std::vector<std::uint64_t> parsed;
  std::uint64_t lines = 0;
  std::uint64_t records = 0;
  for (const FilteredRecord& record : ReadFiltered(text)) {
    // Runs of refused lines stop at blank lines, which are no records.
    if (record.line != lines + 1) {
      EXPECT_TRUE(record.line % 700 == 1 || record.line % 900 == 1) << record.line;
    }
    lines = record.line + record.lines - 1;
    records += record.lines;
    if (record.filtered) {
      EXPECT_EQ(record.offset, offsets[record.line]) << record.line;
    } else if (record.line > 64) {
      parsed.push_back(record.line);
    }
  }
  EXPECT_EQ(lines, 3000U);
  EXPECT_EQ(records, 3000U - 4 - 3);  // less the blank lines
  EXPECT_EQ(parsed, (std::vector<std::uint64_t>{1000, 2000, 3000}));
}

TEST(LineFilterReader, ParsesTheHeadCommentsAndAfterAnOddSeparator) {
  const std::string squid =
      "1709510400.000 1 10.0.0.5 TCP_MISS/200 1 GET http://a.example/ - HIER_DIRECT/192.0.2.1 -\n";
  std::string text;
  for (int i = 1; i <= 70; ++i) text += squid;
  text += "#fields\tts\n" + squid + "#separator \\x2e\n" + squid;
  std::vector<std::uint64_t> expected;
  for (std::uint64_t i = 1; i <= 64; ++i) expected.push_back(i);
  expected.push_back(74);  // after "#separator \x2e" the filter is off
  std::vector<std::uint64_t> parsed = ParsedLines(text);
  std::erase_if(parsed, [](std::uint64_t line) { return line == 71 || line == 73; });  // '#'
  EXPECT_EQ(parsed, expected);
}

TEST(LineFilterReader, FiltersLinesLongerThanAWindowAndALastLineWithoutNewline) {
  const std::string squid =
      "1709510400.000 1 10.0.0.5 TCP_MISS/200 1 GET http://a.example/ - HIER_DIRECT/192.0.2.1 -\n";
  std::string json = "{\"event\":\"process\",\"cmd\":\"";
  while (json.size() < 40 * 1024) json += "C:\\\\Windows\\\\System32\\\\svchost.exe -k netsvcs ";
  std::string text;
  for (int i = 1; i <= 70; ++i) text += squid;
  text += json + "\"}\n";                             // 71: refused
  text += json + " http://evil.example/x\"}\n";       // 72: kept
  text += squid;                                      // 73: refused in a window
  text += " " + json + "\"}\n";                       // 74: a blank byte first: parsed
  text += json + "\"}\n";                             // 75: refused
  text += squid + squid.substr(0, squid.size() - 1);  // 76, and 77 without "\n": refused
  std::vector<std::uint64_t> expected;
  for (std::uint64_t i = 1; i <= 64; ++i) expected.push_back(i);
  expected.push_back(72);
  expected.push_back(74);
  EXPECT_EQ(ParsedLines(text), expected);
  expected.push_back(77);  // the last line, without "\n", with the key
  EXPECT_EQ(ParsedLines(text + " http://evil.example/"), expected);
}

#if defined(CADUCEUS_SWEEP_BASELINE)
// In sweep_baseline_test the filter takes this processor for one with no extension beyond x86-64
// (and runs its scanning functions as built for x86-64 alone).
TEST(LineFilterBaseline, NoExtensionIsUsed) {
  using Isa = LineFilter::Isa;
  for (Isa isa : {Isa::kAvx2, Isa::kAvx512, Isa::kAvx512Vbmi}) {
    EXPECT_FALSE(LineFilter::Runs(isa)) << static_cast<int>(isa);
  }
}
#endif

}  // namespace
}  // namespace caduceus::sweep
