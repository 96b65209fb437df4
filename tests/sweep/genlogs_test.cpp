// The readers on ../shared/bench/gen_logs.py output (skipped without python3 or the script):
// every planted indicator value is a field of its line with the right kind and value, in a
// record of the right format, both in one interleaved file and in one file per format; every
// near-miss decoy comes out whole and never as the indicator it resembles; the parsers find
// everything the tokenizer finds on the same lines; tokenizing a whole file equals tokenizing
// its lines; and gzip and zstd copies read the same.
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "compress_util.h"
#include "sweep/reader.h"
#include "sweep/tokenizer.h"
#include "sweep_test_util.h"

namespace caduceus::sweep {
namespace {

namespace fs = std::filesystem;
using intel::ObservableKind;
using testing_util::SharedDir;

struct TruthRow {
  std::string file;
  std::uint64_t line = 0;
  std::string kind;
  std::string indicator;
  std::string observed;
  std::string format;
};

using Value = std::pair<ObservableKind, std::string>;

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

std::vector<TruthRow> ReadTruth(const fs::path& path) {
  std::vector<TruthRow> rows;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> cells;
    std::stringstream fields(line);
    std::string cell;
    while (std::getline(fields, cell, '\t')) cells.push_back(cell);
    if (cells.size() < 6) continue;
    rows.push_back({cells[0], std::stoull(cells[1]), cells[2], cells[3], cells[4], cells[5]});
  }
  return rows;
}

// The normal form of a truth or decoy value by its kind column ("domain-subdomain",
// "ipv4-cidr", "url-exact", "md5", "decoy-ipv6", ...).
std::optional<Value> Expected(const std::string& kind, const std::string& value) {
  std::string k = kind;
  if (k.rfind("decoy-", 0) == 0) k = k.substr(6);
  ObservableKind target = ObservableKind::kDomain;
  if (k.rfind("domain", 0) == 0) {
    target = ObservableKind::kDomain;
  } else if (k.rfind("ipv4", 0) == 0) {
    target = ObservableKind::kIpv4;
  } else if (k.rfind("ipv6", 0) == 0) {
    target = ObservableKind::kIpv6;
  } else if (k.rfind("url", 0) == 0) {
    target = ObservableKind::kUrl;
  } else if (auto hash = intel::ParseKindName(k)) {
    target = *hash;
  } else {
    return std::nullopt;
  }
  auto o = intel::Normalise(target, value);
  if (!o) return std::nullopt;
  return Value{o->kind, o->value};
}

Format FormatOfGenerator(const std::string& name) {
  if (name == "squid") return Format::kSquid;
  if (name == "bind") return Format::kBind;
  if (name == "dnsmasq") return Format::kDnsmasq;
  if (name == "zeek") return Format::kZeekTsv;
  if (name == "nginx") return Format::kCombined;
  return Format::kJsonLines;
}

struct LineValues {
  Format format = Format::kText;
  std::set<Value> values;
};

// The normal forms of the fields of the given lines of a file.
std::map<std::uint64_t, LineValues> ValuesOfLines(const fs::path& path,
                                                  const std::set<std::uint64_t>& wanted) {
  std::map<std::uint64_t, LineValues> out;
  auto input = OpenInput(path);
  EXPECT_TRUE(input) << path;
  if (!input) return out;
  RecordReader reader(std::move(input->source));
  Record record;
  while (reader.Next(record).value()) {
    if (!wanted.count(record.line)) continue;
    LineValues& v = out[record.line];
    v.format = record.format;
    for (const Field& f : record.fields) {
      if (auto o = NormaliseField(f)) v.values.emplace(o->kind, o->value);
    }
  }
  return out;
}

class GenLogs : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const fs::path bench = SharedDir() / "bench";
    std::error_code ec;
    if (SharedDir().empty() || !fs::is_regular_file(bench / "gen_logs.py", ec) ||
        std::system("python3 --version > /dev/null 2>&1") != 0) {
      skip_ = "no python3 or no ../shared/bench/gen_logs.py";
      return;
    }
    char pattern[] = "/tmp/sweep-genlogs-XXXXXX";
    dir_ = ::mkdtemp(pattern);
    const std::string quiet = " > " + (dir_ / "gen.out").string() + " 2>&1";
    const std::string py = "python3 " + bench.string();
    const std::string d = dir_.string();
    const bool ok =
        std::system(
            (py + "/gen_iocs.py --count 5000 --seed 11 --no-stix --out " + d + "/iocs" + quiet)
                .c_str()) == 0 &&
        std::system((py + "/gen_logs.py --size 3M --seed 11 --hit-every 150 --decoy-every 150 " +
                     "--iocs " + d + "/iocs.txt --out " + d + "/mixed.log" + quiet)
                        .c_str()) == 0 &&
        std::system((py + "/gen_logs.py --size 3M --seed 12 --hit-every 100 --decoy-every 100 " +
                     "--split --iocs " + d + "/iocs.txt --out " + d + "/day.log" + quiet)
                        .c_str()) == 0;
    if (!ok) skip_ = "gen_logs.py failed: see " + (dir_ / "gen.out").string();
  }

  static void TearDownTestSuite() {
    std::error_code ec;
    if (!dir_.empty() && skip_.empty()) fs::remove_all(dir_, ec);
  }

  void SetUp() override {
    if (!skip_.empty()) GTEST_SKIP() << skip_;
  }

  static std::vector<TruthRow> Rows(const std::string& name) {
    std::vector<TruthRow> rows = ReadTruth(dir_ / (name + ".truth.tsv"));
    const auto decoys = ReadTruth(dir_ / (name + ".decoys.tsv"));
    rows.insert(rows.end(), decoys.begin(), decoys.end());
    return rows;
  }

  static inline fs::path dir_;
  static inline std::string skip_;
};

TEST_F(GenLogs, EveryPlantedValueIsAFieldOfItsLineAndDecoysComeOutWhole) {
  std::size_t hits = 0;
  std::size_t decoys = 0;
  for (const std::string name : {"mixed", "day"}) {
    const auto rows = Rows(name);
    std::map<std::string, std::set<std::uint64_t>> wanted;
    for (const TruthRow& r : rows) wanted[r.file].insert(r.line);
    ASSERT_FALSE(wanted.empty()) << name;
    for (const auto& [file, lines] : wanted) {
      const auto values = ValuesOfLines(dir_ / file, lines);
      for (const TruthRow& r : rows) {
        if (r.file != file) continue;
        const auto it = values.find(r.line);
        ASSERT_NE(it, values.end()) << file << ":" << r.line;
        EXPECT_EQ(it->second.format, FormatOfGenerator(r.format)) << file << ":" << r.line;
        const auto observed = Expected(r.kind, r.observed);
        ASSERT_TRUE(observed) << r.kind << " " << r.observed;
        EXPECT_TRUE(it->second.values.count(*observed))
            << file << ":" << r.line << " " << r.kind << " " << r.observed;
        if (r.kind.rfind("decoy-", 0) == 0) {
          ++decoys;
          if (r.kind.find("cidr") == std::string::npos) {
            const auto indicator = Expected(r.kind, r.indicator);
            ASSERT_TRUE(indicator);
            EXPECT_FALSE(it->second.values.count(*indicator))
                << file << ":" << r.line << " decoy of " << r.indicator << " reads as it";
          }
        } else {
          ++hits;
        }
      }
    }
  }
  EXPECT_GT(hits, 100U);
  EXPECT_GT(decoys, 100U);
}

// The tokenizer's values of a line, without what the parsers leave out on purpose: Sysmon's
// IMPHASH (no file digest) and hex runs inside a DNS name (a DGA label, no file digest).
std::set<Value> TokenValues(std::string_view line) {
  std::vector<Token> tokens;
  Tokenize(line, tokens);
  std::set<Value> out;
  std::size_t name_end = 0;
  for (const Token& t : tokens) {
    if (t.kind == ObservableKind::kDomain)
      name_end = std::max<std::size_t>(name_end, t.begin + t.size);
    const bool digest = t.kind == ObservableKind::kMd5 || t.kind == ObservableKind::kSha1 ||
                        t.kind == ObservableKind::kSha256 || t.kind == ObservableKind::kSha512;
    if (digest && t.begin < name_end) continue;
    if (t.begin >= 8 && line.substr(t.begin - 8, 8) == "IMPHASH=") continue;
    if (auto o = intel::Normalise(t.kind, line.substr(t.begin, t.size))) {
      out.emplace(o->kind, o->value);
    }
  }
  return out;
}

TEST_F(GenLogs, ParsersFindEverythingTheTokenizerFinds) {
  auto input = OpenInput(dir_ / "mixed.log");
  ASSERT_TRUE(input);
  RecordReader reader(std::move(input->source));
  Record record;
  std::size_t structured = 0;
  while (reader.Next(record).value()) {
    if (record.format == Format::kText) continue;
    ++structured;
    std::set<Value> fields;
    for (const Field& f : record.fields) {
      if (auto o = NormaliseField(f)) fields.emplace(o->kind, o->value);
    }
    for (const Value& v : TokenValues(record.text)) {
      EXPECT_TRUE(fields.count(v)) << "line " << record.line << " (" << FormatName(record.format)
                                   << ") misses " << intel::KindName(v.first) << " " << v.second;
    }
  }
  EXPECT_GT(structured, 10000U);
}

TEST_F(GenLogs, TokenizingAWholeFileEqualsTokenizingItsLines) {
  const std::string text = ReadFile(dir_ / "mixed.log");
  std::vector<Token> whole;
  Tokenize(text, whole);
  std::vector<Token> lines;
  std::size_t begin = 0;
  while (begin < text.size()) {
    std::size_t end = text.find('\n', begin);
    if (end == std::string::npos) end = text.size();
    const std::size_t first = lines.size();
    Tokenize(std::string_view(text).substr(begin, end - begin), lines);
    for (std::size_t i = first; i < lines.size(); ++i) {
      lines[i].begin += static_cast<std::uint32_t>(begin);
    }
    begin = end + 1;
  }
  ASSERT_EQ(whole.size(), lines.size());
  for (std::size_t i = 0; i < whole.size(); ++i) {
    ASSERT_EQ(whole[i].begin, lines[i].begin) << i;
    ASSERT_EQ(whole[i].size, lines[i].size) << i;
    ASSERT_EQ(whole[i].kind, lines[i].kind) << i;
  }
}

TEST_F(GenLogs, CompressedCopiesReadTheSame) {
  const std::string text = ReadFile(dir_ / "mixed.log");
  const auto plain = testing_util::ReadAll(MemorySource(text));
  ASSERT_FALSE(plain.error);
  const std::string gz = testing_util::Gzip(text);
  const std::string zst = testing_util::Zstd(text);
  for (const std::string* packed : {&gz, &zst}) {
    auto decoded = Decompress(MemorySource(*packed));
    ASSERT_TRUE(decoded);
    const auto copy = testing_util::ReadAll(std::move(decoded->source));
    ASSERT_FALSE(copy.error);
    ASSERT_EQ(copy.records.size(), plain.records.size());
    for (std::size_t i = 0; i < copy.records.size(); ++i) {
      const auto& a = plain.records[i];
      const auto& b = copy.records[i];
      ASSERT_EQ(a.line, b.line);
      ASSERT_EQ(a.offset, b.offset);
      ASSERT_EQ(a.format, b.format);
      ASSERT_EQ(a.fields, b.fields) << "line " << a.line;
    }
  }
}

}  // namespace
}  // namespace caduceus::sweep
