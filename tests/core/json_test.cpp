// ParseStrictJson against what Boost.JSON accepts and what it must not, and RFC 6901 pointers.
#include "core/json.h"

#include <string>
#include <string_view>

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

namespace caduceus {
namespace {

using Kind = StrictJsonError::Kind;

StrictJsonError Refused(std::string_view text, std::size_t max_depth = 32) {
  auto parsed = ParseStrictJson(text, max_depth);
  EXPECT_FALSE(parsed.has_value()) << text;
  return parsed.has_value() ? StrictJsonError{} : parsed.error();
}

TEST(ParseStrictJsonTest, BuildsTheSameValueAsBoostJson) {
  const std::string text =
      R"({"s": "a\u00e9\"b", "i": -3, "u": 18446744073709551615, "d": 1.5e3, "t": true,
          "n": null, "a": [1, [2, {"k": "v"}], {}], "o": {"p": {"q": []}}})";
  const auto parsed = ParseStrictJson(text, 8);
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(*parsed, boost::json::parse(text));
}

TEST(ParseStrictJsonTest, AcceptsAnyTopLevelValue) {
  for (std::string_view text : {"1", "\"s\"", "null", "[]", " {} "}) {
    EXPECT_TRUE(ParseStrictJson(text, 1).has_value()) << text;
  }
}

TEST(ParseStrictJsonTest, RejectsInvalidUtf8WithTheOffsetOfTheFirstBadByte) {
  const auto error = Refused("{\"a\": \"\xC3\x28\"}");
  EXPECT_EQ(error.kind, Kind::kInvalidUtf8);
  EXPECT_EQ(error.offset, 7u);
  EXPECT_EQ(error.message, "the document is not valid UTF-8 (byte 7)");
  EXPECT_EQ(Refused("[\"\xED\xA0\x80\"]").kind, Kind::kInvalidUtf8);  // an encoded surrogate
}

TEST(ParseStrictJsonTest, RejectsWhatRfc8259DoesNotAllow) {
  for (std::string_view text : {"", "{\"a\": 1", "{\"a\": 1,}", "[1,]", "{/*c*/}", "// c\n1",
                                "{'a': 1}", "[\"\\ud800\"]", "NaN", "01"}) {
    const auto error = Refused(text);
    EXPECT_EQ(error.kind, Kind::kMalformed) << text;
    EXPECT_EQ(error.message.rfind("malformed JSON at byte ", 0), 0u) << error.message;
  }
}

TEST(ParseStrictJsonTest, NamesTheOffsetOfMalformedJson) {
  const auto error = Refused(R"({"a": 1,, "b": 2})");
  EXPECT_EQ(error.offset, 8u);
  EXPECT_EQ(error.message.rfind("malformed JSON at byte 8: ", 0), 0u) << error.message;
}

TEST(ParseStrictJsonTest, RejectsDataAfterTheValue) {
  const auto error = Refused("{} x");
  EXPECT_EQ(error.kind, Kind::kMalformed);
  EXPECT_EQ(error.message, "malformed JSON at byte 3: data after the JSON value");
  EXPECT_EQ(Refused("1 2").kind, Kind::kMalformed);
}

TEST(ParseStrictJsonTest, AcceptsNestingUpToMaxDepthAndNoDeeper) {
  EXPECT_TRUE(ParseStrictJson(R"({"a": [{"b": 1}]})", 3).has_value());
  const auto error = Refused(R"({"a": [{"b": []}]})", 3);
  EXPECT_EQ(error.kind, Kind::kTooDeep);
  EXPECT_EQ(error.message, "the document nests deeper than 3 levels");
  EXPECT_EQ(Refused(std::string(100000, '['), 64).kind, Kind::kTooDeep);
}

TEST(ParseStrictJsonTest, RejectsADuplicateKeyNamingTheSecondOccurrence) {
  const auto top = Refused(R"({"role": "user", "role": "admin"})");
  EXPECT_EQ(top.kind, Kind::kDuplicateKey);
  EXPECT_EQ(top.key, "role");
  EXPECT_EQ(top.pointer, "/role");
  EXPECT_EQ(top.message, "duplicate member 'role'");

  const auto nested = Refused(R"({"a": [0, {"x": 1}, {"y": [], "x": 1, "x": 2}]})");
  EXPECT_EQ(nested.key, "x");
  EXPECT_EQ(nested.pointer, "/a/2/x");
}

TEST(ParseStrictJsonTest, ComparesKeysAfterDecodingEscapes) {
  const auto error = Refused(R"({"\u0061/~": 1, "a/~": 2})");
  EXPECT_EQ(error.key, "a/~");
  EXPECT_EQ(error.pointer, "/a~1~0");
}

TEST(ParseStrictJsonTest, DetectsADuplicateOfAKeyDeliveredInParts) {
  std::string key = "k";  // plain bytes, then more escapes than Boost.JSON buffers at once
  for (int i = 0; i < 5000; ++i) key += "\\n";
  const auto error = Refused("{\"" + key + "\": 1, \"" + key + "\": 2}");
  EXPECT_EQ(error.kind, Kind::kDuplicateKey);
  EXPECT_EQ(error.key, "k" + std::string(5000, '\n'));
  EXPECT_EQ(error.message.size(), std::string("duplicate member ''").size() + 64);
}

TEST(ParseStrictJsonTest, AllowsTheSameKeyInDifferentObjects) {
  EXPECT_TRUE(ParseStrictJson(R"({"a": {"x": 1}, "b": {"x": 1}, "c": [{"x": 1}, {"x": 2}]})", 4)
                  .has_value());
}

TEST(ParseStrictJsonTest, AllocatesTheValueFromTheGivenStorage) {
  boost::json::monotonic_resource resource;
  const boost::json::storage_ptr storage(&resource);
  const auto parsed = ParseStrictJson(R"({"a": ["b"]})", 4, storage);
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->storage().get(), &resource);
  EXPECT_EQ(parsed->at("a").storage().get(), &resource);
}

TEST(JsonPointerChildTest, EscapesTildeAndSlashPerRfc6901) {
  EXPECT_EQ(JsonPointerChild("", "a/b~c"), "/a~1b~0c");
  EXPECT_EQ(JsonPointerChild("/x", "~1"), "/x/~01");
  EXPECT_EQ(JsonPointerChild("", ""), "/");
  EXPECT_EQ(JsonPointerChild("/x", "é"), "/x/é");
}

TEST(JsonPointerChildTest, AppendsAnArrayIndexInDecimal) {
  EXPECT_EQ(JsonPointerChild("", std::size_t{0}), "/0");
  EXPECT_EQ(JsonPointerChild("/a~1b", std::size_t{12}), "/a~1b/12");
}

}  // namespace
}  // namespace caduceus
