// ParseCsaf on arbitrary bytes. A rejection must be an Invalid error naming the test in brackets
// and a JSON pointer; an accepted document must be internally consistent: every product ID it
// uses is one it defines, and parsing is deterministic.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_set>

#include "advisories/csaf.h"

namespace {

void Check(bool condition) {
  if (!condition) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using caduceus::advisories::ParseCsaf;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto parsed = ParseCsaf(text);
  if (!parsed) {
    const caduceus::Error& error = parsed.error();
    Check(error.code == caduceus::Errc::kInvalidArgument);
    Check(!error.message.empty() && error.message.front() == '[');
    Check(!error.field.empty() && error.field.front() == '/');
    return 0;
  }
  std::unordered_set<std::string> defined;
  for (const auto& product : parsed->products) {
    Check(!product.product_id.empty());
    Check(defined.insert(product.product_id).second);
  }
  for (const auto& vulnerability : parsed->vulnerabilities) {
    for (const auto* list :
         {&vulnerability.product_status.known_affected, &vulnerability.product_status.fixed,
          &vulnerability.product_status.known_not_affected}) {
      for (const auto& id : *list) Check(defined.count(id) == 1);
    }
    for (const auto& remediation : vulnerability.remediations) {
      for (const auto& id : remediation.product_ids) Check(defined.count(id) == 1);
    }
  }
  const auto again = ParseCsaf(text);
  Check(again.has_value() && again->products.size() == parsed->products.size() &&
        again->vulnerabilities.size() == parsed->vulnerabilities.size());
  return 0;
}
