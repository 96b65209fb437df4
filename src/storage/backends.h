// Internal to src/storage: the two backends behind Database::Open and the checks they share.
// Neither sqlite3.h nor libpq-fe.h is visible here.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "core/error.h"
#include "storage/database.h"

namespace caduceus::storage::detail {

// `path` is what follows "sqlite://": an absolute path whose directory exists. The file is
// created on first connect. Returns kInvalidArgument for an unusable path.
Result<std::unique_ptr<Backend>> MakeSqliteBackend(std::string_view path,
                                                   std::chrono::milliseconds busy_timeout);

// `url` is a libpq connection URI; it is parsed (not connected to) here. Returns
// kInvalidArgument when libpq cannot parse it.
Result<std::unique_ptr<Backend>> MakePostgresBackend(const std::string& url);

// RewritePlaceholders that also reports how many placeholders it rewrote.
std::string RewritePlaceholders(std::string_view sql, std::size_t& count);

// Throws StorageError(kOther) for what neither backend can store faithfully: SQL text or a
// text parameter holding a NUL byte, a NaN double. Messages name the parameter index only.
void CheckStatement(std::string_view sql, std::span<const Value> params);

// The start of `sql` on one line, for error messages (statements are code, not data).
std::string SqlSnippet(std::string_view sql);

}  // namespace caduceus::storage::detail
