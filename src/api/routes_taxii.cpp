// TAXII 2.1 at /taxii2/: discovery, API roots, status, collections, manifest, objects, an
// object, its versions and its deletion (sections 4 and 5), over the intel store. Every decision
// about who sees what is the store's (and so the policy's); this file speaks TAXII: media types,
// filters, status codes and error messages.
//
// An object, collection, root or status the caller may not see gets the same 404, with the same
// message, as one that does not exist. 403 is only for things the caller may see but not do
// (reading a collection it may only write, deleting an object it did not produce).
#include <algorithm>
#include <string>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "api/internal.h"
#include "core/random.h"
#include "intel/stix.h"
#include "intel/store.h"
#include "intel/taxii.h"

namespace caduceus::api {

namespace json = boost::json;
namespace taxii = intel::taxii;
using http::Method;
using identity::Actor;

namespace {

constexpr std::string_view kPrefix = "/taxii2/";
constexpr std::string_view kHidden =
    "the API root, collection, object or status does not exist or is not shared with you";

std::string_view Title(Errc code) {
  switch (code) {
    case Errc::kInvalidArgument:
      return "Bad request";
    case Errc::kUnauthenticated:
      return "Authentication required";
    case Errc::kPermissionDenied:
      return "Forbidden";
    case Errc::kNotFound:
      return "Not found";
    case Errc::kConflict:
      return "Conflict";
    case Errc::kPayloadTooLarge:
      return "Request entity too large";
    case Errc::kUnsupportedMediaType:
      return "Unsupported media type";
    case Errc::kNotAcceptable:
      return "Not acceptable";
    case Errc::kRateLimited:
      return "Too many requests";
    case Errc::kUnavailable:
      return "Service unavailable";
    case Errc::kInternal:
      return "Internal error";
  }
  return "Error";
}

http::Response TaxiiResponse(int status, std::string body) {
  http::Response r;
  r.status = status;
  r.body = std::move(body);
  r.headers.Set("Content-Type", std::string(taxii::kMediaType));
  r.headers.Set("Cache-Control", "no-store");
  return r;
}

// The error message of section 3.6.1 with an explicit status (422 has no Errc of its own).
http::Response ErrorWithStatus(int status, const Error& error, std::string_view request_id) {
  const bool unprocessable = status == 422;
  const bool hidden = error.code == Errc::kNotFound;
  return TaxiiResponse(
      status, taxii::RenderError(
                  {status, std::string(unprocessable ? "Unprocessable entity" : Title(error.code)),
                   std::string(hidden ? kHidden : error.message), std::string(request_id),
                   std::string(unprocessable ? "unprocessable" : Slug(error.code)),
                   hidden ? std::string() : error.field}));
}

http::Response Fail(const Error& error, const http::Request& req) {
  return ErrorWithStatus(HttpStatus(error.code), error, req.request_id);
}

http::Response Unprocessable(const Error& error, const http::Request& req) {
  return ErrorWithStatus(422, error, req.request_id);
}

Error Hidden() { return Error::NotFound(std::string(kHidden)); }

// Section 3.1: 406 unless Accept admits the TAXII media type.
Status Negotiate(const http::Request& req, bool stix_too = false) {
  if (taxii::Acceptable(req.Header("Accept"), stix_too)) return {};
  return Error{Errc::kNotAcceptable,
               std::string("the Accept header must admit ") + std::string(taxii::kMediaType),
               "Accept"};
}

bool IsUuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    const bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    if (dash ? c != '-' : !hex) return false;
  }
  return true;
}

// A collection by its id, or by its alias (section 5.2.1: an alias may stand in for the id),
// among those the actor may read or write.
Result<intel::CollectionInfo> FindCollection(intel::IntelService& intel,
                                             Actor actor,
                                             std::string_view root,
                                             std::string_view id) {
  if (IsUuid(id)) return intel.GetCollection(actor, root, id);
  if (id.size() > 250) return Hidden();
  auto list = intel.ListCollections(actor, root);
  if (!list) return list.error();
  for (auto& c : *list) {
    if (!c.alias.empty() && c.alias == id) return std::move(c);
  }
  return Hidden();
}

// The id of a collection named by its id, which is passed on for the store to decide on, or by
// its alias, looked up among the collections the actor may read or write. The hot paths go
// straight to the store this way: looking a collection up costs it a count of its objects.
Result<std::string> CollectionUuid(intel::IntelService& intel,
                                   Actor actor,
                                   std::string_view root,
                                   std::string_view name) {
  if (IsUuid(name)) return std::string(name);
  auto c = FindCollection(intel, actor, root, name);
  if (!c) return c.error();
  return std::move(c->uuid);
}

// Whether the actor sees any version of the object in the collection.
Result<bool> Exists(intel::IntelService& intel,
                    Actor actor,
                    std::string_view root,
                    std::string_view collection,
                    std::string_view object_id) {
  intel::ObjectFilter any;
  any.limit = 1;
  auto page = intel.Versions(actor, root, collection, object_id, any);
  if (!page) {
    if (page.error().code == Errc::kNotFound) return false;
    return page.error();
  }
  return !page->objects.empty();
}

void AddDateHeaders(http::Response& resp, const intel::ObjectPage& page) {
  for (auto& [name, value] : taxii::DateAddedHeaders(page)) {
    resp.headers.Set(std::move(name), std::move(value));
  }
}

std::string RootUrl(std::string_view slug) { return fmt::format("{}{}/", kPrefix, slug); }

}  // namespace

bool IsTaxiiPath(std::string_view path) { return path.starts_with(kPrefix); }

http::Response TaxiiErrorResponse(const Error& error, std::string_view request_id) {
  return ErrorWithStatus(HttpStatus(error.code), error, request_id);
}

http::Response TaxiiErrorResponse(int status, const Error& error, std::string_view request_id) {
  return ErrorWithStatus(status, error, request_id);
}

void RegisterTaxiiRoutes(Registrar& r, Services& s) {
  intel::IntelService& intel = s.intel;
  const Clock& clock = s.clock;

  // 4.1 Server Discovery.
  r.Add(Method::kGet, "/taxii2/", Read(), [&intel](http::Request& req, RequestContext& ctx) {
    if (auto ok = Negotiate(req); !ok) return Fail(ok.error(), req);
    auto roots = intel.ListApiRoots(Actor::Of(*ctx.principal));
    if (!roots) return Fail(roots.error(), req);
    taxii::Discovery d;
    d.title = "Caduceus TAXII 2.1";
    d.description =
        "Threat intelligence shared among hospitals, national authorities and the EU "
        "cybersecurity support centre. Each API root is one sharing community.";
    d.default_root = RootUrl("eu");
    for (const auto& root : *roots) d.api_roots.push_back(RootUrl(root.slug));
    return TaxiiResponse(200, taxii::RenderDiscovery(d));
  });

  // 4.2 Get API Root Information.
  r.Add(Method::kGet, "/taxii2/{root}/", Read(), [&intel](http::Request& req, RequestContext& ctx) {
    if (auto ok = Negotiate(req); !ok) return Fail(ok.error(), req);
    auto root = intel.GetApiRoot(Actor::Of(*ctx.principal), req.PathParam("root"));
    if (!root) return Fail(root.error(), req);
    return TaxiiResponse(200, taxii::RenderApiRoot(*root));
  });

  // 4.3 Get Status.
  r.Add(Method::kGet, "/taxii2/{root}/status/{status_id}/", Read(),
        [&intel](http::Request& req, RequestContext& ctx) {
          if (auto ok = Negotiate(req); !ok) return Fail(ok.error(), req);
          const auto id = req.PathParam("status_id");
          if (!IsUuid(id)) return Fail(Hidden(), req);
          auto status = intel.GetStatus(Actor::Of(*ctx.principal), req.PathParam("root"), id);
          if (!status) return Fail(status.error(), req);
          return TaxiiResponse(200, taxii::RenderStatus(*status));
        });

  // 5.1 Get Collections, in creation order (section 3.3: a consistent order).
  r.Add(Method::kGet, "/taxii2/{root}/collections/", Read(),
        [&intel](http::Request& req, RequestContext& ctx) {
          if (auto ok = Negotiate(req); !ok) return Fail(ok.error(), req);
          const Actor actor = Actor::Of(*ctx.principal);
          const auto root = req.PathParam("root");
          if (auto found = intel.GetApiRoot(actor, root); !found) return Fail(found.error(), req);
          auto list = intel.ListCollections(actor, root);
          if (!list) return Fail(list.error(), req);
          std::sort(list->begin(), list->end(),
                    [](const auto& a, const auto& b) { return a.id < b.id; });
          return TaxiiResponse(200, taxii::RenderCollections(*list));
        });

  // 5.2 Get a Collection.
  r.Add(Method::kGet, "/taxii2/{root}/collections/{collection}/", Read(),
        [&intel](http::Request& req, RequestContext& ctx) {
          if (auto ok = Negotiate(req); !ok) return Fail(ok.error(), req);
          auto c = FindCollection(intel, Actor::Of(*ctx.principal), req.PathParam("root"),
                                  req.PathParam("collection"));
          if (!c) return Fail(c.error(), req);
          return TaxiiResponse(200, taxii::RenderCollection(*c));
        });

  // 5.3 Get Object Manifests and 5.4 Get Objects: the same query, two renderings.
  const auto list_objects = [&intel](bool manifest) {
    return [&intel, manifest](http::Request& req, RequestContext& ctx) {
      if (auto ok = Negotiate(req, manifest); !ok) return Fail(ok.error(), req);
      const Actor actor = Actor::Of(*ctx.principal);
      const auto root = req.PathParam("root");
      auto collection = CollectionUuid(intel, actor, root, req.PathParam("collection"));
      if (!collection) return Fail(collection.error(), req);
      auto filter = taxii::ParseFilter(req.query, taxii::kObjectsFilters);
      if (!filter) return Fail(filter.error(), req);
      auto page = intel.Objects(actor, root, *collection, *filter);
      if (!page) return Fail(page.error(), req);
      auto resp = TaxiiResponse(
          200, manifest ? taxii::RenderManifest(*page) : taxii::RenderEnvelope(*page));
      AddDateHeaders(resp, *page);
      return resp;
    };
  };
  r.Add(Method::kGet, "/taxii2/{root}/collections/{collection}/manifest/", Read(),
        list_objects(true));
  r.Add(Method::kGet, "/taxii2/{root}/collections/{collection}/objects/", Read(),
        list_objects(false));

  // 5.5 Add Objects.
  r.Add(Method::kPost, "/taxii2/{root}/collections/{collection}/objects/",
        Write("intel.taxii.submit"), [&intel, &clock](http::Request& req, RequestContext& ctx) {
          if (auto ok = Negotiate(req); !ok) return Fail(ok.error(), req);
          const TimePoint requested = clock.Now();
          const Actor actor = Actor::Of(*ctx.principal);
          if (!taxii::IsTaxiiContentType(req.Header("Content-Type"))) {
            return Fail(
                {Errc::kUnsupportedMediaType,
                 std::string("the body must be ") + std::string(taxii::kMediaType), "Content-Type"},
                req);
          }
          const auto root_slug = req.PathParam("root");
          auto root = intel.GetApiRoot(actor, root_slug);
          if (!root) return Fail(root.error(), req);
          auto collection = CollectionUuid(intel, actor, root_slug, req.PathParam("collection"));
          if (!collection) return Fail(collection.error(), req);
          ctx.audit_target = "taxii-collection:" + *collection;
          if (const auto max = taxii::MaxContentLength(*root); req.body.size() > max) {
            return Fail({Errc::kPayloadTooLarge,
                         fmt::format("the body exceeds the API root's max_content_length of {} "
                                     "bytes",
                                     max),
                         {}},
                        req);
          }
          auto bundle = taxii::EnvelopeToBundle(req.body, "bundle--" + RandomUuid());
          if (!bundle) return Unprocessable(bundle.error(), req);
          intel::SubmitOptions options;
          options.source = "taxii";
          auto report = intel.Submit(actor, *collection, *bundle, options);
          if (!report) {
            if (report.error().code == Errc::kInvalidArgument) {
              return Unprocessable(report.error(), req);
            }
            return Fail(report.error(), req);
          }
          intel::StatusResource status;
          status.id = report->status_id;
          status.status = "complete";
          status.request_timestamp = requested;
          status.total = report->total;
          status.success_count = report->successes.size();
          status.failure_count = report->failures.size();
          status.successes = std::move(report->successes);
          status.failures = std::move(report->failures);
          ctx.audit_detail = json::serialize(json::object{{"status_id", status.id},
                                                          {"total", status.total},
                                                          {"success", status.success_count},
                                                          {"failure", status.failure_count}});
          return TaxiiResponse(202, taxii::RenderStatus(status));
        });

  // 5.6 Get an Object: every version the filters select, or 404 when the caller sees none at
  // all (an object that exists but has no version after added_after is an empty envelope).
  r.Add(Method::kGet, "/taxii2/{root}/collections/{collection}/objects/{object_id}/", Read(),
        [&intel](http::Request& req, RequestContext& ctx) {
          if (auto ok = Negotiate(req); !ok) return Fail(ok.error(), req);
          const Actor actor = Actor::Of(*ctx.principal);
          const auto root = req.PathParam("root");
          const std::string object_id(req.PathParam("object_id"));
          auto collection = CollectionUuid(intel, actor, root, req.PathParam("collection"));
          if (!collection) return Fail(collection.error(), req);
          if (!intel::IsStixIdentifier(object_id)) return Fail(Hidden(), req);
          auto filter = taxii::ParseFilter(req.query, taxii::kObjectFilters);
          if (!filter) return Fail(filter.error(), req);
          filter->ids = {object_id};
          auto page = intel.Objects(actor, root, *collection, *filter);
          if (!page) return Fail(page.error(), req);
          if (page->objects.empty()) {
            auto exists = Exists(intel, actor, root, *collection, object_id);
            if (!exists) return Fail(exists.error(), req);
            if (!*exists) return Fail(Hidden(), req);
          }
          auto resp = TaxiiResponse(200, taxii::RenderEnvelope(*page));
          AddDateHeaders(resp, *page);
          return resp;
        });

  // 5.7 Delete an Object: the table of section 5.7 (read and write on the collection), then
  // the store's rule on whose objects the caller may delete.
  r.Add(Method::kDelete, "/taxii2/{root}/collections/{collection}/objects/{object_id}/",
        Write("intel.taxii.delete"), [&intel](http::Request& req, RequestContext& ctx) {
          if (auto ok = Negotiate(req); !ok) return Fail(ok.error(), req);
          const Actor actor = Actor::Of(*ctx.principal);
          const auto root = req.PathParam("root");
          const std::string object_id(req.PathParam("object_id"));
          auto c = FindCollection(intel, actor, root, req.PathParam("collection"));
          if (!c) return Fail(c.error(), req);
          if (!c->can_read || !c->can_write) {
            return Fail(Error::Denied("deleting needs read and write on this collection"), req);
          }
          if (!intel::IsStixIdentifier(object_id)) return Fail(Hidden(), req);
          ctx.audit_target = "stix:" + object_id;
          auto filter = taxii::ParseFilter(req.query, taxii::kDeleteFilters);
          if (!filter) return Fail(filter.error(), req);
          if (!req.QueryParam("match[version]")) {
            filter->version_all = true;  // section 5.7: without it, the whole object goes
            filter->version_last = false;
          }
          auto deleted = intel.Delete(actor, root, c->uuid, object_id, *filter);
          if (!deleted) return Fail(deleted.error(), req);
          if (*deleted == 0) return Fail(Hidden(), req);
          ctx.audit_detail =
              json::serialize(json::object{{"collection", c->uuid}, {"versions", *deleted}});
          return TaxiiResponse(200, "");
        });

  // 5.8 Get Object Versions.
  r.Add(Method::kGet, "/taxii2/{root}/collections/{collection}/objects/{object_id}/versions/",
        Read(), [&intel](http::Request& req, RequestContext& ctx) {
          if (auto ok = Negotiate(req); !ok) return Fail(ok.error(), req);
          const Actor actor = Actor::Of(*ctx.principal);
          const auto root = req.PathParam("root");
          const std::string object_id(req.PathParam("object_id"));
          auto collection = CollectionUuid(intel, actor, root, req.PathParam("collection"));
          if (!collection) return Fail(collection.error(), req);
          if (!intel::IsStixIdentifier(object_id)) return Fail(Hidden(), req);
          auto filter = taxii::ParseFilter(req.query, taxii::kVersionsFilters);
          if (!filter) return Fail(filter.error(), req);
          auto page = intel.Versions(actor, root, *collection, object_id, *filter);
          if (!page) return Fail(page.error(), req);
          if (page->objects.empty()) {
            auto exists = Exists(intel, actor, root, *collection, object_id);
            if (!exists) return Fail(exists.error(), req);
            if (!*exists) return Fail(Hidden(), req);
          }
          auto resp = TaxiiResponse(200, taxii::RenderVersions(*page));
          AddDateHeaders(resp, *page);
          return resp;
        });
}

}  // namespace caduceus::api
