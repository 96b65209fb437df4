// Scratch databases for tests that must run on both backends.
//
// SQLite is always available. PostgreSQL is used when CADUCEUS_TEST_PG_URL names a server
// (scripts/test.sh starts one in a temporary directory and sets it); without it the PostgreSQL
// instances of a test skip themselves — unless CADUCEUS_REQUIRE_PG=1, in which case they fail,
// so `make test` can never pass while silently skipping a backend.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace caduceus::testing {

enum class Backend { kSqlite, kPostgres };

// Both backends, always: parameterised suites instantiate with this and call
// CADUCEUS_REQUIRE_BACKEND(GetParam()) in SetUp.
std::vector<Backend> AllBackends();
std::string BackendName(Backend backend);
// So parameterised test names print "SQLite"/"PostgreSQL" rather than raw bytes.
void PrintTo(Backend backend, std::ostream* os);  // "SQLite" / "PostgreSQL", for test names

// Whether the backend can be used here. CADUCEUS_REQUIRE_BACKEND skips the current test
// (GTEST_SKIP) or fails it (CADUCEUS_REQUIRE_PG=1) when it cannot, and returns from the caller.
bool BackendAvailable(Backend backend);
#define CADUCEUS_REQUIRE_BACKEND(backend)                                     \
  do {                                                                        \
    if (!::caduceus::testing::BackendAvailable(backend)) {                    \
      if (::caduceus::testing::PgRequired()) FAIL() << "PostgreSQL required"; \
      GTEST_SKIP() << "CADUCEUS_TEST_PG_URL not set";                         \
    }                                                                         \
  } while (0)
bool PgRequired();

// A new, empty database: a SQLite file in a fresh temporary directory, or a freshly created
// PostgreSQL database on the test server. Removed (file deleted / DROP DATABASE) on destruction.
class ScratchDatabase {
 public:
  explicit ScratchDatabase(Backend backend);
  ~ScratchDatabase();
  ScratchDatabase(const ScratchDatabase&) = delete;
  ScratchDatabase& operator=(const ScratchDatabase&) = delete;

  const std::string& url() const { return url_; }
  Backend backend() const { return backend_; }

 private:
  Backend backend_;
  std::string url_;
  std::string cleanup_;  // directory to remove, or database name to drop
};

// A fresh temporary directory, removed recursively on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace caduceus::testing
