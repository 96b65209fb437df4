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

// Most related objects an item of the sightings listing names.
constexpr std::size_t kMaxListedRelated = 10;
constexpr std::size_t kMaxListedDescription = 500;

json::value OptString(const json::object& o, std::string_view key) {
  if (const auto* v = o.if_contains(key); v != nullptr && v->is_string()) return *v;
  return nullptr;
}

// What a listed sighting shows of its object: enough to act on it without opening it.
json::object ContextJson(const intel::ObjectView& v) {
  json::object object;
  if (auto parsed = json::parse(v.latest.json); parsed.is_object()) {
    object = std::move(parsed.get_object());
  }
  json::array related;
  for (const auto& r : v.relationships) {
    if (related.size() == kMaxListedRelated) break;
    if (r.other_name.empty() || r.relationship_type == "object_ref") continue;
    related.push_back(json::object{{"id", r.other_id},
                                   {"type", r.other_type},
                                   {"name", r.other_name},
                                   {"relationship_type", r.relationship_type},
                                   {"outgoing", r.outgoing}});
  }
  json::value description = OptString(object, "description");
  if (const auto* d = description.if_string(); d && d->size() > kMaxListedDescription) {
    std::string cut(d->data(), kMaxListedDescription);
    while (!cut.empty() && (static_cast<unsigned char>(cut.back()) & 0xC0) == 0x80) cut.pop_back();
    if (!cut.empty() && (static_cast<unsigned char>(cut.back()) & 0x80) != 0) cut.pop_back();
    description = cut + "…";
  }
  json::value confidence = nullptr;
  if (const auto* c = object.if_contains("confidence"); c && c->is_int64()) confidence = *c;
  json::array indicator_types;
  if (const auto* t = object.if_contains("indicator_types"); t && t->is_array()) {
    for (const auto& item : t->get_array()) {
      if (item.is_string()) indicator_types.push_back(item);
    }
  }
  const auto* revoked = object.if_contains("revoked");
  return {{"id", v.latest.id},
          {"type", v.latest.type},
          {"name", v.name},
          {"tlp", TlpKey(v.latest.tlp)},
          {"confidence", std::move(confidence)},
          {"revoked", revoked != nullptr && revoked->is_bool() && revoked->get_bool()},
          {"warninglisted", v.latest.warninglisted},
          {"valid_until", OptString(object, "valid_until")},
          {"pattern", OptString(object, "pattern")},
          {"pattern_type", OptString(object, "pattern_type")},
          {"indicator_types", std::move(indicator_types)},
          {"description", std::move(description)},
          {"collection", json::object{{"id", v.collection_uuid}, {"title", v.collection_title}}},
          {"producer", json::object{{"id", v.latest.producer_id}, {"name", v.producer_name}}},
          {"related", std::move(related)}};
}

Result<intel::SightingQuery> SightingQueryParams(const http::Request& req, bool own) {
  intel::SightingQuery q;
  if (auto v = req.QueryParam("source"); v && !v->empty()) {
    if (!own) return Error::Invalid("source filters only view=own", "source");
    if (v->size() > 100) return Error::Invalid("source must be at most 100 bytes", "source");
    q.source = *v;
  }
  if (auto v = req.QueryParam("country"); v && !v->empty()) {
    if (own) return Error::Invalid("country filters only view=all", "country");
    if (v->size() != 2 || !std::isupper(static_cast<unsigned char>((*v)[0])) ||
        !std::isupper(static_cast<unsigned char>((*v)[1]))) {
      return Error::Invalid("country must be two upper-case letters", "country");
    }
    q.country = *v;
  }
  if (auto v = req.QueryParam("since"); v && !v->empty()) {
    q.reported_since = ParseRfc3339(*v);
    if (!q.reported_since) return Error::Invalid("since must be an RFC 3339 time", "since");
  }
  if (auto v = req.QueryParam("limit")) {
    const auto limit =
        ParseInteger(*v, 1, static_cast<std::int64_t>(intel::SightingQuery::kMaxLimit));
    if (!limit) return Error::Invalid("limit must be from 1 to 200", "limit");
    q.limit = static_cast<std::size_t>(*limit);
  }
  q.cursor = req.QueryParam("cursor").value_or("");
  if (q.cursor.size() > 400) return Error::Invalid("is not a cursor of this listing", "cursor");
  return q;
}

json::object PageJson(json::array items, const std::string& next) {
  return {{"items", std::move(items)},
          {"next", next.empty() ? json::value(nullptr) : json::value(next)}};
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

  r.Add(Method::kGet, "/api/v1/intel/sightings", Read(),
        [&svc](http::Request& req, RequestContext& ctx) {
          const std::string view = req.QueryParam("view").value_or("own");
          if (view != "own" && view != "all") {
            return ErrorResponse(Error::Invalid("view must be own or all", "view"), req.request_id);
          }
          auto query = SightingQueryParams(req, view == "own");
          if (!query) return ErrorResponse(query.error(), req.request_id);
          const Actor actor = Actor::Of(*ctx.principal);
          json::array items;
          if (view == "own") {
            auto page = svc.OwnSightings(actor, *query);
            if (!page) return ErrorResponse(page.error(), req.request_id);
            for (const auto& item : page->items) {
              const auto& o = item.sighting;
              items.push_back(json::object{{"id", o.id},
                                           {"sighting_of_ref", o.sighting_of_ref},
                                           {"count", o.count},
                                           {"first_seen", OptTime(o.first_seen)},
                                           {"last_seen", OptTime(o.last_seen)},
                                           {"reported_at", FormatRfc3339(o.reported_at)},
                                           {"source", o.source},
                                           {"share_identity", o.share_identity},
                                           {"object", ContextJson(item.object)}});
            }
            return JsonResponse(200, PageJson(std::move(items), page->next));
          }
          auto page = svc.SightedObjects(actor, *query);
          if (!page) return ErrorResponse(page.error(), req.request_id);
          for (const auto& item : page->items) {
            const auto& o = item.sighting;
            json::array countries;
            for (const auto& c : o.countries) countries.push_back(json::string(c));
            items.push_back(json::object{{"sighting_of_ref", o.sighting_of_ref},
                                         {"count", o.count},
                                         {"organisations", o.organisations},
                                         {"countries", std::move(countries)},
                                         {"first_seen", OptTime(o.first_seen)},
                                         {"last_seen", OptTime(o.last_seen)},
                                         {"reported_at", FormatRfc3339(o.reported_at)},
                                         {"object", ContextJson(item.object)}});
          }
          return JsonResponse(200, PageJson(std::move(items), page->next));
        });

  r.Add(Method::kGet, "/api/v1/intel/objects/{stix_id}/sightings", Read(),
        [&svc](http::Request& req, RequestContext& ctx) {
          auto summary = svc.Sightings(Actor::Of(*ctx.principal), req.PathParam("stix_id"));
          if (!summary) return ErrorResponse(summary.error(), req.request_id);
          return JsonResponse(200, SummaryJson(*summary));
        });
}

}  // namespace caduceus::api
