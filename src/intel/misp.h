// MISP interoperability: a MISP event (MISP's JSON, as the API, the UI export and MISP feeds
// write it) mapped to STIX 2.1 objects, and STIX objects mapped back to a MISP event that MISP
// accepts (POST /events/add). docs/misp.md has the full mapping table.
//
// Import, in short:
//   - the event becomes a `report` whose object_refs name everything below; `link` attributes
//     become its external references;
//   - an attribute with the IDS flag (to_ids) becomes an `indicator` (STIX pattern); one without
//     it becomes `observed-data` referring to cyber-observables (value-derived ids, so the same
//     domain in two events is one observable). yara, snort, sigma and stix2-pattern attributes
//     are always indicators of that pattern type; vulnerability attributes are `vulnerability`
//     objects with a CVE external reference; threat-actor and campaign-name attributes are
//     threat-actor and campaign objects. Attributes with no STIX counterpart (text, comment,
//     btc, ...) become custom `x-misp-attribute` objects, so nothing is lost;
//   - a MISP object becomes one indicator (when one of its attributes has the IDS flag), else one
//     observed-data, else an `x-misp-object`; it keeps its attributes in `x_misp_attributes`;
//     object references become relationships;
//   - tags: tlp:* sets the TLP 2.0 marking (the attribute's own tag wins over the event's; an
//     event without one but with distribution "your organisation only" is marked
//     TLP:AMBER+STRICT); misp-galaxy:* tags and Galaxy blocks become malware, threat-actor,
//     intrusion-set, attack-pattern or tool objects (one id per cluster, whatever event names
//     it), referred to by the report, and related to the indicators of the attributes that carry
//     them (`indicates`) and to each other (`uses`); every other tag (PAP:*, taxonomies, free
//     text) is kept as a label;
//   - sightings (type 0) become one STIX `sighting` per attribute, returned apart from the
//     objects, since the hub records them in its sighting ledger rather than as objects.
// Ids are UUIDv5 of the MISP uuids, so importing a changed event again gives new versions of the
// same objects (versioned by the MISP timestamps) and importing it unchanged gives the same
// versions. Attributes and objects that are deleted or cannot be mapped (a bad address, a hash
// of the wrong length) are left out and listed in `skipped`. Every object returned passes
// ValidateStixObject.
//
// Export: a root object (a report and the objects it refers to, or any object with what its
// relationships name) becomes one MISP event: x_misp_* properties written by the import restore
// the original types, categories, uuids and objects; STIX from elsewhere is mapped from its
// patterns and observables; TLP markings and labels become tags; malware, threat-actor,
// intrusion-set, attack-pattern and tool objects become galaxy clusters with their
// misp-galaxy tags.
//
// Everything here is pure and thread-safe. Input is hostile: sizes, counts and nesting are
// bounded, and error messages quote no input.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "core/error.h"
#include "core/tlp.h"

namespace caduceus::intel {

struct MispLimits {
  std::size_t max_bytes = 64 * 1024 * 1024;   // JSON text of one event
  std::size_t max_depth = 32;                 // JSON nesting
  std::size_t max_attributes = 200'000;       // attributes, object attributes included
  std::size_t max_objects = 50'000;           // MISP objects
  std::size_t max_value_bytes = 1024 * 1024;  // one attribute value (yara rules can be long)
};

struct MispImportOptions {
  // Set as created_by_ref of every object produced (an identity id); empty for none.
  std::string created_by_ref;
  MispLimits limits;
};

// Something of the event that did not become STIX.
struct MispSkipped {
  std::string uuid;  // the attribute's or object's uuid, when it had one
  std::string type;  // the attribute type or object name
  std::string reason;
};

struct MispImport {
  std::string event_uuid;
  std::string info;
  std::string report_id;
  std::int64_t event_timestamp = 0;  // Unix seconds, as in a feed's manifest
  std::optional<TlpLevel> tlp;       // the event's TLP tag
  // Observables and domain objects first, relationships next, the report last.
  std::vector<boost::json::object> objects;
  // `sighting` objects whose sighting_of_ref is one of `objects`.
  std::vector<boost::json::object> sightings;
  std::vector<MispSkipped> skipped;
};

// Reads one event: `{"Event": {...}}`, a bare event object, or `{"response": [{"Event": ...}]}`
// with exactly one event (the MISP API's search answer). Error::Invalid when the text is not such
// JSON, breaks a limit, lacks a valid uuid or info, or maps to nothing at all.
Result<MispImport> ImportMispEvent(std::string_view json_text,
                                   const MispImportOptions& options = {});
Result<MispImport> ImportMispEvent(const boost::json::value& event,
                                   const MispImportOptions& options = {});

// A MISP feed's manifest.json: event uuid -> the event's timestamp (Unix seconds). Entries
// without a valid uuid or timestamp are left out. Error::Invalid when the text is not a JSON
// object or breaks the limits (max_objects bounds the number of events).
Result<std::vector<std::pair<std::string, std::int64_t>>> ParseMispManifest(
    std::string_view json_text, const MispLimits& limits = {});

// Maps `root` and the objects around it to `{"Event": {...}}`. `related` holds the objects the
// root refers to (a report's object_refs, the targets of relationships, the observables of
// observed-data), the relationships around them, and anything else; objects nothing leads to
// from the root are ignored. Error::Invalid when root is not a STIX object with an id.
Result<boost::json::object> ExportMispEvent(const boost::json::object& root,
                                            std::span<const boost::json::object> related);

// RFC 4122 name-based UUID (version 5, SHA-1) of `name` in the namespace `namespace_uuid` (a UUID
// in text form), lower case. Error::Invalid when namespace_uuid is not a UUID.
Result<std::string> UuidV5(std::string_view namespace_uuid, std::string_view name);

// The id STIX 2.1 section 2.9 prescribes for a cyber-observable: UUIDv5 in the namespace
// 00abedb4-aa42-466c-9c01-fed23315a9b7 of the canonical JSON (RFC 8785) of the type's
// ID-contributing properties. `observable` must carry `type`; other types get a name-based id
// over all their properties.
std::string DeterministicObservableId(const boost::json::object& observable);

}  // namespace caduceus::intel
