#include "core/tlp.h"

#include <array>
#include <string>

#include <boost/algorithm/string/case_conv.hpp>

namespace caduceus {

namespace {

struct TlpNames {
  TlpLevel level;
  std::string_view name;
  std::string_view key;
};

constexpr std::array<TlpNames, 5> kNames{{
    {TlpLevel::kClear, "TLP:CLEAR", "clear"},
    {TlpLevel::kGreen, "TLP:GREEN", "green"},
    {TlpLevel::kAmber, "TLP:AMBER", "amber"},
    {TlpLevel::kAmberStrict, "TLP:AMBER+STRICT", "amber+strict"},
    {TlpLevel::kRed, "TLP:RED", "red"},
}};

}  // namespace

std::string_view TlpName(TlpLevel level) { return kNames.at(static_cast<std::size_t>(level)).name; }

std::string_view TlpKey(TlpLevel level) { return kNames.at(static_cast<std::size_t>(level)).key; }

std::optional<TlpLevel> ParseTlp(std::string_view text) {
  const std::string lower = boost::algorithm::to_lower_copy(std::string(text));
  std::string_view key = lower;
  if (key.starts_with("tlp:")) key.remove_prefix(4);
  if (key == "white") return TlpLevel::kClear;
  if (key == "amber_strict") return TlpLevel::kAmberStrict;
  for (const TlpNames& names : kNames) {
    if (names.key == key) return names.level;
  }
  return std::nullopt;
}

}  // namespace caduceus
