// The tokenizer: finds domains, IPv4/IPv6 addresses, URLs, e-mail addresses and MD5/SHA-1/
// SHA-256/SHA-512 hex digests in any text. It is the sweep's hot path (every line of an unknown
// format, and the free text of known ones, goes through it), so it is a hand-written scanner:
// bit masks of each 64-byte block (SSE2, or a portable loop elsewhere) find the bytes that can
// start a value ('.', ':', '@', the 32nd byte of a run of hex digits, less those that cannot) and
// everything else is skipped 64 bytes at a time.
//
// Rules (a "word" is a maximal run of [A-Za-z0-9._:@+-]):
//   hash    a maximal run of hex digits of length 32, 40, 64 or 128 (md5, sha1, sha256, sha512),
//           wherever it stands (also inside a word: "MD5_<hex>", a DGA label)
//   ipv6    a whole word that is an IPv6 address (RFC 4291 text, "::" once, a dotted quad at the
//           end allowed); "[v6]:port" yields the address. An IPv4-mapped address is reported as
//           ipv6: intel::Normalise turns it into the ipv4 value
//   other words are split at ':' ("host:port", "10.0.0.1:53", "12:30:00") and, outside the
//   local part of an e-mail address, at '+'; each part is, after stripping leading and trailing
//   dots,
//   ipv4    a dotted quad, octets 0..255 without leading zeros ("1.2.3.45" is not "1.2.3.4")
//   domain  two labels or more of [A-Za-z0-9_-] (1..63 bytes, no '-' at either end), at most 253
//           bytes, the last label starting with a letter, at least two bytes, without '_': the
//           whole part or nothing ("xevil.com" is not "evil.com", "evil.com.cdn.net" is not
//           "evil.com", a version "1.2.3" or a time "12.5" is nothing)
//   email   local@domain: the part before the last '@' (1..64 bytes) and a domain as above; the
//           domain is also reported as a domain
//   url     scheme "://" ... : a scheme of two characters or more ([A-Za-z][A-Za-z0-9+.-]*) and
//           everything up to whitespace, a control character or one of " ' < > \ ` | ^, less
//           trailing . , ; : ! ? and unbalanced ) ] }; its host (after any userinfo, before the
//           port, %-escapes decoded) must be a host name of one label or more, an ipv4 or an
//           [ipv6]; at most 8 KiB. The host and the path are also scanned as words, so a URL's
//           host is reported as a domain too, and "http://a/r?u=evil.com" reports evil.com
// Every reported value is accepted by intel::Normalise with its kind, except domains and
// e-mail domains with an "xn--" label that is not valid punycode.
//
// Pure and thread-safe; linear in the input.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "intel/observables.h"

namespace caduceus::sweep {

struct Token {
  intel::ObservableKind kind = intel::ObservableKind::kDomain;
  std::uint32_t begin = 0;  // byte offset in the text
  std::uint32_t size = 0;
};

// Texts longer than this are tokenized in pieces by the caller (a Token's offsets are 32-bit).
inline constexpr std::size_t kMaxTokenizeBytes = 0xffffffffU;

// Appends the tokens of `text` to `out`, ordered by `begin` (ties: the longer first). `text` must
// not be longer than kMaxTokenizeBytes (the excess is ignored).
void Tokenize(std::string_view text, std::vector<Token>& out);

// Syntax checks the tokenizer and the parsers share. They accept a subset of what
// intel::Normalise accepts for the kind, and are cheap (no allocation).
bool IsIpv4Text(std::string_view text);
bool IsIpv6Text(std::string_view text);
// A host name of at least `min_labels` labels by the domain rule above (one label: the
// last-label rule applies to it).
bool IsHostNameText(std::string_view text, int min_labels);
// The hash kind of a run of hex digits by its length (32, 40, 64, 128), else nullopt.
std::optional<intel::ObservableKind> HashKindOfHex(std::string_view text);

// A value that names a host, as fields often hold one: an ipv4, an ipv6 (also in brackets), or
// a domain, each with an optional ":port" and trailing dot, which are cut off. The kind and the
// host text within `text`; nullopt when it is none of these.
struct HostText {
  intel::ObservableKind kind = intel::ObservableKind::kDomain;
  std::string_view text;
};
std::optional<HostText> ParseHostText(std::string_view text);

}  // namespace caduceus::sweep
