// Where the matching tests find ../shared data: CADUCEUS_SHARED_DIR, else
// <CADUCEUS_SOURCE_DIR>/../shared, as csaf_test.cpp and the recovery tests do. A test whose data is
// absent skips with GTEST_SKIP.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

namespace caduceus::advisories::testdata {

inline std::filesystem::path SharedDataDir() {
  const char* shared = std::getenv("CADUCEUS_SHARED_DIR");
  if (shared != nullptr && *shared != '\0') return std::filesystem::path(shared) / "data";
  const char* source = std::getenv("CADUCEUS_SOURCE_DIR");
  return std::filesystem::path(source != nullptr && *source != '\0' ? source : ".") / ".." /
         "shared" / "data";
}

inline std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace caduceus::advisories::testdata

#define CADUCEUS_REQUIRE_SHARED(path) \
  if (!std::filesystem::exists(path)) \
  GTEST_SKIP() << "no shared data at " << (path) << " (set CADUCEUS_SHARED_DIR)"
