// STIX 2.1 objects (OASIS STIX 2.1, sections 2-7): validation of one object as it arrives in a
// bundle, a TAXII envelope or an API request, and the TLP marking definitions.
//
// ValidateStixObject checks what the specification requires of every object and of each type
// the hub handles, and keeps the object's JSON as it came, custom properties (x_...) and
// extensions included. What it checks, in this order:
//   - every top-level property name: 3 to 250 characters of [a-zA-Z0-9_] (or `id`), not one of
//     the reserved names (severity, action, username, phone_numbers); a list is never empty;
//     a name ending in `_ref` holds an identifier, `_refs` a list of identifiers, `_hex` hex
//     digits, `_bin` base64;
//   - `type` (3 to 250 characters, a-z 0-9 and single hyphens, starting with a letter, not
//     ending with a hyphen) and `id` (`<type>--<RFC 4122 UUID>`, the type matching);
//   - the common properties of the object's category: `spec_version` "2.1" (required except on
//     cyber-observables, where it is optional), `created` and `modified` (required on SDOs,
//     SROs, extension and language-content objects; `modified` >= `created`), `created_by_ref`
//     (an identity), `revoked`, `labels`, `confidence` (0 to 100), `lang`,
//     `external_references`, `object_marking_refs` (marking definitions), `granular_markings`,
//     `extensions`, `defanged` (cyber-observables);
//   - the properties of the type: required ones present, each known one of the right kind, the
//     types of the objects its references may name, and the rules that tie properties together
//     (valid_until after valid_from, last_seen not before first_seen, ...). Types the hub does
//     not know (custom objects, objects of an extension definition) get the common checks of
//     an SDO, or of a cyber-observable when their extension says `new-sco`.
// Timestamps are RFC 3339 in UTC with an upper-case `T` and `Z` and any number of fractional
// digits. An indicator with `pattern_type` "stix" has its pattern parsed (pattern.h).
//
// Failures are Error::Invalid: `field` is the JSON pointer of the offending property relative to
// the object ("" for the object itself), `message` the reason. Messages quote no input beyond
// identifiers of the STIX vocabulary, so they are safe to show; a pattern's message carries the
// parser's reason and 1-based byte offset within the pattern.
//
// Everything here is pure and thread-safe.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include "core/error.h"
#include "core/tlp.h"
#include "intel/pattern.h"

namespace caduceus::intel {

// What kind of STIX object, by its type (section 2.1 and 3.1).
enum class StixCategory {
  kDomainObject,         // SDO, and custom or extension-defined objects not declared new-sco
  kRelationshipObject,   // relationship, sighting
  kCyberObservable,      // SCO, and objects of a new-sco extension
  kMarkingDefinition,    // marking-definition
  kExtensionDefinition,  // extension-definition
  kLanguageContent,      // language-content
};

// An instant from a STIX timestamp. Fractional digits beyond the ninth are dropped, so two
// timestamps that differ only there compare equal.
struct StixTimestamp {
  std::int64_t seconds = 0;  // since 1970-01-01T00:00:00Z; a leap second 60 counts as 60
  std::int32_t nanos = 0;    // 0..999'999'999
  auto operator<=>(const StixTimestamp&) const = default;
};

// `YYYY-MM-DDTHH:MM:SS[.fraction]Z` with a valid calendar date (seconds 00..60). Anything else,
// including numeric offsets and lower-case `t`/`z`, gives nullopt.
std::optional<StixTimestamp> ParseStixTimestamp(std::string_view text);

// Whether `type` is a valid STIX type name (see above).
bool IsStixType(std::string_view type);

// Whether `id` is `<type>--<UUID>` with a valid type name and an RFC 4122 UUID (versions 1-5,
// variant 10xx, either case of hex digit). With `type` non-empty, the type part must equal it.
bool IsStixIdentifier(std::string_view id, std::string_view type = {});

// The type part of an identifier (everything before the first "--"); the whole string if there
// is none.
std::string_view IdentifierType(std::string_view id);

// A validated object. `json` is the object exactly as received; the other members are read
// from it for the layers above (storage versions by `modified`, correlation walks `pattern`).
struct StixObject {
  std::string type;
  std::string id;
  StixCategory category = StixCategory::kDomainObject;
  std::optional<StixTimestamp> created;   // absent on cyber-observables
  std::optional<StixTimestamp> modified;  // absent on cyber-observables and marking definitions
  std::optional<Pattern> pattern;         // indicators with pattern_type "stix"
  boost::json::object json;
};

// Validates one STIX 2.1 object, as described at the top of this file. Takes the object by
// value: move it in to keep it without a copy.
Result<StixObject> ValidateStixObject(boost::json::object object);

using ::caduceus::TlpLevel;

// The TLP level of a marking-definition id: the five TLP 2.0 marking definitions of the OASIS
// TLP 2.0 extension (extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d) and the four
// TLP 1.0 ones of STIX 2.1 section 7.2.1.4. nullopt for any other id.
std::optional<TlpLevel> TlpLevelOfMarking(std::string_view marking_id);

// The id of the TLP 2.0 marking definition of a level, for marking objects the hub writes.
std::string_view TlpMarkingId(TlpLevel level);

// Marks an object the hub passes on with the TLP it holds the object under. The hub gives an
// object that arrived without a TLP marking its collection's default level, and enforces that
// level; TLP 2.0 asks whoever passes information on to tell the recipient its level, so the copy
// it serves (over TAXII, in exports) says it. When none of `object_marking_refs` is a TLP marking,
// adds the TLP 2.0 marking of `level` to the list (making the list when there is none); an
// object already marked keeps its own marking. Marking definitions are left as they are. Returns
// whether it added the marking.
bool AddTlpMarking(boost::json::object& object, TlpLevel level);

// AddTlpMarking on an object's serialised JSON, as the store keeps it. Text with no "marking" in
// it cannot hold a marking, so the marking is spliced in without parsing; anything else is
// parsed. Text that is not a JSON object comes back unchanged.
std::string WithTlpMarking(std::string_view object_json, TlpLevel level);

}  // namespace caduceus::intel
