// The agent's side of ransomware identification: collecting clues from a disk without sending
// file contents, and identifying them offline against an exported knowledge base or through a
// hub. The `caduceus recovery ...` subcommands call the Run* functions.
//
// What leaves the machine (the clue JSON, recovery/clues.h): ransom-note texts (only files whose
// names look like notes, and of those only the ones with a word such as "decrypt" or "recover"
// in the name or found in at least three folders, as notes are), encrypted-file names reduced
// to their extensions
// ("file.dcm.lockbit" for "J.Smith MRI.dcm.lockbit"), and the first and last bytes (32 by
// default) of a few encrypted files. Nothing else is read.
//
// The walk never follows symbolic links (neither to directories nor to files), and is bounded
// in entries visited, depth, clues kept and time; it stops early rather than fail, and says so.
// Not thread-safe per call; separate calls are independent.
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <iosfwd>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "client/http_client.h"
#include "core/clock.h"
#include "recovery/clues.h"
#include "recovery/identify.h"

namespace caduceus::agent {

struct CollectOptions {
  std::size_t max_entries = 500'000;  // directory entries visited
  std::size_t max_depth = 40;
  std::size_t max_file_names = recovery::kMaxFileNames;  // distinct reduced names kept
  std::size_t max_notes = 8;
  std::size_t max_note_bytes = 128 * 1024;  // read from each note
  std::size_t max_samples = 8;              // files whose first/last bytes are read
  std::size_t marker_bytes = 32;            // bytes read at each end of a sample
  std::chrono::seconds time_limit{300};
  // Note names and extensions it knows are recognised too; may be null.
  const recovery::KnowledgeBase* knowledge_base = nullptr;
};

struct CollectReport {
  std::size_t entries = 0;           // directory entries visited
  std::size_t symlinks_skipped = 0;  // links not followed
  std::size_t errors = 0;            // entries that could not be read (permissions, races)
  std::size_t unusual_files = 0;     // files with an extension that is not an ordinary type
  bool limited = false;              // a count bound stopped the walk or dropped clues
  bool timed_out = false;
};

struct Collected {
  recovery::Clues clues;
  CollectReport report;
};

// Walks `roots` (directories or single files) and gathers the clues described above. `clock`
// measures the time limit.
Collected CollectClues(std::span<const std::filesystem::path> roots,
                       const CollectOptions& options,
                       const Clock& clock);

// Whether a file name looks like a ransom note: a text-like extension (.txt, .htm(l), .hta, .rtf)
// and a note-like word (readme, decrypt, recover, restore, instruction, unlock, ransom, ...), or
// a note-name pattern of the knowledge base (when given).
bool LooksLikeNoteName(std::string_view file_name, const recovery::KnowledgeBase* kb);
// The name reduced to what identification needs: "file" followed by everything from the
// original file type's extension on ("scan 12.dcm.id-1E85.[a@b.cc].wallet" ->
// "file.dcm.id-1E85.[a@b.cc].wallet"), or by the last extension when no ordinary type is found;
// empty for a name without an extension.
std::string ReduceFileName(std::string_view file_name);
// Whether the last extension of a name is an ordinary file type (document, image, media,
// archive, program...) rather than something ransomware appended.
bool HasOrdinaryExtension(std::string_view file_name);

// A readable summary of an identification in its JSON form (recovery::ToJson, or the hub's
// answer): candidates with confidence, evidence and tools, or a clear statement that the family
// is unknown. Tolerates missing members.
std::string FormatIdentification(const boost::json::object& identification);

// `caduceus recovery collect PATH... [--out FILE] [--kb FILE]`: writes the clue JSON to FILE (or
// `out`) and a summary of the walk to `err`. Returns 0, 1 on failure (unreadable knowledge base,
// unwritable output), or 1 when nothing was found.
int RunRecoveryCollect(const std::vector<std::string>& paths,
                       const std::string& out_file,
                       const std::string& kb_file,
                       const CollectOptions& options,
                       std::ostream& out,
                       std::ostream& err);
// `caduceus recovery identify --kb FILE CLUES.json [--json]`: identifies fully offline.
int RunRecoveryIdentifyOffline(const std::string& kb_file,
                               const std::string& clues_file,
                               bool json,
                               std::ostream& out,
                               std::ostream& err);
// `caduceus recovery identify --hub URL --token TOKEN CLUES.json [--json]`: sends the clues (and
// nothing else) to the hub's POST /api/v1/recovery/identify. `token` is an API token with the
// write scope.
int RunRecoveryIdentifyHub(const std::string& hub_url,
                           const std::string& token,
                           const std::string& clues_file,
                           const client::ClientOptions& client_options,
                           bool json,
                           std::ostream& out,
                           std::ostream& err);

}  // namespace caduceus::agent
