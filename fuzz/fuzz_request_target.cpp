// ParseTarget on arbitrary request-targets, then Router::Find on what it accepts. Traps when an
// accepted path breaks ParseTarget's contract.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/text.h"
#include "http/http.h"

namespace {

using caduceus::http::Method;
using caduceus::http::Request;
using caduceus::http::Response;
using caduceus::http::Router;

const Router& TestRouter() {
  static const Router* router = [] {
    auto* r = new Router;
    const auto ok = [](Request&) { return Response::NoContent(); };
    r->Add(Method::kGet, "/", ok);
    r->Add(Method::kGet, "/api/v1/orgs", ok);
    r->Add(Method::kPost, "/api/v1/orgs", ok);
    r->Add(Method::kGet, "/api/v1/orgs/{org}", ok);
    r->Add(Method::kGet, "/api/v1/orgs/me", ok);
    r->Add(Method::kDelete, "/api/v1/orgs/{org}/users/{user}", ok);
    r->Add(Method::kGet, "/{a}/{b}/{c}", ok);
    return r;
  }();
  return *router;
}

void Check(bool condition) {
  if (!condition) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const auto method = static_cast<Method>(data[0] % 8);
  const std::string_view target(reinterpret_cast<const char*>(data + 1), size - 1);
  const auto parsed = caduceus::http::ParseTarget(target);
  if (!parsed) return 0;

  const std::string& path = parsed->path;
  Check(!path.empty() && path.front() == '/');
  Check(path.find('\0') == std::string::npos);
  Check(path.find("//") == std::string::npos);
  Check(path.find("/../") == std::string::npos && path.find("/./") == std::string::npos);
  Check(!path.ends_with("/..") && !path.ends_with("/."));
  Check(caduceus::ValidUtf8(path));
  for (const auto& [key, value] : parsed->query) {
    Check(key.find('\0') == std::string::npos && value.find('\0') == std::string::npos);
  }

  Request request;
  request.method = method;
  request.path = path;
  const auto match = TestRouter().Find(request);
  if (match.route != nullptr) {
    Check(match.path_matched);
    for (const auto& [name, value] : request.path_params) Check(!value.empty());
  }
  return 0;
}
