#include "intel/stix.h"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <arpa/inet.h>
#include <boost/json.hpp>
#include <fmt/format.h>

namespace caduceus::intel {
namespace {

namespace json = boost::json;

// A failed check; nullopt means the check passed.
using Problem = std::optional<Error>;

// --- JSON pointers ------------------------------------------------------------------------------

// One step of a JSON pointer, linked to its parent on the caller's stack: building a path costs
// nothing until a check fails and renders it.
struct Path {
  const Path* parent = nullptr;  // nullptr: the object itself
  std::string_view key;
  std::size_t index = 0;
  bool is_index = false;

  Path Key(std::string_view name) const { return {this, name, 0, false}; }
  Path Index(std::size_t i) const { return {this, {}, i, true}; }
};

std::string Render(const Path& path) {
  std::vector<const Path*> steps;
  for (const Path* p = &path; p->parent != nullptr; p = p->parent) steps.push_back(p);
  std::string out;
  for (auto it = steps.rbegin(); it != steps.rend(); ++it) {
    out.push_back('/');
    if ((*it)->is_index) {
      out += std::to_string((*it)->index);
      continue;
    }
    for (const char c : (*it)->key) {
      if (c == '~') {
        out += "~0";
      } else if (c == '/') {
        out += "~1";
      } else {
        out.push_back(c);
      }
    }
  }
  return out;
}

Problem Fail(const Path& path, std::string message) {
  return Error::Invalid(std::move(message), Render(path));
}

// --- Lexical checks -----------------------------------------------------------------------------

// Character classes by table: identifiers and names are checked on every object.
enum CharClass : std::uint8_t { kLower = 1, kUpper = 2, kDigit = 4, kHexLetter = 8 };

constexpr std::array<std::uint8_t, 256> kCharClasses = [] {
  std::array<std::uint8_t, 256> table{};
  for (int c = 'a'; c <= 'z'; ++c) table[c] |= kLower;
  for (int c = 'A'; c <= 'Z'; ++c) table[c] |= kUpper;
  for (int c = '0'; c <= '9'; ++c) table[c] |= kDigit;
  for (int c = 'a'; c <= 'f'; ++c) table[c] |= kHexLetter;
  for (int c = 'A'; c <= 'F'; ++c) table[c] |= kHexLetter;
  return table;
}();

bool HasClass(char c, int classes) {
  return (kCharClasses[static_cast<unsigned char>(c)] & classes) != 0;
}
bool IsLower(char c) { return HasClass(c, kLower); }
bool IsDigit(char c) { return HasClass(c, kDigit); }
bool IsAlpha(char c) { return HasClass(c, kLower | kUpper); }
bool IsHexDigit(char c) { return HasClass(c, kDigit | kHexLetter); }

bool IsHex(std::string_view s) { return std::all_of(s.begin(), s.end(), IsHexDigit); }

// Property names, STIX 2.1 section 3.1: ASCII letters, digits and underscore, 3 to 250 long.
bool IsPropertyName(std::string_view name) {
  if (name == "id") return true;
  if (name.size() < 3 || name.size() > 250) return false;
  return std::all_of(name.begin(), name.end(),
                     [](char c) { return HasClass(c, kLower | kUpper | kDigit) || c == '_'; });
}

// Compared character by character: these run on every property name, and a library memcmp
// call costs more than the few bytes it compares.
bool EndsWith(std::string_view s, std::string_view suffix) {
  if (s.size() < suffix.size()) return false;
  const std::size_t start = s.size() - suffix.size();
  for (std::size_t i = 0; i < suffix.size(); ++i) {
    if (s[start + i] != suffix[i]) return false;
  }
  return true;
}

bool IsUuid(std::string_view s) {
  if (s.size() != 36) return false;
  // Branch-free over the 36 characters: dashes at 8, 13, 18 and 23, hex digits elsewhere.
  constexpr std::uint64_t kDashes = (1ULL << 8) | (1ULL << 13) | (1ULL << 18) | (1ULL << 23);
  bool ok = true;
  for (std::size_t i = 0; i < 36; ++i) {
    const bool dash = ((kDashes >> i) & 1) != 0;
    ok &= dash ? s[i] == '-' : IsHexDigit(s[i]);
  }
  if (!ok) return false;
  // RFC 4122 (and its successor RFC 9562): version 1-8, variant 10xx.
  const char version = s[14];
  const char variant = s[19];
  return version >= '1' && version <= '8' &&
         std::string_view("89abAB").find(variant) != std::string_view::npos;
}

bool HasControlOrSpace(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u <= 0x20 || u == 0x7f;
  });
}

// RFC 4648 base64 with padding.
bool IsBase64(std::string_view s) {
  if (s.size() % 4 != 0) return false;
  std::size_t padding = 0;
  while (padding < 2 && padding < s.size() && s[s.size() - 1 - padding] == '=') ++padding;
  return std::all_of(s.begin(), s.end() - static_cast<std::ptrdiff_t>(padding),
                     [](char c) { return IsAlpha(c) || IsDigit(c) || c == '+' || c == '/'; });
}

// BCP 47 tags, loosely: a 1-8 letter primary subtag, then 1-8 alphanumeric subtags.
bool IsLanguageTag(std::string_view s) {
  std::size_t start = 0;
  bool first = true;
  while (true) {
    const std::size_t end = std::min(s.find('-', start), s.size());
    const std::string_view part = s.substr(start, end - start);
    if (part.empty() || part.size() > 8) return false;
    const bool ok = std::all_of(part.begin(), part.end(),
                                [first](char c) { return IsAlpha(c) || (!first && IsDigit(c)); });
    if (!ok) return false;
    if (end == s.size()) return true;
    start = end + 1;
    first = false;
  }
}

// A prefix length after '/', 0..max, digits only.
bool ParsePrefix(std::string_view s, int max) {
  if (s.empty() || s.size() > 3 || !std::all_of(s.begin(), s.end(), IsDigit)) return false;
  if (s.size() > 1 && s[0] == '0') return false;
  int value = 0;
  for (const char c : s) value = value * 10 + (c - '0');
  return value <= max;
}

// Dotted quad, decimal octets without leading zeros, optional /0..32.
bool IsIpv4OrCidr(std::string_view s) {
  const std::size_t slash = s.find('/');
  if (slash != std::string_view::npos && !ParsePrefix(s.substr(slash + 1), 32)) return false;
  const std::string_view address = s.substr(0, slash);
  std::size_t start = 0;
  for (int octet = 0; octet < 4; ++octet) {
    std::size_t end = address.find('.', start);
    if (octet == 3) {
      if (end != std::string_view::npos) return false;
      end = address.size();
    } else if (end == std::string_view::npos) {
      return false;
    }
    const std::string_view part = address.substr(start, end - start);
    if (part.empty() || part.size() > 3 || !std::all_of(part.begin(), part.end(), IsDigit)) {
      return false;
    }
    if (part.size() > 1 && part[0] == '0') return false;
    int value = 0;
    for (const char c : part) value = value * 10 + (c - '0');
    if (value > 255) return false;
    start = end + 1;
  }
  return true;
}

bool IsIpv6OrCidr(std::string_view s) {
  const std::size_t slash = s.find('/');
  if (slash != std::string_view::npos && !ParsePrefix(s.substr(slash + 1), 128)) return false;
  const std::string_view address = s.substr(0, slash);
  if (address.empty() || address.size() > 45) return false;
  std::array<char, 46> text{};
  std::copy(address.begin(), address.end(), text.begin());
  std::array<unsigned char, 16> bytes{};
  return inet_pton(AF_INET6, text.data(), bytes.data()) == 1;
}

// Six lower-case, colon-separated, zero-padded octets (section 6.8).
bool IsMacAddress(std::string_view s) {
  if (s.size() != 17) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (i % 3 == 2) {
      if (s[i] != ':') return false;
    } else if (!IsDigit(s[i]) && !(s[i] >= 'a' && s[i] <= 'f')) {
      return false;
    }
  }
  return true;
}

// An RFC 3986 URI: a scheme, a colon, and no spaces or control characters.
bool IsUrl(std::string_view s) {
  const std::size_t colon = s.find(':');
  if (colon == std::string_view::npos || colon == 0 || !IsAlpha(s[0])) return false;
  const std::string_view scheme = s.substr(0, colon);
  const bool scheme_ok = std::all_of(scheme.begin(), scheme.end(), [](char c) {
    return IsAlpha(c) || IsDigit(c) || c == '+' || c == '-' || c == '.';
  });
  return scheme_ok && colon + 1 < s.size() && !HasControlOrSpace(s);
}

bool IsEmailAddress(std::string_view s) {
  const std::size_t at = s.rfind('@');
  return at != std::string_view::npos && at != 0 && at + 1 < s.size() && !HasControlOrSpace(s);
}

// Granular-marking selectors (section 7.2.3.1): a property name, then `.name` or `.[index]`.
bool IsSelector(std::string_view s) {
  if (s == "id") return true;
  const auto is_name_char = [](char c) { return IsAlpha(c) || IsDigit(c) || c == '_' || c == '-'; };
  std::size_t start = 0;
  bool first = true;
  while (true) {
    const std::size_t end = std::min(s.find('.', start), s.size());
    const std::string_view part = s.substr(start, end - start);
    const bool index = !first && part.size() >= 3 && part.front() == '[' && part.back() == ']' &&
                       std::all_of(part.begin() + 1, part.end() - 1, IsDigit);
    if (!index) {
      if (part.size() < (first ? 3U : 1U) || part.size() > 250) return false;
      if (!std::all_of(part.begin(), part.end(), is_name_char)) return false;
    }
    if (end == s.size()) return true;
    start = end + 1;
    first = false;
  }
}

bool EqualsIgnoringAsciiCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

// --- Type catalogue -----------------------------------------------------------------------------

enum class Kind {
  kString,  // any string
  kBool,
  kInteger,  // min..max
  kNumber,   // min..max, integer or float
  kTimestamp,
  kStringList,  // non-empty list of strings
  kRef,         // identifier of one of ref_types (any type when empty)
  kRefList,     // non-empty list of such identifiers
  kKillChain,   // non-empty list of kill-chain phases
  kHashes,
  kDictionary,  // non-empty object
  kObjectList,  // non-empty list of objects
};

struct Property {
  std::string_view name;
  Kind kind = Kind::kString;
  bool required = false;
  std::int64_t min = 0;
  std::int64_t max = 0;
  std::span<const std::string_view> ref_types = {};
};

constexpr std::int64_t kMaxInt = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t kMaxCount = 999'999'999;

constexpr std::string_view kIdentity[] = {"identity"};
constexpr std::string_view kMarking[] = {"marking-definition"};
constexpr std::string_view kSoftware[] = {"software"};
constexpr std::string_view kSampleTypes[] = {"file", "artifact"};
constexpr std::string_view kAnalysisSample[] = {"file", "network-traffic", "artifact"};
constexpr std::string_view kObservedData[] = {"observed-data"};
constexpr std::string_view kSightedAt[] = {"identity", "location"};
constexpr std::string_view kArtifact[] = {"artifact"};
constexpr std::string_view kFileOrDirectory[] = {"file", "directory"};
constexpr std::string_view kDirectory[] = {"directory"};
constexpr std::string_view kResolvesToName[] = {"ipv4-addr", "ipv6-addr", "domain-name"};
constexpr std::string_view kMacAddr[] = {"mac-addr"};
constexpr std::string_view kAutonomousSystem[] = {"autonomous-system"};
constexpr std::string_view kUserAccount[] = {"user-account"};
constexpr std::string_view kEmailAddr[] = {"email-addr"};
constexpr std::string_view kEndpoint[] = {"ipv4-addr", "ipv6-addr", "mac-addr", "domain-name"};
constexpr std::string_view kNetworkTraffic[] = {"network-traffic"};
constexpr std::string_view kFile[] = {"file"};
constexpr std::string_view kProcess[] = {"process"};

// Properties of the common sets (section 3.2 and 6.1); the typed ones are checked in code.
constexpr Property kDomainCommon[] = {
    {.name = "created_by_ref", .kind = Kind::kRef, .ref_types = kIdentity},
    {.name = "revoked", .kind = Kind::kBool},
    {.name = "labels", .kind = Kind::kStringList},
    {.name = "confidence", .kind = Kind::kInteger, .min = 0, .max = 100},
    {.name = "object_marking_refs", .kind = Kind::kRefList, .ref_types = kMarking},
};
constexpr Property kMarkingCommon[] = {
    {.name = "created_by_ref", .kind = Kind::kRef, .ref_types = kIdentity},
    {.name = "object_marking_refs", .kind = Kind::kRefList, .ref_types = kMarking},
    {.name = "name", .kind = Kind::kString},
    {.name = "definition_type", .kind = Kind::kString},
    {.name = "definition", .kind = Kind::kDictionary},
};
constexpr Property kObservableCommon[] = {
    {.name = "object_marking_refs", .kind = Kind::kRefList, .ref_types = kMarking},
    {.name = "defanged", .kind = Kind::kBool},
};

// SDOs (section 4).
constexpr Property kAttackPattern[] = {
    {.name = "name", .required = true},
    {.name = "description"},
    {.name = "aliases", .kind = Kind::kStringList},
    {.name = "kill_chain_phases", .kind = Kind::kKillChain},
};
constexpr Property kCampaign[] = {
    {.name = "name", .required = true},
    {.name = "description"},
    {.name = "aliases", .kind = Kind::kStringList},
    {.name = "first_seen", .kind = Kind::kTimestamp},
    {.name = "last_seen", .kind = Kind::kTimestamp},
    {.name = "objective"},
};
constexpr Property kNamed[] = {
    {.name = "name", .required = true},
    {.name = "description"},
};
constexpr Property kGrouping[] = {
    {.name = "name"},
    {.name = "description"},
    {.name = "context", .required = true},
    {.name = "object_refs", .kind = Kind::kRefList, .required = true},
};
constexpr Property kIdentityProps[] = {
    {.name = "name", .required = true},
    {.name = "description"},
    {.name = "roles", .kind = Kind::kStringList},
    {.name = "identity_class"},
    {.name = "sectors", .kind = Kind::kStringList},
    {.name = "contact_information"},
};
constexpr Property kIncident[] = {
    {.name = "name", .required = true},
    {.name = "description"},
    {.name = "kill_chain_phases", .kind = Kind::kKillChain},
};
constexpr Property kIndicator[] = {
    {.name = "name"},
    {.name = "description"},
    {.name = "indicator_types", .kind = Kind::kStringList},
    {.name = "pattern", .required = true},
    {.name = "pattern_type", .required = true},
    {.name = "pattern_version"},
    {.name = "valid_from", .kind = Kind::kTimestamp, .required = true},
    {.name = "valid_until", .kind = Kind::kTimestamp},
    {.name = "kill_chain_phases", .kind = Kind::kKillChain},
};
constexpr Property kInfrastructure[] = {
    {.name = "name", .required = true},
    {.name = "description"},
    {.name = "infrastructure_types", .kind = Kind::kStringList},
    {.name = "aliases", .kind = Kind::kStringList},
    {.name = "kill_chain_phases", .kind = Kind::kKillChain},
    {.name = "first_seen", .kind = Kind::kTimestamp},
    {.name = "last_seen", .kind = Kind::kTimestamp},
};
constexpr Property kIntrusionSet[] = {
    {.name = "name", .required = true},
    {.name = "description"},
    {.name = "aliases", .kind = Kind::kStringList},
    {.name = "first_seen", .kind = Kind::kTimestamp},
    {.name = "last_seen", .kind = Kind::kTimestamp},
    {.name = "goals", .kind = Kind::kStringList},
    {.name = "resource_level"},
    {.name = "primary_motivation"},
    {.name = "secondary_motivations", .kind = Kind::kStringList},
};
constexpr Property kLocation[] = {
    {.name = "name"},
    {.name = "description"},
    {.name = "latitude", .kind = Kind::kNumber, .min = -90, .max = 90},
    {.name = "longitude", .kind = Kind::kNumber, .min = -180, .max = 180},
    {.name = "precision", .kind = Kind::kNumber, .min = 0, .max = kMaxInt},
    {.name = "region"},
    {.name = "country"},
    {.name = "administrative_area"},
    {.name = "city"},
    {.name = "street_address"},
    {.name = "postal_code"},
};
constexpr Property kMalware[] = {
    {.name = "name"},
    {.name = "description"},
    {.name = "malware_types", .kind = Kind::kStringList},
    {.name = "is_family", .kind = Kind::kBool, .required = true},
    {.name = "aliases", .kind = Kind::kStringList},
    {.name = "kill_chain_phases", .kind = Kind::kKillChain},
    {.name = "first_seen", .kind = Kind::kTimestamp},
    {.name = "last_seen", .kind = Kind::kTimestamp},
    {.name = "operating_system_refs", .kind = Kind::kRefList, .ref_types = kSoftware},
    {.name = "architecture_execution_envs", .kind = Kind::kStringList},
    {.name = "implementation_languages", .kind = Kind::kStringList},
    {.name = "capabilities", .kind = Kind::kStringList},
    {.name = "sample_refs", .kind = Kind::kRefList, .ref_types = kSampleTypes},
};
constexpr Property kMalwareAnalysis[] = {
    {.name = "product", .required = true},
    {.name = "version"},
    {.name = "host_vm_ref", .kind = Kind::kRef, .ref_types = kSoftware},
    {.name = "operating_system_ref", .kind = Kind::kRef, .ref_types = kSoftware},
    {.name = "installed_software_refs", .kind = Kind::kRefList, .ref_types = kSoftware},
    {.name = "configuration_version"},
    {.name = "modules", .kind = Kind::kStringList},
    {.name = "analysis_engine_version"},
    {.name = "analysis_definition_version"},
    {.name = "submitted", .kind = Kind::kTimestamp},
    {.name = "analysis_started", .kind = Kind::kTimestamp},
    {.name = "analysis_ended", .kind = Kind::kTimestamp},
    {.name = "result_name"},
    {.name = "result"},
    {.name = "analysis_sco_refs", .kind = Kind::kRefList},
    {.name = "sample_ref", .kind = Kind::kRef, .ref_types = kAnalysisSample},
};
constexpr Property kNote[] = {
    {.name = "abstract"},
    {.name = "content", .required = true},
    {.name = "authors", .kind = Kind::kStringList},
    {.name = "object_refs", .kind = Kind::kRefList, .required = true},
};
constexpr Property kObservedDataProps[] = {
    {.name = "first_observed", .kind = Kind::kTimestamp, .required = true},
    {.name = "last_observed", .kind = Kind::kTimestamp, .required = true},
    {.name = "number_observed",
     .kind = Kind::kInteger,
     .required = true,
     .min = 1,
     .max = kMaxCount},
    {.name = "objects", .kind = Kind::kDictionary},
    {.name = "object_refs", .kind = Kind::kRefList},
};
constexpr Property kOpinion[] = {
    {.name = "explanation"},
    {.name = "authors", .kind = Kind::kStringList},
    {.name = "opinion", .required = true},
    {.name = "object_refs", .kind = Kind::kRefList, .required = true},
};
constexpr Property kReport[] = {
    {.name = "name", .required = true},
    {.name = "description"},
    {.name = "report_types", .kind = Kind::kStringList},
    {.name = "published", .kind = Kind::kTimestamp, .required = true},
    {.name = "object_refs", .kind = Kind::kRefList, .required = true},
};
constexpr Property kThreatActor[] = {
    {.name = "name", .required = true},
    {.name = "description"},
    {.name = "threat_actor_types", .kind = Kind::kStringList},
    {.name = "aliases", .kind = Kind::kStringList},
    {.name = "first_seen", .kind = Kind::kTimestamp},
    {.name = "last_seen", .kind = Kind::kTimestamp},
    {.name = "roles", .kind = Kind::kStringList},
    {.name = "goals", .kind = Kind::kStringList},
    {.name = "sophistication"},
    {.name = "resource_level"},
    {.name = "primary_motivation"},
    {.name = "secondary_motivations", .kind = Kind::kStringList},
    {.name = "personal_motivations", .kind = Kind::kStringList},
};
constexpr Property kTool[] = {
    {.name = "name", .required = true},
    {.name = "description"},
    {.name = "tool_types", .kind = Kind::kStringList},
    {.name = "aliases", .kind = Kind::kStringList},
    {.name = "kill_chain_phases", .kind = Kind::kKillChain},
    {.name = "tool_version"},
};

// SROs (section 5).
constexpr Property kRelationship[] = {
    {.name = "relationship_type", .required = true},
    {.name = "description"},
    {.name = "source_ref", .kind = Kind::kRef, .required = true},
    {.name = "target_ref", .kind = Kind::kRef, .required = true},
    {.name = "start_time", .kind = Kind::kTimestamp},
    {.name = "stop_time", .kind = Kind::kTimestamp},
};
constexpr Property kSighting[] = {
    {.name = "description"},
    {.name = "first_seen", .kind = Kind::kTimestamp},
    {.name = "last_seen", .kind = Kind::kTimestamp},
    {.name = "count", .kind = Kind::kInteger, .min = 0, .max = kMaxCount},
    {.name = "sighting_of_ref", .kind = Kind::kRef, .required = true},
    {.name = "observed_data_refs", .kind = Kind::kRefList, .ref_types = kObservedData},
    {.name = "where_sighted_refs", .kind = Kind::kRefList, .ref_types = kSightedAt},
    {.name = "summary", .kind = Kind::kBool},
};

// SCOs (section 6).
constexpr Property kArtifactProps[] = {
    {.name = "mime_type"},
    {.name = "url"},
    {.name = "hashes", .kind = Kind::kHashes},
    {.name = "encryption_algorithm"},
    {.name = "decryption_key"},
};
constexpr Property kAutonomousSystemProps[] = {
    {.name = "number", .kind = Kind::kInteger, .required = true, .min = 0, .max = 4294967295},
    {.name = "name"},
    {.name = "rir"},
};
constexpr Property kDirectoryProps[] = {
    {.name = "path", .required = true},
    {.name = "path_enc"},
    {.name = "ctime", .kind = Kind::kTimestamp},
    {.name = "mtime", .kind = Kind::kTimestamp},
    {.name = "atime", .kind = Kind::kTimestamp},
    {.name = "contains_refs", .kind = Kind::kRefList, .ref_types = kFileOrDirectory},
};
constexpr Property kDomainName[] = {
    {.name = "value", .required = true},
    {.name = "resolves_to_refs", .kind = Kind::kRefList, .ref_types = kResolvesToName},
};
constexpr Property kEmailAddrProps[] = {
    {.name = "value", .required = true},
    {.name = "display_name"},
    {.name = "belongs_to_ref", .kind = Kind::kRef, .ref_types = kUserAccount},
};
constexpr Property kEmailMessage[] = {
    {.name = "is_multipart", .kind = Kind::kBool, .required = true},
    {.name = "date", .kind = Kind::kTimestamp},
    {.name = "content_type"},
    {.name = "from_ref", .kind = Kind::kRef, .ref_types = kEmailAddr},
    {.name = "sender_ref", .kind = Kind::kRef, .ref_types = kEmailAddr},
    {.name = "to_refs", .kind = Kind::kRefList, .ref_types = kEmailAddr},
    {.name = "cc_refs", .kind = Kind::kRefList, .ref_types = kEmailAddr},
    {.name = "bcc_refs", .kind = Kind::kRefList, .ref_types = kEmailAddr},
    {.name = "message_id"},
    {.name = "subject"},
    {.name = "received_lines", .kind = Kind::kStringList},
    {.name = "additional_header_fields", .kind = Kind::kDictionary},
    {.name = "body"},
    {.name = "body_multipart", .kind = Kind::kObjectList},
    {.name = "raw_email_ref", .kind = Kind::kRef, .ref_types = kArtifact},
};
constexpr Property kFileProps[] = {
    {.name = "hashes", .kind = Kind::kHashes},
    {.name = "size", .kind = Kind::kInteger, .min = 0, .max = kMaxInt},
    {.name = "name"},
    {.name = "name_enc"},
    {.name = "mime_type"},
    {.name = "ctime", .kind = Kind::kTimestamp},
    {.name = "mtime", .kind = Kind::kTimestamp},
    {.name = "atime", .kind = Kind::kTimestamp},
    {.name = "parent_directory_ref", .kind = Kind::kRef, .ref_types = kDirectory},
    {.name = "contains_refs", .kind = Kind::kRefList},
    {.name = "content_ref", .kind = Kind::kRef, .ref_types = kArtifact},
};
constexpr Property kIpv4Addr[] = {
    {.name = "value", .required = true},
    {.name = "resolves_to_refs", .kind = Kind::kRefList, .ref_types = kMacAddr},
    {.name = "belongs_to_refs", .kind = Kind::kRefList, .ref_types = kAutonomousSystem},
};
constexpr Property kMacAddrProps[] = {
    {.name = "value", .required = true},
};
constexpr Property kMutex[] = {
    {.name = "name", .required = true},
};
constexpr Property kNetworkTrafficProps[] = {
    {.name = "start", .kind = Kind::kTimestamp},
    {.name = "end", .kind = Kind::kTimestamp},
    {.name = "is_active", .kind = Kind::kBool},
    {.name = "src_ref", .kind = Kind::kRef, .ref_types = kEndpoint},
    {.name = "dst_ref", .kind = Kind::kRef, .ref_types = kEndpoint},
    {.name = "src_port", .kind = Kind::kInteger, .min = 0, .max = 65535},
    {.name = "dst_port", .kind = Kind::kInteger, .min = 0, .max = 65535},
    {.name = "protocols", .kind = Kind::kStringList, .required = true},
    {.name = "src_byte_count", .kind = Kind::kInteger, .min = 0, .max = kMaxInt},
    {.name = "dst_byte_count", .kind = Kind::kInteger, .min = 0, .max = kMaxInt},
    {.name = "src_packets", .kind = Kind::kInteger, .min = 0, .max = kMaxInt},
    {.name = "dst_packets", .kind = Kind::kInteger, .min = 0, .max = kMaxInt},
    {.name = "ipfix", .kind = Kind::kDictionary},
    {.name = "src_payload_ref", .kind = Kind::kRef, .ref_types = kArtifact},
    {.name = "dst_payload_ref", .kind = Kind::kRef, .ref_types = kArtifact},
    {.name = "encapsulates_refs", .kind = Kind::kRefList, .ref_types = kNetworkTraffic},
    {.name = "encapsulated_by_ref", .kind = Kind::kRef, .ref_types = kNetworkTraffic},
};
constexpr Property kProcessProps[] = {
    {.name = "is_hidden", .kind = Kind::kBool},
    {.name = "pid", .kind = Kind::kInteger, .min = 0, .max = kMaxInt},
    {.name = "created_time", .kind = Kind::kTimestamp},
    {.name = "cwd"},
    {.name = "command_line"},
    {.name = "environment_variables", .kind = Kind::kDictionary},
    {.name = "opened_connection_refs", .kind = Kind::kRefList, .ref_types = kNetworkTraffic},
    {.name = "creator_user_ref", .kind = Kind::kRef, .ref_types = kUserAccount},
    {.name = "image_ref", .kind = Kind::kRef, .ref_types = kFile},
    {.name = "parent_ref", .kind = Kind::kRef, .ref_types = kProcess},
    {.name = "child_refs", .kind = Kind::kRefList, .ref_types = kProcess},
};
constexpr Property kSoftwareProps[] = {
    {.name = "name", .required = true},
    {.name = "cpe"},
    {.name = "swid"},
    {.name = "languages", .kind = Kind::kStringList},
    {.name = "vendor"},
    {.name = "version"},
};
constexpr Property kUrl[] = {
    {.name = "value", .required = true},
};
constexpr Property kUserAccountProps[] = {
    {.name = "user_id"},
    {.name = "credential"},
    {.name = "account_login"},
    {.name = "account_type"},
    {.name = "display_name"},
    {.name = "is_service_account", .kind = Kind::kBool},
    {.name = "is_privileged", .kind = Kind::kBool},
    {.name = "can_escalate_privs", .kind = Kind::kBool},
    {.name = "is_disabled", .kind = Kind::kBool},
    {.name = "account_created", .kind = Kind::kTimestamp},
    {.name = "account_expires", .kind = Kind::kTimestamp},
    {.name = "credential_last_changed", .kind = Kind::kTimestamp},
    {.name = "account_first_login", .kind = Kind::kTimestamp},
    {.name = "account_last_login", .kind = Kind::kTimestamp},
};
constexpr Property kRegistryKey[] = {
    {.name = "key"},
    {.name = "values", .kind = Kind::kObjectList},
    {.name = "modified_time", .kind = Kind::kTimestamp},
    {.name = "creator_user_ref", .kind = Kind::kRef, .ref_types = kUserAccount},
    {.name = "number_of_subkeys", .kind = Kind::kInteger, .min = 0, .max = kMaxInt},
};
constexpr Property kX509Certificate[] = {
    {.name = "is_self_signed", .kind = Kind::kBool},
    {.name = "hashes", .kind = Kind::kHashes},
    {.name = "version"},
    {.name = "serial_number"},
    {.name = "signature_algorithm"},
    {.name = "issuer"},
    {.name = "validity_not_before", .kind = Kind::kTimestamp},
    {.name = "validity_not_after", .kind = Kind::kTimestamp},
    {.name = "subject"},
    {.name = "subject_public_key_algorithm"},
    {.name = "subject_public_key_modulus"},
    {.name = "subject_public_key_exponent", .kind = Kind::kInteger, .min = 0, .max = kMaxInt},
    {.name = "x509_v3_extensions", .kind = Kind::kDictionary},
};

// Meta objects (section 7).
constexpr Property kExtensionDefinitionProps[] = {
    {.name = "name", .required = true},
    {.name = "description"},
    {.name = "schema", .required = true},
    {.name = "version", .required = true},
    {.name = "extension_types", .kind = Kind::kStringList, .required = true},
    {.name = "extension_properties", .kind = Kind::kStringList},
};
constexpr Property kLanguageContentProps[] = {
    {.name = "object_ref", .kind = Kind::kRef, .required = true},
    {.name = "object_modified", .kind = Kind::kTimestamp},
    {.name = "contents", .kind = Kind::kDictionary, .required = true},
};

// Facts the checks read out of the object on the way.
struct Facts {
  std::optional<StixTimestamp> created;
  std::optional<StixTimestamp> modified;
  std::optional<Pattern> pattern;
};

using Rule = Problem (*)(const json::object&, const Path&, Facts&);

struct TypeSpec {
  std::string_view type;
  StixCategory category = StixCategory::kDomainObject;
  std::span<const Property> properties;
  Rule rule = nullptr;
};

// --- Property checks ----------------------------------------------------------------------------

std::optional<StixTimestamp> TimestampOf(const json::object& object, std::string_view name) {
  const json::value* value = object.if_contains(name);
  if (value == nullptr || !value->is_string()) return std::nullopt;
  return ParseStixTimestamp(value->get_string());
}

Problem CheckRef(const json::value& value,
                 const Path& path,
                 std::span<const std::string_view> types) {
  if (!value.is_string() || !IsStixIdentifier(value.get_string())) {
    return Fail(path, "must be a STIX identifier (<type>--<UUID>)");
  }
  if (types.empty()) return std::nullopt;
  const std::string_view type = IdentifierType(value.get_string());
  if (std::find(types.begin(), types.end(), type) != types.end()) return std::nullopt;
  std::string allowed;
  for (const auto& t : types) allowed += fmt::format("{}{}", allowed.empty() ? "" : ", ", t);
  return Fail(path, fmt::format("must refer to an object of type {}", allowed));
}

Problem CheckNonEmptyList(const json::value& value, const Path& path) {
  if (!value.is_array()) return Fail(path, "must be a list");
  if (value.get_array().empty()) return Fail(path, "must not be an empty list");
  return std::nullopt;
}

Problem CheckKillChain(const json::value& value, const Path& path) {
  if (auto problem = CheckNonEmptyList(value, path)) return problem;
  const auto& list = value.get_array();
  for (std::size_t i = 0; i < list.size(); ++i) {
    const Path item = path.Index(i);
    if (!list[i].is_object()) return Fail(item, "must be a kill-chain phase object");
    for (const std::string_view name : {"kill_chain_name", "phase_name"}) {
      const json::value* part = list[i].get_object().if_contains(name);
      if (part == nullptr) return Fail(item.Key(name), "is required");
      if (!part->is_string() || part->get_string().empty()) {
        return Fail(item.Key(name), "must be a non-empty string");
      }
    }
  }
  return std::nullopt;
}

struct HashAlgorithm {
  std::string_view name;
  std::size_t length;
};
constexpr HashAlgorithm kHexHashes[] = {
    {"MD5", 32},      {"SHA-1", 40},    {"SHA-256", 64},
    {"SHA-512", 128}, {"SHA3-256", 64}, {"SHA3-512", 128},
};

// hashes (section 2.7): the hash-algorithm-ov names with their digest formats; other names are
// custom algorithms, 3 to 250 of [a-zA-Z0-9_-], with any non-empty value.
Problem CheckHashes(const json::value& value, const Path& path) {
  if (!value.is_object()) return Fail(path, "must be a dictionary of hashes");
  if (value.get_object().empty()) return Fail(path, "must not be empty");
  for (const auto& entry : value.get_object()) {
    const std::string_view name = entry.key();
    const Path item = path.Key(name);
    if (!entry.value().is_string()) return Fail(item, "must be a string");
    const std::string_view digest = entry.value().get_string();
    const auto known = std::find_if(std::begin(kHexHashes), std::end(kHexHashes),
                                    [&](const HashAlgorithm& h) { return h.name == name; });
    if (known != std::end(kHexHashes)) {
      if (digest.size() != known->length || !IsHex(digest)) {
        return Fail(item, fmt::format("must be {} hex digits", known->length));
      }
    } else if (name == "SSDEEP") {
      const bool ok =
          !digest.empty() && digest.size() <= 128 &&
          std::all_of(digest.begin(), digest.end(), [](char c) {
            return IsAlpha(c) || IsDigit(c) || c == '/' || c == '+' || c == ':' || c == '.';
          });
      if (!ok) return Fail(item, "must be an ssdeep digest");
    } else if (name == "TLSH") {
      const bool ok =
          (digest.size() == 70 && IsHex(digest)) ||
          (digest.size() == 72 && digest.substr(0, 2) == "T1" && IsHex(digest.substr(2)));
      if (!ok) return Fail(item, "must be a TLSH digest (70 hex digits, or T1 and 70)");
    } else {
      const bool name_ok = name.size() >= 3 && name.size() <= 250 &&
                           std::all_of(name.begin(), name.end(), [](char c) {
                             return IsAlpha(c) || IsDigit(c) || c == '_' || c == '-';
                           });
      if (!name_ok) return Fail(item, "is not a hash algorithm name");
      if (digest.empty()) return Fail(item, "must not be empty");
    }
  }
  return std::nullopt;
}

Problem CheckProperty(const json::value& value, const Path& path, const Property& property) {
  switch (property.kind) {
    case Kind::kString:
      if (!value.is_string()) return Fail(path, "must be a string");
      return std::nullopt;
    case Kind::kBool:
      if (!value.is_bool()) return Fail(path, "must be true or false");
      return std::nullopt;
    case Kind::kInteger: {
      const bool in_range = (value.is_int64() && value.get_int64() >= property.min &&
                             value.get_int64() <= property.max) ||
                            (value.is_uint64() && property.max >= 0 &&
                             value.get_uint64() <= static_cast<std::uint64_t>(property.max));
      if (!in_range) {
        return Fail(path,
                    fmt::format("must be an integer from {} to {}", property.min, property.max));
      }
      return std::nullopt;
    }
    case Kind::kNumber: {
      if (!value.is_number()) return Fail(path, "must be a number");
      const double number = value.is_double()  ? value.get_double()
                            : value.is_int64() ? static_cast<double>(value.get_int64())
                                               : static_cast<double>(value.get_uint64());
      if (number < static_cast<double>(property.min) ||
          number > static_cast<double>(property.max)) {
        return Fail(path, fmt::format("must be from {} to {}", property.min, property.max));
      }
      return std::nullopt;
    }
    case Kind::kTimestamp:
      if (!value.is_string() || !ParseStixTimestamp(value.get_string())) {
        return Fail(path, "must be a timestamp YYYY-MM-DDTHH:MM:SS[.s]Z");
      }
      return std::nullopt;
    case Kind::kStringList: {
      if (auto problem = CheckNonEmptyList(value, path)) return problem;
      const auto& list = value.get_array();
      for (std::size_t i = 0; i < list.size(); ++i) {
        if (!list[i].is_string()) return Fail(path.Index(i), "must be a string");
      }
      return std::nullopt;
    }
    case Kind::kRef:
      return CheckRef(value, path, property.ref_types);
    case Kind::kRefList: {
      if (auto problem = CheckNonEmptyList(value, path)) return problem;
      const auto& list = value.get_array();
      for (std::size_t i = 0; i < list.size(); ++i) {
        if (auto problem = CheckRef(list[i], path.Index(i), property.ref_types)) return problem;
      }
      return std::nullopt;
    }
    case Kind::kKillChain:
      return CheckKillChain(value, path);
    case Kind::kHashes:
      return CheckHashes(value, path);
    case Kind::kDictionary:
      if (!value.is_object()) return Fail(path, "must be a dictionary");
      if (value.get_object().empty()) return Fail(path, "must not be empty");
      return std::nullopt;
    case Kind::kObjectList: {
      if (auto problem = CheckNonEmptyList(value, path)) return problem;
      const auto& list = value.get_array();
      for (std::size_t i = 0; i < list.size(); ++i) {
        if (!list[i].is_object()) return Fail(path.Index(i), "must be an object");
      }
      return std::nullopt;
    }
  }
  return std::nullopt;
}

// A top-level property the type does not define: its name, no empty list, and the reserved
// suffixes (section 3.1).
// Custom x_ properties are the producer's: only their names and lists are checked (ATT&CK, for
// one, writes an empty x_mitre_data_source_ref).
Problem CheckPropertyName(std::string_view name, const json::value& value, const Path& root) {
  if (!IsPropertyName(name)) {
    if (name.size() > 250) return Fail(root, "a property name is longer than 250 characters");
    return Fail(root.Key(name), "is not a valid property name (3 to 250 of a-z, A-Z, 0-9 and _)");
  }
  if (name == "severity" || name == "action" || name == "username" || name == "phone_numbers") {
    return Fail(root.Key(name), "is a reserved property name");
  }
  const Path path = root.Key(name);
  if (value.is_array() && value.get_array().empty()) return Fail(path, "must not be an empty list");
  if (name.substr(0, 2) == "x_") return std::nullopt;
  if (EndsWith(name, "_ref")) return CheckRef(value, path, {});
  if (EndsWith(name, "_refs")) {
    const Property any_refs{.name = name, .kind = Kind::kRefList};
    return CheckProperty(value, path, any_refs);
  }
  if (EndsWith(name, "_hex")) {
    if (!value.is_string() || value.get_string().size() % 2 != 0 || !IsHex(value.get_string())) {
      return Fail(path, "must be an even number of hex digits");
    }
  } else if (EndsWith(name, "_bin")) {
    if (!value.is_string() || !IsBase64(value.get_string())) return Fail(path, "must be base64");
  }
  return std::nullopt;
}

constexpr std::string_view kExtensionTypes[] = {
    "new-sdo", "new-sco", "new-sro", "property-extension", "toplevel-property-extension"};

bool IsExtensionType(std::string_view value) {
  return std::find(std::begin(kExtensionTypes), std::end(kExtensionTypes), value) !=
         std::end(kExtensionTypes);
}

// extensions (section 7.3): keyed by an extension-definition id or a predefined `...-ext` name.
Problem CheckExtensions(const json::value& value, const Path& path) {
  if (!value.is_object()) return Fail(path, "must be a dictionary of extensions");
  if (value.get_object().empty()) return Fail(path, "must not be empty");
  for (const auto& entry : value.get_object()) {
    const std::string_view name = entry.key();
    const bool by_definition = IsStixIdentifier(name, "extension-definition");
    if (!by_definition && name.size() > 250) {
      return Fail(path, "an extension name is longer than 250 characters");
    }
    const Path item = path.Key(name);
    if (!by_definition && !(EndsWith(name, "-ext") && IsStixType(name))) {
      return Fail(item, "must be keyed by an extension-definition id or a name ending in -ext");
    }
    if (!entry.value().is_object() || entry.value().get_object().empty()) {
      return Fail(item, "must be a non-empty object");
    }
    if (const json::value* type = entry.value().get_object().if_contains("extension_type")) {
      if (!type->is_string() || !IsExtensionType(type->get_string())) {
        return Fail(item.Key("extension_type"), "is not an extension type");
      }
    }
  }
  return std::nullopt;
}

Problem CheckExternalReferences(const json::value& value, const Path& path) {
  if (auto problem = CheckNonEmptyList(value, path)) return problem;
  const auto& list = value.get_array();
  for (std::size_t i = 0; i < list.size(); ++i) {
    const Path item = path.Index(i);
    if (!list[i].is_object()) return Fail(item, "must be an external-reference object");
    const auto& reference = list[i].get_object();
    const json::value* source = reference.if_contains("source_name");
    if (source == nullptr) return Fail(item.Key("source_name"), "is required");
    if (!source->is_string() || source->get_string().empty()) {
      return Fail(item.Key("source_name"), "must be a non-empty string");
    }
    bool has_detail = false;
    for (const std::string_view name : {"description", "url", "external_id"}) {
      const json::value* part = reference.if_contains(name);
      if (part == nullptr) continue;
      if (!part->is_string()) return Fail(item.Key(name), "must be a string");
      has_detail = true;
    }
    if (!has_detail) return Fail(item, "needs a description, url or external_id");
    if (const json::value* hashes = reference.if_contains("hashes")) {
      if (auto problem = CheckHashes(*hashes, item.Key("hashes"))) return problem;
    }
    const std::string_view source_name = source->get_string();
    const json::value* external_id = reference.if_contains("external_id");
    const std::string_view id =
        external_id != nullptr ? std::string_view(external_id->get_string()) : std::string_view();
    if (source_name == "cve" || source_name == "capec") {
      const std::string_view prefix = source_name == "cve" ? "CVE-" : "CAPEC-";
      const std::string_view rest = id.substr(std::min(id.size(), prefix.size()));
      bool ok = id.substr(0, prefix.size()) == prefix && !rest.empty();
      if (ok && source_name == "cve") {
        ok = rest.size() >= 9 && rest[4] == '-' &&
             std::all_of(rest.begin(), rest.begin() + 4, IsDigit) &&
             std::all_of(rest.begin() + 5, rest.end(), IsDigit);
      } else if (ok) {
        ok = std::all_of(rest.begin(), rest.end(), IsDigit);
      }
      if (!ok) {
        return Fail(item.Key("external_id"), source_name == "cve"
                                                 ? "must be a CVE id (CVE-YYYY-NNNN...)"
                                                 : "must be a CAPEC id (CAPEC-N)");
      }
    }
  }
  return std::nullopt;
}

Problem CheckGranularMarkings(const json::value& value, const Path& path) {
  if (auto problem = CheckNonEmptyList(value, path)) return problem;
  const auto& list = value.get_array();
  for (std::size_t i = 0; i < list.size(); ++i) {
    const Path item = path.Index(i);
    if (!list[i].is_object()) return Fail(item, "must be a granular-marking object");
    const auto& marking = list[i].get_object();
    const json::value* selectors = marking.if_contains("selectors");
    if (selectors == nullptr) return Fail(item.Key("selectors"), "is required");
    if (auto problem = CheckNonEmptyList(*selectors, item.Key("selectors"))) return problem;
    const auto& selector_list = selectors->get_array();
    for (std::size_t s = 0; s < selector_list.size(); ++s) {
      if (!selector_list[s].is_string() || !IsSelector(selector_list[s].get_string())) {
        return Fail(item.Key("selectors").Index(s), "is not a selector");
      }
    }
    const json::value* marking_ref = marking.if_contains("marking_ref");
    const json::value* lang = marking.if_contains("lang");
    if ((marking_ref == nullptr) == (lang == nullptr)) {
      return Fail(item, "needs exactly one of marking_ref and lang");
    }
    if (marking_ref != nullptr) {
      if (auto problem = CheckRef(*marking_ref, item.Key("marking_ref"), kMarking)) return problem;
    } else if (!lang->is_string() || !IsLanguageTag(lang->get_string())) {
      return Fail(item.Key("lang"), "must be a language tag (RFC 5646)");
    }
  }
  return std::nullopt;
}

// How a property of the common sets (sections 3.2, 6.1, 7.1, 7.2, 7.3) that is not a plain
// Property is checked.
enum class Special : std::uint8_t {
  kNone,  // a Property, checked by its kind
  kSkip,  // type and id, checked before
  kSpecVersion,
  kCreated,
  kModified,
  kLang,
  kExternalReferences,
  kGranularMarkings,
  kExtensions,
};

struct Slot {
  const Property* property = nullptr;  // kNone only
  Special special = Special::kNone;
  int required_bit = -1;  // index in Schema::required
};

Problem CheckSlot(const Slot& slot,
                  std::string_view name,
                  const json::value& value,
                  const Path& root,
                  Facts& facts) {
  const Path path = root.Key(name);
  switch (slot.special) {
    case Special::kNone:
      return CheckProperty(value, path, *slot.property);
    case Special::kSkip:
      return std::nullopt;
    case Special::kSpecVersion:
      if (!value.is_string() || value.get_string() != "2.1") return Fail(path, "must be \"2.1\"");
      return std::nullopt;
    case Special::kCreated:
    case Special::kModified: {
      auto parsed = value.is_string() ? ParseStixTimestamp(value.get_string()) : std::nullopt;
      if (!parsed) return Fail(path, "must be a timestamp YYYY-MM-DDTHH:MM:SS[.s]Z");
      (slot.special == Special::kCreated ? facts.created : facts.modified) = parsed;
      return std::nullopt;
    }
    case Special::kLang:
      if (!value.is_string() || !IsLanguageTag(value.get_string())) {
        return Fail(path, "must be a language tag (RFC 5646)");
      }
      return std::nullopt;
    case Special::kExternalReferences:
      return CheckExternalReferences(value, path);
    case Special::kGranularMarkings:
      return CheckGranularMarkings(value, path);
    case Special::kExtensions:
      return CheckExtensions(value, path);
  }
  return std::nullopt;
}

// --- Rules that tie properties together ---------------------------------------------------------

// `later` must not be before `earlier` (or must be after it, when strict).
Problem CheckOrder(const json::object& object,
                   const Path& root,
                   std::string_view earlier,
                   std::string_view later,
                   bool strict) {
  const auto last = TimestampOf(object, later);
  if (!last) return std::nullopt;
  const auto first = TimestampOf(object, earlier);
  if (!first) return std::nullopt;
  if (strict ? *last <= *first : *last < *first) {
    return Fail(root.Key(later),
                fmt::format("must be {} {}", strict ? "later than" : "at or after", earlier));
  }
  return std::nullopt;
}

Problem SeenOrder(const json::object& object, const Path& root, Facts&) {
  return CheckOrder(object, root, "first_seen", "last_seen", false);
}

Problem IndicatorRule(const json::object& object, const Path& root, Facts& facts) {
  if (auto problem = CheckOrder(object, root, "valid_from", "valid_until", true)) return problem;
  if (object.at("pattern_type").get_string() != "stix") return std::nullopt;
  auto pattern = ParsePattern(object.at("pattern").get_string());
  if (!pattern) {
    return Fail(root.Key("pattern"), "invalid STIX pattern: " + pattern.error().message);
  }
  facts.pattern = std::move(*pattern);
  return std::nullopt;
}

Problem MalwareRule(const json::object& object, const Path& root, Facts& facts) {
  if (object.at("is_family").get_bool() && !object.contains("name")) {
    return Fail(root.Key("name"), "is required when is_family is true");
  }
  return SeenOrder(object, root, facts);
}

Problem LocationRule(const json::object& object, const Path& root, Facts&) {
  const bool latitude = object.contains("latitude");
  const bool longitude = object.contains("longitude");
  if (latitude != longitude) {
    return Fail(root.Key(latitude ? "longitude" : "latitude"),
                "is required with latitude or longitude");
  }
  if (object.contains("precision") && !latitude) {
    return Fail(root.Key("precision"), "needs latitude and longitude");
  }
  if (!latitude && !object.contains("region") && !object.contains("country")) {
    return Fail(root, "needs region, country, or latitude and longitude");
  }
  return std::nullopt;
}

Problem MalwareAnalysisRule(const json::object& object, const Path& root, Facts&) {
  if (!object.contains("result") && !object.contains("analysis_sco_refs")) {
    return Fail(root, "needs result or analysis_sco_refs");
  }
  return std::nullopt;
}

Problem ObservedDataRule(const json::object& object, const Path& root, Facts&) {
  if (auto problem = CheckOrder(object, root, "first_observed", "last_observed", false)) {
    return problem;
  }
  const bool objects = object.contains("objects");
  const bool refs = object.contains("object_refs");
  if (objects == refs) return Fail(root.Key("object_refs"), "is required (and excludes objects)");
  return std::nullopt;
}

constexpr std::string_view kOpinions[] = {"strongly-disagree", "disagree", "neutral", "agree",
                                          "strongly-agree"};

Problem OpinionRule(const json::object& object, const Path& root, Facts&) {
  const std::string_view opinion = object.at("opinion").get_string();
  if (std::find(std::begin(kOpinions), std::end(kOpinions), opinion) == std::end(kOpinions)) {
    return Fail(root.Key("opinion"), "is not in opinion-enum");
  }
  return std::nullopt;
}

StixCategory CategoryOfType(std::string_view type);

// Types a relationship may not connect and a sighting may not be of.
bool IsRelationshipOrMeta(std::string_view type) {
  const StixCategory category = CategoryOfType(type);
  return type == "bundle" || category == StixCategory::kRelationshipObject ||
         category == StixCategory::kMarkingDefinition ||
         category == StixCategory::kExtensionDefinition ||
         category == StixCategory::kLanguageContent;
}

Problem RelationshipRule(const json::object& object, const Path& root, Facts&) {
  const std::string_view type = object.at("relationship_type").get_string();
  const bool type_ok = !type.empty() && type.size() <= 250 &&
                       std::all_of(type.begin(), type.end(),
                                   [](char c) { return IsLower(c) || IsDigit(c) || c == '-'; });
  if (!type_ok) return Fail(root.Key("relationship_type"), "must be a-z, 0-9 and hyphens");
  for (const std::string_view name : {"source_ref", "target_ref"}) {
    if (IsRelationshipOrMeta(IdentifierType(object.at(name).get_string()))) {
      return Fail(root.Key(name), "must refer to an SDO or SCO");
    }
  }
  return CheckOrder(object, root, "start_time", "stop_time", true);
}

Problem SightingRule(const json::object& object, const Path& root, Facts& facts) {
  const std::string_view type = IdentifierType(object.at("sighting_of_ref").get_string());
  if (IsRelationshipOrMeta(type) || CategoryOfType(type) == StixCategory::kCyberObservable) {
    return Fail(root.Key("sighting_of_ref"), "must refer to an SDO");
  }
  return SeenOrder(object, root, facts);
}

// SCOs whose every property is optional must still carry one (sections 6.11, 6.13, 6.15...).
Problem AtLeastOneProperty(const json::object& object, const Path& root, Facts&) {
  for (const auto& entry : object) {
    const std::string_view name = entry.key();
    if (name != "type" && name != "id" && name != "spec_version" && name != "object_marking_refs" &&
        name != "granular_markings" && name != "defanged") {
      return std::nullopt;
    }
  }
  return Fail(root, "needs at least one property of its type or an extension");
}

Problem ArtifactRule(const json::object& object, const Path& root, Facts&) {
  const bool payload = object.contains("payload_bin");
  const bool url = object.contains("url");
  if (payload == url) return Fail(root, "needs exactly one of payload_bin and url");
  if (url && !object.contains("hashes")) return Fail(root.Key("hashes"), "is required with url");
  return std::nullopt;
}

Problem ValueRule(const json::object& object,
                  const Path& root,
                  bool (*valid)(std::string_view),
                  std::string_view what) {
  if (!valid(object.at("value").get_string())) {
    return Fail(root.Key("value"), fmt::format("must be {}", what));
  }
  return std::nullopt;
}

Problem DomainNameRule(const json::object& object, const Path& root, Facts&) {
  return ValueRule(
      object, root, [](std::string_view s) { return !s.empty() && !HasControlOrSpace(s); },
      "a domain name");
}
Problem EmailAddrRule(const json::object& object, const Path& root, Facts&) {
  return ValueRule(object, root, IsEmailAddress, "an email address");
}
Problem Ipv4Rule(const json::object& object, const Path& root, Facts&) {
  return ValueRule(object, root, IsIpv4OrCidr, "an IPv4 address or CIDR block");
}
Problem Ipv6Rule(const json::object& object, const Path& root, Facts&) {
  return ValueRule(object, root, IsIpv6OrCidr, "an IPv6 address or CIDR block");
}
Problem MacAddrRule(const json::object& object, const Path& root, Facts&) {
  return ValueRule(object, root, IsMacAddress, "a lower-case MAC-48 address aa:bb:cc:dd:ee:ff");
}
Problem UrlRule(const json::object& object, const Path& root, Facts&) {
  return ValueRule(object, root, IsUrl, "a URL with a scheme");
}

Problem EmailMessageRule(const json::object& object, const Path& root, Facts&) {
  if (object.at("is_multipart").get_bool()) {
    if (object.contains("body")) return Fail(root.Key("body"), "must be absent when multipart");
  } else if (object.contains("body_multipart")) {
    return Fail(root.Key("body_multipart"), "must be absent when not multipart");
  }
  return std::nullopt;
}

Problem FileRule(const json::object& object, const Path& root, Facts&) {
  if (!object.contains("hashes") && !object.contains("name")) {
    return Fail(root, "needs hashes or name");
  }
  return std::nullopt;
}

Problem NetworkTrafficRule(const json::object& object, const Path& root, Facts&) {
  if (!object.contains("src_ref") && !object.contains("dst_ref")) {
    return Fail(root, "needs src_ref or dst_ref");
  }
  const json::value* active = object.if_contains("is_active");
  if (active != nullptr && active->get_bool() && object.contains("end")) {
    return Fail(root.Key("end"), "must be absent when is_active is true");
  }
  return CheckOrder(object, root, "start", "end", false);
}

Problem ExtensionDefinitionRule(const json::object& object, const Path& root, Facts&) {
  if (!object.contains("created_by_ref")) return Fail(root.Key("created_by_ref"), "is required");
  const auto& types = object.at("extension_types").get_array();
  bool toplevel = false;
  for (std::size_t i = 0; i < types.size(); ++i) {
    if (!IsExtensionType(types[i].get_string())) {
      return Fail(root.Key("extension_types").Index(i), "is not an extension type");
    }
    toplevel = toplevel || types[i].get_string() == "toplevel-property-extension";
  }
  if (object.contains("extension_properties") && !toplevel) {
    return Fail(root.Key("extension_properties"),
                "is only allowed with a toplevel-property-extension");
  }
  return std::nullopt;
}

Problem LanguageContentRule(const json::object& object, const Path& root, Facts&) {
  const std::string_view target = IdentifierType(object.at("object_ref").get_string());
  if (target == "bundle" || target == "language-content") {
    return Fail(root.Key("object_ref"), "must not refer to a bundle or language-content");
  }
  for (const auto& entry : object.at("contents").get_object()) {
    const Path item = root.Key("contents").Key(entry.key());
    if (!IsLanguageTag(entry.key())) return Fail(item, "must be keyed by a language tag");
    if (!entry.value().is_object() || entry.value().get_object().empty()) {
      return Fail(item, "must be a non-empty object");
    }
  }
  return std::nullopt;
}

// --- TLP ----------------------------------------------------------------------------------------

constexpr std::string_view kTlp2Extension =
    "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d";

struct TlpMarking {
  std::string_view id;
  TlpLevel level;
  bool v2;
  std::string_view value;  // definition.tlp (1.0) or tlp_2_0 (2.0)
  std::string_view name;
};

constexpr TlpMarking kTlpMarkings[] = {
    {"marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487", TlpLevel::kClear, true, "clear",
     "TLP:CLEAR"},
    {"marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb", TlpLevel::kGreen, true, "green",
     "TLP:GREEN"},
    {"marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421", TlpLevel::kAmber, true, "amber",
     "TLP:AMBER"},
    {"marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003", TlpLevel::kAmberStrict, true,
     "amber+strict", "TLP:AMBER+STRICT"},
    {"marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1", TlpLevel::kRed, true, "red",
     "TLP:RED"},
    {"marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9", TlpLevel::kClear, false, "white",
     "TLP:WHITE"},
    {"marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da", TlpLevel::kGreen, false, "green",
     "TLP:GREEN"},
    {"marking-definition--f88d31f6-486f-44da-b317-01333bde0b82", TlpLevel::kAmber, false, "amber",
     "TLP:AMBER"},
    {"marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed", TlpLevel::kRed, false, "red",
     "TLP:RED"},
};

const TlpMarking* FindTlpMarking(std::string_view id) {
  for (const TlpMarking& marking : kTlpMarkings) {
    if (EqualsIgnoringAsciiCase(marking.id, id)) return &marking;
  }
  return nullptr;
}

bool StringIs(const json::value* value, std::string_view expected) {
  return value != nullptr && value->is_string() && value->get_string() == expected;
}

// A marking definition with a TLP id must be the published object; TLP content under any other
// id is refused, so that no look-alike can pass for a TLP level (section 7.2.1.4, TLP 2.0 ext.).
Problem MarkingDefinitionRule(const json::object& object, const Path& root, Facts& facts) {
  const json::value* definition_type = object.if_contains("definition_type");
  const json::value* definition = object.if_contains("definition");
  const json::value* extensions = object.if_contains("extensions");
  const json::value* tlp2 =
      extensions != nullptr ? extensions->get_object().if_contains(kTlp2Extension) : nullptr;
  if (const TlpMarking* tlp = FindTlpMarking(object.at("id").get_string())) {
    const auto created =
        ParseStixTimestamp(tlp->v2 ? "2022-10-01T00:00:00.000Z" : "2017-01-20T00:00:00.000Z");
    if (facts.created != created) {
      return Fail(root.Key("created"), "differs from the standard TLP marking definition");
    }
    if (object.contains("name") && !StringIs(object.if_contains("name"), tlp->name)) {
      return Fail(root.Key("name"), "differs from the standard TLP marking definition");
    }
    if (tlp->v2) {
      if (tlp2 == nullptr || !StringIs(tlp2->get_object().if_contains("tlp_2_0"), tlp->value)) {
        return Fail(root.Key("extensions"), "differs from the standard TLP marking definition");
      }
    } else if (!StringIs(definition_type, "tlp") || definition == nullptr ||
               !StringIs(definition->get_object().if_contains("tlp"), tlp->value)) {
      return Fail(root.Key("definition"), "differs from the standard TLP marking definition");
    }
    return std::nullopt;
  }
  if (StringIs(definition_type, "tlp")) {
    return Fail(root.Key("definition_type"), "TLP markings must use the standard ids");
  }
  if (tlp2 != nullptr) {
    return Fail(root.Key("extensions").Key(kTlp2Extension),
                "TLP markings must use the standard ids");
  }
  if ((definition_type == nullptr) != (definition == nullptr)) {
    return Fail(root.Key(definition == nullptr ? "definition" : "definition_type"),
                "is required with the other of definition_type and definition");
  }
  if (definition_type == nullptr) {
    if (extensions == nullptr) {
      return Fail(root, "needs definition_type and definition, or extensions");
    }
    return std::nullopt;
  }
  if (definition_type->get_string() == "statement") {
    const json::value* statement = definition->get_object().if_contains("statement");
    if (statement == nullptr || !statement->is_string()) {
      return Fail(root.Key("definition").Key("statement"), "must be a string");
    }
  }
  return std::nullopt;
}

// --- The catalogue ------------------------------------------------------------------------------

constexpr TypeSpec kTypes[] = {
    {"attack-pattern", StixCategory::kDomainObject, kAttackPattern},
    {"campaign", StixCategory::kDomainObject, kCampaign, SeenOrder},
    {"course-of-action", StixCategory::kDomainObject, kNamed},
    {"grouping", StixCategory::kDomainObject, kGrouping},
    {"identity", StixCategory::kDomainObject, kIdentityProps},
    {"incident", StixCategory::kDomainObject, kIncident},
    {"indicator", StixCategory::kDomainObject, kIndicator, IndicatorRule},
    {"infrastructure", StixCategory::kDomainObject, kInfrastructure, SeenOrder},
    {"intrusion-set", StixCategory::kDomainObject, kIntrusionSet, SeenOrder},
    {"location", StixCategory::kDomainObject, kLocation, LocationRule},
    {"malware", StixCategory::kDomainObject, kMalware, MalwareRule},
    {"malware-analysis", StixCategory::kDomainObject, kMalwareAnalysis, MalwareAnalysisRule},
    {"note", StixCategory::kDomainObject, kNote},
    {"observed-data", StixCategory::kDomainObject, kObservedDataProps, ObservedDataRule},
    {"opinion", StixCategory::kDomainObject, kOpinion, OpinionRule},
    {"report", StixCategory::kDomainObject, kReport},
    {"threat-actor", StixCategory::kDomainObject, kThreatActor, SeenOrder},
    {"tool", StixCategory::kDomainObject, kTool},
    {"vulnerability", StixCategory::kDomainObject, kNamed},
    {"relationship", StixCategory::kRelationshipObject, kRelationship, RelationshipRule},
    {"sighting", StixCategory::kRelationshipObject, kSighting, SightingRule},
    {"artifact", StixCategory::kCyberObservable, kArtifactProps, ArtifactRule},
    {"autonomous-system", StixCategory::kCyberObservable, kAutonomousSystemProps},
    {"directory", StixCategory::kCyberObservable, kDirectoryProps},
    {"domain-name", StixCategory::kCyberObservable, kDomainName, DomainNameRule},
    {"email-addr", StixCategory::kCyberObservable, kEmailAddrProps, EmailAddrRule},
    {"email-message", StixCategory::kCyberObservable, kEmailMessage, EmailMessageRule},
    {"file", StixCategory::kCyberObservable, kFileProps, FileRule},
    {"ipv4-addr", StixCategory::kCyberObservable, kIpv4Addr, Ipv4Rule},
    {"ipv6-addr", StixCategory::kCyberObservable, kIpv4Addr, Ipv6Rule},
    {"mac-addr", StixCategory::kCyberObservable, kMacAddrProps, MacAddrRule},
    {"mutex", StixCategory::kCyberObservable, kMutex},
    {"network-traffic", StixCategory::kCyberObservable, kNetworkTrafficProps, NetworkTrafficRule},
    {"process", StixCategory::kCyberObservable, kProcessProps, AtLeastOneProperty},
    {"software", StixCategory::kCyberObservable, kSoftwareProps},
    {"url", StixCategory::kCyberObservable, kUrl, UrlRule},
    {"user-account", StixCategory::kCyberObservable, kUserAccountProps, AtLeastOneProperty},
    {"windows-registry-key", StixCategory::kCyberObservable, kRegistryKey, AtLeastOneProperty},
    {"x509-certificate", StixCategory::kCyberObservable, kX509Certificate, AtLeastOneProperty},
    {"marking-definition", StixCategory::kMarkingDefinition, {}, MarkingDefinitionRule},
    {"extension-definition", StixCategory::kExtensionDefinition, kExtensionDefinitionProps,
     ExtensionDefinitionRule},
    {"language-content", StixCategory::kLanguageContent, kLanguageContentProps,
     LanguageContentRule},
};

// Everything the single pass over an object's properties needs for one type.
struct Schema {
  StixCategory category = StixCategory::kDomainObject;
  Rule rule = nullptr;
  std::unordered_map<std::string_view, Slot> slots;
  std::vector<std::string_view> required;  // at most 64
};

Schema BuildSchema(StixCategory category, std::span<const Property> properties, Rule rule) {
  Schema schema;
  schema.category = category;
  schema.rule = rule;
  const auto add = [&](std::string_view name, Slot slot, bool required) {
    if (required) {
      slot.required_bit = static_cast<int>(schema.required.size());
      schema.required.push_back(name);
    }
    schema.slots[name] = slot;
  };
  const bool observable = category == StixCategory::kCyberObservable;
  const bool marking = category == StixCategory::kMarkingDefinition;
  add("type", {.special = Special::kSkip}, false);
  add("id", {.special = Special::kSkip}, false);
  add("spec_version", {.special = Special::kSpecVersion}, !observable);
  if (!observable) {
    add("created", {.special = Special::kCreated}, true);
    add("modified", {.special = Special::kModified}, !marking);
    add("lang", {.special = Special::kLang}, false);
    add("external_references", {.special = Special::kExternalReferences}, false);
  }
  add("granular_markings", {.special = Special::kGranularMarkings}, false);
  add("extensions", {.special = Special::kExtensions}, false);
  const std::span<const Property> common = observable ? std::span<const Property>(kObservableCommon)
                                           : marking  ? std::span<const Property>(kMarkingCommon)
                                                      : std::span<const Property>(kDomainCommon);
  for (const Property& property : common) add(property.name, {.property = &property}, false);
  for (const Property& property : properties) {
    add(property.name, {.property = &property}, property.required);
  }
  return schema;
}

struct Catalogue {
  std::vector<Schema> schemas;  // one per kTypes entry, in that order
  std::unordered_map<std::string_view, const Schema*> by_type;
  Schema custom_domain;
  Schema custom_relationship;
  Schema custom_observable;
};

const Catalogue& TheCatalogue() {
  static const Catalogue* const kCatalogue = [] {
    auto* catalogue = new Catalogue();
    for (const TypeSpec& spec : kTypes) {
      catalogue->schemas.push_back(BuildSchema(spec.category, spec.properties, spec.rule));
    }
    for (std::size_t i = 0; i < std::size(kTypes); ++i) {
      catalogue->by_type.emplace(kTypes[i].type, &catalogue->schemas[i]);
    }
    catalogue->custom_domain = BuildSchema(StixCategory::kDomainObject, {}, nullptr);
    catalogue->custom_relationship = BuildSchema(StixCategory::kRelationshipObject, {}, nullptr);
    catalogue->custom_observable = BuildSchema(StixCategory::kCyberObservable, {}, nullptr);
    return catalogue;
  }();
  return *kCatalogue;
}

StixCategory CategoryOfType(std::string_view type) {
  const auto& by_type = TheCatalogue().by_type;
  const auto it = by_type.find(type);
  return it != by_type.end() ? it->second->category : StixCategory::kDomainObject;
}

// A type the hub does not know: an SCO if one of its extensions says new-sco, an SRO if new-sro,
// an SDO otherwise (custom objects of STIX 2.1 section 11.1 carry the SDO common properties).
const Schema& SchemaOfCustom(const json::object& object) {
  const Catalogue& catalogue = TheCatalogue();
  const json::value* extensions = object.if_contains("extensions");
  if (extensions == nullptr || !extensions->is_object()) return catalogue.custom_domain;
  for (const auto& entry : extensions->get_object()) {
    if (!entry.value().is_object()) continue;
    const json::value* type = entry.value().get_object().if_contains("extension_type");
    if (StringIs(type, "new-sco")) return catalogue.custom_observable;
    if (StringIs(type, "new-sro")) return catalogue.custom_relationship;
  }
  return catalogue.custom_domain;
}

Result<StixObject> Validate(boost::json::object object) {
  const Path root;
  const json::value* type_value = object.if_contains("type");
  if (type_value == nullptr) return *Fail(root.Key("type"), "is required");
  if (!type_value->is_string() || !IsStixType(type_value->get_string())) {
    return *Fail(root.Key("type"), "must be a STIX type name (a-z, 0-9 and single hyphens)");
  }
  const std::string_view type = type_value->get_string();
  if (type == "bundle") return *Fail(root.Key("type"), "a bundle is not a STIX object");
  const json::value* id_value = object.if_contains("id");
  if (id_value == nullptr) return *Fail(root.Key("id"), "is required");
  if (!id_value->is_string() || !IsStixIdentifier(id_value->get_string())) {
    return *Fail(root.Key("id"), "must be a STIX identifier (<type>--<UUID>)");
  }
  if (IdentifierType(id_value->get_string()) != type) {
    return *Fail(root.Key("id"), "must start with the object's type");
  }

  const auto& by_type = TheCatalogue().by_type;
  const auto known = by_type.find(type);
  const Schema& schema = known != by_type.end() ? *known->second : SchemaOfCustom(object);
  Facts facts;
  std::uint64_t present = 0;
  for (const auto& entry : object) {
    const std::string_view name = entry.key();
    const auto slot = schema.slots.find(name);
    if (slot == schema.slots.end()) {
      if (auto problem = CheckPropertyName(name, entry.value(), root)) return *problem;
      continue;
    }
    if (slot->second.required_bit >= 0) present |= std::uint64_t{1} << slot->second.required_bit;
    if (auto problem = CheckSlot(slot->second, name, entry.value(), root, facts)) return *problem;
  }
  for (std::size_t i = 0; i < schema.required.size(); ++i) {
    if ((present & (std::uint64_t{1} << i)) == 0) {
      return *Fail(root.Key(schema.required[i]), "is required");
    }
  }
  if (facts.created && facts.modified && *facts.modified < *facts.created) {
    return *Fail(root.Key("modified"), "must not be earlier than created");
  }
  if (schema.rule != nullptr) {
    if (auto problem = schema.rule(object, root, facts)) return *problem;
  }

  StixObject result;
  result.type = type;
  result.id = id_value->get_string();
  result.category = schema.category;
  result.created = facts.created;
  result.modified = facts.modified;
  result.pattern = std::move(facts.pattern);
  result.json = std::move(object);
  return result;
}

// Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's days_from_civil).
std::int64_t DaysFromCivil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

}  // namespace

std::optional<StixTimestamp> ParseStixTimestamp(std::string_view text) {
  // YYYY-MM-DDTHH:MM:SS = 19 characters, then [.digits] and Z.
  if (text.size() < 20 || text.back() != 'Z') return std::nullopt;
  const auto digits = [&](std::size_t at, std::size_t count, int& out) {
    out = 0;
    for (std::size_t i = at; i < at + count; ++i) {
      if (!IsDigit(text[i])) return false;
      out = out * 10 + (text[i] - '0');
    }
    return true;
  };
  int year = 0;
  int month = 0;
  int day = 0;
  int hour = 0;
  int minute = 0;
  int second = 0;
  if (!digits(0, 4, year) || text[4] != '-' || !digits(5, 2, month) || text[7] != '-' ||
      !digits(8, 2, day) || text[10] != 'T' || !digits(11, 2, hour) || text[13] != ':' ||
      !digits(14, 2, minute) || text[16] != ':' || !digits(17, 2, second)) {
    return std::nullopt;
  }
  if (month < 1 || month > 12 || hour > 23 || minute > 59 || second > 60) return std::nullopt;
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  constexpr int kDaysInMonth[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const int days_in_month = kDaysInMonth[month - 1] + (month == 2 && leap ? 1 : 0);
  if (day < 1 || day > days_in_month) return std::nullopt;
  std::int32_t nanos = 0;
  const std::string_view rest = text.substr(19, text.size() - 20);
  if (!rest.empty()) {
    if (rest.size() < 2 || rest[0] != '.') return std::nullopt;
    std::int32_t scale = 100'000'000;
    for (const char c : rest.substr(1)) {
      if (!IsDigit(c)) return std::nullopt;
      nanos += (c - '0') * scale;
      scale /= 10;
    }
  }
  const std::int64_t days =
      DaysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  return StixTimestamp{days * 86400 + hour * 3600 + minute * 60 + second, nanos};
}

bool IsStixType(std::string_view type) {
  if (type.size() < 3 || type.size() > 250 || !IsLower(type.front()) || type.back() == '-') {
    return false;
  }
  for (std::size_t i = 1; i < type.size(); ++i) {
    const char c = type[i];
    if (c == '-') {
      if (type[i - 1] == '-') return false;
    } else if (!HasClass(c, kLower | kDigit)) {
      return false;
    }
  }
  return true;
}

bool IsStixIdentifier(std::string_view id, std::string_view type) {
  // The type part is at least 3 characters and the UUID exactly 36.
  if (id.size() < 41) return false;
  const std::size_t separator = id.size() - 38;
  if (id[separator] != '-' || id[separator + 1] != '-') return false;
  const std::string_view prefix = id.substr(0, separator);
  if (!type.empty() && prefix != type) return false;
  return IsStixType(prefix) && IsUuid(id.substr(separator + 2));
}

std::string_view IdentifierType(std::string_view id) { return id.substr(0, id.find("--")); }

Result<StixObject> ValidateStixObject(boost::json::object object) {
  return Validate(std::move(object));
}

std::optional<TlpLevel> TlpLevelOfMarking(std::string_view marking_id) {
  const TlpMarking* marking = FindTlpMarking(marking_id);
  if (marking == nullptr) return std::nullopt;
  return marking->level;
}

std::string_view TlpMarkingId(TlpLevel level) {
  for (const TlpMarking& marking : kTlpMarkings) {
    if (marking.v2 && marking.level == level) return marking.id;
  }
  return kTlpMarkings[4].id;
}

bool AddTlpMarking(boost::json::object& object, TlpLevel level) {
  if (const auto* type = object.if_contains("type");
      type != nullptr && type->is_string() && type->get_string() == "marking-definition") {
    return false;
  }
  boost::json::value& refs = object["object_marking_refs"];
  if (!refs.is_array()) refs = boost::json::array{};
  for (const auto& ref : refs.get_array()) {
    if (ref.is_string() && TlpLevelOfMarking(ref.get_string())) return false;
  }
  refs.get_array().emplace_back(TlpMarkingId(level));
  return true;
}

std::string WithTlpMarking(std::string_view object_json, TlpLevel level) {
  const std::size_t brace = object_json.find_first_not_of(" \t\r\n");
  if (brace == std::string_view::npos || object_json[brace] != '{') return std::string(object_json);
  if (object_json.find("marking") == std::string_view::npos) {
    const std::size_t next = object_json.find_first_not_of(" \t\r\n", brace + 1);
    const bool empty = next != std::string_view::npos && object_json[next] == '}';
    return fmt::format("{}{{\"object_marking_refs\":[\"{}\"]{}{}", object_json.substr(0, brace),
                       TlpMarkingId(level), empty ? "" : ",", object_json.substr(brace + 1));
  }
  boost::system::error_code ec;
  boost::json::value value = boost::json::parse(object_json, ec);
  if (ec || !value.is_object()) return std::string(object_json);
  if (!AddTlpMarking(value.get_object(), level)) return std::string(object_json);
  return boost::json::serialize(value);
}

}  // namespace caduceus::intel
