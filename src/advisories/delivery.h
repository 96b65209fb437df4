// Delivery of the early-warning service (module "advisories_delivery"): how providers hear about
// alerts and advisories. Reads the event log (events.h) in id order and fans each event out to:
//   * the UI inbox (adv_notifications) and live streams (LiveStream below, served as
//     Server-Sent Events by the HTTP layer) of the users who may see it;
//   * subscriptions: organisations subscribe by vendor, product, keyword, minimum severity or KEV
//     status, beyond their inventory; an advisory.published event that matches one lands in the
//     inbox (and the other channels) of the subscriber;
//   * signed webhooks: POST of the event JSON with headers X-Caduceus-Timestamp and
//     X-Caduceus-Signature: "v1=" + hex HMAC-SHA256(secret, timestamp + "." + body); retries with
//     exponential backoff (1 min .. 6 h, 10 attempts), every attempt in the delivery log;
//   * e-mail through the configured SMTP server, immediately for medium and above, and a daily
//     digest for low severity.
// Each hub reads the log itself; outgoing deliveries are claimed with a lease so that one hub
// sends each webhook / e-mail attempt.
//
// What every channel carries for one event, the "envelope" (JSON object):
//   {"id": event id, "kind": ..., "org_id": ..., "alert_id": ..., "advisory_id": ...,
//    "severity": ..., "created_at": RFC 3339, "data": the event payload (events.h)}
// Fan-out: alert.* events go to the provider's inbox (alert.overdue also to its authority's);
// advisory.published goes to the inbox of every organisation with a matching subscription. Each
// inbox entry is then queued for the organisation's webhooks (min_severity) and e-mail recipients
// (alert.state is not mailed). Fan-out rows are created once for all hubs: the event id is part
// of their unique keys and a shared cursor (adv_delivery_state) records how far fan-out went.
// Retry schedule (webhooks and e-mail): attempt n+1 is due kRetryBase * 2^(n-1) after attempt n,
// at most kRetryCap, and the item fails for good after kMaxAttempts attempts.
//
// Authorisation: identity/policy.h. Streams show the events whose provider the principal may
// read (kReadAlerts) and the advisory.published events matching its organisation's
// subscriptions. No channel carries an advisory its receiving organisation may not see
// (identity::AllowedToSeeAdvisory): the fan-out skips such an organisation, streams skip such an
// event, the inbox hides entries whose advisory's TLP narrowed since, and webhook deliveries and
// e-mails still waiting for such an advisory are failed unsent. An event about an advisory the
// store does not hold hides nothing. The inbox and the subscription list: any member of the
// organisation (kReadAlerts or kReadOrganisation on it); changing subscriptions, webhooks and
// e-mail recipients: kManageDelivery; all on the principal's own organisation. An id of another
// organisation is kNotFound. Thread-safety: every method may be called concurrently.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/error.h"

namespace caduceus::storage {
class Database;
struct Migration;
}  // namespace caduceus::storage
namespace caduceus::identity {
class IdentityService;
struct Principal;
}  // namespace caduceus::identity

namespace caduceus::advisories {

struct SmtpOptions {
  std::string host;  // empty: no e-mail
  int port = 25;
  std::string from = "caduceus@localhost";
  std::string username;  // empty: no AUTH
  std::string password;
  bool starttls = false;  // required: the session fails when the server does not offer it
  std::chrono::seconds timeout{30};  // per network step
};

struct DeliveryOptions {
  std::string secret_key;  // 32 bytes: encrypts webhook secrets and SMTP secrets at rest
  bool allow_private_addresses = false;  // webhook targets on private/loopback addresses
  std::string ca_file;
  SmtpOptions smtp;
  std::string hub_url;  // links in e-mails ("https://hub.example/alerts/12")
  std::chrono::milliseconds poll_interval{200};  // how often the event log is read
  std::chrono::seconds webhook_timeout{10};
  std::string hub_id;  // lease owner name; empty: a random one
};

inline constexpr std::chrono::minutes kRetryBase{1};
inline constexpr std::chrono::hours kRetryCap{6};
inline constexpr int kMaxAttempts = 10;
// The delay before attempt `attempts + 1` after `attempts` failed attempts (>= 1).
std::chrono::microseconds RetryDelay(int attempts);
// "v1=" + lower-case hex HMAC-SHA256(secret, timestamp + "." + body).
std::string WebhookSignature(std::string_view secret,
                             std::string_view timestamp,
                             std::string_view body);

// The DATA section of a mail (RFC 5321 4.5.2): CRLF line ends, a '.' doubled at the start of a
// line, ending with CRLF (the terminating "." line is not included).
std::string SmtpDotStuff(std::string_view text);

// One event as a live stream shows it.
struct LiveEvent {
  std::int64_t id = 0;
  std::string kind;
  std::string envelope;  // JSON object text (see above)
};

// The queue of one connected client, filled by the reader thread. Bounded: when the client falls
// behind by more than kLiveQueueLimit events the stream is marked overflowed and gets no more;
// the client reconnects with Last-Event-ID and resumes from the event log.
class LiveStream {
 public:
  static constexpr std::size_t kLiveQueueLimit = 1000;
  // Removes and returns up to `max` queued events, oldest first.
  std::vector<LiveEvent> Take(std::size_t max);
  // True once events were dropped or the service stopped: end the stream after what Take returns.
  bool ended() const;
  // Unregisters the stream; idempotent. Called by whoever serves it when the client goes away.
  void Close();

  // Used by DeliveryService only.
  void Push(LiveEvent event);
  void End();
  bool closed() const;

 private:
  mutable std::mutex mu_;
  std::deque<LiveEvent> queue_;
  bool ended_ = false;
  bool closed_ = false;
};

struct Notification {
  std::int64_t id = 0;
  std::int64_t event_id = 0;
  std::string kind;
  std::int64_t alert_id = 0;
  std::int64_t advisory_id = 0;
  std::string severity;
  std::string title;
  std::string payload;                          // the event payload (JSON object text)
  std::optional<std::int64_t> subscription_id;  // set when a subscription brought it
  TimePoint created_at;
  bool read = false;  // by the asking user
};

struct InboxQuery {
  bool unread_only = false;
  std::int64_t before_id = 0;  // 0: from the newest; else entries with a smaller id (paging)
  std::size_t limit = 50;      // 1..200
};

struct InboxPage {
  std::vector<Notification> items;  // newest first
  std::int64_t unread = 0;          // in the whole inbox, for the asking user
};

struct Subscription {
  std::int64_t id = 0;
  std::int64_t org_id = 0;
  std::string kind;          // "vendor" | "product" | "keyword" | "severity" | "kev"
  std::string value;         // vendor / product name, keyword, a severity; empty for kev
  std::string min_severity;  // "" (any) or "low" .. "critical"
  TimePoint created_at;
};

struct NewSubscription {
  std::string kind;
  std::string value;
  std::string min_severity;
};

struct Webhook {
  std::int64_t id = 0;
  std::int64_t org_id = 0;
  std::string url;
  std::string description;
  std::string min_severity;  // "" (every event) or "low" .. "critical"
  bool enabled = true;
  TimePoint created_at;
};

struct NewWebhook {
  std::string url;  // http(s); public addresses only unless allow_private_addresses
  std::string description;
  std::string min_severity;
};

struct WebhookPatch {
  std::optional<std::string> url;
  std::optional<std::string> description;
  std::optional<std::string> min_severity;
  std::optional<bool> enabled;
};

struct CreatedWebhook {
  Webhook webhook;
  std::string secret;  // shown once; stored encrypted
};

// One delivery of one event (or a ping) to one webhook, with its latest attempt.
struct WebhookDelivery {
  std::int64_t id = 0;
  std::optional<std::int64_t> event_id;  // none for pings
  std::string kind;
  std::string status;  // "pending" | "delivered" | "failed"
  int attempts = 0;
  std::optional<int> http_status;  // of the latest attempt
  std::string error;               // of the latest attempt
  std::optional<TimePoint> next_attempt;
  TimePoint created_at;
  TimePoint updated_at;
};

struct EmailRecipient {
  std::int64_t id = 0;
  std::int64_t org_id = 0;
  std::string address;
  std::string min_severity;  // "" (any) or "low" .. "critical"
  bool digest = true;        // low severity in the daily digest (false: not mailed)
  TimePoint created_at;
};

struct NewEmailRecipient {
  std::string address;
  std::string min_severity;
  bool digest = true;
};

// What one pass of the reader / sender did (for tests and logs).
struct DeliveryPass {
  std::size_t events = 0;         // read from the log
  std::size_t notifications = 0;  // inbox entries created
  std::size_t webhook_attempts = 0;
  std::size_t emails_sent = 0;
  std::size_t digests = 0;  // digest e-mails composed
};

class DeliveryService {
 public:
  DeliveryService(storage::Database& db,
                  const Clock& clock,
                  identity::IdentityService& identity,
                  DeliveryOptions options);
  ~DeliveryService();
  DeliveryService(const DeliveryService&) = delete;
  DeliveryService& operator=(const DeliveryService&) = delete;

  // Module "advisories_delivery", applied after "advisories_alerts".
  static std::span<const storage::Migration> Migrations();

  // Starts / stops the threads that read the event log (live streams, fan-out) and send what is
  // due (webhooks, e-mail, digests). Stop is idempotent, ends every live stream and is called by
  // the destructor.
  void Start();
  void Stop();
  // One pass of both threads' work on the calling thread: what tests and a CLI use without
  // Start(). Storage failures throw StorageError.
  DeliveryPass RunOnce();

  // A live stream for the principal: events after `last_event_id` (a reconnecting client's
  // Last-Event-ID: at most kBackfillLimit from the log), else from now on. kUnavailable when the
  // hub holds too many streams (per user or in total) or the service is stopped.
  static constexpr std::size_t kBackfillLimit = 1000;
  Result<std::shared_ptr<LiveStream>> OpenStream(const identity::Principal& principal,
                                                 std::optional<std::int64_t> last_event_id);

  Result<InboxPage> Inbox(const identity::Principal& principal, const InboxQuery& query);
  // Marks the given entries of the principal's inbox (or all when ids is empty and all is set)
  // read for this user; returns how many were newly marked. Unknown ids are ignored.
  Result<std::int64_t> MarkRead(const identity::Principal& principal,
                                std::span<const std::int64_t> ids,
                                bool all);

  Result<std::vector<Subscription>> Subscriptions(const identity::Principal& principal);
  Result<Subscription> Subscribe(const identity::Principal& principal, const NewSubscription& s);
  Status Unsubscribe(const identity::Principal& principal, std::int64_t id);

  Result<std::vector<Webhook>> Webhooks(const identity::Principal& principal);
  Result<CreatedWebhook> CreateWebhook(const identity::Principal& principal, const NewWebhook& w);
  Result<Webhook> UpdateWebhook(const identity::Principal& principal,
                                std::int64_t id,
                                const WebhookPatch& patch);
  Status DeleteWebhook(const identity::Principal& principal, std::int64_t id);
  // The newest deliveries first, at most `limit` (1..200).
  Result<std::vector<WebhookDelivery>> WebhookDeliveries(const identity::Principal& principal,
                                                         std::int64_t id,
                                                         std::size_t limit);
  // Sends a signed "ping" event now, records it in the delivery log and returns that record.
  Result<WebhookDelivery> PingWebhook(const identity::Principal& principal, std::int64_t id);

  Result<std::vector<EmailRecipient>> EmailRecipients(const identity::Principal& principal);
  Result<EmailRecipient> AddEmailRecipient(const identity::Principal& principal,
                                           const NewEmailRecipient& r);
  Status DeleteEmailRecipient(const identity::Principal& principal, std::int64_t id);

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace caduceus::advisories
