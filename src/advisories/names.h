// Vendor, product and model names as advisories and inventories spell them, reduced to keys that
// compare equal when the names do, an alias table an analyst extends, and comparisons that say
// why they matched ("vendor 'GE Healthcare' ~ 'GE HealthCare Technologies Inc.' (alias)").
//
// Normalisation (NormaliseProductName), in order:
//   * invalid UTF-8 is replaced; Latin letters with diacritics fold to ASCII (é → e, ø → o,
//     ß → ss, Æ → ae, Ł → l; U+00C0–U+017F, plus ș and ț); other letters are kept as they are;
//   * ASCII is lowercased; '&' reads as the word "and"; apostrophes join ("O'Neil" → oneil);
//   * a '.' between digits stays ("6.2"); dots after single letters join them ("B.V." → bv,
//     "S.p.A." → spa); any other punctuation, symbol (®, ™) or space separates words;
//   * the words are joined by one space.
// NormaliseVendorName then drops, repeatedly, a leading "the" or "koninklijke" and a trailing
// legal form — inc, incorporated, ltd, limited, llc, llp, lp, gmbh, ag, kgaa, kg, bv, nv, sa,
// spa, sas, sarl, srl, sl, sro, se, co, corp, corporation, company, plc, oy, oyj, ab, as, asa,
// aps, pty, pte, kk, ltda — with an "and" left before one ("GmbH & Co. KG"), always keeping one
// word. German umlauts also match their "ae", "oe", "ue" spellings when names are compared
// ("Dräger" ~ "Draeger").
//
// Model numbers (NormaliseModelNumber): folded, uppercased, with spaces and - _ . / dropped, so
// "MMT-1710", "mmt 1710" and "MMT1710" agree. MatchModelNumber reads CSAF model_numbers
// patterns: '*' matches any run of characters, '?' one character, and '\' quotes either.
//
// Normalisation and comparison are pure and thread-safe. AliasTable is a plain value: const
// methods may run concurrently; Add needs exclusive access.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/error.h"

namespace caduceus::advisories {

inline constexpr std::size_t kMaxNameBytes = 512;
inline constexpr std::size_t kMaxAliases = 100'000;

// Input longer than kMaxNameBytes is cut (at a UTF-8 boundary) before normalising.
std::string NormaliseProductName(std::string_view name);
std::string NormaliseVendorName(std::string_view name);
std::string NormaliseModelNumber(std::string_view model);

enum class NameKind { kVendor, kProduct };

// Every key `name` reads as for `kind`: the normalised key first and, when it differs, the key
// with German umlauts spelled ae, oe, ue. CompareVendors and CompareProducts find two names
// equal after normalisation exactly when their key lists share a key; an index keyed by these
// finds every such pair. Empty when the name normalises to nothing.
std::vector<std::string> NameKeys(NameKind kind, std::string_view name);

// Groups of names that denote the same vendor (or product). Names are stored normalised for the
// table's kind, so "Philips" and "PHILIPS N.V." are one entry of a vendor table.
class AliasTable {
 public:
  explicit AliasTable(NameKind kind) : kind_(kind) {}

  // Declares `alias` another name of `name`, merging their groups. Failure: Error::Invalid when
  // either normalises to nothing, or when the table already holds kMaxAliases names.
  Status Add(std::string_view name, std::string_view alias);
  // Whether the two already-normalised keys are in one group (equal keys always are).
  bool SameGroup(std::string_view key_a, std::string_view key_b) const;
  // Every normalised key in the group of the (already-normalised) `key`, itself included.
  std::vector<std::string> Group(std::string_view key) const;

  NameKind kind() const { return kind_; }
  std::size_t size() const { return group_of_.size(); }

 private:
  std::size_t GroupOf(const std::string& key);

  NameKind kind_;
  std::unordered_map<std::string, std::size_t> group_of_;
  std::vector<std::vector<std::string>> groups_;
};

struct NameMatch {
  enum class How { kExact, kNormalised, kAlias, kVendorPrefix, kPattern, kNone };

  bool matched = false;
  How how = How::kNone;
  // "vendor 'Philips' = 'Philips'", "vendor 'Philips' ~ 'Koninklijke Philips N.V.' (both read
  // 'philips')", "vendor 'GE Healthcare' ~ 'GE HealthCare Technologies Inc.' (alias)",
  // "product 'Philips IntelliVue MX40' ~ 'IntelliVue MX40' (vendor name set aside)",
  // "vendor 'GE Healthcare' differs from 'Philips'".
  std::string reason;
};

// `advisory` is the name as the advisory writes it, `asset` as the inventory does. `aliases`
// may be null; it must be a vendor table.
NameMatch CompareVendors(std::string_view advisory,
                         std::string_view asset,
                         const AliasTable* aliases = nullptr);

// As CompareVendors, for products (`aliases`, if given, a product table). When `vendor` is given,
// a product name that starts with the vendor's name also matches without it.
NameMatch CompareProducts(std::string_view advisory,
                          std::string_view asset,
                          std::string_view vendor = {},
                          const AliasTable* aliases = nullptr);

// Whether the CSAF model number `pattern` names `model` (kExact, kNormalised or kPattern); the
// reason reads "model 'MMT-1710' ~ 'MMT 1710'" or "model 'P3000-*' matches 'P3000-B'".
NameMatch MatchModelNumber(std::string_view pattern, std::string_view model);

}  // namespace caduceus::advisories
