#include "report/progress.h"

#include <algorithm>
#include <optional>
#include <set>

#include <fmt/format.h>

namespace caduceus::report {
namespace {

using assessment::Distribution;
using assessment::IndexReport;

constexpr std::string_view kPalette[] = {"#1d4ed8", "#b45309", "#047857", "#7c3aed",
                                         "#be123c", "#0e7490", "#4d7c0f", "#a21caf"};

std::string OneDecimal(double v) { return fmt::format("{:.1f}", v); }

// One row of a horizontal bar chart: the mean as a bar, the interquartile range as a whisker.
struct BarRow {
  std::string label;
  std::optional<double> mean;
  std::optional<double> p25;
  std::optional<double> p75;
  int n = 0;
  bool highlight = false;
};

std::string BarChart(const std::string& title, const std::vector<BarRow>& rows) {
  constexpr int kLabel = 290, kBar = 360, kRow = 24, kTop = 28;
  const int height = kTop + static_cast<int>(rows.size()) * kRow + 24;
  std::string svg = fmt::format(
      R"(<svg class="chart" role="img" viewBox="0 0 {} {}" width="100%" aria-label="{}">)"
      R"(<title>{}</title>)",
      kLabel + kBar + 110, height, EscapeHtml(title), EscapeHtml(title));
  for (int tick = 0; tick <= 100; tick += 25) {
    const int x = kLabel + tick * kBar / 100;
    svg += fmt::format(R"(<line x1="{0}" y1="{1}" x2="{0}" y2="{2}" class="grid"/>)"
                       R"(<text x="{0}" y="{3}" class="tick">{4}</text>)",
                       x, kTop - 6, height - 20, height - 6, tick);
  }
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto& r = rows[i];
    const int y = kTop + static_cast<int>(i) * kRow;
    svg += fmt::format(R"(<text x="{}" y="{}" class="label{}">{}</text>)", kLabel - 8, y + 16,
                       r.highlight ? " strong" : "", EscapeHtml(r.label));
    if (!r.mean) {
      svg += fmt::format(R"(<text x="{}" y="{}" class="suppressed">fewer than {} providers: )"
                         R"(not shown</text>)",
                         kLabel + 4, y + 16, assessment::kIndexMinProviders);
      continue;
    }
    const double w = *r.mean * kBar / 100;
    svg += fmt::format(R"(<rect x="{}" y="{}" width="{:.1f}" height="{}" class="bar{}"/>)", kLabel,
                       y + 4, w, kRow - 8, r.highlight ? " highlight" : "");
    if (r.p25 && r.p75) {
      const double x1 = kLabel + *r.p25 * kBar / 100, x2 = kLabel + *r.p75 * kBar / 100;
      svg += fmt::format(R"(<line x1="{0:.1f}" y1="{1}" x2="{2:.1f}" y2="{1}" class="whisker"/>)"
                         R"(<line x1="{0:.1f}" y1="{3}" x2="{0:.1f}" y2="{4}" class="whisker"/>)"
                         R"(<line x1="{2:.1f}" y1="{3}" x2="{2:.1f}" y2="{4}" class="whisker"/>)",
                         x1, y + kRow / 2, x2, y + 6, y + kRow - 6);
    }
    svg +=
        fmt::format(R"(<text x="{}" y="{}" class="value">{}{}</text>)", kLabel + kBar + 8, y + 16,
                    OneDecimal(*r.mean), r.n > 0 ? fmt::format(" (n={})", r.n) : std::string());
  }
  return svg + "</svg>";
}

std::vector<BarRow> Rows(const IndexReport& report, const std::string& highlight) {
  std::vector<BarRow> rows;
  for (const auto& g : report.groups) {
    BarRow row{g.label, {}, {}, {}, 0, !highlight.empty() && g.key == highlight};
    if (g.stats) {
      row.mean = g.stats->mean;
      row.p25 = g.stats->p25;
      row.p75 = g.stats->p75;
      row.n = g.stats->n;
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

std::string Histogram(const std::string& title, const Distribution& d) {
  constexpr int kWidth = 600, kHeight = 200, kLeft = 40, kBottom = 170;
  const int max_count = std::max(1, *std::max_element(d.histogram.begin(), d.histogram.end()));
  std::string svg = fmt::format(
      R"(<svg class="chart" role="img" viewBox="0 0 {} {}" width="100%" aria-label="{}">)"
      R"(<title>{}</title>)",
      kWidth, kHeight, EscapeHtml(title), EscapeHtml(title));
  const int slot = (kWidth - kLeft - 10) / 10;
  for (int i = 0; i < 10; ++i) {
    const int count = d.histogram[static_cast<std::size_t>(i)];
    const double h = 140.0 * count / max_count;
    const int x = kLeft + i * slot;
    svg += fmt::format(R"(<rect x="{}" y="{:.1f}" width="{}" height="{:.1f}" class="bar"/>)"
                       R"(<text x="{}" y="{}" class="tick">{}–{}</text>)"
                       R"(<text x="{}" y="{:.1f}" class="tick">{}</text>)",
                       x + 2, kBottom - h, slot - 4, h, x + slot / 2, kBottom + 16, i * 10,
                       i * 10 + 10, x + slot / 2, kBottom - h - 4, count);
  }
  return svg + "</svg>";
}

std::string TrendChart(const std::string& title,
                       const assessment::TrendReport& trend,
                       const std::string& highlight) {
  std::set<int> cycle_set;
  for (const auto& s : trend.series) {
    for (const auto& p : s.points) cycle_set.insert(p.cycle);
  }
  if (cycle_set.empty()) return "<p>No cycles with data yet.</p>";
  const std::vector<int> cycles(cycle_set.begin(), cycle_set.end());
  constexpr int kWidth = 640, kHeight = 260, kLeft = 40, kRight = 150, kTop = 10, kBottom = 230;
  const auto x_of = [&](int cycle) {
    const auto i = std::find(cycles.begin(), cycles.end(), cycle) - cycles.begin();
    if (cycles.size() == 1) return kLeft + (kWidth - kLeft - kRight) / 2;
    return kLeft +
           static_cast<int>(i) * (kWidth - kLeft - kRight) / static_cast<int>(cycles.size() - 1);
  };
  const auto y_of = [&](double v) { return kBottom - v * (kBottom - kTop) / 100; };
  std::string svg = fmt::format(
      R"(<svg class="chart" role="img" viewBox="0 0 {} {}" width="100%" aria-label="{}">)"
      R"(<title>{}</title>)",
      kWidth, kHeight + 10, EscapeHtml(title), EscapeHtml(title));
  for (int tick = 0; tick <= 100; tick += 25) {
    svg += fmt::format(R"(<line x1="{0}" y1="{1:.1f}" x2="{2}" y2="{1:.1f}" class="grid"/>)"
                       R"(<text x="{3}" y="{4:.1f}" class="tick">{5}</text>)",
                       kLeft, y_of(tick), kWidth - kRight, kLeft - 18, y_of(tick) + 4, tick);
  }
  for (int c : cycles) {
    svg += fmt::format(R"(<text x="{}" y="{}" class="tick">{}</text>)", x_of(c), kBottom + 18, c);
  }
  int legend = 0;
  for (std::size_t i = 0; i < trend.series.size(); ++i) {
    const auto& s = trend.series[i];
    std::string points;
    for (const auto& p : s.points) {
      if (p.stats) points += fmt::format("{},{:.1f} ", x_of(p.cycle), y_of(p.stats->mean));
    }
    if (points.empty()) continue;  // every point suppressed: nothing may be drawn
    const auto colour = kPalette[i % std::size(kPalette)];
    const bool strong = !highlight.empty() && s.key == highlight;
    svg += fmt::format(R"(<polyline points="{}" fill="none" stroke="{}" stroke-width="{}"/>)"
                       R"(<text x="{}" y="{}" fill="{}" class="legend">{}</text>)",
                       points, colour, strong ? 4 : 2, kWidth - kRight + 10,
                       kTop + 14 + legend * 16, colour, EscapeHtml(s.label));
    ++legend;
  }
  return svg + "</svg>";
}

// Horizontal bars of counts, scaled to the largest; withheld counts are named, never drawn.
std::string CountChart(const std::string& title, const std::vector<Count>& rows, int k_min) {
  constexpr int kLabel = 290, kBar = 360, kRow = 24, kTop = 8;
  std::int64_t max = 1;
  for (const auto& r : rows) max = std::max(max, r.value.value_or(0));
  const int height = kTop + static_cast<int>(rows.size()) * kRow + 8;
  std::string svg = fmt::format(
      R"(<svg class="chart" role="img" viewBox="0 0 {} {}" width="100%" aria-label="{}">)"
      R"(<title>{}</title>)",
      kLabel + kBar + 110, height, EscapeHtml(title), EscapeHtml(title));
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto& r = rows[i];
    const int y = kTop + static_cast<int>(i) * kRow;
    svg += fmt::format(R"(<text x="{}" y="{}" class="label">{}</text>)", kLabel - 8, y + 16,
                       EscapeHtml(r.label));
    if (!r.value) {
      svg += fmt::format(R"(<text x="{}" y="{}" class="suppressed">fewer than {} providers: )"
                         R"(not shown</text>)",
                         kLabel + 4, y + 16, k_min);
      continue;
    }
    const double w = static_cast<double>(*r.value) * kBar / static_cast<double>(max);
    svg += fmt::format(R"(<rect x="{}" y="{}" width="{:.1f}" height="{}" class="bar"/>)"
                       R"(<text x="{:.1f}" y="{}" class="value">{}</text>)",
                       kLabel, y + 4, w, kRow - 8, kLabel + w + 6, y + 16, *r.value);
  }
  return svg + "</svg>";
}

std::string IncidentSection(const IncidentFigures& f) {
  std::string html =
      fmt::format("<h2>Incidents reported under NIS2</h2><p class=\"note\">{}. Total: {}.</p>",
                  EscapeHtml(f.period),
                  f.total.value ? std::to_string(*f.total.value)
                                : fmt::format("fewer than {} providers: not shown", f.k_min));
  html += "<figure>" + CountChart("Incidents by type", f.by_type, f.k_min) + "</figure>";
  html += "<figure>" + CountChart("Incidents by Member State", f.by_country, f.k_min) + "</figure>";
  html += "<figure>" + CountChart("Impact on patient care", f.care_impact, f.k_min) + "</figure>";
  return html;
}

constexpr std::string_view kStyle = R"(
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#111827;max-width:60rem;margin:2rem auto;padding:0 1rem;line-height:1.45}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #d1d5db;padding-bottom:.2rem}
.meta{color:#4b5563}.figures{display:flex;gap:1.5rem;flex-wrap:wrap}.figure{border:1px solid #d1d5db;border-radius:6px;padding:.6rem 1rem}
.figure b{display:block;font-size:1.5rem}table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.3rem .5rem;border-bottom:1px solid #e5e7eb}
td.num,th.num{text-align:right}.chart text{font-size:12px;fill:#374151}.chart .label{text-anchor:end}.chart .strong{font-weight:700}
.chart .tick{text-anchor:middle;font-size:11px;fill:#6b7280}.chart .grid{stroke:#e5e7eb}.chart .bar{fill:#60a5fa}.chart .highlight{fill:#1d4ed8}
.chart .whisker{stroke:#111827;stroke-width:1.5}.chart .suppressed{fill:#6b7280;font-style:italic}.chart .legend{font-size:12px}
.note{color:#4b5563;font-size:.9rem}figure{margin:1rem 0;break-inside:avoid}
@page{size:A4;margin:15mm}@media print{body{margin:0;max-width:none}h2{break-after:avoid}}
)";

std::string Figure(std::string_view label, const std::string& value) {
  return fmt::format(R"(<div class="figure">{}<b>{}</b></div>)", EscapeHtml(label), value);
}

}  // namespace

std::string EscapeHtml(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string RenderProgressReport(const ProgressInput& in) {
  const auto title =
      fmt::format("Healthcare cybersecurity progress report {}: {}", in.cycle, in.scope_label);
  std::string html = fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title>"
      "<style>{}</style></head><body>",
      EscapeHtml(title), kStyle);
  html += fmt::format(
      R"(<header><h1>{}</h1><p class="meta">Issued by {} on {}. Assessment cycle {}.</p></header>)",
      EscapeHtml(title), EscapeHtml(in.issuer), FormatRfc3339(in.generated_at), in.cycle);

  const Distribution* eu = nullptr;
  if (!in.eu.groups.empty() && in.eu.groups.front().stats) eu = &*in.eu.groups.front().stats;
  int providers = 0, submitted = 0, accepted = 0;
  for (const auto& c : in.coverage) {
    providers += c.providers;
    submitted += c.submitted;
    accepted += c.accepted;
  }
  html += "<h2>At a glance</h2><div class=\"figures\">";
  html += Figure("EU index (mean, 0–100)", eu ? OneDecimal(eu->mean) : "not shown");
  html += Figure("EU median", eu ? OneDecimal(eu->median) : "not shown");
  html += Figure("Providers assessed in the EU", eu ? std::to_string(eu->n) : "fewer than 5");
  html += Figure(fmt::format("Assessed in {}", in.scope_label),
                 providers > 0 ? fmt::format("{} of {} providers", submitted + accepted, providers)
                               : std::string("no providers"));
  html += "</div>";

  html += "<h2>Index by Member State</h2><figure>" +
          BarChart("Index by Member State (mean; whisker: 25th–75th percentile)",
                   Rows(in.by_country, in.highlight_key)) +
          "</figure>";
  html +=
      "<h2>Trend by Member State</h2><figure>" +
      TrendChart("Mean index per cycle by Member State", in.trend_by_country, in.highlight_key) +
      "</figure>";
  html += "<h2>Index by sub-sector</h2><figure>" +
          BarChart("Index by type of provider", Rows(in.by_provider_type, {})) + "</figure>";
  html += "<h2>Index by size</h2><figure>" +
          BarChart("Index by size band", Rows(in.by_size_band, {})) + "</figure>";
  if (eu) {
    html += "<h2>Distribution across the EU</h2><figure>" +
            Histogram("Providers by index score band", *eu) + "</figure>";
    std::vector<BarRow> domains;
    for (const auto& d : eu->domains) {
      domains.push_back({d.title, d.mean, {}, {}, 0, false});
    }
    html += "<h2>Domains across the EU</h2><figure>" + BarChart("Mean score per domain", domains) +
            "</figure>";
    html +=
        "<h2>Maturity levels across the EU</h2><table><tr><th>Level</th>"
        "<th class=\"num\">Providers</th></tr>";
    for (const auto& [level, count] : eu->maturity) {
      html += fmt::format(R"(<tr><td>{}</td><td class="num">{}</td></tr>)", level, count);
    }
    html += "</table>";
  }

  if (in.incidents) html += IncidentSection(*in.incidents);

  html += fmt::format("<h2>Participation in {}</h2>", EscapeHtml(in.scope_label));
  html +=
      "<table><tr><th>Member State</th><th class=\"num\">Providers</th>"
      "<th class=\"num\">Submitted, awaiting review</th><th class=\"num\">Accepted</th>"
      "<th class=\"num\">Coverage</th></tr>";
  for (const auto& c : in.coverage) {
    const double share = c.providers > 0 ? 100.0 * (c.submitted + c.accepted) / c.providers : 0;
    html += fmt::format(
        R"(<tr><td>{}</td><td class="num">{}</td><td class="num">{}</td><td class="num">{}</td>)"
        R"(<td class="num">{:.0f}%</td></tr>)",
        EscapeHtml(c.label), c.providers, c.submitted, c.accepted, share);
  }
  html += "</table>";
  html += fmt::format(
      "<h2>Method</h2><p class=\"note\">Scores come from self-assessments submitted to or "
      "accepted by the national authorities, frozen at submission. Each provider counts once per "
      "cycle. Figures for groups of fewer than {} providers are never shown, not even their size. "
      "The method and how to recompute every figure from the index export are described in "
      "docs/index-method.md of the Caduceus hub. Incident counts are never shown for groups of "
      "as few providers either. Early-warning acknowledgement rates join this report when "
      "the hub's early-warning module is installed; this hub has none yet.</p>",
      assessment::kIndexMinProviders);
  return html + "</body></html>\n";
}

}  // namespace caduceus::report
