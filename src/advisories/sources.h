// Where advisories come from without anyone uploading them: CSAF providers, directories of CSAF
// files and the CISA KEV catalogue, each fetched on a schedule or on demand.
//
// Kinds:
//   * provider: `url` is the provider's provider-metadata.json (CSAF 2.0 section 7.1.7). Its
//     distributions are read: a directory_url through its changes.csv (falling back to index.txt),
//     a ROLIE feed (rolie.feeds[].url) through its entries (self, hash and signature links).
//     Only documents whose changes.csv time or feed entry `updated` differs from the last run's are
//     fetched; a document whose SHA-256 is already stored is not imported again.
//     Every document must come with a .sha256 or .sha512 file whose digest matches, and with an
//     OpenPGP .asc signature that GPGME verifies as good and made by one of the provider's
//     public_openpgp_keys (fetched from their URLs, imported into a temporary GnuPG home that lives
//     for the run, and kept only when their fingerprint is the one provider-metadata lists).
//     A bad or missing checksum or signature rejects the document; the run log says which and why.
//   * directory: `url` is file:///absolute/dir under SourceOptions::file_root; every *.json below
//     it (recursively; ROLIE feeds and provider metadata skipped) that changed since the last run
//     (size, modification time, SHA-256) is imported. A .sha256 / .sha512 file next to a document
//     must match it; signatures are not checked (the directory is the operator's own).
//   * kev: `url` is the KEV JSON feed (https:// or file://); fetched conditionally (ETag,
//     Last-Modified) and imported with AdvisoryService::ImportKev.
// http(s) fetches go through client::Fetcher: loopback, private and link-local addresses are
// refused unless allow_private_addresses, bodies are bounded, and file:// only reads under
// file_root.
//
// Runs: one run of a source at a time across hubs (a lease in adv_sources, lease_until_us); a run
// that finds the lease held fails with kConflict. Each run is logged in adv_source_runs with its
// counts and a line per notable event (rejections with their reason). Managing sources and running
// them needs kPublishAdvisory (identity/policy.h), as importing does.
//
// Thread-safety: all methods may be called concurrently. Storage failures throw StorageError.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/error.h"
#include "identity/service.h"

namespace caduceus::storage {
class Database;
}

namespace caduceus::advisories {

class AdvisoryService;

struct SourceOptions {
  bool allow_private_addresses = false;
  std::string file_root;  // directory file:// URLs must lie under; empty: no file sources
  std::string ca_file;    // extra CA bundle for https
  std::chrono::seconds timeout{60};
  std::size_t max_document_bytes = 32 * 1024 * 1024;
  std::size_t max_documents_per_run = 5000;
  std::chrono::minutes lease{30};
  std::string hub_id = "hub";  // names the lease holder
};

inline constexpr std::size_t kMaxSourceLogLines = 500;

struct Source {
  std::int64_t id = 0;
  std::string name;
  std::string kind;  // "provider", "directory" or "kev"
  std::string url;
  bool enabled = true;
  int interval_minutes = 60;
  TimePoint next_run;
  std::optional<TimePoint> last_run;
  std::string last_status;  // empty before the first run
  std::optional<std::int64_t> created_by_org;
  TimePoint created_at;
  TimePoint updated_at;
};

struct NewSource {
  std::string name;
  std::string kind;
  std::string url;
  bool enabled = true;
  int interval_minutes = 60;  // 5 .. 10080
};

struct SourcePatch {
  std::optional<std::string> name;
  std::optional<std::string> url;
  std::optional<bool> enabled;
  std::optional<int> interval_minutes;
};

struct SourceRun {
  std::int64_t id = 0;
  std::int64_t source_id = 0;
  TimePoint started_at;
  std::optional<TimePoint> finished_at;
  std::string status;  // "running", "ok", "partial" (some documents rejected), "failed"
  std::int64_t fetched = 0;
  std::int64_t imported = 0;  // created or revised
  std::int64_t unchanged = 0;
  std::int64_t rejected = 0;
  std::vector<std::string> log;
};

class SourceService {
 public:
  SourceService(storage::Database& db,
                const Clock& clock,
                AdvisoryService& advisories,
                SourceOptions options);
  ~SourceService();
  SourceService(const SourceService&) = delete;
  SourceService& operator=(const SourceService&) = delete;

  Result<std::vector<Source>> List(identity::Actor actor);
  Result<Source> Get(identity::Actor actor, std::int64_t id);
  // Error::Invalid (field name, kind, url, interval_minutes) for a bad source; a file:// URL
  // outside file_root or an http URL to a private address (unless allowed) is refused here too.
  Result<Source> Create(identity::Actor actor, const NewSource& source);
  Result<Source> Update(identity::Actor actor, std::int64_t id, const SourcePatch& patch);
  Status Delete(identity::Actor actor, std::int64_t id);
  Result<std::vector<SourceRun>> Runs(identity::Actor actor, std::int64_t id, std::size_t limit);
  // Runs the source now (enabled or not). The run's own failures (provider unreachable) are in
  // the returned run with status "failed"; kConflict when another run holds the lease.
  Result<SourceRun> Run(identity::Actor actor, std::int64_t id);
  // Runs every enabled source whose next run is due; for the hub's timer.
  std::vector<SourceRun> RunDue();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace caduceus::advisories
