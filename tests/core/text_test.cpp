// Strict UTF-8 validation and the control-character check, against known vectors
// (RFC 3629 and Markus Kuhn's UTF-8 decoder stress test).
#include "core/text.h"

#include <string>
#include <string_view>

#include <gtest/gtest.h>

namespace caduceus {
namespace {

using namespace std::string_view_literals;

TEST(ValidUtf8, AcceptsAsciiAndEmpty) {
  EXPECT_TRUE(ValidUtf8(""));
  EXPECT_TRUE(ValidUtf8("plain ASCII text ~!@#"));
  EXPECT_TRUE(ValidUtf8("a\0b"sv));
}

TEST(ValidUtf8, AcceptsTheBoundariesOfEachSequenceLength) {
  for (std::string_view s : {"\xC2\x80"sv,             // U+0080, first two-byte
                             "\xDF\xBF"sv,             // U+07FF, last two-byte
                             "\xE0\xA0\x80"sv,         // U+0800, first three-byte
                             "\xED\x9F\xBF"sv,         // U+D7FF, last before the surrogates
                             "\xEE\x80\x80"sv,         // U+E000, first after the surrogates
                             "\xEF\xBF\xBD"sv,         // U+FFFD
                             "\xEF\xBF\xBF"sv,         // U+FFFF
                             "\xF0\x90\x80\x80"sv,     // U+10000, first four-byte
                             "\xF4\x8F\xBF\xBF"sv}) {  // U+10FFFF, the last code point
    EXPECT_TRUE(ValidUtf8(s)) << testing::PrintToString(s);
  }
}

TEST(ValidUtf8, AcceptsRealText) {
  EXPECT_TRUE(ValidUtf8("\xCE\xBA\xE1\xBD\xB9\xCF\x83\xCE\xBC\xCE\xB5"));  // "kosme" in Greek
  EXPECT_TRUE(ValidUtf8("Krankenhaus M\xC3\xBCnchen \xF0\x9F\x8F\xA5"));
}

TEST(ValidUtf8, RejectsOverlongForms) {
  for (std::string_view s :
       {"\xC0\xAF"sv, "\xC0\x80"sv, "\xC1\xBF"sv, "\xE0\x80\xAF"sv, "\xE0\x9F\xBF"sv,
        "\xE0\x80\x80"sv, "\xF0\x80\x80\xAF"sv, "\xF0\x8F\xBF\xBF"sv, "\xF8\x80\x80\x80\xAF"sv,
        "\xFC\x80\x80\x80\x80\xAF"sv}) {
    EXPECT_FALSE(ValidUtf8(s)) << testing::PrintToString(s);
  }
}

TEST(ValidUtf8, RejectsUtf16Surrogates) {
  for (std::string_view s : {"\xED\xA0\x80"sv,                 // U+D800
                             "\xED\xAD\xBF"sv,                 // U+DB7F
                             "\xED\xB0\x80"sv,                 // U+DC00
                             "\xED\xBF\xBF"sv,                 // U+DFFF
                             "\xED\xA0\x80\xED\xB0\x80"sv}) {  // a CESU-8 pair
    EXPECT_FALSE(ValidUtf8(s)) << testing::PrintToString(s);
  }
}

TEST(ValidUtf8, RejectsCodePointsAboveU10FFFF) {
  for (std::string_view s :
       {"\xF4\x90\x80\x80"sv, "\xF4\xBF\xBF\xBF"sv, "\xF5\x80\x80\x80"sv, "\xF7\xBF\xBF\xBF"sv,
        "\xF8\x88\x80\x80\x80"sv, "\xFD\xBF\xBF\xBF\xBF\xBF"sv}) {
    EXPECT_FALSE(ValidUtf8(s)) << testing::PrintToString(s);
  }
}

TEST(ValidUtf8, RejectsTruncatedSequences) {
  for (std::string_view s :
       {"\xC2"sv, "\xE0\xA0"sv, "\xE2\x82"sv, "\xF0\x90\x80"sv, "\xF4"sv, "abc\xE2\x82"sv,
        "\xE2\x82"
        "abc"sv,
        "\xF0\x9F\x8F"sv}) {
    EXPECT_FALSE(ValidUtf8(s)) << testing::PrintToString(s);
  }
}

TEST(ValidUtf8, RejectsStrayAndWrongContinuationBytes) {
  for (std::string_view s :
       {"\x80"sv, "\xBF"sv, "a\x80z"sv, "\xC2\x41"sv, "\xC2\xC2\x80"sv, "\xE2\x28\xA1"sv,
        "\xE2\x82\x28"sv, "\xF0\x28\x8C\xBC"sv, "\xF0\x90\x28\xBC"sv, "\xF0\x90\x80\x28"sv,
        "\xFE"sv, "\xFF"sv, "\xFE\xFE\xFF\xFF"sv}) {
    EXPECT_FALSE(ValidUtf8(s)) << testing::PrintToString(s);
  }
}

TEST(NoControlChars, AllowsTabLineFeedAndCarriageReturn) {
  EXPECT_TRUE(NoControlChars(""));
  EXPECT_TRUE(NoControlChars("line one\r\n\tline two"));
  EXPECT_TRUE(NoControlChars("M\xC3\xBCnchen"));
}

TEST(NoControlChars, RejectsOtherC0ControlsAndDelete) {
  for (std::string_view s : {"a\0b"sv, "\x01"sv, "bell\x07"sv, "\x08"sv, "\x0B"sv, "\x0C"sv,
                             "esc\x1B[31m"sv, "\x1F"sv, "del\x7F"sv}) {
    EXPECT_FALSE(NoControlChars(s)) << testing::PrintToString(s);
  }
}

}  // namespace
}  // namespace caduceus
