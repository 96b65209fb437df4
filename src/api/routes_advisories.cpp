// Routes of the advisory store (advisories/service.h, sources.h): CSAF import and authoring,
// search, advisory details and documents, the KEV catalogue, alias tables and advisory sources.
#include <algorithm>
#include <string>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "advisories/service.h"
#include "advisories/sources.h"
#include "api/internal.h"
#include "http/json_body.h"

namespace caduceus::api {

namespace json = boost::json;
using advisories::AdvisoryService;
using http::Method;
using identity::Actor;

namespace {

bool IsJsonContent(const http::Request& req) {
  std::string media(req.Header("Content-Type").value_or(""));
  media = media.substr(0, media.find(';'));
  while (!media.empty() && media.back() == ' ') media.pop_back();
  std::transform(media.begin(), media.end(), media.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return media == "application/json";
}

// 422 for a document that is JSON but not a valid CSAF or KEV document, with `field` the JSON
// pointer of the element at fault; other errors as their code says.
http::Response DocumentError(const Error& error, std::string_view request_id) {
  http::Response resp = ErrorResponse(error, request_id);
  if (error.code != Errc::kInvalidArgument) return resp;
  resp.status = 422;
  boost::system::error_code ec;
  json::value body = json::parse(resp.body, ec);
  if (!ec && body.is_object()) {
    body.as_object()["status"] = 422;
    resp.body = json::serialize(body);
  }
  return resp;
}

// Checks the raw body of an import: JSON media type and at most `max` bytes.
std::optional<Error> CheckRawBody(const http::Request& req, std::size_t max) {
  if (!IsJsonContent(req)) {
    return Error{Errc::kUnsupportedMediaType, "the body must be application/json", {}};
  }
  if (req.body.size() > max) {
    return Error{Errc::kPayloadTooLarge, fmt::format("the body may not exceed {} bytes", max), {}};
  }
  return std::nullopt;
}

json::value OptDouble(const std::optional<double>& v) {
  return v ? json::value(*v) : json::value(nullptr);
}

json::array Strings(const std::vector<std::string>& list) {
  json::array out;
  for (const auto& s : list) out.push_back(json::value(s));
  return out;
}

json::object SummaryJson(const advisories::AdvisorySummary& s) {
  return {{"id", s.id},
          {"key", s.key},
          {"title", s.title},
          {"publisher", s.publisher},
          {"publisher_namespace", s.publisher_namespace},
          {"tracking_id", s.tracking_id},
          {"version", s.version},
          {"category", s.category},
          {"tlp", s.tlp.empty() ? json::value(nullptr) : json::value(s.tlp)},
          {"severity", s.severity},
          {"max_cvss", OptDouble(s.max_cvss)},
          {"cves", Strings(s.cves)},
          {"kev", s.kev},
          {"revision", s.revision},
          {"current_release", FormatRfc3339(s.current_release)},
          {"initial_release", FormatRfc3339(s.initial_release)},
          {"source", s.source},
          {"authored_by_org",
           s.authored_by_org ? json::value(*s.authored_by_org) : json::value(nullptr)},
          {"holder_org", s.holder_org ? json::value(*s.holder_org) : json::value(nullptr)},
          {"product_count", s.product_count},
          {"updated_at", FormatRfc3339(s.updated_at)}};
}

json::object HelperJson(const advisories::IdentificationHelper& h) {
  json::object o;
  if (!h.cpe.empty()) o["cpe"] = h.cpe;
  if (!h.purl.empty()) o["purl"] = h.purl;
  if (!h.model_numbers.empty()) o["model_numbers"] = Strings(h.model_numbers);
  if (!h.serial_numbers.empty()) o["serial_numbers"] = Strings(h.serial_numbers);
  if (!h.skus.empty()) o["skus"] = Strings(h.skus);
  if (!h.hashes.empty()) {
    json::array hashes;
    for (const auto& f : h.hashes) {
      json::array digests;
      for (const auto& [algorithm, value] : f.hashes) {
        digests.push_back(json::object{{"algorithm", algorithm}, {"value", value}});
      }
      hashes.push_back(json::object{{"filename", f.filename}, {"hashes", std::move(digests)}});
    }
    o["hashes"] = std::move(hashes);
  }
  return o;
}

json::object ProductJson(const advisories::Product& p) {
  json::object o{
      {"product_id", p.product_id},    {"name", p.name},       {"vendor", p.vendor},
      {"product", p.product_name},     {"version", p.version}, {"version_range", p.version_range},
      {"helper", HelperJson(p.helper)}};
  if (!p.relationship_category.empty()) {
    o["relationship"] = json::object{{"category", p.relationship_category},
                                     {"component", p.component_id},
                                     {"platform", p.platform_id}};
  }
  return o;
}

json::object KevJson(const advisories::KevEntry& e) {
  return {{"cve", e.cve_id},
          {"vendor_project", e.vendor_project},
          {"product", e.product},
          {"name", e.vulnerability_name},
          {"date_added", e.date_added.text},
          {"due_date", e.due_date.text},
          {"known_ransomware", e.known_ransomware_use},
          {"short_description", e.short_description},
          {"required_action", e.required_action}};
}

json::object VulnerabilityJson(const advisories::Vulnerability& v,
                               const std::vector<advisories::KevEntry>& kev) {
  json::array cwes;
  for (const auto& c : v.cwes) cwes.push_back(json::object{{"id", c.id}, {"name", c.name}});
  json::array scores;
  for (const auto& s : v.scores) {
    scores.push_back(json::object{{"cvss_version", s.cvss_version},
                                  {"vector", s.vector},
                                  {"base_score", s.base_score},
                                  {"base_severity", s.base_severity},
                                  {"products", Strings(s.product_ids)}});
  }
  const auto& ps = v.product_status;
  json::object status{{"known_affected", Strings(ps.known_affected)},
                      {"first_affected", Strings(ps.first_affected)},
                      {"last_affected", Strings(ps.last_affected)},
                      {"under_investigation", Strings(ps.under_investigation)},
                      {"fixed", Strings(ps.fixed)},
                      {"first_fixed", Strings(ps.first_fixed)},
                      {"recommended", Strings(ps.recommended)},
                      {"known_not_affected", Strings(ps.known_not_affected)}};
  json::array remediations;
  for (const auto& r : v.remediations) {
    remediations.push_back(json::object{{"category", r.category},
                                        {"details", r.details},
                                        {"url", r.url},
                                        {"products", Strings(r.product_ids)}});
  }
  json::array threats;
  for (const auto& t : v.threats) {
    threats.push_back(json::object{
        {"category", t.category}, {"details", t.details}, {"products", Strings(t.product_ids)}});
  }
  std::string description;
  for (const auto& n : v.notes) {
    if (n.category == "description" || (description.empty() && n.category == "summary")) {
      description = n.text;
    }
  }
  json::value kev_entry = nullptr;
  for (const auto& e : kev) {
    if (!v.cve.empty() && e.cve_id == v.cve) kev_entry = KevJson(e);
  }
  return {{"cve", v.cve.empty() ? json::value(nullptr) : json::value(v.cve)},
          {"title", v.title},
          {"description", description},
          {"cwes", std::move(cwes)},
          {"scores", std::move(scores)},
          {"product_status", std::move(status)},
          {"remediations", std::move(remediations)},
          {"threats", std::move(threats)},
          {"kev", std::move(kev_entry)}};
}

json::object DetailJson(const advisories::AdvisoryDetail& d) {
  json::object o = SummaryJson(d.summary);
  const advisories::Advisory& a = d.prepared->advisory();
  o["summary"] = a.summary;
  json::array products;
  for (const auto& p : a.products) products.push_back(ProductJson(p));
  o["products"] = std::move(products);
  json::array vulnerabilities;
  for (const auto& v : a.vulnerabilities) vulnerabilities.push_back(VulnerabilityJson(v, d.kev));
  o["vulnerabilities"] = std::move(vulnerabilities);
  json::array revisions;
  for (const auto& r : d.revisions) {
    revisions.push_back(json::object{{"revision", r.revision},
                                     {"version", r.version},
                                     {"current_release", FormatRfc3339(r.current_release)},
                                     {"sha256", r.sha256},
                                     {"received_at", FormatRfc3339(r.received_at)},
                                     {"source", r.source},
                                     {"current", r.current}});
  }
  o["revisions"] = std::move(revisions);
  json::array references;
  for (const auto& r : a.references) {
    references.push_back(
        json::object{{"category", r.category}, {"summary", r.summary}, {"url", r.url}});
  }
  o["references"] = std::move(references);
  return o;
}

json::object ImportJson(const advisories::ImportResult& r) {
  return {{"id", r.id},
          {"key", r.key},
          {"revision", r.revision},
          {"outcome", advisories::ToString(r.outcome)},
          {"alerts_pending", r.outcome == advisories::ImportOutcome::kCreated ||
                                 r.outcome == advisories::ImportOutcome::kRevised}};
}

json::object KevMetaJson(const advisories::KevMeta& m) {
  return {{"catalog_version", m.catalog_version},
          {"date_released", m.date_released},
          {"imported_at", OptTime(m.imported_at)},
          {"count", m.count},
          {"ransomware_count", m.ransomware_count}};
}

json::object AliasJson(const advisories::Alias& a) {
  return {
      {"id", a.id},
      {"kind", a.kind},
      {"name", a.name},
      {"alias", a.alias},
      {"created_by_org", a.created_by_org ? json::value(*a.created_by_org) : json::value(nullptr)},
      {"created_at", FormatRfc3339(a.created_at)}};
}

json::object RunJson(const advisories::SourceRun& r) {
  return {{"id", r.id},
          {"source_id", r.source_id},
          {"started_at", FormatRfc3339(r.started_at)},
          {"finished_at", OptTime(r.finished_at)},
          {"status", r.status},
          {"fetched", r.fetched},
          {"imported", r.imported},
          {"unchanged", r.unchanged},
          {"rejected", r.rejected},
          {"log", Strings(r.log)}};
}

json::object SourceJson(const advisories::Source& s) {
  return {
      {"id", s.id},
      {"name", s.name},
      {"kind", s.kind},
      {"url", s.url},
      {"enabled", s.enabled},
      {"interval_minutes", s.interval_minutes},
      {"next_run_at", FormatRfc3339(s.next_run)},
      {"last_run_at", OptTime(s.last_run)},
      {"last_status", s.last_status.empty() ? json::value(nullptr) : json::value(s.last_status)},
      {"created_at", FormatRfc3339(s.created_at)},
      {"updated_at", FormatRfc3339(s.updated_at)}};
}

Result<advisories::AuthoredAdvisory> ReadForm(const json::object& body) {
  http::FieldReader f(body);
  advisories::AuthoredAdvisory form;
  const auto title = f.String("title", 200);
  const auto tracking_id = f.String("tracking_id", 100, false);
  const auto tlp = f.String("tlp", 16, false);
  const auto summary = f.String("summary", 4000);
  const auto vendor = f.String("vendor", 200);
  const auto product = f.String("product", 200);
  const json::value* versions = f.Raw("versions", true);
  const json::value* cves = f.Raw("cves", true);
  const json::value* remediation = f.Raw("remediation", true);
  if (auto st = f.Finish(); !st) return st.error();
  form.title = *title;
  form.tracking_id = tracking_id.value_or("");
  if (tlp) {
    form.tlp = *tlp;
    std::transform(form.tlp.begin(), form.tlp.end(), form.tlp.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  }
  form.summary = *summary;
  form.vendor = *vendor;
  form.product = *product;
  if (!versions->is_array() || versions->as_array().size() > 100) {
    return Error::Invalid("versions must be an array of up to 100 objects", "versions");
  }
  for (const json::value& v : versions->as_array()) {
    if (!v.is_object()) return Error::Invalid("versions holds objects", "versions");
    http::FieldReader r(v.as_object());
    const auto version = r.String("version", 200, false);
    const auto range = r.String("range", 200, false);
    const auto status = r.String("status", 32, false);
    if (auto st = r.Finish(); !st) return st.error();
    form.versions.push_back(
        {version.value_or(""), range.value_or(""), status.value_or("known_affected")});
  }
  if (!cves->is_array() || cves->as_array().size() > 100) {
    return Error::Invalid("cves must be an array of up to 100 objects", "cves");
  }
  for (const json::value& v : cves->as_array()) {
    if (!v.is_object()) return Error::Invalid("cves holds objects", "cves");
    http::FieldReader r(v.as_object());
    const auto id = r.String("id", 32);
    const auto vector = r.String("cvss_v3_vector", 200, false);
    const auto description = r.String("description", 4000);
    if (auto st = r.Finish(); !st) return st.error();
    form.cves.push_back({*id, vector.value_or(""), *description});
  }
  if (!remediation->is_object()) return Error::Invalid("remediation is an object", "remediation");
  http::FieldReader r(remediation->as_object());
  const auto category = r.String("category", 32);
  const auto details = r.String("details", 4000);
  const auto url = r.String("url", 2000, false);
  if (auto st = r.Finish(); !st) return st.error();
  form.remediation = {*category, *details, url.value_or("")};
  return form;
}

Result<advisories::AdvisoryFilter> ReadFilter(const http::Request& req) {
  advisories::AdvisoryFilter f;
  f.q = req.QueryParam("q").value_or("");
  f.vendor = req.QueryParam("vendor").value_or("");
  f.product = req.QueryParam("product").value_or("");
  f.cve = req.QueryParam("cve").value_or("");
  f.severity = req.QueryParam("severity").value_or("");
  if (auto kev = req.QueryParam("kev")) {
    if (*kev != "true" && *kev != "false") return Error::Invalid("kev is true or false", "kev");
    f.kev_only = *kev == "true";
  }
  if (auto since = req.QueryParam("since")) {
    f.since = ParseRfc3339(*since);
    if (!f.since) return Error::Invalid("since is an RFC 3339 date-time", "since");
  }
  if (auto page = req.QueryParam("page")) {
    const auto n = ParseInteger(*page, 1, 1'000'000);
    if (!n) return Error::Invalid("page is a number from 1", "page");
    f.page = static_cast<int>(*n);
  }
  if (auto per_page = req.QueryParam("per_page")) {
    const auto n = ParseInteger(*per_page, 1, advisories::kMaxPerPage);
    if (!n) return Error::Invalid("per_page is 1..200", "per_page");
    f.per_page = static_cast<int>(*n);
  }
  return f;
}

http::Response DocumentResponse(advisories::StoredDocument doc) {
  auto resp = http::Response::Text(200, std::move(doc.text), "application/json");
  resp.headers.Set("Content-Disposition", "attachment; filename=\"" + doc.file_name + "\"");
  resp.headers.Set("X-Content-Type-Options", "nosniff");
  return resp;
}

Result<advisories::SourcePatch> ReadSourcePatch(const json::object& body) {
  http::FieldReader f(body);
  advisories::SourcePatch p;
  p.name = f.String("name", 200, false);
  p.url = f.String("url", 2048, false);
  p.enabled = f.Bool("enabled", false);
  if (auto minutes = f.Int("interval_minutes", 5, 10080, false)) {
    p.interval_minutes = static_cast<int>(*minutes);
  }
  if (auto st = f.Finish(); !st) return st.error();
  return p;
}

}  // namespace

void RegisterAdvisoryRoutes(Registrar& r, Services& s) {
  AdvisoryService& svc = s.advisories;

  r.Add(Method::kPost, "/api/v1/advisories", Write("advisory.import"),
        [&svc](http::Request& req, RequestContext& ctx) {
          if (auto bad = CheckRawBody(req, advisories::kMaxCsafBytes)) {
            return ErrorResponse(*bad, req.request_id);
          }
          auto imported =
              svc.Import(Actor::Of(*ctx.principal), req.body, advisories::kSourceUpload);
          if (!imported) return DocumentError(imported.error(), req.request_id);
          ctx.audit_target = fmt::format("advisory:{}", imported->id);
          ctx.audit_detail =
              json::serialize(json::object{{"key", imported->key.substr(0, 300)},
                                           {"revision", imported->revision},
                                           {"outcome", advisories::ToString(imported->outcome)}});
          const int status = imported->outcome == advisories::ImportOutcome::kCreated ? 201 : 200;
          return JsonResponse(status, ImportJson(*imported));
        });

  r.Add(Method::kGet, "/api/v1/advisories", Read(),
        [&svc](http::Request& req, RequestContext& ctx) {
          auto filter = ReadFilter(req);
          if (!filter) return ErrorResponse(filter.error(), req.request_id);
          auto page = svc.List(Actor::Of(*ctx.principal), *filter);
          if (!page) return ErrorResponse(page.error(), req.request_id);
          json::array items;
          for (const auto& item : page->items) items.push_back(SummaryJson(item));
          return JsonResponse(200, json::object{{"items", std::move(items)},
                                                {"total", page->total},
                                                {"page", page->page},
                                                {"per_page", page->per_page}});
        });

  r.Add(Method::kGet, "/api/v1/advisories/{id}", Read(),
        [&svc](http::Request& req, RequestContext& ctx) {
          auto id = IdParam(req, "id");
          if (!id) return ErrorResponse(id.error(), req.request_id);
          auto detail = svc.Get(Actor::Of(*ctx.principal), *id);
          if (!detail) return ErrorResponse(detail.error(), req.request_id);
          return JsonResponse(200, DetailJson(*detail));
        });

  r.Add(Method::kGet, "/api/v1/advisories/{id}/document", Read(),
        [&svc](http::Request& req, RequestContext& ctx) {
          auto id = IdParam(req, "id");
          if (!id) return ErrorResponse(id.error(), req.request_id);
          auto doc = svc.Document(Actor::Of(*ctx.principal), *id);
          if (!doc) return ErrorResponse(doc.error(), req.request_id);
          return DocumentResponse(std::move(*doc));
        });

  r.Add(Method::kGet, "/api/v1/advisories/{id}/revisions/{rev}/document", Read(),
        [&svc](http::Request& req, RequestContext& ctx) {
          auto id = IdParam(req, "id");
          if (!id) return ErrorResponse(id.error(), req.request_id);
          auto rev = IdParam(req, "rev");
          if (!rev) return ErrorResponse(rev.error(), req.request_id);
          auto doc = svc.Document(Actor::Of(*ctx.principal), *id, *rev);
          if (!doc) return ErrorResponse(doc.error(), req.request_id);
          return DocumentResponse(std::move(*doc));
        });

  r.Add(Method::kPost, "/api/v1/advisories/authored", Write("advisory.author"),
        [&svc](http::Request& req, RequestContext& ctx) {
          auto body = JsonBody(req);
          if (!body) return ErrorResponse(body.error(), req.request_id);
          auto form = ReadForm(*body);
          if (!form) return ErrorResponse(form.error(), req.request_id);
          auto imported = svc.Author(Actor::Of(*ctx.principal), *form);
          if (!imported) return DocumentError(imported.error(), req.request_id);
          ctx.audit_target = fmt::format("advisory:{}", imported->id);
          ctx.audit_detail =
              json::serialize(json::object{{"key", imported->key.substr(0, 300)},
                                           {"revision", imported->revision},
                                           {"outcome", advisories::ToString(imported->outcome)}});
          const int status = imported->outcome == advisories::ImportOutcome::kCreated ? 201 : 200;
          return JsonResponse(status, ImportJson(*imported));
        });

  r.Add(Method::kPost, "/api/v1/advisories/kev", Write("advisory.kev"),
        [&svc](http::Request& req, RequestContext& ctx) {
          if (auto bad = CheckRawBody(req, advisories::KevOptions{}.max_bytes)) {
            return ErrorResponse(*bad, req.request_id);
          }
          auto meta = svc.ImportKev(Actor::Of(*ctx.principal), req.body);
          if (!meta) return DocumentError(meta.error(), req.request_id);
          ctx.audit_target = "advisory-kev";
          ctx.audit_detail = json::serialize(json::object{
              {"catalog_version", meta->catalog_version.substr(0, 64)}, {"count", meta->count}});
          return JsonResponse(200, KevMetaJson(*meta));
        });

  r.Add(Method::kGet, "/api/v1/advisories/kev", Read(),
        [&svc](http::Request& req, RequestContext&) {
          auto meta = svc.KevInfo();
          if (!meta) return ErrorResponse(meta.error(), req.request_id);
          return JsonResponse(200, KevMetaJson(*meta));
        });

  r.Add(Method::kGet, "/api/v1/advisories/aliases", Read(),
        [&svc](http::Request& req, RequestContext&) {
          auto list = svc.ListAliases();
          if (!list) return ErrorResponse(list.error(), req.request_id);
          json::array items;
          for (const auto& a : *list) items.push_back(AliasJson(a));
          return JsonResponse(200, json::object{{"items", std::move(items)}});
        });

  r.Add(Method::kPost, "/api/v1/advisories/aliases", Write("advisory.alias.add"),
        [&svc](http::Request& req, RequestContext& ctx) {
          auto body = JsonBody(req);
          if (!body) return ErrorResponse(body.error(), req.request_id);
          http::FieldReader f(*body);
          const auto kind = f.String("kind", 16);
          const auto name = f.String("name", advisories::kMaxNameBytes);
          const auto alias = f.String("alias", advisories::kMaxNameBytes);
          if (auto st = f.Finish(); !st) return ErrorResponse(st.error(), req.request_id);
          auto added = svc.AddAlias(Actor::Of(*ctx.principal), *kind, *name, *alias);
          if (!added) return ErrorResponse(added.error(), req.request_id);
          ctx.audit_target = fmt::format("advisory-alias:{}", added->id);
          ctx.audit_detail = json::serialize(
              json::object{{"kind", added->kind}, {"name", added->name}, {"alias", added->alias}});
          return JsonResponse(201, AliasJson(*added));
        });

  r.Add(Method::kDelete, "/api/v1/advisories/aliases/{id}", Write("advisory.alias.remove"),
        [&svc](http::Request& req, RequestContext& ctx) {
          auto id = IdParam(req, "id");
          if (!id) return ErrorResponse(id.error(), req.request_id);
          ctx.audit_target = fmt::format("advisory-alias:{}", *id);
          if (auto st = svc.RemoveAlias(Actor::Of(*ctx.principal), *id); !st) {
            return ErrorResponse(st.error(), req.request_id);
          }
          http::Response resp;
          resp.status = 204;
          return resp;
        });

  // --- Sources ---------------------------------------------------------------------------------
  advisories::SourceService& sources = svc.sources();

  r.Add(Method::kGet, "/api/v1/advisories/sources", Read(),
        [&sources](http::Request& req, RequestContext& ctx) {
          auto list = sources.List(Actor::Of(*ctx.principal));
          if (!list) return ErrorResponse(list.error(), req.request_id);
          json::array items;
          for (const auto& src : *list) items.push_back(SourceJson(src));
          return JsonResponse(200, json::object{{"items", std::move(items)}});
        });

  r.Add(Method::kPost, "/api/v1/advisories/sources", Write("advisory.source.create"),
        [&sources](http::Request& req, RequestContext& ctx) {
          auto body = JsonBody(req);
          if (!body) return ErrorResponse(body.error(), req.request_id);
          http::FieldReader f(*body);
          advisories::NewSource n;
          const auto name = f.String("name", 200);
          const auto kind = f.String("kind", 16);
          const auto url = f.String("url", 2048);
          const auto enabled = f.Bool("enabled", false);
          const auto minutes = f.Int("interval_minutes", 5, 10080, false);
          if (auto st = f.Finish(); !st) return ErrorResponse(st.error(), req.request_id);
          n.name = *name;
          n.kind = *kind;
          n.url = *url;
          n.enabled = enabled.value_or(true);
          n.interval_minutes = static_cast<int>(minutes.value_or(60));
          auto created = sources.Create(Actor::Of(*ctx.principal), n);
          if (!created) return ErrorResponse(created.error(), req.request_id);
          ctx.audit_target = fmt::format("advisory-source:{}", created->id);
          ctx.audit_detail = json::serialize(json::object{
              {"name", created->name}, {"kind", created->kind}, {"url", created->url}});
          return JsonResponse(201, SourceJson(*created));
        });

  r.Add(Method::kPatch, "/api/v1/advisories/sources/{id}", Write("advisory.source.update"),
        [&sources](http::Request& req, RequestContext& ctx) {
          auto id = IdParam(req, "id");
          if (!id) return ErrorResponse(id.error(), req.request_id);
          ctx.audit_target = fmt::format("advisory-source:{}", *id);
          auto body = JsonBody(req);
          if (!body) return ErrorResponse(body.error(), req.request_id);
          auto patch = ReadSourcePatch(*body);
          if (!patch) return ErrorResponse(patch.error(), req.request_id);
          auto updated = sources.Update(Actor::Of(*ctx.principal), *id, *patch);
          if (!updated) return ErrorResponse(updated.error(), req.request_id);
          return JsonResponse(200, SourceJson(*updated));
        });

  r.Add(Method::kDelete, "/api/v1/advisories/sources/{id}", Write("advisory.source.delete"),
        [&sources](http::Request& req, RequestContext& ctx) {
          auto id = IdParam(req, "id");
          if (!id) return ErrorResponse(id.error(), req.request_id);
          ctx.audit_target = fmt::format("advisory-source:{}", *id);
          if (auto st = sources.Delete(Actor::Of(*ctx.principal), *id); !st) {
            return ErrorResponse(st.error(), req.request_id);
          }
          http::Response resp;
          resp.status = 204;
          return resp;
        });

  r.Add(Method::kPost, "/api/v1/advisories/sources/{id}/run", Write("advisory.source.run"),
        [&sources](http::Request& req, RequestContext& ctx) {
          auto id = IdParam(req, "id");
          if (!id) return ErrorResponse(id.error(), req.request_id);
          ctx.audit_target = fmt::format("advisory-source:{}", *id);
          auto run = sources.Run(Actor::Of(*ctx.principal), *id);
          if (!run) return ErrorResponse(run.error(), req.request_id);
          ctx.audit_detail = json::serialize(json::object{
              {"status", run->status}, {"imported", run->imported}, {"rejected", run->rejected}});
          return JsonResponse(200, RunJson(*run));
        });

  r.Add(Method::kGet, "/api/v1/advisories/sources/{id}/runs", Read(),
        [&sources](http::Request& req, RequestContext& ctx) {
          auto id = IdParam(req, "id");
          if (!id) return ErrorResponse(id.error(), req.request_id);
          auto runs = sources.Runs(Actor::Of(*ctx.principal), *id, 50);
          if (!runs) return ErrorResponse(runs.error(), req.request_id);
          json::array items;
          for (const auto& run : *runs) items.push_back(RunJson(run));
          return JsonResponse(200, json::object{{"items", std::move(items)}});
        });
}

}  // namespace caduceus::api
