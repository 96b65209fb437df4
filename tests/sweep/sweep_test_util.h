// Helpers shared by the sweep tests: records copied out of a reader, and where the shared data
// lives.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "intel/observables.h"
#include "sweep/reader.h"

namespace caduceus::intel {
// Kinds by name in failure messages.
inline void PrintTo(ObservableKind kind, std::ostream* os) { *os << KindName(kind); }
}  // namespace caduceus::intel

namespace caduceus::sweep {

inline void PrintTo(Format format, std::ostream* os) { *os << FormatName(format); }

namespace testing_util {

struct OwnedField {
  intel::ObservableKind kind = intel::ObservableKind::kDomain;
  std::string name;
  std::string value;
  std::uint64_t offset = 0;
  std::uint32_t size = 0;
  bool decoded = false;
  auto Key() const { return std::tie(kind, name, value); }
  bool operator==(const OwnedField& o) const { return Key() == o.Key(); }
};

inline void PrintTo(const OwnedField& f, std::ostream* os) {
  *os << intel::KindName(f.kind) << " " << f.name << "=" << f.value;
}

struct OwnedRecord {
  Format format = Format::kText;
  std::uint64_t line = 0;
  std::uint64_t offset = 0;
  std::string text;
  std::vector<OwnedField> fields;
};

inline OwnedRecord Own(const Record& r) {
  OwnedRecord o;
  o.format = r.format;
  o.line = r.line;
  o.offset = r.offset;
  o.text = std::string(r.text);
  for (const Field& f : r.fields) {
    o.fields.push_back(
        OwnedField{f.kind, std::string(f.name), std::string(f.value), f.offset, f.size, f.decoded});
  }
  return o;
}

struct Sweep {
  Detection detection;
  std::vector<OwnedRecord> records;
  std::optional<Error> error;
};

inline Sweep ReadAll(std::unique_ptr<ByteSource> source, ReaderOptions options = {}) {
  Sweep out;
  RecordReader reader(std::move(source), options);
  Record record;
  while (true) {
    auto more = reader.Next(record);
    if (!more) {
      out.error = more.error();
      break;
    }
    if (!*more) break;
    out.records.push_back(Own(record));
  }
  out.detection = reader.detection();
  return out;
}

inline Sweep ReadText(std::string_view text, std::optional<Format> format = std::nullopt) {
  ReaderOptions options;
  options.format = format;
  return ReadAll(MemorySource(text), options);
}

// ../shared next to the source tree (CADUCEUS_SHARED_DIR overrides); empty when unknown.
inline std::filesystem::path SharedDir() {
  if (const char* dir = std::getenv("CADUCEUS_SHARED_DIR"); dir != nullptr && *dir != '\0') {
    return dir;
  }
  if (const char* source = std::getenv("CADUCEUS_SOURCE_DIR"); source != nullptr) {
    return std::filesystem::path(source) / ".." / "shared";
  }
  return {};
}

inline std::filesystem::path SourceDir() {
  const char* source = std::getenv("CADUCEUS_SOURCE_DIR");
  return source != nullptr ? std::filesystem::path(source) : std::filesystem::path();
}

}  // namespace testing_util
}  // namespace caduceus::sweep
