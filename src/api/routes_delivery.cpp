// Early-warning delivery routes (advisories/delivery.h): the live alert stream (Server-Sent
// Events), the inbox, subscriptions, webhooks with their delivery log, e-mail recipients. All act
// on the caller's own organisation; another organisation's ids are 404.
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "advisories/delivery.h"
#include "api/internal.h"
#include "http/json_body.h"

namespace caduceus::api {

namespace json = boost::json;
using advisories::DeliveryService;
using http::Method;

namespace {

// A comment line goes out when nothing else did for this long, so that proxies keep the
// connection and a dead client is noticed.
constexpr std::chrono::seconds kHeartbeat{15};
// How often a stream asks whether its credentials still hold (logout, expiry, revocation, a
// disabled user); the stream ends when they do not.
constexpr std::chrono::seconds kRecheck{5};
constexpr std::size_t kEventsPerPoll = 100;

// Serves a LiveStream as text/event-stream: "id:", "event:" and "data:" (the envelope JSON,
// one line) per event; a retry hint first; comment heartbeats.
class SseSource final : public http::StreamSource {
 public:
  SseSource(std::shared_ptr<advisories::LiveStream> stream,
            std::function<bool()> still_authenticated)
      : stream_(std::move(stream)),
        still_authenticated_(std::move(still_authenticated)),
        last_write_(std::chrono::steady_clock::now()),
        last_check_(last_write_) {}

  Status Poll(std::string& out) override {
    const auto now = std::chrono::steady_clock::now();
    if (now - last_check_ >= kRecheck) {
      last_check_ = now;
      if (!still_authenticated_ || !still_authenticated_()) return Status::kEnd;
    }
    if (!greeted_) {
      greeted_ = true;
      last_write_ = now;
      out += "retry: 3000\n: connected\n\n";
      return Status::kData;
    }
    const auto events = stream_->Take(kEventsPerPoll);
    if (!events.empty()) {
      for (const auto& e : events) {
        out += fmt::format("id: {}\nevent: {}\ndata: {}\n\n", e.id, e.kind, e.envelope);
      }
      last_write_ = now;
      return Status::kData;
    }
    if (stream_->ended()) return Status::kEnd;
    if (now - last_write_ >= kHeartbeat) {
      last_write_ = now;
      out += ": heartbeat\n\n";
      return Status::kData;
    }
    return Status::kPending;
  }

  void Close() override { stream_->Close(); }

 private:
  std::shared_ptr<advisories::LiveStream> stream_;
  std::function<bool()> still_authenticated_;
  std::chrono::steady_clock::time_point last_write_;
  std::chrono::steady_clock::time_point last_check_;
  bool greeted_ = false;
};

json::value OptTimeValue(const std::optional<TimePoint>& t) {
  return t ? json::value(FormatRfc3339(*t)) : json::value(nullptr);
}

json::object NotificationJson(const advisories::Notification& n) {
  json::value payload = json::object();
  boost::system::error_code ec;
  json::value parsed = json::parse(n.payload, ec);
  if (!ec && parsed.is_object()) payload = std::move(parsed);
  return {{"id", n.id},
          {"event_id", n.event_id},
          {"kind", n.kind},
          {"alert_id", n.alert_id != 0 ? json::value(n.alert_id) : json::value(nullptr)},
          {"advisory_id", n.advisory_id != 0 ? json::value(n.advisory_id) : json::value(nullptr)},
          {"severity", n.severity},
          {"title", n.title},
          {"data", std::move(payload)},
          {"subscription_id",
           n.subscription_id ? json::value(*n.subscription_id) : json::value(nullptr)},
          {"created_at", FormatRfc3339(n.created_at)},
          {"read", n.read}};
}

json::object SubscriptionJson(const advisories::Subscription& s) {
  return {
      {"id", s.id},
      {"kind", s.kind},
      {"value", s.value},
      {"min_severity", s.min_severity.empty() ? json::value(nullptr) : json::value(s.min_severity)},
      {"created_at", FormatRfc3339(s.created_at)}};
}

json::object WebhookJson(const advisories::Webhook& w) {
  return {
      {"id", w.id},
      {"url", w.url},
      {"description", w.description},
      {"min_severity", w.min_severity.empty() ? json::value(nullptr) : json::value(w.min_severity)},
      {"enabled", w.enabled},
      {"created_at", FormatRfc3339(w.created_at)}};
}

json::object DeliveryJson(const advisories::WebhookDelivery& d) {
  return {{"id", d.id},
          {"event_id", d.event_id ? json::value(*d.event_id) : json::value(nullptr)},
          {"kind", d.kind},
          {"status", d.status},
          {"attempts", d.attempts},
          {"http_status", d.http_status ? json::value(*d.http_status) : json::value(nullptr)},
          {"error", d.error.empty() ? json::value(nullptr) : json::value(d.error)},
          {"next_attempt", OptTimeValue(d.next_attempt)},
          {"created_at", FormatRfc3339(d.created_at)},
          {"updated_at", FormatRfc3339(d.updated_at)}};
}

json::object RecipientJson(const advisories::EmailRecipient& r) {
  return {
      {"id", r.id},
      {"address", r.address},
      {"min_severity", r.min_severity.empty() ? json::value(nullptr) : json::value(r.min_severity)},
      {"digest", r.digest},
      {"created_at", FormatRfc3339(r.created_at)}};
}

// The client's resume point: the Last-Event-ID header (sent by EventSource on reconnect) or
// ?last_event_id= for a first connection.
Result<std::optional<std::int64_t>> LastEventId(const http::Request& req) {
  std::optional<std::string> text;
  if (auto header = req.Header("Last-Event-ID")) {
    text = std::string(*header);
  } else {
    text = req.QueryParam("last_event_id");
  }
  if (!text || text->empty()) return std::optional<std::int64_t>();
  const auto id = ParseInteger(*text, 0, INT64_MAX);
  if (!id) return Error::Invalid("Last-Event-ID must be an event id", "last_event_id");
  return std::optional<std::int64_t>(*id);
}

template <class T, class F>
http::Response ListResponse(const Result<std::vector<T>>& items,
                            F to_json,
                            const http::Request& req) {
  if (!items) return ErrorResponse(items.error(), req.request_id);
  json::array out;
  for (const auto& item : *items) out.push_back(to_json(item));
  return JsonResponse(200, json::object{{"items", std::move(out)}});
}

}  // namespace

void RegisterDeliveryRoutes(Registrar& r, Services& s) {
  DeliveryService& svc = s.delivery;

  r.Add(Method::kGet, "/api/v1/alerts/stream", Read(),
        [&svc](http::Request& req, RequestContext& ctx) {
          auto last = LastEventId(req);
          if (!last) return ErrorResponse(last.error(), req.request_id);
          auto stream = svc.OpenStream(*ctx.principal, *last);
          if (!stream) return ErrorResponse(stream.error(), req.request_id);
          auto response = http::Response::Stream(
              200, std::make_shared<SseSource>(std::move(*stream), ctx.still_authenticated),
              "text/event-stream");
          response.headers.Set("Cache-Control", "no-store");
          response.headers.Set("X-Accel-Buffering", "no");
          return response;
        });

  r.Add(Method::kGet, "/api/v1/inbox", Read(), [&svc](http::Request& req, RequestContext& ctx) {
    advisories::InboxQuery query;
    if (auto unread = req.QueryParam("unread")) {
      if (*unread != "true" && *unread != "false") {
        return ErrorResponse(Error::Invalid("unread must be true or false", "unread"),
                             req.request_id);
      }
      query.unread_only = *unread == "true";
    }
    if (auto before = req.QueryParam("before")) {
      const auto id = ParseInteger(*before, 1, INT64_MAX);
      if (!id)
        return ErrorResponse(Error::Invalid("before must be an id", "before"), req.request_id);
      query.before_id = *id;
    }
    if (auto limit = req.QueryParam("limit")) {
      const auto n = ParseInteger(*limit, 1, 200);
      if (!n) return ErrorResponse(Error::Invalid("limit must be 1..200", "limit"), req.request_id);
      query.limit = static_cast<std::size_t>(*n);
    }
    auto page = svc.Inbox(*ctx.principal, query);
    if (!page) return ErrorResponse(page.error(), req.request_id);
    json::array items;
    for (const auto& n : page->items) items.push_back(NotificationJson(n));
    return JsonResponse(200, json::object{{"items", std::move(items)}, {"unread", page->unread}});
  });

  r.Add(Method::kPost, "/api/v1/inbox/read", Write("inbox.read"),
        [&svc](http::Request& req, RequestContext& ctx) {
          auto body = JsonBody(req);
          if (!body) return ErrorResponse(body.error(), req.request_id);
          http::FieldReader f(*body);
          const json::value* ids_value = f.Raw("ids");
          const auto all = f.Bool("all", false);
          if (auto st = f.Finish(); !st) return ErrorResponse(st.error(), req.request_id);
          std::vector<std::int64_t> ids;
          if (ids_value != nullptr && !ids_value->is_null()) {
            if (!ids_value->is_array() || ids_value->as_array().size() > 1000) {
              return ErrorResponse(Error::Invalid("ids must be an array of up to 1000 ids", "ids"),
                                   req.request_id);
            }
            for (const auto& v : ids_value->as_array()) {
              if (!v.is_int64() || v.as_int64() <= 0) {
                return ErrorResponse(Error::Invalid("ids must be positive integers", "ids"),
                                     req.request_id);
              }
              ids.push_back(v.as_int64());
            }
          }
          const bool mark_all = all.value_or(false);
          if (ids.empty() && !mark_all) {
            return ErrorResponse(Error::Invalid("give ids or \"all\": true", "ids"),
                                 req.request_id);
          }
          auto marked = svc.MarkRead(*ctx.principal, ids, mark_all && ids.empty());
          if (!marked) return ErrorResponse(marked.error(), req.request_id);
          return JsonResponse(200, json::object{{"marked", *marked}});
        });

  r.Add(Method::kGet, "/api/v1/subscriptions", Read(),
        [&svc](http::Request& req, RequestContext& ctx) {
          return ListResponse(svc.Subscriptions(*ctx.principal), SubscriptionJson, req);
        });

  r.Add(Method::kPost, "/api/v1/subscriptions", Write("subscription.create"),
        [&svc](http::Request& req, RequestContext& ctx) {
          auto body = JsonBody(req);
          if (!body) return ErrorResponse(body.error(), req.request_id);
          http::FieldReader f(*body);
          advisories::NewSubscription n;
          n.kind = f.String("kind", 16).value_or("");
          n.value = f.String("value", 200, false).value_or("");
          n.min_severity = f.String("min_severity", 16, false).value_or("");
          if (auto st = f.Finish(); !st) return ErrorResponse(st.error(), req.request_id);
          auto created = svc.Subscribe(*ctx.principal, n);
          if (!created) return ErrorResponse(created.error(), req.request_id);
          ctx.audit_target = fmt::format("subscription:{}", created->id);
          return JsonResponse(201, SubscriptionJson(*created));
        });

  r.Add(Method::kDelete, "/api/v1/subscriptions/{id}", Write("subscription.delete"),
        [&svc](http::Request& req, RequestContext& ctx) {
          auto id = IdParam(req, "id");
          if (!id) return ErrorResponse(id.error(), req.request_id);
          ctx.audit_target = fmt::format("subscription:{}", *id);
          if (auto st = svc.Unsubscribe(*ctx.principal, *id); !st) {
            return ErrorResponse(st.error(), req.request_id);
          }
          return http::Response::NoContent();
        });

  r.Add(Method::kGet, "/api/v1/webhooks", Read(), [&svc](http::Request& req, RequestContext& ctx) {
    return ListResponse(svc.Webhooks(*ctx.principal), WebhookJson, req);
  });

  r.Add(Method::kPost, "/api/v1/webhooks", Write("webhook.create"),
        [&svc](http::Request& req, RequestContext& ctx) {
          auto body = JsonBody(req);
          if (!body) return ErrorResponse(body.error(), req.request_id);
          http::FieldReader f(*body);
          advisories::NewWebhook n;
          n.url = f.String("url", 2048).value_or("");
          n.description = f.String("description", 500, false).value_or("");
          n.min_severity = f.String("min_severity", 16, false).value_or("");
          if (auto st = f.Finish(); !st) return ErrorResponse(st.error(), req.request_id);
          auto created = svc.CreateWebhook(*ctx.principal, n);
          if (!created) return ErrorResponse(created.error(), req.request_id);
          ctx.audit_target = fmt::format("webhook:{}", created->webhook.id);
          json::object out = WebhookJson(created->webhook);
          out["secret"] = created->secret;
          return JsonResponse(201, out);
        });

  r.Add(Method::kPatch, "/api/v1/webhooks/{id}", Write("webhook.update"),
        [&svc](http::Request& req, RequestContext& ctx) {
          auto id = IdParam(req, "id");
          if (!id) return ErrorResponse(id.error(), req.request_id);
          ctx.audit_target = fmt::format("webhook:{}", *id);
          auto body = JsonBody(req);
          if (!body) return ErrorResponse(body.error(), req.request_id);
          http::FieldReader f(*body);
          advisories::WebhookPatch patch;
          patch.url = f.String("url", 2048, false);
          patch.description = f.String("description", 500, false);
          patch.enabled = f.Bool("enabled", false);
          const json::value* min = f.Raw("min_severity");
          if (auto st = f.Finish(); !st) return ErrorResponse(st.error(), req.request_id);
          if (min != nullptr) {
            if (min->is_null()) {
              patch.min_severity = "";
            } else if (min->is_string() && min->as_string().size() <= 16) {
              patch.min_severity = std::string(min->as_string());
            } else {
              return ErrorResponse(
                  Error::Invalid("min_severity must be a severity or null", "min_severity"),
                  req.request_id);
            }
          }
          auto updated = svc.UpdateWebhook(*ctx.principal, *id, patch);
          if (!updated) return ErrorResponse(updated.error(), req.request_id);
          return JsonResponse(200, WebhookJson(*updated));
        });

  r.Add(Method::kDelete, "/api/v1/webhooks/{id}", Write("webhook.delete"),
        [&svc](http::Request& req, RequestContext& ctx) {
          auto id = IdParam(req, "id");
          if (!id) return ErrorResponse(id.error(), req.request_id);
          ctx.audit_target = fmt::format("webhook:{}", *id);
          if (auto st = svc.DeleteWebhook(*ctx.principal, *id); !st) {
            return ErrorResponse(st.error(), req.request_id);
          }
          return http::Response::NoContent();
        });

  r.Add(Method::kGet, "/api/v1/webhooks/{id}/deliveries", Read(),
        [&svc](http::Request& req, RequestContext& ctx) {
          auto id = IdParam(req, "id");
          if (!id) return ErrorResponse(id.error(), req.request_id);
          std::size_t limit = 50;
          if (auto text = req.QueryParam("limit")) {
            const auto n = ParseInteger(*text, 1, 200);
            if (!n) {
              return ErrorResponse(Error::Invalid("limit must be 1..200", "limit"), req.request_id);
            }
            limit = static_cast<std::size_t>(*n);
          }
          return ListResponse(svc.WebhookDeliveries(*ctx.principal, *id, limit), DeliveryJson, req);
        });

  r.Add(Method::kPost, "/api/v1/webhooks/{id}/ping", Write("webhook.ping"),
        [&svc](http::Request& req, RequestContext& ctx) {
          auto id = IdParam(req, "id");
          if (!id) return ErrorResponse(id.error(), req.request_id);
          ctx.audit_target = fmt::format("webhook:{}", *id);
          auto delivery = svc.PingWebhook(*ctx.principal, *id);
          if (!delivery) return ErrorResponse(delivery.error(), req.request_id);
          return JsonResponse(200, DeliveryJson(*delivery));
        });

  r.Add(Method::kGet, "/api/v1/email-recipients", Read(),
        [&svc](http::Request& req, RequestContext& ctx) {
          return ListResponse(svc.EmailRecipients(*ctx.principal), RecipientJson, req);
        });

  r.Add(Method::kPost, "/api/v1/email-recipients", Write("email_recipient.create"),
        [&svc](http::Request& req, RequestContext& ctx) {
          auto body = JsonBody(req);
          if (!body) return ErrorResponse(body.error(), req.request_id);
          http::FieldReader f(*body);
          advisories::NewEmailRecipient n;
          n.address = f.String("address", 254).value_or("");
          n.min_severity = f.String("min_severity", 16, false).value_or("");
          n.digest = f.Bool("digest", false).value_or(true);
          if (auto st = f.Finish(); !st) return ErrorResponse(st.error(), req.request_id);
          auto created = svc.AddEmailRecipient(*ctx.principal, n);
          if (!created) return ErrorResponse(created.error(), req.request_id);
          ctx.audit_target = fmt::format("email-recipient:{}", created->id);
          return JsonResponse(201, RecipientJson(*created));
        });

  r.Add(Method::kDelete, "/api/v1/email-recipients/{id}", Write("email_recipient.delete"),
        [&svc](http::Request& req, RequestContext& ctx) {
          auto id = IdParam(req, "id");
          if (!id) return ErrorResponse(id.error(), req.request_id);
          ctx.audit_target = fmt::format("email-recipient:{}", *id);
          if (auto st = svc.DeleteEmailRecipient(*ctx.principal, *id); !st) {
            return ErrorResponse(st.error(), req.request_id);
          }
          return http::Response::NoContent();
        });
}

}  // namespace caduceus::api
