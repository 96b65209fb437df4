// ParseJsonObject on arbitrary bytes, then a FieldReader that reads every key with a getter
// chosen from the key, so all typed paths see arbitrary values.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "http/json_body.h"

namespace {

void Check(bool condition) {
  if (!condition) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  const auto parsed = caduceus::http::ParseJsonObject(body, 16);
  if (!parsed) {
    Check(!parsed.error().message.empty());
    return 0;
  }
  caduceus::http::FieldReader reader(*parsed);
  std::vector<std::string> keys;
  for (const auto& entry : *parsed) keys.emplace_back(entry.key());
  for (std::size_t i = 0; i < keys.size(); ++i) {
    const std::string& key = keys[i];
    const bool required = (key.size() & 1) != 0;
    switch ((key.size() + i) % 5) {
      case 0:
        if (const auto s = reader.String(key, 64, required)) Check(s->size() <= 64);
        break;
      case 1:
        if (const auto n = reader.Int(key, -1000, 1000, required)) {
          Check(*n >= -1000 && *n <= 1000);
        }
        break;
      case 2:
        reader.Bool(key, required);
        break;
      case 3:
        if (const auto a = reader.StringArray(key, 4, 16, required)) Check(a->size() <= 4);
        break;
      case 4:
        Check(reader.Raw(key, required) != nullptr);
        break;
    }
  }
  // Every key was read, so a failure can only come from a getter.
  const auto status = reader.Finish();
  if (!status) Check(status.error().message.rfind("unknown field", 0) != 0);
  return 0;
}
