// Bulk ingest throughput of the intel store: streams a STIX bundle file into a fresh database
// with IntelService::Import (as `caduceus-hub intel import` does), and prints objects/s, MB/s,
// CPU time and peak RSS. Run by bench/intel_ingest_bench.sh, which generates the input, starts a
// scratch PostgreSQL, and measures `cat` and `sha256sum` on the same file beside it.
//
//   intel_ingest_bench DATABASE_URL FILE [BATCH]
//
// DATABASE_URL must name an empty database (sqlite:///path or postgresql://...). The schema is
// created, a support centre and an authority are added, and the objects go into the EU
// indicators collection as the support centre's.
//
// Exit status: 0 when the whole input was stored with no rejected object, 1 on a usage, setup or
// I/O error, 2 when the import failed or rejected objects.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>

#include <sys/resource.h>

#include "core/clock.h"
#include "core/random.h"
#include "identity/crypto.h"
#include "identity/service.h"
#include "intel/analysis.h"
#include "intel/store.h"
#include "intel/warninglist.h"
#include "storage/database.h"

namespace {

namespace intel = caduceus::intel;
namespace identity = caduceus::identity;
namespace storage = caduceus::storage;

double CpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const auto seconds = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
  };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

long PeakRssKib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3 || argc > 4) {
    std::fprintf(stderr, "usage: %s DATABASE_URL FILE [BATCH]\n", argv[0]);
    return 1;
  }
  const std::size_t batch = argc == 4 ? std::strtoull(argv[3], nullptr, 10) : 10000;
  if (batch == 0 || batch > 100000) {
    std::fprintf(stderr, "batch must be 1 to 100000\n");
    return 1;
  }
  std::ifstream in(argv[2], std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "cannot open %s\n", argv[2]);
    return 1;
  }
  caduceus::InitCrypto();
  auto db = storage::Database::Open(argv[1]);
  if (!db) {
    std::fprintf(stderr, "database: %s\n", db.error().message.c_str());
    return 1;
  }
  storage::ApplyMigrations(**db, "identity", identity::IdentityService::Migrations());
  storage::ApplyMigrations(**db, "intel", intel::IntelService::Migrations());
  storage::ApplyMigrations(**db, "intel_analysis", intel::IntelAnalysis::Migrations());
  caduceus::SystemClock clock;
  identity::IdentityOptions options;
  options.secret_key = identity::SecretBox::GenerateKey();
  identity::IdentityService ids(**db, clock, options);
  identity::NewOrganisation centre;
  centre.name = "EU Support Centre";
  centre.kind = identity::OrgKind::kSupportCentre;
  auto sc = ids.CreateOrganisation(identity::Actor::System(), centre);
  if (!sc) {
    std::fprintf(stderr, "setup: %s\n", sc.error().message.c_str());
    return 1;
  }
  intel::IntelService store(**db, clock, ids, std::make_shared<intel::Warninglists>());
  if (auto st = store.EnsureDefaultRoots(); !st) {
    std::fprintf(stderr, "setup: %s\n", st.error().message.c_str());
    return 1;
  }
  auto collections = store.ListCollections(identity::Actor::System(), "eu");
  if (!collections || collections->empty()) {
    std::fprintf(stderr, "setup: no EU collection\n");
    return 1;
  }
  std::int64_t collection = collections->front().id;
  for (const auto& c : *collections) {
    if (c.alias == "indicators") collection = c.id;
  }

  std::uint64_t bytes = 0;
  const double cpu_start = CpuSeconds();
  const auto start = std::chrono::steady_clock::now();
  auto summary = store.Import(
      collection, sc->id, in, intel::SubmitOptions{},
      [&](std::uint64_t read, std::uint64_t) { bytes = read; }, batch);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double cpu = CpuSeconds() - cpu_start;
  if (!summary) {
    std::fprintf(stderr, "import failed: %s %s\n", summary.error().field.c_str(),
                 summary.error().message.c_str());
    return 2;
  }
  const auto objects = static_cast<double>(summary->accepted + summary->duplicates);
  std::printf("database        %s\n",
              (*db)->dialect() == storage::Dialect::kSqlite ? "SQLite" : "PostgreSQL");
  std::printf("file            %s\n", argv[2]);
  std::printf("batch           %zu objects per transaction\n", batch);
  std::printf("bytes           %llu\n", static_cast<unsigned long long>(bytes));
  std::printf("objects         %llu stored, %llu duplicates, %llu rejected\n",
              static_cast<unsigned long long>(summary->accepted),
              static_cast<unsigned long long>(summary->duplicates),
              static_cast<unsigned long long>(summary->rejected));
  for (const auto& f : summary->first_failures) {
    std::printf("rejected        #%zu %s %s: %s\n", f.index, f.id.c_str(), f.error.field.c_str(),
                f.error.message.c_str());
    break;
  }
  std::printf("wall            %.3f s\n", seconds);
  std::printf("cpu             %.3f s (this process; the database server's is not included)\n",
              cpu);
  std::printf("objects/s       %.0f\n", objects / seconds);
  std::printf("MB/s            %.1f\n", static_cast<double>(bytes) / 1e6 / seconds);
  std::printf("peak RSS        %ld KiB\n", PeakRssKib());
  return summary->rejected == 0 ? 0 : 2;
}
