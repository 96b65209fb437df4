#include "intel/store.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <istream>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include <boost/json.hpp>
#include <fmt/format.h>
#include <openssl/evp.h>

#include "core/random.h"
#include "intel/correlation.h"
#include "intel/sightings.h"

namespace caduceus::intel {

namespace json = boost::json;
using identity::Actor;
using identity::AllowedOnCollection;
using identity::CollectionAction;
using identity::OrgKind;
using identity::Role;
using storage::Int;
using storage::Null;
using storage::Row;
using storage::Text;
using storage::Tx;
using storage::Value;

namespace {

constexpr std::int64_t kMaxContentLength = 16 * 1024 * 1024;
constexpr std::size_t kIdsPerQuery = 500;    // SQLite: IN (?, ...)
constexpr std::size_t kIdsPerArray = 10000;  // PostgreSQL: = ANY(<array>)
// Rows per INSERT: SQLite caches statements up to 8 KiB of text; PostgreSQL takes columns as
// arrays, a chunk bounds the size of one message.
constexpr std::size_t kRowsPerInsertSqlite = 50;
constexpr std::size_t kRowsPerInsertPostgres = 2000;
constexpr std::size_t kMaxRecipients = 200;
constexpr std::size_t kMaxGrants = 10000;
constexpr std::size_t kMaxNameBytes = 500;
constexpr std::size_t kMaxSearchTextBytes = 2000;
constexpr std::size_t kMaxRefsPerObject = 10000;
constexpr std::size_t kMaxRelationships = 200;
constexpr std::size_t kMaxFirstFailures = 100;
constexpr std::size_t kImportChunkBytes = 1024 * 1024;
constexpr std::int64_t kImportCacheKib = 256 * 1024;
constexpr std::int64_t kImportCheckpointPages = 32768;  // 128 MiB of 4 KiB pages
constexpr std::uint64_t kAnalyseAfterRows = 5000;
constexpr std::int64_t kStatusRetentionUs = std::int64_t{7} * 24 * 3600 * 1'000'000;
constexpr std::int64_t kDefaultRootsLock = 0x696e74656c726f6fLL;  // "intelroo"

constexpr storage::Migration kMigrations[] = {
    {1, "api roots, collections, grants, objects, recipients, status, warnings, references",
     R"sql(
CREATE TABLE intel_api_roots (
  id {{id}},
  slug TEXT NOT NULL UNIQUE,
  title TEXT NOT NULL,
  description TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('eu', 'country', 'custom')),
  country TEXT,
  max_content_length BIGINT NOT NULL,
  created_at BIGINT NOT NULL
);

CREATE TABLE intel_collections (
  id {{id}},
  uuid TEXT NOT NULL UNIQUE,
  api_root_id BIGINT NOT NULL REFERENCES intel_api_roots(id),
  title TEXT NOT NULL,
  description TEXT NOT NULL,
  alias TEXT,
  default_tlp SMALLINT NOT NULL CHECK (default_tlp BETWEEN 0 AND 4),
  community_read SMALLINT NOT NULL,
  community_write SMALLINT NOT NULL,
  last_added_us BIGINT NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX intel_collections_alias ON intel_collections (api_root_id, alias);

CREATE TABLE intel_collection_grants (
  collection_id BIGINT NOT NULL REFERENCES intel_collections(id) ON DELETE CASCADE,
  org_id BIGINT NOT NULL REFERENCES organisations(id),
  can_read SMALLINT NOT NULL,
  can_write SMALLINT NOT NULL,
  PRIMARY KEY (collection_id, org_id)
);

-- collection_id and producer_id name rows that are never deleted; the service writes them, and
-- a bulk load does not pay a foreign-key check per row.
CREATE TABLE intel_objects (
  seq {{id}},
  collection_id BIGINT NOT NULL,
  stix_id TEXT NOT NULL,
  type TEXT NOT NULL,
  spec_version TEXT NOT NULL,
  version TEXT NOT NULL,
  version_ns BIGINT NOT NULL,
  date_added_us BIGINT NOT NULL,
  producer_id BIGINT NOT NULL,
  producer_parent_id BIGINT,
  tlp SMALLINT NOT NULL CHECK (tlp BETWEEN 0 AND 4),
  is_latest SMALLINT NOT NULL,
  revoked SMALLINT NOT NULL,
  valid_until_us BIGINT,
  confidence SMALLINT,
  warninglisted SMALLINT NOT NULL,
  name TEXT,
  name_lc TEXT,
  body TEXT NOT NULL,
  UNIQUE (stix_id, collection_id, version_ns, producer_id)
);
CREATE INDEX intel_objects_added ON intel_objects (collection_id, date_added_us, seq);

CREATE TABLE intel_recipients (
  object_seq BIGINT NOT NULL REFERENCES intel_objects(seq) ON DELETE CASCADE,
  org_id BIGINT NOT NULL,
  PRIMARY KEY (object_seq, org_id)
);

CREATE TABLE intel_status (
  id TEXT PRIMARY KEY,
  api_root_id BIGINT NOT NULL REFERENCES intel_api_roots(id),
  org_id BIGINT NOT NULL,
  created_at_us BIGINT NOT NULL,
  total BIGINT NOT NULL,
  success BIGINT NOT NULL,
  failure BIGINT NOT NULL,
  pending BIGINT NOT NULL,
  details TEXT NOT NULL
);
CREATE INDEX intel_status_created ON intel_status (created_at_us);

CREATE TABLE intel_warnings (
  object_seq BIGINT NOT NULL REFERENCES intel_objects(seq) ON DELETE CASCADE,
  kind TEXT NOT NULL,
  value TEXT NOT NULL,
  list TEXT NOT NULL
);
CREATE INDEX intel_warnings_object ON intel_warnings (object_seq);

CREATE TABLE intel_refs (
  object_seq BIGINT NOT NULL REFERENCES intel_objects(seq) ON DELETE CASCADE,
  ref_id TEXT NOT NULL,
  kind TEXT NOT NULL
);
CREATE INDEX intel_refs_ref ON intel_refs (ref_id);
CREATE INDEX intel_refs_object ON intel_refs (object_seq);
)sql"},
};

// ---------------------------------------------------------------------------------------------
// Small helpers.

std::int64_t Micros(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
}

TimePoint FromMicros(std::int64_t us) {
  return TimePoint(std::chrono::duration_cast<TimePoint::duration>(std::chrono::microseconds(us)));
}

// A STIX timestamp with microseconds: "2026-11-29T14:17:03.123456Z".
std::string FormatMicros(std::int64_t us) {
  using namespace std::chrono;
  const sys_time<microseconds> tp{microseconds(us)};
  const auto day = floor<days>(tp);
  const year_month_day ymd{day};
  const hh_mm_ss<microseconds> hms{tp - day};
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z", static_cast<int>(ymd.year()),
                     static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                     hms.hours().count(), hms.minutes().count(), hms.seconds().count(),
                     hms.subseconds().count());
}

std::int64_t Nanos(const StixTimestamp& t) { return t.seconds * 1'000'000'000 + t.nanos; }

Value OptInt(const std::optional<std::int64_t>& v) { return v ? Value(*v) : Null(); }
Value Bool(bool b) { return Int(b ? 1 : 0); }

std::string_view RootKindName(RootKind kind) {
  switch (kind) {
    case RootKind::kEu:
      return "eu";
    case RootKind::kCountry:
      return "country";
    case RootKind::kCustom:
      return "custom";
  }
  return "custom";
}

RootKind ParseRootKind(std::string_view text) {
  if (text == "eu") return RootKind::kEu;
  if (text == "country") return RootKind::kCountry;
  return RootKind::kCustom;
}

TlpLevel TlpOf(std::int64_t v) { return static_cast<TlpLevel>(std::clamp<std::int64_t>(v, 0, 4)); }

// `text` cut to at most `max` bytes without splitting a UTF-8 sequence, with control characters
// turned into spaces (a name goes into a TEXT column and a search column).
std::string CleanText(std::string_view text, std::size_t max) {
  if (text.size() > max) {
    std::size_t cut = max;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
    text = text.substr(0, cut);
  }
  std::string out(text);
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  }
  return out;
}

std::string AsciiLower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// The cursor of a page: opaque, but only "v1.<date_added_us>.<seq>" in base64url.
std::string EncodeCursor(std::int64_t added_us, std::int64_t seq) {
  return Base64UrlEncode(fmt::format("v1.{}.{}", added_us, seq));
}

std::optional<std::pair<std::int64_t, std::int64_t>> DecodeCursor(std::string_view cursor) {
  if (cursor.size() > 200) return std::nullopt;
  const auto text = Base64UrlDecode(cursor);
  if (!text || !text->starts_with("v1.")) return std::nullopt;
  const std::string_view rest = std::string_view(*text).substr(3);
  const auto dot = rest.find('.');
  if (dot == std::string_view::npos) return std::nullopt;
  const auto parse = [](std::string_view s) -> std::optional<std::int64_t> {
    if (s.empty() || s.size() > 19) return std::nullopt;
    std::int64_t v = 0;
    for (char c : s) {
      if (c < '0' || c > '9') return std::nullopt;
      v = v * 10 + (c - '0');
    }
    return v;
  };
  const auto added = parse(rest.substr(0, dot));
  const auto seq = parse(rest.substr(dot + 1));
  if (!added || !seq) return std::nullopt;
  return std::make_pair(*added, *seq);
}

bool ValidSlug(std::string_view slug, std::size_t min, std::size_t max) {
  if (slug.size() < min || slug.size() > max) return false;
  if (slug.front() == '-' || slug.back() == '-') return false;
  return std::all_of(slug.begin(), slug.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

// One SQL statement built piece by piece with its parameters.
struct Sql {
  std::string text;
  std::vector<Value> params;

  Sql& Add(std::string_view s) {
    text += s;
    return *this;
  }
  Sql& Add(std::string_view s, Value v) {
    text += s;
    params.push_back(std::move(v));
    return *this;
  }
  Sql& Add(const SqlPredicate& p) {
    text += p.sql;
    params.insert(params.end(), p.params.begin(), p.params.end());
    return *this;
  }
  // " AND column IN (?, ...)" for non-empty values.
  Sql& In(std::string_view column, const std::vector<Value>& values) {
    text += column;
    text += " IN (";
    for (std::size_t i = 0; i < values.size(); ++i) text += i == 0 ? "?" : ", ?";
    text += ")";
    params.insert(params.end(), values.begin(), values.end());
    return *this;
  }
};

std::string Placeholders(std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i) out += i == 0 ? "?" : ", ?";
  return out;
}

// "The newest version of its object that the reader may see", for a row `o`: either the newest
// version of all, or one with no newer visible version in the same collection.
Sql LatestVisible(const ViewScope& scope, bool first) {
  Sql s;
  if (!first) s.Add("(o.is_latest = 1 OR ");
  s.Add(
      "NOT EXISTS (SELECT 1 FROM intel_objects n WHERE n.collection_id = o.collection_id "
      "AND n.stix_id = o.stix_id AND n.version_ns ");
  s.Add(first ? "<" : ">");
  s.Add(" o.version_ns AND ").Add(VisiblePredicate(scope, "n")).Add(")");
  if (!first) s.Add(")");
  return s;
}

Sql& AddSql(Sql& to, const Sql& from) {
  to.text += from.text;
  to.params.insert(to.params.end(), from.params.begin(), from.params.end());
  return to;
}

// UUID version 5 (RFC 4122 section 4.3) of a name in a namespace.
std::string Uuid5(const std::array<unsigned char, 16>& ns, std::string_view name) {
  std::string input(reinterpret_cast<const char*>(ns.data()), ns.size());
  input.append(name);
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  if (EVP_Digest(input.data(), input.size(), digest.data(), &length, EVP_sha1(), nullptr) != 1 ||
      length < 16) {
    throw std::runtime_error("SHA-1 is unavailable");
  }
  digest[6] = static_cast<unsigned char>((digest[6] & 0x0f) | 0x50);
  digest[8] = static_cast<unsigned char>((digest[8] & 0x3f) | 0x80);
  const std::string hex =
      HexEncode(std::string_view(reinterpret_cast<const char*>(digest.data()), 16));
  return fmt::format("{}-{}-{}-{}-{}", hex.substr(0, 8), hex.substr(8, 4), hex.substr(12, 4),
                     hex.substr(16, 4), hex.substr(20, 12));
}

// The hub's UUID namespace for identifiers it derives (organisations' identities).
constexpr std::array<unsigned char, 16> kHubNamespace = {
    0x6c, 0x1e, 0x4b, 0x8a, 0x2f, 0x0d, 0x4e, 0x51, 0x9b, 0x3c, 0x7a, 0x52, 0xd1, 0x0e, 0x86, 0x4f};

// ---------------------------------------------------------------------------------------------
// Rows.

constexpr std::string_view kCollectionColumns =
    "c.id, c.uuid, c.api_root_id, r.slug, r.kind, r.country, c.title, c.description, c.alias, "
    "c.default_tlp, c.community_read, c.community_write, r.max_content_length";
constexpr std::string_view kCollectionFrom =
    " FROM intel_collections c JOIN intel_api_roots r ON r.id = c.api_root_id";

struct CollectionRow {
  std::int64_t id = 0;
  std::string uuid;
  std::int64_t root_id = 0;
  std::string root_slug;
  RootKind root_kind = RootKind::kCustom;
  std::optional<std::string> root_country;
  std::string title;
  std::string description;
  std::string alias;
  TlpLevel default_tlp = TlpLevel::kGreen;
  bool community_read = false;
  bool community_write = false;
  std::int64_t max_content_length = kMaxContentLength;
};

CollectionRow ReadCollection(const Row& r) {
  CollectionRow c;
  c.id = r.Int(0);
  c.uuid = r.Text(1);
  c.root_id = r.Int(2);
  c.root_slug = r.Text(3);
  c.root_kind = ParseRootKind(r.Text(4));
  c.root_country = r.OptText(5);
  c.title = r.Text(6);
  c.description = r.Text(7);
  c.alias = r.OptText(8).value_or("");
  c.default_tlp = TlpOf(r.Int(9));
  c.community_read = r.Int(10) != 0;
  c.community_write = r.Int(11) != 0;
  c.max_content_length = r.Int(12);
  return c;
}

std::optional<CollectionRow> FindCollection(Tx& tx, std::string_view where, Value key) {
  Sql s;
  s.Add("SELECT ").Add(kCollectionColumns).Add(kCollectionFrom).Add(where, std::move(key));
  auto row = tx.One(s.text, {s.params[0]});
  if (!row) return std::nullopt;
  return ReadCollection(*row);
}

std::optional<CollectionRow> CollectionByUuid(Tx& tx, std::string_view uuid) {
  if (uuid.empty() || uuid.size() > 64) return std::nullopt;
  return FindCollection(tx, " WHERE c.uuid = ?", Text(std::string(uuid)));
}

std::optional<CollectionRow> CollectionById(Tx& tx, std::int64_t id) {
  return FindCollection(tx, " WHERE c.id = ?", Int(id));
}

constexpr std::string_view kRootColumns =
    "id, slug, title, description, kind, country, max_content_length";

ApiRoot ReadRoot(const Row& r) {
  ApiRoot root;
  root.id = r.Int(0);
  root.slug = r.Text(1);
  root.title = r.Text(2);
  root.description = r.Text(3);
  root.kind = ParseRootKind(r.Text(4));
  root.country = r.OptText(5);
  root.max_content_length = static_cast<std::size_t>(r.Int(6));
  return root;
}

std::optional<ApiRoot> RootBySlug(Tx& tx, std::string_view slug) {
  if (slug.empty() || slug.size() > 64) return std::nullopt;
  auto row = tx.One(fmt::format("SELECT {} FROM intel_api_roots WHERE slug = ?", kRootColumns),
                    {Text(std::string(slug))});
  if (!row) return std::nullopt;
  return ReadRoot(*row);
}

constexpr std::string_view kObjectColumns =
    "o.seq, o.collection_id, o.stix_id, o.type, o.spec_version, o.version, o.date_added_us, "
    "o.tlp, o.producer_id, o.is_latest, o.warninglisted";

StoredObject ReadObject(const Row& r, bool with_body) {
  StoredObject o;
  o.seq = r.Int(0);
  o.collection_id = r.Int(1);
  o.id = r.Text(2);
  o.type = r.Text(3);
  o.spec_version = r.Text(4);
  o.version = r.Text(5);
  o.date_added = FromMicros(r.Int(6));
  o.tlp = TlpOf(r.Int(7));
  o.producer_id = r.Int(8);
  o.is_latest = r.Int(9) != 0;
  o.warninglisted = r.Int(10) != 0;
  if (with_body) o.json = r.Text(11);
  return o;
}

// ---------------------------------------------------------------------------------------------
// Who is acting, and what it may do with a collection.

struct Who {
  const identity::Principal* principal = nullptr;  // null: the system
  std::optional<ReaderOrg> org;
  bool system() const { return principal == nullptr; }
};

Who LoadWho(Tx& tx, Actor actor) {
  Who who;
  who.principal = actor.principal;
  if (actor.principal) who.org = LoadReaderOrg(tx, actor.principal->organisation_id);
  return who;
}

struct Access {
  bool read = false;
  bool write = false;
  bool administer = false;
  bool any() const { return read || write || administer; }
};

Access Decide(const Who& who, const identity::CollectionRef& ref) {
  if (who.system()) return {true, true, true};
  const auto& p = *who.principal;
  return {AllowedOnCollection(p, CollectionAction::kRead, ref),
          AllowedOnCollection(p, CollectionAction::kWrite, ref),
          AllowedOnCollection(p, CollectionAction::kAdminister, ref)};
}

Access AccessTo(Tx& tx, const Who& who, std::int64_t collection_id) {
  if (who.system()) return {true, true, true};
  if (!who.org) return {};
  const auto all = LoadCollectionAccess(tx, *who.org, collection_id);
  if (all.empty()) return {};
  return Decide(who, all.front().ref);
}

// May the actor administer a root (create collections in it)? The same rule as for a collection
// of that root.
bool AdministersRoot(const Who& who, const std::optional<std::string>& root_country) {
  if (who.system()) return true;
  if (!who.org) return false;
  identity::CollectionRef ref;
  ref.root_country = root_country;
  ref.own_country = who.org->country;
  return AllowedOnCollection(*who.principal, CollectionAction::kAdminister, ref);
}

std::int64_t CountVisibleLatest(Tx& tx, const ViewScope& scope, std::int64_t collection_id) {
  Sql s;
  s.Add("SELECT COUNT(*) FROM intel_objects o WHERE o.collection_id = ?", Int(collection_id))
      .Add(" AND ")
      .Add(VisiblePredicate(scope, "o"))
      .Add(" AND ");
  AddSql(s, LatestVisible(scope, false));
  const auto result = tx.Exec(s.text, s.params);
  return result.rows.empty() ? 0 : result.rows[0].Int(0);
}

CollectionInfo InfoOf(const CollectionRow& c, const Access& a, std::int64_t objects) {
  CollectionInfo info;
  info.id = c.id;
  info.uuid = c.uuid;
  info.api_root_id = c.root_id;
  info.api_root_slug = c.root_slug;
  info.title = c.title;
  info.description = c.description;
  info.alias = c.alias;
  info.default_tlp = c.default_tlp;
  info.community_read = c.community_read;
  info.community_write = c.community_write;
  info.can_read = a.read;
  info.can_write = a.write;
  info.can_administer = a.administer;
  info.objects = objects;
  return info;
}

// Every collection (of one root, with `root_id`) the actor may read, write or administer, with
// the objects it sees counted when `count_scope` is given (else -1).
std::vector<CollectionInfo> ListFor(Tx& tx,
                                    const Who& who,
                                    const ViewScope* count_scope,
                                    std::optional<std::int64_t> root_id) {
  std::map<std::int64_t, Access> access;
  if (!who.system() && who.org) {
    for (const auto& a : LoadCollectionAccess(tx, *who.org))
      access[a.collection_id] = Decide(who, a.ref);
  }
  Sql s;
  s.Add("SELECT ").Add(kCollectionColumns).Add(kCollectionFrom);
  if (root_id) s.Add(" WHERE c.api_root_id = ?", Int(*root_id));
  s.Add(" ORDER BY r.id, c.id");
  std::vector<CollectionInfo> out;
  for (const auto& row : tx.Exec(s.text, s.params).rows) {
    const CollectionRow c = ReadCollection(row);
    Access a;
    if (who.system()) {
      a = {true, true, true};
    } else if (auto it = access.find(c.id); it != access.end()) {
      a = it->second;
    }
    if (!a.any()) continue;
    std::int64_t objects = -1;
    if (count_scope != nullptr) objects = a.read ? CountVisibleLatest(tx, *count_scope, c.id) : 0;
    out.push_back(InfoOf(c, a, objects));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Ingest.

// Where objects go and on whose behalf.
struct IngestTarget {
  CollectionRow collection;
  std::int64_t producer_id = 0;
  std::optional<std::int64_t> producer_parent_id;
  ViewScope reporter;  // the producer's scope, for sightings
  const SubmitOptions* options = nullptr;
  bool report_successes = true;  // false: BatchOutcome::successes stays empty (counts only)
};

struct Pending {
  std::size_t index = 0;
  StixObject object;
};

struct BatchOutcome {
  std::vector<AcceptedObject> successes;
  std::vector<RejectedObject> failures;
  std::vector<WarningFlag> warnings;
  std::uint64_t stored = 0;
  std::uint64_t duplicates = 0;
};

// One object version ready to be written.
struct NewRow {
  std::size_t index = 0;
  std::string id;
  std::string type;
  std::string spec_version;
  std::string version;
  std::int64_t version_ns = 0;
  bool versioned = true;        // false: no created/modified, versioned by date_added
  std::optional<TlpLevel> tlp;  // its TLP marking, if it has one
  bool revoked = false;
  std::optional<std::int64_t> valid_until_us;
  std::optional<std::int64_t> confidence;
  std::string name;
  std::string name_lc;
  std::string body;
  std::vector<Observable> observables;
  std::vector<WarninglistHit> hits;
  std::vector<std::pair<std::string, std::string>> refs;  // (ref id, kind)
};

// A batch read, validated and prepared outside any transaction. StoreBatch only reads it, so a
// transaction that is retried starts again from the same batch.
struct PreparedBatch {
  std::vector<NewRow> rows;
  std::vector<Pending> sightings;
  std::vector<RejectedObject> rejected;  // by the reader, reported with the batch
  std::uint64_t bytes_read = 0;          // of the input, when the batch was complete
};

const json::string* StringAt(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v ? v->if_string() : nullptr;
}

std::string NameOf(const StixObject& obj, const std::vector<Observable>& observables) {
  for (std::string_view key : {"name", "value"}) {
    if (const auto* s = StringAt(obj.json, key)) return CleanText(*s, kMaxNameBytes);
  }
  if (!observables.empty()) return CleanText(observables.front().value, kMaxNameBytes);
  if (const auto* s = StringAt(obj.json, "relationship_type")) return CleanText(*s, kMaxNameBytes);
  return {};
}

std::vector<std::pair<std::string, std::string>> RefsOf(const StixObject& obj) {
  std::vector<std::pair<std::string, std::string>> out;
  if (obj.type == "relationship") {
    if (const auto* s = StringAt(obj.json, "source_ref")) out.emplace_back(*s, "source");
    if (const auto* s = StringAt(obj.json, "target_ref")) out.emplace_back(*s, "target");
    return out;
  }
  if (const auto* refs = obj.json.if_contains("object_refs"); refs && refs->is_array()) {
    std::set<std::string_view> seen;
    for (const auto& r : refs->get_array()) {
      if (out.size() >= kMaxRefsPerObject) break;
      if (const auto* s = r.if_string(); s && seen.insert(*s).second) {
        out.emplace_back(*s, "object_ref");
      }
    }
  }
  return out;
}

NewRow Prepare(Pending&& p, const Warninglists* lists) {
  NewRow r;
  StixObject& obj = p.object;
  r.index = p.index;
  r.id = obj.id;
  r.type = obj.type;
  const auto* spec = StringAt(obj.json, "spec_version");
  r.spec_version = spec ? std::string(*spec) : std::string("2.1");
  const char* version_key = obj.modified ? "modified" : obj.created ? "created" : nullptr;
  if (version_key != nullptr) {
    r.version = std::string(obj.json.at(version_key).as_string());
    r.version_ns = Nanos(obj.modified ? *obj.modified : *obj.created);
  } else {
    r.versioned = false;
  }
  std::optional<TlpLevel> tlp;
  if (const auto* refs = obj.json.if_contains("object_marking_refs"); refs && refs->is_array()) {
    for (const auto& m : refs->get_array()) {
      if (const auto* s = m.if_string()) {
        tlp = TlpLevelOfMarking(*s);
        if (tlp) break;
      }
    }
  }
  r.tlp = tlp;
  if (const auto* v = obj.json.if_contains("revoked"); v && v->is_bool()) r.revoked = v->get_bool();
  if (const auto* s = StringAt(obj.json, "valid_until")) {
    if (const auto ts = ParseStixTimestamp(*s))
      r.valid_until_us = ts->seconds * 1'000'000 + ts->nanos / 1000;
  }
  if (const auto* v = obj.json.if_contains("confidence"); v && v->is_int64()) {
    r.confidence = v->get_int64();
  }
  r.observables = ObservablesOfObject(obj);
  if (lists != nullptr) {
    for (const auto& o : r.observables) {
      auto hits = lists->Check(o);
      std::move(hits.begin(), hits.end(), std::back_inserter(r.hits));
    }
  }
  r.name = NameOf(obj, r.observables);
  std::string search = r.name;
  for (const auto& o : r.observables) {
    if (search.size() >= kMaxSearchTextBytes) break;
    if (o.value != r.name) search.append("\n").append(o.value);
  }
  if (const auto* d = StringAt(obj.json, "description")) search.append("\n").append(*d);
  r.name_lc = AsciiLower(CleanText(search, kMaxSearchTextBytes));
  r.refs = RefsOf(obj);
  r.body = json::serialize(obj.json);
  return r;
}

void AddToBatch(PreparedBatch& batch, Pending&& p, const Warninglists* lists) {
  if (p.object.type == "sighting") {
    batch.sightings.push_back(std::move(p));
  } else {
    batch.rows.push_back(Prepare(std::move(p), lists));
  }
}

void RecordSighting(Tx& tx,
                    const SightingLedger& ledger,
                    const IngestTarget& t,
                    const Pending& p,
                    TimePoint now,
                    BatchOutcome& out) {
  const std::string version = StringAt(p.object.json, "modified")
                                  ? std::string(p.object.json.at("modified").as_string())
                                  : std::string();
  auto input = SightingLedger::FromStix(p.object);
  if (!input) {
    out.failures.push_back({p.index, p.object.id, input.error()});
    return;
  }
  input->share_identity = t.options->share_sighting_identity;
  input->source = t.options->source;
  if (auto recorded = ledger.Record(tx, t.reporter, *input, now); !recorded) {
    Error e = recorded.error();
    if (e.field.empty()) e.field = "/sighting_of_ref";
    out.failures.push_back({p.index, p.object.id, std::move(e)});
    return;
  }
  out.successes.push_back({p.object.id, version, true});
  ++out.stored;
}

// Stamps the batch: takes the collection's lock and moves its date_added clock forward.
std::int64_t StampDateAdded(Tx& tx, std::int64_t collection_id, std::int64_t now_us) {
  auto row = tx.One(
      "UPDATE intel_collections SET last_added_us = CASE WHEN last_added_us >= ? "
      "THEN last_added_us + 1 ELSE ? END WHERE id = ? RETURNING last_added_us",
      {Int(now_us), Int(now_us), Int(collection_id)});
  if (!row) throw storage::StorageError(storage::StorageError::Kind::kOther, "collection vanished");
  return row->Int(0);
}

// What a batch finds of one object in its collection.
struct Known {
  std::int64_t max_ns = INT64_MIN;  // the newest version stored before this batch, any producer
  std::set<std::int64_t> versions;  // the versions the producer owns or sees, and this batch's
  std::string first_version;        // the earliest of those, as text
};

// What one attempt at storing a batch decides for each of its rows.
struct Decision {
  bool store = true;
  bool is_latest = false;
  std::string version;  // unversioned objects: assigned by the attempt
  std::int64_t version_ns = 0;
  std::int64_t seq = 0;  // once inserted
};

struct InsertContext {
  const IngestTarget& target;
  std::int64_t added_us = 0;
  TlpLevel default_tlp = TlpLevel::kGreen;
};

constexpr std::string_view kInsertColumns =
    "collection_id, stix_id, type, spec_version, version, version_ns, date_added_us, producer_id, "
    "producer_parent_id, tlp, is_latest, revoked, valid_until_us, confidence, warninglisted, name, "
    "name_lc, body";

// Sets the seq of each row of `chunk` (indexes into rows and decisions; (id, version_ns) is unique
// in a batch) from RETURNING seq, stix_id, version_ns. The rows usually come back in the order
// they were inserted; in any other order they are matched by key.
void TakeSeqs(const storage::QueryResult& result,
              const std::vector<NewRow>& rows,
              std::vector<Decision>& decisions,
              std::span<const std::size_t> chunk) {
  std::map<std::pair<std::string_view, std::int64_t>, std::size_t> by_key;  // built if needed
  for (std::size_t k = 0; k < result.rows.size(); ++k) {
    const Row& row = result.rows[k];
    const std::string& id = row.Text(1);
    const std::int64_t ns = row.Int(2);
    if (k < chunk.size() && decisions[chunk[k]].version_ns == ns && rows[chunk[k]].id == id) {
      decisions[chunk[k]].seq = row.Int(0);
      continue;
    }
    if (by_key.empty()) {
      for (std::size_t i : chunk) by_key[{rows[i].id, decisions[i].version_ns}] = i;
    }
    if (auto it = by_key.find({id, ns}); it != by_key.end()) decisions[it->second].seq = row.Int(0);
  }
}

// SQLite: multi-row INSERT ... VALUES statements short enough to stay in the statement cache.
void InsertRowsSqlite(Tx& tx,
                      const InsertContext& c,
                      const std::vector<NewRow>& rows,
                      std::vector<Decision>& decisions,
                      const std::vector<std::size_t>& to_store) {
  constexpr std::size_t kColumns = 18;
  std::vector<Value> values;
  const std::string one = "(" + Placeholders(kColumns) + ")";
  for (std::size_t start = 0; start < to_store.size(); start += kRowsPerInsertSqlite) {
    const std::size_t n = std::min(kRowsPerInsertSqlite, to_store.size() - start);
    std::string sql = fmt::format("INSERT INTO intel_objects ({}) VALUES ", kInsertColumns);
    for (std::size_t i = 0; i < n; ++i) {
      if (i > 0) sql += ", ";
      sql += one;
    }
    sql += " RETURNING seq, stix_id, version_ns";
    values.clear();
    values.reserve(n * kColumns);
    for (std::size_t i = 0; i < n; ++i) {
      const NewRow& r = rows[to_store[start + i]];
      const Decision& d = decisions[to_store[start + i]];
      values.push_back(Int(c.target.collection.id));
      values.push_back(Text(r.id));
      values.push_back(Text(r.type));
      values.push_back(Text(r.spec_version));
      values.push_back(Text(d.version));
      values.push_back(Int(d.version_ns));
      values.push_back(Int(c.added_us));
      values.push_back(Int(c.target.producer_id));
      values.push_back(OptInt(c.target.producer_parent_id));
      values.push_back(Int(static_cast<std::int64_t>(r.tlp.value_or(c.default_tlp))));
      values.push_back(Bool(d.is_latest));
      values.push_back(Bool(r.revoked));
      values.push_back(OptInt(r.valid_until_us));
      values.push_back(OptInt(r.confidence));
      values.push_back(Bool(!r.hits.empty()));
      values.push_back(r.name.empty() ? Null() : Text(r.name));
      values.push_back(Text(r.name_lc));
      values.push_back(Text(r.body));
    }
    TakeSeqs(tx.Exec(sql, values), rows, decisions,
             std::span<const std::size_t>(to_store).subspan(start, n));
  }
}

// A PostgreSQL array literal, built element by element: {"text",12,NULL}.
class PgArray {
 public:
  void Add(std::string_view text) {
    Next();
    out_ += '"';
    for (char ch : text) {
      if (ch == '"' || ch == '\\') out_ += '\\';
      out_ += ch;
    }
    out_ += '"';
  }
  void Add(std::int64_t v) {
    Next();
    fmt::format_to(std::back_inserter(out_), "{}", v);
  }
  void Add(const std::optional<std::int64_t>& v) {
    if (v) {
      Add(*v);
    } else {
      Next();
      out_ += "NULL";
    }
  }
  Value Take() {
    out_ += '}';
    Value v = Text(std::move(out_));
    out_ = "{";
    return v;
  }

 private:
  void Next() {
    if (out_.size() > 1) out_ += ',';
  }
  std::string out_ = "{";
};

// PostgreSQL: one INSERT ... SELECT FROM unnest(<one array per column>) per chunk, so that a batch
// costs a few statements to parse and plan instead of one per few dozen rows.
void InsertRowsPostgres(Tx& tx,
                        const InsertContext& c,
                        const std::vector<NewRow>& rows,
                        std::vector<Decision>& decisions,
                        const std::vector<std::size_t>& to_store) {
  static const std::string kSql = fmt::format(
      "INSERT INTO intel_objects ({}) SELECT CAST(? AS BIGINT), t.stix_id, t.type, "
      "t.spec_version, t.version, t.version_ns, CAST(? AS BIGINT), CAST(? AS BIGINT), "
      "CAST(? AS BIGINT), t.tlp, t.is_latest, t.revoked, t.valid_until_us, t.confidence, "
      "t.warninglisted, t.name, t.name_lc, t.body FROM unnest(CAST(? AS TEXT[]), "
      "CAST(? AS TEXT[]), CAST(? AS TEXT[]), CAST(? AS TEXT[]), CAST(? AS BIGINT[]), "
      "CAST(? AS SMALLINT[]), CAST(? AS SMALLINT[]), CAST(? AS SMALLINT[]), CAST(? AS BIGINT[]), "
      "CAST(? AS SMALLINT[]), CAST(? AS SMALLINT[]), CAST(? AS TEXT[]), CAST(? AS TEXT[]), "
      "CAST(? AS TEXT[])) AS t(stix_id, type, spec_version, version, version_ns, tlp, is_latest, "
      "revoked, valid_until_us, confidence, warninglisted, name, name_lc, body) "
      "RETURNING seq, stix_id, version_ns",
      kInsertColumns);
  constexpr std::size_t kArrays = 14;
  for (std::size_t start = 0; start < to_store.size(); start += kRowsPerInsertPostgres) {
    const std::size_t n = std::min(kRowsPerInsertPostgres, to_store.size() - start);
    std::array<PgArray, kArrays> a;
    for (std::size_t i = 0; i < n; ++i) {
      const NewRow& r = rows[to_store[start + i]];
      const Decision& d = decisions[to_store[start + i]];
      a[0].Add(r.id);
      a[1].Add(r.type);
      a[2].Add(r.spec_version);
      a[3].Add(d.version);
      a[4].Add(d.version_ns);
      a[5].Add(static_cast<std::int64_t>(r.tlp.value_or(c.default_tlp)));
      a[6].Add(std::int64_t{d.is_latest ? 1 : 0});
      a[7].Add(std::int64_t{r.revoked ? 1 : 0});
      a[8].Add(r.valid_until_us);
      a[9].Add(r.confidence);
      a[10].Add(std::int64_t{r.hits.empty() ? 0 : 1});
      if (r.name.empty()) {
        a[11].Add(std::optional<std::int64_t>());
      } else {
        a[11].Add(r.name);
      }
      a[12].Add(r.name_lc);
      a[13].Add(r.body);
    }
    std::vector<Value> values{Int(c.target.collection.id), Int(c.added_us),
                              Int(c.target.producer_id), OptInt(c.target.producer_parent_id)};
    for (auto& column : a) values.push_back(column.Take());
    TakeSeqs(tx.Exec(kSql, values), rows, decisions,
             std::span<const std::size_t>(to_store).subspan(start, n));
  }
}

}  // namespace

// ---------------------------------------------------------------------------------------------

class IntelService::Impl {
 public:
  Impl(storage::Database& db, const Clock& clock, std::shared_ptr<const Warninglists> warninglists)
      : db_(db), clock_(clock), warninglists_(std::move(warninglists)) {}

  // Writes one prepared batch in the caller's transaction. Leaves `batch` as it was, and adds
  // to `out` only what this attempt did (the caller resets it before a retry).
  void StoreBatch(Tx& tx,
                  const IngestTarget& t,
                  const PreparedBatch& batch,
                  TimePoint now,
                  BatchOutcome& out) const;

  // Submit and SubmitObjects once the input is read: access, then the objects and the status
  // resource in one transaction. `input_error` (the input as a whole is unreadable) is reported
  // after the access checks, so that it tells nothing to who may not write.
  Result<IngestReport> Ingest(Actor actor,
                              std::string_view collection_uuid,
                              std::vector<Pending>&& pending,
                              std::vector<RejectedObject>&& rejected,
                              const std::optional<Error>& input_error,
                              std::size_t input_bytes,
                              const SubmitOptions& options);

  storage::Database& db_;
  const Clock& clock_;
  std::shared_ptr<const Warninglists> warninglists_;
  CorrelationIndex correlation_;
  SightingLedger ledger_;
};

void IntelService::Impl::StoreBatch(Tx& tx,
                                    const IngestTarget& t,
                                    const PreparedBatch& batch,
                                    TimePoint now,
                                    BatchOutcome& out) const {
  out.failures.insert(out.failures.end(), batch.rejected.begin(), batch.rejected.end());
  if (batch.rows.empty() && batch.sightings.empty()) return;
  const std::int64_t added_us = StampDateAdded(tx, t.collection.id, Micros(now));
  const std::vector<NewRow>& rows = batch.rows;
  const TlpLevel default_tlp = t.options->tlp.value_or(t.collection.default_tlp);
  std::vector<Decision> decisions(rows.size());

  // What is already there of these objects. Every stored version counts for which is the latest;
  // only the producer's own versions and those it may see count as "already stored", since
  // acknowledging any other would tell it of an object it may not see (its copy is kept beside).
  std::unordered_map<std::string, Known> known;
  known.reserve(rows.size());
  const SqlPredicate visible = VisiblePredicate(t.reporter, "o");
  std::vector<std::string_view> ids;
  const bool postgres = tx.dialect() == storage::Dialect::kPostgres;
  const auto query_known = [&] {
    if (ids.empty()) return;
    Sql s;
    s.Add("SELECT o.stix_id, o.version_ns, o.version, CASE WHEN o.producer_id = ?",
          Int(t.producer_id))
        .Add(" OR ")
        .Add(visible)
        .Add(" THEN 1 ELSE 0 END FROM intel_objects o WHERE o.collection_id = ?",
             Int(t.collection.id));
    if (postgres) {
      PgArray list;
      for (std::string_view id : ids) list.Add(id);
      s.Add(" AND o.stix_id = ANY(CAST(? AS TEXT[]))", list.Take());
    } else {
      std::vector<Value> values;
      for (std::string_view id : ids) values.push_back(Text(std::string(id)));
      s.In(" AND o.stix_id", values);
    }
    for (const auto& row : tx.Exec(s.text, s.params).rows) {
      Known& k = known[row.Text(0)];
      const std::int64_t ns = row.Int(1);
      k.max_ns = std::max(k.max_ns, ns);
      if (row.Int(3) == 0) continue;
      if (k.versions.empty() || ns < *k.versions.begin()) k.first_version = row.Text(2);
      k.versions.insert(ns);
    }
    ids.clear();
  };
  {
    const std::size_t per_query = postgres ? kIdsPerArray : kIdsPerQuery;
    std::unordered_set<std::string_view> asked;
    asked.reserve(rows.size());
    for (const auto& r : rows) {
      if (!asked.insert(r.id).second) continue;
      ids.push_back(r.id);
      if (ids.size() == per_query) query_known();
    }
    query_known();
  }

  // Which versions are new, and which is now the latest of each object.
  std::unordered_map<std::string_view, std::int64_t> newest;  // after this batch
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const NewRow& r = rows[i];
    Decision& d = decisions[i];
    d.version = r.version;
    d.version_ns = r.version_ns;
    auto found = known.find(r.id);
    const Known* k = found == known.end() ? nullptr : &found->second;
    if (!r.versioned) {
      if (k != nullptr && !k->versions.empty()) {
        d.store = false;
        d.version = k->first_version;
      } else {
        d.version = FormatMicros(added_us);
        d.version_ns = added_us * 1000;
      }
    } else if (k != nullptr && k->versions.count(d.version_ns) > 0) {
      d.store = false;
    }
    if (!d.store) {
      if (t.report_successes) out.successes.push_back({r.id, d.version, false});
      ++out.duplicates;
      continue;
    }
    Known& mine = found == known.end() ? known[r.id] : found->second;
    if (mine.versions.empty()) mine.first_version = d.version;
    mine.versions.insert(d.version_ns);
    auto [it, inserted] = newest.try_emplace(r.id, mine.max_ns);
    it->second = std::max(it->second, d.version_ns);
  }
  for (const auto& [id, ns] : newest) {
    const auto k = known.find(std::string(id));
    if (k != known.end() && k->second.max_ns != INT64_MIN && ns > k->second.max_ns) {
      tx.Exec(
          "UPDATE intel_objects SET is_latest = 0 WHERE collection_id = ? AND stix_id = ? AND "
          "is_latest = 1 AND version_ns < ?",
          {Int(t.collection.id), Text(std::string(id)), Int(ns)});
    }
  }

  std::vector<std::size_t> to_store;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (!decisions[i].store) continue;
    decisions[i].is_latest = newest[rows[i].id] == decisions[i].version_ns;
    to_store.push_back(i);
  }

  const InsertContext context{t, added_us, default_tlp};
  if (tx.dialect() == storage::Dialect::kPostgres) {
    InsertRowsPostgres(tx, context, rows, decisions, to_store);
  } else {
    InsertRowsSqlite(tx, context, rows, decisions, to_store);
  }

  std::vector<Value> recipients;
  std::vector<Value> warnings;
  std::vector<Value> refs;
  std::vector<IndexEntry> index;
  index.reserve(to_store.size());
  for (std::size_t i : to_store) {
    const NewRow& r = rows[i];
    const std::int64_t seq = decisions[i].seq;
    if (seq == 0) {
      throw storage::StorageError(storage::StorageError::Kind::kOther,
                                  "an inserted object version was not returned");
    }
    if (!r.observables.empty()) index.push_back({seq, r.observables});
    for (std::int64_t org : t.options->recipients) {
      recipients.push_back(Int(seq));
      recipients.push_back(Int(org));
    }
    for (const auto& h : r.hits) {
      warnings.push_back(Int(seq));
      warnings.push_back(Text(std::string(KindName(h.observable.kind))));
      warnings.push_back(Text(h.observable.value));
      warnings.push_back(Text(h.list));
      out.warnings.push_back({r.id, h.observable, h.list});
    }
    for (const auto& [ref, kind] : r.refs) {
      refs.push_back(Int(seq));
      refs.push_back(Text(ref));
      refs.push_back(Text(kind));
    }
    if (t.report_successes) out.successes.push_back({r.id, decisions[i].version, true});
    ++out.stored;
  }
  if (!index.empty()) correlation_.IndexAll(tx, index);
  if (!recipients.empty()) {
    storage::InsertRows(tx, "INSERT INTO intel_recipients (object_seq, org_id) VALUES ", 2,
                        recipients);
  }
  if (!warnings.empty()) {
    storage::InsertRows(tx, "INSERT INTO intel_warnings (object_seq, kind, value, list) VALUES ", 4,
                        warnings);
  }
  if (!refs.empty()) {
    storage::InsertRows(tx, "INSERT INTO intel_refs (object_seq, ref_id, kind) VALUES ", 3, refs);
  }
  // Sightings last, so that one may sight an object of the same batch.
  for (const auto& p : batch.sightings) RecordSighting(tx, ledger_, t, p, now, out);
}

IntelService::IntelService(storage::Database& db,
                           const Clock& clock,
                           identity::IdentityService&,
                           std::shared_ptr<const Warninglists> warninglists)
    : db_(db), clock_(clock), impl_(std::make_unique<Impl>(db, clock, std::move(warninglists))) {}

IntelService::~IntelService() = default;

std::span<const storage::Migration> IntelService::Migrations() { return kMigrations; }

std::string IntelService::OrgIdentityId(std::int64_t org_id) {
  return "identity--" + Uuid5(kHubNamespace, fmt::format("caduceus:organisation:{}", org_id));
}

// ---------------------------------------------------------------------------------------------
// Roots and collections.

namespace {

std::int64_t EnsureRoot(Tx& tx,
                        std::string_view slug,
                        std::string_view title,
                        std::string_view description,
                        RootKind kind,
                        const std::optional<std::string>& country,
                        std::int64_t now_ms) {
  tx.Exec(
      "INSERT INTO intel_api_roots (slug, title, description, kind, country, max_content_length, "
      "created_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (slug) DO NOTHING",
      {Text(std::string(slug)), Text(std::string(title)), Text(std::string(description)),
       Text(std::string(RootKindName(kind))), storage::OptText(country), Int(kMaxContentLength),
       Int(now_ms)});
  return tx.One("SELECT id FROM intel_api_roots WHERE slug = ?", {Text(std::string(slug))})->Int(0);
}

std::int64_t EnsureCollection(Tx& tx,
                              std::int64_t root_id,
                              std::string_view alias,
                              std::string_view title,
                              std::string_view description,
                              TlpLevel tlp,
                              bool community_read,
                              bool community_write,
                              std::int64_t now_ms) {
  if (auto row = tx.One("SELECT id FROM intel_collections WHERE api_root_id = ? AND alias = ?",
                        {Int(root_id), Text(std::string(alias))})) {
    return row->Int(0);
  }
  return tx
      .One(
          "INSERT INTO intel_collections (uuid, api_root_id, title, description, alias, "
          "default_tlp, community_read, community_write, created_at) "
          "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
          {Text(RandomUuid()), Int(root_id), Text(std::string(title)),
           Text(std::string(description)), Text(std::string(alias)),
           Int(static_cast<std::int64_t>(tlp)), Bool(community_read), Bool(community_write),
           Int(now_ms)})
      ->Int(0);
}

}  // namespace

Status IntelService::EnsureDefaultRoots() {
  const std::int64_t now_ms = ToUnixMillis(clock_.Now());
  db_.Transact([&](Tx& tx) {
    tx.LockExclusive(kDefaultRootsLock);
    const std::int64_t eu =
        EnsureRoot(tx, "eu", "European Union",
                   "Threat intelligence shared by every organisation of the hub across the EU",
                   RootKind::kEu, std::nullopt, now_ms);
    EnsureCollection(tx, eu, "indicators", "EU indicators",
                     "Indicators of compromise for every healthcare organisation in the EU",
                     TlpLevel::kGreen, true, true, now_ms);
    const std::int64_t reports =
        EnsureCollection(tx, eu, "reports", "EU reports",
                         "Threat reports from the EU support centre and the national authorities",
                         TlpLevel::kGreen, true, false, now_ms);
    const auto orgs = tx.Exec(
        "SELECT id, kind, country FROM organisations WHERE kind IN ('support_centre', "
        "'authority') ORDER BY id");
    std::set<std::string> countries;
    for (const auto& row : orgs.rows) {
      tx.Exec(
          "INSERT INTO intel_collection_grants (collection_id, org_id, can_read, can_write) "
          "VALUES (?, ?, 1, 1) ON CONFLICT (collection_id, org_id) DO NOTHING",
          {Int(reports), Int(row.Int(0))});
      if (row.Text(1) == "authority" && !row.IsNull(2)) countries.insert(row.Text(2));
    }
    for (const auto& cc : countries) {
      if (!identity::IsMemberStateCode(cc)) continue;
      const std::string name(identity::CountryName(cc));
      const std::int64_t root = EnsureRoot(
          tx, AsciiLower(cc), name,
          fmt::format("Shared within {}: its national authority, its healthcare providers and "
                      "the EU support centre",
                      name),
          RootKind::kCountry, cc, now_ms);
      EnsureCollection(tx, root, "indicators", fmt::format("{} indicators", name),
                       fmt::format("Indicators of compromise for healthcare in {}", name),
                       TlpLevel::kAmber, true, true, now_ms);
    }
  });
  return {};
}

Result<std::vector<ApiRoot>> IntelService::ListApiRoots(Actor actor) {
  return db_.Read([&](Tx& tx) -> Result<std::vector<ApiRoot>> {
    const Who who = LoadWho(tx, actor);
    std::set<std::int64_t> reachable;
    if (!who.system() && who.org) {
      for (const auto& a : LoadCollectionAccess(tx, *who.org)) {
        const Access access = Decide(who, a.ref);
        if (access.read || access.write) reachable.insert(a.api_root_id);
      }
    }
    std::vector<ApiRoot> out;
    for (const auto& row :
         tx.Exec(fmt::format("SELECT {} FROM intel_api_roots ORDER BY id", kRootColumns)).rows) {
      ApiRoot root = ReadRoot(row);
      if (who.system() || reachable.count(root.id) > 0 || AdministersRoot(who, root.country)) {
        out.push_back(std::move(root));
      }
    }
    return out;
  });
}

Result<ApiRoot> IntelService::GetApiRoot(Actor actor, std::string_view slug) {
  auto roots = ListApiRoots(actor);
  if (!roots) return roots.error();
  for (auto& r : *roots) {
    if (r.slug == slug) return std::move(r);
  }
  return Error::NotFound("no such API root");
}

Result<ApiRoot> IntelService::CreateApiRoot(Actor actor, const NewApiRoot& root) {
  if (!ValidSlug(root.slug, 2, 40)) {
    return Error::Invalid("slug must be 2 to 40 characters of a-z, 0-9 and inner hyphens", "slug");
  }
  std::string upper = root.slug;
  for (char& c : upper) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
  if (root.slug == "eu" || identity::IsMemberStateCode(upper)) {
    return Error::Conflict("that slug is reserved for the EU and Member State roots");
  }
  if (root.title.empty() || root.title.size() > 200) {
    return Error::Invalid("title must be 1 to 200 bytes", "title");
  }
  if (root.description.size() > 2000) {
    return Error::Invalid("description must be at most 2000 bytes", "description");
  }
  const std::int64_t now_ms = ToUnixMillis(clock_.Now());
  return db_.Transact([&](Tx& tx) -> Result<ApiRoot> {
    const Who who = LoadWho(tx, actor);
    std::optional<std::string> country;
    if (!who.system()) {
      if (!who.org) return Error::Denied("not allowed to create API roots");
      if (who.org->kind == OrgKind::kAuthority) country = who.org->country;
      if (!AdministersRoot(
              who, who.org->kind == OrgKind::kAuthority ? who.org->country : std::nullopt)) {
        return Error::Denied("only support-centre and authority admins create API roots");
      }
    }
    if (RootBySlug(tx, root.slug)) return Error::Conflict("an API root with that slug exists");
    tx.Exec(
        "INSERT INTO intel_api_roots (slug, title, description, kind, country, "
        "max_content_length, created_at) VALUES (?, ?, ?, 'custom', ?, ?, ?) "
        "ON CONFLICT (slug) DO NOTHING",
        {Text(root.slug), Text(CleanText(root.title, 200)), Text(root.description),
         storage::OptText(country), Int(kMaxContentLength), Int(now_ms)});
    auto created = RootBySlug(tx, root.slug);
    if (!created || created->kind != RootKind::kCustom) {
      return Error::Conflict("an API root with that slug exists");
    }
    return *created;
  });
}

Result<std::vector<CollectionInfo>> IntelService::ListCollections(Actor actor,
                                                                  std::string_view root_slug) {
  return db_.Read([&](Tx& tx) -> Result<std::vector<CollectionInfo>> {
    const Who who = LoadWho(tx, actor);
    const auto root = RootBySlug(tx, root_slug);
    if (!root) return Error::NotFound("no such API root");
    auto list = ListFor(tx, who, nullptr, root->id);
    if (list.empty() && !AdministersRoot(who, root->country)) {
      return Error::NotFound("no such API root");
    }
    return list;
  });
}

Result<std::vector<CollectionInfo>> IntelService::ListAllCollections(Actor actor) {
  return db_.Read([&](Tx& tx) -> Result<std::vector<CollectionInfo>> {
    const Who who = LoadWho(tx, actor);
    const ViewScope scope = LoadViewScope(tx, actor);
    return ListFor(tx, who, &scope, std::nullopt);
  });
}

namespace {

// The collection as the actor may know it: NotFound unless it reads, writes or administers it.
// Its objects are counted with `count` (else -1).
Result<CollectionInfo> Describe(Tx& tx,
                                Actor actor,
                                const std::optional<CollectionRow>& c,
                                bool count) {
  if (!c) return Error::NotFound("no such collection");
  const Who who = LoadWho(tx, actor);
  const Access a = AccessTo(tx, who, c->id);
  if (!a.any()) return Error::NotFound("no such collection");
  std::int64_t objects = -1;
  if (count) objects = a.read ? CountVisibleLatest(tx, LoadViewScope(tx, actor), c->id) : 0;
  return InfoOf(*c, a, objects);
}

}  // namespace

Result<CollectionInfo> IntelService::GetCollection(Actor actor,
                                                   std::string_view root_slug,
                                                   std::string_view collection_uuid) {
  return db_.Read([&](Tx& tx) -> Result<CollectionInfo> {
    auto c = CollectionByUuid(tx, collection_uuid);
    if (c && c->root_slug != root_slug) c.reset();
    return Describe(tx, actor, c, false);
  });
}

Result<CollectionInfo> IntelService::GetCollectionByUuid(Actor actor, std::string_view uuid) {
  return db_.Read([&](Tx& tx) -> Result<CollectionInfo> {
    return Describe(tx, actor, CollectionByUuid(tx, uuid), true);
  });
}

namespace {

Status CheckCollectionFields(const NewCollection& c) {
  if (c.title.empty() || c.title.size() > 200) {
    return Error::Invalid("title must be 1 to 200 bytes", "title");
  }
  if (c.description.size() > 2000) {
    return Error::Invalid("description must be at most 2000 bytes", "description");
  }
  if (!c.alias.empty() && !ValidSlug(c.alias, 1, 40)) {
    return Error::Invalid("alias must be 1 to 40 characters of a-z, 0-9 and inner hyphens",
                          "alias");
  }
  return {};
}

bool AliasTaken(Tx& tx, std::int64_t root_id, const std::string& alias, std::int64_t except) {
  if (alias.empty()) return false;
  return tx
      .One("SELECT id FROM intel_collections WHERE api_root_id = ? AND alias = ? AND id <> ?",
           {Int(root_id), Text(alias), Int(except)})
      .has_value();
}

}  // namespace

Result<CollectionInfo> IntelService::CreateCollection(Actor actor, const NewCollection& n) {
  if (auto st = CheckCollectionFields(n); !st) return st.error();
  const std::int64_t now_ms = ToUnixMillis(clock_.Now());
  return db_.Transact([&](Tx& tx) -> Result<CollectionInfo> {
    const Who who = LoadWho(tx, actor);
    const auto root = RootBySlug(tx, n.api_root_slug);
    if (!root) return Error::NotFound("no such API root");
    if (!AdministersRoot(who, root->country)) {
      if (ListFor(tx, who, nullptr, root->id).empty()) {
        return Error::NotFound("no such API root");
      }
      return Error::Denied("not allowed to create collections in this API root");
    }
    if (AliasTaken(tx, root->id, n.alias, 0)) {
      return Error::Conflict("a collection of this API root has that alias");
    }
    const std::int64_t id =
        tx.One(
              "INSERT INTO intel_collections (uuid, api_root_id, title, description, alias, "
              "default_tlp, community_read, community_write, created_at) "
              "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
              {Text(RandomUuid()), Int(root->id), Text(CleanText(n.title, 200)),
               Text(n.description), n.alias.empty() ? Null() : Text(n.alias),
               Int(static_cast<std::int64_t>(n.default_tlp)), Bool(n.community_read),
               Bool(n.community_write), Int(now_ms)})
            ->Int(0);
    const auto c = CollectionById(tx, id);
    const Access a = who.system() ? Access{true, true, true} : AccessTo(tx, who, id);
    return InfoOf(*c, {a.read, a.write, true}, 0);
  });
}

Result<CollectionInfo> IntelService::UpdateCollection(Actor actor,
                                                      std::string_view uuid,
                                                      const NewCollection& changes) {
  if (auto st = CheckCollectionFields(changes); !st) return st.error();
  return db_.Transact([&](Tx& tx) -> Result<CollectionInfo> {
    const Who who = LoadWho(tx, actor);
    const auto c = CollectionByUuid(tx, uuid);
    if (!c) return Error::NotFound("no such collection");
    const Access a = AccessTo(tx, who, c->id);
    if (!a.administer) {
      if (!a.any()) return Error::NotFound("no such collection");
      return Error::Denied("not allowed to change this collection");
    }
    if (AliasTaken(tx, c->root_id, changes.alias, c->id)) {
      return Error::Conflict("a collection of this API root has that alias");
    }
    tx.Exec(
        "UPDATE intel_collections SET title = ?, description = ?, alias = ?, default_tlp = ?, "
        "community_read = ?, community_write = ? WHERE id = ?",
        {Text(CleanText(changes.title, 200)), Text(changes.description),
         changes.alias.empty() ? Null() : Text(changes.alias),
         Int(static_cast<std::int64_t>(changes.default_tlp)), Bool(changes.community_read),
         Bool(changes.community_write), Int(c->id)});
    return Describe(tx, actor, CollectionById(tx, c->id), true);
  });
}

Result<std::vector<CollectionGrant>> IntelService::ListGrants(Actor actor, std::string_view uuid) {
  return db_.Read([&](Tx& tx) -> Result<std::vector<CollectionGrant>> {
    const Who who = LoadWho(tx, actor);
    const auto c = CollectionByUuid(tx, uuid);
    if (!c) return Error::NotFound("no such collection");
    const Access a = AccessTo(tx, who, c->id);
    if (!a.administer) {
      if (!a.read && !a.write) return Error::NotFound("no such collection");
      return Error::Denied("not allowed to administer this collection");
    }
    std::vector<CollectionGrant> out;
    for (const auto& row :
         tx.Exec("SELECT g.org_id, o.name, g.can_read, g.can_write FROM intel_collection_grants g "
                 "JOIN organisations o ON o.id = g.org_id WHERE g.collection_id = ? "
                 "ORDER BY g.org_id",
                 {Int(c->id)})
             .rows) {
      out.push_back({row.Int(0), row.Text(1), row.Int(2) != 0, row.Int(3) != 0});
    }
    return out;
  });
}

Status IntelService::SetGrants(Actor actor,
                               std::string_view uuid,
                               std::span<const CollectionGrant> grants) {
  if (grants.size() > kMaxGrants) {
    return Error::Invalid(fmt::format("at most {} grants", kMaxGrants), "items");
  }
  std::set<std::int64_t> seen;
  for (const auto& g : grants) {
    if (!seen.insert(g.org_id).second) {
      return Error::Invalid("an organisation is listed twice", "items");
    }
  }
  return db_.Transact([&](Tx& tx) -> Status {
    const Who who = LoadWho(tx, actor);
    const auto c = CollectionByUuid(tx, uuid);
    if (!c) return Error::NotFound("no such collection");
    const Access a = AccessTo(tx, who, c->id);
    if (!a.administer) {
      if (!a.read && !a.write) return Error::NotFound("no such collection");
      return Error::Denied("not allowed to administer this collection");
    }
    for (const auto& g : grants) {
      if (!tx.One("SELECT id FROM organisations WHERE id = ?", {Int(g.org_id)})) {
        return Error::Invalid(fmt::format("organisation {} does not exist", g.org_id), "items");
      }
    }
    tx.Exec("DELETE FROM intel_collection_grants WHERE collection_id = ?", {Int(c->id)});
    for (const auto& g : grants) {
      tx.Exec(
          "INSERT INTO intel_collection_grants (collection_id, org_id, can_read, can_write) "
          "VALUES (?, ?, ?, ?)",
          {Int(c->id), Int(g.org_id), Bool(g.can_read), Bool(g.can_write)});
    }
    return {};
  });
}

// ---------------------------------------------------------------------------------------------
// Ingest.

namespace {

std::string StatusDetails(const IngestReport& report) {
  json::array successes;
  for (const auto& s : report.successes) {
    successes.push_back(json::object{{"id", s.id}, {"version", s.version}, {"stored", s.stored}});
  }
  json::array failures;
  for (const auto& f : report.failures) {
    failures.push_back(json::object{
        {"index", f.index}, {"id", f.id}, {"field", f.error.field}, {"message", f.error.message}});
  }
  return json::serialize(
      json::object{{"successes", std::move(successes)}, {"failures", std::move(failures)}});
}

Status CheckRecipients(Tx& tx, const std::vector<std::int64_t>& recipients) {
  if (recipients.size() > kMaxRecipients) {
    return Error::Invalid(fmt::format("at most {} recipients", kMaxRecipients), "recipients");
  }
  std::set<std::int64_t> seen;
  for (std::int64_t id : recipients) {
    if (!seen.insert(id).second) return Error::Invalid("a recipient is named twice", "recipients");
    if (!tx.One("SELECT id FROM organisations WHERE id = ?", {Int(id)})) {
      return Error::Invalid(fmt::format("organisation {} does not exist", id), "recipients");
    }
  }
  return {};
}

}  // namespace

Result<IngestReport> IntelService::Impl::Ingest(Actor actor,
                                                std::string_view collection_uuid,
                                                std::vector<Pending>&& pending,
                                                std::vector<RejectedObject>&& rejected,
                                                const std::optional<Error>& input_error,
                                                std::size_t input_bytes,
                                                const SubmitOptions& options) {
  const TimePoint now = clock_.Now();
  const std::size_t total = pending.size() + rejected.size();
  PreparedBatch batch;
  batch.rows.reserve(pending.size());
  for (auto& p : pending) AddToBatch(batch, std::move(p), warninglists_.get());
  pending.clear();
  batch.rejected = std::move(rejected);
  return db_.Transact([&](Tx& tx) -> Result<IngestReport> {
    const Who who = LoadWho(tx, actor);
    const auto c = CollectionByUuid(tx, collection_uuid);
    if (!c) return Error::NotFound("no such collection");
    const Access a = AccessTo(tx, who, c->id);
    if (!a.read && !a.write) return Error::NotFound("no such collection");
    if (!a.write) return Error::Denied("not allowed to add objects to this collection");
    if (static_cast<std::int64_t>(input_bytes) > c->max_content_length) {
      return Error{Errc::kPayloadTooLarge,
                   fmt::format("the input exceeds {} bytes", c->max_content_length),
                   {}};
    }
    if (input_error) return *input_error;
    if (auto st = CheckRecipients(tx, options.recipients); !st) return st.error();
    IngestTarget t;
    t.collection = *c;
    t.options = &options;
    if (who.system()) {
      if (!options.producer_id) {
        return Error::Invalid("a submission by the system names its producer", "producer_id");
      }
      const auto producer = LoadReaderOrg(tx, *options.producer_id);
      if (!producer) return Error::Invalid("the producer does not exist", "producer_id");
      t.producer_id = producer->id;
      t.producer_parent_id = producer->parent_id;
      t.reporter = LoadOrgScope(tx, producer->id);
    } else {
      if (!who.org) return Error::Denied("the actor has no organisation");
      t.producer_id = who.org->id;
      t.producer_parent_id = who.org->parent_id;
      t.reporter = LoadViewScope(tx, actor);
    }
    BatchOutcome out;
    StoreBatch(tx, t, batch, now, out);
    IngestReport report;
    report.status_id = RandomUuid();
    report.total = total;
    report.successes = std::move(out.successes);
    report.failures = std::move(out.failures);
    std::sort(report.failures.begin(), report.failures.end(),
              [](const RejectedObject& x, const RejectedObject& y) { return x.index < y.index; });
    report.warnings = std::move(out.warnings);
    const std::int64_t now_us = Micros(now);
    tx.Exec("DELETE FROM intel_status WHERE created_at_us < ?", {Int(now_us - kStatusRetentionUs)});
    tx.Exec(
        "INSERT INTO intel_status (id, api_root_id, org_id, created_at_us, total, success, "
        "failure, pending, details) VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?)",
        {Text(report.status_id), Int(c->root_id), Int(t.producer_id), Int(now_us),
         Int(static_cast<std::int64_t>(report.total)),
         Int(static_cast<std::int64_t>(report.successes.size())),
         Int(static_cast<std::int64_t>(report.failures.size())), Text(StatusDetails(report))});
    return report;
  });
}

Result<IngestReport> IntelService::Submit(Actor actor,
                                          std::string_view collection_uuid,
                                          std::string_view input,
                                          const SubmitOptions& options) {
  std::vector<Pending> pending;
  std::vector<RejectedObject> rejected;
  std::optional<Error> input_error;
  if (static_cast<std::int64_t>(input.size()) <= kMaxContentLength) {
    auto summary = ReadBundle(
        input,
        [&](std::size_t index, StixObject&& o) {
          pending.push_back({index, std::move(o)});
        },
        [&](RejectedObject&& r) { rejected.push_back(std::move(r)); });
    if (!summary) {
      input_error = summary.error();
      pending.clear();
      rejected.clear();
    }
  }
  return impl_->Ingest(actor, collection_uuid, std::move(pending), std::move(rejected), input_error,
                       input.size(), options);
}

Result<IngestReport> IntelService::SubmitObjects(Actor actor,
                                                 std::string_view collection_uuid,
                                                 std::vector<json::object> objects,
                                                 const SubmitOptions& options) {
  std::vector<Pending> pending;
  std::vector<RejectedObject> rejected;
  for (std::size_t i = 0; i < objects.size(); ++i) {
    std::string id;
    if (const auto* s = StringAt(objects[i], "id"); s && IsStixIdentifier(*s)) id = *s;
    auto valid = ValidateStixObject(std::move(objects[i]));
    if (valid) {
      pending.push_back({i, std::move(*valid)});
    } else {
      rejected.push_back({i, std::move(id), valid.error()});
    }
  }
  return impl_->Ingest(actor, collection_uuid, std::move(pending), std::move(rejected),
                       std::nullopt, 0, options);
}

namespace {

// Batches handed from the reading thread of an import to the one that writes them.
class BatchChannel {
 public:
  explicit BatchChannel(std::size_t capacity) : capacity_(capacity) {}

  // False when the consumer has stopped.
  bool Push(PreparedBatch&& batch) {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return stopped_ || queue_.size() < capacity_; });
    if (stopped_) return false;
    queue_.push_back(std::move(batch));
    cv_.notify_all();
    return true;
  }
  // The reader's last word: the input ended (error empty) or failed.
  void Close(std::optional<Error> error, std::exception_ptr exception) {
    std::lock_guard lock(mu_);
    closed_ = true;
    error_ = std::move(error);
    exception_ = std::move(exception);
    cv_.notify_all();
  }
  // The next batch; nullopt once the reader closed and everything was taken.
  std::optional<PreparedBatch> Pop() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return closed_ || !queue_.empty(); });
    if (queue_.empty()) return std::nullopt;
    PreparedBatch batch = std::move(queue_.front());
    queue_.pop_front();
    cv_.notify_all();
    return batch;
  }
  void Stop() {
    std::lock_guard lock(mu_);
    stopped_ = true;
    cv_.notify_all();
  }
  const std::optional<Error>& error() const { return error_; }
  std::exception_ptr exception() const { return exception_; }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<PreparedBatch> queue_;
  std::size_t capacity_;
  bool closed_ = false;
  bool stopped_ = false;
  std::optional<Error> error_;
  std::exception_ptr exception_;
};

// Reads `input` to its end into batches of about `batch` objects (parsing, validation and the
// preparation of rows happen here, beside the writing thread).
void ReadBatches(std::istream& input,
                 std::size_t batch,
                 const Warninglists* lists,
                 BatchChannel& channel) {
  try {
    PreparedBatch current;
    std::uint64_t bytes = 0;
    BundleReader reader(
        [&](std::size_t index, StixObject&& o) {
          AddToBatch(current, Pending{index, std::move(o)}, lists);
        },
        [&](RejectedObject&& r) { current.rejected.push_back(std::move(r)); });
    const auto size = [&] {
      return current.rows.size() + current.sightings.size() + current.rejected.size();
    };
    const auto hand_over = [&] {
      current.bytes_read = bytes;
      const bool taken = channel.Push(std::move(current));
      current = PreparedBatch{};
      return taken;
    };
    std::string buffer(kImportChunkBytes, '\0');
    while (input) {
      input.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
      const auto got = static_cast<std::size_t>(input.gcount());
      if (got == 0) break;
      bytes += got;
      if (auto st = reader.Write(std::string_view(buffer.data(), got)); !st) {
        channel.Close(st.error(), nullptr);
        return;
      }
      if (size() >= batch && !hand_over()) return;
    }
    if (input.bad()) {
      channel.Close(Error{Errc::kUnavailable, "reading the input failed", {}}, nullptr);
      return;
    }
    if (auto finished = reader.Finish(); !finished) {
      channel.Close(finished.error(), nullptr);
      return;
    }
    if (size() > 0 && !hand_over()) return;
    channel.Close(std::nullopt, nullptr);
  } catch (...) {
    channel.Close(std::nullopt, std::current_exception());
  }
}

}  // namespace

Result<ImportSummary> IntelService::Import(std::int64_t collection_id,
                                           std::int64_t producer_id,
                                           std::istream& input,
                                           const SubmitOptions& options,
                                           const ProgressFn& progress,
                                           std::size_t batch) {
  batch = std::clamp<std::size_t>(batch, 1, 100000);
  IngestTarget t;
  t.options = &options;
  t.report_successes = false;
  auto loaded = db_.Transact([&](Tx& tx) -> Status {
    const auto c = CollectionById(tx, collection_id);
    if (!c) return Error::NotFound("no such collection");
    const auto producer = LoadReaderOrg(tx, producer_id);
    if (!producer) return Error::Invalid("the producer does not exist", "producer_id");
    if (auto st = CheckRecipients(tx, options.recipients); !st) return st.error();
    t.collection = *c;
    t.producer_id = producer->id;
    t.producer_parent_id = producer->parent_id;
    t.reporter = LoadOrgScope(tx, producer->id);
    return {};
  });
  if (!loaded) return loaded.error();

  // SQLite: a page cache that holds the identifier index, so that a batch writes each page once
  // at commit instead of spilling pages it will dirty again; and a checkpoint every
  // kImportCheckpointPages of WAL instead of after every commit, so that a page that several
  // batches dirty is copied into the database file (and synced) once per checkpoint, not once per
  // batch. Neither changes what a commit guarantees. The pool lends this thread the connection it
  // used last; both settings go back to SQLite's defaults at the end.
  struct BulkSettings {
    storage::Database& db;
    bool sqlite;
    explicit BulkSettings(storage::Database& d)
        : db(d), sqlite(d.dialect() == storage::Dialect::kSqlite) {
      if (!sqlite) return;
      db.Query(fmt::format("PRAGMA cache_size = -{}", kImportCacheKib));
      db.Query(fmt::format("PRAGMA wal_autocheckpoint = {}", kImportCheckpointPages));
    }
    ~BulkSettings() {
      if (!sqlite) return;
      try {
        db.Query("PRAGMA wal_autocheckpoint = 1000");
        db.Query("PRAGMA cache_size = -2000");
      } catch (const storage::StorageError&) {  // a broken connection is discarded anyway
      }
    }
    BulkSettings(const BulkSettings&) = delete;
    BulkSettings& operator=(const BulkSettings&) = delete;
  } settings(db_);

  // One thread reads and prepares the next batch while this one writes the last.
  BatchChannel channel(2);
  struct Reader {
    BatchChannel& channel;
    std::thread thread;
    ~Reader() {
      channel.Stop();
      if (thread.joinable()) thread.join();
    }
  } reader{channel, std::thread(ReadBatches, std::ref(input), batch, impl_->warninglists_.get(),
                                std::ref(channel))};

  // PostgreSQL: statistics that follow the tables as they grow, so that looking up the batch's
  // identifiers stays an index lookup (without them the planner scans, and a bulk load becomes
  // quadratic).
  const bool postgres = db_.dialect() == storage::Dialect::kPostgres;
  std::uint64_t analysed_at = 0;
  ImportSummary summary;
  std::uint64_t objects = 0;
  while (auto next = channel.Pop()) {
    const BatchOutcome out = db_.Transact([&](Tx& tx) {
      BatchOutcome attempt;
      impl_->StoreBatch(tx, t, *next, clock_.Now(), attempt);
      return attempt;
    });
    objects += next->rows.size() + next->sightings.size() + next->rejected.size();
    summary.accepted += out.stored;
    summary.duplicates += out.duplicates;
    summary.rejected += out.failures.size();
    for (const auto& f : out.failures) {
      if (summary.first_failures.size() < kMaxFirstFailures) summary.first_failures.push_back(f);
    }
    if (progress) progress(next->bytes_read, objects);
    if (postgres &&
        summary.accepted >= std::max<std::uint64_t>(2 * analysed_at, kAnalyseAfterRows)) {
      db_.Query("ANALYZE");
      analysed_at = summary.accepted;
    }
  }
  reader.thread.join();
  if (channel.exception()) std::rethrow_exception(channel.exception());
  if (channel.error()) return *channel.error();
  return summary;
}

// ---------------------------------------------------------------------------------------------
// Reads.

namespace {

struct PageQuery {
  const ViewScope* scope = nullptr;
  std::int64_t collection_id = 0;
  const ObjectFilter* filter = nullptr;
  std::optional<std::string_view> stix_id;  // versions of one object
  bool all_versions = false;
};

Result<std::vector<Value>> VersionValues(const std::vector<std::string>& versions) {
  std::vector<Value> out;
  for (const auto& v : versions) {
    const auto ts = ParseStixTimestamp(v);
    if (!ts)
      return Error::Invalid("match[version] holds a value that is not a STIX timestamp",
                            "match[version]");
    out.push_back(Int(Nanos(*ts)));
  }
  return out;
}

// WHERE conditions shared by pages and deletes (after "WHERE o.collection_id = ?").
Result<Sql> Conditions(const PageQuery& q) {
  const ObjectFilter& f = *q.filter;
  Sql s;
  s.Add("o.collection_id = ?", Int(q.collection_id))
      .Add(" AND ")
      .Add(VisiblePredicate(*q.scope, "o"));
  if (q.stix_id) s.Add(" AND o.stix_id = ?", Text(std::string(*q.stix_id)));
  if (f.added_after) s.Add(" AND o.date_added_us > ?", Int(Micros(*f.added_after)));
  if (!f.ids.empty()) {
    std::vector<Value> v;
    for (const auto& id : f.ids) v.push_back(Text(id));
    s.In(" AND o.stix_id", v);
  }
  if (!f.types.empty()) {
    std::vector<Value> v;
    for (const auto& t : f.types) v.push_back(Text(t));
    s.In(" AND o.type", v);
  }
  if (!f.spec_versions.empty()) {
    std::vector<Value> v;
    for (const auto& t : f.spec_versions) v.push_back(Text(t));
    s.In(" AND o.spec_version", v);
  }
  if (!q.all_versions && !f.version_all) {
    auto values = VersionValues(f.versions);
    if (!values) return values.error();
    const bool last = f.version_last || (!f.version_first && values->empty());
    std::vector<Sql> parts;
    if (last) parts.push_back(LatestVisible(*q.scope, false));
    if (f.version_first) parts.push_back(LatestVisible(*q.scope, true));
    if (!values->empty()) {
      Sql in;
      in.In("o.version_ns", *values);
      parts.push_back(std::move(in));
    }
    s.Add(" AND (");
    for (std::size_t i = 0; i < parts.size(); ++i) {
      if (i > 0) s.Add(" OR ");
      AddSql(s, parts[i]);
    }
    s.Add(")");
  }
  return s;
}

Result<ObjectPage> RunPage(Tx& tx, const PageQuery& q) {
  const ObjectFilter& f = *q.filter;
  auto cond = Conditions(q);
  if (!cond) return cond.error();
  std::optional<std::pair<std::int64_t, std::int64_t>> cursor;
  if (!f.next.empty()) {
    cursor = DecodeCursor(f.next);
    if (!cursor) return Error::Invalid("next is not a cursor of this server", "next");
  }
  const std::size_t limit = std::clamp<std::size_t>(f.limit, 1, kMaxPageSize);
  // Up to `rows` rows of one range of the page order that meet the conditions.
  const auto select = [&](std::string_view range, std::span<const Value> bounds, std::size_t rows) {
    Sql s;
    s.Add("SELECT ").Add(kObjectColumns).Add(", o.body FROM intel_objects o WHERE ");
    AddSql(s, *cond);
    s.text += range;
    s.params.insert(s.params.end(), bounds.begin(), bounds.end());
    s.Add(" ORDER BY o.date_added_us, o.seq LIMIT ?", Int(static_cast<std::int64_t>(rows)));
    return std::move(tx.Exec(s.text, s.params).rows);
  };
  std::vector<Row> rows;
  if (!cursor) {
    rows = select("", {}, limit + 1);
  } else if (tx.dialect() == storage::Dialect::kPostgres) {
    // A row value, so that the index scan starts at the cursor.
    const std::array<Value, 2> bounds{Int(cursor->first), Int(cursor->second)};
    rows = select(" AND (o.date_added_us, o.seq) > (?, ?)", bounds, limit + 1);
  } else {
    // SQLite seeks a row value on its first column only, and would step over every earlier row
    // of the cursor's date_added (a whole import batch shares one) before the first it returns:
    // two exact seeks instead, the rest of that date_added, then what follows it.
    const std::array<Value, 2> same{Int(cursor->first), Int(cursor->second)};
    rows = select(" AND o.date_added_us = ? AND o.seq > ?", same, limit + 1);
    if (rows.size() <= limit) {
      const std::array<Value, 1> after{Int(cursor->first)};
      auto next = select(" AND o.date_added_us > ?", after, limit + 1 - rows.size());
      std::move(next.begin(), next.end(), std::back_inserter(rows));
    }
  }
  ObjectPage page;
  page.more = rows.size() > limit;
  const std::size_t n = std::min(limit, rows.size());
  page.objects.reserve(n);
  for (std::size_t i = 0; i < n; ++i) page.objects.push_back(ReadObject(rows[i], true));
  if (!page.objects.empty()) {
    page.first_added = page.objects.front().date_added;
    page.last_added = page.objects.back().date_added;
    if (page.more) {
      const auto& last = page.objects.back();
      page.next = EncodeCursor(Micros(last.date_added), last.seq);
    }
  }
  return page;
}

// The collection for a TAXII-style read: NotFound when the actor may neither read nor write it
// (or it is not in that root); PermissionDenied when it may only write.
Result<CollectionRow> ReadableCollection(Tx& tx,
                                         const Who& who,
                                         std::string_view root_slug,
                                         std::string_view uuid) {
  auto c = CollectionByUuid(tx, uuid);
  if (!c || c->root_slug != root_slug) return Error::NotFound("no such collection");
  const Access a = AccessTo(tx, who, c->id);
  if (!a.read && !a.write) return Error::NotFound("no such collection");
  if (!a.read) return Error::Denied("not allowed to read this collection");
  return std::move(*c);
}

}  // namespace

Result<ObjectPage> IntelService::Objects(Actor actor,
                                         std::string_view root_slug,
                                         std::string_view collection_uuid,
                                         const ObjectFilter& filter) {
  return db_.Read([&](Tx& tx) -> Result<ObjectPage> {
    const Who who = LoadWho(tx, actor);
    auto c = ReadableCollection(tx, who, root_slug, collection_uuid);
    if (!c) return c.error();
    const ViewScope scope = LoadViewScope(tx, actor);
    PageQuery q{&scope, c->id, &filter, std::nullopt, false};
    return RunPage(tx, q);
  });
}

Result<ObjectPage> IntelService::Versions(Actor actor,
                                          std::string_view root_slug,
                                          std::string_view collection_uuid,
                                          std::string_view stix_id,
                                          const ObjectFilter& filter) {
  return db_.Read([&](Tx& tx) -> Result<ObjectPage> {
    const Who who = LoadWho(tx, actor);
    auto c = ReadableCollection(tx, who, root_slug, collection_uuid);
    if (!c) return c.error();
    const ViewScope scope = LoadViewScope(tx, actor);
    PageQuery q{&scope, c->id, &filter, stix_id, true};
    auto page = RunPage(tx, q);
    if (page && page->objects.empty() && filter.next.empty() && !filter.added_after &&
        filter.spec_versions.empty()) {
      return Error::NotFound("no such object");
    }
    return page;
  });
}

Result<std::size_t> IntelService::Delete(Actor actor,
                                         std::string_view root_slug,
                                         std::string_view collection_uuid,
                                         std::string_view stix_id,
                                         const ObjectFilter& filter) {
  return db_.Transact([&](Tx& tx) -> Result<std::size_t> {
    const Who who = LoadWho(tx, actor);
    auto c = ReadableCollection(tx, who, root_slug, collection_uuid);
    if (!c) return c.error();
    const Access a = AccessTo(tx, who, c->id);
    const ViewScope scope = LoadViewScope(tx, actor);
    ObjectFilter f = filter;
    f.ids.clear();
    f.types.clear();
    f.added_after.reset();
    PageQuery q{&scope, c->id, &f, stix_id, false};
    auto cond = Conditions(q);
    if (!cond) return cond.error();
    Sql s;
    s.Add("SELECT o.seq, o.producer_id FROM intel_objects o WHERE ");
    AddSql(s, *cond);
    const auto rows = tx.Exec(s.text, s.params).rows;
    if (rows.empty()) return Error::NotFound("no such object");
    std::vector<std::int64_t> seqs;
    for (const auto& row : rows) {
      const bool allowed =
          who.system() ? a.administer
                       : identity::AllowedToWithdrawIntel(*who.principal, a.administer, row.Int(1));
      if (!allowed) return Error::Denied("not allowed to delete this object");
      seqs.push_back(row.Int(0));
    }
    for (std::int64_t seq : seqs) {
      impl_->correlation_.Unindex(tx, seq);
      tx.Exec("DELETE FROM intel_objects WHERE seq = ?", {Int(seq)});
    }
    if (!tx.One("SELECT seq FROM intel_objects WHERE collection_id = ? AND stix_id = ? AND "
                "is_latest = 1",
                {Int(c->id), Text(std::string(stix_id))})) {
      tx.Exec(
          "UPDATE intel_objects SET is_latest = 1 WHERE seq = (SELECT seq FROM intel_objects "
          "WHERE collection_id = ? AND stix_id = ? ORDER BY version_ns DESC LIMIT 1)",
          {Int(c->id), Text(std::string(stix_id))});
    }
    return seqs.size();
  });
}

Result<StatusResource> IntelService::GetStatus(Actor actor,
                                               std::string_view root_slug,
                                               std::string_view status_id) {
  if (status_id.empty() || status_id.size() > 64) return Error::NotFound("no such status");
  return db_.Read([&](Tx& tx) -> Result<StatusResource> {
    auto row = tx.One(
        "SELECT s.id, s.created_at_us, s.total, s.success, s.failure, s.pending, s.details, "
        "s.org_id, r.slug FROM intel_status s JOIN intel_api_roots r ON r.id = s.api_root_id "
        "WHERE s.id = ?",
        {Text(std::string(status_id))});
    if (!row || row->Text(8) != root_slug) return Error::NotFound("no such status");
    if (actor.principal && row->Int(7) != actor.principal->organisation_id) {
      return Error::NotFound("no such status");
    }
    if (row->Int(1) < Micros(clock_.Now()) - kStatusRetentionUs) {
      return Error::NotFound("no such status");
    }
    StatusResource st;
    st.id = row->Text(0);
    st.request_timestamp = FromMicros(row->Int(1));
    st.total = static_cast<std::size_t>(row->Int(2));
    st.success_count = static_cast<std::size_t>(row->Int(3));
    st.failure_count = static_cast<std::size_t>(row->Int(4));
    st.pending_count = static_cast<std::size_t>(row->Int(5));
    st.status = st.pending_count == 0 ? "complete" : "pending";
    const auto details = json::parse(row->Text(6)).as_object();
    for (const auto& s : details.at("successes").as_array()) {
      const auto& o = s.as_object();
      st.successes.push_back({std::string(o.at("id").as_string()),
                              std::string(o.at("version").as_string()), o.at("stored").as_bool()});
    }
    for (const auto& f : details.at("failures").as_array()) {
      const auto& o = f.as_object();
      RejectedObject r;
      r.index = static_cast<std::size_t>(o.at("index").to_number<std::int64_t>());
      r.id = std::string(o.at("id").as_string());
      r.error = Error::Invalid(std::string(o.at("message").as_string()),
                               std::string(o.at("field").as_string()));
      st.failures.push_back(std::move(r));
    }
    return st;
  });
}

Result<SearchPage> IntelService::Search(Actor actor, const SearchQuery& query) {
  if (query.text.size() > 200) return Error::Invalid("q must be at most 200 bytes", "q");
  if (query.limit < 1 || query.limit > 200)
    return Error::Invalid("limit must be 1 to 200", "limit");
  std::optional<std::pair<std::int64_t, std::int64_t>> cursor;
  if (!query.cursor.empty()) {
    cursor = DecodeCursor(query.cursor);
    if (!cursor) return Error::Invalid("cursor is not a cursor of this server", "cursor");
  }
  return db_.Read([&](Tx& tx) -> Result<SearchPage> {
    const ViewScope scope = LoadViewScope(tx, actor);
    Sql s;
    s.Add(
         "SELECT o.stix_id, o.type, o.name, o.version, o.date_added_us, o.tlp, c.uuid, c.title, "
         "o.producer_id, p.name, o.confidence, o.revoked, o.warninglisted, o.seq "
         "FROM intel_objects o JOIN intel_collections c ON c.id = o.collection_id "
         "JOIN organisations p ON p.id = o.producer_id WHERE ")
        .Add(VisiblePredicate(scope, "o"))
        .Add(" AND ");
    AddSql(s, LatestVisible(scope, false));
    if (!query.text.empty()) {
      std::string pattern = "%";
      for (char ch : AsciiLower(CleanText(query.text, 200))) {
        if (ch == '%' || ch == '_' || ch == '!') pattern += '!';
        pattern += ch;
      }
      pattern += '%';
      s.Add(" AND (o.name_lc LIKE ? ESCAPE '!'", Text(pattern))
          .Add(" OR o.stix_id = ?)", Text(query.text));
    }
    if (!query.types.empty()) {
      std::vector<Value> v;
      for (const auto& t : query.types) v.push_back(Text(t));
      s.In(" AND o.type", v);
    }
    if (query.collection_uuid) s.Add(" AND c.uuid = ?", Text(*query.collection_uuid));
    if (query.tlp) s.Add(" AND o.tlp = ?", Int(static_cast<std::int64_t>(*query.tlp)));
    if (query.added_since) s.Add(" AND o.date_added_us >= ?", Int(Micros(*query.added_since)));
    if (query.added_until) s.Add(" AND o.date_added_us < ?", Int(Micros(*query.added_until)));
    if (cursor) {
      s.Add(" AND (o.date_added_us, o.seq) < (?", Int(cursor->first))
          .Add(", ?)", Int(cursor->second));
    }
    s.Add(" ORDER BY o.date_added_us DESC, o.seq DESC LIMIT ?",
          Int(static_cast<std::int64_t>(query.limit + 1)));
    const auto result = tx.Exec(s.text, s.params);
    SearchPage page;
    const std::size_t n = std::min(query.limit, result.rows.size());
    for (std::size_t i = 0; i < n; ++i) {
      const Row& r = result.rows[i];
      SearchHit h;
      h.id = r.Text(0);
      h.type = r.Text(1);
      h.name = r.OptText(2).value_or("");
      h.version = r.Text(3);
      h.date_added = FromMicros(r.Int(4));
      h.tlp = TlpOf(r.Int(5));
      h.collection_uuid = r.Text(6);
      h.collection_title = r.Text(7);
      h.producer_id = r.Int(8);
      h.producer_name = r.Text(9);
      if (!r.IsNull(10)) h.confidence = static_cast<int>(r.Int(10));
      h.revoked = r.Int(11) != 0;
      h.warninglisted = r.Int(12) != 0;
      page.items.push_back(std::move(h));
    }
    if (result.rows.size() > query.limit) {
      const Row& last = result.rows[n - 1];
      page.next = EncodeCursor(last.Int(4), last.Int(13));
    }
    return page;
  });
}

namespace {

// The newest visible version's name of an object, in any collection the reader reads.
std::optional<std::string> VisibleName(Tx& tx, const ViewScope& scope, const std::string& id) {
  Sql s;
  s.Add("SELECT o.name FROM intel_objects o WHERE o.stix_id = ?", Text(id))
      .Add(" AND ")
      .Add(VisiblePredicate(scope, "o"))
      .Add(" ORDER BY o.version_ns DESC LIMIT 1");
  auto result = tx.Exec(s.text, s.params);
  if (result.rows.empty()) return std::nullopt;
  return result.rows[0].OptText(0).value_or("");
}

}  // namespace

Result<ObjectView> IntelService::View(Actor actor, std::string_view stix_id) {
  if (!IsStixIdentifier(stix_id)) return Error::NotFound("no such object");
  return db_.Read([&](Tx& tx) -> Result<ObjectView> {
    const ViewScope scope = LoadViewScope(tx, actor);
    const std::string id(stix_id);
    Sql s;
    s.Add("SELECT ")
        .Add(kObjectColumns)
        .Add(", o.body, c.uuid, c.title, p.name, o.name ")
        .Add(
            "FROM intel_objects o JOIN intel_collections c ON c.id = o.collection_id "
            "JOIN organisations p ON p.id = o.producer_id WHERE o.stix_id = ?",
            Text(id))
        .Add(" AND ")
        .Add(VisiblePredicate(scope, "o"))
        .Add(" ORDER BY o.version_ns DESC, o.date_added_us DESC, o.seq DESC LIMIT 1");
    auto latest = tx.Exec(s.text, s.params);
    if (latest.rows.empty()) return Error::NotFound("no such object");
    const Row& lr = latest.rows[0];
    ObjectView view;
    view.latest = ReadObject(lr, true);
    view.collection_uuid = lr.Text(12);
    view.collection_title = lr.Text(13);
    view.producer_name = lr.Text(14);
    view.name = lr.OptText(15).value_or("");

    Sql v;
    v.Add("SELECT ")
        .Add(kObjectColumns)
        .Add(" FROM intel_objects o WHERE o.stix_id = ?", Text(id))
        .Add(" AND o.collection_id = ?", Int(view.latest.collection_id))
        .Add(" AND ")
        .Add(VisiblePredicate(scope, "o"))
        .Add(" ORDER BY o.version_ns DESC, o.seq DESC");
    for (const auto& row : tx.Exec(v.text, v.params).rows)
      view.versions.push_back(ReadObject(row, false));

    if (scope.system || scope.org_id == view.latest.producer_id) {
      for (const auto& row : tx.Exec("SELECT org_id FROM intel_recipients WHERE object_seq = ? "
                                     "ORDER BY org_id",
                                     {Int(view.latest.seq)})
                                 .rows) {
        view.recipients.push_back(row.Int(0));
      }
    }

    // Outgoing: what the viewed object refers to.
    const auto outgoing =
        tx.Exec("SELECT ref_id, kind FROM intel_refs WHERE object_seq = ? ORDER BY kind, ref_id",
                {Int(view.latest.seq)});
    std::string relationship_type;
    if (view.latest.type == "relationship") {
      const auto body = json::parse(view.latest.json).as_object();
      if (const auto* t = StringAt(body, "relationship_type")) relationship_type = *t;
    }
    for (const auto& row : outgoing.rows) {
      if (view.relationships.size() >= kMaxRelationships) break;
      Relationship r;
      r.id = view.latest.id;
      r.relationship_type = row.Text(1) == "object_ref" ? "object_ref" : relationship_type;
      r.outgoing = true;
      r.other_id = row.Text(0);
      r.other_type = std::string(IdentifierType(r.other_id));
      r.other_name = VisibleName(tx, scope, r.other_id).value_or("");
      view.relationships.push_back(std::move(r));
    }
    // Incoming: relationships and reports that name it.
    Sql in;
    in.Add(
          "SELECT o.stix_id, o.type, o.name, f.kind, o.body FROM intel_refs f "
          "JOIN intel_objects o ON o.seq = f.object_seq WHERE f.ref_id = ?",
          Text(id))
        .Add(" AND ")
        .Add(VisiblePredicate(scope, "o"))
        .Add(" AND ");
    AddSql(in, LatestVisible(scope, false));
    in.Add(" ORDER BY o.date_added_us DESC, o.seq DESC LIMIT ?",
           Int(static_cast<std::int64_t>(kMaxRelationships)));
    for (const auto& row : tx.Exec(in.text, in.params).rows) {
      if (view.relationships.size() >= kMaxRelationships) break;
      Relationship r;
      r.id = row.Text(0);
      const std::string& kind = row.Text(3);
      if (kind == "object_ref") {
        r.relationship_type = "object_ref";
        r.outgoing = false;
        r.other_id = row.Text(0);
        r.other_type = row.Text(1);
        r.other_name = row.OptText(2).value_or("");
      } else {
        const auto body = json::parse(row.Text(4)).as_object();
        const auto* type = StringAt(body, "relationship_type");
        r.relationship_type = type ? std::string(*type) : std::string();
        r.outgoing = kind == "source";
        const auto* other = StringAt(body, kind == "source" ? "target_ref" : "source_ref");
        if (other == nullptr) continue;
        r.other_id = std::string(*other);
        r.other_type = std::string(IdentifierType(r.other_id));
        r.other_name = VisibleName(tx, scope, r.other_id).value_or("");
      }
      view.relationships.push_back(std::move(r));
    }

    for (const auto& row : tx.Exec("SELECT kind, value, list FROM intel_warnings WHERE "
                                   "object_seq = ? ORDER BY list, value",
                                   {Int(view.latest.seq)})
                               .rows) {
      const auto kind = ParseKindName(row.Text(0));
      if (!kind) continue;
      view.warnings.push_back({view.latest.id, Observable{*kind, row.Text(1)}, row.Text(2)});
    }
    return view;
  });
}

Result<ViewScope> IntelService::Scope(Actor actor) {
  return db_.Read([&](Tx& tx) -> Result<ViewScope> { return LoadViewScope(tx, actor); });
}

}  // namespace caduceus::intel
