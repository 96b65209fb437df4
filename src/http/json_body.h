// The JSON request-body layer every API handler uses: strict parsing of an object body and a
// reader that pulls typed, bounded fields out of it and rejects fields nobody asked for.
//
// Failures are Error::Invalid values (src/core/error.h) whose message is safe to show to the
// client; FieldReader errors carry Error::field = the key at fault (cut to 64 bytes).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "core/error.h"

namespace caduceus::http {

// Parses `body` as one JSON object. Fails for an empty body, invalid UTF-8 (with the byte
// offset), malformed JSON (with the byte offset), a top level that is not an object, nesting
// deeper than max_depth, and duplicate keys in any object. Comments and trailing commas are not
// JSON and are rejected.
Result<boost::json::object> ParseJsonObject(std::string_view body, std::size_t max_depth = 32);

// Reads the fields of one JSON object. Each getter marks the key as read, returns the value when
// it is present and valid, and otherwise returns nullopt and records the problem if it is the
// first one. A JSON null counts as absent. `max_len` bounds strings in bytes. Strings must be
// valid UTF-8 and free of control characters other than tab, line feed and carriage return
// (C0, DEL and C1 are rejected).
//
// Typical use:
//   FieldReader r(object);
//   auto name = r.String("name", 200);
//   auto limit = r.Int("limit", 1, 1000, /*required=*/false);
//   if (auto s = r.Finish(); !s) return s.error();
//
// Holds a reference to `object`, which must outlive the reader. Not thread-safe.
class FieldReader {
 public:
  explicit FieldReader(const boost::json::object& object) : object_(object) {}

  std::optional<std::string> String(std::string_view key,
                                    std::size_t max_len,
                                    bool required = true);
  // Accepts JSON integers only (5.0 is not an integer here); inclusive bounds.
  std::optional<std::int64_t> Int(std::string_view key,
                                  std::int64_t min,
                                  std::int64_t max,
                                  bool required = true);
  std::optional<bool> Bool(std::string_view key, bool required = true);
  // An array of at most max_items strings, each checked as String() checks.
  std::optional<std::vector<std::string>> StringArray(std::string_view key,
                                                      std::size_t max_items,
                                                      std::size_t max_len,
                                                      bool required = true);
  // Any value, null included, or nullptr when the key is absent (an error only if required).
  // The pointer refers into the object.
  const boost::json::value* Raw(std::string_view key, bool required = false);

  // The first recorded problem; otherwise "unknown field 'x'" for the first key (in object
  // order) that no getter read; otherwise success.
  Status Finish() const;

 private:
  // Marks `key` read and returns its value; records "required" and returns nullptr when the field
  // is required and absent or null.
  const boost::json::value* Lookup(std::string_view key, bool required);
  void Fail(std::string_view key, std::string message);
  // Checks a string value's length and characters; records the first failure.
  bool CheckString(std::string_view key, std::string_view value, std::size_t max_len);

  const boost::json::object& object_;
  std::set<std::string, std::less<>> read_;
  std::optional<Error> error_;
};

}  // namespace caduceus::http
