#include "intel/feeds.h"

#include <algorithm>
#include <array>
#include <map>
#include <set>
#include <system_error>
#include <utility>

#include <boost/json.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "client/fetcher.h"
#include "core/random.h"
#include "identity/crypto.h"
#include "intel/stix.h"

namespace caduceus::intel {

namespace json = boost::json;
using identity::Actor;
using storage::Int;
using storage::Null;
using storage::Row;
using storage::Text;
using storage::Tx;
using storage::Value;

namespace {

constexpr storage::Migration kMigrations[] = {
    {1, "feeds, their MISP event state and run log", R"sql(
CREATE TABLE intel_feeds (
  id {{id}},
  name TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('misp', 'taxii', 'text', 'csv')),
  url TEXT NOT NULL,
  collection_id BIGINT NOT NULL REFERENCES intel_collections(id),
  owner_org_id BIGINT NOT NULL REFERENCES organisations(id),
  enabled SMALLINT NOT NULL,
  interval_minutes BIGINT NOT NULL,
  tlp SMALLINT CHECK (tlp BETWEEN 0 AND 4),
  parsing TEXT NOT NULL,
  auth TEXT,
  etag TEXT,
  last_modified TEXT,
  cursor TEXT,
  next_run_at BIGINT NOT NULL,
  lease_owner TEXT,
  lease_until BIGINT,
  created_by BIGINT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX intel_feeds_due ON intel_feeds (enabled, next_run_at);
CREATE INDEX intel_feeds_collection ON intel_feeds (collection_id);

CREATE TABLE intel_feed_events (
  feed_id BIGINT NOT NULL REFERENCES intel_feeds(id) ON DELETE CASCADE,
  event_uuid TEXT NOT NULL,
  event_timestamp BIGINT NOT NULL,
  PRIMARY KEY (feed_id, event_uuid)
);

CREATE TABLE intel_feed_runs (
  id {{id}},
  feed_id BIGINT NOT NULL REFERENCES intel_feeds(id) ON DELETE CASCADE,
  started_at BIGINT NOT NULL,
  finished_at BIGINT,
  status TEXT NOT NULL,
  fetched BIGINT NOT NULL,
  accepted BIGINT NOT NULL,
  duplicates BIGINT NOT NULL,
  rejected BIGINT NOT NULL,
  message TEXT NOT NULL
);
CREATE INDEX intel_feed_runs_feed ON intel_feed_runs (feed_id, id);
)sql"},
    // What a block list listed: a value that leaves the list has its indicator revoked; one that
    // comes back gets a new indicator (a revoked STIX object has no later version), one
    // generation further.
    {2, "block-list values, revoked when they leave the list", R"sql(
CREATE TABLE intel_feed_values (
  feed_id BIGINT NOT NULL REFERENCES intel_feeds(id) ON DELETE CASCADE,
  kind TEXT NOT NULL,
  value TEXT NOT NULL,
  generation BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  listed SMALLINT NOT NULL,
  PRIMARY KEY (feed_id, kind, value)
);
ALTER TABLE intel_feed_runs ADD COLUMN revoked BIGINT NOT NULL DEFAULT 0;
)sql"},
};

// Ids of the indicators built from block lists.
constexpr std::string_view kFeedNamespace = "4f3c6d0e-2b7a-4e51-9a36-0c8d7e1f2a9b";
constexpr std::size_t kRunsKept = 100;
constexpr std::size_t kListBatch = 5000;
constexpr std::size_t kMaxRelated = 5000;
constexpr std::size_t kTaxiiPageSize = 1000;
constexpr std::string_view kTaxiiMediaType = "application/taxii+json;version=2.1";

Value Bool(bool b) { return Int(b ? 1 : 0); }

std::string_view TrimView(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

bool HasControl(std::string_view s) {
  return std::any_of(s.begin(), s.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7F; });
}

std::string PercentEncode(std::string_view s) {
  std::string out;
  for (const char c : s) {
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                       c == '-' || c == '.' || c == '_' || c == '~';
    if (plain) {
      out.push_back(c);
    } else {
      out += fmt::format("%{:02X}", static_cast<unsigned char>(c));
    }
  }
  return out;
}

using client::Conditional;
using client::Fetched;
using client::JoinUrl;

client::FetcherOptions FetcherOptionsOf(const FeedServiceOptions& options) {
  client::FetcherOptions out;
  out.allow_private_addresses = options.allow_private_addresses;
  out.file_root = options.file_root;
  out.ca_file = options.ca_file;
  out.timeout = options.timeout;
  out.max_body_bytes = options.max_document_bytes;
  return out;
}

// --- Block lists ---------------------------------------------------------------------------------

bool IsHex(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  });
}

std::optional<Observable> Detect(std::string_view value, std::optional<ObservableKind> kind) {
  if (kind) return Normalise(*kind, value);
  if (value.find("://") != std::string_view::npos) return Normalise(ObservableKind::kUrl, value);
  if (value.find('@') != std::string_view::npos) return Normalise(ObservableKind::kEmail, value);
  if (IsHex(value)) {
    switch (value.size()) {
      case 32:
        return Normalise(ObservableKind::kMd5, value);
      case 40:
        return Normalise(ObservableKind::kSha1, value);
      case 64:
        return Normalise(ObservableKind::kSha256, value);
      case 128:
        return Normalise(ObservableKind::kSha512, value);
      default:
        break;
    }
  }
  if (auto v4 = Normalise(ObservableKind::kIpv4, value)) return v4;
  if (auto v6 = Normalise(ObservableKind::kIpv6, value)) return v6;
  return Normalise(ObservableKind::kDomain, value);
}

// The value of one line of a text list: its first word, or the second of a hosts-file line
// ("0.0.0.0 evil.example"); empty for blank lines and comments.
std::string_view TextValue(std::string_view line) {
  line = TrimView(line);
  if (line.empty() || line.front() == '#' || line.front() == ';' || line.starts_with("//")) {
    return {};
  }
  const std::size_t space = line.find_first_of(" \t");
  const std::string_view first = line.substr(0, space);
  if (space != std::string_view::npos && (first == "0.0.0.0" || first == "127.0.0.1")) {
    const std::string_view rest = TrimView(line.substr(space));
    const std::string_view second = rest.substr(0, rest.find_first_of(" \t#"));
    if (!second.empty()) return second;
  }
  return first;
}

// The fields of one CSV line (RFC 4180 quoting; no line breaks inside quotes).
std::vector<std::string> CsvFields(std::string_view line, char delimiter) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        fields.back().push_back('"');
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        fields.back().push_back(c);
      }
    } else if (c == '"' && fields.back().empty()) {
      quoted = true;
    } else if (c == delimiter) {
      fields.emplace_back();
    } else if (c != '\r') {
      fields.back().push_back(c);
    }
  }
  return fields;
}

std::string ParsingJson(const FeedParsing& p) {
  json::object o{
      {"column", p.column}, {"delimiter", std::string(1, p.delimiter)}, {"header", p.header}};
  if (p.kind) o["kind"] = KindName(*p.kind);
  return json::serialize(o);
}

FeedParsing ParseParsing(std::string_view text) {
  FeedParsing p;
  boost::system::error_code ec;
  const json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return p;
  const auto& o = v.get_object();
  if (const auto* c = o.if_contains("column"); c != nullptr && c->is_int64()) {
    p.column = static_cast<int>(std::clamp<std::int64_t>(c->get_int64(), 0, 255));
  }
  if (const auto* d = o.if_contains("delimiter");
      d != nullptr && d->is_string() && d->get_string().size() == 1) {
    p.delimiter = d->get_string()[0];
  }
  if (const auto* h = o.if_contains("header"); h != nullptr && h->is_bool())
    p.header = h->get_bool();
  if (const auto* k = o.if_contains("kind"); k != nullptr && k->is_string()) {
    p.kind = ParseKindName(k->get_string());
  }
  return p;
}

// --- Rows ----------------------------------------------------------------------------------------

constexpr std::string_view kFeedColumns =
    "f.id, f.name, f.kind, f.url, c.uuid, c.title, f.owner_org_id, f.enabled, "
    "f.interval_minutes, f.tlp, f.parsing, f.auth, f.created_at, f.next_run_at, f.collection_id";

struct FeedRow {
  Feed feed;
  std::optional<std::string> auth;  // as stored
  std::int64_t collection_id = 0;
};

FeedRow ReadFeed(const Row& row) {
  FeedRow out;
  Feed& f = out.feed;
  f.id = row.Int(0);
  f.name = row.Text(1);
  f.kind = ParseFeedKind(row.Text(2)).value_or(FeedKind::kText);
  f.url = row.Text(3);
  f.collection_uuid = row.Text(4);
  f.collection_title = row.Text(5);
  f.owner_org_id = row.Int(6);
  f.enabled = row.Int(7) != 0;
  f.interval_minutes = static_cast<int>(row.Int(8));
  if (!row.IsNull(9)) f.tlp = static_cast<TlpLevel>(std::clamp<std::int64_t>(row.Int(9), 0, 4));
  f.parsing = ParseParsing(row.Text(10));
  out.auth = row.OptText(11);
  f.has_auth = out.auth.has_value();
  f.created_at = FromUnixMillis(row.Int(12));
  f.next_run_at = FromUnixMillis(row.Int(13));
  out.collection_id = row.Int(14);
  return out;
}

constexpr std::string_view kRunColumns =
    "id, started_at, finished_at, status, fetched, accepted, duplicates, rejected, message, "
    "revoked";

FeedRun ReadRun(const Row& row) {
  FeedRun r;
  r.id = row.Int(0);
  r.started_at = FromUnixMillis(row.Int(1));
  if (!row.IsNull(2)) r.finished_at = FromUnixMillis(row.Int(2));
  r.status = row.Text(3);
  r.fetched = row.Int(4);
  r.accepted = row.Int(5);
  r.duplicates = row.Int(6);
  r.rejected = row.Int(7);
  r.message = row.Text(8);
  r.revoked = row.Int(9);
  return r;
}

}  // namespace

std::string_view FeedKindName(FeedKind kind) {
  switch (kind) {
    case FeedKind::kMisp:
      return "misp";
    case FeedKind::kTaxii:
      return "taxii";
    case FeedKind::kText:
      return "text";
    case FeedKind::kCsv:
      return "csv";
  }
  return "text";
}

std::optional<FeedKind> ParseFeedKind(std::string_view name) {
  if (name == "misp") return FeedKind::kMisp;
  if (name == "taxii") return FeedKind::kTaxii;
  if (name == "text") return FeedKind::kText;
  if (name == "csv") return FeedKind::kCsv;
  return std::nullopt;
}

// --- The service ---------------------------------------------------------------------------------

class FeedService::Impl {
 public:
  Impl(storage::Database& db, const Clock& clock, IntelService& store, FeedServiceOptions options)
      : db_(db),
        clock_(clock),
        store_(store),
        options_(std::move(options)),
        fetcher_(FetcherOptionsOf(options_)) {
    if (options_.secret_key.size() == 32) box_.emplace(options_.secret_key);
  }

  std::int64_t NowMs() const { return ToUnixMillis(clock_.Now()); }

  std::optional<FeedRow> Load(std::int64_t id) {
    auto row = db_.QueryOne(fmt::format("SELECT {} FROM intel_feeds f JOIN intel_collections c ON "
                                        "c.id = f.collection_id WHERE f.id = ?",
                                        kFeedColumns),
                            {Int(id)});
    if (!row) return std::nullopt;
    return ReadFeed(*row);
  }

  std::optional<FeedRun> LastRun(std::int64_t feed_id) {
    auto row = db_.QueryOne(fmt::format("SELECT {} FROM intel_feed_runs WHERE feed_id = ? "
                                        "ORDER BY id DESC LIMIT 1",
                                        kRunColumns),
                            {Int(feed_id)});
    if (!row) return std::nullopt;
    return ReadRun(*row);
  }

  // The collections the actor administers, by uuid (every one for the system).
  Result<std::set<std::string>> Administered(const Actor& actor) {
    auto all = store_.ListAllCollections(actor);
    if (!all) return all.error();
    std::set<std::string> out;
    for (const auto& c : *all) {
      if (actor.principal == nullptr || c.can_administer) out.insert(c.uuid);
    }
    return out;
  }

  // A feed the actor may manage, with its last run; NotFound otherwise.
  Result<FeedRow> Visible(const Actor& actor, std::int64_t id) {
    auto row = Load(id);
    if (!row) return Error::NotFound("no such feed");
    if (actor.principal != nullptr) {
      auto info = store_.GetCollectionByUuid(actor, row->feed.collection_uuid);
      if (!info || !info->can_administer) return Error::NotFound("no such feed");
    }
    row->feed.last_run = LastRun(id);
    return std::move(*row);
  }

  std::optional<std::string> SealAuth(const std::optional<std::string>& auth) const {
    if (!auth) return std::nullopt;
    if (box_) return "box:" + box_->Seal(*auth);
    return "plain:" + *auth;
  }

  // The Authorization header value of a feed; nullopt when it cannot be decrypted.
  std::optional<std::string> OpenAuth(const std::optional<std::string>& stored) const {
    if (!stored) return std::string();
    if (stored->starts_with("plain:")) return stored->substr(6);
    if (stored->starts_with("box:") && box_) return box_->Open(std::string_view(*stored).substr(4));
    return std::nullopt;
  }

  Status CheckUrl(FeedKind kind, const std::string& url) const {
    const auto parsed = client::ParseFetchUrl(url);
    if (!parsed) {
      return Error::Invalid("url must be an http(s):// URL without credentials, or file:///",
                            "url");
    }
    if (parsed->scheme == "file") {
      if (kind == FeedKind::kTaxii)
        return Error::Invalid("a TAXII feed is fetched over HTTP(S)", "url");
      if (!fetcher_.AllowedFile(parsed->path)) {
        return Error::Invalid("file:// feeds must lie under the hub's feed directory", "url");
      }
    }
    return {};
  }

  static Status CheckParsing(const FeedParsing& p) {
    if (p.column < 0 || p.column > 255) return Error::Invalid("column must be 0 to 255", "column");
    if (p.delimiter != ',' && p.delimiter != ';' && p.delimiter != '\t' && p.delimiter != '|') {
      return Error::Invalid("delimiter must be one of , ; | or a tab", "delimiter");
    }
    return {};
  }

  static Status CheckAuth(const std::optional<std::string>& auth) {
    if (!auth) return {};
    const std::size_t space = auth->find(' ');
    if (auth->size() > 4096 || HasControl(*auth) || space == std::string::npos || space == 0 ||
        space + 1 == auth->size()) {
      return Error::Invalid("auth must be an Authorization header value, e.g. \"Bearer <token>\"",
                            "auth");
    }
    return {};
  }

  static Status CheckName(const std::string& name) {
    if (name.empty() || name.size() > 200 || HasControl(name)) {
      return Error::Invalid("name must be 1 to 200 characters", "name");
    }
    return {};
  }

  static Status CheckInterval(int minutes) {
    if (minutes < 5 || minutes > 10080) {
      return Error::Invalid("interval_minutes must be 5 to 10080", "interval_minutes");
    }
    return {};
  }

  // --- Leases ---

  std::optional<std::string> Acquire(std::int64_t feed_id) {
    const std::string owner = RandomUuid();
    const std::int64_t now = NowMs();
    const auto lease = std::chrono::duration_cast<std::chrono::milliseconds>(options_.lease);
    const auto result = db_.Query(
        "UPDATE intel_feeds SET lease_owner = ?, lease_until = ? WHERE id = ? AND "
        "(lease_until IS NULL OR lease_until < ?)",
        {Text(owner), Int(now + lease.count()), Int(feed_id), Int(now)});
    if (result.affected_rows != 1) return std::nullopt;
    return owner;
  }

  void Renew(std::int64_t feed_id, const std::string& owner) {
    const auto lease = std::chrono::duration_cast<std::chrono::milliseconds>(options_.lease);
    db_.Query("UPDATE intel_feeds SET lease_until = ? WHERE id = ? AND lease_owner = ?",
              {Int(NowMs() + lease.count()), Int(feed_id), Text(owner)});
  }

  void Release(std::int64_t feed_id, const std::string& owner, std::int64_t next_run_at) {
    db_.Query(
        "UPDATE intel_feeds SET lease_owner = NULL, lease_until = NULL, next_run_at = ? "
        "WHERE id = ? AND lease_owner = ?",
        {Int(next_run_at), Int(feed_id), Text(owner)});
  }

  // --- Runs ---

  struct RunState {
    const FeedRow* row = nullptr;
    std::string lease;
    std::string auth;
    FeedRun run;
    bool partial = false;
  };

  void Count(RunState& s, const IngestReport& report) {
    for (const auto& a : report.successes) {
      if (a.stored) {
        ++s.run.accepted;
      } else {
        ++s.run.duplicates;
      }
    }
    s.run.rejected += static_cast<std::int64_t>(report.failures.size());
  }

  SubmitOptions FeedSubmitOptions(const Feed& f) const {
    SubmitOptions o;
    o.tlp = f.tlp;
    o.source = fmt::format("feed:{}", f.id);
    o.producer_id = f.owner_org_id;
    return o;
  }

  // Runs a feed whose lease this hub holds.
  FeedRun Execute(const FeedRow& row, const std::string& lease) {
    RunState s;
    s.row = &row;
    s.lease = lease;
    s.run.started_at = clock_.Now();
    s.run.status = "running";
    s.run.id =
        db_.QueryOne(
               "INSERT INTO intel_feed_runs (feed_id, started_at, status, fetched, accepted, "
               "duplicates, rejected, message) VALUES (?, ?, 'running', 0, 0, 0, 0, '') "
               "RETURNING id",
               {Int(row.feed.id), Int(ToUnixMillis(s.run.started_at))})
            ->Int(0);
    Status outcome;
    try {
      const auto auth = OpenAuth(row.auth);
      if (!auth) {
        outcome = Error{Errc::kUnavailable, "the feed's credentials cannot be decrypted", {}};
      } else {
        s.auth = *auth;
        switch (row.feed.kind) {
          case FeedKind::kMisp:
            outcome = RunMisp(s);
            break;
          case FeedKind::kTaxii:
            outcome = RunTaxii(s);
            break;
          case FeedKind::kText:
          case FeedKind::kCsv:
            outcome = RunList(s);
            break;
        }
      }
    } catch (const std::exception& e) {
      spdlog::error("feed {}: {}", row.feed.id, e.what());
      outcome = Error{Errc::kInternal, "the run failed; see the hub's log", {}};
    }
    if (!outcome) {
      s.run.status = "error";
      s.run.message = outcome.error().message;
    } else if (s.run.status == "running") {
      s.run.status = s.partial ? "partial" : "ok";
    }
    s.run.finished_at = clock_.Now();
    db_.Query(
        "UPDATE intel_feed_runs SET finished_at = ?, status = ?, fetched = ?, accepted = ?, "
        "duplicates = ?, rejected = ?, revoked = ?, message = ? WHERE id = ?",
        {Int(ToUnixMillis(*s.run.finished_at)), Text(s.run.status), Int(s.run.fetched),
         Int(s.run.accepted), Int(s.run.duplicates), Int(s.run.rejected), Int(s.run.revoked),
         Text(s.run.message.substr(0, 1000)), Int(s.run.id)});
    db_.Query(
        "DELETE FROM intel_feed_runs WHERE feed_id = ? AND id <= (SELECT id FROM intel_feed_runs "
        "WHERE feed_id = ? ORDER BY id DESC LIMIT 1 OFFSET ?)",
        {Int(row.feed.id), Int(row.feed.id), Int(static_cast<std::int64_t>(kRunsKept))});
    Release(row.feed.id, lease,
            NowMs() + static_cast<std::int64_t>(row.feed.interval_minutes) * 60'000);
    return s.run;
  }

  Conditional StoredConditional(std::int64_t feed_id) {
    Conditional c;
    if (auto row = db_.QueryOne("SELECT etag, last_modified FROM intel_feeds WHERE id = ?",
                                {Int(feed_id)})) {
      c.etag = row->OptText(0).value_or("");
      c.last_modified = row->OptText(1).value_or("");
    }
    return c;
  }

  void SaveConditional(std::int64_t feed_id, const Fetched& f) {
    db_.Query("UPDATE intel_feeds SET etag = ?, last_modified = ? WHERE id = ?",
              {f.etag.empty() ? Null() : Text(f.etag),
               f.last_modified.empty() ? Null() : Text(f.last_modified), Int(feed_id)});
  }

  Status RunMisp(RunState& s) {
    const Feed& f = s.row->feed;
    auto manifest = fetcher_.Get(JoinUrl(f.url, "manifest.json"), StoredConditional(f.id), s.auth,
                                 "application/json");
    if (!manifest) return manifest.error();
    ++s.run.fetched;
    if (manifest->not_modified) {
      s.run.status = "not_modified";
      return {};
    }
    MispLimits limits;
    limits.max_bytes = options_.max_document_bytes;
    auto events = ParseMispManifest(manifest->body, limits);
    if (!events) return events.error();
    std::map<std::string, std::int64_t> known;
    for (const auto& row :
         db_.Query("SELECT event_uuid, event_timestamp FROM intel_feed_events WHERE feed_id = ?",
                   {Int(f.id)})
             .rows) {
      known[row.Text(0)] = row.Int(1);
    }
    // Changed events, oldest change first, so a run cut short resumes where it stopped.
    std::vector<std::pair<std::int64_t, std::string>> changed;
    for (const auto& [uuid, timestamp] : *events) {
      const auto it = known.find(uuid);
      if (it == known.end() || it->second < timestamp) changed.emplace_back(timestamp, uuid);
    }
    std::sort(changed.begin(), changed.end());
    if (changed.size() > options_.max_events_per_run) {
      changed.resize(options_.max_events_per_run);
      s.partial = true;
    }
    bool all_ok = true;
    for (const auto& [timestamp, uuid] : changed) {
      Renew(f.id, s.lease);
      auto event = fetcher_.Get(JoinUrl(f.url, uuid + ".json"), {}, s.auth, "application/json");
      if (!event) {
        all_ok = false;
        ++s.run.rejected;
        s.run.message = fmt::format("event {}: {}", uuid, event.error().message);
        continue;
      }
      ++s.run.fetched;
      auto submitted =
          Submit(Actor::System(), f.collection_uuid, event->body, FeedSubmitOptions(f));
      if (!submitted) {
        all_ok = false;
        ++s.run.rejected;
        s.run.message = fmt::format("event {}: {}", uuid, submitted.error().message);
        continue;
      }
      if (submitted->event_uuid != uuid) {
        all_ok = false;
        s.run.message = fmt::format("event {} names itself {}", uuid, submitted->event_uuid);
      }
      Count(s, submitted->report);
      db_.Query(
          "INSERT INTO intel_feed_events (feed_id, event_uuid, event_timestamp) VALUES (?, ?, ?) "
          "ON CONFLICT (feed_id, event_uuid) DO UPDATE SET event_timestamp = "
          "excluded.event_timestamp",
          {Int(f.id), Text(uuid), Int(timestamp)});
    }
    // Only a manifest whose every change was taken may be skipped by its ETag next time.
    if (all_ok && !s.partial) SaveConditional(f.id, *manifest);
    if (!all_ok) s.partial = true;
    return {};
  }

  Status RunTaxii(RunState& s) {
    const Feed& f = s.row->feed;
    std::string cursor;
    if (auto row = db_.QueryOne("SELECT cursor FROM intel_feeds WHERE id = ?", {Int(f.id)})) {
      cursor = row->OptText(0).value_or("");
    }
    std::string next;
    std::string last_added = cursor;
    for (std::size_t page = 0;; ++page) {
      if (page >= options_.max_pages_per_run) {
        s.partial = true;
        break;
      }
      Renew(f.id, s.lease);
      std::string url = JoinUrl(f.url, "objects/") + fmt::format("?limit={}", kTaxiiPageSize);
      if (!cursor.empty()) url += "&added_after=" + PercentEncode(cursor);
      if (!next.empty()) url += "&next=" + PercentEncode(next);
      auto fetched = fetcher_.Get(url, {}, s.auth, kTaxiiMediaType);
      if (!fetched) return fetched.error();
      ++s.run.fetched;
      boost::system::error_code ec;
      json::parse_options parse_options;
      parse_options.max_depth = 64;
      const json::value envelope = fetched->body.empty()
                                       ? json::value(json::object())
                                       : json::parse(fetched->body, ec, {}, parse_options);
      if (ec || !envelope.is_object()) return Error::Invalid("the TAXII server sent no envelope");
      const auto& e = envelope.get_object();
      std::vector<json::object> objects;
      if (const auto* list = e.if_contains("objects"); list != nullptr && list->is_array()) {
        for (const auto& o : list->get_array()) {
          if (o.is_object()) {
            objects.push_back(o.get_object());
          } else {
            ++s.run.rejected;
          }
        }
      }
      if (!objects.empty()) {
        auto report = store_.SubmitObjects(Actor::System(), f.collection_uuid, std::move(objects),
                                           FeedSubmitOptions(f));
        if (!report) return report.error();
        Count(s, *report);
      }
      if (!fetched->date_added_last.empty() && fetched->date_added_last.size() <= 64 &&
          ParseStixTimestamp(fetched->date_added_last)) {
        last_added = fetched->date_added_last;
      }
      const auto* more = e.if_contains("more");
      const auto* token = e.if_contains("next");
      if (more == nullptr || !more->is_bool() || !more->get_bool()) break;
      if (token == nullptr || !token->is_string() || token->get_string().empty() ||
          token->get_string().size() > 1024) {
        s.partial = true;
        break;
      }
      next = std::string(token->get_string());
    }
    if (last_added != cursor) {
      db_.Query("UPDATE intel_feeds SET cursor = ? WHERE id = ?", {Text(last_added), Int(f.id)});
    }
    return {};
  }

  // What a block list listed, from intel_feed_values: the generation of a value's indicator and
  // when that generation began (Unix ms).
  struct ListedValue {
    std::int64_t generation = 0;
    std::int64_t created_ms = 0;
    bool listed = true;
    bool seen = false;     // in this run's list
    bool changed = false;  // to be written back
  };

  // The indicator of a listed value. Generation 0 is the first listing (its id is what feeds
  // have always given); a value listed again after a revocation gets the next generation, a new
  // id, since a revoked STIX object has no later version.
  json::object ListIndicator(const Feed& f,
                             const Observable& o,
                             const ListedValue& v,
                             std::optional<TimePoint> revoked_at = std::nullopt) {
    std::string name = fmt::format("feed/{}/{}/{}", f.id, KindName(o.kind), o.value);
    if (v.generation > 0) name += fmt::format("/{}", v.generation);
    const std::string id = "indicator--" + UuidV5(kFeedNamespace, name).value();
    const TimePoint created_at = FromUnixMillis(v.created_ms);
    const std::string created = FormatRfc3339(created_at);
    json::object out{{"type", "indicator"},
                     {"spec_version", "2.1"},
                     {"id", id},
                     {"created", created},
                     {"modified", created},
                     {"created_by_ref", IntelService::OrgIdentityId(f.owner_org_id)},
                     {"name", o.value},
                     {"description", "Listed by the feed " + f.name},
                     {"indicator_types", json::array{"malicious-activity"}},
                     {"pattern", PatternFor(o)},
                     {"pattern_type", "stix"},
                     {"pattern_version", "2.1"},
                     {"valid_from", created}};
    if (revoked_at) {
      const TimePoint modified = std::max(*revoked_at, created_at + std::chrono::milliseconds(1));
      out["modified"] = FormatRfc3339(modified);
      out["revoked"] = true;
    }
    return out;
  }

  std::map<Observable, ListedValue> LoadListed(std::int64_t feed_id) {
    std::map<Observable, ListedValue> out;
    for (const auto& row :
         db_.Query(
                "SELECT kind, value, generation, created_at, listed FROM intel_feed_values WHERE "
                "feed_id = ?",
                {Int(feed_id)})
             .rows) {
      const auto kind = ParseKindName(row.Text(0));
      if (!kind) continue;
      ListedValue v;
      v.generation = row.Int(2);
      v.created_ms = row.Int(3);
      v.listed = row.Int(4) != 0;
      out.emplace(Observable{*kind, row.Text(1)}, v);
    }
    return out;
  }

  void SaveListed(std::int64_t feed_id, const std::map<Observable, ListedValue>& values) {
    std::vector<Value> rows;
    for (const auto& [o, v] : values) {
      if (!v.changed) continue;
      rows.insert(rows.end(), {Int(feed_id), Text(std::string(KindName(o.kind))), Text(o.value),
                               Int(v.generation), Int(v.created_ms), Bool(v.listed)});
    }
    db_.Transact([&](Tx& tx) {
      storage::InsertRows(
          tx,
          "INSERT INTO intel_feed_values (feed_id, kind, value, generation, created_at, listed) "
          "VALUES ",
          6, rows,
          " ON CONFLICT (feed_id, kind, value) DO UPDATE SET generation = excluded.generation, "
          "created_at = excluded.created_at, listed = excluded.listed",
          200);
    });
  }

  Status RunList(RunState& s) {
    const Feed& f = s.row->feed;
    auto fetched = fetcher_.Get(f.url, StoredConditional(f.id), s.auth,
                                f.kind == FeedKind::kCsv ? "text/csv" : "text/plain");
    if (!fetched) return fetched.error();
    ++s.run.fetched;
    if (fetched->not_modified) {
      s.run.status = "not_modified";
      return {};
    }
    // Indicators of one generation share one version, so an unchanged value is stored once.
    std::map<Observable, ListedValue> listed = LoadListed(f.id);
    const std::int64_t now_ms = NowMs();
    std::vector<json::object> batch;
    std::size_t values = 0;
    std::size_t distinct = 0;
    bool first_line = true;
    const std::string_view body = fetched->body;
    bool ok = true;
    const auto submit = [&](bool revocations) {
      if (batch.empty() || !ok) return;
      Renew(f.id, s.lease);
      auto report = store_.SubmitObjects(Actor::System(), f.collection_uuid, std::move(batch),
                                         FeedSubmitOptions(f));
      batch.clear();
      if (!report) {
        ok = false;
        s.run.message = report.error().message;
        return;
      }
      if (!revocations) {
        Count(s, *report);
        return;
      }
      for (const auto& a : report->successes) s.run.revoked += a.stored ? 1 : 0;
      s.run.rejected += static_cast<std::int64_t>(report->failures.size());
    };
    std::size_t at = 0;
    while (at < body.size() && ok) {
      std::size_t end = body.find('\n', at);
      if (end == std::string_view::npos) end = body.size();
      const std::string_view line = body.substr(at, end - at);
      at = end + 1;
      std::string value;
      if (f.kind == FeedKind::kCsv) {
        const bool skip = first_line && f.parsing.header;
        first_line = false;
        if (skip || TrimView(line).empty() || TrimView(line).front() == '#') continue;
        auto fields = CsvFields(line, f.parsing.delimiter);
        if (static_cast<std::size_t>(f.parsing.column) >= fields.size()) {
          ++s.run.rejected;
          continue;
        }
        value = std::string(TrimView(fields[f.parsing.column]));
      } else {
        value = std::string(TextValue(line));
      }
      if (value.empty()) continue;
      if (++values > options_.max_values_per_run) {
        s.partial = true;
        break;
      }
      const auto observable = Detect(value, f.parsing.kind);
      if (!observable) {
        ++s.run.rejected;
        continue;
      }
      auto [it, added] = listed.try_emplace(*observable);
      ListedValue& v = it->second;
      if (v.seen) continue;
      v.seen = true;
      ++distinct;
      if (added) {
        v.created_ms = ToUnixMillis(f.created_at);
        v.changed = true;
      } else if (!v.listed) {
        ++v.generation;
        v.created_ms = now_ms;
        v.listed = true;
        v.changed = true;
      }
      batch.push_back(ListIndicator(f, *observable, v));
      if (batch.size() >= kListBatch) submit(false);
    }
    submit(false);
    if (!ok) return Error{Errc::kUnavailable, s.run.message, {}};
    // Only a whole list says what left it; an empty one is more likely a broken source.
    if (!s.partial && distinct == 0 &&
        std::any_of(listed.begin(), listed.end(), [](const auto& e) { return e.second.listed; })) {
      s.run.message = "the list held no values; nothing was revoked";
    } else if (!s.partial) {
      const TimePoint revoked_at = clock_.Now();
      for (auto& [o, v] : listed) {
        if (!v.listed || v.seen) continue;
        batch.push_back(ListIndicator(f, o, v, revoked_at));
        v.listed = false;
        v.changed = true;
        if (batch.size() >= kListBatch) submit(true);
      }
      submit(true);
      if (!ok) return Error{Errc::kUnavailable, s.run.message, {}};
    }
    SaveListed(f.id, listed);
    if (!s.partial) SaveConditional(f.id, *fetched);
    return {};
  }

  // --- MISP import and export ---

  Result<MispSubmission> Submit(const Actor& actor,
                                std::string_view collection_uuid,
                                std::string_view json_text,
                                const SubmitOptions& options) {
    if (json_text.size() > kMaxMispEventBytes) {
      return Error{Errc::kPayloadTooLarge, "the MISP event is larger than 64 MiB", {}};
    }
    MispImportOptions import_options;
    if (actor.principal != nullptr) {
      import_options.created_by_ref = IntelService::OrgIdentityId(actor.principal->organisation_id);
    } else if (options.producer_id) {
      import_options.created_by_ref = IntelService::OrgIdentityId(*options.producer_id);
    }
    auto imported = ImportMispEvent(json_text, import_options);
    if (!imported) return imported.error();
    MispSubmission out;
    out.event_uuid = imported->event_uuid;
    out.report_id = imported->report_id;
    out.skipped = std::move(imported->skipped);
    out.sightings = imported->sightings.size();
    SubmitOptions submit = options;
    if (submit.source == "api") submit.source = "misp";
    // One submission: the store records a batch's sightings after its objects.
    std::vector<json::object> objects = std::move(imported->objects);
    for (auto& sighting : imported->sightings) objects.push_back(std::move(sighting));
    auto report = store_.SubmitObjects(actor, collection_uuid, std::move(objects), submit);
    if (!report) return report.error();
    out.report = std::move(*report);
    return out;
  }

  Result<json::object> Export(const Actor& actor, std::string_view stix_id) {
    auto view = store_.View(actor, stix_id);
    if (!view) return view.error();
    boost::system::error_code ec;
    json::value root = json::parse(view->latest.json, ec);
    if (ec || !root.is_object()) return Error{Errc::kInternal, "a stored object is unreadable", {}};
    std::vector<json::object> related;
    std::set<std::string> loaded{std::string(stix_id)};
    // Loads one object the actor may see; returns it (or null).
    const auto load = [&](const std::string& id) -> const json::object* {
      if (related.size() >= kMaxRelated || !loaded.insert(id).second) return nullptr;
      auto v = store_.View(actor, id);
      if (!v) return nullptr;
      boost::system::error_code parse_error;
      json::value body = json::parse(v->latest.json, parse_error);
      if (parse_error || !body.is_object()) return nullptr;
      related.push_back(std::move(body.get_object()));
      return &related.back();
    };
    const auto refs_of = [](const json::object& o, std::string_view key) {
      std::vector<std::string> out;
      if (const auto* list = o.if_contains(key); list != nullptr && list->is_array()) {
        for (const auto& r : list->get_array()) {
          if (r.is_string()) out.emplace_back(r.get_string());
        }
      }
      return out;
    };
    std::vector<std::string> queue;
    const json::object& r = root.get_object();
    if (view->latest.type == "report") {
      queue = refs_of(r, "object_refs");
    } else {
      for (const auto& rel : view->relationships) {
        if (rel.id != stix_id) queue.push_back(rel.id);
        queue.push_back(rel.other_id);
      }
    }
    // Objects named directly, then what observed-data and relationships among them lead to.
    std::vector<std::string> second;
    for (const auto& id : queue) {
      const json::object* o = load(id);
      if (o == nullptr) continue;
      const auto* type = o->if_contains("type");
      if (type == nullptr || !type->is_string()) continue;
      if (type->get_string() == "observed-data") {
        for (auto& ref : refs_of(*o, "object_refs")) second.push_back(std::move(ref));
      } else if (type->get_string() == "relationship") {
        for (const std::string_view key : {"source_ref", "target_ref"}) {
          if (const auto* ref = o->if_contains(key); ref != nullptr && ref->is_string()) {
            second.emplace_back(ref->get_string());
          }
        }
      }
    }
    for (const auto& id : second) load(id);
    return ExportMispEvent(r, related);
  }

  storage::Database& db_;
  const Clock& clock_;
  IntelService& store_;
  FeedServiceOptions options_;
  client::Fetcher fetcher_;
  std::optional<identity::SecretBox> box_;
};

FeedService::FeedService(storage::Database& db,
                         const Clock& clock,
                         IntelService& store,
                         FeedServiceOptions options)
    : db_(db), store_(store), impl_(std::make_unique<Impl>(db, clock, store, std::move(options))) {}

FeedService::~FeedService() = default;

std::span<const storage::Migration> FeedService::Migrations() { return kMigrations; }

Result<std::vector<Feed>> FeedService::List(Actor actor) {
  auto administered = impl_->Administered(actor);
  if (!administered) return administered.error();
  std::vector<Feed> out;
  for (const auto& row :
       db_.Query(fmt::format("SELECT {} FROM intel_feeds f JOIN intel_collections "
                             "c ON c.id = f.collection_id ORDER BY f.id",
                             kFeedColumns))
           .rows) {
    FeedRow feed = ReadFeed(row);
    if (!administered->contains(feed.feed.collection_uuid)) continue;
    feed.feed.last_run = impl_->LastRun(feed.feed.id);
    out.push_back(std::move(feed.feed));
  }
  return out;
}

Result<Feed> FeedService::Get(Actor actor, std::int64_t id) {
  auto row = impl_->Visible(actor, id);
  if (!row) return row.error();
  return std::move(row->feed);
}

Result<Feed> FeedService::Create(Actor actor, const NewFeed& feed) {
  if (actor.principal == nullptr) {
    return Error::Invalid("a feed belongs to the organisation of the admin who creates it");
  }
  if (auto s = Impl::CheckName(feed.name); !s) return s.error();
  if (auto s = impl_->CheckUrl(feed.kind, feed.url); !s) return s.error();
  if (auto s = Impl::CheckInterval(feed.interval_minutes); !s) return s.error();
  if (auto s = Impl::CheckParsing(feed.parsing); !s) return s.error();
  if (auto s = Impl::CheckAuth(feed.auth); !s) return s.error();
  auto collection = store_.GetCollectionByUuid(actor, feed.collection_uuid);
  if (!collection) return collection.error();
  if (!collection->can_administer) {
    return Error::Denied("only those who administer the collection may add feeds to it");
  }
  const std::int64_t now = impl_->NowMs();
  const auto sealed = impl_->SealAuth(feed.auth);
  const std::int64_t id =
      db_.QueryOne(
             "INSERT INTO intel_feeds (name, kind, url, collection_id, owner_org_id, enabled, "
             "interval_minutes, tlp, parsing, auth, next_run_at, created_by, created_at, "
             "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
             {Text(feed.name), Text(std::string(FeedKindName(feed.kind))), Text(feed.url),
              Int(collection->id), Int(actor.principal->organisation_id), Bool(feed.enabled),
              Int(feed.interval_minutes),
              feed.tlp ? Int(static_cast<std::int64_t>(*feed.tlp)) : Null(),
              Text(ParsingJson(feed.parsing)), storage::OptText(sealed), Int(now),
              Int(actor.principal->user_id), Int(now), Int(now)})
          ->Int(0);
  return Get(actor, id);
}

Result<Feed> FeedService::Update(Actor actor, std::int64_t id, const FeedPatch& patch) {
  auto row = impl_->Visible(actor, id);
  if (!row) return row.error();
  Feed f = row->feed;
  if (patch.name) {
    if (auto s = Impl::CheckName(*patch.name); !s) return s.error();
    f.name = *patch.name;
  }
  if (patch.url) {
    if (auto s = impl_->CheckUrl(f.kind, *patch.url); !s) return s.error();
    f.url = *patch.url;
  }
  if (patch.interval_minutes) {
    if (auto s = Impl::CheckInterval(*patch.interval_minutes); !s) return s.error();
    f.interval_minutes = *patch.interval_minutes;
  }
  if (patch.parsing) {
    if (auto s = Impl::CheckParsing(*patch.parsing); !s) return s.error();
    f.parsing = *patch.parsing;
  }
  if (patch.auth) {
    if (auto s = Impl::CheckAuth(*patch.auth); !s) return s.error();
  }
  if (patch.enabled) f.enabled = *patch.enabled;
  if (patch.tlp) f.tlp = *patch.tlp;
  const auto auth = patch.auth ? impl_->SealAuth(*patch.auth) : row->auth;
  // A new source starts afresh: its ETag, cursor and event state belonged to the old one.
  const bool source_changed = patch.url && *patch.url != row->feed.url;
  db_.Transact([&](Tx& tx) {
    tx.Exec(
        "UPDATE intel_feeds SET name = ?, url = ?, enabled = ?, interval_minutes = ?, tlp = ?, "
        "parsing = ?, auth = ?, updated_at = ? WHERE id = ?",
        {Text(f.name), Text(f.url), Bool(f.enabled), Int(f.interval_minutes),
         f.tlp ? Int(static_cast<std::int64_t>(*f.tlp)) : Null(), Text(ParsingJson(f.parsing)),
         storage::OptText(auth), Int(impl_->NowMs()), Int(id)});
    if (source_changed) {
      tx.Exec(
          "UPDATE intel_feeds SET etag = NULL, last_modified = NULL, cursor = NULL WHERE id = ?",
          {Int(id)});
      tx.Exec("DELETE FROM intel_feed_events WHERE feed_id = ?", {Int(id)});
    }
  });
  return Get(actor, id);
}

Status FeedService::Delete(Actor actor, std::int64_t id) {
  auto row = impl_->Visible(actor, id);
  if (!row) return row.error();
  db_.Query("DELETE FROM intel_feeds WHERE id = ?", {Int(id)});
  return {};
}

Result<std::vector<FeedRun>> FeedService::Runs(Actor actor, std::int64_t id, std::size_t limit) {
  auto row = impl_->Visible(actor, id);
  if (!row) return row.error();
  limit = std::clamp<std::size_t>(limit, 1, kRunsKept);
  std::vector<FeedRun> out;
  for (const auto& r : db_.Query(fmt::format("SELECT {} FROM intel_feed_runs WHERE feed_id = ? "
                                             "ORDER BY id DESC LIMIT ?",
                                             kRunColumns),
                                 {Int(id), Int(static_cast<std::int64_t>(limit))})
                           .rows) {
    out.push_back(ReadRun(r));
  }
  return out;
}

Result<FeedRun> FeedService::Run(Actor actor, std::int64_t id) {
  auto row = impl_->Visible(actor, id);
  if (!row) return row.error();
  auto lease = impl_->Acquire(id);
  if (!lease) return Error::Conflict("the feed is being pulled right now");
  return impl_->Execute(*row, *lease);
}

Result<FeedRun> FeedService::RunAsSystem(std::int64_t id) { return Run(Actor::System(), id); }

std::vector<FeedRun> FeedService::RunDue() {
  std::vector<FeedRun> runs;
  const auto due = db_.Query(
      "SELECT id FROM intel_feeds WHERE enabled = 1 AND next_run_at <= ? ORDER BY next_run_at, id "
      "LIMIT 100",
      {Int(impl_->NowMs())});
  for (const auto& r : due.rows) {
    const std::int64_t id = r.Int(0);
    auto lease = impl_->Acquire(id);
    if (!lease) continue;
    auto row = impl_->Load(id);
    if (!row || !row->feed.enabled) {
      impl_->Release(id, *lease, impl_->NowMs() + 60'000);
      continue;
    }
    runs.push_back(impl_->Execute(*row, *lease));
  }
  return runs;
}

Result<MispSubmission> FeedService::SubmitMispEvent(Actor actor,
                                                    std::string_view collection_uuid,
                                                    std::string_view json_text,
                                                    const SubmitOptions& options) {
  return impl_->Submit(actor, collection_uuid, json_text, options);
}

Result<boost::json::object> FeedService::ExportMisp(Actor actor, std::string_view stix_id) {
  return impl_->Export(actor, stix_id);
}

}  // namespace caduceus::intel
