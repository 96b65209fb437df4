// Routes of the catalogue module: search with facets, reading, and curation of entries.
#include <boost/json.hpp>
#include <fmt/format.h>

#include "api/internal.h"
#include "catalogue/service.h"

namespace caduceus::api {

namespace json = boost::json;
using http::Method;
using identity::Actor;

namespace {

// Any authenticated user; `action` names the audit entry of a change (empty for reads).
// The API form of an entry, with whether the caller may change it.
json::object EntryBody(const catalogue::Entry& entry, const catalogue::Curator& curator) {
  json::object o = catalogue::ToJson(entry);
  o["can_edit"] = curator.May(entry.data.countries);
  return o;
}

json::object FacetsBody(const std::map<std::string, catalogue::FacetCounts>& facets) {
  json::object out;
  for (const auto& [facet, counts] : facets) {
    json::object values;
    for (const auto& [value, n] : counts) values[value] = n;
    out[facet] = std::move(values);
  }
  return out;
}

// Reads the search parameters; the service validates the filter values.
Result<catalogue::SearchQuery> SearchParams(const http::Request& req) {
  catalogue::SearchQuery q;
  q.text = req.QueryParam("q").value_or("");
  q.kind = req.QueryParam("kind");
  q.country = req.QueryParam("country");
  q.language = req.QueryParam("language");
  q.cost = req.QueryParam("cost");
  q.size = req.QueryParam("size");
  q.measure = req.QueryParam("measure");
  q.threat = req.QueryParam("threat");
  if (auto v = req.QueryParam("limit")) {
    auto limit = ParseInteger(*v, 1, catalogue::kMaxSearchLimit);
    if (!limit) {
      return Error::Invalid(
          fmt::format("limit must be an integer from 1 to {}", catalogue::kMaxSearchLimit),
          "limit");
    }
    q.limit = *limit;
  }
  if (auto v = req.QueryParam("offset")) {
    auto offset = ParseInteger(*v, 0, catalogue::kMaxSearchOffset);
    if (!offset) {
      return Error::Invalid(
          fmt::format("offset must be an integer from 0 to {}", catalogue::kMaxSearchOffset),
          "offset");
    }
    q.offset = *offset;
  }
  return q;
}

std::string KeyDetail(const catalogue::Entry& entry) {
  return json::serialize(json::object{{"key", entry.data.key}});
}

}  // namespace

void RegisterCatalogueRoutes(Registrar& r, Services& s) {
  auto& catalogue = s.catalogue;

  r.Add(Method::kGet, "/api/v1/catalogue", Read(),
        [&catalogue](http::Request& req, RequestContext& ctx) {
          auto query = SearchParams(req);
          if (!query) return ErrorResponse(query.error(), req.request_id);
          auto result = catalogue.Search(*query);
          if (!result) return ErrorResponse(result.error(), req.request_id);
          const auto curator = catalogue.CuratorFor(Actor::Of(*ctx.principal));
          json::array items;
          for (const auto& hit : result->items) {
            json::object item = EntryBody(hit.entry, curator);
            item["rank"] = hit.rank;
            item["snippet"] = hit.snippet;
            items.push_back(std::move(item));
          }
          return JsonResponse(200, json::object{{"total", result->total},
                                                {"items", std::move(items)},
                                                {"facets", FacetsBody(result->facets)}});
        });

  r.Add(Method::kGet, "/api/v1/catalogue/{id}", Read(),
        [&catalogue](http::Request& req, RequestContext& ctx) {
          auto id = IdParam(req, "id");
          if (!id) return ErrorResponse(id.error(), req.request_id);
          auto entry = catalogue.Get(*id);
          if (!entry) return ErrorResponse(entry.error(), req.request_id);
          return JsonResponse(200,
                              EntryBody(*entry, catalogue.CuratorFor(Actor::Of(*ctx.principal))));
        });

  r.Add(Method::kPost, "/api/v1/catalogue", Write("catalogue.create"),
        [&catalogue](http::Request& req, RequestContext& ctx) {
          auto body = JsonBody(req);
          if (!body) return ErrorResponse(body.error(), req.request_id);
          auto data = catalogue::EntryFromJson(json::value(std::move(*body)),
                                               catalogue::KeyRule::kOptional);
          if (!data) return ErrorResponse(data.error(), req.request_id);
          const Actor actor = Actor::Of(*ctx.principal);
          auto created = catalogue.Create(actor, std::move(*data));
          if (!created) return ErrorResponse(created.error(), req.request_id);
          ctx.audit_target = fmt::format("catalogue:{}", created->id);
          ctx.audit_detail = KeyDetail(*created);
          return JsonResponse(201, EntryBody(*created, catalogue.CuratorFor(actor)));
        });

  r.Add(Method::kPatch, "/api/v1/catalogue/{id}", Write("catalogue.update"),
        [&catalogue](http::Request& req, RequestContext& ctx) {
          auto id = IdParam(req, "id");
          if (!id) return ErrorResponse(id.error(), req.request_id);
          ctx.audit_target = fmt::format("catalogue:{}", *id);
          auto body = JsonBody(req);
          if (!body) return ErrorResponse(body.error(), req.request_id);
          auto patch = catalogue::PatchFromJson(*body);
          if (!patch) return ErrorResponse(patch.error(), req.request_id);
          const Actor actor = Actor::Of(*ctx.principal);
          auto updated = catalogue.Update(actor, *id, *patch);
          if (!updated) return ErrorResponse(updated.error(), req.request_id);
          ctx.audit_detail = KeyDetail(*updated);
          return JsonResponse(200, EntryBody(*updated, catalogue.CuratorFor(actor)));
        });

  r.Add(Method::kDelete, "/api/v1/catalogue/{id}", Write("catalogue.delete"),
        [&catalogue](http::Request& req, RequestContext& ctx) {
          auto id = IdParam(req, "id");
          if (!id) return ErrorResponse(id.error(), req.request_id);
          ctx.audit_target = fmt::format("catalogue:{}", *id);
          if (auto st = catalogue.Delete(Actor::Of(*ctx.principal), *id); !st) {
            return ErrorResponse(st.error(), req.request_id);
          }
          return http::Response::NoContent();
        });
}

}  // namespace caduceus::api
