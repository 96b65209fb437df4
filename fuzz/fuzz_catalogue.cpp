// ParseImport (the catalogue import file) on arbitrary bytes. A rejection must be an Invalid or
// PayloadTooLarge error whose field is empty or a JSON pointer; an accepted file must hold at most
// kMaxImportEntries entries with unique keys, each already normalised (validating it again
// changes nothing), and must read back unchanged after serialising it.
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>

#include <boost/json.hpp>

#include "catalogue/entry.h"

namespace {

void Check(bool condition) {
  if (!condition) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace catalogue = caduceus::catalogue;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto parsed = catalogue::ParseImport(text);
  if (!parsed) {
    const caduceus::Error& error = parsed.error();
    Check(error.code == caduceus::Errc::kInvalidArgument ||
          error.code == caduceus::Errc::kPayloadTooLarge);
    Check(!error.message.empty());
    Check(error.field.empty() || error.field.front() == '/');
    return 0;
  }
  Check(parsed->size() <= catalogue::kMaxImportEntries);
  std::set<std::string> keys;
  boost::json::array entries;
  for (const auto& entry : *parsed) {
    Check(keys.insert(entry.key).second);
    auto again = entry;
    Check(catalogue::ValidateEntry(again, catalogue::KeyRule::kRequired).has_value());
    Check(again == entry);
    entries.push_back(catalogue::ToJson(entry));
  }
  const auto round_trip = catalogue::ParseImport(boost::json::serialize(
      boost::json::object{{"format", catalogue::kImportFormat}, {"entries", std::move(entries)}}));
  Check(round_trip.has_value() && *round_trip == *parsed);
  return 0;
}
