// Routes of MISP interoperability and feeds: importing a MISP event into a collection, an object
// as a MISP event, and the feeds that pull other sources (intel/feeds.h).
#include <algorithm>
#include <string>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "api/intel_json.h"
#include "api/internal.h"
#include "http/json_body.h"
#include "intel/feeds.h"

namespace caduceus::api {

namespace json = boost::json;
using http::Method;
using identity::Actor;
using intel::FeedService;

namespace {

constexpr std::size_t kMaxMispBodyBytes = 16 * 1024 * 1024;
constexpr std::size_t kMaxMispDepth = 40;

bool IsJsonContent(const http::Request& req) {
  std::string media(req.Header("Content-Type").value_or(""));
  media = media.substr(0, media.find(';'));
  while (!media.empty() && media.back() == ' ') media.pop_back();
  std::transform(media.begin(), media.end(), media.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return media == "application/json";
}

json::value OptTlp(const std::optional<TlpLevel>& tlp) {
  return tlp ? json::value(TlpKey(*tlp)) : json::value(nullptr);
}

json::object RunJson(const intel::FeedRun& r) {
  json::object o{{"id", r.id},
                 {"at", FormatRfc3339(r.started_at)},
                 {"finished_at", OptTime(r.finished_at)},
                 {"status", r.status},
                 {"fetched", r.fetched},
                 {"accepted", r.accepted},
                 {"duplicates", r.duplicates},
                 {"rejected", r.rejected},
                 {"revoked", r.revoked},
                 {"not_modified", r.status == "not_modified"}};
  if (!r.message.empty()) o["message"] = r.message;
  return o;
}

json::object FeedJson(const intel::Feed& f) {
  json::object parsing{{"column", f.parsing.column},
                       {"delimiter", std::string(1, f.parsing.delimiter)},
                       {"header", f.parsing.header}};
  if (f.parsing.kind) parsing["kind"] = intel::KindName(*f.parsing.kind);
  return {{"id", f.id},
          {"name", f.name},
          {"kind", intel::FeedKindName(f.kind)},
          {"url", f.url},
          {"collection", f.collection_uuid},
          {"collection_title", f.collection_title},
          {"owner_org_id", f.owner_org_id},
          {"enabled", f.enabled},
          {"interval_minutes", f.interval_minutes},
          {"tlp", OptTlp(f.tlp)},
          {"parsing", std::move(parsing)},
          {"has_auth", f.has_auth},
          {"created_at", FormatRfc3339(f.created_at)},
          {"next_run_at", OptTime(f.next_run_at)},
          {"last_run", f.last_run ? json::value(RunJson(*f.last_run)) : json::value(nullptr)}};
}

json::object SubmissionJson(const intel::MispSubmission& s) {
  json::array accepted;
  for (const auto& a : s.report.successes) {
    accepted.push_back(json::object{{"id", a.id}, {"version", a.version}, {"stored", a.stored}});
  }
  json::array rejected;
  for (const auto& f : s.report.failures) {
    rejected.push_back(json::object{
        {"index", f.index}, {"id", f.id}, {"field", f.error.field}, {"message", f.error.message}});
  }
  json::array warnings;
  for (const auto& w : s.report.warnings) {
    warnings.push_back(json::object{{"id", w.id},
                                    {"kind", intel::KindName(w.value.kind)},
                                    {"value", w.value.value},
                                    {"list", w.list}});
  }
  json::array skipped;
  for (const auto& k : s.skipped) {
    skipped.push_back(json::object{{"uuid", k.uuid}, {"type", k.type}, {"reason", k.reason}});
  }
  return {{"status_id", s.report.status_id}, {"total", s.report.total},
          {"accepted", std::move(accepted)}, {"rejected", std::move(rejected)},
          {"warnings", std::move(warnings)}, {"event_uuid", s.event_uuid},
          {"report_id", s.report_id},        {"sightings", s.sightings},
          {"skipped", std::move(skipped)}};
}

Result<std::optional<TlpLevel>> ReadTlp(const std::optional<std::string>& text,
                                        std::string_view field) {
  if (!text) return std::optional<TlpLevel>();
  const auto level = ParseTlp(*text);
  if (!level) {
    return Error::Invalid("must be one of clear, green, amber, amber+strict, red",
                          std::string(field));
  }
  return std::optional<TlpLevel>(*level);
}

// "1,2,3": organisations named for AMBER and RED.
Result<std::vector<std::int64_t>> ReadRecipients(const std::optional<std::string>& text) {
  std::vector<std::int64_t> out;
  if (!text || text->empty()) return out;
  std::size_t at = 0;
  while (at <= text->size()) {
    const std::size_t comma = std::min(text->find(',', at), text->size());
    const auto id = ParseInteger(std::string_view(*text).substr(at, comma - at), 1, INT64_MAX);
    if (!id || out.size() >= kMaxRecipients) {
      return Error::Invalid("recipients must be up to 200 organisation ids, comma-separated",
                            "recipients");
    }
    out.push_back(*id);
    at = comma + 1;
  }
  return out;
}

// The parsing object of a feed body; `base` supplies what it leaves out.
Result<intel::FeedParsing> ReadParsing(const json::value* value, intel::FeedParsing base) {
  if (value == nullptr || value->is_null()) return base;
  if (!value->is_object()) return Error::Invalid("parsing must be an object", "parsing");
  http::FieldReader f(value->get_object());
  const auto kind = f.String("kind", 32, false);
  const auto column = f.Int("column", 0, 255, false);
  const auto delimiter = f.String("delimiter", 1, false);
  const auto header = f.Bool("header", false);
  if (auto st = f.Finish(); !st) return st.error();
  if (kind) {
    base.kind = intel::ParseKindName(*kind);
    if (!base.kind) return Error::Invalid("parsing.kind is not an observable kind", "kind");
  }
  if (column) base.column = static_cast<int>(*column);
  if (delimiter) {
    if (delimiter->size() != 1) return Error::Invalid("delimiter is one character", "delimiter");
    base.delimiter = (*delimiter)[0];
  }
  if (header) base.header = *header;
  return base;
}

// `auth`: a string sets it; null or "" clears it; absent keeps it.
Result<std::optional<std::optional<std::string>>> ReadAuth(const json::value* value) {
  using Out = std::optional<std::optional<std::string>>;
  if (value == nullptr) return Out();
  if (value->is_null()) return Out(std::optional<std::string>());
  if (!value->is_string()) return Error::Invalid("auth must be a string", "auth");
  if (value->get_string().empty()) return Out(std::optional<std::string>());
  return Out(std::optional<std::string>(std::string(value->get_string())));
}

Result<std::int64_t> FeedId(const http::Request& req) { return IdParam(req, "id"); }

}  // namespace

void RegisterIntelFeedRoutes(Registrar& r, Services& s) {
  FeedService& feeds = s.feeds;

  r.Add(Method::kPost, "/api/v1/intel/collections/{id}/misp", Write("intel.misp.import"),
        [&feeds](http::Request& req, RequestContext& ctx) {
          const std::string uuid(req.PathParam("id"));
          ctx.audit_target = fmt::format("intel-collection:{}", uuid.substr(0, 64));
          if (!IsJsonContent(req)) {
            return ErrorResponse(
                Error{Errc::kUnsupportedMediaType, "the body must be application/json", {}},
                req.request_id);
          }
          if (req.body.size() > kMaxMispBodyBytes) {
            return ErrorResponse(
                Error{Errc::kPayloadTooLarge,
                      fmt::format("the body may not exceed {} bytes", kMaxMispBodyBytes),
                      {}},
                req.request_id);
          }
          if (auto parsed = http::ParseJsonObject(req.body, kMaxMispDepth); !parsed) {
            return ErrorResponse(parsed.error(), req.request_id);
          }
          auto tlp = ReadTlp(req.QueryParam("tlp"), "tlp");
          if (!tlp) return ErrorResponse(tlp.error(), req.request_id);
          auto recipients = ReadRecipients(req.QueryParam("recipients"));
          if (!recipients) return ErrorResponse(recipients.error(), req.request_id);
          intel::SubmitOptions options;
          options.source = "misp";
          options.tlp = *tlp;
          options.recipients = std::move(*recipients);
          auto submitted =
              feeds.SubmitMispEvent(Actor::Of(*ctx.principal), uuid, req.body, options);
          if (!submitted) return ErrorResponse(submitted.error(), req.request_id);
          const auto stored =
              std::count_if(submitted->report.successes.begin(), submitted->report.successes.end(),
                            [](const intel::AcceptedObject& a) { return a.stored; });
          ctx.audit_detail =
              json::serialize(json::object{{"event_uuid", submitted->event_uuid},
                                           {"status_id", submitted->report.status_id},
                                           {"accepted", submitted->report.successes.size()},
                                           {"stored", stored},
                                           {"rejected", submitted->report.failures.size()},
                                           {"skipped", submitted->skipped.size()}});
          return JsonResponse(200, SubmissionJson(*submitted));
        });

  r.Add(Method::kGet, "/api/v1/intel/objects/{stix_id}/misp", Read(),
        [&feeds](http::Request& req, RequestContext& ctx) {
          const std::string id(req.PathParam("stix_id"));
          auto event = feeds.ExportMisp(Actor::Of(*ctx.principal), id);
          if (!event) return ErrorResponse(event.error(), req.request_id);
          auto resp = JsonResponse(200, *event);
          const std::string uuid(event->at("Event").as_object().at("uuid").as_string());
          resp.headers.Set("Content-Disposition",
                           fmt::format("attachment; filename=\"misp-event-{}.json\"", uuid));
          return resp;
        });

  r.Add(Method::kGet, "/api/v1/intel/feeds", Read(),
        [&feeds](http::Request& req, RequestContext& ctx) {
          auto list = feeds.List(Actor::Of(*ctx.principal));
          if (!list) return ErrorResponse(list.error(), req.request_id);
          json::array items;
          for (const auto& f : *list) items.push_back(FeedJson(f));
          return JsonResponse(200, json::object{{"items", std::move(items)}});
        });

  r.Add(Method::kPost, "/api/v1/intel/feeds", Write("intel.feed.create"),
        [&feeds](http::Request& req, RequestContext& ctx) {
          auto body = JsonBody(req);
          if (!body) return ErrorResponse(body.error(), req.request_id);
          http::FieldReader f(*body);
          intel::NewFeed feed;
          feed.name = f.String("name", 200).value_or("");
          const auto kind = f.String("kind", 16);
          feed.url = f.String("url", 2048).value_or("");
          feed.collection_uuid = f.String("collection", 64).value_or("");
          feed.enabled = f.Bool("enabled", false).value_or(true);
          feed.interval_minutes =
              static_cast<int>(f.Int("interval_minutes", 1, 1'000'000, false).value_or(60));
          const auto tlp_text = f.String("tlp", 20, false);
          auto auth = ReadAuth(f.Raw("auth"));
          auto parsing = ReadParsing(f.Raw("parsing"), {});
          if (auto st = f.Finish(); !st) return ErrorResponse(st.error(), req.request_id);
          if (!auth) return ErrorResponse(auth.error(), req.request_id);
          if (!parsing) return ErrorResponse(parsing.error(), req.request_id);
          const auto parsed_kind = intel::ParseFeedKind(*kind);
          if (!parsed_kind) {
            return ErrorResponse(Error::Invalid("kind must be misp, taxii, text or csv", "kind"),
                                 req.request_id);
          }
          feed.kind = *parsed_kind;
          auto tlp = ReadTlp(tlp_text, "tlp");
          if (!tlp) return ErrorResponse(tlp.error(), req.request_id);
          feed.tlp = *tlp;
          feed.parsing = *parsing;
          if (*auth) feed.auth = **auth;
          auto created = feeds.Create(Actor::Of(*ctx.principal), feed);
          if (!created) return ErrorResponse(created.error(), req.request_id);
          ctx.audit_target = fmt::format("intel-feed:{}", created->id);
          ctx.audit_detail =
              json::serialize(json::object{{"name", created->name},
                                           {"kind", intel::FeedKindName(created->kind)},
                                           {"collection", created->collection_uuid},
                                           {"has_auth", created->has_auth}});
          return JsonResponse(201, FeedJson(*created));
        });

  r.Add(Method::kGet, "/api/v1/intel/feeds/{id}", Read(),
        [&feeds](http::Request& req, RequestContext& ctx) {
          auto id = FeedId(req);
          if (!id) return ErrorResponse(id.error(), req.request_id);
          auto feed = feeds.Get(Actor::Of(*ctx.principal), *id);
          if (!feed) return ErrorResponse(feed.error(), req.request_id);
          return JsonResponse(200, FeedJson(*feed));
        });

  r.Add(Method::kPatch, "/api/v1/intel/feeds/{id}", Write("intel.feed.update"),
        [&feeds](http::Request& req, RequestContext& ctx) {
          auto id = FeedId(req);
          if (!id) return ErrorResponse(id.error(), req.request_id);
          ctx.audit_target = fmt::format("intel-feed:{}", *id);
          auto current = feeds.Get(Actor::Of(*ctx.principal), *id);
          if (!current) return ErrorResponse(current.error(), req.request_id);
          auto body = JsonBody(req);
          if (!body) return ErrorResponse(body.error(), req.request_id);
          http::FieldReader f(*body);
          intel::FeedPatch patch;
          patch.name = f.String("name", 200, false);
          patch.url = f.String("url", 2048, false);
          patch.enabled = f.Bool("enabled", false);
          if (auto minutes = f.Int("interval_minutes", 1, 1'000'000, false)) {
            patch.interval_minutes = static_cast<int>(*minutes);
          }
          const json::value* tlp_value = f.Raw("tlp");
          auto auth = ReadAuth(f.Raw("auth"));
          const json::value* parsing_value = f.Raw("parsing");
          auto parsing = ReadParsing(parsing_value, current->parsing);
          // The kind and the collection of a feed do not change; they are accepted unchanged so
          // that a client may send the whole feed back.
          const auto kind = f.String("kind", 16, false);
          const auto collection = f.String("collection", 64, false);
          if (auto st = f.Finish(); !st) return ErrorResponse(st.error(), req.request_id);
          if (!auth) return ErrorResponse(auth.error(), req.request_id);
          if (!parsing) return ErrorResponse(parsing.error(), req.request_id);
          if ((kind && *kind != intel::FeedKindName(current->kind)) ||
              (collection && *collection != current->collection_uuid)) {
            return ErrorResponse(
                Error::Invalid(
                    "a feed's kind and collection cannot change; create another feed",
                    kind && *kind != intel::FeedKindName(current->kind) ? "kind" : "collection"),
                req.request_id);
          }
          if (tlp_value != nullptr) {
            if (tlp_value->is_null()) {
              patch.tlp = std::optional<TlpLevel>();
            } else if (!tlp_value->is_string()) {
              return ErrorResponse(Error::Invalid("tlp must be a string or null", "tlp"),
                                   req.request_id);
            } else {
              auto tlp = ReadTlp(std::string(tlp_value->get_string()), "tlp");
              if (!tlp) return ErrorResponse(tlp.error(), req.request_id);
              patch.tlp = *tlp;
            }
          }
          if (parsing_value != nullptr) patch.parsing = *parsing;
          patch.auth = *auth;
          auto updated = feeds.Update(Actor::Of(*ctx.principal), *id, patch);
          if (!updated) return ErrorResponse(updated.error(), req.request_id);
          json::array changed;
          for (const auto& entry : *body) changed.push_back(json::value(entry.key()));
          ctx.audit_detail = json::serialize(json::object{{"changed", std::move(changed)}});
          return JsonResponse(200, FeedJson(*updated));
        });

  r.Add(Method::kDelete, "/api/v1/intel/feeds/{id}", Write("intel.feed.delete"),
        [&feeds](http::Request& req, RequestContext& ctx) {
          auto id = FeedId(req);
          if (!id) return ErrorResponse(id.error(), req.request_id);
          ctx.audit_target = fmt::format("intel-feed:{}", *id);
          if (auto st = feeds.Delete(Actor::Of(*ctx.principal), *id); !st) {
            return ErrorResponse(st.error(), req.request_id);
          }
          return http::Response::NoContent();
        });

  r.Add(Method::kPost, "/api/v1/intel/feeds/{id}/run", Write("intel.feed.run"),
        [&feeds](http::Request& req, RequestContext& ctx) {
          auto id = FeedId(req);
          if (!id) return ErrorResponse(id.error(), req.request_id);
          ctx.audit_target = fmt::format("intel-feed:{}", *id);
          auto run = feeds.Run(Actor::Of(*ctx.principal), *id);
          if (!run) return ErrorResponse(run.error(), req.request_id);
          ctx.audit_detail = json::serialize(json::object{{"run", run->id},
                                                          {"status", run->status},
                                                          {"accepted", run->accepted},
                                                          {"rejected", run->rejected}});
          return JsonResponse(200, RunJson(*run));
        });

  r.Add(Method::kGet, "/api/v1/intel/feeds/{id}/runs", Read(),
        [&feeds](http::Request& req, RequestContext& ctx) {
          auto id = FeedId(req);
          if (!id) return ErrorResponse(id.error(), req.request_id);
          std::size_t limit = 20;
          if (auto v = req.QueryParam("limit")) {
            const auto parsed = ParseInteger(*v, 1, 100);
            if (!parsed) {
              return ErrorResponse(Error::Invalid("limit must be from 1 to 100", "limit"),
                                   req.request_id);
            }
            limit = static_cast<std::size_t>(*parsed);
          }
          auto runs = feeds.Runs(Actor::Of(*ctx.principal), *id, limit);
          if (!runs) return ErrorResponse(runs.error(), req.request_id);
          json::array items;
          for (const auto& run : *runs) items.push_back(RunJson(run));
          return JsonResponse(200, json::object{{"items", std::move(items)}});
        });
}

}  // namespace caduceus::api
