// `caduceus sweep logs` and `caduceus sweep files`: the sweep index built from (or cached
// beside) the local store, the run with its output, and the findings kept for `report`.
//
// The index (index.cdx in the state directory) is rebuilt when the store's generation moved
// since it was built, or when it is more than an hour old (so that indicators whose valid_until
// passed stop matching); otherwise it is memory-mapped.
//
// Output: by default one line per finding (at most kMaxListedFindings, then a count) and a
// summary per indicator; with `json`, one JSON object per line: {"type":"finding",...} for each
// finding, {"type":"skip",...} for each skipped file, and a last {"type":"summary",...}.
// Findings are kept in the local store per file and indicator (count, first and last seen) with
// a bounded sample of their context; sweeping a file again replaces its earlier counts.
//
// Exit codes: 0 no findings, 1 findings, 2 error (bad arguments, no enrolment or store, a root
// that does not exist).
#pragma once

#include <chrono>
#include <filesystem>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "agent/file_sweep.h"
#include "agent/local_store.h"
#include "core/clock.h"
#include "core/error.h"
#include "sweep/index.h"

namespace caduceus::agent {

inline constexpr int kExitNoFindings = 0;
inline constexpr int kExitFindings = 1;
inline constexpr int kExitError = 2;
inline constexpr std::size_t kMaxListedFindings = 200;

// The MISP warninglists the agent applies: $CADUCEUS_DATA_DIR/warninglists, else those of the
// source tree it was built from (data/warninglists), as the hub finds its own.
std::filesystem::path DefaultWarninglistsDir();

// Loads the cached index or builds it from the store's indicators (and saves it). `built`
// reports whether it was rebuilt; `report` (when not null) receives the build counts. An
// indicator one of whose observables is on a list of `warninglists_dir` is left out, as the hub
// flags it; a missing directory applies none (the report says so), a malformed list is an error.
Result<sweep::Index> LoadOrBuildIndex(
    const std::filesystem::path& state_dir,
    LocalStore& store,
    const Clock& clock,
    bool* built = nullptr,
    std::string* report = nullptr,
    const std::filesystem::path& warninglists_dir = DefaultWarninglistsDir());

// The YARA rules of the store's indicators with pattern_type "yara" (not revoked, not expired).
std::vector<YaraSource> YaraSourcesOf(LocalStore& store, TimePoint now);

struct SweepCommand {
  std::filesystem::path state_dir;
  std::vector<std::string> paths;  // "-" for stdin (logs only)
  std::vector<std::string> include, exclude;
  std::string format;  // logs: a format name, empty to detect
  unsigned threads = 0;
  bool json = false;
  bool progress = true;  // drawn only when stderr is a terminal
  // files only:
  std::uint64_t max_bytes = std::uint64_t{512} << 20;
  std::optional<TimePoint> modified_after;
  std::chrono::seconds time_limit{0};
};

int RunSweepLogs(const SweepCommand& command,
                 const Clock& clock,
                 std::ostream& out,
                 std::ostream& err);
int RunSweepFiles(const SweepCommand& command,
                  const Clock& clock,
                  std::ostream& out,
                  std::ostream& err);

}  // namespace caduceus::agent
