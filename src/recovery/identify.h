// Ransomware identification: the in-memory knowledge base and the ranking of families from the
// clues a victim gives. A pure library (no storage, no network) shared by the hub and by the
// agent, which identifies fully offline from an exported knowledge base.
//
// Matching, per kind of clue (weights combine per family as 1 - prod(1 - w)):
//   * note file names against the families' note-name patterns (globs: '*' is any run);
//   * encrypted file names: every suffix starting at a separator (".", "_", "-", "[", ...) against
//     the extension patterns, so compound forms such as ".id-1E857D00.[mail@x.cc].wallet" match;
//   * note text: TF-IDF cosine over words and word trigrams of the normalised note (victim IDs,
//     keys, addresses and amounts masked, see note.h) against every known note text; curated
//     phrases by containment; family names mentioned in the note or its file name;
//   * e-mail, onion and crypto addresses (given, or found in the note) against the addresses in
//     the known notes and the curated patterns;
//   * curated byte markers against the first/last bytes of encrypted files.
// A pattern shared by k families weighs 1/k of a unique one, so generic names ("README.txt",
// ".locked") barely count. Thread-safe once built (all methods are const).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <boost/json/object.hpp>

#include "core/error.h"
#include "recovery/clues.h"
#include "recovery/decryptor.h"

namespace caduceus::recovery {

inline constexpr std::string_view kKnowledgeBaseFormat = "caduceus-recovery-kb/1";
inline constexpr std::size_t kMaxKnowledgeBaseBytes = 64 * 1024 * 1024;
inline constexpr std::size_t kMaxFamilies = 20000;
inline constexpr std::size_t kMaxCandidates = 10;
inline constexpr std::size_t kMaxEvidencePerCandidate = 12;
// Below this confidence no candidate is considered identified.
inline constexpr double kIdentifiedConfidence = 0.4;

// A byte marker: `bytes` found at `offset` from the start of the file (header) or ending
// `offset` bytes before its end (footer).
struct ByteMarker {
  bool footer = false;
  std::int64_t offset = 0;
  std::string bytes;
  bool operator==(const ByteMarker&) const = default;
};

// One family as identification uses it (galaxy data merged with the hub's markers). Patterns
// are lower case.
struct Family {
  std::int64_t id = 0;  // the hub's id; 0 when unknown
  std::string uuid;     // the galaxy's UUID, or one the hub made up
  std::string name;
  std::vector<std::string> synonyms;
  std::vector<std::string> extensions;      // suffix globs: ".locky", ".id-*.[*].cmb"
  std::vector<std::string> note_filenames;  // globs: "_help_decrypt_*_.jpg"
  std::vector<std::string> note_texts;      // whole notes as known
  std::vector<std::string> note_phrases;    // normalised phrases (NormaliseNote)
  std::vector<std::string> emails;          // exact or globs ("*@onionmail.org")
  std::vector<std::string> onions;          // exact or globs ("lockbit*.onion")
  std::vector<std::string> crypto_addresses;
  std::vector<ByteMarker> byte_markers;
  std::vector<std::string> references;       // URLs
  std::vector<std::string> decryptor_hints;  // references that mention a decryptor
  bool operator==(const Family&) const = default;
};

struct Evidence {
  std::string kind;     // note_filename, extension, note_text, note_phrase, name, email, onion,
                        // crypto_address, header, footer
  std::string clue;     // what the victim gave that matched
  std::string matched;  // what it matched in the knowledge base
  double weight = 0;    // 0..1
};

struct FamilyRef {
  std::int64_t id = 0;
  std::string uuid;
  std::string name;
  std::vector<std::string> synonyms;
};

struct Candidate {
  FamilyRef family;
  double confidence = 0;  // 0..1
  std::vector<Evidence> evidence;
  std::vector<Decryptor> decryptors;
  std::vector<std::string> decryptor_hints;
};

// How a note was read.
struct NoteReport {
  std::string file_name;
  std::string encoding;  // see note.h ToString(NoteEncoding)
  std::string markup;    // none, html, rtf
  bool truncated = false;
  std::vector<std::string> emails, onions, crypto_addresses;  // found in it
};

struct Identification {
  std::vector<Candidate> candidates;  // best first, at most kMaxCandidates
  bool unknown = true;                // no candidate reaches kIdentifiedConfidence
  std::vector<NoteReport> notes;
};

// Case-insensitive (ASCII) glob match of the whole text; '*' matches any run of bytes.
bool GlobMatch(std::string_view pattern, std::string_view text);
// Suffixes of a file name that may be ransomware extensions: each suffix starting at a separator
// after the first character, plus the whole name; lower case, longest first.
std::vector<std::string> ExtensionSuffixes(std::string_view file_name);

class KnowledgeBase {
 public:
  // Builds the indexes. Families keep their order; decryptors link to families by FamilyKey.
  explicit KnowledgeBase(std::vector<Family> families, std::vector<Decryptor> decryptors = {});
  ~KnowledgeBase();
  KnowledgeBase(KnowledgeBase&&) noexcept;
  KnowledgeBase& operator=(KnowledgeBase&&) noexcept;
  KnowledgeBase(const KnowledgeBase&) = delete;
  KnowledgeBase& operator=(const KnowledgeBase&) = delete;

  const std::vector<Family>& families() const;
  const std::vector<Decryptor>& decryptors() const;
  // The tools for a family (by its name and synonyms).
  std::vector<Decryptor> DecryptorsFor(const Family& family) const;

  // Ranks the families for the clues. Never fails: any clue content is acceptable; clues beyond
  // the bounds of clues.h are ignored.
  Identification Identify(const Clues& clues) const;

  // Whether a file name matches a note-name pattern of some family (the agent uses it to find
  // notes), and whether it carries a known extension.
  bool IsNoteFileName(std::string_view file_name) const;
  bool HasKnownExtension(std::string_view file_name) const;

 private:
  class Index;
  std::vector<Family> families_;
  std::vector<Decryptor> decryptors_;
  std::unique_ptr<Index> index_;
};

boost::json::object ToJson(const Family& family);
boost::json::object ToJson(const Identification& identification);

// The offline export: {"format": kKnowledgeBaseFormat, "families": [...], "decryptors": [...]}.
boost::json::object KnowledgeBaseToJson(const KnowledgeBase& kb);
// Reads an export strictly (bounds above; every list bounded). Errors are Error::Invalid with a
// JSON pointer, or kPayloadTooLarge.
Result<KnowledgeBase> ParseKnowledgeBase(std::string_view text);

}  // namespace caduceus::recovery
