#include "assessment/service.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "assessment/evidence.h"
#include "core/text.h"

namespace caduceus::assessment {

namespace json = boost::json;
using identity::Actor;
using identity::Allowed;
using identity::OrgKind;
using identity::OrgRef;
using identity::Permission;
using storage::Int;
using storage::Null;
using storage::Row;
using storage::StorageError;
using storage::Text;
using storage::Tx;
using storage::Value;

namespace {

constexpr std::string_view kAssessmentColumns =
    "a.id, a.organisation_id, o.name, a.cycle, a.framework_id, a.framework_version, a.status, "
    "a.created_at, a.updated_at, a.submitted_at, a.reviewed_at, a.score, a.maturity_level, "
    "a.scores_json, o.kind, o.parent_id, o.provider_type, o.size_band";
constexpr std::string_view kEvidenceColumns =
    "id, assessment_id, question_id, filename, content_type, size, sha256, uploaded_by, "
    "uploaded_at";
constexpr std::string_view kEditable = "('draft', 'returned')";
constexpr std::size_t kIdsPerQuery = 500;

std::string ActorName(Actor actor) {
  return actor.principal ? actor.principal->username : std::string("system");
}

std::optional<std::int64_t> ActorOrg(Actor actor) {
  if (!actor.principal) return std::nullopt;
  return actor.principal->organisation_id;
}

bool May(Actor actor, Permission permission, const OrgRef& org) {
  return !actor.principal || Allowed(*actor.principal, permission, org);
}

bool Editable(AssessmentStatus s) {
  return s == AssessmentStatus::kDraft || s == AssessmentStatus::kReturned;
}

bool Frozen(AssessmentStatus s) {
  return s == AssessmentStatus::kSubmitted || s == AssessmentStatus::kAccepted;
}

std::optional<TimePoint> OptTime(const Row& r, std::size_t i) {
  if (auto v = r.OptInt(i)) return FromUnixMillis(*v);
  return std::nullopt;
}

std::optional<double> OptReal(const Row& r, std::size_t i) {
  if (r.IsNull(i)) return std::nullopt;
  return r.Real(i);
}

Value OptReal(const std::optional<double>& v) { return v ? Value(*v) : Null(); }

AnswerValue ReadValue(const Row& r, std::size_t text_col, std::size_t number_col) {
  if (auto text = r.OptText(text_col)) return *text;
  return r.Real(number_col);
}

json::value MaturityJson(const std::optional<MaturityLevel>& m) {
  if (!m) return nullptr;
  return json::object{{"level", m->level}, {"name", m->name}, {"min_score", m->min_score}};
}

std::optional<MaturityLevel> MaturityFromJson(const json::value& v) {
  if (!v.is_object()) return std::nullopt;
  const auto& o = v.get_object();
  return MaturityLevel{static_cast<int>(o.at("level").to_number<std::int64_t>()),
                       std::string(o.at("name").as_string()),
                       o.at("min_score").to_number<double>()};
}

json::value OptNumber(const std::optional<double>& v) {
  if (!v) return nullptr;
  return *v;
}

std::optional<double> NumberFromJson(const json::value& v) {
  if (v.is_null()) return std::nullopt;
  return v.to_number<double>();
}

// The frozen scores as stored: unrounded.
std::string ScoresToJson(const Scores& s) {
  json::array domains;
  for (const auto& d : s.domains) {
    domains.push_back(json::object{{"id", d.id},
                                   {"title", d.title},
                                   {"score", OptNumber(d.score)},
                                   {"maturity", MaturityJson(d.maturity)},
                                   {"answered", d.answered},
                                   {"applicable", d.applicable}});
  }
  return json::serialize(json::object{{"overall", OptNumber(s.overall)},
                                      {"maturity", MaturityJson(s.maturity)},
                                      {"domains", std::move(domains)}});
}

Scores ScoresFromJson(std::string_view text) {
  const json::value v = json::parse(text);
  const auto& o = v.as_object();
  Scores s;
  s.overall = NumberFromJson(o.at("overall"));
  s.maturity = MaturityFromJson(o.at("maturity"));
  for (const auto& item : o.at("domains").as_array()) {
    const auto& d = item.as_object();
    DomainScore ds;
    ds.id = std::string(d.at("id").as_string());
    ds.title = std::string(d.at("title").as_string());
    ds.score = NumberFromJson(d.at("score"));
    ds.maturity = MaturityFromJson(d.at("maturity"));
    ds.answered = static_cast<int>(d.at("answered").to_number<std::int64_t>());
    ds.applicable = static_cast<int>(d.at("applicable").to_number<std::int64_t>());
    s.domains.push_back(std::move(ds));
  }
  return s;
}

using AnswerMap = std::map<std::string, AnswerValue, std::less<>>;
using EvidenceCounts = std::map<std::string, int, std::less<>>;

std::string InList(std::size_t n) {
  std::string out = "(";
  for (std::size_t i = 0; i < n; ++i) out += i == 0 ? "?" : ", ?";
  return out + ")";
}

EvidenceInfo ReadEvidence(const Row& r) {
  EvidenceInfo e;
  e.id = r.Int(0);
  e.assessment_id = r.Int(1);
  e.question_id = r.Text(2);
  e.filename = r.Text(3);
  e.content_type = r.Text(4);
  e.size = r.Int(5);
  e.sha256 = r.Text(6);
  e.uploaded_by = r.Text(7);
  e.uploaded_at = FromUnixMillis(r.Int(8));
  return e;
}

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace

std::string_view ToString(AssessmentStatus status) {
  switch (status) {
    case AssessmentStatus::kDraft:
      return "draft";
    case AssessmentStatus::kSubmitted:
      return "submitted";
    case AssessmentStatus::kReturned:
      return "returned";
    case AssessmentStatus::kAccepted:
      return "accepted";
  }
  return "draft";
}

std::optional<AssessmentStatus> ParseAssessmentStatus(std::string_view text) {
  for (auto s : {AssessmentStatus::kDraft, AssessmentStatus::kSubmitted,
                 AssessmentStatus::kReturned, AssessmentStatus::kAccepted}) {
    if (ToString(s) == text) return s;
  }
  return std::nullopt;
}

std::string_view ToString(ReviewDecision decision) {
  return decision == ReviewDecision::kAccept ? "accept" : "return";
}

// An assessment row with its organisation, read from storage.
struct AssessmentService::Loaded {
  AssessmentSummary summary;
  OrgRef org;
  Profile profile;
  std::shared_ptr<const Framework> framework;
  std::optional<std::string> scores_json;
};

AssessmentService::AssessmentService(storage::Database& db,
                                     const Clock& clock,
                                     identity::IdentityService& identity)
    : db_(db), clock_(clock), identity_(identity) {
  facts_.push_back(MakeIdentityMfaFactSource());
}

void AssessmentService::AddFactSource(std::unique_ptr<FactSource> source) {
  std::erase_if(facts_, [&](const auto& s) { return s->Key() == source->Key(); });
  facts_.push_back(std::move(source));
}

int AssessmentService::CurrentYear() const {
  const std::chrono::year_month_day ymd{std::chrono::floor<std::chrono::days>(clock_.Now())};
  return static_cast<int>(ymd.year());
}

// ---- Frameworks -------------------------------------------------------------------------------

Result<int> AssessmentService::LoadFrameworks(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    return Error::Invalid(fmt::format("framework directory {} does not exist", dir));
  }
  struct File {
    std::string path;
    std::string text;
    Framework framework;
  };
  std::vector<File> files;
  std::vector<fs::path> paths;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    if (it->is_regular_file() && it->path().extension() == ".json") paths.push_back(it->path());
  }
  if (ec) return Error::Invalid(fmt::format("cannot list {}: {}", dir, ec.message()));
  std::sort(paths.begin(), paths.end());
  for (const auto& path : paths) {
    const auto size = fs::file_size(path, ec);
    if (ec || size > kMaxFrameworkBytes) {
      return Error::Invalid(
          fmt::format("{}: unreadable or larger than {} bytes", path.string(), kMaxFrameworkBytes));
    }
    std::string text = ReadFile(path);
    auto parsed = ParseFramework(text);
    if (!parsed) {
      return Error::Invalid(fmt::format("{}: {}", path.string(), parsed.error().message),
                            parsed.error().field);
    }
    if (path.stem().string() != parsed->version ||
        path.parent_path().filename().string() != parsed->id) {
      return Error::Invalid(fmt::format("{}: a framework {} version {} belongs in {}/{}.json",
                                        path.string(), parsed->id, parsed->version, parsed->id,
                                        parsed->version));
    }
    files.push_back({path.string(), std::move(text), std::move(*parsed)});
  }
  const auto now = ToUnixMillis(clock_.Now());
  return db_.Transact([&](Tx& tx) -> Result<int> {
    int added = 0;
    for (const auto& f : files) {
      const std::string digest = Sha256Hex(f.text);
      const auto existing =
          tx.One("SELECT sha256 FROM assessment_frameworks WHERE framework_id = ? AND version = ?",
                 {Text(f.framework.id), Text(f.framework.version)});
      if (existing) {
        if (existing->Text(0) == digest) continue;
        return Error::Conflict(fmt::format(
            "{}: framework {} version {} is already loaded with other content; versions are "
            "immutable, publish a new version",
            f.path, f.framework.id, f.framework.version));
      }
      tx.Exec(
          "INSERT INTO assessment_frameworks (framework_id, version, title, description, "
          "published, question_count, document, sha256, loaded_at) "
          "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
          {Text(f.framework.id), Text(f.framework.version), Text(f.framework.title),
           Text(f.framework.description), Text(f.framework.published),
           Int(static_cast<std::int64_t>(f.framework.QuestionCount())), Text(f.text), Text(digest),
           Int(now)});
      ++added;
    }
    return added;
  });
}

std::optional<std::pair<std::string, std::string>> AssessmentService::DefaultFramework() {
  const auto rows = db_.Query(
      "SELECT framework_id, version, loaded_at FROM assessment_frameworks ORDER BY loaded_at DESC, "
      "framework_id");
  std::optional<std::pair<std::string, std::string>> best;
  std::optional<std::string> newest_id;
  bool have_default = false;
  for (const auto& r : rows.rows) {
    if (r.Text(0) == kDefaultFrameworkId) have_default = true;
    if (!newest_id) newest_id = r.Text(0);
  }
  const std::string wanted =
      have_default ? std::string(kDefaultFrameworkId) : newest_id.value_or("");
  for (const auto& r : rows.rows) {
    if (r.Text(0) != wanted) continue;
    if (!best || CompareFrameworkVersions(r.Text(1), best->second) > 0) {
      best = std::make_pair(r.Text(0), r.Text(1));
    }
  }
  return best;
}

std::vector<FrameworkInfo> AssessmentService::ListFrameworks() {
  const auto def = DefaultFramework();
  const auto rows = db_.Query(
      "SELECT framework_id, version, title, description, published, question_count "
      "FROM assessment_frameworks ORDER BY framework_id");
  std::vector<FrameworkInfo> out;
  for (const auto& r : rows.rows) {
    FrameworkInfo f;
    f.id = r.Text(0);
    f.version = r.Text(1);
    f.title = r.Text(2);
    f.description = r.Text(3);
    f.published = r.Text(4);
    f.question_count = static_cast<int>(r.Int(5));
    f.is_default = def && def->first == f.id && def->second == f.version;
    out.push_back(std::move(f));
  }
  std::stable_sort(out.begin(), out.end(), [](const FrameworkInfo& a, const FrameworkInfo& b) {
    if (a.id != b.id) return a.id < b.id;
    return CompareFrameworkVersions(a.version, b.version) > 0;
  });
  return out;
}

Result<std::string> AssessmentService::FrameworkDocument(std::string_view id,
                                                         std::string_view version) {
  const auto row = db_.QueryOne(
      "SELECT document FROM assessment_frameworks WHERE framework_id = ? AND version = ?",
      {Text(std::string(id)), Text(std::string(version))});
  if (!row) return Error::NotFound("no such framework version");
  return row->Text(0);
}

Result<std::shared_ptr<const Framework>> AssessmentService::GetFramework(std::string_view id,
                                                                         std::string_view version) {
  const auto key = std::make_pair(std::string(id), std::string(version));
  {
    std::lock_guard lock(cache_mu_);
    if (auto it = cache_.find(key); it != cache_.end()) return it->second;
  }
  auto text = FrameworkDocument(id, version);
  if (!text) return text.error();
  auto parsed = ParseFramework(*text);
  if (!parsed) {
    return Error{
        Errc::kInternal,
        fmt::format("stored framework {} {} is invalid: {}", id, version, parsed.error().message),
        {}};
  }
  auto fw = std::make_shared<const Framework>(std::move(*parsed));
  std::lock_guard lock(cache_mu_);
  return cache_.emplace(key, std::move(fw)).first->second;
}

// ---- Loading and building assessments -----------------------------------------------------------

Result<AssessmentService::Loaded> AssessmentService::LoadVisible(Actor actor, std::int64_t id) {
  const auto row = db_.QueryOne(
      fmt::format("SELECT {} FROM assessments a JOIN organisations o ON o.id = a.organisation_id "
                  "WHERE a.id = ?",
                  kAssessmentColumns),
      {Int(id)});
  if (!row) return Error::NotFound("no such assessment");
  Loaded l;
  l.org = {row->Int(1), identity::ParseOrgKind(row->Text(14)).value_or(OrgKind::kProvider),
           row->OptInt(15)};
  if (!May(actor, Permission::kReadAssessment, l.org)) {
    return Error::NotFound("no such assessment");
  }
  auto& s = l.summary;
  s.id = row->Int(0);
  s.organisation_id = row->Int(1);
  s.organisation_name = row->Text(2);
  s.cycle = static_cast<int>(row->Int(3));
  s.framework_id = row->Text(4);
  s.framework_version = row->Text(5);
  s.status = ParseAssessmentStatus(row->Text(6)).value_or(AssessmentStatus::kDraft);
  s.created_at = FromUnixMillis(row->Int(7));
  s.updated_at = FromUnixMillis(row->Int(8));
  s.submitted_at = OptTime(*row, 9);
  s.reviewed_at = OptTime(*row, 10);
  s.score = OptReal(*row, 11);
  l.scores_json = row->OptText(13);
  l.profile = {row->OptText(16).value_or(""), row->OptText(17).value_or("")};
  auto fw = GetFramework(s.framework_id, s.framework_version);
  if (!fw) return fw.error();
  l.framework = *fw;
  return l;
}

Result<Assessment> AssessmentService::Build(Actor actor, const Loaded& l) {
  Assessment a;
  a.summary = l.summary;
  const Framework& fw = *l.framework;
  const auto answers = db_.Query(
      "SELECT question_id, value_text, value_number, comment, updated_by, updated_at "
      "FROM assessment_answers WHERE assessment_id = ? ORDER BY question_id",
      {Int(l.summary.id)});
  AnswerMap values;
  for (const auto& r : answers.rows) {
    AnswerRecord rec{ReadValue(r, 1, 2), r.Text(3), r.Text(4), FromUnixMillis(r.Int(5))};
    values.emplace(r.Text(0), rec.value);
    a.answers.emplace(r.Text(0), std::move(rec));
  }
  const auto evidence = db_.Query(
      fmt::format("SELECT {} FROM assessment_evidence WHERE assessment_id = ? ORDER BY id",
                  kEvidenceColumns),
      {Int(l.summary.id)});
  EvidenceCounts counts;
  for (const auto& r : evidence.rows) {
    a.evidence.push_back(ReadEvidence(r));
    ++counts[a.evidence.back().question_id];
  }
  const auto reviews = db_.Query(
      "SELECT id, decision, comment, reviewer, organisation_id, at FROM assessment_reviews "
      "WHERE assessment_id = ? ORDER BY id",
      {Int(l.summary.id)});
  for (const auto& r : reviews.rows) {
    a.reviews.push_back({r.Int(0),
                         r.Text(1) == "accept" ? ReviewDecision::kAccept : ReviewDecision::kReturn,
                         r.Text(2), r.Text(3), r.OptInt(4), FromUnixMillis(r.Int(5))});
  }
  if (Frozen(l.summary.status) && l.scores_json) {
    a.scores = ScoresFromJson(*l.scores_json);
  } else {
    a.scores = Score({&fw, l.profile, &values, &counts, clock_.Now()});
  }
  a.summary.score = a.scores.overall;
  a.summary.maturity = a.scores.maturity;
  a.summary.completion = a.scores.Completion();

  // Facts: one observation per source, offered for every applicable question naming it.
  std::map<std::string, std::optional<Observation>, std::less<>> observed;
  const TimePoint now = clock_.Now();
  for (const auto& d : fw.domains) {
    for (const auto& c : d.controls) {
      for (const auto& q : c.questions) {
        if (!q.fact || (q.applies_to &&
                        !q.applies_to->Matches(l.profile.provider_type, l.profile.size_band))) {
          continue;
        }
        auto it = observed.find(*q.fact);
        if (it == observed.end()) {
          std::optional<Observation> o;
          for (const auto& source : facts_) {
            if (source->Key() == *q.fact) o = source->Observe(db_, l.org.id);
          }
          it = observed.emplace(*q.fact, std::move(o)).first;
        }
        if (!it->second || !CheckAnswer(q, it->second->suggested, now)) continue;
        a.facts.push_back({q.id, it->second->suggested, it->second->text, it->second->source, now});
      }
    }
  }

  const bool editable = Editable(l.summary.status);
  a.can_answer = editable && May(actor, Permission::kAnswerAssessment, l.org);
  a.can_submit = editable && May(actor, Permission::kSubmitAssessment, l.org);
  a.can_review = l.summary.status == AssessmentStatus::kSubmitted &&
                 May(actor, Permission::kReviewAssessment, l.org);
  return a;
}

// ---- Workflow ---------------------------------------------------------------------------------

Result<Assessment> AssessmentService::Create(Actor actor, const NewAssessment& request) {
  std::optional<std::int64_t> org_id = request.organisation_id;
  if (!org_id) org_id = ActorOrg(actor);
  if (!org_id) return Error::Invalid("organisation_id is required", "organisation_id");
  const auto org = identity_.LoadOrgRef(*org_id);
  if (!org ||
      (actor.principal && !Allowed(*actor.principal, Permission::kReadOrganisation, *org))) {
    return Error::NotFound("no such organisation");
  }
  if (org->kind != OrgKind::kProvider) {
    return actor.principal ? Error::Denied("only healthcare providers answer self-assessments")
                           : Error::Invalid("only healthcare providers answer self-assessments",
                                            "organisation_id");
  }
  if (!May(actor, Permission::kAnswerAssessment, *org)) {
    return Error::Denied("only the provider's own admins and analysts start its assessment");
  }
  const int cycle = request.cycle.value_or(CurrentYear());
  if (cycle < kMinCycle || cycle > kMaxCycle) {
    return Error::Invalid(fmt::format("cycle must be between {} and {}", kMinCycle, kMaxCycle),
                          "cycle");
  }
  std::string fw_id;
  std::string fw_version;
  if (request.framework_id) {
    fw_id = *request.framework_id;
    if (request.framework_version) {
      fw_version = *request.framework_version;
    } else {
      for (const auto& f : ListFrameworks()) {
        if (f.id == fw_id &&
            (fw_version.empty() || CompareFrameworkVersions(f.version, fw_version) > 0)) {
          fw_version = f.version;
        }
      }
      if (fw_version.empty()) return Error::Invalid("no such framework", "framework_id");
    }
  } else if (request.framework_version) {
    return Error::Invalid("framework_version needs framework_id", "framework_version");
  } else {
    const auto def = DefaultFramework();
    if (!def) return Error::Conflict("no assessment framework is loaded");
    fw_id = def->first;
    fw_version = def->second;
  }
  if (!GetFramework(fw_id, fw_version)) {
    return Error::Invalid("no such framework version",
                          request.framework_version ? "framework_version" : "framework_id");
  }
  const auto now = ToUnixMillis(clock_.Now());
  std::int64_t id = 0;
  try {
    id = db_.Transact([&](Tx& tx) {
      return tx
          .One(
              "INSERT INTO assessments (organisation_id, cycle, framework_id, framework_version, "
              "status, created_at, updated_at) VALUES (?, ?, ?, ?, 'draft', ?, ?) RETURNING id",
              {Int(*org_id), Int(cycle), Text(fw_id), Text(fw_version), Int(now), Int(now)})
          ->Int(0);
    });
  } catch (const StorageError& e) {
    if (e.kind() == StorageError::Kind::kUniqueViolation) {
      return Error::Conflict(
          fmt::format("the organisation already has an assessment for cycle {}", cycle));
    }
    throw;
  }
  return Get(actor, id);
}

Result<Assessment> AssessmentService::Get(Actor actor, std::int64_t id) {
  auto loaded = LoadVisible(actor, id);
  if (!loaded) return loaded.error();
  return Build(actor, *loaded);
}

std::vector<AssessmentSummary> AssessmentService::List(Actor actor,
                                                       const AssessmentFilter& filter) {
  std::string sql = fmt::format(
      "SELECT {} FROM assessments a JOIN organisations o ON o.id = a.organisation_id WHERE 1 = 1",
      kAssessmentColumns);
  std::vector<Value> params;
  if (filter.organisation_id) {
    sql += " AND a.organisation_id = ?";
    params.push_back(Int(*filter.organisation_id));
  }
  if (filter.cycle) {
    sql += " AND a.cycle = ?";
    params.push_back(Int(*filter.cycle));
  }
  if (filter.status) {
    sql += " AND a.status = ?";
    params.push_back(Text(std::string(ToString(*filter.status))));
  }
  sql += " ORDER BY a.cycle DESC, o.name, a.id";
  const auto rows = db_.Query(sql, params);

  struct Item {
    AssessmentSummary summary;
    Profile profile;
    bool live = false;  // scored now rather than frozen
  };
  std::vector<Item> items;
  std::vector<std::int64_t> live;
  for (const auto& r : rows.rows) {
    const OrgRef org{r.Int(1), identity::ParseOrgKind(r.Text(14)).value_or(OrgKind::kProvider),
                     r.OptInt(15)};
    if (!May(actor, Permission::kReadAssessment, org)) continue;
    Item it;
    auto& s = it.summary;
    s.id = r.Int(0);
    s.organisation_id = r.Int(1);
    s.organisation_name = r.Text(2);
    s.cycle = static_cast<int>(r.Int(3));
    s.framework_id = r.Text(4);
    s.framework_version = r.Text(5);
    s.status = ParseAssessmentStatus(r.Text(6)).value_or(AssessmentStatus::kDraft);
    s.created_at = FromUnixMillis(r.Int(7));
    s.updated_at = FromUnixMillis(r.Int(8));
    s.submitted_at = OptTime(r, 9);
    s.reviewed_at = OptTime(r, 10);
    if (Frozen(s.status) && r.OptText(13)) {
      const Scores frozen = ScoresFromJson(*r.OptText(13));
      s.score = frozen.overall;
      s.maturity = frozen.maturity;
      s.completion = frozen.Completion();
    } else {
      it.live = true;
      live.push_back(s.id);
    }
    it.profile = {r.OptText(16).value_or(""), r.OptText(17).value_or("")};
    items.push_back(std::move(it));
  }

  // Drafts and returned assessments are scored now, from their answers loaded in bulk.
  std::map<std::int64_t, AnswerMap> answers;
  std::map<std::int64_t, EvidenceCounts> files;
  for (std::size_t start = 0; start < live.size(); start += kIdsPerQuery) {
    const std::size_t n = std::min(kIdsPerQuery, live.size() - start);
    std::vector<Value> ids;
    for (std::size_t i = 0; i < n; ++i) ids.push_back(Int(live[start + i]));
    const auto a = db_.Query(fmt::format("SELECT assessment_id, question_id, value_text, "
                                         "value_number FROM assessment_answers "
                                         "WHERE assessment_id IN {}",
                                         InList(n)),
                             ids);
    for (const auto& r : a.rows) answers[r.Int(0)].emplace(r.Text(1), ReadValue(r, 2, 3));
    const auto e = db_.Query(fmt::format("SELECT assessment_id, question_id, COUNT(*) FROM "
                                         "assessment_evidence WHERE assessment_id IN {} "
                                         "GROUP BY assessment_id, question_id",
                                         InList(n)),
                             ids);
    for (const auto& r : e.rows) files[r.Int(0)][r.Text(1)] = static_cast<int>(r.Int(2));
  }
  const TimePoint now = clock_.Now();
  std::vector<AssessmentSummary> out;
  for (auto& it : items) {
    auto& s = it.summary;
    if (it.live) {
      auto fw = GetFramework(s.framework_id, s.framework_version);
      if (fw) {
        const Scores scores = Score({fw->get(), it.profile, &answers[s.id], &files[s.id], now});
        s.score = scores.overall;
        s.maturity = scores.maturity;
        s.completion = scores.Completion();
      }
    }
    out.push_back(std::move(s));
  }
  return out;
}

Result<Assessment> AssessmentService::SaveAnswers(Actor actor,
                                                  std::int64_t id,
                                                  const std::vector<AnswerChange>& changes) {
  auto loaded = LoadVisible(actor, id);
  if (!loaded) return loaded.error();
  if (!May(actor, Permission::kAnswerAssessment, loaded->org)) {
    return Error::Denied("only the provider's own admins and analysts answer its assessment");
  }
  if (changes.size() > kMaxAnswersPerSave) {
    return Error::Invalid(
        fmt::format("at most {} answers may be saved at once", kMaxAnswersPerSave), "answers");
  }
  const Framework& fw = *loaded->framework;
  const TimePoint now = clock_.Now();
  std::set<std::string_view> seen;
  for (const auto& change : changes) {
    const Question* q = fw.FindQuestion(change.question_id);
    if (q == nullptr) {
      return Error::Invalid("no such question in this framework",
                            std::string(TruncateUtf8(change.question_id, 96)));
    }
    if (!seen.insert(change.question_id).second) {
      return Error::Invalid("the question is answered twice", change.question_id);
    }
    if (change.value) {
      if (auto st = CheckAnswer(*q, *change.value, now); !st) return st.error();
    }
    if (change.comment.size() > kMaxComment || !ValidUtf8(change.comment) ||
        !NoControlChars(change.comment)) {
      return Error::Invalid(
          fmt::format("the comment must be text of at most {} bytes", kMaxComment),
          change.question_id);
    }
  }
  const std::string who = ActorName(actor);
  const auto now_ms = ToUnixMillis(now);
  auto saved = db_.Transact([&](Tx& tx) -> Status {
    const auto locked =
        tx.Exec(fmt::format("UPDATE assessments SET updated_at = ? WHERE id = ? AND status IN {}",
                            kEditable),
                {Int(now_ms), Int(id)});
    if (locked.affected_rows == 0) {
      return Error::Conflict("only a draft or returned assessment can be answered");
    }
    for (const auto& change : changes) {
      if (!change.value) {
        tx.Exec("DELETE FROM assessment_answers WHERE assessment_id = ? AND question_id = ?",
                {Int(id), Text(change.question_id)});
        continue;
      }
      const auto* text = std::get_if<std::string>(&*change.value);
      const auto* number = std::get_if<double>(&*change.value);
      tx.Exec(
          "INSERT INTO assessment_answers (assessment_id, question_id, value_text, value_number, "
          "comment, updated_by, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) "
          "ON CONFLICT (assessment_id, question_id) DO UPDATE SET value_text = "
          "excluded.value_text, "
          "value_number = excluded.value_number, comment = excluded.comment, "
          "updated_by = excluded.updated_by, updated_at = excluded.updated_at",
          {Int(id), Text(change.question_id), text ? Value(*text) : Null(),
           number ? Value(*number) : Null(), Text(change.comment), Text(who), Int(now_ms)});
    }
    return {};
  });
  if (!saved) return saved.error();
  return Get(actor, id);
}

Result<Assessment> AssessmentService::Submit(Actor actor, std::int64_t id) {
  auto loaded = LoadVisible(actor, id);
  if (!loaded) return loaded.error();
  if (!May(actor, Permission::kSubmitAssessment, loaded->org)) {
    return Error::Denied("only the provider's own admins submit its assessment");
  }
  const Framework& fw = *loaded->framework;
  const TimePoint now = clock_.Now();
  const auto now_ms = ToUnixMillis(now);
  auto submitted = db_.Transact([&](Tx& tx) -> Status {
    const auto locked =
        tx.Exec(fmt::format("UPDATE assessments SET updated_at = ? WHERE id = ? AND status IN {}",
                            kEditable),
                {Int(now_ms), Int(id)});
    if (locked.affected_rows == 0) {
      return Error::Conflict("only a draft or returned assessment can be submitted");
    }
    AnswerMap answers;
    for (const auto& r : tx.Exec("SELECT question_id, value_text, value_number FROM "
                                 "assessment_answers WHERE assessment_id = ?",
                                 {Int(id)})
                             .rows) {
      answers.emplace(r.Text(0), ReadValue(r, 1, 2));
    }
    EvidenceCounts files;
    for (const auto& r : tx.Exec("SELECT question_id, COUNT(*) FROM assessment_evidence "
                                 "WHERE assessment_id = ? GROUP BY question_id",
                                 {Int(id)})
                             .rows) {
      files[r.Text(0)] = static_cast<int>(r.Int(1));
    }
    const Scores scores = Score({&fw, loaded->profile, &answers, &files, now});
    if (const int missing = scores.Applicable() - scores.Answered(); missing > 0) {
      return Error::Invalid(
          fmt::format("{} applicable question{} unanswered; answer {} (or mark {} "
                      "\"not_applicable\") before submitting",
                      missing, missing == 1 ? " is" : "s are", missing == 1 ? "it" : "them",
                      missing == 1 ? "it" : "them"),
          "answers");
    }
    tx.Exec(
        "UPDATE assessments SET status = 'submitted', submitted_at = ?, score = ?, "
        "maturity_level = ?, scores_json = ? WHERE id = ?",
        {Int(now_ms), OptReal(scores.overall),
         scores.maturity ? Value(std::int64_t{scores.maturity->level}) : Null(),
         Text(ScoresToJson(scores)), Int(id)});
    tx.Exec("DELETE FROM assessment_domain_scores WHERE assessment_id = ?", {Int(id)});
    for (const auto& d : scores.domains) {
      tx.Exec(
          "INSERT INTO assessment_domain_scores (assessment_id, domain_id, score) VALUES (?, ?, ?)",
          {Int(id), Text(d.id), OptReal(d.score)});
    }
    return {};
  });
  if (!submitted) return submitted.error();
  return Get(actor, id);
}

Result<Assessment> AssessmentService::ReviewAssessment(Actor actor,
                                                       std::int64_t id,
                                                       ReviewDecision decision,
                                                       const std::string& comment) {
  auto loaded = LoadVisible(actor, id);
  if (!loaded) return loaded.error();
  if (!May(actor, Permission::kReviewAssessment, loaded->org)) {
    return Error::Denied(
        "only the provider's authority and the support centre review its assessment");
  }
  const std::size_t min = decision == ReviewDecision::kReturn ? 1 : 0;
  if (comment.size() < min || comment.size() > kMaxComment || !ValidUtf8(comment) ||
      !NoControlChars(comment)) {
    return Error::Invalid(
        decision == ReviewDecision::kReturn
            ? fmt::format("a return needs a comment of 1 to {} bytes saying what to change",
                          kMaxComment)
            : fmt::format("the comment must be text of at most {} bytes", kMaxComment),
        "comment");
  }
  const auto now_ms = ToUnixMillis(clock_.Now());
  auto reviewed = db_.Transact([&](Tx& tx) -> Status {
    const bool accept = decision == ReviewDecision::kAccept;
    const auto locked = tx.Exec(
        accept ? "UPDATE assessments SET status = 'accepted', reviewed_at = ?, updated_at = ? "
                 "WHERE id = ? AND status = 'submitted'"
               : "UPDATE assessments SET status = 'returned', reviewed_at = ?, updated_at = ?, "
                 "score = NULL, maturity_level = NULL, scores_json = NULL "
                 "WHERE id = ? AND status = 'submitted'",
        {Int(now_ms), Int(now_ms), Int(id)});
    if (locked.affected_rows == 0) {
      return Error::Conflict("only a submitted assessment can be reviewed");
    }
    if (!accept) {
      tx.Exec("DELETE FROM assessment_domain_scores WHERE assessment_id = ?", {Int(id)});
    }
    const auto org = ActorOrg(actor);
    tx.Exec(
        "INSERT INTO assessment_reviews (assessment_id, decision, comment, reviewer, "
        "organisation_id, at) VALUES (?, ?, ?, ?, ?, ?)",
        {Int(id), Text(std::string(ToString(decision))), Text(comment), Text(ActorName(actor)),
         org ? Value(*org) : Null(), Int(now_ms)});
    return {};
  });
  if (!reviewed) return reviewed.error();
  return Get(actor, id);
}

// ---- Evidence ---------------------------------------------------------------------------------

Result<EvidenceInfo> AssessmentService::AddEvidence(Actor actor,
                                                    std::int64_t assessment_id,
                                                    NewEvidence evidence) {
  auto loaded = LoadVisible(actor, assessment_id);
  if (!loaded) return loaded.error();
  if (!May(actor, Permission::kAnswerAssessment, loaded->org)) {
    return Error::Denied("only the provider's own admins and analysts attach evidence");
  }
  if (loaded->framework->FindQuestion(evidence.question_id) == nullptr) {
    return Error::Invalid("no such question in this framework", "question_id");
  }
  if (!IsEvidenceType(evidence.content_type)) {
    return Error{Errc::kUnsupportedMediaType,
                 "evidence must be PDF, PNG, JPEG, plain text, CSV, or an Office Open XML or "
                 "OpenDocument text or spreadsheet",
                 {}};
  }
  if (evidence.content.empty()) return Error::Invalid("the file is empty", "content");
  if (evidence.content.size() > kMaxEvidenceBytes) {
    return Error{Errc::kPayloadTooLarge,
                 fmt::format("an evidence file may not exceed {} MiB", kMaxEvidenceBytes >> 20),
                 {}};
  }
  if (!ContentMatchesType(evidence.content_type, evidence.content)) {
    return Error{Errc::kUnsupportedMediaType,
                 fmt::format("the content is not {}", evidence.content_type),
                 {}};
  }
  EvidenceInfo info;
  info.assessment_id = assessment_id;
  info.question_id = evidence.question_id;
  info.filename = SanitizeFilename(evidence.filename, kMaxEvidenceFilename);
  info.content_type = evidence.content_type;
  info.size = static_cast<std::int64_t>(evidence.content.size());
  info.sha256 = Sha256Hex(evidence.content);
  info.uploaded_by = ActorName(actor);
  info.uploaded_at = clock_.Now();
  const auto now_ms = ToUnixMillis(info.uploaded_at);
  auto added = db_.Transact([&](Tx& tx) -> Result<std::int64_t> {
    const auto locked =
        tx.Exec(fmt::format("UPDATE assessments SET updated_at = ? WHERE id = ? AND status IN {}",
                            kEditable),
                {Int(now_ms), Int(assessment_id)});
    if (locked.affected_rows == 0) {
      return Error::Conflict("evidence can only be attached to a draft or returned assessment");
    }
    const auto totals = tx.One(
        "SELECT COUNT(*), CAST(COALESCE(SUM(size), 0) AS BIGINT) FROM assessment_evidence "
        "WHERE assessment_id = ?",
        {Int(assessment_id)});
    if (static_cast<std::size_t>(totals->Int(0)) >= kMaxEvidenceFiles) {
      return Error::Conflict(
          fmt::format("an assessment may have at most {} evidence files", kMaxEvidenceFiles));
    }
    if (static_cast<std::size_t>(totals->Int(1)) + evidence.content.size() >
        kMaxEvidenceTotalBytes) {
      return Error{Errc::kPayloadTooLarge,
                   fmt::format("an assessment's evidence may not exceed {} MiB in total",
                               kMaxEvidenceTotalBytes >> 20),
                   {}};
    }
    return tx
        .One(
            "INSERT INTO assessment_evidence (assessment_id, question_id, filename, "
            "content_type, size, sha256, content, uploaded_by, uploaded_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            {Int(assessment_id), Text(info.question_id), Text(info.filename),
             Text(info.content_type), Int(info.size), Text(info.sha256),
             storage::Blob{std::move(evidence.content)}, Text(info.uploaded_by), Int(now_ms)})
        ->Int(0);
  });
  if (!added) return added.error();
  info.id = *added;
  return info;
}

Result<EvidenceFile> AssessmentService::GetEvidence(Actor actor, std::int64_t id) {
  const auto row = db_.QueryOne(
      "SELECT e.id, e.assessment_id, e.question_id, e.filename, e.content_type, e.size, e.sha256, "
      "e.uploaded_by, e.uploaded_at, e.content, o.id, o.kind, o.parent_id "
      "FROM assessment_evidence e JOIN assessments a ON a.id = e.assessment_id "
      "JOIN organisations o ON o.id = a.organisation_id WHERE e.id = ?",
      {Int(id)});
  if (!row) return Error::NotFound("no such evidence");
  const OrgRef org{row->Int(10), identity::ParseOrgKind(row->Text(11)).value_or(OrgKind::kProvider),
                   row->OptInt(12)};
  if (!May(actor, Permission::kReadAssessment, org)) return Error::NotFound("no such evidence");
  return EvidenceFile{ReadEvidence(*row), row->Bytes(9).bytes};
}

Status AssessmentService::DeleteEvidence(Actor actor, std::int64_t id) {
  const auto row = db_.QueryOne(
      "SELECT e.assessment_id, o.id, o.kind, o.parent_id FROM assessment_evidence e "
      "JOIN assessments a ON a.id = e.assessment_id "
      "JOIN organisations o ON o.id = a.organisation_id WHERE e.id = ?",
      {Int(id)});
  if (!row) return Error::NotFound("no such evidence");
  const OrgRef org{row->Int(1), identity::ParseOrgKind(row->Text(2)).value_or(OrgKind::kProvider),
                   row->OptInt(3)};
  if (!May(actor, Permission::kReadAssessment, org)) return Error::NotFound("no such evidence");
  if (!May(actor, Permission::kAnswerAssessment, org)) {
    return Error::Denied("only the provider's own admins and analysts remove evidence");
  }
  const std::int64_t assessment_id = row->Int(0);
  const auto now_ms = ToUnixMillis(clock_.Now());
  return db_.Transact([&](Tx& tx) -> Status {
    const auto locked =
        tx.Exec(fmt::format("UPDATE assessments SET updated_at = ? WHERE id = ? AND status IN {}",
                            kEditable),
                {Int(now_ms), Int(assessment_id)});
    if (locked.affected_rows == 0) {
      return Error::Conflict("evidence can only be removed from a draft or returned assessment");
    }
    if (tx.Exec("DELETE FROM assessment_evidence WHERE id = ?", {Int(id)}).affected_rows == 0) {
      return Error::NotFound("no such evidence");
    }
    return {};
  });
}

// ---- Scores of one organisation -----------------------------------------------------------------

Result<std::vector<CycleScores>> AssessmentService::OrganisationScores(Actor actor,
                                                                       std::int64_t org_id) {
  const auto org = identity_.LoadOrgRef(org_id);
  if (!org || !May(actor, Permission::kReadAssessment, *org)) {
    return Error::NotFound("no such organisation");
  }
  const auto rows = db_.Query(
      "SELECT id, cycle, status, scores_json FROM assessments WHERE organisation_id = ? "
      "AND status IN ('submitted', 'accepted') AND scores_json IS NOT NULL ORDER BY cycle",
      {Int(org_id)});
  std::vector<CycleScores> out;
  for (const auto& r : rows.rows) {
    out.push_back({static_cast<int>(r.Int(1)), r.Int(0),
                   ParseAssessmentStatus(r.Text(2)).value_or(AssessmentStatus::kSubmitted),
                   ScoresFromJson(r.Text(3))});
  }
  return out;
}

Result<std::vector<Weakness>> AssessmentService::Weaknesses(Actor actor, std::int64_t org_id) {
  const auto org = identity_.LoadOrgRef(org_id);
  if (!org || !May(actor, Permission::kReadAssessment, *org)) {
    return Error::NotFound("no such organisation");
  }
  auto row = db_.QueryOne(
      "SELECT id FROM assessments WHERE organisation_id = ? AND status IN ('submitted', "
      "'accepted') ORDER BY cycle DESC LIMIT 1",
      {Int(org_id)});
  if (!row) {
    row = db_.QueryOne(
        "SELECT id FROM assessments WHERE organisation_id = ? ORDER BY cycle DESC LIMIT 1",
        {Int(org_id)});
  }
  std::vector<Weakness> out;
  if (!row) return out;
  auto assessment = Get(Actor::System(), row->Int(0));
  if (!assessment) return assessment.error();
  auto fw = GetFramework(assessment->summary.framework_id, assessment->summary.framework_version);
  if (!fw) return fw.error();
  for (const auto& d : assessment->scores.domains) {
    if (!d.score) continue;
    const Domain* domain = (*fw)->FindDomain(d.id);
    out.push_back({d.id, d.title, *d.score,
                   domain ? (*fw)->DomainMappings(*domain, "nis2") : std::vector<std::string>{}});
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const Weakness& a, const Weakness& b) { return a.score < b.score; });
  return out;
}

}  // namespace caduceus::assessment
