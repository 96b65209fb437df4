// Routes of the incidents module: NIS2 incident reports, the CSIRT's and support centre's
// actions, reminders, statistics and the printable per-incident report.
#include <chrono>
#include <map>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "api/internal.h"
#include "http/json_body.h"
#include "incidents/render.h"
#include "incidents/service.h"

namespace caduceus::api {

namespace json = boost::json;
using http::Method;
using identity::Actor;
using incidents::IncidentService;

namespace {

json::object DeadlineJson(const incidents::Deadline& d) {
  json::object o{{"stage", incidents::ToString(d.stage)},
                 {"due_at", OptTime(d.due_at)},
                 {"state", incidents::ToString(d.state)},
                 {"submitted_at", OptTime(d.submitted_at)},
                 {"due_soon_at", OptTime(d.due_soon_at)}};
  if (d.request_id) o["request_id"] = *d.request_id;
  return o;
}

json::object SummaryJson(const incidents::IncidentSummary& s) {
  json::array deadlines;
  for (const auto& d : s.deadlines) deadlines.push_back(DeadlineJson(d));
  json::value classification = nullptr;
  if (s.classification) {
    classification = json::object{{"category", s.classification->category},
                                  {"severity", s.classification->severity},
                                  {"significant", s.classification->significant},
                                  {"at", FormatRfc3339(s.classification->at)}};
  }
  const auto opt = [](const std::optional<std::string>& v) {
    return v ? json::value(*v) : json::value(nullptr);
  };
  return {{"id", s.id},
          {"reference", s.reference},
          {"title", s.title},
          {"provider_id", s.provider_id},
          {"provider_name", s.provider_name},
          {"provider_type", s.provider_type},
          {"country", s.country},
          {"authority_id", s.authority_id},
          {"authority_name", s.authority_name},
          {"status", incidents::ToString(s.status)},
          {"ongoing", s.ongoing},
          {"shared_with_support_centre", s.shared_with_support_centre},
          {"aware_at", FormatRfc3339(s.aware_at)},
          {"created_at", FormatRfc3339(s.created_at)},
          {"updated_at", FormatRfc3339(s.updated_at)},
          {"acknowledged_at", OptTime(s.acknowledged_at)},
          {"handled_at", OptTime(s.handled_at)},
          {"closed_at", OptTime(s.closed_at)},
          {"rapid_response_requested_at", OptTime(s.rapid_response_requested_at)},
          {"latest_stage", s.latest_stage ? json::value(incidents::ToString(*s.latest_stage))
                                          : json::value(nullptr)},
          {"incident_type", opt(s.incident_type)},
          {"severity", opt(s.severity)},
          {"classification", std::move(classification)},
          {"deadlines", std::move(deadlines)},
          {"waiting", json::object{{"unacknowledged", s.waiting.unacknowledged},
                                   {"due_soon", s.waiting.due_soon},
                                   {"overdue", s.waiting.overdue},
                                   {"unanswered_requests", s.waiting.unanswered_requests}}}};
}

json::object ReportJson(const incidents::Report& r) {
  return {{"id", r.id},
          {"stage", incidents::ToString(incidents::StageOf(r.fields))},
          {"version", r.version},
          {"fields", incidents::ToJson(r.fields)},
          {"submitted_by", r.submitted_by},
          {"organisation_id", r.organisation_id ? json::value(*r.organisation_id) : nullptr},
          {"submitted_at", FormatRfc3339(r.submitted_at)}};
}

json::object IncidentJson(const incidents::Incident& inc) {
  json::object out = SummaryJson(inc.summary);
  // Per stage: the latest report, and the earlier versions oldest first.
  std::map<incidents::Stage, std::vector<const incidents::Report*>> by_stage;
  for (const auto& r : inc.reports) by_stage[incidents::StageOf(r.fields)].push_back(&r);
  json::object reports;
  for (const auto& [stage, list] : by_stage) {
    json::array history;
    for (std::size_t i = 0; i + 1 < list.size(); ++i) history.push_back(ReportJson(*list[i]));
    reports[incidents::ToString(stage)] =
        json::object{{"latest", ReportJson(*list.back())}, {"history", std::move(history)}};
  }
  json::array timeline;
  for (const auto& e : inc.timeline) {
    timeline.push_back(json::object{
        {"id", e.id != 0 ? json::value(e.id) : nullptr},
        {"kind", e.kind},
        {"at", FormatRfc3339(e.at)},
        {"actor", e.actor},
        {"organisation_id", e.organisation_id ? json::value(*e.organisation_id) : nullptr},
        {"organisation_name", e.organisation_name},
        {"detail", e.detail}});
  }
  json::array requests;
  for (const auto& q : inc.requests) {
    requests.push_back(json::object{
        {"id", q.id},
        {"question", q.question},
        {"asked_by", q.asked_by},
        {"asked_at", FormatRfc3339(q.asked_at)},
        {"due_at", FormatRfc3339(q.due_at)},
        {"answered_at", OptTime(q.answered_at)},
        {"answer_report_id", q.answered_by_report ? json::value(*q.answered_by_report) : nullptr}});
  }
  json::array rapid;
  for (const auto& rr : inc.rapid_responses) {
    rapid.push_back(
        json::object{{"id", rr.id},
                     {"entity", rr.request.entity},
                     {"impact", rr.request.impact},
                     {"support_wanted", rr.request.support_wanted},
                     {"mitigation_taken", rr.request.mitigation_taken},
                     {"other_support",
                      rr.request.other_support ? json::value(*rr.request.other_support) : nullptr},
                     {"requested_by", rr.requested_by},
                     {"requested_at", FormatRfc3339(rr.requested_at)}});
  }
  out["reports"] = std::move(reports);
  out["timeline"] = std::move(timeline);
  out["requests"] = std::move(requests);
  out["rapid_responses"] = std::move(rapid);
  out["can_report"] = inc.can_report;
  out["can_handle"] = inc.can_handle;
  out["can_assist"] = inc.can_assist;
  return out;
}

json::object GroupJson(const incidents::StatGroup& g) {
  json::object o{{"key", g.key}, {"label", g.label}, {"suppressed", !g.incidents.has_value()}};
  if (g.incidents) o["incidents"] = *g.incidents;
  return o;
}

json::array GroupsJson(const std::vector<incidents::StatGroup>& groups) {
  json::array out;
  for (const auto& g : groups) out.push_back(GroupJson(g));
  return out;
}

// A calendar date YYYY-MM-DD as the start of that day (UTC).
std::optional<TimePoint> ParseDay(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  const auto y = ParseInteger(text.substr(0, 4), 2000, 2100);
  const auto m = ParseInteger(text.substr(5, 2), 1, 12);
  const auto d = ParseInteger(text.substr(8, 2), 1, 31);
  if (!y || !m || !d) return std::nullopt;
  const std::chrono::year_month_day ymd{std::chrono::year(static_cast<int>(*y)),
                                        std::chrono::month(static_cast<unsigned>(*m)),
                                        std::chrono::day(static_cast<unsigned>(*d))};
  if (!ymd.ok()) return std::nullopt;
  return std::chrono::sys_days(ymd);
}

Result<incidents::StatisticsQuery> StatisticsParams(const http::Request& req) {
  incidents::StatisticsQuery q;
  if (auto v = req.QueryParam("organisation_id")) {
    q.organisation_id = ParseInteger(*v, 1, INT64_MAX);
    if (!q.organisation_id) {
      return Error::Invalid("organisation_id must be a positive integer", "organisation_id");
    }
  }
  if (auto v = req.QueryParam("from")) {
    q.from = ParseDay(*v);
    if (!q.from) return Error::Invalid("from must be a date YYYY-MM-DD", "from");
  }
  if (auto v = req.QueryParam("to")) {
    const auto day = ParseDay(*v);
    if (!day) return Error::Invalid("to must be a date YYYY-MM-DD", "to");
    q.to = *day + std::chrono::days(1);  // the whole of that day
  }
  return q;
}

}  // namespace

void RegisterIncidentRoutes(Registrar& r, Services& s) {
  IncidentService& svc = s.incidents;

  r.Add(Method::kGet, "/api/v1/incidents", Read(), [&svc](http::Request& req, RequestContext& ctx) {
    incidents::IncidentFilter filter;
    if (auto v = req.QueryParam("status")) {
      filter.status = incidents::ParseIncidentStatus(*v);
      if (!filter.status) {
        return ErrorResponse(Error::Invalid("status must be open or closed", "status"),
                             req.request_id);
      }
    }
    if (auto v = req.QueryParam("limit")) {
      const auto limit = ParseInteger(*v, 1, incidents::kMaxListLimit);
      if (!limit) {
        return ErrorResponse(
            Error::Invalid(fmt::format("limit must be from 1 to {}", incidents::kMaxListLimit),
                           "limit"),
            req.request_id);
      }
      filter.limit = static_cast<int>(*limit);
    }
    if (auto v = req.QueryParam("before")) {
      filter.before_id = ParseInteger(*v, 1, INT64_MAX);
      if (!filter.before_id) {
        return ErrorResponse(Error::Invalid("before must be a positive integer", "before"),
                             req.request_id);
      }
    }
    auto page = svc.List(Actor::Of(*ctx.principal), filter);
    if (!page) return ErrorResponse(page.error(), req.request_id);
    json::array items;
    for (const auto& i : page->items) items.push_back(SummaryJson(i));
    return JsonResponse(
        200, json::object{{"items", std::move(items)},
                          {"next_before", page->next_before ? json::value(*page->next_before)
                                                            : json::value(nullptr)}});
  });

  r.Add(Method::kPost, "/api/v1/incidents", Write("incident.create"),
        [&svc](http::Request& req, RequestContext& ctx) {
          auto body = JsonBody(req);
          if (!body) return ErrorResponse(body.error(), req.request_id);
          http::FieldReader f(*body);
          incidents::NewIncident n;
          n.title = f.String("title", incidents::kMaxTitle).value_or("");
          const auto aware = f.String("aware_at", 64);
          n.share_with_support_centre = f.Bool("share_with_support_centre", false).value_or(false);
          if (auto st = f.Finish(); !st) return ErrorResponse(st.error(), req.request_id);
          const auto aware_at = ParseRfc3339(*aware);
          if (!aware_at) {
            return ErrorResponse(Error::Invalid("aware_at must be an RFC 3339 time", "aware_at"),
                                 req.request_id);
          }
          n.aware_at = *aware_at;
          auto created = svc.Create(Actor::Of(*ctx.principal), n);
          if (!created) return ErrorResponse(created.error(), req.request_id);
          ctx.audit_target = fmt::format("incident:{}", created->summary.id);
          ctx.audit_detail = json::serialize(json::object{
              {"reference", created->summary.reference},
              {"authority_id", created->summary.authority_id},
              {"shared_with_support_centre", created->summary.shared_with_support_centre}});
          return JsonResponse(201, IncidentJson(*created));
        });

  r.Add(Method::kGet, "/api/v1/incidents/reminders", Read(),
        [&svc](http::Request&, RequestContext& ctx) {
          json::array items;
          for (const auto& m : svc.Reminders(Actor::Of(*ctx.principal))) {
            json::object o{{"incident_id", m.incident_id},
                           {"reference", m.reference},
                           {"title", m.title},
                           {"stage", incidents::ToString(m.deadline.stage)},
                           {"due_at", OptTime(m.deadline.due_at)},
                           {"state", incidents::ToString(m.deadline.state)},
                           {"action_needed", m.action_needed}};
            if (m.deadline.request_id) o["request_id"] = *m.deadline.request_id;
            items.push_back(std::move(o));
          }
          return JsonResponse(200, json::object{{"items", std::move(items)}});
        });

  r.Add(Method::kGet, "/api/v1/incidents/statistics", Read(),
        [&svc](http::Request& req, RequestContext& ctx) {
          auto query = StatisticsParams(req);
          if (!query) return ErrorResponse(query.error(), req.request_id);
          const std::string format = req.QueryParam("format").value_or("json");
          if (format != "json" && format != "csv") {
            return ErrorResponse(Error::Invalid("format must be json or csv", "format"),
                                 req.request_id);
          }
          auto st = svc.ComputeStatistics(Actor::Of(*ctx.principal), *query);
          if (!st) return ErrorResponse(st.error(), req.request_id);
          if (format == "csv") {
            auto resp =
                http::Response::Text(200, incidents::StatisticsCsv(*st), "text/csv; charset=utf-8");
            resp.headers.Set("Content-Disposition",
                             fmt::format("attachment; filename=\"caduceus-incidents-{}.csv\"",
                                         st->scope_key == "EU" ? "eu" : st->scope_key));
            return resp;
          }
          json::object care;
          for (const auto& g : st->care_impact) care[g.key] = GroupJson(g);
          return JsonResponse(
              200, json::object{{"scope", json::object{{"key", st->scope_key},
                                                       {"label", st->scope_label},
                                                       {"organisation", st->organisation}}},
                                {"from", OptTime(st->from)},
                                {"to", OptTime(st->to)},
                                {"k_min", incidents::kStatisticsMinProviders},
                                {"total", GroupJson(st->total)},
                                {"by_type", GroupsJson(st->by_type)},
                                {"by_month", GroupsJson(st->by_month)},
                                {"by_country", GroupsJson(st->by_country)},
                                {"by_provider_type", GroupsJson(st->by_provider_type)},
                                {"care_impact", std::move(care)}});
        });

  r.Add(Method::kGet, "/api/v1/incidents/{id}", Read(),
        [&svc](http::Request& req, RequestContext& ctx) {
          auto id = IdParam(req, "id");
          if (!id) return ErrorResponse(id.error(), req.request_id);
          auto inc = svc.Get(Actor::Of(*ctx.principal), *id);
          if (!inc) return ErrorResponse(inc.error(), req.request_id);
          return JsonResponse(200, IncidentJson(*inc));
        });

  r.Add(Method::kPost, "/api/v1/incidents/{id}/reports", Write("incident.report"),
        [&svc](http::Request& req, RequestContext& ctx) {
          auto id = IdParam(req, "id");
          if (!id) return ErrorResponse(id.error(), req.request_id);
          ctx.audit_target = fmt::format("incident:{}", *id);
          auto body = JsonBody(req);
          if (!body) return ErrorResponse(body.error(), req.request_id);
          auto fields = incidents::ParseSubmission(*body);
          if (!fields) return ErrorResponse(fields.error(), req.request_id);
          auto inc = svc.SubmitReport(Actor::Of(*ctx.principal), *id, *fields);
          if (!inc) return ErrorResponse(inc.error(), req.request_id);
          ctx.audit_org = inc->summary.provider_id;
          ctx.audit_detail = json::serialize(
              json::object{{"stage", incidents::ToString(incidents::StageOf(*fields))}});
          return JsonResponse(201, IncidentJson(*inc));
        });

  r.Add(Method::kPost, "/api/v1/incidents/{id}/actions", Write("incident.action"),
        [&svc](http::Request& req, RequestContext& ctx) {
          auto id = IdParam(req, "id");
          if (!id) return ErrorResponse(id.error(), req.request_id);
          ctx.audit_target = fmt::format("incident:{}", *id);
          auto body = JsonBody(req);
          if (!body) return ErrorResponse(body.error(), req.request_id);
          auto action = incidents::ParseAction(*body);
          if (!action) return ErrorResponse(action.error(), req.request_id);
          auto inc = svc.Act(Actor::Of(*ctx.principal), *id, *action);
          if (!inc) return ErrorResponse(inc.error(), req.request_id);
          ctx.audit_org = inc->summary.provider_id;
          ctx.audit_detail =
              json::serialize(json::object{{"type", incidents::ToString(action->type)}});
          return JsonResponse(200, IncidentJson(*inc));
        });

  r.Add(Method::kGet, "/api/v1/incidents/{id}/report", Read(),
        [&svc, &s](http::Request& req, RequestContext& ctx) {
          auto id = IdParam(req, "id");
          if (!id) return ErrorResponse(id.error(), req.request_id);
          auto inc = svc.Get(Actor::Of(*ctx.principal), *id);
          if (!inc) return ErrorResponse(inc.error(), req.request_id);
          auto resp =
              http::Response::Text(200, incidents::RenderIncidentReport(*inc, s.clock.Now()),
                                   "text/html; charset=utf-8");
          resp.headers.Set("Content-Security-Policy",
                           "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; "
                           "form-action 'none'; frame-ancestors 'none'; sandbox");
          return resp;
        });
}

}  // namespace caduceus::api
