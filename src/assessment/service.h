// Self-assessment: frameworks as data, one assessment per provider and cycle (draft -> submitted
// -> returned -> submitted -> accepted), answers saved as one goes, evidence files, the
// authority's review, scores frozen at submission, facts the hub already knows, and the
// healthcare cybersecurity index computed from the frozen scores (docs/index-method.md).
//
// Thread-safe: all state is in the database (so hubs sharing one PostgreSQL agree), except a
// cache of parsed frameworks, which are immutable per (id, version).
//
// Authorisation: every operation on behalf of a user takes identity::Actor and decides through
// identity::Allowed with the assessed provider loaded from storage (kReadAssessment to see,
// kAnswerAssessment to answer and manage evidence, kSubmitAssessment to submit,
// kReviewAssessment to review). An assessment, evidence file or organisation the actor may not
// read is kNotFound, never kPermissionDenied, so existence does not leak; one it may read but
// not change is kPermissionDenied. Actor::System() (admin CLI, demo loader) may do everything.
//
// For the demo loader, with Actor::System():
//   Create(System(), {.organisation_id = provider, .cycle = 2024})   any provider, any cycle
//   SaveAnswers(System(), id, changes)    answers are recorded as updated by "system"
//   AddEvidence(System(), id, file)       (evidence questions are answered by a file or
//                                          "not_applicable")
//   Submit(System(), id)                  scores are frozen at the clock's current time
//   Review(System(), id, ReviewDecision::kAccept, "")   reviewer "system", no organisation
// Past cycles: set the clock, or accept that submitted_at is "now"; the index groups by cycle.
//
// Failures are Error values; storage failures throw StorageError (see storage/database.h).
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "assessment/framework.h"
#include "assessment/scoring.h"
#include "core/clock.h"
#include "core/error.h"
#include "identity/service.h"
#include "storage/database.h"

namespace caduceus::assessment {

// The default framework: its newest version is used when an assessment names none.
inline constexpr std::string_view kDefaultFrameworkId = "caduceus-nis2-healthcare";
// An aggregate over fewer providers is never shown.
inline constexpr int kIndexMinProviders = 5;

// Evidence limits.
inline constexpr std::size_t kMaxEvidenceBytes = 5 * 1024 * 1024;
inline constexpr std::size_t kMaxEvidenceFiles = 20;
inline constexpr std::size_t kMaxEvidenceTotalBytes = 50 * 1024 * 1024;
inline constexpr std::size_t kMaxEvidenceFilename = 200;
// Answer limits.
inline constexpr std::size_t kMaxComment = 4000;
inline constexpr std::size_t kMaxAnswersPerSave = 500;
inline constexpr int kMinCycle = 2000;
inline constexpr int kMaxCycle = 2100;

enum class AssessmentStatus { kDraft, kSubmitted, kReturned, kAccepted };
std::string_view ToString(AssessmentStatus status);
std::optional<AssessmentStatus> ParseAssessmentStatus(std::string_view text);

enum class ReviewDecision { kAccept, kReturn };
std::string_view ToString(ReviewDecision decision);

struct FrameworkInfo {
  std::string id;
  std::string version;
  std::string title;
  std::string description;
  std::string published;
  int question_count = 0;
  bool is_default = false;
};

struct AnswerRecord {
  AnswerValue value;
  std::string comment;
  std::string updated_by;  // username, or "system"
  TimePoint updated_at;
};

// Something the hub knows that bears on a question: shown next to it, never overwriting a
// person's answer.
struct Fact {
  std::string question_id;
  AnswerValue suggested;
  std::string text;    // what was observed, for people
  std::string source;  // "identity", ...
  TimePoint observed_at;
};

struct Observation {
  AnswerValue suggested;
  std::string text;
  std::string source;
};

// A source of facts, for questions whose framework entry names its Key() in "fact". Observe
// reads what it needs and returns nullopt when it knows nothing about the organisation. Called
// concurrently from several threads; must not keep state between calls.
class FactSource {
 public:
  virtual ~FactSource() = default;
  virtual std::string_view Key() const = 0;
  virtual std::optional<Observation> Observe(storage::Database& db,
                                             std::int64_t organisation_id) = 0;
};

// "identity.mfa": whether the organisation requires two-factor sign-in and how many of its
// active users have it: "yes" when required and every active user is enrolled, "partly" when
// some are, "no" when none; nothing for an organisation without active users.
std::unique_ptr<FactSource> MakeIdentityMfaFactSource();

struct EvidenceInfo {
  std::int64_t id = 0;
  std::int64_t assessment_id = 0;
  std::string question_id;
  std::string filename;
  std::string content_type;
  std::int64_t size = 0;
  std::string sha256;  // lower-case hex
  std::string uploaded_by;
  TimePoint uploaded_at;
};

struct EvidenceFile {
  EvidenceInfo info;
  std::string content;
};

struct NewEvidence {
  std::string question_id;
  std::string filename;      // sanitised: no directories, no control characters, <= 200 bytes
  std::string content_type;  // without parameters, lower case
  std::string content;
};

struct Review {
  std::int64_t id = 0;
  ReviewDecision decision = ReviewDecision::kAccept;
  std::string comment;
  std::string reviewer;  // username, or "system"
  std::optional<std::int64_t> organisation_id;
  TimePoint at;
};

struct AssessmentSummary {
  std::int64_t id = 0;
  std::int64_t organisation_id = 0;
  std::string organisation_name;
  int cycle = 0;
  std::string framework_id;
  std::string framework_version;
  AssessmentStatus status = AssessmentStatus::kDraft;
  double completion = 0;  // 0..1
  std::optional<double> score;
  std::optional<MaturityLevel> maturity;
  TimePoint created_at;
  TimePoint updated_at;
  std::optional<TimePoint> submitted_at;
  std::optional<TimePoint> reviewed_at;
};

struct Assessment {
  AssessmentSummary summary;
  std::map<std::string, AnswerRecord, std::less<>> answers;
  std::vector<Fact> facts;
  std::vector<EvidenceInfo> evidence;
  std::vector<Review> reviews;  // oldest first
  // Frozen at submission while submitted or accepted; otherwise computed now.
  Scores scores;
  bool can_answer = false;
  bool can_submit = false;
  bool can_review = false;
};

struct NewAssessment {
  // Default: the principal's own organisation (required for Actor::System()).
  std::optional<std::int64_t> organisation_id;
  // kMinCycle..kMaxCycle; default: the current year.
  std::optional<int> cycle;
  // Default: the newest version of kDefaultFrameworkId, else of the most recently loaded one.
  std::optional<std::string> framework_id;
  std::optional<std::string> framework_version;  // default: the newest of framework_id
};

struct AssessmentFilter {
  std::optional<std::int64_t> organisation_id;
  std::optional<int> cycle;
  std::optional<AssessmentStatus> status;
};

// One answer to save: a value, or nullopt to clear the answer (and its comment).
struct AnswerChange {
  std::string question_id;
  std::optional<AnswerValue> value;
  std::string comment;
};

struct CycleScores {
  int cycle = 0;
  std::int64_t assessment_id = 0;
  AssessmentStatus status = AssessmentStatus::kSubmitted;
  Scores scores;
};

// A weak domain of an organisation, for recommendations.
struct Weakness {
  std::string domain_id;
  std::string domain_title;
  double score = 0;
  std::vector<std::string> nis2;  // NIS2 Article 21(2) letters the domain and its controls map to
};

enum class Dimension { kEu, kCountry, kProviderType, kSizeBand };
std::string_view ToString(Dimension dimension);
std::optional<Dimension> ParseDimension(std::string_view text);

struct DomainStat {
  std::string id;
  std::string title;
  // Over the providers with a score in this domain; nullopt when fewer than kIndexMinProviders.
  std::optional<double> mean;
  std::optional<double> median;
};

struct Distribution {
  int n = 0;
  double mean = 0;
  double median = 0;
  double p10 = 0;
  double p25 = 0;
  double p75 = 0;
  double p90 = 0;
  std::array<int, 10> histogram{};  // [0,10), [10,20), ..., [90,100]
  std::map<int, int> maturity;      // level -> providers, every level of the frameworks used
  std::vector<DomainStat> domains;  // in framework order
};

struct IndexGroup {
  std::string key;                    // "EU", "BE", "hospital", "large"
  std::string label;                  // "European Union", "Belgium", "Hospitals", "Large"
  std::optional<Distribution> stats;  // nullopt: suppressed (fewer than kIndexMinProviders)
};

struct IndexReport {
  int cycle = 0;
  std::vector<int> cycles;  // cycles with at least one counted assessment, newest first
  Dimension by = Dimension::kEu;
  std::vector<IndexGroup> groups;
};

struct TrendPoint {
  int cycle = 0;
  std::optional<Distribution> stats;  // nullopt: suppressed
};

struct TrendSeries {
  std::string key;
  std::string label;
  std::vector<TrendPoint> points;  // oldest cycle first
};

struct TrendReport {
  Dimension by = Dimension::kEu;
  std::vector<TrendSeries> series;
};

struct CoverageGroup {
  std::string key;
  std::string label;
  int providers = 0;  // registered providers
  int submitted = 0;  // with a submitted (not yet reviewed) assessment of the cycle
  int accepted = 0;   // with an accepted one
};

struct ExportRow {
  std::int64_t organisation_id = 0;
  std::string country;
  std::string provider_type;
  std::string size_band;
  int cycle = 0;
  AssessmentStatus status = AssessmentStatus::kSubmitted;
  std::optional<double> overall;  // unrounded
  std::optional<int> maturity;
  std::map<std::string, std::optional<double>, std::less<>> domains;  // unrounded
};

struct ExportTable {
  int cycle = 0;
  std::optional<std::string> framework_id;  // the framework most rows were answered against
  std::optional<std::string> framework_version;
  std::vector<std::string> domain_ids;  // column order
  std::vector<ExportRow> rows;          // by organisation id
};

// Linear interpolation between closest ranks (Excel PERCENTILE.INC, NumPy's default) over
// sorted `values`, p in [0,1]. `values` must not be empty.
double Percentile(std::span<const double> sorted, double p);

class AssessmentService {
 public:
  // Registers the identity.mfa fact source.
  AssessmentService(storage::Database& db, const Clock& clock, identity::IdentityService& identity);

  static std::span<const storage::Migration> Migrations();

  // Adds a fact source (replacing one with the same key). Call before serving requests.
  void AddFactSource(std::unique_ptr<FactSource> source);

  // Loads every *.json framework under `dir` (recursively; each file must be
  // <dir>/.../<framework-id>/<version>.json and hold that id and version). Idempotent: an
  // (id, version) already stored with the same content is skipped; the same (id, version) with
  // other content is kConflict (versions are immutable). All or nothing. Returns how many were
  // new. kInvalidArgument for a missing directory or an invalid file (the message names it).
  Result<int> LoadFrameworks(const std::string& dir);

  std::vector<FrameworkInfo> ListFrameworks();
  // The document text as loaded.
  Result<std::string> FrameworkDocument(std::string_view id, std::string_view version);
  Result<std::shared_ptr<const Framework>> GetFramework(std::string_view id,
                                                        std::string_view version);

  // kConflict when the organisation already has an assessment for the cycle.
  Result<Assessment> Create(identity::Actor actor, const NewAssessment& request);
  Result<Assessment> Get(identity::Actor actor, std::int64_t id);
  // Those the actor may read; newest cycle first, then by organisation name.
  std::vector<AssessmentSummary> List(identity::Actor actor, const AssessmentFilter& filter);
  // All changes or none: kInvalidArgument (field = the question id) for an unknown question, a
  // value of the wrong type or a comment over kMaxComment; more than kMaxAnswersPerSave changes
  // is kInvalidArgument (field "answers"). kConflict unless draft or returned.
  Result<Assessment> SaveAnswers(identity::Actor actor,
                                 std::int64_t id,
                                 const std::vector<AnswerChange>& changes);
  // kInvalidArgument (field "answers") while applicable questions are unanswered; kConflict
  // unless draft or returned. Freezes the scores at the current time.
  Result<Assessment> Submit(identity::Actor actor, std::int64_t id);
  // Only on submitted (kConflict otherwise). A return needs a comment (1..kMaxComment bytes);
  // it unfreezes the scores and makes the assessment editable again.
  Result<Assessment> ReviewAssessment(identity::Actor actor,
                                      std::int64_t id,
                                      ReviewDecision decision,
                                      const std::string& comment);

  // Content types: application/pdf, image/png, image/jpeg, text/plain, text/csv, and the OOXML
  // and OpenDocument text and spreadsheet types; the content must look like its type
  // (kUnsupportedMediaType otherwise). kPayloadTooLarge over kMaxEvidenceBytes or when the
  // assessment's files would exceed kMaxEvidenceTotalBytes; kConflict over kMaxEvidenceFiles or
  // unless draft or returned; kInvalidArgument for an empty file or an unknown question.
  Result<EvidenceInfo> AddEvidence(identity::Actor actor,
                                   std::int64_t assessment_id,
                                   NewEvidence evidence);
  Result<EvidenceFile> GetEvidence(identity::Actor actor, std::int64_t id);
  // kConflict unless the assessment is draft or returned.
  Status DeleteEvidence(identity::Actor actor, std::int64_t id);

  // The provider's submitted and accepted assessments, oldest cycle first.
  Result<std::vector<CycleScores>> OrganisationScores(identity::Actor actor,
                                                      std::int64_t organisation_id);
  // The domains of the organisation's latest submitted or accepted assessment (else its latest
  // draft or returned one, scored now), weakest first; domains without a score are left out.
  // Empty when it has no assessment.
  Result<std::vector<Weakness>> Weaknesses(identity::Actor actor, std::int64_t organisation_id);

  // The index over submitted and accepted assessments with an overall score. Open to every
  // authenticated user: it reveals nothing about fewer than kIndexMinProviders providers.
  // `cycle` defaults to the newest with data (else the current year).
  IndexReport Index(std::optional<int> cycle, Dimension by);
  TrendReport Trend(Dimension by);
  // How many providers of each group have submitted or accepted assessments of the cycle.
  std::vector<CoverageGroup> Coverage(int cycle, Dimension by);
  // The rows the index is computed from, limited to providers the actor may read
  // (kReadAssessment). `cycle` defaults as for Index.
  ExportTable Export(identity::Actor actor, std::optional<int> cycle);

  std::string_view CountryName(std::string_view code) const;

 private:
  struct Loaded;
  Result<Loaded> LoadVisible(identity::Actor actor, std::int64_t id);
  Result<Assessment> Build(identity::Actor actor, const Loaded& loaded);
  std::optional<std::pair<std::string, std::string>> DefaultFramework();
  std::vector<int> CountedCycles();
  int CurrentYear() const;

  storage::Database& db_;
  const Clock& clock_;
  identity::IdentityService& identity_;
  std::vector<std::unique_ptr<FactSource>> facts_;
  std::mutex cache_mu_;
  std::map<std::pair<std::string, std::string>, std::shared_ptr<const Framework>, std::less<>>
      cache_;  // guarded by cache_mu_
};

}  // namespace caduceus::assessment
