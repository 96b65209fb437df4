// ExtractFreetext on arbitrary bytes. Every candidate's raw text must sit at its offset in the
// input, a valid candidate's value must be in normal form (Normalise leaves it as it is) and a
// valid domain must pass the public-suffix check; the output stays within its cap.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "intel/freetext.h"
#include "intel/observables.h"

namespace {

void Check(bool condition) {
  if (!condition) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace caduceus::intel;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto result = ExtractFreetext(text);
  if (!result) {
    Check(size > kMaxFreetextBytes);
    return 0;
  }
  Check(result->items.size() <= kMaxFreetextCandidates);
  std::size_t last_offset = 0;
  for (const auto& c : result->items) {
    Check(c.offset >= last_offset);
    last_offset = c.offset;
    Check(c.offset + c.raw.size() <= text.size());
    Check(text.substr(c.offset, c.raw.size()) == c.raw);
    Check(c.valid == c.reason.empty());
    if (!c.valid) continue;
    const auto again = Normalise(c.kind, c.value);
    Check(again.has_value() && again->value == c.value && again->kind == c.kind);
    if (c.kind == ObservableKind::kDomain) Check(PlausibleDomain(c.value));
  }
  return 0;
}
