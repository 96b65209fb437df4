// The printable report escapes everything people wrote; the CSV export quotes hostile text so a
// spreadsheet reads it as text in its own cell.
#include "incidents/render.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace caduceus::incidents {
namespace {

const std::string kHostile = "<script>alert(\"x\")</script><img src=x onerror='y'>&amp;";

TimePoint At(std::string_view text) { return *ParseRfc3339(text); }

Incident HostileIncident() {
  Incident inc;
  auto& s = inc.summary;
  s.id = 7;
  s.reference = "INC-2026-000007";
  s.title = kHostile;
  s.provider_name = kHostile;
  s.authority_name = "BSI";
  s.country = "DE";
  s.aware_at = At("2026-03-02T09:00:00Z");
  s.created_at = s.aware_at;
  s.updated_at = s.aware_at;
  s.deadlines.push_back({Stage::kEarlyWarning, s.aware_at + std::chrono::hours(24),
                         DeadlineState::kOverdue, std::nullopt, std::nullopt, std::nullopt});
  Notification n;
  n.initial_assessment = kHostile;
  n.severity = "high";
  n.impact = kHostile;
  n.incident_type = "ransomware";
  n.iocs = {{IocType::kUrl, "https://evil.example/?q=<b>\"'"}, {IocType::kOther, kHostile}};
  n.patient_care = {{kHostile}, true, std::nullopt};
  n.health_data_affected = "unknown";
  n.ransom = {false, false, "none"};
  inc.reports.push_back({1, 1, n, kHostile, std::nullopt, s.aware_at});
  inc.requests.push_back(
      {3, kHostile, s.aware_at, s.aware_at, kHostile, std::nullopt, std::nullopt});
  inc.rapid_responses.push_back(
      {4, {kHostile, kHostile, kHostile, kHostile, kHostile}, kHostile, s.aware_at});
  TimelineEvent e;
  e.kind = "message";
  e.at = s.aware_at;
  e.actor = kHostile;
  e.organisation_name = kHostile;
  e.detail = {{"text", kHostile}};
  inc.timeline.push_back(e);
  return inc;
}

TEST(IncidentReportHtml, EscapesEverythingPeopleWrote) {
  const std::string html = RenderIncidentReport(HostileIncident(), At("2026-03-03T00:00:00Z"));
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("<img"), std::string::npos);
  EXPECT_EQ(html.find("onerror='"), std::string::npos);
  EXPECT_EQ(html.find("<b>"), std::string::npos);
  EXPECT_EQ(html.find("href="), std::string::npos);  // no links, not even to indicators
  EXPECT_NE(html.find("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(html.find("&amp;amp;"), std::string::npos);
  EXPECT_NE(html.find("INC-2026-000007"), std::string::npos);
  EXPECT_NE(html.find("@media print"), std::string::npos);
  EXPECT_NE(html.find("class=\"state-overdue\""), std::string::npos);
  // Every tag in the document is one the renderer wrote.
  const std::vector<std::string> allowed = {"!DOCTYPE", "html",   "head", "meta", "title", "style",
                                            "body",     "header", "h1",   "h2",   "h3",    "p",
                                            "table",    "tr",     "th",   "td",   "span",  "/"};
  for (std::size_t at = html.find('<'); at != std::string::npos; at = html.find('<', at + 1)) {
    const auto name_end = html.find_first_of(" >", at + 1);
    std::string name = html.substr(at + 1, name_end - at - 1);
    if (!name.empty() && name[0] == '/') name = name.substr(1);
    const bool known = std::find(allowed.begin(), allowed.end(), name) != allowed.end();
    EXPECT_TRUE(known) << "unexpected tag <" << name << "> at " << at;
  }
}

TEST(Csv, QuotesAndNeutralisesHostileText) {
  EXPECT_EQ(CsvField("plain"), "plain");
  EXPECT_EQ(CsvField(""), "");
  EXPECT_EQ(CsvField("a,b"), "\"a,b\"");
  EXPECT_EQ(CsvField("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(CsvField("two\r\nlines"), "\"two\r\nlines\"");
  EXPECT_EQ(CsvField(" padded "), "\" padded \"");
  EXPECT_EQ(CsvField("=HYPERLINK(\"http://evil\",\"x\")"),
            "\"'=HYPERLINK(\"\"http://evil\"\",\"\"x\"\")\"");
  EXPECT_EQ(CsvField("+1"), "'+1");
  EXPECT_EQ(CsvField("-1"), "'-1");
  EXPECT_EQ(CsvField("@SUM(A1)"), "'@SUM(A1)");
  EXPECT_EQ(CsvField("\tx"), "'\tx");
}

TEST(Csv, StatisticsHaveOneRowPerGroupAndEmptyCountsWhenSuppressed) {
  Statistics st;
  st.scope_key = "DE";
  st.scope_label = "Germany";
  st.organisation = "=cmd|' /C calc'!A0, \"BSI\"";
  st.total = {"total", "All incidents", 12};
  st.by_type = {{"ransomware", "Ransomware", 7}, {"ddos", "Denial of service", std::nullopt}};
  st.care_impact = {{"ransom_paid", "Ransom paid", std::nullopt}};
  const std::string csv = StatisticsCsv(st);
  EXPECT_EQ(csv,
            "dimension,key,label,incidents,suppressed\r\n"
            "scope,DE,\"'=cmd|' /C calc'!A0, \"\"BSI\"\"\",,\r\n"
            "total,total,All incidents,12,false\r\n"
            "type,ransomware,Ransomware,7,false\r\n"
            "type,ddos,Denial of service,,true\r\n"
            "care_impact,ransom_paid,Ransom paid,,true\r\n");
}

}  // namespace
}  // namespace caduceus::incidents
