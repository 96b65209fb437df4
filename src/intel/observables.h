// Observables: the concrete values an indicator or a cyber-observable object stands for (a
// domain, an address or network, a URL, a hash, ...), in one normal form so that the same value
// written two ways is one value. Correlation, warninglists, exports, freetext extraction, MISP
// mapping and the agent's sweep all speak this type.
//
// Normal forms (surrounding ASCII whitespace is trimmed, except for file names, mutexes and
// registry keys, which are taken as written; no input above 8 KiB is a value):
//   domain   lower case, IDNA 2008 A-label (punycode, UTS #46 non-transitional) for non-ASCII
//            labels, no trailing dot; at least two labels, each 1..63 of [a-z0-9-_] not starting
//            or ending with '-', an `xn--` label valid punycode, the last label not all digits;
//            total <= 253
//   ipv4     dotted quad (input with leading zeros, which is ambiguous, is no value); a network
//            is `a.b.c.d/len` with host bits cleared, and /32 is the address itself
//   ipv6     RFC 5952 text (lower case, longest zero run compressed); an IPv4-mapped address
//            (::ffff:a.b.c.d, or a network of prefix >= 96 in ::ffff:0:0/96) is the ipv4 value,
//            so Normalise(kIpv6, ...) may return an ipv4 observable; networks as for ipv4, /128
//            being the address
//   url      scheme://authority/path?query: scheme and host lower case, default port (http,
//            https, ws, wss, ftp) dropped, host normalised as a host name of one label or more
//            (percent-escapes decoded) or an address ([v6] in brackets), percent-encoding of
//            unreserved characters decoded, other escapes with upper-case hex digits, bytes
//            outside ASCII escaped; path "/" when empty; fragment dropped
//   email    local part as written (1..64 bytes, no space or control character), domain
//            normalised as a domain
//   md5 / sha1 / sha256 / sha512   lower-case hex of the right length
//   file-name  as written (1..255 bytes, no '/' or NUL)
//   asn      decimal number 0..4294967295 ("AS" prefix accepted on input)
//   mutex    as written (1..1024 bytes, no NUL)
//   windows-registry-key  as written (1..4096 bytes, no NUL), an abbreviated hive (HKLM, HKCU,
//            HKCR, HKU, HKCC) or a hive in any case written as its full upper-case name
//
// Pure and thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "intel/pattern.h"
#include "intel/stix.h"

namespace caduceus::intel {

enum class ObservableKind {
  kDomain,
  kIpv4,  // an address or a CIDR network
  kIpv6,  // an address or a CIDR network
  kUrl,
  kEmail,
  kMd5,
  kSha1,
  kSha256,
  kSha512,
  kFileName,
  kAsn,
  kMutex,
  kRegistryKey,
};

struct Observable {
  ObservableKind kind = ObservableKind::kDomain;
  std::string value;  // normal form
  auto operator<=>(const Observable&) const = default;
};

// "domain", "ipv4", "ipv6", "url", "email", "md5", "sha1", "sha256", "sha512", "file-name",
// "asn", "mutex", "windows-registry-key".
std::string_view KindName(ObservableKind kind);
std::optional<ObservableKind> ParseKindName(std::string_view name);

// The normal form of a value of a kind; nullopt when it is not one (a hash of the wrong length,
// a domain with one label, an address with a bad octet, ...).
std::optional<Observable> Normalise(ObservableKind kind, std::string_view raw);

// Whether an ipv4/ipv6 observable is a network (has a prefix length shorter than the address).
bool IsNetwork(const Observable& observable);

// An ipv4/ipv6 observable as numbers: the network address big-endian (an IPv4 address in
// bytes 0..3, the rest zero) and its prefix length (32 or 128 for a single address).
struct IpNetwork {
  bool v6 = false;
  std::array<std::uint8_t, 16> address{};
  int prefix = 0;
};

// nullopt for other kinds and for values not in normal form.
std::optional<IpNetwork> NetworkOf(const Observable& observable);

// The observables an indicator pattern names with `=` or `IN` (and ISSUBSET for networks) on
// the paths domain-name:value, ipv4-addr:value, ipv6-addr:value, url:value, email-addr:value,
// email-message:(from_ref|sender_ref).value and (to_refs|cc_refs|bcc_refs)[*].value,
// file:hashes.<MD5|SHA-1|SHA-256|SHA-512> (any spelling the specification allows, quoted or
// not), file:name, autonomous-system:number,
// mutex:name, windows-registry-key:key, network-traffic:(src|dst)_ref.value (an address, else a
// domain). Values that do not normalise are skipped. Negated comparisons are skipped. Sorted and
// without duplicates.
std::vector<Observable> ObservablesOfPattern(const Pattern& pattern);

// The observables of a validated object: an indicator's pattern (pattern_type "stix"), a
// cyber-observable's value (domain-name, ipv4-addr, ipv6-addr, url, email-addr, file hashes and
// name, autonomous-system, mutex, windows-registry-key). Other objects have none.
std::vector<Observable> ObservablesOfObject(const StixObject& object);

// A STIX pattern that matches exactly this observable, e.g. [domain-name:value = 'evil.example'],
// [file:hashes.'SHA-256' = '…'], [ipv4-addr:value = '10.0.0.0/8']. Quotes and backslashes in the
// value are escaped.
std::string PatternFor(const Observable& observable);

}  // namespace caduceus::intel
