#include "intel/analysis.h"

#include <algorithm>
#include <set>
#include <utility>

#include <fmt/format.h>

#include "intel/stix.h"
#include "intel/visibility.h"

namespace caduceus::intel {
namespace {

using storage::Int;
using storage::Text;
using storage::Tx;
using storage::Value;

// The correlation index: one row per distinct observable (kind + value, or a digest of a long
// value), with keys for related lookups: `dkey` the reversed labels of a domain or of a URL's or
// e-mail address's host name ("example.evil.a."), `v4lo`/`v4hi` the first and last IPv4 address
// of an address, network or URL host, `v6key`/`v6plen` the IPv6 network address (16 bytes) and
// prefix length. Keys are binary so that both backends order them bytewise. One row per
// (value, object version) links values to intel_objects; the prefix lengths of the networks in
// the index bound the lookups of the networks around an address.
//
// Sightings: one row per reported sighting (or per reporter and STIX sighting id, its newest
// version), with the reporter's Member State at the time; times are Unix microseconds.
constexpr storage::Migration kMigrations[] = {
    {1, "correlation index and sightings", R"sql(
CREATE TABLE intel_corr_values (
  id {{id}},
  kind TEXT NOT NULL,
  vkey TEXT NOT NULL,
  value TEXT NOT NULL,
  dkey {{blob}},
  v4lo BIGINT,
  v4hi BIGINT,
  v6key {{blob}},
  v6plen SMALLINT,
  UNIQUE (kind, vkey)
);
CREATE INDEX intel_corr_values_dkey ON intel_corr_values (dkey, id) WHERE dkey IS NOT NULL;
CREATE INDEX intel_corr_values_v4 ON intel_corr_values (v4lo, v4hi, id) WHERE v4lo IS NOT NULL;
CREATE INDEX intel_corr_values_v6 ON intel_corr_values (v6key, v6plen, id)
  WHERE v6key IS NOT NULL;

CREATE TABLE intel_corr_refs (
  value_id BIGINT NOT NULL REFERENCES intel_corr_values(id),
  object_seq BIGINT NOT NULL REFERENCES intel_objects(seq) ON DELETE CASCADE,
  PRIMARY KEY (value_id, object_seq)
);
CREATE INDEX intel_corr_refs_object ON intel_corr_refs (object_seq);

CREATE TABLE intel_corr_prefixes (
  family SMALLINT NOT NULL,
  plen SMALLINT NOT NULL,
  PRIMARY KEY (family, plen)
);

CREATE TABLE intel_sightings (
  id {{id}},
  sighting_of_ref TEXT NOT NULL,
  reporter_org_id BIGINT NOT NULL REFERENCES organisations(id),
  country TEXT NOT NULL,
  stix_id TEXT,
  version_ns BIGINT,
  times BIGINT NOT NULL,
  first_seen_us BIGINT,
  last_seen_us BIGINT,
  share_identity SMALLINT NOT NULL,
  source TEXT NOT NULL,
  created_at_us BIGINT NOT NULL,
  updated_at_us BIGINT NOT NULL
);
CREATE INDEX intel_sightings_ref ON intel_sightings (sighting_of_ref, reporter_org_id);
CREATE UNIQUE INDEX intel_sightings_stix ON intel_sightings (reporter_org_id, stix_id);
)sql"},
};

std::vector<Value> WithVisible(std::vector<Value> params, const SqlPredicate& visible) {
  params.insert(params.end(), visible.params.begin(), visible.params.end());
  return params;
}

bool SeesNothing(const ViewScope& scope) { return !scope.system && scope.collections.empty(); }

std::map<std::int64_t, CollectionLabel> LabelsOf(Tx& tx,
                                                 const std::vector<ValueCorrelation>& values) {
  std::set<std::int64_t> ids;
  for (const auto& v : values) {
    for (const auto& r : v.related) ids.insert(r.collection_id);
  }
  std::map<std::int64_t, CollectionLabel> out;
  if (ids.empty()) return out;
  std::string in;
  std::vector<Value> params;
  for (std::int64_t id : ids) {
    in += params.empty() ? "?" : ", ?";
    params.push_back(Int(id));
  }
  for (const auto& row :
       tx.Exec("SELECT id, uuid, title FROM intel_collections WHERE id IN (" + in + ")", params)
           .rows) {
    out[row.Int(0)] = CollectionLabel{row.Text(1), row.Text(2)};
  }
  return out;
}

Status CheckRelated(std::size_t max_related) {
  if (max_related > IntelAnalysis::kMaxRelated) {
    return Error::Invalid(fmt::format("must be at most {}", IntelAnalysis::kMaxRelated),
                          "max_related");
  }
  return {};
}

// The collections holding a version of `stix_id` that `scope` may see.
std::vector<std::int64_t> VisibleCollections(Tx& tx,
                                             const ViewScope& scope,
                                             std::string_view stix_id) {
  const SqlPredicate visible = VisiblePredicate(scope, "o");
  std::vector<std::int64_t> out;
  for (const auto& row : tx.Exec("SELECT DISTINCT o.collection_id FROM intel_objects o "
                                 "WHERE o.stix_id = ? AND " +
                                     visible.sql + " ORDER BY o.collection_id",
                                 WithVisible({Text(std::string(stix_id))}, visible))
                             .rows) {
    out.push_back(row.Int(0));
  }
  return out;
}

}  // namespace

IntelAnalysis::IntelAnalysis(storage::Database& db,
                             const Clock& clock,
                             IntelService& store,
                             CorrelationLimits limits)
    : db_(db), clock_(clock), store_(store), index_(limits) {}

std::span<const storage::Migration> IntelAnalysis::Migrations() { return kMigrations; }

Result<CorrelationReport> IntelAnalysis::CorrelateValues(identity::Actor actor,
                                                         std::span<const Observable> values,
                                                         std::size_t max_related) {
  if (values.size() > kMaxValues) {
    return Error::Invalid(fmt::format("at most {} values", kMaxValues), "values");
  }
  if (auto s = CheckRelated(max_related); !s) return s.error();
  return db_.Read([&](Tx& tx) -> Result<CorrelationReport> {
    const ViewScope scope = LoadViewScope(tx, actor);
    CorrelationReport report;
    report.values = index_.Correlate(tx, scope, values, max_related);
    report.collections = LabelsOf(tx, report.values);
    return report;
  });
}

Result<CorrelationReport> IntelAnalysis::CorrelationsOf(identity::Actor actor,
                                                        std::string_view stix_id,
                                                        std::size_t max_related) {
  if (auto s = CheckRelated(max_related); !s) return s.error();
  if (!IsStixIdentifier(stix_id)) return Error::NotFound("no such object");
  return db_.Read([&](Tx& tx) -> Result<CorrelationReport> {
    const ViewScope scope = LoadViewScope(tx, actor);
    if (SeesNothing(scope)) return Error::NotFound("no such object");
    const SqlPredicate visible = VisiblePredicate(scope, "o");
    auto newest = tx.Exec("SELECT o.seq FROM intel_objects o WHERE o.stix_id = ? AND " +
                              visible.sql + " ORDER BY o.version_ns DESC, o.seq DESC LIMIT 1",
                          WithVisible({Text(std::string(stix_id))}, visible));
    if (newest.rows.empty()) return Error::NotFound("no such object");
    std::vector<Observable> observables;
    for (const auto& row :
         tx.Exec("SELECT v.kind, v.value FROM intel_corr_refs r "
                 "JOIN intel_corr_values v ON v.id = r.value_id WHERE r.object_seq = ?",
                 {Int(newest.rows.front().Int(0))})
             .rows) {
      if (auto kind = ParseKindName(row.Text(0))) observables.push_back({*kind, row.Text(1)});
    }
    std::sort(observables.begin(), observables.end());
    CorrelationReport report;
    report.values = index_.Correlate(tx, scope, observables, max_related, stix_id);
    report.collections = LabelsOf(tx, report.values);
    return report;
  });
}

Status IntelAnalysis::ReportSighting(identity::Actor actor, const SightingInput& sighting) {
  if (actor.principal == nullptr) {
    return Error::Invalid("a sighting needs a reporting organisation");
  }
  const identity::Principal& principal = *actor.principal;
  const TimePoint now = clock_.Now();
  return db_.Transact([&](Tx& tx) -> Status {
    const ViewScope scope = LoadViewScope(tx, actor);
    if (!IsStixIdentifier(sighting.sighting_of_ref) || SeesNothing(scope)) {
      return Error::NotFound("no such object");
    }
    const auto collections = VisibleCollections(tx, scope, sighting.sighting_of_ref);
    if (collections.empty()) return Error::NotFound("no such object");
    const auto org = LoadReaderOrg(tx, scope.org_id);
    if (!org) return Error::NotFound("no such object");
    const bool may_sight = std::any_of(collections.begin(), collections.end(), [&](auto id) {
      for (const auto& access : LoadCollectionAccess(tx, *org, id)) {
        if (identity::AllowedOnCollection(principal, identity::CollectionAction::kSight,
                                          access.ref)) {
          return true;
        }
      }
      return false;
    });
    if (!may_sight) return Error::Denied("your role may not report sightings");
    return ledger_.Record(tx, scope, sighting, now);
  });
}

Result<SightingSummary> IntelAnalysis::Sightings(identity::Actor actor, std::string_view stix_id) {
  return db_.Read([&](Tx& tx) -> Result<SightingSummary> {
    const ViewScope scope = LoadViewScope(tx, actor);
    return ledger_.Summarise(tx, scope, std::string(stix_id));
  });
}

namespace {

// Each listed sighting with its object's context. The listing and the views are separate
// transactions: a sighting whose object stopped being visible in between is left out.
template <typename Sighting>
SightingPage<SightingInContext<Sighting>> WithContext(IntelService& store,
                                                      identity::Actor actor,
                                                      SightingPage<Sighting> listed) {
  SightingPage<SightingInContext<Sighting>> page;
  page.next = std::move(listed.next);
  for (auto& s : listed.items) {
    auto view = store.View(actor, s.sighting_of_ref);
    if (!view) continue;
    page.items.push_back({std::move(s), std::move(*view)});
  }
  return page;
}

}  // namespace

Result<SightingPage<SightingInContext<OwnSighting>>> IntelAnalysis::OwnSightings(
    identity::Actor actor, const SightingQuery& query) {
  auto listed = db_.Read([&](Tx& tx) -> Result<SightingPage<OwnSighting>> {
    return ledger_.ListOwn(tx, LoadViewScope(tx, actor), query);
  });
  if (!listed) return listed.error();
  return WithContext(store_, actor, std::move(*listed));
}

Result<SightingPage<SightingInContext<SightedObject>>> IntelAnalysis::SightedObjects(
    identity::Actor actor, const SightingQuery& query) {
  auto listed = db_.Read([&](Tx& tx) -> Result<SightingPage<SightedObject>> {
    return ledger_.ListSighted(tx, LoadViewScope(tx, actor), query);
  });
  if (!listed) return listed.error();
  return WithContext(store_, actor, std::move(*listed));
}

}  // namespace caduceus::intel
