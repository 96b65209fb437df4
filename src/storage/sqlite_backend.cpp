// The SQLite backend: one sqlite3 handle per connection, WAL journal, prepared statements
// cached per connection.
#include <algorithm>
#include <climits>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <sqlite3.h>

#include "storage/backends.h"

namespace caduceus::storage::detail {
namespace {

using Kind = StorageError::Kind;

struct DbCloser {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
struct StmtFinalizer {
  void operator()(sqlite3_stmt* stmt) const { sqlite3_finalize(stmt); }
};
struct SqliteFree {
  void operator()(char* p) const { sqlite3_free(p); }
};
using DbPtr = std::unique_ptr<sqlite3, DbCloser>;
using StmtPtr = std::unique_ptr<sqlite3_stmt, StmtFinalizer>;

// SQLITE_STATIC without the old-style cast of the macro: the bound data outlives the step.
constexpr sqlite3_destructor_type kStaticData = nullptr;

constexpr std::size_t kStatementCacheEntries = 64;
constexpr std::size_t kMaxCachedSqlLength = 8192;

Kind KindOf(int extended_code) {
  if (extended_code == SQLITE_CONSTRAINT_UNIQUE || extended_code == SQLITE_CONSTRAINT_PRIMARYKEY) {
    return Kind::kUniqueViolation;
  }
  switch (extended_code & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Kind::kRetryable;
    case SQLITE_CONSTRAINT:
      return Kind::kConstraintViolation;
    case SQLITE_CANTOPEN:
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
    case SQLITE_IOERR:
      return Kind::kConnection;
    default:
      return Kind::kOther;
  }
}

// Resets a statement and drops its bindings (which point into the caller's parameters).
class ResetOnExit {
 public:
  explicit ResetOnExit(sqlite3_stmt* stmt) : stmt_(stmt) {}
  ~ResetOnExit() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  ResetOnExit(const ResetOnExit&) = delete;
  ResetOnExit& operator=(const ResetOnExit&) = delete;

 private:
  sqlite3_stmt* stmt_;
};

class SqliteConnection final : public Connection {
 public:
  explicit SqliteConnection(DbPtr db) : db_(std::move(db)) {}

  QueryResult Execute(std::string_view sql, std::span<const Value> params) override {
    CheckStatement(sql, params);
    sqlite3_stmt* stmt = Prepare(sql);
    if (stmt == nullptr) return {};
    ResetOnExit reset(stmt);
    const auto expected = static_cast<std::size_t>(sqlite3_bind_parameter_count(stmt));
    if (expected != params.size()) {
      throw StorageError(Kind::kOther, fmt::format("statement expects {} parameters, got {} ({})",
                                                   expected, params.size(), SqlSnippet(sql)));
    }
    for (std::size_t i = 0; i < params.size(); ++i)
      Bind(stmt, static_cast<int>(i) + 1, params[i], sql);

    QueryResult out;
    const int columns = sqlite3_column_count(stmt);
    for (int c = 0; c < columns; ++c) {
      const char* name = sqlite3_column_name(stmt, c);
      out.columns.emplace_back(name ? name : "");
    }
    const auto changes_before = sqlite3_total_changes64(db_.get());
    for (;;) {
      const int rc = sqlite3_step(stmt);
      if (rc == SQLITE_DONE) break;
      if (rc != SQLITE_ROW) Fail(rc, sql);
      out.rows.push_back(ReadRow(stmt, columns));
    }
    if (sqlite3_total_changes64(db_.get()) != changes_before) {
      out.affected_rows = sqlite3_changes64(db_.get());
    }
    return out;
  }

  void ExecuteScript(std::string_view sql) override {
    CheckStatement(sql, {});
    const std::string text(sql);
    char* raw_message = nullptr;
    const int rc = sqlite3_exec(db_.get(), text.c_str(), nullptr, nullptr, &raw_message);
    const std::unique_ptr<char, SqliteFree> message(raw_message);
    if (rc != SQLITE_OK) Fail(sqlite3_extended_errcode(db_.get()), sql);
  }

  // A read transaction runs under PRAGMA query_only, lifted when it ends (or fails to begin) so
  // that the connection's next statements may write again.
  void Begin(TxMode mode) override {
    if (mode == TxMode::kWrite) {
      Execute("BEGIN IMMEDIATE", {});
      return;
    }
    Execute("PRAGMA query_only = 1", {});
    query_only_ = true;
    try {
      Execute("BEGIN DEFERRED", {});
    } catch (const StorageError&) {
      if (!broken_) EndReadOnly();
      throw;
    }
  }
  void Commit() override {
    Execute("COMMIT", {});
    EndReadOnly();
  }
  void Rollback() override {
    if (InTransaction()) Execute("ROLLBACK", {});
    EndReadOnly();
  }
  bool Healthy() const override { return !broken_; }
  bool InTransaction() const override { return sqlite3_get_autocommit(db_.get()) == 0; }

  // Applies the per-connection settings every Caduceus connection runs with.
  void Configure(std::chrono::milliseconds busy_timeout) {
    sqlite3_extended_result_codes(db_.get(), 1);
    sqlite3_busy_timeout(db_.get(),
                         static_cast<int>(std::min<std::int64_t>(busy_timeout.count(), INT_MAX)));
    sqlite3_db_config(db_.get(), SQLITE_DBCONFIG_DEFENSIVE, 1, nullptr);
    const auto mode = Execute("PRAGMA journal_mode=WAL", {});
    if (mode.rows.empty() || mode.rows[0].IsNull(0) || mode.rows[0].Text(0) != "wal") {
      spdlog::warn("storage: SQLite did not switch to WAL; concurrent readers will block writers");
    }
    ExecuteScript("PRAGMA foreign_keys=ON; PRAGMA synchronous=NORMAL;");
  }

 private:
  void EndReadOnly() {
    if (!query_only_) return;
    Execute("PRAGMA query_only = 0", {});
    query_only_ = false;
  }

  [[noreturn]] void Fail(int code, std::string_view sql) {
    const Kind kind = KindOf(code);
    if (kind == Kind::kConnection) broken_ = true;
    throw StorageError(kind,
                       fmt::format("sqlite: {} ({})", sqlite3_errmsg(db_.get()), SqlSnippet(sql)));
  }

  // The prepared statement for `sql`, or nullptr when it holds no statement (only comments).
  sqlite3_stmt* Prepare(std::string_view sql) {
    if (auto it = cache_.find(sql); it != cache_.end()) return it->second.get();
    if (sql.size() > static_cast<std::size_t>(INT_MAX)) {
      throw StorageError(Kind::kOther, "SQL text too long");
    }
    const bool cache = sql.size() <= kMaxCachedSqlLength;
    sqlite3_stmt* raw = nullptr;
    const char* tail = nullptr;
    const int rc = sqlite3_prepare_v3(db_.get(), sql.data(), static_cast<int>(sql.size()),
                                      cache ? SQLITE_PREPARE_PERSISTENT : 0, &raw, &tail);
    StmtPtr stmt(raw);
    if (rc != SQLITE_OK) Fail(rc, sql);
    if (!stmt) return nullptr;
    RejectSecondStatement(sql.substr(static_cast<std::size_t>(tail - sql.data())), sql);
    if (!cache) {
      uncached_ = std::move(stmt);
      return uncached_.get();
    }
    if (cache_.size() >= kStatementCacheEntries) cache_.clear();
    return cache_.emplace(std::string(sql), std::move(stmt)).first->second.get();
  }

  // Execute runs exactly one statement: stacked statements go through ExecuteScript.
  void RejectSecondStatement(std::string_view rest, std::string_view sql) {
    const auto start = rest.find_first_not_of(" \t\r\n;");
    if (start == std::string_view::npos) return;
    rest = rest.substr(start);
    sqlite3_stmt* raw = nullptr;
    const int rc =
        sqlite3_prepare_v3(db_.get(), rest.data(), static_cast<int>(rest.size()), 0, &raw, nullptr);
    const StmtPtr second(raw);
    if (rc == SQLITE_OK && !second) return;
    throw StorageError(Kind::kOther,
                       fmt::format("Execute runs a single statement; use a script for several ({})",
                                   SqlSnippet(sql)));
  }

  void Bind(sqlite3_stmt* stmt, int index, const Value& value, std::string_view sql) {
    const int rc = std::visit(
        [&](const auto& v) -> int {
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<T, std::monostate>) {
            return sqlite3_bind_null(stmt, index);
          } else if constexpr (std::is_same_v<T, std::int64_t>) {
            return sqlite3_bind_int64(stmt, index, v);
          } else if constexpr (std::is_same_v<T, double>) {
            return sqlite3_bind_double(stmt, index, v);
          } else if constexpr (std::is_same_v<T, std::string>) {
            return sqlite3_bind_text64(stmt, index, v.data(), v.size(), kStaticData, SQLITE_UTF8);
          } else {
            return sqlite3_bind_blob64(stmt, index, v.bytes.data(), v.bytes.size(), kStaticData);
          }
        },
        value);
    if (rc != SQLITE_OK) Fail(rc, sql);
  }

  static Row ReadRow(sqlite3_stmt* stmt, int columns) {
    std::vector<Value> values;
    values.reserve(static_cast<std::size_t>(columns));
    for (int c = 0; c < columns; ++c) {
      switch (sqlite3_column_type(stmt, c)) {
        case SQLITE_INTEGER:
          values.emplace_back(static_cast<std::int64_t>(sqlite3_column_int64(stmt, c)));
          break;
        case SQLITE_FLOAT:
          values.emplace_back(sqlite3_column_double(stmt, c));
          break;
        case SQLITE_TEXT: {
          const auto* text = sqlite3_column_text(stmt, c);
          const auto size = static_cast<std::size_t>(sqlite3_column_bytes(stmt, c));
          values.emplace_back(text ? std::string(reinterpret_cast<const char*>(text), size)
                                   : std::string());
          break;
        }
        case SQLITE_BLOB: {
          const void* data = sqlite3_column_blob(stmt, c);
          const auto size = static_cast<std::size_t>(sqlite3_column_bytes(stmt, c));
          values.emplace_back(
              Blob{data ? std::string(static_cast<const char*>(data), size) : std::string()});
          break;
        }
        default:
          values.emplace_back(std::monostate{});
      }
    }
    return Row(std::move(values));
  }

  // Declared first so statements are finalized before the handle closes.
  DbPtr db_;
  std::map<std::string, StmtPtr, std::less<>> cache_;
  StmtPtr uncached_;  // the last statement too long to cache
  bool broken_ = false;
  bool query_only_ = false;  // inside a read transaction
};

class SqliteBackend final : public Backend {
 public:
  SqliteBackend(std::string path, std::chrono::milliseconds busy_timeout)
      : path_(std::move(path)), busy_timeout_(busy_timeout) {}

  Dialect dialect() const override { return Dialect::kSqlite; }

  std::unique_ptr<Connection> Connect() override {
    sqlite3* raw = nullptr;
    const int rc =
        sqlite3_open_v2(path_.c_str(), &raw,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
    DbPtr db(raw);
    if (rc != SQLITE_OK) {
      throw StorageError(Kind::kConnection,
                         fmt::format("sqlite: cannot open {}: {}", path_,
                                     raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc)));
    }
    auto conn = std::make_unique<SqliteConnection>(std::move(db));
    conn->Configure(busy_timeout_);
    return conn;
  }

 private:
  std::string path_;
  std::chrono::milliseconds busy_timeout_;
};

}  // namespace

Result<std::unique_ptr<Backend>> MakeSqliteBackend(std::string_view path,
                                                   std::chrono::milliseconds busy_timeout) {
  if (path.empty()) {
    return Error::Invalid("SQLite URL has no path: use sqlite:///absolute/path.db");
  }
  if (path.front() != '/') {
    return Error::Invalid(
        "SQLite URL must name an absolute path (sqlite:///absolute/path.db, three slashes)");
  }
  if (path.find('\0') != std::string_view::npos) {
    return Error::Invalid("SQLite path contains a NUL byte");
  }
  const std::filesystem::path file(path);
  std::error_code ec;
  if (!std::filesystem::is_directory(file.parent_path(), ec)) {
    return Error::Invalid(fmt::format("directory of the SQLite database does not exist: {}",
                                      file.parent_path().string()));
  }
  if (std::filesystem::is_directory(file, ec)) {
    return Error::Invalid(fmt::format("SQLite path is a directory: {}", file.string()));
  }
  return std::unique_ptr<Backend>(std::make_unique<SqliteBackend>(std::string(path), busy_timeout));
}

}  // namespace caduceus::storage::detail
