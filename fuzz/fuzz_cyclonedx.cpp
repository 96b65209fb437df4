// ParseCycloneDx on arbitrary bytes. A rejection must be an Invalid error naming its kind in
// brackets and a JSON pointer; an accepted BOM must yield named assets whose parents come before
// them and whose sources are JSON pointers, and parsing must be deterministic.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "advisories/inventory.h"

namespace {

void Check(bool condition) {
  if (!condition) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using caduceus::advisories::ParseCycloneDx;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto parsed = ParseCycloneDx(text);
  if (!parsed) {
    const caduceus::Error& error = parsed.error();
    Check(error.code == caduceus::Errc::kInvalidArgument);
    Check(!error.message.empty() && error.message.front() == '[');
    Check(!error.field.empty() && error.field.front() == '/');
    return 0;
  }
  for (std::size_t i = 0; i < parsed->assets.size(); ++i) {
    const auto& asset = parsed->assets[i];
    Check(!asset.product.empty() && !asset.type.empty());
    Check(!asset.source.empty() && asset.source.front() == '/');
    Check(asset.parent >= -1 && asset.parent < static_cast<long>(i));
  }
  const auto again = ParseCycloneDx(text);
  Check(again.has_value() && again->assets.size() == parsed->assets.size());
  return 0;
}
