// StaticFiles over a real temporary directory.
#include "http/static_files.h"

#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>
#include <unistd.h>

namespace caduceus::http {
namespace {

namespace fs = std::filesystem;

class StaticFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/caduceus-static-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    base_ = pattern;
    root_ = base_ / "dist";
    fs::create_directories(root_ / "assets");
    fs::create_directories(root_ / "docs");
    Write(root_ / "index.html", "<html>app</html>");
    Write(root_ / "assets" / "index-3f2a.js", "console.log(1)");
    Write(root_ / "assets" / "index-3f2a.css", "body{}");
    Write(root_ / "assets" / "lib.mjs", "export{}");
    Write(root_ / "assets" / "logo.svg", "<svg/>");
    Write(root_ / "assets" / "font.woff2", "wOF2");
    Write(root_ / "assets" / "index-3f2a.js.map", "{}");
    Write(root_ / "favicon.ico", "ico");
    Write(root_ / "logo.png", "png");
    Write(root_ / "manifest.json", "{}");
    Write(root_ / "robots.txt", "User-agent: *");
    Write(root_ / "blob.bin", "raw");
    Write(root_ / ".env", "SECRET=1");
    Write(base_ / "secret.txt", "outside");
  }
  void TearDown() override { fs::remove_all(base_); }

  static void Write(const fs::path& path, const std::string& content) {
    std::ofstream(path, std::ios::binary) << content;
  }

  std::optional<Response> Get(std::string path, Method method = Method::kGet) const {
    Request r;
    r.method = method;
    r.path = std::move(path);
    return StaticFiles(root_.string()).Serve(r);
  }

  fs::path base_;
  fs::path root_;
};

TEST_F(StaticFilesTest, ServesFilesWithContentTypeByExtension) {
  const std::pair<std::string, std::string> cases[] = {
      {"/index.html", "text/html; charset=utf-8"},
      {"/assets/index-3f2a.js", "text/javascript; charset=utf-8"},
      {"/assets/lib.mjs", "text/javascript; charset=utf-8"},
      {"/assets/index-3f2a.css", "text/css; charset=utf-8"},
      {"/assets/logo.svg", "image/svg+xml"},
      {"/logo.png", "image/png"},
      {"/favicon.ico", "image/x-icon"},
      {"/manifest.json", "application/json"},
      {"/assets/font.woff2", "font/woff2"},
      {"/assets/index-3f2a.js.map", "application/json"},
      {"/robots.txt", "text/plain; charset=utf-8"},
      {"/blob.bin", "application/octet-stream"},
  };
  for (const auto& [path, type] : cases) {
    const auto r = Get(path);
    ASSERT_TRUE(r.has_value()) << path;
    EXPECT_EQ(r->status, 200) << path;
    EXPECT_EQ(r->headers.Get("Content-Type"), type) << path;
    EXPECT_EQ(r->headers.Get("X-Content-Type-Options"), "nosniff");
  }
  EXPECT_EQ(Get("/assets/index-3f2a.js")->body, "console.log(1)");
}

TEST_F(StaticFilesTest, HashedAssetsAreImmutableAndIndexIsNoCache) {
  EXPECT_EQ(Get("/assets/index-3f2a.js")->headers.Get("Cache-Control"),
            "public, max-age=31536000, immutable");
  EXPECT_EQ(Get("/index.html")->headers.Get("Cache-Control"), "no-cache");
  EXPECT_EQ(Get("/")->headers.Get("Cache-Control"), "no-cache");
  EXPECT_EQ(Get("/favicon.ico")->headers.Get("Cache-Control"), "no-cache");
}

TEST_F(StaticFilesTest, RootAndExtensionlessUnknownPathsServeIndex) {
  for (const char* path : {"/", "/orgs/42/users", "/settings", "/assets/nothing-here"}) {
    const auto r = Get(path);
    ASSERT_TRUE(r.has_value()) << path;
    EXPECT_EQ(r->status, 200) << path;
    EXPECT_EQ(r->body, "<html>app</html>") << path;
    EXPECT_EQ(r->headers.Get("Content-Type"), "text/html; charset=utf-8");
    EXPECT_EQ(r->headers.Get("Cache-Control"), "no-cache") << path;
  }
  EXPECT_EQ(Get("/docs")->body, "<html>app</html>");
}

TEST_F(StaticFilesTest, UnknownFileWithExtensionIs404) {
  const auto r = Get("/assets/missing-abc.js");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 404);
  EXPECT_EQ(r->headers.Get("Content-Type"), "application/problem+json");
}

TEST_F(StaticFilesTest, TraversalAndHiddenFilesAreRefused) {
  for (const char* path : {"/../secret.txt", "/assets/../../secret.txt", "/./index.html", "/.env",
                           "/assets/..", "/a\\..\\secret.txt", "//etc/passwd"}) {
    const auto r = Get(path);
    ASSERT_TRUE(r.has_value()) << path;
    EXPECT_EQ(r->status, 404) << path;
    EXPECT_NE(r->body, "outside");
  }
  const auto nul = Get(std::string("/index.html\0.png", 16));
  EXPECT_EQ(nul->status, 404);
}

TEST_F(StaticFilesTest, EncodedTraversalNeverReachesTheFilesystem) {
  // The server decodes targets with ParseTarget, which refuses these before any handler runs.
  for (const char* target : {"/%2e%2e/secret.txt", "/assets/%2E%2E/%2e%2e/secret.txt",
                             "/..%2fsecret.txt", "/index.html%00.png"}) {
    EXPECT_FALSE(ParseTarget(target).has_value()) << target;
  }
  // A literal "%2e%2e" that reaches Serve() is just an odd file name.
  EXPECT_EQ(Get("/%2e%2e/secret.txt")->status, 404);
}

TEST_F(StaticFilesTest, SymlinkEscapingTheRootIsRefused) {
  fs::create_symlink(base_ / "secret.txt", root_ / "leak.txt");
  fs::create_directory_symlink(base_, root_ / "up");
  EXPECT_EQ(Get("/leak.txt")->status, 404);
  EXPECT_EQ(Get("/up/secret.txt")->status, 404);
  EXPECT_EQ(Get("/up/dist/index.html")->status, 200);  // resolves back inside the root
}

TEST_F(StaticFilesTest, SymlinkInsideTheRootIsServed) {
  fs::create_symlink(root_ / "robots.txt", root_ / "alias.txt");
  const auto r = Get("/alias.txt");
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "User-agent: *");
}

TEST_F(StaticFilesTest, EtagRevalidationGives304) {
  const auto first = Get("/assets/index-3f2a.js");
  const auto etag = first->headers.Get("ETag");
  ASSERT_TRUE(etag.has_value());
  EXPECT_EQ(etag->front(), '"');

  const std::string cached(*etag);
  for (const std::string& inm : {cached, "W/" + cached, "\"other\", " + cached, std::string("*")}) {
    Request r;
    r.path = "/assets/index-3f2a.js";
    r.headers.Add("If-None-Match", inm);
    const auto again = StaticFiles(root_.string()).Serve(r);
    EXPECT_EQ(again->status, 304) << inm;
    EXPECT_TRUE(again->body.empty());
    EXPECT_EQ(again->headers.Get("ETag"), cached);
  }
  Request stale;
  stale.path = "/assets/index-3f2a.js";
  stale.headers.Add("If-None-Match", "\"stale\"");
  EXPECT_EQ(StaticFiles(root_.string()).Serve(stale)->status, 200);
}

TEST_F(StaticFilesTest, EtagChangesWhenTheFileChanges) {
  const std::string before(*Get("/robots.txt")->headers.Get("ETag"));
  Write(root_ / "robots.txt", "User-agent: *\nDisallow: /");
  EXPECT_NE(std::string(*Get("/robots.txt")->headers.Get("ETag")), before);
}

TEST_F(StaticFilesTest, OnlyGetAndHeadAreServed) {
  EXPECT_EQ(Get("/index.html", Method::kHead)->status, 200);
  EXPECT_FALSE(Get("/index.html", Method::kPost).has_value());
  EXPECT_FALSE(Get("/index.html", Method::kDelete).has_value());
}

TEST_F(StaticFilesTest, MissingRootServesNothing) {
  Request r;
  r.path = "/index.html";
  EXPECT_FALSE(StaticFiles((base_ / "nope").string()).Serve(r).has_value());
}

TEST_F(StaticFilesTest, FilesOver16MiBAreRefused) {
  std::ofstream(root_ / "big.txt", std::ios::binary) << std::string(16 * 1024 * 1024 + 1, 'x');
  EXPECT_EQ(Get("/big.txt")->status, 404);
}

}  // namespace
}  // namespace caduceus::http
