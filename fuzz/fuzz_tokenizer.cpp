// Tokenize on arbitrary bytes. Tokens must lie inside the text, come ordered by offset, have a
// normal form (punycode labels aside), and be the same whether the text is scanned whole (the
// SIMD path) or line by line (mostly the scalar path). ParseHostText must agree with Normalise.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "intel/observables.h"
#include "sweep/tokenizer.h"

namespace {

void Check(bool condition) {
  if (!condition) __builtin_trap();
}

bool MentionsPunycode(std::string_view value) {
  for (std::size_t i = 0; i + 4 <= value.size(); ++i) {
    if ((value[i] | 0x20) == 'x' && (value[i + 1] | 0x20) == 'n' && value[i + 2] == '-' &&
        value[i + 3] == '-') {
      return true;
    }
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace caduceus::sweep;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<Token> whole;
  Tokenize(text, whole);
  std::uint32_t last = 0;
  for (const Token& t : whole) {
    Check(t.begin >= last);
    last = t.begin;
    Check(static_cast<std::size_t>(t.begin) + t.size <= text.size());
    const std::string_view value = text.substr(t.begin, t.size);
    Check(caduceus::intel::Normalise(t.kind, value).has_value() || MentionsPunycode(value));
  }
  std::vector<Token> lines;
  std::size_t begin = 0;
  while (begin <= text.size()) {
    std::size_t end = text.find('\n', begin);
    if (end == std::string_view::npos) end = text.size();
    const std::size_t first = lines.size();
    Tokenize(text.substr(begin, end - begin), lines);
    for (std::size_t i = first; i < lines.size(); ++i) {
      lines[i].begin += static_cast<std::uint32_t>(begin);
    }
    begin = end + 1;
  }
  Check(lines.size() == whole.size());
  for (std::size_t i = 0; i < whole.size(); ++i) {
    Check(lines[i].begin == whole[i].begin && lines[i].size == whole[i].size &&
          lines[i].kind == whole[i].kind);
  }
  if (const auto host = ParseHostText(text)) {
    Check(caduceus::intel::Normalise(host->kind, host->text).has_value() ||
          MentionsPunycode(host->text));
  }
  return 0;
}
