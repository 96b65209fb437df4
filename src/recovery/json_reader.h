// Strict JSON reading for the recovery module's files and request bodies (internal to the
// module; the agent uses it through the public parsers). Free of the HTTP layer so the agent and
// the fuzz targets link only the identification library.
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

namespace caduceus::recovery {

// core/json.h's ParseStrictJson with its refusal as Error::Invalid.
Result<boost::json::value> ParseJson(std::string_view text, std::size_t max_depth);

// Reads the members of one object. Every getter marks its key as read and records the first
// problem (Error::Invalid whose field is `prefix` + key); Finish() reports it, or the first member
// nobody read. A JSON null counts as absent. Lengths are in bytes; strings must be valid UTF-8
// (boost::json guarantees it) without control characters other than tab and line breaks, which
// only multi-line strings may hold. Holds a reference to the object. Not thread-safe.
class ObjectReader {
 public:
  ObjectReader(const boost::json::object& object, std::string prefix)
      : object_(object), prefix_(std::move(prefix)) {}

  std::optional<std::string> String(std::string_view key,
                                    std::size_t max_len,
                                    bool required,
                                    bool multiline = false);
  // Any string without a character check (note texts, which may hold anything decodable).
  std::optional<std::string> Text(std::string_view key, std::size_t max_len, bool required);
  std::optional<std::int64_t> Int(std::string_view key,
                                  std::int64_t min,
                                  std::int64_t max,
                                  bool required);
  std::optional<std::vector<std::string>> StringList(std::string_view key,
                                                     std::size_t max_items,
                                                     std::size_t max_len,
                                                     bool required);
  // The member's value (any type), or null when absent.
  const boost::json::value* Raw(std::string_view key);
  // Records a problem found by the caller about `key`.
  void Fail(std::string_view key, std::string message);
  bool ok() const { return !error_.has_value(); }
  Status Finish() const;

 private:
  const boost::json::value* Lookup(std::string_view key, bool required);

  const boost::json::object& object_;
  std::string prefix_;
  std::set<std::string, std::less<>> read_;
  std::optional<Error> error_;
};

// Whether `text` is free of control characters (C0 other than tab/LF/CR when multi-line is
// allowed, DEL, C1).
bool CleanText(std::string_view text, bool multiline);

}  // namespace caduceus::recovery
