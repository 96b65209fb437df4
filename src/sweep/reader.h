// The log reader: a byte source in, records out. It detects the format of a stream from its
// first lines (or takes the one it is given), parses each line with that format's parser, and
// falls back to the tokenizer for lines the parser does not recognise, so that nothing in a
// line goes unseen.
//
// With a detected format the reader also follows a stream whose format changes (a SIEM export
// that interleaves Squid, BIND and Sysmon lines): a line the current parser refuses is offered
// to the parsers whose line shape it has, and the first that takes it stays current. Formats
// told by a header (Zeek TSV, CSV) are only recognised from the start of the stream, except
// headerless Zeek conn.log rows. A stream detected as plain text stays plain text. With a format
// given, refused lines go to the tokenizer only.
//
// A reader is used by one thread at a time; readers are independent of each other.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

#include "core/error.h"
#include "sweep/lines.h"
#include "sweep/record.h"
#include "sweep/source.h"

namespace caduceus::sweep {

class LineFilter;

struct Detection {
  Format format = Format::kText;
  std::size_t lines = 0;    // non-empty lines looked at
  std::size_t matched = 0;  // of them, lines of `format` (for kZeekTsv / kCsv: by the header)
  bool binary = false;      // a NUL byte among the first 4 KiB: probably not a log at all
};

// The format of a stream from its first bytes: up to 64 lines of `head` are looked at, a last
// line without "\n" only when `complete` (head is the whole stream). A Zeek "#separator" /
// "#fields" header makes kZeekTsv; otherwise each line is matched against the line shapes of
// the formats (JSON first, then CEF/LEEF, RFC 5424, the DNS logs, Squid, combined, Proxifier,
// headerless Zeek conn, RFC 3164) and the format of most lines wins, unless the first line is a
// CSV header and fewer than half the lines have a known shape; kText when no line has one.
Detection DetectFormat(std::string_view head, bool complete);

struct ReaderOptions {
  std::optional<Format> format;  // nullopt: detect (see above)
  LineReaderOptions lines;
  std::size_t detect_bytes = 64 * 1024;  // how much of the stream detection looks at
};

class RecordReader {
 public:
  explicit RecordReader(std::unique_ptr<ByteSource> source, ReaderOptions options = {});
  ~RecordReader();
  RecordReader(RecordReader&&) noexcept;
  RecordReader& operator=(RecordReader&&) noexcept;

  // The next record (blank lines and header or comment lines of the format are skipped); false
  // at the end of the stream. `record` and the views in it stay valid until the next call. An
  // error of the source (a read error, a corrupt compressed stream) ends the stream with an
  // error; the records before it have been returned.
  Result<bool> Next(Record& record);

  // Sets a line filter (line_filter.h; nullptr: none), which must outlive its use: lines it
  // refuses are not parsed, and come back as records marked `filtered`, without fields, each
  // standing for a run of `lines` refused lines. The filter looks at many lines at once
  // (LineFilter::Keep), or one by one (MayMatch) when a line does not fit in the 16 KiB the
  // filter is given at once. The first 64 lines of the stream (detection and a CSV header),
  // lines starting with '#' (Zeek directives), a blank or control byte, and pieces of
  // overlong lines are always parsed, and a
  // Zeek "#separator" or "#set_separator" other than tab or ',' turns the filter off for the
  // rest of the stream (the filter assumes that fields are cut at bytes that are no part of a
  // name). The parser state the next parsed line meets is the one the last parsed line left.
  void SetLineFilter(LineFilter* filter);

  // The detection (or the given format) of the stream; set by the first call to Next.
  const Detection& detection() const;
  // Bytes of the (decompressed) stream consumed so far.
  std::uint64_t position() const;
  // Lines of the stream read so far, those the line filter passed over included (a last line
  // without "\n" counts); pieces of an overlong line are one line.
  std::uint64_t lines() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace caduceus::sweep
