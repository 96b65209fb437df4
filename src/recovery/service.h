// Ransomware recovery support: the family knowledge base (galaxy families plus the hub's markers
// and corrections), identification from clues, the decryption-tool catalogue, and the recovery
// checklist of an incident.
//
// Thread-safe. All state is in the database; the knowledge base is also kept in memory, built
// once and rebuilt when recovery_state.kb_version changes (every change to families, markers or
// tools bumps it in the same transaction, so hubs sharing one PostgreSQL database notice each
// other's changes). Every change runs in one transaction.
//
// Authorisation (identity/policy.h):
//   * identification, families and tools are readable by every authenticated user;
//     identification stores nothing unless attached to an incident;
//   * families, markers and tools are curated by support-centre admins and analysts
//     (AllowedToCurate with no Member State); others get kPermissionDenied;
//   * an incident's checklist follows the incident: kRead to see it (otherwise kNotFound, so an
//     incident's existence does not leak), kReport to change a step's state and note (the
//     provider), kReport/kHandle/kAssist to comment and to attach an identification.
// Actor::System() (the admin CLI) may do everything.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/error.h"
#include "identity/service.h"
#include "recovery/clues.h"
#include "recovery/decryptor.h"
#include "recovery/identify.h"
#include "recovery/knowledge.h"
#include "storage/database.h"

namespace caduceus::recovery {

inline constexpr std::int64_t kMaxFamilyListLimit = 200;
inline constexpr std::size_t kMaxMarkerComment = 500;
inline constexpr std::size_t kMaxDescription = 4000;
inline constexpr std::size_t kMaxSynonyms = 50;
inline constexpr std::size_t kMaxStepNote = 4000;
inline constexpr std::size_t kMaxStepComment = 2000;
// Identifications kept per incident are unbounded; the checklist shows the latest ones.
inline constexpr std::size_t kChecklistIdentifications = 10;

// The steps of the recovery checklist, in order, and their states.
std::span<const std::string_view> ChecklistSteps();
std::string_view StepTitle(std::string_view step);
bool IsStepState(std::string_view state);  // todo, doing, done, not_applicable

struct FamilySummary {
  std::int64_t id = 0;
  std::string uuid;
  std::string name;
  std::vector<std::string> synonyms;
  std::string source;  // galaxy, hub
  bool in_galaxy = false;
  std::size_t markers = 0;
  std::size_t decryptors = 0;
};

struct Marker {
  std::int64_t id = 0;
  std::int64_t family_id = 0;
  MarkerData data;
  std::string comment;
  std::string created_by;
  TimePoint created_at;
};

struct FamilyDetail {
  std::int64_t id = 0;
  GalaxyFamily data;   // as the galaxy (or the curator, for hub-made families) has it
  std::string source;  // galaxy, hub
  bool in_galaxy = false;
  std::vector<Marker> markers;
  Family effective;  // what identification uses: patterns as globs, markers applied
  std::vector<Decryptor> decryptors;
  TimePoint created_at;
  TimePoint updated_at;
};

struct NewFamily {
  std::string name;
  std::vector<std::string> synonyms;
  std::string description;
};

struct NewMarker {
  MarkerData data;
  std::string comment;
};

struct StepComment {
  std::int64_t id = 0;
  std::string text;
  std::string author;
  std::int64_t organisation_id = 0;
  TimePoint created_at;
};

struct Step {
  std::string step;
  std::string title;
  std::string state = "todo";
  std::string note;
  std::optional<std::string> updated_by;
  std::optional<TimePoint> updated_at;
  std::vector<StepComment> comments;
};

// An identification attached to an incident: who ran it, when, and its best candidates
// (family, confidence, kinds of evidence, whether a tool exists) as JSON text.
struct StoredIdentification {
  std::int64_t id = 0;
  std::string summary_json;
  std::string created_by;
  TimePoint created_at;
};

struct Checklist {
  std::int64_t incident_id = 0;
  std::vector<Step> steps;
  std::vector<StoredIdentification> identifications;  // newest first
  bool can_update = false;                            // state and note
  bool can_comment = false;
};

struct StepUpdate {
  std::optional<std::string> state;
  std::optional<std::string> note;
};

class RecoveryService {
 public:
  // Keeps references to all three; they must outlive the service.
  RecoveryService(storage::Database& db, const Clock& clock, identity::IdentityService& identity);
  ~RecoveryService();

  // Module "recovery"; applied after the incidents module (the checklist references incidents).
  static std::span<const storage::Migration> Migrations();

  // Loads a MISP galaxy ransomware cluster file (JSON text): creates families new to the hub and
  // updates the others by galaxy UUID, keeping the hub's markers and corrections; families no
  // longer in the file stay, marked in_galaxy = false. All or nothing. Returns the families in
  // the file.
  Result<int> LoadGalaxy(std::string_view json_text);
  // Imports the decryptor catalogue file (decryptor.h ParseDecryptorFile): upsert by key, all or
  // nothing. Returns how many tools were created or changed.
  Result<int> ImportDecryptors(std::string_view json_text);

  // The current knowledge base (never null; empty before the galaxy is loaded).
  std::shared_ptr<const KnowledgeBase> CurrentKnowledgeBase();
  // The offline export (identify.h KnowledgeBaseToJson) as JSON text, and its version (for
  // caching: the text changes only when the version does).
  std::shared_ptr<const std::string> ExportKnowledgeBase(std::int64_t* version = nullptr);

  // Ranks the families for the clues. kInvalidArgument when no clue is given. With an
  // incident_id the result is also attached to that incident (see the class comment).
  Result<Identification> Identify(identity::Actor actor, const Clues& clues);

  // Families whose name or a synonym contains `query` (case-insensitive; empty: all), by name,
  // at most `limit` (1..kMaxFamilyListLimit).
  Result<std::vector<FamilySummary>> Families(std::string_view query, std::int64_t limit);
  Result<FamilyDetail> GetFamily(std::int64_t id);
  bool MayCurate(identity::Actor actor) const;
  // A family the galaxy does not know. kConflict when the name is taken (ignoring case).
  Result<FamilyDetail> CreateFamily(identity::Actor actor, NewFamily family);
  // kConflict when the family already has this marker.
  Result<FamilyDetail> AddMarker(identity::Actor actor, std::int64_t family_id, NewMarker marker);
  Status DeleteMarker(identity::Actor actor, std::int64_t family_id, std::int64_t marker_id);

  // Tools, by provider and tool name; with `family`, those that decrypt a family of that name.
  std::vector<Decryptor> Decryptors(const std::optional<std::string>& family);
  // Without a key one is derived from the tool's name. kConflict when the key is taken.
  Result<Decryptor> CreateDecryptor(identity::Actor actor, DecryptorData data);
  Result<Decryptor> UpdateDecryptor(identity::Actor actor,
                                    std::int64_t id,
                                    const DecryptorPatch& patch);
  Status DeleteDecryptor(identity::Actor actor, std::int64_t id);

  Result<Checklist> GetChecklist(identity::Actor actor, std::int64_t incident_id);
  Result<Checklist> UpdateStep(identity::Actor actor,
                               std::int64_t incident_id,
                               std::string_view step,
                               const StepUpdate& update);
  Result<Checklist> CommentStep(identity::Actor actor,
                                std::int64_t incident_id,
                                std::string_view step,
                                std::string text);

 private:
  struct Snapshot;
  std::shared_ptr<const Snapshot> CurrentSnapshot();
  std::shared_ptr<const Snapshot> BuildSnapshot(std::int64_t version);
  Result<identity::IncidentRef> VisibleIncident(identity::Actor actor, std::int64_t incident_id);
  Result<Checklist> LoadChecklist(identity::Actor actor,
                                  std::int64_t incident_id,
                                  const identity::IncidentRef& ref);

  storage::Database& db_;
  const Clock& clock_;
  identity::IdentityService& identity_;
  std::mutex mu_;  // guards snapshot_
  std::shared_ptr<const Snapshot> snapshot_;
};

}  // namespace caduceus::recovery
