// Decryption tools: the catalogue that tells a victim whether a free tool exists for the family
// that hit it. Pure and thread-safe; nothing here touches storage.
//
// A tool names the families it decrypts by name; identification links a tool to a family when
// one of these names equals the family's name or one of its synonyms, ignoring case, spaces and
// a trailing "ransomware" (so the link survives reloading the galaxy).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "core/clock.h"
#include "core/error.h"

namespace caduceus::recovery {

inline constexpr std::string_view kDecryptorFileFormat = "caduceus-recovery-decryptors/1";
inline constexpr std::size_t kMaxDecryptorFileBytes = 2 * 1024 * 1024;
inline constexpr std::size_t kMaxDecryptors = 2000;
inline constexpr std::size_t kMaxToolFamilies = 20;
inline constexpr std::size_t kMaxFamilyName = 100;
inline constexpr std::size_t kMaxToolName = 200;
inline constexpr std::size_t kMaxProvider = 100;
inline constexpr std::size_t kMaxInstructions = 4000;
inline constexpr std::size_t kMaxUrl = 2048;

struct DecryptorData {
  std::string key;                    // [a-z0-9-]{3,64}, unique
  std::vector<std::string> families;  // 1..20 family names
  std::string tool;                   // the tool's name
  std::string provider;               // who publishes it
  std::string url;                    // where to download it or read about it (http/https)
  std::string instructions;           // how to use it; may hold line breaks
  std::string last_verified;          // YYYY-MM-DD: when someone last checked the link and tool
  bool operator==(const DecryptorData&) const = default;
};

struct Decryptor {
  std::int64_t id = 0;
  DecryptorData data;
  TimePoint created_at;
  TimePoint updated_at;
};

// Changes to some fields; the key never changes.
struct DecryptorPatch {
  std::optional<std::vector<std::string>> families;
  std::optional<std::string> tool, provider, url, instructions, last_verified;
};

// Checks the content rules above and normalises in place (trims single-line text, de-duplicates
// family names keeping their order). Text lengths are in bytes; text must be valid UTF-8 without
// control characters (instructions may hold line breaks and tabs). Errors are Error::Invalid
// whose field names the member ("families/1"). An empty key passes when it is not required (the
// service derives one).
Status ValidateDecryptor(DecryptorData& data, bool key_required = true);

// A calendar date YYYY-MM-DD (years 2000..2099).
bool IsCalendarDate(std::string_view text);
// An absolute http:// or https:// URL with a host, no user information, no white space.
bool IsToolUrl(std::string_view text);
// The form family names are compared in: lower case ASCII letters and digits only, without a
// trailing "ransomware" ("STOP/Djvu Ransomware" -> "stopdjvu").
std::string FamilyKey(std::string_view name);

// Reads a tool from a JSON object with exactly the members of DecryptorData (key optional when
// `require_key` is false), then validates it. `prefix` is put before field names.
Result<DecryptorData> DecryptorFromJson(const boost::json::value& json,
                                        bool require_key,
                                        std::string_view prefix = {});
// Reads a patch (any member but "key"); shapes only.
Result<DecryptorPatch> DecryptorPatchFromJson(const boost::json::object& json);
DecryptorData ApplyPatch(DecryptorData base, const DecryptorPatch& patch);

// Parses the catalogue file {"format": kDecryptorFileFormat, "decryptors": [...]}: strict JSON,
// at most kMaxDecryptorFileBytes and kMaxDecryptors tools, unique keys. Errors name the member as
// a JSON pointer ("/decryptors/4/url"); kPayloadTooLarge when the file is too big.
Result<std::vector<DecryptorData>> ParseDecryptorFile(std::string_view text);

boost::json::object ToJson(const DecryptorData& data);
// The API form: the data plus "id", "created_at", "updated_at".
boost::json::object ToJson(const Decryptor& decryptor);

}  // namespace caduceus::recovery
