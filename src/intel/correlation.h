// Correlation that stays linear: a value → object-versions index (not a table of pairs), so
// storage grows with the number of observables, never with their square: one row per distinct
// value and one per (value, object version). Lookups find the same value, and the related ones:
// a domain's parent domains and subdomains (and the URLs and e-mail addresses on them), the
// networks an address lies in and the addresses, networks and URLs inside a network.
//
// Common values are capped, not exploded: a lookup reads at most `max_objects_per_value + 1`
// visible versions of a value and `max_related` related ones, so its cost and its answer stay
// bounded however many objects carry the value. The cap is applied to what the reader may see,
// never to the rows stored: a cap counted over every row would tell a reader, through `capped`
// or through a visible object missing from the answer, that objects it may not see exist.
//
// The index lives in the tables of the module "intel_analysis" (see IntelAnalysis::Migrations)
// and is written inside the intel store's ingest transaction. Every read filters with
// VisiblePredicate (visibility.h), so counts, hits and the choice of which related objects fill
// the limit only ever depend on object versions the reader may see.
//
// Stateless apart from its limits: one instance may serve every thread. Storage failures throw
// StorageError (the caller's transaction rolls back).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "intel/observables.h"
#include "intel/visibility.h"
#include "storage/database.h"

namespace caduceus::intel {

struct CorrelationLimits {
  std::size_t max_objects_per_value = 1000;
};

enum class Relation {
  kSame,    // the same normalised value
  kParent,  // the indexed value is a parent domain / a network containing the queried one
  kChild,   // the indexed value is a subdomain / an address or smaller network inside it
};

// The observables of one stored object version, for IndexAll.
struct IndexEntry {
  std::int64_t object_seq = 0;  // intel_objects.seq
  std::span<const Observable> observables;
};

struct RelatedObject {
  std::string stix_id;
  std::string type;
  std::string name;  // its name, or its value for observables, may be empty
  std::int64_t collection_id = 0;
  Observable matched;  // the indexed value it carries
  Relation relation = Relation::kSame;
};

struct ValueCorrelation {
  Observable value;                // as queried
  std::int64_t objects = 0;        // distinct objects with a visible version carrying it
  std::int64_t organisations = 0;  // distinct producers of those versions
  // More than max_objects_per_value visible versions carry it: the counts are taken over the
  // newest max_objects_per_value of them and are a lower bound.
  bool capped = false;
  // Distinct objects (newest visible version each), closest relation first (same, parent,
  // child), newest first within one relation, at most the caller's limit.
  std::vector<RelatedObject> related;
};

class CorrelationIndex {
 public:
  explicit CorrelationIndex(CorrelationLimits limits = {});

  // Records the observables of one stored object version (intel_objects.seq). Idempotent.
  void Index(storage::Tx& tx,
             std::int64_t object_seq,
             std::span<const Observable> observables) const;
  // The same for many versions in a few statements (what a bulk ingest should call once per
  // batch). Idempotent.
  void IndexAll(storage::Tx& tx, std::span<const IndexEntry> entries) const;

  // Forgets one object version (before it is deleted).
  void Unindex(storage::Tx& tx, std::int64_t object_seq) const;

  // What the reader may see of each value, in the order of `values` (normal forms, as
  // Normalise returns them). `exclude_stix_id` leaves one object out (the object being viewed).
  // `max_related` bounds `related` per value (0: counts only).
  std::vector<ValueCorrelation> Correlate(storage::Tx& tx,
                                          const ViewScope& scope,
                                          std::span<const Observable> values,
                                          std::size_t max_related,
                                          std::string_view exclude_stix_id = {}) const;

 private:
  CorrelationLimits limits_;
};

}  // namespace caduceus::intel
