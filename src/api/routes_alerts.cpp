// Early-warning routes of the alerts side: asset inventories (uploads, history, single assets),
// alerts (list, detail, transitions, bulk transitions), deadlines and dashboards.
#include <string>
#include <tuple>
#include <vector>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "advisories/alerts.h"
#include "advisories/inventories.h"
#include "api/internal.h"
#include "audit/audit.h"
#include "http/json_body.h"

namespace caduceus::api {

namespace json = boost::json;
using advisories::AlertService;
using advisories::InventoryService;
using http::Method;
using identity::Actor;

namespace {

json::value OptString(const std::optional<std::string>& v) {
  return v ? json::value(*v) : json::value(nullptr);
}
json::value OptBool(const std::optional<bool>& v) {
  return v ? json::value(*v) : json::value(nullptr);
}
json::value OptIntJson(const std::optional<int>& v) {
  return v ? json::value(*v) : json::value(nullptr);
}

// ?name=<positive id>, absent: nullopt.
Result<std::optional<std::int64_t>> OptIdQuery(const http::Request& req, std::string_view name) {
  const auto v = req.QueryParam(name);
  if (!v) return std::optional<std::int64_t>();
  const auto id = ParseInteger(*v, 1, INT64_MAX);
  if (!id)
    return Error::Invalid(fmt::format("{} must be a positive integer", name), std::string(name));
  return std::optional<std::int64_t>(*id);
}

Result<std::pair<int, int>> PageQuery(const http::Request& req, int default_per_page, int max) {
  int page = 1, per_page = default_per_page;
  if (auto v = req.QueryParam("page")) {
    const auto p = ParseInteger(*v, 1, 1'000'000);
    if (!p) return Error::Invalid("page must be from 1", "page");
    page = static_cast<int>(*p);
  }
  if (auto v = req.QueryParam("per_page")) {
    const auto p = ParseInteger(*v, 1, max);
    if (!p) return Error::Invalid(fmt::format("per_page must be from 1 to {}", max), "per_page");
    per_page = static_cast<int>(*p);
  }
  return std::pair{page, per_page};
}

json::object AssetJson(const advisories::StoredAsset& s) {
  const auto& a = s.asset;
  json::array props;
  for (const auto& [n, v] : a.properties) props.push_back(json::object{{"name", n}, {"value", v}});
  return {{"id", s.id},
          {"org_id", s.org_id},
          {"vendor", a.vendor},
          {"product", a.product},
          {"version", a.version},
          {"model_number", a.model_number},
          {"serial_number", a.serial_number},
          {"location", a.location},
          {"department", a.department},
          {"owner", a.owner},
          {"network_connected", OptBool(a.network_connected)},
          {"patient_safety_critical", OptBool(a.patient_safety_critical)},
          {"cpe", a.cpe},
          {"purl", a.purl},
          {"type", a.type},
          {"group", a.group},
          {"supplier", a.supplier},
          {"manufacturer", a.manufacturer},
          {"bom_ref", a.bom_ref},
          {"properties", std::move(props)},
          {"upload_id", s.upload_id ? json::value(*s.upload_id) : json::value(nullptr)},
          {"updated_at", FormatRfc3339(s.updated_at)}};
}

json::object UploadJson(const advisories::UploadRecord& u) {
  return {{"id", u.id},
          {"org_id", u.org_id},
          {"revision", u.revision},
          {"format", u.format},
          {"file_name", u.file_name},
          {"sha256", u.sha256},
          {"size", u.size},
          {"mode", u.mode},
          {"added", u.added},
          {"updated", u.updated},
          {"removed", u.removed},
          {"asset_count", u.asset_count},
          {"uploaded_by", u.uploaded_by ? json::value(*u.uploaded_by) : json::value(nullptr)},
          {"uploaded_at", FormatRfc3339(u.uploaded_at)}};
}

json::object ChangesJson(const advisories::AlertChanges& c) {
  return {{"created", c.created}, {"updated", c.updated}, {"withdrawn", c.withdrawn}};
}

json::object AlertJson(const advisories::AlertSummary& a) {
  return {
      {"id", a.id},
      {"org", json::object{{"id", a.org_id}, {"name", a.org_name}}},
      {"advisory",
       json::object{{"id", a.advisory_id}, {"key", a.advisory_key}, {"title", a.advisory_title}}},
      {"state", a.state},
      {"resolution", OptString(a.resolution)},
      {"justification", a.justification},
      {"vex_justification", OptString(a.vex_justification)},
      {"severity", a.severity},
      {"kev", a.kev},
      {"ransomware", a.ransomware},
      {"patient_safety", a.patient_safety},
      {"item_count", a.item_count},
      {"ack_due", OptTime(a.ack_due)},
      {"remediate_due", OptTime(a.remediate_due)},
      {"acknowledged_at", OptTime(a.acknowledged_at)},
      {"resolved_at", OptTime(a.resolved_at)},
      {"overdue", OptString(a.overdue)},
      {"created_at", FormatRfc3339(a.created_at)},
      {"updated_at", FormatRfc3339(a.updated_at)}};
}

json::object DetailJson(const advisories::AlertDetail& d) {
  json::object out = AlertJson(d.summary);
  json::array items;
  for (const auto& i : d.items) {
    items.push_back(json::object{{"asset", json::object{{"id", i.asset_id},
                                                        {"vendor", i.vendor},
                                                        {"product", i.product},
                                                        {"version", i.version},
                                                        {"model_number", i.model_number},
                                                        {"location", i.location}}},
                                 {"cve", i.cve},
                                 {"vulnerability_index", i.vulnerability_index},
                                 {"product_id", i.product_id},
                                 {"decision", i.decision},
                                 {"severity", i.severity},
                                 {"reason", i.reason},
                                 {"severity_reason", i.severity_reason}});
  }
  json::array history;
  for (const auto& h : d.history) {
    history.push_back(json::object{
        {"at", FormatRfc3339(h.at)},
        {"user_id", h.user_id ? json::value(*h.user_id) : json::value(nullptr)},
        {"org_id", h.org_id ? json::value(*h.org_id) : json::value(nullptr)},
        {"from", h.from_state.empty() ? json::value(nullptr) : json::value(h.from_state)},
        {"to", h.to_state},
        {"comment", h.comment}});
  }
  out["items"] = std::move(items);
  out["history"] = std::move(history);
  out["can_handle"] = d.can_handle;
  return out;
}

json::object DeadlinesJson(const advisories::Deadlines& d) {
  json::array rules;
  for (const auto& r : d.rules) {
    rules.push_back(json::object{{"severity", r.severity},
                                 {"ack_hours", OptIntJson(r.ack_hours)},
                                 {"remediate_days", OptIntJson(r.remediate_days)},
                                 {"source", r.source}});
  }
  return {{"org_id", d.org_id}, {"rules", std::move(rules)}};
}

json::object DashboardJson(const advisories::Dashboard& d) {
  json::array exposed, advisories_json, providers, countries;
  for (const auto& e : d.most_exposed) {
    exposed.push_back(json::object{{"asset", json::object{{"id", e.asset_id},
                                                          {"vendor", e.vendor},
                                                          {"product", e.product},
                                                          {"version", e.version},
                                                          {"location", e.location}}},
                                   {"open_alerts", e.open_alerts},
                                   {"max_severity", e.max_severity}});
  }
  for (const auto& a : d.advisories) {
    advisories_json.push_back(json::object{
        {"advisory",
         json::object{{"id", a.advisory_id}, {"key", a.advisory_key}, {"title", a.advisory_title}}},
        {"severity", a.severity},
        {"affected_providers", a.affected_providers},
        {"acknowledged_providers", a.acknowledged_providers},
        {"overdue_providers", a.overdue_providers}});
  }
  for (const auto& p : d.providers) {
    providers.push_back(json::object{{"org", json::object{{"id", p.org_id}, {"name", p.org_name}}},
                                     {"country", p.country},
                                     {"open", p.open},
                                     {"overdue", p.overdue}});
  }
  for (const auto& c : d.countries) {
    countries.push_back(json::object{{"country", c.country},
                                     {"affected_providers", c.affected_providers},
                                     {"open", c.open},
                                     {"overdue", c.overdue}});
  }
  return {{"scope", d.scope},
          {"org_id", d.org_id},
          {"open", json::object{{"low", d.open.low},
                                {"medium", d.open.medium},
                                {"high", d.open.high},
                                {"critical", d.open.critical}}},
          {"due_soon", d.due_soon},
          {"overdue", d.overdue},
          {"most_exposed", std::move(exposed)},
          {"advisories", std::move(advisories_json)},
          {"providers", std::move(providers)},
          {"countries", std::move(countries)}};
}

// Reads the asset members of a JSON body onto `a` (absent members leave it as it is).
Status ReadAsset(const json::object& body, advisories::Asset& a) {
  http::FieldReader f(body);
  const std::pair<const char*, std::string*> texts[] = {{"vendor", &a.vendor},
                                                        {"product", &a.product},
                                                        {"version", &a.version},
                                                        {"model_number", &a.model_number},
                                                        {"serial_number", &a.serial_number},
                                                        {"location", &a.location},
                                                        {"department", &a.department},
                                                        {"owner", &a.owner},
                                                        {"cpe", &a.cpe},
                                                        {"purl", &a.purl},
                                                        {"type", &a.type},
                                                        {"group", &a.group},
                                                        {"supplier", &a.supplier},
                                                        {"manufacturer", &a.manufacturer},
                                                        {"bom_ref", &a.bom_ref}};
  for (const auto& [name, target] : texts) {
    if (body.contains(name) && body.at(name).is_null()) {
      f.Raw(name);
      target->clear();
      continue;
    }
    if (auto v = f.String(name, 4096, false)) *target = std::move(*v);
  }
  for (const auto& [name, target] :
       {std::pair{"network_connected", &a.network_connected},
        std::pair{"patient_safety_critical", &a.patient_safety_critical}}) {
    if (body.contains(name) && body.at(name).is_null()) {
      f.Raw(name);
      target->reset();
      continue;
    }
    if (auto v = f.Bool(name, false)) *target = *v;
  }
  return f.Finish();
}

advisories::Transition ReadTransition(http::FieldReader& f) {
  advisories::Transition t;
  t.to = f.String("to", 32).value_or("");
  if (auto v = f.String("resolution", 32, false)) t.resolution = *v;
  t.justification =
      f.String("justification", advisories::kMaxJustificationBytes, false).value_or("");
  if (auto v = f.String("vex_justification", 64, false)) t.vex_justification = *v;
  t.comment = f.String("comment", advisories::kMaxJustificationBytes, false).value_or("");
  return t;
}

}  // namespace

void RegisterAlertRoutes(Registrar& r, Services& s) {
  AlertService& alerts = s.alerts;
  InventoryService& inventories = s.inventories;

  // --- Inventory -------------------------------------------------------------------------------
  r.Add(Method::kPost, "/api/v1/inventory", Write("inventory.upload"),
        [&inventories](http::Request& req, RequestContext& ctx) {
          advisories::UploadRequest up;
          auto org = OptIdQuery(req, "org");
          if (!org) return ErrorResponse(org.error(), req.request_id);
          up.org_id = *org;
          up.mode = req.QueryParam("mode").value_or("replace");
          up.format = req.QueryParam("format").value_or("");
          up.file_name = req.QueryParam("file_name").value_or("");
          bool wrapped = false;
          if (up.format.empty() &&
              req.Header("Content-Type").value_or("").starts_with("application/json")) {
            boost::system::error_code ec;
            json::value v = json::parse(req.body, ec);
            if (!ec && v.is_object() && v.as_object().contains("content") &&
                !v.as_object().contains("bomFormat")) {
              wrapped = true;
              http::FieldReader f(v.as_object());
              if (auto fmt_v = f.String("format", 16, false)) up.format = *fmt_v;
              if (auto mode = f.String("mode", 16, false)) up.mode = *mode;
              if (auto name = f.String("file_name", 255, false)) up.file_name = *name;
              const json::value* content = f.Raw("content", true);
              if (auto st = f.Finish(); !st) return ErrorResponse(st.error(), req.request_id);
              if (!content->is_string()) {
                return ErrorResponse(Error::Invalid("content must be a string", "content"),
                                     req.request_id);
              }
              up.content = std::string(content->as_string());
            }
          }
          if (!wrapped) up.content = std::move(req.body);
          std::vector<advisories::UploadError> errors;
          auto result = inventories.Upload(Actor::Of(*ctx.principal), up, &errors);
          if (!result) {
            if (errors.empty()) return ErrorResponse(result.error(), req.request_id);
            auto resp = ErrorResponse(result.error(), req.request_id);
            json::object problem = json::parse(resp.body).as_object();
            json::array list;
            for (const auto& e : errors) {
              list.push_back(
                  json::object{{"line", e.line}, {"column", e.column}, {"message", e.message}});
            }
            problem["errors"] = std::move(list);
            problem["status"] = 422;
            resp.status = 422;
            resp.body = json::serialize(problem);
            return resp;
          }
          ctx.audit_target = fmt::format("inventory-upload:{}", result->upload_id);
          if (up.org_id) ctx.audit_org = *up.org_id;
          ctx.audit_detail = json::serialize(json::object{{"mode", up.mode},
                                                          {"added", result->added},
                                                          {"updated", result->updated},
                                                          {"removed", result->removed}});
          return JsonResponse(201, json::object{{"upload_id", result->upload_id},
                                                {"revision", result->revision},
                                                {"added", result->added},
                                                {"updated", result->updated},
                                                {"removed", result->removed},
                                                {"asset_count", result->asset_count},
                                                {"alerts", ChangesJson(result->alerts)}});
        });

  r.Add(Method::kGet, "/api/v1/inventory/assets", Read(),
        [&inventories](http::Request& req, RequestContext& ctx) {
          advisories::AssetFilter f;
          auto org = OptIdQuery(req, "org");
          if (!org) return ErrorResponse(org.error(), req.request_id);
          f.org_id = *org;
          f.q = req.QueryParam("q").value_or("");
          auto page = PageQuery(req, advisories::kDefaultAssetPage, advisories::kMaxAssetPage);
          if (!page) return ErrorResponse(page.error(), req.request_id);
          std::tie(f.page, f.per_page) = *page;
          auto assets = inventories.Assets(Actor::Of(*ctx.principal), f);
          if (!assets) return ErrorResponse(assets.error(), req.request_id);
          json::array items;
          for (const auto& a : assets->items) items.push_back(AssetJson(a));
          return JsonResponse(200, json::object{{"items", std::move(items)},
                                                {"total", assets->total},
                                                {"page", assets->page},
                                                {"per_page", assets->per_page},
                                                {"revision", assets->revision}});
        });

  r.Add(Method::kPost, "/api/v1/inventory/assets", Write("inventory.asset.create"),
        [&inventories](http::Request& req, RequestContext& ctx) {
          auto org = OptIdQuery(req, "org");
          if (!org) return ErrorResponse(org.error(), req.request_id);
          auto body = JsonBody(req);
          if (!body) return ErrorResponse(body.error(), req.request_id);
          advisories::Asset a;
          if (auto st = ReadAsset(*body, a); !st) return ErrorResponse(st.error(), req.request_id);
          auto created = inventories.AddAsset(Actor::Of(*ctx.principal), *org, a);
          if (!created) return ErrorResponse(created.error(), req.request_id);
          ctx.audit_target = fmt::format("asset:{}", created->id);
          ctx.audit_org = created->org_id;
          return JsonResponse(201, AssetJson(*created));
        });

  r.Add(Method::kGet, "/api/v1/inventory/assets/{id}", Read(),
        [&inventories](http::Request& req, RequestContext& ctx) {
          auto id = IdParam(req, "id");
          if (!id) return ErrorResponse(id.error(), req.request_id);
          auto asset = inventories.GetAsset(Actor::Of(*ctx.principal), *id);
          if (!asset) return ErrorResponse(asset.error(), req.request_id);
          return JsonResponse(200, AssetJson(*asset));
        });

  r.Add(Method::kPatch, "/api/v1/inventory/assets/{id}", Write("inventory.asset.update"),
        [&inventories](http::Request& req, RequestContext& ctx) {
          auto id = IdParam(req, "id");
          if (!id) return ErrorResponse(id.error(), req.request_id);
          ctx.audit_target = fmt::format("asset:{}", *id);
          auto body = JsonBody(req);
          if (!body) return ErrorResponse(body.error(), req.request_id);
          auto current = inventories.GetAsset(Actor::Of(*ctx.principal), *id);
          if (!current) return ErrorResponse(current.error(), req.request_id);
          advisories::Asset a = current->asset;
          if (auto st = ReadAsset(*body, a); !st) return ErrorResponse(st.error(), req.request_id);
          auto updated = inventories.UpdateAsset(Actor::Of(*ctx.principal), *id, a);
          if (!updated) return ErrorResponse(updated.error(), req.request_id);
          ctx.audit_org = updated->org_id;
          return JsonResponse(200, AssetJson(*updated));
        });

  r.Add(Method::kDelete, "/api/v1/inventory/assets/{id}", Write("inventory.asset.delete"),
        [&inventories](http::Request& req, RequestContext& ctx) {
          auto id = IdParam(req, "id");
          if (!id) return ErrorResponse(id.error(), req.request_id);
          ctx.audit_target = fmt::format("asset:{}", *id);
          if (auto st = inventories.RemoveAsset(Actor::Of(*ctx.principal), *id); !st) {
            return ErrorResponse(st.error(), req.request_id);
          }
          return http::Response::NoContent();
        });

  r.Add(Method::kGet, "/api/v1/inventory/uploads", Read(),
        [&inventories](http::Request& req, RequestContext& ctx) {
          auto org = OptIdQuery(req, "org");
          if (!org) return ErrorResponse(org.error(), req.request_id);
          auto uploads = inventories.Uploads(Actor::Of(*ctx.principal), *org);
          if (!uploads) return ErrorResponse(uploads.error(), req.request_id);
          json::array items;
          for (const auto& u : *uploads) items.push_back(UploadJson(u));
          return JsonResponse(200, json::object{{"items", std::move(items)}});
        });

  r.Add(Method::kGet, "/api/v1/inventory/uploads/{id}/file", Read(),
        [&inventories](http::Request& req, RequestContext& ctx) {
          auto id = IdParam(req, "id");
          if (!id) return ErrorResponse(id.error(), req.request_id);
          auto file = inventories.UploadFile(Actor::Of(*ctx.principal), *id);
          if (!file) return ErrorResponse(file.error(), req.request_id);
          const bool cdx = file->first.format == "cyclonedx";
          auto resp = http::Response::Text(
              200, std::move(file->second),
              cdx ? "application/vnd.cyclonedx+json" : "text/csv; charset=utf-8");
          resp.headers.Set("Content-Disposition",
                           fmt::format("attachment; filename=\"inventory-upload-{}.{}\"", *id,
                                       cdx ? "json" : "csv"));
          return resp;
        });

  // --- Alerts ----------------------------------------------------------------------------------
  r.Add(Method::kGet, "/api/v1/alerts", Read(), [&alerts](http::Request& req, RequestContext& ctx) {
    advisories::AlertFilter f;
    f.state = req.QueryParam("state");
    f.severity = req.QueryParam("severity");
    auto advisory = OptIdQuery(req, "advisory");
    if (!advisory) return ErrorResponse(advisory.error(), req.request_id);
    f.advisory_id = *advisory;
    auto org = OptIdQuery(req, "org");
    if (!org) return ErrorResponse(org.error(), req.request_id);
    f.org_id = *org;
    if (auto v = req.QueryParam("overdue")) {
      if (*v != "true" && *v != "false") {
        return ErrorResponse(Error::Invalid("overdue must be true or false", "overdue"),
                             req.request_id);
      }
      f.overdue_only = *v == "true";
    }
    auto page = PageQuery(req, advisories::kDefaultAlertPage, advisories::kMaxAlertPage);
    if (!page) return ErrorResponse(page.error(), req.request_id);
    std::tie(f.page, f.per_page) = *page;
    auto list = alerts.List(Actor::Of(*ctx.principal), f);
    if (!list) return ErrorResponse(list.error(), req.request_id);
    json::array items;
    for (const auto& a : list->items) items.push_back(AlertJson(a));
    return JsonResponse(200, json::object{{"items", std::move(items)},
                                          {"total", list->total},
                                          {"page", list->page},
                                          {"per_page", list->per_page}});
  });

  r.Add(Method::kGet, "/api/v1/alerts/deadlines", Read(),
        [&alerts](http::Request& req, RequestContext& ctx) {
          auto org = OptIdQuery(req, "org");
          if (!org) return ErrorResponse(org.error(), req.request_id);
          auto d = alerts.GetDeadlines(Actor::Of(*ctx.principal), *org);
          if (!d) return ErrorResponse(d.error(), req.request_id);
          return JsonResponse(200, DeadlinesJson(*d));
        });

  r.Add(Method::kPut, "/api/v1/alerts/deadlines", Write("alert.deadlines"),
        [&alerts](http::Request& req, RequestContext& ctx) {
          auto body = JsonBody(req);
          if (!body) return ErrorResponse(body.error(), req.request_id);
          http::FieldReader f(*body);
          const json::value* rules_json = f.Raw("rules", true);
          if (auto st = f.Finish(); !st) return ErrorResponse(st.error(), req.request_id);
          if (!rules_json->is_array() || rules_json->as_array().size() > 4) {
            return ErrorResponse(Error::Invalid("rules must be an array of at most 4", "rules"),
                                 req.request_id);
          }
          std::vector<advisories::DeadlineRule> rules;
          for (std::size_t i = 0; i < rules_json->as_array().size(); ++i) {
            const auto& item = rules_json->as_array()[i];
            const std::string at = fmt::format("/rules/{}", i);
            if (!item.is_object()) {
              return ErrorResponse(Error::Invalid("must be an object", at), req.request_id);
            }
            http::FieldReader rf(item.as_object());
            advisories::DeadlineRule rule;
            rule.severity = rf.String("severity", 16).value_or("");
            if (auto v = rf.Int("ack_hours", 1, advisories::kMaxAckHours, false)) {
              rule.ack_hours = static_cast<int>(*v);
            }
            if (auto v = rf.Int("remediate_days", 1, advisories::kMaxRemediateDays, false)) {
              rule.remediate_days = static_cast<int>(*v);
            }
            if (auto st = rf.Finish(); !st) {
              Error e = st.error();
              e.field = at + "/" + e.field;
              return ErrorResponse(e, req.request_id);
            }
            rules.push_back(std::move(rule));
          }
          auto d = alerts.SetDeadlines(Actor::Of(*ctx.principal), rules);
          if (!d) return ErrorResponse(d.error(), req.request_id);
          ctx.audit_target = fmt::format("deadlines:{}", d->org_id);
          ctx.audit_detail = json::serialize(DeadlinesJson(*d));
          return JsonResponse(200, DeadlinesJson(*d));
        });

  r.Add(Method::kGet, "/api/v1/alerts/dashboard", Read(),
        [&alerts](http::Request& req, RequestContext& ctx) {
          auto org = OptIdQuery(req, "org");
          if (!org) return ErrorResponse(org.error(), req.request_id);
          auto d = alerts.GetDashboard(Actor::Of(*ctx.principal), *org);
          if (!d) return ErrorResponse(d.error(), req.request_id);
          return JsonResponse(200, DashboardJson(*d));
        });

  r.Add(
      Method::kPost, "/api/v1/alerts/bulk", Write("alert.bulk"),
      [&alerts, &s](http::Request& req, RequestContext& ctx) {
        auto body = JsonBody(req);
        if (!body) return ErrorResponse(body.error(), req.request_id);
        http::FieldReader f(*body);
        const json::value* ids_json = f.Raw("ids", true);
        advisories::Transition t = ReadTransition(f);
        if (auto st = f.Finish(); !st) return ErrorResponse(st.error(), req.request_id);
        std::vector<std::int64_t> ids;
        if (!ids_json->is_array() || ids_json->as_array().size() > advisories::kMaxBulkIds) {
          return ErrorResponse(Error::Invalid(fmt::format("ids must be an array of at most {} ids",
                                                          advisories::kMaxBulkIds),
                                              "ids"),
                               req.request_id);
        }
        for (const auto& v : ids_json->as_array()) {
          if (!v.is_int64() || v.as_int64() < 1) {
            return ErrorResponse(Error::Invalid("ids must be positive integers", "ids"),
                                 req.request_id);
          }
          ids.push_back(v.as_int64());
        }
        auto results = alerts.ApplyBulk(Actor::Of(*ctx.principal), ids, t);
        if (!results) return ErrorResponse(results.error(), req.request_id);
        json::array out;
        int done = 0;
        for (const auto& res : *results) {
          audit::Entry e;
          e.actor_user_id = ctx.principal->user_id;
          e.actor = ctx.principal->username;
          e.organisation_id = res.alert ? res.alert->org_id : ctx.principal->organisation_id;
          e.action = "alert.transition";
          e.target = fmt::format("alert:{}", res.id);
          e.address = req.remote_address;
          e.request_id = req.request_id;
          e.status = res.error ? HttpStatus(res.error->code) : 200;
          e.detail = json::serialize(json::object{{"to", t.to}, {"bulk", true}});
          s.audit.Append(std::move(e));
          if (res.error) {
            out.push_back(
                json::object{{"id", res.id},
                             {"ok", false},
                             {"status", HttpStatus(res.error->code)},
                             {"error", json::object{{"type", fmt::format("urn:caduceus:problem:{}",
                                                                         Slug(res.error->code))},
                                                    {"detail", res.error->message},
                                                    {"field", res.error->field}}}});
          } else {
            ++done;
            out.push_back(
                json::object{{"id", res.id}, {"ok", true}, {"alert", AlertJson(*res.alert)}});
          }
        }
        ctx.audit_target = "alerts";
        ctx.audit_detail =
            json::serialize(json::object{{"to", t.to}, {"requested", ids.size()}, {"done", done}});
        return JsonResponse(200, json::object{{"results", std::move(out)}, {"done", done}});
      });

  r.Add(Method::kGet, "/api/v1/alerts/{id}", Read(),
        [&alerts](http::Request& req, RequestContext& ctx) {
          auto id = IdParam(req, "id");
          if (!id) return ErrorResponse(id.error(), req.request_id);
          auto d = alerts.Get(Actor::Of(*ctx.principal), *id);
          if (!d) return ErrorResponse(d.error(), req.request_id);
          return JsonResponse(200, DetailJson(*d));
        });

  r.Add(Method::kPost, "/api/v1/alerts/{id}/transition", Write("alert.transition"),
        [&alerts](http::Request& req, RequestContext& ctx) {
          auto id = IdParam(req, "id");
          if (!id) return ErrorResponse(id.error(), req.request_id);
          ctx.audit_target = fmt::format("alert:{}", *id);
          auto body = JsonBody(req);
          if (!body) return ErrorResponse(body.error(), req.request_id);
          http::FieldReader f(*body);
          advisories::Transition t = ReadTransition(f);
          if (auto st = f.Finish(); !st) return ErrorResponse(st.error(), req.request_id);
          auto done = alerts.Apply(Actor::Of(*ctx.principal), *id, t);
          if (!done) return ErrorResponse(done.error(), req.request_id);
          ctx.audit_org = done->org_id;
          ctx.audit_detail =
              json::serialize(json::object{{"to", t.to}, {"resolution", OptString(t.resolution)}});
          auto detail = alerts.Get(Actor::Of(*ctx.principal), *id);
          if (!detail) return ErrorResponse(detail.error(), req.request_id);
          return JsonResponse(200, DetailJson(*detail));
        });
}

}  // namespace caduceus::api
