// The caduceus program: the hospital-side agent and client CLI.
#pragma once

namespace caduceus::agent {

// Returns the process exit code: 0 ok, 1 failure (for `sweep`: findings), 2 bad arguments or
// an error (docs/agent.md lists them per command).
int Main(int argc, char** argv);

}  // namespace caduceus::agent
