// Serves the built web UI (a Vite output directory) read-only.
//
// Contract of Serve():
// - nullopt when the method is neither GET nor HEAD, or the root directory does not exist; the
//   caller then answers as it would without static files (404/405).
// - Paths are resolved under the root only: "."/".." segments, NUL, backslashes, dot-files and
//   symlinks whose target lies outside the root give 404.
// - A path that names no regular file and whose last segment has no extension ("/orgs/42")
//   returns index.html with 200 (single-page-app routing); an unknown path with an extension
//   ("/missing.js") gives 404. Callers must route API paths before calling Serve(), since the
//   fallback answers any extension-less path.
// - Files under /assets/ (content-hashed by Vite) are cached for a year as immutable; every other
//   file, index.html included, gets "no-cache" and is revalidated by its ETag (size and mtime);
//   a matching If-None-Match gives 304.
// - Files over 16 MiB give 404. HEAD returns the same headers and body as GET; the server drops
//   the body.
//
// Thread-safe: Serve() reads the filesystem on every call and keeps no mutable state.
#pragma once

#include <optional>
#include <string>

#include "http/http.h"

namespace caduceus::http {

class StaticFiles {
 public:
  // `root` need not exist yet; it is resolved (symlinks followed) on each call.
  explicit StaticFiles(std::string root);

  std::optional<Response> Serve(const Request& request) const;

 private:
  std::string root_;
};

}  // namespace caduceus::http
