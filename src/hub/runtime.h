// What every hub command shares: configuration, logging, the database with migrations applied,
// and the domain services wired together.
#pragma once

#include <memory>
#include <string>

#include "advisories/alerts.h"
#include "advisories/delivery.h"
#include "advisories/inventories.h"
#include "advisories/service.h"
#include "assessment/service.h"
#include "audit/audit.h"
#include "catalogue/service.h"
#include "core/clock.h"
#include "core/metrics.h"
#include "hub/config.h"
#include "identity/service.h"
#include "incidents/service.h"
#include "intel/analysis.h"
#include "intel/exports.h"
#include "intel/feeds.h"
#include "intel/store.h"
#include "intel/warninglist.h"
#include "recovery/service.h"
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
  std::unique_ptr<assessment::AssessmentService> assessment;
  std::unique_ptr<catalogue::CatalogueService> catalogue;
  std::unique_ptr<incidents::IncidentService> incidents;
  std::unique_ptr<recovery::RecoveryService> recovery;
  std::shared_ptr<const intel::Warninglists> warninglists;
  std::unique_ptr<intel::IntelService> intel;
  std::unique_ptr<intel::IntelAnalysis> intel_analysis;
  std::unique_ptr<intel::FeedService> feeds;
  std::unique_ptr<intel::ExportService> exports;
  std::unique_ptr<advisories::AdvisoryService> advisories;
  std::unique_ptr<advisories::AlertService> alerts;
  std::unique_ptr<advisories::InventoryService> inventories;
  std::unique_ptr<advisories::DeliveryService> delivery;
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

// Loads the assessment frameworks under <data_dir>/frameworks that the database lacks (a
// published version never changes: the same version with other content is an error). Returns how
// many were new; a missing directory loads none.
Result<int> LoadFrameworks(Runtime& rt);
// Imports (creates or updates by key) the service catalogue's starter set,
// <data_dir>/catalogue/starter.json. Returns how many entries were imported.
Result<int> ImportStarterCatalogue(Runtime& rt);

// Loads the ransomware knowledge base (a MISP galaxy ransomware cluster file, or its http(s) URL
// such as kGalaxyUrl; hub-made markers are kept) and the decryption-tool catalogue; an empty
// path means the copy under <data_dir>/recovery/. Returns how many families and tools were
// loaded. Both are read before either is loaded, and each loads all or nothing.
inline constexpr const char* kGalaxyUrl =
    "https://raw.githubusercontent.com/MISP/misp-galaxy/main/clusters/ransomware.json";
struct RecoveryLoad {
  int families = 0;
  int decryptors = 0;
};
Result<RecoveryLoad> LoadRecoveryData(Runtime& rt,
                                      const std::string& galaxy_file,
                                      const std::string& decryptors_file);

// Records an admin-CLI action in the audit log.
void AuditCli(Runtime& rt,
              const std::string& action,
              const std::string& target,
              const std::string& detail = "{}");

}  // namespace caduceus::hub
