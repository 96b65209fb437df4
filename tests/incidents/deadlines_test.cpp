// Deadline computation as pure functions: calendar months, the due-soon window, every state,
// and the progress/final rules.
#include "incidents/deadlines.h"

#include <chrono>
#include <string>

#include <gtest/gtest.h>

namespace caduceus::incidents {
namespace {

using namespace std::chrono_literals;

TimePoint At(std::string_view text) {
  auto t = ParseRfc3339(text);
  if (!t) throw std::invalid_argument(std::string(text));
  return *t;
}

struct MonthCase {
  std::string from;
  int months;
  std::string expected;
};

class CalendarMonths : public ::testing::TestWithParam<MonthCase> {};

TEST_P(CalendarMonths, KeepTheTimeOfDayAndClampTheDay) {
  const auto& c = GetParam();
  EXPECT_EQ(FormatRfc3339(AddCalendarMonths(At(c.from), c.months)), c.expected);
}

INSTANTIATE_TEST_SUITE_P(
    Table,
    CalendarMonths,
    ::testing::Values(MonthCase{"2026-01-15T10:20:30.000Z", 1, "2026-02-15T10:20:30.000Z"},
                      MonthCase{"2026-01-31T23:59:59.999Z", 1, "2026-02-28T23:59:59.999Z"},
                      MonthCase{"2028-01-31T08:00:00.000Z", 1, "2028-02-29T08:00:00.000Z"},
                      MonthCase{"2026-03-31T12:00:00.000Z", 1, "2026-04-30T12:00:00.000Z"},
                      MonthCase{"2026-08-31T00:00:00.000Z", 1, "2026-09-30T00:00:00.000Z"},
                      MonthCase{"2026-12-31T06:00:00.000Z", 1, "2027-01-31T06:00:00.000Z"},
                      MonthCase{"2026-04-30T06:00:00.000Z", 1, "2026-05-30T06:00:00.000Z"},
                      MonthCase{"2026-01-31T06:00:00.000Z", 13, "2027-02-28T06:00:00.000Z"},
                      MonthCase{"2026-05-05T05:05:05.000Z", 0, "2026-05-05T05:05:05.000Z"}));

TEST(DueSoonWindow, IsAQuarterOfTheWindowButAtMostSixHours) {
  const TimePoint t0 = At("2026-03-01T00:00:00Z");
  EXPECT_EQ(DueSoonWindow(t0, t0 + 24h), 6h);
  EXPECT_EQ(DueSoonWindow(t0, t0 + 72h), 6h);
  EXPECT_EQ(DueSoonWindow(t0, t0 + 8h), 2h);
  EXPECT_EQ(DueSoonWindow(t0, t0 + 1h), 15min);
  EXPECT_EQ(DueSoonWindow(t0, t0), 0h);
}

TEST(DeadlineState, FollowsTheClockAroundTheDueTime) {
  const TimePoint start = At("2026-03-01T00:00:00Z");
  const TimePoint due = start + 24h;
  const auto state = [&](TimePoint now, std::optional<TimePoint> submitted = {},
                         std::optional<TimePoint> closed = {}) {
    return StateOf(start, due, submitted, closed, now);
  };
  EXPECT_EQ(state(start), DeadlineState::kPending);
  EXPECT_EQ(state(due - 6h), DeadlineState::kPending);  // exactly 6 h left is not "less than"
  EXPECT_EQ(state(due - 6h + 1ms), DeadlineState::kDueSoon);
  EXPECT_EQ(state(due), DeadlineState::kDueSoon);
  EXPECT_EQ(state(due + 1ms), DeadlineState::kOverdue);
  EXPECT_EQ(state(due + 100h, due), DeadlineState::kMet);
  EXPECT_EQ(state(due + 100h, due + 1ms), DeadlineState::kMetLate);
  EXPECT_EQ(state(due + 100h, {}, due - 1h), DeadlineState::kNotApplicable);
  EXPECT_EQ(state(due + 100h, {}, due + 1h), DeadlineState::kOverdue);
  EXPECT_EQ(StateOf({}, {}, {}, {}, due), DeadlineState::kPending);
  EXPECT_EQ(StateOf({}, {}, due, {}, due), DeadlineState::kMet);
}

const Deadline& Find(const std::vector<Deadline>& all, Stage stage) {
  for (const auto& d : all) {
    if (d.stage == stage) return d;
  }
  throw std::runtime_error("no deadline for stage");
}

TEST(Deadlines, EarlyWarningIsDueIn24HoursAndNotificationIn72) {
  DeadlineFacts f;
  f.aware_at = At("2026-03-10T08:00:00Z");
  const auto all = ComputeDeadlines(f, f.aware_at + 1h);
  EXPECT_EQ(Find(all, Stage::kEarlyWarning).due_at, At("2026-03-11T08:00:00Z"));
  EXPECT_EQ(Find(all, Stage::kEarlyWarning).due_soon_at, At("2026-03-11T02:00:00Z"));
  EXPECT_EQ(Find(all, Stage::kNotification).due_at, At("2026-03-13T08:00:00Z"));
  EXPECT_EQ(Find(all, Stage::kNotification).due_soon_at, At("2026-03-13T02:00:00Z"));
  EXPECT_EQ(Find(all, Stage::kIntermediate).state, DeadlineState::kNotApplicable);
  EXPECT_EQ(Find(all, Stage::kProgress).state, DeadlineState::kNotApplicable);
  const auto& final = Find(all, Stage::kFinal);
  EXPECT_FALSE(final.due_at.has_value());  // no notification yet
  EXPECT_EQ(final.state, DeadlineState::kPending);
}

TEST(Deadlines, FinalIsDueOneCalendarMonthAfterTheFirstNotification) {
  DeadlineFacts f;
  f.aware_at = At("2026-01-29T20:00:00Z");
  f.early_warning_at = At("2026-01-30T10:00:00Z");
  f.notification_at = At("2026-01-31T19:00:00Z");
  const auto all = ComputeDeadlines(f, At("2026-02-01T00:00:00Z"));
  EXPECT_EQ(Find(all, Stage::kEarlyWarning).state, DeadlineState::kMet);
  EXPECT_EQ(Find(all, Stage::kNotification).state, DeadlineState::kMet);
  EXPECT_EQ(Find(all, Stage::kFinal).due_at, At("2026-02-28T19:00:00Z"));
  EXPECT_EQ(Find(ComputeDeadlines(f, At("2026-02-28T19:00:00.001Z")), Stage::kFinal).state,
            DeadlineState::kOverdue);
  f.final_at = At("2026-03-01T09:00:00Z");
  EXPECT_EQ(Find(ComputeDeadlines(f, At("2026-03-02T00:00:00Z")), Stage::kFinal).state,
            DeadlineState::kMetLate);
}

TEST(Deadlines, AProgressReportMovesTheFinalToAMonthAfterHandlingEnds) {
  DeadlineFacts f;
  f.aware_at = At("2026-05-01T00:00:00Z");
  f.notification_at = At("2026-05-02T00:00:00Z");
  f.progress_at = At("2026-05-30T00:00:00Z");
  auto all = ComputeDeadlines(f, At("2026-06-10T00:00:00Z"));
  const auto& progress = Find(all, Stage::kProgress);
  EXPECT_EQ(progress.due_at, At("2026-06-02T00:00:00Z"));
  EXPECT_EQ(progress.state, DeadlineState::kMet);
  EXPECT_FALSE(Find(all, Stage::kFinal).due_at.has_value());  // while handling goes on
  EXPECT_EQ(Find(all, Stage::kFinal).state, DeadlineState::kPending);

  f.handled_at = At("2026-07-31T15:00:00Z");
  all = ComputeDeadlines(f, At("2026-08-01T00:00:00Z"));
  EXPECT_EQ(Find(all, Stage::kFinal).due_at, At("2026-08-31T15:00:00Z"));
  EXPECT_EQ(Find(all, Stage::kFinal).state, DeadlineState::kPending);
  f.final_at = At("2026-08-31T15:00:00Z");
  EXPECT_EQ(Find(ComputeDeadlines(f, At("2026-09-01T00:00:00Z")), Stage::kFinal).state,
            DeadlineState::kMet);
}

TEST(Deadlines, AFinalReportWithoutProgressLeavesProgressNotApplicable) {
  DeadlineFacts f;
  f.aware_at = At("2026-05-01T00:00:00Z");
  f.notification_at = At("2026-05-02T00:00:00Z");
  f.final_at = At("2026-05-20T00:00:00Z");
  f.progress_at = At("2026-05-25T00:00:00Z");  // after the final: not the progress obligation
  const auto all = ComputeDeadlines(f, At("2026-06-10T00:00:00Z"));
  EXPECT_EQ(Find(all, Stage::kProgress).state, DeadlineState::kNotApplicable);
  EXPECT_EQ(Find(all, Stage::kFinal).state, DeadlineState::kMet);
}

TEST(Deadlines, EachInformationRequestIsAnIntermediateDeadline) {
  DeadlineFacts f;
  f.aware_at = At("2026-05-01T00:00:00Z");
  f.requests = {
      {7, At("2026-05-02T00:00:00Z"), At("2026-05-02T08:00:00Z"), At("2026-05-02T09:00:00Z")},
      {9, At("2026-05-03T00:00:00Z"), At("2026-05-03T04:00:00Z"), std::nullopt}};
  const auto all = ComputeDeadlines(f, At("2026-05-03T03:30:00Z"));
  std::vector<Deadline> intermediate;
  for (const auto& d : all) {
    if (d.stage == Stage::kIntermediate) intermediate.push_back(d);
  }
  ASSERT_EQ(intermediate.size(), 2u);
  EXPECT_EQ(intermediate[0].request_id, 7);
  EXPECT_EQ(intermediate[0].state, DeadlineState::kMetLate);
  EXPECT_EQ(intermediate[1].request_id, 9);
  // A 4 h window: due soon in its last hour.
  EXPECT_EQ(intermediate[1].due_soon_at, At("2026-05-03T03:00:00Z"));
  EXPECT_EQ(intermediate[1].state, DeadlineState::kDueSoon);
  EXPECT_TRUE(NeedsAttention(intermediate[1]));
  EXPECT_FALSE(NeedsAttention(intermediate[0]));
}

}  // namespace
}  // namespace caduceus::incidents
