// Internal to the sweep module: what the format parsers share. A parser turns one line into the
// fields of a Record through a RecordBuilder, which classifies each value by a hint (from the
// format or from the field's name) and runs the tokenizer over everything that is not a single
// known value. So a parser finds everything the tokenizer would on the same line, except what
// it knows is no observable of that kind: a Sysmon IMPHASH, a run of hex digits inside a host
// name, and the values of fields whose names say they hold times, counters or ids (kSkip).
//
// Not thread-safe: one builder and one set of parsers per reader.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sweep/record.h"
#include "sweep/tokenizer.h"

namespace caduceus::sweep::detail {

enum class Hint : std::uint8_t {
  kText,    // free text: the tokenizer
  kHost,    // one domain or address (with an optional port), else text
  kPath,    // a file path or name: its last component as a file name, and text
  kHashes,  // a digest or a list "MD5=…,SHA256=…" (Sysmon): the digests by algorithm, else text
  kSkip,    // never holds an observable (times, counters, ids)
};

// The hint for a field name: a table of the names of Zeek, Sysmon, ECS, CEF, LEEF and common CSV
// exports, then rules on the name's shape ("…_ip", "…hostname", "…path", "…sha256"); kText
// when nothing applies. Case-insensitive.
Hint HintForName(std::string_view name);

// HintForName with a memory of the names it was asked, since the keys of JSON lines, CEF and
// LEEF events repeat from one line to the next. Remembers up to 256 names.
class HintCache {
 public:
  Hint Get(std::string_view name);

 private:
  std::vector<std::pair<std::string, Hint>> known_;
};

// Storage that does not move: decoded values and composed names live here until Reset.
class Arena {
 public:
  // `size` bytes of storage.
  char* Allocate(std::size_t size);
  std::string_view Copy(std::string_view text);
  void Reset();

 private:
  std::vector<std::unique_ptr<char[]>> blocks_;
  std::vector<std::size_t> sizes_;
  std::size_t block_ = 0;  // the block being filled
  std::size_t used_ = 0;   // bytes used in it
};

// A value of a field: `value` as the parser read it and `raw`, its bytes in the line. They are
// the same view unless the parser decoded the value (then `value` lives in the arena).
struct Span {
  std::string_view value;
  std::string_view raw;
};

class RecordBuilder {
 public:
  // Starts `record` for `line`; clears its fields and the arena.
  void Begin(Record& record, std::string_view line, std::uint64_t offset);

  std::string_view line() const { return line_; }
  // The format the record is reported under, when a parser hands a message to another format's
  // parser (a dnsmasq line inside syslog is a dnsmasq record).
  void SetFormat(Format format) { record_->format = format; }
  Arena& arena() { return arena_; }
  std::size_t Mark() const { return record_->fields.size(); }
  // Drops the fields added since `mark`.
  void Rollback(std::size_t mark);

  // A value that is a view into the line.
  static Span In(std::string_view value) { return {value, value}; }

  // One field of a known kind.
  void Add(ObservableKind kind, std::string_view name, Span span);
  // A value by its hint (see Hint).
  void Value(Hint hint, std::string_view name, Span span);
  // A value by the hint for its name.
  void Named(std::string_view name, Span span) { Value(hints_.Get(name), name, span); }
  // The tokens of free text, each named `name`. With `key_names`, a token right after
  // "key=" or "key=\"" is named by that key instead (syslog messages: "rhost=10.0.0.1").
  void Text(std::string_view name, Span span, bool key_names = false);
  void Host(std::string_view name, Span span);
  void Path(std::string_view name, Span span);
  void Hashes(std::string_view name, Span span);

 private:
  void AddAt(ObservableKind kind,
             std::string_view name,
             std::string_view value,
             std::string_view raw,
             bool exact);

  Record* record_ = nullptr;
  std::string_view line_;
  std::uint64_t offset_ = 0;
  Arena arena_;
  std::vector<Token> tokens_;
  HintCache hints_;
};

class LineParser {
 public:
  enum class Outcome {
    kRecord,   // the line is of this format (its fields, possibly none, are in the record)
    kSkip,     // a header, comment or blank line of this format: no record
    kNotMine,  // not this format: the caller tries another or the tokenizer
  };
  virtual ~LineParser() = default;
  virtual Format format() const = 0;
  // On kNotMine the parser has rolled back whatever it added.
  virtual Outcome Parse(std::string_view line, RecordBuilder& out) = 0;
};

// A fresh parser (with no header read yet, for formats that have one). kText: the tokenizer.
std::unique_ptr<LineParser> MakeParser(Format format);

// Whether one line has the shape of the format, without parsing it fully; for detection.
// kZeekTsv: only a headerless conn.log row; always false for kCsv (told by its header) and
// kText.
bool LooksLike(Format format, std::string_view line);

// Helpers for the parsers.
inline bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && s.compare(0, prefix.size(), prefix) == 0;
}
// The index of the first byte equal to `a` or `b` in text[from..), or text.size(); for short
// spans, where memchr's setup costs more than its wide loads save.
std::size_t FindEither(std::string_view text, std::size_t from, char a, char b);
// The next field of `rest` up to `separator` (consumed), or all of it.
std::string_view NextField(std::string_view& rest, char separator);
// Skips spaces (and tabs); then the next run of non-space bytes.
std::string_view NextWord(std::string_view& rest);
bool AllDigits(std::string_view s);
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

// The parsers of each source file.
std::unique_ptr<LineParser> MakeProxyParser(Format format);   // squid, proxifier, combined
std::unique_ptr<LineParser> MakeDnsParser(Format format);     // bind, dnsmasq, unbound, windns
std::unique_ptr<LineParser> MakeSyslogParser(Format format);  // syslog, syslog5424, cef, leef
std::unique_ptr<LineParser> MakeJsonParser(Format format);    // json, zeek-json
std::unique_ptr<LineParser> MakeTableParser(Format format);   // zeek tsv, csv
bool ProxyLooksLike(Format format, std::string_view line);
bool DnsLooksLike(Format format, std::string_view line);
bool SyslogLooksLike(Format format, std::string_view line);
bool JsonLooksLike(Format format, std::string_view line);

// The messages of DNS servers logging through syslog: the syslog parser hands the message of a
// "named", "dnsmasq" or "unbound" program to these. False when the message is not a query line.
bool ParseBindMessage(std::string_view message, RecordBuilder& out);
bool ParseDnsmasqMessage(std::string_view message, RecordBuilder& out);
bool ParseUnboundMessage(std::string_view message, RecordBuilder& out);

// A headerless row of Zeek's conn.log (epoch with a fraction, a "C…" uid, 20 tabs or more).
bool ZeekConnShape(std::string_view line);
// Whether `header` names the columns of a delimited table whose next line is `row`: two names
// or more, none numeric or longer than 64 bytes, and as many cells in the row.
bool LooksLikeCsvHeader(std::string_view header, std::string_view row);

// A syslog header (RFC 3164, or with an ISO 8601 timestamp) at the start of `line`: the host
// and program names and the message after it.
struct SyslogHeader {
  std::string_view host;
  std::string_view program;
  std::string_view message;
};
bool ParseSyslogHeader(std::string_view line, SyslogHeader& header);

}  // namespace caduceus::sweep::detail
