// Byte sources for the log readers: a file, stdin, a buffer, and gzip / zstd decompression of any
// of them, chosen by the magic bytes at the start (never by the file name). Every source streams:
// it holds one buffer of a fixed size, never a whole file.
//
// A source is used by one thread at a time; distinct sources are independent.
#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "core/error.h"

namespace caduceus::sweep {

class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // Reads up to `size` (> 0) bytes into `buffer`: the count read, 0 only at the end of the
  // stream. A corrupt compressed stream or a failed read is an error; reading after an error or
  // after the end returns the same again.
  virtual Result<std::size_t> Read(char* buffer, std::size_t size) = 0;
};

enum class Compression { kNone, kGzip, kZstd };

// "none", "gzip", "zstd".
std::string_view CompressionName(Compression compression);

// The compression the first bytes of a stream announce (gzip 1f 8b, zstd 28 b5 2f fd), kNone
// for anything else or fewer bytes.
Compression DetectCompression(std::string_view head);

// Opens a regular file for reading. A symbolic link as the last component is followed only with
// `follow_symlink` (a path the user named; for files found by Walk, WalkFile::via_symlink).
// Errors: not found, permission denied, a link not followed, not a regular file (a FIFO, device
// or directory).
Result<std::unique_ptr<ByteSource>> OpenFile(const std::filesystem::path& path,
                                             bool follow_symlink = true);

// The process's standard input (file descriptor 0, which it does not close).
std::unique_ptr<ByteSource> OpenStdin();

// A source over bytes the caller keeps alive for the source's lifetime.
std::unique_ptr<ByteSource> MemorySource(std::string_view bytes);

struct Decoded {
  std::unique_ptr<ByteSource> source;
  Compression compression = Compression::kNone;
  bool utf16 = false;  // the (decompressed) text was UTF-16 and is read as UTF-8
};

// Reads the first bytes of `raw` and, by their magic, wraps it in a gzip decoder (concatenated
// members are read in turn, as gzip -d does; anything after the last member that is not another
// member ends the stream), a zstd decoder (every frame; windows above 128 MiB refused), or
// nothing. Other compressions the head names (xz, bzip2, lz4) are an error, since sweeping their
// bytes as text finds nothing. Text that then starts with a UTF-16 byte order mark (FF FE or
// FE FF: Windows exports) is transcoded to UTF-8 (unpaired surrogates become U+FFFD), so offsets
// are those of the UTF-8 text.
Result<Decoded> Decompress(std::unique_ptr<ByteSource> raw);

// OpenFile then Decompress.
Result<Decoded> OpenInput(const std::filesystem::path& path, bool follow_symlink = true);

}  // namespace caduceus::sweep
