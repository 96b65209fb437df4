// ParseClues (recovery/clues.h, the body of POST /api/v1/recovery/identify and the agent's clue
// file) on arbitrary bytes. A rejection must be Invalid or PayloadTooLarge; accepted clues must
// respect every bound, read back equal from their canonical JSON, and identify without failing.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <boost/json.hpp>

#include "recovery/clues.h"
#include "recovery/identify.h"

namespace {

namespace recovery = caduceus::recovery;

void Check(bool condition) {
  if (!condition) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto clues = recovery::ParseClues(text);
  if (!clues) {
    const auto& e = clues.error();
    Check(e.code == caduceus::Errc::kInvalidArgument || e.code == caduceus::Errc::kPayloadTooLarge);
    Check(!e.message.empty());
    return 0;
  }
  Check(clues->notes.size() <= recovery::kMaxNotes);
  Check(clues->file_names.size() <= recovery::kMaxFileNames);
  Check(clues->samples.size() <= recovery::kMaxSamples);
  std::size_t note_bytes = 0, marker_bytes = 0;
  for (const auto& n : clues->notes) note_bytes += n.bytes.size();
  for (const auto& s : clues->samples) marker_bytes += s.header.size() + s.footer.size();
  Check(note_bytes <= recovery::kMaxNotesTotalBytes);
  Check(marker_bytes <= recovery::kMaxMarkerBytesTotal);
  for (const auto& name : clues->file_names) {
    Check(name.find_first_of("/\\") == std::string::npos);
  }
  const auto again = recovery::CluesFromJson(recovery::ToJson(*clues));
  Check(again.has_value() && *again == *clues);
  static const recovery::KnowledgeBase kb({});
  const auto id = kb.Identify(*clues);
  Check(id.candidates.empty() && id.unknown);
  return 0;
}
