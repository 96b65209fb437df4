// Byte sources and lines: gzip and zstd found by their magic (concatenated members and frames,
// truncation, corruption, an oversized window, compressions we refuse), opening files (special
// files, links), and the line reader's numbers, offsets, CRLF, BOM and long lines, whatever the
// block size and however little a read returns.
#include "sweep/source.h"

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "compress_util.h"
#include "sweep/lines.h"

namespace caduceus::sweep {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using testing_util::Gzip;
using testing_util::Zstd;

// Returns at most `step` bytes per read.
class TrickleSource final : public ByteSource {
 public:
  TrickleSource(std::string_view bytes, std::size_t step) : bytes_(bytes), step_(step) {}
  Result<std::size_t> Read(char* buffer, std::size_t size) override {
    const std::size_t n = std::min({size, step_, bytes_.size()});
    std::copy_n(bytes_.data(), n, buffer);
    bytes_.remove_prefix(n);
    return n;
  }

 private:
  std::string_view bytes_;
  std::size_t step_;
};

// Gives its bytes, then fails.
class FailingSource final : public ByteSource {
 public:
  explicit FailingSource(std::string_view bytes) : bytes_(bytes) {}
  Result<std::size_t> Read(char* buffer, std::size_t size) override {
    if (bytes_.empty()) return Error{Errc::kUnavailable, "disk went away", {}};
    const std::size_t n = std::min(size, bytes_.size());
    std::copy_n(bytes_.data(), n, buffer);
    bytes_.remove_prefix(n);
    return n;
  }

 private:
  std::string_view bytes_;
};

struct Drained {
  std::string bytes;
  std::optional<Error> error;
};

Drained Drain(ByteSource& source) {
  Drained out;
  char buffer[4096];
  while (true) {
    auto n = source.Read(buffer, sizeof(buffer));
    if (!n) {
      out.error = n.error();
      return out;
    }
    if (*n == 0) return out;
    out.bytes.append(buffer, *n);
  }
}

Drained Decode(std::unique_ptr<ByteSource> raw, Compression* detected = nullptr) {
  auto decoded = Decompress(std::move(raw));
  if (!decoded) return {{}, decoded.error()};
  if (detected != nullptr) *detected = decoded->compression;
  return Drain(*decoded->source);
}

std::string Sample(std::size_t lines) {
  std::string text;
  for (std::size_t i = 0; i < lines; ++i) {
    text += "line " + std::to_string(i) + " host" + std::to_string(i % 97) + ".example.org\n";
  }
  return text;
}

TEST(Decompress, PassesPlainTextThrough) {
  const std::string text = Sample(10);
  Compression c = Compression::kGzip;
  const Drained d = Decode(MemorySource(text), &c);
  EXPECT_EQ(c, Compression::kNone);
  EXPECT_EQ(d.bytes, text);
  EXPECT_FALSE(d.error);
  EXPECT_EQ(Decode(MemorySource("")).bytes, "");
  EXPECT_EQ(Decode(MemorySource("\x1f")).bytes, "\x1f");
}

TEST(Decompress, ReadsGzipIncludingConcatenatedMembers) {
  const std::string a = Sample(5000);
  const std::string b = "second member evil.example\n";
  const std::string both = Gzip(a) + Gzip(b);
  Compression c = Compression::kNone;
  const Drained d = Decode(MemorySource(both), &c);
  EXPECT_EQ(c, Compression::kGzip);
  EXPECT_FALSE(d.error);
  EXPECT_EQ(d.bytes, a + b);
  // The same when each read returns a few bytes.
  EXPECT_EQ(Decode(std::make_unique<TrickleSource>(both, 3)).bytes, a + b);
}

TEST(Decompress, StopsAtTrailingBytesAfterTheLastGzipMember) {
  const std::string text = Sample(3);
  const Drained d = Decode(MemorySource(Gzip(text) + std::string(512, '\0')));
  EXPECT_FALSE(d.error);
  EXPECT_EQ(d.bytes, text);
}

TEST(Decompress, ReportsTruncatedAndCorruptGzip) {
  const std::string text = Sample(2000);
  std::string gz = Gzip(text);
  const Drained truncated = Decode(MemorySource(std::string_view(gz).substr(0, gz.size() / 2)));
  ASSERT_TRUE(truncated.error);
  EXPECT_THAT(truncated.error->message, HasSubstr("truncated"));
  EXPECT_LT(truncated.bytes.size(), text.size());
  gz[gz.size() / 2] = static_cast<char>(gz[gz.size() / 2] ^ 0x55);
  gz[gz.size() / 2 + 1] = static_cast<char>(gz[gz.size() / 2 + 1] ^ 0x55);
  const Drained corrupt = Decode(MemorySource(gz));
  ASSERT_TRUE(corrupt.error);
  EXPECT_THAT(corrupt.error->message, HasSubstr("gzip"));
}

TEST(Decompress, ReadsZstdFrames) {
  const std::string a = Sample(4000);
  const std::string b = "another frame evil.example\n";
  const std::string both = Zstd(a) + Zstd(b);
  Compression c = Compression::kNone;
  const Drained d = Decode(std::make_unique<TrickleSource>(both, 7), &c);
  EXPECT_EQ(c, Compression::kZstd);
  EXPECT_FALSE(d.error);
  EXPECT_EQ(d.bytes, a + b);
}

TEST(Decompress, ReportsTruncatedCorruptAndOversizedZstd) {
  const std::string zst = Zstd(Sample(3000));
  const Drained truncated = Decode(MemorySource(std::string_view(zst).substr(0, zst.size() - 9)));
  ASSERT_TRUE(truncated.error);
  EXPECT_THAT(truncated.error->message, HasSubstr("zstd"));
  std::string corrupt = zst;
  for (std::size_t i = 12; i < 40; ++i) corrupt[i] = static_cast<char>(corrupt[i] ^ 0xA5);
  EXPECT_TRUE(Decode(MemorySource(corrupt)).error);
  // A frame that asks for a 1 GiB window is refused rather than allocated.
  const Drained wide = Decode(MemorySource(Zstd("small", 30)));
  ASSERT_TRUE(wide.error);
  EXPECT_THAT(wide.error->message, HasSubstr("zstd"));
}

TEST(Decompress, RefusesOtherCompressions) {
  const auto xz =
      Decompress(MemorySource(std::string("\xFD"
                                          "7zXZ\0rest",
                                          10)));
  ASSERT_FALSE(xz);
  EXPECT_THAT(xz.error().message, HasSubstr("xz"));
  EXPECT_FALSE(Decompress(MemorySource("BZh91AY&SY")));
}

// UTF-16 code units of `units`, little or big endian, after a byte order mark.
std::string Utf16(const std::vector<std::uint16_t>& units, bool little) {
  std::string out = little ? "\xFF\xFE" : "\xFE\xFF";
  for (std::uint16_t u : units) {
    const char lo = static_cast<char>(u & 0xff);
    const char hi = static_cast<char>(u >> 8);
    out += little ? lo : hi;
    out += little ? hi : lo;
  }
  return out;
}

TEST(Decompress, TranscodesUtf16WithAByteOrderMarkToUtf8) {
  // "a.org é 😀 ?" with an unpaired high surrogate before the last character.
  const std::vector<std::uint16_t> units = {'a', '.',    'o',    'r', 'g',    ' ', 0x00E9,
                                            ' ', 0xD83D, 0xDE00, ' ', 0xD800, '?', '\n'};
  const std::string expected = "a.org \xC3\xA9 \xF0\x9F\x98\x80 \xEF\xBF\xBD?\n";
  for (bool little : {true, false}) {
    const std::string text = Utf16(units, little);
    auto decoded = Decompress(std::make_unique<TrickleSource>(text, 3));
    ASSERT_TRUE(decoded);
    EXPECT_TRUE(decoded->utf16);
    EXPECT_EQ(Drain(*decoded->source).bytes, expected);
  }
  const std::string packed = Gzip(Utf16(units, true));
  auto gz = Decompress(MemorySource(packed));
  ASSERT_TRUE(gz);
  EXPECT_EQ(gz->compression, Compression::kGzip);
  EXPECT_TRUE(gz->utf16);
  EXPECT_EQ(Drain(*gz->source).bytes, expected);
}

TEST(Decompress, KeepsTheSourcesError) {
  const Drained d = Decode(std::make_unique<FailingSource>("some bytes"));
  EXPECT_EQ(d.bytes, "some bytes");
  ASSERT_TRUE(d.error);
  EXPECT_EQ(d.error->message, "disk went away");
}

class TempDir {
 public:
  TempDir() {
    char pattern[] = "/tmp/sweep-test-XXXXXX";
    path_ = ::mkdtemp(pattern);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

void WriteFile(const fs::path& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

TEST(OpenInput, ReadsACompressedFileByItsMagicNotItsName) {
  TempDir dir;
  const std::string text = Sample(100);
  WriteFile(dir.path() / "access.log", Gzip(text));
  auto input = OpenInput(dir.path() / "access.log");
  ASSERT_TRUE(input);
  EXPECT_EQ(input->compression, Compression::kGzip);
  EXPECT_EQ(Drain(*input->source).bytes, text);
}

TEST(OpenInput, RefusesSpecialFilesAndUnwantedLinks) {
  TempDir dir;
  WriteFile(dir.path() / "real.log", "evil.com\n");
  ASSERT_EQ(::mkfifo((dir.path() / "pipe").c_str(), 0600), 0);
  fs::create_symlink(dir.path() / "real.log", dir.path() / "link.log");
  auto pipe = OpenInput(dir.path() / "pipe");
  ASSERT_FALSE(pipe);
  EXPECT_THAT(pipe.error().message, HasSubstr("not a regular file"));
  EXPECT_FALSE(OpenInput(dir.path()));
  EXPECT_EQ(OpenInput(dir.path() / "missing").error().code, Errc::kNotFound);
  EXPECT_TRUE(OpenInput(dir.path() / "link.log", true));
  auto link = OpenInput(dir.path() / "link.log", false);
  ASSERT_FALSE(link);
  EXPECT_THAT(link.error().message, HasSubstr("symbolic link"));
}

std::vector<Line> AllLines(std::string_view text,
                           LineReaderOptions options,
                           std::size_t read_step = 1 << 20) {
  LineReader reader(std::make_unique<TrickleSource>(text, read_step), options);
  std::vector<Line> out;
  std::vector<std::string> keep;
  Line line;
  while (true) {
    auto more = reader.Next(line);
    EXPECT_TRUE(more);
    if (!more || !*more) break;
    out.push_back(line);
    out.back().text = {};
    keep.emplace_back(line.text);
  }
  // Views die with the reader: hand the texts back through offsets into `text`.
  for (std::size_t i = 0; i < out.size(); ++i) {
    out[i].text = text.substr(out[i].offset, keep[i].size());
    EXPECT_EQ(out[i].text, keep[i]);
  }
  return out;
}

TEST(LineReader, NumbersLinesAndDropsTheirEnds) {
  const std::string text = "a\r\nbb\n\nccc";
  const auto lines = AllLines(text, {});
  ASSERT_EQ(lines.size(), 4U);
  EXPECT_EQ(lines[0].text, "a");
  EXPECT_EQ(lines[1].text, "bb");
  EXPECT_EQ(lines[1].offset, 3U);
  EXPECT_EQ(lines[2].text, "");
  EXPECT_EQ(lines[3].text, "ccc");
  EXPECT_EQ(lines[3].number, 4U);
}

TEST(LineReader, SkipsAByteOrderMarkButCountsItsBytes) {
  const std::string text =
      "\xEF\xBB\xBF"
      "first\nsecond\n";
  const auto lines = AllLines(text, {});
  ASSERT_EQ(lines.size(), 2U);
  EXPECT_EQ(lines[0].text, "first");
  EXPECT_EQ(lines[0].offset, 3U);
  EXPECT_EQ(lines[1].offset, 9U);
}

TEST(LineReader, GivesTheSameLinesWhateverTheBlockAndReadSizes) {
  const std::string text = Sample(300) + "no newline at the end";
  const auto reference = AllLines(text, {});
  for (std::size_t block : {1, 2, 7, 64, 1000}) {
    for (std::size_t step : {1, 5, 4096}) {
      LineReaderOptions options;
      options.block_size = block;
      const auto lines = AllLines(text, options, step);
      ASSERT_EQ(lines.size(), reference.size()) << block << "/" << step;
      for (std::size_t i = 0; i < lines.size(); ++i) {
        EXPECT_EQ(lines[i].text, reference[i].text);
        EXPECT_EQ(lines[i].offset, reference[i].offset);
        EXPECT_EQ(lines[i].number, reference[i].number);
      }
    }
  }
}

TEST(LineReader, CutsOverlongLinesIntoMarkedPieces) {
  const std::string text = std::string(25, 'a') + "\nshort\n" + std::string(10, 'b');
  LineReaderOptions options;
  options.max_line = 10;
  options.block_size = 4;
  const auto lines = AllLines(text, options);
  ASSERT_EQ(lines.size(), 5U);
  EXPECT_EQ(lines[0].text, std::string(10, 'a'));
  EXPECT_TRUE(lines[0].partial);
  EXPECT_FALSE(lines[0].continued);
  EXPECT_TRUE(lines[1].partial && lines[1].continued);
  EXPECT_EQ(lines[2].text, "aaaaa");
  EXPECT_FALSE(lines[2].partial);
  EXPECT_TRUE(lines[2].continued);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(lines[static_cast<std::size_t>(i)].number, 1U);
  EXPECT_EQ(lines[3].text, "short");
  EXPECT_EQ(lines[3].number, 2U);
  EXPECT_EQ(lines[4].number, 3U);
  EXPECT_FALSE(lines[4].partial);
}

TEST(LineReader, HeadDoesNotConsume) {
  LineReader reader(MemorySource("one\ntwo\n"));
  auto head = reader.Head(100);
  ASSERT_TRUE(head);
  EXPECT_EQ(*head, "one\ntwo\n");
  Line line;
  ASSERT_TRUE(reader.Next(line).value());
  EXPECT_EQ(line.text, "one");
  EXPECT_EQ(reader.position(), 4U);
}

TEST(LineReader, ReturnsTheLinesBeforeAnError) {
  LineReader reader(std::make_unique<FailingSource>("one\ntwo\nthr"));
  Line line;
  ASSERT_TRUE(reader.Next(line).value());
  ASSERT_TRUE(reader.Next(line).value());
  EXPECT_EQ(line.text, "two");
  auto third = reader.Next(line);
  ASSERT_FALSE(third);
  EXPECT_EQ(third.error().message, "disk went away");
}

}  // namespace
}  // namespace caduceus::sweep
