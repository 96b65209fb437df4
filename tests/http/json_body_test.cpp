// ParseJsonObject and FieldReader: every rejection path and the happy paths.
#include "http/json_body.h"

#include <functional>
#include <string>

#include <gtest/gtest.h>

namespace caduceus::http {
namespace {

std::string ErrorOf(std::string_view body, std::size_t depth = 32) {
  const auto r = ParseJsonObject(body, depth);
  EXPECT_FALSE(r.has_value()) << body;
  if (r.has_value()) return {};
  EXPECT_EQ(r.error().code, Errc::kInvalidArgument);
  return r.error().message;
}

TEST(ParseJsonObjectTest, ParsesAnObject) {
  const auto r = ParseJsonObject(R"({"a": 1, "b": [true, null], "c": {"d": "e"}})");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->at("a").as_int64(), 1);
  EXPECT_EQ(r->at("c").as_object().at("d").as_string(), "e");
}

TEST(ParseJsonObjectTest, RejectsEmptyBody) { EXPECT_EQ(ErrorOf(""), "request body is empty"); }

TEST(ParseJsonObjectTest, RejectsInvalidUtf8WithOffset) {
  EXPECT_EQ(ErrorOf("{\"a\": \"\xC3\x28\"}"), "request body is not valid UTF-8 (byte 7)");
  EXPECT_NE(ErrorOf("{\"a\": \"\xED\xA0\x80\"}").find("UTF-8"), std::string::npos);
}

TEST(ParseJsonObjectTest, RejectsMalformedJsonWithOffset) {
  const std::string message = ErrorOf(R"({"a": 1,, "b": 2})");
  EXPECT_EQ(message.rfind("malformed JSON at byte 8:", 0), 0u) << message;
  EXPECT_EQ(ErrorOf(R"({"a": 1)").rfind("malformed JSON", 0), 0u);
  EXPECT_EQ(ErrorOf(R"({"a": 1} x)").rfind("malformed JSON", 0), 0u);
  EXPECT_EQ(ErrorOf(R"({"a": 1,})").rfind("malformed JSON", 0), 0u);
  EXPECT_EQ(ErrorOf("{/*c*/}").rfind("malformed JSON", 0), 0u);
  EXPECT_EQ(ErrorOf(R"({"a": "\ud800"})").rfind("malformed JSON", 0), 0u);
}

TEST(ParseJsonObjectTest, RejectsNonObjectTopLevel) {
  for (const char* body : {"[]", "1", "\"s\"", "null", "true"}) {
    EXPECT_EQ(ErrorOf(body), "JSON body must be an object") << body;
  }
}

TEST(ParseJsonObjectTest, RejectsDepthOverLimit) {
  EXPECT_TRUE(ParseJsonObject(R"({"a": {"b": [1]}})", 3).has_value());
  EXPECT_EQ(ErrorOf(R"({"a": {"b": [[1]]}})", 3), "JSON body nests deeper than 3 levels");
  const std::string deep = std::string(1000, '[') + std::string(1000, ']');
  EXPECT_EQ(ErrorOf("{\"a\":" + deep + "}"), "JSON body nests deeper than 32 levels");
}

TEST(ParseJsonObjectTest, RejectsDuplicateKeysAtAnyLevel) {
  const auto top = ParseJsonObject(R"({"role": "user", "role": "admin"})");
  ASSERT_FALSE(top.has_value());
  EXPECT_EQ(top.error().message, "duplicate key 'role' in JSON body");
  EXPECT_EQ(top.error().field, "role");
  EXPECT_EQ(ErrorOf(R"({"a": [{"x": 1, "x": 2}]})"), "duplicate key 'x' in JSON body");
  EXPECT_EQ(ErrorOf(R"({"\u0061": 1, "a": 2})"), "duplicate key 'a' in JSON body");
  EXPECT_TRUE(ParseJsonObject(R"({"a": {"x": 1}, "b": {"x": 1}})").has_value());
}

boost::json::object Parse(std::string_view body) { return ParseJsonObject(body).value(); }

TEST(FieldReaderTest, ReadsTypedFieldsAndFinishes) {
  const auto obj = Parse(
      R"({"name": "Ward 7\tNorth", "limit": 50, "active": false, "tags": ["a", "b"],
          "extra": {"k": 1}})");
  FieldReader r(obj);
  EXPECT_EQ(r.String("name", 100), "Ward 7\tNorth");
  EXPECT_EQ(r.Int("limit", 1, 100), 50);
  EXPECT_EQ(r.Bool("active"), false);
  EXPECT_EQ(r.StringArray("tags", 5, 10), (std::vector<std::string>{"a", "b"}));
  const boost::json::value* extra = r.Raw("extra");
  ASSERT_NE(extra, nullptr);
  EXPECT_TRUE(extra->is_object());
  EXPECT_TRUE(r.Finish().has_value());
}

TEST(FieldReaderTest, OptionalFieldsMayBeAbsentOrNull) {
  const auto obj = Parse(R"({"a": null})");
  FieldReader r(obj);
  EXPECT_FALSE(r.String("a", 10, false).has_value());
  EXPECT_FALSE(r.Int("b", 0, 1, false).has_value());
  EXPECT_FALSE(r.Bool("c", false).has_value());
  EXPECT_FALSE(r.StringArray("d", 1, 1, false).has_value());
  EXPECT_EQ(r.Raw("e"), nullptr);
  EXPECT_TRUE(r.Finish().has_value());
}

Error FinishError(FieldReader& r) {
  const Status s = r.Finish();
  EXPECT_FALSE(s.has_value());
  return s.has_value() ? Error{} : s.error();
}

TEST(FieldReaderTest, MissingRequiredFieldNamesIt) {
  const auto obj = Parse(R"({"b": null})");
  FieldReader r(obj);
  EXPECT_FALSE(r.String("a", 10).has_value());
  const Error e = FinishError(r);
  EXPECT_EQ(e.message, "field 'a' is required");
  EXPECT_EQ(e.field, "a");
  FieldReader nulls(obj);
  EXPECT_FALSE(nulls.Int("b", 0, 1).has_value());
  EXPECT_EQ(FinishError(nulls).message, "field 'b' is required");
  FieldReader raw(obj);
  EXPECT_EQ(raw.Raw("zz", true), nullptr);
  raw.Raw("b");
  EXPECT_EQ(FinishError(raw).field, "zz");
}

TEST(FieldReaderTest, WrongTypesAreReported) {
  const auto obj =
      Parse(R"({"s": 1, "i": "1", "f": 1.0, "b": "true", "arr": "x", "mixed": ["a", 1]})");
  const std::pair<std::string, std::function<void(FieldReader&)>> cases[] = {
      {"field 's' must be a string", [](FieldReader& r) { r.String("s", 10); }},
      {"field 'i' must be an integer", [](FieldReader& r) { r.Int("i", 0, 10); }},
      {"field 'f' must be an integer", [](FieldReader& r) { r.Int("f", 0, 10); }},
      {"field 'b' must be true or false", [](FieldReader& r) { r.Bool("b"); }},
      {"field 'arr' must be an array of strings",
       [](FieldReader& r) { r.StringArray("arr", 5, 5); }},
      {"field 'mixed' must be an array of strings",
       [](FieldReader& r) { r.StringArray("mixed", 5, 5); }},
  };
  for (const auto& [message, read] : cases) {
    FieldReader r(obj);
    read(r);
    EXPECT_EQ(FinishError(r).message, message);
  }
}

TEST(FieldReaderTest, BoundsAreEnforced) {
  const auto obj = Parse(
      R"({"s": "abcdef", "lo": -1, "hi": 11, "huge": 18446744073709551615, "many": ["a","b","c"],
          "long": ["ok", "toolong"]})");
  const std::pair<std::string, std::function<void(FieldReader&)>> cases[] = {
      {"field 's' is longer than 5 bytes", [](FieldReader& r) { r.String("s", 5); }},
      {"field 'lo' must be between 0 and 10", [](FieldReader& r) { r.Int("lo", 0, 10); }},
      {"field 'hi' must be between 0 and 10", [](FieldReader& r) { r.Int("hi", 0, 10); }},
      {"field 'huge' must be between 0 and 10", [](FieldReader& r) { r.Int("huge", 0, 10); }},
      {"field 'many' has more than 2 items", [](FieldReader& r) { r.StringArray("many", 2, 5); }},
      {"field 'long' is longer than 5 bytes", [](FieldReader& r) { r.StringArray("long", 5, 5); }},
  };
  for (const auto& [message, read] : cases) {
    FieldReader r(obj);
    read(r);
    EXPECT_EQ(FinishError(r).message, message);
  }
  FieldReader exact(obj);
  EXPECT_EQ(exact.String("s", 6), "abcdef");
  EXPECT_EQ(exact.Int("hi", 11, 11), 11);
}

TEST(FieldReaderTest, StringsRejectControlCharactersButAllowTabNewlineReturn) {
  const auto obj = Parse(
      R"({"ok": "a\tb\nc\rd", "nul": "a\u0000b", "bell": "\u0007", "del": "\u007f",
          "c1": "x\u0085", "arr": ["fine", "\u001b[31m"]})");
  FieldReader ok(obj);
  EXPECT_EQ(ok.String("ok", 20), "a\tb\nc\rd");
  const std::pair<std::string, std::function<void(FieldReader&)>> cases[] = {
      {"field 'nul' contains control character U+0000", [](FieldReader& r) { r.String("nul", 9); }},
      {"field 'bell' contains control character U+0007",
       [](FieldReader& r) { r.String("bell", 9); }},
      {"field 'del' contains control character U+007F", [](FieldReader& r) { r.String("del", 9); }},
      {"field 'c1' contains control character U+0085", [](FieldReader& r) { r.String("c1", 9); }},
      {"field 'arr' contains control character U+001B",
       [](FieldReader& r) { r.StringArray("arr", 5, 9); }},
  };
  for (const auto& [message, read] : cases) {
    FieldReader r(obj);
    read(r);
    const Error e = FinishError(r);
    EXPECT_EQ(e.message, message);
  }
}

TEST(FieldReaderTest, AcceptsMultiByteUtf8) {
  const auto obj = Parse("{\"name\": \"Kranken\xC3\xA4us \xF0\x9F\x8F\xA5\"}");
  FieldReader r(obj);
  EXPECT_EQ(r.String("name", 100), "Kranken\xC3\xA4us \xF0\x9F\x8F\xA5");
  EXPECT_TRUE(r.Finish().has_value());
}

TEST(FieldReaderTest, UnknownFieldIsAnError) {
  const auto obj = Parse(R"({"name": "x", "is_admin": true})");
  FieldReader r(obj);
  EXPECT_EQ(r.String("name", 10), "x");
  const Error e = FinishError(r);
  EXPECT_EQ(e.message, "unknown field 'is_admin'");
  EXPECT_EQ(e.field, "is_admin");
}

TEST(FieldReaderTest, FirstProblemWinsOverLaterOnesAndUnknownFields) {
  const auto obj = Parse(R"({"a": 1, "b": 2, "zzz": 3})");
  FieldReader r(obj);
  r.String("a", 10);
  r.String("b", 10);
  const Error e = FinishError(r);
  EXPECT_EQ(e.field, "a");
}

TEST(FieldReaderTest, LongUnknownKeyIsCutInTheMessage) {
  const std::string key(500, 'k');
  const auto obj = Parse("{\"" + key + "\": 1}");
  FieldReader r(obj);
  const Error e = FinishError(r);
  EXPECT_EQ(e.field, std::string(64, 'k'));
  EXPECT_EQ(e.message, "unknown field '" + std::string(64, 'k') + "'");
}

}  // namespace
}  // namespace caduceus::http
