// The deadlines of an incident, computed (never stored) from what has been submitted, in UTC.
//
//   early_warning  aware_at + 24 h
//   notification   aware_at + 72 h
//   intermediate   one per information request of the CSIRT: its due_at, met by the intermediate
//                  report answering it; not_applicable (no due date) while nothing was requested
//   progress       only when a progress report was submitted before any final report: due one
//                  calendar month after the first notification, met by the first progress report
//   final          one calendar month after the first notification; once a progress report was
//                  submitted (the incident was still ongoing), one calendar month after
//                  handled_at, and without a due date while handling goes on
// A deadline is met by the FIRST report of its stage; later ones are updates. Calendar months
// keep the time of day and clamp the day to the month's last (31 January + 1 month =
// 28 or 29 February).
//
// States: met / met_late by a submission at or before / after the due time; otherwise overdue
// once the due time has passed, due_soon when less than min(25 % of the window, 6 h) is left
// (the window runs from when the obligation arose: aware_at, the notification, handled_at or
// the request), pending before that or without a due time. On a closed incident, an unmet
// deadline that had passed before closing stays overdue and every other unmet one is
// not_applicable.
//
// Pure functions; thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "incidents/model.h"

namespace caduceus::incidents {

inline constexpr std::chrono::hours kEarlyWarningWindow{24};
inline constexpr std::chrono::hours kNotificationWindow{72};
inline constexpr std::chrono::hours kMaxDueSoonWindow{6};

enum class DeadlineState { kPending, kDueSoon, kOverdue, kMet, kMetLate, kNotApplicable };
std::string_view ToString(DeadlineState state);

struct Deadline {
  Stage stage = Stage::kEarlyWarning;
  std::optional<TimePoint> due_at;
  DeadlineState state = DeadlineState::kPending;
  std::optional<TimePoint> submitted_at;
  std::optional<std::int64_t> request_id;  // intermediate deadlines: the information request
  std::optional<TimePoint> due_soon_at;    // when the deadline enters due_soon (with due_at)
  bool operator==(const Deadline&) const = default;
};

// A deadline that needs someone's attention now: due_soon or overdue.
bool NeedsAttention(const Deadline& deadline);

struct RequestFacts {
  std::int64_t id = 0;
  TimePoint asked_at;
  TimePoint due_at;
  std::optional<TimePoint> answered_at;
};

struct DeadlineFacts {
  TimePoint aware_at;
  // The first submission of each stage, if any.
  std::optional<TimePoint> early_warning_at;
  std::optional<TimePoint> notification_at;
  std::optional<TimePoint> progress_at;
  std::optional<TimePoint> final_at;
  std::optional<TimePoint> handled_at;
  std::optional<TimePoint> closed_at;
  std::vector<RequestFacts> requests;  // in the order they were made
};

// `months` >= 0 calendar months after `t` (UTC), clamping the day to the month's last.
TimePoint AddCalendarMonths(TimePoint t, int months);

// How long before `due` the deadline counts as due soon: min(25 % of (due - start), 6 h).
std::chrono::milliseconds DueSoonWindow(TimePoint start, TimePoint due);

// The state of one deadline whose window starts at `start` (ignored without a due time).
DeadlineState StateOf(std::optional<TimePoint> start,
                      std::optional<TimePoint> due,
                      std::optional<TimePoint> submitted,
                      std::optional<TimePoint> closed,
                      TimePoint now);

// Every deadline of an incident, in stage order (intermediate ones in request order).
std::vector<Deadline> ComputeDeadlines(const DeadlineFacts& facts, TimePoint now);

}  // namespace caduceus::incidents
