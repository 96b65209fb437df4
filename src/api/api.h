// The HTTP API of the hub: maps routes to the domain modules.
//
// Request flow (Api::Handle): route lookup -> authentication (bearer token or session cookie)
// -> route authorisation (identity/policy.h, the only place access is decided) -> CSRF check
// for cookie-authenticated unsafe methods -> handler -> error boundary (every Error and
// exception becomes RFC 9457 problem+json) -> security headers -> audit entry for every
// state-changing request -> metrics and access log.
//
// Handlers are thin: parse and validate the body (http/json_body.h), call a domain service with
// the authenticated Principal, serialise the result. They never take the caller's organisation
// or role from the request.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "http/http.h"

namespace caduceus {
class MetricsRegistry;
namespace storage {
class Database;
}
namespace identity {
class IdentityService;
struct Principal;
}  // namespace identity
namespace audit {
class AuditLog;
}
namespace assessment {
class AssessmentService;
}
namespace catalogue {
class CatalogueService;
}
namespace incidents {
class IncidentService;
}
namespace recovery {
class RecoveryService;
}
namespace intel {
class IntelService;
class IntelAnalysis;
class FeedService;
class ExportService;
class Warninglists;
}  // namespace intel
namespace advisories {
class AdvisoryService;
class AlertService;
class InventoryService;
class DeliveryService;
}  // namespace advisories
}  // namespace caduceus

namespace caduceus::api {

struct ApiOptions {
  std::string web_root;          // built web UI (web/dist); empty = no UI
  bool secure_cookies = false;   // true behind TLS: Secure cookies and HSTS
  bool json_access_log = false;  // access log as JSON lines instead of text
  std::string metrics_token;     // if set, /metrics also accepts this bearer token
  // Reverse proxies (exact addresses) whose X-Forwarded-For is believed: the client address is
  // the right-most hop that is not one of them. Empty: the peer address is the client.
  std::vector<std::string> trusted_proxies;
};

struct Services {
  storage::Database& db;
  identity::IdentityService& identity;
  audit::AuditLog& audit;
  assessment::AssessmentService& assessment;
  catalogue::CatalogueService& catalogue;
  incidents::IncidentService& incidents;
  recovery::RecoveryService& recovery;
  intel::IntelService& intel;
  intel::IntelAnalysis& intel_analysis;
  intel::FeedService& feeds;
  intel::ExportService& exports;
  const intel::Warninglists& warninglists;
  advisories::AdvisoryService& advisories;
  advisories::AlertService& alerts;
  advisories::InventoryService& inventories;
  advisories::DeliveryService& delivery;
  MetricsRegistry& metrics;
  const Clock& clock;
};

class Api {
 public:
  Api(Services services, ApiOptions options);
  ~Api();
  Api(const Api&) = delete;
  Api& operator=(const Api&) = delete;

  // The server's handler. Thread-safe; never throws.
  http::Response Handle(http::Request& request);
  // The routes, for the OpenAPI consistency test.
  const http::Router& router() const;
  // The OpenAPI 3 description served at /api/v1/openapi.json.
  static std::string_view OpenApiJson();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace caduceus::api
