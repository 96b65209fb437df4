// The storage front and both backends. Every TEST_P runs on SQLite and on PostgreSQL (when
// CADUCEUS_TEST_PG_URL names a server; see tests/support/test_db.h).
#include "storage/database.h"

#include <cstdio>
#include <exception>
#include <filesystem>
#include <functional>
#include <latch>
#include <limits>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "core/metrics.h"
#include "support/test_db.h"

namespace caduceus::storage {
namespace {

using caduceus::testing::ScratchDatabase;
using Kind = StorageError::Kind;

constexpr Migration kMigrations[] = {
    {1, "widgets", "CREATE TABLE widgets (id {{id}}, name TEXT NOT NULL UNIQUE, data {{blob}})"},
    {2, "widget colour", "ALTER TABLE widgets ADD COLUMN colour TEXT"},
    {3, "gadgets",
     "CREATE TABLE gadgets (id {{id}}, widget_id BIGINT NOT NULL REFERENCES widgets(id));"
     "CREATE INDEX gadgets_widget ON gadgets (widget_id)"},
};

// Runs `fn` on a fresh thread per entry, starting them together; rethrows the first failure.
template <class Fn>
void RunConcurrently(int threads, Fn fn) {
  std::latch start(threads);
  std::vector<std::exception_ptr> errors(static_cast<std::size_t>(threads));
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      start.arrive_and_wait();
      try {
        fn(t);
      } catch (...) {
        errors[static_cast<std::size_t>(t)] = std::current_exception();
      }
    });
  }
  for (auto& thread : pool) thread.join();
  for (const auto& error : errors) {
    if (error) std::rethrow_exception(error);
  }
}

Kind KindOfFailure(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const StorageError& e) {
    return e.kind();
  }
  ADD_FAILURE() << "expected a StorageError";
  return Kind::kOther;
}

class StorageTest : public ::testing::TestWithParam<caduceus::testing::Backend> {
 protected:
  void SetUp() override {
    CADUCEUS_REQUIRE_BACKEND(GetParam());
    scratch_ = std::make_unique<ScratchDatabase>(GetParam());
    db_ = Open();
  }

  std::unique_ptr<Database> Open(const DatabaseOptions& options = {}) {
    auto db = Database::Open(scratch_->url(), options);
    if (!db) throw std::runtime_error("cannot open scratch database: " + db.error().message);
    return std::move(*db);
  }

  void CreateTables(std::string_view sql) {
    db_->Transact([&](Tx& tx) { tx.ExecuteScript(ExpandMigrationSql(sql, db_->dialect())); });
  }

  std::int64_t Count(std::string_view table) {
    return db_->QueryOne(std::string("SELECT COUNT(*) FROM ") + std::string(table))->Int(0);
  }

  std::unique_ptr<ScratchDatabase> scratch_;
  std::unique_ptr<Database> db_;
};

TEST_P(StorageTest, RoundTripsEveryValueType) {
  CreateTables("CREATE TABLE v (id {{id}}, i BIGINT, r DOUBLE PRECISION, s TEXT, b {{blob}})");
  const std::int64_t kMin = std::numeric_limits<std::int64_t>::min();
  const std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
  const double kInf = std::numeric_limits<double>::infinity();
  const std::string kUnicode =
      "h\xC3\xA9llo \xE2\x9C\x93 \xF0\x9F\x8F\xA5 \xE6\x97\xA5\xE6\x9C\xAC";
  const Blob kBinary{std::string("\0\x01\xFF\0z\x80", 6)};
  struct Case {
    Value i, r, s, b;
  };
  const std::vector<Case> cases = {
      {Int(kMin), 0.1, Text(""), Blob{}},
      {Int(kMax), -1e300, Text(kUnicode), kBinary},
      {Int(0), 5e-324, Text("it's \"quoted\" \\ back"), Blob{"\\x00"}},
      {Int(-1), kInf, Text(std::string(10000, 'x')), Blob{std::string(70000, '\xAB')}},
      {Null(), Null(), Null(), Null()},
  };
  for (const auto& c : cases) {
    db_->Query("INSERT INTO v (i, r, s, b) VALUES (?, ?, ?, ?)", {c.i, c.r, c.s, c.b});
  }
  const auto result = db_->Query("SELECT i, r, s, b FROM v ORDER BY id");
  ASSERT_EQ(result.rows.size(), cases.size());
  EXPECT_EQ(result.columns, (std::vector<std::string>{"i", "r", "s", "b"}));
  for (std::size_t n = 0; n < cases.size(); ++n) {
    const Row& row = result.rows[n];
    SCOPED_TRACE(n);
    EXPECT_EQ(row[0], cases[n].i);
    EXPECT_EQ(row[1], cases[n].r);
    EXPECT_EQ(row[2], cases[n].s);
    EXPECT_EQ(row[3], cases[n].b);
  }
  EXPECT_EQ(result.rows[1].Bytes(3).bytes.size(), 6u);
  EXPECT_FALSE(result.rows[0].IsNull(2));
  EXPECT_TRUE(result.rows[4].IsNull(0));
  EXPECT_EQ(result.rows[4].OptInt(0), std::nullopt);
  EXPECT_EQ(result.rows[4].OptText(2), std::nullopt);
  EXPECT_EQ(result.rows[0].OptText(2), "");
}

TEST_P(StorageTest, ComparisonsReadBackAsIntegers) {
  const auto row = db_->QueryOne("SELECT 1 = 1, 1 = 2");
  EXPECT_EQ(row->Int(0), 1);
  EXPECT_EQ(row->Int(1), 0);
}

TEST_P(StorageTest, TypedAccessorsRejectOtherTypes) {
  const auto row = db_->QueryOne("SELECT 'text', NULL");
  EXPECT_EQ(row->Text(0), "text");
  EXPECT_EQ(KindOfFailure([&] { row->Int(0); }), Kind::kOther);
  EXPECT_EQ(KindOfFailure([&] { row->Text(1); }), Kind::kOther);
  EXPECT_EQ(KindOfFailure([&] { row->Text(2); }), Kind::kOther);
}

TEST_P(StorageTest, InsertReturningGivesGeneratedIds) {
  CreateTables("CREATE TABLE t (id {{id}}, name TEXT)");
  const auto first = db_->Query("INSERT INTO t (name) VALUES (?) RETURNING id", {Text("a")});
  const auto second = db_->Query("INSERT INTO t (name) VALUES (?) RETURNING id", {Text("b")});
  ASSERT_EQ(first.rows.size(), 1u);
  EXPECT_EQ(first.affected_rows, 1);
  EXPECT_GT(second.rows[0].Int(0), first.rows[0].Int(0));
  EXPECT_EQ(db_->QueryOne("SELECT name FROM t WHERE id = ?", {Int(second.rows[0].Int(0))})->Text(0),
            "b");
}

TEST_P(StorageTest, AffectedRowsCountsChangedRowsOnly) {
  CreateTables("CREATE TABLE t (id {{id}}, n BIGINT)");
  for (int i = 0; i < 3; ++i) db_->Query("INSERT INTO t (n) VALUES (?)", {Int(i)});
  EXPECT_EQ(db_->Query("UPDATE t SET n = n + 10 WHERE n >= ?", {Int(1)}).affected_rows, 2);
  EXPECT_EQ(db_->Query("SELECT * FROM t").affected_rows, 0);
  EXPECT_EQ(db_->Query("DELETE FROM t WHERE n = ?", {Int(99)}).affected_rows, 0);
  EXPECT_EQ(db_->Query("DELETE FROM t").affected_rows, 3);
}

TEST_P(StorageTest, OnConflictUpsertUpdatesExistingRow) {
  CreateTables("CREATE TABLE kv (k TEXT PRIMARY KEY, v BIGINT NOT NULL)");
  const std::string_view upsert =
      "INSERT INTO kv (k, v) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET v = kv.v + excluded.v";
  db_->Query(upsert, {Text("a"), Int(1)});
  db_->Query(upsert, {Text("a"), Int(41)});
  db_->Query(upsert, {Text("b"), Int(7)});
  EXPECT_EQ(db_->QueryOne("SELECT v FROM kv WHERE k = ?", {Text("a")})->Int(0), 42);
  EXPECT_EQ(Count("kv"), 2);
}

TEST_P(StorageTest, InsertRowsSplitsIntoStatementsAndAppendsTheTail) {
  CreateTables("CREATE TABLE kv (k BIGINT PRIMARY KEY, v BIGINT NOT NULL)");
  std::vector<Value> rows;
  for (int k = 0; k < 7; ++k) rows.insert(rows.end(), {Int(k), Int(k * 10)});
  rows.insert(rows.end(), {Int(3), Int(1)});  // the same key again: the tail decides
  db_->Transact([&](Tx& tx) {
    InsertRows(tx, "INSERT INTO kv (k, v) VALUES ", 2, rows,
               " ON CONFLICT (k) DO UPDATE SET v = kv.v + excluded.v", 3);
  });
  EXPECT_EQ(Count("kv"), 7);
  EXPECT_EQ(db_->QueryOne("SELECT v FROM kv WHERE k = 3")->Int(0), 31);
  EXPECT_EQ(db_->QueryOne("SELECT v FROM kv WHERE k = 6")->Int(0), 60);
}

TEST_P(StorageTest, TransactionCommitsAllStatements) {
  CreateTables("CREATE TABLE t (id {{id}}, name TEXT)");
  const auto id = db_->Transact([](Tx& tx) {
    tx.Exec("INSERT INTO t (name) VALUES (?)", {Text("a")});
    return tx.One("INSERT INTO t (name) VALUES (?) RETURNING id", {Text("b")})->Int(0);
  });
  EXPECT_EQ(Count("t"), 2);
  EXPECT_EQ(db_->QueryOne("SELECT name FROM t WHERE id = ?", {Int(id)})->Text(0), "b");
}

TEST_P(StorageTest, ExceptionRollsBackAndIsRethrown) {
  CreateTables("CREATE TABLE t (id {{id}}, name TEXT)");
  EXPECT_THROW(db_->Transact([](Tx& tx) {
    tx.Exec("INSERT INTO t (name) VALUES (?)", {Text("a")});
    tx.Exec("INSERT INTO t (name) VALUES (?)", {Text("b")});
    throw std::invalid_argument("stop");
  }),
               std::invalid_argument);
  EXPECT_EQ(Count("t"), 0);
  EXPECT_EQ(db_->pool_stats().in_use, 0u);
}

TEST_P(StorageTest, ErrorResultRollsBackAndIsReturned) {
  CreateTables("CREATE TABLE t (id {{id}}, name TEXT)");
  const Result<int> failed = db_->Transact([](Tx& tx) -> Result<int> {
    tx.Exec("INSERT INTO t (name) VALUES (?)", {Text("a")});
    return Error::Conflict("no");
  });
  ASSERT_TRUE(failed.has_error());
  EXPECT_EQ(failed.error().code, Errc::kConflict);
  EXPECT_EQ(Count("t"), 0);

  const Status ok = db_->Transact([](Tx& tx) -> Status {
    tx.Exec("INSERT INTO t (name) VALUES (?)", {Text("b")});
    return {};
  });
  EXPECT_TRUE(ok.has_value());
  EXPECT_EQ(Count("t"), 1);
}

TEST_P(StorageTest, RetryableErrorReRunsTheBodyFromScratch) {
  CreateTables("CREATE TABLE t (id {{id}}, name TEXT)");
  int attempts = 0;
  db_->Transact([&](Tx& tx) {
    ++attempts;
    tx.Exec("INSERT INTO t (name) VALUES (?)", {Text("attempt")});
    if (attempts == 1) throw StorageError(Kind::kRetryable, "simulated serialization failure");
  });
  EXPECT_EQ(attempts, 2);
  EXPECT_EQ(Count("t"), 1);
}

TEST_P(StorageTest, RetriesStopAfterMaxRetries) {
  auto db = Open({.max_retries = 2});
  int attempts = 0;
  EXPECT_EQ(KindOfFailure([&] {
              db->Transact([&](Tx&) {
                ++attempts;
                throw StorageError(Kind::kRetryable, "always");
              });
            }),
            Kind::kRetryable);
  EXPECT_EQ(attempts, 3);
}

TEST_P(StorageTest, NonRetryableErrorIsNotRetried) {
  int attempts = 0;
  EXPECT_EQ(KindOfFailure([&] {
              db_->Transact([&](Tx&) {
                ++attempts;
                throw StorageError(Kind::kUniqueViolation, "duplicate");
              });
            }),
            Kind::kUniqueViolation);
  EXPECT_EQ(attempts, 1);
}

TEST_P(StorageTest, UniqueViolationHasItsKindAndHidesTheValue) {
  CreateTables("CREATE TABLE u (id {{id}}, email TEXT NOT NULL UNIQUE)");
  db_->Query("INSERT INTO u (email) VALUES (?)", {Text("secret-7731@example.org")});
  try {
    db_->Query("INSERT INTO u (email) VALUES (?)", {Text("secret-7731@example.org")});
    FAIL() << "duplicate accepted";
  } catch (const StorageError& e) {
    EXPECT_EQ(e.kind(), Kind::kUniqueViolation) << e.what();
    EXPECT_EQ(std::string(e.what()).find("secret-7731"), std::string::npos) << e.what();
  }
  EXPECT_EQ(KindOfFailure([&] {
              db_->Query("INSERT INTO u (id, email) VALUES (?, ?)",
                         {Int(db_->QueryOne("SELECT id FROM u")->Int(0)), Text("other")});
            }),
            Kind::kUniqueViolation);
}

TEST_P(StorageTest, RejectedValueDoesNotAppearInTheError) {
  // PostgreSQL rejects the text as a BIGINT; SQLite stores it as text, which fails the CHECK.
  CreateTables("CREATE TABLE n (id {{id}}, n BIGINT NOT NULL CHECK (n > 0 AND n < 100))");
  try {
    db_->Query("INSERT INTO n (n) VALUES (?)", {Text("secret-9941")});
    FAIL() << "text accepted in a BIGINT column";
  } catch (const StorageError& e) {
    EXPECT_EQ(std::string(e.what()).find("secret-9941"), std::string::npos) << e.what();
  }
}

TEST_P(StorageTest, ForeignKeyCheckAndNotNullViolationsAreConstraintViolations) {
  CreateTables(
      "CREATE TABLE parent (id {{id}});"
      "CREATE TABLE child (id {{id}}, parent_id BIGINT NOT NULL REFERENCES parent(id),"
      " n BIGINT CHECK (n > 0))");
  const auto parent = db_->QueryOne("INSERT INTO parent DEFAULT VALUES RETURNING id")->Int(0);
  EXPECT_EQ(KindOfFailure([&] {
              db_->Query("INSERT INTO child (parent_id) VALUES (?)", {Int(parent + 1000)});
            }),
            Kind::kConstraintViolation);
  EXPECT_EQ(KindOfFailure([&] { db_->Query("INSERT INTO child (parent_id) VALUES (NULL)"); }),
            Kind::kConstraintViolation);
  EXPECT_EQ(KindOfFailure([&] {
              db_->Query("INSERT INTO child (parent_id, n) VALUES (?, ?)", {Int(parent), Int(-1)});
            }),
            Kind::kConstraintViolation);
  db_->Query("INSERT INTO child (parent_id, n) VALUES (?, ?)", {Int(parent), Int(1)});
  EXPECT_EQ(KindOfFailure([&] { db_->Query("DELETE FROM parent"); }), Kind::kConstraintViolation);
  EXPECT_EQ(Count("child"), 1);
}

TEST_P(StorageTest, ErrorCaughtInsideTransactionStillPreventsCommit) {
  CreateTables("CREATE TABLE u (id {{id}}, name TEXT NOT NULL UNIQUE)");
  db_->Query("INSERT INTO u (name) VALUES (?)", {Text("taken")});
  bool later_statement_failed = false;
  EXPECT_EQ(KindOfFailure([&] {
              db_->Transact([&](Tx& tx) {
                tx.Exec("INSERT INTO u (name) VALUES (?)", {Text("new")});
                try {
                  tx.Exec("INSERT INTO u (name) VALUES (?)", {Text("taken")});
                } catch (const StorageError&) {
                }
                try {
                  tx.Exec("SELECT 1");
                } catch (const StorageError&) {
                  later_statement_failed = true;
                }
              });
            }),
            Kind::kUniqueViolation);
  EXPECT_TRUE(later_statement_failed);
  EXPECT_EQ(Count("u"), 1);
}

TEST_P(StorageTest, SqlMetacharactersInParametersStayData) {
  CreateTables("CREATE TABLE x (id {{id}}, s TEXT, b {{blob}})");
  const std::vector<std::string> hostile = {
      "'); DROP TABLE x;--", "?", "$1", "' OR '1'='1", "\"x\"; DELETE FROM x; --", "/* ? */",
      "\\'; SELECT 1; --"};
  for (const auto& s : hostile) {
    db_->Query("INSERT INTO x (s, b) VALUES (?, ?)", {Text(s), Blob{s}});
  }
  const auto rows = db_->Query("SELECT s, b FROM x ORDER BY id").rows;
  ASSERT_EQ(rows.size(), hostile.size());
  for (std::size_t i = 0; i < hostile.size(); ++i) {
    EXPECT_EQ(rows[i].Text(0), hostile[i]);
    EXPECT_EQ(rows[i].Bytes(1).bytes, hostile[i]);
  }
  EXPECT_EQ(db_->QueryOne("SELECT COUNT(*) FROM x WHERE s = ?", {Text("' OR '1'='1")})->Int(0), 1);
}

TEST_P(StorageTest, QuestionMarksInsideLiteralsAreNotPlaceholders) {
  const auto row = db_->QueryOne("SELECT '?' || ?, 'it''s ?' /* ? */ -- ?\n", {Text("!")});
  EXPECT_EQ(row->Text(0), "?!");
  EXPECT_EQ(row->Text(1), "it's ?");
}

TEST_P(StorageTest, ParameterCountMismatchIsAnErrorAndTheConnectionStaysUsable) {
  auto db = Open({.pool_size = 1});
  EXPECT_EQ(KindOfFailure([&] { db->Query("SELECT ?, ?", {Int(1)}); }), Kind::kOther);
  EXPECT_EQ(KindOfFailure([&] { db->Query("SELECT 1", {Int(1)}); }), Kind::kOther);
  EXPECT_EQ(db->QueryOne("SELECT 2")->Int(0), 2);
  EXPECT_EQ(db->pool_stats().size, 1u);
}

TEST_P(StorageTest, StackedStatementsAreRejected) {
  CreateTables("CREATE TABLE t (id {{id}})");
  EXPECT_THROW(db_->Query("SELECT 1; DROP TABLE t"), StorageError);
  EXPECT_EQ(Count("t"), 0);
  EXPECT_EQ(db_->QueryOne("SELECT 3; -- trailing comment")->Int(0), 3);
}

TEST_P(StorageTest, ValuesThatCannotBeStoredFaithfullyAreRejected) {
  CreateTables("CREATE TABLE t (s TEXT, r DOUBLE PRECISION)");
  EXPECT_EQ(KindOfFailure([&] {
              db_->Query("INSERT INTO t (s) VALUES (?)", {Text(std::string("a\0b", 3))});
            }),
            Kind::kOther);
  EXPECT_EQ(KindOfFailure([&] {
              db_->Query("INSERT INTO t (r) VALUES (?)",
                         {std::numeric_limits<double>::quiet_NaN()});
            }),
            Kind::kOther);
  EXPECT_EQ(Count("t"), 0);
}

TEST_P(StorageTest, MigrationsApplyOnceInOrder) {
  EXPECT_EQ(PendingMigrations(*db_, "widgets", kMigrations), (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(ApplyMigrations(*db_, "widgets", std::span(kMigrations).first(2)),
            (std::vector<int>{1, 2}));
  EXPECT_EQ(PendingMigrations(*db_, "widgets", kMigrations), (std::vector<int>{3}));
  EXPECT_EQ(ApplyMigrations(*db_, "widgets", kMigrations), (std::vector<int>{3}));
  EXPECT_EQ(ApplyMigrations(*db_, "widgets", kMigrations), (std::vector<int>{}));
  EXPECT_EQ(PendingMigrations(*db_, "widgets", kMigrations), (std::vector<int>{}));
  EXPECT_EQ(PendingMigrations(*db_, "other", kMigrations), (std::vector<int>{1, 2, 3}));

  const auto recorded =
      db_->Query("SELECT version, name FROM schema_migrations WHERE module = ? ORDER BY version",
                 {Text("widgets")});
  ASSERT_EQ(recorded.rows.size(), 3u);
  EXPECT_EQ(recorded.rows[1].Int(0), 2);
  EXPECT_EQ(recorded.rows[1].Text(1), "widget colour");

  const auto id = db_->QueryOne(
                         "INSERT INTO widgets (name, data, colour) VALUES (?, ?, ?) "
                         "RETURNING id",
                         {Text("w"), Blob{std::string("\0\1", 2)}, Text("red")})
                      ->Int(0);
  db_->Query("INSERT INTO gadgets (widget_id) VALUES (?)", {Int(id)});
  EXPECT_EQ(Count("gadgets"), 1);
}

TEST_P(StorageTest, FailedMigrationLeavesNoTraceAndStopsTheRun) {
  const Migration migrations[] = {
      {1, "ok", "CREATE TABLE first (x BIGINT)"},
      {2, "broken", "CREATE TABLE second (x BIGINT); CREATE TABLE third (x NOSUCHTYPE"},
      {3, "never", "CREATE TABLE fourth (x BIGINT)"},
  };
  EXPECT_THROW(ApplyMigrations(*db_, "m", migrations), StorageError);
  EXPECT_EQ(PendingMigrations(*db_, "m", migrations), (std::vector<int>{2, 3}));
  EXPECT_EQ(Count("first"), 0);
  EXPECT_THROW(Count("second"), StorageError);
  EXPECT_THROW(Count("fourth"), StorageError);
}

TEST_P(StorageTest, MigrationsOfTwoModulesAreIndependent) {
  const Migration a[] = {{1, "a", "CREATE TABLE a (x BIGINT)"}};
  const Migration b[] = {{1, "b", "CREATE TABLE b (x BIGINT)"}};
  EXPECT_EQ(ApplyMigrations(*db_, "a", a), (std::vector<int>{1}));
  EXPECT_EQ(ApplyMigrations(*db_, "b", b), (std::vector<int>{1}));
  EXPECT_EQ(Count("schema_migrations"), 2);
}

TEST_P(StorageTest, ConcurrentHubsApplyEachMigrationOnce) {
  auto other = Open();
  std::vector<int> applied[2];
  Database* dbs[2] = {db_.get(), other.get()};
  RunConcurrently(2, [&](int t) { applied[t] = ApplyMigrations(*dbs[t], "widgets", kMigrations); });
  std::multiset<int> all(applied[0].begin(), applied[0].end());
  all.insert(applied[1].begin(), applied[1].end());
  EXPECT_EQ(all, (std::multiset<int>{1, 2, 3}));
  EXPECT_EQ(Count("schema_migrations"), 3);
}

TEST_P(StorageTest, ExhaustedPoolTimesOutWithAConnectionError) {
  auto db = Open({.pool_size = 1, .acquire_timeout = std::chrono::milliseconds(20)});
  db->Transact([&](Tx& tx) {
    tx.Exec("SELECT 1");
    EXPECT_EQ(db->pool_stats().in_use, 1u);
    EXPECT_EQ(KindOfFailure([&] { db->Query("SELECT 1"); }), Kind::kConnection);
  });
  const auto stats = db->pool_stats();
  EXPECT_EQ(stats.timeouts_total, 1u);
  EXPECT_EQ(stats.in_use, 0u);
  EXPECT_EQ(stats.waiting, 0u);
  EXPECT_EQ(db->QueryOne("SELECT 1")->Int(0), 1);
}

TEST_P(StorageTest, PoolReusesConnectionsAndCountsThem) {
  auto db = Open({.pool_size = 3});
  const auto before = db->pool_stats();
  for (int i = 0; i < 5; ++i) db->Query("SELECT 1");
  const auto after = db->pool_stats();
  EXPECT_EQ(after.size, 1u);
  EXPECT_EQ(after.in_use, 0u);
  EXPECT_EQ(after.acquired_total, before.acquired_total + 5);
}

TEST_P(StorageTest, ConnectionLeftInsideATransactionIsDiscarded) {
  auto db = Open({.pool_size = 1});
  db->Query("BEGIN");
  EXPECT_EQ(db->pool_stats().size, 0u);
  db->Transact([](Tx& tx) { tx.Exec("SELECT 1"); });
  EXPECT_EQ(db->pool_stats().size, 1u);
}

TEST_P(StorageTest, BrokenConnectionIsReplacedAndTransactionsRecover) {
  if (GetParam() != caduceus::testing::Backend::kPostgres) {
    GTEST_SKIP() << "needs a server that can drop a connection";
  }
  auto db = Open({.pool_size = 1});
  const auto kill = [&] {
    const auto pid = db->QueryOne("SELECT pg_backend_pid()")->Int(0);
    db_->Query("SELECT pg_terminate_backend(CAST(? AS INTEGER))", {Int(pid)});
  };
  kill();
  EXPECT_EQ(KindOfFailure([&] { db->Query("SELECT 1"); }), Kind::kConnection);
  EXPECT_EQ(db->QueryOne("SELECT 2")->Int(0), 2);

  kill();
  EXPECT_EQ(db->Transact([](Tx& tx) { return tx.One("SELECT 3")->Int(0); }), 3);
  EXPECT_EQ(db->pool_stats().size, 1u);
}

TEST_P(StorageTest, ConcurrentWritersAllCommit) {
  CreateTables(
      "CREATE TABLE counter (id BIGINT PRIMARY KEY, n BIGINT NOT NULL);"
      "CREATE TABLE log (id {{id}}, thread BIGINT NOT NULL)");
  db_->Query("INSERT INTO counter (id, n) VALUES (1, 0)");
  constexpr int kThreads = 4;
  constexpr int kIncrements = 25;
  RunConcurrently(kThreads, [&](int t) {
    for (int i = 0; i < kIncrements; ++i) {
      db_->Transact([&](Tx& tx) {
        tx.Exec("UPDATE counter SET n = n + 1 WHERE id = 1");
        tx.Exec("INSERT INTO log (thread) VALUES (?)", {Int(t)});
      });
    }
  });
  EXPECT_EQ(db_->QueryOne("SELECT n FROM counter WHERE id = 1")->Int(0), kThreads * kIncrements);
  EXPECT_EQ(Count("log"), kThreads * kIncrements);
}

TEST_P(StorageTest, LockExclusiveSerialisesReadModifyWrite) {
  CreateTables("CREATE TABLE counter (id BIGINT PRIMARY KEY, n BIGINT NOT NULL)");
  db_->Query("INSERT INTO counter (id, n) VALUES (1, 0)");
  constexpr int kThreads = 4;
  constexpr int kIncrements = 20;
  RunConcurrently(kThreads, [&](int) {
    for (int i = 0; i < kIncrements; ++i) {
      db_->Transact([&](Tx& tx) {
        tx.LockExclusive(4242);
        const auto n = tx.One("SELECT n FROM counter WHERE id = 1")->Int(0);
        std::this_thread::yield();
        tx.Exec("UPDATE counter SET n = ? WHERE id = 1", {Int(n + 1)});
      });
    }
  });
  EXPECT_EQ(db_->QueryOne("SELECT n FROM counter WHERE id = 1")->Int(0), kThreads * kIncrements);
}

TEST_P(StorageTest, ReadTransactionsRefuseWritesAndLeaveTheConnectionWritable) {
  CreateTables("CREATE TABLE notes (id {{id}}, body TEXT NOT NULL)");
  auto db = Open({.pool_size = 1});  // every call below gets the same connection
  db->Query("INSERT INTO notes (body) VALUES ('first')");
  EXPECT_EQ(db->Read([](Tx& tx) { return tx.One("SELECT COUNT(*) FROM notes")->Int(0); }), 1);
  EXPECT_THROW(db->Read([](Tx& tx) { tx.Exec("INSERT INTO notes (body) VALUES ('no')"); }),
               StorageError);
  EXPECT_THROW(db->Read([](Tx& tx) { tx.Exec("DELETE FROM notes"); }), StorageError);
  db->Query("INSERT INTO notes (body) VALUES ('second')");
  db->Transact([](Tx& tx) { tx.Exec("INSERT INTO notes (body) VALUES ('third')"); });
  EXPECT_EQ(Count("notes"), 3);
}

// A reader neither waits for a writer in progress nor sees its uncommitted rows: with SQLite a
// transaction that took the write lock would fail here (no busy wait, no retry) while the
// writer holds it.
TEST_P(StorageTest, ReadRunsBesideAWriterAndSeesOneSnapshot) {
  CreateTables("CREATE TABLE notes (id {{id}}, body TEXT NOT NULL)");
  db_->Query("INSERT INTO notes (body) VALUES ('committed')");
  auto reader = Open({.busy_timeout = std::chrono::milliseconds(0), .max_retries = 0});
  std::latch written(1);
  std::latch read(1);
  std::thread writer([&] {
    db_->Transact([&](Tx& tx) {
      tx.Exec("INSERT INTO notes (body) VALUES ('pending')");
      written.count_down();
      read.wait();
    });
  });
  written.wait();
  std::int64_t seen = -1;
  std::int64_t seen_again = -1;
  EXPECT_NO_THROW(reader->Read([&](Tx& tx) {
    seen = tx.One("SELECT COUNT(*) FROM notes")->Int(0);
    seen_again = tx.One("SELECT COUNT(*) FROM notes")->Int(0);
  }));
  read.count_down();
  writer.join();
  EXPECT_EQ(seen, 1);
  EXPECT_EQ(seen_again, 1);
  EXPECT_EQ(reader->Read([](Tx& tx) { return tx.One("SELECT COUNT(*) FROM notes")->Int(0); }), 2);
}

TEST_P(StorageTest, ExportedMetricsReportThePoolAndSurviveTheDatabase) {
  MetricsRegistry registry;
  const std::string label =
      GetParam() == caduceus::testing::Backend::kSqlite ? "sqlite" : "postgresql";
  {
    auto db = Open({.pool_size = 2});
    db->ExportMetrics(registry);
    db->Query("SELECT 1");
    const auto text = registry.RenderPrometheus();
    EXPECT_NE(text.find("caduceus_db_pool_connections{backend=\"" + label + "\"} 1\n"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("caduceus_db_pool_in_use{backend=\"" + label + "\"} 0\n"),
              std::string::npos);
    EXPECT_NE(text.find("caduceus_db_pool_waiting{backend=\"" + label + "\"} 0\n"),
              std::string::npos);
    EXPECT_NE(text.find("caduceus_db_pool_acquired_total{backend=\"" + label + "\"} 2\n"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("# TYPE caduceus_db_pool_timeouts_total counter\n"), std::string::npos);
  }
  EXPECT_NE(registry.RenderPrometheus().find("caduceus_db_pool_connections{backend=\"" + label +
                                             "\"} 0\n"),
            std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Backends,
                         StorageTest,
                         ::testing::ValuesIn(caduceus::testing::AllBackends()),
                         [](const auto& param_info) {
                           return caduceus::testing::BackendName(param_info.param);
                         });

TEST(DatabaseOpenTest, RejectsUnusableUrlsWithAnError) {
  caduceus::testing::TempDir dir;
  const std::vector<std::string> invalid = {
      "",
      "mysql://localhost/db",
      "sqlite:",
      "sqlite://",
      "sqlite://relative.db",
      "sqlite:///" + dir.path() + "/missing-directory/db.sqlite",
      "sqlite://" + dir.path(),
      "postgresql://host:port:bad/db?no_such_option=1",
      "postgresql://user:hunter2-secret@[::1/db",
      "postgres:///db?password=hunter2-secret%zz",
  };
  for (const auto& url : invalid) {
    const auto db = Database::Open(url);
    ASSERT_TRUE(db.has_error()) << url;
    EXPECT_EQ(db.error().code, Errc::kInvalidArgument) << url << ": " << db.error().message;
    EXPECT_EQ(db.error().message.find("hunter2"), std::string::npos) << db.error().message;
  }
}

TEST(DatabaseOpenTest, UnreachableDatabaseIsUnavailable) {
  caduceus::testing::TempDir dir;
  {
    std::FILE* f = std::fopen((dir.path() + "/not-a-db").c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fputs("this is not an SQLite database, just some text long enough to have a header.....",
               f);
    std::fclose(f);
  }
  for (const auto& url :
       {"sqlite://" + dir.path() + "/not-a-db",
        "postgresql://user:hunter2-secret@/postgres?host=" + dir.path() + "/no-socket-here"}) {
    const auto db = Database::Open(url);
    ASSERT_TRUE(db.has_error()) << url;
    EXPECT_EQ(db.error().code, Errc::kUnavailable) << url << ": " << db.error().message;
    EXPECT_EQ(db.error().message.find("hunter2"), std::string::npos) << db.error().message;
  }
}

TEST(DatabaseOpenTest, RejectsBadOptions) {
  caduceus::testing::TempDir dir;
  const std::string url = "sqlite://" + dir.path() + "/db.sqlite";
  EXPECT_EQ(Database::Open(url, {.pool_size = 0}).error().code, Errc::kInvalidArgument);
  EXPECT_EQ(Database::Open(url, {.max_retries = -1}).error().code, Errc::kInvalidArgument);
  EXPECT_TRUE(Database::Open(url, {.pool_size = 1}).has_value());
}

TEST(DatabaseOpenTest, SqliteCreatesTheFileInWalMode) {
  caduceus::testing::TempDir dir;
  auto db = Database::Open("sqlite://" + dir.path() + "/new.db");
  ASSERT_TRUE(db.has_value()) << db.error().message;
  EXPECT_EQ((*db)->dialect(), Dialect::kSqlite);
  EXPECT_EQ((*db)->QueryOne("PRAGMA journal_mode")->Text(0), "wal");
  EXPECT_EQ((*db)->QueryOne("PRAGMA foreign_keys")->Int(0), 1);
  EXPECT_TRUE(std::filesystem::exists(dir.path() + "/new.db"));
}

TEST(MigrationListTest, NonIncreasingVersionsAreALogicError) {
  caduceus::testing::TempDir dir;
  auto db = Database::Open("sqlite://" + dir.path() + "/db.sqlite").value();
  const Migration duplicate[] = {{1, "a", "SELECT 1"}, {1, "b", "SELECT 1"}};
  const Migration decreasing[] = {{2, "a", "SELECT 1"}, {1, "b", "SELECT 1"}};
  EXPECT_THROW(ApplyMigrations(*db, "m", duplicate), std::logic_error);
  EXPECT_THROW(ApplyMigrations(*db, "m", decreasing), std::logic_error);
  EXPECT_THROW(PendingMigrations(*db, "m", decreasing), std::logic_error);
  EXPECT_THROW(ApplyMigrations(*db, "", std::span<const Migration>()), std::logic_error);
}

}  // namespace
}  // namespace caduceus::storage
