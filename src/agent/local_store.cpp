#include "agent/local_store.h"

#include <algorithm>
#include <map>
#include <set>
#include <stdexcept>
#include <string_view>
#include <variant>

#include <fcntl.h>
#include <fmt/format.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/random.h"

namespace caduceus::agent {

namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS collections (
  root_url TEXT NOT NULL, id TEXT NOT NULL, title TEXT NOT NULL,
  can_read INTEGER NOT NULL, can_write INTEGER NOT NULL, PRIMARY KEY (root_url, id));
CREATE TABLE IF NOT EXISTS cursors (
  root_url TEXT NOT NULL, id TEXT NOT NULL, added_after TEXT NOT NULL, next TEXT NOT NULL,
  run_added_after TEXT NOT NULL, PRIMARY KEY (root_url, id));
CREATE TABLE IF NOT EXISTS objects (
  id TEXT NOT NULL, version TEXT NOT NULL, version_ms INTEGER NOT NULL,
  collection TEXT NOT NULL, type TEXT NOT NULL, pattern_type TEXT NOT NULL, json TEXT NOT NULL,
  PRIMARY KEY (collection, id, version));
CREATE INDEX IF NOT EXISTS objects_type ON objects (type, collection, id, version_ms);
CREATE TABLE IF NOT EXISTS file_hits (
  file TEXT NOT NULL, indicator_id TEXT NOT NULL, collection TEXT NOT NULL,
  count INTEGER NOT NULL, first_ms INTEGER NOT NULL, last_ms INTEGER NOT NULL,
  PRIMARY KEY (file, indicator_id));
CREATE INDEX IF NOT EXISTS file_hits_indicator ON file_hits (indicator_id);
CREATE TABLE IF NOT EXISTS samples (
  indicator_id TEXT NOT NULL, file TEXT NOT NULL, line INTEGER NOT NULL, offset INTEGER NOT NULL,
  field TEXT NOT NULL, kind TEXT NOT NULL, value TEXT NOT NULL, context BLOB NOT NULL,
  time_ms INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS samples_file ON samples (file);
CREATE INDEX IF NOT EXISTS samples_indicator ON samples (indicator_id);
CREATE TABLE IF NOT EXISTS sightings (
  indicator_id TEXT PRIMARY KEY, collection TEXT NOT NULL, sighting_id TEXT NOT NULL,
  count INTEGER NOT NULL, first_ms INTEGER NOT NULL, last_ms INTEGER NOT NULL,
  created_ms INTEGER NOT NULL, modified_ms INTEGER NOT NULL, sent_modified_ms INTEGER NOT NULL);
INSERT OR IGNORE INTO meta (key, value) VALUES ('generation', 0);
)sql";

using Value = std::variant<std::nullptr_t, std::int64_t, std::string_view>;

class Stmt {
 public:
  Stmt(sqlite3* db, std::string_view sql) : db_(db) {
    if (sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &stmt_, nullptr) !=
        SQLITE_OK) {
      throw std::runtime_error(std::string("local store: ") + sqlite3_errmsg(db));
    }
  }
  ~Stmt() { sqlite3_finalize(stmt_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  Stmt& Bind(std::initializer_list<Value> values) {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
    int i = 1;
    for (const auto& v : values) {
      if (const auto* n = std::get_if<std::int64_t>(&v)) {
        sqlite3_bind_int64(stmt_, i, *n);
      } else if (const auto* s = std::get_if<std::string_view>(&v)) {
        sqlite3_bind_text64(stmt_, i, s->data(), s->size(), SQLITE_TRANSIENT, SQLITE_UTF8);
      } else {
        sqlite3_bind_null(stmt_, i);
      }
      ++i;
    }
    return *this;
  }
  // Steps once: true while a row is available.
  bool Step() {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    throw std::runtime_error(std::string("local store: ") + sqlite3_errmsg(db_));
  }
  void Run() {
    while (Step()) {
    }
  }
  std::int64_t Int(int col) const { return sqlite3_column_int64(stmt_, col); }
  std::string Text(int col) const {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_blob(stmt_, col));
    return p == nullptr
               ? std::string()
               : std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col)));
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

void Exec(sqlite3* db, const char* sql) {
  char* message = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &message) != SQLITE_OK) {
    std::string text = message != nullptr ? message : "unknown error";
    sqlite3_free(message);
    throw std::runtime_error("local store: " + text);
  }
}

Error StoreError(const std::exception& e) { return Error{Errc::kUnavailable, e.what(), {}}; }

std::string CollectionKey(std::string_view root_url, std::string_view id) {
  return fmt::format("{}|{}", root_url, id);
}

}  // namespace

struct LocalStore::Db {
  sqlite3* handle = nullptr;
  ~Db() { sqlite3_close_v2(handle); }

  // Runs `fn` in one IMMEDIATE transaction, rolled back when it throws.
  template <class Fn>
  void Transaction(Fn&& fn) {
    Exec(handle, "BEGIN IMMEDIATE");
    try {
      fn();
      Exec(handle, "COMMIT");
    } catch (...) {
      sqlite3_exec(handle, "ROLLBACK", nullptr, nullptr, nullptr);
      throw;
    }
  }
};

LocalStore::LocalStore(std::unique_ptr<Db> db) : db_(std::move(db)) {}
LocalStore::~LocalStore() = default;
LocalStore::LocalStore(LocalStore&&) noexcept = default;
LocalStore& LocalStore::operator=(LocalStore&&) noexcept = default;

Result<LocalStore> LocalStore::Open(const std::filesystem::path& state_dir) {
  const auto path = state_dir / kFileName;
  // Create the file with mode 0600 before SQLite does (it would use the umask).
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    return Error{Errc::kUnavailable, fmt::format("cannot open {}", path.string()), {}};
  }
  ::fchmod(fd, 0600);
  ::close(fd);
  auto db = std::make_unique<Db>();
  if (sqlite3_open_v2(path.c_str(), &db->handle, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW,
                      nullptr) != SQLITE_OK) {
    return Error{Errc::kUnavailable,
                 fmt::format("cannot open {}: {}", path.string(), sqlite3_errmsg(db->handle)),
                 {}};
  }
  sqlite3_busy_timeout(db->handle, 30'000);
  try {
    Exec(db->handle, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;");
    Exec(db->handle, kSchema);
  } catch (const std::exception& e) {
    return StoreError(e);
  }
  return LocalStore(std::move(db));
}

Status LocalStore::SetCollections(const std::string& root_url,
                                  const std::vector<StoredCollection>& list) {
  try {
    db_->Transaction([&] {
      Stmt(db_->handle, "DELETE FROM collections WHERE root_url = ?").Bind({root_url}).Run();
      Stmt insert(db_->handle,
                  "INSERT INTO collections (root_url, id, title, can_read, can_write) "
                  "VALUES (?, ?, ?, ?, ?)");
      for (const auto& c : list) {
        insert.Bind({root_url, c.id, c.title, std::int64_t{c.can_read}, std::int64_t{c.can_write}})
            .Run();
      }
    });
  } catch (const std::exception& e) {
    return StoreError(e);
  }
  return {};
}

std::vector<StoredCollection> LocalStore::Collections() const {
  std::vector<StoredCollection> out;
  Stmt s(db_->handle,
         "SELECT root_url, id, title, can_read, can_write FROM collections ORDER BY root_url, id");
  s.Bind({});
  while (s.Step()) out.push_back({s.Text(0), s.Text(1), s.Text(2), s.Int(3) != 0, s.Int(4) != 0});
  return out;
}

std::optional<SyncCursor> LocalStore::Cursor(const std::string& root_url,
                                             const std::string& id) const {
  Stmt s(db_->handle,
         "SELECT added_after, next, run_added_after FROM cursors WHERE root_url = ? AND id = ?");
  s.Bind({root_url, id});
  if (!s.Step()) return std::nullopt;
  return SyncCursor{s.Text(0), s.Text(1), s.Text(2)};
}

Result<std::size_t> LocalStore::StorePage(const std::string& root_url,
                                          const std::string& collection_id,
                                          const std::vector<StoredObject>& objects,
                                          const SyncCursor& cursor) {
  std::size_t added = 0;
  const std::string key = CollectionKey(root_url, collection_id);
  try {
    db_->Transaction([&] {
      Stmt insert(db_->handle,
                  "INSERT INTO objects (id, version, version_ms, collection, type, pattern_type, "
                  "json) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (collection, id, version) DO "
                  "UPDATE SET type = excluded.type, pattern_type = excluded.pattern_type, "
                  "json = excluded.json WHERE objects.json <> excluded.json");
      for (const auto& o : objects) {
        insert.Bind({o.id, o.version, o.version_ms, key, o.type, o.pattern_type, o.json}).Run();
        added += static_cast<std::size_t>(sqlite3_changes(db_->handle));
      }
      Stmt(db_->handle,
           "INSERT INTO cursors (root_url, id, added_after, next, run_added_after) "
           "VALUES (?, ?, ?, ?, ?) ON CONFLICT (root_url, id) DO UPDATE SET "
           "added_after = excluded.added_after, next = excluded.next, "
           "run_added_after = excluded.run_added_after")
          .Bind({root_url, collection_id, cursor.added_after, cursor.next, cursor.run_added_after})
          .Run();
      if (added > 0) {
        Stmt(db_->handle, "UPDATE meta SET value = value + 1 WHERE key = 'generation'")
            .Bind({})
            .Run();
      }
    });
  } catch (const std::exception& e) {
    return StoreError(e);
  }
  return added;
}

std::int64_t LocalStore::ObjectCount() const {
  Stmt s(db_->handle, "SELECT COUNT(*) FROM objects");
  s.Bind({});
  return s.Step() ? s.Int(0) : 0;
}

std::int64_t LocalStore::Generation() const {
  Stmt s(db_->handle, "SELECT value FROM meta WHERE key = 'generation'");
  s.Bind({});
  return s.Step() ? s.Int(0) : 0;
}

Status LocalStore::ForEachIndicator(const std::function<void(const IndicatorRow&)>& fn) const {
  try {
    // The newest version per (collection, id): rows come ordered so the last of a run wins.
    Stmt s(db_->handle,
           "SELECT collection, id, pattern_type, json FROM objects WHERE type = 'indicator' "
           "ORDER BY collection, id, version_ms, version");
    s.Bind({});
    std::optional<IndicatorRow> pending;
    while (s.Step()) {
      IndicatorRow row{s.Text(1), s.Text(0), s.Text(2), s.Text(3)};
      if (pending && (pending->id != row.id || pending->collection != row.collection)) {
        fn(*pending);
      }
      pending = std::move(row);
    }
    if (pending) fn(*pending);
  } catch (const std::exception& e) {
    return StoreError(e);
  }
  return {};
}

Status LocalStore::RecordFile(const std::string& file,
                              const std::vector<FileHit>& hits,
                              const std::vector<FindingSample>& samples,
                              std::int64_t now_ms) {
  try {
    db_->Transaction([&] {
      std::set<std::string> touched;
      {
        Stmt old(db_->handle, "SELECT indicator_id FROM file_hits WHERE file = ?");
        old.Bind({file});
        while (old.Step()) touched.insert(old.Text(0));
      }
      Stmt(db_->handle, "DELETE FROM file_hits WHERE file = ?").Bind({file}).Run();
      Stmt(db_->handle, "DELETE FROM samples WHERE file = ?").Bind({file}).Run();
      Stmt insert(db_->handle,
                  "INSERT INTO file_hits (file, indicator_id, collection, count, first_ms, "
                  "last_ms) VALUES (?, ?, ?, ?, ?, ?)");
      std::map<std::string, std::string> collection_of;
      for (const auto& h : hits) {
        insert
            .Bind({file, h.indicator_id, h.collection, static_cast<std::int64_t>(h.count),
                   h.first_ms, h.last_ms})
            .Run();
        touched.insert(h.indicator_id);
        collection_of[h.indicator_id] = h.collection;
      }
      Stmt sample(db_->handle,
                  "INSERT INTO samples (indicator_id, file, line, offset, field, kind, value, "
                  "context, time_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
      for (const auto& s : samples) {
        sample
            .Bind({s.indicator_id, file, static_cast<std::int64_t>(s.line),
                   static_cast<std::int64_t>(s.offset), s.field, s.kind, s.value, s.context,
                   s.time_ms})
            .Run();
      }
      Stmt totals(db_->handle,
                  "SELECT COALESCE(SUM(count), 0), MIN(first_ms), MAX(last_ms), MIN(collection) "
                  "FROM file_hits WHERE indicator_id = ?");
      Stmt current(db_->handle,
                   "SELECT count, first_ms, last_ms, modified_ms FROM sightings "
                   "WHERE indicator_id = ?");
      Stmt update(db_->handle,
                  "UPDATE sightings SET count = ?, first_ms = ?, last_ms = ?, modified_ms = ? "
                  "WHERE indicator_id = ?");
      Stmt create(db_->handle,
                  "INSERT INTO sightings (indicator_id, collection, sighting_id, count, first_ms, "
                  "last_ms, created_ms, modified_ms, sent_modified_ms) "
                  "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0)");
      for (const auto& id : touched) {
        totals.Bind({id});
        if (!totals.Step()) continue;
        const std::int64_t count = totals.Int(0);
        const std::int64_t first = totals.Int(1);
        const std::int64_t last = totals.Int(2);
        const std::string collection = totals.Text(3);
        current.Bind({id});
        if (current.Step()) {
          if (current.Int(0) == count && current.Int(1) == first && current.Int(2) == last) {
            continue;
          }
          const std::int64_t modified = std::max(now_ms, current.Int(3) + 1);
          update.Bind({count, first, last, modified, id}).Run();
        } else if (count > 0) {
          const std::string sighting_id = "sighting--" + RandomUuid();
          create.Bind({id, collection, sighting_id, count, first, last, now_ms, now_ms}).Run();
        }
      }
    });
  } catch (const std::exception& e) {
    return StoreError(e);
  }
  return {};
}

std::vector<FindingSample> LocalStore::Samples(const std::string& indicator_id) const {
  std::vector<FindingSample> out;
  Stmt s(db_->handle,
         "SELECT indicator_id, file, line, offset, field, kind, value, context, time_ms "
         "FROM samples WHERE indicator_id = ? ORDER BY file, line, offset");
  s.Bind({indicator_id});
  while (s.Step()) {
    out.push_back({s.Text(0), s.Text(1), static_cast<std::uint64_t>(s.Int(2)),
                   static_cast<std::uint64_t>(s.Int(3)), s.Text(4), s.Text(5), s.Text(6), s.Text(7),
                   s.Int(8)});
  }
  return out;
}

std::vector<SightingRow> LocalStore::Sightings() const {
  std::vector<SightingRow> out;
  Stmt s(db_->handle,
         "SELECT indicator_id, collection, sighting_id, count, first_ms, last_ms, created_ms, "
         "modified_ms, sent_modified_ms FROM sightings ORDER BY indicator_id");
  s.Bind({});
  while (s.Step()) {
    out.push_back({s.Text(0), s.Text(1), s.Text(2), static_cast<std::uint64_t>(s.Int(3)), s.Int(4),
                   s.Int(5), s.Int(6), s.Int(7), s.Int(8)});
  }
  return out;
}

Status LocalStore::MarkSent(const std::string& sighting_id, std::int64_t modified_ms) {
  try {
    Stmt(db_->handle,
         "UPDATE sightings SET sent_modified_ms = ? WHERE sighting_id = ? AND "
         "sent_modified_ms < ?")
        .Bind({modified_ms, sighting_id, modified_ms})
        .Run();
  } catch (const std::exception& e) {
    return StoreError(e);
  }
  return {};
}

}  // namespace caduceus::agent
