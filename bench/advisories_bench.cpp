// Google Benchmark for the pure matching libraries: version comparison and range checks (parsed
// once, and parsed on every call), CPE matching, and parsing a generated CycloneDX BOM and CSV
// inventory of 10,000 components each (the issue's upload bound is 10,000 components parsed,
// stored and matched within 2 s; parsing is the part measured here).
#include <string>
#include <vector>

#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include "advisories/cpe.h"
#include "advisories/inventory.h"
#include "advisories/names.h"
#include "advisories/version.h"

namespace caduceus::advisories {
namespace {

std::vector<std::string> Versions() {
  std::vector<std::string> out;
  for (int major = 1; major <= 10; ++major) {
    for (int minor = 0; minor < 10; ++minor) {
      out.push_back(fmt::format("V{}.{}.{}", major, minor, (major * 7 + minor) % 13));
      out.push_back(fmt::format("{}.{} SP{}", major, minor, minor % 3));
    }
  }
  return out;
}

const std::vector<std::string> kRanges = {
    "<= 6.2.1", "vers:all/<V3.1.4",    ">=R9.01|<=R10.04", "versions 2.0 through 2.4",
    "6.x",      "<V7.5_SP2_Update_18", "prior to 3.0",     "vers:generic/>=1.0|<2.3"};

void BM_CompareVersion(benchmark::State& state) {
  const std::vector<std::string> versions = Versions();
  std::size_t i = 0;
  for (auto _ : state) {
    const std::string& a = versions[i % versions.size()];
    const std::string& b = versions[(i * 31 + 7) % versions.size()];
    benchmark::DoNotOptimize(CompareVersion(a, b));
    ++i;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_CompareVersion);

void BM_RangeContainsPreparsed(benchmark::State& state) {
  const std::vector<std::string> versions = Versions();
  std::vector<VersionRange> ranges;
  for (const std::string& text : kRanges) ranges.push_back(VersionRange::Parse(text).value());
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(
        ranges[i % ranges.size()].Contains(versions[(i * 13) % versions.size()]));
    ++i;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_RangeContainsPreparsed);

void BM_MatchParsingTheRangeEachTime(benchmark::State& state) {
  const std::vector<std::string> versions = Versions();
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(
        Match(versions[(i * 13) % versions.size()], kRanges[i % kRanges.size()]));
    ++i;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_MatchParsingTheRangeEachTime);

void BM_MatchCpe(benchmark::State& state) {
  const Cpe source = ParseCpe("cpe:2.3:a:philips:intellivue_*:*:*:*:*:*:*:*:*").value();
  const Cpe target = ParseCpe("cpe:2.3:a:philips:intellivue_mx40:b.06.18:*:*:*:*:*:*:*").value();
  for (auto _ : state) benchmark::DoNotOptimize(MatchCpe(source, target, true));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_MatchCpe);

void BM_CompareVendors(benchmark::State& state) {
  for (auto _ : state) {
    benchmark::DoNotOptimize(CompareVendors("Philips", "Koninklijke Philips N.V."));
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_CompareVendors);

// A device BOM: `count` components, every tenth holding two nested ones.
std::string CycloneDxBom(int count) {
  std::string json = R"({"bomFormat": "CycloneDX", "specVersion": "1.6", "components": [)";
  for (int i = 0; i < count; ++i) {
    if (i > 0) json += ',';
    const bool parent = i % 10 == 0 && i + 2 < count;
    json += fmt::format(
        R"({{"type": "library", "name": "component-{0}", "version": "{1}.{2}.{3}",
            "supplier": {{"name": "Vendor {4}"}}, "purl": "pkg:npm/component-{0}@{1}.{2}.{3}",
            "cpe": "cpe:2.3:a:vendor_{4}:component-{0}:{1}.{2}.{3}:*:*:*:*:*:*:*",
            "properties": [{{"name": "cdx:device:modelNumber", "value": "M-{0}"}}])",
        i, i % 9, i % 17, i % 5, i % 50);
    if (parent) {
      json += fmt::format(
          R"(, "components": [{{"type": "firmware", "name": "fw-{0}", "version": "1.{0}"}},
                             {{"type": "library", "name": "lib-{0}", "version": "2.{0}"}}])",
          i);
      i += 2;
    }
    json += '}';
  }
  json += "]}";
  return json;
}

void BM_ParseCycloneDx10k(benchmark::State& state) {
  const std::string bom = CycloneDxBom(10'000);
  std::size_t assets = 0;
  for (auto _ : state) {
    const auto parsed = ParseCycloneDx(bom);
    assets = parsed->assets.size();
    benchmark::DoNotOptimize(assets);
  }
  state.counters["components"] = static_cast<double>(assets);
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bom.size()));
}
BENCHMARK(BM_ParseCycloneDx10k)->Unit(benchmark::kMillisecond);

void BM_ParseInventoryCsv10k(benchmark::State& state) {
  std::string csv =
      "vendor,product,version,model number,serial,location,owner,network-connected,"
      "patient-safety critical\n";
  for (int i = 0; i < 10'000; ++i) {
    csv += fmt::format("\"Vendor {0}, Inc.\",Product {1},{2}.{3},M-{1},SN{1},Ward {0},IT,yes,no\n",
                       i % 50, i, i % 9, i % 17);
  }
  for (auto _ : state) benchmark::DoNotOptimize(ParseInventoryCsv(csv)->assets.size());
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * csv.size()));
}
BENCHMARK(BM_ParseInventoryCsv10k)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace caduceus::advisories

BENCHMARK_MAIN();
