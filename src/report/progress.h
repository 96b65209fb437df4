// The progress report the Action Plan asks of the Support Centre: the healthcare cybersecurity
// index by Member State, sub-sector and size, its trends, and how many providers took part, as
// one standalone HTML document with SVG charts and print styles (print it to PDF from any
// browser). It holds only aggregates the index already shows (groups of at least five
// providers) and coverage counts; it runs no script and loads nothing.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "assessment/service.h"
#include "core/clock.h"

namespace caduceus::report {

// A count that is withheld (nullopt) when fewer than five providers are behind it.
struct Count {
  std::string label;
  std::optional<std::int64_t> value;
};

// Incidents reported under NIS2 in the period, as the incident statistics give them.
struct IncidentFigures {
  std::string period;  // "2025-11-29 to 2026-11-29"
  int k_min = 5;       // the smallest number of providers a shown count covers
  Count total;
  std::vector<Count> by_type;
  std::vector<Count> by_country;
  std::vector<Count> care_impact;
};

struct ProgressInput {
  std::string scope_label;  // "European Union", "Belgium"
  std::string issuer;       // the organisation producing the report
  TimePoint generated_at;
  int cycle = 0;
  assessment::IndexReport eu;
  assessment::IndexReport by_country;
  assessment::IndexReport by_provider_type;
  assessment::IndexReport by_size_band;
  assessment::TrendReport trend_by_country;
  std::vector<assessment::CoverageGroup> coverage;  // per Member State in scope
  // Member State the scope is limited to (highlighted in the charts); empty for the EU.
  std::string highlight_key;
  std::optional<IncidentFigures> incidents;
};

// Renders the report; every text from the input is HTML-escaped.
std::string RenderProgressReport(const ProgressInput& input);

// Escapes text for HTML element content and attribute values.
std::string EscapeHtml(std::string_view text);

}  // namespace caduceus::report
