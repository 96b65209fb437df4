#include <charconv>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "api/internal.h"
#include "audit/audit.h"
#include "http/json_body.h"

namespace caduceus::api {

namespace json = boost::json;

http::Response JsonResponse(int status, const json::value& body) {
  return http::Response::Json(status, json::serialize(body));
}

http::Response ErrorResponse(const Error& error, std::string_view request_id) {
  std::string_view slug = Slug(error.code);
  std::string_view field = error.field;
  int status = HttpStatus(error.code);
  // Error::field carries a few machine-readable refinements (see identity/service.h, policy.h).
  if (error.code == Errc::kUnauthenticated && field == "totp") {
    slug = "totp-required";
  } else if (error.code == Errc::kPermissionDenied &&
             (field == "password-change-required" || field == "totp-enrollment-required" ||
              field == "csrf")) {
    slug = field;
    field = {};
  }
  std::string retry_after;
  if (error.code == Errc::kRateLimited && field.starts_with("retry-after:")) {
    retry_after = std::string(field.substr(12));
    field = {};
  }
  std::string title;
  switch (error.code) {
    case Errc::kInvalidArgument:
      title = "Invalid input";
      break;
    case Errc::kUnauthenticated:
      title = "Authentication required";
      break;
    case Errc::kPermissionDenied:
      title = "Forbidden";
      break;
    case Errc::kNotFound:
      title = "Not found";
      break;
    case Errc::kConflict:
      title = "Conflict";
      break;
    case Errc::kPayloadTooLarge:
      title = "Payload too large";
      break;
    case Errc::kUnsupportedMediaType:
      title = "Unsupported media type";
      break;
    case Errc::kNotAcceptable:
      title = "Not acceptable";
      break;
    case Errc::kRateLimited:
      title = "Too many requests";
      break;
    case Errc::kUnavailable:
      title = "Service unavailable";
      break;
    case Errc::kInternal:
      title = "Internal error";
      break;
  }
  auto response = http::Problem(status, slug, title, error.message, request_id, field);
  if (!retry_after.empty()) response.headers.Set("Retry-After", retry_after);
  return response;
}

Result<json::object> JsonBody(const http::Request& request) {
  auto type = request.Header("Content-Type").value_or("");
  const auto semicolon = type.find(';');
  auto media = type.substr(0, semicolon);
  while (!media.empty() && media.back() == ' ') media.remove_suffix(1);
  std::string lower(media);
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower != "application/json") {
    return Error{Errc::kUnsupportedMediaType, "the body must be application/json", {}};
  }
  if (request.body.size() > kMaxJsonBodyBytes) {
    return Error{Errc::kPayloadTooLarge,
                 fmt::format("a JSON body may not exceed {} bytes", kMaxJsonBodyBytes),
                 {}};
  }
  return http::ParseJsonObject(request.body);
}

std::optional<std::int64_t> ParseInteger(std::string_view text,
                                         std::int64_t min,
                                         std::int64_t max) {
  if (text.empty() || text.size() > 20 || (text.front() == '-' && min >= 0)) return std::nullopt;
  std::int64_t value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size() || value < min || value > max) {
    return std::nullopt;
  }
  return value;
}

Result<std::int64_t> IdParam(const http::Request& request, std::string_view name) {
  auto id = ParseInteger(request.PathParam(name), 1, INT64_MAX);
  if (!id) return Error::NotFound("no such resource");
  return *id;
}

json::value OptTime(const std::optional<TimePoint>& t) {
  if (!t) return nullptr;
  return json::value(FormatRfc3339(*t));
}

namespace {
json::value OptStr(const std::optional<std::string>& s) {
  if (!s) return nullptr;
  return json::value(*s);
}
}  // namespace

json::object ToJson(const identity::Organisation& o) {
  json::object j;
  j["id"] = o.id;
  j["name"] = o.name;
  j["kind"] = std::string(identity::ToString(o.kind));
  j["parent_id"] = o.parent_id ? json::value(*o.parent_id) : json::value(nullptr);
  j["country"] = OptStr(o.country);
  j["provider_type"] = OptStr(o.provider_type);
  j["size_band"] = OptStr(o.size_band);
  j["require_totp"] = o.require_totp;
  j["created_at"] = FormatRfc3339(o.created_at);
  return j;
}

json::object ToJson(const identity::User& u) {
  json::object j;
  j["id"] = u.id;
  j["username"] = u.username;
  j["display_name"] = u.display_name;
  j["email"] = OptStr(u.email);
  j["role"] = std::string(identity::ToString(u.role));
  j["organisation_id"] = u.organisation_id;
  j["totp_enabled"] = u.totp_enabled;
  j["disabled"] = u.disabled;
  j["created_at"] = FormatRfc3339(u.created_at);
  j["last_login_at"] = OptTime(u.last_login_at);
  return j;
}

json::object ToJson(const identity::ApiToken& t) {
  json::object j;
  j["id"] = t.id;
  j["name"] = t.name;
  json::array scopes;
  for (auto s : t.scopes) scopes.emplace_back(std::string(identity::ToString(s)));
  j["scopes"] = std::move(scopes);
  j["prefix"] = t.prefix;
  j["created_at"] = FormatRfc3339(t.created_at);
  j["expires_at"] = FormatRfc3339(t.expires_at);
  j["last_used_at"] = OptTime(t.last_used_at);
  j["revoked"] = t.revoked;
  return j;
}

json::object ToJson(const audit::Entry& e) {
  json::object j;
  j["seq"] = e.seq;
  j["at"] = FormatRfc3339(e.at);
  j["actor"] = e.actor;
  j["organisation_id"] = e.organisation_id ? json::value(*e.organisation_id) : json::value(nullptr);
  j["action"] = e.action;
  j["target"] = e.target;
  j["address"] = e.address;
  j["request_id"] = e.request_id;
  j["status"] = e.status;
  j["hash"] = e.hash;
  return j;
}

}  // namespace caduceus::api
