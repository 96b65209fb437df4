#include "http/json_body.h"

#include <fmt/format.h>

#include "core/json.h"
#include "core/text.h"

namespace caduceus::http {
namespace {

constexpr std::size_t kMaxKeyInMessage = 64;

std::string ShownKey(std::string_view key) {
  return SanitizeUtf8(TruncateUtf8(key, kMaxKeyInMessage));
}

std::string DescribeCodePoint(unsigned char c) { return fmt::format("U+{:04X}", c); }

}  // namespace

Result<boost::json::object> ParseJsonObject(std::string_view body, std::size_t max_depth) {
  using Kind = StrictJsonError::Kind;
  if (body.empty()) return Error::Invalid("request body is empty");
  auto parsed = ParseStrictJson(body, max_depth);
  if (!parsed) {
    const StrictJsonError& e = parsed.error();
    switch (e.kind) {
      case Kind::kInvalidUtf8:
        return Error::Invalid(fmt::format("request body is not valid UTF-8 (byte {})", e.offset));
      case Kind::kTooDeep:
        return Error::Invalid(fmt::format("JSON body nests deeper than {} levels", max_depth));
      case Kind::kDuplicateKey:
        return Error::Invalid(fmt::format("duplicate key '{}' in JSON body", ShownKey(e.key)),
                              ShownKey(e.key));
      case Kind::kMalformed:
        break;
    }
    return Error::Invalid(e.message);
  }
  if (!parsed->is_object()) return Error::Invalid("JSON body must be an object");
  return std::move(parsed->get_object());
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
