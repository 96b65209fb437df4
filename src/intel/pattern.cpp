#include "intel/pattern.h"

#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <variant>
#include <vector>

#include <fmt/format.h>

#include "core/text.h"

namespace caduceus::intel {

bool ComparisonExpression::operator==(const ComparisonExpression& other) const {
  return kind == other.kind && comparison == other.comparison && operands == other.operands;
}

bool ObservationExpression::operator==(const ObservationExpression& other) const {
  return kind == other.kind && comparison == other.comparison && operands == other.operands &&
         qualifiers == other.qualifiers;
}

std::string_view OperatorName(Operator op) {
  switch (op) {
    case Operator::kEqual:
      return "=";
    case Operator::kNotEqual:
      return "!=";
    case Operator::kLess:
      return "<";
    case Operator::kLessOrEqual:
      return "<=";
    case Operator::kGreater:
      return ">";
    case Operator::kGreaterOrEqual:
      return ">=";
    case Operator::kIn:
      return "IN";
    case Operator::kLike:
      return "LIKE";
    case Operator::kMatches:
      return "MATCHES";
    case Operator::kIsSubset:
      return "ISSUBSET";
    case Operator::kIsSuperset:
      return "ISSUPERSET";
    case Operator::kExists:
      return "EXISTS";
  }
  return "?";
}

namespace {

enum class Tok {
  kEnd,
  kLBracket,
  kRBracket,
  kLParen,
  kRParen,
  kColon,
  kDot,
  kComma,
  kAsterisk,
  kEq,
  kNeq,
  kLt,
  kLe,
  kGt,
  kGe,
  kIdentifier,
  kString,
  kInt,
  kFloat,
  kBinary,
  kHex,
  kTimestamp,
  kTrue,
  kFalse,
  kAnd,
  kOr,
  kNot,
  kFollowedBy,
  kLike,
  kMatches,
  kIsSuperset,
  kIsSubset,
  kExists,
  kLast,
  kIn,
  kStart,
  kStop,
  kSeconds,
  kWithin,
  kRepeats,
  kTimes,
};

struct Keyword {
  std::string_view word;
  Tok tok;
};

constexpr std::array<Keyword, 19> kKeywords{{
    {"AND", Tok::kAnd},
    {"OR", Tok::kOr},
    {"NOT", Tok::kNot},
    {"FOLLOWEDBY", Tok::kFollowedBy},
    {"LIKE", Tok::kLike},
    {"MATCHES", Tok::kMatches},
    {"ISSUPERSET", Tok::kIsSuperset},
    {"ISSUBSET", Tok::kIsSubset},
    {"EXISTS", Tok::kExists},
    {"LAST", Tok::kLast},
    {"IN", Tok::kIn},
    {"START", Tok::kStart},
    {"STOP", Tok::kStop},
    {"SECONDS", Tok::kSeconds},
    {"true", Tok::kTrue},
    {"false", Tok::kFalse},
    {"WITHIN", Tok::kWithin},
    {"REPEATS", Tok::kRepeats},
    {"TIMES", Tok::kTimes},
}};

std::optional<Tok> KeywordToken(std::string_view word) {
  for (const Keyword& k : kKeywords) {
    if (k.word == word) return k.tok;
  }
  return std::nullopt;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsWordStart(char c) { return IsAlpha(c) || c == '_'; }
bool IsWordChar(char c) { return IsAlpha(c) || IsDigit(c) || c == '_' || c == '-'; }
bool IsBase64Char(char c) { return IsAlpha(c) || IsDigit(c) || c == '+' || c == '/'; }

int HexValue(char c) {
  if (IsDigit(c)) return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

int Base64Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (IsDigit(c)) return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

// A property name that may be written without quotes (the grammar's IdentifierWithoutHyphen
// that is not a keyword).
bool IsBareKey(std::string_view key) {
  if (key.empty() || !IsWordStart(key.front())) return false;
  for (const char c : key) {
    if (!IsWordChar(c) || c == '-') return false;
  }
  return !KeywordToken(key).has_value();
}

// Length of the whitespace sequence (one character) at the start of `s`, or 0. The set is the
// grammar's WS rule: ASCII blanks plus U+0085, U+00A0, U+1680, U+2000..U+200A, U+2028, U+2029,
// U+202F, U+205F and U+3000, in UTF-8.
std::size_t WhitespaceLength(std::string_view s) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  switch (byte(0)) {
    case ' ':
    case '\t':
    case '\r':
    case '\n':
    case '\v':
    case '\f':
      return 1;
    default:
      break;
  }
  if (s.size() >= 2 && byte(0) == 0xC2 && (byte(1) == 0x85 || byte(1) == 0xA0)) return 2;
  if (s.size() < 3) return 0;
  const unsigned int cp = (byte(0) << 16) | (byte(1) << 8) | byte(2);
  if (cp == 0xE19A80 || (cp >= 0xE28080 && cp <= 0xE2808A) || cp == 0xE280A8 || cp == 0xE280A9 ||
      cp == 0xE280AF || cp == 0xE2819F || cp == 0xE38080) {
    return 3;
  }
  return 0;
}

// Describes a byte of input for an error message without echoing non-printable input.
std::string DescribeByte(char c) {
  const auto u = static_cast<unsigned char>(c);
  if (u > 0x20 && u < 0x7F) return fmt::format("'{}'", c);
  return fmt::format("byte 0x{:02X}", u);
}

struct Token {
  Tok kind = Tok::kEnd;
  std::size_t offset = 0;  // of the first byte, 0-based
  std::string_view text;   // the source spelling
  std::string bytes;       // kString: unescaped; kBinary, kHex: decoded
  std::int64_t integer = 0;
  double number = 0;      // kFloat
  bool negative = false;  // kInt, kFloat: written with '-'
  Timestamp timestamp;
};

std::string Describe(const Token& token) {
  switch (token.kind) {
    case Tok::kEnd:
      return "end of pattern";
    case Tok::kIdentifier:
      return fmt::format("identifier '{}'", TruncateUtf8(token.text, 32));
    case Tok::kString:
      return "string literal";
    case Tok::kInt:
      return "integer literal";
    case Tok::kFloat:
      return "float literal";
    case Tok::kBinary:
      return "binary literal";
    case Tok::kHex:
      return "hex literal";
    case Tok::kTimestamp:
      return "timestamp literal";
    default:
      return fmt::format("'{}'", token.text);
  }
}

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  Result<Pattern> Run() {
    if (text_.size() > kMaxPatternBytes) {
      return Error::Invalid(
          fmt::format("pattern is {} bytes, longer than {}", text_.size(), kMaxPatternBytes));
    }
    if (const auto bad = FirstInvalidUtf8(text_)) {
      return Error::Invalid(fmt::format("invalid UTF-8 at offset {}", *bad + 1));
    }
    Pattern pattern;
    if (Advance() && ParseObservationChain(0, pattern.expression)) {
      if (token_.kind == Tok::kEnd) return pattern;
      Fail(token_.offset, fmt::format("unexpected {} after the pattern", Describe(token_)));
    }
    return *error_;
  }

 private:
  // Records the first failure; always returns false so callers can `return Fail(...)`.
  bool Fail(std::size_t offset, std::string_view reason) {
    if (!error_) error_ = Error::Invalid(fmt::format("{} at offset {}", reason, offset + 1));
    return false;
  }

  bool Expect(Tok kind, std::string_view what) {
    if (token_.kind != kind) {
      return Fail(token_.offset, fmt::format("expected {}, found {}", what, Describe(token_)));
    }
    return Advance();
  }

  bool Enter() {
    if (++depth_ > kMaxPatternDepth) {
      return Fail(token_.offset, fmt::format("nesting deeper than {}", kMaxPatternDepth));
    }
    return true;
  }

  // ---- Lexer ----

  void SkipBlanks() {
    while (pos_ < text_.size()) {
      const std::string_view rest = text_.substr(pos_);
      if (const std::size_t n = WhitespaceLength(rest)) {
        pos_ += n;
      } else if (rest.starts_with("//")) {
        const std::size_t eol = text_.find_first_of("\r\n", pos_);
        pos_ = eol == std::string_view::npos ? text_.size() : eol;
      } else if (rest.starts_with("/*")) {
        const std::size_t end = text_.find("*/", pos_ + 2);
        if (end == std::string_view::npos) {
          comment_error_ = pos_;
          pos_ = text_.size();
          return;
        }
        pos_ = end + 2;
      } else {
        return;
      }
    }
  }

  // Reads the next token into token_.
  bool Advance() {
    SkipBlanks();
    if (comment_error_) return Fail(*comment_error_, "unterminated comment starting");
    token_ = Token{};
    token_.offset = pos_;
    if (pos_ >= text_.size()) return true;
    const char c = text_[pos_];
    const auto single = [&](Tok kind, std::size_t length) {
      token_.kind = kind;
      token_.text = text_.substr(pos_, length);
      pos_ += length;
      return true;
    };
    const char next = pos_ + 1 < text_.size() ? text_[pos_ + 1] : '\0';
    switch (c) {
      case '[':
        return single(Tok::kLBracket, 1);
      case ']':
        return single(Tok::kRBracket, 1);
      case '(':
        return single(Tok::kLParen, 1);
      case ')':
        return single(Tok::kRParen, 1);
      case ':':
        return single(Tok::kColon, 1);
      case ',':
        return single(Tok::kComma, 1);
      case '*':
        return single(Tok::kAsterisk, 1);
      case '=':
        return single(Tok::kEq, next == '=' ? 2 : 1);
      case '!':
        if (next == '=') return single(Tok::kNeq, 2);
        break;
      case '<':
        if (next == '>') return single(Tok::kNeq, 2);
        if (next == '=') return single(Tok::kLe, 2);
        return single(Tok::kLt, 1);
      case '>':
        if (next == '=') return single(Tok::kGe, 2);
        return single(Tok::kGt, 1);
      case '.':
        if (IsDigit(next)) return LexNumber();
        return single(Tok::kDot, 1);
      case '\'':
        return LexString();
      case '+':
      case '-':
        if (IsDigit(next) || next == '.') return LexNumber();
        break;
      default:
        break;
    }
    if (IsDigit(c)) return LexNumber();
    if (IsWordStart(c)) return LexWord();
    return Fail(pos_, fmt::format("unexpected {}", DescribeByte(c)));
  }

  bool LexWord() {
    const std::size_t start = pos_;
    while (pos_ < text_.size() && IsWordChar(text_[pos_])) ++pos_;
    const std::string_view word = text_.substr(start, pos_ - start);
    if (pos_ < text_.size() && text_[pos_] == '\'' && word.size() == 1) {
      if (word == "t") return LexTimestamp(start);
      if (word == "h") return LexHex(start);
      if (word == "b") return LexBinary(start);
    }
    token_.text = word;
    token_.kind = KeywordToken(word).value_or(Tok::kIdentifier);
    return true;
  }

  // Finds the quote closing a t'', h'' or b'' literal whose opening quote is at pos_; the body
  // of these literals has no escapes.
  bool LiteralBody(std::size_t start, std::string_view kind, std::string_view& body) {
    const std::size_t close = text_.find('\'', pos_ + 1);
    if (close == std::string_view::npos) {
      return Fail(start, fmt::format("unterminated {} literal starting", kind));
    }
    body = text_.substr(pos_ + 1, close - pos_ - 1);
    pos_ = close + 1;
    token_.text = text_.substr(start, pos_ - start);
    return true;
  }

  bool LexString() {
    const std::size_t start = pos_;
    std::string value;
    for (std::size_t i = pos_ + 1; i < text_.size(); ++i) {
      const char c = text_[i];
      if (c == '\'') {
        pos_ = i + 1;
        token_.kind = Tok::kString;
        token_.text = text_.substr(start, pos_ - start);
        token_.bytes = std::move(value);
        return true;
      }
      if (c == '\\') {
        const char escaped = i + 1 < text_.size() ? text_[i + 1] : '\0';
        if (escaped != '\'' && escaped != '\\') {
          return Fail(i, "invalid escape in string (only \\' and \\\\ are allowed)");
        }
        value.push_back(escaped);
        ++i;
        continue;
      }
      value.push_back(c);
    }
    return Fail(start, "unterminated string starting");
  }

  bool LexTimestamp(std::size_t start) {
    std::string_view body;
    if (!LiteralBody(start, "timestamp", body)) return false;
    // The grammar's shape: YYYY-MM-DDTHH:MM:SS[.fraction]Z, UTC only.
    constexpr std::string_view kShape = "dddd-dd-ddTdd:dd:dd";
    bool ok = body.size() >= kShape.size() + 1 && body.back() == 'Z';
    for (std::size_t i = 0; ok && i < kShape.size(); ++i) {
      ok = kShape[i] == 'd' ? IsDigit(body[i]) : body[i] == kShape[i];
    }
    if (ok && body.size() > kShape.size() + 1) {
      const std::string_view fraction = body.substr(kShape.size(), body.size() - kShape.size() - 1);
      ok = fraction.size() >= 2 && fraction.front() == '.';
      for (std::size_t i = 1; ok && i < fraction.size(); ++i) ok = IsDigit(fraction[i]);
    }
    if (!ok) return Fail(start, "invalid timestamp (expected t'YYYY-MM-DDTHH:MM:SS[.s]Z')");
    const auto value = ParseRfc3339(body);
    if (!value) {
      return Fail(start, "invalid timestamp (no such date or time, or a year outside 1678-2261)");
    }
    token_.kind = Tok::kTimestamp;
    token_.timestamp = Timestamp{std::string(body), *value};
    return true;
  }

  bool LexHex(std::size_t start) {
    std::string_view body;
    if (!LiteralBody(start, "hex", body)) return false;
    if (body.size() % 2 != 0) return Fail(start, "hex literal has an odd number of digits");
    std::string bytes;
    bytes.reserve(body.size() / 2);
    for (std::size_t i = 0; i < body.size(); i += 2) {
      const int high = HexValue(body[i]);
      const int low = HexValue(body[i + 1]);
      if (high < 0 || low < 0) return Fail(start, "hex literal has a character that is not hex");
      bytes.push_back(static_cast<char>((high << 4) | low));
    }
    token_.kind = Tok::kHex;
    token_.bytes = std::move(bytes);
    return true;
  }

  bool LexBinary(std::size_t start) {
    std::string_view body;
    if (!LiteralBody(start, "binary", body)) return false;
    // Groups of four base64 characters, at least one, '=' padding only at the end.
    std::size_t padding = 0;
    if (body.ends_with("==")) {
      padding = 2;
    } else if (body.ends_with("=")) {
      padding = 1;
    }
    bool ok = !body.empty() && body.size() % 4 == 0;
    for (std::size_t i = 0; ok && i < body.size() - padding; ++i) ok = IsBase64Char(body[i]);
    if (!ok) return Fail(start, "invalid base64 in binary literal");
    std::string bytes;
    std::uint32_t buffer = 0;
    int bits = 0;
    for (std::size_t i = 0; i < body.size() - padding; ++i) {
      buffer = (buffer << 6) | static_cast<std::uint32_t>(Base64Value(body[i]));
      bits += 6;
      if (bits >= 8) {
        bits -= 8;
        bytes.push_back(static_cast<char>((buffer >> bits) & 0xFF));
      }
    }
    token_.kind = Tok::kBinary;
    token_.bytes = std::move(bytes);
    return true;
  }

  bool LexNumber() {
    const std::size_t start = pos_;
    bool negative = false;
    if (text_[pos_] == '+' || text_[pos_] == '-') {
      negative = text_[pos_] == '-';
      ++pos_;
    }
    const std::size_t digits_start = pos_;
    while (pos_ < text_.size() && IsDigit(text_[pos_])) ++pos_;
    const std::string_view integer_part = text_.substr(digits_start, pos_ - digits_start);
    token_.negative = negative;
    if (pos_ < text_.size() && text_[pos_] == '.') {
      ++pos_;
      const std::size_t fraction_start = pos_;
      while (pos_ < text_.size() && IsDigit(text_[pos_])) ++pos_;
      if (pos_ == fraction_start) return Fail(start, "malformed number (no digits after '.')");
      token_.kind = Tok::kFloat;
      token_.text = text_.substr(start, pos_ - start);
      // from_chars takes no leading '+'.
      const std::string_view unsigned_text = text_.substr(digits_start, pos_ - digits_start);
      double value = 0;
      const auto [end, ec] =
          std::from_chars(unsigned_text.data(), unsigned_text.data() + unsigned_text.size(), value);
      if (ec != std::errc() || end != unsigned_text.data() + unsigned_text.size() ||
          !std::isfinite(value)) {
        return Fail(start, "float literal out of range");
      }
      token_.number = negative ? -value : value;
      return true;
    }
    if (integer_part.size() > 1 && integer_part.front() == '0') {
      return Fail(start, "integer literal with a leading zero");
    }
    // Magnitude up to 2^63, which only a negative literal may reach.
    constexpr std::uint64_t kLimit = std::uint64_t{1} << 63;
    std::uint64_t magnitude = 0;
    for (const char c : integer_part) {
      const auto digit = static_cast<std::uint64_t>(c - '0');
      if (magnitude > (kLimit - digit) / 10) return Fail(start, "integer literal out of range");
      magnitude = magnitude * 10 + digit;
    }
    if (!negative && magnitude == kLimit) return Fail(start, "integer literal out of range");
    token_.kind = Tok::kInt;
    token_.text = text_.substr(start, pos_ - start);
    token_.integer =
        negative ? static_cast<std::int64_t>(~magnitude + 1) : static_cast<std::int64_t>(magnitude);
    return true;
  }

  // ---- Observation expressions ----

  // Level 0 is FOLLOWEDBY, 1 is OR, 2 is AND; level 3 is one qualified observation.
  bool ParseObservationChain(int level, ObservationExpression& out) {
    if (level == 3) return ParseQualifiedObservation(out);
    static constexpr std::array<Tok, 3> kOps{Tok::kFollowedBy, Tok::kOr, Tok::kAnd};
    static constexpr std::array<ObservationExpression::Kind, 3> kKinds{
        ObservationExpression::Kind::kFollowedBy, ObservationExpression::Kind::kOr,
        ObservationExpression::Kind::kAnd};
    const auto op = kOps[static_cast<std::size_t>(level)];
    const auto kind = kKinds[static_cast<std::size_t>(level)];
    ObservationExpression first;
    if (!ParseObservationChain(level + 1, first)) return false;
    if (token_.kind != op) {
      out = std::move(first);
      return true;
    }
    out = ObservationExpression{};
    out.kind = kind;
    AppendOperand(out, std::move(first));
    while (token_.kind == op) {
      if (!Advance()) return false;
      ObservationExpression next;
      if (!ParseObservationChain(level + 1, next)) return false;
      AppendOperand(out, std::move(next));
    }
    return true;
  }

  static void AppendOperand(ObservationExpression& parent, ObservationExpression child) {
    if (child.kind == parent.kind && child.qualifiers.empty()) {
      for (auto& grandchild : child.operands) parent.operands.push_back(std::move(grandchild));
    } else {
      parent.operands.push_back(std::move(child));
    }
  }

  bool ParseQualifiedObservation(ObservationExpression& out) {
    if (token_.kind == Tok::kLBracket) {
      if (!Enter() || !Advance()) return false;
      out.kind = ObservationExpression::Kind::kObservation;
      if (!ParseComparisonChain(0, out.comparison) || !Expect(Tok::kRBracket, "']'")) {
        return false;
      }
      --depth_;
    } else if (token_.kind == Tok::kLParen) {
      if (!Enter() || !Advance()) return false;
      if (!ParseObservationChain(0, out) || !Expect(Tok::kRParen, "')'")) return false;
      --depth_;
    } else {
      return Fail(token_.offset,
                  fmt::format("expected '[' or '(' to start an observation expression, found {}",
                              Describe(token_)));
    }
    return ParseQualifiers(out);
  }

  bool ParseQualifiers(ObservationExpression& out) {
    while (token_.kind == Tok::kWithin || token_.kind == Tok::kRepeats ||
           token_.kind == Tok::kStart) {
      const Token keyword = token_;
      if (!Advance()) return false;
      Qualifier qualifier;
      if (keyword.kind == Tok::kWithin) {
        const Token amount = token_;
        if ((amount.kind != Tok::kInt && amount.kind != Tok::kFloat) || amount.negative) {
          return Fail(amount.offset, fmt::format("expected a positive number of seconds after "
                                                 "WITHIN, found {}",
                                                 Describe(amount)));
        }
        const double seconds =
            amount.kind == Tok::kInt ? static_cast<double>(amount.integer) : amount.number;
        if (!(seconds > 0)) return Fail(amount.offset, "WITHIN needs more than 0 seconds");
        if (!Advance() || !Expect(Tok::kSeconds, "SECONDS")) return false;
        qualifier = Within{seconds};
      } else if (keyword.kind == Tok::kRepeats) {
        const Token count = token_;
        if (count.kind != Tok::kInt || count.negative) {
          return Fail(count.offset, fmt::format("expected a positive integer after REPEATS, "
                                                "found {}",
                                                Describe(count)));
        }
        if (count.integer < 1) return Fail(count.offset, "REPEATS needs at least 1 time");
        if (!Advance() || !Expect(Tok::kTimes, "TIMES")) return false;
        qualifier = Repeats{count.integer};
      } else {
        StartStop range;
        if (!ParseTimestampOperand("START", range.start) || !Expect(Tok::kStop, "STOP")) {
          return false;
        }
        const std::size_t stop_offset = token_.offset;
        if (!ParseTimestampOperand("STOP", range.stop)) return false;
        if (!(range.start.value < range.stop.value)) {
          return Fail(stop_offset, "STOP must be later than START");
        }
        qualifier = std::move(range);
      }
      for (const Qualifier& existing : out.qualifiers) {
        if (existing.index() == qualifier.index()) {
          return Fail(keyword.offset, fmt::format("duplicate {} qualifier", keyword.text));
        }
      }
      out.qualifiers.push_back(std::move(qualifier));
    }
    return true;
  }

  bool ParseTimestampOperand(std::string_view keyword, Timestamp& out) {
    if (token_.kind != Tok::kTimestamp) {
      return Fail(token_.offset, fmt::format("expected a timestamp t'...' after {}, found {}",
                                             keyword, Describe(token_)));
    }
    out = token_.timestamp;
    return Advance();
  }

  // ---- Comparison expressions ----

  // Level 0 is OR, 1 is AND; level 2 is one comparison or a parenthesised expression.
  bool ParseComparisonChain(int level, ComparisonExpression& out) {
    if (level == 2) return ParseComparisonTerm(out);
    const Tok op = level == 0 ? Tok::kOr : Tok::kAnd;
    const auto kind =
        level == 0 ? ComparisonExpression::Kind::kOr : ComparisonExpression::Kind::kAnd;
    ComparisonExpression first;
    if (!ParseComparisonChain(level + 1, first)) return false;
    if (token_.kind != op) {
      out = std::move(first);
      return true;
    }
    out = ComparisonExpression{};
    out.kind = kind;
    AppendOperand(out, std::move(first));
    while (token_.kind == op) {
      if (!Advance()) return false;
      ComparisonExpression next;
      if (!ParseComparisonChain(level + 1, next)) return false;
      AppendOperand(out, std::move(next));
    }
    return true;
  }

  static void AppendOperand(ComparisonExpression& parent, ComparisonExpression child) {
    if (child.kind == parent.kind) {
      for (auto& grandchild : child.operands) parent.operands.push_back(std::move(grandchild));
    } else {
      parent.operands.push_back(std::move(child));
    }
  }

  bool ParseComparisonTerm(ComparisonExpression& out) {
    if (token_.kind == Tok::kLParen) {
      if (!Enter() || !Advance()) return false;
      if (!ParseComparisonChain(0, out) || !Expect(Tok::kRParen, "')'")) return false;
      --depth_;
      return true;
    }
    out.kind = ComparisonExpression::Kind::kComparison;
    Comparison& comparison = out.comparison;
    if (token_.kind == Tok::kExists) {
      comparison.op = Operator::kExists;
      return Advance() && ParsePath(comparison.path);
    }
    if (!ParsePath(comparison.path)) return false;
    if (token_.kind == Tok::kNot) {
      comparison.negated = true;
      if (!Advance()) return false;
    }
    const Token op = token_;
    switch (op.kind) {
      case Tok::kEq:
      case Tok::kNeq:
        comparison.op = op.kind == Tok::kEq ? Operator::kEqual : Operator::kNotEqual;
        return Advance() && ParseLiteral(/*orderable=*/false, comparison.values.emplace_back());
      case Tok::kLt:
      case Tok::kLe:
      case Tok::kGt:
      case Tok::kGe:
        comparison.op = op.kind == Tok::kLt   ? Operator::kLess
                        : op.kind == Tok::kLe ? Operator::kLessOrEqual
                        : op.kind == Tok::kGt ? Operator::kGreater
                                              : Operator::kGreaterOrEqual;
        return Advance() && ParseLiteral(/*orderable=*/true, comparison.values.emplace_back());
      case Tok::kIn:
        comparison.op = Operator::kIn;
        return Advance() && ParseSet(comparison.values);
      case Tok::kLike:
      case Tok::kMatches:
      case Tok::kIsSubset:
      case Tok::kIsSuperset:
        comparison.op = op.kind == Tok::kLike       ? Operator::kLike
                        : op.kind == Tok::kMatches  ? Operator::kMatches
                        : op.kind == Tok::kIsSubset ? Operator::kIsSubset
                                                    : Operator::kIsSuperset;
        if (!Advance()) return false;
        if (token_.kind != Tok::kString) {
          return Fail(token_.offset, fmt::format("{} needs a string literal, found {}", op.text,
                                                 Describe(token_)));
        }
        comparison.values.emplace_back(std::move(token_.bytes));
        return Advance();
      case Tok::kIdentifier:
        return Fail(op.offset, fmt::format("unknown operator {}", Describe(op)));
      default:
        return Fail(op.offset,
                    fmt::format("expected a comparison operator, found {}", Describe(op)));
    }
  }

  bool ParseSet(std::vector<Literal>& out) {
    if (token_.kind != Tok::kLParen) {
      return Fail(token_.offset, fmt::format("IN needs a set ( ... ), found {}", Describe(token_)));
    }
    if (!Advance()) return false;
    if (token_.kind == Tok::kRParen) return Advance();
    while (true) {
      if (!ParseLiteral(/*orderable=*/false, out.emplace_back())) return false;
      if (token_.kind == Tok::kRParen) return Advance();
      if (!Expect(Tok::kComma, "',' or ')' in set")) return false;
    }
  }

  bool ParseLiteral(bool orderable, Literal& out) {
    switch (token_.kind) {
      case Tok::kInt:
        out = token_.integer;
        break;
      case Tok::kFloat:
        out = token_.number;
        break;
      case Tok::kString:
        out = std::move(token_.bytes);
        break;
      case Tok::kBinary:
        out = Binary{std::move(token_.bytes)};
        break;
      case Tok::kHex:
        out = Hex{std::move(token_.bytes)};
        break;
      case Tok::kTimestamp:
        out = std::move(token_.timestamp);
        break;
      case Tok::kTrue:
      case Tok::kFalse:
        if (orderable) {
          return Fail(token_.offset, "a boolean cannot be compared with < <= > >=");
        }
        out = token_.kind == Tok::kTrue;
        break;
      default:
        return Fail(token_.offset, fmt::format("expected a literal, found {}", Describe(token_)));
    }
    return Advance();
  }

  bool ParsePath(ObjectPath& out) {
    if (token_.kind != Tok::kIdentifier) {
      return Fail(token_.offset,
                  fmt::format("expected an object path type:property, found {}", Describe(token_)));
    }
    out.object_type = std::string(token_.text);
    if (!Advance() || !Expect(Tok::kColon, "':' after the object type")) return false;
    if (!ParseKey(out.property)) return false;
    while (token_.kind == Tok::kDot || token_.kind == Tok::kLBracket) {
      PathStep& step = out.steps.emplace_back();
      if (token_.kind == Tok::kDot) {
        if (!Advance() || !ParseKey(step.key)) return false;
        continue;
      }
      if (!Advance()) return false;
      if (token_.kind == Tok::kAsterisk) {
        step.kind = PathStep::Kind::kAnyIndex;
      } else if (token_.kind == Tok::kInt) {
        step.kind = PathStep::Kind::kIndex;
        step.index = token_.integer;
      } else {
        return Fail(token_.offset,
                    fmt::format("expected a list index or '*', found {}", Describe(token_)));
      }
      if (!Advance() || !Expect(Tok::kRBracket, "']' after the list index")) return false;
    }
    return true;
  }

  bool ParseKey(std::string& out) {
    if (token_.kind == Tok::kString) {
      out = std::move(token_.bytes);
      return Advance();
    }
    if (token_.kind == Tok::kIdentifier) {
      if (token_.text.find('-') != std::string_view::npos) {
        return Fail(token_.offset, fmt::format("property name '{}' has a hyphen and must be quoted",
                                               TruncateUtf8(token_.text, 32)));
      }
      out = std::string(token_.text);
      return Advance();
    }
    return Fail(token_.offset, fmt::format("expected a property name, found {}", Describe(token_)));
  }

  std::string_view text_;
  std::size_t pos_ = 0;
  std::optional<std::size_t> comment_error_;
  Token token_;
  int depth_ = 0;
  std::optional<Error> error_;
};

// ---- Printing ----

void AppendQuoted(std::string& out, std::string_view value) {
  out.push_back('\'');
  for (const char c : value) {
    if (c == '\'' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('\'');
}

// The shortest decimal that reads back as `value`, in fixed notation (the grammar has no
// exponents). With `force_point` the text always has a '.', so it reads back as a float.
void AppendDouble(std::string& out, double value, bool force_point) {
  // The longest shortest-round-trip fixed form of a double is below 340 characters.
  std::array<char, 512> buffer{};
  const auto [end, ec] =
      std::to_chars(buffer.data(), buffer.data() + buffer.size(), value, std::chars_format::fixed);
  const std::string_view text(buffer.data(), ec == std::errc() ? end - buffer.data() : 0);
  out.append(text);
  if (force_point && text.find('.') == std::string_view::npos) out.append(".0");
}

void AppendBase64(std::string& out, std::string_view bytes) {
  static constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const std::uint32_t n = (static_cast<std::uint8_t>(bytes[i]) << 16) |
                            (static_cast<std::uint8_t>(bytes[i + 1]) << 8) |
                            static_cast<std::uint8_t>(bytes[i + 2]);
    out.push_back(kAlphabet[(n >> 18) & 63]);
    out.push_back(kAlphabet[(n >> 12) & 63]);
    out.push_back(kAlphabet[(n >> 6) & 63]);
    out.push_back(kAlphabet[n & 63]);
  }
  const std::size_t rest = bytes.size() - i;
  if (rest == 0) return;
  std::uint32_t n = static_cast<std::uint32_t>(static_cast<std::uint8_t>(bytes[i])) << 16;
  if (rest == 2) n |= static_cast<std::uint32_t>(static_cast<std::uint8_t>(bytes[i + 1])) << 8;
  out.push_back(kAlphabet[(n >> 18) & 63]);
  out.push_back(kAlphabet[(n >> 12) & 63]);
  out.push_back(rest == 2 ? kAlphabet[(n >> 6) & 63] : '=');
  out.push_back('=');
}

void AppendLiteral(std::string& out, const Literal& literal) {
  std::visit(
      [&out](const auto& value) {
        using T = std::decay_t<decltype(value)>;
        if constexpr (std::is_same_v<T, bool>) {
          out.append(value ? "true" : "false");
        } else if constexpr (std::is_same_v<T, std::int64_t>) {
          out.append(fmt::format("{}", value));
        } else if constexpr (std::is_same_v<T, double>) {
          AppendDouble(out, value, /*force_point=*/true);
        } else if constexpr (std::is_same_v<T, std::string>) {
          AppendQuoted(out, value);
        } else if constexpr (std::is_same_v<T, Binary>) {
          out.append("b'");
          AppendBase64(out, value.bytes);
          out.push_back('\'');
        } else if constexpr (std::is_same_v<T, Hex>) {
          out.append("h'");
          for (const char c : value.bytes) {
            out.append(fmt::format("{:02x}", static_cast<std::uint8_t>(c)));
          }
          out.push_back('\'');
        } else {
          out.append("t'");
          out.append(value.text);
          out.push_back('\'');
        }
      },
      literal);
}

void AppendKey(std::string& out, std::string_view key) {
  if (IsBareKey(key)) {
    out.append(key);
  } else {
    AppendQuoted(out, key);
  }
}

void AppendPath(std::string& out, const ObjectPath& path) {
  out.append(path.object_type);
  out.push_back(':');
  AppendKey(out, path.property);
  for (const PathStep& step : path.steps) {
    switch (step.kind) {
      case PathStep::Kind::kKey:
        out.push_back('.');
        AppendKey(out, step.key);
        break;
      case PathStep::Kind::kIndex:
        out.append(fmt::format("[{}]", step.index));
        break;
      case PathStep::Kind::kAnyIndex:
        out.append("[*]");
        break;
    }
  }
}

void AppendComparison(std::string& out, const Comparison& comparison) {
  if (comparison.op == Operator::kExists) {
    out.append("EXISTS ");
    AppendPath(out, comparison.path);
    return;
  }
  AppendPath(out, comparison.path);
  out.append(comparison.negated ? " NOT " : " ");
  out.append(OperatorName(comparison.op));
  out.push_back(' ');
  if (comparison.op == Operator::kIn) {
    out.push_back('(');
    for (std::size_t i = 0; i < comparison.values.size(); ++i) {
      if (i > 0) out.append(", ");
      AppendLiteral(out, comparison.values[i]);
    }
    out.push_back(')');
  } else if (!comparison.values.empty()) {
    AppendLiteral(out, comparison.values.front());
  }
}

// Binding strength: higher binds tighter.
int Precedence(ComparisonExpression::Kind kind) {
  switch (kind) {
    case ComparisonExpression::Kind::kOr:
      return 0;
    case ComparisonExpression::Kind::kAnd:
      return 1;
    case ComparisonExpression::Kind::kComparison:
      break;
  }
  return 2;
}

void AppendComparisonExpression(std::string& out, const ComparisonExpression& expression) {
  if (expression.kind == ComparisonExpression::Kind::kComparison) {
    AppendComparison(out, expression.comparison);
    return;
  }
  const std::string_view separator =
      expression.kind == ComparisonExpression::Kind::kAnd ? " AND " : " OR ";
  for (std::size_t i = 0; i < expression.operands.size(); ++i) {
    if (i > 0) out.append(separator);
    const ComparisonExpression& operand = expression.operands[i];
    const bool parens = Precedence(operand.kind) <= Precedence(expression.kind);
    if (parens) out.push_back('(');
    AppendComparisonExpression(out, operand);
    if (parens) out.push_back(')');
  }
}

int Precedence(ObservationExpression::Kind kind) {
  switch (kind) {
    case ObservationExpression::Kind::kFollowedBy:
      return 0;
    case ObservationExpression::Kind::kOr:
      return 1;
    case ObservationExpression::Kind::kAnd:
      return 2;
    case ObservationExpression::Kind::kObservation:
      break;
  }
  return 3;
}

void AppendQualifier(std::string& out, const Qualifier& qualifier) {
  if (const auto* within = std::get_if<Within>(&qualifier)) {
    out.append(" WITHIN ");
    // Whole numbers read back exactly as integers; anything else keeps its '.'.
    const bool whole = within->seconds < 1e15 && std::floor(within->seconds) == within->seconds;
    AppendDouble(out, within->seconds, /*force_point=*/!whole);
    out.append(" SECONDS");
  } else if (const auto* repeats = std::get_if<Repeats>(&qualifier)) {
    out.append(fmt::format(" REPEATS {} TIMES", repeats->times));
  } else {
    const auto& range = std::get<StartStop>(qualifier);
    out.append(fmt::format(" START t'{}' STOP t'{}'", range.start.text, range.stop.text));
  }
}

void AppendObservationExpression(std::string& out, const ObservationExpression& expression) {
  if (expression.kind == ObservationExpression::Kind::kObservation) {
    out.push_back('[');
    AppendComparisonExpression(out, expression.comparison);
    out.push_back(']');
  } else {
    const bool qualified = !expression.qualifiers.empty();
    if (qualified) out.push_back('(');
    const std::string_view separator =
        expression.kind == ObservationExpression::Kind::kAnd  ? " AND "
        : expression.kind == ObservationExpression::Kind::kOr ? " OR "
                                                              : " FOLLOWEDBY ";
    for (std::size_t i = 0; i < expression.operands.size(); ++i) {
      if (i > 0) out.append(separator);
      const ObservationExpression& operand = expression.operands[i];
      const bool parens =
          operand.qualifiers.empty() && Precedence(operand.kind) <= Precedence(expression.kind);
      if (parens) out.push_back('(');
      AppendObservationExpression(out, operand);
      if (parens) out.push_back(')');
    }
    if (qualified) out.push_back(')');
  }
  for (const Qualifier& qualifier : expression.qualifiers) AppendQualifier(out, qualifier);
}

void CollectComparisons(const ComparisonExpression& expression,
                        std::vector<const Comparison*>& out) {
  if (expression.kind == ComparisonExpression::Kind::kComparison) {
    out.push_back(&expression.comparison);
    return;
  }
  for (const auto& operand : expression.operands) CollectComparisons(operand, out);
}

void CollectComparisons(const ObservationExpression& expression,
                        std::vector<const Comparison*>& out) {
  if (expression.kind == ObservationExpression::Kind::kObservation) {
    CollectComparisons(expression.comparison, out);
    return;
  }
  for (const auto& operand : expression.operands) CollectComparisons(operand, out);
}

}  // namespace

Result<Pattern> ParsePattern(std::string_view text) { return Parser(text).Run(); }

std::string ToString(const Pattern& pattern) {
  std::string out;
  AppendObservationExpression(out, pattern.expression);
  return out;
}

std::string ToString(const ObjectPath& path) {
  std::string out;
  AppendPath(out, path);
  return out;
}

std::string ToString(const Literal& literal) {
  std::string out;
  AppendLiteral(out, literal);
  return out;
}

std::vector<const Comparison*> ListComparisons(const Pattern& pattern) {
  std::vector<const Comparison*> out;
  CollectComparisons(pattern.expression, out);
  return out;
}

}  // namespace caduceus::intel
