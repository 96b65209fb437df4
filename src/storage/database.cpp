#include "storage/database.h"

#include <algorithm>
#include <cmath>
#include <condition_variable>
#include <mutex>
#include <random>
#include <thread>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/metrics.h"
#include "storage/backends.h"

namespace caduceus::storage {
namespace {

constexpr std::size_t kMaxPoolSize = 1024;
constexpr int kMaxRetries = 100;
constexpr std::size_t kSnippetLength = 80;

const char* TypeName(const Value& v) {
  switch (v.index()) {
    case 0:
      return "NULL";
    case 1:
      return "an integer";
    case 2:
      return "a real";
    case 3:
      return "text";
    default:
      return "a blob";
  }
}

template <class T>
const T& Cell(const std::vector<Value>& values, std::size_t i, const char* wanted) {
  if (i >= values.size()) {
    throw StorageError(StorageError::Kind::kOther,
                       fmt::format("column {} requested from a row of {}", i, values.size()));
  }
  if (const T* v = std::get_if<T>(&values[i])) return *v;
  throw StorageError(StorageError::Kind::kOther,
                     fmt::format("column {} is {}, not {}", i, TypeName(values[i]), wanted));
}

// Sleeps a random 1..2^(attempt+1) ms, capped at 100 ms, so retrying writers spread out.
void Backoff(int attempt) {
  thread_local std::minstd_rand rng{std::random_device{}()};
  const int cap = std::min(100, 2 << std::min(attempt, 6));
  std::uniform_int_distribution<int> millis(1, cap);
  std::this_thread::sleep_for(std::chrono::milliseconds(millis(rng)));
}

bool IsRetryable(const StorageError& e) { return e.kind() == StorageError::Kind::kRetryable; }

// Pool state shared with the metric gauges, which may outlive the Database.
struct PoolCore {
  mutable std::mutex mu;
  std::condition_variable freed;
  std::vector<std::unique_ptr<Connection>> idle;  // guarded by mu
  PoolStats stats;                                // guarded by mu
};

}  // namespace

namespace detail {

std::string SqlSnippet(std::string_view sql) {
  std::string out;
  bool space = false;
  for (char c : sql) {
    if (out.size() >= kSnippetLength) {
      out += "...";
      break;
    }
    if (c == ' ' || c == '\n' || c == '\t' || c == '\r') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

void CheckStatement(std::string_view sql, std::span<const Value> params) {
  if (sql.find('\0') != std::string_view::npos) {
    throw StorageError(StorageError::Kind::kOther, "SQL text contains a NUL byte");
  }
  for (std::size_t i = 0; i < params.size(); ++i) {
    if (const auto* s = std::get_if<std::string>(&params[i]);
        s && s->find('\0') != std::string::npos) {
      throw StorageError(
          StorageError::Kind::kOther,
          fmt::format("text parameter {} contains a NUL byte (store it as a Blob)", i + 1));
    }
    if (const auto* d = std::get_if<double>(&params[i]); d && std::isnan(*d)) {
      throw StorageError(StorageError::Kind::kOther,
                         fmt::format("parameter {} is NaN, which cannot be stored", i + 1));
    }
  }
}

}  // namespace detail

bool Row::IsNull(std::size_t i) const {
  return std::holds_alternative<std::monostate>(values_.at(i));
}

std::int64_t Row::Int(std::size_t i) const { return Cell<std::int64_t>(values_, i, "an integer"); }

double Row::Real(std::size_t i) const { return Cell<double>(values_, i, "a real"); }

const std::string& Row::Text(std::size_t i) const { return Cell<std::string>(values_, i, "text"); }

const Blob& Row::Bytes(std::size_t i) const { return Cell<Blob>(values_, i, "a blob"); }

std::optional<std::int64_t> Row::OptInt(std::size_t i) const {
  if (i < values_.size() && IsNull(i)) return std::nullopt;
  return Int(i);
}

std::optional<std::string> Row::OptText(std::size_t i) const {
  if (i < values_.size() && IsNull(i)) return std::nullopt;
  return Text(i);
}

void Tx::CheckNotFailed() const {
  if (failure_) {
    throw StorageError(failure_->kind(), fmt::format("transaction aborted by an earlier error: {}",
                                                     failure_->what()));
  }
}

QueryResult Tx::Exec(std::string_view sql, std::span<const Value> params) {
  CheckNotFailed();
  try {
    return conn_.Execute(sql, params);
  } catch (const StorageError& e) {
    failure_.emplace(e);
    throw;
  }
}

std::optional<Row> Tx::One(std::string_view sql, std::initializer_list<Value> params) {
  auto result = Exec(sql, params);
  if (result.rows.empty()) return std::nullopt;
  return std::move(result.rows.front());
}

void Tx::ExecuteScript(std::string_view sql) {
  CheckNotFailed();
  try {
    conn_.ExecuteScript(sql);
  } catch (const StorageError& e) {
    failure_.emplace(e);
    throw;
  }
}

void Tx::LockExclusive(std::int64_t lock_id) {
  if (dialect_ == Dialect::kPostgres) Exec("SELECT pg_advisory_xact_lock(?)", {Int(lock_id)});
}

void InsertRows(Tx& tx,
                std::string_view head,
                std::size_t columns,
                std::span<const Value> values,
                std::string_view tail,
                std::size_t rows_per_statement) {
  if (columns == 0 || rows_per_statement == 0) return;
  std::string one = "(";
  for (std::size_t i = 0; i < columns; ++i) one += i == 0 ? "?" : ", ?";
  one += ")";
  const std::size_t rows = values.size() / columns;
  for (std::size_t start = 0; start < rows; start += rows_per_statement) {
    const std::size_t n = std::min(rows_per_statement, rows - start);
    std::string sql(head);
    for (std::size_t i = 0; i < n; ++i) {
      if (i > 0) sql += ", ";
      sql += one;
    }
    sql += tail;
    tx.Exec(sql, values.subspan(start * columns, n * columns));
  }
}

// A fixed-size pool of lazily opened connections. Thread-safe.
class Database::Pool {
 public:
  Pool(std::unique_ptr<Backend> backend, std::size_t max_size, std::chrono::milliseconds timeout)
      : backend_(std::move(backend)),
        max_size_(max_size),
        timeout_(timeout),
        core_(std::make_shared<PoolCore>()) {}

  ~Pool() {
    std::vector<std::unique_ptr<Connection>> closing;
    std::lock_guard lock(core_->mu);
    closing.swap(core_->idle);
    core_->stats.size -= closing.size();
  }

  // Throws StorageError(kConnection) on timeout or when a new connection cannot be opened.
  std::unique_ptr<Connection> Acquire() {
    std::unique_lock lock(core_->mu);
    auto& stats = core_->stats;
    ++stats.waiting;
    const bool available = core_->freed.wait_for(
        lock, timeout_, [&] { return !core_->idle.empty() || stats.size < max_size_; });
    --stats.waiting;
    if (!available) {
      ++stats.timeouts_total;
      throw StorageError(
          StorageError::Kind::kConnection,
          fmt::format("no database connection became free within {} ms (all {} in use)",
                      timeout_.count(), max_size_));
    }
    ++stats.in_use;
    ++stats.acquired_total;
    if (!core_->idle.empty()) {
      auto conn = std::move(core_->idle.back());
      core_->idle.pop_back();
      return conn;
    }
    ++stats.size;
    lock.unlock();
    try {
      return backend_->Connect();
    } catch (...) {
      lock.lock();
      --stats.size;
      --stats.in_use;
      --stats.acquired_total;
      core_->freed.notify_one();
      throw;
    }
  }

  void Release(std::unique_ptr<Connection> conn, bool reusable) {
    const char* discard_reason = !reusable               ? "its rollback failed"
                                 : !conn->Healthy()      ? "it failed"
                                 : conn->InTransaction() ? "it was left inside a transaction"
                                                         : nullptr;
    const bool keep = discard_reason == nullptr;
    if (!keep) spdlog::warn("storage: discarding a database connection: {}", discard_reason);
    {
      std::lock_guard lock(core_->mu);
      --core_->stats.in_use;
      if (keep) {
        core_->idle.push_back(std::move(conn));
      } else {
        --core_->stats.size;
      }
    }
    core_->freed.notify_one();
  }

  PoolStats Stats() const {
    std::lock_guard lock(core_->mu);
    return core_->stats;
  }

  std::weak_ptr<const PoolCore> core() const { return core_; }

 private:
  std::unique_ptr<Backend> backend_;
  const std::size_t max_size_;
  const std::chrono::milliseconds timeout_;
  std::shared_ptr<PoolCore> core_;
};

// A connection borrowed from the pool for one scope; returned (or discarded) on destruction.
class Database::Lease {
 public:
  explicit Lease(Pool& pool) : pool_(pool), conn_(pool.Acquire()) {}
  ~Lease() { pool_.Release(std::move(conn_), !discard_); }
  Lease(const Lease&) = delete;
  Lease& operator=(const Lease&) = delete;

  Connection& conn() { return *conn_; }
  // Rolls back if the connection is inside a transaction; discards it when that fails.
  void AbandonTransaction() noexcept {
    if (!conn_->Healthy()) return;
    try {
      conn_->Rollback();
    } catch (const std::exception& e) {
      spdlog::warn("storage: rollback failed: {}", e.what());
      discard_ = true;
    }
  }

 private:
  Pool& pool_;
  std::unique_ptr<Connection> conn_;
  bool discard_ = false;
};

Result<std::unique_ptr<Database>> Database::Open(const std::string& url,
                                                 const DatabaseOptions& options) {
  if (options.pool_size == 0 || options.pool_size > kMaxPoolSize) {
    return Error::Invalid(fmt::format("database pool_size must be 1..{}", kMaxPoolSize));
  }
  if (options.acquire_timeout.count() < 0 || options.busy_timeout.count() < 0) {
    return Error::Invalid("database timeouts must not be negative");
  }
  if (options.max_retries < 0 || options.max_retries > kMaxRetries) {
    return Error::Invalid(fmt::format("database max_retries must be 0..{}", kMaxRetries));
  }
  Result<std::unique_ptr<Backend>> backend = Error::Invalid(
      "unsupported database URL: expected sqlite:///absolute/path.db or postgresql://...");
  constexpr std::string_view kSqlite = "sqlite://";
  if (url.starts_with(kSqlite)) {
    backend = detail::MakeSqliteBackend(std::string_view(url).substr(kSqlite.size()),
                                        options.busy_timeout);
  } else if (url.starts_with("postgresql://") || url.starts_with("postgres://")) {
    backend = detail::MakePostgresBackend(url);
  }
  if (!backend) return backend.error();
  auto db = std::make_unique<Database>(std::move(*backend), options);
  try {
    Lease lease(*db->pool_);
  } catch (const StorageError& e) {
    return Error{Errc::kUnavailable, fmt::format("cannot open the database: {}", e.what()), {}};
  }
  return db;
}

Database::Database(std::unique_ptr<Backend> backend, const DatabaseOptions& options)
    : max_retries_(std::max(options.max_retries, 0)) {
  if (!backend) throw std::invalid_argument("Database needs a backend");
  if (options.pool_size == 0) throw std::invalid_argument("Database pool_size must be positive");
  dialect_ = backend->dialect();
  pool_ = std::make_unique<Pool>(std::move(backend), options.pool_size, options.acquire_timeout);
}

Database::~Database() = default;

Dialect Database::dialect() const { return dialect_; }

void Database::RunTransaction(TxMode mode, const std::function<bool(Tx&)>& body) {
  for (int attempt = 0;; ++attempt) {
    try {
      Lease lease(*pool_);
      Connection& conn = lease.conn();
      try {
        conn.Begin(mode);
      } catch (const StorageError& e) {
        // Nothing ran yet: a pooled connection that went stale is replaced and the tx retried.
        if (e.kind() != StorageError::Kind::kConnection) throw;
        throw StorageError(StorageError::Kind::kRetryable,
                           fmt::format("cannot begin a transaction: {}", e.what()));
      }
      try {
        Tx tx(conn, dialect_);
        const bool commit = body(tx);
        if (commit && tx.failure()) {
          throw StorageError(tx.failure()->kind(),
                             fmt::format("transaction not committed: a statement in it failed: {}",
                                         tx.failure()->what()));
        }
        if (commit) {
          conn.Commit();
        } else {
          conn.Rollback();
        }
        return;
      } catch (...) {
        lease.AbandonTransaction();
        throw;
      }
    } catch (const StorageError& e) {
      if (!IsRetryable(e) || attempt >= max_retries_) throw;
      spdlog::debug("storage: retrying transaction (attempt {}): {}", attempt + 1, e.what());
    }
    Backoff(attempt);
  }
}

QueryResult Database::Query(std::string_view sql, std::initializer_list<Value> params) {
  return Query(sql, std::span<const Value>(params.begin(), params.size()));
}

QueryResult Database::Query(std::string_view sql, std::span<const Value> params) {
  for (int attempt = 0;; ++attempt) {
    try {
      Lease lease(*pool_);
      return lease.conn().Execute(sql, params);
    } catch (const StorageError& e) {
      if (!IsRetryable(e) || attempt >= max_retries_) throw;
      spdlog::debug("storage: retrying statement (attempt {}): {}", attempt + 1, e.what());
    }
    Backoff(attempt);
  }
}

std::optional<Row> Database::QueryOne(std::string_view sql, std::initializer_list<Value> params) {
  auto result = Query(sql, params);
  if (result.rows.empty()) return std::nullopt;
  return std::move(result.rows.front());
}

PoolStats Database::pool_stats() const { return pool_->Stats(); }

void Database::ExportMetrics(MetricsRegistry& registry) {
  const Labels labels{{"backend", dialect_ == Dialect::kSqlite ? "sqlite" : "postgresql"}};
  const auto add = [&](const std::string& name, const std::string& type, const std::string& help,
                       double (*read)(const PoolStats&)) {
    registry.Describe(name, type, help);
    registry.Gauge(name, labels, [core = pool_->core(), read] {
      const auto locked = core.lock();
      if (!locked) return 0.0;
      std::lock_guard lock(locked->mu);
      return read(locked->stats);
    });
  };
  add("caduceus_db_pool_connections", "gauge", "Database connections open in the pool.",
      [](const PoolStats& s) { return static_cast<double>(s.size); });
  add("caduceus_db_pool_in_use", "gauge", "Database connections lent out.",
      [](const PoolStats& s) { return static_cast<double>(s.in_use); });
  add("caduceus_db_pool_waiting", "gauge", "Threads waiting for a database connection.",
      [](const PoolStats& s) { return static_cast<double>(s.waiting); });
  add("caduceus_db_pool_acquired_total", "counter", "Database connections handed out.",
      [](const PoolStats& s) { return static_cast<double>(s.acquired_total); });
  add("caduceus_db_pool_timeouts_total", "counter",
      "Waits for a database connection that timed out.",
      [](const PoolStats& s) { return static_cast<double>(s.timeouts_total); });
}

}  // namespace caduceus::storage
