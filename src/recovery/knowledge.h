// Where the knowledge base comes from: the MISP galaxy ransomware cluster (parsed, its free-form
// patterns turned into globs) and the markers support-centre staff add or correct in the hub.
// Pure and thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "recovery/identify.h"

namespace caduceus::recovery {

inline constexpr std::size_t kMaxGalaxyBytes = 32 * 1024 * 1024;
inline constexpr std::size_t kMaxGalaxyFamilies = 20000;
inline constexpr std::size_t kMaxGalaxyListItems = 500;
inline constexpr std::size_t kMaxGalaxyString = 64 * 1024;
inline constexpr std::size_t kMaxFamilyNameBytes = 200;

// One cluster value of the galaxy, as the galaxy has it (strings trimmed, lists de-duplicated).
struct GalaxyFamily {
  std::string uuid;  // lower case
  std::string name;
  std::string description;
  std::vector<std::string> synonyms;
  std::vector<std::string> extensions;      // free-form, as in meta.extensions
  std::vector<std::string> note_filenames;  // free-form, as in meta.ransomnotes-filenames
  std::vector<std::string> note_texts;      // meta.ransomnotes
  std::vector<std::string> references;      // meta.refs
  bool operator==(const GalaxyFamily&) const = default;
};

// Parses a galaxy cluster file ({"type": "ransomware", "values": [...]}, the layout of
// misp-galaxy clusters/ransomware.json). Each value needs a UUID and a name; duplicate UUIDs are
// an error. Tolerates the galaxy's variants (a string where a list is usual, misspelt keys such
// as "ransomenotes"); list items that are not strings, and items beyond kMaxGalaxyListItems or
// kMaxGalaxyString, are skipped. Errors: Error::Invalid with a JSON pointer, kPayloadTooLarge.
Result<std::vector<GalaxyFamily>> ParseGalaxy(std::string_view json_text);

// The kinds of hub markers.
//   extension, note_filename: added patterns (globs); note_text: a whole note template;
//   note_phrase: a phrase that only this family's notes contain; email, onion: addresses or
//   globs; crypto_address: an address; header, footer: bytes (hex) at an offset; synonym: another
//   name; ignore_extension, ignore_note_filename: corrections that drop a galaxy pattern.
std::span<const std::string_view> MarkerKinds();
bool IsMarkerKind(std::string_view kind);

inline constexpr std::size_t kMaxMarkerValue = 16 * 1024;  // note_text; others are shorter
inline constexpr std::size_t kMaxMarkerPattern = 200;
inline constexpr std::int64_t kMaxMarkerOffset = 1024 * 1024;

struct MarkerData {
  std::string kind;
  std::string value;        // pattern, phrase, address or hex bytes
  std::int64_t offset = 0;  // header/footer only
  bool operator==(const MarkerData&) const = default;
};

// Checks and normalises a marker in place: patterns lower case (1..200 bytes, at least two
// letters or digits besides '*'), phrases normalised and at least three words, note texts
// 1..16 KiB, e-mails and onions lower case, header/footer 1..64 bytes of hex at offset
// 0..1 MiB (other kinds: offset 0). Errors are Error::Invalid naming "kind", "value" or "offset".
Status ValidateMarker(MarkerData& marker);

// Turns a galaxy note-name entry into a glob ("_HELP_DECRYPT_[A-Z0-9]{4-8}_.jpg" ->
// "_help_decrypt_*_.jpg"): placeholders such as [random], <ID>, {RAND}, %random%, (...) become
// '*', paths and "e.g." explanations are dropped. nullopt when nothing specific is left.
std::optional<std::string> NoteNamePattern(std::string_view galaxy_text);
// Turns a galaxy extension entry into suffix globs: placeholders become '*', and an example with
// an e-mail or victim ID (".id-BCBEF350.[paymentbtc@firemail.cc].cmb") yields both the literal
// form and the general one (".id-*.[*].cmb"). Descriptions and ordinary file types (".exe",
// ".mp3") yield nothing.
std::vector<std::string> ExtensionPatterns(std::string_view galaxy_text);

// The family identification uses: the galaxy family (or a hub-made one, same shape) with its
// markers applied.
Family BuildFamily(std::int64_t id, const GalaxyFamily& base, std::span<const MarkerData> markers);

}  // namespace caduceus::recovery
