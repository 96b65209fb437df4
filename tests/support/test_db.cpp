#include "support/test_db.h"

#include <cstdlib>
#include <filesystem>
#include <stdexcept>

#include <gtest/gtest.h>

#include "core/random.h"
#include "storage/database.h"

namespace caduceus::testing {
namespace {

std::string PgUrl() {
  const char* url = std::getenv("CADUCEUS_TEST_PG_URL");
  return url ? url : "";
}

// Replaces the database name in a libpq URI: postgresql://host/db?params -> .../name?params.
std::string WithDatabase(const std::string& url, const std::string& name) {
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string::npos) throw std::runtime_error("bad CADUCEUS_TEST_PG_URL");
  const auto query = url.find('?', scheme_end + 3);
  const auto path = url.find('/', scheme_end + 3);
  const auto authority_end =
      (path == std::string::npos || (query != std::string::npos && path > query))
          ? (query == std::string::npos ? url.size() : query)
          : path;
  std::string out = url.substr(0, authority_end) + "/" + name;
  if (query != std::string::npos) out += url.substr(query);
  return out;
}

std::unique_ptr<storage::Database> OpenAdmin() {
  auto db = storage::Database::Open(PgUrl(), {.pool_size = 1});
  if (!db) throw std::runtime_error("cannot open test PostgreSQL: " + db.error().message);
  return std::move(*db);
}

}  // namespace

std::vector<Backend> AllBackends() { return {Backend::kSqlite, Backend::kPostgres}; }

std::string BackendName(Backend backend) {
  return backend == Backend::kSqlite ? "SQLite" : "PostgreSQL";
}

void PrintTo(Backend backend, std::ostream* os) { *os << BackendName(backend); }

bool PgRequired() {
  const char* v = std::getenv("CADUCEUS_REQUIRE_PG");
  return v && std::string(v) == "1";
}

bool BackendAvailable(Backend backend) { return backend == Backend::kSqlite || !PgUrl().empty(); }

TempDir::TempDir() {
  auto base = std::filesystem::temp_directory_path() / ("caduceus-test-" + RandomToken(9));
  std::filesystem::create_directories(base);
  path_ = base.string();
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

ScratchDatabase::ScratchDatabase(Backend backend) : backend_(backend) {
  InitCrypto();
  if (backend == Backend::kSqlite) {
    auto dir = std::filesystem::temp_directory_path() / ("caduceus-db-" + RandomToken(9));
    std::filesystem::create_directories(dir);
    cleanup_ = dir.string();
    url_ = "sqlite://" + (dir / "test.db").string();
    return;
  }
  std::string name = "caduceus_test_" + HexEncode(RandomBytes(8));
  OpenAdmin()->Query("CREATE DATABASE " + name);
  cleanup_ = name;
  url_ = WithDatabase(PgUrl(), name);
}

ScratchDatabase::~ScratchDatabase() {
  try {
    if (backend_ == Backend::kSqlite) {
      std::error_code ec;
      std::filesystem::remove_all(cleanup_, ec);
    } else {
      OpenAdmin()->Query("DROP DATABASE IF EXISTS " + cleanup_ + " WITH (FORCE)");
    }
  } catch (const std::exception& e) {
    ADD_FAILURE() << "cleaning up scratch database: " << e.what();
  }
}

}  // namespace caduceus::testing
