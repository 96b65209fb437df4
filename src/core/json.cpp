#include "core/json.h"

#include <cstdint>
#include <unordered_set>
#include <utility>
#include <vector>

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/value_stack.hpp>
#include <fmt/format.h>

#include "core/text.h"

namespace caduceus {
namespace {

namespace json = boost::json;

constexpr std::size_t kMaxKeyInMessage = 64;

// Builds the value as boost::json::parser does, and additionally fails on a duplicate key,
// remembering the key and the JSON pointer of its second occurrence.
class StrictHandler {
 public:
  static constexpr std::size_t max_array_size = static_cast<std::size_t>(-1);
  static constexpr std::size_t max_object_size = static_cast<std::size_t>(-1);
  static constexpr std::size_t max_string_size = static_cast<std::size_t>(-1);
  static constexpr std::size_t max_key_size = static_cast<std::size_t>(-1);

  explicit StrictHandler(json::storage_ptr storage) : storage_(std::move(storage)) {}

  bool on_document_begin(json::error_code&) {
    stack_.reset(storage_);
    return true;
  }
  bool on_document_end(json::error_code&) { return true; }
  bool on_array_begin(json::error_code&) {
    Element();
    frames_.push_back({true, 0, {}, {}});
    return true;
  }
  bool on_array_end(std::size_t n, json::error_code&) {
    frames_.pop_back();
    stack_.push_array(n);
    return true;
  }
  bool on_object_begin(json::error_code&) {
    Element();
    frames_.push_back({false, 0, {}, {}});
    return true;
  }
  bool on_object_end(std::size_t n, json::error_code&) {
    frames_.pop_back();
    stack_.push_object(n);
    return true;
  }
  bool on_string_part(json::string_view s, std::size_t, json::error_code&) {
    stack_.push_chars(s);
    return true;
  }
  bool on_string(json::string_view s, std::size_t, json::error_code&) {
    Element();
    stack_.push_string(s);
    return true;
  }
  bool on_key_part(json::string_view s, std::size_t, json::error_code&) {
    key_.append(s.data(), s.size());
    stack_.push_chars(s);
    return true;
  }
  bool on_key(json::string_view s, std::size_t, json::error_code& ec) {
    key_.append(s.data(), s.size());
    Frame& frame = frames_.back();
    const bool first = frame.keys.insert(key_).second;
    frame.key = std::move(key_);
    key_.clear();
    if (!first) {
      duplicate_ = true;
      ec = json::make_error_code(json::error::syntax);
      return false;
    }
    stack_.push_key(s);
    return true;
  }
  bool on_number_part(json::string_view, json::error_code&) { return true; }
  bool on_int64(std::int64_t i, json::string_view, json::error_code&) {
    Element();
    stack_.push_int64(i);
    return true;
  }
  bool on_uint64(std::uint64_t u, json::string_view, json::error_code&) {
    Element();
    stack_.push_uint64(u);
    return true;
  }
  bool on_double(double d, json::string_view, json::error_code&) {
    Element();
    stack_.push_double(d);
    return true;
  }
  bool on_bool(bool b, json::error_code&) {
    Element();
    stack_.push_bool(b);
    return true;
  }
  bool on_null(json::error_code&) {
    Element();
    stack_.push_null();
    return true;
  }
  bool on_comment_part(json::string_view, json::error_code&) { return true; }
  bool on_comment(json::string_view, json::error_code&) { return true; }

  json::value Release() { return stack_.release(); }
  bool duplicate() const { return duplicate_; }
  // After a duplicate: the repeated key.
  const std::string& last_key() const { return frames_.back().key; }

  // The JSON pointer of the value being parsed.
  std::string Pointer() const {
    std::string out;
    for (const Frame& f : frames_) {
      out = f.array ? JsonPointerChild(out, f.count - 1) : JsonPointerChild(out, f.key);
    }
    return out;
  }

 private:
  struct Frame {
    bool array = false;
    std::size_t count = 0;  // arrays: elements begun so far
    std::string key;        // objects: the current key
    std::unordered_set<std::string> keys;
  };

  // A value begins: inside an array it is the next element.
  void Element() {
    if (!frames_.empty() && frames_.back().array) ++frames_.back().count;
  }

  json::storage_ptr storage_;
  json::value_stack stack_;
  std::vector<Frame> frames_;
  std::string key_;
  bool duplicate_ = false;
};

StrictJsonError Refusal(StrictJsonError::Kind kind, std::size_t offset, std::string message) {
  return {kind, offset, std::move(message), {}, {}};
}

}  // namespace

boost::system::result<json::value, StrictJsonError> ParseStrictJson(std::string_view text,
                                                                    std::size_t max_depth,
                                                                    json::storage_ptr storage) {
  using Kind = StrictJsonError::Kind;
  if (const auto bad = FirstInvalidUtf8(text)) {
    return Refusal(Kind::kInvalidUtf8, *bad,
                   fmt::format("the document is not valid UTF-8 (byte {})", *bad));
  }
  json::parse_options options;
  options.max_depth = max_depth;
  json::basic_parser<StrictHandler> parser(options, std::move(storage));
  json::error_code ec;
  const std::size_t offset = parser.write_some(false, text.data(), text.size(), ec);
  if (parser.handler().duplicate()) {
    const std::string& key = parser.handler().last_key();
    return StrictJsonError{
        Kind::kDuplicateKey, offset,
        fmt::format("duplicate member '{}'", SanitizeUtf8(TruncateUtf8(key, kMaxKeyInMessage))),
        key, parser.handler().Pointer()};
  }
  if (ec == json::error::too_deep) {
    return Refusal(Kind::kTooDeep, offset,
                   fmt::format("the document nests deeper than {} levels", max_depth));
  }
  if (ec) {
    return Refusal(Kind::kMalformed, offset,
                   fmt::format("malformed JSON at byte {}: {}", offset, ec.message()));
  }
  if (offset != text.size()) {
    return Refusal(Kind::kMalformed, offset,
                   fmt::format("malformed JSON at byte {}: data after the JSON value", offset));
  }
  return parser.handler().Release();
}

std::string JsonPointerChild(std::string_view pointer, std::string_view key) {
  std::string out(pointer);
  out.reserve(out.size() + key.size() + 1);
  out += '/';
  for (const char c : key) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

std::string JsonPointerChild(std::string_view pointer, std::size_t index) {
  return fmt::format("{}/{}", pointer, index);
}

}  // namespace caduceus
