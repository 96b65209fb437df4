// ParsePattern on arbitrary bytes. A rejected pattern must say why and where; an accepted one
// must survive the canonical round trip: ParsePattern(ToString(p)) == p, and printing is stable.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "intel/pattern.h"

namespace {

void Check(bool condition) {
  if (!condition) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto parsed = caduceus::intel::ParsePattern(text);
  if (!parsed) {
    Check(parsed.error().message.find("offset") != std::string::npos ||
          parsed.error().message.find("longer than") != std::string::npos);
    return 0;
  }
  const std::string canonical = caduceus::intel::ToString(*parsed);
  const auto again = caduceus::intel::ParsePattern(canonical);
  Check(again.has_value());
  Check(*again == *parsed);
  Check(caduceus::intel::ToString(*again) == canonical);
  for (const auto* comparison : caduceus::intel::ListComparisons(*parsed)) {
    Check(!comparison->path.object_type.empty());
  }
  return 0;
}
