// Scheduled pulls of other sources into collections, and the MISP import and export the API
// offers.
//
// A feed pulls one source into one collection, on behalf of the organisation of the admin who
// created it (the producer of what it imports; its TLP option marks objects that carry none):
//   - misp: a MISP feed (manifest.json and <uuid>.json per event) over HTTP(S), or in a
//     directory (file://, only under FeedServiceOptions::file_root). Only events whose manifest
//     timestamp changed since the last pull are fetched;
//   - taxii: a TAXII 2.1 collection of another server (the collection's URL, ending in
//     .../collections/<id>/), read page by page with added_after (the last
//     X-TAXII-Date-Added-Last seen) and next;
//   - text: a block list, one value per line ('#' and ';' start comments); csv: one column of a
//     CSV file. Values are typed and normalised (observables.h) and become indicators with ids
//     derived from the feed and the value, so pulling an unchanged list stores nothing new.
// Every fetch sends If-None-Match / If-Modified-Since with what the last one returned; a 304
// ends the run as "not_modified". A run is logged (intel_feed_runs, last 100 per feed) and
// holds a lease on the feed, so two hubs over one database never pull the same feed at once.
//
// Who may manage feeds: those who may administer the feed's collection (identity/policy.h,
// CollectionAction::kAdminister). A feed on a collection the actor may not administer does not
// exist for it (NotFound). Credentials (`auth`: the Authorization header value to send) are
// encrypted with the hub's secret key when one is configured and are never returned.
//
// Outbound requests: unless allow_private_addresses is set, a feed whose host is or resolves to
// a loopback, private, link-local, shared or multicast address is refused (the check resolves
// the name before the fetch; a name that changes its answer between the check and the fetch is
// not caught).
//
// Thread-safe. Run, RunDue, SubmitMispEvent and ExportMisp block on the network or the
// database; call them off the I/O threads where that matters.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
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
#include "intel/misp.h"
#include "intel/observables.h"
#include "intel/store.h"
#include "storage/database.h"

namespace caduceus::intel {

enum class FeedKind { kMisp, kTaxii, kText, kCsv };

// "misp", "taxii", "text", "csv".
std::string_view FeedKindName(FeedKind kind);
std::optional<FeedKind> ParseFeedKind(std::string_view name);

// How the values of a text or CSV list are read.
struct FeedParsing {
  std::optional<ObservableKind> kind;  // every value is of this kind; else detected per value
  int column = 0;                      // csv: 0-based column
  char delimiter = ',';                // csv
  bool header = false;                 // csv: the first line names the columns
};

struct FeedRun {
  std::int64_t id = 0;
  TimePoint started_at;
  std::optional<TimePoint> finished_at;
  std::string status;         // "running", "ok", "not_modified", "partial", "error"
  std::int64_t fetched = 0;   // documents fetched (manifest, events, pages, lists)
  std::int64_t accepted = 0;  // object versions stored
  std::int64_t duplicates = 0;
  std::int64_t rejected = 0;  // objects, values or events refused
  std::int64_t revoked = 0;   // block-list indicators revoked: their values left the list
  std::string message;        // what went wrong, safe to show
};

struct Feed {
  std::int64_t id = 0;
  std::string name;
  FeedKind kind = FeedKind::kMisp;
  std::string url;
  std::string collection_uuid;
  std::string collection_title;
  std::int64_t owner_org_id = 0;
  bool enabled = true;
  int interval_minutes = 60;
  std::optional<TlpLevel> tlp;
  FeedParsing parsing;
  bool has_auth = false;
  TimePoint created_at;
  std::optional<TimePoint> next_run_at;
  std::optional<FeedRun> last_run;
};

struct NewFeed {
  std::string name;  // 1..200 characters
  FeedKind kind = FeedKind::kMisp;
  std::string url;  // http(s)://..., or file:///... for misp, text and csv
  std::string collection_uuid;
  bool enabled = true;
  int interval_minutes = 60;  // 5..10080
  std::optional<TlpLevel> tlp;
  FeedParsing parsing;
  std::optional<std::string> auth;  // e.g. "Bearer abc" or "Basic dXNlcjpwYXNz"
};

struct FeedPatch {
  std::optional<std::string> name;
  std::optional<std::string> url;
  std::optional<bool> enabled;
  std::optional<int> interval_minutes;
  std::optional<std::optional<TlpLevel>> tlp;  // set, or clear with nullopt inside
  std::optional<FeedParsing> parsing;
  std::optional<std::optional<std::string>> auth;  // set, or clear with nullopt inside
};

struct FeedServiceOptions {
  std::string secret_key;  // 32 bytes: encrypts feed credentials; empty: stored as given
  bool allow_private_addresses = false;
  std::string file_root;  // directory file:// feeds must lie under; empty: no file feeds
  std::string ca_file;    // extra CA bundle for https feeds
  std::chrono::seconds timeout{60};
  std::size_t max_document_bytes = 64 * 1024 * 1024;
  std::size_t max_events_per_run = 500;        // MISP events fetched by one run
  std::size_t max_pages_per_run = 200;         // TAXII pages fetched by one run
  std::size_t max_values_per_run = 2'000'000;  // text/csv values read by one run
  std::chrono::minutes lease{30};
};

// The outcome of importing one MISP event.
struct MispSubmission {
  IngestReport report;
  std::string event_uuid;
  std::string report_id;
  std::vector<MispSkipped> skipped;
  std::size_t sightings = 0;  // sightings handed to the ledger
};

inline constexpr std::size_t kMaxMispEventBytes = 64 * 1024 * 1024;

class FeedService {
 public:
  FeedService(storage::Database& db,
              const Clock& clock,
              IntelService& store,
              FeedServiceOptions options = {});
  ~FeedService();

  // Module "intel_feeds", applied after the module "intel".
  static std::span<const storage::Migration> Migrations();

  // --- Feeds (kAdminister on the feed's collection) ---
  Result<std::vector<Feed>> List(identity::Actor actor);
  Result<Feed> Get(identity::Actor actor, std::int64_t id);
  // Error::Invalid for a bad name, URL, kind, interval, or a file:// URL outside file_root;
  // NotFound for a collection the actor may not read, PermissionDenied for one it may read but
  // not administer. The actor's organisation owns the feed (the system may not create feeds).
  Result<Feed> Create(identity::Actor actor, const NewFeed& feed);
  Result<Feed> Update(identity::Actor actor, std::int64_t id, const FeedPatch& patch);
  Status Delete(identity::Actor actor, std::int64_t id);
  // Newest first, at most `limit` (1..100).
  Result<std::vector<FeedRun>> Runs(identity::Actor actor, std::int64_t id, std::size_t limit);

  // Pulls one feed now, whatever its schedule (an admin's "run now"). Error::Conflict when
  // another run holds the feed's lease. A failed pull is a run with status "error", not an
  // error of this call.
  Result<FeedRun> Run(identity::Actor actor, std::int64_t id);
  // Pulls every enabled feed whose next run is due, one after the other; the hub calls it every
  // minute and `caduceus-hub feeds run` once. Returns the runs made (feeds another hub holds are
  // skipped).
  std::vector<FeedRun> RunDue();
  // The system's "run now" for the CLI: like Run, without the access check.
  Result<FeedRun> RunAsSystem(std::int64_t id);

  // --- MISP import and export for the API ---
  // Imports one MISP event (JSON text) into a collection, with its sightings, as Submit does.
  // Error::Invalid when the text is not a MISP event; the store's errors otherwise.
  Result<MispSubmission> SubmitMispEvent(identity::Actor actor,
                                         std::string_view collection_uuid,
                                         std::string_view json_text,
                                         const SubmitOptions& options);
  // The MISP event of an object the actor may see: a report with the objects it refers to, or
  // any object with its relationships and what they lead to (objects it may not see are left
  // out). NotFound when the object is not visible.
  Result<boost::json::object> ExportMisp(identity::Actor actor, std::string_view stix_id);

 private:
  class Impl;
  storage::Database& db_;
  IntelService& store_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace caduceus::intel
