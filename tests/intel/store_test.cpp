// IntelService on both backends: API roots and collections, ingest (validation one by one,
// versions, duplicates, sightings, warninglists, status resources), pages with the stateless
// cursor, deletion, search, the object view, the streaming import, and the TLP matrix over every
// read path.
#include "intel/store.h"

#include <algorithm>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "intel_store_fixture.h"

namespace caduceus::intel::testing {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

using StoreTest = IntelStoreTest;

std::vector<std::string> Slugs(const std::vector<ApiRoot>& roots) {
  std::vector<std::string> out;
  for (const auto& r : roots) out.push_back(r.slug);
  return out;
}

TEST_P(StoreTest, DefaultRootsAreTheEuAndOnePerMemberStateWithAnAuthority) {
  ASSERT_TRUE(Succeeds(svc_->EnsureDefaultRoots()));  // idempotent
  auto roots = svc_->ListApiRoots(Actor::System());
  ASSERT_TRUE(Succeeds(roots));
  EXPECT_EQ(Slugs(*roots), (std::vector<std::string>{"eu", "de", "fr"}));
  const auto eu = svc_->ListCollections(Actor::System(), "eu");
  ASSERT_TRUE(Succeeds(eu));
  ASSERT_EQ(eu->size(), 2u);
  EXPECT_EQ(Collection("eu", "indicators").default_tlp, TlpLevel::kGreen);
  EXPECT_EQ(Collection("de", "indicators").default_tlp, TlpLevel::kAmber);
  EXPECT_EQ(Collection("de", "indicators").title, "Germany indicators");
}

TEST_P(StoreTest, ProvidersSeeTheEuRootAndTheirOwnCountryOnly) {
  auto roots = svc_->ListApiRoots(Actor::Of(As(charite_)));
  ASSERT_TRUE(Succeeds(roots));
  EXPECT_EQ(Slugs(*roots), (std::vector<std::string>{"eu", "de"}));
  EXPECT_TRUE(FailsWith(svc_->GetApiRoot(Actor::Of(As(charite_)), "fr"), Errc::kNotFound));
  EXPECT_TRUE(FailsWith(svc_->ListCollections(Actor::Of(As(charite_)), "fr"), Errc::kNotFound));
  auto centre = svc_->ListApiRoots(Actor::Of(As(sc_, Role::kViewer)));
  ASSERT_TRUE(Succeeds(centre));
  EXPECT_EQ(Slugs(*centre), (std::vector<std::string>{"eu", "de", "fr"}));
}

TEST_P(StoreTest, ScopeListsTheReadableCollections) {
  const auto eu = Collection("eu", "indicators");
  const auto reports = Collection("eu", "reports");
  const auto de = Collection("de", "indicators");
  const auto fr = Collection("fr", "indicators");
  auto scope = svc_->Scope(Actor::Of(As(charite_, Role::kViewer)));
  ASSERT_TRUE(Succeeds(scope));
  EXPECT_FALSE(scope->system);
  EXPECT_EQ(scope->org_id, charite_);
  std::vector<std::int64_t> expected{eu.id, reports.id, de.id};
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(scope->collections, expected);
  auto system = svc_->Scope(Actor::System());
  ASSERT_TRUE(Succeeds(system));
  EXPECT_TRUE(system->system);
  auto centre = svc_->Scope(Actor::Of(As(sc_)));
  EXPECT_EQ(centre->collections.size(), 4u);
  EXPECT_NE(std::find(centre->collections.begin(), centre->collections.end(), fr.id),
            centre->collections.end());
}

TEST_P(StoreTest, SubmitAcceptsValidObjectsAndRejectsInvalidOnesOneByOne) {
  const auto eu = Collection("eu", "indicators");
  auto bad = Indicator(NumberedUuid(2), "bad.example");
  bad["pattern"] = "[domain-name:value = 'x'";
  const auto report = SubmitAs(As(charite_), eu,
                               {Indicator(NumberedUuid(1), "evil.example"), bad,
                                Indicator(NumberedUuid(3), "worse.example")});
  EXPECT_EQ(report.total, 3u);
  ASSERT_EQ(report.successes.size(), 2u);
  EXPECT_TRUE(report.successes[0].stored);
  EXPECT_EQ(report.successes[0].version, "2026-01-01T00:00:00.000Z");
  ASSERT_EQ(report.failures.size(), 1u);
  EXPECT_EQ(report.failures[0].index, 1u);
  EXPECT_EQ(report.failures[0].id, "indicator--" + NumberedUuid(2));
  EXPECT_EQ(report.failures[0].error.field, "/pattern");
  EXPECT_EQ(
      AllIds(Actor::Of(As(aphp_)), eu),
      (std::vector<std::string>{"indicator--" + NumberedUuid(1), "indicator--" + NumberedUuid(3)}));
}

TEST_P(StoreTest, AnUnreadableBundleIsRejectedWhole) {
  const auto eu = Collection("eu", "indicators");
  EXPECT_TRUE(
      FailsWith(svc_->Submit(Actor::Of(As(charite_)), eu.uuid, "{\"type\": \"bundle\",", {}),
                Errc::kInvalidArgument));
  EXPECT_TRUE(AllIds(Actor::System(), eu).empty());
}

TEST_P(StoreTest, KeptObjectIsTheJsonAsReceivedWithCustomProperties) {
  const auto eu = Collection("eu", "indicators");
  auto o = Indicator(NumberedUuid(1), "evil.example");
  o["x_hospital_note"] = json::object{{"ward", "radiology"}};
  SubmitAs(As(charite_), eu, {o});
  ObjectFilter f;
  auto page = svc_->Objects(Actor::Of(As(labor_)), "eu", eu.uuid, f);
  ASSERT_TRUE(Succeeds(page));
  ASSERT_EQ(page->objects.size(), 1u);
  EXPECT_EQ(json::parse(page->objects[0].json).as_object(), o);
  EXPECT_EQ(page->objects[0].producer_id, charite_);
  EXPECT_EQ(page->objects[0].tlp, TlpLevel::kGreen);
  EXPECT_EQ(page->objects[0].date_added, clock_.Now());
}

TEST_P(StoreTest, AnyTextSurvivesStorageByteForByte) {
  const auto eu = Collection("eu", "indicators");
  auto o = Indicator(NumberedUuid(1), "a.example");
  o["name"] = "Quote \" backslash \\ braces {,} NULL \u00c4rzte \u2624 \U0001F489";
  o["description"] = "line one\nline two\ttab, comma; 'single'";
  json::object note{{"type", "note"},
                    {"spec_version", "2.1"},
                    {"id", "note--" + NumberedUuid(2)},
                    {"created", "2026-01-01T00:00:00Z"},
                    {"modified", "2026-01-01T00:00:00Z"},
                    {"content", "no name at all"},
                    {"object_refs", json::array{"indicator--" + NumberedUuid(1)}}};
  SubmitAs(As(charite_), eu, {o, note});
  ObjectFilter f;
  auto page = svc_->Objects(Actor::System(), "eu", eu.uuid, f);
  ASSERT_TRUE(Succeeds(page));
  ASSERT_EQ(page->objects.size(), 2u);
  std::map<std::string, json::object> stored;
  for (const auto& x : page->objects) stored[x.id] = json::parse(x.json).as_object();
  EXPECT_EQ(stored["indicator--" + NumberedUuid(1)], o);
  EXPECT_EQ(stored["note--" + NumberedUuid(2)], note);
  SearchQuery q;
  q.text = "BRACES {,}";
  auto hits = svc_->Search(Actor::Of(As(aphp_)), q);
  ASSERT_TRUE(Succeeds(hits));
  ASSERT_EQ(hits->items.size(), 1u);
  EXPECT_EQ(hits->items[0].name, std::string(o.at("name").as_string()));
  auto view = svc_->View(Actor::Of(As(aphp_)), "indicator--" + NumberedUuid(1));
  ASSERT_TRUE(Succeeds(view));
  ASSERT_EQ(view->relationships.size(), 1u);
  EXPECT_EQ(view->relationships[0].relationship_type, "object_ref");
  EXPECT_EQ(view->relationships[0].other_id, "note--" + NumberedUuid(2));
}

TEST_P(StoreTest, AVersionAlreadyStoredIsAcknowledgedNotStoredTwice) {
  const auto eu = Collection("eu", "indicators");
  SubmitAs(As(charite_), eu, {Indicator(NumberedUuid(1), "evil.example")});
  const auto again = SubmitAs(
      As(labor_), eu,
      {Indicator(NumberedUuid(1), "evil.example"), Indicator(NumberedUuid(1), "evil.example")});
  ASSERT_EQ(again.successes.size(), 2u);
  EXPECT_FALSE(again.successes[0].stored);
  EXPECT_FALSE(again.successes[1].stored);
  ObjectFilter all;
  all.version_all = true;
  auto page = svc_->Objects(Actor::System(), "eu", eu.uuid, all);
  ASSERT_TRUE(Succeeds(page));
  EXPECT_EQ(page->objects.size(), 1u);
}

TEST_P(StoreTest, ResubmittingAnInvisibleVersionTellsNothingAboutIt) {
  const auto eu = Collection("eu", "indicators");
  SubmitOptions strict;
  strict.tlp = TlpLevel::kAmberStrict;
  SubmitAs(As(charite_), eu, {Indicator(NumberedUuid(1), "a.example")}, strict);
  // Labor Berlin may not see Charite's version: its own copy is stored, as if it were new.
  const auto report = SubmitAs(As(labor_), eu, {Indicator(NumberedUuid(1), "a.example")});
  ASSERT_EQ(report.successes.size(), 1u);
  EXPECT_TRUE(report.successes[0].stored);
  EXPECT_EQ(AllIds(Actor::Of(As(labor_)), eu),
            std::vector<std::string>{"indicator--" + NumberedUuid(1)});
  const auto again = SubmitAs(As(labor_), eu, {Indicator(NumberedUuid(1), "a.example")});
  EXPECT_FALSE(again.successes[0].stored);
  ObjectFilter all;
  all.version_all = true;
  EXPECT_EQ(svc_->Objects(Actor::System(), "eu", eu.uuid, all)->objects.size(), 2u);
}

TEST_P(StoreTest, EveryVersionIsKeptAndLastFirstAllSelectThem) {
  const auto eu = Collection("eu", "indicators");
  const auto who = As(charite_);
  SubmitAs(who, eu, {Indicator(NumberedUuid(1), "a.example", "2026-01-02T00:00:00Z")});
  clock_.Advance(1s);
  // An older version arriving later does not become the latest.
  SubmitAs(who, eu,
           {Indicator(NumberedUuid(1), "a.example", "2026-01-01T00:00:00Z"),
            Indicator(NumberedUuid(1), "a.example", "2026-01-03T00:00:00Z")});
  const auto versions_of = [&](ObjectFilter f) {
    std::vector<std::string> out;
    auto page = svc_->Objects(Actor::Of(who), "eu", eu.uuid, f);
    if (!page) throw std::runtime_error(page.error().message);
    for (const auto& o : page->objects) out.push_back(o.version);
    std::sort(out.begin(), out.end());
    return out;
  };
  ObjectFilter last;
  EXPECT_EQ(versions_of(last), (std::vector<std::string>{"2026-01-03T00:00:00Z"}));
  ObjectFilter first;
  first.version_last = false;
  first.version_first = true;
  EXPECT_EQ(versions_of(first), (std::vector<std::string>{"2026-01-01T00:00:00Z"}));
  ObjectFilter all;
  all.version_all = true;
  EXPECT_EQ(versions_of(all).size(), 3u);
  ObjectFilter one;
  one.version_last = false;
  one.versions = {"2026-01-02T00:00:00.000Z"};
  EXPECT_EQ(versions_of(one), (std::vector<std::string>{"2026-01-02T00:00:00Z"}));
  auto versions =
      svc_->Versions(Actor::Of(who), "eu", eu.uuid, "indicator--" + NumberedUuid(1), {});
  ASSERT_TRUE(Succeeds(versions));
  ASSERT_EQ(versions->objects.size(), 3u);
  EXPECT_EQ(versions->objects[0].version, "2026-01-02T00:00:00Z");  // by date added
}

TEST_P(StoreTest, PagesResumeFromTheCursorWhenManyObjectsShareOneDateAdded) {
  const auto eu = Collection("eu", "indicators");
  std::vector<json::object> objects;
  std::set<std::string> expected;
  for (int i = 0; i < 25; ++i) {
    objects.push_back(Indicator(NumberedUuid(i), fmt::format("d{}.example", i)));
    expected.insert("indicator--" + NumberedUuid(i));
  }
  SubmitAs(As(charite_), eu, objects);
  const auto ids = AllIds(Actor::Of(As(aphp_)), eu, 10);
  EXPECT_EQ(ids.size(), 25u);
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()), expected);

  ObjectFilter f;
  f.limit = 10;
  auto first = svc_->Objects(Actor::Of(As(aphp_)), "eu", eu.uuid, f);
  ASSERT_TRUE(Succeeds(first));
  EXPECT_TRUE(first->more);
  EXPECT_EQ(first->first_added, clock_.Now());
  EXPECT_EQ(first->last_added, clock_.Now());
  // Objects added after a page was read come on a later page, even with an earlier clock.
  clock_.Advance(-1h);
  SubmitAs(As(labor_), eu, {Indicator(NumberedUuid(100), "late.example")});
  f.next = first->next;
  std::vector<std::string> rest;
  for (;;) {
    auto page = svc_->Objects(Actor::Of(As(aphp_)), "eu", eu.uuid, f);
    ASSERT_TRUE(Succeeds(page));
    for (const auto& o : page->objects) rest.push_back(o.id);
    if (!page->more) {
      EXPECT_TRUE(page->next.empty());
      break;
    }
    f.next = page->next;
  }
  ASSERT_EQ(rest.size(), 16u);
  EXPECT_EQ(rest.back(), "indicator--" + NumberedUuid(100));
}

TEST_P(StoreTest, ACursorIsUsableByAnyServiceOverTheSameDatabase) {
  const auto eu = Collection("eu", "indicators");
  std::vector<json::object> objects;
  for (int i = 0; i < 5; ++i) objects.push_back(Indicator(NumberedUuid(i), "x.example"));
  SubmitAs(As(charite_), eu, objects);
  ObjectFilter f;
  f.limit = 2;
  auto first = svc_->Objects(Actor::Of(As(charite_)), "eu", eu.uuid, f);
  ASSERT_TRUE(Succeeds(first));
  IntelService other(*db_, clock_, *ids_, std::make_shared<Warninglists>());
  f.next = first->next;
  auto second = other.Objects(Actor::Of(As(charite_)), "eu", eu.uuid, f);
  ASSERT_TRUE(Succeeds(second));
  ASSERT_EQ(second->objects.size(), 2u);
  EXPECT_NE(second->objects[0].id, first->objects[1].id);
  f.next = "bm90IGEgY3Vyc29y";
  EXPECT_TRUE(
      FailsWith(svc_->Objects(Actor::Of(As(charite_)), "eu", eu.uuid, f), Errc::kInvalidArgument));
}

TEST_P(StoreTest, FiltersByIdTypeAndAddedAfter) {
  const auto eu = Collection("eu", "indicators");
  SubmitAs(As(charite_), eu, {Indicator(NumberedUuid(1), "a.example")});
  const TimePoint between = clock_.Now();
  clock_.Advance(1s);
  json::object malware{{"type", "malware"},
                       {"spec_version", "2.1"},
                       {"id", "malware--" + NumberedUuid(2)},
                       {"created", "2026-01-01T00:00:00Z"},
                       {"modified", "2026-01-01T00:00:00Z"},
                       {"name", "LockBit"},
                       {"is_family", true}};
  SubmitAs(As(charite_), eu, {malware, Indicator(NumberedUuid(3), "c.example")});
  ObjectFilter f;
  f.types = {"malware"};
  auto page = svc_->Objects(Actor::System(), "eu", eu.uuid, f);
  ASSERT_EQ(page->objects.size(), 1u);
  EXPECT_EQ(page->objects[0].id, "malware--" + NumberedUuid(2));
  f = {};
  f.ids = {"indicator--" + NumberedUuid(1), "indicator--" + NumberedUuid(3)};
  EXPECT_EQ(svc_->Objects(Actor::System(), "eu", eu.uuid, f)->objects.size(), 2u);
  f = {};
  f.added_after = between;
  EXPECT_EQ(svc_->Objects(Actor::System(), "eu", eu.uuid, f)->objects.size(), 2u);
  f = {};
  f.spec_versions = {"2.0"};
  EXPECT_TRUE(svc_->Objects(Actor::System(), "eu", eu.uuid, f)->objects.empty());
}

TEST_P(StoreTest, TlpComesFromTheMarkingThenTheOptionThenTheCollection) {
  const auto de = Collection("de", "indicators");
  SubmitOptions red;
  red.tlp = TlpLevel::kRed;
  SubmitAs(As(charite_), de,
           {Indicator(NumberedUuid(1), "a.example", "2026-01-01T00:00:00Z", TlpLevel::kGreen),
            Indicator(NumberedUuid(2), "b.example")},
           red);
  SubmitAs(As(charite_), de, {Indicator(NumberedUuid(3), "c.example")});
  ObjectFilter f;
  auto page = svc_->Objects(Actor::System(), "de", de.uuid, f);
  ASSERT_TRUE(Succeeds(page));
  std::map<std::string, TlpLevel> tlp;
  for (const auto& o : page->objects) tlp[o.id] = o.tlp;
  EXPECT_EQ(tlp["indicator--" + NumberedUuid(1)], TlpLevel::kGreen);
  EXPECT_EQ(tlp["indicator--" + NumberedUuid(2)], TlpLevel::kRed);
  EXPECT_EQ(tlp["indicator--" + NumberedUuid(3)], TlpLevel::kAmber);
}

TEST_P(StoreTest, WritingNeedsWriteAccessAndReadingNeedsReadAccess) {
  const auto reports = Collection("eu", "reports");
  const auto fr = Collection("fr", "indicators");
  EXPECT_TRUE(FailsWith(svc_->Submit(Actor::Of(As(charite_)), reports.uuid,
                                     Bundle({Indicator(NumberedUuid(1), "a.example")}), {}),
                        Errc::kPermissionDenied));
  EXPECT_TRUE(FailsWith(svc_->Submit(Actor::Of(As(charite_)), fr.uuid,
                                     Bundle({Indicator(NumberedUuid(1), "a.example")}), {}),
                        Errc::kNotFound));
  EXPECT_TRUE(FailsWith(svc_->Submit(Actor::Of(As(de_, Role::kViewer)), reports.uuid,
                                     Bundle({Indicator(NumberedUuid(1), "a.example")}), {}),
                        Errc::kPermissionDenied));
  EXPECT_TRUE(Succeeds(svc_->Submit(Actor::Of(As(de_)), reports.uuid,
                                    Bundle({Indicator(NumberedUuid(1), "a.example")}), {})));
  EXPECT_TRUE(
      FailsWith(svc_->Objects(Actor::Of(As(charite_)), "fr", fr.uuid, {}), Errc::kNotFound));
  EXPECT_TRUE(
      FailsWith(svc_->Objects(Actor::Of(As(charite_)), "de", fr.uuid, {}), Errc::kNotFound));
}

TEST_P(StoreTest, AmberIsForTheProducerItsAuthorityAndNamedRecipients) {
  const auto eu = Collection("eu", "indicators");
  SubmitOptions amber;
  amber.tlp = TlpLevel::kAmber;
  amber.recipients = {aphp_};
  SubmitAs(As(charite_), eu, {Indicator(NumberedUuid(1), "a.example")}, amber);
  const std::vector<std::string> one{"indicator--" + NumberedUuid(1)};
  EXPECT_EQ(AllIds(Actor::Of(As(charite_, Role::kViewer)), eu), one);
  EXPECT_EQ(AllIds(Actor::Of(As(de_, Role::kViewer)), eu), one);
  EXPECT_EQ(AllIds(Actor::Of(As(aphp_, Role::kViewer)), eu), one);
  EXPECT_TRUE(AllIds(Actor::Of(As(labor_)), eu).empty());
  EXPECT_TRUE(AllIds(Actor::Of(As(fr_)), eu).empty());
  EXPECT_TRUE(AllIds(Actor::Of(As(sc_)), eu).empty());
}

TEST_P(StoreTest, DeletingIsForTheProducersStaffAndAdministrators) {
  const auto eu = Collection("eu", "indicators");
  const std::string id = "indicator--" + NumberedUuid(1);
  SubmitAs(As(charite_), eu,
           {Indicator(NumberedUuid(1), "a.example", "2026-01-01T00:00:00Z"),
            Indicator(NumberedUuid(1), "a.example", "2026-01-02T00:00:00Z")});
  ObjectFilter last;  // the newest version only
  EXPECT_TRUE(FailsWith(svc_->Delete(Actor::Of(As(labor_, Role::kAdmin)), "eu", eu.uuid, id, last),
                        Errc::kPermissionDenied));
  EXPECT_TRUE(
      FailsWith(svc_->Delete(Actor::Of(As(charite_, Role::kViewer)), "eu", eu.uuid, id, last),
                Errc::kPermissionDenied));
  auto deleted = svc_->Delete(Actor::Of(As(charite_)), "eu", eu.uuid, id, last);
  ASSERT_TRUE(Succeeds(deleted));
  EXPECT_EQ(*deleted, 1u);
  // The older version is the latest again.
  auto page = svc_->Objects(Actor::Of(As(aphp_)), "eu", eu.uuid, {});
  ASSERT_EQ(page->objects.size(), 1u);
  EXPECT_EQ(page->objects[0].version, "2026-01-01T00:00:00Z");
  EXPECT_TRUE(page->objects[0].is_latest);
  ObjectFilter all;
  all.version_all = true;
  EXPECT_EQ(*svc_->Delete(Actor::Of(As(sc_, Role::kAdmin)), "eu", eu.uuid, id, all), 1u);
  EXPECT_TRUE(FailsWith(svc_->Delete(Actor::Of(As(sc_, Role::kAdmin)), "eu", eu.uuid, id, all),
                        Errc::kNotFound));
  EXPECT_TRUE(FailsWith(svc_->View(Actor::System(), id), Errc::kNotFound));
}

TEST_P(StoreTest, StatusResourcesAreTheSubmittersAndExpire) {
  const auto eu = Collection("eu", "indicators");
  auto bad = Indicator(NumberedUuid(2), "b.example");
  bad.erase("pattern");
  const auto report = SubmitAs(As(charite_), eu, {Indicator(NumberedUuid(1), "a.example"), bad});
  auto status = svc_->GetStatus(Actor::Of(As(charite_, Role::kViewer)), "eu", report.status_id);
  ASSERT_TRUE(Succeeds(status));
  EXPECT_EQ(status->status, "complete");
  EXPECT_EQ(status->total, 2u);
  EXPECT_EQ(status->success_count, 1u);
  EXPECT_EQ(status->failure_count, 1u);
  EXPECT_EQ(status->pending_count, 0u);
  ASSERT_EQ(status->successes.size(), 1u);
  EXPECT_EQ(status->successes[0].id, "indicator--" + NumberedUuid(1));
  ASSERT_EQ(status->failures.size(), 1u);
  EXPECT_EQ(status->failures[0].id, "indicator--" + NumberedUuid(2));
  EXPECT_EQ(status->request_timestamp, clock_.Now());
  EXPECT_TRUE(
      FailsWith(svc_->GetStatus(Actor::Of(As(labor_)), "eu", report.status_id), Errc::kNotFound));
  EXPECT_TRUE(
      FailsWith(svc_->GetStatus(Actor::Of(As(charite_)), "de", report.status_id), Errc::kNotFound));
  clock_.Advance(std::chrono::hours(24 * 7 + 1));
  EXPECT_TRUE(
      FailsWith(svc_->GetStatus(Actor::Of(As(charite_)), "eu", report.status_id), Errc::kNotFound));
}

TEST_P(StoreTest, SightingsGoToTheLedgerNotTheCollection) {
  const auto eu = Collection("eu", "indicators");
  SubmitAs(As(charite_), eu, {Indicator(NumberedUuid(1), "a.example")});
  SubmitOptions amber;
  amber.tlp = TlpLevel::kAmber;
  SubmitAs(As(charite_), eu, {Indicator(NumberedUuid(2), "b.example")}, amber);
  const auto sighting = [](int n, int of) {
    return json::object{{"type", "sighting"},
                        {"spec_version", "2.1"},
                        {"id", "sighting--" + NumberedUuid(n)},
                        {"created", "2026-02-01T00:00:00Z"},
                        {"modified", "2026-02-01T00:00:00Z"},
                        {"sighting_of_ref", "indicator--" + NumberedUuid(of)},
                        {"count", 3}};
  };
  const auto report = SubmitAs(As(aphp_), eu, {sighting(10, 1), sighting(11, 2), sighting(12, 99)});
  ASSERT_EQ(report.successes.size(), 1u);
  EXPECT_EQ(report.successes[0].id, "sighting--" + NumberedUuid(10));
  // Sighting an object the reporter may not see is the same failure as one that does not exist.
  ASSERT_EQ(report.failures.size(), 2u);
  EXPECT_EQ(report.failures[0].error.code, report.failures[1].error.code);
  EXPECT_EQ(report.failures[0].error.message, report.failures[1].error.message);
  EXPECT_EQ(AllIds(Actor::System(), eu).size(), 2u);
  ObjectFilter f;
  f.types = {"sighting"};
  EXPECT_TRUE(svc_->Objects(Actor::System(), "eu", eu.uuid, f)->objects.empty());
}

TEST_P(StoreTest, SearchMatchesValuesNamesAndDescriptionsWithinTlp) {
  const auto eu = Collection("eu", "indicators");
  auto described = Indicator(NumberedUuid(2), "b.example");
  described["description"] = "Seen in the Emotet campaign against hospitals";
  SubmitAs(As(charite_), eu, {Indicator(NumberedUuid(1), "Phish.Example"), described});
  SubmitOptions strict;
  strict.tlp = TlpLevel::kAmberStrict;
  SubmitAs(As(charite_), eu, {Indicator(NumberedUuid(3), "phish-strict.example")}, strict);
  const auto hits = [&](const Principal& who, const std::string& text) {
    SearchQuery q;
    q.text = text;
    auto page = svc_->Search(Actor::Of(who), q);
    if (!page) throw std::runtime_error(page.error().message);
    std::vector<std::string> ids;
    for (const auto& h : page->items) ids.push_back(h.id);
    return ids;
  };
  EXPECT_EQ(hits(As(aphp_), "PHISH.EXAMPLE"),
            (std::vector<std::string>{"indicator--" + NumberedUuid(1)}));
  EXPECT_EQ(hits(As(charite_), "strict"),
            (std::vector<std::string>{"indicator--" + NumberedUuid(3)}));
  EXPECT_TRUE(hits(As(aphp_), "strict").empty());
  EXPECT_EQ(hits(As(aphp_), "emotet"), (std::vector<std::string>{"indicator--" + NumberedUuid(2)}));
  EXPECT_EQ(hits(As(aphp_), "indicator--" + NumberedUuid(3)).size(), 0u);
  EXPECT_EQ(hits(As(charite_), "indicator--" + NumberedUuid(3)).size(), 1u);
  EXPECT_TRUE(hits(As(aphp_), "100%_").empty());
  SearchQuery bad;
  bad.limit = 0;
  EXPECT_TRUE(FailsWith(svc_->Search(Actor::Of(As(aphp_)), bad), Errc::kInvalidArgument));
}

TEST_P(StoreTest, TheViewShowsTheNewestVisibleVersion) {
  const auto eu = Collection("eu", "indicators");
  SubmitAs(As(charite_), eu,
           {Indicator(NumberedUuid(1), "a.example", "2026-01-01T00:00:00Z", TlpLevel::kGreen)});
  SubmitAs(As(charite_), eu,
           {Indicator(NumberedUuid(1), "a.example", "2026-01-02T00:00:00Z", TlpLevel::kRed)});
  const std::string id = "indicator--" + NumberedUuid(1);
  auto theirs = svc_->View(Actor::Of(As(aphp_)), id);
  ASSERT_TRUE(Succeeds(theirs));
  EXPECT_EQ(theirs->latest.version, "2026-01-01T00:00:00Z");
  EXPECT_EQ(theirs->versions.size(), 1u);
  EXPECT_EQ(theirs->producer_name, "Charite");
  EXPECT_EQ(theirs->collection_uuid, eu.uuid);
  // TAXII "last" for that reader is the version it may see, too.
  auto page = svc_->Objects(Actor::Of(As(aphp_)), "eu", eu.uuid, {});
  ASSERT_EQ(page->objects.size(), 1u);
  EXPECT_EQ(page->objects[0].version, "2026-01-01T00:00:00Z");
  auto mine = svc_->View(Actor::Of(As(charite_)), id);
  ASSERT_TRUE(Succeeds(mine));
  EXPECT_EQ(mine->latest.version, "2026-01-02T00:00:00Z");
  EXPECT_EQ(mine->latest.tlp, TlpLevel::kRed);
  ASSERT_EQ(mine->versions.size(), 2u);
  EXPECT_EQ(mine->versions[0].version, "2026-01-02T00:00:00Z");
  EXPECT_TRUE(mine->versions[0].json.empty());
}

TEST_P(StoreTest, ImportStreamsABundleInBatches) {
  const auto eu = Collection("eu", "indicators");
  std::vector<json::object> objects;
  for (int i = 0; i < 10; ++i) objects.push_back(Indicator(NumberedUuid(i), "x.example"));
  auto bad = Indicator(NumberedUuid(50), "y.example");
  bad["confidence"] = 101;
  objects.push_back(bad);
  const std::string text = Bundle(objects);
  std::istringstream in(text);
  std::vector<std::uint64_t> progress;
  auto summary = svc_->Import(
      eu.id, de_, in, {}, [&](std::uint64_t, std::uint64_t n) { progress.push_back(n); }, 3);
  ASSERT_TRUE(Succeeds(summary));
  EXPECT_EQ(summary->accepted, 10u);
  EXPECT_EQ(summary->rejected, 1u);
  ASSERT_EQ(summary->first_failures.size(), 1u);
  EXPECT_EQ(summary->first_failures[0].error.field, "/confidence");
  ASSERT_FALSE(progress.empty());
  EXPECT_EQ(progress.back(), 11u);
  EXPECT_TRUE(std::is_sorted(progress.begin(), progress.end()));
  auto page = svc_->Objects(Actor::Of(As(aphp_)), "eu", eu.uuid, {});
  ASSERT_EQ(page->objects.size(), 10u);
  EXPECT_EQ(page->objects[0].producer_id, de_);
  std::istringstream again(text);
  auto second = svc_->Import(eu.id, de_, again, {}, {}, 4);
  ASSERT_TRUE(Succeeds(second));
  EXPECT_EQ(second->accepted, 0u);
  EXPECT_EQ(second->duplicates, 10u);
  std::istringstream broken("{\"type\": \"bundle\", \"objects\": [");
  EXPECT_TRUE(FailsWith(svc_->Import(eu.id, de_, broken, {}, {}), Errc::kInvalidArgument));
  std::istringstream any(text);
  EXPECT_TRUE(FailsWith(svc_->Import(eu.id + 1000, de_, any, {}, {}), Errc::kNotFound));
}

TEST_P(StoreTest, ImportKeepsEveryVersionOfOneBatchAndMarksOnlyTheNewestLatest) {
  const auto eu = Collection("eu", "indicators");
  const std::string id = "indicator--" + NumberedUuid(1);
  // One batch: three versions of one object out of order, an exact duplicate of one of them, and
  // two other objects that share its domain.
  const std::string text =
      Bundle({Indicator(NumberedUuid(1), "shared.example", "2026-01-02T00:00:00.000Z"),
              Indicator(NumberedUuid(2), "shared.example"),
              Indicator(NumberedUuid(1), "shared.example", "2026-01-03T00:00:00.000Z"),
              Indicator(NumberedUuid(1), "shared.example", "2026-01-02T00:00:00.000Z"),
              Indicator(NumberedUuid(1), "shared.example", "2026-01-01T00:00:00.000Z"),
              Indicator(NumberedUuid(3), "shared.example")});
  std::istringstream in(text);
  auto summary = svc_->Import(eu.id, de_, in, {}, {}, 100);
  ASSERT_TRUE(Succeeds(summary));
  EXPECT_EQ(summary->accepted, 5u);
  EXPECT_EQ(summary->duplicates, 1u);
  EXPECT_EQ(summary->rejected, 0u);

  const Actor reader = Actor::Of(As(aphp_));
  ObjectFilter all;
  all.version_all = true;
  auto versions = svc_->Versions(reader, "eu", eu.uuid, id, all);
  ASSERT_TRUE(Succeeds(versions));
  ASSERT_EQ(versions->objects.size(), 3u);
  std::map<std::string, bool> latest;
  for (const auto& o : versions->objects) latest[o.version] = o.is_latest;
  EXPECT_EQ(latest, (std::map<std::string, bool>{{"2026-01-01T00:00:00.000Z", false},
                                                 {"2026-01-02T00:00:00.000Z", false},
                                                 {"2026-01-03T00:00:00.000Z", true}}));
  auto page = svc_->Objects(reader, "eu", eu.uuid, {});
  ASSERT_TRUE(Succeeds(page));
  std::map<std::string, std::string> last;
  for (const auto& o : page->objects) last[o.id] = o.version;
  EXPECT_EQ(last.size(), 3u);
  EXPECT_EQ(last[id], "2026-01-03T00:00:00.000Z");
  // Pages come in the order of the input.
  ASSERT_EQ(page->objects.size(), 3u);
  EXPECT_EQ(page->objects[0].id, "indicator--" + NumberedUuid(2));

  // A second batch with a newer version moves "latest" to it.
  std::istringstream newer(
      Bundle({Indicator(NumberedUuid(1), "shared.example", "2026-01-04T00:00:00.000Z")}));
  auto second = svc_->Import(eu.id, de_, newer, {}, {});
  ASSERT_TRUE(Succeeds(second));
  EXPECT_EQ(second->accepted, 1u);
  versions = svc_->Versions(reader, "eu", eu.uuid, id, all);
  ASSERT_TRUE(Succeeds(versions));
  std::size_t latest_count = 0;
  for (const auto& o : versions->objects) {
    if (o.is_latest) {
      ++latest_count;
      EXPECT_EQ(o.version, "2026-01-04T00:00:00.000Z");
    }
  }
  EXPECT_EQ(latest_count, 1u);

  // Every stored version is in the correlation index under the one shared value.
  const auto links = svc_->db().Transact([](storage::Tx& tx) {
    return tx
        .One(
            "SELECT COUNT(*) FROM intel_corr_refs r JOIN intel_corr_values v ON v.id = "
            "r.value_id WHERE v.kind = 'domain' AND v.value = 'shared.example'")
        ->Int(0);
  });
  EXPECT_EQ(links, 6);
  const auto values = svc_->db().Transact([](storage::Tx& tx) {
    return tx.One("SELECT COUNT(*) FROM intel_corr_values WHERE value = 'shared.example'")->Int(0);
  });
  EXPECT_EQ(values, 1);
}

TEST_P(StoreTest, PagesResumeInsideAndAcrossTheDateAddedOfImportBatches) {
  const auto eu = Collection("eu", "indicators");
  std::vector<json::object> objects;
  for (int i = 0; i < 8; ++i) objects.push_back(Indicator(NumberedUuid(i), "x.example"));
  const std::string text = Bundle(objects);
  std::istringstream in(text);
  ASSERT_TRUE(Succeeds(svc_->Import(eu.id, de_, in, {}, {}, 3)));  // three date_added values
  for (std::size_t limit : {1u, 2u, 3u, 5u}) {
    ObjectFilter f;
    f.limit = limit;
    std::vector<std::string> seen;
    for (int pages = 0; pages < 20; ++pages) {
      auto page = svc_->Objects(Actor::Of(As(aphp_)), "eu", eu.uuid, f);
      ASSERT_TRUE(Succeeds(page));
      for (const auto& o : page->objects) seen.push_back(o.id);
      if (!page->more) break;
      f.next = page->next;
    }
    std::vector<std::string> expected;
    for (int i = 0; i < 8; ++i) expected.push_back("indicator--" + NumberedUuid(i));
    EXPECT_EQ(seen, expected) << "limit " << limit;
  }
}

TEST_P(StoreTest, SystemSubmissionsNameTheirProducer) {
  const auto eu = Collection("eu", "indicators");
  EXPECT_TRUE(FailsWith(
      svc_->Submit(Actor::System(), eu.uuid, Bundle({Indicator(NumberedUuid(1), "a.example")}), {}),
      Errc::kInvalidArgument));
  SubmitOptions options;
  options.producer_id = labor_;
  ASSERT_TRUE(Succeeds(svc_->Submit(Actor::System(), eu.uuid,
                                    Bundle({Indicator(NumberedUuid(1), "a.example")}), options)));
  // A principal's own organisation is the producer, whatever the options say.
  options.producer_id = de_;
  SubmitAs(As(charite_), eu, {Indicator(NumberedUuid(2), "b.example")}, options);
  std::map<std::string, std::int64_t> producers;
  const auto page = svc_->Objects(Actor::System(), "eu", eu.uuid, {});
  ASSERT_TRUE(Succeeds(page));
  for (const auto& o : page->objects) producers[o.id] = o.producer_id;
  EXPECT_EQ(producers["indicator--" + NumberedUuid(1)], labor_);
  EXPECT_EQ(producers["indicator--" + NumberedUuid(2)], charite_);
}

TEST_P(StoreTest, RecipientsMustBeOrganisations) {
  const auto eu = Collection("eu", "indicators");
  SubmitOptions options;
  options.recipients = {aphp_, 999999};
  auto r = svc_->Submit(Actor::Of(As(charite_)), eu.uuid,
                        Bundle({Indicator(NumberedUuid(1), "a.example")}), options);
  ASSERT_TRUE(FailsWith(r, Errc::kInvalidArgument));
  EXPECT_EQ(r.error().field, "recipients");
  EXPECT_TRUE(AllIds(Actor::System(), eu).empty());
}

TEST_P(StoreTest, AdministratorsCreateRootsCollectionsAndGrants) {
  EXPECT_TRUE(FailsWith(
      svc_->CreateApiRoot(Actor::Of(As(charite_, Role::kAdmin)), {"clinics", "Clinics", ""}),
      Errc::kPermissionDenied));
  EXPECT_TRUE(FailsWith(svc_->CreateApiRoot(Actor::Of(As(de_, Role::kAdmin)), {"eu", "EU", ""}),
                        Errc::kConflict));
  auto root = svc_->CreateApiRoot(Actor::Of(As(de_, Role::kAdmin)), {"clinics", "Clinics", ""});
  ASSERT_TRUE(Succeeds(root));
  EXPECT_EQ(root->kind, RootKind::kCustom);
  EXPECT_EQ(root->country, std::optional<std::string>("DE"));
  EXPECT_TRUE(
      FailsWith(svc_->CreateApiRoot(Actor::Of(As(sc_, Role::kAdmin)), {"clinics", "Again", ""}),
                Errc::kConflict));
  NewCollection n;
  n.api_root_slug = "clinics";
  n.title = "Clinic indicators";
  n.alias = "ind";
  n.default_tlp = TlpLevel::kAmber;
  n.community_read = true;
  auto c = svc_->CreateCollection(Actor::Of(As(de_, Role::kAdmin)), n);
  ASSERT_TRUE(Succeeds(c));
  EXPECT_TRUE(
      FailsWith(svc_->CreateCollection(Actor::Of(As(de_, Role::kAdmin)), n), Errc::kConflict));
  EXPECT_TRUE(
      FailsWith(svc_->GetCollectionByUuid(Actor::Of(As(charite_)), c->uuid), Errc::kNotFound));
  const std::vector<CollectionGrant> grants{{charite_, "", true, true}, {labor_, "", true, false}};
  ASSERT_TRUE(Succeeds(svc_->SetGrants(Actor::Of(As(de_, Role::kAdmin)), c->uuid, grants)));
  auto listed = svc_->ListGrants(Actor::Of(As(sc_, Role::kAdmin)), c->uuid);
  ASSERT_TRUE(Succeeds(listed));
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].org_name, "Charite");
  auto charite = svc_->GetCollectionByUuid(Actor::Of(As(charite_)), c->uuid);
  ASSERT_TRUE(Succeeds(charite));
  EXPECT_TRUE(charite->can_write);
  auto labor = svc_->GetCollectionByUuid(Actor::Of(As(labor_)), c->uuid);
  ASSERT_TRUE(Succeeds(labor));
  EXPECT_FALSE(labor->can_write);
  EXPECT_TRUE(FailsWith(svc_->SetGrants(Actor::Of(As(fr_, Role::kAdmin)), c->uuid, grants),
                        Errc::kNotFound));
  EXPECT_TRUE(FailsWith(svc_->SetGrants(Actor::Of(As(charite_, Role::kAdmin)), c->uuid, grants),
                        Errc::kPermissionDenied));
  const std::vector<CollectionGrant> unknown{{424242, "", true, true}};
  EXPECT_TRUE(FailsWith(svc_->SetGrants(Actor::Of(As(de_, Role::kAdmin)), c->uuid, unknown),
                        Errc::kInvalidArgument));
}

TEST_P(StoreTest, OrganisationIdentitiesAreStableStixIdentifiers) {
  const std::string a = IntelService::OrgIdentityId(1);
  EXPECT_TRUE(IsStixIdentifier(a, "identity")) << a;
  EXPECT_EQ(a, IntelService::OrgIdentityId(1));
  EXPECT_NE(a, IntelService::OrgIdentityId(2));
  EXPECT_EQ(a.substr(10 + 14, 1), "5");  // UUID version 5
}

// The TLP matrix: one object per level from a German hospital in the EU collection, naming a
// French hospital as recipient, read by the producer, its authority, a sibling hospital under the
// same authority, a hospital of another Member State, the support centre and the named recipient,
// through every read path of the store. What a reader may not see is exactly as if it did not
// exist: not listed, not counted, not found, not named through a relationship, same errors.
TEST_P(StoreTest, TlpMatrixHoldsOnEveryReadPath) {
  const std::int64_t lyon = Org("CHU Lyon", OrgKind::kProvider, fr_, "hospital");
  const auto eu = Collection("eu", "indicators");
  const std::vector<TlpLevel> levels{TlpLevel::kClear, TlpLevel::kGreen, TlpLevel::kAmber,
                                     TlpLevel::kAmberStrict, TlpLevel::kRed};
  std::map<TlpLevel, std::string> ids;
  std::map<TlpLevel, std::string> relationship;
  std::vector<std::string> status_ids;
  for (std::size_t i = 0; i < levels.size(); ++i) {
    SubmitOptions options;
    options.tlp = levels[i];
    options.recipients = {aphp_};
    const auto uuid = NumberedUuid(static_cast<int>(i) + 1);
    ids[levels[i]] = "indicator--" + uuid;
    auto o = Indicator(uuid, fmt::format("tlp{}.matrix.example", i));
    o["name"] = fmt::format("matrix object {}", i);
    status_ids.push_back(SubmitAs(As(charite_), eu, {o}, options).status_id);
    // A GREEN relationship from a GREEN malware to it.
    relationship[levels[i]] = "relationship--" + NumberedUuid(static_cast<int>(i) + 100);
    SubmitOptions green;
    green.tlp = TlpLevel::kGreen;
    SubmitAs(As(charite_), eu,
             {json::object{{"type", "relationship"},
                           {"spec_version", "2.1"},
                           {"id", relationship[levels[i]]},
                           {"created", "2026-01-01T00:00:00Z"},
                           {"modified", "2026-01-01T00:00:00Z"},
                           {"relationship_type", "indicates"},
                           {"source_ref", ids[levels[i]]},
                           {"target_ref", "malware--" + NumberedUuid(999)}}},
             green);
  }
  struct Reader {
    std::string label;
    std::int64_t org;
    std::set<TlpLevel> sees;
  };
  const std::set<TlpLevel> shared{TlpLevel::kClear, TlpLevel::kGreen};
  const std::vector<Reader> readers{
      {"producer",
       charite_,
       {TlpLevel::kClear, TlpLevel::kGreen, TlpLevel::kAmber, TlpLevel::kAmberStrict,
        TlpLevel::kRed}},
      {"authority", de_, {TlpLevel::kClear, TlpLevel::kGreen, TlpLevel::kAmber}},
      {"sibling provider", labor_, shared},
      {"provider of another country", lyon, shared},
      {"support centre", sc_, shared},
      {"named recipient",
       aphp_,
       {TlpLevel::kClear, TlpLevel::kGreen, TlpLevel::kAmber, TlpLevel::kRed}},
  };
  const auto missing = svc_->View(Actor::System(), "indicator--" + NumberedUuid(7777));
  ASSERT_TRUE(FailsWith(missing, Errc::kNotFound));
  const auto missing_versions =
      svc_->Versions(Actor::System(), "eu", eu.uuid, "indicator--" + NumberedUuid(7777), {});
  ASSERT_TRUE(FailsWith(missing_versions, Errc::kNotFound));

  for (const auto& reader : readers) {
    SCOPED_TRACE(reader.label);
    const Principal& who = As(reader.org, Role::kAnalyst);
    const Actor actor = Actor::Of(who);
    std::set<std::string> expected;
    for (TlpLevel level : reader.sees) expected.insert(ids[level]);
    for (const auto& [level, rel] : relationship) expected.insert(rel);

    // TAXII objects, whole collection and by id; the collection's count.
    const auto listed = AllIds(actor, eu, 2);
    EXPECT_EQ(std::set<std::string>(listed.begin(), listed.end()), expected);
    EXPECT_EQ(listed.size(), expected.size());
    auto info = svc_->GetCollectionByUuid(actor, eu.uuid);
    ASSERT_TRUE(Succeeds(info));
    EXPECT_EQ(info->objects, static_cast<std::int64_t>(expected.size()));
    auto listed_all = svc_->ListAllCollections(actor);
    ASSERT_TRUE(Succeeds(listed_all));
    for (const auto& c : *listed_all) {
      if (c.id == eu.id) {
        EXPECT_EQ(c.objects, static_cast<std::int64_t>(expected.size()));
      }
    }

    for (TlpLevel level : levels) {
      SCOPED_TRACE(std::string(TlpName(level)));
      const bool sees = reader.sees.count(level) > 0;
      const std::string& id = ids[level];
      ObjectFilter by_id;
      by_id.ids = {id};
      by_id.version_all = true;
      auto page = svc_->Objects(actor, "eu", eu.uuid, by_id);
      ASSERT_TRUE(Succeeds(page));
      EXPECT_EQ(page->objects.size(), sees ? 1u : 0u);
      EXPECT_FALSE(page->more);

      auto versions = svc_->Versions(actor, "eu", eu.uuid, id, {});
      auto view = svc_->View(actor, id);
      if (sees) {
        EXPECT_TRUE(Succeeds(versions));
        EXPECT_TRUE(Succeeds(view));
      } else {
        ASSERT_TRUE(FailsWith(versions, Errc::kNotFound));
        EXPECT_EQ(versions.error().message, missing_versions.error().message);
        ASSERT_TRUE(FailsWith(view, Errc::kNotFound));
        EXPECT_EQ(view.error().message, missing.error().message);
      }

      SearchQuery q;
      q.text = fmt::format("matrix object {}", static_cast<int>(level));
      auto hits = svc_->Search(actor, q);
      ASSERT_TRUE(Succeeds(hits));
      EXPECT_EQ(hits->items.size(), sees ? 1u : 0u);
      SearchQuery by_level;
      by_level.tlp = level;
      by_level.types = {"indicator"};
      EXPECT_EQ(svc_->Search(actor, by_level)->items.size(), sees ? 1u : 0u);

      // The relationship is visible to all; the name of what it points at only to who sees it.
      auto rel = svc_->View(actor, relationship[level]);
      ASSERT_TRUE(Succeeds(rel));
      bool named = false;
      for (const auto& r : rel->relationships) {
        if (r.other_id == id) named = !r.other_name.empty();
      }
      EXPECT_EQ(named, sees);

      // Deleting what one may not see is "not found"; what one sees but did not produce is
      // "forbidden" (analysts administer nothing).
      if (reader.org != charite_) {
        ObjectFilter all;
        all.version_all = true;
        EXPECT_TRUE(FailsWith(svc_->Delete(actor, "eu", eu.uuid, id, all),
                              sees ? Errc::kPermissionDenied : Errc::kNotFound));
      }
    }
    for (const auto& status_id : status_ids) {
      auto st = svc_->GetStatus(actor, "eu", status_id);
      EXPECT_EQ(st.has_value(), reader.org == charite_);
    }
  }
}

// Warninglists: a hit is flagged on the object, reported, and kept with the object.
class StoreWarninglistTest : public IntelStoreTest {
 protected:
  std::shared_ptr<const Warninglists> Lists() override {
    auto lists = std::make_shared<Warninglists>();
    const auto added = lists->AddList(R"({"name": "Top domains", "version": 1,
        "description": "Popular domains", "type": "hostname", "list": ["google.com"],
        "matching_attributes": ["domain", "hostname"]})");
    if (!added) throw std::runtime_error(added.error().message);
    return lists;
  }
};

TEST_P(StoreWarninglistTest, HitsAreFlaggedAndReported) {
  const auto eu = Collection("eu", "indicators");
  const auto report = SubmitAs(
      As(charite_), eu,
      {Indicator(NumberedUuid(1), "mail.google.com"), Indicator(NumberedUuid(2), "evil.example")});
  ASSERT_EQ(report.warnings.size(), 1u);
  EXPECT_EQ(report.warnings[0].id, "indicator--" + NumberedUuid(1));
  EXPECT_EQ(report.warnings[0].list, "Top domains");
  EXPECT_EQ(report.warnings[0].value.value, "mail.google.com");
  std::map<std::string, bool> flagged;
  const auto page = svc_->Objects(Actor::System(), "eu", eu.uuid, {});
  ASSERT_TRUE(Succeeds(page));
  for (const auto& o : page->objects) flagged[o.id] = o.warninglisted;
  EXPECT_TRUE(flagged["indicator--" + NumberedUuid(1)]);
  EXPECT_FALSE(flagged["indicator--" + NumberedUuid(2)]);
  auto view = svc_->View(Actor::Of(As(aphp_)), "indicator--" + NumberedUuid(1));
  ASSERT_TRUE(Succeeds(view));
  ASSERT_EQ(view->warnings.size(), 1u);
  EXPECT_EQ(view->warnings[0].value.kind, ObservableKind::kDomain);
}

INSTANTIATE_TEST_SUITE_P(Backends,
                         StoreWarninglistTest,
                         ::testing::ValuesIn(caduceus::testing::AllBackends()));

INSTANTIATE_TEST_SUITE_P(Backends,
                         StoreTest,
                         ::testing::ValuesIn(caduceus::testing::AllBackends()));

}  // namespace
}  // namespace caduceus::intel::testing
