// The caduceus program: the hospital-side agent and client CLI.
#pragma once

namespace caduceus::agent {

// Returns the process exit code (0 ok, 1 failure, 2 bad arguments).
int Main(int argc, char** argv);

}  // namespace caduceus::agent
