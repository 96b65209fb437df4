// The agent's self-limits, applied before the work starts: a lower scheduling priority and an
// optional cap on the address space. (Threads are an option of each command.)
#pragma once

#include <cstdint>

#include "core/error.h"

namespace caduceus::agent {

struct ResourceLimits {
  int nice = 0;                      // added niceness, 0..19 (setpriority on the process)
  std::uint64_t max_memory_mib = 0;  // RLIMIT_AS in MiB, 0: unchanged
};

// Applies the limits to the calling process. Fails when the kernel refuses (raising a limit
// back up needs privileges). An address-space cap also bounds sanitizer builds' shadow memory,
// so do not use it with ASan.
Status ApplyLimits(const ResourceLimits& limits);

}  // namespace caduceus::agent
