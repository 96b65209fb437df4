// The early-warning event log (table adv_events, module "advisories_alerts"): one row per thing a
// provider or its overseers must hear about, appended in the same transaction as the change it
// reports, read in id order by the delivery side (delivery.h: live streams, webhooks, e-mail,
// digests) of every hub over the database. Ids only grow; a reader keeps the last id it handled.
//
// Payloads name advisories (titles, keys, CVEs): readers deliver an event only to organisations
// that may see its advisory under its TLP (delivery.h).
//
// Kinds and their payload (a JSON object, built by the writer):
//   alert.created    a new alert: {alert_id, advisory_id, advisory_key, title, severity,
//                    assets: n, cves: [...], ack_due, remediate_due}
//   alert.updated    a new advisory revision or KEV entry changed an alert's items or severity
//   alert.state      {alert_id, from, to, by}: acknowledged, in_remediation, resolved, ...
//   alert.overdue    {alert_id, which: "acknowledge"|"remediate", due}: escalated to the authority
//   advisory.published {advisory_id, advisory_key, title, severity, vendors: [...],
//                    products: [...], cves: [...], kev: bool}: org_id 0, for subscriptions
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/error.h"

namespace caduceus::storage {
class Database;
class Tx;
}  // namespace caduceus::storage

namespace caduceus::advisories {

struct NewEvent {
  std::int64_t org_id = 0;         // the provider concerned; 0 for advisory.published
  std::int64_t org_parent_id = 0;  // its authority (0: none), so readers decide visibility
  std::string kind;
  std::int64_t alert_id = 0;     // 0 when none
  std::int64_t advisory_id = 0;  // 0 when none
  std::string severity;          // "low" .. "critical"; empty when none
  std::string payload;           // JSON object text
};

struct Event : NewEvent {
  std::int64_t id = 0;
  TimePoint created_at;
};

// Appends inside the caller's transaction; returns the new id.
std::int64_t AppendEvent(storage::Tx& tx, const NewEvent& event, TimePoint now);
// Up to `limit` events with id > after_id, in id order.
Result<std::vector<Event>> EventsAfter(storage::Database& db,
                                       std::int64_t after_id,
                                       std::size_t limit);
// The largest id so far (0 when none): where a new live reader starts.
Result<std::int64_t> LastEventId(storage::Database& db);

}  // namespace caduceus::advisories
