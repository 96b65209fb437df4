// The demo data set behind `make run`: an EU support centre, three Member-State CSIRTs, fourteen
// healthcare providers, users of every role, three cycles of self-assessments and the service
// catalogue's starter set. Written by the project; contains no real organisation or person.
#pragma once

#include <string>

#include "hub/runtime.h"

namespace caduceus::hub {

// Creates what is missing of the demo set (idempotent) and prints how to log in. New users get
// random passwords, written with the rest to `credentials_file` (mode 0600) when given.
// Returns the exit code.
int SeedDemo(Runtime& rt, const std::string& credentials_file);

}  // namespace caduceus::hub
