// The whole sweep against ../shared/bench/gen_logs.py ground truth (skipped without python3 or
// the script): every planted (line, indicator) pair is found — exact, subdomain, inside a CIDR,
// upper-case hashes, URLs — and nothing else, decoys included; in one interleaved file, one file
// per format, compressed copies, and with chunked parallel reading; and the STIX bundle of the
// same indicators finds the same lines.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "compress_util.h"
#include "sweep/indicators.h"
#include "sweep/sweeper.h"
#include "sweep_test_util.h"

namespace caduceus::sweep {
namespace {

namespace fs = std::filesystem;
using testing_util::SharedDir;

// (file name, line, indicator)
using Hit3 = std::tuple<std::string, std::uint64_t, std::string>;

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

struct Truth {
  std::set<Hit3> hits;
  std::map<std::string, std::size_t> kinds;  // rows per kind column
};

Truth ReadTruth(const fs::path& path) {
  Truth truth;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> cells;
    std::stringstream fields(line);
    std::string cell;
    while (std::getline(fields, cell, '\t')) cells.push_back(cell);
    if (cells.size() < 6) continue;
    truth.hits.emplace(fs::path(cells[0]).filename().string(), std::stoull(cells[1]), cells[3]);
    ++truth.kinds[cells[2]];
  }
  return truth;
}

class Recall : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const fs::path bench = SharedDir() / "bench";
    std::error_code ec;
    if (SharedDir().empty() || !fs::is_regular_file(bench / "gen_logs.py", ec) ||
        std::system("python3 --version > /dev/null 2>&1") != 0) {
      skip_ = "no python3 or no ../shared/bench/gen_logs.py";
      return;
    }
    char pattern[] = "/tmp/sweep-recall-XXXXXX";
    dir_ = ::mkdtemp(pattern);
    const std::string quiet = " > " + (dir_ / "gen.out").string() + " 2>&1";
    const std::string py = "python3 " + bench.string();
    const std::string d = dir_.string();
    fs::create_directories(dir_ / "split");
    const bool ok =
        std::system(
            (py + "/gen_iocs.py --count 4000 --seed 21 --out " + d + "/iocs" + quiet).c_str()) ==
            0 &&
        std::system((py + "/gen_logs.py --size 4M --seed 21 --hit-every 60 --decoy-every 60 " +
                     "--iocs " + d + "/iocs.txt --out " + d + "/mixed.log" + quiet)
                        .c_str()) == 0 &&
        std::system((py + "/gen_logs.py --size 3M --seed 22 --hit-every 50 --decoy-every 50 " +
                     "--split --iocs " + d + "/iocs.txt --out " + d + "/split/day.log" + quiet)
                        .c_str()) == 0;
    if (!ok) skip_ = "gen_iocs.py or gen_logs.py failed: see " + (dir_ / "gen.out").string();
  }

  static void TearDownTestSuite() {
    std::error_code ec;
    if (!dir_.empty() && skip_.empty()) fs::remove_all(dir_, ec);
  }

  void SetUp() override {
    if (!skip_.empty()) GTEST_SKIP() << skip_;
  }

  static Index ListIndex() {
    IndicatorSetBuilder builder({TimePoint(std::chrono::seconds(1'750'000'000))});
    builder.AddList(ReadFile(dir_ / "iocs.txt"), "bench");
    EXPECT_TRUE(builder.report().skipped.empty());
    return Index::Build(builder.Finish()).value();
  }

  // The (file name, line, indicator) of every finding; the file name without .gz / .zst.
  static std::set<Hit3> Found(const Index& index,
                              const std::vector<fs::path>& paths,
                              SweepOptions options = {}) {
    std::set<Hit3> found;
    std::mutex m;
    options.on_finding = [&](const Finding& f) {
      std::string name = fs::path(f.file).filename().string();
      for (std::string_view ext : {".gz", ".zst"}) {
        if (name.ends_with(ext)) name.resize(name.size() - ext.size());
      }
      std::lock_guard lock(m);
      const bool fresh = found.emplace(name, f.line, f.indicator_id).second;
      EXPECT_TRUE(fresh) << "duplicate finding " << name << ":" << f.line << " " << f.indicator_id;
    };
    auto summary = Sweep(index, paths, options);
    EXPECT_TRUE(summary);
    return found;
  }

  static void ExpectSame(const std::set<Hit3>& truth, const std::set<Hit3>& found) {
    std::size_t missed = 0;
    std::size_t extra = 0;
    for (const auto& t : truth) {
      if (found.count(t) == 0 && ++missed <= 10) {
        ADD_FAILURE() << "missed " << std::get<0>(t) << ":" << std::get<1>(t) << " "
                      << std::get<2>(t);
      }
    }
    for (const auto& f : found) {
      if (truth.count(f) == 0 && ++extra <= 10) {
        ADD_FAILURE() << "false positive " << std::get<0>(f) << ":" << std::get<1>(f) << " "
                      << std::get<2>(f);
      }
    }
    EXPECT_EQ(missed, 0U) << "recall below 100% (" << truth.size() << " planted)";
    EXPECT_EQ(extra, 0U) << "precision below 100%";
  }

  static inline fs::path dir_;
  static inline std::string skip_;
};

TEST_F(Recall, InterleavedFileEveryPlantedHitAndNothingElse) {
  const Truth truth = ReadTruth(dir_ / "mixed.truth.tsv");
  ASSERT_GT(truth.hits.size(), 300U);
  EXPECT_GT(truth.kinds.count("domain-subdomain"), 0U);
  EXPECT_GT(truth.kinds.count("ipv4-cidr") + truth.kinds.count("ipv6-cidr"), 0U);
  EXPECT_FALSE(ReadTruth(dir_ / "mixed.decoys.tsv").hits.empty());
  const Index index = ListIndex();
  SweepOptions options;
  options.threads = 1;
  ExpectSame(truth.hits, Found(index, {dir_ / "mixed.log"}, options));
}

TEST_F(Recall, ChunkedParallelSweepFindsTheSame) {
  const Truth truth = ReadTruth(dir_ / "mixed.truth.tsv");
  const Index index = ListIndex();
  SweepOptions options;
  options.threads = 3;
  options.chunk_bytes = 300 * 1024;
  ExpectSame(truth.hits, Found(index, {dir_ / "mixed.log"}, options));
}

TEST_F(Recall, OneFilePerFormatAndCompressedCopies) {
  Truth truth = ReadTruth(dir_ / "split" / "day.truth.tsv");
  ASSERT_GT(truth.hits.size(), 200U);
  // Compress two of the files; their findings must not change.
  std::size_t compressed = 0;
  for (const auto& entry : fs::directory_iterator(dir_ / "split")) {
    const std::string name = entry.path().filename().string();
    if (!name.ends_with(".log")) continue;
    if (name.find("bind") != std::string::npos || name.find("sysmon") != std::string::npos) {
      const std::string text = ReadFile(entry.path());
      const bool gzip = name.find("bind") != std::string::npos;
      std::ofstream(entry.path().string() + (gzip ? ".gz" : ".zst"), std::ios::binary)
          << (gzip ? testing_util::Gzip(text) : testing_util::Zstd(text));
      fs::remove(entry.path());
      ++compressed;
    }
  }
  ASSERT_EQ(compressed, 2U);
  const Index index = ListIndex();
  SweepOptions options;
  options.walk.exclude = {"*.tsv", "*.json"};
  ExpectSame(truth.hits, Found(index, {dir_ / "split"}, options));
}

TEST_F(Recall, StixBundleFindsTheSameLines) {
  const Index list = ListIndex();
  IndicatorSetBuilder builder({TimePoint(std::chrono::seconds(1'750'000'000))});
  auto added = builder.AddStixBundle(ReadFile(dir_ / "iocs.stix.json"), "bench", {});
  ASSERT_TRUE(added);
  EXPECT_EQ(*added, list.size());
  const Index stix = Index::Build(builder.Finish()).value();
  auto lines = [](const std::set<Hit3>& hits) {
    std::set<std::uint64_t> out;
    for (const auto& h : hits) out.insert(std::get<1>(h));
    return out;
  };
  const auto from_list = lines(Found(list, {dir_ / "mixed.log"}));
  const auto from_stix = lines(Found(stix, {dir_ / "mixed.log"}));
  EXPECT_FALSE(from_list.empty());
  EXPECT_EQ(from_list, from_stix);
}

}  // namespace
}  // namespace caduceus::sweep
