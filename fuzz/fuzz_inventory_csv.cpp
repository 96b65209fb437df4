// ParseInventoryCsv on arbitrary bytes. A rejection must be an Invalid error naming its kind in
// brackets and a line; a "[rows]" rejection must list its bad rows in line order after the
// header; an accepted file must yield assets with a vendor and a product, in line order.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "advisories/inventory.h"

namespace {

void Check(bool condition) {
  if (!condition) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using caduceus::advisories::ParseInventoryCsv;
  using caduceus::advisories::RowError;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<RowError> errors;
  const auto parsed = ParseInventoryCsv(text, {}, &errors);
  if (!parsed) {
    const caduceus::Error& error = parsed.error();
    Check(error.code == caduceus::Errc::kInvalidArgument);
    Check(!error.message.empty() && error.message.front() == '[');
    Check(error.field.rfind("line ", 0) == 0);
    if (error.message.rfind("[rows]", 0) == 0) {
      Check(!errors.empty());
      for (std::size_t i = 0; i < errors.size(); ++i) {
        Check(errors[i].line >= 2 && !errors[i].message.empty());
        Check(i == 0 || errors[i - 1].line <= errors[i].line);
      }
    } else {
      Check(errors.empty());
    }
    return 0;
  }
  Check(errors.empty());
  for (std::size_t i = 0; i < parsed->assets.size(); ++i) {
    const auto& asset = parsed->assets[i];
    Check(!asset.vendor.empty() && !asset.product.empty());
    Check(asset.line >= 2);
    Check(i == 0 || parsed->assets[i - 1].line < asset.line);
  }
  return 0;
}
