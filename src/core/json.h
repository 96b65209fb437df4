// Strict JSON parsing and RFC 6901 JSON pointers, shared by every module that reads JSON from
// outside (request bodies, framework and catalogue files, CSAF advisories). Pure functions;
// thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <boost/json/storage_ptr.hpp>
#include <boost/json/value.hpp>
#include <boost/system/result.hpp>

namespace caduceus {

// Why ParseStrictJson refused a text. `message` is safe to show to a client and reads on its
// own; kind, offset, key and pointer let a caller word its own message instead.
struct StrictJsonError {
  enum class Kind { kInvalidUtf8, kTooDeep, kMalformed, kDuplicateKey };

  Kind kind = Kind::kMalformed;
  // kInvalidUtf8: the first byte that is not well-formed UTF-8; otherwise where parsing stopped.
  std::size_t offset = 0;
  // "the document is not valid UTF-8 (byte 7)", "the document nests deeper than 16 levels",
  // "malformed JSON at byte 8: <reason>", "duplicate member 'role'" (the key cut to 64 bytes).
  std::string message;
  // kDuplicateKey only: the repeated key as decoded (unbounded; may hold control characters)
  // and the JSON pointer of its second occurrence ("/a/0/role").
  std::string key;
  std::string pointer;
};

// Parses `text` as one JSON value (RFC 8259): valid UTF-8 throughout, no comments, no trailing
// commas, nothing but whitespace after the value, arrays and objects nested at most `max_depth`
// deep, and no key twice in one object (Boost.JSON would keep the last silently, so two readers
// could see different values). The value's memory comes from `storage`; a caller passing a
// resource must keep it alive as long as the value.
boost::system::result<boost::json::value, StrictJsonError> ParseStrictJson(
    std::string_view text, std::size_t max_depth, boost::json::storage_ptr storage = {});

// The RFC 6901 pointer to member `key` of the value at `pointer` ("" is the whole document):
// "~" is written "~0" and "/" is written "~1".
std::string JsonPointerChild(std::string_view pointer, std::string_view key);
// The RFC 6901 pointer to element `index` of the array at `pointer`.
std::string JsonPointerChild(std::string_view pointer, std::size_t index);

}  // namespace caduceus
