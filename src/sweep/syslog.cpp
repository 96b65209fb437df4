// Syslog (RFC 3164 and RFC 5424) and the event formats that usually travel inside it: CEF and
// LEEF. DNS server messages inside syslog go to the DNS parsers.
#include <algorithm>
#include <string_view>

#include "sweep/parse.h"

namespace caduceus::sweep::detail {
namespace {

constexpr std::string_view kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
constexpr std::size_t kMaxCefExtensionPairs = 1024;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

bool IsClock(std::string_view s) {
  return s.size() == 8 && IsDigit(s[0]) && IsDigit(s[1]) && s[2] == ':' && IsDigit(s[3]) &&
         IsDigit(s[4]) && s[5] == ':' && IsDigit(s[6]) && IsDigit(s[7]);
}

// "Mar  4 00:00:00" or "Mar 14 00:00:00": its length (15), or 0.
std::size_t BsdStamp(std::string_view s) {
  if (s.size() < 16 || s[3] != ' ' || s[6] != ' ') return 0;
  bool month = false;
  for (std::string_view m : kMonths) month |= s.substr(0, 3) == m;
  if (!month || !(IsDigit(s[4]) || s[4] == ' ') || !IsDigit(s[5])) return 0;
  return IsClock(s.substr(7, 8)) ? 15 : 0;
}

// "2024-03-04T00:00:00[.123456][Z|+01:00]": its length, or 0.
std::size_t IsoStamp(std::string_view s) {
  if (s.size() < 20 || !IsDigit(s[0]) || !IsDigit(s[3]) || s[4] != '-' || s[7] != '-' ||
      s[10] != 'T' || !IsClock(s.substr(11, 8))) {
    return 0;
  }
  std::size_t i = 19;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && IsDigit(s[i])) ++i;
  }
  if (i < s.size() && s[i] == 'Z') {
    ++i;
  } else if (i + 6 <= s.size() && (s[i] == '+' || s[i] == '-') && IsDigit(s[i + 1]) &&
             IsDigit(s[i + 2]) && s[i + 3] == ':' && IsDigit(s[i + 4]) && IsDigit(s[i + 5])) {
    i += 6;
  }
  return i;
}

// "sshd[123]:", "kernel:", "sshd(pam_unix)[19939]:"
bool IsTag(std::string_view w) {
  if (w.size() < 2 || w.back() != ':' || w.size() > 128) return false;
  for (char c : w) {
    if (c == '=' || c == '"' || c == '/') return false;
  }
  return true;
}

std::string_view SkipSpaces(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  return s;
}

// A CEF or LEEF event inside a syslog message or a 5424 MSG; false when it is neither.
bool ParseEvent(std::string_view message, RecordBuilder& out);

// The messages of programs with a parser of their own.
bool Dispatch(std::string_view program, std::string_view message, RecordBuilder& out) {
  if (program == "named") return ParseBindMessage(message, out);
  if (StartsWith(program, "dnsmasq")) return ParseDnsmasqMessage(message, out);
  if (program == "unbound") return ParseUnboundMessage(message, out);
  return ParseEvent(message, out);
}

class Rfc3164Parser final : public LineParser {
 public:
  Format format() const override { return Format::kSyslog; }
  Outcome Parse(std::string_view line, RecordBuilder& out) override {
    SyslogHeader header;
    if (!ParseSyslogHeader(line, header)) return Outcome::kNotMine;
    if (!header.host.empty()) out.Host("host", RecordBuilder::In(header.host));
    if (!Dispatch(header.program, header.message, out)) {
      out.Text("msg", RecordBuilder::In(header.message), true);
    }
    return Outcome::kRecord;
  }
};

// "<PRI>1 ": its length, or 0.
std::size_t Rfc5424Prefix(std::string_view line) {
  if (line.size() < 8 || line[0] != '<') return 0;
  std::size_t i = 1;
  while (i < line.size() && i < 5 && IsDigit(line[i])) ++i;
  if (i == 1 || i + 2 >= line.size() || line[i] != '>' || line[i + 1] != '1' ||
      line[i + 2] != ' ') {
    return 0;
  }
  return i + 3;
}

// A 5424 parameter value's end (the closing quote) from after its opening quote; npos if none.
std::size_t ParamEnd(std::string_view s, std::size_t from, bool& escaped) {
  escaped = false;
  for (std::size_t i = from; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size()) {
      escaped = true;
      ++i;
    } else if (s[i] == '"') {
      return i;
    }
  }
  return std::string_view::npos;
}

// \" \\ \] decoded.
std::string_view Unescape5424(std::string_view value, Arena& arena) {
  char* out = arena.Allocate(value.size());
  std::size_t n = 0;
  for (std::size_t i = 0; i < value.size(); ++i) {
    if (value[i] == '\\' && i + 1 < value.size() &&
        (value[i + 1] == '"' || value[i + 1] == '\\' || value[i + 1] == ']')) {
      ++i;
    }
    out[n++] = value[i];
  }
  return {out, n};
}

class Rfc5424Parser final : public LineParser {
 public:
  Format format() const override { return Format::kSyslog5424; }
  Outcome Parse(std::string_view line, RecordBuilder& out) override {
    const std::size_t prefix = Rfc5424Prefix(line);
    if (prefix == 0) return Outcome::kNotMine;
    std::string_view rest = line.substr(prefix);
    NextWord(rest);  // timestamp
    const std::string_view host = NextWord(rest);
    const std::string_view app = NextWord(rest);
    NextWord(rest);  // procid
    NextWord(rest);  // msgid
    rest = SkipSpaces(rest);
    if (app.empty()) return Outcome::kNotMine;
    const std::size_t mark = out.Mark();
    if (host != "-") out.Host("host", RecordBuilder::In(host));
    if (StartsWith(rest, "-")) {
      rest.remove_prefix(1);
    } else {
      while (StartsWith(rest, "[")) {
        if (!StructuredElement(rest, out)) {
          out.Rollback(mark);
          return Outcome::kNotMine;
        }
      }
    }
    rest = SkipSpaces(rest);
    if (StartsWith(rest, "\xEF\xBB\xBF")) rest.remove_prefix(3);
    if (!rest.empty() && !Dispatch(app, rest, out)) out.Text("msg", RecordBuilder::In(rest), true);
    return Outcome::kRecord;
  }

 private:
  // `[id name="value" ...]`, consumed from `rest`.
  static bool StructuredElement(std::string_view& rest, RecordBuilder& out) {
    std::size_t i = 1;
    while (i < rest.size() && rest[i] != ' ' && rest[i] != ']') ++i;
    while (i < rest.size()) {
      if (rest[i] == ']') {
        rest.remove_prefix(i + 1);
        return true;
      }
      if (rest[i] == ' ') {
        ++i;
        continue;
      }
      const std::size_t eq = rest.find('=', i);
      if (eq == std::string_view::npos || eq + 1 >= rest.size() || rest[eq + 1] != '"') {
        return false;
      }
      const std::string_view name = rest.substr(i, eq - i);
      bool escaped = false;
      const std::size_t close = ParamEnd(rest, eq + 2, escaped);
      if (close == std::string_view::npos) return false;
      const std::string_view raw = rest.substr(eq + 2, close - eq - 2);
      const std::string_view value = escaped ? Unescape5424(raw, out.arena()) : raw;
      out.Named(name, Span{value, raw});
      i = close + 1;
    }
    return false;
  }
};

// CEF escapes: \| \\ in the header, \= \\ \n \r in the extension.
std::string_view UnescapeCef(std::string_view value, Arena& arena) {
  if (value.find('\\') == std::string_view::npos) return value;
  char* out = arena.Allocate(value.size());
  std::size_t n = 0;
  for (std::size_t i = 0; i < value.size(); ++i) {
    char c = value[i];
    if (c == '\\' && i + 1 < value.size()) {
      const char next = value[++i];
      c = next == 'n' ? '\n' : next == 'r' ? '\r' : next;
    }
    out[n++] = c;
  }
  return {out, n};
}

bool IsCefKeyChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || IsDigit(c) || c == '_' || c == '.' ||
         c == '-' || c == '[' || c == ']';
}

// "CEF:Version|Vendor|Product|Version|SignatureID|Name|Severity|k=v k2=v with spaces ..."
bool ParseCef(std::string_view event, RecordBuilder& out) {
  if (!StartsWith(event, "CEF:")) return false;
  std::string_view rest = event.substr(4);
  std::string_view header[7];
  for (auto& field : header) {
    std::size_t i = 0;
    while (i < rest.size() && rest[i] != '|') i += rest[i] == '\\' ? 2 : 1;
    if (i >= rest.size()) return false;
    field = rest.substr(0, i);
    rest.remove_prefix(i + 1);
  }
  out.SetFormat(Format::kCef);
  out.Text("name", Span{UnescapeCef(header[5], out.arena()), header[5]});
  // The extension: each unescaped '=' ends a key that starts after the last space before it.
  std::size_t key_begin[kMaxCefExtensionPairs];
  std::size_t equals[kMaxCefExtensionPairs];
  std::size_t pairs = 0;
  for (std::size_t i = 0; i < rest.size() && pairs < kMaxCefExtensionPairs; ++i) {
    if (rest[i] == '\\') {
      ++i;
      continue;
    }
    if (rest[i] != '=') continue;
    std::size_t k = i;
    while (k > 0 && IsCefKeyChar(rest[k - 1])) --k;
    const std::size_t floor = pairs == 0 ? 0 : equals[pairs - 1] + 1;
    if (k == i || k < floor || (k > 0 && rest[k - 1] != ' ')) continue;
    key_begin[pairs] = k;
    equals[pairs] = i;
    ++pairs;
  }
  for (std::size_t p = 0; p < pairs; ++p) {
    const std::string_view key = rest.substr(key_begin[p], equals[p] - key_begin[p]);
    std::size_t end = p + 1 < pairs ? key_begin[p + 1] : rest.size();
    while (end > equals[p] + 1 && (rest[end - 1] == ' ' || rest[end - 1] == '\t')) --end;
    const std::string_view raw = rest.substr(equals[p] + 1, end - equals[p] - 1);
    out.Named(key, Span{UnescapeCef(raw, out.arena()), raw});
  }
  return true;
}

char LeefDelimiter(std::string_view spec) {
  if (spec.size() == 1) return spec[0];
  std::string_view hex = spec;
  if (StartsWith(hex, "0x") || StartsWith(hex, "0X")) {
    hex.remove_prefix(2);
  } else if (StartsWith(hex, "x") || StartsWith(hex, "X")) {
    hex.remove_prefix(1);
  } else {
    return '\t';
  }
  unsigned value = 0;
  if (hex.empty() || hex.size() > 2) return '\t';
  for (char c : hex) {
    const int d = IsDigit(c)               ? c - '0'
                  : (c >= 'a' && c <= 'f') ? c - 'a' + 10
                  : (c >= 'A' && c <= 'F') ? c - 'A' + 10
                                           : -1;
    if (d < 0) return '\t';
    value = value * 16 + static_cast<unsigned>(d);
  }
  return value == 0 ? '\t' : static_cast<char>(value);
}

// "LEEF:1.0|Vendor|Product|Version|EventID|k=v<TAB>k=v" and
// "LEEF:2.0|Vendor|Product|Version|EventID|Delimiter|k=v<D>k=v"
bool ParseLeef(std::string_view event, RecordBuilder& out) {
  if (!StartsWith(event, "LEEF:")) return false;
  std::string_view rest = event.substr(5);
  std::string_view header[5];
  for (auto& field : header) {
    const std::size_t bar = rest.find('|');
    if (bar == std::string_view::npos) return false;
    field = rest.substr(0, bar);
    rest.remove_prefix(bar + 1);
  }
  char delimiter = '\t';
  if (StartsWith(header[0], "2")) {
    const std::size_t bar = rest.find('|');
    if (bar != std::string_view::npos && bar <= 4 &&
        rest.substr(0, bar).find('=') == std::string_view::npos) {
      delimiter = LeefDelimiter(rest.substr(0, bar));
      rest.remove_prefix(bar + 1);
    }
  }
  out.SetFormat(Format::kLeef);
  while (!rest.empty()) {
    const std::string_view pair = NextField(rest, delimiter);
    const std::size_t eq = pair.find('=');
    if (eq == std::string_view::npos) {
      out.Text("extra", RecordBuilder::In(pair));
      continue;
    }
    out.Named(pair.substr(0, eq), RecordBuilder::In(pair.substr(eq + 1)));
  }
  return true;
}

bool ParseEvent(std::string_view message, RecordBuilder& out) {
  if (StartsWith(message, "CEF:")) return ParseCef(message, out);
  if (StartsWith(message, "LEEF:")) return ParseLeef(message, out);
  return false;
}

// The event of a CEF or LEEF line: the line itself, or the message after a syslog header.
bool FindEvent(std::string_view line,
               std::string_view tag,
               std::string_view& event,
               std::string_view& host) {
  host = {};
  if (StartsWith(line, tag)) {
    event = line;
    return true;
  }
  SyslogHeader header;
  if (ParseSyslogHeader(line, header)) {
    if (StartsWith(header.message, tag)) {
      event = header.message;
      host = header.host;
      return true;
    }
    // "host CEF:0|..." with no program tag is common too.
    const std::size_t at = header.message.find(tag);
    if (at != std::string_view::npos && at < 64) {
      event = header.message.substr(at);
      host = header.host;
      return true;
    }
  }
  return false;
}

class EventParser final : public LineParser {
 public:
  explicit EventParser(Format format) : format_(format) {}
  Format format() const override { return format_; }
  Outcome Parse(std::string_view line, RecordBuilder& out) override {
    const std::string_view tag = format_ == Format::kCef ? "CEF:" : "LEEF:";
    std::string_view event;
    std::string_view host;
    if (!FindEvent(line, tag, event, host)) return Outcome::kNotMine;
    const std::size_t mark = out.Mark();
    if (!host.empty()) out.Host("host", RecordBuilder::In(host));
    const bool ok = format_ == Format::kCef ? ParseCef(event, out) : ParseLeef(event, out);
    if (!ok) {
      out.Rollback(mark);
      return Outcome::kNotMine;
    }
    return Outcome::kRecord;
  }

 private:
  Format format_;
};

}  // namespace

bool ParseSyslogHeader(std::string_view line, SyslogHeader& header) {
  std::string_view s = line;
  if (StartsWith(s, "<")) {
    std::size_t i = 1;
    while (i < s.size() && i < 5 && IsDigit(s[i])) ++i;
    if (i == 1 || i >= s.size() || s[i] != '>') return false;
    s.remove_prefix(i + 1);
  }
  std::size_t stamp = BsdStamp(s);
  if (stamp == 0) stamp = IsoStamp(s);
  if (stamp == 0 || stamp >= s.size() || s[stamp] != ' ') return false;
  s = SkipSpaces(s.substr(stamp));
  std::string_view probe = s;
  const std::string_view first = NextWord(probe);
  std::string_view tag;
  header.host = {};
  if (IsTag(first)) {
    tag = first;
    s = probe;
  } else {
    header.host = first;
    s = SkipSpaces(probe);
    probe = s;
    const std::string_view second = NextWord(probe);
    if (IsTag(second)) {
      tag = second;
      s = probe;
    }
  }
  if (tag.empty()) {
    header.program = {};
    header.message = s;
    return true;
  }
  header.program = tag.substr(0, std::min(tag.find('['), tag.size() - 1));
  if (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  header.message = s;
  return true;
}

std::unique_ptr<LineParser> MakeSyslogParser(Format format) {
  switch (format) {
    case Format::kSyslog:
      return std::make_unique<Rfc3164Parser>();
    case Format::kSyslog5424:
      return std::make_unique<Rfc5424Parser>();
    default:
      return std::make_unique<EventParser>(format);
  }
}

bool SyslogLooksLike(Format format, std::string_view line) {
  std::string_view event;
  std::string_view host;
  switch (format) {
    case Format::kSyslog: {
      SyslogHeader header;
      return ParseSyslogHeader(line, header);
    }
    case Format::kSyslog5424:
      return Rfc5424Prefix(line) != 0;
    case Format::kCef:
      return FindEvent(line, "CEF:", event, host);
    case Format::kLeef:
      return FindEvent(line, "LEEF:", event, host);
    default:
      return false;
  }
}

}  // namespace caduceus::sweep::detail
