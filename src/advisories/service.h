// The advisory store of the early-warning service (module "advisories"): CSAF 2.0 documents
// imported from files, directories and CSAF providers (sources.h) or written in the hub, kept
// with every revision; the CISA KEV catalogue; the vendor and product alias tables analysts keep.
//
// One advisory per key (PreparedAdvisory::key(): publisher namespace + tracking id). Every
// distinct document received for a key (by SHA-256 of its text) is kept as a numbered revision
// (1, 2, ... per advisory, in the order received). A document that is newer than the current one
// (a later tracking.current_release_date, or the same date and a higher tracking.version) becomes
// the current revision: the advisory's `revision` is then that revision's number ("revised").
// The same document again changes nothing ("unchanged"); an older or equally recent different one
// is kept in the history but does not replace the current one ("older"). After every commit that
// changes what matching must see (a new advisory, a new current revision, a new KEV catalogue, an
// alias change) the change listener is called, outside the transaction: the alert engine
// (alerts.h) re-matches. `matched_revision` on each advisory lets the engine catch up after a
// crash: advisories whose matched_revision is below their revision are matched again.
//
// Validation: a document is imported only when ParseCsaf (csaf.h) accepts it with the service's
// ParseOptions; its errors come back unchanged (Error::Invalid, `field` a JSON pointer, message
// "[6.1.x] ..."). Bounds: kMaxCsafBytes per document (kPayloadTooLarge), text fields stored as
// the document writes them.
//
// Who may do what is decided in identity/policy.h: importing, authoring, the KEV catalogue and
// the alias tables need kPublishAdvisory on the actor's own organisation (loaded through the
// identity service). Reads take the actor: its organisation sees an advisory only as its TLP
// allows (identity::AllowedToSeeAdvisory; in SQL, advisories/visibility.h), and an advisory it may
// not see is Error::NotFound, exactly as a missing one. The holder the rule needs is set when an
// advisory is created: the uploader's organisation, the author's, or, for a source, the
// organisation that set the source up (none for the admin CLI); later revisions keep it, whoever
// imports them.
//
// Thread-safety: all methods may be called concurrently. The prepared-advisory, KEV and alias
// caches are in memory per process and keyed by what the database says is current, so hubs
// sharing one PostgreSQL agree. Storage failures throw StorageError (storage/database.h).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "advisories/csaf.h"
#include "advisories/kev.h"
#include "advisories/matcher.h"
#include "advisories/names.h"
#include "advisories/sources.h"
#include "core/clock.h"
#include "core/error.h"
#include "identity/service.h"

namespace caduceus::storage {
class Database;
struct Migration;
}  // namespace caduceus::storage

namespace caduceus::advisories {

struct AdvisoryServiceOptions {
  ParseOptions parse;  // CSAF validation bounds and whether the mandatory tests run
  // Prepared advisories kept in memory (one per advisory, its current revision).
  std::size_t max_cached_advisories = 50'000;
  // Advisories written in the hub name their publisher "<this>/organisations/<id>".
  std::string publisher_namespace = "https://caduceus.invalid";
  SourceOptions sources;  // fetching from CSAF providers, directories and KEV URLs
};

// Alias tables as the matcher reads them.
struct AliasTables {
  AliasTable vendors{NameKind::kVendor};
  AliasTable products{NameKind::kProduct};
};

// Where a document came from: "upload", "directory", "provider" or "authored".
inline constexpr std::string_view kSourceUpload = "upload";
inline constexpr std::string_view kSourceDirectory = "directory";
inline constexpr std::string_view kSourceProvider = "provider";
inline constexpr std::string_view kSourceAuthored = "authored";

enum class ImportOutcome { kCreated, kRevised, kUnchanged, kOlder };
std::string_view ToString(ImportOutcome outcome);  // "created", "revised", "unchanged", "older"

struct ImportResult {
  std::int64_t id = 0;
  std::string key;
  std::int64_t revision = 0;  // the advisory's current revision after the import
  ImportOutcome outcome = ImportOutcome::kCreated;
};

struct AdvisorySummary {
  std::int64_t id = 0;
  std::string key;
  std::string title;
  std::string publisher;
  std::string publisher_namespace;
  std::string tracking_id;
  std::string version;  // tracking.version of the current revision
  std::string category;
  std::string tlp;  // empty when the document has no TLP label
  std::optional<double> max_cvss;
  std::string severity;  // low, medium, high, critical (unscored reads medium, as matching does)
  std::vector<std::string> cves;
  bool kev = false;  // one of its CVEs is in the KEV catalogue
  std::int64_t revision = 0;
  std::int64_t matched_revision = 0;
  TimePoint initial_release;
  TimePoint current_release;
  std::string source;
  std::optional<std::int64_t> source_id;
  std::optional<std::int64_t> authored_by_org;
  int product_count = 0;
  TimePoint created_at;
  TimePoint updated_at;
  std::optional<std::int64_t> holder_org;  // who brought it into the hub; nullopt: unknown
};

struct AdvisoryFilter {
  std::string q;        // substring of title, tracking id, CVE, vendor or product (any case)
  std::string vendor;   // substring of a product's vendor
  std::string product;  // substring of a product's name
  std::string cve;      // exact CVE id
  std::string severity;
  bool kev_only = false;
  std::optional<TimePoint> since;  // current release at or after
  int page = 1;                    // from 1
  int per_page = 50;               // 1..kMaxPerPage
};
inline constexpr int kMaxPerPage = 200;

struct AdvisoryPage {
  std::vector<AdvisorySummary> items;
  std::int64_t total = 0;
  int page = 1;
  int per_page = 50;
};

struct RevisionInfo {
  std::int64_t revision = 0;
  std::string version;
  TimePoint current_release;
  std::string sha256;
  TimePoint received_at;
  std::string source;
  bool current = false;
};

struct AdvisoryDetail {
  AdvisorySummary summary;
  std::shared_ptr<const PreparedAdvisory> prepared;  // the current revision, parsed
  std::vector<KevEntry> kev;                         // KEV entries of its CVEs
  std::vector<RevisionInfo> revisions;               // newest number first
};

struct StoredDocument {
  std::string text;       // the document as received
  std::string file_name;  // "<tracking id>.json", safe for Content-Disposition
  std::int64_t revision = 0;
};

struct KevMeta {
  std::string catalog_version;
  std::string date_released;
  std::optional<TimePoint> imported_at;  // nullopt when no catalogue was imported
  std::int64_t count = 0;
  std::int64_t ransomware_count = 0;
};

struct Alias {
  std::int64_t id = 0;
  std::string kind;  // "vendor" or "product"
  std::string name;
  std::string alias;
  std::optional<std::int64_t> created_by_org;
  TimePoint created_at;
};

// The form a CSIRT fills in to write an advisory in the hub (one vendor, one product).
struct AuthoredVersion {
  std::string version;  // exactly one of version and range
  std::string range;    // a vers: range or a phrase such as "<= 6.2.1"
  // known_affected, fixed, known_not_affected or under_investigation
  std::string status = "known_affected";
};
struct AuthoredCve {
  std::string id;              // CVE-YYYY-NNNN...
  std::string cvss_v3_vector;  // CVSS:3.0/... or CVSS:3.1/...; empty: unscored
  std::string description;
};
struct AuthoredRemediation {
  std::string category;  // vendor_fix, mitigation, workaround, none_available, no_fix_planned
  std::string details;
  std::string url;
};
struct AuthoredAdvisory {
  std::string title;
  std::string tracking_id;  // empty: "<ORG>-<year>-<number>" is assigned
  std::string tlp = "WHITE";
  std::string summary;
  std::string vendor;
  std::string product;
  std::vector<AuthoredVersion> versions;
  std::vector<AuthoredCve> cves;
  AuthoredRemediation remediation;
};

// What ImportPath did: counts per outcome and one line per refused file.
struct PathImportReport {
  int created = 0;
  int revised = 0;
  int unchanged = 0;
  int older = 0;
  int rejected = 0;
  std::vector<std::string> errors;  // "<file>: <message> at <JSON pointer>"
};

// The CVSS v3.x base score of a vector ("CVSS:3.1/AV:N/..."); Error::Invalid when malformed.
Result<double> CvssV3BaseScore(std::string_view vector);

class AdvisoryService {
 public:
  AdvisoryService(storage::Database& db,
                  const Clock& clock,
                  identity::IdentityService& identity,
                  AdvisoryServiceOptions options = {});
  ~AdvisoryService();
  AdvisoryService(const AdvisoryService&) = delete;
  AdvisoryService& operator=(const AdvisoryService&) = delete;

  // Module "advisories": adv_advisories, adv_revisions, adv_cves, adv_products, adv_kev,
  // adv_kev_meta, adv_aliases, adv_sources, adv_source_documents, adv_source_runs.
  static std::span<const storage::Migration> Migrations();

  // Called with the advisory's id after a commit that changed it, or with 0 when something that
  // concerns every advisory changed (KEV catalogue, aliases). Set once, before serving.
  void SetChangeListener(std::function<void(std::int64_t advisory_id)> listener);

  // --- Import ----------------------------------------------------------------------------------
  // Validates and stores one CSAF document (see the file comment for the outcomes). `source` is
  // one of the kSource* names; `source_id` the adv_sources row it came through, if any.
  Result<ImportResult> Import(identity::Actor actor,
                              std::string_view document,
                              std::string_view source,
                              std::optional<std::int64_t> source_id = std::nullopt);
  // Builds a CSAF 2.0 document from the form (publisher: the actor's organisation, category
  // coordinator, namespace the hub's), validates it with ParseCsaf and imports it as "authored".
  // Error::Invalid names the form field at fault. Actor::System() needs `organisation_id`.
  Result<ImportResult> Author(identity::Actor actor,
                              const AuthoredAdvisory& form,
                              std::optional<std::int64_t> organisation_id = std::nullopt);
  // The CSAF document Author would import, without importing it (for tests and previews).
  Result<std::string> AuthoredDocument(const AuthoredAdvisory& form,
                                       std::int64_t organisation_id,
                                       const std::string& organisation_name);

  // --- Reading ---------------------------------------------------------------------------------
  // Only what the actor may see, counted and paged in SQL.
  Result<AdvisoryPage> List(identity::Actor actor, const AdvisoryFilter& filter);
  Result<AdvisoryDetail> Get(identity::Actor actor, std::int64_t id);
  // The document as received: the current revision, or revision `revision`, served when the actor
  // may see the advisory under the stricter of its current TLP and that revision's own.
  Result<StoredDocument> Document(identity::Actor actor,
                                  std::int64_t id,
                                  std::optional<std::int64_t> revision = {});

  // --- What the alert engine reads -------------------------------------------------------------
  // The ids of every advisory, and those whose matched_revision is below their revision.
  Result<std::vector<std::int64_t>> AdvisoryIds();
  Result<std::vector<std::int64_t>> UnmatchedAdvisoryIds();
  // The current revision of one advisory, parsed and prepared; with the revision number that the
  // engine passes back to MarkMatched. Error::NotFound for an unknown id.
  struct Current {
    std::int64_t id = 0;
    std::int64_t revision = 0;
    std::shared_ptr<const PreparedAdvisory> prepared;
  };
  Result<Current> Prepared(std::int64_t advisory_id);
  // Records that `revision` was matched; never lowers matched_revision.
  Status MarkMatched(std::int64_t advisory_id, std::int64_t revision);
  // The KEV catalogue last imported (empty when none) and the alias tables.
  Result<std::shared_ptr<const KevCatalogue>> Kev();
  Result<std::shared_ptr<const AliasTables>> Aliases();

  // --- KEV -------------------------------------------------------------------------------------
  // Validates the catalogue (ParseKev) and replaces the stored one in one transaction.
  Result<KevMeta> ImportKev(identity::Actor actor, std::string_view json);
  Result<KevMeta> KevInfo();

  // --- Aliases ---------------------------------------------------------------------------------
  // kind "vendor" or "product"; both names must normalise to something (AliasTable::Add).
  // Error::Conflict when the pair exists.
  Result<Alias> AddAlias(identity::Actor actor,
                         std::string_view kind,
                         std::string_view name,
                         std::string_view alias);
  Result<std::vector<Alias>> ListAliases();
  Status RemoveAlias(identity::Actor actor, std::int64_t id);

  // The advisory sources (sources.h), owned by this service.
  SourceService& sources() { return *sources_; }

  // Succeeds when the actor may publish advisories (kPublishAdvisory on its own organisation);
  // the organisation id the action is on behalf of (nullopt for the system).
  Result<std::optional<std::int64_t>> CheckPublisher(identity::Actor actor);

 private:
  Result<ImportResult> ImportParsed(std::string_view document,
                                    std::string_view source,
                                    std::optional<std::int64_t> source_id,
                                    std::optional<std::int64_t> authored_by_org,
                                    std::optional<std::int64_t> holder);
  void Notify(std::int64_t advisory_id);

  storage::Database& db_;
  const Clock& clock_;
  identity::IdentityService& identity_;
  AdvisoryServiceOptions options_;
  std::mutex listener_mutex_;
  std::function<void(std::int64_t)> listener_;

  std::mutex cache_mutex_;
  // advisory id → (revision, prepared)
  std::map<std::int64_t, std::pair<std::int64_t, std::shared_ptr<const PreparedAdvisory>>>
      prepared_;
  std::int64_t kev_stamp_ = -1;
  std::shared_ptr<const KevCatalogue> kev_;
  std::string alias_stamp_;
  std::shared_ptr<const AliasTables> aliases_;
  std::unique_ptr<SourceService> sources_;
};

// For the admin CLI (`caduceus-hub advisories import FILE|DIR`): imports one CSAF file as
// "upload", or every *.json below a directory (recursively, ROLIE feeds and provider metadata
// skipped, in path order) as "directory", as the system. A refused file is reported, not fatal.
// Error::NotFound when the path does not exist.
Result<PathImportReport> ImportPath(AdvisoryService& service, const std::string& path);
// For `caduceus-hub advisories kev FILE`: reads the KEV JSON file and imports it as the system.
Result<KevMeta> ImportKevFile(AdvisoryService& service, const std::string& path);

}  // namespace caduceus::advisories
