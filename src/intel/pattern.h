// STIX 2.1 patterning language (OASIS STIX 2.1, section 9): the syntax tree of an indicator's
// `pattern`, a parser for it, and a canonical printer.
//
// The parser follows the STIX 2.1 grammar (STIXPattern.g4 of the OASIS pattern validator):
//   pattern        := obs-followedby
//   obs-followedby := obs-or ('FOLLOWEDBY' obs-or)*       (lowest precedence)
//   obs-or         := obs-and ('OR' obs-and)*
//   obs-and        := obs-qualified ('AND' obs-qualified)*
//   obs-qualified  := ('[' cmp-or ']' | '(' obs-followedby ')') qualifier*
//   qualifier      := 'WITHIN' positive-number 'SECONDS' | 'REPEATS' positive-int 'TIMES'
//                   | 'START' timestamp 'STOP' timestamp
//   cmp-or         := cmp-and ('OR' cmp-and)*
//   cmp-and        := cmp-term ('AND' cmp-term)*
//   cmp-term       := '(' cmp-or ')' | 'EXISTS' path | path 'NOT'? operator operand
// Keywords are case-sensitive, as in the grammar. Whitespace (ASCII and the Unicode spaces the
// grammar lists) and /* */ and // comments are skipped. Beyond the grammar, the parser rejects
// what the specification or the validator forbid: an invalid calendar timestamp, a STOP not later
// than its START, a zero WITHIN or REPEATS, the same qualifier kind twice on one expression, and
// integers or floats that do not fit an int64 or a finite double.
//
// Tree shape: AND, OR and FOLLOWEDBY are n-ary. A chain of one operator, and a parenthesised
// operand with the same operator and no qualifiers, are flattened into one node, so
// `[a] AND ([b] AND [c])` and `[a] AND [b] AND [c]` give the same tree; other parentheses leave
// no node of their own. Qualifiers attach to the expression they follow, in source order.
//
// Everything here is plain values: copyable, comparable, not shared. Functions are pure and
// thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/clock.h"
#include "core/error.h"

namespace caduceus::intel {

// Longest pattern ParsePattern accepts, in bytes.
inline constexpr std::size_t kMaxPatternBytes = 64 * 1024;
// Deepest nesting of '(' and '[' ParsePattern accepts; it bounds the recursion of the parser and
// of everything that walks a parsed tree.
inline constexpr int kMaxPatternDepth = 64;

// t'2024-01-31T12:00:00.5Z': `text` is the timestamp as written between the quotes (it is what
// ToString emits back), `value` the instant it denotes.
struct Timestamp {
  std::string text;
  TimePoint value;
  bool operator==(const Timestamp&) const = default;
};

// b'base64': the decoded bytes.
struct Binary {
  std::string bytes;
  bool operator==(const Binary&) const = default;
};

// h'hex': the decoded bytes.
struct Hex {
  std::string bytes;
  bool operator==(const Hex&) const = default;
};

// A constant: boolean, integer, float, string (unescaped), binary, hex or timestamp.
using Literal = std::variant<bool, std::int64_t, double, std::string, Binary, Hex, Timestamp>;

// One step after the first key of an object path: `.key` / `.'quoted key'`, `[n]`, or `[*]`.
struct PathStep {
  enum class Kind { kKey, kIndex, kAnyIndex };
  Kind kind = Kind::kKey;
  std::string key;         // kKey only
  std::int64_t index = 0;  // kIndex only; may be negative, as the grammar allows
  bool operator==(const PathStep&) const = default;
};

// `object_type:property[.step...]`, e.g. file:extensions.'windows-pebinary-ext'.sections[*].
struct ObjectPath {
  std::string object_type;  // e.g. "network-traffic"
  std::string property;     // the first key, e.g. "extensions"
  std::vector<PathStep> steps;
  bool operator==(const ObjectPath&) const = default;
};

enum class Operator {
  kEqual,           // = or ==
  kNotEqual,        // != or <>
  kLess,            // <
  kLessOrEqual,     // <=
  kGreater,         // >
  kGreaterOrEqual,  // >=
  kIn,              // IN ( ... )
  kLike,            // LIKE 'sql%pattern'
  kMatches,         // MATCHES 'pcre'
  kIsSubset,        // ISSUBSET '10.0.0.0/8'
  kIsSuperset,      // ISSUPERSET '10.0.0.0/8'
  kExists,          // EXISTS path
};

// The operator's keyword or symbol as ToString writes it ("=", "!=", "IN", "EXISTS", ...).
std::string_view OperatorName(Operator op);

// One property test, `path [NOT] op value`.
struct Comparison {
  ObjectPath path;
  Operator op = Operator::kEqual;
  bool negated = false;  // NOT before the operator; never set for kExists
  // kIn: the members of the set, possibly none. kExists: empty. Otherwise exactly one literal:
  // a string for LIKE, MATCHES, ISSUBSET and ISSUPERSET, and not a bool for < <= > >=.
  std::vector<Literal> values;
  bool operator==(const Comparison&) const = default;
};

// The inside of one `[ ... ]`.
struct ComparisonExpression {
  enum class Kind { kComparison, kAnd, kOr };
  Kind kind = Kind::kComparison;
  Comparison comparison;                       // kComparison only
  std::vector<ComparisonExpression> operands;  // kAnd, kOr: two or more, in source order
  bool operator==(const ComparisonExpression&) const;
};

struct Within {
  double seconds = 0;  // > 0
  bool operator==(const Within&) const = default;
};

struct Repeats {
  std::int64_t times = 0;  // >= 1
  bool operator==(const Repeats&) const = default;
};

struct StartStop {
  Timestamp start;
  Timestamp stop;  // later than start
  bool operator==(const StartStop&) const = default;
};

using Qualifier = std::variant<Within, Repeats, StartStop>;

struct ObservationExpression {
  enum class Kind { kObservation, kAnd, kOr, kFollowedBy };
  Kind kind = Kind::kObservation;
  ComparisonExpression comparison;              // kObservation only: the `[ ... ]`
  std::vector<ObservationExpression> operands;  // others: two or more, in source order
  std::vector<Qualifier> qualifiers;            // at most one of each kind, in source order
  bool operator==(const ObservationExpression&) const;
};

struct Pattern {
  ObservationExpression expression;
  bool operator==(const Pattern&) const = default;
};

// Parses a STIX 2.1 pattern. Fails with Error::Invalid for input longer than kMaxPatternBytes,
// nesting deeper than kMaxPatternDepth, or anything the grammar and the rules above reject; the
// message names the reason and the 1-based byte offset, e.g. "expected ']' at offset 27" or
// "unterminated string starting at offset 5". Messages quote no input beyond ASCII identifiers
// and keywords, so they are safe to show.
Result<Pattern> ParsePattern(std::string_view text);

// The canonical text of a pattern: single spaces around operators and keywords, `=` and `!=`
// for the two spellings of each, parentheses only where precedence needs them, no comments.
// For every tree that ParsePattern returned, ParsePattern(ToString(p)) == p.
std::string ToString(const Pattern& pattern);
std::string ToString(const ObjectPath& path);
std::string ToString(const Literal& literal);

// Every comparison in the pattern, depth-first in source order: what the sweep engine and
// correlation index. The pointers are into `pattern` and valid while it lives unchanged.
std::vector<const Comparison*> ListComparisons(const Pattern& pattern);

}  // namespace caduceus::intel
