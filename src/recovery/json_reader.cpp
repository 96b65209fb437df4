#include "recovery/json_reader.h"

#include <utility>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "core/json.h"
#include "core/text.h"

namespace caduceus::recovery {
namespace {

namespace json = boost::json;

// Member names shown in messages are cut to this many bytes.
constexpr std::size_t kShownKey = 64;

std::string Shown(std::string_view key) { return SanitizeUtf8(TruncateUtf8(key, kShownKey)); }

}  // namespace

bool CleanText(std::string_view text, bool multiline) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x20) {
      if (!(multiline && (c == '\t' || c == '\n' || c == '\r'))) return false;
    } else if (c == 0x7F) {
      return false;
    } else if (c == 0xC2 && i + 1 < text.size()) {
      const auto n = static_cast<unsigned char>(text[i + 1]);
      if (n >= 0x80 && n < 0xA0) return false;
    }
  }
  return true;
}

Result<json::value> ParseJson(std::string_view text, std::size_t max_depth) {
  auto parsed = ParseStrictJson(text, max_depth);
  if (!parsed) return Error::Invalid(parsed.error().message);
  return std::move(*parsed);
}

const json::value* ObjectReader::Lookup(std::string_view key, bool required) {
  read_.emplace(key);
  const json::value* v = object_.if_contains(key);
  if (v == nullptr || v->is_null()) {
    if (required) Fail(key, "is required");
    return nullptr;
  }
  return v;
}

void ObjectReader::Fail(std::string_view key, std::string message) {
  if (error_) return;
  const std::string field = prefix_ + Shown(key);
  error_ = Error::Invalid(fmt::format("{} {}", field, message), field);
}

std::optional<std::string> ObjectReader::Text(std::string_view key,
                                              std::size_t max_len,
                                              bool required) {
  const json::value* v = Lookup(key, required);
  if (v == nullptr) return std::nullopt;
  if (!v->is_string()) {
    Fail(key, "must be a string");
    return std::nullopt;
  }
  const auto& s = v->get_string();
  if (s.size() > max_len) {
    Fail(key, fmt::format("may not exceed {} bytes", max_len));
    return std::nullopt;
  }
  return std::string(s);
}

std::optional<std::string> ObjectReader::String(std::string_view key,
                                                std::size_t max_len,
                                                bool required,
                                                bool multiline) {
  auto s = Text(key, max_len, required);
  if (s && !CleanText(*s, multiline)) {
    Fail(key, "may not contain control characters");
    return std::nullopt;
  }
  return s;
}

std::optional<std::int64_t> ObjectReader::Int(std::string_view key,
                                              std::int64_t min,
                                              std::int64_t max,
                                              bool required) {
  const json::value* v = Lookup(key, required);
  if (v == nullptr) return std::nullopt;
  std::optional<std::int64_t> n;
  if (v->is_int64()) n = v->get_int64();
  if (v->is_uint64() && v->get_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) {
    n = static_cast<std::int64_t>(v->get_uint64());
  }
  if (!n || *n < min || *n > max) {
    Fail(key, fmt::format("must be an integer from {} to {}", min, max));
    return std::nullopt;
  }
  return n;
}

std::optional<std::vector<std::string>> ObjectReader::StringList(std::string_view key,
                                                                 std::size_t max_items,
                                                                 std::size_t max_len,
                                                                 bool required) {
  const json::value* v = Lookup(key, required);
  if (v == nullptr) return std::nullopt;
  if (!v->is_array()) {
    Fail(key, "must be an array of strings");
    return std::nullopt;
  }
  const auto& a = v->get_array();
  if (a.size() > max_items) {
    Fail(key, fmt::format("may hold at most {} items", max_items));
    return std::nullopt;
  }
  std::vector<std::string> out;
  out.reserve(a.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    const std::string item_key = fmt::format("{}/{}", key, i);
    if (!a[i].is_string()) {
      Fail(item_key, "must be a string");
      return std::nullopt;
    }
    const auto& s = a[i].get_string();
    if (s.size() > max_len) {
      Fail(item_key, fmt::format("may not exceed {} bytes", max_len));
      return std::nullopt;
    }
    if (!CleanText(s, false)) {
      Fail(item_key, "may not contain control characters");
      return std::nullopt;
    }
    out.emplace_back(s);
  }
  return out;
}

const json::value* ObjectReader::Raw(std::string_view key) { return Lookup(key, false); }

Status ObjectReader::Finish() const {
  if (error_) return *error_;
  for (const auto& [key, value] : object_) {
    if (!read_.contains(std::string_view(key))) {
      const std::string field = prefix_ + Shown(key);
      return Error::Invalid(fmt::format("unknown member '{}'", field), field);
    }
  }
  return {};
}

}  // namespace caduceus::recovery
