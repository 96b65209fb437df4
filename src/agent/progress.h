// A one-line progress display for a terminal: percentage, bytes, throughput, ETA and counts,
// redrawn in place with '\r'. Enabled only when the stream is a terminal (isatty), so logs,
// pipes and systemd journals never receive it. Not thread-safe: drive it from one thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>

namespace caduceus::agent {

// "1.5 MiB", "230 B".
std::string HumanBytes(double bytes);
// "1:02:03", "4:05", "--:--" for an unknown duration.
std::string HumanDuration(std::optional<std::chrono::seconds> d);

// The line for a state (also what tests check): done/total bytes (total 0: unknown), elapsed.
std::string ProgressLine(std::uint64_t done,
                         std::uint64_t total,
                         std::uint64_t files_done,
                         std::uint64_t files_total,
                         std::uint64_t findings,
                         std::chrono::steady_clock::duration elapsed);

class ProgressDisplay {
 public:
  // Draws on `stream` when `fd` is a terminal and `enabled`.
  ProgressDisplay(std::FILE* stream, int fd, bool enabled);
  ~ProgressDisplay();  // Finish()
  ProgressDisplay(const ProgressDisplay&) = delete;
  ProgressDisplay& operator=(const ProgressDisplay&) = delete;

  bool active() const { return active_; }
  void Show(const std::string& line);
  // Clears the line so the next output starts on a clean line.
  void Finish();

 private:
  std::FILE* stream_;
  bool active_;
  std::size_t last_width_ = 0;
};

}  // namespace caduceus::agent
