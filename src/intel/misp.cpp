#include "intel/misp.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <map>
#include <set>
#include <utility>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "core/clock.h"
#include "intel/observables.h"
#include "intel/pattern.h"
#include "intel/stix.h"

namespace caduceus::intel {

namespace json = boost::json;

namespace {

// The namespace of every id this mapping derives from MISP uuids.
constexpr std::string_view kMispNamespace = "99b2b425-5583-42f0-aca7-849616b09808";
// STIX 2.1 section 2.9: the namespace of cyber-observable ids.
constexpr std::string_view kObservableNamespace = "00abedb4-aa42-466c-9c01-fed23315a9b7";
// Galaxy clusters are knowledge-base entries that many events name: one version for all.
constexpr std::string_view kGalaxyTime = "2015-01-01T00:00:00.000Z";
// Timestamps outside this range (Unix seconds) are treated as missing.
constexpr std::int64_t kMinTime = 0;
constexpr std::int64_t kMaxTime = 7'258'118'400;  // 2200-01-01
constexpr std::size_t kMaxLabels = 100;
constexpr std::size_t kMaxLabelBytes = 512;
constexpr std::size_t kMaxGalaxyRefs = 20;
constexpr std::size_t kMaxAliases = 100;

// --- SHA-1 and UUIDs ----------------------------------------------------------------------------

std::array<std::uint8_t, 20> Sha1(std::string_view data) {
  std::uint32_t h[5] = {0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0};
  const auto rotl = [](std::uint32_t x, int n) { return (x << n) | (x >> (32 - n)); };
  std::string message(data);
  const std::uint64_t bits = static_cast<std::uint64_t>(data.size()) * 8;
  message.push_back(static_cast<char>(0x80));
  while (message.size() % 64 != 56) message.push_back('\0');
  for (int i = 7; i >= 0; --i) message.push_back(static_cast<char>((bits >> (i * 8)) & 0xFF));
  for (std::size_t chunk = 0; chunk < message.size(); chunk += 64) {
    std::uint32_t w[80];
    for (int i = 0; i < 16; ++i) {
      const auto byte = [&](int k) {
        return static_cast<std::uint32_t>(static_cast<unsigned char>(message[chunk + i * 4 + k]));
      };
      w[i] = (byte(0) << 24) | (byte(1) << 16) | (byte(2) << 8) | byte(3);
    }
    for (int i = 16; i < 80; ++i) w[i] = rotl(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
    std::uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
    for (int i = 0; i < 80; ++i) {
      std::uint32_t f = 0, k = 0;
      if (i < 20) {
        f = (b & c) | (~b & d);
        k = 0x5A827999;
      } else if (i < 40) {
        f = b ^ c ^ d;
        k = 0x6ED9EBA1;
      } else if (i < 60) {
        f = (b & c) | (b & d) | (c & d);
        k = 0x8F1BBCDC;
      } else {
        f = b ^ c ^ d;
        k = 0xCA62C1D6;
      }
      const std::uint32_t t = rotl(a, 5) + f + e + k + w[i];
      e = d;
      d = c;
      c = rotl(b, 30);
      b = a;
      a = t;
    }
    h[0] += a;
    h[1] += b;
    h[2] += c;
    h[3] += d;
    h[4] += e;
  }
  std::array<std::uint8_t, 20> out{};
  for (int i = 0; i < 5; ++i) {
    for (int k = 0; k < 4; ++k) out[i * 4 + k] = static_cast<std::uint8_t>(h[i] >> (24 - k * 8));
  }
  return out;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The 16 bytes of a UUID in its 8-4-4-4-12 text form (any version).
std::optional<std::array<std::uint8_t, 16>> UuidBytes(std::string_view text) {
  if (text.size() != 36) return std::nullopt;
  std::array<std::uint8_t, 16> bytes{};
  std::size_t out = 0;
  for (std::size_t i = 0; i < text.size();) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (text[i] != '-') return std::nullopt;
      ++i;
      continue;
    }
    const int hi = HexValue(text[i]);
    const int lo = HexValue(text[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    bytes[out++] = static_cast<std::uint8_t>(hi * 16 + lo);
    i += 2;
  }
  return bytes;
}

std::string FormatUuid(const std::uint8_t* bytes) {
  std::string out;
  out.reserve(36);
  constexpr char kHex[] = "0123456789abcdef";
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    out.push_back(kHex[bytes[i] >> 4]);
    out.push_back(kHex[bytes[i] & 0xF]);
  }
  return out;
}

std::string Uuid5(std::string_view namespace_uuid, std::string_view name) {
  const auto ns = UuidBytes(namespace_uuid);
  std::string input(reinterpret_cast<const char*>(ns->data()), ns->size());
  input.append(name);
  auto digest = Sha1(input);
  digest[6] = static_cast<std::uint8_t>((digest[6] & 0x0F) | 0x50);
  digest[8] = static_cast<std::uint8_t>((digest[8] & 0x3F) | 0x80);
  return FormatUuid(digest.data());
}

// A MISP uuid as the hub keeps it: lower case; nullopt when it is not a UUID.
std::optional<std::string> CleanUuid(std::string_view text) {
  if (!UuidBytes(text)) return std::nullopt;
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; });
  return out;
}

std::string MispId(std::string_view type, std::string_view name) {
  return std::string(type) + "--" +
         Uuid5(kMispNamespace, std::string(type) + "/" + std::string(name));
}

// --- Canonical JSON (RFC 8785) for observable ids ----------------------------------------------

void CanonicalString(std::string_view s, std::string& out) {
  out.push_back('"');
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          out += fmt::format("\\u{:04x}", c);
        } else {
          out.push_back(ch);
        }
    }
  }
  out.push_back('"');
}

void Canonical(const json::value& value, std::string& out, int depth = 0) {
  if (depth > 64) {
    out += "null";
    return;
  }
  switch (value.kind()) {
    case json::kind::object: {
      std::vector<std::pair<std::string_view, const json::value*>> entries;
      for (const auto& e : value.get_object()) entries.emplace_back(e.key(), &e.value());
      std::sort(entries.begin(), entries.end(),
                [](const auto& a, const auto& b) { return a.first < b.first; });
      out.push_back('{');
      for (std::size_t i = 0; i < entries.size(); ++i) {
        if (i > 0) out.push_back(',');
        CanonicalString(entries[i].first, out);
        out.push_back(':');
        Canonical(*entries[i].second, out, depth + 1);
      }
      out.push_back('}');
      return;
    }
    case json::kind::array: {
      out.push_back('[');
      bool first = true;
      for (const auto& item : value.get_array()) {
        if (!first) out.push_back(',');
        first = false;
        Canonical(item, out, depth + 1);
      }
      out.push_back(']');
      return;
    }
    case json::kind::string:
      CanonicalString(value.get_string(), out);
      return;
    default:
      out += json::serialize(value);
  }
}

// --- Lenient readers of MISP's JSON (numbers arrive as strings or numbers) ---------------------

const json::object* ObjectAt(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && v->is_object() ? &v->get_object() : nullptr;
}

const json::array* ArrayAt(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && v->is_array() ? &v->get_array() : nullptr;
}

std::string TextAt(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr) return {};
  if (v->is_string()) return std::string(v->get_string());
  if (v->is_int64()) return std::to_string(v->get_int64());
  if (v->is_uint64()) return std::to_string(v->get_uint64());
  return {};
}

std::optional<std::int64_t> IntegerAt(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr) return std::nullopt;
  if (v->is_int64()) return v->get_int64();
  if (v->is_uint64()) {
    if (v->get_uint64() > static_cast<std::uint64_t>(INT64_MAX)) return std::nullopt;
    return static_cast<std::int64_t>(v->get_uint64());
  }
  if (!v->is_string()) return std::nullopt;
  const std::string_view s = v->get_string();
  if (s.empty() || s.size() > 18) return std::nullopt;
  std::int64_t n = 0;
  for (const char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + (c - '0');
  }
  return n;
}

bool FlagAt(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr) return false;
  if (v->is_bool()) return v->get_bool();
  if (v->is_int64()) return v->get_int64() != 0;
  if (v->is_string()) return v->get_string() == "1" || v->get_string() == "true";
  return false;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; });
  return out;
}

// Drops a trailing partial UTF-8 sequence after cutting `s` to at most `max` bytes.
std::string Cut(std::string_view s, std::size_t max) {
  if (s.size() <= max) return std::string(s);
  std::size_t end = max;
  while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) --end;
  return std::string(s.substr(0, end));
}

// --- Times --------------------------------------------------------------------------------------

std::optional<std::int64_t> ValidTime(std::optional<std::int64_t> seconds) {
  if (!seconds || *seconds < kMinTime || *seconds >= kMaxTime) return std::nullopt;
  return seconds;
}

std::string StixTime(std::int64_t seconds) { return FormatRfc3339(FromUnixMillis(seconds * 1000)); }

// MISP's first_seen / last_seen: RFC 3339 with any offset and fraction.
std::optional<std::int64_t> SecondsOfText(std::string_view text) {
  if (text.empty() || text.size() > 64) return std::nullopt;
  const auto t = ParseRfc3339(text);
  if (!t) return std::nullopt;
  return ValidTime(ToUnixMillis(*t) / 1000);
}

std::optional<std::int64_t> SecondsOfDate(std::string_view date) {
  if (date.size() != 10) return std::nullopt;
  return SecondsOfText(std::string(date) + "T00:00:00Z");
}

// --- Tags ---------------------------------------------------------------------------------------

struct GalaxyTag {
  std::string galaxy_type;  // e.g. "threat-actor"
  std::string value;        // e.g. "Sofacy"
};

// misp-galaxy:<type>="<value>"
std::optional<GalaxyTag> ParseGalaxyTag(std::string_view tag) {
  constexpr std::string_view kPrefix = "misp-galaxy:";
  if (!tag.starts_with(kPrefix)) return std::nullopt;
  tag.remove_prefix(kPrefix.size());
  const std::size_t eq = tag.find('=');
  if (eq == std::string_view::npos || eq == 0) return std::nullopt;
  std::string_view value = tag.substr(eq + 1);
  if (value.size() < 3 || value.front() != '"' || value.back() != '"') return std::nullopt;
  value = value.substr(1, value.size() - 2);
  if (value.empty()) return std::nullopt;
  return GalaxyTag{std::string(tag.substr(0, eq)), std::string(value)};
}

std::string GalaxyTagName(std::string_view galaxy_type, std::string_view value) {
  return fmt::format("misp-galaxy:{}=\"{}\"", galaxy_type, value);
}

std::optional<TlpLevel> TlpOfTag(std::string_view tag) {
  if (tag.size() < 5 || Lower(tag.substr(0, 4)) != "tlp:") return std::nullopt;
  return ParseTlp(tag);
}

struct TagSet {
  std::optional<TlpLevel> tlp;  // the most restrictive TLP tag
  std::vector<std::string> labels;
  std::vector<GalaxyTag> galaxies;
};

TagSet ReadTags(const json::object& holder) {
  TagSet out;
  const json::array* tags = ArrayAt(holder, "Tag");
  if (tags == nullptr) return out;
  for (const auto& item : *tags) {
    std::string name;
    if (item.is_object()) {
      name = TextAt(item.get_object(), "name");
    } else if (item.is_string()) {
      name = std::string(item.get_string());
    }
    if (name.empty() || name.size() > kMaxLabelBytes) continue;
    if (auto level = TlpOfTag(name)) {
      out.tlp = out.tlp ? std::max(*out.tlp, *level) : *level;
    } else if (auto galaxy = ParseGalaxyTag(name)) {
      out.galaxies.push_back(std::move(*galaxy));
    } else if (out.labels.size() < kMaxLabels &&
               std::find(out.labels.begin(), out.labels.end(), name) == out.labels.end()) {
      out.labels.push_back(std::move(name));
    }
  }
  return out;
}

// --- Galaxy clusters ----------------------------------------------------------------------------

// The STIX type a galaxy's clusters become; empty for galaxies kept only as labels.
std::string_view StixTypeOfGalaxy(std::string_view galaxy) {
  const auto has = [&](std::string_view part) {
    return galaxy.find(part) != std::string_view::npos;
  };
  if (has("attack-pattern")) return "attack-pattern";
  if (has("intrusion-set")) return "intrusion-set";
  if (has("threat-actor") || galaxy == "microsoft-activity-group") return "threat-actor";
  if (has("malware") || galaxy == "ransomware" || galaxy == "banker" || galaxy == "rat" ||
      galaxy == "stealer" || galaxy == "botnet" || galaxy == "backdoor" || galaxy == "android" ||
      galaxy == "malpedia" || galaxy == "cryptominers" || galaxy == "mitre-mobile-attack-malware") {
    return "malware";
  }
  if (has("tool") || galaxy == "exploit-kit") return "tool";
  return {};
}

struct Cluster {
  std::string id;
  std::string stix_type;
  std::string tag_name;
};

// --- Observables --------------------------------------------------------------------------------

// The cyber-observables of one attribute or MISP object: simple value objects, and at most one
// object of each type that several attributes fill (a file with its name and hashes).
class ObservableSet {
 public:
  // Adds an observable whose properties are complete; returns its id.
  std::string Add(json::object observable) {
    std::string id = DeterministicObservableId(observable);
    observable["id"] = id;
    for (const auto& existing : simple_) {
      if (existing.at("id").get_string() == id) return id;
    }
    simple_.push_back(std::move(observable));
    return id;
  }

  json::object& Merged(std::string_view type) {
    for (auto& [t, object] : merged_) {
      if (t == type) return object;
    }
    merged_.emplace_back(std::string(type), json::object{{"type", type}, {"spec_version", "2.1"}});
    return merged_.back().second;
  }

  bool HasMerged(std::string_view type) const {
    return std::any_of(merged_.begin(), merged_.end(),
                       [&](const auto& m) { return m.first == type; });
  }

  // Every observable, merged ones with their ids; empty merged objects are left out.
  std::vector<json::object> Finish() {
    std::vector<json::object> out = std::move(simple_);
    for (auto& [type, object] : merged_) {
      if (object.size() <= 2) continue;
      if (type == "email-message" && !object.contains("is_multipart")) {
        object["is_multipart"] = false;
      }
      if (type == "network-traffic" && !object.contains("protocols")) {
        const json::value* ref = object.if_contains("dst_ref");
        if (ref == nullptr) ref = object.if_contains("src_ref");
        const bool v6 = ref != nullptr && ref->get_string().starts_with("ipv6-addr--");
        object["protocols"] = json::array{v6 ? "ipv6" : "ipv4"};
      }
      object["id"] = DeterministicObservableId(object);
      out.push_back(std::move(object));
    }
    merged_.clear();
    return out;
  }

 private:
  std::vector<json::object> simple_;
  std::vector<std::pair<std::string, json::object>> merged_;
};

json::object MakeObservable(std::string_view type, std::string_view key, std::string_view value) {
  return {{"type", type}, {"spec_version", "2.1"}, {key, value}};
}

// One comparison of an indicator's pattern.
struct Term {
  std::string object_type;
  std::string path;     // after the colon, as written in the pattern
  std::string literal;  // as written in the pattern
  std::string value;    // the value the literal stands for
};

std::string Quote(std::string_view s) {
  std::string out = "'";
  for (const char c : s) {
    if (c == '\'' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('\'');
  return out;
}

// The values of the comparisons, as MISP joins the parts of a composite: "a|b".
std::string NameOf(const std::vector<Term>& terms) {
  std::string name;
  for (const auto& t : terms) {
    if (!name.empty()) name += "|";
    name += t.value;
  }
  return name;
}

// Comparisons of one object type share one observation: [a AND b] AND [c].
std::string PatternOf(const std::vector<Term>& terms) {
  std::vector<std::string> types;
  for (const auto& t : terms) {
    if (std::find(types.begin(), types.end(), t.object_type) == types.end()) {
      types.push_back(t.object_type);
    }
  }
  std::string pattern;
  for (const auto& type : types) {
    if (!pattern.empty()) pattern += " AND ";
    pattern += "[";
    bool first = true;
    for (const auto& t : terms) {
      if (t.object_type != type) continue;
      if (!first) pattern += " AND ";
      first = false;
      pattern += fmt::format("{}:{} = {}", t.object_type, t.path, t.literal);
    }
    pattern += "]";
  }
  return pattern;
}

// Where an attribute sits, which changes how some types map.
struct MapContext {
  bool traffic = false;   // a MISP object with ports: addresses are network-traffic endpoints
  bool resolves = false;  // a domain-ip object with a domain: addresses are what it resolves to
  bool section = false;   // pe-section: hashes are the section's
  std::string relation;   // the attribute's object_relation
};

struct MapOutcome {
  bool supported = true;  // false: no STIX counterpart (kept as a custom object)
  std::string error;      // non-empty: the value is not one of its type
};

struct HashType {
  std::string_view misp;
  std::string_view stix;
  std::size_t hex_length;  // 0: not hex (ssdeep, tlsh)
};

constexpr HashType kHashTypes[] = {
    {"md5", "MD5", 32},           {"sha1", "SHA-1", 40},
    {"sha224", "SHA-224", 56},    {"sha256", "SHA-256", 64},
    {"sha384", "SHA-384", 96},    {"sha512", "SHA-512", 128},
    {"sha3-224", "SHA3-224", 56}, {"sha3-256", "SHA3-256", 64},
    {"sha3-384", "SHA3-384", 96}, {"sha3-512", "SHA3-512", 128},
    {"ssdeep", "SSDEEP", 0},      {"tlsh", "TLSH", 0},
};

const HashType* FindHash(std::string_view misp_type) {
  for (const auto& h : kHashTypes) {
    if (h.misp == misp_type) return &h;
  }
  return nullptr;
}

// The digest in the form STIX requires, or nullopt.
std::optional<std::string> CleanDigest(const HashType& hash, std::string_view value) {
  if (hash.hex_length > 0) {
    if (value.size() != hash.hex_length) return std::nullopt;
    if (!std::all_of(value.begin(), value.end(), [](char c) { return HexValue(c) >= 0; })) {
      return std::nullopt;
    }
    return Lower(value);
  }
  if (hash.stix == "TLSH") {
    std::string v = Lower(value);
    if (v.size() == 72 && v.starts_with("t1")) v = "T1" + v.substr(2);
    const std::string_view hex = std::string_view(v).substr(v.size() == 72 ? 2 : 0);
    const bool ok = (v.size() == 70 || v.size() == 72) &&
                    std::all_of(hex.begin(), hex.end(), [](char c) { return HexValue(c) >= 0; });
    if (!ok) return std::nullopt;
    return v;
  }
  const bool ok =
      !value.empty() && value.size() <= 128 && std::all_of(value.begin(), value.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '/' || c == '+' || c == ':' || c == '.';
      });
  if (!ok) return std::nullopt;
  return std::string(value);
}

bool HasControl(std::string_view s) {
  return std::any_of(s.begin(), s.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7F; });
}

// Non-empty, at most 8 KiB, without spaces or control characters.
bool IsPlainText(std::string_view s) {
  return !s.empty() && s.size() <= 8192 && std::none_of(s.begin(), s.end(), [](char c) {
    return static_cast<unsigned char>(c) <= 0x20 || c == 0x7F;
  });
}

// Splits "a|b" at the first (or last) bar.
std::optional<std::pair<std::string_view, std::string_view>> Split(std::string_view value,
                                                                   bool last) {
  const std::size_t bar = last ? value.rfind('|') : value.find('|');
  if (bar == std::string_view::npos) return std::nullopt;
  return std::make_pair(value.substr(0, bar), value.substr(bar + 1));
}

std::optional<std::int64_t> ParsePort(std::string_view s) {
  if (s.empty() || s.size() > 5) return std::nullopt;
  std::int64_t n = 0;
  for (const char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + (c - '0');
  }
  if (n > 65535) return std::nullopt;
  return n;
}

class AttributeMapper {
 public:
  AttributeMapper(const MapContext& ctx, std::vector<Term>* terms, ObservableSet& observables)
      : ctx_(ctx), terms_(terms), observables_(observables) {}

  MapOutcome Map(std::string_view type, std::string_view value) {
    if (value.empty()) return Invalid("the value is empty");
    if (type == "ip-src" || type == "ip-dst") return Address(value, type == "ip-src");
    if (type == "ip-src|port" || type == "ip-dst|port") {
      const auto parts = Split(value, true);
      const auto port = parts ? ParsePort(parts->second) : std::nullopt;
      if (!port) return Invalid("expected address|port");
      const bool src = type == "ip-src|port";
      if (auto out = Endpoint(parts->first, src, true); !out.error.empty()) return out;
      return Port(*port, src);
    }
    if (type == "domain" || type == "hostname") return Domain(value);
    if (type == "hostname|port") {
      const auto parts = Split(value, true);
      const auto port = parts ? ParsePort(parts->second) : std::nullopt;
      if (!port) return Invalid("expected hostname|port");
      if (auto out = Endpoint(parts->first, false, false); !out.error.empty()) return out;
      return Port(*port, false);
    }
    if (type == "domain|ip") {
      const auto parts = Split(value, false);
      if (!parts) return Invalid("expected domain|ip");
      const auto domain = Normalise(ObservableKind::kDomain, parts->first);
      const auto ip = NormaliseIp(parts->second);
      if (!domain || !ip) return Invalid("expected domain|ip");
      Emit("domain-name", "value", domain->value);
      Emit("domain-name", "resolves_to_refs[*].value", ip->value);
      const std::string ip_id = observables_.Add(MakeObservable(IpType(*ip), "value", ip->value));
      auto d = MakeObservable("domain-name", "value", domain->value);
      d["resolves_to_refs"] = json::array{json::value(ip_id)};
      observables_.Add(std::move(d));
      return {};
    }
    if (type == "url" || type == "link") {
      if (const auto url = Normalise(ObservableKind::kUrl, value)) {
        Emit("url", "value", url->value);
        observables_.Add(MakeObservable("url", "value", url->value));
        return {};
      }
      // MISP users often leave out the scheme ("host.onion/path"): kept as written, in the
      // pattern only, since a url observable needs a scheme.
      if (!IsPlainText(value)) return Invalid("not a URL");
      Emit("url", "value", value);
      return {};
    }
    if (type == "uri") {
      if (HasControl(value)) return Invalid("not a URI");
      Emit("url", "value", value);
      return {};
    }
    if (type == "email" || type == "email-src" || type == "email-dst" || type == "target-email" ||
        type == "whois-registrant-email") {
      return Email(type, value);
    }
    if (type == "email-subject") return MessageText("subject", value);
    if (type == "email-message-id") return MessageText("message_id", value);
    if (type == "email-reply-to") return MessageHeader("Reply-To", value);
    if (type == "email-x-mailer") return MessageHeader("X-Mailer", value);
    if (type == "email-attachment") {
      if (HasControl(value)) return Invalid("not a file name");
      Emit("email-message", "body_multipart[*].body_raw_ref.name", value);
      return {};
    }
    if (const HashType* hash = FindHash(type)) return Hash(*hash, value);
    if (type == "filename" || type == "attachment") return FileName(value);
    if (type == "malware-sample" || type.starts_with("filename|")) {
      const HashType* hash = FindHash(type == "malware-sample" ? "md5" : type.substr(9));
      const auto parts = Split(value, true);
      if (hash == nullptr) return {false, {}};
      if (!parts) return Invalid("expected filename|hash");
      if (auto out = FileName(parts->first); !out.error.empty()) return out;
      return Hash(*hash, parts->second);
    }
    if (type == "imphash") {
      if (value.size() != 32 ||
          !std::all_of(value.begin(), value.end(), [](char c) { return HexValue(c) >= 0; })) {
        return Invalid("not an imphash");
      }
      Emit("file", "extensions.'windows-pebinary-ext'.imphash", Lower(value));
      return {};
    }
    if (type == "regkey" || type == "regkey|value") {
      std::string_view key = value;
      std::string_view data;
      if (type == "regkey|value") {
        const auto parts = Split(value, false);
        if (!parts) return Invalid("expected key|value");
        key = parts->first;
        data = parts->second;
      }
      if (key.empty() || HasControl(key)) return Invalid("not a registry key");
      Emit("windows-registry-key", "key", key);
      auto& k = observables_.Merged("windows-registry-key");
      k["key"] = key;
      if (type == "regkey|value") {
        Emit("windows-registry-key", "values[*].data", data);
        k["values"] = json::array{json::object{{"data", data}}};
      }
      return {};
    }
    if (type == "AS") {
      std::string_view digits = value;
      if (digits.size() > 2 && (digits.substr(0, 2) == "AS" || digits.substr(0, 2) == "as")) {
        digits.remove_prefix(2);
      }
      const auto asn = Normalise(ObservableKind::kAsn, digits);
      if (!asn) return Invalid("not an AS number");
      EmitNumber("autonomous-system", "number", std::stoll(asn->value));
      observables_.Add(json::object{{"type", "autonomous-system"},
                                    {"spec_version", "2.1"},
                                    {"number", std::stoll(asn->value)}});
      return {};
    }
    if (type == "mutex") {
      const auto mutex = Normalise(ObservableKind::kMutex, value);
      if (!mutex) return Invalid("not a mutex name");
      Emit("mutex", "name", mutex->value);
      observables_.Add(MakeObservable("mutex", "name", mutex->value));
      return {};
    }
    if (type == "mac-address") {
      std::string mac = Lower(value);
      std::replace(mac.begin(), mac.end(), '-', ':');
      const bool ok = mac.size() == 17 && [&] {
        for (std::size_t i = 0; i < mac.size(); ++i) {
          if (i % 3 == 2 ? mac[i] != ':' : HexValue(mac[i]) < 0) return false;
        }
        return true;
      }();
      if (!ok) return Invalid("not a MAC address");
      Emit("mac-addr", "value", mac);
      observables_.Add(MakeObservable("mac-addr", "value", mac));
      return {};
    }
    if (type == "port") {
      const auto port = ParsePort(value);
      if (!port) return Invalid("not a port number");
      return Port(*port, ctx_.relation.starts_with("src"));
    }
    if (type == "user-agent") {
      if (HasControl(value)) return Invalid("not a user agent");
      Emit("network-traffic", "extensions.'http-request-ext'.request_header.'User-Agent'", value);
      return {};
    }
    if (type == "http-method") {
      if (HasControl(value)) return Invalid("not an HTTP method");
      Emit("network-traffic", "extensions.'http-request-ext'.request_method", value);
      return {};
    }
    if (type.starts_with("x509-fingerprint-")) {
      const std::string_view algorithm = type.substr(17);
      const HashType* hash = FindHash(algorithm);
      if (hash == nullptr || hash->hex_length == 0) return {false, {}};
      std::string digest(value);
      digest.erase(std::remove(digest.begin(), digest.end(), ':'), digest.end());
      const auto clean = CleanDigest(*hash, digest);
      if (!clean) return Invalid("not a certificate fingerprint");
      Emit("x509-certificate", fmt::format("hashes.'{}'", hash->stix), *clean);
      auto& cert = observables_.Merged("x509-certificate");
      if (!cert.contains("hashes")) cert["hashes"] = json::object();
      cert["hashes"].get_object()[hash->stix] = *clean;
      return {};
    }
    return {false, {}};
  }

 private:
  static MapOutcome Invalid(std::string reason) { return {true, std::move(reason)}; }

  // A string comparison.
  void Emit(std::string_view object_type, std::string path, std::string_view value) {
    Add(object_type, std::move(path), Quote(value), std::string(value));
  }
  // An integer comparison.
  void EmitNumber(std::string_view object_type, std::string path, std::int64_t value) {
    Add(object_type, std::move(path), std::to_string(value), std::to_string(value));
  }
  void Add(std::string_view object_type, std::string path, std::string literal, std::string value) {
    if (terms_ != nullptr) {
      terms_->push_back(
          {std::string(object_type), std::move(path), std::move(literal), std::move(value)});
    }
  }

  static std::optional<Observable> NormaliseIp(std::string_view value) {
    if (auto v4 = Normalise(ObservableKind::kIpv4, value)) return v4;
    return Normalise(ObservableKind::kIpv6, value);
  }

  static std::string_view IpType(const Observable& ip) {
    return ip.kind == ObservableKind::kIpv4 ? "ipv4-addr" : "ipv6-addr";
  }

  MapOutcome Address(std::string_view value, bool src) {
    if (ctx_.traffic) return Endpoint(value, src, true);
    const auto ip = NormaliseIp(value);
    if (!ip) return Invalid("not an IP address or network");
    if (ctx_.resolves) {
      Emit("domain-name", "resolves_to_refs[*].value", ip->value);
      const std::string id = observables_.Add(MakeObservable(IpType(*ip), "value", ip->value));
      auto& domain = observables_.Merged("domain-name");
      if (!domain.contains("resolves_to_refs")) domain["resolves_to_refs"] = json::array();
      domain["resolves_to_refs"].get_array().push_back(json::value(id));
      return {};
    }
    Emit(IpType(*ip), "value", ip->value);
    observables_.Add(MakeObservable(IpType(*ip), "value", ip->value));
    return {};
  }

  // An address or host name as the source or destination of network traffic.
  MapOutcome Endpoint(std::string_view value, bool src, bool address) {
    std::string id;
    std::string text;
    if (auto ip = NormaliseIp(value)) {
      text = ip->value;
      id = observables_.Add(MakeObservable(IpType(*ip), "value", ip->value));
    } else if (auto domain = address ? std::nullopt : Normalise(ObservableKind::kDomain, value)) {
      text = domain->value;
      id = observables_.Add(MakeObservable("domain-name", "value", domain->value));
    } else {
      return Invalid(address ? "not an IP address" : "not a host name or address");
    }
    Emit("network-traffic", src ? "src_ref.value" : "dst_ref.value", text);
    observables_.Merged("network-traffic")[src ? "src_ref" : "dst_ref"] = id;
    return {};
  }

  MapOutcome Port(std::int64_t port, bool src) {
    EmitNumber("network-traffic", src ? "src_port" : "dst_port", port);
    if (observables_.HasMerged("network-traffic")) {
      observables_.Merged("network-traffic")[src ? "src_port" : "dst_port"] = port;
    }
    return {};
  }

  MapOutcome Domain(std::string_view value) {
    if (ctx_.traffic) return Endpoint(value, ctx_.relation.starts_with("src"), false);
    const auto domain = Normalise(ObservableKind::kDomain, value);
    if (!domain) return Invalid("not a domain name");
    Emit("domain-name", "value", domain->value);
    if (ctx_.resolves) {
      auto& merged = observables_.Merged("domain-name");
      if (!merged.contains("value")) {
        merged["value"] = domain->value;
        return {};
      }
    }
    observables_.Add(MakeObservable("domain-name", "value", domain->value));
    return {};
  }

  MapOutcome Email(std::string_view type, std::string_view value) {
    const auto email = Normalise(ObservableKind::kEmail, value);
    if (!email) return Invalid("not an email address");
    const std::string id = observables_.Add(MakeObservable("email-addr", "value", email->value));
    const bool from = type == "email-src" && ctx_.relation != "reply-to";
    const bool to = type == "email-dst";
    if (!from && !to) {
      Emit("email-addr", "value", email->value);
      return {};
    }
    auto& message = observables_.Merged("email-message");
    if (from) {
      Emit("email-message", "from_ref.value", email->value);
      message["from_ref"] = id;
      return {};
    }
    const bool cc = ctx_.relation == "cc";
    const std::string_view list = cc ? "cc_refs" : "to_refs";
    Emit("email-message", fmt::format("{}[*].value", list), email->value);
    if (!message.contains(list)) message[list] = json::array();
    message[list].get_array().push_back(json::value(id));
    return {};
  }

  MapOutcome MessageText(std::string_view property, std::string_view value) {
    if (HasControl(value)) return Invalid("contains control characters");
    Emit("email-message", std::string(property), value);
    observables_.Merged("email-message")[property] = value;
    return {};
  }

  MapOutcome MessageHeader(std::string_view header, std::string_view value) {
    if (HasControl(value)) return Invalid("contains control characters");
    Emit("email-message", fmt::format("additional_header_fields.'{}'", header), value);
    return {};
  }

  MapOutcome Hash(const HashType& hash, std::string_view value) {
    const auto digest = CleanDigest(hash, value);
    if (!digest) return Invalid(fmt::format("not a {} digest", hash.misp));
    if (ctx_.section) {
      Emit("file",
           fmt::format("extensions.'windows-pebinary-ext'.sections[*].hashes.'{}'", hash.stix),
           *digest);
      return {};
    }
    Emit("file", fmt::format("hashes.'{}'", hash.stix), *digest);
    auto& file = observables_.Merged("file");
    if (!file.contains("hashes")) file["hashes"] = json::object();
    file["hashes"].get_object()[hash.stix] = *digest;
    return {};
  }

  MapOutcome FileName(std::string_view value) {
    const auto name = Normalise(ObservableKind::kFileName, value);
    // A name with its directory ("Temp/a.exe") is kept as written.
    if (!name && (value.size() > 1024 || HasControl(value))) return Invalid("not a file name");
    if (ctx_.section) return {false, {}};
    const std::string text = name ? name->value : std::string(value);
    Emit("file", "name", text);
    observables_.Merged("file")["name"] = text;
    return {};
  }

  const MapContext& ctx_;
  std::vector<Term>* terms_;
  ObservableSet& observables_;
};

std::string_view DefaultCategory(std::string_view type) {
  static const std::map<std::string_view, std::string_view> kCategories = {
      {"AS", "Network activity"},
      {"attachment", "External analysis"},
      {"campaign-name", "Attribution"},
      {"comment", "Other"},
      {"domain", "Network activity"},
      {"domain|ip", "Network activity"},
      {"email", "Social network"},
      {"email-attachment", "Payload delivery"},
      {"email-dst", "Network activity"},
      {"email-message-id", "Payload delivery"},
      {"email-reply-to", "Payload delivery"},
      {"email-src", "Payload delivery"},
      {"email-subject", "Payload delivery"},
      {"email-x-mailer", "Payload delivery"},
      {"filename", "Payload delivery"},
      {"hostname", "Network activity"},
      {"hostname|port", "Network activity"},
      {"http-method", "Network activity"},
      {"imphash", "Payload delivery"},
      {"ip-dst", "Network activity"},
      {"ip-dst|port", "Network activity"},
      {"ip-src", "Network activity"},
      {"ip-src|port", "Network activity"},
      {"link", "External analysis"},
      {"mac-address", "Network activity"},
      {"malware-sample", "Payload delivery"},
      {"mutex", "Artifacts dropped"},
      {"port", "Network activity"},
      {"regkey", "Persistence mechanism"},
      {"regkey|value", "Persistence mechanism"},
      {"sigma", "Payload installation"},
      {"snort", "Network activity"},
      {"stix2-pattern", "Payload installation"},
      {"text", "Other"},
      {"threat-actor", "Attribution"},
      {"uri", "Network activity"},
      {"url", "Network activity"},
      {"user-agent", "Network activity"},
      {"vulnerability", "External analysis"},
      {"yara", "Payload installation"},
  };
  const auto it = kCategories.find(type);
  if (it != kCategories.end()) return it->second;
  if (FindHash(type) != nullptr || type.starts_with("filename|")) return "Payload delivery";
  if (type.starts_with("x509-fingerprint-")) return "Network activity";
  return "Other";
}

// --- The import ---------------------------------------------------------------------------------

// Attribute types that are always indicators of their own pattern language.
std::optional<std::string_view> PatternTypeOf(std::string_view misp_type) {
  if (misp_type == "yara") return "yara";
  if (misp_type == "snort") return "snort";
  if (misp_type == "sigma") return "sigma";
  if (misp_type == "stix2-pattern") return "stix";
  return std::nullopt;
}

std::optional<std::string> CveOf(std::string_view value) {
  std::string upper(value);
  std::transform(upper.begin(), upper.end(), upper.begin(),
                 [](char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 32) : c; });
  if (upper.size() < 13 || upper.size() > 32 || !upper.starts_with("CVE-") || upper[8] != '-') {
    return std::nullopt;
  }
  for (std::size_t i = 4; i < upper.size(); ++i) {
    if (i != 8 && (upper[i] < '0' || upper[i] > '9')) return std::nullopt;
  }
  return upper;
}

std::string RelationshipType(std::string_view misp) {
  std::string out;
  for (const char c : Lower(misp)) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (ok) {
      out.push_back(c);
    } else if (!out.empty() && out.back() != '-') {
      out.push_back('-');
    }
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  if (out.empty() || out.size() > 100) return "related-to";
  return out;
}

struct Sightings {
  std::int64_t count = 0;
  std::optional<std::int64_t> first;
  std::optional<std::int64_t> last;
};

class Importer {
 public:
  explicit Importer(const MispImportOptions& options) : options_(options) {}

  Result<MispImport> Run(const json::object& event) {
    const auto uuid = CleanUuid(TextAt(event, "uuid"));
    if (!uuid) return Error::Invalid("the event has no valid uuid", "uuid");
    out_.event_uuid = *uuid;
    out_.info = Cut(TextAt(event, "info"), 4096);
    if (out_.info.empty()) out_.info = "MISP event " + *uuid;
    modified_ = ValidTime(IntegerAt(event, "timestamp"))
                    .value_or(ValidTime(IntegerAt(event, "publish_timestamp")).value_or(0));
    const auto date = SecondsOfDate(TextAt(event, "date"));
    if (modified_ == 0 && date) modified_ = *date;
    created_ = date ? std::min(*date, modified_) : modified_;
    out_.event_timestamp = modified_;

    TagSet tags = ReadTags(event);
    event_tlp_ = tags.tlp;
    if (!event_tlp_ && IntegerAt(event, "distribution") == 0) event_tlp_ = TlpLevel::kAmberStrict;
    out_.tlp = tags.tlp;
    report_id_ = MispId("report", *uuid);
    out_.report_id = report_id_;

    // Event-level clusters: Galaxy blocks, then tags that name clusters no block described.
    std::vector<std::string> event_clusters;
    if (const json::array* galaxies = ArrayAt(event, "Galaxy")) {
      for (const auto& g : *galaxies) {
        if (g.is_object()) ReadGalaxy(g.get_object(), event_clusters);
      }
    }
    for (const auto& g : tags.galaxies) AddCluster(g.galaxy_type, g.value, nullptr, event_clusters);

    if (const json::array* attributes = ArrayAt(event, "Attribute")) {
      for (const auto& a : *attributes) {
        if (!a.is_object()) continue;
        if (auto s = CountAttribute(); !s) return s.error();
        MapAttribute(a.get_object());
      }
    }
    if (const json::array* objects = ArrayAt(event, "Object")) {
      if (objects->size() > options_.limits.max_objects) {
        return Error::Invalid("the event has too many objects", "Object");
      }
      for (const auto& o : *objects) {
        if (!o.is_object()) continue;
        if (const json::array* attributes = ArrayAt(o.get_object(), "Attribute")) {
          for (std::size_t i = 0; i < attributes->size(); ++i) {
            if (auto s = CountAttribute(); !s) return s.error();
          }
        }
        MapObject(o.get_object());
      }
      for (const auto& o : *objects) {
        if (o.is_object()) MapReferences(o.get_object());
      }
    }
    RelateClusters(event_clusters);
    if (const json::array* sightings = ArrayAt(event, "Sighting")) {
      for (const auto& s : *sightings) {
        if (!s.is_object()) continue;
        const auto target = CleanUuid(TextAt(s.get_object(), "attribute_uuid"));
        if (target) CountSighting(*target, s.get_object());
      }
    }
    EmitSightings();

    if (refs_.empty()) return Error::Invalid("the event has nothing that maps to STIX");
    json::object report = Base("report", report_id_, created_, modified_, event_tlp_);
    report["name"] = out_.info;
    report["report_types"] = json::array{"threat-report"};
    const auto published = ValidTime(IntegerAt(event, "publish_timestamp"));
    report["published"] = StixTime(published && *published > 0 ? *published : modified_);
    std::sort(refs_.begin(), refs_.end());
    json::array refs;
    for (const auto& id : refs_) refs.push_back(json::value(id));
    report["object_refs"] = std::move(refs);
    for (auto& l : labels_from_galaxies_) {
      if (tags.labels.size() < kMaxLabels &&
          std::find(tags.labels.begin(), tags.labels.end(), l) == tags.labels.end()) {
        tags.labels.push_back(std::move(l));
      }
    }
    if (!tags.labels.empty()) report["labels"] = Labels(tags.labels);
    if (!links_.empty()) report["external_references"] = links_;
    report["x_misp_uuid"] = *uuid;
    if (const json::object* orgc = ObjectAt(event, "Orgc")) {
      const std::string name = Cut(TextAt(*orgc, "name"), 256);
      if (!name.empty()) report["x_misp_orgc"] = name;
    }
    for (const std::string_view key : {"threat_level_id", "analysis", "distribution"}) {
      if (auto v = IntegerAt(event, key); v && *v >= 0 && *v <= 9) {
        report[std::string("x_misp_") + std::string(key)] = *v;
      }
    }
    if (!Keep(std::move(report), *uuid, "event") || !report_) {
      return Error::Invalid("the event does not map to a valid STIX report");
    }

    out_.objects.reserve(observables_.size() + domain_.size() + relationships_.size() + 1);
    for (auto& o : observables_) out_.objects.push_back(std::move(o));
    for (auto& o : domain_) out_.objects.push_back(std::move(o));
    for (auto& o : relationships_) out_.objects.push_back(std::move(o));
    out_.objects.push_back(std::move(*report_));
    if (out_.objects.size() == 1) return Error::Invalid("the event has nothing that maps to STIX");
    return std::move(out_);
  }

 private:
  Status CountAttribute() {
    if (++attribute_count_ > options_.limits.max_attributes) {
      return Error::Invalid("the event has too many attributes", "Attribute");
    }
    return {};
  }

  std::int64_t ModifiedOf(const json::object& item) const {
    return std::max(created_, ValidTime(IntegerAt(item, "timestamp")).value_or(modified_));
  }

  std::optional<TlpLevel> TlpOf(const json::object& item, const TagSet& tags) const {
    if (tags.tlp) return tags.tlp;
    if (IntegerAt(item, "distribution") == 0) {
      return std::max(event_tlp_.value_or(TlpLevel::kClear), TlpLevel::kAmberStrict);
    }
    return event_tlp_;
  }

  json::object Base(std::string_view type,
                    const std::string& id,
                    std::int64_t created,
                    std::int64_t modified,
                    std::optional<TlpLevel> tlp) const {
    json::object o{{"type", type},
                   {"spec_version", "2.1"},
                   {"id", id},
                   {"created", StixTime(created)},
                   {"modified", StixTime(std::max(created, modified))}};
    if (!options_.created_by_ref.empty()) o["created_by_ref"] = options_.created_by_ref;
    if (tlp) o["object_marking_refs"] = json::array{json::value(TlpMarkingId(*tlp))};
    return o;
  }

  static json::array Labels(const std::vector<std::string>& labels) {
    json::array out;
    for (const auto& l : labels) out.push_back(json::value(l));
    return out;
  }

  // Validates a built object and files it; a failure is a skip, never an invalid object out.
  bool Keep(json::object object, std::string_view misp_uuid, std::string_view what) {
    const std::string type(object.at("type").get_string());
    auto valid = ValidateStixObject(object);
    if (!valid) {
      out_.skipped.push_back({std::string(misp_uuid), std::string(what),
                              fmt::format("the STIX {} is invalid: {} {}", type,
                                          valid.error().field, valid.error().message)});
      return false;
    }
    const std::string id(object.at("id").get_string());
    if (!seen_.insert(id).second) {
      if (valid->category == StixCategory::kCyberObservable) ShareObservable(object);
      return true;
    }
    if (type == "report") {
      report_ = std::move(object);
    } else if (type == "relationship") {
      relationships_.push_back(std::move(object));
      refs_.push_back(id);
    } else if (valid->category == StixCategory::kCyberObservable) {
      observables_.push_back(std::move(object));
    } else {
      domain_.push_back(std::move(object));
      refs_.push_back(id);
    }
    return true;
  }

  // The same observable from two attributes: its value is shared as widely as the less
  // restrictive of their markings allows.
  void ShareObservable(const json::object& again) {
    const std::string_view id = again.at("id").get_string();
    const auto level_of = [](const json::object& o) -> std::optional<TlpLevel> {
      const json::value* refs = o.if_contains("object_marking_refs");
      if (refs == nullptr || !refs->is_array() || refs->get_array().empty()) return std::nullopt;
      return TlpLevelOfMarking(refs->get_array()[0].get_string());
    };
    for (auto& existing : observables_) {
      if (existing.at("id").get_string() != id) continue;
      const auto before = level_of(existing);
      const auto now = level_of(again);
      if (before && now && *now < *before) {
        existing["object_marking_refs"] = json::array{json::value(TlpMarkingId(*now))};
      }
      return;
    }
  }

  void Skip(const json::object& item, std::string_view what, std::string reason) {
    out_.skipped.push_back({Cut(TextAt(item, "uuid"), 64), Cut(what, 128), std::move(reason)});
  }

  // --- Galaxies ---

  void ReadGalaxy(const json::object& galaxy, std::vector<std::string>& into) {
    const json::array* clusters = ArrayAt(galaxy, "GalaxyCluster");
    if (clusters == nullptr) return;
    const std::string galaxy_type = TextAt(galaxy, "type");
    for (const auto& c : *clusters) {
      if (!c.is_object()) continue;
      const auto& cluster = c.get_object();
      std::string type = TextAt(cluster, "type");
      if (type.empty()) type = galaxy_type;
      std::string value = TextAt(cluster, "value");
      if (const auto tag = ParseGalaxyTag(TextAt(cluster, "tag_name"))) {
        type = tag->galaxy_type;
        value = tag->value;
      }
      AddCluster(type, value, &cluster, into);
    }
  }

  // Builds (once per event) the object of a galaxy cluster and adds its id to `into`.
  void AddCluster(std::string_view galaxy_type,
                  std::string_view value,
                  const json::object* cluster,
                  std::vector<std::string>& into) {
    if (galaxy_type.empty() || value.empty() || galaxy_type.size() > 128 || value.size() > 512) {
      return;
    }
    const std::string tag_name = GalaxyTagName(galaxy_type, value);
    if (auto known = clusters_.find(tag_name); known != clusters_.end()) {
      if (std::find(into.begin(), into.end(), known->second.id) == into.end()) {
        into.push_back(known->second.id);
      }
      return;
    }
    const std::string_view stix_type = StixTypeOfGalaxy(galaxy_type);
    if (stix_type.empty()) {
      // Kept on the report as the tag it was.
      if (labels_from_galaxies_.size() < kMaxLabels) labels_from_galaxies_.push_back(tag_name);
      return;
    }
    const std::string id = MispId(stix_type, "galaxy/" + tag_name);
    json::object o{{"type", stix_type},
                   {"spec_version", "2.1"},
                   {"id", id},
                   {"created", kGalaxyTime},
                   {"modified", kGalaxyTime}};
    if (!options_.created_by_ref.empty()) o["created_by_ref"] = options_.created_by_ref;
    if (event_tlp_) o["object_marking_refs"] = json::array{json::value(TlpMarkingId(*event_tlp_))};
    std::string name(value);
    json::array references;
    if (stix_type == "attack-pattern") {
      // "Spearphishing Attachment - T1193"
      const std::size_t dash = name.rfind(" - ");
      if (dash != std::string::npos) {
        const std::string external_id = name.substr(dash + 3);
        if (external_id.size() >= 2 && external_id.size() <= 16 &&
            (external_id[0] == 'T' || external_id.starts_with("CAPEC-"))) {
          references.push_back(
              json::object{{"source_name", external_id[0] == 'T' ? "mitre-attack" : "capec"},
                           {"external_id", external_id}});
          name = name.substr(0, dash);
        }
      }
    }
    o["name"] = name;
    if (stix_type == "malware") {
      o["is_family"] = true;
      if (galaxy_type == "ransomware") o["malware_types"] = json::array{"ransomware"};
    }
    if (stix_type == "tool" && galaxy_type == "exploit-kit") {
      o["tool_types"] = json::array{"exploitation"};
    }
    if (cluster != nullptr) {
      const std::string description = Cut(TextAt(*cluster, "description"), 64 * 1024);
      if (!description.empty()) o["description"] = description;
      if (const json::object* meta = ObjectAt(*cluster, "meta")) {
        json::array aliases;
        if (const json::array* synonyms = ArrayAt(*meta, "synonyms")) {
          for (const auto& s : *synonyms) {
            if (s.is_string() && !s.get_string().empty() && s.get_string().size() <= 256 &&
                aliases.size() < kMaxAliases) {
              aliases.push_back(s);
            }
          }
        }
        if (!aliases.empty() && stix_type != "attack-pattern") o["aliases"] = std::move(aliases);
        if (const json::array* refs = ArrayAt(*meta, "refs")) {
          for (const auto& r : *refs) {
            if (r.is_string() && !r.get_string().empty() && r.get_string().size() <= 2048 &&
                references.size() < kMaxGalaxyRefs) {
              references.push_back(json::object{{"source_name", "misp-galaxy"}, {"url", r}});
            }
          }
        }
      }
      if (const auto uuid = CleanUuid(TextAt(*cluster, "uuid"))) o["x_misp_cluster_uuid"] = *uuid;
    }
    if (!references.empty()) o["external_references"] = std::move(references);
    o["x_misp_galaxy_type"] = galaxy_type;
    o["x_misp_tag_name"] = tag_name;
    if (!Keep(std::move(o), {}, tag_name)) return;
    clusters_.emplace(tag_name, Cluster{id, std::string(stix_type), tag_name});
    into.push_back(id);
  }

  // The clusters an attribute carries (its Galaxy blocks and misp-galaxy tags).
  std::vector<std::string> AttributeClusters(const json::object& attribute, const TagSet& tags) {
    std::vector<std::string> ids;
    if (const json::array* galaxies = ArrayAt(attribute, "Galaxy")) {
      for (const auto& g : *galaxies) {
        if (g.is_object()) ReadGalaxy(g.get_object(), ids);
      }
    }
    for (const auto& g : tags.galaxies) AddCluster(g.galaxy_type, g.value, nullptr, ids);
    return ids;
  }

  void Relate(const std::string& source,
              std::string_view type,
              const std::string& target,
              std::int64_t modified,
              std::optional<TlpLevel> tlp,
              std::string_view name) {
    const std::string id =
        MispId("relationship", fmt::format("{}/{}/{}/{}", out_.event_uuid, source, type, target));
    json::object r = Base("relationship", id, created_, modified, tlp);
    r["relationship_type"] = type;
    r["source_ref"] = source;
    r["target_ref"] = target;
    Keep(std::move(r), {}, name);
  }

  // Actors use the malware, tools and techniques the event names; malware uses the techniques.
  void RelateClusters(const std::vector<std::string>& ids) {
    const auto type_of = [](const std::string& id) { return IdentifierType(id); };
    for (const auto& source : ids) {
      const auto source_type = type_of(source);
      const bool actor = source_type == "threat-actor" || source_type == "intrusion-set";
      if (!actor && source_type != "malware") continue;
      for (const auto& target : ids) {
        const auto target_type = type_of(target);
        const bool used = target_type == "attack-pattern" ||
                          (actor && (target_type == "malware" || target_type == "tool"));
        if (used) Relate(source, "uses", target, modified_, event_tlp_, "galaxy");
      }
    }
  }

  // --- Attributes ---

  std::optional<std::string> FirstSeen(const json::object& item) const {
    if (auto t = SecondsOfText(TextAt(item, "first_seen"))) return StixTime(*t);
    return std::nullopt;
  }

  void MapAttribute(const json::object& attribute) {
    const std::string type = TextAt(attribute, "type");
    if (FlagAt(attribute, "deleted")) return Skip(attribute, type, "deleted");
    const auto uuid = CleanUuid(TextAt(attribute, "uuid"));
    if (!uuid) return Skip(attribute, type, "no valid uuid");
    if (type.empty() || type.size() > 64) return Skip(attribute, "", "no valid type");
    const std::string value = TextAt(attribute, "value");
    if (value.size() > options_.limits.max_value_bytes) return Skip(attribute, type, "too long");
    const TagSet tags = ReadTags(attribute);
    const auto tlp = TlpOf(attribute, tags);
    const std::int64_t modified = ModifiedOf(attribute);
    const bool ids = FlagAt(attribute, "to_ids");
    const std::string category = Cut(TextAt(attribute, "category"), 128);
    const std::string comment = Cut(TextAt(attribute, "comment"), 64 * 1024);

    if (type == "link") {
      if (value.empty() || HasControl(value)) return Skip(attribute, type, "not a URL");
      json::object ref{{"source_name", "link"}, {"url", value}};
      if (!comment.empty()) ref["description"] = comment;
      links_.push_back(std::move(ref));
      return;
    }

    // Properties every object of an attribute carries.
    const auto decorate = [&](json::object& o) {
      if (!tags.labels.empty()) o["labels"] = Labels(tags.labels);
      o["x_misp_uuid"] = *uuid;
      o["x_misp_type"] = type;
      if (!category.empty() && category != DefaultCategory(type)) o["x_misp_category"] = category;
      if (!comment.empty() && !o.contains("description")) o["x_misp_comment"] = comment;
      o["x_misp_to_ids"] = ids;
    };

    std::string id;
    if (const auto pattern_type = PatternTypeOf(type)) {
      id = MispId("indicator", *uuid);
      json::object o = Base("indicator", id, created_, modified, tlp);
      o["name"] = fmt::format("{} rule", type);
      if (!comment.empty()) o["description"] = comment;
      o["indicator_types"] = json::array{"malicious-activity"};
      o["pattern"] = value;
      o["pattern_type"] = *pattern_type;
      if (*pattern_type == "stix") o["pattern_version"] = "2.1";
      o["valid_from"] = FirstSeen(attribute).value_or(StixTime(created_));
      decorate(o);
      if (!Keep(std::move(o), *uuid, type)) return;
    } else if (type == "vulnerability" || type == "threat-actor" || type == "campaign-name") {
      const std::string_view stix_type = type == "vulnerability"  ? "vulnerability"
                                         : type == "threat-actor" ? "threat-actor"
                                                                  : "campaign";
      if (HasControl(value) || value.size() > 1024) return Skip(attribute, type, "not a name");
      id = MispId(stix_type, *uuid);
      json::object o = Base(stix_type, id, created_, modified, tlp);
      o["name"] = value;
      if (!comment.empty()) o["description"] = comment;
      if (type == "vulnerability") {
        if (const auto cve = CveOf(value)) {
          o["name"] = *cve;
          o["external_references"] =
              json::array{json::object{{"source_name", "cve"}, {"external_id", *cve}}};
        }
      }
      decorate(o);
      if (!Keep(std::move(o), *uuid, type)) return;
    } else {
      std::vector<Term> terms;
      ObservableSet observables;
      const MapContext ctx;
      AttributeMapper mapper(ctx, &terms, observables);
      const MapOutcome outcome = mapper.Map(type, value);
      if (!outcome.error.empty()) return Skip(attribute, type, outcome.error);
      std::vector<json::object> scos = observables.Finish();
      if (outcome.supported && ids && !terms.empty()) {
        id = MispId("indicator", *uuid);
        json::object o = Base("indicator", id, created_, modified, tlp);
        o["name"] = Cut(NameOf(terms), 256);
        if (!comment.empty()) o["description"] = comment;
        o["indicator_types"] = json::array{"malicious-activity"};
        o["pattern"] = PatternOf(terms);
        o["pattern_type"] = "stix";
        o["pattern_version"] = "2.1";
        o["valid_from"] = FirstSeen(attribute).value_or(StixTime(created_));
        decorate(o);
        if (!Keep(std::move(o), *uuid, type)) return;
      } else {
        std::optional<json::object> o;
        if (outcome.supported && !ids && !scos.empty()) {
          o = ObservedData(attribute, *uuid, std::move(scos), modified, tlp, type);
        } else {
          o = Base("x-misp-attribute", MispId("x-misp-attribute", *uuid), created_, modified, tlp);
          (*o)["x_misp_value"] = value;
          if (auto first = FirstSeen(attribute)) (*o)["x_misp_first_seen"] = *first;
        }
        if (!o) return;
        id = std::string(o->at("id").get_string());
        decorate(*o);
        if (!Keep(std::move(*o), *uuid, type)) return;
      }
    }
    uuid_to_id_[*uuid] = id;
    for (const auto& cluster : AttributeClusters(attribute, tags)) {
      Relate(id, id.starts_with("indicator--") ? "indicates" : "related-to", cluster, modified, tlp,
             type);
    }
    if (const json::array* sightings = ArrayAt(attribute, "Sighting")) {
      for (const auto& s : *sightings) {
        if (s.is_object()) CountSighting(*uuid, s.get_object());
      }
    }
  }

  // observed-data over `scos` (which it files), not yet filed itself; nullopt when no observable
  // was kept.
  std::optional<json::object> ObservedData(const json::object& item,
                                           const std::string& uuid,
                                           std::vector<json::object> scos,
                                           std::int64_t modified,
                                           std::optional<TlpLevel> tlp,
                                           std::string_view what) {
    json::array refs;
    for (auto& sco : scos) {
      const std::string sco_id(sco.at("id").get_string());
      if (tlp) sco["object_marking_refs"] = json::array{json::value(TlpMarkingId(*tlp))};
      if (Keep(std::move(sco), uuid, what)) refs.push_back(json::value(sco_id));
    }
    if (refs.empty()) return std::nullopt;
    const std::string id = MispId("observed-data", uuid);
    json::object o = Base("observed-data", id, created_, modified, tlp);
    const std::string first = FirstSeen(item).value_or(StixTime(std::max(created_, modified)));
    std::string last = first;
    if (auto t = SecondsOfText(TextAt(item, "last_seen"))) {
      if (StixTime(*t) > first) last = StixTime(*t);
    }
    o["first_observed"] = first;
    o["last_observed"] = last;
    o["number_observed"] = 1;
    o["object_refs"] = std::move(refs);
    return o;
  }

  // --- Objects ---

  void MapObject(const json::object& object) {
    const std::string name = Cut(TextAt(object, "name"), 128);
    if (FlagAt(object, "deleted")) return Skip(object, name, "deleted");
    const auto uuid = CleanUuid(TextAt(object, "uuid"));
    if (!uuid) return Skip(object, name, "no valid uuid");
    const json::array* attributes = ArrayAt(object, "Attribute");
    if (attributes == nullptr || attributes->empty()) return Skip(object, name, "no attributes");

    MapContext ctx;
    ctx.section = name == "pe-section";
    bool has_domain = false;
    for (const auto& a : *attributes) {
      if (!a.is_object() || FlagAt(a.get_object(), "deleted")) continue;
      const std::string type = TextAt(a.get_object(), "type");
      if (type == "port") ctx.traffic = true;
      if (type == "domain" || type == "hostname") has_domain = true;
    }
    ctx.resolves = has_domain && !ctx.traffic && name == "domain-ip";

    std::vector<Term> terms;
    ObservableSet observables;
    json::array kept;
    std::optional<TlpLevel> tlp;
    std::vector<std::string> labels;
    std::vector<std::string> clusters;
    std::vector<std::string> member_uuids;
    std::string first_ids_value;
    std::string first_value;
    std::int64_t modified = ModifiedOf(object);
    for (const auto& a : *attributes) {
      if (!a.is_object()) continue;
      const auto& attribute = a.get_object();
      if (FlagAt(attribute, "deleted")) continue;
      const std::string type = Cut(TextAt(attribute, "type"), 64);
      const std::string value = TextAt(attribute, "value");
      if (type.empty() || value.empty() || value.size() > options_.limits.max_value_bytes) continue;
      const bool ids = FlagAt(attribute, "to_ids");
      ctx.relation = Cut(TextAt(attribute, "object_relation"), 128);
      AttributeMapper mapper(ctx, ids ? &terms : nullptr, observables);
      const MapOutcome outcome = mapper.Map(type, value);
      if (!outcome.error.empty()) {
        Skip(attribute, type, outcome.error);
        continue;
      }
      const TagSet tags = ReadTags(attribute);
      if (tags.tlp) tlp = tlp ? std::max(*tlp, *tags.tlp) : *tags.tlp;
      for (const auto& l : tags.labels) {
        if (labels.size() < kMaxLabels &&
            std::find(labels.begin(), labels.end(), l) == labels.end()) {
          labels.push_back(l);
        }
      }
      for (const auto& c : AttributeClusters(attribute, tags)) {
        if (std::find(clusters.begin(), clusters.end(), c) == clusters.end()) clusters.push_back(c);
      }
      modified = std::max(modified, ModifiedOf(attribute));
      if (first_value.empty()) first_value = value;
      if (ids && outcome.supported && first_ids_value.empty()) first_ids_value = value;
      json::object k{
          {"object_relation", ctx.relation}, {"type", type}, {"value", value}, {"to_ids", ids}};
      if (const auto a_uuid = CleanUuid(TextAt(attribute, "uuid"))) {
        k["uuid"] = *a_uuid;
        member_uuids.push_back(*a_uuid);
      }
      const std::string category = Cut(TextAt(attribute, "category"), 128);
      if (!category.empty() && category != DefaultCategory(type)) k["category"] = category;
      const std::string comment = Cut(TextAt(attribute, "comment"), 4096);
      if (!comment.empty()) k["comment"] = comment;
      if (const json::array* sightings = ArrayAt(attribute, "Sighting")) {
        for (const auto& s : *sightings) {
          if (s.is_object()) CountSighting(*uuid, s.get_object());
        }
      }
      kept.push_back(std::move(k));
    }
    if (kept.empty()) return Skip(object, name, "no attribute could be mapped");
    if (!tlp) tlp = TlpOf(object, {});
    const std::string comment = Cut(TextAt(object, "comment"), 64 * 1024);
    const auto decorate = [&](json::object& o) {
      if (!labels.empty()) o["labels"] = Labels(labels);
      o["x_misp_uuid"] = *uuid;
      o["x_misp_object_name"] = name;
      const std::string meta = Cut(TextAt(object, "meta-category"), 128);
      if (!meta.empty()) o["x_misp_meta_category"] = meta;
      if (!comment.empty() && !o.contains("description")) o["x_misp_comment"] = comment;
      o["x_misp_attributes"] = kept;
    };

    std::string id;
    std::vector<json::object> scos = observables.Finish();
    if (!terms.empty()) {
      id = MispId("indicator", *uuid);
      json::object o = Base("indicator", id, created_, modified, tlp);
      o["name"] = Cut(fmt::format("{}: {}", name, first_ids_value), 256);
      if (!comment.empty()) o["description"] = comment;
      o["indicator_types"] = json::array{"malicious-activity"};
      o["pattern"] = PatternOf(terms);
      o["pattern_type"] = "stix";
      o["pattern_version"] = "2.1";
      o["valid_from"] = FirstSeen(object).value_or(StixTime(created_));
      decorate(o);
      if (!Keep(std::move(o), *uuid, name)) return;
    } else if (auto o = scos.empty()
                            ? std::nullopt
                            : ObservedData(object, *uuid, std::move(scos), modified, tlp, name)) {
      id = std::string(o->at("id").get_string());
      decorate(*o);
      if (!Keep(std::move(*o), *uuid, name)) return;
    } else {
      id = MispId("x-misp-object", *uuid);
      json::object custom = Base("x-misp-object", id, created_, modified, tlp);
      custom["name"] = Cut(fmt::format("{}: {}", name, first_value), 256);
      decorate(custom);
      if (!Keep(std::move(custom), *uuid, name)) return;
    }
    uuid_to_id_[*uuid] = id;
    for (const auto& m : member_uuids) uuid_to_id_.emplace(m, id);
    object_tlp_[id] = tlp;
    for (const auto& cluster : clusters) {
      Relate(id, id.starts_with("indicator--") ? "indicates" : "related-to", cluster, modified, tlp,
             name);
    }
  }

  void MapReferences(const json::object& object) {
    const auto uuid = CleanUuid(TextAt(object, "uuid"));
    if (!uuid) return;
    const auto source = uuid_to_id_.find(*uuid);
    if (source == uuid_to_id_.end()) return;
    const json::array* references = ArrayAt(object, "ObjectReference");
    if (references == nullptr) return;
    for (const auto& r : *references) {
      if (!r.is_object() || FlagAt(r.get_object(), "deleted")) continue;
      const auto& reference = r.get_object();
      const auto target_uuid = CleanUuid(TextAt(reference, "referenced_uuid"));
      if (!target_uuid) continue;
      const auto target = uuid_to_id_.find(*target_uuid);
      if (target == uuid_to_id_.end() || target->second == source->second) continue;
      const auto tlp = object_tlp_.find(source->second);
      Relate(source->second, RelationshipType(TextAt(reference, "relationship_type")),
             target->second, ModifiedOf(reference),
             tlp != object_tlp_.end() ? tlp->second : event_tlp_, "ObjectReference");
    }
  }

  // --- Sightings ---

  void CountSighting(const std::string& misp_uuid, const json::object& sighting) {
    const std::string type = TextAt(sighting, "type");
    if (!type.empty() && type != "0") return;  // 1: false positive, 2: expiration
    auto& s = sightings_[misp_uuid];
    if (s.count >= 999'999'999) return;
    ++s.count;
    if (const auto at = ValidTime(IntegerAt(sighting, "date_sighting"))) {
      s.first = s.first ? std::min(*s.first, *at) : *at;
      s.last = s.last ? std::max(*s.last, *at) : *at;
    }
  }

  void EmitSightings() {
    for (const auto& [misp_uuid, s] : sightings_) {
      const auto target = uuid_to_id_.find(misp_uuid);
      if (target == uuid_to_id_.end()) continue;
      const std::string id = MispId("sighting", target->second);
      const std::int64_t modified = std::max(created_, s.last.value_or(modified_));
      json::object o = Base("sighting", id, created_, modified, event_tlp_);
      o["sighting_of_ref"] = target->second;
      o["count"] = s.count;
      if (s.first) o["first_seen"] = StixTime(*s.first);
      if (s.last) o["last_seen"] = StixTime(*s.last);
      if (auto valid = ValidateStixObject(o); valid) {
        out_.sightings.push_back(std::move(o));
      } else {
        out_.skipped.push_back({misp_uuid, "sighting", "the STIX sighting is invalid"});
      }
    }
  }

  const MispImportOptions& options_;
  MispImport out_;
  std::int64_t created_ = 0;
  std::int64_t modified_ = 0;
  std::optional<TlpLevel> event_tlp_;
  std::string report_id_;
  std::size_t attribute_count_ = 0;
  std::set<std::string> seen_;
  std::vector<std::string> refs_;
  std::vector<json::object> observables_;
  std::vector<json::object> domain_;
  std::vector<json::object> relationships_;
  std::optional<json::object> report_;
  json::array links_;
  std::map<std::string, Cluster> clusters_;
  std::vector<std::string> labels_from_galaxies_;
  std::map<std::string, std::string> uuid_to_id_;
  std::map<std::string, std::optional<TlpLevel>> object_tlp_;
  std::map<std::string, Sightings> sightings_;
};

Result<json::value> ParseJson(std::string_view text, const MispLimits& limits) {
  if (text.size() > limits.max_bytes) return Error::Invalid("the MISP JSON is too large");
  json::parse_options options;
  options.max_depth = limits.max_depth;
  boost::system::error_code ec;
  json::value value = json::parse(text, ec, {}, options);
  if (ec) return Error::Invalid("the MISP JSON cannot be parsed");
  return value;
}

}  // namespace

Result<std::string> UuidV5(std::string_view namespace_uuid, std::string_view name) {
  if (!UuidBytes(namespace_uuid)) return Error::Invalid("the namespace is not a UUID");
  return Uuid5(namespace_uuid, name);
}

std::string DeterministicObservableId(const json::object& observable) {
  const json::value* type_value = observable.if_contains("type");
  const std::string type =
      type_value != nullptr && type_value->is_string() ? std::string(type_value->get_string()) : "";
  static const std::map<std::string, std::vector<std::string_view>, std::less<>> kContributing = {
      {"artifact", {"hashes", "payload_bin"}},
      {"autonomous-system", {"number"}},
      {"directory", {"path"}},
      {"domain-name", {"value"}},
      {"email-addr", {"value"}},
      {"email-message", {"from_ref", "subject", "body"}},
      {"file", {"hashes", "name", "extensions", "parent_directory_ref"}},
      {"ipv4-addr", {"value"}},
      {"ipv6-addr", {"value"}},
      {"mac-addr", {"value"}},
      {"mutex", {"name"}},
      {"network-traffic",
       {"start", "end", "src_ref", "dst_ref", "src_port", "dst_port", "protocols", "extensions"}},
      {"process", {}},
      {"software", {"name", "cpe", "swid", "vendor", "version"}},
      {"url", {"value"}},
      {"user-account", {"account_type", "user_id", "account_login"}},
      {"windows-registry-key", {"key", "values"}},
      {"x509-certificate", {"hashes", "serial_number"}},
  };
  json::object contributing;
  const auto it = kContributing.find(type);
  if (it != kContributing.end()) {
    for (const auto name : it->second) {
      const json::value* v = observable.if_contains(name);
      if (v == nullptr) continue;
      if (name == "hashes" && v->is_object() && !v->get_object().empty()) {
        const auto& hashes = v->get_object();
        json::object one;
        for (const std::string_view preferred : {"MD5", "SHA-1", "SHA-256", "SHA-512"}) {
          if (const json::value* h = hashes.if_contains(preferred)) {
            one[preferred] = *h;
            break;
          }
        }
        if (one.empty()) one[hashes.begin()->key()] = hashes.begin()->value();
        contributing[name] = std::move(one);
      } else {
        contributing[name] = *v;
      }
    }
  } else {
    for (const auto& e : observable) {
      if (e.key() != "id" && e.key() != "type" && e.key() != "spec_version") {
        contributing[e.key()] = e.value();
      }
    }
  }
  std::string canonical;
  Canonical(contributing, canonical);
  return type + "--" + Uuid5(kObservableNamespace, canonical);
}

Result<MispImport> ImportMispEvent(const json::value& input, const MispImportOptions& options) {
  if (!input.is_object()) return Error::Invalid("a MISP event is a JSON object");
  const json::object* event = &input.get_object();
  if (const json::array* response = ArrayAt(*event, "response")) {
    if (response->size() != 1 || !(*response)[0].is_object()) {
      return Error::Invalid("expected exactly one event in \"response\"", "response");
    }
    event = &(*response)[0].get_object();
  }
  if (const json::object* inner = ObjectAt(*event, "Event")) event = inner;
  return Importer(options).Run(*event);
}

Result<MispImport> ImportMispEvent(std::string_view json_text, const MispImportOptions& options) {
  auto value = ParseJson(json_text, options.limits);
  if (!value) return value.error();
  return ImportMispEvent(*value, options);
}

Result<std::vector<std::pair<std::string, std::int64_t>>> ParseMispManifest(
    std::string_view json_text, const MispLimits& limits) {
  auto value = ParseJson(json_text, limits);
  if (!value) return value.error();
  if (!value->is_object()) return Error::Invalid("a MISP feed manifest is a JSON object");
  const auto& manifest = value->get_object();
  if (manifest.size() > limits.max_objects) {
    return Error::Invalid("the MISP feed manifest lists too many events");
  }
  std::vector<std::pair<std::string, std::int64_t>> out;
  for (const auto& entry : manifest) {
    const auto uuid = CleanUuid(entry.key());
    if (!uuid || !entry.value().is_object()) continue;
    const auto timestamp = ValidTime(IntegerAt(entry.value().get_object(), "timestamp"));
    if (!timestamp) continue;
    out.emplace_back(*uuid, *timestamp);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end(),
                        [](const auto& a, const auto& b) { return a.first == b.first; }),
            out.end());
  return out;
}

// --- Export -------------------------------------------------------------------------------------

namespace {

// One MISP attribute's worth of a STIX pattern or observable.
struct Piece {
  std::string type;      // MISP attribute type
  std::string relation;  // object_relation in a MISP object
  std::string value;
};

// "file:hashes.SHA-256", "network-traffic:dst_ref.value", "email-message:to_refs[*].value".
std::string PathKey(const ObjectPath& path) {
  std::string out = path.object_type + ":" + path.property;
  for (const auto& step : path.steps) {
    switch (step.kind) {
      case PathStep::Kind::kKey:
        out += "." + step.key;
        break;
      case PathStep::Kind::kIndex:
        out += "[" + std::to_string(step.index) + "]";
        break;
      case PathStep::Kind::kAnyIndex:
        out += "[*]";
        break;
    }
  }
  return out;
}

// The MISP hash type of a STIX hash name in any spelling (SHA-256, sha256, 'SHA256').
std::string MispHashType(std::string_view stix_name) {
  std::string key;
  for (const char c : stix_name) {
    if (c != '-' && c != '_') key.push_back(c >= 'a' && c <= 'z' ? static_cast<char>(c - 32) : c);
  }
  static const std::map<std::string, std::string, std::less<>> kNames = {
      {"MD5", "md5"},          {"SHA1", "sha1"},        {"SHA224", "sha224"},
      {"SHA256", "sha256"},    {"SHA384", "sha384"},    {"SHA512", "sha512"},
      {"SHA3224", "sha3-224"}, {"SHA3256", "sha3-256"}, {"SHA3384", "sha3-384"},
      {"SHA3512", "sha3-512"}, {"SSDEEP", "ssdeep"},    {"TLSH", "tlsh"},
  };
  const auto it = kNames.find(key);
  return it != kNames.end() ? it->second : std::string();
}

bool IsAddress(std::string_view value) {
  return Normalise(ObservableKind::kIpv4, value).has_value() ||
         Normalise(ObservableKind::kIpv6, value).has_value();
}

// The piece a comparison `path = value` stands for; nullopt for paths MISP has no type for.
std::optional<Piece> PieceOfPath(const std::string& key, const std::string& value) {
  const auto piece = [&](std::string_view type, std::string_view relation) {
    return Piece{std::string(type), std::string(relation), value};
  };
  if (key == "ipv4-addr:value" || key == "ipv6-addr:value") return piece("ip-dst", "ip");
  if (key == "network-traffic:dst_ref.value") {
    return IsAddress(value) ? piece("ip-dst", "ip") : piece("hostname", "hostname");
  }
  if (key == "network-traffic:src_ref.value") {
    return IsAddress(value) ? piece("ip-src", "ip-src") : piece("hostname", "hostname");
  }
  if (key == "network-traffic:dst_port") return piece("port", "dst-port");
  if (key == "network-traffic:src_port") return piece("port", "src-port");
  if (key == "network-traffic:extensions.http-request-ext.request_header.User-Agent") {
    return piece("user-agent", "user-agent");
  }
  if (key == "network-traffic:extensions.http-request-ext.request_method") {
    return piece("http-method", "method");
  }
  if (key == "domain-name:value") return piece("domain", "domain");
  if (key == "domain-name:resolves_to_refs[*].value") return piece("ip-dst", "ip");
  if (key == "url:value") return piece("url", "url");
  if (key == "email-addr:value") return piece("email", "email");
  if (key == "email-message:from_ref.value") return piece("email-src", "from");
  if (key == "email-message:to_refs[*].value") return piece("email-dst", "to");
  if (key == "email-message:cc_refs[*].value") return piece("email-dst", "cc");
  if (key == "email-message:subject") return piece("email-subject", "subject");
  if (key == "email-message:message_id") return piece("email-message-id", "message-id");
  if (key == "email-message:additional_header_fields.Reply-To") {
    return piece("email-reply-to", "reply-to");
  }
  if (key == "email-message:additional_header_fields.X-Mailer") {
    return piece("email-x-mailer", "x-mailer");
  }
  if (key == "email-message:body_multipart[*].body_raw_ref.name") {
    return piece("email-attachment", "attachment");
  }
  if (key == "file:name") return piece("filename", "filename");
  if (key == "file:extensions.windows-pebinary-ext.imphash") return piece("imphash", "imphash");
  constexpr std::string_view kFileHashes = "file:hashes.";
  constexpr std::string_view kSectionHashes =
      "file:extensions.windows-pebinary-ext.sections[*].hashes.";
  constexpr std::string_view kCertHashes = "x509-certificate:hashes.";
  if (key.starts_with(kFileHashes) || key.starts_with(kSectionHashes)) {
    const std::string_view name = std::string_view(key).substr(
        key.starts_with(kFileHashes) ? kFileHashes.size() : kSectionHashes.size());
    const std::string type = MispHashType(name);
    if (type.empty()) return std::nullopt;
    return piece(type, type);
  }
  if (key.starts_with(kCertHashes)) {
    const std::string type = MispHashType(std::string_view(key).substr(kCertHashes.size()));
    if (type.empty()) return std::nullopt;
    return piece("x509-fingerprint-" + type, "x509-fingerprint-" + type);
  }
  if (key == "autonomous-system:number") return piece("AS", "asn");
  if (key == "mutex:name") return piece("mutex", "name");
  if (key == "mac-addr:value") return piece("mac-address", "mac-address");
  if (key == "windows-registry-key:key") return piece("regkey", "key");
  if (key == "windows-registry-key:values[*].data") return piece("text", "data");
  return std::nullopt;
}

std::optional<std::string> LiteralText(const Literal& literal) {
  if (const auto* s = std::get_if<std::string>(&literal)) return *s;
  if (const auto* n = std::get_if<std::int64_t>(&literal)) return std::to_string(*n);
  return std::nullopt;
}

struct PatternPieces {
  std::vector<Piece> pieces;
  bool all_and = true;      // no OR or FOLLOWEDBY anywhere
  std::string object_type;  // the one object type of every comparison, or empty
};

void CheckOperators(const ComparisonExpression& e, bool& all_and) {
  if (e.kind == ComparisonExpression::Kind::kOr) all_and = false;
  for (const auto& operand : e.operands) CheckOperators(operand, all_and);
}

void CheckOperators(const ObservationExpression& e, bool& all_and) {
  if (e.kind == ObservationExpression::Kind::kOr ||
      e.kind == ObservationExpression::Kind::kFollowedBy) {
    all_and = false;
  }
  if (e.kind == ObservationExpression::Kind::kObservation) CheckOperators(e.comparison, all_and);
  for (const auto& operand : e.operands) CheckOperators(operand, all_and);
}

PatternPieces PiecesOfPattern(std::string_view text) {
  PatternPieces out;
  auto pattern = ParsePattern(text);
  if (!pattern) return out;
  CheckOperators(pattern->expression, out.all_and);
  bool one_type = true;
  for (const Comparison* c : ListComparisons(*pattern)) {
    if (c->negated) continue;
    std::vector<std::string> values;
    if (c->op == Operator::kEqual && c->values.size() == 1) {
      if (auto v = LiteralText(c->values[0])) values.push_back(*v);
    } else if (c->op == Operator::kIn) {
      out.all_and = false;
      for (const auto& literal : c->values) {
        if (auto v = LiteralText(literal)) values.push_back(*v);
      }
    } else if (c->op == Operator::kIsSubset && c->values.size() == 1) {
      if (auto v = LiteralText(c->values[0])) values.push_back(*v);
    }
    for (const auto& v : values) {
      auto piece = PieceOfPath(PathKey(c->path), v);
      if (!piece) continue;
      if (out.object_type.empty()) {
        out.object_type = c->path.object_type;
      } else if (out.object_type != c->path.object_type) {
        one_type = false;
      }
      out.pieces.push_back(std::move(*piece));
    }
  }
  if (!one_type) out.object_type.clear();
  return out;
}

// The pieces of a set of cyber-observables (an observed-data's object_refs).
std::vector<Piece> PiecesOfObservables(const std::vector<const json::object*>& scos,
                                       const std::map<std::string, const json::object*>& by_id) {
  std::vector<Piece> out;
  const auto value_of = [&](const json::value* ref) -> std::string {
    if (ref == nullptr || !ref->is_string()) return {};
    const auto it = by_id.find(std::string(ref->get_string()));
    if (it == by_id.end()) return {};
    return TextAt(*it->second, "value");
  };
  for (const json::object* sco : scos) {
    const std::string type = TextAt(*sco, "type");
    const std::string value = TextAt(*sco, "value");
    if (type == "ipv4-addr" || type == "ipv6-addr") {
      out.push_back({"ip-dst", "ip", value});
    } else if (type == "domain-name") {
      out.push_back({"domain", "domain", value});
      if (const json::array* refs = ArrayAt(*sco, "resolves_to_refs")) {
        for (const auto& r : *refs) {
          if (auto ip = value_of(&r); !ip.empty()) out.push_back({"ip-dst", "ip", ip});
        }
      }
    } else if (type == "url") {
      out.push_back({"url", "url", value});
    } else if (type == "email-addr") {
      out.push_back({"email", "email", value});
    } else if (type == "mac-addr") {
      out.push_back({"mac-address", "mac-address", value});
    } else if (type == "mutex") {
      out.push_back({"mutex", "name", TextAt(*sco, "name")});
    } else if (type == "autonomous-system") {
      out.push_back({"AS", "asn", TextAt(*sco, "number")});
    } else if (type == "file" || type == "x509-certificate") {
      const std::string name = TextAt(*sco, "name");
      if (type == "file" && !name.empty()) out.push_back({"filename", "filename", name});
      if (const json::object* hashes = ObjectAt(*sco, "hashes")) {
        for (const auto& h : *hashes) {
          std::string t = MispHashType(h.key());
          if (t.empty() || !h.value().is_string()) continue;
          if (type == "x509-certificate") t = "x509-fingerprint-" + t;
          out.push_back({t, t, std::string(h.value().get_string())});
        }
      }
    } else if (type == "windows-registry-key") {
      out.push_back({"regkey", "key", TextAt(*sco, "key")});
      if (const json::array* values = ArrayAt(*sco, "values")) {
        for (const auto& v : *values) {
          if (v.is_object()) out.push_back({"text", "data", TextAt(v.get_object(), "data")});
        }
      }
    } else if (type == "network-traffic") {
      if (auto dst = value_of(sco->if_contains("dst_ref")); !dst.empty()) {
        out.push_back(IsAddress(dst) ? Piece{"ip-dst", "ip", dst}
                                     : Piece{"hostname", "hostname", dst});
      }
      if (auto src = value_of(sco->if_contains("src_ref")); !src.empty()) {
        out.push_back({"ip-src", "ip-src", src});
      }
      if (auto port = TextAt(*sco, "dst_port"); !port.empty()) {
        out.push_back({"port", "dst-port", port});
      }
      if (auto port = TextAt(*sco, "src_port"); !port.empty()) {
        out.push_back({"port", "src-port", port});
      }
    } else if (type == "email-message") {
      if (auto from = value_of(sco->if_contains("from_ref")); !from.empty()) {
        out.push_back({"email-src", "from", from});
      }
      for (const std::string_view list : {"to_refs", "cc_refs"}) {
        if (const json::array* refs = ArrayAt(*sco, list)) {
          for (const auto& r : *refs) {
            if (auto to = value_of(&r); !to.empty()) {
              out.push_back({"email-dst", list == "to_refs" ? "to" : "cc", to});
            }
          }
        }
      }
      if (auto subject = TextAt(*sco, "subject"); !subject.empty()) {
        out.push_back({"email-subject", "subject", subject});
      }
    }
  }
  out.erase(std::remove_if(out.begin(), out.end(), [](const Piece& p) { return p.value.empty(); }),
            out.end());
  return out;
}

// The value of an attribute of MISP type `type` put together from pieces; nullopt when the
// pieces do not hold it.
std::optional<std::string> Assemble(std::string_view type, const std::vector<Piece>& pieces) {
  const auto find = [&](auto&& match) -> const Piece* {
    for (const auto& p : pieces) {
      if (match(p)) return &p;
    }
    return nullptr;
  };
  const auto of_type = [&](std::string_view t) {
    return find([&](const Piece& p) { return p.type == t; });
  };
  const auto join = [](const Piece* a, const Piece* b) -> std::optional<std::string> {
    if (a == nullptr || b == nullptr) return std::nullopt;
    return a->value + "|" + b->value;
  };
  if (type == "ip-dst|port" || type == "ip-src|port" || type == "hostname|port") {
    const bool src = type == "ip-src|port";
    const Piece* host = of_type(type == "hostname|port" ? "hostname" : src ? "ip-src" : "ip-dst");
    const Piece* port =
        find([&](const Piece& p) { return p.relation == (src ? "src-port" : "dst-port"); });
    return join(host, port);
  }
  if (type == "domain|ip") return join(of_type("domain"), of_type("ip-dst"));
  if (type == "regkey|value") {
    return join(of_type("regkey"), find([](const Piece& p) { return p.relation == "data"; }));
  }
  if (type == "malware-sample") return join(of_type("filename"), of_type("md5"));
  if (type.starts_with("filename|")) return join(of_type("filename"), of_type(type.substr(9)));
  if (type == "ip-src" || type == "ip-dst") {
    const Piece* p = find([](const Piece& x) { return x.type == "ip-src" || x.type == "ip-dst"; });
    return p != nullptr ? std::optional<std::string>(p->value) : std::nullopt;
  }
  if (type == "hostname" || type == "domain") {
    const Piece* p =
        find([](const Piece& x) { return x.type == "hostname" || x.type == "domain"; });
    return p != nullptr ? std::optional<std::string>(p->value) : std::nullopt;
  }
  if (type == "email" || type == "email-src" || type == "email-dst" || type == "target-email" ||
      type == "whois-registrant-email") {
    const Piece* p = find(
        [](const Piece& x) { return x.type.starts_with("email") && x.type != "email-subject"; });
    return p != nullptr ? std::optional<std::string>(p->value) : std::nullopt;
  }
  if (type == "uri" || type == "link") {
    const Piece* p = of_type("url");
    return p != nullptr ? std::optional<std::string>(p->value) : std::nullopt;
  }
  if (type == "attachment") {
    const Piece* p = of_type("filename");
    return p != nullptr ? std::optional<std::string>(p->value) : std::nullopt;
  }
  const Piece* p = of_type(type);
  return p != nullptr ? std::optional<std::string>(p->value) : std::nullopt;
}

// MISP's distribution for a TLP level: CLEAR to all communities, GREEN to this community, the
// rest to the organisation only.
std::string_view DistributionOf(std::optional<TlpLevel> tlp) {
  if (!tlp) return "1";
  if (*tlp == TlpLevel::kClear) return "3";
  if (*tlp == TlpLevel::kGreen) return "1";
  return "0";
}

std::string TlpTag(TlpLevel level) { return "tlp:" + std::string(TlpKey(level)); }

std::optional<TlpLevel> TlpOfObject(const json::object& o) {
  const json::array* refs = ArrayAt(o, "object_marking_refs");
  if (refs == nullptr) return std::nullopt;
  for (const auto& r : *refs) {
    if (!r.is_string()) continue;
    if (auto level = TlpLevelOfMarking(r.get_string())) return level;
  }
  return std::nullopt;
}

std::optional<std::int64_t> SecondsOfStix(const json::object& o, std::string_view key) {
  const std::string text = TextAt(o, key);
  if (text.empty()) return std::nullopt;
  return SecondsOfText(text);
}

std::string UuidOfId(std::string_view id) {
  const std::size_t dashes = id.find("--");
  return dashes == std::string_view::npos ? std::string() : std::string(id.substr(dashes + 2));
}

std::string Date(std::int64_t seconds) { return StixTime(seconds).substr(0, 10); }

class Exporter {
 public:
  Exporter(const json::object& root, std::span<const json::object> related) : root_(root) {
    for (const auto& o : related) {
      const std::string id = TextAt(o, "id");
      if (id.empty()) continue;
      by_id_[id] = &o;
      if (TextAt(o, "type") == "relationship") relationships_.push_back(&o);
    }
    root_id_ = TextAt(root, "id");
    by_id_[root_id_] = &root;
  }

  Result<json::object> Run() {
    if (root_id_.empty() || !IsStixIdentifier(root_id_)) {
      return Error::Invalid("the root is not a STIX object with an id", "id");
    }
    const std::string root_type = TextAt(root_, "type");
    event_tlp_ = TlpOfObject(root_);
    json::object event;
    const auto created = SecondsOfStix(root_, "created");
    const auto modified = SecondsOfStix(root_, "modified").value_or(created.value_or(0));
    std::vector<std::string> members;
    if (root_type == "report") {
      std::string uuid = TextAt(root_, "x_misp_uuid");
      if (!CleanUuid(uuid)) uuid = UuidOfId(root_id_);
      event["uuid"] = uuid;
      event["info"] = TextAt(root_, "name");
      if (const json::array* refs = ArrayAt(root_, "object_refs")) {
        for (const auto& r : *refs) {
          if (r.is_string()) members.emplace_back(r.get_string());
        }
      }
      const auto published = SecondsOfStix(root_, "published");
      event["publish_timestamp"] = std::to_string(published.value_or(modified));
      for (const std::string_view key : {"threat_level_id", "analysis", "distribution"}) {
        if (auto v = IntegerAt(root_, std::string("x_misp_") + std::string(key))) {
          event[key] = std::to_string(*v);
        }
      }
      if (const std::string orgc = TextAt(root_, "x_misp_orgc"); !orgc.empty()) {
        event["Orgc"] = json::object{{"name", orgc}};
      }
    } else {
      event["uuid"] = Uuid5(kMispNamespace, "event/" + root_id_);
      std::string name = TextAt(root_, "name");
      if (name.empty()) name = TextAt(root_, "value");
      event["info"] = fmt::format("{}: {}", root_type, name.empty() ? root_id_ : name);
      members.push_back(root_id_);
      for (const json::object* r : relationships_) {
        const std::string source = TextAt(*r, "source_ref");
        const std::string target = TextAt(*r, "target_ref");
        if (source == root_id_) members.push_back(target);
        if (target == root_id_) members.push_back(source);
      }
    }
    if (!event.contains("threat_level_id")) event["threat_level_id"] = "4";
    if (!event.contains("analysis")) event["analysis"] = "2";
    // An event that came from MISP keeps what it had; others get the TLP's distribution.
    if (!event.contains("distribution") && !root_.contains("x_misp_uuid")) {
      event["distribution"] = DistributionOf(event_tlp_);
    }
    if (!event.contains("publish_timestamp")) event["publish_timestamp"] = "0";
    event["date"] = Date(created.value_or(modified));
    event["timestamp"] = std::to_string(modified);
    event["published"] = false;

    // Links and labels of the root.
    if (const json::array* refs = ArrayAt(root_, "external_references")) {
      for (const auto& r : *refs) {
        if (!r.is_object()) continue;
        const std::string url = TextAt(r.get_object(), "url");
        if (url.empty()) continue;
        json::object link = NewAttribute(Uuid5(kMispNamespace, "link/" + root_id_ + "/" + url),
                                         "link", url, false, "", modified);
        const std::string description = TextAt(r.get_object(), "description");
        if (!description.empty()) link["comment"] = description;
        attributes_.push_back(std::move(link));
      }
    }
    if (event_tlp_) AddEventTag(TlpTag(*event_tlp_));
    if (const json::array* labels = ArrayAt(root_, "labels")) {
      for (const auto& l : *labels) {
        if (l.is_string()) AddEventTag(std::string(l.get_string()));
      }
    }

    std::set<std::string> done;
    for (const auto& id : members) {
      if (!done.insert(id).second) continue;
      const auto it = by_id_.find(id);
      if (it == by_id_.end()) continue;
      ExportObject(*it->second);
    }
    // Relationships named by the report, and those around what was exported.
    for (const json::object* r : relationships_) ExportRelationship(*r);
    for (const auto& id : members) {
      const auto it = by_id_.find(id);
      if (it != by_id_.end() && TextAt(*it->second, "type") == "relationship") {
        ExportRelationship(*it->second);
      }
    }
    // Clusters no exported attribute carries belong to the event.
    json::object galaxy_holder;
    for (const json::object* cluster : member_clusters_) {
      if (tagged_clusters_.contains(TextAt(*cluster, "id"))) continue;
      auto c = ClusterOf(*cluster);
      if (!c) continue;
      AddEventTag(c->tag);
      AttachCluster(galaxy_holder, std::move(*c));
    }

    event["Attribute"] = std::move(attributes_);
    event["Object"] = std::move(objects_);
    event["Galaxy"] =
        galaxy_holder.contains("Galaxy") ? std::move(galaxy_holder["Galaxy"]) : json::array();
    event["Tag"] = std::move(event_tags_);
    return json::object{{"Event", std::move(event)}};
  }

 private:
  enum class Kind { kAttribute, kObject };
  struct Exported {
    Kind kind;
    std::size_t index;
  };

  void AddEventTag(const std::string& name) {
    if (!event_tag_names_.insert(name).second) return;
    event_tags_.push_back(json::object{{"name", name}});
  }

  static void AddTag(json::object& holder, const std::string& name) {
    if (!holder.contains("Tag")) holder["Tag"] = json::array();
    auto& tags = holder["Tag"].get_array();
    for (const auto& t : tags) {
      if (t.is_object() && TextAt(t.get_object(), "name") == name) return;
    }
    tags.push_back(json::object{{"name", name}});
  }

  static json::object NewAttribute(const std::string& uuid,
                                   std::string_view type,
                                   std::string_view value,
                                   bool to_ids,
                                   std::string_view category,
                                   std::int64_t timestamp) {
    return {{"uuid", uuid},
            {"type", type},
            {"category", category.empty() ? DefaultCategory(type) : category},
            {"value", value},
            {"to_ids", to_ids},
            {"distribution", "5"},
            {"timestamp", std::to_string(timestamp)}};
  }

  // Tags an exported attribute or object carries: labels, and its TLP when not the event's.
  void Decorate(json::object& attribute, const json::object& o) const {
    if (const json::array* labels = ArrayAt(o, "labels")) {
      for (const auto& l : *labels) {
        if (l.is_string()) AddTag(attribute, std::string(l.get_string()));
      }
    }
    const auto tlp = TlpOfObject(o);
    if (tlp && tlp != event_tlp_) AddTag(attribute, TlpTag(*tlp));
  }

  std::string MispUuid(const json::object& o) const {
    const std::string uuid = TextAt(o, "x_misp_uuid");
    if (CleanUuid(uuid)) return *CleanUuid(uuid);
    return UuidOfId(TextAt(o, "id"));
  }

  // When the object was first seen, if it says more than its creation (indicators: valid_from
  // other than created; observed-data: first_observed other than modified).
  static std::optional<std::string> FirstSeenOf(const json::object& o) {
    std::string first = TextAt(o, "x_misp_first_seen");
    if (!first.empty()) return first;
    first = TextAt(o, "valid_from");
    if (!first.empty() && first != TextAt(o, "created")) return first;
    first = TextAt(o, "first_observed");
    if (!first.empty() && first != TextAt(o, "modified")) return first;
    return std::nullopt;
  }

  std::string Comment(const json::object& o) const {
    std::string comment = TextAt(o, "description");
    if (comment.empty()) comment = TextAt(o, "x_misp_comment");
    return comment;
  }

  void ExportObject(const json::object& o) {
    const std::string type = TextAt(o, "type");
    const std::string id = TextAt(o, "id");
    const std::int64_t modified = SecondsOfStix(o, "modified").value_or(0);
    const std::string misp_type = TextAt(o, "x_misp_type");
    if (type == "indicator" || type == "observed-data" || type == "x-misp-object" ||
        type == "x-misp-attribute") {
      if (ArrayAt(o, "x_misp_attributes") != nullptr) return ExportStoredObject(o, modified);
      if (type == "x-misp-attribute") {
        if (misp_type.empty()) return;
        return AddAttribute(o, misp_type, TextAt(o, "x_misp_value"), FlagAt(o, "x_misp_to_ids"),
                            modified);
      }
      if (type == "indicator") return ExportIndicator(o, misp_type, modified);
      if (type == "observed-data") return ExportObservedData(o, misp_type, modified);
      return;
    }
    if (type == "vulnerability") {
      std::string value = TextAt(o, "name");
      if (const json::array* refs = ArrayAt(o, "external_references")) {
        for (const auto& r : *refs) {
          if (r.is_object() && TextAt(r.get_object(), "source_name") == "cve") {
            value = TextAt(r.get_object(), "external_id");
          }
        }
      }
      return AddAttribute(o, "vulnerability", value, FlagAt(o, "x_misp_to_ids"), modified);
    }
    if ((type == "threat-actor" && misp_type == "threat-actor") || type == "campaign") {
      return AddAttribute(o, type == "campaign" ? "campaign-name" : "threat-actor",
                          TextAt(o, "name"), FlagAt(o, "x_misp_to_ids"), modified);
    }
    if (type == "threat-actor" || type == "intrusion-set" || type == "malware" || type == "tool" ||
        type == "attack-pattern") {
      member_clusters_.push_back(&o);
      return;
    }
    if (IsObservableType(type)) {
      for (const auto& p : PiecesOfObservables({&o}, by_id_)) {
        AddAttributeOf(o, p.type, p.value, false, modified,
                       Uuid5(kMispNamespace, "attribute/" + id + "/" + p.type + "/" + p.value));
      }
    }
  }

  static bool IsObservableType(std::string_view type) {
    return type == "ipv4-addr" || type == "ipv6-addr" || type == "domain-name" || type == "url" ||
           type == "email-addr" || type == "mac-addr" || type == "mutex" ||
           type == "autonomous-system" || type == "file" || type == "x509-certificate" ||
           type == "windows-registry-key" || type == "network-traffic" || type == "email-message";
  }

  void AddAttribute(const json::object& o,
                    const std::string& type,
                    const std::string& value,
                    bool to_ids,
                    std::int64_t modified) {
    AddAttributeOf(o, type, value, to_ids, modified, MispUuid(o));
  }

  void AddAttributeOf(const json::object& o,
                      const std::string& type,
                      const std::string& value,
                      bool to_ids,
                      std::int64_t modified,
                      const std::string& uuid) {
    if (type.empty() || value.empty()) return;
    json::object a =
        NewAttribute(uuid, type, value, to_ids, TextAt(o, "x_misp_category"), modified);
    const std::string comment = Comment(o);
    if (!comment.empty()) a["comment"] = comment;
    if (auto first = FirstSeenOf(o)) a["first_seen"] = *first;
    const std::string last = TextAt(o, "last_observed");
    if (!last.empty() && last != TextAt(o, "first_observed")) a["last_seen"] = last;
    Decorate(a, o);
    const std::string id = TextAt(o, "id");
    if (!exported_.contains(id)) exported_[id] = {Kind::kAttribute, attributes_.size()};
    attributes_.push_back(std::move(a));
  }

  void ExportIndicator(const json::object& o, const std::string& misp_type, std::int64_t modified) {
    const std::string pattern_type = TextAt(o, "pattern_type");
    const std::string pattern = TextAt(o, "pattern");
    const bool ids = !o.contains("x_misp_to_ids") || FlagAt(o, "x_misp_to_ids");
    if (pattern_type != "stix") {
      std::string type = misp_type;
      if (type.empty()) {
        type = pattern_type == "yara" || pattern_type == "sigma"       ? pattern_type
               : pattern_type == "snort" || pattern_type == "suricata" ? "snort"
                                                                       : "";
      }
      if (!type.empty()) AddAttribute(o, type, pattern, ids, modified);
      return;
    }
    if (misp_type == "stix2-pattern") return AddAttribute(o, misp_type, pattern, ids, modified);
    const PatternPieces found = PiecesOfPattern(pattern);
    if (!misp_type.empty()) {
      if (auto value = Assemble(misp_type, found.pieces)) {
        return AddAttribute(o, misp_type, *value, ids, modified);
      }
    }
    ExportPieces(o, found.pieces, found.all_and ? found.object_type : "", ids, modified);
  }

  void ExportObservedData(const json::object& o,
                          const std::string& misp_type,
                          std::int64_t modified) {
    std::vector<const json::object*> scos;
    if (const json::array* refs = ArrayAt(o, "object_refs")) {
      for (const auto& r : *refs) {
        if (!r.is_string()) continue;
        const auto it = by_id_.find(std::string(r.get_string()));
        if (it != by_id_.end()) scos.push_back(it->second);
      }
    }
    const std::vector<Piece> pieces = PiecesOfObservables(scos, by_id_);
    if (!misp_type.empty()) {
      if (auto value = Assemble(misp_type, pieces)) {
        return AddAttribute(o, misp_type, *value, FlagAt(o, "x_misp_to_ids"), modified);
      }
    }
    std::string object_type;
    if (scos.size() == 1) object_type = TextAt(*scos[0], "type");
    ExportPieces(o, pieces, object_type, false, modified);
  }

  // Pieces from STIX that no import wrote: one attribute, a MISP object when they describe one
  // thing (all of one object type, joined by AND), else one attribute each.
  void ExportPieces(const json::object& o,
                    const std::vector<Piece>& pieces,
                    const std::string& object_type,
                    bool to_ids,
                    std::int64_t modified) {
    if (pieces.empty()) return;
    const std::string id = TextAt(o, "id");
    if (pieces.size() == 1) {
      return AddAttribute(o, pieces[0].type, pieces[0].value, to_ids, modified);
    }
    static const std::map<std::string_view, std::pair<std::string_view, std::string_view>>
        kTemplates = {
            {"file", {"file", "file"}},
            {"domain-name", {"domain-ip", "network"}},
            {"network-traffic", {"ip-port", "network"}},
            {"email-message", {"email", "network"}},
            {"x509-certificate", {"x509", "network"}},
            {"windows-registry-key", {"registry-key", "file"}},
        };
    const auto it = kTemplates.find(object_type);
    if (it == kTemplates.end()) {
      for (const auto& p : pieces) {
        AddAttributeOf(o, p.type, p.value, to_ids, modified,
                       Uuid5(kMispNamespace, "attribute/" + id + "/" + p.type + "/" + p.value));
      }
      return;
    }
    json::array attributes;
    for (const auto& p : pieces) {
      json::object a =
          NewAttribute(Uuid5(kMispNamespace, "attribute/" + id + "/" + p.relation + "/" + p.value),
                       p.type, p.value, to_ids, "", modified);
      a["object_relation"] = p.relation;
      attributes.push_back(std::move(a));
    }
    AddObject(o, std::string(it->second.first), std::string(it->second.second),
              std::move(attributes), modified);
  }

  void ExportStoredObject(const json::object& o, std::int64_t modified) {
    const json::array& stored = *ArrayAt(o, "x_misp_attributes");
    const std::string misp_type = TextAt(o, "x_misp_type");
    if (!misp_type.empty()) return;
    json::array attributes;
    for (const auto& s : stored) {
      if (!s.is_object()) continue;
      const auto& a = s.get_object();
      const std::string type = TextAt(a, "type");
      const std::string value = TextAt(a, "value");
      if (type.empty() || value.empty()) continue;
      std::string uuid = TextAt(a, "uuid");
      if (!CleanUuid(uuid))
        uuid = Uuid5(kMispNamespace, "attribute/" + TextAt(o, "id") + "/" +
                                         TextAt(a, "object_relation") + "/" + value);
      json::object out =
          NewAttribute(uuid, type, value, FlagAt(a, "to_ids"), TextAt(a, "category"), modified);
      out["object_relation"] = TextAt(a, "object_relation");
      const std::string comment = TextAt(a, "comment");
      if (!comment.empty()) out["comment"] = comment;
      Decorate(out, o);
      attributes.push_back(std::move(out));
    }
    std::string name = TextAt(o, "x_misp_object_name");
    if (name.empty()) name = "misc";
    std::string meta = TextAt(o, "x_misp_meta_category");
    if (meta.empty()) meta = "misc";
    AddObject(o, name, meta, std::move(attributes), modified);
  }

  void AddObject(const json::object& o,
                 const std::string& name,
                 const std::string& meta_category,
                 json::array attributes,
                 std::int64_t modified) {
    if (attributes.empty()) return;
    json::object object{{"uuid", MispUuid(o)},
                        {"name", name},
                        {"meta-category", meta_category},
                        {"distribution", "5"},
                        {"timestamp", std::to_string(modified)},
                        {"Attribute", std::move(attributes)}};
    const std::string comment = Comment(o);
    if (!comment.empty()) object["comment"] = comment;
    if (auto first = FirstSeenOf(o)) object["first_seen"] = *first;
    const std::string id = TextAt(o, "id");
    if (!exported_.contains(id)) exported_[id] = {Kind::kObject, objects_.size()};
    objects_.push_back(std::move(object));
  }

  struct GalaxyCluster {
    std::string tag;  // misp-galaxy:<type>="<value>"
    std::string galaxy_type;
    json::object cluster;
  };

  // The galaxy cluster of a malware, threat-actor, intrusion-set, tool or attack-pattern object;
  // nullopt if it has no name.
  static std::optional<GalaxyCluster> ClusterOf(const json::object& o) {
    const std::string type = TextAt(o, "type");
    std::string value = TextAt(o, "name");
    if (value.empty()) return std::nullopt;
    std::string galaxy = TextAt(o, "x_misp_galaxy_type");
    json::array refs;
    if (const json::array* references = ArrayAt(o, "external_references")) {
      for (const auto& r : *references) {
        if (!r.is_object()) continue;
        const auto& reference = r.get_object();
        const std::string source = TextAt(reference, "source_name");
        const std::string url = TextAt(reference, "url");
        if ((source == "mitre-attack" || source == "capec") && type == "attack-pattern") {
          const std::string external_id = TextAt(reference, "external_id");
          if (!external_id.empty()) value += " - " + external_id;
        } else if (!url.empty()) {
          refs.push_back(json::value(url));
        }
      }
    }
    if (galaxy.empty()) {
      galaxy = type == "threat-actor"    ? "threat-actor"
               : type == "intrusion-set" ? "mitre-intrusion-set"
               : type == "malware"       ? "mitre-malware"
               : type == "tool"          ? "mitre-tool"
                                         : "mitre-attack-pattern";
    }
    std::string tag = TextAt(o, "x_misp_tag_name");
    if (!ParseGalaxyTag(tag)) tag = GalaxyTagName(galaxy, value);
    const auto parsed = ParseGalaxyTag(tag);
    if (!parsed) return std::nullopt;
    json::object cluster{
        {"type", parsed->galaxy_type}, {"value", parsed->value}, {"tag_name", tag}};
    const std::string description = TextAt(o, "description");
    if (!description.empty()) cluster["description"] = description;
    const std::string uuid = TextAt(o, "x_misp_cluster_uuid");
    if (CleanUuid(uuid)) cluster["uuid"] = uuid;
    json::object meta;
    if (const json::array* aliases = ArrayAt(o, "aliases")) meta["synonyms"] = *aliases;
    if (!refs.empty()) meta["refs"] = std::move(refs);
    if (!meta.empty()) cluster["meta"] = std::move(meta);
    return GalaxyCluster{tag, parsed->galaxy_type, std::move(cluster)};
  }

  // Attaches a cluster to an attribute (or to the event): its tag, and its Galaxy block.
  static void AttachCluster(json::object& holder, GalaxyCluster c) {
    AddTag(holder, c.tag);
    if (!holder.contains("Galaxy")) holder["Galaxy"] = json::array();
    auto& galaxies = holder["Galaxy"].get_array();
    for (auto& g : galaxies) {
      auto& galaxy = g.as_object();
      if (TextAt(galaxy, "type") != c.galaxy_type) continue;
      auto& clusters = galaxy["GalaxyCluster"].as_array();
      for (const auto& existing : clusters) {
        if (TextAt(existing.as_object(), "tag_name") == c.tag) return;
      }
      clusters.push_back(std::move(c.cluster));
      return;
    }
    galaxies.push_back(json::object{{"type", c.galaxy_type},
                                    {"name", c.galaxy_type},
                                    {"namespace", "misp"},
                                    {"GalaxyCluster", json::array{std::move(c.cluster)}}});
  }

  void ExportRelationship(const json::object& r) {
    const std::string id = TextAt(r, "id");
    if (!relationships_done_.insert(id).second) return;
    const std::string source = TextAt(r, "source_ref");
    const std::string target = TextAt(r, "target_ref");
    const auto from = exported_.find(source);
    if (from == exported_.end()) return;
    const auto target_object = by_id_.find(target);
    if (target_object == by_id_.end()) return;
    const std::string target_type = TextAt(*target_object->second, "type");
    const bool cluster = target_type == "threat-actor" || target_type == "intrusion-set" ||
                         target_type == "malware" || target_type == "tool" ||
                         target_type == "attack-pattern";
    if (cluster && TextAt(*target_object->second, "x_misp_type").empty()) {
      auto c = ClusterOf(*target_object->second);
      if (!c) return;
      tagged_clusters_.insert(target);
      if (from->second.kind == Kind::kAttribute) {
        AttachCluster(attributes_[from->second.index].as_object(), std::move(*c));
      } else {
        auto& attributes = objects_[from->second.index].as_object()["Attribute"].as_array();
        if (!attributes.empty()) AttachCluster(attributes[0].as_object(), std::move(*c));
      }
      return;
    }
    const auto to = exported_.find(target);
    if (from->second.kind != Kind::kObject || to == exported_.end()) return;
    const json::value& referenced = to->second.kind == Kind::kObject
                                        ? objects_[to->second.index].as_object().at("uuid")
                                        : attributes_[to->second.index].as_object().at("uuid");
    auto& object = objects_[from->second.index].as_object();
    if (!object.contains("ObjectReference")) object["ObjectReference"] = json::array();
    json::object reference{{"uuid", Uuid5(kMispNamespace, "reference/" + id)},
                           {"referenced_uuid", referenced},
                           {"relationship_type", TextAt(r, "relationship_type")},
                           {"timestamp", std::to_string(SecondsOfStix(r, "modified").value_or(0))}};
    object["ObjectReference"].get_array().push_back(std::move(reference));
  }

  const json::object& root_;
  std::string root_id_;
  std::map<std::string, const json::object*> by_id_;
  std::vector<const json::object*> relationships_;
  std::optional<TlpLevel> event_tlp_;
  json::array attributes_;
  json::array objects_;
  json::array event_tags_;
  std::set<std::string> event_tag_names_;
  std::map<std::string, Exported> exported_;
  std::set<std::string> relationships_done_;
  std::vector<const json::object*> member_clusters_;
  std::set<std::string> tagged_clusters_;
};

}  // namespace

Result<json::object> ExportMispEvent(const json::object& root,
                                     std::span<const json::object> related) {
  return Exporter(root, related).Run();
}

}  // namespace caduceus::intel
