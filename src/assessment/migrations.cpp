#include "assessment/service.h"

namespace caduceus::assessment {
namespace {

// Scores are DOUBLE PRECISION (REAL affinity in SQLite). The frozen columns of assessments
// (score, maturity_level, scores_json) and assessment_domain_scores are written at submission
// and cleared when the assessment is returned, so the index reads them without rescoring.
constexpr storage::Migration kMigrations[] = {
    {1, "frameworks, assessments, answers, evidence, reviews, frozen scores", R"sql(
CREATE TABLE assessment_frameworks (
  framework_id TEXT NOT NULL,
  version TEXT NOT NULL,
  title TEXT NOT NULL,
  description TEXT NOT NULL,
  published TEXT NOT NULL,
  question_count BIGINT NOT NULL,
  document TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  loaded_at BIGINT NOT NULL,
  PRIMARY KEY (framework_id, version)
);

CREATE TABLE assessments (
  id {{id}},
  organisation_id BIGINT NOT NULL REFERENCES organisations(id),
  cycle BIGINT NOT NULL,
  framework_id TEXT NOT NULL,
  framework_version TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('draft', 'submitted', 'returned', 'accepted')),
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  submitted_at BIGINT,
  reviewed_at BIGINT,
  score DOUBLE PRECISION,
  maturity_level BIGINT,
  scores_json TEXT,
  FOREIGN KEY (framework_id, framework_version)
    REFERENCES assessment_frameworks (framework_id, version)
);
CREATE UNIQUE INDEX assessments_organisation_cycle ON assessments (organisation_id, cycle);
CREATE INDEX assessments_cycle_status ON assessments (cycle, status);

CREATE TABLE assessment_answers (
  assessment_id BIGINT NOT NULL REFERENCES assessments(id) ON DELETE CASCADE,
  question_id TEXT NOT NULL,
  value_text TEXT,
  value_number DOUBLE PRECISION,
  comment TEXT NOT NULL,
  updated_by TEXT NOT NULL,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (assessment_id, question_id),
  CHECK ((value_text IS NULL) <> (value_number IS NULL))
);

CREATE TABLE assessment_evidence (
  id {{id}},
  assessment_id BIGINT NOT NULL REFERENCES assessments(id) ON DELETE CASCADE,
  question_id TEXT NOT NULL,
  filename TEXT NOT NULL,
  content_type TEXT NOT NULL,
  size BIGINT NOT NULL,
  sha256 TEXT NOT NULL,
  content {{blob}} NOT NULL,
  uploaded_by TEXT NOT NULL,
  uploaded_at BIGINT NOT NULL
);
CREATE INDEX assessment_evidence_assessment ON assessment_evidence (assessment_id);

CREATE TABLE assessment_reviews (
  id {{id}},
  assessment_id BIGINT NOT NULL REFERENCES assessments(id) ON DELETE CASCADE,
  decision TEXT NOT NULL CHECK (decision IN ('accept', 'return')),
  comment TEXT NOT NULL,
  reviewer TEXT NOT NULL,
  organisation_id BIGINT,
  at BIGINT NOT NULL
);
CREATE INDEX assessment_reviews_assessment ON assessment_reviews (assessment_id);

CREATE TABLE assessment_domain_scores (
  assessment_id BIGINT NOT NULL REFERENCES assessments(id) ON DELETE CASCADE,
  domain_id TEXT NOT NULL,
  score DOUBLE PRECISION,
  PRIMARY KEY (assessment_id, domain_id)
);
)sql"},
};

}  // namespace

std::span<const storage::Migration> AssessmentService::Migrations() { return kMigrations; }

}  // namespace caduceus::assessment
