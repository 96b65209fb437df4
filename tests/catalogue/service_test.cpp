// CatalogueService on both backends: full-text search with ranking, prefixes, filters and
// facets; hostile query text; curation rights; import; recommendations.
#include "catalogue/service.h"

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "core/random.h"
#include "identity/crypto.h"
#include "storage/database.h"
#include "support/test_db.h"

namespace caduceus::catalogue {
namespace {

namespace json = boost::json;
using caduceus::testing::Backend;
using caduceus::testing::ScratchDatabase;
using identity::Actor;
using identity::OrgKind;
using identity::Principal;
using identity::Role;

constexpr std::string_view kPassword = "correct horse battery staple";
// 2026-03-02T09:00:00Z
constexpr std::int64_t kStartMillis = 1'772'442'000'000;

using Strings = std::vector<std::string>;

EntryData MakeEntry(std::string key,
                    std::string kind,
                    std::string title,
                    std::string summary,
                    std::string description,
                    Strings countries,
                    Strings languages,
                    std::string cost,
                    Strings measures,
                    Strings threats = {},
                    Strings sizes = {}) {
  EntryData e;
  e.key = std::move(key);
  e.kind = std::move(kind);
  e.title = std::move(title);
  e.summary = std::move(summary);
  e.description = std::move(description);
  e.provider_name = "Example agency";
  e.url = "https://example.eu/" + e.key;
  e.countries = std::move(countries);
  e.languages = std::move(languages);
  e.cost = std::move(cost);
  e.nis2_measures = std::move(measures);
  e.threats = std::move(threats);
  e.org_sizes = std::move(sizes);
  e.last_reviewed = "2026-01-15";
  return e;
}

std::string ImportFile(const std::vector<EntryData>& entries) {
  json::array array;
  for (const auto& e : entries) array.push_back(ToJson(e));
  return json::serialize(json::object{{"format", "caduceus-catalogue/1"}, {"entries", array}});
}

template <class R>
::testing::AssertionResult FailsWith(const R& result, Errc code, std::string_view field = {}) {
  if (!result.has_error()) return ::testing::AssertionFailure() << "succeeded";
  const auto& e = result.error();
  if (e.code != code || e.field != field) {
    return ::testing::AssertionFailure()
           << "failed with " << Slug(e.code) << " field '" << e.field << "': " << e.message;
  }
  return ::testing::AssertionSuccess();
}

template <class R>
::testing::AssertionResult Succeeds(const R& result) {
  if (result.has_error()) {
    return ::testing::AssertionFailure() << Slug(result.error().code) << " field '"
                                         << result.error().field << "': " << result.error().message;
  }
  return ::testing::AssertionSuccess();
}

Strings Keys(const SearchResult& r) {
  Strings out;
  for (const auto& hit : r.items) out.push_back(hit.entry.data.key);
  return out;
}

class CatalogueServiceTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    CADUCEUS_REQUIRE_BACKEND(GetParam());
    InitCrypto();
    scratch_ = std::make_unique<ScratchDatabase>(GetParam());
    auto db = storage::Database::Open(scratch_->url());
    ASSERT_TRUE(db) << db.error().message;
    db_ = std::move(*db);
    storage::ApplyMigrations(*db_, "identity", identity::IdentityService::Migrations());
    storage::ApplyMigrations(*db_, "catalogue", CatalogueService::Migrations(db_->dialect()));
    identity::IdentityOptions options;
    options.password_hash = {1, 8 * 1024 * 1024};
    options.secret_key = identity::SecretBox::GenerateKey();
    ids_ = std::make_unique<identity::IdentityService>(*db_, clock_, options);
    catalogue_ = std::make_unique<CatalogueService>(*db_, clock_, *ids_);
  }

  // SC -> BE authority -> BE hospital; SC -> NL authority.
  void BuildHierarchy() {
    sc_ = Org("EU Support Centre", OrgKind::kSupportCentre, {}, {});
    be_ = Org("CCB", OrgKind::kAuthority, sc_, "BE");
    nl_ = Org("Z-CERT", OrgKind::kAuthority, sc_, "NL");
    hospital_ = Org("UZ Leuven", OrgKind::kProvider, be_, {});
  }

  std::int64_t Org(std::string name,
                   OrgKind kind,
                   std::optional<std::int64_t> parent,
                   std::optional<std::string> country) {
    identity::NewOrganisation org;
    org.name = std::move(name);
    org.kind = kind;
    org.parent_id = parent;
    org.country = std::move(country);
    if (kind == OrgKind::kProvider) {
      org.provider_type = "hospital";
      org.size_band = "large";
    }
    auto created = ids_->CreateOrganisation(Actor::System(), org);
    if (!created) throw std::runtime_error(created.error().message);
    return created->id;
  }

  Principal User(const std::string& username, std::int64_t org, Role role) {
    identity::NewUser u;
    u.username = username;
    u.display_name = username;
    u.organisation_id = org;
    u.role = role;
    u.password = std::string(kPassword);
    if (auto created = ids_->CreateUser(Actor::System(), u); !created) {
      throw std::runtime_error(created.error().message);
    }
    auto login = ids_->Login({username, std::string(kPassword), std::nullopt, "192.0.2.1", "t"});
    if (!login) throw std::runtime_error(login.error().message);
    return login->principal;
  }

  Entry Add(EntryData data) {
    auto created = catalogue_->Create(Actor::System(), std::move(data));
    if (!created) throw std::runtime_error(created.error().message);
    return *created;
  }

  // Five entries: three guidance, one training, one funding; two EU-wide, two Belgian, one
  // Dutch.
  void AddSearchEntries() {
    Add(MakeEntry("ransomware-playbook", "guidance", "Ransomware recovery playbook",
                  "Steps after an attack.", "Isolate, restore, report.", {}, {"en"}, "free",
                  {"b", "c"}, {"ransomware"}));
    Add(MakeEntry("backup-checklist", "guidance", "Backup checklist",
                  "Offline copies that survive.",
                  "Keep offline copies so you can recover from ransomware without paying.", {"BE"},
                  {"fr", "nl"}, "free", {"c"}));
    Add(MakeEntry("phishing-training", "training", "Phishing awareness training",
                  "Teach staff to spot lures.", "Monthly simulated campaigns.", {"NL"}, {"nl"},
                  "paid", {"g"}, {"phishing"}));
    auto voucher = MakeEntry("cyber-voucher", "funding", "Cyber voucher for small hospitals",
                             "Up to 10 000 euro.", "Covers audits and tooling.", {"BE"},
                             {"fr", "nl", "de"}, "subsidised", {"a"}, {}, {"micro", "small"});
    voucher.provider_name = "Flemish innovation fund";
    Add(voucher);
    Add(MakeEntry("device-segmentation", "guidance", "Medical device segmentation guide",
                  "Put devices in their own networks.", "VLANs, firewalls, monitoring.", {}, {"en"},
                  "free", {"e", "i"}, {"medical_device"}));
  }

  SearchResult Find(SearchQuery q) {
    auto r = catalogue_->Search(q);
    if (!r) throw std::runtime_error(r.error().message);
    return std::move(*r);
  }
  SearchResult Find(std::string text) {
    SearchQuery q;
    q.text = std::move(text);
    return Find(q);
  }

  std::unique_ptr<ScratchDatabase> scratch_;
  std::unique_ptr<storage::Database> db_;
  ManualClock clock_{FromUnixMillis(kStartMillis)};
  std::unique_ptr<identity::IdentityService> ids_;
  std::unique_ptr<CatalogueService> catalogue_;
  std::int64_t sc_ = 0, be_ = 0, nl_ = 0, hospital_ = 0;
};

// ---- Search --------------------------------------------------------------------------------

TEST_P(CatalogueServiceTest, EmptyQueryListsEverythingByTitle) {
  AddSearchEntries();
  const auto r = Find("");
  EXPECT_EQ(r.total, 5);
  EXPECT_EQ(Keys(r), (Strings{"backup-checklist", "cyber-voucher", "device-segmentation",
                              "phishing-training", "ransomware-playbook"}));
  EXPECT_EQ(r.items[0].snippet, "Offline copies that survive.");
  EXPECT_EQ(r.items[0].rank, 0);
}

TEST_P(CatalogueServiceTest, WordsFindEntriesAndATitleHitRanksAboveADescriptionHit) {
  AddSearchEntries();
  const auto r = Find("ransomware");
  EXPECT_EQ(r.total, 2);
  ASSERT_EQ(Keys(r), (Strings{"ransomware-playbook", "backup-checklist"}));
  EXPECT_GT(r.items[0].rank, r.items[1].rank);
  EXPECT_GT(r.items[1].rank, 0);
  const std::string marked = std::string(kMatchStart) + "ransomware" + std::string(kMatchEnd);
  EXPECT_NE(r.items[1].snippet.find(marked), std::string::npos) << r.items[1].snippet;
}

TEST_P(CatalogueServiceTest, SearchIsCaseInsensitiveAndCoversSummaryAndProvider) {
  AddSearchEntries();
  EXPECT_EQ(Keys(Find("RANSOMWARE PLAYBOOK")), (Strings{"ransomware-playbook"}));
  EXPECT_EQ(Keys(Find("lures")), (Strings{"phishing-training"}));
  EXPECT_EQ(Keys(Find("flemish fund")), (Strings{"cyber-voucher"}));
}

TEST_P(CatalogueServiceTest, TheLastWordMatchesAsAPrefix) {
  AddSearchEntries();
  EXPECT_EQ(Find("ransom").total, 2);
  EXPECT_EQ(Keys(Find("device segment")), (Strings{"device-segmentation"}));
  // Only the last word is a prefix.
  EXPECT_EQ(Find("segment device").total, 0);
}

TEST_P(CatalogueServiceTest, AllWordsMustMatch) {
  AddSearchEntries();
  EXPECT_EQ(Keys(Find("backup checklist")), (Strings{"backup-checklist"}));
  EXPECT_EQ(Find("backup phishing").total, 0);
}

TEST_P(CatalogueServiceTest, FacetsCountTheWholeMatchingSet) {
  AddSearchEntries();
  SearchQuery all;
  all.limit = 1;
  const auto r = Find(all);
  EXPECT_EQ(r.total, 5);
  EXPECT_EQ(r.items.size(), 1u);
  EXPECT_EQ(r.facets.at("kind"), (FacetCounts{{"funding", 1}, {"guidance", 3}, {"training", 1}}));
  EXPECT_EQ(r.facets.at("cost"), (FacetCounts{{"free", 3}, {"paid", 1}, {"subsidised", 1}}));
  EXPECT_EQ(r.facets.at("country"), (FacetCounts{{"BE", 2}, {"NL", 1}}));
  EXPECT_EQ(r.facets.at("language"), (FacetCounts{{"de", 1}, {"en", 2}, {"fr", 2}, {"nl", 3}}));
  EXPECT_EQ(r.facets.at("org_sizes"), (FacetCounts{{"micro", 1}, {"small", 1}}));
  EXPECT_EQ(r.facets.at("nis2_measures"),
            (FacetCounts{{"a", 1}, {"b", 1}, {"c", 2}, {"e", 1}, {"g", 1}, {"i", 1}}));
  EXPECT_EQ(r.facets.at("threats"),
            (FacetCounts{{"medical_device", 1}, {"phishing", 1}, {"ransomware", 1}}));

  const auto matched = Find("ransomware");
  EXPECT_EQ(matched.facets.at("kind"), (FacetCounts{{"guidance", 2}}));
  EXPECT_EQ(matched.facets.at("country"), (FacetCounts{{"BE", 1}}));
  EXPECT_TRUE(matched.facets.at("org_sizes").empty());
}

TEST_P(CatalogueServiceTest, CountryFilterIncludesEuWideEntries) {
  AddSearchEntries();
  SearchQuery q;
  q.country = "BE";
  EXPECT_EQ(Keys(Find(q)), (Strings{"backup-checklist", "cyber-voucher", "device-segmentation",
                                    "ransomware-playbook"}));
  q.country = "NL";
  q.text = "ransomware";
  EXPECT_EQ(Keys(Find(q)), (Strings{"ransomware-playbook"}));
  q.country = "FR";
  q.text.clear();
  EXPECT_EQ(Keys(Find(q)), (Strings{"device-segmentation", "ransomware-playbook"}));
}

TEST_P(CatalogueServiceTest, EachFilterNarrowsTheResults) {
  AddSearchEntries();
  SearchQuery q;
  q.kind = "training";
  EXPECT_EQ(Keys(Find(q)), (Strings{"phishing-training"}));
  q = {};
  q.language = "nl";
  EXPECT_EQ(Keys(Find(q)), (Strings{"backup-checklist", "cyber-voucher", "phishing-training"}));
  q = {};
  q.cost = "subsidised";
  EXPECT_EQ(Keys(Find(q)), (Strings{"cyber-voucher"}));
  q = {};
  q.measure = "c";
  EXPECT_EQ(Keys(Find(q)), (Strings{"backup-checklist", "ransomware-playbook"}));
  q = {};
  q.threat = "phishing";
  EXPECT_EQ(Keys(Find(q)), (Strings{"phishing-training"}));
  // Entries without sizes are for every size.
  q = {};
  q.size = "large";
  EXPECT_EQ(Find(q).total, 4);
  q.size = "small";
  EXPECT_EQ(Find(q).total, 5);
  q = {};
  q.kind = "guidance";
  q.cost = "free";
  q.country = "BE";
  q.measure = "c";
  EXPECT_EQ(Keys(Find(q)), (Strings{"backup-checklist", "ransomware-playbook"}));
}

TEST_P(CatalogueServiceTest, LimitAndOffsetPageThroughTheTotal) {
  AddSearchEntries();
  SearchQuery q;
  q.limit = 2;
  q.offset = 2;
  const auto page = Find(q);
  EXPECT_EQ(page.total, 5);
  EXPECT_EQ(Keys(page), (Strings{"device-segmentation", "phishing-training"}));
  q.offset = 5;
  EXPECT_TRUE(Find(q).items.empty());
  EXPECT_EQ(Find(q).total, 5);
}

TEST_P(CatalogueServiceTest, InvalidParametersNameThemselves) {
  SearchQuery q;
  q.limit = 0;
  EXPECT_TRUE(FailsWith(catalogue_->Search(q), Errc::kInvalidArgument, "limit"));
  q.limit = 101;
  EXPECT_TRUE(FailsWith(catalogue_->Search(q), Errc::kInvalidArgument, "limit"));
  q = {};
  q.offset = -1;
  EXPECT_TRUE(FailsWith(catalogue_->Search(q), Errc::kInvalidArgument, "offset"));
  const std::pair<std::optional<std::string> SearchQuery::*, std::string_view> filters[] = {
      {&SearchQuery::kind, "kind"},         {&SearchQuery::country, "country"},
      {&SearchQuery::language, "language"}, {&SearchQuery::cost, "cost"},
      {&SearchQuery::size, "size"},         {&SearchQuery::measure, "measure"},
      {&SearchQuery::threat, "threat"}};
  for (const auto& [member, name] : filters) {
    q = {};
    q.*member = "x' OR '1'='1";
    EXPECT_TRUE(FailsWith(catalogue_->Search(q), Errc::kInvalidArgument, name)) << name;
  }
}

TEST_P(CatalogueServiceTest, HostileQueryTextNeverFails) {
  AddSearchEntries();
  const std::string long_words = [] {
    std::string s;
    while (s.size() < 10000) s += "ransomware ";
    return s;
  }();
  const std::vector<std::string> hostile = {
      "\"",
      "\"unbalanced",
      "NEAR(ransomware backup)",
      "ransomware NEAR backup",
      "*",
      "ransom*",
      "(ransomware",
      "ransomware)",
      "AND OR NOT",
      "-ransomware",
      "title:ransomware",
      "^ransomware",
      "{title summary}: ransomware",
      "'; DROP TABLE catalogue_entries; --",
      "\\",
      "':*",
      "!&|<->",
      "ransomware & !backup",
      "Sécurité — «rançongiciel» 🙂 ランサムウェア",
      "\u0301",
      "\xFF\xFE\xC3",
      std::string("ransom\0ware", 11),
      std::string(10000, 'a'),
      std::string(10000, '"'),
      long_words,
  };
  for (const auto& text : hostile) {
    SearchQuery q;
    q.text = text;
    const auto r = catalogue_->Search(q);
    ASSERT_TRUE(Succeeds(r)) << text.substr(0, 60);
    EXPECT_EQ(r->total, static_cast<std::int64_t>(r->items.size())) << text.substr(0, 60);
  }
  // Syntax characters are separators, not operators.
  EXPECT_EQ(Find("(ransomware").total, 2);
  EXPECT_EQ(Find("ransomware NEAR backup").total, 0);
  EXPECT_EQ(Find(long_words).total, 2);
  EXPECT_EQ(Find("").total, 5);
}

TEST(QueryWordsTest, SplitsOnPunctuationAndSymbolsAndKeepsLettersOfAnyScript) {
  EXPECT_EQ(QueryWords("NEAR(a \"b\") c* d:e"), (Strings{"NEAR", "a", "b", "c", "d", "e"}));
  EXPECT_EQ(QueryWords("sécurité — «rançongiciel» 🙂x"),
            (Strings{"sécurité", "rançongiciel", "x"}));
  EXPECT_EQ(QueryWords(std::string("a\0b", 3)), (Strings{"a", "b"}));
  EXPECT_TRUE(QueryWords("!!! ''' ***").empty());
  EXPECT_EQ(QueryWords(std::string(1000, 'x')).front().size(), kMaxQueryWordBytes);
  std::string many;
  for (int i = 0; i < 100; ++i) many += "w" + std::to_string(i) + " ";
  const auto words = QueryWords(many);
  EXPECT_EQ(words.size(), kMaxQueryWords);
  EXPECT_EQ(words.front(), "w0");
}

// ---- Changes and the full-text index -------------------------------------------------------

TEST_P(CatalogueServiceTest, TheIndexFollowsUpdatesAndDeletes) {
  AddSearchEntries();
  const auto id = Find("playbook").items.at(0).entry.id;
  EntryPatch patch;
  patch.title = "Extortion response runbook";
  ASSERT_TRUE(Succeeds(catalogue_->Update(Actor::System(), id, patch)));
  EXPECT_EQ(Find("playbook").total, 0);
  EXPECT_EQ(Keys(Find("runbook")), (Strings{"ransomware-playbook"}));
  ASSERT_TRUE(Succeeds(catalogue_->Delete(Actor::System(), id)));
  EXPECT_EQ(Find("runbook").total, 0);
  EXPECT_EQ(Find("").total, 4);
  EXPECT_TRUE(FailsWith(catalogue_->Get(id), Errc::kNotFound));
}

TEST_P(CatalogueServiceTest, UpdateReplacesListsAndTouchesUpdatedAt) {
  const auto e = Add(MakeEntry("backup-checklist", "guidance", "Backup checklist", "", "", {"BE"},
                               {"fr"}, "free", {"c"}));
  clock_.Advance(std::chrono::hours(1));
  EntryPatch patch;
  patch.countries = Strings{"NL", "BE"};
  patch.nis2_measures = Strings{"h"};
  auto updated = catalogue_->Update(Actor::System(), e.id, patch);
  ASSERT_TRUE(Succeeds(updated));
  EXPECT_EQ(updated->data.countries, (Strings{"BE", "NL"}));
  EXPECT_EQ(updated->data.nis2_measures, (Strings{"h"}));
  EXPECT_EQ(updated->data.languages, (Strings{"fr"}));
  EXPECT_EQ(updated->created_at, e.created_at);
  EXPECT_GT(updated->updated_at, e.updated_at);
  SearchQuery q;
  q.measure = "c";
  EXPECT_EQ(Find(q).total, 0);
  q.measure = "h";
  q.country = "NL";
  EXPECT_EQ(Find(q).total, 1);
}

TEST_P(CatalogueServiceTest, AnInvalidPatchChangesNothing) {
  const auto e = Add(MakeEntry("backup-checklist", "guidance", "Backup checklist", "", "", {"BE"},
                               {"fr"}, "free", {"c"}));
  EntryPatch patch;
  patch.title = "Fine title";
  patch.url = "javascript:alert(1)";
  EXPECT_TRUE(
      FailsWith(catalogue_->Update(Actor::System(), e.id, patch), Errc::kInvalidArgument, "url"));
  EXPECT_EQ(catalogue_->Get(e.id)->data.title, "Backup checklist");
}

TEST_P(CatalogueServiceTest, CreateDerivesAUniqueKeyAndDefaultsTheReviewDate) {
  auto data = MakeEntry("", "tool", "Log Collector (free!)", "", "", {}, {}, "free", {});
  data.last_reviewed.reset();
  const auto first = Add(data);
  const auto second = Add(data);
  EXPECT_EQ(first.data.key, "log-collector-free");
  EXPECT_EQ(second.data.key, "log-collector-free-2");
  EXPECT_EQ(first.data.last_reviewed, "2026-03-02");
  auto symbols = MakeEntry("", "tool", "€€€ ???", "", "", {}, {}, "free", {});
  EXPECT_EQ(Add(symbols).data.key, "entry");
}

TEST_P(CatalogueServiceTest, CreateWithATakenKeyIsAConflict) {
  Add(MakeEntry("same-key", "tool", "First", "", "", {}, {}, "free", {}));
  EXPECT_TRUE(FailsWith(catalogue_->Create(Actor::System(), MakeEntry("same-key", "tool", "Second",
                                                                      "", "", {}, {}, "free", {})),
                        Errc::kConflict));
}

TEST_P(CatalogueServiceTest, MissingEntriesAreNotFound) {
  EXPECT_TRUE(FailsWith(catalogue_->Get(999), Errc::kNotFound));
  EXPECT_TRUE(FailsWith(catalogue_->Update(Actor::System(), 999, {}), Errc::kNotFound));
  EXPECT_TRUE(FailsWith(catalogue_->Delete(Actor::System(), 999), Errc::kNotFound));
}

// ---- Curation rights -----------------------------------------------------------------------

TEST_P(CatalogueServiceTest, CurationFollowsTheOrganisationAndRole) {
  BuildHierarchy();
  const auto sc_analyst = User("sc-analyst", sc_, Role::kAnalyst);
  const auto sc_viewer = User("sc-viewer", sc_, Role::kViewer);
  const auto be_analyst = User("be-analyst", be_, Role::kAnalyst);
  const auto be_admin = User("be-admin", be_, Role::kAdmin);
  const auto be_viewer = User("be-viewer", be_, Role::kViewer);
  const auto provider_admin = User("hospital-admin", hospital_, Role::kAdmin);

  const auto entry = [](std::string key, Strings countries) {
    return MakeEntry(std::move(key), "service", "Some service", "", "", std::move(countries), {},
                     "free", {"b"});
  };
  // Creating.
  EXPECT_TRUE(Succeeds(catalogue_->Create(Actor::Of(sc_analyst), entry("sc-eu", {}))));
  EXPECT_TRUE(Succeeds(catalogue_->Create(Actor::Of(sc_analyst), entry("sc-nl", {"NL"}))));
  EXPECT_TRUE(Succeeds(catalogue_->Create(Actor::Of(be_analyst), entry("be-own", {"BE"}))));
  EXPECT_TRUE(Succeeds(catalogue_->Create(Actor::Of(be_admin), entry("be-admin", {"BE"}))));
  EXPECT_TRUE(FailsWith(catalogue_->Create(Actor::Of(be_analyst), entry("be-eu", {})),
                        Errc::kPermissionDenied));
  EXPECT_TRUE(FailsWith(catalogue_->Create(Actor::Of(be_analyst), entry("be-nl", {"NL"})),
                        Errc::kPermissionDenied));
  EXPECT_TRUE(FailsWith(catalogue_->Create(Actor::Of(be_analyst), entry("be-both", {"BE", "NL"})),
                        Errc::kPermissionDenied));
  for (const auto* p : {&be_viewer, &sc_viewer, &provider_admin}) {
    EXPECT_TRUE(FailsWith(catalogue_->Create(Actor::Of(*p), entry("nobody", {"BE"})),
                          Errc::kPermissionDenied))
        << p->username;
  }
  const auto id = [&](std::string_view key) {
    for (const auto& hit : Find("").items) {
      if (hit.entry.data.key == key) return hit.entry.id;
    }
    throw std::runtime_error("no entry " + std::string(key));
  };
  // Changing: the old and the new countries must both be the authority's own.
  EntryPatch retitle;
  retitle.title = "Renamed service";
  EXPECT_TRUE(Succeeds(catalogue_->Update(Actor::Of(be_analyst), id("be-own"), retitle)));
  EXPECT_TRUE(FailsWith(catalogue_->Update(Actor::Of(be_analyst), id("sc-eu"), retitle),
                        Errc::kPermissionDenied));
  EXPECT_TRUE(FailsWith(catalogue_->Update(Actor::Of(be_analyst), id("sc-nl"), retitle),
                        Errc::kPermissionDenied));
  EntryPatch widen;
  widen.countries = Strings{};
  EXPECT_TRUE(FailsWith(catalogue_->Update(Actor::Of(be_analyst), id("be-own"), widen),
                        Errc::kPermissionDenied));
  EXPECT_EQ(catalogue_->Get(id("be-own"))->data.countries, (Strings{"BE"}));
  EntryPatch take_over;
  take_over.countries = Strings{"BE"};
  EXPECT_TRUE(FailsWith(catalogue_->Update(Actor::Of(be_analyst), id("sc-nl"), take_over),
                        Errc::kPermissionDenied));
  EXPECT_TRUE(FailsWith(catalogue_->Update(Actor::Of(provider_admin), id("be-own"), retitle),
                        Errc::kPermissionDenied));
  EXPECT_TRUE(Succeeds(catalogue_->Update(Actor::Of(sc_analyst), id("be-own"), widen)));
  // Deleting.
  EXPECT_TRUE(
      FailsWith(catalogue_->Delete(Actor::Of(be_analyst), id("sc-nl")), Errc::kPermissionDenied));
  EXPECT_TRUE(
      FailsWith(catalogue_->Delete(Actor::Of(be_viewer), id("be-admin")), Errc::kPermissionDenied));
  EXPECT_TRUE(Succeeds(catalogue_->Delete(Actor::Of(be_analyst), id("be-admin"))));
  EXPECT_TRUE(Succeeds(catalogue_->Delete(Actor::Of(sc_analyst), id("sc-nl"))));
  EXPECT_EQ(Find("").total, 2);
}

TEST_P(CatalogueServiceTest, CuratorScopeUsesTheStoredCountry) {
  BuildHierarchy();
  const auto be_analyst = User("be-analyst", be_, Role::kAnalyst);
  const auto curator = catalogue_->CuratorFor(Actor::Of(be_analyst));
  EXPECT_EQ(curator.own_country, "BE");
  EXPECT_TRUE(curator.May(Strings{"BE"}));
  EXPECT_FALSE(curator.May(Strings{}));
  EXPECT_TRUE(catalogue_->CuratorFor(Actor::System()).May(Strings{}));
  // A forged principal claiming another organisation gains nothing it could not have.
  auto forged = be_analyst;
  forged.organisation_id = nl_;
  EXPECT_FALSE(catalogue_->CuratorFor(Actor::Of(forged)).May(Strings{"BE"}));
}

// ---- Import --------------------------------------------------------------------------------

TEST_P(CatalogueServiceTest, ImportIsIdempotent) {
  const std::vector<EntryData> entries = {
      MakeEntry("one", "tool", "First tool", "", "", {}, {"en"}, "free", {"c"}),
      MakeEntry("two", "service", "Second service", "", "", {"BE"}, {"fr"}, "paid", {"b"})};
  auto first = catalogue_->Import(Actor::System(), ImportFile(entries));
  ASSERT_TRUE(Succeeds(first));
  EXPECT_EQ(*first, 2);
  const auto before = Find("");
  clock_.Advance(std::chrono::hours(1));
  auto second = catalogue_->Import(Actor::System(), ImportFile(entries));
  ASSERT_TRUE(Succeeds(second));
  EXPECT_EQ(*second, 0);
  const auto after = Find("");
  ASSERT_EQ(after.total, 2);
  for (std::size_t i = 0; i < after.items.size(); ++i) {
    EXPECT_EQ(after.items[i].entry.id, before.items[i].entry.id);
    EXPECT_EQ(after.items[i].entry.updated_at, before.items[i].entry.updated_at);
  }
}

TEST_P(CatalogueServiceTest, ReimportUpdatesChangedEntriesByKey) {
  std::vector<EntryData> entries = {
      MakeEntry("one", "tool", "First tool", "", "", {}, {"en"}, "free", {"c"}),
      MakeEntry("two", "service", "Second service", "", "", {"BE"}, {"fr"}, "paid", {"b"})};
  ASSERT_TRUE(Succeeds(catalogue_->Import(Actor::System(), ImportFile(entries))));
  const auto id_two = Find("second").items.at(0).entry.id;
  clock_.Advance(std::chrono::hours(1));
  entries[1].title = "Second service, renamed";
  entries[1].countries = {"NL"};
  entries.push_back(MakeEntry("three", "training", "Third", "", "", {}, {}, "free", {"g"}));
  auto again = catalogue_->Import(Actor::System(), ImportFile(entries));
  ASSERT_TRUE(Succeeds(again));
  EXPECT_EQ(*again, 2);
  EXPECT_EQ(Find("").total, 3);
  const auto two = catalogue_->Get(id_two);
  ASSERT_TRUE(two);
  EXPECT_EQ(two->data.title, "Second service, renamed");
  EXPECT_EQ(two->data.countries, (Strings{"NL"}));
  EXPECT_GT(two->updated_at, two->created_at);
  EXPECT_EQ(Keys(Find("renamed")), (Strings{"two"}));
}

TEST_P(CatalogueServiceTest, ImportIsAllOrNothing) {
  auto bad = MakeEntry("bad", "tool", "Bad", "", "", {}, {}, "free", {});
  bad.url = "ftp://example.eu";
  const auto text =
      ImportFile({MakeEntry("good", "tool", "Good tool", "", "", {}, {}, "free", {"c"}), bad});
  EXPECT_TRUE(FailsWith(catalogue_->Import(Actor::System(), text), Errc::kInvalidArgument,
                        "/entries/1/url"));
  EXPECT_EQ(Find("").total, 0);
}

TEST_P(CatalogueServiceTest, ImportChecksCurationForEveryEntryAndTheStoredOnes) {
  BuildHierarchy();
  const auto be_analyst = User("be-analyst", be_, Role::kAnalyst);
  const auto own =
      MakeEntry("be-one", "service", "Belgian service", "", "", {"BE"}, {}, "free", {"b"});
  const auto eu = MakeEntry("eu-one", "service", "EU service", "", "", {}, {}, "free", {"b"});
  EXPECT_TRUE(FailsWith(catalogue_->Import(Actor::Of(be_analyst), ImportFile({own, eu})),
                        Errc::kPermissionDenied, "/entries/1/countries"));
  EXPECT_EQ(Find("").total, 0);
  // The key exists for the Netherlands: a Belgian authority cannot take it over by import.
  Add(MakeEntry("nl-one", "service", "Dutch service", "", "", {"NL"}, {}, "free", {"b"}));
  auto takeover = own;
  takeover.key = "nl-one";
  EXPECT_TRUE(FailsWith(catalogue_->Import(Actor::Of(be_analyst), ImportFile({own, takeover})),
                        Errc::kPermissionDenied, "/entries/1/countries"));
  EXPECT_EQ(Find("").total, 1);
  auto imported = catalogue_->Import(Actor::Of(be_analyst), ImportFile({own}));
  ASSERT_TRUE(Succeeds(imported));
  EXPECT_EQ(*imported, 1);
}

TEST_P(CatalogueServiceTest, StarterCatalogueImportsCleanly) {
  const char* source = std::getenv("CADUCEUS_SOURCE_DIR");
  ASSERT_NE(source, nullptr) << "CADUCEUS_SOURCE_DIR is set by ctest";
  const auto path = std::filesystem::path(source) / "data" / "catalogue" / "starter.json";
  if (!std::filesystem::exists(path)) GTEST_SKIP() << path << " does not exist yet";
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  auto imported = catalogue_->Import(Actor::System(), text.str());
  ASSERT_TRUE(Succeeds(imported));
  EXPECT_GT(*imported, 0);
  EXPECT_EQ(Find("").total, *imported);
  auto again = catalogue_->Import(Actor::System(), text.str());
  ASSERT_TRUE(Succeeds(again));
  EXPECT_EQ(*again, 0);
}

// ---- Recommendations -----------------------------------------------------------------------

class RecommendTest : public CatalogueServiceTest {
 protected:
  void AddRecommendationEntries() {
    Add(MakeEntry("eu-backups", "guidance", "EU backup guide", "", "", {}, {"en"}, "free", {"c"}));
    Add(MakeEntry("be-backups", "service", "Belgian backup service", "", "", {"BE"}, {"fr", "nl"},
                  "free", {"c"}));
    Add(MakeEntry("nl-training", "training", "Dutch training", "", "", {"NL"}, {"nl"}, "free",
                  {"g"}));
    Add(MakeEntry("be-policy", "guidance", "Belgian policy kit", "", "", {"BE"}, {"fr"}, "free",
                  {"a"}));
    Add(MakeEntry("italian-suite", "tool", "Continuity and training suite", "", "", {}, {"it"},
                  "paid", {"c", "g"}));
    Add(MakeEntry("be-large-training", "training", "Training for large hospitals", "", "", {"BE"},
                  {"nl"}, "paid", {"g"}, {}, {"large"}));
  }
  const std::vector<Need> needs_ = {
      Need::ForMeasure("c", 2.0, "Backups and recovery scored 30 of 100"),
      Need::ForMeasure("g", 1.0, "Training scored 50 of 100")};
};

Strings RecKeys(const std::vector<Recommendation>& recs) {
  Strings out;
  for (const auto& r : recs) out.push_back(r.entry.data.key);
  return out;
}

bool HasReason(const Recommendation& r, std::string_view reason) {
  return std::find(r.reasons.begin(), r.reasons.end(), reason) != r.reasons.end();
}

TEST_P(RecommendTest, RanksByNeedsThenCountryLanguageSizeAndCost) {
  AddRecommendationEntries();
  const auto recs = catalogue_->Recommend(needs_, "BE", "small", 10);
  // be-backups 2*1.3*1.15*1.1, eu-backups 2*1.1, italian-suite 3*0.6, be-large-training
  // 1*1.3*1.15*0.5; the Dutch entry and the entry addressing no need are left out.
  ASSERT_EQ(RecKeys(recs),
            (Strings{"be-backups", "eu-backups", "italian-suite", "be-large-training"}));
  EXPECT_NEAR(recs[0].score, 2 * 1.3 * 1.15 * 1.1, 1e-9);
  EXPECT_NEAR(recs[1].score, 2 * 1.1, 1e-9);
  EXPECT_NEAR(recs[2].score, 3 * 0.6, 1e-9);
  EXPECT_NEAR(recs[3].score, 1 * 1.3 * 1.15 * 0.5, 1e-9);
}

TEST_P(RecommendTest, ReasonsSayWhyEachEntryWasChosen) {
  AddRecommendationEntries();
  const auto recs = catalogue_->Recommend(needs_, "BE", "small", 10);
  ASSERT_GE(recs.size(), 3u);
  const auto& be = recs[0];
  EXPECT_EQ(be.reasons, (Strings{"Backups and recovery scored 30 of 100", "Offered in Belgium",
                                 "Available in French, Dutch", "Free of charge"}));
  const auto& eu = recs[1];
  EXPECT_TRUE(HasReason(eu, "Available EU-wide"));
  EXPECT_TRUE(HasReason(eu, "Available in English"));
  const auto& suite = recs[2];
  EXPECT_TRUE(HasReason(suite, "Backups and recovery scored 30 of 100"));
  EXPECT_TRUE(HasReason(suite, "Training scored 50 of 100"));
}

TEST_P(RecommendTest, SizeBandPreferenceIsGiven) {
  AddRecommendationEntries();
  const auto recs = catalogue_->Recommend({Need::ForMeasure("g", 1.0, "")}, "BE", "large", 10);
  ASSERT_EQ(RecKeys(recs), (Strings{"be-large-training", "italian-suite"}));
  EXPECT_TRUE(HasReason(recs[0], "Meant for large organisations"));
  EXPECT_TRUE(
      HasReason(recs[0], "Addresses NIS2 Article 21(2)(g): " + std::string(MeasureLabel("g"))));
}

TEST_P(RecommendTest, LimitAndMissingInputs) {
  AddRecommendationEntries();
  EXPECT_EQ(RecKeys(catalogue_->Recommend(needs_, "BE", "small", 2)),
            (Strings{"be-backups", "eu-backups"}));
  EXPECT_TRUE(catalogue_->Recommend({}, "BE", "small", 10).empty());
  EXPECT_TRUE(
      catalogue_
          ->Recommend({Need::ForMeasure("z", 1.0, "bogus"), Need::ForMeasure("c", 0, "weightless")},
                      "BE", {}, 10)
          .empty());
  // Without a country every country's entries are candidates and no country is preferred.
  const auto anywhere =
      catalogue_->Recommend({Need::ForMeasure("g", 1.0, "x")}, std::nullopt, std::nullopt, 10);
  EXPECT_EQ(RecKeys(anywhere), (Strings{"nl-training", "italian-suite", "be-large-training"}));
}

// An organisation hit by ransomware is pointed to help against ransomware even where its
// assessment shows no weakness, and a measure need and a threat need add up.
TEST_P(RecommendTest, ThreatNeedsFindEntriesByTheThreatTheyAddress) {
  AddRecommendationEntries();
  Add(MakeEntry("eu-ransomware", "service", "Ransomware response service", "", "", {}, {"en"},
                "paid", {"b"}, {"ransomware"}));
  Add(MakeEntry("eu-phishing", "training", "Phishing drills", "", "", {}, {"en"}, "paid", {"g"},
                {"phishing"}));
  const auto ransomware =
      Need::ForThreat("ransomware", 1.5, "You reported a ransomware incident in March 2026");
  const auto only_threat = catalogue_->Recommend({ransomware}, "BE", {}, 10);
  ASSERT_EQ(RecKeys(only_threat), (Strings{"eu-ransomware"}));
  EXPECT_NEAR(only_threat[0].score, 1.5, 1e-9);
  EXPECT_TRUE(HasReason(only_threat[0], ransomware.reason));

  EXPECT_TRUE(catalogue_->Recommend({Need::ForThreat("meteorites", 1, "")}, "BE", {}, 10).empty());

  const auto both =
      catalogue_->Recommend({Need::ForMeasure("g", 1.0, "Training scored 50 of 100"),
                             Need::ForThreat("phishing", 1.0, "You reported a phishing incident")},
                            std::nullopt, {}, 10);
  ASSERT_FALSE(both.empty());
  EXPECT_EQ(both.front().entry.data.key, "eu-phishing") << "two needs met outrank one";
  EXPECT_NEAR(both.front().score, 2.0, 1e-9);
}

std::string ParamName(const ::testing::TestParamInfo<Backend>& info) {
  return caduceus::testing::BackendName(info.param);
}

INSTANTIATE_TEST_SUITE_P(Backends,
                         CatalogueServiceTest,
                         ::testing::ValuesIn(caduceus::testing::AllBackends()),
                         ParamName);
INSTANTIATE_TEST_SUITE_P(Backends,
                         RecommendTest,
                         ::testing::ValuesIn(caduceus::testing::AllBackends()),
                         ParamName);

}  // namespace
}  // namespace caduceus::catalogue
