// Internal to the api module: how route files register handlers with the pipeline.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "api/api.h"
#include "core/error.h"
#include "http/http.h"
#include "identity/model.h"
#include "identity/policy.h"

namespace caduceus::audit {
struct Entry;
}

namespace caduceus::api {

// What the pipeline knows about the request when the handler runs.
struct RequestContext {
  const identity::Principal* principal = nullptr;  // null on public routes without credentials
  std::string session_token;                       // set when authenticated by cookie
  // Set by the login handler, so the audit entry names the user who logged in.
  std::optional<identity::Principal> logged_in;
  // Filled by handlers to make the audit entry precise.
  std::string audit_target;
  std::string audit_detail;  // JSON object text; never secrets
  // The organisation the change is about, when it is not the actor's own (an authority creating
  // a hospital user): the entry is filed there, so that organisation's admins see it too.
  std::optional<std::int64_t> audit_org;
  bool public_route = false;  // set by the pipeline
  // Whether the request's credentials still hold: the session not logged out or expired, the
  // token not revoked, the user not disabled. Set by the pipeline on authenticated requests, for
  // responses that outlive their request (event streams); false when the check itself fails.
  std::function<bool()> still_authenticated;
};

using RouteHandler = std::function<http::Response(http::Request&, RequestContext&)>;

struct RouteSpec {
  identity::RouteAccess access = identity::RouteAccess::kAuthenticated;
  identity::Gate gate = identity::Gate::kNormal;
  std::string action;  // audit action, e.g. "user.create"
};

// A route any signed-in caller may reach; the domain service decides what they see.
inline RouteSpec Read() { return {}; }
// The same for a route that changes state, audited as `action` (e.g. "intel.submit"); the
// service checks the caller's permission.
inline RouteSpec Write(std::string_view action) {
  return {identity::RouteAccess::kAuthenticated, identity::Gate::kNormal, std::string(action)};
}

class Registrar {
 public:
  virtual ~Registrar() = default;
  virtual void Add(http::Method method,
                   std::string pattern,
                   RouteSpec spec,
                   RouteHandler handler) = 0;
};

void RegisterIdentityRoutes(Registrar& r, Services& s, const ApiOptions& options);
void RegisterAuditRoutes(Registrar& r, Services& s);
void RegisterAssessmentRoutes(Registrar& r, Services& s);
void RegisterCatalogueRoutes(Registrar& r, Services& s);
void RegisterReportRoutes(Registrar& r, Services& s);
void RegisterIncidentRoutes(Registrar& r, Services& s);
void RegisterRecoveryRoutes(Registrar& r, Services& s);
void RegisterIntelRoutes(Registrar& r, Services& s);
void RegisterIntelAnalysisRoutes(Registrar& r, Services& s);
void RegisterIntelFeedRoutes(Registrar& r, Services& s);
void RegisterIntelExportRoutes(Registrar& r, Services& s);
void RegisterAdvisoryRoutes(Registrar& r, Services& s);
void RegisterAlertRoutes(Registrar& r, Services& s);
void RegisterDeliveryRoutes(Registrar& r, Services& s);
// TAXII 2.1 (routes_taxii.cpp): every route under /taxii2/.
void RegisterTaxiiRoutes(Registrar& r, Services& s);
// Whether a request path is TAXII's, and the TAXII error resource (section 3.6.1, media type
// application/taxii+json;version=2.1) that replaces problem+json there.
bool IsTaxiiPath(std::string_view path);
http::Response TaxiiErrorResponse(const Error& error, std::string_view request_id);
// The same with an HTTP status that no error code maps to (405).
http::Response TaxiiErrorResponse(int status, const Error& error, std::string_view request_id);

// Helpers shared by route files.
http::Response JsonResponse(int status, const boost::json::value& body);
http::Response ErrorResponse(const Error& error, std::string_view request_id);
// The largest JSON request body any route accepts; file uploads have their own limits.
inline constexpr std::size_t kMaxJsonBodyBytes = 1024 * 1024;
// Parses the body as a JSON object (415 unless Content-Type is application/json, 413 above
// kMaxJsonBodyBytes).
Result<boost::json::object> JsonBody(const http::Request& request);
// Parses a whole decimal integer within [min, max] (no sign tricks, no trailing text).
std::optional<std::int64_t> ParseInteger(std::string_view text, std::int64_t min, std::int64_t max);
// Parses a path parameter as a positive 64-bit id.
Result<std::int64_t> IdParam(const http::Request& request, std::string_view name);

boost::json::object ToJson(const identity::Organisation& org);
boost::json::object ToJson(const identity::User& user);
boost::json::object ToJson(const identity::ApiToken& token);
boost::json::object ToJson(const audit::Entry& entry);
boost::json::value OptTime(const std::optional<TimePoint>& t);

}  // namespace caduceus::api
