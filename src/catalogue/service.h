// The Support Centre's service catalogue: services, tools, guidance, training and funding, with
// full-text search, facets, curation and recommendations.
//
// Thread-safe (all state is in the database). Reading is open to every authenticated user, so
// Search and Get take no actor. Changes take an identity::Actor and are authorised by
// identity::AllowedToCurate with the curator's Member State loaded from storage; Actor::System()
// (admin CLI, demo loader) may do everything. Entries are visible to everyone, so a refused
// change is kPermissionDenied, not kNotFound. Every change runs in one transaction, the
// full-text index included.
//
// Full text: SQLite keeps an FTS5 index (external content, maintained by triggers) ranked with
// bm25; PostgreSQL a generated tsvector column ('simple' configuration, GIN index) ranked with
// ts_rank_cd. Title weighs more than summary and provider name, which weigh more than the
// description. Query text is split into words (letters and digits; punctuation and symbols
// separate words), at most kMaxQueryWords of them, each quoted, all required, the last one
// also matching as a prefix; query syntax in the text is therefore never interpreted.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "catalogue/entry.h"
#include "core/clock.h"
#include "core/error.h"
#include "identity/service.h"
#include "storage/database.h"

namespace caduceus::catalogue {

inline constexpr std::size_t kMaxQueryWords = 16;
inline constexpr std::size_t kMaxQueryWordBytes = 64;
inline constexpr std::int64_t kMaxSearchLimit = 100;
inline constexpr std::int64_t kMaxSearchOffset = 1'000'000;
// Snippets mark the matched words with these characters, which entries cannot contain (control
// characters are rejected), so clients can highlight without parsing HTML.
inline constexpr std::string_view kMatchStart = "\x02";
inline constexpr std::string_view kMatchEnd = "\x03";

struct SearchQuery {
  std::string text;  // free text; empty lists everything ordered by title
  // Filters, each one value; an invalid value is an error naming the filter.
  std::optional<std::string> kind;
  std::optional<std::string> country;  // includes EU-wide entries
  std::optional<std::string> language;
  std::optional<std::string> cost;
  std::optional<std::string> size;  // includes entries for every size
  std::optional<std::string> measure;
  std::optional<std::string> threat;
  std::int64_t limit = 20;  // 1..kMaxSearchLimit
  std::int64_t offset = 0;  // 0..kMaxSearchOffset
};

struct SearchHit {
  Entry entry;
  double rank = 0;      // higher is better; 0 without query text
  std::string snippet;  // an excerpt with kMatchStart/kMatchEnd around matches; the summary
                        // without query text
};

using FacetCounts = std::map<std::string, std::int64_t>;

struct SearchResult {
  std::int64_t total = 0;  // matching entries, before limit/offset
  std::vector<SearchHit> items;
  // Counts over all matching entries, per value present: "kind", "cost", "country",
  // "language", "org_sizes", "nis2_measures", "threats" (always present, maybe empty). EU-wide
  // entries count under no country, entries for every size under no size.
  std::map<std::string, FacetCounts> facets;
};

// What an actor may curate; built by CatalogueService::CuratorFor.
struct Curator {
  const identity::Principal* principal = nullptr;  // null: the system
  std::optional<std::string> own_country;          // the principal's organisation's country
  // Whether an entry with these countries (empty: EU-wide) may be created, changed or deleted.
  bool May(std::span<const std::string> countries) const;
};

// What the recommendations should address: a NIS2 Article 21(2) point ("a".."j") the
// organisation is weak in, or a threat (one of Threats()) it has met; how much it matters (> 0);
// and a sentence saying why (shown as a reason). A need names a measure or a threat, not both.
struct Need {
  std::string measure;
  std::string threat;
  double weight = 1;
  std::string reason;

  static Need ForMeasure(std::string measure, double weight, std::string reason) {
    return {std::move(measure), {}, weight, std::move(reason)};
  }
  static Need ForThreat(std::string threat, double weight, std::string reason) {
    return {{}, std::move(threat), weight, std::move(reason)};
  }
};

struct Recommendation {
  Entry entry;
  double score = 0;
  std::vector<std::string> reasons;
};

class CatalogueService {
 public:
  // Keeps references to all three; they must outlive the service.
  CatalogueService(storage::Database& db, const Clock& clock, identity::IdentityService& identity);

  // Module name "catalogue". The full-text index differs per dialect.
  static std::span<const storage::Migration> Migrations(storage::Dialect dialect);

  Result<SearchResult> Search(const SearchQuery& query);
  // kNotFound when there is no such entry.
  Result<Entry> Get(std::int64_t id);

  // The actor's curation rights; loads the organisation's country from storage.
  Curator CuratorFor(identity::Actor actor);

  // Creates an entry. Without a key one is derived from the title (made unique). Without
  // last_reviewed it is today (UTC). kInvalidArgument (field = the member), kPermissionDenied,
  // kConflict when the key is taken.
  Result<Entry> Create(identity::Actor actor, EntryData data);
  // Changes some fields; the actor must be allowed to curate the entry both before and after.
  Result<Entry> Update(identity::Actor actor, std::int64_t id, const EntryPatch& patch);
  Status Delete(identity::Actor actor, std::int64_t id);

  // Imports entries from a catalogue file (entry.h, ParseImport), all or nothing: an entry whose
  // key exists is updated, otherwise created. The actor must be allowed to curate every entry
  // (and, for updates, the stored one). Returns how many entries were created or changed;
  // re-importing the same file returns 0 and changes nothing.
  Result<int> Import(identity::Actor actor, std::string_view json_text);

  // Entries addressing the needed measures, best first, at most `limit` (clamped to 1..100).
  // An entry's score is the sum of the weights of the needs it addresses, multiplied by
  // preferences: specific to the country (x1.3; entries of other countries are excluded when a
  // country is given), offered in one of the country's official languages (x1.15; English only
  // x1; no acceptable language x0.6), meant for the size band (x1.1; meant for other sizes only
  // x0.5), free or subsidised (x1.1). Reasons name each need addressed and each preference met.
  std::vector<Recommendation> Recommend(const std::vector<Need>& needs,
                                        std::optional<std::string> country,
                                        std::optional<std::string> size_band,
                                        std::size_t limit);

 private:
  storage::Database& db_;
  const Clock& clock_;
  identity::IdentityService& identity_;
};

// The words of a query as the search uses them (exposed for tests).
std::vector<std::string> QueryWords(std::string_view text);

}  // namespace caduceus::catalogue
