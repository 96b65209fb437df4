#include "http/json_body.h"

#include <unordered_set>

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/value_stack.hpp>
#include <fmt/format.h>

#include "core/text.h"

namespace caduceus::http {
namespace {

constexpr std::size_t kMaxKeyInMessage = 64;

std::string ShownKey(std::string_view key) {
  return SanitizeUtf8(TruncateUtf8(key, kMaxKeyInMessage));
}

// Builds the value like boost::json::parser does, and additionally fails on duplicate keys.
class StrictHandler {
 public:
  static constexpr std::size_t max_array_size = static_cast<std::size_t>(-1);
  static constexpr std::size_t max_object_size = static_cast<std::size_t>(-1);
  static constexpr std::size_t max_string_size = static_cast<std::size_t>(-1);
  static constexpr std::size_t max_key_size = static_cast<std::size_t>(-1);

  bool on_document_begin(boost::json::error_code&) {
    stack_.reset();
    return true;
  }
  bool on_document_end(boost::json::error_code&) { return true; }
  bool on_array_begin(boost::json::error_code&) { return true; }
  bool on_array_end(std::size_t n, boost::json::error_code&) {
    stack_.push_array(n);
    return true;
  }
  bool on_object_begin(boost::json::error_code&) {
    keys_.emplace_back();
    return true;
  }
  bool on_object_end(std::size_t n, boost::json::error_code&) {
    keys_.pop_back();
    stack_.push_object(n);
    return true;
  }
  bool on_string_part(boost::json::string_view s, std::size_t, boost::json::error_code&) {
    stack_.push_chars(s);
    return true;
  }
  bool on_string(boost::json::string_view s, std::size_t, boost::json::error_code&) {
    stack_.push_string(s);
    return true;
  }
  bool on_key_part(boost::json::string_view s, std::size_t, boost::json::error_code&) {
    key_.append(s.data(), s.size());
    stack_.push_chars(s);
    return true;
  }
  bool on_key(boost::json::string_view s, std::size_t, boost::json::error_code& ec) {
    key_.append(s.data(), s.size());
    if (!keys_.back().insert(key_).second) {
      duplicate_ = std::move(key_);
      key_.clear();
      ec = boost::json::make_error_code(boost::json::error::syntax);
      return false;
    }
    key_.clear();
    stack_.push_key(s);
    return true;
  }
  bool on_number_part(boost::json::string_view, boost::json::error_code&) { return true; }
  bool on_int64(std::int64_t i, boost::json::string_view, boost::json::error_code&) {
    stack_.push_int64(i);
    return true;
  }
  bool on_uint64(std::uint64_t u, boost::json::string_view, boost::json::error_code&) {
    stack_.push_uint64(u);
    return true;
  }
  bool on_double(double d, boost::json::string_view, boost::json::error_code&) {
    stack_.push_double(d);
    return true;
  }
  bool on_bool(bool b, boost::json::error_code&) {
    stack_.push_bool(b);
    return true;
  }
  bool on_null(boost::json::error_code&) {
    stack_.push_null();
    return true;
  }
  bool on_comment_part(boost::json::string_view, boost::json::error_code&) { return true; }
  bool on_comment(boost::json::string_view, boost::json::error_code&) { return true; }

  boost::json::value Release() { return stack_.release(); }
  const std::optional<std::string>& duplicate() const { return duplicate_; }

 private:
  boost::json::value_stack stack_;
  std::vector<std::unordered_set<std::string>> keys_;
  std::string key_;
  std::optional<std::string> duplicate_;
};

std::string DescribeCodePoint(unsigned char c) { return fmt::format("U+{:04X}", c); }

}  // namespace

Result<boost::json::object> ParseJsonObject(std::string_view body, std::size_t max_depth) {
  if (body.empty()) return Error::Invalid("request body is empty");
  if (const auto bad = FirstInvalidUtf8(body)) {
    return Error::Invalid(fmt::format("request body is not valid UTF-8 (byte {})", *bad));
  }
  boost::json::parse_options options;
  options.max_depth = max_depth;
  boost::json::basic_parser<StrictHandler> parser(options);
  boost::json::error_code ec;
  const std::size_t offset = parser.write_some(false, body.data(), body.size(), ec);
  if (const auto& duplicate = parser.handler().duplicate()) {
    return Error::Invalid(fmt::format("duplicate key '{}' in JSON body", ShownKey(*duplicate)),
                          ShownKey(*duplicate));
  }
  if (ec == boost::json::error::too_deep) {
    return Error::Invalid(fmt::format("JSON body nests deeper than {} levels", max_depth));
  }
  if (ec) {
    return Error::Invalid(fmt::format("malformed JSON at byte {}: {}", offset, ec.message()));
  }
  if (offset != body.size()) {
    return Error::Invalid(
        fmt::format("malformed JSON at byte {}: data after the JSON value", offset));
  }
  boost::json::value value = parser.handler().Release();
  if (!value.is_object()) return Error::Invalid("JSON body must be an object");
  return std::move(value.get_object());
}

const boost::json::value* FieldReader::Lookup(std::string_view key, bool required) {
  read_.emplace(key);
  const boost::json::value* value = object_.if_contains(key);
  if (required && (value == nullptr || value->is_null())) {
    Fail(key, fmt::format("field '{}' is required", ShownKey(key)));
    return nullptr;
  }
  return value;
}

void FieldReader::Fail(std::string_view key, std::string message) {
  if (!error_) error_ = Error::Invalid(std::move(message), ShownKey(key));
}

bool FieldReader::CheckString(std::string_view key, std::string_view value, std::size_t max_len) {
  if (value.size() > max_len) {
    Fail(key, fmt::format("field '{}' is longer than {} bytes", ShownKey(key), max_len));
    return false;
  }
  if (const auto bad = FirstInvalidUtf8(value)) {
    Fail(key, fmt::format("field '{}' is not valid UTF-8 (byte {})", ShownKey(key), *bad));
    return false;
  }
  for (std::size_t i = 0; i < value.size(); ++i) {
    const auto c = static_cast<unsigned char>(value[i]);
    const bool c0_or_del = (c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7F;
    if (c0_or_del) {
      Fail(key, fmt::format("field '{}' contains control character {}", ShownKey(key),
                            DescribeCodePoint(c)));
      return false;
    }
    // C1 controls U+0080..U+009F are encoded as C2 80..C2 9F.
    if (c == 0xC2 && i + 1 < value.size()) {
      const auto next = static_cast<unsigned char>(value[i + 1]);
      if (next >= 0x80 && next <= 0x9F) {
        Fail(key, fmt::format("field '{}' contains control character {}", ShownKey(key),
                              DescribeCodePoint(next)));
        return false;
      }
    }
  }
  return true;
}

std::optional<std::string> FieldReader::String(std::string_view key,
                                               std::size_t max_len,
                                               bool required) {
  const boost::json::value* value = Lookup(key, required);
  if (value == nullptr || value->is_null()) return std::nullopt;
  if (!value->is_string()) {
    Fail(key, fmt::format("field '{}' must be a string", ShownKey(key)));
    return std::nullopt;
  }
  const boost::json::string& s = value->get_string();
  if (!CheckString(key, s, max_len)) return std::nullopt;
  return std::string(s);
}

std::optional<std::int64_t> FieldReader::Int(std::string_view key,
                                             std::int64_t min,
                                             std::int64_t max,
                                             bool required) {
  const boost::json::value* value = Lookup(key, required);
  if (value == nullptr || value->is_null()) return std::nullopt;
  // Boost.JSON stores an integer as uint64 only when it exceeds INT64_MAX: out of every range.
  if (!value->is_int64() && !value->is_uint64()) {
    Fail(key, fmt::format("field '{}' must be an integer", ShownKey(key)));
    return std::nullopt;
  }
  if (value->is_uint64() || value->get_int64() < min || value->get_int64() > max) {
    Fail(key, fmt::format("field '{}' must be between {} and {}", ShownKey(key), min, max));
    return std::nullopt;
  }
  return value->get_int64();
}

std::optional<bool> FieldReader::Bool(std::string_view key, bool required) {
  const boost::json::value* value = Lookup(key, required);
  if (value == nullptr || value->is_null()) return std::nullopt;
  if (!value->is_bool()) {
    Fail(key, fmt::format("field '{}' must be true or false", ShownKey(key)));
    return std::nullopt;
  }
  return value->get_bool();
}

std::optional<std::vector<std::string>> FieldReader::StringArray(std::string_view key,
                                                                 std::size_t max_items,
                                                                 std::size_t max_len,
                                                                 bool required) {
  const boost::json::value* value = Lookup(key, required);
  if (value == nullptr || value->is_null()) return std::nullopt;
  if (!value->is_array()) {
    Fail(key, fmt::format("field '{}' must be an array of strings", ShownKey(key)));
    return std::nullopt;
  }
  const boost::json::array& array = value->get_array();
  if (array.size() > max_items) {
    Fail(key, fmt::format("field '{}' has more than {} items", ShownKey(key), max_items));
    return std::nullopt;
  }
  std::vector<std::string> out;
  out.reserve(array.size());
  for (const boost::json::value& item : array) {
    if (!item.is_string()) {
      Fail(key, fmt::format("field '{}' must be an array of strings", ShownKey(key)));
      return std::nullopt;
    }
    if (!CheckString(key, item.get_string(), max_len)) return std::nullopt;
    out.emplace_back(item.get_string());
  }
  return out;
}

const boost::json::value* FieldReader::Raw(std::string_view key, bool required) {
  read_.emplace(key);
  const boost::json::value* value = object_.if_contains(key);
  if (value == nullptr && required) {
    Fail(key, fmt::format("field '{}' is required", ShownKey(key)));
  }
  return value;
}

Status FieldReader::Finish() const {
  if (error_) return *error_;
  for (const auto& entry : object_) {
    const std::string_view key = entry.key();
    if (read_.find(key) == read_.end()) {
      return Error::Invalid(fmt::format("unknown field '{}'", ShownKey(key)), ShownKey(key));
    }
  }
  return {};
}

}  // namespace caduceus::http
