// The agent's local store: one SQLite file (store.db in the state directory) holding what sync
// pulled from the hub and what the sweeps found, so that sweeping and reporting work without the
// hub.
//
// Tables: the collections the token reads (and whether it may write them), one paging cursor
// per collection, the pulled objects by (id, version) with their JSON, per-file hit totals per
// indicator, a bounded sample of findings (file, line, field, value, context: these never leave
// the machine), and one sighting per indicator with what was last sent of it.
//
// Every multi-row change is one transaction, so a page of objects and the cursor after it are
// stored together or not at all (an interrupted sync resumes at the last stored page). All
// timestamps are Unix milliseconds. A LocalStore is used by one thread at a time; several
// processes may open the same file (SQLite locking, a busy timeout of 30 s).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"

namespace caduceus::agent {

struct StoredCollection {
  std::string root_url;  // the API root's URL as the discovery resource gave it (absolute)
  std::string id;        // the collection's id
  std::string title;
  bool can_read = false;
  bool can_write = false;
};

// Where a collection's pull stands: objects added after `added_after` are still to be pulled,
// and `next` (when not empty) continues an unfinished run from its last stored page.
struct SyncCursor {
  std::string added_after;  // a TAXII timestamp, empty: from the beginning
  std::string next;
  std::string run_added_after;  // the added_after the unfinished run (with `next`) started from
};

struct StoredObject {
  std::string id;
  std::string version;  // `modified`, else `created`, else ""
  std::int64_t version_ms = 0;
  std::string type;
  std::string pattern_type;  // indicators only
  std::string json;
};

// A latest-version indicator, as the sweeps need it.
struct IndicatorRow {
  std::string id;
  std::string collection;  // "<api root url>|<collection id>"
  std::string pattern_type;
  std::string json;
};

// What one sweep found of one indicator in one file.
struct FileHit {
  std::string indicator_id;
  std::string collection;
  std::uint64_t count = 0;
  std::int64_t first_ms = 0;
  std::int64_t last_ms = 0;
};

struct FindingSample {
  std::string indicator_id;
  std::string file;
  std::uint64_t line = 0;
  std::uint64_t offset = 0;
  std::string field;
  std::string kind;
  std::string value;
  std::string context;
  std::int64_t time_ms = 0;
};

// One indicator's sighting: the totals over every file, and what was last sent.
struct SightingRow {
  std::string indicator_id;
  std::string collection;
  std::string sighting_id;  // "sighting--<uuid>", fixed for the indicator
  std::uint64_t count = 0;
  std::int64_t first_ms = 0;
  std::int64_t last_ms = 0;
  std::int64_t created_ms = 0;
  std::int64_t modified_ms = 0;       // when the totals last changed
  std::int64_t sent_modified_ms = 0;  // the modified of the version last sent, 0: never
};

class LocalStore {
 public:
  static constexpr const char* kFileName = "store.db";
  static constexpr std::size_t kMaxSamplesPerFileAndIndicator = 20;

  // Opens (creating with mode 0600 when missing) the store in `state_dir`.
  static Result<LocalStore> Open(const std::filesystem::path& state_dir);
  ~LocalStore();
  LocalStore(LocalStore&&) noexcept;
  LocalStore& operator=(LocalStore&&) noexcept;

  // --- sync
  // Replaces the known collections of one API root.
  Status SetCollections(const std::string& root_url, const std::vector<StoredCollection>& list);
  std::vector<StoredCollection> Collections() const;
  std::optional<SyncCursor> Cursor(const std::string& root_url, const std::string& id) const;
  // Stores a page of objects and the cursor after it, in one transaction. A version already there
  // takes the hub's copy when it differs (the hub may since mark it with the TLP it holds it
  // under). Returns the number of versions that were new or changed.
  Result<std::size_t> StorePage(const std::string& root_url,
                                const std::string& collection_id,
                                const std::vector<StoredObject>& objects,
                                const SyncCursor& cursor);
  // Counts stored object versions (all collections).
  std::int64_t ObjectCount() const;
  // Grows whenever objects are added: the sweep index built at one generation is current while
  // the generation has not moved.
  std::int64_t Generation() const;
  // Calls `fn` with the newest version of every indicator object, collection by collection.
  Status ForEachIndicator(const std::function<void(const IndicatorRow&)>& fn) const;

  // --- sweeps
  // Replaces what earlier sweeps recorded for `file` (its hit totals and samples) with these,
  // then recomputes the sighting of every indicator concerned: a changed total gets
  // modified = max(now, previous modified + 1 ms); a new one a sighting id and created = now.
  Status RecordFile(const std::string& file,
                    const std::vector<FileHit>& hits,
                    const std::vector<FindingSample>& samples,
                    std::int64_t now_ms);
  std::vector<FindingSample> Samples(const std::string& indicator_id) const;

  // --- report
  std::vector<SightingRow> Sightings() const;
  // Records that the version `modified_ms` of a sighting reached the hub.
  Status MarkSent(const std::string& sighting_id, std::int64_t modified_ms);

 private:
  struct Db;
  explicit LocalStore(std::unique_ptr<Db> db);
  std::unique_ptr<Db> db_;
};

}  // namespace caduceus::agent
