// Routes of intel correlation and sightings: "seen in N reports by M organisations" for values
// and for an object's observables, and sightings reported and summarised per Member State.
// Everything is filtered by what the caller may see; an invisible object is a 404 like a missing
// one.
#include <cctype>
#include <string>
#include <vector>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "api/internal.h"
#include "http/json_body.h"
#include "intel/analysis.h"

namespace caduceus::api {

namespace json = boost::json;
using http::Method;
using identity::Actor;
using intel::IntelAnalysis;

namespace {

// A correlation request carries up to IntelAnalysis::kMaxValues values.
constexpr std::size_t kMaxCorrelateBodyBytes = 4 * 1024 * 1024;
constexpr std::size_t kMaxValueBytes = 8192;
constexpr std::int64_t kDefaultRelated = 20;

std::string_view RelationName(intel::Relation r) {
  switch (r) {
    case intel::Relation::kSame:
      return "same";
    case intel::Relation::kParent:
      return "parent";
    case intel::Relation::kChild:
      return "child";
  }
  return "same";
}

json::object ObservableJson(const intel::Observable& o) {
  return {{"kind", intel::KindName(o.kind)}, {"value", o.value}};
}

json::object CorrelationsJson(const intel::CorrelationReport& report) {
  json::array items;
  for (const auto& v : report.values) {
    json::array related;
    for (const auto& r : v.related) {
      json::object collection;
      if (auto it = report.collections.find(r.collection_id); it != report.collections.end()) {
        collection = {{"id", it->second.uuid}, {"title", it->second.title}};
      }
      related.push_back(json::object{{"id", r.stix_id},
                                     {"type", r.type},
                                     {"name", r.name},
                                     {"collection", std::move(collection)},
                                     {"relation", RelationName(r.relation)},
                                     {"matched", ObservableJson(r.matched)}});
    }
    json::object item = ObservableJson(v.value);
    item["objects"] = v.objects;
    item["organisations"] = v.organisations;
    item["capped"] = v.capped;
    item["related"] = std::move(related);
    items.push_back(std::move(item));
  }
  return {{"items", std::move(items)}};
}

json::object NamedJson(const intel::NamedSighting& s) {
  return {{"org_id", s.org_id},
          {"org_name", s.org_name},
          {"count", s.count},
          {"first_seen", OptTime(s.first_seen)},
          {"last_seen", OptTime(s.last_seen)}};
}

json::object SummaryJson(const intel::SightingSummary& s) {
  json::array by_country;
  for (const auto& c : s.by_country) {
    by_country.push_back(json::object{{"country", c.country},
                                      {"organisations", c.organisations},
                                      {"count", c.count},
                                      {"first_seen", OptTime(c.first_seen)},
                                      {"last_seen", OptTime(c.last_seen)}});
  }
  json::array own, shared;
  for (const auto& n : s.own) own.push_back(NamedJson(n));
  for (const auto& n : s.shared) shared.push_back(NamedJson(n));
  return {{"sighting_of_ref", s.sighting_of_ref},
          {"total", s.total},
          {"by_country", std::move(by_country)},
          {"own", std::move(own)},
          {"shared", std::move(shared)}};
}

// The body of POST /intel/correlate: JSON like JsonBody, with room for kMaxValues values.
Result<json::object> CorrelateBody(const http::Request& request) {
  if (request.body.size() <= kMaxJsonBodyBytes) return JsonBody(request);
  std::string media(request.Header("Content-Type").value_or(""));
  media = media.substr(0, media.find(';'));
  while (!media.empty() && media.back() == ' ') media.pop_back();
  for (auto& c : media) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (media != "application/json") {
    return Error{Errc::kUnsupportedMediaType, "the body must be application/json", {}};
  }
  if (request.body.size() > kMaxCorrelateBodyBytes) {
    return Error{
        Errc::kPayloadTooLarge,
        fmt::format("a correlation request may not exceed {} bytes", kMaxCorrelateBodyBytes),
        {}};
  }
  return http::ParseJsonObject(request.body);
}

Result<std::vector<intel::Observable>> ReadValues(const json::value* raw) {
  if (raw == nullptr || !raw->is_array()) return Error::Invalid("must be an array", "values");
  const auto& array = raw->get_array();
  if (array.size() > IntelAnalysis::kMaxValues) {
    return Error::Invalid(fmt::format("at most {} values", IntelAnalysis::kMaxValues), "values");
  }
  std::vector<intel::Observable> values;
  values.reserve(array.size());
  for (std::size_t i = 0; i < array.size(); ++i) {
    const std::string where = fmt::format("values/{}", i);
    if (!array[i].is_object()) return Error::Invalid("must be an object", where);
    http::FieldReader f(array[i].get_object());
    auto kind_name = f.String("kind", 40);
    auto value = f.String("value", kMaxValueBytes);
    if (auto s = f.Finish(); !s) {
      return Error::Invalid(s.error().message, where + "/" + s.error().field);
    }
    auto kind = intel::ParseKindName(*kind_name);
    if (!kind) return Error::Invalid("unknown observable kind", where + "/kind");
    auto normal = intel::Normalise(*kind, *value);
    if (!normal) {
      return Error::Invalid(fmt::format("not a valid {}", intel::KindName(*kind)),
                            where + "/value");
    }
    values.push_back(std::move(*normal));
  }
  return values;
}

Result<std::optional<TimePoint>> OptTimeField(http::FieldReader& f, std::string_view key) {
  auto text = f.String(key, 64, false);
  if (!text) return std::optional<TimePoint>();
  auto t = ParseRfc3339(*text);
  if (!t) return Error::Invalid("must be an RFC 3339 timestamp", std::string(key));
  return std::optional<TimePoint>(*t);
}

}  // namespace

void RegisterIntelAnalysisRoutes(Registrar& r, Services& s) {
  IntelAnalysis& svc = s.intel_analysis;

  r.Add(Method::kGet, "/api/v1/intel/objects/{stix_id}/correlations", Read(),
        [&svc](http::Request& req, RequestContext& ctx) {
          std::int64_t max_related = kDefaultRelated;
          if (auto v = req.QueryParam("max_related")) {
            auto n = ParseInteger(*v, 0, static_cast<std::int64_t>(IntelAnalysis::kMaxRelated));
            if (!n) {
              return ErrorResponse(Error::Invalid(fmt::format("must be an integer from 0 to {}",
                                                              IntelAnalysis::kMaxRelated),
                                                  "max_related"),
                                   req.request_id);
            }
            max_related = *n;
          }
          auto report = svc.CorrelationsOf(Actor::Of(*ctx.principal), req.PathParam("stix_id"),
                                           static_cast<std::size_t>(max_related));
          if (!report) return ErrorResponse(report.error(), req.request_id);
          return JsonResponse(200, CorrelationsJson(*report));
        });

  r.Add(Method::kPost, "/api/v1/intel/correlate", Write("intel.correlate"),
        [&svc](http::Request& req, RequestContext& ctx) {
          auto body = CorrelateBody(req);
          if (!body) return ErrorResponse(body.error(), req.request_id);
          http::FieldReader f(*body);
          const json::value* raw = f.Raw("values", true);
          auto max_related =
              f.Int("max_related", 0, static_cast<std::int64_t>(IntelAnalysis::kMaxRelated), false);
          if (auto st = f.Finish(); !st) return ErrorResponse(st.error(), req.request_id);
          auto values = ReadValues(raw);
          if (!values) return ErrorResponse(values.error(), req.request_id);
          ctx.audit_detail = json::serialize(json::object{{"values", values->size()}});
          auto report =
              svc.CorrelateValues(Actor::Of(*ctx.principal), *values,
                                  static_cast<std::size_t>(max_related.value_or(kDefaultRelated)));
          if (!report) return ErrorResponse(report.error(), req.request_id);
          return JsonResponse(200, CorrelationsJson(*report));
        });

  r.Add(Method::kPost, "/api/v1/intel/sightings", Write("intel.sighting"),
        [&svc](http::Request& req, RequestContext& ctx) {
          auto body = JsonBody(req);
          if (!body) return ErrorResponse(body.error(), req.request_id);
          http::FieldReader f(*body);
          intel::SightingInput in;
          auto ref = f.String("sighting_of_ref", 300);
          auto count = f.Int("count", 1, 999'999'999);
          auto first = OptTimeField(f, "first_seen");
          auto last = OptTimeField(f, "last_seen");
          auto share = f.Bool("share_identity", false);
          if (auto st = f.Finish(); !st) return ErrorResponse(st.error(), req.request_id);
          if (!first) return ErrorResponse(first.error(), req.request_id);
          if (!last) return ErrorResponse(last.error(), req.request_id);
          in.sighting_of_ref = *ref;
          in.count = *count;
          in.first_seen = *first;
          in.last_seen = *last;
          in.share_identity = share.value_or(false);
          in.source = ctx.session_token.empty() ? "api" : "ui";
          ctx.audit_target = fmt::format("intel-object:{}", in.sighting_of_ref);
          ctx.audit_detail = json::serialize(
              json::object{{"count", in.count}, {"share_identity", in.share_identity}});
          const Actor actor = Actor::Of(*ctx.principal);
          if (auto st = svc.ReportSighting(actor, in); !st) {
            return ErrorResponse(st.error(), req.request_id);
          }
          auto summary = svc.Sightings(actor, in.sighting_of_ref);
          if (!summary) return ErrorResponse(summary.error(), req.request_id);
          return JsonResponse(201, SummaryJson(*summary));
        });

  r.Add(Method::kGet, "/api/v1/intel/objects/{stix_id}/sightings", Read(),
        [&svc](http::Request& req, RequestContext& ctx) {
          auto summary = svc.Sightings(Actor::Of(*ctx.principal), req.PathParam("stix_id"));
          if (!summary) return ErrorResponse(summary.error(), req.request_id);
          return JsonResponse(200, SummaryJson(*summary));
        });
}

}  // namespace caduceus::api
