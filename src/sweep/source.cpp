#include "sweep/source.h"

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <optional>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

namespace caduceus::sweep {
namespace {

constexpr std::size_t kCompressedBufferBytes = 256 * 1024;
constexpr int kZstdMaxWindowLog = 27;  // 128 MiB, zstd's own default limit

Error IoError(std::string_view what, int err) {
  if (err == ENOENT || err == ENOTDIR) return Error::NotFound(fmt::format("{}: not found", what));
  if (err == EACCES || err == EPERM)
    return Error::Denied(fmt::format("{}: permission denied", what));
  return Error{Errc::kUnavailable, fmt::format("{}: {}", what, std::strerror(err)), {}};
}

class FdSource final : public ByteSource {
 public:
  FdSource(int fd, bool owned) : fd_(fd), owned_(owned) {}
  ~FdSource() override {
    if (owned_) ::close(fd_);
  }
  FdSource(const FdSource&) = delete;
  FdSource& operator=(const FdSource&) = delete;

  Result<std::size_t> Read(char* buffer, std::size_t size) override {
    if (error_) return *error_;
    while (true) {
      const ssize_t n = ::read(fd_, buffer, size);
      if (n >= 0) return static_cast<std::size_t>(n);
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        pollfd p{fd_, POLLIN, 0};
        ::poll(&p, 1, -1);
        continue;
      }
      error_ = IoError("read", errno);
      return *error_;
    }
  }

 private:
  int fd_;
  bool owned_;
  std::optional<Error> error_;
};

class BytesSource final : public ByteSource {
 public:
  explicit BytesSource(std::string_view bytes) : bytes_(bytes) {}
  Result<std::size_t> Read(char* buffer, std::size_t size) override {
    const std::size_t n = std::min(size, bytes_.size());
    if (n > 0) std::memcpy(buffer, bytes_.data(), n);
    bytes_.remove_prefix(n);
    return n;
  }

 private:
  std::string_view bytes_;
};

// The bytes already read to find the magic, then the rest of the stream.
class PrefixedSource final : public ByteSource {
 public:
  PrefixedSource(std::string prefix, std::unique_ptr<ByteSource> rest)
      : prefix_(std::move(prefix)), rest_(std::move(rest)) {}
  Result<std::size_t> Read(char* buffer, std::size_t size) override {
    if (used_ < prefix_.size()) {
      const std::size_t n = std::min(size, prefix_.size() - used_);
      std::memcpy(buffer, prefix_.data() + used_, n);
      used_ += n;
      return n;
    }
    return rest_->Read(buffer, size);
  }

 private:
  std::string prefix_;
  std::size_t used_ = 0;
  std::unique_ptr<ByteSource> rest_;
};

// Compressed input read from the underlying source into a buffer.
class InputBuffer {
 public:
  explicit InputBuffer(std::unique_ptr<ByteSource> source)
      : source_(std::move(source)), data_(kCompressedBufferBytes) {}

  const char* begin() const { return data_.data() + begin_; }
  std::size_t size() const { return end_ - begin_; }
  bool eof() const { return eof_; }
  void Consume(std::size_t n) { begin_ += n; }

  // Tries to hold at least `min` bytes (fewer only at the end of the stream).
  Status Fill(std::size_t min) {
    while (size() < min && !eof_) {
      if (begin_ > 0) {
        std::memmove(data_.data(), data_.data() + begin_, size());
        end_ -= begin_;
        begin_ = 0;
      }
      auto n = source_->Read(data_.data() + end_, data_.size() - end_);
      if (!n) return n.error();
      if (*n == 0) eof_ = true;
      end_ += *n;
    }
    return {};
  }

 private:
  std::unique_ptr<ByteSource> source_;
  std::vector<char> data_;
  std::size_t begin_ = 0;
  std::size_t end_ = 0;
  bool eof_ = false;
};

class GzipSource final : public ByteSource {
 public:
  explicit GzipSource(std::unique_ptr<ByteSource> raw) : in_(std::move(raw)) {
    ok_ = inflateInit2(&z_, 16 + MAX_WBITS) == Z_OK;
  }
  ~GzipSource() override {
    if (ok_) inflateEnd(&z_);
  }
  GzipSource(const GzipSource&) = delete;
  GzipSource& operator=(const GzipSource&) = delete;

  Result<std::size_t> Read(char* buffer, std::size_t size) override {
    if (!ok_) return Fail("gzip: cannot initialise the decoder");
    if (error_) return *error_;
    std::size_t produced = 0;
    while (produced == 0 && !done_) {
      if (member_ended_) {
        // Another member follows only if its magic does; anything else ends the stream.
        if (auto s = in_.Fill(2); !s) return Fail(s.error().message);
        if (in_.size() < 2 || static_cast<unsigned char>(in_.begin()[0]) != 0x1f ||
            static_cast<unsigned char>(in_.begin()[1]) != 0x8b) {
          done_ = true;
          break;
        }
        inflateReset(&z_);
        member_ended_ = false;
      }
      if (in_.size() == 0) {
        if (auto s = in_.Fill(1); !s) return Fail(s.error().message);
        if (in_.size() == 0) return Fail("gzip: the stream is truncated");
      }
      z_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in_.begin()));
      z_.avail_in = static_cast<uInt>(std::min<std::size_t>(in_.size(), 1U << 30));
      z_.next_out = reinterpret_cast<Bytef*>(buffer + produced);
      z_.avail_out = static_cast<uInt>(std::min<std::size_t>(size - produced, 1U << 30));
      const uInt before_in = z_.avail_in;
      const uInt before_out = z_.avail_out;
      const int rc = inflate(&z_, Z_NO_FLUSH);
      in_.Consume(before_in - z_.avail_in);
      produced += before_out - z_.avail_out;
      if (rc == Z_STREAM_END) {
        member_ended_ = true;
      } else if (rc == Z_BUF_ERROR) {
        if (in_.size() > 0 && before_out == z_.avail_out && before_in == z_.avail_in) {
          return Fail("gzip: the decoder made no progress");
        }
      } else if (rc != Z_OK) {
        return Fail(fmt::format("gzip: {}", z_.msg != nullptr ? z_.msg : "corrupt data"));
      }
    }
    return produced;
  }

 private:
  Error Fail(std::string message) {
    error_ = Error::Invalid(std::move(message));
    return *error_;
  }

  InputBuffer in_;
  z_stream z_{};
  bool ok_ = false;
  bool member_ended_ = false;
  bool done_ = false;
  std::optional<Error> error_;
};

class ZstdSource final : public ByteSource {
 public:
  explicit ZstdSource(std::unique_ptr<ByteSource> raw)
      : in_(std::move(raw)), ctx_(ZSTD_createDCtx()) {
    if (ctx_ != nullptr) {
      ZSTD_DCtx_setParameter(ctx_, ZSTD_d_windowLogMax, kZstdMaxWindowLog);
    }
  }
  ~ZstdSource() override { ZSTD_freeDCtx(ctx_); }
  ZstdSource(const ZstdSource&) = delete;
  ZstdSource& operator=(const ZstdSource&) = delete;

  Result<std::size_t> Read(char* buffer, std::size_t size) override {
    if (ctx_ == nullptr) return Fail("zstd: cannot initialise the decoder");
    if (error_) return *error_;
    ZSTD_outBuffer out{buffer, size, 0};
    while (out.pos == 0 && !done_) {
      if (in_.size() == 0) {
        if (auto s = in_.Fill(1); !s) return Fail(s.error().message);
        if (in_.size() == 0) {
          if (frame_open_) return Fail("zstd: the stream is truncated");
          done_ = true;
          break;
        }
      }
      ZSTD_inBuffer in{in_.begin(), in_.size(), 0};
      const std::size_t rc = ZSTD_decompressStream(ctx_, &out, &in);
      in_.Consume(in.pos);
      if (ZSTD_isError(rc) != 0) return Fail(fmt::format("zstd: {}", ZSTD_getErrorName(rc)));
      frame_open_ = rc != 0;
    }
    return out.pos;
  }

 private:
  Error Fail(std::string message) {
    error_ = Error::Invalid(std::move(message));
    return *error_;
  }

  InputBuffer in_;
  ZSTD_DCtx* ctx_;
  bool frame_open_ = false;
  bool done_ = false;
  std::optional<Error> error_;
};

// UTF-16 (after its byte order mark) as UTF-8.
class Utf16Source final : public ByteSource {
 public:
  Utf16Source(std::unique_ptr<ByteSource> raw, bool little_endian)
      : in_(std::move(raw)), little_endian_(little_endian) {}

  Result<std::size_t> Read(char* buffer, std::size_t size) override {
    std::size_t n = 0;
    while (n < size) {
      if (pending_used_ < pending_size_) {
        buffer[n++] = pending_[pending_used_++];
        continue;
      }
      auto unit = NextUnit();
      if (!unit) return unit.error();
      if (*unit < 0) break;
      std::uint32_t cp = static_cast<std::uint32_t>(*unit);
      if (cp >= 0xD800 && cp <= 0xDBFF) {
        auto low = NextUnit();
        if (!low) return low.error();
        if (*low >= 0xDC00 && *low <= 0xDFFF) {
          cp = 0x10000 + ((cp - 0xD800) << 10) + (static_cast<std::uint32_t>(*low) - 0xDC00);
        } else {
          cp = 0xFFFD;
          held_ = *low;
        }
      } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
        cp = 0xFFFD;
      }
      Encode(cp);
    }
    return n;
  }

 private:
  // The next 16-bit unit, or -1 at the end (a last odd byte is dropped).
  Result<int> NextUnit() {
    if (held_ >= 0) {
      const int unit = held_;
      held_ = -1;
      return unit;
    }
    if (auto s = in_.Fill(2); !s) return s.error();
    if (in_.size() < 2) return -1;
    const auto b0 = static_cast<unsigned char>(in_.begin()[0]);
    const auto b1 = static_cast<unsigned char>(in_.begin()[1]);
    in_.Consume(2);
    return little_endian_ ? (b1 << 8) | b0 : (b0 << 8) | b1;
  }

  void Encode(std::uint32_t cp) {
    pending_used_ = 0;
    if (cp < 0x80) {
      pending_[0] = static_cast<char>(cp);
      pending_size_ = 1;
    } else if (cp < 0x800) {
      pending_[0] = static_cast<char>(0xC0 | (cp >> 6));
      pending_[1] = static_cast<char>(0x80 | (cp & 0x3F));
      pending_size_ = 2;
    } else if (cp < 0x10000) {
      pending_[0] = static_cast<char>(0xE0 | (cp >> 12));
      pending_[1] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      pending_[2] = static_cast<char>(0x80 | (cp & 0x3F));
      pending_size_ = 3;
    } else {
      pending_[0] = static_cast<char>(0xF0 | (cp >> 18));
      pending_[1] = static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      pending_[2] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      pending_[3] = static_cast<char>(0x80 | (cp & 0x3F));
      pending_size_ = 4;
    }
  }

  InputBuffer in_;
  bool little_endian_;
  int held_ = -1;  // a unit read ahead that was no low surrogate
  char pending_[4] = {};
  std::size_t pending_size_ = 0;
  std::size_t pending_used_ = 0;
};

bool StartsWith(std::string_view head, std::initializer_list<unsigned char> magic) {
  if (head.size() < magic.size()) return false;
  std::size_t i = 0;
  for (unsigned char b : magic) {
    if (static_cast<unsigned char>(head[i++]) != b) return false;
  }
  return true;
}

}  // namespace

std::string_view CompressionName(Compression compression) {
  switch (compression) {
    case Compression::kNone:
      return "none";
    case Compression::kGzip:
      return "gzip";
    case Compression::kZstd:
      return "zstd";
  }
  return "none";
}

Compression DetectCompression(std::string_view head) {
  if (StartsWith(head, {0x1f, 0x8b})) return Compression::kGzip;
  if (StartsWith(head, {0x28, 0xb5, 0x2f, 0xfd})) return Compression::kZstd;
  return Compression::kNone;
}

Result<std::unique_ptr<ByteSource>> OpenFile(const std::filesystem::path& path,
                                             bool follow_symlink) {
  const std::string what = path.string();
  // O_NONBLOCK so that opening a FIFO does not wait for a writer; cleared below.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK |
                                          (follow_symlink ? 0 : O_NOFOLLOW));
  if (fd < 0) {
    if (errno == ELOOP && !follow_symlink) {
      return Error::Invalid(fmt::format("{}: a symbolic link", what));
    }
    return IoError(what, errno);
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    return IoError(what, err);
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return Error::Invalid(fmt::format("{}: not a regular file", what));
  }
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags >= 0) ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  return std::unique_ptr<ByteSource>(std::make_unique<FdSource>(fd, true));
}

std::unique_ptr<ByteSource> OpenStdin() { return std::make_unique<FdSource>(0, false); }

std::unique_ptr<ByteSource> MemorySource(std::string_view bytes) {
  return std::make_unique<BytesSource>(bytes);
}

Result<Decoded> Decompress(std::unique_ptr<ByteSource> raw) {
  constexpr std::size_t kHeadBytes = 6;
  std::string head(kHeadBytes, '\0');
  std::size_t have = 0;
  while (have < kHeadBytes) {
    auto n = raw->Read(head.data() + have, kHeadBytes - have);
    if (!n) return n.error();
    if (*n == 0) break;
    have += *n;
  }
  head.resize(have);
  if (StartsWith(head, {0xfd, '7', 'z', 'X', 'Z', 0x00})) {
    return Error::Invalid("xz-compressed input is not supported (gzip and zstd are)");
  }
  if (StartsWith(head, {'B', 'Z', 'h'})) {
    return Error::Invalid("bzip2-compressed input is not supported (gzip and zstd are)");
  }
  if (StartsWith(head, {0x04, 0x22, 0x4d, 0x18})) {
    return Error::Invalid("lz4-compressed input is not supported (gzip and zstd are)");
  }
  const Compression compression = DetectCompression(head);
  auto whole = std::make_unique<PrefixedSource>(std::move(head), std::move(raw));
  Decoded out;
  out.compression = compression;
  switch (compression) {
    case Compression::kNone:
      out.source = std::move(whole);
      break;
    case Compression::kGzip:
      out.source = std::make_unique<GzipSource>(std::move(whole));
      break;
    case Compression::kZstd:
      out.source = std::make_unique<ZstdSource>(std::move(whole));
      break;
  }
  // A UTF-16 byte order mark at the start of the text.
  std::string bom(2, '\0');
  std::size_t bom_size = 0;
  while (bom_size < 2) {
    auto n = out.source->Read(bom.data() + bom_size, 2 - bom_size);
    if (!n) return n.error();
    if (*n == 0) break;
    bom_size += *n;
  }
  bom.resize(bom_size);
  const bool little = StartsWith(bom, {0xff, 0xfe});
  const bool big = StartsWith(bom, {0xfe, 0xff});
  if (little || big) {
    out.source = std::make_unique<Utf16Source>(std::move(out.source), little);
    out.utf16 = true;
  } else {
    out.source = std::make_unique<PrefixedSource>(std::move(bom), std::move(out.source));
  }
  return out;
}

Result<Decoded> OpenInput(const std::filesystem::path& path, bool follow_symlink) {
  auto file = OpenFile(path, follow_symlink);
  if (!file) return file.error();
  return Decompress(std::move(*file));
}

}  // namespace caduceus::sweep
