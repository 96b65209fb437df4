// Correlation and sightings for readers: what the JSON API and the UI call. correlation.h and
// sightings.h do the work inside transactions; this layer opens them, loads the reader's scope
// and decides who may report a sighting (through identity/policy.h).
//
// Invisible means absent: an object the actor may not see gives the same NotFound as one that
// does not exist, and counts, related objects and sighting summaries only ever include what the
// actor may see.
//
// Thread-safe: every call runs in its own transaction.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/error.h"
#include "identity/service.h"
#include "intel/correlation.h"
#include "intel/sightings.h"
#include "intel/store.h"
#include "storage/database.h"

namespace caduceus::intel {

struct CollectionLabel {
  std::string uuid;
  std::string title;
};

struct CorrelationReport {
  std::vector<ValueCorrelation> values;
  // The collections the related objects are in, by id.
  std::map<std::int64_t, CollectionLabel> collections;
};

// A listed sighting with the context of its object: the newest version the reader may see.
template <typename Sighting>
struct SightingInContext {
  Sighting sighting;
  ObjectView object;
};

class IntelAnalysis {
 public:
  // Most values one CorrelateValues call takes.
  static constexpr std::size_t kMaxValues = 10'000;
  // Most related objects per value a caller may ask for.
  static constexpr std::size_t kMaxRelated = 100;

  IntelAnalysis(storage::Database& db,
                const Clock& clock,
                IntelService& store,
                CorrelationLimits limits = {});

  // Module "intel_analysis", applied after the module "intel": the correlation index
  // (intel_corr_values, intel_corr_refs, intel_corr_prefixes) and the sightings
  // (intel_sightings).
  static std::span<const storage::Migration> Migrations();

  // What the actor may see of each value (normal forms). Invalid for more than kMaxValues
  // values or max_related above kMaxRelated.
  Result<CorrelationReport> CorrelateValues(identity::Actor actor,
                                            std::span<const Observable> values,
                                            std::size_t max_related);

  // The correlations of the observables of the newest version of `stix_id` the actor may see,
  // leaving that object out of the answers. NotFound when the actor sees no version of it.
  Result<CorrelationReport> CorrelationsOf(identity::Actor actor,
                                           std::string_view stix_id,
                                           std::size_t max_related);

  // Records a sighting by the actor's organisation: NotFound when the actor sees no version of
  // sighting_of_ref, PermissionDenied when it sees one but may not sight in any collection that
  // holds a visible version (a viewer), Invalid for a bad count or times.
  Status ReportSighting(identity::Actor actor, const SightingInput& sighting);

  // The sighting summary of an object the actor may see; NotFound otherwise.
  Result<SightingSummary> Sightings(identity::Actor actor, std::string_view stix_id);

  // The actor's organisation's own sightings (what its agents and staff reported), newest first.
  Result<SightingPage<SightingInContext<OwnSighting>>> OwnSightings(identity::Actor actor,
                                                                    const SightingQuery& query);

  // Every organisation's sightings, summed per object, newest first; no reporter is named.
  Result<SightingPage<SightingInContext<SightedObject>>> SightedObjects(identity::Actor actor,
                                                                        const SightingQuery& query);

 private:
  storage::Database& db_;
  const Clock& clock_;
  IntelService& store_;
  CorrelationIndex index_;
  SightingLedger ledger_;
};

}  // namespace caduceus::intel
