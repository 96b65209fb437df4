#include <algorithm>
#include <iterator>
#include <string>

#include <fmt/format.h>

#include "storage/backends.h"
#include "storage/database.h"

namespace caduceus::storage {
namespace {

bool IsTagStart(char c) {
  const auto u = static_cast<unsigned char>(c);
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || u >= 0x80;
}

bool IsTagChar(char c) { return IsTagStart(c) || (c >= '0' && c <= '9'); }

bool IsIdentifierChar(char c) { return IsTagChar(c) || c == '$'; }

// End (one past) of a quoted token starting at sql[start] == quote. A doubled quote is part of
// the token; so is a backslash-escaped character when `backslash_escapes` (E'...').
std::size_t QuotedEnd(std::string_view sql, std::size_t start, bool backslash_escapes) {
  const char quote = sql[start];
  for (std::size_t i = start + 1; i < sql.size(); ++i) {
    if (backslash_escapes && sql[i] == '\\') {
      ++i;
    } else if (sql[i] == quote) {
      if (i + 1 < sql.size() && sql[i + 1] == quote) {
        ++i;
      } else {
        return i + 1;
      }
    }
  }
  return sql.size();
}

// End of a /* */ comment starting at `start`; PostgreSQL block comments nest.
std::size_t BlockCommentEnd(std::string_view sql, std::size_t start) {
  int depth = 0;
  std::size_t i = start;
  while (i + 1 < sql.size()) {
    if (sql[i] == '/' && sql[i + 1] == '*') {
      ++depth;
      i += 2;
    } else if (sql[i] == '*' && sql[i + 1] == '/') {
      i += 2;
      if (--depth == 0) return i;
    } else {
      ++i;
    }
  }
  return sql.size();
}

// End of a dollar-quoted string ($$...$$ or $tag$...$tag$) starting at `start`, or `start`
// when sql[start] does not open one (e.g. the $1 of a positional parameter).
std::size_t DollarQuotedEnd(std::string_view sql, std::size_t start) {
  if (start > 0 && IsIdentifierChar(sql[start - 1])) return start;
  std::size_t i = start + 1;
  if (i < sql.size() && IsTagStart(sql[i])) {
    while (i < sql.size() && IsTagChar(sql[i])) ++i;
  }
  if (i >= sql.size() || sql[i] != '$') return start;
  const std::string_view tag = sql.substr(start, i - start + 1);
  const auto close = sql.find(tag, i + 1);
  return close == std::string_view::npos ? sql.size() : close + tag.size();
}

}  // namespace

namespace detail {

std::string RewritePlaceholders(std::string_view sql, std::size_t& count) {
  std::string out;
  out.reserve(sql.size() + 16);
  count = 0;
  std::size_t i = 0;
  while (i < sql.size()) {
    const char c = sql[i];
    const char next = i + 1 < sql.size() ? sql[i + 1] : '\0';
    std::size_t end = i + 1;
    if (c == '\'') {
      const bool escape_string = i > 0 && (sql[i - 1] == 'E' || sql[i - 1] == 'e') &&
                                 (i < 2 || !IsIdentifierChar(sql[i - 2]));
      end = QuotedEnd(sql, i, escape_string);
    } else if (c == '"') {
      end = QuotedEnd(sql, i, false);
    } else if (c == '-' && next == '-') {
      const auto eol = sql.find('\n', i);
      end = eol == std::string_view::npos ? sql.size() : eol + 1;
    } else if (c == '/' && next == '*') {
      end = BlockCommentEnd(sql, i);
    } else if (c == '$') {
      end = std::max(DollarQuotedEnd(sql, i), i + 1);
    } else if (c == '?') {
      fmt::format_to(std::back_inserter(out), "${}", ++count);
      ++i;
      continue;
    }
    out.append(sql.substr(i, end - i));
    i = end;
  }
  return out;
}

}  // namespace detail

std::string RewritePlaceholders(std::string_view sql) {
  std::size_t count = 0;
  return detail::RewritePlaceholders(sql, count);
}

}  // namespace caduceus::storage
