// Indicator extraction from pasted text (an e-mail, a vendor bulletin, a chat log): the candidates
// an analyst reviews before publishing them as indicators.
//
// The text is refanged first: "hxxp"/"hxxps"/"fxp" schemes, "[.]", "(.)", "{.}", "[dot]",
// "(dot)", "{dot}", "[@]", "(@)", "[at]", "(at)", "[:]", "[://]", "[/]" (any case). Then, in this
// order, each claiming its bytes so a value is reported once: URLs with a scheme (http, https,
// ftp, ftps, sftp, ws, wss), e-mail addresses, IPv6 addresses and networks, and the remaining
// words: IPv4 addresses and networks, MD5/SHA-1/SHA-256/SHA-512 hex, domains, and file names
// with an extension that runs code or hides it (exe, dll, js, vbs, ps1, hta, lnk, iso, docm, ...;
// a name like "update.zip" is reported both as a file name and as a domain).
//
// A domain is valid when its top-level label is in the Public Suffix List (ICANN section) and it
// is not itself a public suffix, so "invoice.pdf", "example.local" and "co.uk" are not domains.
// Values go through Normalise (observables.h); a candidate that does not normalise is reported
// invalid with the reason only when the writer clearly meant an indicator (it was defanged, or
// it is a URL with its scheme); other look-alikes ("v1.2.3", "e.g", "file.txt") are not reported.
//
// Pure and thread-safe. Bounded: at most kMaxFreetextBytes of input (PayloadTooLarge above) and
// kMaxFreetextCandidates candidates (then `truncated`); linear in the input.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "intel/observables.h"

namespace caduceus::intel {

inline constexpr std::size_t kMaxFreetextBytes = 1024 * 1024;
inline constexpr std::size_t kMaxFreetextCandidates = 5000;

struct FreetextCandidate {
  ObservableKind kind = ObservableKind::kDomain;
  std::string value;       // the normal form when valid, else the refanged text
  std::string raw;         // the text as written (defanged or not)
  std::size_t offset = 0;  // byte offset of `raw` in the input
  bool refanged = false;   // `raw` was written defanged
  bool valid = false;
  std::string reason;  // why it is not valid
};

struct FreetextExtraction {
  // In the order they appear; each (kind, value) once, at its first occurrence.
  std::vector<FreetextCandidate> items;
  bool truncated = false;  // kMaxFreetextCandidates reached
};

Result<FreetextExtraction> ExtractFreetext(std::string_view text);

// The text with the defanging above undone (what ExtractFreetext scans).
std::string Refang(std::string_view text);

// Whether a name in normal form (lower case, A-labels) can be a registered domain: its top-level
// label is an ICANN public suffix and it is not one itself. Empty `reason` when it can.
bool PlausibleDomain(std::string_view domain, std::string* reason = nullptr);

}  // namespace caduceus::intel
