// Fetching documents from the outside world on the hub's behalf: a conditional GET over
// http(s) with a guard against server-side request forgery, or a read of a local file that
// stands in for a URL (file:///absolute/path, only under a configured root).
//
// SSRF guard: unless allow_private_addresses, the host must resolve to public addresses only
// (loopback, private, link-local, CGNAT, multicast and reserved ranges are refused, IPv4-mapped
// IPv6 included). URLs with credentials (user@host), control characters or spaces are refused.
// Bodies are bounded by max_body_bytes. A file stands in for a URL: its modification time and
// size are its ETag.
//
// Thread-safety: a Fetcher is immutable after construction; Get may run concurrently.
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "client/addresses.h"
#include "core/error.h"

namespace caduceus::client {

struct FetcherOptions {
  bool allow_private_addresses = false;
  std::string file_root;  // directory file:// URLs must lie under; empty: no file URLs
  std::string ca_file;    // extra CA bundle for https
  std::chrono::seconds timeout{60};
  std::size_t max_body_bytes = 64 * 1024 * 1024;
};

// The validators of an earlier response, sent as If-None-Match / If-Modified-Since.
struct Conditional {
  std::string etag;
  std::string last_modified;
};

struct Fetched {
  bool not_modified = false;  // 304, or a file whose ETag is unchanged
  int status = 200;
  std::string body;
  std::string content_type;
  std::string etag;
  std::string last_modified;
  std::string date_added_last;  // TAXII: X-TAXII-Date-Added-Last
};

struct FetchUrl {
  std::string scheme;  // lower case: http, https, file
  std::string host;    // without brackets
  std::string path;    // file: the decoded local path
};

// Splits an http(s):// or file:/// URL; nullopt when it is malformed, too long (2048), holds
// control characters, spaces or credentials.
std::optional<FetchUrl> ParseFetchUrl(std::string_view url);

// `base` joined with `name` by exactly one '/'.
std::string JoinUrl(std::string_view base, std::string_view name);

class Fetcher {
 public:
  explicit Fetcher(FetcherOptions options) : options_(std::move(options)) {}

  // Whether a file:// path lies under file_root; the canonical path when it does.
  std::optional<std::filesystem::path> AllowedFile(const std::string& path) const;

  // GET `url` with the conditional headers, `auth` as Authorization (if any) and `accept` as
  // Accept (if any). kInvalidArgument for a bad URL, kPermissionDenied for a refused host or a
  // file outside file_root, kUnavailable for network failures and non-2xx answers (the status is
  // in the message; 404 reads "not found"), kPayloadTooLarge for a file over the bound.
  Result<Fetched> Get(const std::string& url,
                      const Conditional& conditional = {},
                      const std::string& auth = {},
                      std::string_view accept = {}) const;

  // As Get, but any HTTP status is a successful exchange (Fetched::status; body kept for 2xx
  // only), so a caller can tell a missing optional file (404) from a failure.
  Result<Fetched> Fetch(const std::string& url,
                        const Conditional& conditional = {},
                        const std::string& auth = {},
                        std::string_view accept = {}) const;

  const FetcherOptions& options() const { return options_; }

 private:
  Result<Fetched> GetFile(const std::string& path, const Conditional& conditional) const;

  FetcherOptions options_;
};

}  // namespace caduceus::client
