// Versions and version ranges as vendors and CSIRTs write them, and the question matching asks:
// is this installed version inside this advisory's range? The answer is affected, not affected,
// or unknown with the reason — never a guess. docs/matching.md states every rule with examples.
//
// Version schemes (how two versions are ordered):
//   kGeneric  vendor text: an optional scheme prefix ("R", "MX-V", "BT"; a leading "v", "ver",
//             "version" is dropped), dotted numbers compared numerically with missing parts read
//             as 0 (3.0 = 3.0.0), then suffixes. Suffix kinds:
//               pre-release  dev < alpha < beta < milestone/m < pre/preview < rc/cr < snapshot,
//                            all before the release ("3.0-rc1" < "3.0");
//               build        "-b12", "build 12", "+meta", a bare number after a separator
//                            ("2.3.1-1"): a build of its release (see CompareVersion);
//               post-release sp, update/upd/u, patch/p, hf/hotfix, r/rev, sr, fp, mr, post,
//                            "service pack", "feature pack": after the release
//                            ("3.0 SP2" > "3.0"); different post tags are not ordered;
//               letter       a single letter glued to a number ("2.4A", "5.89.05b"): after the
//                            release, then alphabetical;
//               unknown      any other word: not ordered against anything but itself.
//             Different prefixes are not ordered ("R9.01" against "9.01").
//   kSemver   Semantic Versioning 2.0.0 precedence (build metadata ignored) when both versions are
//             valid semver (a leading "v" allowed); otherwise kGeneric.
//   kPep440   kGeneric, except that a, b, c glued to a number are alpha, beta, rc ("1.0b1").
//   kDebian   dpkg ordering of [epoch:]upstream[-revision], "~" before everything.
//   kRpm      rpmvercmp ordering of [epoch:]version[-release], "~" and "^" as rpm does.
//
// Range syntax accepted (case-insensitive; "_" reads as a space in kGeneric):
//   all: "all versions", "all", "any", "*", "vers:<scheme>/*"
//   comparators: "<= 6.2.1", "<V4.3.10", ">= 1.0 < 2.0", "=< 2", "≤ 2", "!= 2.1"
//   words: "prior to 3.0", "before 3.0", "earlier than", "below", "up to (and including)",
//          "through", "later than", "after", "since", "at least", "at most",
//          "2.3.6 and below", "2.0 and later", "2.0 or higher", "2.0+"
//   intervals: "versions 2.0 through 2.4", "2.0 to 2.4", "2.0 - 2.4", "from 2.0 to 2.4",
//              "between 2.0 and 2.4" (inclusive)
//   wildcards: "6.x", "6.2.*", "12.2.x.x" — every version whose leading numbers match
//   lists: alternatives joined by "|", "," or ";" — read as a VERS constraint list (below)
//   VERS (github.com/package-url/purl-spec, vers): "vers:generic/>=1.0|<2.3",
//          "vers:semver/...", "vers:deb/...", "vers:all/<V3.1.4" (CISA; read as generic)
//   qualifiers: text in parentheses or from a word such as "with", "on", "only", "installed",
//          "running", "integrated", "if", "when", "in", "using", "affected", "except"
//          ("<= 1.54 (integrated into GE MobileLink)", "<V8.18.31 only if basic auth is used").
//          A qualifier can only narrow the range: a version outside the range is not affected,
//          a version inside it is unknown ("needs review").
// Every comparator list follows the VERS rules: constraints sorted by version, "=" and "!="
// taken on their own, the rest alternating lower and upper bounds ("<1|>=2|<3" is below 1 or
// from 2 below 3). Anything else — dates ("< April 1, 2018"), two upper bounds in a row, bounds
// that cannot be ordered, text that is neither — is a parse error, and Match answers kUnknown.
//
// Everything here is a pure function or an immutable value; all of it is thread-safe.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "core/error.h"

namespace caduceus::advisories {

inline constexpr std::size_t kMaxVersionBytes = 256;
inline constexpr std::size_t kMaxRangeBytes = 2048;
inline constexpr std::size_t kMaxRangeConstraints = 64;

enum class VersionScheme { kGeneric, kSemver, kPep440, kDebian, kRpm };

std::string_view SchemeName(VersionScheme scheme);
// The scheme of a VERS URI ("vers:<scheme>/..."): npm, semver, cargo, golang, nuget, hex →
// kSemver; pypi → kPep440; deb → kDebian; rpm → kRpm; anything else → kGeneric.
VersionScheme SchemeForVers(std::string_view vers_scheme);
// The scheme for versions of a Package URL type, by the same table.
VersionScheme SchemeForPurlType(std::string_view purl_type);

enum class Ordering { kLess, kEqual, kGreater, kUnordered };

struct VersionOrder {
  Ordering order = Ordering::kUnordered;
  std::string reason;  // why, when kUnordered; empty otherwise
};

// Orders an installed `version` against a `reference` taken from an advisory. Not symmetric in
// one respect: a build suffix on `version` that `reference` lacks compares equal ("6.2.1-b12" is
// a build of 6.2.1, so it is "<= 6.2.1" and not "< 6.2.1"), while a build suffix on `reference`
// that `version` lacks leaves the order unknown (which build of 6.2.1 is installed?).
// Two identical texts are equal even when neither parses ("dev-master"; case-insensitive except
// in kDebian and kRpm). Otherwise unparseable or over-long (kMaxVersionBytes) input is kUnordered
// with the reason.
VersionOrder CompareVersion(std::string_view version,
                            std::string_view reference,
                            VersionScheme scheme = VersionScheme::kGeneric);

enum class Verdict { kAffected, kNotAffected, kUnknown };

std::string_view VerdictName(Verdict verdict);  // "affected", "not affected", "unknown"

struct VersionMatch {
  Verdict verdict = Verdict::kUnknown;
  // Always set: "version 6.1 <= 6.2.1", "version 6.3 is outside '<= 6.2.1'",
  // "cannot parse range 'distributed < April 1, 2018': ...".
  std::string reason;
};

// A parsed range; cheap to copy (shares its immutable state).
class VersionRange {
 public:
  // Parses `text` (at most kMaxRangeBytes, at most kMaxRangeConstraints constraints). A "vers:"
  // range uses its own scheme; other text uses `scheme`. Failure: Error::Invalid whose message
  // says what could not be read.
  static Result<VersionRange> Parse(std::string_view text,
                                    VersionScheme scheme = VersionScheme::kGeneric);

  // Whether `version` is inside. An empty version is affected only by "all versions".
  VersionMatch Contains(std::string_view version) const;

  const std::string& text() const;
  VersionScheme scheme() const;
  bool all_versions() const;
  // The narrowing remark ("with Wireless Battery Modules ..."), empty when there is none.
  const std::string& qualifier() const;
  // The constraints in VERS notation, e.g. ">=2.0|<=2.4", "*", "=4.x|=5.x".
  std::string Describe() const;

  struct State;

 private:
  explicit VersionRange(std::shared_ptr<const State> state) : state_(std::move(state)) {}
  std::shared_ptr<const State> state_;
};

// Parses `range` and checks `version` against it; a range that cannot be parsed is kUnknown
// with the parse error as the reason.
VersionMatch Match(std::string_view version,
                   std::string_view range,
                   VersionScheme scheme = VersionScheme::kGeneric);

}  // namespace caduceus::advisories
