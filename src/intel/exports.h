// Exports for the tools hospitals run (Suricata, Zeek, blocklists, RPZ, CSV, STIX) and the pull
// tokens devices fetch them with.
//
// What an export holds: the observables (correlation index, module "intel_analysis") of the
// newest versions of the indicators the reader may see (VisiblePredicate), filtered by
// collection, observable kind, TLP ceiling, age and confidence; by default without revoked
// indicators and without the values a warninglist flagged on that indicator; never an expired
// one (valid_until in the past). Newest first up to the cap, then rendered by export_formats.h.
//
// Pull feeds: an organisation's admins save a query under a name and get a token, shown once and
// kept only as its SHA-256. A device fetches GET /api/v1/intel/pull/{token} without any other
// credential and receives the export as the organisation's members would see it at that moment
// (LoadOrgScope), never above TLP:AMBER+STRICT: a device is not a named recipient.
//
// Thread-safe: every call runs in its own transaction. Storage failures throw StorageError.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "core/clock.h"
#include "core/error.h"
#include "core/tlp.h"
#include "identity/service.h"
#include "intel/export_formats.h"
#include "intel/store.h"
#include "storage/database.h"

namespace caduceus::intel {

inline constexpr std::size_t kMaxExportValues = 100'000;
inline constexpr std::size_t kMaxExportFeedsPerOrg = 100;

struct ExportQuery {
  ExportRequest request;
  std::optional<std::string> collection_uuid;
  std::vector<ObservableKind> kinds;  // empty: every kind the format takes
  TlpLevel tlp_max = TlpLevel::kAmberStrict;
  std::optional<int> max_age_days;    // 1..3650, on date_added
  std::optional<int> min_confidence;  // 0..100; indicators without a confidence are left out
  bool include_warninglisted = false;
  bool include_revoked = false;
  std::size_t limit = kMaxExportValues;  // 1..kMaxExportValues observables
};

// Reads a query from parameters as the API takes them (all strings): `collection` (uuid), `type`
// (comma-separated kind names), `kind` (dataset/blocklist), `tlp_max`, `max_age_days`,
// `min_confidence`, `include_warninglisted`, `include_revoked` ("true"/"false"), `limit`.
// Unknown parameters are refused, so a typo does not silently widen an export. Invalid names the
// parameter in `field`.
Result<ExportQuery> ParseExportQuery(ExportFormat format,
                                     const std::map<std::string, std::string>& params);
// The parameters that ParseExportQuery reads back into the same query (format excluded).
std::map<std::string, std::string> ExportQueryParams(const ExportQuery& query);

struct ExportResult {
  std::string body;
  std::string media_type;
  std::string file_name;
  std::size_t values = 0;  // observables selected (before the renderer's de-duplication)
  bool truncated = false;  // more matched than the limit
};

struct NewExportFeed {
  std::string name;  // 1..200 characters
  ExportQuery query;
};

struct ExportFeed {
  std::int64_t id = 0;
  std::string name;
  ExportQuery query;
  std::string token_prefix;  // the first characters of the token, to tell tokens apart
  std::int64_t created_by = 0;
  TimePoint created_at;
  std::optional<TimePoint> last_pulled_at;
  std::int64_t pulls = 0;
};

struct CreatedExportFeed {
  ExportFeed feed;
  std::string token;  // shown once
};

class ExportService {
 public:
  // `store` owns the tables the exports read; it must outlive the service.
  ExportService(storage::Database& db, const Clock& clock, IntelService& store);

  // Module "intel_exports", applied after the modules "intel" and "intel_analysis".
  static std::span<const storage::Migration> Migrations();

  // The export as the actor sees it. NotFound for a collection it may not read; Invalid for a
  // request ValidateExportRequest refuses.
  Result<ExportResult> Export(identity::Actor actor, const ExportQuery& query);

  // The actor's organisation's feeds (a system actor has none).
  Result<std::vector<ExportFeed>> ListFeeds(identity::Actor actor);
  // Invalid for a bad name or query, a TLP ceiling above AMBER+STRICT, or more than
  // kMaxExportFeedsPerOrg feeds; NotFound for a collection the organisation may not read.
  Result<CreatedExportFeed> CreateFeed(identity::Actor actor, const NewExportFeed& feed);
  // NotFound unless the feed belongs to the actor's organisation.
  Status DeleteFeed(identity::Actor actor, std::int64_t id);
  // The feed's export for the device holding `token`; Unauthenticated for an unknown token.
  Result<ExportResult> Pull(std::string_view token);

 private:
  Result<ExportResult> Run(storage::Tx& tx,
                           const ViewScope& scope,
                           const ExportQuery& query,
                           TimePoint now);

  storage::Database& db_;
  const Clock& clock_;
};

}  // namespace caduceus::intel
