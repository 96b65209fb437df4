// The early-warning pipeline on a whole sector, over SQLite: a sector from bench/gen_sector.py
// (5,000 providers x 400 assets by default) uploaded through InventoryService, every CSAF
// document of a directory and the KEV catalogue imported through AdvisoryService, then the
// figures issue 4 asks for:
//   * full initial match: AlertService matching every advisory against every inventory, alerts
//     and items committed (the 2 million assets are read from the database into the index first);
//   * one new advisory: Import -> change listener -> alert rows and events committed;
//   * an upload of 10,000 CycloneDX components: parsed, stored and matched;
//   * precision and recall of the alert items in the database against the generator's truth.
// A timed main, not Google Benchmark: each figure is one long run.
//
//   early_warning_bench --sector DIR [--csaf DIR] [--kev FILE] [--db FILE]
#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <unordered_map>
#include <vector>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "advisories/alerts.h"
#include "advisories/events.h"
#include "advisories/inventories.h"
#include "advisories/inventory.h"
#include "advisories/service.h"
#include "core/random.h"
#include "identity/crypto.h"
#include "identity/model.h"
#include "identity/service.h"
#include "storage/database.h"

namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using namespace caduceus;
using namespace caduceus::advisories;
using BenchClock = std::chrono::steady_clock;
using identity::Actor;

double Seconds(BenchClock::time_point since) {
  return std::chrono::duration<double>(BenchClock::now() - since).count();
}

// CPU seconds of this process so far (the machine is shared: wall time alone misleads).
double CpuSeconds() { return static_cast<double>(std::clock()) / CLOCKS_PER_SEC; }

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::vector<fs::path> Files(const fs::path& dir, std::string_view ext) {
  std::vector<fs::path> out;
  if (!fs::exists(dir)) return out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.is_regular_file() && e.path().extension() == ext) out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

template <class R>
const auto& Must(const R& r, std::string_view what) {
  if (!r) {
    fmt::print(stderr, "{}: {}\n", what, r.error().message);
    std::exit(1);
  }
  return *r;
}

struct Options {
  fs::path sector;
  fs::path csaf = "../shared/data/csaf";
  fs::path kev = "../shared/data/cisa-kev/known_exploited_vulnerabilities.json";
  fs::path db = "/tmp/early-warning-bench.db";
};

int Run(const Options& options) {
  std::map<std::string, double> figures;
  InitCrypto();
  fs::remove(options.db);
  fs::remove(options.db.string() + "-wal");
  fs::remove(options.db.string() + "-shm");
  auto opened = storage::Database::Open("sqlite://" + fs::absolute(options.db).string());
  Must(opened, "open");
  std::unique_ptr<storage::Database> db = std::move(*opened);
  storage::ApplyMigrations(*db, "identity", identity::IdentityService::Migrations());
  storage::ApplyMigrations(*db, "advisories", AdvisoryService::Migrations());
  storage::ApplyMigrations(*db, "advisories_inventory", AlertService::InventoryMigrations());
  storage::ApplyMigrations(*db, "advisories_alerts", AlertService::Migrations());
  SystemClock clock;
  identity::IdentityOptions id_options;
  id_options.secret_key = identity::SecretBox::GenerateKey();
  identity::IdentityService ids(*db, clock, id_options);
  AdvisoryService advisories(*db, clock, ids);
  AlertService alerts(*db, clock, ids, advisories);
  InventoryService inventories(*db, clock, ids, alerts);

  // Organisations in bulk: the support centre, one authority per EU Member State, the providers.
  const auto inventory_files = Files(options.sector / "inventories", ".csv");
  std::unordered_map<std::int64_t, std::int64_t> org_of_provider;
  db->Transact([&](storage::Tx& tx) {
    auto add = [&](const std::string& name, std::string_view kind,
                   std::optional<std::int64_t> parent, std::optional<std::string> country) {
      return tx
          .One(
              "INSERT INTO organisations (name, kind, parent_id, country, provider_type, "
              "size_band, require_totp, created_at) VALUES (?, ?, ?, ?, ?, ?, 0, 0) RETURNING id",
              {storage::Text(name), storage::Text(std::string(kind)),
               parent ? storage::Value(*parent) : storage::Null(), storage::OptText(country),
               kind == "provider" ? storage::Value(std::string("hospital")) : storage::Null(),
               kind == "provider" ? storage::Value(std::string("large")) : storage::Null()})
          ->Int(0);
    };
    const std::int64_t sc = add("EU Support Centre", "support_centre", std::nullopt, std::nullopt);
    std::vector<std::int64_t> authorities;
    const auto codes = identity::MemberStateCodes();
    for (std::size_t i = 0; i < 27 && i < codes.size(); ++i) {
      authorities.push_back(
          add(fmt::format("Authority {}", codes[i]), "authority", sc, std::string(codes[i])));
    }
    for (const auto& path : inventory_files) {
      const std::int64_t provider = std::stoll(path.stem().string().substr(1));
      org_of_provider[provider] =
          add(path.stem().string(), "provider",
              authorities[static_cast<std::size_t>(provider) % authorities.size()], std::nullopt);
    }
  });

  // The inventories, through InventoryService (nothing to match yet).
  auto t = BenchClock::now();
  double cpu_sector_upload = CpuSeconds();
  std::size_t assets = 0;
  for (const auto& path : inventory_files) {
    UploadRequest req;
    req.org_id = org_of_provider.at(std::stoll(path.stem().string().substr(1)));
    req.format = "csv";
    req.file_name = path.filename().string();
    req.content = ReadFile(path);
    assets +=
        static_cast<std::size_t>(Must(inventories.Upload(Actor::System(), req), "upload").added);
  }
  figures["sector_upload_s"] = Seconds(t);
  figures["sector_upload_cpu_s"] = CpuSeconds() - cpu_sector_upload;
  figures["sector_assets"] = static_cast<double>(assets);
  figures["sector_providers"] = static_cast<double>(inventory_files.size());

  // Every CSAF document and the KEV catalogue, stored without matching.
  advisories.SetChangeListener([](std::int64_t) {});
  t = BenchClock::now();
  std::size_t imported = 0, rejected = 0;
  for (const auto& path : Files(options.csaf, ".json")) {
    if (advisories.Import(Actor::System(), ReadFile(path), kSourceDirectory)) {
      ++imported;
    } else {
      ++rejected;
    }
  }
  if (fs::exists(options.kev))
    Must(advisories.ImportKev(Actor::System(), ReadFile(options.kev)), "kev");
  figures["advisories_imported"] = static_cast<double>(imported);
  figures["documents_rejected"] = static_cast<double>(rejected);
  figures["advisories_import_s"] = Seconds(t);

  // The full initial match.
  t = BenchClock::now();
  double cpu_full_initial_match = CpuSeconds();
  const AlertChanges initial = Must(alerts.CatchUp(), "catch up");
  figures["full_initial_match_s"] = Seconds(t);
  figures["full_initial_match_cpu_s"] = CpuSeconds() - cpu_full_initial_match;
  figures["alerts_created"] = initial.created;
  figures["alert_items"] =
      static_cast<double>(db->QueryOne("SELECT COUNT(*) FROM adv_alert_items")->Int(0));

  // One new advisory: the Engage advisory under a new tracking id, through the change listener.
  advisories.SetChangeListener([&alerts](std::int64_t id) { (void)alerts.MatchAdvisory(id); });
  const auto engage = Files(options.csaf, ".json");
  fs::path engage_path;
  for (const auto& p : engage) {
    if (p.filename() == "icsma-22-006-01.json") engage_path = p;
  }
  if (!engage_path.empty()) {
    double best = 1e9;
    std::int64_t created = 0;
    for (int i = 0; i < 3; ++i) {
      json::value doc = json::parse(ReadFile(engage_path));
      doc.at("document").at("tracking").at("id") = fmt::format("BENCH-NEW-{}", i);
      const std::int64_t before = Must(LastEventId(*db), "events");
      const auto start = BenchClock::now();
      const auto outcome = advisories.Import(Actor::System(), json::serialize(doc), kSourceUpload);
      Must(outcome, "import new");
      if (i == 0) fmt::print("new advisory: {} {}\n", outcome->key, ToString(outcome->outcome));
      const auto events = Must(EventsAfter(*db, before, 10'000), "events after");
      best = std::min(best, Seconds(start));
      created = 0;
      for (const auto& e : events) created += e.kind == "alert.created" ? 1 : 0;
    }
    figures["new_advisory_to_events_s"] = best;
    figures["new_advisory_alerts"] = static_cast<double>(created);
  }

  // An upload of 10,000 CycloneDX components to a new provider: rows of the sector's first
  // inventories (planted products included), as device components.
  {
    json::array components;
    for (const auto& path : inventory_files) {
      auto inv = ParseInventoryCsv(ReadFile(path));
      if (!inv) continue;
      for (const Asset& a : inv->assets) {
        if (components.size() >= 10'000) break;
        json::object c{{"type", "device"},
                       {"name", a.product},
                       {"bom-ref", fmt::format("c{}", components.size())},
                       {"manufacturer", json::object{{"name", a.vendor}}}};
        if (!a.version.empty()) c["version"] = a.version;
        json::array props{json::object{{"name", "serialNumber"},
                                       {"value", fmt::format("CDX-{}", components.size())}}};
        if (!a.model_number.empty()) {
          props.push_back(json::object{{"name", "modelNumber"}, {"value", a.model_number}});
        }
        c["properties"] = std::move(props);
        components.push_back(std::move(c));
      }
      if (components.size() >= 10'000) break;
    }
    const std::string bom = json::serialize(json::object{{"bomFormat", "CycloneDX"},
                                                         {"specVersion", "1.6"},
                                                         {"version", 1},
                                                         {"components", std::move(components)}});
    std::int64_t org = 0;
    db->Transact([&](storage::Tx& tx) {
      org = tx.One(
                  "INSERT INTO organisations (name, kind, parent_id, country, provider_type, "
                  "size_band, require_totp, created_at) VALUES ('cdx bench', 'provider', 2, NULL, "
                  "'hospital', 'large', 0, 0) RETURNING id")
                ->Int(0);
    });
    UploadRequest req;
    req.org_id = org;
    req.file_name = "sbom.json";
    req.content = bom;
    t = BenchClock::now();
    const double cpu = CpuSeconds();
    const UploadResult r = Must(inventories.Upload(Actor::System(), req), "cyclonedx upload");
    figures["cyclonedx_10k_upload_s"] = Seconds(t);
    figures["cyclonedx_10k_upload_cpu_s"] = CpuSeconds() - cpu;
    figures["cyclonedx_10k_assets"] = static_cast<double>(r.added);
    figures["cyclonedx_10k_alerts"] = r.alerts.created;
  }

  // Precision and recall of the alert items against the truth: asset rows are stored in file
  // order, so the k-th asset of a provider is the k-th row its CSV parses to.
  std::unordered_map<std::int64_t, std::pair<std::int64_t, std::size_t>>
      where;  // asset → (p, line)
  for (const auto& path : inventory_files) {
    const std::int64_t provider = std::stoll(path.stem().string().substr(1));
    auto inv = ParseInventoryCsv(ReadFile(path));
    const auto asset_ids = db->Query("SELECT id FROM adv_assets WHERE org_id = ? ORDER BY id",
                                     {storage::Int(org_of_provider.at(provider))});
    for (std::size_t k = 0; k < asset_ids.rows.size() && inv && k < inv->assets.size(); ++k) {
      where[asset_ids.rows[k].Int(0)] = {provider, inv->assets[k].line};
    }
  }
  auto key = [](std::int64_t provider, std::size_t line, const std::string& cve) {
    return fmt::format("{}:{}:{}", provider, line, cve);
  };
  std::unordered_map<std::string, int> found;  // 2 affected, 1 possibly
  for (const auto& r : db->Query("SELECT i.asset_id, i.cve, i.decision FROM adv_alert_items i "
                                 "JOIN adv_alerts a ON a.id = i.alert_id WHERE a.advisory_key "
                                 "NOT LIKE '% BENCH-NEW-%'")
                           .rows) {
    const auto w = where.find(r.Int(0));
    if (w == where.end()) continue;
    int& rank = found[key(w->second.first, w->second.second, r.Text(1))];
    rank = std::max(rank, r.Text(2) == "affected" ? 2 : 1);
  }
  std::size_t tp = 0, fp = 0, fn = 0, atp = 0, afp = 0, afn = 0;
  std::unordered_map<std::string, int> truth;
  {
    std::ifstream in(options.sector / "truth.tsv");
    std::string line;
    std::getline(in, line);
    while (std::getline(in, line)) {
      std::istringstream fields(line);
      std::int64_t provider = 0;
      std::size_t row = 0;
      std::string cve, label;
      fields >> provider >> row >> cve >> label;
      truth[key(provider, row, cve)] = label == "affected" ? 2 : label == "possibly" ? 1 : 0;
    }
  }
  for (const auto& [k, rank] : truth) {
    const auto f = found.find(k);
    const int got = f == found.end() ? 0 : f->second;
    if (rank == 2 && got == 2) ++tp;
    if (rank == 2 && got != 2) ++fn;
    if (rank >= 1 && got >= 1) ++atp;
    if (rank >= 1 && got == 0) ++afn;
  }
  for (const auto& [k, got] : found) {
    const auto t_it = truth.find(k);
    const int rank = t_it == truth.end() ? 0 : t_it->second;
    if (got == 2 && rank != 2) ++fp;
    if (got >= 1 && rank == 0) ++afp;
  }
  auto ratio = [](std::size_t a, std::size_t b) {
    return b == 0 ? 1.0 : static_cast<double>(a) / static_cast<double>(b);
  };
  figures["precision_affected"] = ratio(tp, tp + fp);
  figures["recall_affected"] = ratio(tp, tp + fn);
  figures["precision_alert_items"] = ratio(atp, atp + afp);
  figures["recall_alert_items"] = ratio(atp, atp + afn);

  fmt::print("\n{:<34} {:>14}\n", "figure", "value");
  for (const auto& [name, value] : figures) fmt::print("{:<34} {:>14.4f}\n", name, value);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const std::string value = argv[i + 1];
    if (flag == "--sector") {
      options.sector = value;
    } else if (flag == "--csaf") {
      options.csaf = value;
    } else if (flag == "--kev") {
      options.kev = value;
    } else if (flag == "--db") {
      options.db = value;
    } else {
      fmt::print(stderr, "unknown flag {}\n", flag);
      return 2;
    }
  }
  if (options.sector.empty() || argc % 2 == 0) {
    fmt::print(stderr,
               "usage: early_warning_bench --sector DIR [--csaf DIR] [--kev FILE] [--db FILE]\n");
    return 2;
  }
  return Run(options);
}
