// `caduceus enroll` and `caduceus sync` (the sweeps are in sweep_run.h, report in report.h).
// Each returns the process exit code: 0 success, 1 failure (the hub refused or could not be
// reached), 2 bad arguments or an agent that is not enrolled.
#pragma once

#include <filesystem>
#include <iosfwd>
#include <string>

#include "agent/config.h"
#include "agent/sync.h"
#include "client/http_client.h"
#include "core/clock.h"

namespace caduceus::agent {

// Checks the hub (its TAXII discovery resource, with the token), then stores the configuration
// under `state_dir` (0700, files 0600). Never prints the token.
int RunEnroll(const std::filesystem::path& state_dir,
              AgentConfig config,
              const client::ClientOptions& client_options,
              std::ostream& out,
              std::ostream& err);

// Pulls the readable collections into the local store and rebuilds the sweep index when
// anything new arrived. Progress goes to stderr when it is a terminal.
int RunSync(const std::filesystem::path& state_dir,
            const SyncOptions& options,
            const client::ClientOptions& client_options,
            const Clock& clock,
            bool progress,
            std::ostream& out,
            std::ostream& err);

}  // namespace caduceus::agent
