// Asset inventories of the early-warning service (tables of module "advisories_inventory",
// declared by AlertService::InventoryMigrations): each provider's current assets, the history of
// its uploads, single-asset edits. Uploads are CycloneDX 1.4–1.6 JSON or CSV (inventory.h parses
// them); an upload either replaces the inventory or merges into it (by serial number, else bom-ref,
// else vendor+product+version+model); a rejected upload changes nothing and says which lines are
// at fault. Every change bumps the organisation's inventory revision and re-matches it
// (AlertService::Reinventory).
//
// Authorisation: identity/policy.h (kReadInventory, kManageInventory). Thread-safety: every
// method may be called concurrently.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "advisories/alerts.h"
#include "advisories/inventory.h"
#include "core/clock.h"
#include "core/error.h"
#include "identity/service.h"

namespace caduceus::storage {
class Database;
struct Migration;
}  // namespace caduceus::storage

namespace caduceus::advisories {

inline constexpr std::size_t kMaxUploadBytes = 64 * 1024 * 1024;
inline constexpr std::size_t kMaxAssetsPerOrg = 200'000;
inline constexpr int kDefaultAssetPage = 50;
inline constexpr int kMaxAssetPage = 1'000;

struct UploadRequest {
  std::optional<std::int64_t> org_id;  // default: the actor's organisation
  std::string format;                  // "cyclonedx", "csv", or empty: guessed from the content
  std::string mode = "replace";        // "replace" or "merge"
  std::string file_name;               // kept in the history; at most 255 bytes
  std::string content;
};

// One thing wrong with an upload: CSV rows by line (1 = header) and column name; CycloneDX by
// JSON pointer (in `column`, line 0).
struct UploadError {
  std::size_t line = 0;
  std::string column;
  std::string message;
};

struct UploadResult {
  std::int64_t upload_id = 0;
  std::int64_t revision = 0;
  int added = 0;
  int updated = 0;
  int removed = 0;
  std::int64_t asset_count = 0;
  AlertChanges alerts;
};

struct UploadRecord {
  std::int64_t id = 0;
  std::int64_t org_id = 0;
  std::int64_t revision = 0;
  std::string format, file_name, sha256, mode;
  std::int64_t size = 0;
  int added = 0, updated = 0, removed = 0;
  std::int64_t asset_count = 0;
  std::optional<std::int64_t> uploaded_by;
  TimePoint uploaded_at;
};

struct StoredAsset {
  std::int64_t id = 0;
  std::int64_t org_id = 0;
  Asset asset;  // source/line/parent are not kept
  std::optional<std::int64_t> upload_id;
  TimePoint updated_at;
};

struct AssetFilter {
  std::optional<std::int64_t> org_id;  // default: the actor's organisation
  std::string q;                       // substring of vendor, product, model, serial, location
  int page = 1;
  int per_page = kDefaultAssetPage;
};

struct AssetPage {
  std::vector<StoredAsset> items;  // by vendor, product, id
  std::int64_t total = 0;
  int page = 1;
  int per_page = kDefaultAssetPage;
  std::int64_t revision = 0;  // the inventory's revision (0: never uploaded)
};

class InventoryService {
 public:
  InventoryService(storage::Database& db,
                   const Clock& clock,
                   identity::IdentityService& identity,
                   AlertService& alerts);
  ~InventoryService();
  InventoryService(const InventoryService&) = delete;
  InventoryService& operator=(const InventoryService&) = delete;

  static std::span<const storage::Migration> Migrations();

  // Parses, then in one transaction stores the assets (replace or merge), the upload with its
  // file, and bumps the revision; then re-matches (AlertService::Reinventory). kManageInventory
  // on the organisation (kNotFound when the actor may not even read it). A file that does not
  // parse, or has bad rows, changes nothing: kInvalidArgument, and `errors` (when given) lists
  // every fault found. kPayloadTooLarge beyond kMaxUploadBytes.
  Result<UploadResult> Upload(identity::Actor actor,
                              const UploadRequest& request,
                              std::vector<UploadError>* errors = nullptr);
  // The upload history, newest first (kReadInventory).
  Result<std::vector<UploadRecord>> Uploads(identity::Actor actor,
                                            std::optional<std::int64_t> org_id = {});
  // One upload's file as received (kReadInventory): the record and the bytes.
  Result<std::pair<UploadRecord, std::string>> UploadFile(identity::Actor actor,
                                                          std::int64_t upload_id);
  Result<AssetPage> Assets(identity::Actor actor, const AssetFilter& filter);
  Result<StoredAsset> GetAsset(identity::Actor actor, std::int64_t asset_id);
  // Single-asset edits (kManageInventory); vendor and product are required. Each bumps the
  // revision and re-matches.
  Result<StoredAsset> AddAsset(identity::Actor actor,
                               std::optional<std::int64_t> org_id,
                               const Asset& asset);
  Result<StoredAsset> UpdateAsset(identity::Actor actor, std::int64_t asset_id, const Asset& asset);
  Status RemoveAsset(identity::Actor actor, std::int64_t asset_id);

 private:
  Result<std::int64_t> Target(identity::Actor actor,
                              std::optional<std::int64_t> org_id,
                              bool manage);

  storage::Database& db_;
  const Clock& clock_;
  identity::IdentityService& identity_;
  AlertService& alerts_;
};

// The body of `caduceus-hub inventory upload --org ORG [--mode replace|merge] FILE`: reads FILE
// (format guessed from its content), uploads it as the system and returns the lines to print
// (upload id, revision, counts, alerts). Failure: the error, its message followed by one line per
// faulty row ("line 12, column 'version': ..."); kNotFound when FILE cannot be read.
Result<std::string> UploadInventoryFile(InventoryService& inventories,
                                        std::int64_t org_id,
                                        const std::string& path,
                                        const std::string& mode = "replace");

}  // namespace caduceus::advisories
