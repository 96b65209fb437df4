#include "recovery/service.h"

#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "core/random.h"
#include "core/text.h"
#include "identity/policy.h"
#include "recovery/json_reader.h"
#include "recovery/note.h"

namespace caduceus::recovery {
namespace {

namespace json = boost::json;
using identity::Actor;
using identity::IncidentAction;
using identity::IncidentRef;
using storage::Int;
using storage::Text;
using storage::Value;

constexpr std::string_view kSteps[] = {
    "isolate", "preserve_evidence", "report", "identify", "check_decryptor",
    "restore", "reset_credentials", "monitor"};
constexpr std::string_view kStepTitles[] = {"Isolate the affected systems",
                                            "Preserve evidence",
                                            "Report the incident under NIS2",
                                            "Identify the ransomware",
                                            "Check for a decryption tool",
                                            "Restore from clean backups",
                                            "Reset credentials",
                                            "Monitor for reinfection"};
constexpr std::string_view kStates[] = {"todo", "doing", "done", "not_applicable"};

// Serialises galaxy loads and tool imports across hubs sharing one PostgreSQL database
// ("recovkb" in ASCII).
constexpr std::int64_t kKnowledgeLock = 0x7265636f766b62;
// Best candidates kept when an identification is attached to an incident.
constexpr std::size_t kStoredCandidates = 5;

constexpr storage::Migration kMigrations[] = {
    {1, "recovery knowledge base, decryptors and incident checklists", R"sql(
CREATE TABLE recovery_families (
  id {{id}},
  uuid TEXT NOT NULL,
  source TEXT NOT NULL CHECK (source IN ('galaxy', 'hub')),
  in_galaxy INTEGER NOT NULL CHECK (in_galaxy IN (0, 1)),
  name TEXT NOT NULL,
  description TEXT NOT NULL,
  synonyms TEXT NOT NULL,
  extensions TEXT NOT NULL,
  note_filenames TEXT NOT NULL,
  note_texts TEXT NOT NULL,
  refs TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX recovery_families_uuid ON recovery_families (uuid);

CREATE TABLE recovery_markers (
  id {{id}},
  family_id BIGINT NOT NULL REFERENCES recovery_families(id) ON DELETE CASCADE,
  kind TEXT NOT NULL CHECK (kind IN ('extension', 'note_filename', 'note_text', 'note_phrase',
    'email', 'onion', 'crypto_address', 'header', 'footer', 'synonym', 'ignore_extension',
    'ignore_note_filename')),
  value TEXT NOT NULL,
  byte_offset BIGINT NOT NULL,
  comment TEXT NOT NULL,
  created_by TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX recovery_markers_family ON recovery_markers (family_id, id);

CREATE TABLE recovery_decryptors (
  id {{id}},
  tool_key TEXT NOT NULL,
  families TEXT NOT NULL,
  tool TEXT NOT NULL,
  provider TEXT NOT NULL,
  url TEXT NOT NULL,
  instructions TEXT NOT NULL,
  last_verified TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX recovery_decryptors_key ON recovery_decryptors (tool_key);

CREATE TABLE recovery_steps (
  incident_id BIGINT NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
  step TEXT NOT NULL CHECK (step IN ('isolate', 'preserve_evidence', 'report', 'identify',
    'check_decryptor', 'restore', 'reset_credentials', 'monitor')),
  state TEXT NOT NULL CHECK (state IN ('todo', 'doing', 'done', 'not_applicable')),
  note TEXT NOT NULL,
  updated_by TEXT NOT NULL,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (incident_id, step)
);

CREATE TABLE recovery_step_comments (
  id {{id}},
  incident_id BIGINT NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
  step TEXT NOT NULL,
  text TEXT NOT NULL,
  author TEXT NOT NULL,
  organisation_id BIGINT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX recovery_step_comments_incident ON recovery_step_comments (incident_id, id);

CREATE TABLE recovery_identifications (
  id {{id}},
  incident_id BIGINT NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
  summary TEXT NOT NULL,
  created_by TEXT NOT NULL,
  organisation_id BIGINT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX recovery_identifications_incident ON recovery_identifications (incident_id, id);

CREATE TABLE recovery_state (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  kb_version BIGINT NOT NULL,
  galaxy_loaded_at BIGINT
);
INSERT INTO recovery_state (id, kb_version) VALUES (1, 0);
)sql"}};

constexpr std::string_view kFamilyColumns =
    "f.id, f.uuid, f.source, f.in_galaxy, f.name, f.description, f.synonyms, f.extensions, "
    "f.note_filenames, f.note_texts, f.refs, f.created_at, f.updated_at";
constexpr std::string_view kDecryptorColumns =
    "d.id, d.tool_key, d.families, d.tool, d.provider, d.url, d.instructions, d.last_verified, "
    "d.created_at, d.updated_at";

std::string ListText(const std::vector<std::string>& list) {
  json::array a;
  for (const auto& s : list) a.emplace_back(s);
  return json::serialize(a);
}

std::vector<std::string> ParseList(const std::string& text) {
  const json::value parsed = json::parse(text);
  std::vector<std::string> out;
  for (const auto& v : parsed.as_array()) out.emplace_back(v.as_string());
  return out;
}

std::string Username(Actor actor) {
  return actor.principal == nullptr ? "system" : actor.principal->username;
}

std::int64_t OrganisationOf(Actor actor) {
  return actor.principal == nullptr ? 0 : actor.principal->organisation_id;
}

bool MayOnIncident(Actor actor, IncidentAction action, const IncidentRef& ref) {
  return actor.principal == nullptr || identity::AllowedOnIncident(*actor.principal, action, ref);
}

Error CurationRefused(std::string_view what) {
  return Error::Denied(fmt::format(
      "you may not {}: support-centre admins and analysts curate the recovery knowledge base",
      what));
}

void BumpVersion(storage::Tx& tx) {
  tx.Exec("UPDATE recovery_state SET kb_version = kb_version + 1 WHERE id = 1");
}

struct FamilyRow {
  std::int64_t id = 0;
  GalaxyFamily data;
  std::string source;
  bool in_galaxy = false;
  std::int64_t created_at = 0;
  std::int64_t updated_at = 0;
};

FamilyRow ReadFamily(const storage::Row& r) {
  FamilyRow f;
  f.id = r.Int(0);
  f.data.uuid = r.Text(1);
  f.source = r.Text(2);
  f.in_galaxy = r.Int(3) != 0;
  f.data.name = r.Text(4);
  f.data.description = r.Text(5);
  f.data.synonyms = ParseList(r.Text(6));
  f.data.extensions = ParseList(r.Text(7));
  f.data.note_filenames = ParseList(r.Text(8));
  f.data.note_texts = ParseList(r.Text(9));
  f.data.references = ParseList(r.Text(10));
  f.created_at = r.Int(11);
  f.updated_at = r.Int(12);
  return f;
}

Marker ReadMarker(const storage::Row& r) {
  Marker m;
  m.id = r.Int(0);
  m.family_id = r.Int(1);
  m.data.kind = r.Text(2);
  m.data.value = r.Text(3);
  m.data.offset = r.Int(4);
  m.comment = r.Text(5);
  m.created_by = r.Text(6);
  m.created_at = FromUnixMillis(r.Int(7));
  return m;
}

constexpr std::string_view kMarkerColumns =
    "m.id, m.family_id, m.kind, m.value, m.byte_offset, m.comment, m.created_by, m.created_at";

Decryptor ReadDecryptor(const storage::Row& r) {
  Decryptor d;
  d.id = r.Int(0);
  d.data.key = r.Text(1);
  d.data.families = ParseList(r.Text(2));
  d.data.tool = r.Text(3);
  d.data.provider = r.Text(4);
  d.data.url = r.Text(5);
  d.data.instructions = r.Text(6);
  d.data.last_verified = r.Text(7);
  d.created_at = FromUnixMillis(r.Int(8));
  d.updated_at = FromUnixMillis(r.Int(9));
  return d;
}

std::optional<Decryptor> LoadDecryptor(storage::Tx& tx, std::int64_t id) {
  auto row =
      tx.One(fmt::format("SELECT {} FROM recovery_decryptors d WHERE d.id = ?", kDecryptorColumns),
             {Int(id)});
  if (!row) return std::nullopt;
  return ReadDecryptor(*row);
}

void InsertDecryptor(storage::Tx& tx, const DecryptorData& d, std::int64_t now) {
  tx.Exec(
      "INSERT INTO recovery_decryptors (tool_key, families, tool, provider, url, instructions,"
      " last_verified, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
      {Text(d.key), Text(ListText(d.families)), Text(d.tool), Text(d.provider), Text(d.url),
       Text(d.instructions), Text(d.last_verified), Int(now), Int(now)});
}

void UpdateDecryptorRow(storage::Tx& tx,
                        std::int64_t id,
                        const DecryptorData& d,
                        std::int64_t now) {
  tx.Exec(
      "UPDATE recovery_decryptors SET families = ?, tool = ?, provider = ?, url = ?,"
      " instructions = ?, last_verified = ?, updated_at = ? WHERE id = ?",
      {Text(ListText(d.families)), Text(d.tool), Text(d.provider), Text(d.url),
       Text(d.instructions), Text(d.last_verified), Int(now), Int(id)});
}

// A tool key derived from its name: lower-case letters and digits, other runs become '-'.
std::string KeyFromTool(std::string_view tool) {
  std::string out;
  for (char ch : tool) {
    const char c = (ch >= 'A' && ch <= 'Z') ? static_cast<char>(ch - 'A' + 'a') : ch;
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
      out += c;
    } else if (!out.empty() && out.back() != '-') {
      out += '-';
    }
    if (out.size() >= 56) break;
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out.size() < 3 ? "tool" : out;
}

std::string Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return std::string(s);
}

std::string Lower(std::string_view s) { return LowerCase(s); }

// The record kept with an incident: the best candidates without the victim's clues.
std::string Summary(const Identification& id) {
  json::array candidates;
  for (std::size_t i = 0; i < id.candidates.size() && i < kStoredCandidates; ++i) {
    const Candidate& c = id.candidates[i];
    json::array kinds;
    std::set<std::string> seen;
    for (const auto& e : c.evidence) {
      if (seen.insert(e.kind).second) kinds.emplace_back(e.kind);
    }
    json::array tools;
    for (const auto& d : c.decryptors) {
      tools.push_back(json::object{{"id", d.id}, {"tool", d.data.tool}, {"url", d.data.url}});
    }
    candidates.push_back(json::object{{"family_id", c.family.id},
                                      {"name", c.family.name},
                                      {"confidence", c.confidence},
                                      {"evidence_kinds", std::move(kinds)},
                                      {"decryptors", std::move(tools)}});
  }
  return json::serialize(
      json::object{{"candidates", std::move(candidates)}, {"unknown", id.unknown}});
}

}  // namespace

std::span<const std::string_view> ChecklistSteps() { return kSteps; }

std::string_view StepTitle(std::string_view step) {
  for (std::size_t i = 0; i < std::size(kSteps); ++i) {
    if (kSteps[i] == step) return kStepTitles[i];
  }
  return {};
}

bool IsStepState(std::string_view state) {
  return std::find(std::begin(kStates), std::end(kStates), state) != std::end(kStates);
}

// The knowledge base with what the hub knows about each family besides it.
struct RecoveryService::Snapshot {
  std::int64_t version = 0;
  std::shared_ptr<const KnowledgeBase> kb;
  std::vector<FamilySummary> summaries;  // in the order of kb->families()
  std::shared_ptr<const std::string> export_json;
};

RecoveryService::RecoveryService(storage::Database& db,
                                 const Clock& clock,
                                 identity::IdentityService& identity)
    : db_(db), clock_(clock), identity_(identity) {}

RecoveryService::~RecoveryService() = default;

std::span<const storage::Migration> RecoveryService::Migrations() { return kMigrations; }

std::shared_ptr<const RecoveryService::Snapshot> RecoveryService::BuildSnapshot(
    std::int64_t version) {
  const auto families =
      db_.Query(fmt::format("SELECT {} FROM recovery_families f ORDER BY f.id", kFamilyColumns));
  const auto markers =
      db_.Query(fmt::format("SELECT {} FROM recovery_markers m ORDER BY m.id", kMarkerColumns));
  const auto tools = db_.Query(fmt::format(
      "SELECT {} FROM recovery_decryptors d ORDER BY d.provider, d.tool, d.id", kDecryptorColumns));
  std::map<std::int64_t, std::vector<MarkerData>> by_family;
  for (const auto& r : markers.rows) {
    Marker m = ReadMarker(r);
    by_family[m.family_id].push_back(std::move(m.data));
  }
  auto snapshot = std::make_shared<Snapshot>();
  snapshot->version = version;
  std::vector<Family> built;
  built.reserve(families.rows.size());
  for (const auto& r : families.rows) {
    FamilyRow row = ReadFamily(r);
    const auto& family_markers = by_family[row.id];
    built.push_back(BuildFamily(row.id, row.data, family_markers));
    FamilySummary s;
    s.id = row.id;
    s.uuid = row.data.uuid;
    s.name = row.data.name;
    s.synonyms = built.back().synonyms;
    s.source = row.source;
    s.in_galaxy = row.in_galaxy;
    s.markers = family_markers.size();
    snapshot->summaries.push_back(std::move(s));
  }
  std::vector<Decryptor> decryptors;
  for (const auto& r : tools.rows) decryptors.push_back(ReadDecryptor(r));
  auto kb = std::make_shared<KnowledgeBase>(std::move(built), std::move(decryptors));
  for (std::size_t i = 0; i < kb->families().size(); ++i) {
    snapshot->summaries[i].decryptors = kb->DecryptorsFor(kb->families()[i]).size();
  }
  snapshot->export_json =
      std::make_shared<const std::string>(json::serialize(KnowledgeBaseToJson(*kb)));
  snapshot->kb = std::move(kb);
  return snapshot;
}

std::shared_ptr<const RecoveryService::Snapshot> RecoveryService::CurrentSnapshot() {
  // The version is read before the data, so a snapshot is never newer-labelled than its content.
  const auto row = db_.QueryOne("SELECT kb_version FROM recovery_state WHERE id = 1");
  const std::int64_t version = row ? row->Int(0) : 0;
  std::lock_guard<std::mutex> lock(mu_);
  if (!snapshot_ || snapshot_->version != version) snapshot_ = BuildSnapshot(version);
  return snapshot_;
}

std::shared_ptr<const KnowledgeBase> RecoveryService::CurrentKnowledgeBase() {
  return CurrentSnapshot()->kb;
}

std::shared_ptr<const std::string> RecoveryService::ExportKnowledgeBase(std::int64_t* version) {
  const auto snapshot = CurrentSnapshot();
  if (version != nullptr) *version = snapshot->version;
  return snapshot->export_json;
}

Result<int> RecoveryService::LoadGalaxy(std::string_view json_text) {
  auto families = ParseGalaxy(json_text);
  if (!families) return families.error();
  const std::int64_t now = ToUnixMillis(clock_.Now());
  return db_.Transact([&](storage::Tx& tx) -> Result<int> {
    tx.LockExclusive(kKnowledgeLock);
    std::map<std::string, FamilyRow> existing;
    for (const auto& r :
         tx.Exec(fmt::format("SELECT {} FROM recovery_families f", kFamilyColumns)).rows) {
      FamilyRow row = ReadFamily(r);
      existing.emplace(row.data.uuid, std::move(row));
    }
    std::set<std::string> in_file;
    for (const auto& f : *families) {
      in_file.insert(f.uuid);
      const std::vector<Value> lists = {Text(ListText(f.synonyms)), Text(ListText(f.extensions)),
                                        Text(ListText(f.note_filenames)),
                                        Text(ListText(f.note_texts)), Text(ListText(f.references))};
      const auto it = existing.find(f.uuid);
      if (it == existing.end()) {
        tx.Exec(
            "INSERT INTO recovery_families (uuid, source, in_galaxy, name, description, synonyms,"
            " extensions, note_filenames, note_texts, refs, created_at, updated_at)"
            " VALUES (?, 'galaxy', 1, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            {Text(f.uuid), Text(f.name), Text(f.description), lists[0], lists[1], lists[2],
             lists[3], lists[4], Int(now), Int(now)});
      } else if (!(it->second.data == f) || !it->second.in_galaxy) {
        tx.Exec(
            "UPDATE recovery_families SET in_galaxy = 1, name = ?, description = ?, synonyms = ?,"
            " extensions = ?, note_filenames = ?, note_texts = ?, refs = ?, updated_at = ?"
            " WHERE id = ?",
            {Text(f.name), Text(f.description), lists[0], lists[1], lists[2], lists[3], lists[4],
             Int(now), Int(it->second.id)});
      }
    }
    for (const auto& [uuid, row] : existing) {
      if (row.source == "galaxy" && row.in_galaxy && !in_file.contains(uuid)) {
        tx.Exec("UPDATE recovery_families SET in_galaxy = 0, updated_at = ? WHERE id = ?",
                {Int(now), Int(row.id)});
      }
    }
    tx.Exec("UPDATE recovery_state SET galaxy_loaded_at = ? WHERE id = 1", {Int(now)});
    BumpVersion(tx);
    return static_cast<int>(families->size());
  });
}

Result<int> RecoveryService::ImportDecryptors(std::string_view json_text) {
  auto tools = ParseDecryptorFile(json_text);
  if (!tools) return tools.error();
  const std::int64_t now = ToUnixMillis(clock_.Now());
  return db_.Transact([&](storage::Tx& tx) -> Result<int> {
    tx.LockExclusive(kKnowledgeLock);
    std::map<std::string, Decryptor> existing;
    for (const auto& r :
         tx.Exec(fmt::format("SELECT {} FROM recovery_decryptors d", kDecryptorColumns)).rows) {
      Decryptor d = ReadDecryptor(r);
      existing.emplace(d.data.key, std::move(d));
    }
    int changed = 0;
    for (const auto& t : *tools) {
      const auto it = existing.find(t.key);
      if (it == existing.end()) {
        InsertDecryptor(tx, t, now);
      } else if (!(it->second.data == t)) {
        UpdateDecryptorRow(tx, it->second.id, t, now);
      } else {
        continue;
      }
      ++changed;
    }
    if (changed > 0) BumpVersion(tx);
    return changed;
  });
}

Result<IncidentRef> RecoveryService::VisibleIncident(Actor actor, std::int64_t incident_id) {
  const auto row = db_.QueryOne(
      "SELECT provider_id, authority_id, shared_with_support_centre FROM incidents WHERE id = ?",
      {Int(incident_id)});
  const Error missing = Error::NotFound("no such incident");
  if (!row) return missing;
  const auto provider = identity_.LoadOrgRef(row->Int(0));
  if (!provider) return missing;
  IncidentRef ref{*provider, row->Int(1), row->Int(2) != 0};
  if (!MayOnIncident(actor, IncidentAction::kRead, ref)) return missing;
  return ref;
}

Result<Identification> RecoveryService::Identify(Actor actor, const Clues& clues) {
  if (clues.empty()) {
    return Error::Invalid(
        "give at least one clue: a note, encrypted file names, file bytes or addresses");
  }
  std::optional<IncidentRef> incident;
  if (clues.incident_id) {
    auto ref = VisibleIncident(actor, *clues.incident_id);
    if (!ref) return ref.error();
    if (!MayOnIncident(actor, IncidentAction::kReport, *ref) &&
        !MayOnIncident(actor, IncidentAction::kHandle, *ref) &&
        !MayOnIncident(actor, IncidentAction::kAssist, *ref)) {
      return Error::Denied("you may not attach an identification to this incident");
    }
    incident = *ref;
  }
  Identification result = CurrentKnowledgeBase()->Identify(clues);
  if (incident) {
    db_.Query(
        "INSERT INTO recovery_identifications (incident_id, summary, created_by, organisation_id,"
        " created_at) VALUES (?, ?, ?, ?, ?)",
        {Int(*clues.incident_id), Text(Summary(result)), Text(Username(actor)),
         Int(OrganisationOf(actor)), Int(ToUnixMillis(clock_.Now()))});
  }
  return result;
}

Result<std::vector<FamilySummary>> RecoveryService::Families(std::string_view query,
                                                             std::int64_t limit) {
  if (limit < 1 || limit > kMaxFamilyListLimit) {
    return Error::Invalid(fmt::format("limit must be from 1 to {}", kMaxFamilyListLimit), "limit");
  }
  const std::string needle = Lower(Trim(TruncateUtf8(query, 200)));
  const auto snapshot = CurrentSnapshot();
  std::vector<FamilySummary> out;
  for (const auto& s : snapshot->summaries) {
    bool hit = needle.empty() || Lower(s.name).find(needle) != std::string::npos;
    for (const auto& syn : s.synonyms) {
      if (!hit && Lower(syn).find(needle) != std::string::npos) hit = true;
    }
    if (hit) out.push_back(s);
  }
  std::sort(out.begin(), out.end(), [](const FamilySummary& a, const FamilySummary& b) {
    const std::string la = Lower(a.name), lb = Lower(b.name);
    return la != lb ? la < lb : a.id < b.id;
  });
  if (out.size() > static_cast<std::size_t>(limit)) out.resize(static_cast<std::size_t>(limit));
  return out;
}

Result<FamilyDetail> RecoveryService::GetFamily(std::int64_t id) {
  const auto row = db_.QueryOne(
      fmt::format("SELECT {} FROM recovery_families f WHERE f.id = ?", kFamilyColumns), {Int(id)});
  if (!row) return Error::NotFound("no such family");
  FamilyRow f = ReadFamily(*row);
  FamilyDetail d;
  d.id = f.id;
  d.data = std::move(f.data);
  d.source = f.source;
  d.in_galaxy = f.in_galaxy;
  d.created_at = FromUnixMillis(f.created_at);
  d.updated_at = FromUnixMillis(f.updated_at);
  for (const auto& r :
       db_.Query(
              fmt::format("SELECT {} FROM recovery_markers m WHERE m.family_id = ? ORDER BY m.id",
                          kMarkerColumns),
              {Int(id)})
           .rows) {
    d.markers.push_back(ReadMarker(r));
  }
  std::vector<MarkerData> markers;
  for (const auto& m : d.markers) markers.push_back(m.data);
  d.effective = BuildFamily(d.id, d.data, markers);
  d.decryptors = CurrentKnowledgeBase()->DecryptorsFor(d.effective);
  return d;
}

bool RecoveryService::MayCurate(Actor actor) const {
  return actor.principal == nullptr ||
         identity::AllowedToCurate(*actor.principal, std::nullopt, {});
}

Result<FamilyDetail> RecoveryService::CreateFamily(Actor actor, NewFamily family) {
  if (!MayCurate(actor)) return CurationRefused("add families");
  family.name = Trim(family.name);
  if (family.name.empty() || family.name.size() > kMaxFamilyNameBytes ||
      !CleanText(family.name, false)) {
    return Error::Invalid(
        fmt::format("name must be 1 to {} bytes on one line", kMaxFamilyNameBytes), "name");
  }
  if (family.synonyms.size() > kMaxSynonyms) {
    return Error::Invalid(fmt::format("at most {} synonyms", kMaxSynonyms), "synonyms");
  }
  std::vector<std::string> synonyms;
  for (std::size_t i = 0; i < family.synonyms.size(); ++i) {
    std::string s = Trim(family.synonyms[i]);
    if (s.empty() || s.size() > kMaxFamilyNameBytes || !CleanText(s, false)) {
      return Error::Invalid("a synonym must be 1 to 200 bytes on one line",
                            fmt::format("synonyms/{}", i));
    }
    if (std::find(synonyms.begin(), synonyms.end(), s) == synonyms.end()) {
      synonyms.push_back(std::move(s));
    }
  }
  if (family.description.size() > kMaxDescription || !CleanText(family.description, true)) {
    return Error::Invalid(
        fmt::format("description must be at most {} bytes of text", kMaxDescription),
        "description");
  }
  const std::int64_t now = ToUnixMillis(clock_.Now());
  const std::string uuid = RandomUuid();
  auto id = db_.Transact([&](storage::Tx& tx) -> Result<std::int64_t> {
    tx.LockExclusive(kKnowledgeLock);
    for (const auto& r : tx.Exec("SELECT name FROM recovery_families").rows) {
      if (Lower(r.Text(0)) == Lower(family.name)) {
        return Error::Conflict(fmt::format("a family named '{}' exists", r.Text(0)));
      }
    }
    const auto row = tx.One(
        "INSERT INTO recovery_families (uuid, source, in_galaxy, name, description, synonyms,"
        " extensions, note_filenames, note_texts, refs, created_at, updated_at)"
        " VALUES (?, 'hub', 0, ?, ?, ?, '[]', '[]', '[]', '[]', ?, ?) RETURNING id",
        {Text(uuid), Text(family.name), Text(family.description), Text(ListText(synonyms)),
         Int(now), Int(now)});
    BumpVersion(tx);
    return row->Int(0);
  });
  if (!id) return id.error();
  return GetFamily(*id);
}

Result<FamilyDetail> RecoveryService::AddMarker(Actor actor,
                                                std::int64_t family_id,
                                                NewMarker marker) {
  if (!db_.QueryOne("SELECT 1 FROM recovery_families WHERE id = ?", {Int(family_id)})) {
    return Error::NotFound("no such family");
  }
  if (!MayCurate(actor)) return CurationRefused("add markers");
  if (auto st = ValidateMarker(marker.data); !st) return st.error();
  marker.comment = Trim(marker.comment);
  if (marker.comment.size() > kMaxMarkerComment || !CleanText(marker.comment, false)) {
    return Error::Invalid(
        fmt::format("comment must be at most {} bytes on one line", kMaxMarkerComment), "comment");
  }
  const std::int64_t now = ToUnixMillis(clock_.Now());
  auto added = db_.Transact([&](storage::Tx& tx) -> Status {
    tx.LockExclusive(kKnowledgeLock);
    if (tx.One("SELECT 1 FROM recovery_markers WHERE family_id = ? AND kind = ? AND value = ?"
               " AND byte_offset = ?",
               {Int(family_id), Text(marker.data.kind), Text(marker.data.value),
                Int(marker.data.offset)})) {
      return Error::Conflict("the family already has this marker");
    }
    tx.Exec(
        "INSERT INTO recovery_markers (family_id, kind, value, byte_offset, comment, created_by,"
        " created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        {Int(family_id), Text(marker.data.kind), Text(marker.data.value), Int(marker.data.offset),
         Text(marker.comment), Text(Username(actor)), Int(now)});
    tx.Exec("UPDATE recovery_families SET updated_at = ? WHERE id = ?", {Int(now), Int(family_id)});
    BumpVersion(tx);
    return {};
  });
  if (!added) return added.error();
  return GetFamily(family_id);
}

Status RecoveryService::DeleteMarker(Actor actor, std::int64_t family_id, std::int64_t marker_id) {
  if (!MayCurate(actor)) return CurationRefused("delete markers");
  return db_.Transact([&](storage::Tx& tx) -> Status {
    const auto deleted = tx.Exec("DELETE FROM recovery_markers WHERE id = ? AND family_id = ?",
                                 {Int(marker_id), Int(family_id)});
    if (deleted.affected_rows == 0) return Error::NotFound("no such marker");
    BumpVersion(tx);
    return {};
  });
}

std::vector<Decryptor> RecoveryService::Decryptors(const std::optional<std::string>& family) {
  const auto snapshot = CurrentSnapshot();
  if (!family) return snapshot->kb->decryptors();
  const std::string key = FamilyKey(*family);
  std::vector<Decryptor> out;
  for (const auto& d : snapshot->kb->decryptors()) {
    if (std::any_of(d.data.families.begin(), d.data.families.end(),
                    [&](const std::string& n) { return !key.empty() && FamilyKey(n) == key; })) {
      out.push_back(d);
    }
  }
  return out;
}

Result<Decryptor> RecoveryService::CreateDecryptor(Actor actor, DecryptorData data) {
  if (!MayCurate(actor)) return CurationRefused("add decryption tools");
  if (auto st = ValidateDecryptor(data, false); !st) return st.error();
  const std::int64_t now = ToUnixMillis(clock_.Now());
  try {
    return db_.Transact([&](storage::Tx& tx) -> Result<Decryptor> {
      tx.LockExclusive(kKnowledgeLock);
      const auto taken = [&](const std::string& key) {
        return tx.One("SELECT 1 FROM recovery_decryptors WHERE tool_key = ?", {Text(key)})
            .has_value();
      };
      if (data.key.empty()) {
        const std::string base = KeyFromTool(data.tool);
        data.key = base;
        for (int n = 2; taken(data.key); ++n) {
          if (n > 1000) return Error::Conflict("no free key for this tool; give it a key");
          data.key = fmt::format("{}-{}", base, n);
        }
      } else if (taken(data.key)) {
        return Error::Conflict(fmt::format("a tool with key '{}' exists", data.key));
      }
      InsertDecryptor(tx, data, now);
      BumpVersion(tx);
      const auto row =
          tx.One(fmt::format("SELECT {} FROM recovery_decryptors d WHERE d.tool_key = ?",
                             kDecryptorColumns),
                 {Text(data.key)});
      return ReadDecryptor(*row);
    });
  } catch (const storage::StorageError& e) {
    if (e.kind() != storage::StorageError::Kind::kUniqueViolation) throw;
    return Error::Conflict(fmt::format("a tool with key '{}' exists", data.key));
  }
}

Result<Decryptor> RecoveryService::UpdateDecryptor(Actor actor,
                                                   std::int64_t id,
                                                   const DecryptorPatch& patch) {
  if (!MayCurate(actor)) return CurationRefused("change decryption tools");
  const std::int64_t now = ToUnixMillis(clock_.Now());
  return db_.Transact([&](storage::Tx& tx) -> Result<Decryptor> {
    tx.LockExclusive(kKnowledgeLock);
    auto existing = LoadDecryptor(tx, id);
    if (!existing) return Error::NotFound("no such decryption tool");
    DecryptorData next = ApplyPatch(existing->data, patch);
    if (auto st = ValidateDecryptor(next); !st) return st.error();
    if (next == existing->data) return std::move(*existing);
    UpdateDecryptorRow(tx, id, next, now);
    BumpVersion(tx);
    return *LoadDecryptor(tx, id);
  });
}

Status RecoveryService::DeleteDecryptor(Actor actor, std::int64_t id) {
  if (!MayCurate(actor)) return CurationRefused("delete decryption tools");
  return db_.Transact([&](storage::Tx& tx) -> Status {
    if (tx.Exec("DELETE FROM recovery_decryptors WHERE id = ?", {Int(id)}).affected_rows == 0) {
      return Error::NotFound("no such decryption tool");
    }
    BumpVersion(tx);
    return {};
  });
}

Result<Checklist> RecoveryService::LoadChecklist(Actor actor,
                                                 std::int64_t incident_id,
                                                 const IncidentRef& ref) {
  Checklist c;
  c.incident_id = incident_id;
  c.can_update = MayOnIncident(actor, IncidentAction::kReport, ref);
  c.can_comment = c.can_update || MayOnIncident(actor, IncidentAction::kHandle, ref) ||
                  MayOnIncident(actor, IncidentAction::kAssist, ref);
  for (std::string_view step : kSteps) {
    Step s;
    s.step = std::string(step);
    s.title = std::string(StepTitle(step));
    c.steps.push_back(std::move(s));
  }
  const auto find = [&](const std::string& step) -> Step* {
    for (auto& s : c.steps) {
      if (s.step == step) return &s;
    }
    return nullptr;
  };
  for (const auto& r : db_.Query("SELECT step, state, note, updated_by, updated_at FROM"
                                 " recovery_steps WHERE incident_id = ?",
                                 {Int(incident_id)})
                           .rows) {
    if (Step* s = find(r.Text(0))) {
      s->state = r.Text(1);
      s->note = r.Text(2);
      s->updated_by = r.Text(3);
      s->updated_at = FromUnixMillis(r.Int(4));
    }
  }
  for (const auto& r : db_.Query("SELECT id, step, text, author, organisation_id, created_at FROM"
                                 " recovery_step_comments WHERE incident_id = ? ORDER BY id",
                                 {Int(incident_id)})
                           .rows) {
    if (Step* s = find(r.Text(1))) {
      s->comments.push_back({r.Int(0), r.Text(2), r.Text(3), r.Int(4), FromUnixMillis(r.Int(5))});
    }
  }
  for (const auto& r :
       db_.Query("SELECT id, summary, created_by, created_at FROM recovery_identifications"
                 " WHERE incident_id = ? ORDER BY id DESC LIMIT ?",
                 {Int(incident_id), Int(static_cast<std::int64_t>(kChecklistIdentifications))})
           .rows) {
    c.identifications.push_back({r.Int(0), r.Text(1), r.Text(2), FromUnixMillis(r.Int(3))});
  }
  return c;
}

Result<Checklist> RecoveryService::GetChecklist(Actor actor, std::int64_t incident_id) {
  auto ref = VisibleIncident(actor, incident_id);
  if (!ref) return ref.error();
  return LoadChecklist(actor, incident_id, *ref);
}

Result<Checklist> RecoveryService::UpdateStep(Actor actor,
                                              std::int64_t incident_id,
                                              std::string_view step,
                                              const StepUpdate& update) {
  auto ref = VisibleIncident(actor, incident_id);
  if (!ref) return ref.error();
  if (StepTitle(step).empty()) return Error::NotFound("no such checklist step");
  if (!MayOnIncident(actor, IncidentAction::kReport, *ref)) {
    return Error::Denied(
        "only the reporting provider changes the checklist; the CSIRT and the support centre "
        "comment on it");
  }
  if (update.state && !IsStepState(*update.state)) {
    return Error::Invalid("state must be todo, doing, done or not_applicable", "state");
  }
  if (update.note && (update.note->size() > kMaxStepNote || !CleanText(*update.note, true))) {
    return Error::Invalid(fmt::format("note must be at most {} bytes of text", kMaxStepNote),
                          "note");
  }
  if (!update.state && !update.note) return Error::Invalid("give a state or a note");
  const std::int64_t now = ToUnixMillis(clock_.Now());
  db_.Transact([&](storage::Tx& tx) {
    const auto row =
        tx.One("SELECT state, note FROM recovery_steps WHERE incident_id = ? AND step = ?",
               {Int(incident_id), Text(std::string(step))});
    const std::string state = update.state.value_or(row ? row->Text(0) : "todo");
    const std::string note = update.note.value_or(row ? row->Text(1) : "");
    tx.Exec(
        "INSERT INTO recovery_steps (incident_id, step, state, note, updated_by, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (incident_id, step) DO UPDATE SET"
        " state = excluded.state, note = excluded.note, updated_by = excluded.updated_by,"
        " updated_at = excluded.updated_at",
        {Int(incident_id), Text(std::string(step)), Text(state), Text(note), Text(Username(actor)),
         Int(now)});
  });
  return LoadChecklist(actor, incident_id, *ref);
}

Result<Checklist> RecoveryService::CommentStep(Actor actor,
                                               std::int64_t incident_id,
                                               std::string_view step,
                                               std::string text) {
  auto ref = VisibleIncident(actor, incident_id);
  if (!ref) return ref.error();
  if (StepTitle(step).empty()) return Error::NotFound("no such checklist step");
  if (!MayOnIncident(actor, IncidentAction::kReport, *ref) &&
      !MayOnIncident(actor, IncidentAction::kHandle, *ref) &&
      !MayOnIncident(actor, IncidentAction::kAssist, *ref)) {
    return Error::Denied("you may not comment on this checklist");
  }
  while (!text.empty() && (text.back() == ' ' || text.back() == '\n')) text.pop_back();
  if (text.empty() || text.size() > kMaxStepComment || !CleanText(text, true)) {
    return Error::Invalid(fmt::format("text must be 1 to {} bytes of text", kMaxStepComment),
                          "text");
  }
  db_.Query(
      "INSERT INTO recovery_step_comments (incident_id, step, text, author, organisation_id,"
      " created_at) VALUES (?, ?, ?, ?, ?, ?)",
      {Int(incident_id), Text(std::string(step)), Text(text), Text(Username(actor)),
       Int(OrganisationOf(actor)), Int(ToUnixMillis(clock_.Now()))});
  return LoadChecklist(actor, incident_id, *ref);
}

}  // namespace caduceus::recovery
