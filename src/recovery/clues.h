// The clues a victim gives for identification, and their JSON form: the body of
// POST /api/v1/recovery/identify and the file `caduceus recovery collect` writes.
//
// Clues never hold file contents beyond ransom notes and the first/last bytes of encrypted files.
// Pure and thread-safe.
//
// JSON (every member optional, unknown members rejected):
//   {"note_filename": "...", "note_text": "..." | "note_base64": "...",
//    "notes": [{"file_name": "...", "text": "..." | "base64": "..."}],
//    "file_names": ["..."],
//    "header_hex": "...", "footer_hex": "...",
//    "samples": [{"file_name": "...", "header_hex": "...", "footer_hex": "..."}],
//    "emails": ["..."], "onions": ["..."], "crypto_addresses": ["..."],
//    "incident_id": 12}
// The single-note and single-sample members are shorthands for one item of "notes"/"samples".
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "core/error.h"

namespace caduceus::recovery {

inline constexpr std::size_t kMaxNotes = 16;
inline constexpr std::size_t kMaxNotesTotalBytes = 1024 * 1024;  // decoded note bytes, all notes
inline constexpr std::size_t kMaxFileNames = 1000;
inline constexpr std::size_t kMaxFileNameBytes = 1024;
inline constexpr std::size_t kMaxSamples = 64;
inline constexpr std::size_t kMaxSampleBytes = 4096;            // one header or footer
inline constexpr std::size_t kMaxMarkerBytesTotal = 64 * 1024;  // all headers and footers
inline constexpr std::size_t kMaxContactClues = 100;            // per kind
inline constexpr std::size_t kMaxContactBytes = 256;
inline constexpr std::size_t kMaxCluesJsonBytes = 2 * 1024 * 1024;

struct NoteClue {
  std::string file_name;  // may be empty when only the text is known
  std::string bytes;      // the note as found (any encoding); may be empty for a name alone
  bool operator==(const NoteClue&) const = default;
};

struct SampleClue {
  std::string file_name;
  std::string header;  // first bytes of the encrypted file
  std::string footer;  // last bytes
  bool operator==(const SampleClue&) const = default;
};

struct Clues {
  std::vector<NoteClue> notes;
  std::vector<std::string> file_names;  // names of encrypted files (paths are reduced to names)
  std::vector<SampleClue> samples;
  std::vector<std::string> emails;
  std::vector<std::string> onions;
  std::vector<std::string> crypto_addresses;
  std::optional<std::int64_t> incident_id;
  bool operator==(const Clues&) const = default;
  bool empty() const {
    return notes.empty() && file_names.empty() && samples.empty() && emails.empty() &&
           onions.empty() && crypto_addresses.empty();
  }
};

// Reads clues from a JSON object (the format above). Errors are Error::Invalid naming the member
// ("notes/2/base64"), or kPayloadTooLarge when a bound above is exceeded. File names lose any
// directory part; hex and base64 may be upper or lower case and base64 may be URL-safe or padded.
Result<Clues> CluesFromJson(const boost::json::object& json);
// Parses clue JSON text strictly (no duplicate members, depth <= 8, at most kMaxCluesJsonBytes).
Result<Clues> ParseClues(std::string_view text);
// The canonical form: notes and samples always as lists; a note as "text" when its bytes are
// valid UTF-8 without NUL, otherwise as "base64". CluesFromJson(ToJson(c)) == c for clues read by
// CluesFromJson.
boost::json::object ToJson(const Clues& clues);

// Hex and base64 helpers (exposed for tests). Decoders return nullopt on malformed input.
std::string ToHex(std::string_view bytes);
std::optional<std::string> FromHex(std::string_view hex);
std::string ToBase64(std::string_view bytes);
std::optional<std::string> FromBase64(std::string_view text);
// The last path component ("C:\\a\\b.txt" -> "b.txt", "/x/y" -> "y").
std::string_view BaseName(std::string_view path);

}  // namespace caduceus::recovery
