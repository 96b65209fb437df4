// The one storage interface of Caduceus.
//
// Domain modules talk to a Database. Two backends implement the dialect underneath:
// SQLite (embedded, one file, WAL) and PostgreSQL (libpq). Neither sqlite3.h nor libpq-fe.h is
// visible through this header.
//
// SQL conventions every module follows so one statement runs on both backends:
//   * placeholders are `?`; the PostgreSQL backend rewrites them to $1, $2, ... (outside quoted
//     literals and comments). PostgreSQL infers a parameter's type from its context, so a
//     parameter with no typed column nearby (`SELECT ? + 1`) needs a CAST(? AS BIGINT);
//   * one statement per Execute/Query (stacked statements are rejected); text never holds a
//     NUL byte (use a Blob) and doubles are never NaN;
//   * integers are 64-bit (BIGINT), booleans are INTEGER 0/1, timestamps are BIGINT Unix
//     milliseconds, binary is {{blob}} in migrations;
//   * generated keys use `INSERT ... RETURNING id`; upserts use `ON CONFLICT ... DO UPDATE`.
//
// Errors: infrastructure failures (connection lost, disk full, constraint violations) throw
// StorageError. Domain code that expects a constraint violation (a duplicate name) catches
// StorageError and checks kind() == StorageError::Kind::kUniqueViolation.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "core/error.h"

namespace caduceus {
class MetricsRegistry;
}

namespace caduceus::storage {

struct Blob {
  std::string bytes;
  bool operator==(const Blob&) const = default;
};

// A bound parameter or a result cell. Booleans are bound as std::int64_t 0/1.
using Value = std::variant<std::monostate, std::int64_t, double, std::string, Blob>;

inline Value Null() { return std::monostate{}; }
inline Value Int(std::int64_t v) { return v; }
inline Value Text(std::string v) { return v; }
inline Value OptText(const std::optional<std::string>& v) {
  return v ? Value(*v) : Value(std::monostate{});
}

class StorageError : public std::runtime_error {
 public:
  enum class Kind {
    kUniqueViolation,      // UNIQUE / PRIMARY KEY constraint
    kConstraintViolation,  // FOREIGN KEY, CHECK, NOT NULL
    kRetryable,            // SQLITE_BUSY, serialization failure, deadlock: the tx may be retried
    kConnection,           // cannot connect / connection lost
    kOther,
  };
  StorageError(Kind kind, const std::string& what) : std::runtime_error(what), kind_(kind) {}
  Kind kind() const noexcept { return kind_; }

 private:
  Kind kind_;
};

class Row {
 public:
  explicit Row(std::vector<Value> values) : values_(std::move(values)) {}
  std::size_t size() const { return values_.size(); }
  const Value& operator[](std::size_t i) const { return values_.at(i); }
  bool IsNull(std::size_t i) const;
  // Typed accessors throw StorageError(kOther) when the cell has another type or is NULL.
  std::int64_t Int(std::size_t i) const;
  double Real(std::size_t i) const;
  const std::string& Text(std::size_t i) const;
  const Blob& Bytes(std::size_t i) const;
  std::optional<std::int64_t> OptInt(std::size_t i) const;
  std::optional<std::string> OptText(std::size_t i) const;

 private:
  std::vector<Value> values_;
};

struct QueryResult {
  std::vector<std::string> columns;
  std::vector<Row> rows;
  std::int64_t affected_rows = 0;  // for INSERT/UPDATE/DELETE
};

enum class Dialect { kSqlite, kPostgres };

enum class TxMode { kWrite, kRead };

// A live connection to the database. Implemented by each backend; used through Database.
// Not thread-safe: one thread at a time (the pool guarantees it).
class Connection {
 public:
  virtual ~Connection() = default;
  virtual QueryResult Execute(std::string_view sql, std::span<const Value> params) = 0;
  // Runs several statements without parameters (migrations).
  virtual void ExecuteScript(std::string_view sql) = 0;
  // Starts a transaction. kWrite: SQLite BEGIN IMMEDIATE, so writers queue instead of failing at
  // commit; PostgreSQL BEGIN ISOLATION LEVEL READ COMMITTED. kRead: one snapshot for all its
  // statements, taking no write lock, and any write in it fails (SQLite: BEGIN DEFERRED under
  // PRAGMA query_only; PostgreSQL: BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY).
  virtual void Begin(TxMode mode) = 0;
  virtual void Commit() = 0;
  virtual void Rollback() = 0;
  // False after a connection-level failure: the pool discards the connection.
  virtual bool Healthy() const = 0;
  // True while a transaction is open (between Begin and Commit/Rollback, or after a statement
  // such as BEGIN sent through Execute). The pool discards a connection returned in this state.
  virtual bool InTransaction() const = 0;
};

class Backend {
 public:
  virtual ~Backend() = default;
  virtual Dialect dialect() const = 0;
  virtual std::unique_ptr<Connection> Connect() = 0;
};

// A transaction in progress. Valid only inside the callback of Database::Transact or Read.
// Once a statement has thrown StorageError the transaction is aborted (as PostgreSQL does):
// later statements throw a StorageError of the same kind and Transact rolls back instead of
// committing, even when fn caught the error, so both backends behave alike.
class Tx {
 public:
  Tx(Connection& conn, Dialect dialect) : conn_(conn), dialect_(dialect) {}
  QueryResult Exec(std::string_view sql, std::initializer_list<Value> params = {}) {
    return Exec(sql, std::span<const Value>(params.begin(), params.size()));
  }
  QueryResult Exec(std::string_view sql, std::span<const Value> params);
  // First row of the result, if any.
  std::optional<Row> One(std::string_view sql, std::initializer_list<Value> params = {});
  // Runs several statements without parameters (migrations). No transaction control inside.
  void ExecuteScript(std::string_view sql);
  Dialect dialect() const { return dialect_; }
  // Serialises this transaction against every other transaction that takes the same lock,
  // across processes (PostgreSQL: pg_advisory_xact_lock; SQLite: writers are already serial).
  void LockExclusive(std::int64_t lock_id);
  // The first StorageError a statement of this transaction threw, if any.
  const std::optional<StorageError>& failure() const { return failure_; }

 private:
  void CheckNotFailed() const;

  Connection& conn_;
  Dialect dialect_;
  std::optional<StorageError> failure_;
};

// Inserts `values`, rows of `columns` values each, with multi-row statements of at most
// `rows_per_statement` rows: `head` is "INSERT INTO t (a, b) VALUES ", `tail` follows the rows of
// each statement (an ON CONFLICT clause, or nothing).
void InsertRows(Tx& tx,
                std::string_view head,
                std::size_t columns,
                std::span<const Value> values,
                std::string_view tail = {},
                std::size_t rows_per_statement = 400);

struct DatabaseOptions {
  std::size_t pool_size = 8;
  std::chrono::milliseconds acquire_timeout{5000};  // wait for a free connection; then kConnection
  std::chrono::milliseconds busy_timeout{5000};     // SQLite busy_timeout
  int max_retries = 5;                              // for StorageError::Kind::kRetryable
};

struct PoolStats {
  std::size_t size = 0;     // connections open
  std::size_t in_use = 0;   // connections lent out
  std::size_t waiting = 0;  // threads waiting for a connection
  std::uint64_t acquired_total = 0;
  std::uint64_t timeouts_total = 0;
};

// The front every module uses. Thread-safe. Owns a pool of backend connections.
class Database {
 public:
  // url: "sqlite:///absolute/path.db" (created if missing; its directory must exist; no
  // percent-decoding) or "postgresql://..." / "postgres://..." (any libpq connection URI).
  // Connects once to check the URL. Errors: kInvalidArgument for a malformed URL or options,
  // kUnavailable when the database cannot be opened. Messages never contain the password.
  static Result<std::unique_ptr<Database>> Open(const std::string& url,
                                                const DatabaseOptions& options = {});
  // Does not connect. Throws std::invalid_argument for a null backend or a zero pool_size.
  Database(std::unique_ptr<Backend> backend, const DatabaseOptions& options);
  // No call may be in progress.
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  Dialect dialect() const;

  // Runs `fn(Tx&)` in one transaction. Commits when fn returns normally, unless it returns a
  // boost::system::result holding an error; rolls back on an error result or an exception
  // (rethrown). A kRetryable StorageError re-runs fn from the start (up to max_retries), so fn
  // must have no effects outside the transaction. A StorageError caught inside fn still
  // prevents the commit (see Tx): catch expected violations outside Transact. fn must not use
  // this Database itself (no nested Transact/Query): it would wait for a second connection.
  template <class Fn>
  auto Transact(Fn&& fn) -> std::invoke_result_t<Fn&, Tx&> {
    return Run(TxMode::kWrite, std::forward<Fn>(fn));
  }

  // The same for a transaction that only reads: every statement sees one snapshot, and it does
  // not queue behind writers or hold them up (SQLite's write lock is never taken, so concurrent
  // readers run side by side). A write inside fails with a StorageError.
  template <class Fn>
  auto Read(Fn&& fn) -> std::invoke_result_t<Fn&, Tx&> {
    return Run(TxMode::kRead, std::forward<Fn>(fn));
  }

  // A single statement in its own implicit transaction (reads, or single writes; no BEGIN is
  // sent, so statements such as CREATE DATABASE work). kRetryable failures are retried.
  QueryResult Query(std::string_view sql, std::initializer_list<Value> params = {});
  // The same with a parameter list built at run time (e.g. IN (?, ?, ...)).
  QueryResult Query(std::string_view sql, std::span<const Value> params);
  std::optional<Row> QueryOne(std::string_view sql, std::initializer_list<Value> params = {});

  PoolStats pool_stats() const;
  // Registers pool gauges (caduceus_db_pool_*, label backend="sqlite"/"postgresql") with the
  // registry. The gauges stay safe to scrape after this Database is destroyed (they read 0).
  void ExportMetrics(MetricsRegistry& registry);

 private:
  class Pool;
  class Lease;
  template <class Fn>
  auto Run(TxMode mode, Fn&& fn) -> std::invoke_result_t<Fn&, Tx&>;
  // Runs body with a leased connection inside BEGIN/COMMIT; handles retries and rollback.
  // body returns true to commit, false to roll back.
  void RunTransaction(TxMode mode, const std::function<bool(Tx&)>& body);

  std::unique_ptr<Pool> pool_;
  Dialect dialect_;
  int max_retries_;
};

template <class T>
struct IsResult : std::false_type {};
template <class T, class E>
struct IsResult<boost::system::result<T, E>> : std::true_type {};

template <class Fn>
auto Database::Run(TxMode mode, Fn&& fn) -> std::invoke_result_t<Fn&, Tx&> {
  using R = std::invoke_result_t<Fn&, Tx&>;
  if constexpr (std::is_void_v<R>) {
    RunTransaction(mode, [&](Tx& tx) {
      fn(tx);
      return true;
    });
  } else {
    std::optional<R> out;
    RunTransaction(mode, [&](Tx& tx) {
      out.emplace(fn(tx));
      if constexpr (IsResult<R>::value) return !out->has_error();
      return true;
    });
    return std::move(*out);
  }
}

// A schema change. `sql` may hold several statements (no BEGIN/COMMIT, nothing that cannot run
// inside a transaction) and these tokens, replaced per dialect:
//   {{id}}    an auto-generated 64-bit primary key column type
//             (SQLite: INTEGER PRIMARY KEY AUTOINCREMENT; PostgreSQL: BIGINT GENERATED BY
//             DEFAULT AS IDENTITY PRIMARY KEY)
//   {{blob}}  binary column type (BLOB / BYTEA)
struct Migration {
  int version;
  std::string_view name;
  std::string_view sql;
};

// Applies a module's migrations that are not yet recorded in `schema_migrations`
// (module, version, name, applied_at), each in its own transaction, in version order, under a
// lock so hubs starting together apply each migration once. Returns the versions applied.
// Throws std::logic_error when versions are not strictly increasing or module is empty, and
// StorageError when a migration fails (the failed one is not recorded; earlier ones stay).
std::vector<int> ApplyMigrations(Database& db,
                                 std::string_view module,
                                 std::span<const Migration> migrations);
// Versions of `module` not yet applied.
std::vector<int> PendingMigrations(Database& db,
                                   std::string_view module,
                                   std::span<const Migration> migrations);

// Exposed for tests: rewrites `?` placeholders to $n outside quoted literals and comments.
std::string RewritePlaceholders(std::string_view sql);
// Exposed for tests: replaces {{id}} and {{blob}} for the dialect. Throws std::logic_error on
// any other {{word}} (letters, digits, _), which is a typo.
std::string ExpandMigrationSql(std::string_view sql, Dialect dialect);

}  // namespace caduceus::storage
