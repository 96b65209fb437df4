#include "intel/exports.h"

#include <algorithm>
#include <chrono>
#include <set>
#include <unordered_map>
#include <utility>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "core/random.h"
#include "identity/crypto.h"
#include "intel/visibility.h"

namespace caduceus::intel {

namespace json = boost::json;
using identity::Actor;
using storage::Int;
using storage::Text;
using storage::Tx;
using storage::Value;

namespace {

constexpr std::string_view kTokenPrefix = "cdx_";
constexpr std::size_t kTokenRandomBytes = 32;
constexpr std::size_t kTokenPrefixShown = 12;
constexpr std::size_t kMaxTokenBytes = 128;
constexpr std::size_t kMaxFeedName = 200;
constexpr std::size_t kBodiesPerQuery = 500;
constexpr int kMaxAgeDays = 3650;

constexpr storage::Migration kMigrations[] = {
    {1, "export pull feeds", R"sql(
CREATE TABLE intel_export_feeds (
  id {{id}},
  org_id BIGINT NOT NULL REFERENCES organisations(id),
  name TEXT NOT NULL,
  format TEXT NOT NULL,
  query TEXT NOT NULL,
  token_hash TEXT NOT NULL UNIQUE,
  token_prefix TEXT NOT NULL,
  created_by BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  last_pulled_at BIGINT,
  pulls BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX intel_export_feeds_org ON intel_export_feeds (org_id, id);
)sql"},
};

std::int64_t Micros(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
}

TimePoint FromMicros(std::int64_t us) { return TimePoint(std::chrono::microseconds(us)); }

bool IsUuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return false;
    }
  }
  return true;
}

std::optional<int> ParseBounded(std::string_view text, int min, int max) {
  if (text.empty() || text.size() > 10) return std::nullopt;
  long long v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  if (v < min || v > max) return std::nullopt;
  return static_cast<int>(v);
}

std::optional<bool> ParseBool(std::string_view text) {
  if (text == "true" || text == "1") return true;
  if (text == "false" || text == "0") return false;
  return std::nullopt;
}

std::string Placeholders(std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i) out += i == 0 ? "?" : ", ?";
  return out;
}

std::string FilterText(const ExportQuery& q) {
  std::string out;
  for (const auto& [key, value] : ExportQueryParams(q)) {
    if (!out.empty()) out += "; ";
    out += key + "=" + value;
  }
  out += "; indicators only, newest version, never expired";
  return out;
}

Status CheckName(std::string_view name) {
  if (name.empty() || name.size() > kMaxFeedName) {
    return Error::Invalid("a feed name has 1 to 200 characters", "name");
  }
  for (char c : name) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) {
      return Error::Invalid("a feed name is one line of text", "name");
    }
  }
  return {};
}

ExportFeed FeedOfRow(const storage::Row& row) {
  ExportFeed feed;
  feed.id = row.Int(0);
  feed.name = row.Text(1);
  const auto format = ParseExportFormat(row.Text(2)).value_or(ExportFormat::kBlocklist);
  std::map<std::string, std::string> params;
  boost::system::error_code ec;
  const auto stored = json::parse(row.Text(3), ec);
  if (!ec && stored.is_object()) {
    for (const auto& [k, v] : stored.get_object()) {
      if (v.is_string()) params.emplace(std::string(k), std::string(v.get_string()));
    }
  }
  auto query = ParseExportQuery(format, params);
  feed.query = query ? *query : ExportQuery{};
  feed.query.request.format = format;
  feed.token_prefix = row.Text(4);
  feed.created_by = row.Int(5);
  feed.created_at = FromUnixMillis(row.Int(6));
  if (const auto at = row.OptInt(7)) feed.last_pulled_at = FromUnixMillis(*at);
  feed.pulls = row.Int(8);
  return feed;
}

constexpr std::string_view kFeedColumns =
    "id, name, format, query, token_prefix, created_by, created_at, last_pulled_at, pulls";

}  // namespace

Result<ExportQuery> ParseExportQuery(ExportFormat format,
                                     const std::map<std::string, std::string>& params) {
  static const std::set<std::string, std::less<>> kKnown = {"collection",
                                                            "type",
                                                            "kind",
                                                            "tlp_max",
                                                            "max_age_days",
                                                            "min_confidence",
                                                            "include_warninglisted",
                                                            "include_revoked",
                                                            "limit"};
  for (const auto& [key, value] : params) {
    if (!kKnown.contains(key)) {
      return Error::Invalid(fmt::format("unknown parameter '{}'", key.substr(0, 64)),
                            key.substr(0, 64));
    }
  }
  auto get = [&](std::string_view key) -> std::optional<std::string_view> {
    const auto it = params.find(std::string(key));
    if (it == params.end()) return std::nullopt;
    return std::string_view(it->second);
  };
  ExportQuery q;
  q.request.format = format;
  if (const auto v = get("collection")) {
    if (!IsUuid(*v)) return Error::Invalid("collection is a collection id (UUID)", "collection");
    q.collection_uuid = std::string(*v);
  }
  if (const auto v = get("type")) {
    std::string_view rest = *v;
    while (true) {
      const auto comma = rest.find(',');
      const auto name = rest.substr(0, comma);
      const auto kind = ParseKindName(name);
      if (!kind) {
        return Error::Invalid(fmt::format("unknown observable kind '{}'", name.substr(0, 40)),
                              "type");
      }
      if (std::find(q.kinds.begin(), q.kinds.end(), *kind) == q.kinds.end()) {
        q.kinds.push_back(*kind);
      }
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  if (const auto v = get("kind")) {
    const auto kind = ParseExportListKind(*v);
    if (!kind) {
      return Error::Invalid("kind is domain, ip, url, hash, md5, sha1 or sha256", "kind");
    }
    q.request.list_kind = *kind;
  }
  if (const auto v = get("tlp_max")) {
    std::string text(*v);
    std::replace(text.begin(), text.end(), ' ', '+');  // '+' in a query string reads as a space
    const auto tlp = ParseTlp(text);
    if (!tlp)
      return Error::Invalid("tlp_max is clear, green, amber, amber+strict or red", "tlp_max");
    q.tlp_max = *tlp;
  }
  if (const auto v = get("max_age_days")) {
    q.max_age_days = ParseBounded(*v, 1, kMaxAgeDays);
    if (!q.max_age_days) return Error::Invalid("max_age_days is 1 to 3650", "max_age_days");
  }
  if (const auto v = get("min_confidence")) {
    q.min_confidence = ParseBounded(*v, 0, 100);
    if (!q.min_confidence) return Error::Invalid("min_confidence is 0 to 100", "min_confidence");
  }
  if (const auto v = get("include_warninglisted")) {
    const auto b = ParseBool(*v);
    if (!b)
      return Error::Invalid("include_warninglisted is true or false", "include_warninglisted");
    q.include_warninglisted = *b;
  }
  if (const auto v = get("include_revoked")) {
    const auto b = ParseBool(*v);
    if (!b) return Error::Invalid("include_revoked is true or false", "include_revoked");
    q.include_revoked = *b;
  }
  if (const auto v = get("limit")) {
    const auto limit = ParseBounded(*v, 1, static_cast<int>(kMaxExportValues));
    if (!limit) return Error::Invalid("limit is 1 to 100000", "limit");
    q.limit = static_cast<std::size_t>(*limit);
  }
  if (auto s = ValidateExportRequest(q.request); !s) return s.error();
  return q;
}

std::map<std::string, std::string> ExportQueryParams(const ExportQuery& q) {
  std::map<std::string, std::string> out;
  if (q.collection_uuid) out["collection"] = *q.collection_uuid;
  if (!q.kinds.empty()) {
    std::string types;
    for (const auto k : q.kinds) {
      if (!types.empty()) types += ",";
      types += KindName(k);
    }
    out["type"] = types;
  }
  if (q.request.list_kind) out["kind"] = std::string(ExportListKindName(*q.request.list_kind));
  out["tlp_max"] = std::string(TlpKey(q.tlp_max));
  if (q.max_age_days) out["max_age_days"] = std::to_string(*q.max_age_days);
  if (q.min_confidence) out["min_confidence"] = std::to_string(*q.min_confidence);
  out["include_warninglisted"] = q.include_warninglisted ? "true" : "false";
  out["include_revoked"] = q.include_revoked ? "true" : "false";
  out["limit"] = std::to_string(q.limit);
  return out;
}

ExportService::ExportService(storage::Database& db, const Clock& clock, IntelService&)
    : db_(db), clock_(clock) {}

std::span<const storage::Migration> ExportService::Migrations() { return kMigrations; }

Result<ExportResult> ExportService::Run(Tx& tx,
                                        const ViewScope& scope,
                                        const ExportQuery& query,
                                        TimePoint now) {
  if (auto s = ValidateExportRequest(query.request); !s) return s.error();
  if (query.limit == 0 || query.limit > kMaxExportValues) {
    return Error::Invalid("limit is 1 to 100000", "limit");
  }
  std::optional<std::int64_t> collection_id;
  if (query.collection_uuid) {
    const auto row =
        tx.One("SELECT id FROM intel_collections WHERE uuid = ?", {Text(*query.collection_uuid)});
    if (!row || (!scope.system && !std::binary_search(scope.collections.begin(),
                                                      scope.collections.end(), row->Int(0)))) {
      return Error::NotFound("no such collection");
    }
    collection_id = row->Int(0);
  }
  std::vector<ObservableKind> kinds;
  for (const auto k : ExportKinds(query.request)) {
    if (query.kinds.empty() ||
        std::find(query.kinds.begin(), query.kinds.end(), k) != query.kinds.end()) {
      kinds.push_back(k);
    }
  }

  std::vector<ExportItem> items;
  std::vector<std::int64_t> seqs;
  bool truncated = false;
  if (!kinds.empty()) {
    const auto visible = VisiblePredicate(scope, "o");
    std::string sql =
        "SELECT v.kind, v.value, o.seq, o.stix_id, o.name, o.tlp, o.confidence, o.date_added_us, "
        "o.valid_until_us, c.title FROM intel_objects o "
        "JOIN intel_corr_refs r ON r.object_seq = o.seq "
        "JOIN intel_corr_values v ON v.id = r.value_id "
        "JOIN intel_collections c ON c.id = o.collection_id WHERE " +
        visible.sql +
        " AND o.is_latest = 1 AND o.type = 'indicator' AND o.tlp <= ? "
        "AND (o.valid_until_us IS NULL OR o.valid_until_us > ?) AND v.kind IN (" +
        Placeholders(kinds.size()) + ")";
    std::vector<Value> params = visible.params;
    params.push_back(Int(static_cast<std::int64_t>(query.tlp_max)));
    params.push_back(Int(Micros(now)));
    for (const auto k : kinds) params.push_back(Text(std::string(KindName(k))));
    if (!query.include_revoked) sql += " AND o.revoked = 0";
    if (collection_id) {
      sql += " AND o.collection_id = ?";
      params.push_back(Int(*collection_id));
    }
    if (query.max_age_days) {
      sql += " AND o.date_added_us >= ?";
      params.push_back(Int(Micros(now - std::chrono::hours(24) * *query.max_age_days)));
    }
    if (query.min_confidence) {
      sql += " AND o.confidence >= ?";
      params.push_back(Int(*query.min_confidence));
    }
    if (!query.include_warninglisted) {
      sql +=
          " AND NOT EXISTS (SELECT 1 FROM intel_warnings w WHERE w.object_seq = o.seq AND "
          "w.kind = v.kind AND w.value = v.value)";
    }
    sql += " ORDER BY o.date_added_us DESC, o.seq DESC, v.id LIMIT ?";
    params.push_back(Int(static_cast<std::int64_t>(query.limit + 1)));

    const auto result = tx.Exec(sql, params);
    truncated = result.rows.size() > query.limit;
    const std::size_t n = std::min(result.rows.size(), query.limit);
    items.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
      const auto& row = result.rows[i];
      const auto kind = ParseKindName(row.Text(0));
      if (!kind) continue;
      ExportItem item;
      item.observable = {*kind, row.Text(1)};
      item.object_id = row.Text(3);
      item.name = row.OptText(4).value_or("");
      item.tlp = static_cast<TlpLevel>(std::clamp<std::int64_t>(row.Int(5), 0, 4));
      if (const auto c = row.OptInt(6)) item.confidence = static_cast<int>(*c);
      item.date_added = FromMicros(row.Int(7));
      if (const auto until = row.OptInt(8)) item.valid_until = FromMicros(*until);
      item.collection = row.Text(9);
      items.push_back(std::move(item));
      seqs.push_back(row.Int(2));
    }
  }

  if (query.request.format == ExportFormat::kStix && !items.empty()) {
    std::vector<std::int64_t> unique = seqs;
    std::sort(unique.begin(), unique.end());
    unique.erase(std::unique(unique.begin(), unique.end()), unique.end());
    std::unordered_map<std::int64_t, std::string> bodies;
    for (std::size_t at = 0; at < unique.size(); at += kBodiesPerQuery) {
      const std::size_t n = std::min(kBodiesPerQuery, unique.size() - at);
      std::vector<Value> params;
      for (std::size_t i = 0; i < n; ++i) params.push_back(Int(unique[at + i]));
      const auto rows = tx.Exec(
          "SELECT seq, body FROM intel_objects WHERE seq IN (" + Placeholders(n) + ")", params);
      for (const auto& row : rows.rows) bodies.emplace(row.Int(0), row.Text(1));
    }
    for (std::size_t i = 0; i < items.size(); ++i) {
      if (const auto it = bodies.find(seqs[i]); it != bodies.end()) {
        items[i].object_json = it->second;
      }
    }
  }

  ExportHeader header;
  header.generated_at = now;
  header.filter = FilterText(query);
  header.tlp_ceiling = query.tlp_max;
  header.bundle_id = "bundle--" + RandomUuid();
  header.truncated = truncated;
  header.cap = query.limit;

  ExportResult out;
  out.body = RenderExport(query.request, items, header);
  out.media_type = std::string(ExportMediaType(query.request.format));
  out.file_name = ExportFileName(query.request);
  out.values = items.size();
  out.truncated = truncated;
  return out;
}

Result<ExportResult> ExportService::Export(Actor actor, const ExportQuery& query) {
  const auto now = clock_.Now();
  return db_.Read([&](Tx& tx) -> Result<ExportResult> {
    return Run(tx, LoadViewScope(tx, actor), query, now);
  });
}

Result<std::vector<ExportFeed>> ExportService::ListFeeds(Actor actor) {
  if (actor.principal == nullptr) return std::vector<ExportFeed>{};
  const auto rows = db_.Query(fmt::format("SELECT {} FROM intel_export_feeds WHERE org_id = ? "
                                          "ORDER BY id",
                                          kFeedColumns),
                              {Int(actor.principal->organisation_id)});
  std::vector<ExportFeed> out;
  out.reserve(rows.rows.size());
  for (const auto& row : rows.rows) out.push_back(FeedOfRow(row));
  return out;
}

Result<CreatedExportFeed> ExportService::CreateFeed(Actor actor, const NewExportFeed& feed) {
  if (actor.principal == nullptr) {
    return Error::Invalid("a pull feed belongs to an organisation", "");
  }
  if (auto s = CheckName(feed.name); !s) return s.error();
  if (auto s = ValidateExportRequest(feed.query.request); !s) return s.error();
  if (feed.query.tlp_max > TlpLevel::kAmberStrict) {
    return Error::Invalid("a device feed goes up to TLP:AMBER+STRICT, never TLP:RED", "tlp_max");
  }
  if (feed.query.limit == 0 || feed.query.limit > kMaxExportValues) {
    return Error::Invalid("limit is 1 to 100000", "limit");
  }
  const std::int64_t org = actor.principal->organisation_id;
  const auto now = clock_.Now();
  const std::string token = std::string(kTokenPrefix) + RandomToken(kTokenRandomBytes);
  json::object stored;
  for (const auto& [k, v] : ExportQueryParams(feed.query)) stored[k] = v;

  return db_.Transact([&](Tx& tx) -> Result<CreatedExportFeed> {
    if (feed.query.collection_uuid) {
      const auto scope = LoadOrgScope(tx, org);
      const auto row = tx.One("SELECT id FROM intel_collections WHERE uuid = ?",
                              {Text(*feed.query.collection_uuid)});
      if (!row ||
          !std::binary_search(scope.collections.begin(), scope.collections.end(), row->Int(0))) {
        return Error::NotFound("no such collection");
      }
    }
    const auto count =
        tx.One("SELECT COUNT(*) FROM intel_export_feeds WHERE org_id = ?", {Int(org)});
    if (count && count->Int(0) >= static_cast<std::int64_t>(kMaxExportFeedsPerOrg)) {
      return Error::Invalid("an organisation has at most 100 pull feeds; delete one first", "");
    }
    const auto row = tx.One(
        fmt::format("INSERT INTO intel_export_feeds (org_id, name, format, query, token_hash, "
                    "token_prefix, created_by, created_at, pulls) VALUES (?, ?, ?, ?, ?, ?, ?, "
                    "?, 0) RETURNING {}",
                    kFeedColumns),
        {Int(org), Text(feed.name), Text(std::string(ExportFormatName(feed.query.request.format))),
         Text(json::serialize(stored)), Text(identity::DigestSecret(token)),
         Text(token.substr(0, kTokenPrefixShown)), Int(actor.principal->user_id),
         Int(ToUnixMillis(now))});
    CreatedExportFeed created;
    created.feed = FeedOfRow(*row);
    created.token = token;
    return created;
  });
}

Status ExportService::DeleteFeed(Actor actor, std::int64_t id) {
  if (actor.principal == nullptr) return Error::NotFound("no such feed");
  const auto result = db_.Query("DELETE FROM intel_export_feeds WHERE id = ? AND org_id = ?",
                                {Int(id), Int(actor.principal->organisation_id)});
  if (result.affected_rows == 0) return Error::NotFound("no such feed");
  return {};
}

Result<ExportResult> ExportService::Pull(std::string_view token) {
  const bool plausible = token.size() > kTokenPrefix.size() && token.size() <= kMaxTokenBytes &&
                         token.substr(0, kTokenPrefix.size()) == kTokenPrefix &&
                         std::all_of(token.begin(), token.end(), [](char c) {
                           return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                                  (c >= '0' && c <= '9') || c == '-' || c == '_';
                         });
  if (!plausible) return Error::Unauthenticated("unknown pull token");
  const std::string digest = identity::DigestSecret(token);
  const auto now = clock_.Now();
  return db_.Transact([&](Tx& tx) -> Result<ExportResult> {
    const auto row =
        tx.One("SELECT id, org_id, format, query FROM intel_export_feeds WHERE token_hash = ?",
               {Text(digest)});
    if (!row) return Error::Unauthenticated("unknown pull token");
    const auto format = ParseExportFormat(row->Text(2));
    if (!format) return Error::Unauthenticated("unknown pull token");
    std::map<std::string, std::string> params;
    boost::system::error_code ec;
    const auto stored = json::parse(row->Text(3), ec);
    if (!ec && stored.is_object()) {
      for (const auto& [k, v] : stored.get_object()) {
        if (v.is_string()) params.emplace(std::string(k), std::string(v.get_string()));
      }
    }
    auto query = ParseExportQuery(*format, params);
    if (!query) return query.error();
    query->tlp_max = std::min(query->tlp_max, TlpLevel::kAmberStrict);
    tx.Exec("UPDATE intel_export_feeds SET last_pulled_at = ?, pulls = pulls + 1 WHERE id = ?",
            {Int(ToUnixMillis(now)), Int(row->Int(0))});
    return Run(tx, LoadOrgScope(tx, row->Int(1)), *query, now);
  });
}

}  // namespace caduceus::intel
