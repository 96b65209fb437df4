// Small text checks shared by every module that validates input. Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace caduceus {

// Byte offset of the first byte that does not start a well-formed UTF-8 sequence (RFC 3629:
// no overlong forms, no surrogates, nothing above U+10FFFF), or nullopt when `text` is valid.
std::optional<std::size_t> FirstInvalidUtf8(std::string_view text);

inline bool ValidUtf8(std::string_view text) { return !FirstInvalidUtf8(text).has_value(); }

// `text` with every ill-formed sequence replaced by U+FFFD.
std::string SanitizeUtf8(std::string_view text);

// `text` cut to at most `max_bytes` bytes without splitting a UTF-8 sequence.
std::string_view TruncateUtf8(std::string_view text, std::size_t max_bytes);

// True when text has no C0 control characters other than tab, LF and CR, and no DEL.
bool NoControlChars(std::string_view text);

}  // namespace caduceus
