#include "advisories/events.h"

#include <algorithm>
#include <chrono>

#include "storage/database.h"

namespace caduceus::advisories {

using storage::Int;
using storage::Text;

namespace {

// Held from an append to the commit, so events commit in id order and a reader that keeps the
// last id it handled never skips one committed later with a smaller id.
constexpr std::int64_t kEventsLock = 0x4164764576656e74;  // "AdvEvent"
constexpr std::size_t kMaxEventsRead = 10'000;

std::int64_t Micros(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
}

}  // namespace

std::int64_t AppendEvent(storage::Tx& tx, const NewEvent& event, TimePoint now) {
  tx.LockExclusive(kEventsLock);
  const auto row = tx.One(
      "INSERT INTO adv_events (org_id, org_parent_id, kind, alert_id, advisory_id, severity, "
      "payload, created_at_us) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
      {Int(event.org_id), Int(event.org_parent_id), Text(event.kind), Int(event.alert_id),
       Int(event.advisory_id), Text(event.severity), Text(event.payload), Int(Micros(now))});
  return row->Int(0);
}

Result<std::vector<Event>> EventsAfter(storage::Database& db,
                                       std::int64_t after_id,
                                       std::size_t limit) {
  limit = std::min(limit, kMaxEventsRead);
  std::vector<Event> out;
  if (limit == 0) return out;
  const auto result = db.Query(
      "SELECT id, org_id, org_parent_id, kind, alert_id, advisory_id, severity, payload, "
      "created_at_us FROM adv_events WHERE id > ? ORDER BY id LIMIT ?",
      {Int(after_id), Int(static_cast<std::int64_t>(limit))});
  out.reserve(result.rows.size());
  for (const auto& r : result.rows) {
    Event e;
    e.id = r.Int(0);
    e.org_id = r.Int(1);
    e.org_parent_id = r.Int(2);
    e.kind = r.Text(3);
    e.alert_id = r.Int(4);
    e.advisory_id = r.Int(5);
    e.severity = r.Text(6);
    e.payload = r.Text(7);
    e.created_at = TimePoint(
        std::chrono::duration_cast<TimePoint::duration>(std::chrono::microseconds(r.Int(8))));
    out.push_back(std::move(e));
  }
  return out;
}

Result<std::int64_t> LastEventId(storage::Database& db) {
  const auto row = db.QueryOne("SELECT COALESCE(MAX(id), 0) FROM adv_events");
  return row ? row->Int(0) : 0;
}

}  // namespace caduceus::advisories
