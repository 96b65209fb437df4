#include "advisories/service.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <utility>

#include <boost/json.hpp>
#include <fmt/format.h>
#include <openssl/evp.h>

#include "advisories/visibility.h"
#include "identity/policy.h"
#include "storage/database.h"

namespace caduceus::advisories {

namespace json = boost::json;
using storage::Int;
using storage::Null;
using storage::Row;
using storage::Text;
using storage::Tx;
using storage::Value;

namespace {

// Times are microseconds since the epoch (*_us). Revisions keep every distinct document received
// for a key; adv_cves and adv_products describe the current revision only (search and filters).
// adv_state counts changes of the KEV catalogue and the alias tables, so every hub's cache knows
// when to reload. Sources, their documents and runs are sources.h's.
constexpr storage::Migration kMigrations[] = {
    {1, "advisories, revisions, KEV catalogue, aliases, sources", R"sql(
CREATE TABLE adv_advisories (
  id {{id}},
  key TEXT NOT NULL UNIQUE,
  publisher_name TEXT NOT NULL,
  publisher_namespace TEXT NOT NULL,
  tracking_id TEXT NOT NULL,
  title TEXT NOT NULL,
  category TEXT NOT NULL,
  tlp TEXT,
  current_version TEXT NOT NULL,
  revision BIGINT NOT NULL,
  matched_revision BIGINT NOT NULL DEFAULT 0,
  initial_release_us BIGINT NOT NULL,
  current_release_us BIGINT NOT NULL,
  max_cvss DOUBLE PRECISION,
  severity TEXT NOT NULL,
  cve_count BIGINT NOT NULL,
  product_count BIGINT NOT NULL,
  source TEXT NOT NULL,
  source_id BIGINT,
  authored_by_org BIGINT,
  created_at_us BIGINT NOT NULL,
  updated_at_us BIGINT NOT NULL,
  withdrawn INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX adv_advisories_release ON adv_advisories (current_release_us);
CREATE INDEX adv_advisories_severity ON adv_advisories (severity);

CREATE TABLE adv_revisions (
  id {{id}},
  advisory_id BIGINT NOT NULL REFERENCES adv_advisories(id) ON DELETE CASCADE,
  revision BIGINT NOT NULL,
  version TEXT NOT NULL,
  current_release_us BIGINT NOT NULL,
  sha256 TEXT NOT NULL,
  document TEXT NOT NULL,
  received_at_us BIGINT NOT NULL,
  source TEXT NOT NULL,
  UNIQUE (advisory_id, sha256),
  UNIQUE (advisory_id, revision)
);

CREATE TABLE adv_cves (
  advisory_id BIGINT NOT NULL REFERENCES adv_advisories(id) ON DELETE CASCADE,
  cve TEXT NOT NULL,
  PRIMARY KEY (advisory_id, cve)
);
CREATE INDEX adv_cves_cve ON adv_cves (cve);

CREATE TABLE adv_products (
  advisory_id BIGINT NOT NULL REFERENCES adv_advisories(id) ON DELETE CASCADE,
  vendor_lc TEXT NOT NULL,
  product_lc TEXT NOT NULL,
  PRIMARY KEY (advisory_id, vendor_lc, product_lc)
);

CREATE TABLE adv_kev (
  cve TEXT PRIMARY KEY,
  vendor_project TEXT NOT NULL,
  product TEXT NOT NULL,
  name TEXT NOT NULL,
  date_added TEXT NOT NULL,
  due_date TEXT NOT NULL,
  known_ransomware INTEGER NOT NULL,
  short_description TEXT NOT NULL,
  required_action TEXT NOT NULL
);

CREATE TABLE adv_kev_meta (
  id BIGINT PRIMARY KEY CHECK (id = 1),
  catalog_version TEXT NOT NULL,
  date_released TEXT NOT NULL,
  imported_at_us BIGINT NOT NULL,
  count BIGINT NOT NULL,
  document TEXT NOT NULL
);

CREATE TABLE adv_state (
  name TEXT PRIMARY KEY,
  generation BIGINT NOT NULL
);

CREATE TABLE adv_aliases (
  id {{id}},
  kind TEXT NOT NULL CHECK (kind IN ('vendor', 'product')),
  name TEXT NOT NULL,
  alias TEXT NOT NULL,
  created_by_org BIGINT,
  created_at_us BIGINT NOT NULL,
  UNIQUE (kind, name, alias)
);

CREATE TABLE adv_sources (
  id {{id}},
  name TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('provider', 'directory', 'kev')),
  url TEXT NOT NULL,
  enabled INTEGER NOT NULL DEFAULT 1,
  interval_minutes BIGINT NOT NULL,
  next_run_us BIGINT NOT NULL,
  lease_owner TEXT,
  lease_until_us BIGINT,
  last_run_us BIGINT,
  last_status TEXT,
  created_by_org BIGINT,
  created_at_us BIGINT NOT NULL,
  updated_at_us BIGINT NOT NULL
);
CREATE INDEX adv_sources_due ON adv_sources (enabled, next_run_us);

CREATE TABLE adv_source_documents (
  source_id BIGINT NOT NULL REFERENCES adv_sources(id) ON DELETE CASCADE,
  url TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  last_modified TEXT NOT NULL,
  etag TEXT NOT NULL,
  changed TEXT NOT NULL,
  fetched_at_us BIGINT NOT NULL,
  PRIMARY KEY (source_id, url)
);

CREATE TABLE adv_source_runs (
  id {{id}},
  source_id BIGINT NOT NULL REFERENCES adv_sources(id) ON DELETE CASCADE,
  started_at_us BIGINT NOT NULL,
  finished_at_us BIGINT,
  status TEXT NOT NULL,
  fetched BIGINT NOT NULL DEFAULT 0,
  imported BIGINT NOT NULL DEFAULT 0,
  unchanged BIGINT NOT NULL DEFAULT 0,
  rejected BIGINT NOT NULL DEFAULT 0,
  log TEXT NOT NULL
);
CREATE INDEX adv_source_runs_source ON adv_source_runs (source_id, id);
)sql"},
    // The holder is the organisation whose TLP promise the hub keeps for it
    // (identity::AllowedToSeeAdvisory). Advisories stored before it was kept: the author, else the
    // organisation that set up their source, else unknown (AMBER and RED: the support centre only).
    {2, "advisory holders", R"sql(
ALTER TABLE adv_advisories ADD COLUMN holder_org_id BIGINT;
UPDATE adv_advisories SET holder_org_id = COALESCE(authored_by_org,
  (SELECT s.created_by_org FROM adv_sources s WHERE s.id = adv_advisories.source_id));
CREATE INDEX adv_advisories_holder ON adv_advisories (holder_org_id);
)sql"},
};

constexpr std::string_view kSummaryColumns =
    "a.id, a.key, a.title, a.publisher_name, a.publisher_namespace, a.tracking_id, "
    "a.current_version, a.category, a.tlp, a.max_cvss, a.severity, a.revision, "
    "a.matched_revision, a.initial_release_us, a.current_release_us, a.source, a.source_id, "
    "a.authored_by_org, a.product_count, a.created_at_us, a.updated_at_us, a.holder_org_id";

std::int64_t Micros(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
}
TimePoint FromMicros(std::int64_t us) {
  return TimePoint(std::chrono::duration_cast<TimePoint::duration>(std::chrono::microseconds(us)));
}

std::string Sha256Hex(std::string_view bytes) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int size = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest.data(), &size, EVP_sha256(), nullptr);
  std::string out;
  for (unsigned int i = 0; i < size; ++i) out += fmt::format("{:02x}", digest[i]);
  return out;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// A LIKE pattern matching `s` anywhere, with the wildcards of `s` escaped by '\'.
std::string Contains(std::string_view s) {
  std::string out = "%";
  for (const char c : Lower(s)) {
    if (c == '%' || c == '_' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('%');
  return out;
}

// Compares two tracking versions: integer versioning numerically; semantic versioning by its
// numeric core, a pre-release sorting before its release. -1, 0 or 1.
int CompareVersions(std::string_view a, std::string_view b) {
  const auto split = [](std::string_view v) {
    const std::size_t plus = v.find('+');
    if (plus != std::string_view::npos) v = v.substr(0, plus);
    const std::size_t dash = v.find('-');
    std::string_view core = v.substr(0, dash);
    std::string_view pre = dash == std::string_view::npos ? "" : v.substr(dash + 1);
    std::vector<std::int64_t> parts;
    std::int64_t n = 0;
    for (const char c : core) {
      if (c == '.') {
        parts.push_back(n);
        n = 0;
      } else if (c >= '0' && c <= '9' && n < 1'000'000'000'000) {
        n = n * 10 + (c - '0');
      }
    }
    parts.push_back(n);
    return std::make_pair(parts, std::string(pre));
  };
  auto [pa, prea] = split(a);
  auto [pb, preb] = split(b);
  const std::size_t n = std::max(pa.size(), pb.size());
  pa.resize(n, 0);
  pb.resize(n, 0);
  if (pa != pb) return pa < pb ? -1 : 1;
  if (prea == preb) return 0;
  if (prea.empty()) return 1;
  if (preb.empty()) return -1;
  return prea < preb ? -1 : 1;
}

std::string SeverityOfScore(std::optional<double> score) {
  if (!score) return "medium";
  if (*score >= 9.0) return "critical";
  if (*score >= 7.0) return "high";
  if (*score >= 4.0) return "medium";
  return "low";
}

// The highest CVSS v3/v4 base score of the document, else the highest v2 score.
std::optional<double> MaxCvss(const Advisory& a) {
  std::optional<double> v3, v2;
  for (const auto& v : a.vulnerabilities) {
    for (const auto& s : v.scores) {
      auto& slot = s.cvss_version == "2.0" ? v2 : v3;
      if (!slot || s.base_score > *slot) slot = s.base_score;
    }
  }
  return v3 ? v3 : v2;
}

std::vector<std::string> CvesOf(const Advisory& a) {
  std::set<std::string> set;
  for (const auto& v : a.vulnerabilities) {
    if (!v.cve.empty()) set.insert(v.cve);
  }
  return {set.begin(), set.end()};
}

std::set<std::pair<std::string, std::string>> VendorProducts(const Advisory& a) {
  std::set<std::pair<std::string, std::string>> out;
  for (const auto& p : a.products) {
    std::string product = p.product_name.empty() ? p.name : p.product_name;
    out.emplace(Lower(p.vendor).substr(0, 512), Lower(product).substr(0, 512));
  }
  return out;
}

AdvisorySummary ReadSummary(const Row& r) {
  AdvisorySummary s;
  s.id = r.Int(0);
  s.key = r.Text(1);
  s.title = r.Text(2);
  s.publisher = r.Text(3);
  s.publisher_namespace = r.Text(4);
  s.tracking_id = r.Text(5);
  s.version = r.Text(6);
  s.category = r.Text(7);
  s.tlp = r.OptText(8).value_or("");
  if (!r.IsNull(9)) s.max_cvss = r.Real(9);
  s.severity = r.Text(10);
  s.revision = r.Int(11);
  s.matched_revision = r.Int(12);
  s.initial_release = FromMicros(r.Int(13));
  s.current_release = FromMicros(r.Int(14));
  s.source = r.Text(15);
  s.source_id = r.OptInt(16);
  s.authored_by_org = r.OptInt(17);
  s.product_count = static_cast<int>(r.Int(18));
  s.created_at = FromMicros(r.Int(19));
  s.updated_at = FromMicros(r.Int(20));
  s.holder_org = r.OptInt(21);
  return s;
}

// The TLP label a stored document carries (/document/distribution/tlp/label); a document that no
// longer reads as JSON reads as RED.
std::optional<TlpLevel> RevisionTlp(std::string_view document) {
  boost::system::error_code ec;
  const json::value doc = json::parse(document, ec);
  if (ec) return TlpLevel::kRed;
  const json::value* label = doc.find_pointer("/document/distribution/tlp/label", ec);
  if (label == nullptr || !label->is_string()) return std::nullopt;
  return AdvisoryTlp(std::string_view(label->get_string()));
}

// The document's file name as CSAF section 5.1 forms it from the tracking id.
std::string FileName(std::string_view tracking_id) {
  std::string out;
  for (const char c : Lower(tracking_id)) {
    const bool keep = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '-';
    out.push_back(keep ? c : '_');
  }
  if (out.empty()) out = "advisory";
  return out + ".json";
}

void BumpGeneration(Tx& tx, std::string_view name) {
  tx.Exec(
      "INSERT INTO adv_state (name, generation) VALUES (?, 1) ON CONFLICT (name) DO UPDATE SET "
      "generation = adv_state.generation + 1",
      {Text(std::string(name))});
}

std::int64_t Generation(storage::Database& db, std::string_view name) {
  auto row =
      db.QueryOne("SELECT generation FROM adv_state WHERE name = ?", {Text(std::string(name))});
  return row ? row->Int(0) : 0;
}

void WriteSearchRows(Tx& tx, std::int64_t id, const Advisory& a) {
  tx.Exec("DELETE FROM adv_cves WHERE advisory_id = ?", {Int(id)});
  tx.Exec("DELETE FROM adv_products WHERE advisory_id = ?", {Int(id)});
  for (const auto& cve : CvesOf(a)) {
    tx.Exec("INSERT INTO adv_cves (advisory_id, cve) VALUES (?, ?)", {Int(id), Text(cve)});
  }
  for (const auto& [vendor, product] : VendorProducts(a)) {
    tx.Exec("INSERT INTO adv_products (advisory_id, vendor_lc, product_lc) VALUES (?, ?, ?)",
            {Int(id), Text(vendor), Text(product)});
  }
}

Value OptDouble(std::optional<double> v) { return v ? Value(*v) : Null(); }
Value OptInt64(std::optional<std::int64_t> v) { return v ? Int(*v) : Null(); }

// --- CVSS v3.x -----------------------------------------------------------------------------------

double RoundUp1(double value) {
  const auto scaled = static_cast<std::int64_t>(std::llround(value * 100000));
  if (scaled % 10000 == 0) return static_cast<double>(scaled) / 100000.0;
  return (std::floor(static_cast<double>(scaled) / 10000.0) + 1) / 10.0;
}

// --- Authoring
// ------------------------------------------------------------------------------------

constexpr std::size_t kMaxFormText = 4000;
constexpr std::size_t kMaxFormName = 200;

bool HasControlChars(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) {
    return static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t' && c != '\r';
  });
}

Status CheckFormText(std::string_view value,
                     std::string_view field,
                     std::size_t max,
                     bool required,
                     bool single_line) {
  const bool blank = value.find_first_not_of(" \t\r\n") == std::string_view::npos;
  if (required && blank)
    return Error::Invalid(fmt::format("{} is required", field), std::string(field));
  if (value.size() > max) {
    return Error::Invalid(fmt::format("{} is longer than {} bytes", field, max),
                          std::string(field));
  }
  if (HasControlChars(value) ||
      (single_line && value.find_first_of("\r\n") != std::string_view::npos)) {
    return Error::Invalid(fmt::format("{} holds control characters", field), std::string(field));
  }
  if (!blank && (value.front() == ' ' || value.back() == ' ')) {
    return Error::Invalid(fmt::format("{} starts or ends with a space", field), std::string(field));
  }
  return {};
}

bool IsCveId(std::string_view s) {
  if (s.size() < 13 || s.size() > 24 || s.substr(0, 4) != "CVE-") return false;
  for (std::size_t i = 4; i < s.size(); ++i) {
    if (i == 8) {
      if (s[i] != '-') return false;
    } else if (s[i] < '0' || s[i] > '9') {
      return false;
    }
  }
  return true;
}

std::string Slug(std::string_view name) {
  std::string out;
  for (const char c : name) {
    if ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) out.push_back(c);
    if (c >= 'a' && c <= 'z') out.push_back(static_cast<char>(c - 'a' + 'A'));
    if (out.size() >= 16) break;
  }
  return out.empty() ? std::string("CSIRT") : out;
}

std::string CvssSeverityName(double score) {
  if (score == 0) return "NONE";
  if (score < 4.0) return "LOW";
  if (score < 7.0) return "MEDIUM";
  if (score < 9.0) return "HIGH";
  return "CRITICAL";
}

}  // namespace

std::string_view ToString(ImportOutcome outcome) {
  switch (outcome) {
    case ImportOutcome::kCreated:
      return "created";
    case ImportOutcome::kRevised:
      return "revised";
    case ImportOutcome::kUnchanged:
      return "unchanged";
    case ImportOutcome::kOlder:
      return "older";
  }
  return "created";
}

Result<double> CvssV3BaseScore(std::string_view vector) {
  const bool v31 = vector.rfind("CVSS:3.1/", 0) == 0;
  if (!v31 && vector.rfind("CVSS:3.0/", 0) != 0) {
    return Error::Invalid("a CVSS v3 vector starts with CVSS:3.0/ or CVSS:3.1/");
  }
  std::map<std::string, std::string> m;
  std::string_view rest = vector.substr(9);
  while (!rest.empty()) {
    const std::size_t slash = rest.find('/');
    const std::string_view part = rest.substr(0, slash);
    const std::size_t colon = part.find(':');
    if (colon == std::string_view::npos || colon == 0 || colon + 1 == part.size()) {
      return Error::Invalid("the CVSS vector has a malformed metric");
    }
    if (!m.emplace(std::string(part.substr(0, colon)), std::string(part.substr(colon + 1)))
             .second) {
      return Error::Invalid("the CVSS vector repeats a metric");
    }
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
  }
  const auto pick =
      [&](const char* metric,
          std::initializer_list<std::pair<const char*, double>> values) -> std::optional<double> {
    const auto it = m.find(metric);
    if (it == m.end()) return std::nullopt;
    for (const auto& [name, value] : values) {
      if (it->second == name) return value;
    }
    return std::nullopt;
  };
  const auto s = m.find("S");
  if (s == m.end() || (s->second != "U" && s->second != "C")) {
    return Error::Invalid("the CVSS vector needs S:U or S:C");
  }
  const bool changed = s->second == "C";
  const auto av = pick("AV", {{"N", 0.85}, {"A", 0.62}, {"L", 0.55}, {"P", 0.2}});
  const auto ac = pick("AC", {{"L", 0.77}, {"H", 0.44}});
  const auto pr =
      pick("PR", {{"N", 0.85}, {"L", changed ? 0.68 : 0.62}, {"H", changed ? 0.5 : 0.27}});
  const auto ui = pick("UI", {{"N", 0.85}, {"R", 0.62}});
  const auto c = pick("C", {{"H", 0.56}, {"L", 0.22}, {"N", 0.0}});
  const auto i = pick("I", {{"H", 0.56}, {"L", 0.22}, {"N", 0.0}});
  const auto a = pick("A", {{"H", 0.56}, {"L", 0.22}, {"N", 0.0}});
  if (!av || !ac || !pr || !ui || !c || !i || !a) {
    return Error::Invalid("the CVSS vector lacks a base metric or has an unknown value");
  }
  const double iss = 1 - (1 - *c) * (1 - *i) * (1 - *a);
  const double impact =
      changed ? 7.52 * (iss - 0.029) - 3.25 * std::pow(iss - 0.02, 15) : 6.42 * iss;
  const double exploitability = 8.22 * *av * *ac * *pr * *ui;
  if (impact <= 0) return 0.0;
  const auto round = [&](double x) { return v31 ? RoundUp1(x) : std::ceil(x * 10) / 10; };
  if (changed) return round(std::min(1.08 * (impact + exploitability), 10.0));
  return round(std::min(impact + exploitability, 10.0));
}

AdvisoryService::AdvisoryService(storage::Database& db,
                                 const Clock& clock,
                                 identity::IdentityService& identity,
                                 AdvisoryServiceOptions options)
    : db_(db),
      clock_(clock),
      identity_(identity),
      options_(std::move(options)),
      sources_(std::make_unique<SourceService>(db, clock, *this, options_.sources)) {}

AdvisoryService::~AdvisoryService() = default;

std::span<const storage::Migration> AdvisoryService::Migrations() { return kMigrations; }

void AdvisoryService::SetChangeListener(std::function<void(std::int64_t advisory_id)> listener) {
  const std::lock_guard lock(listener_mutex_);
  listener_ = std::move(listener);
}

void AdvisoryService::Notify(std::int64_t advisory_id) {
  std::function<void(std::int64_t)> listener;
  {
    const std::lock_guard lock(listener_mutex_);
    listener = listener_;
  }
  if (listener) listener(advisory_id);
}

Result<std::optional<std::int64_t>> AdvisoryService::CheckPublisher(identity::Actor actor) {
  if (actor.principal == nullptr) return std::optional<std::int64_t>();
  const identity::Principal& p = *actor.principal;
  const std::optional<identity::OrgRef> org = identity_.LoadOrgRef(p.organisation_id);
  if (!org || !identity::Allowed(p, identity::Permission::kPublishAdvisory, *org)) {
    return Error::Denied("only the support centre's and authorities' analysts publish advisories");
  }
  return std::optional<std::int64_t>(p.organisation_id);
}

// --- Import
// ----------------------------------------------------------------------------------------

Result<ImportResult> AdvisoryService::Import(identity::Actor actor,
                                             std::string_view document,
                                             std::string_view source,
                                             std::optional<std::int64_t> source_id) {
  auto publisher = CheckPublisher(actor);
  if (!publisher) return publisher.error();
  if (source != kSourceUpload && source != kSourceDirectory && source != kSourceProvider) {
    return Error::Invalid("source must be upload, directory or provider", "source");
  }
  return ImportParsed(document, source, source_id, std::nullopt, *publisher);
}

Result<ImportResult> AdvisoryService::ImportParsed(std::string_view document,
                                                   std::string_view source,
                                                   std::optional<std::int64_t> source_id,
                                                   std::optional<std::int64_t> authored_by_org,
                                                   std::optional<std::int64_t> holder) {
  if (document.size() > options_.parse.max_bytes) {
    return Error{Errc::kPayloadTooLarge,
                 fmt::format("a CSAF document may have at most {} bytes", options_.parse.max_bytes),
                 {}};
  }
  auto parsed = ParseCsaf(document, options_.parse);
  if (!parsed) return parsed.error();
  std::shared_ptr<const PreparedAdvisory> prepared = PreparedAdvisory::Prepare(std::move(*parsed));
  const Advisory& a = prepared->advisory();
  const std::string key = prepared->key();
  const std::string sha = Sha256Hex(document);
  const std::optional<double> max_cvss = MaxCvss(a);
  const std::string severity = SeverityOfScore(max_cvss);
  const std::int64_t now = Micros(clock_.Now());
  const std::int64_t release = Micros(a.tracking.current_release_date.value);
  const std::int64_t initial = Micros(a.tracking.initial_release_date.value);
  const std::vector<std::string> cves = CvesOf(a);
  const Value tlp = a.tlp_label.empty() ? Null() : Text(a.tlp_label);

  const auto run = [&](Tx& tx) -> Result<ImportResult> {
    ImportResult out;
    out.key = key;
    auto current = tx.One(
        "SELECT id, revision, current_version, current_release_us, tlp, holder_org_id, "
        "authored_by_org FROM adv_advisories WHERE key = ?",
        {Text(key)});
    // Who brings the document: the uploader's or author's organisation, or the one that set up
    // the source; nobody for the admin CLI and sources it set up.
    std::optional<std::int64_t> holder_org = holder;
    if (!holder_org && source_id) {
      const auto from =
          tx.One("SELECT created_by_org FROM adv_sources WHERE id = ?", {Int(*source_id)});
      if (from) holder_org = from->OptInt(0);
    }
    if (current && holder_org &&
        !identity::AllowedToReviseAdvisory(
            *holder_org, current->OptInt(5), current->OptInt(6).has_value(),
            AdvisoryTlp(current->OptText(4)), AdvisoryTlp(a.tlp_label))) {
      return Error::Conflict(
          "an advisory with this publisher namespace and tracking id is held by another "
          "organisation, which alone may revise it");
    }
    if (!current) {
      auto id = tx.One(
          "INSERT INTO adv_advisories (key, publisher_name, publisher_namespace, tracking_id, "
          "title, category, tlp, current_version, revision, matched_revision, initial_release_us, "
          "current_release_us, max_cvss, severity, cve_count, product_count, source, source_id, "
          "authored_by_org, created_at_us, updated_at_us, withdrawn, holder_org_id) VALUES (?, ?, "
          "?, ?, ?, ?, ?, ?, 1, 0, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?) RETURNING id",
          {Text(key),
           Text(a.publisher.name),
           Text(a.publisher.namespace_url),
           Text(a.tracking.id),
           Text(a.title),
           Text(a.category),
           tlp,
           Text(a.tracking.version),
           Int(initial),
           Int(release),
           OptDouble(max_cvss),
           Text(severity),
           Int(static_cast<std::int64_t>(cves.size())),
           Int(static_cast<std::int64_t>(a.products.size())),
           Text(std::string(source)),
           OptInt64(source_id),
           OptInt64(authored_by_org),
           Int(now),
           Int(now),
           OptInt64(holder_org)});
      out.id = id->Int(0);
      out.revision = 1;
      out.outcome = ImportOutcome::kCreated;
    } else {
      out.id = current->Int(0);
      out.revision = current->Int(1);
      if (tx.One("SELECT revision FROM adv_revisions WHERE advisory_id = ? AND sha256 = ?",
                 {Int(out.id), Text(sha)})) {
        out.outcome = ImportOutcome::kUnchanged;
        return out;
      }
      const std::int64_t current_release = current->Int(3);
      const bool newer =
          release > current_release ||
          (release == current_release && CompareVersions(a.tracking.version, current->Text(2)) > 0);
      const auto next =
          tx.One("SELECT COALESCE(MAX(revision), 0) + 1 FROM adv_revisions WHERE advisory_id = ?",
                 {Int(out.id)});
      const std::int64_t number = next->Int(0);
      if (!newer) {
        tx.Exec(
            "INSERT INTO adv_revisions (advisory_id, revision, version, current_release_us, "
            "sha256, document, received_at_us, source) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            {Int(out.id), Int(number), Text(a.tracking.version), Int(release), Text(sha),
             Text(std::string(document)), Int(now), Text(std::string(source))});
        out.outcome = ImportOutcome::kOlder;
        return out;
      }
      tx.Exec(
          "UPDATE adv_advisories SET publisher_name = ?, title = ?, category = ?, tlp = ?, "
          "current_version = ?, revision = ?, initial_release_us = ?, current_release_us = ?, "
          "max_cvss = ?, severity = ?, cve_count = ?, product_count = ?, source = ?, "
          "source_id = ?, updated_at_us = ? WHERE id = ?",
          {Text(a.publisher.name), Text(a.title), Text(a.category), tlp, Text(a.tracking.version),
           Int(number), Int(initial), Int(release), OptDouble(max_cvss), Text(severity),
           Int(static_cast<std::int64_t>(cves.size())),
           Int(static_cast<std::int64_t>(a.products.size())), Text(std::string(source)),
           OptInt64(source_id), Int(now), Int(out.id)});
      out.revision = number;
      out.outcome = ImportOutcome::kRevised;
    }
    tx.Exec(
        "INSERT INTO adv_revisions (advisory_id, revision, version, current_release_us, sha256, "
        "document, received_at_us, source) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        {Int(out.id), Int(out.revision), Text(a.tracking.version), Int(release), Text(sha),
         Text(std::string(document)), Int(now), Text(std::string(source))});
    WriteSearchRows(tx, out.id, a);
    return out;
  };

  std::optional<Result<ImportResult>> result;
  try {
    result = db_.Transact(run);
  } catch (const storage::StorageError& e) {
    // Another import created the same key at the same moment: this one is now a revision.
    if (e.kind() != storage::StorageError::Kind::kUniqueViolation) throw;
    result = db_.Transact(run);
  }
  if (!*result) return result->error();
  const ImportResult& done = **result;
  if (done.outcome == ImportOutcome::kCreated || done.outcome == ImportOutcome::kRevised) {
    {
      const std::lock_guard lock(cache_mutex_);
      if (prepared_.size() < options_.max_cached_advisories || prepared_.count(done.id) > 0) {
        prepared_[done.id] = {done.revision, prepared};
      }
    }
    Notify(done.id);
  }
  return done;
}

// --- Reading
// -----------------------------------------------------------------------------------------

Result<AdvisoryPage> AdvisoryService::List(identity::Actor actor, const AdvisoryFilter& filter) {
  if (filter.page < 1) return Error::Invalid("page starts at 1", "page");
  if (filter.per_page < 1 || filter.per_page > kMaxPerPage) {
    return Error::Invalid(fmt::format("per_page must be 1..{}", kMaxPerPage), "per_page");
  }
  if (!filter.severity.empty() && filter.severity != "low" && filter.severity != "medium" &&
      filter.severity != "high" && filter.severity != "critical") {
    return Error::Invalid("severity must be low, medium, high or critical", "severity");
  }
  for (const auto& [value, name] :
       {std::pair{&filter.q, "q"}, std::pair{&filter.vendor, "vendor"},
        std::pair{&filter.product, "product"}, std::pair{&filter.cve, "cve"}}) {
    if (value->size() > 200) return Error::Invalid(fmt::format("{} is too long", name), name);
  }
  AdvisoryPredicate visible = VisiblePredicate(ViewerOf(actor), "a");
  std::vector<std::string> where{visible.sql};
  std::vector<Value> params = std::move(visible.params);
  if (!filter.q.empty()) {
    const std::string like = Contains(filter.q);
    where.push_back(
        "(LOWER(a.title) LIKE ? ESCAPE '\\' OR LOWER(a.tracking_id) LIKE ? ESCAPE '\\' OR "
        "EXISTS (SELECT 1 FROM adv_cves c WHERE c.advisory_id = a.id AND LOWER(c.cve) LIKE ? "
        "ESCAPE '\\') OR EXISTS (SELECT 1 FROM adv_products p WHERE p.advisory_id = a.id AND "
        "(p.vendor_lc LIKE ? ESCAPE '\\' OR p.product_lc LIKE ? ESCAPE '\\')))");
    for (int i = 0; i < 5; ++i) params.push_back(Text(like));
  }
  if (!filter.vendor.empty()) {
    where.push_back(
        "EXISTS (SELECT 1 FROM adv_products p WHERE p.advisory_id = a.id AND p.vendor_lc LIKE ? "
        "ESCAPE '\\')");
    params.push_back(Text(Contains(filter.vendor)));
  }
  if (!filter.product.empty()) {
    where.push_back(
        "EXISTS (SELECT 1 FROM adv_products p WHERE p.advisory_id = a.id AND p.product_lc LIKE ? "
        "ESCAPE '\\')");
    params.push_back(Text(Contains(filter.product)));
  }
  if (!filter.cve.empty()) {
    where.push_back("EXISTS (SELECT 1 FROM adv_cves c WHERE c.advisory_id = a.id AND c.cve = ?)");
    std::string cve(filter.cve);
    for (char& ch : cve) {
      if (ch >= 'a' && ch <= 'z') ch = static_cast<char>(ch - 'a' + 'A');
    }
    params.push_back(Text(cve));
  }
  if (!filter.severity.empty()) {
    where.push_back("a.severity = ?");
    params.push_back(Text(filter.severity));
  }
  if (filter.kev_only) {
    where.push_back(
        "EXISTS (SELECT 1 FROM adv_cves c JOIN adv_kev k ON k.cve = c.cve WHERE c.advisory_id = "
        "a.id)");
  }
  if (filter.since) {
    where.push_back("a.current_release_us >= ?");
    params.push_back(Int(Micros(*filter.since)));
  }
  std::string clause;
  for (std::size_t i = 0; i < where.size(); ++i)
    clause += (i == 0 ? " WHERE " : " AND ") + where[i];

  AdvisoryPage page;
  page.page = filter.page;
  page.per_page = filter.per_page;
  page.total =
      db_.Query("SELECT COUNT(*) FROM adv_advisories a" + clause, params).rows.at(0).Int(0);
  std::vector<Value> paged = params;
  paged.push_back(Int(filter.per_page));
  paged.push_back(Int(static_cast<std::int64_t>(filter.page - 1) * filter.per_page));
  const auto rows = db_.Query(fmt::format("SELECT {} FROM adv_advisories a{} ORDER BY "
                                          "a.current_release_us DESC, a.id DESC LIMIT ? OFFSET ?",
                                          kSummaryColumns, clause),
                              paged);
  if (rows.rows.empty()) return page;
  std::map<std::int64_t, std::size_t> index;
  std::string ids;
  std::vector<Value> id_params;
  for (const Row& r : rows.rows) {
    index[r.Int(0)] = page.items.size();
    page.items.push_back(ReadSummary(r));
    ids += ids.empty() ? "?" : ", ?";
    id_params.push_back(Int(r.Int(0)));
  }
  const auto cves = db_.Query(
      "SELECT c.advisory_id, c.cve, k.cve FROM adv_cves c LEFT JOIN adv_kev k ON k.cve = c.cve "
      "WHERE c.advisory_id IN (" +
          ids + ") ORDER BY c.advisory_id, c.cve",
      id_params);
  for (const Row& r : cves.rows) {
    AdvisorySummary& s = page.items[index.at(r.Int(0))];
    s.cves.push_back(r.Text(1));
    if (!r.IsNull(2)) s.kev = true;
  }
  return page;
}

Result<AdvisoryDetail> AdvisoryService::Get(identity::Actor actor, std::int64_t id) {
  AdvisoryPredicate visible = VisiblePredicate(ViewerOf(actor), "a");
  visible.params.insert(visible.params.begin(), Int(id));
  auto result = db_.Query(fmt::format("SELECT {} FROM adv_advisories a WHERE a.id = ? AND {}",
                                      kSummaryColumns, visible.sql),
                          visible.params);
  if (result.rows.empty()) return Error::NotFound("no such advisory");
  const Row* row = &result.rows.front();
  AdvisoryDetail d;
  d.summary = ReadSummary(*row);
  auto current = Prepared(id);
  if (!current) return current.error();
  d.prepared = current->prepared;
  auto kev = Kev();
  if (!kev) return kev.error();
  for (const Row& r :
       db_.Query("SELECT cve FROM adv_cves WHERE advisory_id = ? ORDER BY cve", {Int(id)}).rows) {
    d.summary.cves.push_back(r.Text(0));
    if (const KevEntry* e = (*kev)->Find(r.Text(0))) {
      d.summary.kev = true;
      d.kev.push_back(*e);
    }
  }
  for (const Row& r : db_.Query("SELECT revision, version, current_release_us, sha256, "
                                "received_at_us, source FROM adv_revisions WHERE advisory_id = ? "
                                "ORDER BY revision DESC",
                                {Int(id)})
                          .rows) {
    RevisionInfo info;
    info.revision = r.Int(0);
    info.version = r.Text(1);
    info.current_release = FromMicros(r.Int(2));
    info.sha256 = r.Text(3);
    info.received_at = FromMicros(r.Int(4));
    info.source = r.Text(5);
    info.current = info.revision == d.summary.revision;
    d.revisions.push_back(std::move(info));
  }
  return d;
}

Result<StoredDocument> AdvisoryService::Document(identity::Actor actor,
                                                 std::int64_t id,
                                                 std::optional<std::int64_t> revision) {
  auto row = db_.QueryOne(
      "SELECT r.document, a.tracking_id, r.revision, a.tlp, a.holder_org_id FROM adv_advisories a "
      "JOIN adv_revisions r ON r.advisory_id = a.id WHERE a.id = ? AND r.revision = "
      "COALESCE(?, a.revision)",
      {Int(id), OptInt64(revision)});
  if (!row) return Error::NotFound(revision ? "no such revision" : "no such advisory");
  // A revision is served under the stricter of the advisory's label and its own, so that an older
  // RED revision stays RED once a later one is WHITE. Hidden reads as missing.
  identity::AdvisoryScope scope;
  scope.tlp = Stricter(AdvisoryTlp(row->OptText(3)), RevisionTlp(row->Text(0)));
  if (const auto holder = row->OptInt(4)) {
    scope.holder = identity_.LoadOrgRef(*holder).value_or(
        identity::OrgRef{*holder, identity::OrgKind::kProvider, std::nullopt});
  }
  if (!MaySee(ViewerOf(actor), scope)) {
    return Error::NotFound(revision ? "no such revision" : "no such advisory");
  }
  return StoredDocument{row->Text(0), FileName(row->Text(1)), row->Int(2)};
}

// --- The alert engine's reads
// --------------------------------------------------------------------------

Result<std::vector<std::int64_t>> AdvisoryService::AdvisoryIds() {
  std::vector<std::int64_t> out;
  for (const Row& r : db_.Query("SELECT id FROM adv_advisories ORDER BY id").rows) {
    out.push_back(r.Int(0));
  }
  return out;
}

Result<std::vector<std::int64_t>> AdvisoryService::UnmatchedAdvisoryIds() {
  std::vector<std::int64_t> out;
  for (const Row& r :
       db_.Query("SELECT id FROM adv_advisories WHERE matched_revision < revision ORDER BY id")
           .rows) {
    out.push_back(r.Int(0));
  }
  return out;
}

Result<AdvisoryService::Current> AdvisoryService::Prepared(std::int64_t advisory_id) {
  auto row = db_.QueryOne("SELECT revision FROM adv_advisories WHERE id = ?", {Int(advisory_id)});
  if (!row) return Error::NotFound("no such advisory");
  const std::int64_t revision = row->Int(0);
  {
    const std::lock_guard lock(cache_mutex_);
    const auto it = prepared_.find(advisory_id);
    if (it != prepared_.end() && it->second.first == revision) {
      return Current{advisory_id, revision, it->second.second};
    }
  }
  auto doc =
      db_.QueryOne("SELECT document FROM adv_revisions WHERE advisory_id = ? AND revision = ?",
                   {Int(advisory_id), Int(revision)});
  if (!doc) return Error::NotFound("no such advisory");
  auto parsed = ParseCsaf(doc->Text(0), options_.parse);
  if (!parsed) {
    return Error{
        Errc::kInternal, "a stored advisory no longer parses: " + parsed.error().message, {}};
  }
  auto prepared = PreparedAdvisory::Prepare(std::move(*parsed));
  {
    const std::lock_guard lock(cache_mutex_);
    if (prepared_.size() < options_.max_cached_advisories || prepared_.count(advisory_id) > 0) {
      auto& slot = prepared_[advisory_id];
      if (slot.first <= revision) slot = {revision, prepared};
    }
  }
  return Current{advisory_id, revision, std::move(prepared)};
}

Status AdvisoryService::MarkMatched(std::int64_t advisory_id, std::int64_t revision) {
  const auto r = db_.Query(
      "UPDATE adv_advisories SET matched_revision = ? WHERE id = ? AND matched_revision < ?",
      {Int(revision), Int(advisory_id), Int(revision)});
  if (r.affected_rows == 0 &&
      !db_.QueryOne("SELECT id FROM adv_advisories WHERE id = ?", {Int(advisory_id)})) {
    return Error::NotFound("no such advisory");
  }
  return {};
}

Result<std::shared_ptr<const KevCatalogue>> AdvisoryService::Kev() {
  const std::int64_t generation = Generation(db_, "kev");
  {
    const std::lock_guard lock(cache_mutex_);
    if (kev_ && kev_stamp_ == generation) return kev_;
  }
  std::shared_ptr<const KevCatalogue> catalogue;
  auto row = db_.QueryOne("SELECT document FROM adv_kev_meta WHERE id = 1");
  if (!row) {
    catalogue = std::make_shared<const KevCatalogue>();
  } else {
    auto parsed = ParseKev(row->Text(0));
    if (!parsed) {
      return Error{Errc::kInternal, "the stored KEV catalogue no longer parses", {}};
    }
    catalogue = std::make_shared<const KevCatalogue>(std::move(*parsed));
  }
  const std::lock_guard lock(cache_mutex_);
  kev_ = catalogue;
  kev_stamp_ = generation;
  return catalogue;
}

Result<std::shared_ptr<const AliasTables>> AdvisoryService::Aliases() {
  const std::string stamp = std::to_string(Generation(db_, "aliases"));
  {
    const std::lock_guard lock(cache_mutex_);
    if (aliases_ && alias_stamp_ == stamp) return aliases_;
  }
  auto tables = std::make_shared<AliasTables>();
  for (const Row& r : db_.Query("SELECT kind, name, alias FROM adv_aliases ORDER BY id").rows) {
    AliasTable& t = r.Text(0) == "vendor" ? tables->vendors : tables->products;
    (void)t.Add(r.Text(1), r.Text(2));
  }
  std::shared_ptr<const AliasTables> out = std::move(tables);
  const std::lock_guard lock(cache_mutex_);
  aliases_ = out;
  alias_stamp_ = stamp;
  return out;
}

// --- KEV
// -------------------------------------------------------------------------------------------

Result<KevMeta> AdvisoryService::ImportKev(identity::Actor actor, std::string_view json_text) {
  auto publisher = CheckPublisher(actor);
  if (!publisher) return publisher.error();
  KevOptions kev_options;
  if (json_text.size() > kev_options.max_bytes) {
    return Error{Errc::kPayloadTooLarge, "the KEV catalogue is too large", {}};
  }
  auto parsed = ParseKev(json_text, kev_options);
  if (!parsed) return parsed.error();
  const KevCatalogue& k = *parsed;
  const std::int64_t now = Micros(clock_.Now());
  db_.Transact([&](Tx& tx) {
    tx.Exec("DELETE FROM adv_kev");
    constexpr std::size_t kBatch = 100;
    for (std::size_t start = 0; start < k.entries.size(); start += kBatch) {
      const std::size_t end = std::min(k.entries.size(), start + kBatch);
      std::string sql =
          "INSERT INTO adv_kev (cve, vendor_project, product, name, date_added, due_date, "
          "known_ransomware, short_description, required_action) VALUES ";
      std::vector<Value> params;
      for (std::size_t i = start; i < end; ++i) {
        const KevEntry& e = k.entries[i];
        sql += i == start ? "(?, ?, ?, ?, ?, ?, ?, ?, ?)" : ", (?, ?, ?, ?, ?, ?, ?, ?, ?)";
        params.insert(params.end(), {Text(e.cve_id), Text(e.vendor_project), Text(e.product),
                                     Text(e.vulnerability_name), Text(e.date_added.text),
                                     Text(e.due_date.text), Int(e.known_ransomware_use ? 1 : 0),
                                     Text(e.short_description), Text(e.required_action)});
      }
      tx.Exec(sql, params);
    }
    tx.Exec(
        "INSERT INTO adv_kev_meta (id, catalog_version, date_released, imported_at_us, count, "
        "document) VALUES (1, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET catalog_version = "
        "excluded.catalog_version, date_released = excluded.date_released, imported_at_us = "
        "excluded.imported_at_us, count = excluded.count, document = excluded.document",
        {Text(k.catalog_version), Text(k.date_released_text), Int(now),
         Int(static_cast<std::int64_t>(k.entries.size())), Text(std::string(json_text))});
    BumpGeneration(tx, "kev");
  });
  Notify(0);
  return KevInfo();
}

Result<KevMeta> AdvisoryService::KevInfo() {
  KevMeta meta;
  auto row = db_.QueryOne(
      "SELECT catalog_version, date_released, imported_at_us, count FROM adv_kev_meta WHERE id = "
      "1");
  if (!row) return meta;
  meta.catalog_version = row->Text(0);
  meta.date_released = row->Text(1);
  meta.imported_at = FromMicros(row->Int(2));
  meta.count = row->Int(3);
  meta.ransomware_count =
      db_.QueryOne("SELECT COUNT(*) FROM adv_kev WHERE known_ransomware = 1")->Int(0);
  return meta;
}

// --- Aliases
// ----------------------------------------------------------------------------------------

Result<Alias> AdvisoryService::AddAlias(identity::Actor actor,
                                        std::string_view kind,
                                        std::string_view name,
                                        std::string_view alias) {
  auto publisher = CheckPublisher(actor);
  if (!publisher) return publisher.error();
  if (kind != "vendor" && kind != "product") {
    return Error::Invalid("kind must be vendor or product", "kind");
  }
  if (auto s = CheckFormText(name, "name", kMaxNameBytes, true, true); !s) return s.error();
  if (auto s = CheckFormText(alias, "alias", kMaxNameBytes, true, true); !s) return s.error();
  AliasTable probe(kind == "vendor" ? NameKind::kVendor : NameKind::kProduct);
  if (auto s = probe.Add(name, alias); !s) return s.error();
  const std::int64_t now = Micros(clock_.Now());
  std::optional<Row> row;
  try {
    row = db_.Transact([&](Tx& tx) {
      auto r = tx.One(
          "INSERT INTO adv_aliases (kind, name, alias, created_by_org, created_at_us) VALUES "
          "(?, ?, ?, ?, ?) RETURNING id",
          {Text(std::string(kind)), Text(std::string(name)), Text(std::string(alias)),
           OptInt64(*publisher), Int(now)});
      BumpGeneration(tx, "aliases");
      return r;
    });
  } catch (const storage::StorageError& e) {
    if (e.kind() != storage::StorageError::Kind::kUniqueViolation) throw;
    return Error::Conflict("this alias exists");
  }
  Notify(0);
  return Alias{row->Int(0),        std::string(kind), std::string(name),
               std::string(alias), *publisher,        FromMicros(now)};
}

Result<std::vector<Alias>> AdvisoryService::ListAliases() {
  std::vector<Alias> out;
  for (const Row& r : db_.Query("SELECT id, kind, name, alias, created_by_org, created_at_us FROM "
                                "adv_aliases ORDER BY kind, name, alias")
                          .rows) {
    out.push_back({r.Int(0), r.Text(1), r.Text(2), r.Text(3), r.OptInt(4), FromMicros(r.Int(5))});
  }
  return out;
}

Status AdvisoryService::RemoveAlias(identity::Actor actor, std::int64_t id) {
  auto publisher = CheckPublisher(actor);
  if (!publisher) return publisher.error();
  const bool removed = db_.Transact([&](Tx& tx) {
    if (tx.Exec("DELETE FROM adv_aliases WHERE id = ?", {Int(id)}).affected_rows == 0) return false;
    BumpGeneration(tx, "aliases");
    return true;
  });
  if (!removed) return Error::NotFound("no such alias");
  Notify(0);
  return {};
}

// --- Authoring
// ----------------------------------------------------------------------------------------

Result<std::string> AdvisoryService::AuthoredDocument(const AuthoredAdvisory& form,
                                                      std::int64_t organisation_id,
                                                      const std::string& organisation_name) {
  if (auto s = CheckFormText(form.title, "title", kMaxFormName, true, true); !s) return s.error();
  if (auto s = CheckFormText(form.tracking_id, "tracking_id", 100, false, true); !s) {
    return s.error();
  }
  if (auto s = CheckFormText(form.summary, "summary", kMaxFormText, true, false); !s) {
    return s.error();
  }
  if (auto s = CheckFormText(form.vendor, "vendor", kMaxFormName, true, true); !s) return s.error();
  if (auto s = CheckFormText(form.product, "product", kMaxFormName, true, true); !s) {
    return s.error();
  }
  if (form.tlp != "WHITE" && form.tlp != "GREEN" && form.tlp != "AMBER" && form.tlp != "RED") {
    return Error::Invalid("tlp must be WHITE, GREEN, AMBER or RED", "tlp");
  }
  if (form.versions.empty() || form.versions.size() > 100) {
    return Error::Invalid("versions must list 1 to 100 versions or ranges", "versions");
  }
  if (form.cves.empty() || form.cves.size() > 100) {
    return Error::Invalid("cves must list 1 to 100 vulnerabilities", "cves");
  }
  static constexpr std::array<std::string_view, 5> kRemediations = {
      "vendor_fix", "mitigation", "workaround", "none_available", "no_fix_planned"};
  if (std::find(kRemediations.begin(), kRemediations.end(), form.remediation.category) ==
      kRemediations.end()) {
    return Error::Invalid(
        "remediation.category must be vendor_fix, mitigation, workaround, none_available or "
        "no_fix_planned",
        "remediation/category");
  }
  if (auto s =
          CheckFormText(form.remediation.details, "remediation/details", kMaxFormText, true, false);
      !s) {
    return s.error();
  }
  if (!form.remediation.url.empty() && form.remediation.url.rfind("https://", 0) != 0 &&
      form.remediation.url.rfind("http://", 0) != 0) {
    return Error::Invalid("remediation.url must be an http(s) URL", "remediation/url");
  }
  if (auto s = CheckFormText(form.remediation.url, "remediation/url", 2000, false, true); !s) {
    return s.error();
  }

  const std::string ns =
      fmt::format("{}/organisations/{}", options_.publisher_namespace, organisation_id);
  std::string tracking_id = form.tracking_id;
  if (tracking_id.empty()) {
    const auto count = db_.QueryOne("SELECT COUNT(*) FROM adv_advisories WHERE authored_by_org = ?",
                                    {Int(organisation_id)});
    const std::string year = FormatRfc3339(clock_.Now()).substr(0, 4);
    tracking_id = fmt::format("{}-{}-{:04}", Slug(organisation_name), year, count->Int(0) + 1);
  }
  const std::string now = FormatRfc3339(clock_.Now());

  // A new version of an advisory this organisation wrote before keeps its history.
  json::array history;
  std::string initial = now;
  int number = 1;
  const auto existing =
      db_.QueryOne("SELECT id FROM adv_advisories WHERE key = ?", {Text(ns + " " + tracking_id)});
  if (existing) {
    auto current = Prepared(existing->Int(0));
    if (!current) return current.error();
    const Tracking& t = current->prepared->advisory().tracking;
    initial = t.initial_release_date.text;
    for (const Revision& r : t.revision_history) {
      history.push_back(
          json::object{{"date", r.date.text}, {"number", r.number}, {"summary", r.summary}});
      number = std::max(number, std::atoi(r.number.c_str()) + 1);
    }
    if (t.current_release_date.value >= clock_.Now()) {
      return Error::Conflict("this advisory was revised at this very moment; try again");
    }
  }
  history.push_back(json::object{{"date", now},
                                 {"number", std::to_string(number)},
                                 {"summary", number == 1 ? "Initial release" : "Update"}});

  json::array version_branches;
  std::vector<std::string> ids_by_status[4];
  static constexpr std::array<std::string_view, 4> kStatuses = {
      "known_affected", "fixed", "known_not_affected", "under_investigation"};
  std::vector<std::string> all_ids;
  for (std::size_t i = 0; i < form.versions.size(); ++i) {
    const AuthoredVersion& v = form.versions[i];
    const std::string field = fmt::format("versions/{}", i);
    if (v.version.empty() == v.range.empty()) {
      return Error::Invalid("give either a version or a range", field);
    }
    const std::string& name = v.version.empty() ? v.range : v.version;
    if (auto s = CheckFormText(name, field, kMaxFormName, true, true); !s) return s.error();
    const auto status = std::find(kStatuses.begin(), kStatuses.end(), v.status);
    if (status == kStatuses.end()) {
      return Error::Invalid(
          "status must be known_affected, fixed, known_not_affected or under_investigation",
          field + "/status");
    }
    const std::string id = fmt::format("CSAFPID-{:04}", i + 1);
    all_ids.push_back(id);
    ids_by_status[status - kStatuses.begin()].push_back(id);
    version_branches.push_back(json::object{
        {"category", v.version.empty() ? "product_version_range" : "product_version"},
        {"name", name},
        {"product", json::object{{"name", fmt::format("{} {} {}", form.vendor, form.product, name)},
                                 {"product_id", id}}}});
  }
  std::vector<std::string> affected = ids_by_status[0];
  affected.insert(affected.end(), ids_by_status[3].begin(), ids_by_status[3].end());
  const std::vector<std::string>& remediated = affected.empty() ? all_ids : affected;
  const auto ids_json = [](const std::vector<std::string>& ids) {
    json::array out;
    for (const auto& id : ids) out.push_back(json::value(id));
    return out;
  };

  json::array vulnerabilities;
  std::set<std::string> seen;
  for (std::size_t i = 0; i < form.cves.size(); ++i) {
    const AuthoredCve& c = form.cves[i];
    const std::string field = fmt::format("cves/{}", i);
    if (!IsCveId(c.id)) return Error::Invalid("id must read CVE-YYYY-NNNN", field + "/id");
    if (!seen.insert(c.id).second) return Error::Invalid("this CVE is listed twice", field + "/id");
    if (auto s = CheckFormText(c.description, field + "/description", kMaxFormText, true, false);
        !s) {
      return s.error();
    }
    json::object status;
    for (std::size_t k = 0; k < kStatuses.size(); ++k) {
      if (!ids_by_status[k].empty()) status[kStatuses[k]] = ids_json(ids_by_status[k]);
    }
    json::object remediation{{"category", form.remediation.category},
                             {"details", form.remediation.details},
                             {"product_ids", ids_json(remediated)}};
    if (!form.remediation.url.empty()) remediation["url"] = form.remediation.url;
    json::object v{{"cve", c.id},
                   {"notes", json::array{json::object{{"category", "description"},
                                                      {"text", c.description},
                                                      {"title", "Description"}}}},
                   {"product_status", std::move(status)},
                   {"remediations", json::array{std::move(remediation)}}};
    if (!c.cvss_v3_vector.empty() && !affected.empty()) {
      auto score = CvssV3BaseScore(c.cvss_v3_vector);
      if (!score) return Error::Invalid(score.error().message, field + "/cvss_v3_vector");
      v["scores"] = json::array{
          json::object{{"cvss_v3", json::object{{"version", c.cvss_v3_vector.substr(5, 3)},
                                                {"vectorString", c.cvss_v3_vector},
                                                {"baseScore", *score},
                                                {"baseSeverity", CvssSeverityName(*score)}}},
                       {"products", ids_json(affected)}}};
    }
    vulnerabilities.push_back(std::move(v));
  }

  json::object document{
      {"category", "csaf_security_advisory"},
      {"csaf_version", "2.0"},
      {"distribution", json::object{{"tlp", json::object{{"label", form.tlp},
                                                         {"url", "https://www.first.org/tlp/"}}}}},
      {"lang", "en"},
      {"notes", json::array{json::object{
                    {"category", "summary"}, {"text", form.summary}, {"title", "Summary"}}}},
      {"publisher",
       json::object{{"category", "coordinator"}, {"name", organisation_name}, {"namespace", ns}}},
      {"title", form.title},
      {"tracking",
       json::object{{"current_release_date", now},
                    {"generator", json::object{{"engine", json::object{{"name", "Caduceus"}}}}},
                    {"id", tracking_id},
                    {"initial_release_date", initial},
                    {"revision_history", std::move(history)},
                    {"status", "final"},
                    {"version", std::to_string(number)}}}};
  json::object tree{
      {"branches",
       json::array{json::object{
           {"category", "vendor"},
           {"name", form.vendor},
           {"branches", json::array{json::object{{"category", "product_name"},
                                                 {"name", form.product},
                                                 {"branches", std::move(version_branches)}}}}}}}};
  std::string text = json::serialize(json::object{{"document", std::move(document)},
                                                  {"product_tree", std::move(tree)},
                                                  {"vulnerabilities", std::move(vulnerabilities)}});
  auto check = ParseCsaf(text, options_.parse);
  if (!check) {
    Error e = check.error();
    e.message = "the form does not make a valid CSAF document: " + e.message;
    return e;
  }
  return text;
}

Result<ImportResult> AdvisoryService::Author(identity::Actor actor,
                                             const AuthoredAdvisory& form,
                                             std::optional<std::int64_t> organisation_id) {
  auto publisher = CheckPublisher(actor);
  if (!publisher) return publisher.error();
  const std::optional<std::int64_t> org = *publisher ? *publisher : organisation_id;
  if (!org) return Error::Invalid("the system must name the publishing organisation", "org");
  auto name = db_.QueryOne("SELECT name FROM organisations WHERE id = ?", {Int(*org)});
  if (!name) return Error::Invalid("no such organisation", "org");
  auto text = AuthoredDocument(form, *org, name->Text(0));
  if (!text) return text.error();
  return ImportParsed(*text, kSourceAuthored, std::nullopt, org, org);
}

// --- Admin CLI ---------------------------------------------------------------------------------

namespace {

Result<std::string> ReadWholeFile(const std::filesystem::path& path, std::size_t max) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) return Error::NotFound("cannot read " + path.string());
  if (size > max) return Error{Errc::kPayloadTooLarge, path.string() + " is too large", {}};
  std::ifstream in(path, std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return text;
}

bool SkippedName(const std::string& name) {
  return name.find("provider-metadata") != std::string::npos ||
         name.find("-feed-") != std::string::npos || name.find("aggregator") != std::string::npos;
}

}  // namespace

Result<PathImportReport> ImportPath(AdvisoryService& service, const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  std::vector<fs::path> files;
  std::string_view source = kSourceUpload;
  if (fs::is_directory(path, ec)) {
    source = kSourceDirectory;
    for (auto it = fs::recursive_directory_iterator(path, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (it->is_regular_file(ec) && it->path().extension() == ".json" &&
          !SkippedName(it->path().filename().string())) {
        files.push_back(it->path());
      }
    }
    std::sort(files.begin(), files.end());
  } else if (fs::is_regular_file(path, ec)) {
    files.emplace_back(path);
  } else {
    return Error::NotFound("no such file or directory: " + path);
  }
  PathImportReport report;
  for (const fs::path& file : files) {
    auto text = ReadWholeFile(file, kMaxCsafBytes);
    Result<ImportResult> imported = text ? service.Import(identity::Actor::System(), *text, source)
                                         : Result<ImportResult>(text.error());
    if (!imported) {
      ++report.rejected;
      report.errors.push_back(
          fmt::format("{}: {}{}", file.string(), imported.error().message,
                      imported.error().field.empty() ? "" : " at " + imported.error().field));
      continue;
    }
    switch (imported->outcome) {
      case ImportOutcome::kCreated:
        ++report.created;
        break;
      case ImportOutcome::kRevised:
        ++report.revised;
        break;
      case ImportOutcome::kUnchanged:
        ++report.unchanged;
        break;
      case ImportOutcome::kOlder:
        ++report.older;
        break;
    }
  }
  return report;
}

Result<KevMeta> ImportKevFile(AdvisoryService& service, const std::string& path) {
  auto text = ReadWholeFile(path, KevOptions{}.max_bytes);
  if (!text) return text.error();
  return service.ImportKev(identity::Actor::System(), *text);
}

}  // namespace caduceus::advisories
