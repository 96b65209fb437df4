#include "intel/sightings.h"

#include <chrono>
#include <string_view>
#include <utility>

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

// Whether some version of `stix_id` is visible in `scope`.
bool Visible(storage::Tx& tx, const ViewScope& scope, const std::string& stix_id) {
  if (!scope.system && scope.collections.empty()) return false;
  const SqlPredicate visible = VisiblePredicate(scope, "o");
  std::vector<Value> params{Text(stix_id)};
  params.insert(params.end(), visible.params.begin(), visible.params.end());
  return !tx.Exec(
                "SELECT 1 FROM intel_objects o WHERE o.stix_id = ? AND " + visible.sql + " LIMIT 1",
                params)
              .rows.empty();
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

}  // namespace caduceus::intel
