#include "intel/sightings.h"

#include <charconv>
#include <chrono>
#include <map>
#include <string>
#include <string_view>
#include <utility>

#include <fmt/format.h>

namespace caduceus::intel {
namespace {

using storage::Int;
using storage::Null;
using storage::Text;
using storage::Value;

constexpr std::int64_t kMaxCount = 999'999'999;
// What a TimePoint (nanoseconds since 1970) can hold, with a margin: 1678..2261.
constexpr std::int64_t kMinSeconds = -9'200'000'000;
constexpr std::int64_t kMaxSeconds = 9'200'000'000;

std::int64_t Micros(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
}

TimePoint FromMicros(std::int64_t us) {
  return TimePoint(std::chrono::duration_cast<TimePoint::duration>(std::chrono::microseconds(us)));
}

std::optional<TimePoint> OptTime(const storage::Row& row, std::size_t i) {
  if (row.IsNull(i)) return std::nullopt;
  return FromMicros(row.Int(i));
}

Value OptMicros(const std::optional<TimePoint>& t) { return t ? Int(Micros(*t)) : Null(); }

std::int64_t VersionNanos(const StixTimestamp& t) { return t.seconds * 1'000'000'000 + t.nanos; }

Result<std::optional<TimePoint>> TimeProperty(const boost::json::object& json,
                                              std::string_view name) {
  const auto* v = json.if_contains(name);
  if (v == nullptr) return std::optional<TimePoint>();
  auto parsed = v->is_string() ? ParseStixTimestamp(v->get_string()) : std::nullopt;
  if (!parsed || parsed->seconds < kMinSeconds || parsed->seconds > kMaxSeconds) {
    return Error::Invalid("must be a timestamp between the years 1678 and 2261",
                          "/" + std::string(name));
  }
  return std::optional<TimePoint>(TimePoint(std::chrono::duration_cast<TimePoint::duration>(
      std::chrono::seconds(parsed->seconds) + std::chrono::nanoseconds(parsed->nanos))));
}

bool SeesNothingOf(const ViewScope& scope) { return !scope.system && scope.collections.empty(); }

// Whether some version of `stix_id` is visible in `scope`.
bool Visible(storage::Tx& tx, const ViewScope& scope, const std::string& stix_id) {
  if (SeesNothingOf(scope)) return false;
  const SqlPredicate visible = VisiblePredicate(scope, "o");
  std::vector<Value> params{Text(stix_id)};
  params.insert(params.end(), visible.params.begin(), visible.params.end());
  return !tx.Exec(
                "SELECT 1 FROM intel_objects o WHERE o.stix_id = ? AND " + visible.sql + " LIMIT 1",
                params)
              .rows.empty();
}

// A listing's cursor: "<reported_at in µs>.<key>", the last item of the previous page.
struct Cursor {
  std::int64_t reported_us = 0;
  std::string key;
};

Result<std::optional<Cursor>> ParseCursor(std::string_view text) {
  if (text.empty()) return std::optional<Cursor>();
  const auto dot = text.find('.');
  Cursor cursor;
  const auto* end = text.data() + (dot == std::string_view::npos ? text.size() : dot);
  const auto [ptr, ec] = std::from_chars(text.data(), end, cursor.reported_us);
  if (dot == std::string_view::npos || ec != std::errc() || ptr != end) {
    return Error::Invalid("is not a cursor of this listing", "cursor");
  }
  cursor.key = std::string(text.substr(dot + 1));
  return std::optional<Cursor>(std::move(cursor));
}

// A listing reads one row more than `limit`: when it came, the page ends before it and `next`
// names the page's last item.
template <typename Item, typename KeyOf>
void EndPage(SightingPage<Item>& page, std::size_t limit, KeyOf key_of) {
  if (page.items.size() <= limit) return;
  page.items.pop_back();
  const Item& last = page.items.back();
  page.next = fmt::format("{}.{}", Micros(last.reported_at), key_of(last));
}

Status CheckLimit(const SightingQuery& query) {
  if (query.limit < 1 || query.limit > SightingQuery::kMaxLimit) {
    return Error::Invalid(fmt::format("must be from 1 to {}", SightingQuery::kMaxLimit), "limit");
  }
  return {};
}

// "EXISTS (a version of s.sighting_of_ref the reader may see)".
std::string VisibleRef(const ViewScope& reader, std::vector<Value>& params) {
  const SqlPredicate visible = VisiblePredicate(reader, "o");
  params.insert(params.end(), visible.params.begin(), visible.params.end());
  return "EXISTS (SELECT 1 FROM intel_objects o WHERE o.stix_id = s.sighting_of_ref AND " +
         visible.sql + ")";
}

NamedSighting Named(const storage::Row& row) {
  NamedSighting s;
  s.org_id = row.Int(0);
  s.org_name = row.Text(1);
  s.count = row.Int(2);
  s.first_seen = OptTime(row, 3);
  s.last_seen = OptTime(row, 4);
  return s;
}

}  // namespace

Result<SightingInput> SightingLedger::FromStix(const StixObject& sighting) {
  const auto& json = sighting.json;
  SightingInput in;
  const auto* ref = json.if_contains("sighting_of_ref");
  if (ref == nullptr || !ref->is_string()) {
    return Error::Invalid("is required", "/sighting_of_ref");
  }
  in.sighting_of_ref = std::string(ref->get_string());
  if (const auto* count = json.if_contains("count")) {
    if (!count->is_int64() || count->get_int64() < 0 || count->get_int64() > kMaxCount) {
      return Error::Invalid("must be an integer from 0 to 999999999", "/count");
    }
    in.count = count->get_int64();
  }
  auto first = TimeProperty(json, "first_seen");
  if (!first) return first.error();
  auto last = TimeProperty(json, "last_seen");
  if (!last) return last.error();
  in.first_seen = *first;
  in.last_seen = *last;
  in.stix_id = sighting.id;
  in.version = sighting.modified;
  return in;
}

Status SightingLedger::Record(storage::Tx& tx,
                              const ViewScope& reporter,
                              const SightingInput& sighting,
                              TimePoint now) const {
  if (reporter.org_id <= 0) {
    return Error::Invalid("a sighting needs a reporting organisation");
  }
  if (sighting.count < 0 || sighting.count > kMaxCount ||
      (sighting.count == 0 && sighting.stix_id.empty())) {
    return Error::Invalid("must be an integer from 1 to 999999999", "/count");
  }
  if (sighting.first_seen && sighting.last_seen && *sighting.last_seen < *sighting.first_seen) {
    return Error::Invalid("must not be before first_seen", "/last_seen");
  }
  if (sighting.source.size() > 100) return Error::Invalid("is too long", "/source");
  if (!IsStixIdentifier(sighting.sighting_of_ref) ||
      !Visible(tx, reporter, sighting.sighting_of_ref)) {
    return Error::NotFound("no such object");
  }
  auto org = tx.One("SELECT country FROM organisations WHERE id = ?", {Int(reporter.org_id)});
  if (!org) return Error::Invalid("a sighting needs a reporting organisation");
  const std::string country = org->OptText(0).value_or("");

  const Value stix_id = sighting.stix_id.empty() ? Null() : Text(sighting.stix_id);
  const Value version = sighting.version ? Int(VersionNanos(*sighting.version)) : Null();
  if (!sighting.stix_id.empty()) {
    auto existing = tx.One(
        "SELECT id, version_ns FROM intel_sightings WHERE reporter_org_id = ? AND stix_id = ?",
        {Int(reporter.org_id), stix_id});
    if (existing) {
      const std::optional<std::int64_t> stored = existing->OptInt(1);
      const bool newer = sighting.version && (!stored || VersionNanos(*sighting.version) > *stored);
      if (!newer) return {};
      tx.Exec(
          "UPDATE intel_sightings SET sighting_of_ref = ?, country = ?, version_ns = ?, times = ?, "
          "first_seen_us = ?, last_seen_us = ?, share_identity = ?, source = ?, updated_at_us = ? "
          "WHERE id = ?",
          {Text(sighting.sighting_of_ref), Text(country), version, Int(sighting.count),
           OptMicros(sighting.first_seen), OptMicros(sighting.last_seen),
           Int(sighting.share_identity ? 1 : 0), Text(sighting.source), Int(Micros(now)),
           Int(existing->Int(0))});
      return {};
    }
  }
  tx.Exec(
      "INSERT INTO intel_sightings (sighting_of_ref, reporter_org_id, country, stix_id, "
      "version_ns, times, first_seen_us, last_seen_us, share_identity, source, created_at_us, "
      "updated_at_us) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      {Text(sighting.sighting_of_ref), Int(reporter.org_id), Text(country), stix_id, version,
       Int(sighting.count), OptMicros(sighting.first_seen), OptMicros(sighting.last_seen),
       Int(sighting.share_identity ? 1 : 0), Text(sighting.source), Int(Micros(now)),
       Int(Micros(now))});
  return {};
}

Result<SightingSummary> SightingLedger::Summarise(storage::Tx& tx,
                                                  const ViewScope& reader,
                                                  const std::string& sighting_of_ref) const {
  if (!IsStixIdentifier(sighting_of_ref) || !Visible(tx, reader, sighting_of_ref)) {
    return Error::NotFound("no such object");
  }
  SightingSummary summary;
  summary.sighting_of_ref = sighting_of_ref;
  for (const auto& row :
       tx.Exec("SELECT country, COUNT(DISTINCT reporter_org_id), CAST(SUM(times) AS BIGINT), "
               "MIN(first_seen_us), "
               "MAX(last_seen_us) FROM intel_sightings WHERE sighting_of_ref = ? "
               "GROUP BY country ORDER BY country",
               {Text(sighting_of_ref)})
           .rows) {
    CountrySightings c;
    c.country = row.Text(0);
    c.organisations = row.Int(1);
    c.count = row.Int(2);
    c.first_seen = OptTime(row, 3);
    c.last_seen = OptTime(row, 4);
    summary.total += c.count;
    summary.by_country.push_back(std::move(c));
  }
  constexpr std::string_view kNamed =
      "SELECT s.reporter_org_id, g.name, CAST(SUM(s.times) AS BIGINT), MIN(s.first_seen_us), "
      "MAX(s.last_seen_us) "
      "FROM intel_sightings s JOIN organisations g ON g.id = s.reporter_org_id "
      "WHERE s.sighting_of_ref = ? AND ";
  if (reader.org_id > 0) {
    for (const auto& row :
         tx.Exec(std::string(kNamed) + "s.reporter_org_id = ? GROUP BY s.reporter_org_id, g.name",
                 {Text(sighting_of_ref), Int(reader.org_id)})
             .rows) {
      summary.own.push_back(Named(row));
    }
  }
  for (const auto& row :
       tx.Exec(std::string(kNamed) +
                   "s.share_identity = 1 AND s.reporter_org_id <> ? "
                   "GROUP BY s.reporter_org_id, g.name ORDER BY g.name, s.reporter_org_id",
               {Text(sighting_of_ref), Int(reader.org_id)})
           .rows) {
    summary.shared.push_back(Named(row));
  }
  return summary;
}

Result<SightingPage<OwnSighting>> SightingLedger::ListOwn(storage::Tx& tx,
                                                          const ViewScope& reader,
                                                          const SightingQuery& query) const {
  if (auto st = CheckLimit(query); !st) return st.error();
  auto cursor = ParseCursor(query.cursor);
  if (!cursor) return cursor.error();
  std::int64_t after_id = 0;
  if (*cursor) {
    const auto& key = (*cursor)->key;
    const auto [ptr, ec] = std::from_chars(key.data(), key.data() + key.size(), after_id);
    if (ec != std::errc() || ptr != key.data() + key.size() || after_id <= 0) {
      return Error::Invalid("is not a cursor of this listing", "cursor");
    }
  }
  SightingPage<OwnSighting> page;
  if (reader.org_id <= 0 || SeesNothingOf(reader)) return page;

  std::vector<Value> params{Int(reader.org_id)};
  std::string sql =
      "SELECT s.id, s.sighting_of_ref, s.times, s.first_seen_us, s.last_seen_us, "
      "s.updated_at_us, s.source, s.share_identity FROM intel_sightings s "
      "WHERE s.reporter_org_id = ?";
  if (!query.source.empty()) {
    sql += " AND s.source = ?";
    params.push_back(Text(query.source));
  }
  if (query.reported_since) {
    sql += " AND s.updated_at_us >= ?";
    params.push_back(Int(Micros(*query.reported_since)));
  }
  if (*cursor) {
    sql += " AND (s.updated_at_us < ? OR (s.updated_at_us = ? AND s.id < ?))";
    params.insert(params.end(),
                  {Int((*cursor)->reported_us), Int((*cursor)->reported_us), Int(after_id)});
  }
  sql += " AND " + VisibleRef(reader, params);
  sql += " ORDER BY s.updated_at_us DESC, s.id DESC LIMIT ?";
  params.push_back(Int(static_cast<std::int64_t>(query.limit) + 1));

  for (const auto& row : tx.Exec(sql, params).rows) {
    OwnSighting o;
    o.id = row.Int(0);
    o.sighting_of_ref = row.Text(1);
    o.count = row.Int(2);
    o.first_seen = OptTime(row, 3);
    o.last_seen = OptTime(row, 4);
    o.reported_at = FromMicros(row.Int(5));
    o.source = row.Text(6);
    o.share_identity = row.Int(7) != 0;
    page.items.push_back(std::move(o));
  }
  EndPage(page, query.limit, [](const OwnSighting& last) { return std::to_string(last.id); });
  return page;
}

Result<SightingPage<SightedObject>> SightingLedger::ListSighted(storage::Tx& tx,
                                                                const ViewScope& reader,
                                                                const SightingQuery& query) const {
  if (auto st = CheckLimit(query); !st) return st.error();
  auto cursor = ParseCursor(query.cursor);
  if (!cursor) return cursor.error();
  if (*cursor && !IsStixIdentifier((*cursor)->key)) {
    return Error::Invalid("is not a cursor of this listing", "cursor");
  }
  SightingPage<SightedObject> page;
  if (SeesNothingOf(reader)) return page;

  std::vector<Value> params;
  std::string sql =
      "SELECT s.sighting_of_ref, CAST(SUM(s.times) AS BIGINT), COUNT(DISTINCT s.reporter_org_id), "
      "MIN(s.first_seen_us), MAX(s.last_seen_us), MAX(s.updated_at_us) FROM intel_sightings s "
      "WHERE ";
  if (!query.country.empty()) {
    sql += "s.country = ? AND ";
    params.push_back(Text(query.country));
  }
  sql += VisibleRef(reader, params) + " GROUP BY s.sighting_of_ref HAVING 1 = 1";
  if (query.reported_since) {
    sql += " AND MAX(s.updated_at_us) >= ?";
    params.push_back(Int(Micros(*query.reported_since)));
  }
  if (*cursor) {
    sql +=
        " AND (MAX(s.updated_at_us) < ? OR (MAX(s.updated_at_us) = ? AND s.sighting_of_ref < ?))";
    params.insert(params.end(),
                  {Int((*cursor)->reported_us), Int((*cursor)->reported_us), Text((*cursor)->key)});
  }
  sql += " ORDER BY MAX(s.updated_at_us) DESC, s.sighting_of_ref DESC LIMIT ?";
  params.push_back(Int(static_cast<std::int64_t>(query.limit) + 1));

  for (const auto& row : tx.Exec(sql, params).rows) {
    SightedObject o;
    o.sighting_of_ref = row.Text(0);
    o.count = row.Int(1);
    o.organisations = row.Int(2);
    o.first_seen = OptTime(row, 3);
    o.last_seen = OptTime(row, 4);
    o.reported_at = FromMicros(row.Int(5));
    page.items.push_back(std::move(o));
  }
  EndPage(page, query.limit, [](const SightedObject& last) { return last.sighting_of_ref; });
  if (page.items.empty()) return page;

  std::vector<Value> refs;
  std::string marks;
  for (const auto& o : page.items) {
    marks += marks.empty() ? "?" : ", ?";
    refs.push_back(Text(o.sighting_of_ref));
  }
  std::string countries_sql =
      "SELECT DISTINCT sighting_of_ref, country FROM intel_sightings WHERE sighting_of_ref IN (" +
      marks + ")";
  if (!query.country.empty()) {
    countries_sql += " AND country = ?";
    refs.push_back(Text(query.country));
  }
  std::map<std::string, std::vector<std::string>> countries;
  for (const auto& row : tx.Exec(countries_sql + " ORDER BY country", refs).rows) {
    countries[row.Text(0)].push_back(row.Text(1));
  }
  for (auto& o : page.items) o.countries = std::move(countries[o.sighting_of_ref]);
  return page;
}

}  // namespace caduceus::intel
