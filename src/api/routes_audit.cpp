// Routes of the audit module: reading the log within the caller's oversight, verifying it.
#include <boost/json.hpp>

#include "api/internal.h"
#include "audit/audit.h"
#include "identity/service.h"

namespace caduceus::api {

namespace json = boost::json;
using identity::Gate;
using identity::Permission;
using identity::RouteAccess;

void RegisterAuditRoutes(Registrar& r, Services& s) {
  r.Add(
      http::Method::kGet, "/api/v1/audit", {RouteAccess::kAdmin, Gate::kNormal, ""},
      [&s](http::Request& req, RequestContext& ctx) {
        audit::Filter filter;
        if (auto v = req.QueryParam("limit")) {
          auto limit = ParseInteger(*v, 1, 500);
          if (!limit) {
            return ErrorResponse(Error::Invalid("limit must be an integer from 1 to 500", "limit"),
                                 req.request_id);
          }
          filter.limit = static_cast<int>(*limit);
        }
        if (auto v = req.QueryParam("before")) {
          filter.before_seq = ParseInteger(*v, 1, INT64_MAX);
          if (!filter.before_seq) {
            return ErrorResponse(Error::Invalid("before must be a positive integer", "before"),
                                 req.request_id);
          }
        }
        const auto& p = *ctx.principal;
        if (p.org_kind != identity::OrgKind::kSupportCentre) {
          // The organisations this admin oversees, selected in SQL through the index.
          filter.organisation_ids.emplace();
          for (const auto& org : s.identity.ListOrganisations(identity::Actor::Of(p))) {
            if (identity::Allowed(p, Permission::kReadAudit, {org.id, org.kind, org.parent_id})) {
              filter.organisation_ids->push_back(org.id);
            }
          }
        }
        auto entries = s.audit.List(filter);
        json::array items;
        for (const auto& e : entries) items.push_back(ToJson(e));
        json::value next = nullptr;
        if (static_cast<int>(entries.size()) == filter.limit) next = entries.back().seq;
        return JsonResponse(200, json::object{{"items", std::move(items)}, {"next_before", next}});
      });

  r.Add(http::Method::kPost, "/api/v1/audit/verify",
        {RouteAccess::kAdmin, Gate::kNormal, "audit.verify"},
        [&s](http::Request& req, RequestContext& ctx) {
          if (!identity::Allowed(*ctx.principal, Permission::kVerifyAudit, {})) {
            return ErrorResponse(Error::Denied("only support-centre admins verify the whole chain"),
                                 req.request_id);
          }
          auto report = s.audit.Verify();
          json::object body{
              {"ok", report.ok},
              {"entries_checked", report.entries_checked},
              {"first_broken_seq", report.first_broken_seq ? json::value(*report.first_broken_seq)
                                                           : json::value(nullptr)},
              {"reason", report.ok ? json::value(nullptr) : json::value(report.reason)}};
          return JsonResponse(200, body);
        });
}

}  // namespace caduceus::api
