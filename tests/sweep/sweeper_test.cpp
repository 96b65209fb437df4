// The sweeper: findings with file, line, offset, field, value, indicator and bounded context;
// compound indicators evaluated per record; one finding per (record, indicator); values only a
// parser gives (escapes, wire labels, a path's file name) matched; per-indicator aggregates with
// record timestamps; directories with globs, gzip, binary skips; chunked parallel sweeps giving
// the same findings as a single-threaded one; progress and cancellation.
#include "sweep/sweeper.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <string>
#include <tuple>
#include <vector>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "compress_util.h"
#include "sweep/indicators.h"

namespace caduceus::sweep {
namespace {

namespace fs = std::filesystem;
using intel::ObservableKind;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

TimePoint Now() { return TimePoint(std::chrono::seconds(1'750'000'000)); }

class SweeperTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/sweep-sweeper-XXXXXX";
    dir_ = ::mkdtemp(pattern);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  void Write(const std::string& name, const std::string& text) {
    fs::create_directories((dir_ / name).parent_path());
    std::ofstream(dir_ / name, std::ios::binary) << text;
  }
  static Index MakeIndex(std::string_view list, std::vector<std::string> stix = {}) {
    IndicatorSetBuilder builder({Now()});
    builder.AddList(list, "list", std::nullopt, TlpLevel::kAmber, 60);
    for (const auto& json : stix) EXPECT_TRUE(builder.AddStix(json, "feed"));
    return Index::Build(builder.Finish()).value();
  }
  struct Collected {
    std::vector<Finding> findings;
    std::vector<SweepSkip> skips;
    SweepSummary summary;
  };
  Collected Run(const Index& index, std::vector<fs::path> paths, SweepOptions options = {}) {
    Collected c;
    std::mutex m;
    options.on_finding = [&](const Finding& f) {
      std::lock_guard lock(m);
      c.findings.push_back(f);
    };
    options.on_skip = [&](const SweepSkip& s) {
      std::lock_guard lock(m);
      c.skips.push_back(s);
    };
    auto summary = Sweep(index, paths, options);
    EXPECT_TRUE(summary) << (summary ? "" : summary.error().message);
    if (summary) c.summary = std::move(*summary);
    return c;
  }
  fs::path dir_;
};

TEST_F(SweeperTest, FindingNamesFileLineOffsetFieldValueAndIndicator) {
  const std::string line1 =
      "Mar  4 10:00:00 gw dnsmasq[12]: query[A] www.good.example from 10.0.0.5\n";
  const std::string line2 =
      "Mar  4 10:00:01 gw dnsmasq[12]: query[A] cdn.EVIL.example from 10.0.0.5\n";
  Write("dns.log", line1 + line2);
  const Index index = MakeIndex("evil.example\n");
  auto c = Run(index, {dir_ / "dns.log"});
  ASSERT_EQ(c.findings.size(), 1U);
  const Finding& f = c.findings[0];
  EXPECT_EQ(f.file, (dir_ / "dns.log").string());
  EXPECT_EQ(f.line, 2U);
  EXPECT_EQ(f.offset, line1.size() + line2.find("cdn.EVIL"));
  EXPECT_EQ(f.format, Format::kDnsmasq);
  EXPECT_EQ(f.field, "query");
  EXPECT_EQ(f.kind, ObservableKind::kDomain);
  EXPECT_EQ(f.value, "cdn.EVIL.example");
  EXPECT_EQ(f.indicator_id, "evil.example");
  EXPECT_EQ(f.collection, "list");
  EXPECT_EQ(f.tlp, TlpLevel::kAmber);
  EXPECT_EQ(f.confidence, 60);
  EXPECT_EQ(f.context, line2.substr(0, line2.size() - 1));
  EXPECT_EQ(c.summary.findings, 1U);
  EXPECT_EQ(c.summary.files, 1U);
  EXPECT_EQ(c.summary.records, 2U);
}

TEST_F(SweeperTest, ContextIsBoundedAndContainsTheValue) {
  const std::string line = std::string(1000, 'x') + " evil.example " + std::string(1000, 'y');
  Write("long.txt", line + "\n");
  const Index index = MakeIndex("evil.example\n");
  SweepOptions options;
  options.context_bytes = 64;
  auto c = Run(index, {dir_ / "long.txt"}, options);
  ASSERT_EQ(c.findings.size(), 1U);
  EXPECT_EQ(c.findings[0].context.size(), 64U);
  EXPECT_THAT(c.findings[0].context, HasSubstr("evil.example"));
  EXPECT_EQ(c.findings[0].offset, 1001U);
}

TEST_F(SweeperTest, OneFindingPerRecordAndIndicatorNamingTheFirstField) {
  Write("proxy.txt", "GET http://evil.example/x from evil.example again evil.example\n");
  const Index index = MakeIndex("evil.example\n");
  auto c = Run(index, {dir_ / "proxy.txt"});
  ASSERT_EQ(c.findings.size(), 1U);
  EXPECT_EQ(c.findings[0].offset, 11U);  // the URL's host, the first field that matched
}

TEST_F(SweeperTest, CompoundAndNeedsEveryTermInOneRecord) {
  const std::string compound =
      R"({"type":"indicator","spec_version":"2.1","id":"indicator--00000000-0000-4000-8000-)"
      R"(000000000001","created":"2024-01-01T00:00:00Z","modified":"2024-01-01T00:00:00Z",)"
      R"x("pattern":"[domain-name:value = 'c2.example' AND ipv4-addr:value = '192.0.2.1']",)x"
      R"("pattern_type":"stix","valid_from":"2024-01-01T00:00:00Z"})";
  const std::string either =
      R"({"type":"indicator","spec_version":"2.1","id":"indicator--00000000-0000-4000-8000-)"
      R"(000000000002","created":"2024-01-01T00:00:00Z","modified":"2024-01-01T00:00:00Z",)"
      R"x("pattern":"[domain-name:value = 'x.example' OR ipv4-addr:value = '192.0.2.9']",)x"
      R"("pattern_type":"stix","valid_from":"2024-01-01T00:00:00Z"})";
  Write("conn.txt",
        "only c2.example here\n"
        "only 192.0.2.1 here\n"
        "both www.c2.example to 192.0.2.1\n"
        "either 192.0.2.9\n"
        "either a.x.example and 192.0.2.9\n");
  const Index index = MakeIndex("", {compound, either});
  auto c = Run(index, {dir_ / "conn.txt"});
  std::vector<std::pair<std::uint64_t, std::string>> got;
  for (const auto& f : c.findings) got.emplace_back(f.line, f.value);
  EXPECT_THAT(got, ElementsAre(std::pair<std::uint64_t, std::string>{3, "www.c2.example"},
                               std::pair<std::uint64_t, std::string>{4, "192.0.2.9"},
                               std::pair<std::uint64_t, std::string>{5, "a.x.example"}));
}

// Values that only a format's parser gives, never the tokenizer on the raw line: escaped JSON
// strings, Windows DNS wire labels, the file name of a path field, and a compound indicator whose
// terms are two such fields of one record. Anything that decides from a line's raw bytes whether
// to read its fields (a prefilter) must still find each of them, chunked or not.
TEST_F(SweeperTest, ValuesOnlyAParserGivesAreMatched) {
  auto stix = [](std::string_view tail, std::string_view pattern) {
    return fmt::format(
        R"({{"type":"indicator","spec_version":"2.1","id":"indicator--00000000-0000-4000-8000-)"
        R"({}","created":"2024-01-01T00:00:00Z","modified":"2024-01-01T00:00:00Z",)"
        R"("pattern":"{}","pattern_type":"stix","valid_from":"2024-01-01T00:00:00Z"}})",
        tail, pattern);
  };
  const Index index = MakeIndex(
      "evil.example\nhttp://dl.example/gate/a.php\n",
      {stix("000000000001", "[file:name = 'dropper.exe']"),
       stix("000000000002", "[file:name = 'loader.dll' AND domain-name:value = 'c2.example']")});
  const std::string events =
      "{\"EventID\":22,\"QueryName\":\"c2\\u002eevil.example\"}\n"
      "{\"EventID\":3,\"DestinationUrl\":\"http:\\/\\/dl.example\\/gate\\/a.php\"}\n"
      "{\"EventID\":11,\"TargetFilename\":\"C:\\\\Users\\\\bob\\\\dropper.exe\"}\n"
      "{\"EventID\":7,\"Image\":\"C:\\\\x\\\\loader.dll\",\"QueryName\":\"c2.other\"}\n"
      "{\"EventID\":7,\"Image\":\"C:\\\\x\\\\loader.dll\",\"QueryName\":\"www.c2\\u002eexample\"}"
      "\n";
  Write("events.json", events);
  const std::string wire =
      "3/4/2024 1:23:45 PM 0E2C PACKET  000000D6B0B4C1D0 UDP Rcv 10.0.0.5        a1b2   Q "
      "[0001   D   NOERROR] A      (3)www(4)evil(7)example(0)";
  Write("dns.log", wire + "\n");
  using Row =
      std::tuple<std::uint64_t, Format, std::string, ObservableKind, std::string, std::string>;
  auto rows = [](const std::vector<Finding>& findings) {
    std::vector<Row> out;
    for (const Finding& f : findings) {
      out.emplace_back(f.line, f.format, f.field, f.kind, f.value, f.indicator_id);
    }
    return out;
  };
  const auto json = Run(index, {dir_ / "events.json"});
  EXPECT_THAT(rows(json.findings),
              ElementsAre(Row{1, Format::kJsonLines, "QueryName", ObservableKind::kDomain,
                              "c2.evil.example", "evil.example"},
                          Row{2, Format::kJsonLines, "DestinationUrl", ObservableKind::kUrl,
                              "http://dl.example/gate/a.php", "http://dl.example/gate/a.php"},
                          Row{3, Format::kJsonLines, "TargetFilename", ObservableKind::kFileName,
                              "dropper.exe", "indicator--00000000-0000-4000-8000-000000000001"},
                          Row{5, Format::kJsonLines, "Image", ObservableKind::kFileName,
                              "loader.dll", "indicator--00000000-0000-4000-8000-000000000002"}));
  const auto dns = Run(index, {dir_ / "dns.log"});
  ASSERT_EQ(dns.findings.size(), 1U);
  EXPECT_EQ(rows(dns.findings)[0], (Row{1, Format::kWindowsDns, "query", ObservableKind::kDomain,
                                        "www.evil.example", "evil.example"}));
  EXPECT_EQ(dns.findings[0].offset, wire.find("(3)www"));
  SweepOptions chunked;
  chunked.threads = 3;
  chunked.chunk_bytes = 64;  // about a chunk per line
  EXPECT_EQ(rows(Run(index, {dir_ / "events.json"}, chunked).findings), rows(json.findings));

  // The same lines after 64 others, past the head the reader always parses: the line filter
  // must let each of them through, and still skip lines.
  std::string head;
  for (int i = 0; i < 64; ++i) head += "{\"EventID\":1,\"Image\":\"C:\\\\Windows\\\\sc.exe\"}\n";
  Write("late.json", head + events + head);
  auto shifted = rows(json.findings);
  for (Row& row : shifted) std::get<0>(row) += 64;
  const auto late = Run(index, {dir_ / "late.json"});
  EXPECT_EQ(rows(late.findings), shifted);
  SweepOptions parse_all;
  parse_all.line_filter = false;
  const auto all = Run(index, {dir_ / "late.json"}, parse_all);
  EXPECT_EQ(rows(all.findings), shifted);
  EXPECT_EQ(late.summary.records, all.summary.records);
  EXPECT_LT(late.summary.fields, all.summary.fields);
  std::string dns_head;
  for (int i = 0; i < 64; ++i) {
    dns_head +=
        "3/4/2024 1:23:45 PM 0E2C PACKET  000000D6B0B4C1D0 UDP Rcv 10.0.0.5        a1b2   "
        "Q [0001   D   NOERROR] A      (4)good(7)example(0)\n";
  }
  Write("late_dns.log", dns_head + wire + "\n");
  const auto late_dns = Run(index, {dir_ / "late_dns.log"});
  ASSERT_EQ(late_dns.findings.size(), 1U);
  EXPECT_EQ(late_dns.findings[0].line, 65U);
  EXPECT_EQ(late_dns.findings[0].value, "www.evil.example");
}

TEST_F(SweeperTest, AggregatesCountAndUseRecordTimestamps) {
  Write("squid.log",
        "1709546400.000    120 10.0.0.5 TCP_MISS/200 512 GET http://evil.example/a - "
        "HIER_DIRECT/192.0.2.1 text/html\n"
        "1709550000.000    120 10.0.0.5 TCP_MISS/200 512 GET http://good.example/a - "
        "HIER_DIRECT/192.0.2.2 text/html\n"
        "1709553600.000    120 10.0.0.5 TCP_MISS/200 512 GET http://www.evil.example/b - "
        "HIER_DIRECT/192.0.2.1 text/html\n");
  const Index index = MakeIndex("evil.example\n192.0.2.1\n");
  auto c = Run(index, {dir_ / "squid.log"});
  ASSERT_EQ(c.summary.hits.size(), 2U);
  for (const IndicatorHits& h : c.summary.hits) {
    EXPECT_EQ(h.count, 2U);
    EXPECT_EQ(h.first_seen, TimePoint(std::chrono::seconds(1709546400)));
    EXPECT_EQ(h.last_seen, TimePoint(std::chrono::seconds(1709553600)));
  }
  ASSERT_EQ(c.findings.size(), 4U);
  EXPECT_EQ(c.findings[0].time, TimePoint(std::chrono::seconds(1709546400)));
}

TEST_F(SweeperTest, RecordTimesOfCommonFormats) {
  Write("nginx.log",
        "203.0.113.9 - - [04/Mar/2024:10:00:00 +0100] \"GET /x HTTP/1.1\" 200 5 "
        "\"http://evil.example/\" \"curl\"\n");
  Write("bind.log",
        "04-Mar-2024 09:00:00.123 client @0x7f 10.0.0.5#5353 (evil.example): query: "
        "evil.example IN A + (10.0.0.1)\n");
  Write("sysmon.json",
        R"({"EventID":22,"UtcTime":"2024-03-04 09:00:00.500","QueryName":"evil.example"})"
        "\n");
  Write("zeek_dns.json",
        R"({"ts":1709542800.123456,"uid":"C1","id.orig_h":"10.0.0.5","query":"evil.example"})"
        "\n");
  Write("zeek_http.json",
        R"({"ts": 1709542800, "uid": "C2", "id.orig_h": "10.0.0.5", "host": "evil.example"})"
        "\n");
  const Index index = MakeIndex("evil.example\n");
  auto c = Run(index, {dir_});
  ASSERT_EQ(c.findings.size(), 5U);
  for (const Finding& f : c.findings) {
    EXPECT_EQ(f.time, TimePoint(std::chrono::seconds(1709542800))) << f.file;
  }
}

TEST_F(SweeperTest, DirectoriesGlobsCompressionAndBinarySkips) {
  Write("a/dns.log", "query evil.example\n");
  Write("a/skip.txt", "query evil.example\n");
  Write("b/old.log.gz", testing_util::Gzip("query www.evil.example\n"));
  Write("b/blob.log", std::string("\0\0\0 evil.example\n", 18));
  const Index index = MakeIndex("evil.example\n");
  SweepOptions options;
  options.walk.include = {"*.log", "*.gz"};
  auto c = Run(index, {dir_}, options);
  std::vector<std::string> files;
  for (const auto& f : c.findings) files.push_back(fs::path(f.file).filename().string());
  std::sort(files.begin(), files.end());
  EXPECT_THAT(files, ElementsAre("dns.log", "old.log.gz"));
  ASSERT_EQ(c.skips.size(), 1U);
  EXPECT_EQ(c.skips[0].reason, "binary");
  EXPECT_EQ(c.summary.files, 2U);
}

TEST_F(SweeperTest, MissingRootFailsAndUnreadableFileIsASkip) {
  const Index index = MakeIndex("evil.example\n");
  EXPECT_FALSE(Sweep(index, {dir_ / "nope"}, {}));
  Write("bad.gz", std::string("\x1f\x8b\x08\x00garbage", 12));
  auto c = Run(index, {dir_ / "bad.gz"});
  ASSERT_EQ(c.skips.size(), 1U);
  EXPECT_EQ(c.skips[0].reason, "read-error");
}

TEST_F(SweeperTest, ChunkedParallelSweepEqualsSingleThreaded) {
  // Blank lines, comments and CRLF endings among them: each chunk's lines are counted for the
  // line numbers of the chunks after it.
  std::string text;
  for (int i = 0; i < 5000; ++i) {
    text += fmt::format(
        "Mar  4 10:{:02}:{:02} gw dnsmasq[1]: query[A] h{}.{}.example from "
        "10.0.{}.{}{}\n",
        i / 60 % 60, i % 60, i, i % 7 == 0 ? "evil" : "good", i % 250, i % 199,
        i % 103 == 0 ? "\r" : "");
    if (i % 97 == 0) text += "\n";
    if (i % 101 == 0) text += "# rotated\n";
  }
  Write("big.log", text);
  const Index index = MakeIndex("evil.example\n10.0.3.0/24\n");
  SweepOptions one;
  one.threads = 1;
  auto single = Run(index, {dir_ / "big.log"}, one);
  SweepOptions many;
  many.threads = 4;
  many.chunk_bytes = 10000;  // about 30 chunks
  auto chunked = Run(index, {dir_ / "big.log"}, many);
  auto key = [](const Finding& f) {
    return std::tuple(f.line, f.offset, f.value, f.indicator_id, f.context);
  };
  ASSERT_FALSE(single.findings.empty());
  // The last "evil" line is i = 4998, after 4998 lines, 52 blank ones and 50 comments.
  EXPECT_EQ(single.findings.back().line, 4998U + 52 + 50 + 1);
  ASSERT_EQ(single.findings.size(), chunked.findings.size());
  for (std::size_t i = 0; i < single.findings.size(); ++i) {
    EXPECT_EQ(key(single.findings[i]), key(chunked.findings[i])) << i;
  }
  EXPECT_EQ(single.summary.records, chunked.summary.records);
  EXPECT_EQ(single.summary.bytes, chunked.summary.bytes);
  EXPECT_EQ(chunked.summary.files, 1U);
  ASSERT_EQ(single.summary.hits.size(), chunked.summary.hits.size());
  for (std::size_t i = 0; i < single.summary.hits.size(); ++i) {
    EXPECT_EQ(single.summary.hits[i].count, chunked.summary.hits[i].count);
    EXPECT_EQ(single.summary.hits[i].first_seen, chunked.summary.hits[i].first_seen);
  }
}

TEST_F(SweeperTest, ProgressReachesTheTotalAndCancelStops) {
  Write("x.log", std::string(100000, 'a') + "\nevil.example\n");
  const Index index = MakeIndex("evil.example\n");
  std::vector<Progress> progress;
  SweepOptions options;
  options.on_progress = [&](const Progress& p) { progress.push_back(p); };
  auto c = Run(index, {dir_ / "x.log"}, options);
  ASSERT_FALSE(progress.empty());
  EXPECT_EQ(progress.back().bytes_done, fs::file_size(dir_ / "x.log"));
  EXPECT_EQ(progress.back().bytes_total, fs::file_size(dir_ / "x.log"));
  EXPECT_EQ(progress.back().files_done, 1U);
  EXPECT_EQ(progress.back().findings, 1U);

  std::atomic<bool> cancel{true};
  SweepOptions cancelled;
  cancelled.cancel = &cancel;
  auto none = Run(index, {dir_ / "x.log"}, cancelled);
  EXPECT_TRUE(none.findings.empty());
  EXPECT_TRUE(none.summary.cancelled);
}

TEST_F(SweeperTest, SweepReaderMatchesAStreamTheCallerOpened) {
  const Index index = MakeIndex("192.0.2.1\n");
  RecordReader reader(MemorySource("a 192.0.2.1 b\nc ::ffff:192.0.2.1 d\n"));
  std::vector<Finding> findings;
  SweepOptions options;
  options.on_finding = [&](const Finding& f) { findings.push_back(f); };
  SweepSummary summary;
  ASSERT_TRUE(SweepReader(index, reader, "mem", Now(), options, summary));
  ASSERT_EQ(findings.size(), 2U);
  EXPECT_EQ(findings[1].value, "::ffff:192.0.2.1");
  EXPECT_EQ(findings[1].time, std::nullopt);
  ASSERT_EQ(summary.hits.size(), 1U);
  EXPECT_EQ(summary.hits[0].first_seen, Now());
}

}  // namespace
}  // namespace caduceus::sweep
