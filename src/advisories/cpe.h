// Common Platform Enumeration 2.3 names: the formatted-string binding ("cpe:2.3:a:vendor:..."),
// the CPE 2.2 URI binding ("cpe:/a:vendor:product:1.0"), both unbound to a well-formed name
// (NISTIR 7695), and name matching with wildcards (NISTIR 7696).
//
// A name holds eleven attributes: part, vendor, product, version, update, edition, language,
// sw_edition, target_sw, target_hw, other. Each is ANY ("*" / empty in a URI), NA ("-") or a
// value. Values are kept in well-formed-name form: lowercase, every character other than
// [a-z0-9_] quoted with a backslash ("8\.3\.32"), except an unquoted '*' at either end (any
// number of characters) or a run of unquoted '?' at either end (one character each; as in the
// reference algorithm of NISTIR 7696 a run of n matches up to n characters).
//
// Parsing is lenient in one respect: in a formatted string, punctuation that NISTIR 7695 wants
// quoted ("vendor+x", "a/b") is accepted unquoted and quoted on the way in, since SBOM tools emit
// it. Failure: Error::Invalid with what is wrong and, where it helps, `field` naming the
// attribute. Everything here is pure and thread-safe.
#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <string_view>

#include "core/error.h"

namespace caduceus::advisories {

inline constexpr std::size_t kMaxCpeBytes = 1024;
inline constexpr std::size_t kCpeAttributes = 11;

struct CpeValue {
  enum class Kind { kAny, kNa, kValue };

  Kind kind = Kind::kAny;
  std::string value;  // kValue only, in well-formed-name form (see the file comment)

  // An unquoted '*' or '?' in a kValue.
  bool HasWildcards() const;
  // The value without quoting ("8\.3\.32" → "8.3.32"), "*" for ANY, "-" for NA.
  std::string Display() const;

  bool operator==(const CpeValue& other) const = default;
};

struct Cpe {
  // part, vendor, product, version, update, edition, language, sw_edition, target_sw,
  // target_hw, other — in that order.
  std::array<CpeValue, kCpeAttributes> attributes;

  const CpeValue& part() const { return attributes[0]; }
  const CpeValue& vendor() const { return attributes[1]; }
  const CpeValue& product() const { return attributes[2]; }
  const CpeValue& version() const { return attributes[3]; }
  const CpeValue& update() const { return attributes[4]; }

  // The formatted-string binding: "cpe:2.3:a:philips:engage:6\.1:*:*:*:*:*:*:*" binds the
  // version as "6.1" (NISTIR 7695 6.2.2: '.', '-' and '_' are written unquoted).
  std::string ToFormattedString() const;

  bool operator==(const Cpe& other) const = default;
};

std::string_view CpeAttributeName(std::size_t index);

// "cpe:2.3:" followed by exactly eleven ':'-separated attributes ("\:" does not separate).
Result<Cpe> ParseCpe23(std::string_view formatted);
// "cpe:/" followed by up to seven ':'-separated components, percent-encoded, with the packed
// edition "~edition~sw_edition~target_sw~target_hw~other"; "%01" is '?' and "%02" is '*'.
Result<Cpe> ParseCpe22Uri(std::string_view uri);
// Either binding, chosen by its prefix.
Result<Cpe> ParseCpe(std::string_view text);

// NISTIR 7696 relations; an attribute relation kUndefined arises when the target has wildcards.
enum class CpeRelation { kSuperset, kSubset, kEqual, kDisjoint, kUndefined };

std::string_view CpeRelationName(CpeRelation relation);

struct CpeComparison {
  // kEqual when every attribute is equal; kSuperset / kSubset when every attribute is that or
  // equal; kDisjoint when any attribute is; kUndefined otherwise (mixed or undefined).
  CpeRelation name = CpeRelation::kUndefined;
  std::array<CpeRelation, kCpeAttributes> attributes{};
};

CpeComparison CompareCpe(const Cpe& source, const Cpe& target);

struct CpeMatch {
  bool matched = false;
  // "cpe cpe:2.3:a:philips:engage:*:... covers cpe:2.3:a:philips:engage:6.1:..." or the first
  // attribute that differs: "cpe vendor 'ge' differs from 'philips'".
  std::string reason;
};

// Whether the advisory name `source` covers the asset name `target` (superset or equal). With
// `ignore_version` the version attribute is left out, for a caller that checks it against a
// version range (version.h) instead.
CpeMatch MatchCpe(const Cpe& source, const Cpe& target, bool ignore_version = false);

}  // namespace caduceus::advisories
