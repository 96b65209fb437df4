// Alerts of the early-warning service (module "advisories_alerts"): the matching engine that turns
// advisories × asset inventories into alerts, and the alerts' life with deadlines.
//
// Engine: keeps an AssetIndex of every provider's assets and an AdvisoryIndex of every advisory in
// memory (matcher.h), refreshed from the database when another hub changed them (inventory
// revision per organisation, advisory revision), so hubs behind a load balancer agree. Matching
// runs on every new or revised advisory against all inventories (MatchAdvisory) and on every
// inventory change against all advisories (Reinventory); both are idempotent: they bring the
// alerts of (organisation, advisory) in line with the current findings.
//
// An alert is one (provider, advisory) with its items: (asset, CVE) pairs found affected or
// possibly affected, each with its reason and severity; the alert's severity is its items' highest.
// States: new → acknowledged → in_remediation → resolved (resolution patched / mitigated /
// accepted_risk with a justification) or not_affected (with a VEX justification); an alert whose
// findings all disappear (a revision fixed the range, the asset was removed) is closed as
// "withdrawn" by the engine. Deadlines (acknowledge, remediate) per severity are set by each
// authority for its providers (defaults by the support centre, else built in: acknowledge
// critical/high within 48 h; remediate critical within 14 days, high within 30 days, medium 90,
// low none); an overdue alert is escalated once per deadline (event alert.overdue, visible to the
// authority). Every state change is audited and recorded in the alert's history.
//
// Authorisation: identity/policy.h (kReadAlerts, kHandleAlerts, kSetAlertDeadlines,
// kReadAlertStatistics). An advisory's TLP (identity::AllowedToSeeAdvisory) bounds its alerts: the
// engine raises none for a provider that may not see the advisory and withdraws those of a
// provider a new revision no longer reaches; every read (lists, details, transitions, dashboards)
// leaves out alerts whose advisory their provider or the reader may not see, as if missing.
// Thread-safety: every method may be called concurrently.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/error.h"
#include "identity/service.h"

namespace caduceus::storage {
class Database;
struct Migration;
}  // namespace caduceus::storage

namespace caduceus::advisories {

class AdvisoryService;
class PreparedAdvisory;

// Alert states and the transitions people may make (the engine alone makes "withdrawn"):
// new → acknowledged | not_affected; acknowledged → in_remediation | resolved | not_affected;
// in_remediation → resolved | not_affected; resolved | not_affected → acknowledged (reopen).
inline constexpr std::string_view kAlertStates[] = {"new",      "acknowledged", "in_remediation",
                                                    "resolved", "not_affected", "withdrawn"};
inline constexpr std::string_view kResolutions[] = {"patched", "mitigated", "accepted_risk"};
inline constexpr std::string_view kVexJustifications[] = {
    "component_not_present", "vulnerable_code_not_present",
    "vulnerable_code_cannot_be_controlled_by_adversary", "vulnerable_code_not_in_execute_path",
    "inline_mitigations_already_exist"};
inline constexpr std::string_view kSeverities[] = {"low", "medium", "high", "critical"};
bool TransitionAllowed(std::string_view from, std::string_view to);

// Bounds.
inline constexpr int kDefaultAlertPage = 50;
inline constexpr int kMaxAlertPage = 500;
inline constexpr std::size_t kMaxBulkIds = 1'000;
inline constexpr std::size_t kMaxJustificationBytes = 4'096;
inline constexpr int kMaxAckHours = 24 * 365;
inline constexpr int kMaxRemediateDays = 3 * 365;

// Deadlines of one severity; nullopt: none.
struct DeadlineRule {
  std::string severity;  // low .. critical
  std::optional<int> ack_hours;
  std::optional<int> remediate_days;
  std::string source;  // read: "authority", "support_centre" or "default"; ignored when set
};
// The built-in defaults: acknowledge critical/high within 48 h; remediate critical 14 days,
// high 30, medium 90, low none.
std::vector<DeadlineRule> DefaultDeadlines();

struct Deadlines {
  std::int64_t org_id = 0;          // the organisation they apply to
  std::vector<DeadlineRule> rules;  // one per severity, low .. critical
};

// What one run of the engine changed.
struct AlertChanges {
  int created = 0;
  int updated = 0;
  int withdrawn = 0;
  AlertChanges& operator+=(const AlertChanges& o) {
    created += o.created;
    updated += o.updated;
    withdrawn += o.withdrawn;
    return *this;
  }
};

struct AlertSummary {
  std::int64_t id = 0;
  std::int64_t org_id = 0;
  std::string org_name;
  std::int64_t org_parent_id = 0;
  std::int64_t advisory_id = 0;
  std::string advisory_key;
  std::string advisory_title;
  std::string state;
  std::optional<std::string> resolution;
  std::string justification;
  std::optional<std::string> vex_justification;
  std::string severity;
  bool kev = false;
  bool ransomware = false;
  bool patient_safety = false;
  int item_count = 0;
  std::optional<TimePoint> ack_due;
  std::optional<TimePoint> remediate_due;
  std::optional<TimePoint> acknowledged_at;
  std::optional<TimePoint> resolved_at;
  // "acknowledge" or "remediate" when a deadline has passed in a state that still owes it.
  std::optional<std::string> overdue;
  TimePoint created_at;
  TimePoint updated_at;
};

struct AlertItem {
  std::int64_t asset_id = 0;
  std::string vendor;  // the asset as it is now (empty when it was removed)
  std::string product;
  std::string version;
  std::string model_number;
  std::string location;
  std::string cve;
  int vulnerability_index = 0;
  std::string product_id;
  std::string decision;  // "affected" or "possibly_affected"
  std::string severity;
  std::string reason;
  std::string severity_reason;
};

struct AlertHistoryEntry {
  TimePoint at;
  std::optional<std::int64_t> user_id;
  std::optional<std::int64_t> org_id;
  std::string from_state;
  std::string to_state;
  std::string comment;
};

struct AlertDetail {
  AlertSummary summary;
  std::vector<AlertItem> items;
  std::vector<AlertHistoryEntry> history;  // oldest first
  bool can_handle = false;
};

struct AlertFilter {
  std::optional<std::string> state;  // one of kAlertStates, or "open" (new/acknowledged/in_rem.)
  std::optional<std::string> severity;
  std::optional<std::int64_t> advisory_id;
  std::optional<std::int64_t> org_id;
  bool overdue_only = false;
  int page = 1;
  int per_page = kDefaultAlertPage;
};

struct AlertPage {
  std::vector<AlertSummary> items;  // most severe, then newest first
  std::int64_t total = 0;
  int page = 1;
  int per_page = kDefaultAlertPage;
};

struct Transition {
  std::string to;
  std::optional<std::string> resolution;         // required for resolved
  std::string justification;                     // required for accepted_risk
  std::optional<std::string> vex_justification;  // required for not_affected
  std::string comment;
};

struct BulkResult {
  std::int64_t id = 0;
  std::optional<Error> error;  // nullopt: done
  std::optional<AlertSummary> alert;
};

// Dashboards.
struct SeverityCounts {
  std::int64_t low = 0, medium = 0, high = 0, critical = 0;
};
struct ExposedAsset {
  std::int64_t asset_id = 0;
  std::string vendor, product, version, location;
  std::int64_t open_alerts = 0;
  std::string max_severity;
};
struct AdvisoryExposure {
  std::int64_t advisory_id = 0;
  std::string advisory_key;
  std::string advisory_title;
  std::string severity;  // highest of its alerts
  std::int64_t affected_providers = 0;
  std::int64_t acknowledged_providers = 0;  // past "new" (or closed) but not withdrawn
  std::int64_t overdue_providers = 0;
};
struct ProviderExposure {
  std::int64_t org_id = 0;
  std::string org_name;
  std::string country;
  std::int64_t open = 0;
  std::int64_t overdue = 0;
};
struct CountryExposure {
  std::string country;
  std::int64_t affected_providers = 0;
  std::int64_t open = 0;
  std::int64_t overdue = 0;
};
struct Dashboard {
  std::string scope;  // "provider", "authority" or "support_centre"
  std::int64_t org_id = 0;
  SeverityCounts open;
  std::int64_t due_soon = 0;  // a deadline within 48 h
  std::int64_t overdue = 0;
  std::vector<ExposedAsset> most_exposed;    // provider: top 10
  std::vector<AdvisoryExposure> advisories;  // authority / support centre: top 50
  std::vector<ProviderExposure> providers;   // authority / support centre: top 100
  std::vector<CountryExposure> countries;    // support centre: per Member State
};

class AlertService {
 public:
  AlertService(storage::Database& db,
               const Clock& clock,
               identity::IdentityService& identity,
               AdvisoryService& advisories);
  ~AlertService();
  AlertService(const AlertService&) = delete;
  AlertService& operator=(const AlertService&) = delete;

  // Module "advisories_inventory" (adv_inventories, adv_inventory_uploads, adv_assets), then
  // "advisories_alerts" (adv_alerts, adv_alert_items, adv_alert_history, adv_deadlines,
  // adv_events), applied after "advisories".
  static std::span<const storage::Migration> InventoryMigrations();
  static std::span<const storage::Migration> Migrations();

  // Matches one advisory (its current revision) against every inventory, or every advisory when
  // advisory_id is 0; what AdvisoryService's change listener calls. Then MarkMatched. A storage
  // failure comes back as kUnavailable (the advisory stays unmatched until CatchUp).
  Status MatchAdvisory(std::int64_t advisory_id);
  // The same with the counts of what changed.
  Result<AlertChanges> MatchAdvisoryCounted(std::int64_t advisory_id);
  // Matches what AdvisoryService::UnmatchedAdvisoryIds lists (start-up catch-up).
  Result<AlertChanges> CatchUp();
  // Matches every advisory against one provider's current inventory.
  Result<AlertChanges> Reinventory(std::int64_t org_id);
  // Escalates alerts past a deadline that were not escalated yet; returns how many. Called by a
  // timer every minute (any hub may; a row is escalated once).
  Result<int> EscalateOverdue();

  // Alerts the actor may read (kReadAlerts on the provider). kInvalidArgument for a bad filter.
  Result<AlertPage> List(identity::Actor actor, const AlertFilter& filter);
  // kNotFound when the alert does not exist or the actor may not read it.
  Result<AlertDetail> Get(identity::Actor actor, std::int64_t alert_id);
  // kHandleAlerts: kNotFound when invisible, kPermissionDenied when visible but not the
  // provider's staff, kInvalidArgument for a missing / bad resolution or justification,
  // kConflict for a transition off the graph (or from withdrawn). Records history and appends
  // an alert.state event in the same transaction.
  Result<AlertSummary> Apply(identity::Actor actor, std::int64_t alert_id, const Transition& t);
  // The same for many alerts, each on its own; kInvalidArgument beyond kMaxBulkIds ids.
  Result<std::vector<BulkResult>> ApplyBulk(identity::Actor actor,
                                            std::span<const std::int64_t> ids,
                                            const Transition& t);

  // The deadlines that apply to the actor's organisation (a provider: its authority's; an
  // authority: its own, else the support centre's; the support centre: its own), or to `org_id`.
  Result<Deadlines> GetDeadlines(identity::Actor actor, std::optional<std::int64_t> org_id = {});
  // kSetAlertDeadlines on the actor's own organisation (authority or support centre). Rules for
  // severities not given are left as they are. Applies to alerts raised afterwards.
  Result<Deadlines> SetDeadlines(identity::Actor actor, const std::vector<DeadlineRule>& rules);

  // A provider's own (kReadAlerts), an authority's or the support centre's (kReadAlertStatistics).
  Result<Dashboard> GetDashboard(identity::Actor actor, std::optional<std::int64_t> org_id = {});

  // The engine's core, for tests and the benchmark: brings the alerts of `advisory_id` in line
  // with `prepared` against every inventory. `publish`: append advisory.published.
  Result<AlertChanges> MatchPrepared(std::int64_t advisory_id,
                                     std::shared_ptr<const PreparedAdvisory> prepared,
                                     bool publish);

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace caduceus::advisories
