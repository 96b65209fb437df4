// The audit log: append-only and hash-chained.
//
// Each entry records who did what, in which organisation, when, from where, with which result,
// and the SHA-256 hash of the previous entry; its own hash covers all of that. Deleting,
// reordering or editing any entry breaks the chain from that entry on, which Verify() reports.
// Database triggers refuse UPDATE and DELETE on the table; an attacker with full database
// access can drop them, which is why the chain exists. Truncating the tail cannot be seen from
// the chain alone: `caduceus-hub audit head` prints the head hash to record elsewhere.
//
// Appends from several hubs over one PostgreSQL are serialised by an advisory lock, so the
// chain stays linear. Thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/clock.h"
#include "storage/database.h"

namespace caduceus::audit {

struct Entry {
  std::int64_t seq = 0;
  TimePoint at;
  std::optional<std::int64_t> actor_user_id;
  std::string actor;  // username, or "system" / "cli" / "anonymous"
  std::optional<std::int64_t> organisation_id;
  std::string action;  // e.g. "user.create", "auth.login"
  std::string target;  // e.g. "/api/v1/users/12" or "user:12"
  std::string address;
  std::string request_id;
  int status = 0;      // HTTP status, or 0 for CLI actions
  std::string detail;  // optional JSON object text, no secrets
  std::string prev_hash;
  std::string hash;
};

struct VerifyReport {
  bool ok = true;
  std::int64_t entries_checked = 0;
  std::optional<std::int64_t> first_broken_seq;
  std::string reason;
};

struct Filter {
  std::optional<std::int64_t> before_seq;
  // Only entries filed under these organisations (nullopt = all entries, those filed under no
  // organisation included). Selected in SQL, through the (organisation_id, seq) index.
  std::optional<std::vector<std::int64_t>> organisation_ids;
  int limit = 50;
};

class AuditLog {
 public:
  AuditLog(storage::Database& db, const Clock& clock);

  static std::span<const storage::Migration> Migrations();
  // Dialect-specific (triggers), applied as module "audit-guard".
  static std::span<const storage::Migration> GuardMigrations(storage::Dialect dialect);

  // Appends one entry in its own transaction; fills seq, at, prev_hash and hash.
  Entry Append(Entry entry);
  // Newest first.
  std::vector<Entry> List(const Filter& filter);
  // Walks the whole chain in order (in pages, so memory stays flat).
  VerifyReport Verify(const std::function<void(std::int64_t done)>& progress = {});
  // The newest entry's seq and hash, or nullopt for an empty log.
  std::optional<std::pair<std::int64_t, std::string>> Head();

  // The hash an entry must have: SHA-256 over prev_hash and a canonical encoding of its fields.
  static std::string ComputeHash(const Entry& entry);

 private:
  storage::Database& db_;
  const Clock& clock_;
};

}  // namespace caduceus::audit
