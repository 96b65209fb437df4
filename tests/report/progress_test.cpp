// The progress report: what it shows, what it hides, and that nothing in it can run.
#include "report/progress.h"

#include <gtest/gtest.h>

namespace caduceus::report {
namespace {

using assessment::Dimension;
using assessment::Distribution;
using assessment::IndexGroup;

Distribution Stats(int n, double mean) {
  Distribution d;
  d.n = n;
  d.mean = mean;
  d.median = mean + 1;
  d.p10 = mean - 20;
  d.p25 = mean - 10;
  d.p75 = mean + 10;
  d.p90 = mean + 15;
  d.histogram = {0, 0, 0, 0, 1, 2, 3, 4, 0, 0};
  d.maturity = {{1, 0}, {2, 3}, {3, 7}};
  d.domains = {{"backup", "Backups and recovery", mean - 5, mean - 4}};
  return d;
}

ProgressInput Input() {
  ProgressInput in;
  in.scope_label = "Belgium";
  in.issuer = "Belgian Health CSIRT";
  in.cycle = 2026;
  in.eu.by = Dimension::kEu;
  in.eu.groups = {{"EU", "European Union", Stats(12, 71.25)}};
  in.by_country.by = Dimension::kCountry;
  in.by_country.groups = {{"BE", "Belgium", Stats(6, 64.5)},
                          {"LU", "Luxembourg", std::nullopt},
                          {"NL", "Netherlands", Stats(6, 77.0)}};
  in.by_provider_type.groups = {{"hospital", "Hospitals", Stats(5, 60)}};
  in.by_size_band.groups = {{"large", "Large", std::nullopt}};
  in.trend_by_country.by = Dimension::kCountry;
  in.trend_by_country.series = {{"BE", "Belgium", {{2025, Stats(5, 55)}, {2026, Stats(6, 64.5)}}},
                                {"LU", "Luxembourg", {{2025, std::nullopt}, {2026, std::nullopt}}}};
  in.coverage = {{"BE", "Belgium", 8, 2, 4}};
  in.highlight_key = "BE";
  return in;
}

TEST(ProgressReport, ShowsTheFiguresOfGroupsLargeEnough) {
  const auto html = RenderProgressReport(Input());
  EXPECT_NE(html.find("<!DOCTYPE html>"), std::string::npos);
  EXPECT_NE(html.find("progress report 2026: Belgium"), std::string::npos);
  EXPECT_NE(html.find("71.2"), std::string::npos) << "the EU mean, one decimal";
  EXPECT_NE(html.find("64.5 (n=6)"), std::string::npos);
  EXPECT_NE(html.find("77.0 (n=6)"), std::string::npos);
  EXPECT_NE(html.find("6 of 8 providers"), std::string::npos) << "submitted + accepted";
  EXPECT_NE(html.find("75%"), std::string::npos) << "coverage of Belgium";
  EXPECT_NE(html.find("Backups and recovery"), std::string::npos);
  EXPECT_NE(html.find("<polyline"), std::string::npos) << "Belgium's trend line";
}

TEST(ProgressReport, SuppressedGroupsAreNamedButCarryNoNumbers) {
  const auto html = RenderProgressReport(Input());
  const auto lu = html.find(">Luxembourg<");
  ASSERT_NE(lu, std::string::npos);
  const auto row_end = html.find("</text>", html.find("<text", lu + 1));
  const auto row = html.substr(lu, row_end - lu);
  EXPECT_NE(row.find("fewer than 5 providers"), std::string::npos) << row;
  EXPECT_EQ(row.find("n="), std::string::npos) << row;
  // Every point of Luxembourg's trend is suppressed: no line and no legend entry for it.
  EXPECT_EQ(html.find(">Luxembourg</text></svg>"), std::string::npos);
  std::size_t polylines = 0;
  for (auto at = html.find("<polyline"); at != std::string::npos;
       at = html.find("<polyline", at + 1)) {
    ++polylines;
  }
  EXPECT_EQ(polylines, 1u);
}

TEST(ProgressReport, EscapesEveryTextFromTheInput) {
  auto in = Input();
  in.issuer = "<script>alert(1)</script>";
  in.by_country.groups[0].label = "B\"E' onload=x <img>";
  in.coverage[0].label = "</td><script>";
  const auto html = RenderProgressReport(in);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("<img"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(html.find("B&quot;E&#39; onload=x &lt;img&gt;"), std::string::npos);
}

TEST(ProgressReport, WithoutEuFiguresItSaysSoInsteadOfShowingZeros) {
  auto in = Input();
  in.eu.groups = {{"EU", "European Union", std::nullopt}};
  const auto html = RenderProgressReport(in);
  EXPECT_NE(html.find("<b>not shown</b>"), std::string::npos);
  EXPECT_EQ(html.find("Distribution across the EU"), std::string::npos);
}

TEST(ProgressReport, IncidentCountsAreDrawnAndWithheldCountsOnlyNamed) {
  auto in = Input();
  EXPECT_EQ(RenderProgressReport(in).find("Incidents reported under NIS2"), std::string::npos)
      << "no section without incident figures";
  IncidentFigures f;
  f.period = "2025-11-29 to 2026-11-29";
  f.total = {"All incidents", 17};
  f.by_type = {{"Ransomware", 9}, {"Insider", std::nullopt}};
  f.by_country = {{"Belgium", 17}};
  f.care_impact = {{"Patients diverted", std::nullopt}};
  in.incidents = f;
  const auto html = RenderProgressReport(in);
  EXPECT_NE(html.find("Incidents reported under NIS2"), std::string::npos);
  EXPECT_NE(html.find("Total: 17."), std::string::npos);
  const auto insider = html.find(">Insider<");
  ASSERT_NE(insider, std::string::npos);
  const auto row = html.substr(insider, html.find("</text>", insider + 10) - insider);
  EXPECT_NE(row.find("fewer than 5 providers"), std::string::npos) << row;
  EXPECT_NE(html.find(">9</text>"), std::string::npos);
}

TEST(EscapeHtml, EscapesTheFiveSpecialCharacters) {
  EXPECT_EQ(EscapeHtml(R"(a&b<c>d"e'f)"), "a&amp;b&lt;c&gt;d&quot;e&#39;f");
  EXPECT_EQ(EscapeHtml("Zürich"), "Zürich");
}

}  // namespace
}  // namespace caduceus::report
