// The sweep index loader on arbitrary bytes: Index::FromBytes must refuse or accept without
// crashing, and an accepted index must be safe to match against and to read every indicator of.
// The first byte says whether the rest is taken as it is or sealed first (its checksum rewritten,
// SealIndexBytes), so that mutations reach the structural checks behind the checksum. The line
// filter derived from an accepted index is run too.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sweep/index.h"
#include "sweep/line_filter.h"

namespace {

void Check(bool condition) {
  if (!condition) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  using caduceus::intel::ObservableKind;
  using caduceus::sweep::Index;
  std::string bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  if ((data[0] & 1) != 0) bytes = caduceus::sweep::SealIndexBytes(std::move(bytes));
  auto index = Index::FromBytes(bytes);
  if (!index) return 0;
  Check(index->bytes() == bytes);
  struct Probe {
    ObservableKind kind;
    std::string_view value;
  };
  static constexpr Probe kProbes[] = {
      {ObservableKind::kDomain, "a.b.evil.example"},
      {ObservableKind::kDomain, "xn--bcher-kva.example."},
      {ObservableKind::kIpv4, "10.1.2.3"},
      {ObservableKind::kIpv6, "2001:db8::5"},
      {ObservableKind::kIpv6, "::ffff:192.0.2.1"},
      {ObservableKind::kUrl, "http://x.example/abc?d=e"},
      {ObservableKind::kEmail, "boss@evil.example"},
      {ObservableKind::kMd5, "d41d8cd98f00b204e9800998ecf8427e"},
      {ObservableKind::kSha256, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"},
      {ObservableKind::kFileName, "mimikatz.exe"},
  };
  std::vector<caduceus::sweep::Hit> hits;
  for (const Probe& p : kProbes) index->Match(p.kind, p.value, hits);
  // The line filter derived from the keys, on a line with a run of every kind it probes.
  caduceus::sweep::LineFilter filter(*index);
  filter.MayMatch(
      "GET http://A.b.evil.example./x 10.1.2.3 [2001:db8::5]:80 ::ffff:192.0.2.1 "
      "d41d8cd98f00b204e9800998ecf8427e boss@evil.example C:\\x\\mimikatz.exe ev%69l.example "
      "{\"m\":\"a\\nxn--bcher-kva.example\"}");
  for (const auto& h : hits) {
    Check(h.indicator < index->size());
    if (h.compound) Check(h.clause < index->indicator(h.indicator).clauses);
  }
  std::size_t total = 0;  // every byte of every id and name is read
  for (std::uint32_t i = 0; i < index->size(); ++i) {
    const auto view = index->indicator(i);
    for (char c : view.id) total += static_cast<unsigned char>(c);
    for (char c : view.collection) total += static_cast<unsigned char>(c);
    for (std::uint32_t c = 0; view.compound && c < view.clauses; ++c) {
      Check(index->clause_terms(i, c) >= 1);
    }
  }
  volatile std::size_t sink = total;
  static_cast<void>(sink);
  return 0;
}
