// NIS2 incident reporting: incidents, their Article 23 stage reports and deadlines, routing to the
// national CSIRT, the shared timeline, information and rapid-response requests, reminders and
// statistics.
//
// Routing: an incident belongs to a provider and is routed to the provider's parent authority
// (its Member State's CSIRT) at creation; nothing the client sends changes that. It is shared
// with the support centre when the provider says so or asks for rapid response.
//
// Authorisation: every operation on behalf of a user takes identity::Actor and decides through
// identity::AllowedOnIncident with the incident's IncidentRef loaded from storage (kRead to see,
// kReport for the provider's reports, messages, handled_at, sharing and rapid response, kHandle
// for the CSIRT's work, kAssist for the support centre's), identity::Allowed(kReportIncident) to
// open one and identity::Allowed(kReadIncidentStatistics) for statistics. An incident the actor
// may not read is kNotFound, never kPermissionDenied, and never appears in lists, reminders or
// counts; one it may read but not change is kPermissionDenied. Actor::System() (admin CLI, demo
// loader) may do everything; it must name the provider when creating.
//
// Every change is one transaction that also appends its timeline event. A closed incident takes
// no further change (kConflict).
//
// Thread-safe: all state is in the database (hubs sharing one PostgreSQL agree). Failures are
// Error values; storage failures throw StorageError (see storage/database.h).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "core/clock.h"
#include "core/error.h"
#include "identity/service.h"
#include "incidents/deadlines.h"
#include "incidents/model.h"
#include "storage/database.h"

namespace caduceus::incidents {

// Statistics never show a group covering fewer distinct providers.
inline constexpr int kStatisticsMinProviders = 5;
// Bounds that keep one incident's storage finite.
inline constexpr int kMaxReportsPerIncident = 200;
inline constexpr int kMaxEventsPerIncident = 2000;
inline constexpr int kMaxRequestsPerIncident = 100;
// Lists.
inline constexpr int kDefaultListLimit = 50;
inline constexpr int kMaxListLimit = 200;
// Information requests are due at most this far ahead.
inline constexpr std::chrono::hours kMaxRequestHorizon{24 * 366};

enum class IncidentStatus { kOpen, kClosed };
std::string_view ToString(IncidentStatus status);
std::optional<IncidentStatus> ParseIncidentStatus(std::string_view text);

// "INC-2026-000042": the year the incident was opened and its id.
std::string Reference(std::int64_t id, TimePoint created_at);

struct Classification {
  std::string category;  // one of IncidentTypes()
  std::string severity;  // one of Severities()
  bool significant = false;
  TimePoint at;
};

// What waits on an incident: flagged in every listing.
struct Waiting {
  bool unacknowledged = false;  // open and not yet acknowledged by the CSIRT
  int due_soon = 0;             // deadlines due soon
  int overdue = 0;              // deadlines overdue
  int unanswered_requests = 0;  // information requests without an answer
};

struct IncidentSummary {
  std::int64_t id = 0;
  std::string reference;
  std::string title;
  std::int64_t provider_id = 0;
  std::string provider_name;
  std::string provider_type;
  std::string country;
  std::int64_t authority_id = 0;
  std::string authority_name;
  IncidentStatus status = IncidentStatus::kOpen;
  bool ongoing = true;  // until a final report or handled_at
  bool shared_with_support_centre = false;
  TimePoint aware_at;
  TimePoint created_at;
  TimePoint updated_at;
  std::optional<TimePoint> acknowledged_at;
  std::optional<TimePoint> handled_at;
  std::optional<TimePoint> closed_at;
  std::optional<TimePoint> rapid_response_requested_at;
  std::optional<Stage> latest_stage;
  std::optional<std::string> incident_type;  // from the latest notification
  std::optional<std::string> severity;       // the latest final report's, else notification's
  std::optional<Classification> classification;
  std::vector<Deadline> deadlines;
  Waiting waiting;
};

struct Report {
  std::int64_t id = 0;
  int version = 1;  // 1 for the first report of its stage; updates count up
  ReportFields fields;
  std::string submitted_by;  // username, or "system"
  std::optional<std::int64_t> organisation_id;
  TimePoint submitted_at;
};

// One entry of the shared timeline. Kinds: created, report_submitted, acknowledged,
// information_requested, guidance, message, classified, closed, handled, shared,
// rapid_response_requested, and reminder (derived from the deadlines, not stored: id 0, actor
// "caduceus", detail {stage, state: due_soon|overdue, due_at, request_id?}).
struct TimelineEvent {
  std::int64_t id = 0;
  std::string kind;
  TimePoint at;
  std::string actor;  // username, "system", or "caduceus" for reminders
  std::optional<std::int64_t> organisation_id;
  std::string organisation_name;
  boost::json::object detail;
};

struct InformationRequest {
  std::int64_t id = 0;
  std::string question;
  TimePoint asked_at;
  TimePoint due_at;
  std::string asked_by;
  std::optional<std::int64_t> answered_by_report;  // the intermediate report answering it
  std::optional<TimePoint> answered_at;
};

// A request for the EU rapid-response service.
struct RapidResponseRequest {
  std::string entity;          // the affected entity, single line, 1..kMaxName
  std::string impact;          // 1..kMaxShortText
  std::string support_wanted;  // 1..kMaxShortText
  std::string mitigation_taken;
  std::optional<std::string> other_support;  // other support available, 0..kMaxShortText
};

struct RapidResponse {
  std::int64_t id = 0;
  RapidResponseRequest request;
  std::string requested_by;
  TimePoint requested_at;
};

struct Incident {
  IncidentSummary summary;
  std::vector<Report> reports;                 // every submission, oldest first (history included)
  std::vector<TimelineEvent> timeline;         // oldest first
  std::vector<InformationRequest> requests;    // oldest first
  std::vector<RapidResponse> rapid_responses;  // oldest first
  bool can_report = false;
  bool can_handle = false;
  bool can_assist = false;
};

struct NewIncident {
  // Default: the actor's own organisation (required for Actor::System()).
  std::optional<std::int64_t> organisation_id;
  std::string title;   // single line, kMinTitle..kMaxTitle bytes
  TimePoint aware_at;  // from 2000-01-01, not after now
  bool share_with_support_centre = false;
};

struct IncidentFilter {
  std::optional<IncidentStatus> status;
  int limit = kDefaultListLimit;          // 1..kMaxListLimit
  std::optional<std::int64_t> before_id;  // only incidents with a smaller id (paging)
};

struct IncidentPage {
  std::vector<IncidentSummary> items;       // newest first
  std::optional<std::int64_t> next_before;  // pass as before_id for the next page
};

// One action on an incident (POST .../actions): the members each type uses, and who may.
//   acknowledge          -                              kHandle
//   request_information  text (the question), due_at   kHandle
//   guidance             text                           kHandle, kAssist
//   message              text                           kReport, kHandle, kAssist
//   classify             category, severity, significant kHandle
//   close                text (the closing summary)     kHandle
//   set_handled          handled_at                     kReport
//   share                -                              kReport
//   rapid_response       rapid_response                 kReport (also shares the incident)
enum class ActionType {
  kAcknowledge,
  kRequestInformation,
  kGuidance,
  kMessage,
  kClassify,
  kClose,
  kSetHandled,
  kShare,
  kRapidResponse,
};
std::string_view ToString(ActionType type);
std::optional<ActionType> ParseActionType(std::string_view text);

struct Action {
  ActionType type = ActionType::kMessage;
  std::string text;
  std::optional<TimePoint> due_at;
  std::optional<TimePoint> handled_at;
  std::string category;
  std::string severity;
  bool significant = false;
  RapidResponseRequest rapid_response;
};

// Parses an action body {"type", ...} strictly (unknown fields rejected); `field` names the
// member at fault. Time rules that need the clock are checked by IncidentService::Act.
Result<Action> ParseAction(const boost::json::object& body);

struct Reminder {
  std::int64_t incident_id = 0;
  std::string reference;
  std::string title;
  Deadline deadline;
  bool action_needed = false;  // the actor may submit the report the deadline waits for
};

// One cell of the statistics: a count, or nothing when fewer than kStatisticsMinProviders
// distinct providers are behind it (0 and 1..4 look alike).
struct StatGroup {
  std::string key;
  std::string label;
  std::optional<std::int64_t> incidents;  // nullopt: suppressed
};

struct StatisticsQuery {
  std::optional<std::int64_t> organisation_id;  // default: the actor's own organisation
  std::optional<TimePoint> from;                // aware_at >= from
  std::optional<TimePoint> to;                  // aware_at < to
};

struct Statistics {
  std::string scope_key;     // "EU", or the authority's country
  std::string scope_label;   // "European Union", "Germany"
  std::string organisation;  // the organisation whose scope this is
  std::optional<TimePoint> from;
  std::optional<TimePoint> to;
  StatGroup total;
  std::vector<StatGroup> by_type;           // every incident type, then "unknown"
  std::vector<StatGroup> by_month;          // every month of the period, oldest first
  std::vector<StatGroup> by_country;        // every Member State of the scope
  std::vector<StatGroup> by_provider_type;  // every provider type
  // services_down, patients_diverted, ransom_demanded, ransom_paid: incidents whose latest
  // notification says so.
  std::vector<StatGroup> care_impact;
};

class IncidentService {
 public:
  IncidentService(storage::Database& db, const Clock& clock, identity::IdentityService& identity);

  static std::span<const storage::Migration> Migrations();

  // kPermissionDenied unless Allowed(kReportIncident) on the provider (for a principal the
  // provider is its own organisation); kInvalidArgument for the title or aware_at.
  Result<Incident> Create(identity::Actor actor, const NewIncident& request);
  Result<Incident> Get(identity::Actor actor, std::int64_t id);
  // Those the actor may read, newest first. kInvalidArgument for a limit out of range.
  Result<IncidentPage> List(identity::Actor actor, const IncidentFilter& filter);

  // Adds a stage report (kReport). A stage may be submitted again as an update; every
  // submission is kept. kInvalidArgument for invalid fields or an answers_request_id that is
  // not an unanswered request of this incident; kConflict for a progress report after the final
  // report, on a closed incident, or beyond kMaxReportsPerIncident.
  Result<Incident> SubmitReport(identity::Actor actor, std::int64_t id, const ReportFields& fields);
  // One action (see ActionType for who may do what). kConflict for a second acknowledgement, a
  // second handled_at, sharing what is shared, anything on a closed incident, or beyond the
  // per-incident bounds; kInvalidArgument for a due_at not in the future or beyond
  // kMaxRequestHorizon, a handled_at in the future or before aware_at.
  Result<Incident> Act(identity::Actor actor, std::int64_t id, const Action& action);

  // The due_soon and overdue deadlines of the open incidents the actor may read, most urgent
  // first (at most 1000 incidents are examined, newest first).
  std::vector<Reminder> Reminders(identity::Actor actor);

  // kNotFound for an organisation the actor may not know of; kPermissionDenied unless
  // Allowed(kReadIncidentStatistics). An authority's scope is the incidents routed to it; the
  // support centre's (and the system's without an organisation) is every incident.
  // kInvalidArgument when to <= from, for a period over 1200 months, or (system) a provider.
  Result<Statistics> ComputeStatistics(identity::Actor actor, const StatisticsQuery& query);

  // The typed indicators of compromise of the incident's latest notification (kRead): the seam
  // through which the intel module, once present, publishes them to a sharing collection.
  Result<std::vector<Ioc>> Indicators(identity::Actor actor, std::int64_t id);

 private:
  struct Loaded;
  Result<Loaded> LoadVisible(identity::Actor actor, std::int64_t id);
  Incident Build(identity::Actor actor, const Loaded& loaded);
  std::vector<IncidentSummary> Summaries(const std::vector<storage::Row>& rows);

  storage::Database& db_;
  const Clock& clock_;
  identity::IdentityService& identity_;
};

}  // namespace caduceus::incidents
