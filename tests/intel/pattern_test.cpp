// STIX 2.1 patterns: parsing into the tree, canonical printing and its round trip, rejection of
// invalid patterns with the offset and reason, and every indicator pattern of the shared STIX
// bundles.
#include "intel/pattern.h"

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace caduceus::intel {
namespace {

using ::testing::HasSubstr;
using Kind = ObservationExpression::Kind;
using CmpKind = ComparisonExpression::Kind;

Pattern Parse(std::string_view text) {
  auto result = ParsePattern(text);
  EXPECT_TRUE(result.has_value()) << text << ": " << result.error().message;
  return result.has_value() ? *result : Pattern{};
}

std::string ErrorOf(std::string_view text) {
  const auto result = ParsePattern(text);
  EXPECT_FALSE(result.has_value()) << text << " parsed as " << ToString(*result);
  return result.has_value() ? std::string() : result.error().message;
}

void ExpectRoundTrip(const Pattern& pattern) {
  const std::string text = ToString(pattern);
  const auto again = ParsePattern(text);
  ASSERT_TRUE(again.has_value()) << text << ": " << again.error().message;
  EXPECT_EQ(*again, pattern) << text;
  EXPECT_EQ(ToString(*again), text);
}

// The only comparison of a single-observation, single-comparison pattern.
Comparison OnlyComparison(std::string_view text) {
  const Pattern pattern = Parse(text);
  const auto comparisons = ListComparisons(pattern);
  EXPECT_EQ(comparisons.size(), 1U) << text;
  return comparisons.empty() ? Comparison{} : *comparisons.front();
}

Literal OnlyValue(std::string_view text) {
  const Comparison comparison = OnlyComparison(text);
  EXPECT_EQ(comparison.values.size(), 1U) << text;
  return comparison.values.empty() ? Literal{} : comparison.values.front();
}

// ---- Observation expressions ----

TEST(PatternParse, SpecExampleHashAndUrlIsAndOfTwoObservations) {
  const Pattern p = Parse(
      "[file:hashes.'SHA-256' = "
      "'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f'] AND "
      "[url:value = 'http://x']");
  ASSERT_EQ(p.expression.kind, Kind::kAnd);
  ASSERT_EQ(p.expression.operands.size(), 2U);
  const auto comparisons = ListComparisons(p);
  ASSERT_EQ(comparisons.size(), 2U);
  EXPECT_EQ(comparisons[0]->path.object_type, "file");
  EXPECT_EQ(comparisons[0]->path.property, "hashes");
  ASSERT_EQ(comparisons[0]->path.steps.size(), 1U);
  EXPECT_EQ(comparisons[0]->path.steps[0].key, "SHA-256");
  EXPECT_EQ(comparisons[0]->op, Operator::kEqual);
  EXPECT_EQ(std::get<std::string>(comparisons[0]->values.at(0)),
            "aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f");
  EXPECT_EQ(comparisons[1]->path.object_type, "url");
  EXPECT_EQ(std::get<std::string>(comparisons[1]->values.at(0)), "http://x");
}

TEST(PatternParse, WithinQualifiesTheParenthesisedFollowedBy) {
  const Pattern p = Parse("([a:b = 1] FOLLOWEDBY [c:d = 2]) WITHIN 300 SECONDS");
  ASSERT_EQ(p.expression.kind, Kind::kFollowedBy);
  EXPECT_EQ(p.expression.operands.size(), 2U);
  ASSERT_EQ(p.expression.qualifiers.size(), 1U);
  EXPECT_EQ(std::get<Within>(p.expression.qualifiers[0]).seconds, 300.0);
  EXPECT_EQ(ToString(p), "([a:b = 1] FOLLOWEDBY [c:d = 2]) WITHIN 300 SECONDS");
}

TEST(PatternParse, ObservationAndBindsTighterThanOrAndOrTighterThanFollowedBy) {
  const Pattern p =
      Parse("[a:a = 1] AND [b:b = 2] FOLLOWEDBY [c:c = 3] OR [d:d = 4] AND [e:e = 5]");
  ASSERT_EQ(p.expression.kind, Kind::kFollowedBy);
  ASSERT_EQ(p.expression.operands.size(), 2U);
  const auto& left = p.expression.operands[0];
  const auto& right = p.expression.operands[1];
  EXPECT_EQ(left.kind, Kind::kAnd);
  EXPECT_EQ(left.operands.size(), 2U);
  ASSERT_EQ(right.kind, Kind::kOr);
  ASSERT_EQ(right.operands.size(), 2U);
  EXPECT_EQ(right.operands[0].kind, Kind::kObservation);
  EXPECT_EQ(right.operands[1].kind, Kind::kAnd);
}

TEST(PatternParse, ParenthesesOverridePrecedence) {
  const Pattern p = Parse("([a:a = 1] OR [b:b = 2]) AND [c:c = 3]");
  ASSERT_EQ(p.expression.kind, Kind::kAnd);
  ASSERT_EQ(p.expression.operands.size(), 2U);
  EXPECT_EQ(p.expression.operands[0].kind, Kind::kOr);
  EXPECT_EQ(ToString(p), "([a:a = 1] OR [b:b = 2]) AND [c:c = 3]");
}

TEST(PatternParse, ChainsOfOneOperatorAreFlattened) {
  const Pattern flat = Parse("[a:a = 1] AND [b:b = 2] AND [c:c = 3]");
  ASSERT_EQ(flat.expression.kind, Kind::kAnd);
  EXPECT_EQ(flat.expression.operands.size(), 3U);
  EXPECT_EQ(Parse("[a:a = 1] AND ([b:b = 2] AND [c:c = 3])"), flat);
  EXPECT_EQ(Parse("(([a:a = 1] AND [b:b = 2])) AND [c:c = 3]"), flat);
  EXPECT_EQ(ToString(flat), "[a:a = 1] AND [b:b = 2] AND [c:c = 3]");
}

TEST(PatternParse, QualifierBindsToTheObservationBeforeIt) {
  const Pattern p = Parse("[a:a = 1] AND [b:b = 2] WITHIN 5 SECONDS");
  ASSERT_EQ(p.expression.kind, Kind::kAnd);
  EXPECT_TRUE(p.expression.qualifiers.empty());
  EXPECT_TRUE(p.expression.operands[0].qualifiers.empty());
  ASSERT_EQ(p.expression.operands[1].qualifiers.size(), 1U);
}

TEST(PatternParse, QualifiedGroupIsNotFlattenedIntoItsParent) {
  const Pattern p = Parse("[a:a = 1] AND ([b:b = 2] AND [c:c = 3]) REPEATS 2 TIMES");
  ASSERT_EQ(p.expression.kind, Kind::kAnd);
  ASSERT_EQ(p.expression.operands.size(), 2U);
  EXPECT_EQ(p.expression.operands[1].kind, Kind::kAnd);
  EXPECT_EQ(p.expression.operands[1].qualifiers.size(), 1U);
  ExpectRoundTrip(p);
}

TEST(PatternParse, QualifiersStackInSourceOrder) {
  const Pattern p = Parse(
      "[a:a = 1] REPEATS 5 TIMES WITHIN 1.5 SECONDS "
      "START t'2016-06-01T00:00:00Z' STOP t'2016-07-01T00:00:00.250Z'");
  const auto& qualifiers = p.expression.qualifiers;
  ASSERT_EQ(qualifiers.size(), 3U);
  EXPECT_EQ(std::get<Repeats>(qualifiers[0]).times, 5);
  EXPECT_EQ(std::get<Within>(qualifiers[1]).seconds, 1.5);
  const auto& range = std::get<StartStop>(qualifiers[2]);
  EXPECT_EQ(range.start.text, "2016-06-01T00:00:00Z");
  EXPECT_EQ(range.start.value, ParseRfc3339("2016-06-01T00:00:00Z"));
  EXPECT_EQ(range.stop.value, ParseRfc3339("2016-07-01T00:00:00.250Z"));
  EXPECT_EQ(ToString(p),
            "[a:a = 1] REPEATS 5 TIMES WITHIN 1.5 SECONDS "
            "START t'2016-06-01T00:00:00Z' STOP t'2016-07-01T00:00:00.250Z'");
}

TEST(PatternParse, QualifiersOnAParenthesisedObservationJoinItsOwn) {
  const Pattern p = Parse("([a:a = 1] WITHIN 5 SECONDS) REPEATS 2 TIMES");
  EXPECT_EQ(p.expression.kind, Kind::kObservation);
  EXPECT_EQ(p.expression.qualifiers.size(), 2U);
  EXPECT_EQ(ToString(p), "[a:a = 1] WITHIN 5 SECONDS REPEATS 2 TIMES");
}

// ---- Comparison expressions ----

TEST(PatternParse, ComparisonAndBindsTighterThanOr) {
  const Pattern p = Parse("[a:b = 1 OR a:c = 2 AND a:d = 3]");
  const auto& c = p.expression.comparison;
  ASSERT_EQ(c.kind, CmpKind::kOr);
  ASSERT_EQ(c.operands.size(), 2U);
  EXPECT_EQ(c.operands[0].kind, CmpKind::kComparison);
  EXPECT_EQ(c.operands[1].kind, CmpKind::kAnd);
  EXPECT_EQ(ToString(p), "[a:b = 1 OR a:c = 2 AND a:d = 3]");
}

TEST(PatternParse, ComparisonParenthesesGroupAndPrintOnlyWhereNeeded) {
  const Pattern p = Parse("[(a:b = 1 OR a:c = 2) AND (a:d = 3)]");
  const auto& c = p.expression.comparison;
  ASSERT_EQ(c.kind, CmpKind::kAnd);
  EXPECT_EQ(c.operands[0].kind, CmpKind::kOr);
  EXPECT_EQ(c.operands[1].kind, CmpKind::kComparison);
  EXPECT_EQ(ToString(p), "[(a:b = 1 OR a:c = 2) AND a:d = 3]");
}

TEST(PatternParse, EveryOperatorWithAndWithoutNot) {
  struct Case {
    std::string_view text;
    Operator op;
    std::string_view canonical;
  };
  const std::vector<Case> cases = {
      {"x:p = 1", Operator::kEqual, "x:p = 1"},
      {"x:p == 1", Operator::kEqual, "x:p = 1"},
      {"x:p != 1", Operator::kNotEqual, "x:p != 1"},
      {"x:p <> 1", Operator::kNotEqual, "x:p != 1"},
      {"x:p < 1", Operator::kLess, "x:p < 1"},
      {"x:p <= 1", Operator::kLessOrEqual, "x:p <= 1"},
      {"x:p > 1", Operator::kGreater, "x:p > 1"},
      {"x:p >= 1", Operator::kGreaterOrEqual, "x:p >= 1"},
      {"x:p IN (1, 'a')", Operator::kIn, "x:p IN (1, 'a')"},
      {"x:p LIKE 'a%'", Operator::kLike, "x:p LIKE 'a%'"},
      {"x:p MATCHES '^a+$'", Operator::kMatches, "x:p MATCHES '^a+$'"},
      {"x:p ISSUBSET '10.0.0.0/8'", Operator::kIsSubset, "x:p ISSUBSET '10.0.0.0/8'"},
      {"x:p ISSUPERSET '10.0.0.0/8'", Operator::kIsSuperset, "x:p ISSUPERSET '10.0.0.0/8'"},
  };
  for (const Case& c : cases) {
    const std::string text = "[" + std::string(c.text) + "]";
    const Comparison comparison = OnlyComparison(text);
    EXPECT_EQ(comparison.op, c.op) << text;
    EXPECT_FALSE(comparison.negated) << text;
    EXPECT_EQ(ToString(Parse(text)), "[" + std::string(c.canonical) + "]");

    // NOT goes between the path and the operator.
    const std::string negated_text = "[x:p NOT" + std::string(c.text).substr(3) + "]";
    const Comparison negated = OnlyComparison(negated_text);
    EXPECT_EQ(negated.op, c.op) << negated_text;
    EXPECT_TRUE(negated.negated) << negated_text;
    EXPECT_EQ(ToString(Parse(negated_text)), "[x:p NOT" + std::string(c.canonical).substr(3) + "]");
  }
}

TEST(PatternParse, ExistsTakesAPathAndNoValue) {
  const Comparison c = OnlyComparison("[EXISTS windows-registry-key:values[*].name]");
  EXPECT_EQ(c.op, Operator::kExists);
  EXPECT_TRUE(c.values.empty());
  EXPECT_EQ(ToString(c.path), "windows-registry-key:values[*].name");
}

TEST(PatternParse, InTakesASetOfAnyPrimitiveLiterals) {
  const Comparison c = OnlyComparison("[x:p IN ('a', 2, 3.5, true, h'ff')]");
  ASSERT_EQ(c.values.size(), 5U);
  EXPECT_EQ(std::get<std::string>(c.values[0]), "a");
  EXPECT_EQ(std::get<std::int64_t>(c.values[1]), 2);
  EXPECT_EQ(std::get<double>(c.values[2]), 3.5);
  EXPECT_TRUE(std::get<bool>(c.values[3]));
  EXPECT_EQ(std::get<Hex>(c.values[4]).bytes, "\xff");
  EXPECT_TRUE(OnlyComparison("[x:p IN ()]").values.empty());
}

// ---- Object paths ----

TEST(PatternParse, ObjectPathsWithExtensionsIndicesAndQuotedKeys) {
  const Comparison c =
      OnlyComparison("[file:extensions.'windows-pebinary-ext'.sections[*].entropy > 7.0]");
  const ObjectPath& path = c.path;
  EXPECT_EQ(path.object_type, "file");
  EXPECT_EQ(path.property, "extensions");
  ASSERT_EQ(path.steps.size(), 4U);
  EXPECT_EQ(path.steps[0].kind, PathStep::Kind::kKey);
  EXPECT_EQ(path.steps[0].key, "windows-pebinary-ext");
  EXPECT_EQ(path.steps[1].key, "sections");
  EXPECT_EQ(path.steps[2].kind, PathStep::Kind::kAnyIndex);
  EXPECT_EQ(path.steps[3].key, "entropy");
  EXPECT_EQ(ToString(path), "file:extensions.'windows-pebinary-ext'.sections[*].entropy");

  const ObjectPath ref = OnlyComparison("[network-traffic:dst_ref.value = 'x']").path;
  EXPECT_EQ(ref.object_type, "network-traffic");
  EXPECT_EQ(ref.property, "dst_ref");
  EXPECT_EQ(ToString(ref), "network-traffic:dst_ref.value");
}

TEST(PatternParse, ListIndicesMayBeNegativeAndKeysQuoted) {
  const ObjectPath path = OnlyComparison("[x:'first key'[2][-1].'AND'.plain = 1]").path;
  EXPECT_EQ(path.property, "first key");
  ASSERT_EQ(path.steps.size(), 4U);
  EXPECT_EQ(path.steps[0].kind, PathStep::Kind::kIndex);
  EXPECT_EQ(path.steps[0].index, 2);
  EXPECT_EQ(path.steps[1].index, -1);
  EXPECT_EQ(path.steps[2].key, "AND");
  // Keys that are not plain identifiers, or are keywords, stay quoted.
  EXPECT_EQ(ToString(path), "x:'first key'[2][-1].'AND'.plain");
  // A quoted key that needs no quotes loses them.
  EXPECT_EQ(ToString(OnlyComparison("[x:'name' = 1]").path), "x:name");
}

// ---- Literals ----

TEST(PatternParse, IntegerLiterals) {
  EXPECT_EQ(std::get<std::int64_t>(OnlyValue("[x:p = 0]")), 0);
  EXPECT_EQ(std::get<std::int64_t>(OnlyValue("[x:p = +42]")), 42);
  EXPECT_EQ(std::get<std::int64_t>(OnlyValue("[x:p = -42]")), -42);
  EXPECT_EQ(std::get<std::int64_t>(OnlyValue("[x:p = 9223372036854775807]")),
            std::numeric_limits<std::int64_t>::max());
  EXPECT_EQ(std::get<std::int64_t>(OnlyValue("[x:p = -9223372036854775808]")),
            std::numeric_limits<std::int64_t>::min());
  EXPECT_EQ(ToString(Parse("[x:p = +42]")), "[x:p = 42]");
}

TEST(PatternParse, FloatLiterals) {
  EXPECT_EQ(std::get<double>(OnlyValue("[x:p = 1.5]")), 1.5);
  EXPECT_EQ(std::get<double>(OnlyValue("[x:p = .25]")), 0.25);
  EXPECT_EQ(std::get<double>(OnlyValue("[x:p = -0.5]")), -0.5);
  EXPECT_EQ(std::get<double>(OnlyValue("[x:p = +007.0]")), 7.0);
  EXPECT_EQ(ToString(Parse("[x:p = +007.0]")), "[x:p = 7.0]");
  EXPECT_EQ(ToString(Parse("[x:p = .1]")), "[x:p = 0.1]");
  ExpectRoundTrip(Parse("[x:p = 123456789012345678901234567890.5]"));
  ExpectRoundTrip(Parse("[x:p = 0.000000000000000000000000000001]"));
}

TEST(PatternParse, BooleanLiterals) {
  EXPECT_TRUE(std::get<bool>(OnlyValue("[x:p = true]")));
  EXPECT_FALSE(std::get<bool>(OnlyValue("[x:p != false]")));
}

TEST(PatternParse, StringLiteralsUnescapeQuoteAndBackslashOnly) {
  EXPECT_EQ(std::get<std::string>(OnlyValue(R"([x:p = 'it\'s a \\ path'])")), "it's a \\ path");
  EXPECT_EQ(std::get<std::string>(OnlyValue("[x:p = '']")), "");
  EXPECT_EQ(std::get<std::string>(OnlyValue("[x:p = 'línea\nnueva \xE2\x9C\x93']")),
            "línea\nnueva \xE2\x9C\x93");
  EXPECT_EQ(ToString(Parse(R"([x:p = 'it\'s \\'])")), R"([x:p = 'it\'s \\'])");
}

TEST(PatternParse, BinaryLiteralsAreDecodedBase64) {
  EXPECT_EQ(std::get<Binary>(OnlyValue("[x:p = b'AQIDBA==']")).bytes, "\x01\x02\x03\x04");
  EXPECT_EQ(std::get<Binary>(OnlyValue("[x:p = b'TWFu']")).bytes, "Man");
  EXPECT_EQ(std::get<Binary>(OnlyValue("[x:p = b'TWE=']")).bytes, "Ma");
  EXPECT_EQ(ToString(Parse("[x:p = b'AQIDBA==']")), "[x:p = b'AQIDBA==']");
}

TEST(PatternParse, HexLiteralsAreDecodedAndPrintedLowercase) {
  EXPECT_EQ(std::get<Hex>(OnlyValue("[x:p = h'DEADbeef']")).bytes, "\xde\xad\xbe\xef");
  EXPECT_EQ(std::get<Hex>(OnlyValue("[x:p = h'']")).bytes, "");
  EXPECT_EQ(ToString(Parse("[x:p = h'DEADbeef']")), "[x:p = h'deadbeef']");
}

TEST(PatternParse, TimestampLiteralsKeepTheirTextAndInstant) {
  const auto ts = std::get<Timestamp>(OnlyValue("[x:p > t'2016-02-29T23:59:59.123456Z']"));
  EXPECT_EQ(ts.text, "2016-02-29T23:59:59.123456Z");
  EXPECT_EQ(ts.value, ParseRfc3339("2016-02-29T23:59:59.123456Z"));
}

TEST(PatternParse, WhitespaceAndCommentsAreSkipped) {
  const Pattern expected = Parse("[a:b = 1] AND [c:d = 2]");
  EXPECT_EQ(Parse("/* lead */[ a:b\t=\n1 ]//x\nAND[c:d=2]// end"), expected);
  // U+00A0 and U+3000 are whitespace in the grammar.
  EXPECT_EQ(Parse("[a:b\xC2\xA0=\xE3\x80\x80"
                  "1] AND [c:d = 2]"),
            expected);
}

TEST(PatternParse, LongChainsParseWithoutDeepRecursion) {
  std::string text = "[a:b = 0]";
  for (int i = 1; i < 3000; ++i) text += " AND [a:b = " + std::to_string(i) + "]";
  const Pattern p = Parse(text);
  EXPECT_EQ(p.expression.operands.size(), 3000U);
  EXPECT_EQ(ToString(p), text);
}

TEST(PatternParse, NestingUpToTheLimitIsAccepted) {
  // 63 parentheses and the bracket make 64 levels.
  const std::string text =
      std::string(kMaxPatternDepth - 1, '(') + "[a:b = 1]" + std::string(kMaxPatternDepth - 1, ')');
  EXPECT_EQ(Parse(text), Parse("[a:b = 1]"));
}

// ---- Printing ----

TEST(PatternPrint, ListComparisonsWalksInSourceOrder) {
  const Pattern p =
      Parse("([a:x = 1 OR (a:y = 2 AND a:z = 3)] FOLLOWEDBY [b:x = 4]) AND [EXISTS c:x]");
  const auto comparisons = ListComparisons(p);
  std::vector<std::string> paths;
  for (const Comparison* c : comparisons) paths.push_back(ToString(c->path));
  EXPECT_EQ(paths, (std::vector<std::string>{"a:x", "a:y", "a:z", "b:x", "c:x"}));
}

TEST(PatternPrint, LiteralsPrintInPatternSyntax) {
  EXPECT_EQ(ToString(Literal{std::string("a'b")}), R"('a\'b')");
  EXPECT_EQ(ToString(Literal{std::int64_t{-3}}), "-3");
  EXPECT_EQ(ToString(Literal{2.0}), "2.0");
  EXPECT_EQ(ToString(Literal{true}), "true");
  EXPECT_EQ(ToString(Literal{Binary{"M"}}), "b'TQ=='");
  EXPECT_EQ(ToString(Literal{Hex{"\x0a"}}), "h'0a'");
}

TEST(PatternPrint, CanonicalFormRoundTripsForMixedPatterns) {
  for (const std::string_view text : {
           "[a:b = 1] OR ([c:d = 2] FOLLOWEDBY [e:f = 3]) AND [g:h = 4]",
           "(([a:b = 1] OR [c:d = 2]) WITHIN 10.25 SECONDS FOLLOWEDBY [e:f = 3]) REPEATS 3 TIMES",
           "[x:p NOT IN ()] AND [x:q NOT LIKE '%\\'%']",
           "[(x:p = 1 OR x:q = 2) AND (x:r = 3 OR x:s = 4)]",
           "[x:p = t'2020-01-01T00:00:00Z'] START t'2020-01-01T00:00:00Z' STOP "
           "t'2020-01-02T00:00:00Z'",
       }) {
    ExpectRoundTrip(Parse(text));
  }
}

// ---- Invalid patterns ----

TEST(PatternReject, MissingClosingBracketNamesTheOffset) {
  EXPECT_EQ(ErrorOf("[file:name = 'x'"), "expected ']', found end of pattern at offset 17");
  EXPECT_EQ(ErrorOf("[file:name = 'x' [a:b = 1]"), "expected ']', found '[' at offset 18");
}

TEST(PatternReject, UnterminatedStringNamesWhereItStarts) {
  EXPECT_EQ(ErrorOf("[a:b = 'abc]"), "unterminated string starting at offset 8");
}

TEST(PatternReject, UnknownOperator) {
  EXPECT_EQ(ErrorOf("[a:b CONTAINS 'x']"), "unknown operator identifier 'CONTAINS' at offset 6");
  EXPECT_THAT(ErrorOf("[a:b ~ 'x']"), HasSubstr("unexpected '~' at offset 6"));
  EXPECT_THAT(ErrorOf("[a:b 'x']"), HasSubstr("expected a comparison operator"));
}

TEST(PatternReject, KeywordsAreCaseSensitive) {
  EXPECT_THAT(ErrorOf("[a:b = 1] and [c:d = 2]"), HasSubstr("after the pattern at offset 11"));
  EXPECT_THAT(ErrorOf("[a:b = TRUE]"), HasSubstr("expected a literal"));
}

TEST(PatternReject, InvalidEscapes) {
  EXPECT_EQ(ErrorOf(R"([a:b = 'a\nb'])"),
            "invalid escape in string (only \\' and \\\\ are allowed) at offset 10");
}

TEST(PatternReject, OperandOfTheWrongKind) {
  EXPECT_THAT(ErrorOf("[a:b < true]"), HasSubstr("boolean cannot be compared"));
  EXPECT_THAT(ErrorOf("[a:b LIKE 5]"), HasSubstr("LIKE needs a string literal"));
  EXPECT_THAT(ErrorOf("[a:b MATCHES h'00']"), HasSubstr("MATCHES needs a string literal"));
  EXPECT_THAT(ErrorOf("[a:b IN 'x']"), HasSubstr("IN needs a set"));
  EXPECT_THAT(ErrorOf("[a:b IN ('x',)]"), HasSubstr("expected a literal"));
  EXPECT_THAT(ErrorOf("[a:b IN ('x' 'y')]"), HasSubstr("expected ',' or ')' in set"));
  EXPECT_THAT(ErrorOf("[a:b IN (('x'))]"), HasSubstr("expected a literal"));
  EXPECT_THAT(ErrorOf("[NOT EXISTS a:b]"), HasSubstr("expected an object path"));
  EXPECT_THAT(ErrorOf("[a:b NOT EXISTS]"), HasSubstr("expected a comparison operator"));
}

TEST(PatternReject, MalformedTimestamps) {
  EXPECT_THAT(ErrorOf("[a:b = t'2016-02-30T00:00:00Z']"),
              HasSubstr("invalid timestamp (no such date"));
  EXPECT_THAT(ErrorOf("[a:b = t'2016-01-01 00:00:00Z']"), HasSubstr("invalid timestamp"));
  EXPECT_THAT(ErrorOf("[a:b = t'2016-01-01T00:00:00+01:00']"), HasSubstr("invalid timestamp"));
  EXPECT_THAT(ErrorOf("[a:b = t'2016-01-01T00:00:00.Z']"), HasSubstr("invalid timestamp"));
  EXPECT_THAT(ErrorOf("[a:b = t'2016-01-01T24:00:00Z']"), HasSubstr("invalid timestamp"));
  EXPECT_EQ(ErrorOf("[a:b = t'2016-01-01T00:00:00Z]"),
            "unterminated timestamp literal starting at offset 8");
}

TEST(PatternReject, InvalidQualifiers) {
  EXPECT_THAT(ErrorOf("[a:b = 1] WITHIN 0 SECONDS"), HasSubstr("more than 0 seconds"));
  EXPECT_THAT(ErrorOf("[a:b = 1] WITHIN -5 SECONDS"), HasSubstr("positive number of seconds"));
  EXPECT_THAT(ErrorOf("[a:b = 1] WITHIN 5 MINUTES"), HasSubstr("expected SECONDS"));
  EXPECT_THAT(ErrorOf("[a:b = 1] REPEATS 0 TIMES"), HasSubstr("at least 1 time"));
  EXPECT_THAT(ErrorOf("[a:b = 1] REPEATS 1.5 TIMES"), HasSubstr("positive integer"));
  EXPECT_THAT(ErrorOf("[a:b = 1] START '2016-01-01T00:00:00Z' STOP '2016-01-02T00:00:00Z'"),
              HasSubstr("expected a timestamp"));
  EXPECT_EQ(ErrorOf("[a:b = 1] START t'2016-01-02T00:00:00Z' STOP t'2016-01-01T00:00:00Z'"),
            "STOP must be later than START at offset 46");
  EXPECT_EQ(ErrorOf("[a:b = 1] WITHIN 5 SECONDS WITHIN 6 SECONDS"),
            "duplicate WITHIN qualifier at offset 28");
  EXPECT_THAT(ErrorOf("([a:b = 1] REPEATS 2 TIMES) REPEATS 3 TIMES"),
              HasSubstr("duplicate REPEATS"));
  EXPECT_THAT(ErrorOf("WITHIN 5 SECONDS [a:b = 1]"), HasSubstr("expected '[' or '('"));
}

TEST(PatternReject, MalformedBinaryAndHex) {
  EXPECT_THAT(ErrorOf("[a:b = h'abc']"), HasSubstr("odd number of digits"));
  EXPECT_THAT(ErrorOf("[a:b = h'zz']"), HasSubstr("not hex"));
  EXPECT_THAT(ErrorOf("[a:b = b'']"), HasSubstr("invalid base64"));
  EXPECT_THAT(ErrorOf("[a:b = b'AQI']"), HasSubstr("invalid base64"));
  EXPECT_THAT(ErrorOf("[a:b = b'A===']"), HasSubstr("invalid base64"));
  EXPECT_THAT(ErrorOf("[a:b = b'AQ=D']"), HasSubstr("invalid base64"));
}

TEST(PatternReject, MalformedNumbers) {
  EXPECT_THAT(ErrorOf("[a:b = 9223372036854775808]"), HasSubstr("integer literal out of range"));
  EXPECT_THAT(ErrorOf("[a:b = -9223372036854775809]"), HasSubstr("integer literal out of range"));
  EXPECT_THAT(ErrorOf("[a:b = 012]"), HasSubstr("leading zero"));
  EXPECT_THAT(ErrorOf("[a:b = 1.]"), HasSubstr("no digits after '.'"));
  EXPECT_THAT(ErrorOf("[a:b = 1" + std::string(400, '0') + ".0]"),
              HasSubstr("float literal out of range"));
  EXPECT_THAT(ErrorOf("[a:b = 1e5]"), HasSubstr("expected ']'"));
}

TEST(PatternReject, MalformedObjectPaths) {
  EXPECT_EQ(ErrorOf("[file:hash-es = 1]"),
            "property name 'hash-es' has a hyphen and must be quoted at offset 7");
  EXPECT_THAT(ErrorOf("[]"), HasSubstr("expected an object path"));
  EXPECT_THAT(ErrorOf("[file = 1]"), HasSubstr("expected ':' after the object type"));
  EXPECT_THAT(ErrorOf("[file:name.  = 1]"), HasSubstr("expected a property name"));
  EXPECT_THAT(ErrorOf("[file:names[x] = 1]"), HasSubstr("expected a list index or '*'"));
  EXPECT_THAT(ErrorOf("[file:names[1 = 1]"), HasSubstr("expected ']' after the list index"));
  EXPECT_THAT(ErrorOf("[AND:x = 1]"), HasSubstr("expected an object path"));
}

TEST(PatternReject, StructuralErrors) {
  EXPECT_THAT(ErrorOf(""), HasSubstr("found end of pattern at offset 1"));
  EXPECT_THAT(ErrorOf("file:name = 'x'"), HasSubstr("expected '[' or '('"));
  EXPECT_THAT(ErrorOf("[a:b = 1] x"), HasSubstr("unexpected identifier 'x' after the pattern"));
  EXPECT_THAT(ErrorOf("[a:b = 1] AND"), HasSubstr("found end of pattern"));
  EXPECT_THAT(ErrorOf("([a:b = 1]"), HasSubstr("expected ')'"));
  EXPECT_THAT(ErrorOf("[a:b = 1] /* open"),
              HasSubstr("unterminated comment starting at offset 11"));
  EXPECT_EQ(ErrorOf("[a:b = '\xC3']"), "invalid UTF-8 at offset 9");
}

TEST(PatternReject, InputLongerThanTheLimit) {
  std::string text = "[a:b = '" + std::string(kMaxPatternBytes, 'x') + "']";
  EXPECT_THAT(ErrorOf(text), HasSubstr("longer than 65536"));
}

TEST(PatternReject, NestingDeeperThanTheLimit) {
  const std::string deep_observation =
      std::string(kMaxPatternDepth, '(') + "[a:b = 1]" + std::string(kMaxPatternDepth, ')');
  EXPECT_EQ(ErrorOf(deep_observation), "nesting deeper than 64 at offset 65");
  const std::string deep_comparison = "[" + std::string(kMaxPatternDepth, '(') + "a:b = 1" +
                                      std::string(kMaxPatternDepth, ')') + "]";
  EXPECT_THAT(ErrorOf(deep_comparison), HasSubstr("nesting deeper than 64"));
  // Far deeper input fails the same way instead of exhausting the stack.
  EXPECT_THAT(ErrorOf(std::string(60000, '(')), HasSubstr("nesting deeper than 64"));
}

// ---- The shared STIX bundles ----

std::filesystem::path SharedDir() {
  if (const char* dir = std::getenv("CADUCEUS_SHARED_DIR"); dir != nullptr && *dir != '\0') {
    return dir;
  }
  if (const char* source = std::getenv("CADUCEUS_SOURCE_DIR"); source != nullptr) {
    return std::filesystem::path(source) / ".." / "shared";
  }
  return {};
}

// Every `pattern` of an indicator whose pattern_type is stix (or absent), anywhere in `value`.
void CollectPatterns(const boost::json::value& value, std::vector<std::string>& out) {
  if (const auto* object = value.if_object()) {
    const auto* type = object->if_contains("type");
    const auto* pattern = object->if_contains("pattern");
    const auto* pattern_type = object->if_contains("pattern_type");
    if (type != nullptr && type->is_string() && type->as_string() == "indicator" &&
        pattern != nullptr && pattern->is_string() &&
        (pattern_type == nullptr ||
         (pattern_type->is_string() && pattern_type->as_string() == "stix"))) {
      out.emplace_back(pattern->as_string());
    }
    for (const auto& entry : *object) CollectPatterns(entry.value(), out);
  } else if (const auto* array = value.if_array()) {
    for (const auto& element : *array) CollectPatterns(element, out);
  }
}

TEST(PatternSharedBundles, EveryIndicatorPatternParsesAndRoundTrips) {
  const std::filesystem::path dir = SharedDir() / "data" / "stix";
  std::error_code ec;
  if (SharedDir().empty() || !std::filesystem::is_directory(dir, ec)) {
    GTEST_SKIP() << "no STIX bundles at " << dir
                 << " (set CADUCEUS_SHARED_DIR to the shared/ directory)";
  }
  std::size_t checked = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file() || entry.path().extension() != ".json") continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream buffer;
    buffer << in.rdbuf();
    boost::system::error_code parse_error;
    const boost::json::value json = boost::json::parse(buffer.str(), parse_error);
    ASSERT_FALSE(parse_error) << entry.path() << ": " << parse_error.message();
    std::vector<std::string> patterns;
    CollectPatterns(json, patterns);
    for (const std::string& text : patterns) {
      const auto parsed = ParsePattern(text);
      ASSERT_TRUE(parsed.has_value())
          << entry.path() << ": " << text << ": " << parsed.error().message;
      ExpectRoundTrip(*parsed);
      EXPECT_FALSE(ListComparisons(*parsed).empty()) << text;
      ++checked;
    }
  }
  EXPECT_GT(checked, 0U) << "no indicator patterns under " << dir;
}

}  // namespace
}  // namespace caduceus::intel
