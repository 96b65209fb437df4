#include "audit/audit.h"

#include <algorithm>
#include <limits>

#include <fmt/format.h>
#include <sodium.h>

#include "core/random.h"

namespace caduceus::audit {

using storage::Int;
using storage::Null;
using storage::Row;
using storage::Text;
using storage::Value;

namespace {

constexpr std::int64_t kChainLock = 0x6361647563657573;  // "caduceus"
constexpr std::string_view kGenesis =
    "0000000000000000000000000000000000000000000000000000000000000000";
constexpr std::string_view kColumns =
    "seq, at, actor_user_id, actor, organisation_id, action, target, address, request_id, "
    "status, detail, prev_hash, hash";

constexpr storage::Migration kMigrations[] = {
    {1, "hash-chained audit log", R"sql(
CREATE TABLE audit_log (
  seq BIGINT PRIMARY KEY,
  at BIGINT NOT NULL,
  actor_user_id BIGINT,
  actor TEXT NOT NULL,
  organisation_id BIGINT,
  action TEXT NOT NULL,
  target TEXT NOT NULL,
  address TEXT NOT NULL,
  request_id TEXT NOT NULL,
  status INTEGER NOT NULL,
  detail TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
);
CREATE INDEX audit_log_org ON audit_log (organisation_id, seq);
)sql"},
};

constexpr storage::Migration kSqliteGuard[] = {
    {1, "refuse updates and deletes", R"sql(
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
)sql"},
};

constexpr storage::Migration kPostgresGuard[] = {
    {1, "refuse updates and deletes", R"sql(
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'the audit log is append-only'; END $$;
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
)sql"},
};

// Length-prefixed fields, so no two different entries encode alike.
void Put(std::string& out, std::string_view field) {
  out += std::to_string(field.size());
  out += ':';
  out += field;
  out += ';';
}

std::string OptStr(const std::optional<std::int64_t>& v) {
  return v ? std::to_string(*v) : std::string("-");
}

Entry ReadEntry(const Row& r) {
  Entry e;
  e.seq = r.Int(0);
  e.at = FromUnixMillis(r.Int(1));
  e.actor_user_id = r.OptInt(2);
  e.actor = r.Text(3);
  e.organisation_id = r.OptInt(4);
  e.action = r.Text(5);
  e.target = r.Text(6);
  e.address = r.Text(7);
  e.request_id = r.Text(8);
  e.status = static_cast<int>(r.Int(9));
  e.detail = r.Text(10);
  e.prev_hash = r.Text(11);
  e.hash = r.Text(12);
  return e;
}

}  // namespace

AuditLog::AuditLog(storage::Database& db, const Clock& clock) : db_(db), clock_(clock) {}

std::span<const storage::Migration> AuditLog::Migrations() { return kMigrations; }

std::span<const storage::Migration> AuditLog::GuardMigrations(storage::Dialect dialect) {
  if (dialect == storage::Dialect::kSqlite) return kSqliteGuard;
  return kPostgresGuard;
}

std::string AuditLog::ComputeHash(const Entry& e) {
  std::string canonical = "caduceus-audit-v1;";
  Put(canonical, e.prev_hash);
  Put(canonical, std::to_string(e.seq));
  Put(canonical, std::to_string(ToUnixMillis(e.at)));
  Put(canonical, OptStr(e.actor_user_id));
  Put(canonical, e.actor);
  Put(canonical, OptStr(e.organisation_id));
  Put(canonical, e.action);
  Put(canonical, e.target);
  Put(canonical, e.address);
  Put(canonical, e.request_id);
  Put(canonical, std::to_string(e.status));
  Put(canonical, e.detail);
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(canonical.data()),
                     canonical.size());
  return HexEncode(std::string_view(reinterpret_cast<const char*>(digest), sizeof digest));
}

Entry AuditLog::Append(Entry entry) {
  if (entry.detail.empty()) entry.detail = "{}";
  return db_.Transact([&](storage::Tx& tx) {
    tx.LockExclusive(kChainLock);
    auto head = tx.One("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1");
    Entry e = entry;
    e.seq = head ? head->Int(0) + 1 : 1;
    e.prev_hash = head ? head->Text(1) : std::string(kGenesis);
    e.at = FromUnixMillis(ToUnixMillis(clock_.Now()));
    e.hash = ComputeHash(e);
    tx.Exec(
        fmt::format("INSERT INTO audit_log ({}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    kColumns),
        {Int(e.seq), Int(ToUnixMillis(e.at)), e.actor_user_id ? Value(*e.actor_user_id) : Null(),
         Text(e.actor), e.organisation_id ? Value(*e.organisation_id) : Null(), Text(e.action),
         Text(e.target), Text(e.address), Text(e.request_id), Int(e.status), Text(e.detail),
         Text(e.prev_hash), Text(e.hash)});
    return e;
  });
}

std::vector<Entry> AuditLog::List(const Filter& filter) {
  if (filter.organisation_ids && filter.organisation_ids->empty()) return {};
  std::string sql = fmt::format("SELECT {} FROM audit_log WHERE seq < ?", kColumns);
  std::vector<Value> params{
      Int(filter.before_seq.value_or(std::numeric_limits<std::int64_t>::max()))};
  if (filter.organisation_ids) {
    sql += " AND organisation_id IN (";
    for (std::size_t i = 0; i < filter.organisation_ids->size(); ++i) {
      sql += i ? ", ?" : "?";
      params.push_back(Int((*filter.organisation_ids)[i]));
    }
    sql += ")";
  }
  sql += " ORDER BY seq DESC LIMIT ?";
  params.push_back(Int(std::clamp(filter.limit, 1, 500)));
  std::vector<Entry> out;
  for (const auto& row : db_.Query(sql, params).rows) out.push_back(ReadEntry(row));
  return out;
}

VerifyReport AuditLog::Verify(const std::function<void(std::int64_t)>& progress) {
  VerifyReport report;
  std::string prev(kGenesis);
  std::int64_t expected_seq = 1;
  std::int64_t after = 0;
  for (;;) {
    auto page = db_.Query(
        fmt::format("SELECT {} FROM audit_log WHERE seq > ? ORDER BY seq LIMIT 1000", kColumns),
        {Int(after)});
    if (page.rows.empty()) break;
    for (const auto& row : page.rows) {
      const auto e = ReadEntry(row);
      auto broken = [&](std::string reason) {
        report.ok = false;
        report.first_broken_seq = e.seq;
        report.reason = std::move(reason);
      };
      if (e.seq != expected_seq) {
        report.first_broken_seq = expected_seq;
        report.ok = false;
        report.reason = fmt::format("entry {} is missing", expected_seq);
        return report;
      }
      if (e.prev_hash != prev) {
        broken("its prev_hash does not match the hash of the entry before it");
        return report;
      }
      if (ComputeHash(e) != e.hash) {
        broken("its content does not match its hash");
        return report;
      }
      prev = e.hash;
      ++expected_seq;
      ++report.entries_checked;
      after = e.seq;
    }
    if (progress) progress(report.entries_checked);
  }
  return report;
}

std::optional<std::pair<std::int64_t, std::string>> AuditLog::Head() {
  auto row = db_.QueryOne("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1");
  if (!row) return std::nullopt;
  return std::make_pair(row->Int(0), row->Text(1));
}

}  // namespace caduceus::audit
