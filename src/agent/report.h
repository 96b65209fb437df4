// `caduceus report`: sends the local sightings to the hub as STIX 2.1 `sighting` objects, POSTed
// to TAXII collections (Add Objects), where the hub records them in its sighting ledger and
// aggregates them per Member State.
//
// What leaves the hospital, and nothing else: for each indicator the sweeps matched, one
// sighting {type, spec_version, id, created, modified, sighting_of_ref (the indicator id),
// count, first_seen, last_seen} and where_sighted_refs only when configured. No file names, log
// lines, values or host names. Each indicator keeps one sighting id; a sighting whose totals
// changed since it was last sent is sent again as a newer version (`modified`), which the hub
// puts in place of the earlier one, so nothing is counted twice. A version the hub accepted is
// marked sent and not sent again.
//
// Destination: the indicator's own collection when the token may write it, else the configured
// report collection, else the first writable collection of the same API root, else of any root.
//
// `--dry-run` prints exactly the requests (URL and body) that would be sent and sends nothing;
// without it the same lines are printed for what is sent. Exit codes: 0 everything due was
// sent (or nothing was due), 1 the hub refused or failed some, 2 not enrolled or no store.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "agent/config.h"
#include "agent/local_store.h"
#include "client/http_client.h"
#include "core/error.h"

namespace caduceus::agent {

inline constexpr std::size_t kSightingsPerRequest = 500;
inline constexpr std::int64_t kMaxSightingCount = 999'999'999;

struct PlannedRequest {
  std::string url;   // the collection's objects endpoint
  std::string body;  // the TAXII envelope, as sent
  // The sightings in the body and the version (modified, ms) each carries.
  std::vector<std::pair<std::string, std::int64_t>> sightings;
};

struct ReportPlan {
  std::vector<PlannedRequest> requests;
  std::vector<std::string> unroutable;  // indicator ids with no writable collection
};

// The requests a report would send now (sightings whose current version was not sent).
ReportPlan PlanReport(const AgentConfig& config, const LocalStore& store);

int RunReport(const std::filesystem::path& state_dir,
              bool dry_run,
              bool json,
              const client::ClientOptions& client_options,
              std::ostream& out,
              std::ostream& err);

}  // namespace caduceus::agent
