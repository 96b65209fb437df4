// Note decoding and normalisation (recovery/note.h) on arbitrary bytes, and identification of
// the decoded note against a small knowledge base. Everything must yield valid UTF-8;
// normalising must be idempotent and give single-space separated words; extracted contacts must
// be bounded and well-formed; identification must stay within its bounds.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/text.h"
#include "recovery/identify.h"
#include "recovery/knowledge.h"
#include "recovery/note.h"

namespace {

namespace recovery = caduceus::recovery;

void Check(bool condition) {
  if (!condition) __builtin_trap();
}

const recovery::KnowledgeBase& Kb() {
  static const recovery::KnowledgeBase* kb = [] {
    recovery::GalaxyFamily g;
    g.uuid = "00000000-0000-4000-8000-000000000001";
    g.name = "Fuzzcrypt";
    g.extensions = {".fuzz", ".id-ABCDEF12.[a@b.cc].fz"};
    g.note_filenames = {"FUZZ_README_[id].txt"};
    g.note_texts = {"All your files are encrypted by Fuzzcrypt. Write to fuzz@example.org.",
                    "<html><body>Pay 1 BTC to 1GCaWA685Nj2PqqG7P2ZBACYZB8ZtpQuQ9</body></html>"};
    const recovery::MarkerData markers[] = {{"note_phrase", "fuzzcrypt wants your money", 0},
                                            {"onion", "fuzz*.onion", 0}};
    return new recovery::KnowledgeBase({recovery::BuildFamily(1, g, markers)});
  }();
  return *kb;
}

void CheckNormalised(const std::string& n) {
  Check(caduceus::ValidUtf8(n));
  Check(n.empty() || (n.front() != ' ' && n.back() != ' '));
  Check(n.find("  ") == std::string::npos);
  Check(recovery::NormaliseNote(n) == n);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  for (std::string_view name : {"note.txt", "note.html", ""}) {
    const auto decoded = recovery::DecodeNote(bytes, name);
    Check(caduceus::ValidUtf8(decoded.text));
    Check(decoded.text.size() <= 4 * recovery::kMaxNoteBytes);
    CheckNormalised(recovery::NormaliseNote(decoded.text));
  }
  Check(caduceus::ValidUtf8(recovery::HtmlToText(bytes)));
  Check(caduceus::ValidUtf8(recovery::RtfToText(bytes)));
  const std::string entities = recovery::DecodeEntities(bytes);
  Check(!caduceus::ValidUtf8(bytes) || caduceus::ValidUtf8(entities));
  const std::string normalised = recovery::NormaliseNote(bytes);
  CheckNormalised(normalised);
  Check(recovery::LowerCase(recovery::NormaliseNote(bytes, true)) == normalised);

  const auto contacts = recovery::ExtractContacts(bytes);
  Check(contacts.emails.size() <= recovery::kMaxContactsPerKind);
  Check(contacts.onions.size() <= recovery::kMaxContactsPerKind);
  for (const auto& e : contacts.emails) Check(e.find('@') != std::string::npos);
  for (const auto& o : contacts.onions) {
    Check(o.size() > 6 && o.compare(o.size() - 6, 6, ".onion") == 0);
  }

  recovery::Clues clues;
  clues.notes.push_back({"FUZZ_README_1.txt", std::string(bytes)});
  clues.file_names.emplace_back(bytes.substr(0, 300));
  const auto id = Kb().Identify(clues);
  Check(id.candidates.size() <= recovery::kMaxCandidates);
  for (const auto& c : id.candidates) Check(c.confidence > 0 && c.confidence <= 1);
  return 0;
}
