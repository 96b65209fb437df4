// Sightings (STIX 2.1 `sighting`, section 5.2): an organisation reports that it saw an indicator
// (or another object) `count` times between `first_seen` and `last_seen`. The hub keeps who
// reported each one, but shows others only aggregates per Member State, unless the reporter chose
// to share its identity. Sightings are never stored as ordinary objects of a collection, so no
// reader can list them there.
//
// Stateless; writes happen inside the caller's transaction.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/error.h"
#include "intel/stix.h"
#include "intel/visibility.h"
#include "storage/database.h"

namespace caduceus::intel {

struct SightingInput {
  std::string sighting_of_ref;  // the object seen; must be visible to the reporter
  // 1..999'999'999; 0 only from a STIX sighting (looked for and not seen, as STIX allows).
  std::int64_t count = 1;
  std::optional<TimePoint> first_seen;
  std::optional<TimePoint> last_seen;  // not before first_seen
  bool share_identity = false;         // let readers see the reporting organisation's name
  std::string source;                  // "api", "taxii", "agent", "ui", "misp", "feed:<id>", ...
  // From a STIX sighting: its id and `modified`. A reporter's later version of one sighting
  // replaces the earlier (a repeated or older version changes nothing), so a re-sent bundle is
  // not counted twice. Empty for sightings reported through the API: each one counts.
  std::string stix_id;
  std::optional<StixTimestamp> version;
};

struct CountrySightings {
  std::string country;  // Member State code; "" for organisations without one (support centre)
  std::int64_t organisations = 0;
  std::int64_t count = 0;
  std::optional<TimePoint> first_seen;
  std::optional<TimePoint> last_seen;
};

// One organisation's sightings, summed.
struct NamedSighting {
  std::int64_t org_id = 0;
  std::string org_name;
  std::int64_t count = 0;
  std::optional<TimePoint> first_seen;
  std::optional<TimePoint> last_seen;
};

struct SightingSummary {
  std::string sighting_of_ref;
  std::int64_t total = 0;                    // sum of every count
  std::vector<CountrySightings> by_country;  // every sighting, by the reporter's Member State
  std::vector<NamedSighting> own;  // the reader's own organisation's, always (empty or one)
  // Others' sightings they chose to share their identity on (only those), by organisation name.
  std::vector<NamedSighting> shared;
};

// One sighting record of the reader's own organisation, as the organisation reported it.
struct OwnSighting {
  std::int64_t id = 0;
  std::string sighting_of_ref;
  std::int64_t count = 0;
  std::optional<TimePoint> first_seen;
  std::optional<TimePoint> last_seen;
  TimePoint reported_at;  // when the hub last received it
  std::string source;
  bool share_identity = false;
};

// Every organisation's sightings of one object, summed, without names.
struct SightedObject {
  std::string sighting_of_ref;
  std::int64_t count = 0;
  std::int64_t organisations = 0;
  std::vector<std::string> countries;  // ascending; "" for organisations without one
  std::optional<TimePoint> first_seen;
  std::optional<TimePoint> last_seen;
  TimePoint reported_at;  // the newest report
};

// A listing of sightings of objects the reader may see, newest report first.
struct SightingQuery {
  static constexpr std::size_t kMaxLimit = 200;
  std::string source;                       // own listing only: only this source
  std::string country;                      // sector listing only: only reporters from there
  std::optional<TimePoint> reported_since;  // only reports received at or after
  std::size_t limit = 50;                   // 1..kMaxLimit
  std::string cursor;                       // `next` of the previous page
};

template <typename Item>
struct SightingPage {
  std::vector<Item> items;
  std::string next;  // empty on the last page
};

class SightingLedger {
 public:
  // Converts a validated `sighting` object into the input above (share_identity false, count 1
  // when absent). Invalid for timestamps the hub cannot represent (before 1678 or after 2261).
  static Result<SightingInput> FromStix(const StixObject& sighting);

  // Records one sighting by the reporter's organisation (reporter.org_id; the reporter's
  // country is the Member State it counts for). Error::NotFound when sighting_of_ref is not
  // visible to the reporter (same answer as for an object that does not exist); Invalid for a
  // count or times out of range, or a reporter scope without an organisation.
  Status Record(storage::Tx& tx,
                const ViewScope& reporter,
                const SightingInput& sighting,
                TimePoint now) const;

  // The aggregate for one object the reader may see; NotFound otherwise.
  Result<SightingSummary> Summarise(storage::Tx& tx,
                                    const ViewScope& reader,
                                    const std::string& sighting_of_ref) const;

  // The reader organisation's own sighting records of objects it may still see. Invalid for a
  // limit out of range or a cursor this listing did not issue.
  Result<SightingPage<OwnSighting>> ListOwn(storage::Tx& tx,
                                            const ViewScope& reader,
                                            const SightingQuery& query) const;

  // Every organisation's sightings, one item per object the reader may see. Names no reporter:
  // counts, organisations and Member States only, as Summarise's by_country does.
  Result<SightingPage<SightedObject>> ListSighted(storage::Tx& tx,
                                                  const ViewScope& reader,
                                                  const SightingQuery& query) const;
};

}  // namespace caduceus::intel
