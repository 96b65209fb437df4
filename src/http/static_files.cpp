#include "http/static_files.h"

#include <algorithm>
#include <array>
#include <filesystem>
#include <system_error>

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

namespace caduceus::http {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kMaxFileBytes = 16 * 1024 * 1024;

struct ContentType {
  std::string_view extension;
  std::string_view type;
};
constexpr std::array<ContentType, 11> kContentTypes{{
    {".html", "text/html; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".mjs", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".ico", "image/x-icon"},
    {".json", "application/json"},
    {".woff2", "font/woff2"},
    {".map", "application/json"},
    {".txt", "text/plain; charset=utf-8"},
}};

std::string_view ContentTypeFor(std::string_view name) {
  for (const auto& entry : kContentTypes) {
    if (name.size() > entry.extension.size() &&
        name.substr(name.size() - entry.extension.size()) == entry.extension) {
      return entry.type;
    }
  }
  return "application/octet-stream";
}

// The request path as segments, or nullopt when any segment could leave the root or names a
// hidden file.
std::optional<std::vector<std::string_view>> SafeSegments(std::string_view path) {
  if (path.empty() || path.front() != '/') return std::nullopt;
  std::vector<std::string_view> segments;
  path.remove_prefix(1);
  while (!path.empty()) {
    const auto slash = path.find('/');
    const std::string_view segment = path.substr(0, slash);
    if (segment.empty() && slash != std::string_view::npos) return std::nullopt;
    if (!segment.empty()) {
      if (segment.front() == '.') return std::nullopt;
      if (segment.find_first_of(std::string_view("\0\\", 2)) != std::string_view::npos) {
        return std::nullopt;
      }
      segments.push_back(segment);
    }
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return segments;
}

bool IsUnder(const fs::path& resolved, const fs::path& root) {
  const auto [root_end, unused] =
      std::mismatch(root.begin(), root.end(), resolved.begin(), resolved.end());
  return root_end == root.end() && resolved != root;
}

struct File {
  std::string body;
  std::string etag;
};

// Opens the already-resolved `path` without following a final symlink and reads it whole.
std::optional<File> ReadRegularFile(const fs::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
  const auto size = static_cast<std::size_t>(st.st_size);
  if (size > kMaxFileBytes) return std::nullopt;
  File file;
  file.etag = fmt::format("\"{:x}-{:x}.{:x}\"", size, st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
  file.body.resize(size);
  std::size_t done = 0;
  while (done < size) {
    const ssize_t n = ::read(fd, file.body.data() + done, size - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return std::nullopt;
    done += static_cast<std::size_t>(n);
  }
  return file;
}

// If-None-Match per RFC 9110 section 13.1.2: weak comparison, "*" matches any.
bool EtagMatches(std::string_view header, std::string_view etag) {
  while (!header.empty()) {
    const auto comma = header.find(',');
    std::string_view candidate = header.substr(0, comma);
    header = comma == std::string_view::npos ? std::string_view{} : header.substr(comma + 1);
    while (!candidate.empty() && (candidate.front() == ' ' || candidate.front() == '\t')) {
      candidate.remove_prefix(1);
    }
    while (!candidate.empty() && (candidate.back() == ' ' || candidate.back() == '\t')) {
      candidate.remove_suffix(1);
    }
    if (candidate == "*") return true;
    if (candidate.substr(0, 2) == "W/") candidate.remove_prefix(2);
    if (candidate == etag) return true;
  }
  return false;
}

Response NotFound() { return Problem(404, "not-found", "Not Found", "no such file"); }

}  // namespace

StaticFiles::StaticFiles(std::string root) : root_(std::move(root)) {}

std::optional<Response> StaticFiles::Serve(const Request& request) const {
  if (request.method != Method::kGet && request.method != Method::kHead) return std::nullopt;
  std::error_code ec;
  const fs::path root = fs::canonical(root_, ec);
  if (ec || !fs::is_directory(root, ec)) return std::nullopt;

  const auto segments = SafeSegments(request.path);
  if (!segments) return NotFound();

  fs::path wanted = root;
  for (std::string_view segment : *segments) wanted /= fs::path(segment);
  const bool is_root = segments->empty();
  const bool has_extension = !is_root && segments->back().find('.') != std::string_view::npos;

  std::optional<File> file;
  fs::path served = wanted;
  bool fallback = false;
  if (!is_root) {
    const fs::path resolved = fs::canonical(wanted, ec);
    if (!ec && IsUnder(resolved, root)) {
      file = ReadRegularFile(resolved);
      served = resolved;
    }
  }
  if (!file) {
    if (has_extension) return NotFound();
    fallback = true;
    served = root / "index.html";
    const fs::path resolved = fs::canonical(served, ec);
    if (ec || !IsUnder(resolved, root)) return NotFound();
    file = ReadRegularFile(resolved);
    if (!file) return NotFound();
  }

  const bool immutable = !fallback && segments->front() == "assets";
  Response response;
  response.headers.Set("ETag", file->etag);
  response.headers.Set("Cache-Control",
                       immutable ? "public, max-age=31536000, immutable" : "no-cache");
  response.headers.Set("X-Content-Type-Options", "nosniff");
  if (const auto inm = request.Header("If-None-Match"); inm && EtagMatches(*inm, file->etag)) {
    response.status = 304;
    return response;
  }
  response.status = 200;
  response.headers.Set("Content-Type", std::string(ContentTypeFor(served.filename().string())));
  response.body = std::move(file->body);
  return response;
}

}  // namespace caduceus::http
