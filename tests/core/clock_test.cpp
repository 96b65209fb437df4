// Timestamps: RFC 3339 parsing and formatting, Unix milliseconds, the manual test clock.
#include "core/clock.h"

#include <chrono>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace caduceus {
namespace {

using std::chrono::hours;
using std::chrono::microseconds;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::nanoseconds;
using std::chrono::seconds;

// 2026-11-29T14:17:03.123Z, computed independently of the code under test.
constexpr std::int64_t kReferenceMillis = 1'795'961'823'123;

TimePoint Reference() { return FromUnixMillis(kReferenceMillis); }

TEST(Rfc3339, ParsesUtcWithMilliseconds) {
  EXPECT_EQ(ParseRfc3339("2026-11-29T14:17:03.123Z"), Reference());
}

TEST(Rfc3339, AcceptsLowerCaseSeparators) {
  EXPECT_EQ(ParseRfc3339("2026-11-29t14:17:03.123z"), Reference());
}

TEST(Rfc3339, AppliesPositiveAndNegativeOffsets) {
  EXPECT_EQ(ParseRfc3339("2026-11-29T15:17:03.123+01:00"), Reference());
  EXPECT_EQ(ParseRfc3339("2026-11-29T08:47:03.123-05:30"), Reference());
  EXPECT_EQ(ParseRfc3339("2026-11-29T14:17:03.123+00:00"), Reference());
  EXPECT_EQ(ParseRfc3339("2026-11-29T14:17:03.123-00:00"), Reference());
}

TEST(Rfc3339, OffsetCanCrossMidnightAndYear) {
  EXPECT_EQ(ParseRfc3339("2016-12-31T23:30:00-01:00"), ParseRfc3339("2017-01-01T00:30:00Z"));
}

TEST(Rfc3339, FractionOfAnyLengthIsScaledToItsPlace) {
  const auto base = *ParseRfc3339("2026-11-29T14:17:03Z");
  EXPECT_EQ(*ParseRfc3339("2026-11-29T14:17:03.5Z") - base, milliseconds(500));
  EXPECT_EQ(*ParseRfc3339("2026-11-29T14:17:03.05Z") - base, milliseconds(50));
  EXPECT_EQ(*ParseRfc3339("2026-11-29T14:17:03.000001Z") - base, microseconds(1));
  EXPECT_EQ(*ParseRfc3339("2026-11-29T14:17:03.123456789Z") - base, nanoseconds(123456789));
}

TEST(Rfc3339, DigitsBeyondNanosecondsAreDropped) {
  EXPECT_EQ(ParseRfc3339("2026-11-29T14:17:03.1234567899999Z"),
            ParseRfc3339("2026-11-29T14:17:03.123456789Z"));
}

TEST(Rfc3339, WithoutFractionMeansWholeSecond) {
  EXPECT_EQ(ParseRfc3339("2026-11-29T14:17:03Z"), FromUnixMillis(kReferenceMillis - 123));
}

TEST(Rfc3339, AcceptsLeapSecondSixtyAsTheEndOfTheMinute) {
  const auto leap = ParseRfc3339("2016-12-31T23:59:60Z");
  ASSERT_TRUE(leap.has_value());
  EXPECT_GE(*leap, *ParseRfc3339("2016-12-31T23:59:59Z"));
  EXPECT_LE(*leap, *ParseRfc3339("2017-01-01T00:00:00Z"));
}

TEST(Rfc3339, RejectsSecondSixtyOne) { EXPECT_FALSE(ParseRfc3339("2016-12-31T23:59:61Z")); }

TEST(Rfc3339, AcceptsTheLeapDayOfALeapYear) {
  EXPECT_EQ(ParseRfc3339("2024-02-29T00:00:00Z"), FromUnixMillis(1'709'164'800'000));
}

TEST(Rfc3339, RejectsDatesThatDoNotExist) {
  for (const char* text : {"2026-02-30T00:00:00Z", "2025-02-29T00:00:00Z", "1900-02-29T00:00:00Z",
                           "2026-04-31T00:00:00Z", "2026-13-01T00:00:00Z", "2026-00-10T00:00:00Z",
                           "2026-01-00T00:00:00Z", "2026-01-32T00:00:00Z"}) {
    EXPECT_FALSE(ParseRfc3339(text)) << text;
  }
}

TEST(Rfc3339, RejectsTimesOutOfRange) {
  for (const char* text : {"2026-01-01T24:00:00Z", "2026-01-01T23:60:00Z",
                           "2026-01-01T12:00:00+24:00", "2026-01-01T12:00:00+01:60"}) {
    EXPECT_FALSE(ParseRfc3339(text)) << text;
  }
}

TEST(Rfc3339, RejectsGarbageAndIncompleteText) {
  for (const char* text : {"",
                           "Z",
                           "2026",
                           "2026-11-29",
                           "2026-11-29T14:17",
                           "2026-11-29T14:17:03",
                           "2026-11-29T14:17:03.Z",
                           "2026-11-29T14:17:03.123",
                           "2026-11-29T14:17:03+0100",
                           "2026-11-29T14:17:03+01",
                           "2026-11-29T14:17:03Zjunk",
                           "2026-11-29T14:17:03Z ",
                           " 2026-11-29T14:17:03Z",
                           "2026/11/29T14:17:03Z",
                           "2026-11-29X14:17:03Z",
                           "20261129T141703Z",
                           "2026-1-29T14:17:03Z",
                           "2026-11-29T14:17:03.12a3Z",
                           "yyyy-mm-ddThh:mm:ssZ",
                           "2026-11-29T14:17:03.123Z\n"}) {
    EXPECT_FALSE(ParseRfc3339(text)) << '"' << text << '"';
  }
}

// Every field of RFC 3339 is a fixed number of DIGITs; a sign is not a digit.
TEST(Rfc3339, RejectsSignsInsideNumericFields) {
  for (const char* text : {"2026-11-29T-1:17:03Z", "2026-11-29T14:-1:03Z", "2026-11-29T14:17:-3Z",
                           "2026-11-29T14:17:03+-1:00", "2026-11-29T14:17:03+01:-5",
                           "+026-11-29T14:17:03Z", "2026-+1-29T14:17:03Z"}) {
    EXPECT_FALSE(ParseRfc3339(text)) << text;
  }
}

// A TimePoint counts nanoseconds in 64 bits (years 1678 to 2261): anything outside must be refused,
// not overflow.
TEST(Rfc3339, RejectsTimestampsOutsideTheRepresentableRange) {
  for (const char* text :
       {"0000-01-01T00:00:00Z", "0001-01-01T00:00:00Z", "1600-01-01T00:00:00Z",
        "2263-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "-026-11-29T14:17:03Z"}) {
    EXPECT_FALSE(ParseRfc3339(text)) << text;
  }
  EXPECT_TRUE(ParseRfc3339("1700-01-01T00:00:00Z"));
  EXPECT_TRUE(ParseRfc3339("2261-12-31T23:59:59Z"));
}

TEST(Rfc3339, FormatsUtcWithThreeFractionDigits) {
  EXPECT_EQ(FormatRfc3339(Reference()), "2026-11-29T14:17:03.123Z");
  EXPECT_EQ(FormatRfc3339(FromUnixMillis(0)), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatRfc3339(FromUnixMillis(1'709'164'800'007)), "2024-02-29T00:00:00.007Z");
}

TEST(Rfc3339, FormatsTimesBeforeTheEpoch) {
  EXPECT_EQ(FormatRfc3339(FromUnixMillis(-1)), "1969-12-31T23:59:59.999Z");
}

TEST(Rfc3339, FormatTruncatesBelowMilliseconds) {
  EXPECT_EQ(FormatRfc3339(Reference() + microseconds(999)), "2026-11-29T14:17:03.123Z");
}

TEST(Rfc3339, FormatThenParseRoundTripsMilliseconds) {
  for (std::int64_t ms : {std::int64_t{0}, std::int64_t{1}, kReferenceMillis,
                          std::int64_t{4'102'444'799'999}, std::int64_t{-86'400'001}}) {
    const auto t = FromUnixMillis(ms);
    EXPECT_EQ(ParseRfc3339(FormatRfc3339(t)), t) << ms;
  }
}

TEST(UnixMillis, RoundTripsAndTruncates) {
  EXPECT_EQ(ToUnixMillis(FromUnixMillis(kReferenceMillis)), kReferenceMillis);
  EXPECT_EQ(ToUnixMillis(FromUnixMillis(kReferenceMillis) + microseconds(999)), kReferenceMillis);
  EXPECT_EQ(ToUnixMillis(TimePoint{}), 0);
}

TEST(ManualClock, StandsStillUntilAdvanced) {
  ManualClock clock(Reference());
  EXPECT_EQ(clock.Now(), Reference());
  EXPECT_EQ(clock.Now(), Reference());
  clock.Advance(minutes(90));
  EXPECT_EQ(clock.Now(), Reference() + minutes(90));
  clock.Advance(microseconds(1));
  EXPECT_EQ(clock.Now(), Reference() + minutes(90) + microseconds(1));
}

TEST(ManualClock, CanMoveBackwards) {
  ManualClock clock(Reference());
  clock.Advance(-hours(1));
  EXPECT_EQ(clock.Now(), Reference() - hours(1));
}

TEST(ManualClock, ConcurrentAdvancesAreNotLost) {
  ManualClock clock(Reference());
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&clock] {
      for (int i = 0; i < 1000; ++i) clock.Advance(microseconds(1));
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(clock.Now(), Reference() + microseconds(4000));
}

TEST(SystemClock, FollowsTheSystemClock) {
  SystemClock clock;
  const auto before = std::chrono::system_clock::now();
  const auto now = clock.Now();
  const auto after = std::chrono::system_clock::now();
  EXPECT_LE(before, now);
  EXPECT_LE(now, after);
}

}  // namespace
}  // namespace caduceus
