#include "http/http.h"

#include <algorithm>
#include <stdexcept>

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

#include "core/text.h"

namespace caduceus::http {
namespace {

constexpr std::size_t kMaxTargetBytes = 8 * 1024;

bool IEquals(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    const auto lower = [](char c) {
      return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
    };
    return lower(x) == lower(y);
  });
}

std::string_view TrimOws(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool IsControl(unsigned char c) { return c < 0x20 || c == 0x7F; }

// A decoded path segment is acceptable when it cannot change the shape of the path.
bool IsSafeSegment(std::string_view segment) {
  if (segment == "." || segment == "..") return false;
  return std::none_of(segment.begin(), segment.end(), [](char c) {
    return c == '/' || c == '\\' || IsControl(static_cast<unsigned char>(c));
  });
}

std::vector<std::string_view> SplitPath(std::string_view path) {
  std::vector<std::string_view> segments;
  if (path.size() <= 1) return segments;
  path.remove_prefix(1);
  while (true) {
    const auto slash = path.find('/');
    segments.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return segments;
}

bool IsParam(std::string_view segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

}  // namespace

std::string_view MethodName(Method m) {
  switch (m) {
    case Method::kGet:
      return "GET";
    case Method::kHead:
      return "HEAD";
    case Method::kPost:
      return "POST";
    case Method::kPut:
      return "PUT";
    case Method::kPatch:
      return "PATCH";
    case Method::kDelete:
      return "DELETE";
    case Method::kOptions:
      return "OPTIONS";
    case Method::kOther:
      break;
  }
  return "OTHER";
}

Method ParseMethod(std::string_view name) {
  // Method names are case-sensitive (RFC 9110 section 9.1).
  for (Method m : {Method::kGet, Method::kHead, Method::kPost, Method::kPut, Method::kPatch,
                   Method::kDelete, Method::kOptions}) {
    if (MethodName(m) == name) return m;
  }
  return Method::kOther;
}

void Headers::Add(std::string name, std::string value) {
  fields_.emplace_back(std::move(name), std::move(value));
}

void Headers::Set(std::string name, std::string value) {
  std::erase_if(fields_, [&](const auto& field) { return IEquals(field.first, name); });
  fields_.emplace_back(std::move(name), std::move(value));
}

std::optional<std::string_view> Headers::Get(std::string_view name) const {
  for (const auto& [field_name, value] : fields_) {
    if (IEquals(field_name, name)) return std::string_view(value);
  }
  return std::nullopt;
}

std::optional<std::string> Request::QueryParam(std::string_view name) const {
  for (const auto& [key, value] : query) {
    if (key == name) return value;
  }
  return std::nullopt;
}

// RFC 6265 section 5.4 syntax: cookie-pair *( ";" SP cookie-pair ), parsed leniently about
// whitespace. A value in double quotes is returned without them. Pairs without '=' are skipped.
std::optional<std::string> Request::Cookie(std::string_view name) const {
  if (name.empty()) return std::nullopt;
  for (const auto& [field_name, header] : headers.fields()) {
    if (!IEquals(field_name, "Cookie")) continue;
    std::string_view rest = header;
    while (!rest.empty()) {
      const auto semi = rest.find(';');
      const std::string_view pair = TrimOws(rest.substr(0, semi));
      rest = semi == std::string_view::npos ? std::string_view{} : rest.substr(semi + 1);
      const auto eq = pair.find('=');
      if (eq == std::string_view::npos) continue;
      if (TrimOws(pair.substr(0, eq)) != name) continue;
      std::string_view value = TrimOws(pair.substr(eq + 1));
      if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
        value = value.substr(1, value.size() - 2);
      }
      return std::string(value);
    }
  }
  return std::nullopt;
}

std::string_view Request::PathParam(std::string_view name) const {
  const auto it = path_params.find(name);
  return it == path_params.end() ? std::string_view{} : std::string_view(it->second);
}

Response Response::Json(int status, std::string body) {
  Response r;
  r.status = status;
  r.headers.Set("Content-Type", "application/json");
  r.body = std::move(body);
  return r;
}

Response Response::Text(int status, std::string body, std::string content_type) {
  Response r;
  r.status = status;
  r.headers.Set("Content-Type", std::move(content_type));
  r.body = std::move(body);
  return r;
}

Response Response::NoContent() {
  Response r;
  r.status = 204;
  return r;
}

// Beyond the contract in http.h: decoded path segments may not contain '/', '\\' or control
// characters and must be valid UTF-8; empty segments are rejected except a trailing one ("/a/");
// decoded query keys and values may not contain NUL and must be valid UTF-8; '+' in the query
// decodes to a space. Raw '[' and ']' in the query, which RFC 3986 reserves but clients send in
// TAXII filters (match[type]=...), are read as if percent-encoded.
std::optional<ParsedTarget> ParseTarget(std::string_view target) {
  if (target.empty() || target.size() > kMaxTargetBytes || target.front() != '/') {
    return std::nullopt;
  }
  std::string escaped;
  if (const auto question = target.find('?');
      question != std::string_view::npos &&
      target.find_first_of("[]", question) != std::string_view::npos) {
    escaped.assign(target.substr(0, question));
    for (char c : target.substr(question)) {
      if (c == '[') {
        escaped += "%5B";
      } else if (c == ']') {
        escaped += "%5D";
      } else {
        escaped += c;
      }
    }
    target = escaped;
  }
  const auto parsed = boost::urls::parse_origin_form(target);
  if (!parsed) return std::nullopt;
  const boost::urls::url_view& url = *parsed;

  ParsedTarget out;
  const auto segments = url.encoded_segments();
  std::size_t index = 0;
  const std::size_t count = segments.size();
  for (const auto& encoded : segments) {
    ++index;
    std::string segment = encoded.decode();
    if (segment.empty()) {
      if (index != count) return std::nullopt;
    } else if (!IsSafeSegment(segment)) {
      return std::nullopt;
    }
    out.path += '/';
    out.path += segment;
  }
  if (out.path.empty()) out.path = "/";
  if (!ValidUtf8(out.path)) return std::nullopt;

  if (url.has_query()) {
    for (const auto& param : url.params()) {
      if (param.key.empty() && !param.has_value) continue;  // "?" or "&&"
      if (param.key.find('\0') != std::string::npos ||
          param.value.find('\0') != std::string::npos || !ValidUtf8(param.key) ||
          !ValidUtf8(param.value)) {
        return std::nullopt;
      }
      out.query.emplace_back(param.key, param.value);
    }
  }
  return out;
}

void Router::Add(Method method, std::string pattern, Handler handler, std::string tag) {
  if (pattern.empty() || pattern.front() != '/') {
    throw std::invalid_argument("route pattern must start with '/': " + pattern);
  }
  const auto segments = SplitPath(pattern);
  for (std::size_t i = 0; i < segments.size(); ++i) {
    const std::string_view segment = segments[i];
    const bool trailing_slash = segment.empty() && i + 1 == segments.size();
    const bool has_brace =
        segment.find_first_of("{}") != std::string_view::npos && !IsParam(segment);
    if (trailing_slash) continue;
    if (segment.empty() || has_brace || (!IsParam(segment) && !IsSafeSegment(segment))) {
      throw std::invalid_argument("invalid route pattern: " + pattern);
    }
  }
  for (const auto& route : routes_) {
    if (route->method == method && route->pattern == pattern) {
      throw std::invalid_argument("duplicate route: " + pattern);
    }
  }
  routes_.push_back(std::make_unique<Route>(
      Route{method, std::move(pattern), std::move(handler), std::move(tag)}));
}

// Among routes whose pattern matches the path, a literal segment beats a parameter at the first
// position where they differ ("/orgs/me" before "/orgs/{id}"); HEAD falls back to a GET route.
Router::Match Router::Find(Request& request) const {
  const std::vector<std::string_view> path = SplitPath(request.path);
  Match match;
  const Route* best = nullptr;
  const Route* best_get = nullptr;
  std::vector<bool> best_shape;
  std::vector<bool> best_get_shape;
  std::vector<Method> methods;

  for (const auto& route : routes_) {
    const std::vector<std::string_view> pattern = SplitPath(route->pattern);
    if (pattern.size() != path.size()) continue;
    std::vector<bool> shape;  // true where the pattern is literal
    bool ok = true;
    for (std::size_t i = 0; i < pattern.size() && ok; ++i) {
      const bool param = IsParam(pattern[i]);
      ok = param ? !path[i].empty() : pattern[i] == path[i];
      shape.push_back(!param);
    }
    if (!ok) continue;
    methods.push_back(route->method);
    if (route->method == request.method && (best == nullptr || shape > best_shape)) {
      best = route.get();
      best_shape = shape;
    }
    if (route->method == Method::kGet && (best_get == nullptr || shape > best_get_shape)) {
      best_get = route.get();
      best_get_shape = shape;
    }
  }
  if (best == nullptr && request.method == Method::kHead) best = best_get;

  match.path_matched = !methods.empty();
  if (std::find(methods.begin(), methods.end(), Method::kGet) != methods.end()) {
    methods.push_back(Method::kHead);
  }
  std::sort(methods.begin(), methods.end());
  methods.erase(std::unique(methods.begin(), methods.end()), methods.end());
  match.allowed = std::move(methods);

  if (best != nullptr) {
    match.route = best;
    request.path_params.clear();
    const std::vector<std::string_view> pattern = SplitPath(best->pattern);
    for (std::size_t i = 0; i < pattern.size(); ++i) {
      if (IsParam(pattern[i])) {
        request.path_params.emplace(std::string(pattern[i].substr(1, pattern[i].size() - 2)),
                                    std::string(path[i]));
      }
    }
  }
  return match;
}

// Text fields are passed through SanitizeUtf8 so that a detail echoing client input always
// serialises to valid JSON.
Response Problem(int status,
                 std::string_view slug,
                 std::string_view title,
                 std::string_view detail,
                 std::string_view request_id,
                 std::string_view field) {
  boost::json::object body;
  body["type"] = "urn:caduceus:problem:" + SanitizeUtf8(slug);
  body["title"] = SanitizeUtf8(title);
  body["status"] = status;
  body["detail"] = SanitizeUtf8(detail);
  if (!request_id.empty()) body["instance"] = "urn:caduceus:request:" + SanitizeUtf8(request_id);
  if (!field.empty()) body["field"] = SanitizeUtf8(field);
  Response r;
  r.status = status;
  r.headers.Set("Content-Type", "application/problem+json");
  // Also answered by the server itself (400, 413, 431) before any application layer runs, so
  // the defensive headers travel with every problem document.
  r.headers.Set("X-Content-Type-Options", "nosniff");
  r.headers.Set("X-Frame-Options", "DENY");
  r.headers.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'");
  r.headers.Set("Cache-Control", "no-store");
  r.body = boost::json::serialize(body);
  return r;
}

}  // namespace caduceus::http
