#include "core/clock.h"

#include <charconv>

#include <fmt/format.h>

namespace caduceus {

using std::chrono::duration_cast;
using std::chrono::microseconds;
using std::chrono::milliseconds;

std::int64_t ManualClock::ToMicros(TimePoint t) {
  return duration_cast<microseconds>(t.time_since_epoch()).count();
}

TimePoint ManualClock::Now() const {
  return TimePoint(duration_cast<TimePoint::duration>(microseconds(now_us_.load())));
}

std::int64_t ToUnixMillis(TimePoint t) {
  return duration_cast<milliseconds>(t.time_since_epoch()).count();
}

TimePoint FromUnixMillis(std::int64_t ms) {
  return TimePoint(duration_cast<TimePoint::duration>(milliseconds(ms)));
}

std::string FormatRfc3339(TimePoint t) {
  const auto ms = ToUnixMillis(t);
  const auto days = std::chrono::floor<std::chrono::days>(milliseconds(ms));
  const std::chrono::year_month_day ymd{std::chrono::sys_days(days)};
  const auto rest = milliseconds(ms) - days;
  const auto h = duration_cast<std::chrono::hours>(rest);
  const auto m = duration_cast<std::chrono::minutes>(rest - h);
  const auto s = duration_cast<std::chrono::seconds>(rest - h - m);
  const auto frac = (rest - h - m - s).count();
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", static_cast<int>(ymd.year()),
                     static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                     h.count(), m.count(), s.count(), frac);
}

namespace {

bool ReadInt(std::string_view& s, std::size_t digits, int& out) {
  if (s.size() < digits) return false;
  for (std::size_t i = 0; i < digits; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
  }
  const auto* end = s.data() + digits;
  auto [ptr, ec] = std::from_chars(s.data(), end, out);
  if (ec != std::errc() || ptr != end) return false;
  s.remove_prefix(digits);
  return true;
}

bool Expect(std::string_view& s, char c) {
  if (s.empty() || (s.front() != c && !(c == 'T' && s.front() == 't'))) return false;
  s.remove_prefix(1);
  return true;
}

}  // namespace

std::optional<TimePoint> ParseRfc3339(std::string_view s) {
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!ReadInt(s, 4, year) || !Expect(s, '-') || !ReadInt(s, 2, month) || !Expect(s, '-') ||
      !ReadInt(s, 2, day) || !Expect(s, 'T') || !ReadInt(s, 2, hour) || !Expect(s, ':') ||
      !ReadInt(s, 2, minute) || !Expect(s, ':') || !ReadInt(s, 2, second)) {
    return std::nullopt;
  }
  std::int64_t nanos = 0;
  if (!s.empty() && s.front() == '.') {
    s.remove_prefix(1);
    int digits = 0;
    while (!s.empty() && s.front() >= '0' && s.front() <= '9') {
      if (digits < 9) nanos = nanos * 10 + (s.front() - '0');
      ++digits;
      s.remove_prefix(1);
    }
    if (digits == 0) return std::nullopt;
    for (int i = digits; i < 9; ++i) nanos *= 10;
  }
  int offset_minutes = 0;
  if (s.size() == 1 && (s.front() == 'Z' || s.front() == 'z')) {
    s.remove_prefix(1);
  } else if (s.size() == 6 && (s.front() == '+' || s.front() == '-')) {
    const int sign = s.front() == '-' ? -1 : 1;
    s.remove_prefix(1);
    int oh = 0, om = 0;
    if (!ReadInt(s, 2, oh) || !Expect(s, ':') || !ReadInt(s, 2, om) || oh > 23 || om > 59) {
      return std::nullopt;
    }
    offset_minutes = sign * (oh * 60 + om);
  } else {
    return std::nullopt;
  }
  const std::chrono::year_month_day ymd{std::chrono::year(year),
                                        std::chrono::month(static_cast<unsigned>(month)),
                                        std::chrono::day(static_cast<unsigned>(day))};
  if (!ymd.ok() || hour > 23 || minute > 59 || second > 60) return std::nullopt;
  // TimePoint counts nanoseconds in 64 bits: about 1677-09-21 to 2262-04-11.
  if (year < 1678 || year > 2261) return std::nullopt;
  auto tp = std::chrono::sys_days(ymd) + std::chrono::hours(hour) + std::chrono::minutes(minute) +
            std::chrono::seconds(second) - std::chrono::minutes(offset_minutes);
  return TimePoint(
      duration_cast<TimePoint::duration>(tp.time_since_epoch() + std::chrono::nanoseconds(nanos)));
}

}  // namespace caduceus
