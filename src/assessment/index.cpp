// The healthcare cybersecurity index: distributions of the frozen scores of submitted and
// accepted assessments, per group, never for fewer than kIndexMinProviders providers.
#include <algorithm>
#include <cmath>
#include <numeric>
#include <set>

#include <fmt/format.h>

#include "assessment/service.h"

namespace caduceus::assessment {

using identity::Actor;
using identity::OrgKind;
using identity::OrgRef;
using identity::Permission;
using storage::Int;
using storage::Value;

namespace {

struct CountedRow {
  std::int64_t assessment_id = 0;
  OrgRef org;
  int cycle = 0;
  AssessmentStatus status = AssessmentStatus::kSubmitted;
  std::optional<double> overall;
  std::optional<int> maturity;
  std::string framework_id;
  std::string framework_version;
  std::string country;
  std::string provider_type;
  std::string size_band;
  std::map<std::string, std::optional<double>, std::less<>> domains;
};

// Submitted and accepted assessments (of one cycle, or all), by organisation id.
std::vector<CountedRow> LoadCounted(storage::Database& db,
                                    std::optional<int> cycle,
                                    bool with_domains) {
  std::string where = "a.status IN ('submitted', 'accepted')";
  std::vector<Value> params;
  if (cycle) {
    where += " AND a.cycle = ?";
    params.push_back(Int(*cycle));
  }
  const auto rows = db.Query(
      fmt::format("SELECT a.id, a.organisation_id, o.kind, o.parent_id, a.cycle, a.status, "
                  "a.score, a.maturity_level, a.framework_id, a.framework_version, o.country, "
                  "o.provider_type, o.size_band FROM assessments a "
                  "JOIN organisations o ON o.id = a.organisation_id WHERE {} "
                  "ORDER BY a.cycle, a.organisation_id",
                  where),
      params);
  std::vector<CountedRow> out;
  std::map<std::int64_t, std::size_t> by_id;
  for (const auto& r : rows.rows) {
    CountedRow c;
    c.assessment_id = r.Int(0);
    c.org = {r.Int(1), identity::ParseOrgKind(r.Text(2)).value_or(OrgKind::kProvider), r.OptInt(3)};
    c.cycle = static_cast<int>(r.Int(4));
    c.status = ParseAssessmentStatus(r.Text(5)).value_or(AssessmentStatus::kSubmitted);
    if (!r.IsNull(6)) c.overall = r.Real(6);
    if (auto m = r.OptInt(7)) c.maturity = static_cast<int>(*m);
    c.framework_id = r.Text(8);
    c.framework_version = r.Text(9);
    c.country = r.OptText(10).value_or("");
    c.provider_type = r.OptText(11).value_or("");
    c.size_band = r.OptText(12).value_or("");
    by_id[c.assessment_id] = out.size();
    out.push_back(std::move(c));
  }
  if (with_domains && !out.empty()) {
    const auto scores = db.Query(
        fmt::format("SELECT d.assessment_id, d.domain_id, d.score FROM assessment_domain_scores d "
                    "JOIN assessments a ON a.id = d.assessment_id WHERE {}",
                    where),
        params);
    for (const auto& r : scores.rows) {
      auto it = by_id.find(r.Int(0));
      if (it == by_id.end()) continue;
      out[it->second].domains[r.Text(1)] =
          r.IsNull(2) ? std::nullopt : std::optional<double>(r.Real(2));
    }
  }
  return out;
}

const std::string& KeyOf(const CountedRow& row, Dimension by) {
  static const std::string kEu = "EU";
  switch (by) {
    case Dimension::kEu:
      return kEu;
    case Dimension::kCountry:
      return row.country;
    case Dimension::kProviderType:
      return row.provider_type;
    case Dimension::kSizeBand:
      return row.size_band;
  }
  return kEu;
}

constexpr std::pair<std::string_view, std::string_view> kProviderTypes[] = {
    {"hospital", "Hospitals"},      {"clinic", "Clinics"},
    {"laboratory", "Laboratories"}, {"pharmacy", "Pharmacies"},
    {"care_home", "Care homes"},    {"medical_device_maker", "Medical device makers"},
    {"other", "Other providers"},
};

constexpr std::pair<std::string_view, std::string_view> kSizeBands[] = {
    {"micro", "Micro"},
    {"small", "Small"},
    {"medium", "Medium"},
    {"large", "Large"},
};

template <std::size_t N>
std::string_view Lookup(const std::pair<std::string_view, std::string_view> (&table)[N],
                        std::string_view key) {
  for (const auto& [k, v] : table) {
    if (k == key) return v;
  }
  return key;
}

std::string Label(Dimension by, std::string_view key) {
  switch (by) {
    case Dimension::kEu:
      return "European Union";
    case Dimension::kCountry:
      return std::string(identity::CountryName(key));
    case Dimension::kProviderType:
      return std::string(Lookup(kProviderTypes, key));
    case Dimension::kSizeBand:
      return std::string(Lookup(kSizeBands, key));
  }
  return std::string(key);
}

// Every group of the dimension, whether it has data or not, so that which groups are listed
// says nothing about how many providers they hold; then any other keys found in `rows`.
template <class Rows, class KeyFn>
std::vector<std::string> GroupKeys(storage::Database& db,
                                   Dimension by,
                                   const Rows& rows,
                                   KeyFn key_of) {
  std::vector<std::string> keys;
  const auto add = [&](std::string_view k) {
    if (!k.empty() && std::find(keys.begin(), keys.end(), k) == keys.end()) keys.emplace_back(k);
  };
  switch (by) {
    case Dimension::kEu:
      add("EU");
      break;
    case Dimension::kCountry: {
      for (const auto& r : db.Query("SELECT DISTINCT country FROM organisations "
                                    "WHERE kind = 'authority' AND country IS NOT NULL")
                               .rows) {
        add(r.Text(0));
      }
      for (const auto& row : rows) add(key_of(row));
      std::sort(keys.begin(), keys.end());
      return keys;
    }
    case Dimension::kProviderType:
      for (const auto& [k, v] : kProviderTypes) add(k);
      break;
    case Dimension::kSizeBand:
      for (const auto& [k, v] : kSizeBands) add(k);
      break;
  }
  for (const auto& row : rows) add(key_of(row));
  return keys;
}

struct DomainColumn {
  std::string id;
  std::string title;
};

double Mean(const std::vector<double>& v) {
  return std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
}

Distribution Summarise(const std::vector<const CountedRow*>& members,
                       const std::vector<DomainColumn>& columns,
                       const std::set<int>& levels,
                       bool with_details) {
  std::vector<double> overall;
  for (const auto* m : members) overall.push_back(*m->overall);
  std::sort(overall.begin(), overall.end());
  Distribution d;
  d.n = static_cast<int>(overall.size());
  d.mean = Mean(overall);
  d.median = Percentile(overall, 0.5);
  d.p10 = Percentile(overall, 0.1);
  d.p25 = Percentile(overall, 0.25);
  d.p75 = Percentile(overall, 0.75);
  d.p90 = Percentile(overall, 0.9);
  if (!with_details) return d;
  for (const double v : overall) {
    const int bucket = std::clamp(static_cast<int>(std::floor(v / 10)), 0, 9);
    ++d.histogram[static_cast<std::size_t>(bucket)];
  }
  for (const int level : levels) d.maturity[level] = 0;
  for (const auto* m : members) {
    if (m->maturity) ++d.maturity[*m->maturity];
  }
  for (const auto& column : columns) {
    std::vector<double> values;
    for (const auto* m : members) {
      auto it = m->domains.find(column.id);
      if (it != m->domains.end() && it->second) values.push_back(*it->second);
    }
    DomainStat stat{column.id, column.title, std::nullopt, std::nullopt};
    if (static_cast<int>(values.size()) >= kIndexMinProviders) {
      std::sort(values.begin(), values.end());
      stat.mean = Mean(values);
      stat.median = Percentile(values, 0.5);
    }
    d.domains.push_back(std::move(stat));
  }
  return d;
}

}  // namespace

std::string_view ToString(Dimension dimension) {
  switch (dimension) {
    case Dimension::kEu:
      return "eu";
    case Dimension::kCountry:
      return "country";
    case Dimension::kProviderType:
      return "provider_type";
    case Dimension::kSizeBand:
      return "size_band";
  }
  return "eu";
}

std::optional<Dimension> ParseDimension(std::string_view text) {
  for (auto d :
       {Dimension::kEu, Dimension::kCountry, Dimension::kProviderType, Dimension::kSizeBand}) {
    if (ToString(d) == text) return d;
  }
  return std::nullopt;
}

double Percentile(std::span<const double> sorted, double p) {
  const double h = (static_cast<double>(sorted.size()) - 1) * p;
  const auto lo = static_cast<std::size_t>(std::floor(h));
  const std::size_t hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (h - static_cast<double>(lo)) * (sorted[hi] - sorted[lo]);
}

std::string_view AssessmentService::CountryName(std::string_view code) const {
  return identity::CountryName(code);
}

std::vector<int> AssessmentService::CountedCycles() {
  const auto rows = db_.Query(
      "SELECT DISTINCT cycle FROM assessments WHERE status IN ('submitted', 'accepted') "
      "AND score IS NOT NULL ORDER BY cycle DESC");
  std::vector<int> out;
  for (const auto& r : rows.rows) out.push_back(static_cast<int>(r.Int(0)));
  return out;
}

namespace {

// The framework most rows were answered against (ties: the newer version), and the domain
// columns: its domains, then those of other frameworks in the rows.
struct Columns {
  std::optional<std::pair<std::string, std::string>> main;
  std::vector<DomainColumn> domains;
  std::set<int> levels;
};

template <class GetFn>
Columns ColumnsOf(const std::vector<CountedRow>& rows, GetFn get_framework) {
  std::map<std::pair<std::string, std::string>, int> uses;
  for (const auto& r : rows) ++uses[{r.framework_id, r.framework_version}];
  Columns c;
  int most = 0;
  for (const auto& [key, n] : uses) {
    if (n > most || (n == most && c.main && key.first == c.main->first &&
                     CompareFrameworkVersions(key.second, c.main->second) > 0)) {
      most = n;
      c.main = key;
    }
  }
  std::vector<std::pair<std::string, std::string>> order;
  if (c.main) order.push_back(*c.main);
  for (const auto& [key, n] : uses) {
    if (!c.main || key != *c.main) order.push_back(key);
  }
  for (const auto& key : order) {
    auto fw = get_framework(key.first, key.second);
    if (!fw) continue;
    for (const auto& level : (*fw)->maturity_levels) c.levels.insert(level.level);
    for (const auto& d : (*fw)->domains) {
      const bool seen = std::any_of(c.domains.begin(), c.domains.end(),
                                    [&](const DomainColumn& col) { return col.id == d.id; });
      if (!seen) c.domains.push_back({d.id, d.title});
    }
  }
  return c;
}

// Which groups of one dimension may be published: those with at least kIndexMinProviders
// providers (counting those for which `counts` holds). The groups of a dimension partition the
// EU-wide group, which is published as well, so the providers in unpublished groups and in no
// group must number 0 or at least kIndexMinProviders too: otherwise the EU-wide figures minus
// the published groups would describe fewer. When they do not, the smallest published group is
// withheld as well (secondary suppression).
template <class CountsFn>
std::vector<bool> Publishable(const std::vector<std::vector<const CountedRow*>>& members,
                              const std::vector<const CountedRow*>& unassigned,
                              Dimension by,
                              CountsFn counts) {
  const auto count = [&](const std::vector<const CountedRow*>& rows) {
    return static_cast<int>(std::count_if(rows.begin(), rows.end(), counts));
  };
  std::vector<int> n;
  std::vector<bool> shown;
  for (const auto& m : members) {
    n.push_back(count(m));
    shown.push_back(n.back() >= kIndexMinProviders);
  }
  if (by == Dimension::kEu) return shown;
  int hidden = count(unassigned);
  for (std::size_t i = 0; i < n.size(); ++i) {
    if (!shown[i]) hidden += n[i];
  }
  if (hidden == 0 || hidden >= kIndexMinProviders) return shown;
  std::optional<std::size_t> smallest;
  for (std::size_t i = 0; i < n.size(); ++i) {
    if (shown[i] && (!smallest || n[i] < n[*smallest])) smallest = i;
  }
  if (smallest) shown[*smallest] = false;
  return shown;
}

}  // namespace

IndexReport AssessmentService::Index(std::optional<int> cycle, Dimension by) {
  IndexReport report;
  report.by = by;
  report.cycles = CountedCycles();
  report.cycle = cycle.value_or(report.cycles.empty() ? CurrentYear() : report.cycles.front());
  auto rows = LoadCounted(db_, report.cycle, true);
  std::erase_if(rows, [](const CountedRow& r) { return !r.overall; });
  const Columns columns = ColumnsOf(
      rows, [&](const std::string& id, const std::string& v) { return GetFramework(id, v); });
  const auto key_of = [&](const CountedRow& r) -> const std::string& { return KeyOf(r, by); };
  const auto keys = GroupKeys(db_, by, rows, key_of);
  std::vector<std::vector<const CountedRow*>> members(keys.size());
  std::vector<const CountedRow*> unassigned;
  for (const auto& r : rows) {
    const auto it = std::find(keys.begin(), keys.end(), KeyOf(r, by));
    (it == keys.end() ? unassigned : members[it - keys.begin()]).push_back(&r);
  }
  const auto shown = Publishable(members, unassigned, by, [](const CountedRow*) { return true; });
  for (std::size_t i = 0; i < keys.size(); ++i) {
    IndexGroup group{keys[i], Label(by, keys[i]), std::nullopt};
    if (shown[i]) group.stats = Summarise(members[i], columns.domains, columns.levels, true);
    report.groups.push_back(std::move(group));
  }
  // The same rule for each domain's figures, over the providers with a score in it.
  for (std::size_t d = 0; d < columns.domains.size(); ++d) {
    const auto domain_shown = Publishable(members, unassigned, by, [&](const CountedRow* r) {
      auto it = r->domains.find(columns.domains[d].id);
      return it != r->domains.end() && it->second.has_value();
    });
    for (std::size_t i = 0; i < keys.size(); ++i) {
      auto& stats = report.groups[i].stats;
      if (stats && !domain_shown[i]) {
        stats->domains[d].mean.reset();
        stats->domains[d].median.reset();
      }
    }
  }
  return report;
}

TrendReport AssessmentService::Trend(Dimension by) {
  TrendReport report;
  report.by = by;
  auto rows = LoadCounted(db_, std::nullopt, false);
  std::erase_if(rows, [](const CountedRow& r) { return !r.overall; });
  std::set<int> cycles;
  for (const auto& r : rows) cycles.insert(r.cycle);
  const auto key_of = [&](const CountedRow& r) -> const std::string& { return KeyOf(r, by); };
  const auto keys = GroupKeys(db_, by, rows, key_of);
  for (const auto& key : keys) report.series.push_back({key, Label(by, key), {}});
  for (const int cycle : cycles) {
    std::vector<std::vector<const CountedRow*>> members(keys.size());
    std::vector<const CountedRow*> unassigned;
    for (const auto& r : rows) {
      if (r.cycle != cycle) continue;
      const auto it = std::find(keys.begin(), keys.end(), KeyOf(r, by));
      (it == keys.end() ? unassigned : members[it - keys.begin()]).push_back(&r);
    }
    const auto shown = Publishable(members, unassigned, by, [](const CountedRow*) { return true; });
    for (std::size_t i = 0; i < keys.size(); ++i) {
      TrendPoint point{cycle, std::nullopt};
      if (shown[i]) point.stats = Summarise(members[i], {}, {}, false);
      report.series[i].points.push_back(std::move(point));
    }
  }
  return report;
}

std::vector<CoverageGroup> AssessmentService::Coverage(int cycle, Dimension by) {
  struct Provider {
    std::string country, provider_type, size_band;
    std::optional<AssessmentStatus> status;
  };
  std::map<std::int64_t, Provider> providers;
  for (const auto& r : db_.Query("SELECT id, country, provider_type, size_band FROM organisations "
                                 "WHERE kind = 'provider'")
                           .rows) {
    providers[r.Int(0)] = {r.OptText(1).value_or(""), r.OptText(2).value_or(""),
                           r.OptText(3).value_or(""), std::nullopt};
  }
  for (const auto& r :
       db_.Query("SELECT organisation_id, status FROM assessments WHERE cycle = ?", {Int(cycle)})
           .rows) {
    if (auto it = providers.find(r.Int(0)); it != providers.end()) {
      it->second.status = ParseAssessmentStatus(r.Text(1));
    }
  }
  std::vector<CountedRow> as_rows;
  std::vector<std::optional<AssessmentStatus>> statuses;
  for (const auto& [id, p] : providers) {
    CountedRow row;
    row.country = p.country;
    row.provider_type = p.provider_type;
    row.size_band = p.size_band;
    as_rows.push_back(std::move(row));
    statuses.push_back(p.status);
  }
  const auto key_of = [&](const CountedRow& r) -> const std::string& { return KeyOf(r, by); };
  std::vector<CoverageGroup> out;
  for (const auto& key : GroupKeys(db_, by, as_rows, key_of)) {
    CoverageGroup g{key, Label(by, key), 0, 0, 0};
    for (std::size_t i = 0; i < as_rows.size(); ++i) {
      if (KeyOf(as_rows[i], by) != key) continue;
      ++g.providers;
      if (statuses[i] == AssessmentStatus::kSubmitted) ++g.submitted;
      if (statuses[i] == AssessmentStatus::kAccepted) ++g.accepted;
    }
    out.push_back(std::move(g));
  }
  return out;
}

ExportTable AssessmentService::Export(Actor actor, std::optional<int> cycle) {
  ExportTable table;
  if (cycle) {
    table.cycle = *cycle;
  } else {
    const auto cycles = CountedCycles();
    table.cycle = cycles.empty() ? CurrentYear() : cycles.front();
  }
  auto rows = LoadCounted(db_, table.cycle, true);
  std::erase_if(rows, [&](const CountedRow& r) {
    return actor.principal &&
           !identity::Allowed(*actor.principal, Permission::kReadAssessment, r.org);
  });
  const Columns columns = ColumnsOf(
      rows, [&](const std::string& id, const std::string& v) { return GetFramework(id, v); });
  if (columns.main) {
    table.framework_id = columns.main->first;
    table.framework_version = columns.main->second;
  }
  for (const auto& c : columns.domains) table.domain_ids.push_back(c.id);
  for (auto& r : rows) {
    ExportRow e;
    e.organisation_id = r.org.id;
    e.country = r.country;
    e.provider_type = r.provider_type;
    e.size_band = r.size_band;
    e.cycle = r.cycle;
    e.status = r.status;
    e.overall = r.overall;
    e.maturity = r.maturity;
    e.domains = std::move(r.domains);
    table.rows.push_back(std::move(e));
  }
  return table;
}

}  // namespace caduceus::assessment
