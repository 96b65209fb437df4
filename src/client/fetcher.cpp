#include "client/fetcher.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <system_error>
#include <utility>

#include <fmt/format.h>

#include "client/http_client.h"

namespace caduceus::client {

namespace {

bool HasControl(std::string_view s) {
  return std::any_of(s.begin(), s.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7F; });
}

std::optional<std::string> PercentDecode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out.push_back(s[i]);
      continue;
    }
    if (i + 2 >= s.size()) return std::nullopt;
    const auto hex = [](char c) -> int {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      if (c >= 'A' && c <= 'F') return c - 'A' + 10;
      return -1;
    };
    const int hi = hex(s[i + 1]);
    const int lo = hex(s[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return out;
}

std::string HeaderOf(const ClientResponse& r, std::string_view name) {
  for (const auto& [key, value] : r.headers) {
    if (key.size() == name.size() &&
        std::equal(key.begin(), key.end(), name.begin(), [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) ==
                 std::tolower(static_cast<unsigned char>(b));
        })) {
      return value;
    }
  }
  return {};
}

}  // namespace

std::optional<FetchUrl> ParseFetchUrl(std::string_view url) {
  if (url.size() > 2048 || HasControl(url) || url.find(' ') != std::string_view::npos) {
    return std::nullopt;
  }
  const std::size_t colon = url.find("://");
  if (colon == std::string_view::npos) return std::nullopt;
  FetchUrl out;
  for (const char c : url.substr(0, colon)) {
    out.scheme.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c);
  }
  const std::string_view rest = url.substr(colon + 3);
  if (out.scheme == "file") {
    if (rest.empty() || rest.front() != '/') return std::nullopt;  // file:///absolute only
    auto path = PercentDecode(rest.substr(0, rest.find_first_of("?#")));
    if (!path || path->find('\0') != std::string::npos) return std::nullopt;
    out.path = std::move(*path);
    return out;
  }
  if (out.scheme != "http" && out.scheme != "https") return std::nullopt;
  const std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  if (authority.empty() || authority.find('@') != std::string_view::npos) return std::nullopt;
  if (authority.front() == '[') {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    out.host = std::string(authority.substr(1, close - 1));
  } else {
    out.host = std::string(authority.substr(0, authority.find(':')));
  }
  if (out.host.empty()) return std::nullopt;
  return out;
}

std::string JoinUrl(std::string_view base, std::string_view name) {
  std::string out(base);
  if (out.empty() || out.back() != '/') out.push_back('/');
  while (!name.empty() && name.front() == '/') name.remove_prefix(1);
  out += name;
  return out;
}

std::optional<std::filesystem::path> Fetcher::AllowedFile(const std::string& path) const {
  if (options_.file_root.empty()) return std::nullopt;
  std::error_code ec;
  const auto root = std::filesystem::weakly_canonical(options_.file_root, ec);
  if (ec) return std::nullopt;
  const auto target = std::filesystem::weakly_canonical(path, ec);
  if (ec) return std::nullopt;
  const std::string r = root.string();
  const std::string t = target.string();
  if (t != r && !(t.size() > r.size() && t.compare(0, r.size(), r) == 0 &&
                  (r.back() == '/' || t[r.size()] == '/'))) {
    return std::nullopt;
  }
  return target;
}

Result<Fetched> Fetcher::Get(const std::string& url,
                             const Conditional& conditional,
                             const std::string& auth,
                             std::string_view accept) const {
  auto fetched = Fetch(url, conditional, auth, accept);
  if (!fetched) return fetched.error();
  if (fetched->not_modified || (fetched->status >= 200 && fetched->status <= 299)) return fetched;
  return Error{Errc::kUnavailable, fmt::format("the server answered HTTP {}", fetched->status), {}};
}

Result<Fetched> Fetcher::Fetch(const std::string& url,
                               const Conditional& conditional,
                               const std::string& auth,
                               std::string_view accept) const {
  const auto parsed = ParseFetchUrl(url);
  if (!parsed) return Error::Invalid("the URL is not valid", "url");
  if (parsed->scheme == "file") return GetFile(parsed->path, conditional);
  if (!options_.allow_private_addresses) {
    if (auto s = CheckPublicHost(parsed->host); !s) return s.error();
  }
  ClientRequest request;
  request.url = url;
  request.headers.emplace_back("User-Agent", "caduceus-hub");
  if (!accept.empty()) request.headers.emplace_back("Accept", std::string(accept));
  if (!auth.empty()) request.headers.emplace_back("Authorization", auth);
  if (!conditional.etag.empty()) request.headers.emplace_back("If-None-Match", conditional.etag);
  if (!conditional.last_modified.empty()) {
    request.headers.emplace_back("If-Modified-Since", conditional.last_modified);
  }
  ClientOptions client_options;
  client_options.public_addresses_only = !options_.allow_private_addresses;
  client_options.timeout = options_.timeout;
  client_options.ca_file = options_.ca_file;
  client_options.max_body_bytes = options_.max_body_bytes;
  auto response = Send(request, client_options);
  if (!response) {
    return Error{
        Errc::kUnavailable, "the URL could not be fetched: " + response.error().message, {}};
  }
  Fetched out;
  out.status = response->status;
  if (response->status == 304) {
    out.not_modified = true;
    return out;
  }
  if (response->status < 200 || response->status > 299) return out;
  out.body = std::move(response->body);
  out.content_type = response->content_type;
  out.etag = HeaderOf(*response, "ETag");
  out.last_modified = HeaderOf(*response, "Last-Modified");
  out.date_added_last = HeaderOf(*response, "X-TAXII-Date-Added-Last");
  if (out.etag.size() > 512 || HasControl(out.etag)) out.etag.clear();
  if (out.last_modified.size() > 128 || HasControl(out.last_modified)) out.last_modified.clear();
  return out;
}

Result<Fetched> Fetcher::GetFile(const std::string& path, const Conditional& conditional) const {
  const auto allowed = AllowedFile(path);
  if (!allowed) return Error::Denied("the file is outside the directory this hub may read");
  std::error_code ec;
  Fetched out;
  if (!std::filesystem::is_regular_file(*allowed, ec)) {
    out.status = 404;
    return out;
  }
  const auto size = std::filesystem::file_size(*allowed, ec);
  const auto mtime = std::filesystem::last_write_time(*allowed, ec);
  if (ec) return Error{Errc::kUnavailable, "the file cannot be read", {}};
  if (size > options_.max_body_bytes) {
    return Error{Errc::kPayloadTooLarge, "the file is too large", {}};
  }
  out.etag = fmt::format("\"{}-{}\"", mtime.time_since_epoch().count(), size);
  if (out.etag == conditional.etag) {
    out.not_modified = true;
    return out;
  }
  std::ifstream in(*allowed, std::ios::binary);
  out.body.resize(size);
  if (!in.read(out.body.data(), static_cast<std::streamsize>(size))) {
    return Error{Errc::kUnavailable, "the file cannot be read", {}};
  }
  return out;
}

}  // namespace caduceus::client
