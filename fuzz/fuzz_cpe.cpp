// CPE parsing and matching on arbitrary bytes. Input: two names separated by a newline (either
// binding). A parsed name must survive binding to a formatted string and back unchanged, compare
// equal to itself unless it holds wildcards, and name-level equality must be symmetric.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "advisories/cpe.h"

namespace {

using caduceus::advisories::Cpe;
using caduceus::advisories::CpeRelation;
using caduceus::advisories::CpeValue;

void Check(bool condition) {
  if (!condition) __builtin_trap();
}

bool HasWildcards(const Cpe& cpe) {
  return std::any_of(cpe.attributes.begin(), cpe.attributes.end(),
                     [](const CpeValue& v) { return v.HasWildcards(); });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using caduceus::advisories::CompareCpe;
  using caduceus::advisories::MatchCpe;
  using caduceus::advisories::ParseCpe;
  using caduceus::advisories::ParseCpe23;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const std::size_t newline = text.find('\n');
  const auto first = ParseCpe(text.substr(0, newline));
  if (!first) {
    Check(first.error().code == caduceus::Errc::kInvalidArgument);
    return 0;
  }
  const auto bound = ParseCpe23(first->ToFormattedString());
  Check(bound.has_value() && *bound == *first);
  const CpeRelation self = CompareCpe(*first, *first).name;
  Check(self == (HasWildcards(*first) ? CpeRelation::kUndefined : CpeRelation::kEqual));
  if (newline == std::string_view::npos) return 0;
  const auto second = ParseCpe(text.substr(newline + 1));
  if (!second) return 0;
  const CpeRelation forward = CompareCpe(*first, *second).name;
  const CpeRelation backward = CompareCpe(*second, *first).name;
  Check((forward == CpeRelation::kEqual) == (backward == CpeRelation::kEqual));
  Check(!MatchCpe(*first, *second).reason.empty());
  return 0;
}
