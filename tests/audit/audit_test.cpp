// The hash-chained audit log on both backends: chain construction, what the hash covers,
// tamper detection, the append-only guard, concurrent appends, listing.
#include "audit/audit.h"

#include <functional>
#include <latch>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "core/random.h"
#include "storage/database.h"
#include "support/test_db.h"

namespace caduceus::audit {
namespace {

using caduceus::testing::Backend;
using caduceus::testing::ScratchDatabase;
using std::chrono::milliseconds;
using storage::Dialect;
using storage::Int;
using storage::StorageError;
using storage::Text;

constexpr std::string_view kGenesis =
    "0000000000000000000000000000000000000000000000000000000000000000";

Entry Sample(std::string action, std::optional<std::int64_t> org = std::nullopt) {
  Entry e;
  e.actor_user_id = 7;
  e.actor = "alice";
  e.organisation_id = org;
  e.action = std::move(action);
  e.target = "user:12";
  e.address = "192.0.2.10";
  e.request_id = "req-1";
  e.status = 201;
  e.detail = R"({"role":"viewer"})";
  return e;
}

class AuditTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    CADUCEUS_REQUIRE_BACKEND(GetParam());
    InitCrypto();
    scratch_ = std::make_unique<ScratchDatabase>(GetParam());
    db_ = Open();
    storage::ApplyMigrations(*db_, "audit", AuditLog::Migrations());
    log_ = std::make_unique<AuditLog>(*db_, clock_);
  }

  std::unique_ptr<storage::Database> Open() {
    auto db = storage::Database::Open(scratch_->url());
    if (!db) throw std::runtime_error(db.error().message);
    return std::move(*db);
  }

  void ApplyGuard() {
    storage::ApplyMigrations(*db_, "audit-guard", AuditLog::GuardMigrations(db_->dialect()));
  }

  // What an attacker with full database access does before editing the log.
  void DropGuard() {
    if (db_->dialect() == Dialect::kSqlite) {
      db_->Query("DROP TRIGGER audit_log_no_update");
      db_->Query("DROP TRIGGER audit_log_no_delete");
    } else {
      db_->Query("DROP TRIGGER audit_log_no_change ON audit_log");
      db_->Query("DROP TRIGGER audit_log_no_truncate ON audit_log");
    }
  }

  void AppendMany(int n) {
    for (int i = 0; i < n; ++i) {
      log_->Append(Sample("test." + std::to_string(i + 1)));
      clock_.Advance(milliseconds(10));
    }
  }

  std::unique_ptr<ScratchDatabase> scratch_;
  std::unique_ptr<storage::Database> db_;
  ManualClock clock_{FromUnixMillis(1'772'442'000'000)};
  std::unique_ptr<AuditLog> log_;
};

TEST_P(AuditTest, EmptyLogVerifiesAndHasNoHead) {
  const auto report = log_->Verify();
  EXPECT_TRUE(report.ok);
  EXPECT_EQ(report.entries_checked, 0);
  EXPECT_FALSE(log_->Head());
}

TEST_P(AuditTest, AppendBuildsALinkedChainFromTheGenesisHash) {
  const auto first = log_->Append(Sample("user.create"));
  clock_.Advance(milliseconds(1500));
  const auto second = log_->Append(Sample("user.update"));
  const auto third = log_->Append(Sample("user.reset_password"));
  EXPECT_EQ(first.seq, 1);
  EXPECT_EQ(second.seq, 2);
  EXPECT_EQ(third.seq, 3);
  EXPECT_EQ(first.prev_hash, kGenesis);
  EXPECT_EQ(second.prev_hash, first.hash);
  EXPECT_EQ(third.prev_hash, second.hash);
  for (const auto& e : {first, second, third}) {
    EXPECT_EQ(e.hash, AuditLog::ComputeHash(e));
    EXPECT_EQ(e.hash.size(), 64u);
  }
  EXPECT_EQ(first.at, FromUnixMillis(1'772'442'000'000));
  EXPECT_EQ(second.at, FromUnixMillis(1'772'442'001'500));
  const auto head = log_->Head();
  ASSERT_TRUE(head);
  EXPECT_EQ(head->first, 3);
  EXPECT_EQ(head->second, third.hash);
  const auto report = log_->Verify();
  EXPECT_TRUE(report.ok) << report.reason;
  EXPECT_EQ(report.entries_checked, 3);
}

TEST_P(AuditTest, AppendIgnoresCallerSuppliedChainFields) {
  auto forged = Sample("user.create");
  forged.seq = 99;
  forged.prev_hash = std::string(64, 'f');
  forged.hash = std::string(64, 'e');
  forged.at = FromUnixMillis(0);
  const auto stored = log_->Append(forged);
  EXPECT_EQ(stored.seq, 1);
  EXPECT_EQ(stored.prev_hash, kGenesis);
  EXPECT_EQ(stored.at, clock_.Now());
  EXPECT_EQ(stored.hash, AuditLog::ComputeHash(stored));
  EXPECT_TRUE(log_->Verify().ok);
}

TEST_P(AuditTest, StoredEntriesReadBackExactly) {
  auto in = Sample("organisation.update", 42);
  in.detail.clear();
  const auto appended = log_->Append(in);
  EXPECT_EQ(appended.detail, "{}");
  const auto listed = log_->List({});
  ASSERT_EQ(listed.size(), 1u);
  const auto& e = listed[0];
  EXPECT_EQ(e.seq, 1);
  EXPECT_EQ(e.at, appended.at);
  EXPECT_EQ(e.actor_user_id, 7);
  EXPECT_EQ(e.actor, "alice");
  EXPECT_EQ(e.organisation_id, 42);
  EXPECT_EQ(e.action, "organisation.update");
  EXPECT_EQ(e.target, "user:12");
  EXPECT_EQ(e.address, "192.0.2.10");
  EXPECT_EQ(e.request_id, "req-1");
  EXPECT_EQ(e.status, 201);
  EXPECT_EQ(e.detail, "{}");
  EXPECT_EQ(e.prev_hash, kGenesis);
  EXPECT_EQ(e.hash, appended.hash);
}

TEST(AuditHash, CoversEveryField) {
  InitCrypto();
  Entry base = Sample("user.create", 3);
  base.seq = 5;
  base.at = FromUnixMillis(1'772'442'000'000);
  base.prev_hash = std::string(64, 'a');
  const auto reference = AuditLog::ComputeHash(base);
  EXPECT_EQ(AuditLog::ComputeHash(base), reference) << "not deterministic";
  const std::vector<std::pair<const char*, std::function<void(Entry&)>>> changes = {
      {"seq", [](Entry& e) { e.seq = 6; }},
      {"at", [](Entry& e) { e.at += milliseconds(1); }},
      {"actor_user_id value", [](Entry& e) { e.actor_user_id = 8; }},
      {"actor_user_id null", [](Entry& e) { e.actor_user_id.reset(); }},
      {"actor", [](Entry& e) { e.actor = "alicf"; }},
      {"organisation_id value", [](Entry& e) { e.organisation_id = 4; }},
      {"organisation_id null", [](Entry& e) { e.organisation_id.reset(); }},
      {"action", [](Entry& e) { e.action = "user.delete"; }},
      {"target", [](Entry& e) { e.target = "user:13"; }},
      {"address", [](Entry& e) { e.address = "192.0.2.11"; }},
      {"request_id", [](Entry& e) { e.request_id = "req-2"; }},
      {"status", [](Entry& e) { e.status = 200; }},
      {"detail", [](Entry& e) { e.detail = R"({"role":"admin"})"; }},
      {"prev_hash", [](Entry& e) { e.prev_hash[63] = 'b'; }},
  };
  for (const auto& [field, change] : changes) {
    Entry changed = base;
    change(changed);
    EXPECT_NE(AuditLog::ComputeHash(changed), reference) << field;
  }
  Entry with_hash = base;
  with_hash.hash = "anything";
  EXPECT_EQ(AuditLog::ComputeHash(with_hash), reference) << "the hash must not cover itself";
}

TEST(AuditHash, FieldBoundariesCannotBeShifted) {
  InitCrypto();
  Entry a = Sample("x");
  Entry b = a;
  a.actor = "ab";
  a.action = "c";
  b.actor = "a";
  b.action = "bc";
  EXPECT_NE(AuditLog::ComputeHash(a), AuditLog::ComputeHash(b));
  Entry c = Sample("x");
  Entry d = c;
  c.actor_user_id.reset();
  d.actor_user_id = 0;
  EXPECT_NE(AuditLog::ComputeHash(c), AuditLog::ComputeHash(d));
}

TEST_P(AuditTest, GuardRefusesUpdateAndDelete) {
  AppendMany(3);
  ApplyGuard();
  EXPECT_THROW(db_->Query("UPDATE audit_log SET actor = 'mallory' WHERE seq = 2"), StorageError);
  EXPECT_THROW(db_->Query("DELETE FROM audit_log WHERE seq = 3"), StorageError);
  EXPECT_THROW(db_->Query("DELETE FROM audit_log"), StorageError);
  if (db_->dialect() == Dialect::kPostgres) {
    EXPECT_THROW(db_->Query("TRUNCATE audit_log"), StorageError);
  }
  EXPECT_EQ(db_->QueryOne("SELECT actor FROM audit_log WHERE seq = 2")->Text(0), "alice");
  EXPECT_EQ(db_->QueryOne("SELECT COUNT(*) FROM audit_log")->Int(0), 3);
  // Appending still works with the guard in place.
  EXPECT_EQ(log_->Append(Sample("after.guard")).seq, 4);
  EXPECT_TRUE(log_->Verify().ok);
}

TEST_P(AuditTest, VerifyCatchesAnEditedRow) {
  AppendMany(5);
  ApplyGuard();
  DropGuard();
  db_->Query("UPDATE audit_log SET status = 200 WHERE seq = 3");
  const auto report = log_->Verify();
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_broken_seq, 3);
  EXPECT_EQ(report.entries_checked, 2);
  EXPECT_FALSE(report.reason.empty());
}

TEST_P(AuditTest, VerifyCatchesAnEditedRowWhoseHashWasRecomputed) {
  AppendMany(5);
  auto row = log_->List({.before_seq = 4, .organisation_ids = {}, .limit = 1});
  ASSERT_EQ(row.size(), 1u);
  ASSERT_EQ(row[0].seq, 3);
  Entry edited = row[0];
  edited.actor = "mallory";
  edited.hash = AuditLog::ComputeHash(edited);
  db_->Query("UPDATE audit_log SET actor = ?, hash = ? WHERE seq = 3",
             {Text(edited.actor), Text(edited.hash)});
  const auto report = log_->Verify();
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_broken_seq, 4);
}

TEST_P(AuditTest, VerifyCatchesADeletedRow) {
  AppendMany(5);
  ApplyGuard();
  DropGuard();
  db_->Query("DELETE FROM audit_log WHERE seq = 2");
  const auto report = log_->Verify();
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_broken_seq, 2);
  EXPECT_EQ(report.entries_checked, 1);
}

TEST_P(AuditTest, VerifyCatchesADeletedFirstRow) {
  AppendMany(3);
  db_->Query("DELETE FROM audit_log WHERE seq = 1");
  const auto report = log_->Verify();
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_broken_seq, 1);
}

TEST_P(AuditTest, VerifyCatchesSwappedHashes) {
  AppendMany(5);
  ApplyGuard();
  DropGuard();
  const auto h2 = db_->QueryOne("SELECT hash FROM audit_log WHERE seq = 2")->Text(0);
  const auto h3 = db_->QueryOne("SELECT hash FROM audit_log WHERE seq = 3")->Text(0);
  db_->Query("UPDATE audit_log SET hash = ? WHERE seq = 2", {Text(h3)});
  db_->Query("UPDATE audit_log SET hash = ? WHERE seq = 3", {Text(h2)});
  const auto report = log_->Verify();
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_broken_seq, 2);
}

TEST_P(AuditTest, VerifyCatchesRowsRenumberedToCloseAGap) {
  AppendMany(4);
  db_->Query("DELETE FROM audit_log WHERE seq = 2");
  db_->Query("UPDATE audit_log SET seq = seq - 1 WHERE seq > 2");
  const auto report = log_->Verify();
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_broken_seq, 2);
}

TEST_P(AuditTest, VerifyReadsPastItsFirstPage) {
  AppendMany(1003);
  std::vector<std::int64_t> progress;
  auto report = log_->Verify([&](std::int64_t done) { progress.push_back(done); });
  EXPECT_TRUE(report.ok) << report.reason;
  EXPECT_EQ(report.entries_checked, 1003);
  EXPECT_EQ(progress, (std::vector<std::int64_t>{1000, 1003}));
  db_->Query("UPDATE audit_log SET detail = '{\"x\":1}' WHERE seq = 1002");
  report = log_->Verify();
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_broken_seq, 1002);
  EXPECT_EQ(report.entries_checked, 1001);
}

// Checks that seq runs 1..n without gaps and every entry links to its predecessor.
void ExpectLinearChain(storage::Database& db, std::int64_t n) {
  const auto rows = db.Query("SELECT seq, prev_hash, hash FROM audit_log ORDER BY seq").rows;
  ASSERT_EQ(static_cast<std::int64_t>(rows.size()), n);
  std::string prev(kGenesis);
  std::set<std::string> prevs;
  for (std::int64_t i = 0; i < n; ++i) {
    const auto& r = rows[static_cast<std::size_t>(i)];
    EXPECT_EQ(r.Int(0), i + 1);
    EXPECT_EQ(r.Text(1), prev) << "seq " << r.Int(0);
    EXPECT_TRUE(prevs.insert(r.Text(1)).second) << "two entries share a predecessor";
    prev = r.Text(2);
  }
}

TEST_P(AuditTest, ConcurrentAppendsFromThreadsKeepOneLinearChain) {
  constexpr int kThreads = 4;
  constexpr int kEach = 25;
  std::latch start(kThreads);
  std::vector<std::thread> threads;
  std::vector<std::string> errors(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      start.arrive_and_wait();
      try {
        for (int i = 0; i < kEach; ++i) log_->Append(Sample("thread." + std::to_string(t)));
      } catch (const std::exception& e) {
        errors[static_cast<std::size_t>(t)] = e.what();
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (const auto& e : errors) EXPECT_EQ(e, "");
  ExpectLinearChain(*db_, kThreads * kEach);
  const auto report = log_->Verify();
  EXPECT_TRUE(report.ok) << report.reason;
  EXPECT_EQ(report.entries_checked, kThreads * kEach);
}

// Two Database objects are what two hubs sharing one database look like.
TEST_P(AuditTest, ConcurrentAppendsThroughTwoDatabasesKeepOneLinearChain) {
  auto other_db = Open();
  AuditLog other(*other_db, clock_);
  AuditLog* logs[] = {log_.get(), &other, log_.get(), &other};
  constexpr int kEach = 25;
  std::latch start(4);
  std::vector<std::thread> threads;
  std::vector<std::string> errors(4);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      start.arrive_and_wait();
      try {
        for (int i = 0; i < kEach; ++i) logs[t]->Append(Sample("hub." + std::to_string(t % 2)));
      } catch (const std::exception& e) {
        errors[static_cast<std::size_t>(t)] = e.what();
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (const auto& e : errors) EXPECT_EQ(e, "");
  ExpectLinearChain(*db_, 4 * kEach);
  EXPECT_TRUE(other.Verify().ok);
}

TEST_P(AuditTest, ListReturnsNewestFirstAndPagesWithBeforeSeq) {
  AppendMany(7);
  const auto first = log_->List({.before_seq = {}, .organisation_ids = {}, .limit = 3});
  ASSERT_EQ(first.size(), 3u);
  EXPECT_EQ(first[0].seq, 7);
  EXPECT_EQ(first[1].seq, 6);
  EXPECT_EQ(first[2].seq, 5);
  const auto second = log_->List({.before_seq = 5, .organisation_ids = {}, .limit = 3});
  ASSERT_EQ(second.size(), 3u);
  EXPECT_EQ(second[0].seq, 4);
  EXPECT_EQ(second[2].seq, 2);
  const auto last = log_->List({.before_seq = 2, .organisation_ids = {}, .limit = 3});
  ASSERT_EQ(last.size(), 1u);
  EXPECT_EQ(last[0].seq, 1);
  EXPECT_TRUE(log_->List({.before_seq = 1, .organisation_ids = {}, .limit = 3}).empty());
}

TEST_P(AuditTest, ListAppliesTheOrganisationFilterBeforeTheLimit) {
  for (int i = 0; i < 9; ++i) {
    log_->Append(Sample("e" + std::to_string(i + 1),
                        i % 3 == 0
                            ? std::optional<std::int64_t>(10)
                            : (i % 3 == 1 ? std::optional<std::int64_t>(20) : std::nullopt)));
  }
  // Entries 1, 4, 7 belong to organisation 10; 2, 5, 8 to 20; 3, 6, 9 to none.
  Filter only10{.before_seq = {}, .organisation_ids = std::vector<std::int64_t>{10}, .limit = 2};
  const auto page = log_->List(only10);
  ASSERT_EQ(page.size(), 2u);
  EXPECT_EQ(page[0].seq, 7);
  EXPECT_EQ(page[1].seq, 4);
  only10.before_seq = page.back().seq;
  const auto rest = log_->List(only10);
  ASSERT_EQ(rest.size(), 1u);
  EXPECT_EQ(rest[0].seq, 1);
  Filter nothing{.before_seq = {}, .organisation_ids = std::vector<std::int64_t>{}, .limit = 50};
  EXPECT_TRUE(log_->List(nothing).empty());
}

TEST_P(AuditTest, ListSelectsOrganisationIdsInSql) {
  for (int i = 0; i < 9; ++i) {
    log_->Append(Sample("e" + std::to_string(i + 1),
                        i % 3 == 0
                            ? std::optional<std::int64_t>(10)
                            : (i % 3 == 1 ? std::optional<std::int64_t>(20) : std::nullopt)));
  }
  Filter ten_and_twenty;
  ten_and_twenty.organisation_ids = std::vector<std::int64_t>{10, 20};
  ten_and_twenty.limit = 4;
  const auto page = log_->List(ten_and_twenty);
  ASSERT_EQ(page.size(), 4u);
  EXPECT_EQ(page[0].seq, 8);
  EXPECT_EQ(page[1].seq, 7);
  EXPECT_EQ(page[2].seq, 5);
  EXPECT_EQ(page[3].seq, 4);
  Filter none;
  none.organisation_ids = std::vector<std::int64_t>{};
  EXPECT_TRUE(log_->List(none).empty());
}

TEST_P(AuditTest, ListFindsVisibleEntriesBeyondItsFirstInternalPage) {
  log_->Append(Sample("old", 99));
  AppendMany(600);
  Filter only99{.before_seq = {}, .organisation_ids = std::vector<std::int64_t>{99}, .limit = 10};
  const auto found = log_->List(only99);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].seq, 1);
  EXPECT_EQ(found[0].action, "old");
}

TEST_P(AuditTest, ListClampsTheLimit) {
  AppendMany(3);
  EXPECT_EQ(log_->List({.before_seq = {}, .organisation_ids = {}, .limit = 0}).size(), 1u);
  EXPECT_EQ(log_->List({.before_seq = {}, .organisation_ids = {}, .limit = -5}).size(), 1u);
  EXPECT_EQ(log_->List({.before_seq = {}, .organisation_ids = {}, .limit = 100000}).size(), 3u);
}

std::string ParamName(const ::testing::TestParamInfo<Backend>& info) {
  return caduceus::testing::BackendName(info.param);
}

INSTANTIATE_TEST_SUITE_P(Backends,
                         AuditTest,
                         ::testing::ValuesIn(caduceus::testing::AllBackends()),
                         ParamName);

}  // namespace
}  // namespace caduceus::audit
