// The harness every fuzz_log_<format> target shares: the bytes as a log stream read with one
// explicit format (or detected, with decompression, for fuzz_log_auto). Each record must point
// back at its line, each field at its bytes (exactly, unless decoded), and each value must have
// a normal form (punycode labels aside, which only intel::Normalise validates). Lines are cut
// at 4 KiB so that pieces of long lines are exercised too.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "intel/observables.h"
#include "sweep/reader.h"

namespace caduceus::sweep {
namespace {

void Check(bool condition) {
  if (!condition) __builtin_trap();
}

bool MentionsPunycode(std::string_view value) {
  for (std::size_t i = 0; i + 4 <= value.size(); ++i) {
    if ((value[i] | 0x20) == 'x' && (value[i + 1] | 0x20) == 'n' && value[i + 2] == '-' &&
        value[i + 3] == '-') {
      return true;
    }
  }
  return false;
}

}  // namespace

int FuzzLog(std::optional<Format> format, const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  ReaderOptions options;
  options.format = format;
  options.lines.max_line = 4096;
  options.lines.block_size = 1024;
  std::unique_ptr<ByteSource> source = MemorySource(bytes);
  const bool plain = format.has_value();
  if (!plain) {
    auto decoded = Decompress(std::move(source));
    if (!decoded) return 0;
    source = std::move(decoded->source);
  }
  RecordReader reader(std::move(source), options);
  Record record;
  std::uint64_t last_line = 0;
  while (true) {
    auto more = reader.Next(record);
    if (!more) {
      Check(!plain);  // only a compressed stream can fail
      break;
    }
    if (!*more) break;
    Check(record.line >= last_line);
    last_line = record.line;
    if (plain) {
      Check(record.offset + record.text.size() <= bytes.size());
      Check(bytes.substr(record.offset, record.text.size()) == record.text);
    }
    const std::uint64_t line_end = record.offset + record.text.size();
    for (const Field& f : record.fields) {
      Check(f.offset >= record.offset && f.offset + f.size <= line_end);
      if (!f.decoded) {
        Check(f.size == f.value.size());
        Check(record.text.substr(f.offset - record.offset, f.size) == f.value);
      }
      Check(f.kind != intel::ObservableKind::kAsn && f.kind != intel::ObservableKind::kMutex &&
            f.kind != intel::ObservableKind::kRegistryKey);
      Check(NormaliseField(f).has_value() || MentionsPunycode(f.value));
    }
  }
  return 0;
}

}  // namespace caduceus::sweep
