// SQLite's own ceiling for the intel store's bulk load: the rows an import of COUNT indicators
// writes (one intel_objects row with a 420-byte body, one correlation value, one link), inserted
// straight through SQLite's C API with prepared statements into the real schema (the store's
// migrations), with the import's page cache and batch size. No parsing, no validation, no
// duplicate check: what is left is SQLite's work for the store's tables and indexes, so that
// intel_ingest_bench's rate can be read as a fraction of it. Values follow gen_iocs.py's mix
// (40% domains, 15% URLs, 20% IPv4, 25% hashes); keys are random, as real identifiers are.
//
//   sqlite_ceiling FILE COUNT [BATCH] [--no-indexes | --load-then-index]
//
// FILE must not exist. --no-indexes first drops every index that is not a table's own key or
// UNIQUE constraint (those stay), to show what the secondary indexes cost. --load-then-index is
// the fastest SQLite can take these rows at all, an upper bound for any bulk-load design: the
// three tables with the store's columns and no index or constraint, every row in one
// transaction, then every index of the store's schema (the UNIQUE keys included) built by
// CREATE INDEX, which sorts, before the one COMMIT. It is only possible into an empty store and
// holds the write lock for the whole load.
// Exit status: 0 on success, 1 on a usage, setup or SQLite error.
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include <sqlite3.h>

#include "identity/service.h"
#include "intel/analysis.h"
#include "intel/store.h"
#include "storage/database.h"

namespace {

namespace storage = caduceus::storage;

constexpr std::size_t kBodyBytes = 420;  // a gen_iocs.py indicator as the store keeps it

[[noreturn]] void Die(sqlite3* db, std::string_view what) {
  std::fprintf(stderr, "sqlite_ceiling: %.*s: %s\n", static_cast<int>(what.size()), what.data(),
               db ? sqlite3_errmsg(db) : "");
  std::exit(1);
}

void Exec(sqlite3* db, const std::string& sql) {
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) Die(db, sql);
}

sqlite3_stmt* Prepare(sqlite3* db, const char* sql) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr) != SQLITE_OK) Die(db, sql);
  return stmt;
}

void Step(sqlite3* db, sqlite3_stmt* stmt) {
  if (sqlite3_step(stmt) != SQLITE_DONE) Die(db, sqlite3_sql(stmt));
  sqlite3_reset(stmt);
}

void BindText(sqlite3_stmt* stmt, int index, std::string_view text) {
  sqlite3_bind_text(stmt, index, text.data(), static_cast<int>(text.size()), SQLITE_STATIC);
}

// The store's schema, created by its own migrations.
bool CreateSchema(const std::string& path) {
  auto db = storage::Database::Open("sqlite://" + path);
  if (!db) {
    std::fprintf(stderr, "sqlite_ceiling: %s\n", db.error().message.c_str());
    return false;
  }
  storage::ApplyMigrations(**db, "identity", caduceus::identity::IdentityService::Migrations());
  storage::ApplyMigrations(**db, "intel", caduceus::intel::IntelService::Migrations());
  storage::ApplyMigrations(**db, "intel_analysis", caduceus::intel::IntelAnalysis::Migrations());
  return true;
}

constexpr const char* kLoadedTables = "('intel_objects', 'intel_corr_values', 'intel_corr_refs')";

// --load-then-index: the loaded tables of the store at `schema_path`, recreated in `db` with
// the same columns and no index or constraint (the integer key stays the rowid, as in the
// store); returns the statements that build every index the store has on them.
std::vector<std::string> CreateBareTables(sqlite3* db, const std::string& schema_path) {
  sqlite3_stmt* attach = Prepare(db, "ATTACH DATABASE ? AS store");
  BindText(attach, 1, schema_path);
  Step(db, attach);
  sqlite3_finalize(attach);
  std::vector<std::string> tables;
  sqlite3_stmt* list = Prepare(db, (std::string("SELECT name FROM store.sqlite_schema WHERE "
                                                "type = 'table' AND name IN ") +
                                    kLoadedTables)
                                       .c_str());
  while (sqlite3_step(list) == SQLITE_ROW) {
    tables.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(list, 0)));
  }
  sqlite3_finalize(list);
  std::vector<std::string> indexes;
  for (const auto& table : tables) {
    std::string create = "CREATE TABLE main." + table + " (";
    sqlite3_stmt* columns = Prepare(db, ("PRAGMA store.table_info(" + table + ")").c_str());
    for (int n = 0; sqlite3_step(columns) == SQLITE_ROW; ++n) {
      const std::string name = reinterpret_cast<const char*>(sqlite3_column_text(columns, 1));
      const std::string type = reinterpret_cast<const char*>(sqlite3_column_text(columns, 2));
      const bool rowid = sqlite3_column_int(columns, 5) == 1 && type == "INTEGER";
      create += (n > 0 ? ", " : "") + name + " " + type + (rowid ? " PRIMARY KEY" : "");
    }
    sqlite3_finalize(columns);
    Exec(db, create + ")");
    sqlite3_stmt* index =
        Prepare(db, ("SELECT il.name, il.\"unique\", s.sql FROM pragma_index_list('" + table +
                     "', 'store') il LEFT JOIN store.sqlite_schema s ON s.name = il.name")
                        .c_str());
    while (sqlite3_step(index) == SQLITE_ROW) {
      const std::string name = reinterpret_cast<const char*>(sqlite3_column_text(index, 0));
      if (sqlite3_column_type(index, 2) != SQLITE_NULL) {
        indexes.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(index, 2)));
        continue;
      }
      std::string keys;  // a UNIQUE or PRIMARY KEY constraint's own index
      sqlite3_stmt* info = Prepare(
          db,
          ("SELECT name FROM pragma_index_info('" + name + "', 'store') ORDER BY seqno").c_str());
      while (sqlite3_step(info) == SQLITE_ROW) {
        keys += (keys.empty() ? "" : ", ") +
                std::string(reinterpret_cast<const char*>(sqlite3_column_text(info, 0)));
      }
      sqlite3_finalize(info);
      indexes.push_back(
          std::string(sqlite3_column_int(index, 1) ? "CREATE UNIQUE INDEX " : "CREATE INDEX ") +
          table + "_key" + std::to_string(indexes.size()) + " ON " + table + " (" + keys + ")");
    }
    sqlite3_finalize(index);
  }
  Exec(db, "DETACH DATABASE store");
  return indexes;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string_view> args(argv + 1, argv + argc);
  bool indexes = true;
  bool load_then_index = false;
  if (!args.empty() && args.back() == "--no-indexes") {
    indexes = false;
    args.pop_back();
  } else if (!args.empty() && args.back() == "--load-then-index") {
    load_then_index = true;
    args.pop_back();
  }
  if (args.size() < 2 || args.size() > 3) {
    std::fprintf(stderr, "usage: %s FILE COUNT [BATCH] [--no-indexes | --load-then-index]\n",
                 argv[0]);
    return 1;
  }
  const std::string path(args[0]);
  const long long count = std::atoll(std::string(args[1]).c_str());
  const long long batch = args.size() == 3 ? std::atoll(std::string(args[2]).c_str()) : 10000;
  if (count < 1 || batch < 1 || std::filesystem::exists(path)) {
    std::fprintf(stderr, "sqlite_ceiling: COUNT and BATCH must be positive, FILE new\n");
    return 1;
  }
  const std::string schema_path = path + ".schema";
  if (!CreateSchema(load_then_index ? schema_path : path)) return 1;

  sqlite3* db = nullptr;
  if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) Die(db, "open");
  Exec(db, "PRAGMA journal_mode = WAL");
  Exec(db, "PRAGMA synchronous = NORMAL");
  Exec(db, "PRAGMA cache_size = -262144");  // the import's page cache
  Exec(db, "PRAGMA wal_autocheckpoint = 32768");
  std::vector<std::string> build;
  if (load_then_index) {
    build = CreateBareTables(db, schema_path);
    std::filesystem::remove(schema_path);
  }
  const long long per_transaction = load_then_index ? count : batch;
  if (!indexes) {
    std::vector<std::string> names;
    sqlite3_stmt* list = Prepare(db,
                                 "SELECT name FROM sqlite_schema WHERE type = 'index' AND "
                                 "sql IS NOT NULL AND tbl_name LIKE 'intel_%'");
    while (sqlite3_step(list) == SQLITE_ROW) {
      names.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(list, 0)));
    }
    sqlite3_finalize(list);
    for (const auto& name : names) Exec(db, "DROP INDEX " + name);
  }

  sqlite3_stmt* object = Prepare(
      db,
      "INSERT INTO intel_objects (collection_id, stix_id, type, spec_version, version, "
      "version_ns, date_added_us, producer_id, producer_parent_id, tlp, is_latest, revoked, "
      "valid_until_us, confidence, warninglisted, name, name_lc, body) VALUES (1, ?, "
      "'indicator', '2.1', '2026-11-01T00:00:00.000Z', 1793491200000000000, ?, 1, NULL, 1, 1, "
      "0, NULL, 80, 0, ?, ?, ?)");
  sqlite3_stmt* value = Prepare(db,
                                "INSERT INTO intel_corr_values (kind, vkey, value, dkey, v4lo, "
                                "v4hi) VALUES (?, ?, ?, ?, ?, ?)");
  sqlite3_stmt* link =
      Prepare(db, "INSERT INTO intel_corr_refs (value_id, object_seq) VALUES (?, ?)");

  std::mt19937_64 random(1);
  const std::string body(kBodyBytes, 'x');
  const auto start = std::chrono::steady_clock::now();
  double loaded = 0;
  for (long long first = 0; first < count; first += per_transaction) {
    Exec(db, "BEGIN IMMEDIATE");
    const long long end = std::min(count, first + per_transaction);
    for (long long i = first; i < end; ++i) {
      char id[64];
      char text[96];
      char reversed[96];
      std::snprintf(id, sizeof id, "indicator--%08" PRIx64 "-0000-4000-8000-%012" PRIx64,
                    random() & 0xffffffff, random() & 0xffffffffffff);
      // Per 20: 8 domains and 3 URLs (with the reversed host), 4 IPv4 addresses, 5 hashes.
      const int kind = static_cast<int>(i % 20);
      std::string_view kind_name;
      int size = 0;
      int host = 0;  // bytes of the host at the start of text, for the reversed-labels key
      int host_at = 0;
      if (kind < 8) {
        kind_name = "domain";
        size = std::snprintf(text, sizeof text, "%08" PRIx64 ".example-%lld.com",
                             random() & 0xffffffff, i);
        host = size;
      } else if (kind < 11) {
        kind_name = "url";
        host_at = 7;
        host = std::snprintf(text, sizeof text, "http://%08" PRIx64 ".example-%lld.net",
                             random() & 0xffffffff, i) -
               host_at;
        size = host_at + host;
        size += std::snprintf(text + size, sizeof text - static_cast<std::size_t>(size),
                              "/%08" PRIx64 "/payload.bin", random() & 0xffffffff);
      } else if (kind < 15) {
        kind_name = "ipv4";
        const std::uint32_t a = static_cast<std::uint32_t>(i) * 2654435761U;  // distinct
        size = std::snprintf(text, sizeof text, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255,
                             (a >> 8) & 255, a & 255);
      } else {
        kind_name = "sha256";
        size = std::snprintf(text, sizeof text, "%016" PRIx64 "%016" PRIx64 "%016" PRIx64, random(),
                             random(), random());
      }
      const std::string_view v(text, static_cast<std::size_t>(size));
      BindText(object, 1, id);
      sqlite3_bind_int64(object, 2, 1793491200000000 + first);
      BindText(object, 3, v);
      BindText(object, 4, v);
      BindText(object, 5, body);
      Step(db, object);
      const sqlite3_int64 seq = sqlite3_last_insert_rowid(db);

      BindText(value, 1, kind_name);
      BindText(value, 2, v);
      BindText(value, 3, v);
      sqlite3_bind_null(value, 4);
      sqlite3_bind_null(value, 5);
      sqlite3_bind_null(value, 6);
      if (host > 0) {
        for (int k = 0; k < host; ++k) reversed[k] = text[host_at + host - 1 - k];
        sqlite3_bind_blob(value, 4, reversed, host, SQLITE_STATIC);
      } else if (kind_name == "ipv4") {
        const auto address =
            static_cast<sqlite3_int64>(static_cast<std::uint32_t>(i) * 2654435761U);
        sqlite3_bind_int64(value, 5, address);
        sqlite3_bind_int64(value, 6, address);
      }
      Step(db, value);
      sqlite3_bind_int64(link, 1, sqlite3_last_insert_rowid(db));
      sqlite3_bind_int64(link, 2, seq);
      Step(db, link);
    }
    if (load_then_index) {
      loaded = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      for (const auto& sql : build) Exec(db, sql);
    }
    Exec(db, "COMMIT");
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  sqlite3_finalize(object);
  sqlite3_finalize(value);
  sqlite3_finalize(link);
  sqlite3_close(db);
  std::printf("rows            %lld objects (each: object, value, link), batch %lld, %s\n", count,
              per_transaction,
              load_then_index ? "loaded bare, then the store's indexes built"
              : indexes       ? "the store's indexes"
                              : "no secondary index");
  std::printf("wall            %.3f s\n", seconds);
  if (load_then_index) {
    std::printf("rows loaded     %.3f s; %zu indexes built and committed in %.3f s\n", loaded,
                build.size(), seconds - loaded);
  }
  std::printf("objects/s       %.0f\n", static_cast<double>(count) / seconds);
  return 0;
}
