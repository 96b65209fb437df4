// The file sweep: one-read hashing, hash and file-name indicators through the index, YARA rules
// from STIX indicators, and the walk's bounds (links, special files, size).
#include "agent/file_sweep.h"

#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "support/test_db.h"
#include "sweep/indicators.h"

namespace caduceus::agent {
namespace {

namespace fs = std::filesystem;

void Write(const fs::path& p, const std::string& content) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << content;
}

std::string Indicator(const std::string& id, const std::string& pattern) {
  return R"({"type":"indicator","spec_version":"2.1","id":")" + id +
         R"(","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z",)"
         R"("valid_from":"2026-01-01T00:00:00Z","pattern_type":"stix","pattern":")" +
         pattern + R"("})";
}

TEST(FileSweepHash, ComputesMd5Sha1AndSha256InOneRead) {
  caduceus::testing::TempDir tmp;
  const fs::path file = fs::path(tmp.path()) / "abc";
  Write(file, "abc");
  const int fd = ::open(file.c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  auto d = HashFile(fd, 1 << 20);
  ::close(fd);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->md5, "900150983cd24fb0d6963f7d28e17f72");
  EXPECT_EQ(d->sha1, "a9993e364706816aba3e25717850c26c9cd0d89d");
  EXPECT_EQ(d->sha256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(YaraRulesCompile, LeavesOutRulesThatDoNotCompileOrInclude) {
  std::vector<std::string> rejected;
  auto rules = YaraRules::Compile(
      {{"indicator--good", "c", {}, {}, "rule good { strings: $a = \"X\" condition: $a }"},
       {"indicator--bad", "c", {}, {}, "rule bad { condition: nonsense( }"},
       {"indicator--incl", "c", {}, {}, "include \"/etc/passwd\"\nrule i { condition: true }"}},
      rejected);
  ASSERT_TRUE(rules);
  EXPECT_FALSE(rules->empty());
  ASSERT_EQ(rejected.size(), 2u);
  EXPECT_EQ(rejected[0].rfind("indicator--bad:", 0), 0u) << rejected[0];
  EXPECT_EQ(rejected[1].rfind("indicator--incl:", 0), 0u) << rejected[1];
}

class FileSweep : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::path(tmp_.path()) / "root";
    sweep::IndicatorSetBuilder builder({.now = std::chrono::system_clock::now()});
    // A SHA-256 no file here has, a file name, and a compound of a name and an MD5.
    ASSERT_TRUE(builder.AddStix(
        Indicator("indicator--00000000-0000-4000-8000-000000000001",
                  "[file:hashes.'SHA-256' = "
                  "'1ed1d8c6a1b1b6e4c8ba7ef0bd2f4ba1fbcb5c3e6e44fb3cd6dc9d0b1e5b8a0c']"),
        "test"));
    ASSERT_TRUE(builder.AddStix(Indicator("indicator--00000000-0000-4000-8000-000000000002",
                                          "[file:name = 'mimikatz.exe']"),
                                "test"));
    ASSERT_TRUE(builder.AddStix(Indicator("indicator--00000000-0000-4000-8000-000000000003",
                                          "[file:name = 'both.bin' AND file:hashes.MD5 = "
                                          "'900150983cd24fb0d6963f7d28e17f72']"),
                                "test"));
    auto set = builder.Finish();
    auto index = sweep::Index::Build(set);
    ASSERT_TRUE(index);
    index_ = std::move(*index);
  }

  std::map<std::string, std::set<std::string>> Run(const YaraRules& yara,
                                                   FileSweepOptions options,
                                                   std::vector<sweep::SweepSkip>* skips = nullptr) {
    std::map<std::string, std::set<std::string>> found;
    options.threads = 2;
    options.on_finding = [&](const sweep::Finding& f) {
      found[fs::path(f.file).filename().string()].insert(f.indicator_id + " " + f.field);
    };
    options.on_skip = [&](const sweep::SweepSkip& s) {
      if (skips != nullptr) skips->push_back(s);
    };
    auto summary = SweepFiles(index_, yara, {root_}, options);
    EXPECT_TRUE(summary);
    return found;
  }

  caduceus::testing::TempDir tmp_;
  fs::path root_;
  sweep::Index index_;
};

TEST_F(FileSweep, MatchesHashesNamesCompoundsAndYaraRulesAndNothingElse) {
  Write(root_ / "a" / "MimiKatz.EXE", "harmless");
  Write(root_ / "a" / "both.bin", "abc");
  Write(root_ / "a" / "other.bin", "abc");
  Write(root_ / "b" / "marker.txt", "prefix CADUCEUS-YARA-TEST-MARKER suffix");
  Write(root_ / "b" / "clean.txt", "nothing to see");
  std::vector<std::string> rejected;
  auto yara = YaraRules::Compile(
      {{"indicator--00000000-0000-4000-8000-0000000000aa",
        "test",
        {},
        {},
        "rule marker { strings: $m = \"CADUCEUS-YARA-TEST-MARKER\" condition: $m }"}},
      rejected);
  ASSERT_TRUE(yara);
  const auto found = Run(*yara, {});
  const std::map<std::string, std::set<std::string>> expected = {
      {"MimiKatz.EXE", {"indicator--00000000-0000-4000-8000-000000000002 name"}},
      {"both.bin", {"indicator--00000000-0000-4000-8000-000000000003 hashes.MD5"}},
      {"marker.txt", {"indicator--00000000-0000-4000-8000-0000000000aa yara"}},
  };
  EXPECT_EQ(found, expected);
}

TEST_F(FileSweep, NeverFollowsLinksOutOfTheRootsAndSkipsSpecialAndLargeFiles) {
  const fs::path outside = fs::path(tmp_.path()) / "outside";
  Write(outside / "mimikatz.exe", "x");
  fs::create_directories(root_);
  fs::create_directory_symlink(outside, root_ / "link-dir");
  fs::create_symlink(outside / "mimikatz.exe", root_ / "link-file.exe");
  ASSERT_EQ(::mkfifo((root_ / "fifo").c_str(), 0600), 0);
  Write(root_ / "big" / "mimikatz.exe", std::string(4096, 'x'));
  YaraRules none;
  std::vector<sweep::SweepSkip> skips;
  FileSweepOptions options;
  options.max_bytes = 1024;
  const auto found = Run(none, options, &skips);
  EXPECT_TRUE(found.empty()) << found.begin()->first;
  std::set<std::string> reasons;
  for (const auto& s : skips) reasons.insert(fs::path(s.path).filename().string() + " " + s.reason);
  EXPECT_TRUE(reasons.count("mimikatz.exe too-large")) << ::testing::PrintToString(reasons);
  EXPECT_TRUE(reasons.count("fifo special")) << ::testing::PrintToString(reasons);
  EXPECT_TRUE(reasons.count("link-dir symlink")) << ::testing::PrintToString(reasons);
  EXPECT_TRUE(reasons.count("link-file.exe symlink")) << ::testing::PrintToString(reasons);
}

}  // namespace
}  // namespace caduceus::agent
