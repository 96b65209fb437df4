// `caduceus-hub serve`: wires the services to the API and runs the HTTP server until SIGTERM.
#pragma once

#include <string>

#include "hub/config.h"

namespace caduceus::hub {

struct ServeFlags {
  std::string listen;
  std::string web_root;
  int threads = 0;
  std::string port_file;
  bool no_migrate = false;
};

int Serve(Config config, const ServeFlags& flags);

}  // namespace caduceus::hub
