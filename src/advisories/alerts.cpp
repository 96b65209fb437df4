#include "advisories/alerts.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <span>
#include <unordered_map>
#include <utility>

#include <boost/json.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "advisories/events.h"
#include "advisories/matcher.h"
#include "advisories/service.h"
#include "advisories/visibility.h"
#include "core/text.h"
#include "identity/policy.h"
#include "storage/database.h"

namespace caduceus::advisories {

namespace json = boost::json;
using identity::Actor;
using identity::OrgKind;
using identity::Permission;
using storage::Int;
using storage::Null;
using storage::Row;
using storage::Text;
using storage::Tx;
using storage::Value;

namespace {

constexpr storage::Migration kMigrations[] = {
    {1, "alerts, their items and history, deadlines, the event log", R"sql(
CREATE TABLE adv_alerts (
  id {{id}},
  org_id BIGINT NOT NULL REFERENCES organisations(id),
  org_parent_id BIGINT NOT NULL,
  advisory_id BIGINT NOT NULL,
  advisory_key TEXT NOT NULL,
  advisory_title TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('new', 'acknowledged', 'in_remediation', 'resolved',
                                       'not_affected', 'withdrawn')),
  resolution TEXT CHECK (resolution IN ('patched', 'mitigated', 'accepted_risk')),
  justification TEXT NOT NULL,
  vex_justification TEXT,
  severity TEXT NOT NULL CHECK (severity IN ('low', 'medium', 'high', 'critical')),
  kev INTEGER NOT NULL,
  ransomware INTEGER NOT NULL,
  patient_safety INTEGER NOT NULL,
  item_count BIGINT NOT NULL,
  ack_due_us BIGINT,
  remediate_due_us BIGINT,
  acknowledged_at_us BIGINT,
  resolved_at_us BIGINT,
  ack_escalated_us BIGINT,
  remediate_escalated_us BIGINT,
  created_at_us BIGINT NOT NULL,
  updated_at_us BIGINT NOT NULL,
  UNIQUE (org_id, advisory_id)
);
CREATE INDEX adv_alerts_org_state ON adv_alerts (org_id, state);
CREATE INDEX adv_alerts_parent_state ON adv_alerts (org_parent_id, state);
CREATE INDEX adv_alerts_advisory ON adv_alerts (advisory_id);

CREATE TABLE adv_alert_items (
  alert_id BIGINT NOT NULL REFERENCES adv_alerts(id) ON DELETE CASCADE,
  asset_id BIGINT NOT NULL,
  cve TEXT NOT NULL,
  vulnerability_index BIGINT NOT NULL,
  product_id TEXT NOT NULL,
  decision TEXT NOT NULL CHECK (decision IN ('affected', 'possibly_affected')),
  severity TEXT NOT NULL,
  reason TEXT NOT NULL,
  severity_reason TEXT NOT NULL,
  PRIMARY KEY (alert_id, asset_id, cve, vulnerability_index)
);
CREATE INDEX adv_alert_items_asset ON adv_alert_items (asset_id);

CREATE TABLE adv_alert_history (
  id {{id}},
  alert_id BIGINT NOT NULL REFERENCES adv_alerts(id) ON DELETE CASCADE,
  at_us BIGINT NOT NULL,
  user_id BIGINT,
  org_id BIGINT,
  from_state TEXT NOT NULL,
  to_state TEXT NOT NULL,
  comment TEXT NOT NULL
);
CREATE INDEX adv_alert_history_alert ON adv_alert_history (alert_id, id);

CREATE TABLE adv_deadlines (
  org_id BIGINT NOT NULL REFERENCES organisations(id),
  severity TEXT NOT NULL CHECK (severity IN ('low', 'medium', 'high', 'critical')),
  ack_hours BIGINT,
  remediate_days BIGINT,
  updated_by BIGINT,
  updated_at_us BIGINT NOT NULL,
  PRIMARY KEY (org_id, severity)
);

CREATE TABLE adv_events (
  id {{id}},
  org_id BIGINT NOT NULL,
  org_parent_id BIGINT NOT NULL,
  kind TEXT NOT NULL,
  alert_id BIGINT NOT NULL,
  advisory_id BIGINT NOT NULL,
  severity TEXT NOT NULL,
  payload TEXT NOT NULL,
  created_at_us BIGINT NOT NULL
);
)sql"},
};

// Serialises the engine's writes across hubs sharing one PostgreSQL.
constexpr std::int64_t kEngineLock = 0x416476416c657274;  // "AdvAlert"
constexpr std::size_t kBatch = 200;
constexpr std::size_t kOrgsPerQuery = 200;
constexpr std::size_t kMaxCommentBytes = 4'096;
constexpr std::int64_t kDueSoonUs = 48LL * 3600 * 1'000'000;
constexpr std::string_view kOpenStates = "('new', 'acknowledged', 'in_remediation')";

std::int64_t Micros(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
}
TimePoint FromMicros(std::int64_t us) {
  return TimePoint(std::chrono::duration_cast<TimePoint::duration>(std::chrono::microseconds(us)));
}
std::optional<TimePoint> OptTime(const Row& r, std::size_t i) {
  if (auto v = r.OptInt(i)) return FromMicros(*v);
  return std::nullopt;
}
Value OptInt(const std::optional<std::int64_t>& v) { return v ? Value(*v) : Null(); }
Value OptText(const std::optional<std::string>& v) { return v ? Value(*v) : Null(); }
json::value JsonTime(const std::optional<std::int64_t>& us) {
  if (!us) return nullptr;
  return json::value(FormatRfc3339(FromMicros(*us)));
}

int SeverityRank(std::string_view s) {
  for (int i = 0; i < 4; ++i) {
    if (kSeverities[i] == s) return i + 1;
  }
  return 0;
}
std::string SeverityOfRank(std::int64_t rank) {
  if (rank < 1 || rank > 4) return "";
  return std::string(kSeverities[rank - 1]);
}
constexpr std::string_view kRankSql =
    "CASE a.severity WHEN 'critical' THEN 4 WHEN 'high' THEN 3 WHEN 'medium' THEN 2 ELSE 1 END";

bool IsOneOf(std::string_view v, std::span<const std::string_view> set) {
  return std::find(set.begin(), set.end(), v) != set.end();
}

std::string InList(std::size_t n) {
  std::string out = "(";
  for (std::size_t i = 0; i < n; ++i) out += i == 0 ? "?" : ", ?";
  return out + ")";
}

// `ids` as query parameters, kOrgsPerQuery at a time, so that IN lists stay bounded.
std::vector<std::vector<Value>> IdBatches(std::span<const std::int64_t> ids) {
  std::vector<std::vector<Value>> batches;
  for (std::size_t start = 0; start < ids.size(); start += kOrgsPerQuery) {
    auto& params = batches.emplace_back();
    for (const auto id : ids.subspan(start, std::min(kOrgsPerQuery, ids.size() - start))) {
      params.push_back(Int(id));
    }
  }
  return batches;
}

// The overdue condition on alias a, with `now` bound twice.
constexpr std::string_view kOverdueSql =
    "((a.state = 'new' AND a.ack_due_us IS NOT NULL AND a.ack_due_us < ?) OR (a.state IN "
    "('new', 'acknowledged', 'in_remediation') AND a.remediate_due_us IS NOT NULL AND "
    "a.remediate_due_us < ?))";

// One (asset, vulnerability) the engine wants an alert to hold.
struct Item {
  std::int64_t asset_id = 0;
  std::string cve;
  std::int64_t vulnerability_index = 0;
  std::string product_id;
  std::string decision;
  std::string severity;
  std::string reason;
  std::string severity_reason;
  bool kev = false;
  bool ransomware = false;
  bool patient_safety = false;

  std::string Canonical() const {
    return fmt::format("{}\x1f{}\x1f{}\x1f{}\x1f{}\x1f{}\x1f{}", asset_id, cve, vulnerability_index,
                       decision, severity, reason, severity_reason);
  }
};

struct AdvisoryMeta {
  std::int64_t id = 0;
  std::string key;
  std::string title;
};

// An alert the engine wants to exist.
struct Wanted {
  std::int64_t org_id = 0;
  const AdvisoryMeta* advisory = nullptr;
  std::vector<Item> items;
};

struct Existing {
  std::int64_t id = 0;
  std::int64_t org_id = 0;
  std::int64_t advisory_id = 0;
  std::string state;
  std::string severity;
  std::int64_t created_at_us = 0;
  std::vector<std::string> items;  // canonical, sorted
};

struct OrgInfo {
  OrgKind kind = OrgKind::kProvider;
  std::int64_t parent_id = 0;
};

// Deadline rules by organisation, the support centre, the organisations' parents: read once per
// engine transaction.
struct DeadlineBook {
  std::map<std::pair<std::int64_t, std::string>, std::pair<std::optional<int>, std::optional<int>>>
      rows;
  std::int64_t support_centre = 0;

  DeadlineRule For(std::int64_t authority_id, const std::string& severity) const {
    for (const auto& [org, source] :
         {std::pair{authority_id, "authority"}, std::pair{support_centre, "support_centre"}}) {
      if (org == 0) continue;
      const auto it = rows.find({org, severity});
      if (it != rows.end()) return {severity, it->second.first, it->second.second, source};
    }
    for (const auto& d : DefaultDeadlines()) {
      if (d.severity == severity) return d;
    }
    return {severity, std::nullopt, std::nullopt, "default"};
  }
};

DeadlineBook LoadDeadlines(Tx& tx) {
  DeadlineBook book;
  for (const auto& r :
       tx.Exec("SELECT org_id, severity, ack_hours, remediate_days FROM adv_deadlines").rows) {
    std::optional<int> ack, rem;
    if (auto v = r.OptInt(2)) ack = static_cast<int>(*v);
    if (auto v = r.OptInt(3)) rem = static_cast<int>(*v);
    book.rows[{r.Int(0), r.Text(1)}] = {ack, rem};
  }
  if (auto sc = tx.One("SELECT MIN(id) FROM organisations WHERE kind = 'support_centre'");
      sc && !sc->IsNull(0)) {
    book.support_centre = sc->Int(0);
  }
  return book;
}

DeadlineBook LoadDeadlines(storage::Database& db) {
  return db.Read([](Tx& tx) { return LoadDeadlines(tx); });
}

std::pair<std::optional<std::int64_t>, std::optional<std::int64_t>> DueTimes(
    const DeadlineBook& book,
    std::int64_t authority_id,
    const std::string& severity,
    std::int64_t from_us) {
  const DeadlineRule rule = book.For(authority_id, severity);
  std::optional<std::int64_t> ack, rem;
  if (rule.ack_hours) ack = from_us + static_cast<std::int64_t>(*rule.ack_hours) * 3'600'000'000;
  if (rule.remediate_days) {
    rem = from_us + static_cast<std::int64_t>(*rule.remediate_days) * 86'400'000'000;
  }
  return {ack, rem};
}

std::string DecisionLabel(Decision d) {
  return d == Decision::kAffected ? "affected" : "possibly_affected";
}

void InsertItems(Tx& tx, std::int64_t alert_id, const std::vector<Item>& items) {
  for (std::size_t start = 0; start < items.size(); start += kBatch) {
    const std::size_t end = std::min(items.size(), start + kBatch);
    std::string sql =
        "INSERT INTO adv_alert_items (alert_id, asset_id, cve, vulnerability_index, product_id, "
        "decision, severity, reason, severity_reason) VALUES ";
    std::vector<Value> params;
    params.reserve((end - start) * 9);
    for (std::size_t i = start; i < end; ++i) {
      sql += i == start ? "(?, ?, ?, ?, ?, ?, ?, ?, ?)" : ", (?, ?, ?, ?, ?, ?, ?, ?, ?)";
      const Item& it = items[i];
      params.insert(params.end(),
                    {Int(alert_id), Int(it.asset_id), Text(it.cve), Int(it.vulnerability_index),
                     Text(it.product_id), Text(it.decision), Text(it.severity), Text(it.reason),
                     Text(it.severity_reason)});
    }
    tx.Exec(sql, params);
  }
}

struct Aggregate {
  std::string severity = "low";
  bool kev = false, ransomware = false, patient_safety = false;
  std::int64_t assets = 0;
  json::array cves;
};

Aggregate Summarise(const std::vector<Item>& items) {
  Aggregate a;
  int rank = 1;
  std::set<std::int64_t> assets;
  std::set<std::string> cves;
  for (const auto& it : items) {
    rank = std::max(rank, SeverityRank(it.severity));
    a.kev = a.kev || it.kev;
    a.ransomware = a.ransomware || it.ransomware;
    a.patient_safety = a.patient_safety || it.patient_safety;
    assets.insert(it.asset_id);
    if (!it.cve.empty()) cves.insert(it.cve);
  }
  a.severity = SeverityOfRank(rank);
  a.assets = static_cast<std::int64_t>(assets.size());
  for (const auto& c : cves) a.cves.push_back(json::value(c));
  return a;
}

void History(Tx& tx,
             std::int64_t alert_id,
             std::int64_t now_us,
             std::optional<std::int64_t> user,
             std::optional<std::int64_t> org,
             std::string_view from,
             std::string_view to,
             std::string_view comment) {
  tx.Exec(
      "INSERT INTO adv_alert_history (alert_id, at_us, user_id, org_id, from_state, to_state, "
      "comment) VALUES (?, ?, ?, ?, ?, ?, ?)",
      {Int(alert_id), Int(now_us), OptInt(user), OptInt(org), Text(std::string(from)),
       Text(std::string(to)), Text(std::string(comment))});
}

constexpr std::string_view kAlertColumns =
    "a.id, a.org_id, o.name, a.org_parent_id, a.advisory_id, a.advisory_key, a.advisory_title, "
    "a.state, a.resolution, a.justification, a.vex_justification, a.severity, a.kev, "
    "a.ransomware, a.patient_safety, a.item_count, a.ack_due_us, a.remediate_due_us, "
    "a.acknowledged_at_us, a.resolved_at_us, a.created_at_us, a.updated_at_us";
constexpr std::string_view kAlertFrom = "FROM adv_alerts a JOIN organisations o ON o.id = a.org_id";

AlertSummary ReadAlert(const Row& r, std::int64_t now_us) {
  AlertSummary s;
  s.id = r.Int(0);
  s.org_id = r.Int(1);
  s.org_name = r.Text(2);
  s.org_parent_id = r.Int(3);
  s.advisory_id = r.Int(4);
  s.advisory_key = r.Text(5);
  s.advisory_title = r.Text(6);
  s.state = r.Text(7);
  s.resolution = r.OptText(8);
  s.justification = r.Text(9);
  s.vex_justification = r.OptText(10);
  s.severity = r.Text(11);
  s.kev = r.Int(12) != 0;
  s.ransomware = r.Int(13) != 0;
  s.patient_safety = r.Int(14) != 0;
  s.item_count = static_cast<int>(r.Int(15));
  const auto ack = r.OptInt(16);
  const auto rem = r.OptInt(17);
  s.ack_due = OptTime(r, 16);
  s.remediate_due = OptTime(r, 17);
  s.acknowledged_at = OptTime(r, 18);
  s.resolved_at = OptTime(r, 19);
  s.created_at = FromMicros(r.Int(20));
  s.updated_at = FromMicros(r.Int(21));
  if (s.state == "new" && ack && *ack < now_us) {
    s.overdue = "acknowledge";
  } else if ((s.state == "new" || s.state == "acknowledged" || s.state == "in_remediation") &&
             rem && *rem < now_us) {
    s.overdue = "remediate";
  }
  return s;
}

// The SQL condition (on alias a) for the alerts whose advisory both their provider and the reader
// may see (identity::AllowedToSeeAdvisory). The engine withdraws the alerts of a provider that
// may no longer see their advisory; this keeps them, and the title and CVEs they carry, out of
// every read as well.
std::string AdvisoryVisibleCondition(Actor actor, std::vector<Value>& params) {
  AdvisoryPredicate reader = VisiblePredicate(ViewerOf(actor), "adv");
  params.insert(params.end(), reader.params.begin(), reader.params.end());
  return fmt::format(
      "EXISTS (SELECT 1 FROM adv_advisories adv JOIN organisations vo ON vo.id = a.org_id WHERE "
      "adv.id = a.advisory_id AND {} AND {})",
      VisibleToOrgSql("adv", "vo"), reader.sql);
}

// The SQL condition (on alias a) for the providers whose alerts the actor may read, as
// kReadAlerts decides.
std::string ProviderCondition(Actor actor, std::vector<Value>& params) {
  if (!actor.principal) return "1 = 1";
  const auto& p = *actor.principal;
  switch (p.org_kind) {
    case OrgKind::kSupportCentre:
      return "1 = 1";
    case OrgKind::kAuthority:
      params.push_back(Int(p.organisation_id));
      return "a.org_parent_id = ?";
    case OrgKind::kProvider:
      params.push_back(Int(p.organisation_id));
      return "a.org_id = ?";
  }
  return "1 = 0";
}

// The alerts the actor may read: of providers it may read, about advisories it may see.
std::string VisibleCondition(Actor actor, std::vector<Value>& params) {
  std::string providers = ProviderCondition(actor, params);
  return providers + " AND " + AdvisoryVisibleCondition(actor, params);
}

}  // namespace

bool TransitionAllowed(std::string_view from, std::string_view to) {
  static constexpr std::pair<std::string_view, std::string_view> kEdges[] = {
      {"new", "acknowledged"},
      {"new", "not_affected"},
      {"acknowledged", "in_remediation"},
      {"acknowledged", "resolved"},
      {"acknowledged", "not_affected"},
      {"in_remediation", "resolved"},
      {"in_remediation", "not_affected"},
      {"resolved", "acknowledged"},
      {"not_affected", "acknowledged"},
  };
  return std::find(std::begin(kEdges), std::end(kEdges), std::pair{from, to}) != std::end(kEdges);
}

std::vector<DeadlineRule> DefaultDeadlines() {
  return {{"low", std::nullopt, std::nullopt, "default"},
          {"medium", std::nullopt, 90, "default"},
          {"high", 48, 30, "default"},
          {"critical", 48, 14, "default"}};
}

class AlertService::Impl {
 public:
  Impl(storage::Database& db,
       const Clock& clock,
       identity::IdentityService& identity,
       AdvisoryService& advisories)
      : db_(db), clock_(clock), identity_(identity), advisories_(advisories) {}

  storage::Database& db_;
  const Clock& clock_;
  identity::IdentityService& identity_;
  AdvisoryService& advisories_;

  // Everything below is guarded by engine_mutex_: one engine run at a time in this hub.
  std::mutex engine_mutex_;
  AssetIndex assets_;
  std::vector<std::int64_t> handle_org_;
  struct OrgAssets {
    std::int64_t revision = -1;
    std::vector<std::uint32_t> handles;
  };
  std::unordered_map<std::int64_t, OrgAssets> orgs_;
  AdvisoryIndex advisory_index_;
  struct Known {
    std::int64_t revision = 0;
    std::shared_ptr<const PreparedAdvisory> prepared;
    AdvisoryMeta meta;
  };
  std::unordered_map<std::int64_t, Known> advisories_known_;
  std::unordered_map<std::string, std::int64_t> advisory_by_key_;

  // The tables matching reads, fetched at the start of each run.
  struct Tables {
    std::shared_ptr<const KevCatalogue> kev;
    std::shared_ptr<const AliasTables> aliases;
    MatchOptions options;
  };

  Tables LoadTables() {
    Tables t;
    if (auto kev = advisories_.Kev()) t.kev = *kev;
    if (auto aliases = advisories_.Aliases()) t.aliases = *aliases;
    if (t.kev) t.options.kev = t.kev.get();
    if (t.aliases) {
      t.options.vendor_aliases = &t.aliases->vendors;
      t.options.product_aliases = &t.aliases->products;
    }
    return t;
  }

  static Asset AssetOfRow(const Row& r) {
    Asset a;
    a.vendor = r.Text(2);
    a.product = r.Text(3);
    a.version = r.Text(4);
    a.model_number = r.Text(5);
    a.cpe = r.Text(6);
    a.purl = r.Text(7);
    if (auto v = r.OptInt(8)) a.patient_safety_critical = *v != 0;
    return a;
  }

  static constexpr std::string_view kAssetSelect =
      "SELECT id, org_id, vendor, product, version, model_number, cpe, purl, "
      "patient_safety_critical FROM adv_assets WHERE org_id IN ";

  // Brings the in-memory index in line with every inventory whose revision changed.
  void RefreshAssets() {
    std::vector<std::pair<std::int64_t, std::int64_t>> stale;
    for (const auto& r : db_.Query("SELECT org_id, revision FROM adv_inventories").rows) {
      const auto it = orgs_.find(r.Int(0));
      if (it == orgs_.end() || it->second.revision != r.Int(1))
        stale.emplace_back(r.Int(0), r.Int(1));
    }
    for (std::size_t start = 0; start < stale.size(); start += kOrgsPerQuery) {
      const std::size_t end = std::min(stale.size(), start + kOrgsPerQuery);
      std::vector<Value> params;
      for (std::size_t i = start; i < end; ++i) {
        auto& state = orgs_[stale[i].first];
        for (const auto h : state.handles) assets_.Remove(h);
        state.handles.clear();
        state.revision = stale[i].second;
        params.push_back(Int(stale[i].first));
      }
      const auto rows =
          db_.Query(fmt::format("{}{} ORDER BY id", kAssetSelect, InList(params.size())), params);
      for (const auto& r : rows.rows) {
        const std::uint32_t h = assets_.Add(static_cast<std::uint64_t>(r.Int(0)), AssetOfRow(r));
        if (handle_org_.size() <= h) handle_org_.resize(h + 1, 0);
        handle_org_[h] = r.Int(1);
        orgs_[r.Int(1)].handles.push_back(h);
      }
    }
  }

  void Remember(std::int64_t id,
                std::int64_t revision,
                std::shared_ptr<const PreparedAdvisory> prepared) {
    Known k;
    k.revision = revision;
    k.meta = {id, prepared->key(), prepared->advisory().title};
    k.prepared = prepared;
    advisory_index_.Add(prepared);
    advisory_by_key_[prepared->key()] = id;
    advisories_known_[id] = std::move(k);
  }

  // Loads advisories the index does not hold at their current revision.
  Status RefreshAdvisories() {
    std::vector<std::pair<std::int64_t, std::int64_t>> listed;
    try {
      for (const auto& r : db_.Query("SELECT id, revision FROM adv_advisories").rows) {
        listed.emplace_back(r.Int(0), r.Int(1));
      }
    } catch (const storage::StorageError&) {
      auto ids = advisories_.AdvisoryIds();
      if (!ids) return ids.error();
      for (auto id : *ids) listed.emplace_back(id, -1);
    }
    for (const auto& [id, revision] : listed) {
      const auto it = advisories_known_.find(id);
      if (it != advisories_known_.end() && (revision < 0 || it->second.revision == revision)) {
        continue;
      }
      auto current = advisories_.Prepared(id);
      if (!current) {
        // One unreadable advisory must not stop matching against the others.
        if (current.error().code != Errc::kNotFound) {
          spdlog::warn("alerts: advisory {} left out of matching: {}", id, current.error().message);
        }
        continue;
      }
      Remember(id, current->revision, current->prepared);
    }
    return {};
  }

  // The parents of the organisations the alerts `wanted` and `existing` concern, read in the
  // engine's transaction.
  static std::unordered_map<std::int64_t, OrgInfo> LoadOrgs(Tx& tx,
                                                            const std::vector<Wanted>& wanted,
                                                            const std::vector<Existing>& existing) {
    std::set<std::int64_t> ids;
    for (const auto& w : wanted) ids.insert(w.org_id);
    for (const auto& e : existing) ids.insert(e.org_id);
    const std::vector<std::int64_t> list(ids.begin(), ids.end());
    std::unordered_map<std::int64_t, OrgInfo> out;
    for (const auto& params : IdBatches(list)) {
      for (const auto& r :
           tx.Exec(fmt::format("SELECT id, kind, parent_id FROM organisations WHERE id IN {}",
                               InList(params.size())),
                   params)
               .rows) {
        out[r.Int(0)] = {identity::ParseOrgKind(r.Text(1)).value_or(OrgKind::kProvider),
                         r.OptInt(2).value_or(0)};
      }
    }
    return out;
  }

  static Item ItemOf(const Finding& f, const PreparedAdvisory& advisory) {
    Item it;
    it.asset_id = static_cast<std::int64_t>(f.asset_id);
    const auto& vulns = advisory.advisory().vulnerabilities;
    if (f.vulnerability < vulns.size()) it.cve = vulns[f.vulnerability].cve;
    it.vulnerability_index = f.vulnerability;
    const auto& products = advisory.advisory().products;
    if (f.product < products.size()) it.product_id = products[f.product].product_id;
    it.decision = DecisionLabel(f.decision);
    if (f.severity) {
      it.severity = std::string(SeverityName(f.severity->severity));
      it.severity_reason = f.severity->reason;
      it.kev = f.severity->known_exploited;
      it.ransomware = f.severity->known_ransomware_use;
      it.patient_safety = f.severity->patient_safety_critical;
    } else {
      it.severity = "medium";
    }
    it.reason = f.Sentence();
    return it;
  }

  static bool Counts(const Finding& f) {
    return f.decision == Decision::kAffected || f.decision == Decision::kPossiblyAffected;
  }

  // Loads the alerts (with their items) selected by `where` on alias a.
  static std::vector<Existing> LoadExisting(Tx& tx,
                                            std::string_view where,
                                            std::initializer_list<Value> params) {
    std::vector<Existing> out;
    std::unordered_map<std::int64_t, std::size_t> pos;
    for (const auto& r :
         tx.Exec(fmt::format("SELECT a.id, a.org_id, a.advisory_id, a.state, a.severity, "
                             "a.created_at_us FROM adv_alerts a WHERE {}",
                             where),
                 params)
             .rows) {
      pos[r.Int(0)] = out.size();
      out.push_back({r.Int(0), r.Int(1), r.Int(2), r.Text(3), r.Text(4), r.Int(5), {}});
    }
    if (out.empty()) return out;
    for (const auto& r :
         tx.Exec(fmt::format("SELECT i.alert_id, i.asset_id, i.cve, i.vulnerability_index, "
                             "i.decision, i.severity, i.reason, i.severity_reason FROM "
                             "adv_alert_items i JOIN adv_alerts a ON a.id = i.alert_id WHERE {}",
                             where),
                 params)
             .rows) {
      Item it;
      it.asset_id = r.Int(1);
      it.cve = r.Text(2);
      it.vulnerability_index = r.Int(3);
      it.decision = r.Text(4);
      it.severity = r.Text(5);
      it.reason = r.Text(6);
      it.severity_reason = r.Text(7);
      out[pos.at(r.Int(0))].items.push_back(it.Canonical());
    }
    for (auto& e : out) std::sort(e.items.begin(), e.items.end());
    return out;
  }

  // Removes from `wanted` the alerts whose provider may not see their advisory
  // (identity::AllowedToSeeAdvisory, read in the engine's transaction) and returns their
  // (provider, advisory) pairs. Every provider sees a public advisory, so only the others are
  // asked about provider by provider.
  static std::set<std::pair<std::int64_t, std::int64_t>> DropHidden(Tx& tx,
                                                                    std::vector<Wanted>& wanted) {
    std::map<std::int64_t, std::vector<std::int64_t>> orgs_by_advisory;
    for (const auto& w : wanted) orgs_by_advisory[w.advisory->id].push_back(w.org_id);
    std::vector<std::int64_t> ids;
    ids.reserve(orgs_by_advisory.size());
    for (const auto& entry : orgs_by_advisory) ids.push_back(entry.first);
    std::set<std::int64_t> restricted;
    std::set<std::pair<std::int64_t, std::int64_t>> visible;
    for (const auto& params : IdBatches(ids)) {
      for (const auto& r : tx.Exec(fmt::format("SELECT id, tlp FROM adv_advisories WHERE id IN {}",
                                               InList(params.size())),
                                   params)
                               .rows) {
        const std::int64_t advisory_id = r.Int(0);
        if (!identity::AdvisoryIsPublic(AdvisoryTlp(r.OptText(1)))) {
          restricted.insert(advisory_id);
          continue;
        }
        for (const auto org : orgs_by_advisory.at(advisory_id)) visible.emplace(org, advisory_id);
      }
    }
    for (const auto advisory_id : restricted) {
      for (auto params : IdBatches(orgs_by_advisory.at(advisory_id))) {
        params.insert(params.begin(), Int(advisory_id));
        for (const auto& r :
             tx.Exec(fmt::format("SELECT vo.id FROM organisations vo JOIN adv_advisories adv ON "
                                 "adv.id = ? WHERE vo.id IN {} AND {}",
                                 InList(params.size() - 1), VisibleToOrgSql("adv", "vo")),
                     params)
                 .rows) {
          visible.emplace(r.Int(0), advisory_id);
        }
      }
    }
    std::set<std::pair<std::int64_t, std::int64_t>> hidden;
    std::erase_if(wanted, [&](const Wanted& w) {
      const std::pair<std::int64_t, std::int64_t> pair{w.org_id, w.advisory->id};
      if (visible.count(pair) != 0) return false;
      hidden.insert(pair);
      return true;
    });
    return hidden;
  }

  // Brings the alerts `existing` covers in line with `wanted` (each wanted alert must be in the
  // scope `existing` was loaded for), leaving out what the provider may not see. Appends the
  // events.
  AlertChanges Sync(Tx& tx,
                    std::vector<Existing> existing,
                    std::vector<Wanted>& wanted,
                    const DeadlineBook& deadlines,
                    std::int64_t now_us) {
    AlertChanges changes;
    const auto hidden = DropHidden(tx, wanted);
    const auto orgs = LoadOrgs(tx, wanted, existing);
    std::map<std::pair<std::int64_t, std::int64_t>, const Existing*> by_pair;
    for (const auto& e : existing) by_pair[{e.org_id, e.advisory_id}] = &e;
    std::set<std::int64_t> kept;
    const TimePoint now = FromMicros(now_us);
    for (auto& w : wanted) {
      std::sort(w.items.begin(), w.items.end(), [](const Item& x, const Item& y) {
        return std::tie(x.asset_id, x.cve, x.vulnerability_index) <
               std::tie(y.asset_id, y.cve, y.vulnerability_index);
      });
      const auto org_it = orgs.find(w.org_id);
      const std::int64_t parent = org_it == orgs.end() ? 0 : org_it->second.parent_id;
      const Aggregate agg = Summarise(w.items);
      const auto e_it = by_pair.find({w.org_id, w.advisory->id});
      const Existing* e = e_it == by_pair.end() ? nullptr : e_it->second;
      if (e) kept.insert(e->id);
      std::int64_t alert_id = 0;
      std::string kind;
      std::optional<std::int64_t> ack_due, rem_due;
      if (!e) {
        std::tie(ack_due, rem_due) = DueTimes(deadlines, parent, agg.severity, now_us);
        alert_id =
            tx.One(
                  "INSERT INTO adv_alerts (org_id, org_parent_id, advisory_id, advisory_key, "
                  "advisory_title, state, justification, severity, kev, ransomware, "
                  "patient_safety, item_count, ack_due_us, remediate_due_us, created_at_us, "
                  "updated_at_us) VALUES (?, ?, ?, ?, ?, 'new', '', ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                  "RETURNING id",
                  {Int(w.org_id), Int(parent), Int(w.advisory->id), Text(w.advisory->key),
                   Text(w.advisory->title), Text(agg.severity), Int(agg.kev), Int(agg.ransomware),
                   Int(agg.patient_safety), Int(static_cast<std::int64_t>(w.items.size())),
                   OptInt(ack_due), OptInt(rem_due), Int(now_us), Int(now_us)})
                ->Int(0);
        History(tx, alert_id, now_us, std::nullopt, std::nullopt, "", "new", "raised by matching");
        InsertItems(tx, alert_id, w.items);
        kind = "alert.created";
        ++changes.created;
      } else {
        std::vector<std::string> canon;
        canon.reserve(w.items.size());
        for (const auto& it : w.items) canon.push_back(it.Canonical());
        std::sort(canon.begin(), canon.end());
        const bool reopened = e->state == "withdrawn";
        if (!reopened && canon == e->items) continue;
        alert_id = e->id;
        const std::int64_t from = reopened ? now_us : e->created_at_us;
        std::tie(ack_due, rem_due) = DueTimes(deadlines, parent, agg.severity, from);
        tx.Exec("DELETE FROM adv_alert_items WHERE alert_id = ?", {Int(alert_id)});
        InsertItems(tx, alert_id, w.items);
        if (reopened) {
          tx.Exec(
              "UPDATE adv_alerts SET state = 'new', resolution = NULL, justification = '', "
              "vex_justification = NULL, severity = ?, kev = ?, ransomware = ?, patient_safety = "
              "?, item_count = ?, ack_due_us = ?, remediate_due_us = ?, acknowledged_at_us = "
              "NULL, resolved_at_us = NULL, ack_escalated_us = NULL, remediate_escalated_us = "
              "NULL, org_parent_id = ?, advisory_key = ?, advisory_title = ?, updated_at_us = ? "
              "WHERE id = ?",
              {Text(agg.severity), Int(agg.kev), Int(agg.ransomware), Int(agg.patient_safety),
               Int(static_cast<std::int64_t>(w.items.size())), OptInt(ack_due), OptInt(rem_due),
               Int(parent), Text(w.advisory->key), Text(w.advisory->title), Int(now_us),
               Int(alert_id)});
          History(tx, alert_id, now_us, std::nullopt, std::nullopt, "withdrawn", "new",
                  "raised again by matching");
          kind = "alert.created";
          ++changes.created;
        } else {
          // Deadlines follow a changed severity only while they are still owed.
          const bool severity_changed = e->severity != agg.severity;
          tx.Exec(
              "UPDATE adv_alerts SET severity = ?, kev = ?, ransomware = ?, patient_safety = ?, "
              "item_count = ?, ack_due_us = CASE WHEN ? = 1 AND state = 'new' THEN ? ELSE "
              "ack_due_us END, remediate_due_us = CASE WHEN ? = 1 AND state IN ('new', "
              "'acknowledged', 'in_remediation') THEN ? ELSE remediate_due_us END, advisory_key = "
              "?, advisory_title = ?, updated_at_us = ? WHERE id = ?",
              {Text(agg.severity), Int(agg.kev), Int(agg.ransomware), Int(agg.patient_safety),
               Int(static_cast<std::int64_t>(w.items.size())), Int(severity_changed),
               OptInt(ack_due), Int(severity_changed), OptInt(rem_due), Text(w.advisory->key),
               Text(w.advisory->title), Int(now_us), Int(alert_id)});
          kind = "alert.updated";
          ++changes.updated;
        }
      }
      json::object payload{{"alert_id", alert_id},
                           {"advisory_id", w.advisory->id},
                           {"advisory_key", w.advisory->key},
                           {"title", w.advisory->title},
                           {"severity", agg.severity},
                           {"assets", agg.assets},
                           {"cves", agg.cves},
                           {"kev", agg.kev},
                           {"ack_due", JsonTime(ack_due)},
                           {"remediate_due", JsonTime(rem_due)}};
      AppendEvent(tx,
                  {w.org_id, parent, kind, alert_id, w.advisory->id, agg.severity,
                   json::serialize(payload)},
                  now);
    }
    for (const auto& e : existing) {
      if (kept.count(e.id) != 0 || e.state == "withdrawn") continue;
      const auto org_it = orgs.find(e.org_id);
      const std::int64_t parent = org_it == orgs.end() ? 0 : org_it->second.parent_id;
      tx.Exec("DELETE FROM adv_alert_items WHERE alert_id = ?", {Int(e.id)});
      tx.Exec(
          "UPDATE adv_alerts SET state = 'withdrawn', item_count = 0, updated_at_us = ? WHERE id "
          "= ?",
          {Int(now_us), Int(e.id)});
      History(tx, e.id, now_us, std::nullopt, std::nullopt, e.state, "withdrawn",
              hidden.count({e.org_id, e.advisory_id}) != 0
                  ? "the advisory's TLP no longer lets this provider see it"
                  : "no affected asset left");
      AppendEvent(
          tx,
          {e.org_id, parent, "alert.state", e.id, e.advisory_id, e.severity,
           json::serialize(json::object{
               {"alert_id", e.id}, {"from", e.state}, {"to", "withdrawn"}, {"by", "matching"}})},
          now);
      ++changes.withdrawn;
    }
    return changes;
  }

  static json::object PublishedPayload(std::int64_t id,
                                       const PreparedAdvisory& p,
                                       const KevCatalogue* kev,
                                       std::string& severity) {
    const Advisory& a = p.advisory();
    std::set<std::string> vendors, products, cves;
    for (const auto& prod : a.products) {
      if (!prod.vendor.empty()) vendors.insert(prod.vendor);
      if (!prod.product_name.empty()) products.insert(prod.product_name);
    }
    double max_score = -1;
    bool in_kev = false;
    for (const auto& v : a.vulnerabilities) {
      if (!v.cve.empty()) cves.insert(v.cve);
      if (kev && !v.cve.empty() && kev->Find(v.cve)) in_kev = true;
      for (const auto& s : v.scores) max_score = std::max(max_score, s.base_score);
    }
    severity = max_score < 0      ? "medium"
               : max_score >= 9.0 ? "critical"
               : max_score >= 7.0 ? "high"
               : max_score >= 4.0 ? "medium"
                                  : "low";
    auto arr = [](const std::set<std::string>& s) {
      json::array out;
      for (const auto& x : s) {
        if (out.size() >= 100) break;
        out.push_back(json::value(x));
      }
      return out;
    };
    return {{"advisory_id", id},       {"advisory_key", p.key()},
            {"title", a.title},        {"severity", severity},
            {"vendors", arr(vendors)}, {"products", arr(products)},
            {"cves", arr(cves)},       {"kev", in_kev}};
  }

  // Matches one advisory against every inventory held in memory. engine_mutex_ held, assets
  // refreshed.
  AlertChanges MatchLocked(std::int64_t advisory_id,
                           const std::shared_ptr<const PreparedAdvisory>& prepared,
                           bool publish,
                           const Tables& tables) {
    const auto findings = advisories::MatchAdvisory(*prepared, assets_, tables.options);
    const AdvisoryMeta meta{advisory_id, prepared->key(), prepared->advisory().title};
    std::map<std::int64_t, Wanted> by_org;
    for (const auto& f : findings) {
      if (!Counts(f) || f.asset >= handle_org_.size()) continue;
      const std::int64_t org = handle_org_[f.asset];
      auto& w = by_org[org];
      w.org_id = org;
      w.advisory = &meta;
      w.items.push_back(ItemOf(f, *prepared));
    }
    std::vector<Wanted> wanted;
    wanted.reserve(by_org.size());
    for (auto& [org, w] : by_org) wanted.push_back(std::move(w));
    return db_.Transact([&](Tx& tx) {
      tx.LockExclusive(kEngineLock);
      const DeadlineBook deadlines = LoadDeadlines(tx);
      const std::int64_t now_us = Micros(clock_.Now());
      auto existing = LoadExisting(tx, "a.advisory_id = ?", {Int(advisory_id)});
      std::vector<Wanted> copy = wanted;
      AlertChanges c = Sync(tx, std::move(existing), copy, deadlines, now_us);
      if (publish) {
        std::string severity;
        const json::object payload =
            PublishedPayload(advisory_id, *prepared, tables.options.kev, severity);
        AppendEvent(
            tx, {0, 0, "advisory.published", 0, advisory_id, severity, json::serialize(payload)},
            FromMicros(now_us));
      }
      return c;
    });
  }

  // Whether the advisory's current revision was matched already (false when unknown).
  bool Matched(std::int64_t advisory_id, std::int64_t revision) {
    try {
      const auto row = db_.QueryOne("SELECT matched_revision FROM adv_advisories WHERE id = ?",
                                    {Int(advisory_id)});
      return row && !row->IsNull(0) && row->Int(0) >= revision;
    } catch (const storage::StorageError&) {
      return false;
    }
  }

  Result<AlertChanges> MatchIds(const std::vector<std::int64_t>& ids) {
    const std::lock_guard lock(engine_mutex_);
    RefreshAssets();
    const Tables tables = LoadTables();
    AlertChanges total;
    std::optional<Error> first_error;
    for (const std::int64_t id : ids) {
      auto current = advisories_.Prepared(id);
      if (!current) {
        if (current.error().code == Errc::kNotFound) continue;
        spdlog::warn("alerts: advisory {} not matched: {}", id, current.error().message);
        if (!first_error) first_error = current.error();
        continue;
      }
      const bool publish = !Matched(id, current->revision);
      Remember(id, current->revision, current->prepared);
      total += MatchLocked(id, current->prepared, publish, tables);
      if (auto marked = advisories_.MarkMatched(id, current->revision); !marked) {
        if (!first_error) first_error = marked.error();
      }
    }
    if (first_error) return *first_error;
    return total;
  }
};

AlertService::AlertService(storage::Database& db,
                           const Clock& clock,
                           identity::IdentityService& identity,
                           AdvisoryService& advisories)
    : impl_(std::make_unique<Impl>(db, clock, identity, advisories)) {}

AlertService::~AlertService() = default;

std::span<const storage::Migration> AlertService::Migrations() { return kMigrations; }

Status AlertService::MatchAdvisory(std::int64_t advisory_id) {
  // Called after the advisory's commit: a storage failure here must not fail the import; the
  // advisory stays unmatched and CatchUp picks it up.
  try {
    auto r = MatchAdvisoryCounted(advisory_id);
    if (!r) return r.error();
  } catch (const storage::StorageError& e) {
    return Error{Errc::kUnavailable, fmt::format("matching failed: {}", e.what()), {}};
  }
  return {};
}

Result<AlertChanges> AlertService::MatchAdvisoryCounted(std::int64_t advisory_id) {
  if (advisory_id != 0) return impl_->MatchIds({advisory_id});
  auto ids = impl_->advisories_.AdvisoryIds();
  if (!ids) return ids.error();
  return impl_->MatchIds(*ids);
}

Result<AlertChanges> AlertService::CatchUp() {
  auto ids = impl_->advisories_.UnmatchedAdvisoryIds();
  if (!ids) return ids.error();
  return impl_->MatchIds(*ids);
}

Result<AlertChanges> AlertService::MatchPrepared(std::int64_t advisory_id,
                                                 std::shared_ptr<const PreparedAdvisory> prepared,
                                                 bool publish) {
  if (!prepared) return Error::Invalid("no advisory");
  Impl& m = *impl_;
  const std::lock_guard lock(m.engine_mutex_);
  m.RefreshAssets();
  const auto tables = m.LoadTables();
  const auto known = m.advisories_known_.find(advisory_id);
  m.Remember(advisory_id, known == m.advisories_known_.end() ? 0 : known->second.revision + 1,
             prepared);
  return m.MatchLocked(advisory_id, prepared, publish, tables);
}

Result<AlertChanges> AlertService::Reinventory(std::int64_t org_id) {
  Impl& m = *impl_;
  const std::lock_guard lock(m.engine_mutex_);
  if (auto ok = m.RefreshAdvisories(); !ok) return ok.error();
  const auto tables = m.LoadTables();
  AssetIndex local;
  const auto rows =
      m.db_.Query(fmt::format("{}(?) ORDER BY id", Impl::kAssetSelect), {Int(org_id)});
  for (const auto& r : rows.rows) {
    local.Add(static_cast<std::uint64_t>(r.Int(0)), Impl::AssetOfRow(r));
  }
  const auto matched = m.advisory_index_.Match(local, tables.options);
  std::vector<Wanted> wanted;
  for (const auto& af : matched) {
    const auto id_it = m.advisory_by_key_.find(af.advisory->key());
    if (id_it == m.advisory_by_key_.end()) continue;
    const auto& meta = m.advisories_known_.at(id_it->second).meta;
    Wanted w;
    w.org_id = org_id;
    w.advisory = &meta;
    for (const auto& f : af.findings) {
      if (Impl::Counts(f)) w.items.push_back(Impl::ItemOf(f, *af.advisory));
    }
    if (!w.items.empty()) wanted.push_back(std::move(w));
  }
  return m.db_.Transact([&](Tx& tx) {
    tx.LockExclusive(kEngineLock);
    const DeadlineBook deadlines = LoadDeadlines(tx);
    auto existing = Impl::LoadExisting(tx, "a.org_id = ?", {Int(org_id)});
    std::vector<Wanted> copy = wanted;
    return m.Sync(tx, std::move(existing), copy, deadlines, Micros(m.clock_.Now()));
  });
}

Result<int> AlertService::EscalateOverdue() {
  Impl& m = *impl_;
  const std::int64_t now_us = Micros(m.clock_.Now());
  return m.db_.Transact([&](Tx& tx) {
    int n = 0;
    const std::pair<std::string_view, std::string_view> kinds[] = {
        {"acknowledge",
         "UPDATE adv_alerts SET ack_escalated_us = ? WHERE state = 'new' AND ack_due_us IS NOT "
         "NULL AND ack_due_us < ? AND ack_escalated_us IS NULL RETURNING id, org_id, "
         "org_parent_id, advisory_id, severity, ack_due_us, advisory_key, advisory_title"},
        {"remediate",
         "UPDATE adv_alerts SET remediate_escalated_us = ? WHERE state IN ('new', "
         "'acknowledged', 'in_remediation') AND remediate_due_us IS NOT NULL AND "
         "remediate_due_us < ? AND remediate_escalated_us IS NULL RETURNING id, org_id, "
         "org_parent_id, advisory_id, severity, remediate_due_us, advisory_key, advisory_title"}};
    for (const auto& [which, sql] : kinds) {
      auto rows = tx.Exec(sql, {Int(now_us), Int(now_us)}).rows;
      std::sort(rows.begin(), rows.end(),
                [](const Row& a, const Row& b) { return a.Int(0) < b.Int(0); });
      for (const auto& r : rows) {
        AppendEvent(tx,
                    {r.Int(1), r.Int(2), "alert.overdue", r.Int(0), r.Int(3), r.Text(4),
                     json::serialize(json::object{{"alert_id", r.Int(0)},
                                                  {"which", which},
                                                  {"due", JsonTime(r.Int(5))},
                                                  {"advisory_key", r.Text(6)},
                                                  {"title", r.Text(7)}})},
                    FromMicros(now_us));
        ++n;
      }
    }
    return n;
  });
}

Result<AlertPage> AlertService::List(Actor actor, const AlertFilter& filter) {
  if (filter.page < 1 || filter.page > 1'000'000) return Error::Invalid("page from 1", "page");
  if (filter.per_page < 1 || filter.per_page > kMaxAlertPage) {
    return Error::Invalid(fmt::format("per_page from 1 to {}", kMaxAlertPage), "per_page");
  }
  std::vector<Value> params;
  std::string where = VisibleCondition(actor, params);
  if (filter.state) {
    if (*filter.state == "open") {
      where += fmt::format(" AND a.state IN {}", kOpenStates);
    } else if (IsOneOf(*filter.state, kAlertStates)) {
      where += " AND a.state = ?";
      params.push_back(Text(*filter.state));
    } else {
      return Error::Invalid("unknown state", "state");
    }
  }
  if (filter.severity) {
    if (!IsOneOf(*filter.severity, kSeverities)) {
      return Error::Invalid("unknown severity", "severity");
    }
    where += " AND a.severity = ?";
    params.push_back(Text(*filter.severity));
  }
  if (filter.advisory_id) {
    where += " AND a.advisory_id = ?";
    params.push_back(Int(*filter.advisory_id));
  }
  if (filter.org_id) {
    where += " AND a.org_id = ?";
    params.push_back(Int(*filter.org_id));
  }
  const std::int64_t now_us = Micros(impl_->clock_.Now());
  if (filter.overdue_only) {
    where += fmt::format(" AND {}", kOverdueSql);
    params.push_back(Int(now_us));
    params.push_back(Int(now_us));
  }
  AlertPage page;
  page.page = filter.page;
  page.per_page = filter.per_page;
  page.total =
      impl_->db_.Query(fmt::format("SELECT COUNT(*) FROM adv_alerts a WHERE {}", where), params)
          .rows.at(0)
          .Int(0);
  params.push_back(Int(filter.per_page));
  params.push_back(Int(static_cast<std::int64_t>(filter.page - 1) * filter.per_page));
  const auto rows = impl_->db_.Query(
      fmt::format("SELECT {} {} WHERE {} ORDER BY {} DESC, a.id DESC LIMIT ? OFFSET ?",
                  kAlertColumns, kAlertFrom, where, kRankSql),
      params);
  for (const auto& r : rows.rows) page.items.push_back(ReadAlert(r, now_us));
  return page;
}

Result<AlertDetail> AlertService::Get(Actor actor, std::int64_t alert_id) {
  Impl& m = *impl_;
  const std::int64_t now_us = Micros(m.clock_.Now());
  std::vector<Value> params{Int(alert_id)};
  const std::string visible = AdvisoryVisibleCondition(actor, params);
  const auto rows = m.db_.Query(
      fmt::format("SELECT {} {} WHERE a.id = ? AND {}", kAlertColumns, kAlertFrom, visible),
      params);
  if (rows.rows.empty()) return Error::NotFound("no such alert");
  AlertDetail d;
  d.summary = ReadAlert(rows.rows.front(), now_us);
  const auto ref = m.identity_.LoadOrgRef(d.summary.org_id);
  if (!ref) return Error::NotFound("no such alert");
  if (actor.principal) {
    if (!identity::Allowed(*actor.principal, Permission::kReadAlerts, *ref)) {
      return Error::NotFound("no such alert");
    }
    d.can_handle = identity::Allowed(*actor.principal, Permission::kHandleAlerts, *ref);
  } else {
    d.can_handle = true;
  }
  for (const auto& r :
       m.db_
           .Query(
               "SELECT i.asset_id, i.cve, i.vulnerability_index, i.product_id, i.decision, "
               "i.severity, i.reason, i.severity_reason, s.vendor, s.product, s.version, "
               "s.model_number, s.location FROM adv_alert_items i LEFT JOIN adv_assets s ON s.id "
               "= i.asset_id WHERE i.alert_id = ? ORDER BY i.asset_id, i.vulnerability_index, "
               "i.cve LIMIT 10000",
               {Int(alert_id)})
           .rows) {
    AlertItem it;
    it.asset_id = r.Int(0);
    it.cve = r.Text(1);
    it.vulnerability_index = static_cast<int>(r.Int(2));
    it.product_id = r.Text(3);
    it.decision = r.Text(4);
    it.severity = r.Text(5);
    it.reason = r.Text(6);
    it.severity_reason = r.Text(7);
    it.vendor = r.OptText(8).value_or("");
    it.product = r.OptText(9).value_or("");
    it.version = r.OptText(10).value_or("");
    it.model_number = r.OptText(11).value_or("");
    it.location = r.OptText(12).value_or("");
    d.items.push_back(std::move(it));
  }
  for (const auto& r :
       m.db_
           .Query("SELECT at_us, user_id, org_id, from_state, to_state, comment FROM "
                  "adv_alert_history WHERE alert_id = ? ORDER BY id LIMIT 1000",
                  {Int(alert_id)})
           .rows) {
    d.history.push_back(
        {FromMicros(r.Int(0)), r.OptInt(1), r.OptInt(2), r.Text(3), r.Text(4), r.Text(5)});
  }
  return d;
}

Result<AlertSummary> AlertService::Apply(Actor actor, std::int64_t alert_id, const Transition& t) {
  Impl& m = *impl_;
  if (!IsOneOf(t.to, kAlertStates) || t.to == "withdrawn") {
    return Error::Invalid("to must be acknowledged, in_remediation, resolved or not_affected",
                          "to");
  }
  if (t.to == "resolved") {
    if (!t.resolution || !IsOneOf(*t.resolution, kResolutions)) {
      return Error::Invalid("resolving needs a resolution: patched, mitigated or accepted_risk",
                            "resolution");
    }
    if (*t.resolution == "accepted_risk" && t.justification.empty()) {
      return Error::Invalid("accepting the risk needs a justification", "justification");
    }
  } else if (t.resolution) {
    return Error::Invalid("a resolution only goes with resolved", "resolution");
  }
  if (t.to == "not_affected") {
    if (!t.vex_justification || !IsOneOf(*t.vex_justification, kVexJustifications)) {
      return Error::Invalid("not_affected needs a VEX justification", "vex_justification");
    }
  } else if (t.vex_justification) {
    return Error::Invalid("a VEX justification only goes with not_affected", "vex_justification");
  }
  for (const auto& [name, text] :
       {std::pair{"justification", &t.justification}, std::pair{"comment", &t.comment}}) {
    if (text->size() > kMaxCommentBytes || !ValidUtf8(*text)) {
      return Error::Invalid("at most 4096 bytes of UTF-8 text", name);
    }
  }
  std::vector<Value> params{Int(alert_id)};
  const std::string visible = AdvisoryVisibleCondition(actor, params);
  const auto rows = m.db_.Query(
      fmt::format("SELECT a.org_id, a.org_parent_id, a.advisory_id, a.state, a.severity FROM "
                  "adv_alerts a WHERE a.id = ? AND {}",
                  visible),
      params);
  if (rows.rows.empty()) return Error::NotFound("no such alert");
  const Row* row = &rows.rows.front();
  const std::int64_t org_id = row->Int(0);
  const auto ref = m.identity_.LoadOrgRef(org_id);
  if (!ref) return Error::NotFound("no such alert");
  std::optional<std::int64_t> user, user_org;
  if (actor.principal) {
    if (!identity::Allowed(*actor.principal, Permission::kReadAlerts, *ref)) {
      return Error::NotFound("no such alert");
    }
    if (!identity::Allowed(*actor.principal, Permission::kHandleAlerts, *ref)) {
      return Error::Denied("only the provider's admins and analysts handle its alerts");
    }
    user = actor.principal->user_id;
    user_org = actor.principal->organisation_id;
  }
  const std::string from = row->Text(3);
  if (!TransitionAllowed(from, t.to)) {
    return Error::Conflict(fmt::format("an alert in state {} cannot become {}", from, t.to));
  }
  const std::int64_t now_us = Micros(m.clock_.Now());
  const Status done = m.db_.Transact([&](Tx& tx) -> Status {
    const bool reopen = t.to == "acknowledged" && (from == "resolved" || from == "not_affected");
    const bool closing = t.to == "resolved" || t.to == "not_affected";
    const auto updated = tx.Exec(
        "UPDATE adv_alerts SET state = ?, resolution = ?, justification = ?, vex_justification "
        "= ?, acknowledged_at_us = CASE WHEN ? = 'acknowledged' AND acknowledged_at_us IS NULL "
        "THEN ? ELSE acknowledged_at_us END, resolved_at_us = CASE WHEN ? = 1 THEN ? WHEN ? = 1 "
        "THEN NULL ELSE resolved_at_us END, updated_at_us = ? WHERE id = ? AND state = ?",
        {Text(t.to), OptText(t.resolution), Text(closing ? t.justification : std::string()),
         OptText(t.vex_justification), Text(t.to), Int(now_us), Int(closing), Int(now_us),
         Int(reopen), Int(now_us), Int(alert_id), Text(from)});
    if (updated.affected_rows == 0) return Error::Conflict("the alert changed meanwhile");
    History(tx, alert_id, now_us, user, user_org, from, t.to, t.comment);
    AppendEvent(tx,
                {org_id, row->Int(1), "alert.state", alert_id, row->Int(2), row->Text(4),
                 json::serialize(json::object{
                     {"alert_id", alert_id},
                     {"from", from},
                     {"to", t.to},
                     {"by", actor.principal ? actor.principal->username : std::string("system")}})},
                FromMicros(now_us));
    return {};
  });
  if (!done) return done.error();
  auto detail = Get(Actor::System(), alert_id);
  if (!detail) return detail.error();
  return detail->summary;
}

Result<std::vector<BulkResult>> AlertService::ApplyBulk(Actor actor,
                                                        std::span<const std::int64_t> ids,
                                                        const Transition& t) {
  if (ids.empty() || ids.size() > kMaxBulkIds) {
    return Error::Invalid(fmt::format("from 1 to {} ids", kMaxBulkIds), "ids");
  }
  std::vector<BulkResult> out;
  std::set<std::int64_t> seen;
  for (const std::int64_t id : ids) {
    if (!seen.insert(id).second) continue;
    BulkResult r;
    r.id = id;
    auto done = Apply(actor, id, t);
    if (done) {
      r.alert = std::move(*done);
    } else {
      r.error = done.error();
    }
    out.push_back(std::move(r));
  }
  return out;
}

Result<Deadlines> AlertService::GetDeadlines(Actor actor, std::optional<std::int64_t> org_id) {
  Impl& m = *impl_;
  if (!org_id) {
    if (!actor.principal) return Error::Invalid("an organisation is required", "org");
    org_id = actor.principal->organisation_id;
  }
  const auto ref = m.identity_.LoadOrgRef(*org_id);
  if (!ref) return Error::NotFound("no such organisation");
  if (actor.principal && *org_id != actor.principal->organisation_id) {
    const Permission needed = ref->kind == OrgKind::kProvider ? Permission::kReadAlerts
                                                              : Permission::kReadAlertStatistics;
    if (!identity::Allowed(*actor.principal, needed, *ref)) {
      return Error::NotFound("no such organisation");
    }
  }
  std::int64_t authority = 0;
  if (ref->kind == OrgKind::kProvider) {
    authority = ref->parent_id.value_or(0);
  } else if (ref->kind == OrgKind::kAuthority) {
    authority = ref->id;
  }
  const DeadlineBook book = LoadDeadlines(m.db_);
  Deadlines d;
  d.org_id = *org_id;
  for (const auto s : kSeverities) d.rules.push_back(book.For(authority, std::string(s)));
  return d;
}

Result<Deadlines> AlertService::SetDeadlines(Actor actor, const std::vector<DeadlineRule>& rules) {
  Impl& m = *impl_;
  if (!actor.principal) return Error::Invalid("deadlines are set by an organisation's admin");
  const std::int64_t org = actor.principal->organisation_id;
  const auto ref = m.identity_.LoadOrgRef(org);
  if (!ref || !identity::Allowed(*actor.principal, Permission::kSetAlertDeadlines, *ref)) {
    return Error::Denied("only an authority's or the support centre's admins set deadlines");
  }
  if (rules.empty() || rules.size() > 4) return Error::Invalid("one rule per severity", "rules");
  std::set<std::string> seen;
  for (std::size_t i = 0; i < rules.size(); ++i) {
    const auto& r = rules[i];
    const std::string at = fmt::format("/rules/{}", i);
    if (!IsOneOf(r.severity, kSeverities) || !seen.insert(r.severity).second) {
      return Error::Invalid("a severity, once", at + "/severity");
    }
    if (r.ack_hours && (*r.ack_hours < 1 || *r.ack_hours > kMaxAckHours)) {
      return Error::Invalid(fmt::format("from 1 to {} hours", kMaxAckHours), at + "/ack_hours");
    }
    if (r.remediate_days && (*r.remediate_days < 1 || *r.remediate_days > kMaxRemediateDays)) {
      return Error::Invalid(fmt::format("from 1 to {} days", kMaxRemediateDays),
                            at + "/remediate_days");
    }
  }
  const std::int64_t now_us = Micros(m.clock_.Now());
  m.db_.Transact([&](Tx& tx) {
    for (const auto& r : rules) {
      const auto opt = [](const std::optional<int>& v) { return v ? Int(*v) : Null(); };
      tx.Exec(
          "INSERT INTO adv_deadlines (org_id, severity, ack_hours, remediate_days, updated_by, "
          "updated_at_us) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (org_id, severity) DO UPDATE SET "
          "ack_hours = excluded.ack_hours, remediate_days = excluded.remediate_days, updated_by = "
          "excluded.updated_by, updated_at_us = excluded.updated_at_us",
          {Int(org), Text(r.severity), opt(r.ack_hours), opt(r.remediate_days),
           Int(actor.principal->user_id), Int(now_us)});
    }
  });
  return GetDeadlines(actor);
}

Result<Dashboard> AlertService::GetDashboard(Actor actor, std::optional<std::int64_t> org_id) {
  Impl& m = *impl_;
  if (!org_id) {
    if (!actor.principal) return Error::Invalid("an organisation is required", "org");
    org_id = actor.principal->organisation_id;
  }
  const auto ref = m.identity_.LoadOrgRef(*org_id);
  if (!ref) return Error::NotFound("no such organisation");
  if (actor.principal) {
    const Permission needed = ref->kind == OrgKind::kProvider ? Permission::kReadAlerts
                                                              : Permission::kReadAlertStatistics;
    if (!identity::Allowed(*actor.principal, needed, *ref)) {
      if (*org_id == actor.principal->organisation_id) {
        return Error::Denied("the dashboard is for the organisation's admins and analysts");
      }
      return Error::NotFound("no such organisation");
    }
  }
  const std::int64_t now_us = Micros(m.clock_.Now());
  Dashboard d;
  d.org_id = *org_id;
  std::string scope;
  std::vector<Value> scope_params;
  switch (ref->kind) {
    case OrgKind::kProvider:
      d.scope = "provider";
      scope = "a.org_id = ?";
      scope_params.push_back(Int(*org_id));
      break;
    case OrgKind::kAuthority:
      d.scope = "authority";
      scope = "a.org_parent_id = ?";
      scope_params.push_back(Int(*org_id));
      break;
    case OrgKind::kSupportCentre:
      d.scope = "support_centre";
      scope = "1 = 1";
      break;
  }
  scope += " AND " + AdvisoryVisibleCondition(actor, scope_params);
  auto with = [&](std::initializer_list<Value> extra) {
    std::vector<Value> p = scope_params;
    p.insert(p.end(), extra.begin(), extra.end());
    return p;
  };
  for (const auto& r :
       m.db_
           .Query(fmt::format("SELECT a.severity, COUNT(*) FROM adv_alerts a WHERE {} AND a.state "
                              "IN {} GROUP BY a.severity",
                              scope, kOpenStates),
                  with({}))
           .rows) {
    const std::string& s = r.Text(0);
    (s == "critical" ? d.open.critical
     : s == "high"   ? d.open.high
     : s == "medium" ? d.open.medium
                     : d.open.low) = r.Int(1);
  }
  d.overdue = m.db_
                  .Query(fmt::format("SELECT COUNT(*) FROM adv_alerts a WHERE {} AND {}", scope,
                                     kOverdueSql),
                         with({Int(now_us), Int(now_us)}))
                  .rows.at(0)
                  .Int(0);
  const std::int64_t soon = now_us + kDueSoonUs;
  d.due_soon =
      m.db_
          .Query(fmt::format("SELECT COUNT(*) FROM adv_alerts a WHERE {} AND ((a.state = 'new' AND "
                             "a.ack_due_us >= ? AND a.ack_due_us < ?) OR (a.state IN {} AND "
                             "a.remediate_due_us >= ? AND a.remediate_due_us < ?))",
                             scope, kOpenStates),
                 with({Int(now_us), Int(soon), Int(now_us), Int(soon)}))
          .rows.at(0)
          .Int(0);
  if (ref->kind == OrgKind::kProvider) {
    for (const auto& r :
         m.db_
             .Query(fmt::format(
                        "SELECT i.asset_id, COUNT(DISTINCT a.id), MAX({}), MAX(s.vendor), "
                        "MAX(s.product), MAX(s.version), MAX(s.location) FROM adv_alert_items i "
                        "JOIN adv_alerts a ON a.id = i.alert_id LEFT JOIN adv_assets s ON s.id = "
                        "i.asset_id WHERE {} AND a.state IN {} GROUP BY i.asset_id ORDER BY 2 "
                        "DESC, 3 DESC, 1 LIMIT 10",
                        kRankSql, scope, kOpenStates),
                    with({}))
             .rows) {
      d.most_exposed.push_back({r.Int(0), r.OptText(3).value_or(""), r.OptText(4).value_or(""),
                                r.OptText(5).value_or(""), r.OptText(6).value_or(""), r.Int(1),
                                SeverityOfRank(r.Int(2))});
    }
    return d;
  }
  for (const auto& r :
       m.db_
           .Query(fmt::format(
                      "SELECT a.advisory_id, MAX(a.advisory_key), MAX(a.advisory_title), "
                      "MAX({}), COUNT(*), SUM(CASE WHEN a.state <> 'new' THEN 1 ELSE 0 END), "
                      "SUM(CASE WHEN {} THEN 1 ELSE 0 END) FROM adv_alerts a WHERE {} AND "
                      "a.state <> 'withdrawn' GROUP BY a.advisory_id ORDER BY 7 DESC, 5 DESC, 1 "
                      "DESC LIMIT 50",
                      kRankSql, kOverdueSql, scope),
                  [&] {
                    std::vector<Value> p{Int(now_us), Int(now_us)};
                    p.insert(p.end(), scope_params.begin(), scope_params.end());
                    return p;
                  }())
           .rows) {
    d.advisories.push_back(
        {r.Int(0), r.Text(1), r.Text(2), SeverityOfRank(r.Int(3)), r.Int(4), r.Int(5), r.Int(6)});
  }
  const std::string provider_sql = fmt::format(
      "SELECT a.org_id, MAX(o.name), MAX(COALESCE(o.country, p.country, '')), SUM(CASE WHEN "
      "a.state IN {} THEN 1 ELSE 0 END), SUM(CASE WHEN {} THEN 1 ELSE 0 END) FROM adv_alerts a "
      "JOIN organisations o ON o.id = a.org_id LEFT JOIN organisations p ON p.id = "
      "a.org_parent_id WHERE {} AND a.state <> 'withdrawn' GROUP BY a.org_id",
      kOpenStates, kOverdueSql, scope);
  std::vector<Value> provider_params{Int(now_us), Int(now_us)};
  provider_params.insert(provider_params.end(), scope_params.begin(), scope_params.end());
  for (const auto& r :
       m.db_.Query(provider_sql + " ORDER BY 5 DESC, 4 DESC, 1 LIMIT 100", provider_params).rows) {
    d.providers.push_back({r.Int(0), r.Text(1), r.Text(2), r.Int(3), r.Int(4)});
  }
  if (ref->kind == OrgKind::kSupportCentre) {
    std::vector<Value> country_params{Int(now_us), Int(now_us)};
    const std::string visible = AdvisoryVisibleCondition(actor, country_params);
    for (const auto& r :
         m.db_
             .Query(fmt::format("SELECT country, COUNT(*), CAST(SUM(open_n) AS BIGINT), "
                                "CAST(SUM(overdue_n) AS BIGINT) FROM "
                                "(SELECT a.org_id AS org, MAX(COALESCE(o.country, p.country, "
                                "'')) AS country, SUM(CASE WHEN a.state IN {} THEN 1 ELSE 0 END) "
                                "AS open_n, SUM(CASE WHEN {} THEN 1 ELSE 0 END) AS overdue_n "
                                "FROM adv_alerts a JOIN organisations o ON o.id = a.org_id LEFT "
                                "JOIN organisations p ON p.id = a.org_parent_id WHERE a.state <> "
                                "'withdrawn' AND {} GROUP BY a.org_id) per_org GROUP BY country "
                                "ORDER BY country",
                                kOpenStates, kOverdueSql, visible),
                    country_params)
             .rows) {
      d.countries.push_back({r.Text(0), r.Int(1), r.Int(2), r.Int(3)});
    }
  }
  return d;
}

}  // namespace caduceus::advisories
