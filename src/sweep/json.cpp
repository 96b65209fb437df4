// JSON lines: one object per line (Sysmon and EDR exports, ECS documents, Zeek JSON logs). A
// small scanner of our own instead of a DOM: string values are views into the line unless they
// hold escapes, nested keys are joined with '.', array elements keep their key.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "sweep/parse.h"

namespace caduceus::sweep::detail {
namespace {

constexpr int kMaxDepth = 32;

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void PutUtf8(std::uint32_t cp, char* out, std::size_t& n) {
  if (cp < 0x80) {
    out[n++] = static_cast<char>(cp);
  } else if (cp < 0x800) {
    out[n++] = static_cast<char>(0xC0 | (cp >> 6));
    out[n++] = static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out[n++] = static_cast<char>(0xE0 | (cp >> 12));
    out[n++] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out[n++] = static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out[n++] = static_cast<char>(0xF0 | (cp >> 18));
    out[n++] = static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out[n++] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out[n++] = static_cast<char>(0x80 | (cp & 0x3F));
  }
}

class Scanner {
 public:
  Scanner(std::string_view text, RecordBuilder& out) : s_(text), out_(out) {}

  // The whole text is one object (surrounding white space allowed).
  bool Document() {
    SkipSpace();
    if (i_ >= s_.size() || s_[i_] != '{') return false;
    if (!Object({}, 0)) return false;
    SkipSpace();
    return i_ == s_.size();
  }

 private:
  void SkipSpace() {
    while (i_ < s_.size() && IsSpace(s_[i_])) ++i_;
  }

  bool Object(std::string_view prefix, int depth) {
    if (depth >= kMaxDepth) return false;
    ++i_;  // '{'
    SkipSpace();
    if (i_ < s_.size() && s_[i_] == '}') {
      ++i_;
      return true;
    }
    while (i_ < s_.size()) {
      SkipSpace();
      Span key;
      if (i_ >= s_.size() || s_[i_] != '"' || !String(key)) return false;
      SkipSpace();
      if (i_ >= s_.size() || s_[i_] != ':') return false;
      ++i_;
      SkipSpace();
      std::string_view name = key.value;
      if (!prefix.empty()) {
        char* joined = out_.arena().Allocate(prefix.size() + 1 + name.size());
        std::copy(prefix.begin(), prefix.end(), joined);
        joined[prefix.size()] = '.';
        std::copy(name.begin(), name.end(), joined + prefix.size() + 1);
        name = std::string_view(joined, prefix.size() + 1 + key.value.size());
      }
      if (!Value(name, depth)) return false;
      SkipSpace();
      if (i_ >= s_.size()) return false;
      if (s_[i_] == '}') {
        ++i_;
        return true;
      }
      if (s_[i_] != ',') return false;
      ++i_;
    }
    return false;
  }

  bool Array(std::string_view name, int depth) {
    if (depth >= kMaxDepth) return false;
    ++i_;  // '['
    SkipSpace();
    if (i_ < s_.size() && s_[i_] == ']') {
      ++i_;
      return true;
    }
    while (i_ < s_.size()) {
      SkipSpace();
      if (!Value(name, depth)) return false;
      SkipSpace();
      if (i_ >= s_.size()) return false;
      if (s_[i_] == ']') {
        ++i_;
        return true;
      }
      if (s_[i_] != ',') return false;
      ++i_;
    }
    return false;
  }

  bool Value(std::string_view name, int depth) {
    if (i_ >= s_.size()) return false;
    switch (s_[i_]) {
      case '"': {
        Span value;
        if (!String(value)) return false;
        out_.Named(name, value);
        return true;
      }
      case '{':
        return Object(name, depth + 1);
      case '[':
        return Array(name, depth + 1);
      default:
        return Scalar();
    }
  }

  // A number, true, false or null: skipped.
  bool Scalar() {
    const std::size_t start = i_;
    while (i_ < s_.size()) {
      const char c = s_[i_];
      if (c == ',' || c == '}' || c == ']' || IsSpace(c)) break;
      const bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || c == '-' || c == '+' ||
                      c == '.' || c == 'E';
      if (!ok) return false;
      ++i_;
    }
    return i_ > start;
  }

  // At '"': the string, decoded into the arena when it holds escapes.
  bool String(Span& span) {
    const std::size_t begin = ++i_;
    bool escaped = false;
    while (true) {
      // The next quote; it ends the string unless an odd run of backslashes precedes it.
      const void* quote =
          i_ < s_.size() ? std::memchr(s_.data() + i_, '"', s_.size() - i_) : nullptr;
      if (quote == nullptr) return false;
      const auto at = static_cast<std::size_t>(static_cast<const char*>(quote) - s_.data());
      std::size_t slashes = 0;
      while (at - slashes > begin && s_[at - slashes - 1] == '\\') ++slashes;
      if (!escaped) {
        escaped = std::memchr(s_.data() + i_, '\\', at - i_) != nullptr;
      }
      i_ = at;
      if (slashes % 2 == 0) break;
      ++i_;
    }
    span.raw = s_.substr(begin, i_ - begin);
    ++i_;
    if (!escaped) {
      span.value = span.raw;
      return true;
    }
    return Decode(span);
  }

  bool Decode(Span& span) {
    const std::string_view raw = span.raw;
    char* out = out_.arena().Allocate(raw.size());
    std::size_t n = 0;
    for (std::size_t k = 0; k < raw.size(); ++k) {
      if (raw[k] != '\\') {
        out[n++] = raw[k];
        continue;
      }
      if (++k >= raw.size()) return false;
      switch (raw[k]) {
        case '"':
        case '\\':
        case '/':
          out[n++] = raw[k];
          break;
        case 'b':
          out[n++] = '\b';
          break;
        case 'f':
          out[n++] = '\f';
          break;
        case 'n':
          out[n++] = '\n';
          break;
        case 'r':
          out[n++] = '\r';
          break;
        case 't':
          out[n++] = '\t';
          break;
        case 'u': {
          std::uint32_t cp = 0;
          if (!Hex4(raw, k + 1, cp)) return false;
          k += 4;
          if (cp >= 0xD800 && cp <= 0xDBFF && k + 6 < raw.size() && raw[k + 1] == '\\' &&
              raw[k + 2] == 'u') {
            std::uint32_t low = 0;
            if (Hex4(raw, k + 3, low) && low >= 0xDC00 && low <= 0xDFFF) {
              cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
              k += 6;
            }
          }
          if (cp >= 0xD800 && cp <= 0xDFFF) cp = 0xFFFD;
          // Six escaped bytes never decode to more than four.
          PutUtf8(cp, out, n);
          break;
        }
        default:
          return false;
      }
    }
    span.value = std::string_view(out, n);
    return true;
  }

  static bool Hex4(std::string_view s, std::size_t at, std::uint32_t& value) {
    if (at + 4 > s.size()) return false;
    value = 0;
    for (std::size_t k = at; k < at + 4; ++k) {
      const int d = HexValue(s[k]);
      if (d < 0) return false;
      value = value * 16 + static_cast<std::uint32_t>(d);
    }
    return true;
  }

  std::string_view s_;
  std::size_t i_ = 0;
  RecordBuilder& out_;
};

class JsonParser final : public LineParser {
 public:
  explicit JsonParser(Format format) : format_(format) {}
  Format format() const override { return format_; }
  Outcome Parse(std::string_view line, RecordBuilder& out) override {
    std::size_t i = 0;
    while (i < line.size() && IsSpace(line[i])) ++i;
    if (i == line.size()) return Outcome::kSkip;
    if (line[i] != '{') return Outcome::kNotMine;
    const std::size_t mark = out.Mark();
    if (!Scanner(line, out).Document()) {
      out.Rollback(mark);
      return Outcome::kNotMine;
    }
    return Outcome::kRecord;
  }

 private:
  Format format_;
};

}  // namespace

std::unique_ptr<LineParser> MakeJsonParser(Format format) {
  return std::make_unique<JsonParser>(format);
}

bool JsonLooksLike(Format format, std::string_view line) {
  while (!line.empty() && IsSpace(line.front())) line.remove_prefix(1);
  while (!line.empty() && IsSpace(line.back())) line.remove_suffix(1);
  if (line.size() < 2 || line.front() != '{' || line.back() != '}') return false;
  if (format == Format::kZeekJson) {
    return line.find("\"uid\":") != std::string_view::npos &&
           (line.find("\"ts\":") != std::string_view::npos ||
            line.find("\"id.orig_h\":") != std::string_view::npos);
  }
  return format == Format::kJsonLines;
}

}  // namespace caduceus::sweep::detail
