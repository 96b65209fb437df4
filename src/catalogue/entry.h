// Service-catalogue entries: the model, its validation, its JSON form and the import file.
//
// An entry describes one service, tool, guidance document, training or funding programme offered
// to healthcare providers. Everything here is pure and thread-safe; nothing touches storage.
//
// Validation (ValidateEntry) is the single place the content rules live; the JSON readers only
// check shapes and types and then call it. Failures are Error::Invalid whose `field` names the
// offending member: "title", "links/2/url" for one entry, and "/entries/7/title" (a JSON pointer
// into the file) for the import file, whose messages also name the entry's key.
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

#include "core/clock.h"
#include "core/error.h"

namespace caduceus::catalogue {

// Bounds of the import file.
inline constexpr std::size_t kMaxImportBytes = 8 * 1024 * 1024;
inline constexpr std::size_t kMaxImportEntries = 5000;
inline constexpr std::string_view kImportFormat = "caduceus-catalogue/1";

// Bounds of one entry. Lengths of text are counted in Unicode code points.
inline constexpr std::size_t kMinTitle = 3;
inline constexpr std::size_t kMaxTitle = 200;
inline constexpr std::size_t kMaxSummary = 500;
inline constexpr std::size_t kMaxDescription = 20000;
inline constexpr std::size_t kMaxProviderName = 200;
inline constexpr std::size_t kMaxUrlBytes = 2048;
inline constexpr std::size_t kMaxLinks = 20;
inline constexpr std::size_t kMaxLanguages = 30;

// The closed vocabularies of an entry.
std::span<const std::string_view> Kinds();     // service, tool, guidance, training, funding
std::span<const std::string_view> Costs();     // free, paid, subsidised
std::span<const std::string_view> Threats();   // ransomware, phishing, supply_chain, ...
std::span<const std::string_view> Measures();  // NIS2 Article 21(2) points "a" .. "j"
bool IsKind(std::string_view text);
bool IsCost(std::string_view text);
bool IsThreat(std::string_view text);
bool IsMeasure(std::string_view text);
// Two lower-case ASCII letters (the shape of an ISO 639-1 code).
bool IsLanguageCode(std::string_view text);
// [a-z0-9-]{3,64}
bool IsEntryKey(std::string_view text);

// Short English description of a NIS2 Article 21(2) point ("c" -> "business continuity and
// backups"); empty for anything else.
std::string_view MeasureLabel(std::string_view measure);

// The official languages (ISO 639-1) of an EU/EEA Member State (ISO 3166-1 alpha-2), national
// and regional co-official ones; empty for any other code.
std::span<const std::string_view> LanguagesOf(std::string_view country);
// English names, for human-readable text; the code itself when unknown.
std::string_view CountryName(std::string_view country);
std::string_view LanguageName(std::string_view language);

struct Link {
  std::string title;
  std::string url;
  bool operator==(const Link&) const = default;
};

// The curated content of an entry. Once validated, the list fields are sorted and hold no
// duplicates, and single-line text is trimmed, so two equal contents compare equal.
struct EntryData {
  std::string key;
  std::string kind;
  std::string title;
  std::string summary;
  std::string description;
  std::string provider_name;
  std::string url;
  std::vector<std::string> countries;  // empty: EU-wide
  std::vector<std::string> languages;
  std::string cost;
  std::vector<std::string> org_sizes;  // empty: every size
  std::vector<std::string> nis2_measures;
  std::vector<std::string> threats;
  std::vector<Link> links;                   // in the curator's order
  std::optional<std::string> last_reviewed;  // YYYY-MM-DD
  bool operator==(const EntryData&) const = default;
};

struct Entry {
  std::int64_t id = 0;
  EntryData data;
  TimePoint created_at;
  TimePoint updated_at;
};

// A change to some fields of an entry; absent fields stay as they are. The key never changes.
// `last_reviewed` holds nullopt inside when the patch clears the date.
struct EntryPatch {
  std::optional<std::string> kind, title, summary, description, provider_name, url, cost;
  std::optional<std::vector<std::string>> countries, languages, org_sizes, nis2_measures, threats;
  std::optional<std::vector<Link>> links;
  std::optional<std::optional<std::string>> last_reviewed;
};

enum class KeyRule {
  kRequired,  // the key must be present and valid
  kOptional,  // an empty key is accepted (the service derives one); a present key must be valid
};

// Checks every content rule and normalises `entry` in place (trims single-line text, sorts and
// de-duplicates the lists). Rules: key [a-z0-9-]{3,64}; kind, cost from their lists; title
// 3..200, summary <= 500, provider_name <= 200, description <= 20000 code points, all valid
// UTF-8 without control characters (description and summary may hold line breaks and tabs);
// url and every link url an absolute http:// or https:// URL with a host and no user info
// (<= 2048 bytes); link titles 1..200; at most 20 links; countries EU/EEA codes; languages
// two lower-case letters (at most 30); org_sizes size bands; nis2_measures "a".."j"; threats
// from the list; last_reviewed a calendar date YYYY-MM-DD.
Status ValidateEntry(EntryData& entry, KeyRule key_rule);

// Whether `url` is acceptable as an entry's url (the rule above).
bool IsAcceptableUrl(std::string_view url);

// Reads an entry from JSON: an object with the members of EntryData (lists as arrays of strings,
// links as [{"title","url"}], last_reviewed a string or null) and nothing else. Then validates.
Result<EntryData> EntryFromJson(const boost::json::value& json, KeyRule key_rule);

// Reads a patch: any members of EntryData except "key"; null clears last_reviewed and is
// otherwise an error. Shapes only: content is checked when the patched entry is validated.
Result<EntryPatch> PatchFromJson(const boost::json::object& json);

// `base` with the patch's fields replaced (not validated).
EntryData ApplyPatch(EntryData base, const EntryPatch& patch);

// Parses an import file: {"format":"caduceus-catalogue/1","entries":[entry...]}, at most
// kMaxImportBytes and kMaxImportEntries, strict JSON (UTF-8, no duplicate member names, nesting
// at most 8 deep), every entry with a key and unique keys. Returns the validated entries in file
// order, or the first failure.
Result<std::vector<EntryData>> ParseImport(std::string_view text);

// The API form: EntryData's members plus "id", "created_at", "updated_at" (RFC 3339);
// last_reviewed null when unset.
boost::json::object ToJson(const Entry& entry);
// EntryData's members only, as the import file holds them.
boost::json::object ToJson(const EntryData& data);

}  // namespace caduceus::catalogue
