// Splits a byte source into lines, in large blocks, with each line's number and byte offset.
//
// Lines end at "\n"; a "\r" before it is dropped too, and a last line without "\n" counts. A
// line longer than `max_line` bytes comes in pieces of max_line bytes (the same line number;
// `partial` on every piece but the last, `continued` on every piece but the first), so memory
// stays bounded whatever the input.
// A UTF-8 byte order mark at the start of the stream is skipped (offsets still count it).
//
// Not thread-safe; one reader per source.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "sweep/source.h"

namespace caduceus::sweep {

struct LineReaderOptions {
  std::size_t block_size = std::size_t{1} << 18;  // bytes asked of the source per read
  std::size_t max_line = std::size_t{1} << 20;    // longer lines come in pieces
};

struct Line {
  std::string_view text;     // valid until the next call to Next or Head
  std::uint64_t number = 0;  // 1-based
  std::uint64_t offset = 0;  // of the first byte of text in the stream
  bool continued = false;    // not the first piece of its line
  bool partial = false;      // not the last piece of its line
};

class LineReader {
 public:
  // Sizes of 0 are raised to 1; max_line is capped at 64 MiB and block_size at 256 MiB.
  LineReader(std::unique_ptr<ByteSource> source, LineReaderOptions options = {});

  // The next line; false at the end. An error of the source is returned once it is reached
  // (the lines before it have been returned).
  Result<bool> Next(Line& line);

  // Up to `bytes` of the stream from the current position without consuming them (fewer at the
  // end of the stream); for format detection before the first line. Invalidates the last Line.
  Result<std::string_view> Head(std::size_t bytes);

  // Complete lines from the current position at once, for a caller that looks at many lines
  // before it parses any: as many as fit in `max_bytes` (capped at max_line), each ending in "\n"
  // ("\r" included), consumed. The caller counts them and tells the reader with CountLines
  // before it asks for more. Empty when the next line does not fit, is not complete yet in the
  // buffer after a read, continues a long line or ends the stream without "\n": Next takes it.
  // The view is valid until the next call to Next, Head or TakeLines.
  Result<std::string_view> TakeLines(std::size_t max_bytes);
  void CountLines(std::uint64_t lines) { number_ += lines; }

  // Bytes of the stream consumed so far (through the end of the last line returned).
  std::uint64_t position() const { return base_ + static_cast<std::uint64_t>(begin_); }
  // The number of the last line returned (0 before the first), of lines taken included.
  std::uint64_t line_number() const { return number_; }

 private:
  Status Fill();  // reads one block more, compacting first; sets eof_

  std::unique_ptr<ByteSource> source_;
  LineReaderOptions options_;
  std::vector<char> buffer_;
  std::size_t begin_ = 0;   // first unconsumed byte
  std::size_t end_ = 0;     // end of data
  std::size_t scan_ = 0;    // no '\n' in [begin_, scan_)
  std::uint64_t base_ = 0;  // stream offset of buffer_[0]
  std::uint64_t number_ = 0;
  bool in_long_line_ = false;  // the last piece returned did not end its line
  bool eof_ = false;
  bool started_ = false;
};

}  // namespace caduceus::sweep
