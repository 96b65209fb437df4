// The indicator set the sweep matches logs against, built from STIX indicator objects and plain
// lists. Each indicator becomes one entry: a single term (one observable; a URL term may be a
// prefix) or a compound of terms from a pattern that joins comparisons of one observation with
// AND and OR, evaluated per record (kept as a disjunction of clauses; a clause matches when every
// one of its terms matches a field of the same record).
//
// What a STIX pattern becomes:
//   - each comparison `path = 'v'`, `path IN ('v', ...)` (an OR of its values), and for
//     addresses `ISSUBSET 'net'`, on the paths intel::ObservablesOfPattern knows (domain-name,
//     ipv4-addr, ipv6-addr, url, email-addr and email-message senders and recipients,
//     file:hashes.MD5/SHA-1/SHA-256/SHA-512, file:name, network-traffic src/dst) is a term;
//     `url:value LIKE 'http://x/y%'` (one trailing '%', no other wildcard) is a URL prefix term;
//   - comparisons that are not terms (other paths or operators, NOT) make their AND clause
//     unsatisfiable; an OR keeps its other branches (matching one of them matches the pattern);
//   - observation expressions joined by OR are one disjunction; AND and FOLLOWEDBY between
//     observations and qualifiers (WITHIN, REPEATS, START/STOP) span records: such indicators are
//     skipped with a reason, as are patterns with no term left and disjunctions of more than
//     kMaxClauses clauses or clauses of more than kMaxTermsPerClause terms.
// Revoked indicators, indicators whose valid_until is not after `now`, and those the caller
// flags as warninglisted, or whose observables are on the options' warninglists, are skipped
// (counted by reason). Indicators of a pattern_type other
// than "stix" (yara, sigma, ...) are skipped as not sweepable in logs.
//
// Plain lists: one value per line; blank lines and lines starting with '#' are ignored. The kind
// is given or detected (url with "://", md5/sha1/sha256/sha512 by the length of a hex run,
// ipv4/ipv6 with an optional /prefix, email with '@', domain otherwise). A URL ending in '*' is a
// prefix term. The indicator id of a list entry is its value as written.
//
// Builders are used by one thread; a built IndicatorSet is immutable and may be shared.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/error.h"
#include "core/tlp.h"
#include "intel/observables.h"

namespace caduceus::intel {
class Warninglists;
}  // namespace caduceus::intel

namespace caduceus::sweep {

inline constexpr std::size_t kMaxClauses = 64;
inline constexpr std::size_t kMaxTermsPerClause = 64;

// One thing a record's field can match: an observable in normal form (intel::Normalise), for a
// URL optionally as a prefix of the record's normalised URL.
struct Term {
  intel::Observable observable;
  bool prefix = false;  // url only
  auto operator<=>(const Term&) const = default;
};

// One indicator: who it came from (what a finding names) and what it matches. The terms are
// stored clause after clause: `clause_sizes` gives the number of terms of each clause, and is
// empty for the usual single clause (a simple indicator: one term).
struct IndicatorEntry {
  std::string id;                 // the STIX id, or a list entry's value as written
  std::uint32_t collection = 0;   // index into IndicatorSet::collections
  std::optional<TlpLevel> tlp;    // the most restrictive TLP marking of object_marking_refs
  std::optional<int> confidence;  // 0..100
  std::vector<Term> terms;
  std::vector<std::uint32_t> clause_sizes;
  bool compound() const { return terms.size() != 1 || clause_sizes.size() > 1; }
};

enum class SkipReason : std::uint8_t {
  kInvalid,           // not JSON, not a valid STIX indicator, or a pattern that does not parse
  kNotIndicator,      // a STIX object of another type
  kPatternType,       // pattern_type other than "stix"
  kRevoked,           // revoked: true
  kExpired,           // valid_until not after now
  kWarninglisted,     // flagged by the caller
  kObservationLevel,  // AND / FOLLOWEDBY between observations, or a qualifier
  kNoTerm,            // no comparison the sweep can evaluate on a record
  kTooComplex,        // more than kMaxClauses clauses or kMaxTermsPerClause terms in one
  kUnknownValue,      // a list line that is no value of its (given or detected) kind
};

// "invalid", "not-indicator", "pattern-type", "revoked", "expired", "warninglisted",
// "observation-level", "no-term", "too-complex", "unknown-value".
std::string_view SkipReasonName(SkipReason reason);

struct Skipped {
  std::string id;  // STIX id when known, else "line N" for a list
  SkipReason reason = SkipReason::kInvalid;
  std::string message;  // detail, safe to show (quotes no indicator content beyond the id)
};

struct BuildReport {
  std::size_t simple = 0;                     // entries of one term
  std::size_t compound = 0;                   // entries with several terms or clauses
  std::map<SkipReason, std::size_t> skipped;  // counts by reason
  std::vector<Skipped> examples;              // the first kMaxSkipExamples skips, in input order
  static constexpr std::size_t kMaxSkipExamples = 1000;
};

struct IndicatorSetOptions {
  TimePoint now;  // for valid_until; the caller's clock
  // When set, a STIX indicator one of whose pattern's observables is on a list is skipped as
  // warninglisted, as the hub's intel store flags it (for a caller without the hub's verdict: the
  // agent). Must outlive the builder.
  const intel::Warninglists* warninglists = nullptr;
};

struct IndicatorSet {
  std::vector<std::string> collections;  // names given by the callers, in order of first use
  std::vector<IndicatorEntry> entries;
  BuildReport report;
};

class IndicatorSetBuilder {
 public:
  explicit IndicatorSetBuilder(IndicatorSetOptions options);

  // Adds one STIX indicator object given as JSON text, from `collection`. `warninglisted` is the
  // hub's or intel store's verdict for this object. Returns whether an entry was added (a skip is
  // counted in the report, not an error).
  bool AddStix(std::string_view json, std::string_view collection, bool warninglisted = false);

  // Adds every indicator of a STIX bundle (JSON text, {"type":"bundle","objects":[...]}); objects
  // of other types are ignored without being counted. `warninglisted(id)` may be empty. Fails
  // only when the text is not a JSON object with an "objects" array; returns the entries added.
  Result<std::size_t> AddStixBundle(std::string_view json,
                                    std::string_view collection,
                                    const std::function<bool(std::string_view)>& warninglisted);

  // Adds a plain list (see above): every entry gets `collection`, `tlp` and `confidence`.
  // Returns the entries added.
  std::size_t AddList(std::string_view text,
                      std::string_view collection,
                      std::optional<intel::ObservableKind> kind = std::nullopt,
                      std::optional<TlpLevel> tlp = std::nullopt,
                      std::optional<int> confidence = std::nullopt);

  // The index of a collection name in IndicatorSet::collections, adding it on first use.
  std::uint32_t Collection(std::string_view name);

  // Adds one entry as it is (tests, callers with their own source). Terms must be in normal
  // form; `entry.collection` must come from Collection(). An entry without terms, or whose
  // clause_sizes do not add up to its terms, is counted as kNoTerm and dropped.
  void Add(IndicatorEntry entry);

  const BuildReport& report() const { return set_.report; }

  // The set; the builder is empty afterwards.
  IndicatorSet Finish();

 private:
  void Skip(std::string id, SkipReason reason, std::string message);

  IndicatorSetOptions options_;
  IndicatorSet set_;
};

// The kind of a plain-list value as AddList detects it; nullopt when it is none.
std::optional<intel::ObservableKind> DetectValueKind(std::string_view value);

}  // namespace caduceus::sweep
