// Globs and the directory walk: include and exclude patterns on names and relative paths, links
// skipped or followed only inside the roots, special files skipped, the depth bound, a stable
// order, and a pathological pattern that must not take exponential time.
#include "sweep/walk.h"

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

namespace caduceus::sweep {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;

TEST(GlobMatch, MatchesStarsQuestionMarksAndClasses) {
  EXPECT_TRUE(GlobMatch("*.log", "access.log"));
  EXPECT_FALSE(GlobMatch("*.log", "access.log.1"));
  EXPECT_TRUE(GlobMatch("*.log*", "access.log.1.gz"));
  EXPECT_FALSE(GlobMatch("*.log", "squid/access.log"));
  EXPECT_TRUE(GlobMatch("access.?", "access.1"));
  EXPECT_FALSE(GlobMatch("a?b", "a/b"));
  EXPECT_TRUE(GlobMatch("[a-c]*.log", "b.log"));
  EXPECT_FALSE(GlobMatch("[!a-c]*.log", "b.log"));
  EXPECT_TRUE(GlobMatch("[^a-c]*.log", "x.log"));
  EXPECT_TRUE(GlobMatch("\\*.log", "*.log"));
  EXPECT_FALSE(GlobMatch("\\*.log", "a.log"));
  EXPECT_TRUE(GlobMatch("[.log", "[.log"));
}

TEST(GlobMatch, DoubleStarCrossesDirectories) {
  EXPECT_TRUE(GlobMatch("**/x.log", "x.log"));
  EXPECT_TRUE(GlobMatch("**/x.log", "a/x.log"));
  EXPECT_TRUE(GlobMatch("**/x.log", "a/b/x.log"));
  EXPECT_FALSE(GlobMatch("**/x.log", "a/bx.log"));
  EXPECT_TRUE(GlobMatch("squid/**", "squid/2024/03/access.log"));
  EXPECT_TRUE(GlobMatch("a/**/b", "a/b"));
  EXPECT_TRUE(GlobMatch("a/**/b", "a/x/y/b"));
  EXPECT_TRUE(GlobMatch("**", "any/thing"));
  EXPECT_FALSE(GlobMatch("*", "any/thing"));
}

TEST(GlobMatch, StaysFastOnPathologicalPatterns) {
  const std::string text(200, 'a');
  EXPECT_FALSE(GlobMatch("*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b", text));
  EXPECT_FALSE(GlobMatch("**a**a**a**a**a**a**a**a**a**a**b", text));
  EXPECT_FALSE(GlobMatch(std::string(40, '*') + "b", text));  // over the star bound
}

class WalkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/sweep-walk-XXXXXX";
    base_ = ::mkdtemp(pattern);
    root_ = base_ / "root";
    fs::create_directories(root_ / "sub" / "deep");
    fs::create_directories(root_ / "skip");
    Write(root_ / "a.log");
    Write(root_ / "b.txt");
    Write(root_ / "sub" / "c.log.gz");
    Write(root_ / "sub" / "deep" / "d.log");
    Write(root_ / "skip" / "e.log");
    Write(base_ / "outside.log");
    ASSERT_EQ(::mkfifo((root_ / "fifo.log").c_str(), 0600), 0);
    fs::create_symlink(root_ / "a.log", root_ / "link_in.log");
    fs::create_symlink(base_ / "outside.log", root_ / "link_out.log");
    fs::create_symlink(root_ / "sub", root_ / "linkdir");
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(base_, ec);
  }

  static void Write(const fs::path& path) { std::ofstream(path) << "evil.com\n"; }

  struct Result {
    std::vector<std::string> files;
    std::vector<std::string> skipped;
    Status status;
  };

  Result Run(const WalkOptions& options, std::vector<fs::path> roots = {}) {
    if (roots.empty()) roots.push_back(root_);
    Result r;
    r.status = Walk(
        roots, options,
        [&](const WalkFile& f) {
          r.files.push_back(f.path.lexically_relative(base_).string() +
                            (f.via_symlink ? " (link)" : ""));
        },
        [&](const WalkSkip& s) {
          r.skipped.push_back(s.path.lexically_relative(base_).string() + " " +
                              std::string(SkipReasonName(s.reason)));
        });
    return r;
  }

  fs::path base_;
  fs::path root_;
};

TEST_F(WalkTest, ListsFilesInOrderAndSkipsLinksAndSpecialFiles) {
  const Result r = Run({});
  ASSERT_TRUE(r.status);
  EXPECT_THAT(r.files, ElementsAre("root/a.log", "root/b.txt", "root/skip/e.log",
                                   "root/sub/c.log.gz", "root/sub/deep/d.log"));
  EXPECT_THAT(r.skipped, ElementsAre("root/fifo.log special", "root/link_in.log symlink",
                                     "root/link_out.log symlink", "root/linkdir symlink"));
}

TEST_F(WalkTest, AppliesIncludeAndExcludeGlobs) {
  WalkOptions options;
  options.include = {"*.log", "*.log.gz"};
  options.exclude = {"skip", "**/deep/*"};
  const Result r = Run(options);
  ASSERT_TRUE(r.status);
  EXPECT_THAT(r.files, ElementsAre("root/a.log", "root/sub/c.log.gz"));
}

TEST_F(WalkTest, FollowsLinksOnlyInsideTheRootsAndVisitsEachFileOnce) {
  WalkOptions options;
  options.follow_symlinks = true;
  const Result r = Run(options);
  ASSERT_TRUE(r.status);
  // linkdir comes before sub: its files are reported through the link, then sub is not walked
  // again; link_in.log is a.log, already reported.
  EXPECT_THAT(r.files, ElementsAre("root/a.log", "root/b.txt", "root/linkdir/c.log.gz",
                                   "root/linkdir/deep/d.log", "root/skip/e.log"));
  EXPECT_THAT(r.skipped, ElementsAre("root/fifo.log special", "root/link_out.log outside-roots"));
}

TEST_F(WalkTest, StopsAtTheDepthBound) {
  WalkOptions options;
  options.max_depth = 1;
  const Result r = Run(options);
  ASSERT_TRUE(r.status);
  EXPECT_THAT(r.files,
              ElementsAre("root/a.log", "root/b.txt", "root/skip/e.log", "root/sub/c.log.gz"));
  EXPECT_THAT(r.skipped, testing::Contains("root/sub/deep too-deep"));
}

TEST_F(WalkTest, TakesAFileRootAsItIsAndFailsOnAMissingRoot) {
  WalkOptions options;
  options.include = {"*.gz"};
  const Result r = Run(options, {root_ / "b.txt"});
  ASSERT_TRUE(r.status);
  EXPECT_THAT(r.files, ElementsAre("root/b.txt"));
  const Result missing = Run({}, {root_ / "nope"});
  ASSERT_FALSE(missing.status);
  EXPECT_EQ(missing.status.error().code, Errc::kNotFound);
}

}  // namespace
}  // namespace caduceus::sweep
