// What every hub command shares: configuration, logging, the database with migrations applied,
// and the domain services wired together.
#pragma once

#include <memory>
#include <string>

#include "audit/audit.h"
#include "core/clock.h"
#include "core/metrics.h"
#include "hub/config.h"
#include "identity/service.h"
#include "storage/database.h"

namespace caduceus::hub {

void SetUpLogging(const Config& config);

// Writes `data` to a new file readable only by its owner (mode 0600). With `exclusive`, an
// existing file is an error; otherwise it is replaced.
Status WritePrivateFile(const std::string& path, std::string_view data, bool exclusive);

// Reads the 32-byte secret key, creating it (mode 0600) when `create` and it is missing.
// A key file open to group or others is refused.
Result<std::string> LoadSecretKey(const std::string& path, bool create);

struct Runtime {
  Config config;
  SystemClock clock;
  MetricsRegistry metrics;
  std::unique_ptr<storage::Database> db;
  std::unique_ptr<identity::IdentityService> identity;
  std::unique_ptr<audit::AuditLog> audit;
};

// Opens the database and applies pending migrations (when `migrate`), then builds the services.
// A missing secret key is created when `create_key` (init, demo) or while the database has no
// users; otherwise it is an error, since a hub that silently made a new key could not decrypt
// the TOTP seeds its peers stored.
Result<std::unique_ptr<Runtime>> OpenRuntime(Config config, bool migrate, bool create_key);

// Applies every module's migrations in dependency order; returns how many were applied.
int MigrateAll(storage::Database& db);
// Number of migrations not yet applied.
int PendingAll(storage::Database& db);

// Records an admin-CLI action in the audit log.
void AuditCli(Runtime& rt,
              const std::string& action,
              const std::string& target,
              const std::string& detail = "{}");

}  // namespace caduceus::hub
