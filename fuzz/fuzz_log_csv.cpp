// The csv reader on arbitrary bytes; the checks are in fuzz_log_common.cpp.
#include <cstddef>
#include <cstdint>
#include <optional>

#include "sweep/record.h"

namespace caduceus::sweep {
int FuzzLog(std::optional<Format> format, const std::uint8_t* data, std::size_t size);
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return caduceus::sweep::FuzzLog(caduceus::sweep::Format::kCsv, data, size);
}
