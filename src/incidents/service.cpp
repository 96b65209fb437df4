#include "incidents/service.h"

#include <algorithm>
#include <array>
#include <limits>
#include <map>
#include <set>
#include <utility>

#include <boost/json.hpp>
#include <fmt/format.h>

namespace caduceus::incidents {

namespace json = boost::json;
using identity::Actor;
using identity::AllowedOnIncident;
using identity::IncidentAction;
using identity::IncidentRef;
using identity::OrgKind;
using identity::Permission;
using storage::Int;
using storage::Null;
using storage::Row;
using storage::Text;
using storage::Tx;
using storage::Value;

namespace {

constexpr std::string_view kColumns =
    "i.id, i.provider_id, i.authority_id, i.title, i.aware_at, i.created_at, i.updated_at, "
    "i.status, i.shared_with_support_centre, i.acknowledged_at, i.handled_at, i.closed_at, "
    "i.rapid_response_at, i.early_warning_at, i.notification_at, i.progress_at, i.final_at, "
    "i.latest_stage, i.incident_type, i.severity, i.class_category, i.class_severity, "
    "i.class_significant, i.class_at, p.name, p.kind, p.parent_id, p.provider_type, p.country, "
    "a.name";
constexpr std::string_view kFrom =
    "FROM incidents i JOIN organisations p ON p.id = i.provider_id "
    "JOIN organisations a ON a.id = i.authority_id";
constexpr std::size_t kIdsPerQuery = 500;
constexpr int kMaxReminderIncidents = 1000;
constexpr int kMaxStatisticsMonths = 1200;
// 2000-01-01T00:00:00Z: nothing earlier is a plausible moment of awareness.
constexpr std::int64_t kEarliestAwareMillis = 946'684'800'000;

std::string ActorName(Actor actor) {
  return actor.principal ? actor.principal->username : std::string("system");
}

std::optional<std::int64_t> ActorOrg(Actor actor) {
  if (!actor.principal) return std::nullopt;
  return actor.principal->organisation_id;
}

Value OptInt(const std::optional<std::int64_t>& v) { return v ? Value(*v) : Null(); }

bool May(Actor actor, IncidentAction action, const IncidentRef& ref) {
  return !actor.principal || AllowedOnIncident(*actor.principal, action, ref);
}

std::optional<TimePoint> OptTime(const Row& r, std::size_t i) {
  if (auto v = r.OptInt(i)) return FromUnixMillis(*v);
  return std::nullopt;
}

std::string InList(std::size_t n) {
  std::string out = "(";
  for (std::size_t i = 0; i < n; ++i) out += i == 0 ? "?" : ", ?";
  return out + ")";
}

// The SQL condition (on alias i) matching exactly the incidents the principal may read, as
// AllowedOnIncident decides; rows are still checked one by one.
std::string VisibleCondition(Actor actor, std::vector<Value>& params) {
  if (!actor.principal) return "1 = 1";
  const auto& p = *actor.principal;
  params.push_back(Int(p.organisation_id));
  params.push_back(Int(p.organisation_id));
  std::string cond = "(i.provider_id = ? OR i.authority_id = ?";
  if (p.org_kind == OrgKind::kSupportCentre) cond += " OR i.shared_with_support_centre = 1";
  return cond + ")";
}

// An incident row as read with kColumns.
struct RowData {
  IncidentSummary summary;
  IncidentRef ref;
  DeadlineFacts facts;
};

RowData ReadRow(const Row& r) {
  RowData d;
  auto& s = d.summary;
  s.id = r.Int(0);
  s.provider_id = r.Int(1);
  s.authority_id = r.Int(2);
  s.title = r.Text(3);
  s.aware_at = FromUnixMillis(r.Int(4));
  s.created_at = FromUnixMillis(r.Int(5));
  s.updated_at = FromUnixMillis(r.Int(6));
  s.status = ParseIncidentStatus(r.Text(7)).value_or(IncidentStatus::kOpen);
  s.shared_with_support_centre = r.Int(8) != 0;
  s.acknowledged_at = OptTime(r, 9);
  s.handled_at = OptTime(r, 10);
  s.closed_at = OptTime(r, 11);
  s.rapid_response_requested_at = OptTime(r, 12);
  if (auto stage = r.OptText(17)) s.latest_stage = ParseStage(*stage);
  s.incident_type = r.OptText(18);
  s.severity = r.OptText(19);
  if (auto category = r.OptText(20)) {
    s.classification =
        Classification{*category, r.OptText(21).value_or(""), r.OptInt(22).value_or(0) != 0,
                       FromUnixMillis(r.OptInt(23).value_or(0))};
  }
  s.provider_name = r.Text(24);
  s.provider_type = r.OptText(27).value_or("");
  s.country = r.OptText(28).value_or("");
  s.authority_name = r.Text(29);
  s.reference = Reference(s.id, s.created_at);
  d.ref.provider = {s.provider_id, identity::ParseOrgKind(r.Text(25)).value_or(OrgKind::kProvider),
                    r.OptInt(26)};
  d.ref.authority_id = s.authority_id;
  d.ref.shared_with_support_centre = s.shared_with_support_centre;
  d.facts.aware_at = s.aware_at;
  d.facts.early_warning_at = OptTime(r, 13);
  d.facts.notification_at = OptTime(r, 14);
  d.facts.progress_at = OptTime(r, 15);
  d.facts.final_at = OptTime(r, 16);
  d.facts.handled_at = s.handled_at;
  d.facts.closed_at = s.closed_at;
  s.ongoing = !d.facts.final_at && !s.handled_at;
  return d;
}

void Finish(IncidentSummary& s, const DeadlineFacts& facts, TimePoint now) {
  s.deadlines = ComputeDeadlines(facts, now);
  s.waiting = {};
  s.waiting.unacknowledged = s.status == IncidentStatus::kOpen && !s.acknowledged_at;
  for (const auto& d : s.deadlines) {
    if (d.state == DeadlineState::kDueSoon) ++s.waiting.due_soon;
    if (d.state == DeadlineState::kOverdue) ++s.waiting.overdue;
  }
  for (const auto& r : facts.requests) {
    if (!r.answered_at) ++s.waiting.unanswered_requests;
  }
}

// Appends a timeline event; kConflict beyond kMaxEventsPerIncident.
Status AppendEvent(Tx& tx,
                   std::int64_t incident,
                   std::string_view kind,
                   std::int64_t at,
                   Actor actor,
                   const json::object& detail) {
  const auto count =
      tx.One("SELECT COUNT(*) FROM incident_events WHERE incident_id = ?", {Int(incident)});
  if (count->Int(0) >= kMaxEventsPerIncident) {
    return Error::Conflict(
        fmt::format("an incident may have at most {} timeline events", kMaxEventsPerIncident));
  }
  tx.Exec(
      "INSERT INTO incident_events (incident_id, kind, at, actor, organisation_id, detail) "
      "VALUES (?, ?, ?, ?, ?, ?)",
      {Int(incident), Text(std::string(kind)), Int(at), Text(ActorName(actor)),
       OptInt(ActorOrg(actor)), Text(json::serialize(detail))});
  return {};
}

// Locks the incident's row for this transaction and checks it is open.
Status LockOpen(Tx& tx, std::int64_t id, std::int64_t now_ms) {
  const auto locked =
      tx.Exec("UPDATE incidents SET updated_at = ? WHERE id = ? AND status = 'open'",
              {Int(now_ms), Int(id)});
  if (locked.affected_rows == 0) return Error::Conflict("the incident is closed");
  return {};
}

// The column holding the first submission time of a stage.
std::string_view FirstColumn(Stage stage) {
  switch (stage) {
    case Stage::kEarlyWarning:
      return "early_warning_at";
    case Stage::kNotification:
      return "notification_at";
    case Stage::kIntermediate:
      return "";
    case Stage::kProgress:
      return "progress_at";
    case Stage::kFinal:
      return "final_at";
  }
  return "";
}

ReportFields ReadFields(std::string_view stage, const std::string& text) {
  const auto parsed_stage = ParseStage(stage);
  if (!parsed_stage) {
    throw ErrorException({Errc::kInternal, "a stored report has an unknown stage", {}});
  }
  return ParseReportFields(*parsed_stage, json::parse(text)).value();
}

constexpr std::array<std::pair<std::string_view, std::string_view>, 7> kProviderTypes = {{
    {"hospital", "Hospital"},
    {"clinic", "Clinic"},
    {"laboratory", "Laboratory"},
    {"pharmacy", "Pharmacy"},
    {"care_home", "Care home"},
    {"medical_device_maker", "Medical device maker"},
    {"other", "Other"},
}};
constexpr std::array<std::string_view, 12> kMonthNames = {
    "January", "February", "March",     "April",   "May",      "June",
    "July",    "August",   "September", "October", "November", "December"};

std::chrono::year_month MonthOf(TimePoint t) {
  const std::chrono::year_month_day ymd{std::chrono::floor<std::chrono::days>(t)};
  return {ymd.year(), ymd.month()};
}

// "2026-03"
std::string MonthKey(std::chrono::year_month m) {
  return fmt::format("{:04d}-{:02d}", static_cast<int>(m.year()), static_cast<unsigned>(m.month()));
}

}  // namespace

// ---- Vocabulary ---------------------------------------------------------------------------------

std::string_view ToString(IncidentStatus status) {
  return status == IncidentStatus::kOpen ? "open" : "closed";
}

std::optional<IncidentStatus> ParseIncidentStatus(std::string_view text) {
  if (text == "open") return IncidentStatus::kOpen;
  if (text == "closed") return IncidentStatus::kClosed;
  return std::nullopt;
}

std::string Reference(std::int64_t id, TimePoint created_at) {
  const std::chrono::year_month_day ymd{std::chrono::floor<std::chrono::days>(created_at)};
  return fmt::format("INC-{}-{:06d}", static_cast<int>(ymd.year()), id);
}

// ---- Loading ------------------------------------------------------------------------------------

struct IncidentService::Loaded {
  RowData data;
};

IncidentService::IncidentService(storage::Database& db,
                                 const Clock& clock,
                                 identity::IdentityService& identity)
    : db_(db), clock_(clock), identity_(identity) {}

Result<IncidentService::Loaded> IncidentService::LoadVisible(Actor actor, std::int64_t id) {
  const auto row =
      db_.QueryOne(fmt::format("SELECT {} {} WHERE i.id = ?", kColumns, kFrom), {Int(id)});
  if (!row) return Error::NotFound("no such incident");
  Loaded l{ReadRow(*row)};
  if (!May(actor, IncidentAction::kRead, l.data.ref)) return Error::NotFound("no such incident");
  return l;
}

std::vector<IncidentSummary> IncidentService::Summaries(const std::vector<Row>& rows) {
  std::vector<RowData> data;
  std::map<std::int64_t, std::size_t> index;
  for (const auto& r : rows) {
    index[r.Int(0)] = data.size();
    data.push_back(ReadRow(r));
  }
  for (std::size_t start = 0; start < data.size(); start += kIdsPerQuery) {
    const std::size_t n = std::min(kIdsPerQuery, data.size() - start);
    std::vector<Value> ids;
    for (std::size_t i = 0; i < n; ++i) ids.push_back(Int(data[start + i].summary.id));
    const auto requests =
        db_.Query(fmt::format("SELECT incident_id, id, asked_at, due_at, answered_at FROM "
                              "incident_requests WHERE incident_id IN {} ORDER BY id",
                              InList(n)),
                  ids);
    for (const auto& r : requests.rows) {
      data[index.at(r.Int(0))].facts.requests.push_back(
          {r.Int(1), FromUnixMillis(r.Int(2)), FromUnixMillis(r.Int(3)), OptTime(r, 4)});
    }
  }
  const TimePoint now = clock_.Now();
  std::vector<IncidentSummary> out;
  for (auto& d : data) {
    Finish(d.summary, d.facts, now);
    out.push_back(std::move(d.summary));
  }
  return out;
}

Incident IncidentService::Build(Actor actor, const Loaded& l) {
  Incident inc;
  inc.summary = l.data.summary;
  const std::int64_t id = inc.summary.id;
  DeadlineFacts facts = l.data.facts;

  for (const auto& r :
       db_.Query("SELECT id, stage, version, fields, submitted_by, organisation_id, submitted_at "
                 "FROM incident_reports WHERE incident_id = ? ORDER BY submitted_at, id",
                 {Int(id)})
           .rows) {
    inc.reports.push_back({r.Int(0), static_cast<int>(r.Int(2)), ReadFields(r.Text(1), r.Text(3)),
                           r.Text(4), r.OptInt(5), FromUnixMillis(r.Int(6))});
  }
  for (const auto& r : db_.Query("SELECT id, question, asked_at, due_at, asked_by, "
                                 "answer_report_id, answered_at FROM incident_requests "
                                 "WHERE incident_id = ? ORDER BY id",
                                 {Int(id)})
                           .rows) {
    inc.requests.push_back({r.Int(0), r.Text(1), FromUnixMillis(r.Int(2)), FromUnixMillis(r.Int(3)),
                            r.Text(4), r.OptInt(5), OptTime(r, 6)});
    facts.requests.push_back(
        {r.Int(0), FromUnixMillis(r.Int(2)), FromUnixMillis(r.Int(3)), OptTime(r, 6)});
  }
  for (const auto& r : db_.Query("SELECT id, entity, impact, support_wanted, mitigation_taken, "
                                 "other_support, requested_by, requested_at FROM "
                                 "incident_rapid_responses WHERE incident_id = ? ORDER BY id",
                                 {Int(id)})
                           .rows) {
    inc.rapid_responses.push_back({r.Int(0),
                                   {r.Text(1), r.Text(2), r.Text(3), r.Text(4), r.OptText(5)},
                                   r.Text(6),
                                   FromUnixMillis(r.Int(7))});
  }
  const TimePoint now = clock_.Now();
  Finish(inc.summary, facts, now);

  for (const auto& r :
       db_.Query("SELECT e.id, e.kind, e.at, e.actor, e.organisation_id, o.name, e.detail "
                 "FROM incident_events e LEFT JOIN organisations o ON o.id = e.organisation_id "
                 "WHERE e.incident_id = ? ORDER BY e.at, e.id",
                 {Int(id)})
           .rows) {
    TimelineEvent e;
    e.id = r.Int(0);
    e.kind = r.Text(1);
    e.at = FromUnixMillis(r.Int(2));
    e.actor = r.Text(3);
    e.organisation_id = r.OptInt(4);
    e.organisation_name = r.OptText(5).value_or("");
    auto detail = json::parse(r.Text(6));
    if (detail.is_object()) e.detail = std::move(detail.get_object());
    inc.timeline.push_back(std::move(e));
  }
  // Reminder notices: when each deadline entered due_soon and became overdue, unless it had been
  // met or the incident closed by then.
  const auto notice = [&](const Deadline& d, TimePoint at, std::string_view state) {
    if (at >= now) return;
    if (d.submitted_at && *d.submitted_at <= at) return;
    if (facts.closed_at && *facts.closed_at <= at) return;
    TimelineEvent e;
    e.kind = "reminder";
    e.at = at;
    e.actor = "caduceus";
    e.detail = {
        {"stage", ToString(d.stage)}, {"state", state}, {"due_at", FormatRfc3339(*d.due_at)}};
    if (d.request_id) e.detail["request_id"] = *d.request_id;
    inc.timeline.push_back(std::move(e));
  };
  for (const auto& d : inc.summary.deadlines) {
    if (!d.due_at) continue;
    if (d.due_soon_at && *d.due_soon_at < *d.due_at) notice(d, *d.due_soon_at, "due_soon");
    notice(d, *d.due_at, "overdue");
  }
  const auto order = [](const TimelineEvent& e) {
    return std::make_pair(e.at, e.id == 0 ? std::numeric_limits<std::int64_t>::max() : e.id);
  };
  std::stable_sort(
      inc.timeline.begin(), inc.timeline.end(),
      [&](const TimelineEvent& a, const TimelineEvent& b) { return order(a) < order(b); });

  const bool open = inc.summary.status == IncidentStatus::kOpen;
  inc.can_report = open && May(actor, IncidentAction::kReport, l.data.ref);
  inc.can_handle = open && May(actor, IncidentAction::kHandle, l.data.ref);
  inc.can_assist = open && May(actor, IncidentAction::kAssist, l.data.ref);
  return inc;
}

// ---- Creating and reading -----------------------------------------------------------------------

Result<Incident> IncidentService::Create(Actor actor, const NewIncident& request) {
  std::optional<std::int64_t> org_id = request.organisation_id;
  if (!org_id) org_id = ActorOrg(actor);
  if (!org_id) return Error::Invalid("organisation_id is required", "organisation_id");
  const auto org = identity_.LoadOrgRef(*org_id);
  if (actor.principal) {
    if (!org || !identity::Allowed(*actor.principal, Permission::kReportIncident, *org)) {
      return Error::Denied(
          "incidents are reported by a healthcare provider's own admins, analysts and reporters");
    }
  } else if (!org || org->kind != OrgKind::kProvider) {
    return Error::Invalid("incidents are reported by healthcare providers", "organisation_id");
  }
  const auto authority = org->parent_id ? identity_.LoadOrgRef(*org->parent_id) : std::nullopt;
  if (!authority || authority->kind != OrgKind::kAuthority) {
    return Error::Conflict("the provider has no national authority to report to");
  }
  if (auto problem = TextProblem("title", request.title, kMaxTitle, true)) {
    return Error::Invalid(std::move(*problem), "title");
  }
  if (request.title.size() < kMinTitle) {
    return Error::Invalid(fmt::format("title must be at least {} bytes long", kMinTitle), "title");
  }
  const TimePoint now = clock_.Now();
  const auto aware_ms = ToUnixMillis(request.aware_at);
  if (aware_ms < kEarliestAwareMillis || request.aware_at > now) {
    return Error::Invalid("aware_at must be a time from 2000 on and not in the future", "aware_at");
  }
  const auto now_ms = ToUnixMillis(now);
  const bool shared = request.share_with_support_centre;
  auto created = db_.Transact([&](Tx& tx) -> Result<std::int64_t> {
    const std::int64_t id =
        tx.One(
              "INSERT INTO incidents (provider_id, authority_id, title, aware_at, created_at, "
              "created_by, updated_at, status, shared_with_support_centre) "
              "VALUES (?, ?, ?, ?, ?, ?, ?, 'open', ?) RETURNING id",
              {Int(org->id), Int(authority->id), Text(request.title), Int(aware_ms), Int(now_ms),
               Text(ActorName(actor)), Int(now_ms), Int(shared ? 1 : 0)})
            ->Int(0);
    if (auto st = AppendEvent(tx, id, "created", now_ms, actor,
                              {{"title", request.title},
                               {"aware_at", FormatRfc3339(FromUnixMillis(aware_ms))},
                               {"shared_with_support_centre", shared}});
        !st) {
      return st.error();
    }
    return id;
  });
  if (!created) return created.error();
  return Get(actor, *created);
}

Result<Incident> IncidentService::Get(Actor actor, std::int64_t id) {
  auto loaded = LoadVisible(actor, id);
  if (!loaded) return loaded.error();
  return Build(actor, *loaded);
}

Result<IncidentPage> IncidentService::List(Actor actor, const IncidentFilter& filter) {
  if (filter.limit < 1 || filter.limit > kMaxListLimit) {
    return Error::Invalid(fmt::format("limit must be from 1 to {}", kMaxListLimit), "limit");
  }
  std::vector<Value> params;
  std::string sql =
      fmt::format("SELECT {} {} WHERE {}", kColumns, kFrom, VisibleCondition(actor, params));
  if (filter.status) {
    sql += " AND i.status = ?";
    params.push_back(Text(std::string(ToString(*filter.status))));
  }
  if (filter.before_id) {
    sql += " AND i.id < ?";
    params.push_back(Int(*filter.before_id));
  }
  sql += fmt::format(" ORDER BY i.id DESC LIMIT {}", filter.limit);
  const auto rows = db_.Query(sql, params);
  std::vector<Row> visible;
  for (const auto& r : rows.rows) {
    if (May(actor, IncidentAction::kRead, ReadRow(r).ref)) visible.push_back(r);
  }
  IncidentPage page;
  page.items = Summaries(visible);
  if (rows.rows.size() == static_cast<std::size_t>(filter.limit)) {
    page.next_before = rows.rows.back().Int(0);
  }
  return page;
}

Result<std::vector<Ioc>> IncidentService::Indicators(Actor actor, std::int64_t id) {
  auto loaded = LoadVisible(actor, id);
  if (!loaded) return loaded.error();
  const auto row = db_.QueryOne(
      "SELECT fields FROM incident_reports WHERE incident_id = ? AND stage = 'notification' "
      "ORDER BY version DESC LIMIT 1",
      {Int(id)});
  if (!row) return std::vector<Ioc>{};
  return std::get<Notification>(ReadFields("notification", row->Text(0))).iocs;
}

// ---- Reports ------------------------------------------------------------------------------------

Result<Incident> IncidentService::SubmitReport(Actor actor,
                                               std::int64_t id,
                                               const ReportFields& fields) {
  auto loaded = LoadVisible(actor, id);
  if (!loaded) return loaded.error();
  if (!May(actor, IncidentAction::kReport, loaded->data.ref)) {
    return Error::Denied(
        "reports are submitted by the provider's own admins, analysts and reporters");
  }
  const Stage stage = StageOf(fields);
  const std::string stage_name(ToString(stage));
  const std::string text = json::serialize(ToJson(fields));
  const auto now_ms = ToUnixMillis(clock_.Now());
  auto submitted = db_.Transact([&](Tx& tx) -> Status {
    if (auto st = LockOpen(tx, id, now_ms); !st) return st;
    const auto state = tx.One(
        "SELECT final_at, (SELECT COUNT(*) FROM incident_reports r WHERE r.incident_id = i.id), "
        "(SELECT COALESCE(MAX(version), 0) FROM incident_reports r WHERE r.incident_id = i.id "
        "AND r.stage = ?) FROM incidents i WHERE i.id = ?",
        {Text(stage_name), Int(id)});
    if (stage == Stage::kProgress && !state->IsNull(0)) {
      return Error::Conflict(
          "the final report is already submitted: update it instead of reporting progress");
    }
    if (state->Int(1) >= kMaxReportsPerIncident) {
      return Error::Conflict(
          fmt::format("an incident may have at most {} reports", kMaxReportsPerIncident));
    }
    const auto* intermediate = std::get_if<Intermediate>(&fields);
    if (intermediate && intermediate->answers_request_id) {
      const auto request = tx.One(
          "SELECT id FROM incident_requests WHERE id = ? AND incident_id = ? AND "
          "answered_at IS NULL",
          {Int(*intermediate->answers_request_id), Int(id)});
      if (!request) {
        return Error::Invalid("no unanswered information request of this incident has that id",
                              "fields/answers_request_id");
      }
    }
    const std::int64_t version = state->Int(2) + 1;
    const std::int64_t report_id =
        tx.One(
              "INSERT INTO incident_reports (incident_id, stage, version, fields, submitted_by, "
              "organisation_id, submitted_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
              {Int(id), Text(stage_name), Int(version), Text(text), Text(ActorName(actor)),
               OptInt(ActorOrg(actor)), Int(now_ms)})
            ->Int(0);
    if (const auto column = FirstColumn(stage); !column.empty()) {
      tx.Exec(fmt::format("UPDATE incidents SET {0} = COALESCE({0}, ?) WHERE id = ?", column),
              {Int(now_ms), Int(id)});
    }
    tx.Exec("UPDATE incidents SET latest_stage = ? WHERE id = ?", {Text(stage_name), Int(id)});
    if (const auto* n = std::get_if<Notification>(&fields)) {
      tx.Exec(
          "UPDATE incidents SET incident_type = ?, services_down = ?, patients_diverted = ?, "
          "ransom_demanded = ?, ransom_paid = ?, "
          "severity = CASE WHEN final_at IS NULL THEN ? ELSE severity END WHERE id = ?",
          {Text(n->incident_type), Int(n->patient_care.services_down.empty() ? 0 : 1),
           Int(n->patient_care.patients_diverted ? 1 : 0), Int(n->ransom.demanded ? 1 : 0),
           Int(n->ransom.paid ? 1 : 0), Text(n->severity), Int(id)});
    } else if (const auto* f = std::get_if<Final>(&fields)) {
      tx.Exec("UPDATE incidents SET severity = ? WHERE id = ?", {Text(f->severity), Int(id)});
    }
    json::object detail{{"stage", stage_name}, {"version", version}, {"report_id", report_id}};
    if (intermediate && intermediate->answers_request_id) {
      tx.Exec(
          "UPDATE incident_requests SET answered_at = ?, answer_report_id = ? WHERE id = ? "
          "AND answered_at IS NULL",
          {Int(now_ms), Int(report_id), Int(*intermediate->answers_request_id)});
      detail["answers_request_id"] = *intermediate->answers_request_id;
    }
    return AppendEvent(tx, id, "report_submitted", now_ms, actor, detail);
  });
  if (!submitted) return submitted.error();
  return Get(actor, id);
}

// ---- Actions ------------------------------------------------------------------------------------

Result<Incident> IncidentService::Act(Actor actor, std::int64_t id, const Action& action) {
  auto loaded = LoadVisible(actor, id);
  if (!loaded) return loaded.error();
  const IncidentRef& ref = loaded->data.ref;
  const bool report = May(actor, IncidentAction::kReport, ref);
  const bool handle = May(actor, IncidentAction::kHandle, ref);
  const bool assist = May(actor, IncidentAction::kAssist, ref);
  bool allowed = false;
  std::string_view who;
  switch (action.type) {
    case ActionType::kAcknowledge:
    case ActionType::kRequestInformation:
    case ActionType::kClassify:
    case ActionType::kClose:
      allowed = handle;
      who = "the national CSIRT's admins and analysts";
      break;
    case ActionType::kGuidance:
      allowed = handle || assist;
      who = "the national CSIRT and, when the incident is shared, the support centre";
      break;
    case ActionType::kMessage:
      allowed = report || handle || assist;
      who = "the provider, its CSIRT and, when shared, the support centre";
      break;
    case ActionType::kSetHandled:
    case ActionType::kShare:
    case ActionType::kRapidResponse:
      allowed = report;
      who = "the provider's own admins, analysts and reporters";
      break;
  }
  if (!allowed) return Error::Denied(fmt::format("only {} may {}", who, ToString(action.type)));

  const TimePoint now = clock_.Now();
  const auto now_ms = ToUnixMillis(now);
  if (action.type == ActionType::kRequestInformation) {
    if (!action.due_at || *action.due_at <= now || *action.due_at > now + kMaxRequestHorizon) {
      return Error::Invalid("due_at must be in the future and within a year", "due_at");
    }
  }
  if (action.type == ActionType::kSetHandled) {
    if (!action.handled_at || *action.handled_at > now ||
        *action.handled_at < loaded->data.summary.aware_at) {
      return Error::Invalid(
          "handled_at must not be in the future nor before the provider became aware",
          "handled_at");
    }
  }

  const std::string kind(ToString(action.type));
  auto done = db_.Transact([&](Tx& tx) -> Status {
    if (auto st = LockOpen(tx, id, now_ms); !st) return st;
    const auto once = [&](std::string_view sql, std::initializer_list<Value> params,
                          std::string_view conflict) -> Status {
      if (tx.Exec(sql, params).affected_rows == 0) return Error::Conflict(std::string(conflict));
      return {};
    };
    json::object detail;
    std::string_view event = kind;
    switch (action.type) {
      case ActionType::kAcknowledge: {
        if (auto st = once("UPDATE incidents SET acknowledged_at = ? WHERE id = ? AND "
                           "acknowledged_at IS NULL",
                           {Int(now_ms), Int(id)}, "the incident is already acknowledged");
            !st) {
          return st;
        }
        event = "acknowledged";
        break;
      }
      case ActionType::kRequestInformation: {
        const auto count =
            tx.One("SELECT COUNT(*) FROM incident_requests WHERE incident_id = ?", {Int(id)});
        if (count->Int(0) >= kMaxRequestsPerIncident) {
          return Error::Conflict(fmt::format("an incident may have at most {} information requests",
                                             kMaxRequestsPerIncident));
        }
        const auto due_ms = ToUnixMillis(*action.due_at);
        const std::int64_t request_id =
            tx.One(
                  "INSERT INTO incident_requests (incident_id, question, asked_by, "
                  "organisation_id, asked_at, due_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                  {Int(id), Text(action.text), Text(ActorName(actor)), OptInt(ActorOrg(actor)),
                   Int(now_ms), Int(due_ms)})
                ->Int(0);
        detail = {{"request_id", request_id},
                  {"question", action.text},
                  {"due_at", FormatRfc3339(FromUnixMillis(due_ms))}};
        event = "information_requested";
        break;
      }
      case ActionType::kGuidance:
      case ActionType::kMessage:
        detail = {{"text", action.text}};
        break;
      case ActionType::kClassify:
        tx.Exec(
            "UPDATE incidents SET class_category = ?, class_severity = ?, class_significant = ?, "
            "class_at = ? WHERE id = ?",
            {Text(action.category), Text(action.severity), Int(action.significant ? 1 : 0),
             Int(now_ms), Int(id)});
        detail = {{"category", action.category},
                  {"severity", action.severity},
                  {"significant", action.significant}};
        event = "classified";
        break;
      case ActionType::kClose:
        tx.Exec("UPDATE incidents SET status = 'closed', closed_at = ? WHERE id = ?",
                {Int(now_ms), Int(id)});
        detail = {{"summary", action.text}};
        event = "closed";
        break;
      case ActionType::kSetHandled: {
        const auto handled_ms = ToUnixMillis(*action.handled_at);
        if (auto st =
                once("UPDATE incidents SET handled_at = ? WHERE id = ? AND handled_at IS NULL",
                     {Int(handled_ms), Int(id)}, "handled_at is already set");
            !st) {
          return st;
        }
        detail = {{"handled_at", FormatRfc3339(FromUnixMillis(handled_ms))}};
        event = "handled";
        break;
      }
      case ActionType::kShare:
        if (auto st = once("UPDATE incidents SET shared_with_support_centre = 1 WHERE id = ? AND "
                           "shared_with_support_centre = 0",
                           {Int(id)}, "the incident is already shared with the support centre");
            !st) {
          return st;
        }
        event = "shared";
        break;
      case ActionType::kRapidResponse: {
        const auto& rr = action.rapid_response;
        tx.Exec(
            "INSERT INTO incident_rapid_responses (incident_id, entity, impact, support_wanted, "
            "mitigation_taken, other_support, requested_by, organisation_id, requested_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            {Int(id), Text(rr.entity), Text(rr.impact), Text(rr.support_wanted),
             Text(rr.mitigation_taken), storage::OptText(rr.other_support), Text(ActorName(actor)),
             OptInt(ActorOrg(actor)), Int(now_ms)});
        tx.Exec(
            "UPDATE incidents SET shared_with_support_centre = 1, rapid_response_at = "
            "COALESCE(rapid_response_at, ?) WHERE id = ?",
            {Int(now_ms), Int(id)});
        detail = {{"entity", rr.entity},
                  {"impact", rr.impact},
                  {"support_wanted", rr.support_wanted},
                  {"mitigation_taken", rr.mitigation_taken},
                  {"other_support", rr.other_support ? json::value(*rr.other_support) : nullptr}};
        event = "rapid_response_requested";
        break;
      }
    }
    return AppendEvent(tx, id, event, now_ms, actor, detail);
  });
  if (!done) return done.error();
  return Get(actor, id);
}

// ---- Reminders ----------------------------------------------------------------------------------

std::vector<Reminder> IncidentService::Reminders(Actor actor) {
  std::vector<Value> params;
  const std::string sql =
      fmt::format("SELECT {} {} WHERE i.status = 'open' AND {} ORDER BY i.id DESC LIMIT {}",
                  kColumns, kFrom, VisibleCondition(actor, params), kMaxReminderIncidents);
  const auto rows = db_.Query(sql, params);
  std::vector<Row> visible;
  std::map<std::int64_t, bool> reporter;
  for (const auto& r : rows.rows) {
    const RowData d = ReadRow(r);
    if (!May(actor, IncidentAction::kRead, d.ref)) continue;
    reporter[d.summary.id] = May(actor, IncidentAction::kReport, d.ref);
    visible.push_back(r);
  }
  std::vector<Reminder> out;
  for (const auto& s : Summaries(visible)) {
    for (const auto& d : s.deadlines) {
      if (NeedsAttention(d)) out.push_back({s.id, s.reference, s.title, d, reporter[s.id]});
    }
  }
  std::stable_sort(out.begin(), out.end(), [](const Reminder& a, const Reminder& b) {
    const bool a_over = a.deadline.state == DeadlineState::kOverdue;
    const bool b_over = b.deadline.state == DeadlineState::kOverdue;
    if (a_over != b_over) return a_over;
    return a.deadline.due_at < b.deadline.due_at;
  });
  return out;
}

// ---- Statistics ---------------------------------------------------------------------------------

Result<Statistics> IncidentService::ComputeStatistics(Actor actor, const StatisticsQuery& query) {
  Statistics st;
  std::optional<std::int64_t> org_id = query.organisation_id;
  if (!org_id) org_id = ActorOrg(actor);
  std::optional<identity::Organisation> org;
  if (org_id) {
    auto found = identity_.GetOrganisation(actor, *org_id);
    if (!found) return Error::NotFound("no such organisation");
    org = std::move(*found);
    if (actor.principal && !identity::Allowed(*actor.principal, Permission::kReadIncidentStatistics,
                                              {org->id, org->kind, org->parent_id})) {
      return Error::Denied(
          "incident statistics are for the staff of an authority or of the support centre, "
          "about their own scope");
    }
    if (org->kind == OrgKind::kProvider) {
      return Error::Invalid("statistics cover an authority's or the support centre's scope",
                            "organisation_id");
    }
  }
  if (query.from && query.to && *query.to <= *query.from) {
    return Error::Invalid("to must be later than from", "to");
  }
  // Months: from `from` (default: 23 months before the last one) to the month of `to`
  // (exclusive bound) or the current month; every month is listed so that an empty month and a
  // suppressed one look alike.
  const std::chrono::year_month last =
      MonthOf(query.to ? *query.to - std::chrono::milliseconds(1) : clock_.Now());
  const std::chrono::year_month first =
      query.from ? MonthOf(*query.from) : last - std::chrono::months{23};
  if ((last - first).count() >= kMaxStatisticsMonths) {
    return Error::Invalid(
        fmt::format("the period may cover at most {} months", kMaxStatisticsMonths), "from");
  }
  st.from = query.from;
  st.to = query.to;
  const bool authority = org && org->kind == OrgKind::kAuthority;
  st.organisation = org ? org->name : "";
  st.scope_key = authority ? org->country.value_or("") : "EU";
  st.scope_label = authority ? std::string(identity::CountryName(st.scope_key)) : "European Union";

  std::string sql =
      "SELECT i.provider_id, i.aware_at, i.incident_type, p.country, p.provider_type, "
      "i.services_down, i.patients_diverted, i.ransom_demanded, i.ransom_paid "
      "FROM incidents i JOIN organisations p ON p.id = i.provider_id WHERE 1 = 1";
  std::vector<Value> params;
  if (authority) {
    sql += " AND i.authority_id = ?";
    params.push_back(Int(org->id));
  }
  if (query.from) {
    sql += " AND i.aware_at >= ?";
    params.push_back(Int(ToUnixMillis(*query.from)));
  }
  if (query.to) {
    sql += " AND i.aware_at < ?";
    params.push_back(Int(ToUnixMillis(*query.to)));
  }
  const auto rows = db_.Query(sql, params);

  struct Cell {
    std::int64_t incidents = 0;
    std::set<std::int64_t> providers;
    void Add(std::int64_t provider) {
      ++incidents;
      providers.insert(provider);
    }
  };
  Cell total;
  std::map<std::string, Cell, std::less<>> by_type, by_month, by_country, by_provider_type;
  std::map<std::string, Cell, std::less<>> care;
  for (const auto& r : rows.rows) {
    const std::int64_t provider = r.Int(0);
    total.Add(provider);
    by_type[r.OptText(2).value_or("unknown")].Add(provider);
    by_month[MonthKey(MonthOf(FromUnixMillis(r.Int(1))))].Add(provider);
    by_country[r.OptText(3).value_or("")].Add(provider);
    by_provider_type[r.OptText(4).value_or("")].Add(provider);
    if (r.Int(5) != 0) care["services_down"].Add(provider);
    if (r.Int(6) != 0) care["patients_diverted"].Add(provider);
    if (r.Int(7) != 0) care["ransom_demanded"].Add(provider);
    if (r.Int(8) != 0) care["ransom_paid"].Add(provider);
  }
  const auto group = [](const std::map<std::string, Cell, std::less<>>& cells, std::string_view key,
                        std::string_view label) {
    StatGroup g{std::string(key), std::string(label), std::nullopt};
    if (auto it = cells.find(key);
        it != cells.end() &&
        it->second.providers.size() >= static_cast<std::size_t>(kStatisticsMinProviders)) {
      g.incidents = it->second.incidents;
    }
    return g;
  };
  st.total = {"total", "All incidents", std::nullopt};
  if (total.providers.size() >= static_cast<std::size_t>(kStatisticsMinProviders)) {
    st.total.incidents = total.incidents;
  }
  for (const auto type : IncidentTypes()) {
    st.by_type.push_back(group(by_type, type, IncidentTypeLabel(type)));
  }
  st.by_type.push_back(group(by_type, "unknown", "Not yet notified"));
  if (authority) {
    st.by_country.push_back(group(by_country, st.scope_key, st.scope_label));
  } else {
    for (const auto code : identity::MemberStateCodes()) {
      st.by_country.push_back(group(by_country, code, identity::CountryName(code)));
    }
  }
  for (const auto& [key, label] : kProviderTypes) {
    st.by_provider_type.push_back(group(by_provider_type, key, label));
  }
  st.care_impact = {group(care, "services_down", "Clinical services down"),
                    group(care, "patients_diverted", "Patients diverted"),
                    group(care, "ransom_demanded", "Ransom demanded"),
                    group(care, "ransom_paid", "Ransom paid")};

  for (auto m = first; m <= last; m += std::chrono::months{1}) {
    st.by_month.push_back(
        group(by_month, MonthKey(m),
              fmt::format("{} {}", kMonthNames.at(static_cast<unsigned>(m.month()) - 1),
                          static_cast<int>(m.year()))));
  }
  return st;
}

}  // namespace caduceus::incidents
