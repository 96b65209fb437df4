#include "incidents/service.h"

namespace caduceus::incidents {
namespace {

// incidents carries denormalised facts the lists and statistics read without the reports: the
// first submission time of each stage (deadlines are met by the first report), and from the
// latest reports the incident type, severity and impact on care. Reports, timeline events and
// requests are append-only; a request's answer is recorded once. Times are Unix milliseconds.
constexpr storage::Migration kMigrations[] = {
    {1, "incidents, reports, timeline, information and rapid-response requests", R"sql(
CREATE TABLE incidents (
  id {{id}},
  provider_id BIGINT NOT NULL REFERENCES organisations(id),
  authority_id BIGINT NOT NULL REFERENCES organisations(id),
  title TEXT NOT NULL,
  aware_at BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  created_by TEXT NOT NULL,
  updated_at BIGINT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('open', 'closed')),
  shared_with_support_centre INTEGER NOT NULL CHECK (shared_with_support_centre IN (0, 1)),
  acknowledged_at BIGINT,
  handled_at BIGINT,
  closed_at BIGINT,
  rapid_response_at BIGINT,
  early_warning_at BIGINT,
  notification_at BIGINT,
  progress_at BIGINT,
  final_at BIGINT,
  latest_stage TEXT,
  incident_type TEXT,
  severity TEXT,
  services_down INTEGER NOT NULL DEFAULT 0,
  patients_diverted INTEGER NOT NULL DEFAULT 0,
  ransom_demanded INTEGER NOT NULL DEFAULT 0,
  ransom_paid INTEGER NOT NULL DEFAULT 0,
  class_category TEXT,
  class_severity TEXT,
  class_significant INTEGER,
  class_at BIGINT
);
CREATE INDEX incidents_provider ON incidents (provider_id, id);
CREATE INDEX incidents_authority ON incidents (authority_id, id);
CREATE INDEX incidents_shared ON incidents (shared_with_support_centre, id);

CREATE TABLE incident_reports (
  id {{id}},
  incident_id BIGINT NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
  stage TEXT NOT NULL
    CHECK (stage IN ('early_warning', 'notification', 'intermediate', 'progress', 'final')),
  version BIGINT NOT NULL,
  fields TEXT NOT NULL,
  submitted_by TEXT NOT NULL,
  organisation_id BIGINT,
  submitted_at BIGINT NOT NULL,
  UNIQUE (incident_id, stage, version)
);

CREATE TABLE incident_requests (
  id {{id}},
  incident_id BIGINT NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
  question TEXT NOT NULL,
  asked_by TEXT NOT NULL,
  organisation_id BIGINT,
  asked_at BIGINT NOT NULL,
  due_at BIGINT NOT NULL,
  answered_at BIGINT,
  answer_report_id BIGINT REFERENCES incident_reports(id)
);
CREATE INDEX incident_requests_incident ON incident_requests (incident_id);

CREATE TABLE incident_rapid_responses (
  id {{id}},
  incident_id BIGINT NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
  entity TEXT NOT NULL,
  impact TEXT NOT NULL,
  support_wanted TEXT NOT NULL,
  mitigation_taken TEXT NOT NULL,
  other_support TEXT,
  requested_by TEXT NOT NULL,
  organisation_id BIGINT,
  requested_at BIGINT NOT NULL
);
CREATE INDEX incident_rapid_responses_incident ON incident_rapid_responses (incident_id);

CREATE TABLE incident_events (
  id {{id}},
  incident_id BIGINT NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
  kind TEXT NOT NULL,
  at BIGINT NOT NULL,
  actor TEXT NOT NULL,
  organisation_id BIGINT,
  detail TEXT NOT NULL
);
CREATE INDEX incident_events_incident ON incident_events (incident_id, at);
)sql"},
};

}  // namespace

std::span<const storage::Migration> IncidentService::Migrations() { return kMigrations; }

}  // namespace caduceus::incidents
