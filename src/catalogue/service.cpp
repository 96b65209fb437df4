#include "catalogue/service.h"

#include <algorithm>
#include <functional>
#include <set>
#include <utility>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "core/text.h"
#include "identity/model.h"
#include "identity/policy.h"

namespace caduceus::catalogue {
namespace {

namespace json = boost::json;
using identity::Actor;
using storage::Int;
using storage::Text;
using storage::Value;

// The tables both dialects share. List fields live in catalogue_tags, one row per value, so
// filters and facet counts are indexed joins. eu_wide / all_sizes mark entries whose countries /
// org_sizes are empty, which filters include.
constexpr storage::Migration kTables = {1, "catalogue entries and their tags", R"sql(
CREATE TABLE catalogue_entries (
  id {{id}},
  entry_key TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('service', 'tool', 'guidance', 'training', 'funding')),
  title TEXT NOT NULL,
  summary TEXT NOT NULL,
  description TEXT NOT NULL,
  provider_name TEXT NOT NULL,
  url TEXT NOT NULL,
  cost TEXT NOT NULL CHECK (cost IN ('free', 'paid', 'subsidised')),
  links TEXT NOT NULL,
  last_reviewed TEXT,
  eu_wide INTEGER NOT NULL,
  all_sizes INTEGER NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX catalogue_entries_key ON catalogue_entries (entry_key);
CREATE INDEX catalogue_entries_title ON catalogue_entries (title, id);
CREATE INDEX catalogue_entries_kind ON catalogue_entries (kind);
CREATE INDEX catalogue_entries_cost ON catalogue_entries (cost);

CREATE TABLE catalogue_tags (
  entry_id BIGINT NOT NULL REFERENCES catalogue_entries(id) ON DELETE CASCADE,
  facet TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (entry_id, facet, value)
);
CREATE INDEX catalogue_tags_value ON catalogue_tags (facet, value, entry_id);
)sql"};

// External-content FTS5 index over the entries, kept in sync by triggers, so it changes in the
// same transaction as the row.
constexpr storage::Migration kSqliteFullText = {2, "catalogue full-text index (FTS5)", R"sql(
CREATE VIRTUAL TABLE catalogue_fts USING fts5(
  title, summary, description, provider_name,
  content='catalogue_entries', content_rowid='id',
  tokenize='unicode61 remove_diacritics 2');
CREATE TRIGGER catalogue_fts_insert AFTER INSERT ON catalogue_entries BEGIN
  INSERT INTO catalogue_fts (rowid, title, summary, description, provider_name)
  VALUES (new.id, new.title, new.summary, new.description, new.provider_name);
END;
CREATE TRIGGER catalogue_fts_delete AFTER DELETE ON catalogue_entries BEGIN
  INSERT INTO catalogue_fts (catalogue_fts, rowid, title, summary, description, provider_name)
  VALUES ('delete', old.id, old.title, old.summary, old.description, old.provider_name);
END;
CREATE TRIGGER catalogue_fts_update
AFTER UPDATE OF title, summary, description, provider_name ON catalogue_entries BEGIN
  INSERT INTO catalogue_fts (catalogue_fts, rowid, title, summary, description, provider_name)
  VALUES ('delete', old.id, old.title, old.summary, old.description, old.provider_name);
  INSERT INTO catalogue_fts (rowid, title, summary, description, provider_name)
  VALUES (new.id, new.title, new.summary, new.description, new.provider_name);
END;
)sql"};

// A generated tsvector (weights: title A, summary and provider B, description C) with a GIN
// index; PostgreSQL recomputes it whenever the row changes.
constexpr storage::Migration kPostgresFullText = {2, "catalogue full-text index (tsvector)",
                                                  R"sql(
ALTER TABLE catalogue_entries ADD COLUMN search tsvector GENERATED ALWAYS AS (
  setweight(to_tsvector('simple'::regconfig, title), 'A') ||
  setweight(to_tsvector('simple'::regconfig, summary || ' ' || provider_name), 'B') ||
  setweight(to_tsvector('simple'::regconfig, description), 'C')) STORED;
CREATE INDEX catalogue_entries_search ON catalogue_entries USING GIN (search);
)sql"};

constexpr storage::Migration kSqliteMigrations[] = {kTables, kSqliteFullText};
constexpr storage::Migration kPostgresMigrations[] = {kTables, kPostgresFullText};

// Query text beyond this is ignored before it is split into words.
constexpr std::size_t kMaxQueryBytes = 4096;
// bm25 column weights: title, summary, description, provider_name.
constexpr std::string_view kSqliteRank = "-bm25(catalogue_fts, 10.0, 4.0, 1.0, 4.0)";
constexpr std::string_view kHeadlineOptions =
    "StartSel=\x02, StopSel=\x03, MaxWords=30, MinWords=12, ShortWord=2, MaxFragments=2, "
    "FragmentDelimiter=\" … \"";
constexpr std::int64_t kSnippetTokens = 24;
// Keys derived from titles are cut to this length, leaving room for a "-N" suffix.
constexpr std::size_t kMaxSlug = 56;
constexpr int kMaxKeySuffix = 1000;
// Serialises imports across hubs sharing one PostgreSQL database ("catimprt" in ASCII).
constexpr std::int64_t kImportLock = 0x636174696d707274;

constexpr std::string_view kColumns =
    "e.id, e.entry_key, e.kind, e.title, e.summary, e.description, e.provider_name, e.url, "
    "e.cost, e.links, e.last_reviewed, e.created_at, e.updated_at";

// The list fields of EntryData as catalogue_tags stores them; the facet names are also the keys
// of SearchResult::facets.
struct TagField {
  std::string_view facet;
  std::vector<std::string> EntryData::*member;
};
constexpr TagField kTagFields[] = {
    {"country", &EntryData::countries},   {"language", &EntryData::languages},
    {"org_sizes", &EntryData::org_sizes}, {"nis2_measures", &EntryData::nis2_measures},
    {"threats", &EntryData::threats},
};

using QueryFn = std::function<storage::QueryResult(std::string_view, std::span<const Value>)>;

std::string Placeholders(std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i) out += i == 0 ? "?" : ", ?";
  return out;
}

std::string LinksText(const std::vector<Link>& links) {
  json::array out;
  for (const auto& l : links) out.push_back(json::object{{"title", l.title}, {"url", l.url}});
  return json::serialize(out);
}

std::vector<Link> ParseLinks(const std::string& text) {
  std::vector<Link> out;
  const json::value v = json::parse(text);
  for (const auto& item : v.as_array()) {
    const auto& o = item.as_object();
    out.push_back({std::string(o.at("title").as_string()), std::string(o.at("url").as_string())});
  }
  return out;
}

// Entries selected by `where` (over alias e), with their tags, ordered by id.
std::vector<Entry> LoadEntries(const QueryFn& query,
                               const std::string& where,
                               std::span<const Value> params) {
  const auto rows = query(
      fmt::format("SELECT {} FROM catalogue_entries e WHERE {} ORDER BY e.id", kColumns, where),
      params);
  std::vector<Entry> out;
  out.reserve(rows.rows.size());
  for (const auto& r : rows.rows) {
    Entry e;
    e.id = r.Int(0);
    e.data.key = r.Text(1);
    e.data.kind = r.Text(2);
    e.data.title = r.Text(3);
    e.data.summary = r.Text(4);
    e.data.description = r.Text(5);
    e.data.provider_name = r.Text(6);
    e.data.url = r.Text(7);
    e.data.cost = r.Text(8);
    e.data.links = ParseLinks(r.Text(9));
    e.data.last_reviewed = r.OptText(10);
    e.created_at = FromUnixMillis(r.Int(11));
    e.updated_at = FromUnixMillis(r.Int(12));
    out.push_back(std::move(e));
  }
  if (out.empty()) return out;
  const auto tags = query(fmt::format("SELECT t.entry_id, t.facet, t.value FROM catalogue_tags t"
                                      " WHERE t.entry_id IN (SELECT e.id FROM catalogue_entries e"
                                      " WHERE {})",
                                      where),
                          params);
  for (const auto& r : tags.rows) {
    const auto id = r.Int(0);
    const auto it = std::lower_bound(out.begin(), out.end(), id,
                                     [](const Entry& e, std::int64_t v) { return e.id < v; });
    if (it == out.end() || it->id != id) continue;
    for (const auto& field : kTagFields) {
      if (field.facet == r.Text(1)) (it->data.*field.member).push_back(r.Text(2));
    }
  }
  for (auto& e : out) {
    for (const auto& field : kTagFields) {
      auto& list = e.data.*field.member;
      std::sort(list.begin(), list.end());
    }
  }
  return out;
}

QueryFn TxQuery(storage::Tx& tx) {
  return
      [&tx](std::string_view sql, std::span<const Value> params) { return tx.Exec(sql, params); };
}

QueryFn DbQuery(storage::Database& db) {
  return
      [&db](std::string_view sql, std::span<const Value> params) { return db.Query(sql, params); };
}

std::optional<Entry> LoadOne(const QueryFn& query, std::int64_t id) {
  const Value param = Int(id);
  auto entries = LoadEntries(query, "e.id = ?", {&param, 1});
  if (entries.empty()) return std::nullopt;
  return std::move(entries.front());
}

void WriteTags(storage::Tx& tx, std::int64_t id, const EntryData& e) {
  tx.Exec("DELETE FROM catalogue_tags WHERE entry_id = ?", {Int(id)});
  std::vector<Value> params;
  std::string values;
  for (const auto& field : kTagFields) {
    for (const auto& v : e.*field.member) {
      values += values.empty() ? "(?, ?, ?)" : ", (?, ?, ?)";
      params.push_back(Int(id));
      params.push_back(Text(std::string(field.facet)));
      params.push_back(Text(v));
    }
  }
  if (params.empty()) return;
  tx.Exec("INSERT INTO catalogue_tags (entry_id, facet, value) VALUES " + values, params);
}

std::int64_t InsertEntry(storage::Tx& tx, const EntryData& e, std::int64_t now) {
  const auto row = tx.One(
      "INSERT INTO catalogue_entries (entry_key, kind, title, summary, description, provider_name,"
      " url, cost, links, last_reviewed, eu_wide, all_sizes, created_at, updated_at)"
      " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
      {Text(e.key), Text(e.kind), Text(e.title), Text(e.summary), Text(e.description),
       Text(e.provider_name), Text(e.url), Text(e.cost), Text(LinksText(e.links)),
       storage::OptText(e.last_reviewed), Int(e.countries.empty() ? 1 : 0),
       Int(e.org_sizes.empty() ? 1 : 0), Int(now), Int(now)});
  const std::int64_t id = row->Int(0);
  WriteTags(tx, id, e);
  return id;
}

void UpdateEntry(storage::Tx& tx, std::int64_t id, const EntryData& e, std::int64_t now) {
  tx.Exec(
      "UPDATE catalogue_entries SET kind = ?, title = ?, summary = ?, description = ?,"
      " provider_name = ?, url = ?, cost = ?, links = ?, last_reviewed = ?, eu_wide = ?,"
      " all_sizes = ?, updated_at = ? WHERE id = ?",
      {Text(e.kind), Text(e.title), Text(e.summary), Text(e.description), Text(e.provider_name),
       Text(e.url), Text(e.cost), Text(LinksText(e.links)), storage::OptText(e.last_reviewed),
       Int(e.countries.empty() ? 1 : 0), Int(e.org_sizes.empty() ? 1 : 0), Int(now), Int(id)});
  WriteTags(tx, id, e);
}

// Holds the entry's row until the transaction ends, so concurrent changes apply one after the
// other instead of overwriting each other (SQLite transactions already write one at a time).
void LockEntry(storage::Tx& tx, std::int64_t id) {
  if (tx.dialect() == storage::Dialect::kPostgres) {
    tx.Exec("SELECT id FROM catalogue_entries WHERE id = ? FOR UPDATE", {Int(id)});
  }
}

bool KeyTaken(storage::Tx& tx, const std::string& key) {
  return tx.One("SELECT 1 FROM catalogue_entries WHERE entry_key = ?", {Text(key)}).has_value();
}

// A key derived from the title: lower-case ASCII letters and digits, other runs become '-'.
std::string Slug(std::string_view title) {
  std::string out;
  for (char ch : title) {
    const char c = (ch >= 'A' && ch <= 'Z') ? static_cast<char>(ch - 'A' + 'a') : ch;
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
      out += c;
    } else if (!out.empty() && out.back() != '-') {
      out += '-';
    }
    if (out.size() >= kMaxSlug) break;
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out.size() < 3 ? "entry" : out;
}

Result<std::string> FreeKey(storage::Tx& tx, const std::string& base) {
  if (!KeyTaken(tx, base)) return base;
  for (int n = 2; n <= kMaxKeySuffix; ++n) {
    auto key = fmt::format("{}-{}", base, n);
    if (!KeyTaken(tx, key)) return key;
  }
  return Error::Conflict("no free key for this title; give the entry a key");
}

std::string Today(const Clock& clock) { return FormatRfc3339(clock.Now()).substr(0, 10); }

Error Refused(std::string_view what) {
  return Error::Denied(fmt::format(
      "you may not {}: support-centre staff curate every entry, an authority's staff the "
      "entries for their own Member State only",
      what));
}

// Decodes one code point of valid UTF-8 at `i`, advancing `i`.
char32_t NextCodePoint(std::string_view s, std::size_t& i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  std::size_t n = b0 < 0x80 ? 1 : b0 < 0xE0 ? 2 : b0 < 0xF0 ? 3 : 4;
  char32_t cp = n == 1 ? b0 : n == 2 ? (b0 & 0x1F) : n == 3 ? (b0 & 0x0F) : (b0 & 0x07);
  for (std::size_t k = 1; k < n && i + k < s.size(); ++k) {
    cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
  }
  i += n;
  return cp;
}

// Letters, digits and combining marks continue a word; ASCII punctuation, Latin-1 symbols,
// general punctuation, symbols, CJK punctuation, fullwidth punctuation, private use and emoji
// separate words.
bool IsWordChar(char32_t c) {
  if (c < 0x80) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  }
  const auto in = [c](char32_t lo, char32_t hi) { return c >= lo && c <= hi; };
  return !(in(0x80, 0xBF) || c == 0xD7 || c == 0xF7 || in(0x2000, 0x2BFF) || in(0x2E00, 0x2E7F) ||
           in(0x3000, 0x303F) || in(0xE000, 0xF8FF) || in(0xFE10, 0xFE1F) || in(0xFE30, 0xFE6F) ||
           in(0xFF00, 0xFF0F) || in(0xFF1A, 0xFF20) || in(0xFF3B, 0xFF40) || in(0xFF5B, 0xFF65) ||
           in(0xFFF0, 0xFFFF) || in(0x1F000, 0x1FAFF));
}

// FTS5: every word a quoted phrase, implicitly ANDed, the last one also a prefix.
std::string Fts5Expression(const std::vector<std::string>& words) {
  std::string out;
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (i > 0) out += ' ';
    out += '"' + words[i] + '"';
  }
  return out + '*';
}

// to_tsquery: every word a quoted operand, ANDed, the last one also a prefix.
std::string TsQueryExpression(const std::vector<std::string>& words) {
  std::string out;
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (i > 0) out += " & ";
    out += '\'' + words[i] + '\'';
  }
  return out + ":*";
}

template <class Pred>
Status CheckFilter(const std::optional<std::string>& value,
                   std::string_view name,
                   Pred valid,
                   std::string_view rule) {
  if (value && !valid(*value)) {
    return Error::Invalid(fmt::format("{} must be {}", name, rule), std::string(name));
  }
  return {};
}

Status CheckQuery(const SearchQuery& q) {
  if (q.limit < 1 || q.limit > kMaxSearchLimit) {
    return Error::Invalid(fmt::format("limit must be from 1 to {}", kMaxSearchLimit), "limit");
  }
  if (q.offset < 0 || q.offset > kMaxSearchOffset) {
    return Error::Invalid(fmt::format("offset must be from 0 to {}", kMaxSearchOffset), "offset");
  }
  for (const auto& st : {
           CheckFilter(q.kind, "kind", IsKind, "service, tool, guidance, training or funding"),
           CheckFilter(q.country, "country", identity::IsMemberStateCode, "an EU/EEA country code"),
           CheckFilter(q.language, "language", IsLanguageCode, "an ISO 639-1 language code"),
           CheckFilter(q.cost, "cost", IsCost, "free, paid or subsidised"),
           CheckFilter(q.size, "size", identity::IsSizeBand, "micro, small, medium or large"),
           CheckFilter(q.measure, "measure", IsMeasure, "a NIS2 Article 21(2) point a to j"),
           CheckFilter(q.threat, "threat", IsThreat, "a known threat"),
       }) {
    if (!st) return st;
  }
  return {};
}

// Appends " AND <condition>" per filter to `where` (over alias e), with its parameters.
void AddFilters(const SearchQuery& q, std::string& where, std::vector<Value>& params) {
  constexpr std::string_view kHasTag =
      "EXISTS (SELECT 1 FROM catalogue_tags t WHERE t.entry_id = e.id AND t.facet = '{}'"
      " AND t.value = ?)";
  if (q.kind) {
    where += " AND e.kind = ?";
    params.push_back(Text(*q.kind));
  }
  if (q.cost) {
    where += " AND e.cost = ?";
    params.push_back(Text(*q.cost));
  }
  if (q.country) {
    where += fmt::format(" AND (e.eu_wide = 1 OR {})", fmt::format(kHasTag, "country"));
    params.push_back(Text(*q.country));
  }
  if (q.size) {
    where += fmt::format(" AND (e.all_sizes = 1 OR {})", fmt::format(kHasTag, "org_sizes"));
    params.push_back(Text(*q.size));
  }
  const std::pair<const std::optional<std::string>*, std::string_view> tags[] = {
      {&q.language, "language"}, {&q.measure, "nis2_measures"}, {&q.threat, "threats"}};
  for (const auto& [value, facet] : tags) {
    if (!*value) continue;
    where += " AND " + fmt::format(kHasTag, facet);
    params.push_back(Text(**value));
  }
}

bool Contains(const std::vector<std::string>& list, std::string_view value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

}  // namespace

std::vector<std::string> QueryWords(std::string_view text) {
  const std::string clean = SanitizeUtf8(text.substr(0, std::min(text.size(), kMaxQueryBytes)));
  std::vector<std::string> words;
  std::string word;
  const auto flush = [&] {
    if (!word.empty() && words.size() < kMaxQueryWords) {
      words.emplace_back(TruncateUtf8(word, kMaxQueryWordBytes));
    }
    word.clear();
  };
  for (std::size_t i = 0; i < clean.size();) {
    const std::size_t start = i;
    const char32_t c = NextCodePoint(clean, i);
    if (IsWordChar(c)) {
      word.append(clean, start, i - start);
    } else {
      flush();
    }
  }
  flush();
  return words;
}

bool Curator::May(std::span<const std::string> countries) const {
  return principal == nullptr || identity::AllowedToCurate(*principal, own_country, countries);
}

CatalogueService::CatalogueService(storage::Database& db,
                                   const Clock& clock,
                                   identity::IdentityService& identity)
    : db_(db), clock_(clock), identity_(identity) {}

std::span<const storage::Migration> CatalogueService::Migrations(storage::Dialect dialect) {
  if (dialect == storage::Dialect::kSqlite) return kSqliteMigrations;
  return kPostgresMigrations;
}

Curator CatalogueService::CuratorFor(Actor actor) {
  Curator curator;
  curator.principal = actor.principal;
  if (actor.principal != nullptr) {
    if (auto org = identity_.GetOrganisation(Actor::System(), actor.principal->organisation_id)) {
      curator.own_country = org->country;
    }
  }
  return curator;
}

Result<Entry> CatalogueService::Get(std::int64_t id) {
  auto entry = LoadOne(DbQuery(db_), id);
  if (!entry) return Error::NotFound("no such catalogue entry");
  return std::move(*entry);
}

Result<SearchResult> CatalogueService::Search(const SearchQuery& q) {
  if (auto st = CheckQuery(q); !st) return st.error();
  const bool sqlite = db_.dialect() == storage::Dialect::kSqlite;
  const auto words = QueryWords(q.text);

  std::string filters = "1 = 1";
  std::vector<Value> filter_params;
  AddFilters(q, filters, filter_params);

  // The matching set, for the total and the facets.
  std::string matching = filters;
  std::vector<Value> matching_params;
  if (!words.empty()) {
    matching = (sqlite ? "e.id IN (SELECT rowid FROM catalogue_fts WHERE catalogue_fts MATCH ?)"
                       : "e.search @@ to_tsquery('simple', ?)") +
               std::string(" AND ") + filters;
    matching_params.push_back(Text(sqlite ? Fts5Expression(words) : TsQueryExpression(words)));
  }
  matching_params.insert(matching_params.end(), filter_params.begin(), filter_params.end());

  SearchResult result;
  for (std::string_view facet : {"kind", "cost"}) result.facets[std::string(facet)];
  for (const auto& field : kTagFields) result.facets[std::string(field.facet)];
  const auto counts = db_.Query(
      fmt::format("WITH m AS (SELECT e.id, e.kind, e.cost FROM catalogue_entries e WHERE {})"
                  " SELECT 'kind' AS facet, m.kind AS value, COUNT(*) AS n FROM m GROUP BY m.kind"
                  " UNION ALL SELECT 'cost', m.cost, COUNT(*) FROM m GROUP BY m.cost"
                  " UNION ALL SELECT t.facet, t.value, COUNT(*) FROM catalogue_tags t"
                  " JOIN m ON m.id = t.entry_id GROUP BY t.facet, t.value",
                  matching),
      matching_params);
  for (const auto& r : counts.rows) {
    result.facets[r.Text(0)][r.Text(1)] = r.Int(2);
    if (r.Text(0) == "kind") result.total += r.Int(2);
  }
  if (result.total == 0) return result;

  std::string sql;
  std::vector<Value> params;
  if (words.empty()) {
    sql = fmt::format(
        "SELECT e.id, 0.0, e.summary FROM catalogue_entries e WHERE {}"
        " ORDER BY e.title, e.id LIMIT ? OFFSET ?",
        filters);
  } else if (sqlite) {
    sql = fmt::format(
        "SELECT e.id, {} AS score, snippet(catalogue_fts, -1, ?, ?, ?, ?)"
        " FROM catalogue_fts JOIN catalogue_entries e ON e.id = catalogue_fts.rowid"
        " WHERE catalogue_fts MATCH ? AND {} ORDER BY score DESC, e.title, e.id LIMIT ? OFFSET ?",
        kSqliteRank, filters);
    params = {Text(std::string(kMatchStart)), Text(std::string(kMatchEnd)), Text("…"),
              Int(kSnippetTokens), Text(Fts5Expression(words))};
  } else {
    sql = fmt::format(
        "SELECT e.id, ts_rank_cd(e.search, x.query) AS score,"
        " ts_headline('simple', e.summary || ' ' || e.description, x.query, ?)"
        " FROM catalogue_entries e CROSS JOIN (SELECT to_tsquery('simple', ?) AS query) x"
        " WHERE e.search @@ x.query AND {} ORDER BY score DESC, e.title, e.id LIMIT ? OFFSET ?",
        filters);
    params = {Text(std::string(kHeadlineOptions)), Text(TsQueryExpression(words))};
  }
  params.insert(params.end(), filter_params.begin(), filter_params.end());
  params.push_back(Int(q.limit));
  params.push_back(Int(q.offset));
  const auto page = db_.Query(sql, params);
  if (page.rows.empty()) return result;

  std::vector<Value> ids;
  for (const auto& r : page.rows) ids.push_back(Int(r.Int(0)));
  auto entries = LoadEntries(DbQuery(db_), "e.id IN (" + Placeholders(ids.size()) + ")", ids);
  for (const auto& r : page.rows) {
    const auto id = r.Int(0);
    const auto it =
        std::find_if(entries.begin(), entries.end(), [id](const Entry& e) { return e.id == id; });
    if (it == entries.end()) continue;  // deleted between the two reads
    result.items.push_back({std::move(*it), r.Real(1), r.IsNull(2) ? "" : r.Text(2)});
  }
  return result;
}

Result<Entry> CatalogueService::Create(Actor actor, EntryData data) {
  if (auto st = ValidateEntry(data, KeyRule::kOptional); !st) return st.error();
  if (!data.last_reviewed) data.last_reviewed = Today(clock_);
  const Curator curator = CuratorFor(actor);
  if (!curator.May(data.countries)) return Refused("create this entry");
  const std::int64_t now = ToUnixMillis(clock_.Now());
  try {
    return db_.Transact([&](storage::Tx& tx) -> Result<Entry> {
      EntryData row = data;
      if (row.key.empty()) {
        auto key = FreeKey(tx, Slug(row.title));
        if (!key) return key.error();
        row.key = std::move(*key);
      } else if (KeyTaken(tx, row.key)) {
        return Error::Conflict(fmt::format("an entry with key '{}' exists", row.key));
      }
      const auto id = InsertEntry(tx, row, now);
      return *LoadOne(TxQuery(tx), id);
    });
  } catch (const storage::StorageError& e) {
    if (e.kind() != storage::StorageError::Kind::kUniqueViolation) throw;
    return Error::Conflict(fmt::format("an entry with key '{}' exists", data.key));
  }
}

Result<Entry> CatalogueService::Update(Actor actor, std::int64_t id, const EntryPatch& patch) {
  const Curator curator = CuratorFor(actor);
  const std::int64_t now = ToUnixMillis(clock_.Now());
  return db_.Transact([&](storage::Tx& tx) -> Result<Entry> {
    LockEntry(tx, id);
    auto existing = LoadOne(TxQuery(tx), id);
    if (!existing) return Error::NotFound("no such catalogue entry");
    if (!curator.May(existing->data.countries)) return Refused("change this entry");
    EntryData next = ApplyPatch(existing->data, patch);
    if (auto st = ValidateEntry(next, KeyRule::kRequired); !st) return st.error();
    if (!curator.May(next.countries)) return Refused("give this entry these countries");
    if (next == existing->data) return std::move(*existing);
    UpdateEntry(tx, id, next, now);
    return *LoadOne(TxQuery(tx), id);
  });
}

Status CatalogueService::Delete(Actor actor, std::int64_t id) {
  const Curator curator = CuratorFor(actor);
  return db_.Transact([&](storage::Tx& tx) -> Status {
    LockEntry(tx, id);
    auto existing = LoadOne(TxQuery(tx), id);
    if (!existing) return Error::NotFound("no such catalogue entry");
    if (!curator.May(existing->data.countries)) return Refused("delete this entry");
    tx.Exec("DELETE FROM catalogue_entries WHERE id = ?", {Int(id)});
    return {};
  });
}

Result<int> CatalogueService::Import(Actor actor, std::string_view json_text) {
  auto entries = ParseImport(json_text);
  if (!entries) return entries.error();
  const Curator curator = CuratorFor(actor);
  const auto refused = [](std::size_t i, const EntryData& e) {
    Error error = Refused(fmt::format("import entry '{}'", e.key));
    error.field = fmt::format("/entries/{}/countries", i);
    return error;
  };
  for (std::size_t i = 0; i < entries->size(); ++i) {
    if (!curator.May((*entries)[i].countries)) return refused(i, (*entries)[i]);
  }
  if (entries->empty()) return 0;
  std::vector<Value> keys;
  for (const auto& e : *entries) keys.push_back(Text(e.key));
  const std::string where = "e.entry_key IN (" + Placeholders(keys.size()) + ")";
  const std::int64_t now = ToUnixMillis(clock_.Now());
  try {
    return db_.Transact([&](storage::Tx& tx) -> Result<int> {
      tx.LockExclusive(kImportLock);
      std::map<std::string, Entry> stored;
      for (auto& e : LoadEntries(TxQuery(tx), where, keys)) {
        stored.emplace(e.data.key, std::move(e));
      }
      int changed = 0;
      for (std::size_t i = 0; i < entries->size(); ++i) {
        const EntryData& e = (*entries)[i];
        const auto it = stored.find(e.key);
        if (it == stored.end()) {
          InsertEntry(tx, e, now);
        } else {
          if (!curator.May(it->second.data.countries)) return refused(i, e);
          if (it->second.data == e) continue;
          UpdateEntry(tx, it->second.id, e, now);
        }
        ++changed;
      }
      return changed;
    });
  } catch (const storage::StorageError& e) {
    if (e.kind() != storage::StorageError::Kind::kUniqueViolation) throw;
    return Error::Conflict("an entry of this file was created at the same time; import again");
  }
}

std::vector<Recommendation> CatalogueService::Recommend(const std::vector<Need>& needs,
                                                        std::optional<std::string> country,
                                                        std::optional<std::string> size_band,
                                                        std::size_t limit) {
  limit = std::clamp<std::size_t>(limit, 1, static_cast<std::size_t>(kMaxSearchLimit));
  std::set<std::string> measures;
  std::set<std::string> threats;
  for (const auto& n : needs) {
    if (n.weight <= 0) continue;
    if (IsMeasure(n.measure)) measures.insert(n.measure);
    if (IsThreat(n.threat)) threats.insert(n.threat);
  }
  if (measures.empty() && threats.empty()) return {};
  if (country && !identity::IsMemberStateCode(*country)) country.reset();
  if (size_band && !identity::IsSizeBand(*size_band)) size_band.reset();

  std::vector<Value> params;
  std::vector<std::string> matches;
  for (const auto& [facet, values] :
       {std::pair{"nis2_measures", &measures}, std::pair{"threats", &threats}}) {
    if (values->empty()) continue;
    matches.push_back(
        fmt::format("EXISTS (SELECT 1 FROM catalogue_tags t WHERE t.entry_id = e.id"
                    " AND t.facet = '{}' AND t.value IN ({}))",
                    facet, Placeholders(values->size())));
    for (const auto& v : *values) params.push_back(Text(v));
  }
  std::string where = "(" + fmt::format("{}", fmt::join(matches, " OR ")) + ")";
  if (country) {
    where +=
        " AND (e.eu_wide = 1 OR EXISTS (SELECT 1 FROM catalogue_tags c WHERE c.entry_id = e.id"
        " AND c.facet = 'country' AND c.value = ?))";
    params.push_back(Text(*country));
  }
  auto candidates = LoadEntries(DbQuery(db_), where, params);

  std::vector<std::string_view> official;
  if (country) {
    const auto langs = LanguagesOf(*country);
    official.assign(langs.begin(), langs.end());
  }
  std::vector<Recommendation> out;
  for (auto& entry : candidates) {
    const EntryData& e = entry.data;
    Recommendation rec;
    std::set<std::string> seen;
    for (const auto& n : needs) {
      const bool by_measure = !n.measure.empty() && Contains(e.nis2_measures, n.measure);
      const bool by_threat = !n.threat.empty() && Contains(e.threats, n.threat);
      if (n.weight <= 0 || !(by_measure || by_threat)) continue;
      rec.score += n.weight;
      std::string reason = !n.reason.empty() ? n.reason
                           : by_measure      ? fmt::format("Addresses NIS2 Article 21(2)({}): {}",
                                                           n.measure, MeasureLabel(n.measure))
                                             : fmt::format("Helps against {}", n.threat);
      if (seen.insert(reason).second) rec.reasons.push_back(std::move(reason));
    }
    if (rec.score <= 0) continue;
    if (country) {
      if (e.countries.empty()) {
        rec.reasons.push_back("Available EU-wide");
      } else {
        rec.score *= 1.3;
        rec.reasons.push_back(fmt::format("Offered in {}", CountryName(*country)));
      }
      std::vector<std::string> spoken;
      for (const auto& lang : e.languages) {
        if (std::find(official.begin(), official.end(), lang) != official.end()) {
          spoken.emplace_back(LanguageName(lang));
        }
      }
      if (!spoken.empty()) {
        rec.score *= 1.15;
        rec.reasons.push_back(fmt::format("Available in {}", fmt::join(spoken, ", ")));
      } else if (Contains(e.languages, "en")) {
        rec.reasons.push_back("Available in English");
      } else if (!e.languages.empty()) {
        rec.score *= 0.6;
      }
    }
    if (size_band && !e.org_sizes.empty()) {
      if (Contains(e.org_sizes, *size_band)) {
        rec.score *= 1.1;
        rec.reasons.push_back(fmt::format("Meant for {} organisations", *size_band));
      } else {
        rec.score *= 0.5;
      }
    }
    if (e.cost == "free" || e.cost == "subsidised") {
      rec.score *= 1.1;
      rec.reasons.push_back(e.cost == "free" ? "Free of charge" : "Subsidised");
    }
    rec.entry = std::move(entry);
    out.push_back(std::move(rec));
  }
  std::sort(out.begin(), out.end(), [](const Recommendation& a, const Recommendation& b) {
    if (a.score != b.score) return a.score > b.score;
    if (a.entry.data.title != b.entry.data.title) return a.entry.data.title < b.entry.data.title;
    return a.entry.id < b.entry.id;
  });
  if (out.size() > limit) out.resize(limit);
  return out;
}

}  // namespace caduceus::catalogue
