// Routes that combine modules for people who steer: the sector progress report, and catalogue
// recommendations for a provider's weakest areas.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <set>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "api/internal.h"
#include "assessment/service.h"
#include "catalogue/service.h"
#include "identity/service.h"
#include "incidents/service.h"
#include "report/progress.h"

namespace caduceus::api {
namespace {

namespace json = boost::json;
using identity::Actor;
using identity::Gate;
using identity::OrgKind;
using identity::Permission;
using identity::RouteAccess;

// The organisation named by ?organisation_id= (default: the caller's own), if the caller may
// know of it; kNotFound otherwise, so existence does not leak.
Result<identity::Organisation> TargetOrganisation(const http::Request& req,
                                                  const identity::Principal& p,
                                                  identity::IdentityService& ids) {
  std::int64_t id = p.organisation_id;
  if (auto v = req.QueryParam("organisation_id")) {
    auto parsed = ParseInteger(*v, 1, INT64_MAX);
    if (!parsed)
      return Error::Invalid("organisation_id must be a positive integer", "organisation_id");
    id = *parsed;
  }
  return ids.GetOrganisation(Actor::Of(p), id);
}

Result<std::optional<int>> CycleParam(const http::Request& req) {
  auto v = req.QueryParam("cycle");
  if (!v) return std::optional<int>{};
  auto parsed = ParseInteger(*v, assessment::kMinCycle, assessment::kMaxCycle);
  if (!parsed) {
    return Error::Invalid(fmt::format("cycle must be a year from {} to {}", assessment::kMinCycle,
                                      assessment::kMaxCycle),
                          "cycle");
  }
  return std::optional<int>(static_cast<int>(*parsed));
}

std::vector<report::Count> Counts(const std::vector<incidents::StatGroup>& groups) {
  std::vector<report::Count> out;
  for (const auto& g : groups) out.push_back({g.label, g.incidents});
  return out;
}

// The last twelve months of incident statistics in the organisation's scope.
Result<report::IncidentFigures> IncidentFigures(incidents::IncidentService& service,
                                                const identity::Principal& p,
                                                std::int64_t organisation_id,
                                                TimePoint now) {
  incidents::StatisticsQuery query;
  query.organisation_id = organisation_id;
  query.from = now - std::chrono::days(365);
  query.to = now;
  auto stats = service.ComputeStatistics(Actor::Of(p), query);
  if (!stats) return stats.error();
  report::IncidentFigures f;
  f.period = fmt::format("{} to {}", FormatRfc3339(*query.from).substr(0, 10),
                         FormatRfc3339(now).substr(0, 10));
  f.k_min = incidents::kStatisticsMinProviders;
  f.total = {stats->total.label, stats->total.incidents};
  f.by_type = Counts(stats->by_type);
  f.by_country = Counts(stats->by_country);
  f.care_impact = Counts(stats->care_impact);
  return f;
}

// The catalogue's threats that an incident type is an instance of.
std::optional<std::string_view> ThreatOf(std::string_view incident_type) {
  for (std::string_view threat : {"ransomware", "phishing", "ddos", "data_breach", "supply_chain",
                                  "insider", "medical_device"}) {
    if (incident_type == threat) return threat;
  }
  return std::nullopt;
}

// Needs from the provider's incidents of the last twelve months: help against each threat met
// (more for an incident still open), and with incident handling itself.
std::vector<catalogue::Need> IncidentNeeds(incidents::IncidentService& service,
                                           const identity::Principal& p,
                                           std::int64_t organisation_id,
                                           TimePoint now) {
  incidents::IncidentFilter filter;
  filter.limit = incidents::kMaxListLimit;
  auto page = service.List(Actor::Of(p), filter);
  if (!page) return {};
  std::vector<catalogue::Need> needs;
  std::set<std::string_view> threats;
  int count = 0;
  for (const auto& incident : page->items) {
    if (incident.provider_id != organisation_id) continue;
    if (incident.aware_at < now - std::chrono::days(365)) continue;
    ++count;
    if (!incident.incident_type) continue;
    const auto threat = ThreatOf(*incident.incident_type);
    if (!threat || !threats.insert(*threat).second) continue;
    const bool open = incident.status == incidents::IncidentStatus::kOpen;
    needs.push_back(catalogue::Need::ForThreat(
        std::string(*threat), open ? 2.0 : 1.5,
        fmt::format("your organisation reported a {} incident ({}, {})",
                    incidents::IncidentTypeLabel(*incident.incident_type), incident.reference,
                    open ? "still open" : "closed")));
  }
  if (count > 0) {
    needs.push_back(catalogue::Need::ForMeasure(
        "b", 0.5,
        fmt::format("your organisation reported {} incident{} in the last twelve months", count,
                    count == 1 ? "" : "s")));
  }
  return needs;
}

}  // namespace

void RegisterReportRoutes(Registrar& r, Services& s) {
  r.Add(http::Method::kGet, "/api/v1/reports/progress",
        {RouteAccess::kAuthenticated, Gate::kNormal, ""},
        [&s](http::Request& req, RequestContext& ctx) {
          const auto& p = *ctx.principal;
          auto org = TargetOrganisation(req, p, s.identity);
          if (!org) return ErrorResponse(org.error(), req.request_id);
          if (!identity::Allowed(p, Permission::kReadProgressReport,
                                 {org->id, org->kind, org->parent_id})) {
            return ErrorResponse(
                Error::Denied("progress reports are for the staff of an authority or of the "
                              "support centre, about their own scope"),
                req.request_id);
          }
          auto cycle = CycleParam(req);
          if (!cycle) return ErrorResponse(cycle.error(), req.request_id);
          using assessment::Dimension;
          report::ProgressInput in;
          in.eu = s.assessment.Index(*cycle, Dimension::kEu);
          in.cycle = in.eu.cycle;
          in.by_country = s.assessment.Index(in.cycle, Dimension::kCountry);
          in.by_provider_type = s.assessment.Index(in.cycle, Dimension::kProviderType);
          in.by_size_band = s.assessment.Index(in.cycle, Dimension::kSizeBand);
          in.trend_by_country = s.assessment.Trend(Dimension::kCountry);
          in.coverage = s.assessment.Coverage(in.cycle, Dimension::kCountry);
          in.issuer = org->name;
          in.generated_at = s.clock.Now();
          auto figures = IncidentFigures(s.incidents, p, org->id, in.generated_at);
          if (!figures) return ErrorResponse(figures.error(), req.request_id);
          in.incidents = std::move(*figures);
          if (org->kind == OrgKind::kAuthority && org->country) {
            in.highlight_key = *org->country;
            in.scope_label = std::string(s.assessment.CountryName(*org->country));
            std::erase_if(in.coverage, [&](const auto& c) { return c.key != in.highlight_key; });
          } else {
            in.scope_label = "European Union";
          }
          auto resp = http::Response::Text(200, report::RenderProgressReport(in),
                                           "text/html; charset=utf-8");
          resp.headers.Set("Content-Security-Policy",
                           "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
                           "base-uri 'none'; form-action 'none'; frame-ancestors 'none'; sandbox");
          return resp;
        });

  r.Add(http::Method::kGet, "/api/v1/recommendations",
        {RouteAccess::kAuthenticated, Gate::kNormal, ""},
        [&s](http::Request& req, RequestContext& ctx) {
          const auto& p = *ctx.principal;
          auto org = TargetOrganisation(req, p, s.identity);
          if (!org) return ErrorResponse(org.error(), req.request_id);
          if (!identity::Allowed(p, Permission::kReadAssessment,
                                 {org->id, org->kind, org->parent_id})) {
            return ErrorResponse(Error::NotFound("recommendations are made for healthcare "
                                                 "providers whose assessments you may read"),
                                 req.request_id);
          }
          auto weaknesses = s.assessment.Weaknesses(Actor::Of(p), org->id);
          if (!weaknesses) return ErrorResponse(weaknesses.error(), req.request_id);
          // A domain counts as a need in proportion to how far it is from full marks.
          std::vector<catalogue::Need> needs;
          for (const auto& w : *weaknesses) {
            if (w.score >= 100) continue;
            const auto reason =
                fmt::format("your score in {} is {:.0f}/100", w.domain_title, w.score);
            for (const auto& measure : w.nis2) {
              needs.push_back(catalogue::Need::ForMeasure(measure, (100 - w.score) / 100, reason));
            }
          }
          for (auto& need : IncidentNeeds(s.incidents, p, org->id, s.clock.Now())) {
            needs.push_back(std::move(need));
          }
          json::value based_on = nullptr;
          assessment::AssessmentFilter filter;
          filter.organisation_id = org->id;
          if (auto list = s.assessment.List(Actor::Of(p), filter); !list.empty()) {
            based_on =
                json::object{{"assessment_id", list.front().id}, {"cycle", list.front().cycle}};
          }
          json::array items;
          for (auto& rec : s.catalogue.Recommend(needs, org->country, org->size_band, 10)) {
            json::array reasons;
            for (auto& reason : rec.reasons) reasons.emplace_back(std::move(reason));
            items.push_back(json::object{{"entry", catalogue::ToJson(rec.entry)},
                                         {"score", std::round(rec.score * 100) / 100},
                                         {"reasons", std::move(reasons)}});
          }
          return JsonResponse(
              200, json::object{{"based_on", std::move(based_on)}, {"items", std::move(items)}});
        });
}

}  // namespace caduceus::api
