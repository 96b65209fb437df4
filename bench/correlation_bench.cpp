// Correlation of new bundles against a loaded intel store (the aim: a bundle of 10,000
// indicators against a store of 1,000,000 in at most 1 s). Loads STORE_FILE into the EU
// indicators collection as one hospital's (skipped when the database already holds objects, so
// one load serves many runs), then for each QUERY_FILE: reads and validates its objects, takes
// their observables (ObservablesOfObject) and correlates them as an analyst of a hospital in
// another Member State (a reader's scope, not the system's: every lookup goes through the TLP
// predicate), `runs` times. Prints the load rate, and per query file the values, hits and the
// best and median wall time of the correlation.
//
//   correlation_bench DATABASE_URL STORE_FILE QUERY_FILE... [--runs N] [--related N]
//
// Exit status: 0 on success, 1 on a usage, setup or I/O error, 2 when a load or a correlation
// failed.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <boost/json.hpp>
#include <sys/resource.h>

#include "core/clock.h"
#include "core/random.h"
#include "identity/crypto.h"
#include "identity/service.h"
#include "intel/analysis.h"
#include "intel/observables.h"
#include "intel/stix.h"
#include "intel/store.h"
#include "intel/warninglist.h"
#include "storage/database.h"

namespace {

namespace intel = caduceus::intel;
namespace identity = caduceus::identity;
namespace storage = caduceus::storage;
using Clock = std::chrono::steady_clock;

double Since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

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

std::int64_t MakeOrg(identity::IdentityService& ids,
                     const std::string& name,
                     identity::OrgKind kind,
                     std::optional<std::int64_t> parent,
                     std::optional<std::string> country) {
  for (const auto& o : ids.ListOrganisations(identity::Actor::System())) {
    if (o.name == name) return o.id;
  }
  identity::NewOrganisation org;
  org.name = name;
  org.kind = kind;
  org.parent_id = parent;
  org.country = std::move(country);
  if (kind == identity::OrgKind::kProvider) {
    org.provider_type = "hospital";
    org.size_band = "large";
  }
  auto created = ids.CreateOrganisation(identity::Actor::System(), org);
  if (!created) throw std::runtime_error(name + ": " + created.error().message);
  return created->id;
}

// The observables of every valid object of a bundle file, sorted and without duplicates.
std::vector<intel::Observable> ObservablesOfFile(const std::string& path, std::size_t& objects) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + path);
  std::stringstream text;
  text << in.rdbuf();
  auto bundle = boost::json::parse(text.str()).as_object();
  std::vector<intel::Observable> out;
  objects = 0;
  for (auto& value : bundle.at("objects").as_array()) {
    auto object = intel::ValidateStixObject(std::move(value.as_object()));
    if (!object) continue;
    ++objects;
    for (auto& o : intel::ObservablesOfObject(*object)) out.push_back(std::move(o));
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> files;
  int runs = 5;
  std::size_t related = 20;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--runs" && i + 1 < argc) {
      runs = std::max(1, std::atoi(argv[++i]));
    } else if (arg == "--related" && i + 1 < argc) {
      related = std::strtoull(argv[++i], nullptr, 10);
    } else {
      files.push_back(arg);
    }
  }
  if (files.size() < 3) {
    std::fprintf(stderr,
                 "usage: %s DATABASE_URL STORE_FILE QUERY_FILE... [--runs N] [--related N]\n",
                 argv[0]);
    return 1;
  }
  try {
    caduceus::InitCrypto();
    auto db = storage::Database::Open(files[0]);
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
    const auto centre =
        MakeOrg(ids, "EU Support Centre", identity::OrgKind::kSupportCentre, {}, {});
    const auto de = MakeOrg(ids, "BSI", identity::OrgKind::kAuthority, centre, "DE");
    const auto fr = MakeOrg(ids, "ANSSI", identity::OrgKind::kAuthority, centre, "FR");
    const auto producer = MakeOrg(ids, "Charite", identity::OrgKind::kProvider, de, {});
    const auto reader_org = MakeOrg(ids, "AP-HP", identity::OrgKind::kProvider, fr, {});
    intel::IntelService store(**db, clock, ids, std::make_shared<intel::Warninglists>());
    if (auto st = store.EnsureDefaultRoots(); !st) {
      std::fprintf(stderr, "setup: %s\n", st.error().message.c_str());
      return 1;
    }
    std::int64_t collection = 0;
    for (const auto& c : *store.ListCollections(identity::Actor::System(), "eu")) {
      if (c.alias == "indicators") collection = c.id;
    }
    std::printf("database        %s\n",
                (*db)->dialect() == storage::Dialect::kSqlite ? "SQLite" : "PostgreSQL");

    const auto stored = (*db)->QueryOne("SELECT COUNT(*) FROM intel_objects")->Int(0);
    if (stored == 0) {
      std::ifstream in(files[1], std::ios::binary);
      if (!in) {
        std::fprintf(stderr, "cannot open %s\n", files[1].c_str());
        return 1;
      }
      const auto start = Clock::now();
      auto summary = store.Import(collection, producer, in, intel::SubmitOptions{}, {}, 10000);
      const double seconds = Since(start);
      if (!summary) {
        std::fprintf(stderr, "load failed: %s\n", summary.error().message.c_str());
        return 2;
      }
      std::printf("load            %llu objects in %.1f s (%.0f objects/s, index included)\n",
                  static_cast<unsigned long long>(summary->accepted), seconds,
                  static_cast<double>(summary->accepted) / seconds);
    }
    std::printf(
        "store           %lld objects, %lld indexed values, %lld value links\n",
        static_cast<long long>((*db)->QueryOne("SELECT COUNT(*) FROM intel_objects")->Int(0)),
        static_cast<long long>((*db)->QueryOne("SELECT COUNT(*) FROM intel_corr_values")->Int(0)),
        static_cast<long long>((*db)->QueryOne("SELECT COUNT(*) FROM intel_corr_refs")->Int(0)));

    identity::Principal reader;
    reader.user_id = 1;
    reader.username = "bench";
    reader.organisation_id = reader_org;
    reader.org_kind = identity::OrgKind::kProvider;
    reader.org_parent_id = fr;
    reader.role = identity::Role::kAnalyst;
    reader.scopes = {identity::Scope::kRead, identity::Scope::kWrite};
    intel::IntelAnalysis analysis(**db, clock, store);

    for (std::size_t f = 2; f < files.size(); ++f) {
      std::size_t objects = 0;
      const auto parse_start = Clock::now();
      const auto values = ObservablesOfFile(files[f], objects);
      const double parse = Since(parse_start);
      std::vector<double> times;
      std::vector<double> cpu_times;
      std::size_t hits = 0, related_total = 0, capped = 0;
      for (int run = 0; run < runs; ++run) {
        hits = related_total = capped = 0;
        const auto start = Clock::now();
        const double cpu_start = CpuSeconds();
        for (std::size_t at = 0; at < values.size(); at += intel::IntelAnalysis::kMaxValues) {
          const std::size_t n = std::min(intel::IntelAnalysis::kMaxValues, values.size() - at);
          auto report = analysis.CorrelateValues(
              identity::Actor::Of(reader),
              std::span<const intel::Observable>(values.data() + at, n), related);
          if (!report) {
            std::fprintf(stderr, "correlate: %s\n", report.error().message.c_str());
            return 2;
          }
          for (const auto& v : report->values) {
            if (v.objects > 0) ++hits;
            if (v.capped) ++capped;
            related_total += v.related.size();
          }
        }
        times.push_back(Since(start));
        cpu_times.push_back(CpuSeconds() - cpu_start);
      }
      std::sort(times.begin(), times.end());
      std::sort(cpu_times.begin(), cpu_times.end());
      std::printf("query           %s\n", files[f].c_str());
      std::printf("  objects       %zu (parsed, validated, observables taken in %.3f s)\n", objects,
                  parse);
      std::printf("  values        %zu, %zu seen in the store, %zu capped, %zu related listed\n",
                  values.size(), hits, capped, related_total);
      std::printf("  correlate     best %.3f s, median %.3f s over %d runs (max_related %zu)\n",
                  times.front(), times[times.size() / 2], runs, related);
      std::printf(
          "  cpu           best %.3f s, median %.3f s (this process; a database server's "
          "is not included)\n",
          cpu_times.front(), cpu_times[cpu_times.size() / 2]);
    }
    std::printf("peak RSS        %ld KiB\n", PeakRssKib());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
