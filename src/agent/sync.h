// `caduceus sync`: the incremental TAXII 2.1 pull of every collection the agent's token may read,
// on every API root the hub's discovery resource lists, into the local store.
//
// Per collection: GET objects/?match[type]=indicator&limit=<page>&added_after=<cursor>, then
// the same with &next=<cursor> while the envelope says more. Each page and the cursor after it
// are committed together, so an interrupted pull (network, hub, signal) resumes at the page
// after the last one stored; a cursor the hub no longer accepts restarts the run from its
// added_after, and versions already stored are kept once (the hub's copy replaces a stored one
// that differs). `--full` (SyncOptions::full) ignores the saved cursors and pulls everything again.
// When a run ends, the collection's added_after moves to the newest X-TAXII-Date-Added-Last seen
// (the hub stamps date_added per collection so that it never goes backwards, so nothing added later
// is missed).
//
// The token is only ever sent to the hub's own origin: API roots listed on another origin are
// skipped. Responses are bounded (client::ClientOptions::max_body_bytes) and objects without a
// string id and type are ignored. Not thread-safe (one sync per store at a time).
#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <string>

#include "agent/config.h"
#include "agent/local_store.h"
#include "client/http_client.h"
#include "core/error.h"

namespace caduceus::agent {

struct SyncOptions {
  std::size_t page_limit = 1000;  // objects per request (the hub caps it at 1000)
  // Stop after this many pages that brought objects, in all (0: no bound); a later sync
  // resumes where this one stopped.
  std::size_t max_pages = 0;
  // Pull every collection from its start, as if no sync had run: every object the organisation
  // may read comes again, and a stored version whose copy on the hub changed is replaced.
  bool full = false;
  const std::atomic<bool>* cancel = nullptr;
  // Called after every stored page: the collection ("<root>/<id>") and the running totals.
  std::function<void(const std::string& collection, std::size_t pages, std::size_t objects)>
      on_page;
};

struct SyncReport {
  std::size_t roots = 0;
  std::size_t collections = 0;  // readable collections pulled
  std::size_t pages = 0;
  std::size_t objects = 0;       // objects received
  std::size_t new_versions = 0;  // of those, versions not stored before or whose copy changed
  bool complete = true;          // false when max_pages or cancel stopped the pull
};

// Pulls into `store` as described above. Fails on a transport error (the hub is unreachable),
// an authentication failure, or an answer that is not TAXII; what was stored stays stored.
Result<SyncReport> Sync(const AgentConfig& config,
                        LocalStore& store,
                        const client::ClientOptions& client_options,
                        const SyncOptions& options);

// The absolute URL of an API root the discovery resource lists, or an error when it is not on
// the hub's origin (scheme, host and port of `hub_url`).
Result<std::string> ResolveRootUrl(const std::string& hub_url, const std::string& listed);

}  // namespace caduceus::agent
