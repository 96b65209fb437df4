// Version ranges and version comparison on arbitrary bytes. Input: one byte choosing the scheme,
// then "<version>\n<range>". Parsing must fail with an Invalid error or yield a range whose
// verdicts always carry a reason; comparison must be antisymmetric (a < b exactly when b > a)
// and every version equals itself once it parses.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "advisories/version.h"

namespace {

using caduceus::advisories::CompareVersion;
using caduceus::advisories::Ordering;
using caduceus::advisories::VersionRange;
using caduceus::advisories::VersionScheme;

void Check(bool condition) {
  if (!condition) __builtin_trap();
}

Ordering Reverse(Ordering o) {
  if (o == Ordering::kLess) return Ordering::kGreater;
  if (o == Ordering::kGreater) return Ordering::kLess;
  return o;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const auto scheme = static_cast<VersionScheme>(data[0] % 5);
  const std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  const std::size_t newline = rest.find('\n');
  const std::string_view version = rest.substr(0, newline);
  const std::string_view range =
      newline == std::string_view::npos ? std::string_view() : rest.substr(newline + 1);

  const auto parsed = VersionRange::Parse(range, scheme);
  if (!parsed) {
    Check(parsed.error().code == caduceus::Errc::kInvalidArgument);
    Check(!parsed.error().message.empty());
  } else {
    Check(!parsed->text().empty());
    Check(!parsed->Describe().empty());
    const auto verdict = parsed->Contains(version);
    Check(!verdict.reason.empty());
    Check(parsed->Contains(version).verdict == verdict.verdict);
  }

  const auto forward = CompareVersion(version, range, scheme);
  const auto backward = CompareVersion(range, version, scheme);
  Check(forward.order != Ordering::kUnordered || !forward.reason.empty());
  if (forward.order == Ordering::kLess || forward.order == Ordering::kGreater) {
    Check(backward.order == Reverse(forward.order));
  }
  const auto self = CompareVersion(version, version, scheme);
  Check(self.order == Ordering::kEqual || self.order == Ordering::kUnordered);
  return 0;
}
