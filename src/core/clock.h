// Time behind an interface, so tests can move it without sleeping.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace caduceus {

using TimePoint = std::chrono::system_clock::time_point;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint Now() const = 0;
};

class SystemClock final : public Clock {
 public:
  TimePoint Now() const override { return std::chrono::system_clock::now(); }
};

// A clock that only moves when told to. Thread-safe.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(TimePoint start) : now_us_(ToMicros(start)) {}
  TimePoint Now() const override;
  void Advance(std::chrono::microseconds d) { now_us_ += d.count(); }

 private:
  static std::int64_t ToMicros(TimePoint t);
  std::atomic<std::int64_t> now_us_;
};

// Milliseconds since the Unix epoch: how timestamps are stored in the database.
std::int64_t ToUnixMillis(TimePoint t);
TimePoint FromUnixMillis(std::int64_t ms);

// RFC 3339 / ISO 8601 in UTC with millisecond precision: "2026-11-29T14:17:03.123Z".
std::string FormatRfc3339(TimePoint t);
// Parses RFC 3339 timestamps with 'Z' or a numeric offset and optional fractional seconds.
// Years outside 1678..2261 (beyond what TimePoint can hold) are rejected.
std::optional<TimePoint> ParseRfc3339(std::string_view text);

}  // namespace caduceus
