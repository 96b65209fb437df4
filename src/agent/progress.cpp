#include "agent/progress.h"

#include <fmt/format.h>
#include <unistd.h>

namespace caduceus::agent {

std::string HumanBytes(double bytes) {
  static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int unit = 0;
  while (bytes >= 1024 && unit < 4) {
    bytes /= 1024;
    ++unit;
  }
  return unit == 0 ? fmt::format("{:.0f} B", bytes) : fmt::format("{:.1f} {}", bytes, kUnits[unit]);
}

std::string HumanDuration(std::optional<std::chrono::seconds> d) {
  if (!d || d->count() < 0) return "--:--";
  const auto s = d->count();
  if (s >= 3600) return fmt::format("{}:{:02}:{:02}", s / 3600, (s / 60) % 60, s % 60);
  return fmt::format("{}:{:02}", s / 60, s % 60);
}

std::string ProgressLine(std::uint64_t done,
                         std::uint64_t total,
                         std::uint64_t files_done,
                         std::uint64_t files_total,
                         std::uint64_t findings,
                         std::chrono::steady_clock::duration elapsed) {
  const double seconds = std::chrono::duration<double>(elapsed).count();
  const double rate = seconds > 0 ? static_cast<double>(done) / seconds : 0;
  std::optional<std::chrono::seconds> eta;
  std::string percent = "  ?%";
  if (total > 0 && done <= total) {
    percent =
        fmt::format("{:3.0f}%", 100.0 * static_cast<double>(done) / static_cast<double>(total));
    if (rate > 0) {
      eta =
          std::chrono::seconds(static_cast<std::int64_t>(static_cast<double>(total - done) / rate));
    }
  }
  const std::string files = files_total > 0 ? fmt::format("{}/{}", files_done, files_total)
                                            : fmt::format("{}", files_done);
  return fmt::format("{} {} / {}  {}/s  ETA {}  files {}  findings {}", percent, HumanBytes(done),
                     total > 0 ? HumanBytes(static_cast<double>(total)) : std::string("?"),
                     HumanBytes(rate), HumanDuration(eta), files, findings);
}

ProgressDisplay::ProgressDisplay(std::FILE* stream, int fd, bool enabled)
    : stream_(stream), active_(enabled && ::isatty(fd) == 1) {}

ProgressDisplay::~ProgressDisplay() { Finish(); }

void ProgressDisplay::Show(const std::string& line) {
  if (!active_) return;
  std::string padded = line;
  if (padded.size() < last_width_) padded.append(last_width_ - padded.size(), ' ');
  last_width_ = line.size();
  std::fputs(("\r" + padded).c_str(), stream_);
  std::fflush(stream_);
}

void ProgressDisplay::Finish() {
  if (!active_ || last_width_ == 0) return;
  std::fputs(("\r" + std::string(last_width_, ' ') + "\r").c_str(), stream_);
  std::fflush(stream_);
  last_width_ = 0;
}

}  // namespace caduceus::agent
