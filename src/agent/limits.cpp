#include "agent/limits.h"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>
#include <sys/resource.h>

namespace caduceus::agent {

Status ApplyLimits(const ResourceLimits& limits) {
  if (limits.nice < 0 || limits.nice > 19) return Error::Invalid("--nice must be 0 to 19", "nice");
  if (limits.nice > 0) {
    errno = 0;
    const int current = ::getpriority(PRIO_PROCESS, 0);
    if (errno == 0 && ::setpriority(PRIO_PROCESS, 0, std::min(19, current + limits.nice)) != 0) {
      return Error{Errc::kUnavailable, fmt::format("setpriority: {}", std::strerror(errno)), {}};
    }
  }
  if (limits.max_memory_mib > 0) {
    if (limits.max_memory_mib > (std::uint64_t{1} << 30)) {
      return Error::Invalid("--max-memory is too large", "max-memory");
    }
    rlimit lim{};
    lim.rlim_cur = lim.rlim_max = static_cast<rlim_t>(limits.max_memory_mib) << 20;
    rlimit old{};
    if (::getrlimit(RLIMIT_AS, &old) == 0 && old.rlim_max != RLIM_INFINITY &&
        old.rlim_max < lim.rlim_max) {
      lim.rlim_max = old.rlim_max;
      lim.rlim_cur = std::min(lim.rlim_cur, old.rlim_max);
    }
    if (::setrlimit(RLIMIT_AS, &lim) != 0) {
      return Error{Errc::kUnavailable, fmt::format("setrlimit: {}", std::strerror(errno)), {}};
    }
  }
  return {};
}

}  // namespace caduceus::agent
