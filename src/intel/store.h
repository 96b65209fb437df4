// The intel store: STIX 2.1 objects in collections, every version kept, TLP enforced on every
// read. Collections belong to API roots, one per sharing community (the EU, each Member State,
// and ones an admin creates); the TAXII 2.1 server and the JSON API are two views of it.
//
// Versions: an object version is (collection, id, version) where version is `modified`, else
// `created`, else the date it was added (cyber-observables); a version that is already there is
// acknowledged and not stored twice, if the producer owns it or may see it (else its own copy is
// stored beside it, so that resubmitting tells nothing of it). `date_added` is assigned under a
// per-collection lock, so it never decreases within a collection and a reader paging by
// (date_added, seq) never misses a version committed after it read (one PostgreSQL shared by
// several hubs included).
//
// TLP: an object's level is its TLP marking (object_marking_refs, TLP 2.0 or 1.0), else the
// collection's default. Who may see what is the policy's (identity/policy.h); reads filter with
// VisiblePredicate (visibility.h). An object the reader may not see does not exist for it: same
// 404, same counts, same pages as if it had never been stored.
//
// Thread-safe: every call runs in its own transaction.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <memory>
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
#include "intel/bundle.h"
#include "intel/observables.h"
#include "intel/visibility.h"
#include "intel/warninglist.h"
#include "storage/database.h"

namespace caduceus::intel {

enum class RootKind { kEu, kCountry, kCustom };

struct ApiRoot {
  std::int64_t id = 0;
  std::string slug;  // path segment: "eu", "be", or an admin's choice ([a-z0-9-]{2,40})
  std::string title;
  std::string description;
  RootKind kind = RootKind::kEu;
  std::optional<std::string> country;  // kCountry: its Member State; kCustom: its owner's
  std::size_t max_content_length = 0;  // bytes a POST may carry
};

struct CollectionInfo {
  std::int64_t id = 0;
  std::string uuid;  // the TAXII collection id
  std::int64_t api_root_id = 0;
  std::string api_root_slug;
  std::string title;
  std::string description;
  std::string alias;  // optional short name, unique within the root, may be empty
  TlpLevel default_tlp = TlpLevel::kGreen;
  bool community_read = true;
  bool community_write = false;
  // For the reader who asked:
  bool can_read = false;
  bool can_write = false;
  bool can_administer = false;
  // Latest versions the reader may see: counted by ListAllCollections, GetCollectionByUuid and
  // UpdateCollection (the JSON API); -1 from the per-root calls TAXII makes on every request,
  // which stay cheap on a collection of millions.
  std::int64_t objects = -1;
};

struct NewApiRoot {
  std::string slug;
  std::string title;
  std::string description;
};

struct NewCollection {
  std::string api_root_slug;
  std::string title;
  std::string description;
  std::string alias;
  TlpLevel default_tlp = TlpLevel::kGreen;
  bool community_read = true;
  bool community_write = false;
};

struct CollectionGrant {
  std::int64_t org_id = 0;
  std::string org_name;  // filled on reads
  bool can_read = false;
  bool can_write = false;
};

// How an ingest treats what arrives.
struct SubmitOptions {
  std::optional<TlpLevel> tlp;           // marking for objects that carry none (else the
                                         // collection's default)
  std::vector<std::int64_t> recipients;  // organisations named for AMBER and RED
  bool share_sighting_identity = false;  // for `sighting` objects in the input
  std::string source = "api";            // api, taxii, ui, misp, feed:<id>, cli
  // Actor::System() only (feeds, demo, CLI): the organisation the objects are shared as;
  // required then. Ignored for a principal, whose own organisation is always the producer.
  std::optional<std::int64_t> producer_id;
};

struct AcceptedObject {
  std::string id;
  std::string version;
  bool stored = true;  // false: that version was already there
};

struct WarningFlag {
  std::string id;
  Observable value;
  std::string list;
};

// The outcome of one submission; also kept as the TAXII status resource.
struct IngestReport {
  std::string status_id;  // UUID of the status resource
  std::size_t total = 0;
  std::vector<AcceptedObject> successes;
  std::vector<RejectedObject> failures;
  std::vector<WarningFlag> warnings;  // warninglist hits of accepted indicators
};

struct StoredObject {
  std::int64_t seq = 0;
  std::int64_t collection_id = 0;
  std::string id;
  std::string type;
  std::string spec_version;
  std::string version;   // STIX timestamp text
  TimePoint date_added;  // microsecond precision
  TlpLevel tlp = TlpLevel::kGreen;
  std::int64_t producer_id = 0;
  bool is_latest = false;
  bool warninglisted = false;
  std::string json;  // the object as received (serialised)
};

// TAXII 2.1 section 3.4 filters, already parsed and validated by the caller.
struct ObjectFilter {
  std::optional<TimePoint> added_after;
  std::size_t limit = 100;  // the store caps it at kMaxPageSize
  std::string next;         // an opaque cursor from a previous page, or empty
  std::vector<std::string> ids;
  std::vector<std::string> types;
  // match[version]: "last" (the default), "first", "all", or timestamps (any of them).
  bool version_all = false;
  bool version_first = false;
  bool version_last = true;
  std::vector<std::string> versions;  // STIX timestamps
  std::vector<std::string> spec_versions;
};

inline constexpr std::size_t kMaxPageSize = 1000;

struct ObjectPage {
  std::vector<StoredObject> objects;
  bool more = false;
  std::string next;  // stateless cursor: any hub over the same database resumes it
  std::optional<TimePoint> first_added;
  std::optional<TimePoint> last_added;
};

struct StatusResource {
  std::string id;
  std::string status;  // "complete" or "pending"
  TimePoint request_timestamp;
  std::size_t total = 0, success_count = 0, failure_count = 0, pending_count = 0;
  std::vector<AcceptedObject> successes;
  std::vector<RejectedObject> failures;
};

// Cross-collection search for the UI and the JSON API.
struct SearchQuery {
  std::string text;  // matched against names, values, descriptions; case-insensitive substring
  std::vector<std::string> types;
  std::optional<std::string> collection_uuid;
  std::optional<TlpLevel> tlp;  // exactly this level
  std::optional<TimePoint> added_since;
  std::optional<TimePoint> added_until;
  std::size_t limit = 50;  // 1..200
  std::string cursor;
};

struct SearchHit {
  std::string id;
  std::string type;
  std::string name;  // name, or value, or pattern's first observable
  std::string version;
  TimePoint date_added;
  TlpLevel tlp = TlpLevel::kGreen;
  std::string collection_uuid;
  std::string collection_title;
  std::int64_t producer_id = 0;
  std::string producer_name;
  std::optional<int> confidence;
  bool revoked = false;
  bool warninglisted = false;
};

struct SearchPage {
  std::vector<SearchHit> items;
  std::string next;
};

struct Relationship {
  std::string id;                 // the relationship (or the referencing object)
  std::string relationship_type;  // or "object_ref" for a report's refs
  bool outgoing = true;           // the viewed object is the source
  std::string other_id;
  std::string other_type;
  std::string other_name;  // empty when the reader may not see the other object
};

struct ObjectView {
  StoredObject latest;  // the newest version the reader may see
  std::string name;     // as SearchHit::name
  std::string collection_uuid;
  std::string collection_title;
  std::string producer_name;
  std::vector<std::int64_t> recipients;  // only for the producer's members
  std::vector<StoredObject> versions;    // visible versions, newest first, without `json`
  std::vector<Relationship> relationships;
  std::vector<WarningFlag> warnings;
};

using ProgressFn = std::function<void(std::uint64_t bytes_read, std::uint64_t objects)>;

struct ImportSummary {
  std::uint64_t accepted = 0;
  std::uint64_t duplicates = 0;
  std::uint64_t rejected = 0;
  std::vector<RejectedObject> first_failures;  // up to 100
};

class IntelService {
 public:
  IntelService(storage::Database& db,
               const Clock& clock,
               identity::IdentityService& identity,
               std::shared_ptr<const Warninglists> warninglists);
  ~IntelService();

  // Module "intel". The correlation and sighting tables are IntelAnalysis's ("intel_analysis"),
  // applied after these.
  static std::span<const storage::Migration> Migrations();

  // The EU API root with its collections, and one per Member State that has an authority.
  // Idempotent; run at start-up and after organisations change.
  Status EnsureDefaultRoots();

  // --- API roots and collections (TAXII sections 4 and 5; admin) ---
  // Roots the actor reads or writes a collection of, or administers (all for the system).
  Result<std::vector<ApiRoot>> ListApiRoots(identity::Actor actor);
  // NotFound when the root does not exist or is not among ListApiRoots's.
  Result<ApiRoot> GetApiRoot(identity::Actor actor, std::string_view slug);
  // A custom root: support-centre admins (no country) and authority admins (their country).
  // Conflict for a slug that is taken or reserved ("eu", Member State codes).
  Result<ApiRoot> CreateApiRoot(identity::Actor actor, const NewApiRoot& root);
  // Collections of one root the actor may read, write or administer (NotFound when there are
  // none and it may not administer the root).
  Result<std::vector<CollectionInfo>> ListCollections(identity::Actor actor,
                                                      std::string_view root_slug);
  // Every collection the actor may read, write or administer, across roots.
  Result<std::vector<CollectionInfo>> ListAllCollections(identity::Actor actor);
  // NotFound unless the actor reads, writes or administers the collection (and, for
  // GetCollection, it is in that root).
  Result<CollectionInfo> GetCollection(identity::Actor actor,
                                       std::string_view root_slug,
                                       std::string_view collection_uuid);
  Result<CollectionInfo> GetCollectionByUuid(identity::Actor actor, std::string_view uuid);
  // kAdminister on the root; Conflict for an alias taken in the root.
  Result<CollectionInfo> CreateCollection(identity::Actor actor, const NewCollection& collection);
  // Sets every field of `changes` but api_root_slug; kAdminister on the collection.
  Result<CollectionInfo> UpdateCollection(identity::Actor actor,
                                          std::string_view uuid,
                                          const NewCollection& changes);
  // kAdminister on the collection.
  Result<std::vector<CollectionGrant>> ListGrants(identity::Actor actor, std::string_view uuid);
  // Replaces the explicit grants of a collection (kAdminister; every organisation must exist).
  Status SetGrants(identity::Actor actor,
                   std::string_view uuid,
                   std::span<const CollectionGrant> grants);

  // --- Ingest ---
  // A bundle or a single object (JSON text). Objects are validated one by one (rejections in the
  // report); accepted ones and the status resource are committed together. PermissionDenied
  // without kWrite on the collection (NotFound when it may not even read it).
  Result<IngestReport> Submit(identity::Actor actor,
                              std::string_view collection_uuid,
                              std::string_view input,
                              const SubmitOptions& options);
  // The same for objects built by the hub (MISP import, freetext, single-indicator form).
  Result<IngestReport> SubmitObjects(identity::Actor actor,
                                     std::string_view collection_uuid,
                                     std::vector<boost::json::object> objects,
                                     const SubmitOptions& options);
  // Streams a bundle file of any size into a collection as `producer_id` (admin CLI, feeds), in
  // transactions of `batch` objects (1..100000), calling `progress` after each on the calling
  // thread. A second thread reads and validates the next batch meanwhile; memory stays within
  // two batches. No access check (the system's). Batches committed before an unreadable part of
  // the input stay committed; the error is returned.
  // `progress` gets the bytes read when the batch was complete and the objects handled so far.
  Result<ImportSummary> Import(std::int64_t collection_id,
                               std::int64_t producer_id,
                               std::istream& input,
                               const SubmitOptions& options,
                               const ProgressFn& progress,
                               std::size_t batch = 10000);

  // --- Reads (TAXII section 5) ---
  // NotFound when the actor may neither read nor write the collection (or it is not in that
  // root), PermissionDenied when it may only write. "last"/"first" are per reader: the newest /
  // oldest version it may see. Invalid for a cursor or a version that is not one.
  Result<ObjectPage> Objects(identity::Actor actor,
                             std::string_view root_slug,
                             std::string_view collection_uuid,
                             const ObjectFilter& filter);
  // Versions of one object: `filter.version_*` ignored, all visible versions returned; NotFound
  // when it has none the reader may see (and no other filter could explain an empty page).
  Result<ObjectPage> Versions(identity::Actor actor,
                              std::string_view root_slug,
                              std::string_view collection_uuid,
                              std::string_view stix_id,
                              const ObjectFilter& filter);
  // Deletes the versions of one object that match filter.version_* and filter.spec_versions
  // (TAXII 5.7), exactly as given: a caller whose client sent no match[version] sets version_all
  // (the section's default). Allowed to kAdminister, and to the producer's admins/analysts for
  // its own versions; when any matching visible version may not be deleted, nothing is
  // (PermissionDenied). NotFound when no visible version matches. Returns how many went.
  Result<std::size_t> Delete(identity::Actor actor,
                             std::string_view root_slug,
                             std::string_view collection_uuid,
                             std::string_view stix_id,
                             const ObjectFilter& filter);
  // Status resources live at least 7 days; only the organisation that submitted reads them.
  Result<StatusResource> GetStatus(identity::Actor actor,
                                   std::string_view root_slug,
                                   std::string_view status_id);

  // --- JSON API and UI ---
  // The newest visible version of each object across the readable collections, newest added
  // first; Invalid for a bad limit, text or cursor.
  Result<SearchPage> Search(identity::Actor actor, const SearchQuery& query);
  // NotFound (the same as for an id never stored) when the reader sees no version of it.
  Result<ObjectView> View(identity::Actor actor, std::string_view stix_id);

  // The visible scope of an actor (for the other intel services).
  Result<ViewScope> Scope(identity::Actor actor);

  // The organisation's STIX identity id (identity--<UUIDv5 of the hub's namespace and the org
  // id>), used as created_by_ref of the objects the hub builds for it.
  static std::string OrgIdentityId(std::int64_t org_id);

  storage::Database& db() { return db_; }
  const Clock& clock() const { return clock_; }

 private:
  class Impl;
  storage::Database& db_;
  const Clock& clock_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace caduceus::intel
