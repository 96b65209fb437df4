// The caduceus-hub program: the Support Centre server and its admin commands.
#pragma once

namespace caduceus::hub {

// Parses the command line and runs the command; returns the process exit code
// (0 success, 1 operation failed, 2 bad arguments).
int Main(int argc, char** argv);

}  // namespace caduceus::hub
