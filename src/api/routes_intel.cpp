// Routes of the intel store's JSON API: API roots, collections and their grants, submission of
// bundles and single indicators, search and the object view. TLP is the store's business: every
// read goes through IntelService, which answers 404 for anything the caller may not see.
#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "api/intel_json.h"
#include "api/internal.h"
#include "core/random.h"
#include "http/json_body.h"
#include "intel/observables.h"
#include "intel/store.h"

namespace caduceus::api {

namespace json = boost::json;
using http::Method;
using identity::Actor;
using intel::IntelService;

namespace {

// A bundle submitted through the JSON API may be as large as a TAXII POST to its root.
constexpr std::size_t kMaxSubmitBytes = 16 * 1024 * 1024;
constexpr std::size_t kMaxSubmitDepth = 40;
constexpr std::size_t kMaxLabels = 20;
constexpr std::size_t kMaxSearchTypes = 20;

// A STIX date_added as the API shows it: RFC 3339 with microseconds.
std::string FormatMicros(TimePoint t) {
  using namespace std::chrono;
  const auto us = time_point_cast<microseconds>(t);
  const auto day = floor<days>(us);
  const year_month_day ymd{day};
  const hh_mm_ss<microseconds> hms{us - day};
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z", static_cast<int>(ymd.year()),
                     static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                     hms.hours().count(), hms.minutes().count(), hms.seconds().count(),
                     hms.subseconds().count());
}

std::string_view RootKindName(intel::RootKind kind) {
  switch (kind) {
    case intel::RootKind::kEu:
      return "eu";
    case intel::RootKind::kCountry:
      return "country";
    case intel::RootKind::kCustom:
      return "custom";
  }
  return "custom";
}

json::object RootJson(const intel::ApiRoot& r) {
  return {{"slug", r.slug},
          {"title", r.title},
          {"description", r.description},
          {"kind", RootKindName(r.kind)},
          {"country", r.country ? json::value(*r.country) : json::value(nullptr)}};
}

json::object CollectionJson(const intel::CollectionInfo& c) {
  return {{"id", c.uuid},
          {"root", c.api_root_slug},
          {"title", c.title},
          {"description", c.description},
          {"alias", c.alias.empty() ? json::value(nullptr) : json::value(c.alias)},
          {"default_tlp", TlpKey(c.default_tlp)},
          {"community_read", c.community_read},
          {"community_write", c.community_write},
          {"can_read", c.can_read},
          {"can_write", c.can_write},
          {"can_administer", c.can_administer},
          {"objects", c.objects}};
}

json::object GrantsJson(const std::vector<intel::CollectionGrant>& grants) {
  json::array items;
  for (const auto& g : grants) {
    items.push_back(json::object{{"org_id", g.org_id},
                                 {"org_name", g.org_name},
                                 {"can_read", g.can_read},
                                 {"can_write", g.can_write}});
  }
  return {{"items", std::move(items)}};
}

Result<TlpLevel> TlpParam(std::string_view text, std::string_view field) {
  const auto level = ParseTlp(text);
  if (!level) {
    return Error::Invalid("must be one of clear, green, amber, amber+strict, red",
                          std::string(field));
  }
  return *level;
}

bool IsJsonContent(const http::Request& req) {
  auto type = req.Header("Content-Type").value_or("");
  auto media = type.substr(0, type.find(';'));
  while (!media.empty() && media.back() == ' ') media.remove_suffix(1);
  std::string lower(media);
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower == "application/json";
}

json::object SearchHitJson(const intel::SearchHit& h) {
  return {{"id", h.id},
          {"type", h.type},
          {"name", h.name},
          {"version", h.version},
          {"date_added", FormatMicros(h.date_added)},
          {"tlp", TlpKey(h.tlp)},
          {"collection", json::object{{"id", h.collection_uuid}, {"title", h.collection_title}}},
          {"producer", json::object{{"id", h.producer_id}, {"name", h.producer_name}}},
          {"confidence", h.confidence ? json::value(*h.confidence) : json::value(nullptr)},
          {"revoked", h.revoked},
          {"warninglisted", h.warninglisted}};
}

Result<intel::SearchQuery> SearchParams(const http::Request& req) {
  intel::SearchQuery q;
  q.text = req.QueryParam("q").value_or("");
  if (q.text.size() > 200) return Error::Invalid("q must be at most 200 bytes", "q");
  if (auto v = req.QueryParam("type"); v && !v->empty()) {
    std::string_view rest = *v;
    while (!rest.empty()) {
      const auto comma = rest.find(',');
      const auto type = rest.substr(0, comma);
      if (!intel::IsStixType(type) || q.types.size() >= kMaxSearchTypes) {
        return Error::Invalid("type must be a comma-separated list of STIX types", "type");
      }
      q.types.emplace_back(type);
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    }
  }
  if (auto v = req.QueryParam("collection"); v && !v->empty()) q.collection_uuid = *v;
  if (auto v = req.QueryParam("tlp"); v && !v->empty()) {
    auto level = TlpParam(*v, "tlp");
    if (!level) return level.error();
    q.tlp = *level;
  }
  for (const auto& [name, target] :
       {std::pair{"since", &q.added_since}, std::pair{"until", &q.added_until}}) {
    if (auto v = req.QueryParam(name); v && !v->empty()) {
      *target = ParseRfc3339(*v);
      if (!*target) return Error::Invalid("must be an RFC 3339 time", name);
    }
  }
  if (auto v = req.QueryParam("limit")) {
    const auto limit = ParseInteger(*v, 1, 200);
    if (!limit) return Error::Invalid("limit must be from 1 to 200", "limit");
    q.limit = static_cast<std::size_t>(*limit);
  }
  q.cursor = req.QueryParam("cursor").value_or("");
  return q;
}

json::object ViewJson(const intel::ObjectView& v) {
  json::array versions;
  for (const auto& o : v.versions) {
    versions.push_back(json::object{{"version", o.version},
                                    {"date_added", FormatMicros(o.date_added)},
                                    {"tlp", TlpKey(o.tlp)}});
  }
  json::array relationships;
  for (const auto& r : v.relationships) {
    relationships.push_back(json::object{{"id", r.id},
                                         {"relationship_type", r.relationship_type},
                                         {"outgoing", r.outgoing},
                                         {"other_id", r.other_id},
                                         {"other_type", r.other_type},
                                         {"other_name", r.other_name}});
  }
  json::array warnings;
  for (const auto& w : v.warnings) {
    warnings.push_back(json::object{
        {"kind", intel::KindName(w.value.kind)}, {"value", w.value.value}, {"list", w.list}});
  }
  json::object out{
      {"object", json::parse(v.latest.json)},
      {"tlp", TlpKey(v.latest.tlp)},
      {"date_added", FormatMicros(v.latest.date_added)},
      {"collection", json::object{{"id", v.collection_uuid}, {"title", v.collection_title}}},
      {"producer", json::object{{"id", v.latest.producer_id}, {"name", v.producer_name}}},
      {"versions", std::move(versions)},
      {"relationships", std::move(relationships)},
      {"warnings", std::move(warnings)}};
  if (!v.recipients.empty()) {
    json::array recipients;
    for (std::int64_t id : v.recipients) recipients.push_back(id);
    out["recipients"] = std::move(recipients);
  }
  return out;
}

// The fields of POST and PATCH /intel/collections that describe a collection; `c` holds the
// current values (PATCH) or the defaults (POST) and receives what the body sets.
Status ReadCollectionFields(http::FieldReader& f, intel::NewCollection& c, bool create) {
  if (auto v = f.String("title", 200, create)) c.title = *v;
  if (auto v = f.String("description", 2000, false)) c.description = *v;
  if (const auto* alias = f.Raw("alias")) {
    if (alias->is_null()) {
      c.alias.clear();
    } else if (const auto* s = alias->if_string(); s && s->size() <= 40) {
      c.alias = std::string(*s);
    } else {
      return Error::Invalid("alias must be a string of at most 40 characters", "alias");
    }
  }
  if (auto v = f.String("default_tlp", 20, false)) {
    auto level = TlpParam(*v, "default_tlp");
    if (!level) return level.error();
    c.default_tlp = *level;
  }
  if (auto v = f.Bool("community_read", false)) c.community_read = *v;
  if (auto v = f.Bool("community_write", false)) c.community_write = *v;
  return {};
}

}  // namespace

void RegisterIntelRoutes(Registrar& r, Services& s) {
  IntelService& svc = s.intel;
  const Clock& clock = s.clock;

  r.Add(Method::kGet, "/api/v1/intel/roots", Read(),
        [&svc](http::Request& req, RequestContext& ctx) {
          auto roots = svc.ListApiRoots(Actor::Of(*ctx.principal));
          if (!roots) return ErrorResponse(roots.error(), req.request_id);
          json::array items;
          for (const auto& root : *roots) items.push_back(RootJson(root));
          return JsonResponse(200, json::object{{"items", std::move(items)}});
        });

  r.Add(Method::kPost, "/api/v1/intel/roots", Write("intel.root.create"),
        [&svc](http::Request& req, RequestContext& ctx) {
          auto body = JsonBody(req);
          if (!body) return ErrorResponse(body.error(), req.request_id);
          http::FieldReader f(*body);
          intel::NewApiRoot root;
          root.slug = f.String("slug", 40).value_or("");
          root.title = f.String("title", 200).value_or("");
          root.description = f.String("description", 2000, false).value_or("");
          if (auto st = f.Finish(); !st) return ErrorResponse(st.error(), req.request_id);
          auto created = svc.CreateApiRoot(Actor::Of(*ctx.principal), root);
          if (!created) return ErrorResponse(created.error(), req.request_id);
          ctx.audit_target = fmt::format("intel-root:{}", created->slug);
          return JsonResponse(201, RootJson(*created));
        });

  r.Add(Method::kGet, "/api/v1/intel/collections", Read(),
        [&svc](http::Request& req, RequestContext& ctx) {
          auto list = svc.ListAllCollections(Actor::Of(*ctx.principal));
          if (!list) return ErrorResponse(list.error(), req.request_id);
          json::array items;
          for (const auto& c : *list) items.push_back(CollectionJson(c));
          return JsonResponse(200, json::object{{"items", std::move(items)}});
        });

  r.Add(Method::kPost, "/api/v1/intel/collections", Write("intel.collection.create"),
        [&svc](http::Request& req, RequestContext& ctx) {
          auto body = JsonBody(req);
          if (!body) return ErrorResponse(body.error(), req.request_id);
          http::FieldReader f(*body);
          intel::NewCollection c;
          c.api_root_slug = f.String("root", 40).value_or("");
          c.default_tlp = TlpLevel::kGreen;
          if (auto st = ReadCollectionFields(f, c, true); !st) {
            return ErrorResponse(st.error(), req.request_id);
          }
          if (auto st = f.Finish(); !st) return ErrorResponse(st.error(), req.request_id);
          auto created = svc.CreateCollection(Actor::Of(*ctx.principal), c);
          if (!created) return ErrorResponse(created.error(), req.request_id);
          ctx.audit_target = fmt::format("intel-collection:{}", created->uuid);
          ctx.audit_detail = json::serialize(json::object{
              {"root", created->api_root_slug}, {"default_tlp", TlpKey(created->default_tlp)}});
          return JsonResponse(201, CollectionJson(*created));
        });

  r.Add(Method::kGet, "/api/v1/intel/collections/{id}", Read(),
        [&svc](http::Request& req, RequestContext& ctx) {
          auto c = svc.GetCollectionByUuid(Actor::Of(*ctx.principal), req.PathParam("id"));
          if (!c) return ErrorResponse(c.error(), req.request_id);
          return JsonResponse(200, CollectionJson(*c));
        });

  r.Add(Method::kPatch, "/api/v1/intel/collections/{id}", Write("intel.collection.update"),
        [&svc](http::Request& req, RequestContext& ctx) {
          const std::string uuid(req.PathParam("id"));
          ctx.audit_target = fmt::format("intel-collection:{}", uuid.substr(0, 64));
          auto body = JsonBody(req);
          if (!body) return ErrorResponse(body.error(), req.request_id);
          const Actor actor = Actor::Of(*ctx.principal);
          auto current = svc.GetCollectionByUuid(actor, uuid);
          if (!current) return ErrorResponse(current.error(), req.request_id);
          intel::NewCollection c;
          c.api_root_slug = current->api_root_slug;
          c.title = current->title;
          c.description = current->description;
          c.alias = current->alias;
          c.default_tlp = current->default_tlp;
          c.community_read = current->community_read;
          c.community_write = current->community_write;
          http::FieldReader f(*body);
          if (auto st = ReadCollectionFields(f, c, false); !st) {
            return ErrorResponse(st.error(), req.request_id);
          }
          if (auto st = f.Finish(); !st) return ErrorResponse(st.error(), req.request_id);
          auto updated = svc.UpdateCollection(actor, uuid, c);
          if (!updated) return ErrorResponse(updated.error(), req.request_id);
          ctx.audit_detail =
              json::serialize(json::object{{"default_tlp", TlpKey(updated->default_tlp)},
                                           {"community_read", updated->community_read},
                                           {"community_write", updated->community_write}});
          return JsonResponse(200, CollectionJson(*updated));
        });

  r.Add(Method::kGet, "/api/v1/intel/collections/{id}/grants", Read(),
        [&svc](http::Request& req, RequestContext& ctx) {
          auto grants = svc.ListGrants(Actor::Of(*ctx.principal), req.PathParam("id"));
          if (!grants) return ErrorResponse(grants.error(), req.request_id);
          return JsonResponse(200, GrantsJson(*grants));
        });

  r.Add(Method::kPut, "/api/v1/intel/collections/{id}/grants", Write("intel.collection.grants"),
        [&svc](http::Request& req, RequestContext& ctx) {
          const std::string uuid(req.PathParam("id"));
          ctx.audit_target = fmt::format("intel-collection:{}", uuid.substr(0, 64));
          auto body = JsonBody(req);
          if (!body) return ErrorResponse(body.error(), req.request_id);
          http::FieldReader f(*body);
          const auto* items = f.Raw("items", true);
          if (auto st = f.Finish(); !st) return ErrorResponse(st.error(), req.request_id);
          if (!items->is_array()) {
            return ErrorResponse(Error::Invalid("items must be a list", "items"), req.request_id);
          }
          std::vector<intel::CollectionGrant> grants;
          for (const auto& item : items->get_array()) {
            const auto* o = item.if_object();
            if (o == nullptr) {
              return ErrorResponse(Error::Invalid("each item must be an object", "items"),
                                   req.request_id);
            }
            http::FieldReader g(*o);
            intel::CollectionGrant grant;
            grant.org_id = g.Int("org_id", 1, INT64_MAX).value_or(0);
            grant.can_read = g.Bool("can_read").value_or(false);
            grant.can_write = g.Bool("can_write").value_or(false);
            if (auto st = g.Finish(); !st) {
              Error e = st.error();
              e.field = "items/" + e.field;
              return ErrorResponse(e, req.request_id);
            }
            grants.push_back(grant);
          }
          const Actor actor = Actor::Of(*ctx.principal);
          if (auto st = svc.SetGrants(actor, uuid, grants); !st) {
            return ErrorResponse(st.error(), req.request_id);
          }
          json::array detail;
          for (const auto& g : grants) {
            detail.push_back(json::object{
                {"org_id", g.org_id}, {"can_read", g.can_read}, {"can_write", g.can_write}});
          }
          ctx.audit_detail = json::serialize(json::object{{"grants", std::move(detail)}});
          auto listed = svc.ListGrants(actor, uuid);
          if (!listed) return ErrorResponse(listed.error(), req.request_id);
          return JsonResponse(200, GrantsJson(*listed));
        });

  r.Add(Method::kPost, "/api/v1/intel/collections/{id}/objects", Write("intel.submit"),
        [&svc](http::Request& req, RequestContext& ctx) {
          const std::string uuid(req.PathParam("id"));
          ctx.audit_target = fmt::format("intel-collection:{}", uuid.substr(0, 64));
          if (!IsJsonContent(req)) {
            return ErrorResponse(
                Error{Errc::kUnsupportedMediaType, "the body must be application/json", {}},
                req.request_id);
          }
          if (req.body.size() > kMaxSubmitBytes) {
            return ErrorResponse(
                Error{Errc::kPayloadTooLarge,
                      fmt::format("the body may not exceed {} bytes", kMaxSubmitBytes),
                      {}},
                req.request_id);
          }
          auto body = http::ParseJsonObject(req.body, kMaxSubmitDepth);
          if (!body) return ErrorResponse(body.error(), req.request_id);
          http::FieldReader f(*body);
          const auto* bundle = f.Raw("bundle", true);
          const auto tlp = f.String("tlp", 20, false);
          auto recipients = RecipientsParam(f.Raw("recipients"));
          if (auto st = f.Finish(); !st) return ErrorResponse(st.error(), req.request_id);
          if (!recipients) return ErrorResponse(recipients.error(), req.request_id);
          if (!bundle->is_object()) {
            return ErrorResponse(
                Error::Invalid("bundle must be a STIX bundle or a STIX object", "bundle"),
                req.request_id);
          }
          intel::SubmitOptions options;
          options.source = "api";
          options.recipients = std::move(*recipients);
          if (tlp) {
            auto level = TlpParam(*tlp, "tlp");
            if (!level) return ErrorResponse(level.error(), req.request_id);
            options.tlp = *level;
          }
          auto report =
              svc.Submit(Actor::Of(*ctx.principal), uuid, json::serialize(*bundle), options);
          if (!report) return ErrorResponse(report.error(), req.request_id);
          ctx.audit_detail = IngestAuditDetail(*report);
          return JsonResponse(200, IngestReportJson(*report));
        });

  r.Add(
      Method::kPost, "/api/v1/intel/collections/{id}/indicators", Write("intel.submit"),
      [&svc, &clock](http::Request& req, RequestContext& ctx) {
        const std::string uuid(req.PathParam("id"));
        ctx.audit_target = fmt::format("intel-collection:{}", uuid.substr(0, 64));
        auto body = JsonBody(req);
        if (!body) return ErrorResponse(body.error(), req.request_id);
        http::FieldReader f(*body);
        const auto kind_name = f.String("kind", 40);
        const auto value = f.String("value", 8192);
        const auto name = f.String("name", 500, false);
        const auto description = f.String("description", 10000, false);
        const auto tlp_text = f.String("tlp", 20);
        auto recipients = RecipientsParam(f.Raw("recipients"));
        const auto confidence = f.Int("confidence", 0, 100, false);
        const auto valid_until = f.String("valid_until", 64, false);
        const auto labels = f.StringArray("labels", kMaxLabels, 100, false);
        if (auto st = f.Finish(); !st) return ErrorResponse(st.error(), req.request_id);
        if (!recipients) return ErrorResponse(recipients.error(), req.request_id);
        const auto kind = intel::ParseKindName(*kind_name);
        if (!kind) {
          return ErrorResponse(Error::Invalid("not an observable kind", "kind"), req.request_id);
        }
        const auto observable = intel::Normalise(*kind, *value);
        if (!observable) {
          return ErrorResponse(
              Error::Invalid(fmt::format("not a valid {}", intel::KindName(*kind)), "value"),
              req.request_id);
        }
        auto tlp = TlpParam(*tlp_text, "tlp");
        if (!tlp) return ErrorResponse(tlp.error(), req.request_id);
        const TimePoint now = clock.Now();
        const std::string stamp = FormatRfc3339(now);
        json::object indicator{
            {"type", "indicator"},
            {"spec_version", "2.1"},
            {"id", "indicator--" + RandomUuid()},
            {"created", stamp},
            {"modified", stamp},
            {"created_by_ref", IntelService::OrgIdentityId(ctx.principal->organisation_id)},
            {"name",
             name ? *name
                  : fmt::format("{} {}", intel::KindName(observable->kind), observable->value)},
            {"pattern", intel::PatternFor(*observable)},
            {"pattern_type", "stix"},
            {"pattern_version", "2.1"},
            {"valid_from", stamp},
            {"object_marking_refs", json::array{json::value(intel::TlpMarkingId(*tlp))}}};
        if (description) indicator["description"] = *description;
        if (confidence) indicator["confidence"] = *confidence;
        if (valid_until) {
          const auto until = ParseRfc3339(*valid_until);
          if (!until || *until <= now) {
            return ErrorResponse(
                Error::Invalid("valid_until must be an RFC 3339 time in the future", "valid_until"),
                req.request_id);
          }
          indicator["valid_until"] = FormatRfc3339(*until);
        }
        if (labels && !labels->empty()) {
          json::array list;
          for (const auto& l : *labels) list.push_back(json::string(l));
          indicator["labels"] = std::move(list);
        }
        intel::SubmitOptions options;
        options.source = "ui";
        options.tlp = *tlp;
        options.recipients = std::move(*recipients);
        std::vector<json::object> objects;
        objects.push_back(std::move(indicator));
        auto report =
            svc.SubmitObjects(Actor::Of(*ctx.principal), uuid, std::move(objects), options);
        if (!report) return ErrorResponse(report.error(), req.request_id);
        ctx.audit_detail = IngestAuditDetail(*report);
        return JsonResponse(200, IngestReportJson(*report));
      });

  r.Add(Method::kGet, "/api/v1/intel/objects", Read(),
        [&svc](http::Request& req, RequestContext& ctx) {
          auto query = SearchParams(req);
          if (!query) return ErrorResponse(query.error(), req.request_id);
          auto page = svc.Search(Actor::Of(*ctx.principal), *query);
          if (!page) return ErrorResponse(page.error(), req.request_id);
          json::array items;
          for (const auto& h : page->items) items.push_back(SearchHitJson(h));
          return JsonResponse(200,
                              json::object{{"items", std::move(items)},
                                           {"next", page->next.empty() ? json::value(nullptr)
                                                                       : json::value(page->next)}});
        });

  r.Add(Method::kGet, "/api/v1/intel/objects/{stix_id}", Read(),
        [&svc](http::Request& req, RequestContext& ctx) {
          auto view = svc.View(Actor::Of(*ctx.principal), req.PathParam("stix_id"));
          if (!view) return ErrorResponse(view.error(), req.request_id);
          return JsonResponse(200, ViewJson(*view));
        });
}

}  // namespace caduceus::api
