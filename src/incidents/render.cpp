#include "incidents/render.h"

#include <map>
#include <utility>
#include <vector>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "report/progress.h"

namespace caduceus::incidents {

namespace {

using report::EscapeHtml;

constexpr std::string_view kStyle = R"(
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1b1f24;margin:2rem;
max-width:60rem;line-height:1.45}
h1{font-size:1.5rem;margin:0 0 .25rem}h2{font-size:1.15rem;margin:1.75rem 0 .5rem;
border-bottom:1px solid #ccd;padding-bottom:.2rem}h3{font-size:1rem;margin:1rem 0 .35rem}
.meta{color:#555;margin:0}
table{border-collapse:collapse;width:100%;margin:.25rem 0 1rem}
th,td{border:1px solid #ccd;padding:.3rem .45rem;text-align:left;vertical-align:top}
th{background:#f2f4f8;font-weight:600;width:16rem}
td.text{white-space:pre-wrap;word-break:break-word}
.state-overdue,.state-met_late{color:#a4000f;font-weight:600}
.state-due_soon{color:#8a5a00;font-weight:600}.state-met{color:#1d6b2f}
.badge{display:inline-block;padding:0 .4rem;border:1px solid #889;border-radius:.3rem;
font-size:.85rem}
@media print{body{margin:0;max-width:none;font-size:10pt}h2{break-after:avoid}
tr,.event{break-inside:avoid}@page{margin:1.5cm}}
)";

std::string Time(const std::optional<TimePoint>& t) { return t ? FormatRfc3339(*t) : "—"; }

std::string YesNo(bool b) { return b ? "yes" : "no"; }

using Rows = std::vector<std::pair<std::string, std::string>>;

struct Describe {
  Rows operator()(const EarlyWarning& e) const {
    return {{"Summary", e.summary},
            {"Suspected unlawful or malicious act", e.suspected_malicious},
            {"Possible cross-border impact", e.cross_border},
            {"Severe operational disruption or financial loss", e.severe_disruption_or_loss},
            {"Considerable damage to other persons", e.considerable_damage_to_others}};
  }
  Rows operator()(const Notification& n) const {
    std::string services;
    for (const auto& s : n.patient_care.services_down) {
      services += (services.empty() ? "" : "\n") + s;
    }
    return {{"Initial assessment", n.initial_assessment},
            {"Severity", n.severity},
            {"Impact", n.impact},
            {"Type of incident", std::string(IncidentTypeLabel(n.incident_type))},
            {"Clinical services down", services.empty() ? "none" : services},
            {"Patients diverted", YesNo(n.patient_care.patients_diverted)},
            {"Duration of impact on care (hours)",
             n.patient_care.duration_hours ? fmt::format("{}", *n.patient_care.duration_hours)
                                           : "unknown"},
            {"Health data affected (records)", n.health_data_affected},
            {"Ransom demanded", YesNo(n.ransom.demanded)},
            {"Ransom paid", YesNo(n.ransom.paid)},
            {"Ransom amount (EUR band)", n.ransom.amount_band},
            {"Indicators of compromise", fmt::format("{} (listed below)", n.iocs.size())}};
  }
  Rows operator()(const Intermediate& m) const {
    return {{"Update", m.update},
            {"Answers request",
             m.answers_request_id ? fmt::format("#{}", *m.answers_request_id) : "—"}};
  }
  Rows operator()(const Progress& p) const {
    return {{"Status", p.status_summary},
            {"Measures ongoing", p.measures_ongoing},
            {"Expected end", p.expected_end.value_or("unknown")}};
  }
  Rows operator()(const Final& f) const {
    return {{"Detailed description", f.detailed_description},
            {"Severity", f.severity},
            {"Impact", f.impact},
            {"Type of threat or root cause", f.root_cause},
            {"Mitigation applied", f.mitigation_applied},
            {"Mitigation ongoing", f.mitigation_ongoing},
            {"Cross-border impact", f.cross_border_impact}};
  }
};

void Table(std::string& html, const Rows& rows) {
  html += "<table>";
  for (const auto& [label, value] : rows) {
    html += fmt::format(R"(<tr><th>{}</th><td class="text">{}</td></tr>)", EscapeHtml(label),
                        EscapeHtml(value));
  }
  html += "</table>";
}

// One line of text for an event, from its stored detail.
std::string EventText(const TimelineEvent& e) {
  const auto str = [&](std::string_view key) -> std::string {
    const auto* v = e.detail.if_contains(key);
    if (v == nullptr) return {};
    if (v->is_string()) return std::string(v->get_string());
    if (v->is_null()) return {};
    return boost::json::serialize(*v);
  };
  if (e.kind == "created") return "Incident opened: " + str("title");
  if (e.kind == "report_submitted") {
    const auto stage = ParseStage(str("stage"));
    return fmt::format("{} submitted (version {})", stage ? StageLabel(*stage) : str("stage"),
                       str("version"));
  }
  if (e.kind == "acknowledged") return "Acknowledged by the CSIRT";
  if (e.kind == "information_requested") {
    return fmt::format("Information requested (due {}): {}", str("due_at"), str("question"));
  }
  if (e.kind == "guidance") return "Guidance: " + str("text");
  if (e.kind == "message") return "Message: " + str("text");
  if (e.kind == "classified") {
    return fmt::format("Classified: {}, severity {}, significant: {}",
                       IncidentTypeLabel(str("category")), str("severity"), str("significant"));
  }
  if (e.kind == "closed") return "Closed: " + str("summary");
  if (e.kind == "handled") return "Handling ended at " + str("handled_at");
  if (e.kind == "shared") return "Shared with the support centre";
  if (e.kind == "rapid_response_requested") {
    return fmt::format("EU rapid response requested for {}: {}", str("entity"),
                       str("support_wanted"));
  }
  if (e.kind == "reminder") {
    const auto stage = ParseStage(str("stage"));
    return fmt::format("{} {} (due {})", stage ? StageLabel(*stage) : str("stage"),
                       str("state") == "overdue" ? "is overdue" : "is due soon", str("due_at"));
  }
  return e.kind;
}

}  // namespace

std::string RenderIncidentReport(const Incident& inc, TimePoint generated_at) {
  const auto& s = inc.summary;
  const std::string title = fmt::format("{} — {}", s.reference, s.title);
  std::string html = fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"referrer\" content=\"no-referrer\"><title>{}</title><style>{}</style>"
      "</head><body>",
      EscapeHtml(title), kStyle);
  html += fmt::format(
      R"(<header><h1>{}</h1><p class="meta">NIS2 incident report of {} to {}. Printed {}.</p>)"
      "</header>",
      EscapeHtml(title), EscapeHtml(s.provider_name), EscapeHtml(s.authority_name),
      FormatRfc3339(generated_at));

  html += "<h2>Summary</h2>";
  Rows summary = {
      {"Reference", s.reference},
      {"Status", std::string(ToString(s.status)) + (s.ongoing ? ", ongoing" : "")},
      {"Provider", s.provider_name},
      {"Member State", s.country},
      {"Routed to", s.authority_name},
      {"Became aware", FormatRfc3339(s.aware_at)},
      {"Opened", FormatRfc3339(s.created_at)},
      {"Acknowledged", Time(s.acknowledged_at)},
      {"Handling ended", Time(s.handled_at)},
      {"Closed", Time(s.closed_at)},
      {"Shared with the support centre", YesNo(s.shared_with_support_centre)},
      {"EU rapid response requested", Time(s.rapid_response_requested_at)},
      {"Type of incident",
       s.incident_type ? std::string(IncidentTypeLabel(*s.incident_type)) : "—"},
      {"Severity", s.severity.value_or("—")},
  };
  if (s.classification) {
    summary.push_back(
        {"CSIRT classification",
         fmt::format("{}, severity {}, {}", IncidentTypeLabel(s.classification->category),
                     s.classification->severity,
                     s.classification->significant ? "significant" : "not significant")});
  }
  Table(html, summary);

  html +=
      "<h2>Deadlines</h2><table><tr><th>Stage</th><th>Due</th><th>State</th>"
      "<th>Submitted</th></tr>";
  for (const auto& d : s.deadlines) {
    const auto state = ToString(d.state);
    html +=
        fmt::format(R"(<tr><td>{}{}</td><td>{}</td><td class="state-{}">{}</td><td>{}</td></tr>)",
                    EscapeHtml(StageLabel(d.stage)),
                    d.request_id ? EscapeHtml(fmt::format(" (request #{})", *d.request_id)) : "",
                    EscapeHtml(d.due_at ? FormatRfc3339(*d.due_at) : std::string("—")), state,
                    state, EscapeHtml(Time(d.submitted_at)));
  }
  html += "</table>";

  html += "<h2>Reports</h2>";
  std::map<Stage, std::pair<const Report*, int>> latest;
  for (const auto& r : inc.reports) {
    auto& entry = latest[StageOf(r.fields)];
    entry.first = &r;
    ++entry.second;
  }
  if (latest.empty()) html += "<p>No report has been submitted yet.</p>";
  const Notification* notification = nullptr;
  for (const auto& [stage, entry] : latest) {
    const Report& r = *entry.first;
    html += fmt::format("<h3>{} <span class=\"badge\">version {}</span></h3>",
                        EscapeHtml(StageLabel(stage)), r.version);
    html += fmt::format(
        R"(<p class="meta">Submitted {} by {}{}.</p>)", FormatRfc3339(r.submitted_at),
        EscapeHtml(r.submitted_by),
        entry.second > 1 ? EscapeHtml(fmt::format("; {} earlier versions", entry.second - 1)) : "");
    Table(html, std::visit(Describe{}, r.fields));
    if (const auto* n = std::get_if<Notification>(&r.fields)) notification = n;
  }

  if (notification != nullptr && !notification->iocs.empty()) {
    html += "<h2>Indicators of compromise</h2><table><tr><th>Type</th><th>Value</th></tr>";
    for (const auto& i : notification->iocs) {
      html += fmt::format(R"(<tr><td>{}</td><td class="text">{}</td></tr>)",
                          EscapeHtml(ToString(i.type)), EscapeHtml(i.value));
    }
    html += "</table>";
  }

  if (!inc.requests.empty()) {
    html +=
        "<h2>Information requests</h2><table><tr><th>Question</th><th>Asked</th>"
        "<th>Due</th><th>Answered</th></tr>";
    for (const auto& q : inc.requests) {
      html += fmt::format(
          R"(<tr><td class="text">#{} {}</td><td>{} by {}</td><td>{}</td><td>{}</td></tr>)", q.id,
          EscapeHtml(q.question), FormatRfc3339(q.asked_at), EscapeHtml(q.asked_by),
          FormatRfc3339(q.due_at), EscapeHtml(Time(q.answered_at)));
    }
    html += "</table>";
  }

  for (const auto& rr : inc.rapid_responses) {
    html += fmt::format("<h2>EU rapid-response request of {}</h2>", FormatRfc3339(rr.requested_at));
    Table(html, {{"Entity", rr.request.entity},
                 {"Impact", rr.request.impact},
                 {"Support wanted", rr.request.support_wanted},
                 {"Mitigation taken", rr.request.mitigation_taken},
                 {"Other support available", rr.request.other_support.value_or("—")},
                 {"Requested by", rr.requested_by}});
  }

  html += "<h2>Timeline</h2><table><tr><th>Time</th><th>Who</th><th>What</th></tr>";
  for (const auto& e : inc.timeline) {
    const std::string who = e.organisation_name.empty()
                                ? e.actor
                                : fmt::format("{} ({})", e.actor, e.organisation_name);
    html += fmt::format(R"(<tr class="event"><td>{}</td><td>{}</td><td class="text">{}</td></tr>)",
                        FormatRfc3339(e.at), EscapeHtml(who), EscapeHtml(EventText(e)));
  }
  html += "</table></body></html>\n";
  return html;
}

std::string CsvField(std::string_view text) {
  std::string value;
  if (!text.empty() && std::string_view("=+-@\t\r").find(text.front()) != std::string_view::npos) {
    value = "'";
  }
  value += text;
  const bool quote = value.find_first_of(",\"\r\n") != std::string::npos ||
                     (!value.empty() && (value.front() == ' ' || value.back() == ' '));
  if (!quote) return value;
  std::string out = "\"";
  for (const char c : value) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string StatisticsCsv(const Statistics& st) {
  std::string csv = "dimension,key,label,incidents,suppressed\r\n";
  csv += fmt::format("scope,{},{},,\r\n", CsvField(st.scope_key), CsvField(st.organisation));
  const auto row = [&](std::string_view dimension, const StatGroup& g) {
    csv += fmt::format("{},{},{},{},{}\r\n", dimension, CsvField(g.key), CsvField(g.label),
                       g.incidents ? std::to_string(*g.incidents) : std::string(),
                       g.incidents ? "false" : "true");
  };
  row("total", st.total);
  for (const auto& g : st.by_type) row("type", g);
  for (const auto& g : st.by_month) row("month", g);
  for (const auto& g : st.by_country) row("country", g);
  for (const auto& g : st.by_provider_type) row("provider_type", g);
  for (const auto& g : st.care_impact) row("care_impact", g);
  return csv;
}

}  // namespace caduceus::incidents
