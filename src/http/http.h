// HTTP request/response values and the router, free of Beast and Asio so that the API layer
// and tests build without the heavy headers. The Beast server (server.h) converts to and from
// these types at the socket boundary.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace caduceus::http {

enum class Method { kGet, kHead, kPost, kPut, kPatch, kDelete, kOptions, kOther };
std::string_view MethodName(Method m);
Method ParseMethod(std::string_view name);

// Header fields with case-insensitive names, in arrival order.
class Headers {
 public:
  void Add(std::string name, std::string value);
  // Replaces every field of that name.
  void Set(std::string name, std::string value);
  std::optional<std::string_view> Get(std::string_view name) const;
  const std::vector<std::pair<std::string, std::string>>& fields() const { return fields_; }

 private:
  std::vector<std::pair<std::string, std::string>> fields_;
};

struct Request {
  Method method = Method::kGet;
  std::string target;  // raw request-target as received: "/api/v1/orgs?limit=10"
  std::string path;    // percent-decoded path, validated: no NUL, no "..", starts with '/'
  std::vector<std::pair<std::string, std::string>> query;  // decoded, in order
  Headers headers;
  std::string body;
  std::string remote_address;  // peer IP as text
  bool tls = false;
  std::string request_id;  // set by the server: client's X-Request-ID if sane, else random
  std::map<std::string, std::string, std::less<>> path_params;  // filled by the router

  std::optional<std::string_view> Header(std::string_view name) const { return headers.Get(name); }
  std::optional<std::string> QueryParam(std::string_view name) const;
  std::optional<std::string> Cookie(std::string_view name) const;
  std::string_view PathParam(std::string_view name) const;
};

// The body of a streamed response (e.g. Server-Sent Events), produced piecemeal while the
// connection stays open. The server polls it on the connection's I/O strand: one call at a time,
// at once after a chunk was written and otherwise every kStreamPollInterval. Poll must not block.
class StreamSource {
 public:
  enum class Status { kData, kPending, kEnd };
  virtual ~StreamSource() = default;
  // kData: appended the next bytes to `out` (non-empty); kPending: nothing yet; kEnd: the body is
  // complete (nothing appended).
  virtual Status Poll(std::string& out) = 0;
  // The stream is over: ended by the source, the client went away, a write failed or the server
  // is stopping. Called once, on an I/O thread; no Poll follows.
  virtual void Close() {}
};

inline constexpr std::chrono::milliseconds kStreamPollInterval{50};

struct Response {
  int status = 200;
  Headers headers;
  std::string body;
  // When set, the server sends the headers without Content-Length and then what the source
  // yields, ignoring `body`: chunked for HTTP/1.1, delimited by closing for HTTP/1.0; the
  // connection is closed after the stream. A HEAD request gets the headers only.
  std::shared_ptr<StreamSource> stream;

  static Response Json(int status, std::string body);
  static Response Text(int status, std::string body, std::string content_type = "text/plain");
  static Response NoContent();
  static Response Stream(int status,
                         std::shared_ptr<StreamSource> source,
                         std::string content_type) {
    Response r;
    r.status = status;
    r.headers.Set("Content-Type", std::move(content_type));
    r.stream = std::move(source);
    return r;
  }
};

// Parses a request-target into a decoded path and query parameters. Fails (returns nullopt)
// for targets that are not origin-form, contain NUL or bad percent-escapes, or whose path holds
// "." or ".." segments. Also refused: targets over 8 KiB; decoded path segments holding '/',
// '\\' or control characters; a decoded path that is not valid UTF-8; empty segments other than
// a trailing one ("/a//b" fails, "/a/" is kept as is); query keys or values with NUL or invalid
// UTF-8. In the query '+' decodes to a space and empty parameters ("?&") are skipped.
struct ParsedTarget {
  std::string path;
  std::vector<std::pair<std::string, std::string>> query;
};
std::optional<ParsedTarget> ParseTarget(std::string_view target);

using Handler = std::function<Response(Request&)>;

// Maps (method, path pattern) to handlers. Patterns are literal segments and `{name}`
// parameters matching one non-empty segment, e.g. "/api/v1/orgs/{id}/users". A pattern may end
// in '/' (as TAXII's do, "/taxii2/{root}/"); it then matches only paths that end in '/'. The router
// also carries a per-route name (the pattern) for metrics and an opaque tag the API layer uses for
// authorisation rules.
class Router {
 public:
  struct Route {
    Method method;
    std::string pattern;
    Handler handler;
    std::string tag;
  };
  struct Match {
    const Route* route = nullptr;  // null when nothing matched
    bool path_matched = false;     // some route matched the path with another method
    std::vector<Method> allowed;   // methods for that path (for 405 Allow)
  };

  // Throws std::invalid_argument for a malformed pattern or a duplicate (method, pattern); routes
  // are added at startup.
  void Add(Method method, std::string pattern, Handler handler, std::string tag = {});
  // Fills request.path_params on success. Matching is exact (no prefix or trailing-slash
  // leniency). When several patterns match, a literal segment beats a parameter at the first
  // position where they differ ("/orgs/me" before "/orgs/{id}"). HEAD uses a GET route when no
  // HEAD route matches; `allowed` lists HEAD wherever GET is allowed. Thread-safe for concurrent
  // Find() once no more routes are added.
  Match Find(Request& request) const;
  const std::vector<std::unique_ptr<Route>>& routes() const { return routes_; }

 private:
  std::vector<std::unique_ptr<Route>> routes_;
};

}  // namespace caduceus::http

namespace caduceus::http {

// An RFC 9457 problem details response (application/problem+json):
// {"type": "urn:caduceus:problem:<slug>", "title": ..., "status": ..., "detail": ...,
//  "instance": "urn:caduceus:request:<request_id>" (when known), "field": ... (when given)},
// with nosniff, frame denial, a deny-all CSP and no-store, since the server sends problems of
// its own before any application layer sees the request.
Response Problem(int status,
                 std::string_view slug,
                 std::string_view title,
                 std::string_view detail,
                 std::string_view request_id = {},
                 std::string_view field = {});

}  // namespace caduceus::http
