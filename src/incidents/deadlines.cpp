#include "incidents/deadlines.h"

#include <algorithm>

namespace caduceus::incidents {

namespace {

using std::chrono::milliseconds;

Deadline Make(Stage stage,
              std::optional<TimePoint> start,
              std::optional<TimePoint> due,
              std::optional<TimePoint> submitted,
              const DeadlineFacts& f,
              TimePoint now) {
  Deadline d;
  d.stage = stage;
  d.due_at = due;
  d.submitted_at = submitted;
  d.state = StateOf(start, due, submitted, f.closed_at, now);
  if (start && due) d.due_soon_at = *due - DueSoonWindow(*start, *due);
  return d;
}

}  // namespace

std::string_view ToString(DeadlineState state) {
  switch (state) {
    case DeadlineState::kPending:
      return "pending";
    case DeadlineState::kDueSoon:
      return "due_soon";
    case DeadlineState::kOverdue:
      return "overdue";
    case DeadlineState::kMet:
      return "met";
    case DeadlineState::kMetLate:
      return "met_late";
    case DeadlineState::kNotApplicable:
      return "not_applicable";
  }
  return "pending";
}

bool NeedsAttention(const Deadline& d) {
  return d.state == DeadlineState::kDueSoon || d.state == DeadlineState::kOverdue;
}

TimePoint AddCalendarMonths(TimePoint t, int months) {
  using namespace std::chrono;
  const auto day = floor<days>(t);
  const auto time_of_day = t - day;
  const year_month_day ymd{day};
  const year_month target = year_month{ymd.year(), ymd.month()} + std::chrono::months{months};
  const year_month_day_last last{target.year(), month_day_last{target.month()}};
  const year_month_day result{target.year(), target.month(), std::min(ymd.day(), last.day())};
  return sys_days{result} + time_of_day;
}

milliseconds DueSoonWindow(TimePoint start, TimePoint due) {
  const auto window = std::chrono::duration_cast<milliseconds>(due - start);
  const milliseconds quarter = std::max(window, milliseconds(0)) / 4;
  return std::min(quarter, std::chrono::duration_cast<milliseconds>(kMaxDueSoonWindow));
}

DeadlineState StateOf(std::optional<TimePoint> start,
                      std::optional<TimePoint> due,
                      std::optional<TimePoint> submitted,
                      std::optional<TimePoint> closed,
                      TimePoint now) {
  if (submitted) {
    return !due || *submitted <= *due ? DeadlineState::kMet : DeadlineState::kMetLate;
  }
  if (closed) {
    return due && *due < *closed ? DeadlineState::kOverdue : DeadlineState::kNotApplicable;
  }
  if (!due) return DeadlineState::kPending;
  if (now > *due) return DeadlineState::kOverdue;
  const auto left = *due - now;
  if (start && left < DueSoonWindow(*start, *due)) return DeadlineState::kDueSoon;
  return DeadlineState::kPending;
}

std::vector<Deadline> ComputeDeadlines(const DeadlineFacts& f, TimePoint now) {
  std::vector<Deadline> out;
  out.push_back(Make(Stage::kEarlyWarning, f.aware_at, f.aware_at + kEarlyWarningWindow,
                     f.early_warning_at, f, now));
  out.push_back(Make(Stage::kNotification, f.aware_at, f.aware_at + kNotificationWindow,
                     f.notification_at, f, now));

  if (f.requests.empty()) {
    Deadline d;
    d.stage = Stage::kIntermediate;
    d.state = DeadlineState::kNotApplicable;
    out.push_back(d);
  }
  for (const auto& r : f.requests) {
    Deadline d = Make(Stage::kIntermediate, r.asked_at, r.due_at, r.answered_at, f, now);
    d.request_id = r.id;
    out.push_back(d);
  }

  const std::optional<TimePoint> month_after_notification =
      f.notification_at ? std::optional(AddCalendarMonths(*f.notification_at, 1)) : std::nullopt;
  // A progress report counts when it came before the final report (or there is none yet).
  const bool progress_first = f.progress_at && (!f.final_at || *f.progress_at < *f.final_at);
  if (progress_first) {
    out.push_back(
        Make(Stage::kProgress, f.notification_at, month_after_notification, f.progress_at, f, now));
    const std::optional<TimePoint> after_handling =
        f.handled_at ? std::optional(AddCalendarMonths(*f.handled_at, 1)) : std::nullopt;
    out.push_back(Make(Stage::kFinal, f.handled_at, after_handling, f.final_at, f, now));
  } else {
    Deadline d;
    d.stage = Stage::kProgress;
    d.state = DeadlineState::kNotApplicable;
    out.push_back(d);
    out.push_back(
        Make(Stage::kFinal, f.notification_at, month_after_notification, f.final_at, f, now));
  }
  return out;
}

}  // namespace caduceus::incidents
