// What the log readers hand to a consumer (the indicator engine): one record per line, with the
// fields that hold observables, each with its kind, field name, value and byte offset.
//
// A Record and the string_views inside it borrow the reader's buffers: they stay valid until the
// next call to RecordReader::Next (or until the reader is destroyed). A consumer that keeps
// anything copies it. Values are as written in the log (zero-copy views into the line) unless
// `Field::decoded` says the reader had to decode them (JSON or CEF escapes, DNS wire-format
// labels, ...); they are not in normal form: NormaliseField (intel::Normalise) gives that.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "intel/observables.h"

namespace caduceus::sweep {

using intel::ObservableKind;

// The log formats the readers know. kText means no structure: the tokenizer runs over the line.
enum class Format : std::uint8_t {
  kText,
  kSquid,       // Squid native access.log
  kProxifier,   // Proxifier connection log
  kCombined,    // nginx / Apache common, combined and vhost_combined access logs
  kBind,        // BIND 9 query log (file or syslog)
  kDnsmasq,     // dnsmasq log-queries (file or syslog)
  kUnbound,     // Unbound log-queries / log-replies (file or syslog)
  kWindowsDns,  // Windows DNS server debug log
  kZeekTsv,     // Zeek ASCII logs with their #fields header
  kZeekJson,    // Zeek JSON logs
  kJsonLines,   // one JSON object per line (Sysmon/EDR exports, ECS, ...)
  kSyslog,      // RFC 3164 (BSD) syslog, also with an ISO 8601 timestamp
  kSyslog5424,  // RFC 5424 syslog with structured data
  kCef,         // ArcSight Common Event Format (bare or after a syslog header)
  kLeef,        // IBM QRadar Log Event Extended Format 1.0 / 2.0
  kCsv,         // delimited text with a header line
};

inline constexpr int kFormatCount = static_cast<int>(Format::kCsv) + 1;

// "text", "squid", "proxifier", "combined", "bind", "dnsmasq", "unbound", "windows-dns", "zeek",
// "zeek-json", "json", "syslog", "syslog5424", "cef", "leef", "csv".
std::string_view FormatName(Format format);
// Also accepts "nginx" and "apache" (combined), "zeek-tsv", "jsonl", "ndjson", "sysmon" (json),
// "rfc3164", "rfc5424", "windns"; case-insensitive. nullopt for anything else.
std::optional<Format> ParseFormatName(std::string_view name);

// One observable-bearing value of a record.
struct Field {
  ObservableKind kind = ObservableKind::kDomain;  // never kAsn, kMutex or kRegistryKey
  // The field it came from: a fixed name of the format ("url", "query", "id.resp_h"), a header
  // or JSON key as written, the key of a "key=value" pair in free text, or "msg"/"text" for
  // other free text.
  std::string_view name;
  std::string_view value;
  std::uint64_t offset = 0;  // stream offset of the value's first byte as written
  std::uint32_t size = 0;    // its size as written (equals value.size() unless decoded)
  bool decoded = false;      // value was decoded; the bytes at offset spell it differently
};

struct Record {
  Format format = Format::kText;  // the parser that produced the fields (kText: the tokenizer)
  std::uint64_t line = 0;         // 1-based line number in the (decompressed) stream
  std::uint64_t offset = 0;       // stream offset of the line's first byte
  std::string_view text;          // the line without "\n" / "\r\n"
  bool piece = false;  // a piece of a line longer than the reader's max_line (tokenized only)
  // The reader's line filter passed over the line, and the `lines` - 1 lines after it: they
  // were not parsed and have no fields (line and offset are the first line's; text is empty).
  bool filtered = false;
  std::uint64_t lines = 1;    // the lines the record stands for
  std::vector<Field> fields;  // in order of appearance
};

// The value in normal form (intel::Normalise with the field's kind; an ipv6 value that is an
// IPv4-mapped address comes back as an ipv4 observable). nullopt when it has none.
std::optional<intel::Observable> NormaliseField(const Field& field);

}  // namespace caduceus::sweep
