// Package URLs (github.com/package-url/purl-spec): parsing with percent-decoding and the
// type-specific normalisation matching needs, and matching an asset's purl against an
// advisory's.
//
//   pkg:type/namespace/name@version?qualifiers#subpath
//
// Parsing follows the specification's "how to parse" steps: the subpath is cut at the last '#'
// ('', '.' and '..' segments dropped), the qualifiers at the last '?' (keys lowercased, unique,
// [a-z0-9.-_] not starting with a digit; empty values dropped; kept sorted by key), the scheme
// "pkg" before the first ':' (any '/' after it skipped), the type before the first '/'
// (lowercased, [a-z0-9.+-] not starting with a digit), the version after the last '@', the name
// after the last '/', and the rest is the namespace (empty segments dropped). Every part is
// percent-decoded and must be valid UTF-8; a namespace segment may not decode to one holding '/'.
//
// Normalisation by type (applied on parse, so two purls of one package compare equal):
//   npm       namespace (the @scope) and name lowercased
//   pypi      name lowercased, runs of '-', '_' and '.' made one '-' (PEP 503)
//   maven     namespace (groupId) required; case kept
//   deb       namespace (vendor) and name lowercased
//   rpm       namespace (vendor) lowercased; name case kept; the "epoch" qualifier joins the
//             version for comparison ("epoch=1" and "2.0-1" → "1:2.0-1")
//   github, bitbucket, composer   namespace and name lowercased
//   generic and every other type  kept as written
//
// Failure: Error::Invalid saying which part is wrong (`field` "type", "namespace", "name",
// "version", "qualifiers" or "subpath"). Everything here is pure and thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "advisories/version.h"
#include "core/error.h"

namespace caduceus::advisories {

inline constexpr std::size_t kMaxPurlBytes = 4096;
inline constexpr std::size_t kMaxPurlQualifiers = 32;

struct Purl {
  std::string type;
  std::string package_namespace;  // segments joined by '/', decoded; may be empty
  std::string name;
  std::string version;                                          // decoded; may be empty
  std::vector<std::pair<std::string, std::string>> qualifiers;  // sorted by key
  std::string subpath;

  // The value of qualifier `key`, or nullptr.
  const std::string* Qualifier(std::string_view key) const;
  // The version to compare: for rpm with an "epoch" qualifier, "epoch:version".
  std::string ComparableVersion() const;
  // Canonical form: parts percent-encoded, qualifiers sorted.
  std::string ToString() const;

  bool operator==(const Purl& other) const = default;
};

Result<Purl> ParsePurl(std::string_view text);

struct PurlMatch {
  Verdict verdict = Verdict::kUnknown;
  // "purl pkg:npm/lodash = pkg:npm/lodash; version 4.17.20 < 4.17.21",
  // "purl name 'lodash' differs from 'underscore'".
  std::string reason;
};

// Whether the asset purl `asset` is the package the advisory purl `advisory` names: the same
// type, namespace and name; every qualifier of `advisory` present in `asset` with the same value;
// and the same subpath when `advisory` has one. When it is, the version decides, in the scheme of
// the type (SchemeForPurlType): against `range` when one is given, else equal to the advisory
// purl's version when it has one, else every version is affected. A package that differs is
// kNotAffected; a version that cannot be decided is kUnknown.
PurlMatch MatchPurl(const Purl& advisory, const Purl& asset, std::string_view range = {});

}  // namespace caduceus::advisories
