// Routes of the formats part of the intel module: freetext extraction and batch publication,
// the warninglists, exports for the tools hospitals run, and the pull feeds devices fetch them
// with. What a caller may see is the store's business (IntelService, ExportService): a
// collection it may not read is a 404 here too.
#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "api/intel_json.h"
#include "api/internal.h"
#include "core/random.h"
#include "http/json_body.h"
#include "intel/analysis.h"
#include "intel/exports.h"
#include "intel/freetext.h"
#include "intel/observables.h"
#include "intel/store.h"
#include "intel/warninglist.h"

namespace caduceus::api {

namespace json = boost::json;
using http::Method;
using identity::Actor;
using identity::Gate;
using identity::RouteAccess;
using intel::ObservableKind;

namespace {

constexpr std::size_t kMaxBatchItems = 1000;
constexpr std::size_t kMaxCheckValues = 10'000;
constexpr std::size_t kMaxValueBytes = 8192;
constexpr std::size_t kMaxNamePrefix = 200;
constexpr std::size_t kMaxQueryParams = 20;

RouteSpec Admin(std::string_view action) {
  return {RouteAccess::kAdmin, Gate::kNormal, std::string(action)};
}

json::array HitNames(const std::vector<intel::WarninglistHit>& hits) {
  json::array names;
  for (const auto& h : hits) names.emplace_back(h.list);
  return names;
}

json::array KindNames(const std::vector<ObservableKind>& kinds) {
  json::array out;
  for (const auto k : kinds) out.emplace_back(intel::KindName(k));
  return out;
}

// A value to check: {"kind", "value"} or a bare string whose kind is guessed in this order.
Result<intel::Observable> CheckedValue(const json::value& v, std::size_t index) {
  const std::string field = fmt::format("values/{}", index);
  if (const auto* s = v.if_string()) {
    if (s->size() > kMaxValueBytes) return Error::Invalid("value too long", field);
    constexpr ObservableKind kGuesses[] = {
        ObservableKind::kIpv4,   ObservableKind::kIpv6,   ObservableKind::kUrl,
        ObservableKind::kEmail,  ObservableKind::kMd5,    ObservableKind::kSha1,
        ObservableKind::kSha256, ObservableKind::kSha512, ObservableKind::kDomain};
    for (const auto kind : kGuesses) {
      if (auto o = intel::Normalise(kind, *s)) return *o;
    }
    return Error::Invalid("not a value of any observable kind", field);
  }
  const auto* o = v.if_object();
  if (o == nullptr) return Error::Invalid("a value is a string or {kind, value}", field);
  http::FieldReader f(*o);
  const auto kind_name = f.String("kind", 40);
  const auto value = f.String("value", kMaxValueBytes);
  if (auto st = f.Finish(); !st) {
    auto e = st.error();
    e.field = field + "/" + e.field;
    return e;
  }
  const auto kind = intel::ParseKindName(*kind_name);
  if (!kind) return Error::Invalid("not an observable kind", field + "/kind");
  auto normal = intel::Normalise(*kind, *value);
  if (!normal) {
    return Error::Invalid(fmt::format("not a valid {}", intel::KindName(*kind)), field + "/value");
  }
  return *normal;
}

// The query parameters of a request as ParseExportQuery takes them; a repeated one is refused.
Result<std::map<std::string, std::string>> QueryParams(const http::Request& req) {
  std::map<std::string, std::string> out;
  if (req.query.size() > kMaxQueryParams) return Error::Invalid("too many parameters");
  for (const auto& [key, value] : req.query) {
    if (!out.emplace(key, value).second) {
      return Error::Invalid("a parameter is given twice", key.substr(0, 64));
    }
  }
  return out;
}

// Parameters of a stored feed from JSON: strings, integers and booleans.
Result<std::map<std::string, std::string>> JsonParams(const json::value* v) {
  std::map<std::string, std::string> out;
  if (v == nullptr || v->is_null()) return out;
  const auto* o = v->if_object();
  if (o == nullptr || o->size() > kMaxQueryParams) {
    return Error::Invalid("params is an object of export parameters", "params");
  }
  for (const auto& [key, value] : *o) {
    const std::string k(key);
    if (const auto* s = value.if_string()) {
      if (s->size() > 200) return Error::Invalid("parameter too long", "params/" + k);
      out[k] = std::string(*s);
    } else if (value.is_int64()) {
      out[k] = std::to_string(value.get_int64());
    } else if (value.is_bool()) {
      out[k] = value.get_bool() ? "true" : "false";
    } else {
      return Error::Invalid("parameters are strings, integers or booleans", "params/" + k);
    }
  }
  return out;
}

json::object FeedJson(const intel::ExportFeed& feed) {
  json::object params;
  for (const auto& [k, v] : intel::ExportQueryParams(feed.query)) params[k] = v;
  return {{"id", feed.id},
          {"name", feed.name},
          {"format", intel::ExportFormatName(feed.query.request.format)},
          {"params", std::move(params)},
          {"token_prefix", feed.token_prefix},
          {"created_by", feed.created_by},
          {"created_at", FormatRfc3339(feed.created_at)},
          {"last_pulled_at", OptTime(feed.last_pulled_at)},
          {"pulls", feed.pulls}};
}

http::Response ExportResponse(const intel::ExportResult& result) {
  auto resp = http::Response::Text(200, result.body, result.media_type);
  resp.headers.Set("Content-Disposition",
                   fmt::format("attachment; filename=\"{}\"", result.file_name));
  resp.headers.Set("Cache-Control", "no-store");
  resp.headers.Set("X-Caduceus-Export-Values", std::to_string(result.values));
  resp.headers.Set("X-Caduceus-Export-Truncated", result.truncated ? "true" : "false");
  return resp;
}

}  // namespace

void RegisterIntelExportRoutes(Registrar& r, Services& s) {
  auto& store = s.intel;
  auto& analysis = s.intel_analysis;
  auto& exports = s.exports;
  const auto& lists = s.warninglists;
  const auto& clock = s.clock;

  r.Add(
      Method::kPost, "/api/v1/intel/freetext", Write("intel.freetext"),
      [&lists, &analysis](http::Request& req, RequestContext& ctx) {
        auto body = JsonBody(req);
        if (!body) return ErrorResponse(body.error(), req.request_id);
        http::FieldReader f(*body);
        const auto text = f.String("text", intel::kMaxFreetextBytes);
        if (auto st = f.Finish(); !st) return ErrorResponse(st.error(), req.request_id);
        auto extracted = intel::ExtractFreetext(*text);
        if (!extracted) return ErrorResponse(extracted.error(), req.request_id);

        std::vector<intel::Observable> valid;
        for (const auto& c : extracted->items) {
          if (c.valid) valid.push_back({c.kind, c.value});
        }
        std::map<intel::Observable, std::pair<std::int64_t, std::int64_t>> known;
        if (!valid.empty()) {
          auto report = analysis.CorrelateValues(Actor::Of(*ctx.principal), valid, 0);
          if (report) {
            for (const auto& v : report->values) {
              known[v.value] = {v.objects, v.organisations};
            }
          }
        }
        json::array items;
        for (const auto& c : extracted->items) {
          json::object item{{"kind", intel::KindName(c.kind)},
                            {"value", c.value},
                            {"raw", c.raw},
                            {"offset", c.offset},
                            {"refanged", c.refanged},
                            {"valid", c.valid}};
          if (!c.valid) item["reason"] = c.reason;
          item["warninglists"] = c.valid ? HitNames(lists.Check({c.kind, c.value})) : json::array{};
          if (const auto it = known.find({c.kind, c.value}); it != known.end()) {
            item["known"] =
                json::object{{"objects", it->second.first}, {"organisations", it->second.second}};
          }
          items.push_back(std::move(item));
        }
        ctx.audit_detail = json::serialize(
            json::object{{"bytes", text->size()}, {"candidates", extracted->items.size()}});
        return JsonResponse(
            200, json::object{{"items", std::move(items)}, {"truncated", extracted->truncated}});
      });

  r.Add(
      Method::kPost, "/api/v1/intel/collections/{id}/indicators/batch", Write("intel.submit"),
      [&store, &clock](http::Request& req, RequestContext& ctx) {
        const std::string uuid(req.PathParam("id"));
        ctx.audit_target = fmt::format("intel-collection:{}", uuid.substr(0, 64));
        auto body = JsonBody(req);
        if (!body) return ErrorResponse(body.error(), req.request_id);
        http::FieldReader f(*body);
        const auto* raw_items = f.Raw("items", true);
        const auto tlp_text = f.String("tlp", 20, false);
        auto recipients = RecipientsParam(f.Raw("recipients"));
        const auto prefix = f.String("name_prefix", kMaxNamePrefix, false);
        const auto confidence = f.Int("confidence", 0, 100, false);
        const auto valid_until = f.String("valid_until", 64, false);
        if (auto st = f.Finish(); !st) return ErrorResponse(st.error(), req.request_id);
        if (!recipients) return ErrorResponse(recipients.error(), req.request_id);
        const auto* list = raw_items->if_array();
        if (list == nullptr || list->empty() || list->size() > kMaxBatchItems) {
          return ErrorResponse(
              Error::Invalid("items is a list of 1 to 1000 {kind, value}", "items"),
              req.request_id);
        }
        std::optional<TlpLevel> tlp;
        if (tlp_text) {
          tlp = ParseTlp(*tlp_text);
          if (!tlp) {
            return ErrorResponse(
                Error::Invalid("must be one of clear, green, amber, amber+strict, red", "tlp"),
                req.request_id);
          }
        }
        const TimePoint now = clock.Now();
        const std::string stamp = FormatRfc3339(now);
        std::optional<std::string> until;
        if (valid_until) {
          const auto t = ParseRfc3339(*valid_until);
          if (!t || *t <= now) {
            return ErrorResponse(
                Error::Invalid("valid_until must be an RFC 3339 time in the future", "valid_until"),
                req.request_id);
          }
          until = FormatRfc3339(*t);
        }
        std::vector<json::object> objects;
        std::set<intel::Observable> seen;
        for (std::size_t i = 0; i < list->size(); ++i) {
          auto observable = CheckedValue((*list)[i], i);
          if (!observable) {
            auto e = observable.error();
            e.field = "items/" + e.field.substr(e.field.find('/') + 1);
            return ErrorResponse(e, req.request_id);
          }
          if (!seen.insert(*observable).second) continue;
          const auto kind = intel::KindName(observable->kind);
          json::object indicator{{"type", "indicator"},
                                 {"spec_version", "2.1"},
                                 {"id", "indicator--" + RandomUuid()},
                                 {"created", stamp},
                                 {"modified", stamp},
                                 {"created_by_ref", intel::IntelService::OrgIdentityId(
                                                        ctx.principal->organisation_id)},
                                 {"name", prefix ? fmt::format("{} {}", *prefix, observable->value)
                                                 : fmt::format("{} {}", kind, observable->value)},
                                 {"pattern", intel::PatternFor(*observable)},
                                 {"pattern_type", "stix"},
                                 {"pattern_version", "2.1"},
                                 {"valid_from", stamp}};
          if (tlp) {
            indicator["object_marking_refs"] = json::array{json::value(intel::TlpMarkingId(*tlp))};
          }
          if (confidence) indicator["confidence"] = *confidence;
          if (until) indicator["valid_until"] = *until;
          objects.push_back(std::move(indicator));
        }
        intel::SubmitOptions options;
        options.source = "freetext";
        options.tlp = tlp;
        options.recipients = std::move(*recipients);
        auto report =
            store.SubmitObjects(Actor::Of(*ctx.principal), uuid, std::move(objects), options);
        if (!report) return ErrorResponse(report.error(), req.request_id);
        ctx.audit_detail = IngestAuditDetail(*report);
        return JsonResponse(200, IngestReportJson(*report));
      });

  r.Add(Method::kGet, "/api/v1/intel/warninglists", Read(),
        [&lists](http::Request&, RequestContext&) {
          json::array items;
          for (const auto& l : lists.Lists()) {
            items.push_back(json::object{{"name", l.name},
                                         {"description", l.description},
                                         {"type", l.type},
                                         {"version", l.version},
                                         {"entries", l.entries},
                                         {"kinds", KindNames(l.kinds)}});
          }
          return JsonResponse(200, json::object{{"items", std::move(items)}});
        });

  r.Add(Method::kPost, "/api/v1/intel/warninglists/check", Write("intel.warninglists.check"),
        [&lists](http::Request& req, RequestContext& ctx) {
          auto body = JsonBody(req);
          if (!body) return ErrorResponse(body.error(), req.request_id);
          http::FieldReader f(*body);
          const auto* raw = f.Raw("values", true);
          if (auto st = f.Finish(); !st) return ErrorResponse(st.error(), req.request_id);
          const auto* values = raw->if_array();
          if (values == nullptr || values->size() > kMaxCheckValues) {
            return ErrorResponse(Error::Invalid("values is a list of at most 10000", "values"),
                                 req.request_id);
          }
          json::array items;
          std::size_t hits = 0;
          for (std::size_t i = 0; i < values->size(); ++i) {
            auto observable = CheckedValue((*values)[i], i);
            if (!observable) return ErrorResponse(observable.error(), req.request_id);
            auto names = HitNames(lists.Check(*observable));
            if (!names.empty()) ++hits;
            items.push_back(json::object{{"kind", intel::KindName(observable->kind)},
                                         {"value", observable->value},
                                         {"warninglists", std::move(names)}});
          }
          ctx.audit_detail =
              json::serialize(json::object{{"values", values->size()}, {"hits", hits}});
          return JsonResponse(200, json::object{{"items", std::move(items)}});
        });

  r.Add(Method::kGet, "/api/v1/intel/exports/{format}", Read(),
        [&exports](http::Request& req, RequestContext& ctx) {
          const auto format = intel::ParseExportFormat(req.PathParam("format"));
          if (!format)
            return ErrorResponse(Error::NotFound("no such export format"), req.request_id);
          auto params = QueryParams(req);
          if (!params) return ErrorResponse(params.error(), req.request_id);
          auto query = intel::ParseExportQuery(*format, *params);
          if (!query) return ErrorResponse(query.error(), req.request_id);
          auto result = exports.Export(Actor::Of(*ctx.principal), *query);
          if (!result) return ErrorResponse(result.error(), req.request_id);
          return ExportResponse(*result);
        });

  r.Add(Method::kGet, "/api/v1/intel/export-feeds", Read(),
        [&exports](http::Request& req, RequestContext& ctx) {
          auto feeds = exports.ListFeeds(Actor::Of(*ctx.principal));
          if (!feeds) return ErrorResponse(feeds.error(), req.request_id);
          json::array items;
          for (const auto& feed : *feeds) items.push_back(FeedJson(feed));
          return JsonResponse(200, json::object{{"items", std::move(items)}});
        });

  r.Add(Method::kPost, "/api/v1/intel/export-feeds", Admin("intel.export_feed.create"),
        [&exports](http::Request& req, RequestContext& ctx) {
          auto body = JsonBody(req);
          if (!body) return ErrorResponse(body.error(), req.request_id);
          http::FieldReader f(*body);
          const auto name = f.String("name", 200);
          const auto format_name = f.String("format", 40);
          auto params = JsonParams(f.Raw("params"));
          if (auto st = f.Finish(); !st) return ErrorResponse(st.error(), req.request_id);
          if (!params) return ErrorResponse(params.error(), req.request_id);
          const auto format = intel::ParseExportFormat(*format_name);
          if (!format) {
            return ErrorResponse(Error::Invalid("not an export format", "format"), req.request_id);
          }
          auto query = intel::ParseExportQuery(*format, *params);
          if (!query) {
            auto e = query.error();
            e.field = "params/" + e.field;
            return ErrorResponse(e, req.request_id);
          }
          intel::NewExportFeed feed;
          feed.name = *name;
          feed.query = *query;
          auto created = exports.CreateFeed(Actor::Of(*ctx.principal), feed);
          if (!created) return ErrorResponse(created.error(), req.request_id);
          ctx.audit_target = fmt::format("intel-export-feed:{}", created->feed.id);
          ctx.audit_detail = json::serialize(
              json::object{{"name", created->feed.name},
                           {"format", intel::ExportFormatName(created->feed.query.request.format)},
                           {"token_prefix", created->feed.token_prefix}});
          auto out = FeedJson(created->feed);
          out["token"] = created->token;
          out["url"] = "/api/v1/intel/pull/" + created->token;
          return JsonResponse(201, out);
        });

  r.Add(Method::kDelete, "/api/v1/intel/export-feeds/{id}", Admin("intel.export_feed.delete"),
        [&exports](http::Request& req, RequestContext& ctx) {
          auto id = IdParam(req, "id");
          if (!id) return ErrorResponse(id.error(), req.request_id);
          ctx.audit_target = fmt::format("intel-export-feed:{}", *id);
          if (auto st = exports.DeleteFeed(Actor::Of(*ctx.principal), *id); !st) {
            return ErrorResponse(st.error(), req.request_id);
          }
          return http::Response::NoContent();
        });

  r.Add(Method::kGet, "/api/v1/intel/pull/{token}", {RouteAccess::kPublic, Gate::kNormal, ""},
        [&exports](http::Request& req, RequestContext&) {
          auto result = exports.Pull(req.PathParam("token"));
          if (!result) return ErrorResponse(result.error(), req.request_id);
          return ExportResponse(*result);
        });
}

}  // namespace caduceus::api
