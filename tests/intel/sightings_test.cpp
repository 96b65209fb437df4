// Sightings on both backends: per-Member-State aggregates that name no hospital unless it chose
// to share, the reader's own sightings, STIX sightings through the store (versions replace, a
// re-sent one counts once), who may report, and that an invisible object answers as a missing
// one.
#include "intel/sightings.h"

#include <chrono>
#include <string>
#include <vector>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "intel/analysis.h"
#include "intel_store_fixture.h"

namespace caduceus::intel::testing {
namespace {

namespace json = boost::json;

std::string Id(int n) { return "indicator--" + NumberedUuid(n); }

SightingInput Saw(const std::string& ref,
                  std::int64_t count,
                  bool share = false,
                  std::optional<TimePoint> first = {},
                  std::optional<TimePoint> last = {}) {
  SightingInput s;
  s.sighting_of_ref = ref;
  s.count = count;
  s.share_identity = share;
  s.first_seen = first;
  s.last_seen = last;
  s.source = "api";
  return s;
}

json::object StixSighting(int n,
                          const std::string& of,
                          std::int64_t count,
                          const std::string& modified) {
  return json::object{{"type", "sighting"},
                      {"spec_version", "2.1"},
                      {"id", "sighting--" + NumberedUuid(n)},
                      {"created", "2026-01-01T00:00:00.000Z"},
                      {"modified", modified},
                      {"sighting_of_ref", of},
                      {"count", count},
                      {"first_seen", "2026-02-01T10:00:00Z"},
                      {"last_seen", "2026-02-03T10:00:00.5Z"}};
}

class SightingsTest : public IntelStoreTest {
 protected:
  void SetUp() override {
    IntelStoreTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    analysis_ = std::make_unique<IntelAnalysis>(*db_, clock_, *svc_);
    eu_ = Collection("eu", "indicators");
    SubmitAs(As(charite_), eu_,
             {Indicator(NumberedUuid(1), "evil.example"),
              Indicator(NumberedUuid(2), "amber.example", "2026-01-01T00:00:00.000Z",
                        TlpLevel::kAmber)});
  }

  SightingSummary Summary(const Principal& who, const std::string& ref) {
    auto s = analysis_->Sightings(Actor::Of(who), ref);
    if (!s) throw std::runtime_error(s.error().message);
    return *s;
  }

  std::unique_ptr<IntelAnalysis> analysis_;
  CollectionInfo eu_;
};

TEST_P(SightingsTest, AggregatesPerMemberStateWithoutNamingHospitals) {
  const auto t1 = At("2026-02-01T08:00:00Z");
  const auto t2 = At("2026-02-02T08:00:00Z");
  const auto t3 = At("2026-02-05T08:00:00Z");
  ASSERT_TRUE(
      Succeeds(analysis_->ReportSighting(Actor::Of(As(charite_)), Saw(Id(1), 3, false, t1, t2))));
  ASSERT_TRUE(
      Succeeds(analysis_->ReportSighting(Actor::Of(As(labor_)), Saw(Id(1), 2, false, t2, t3))));
  ASSERT_TRUE(Succeeds(analysis_->ReportSighting(Actor::Of(As(aphp_)), Saw(Id(1), 1))));

  const auto seen = Summary(As(de_), Id(1));
  EXPECT_EQ(seen.sighting_of_ref, Id(1));
  EXPECT_EQ(seen.total, 6);
  ASSERT_EQ(seen.by_country.size(), 2u);
  EXPECT_EQ(seen.by_country[0].country, "DE");
  EXPECT_EQ(seen.by_country[0].organisations, 2);
  EXPECT_EQ(seen.by_country[0].count, 5);
  EXPECT_EQ(seen.by_country[0].first_seen, t1);
  EXPECT_EQ(seen.by_country[0].last_seen, t3);
  EXPECT_EQ(seen.by_country[1].country, "FR");
  EXPECT_EQ(seen.by_country[1].organisations, 1);
  EXPECT_EQ(seen.by_country[1].count, 1);
  EXPECT_FALSE(seen.by_country[1].first_seen.has_value());
  EXPECT_TRUE(seen.own.empty());
  EXPECT_TRUE(seen.shared.empty());

  const auto own = Summary(As(charite_, Role::kViewer), Id(1));
  ASSERT_EQ(own.own.size(), 1u);
  EXPECT_EQ(own.own[0].org_id, charite_);
  EXPECT_EQ(own.own[0].org_name, "Charite");
  EXPECT_EQ(own.own[0].count, 3);
  EXPECT_TRUE(own.shared.empty());
}

TEST_P(SightingsTest, OnlyTheSightingsSharedWithIdentityNameTheirReporter) {
  ASSERT_TRUE(Succeeds(analysis_->ReportSighting(Actor::Of(As(aphp_)), Saw(Id(1), 1, true))));
  ASSERT_TRUE(Succeeds(analysis_->ReportSighting(Actor::Of(As(aphp_)), Saw(Id(1), 4, false))));
  ASSERT_TRUE(Succeeds(analysis_->ReportSighting(Actor::Of(As(labor_)), Saw(Id(1), 7, false))));
  const auto s = Summary(As(charite_), Id(1));
  ASSERT_EQ(s.shared.size(), 1u);
  EXPECT_EQ(s.shared[0].org_name, "AP-HP");
  EXPECT_EQ(s.shared[0].count, 1);
  EXPECT_EQ(s.total, 12);
  // The sharer itself sees its sightings as its own, not twice.
  const auto mine = Summary(As(aphp_), Id(1));
  ASSERT_EQ(mine.own.size(), 1u);
  EXPECT_EQ(mine.own[0].count, 5);
  EXPECT_TRUE(mine.shared.empty());
}

TEST_P(SightingsTest, AnInvisibleObjectAnswersAsAMissingOne) {
  const auto hidden = analysis_->ReportSighting(Actor::Of(As(labor_)), Saw(Id(2), 1));
  const auto missing = analysis_->ReportSighting(Actor::Of(As(labor_)), Saw(Id(99), 1));
  ASSERT_TRUE(FailsWith(hidden, Errc::kNotFound));
  ASSERT_TRUE(FailsWith(missing, Errc::kNotFound));
  EXPECT_EQ(hidden.error().message, missing.error().message);
  ASSERT_TRUE(Succeeds(analysis_->ReportSighting(Actor::Of(As(de_)), Saw(Id(2), 1))));
  const auto summary_hidden = analysis_->Sightings(Actor::Of(As(labor_)), Id(2));
  const auto summary_missing = analysis_->Sightings(Actor::Of(As(labor_)), Id(99));
  ASSERT_TRUE(FailsWith(summary_hidden, Errc::kNotFound));
  ASSERT_TRUE(FailsWith(summary_missing, Errc::kNotFound));
  EXPECT_EQ(summary_hidden.error().message, summary_missing.error().message);
  EXPECT_TRUE(FailsWith(analysis_->Sightings(Actor::Of(As(labor_)), "not an id"), Errc::kNotFound));
  EXPECT_EQ(Summary(As(charite_), Id(2)).total, 1);
}

TEST_P(SightingsTest, ViewersMayNotReportAndCountsAndTimesAreChecked) {
  EXPECT_TRUE(
      FailsWith(analysis_->ReportSighting(Actor::Of(As(labor_, Role::kViewer)), Saw(Id(1), 1)),
                Errc::kPermissionDenied));
  const Actor analyst = Actor::Of(As(labor_));
  EXPECT_TRUE(FailsWith(analysis_->ReportSighting(analyst, Saw(Id(1), 0)), Errc::kInvalidArgument));
  EXPECT_TRUE(FailsWith(analysis_->ReportSighting(analyst, Saw(Id(1), 1'000'000'000)),
                        Errc::kInvalidArgument));
  EXPECT_TRUE(FailsWith(
      analysis_->ReportSighting(
          analyst, Saw(Id(1), 1, false, At("2026-02-02T00:00:00Z"), At("2026-02-01T00:00:00Z"))),
      Errc::kInvalidArgument));
  EXPECT_TRUE(
      FailsWith(analysis_->ReportSighting(Actor::System(), Saw(Id(1), 1)), Errc::kInvalidArgument));
  EXPECT_EQ(Summary(As(labor_), Id(1)).total, 0);
}

TEST_P(SightingsTest, StixSightingsThroughTheStoreReplaceTheirOlderVersions) {
  SubmitAs(As(aphp_), eu_, {StixSighting(7, Id(1), 2, "2026-02-01T00:00:00.000Z")});
  EXPECT_EQ(Summary(As(charite_), Id(1)).total, 2);
  SubmitAs(As(aphp_), eu_, {StixSighting(7, Id(1), 5, "2026-02-02T00:00:00.000Z")});
  EXPECT_EQ(Summary(As(charite_), Id(1)).total, 5);
  // Re-sent and older versions change nothing.
  SubmitAs(As(aphp_), eu_,
           {StixSighting(7, Id(1), 5, "2026-02-02T00:00:00.000Z"),
            StixSighting(7, Id(1), 9, "2026-01-15T00:00:00.000Z")});
  const auto s = Summary(As(charite_), Id(1));
  EXPECT_EQ(s.total, 5);
  ASSERT_EQ(s.by_country.size(), 1u);
  EXPECT_EQ(s.by_country[0].country, "FR");
  EXPECT_EQ(s.by_country[0].first_seen, At("2026-02-01T10:00:00Z"));
  EXPECT_EQ(s.by_country[0].last_seen, At("2026-02-03T10:00:00.5Z"));
  // Another organisation's sighting with the same id is its own.
  SubmitAs(As(labor_), eu_, {StixSighting(7, Id(1), 1, "2026-02-02T00:00:00.000Z")});
  EXPECT_EQ(Summary(As(charite_), Id(1)).total, 6);
  // A sighting of an object the reporter may not see is rejected with the others accepted.
  const auto report =
      SubmitAs(As(labor_), eu_, {StixSighting(8, Id(2), 1, "2026-02-02T00:00:00.000Z")});
  EXPECT_EQ(report.failures.size(), 1u);
  EXPECT_EQ(Summary(As(charite_), Id(2)).total, 0);
}

// Exports from other platforms bundle indicators with their sightings: a sighting of an object
// in the same submission is recorded, whichever comes first in the bundle.
TEST_P(SightingsTest, ASightingOfAnObjectInTheSameSubmissionIsRecorded) {
  const auto report = SubmitAs(As(aphp_), eu_,
                               {StixSighting(9, Id(30), 3, "2026-02-01T00:00:00.000Z"),
                                Indicator(NumberedUuid(30), "bundled.example"),
                                StixSighting(10, Id(31), 2, "2026-02-01T00:00:00.000Z"),
                                Indicator(NumberedUuid(31), "bundled2.example")});
  EXPECT_TRUE(report.failures.empty()) << report.failures.front().error.message;
  EXPECT_EQ(Summary(As(charite_), Id(30)).total, 3);
  EXPECT_EQ(Summary(As(charite_), Id(31)).total, 2);
}

TEST_P(SightingsTest, OwnListingShowsOnlyTheReadersOrganisationNewestFirstInPages) {
  const Actor charite = Actor::Of(As(charite_));
  ASSERT_TRUE(Succeeds(analysis_->ReportSighting(charite, Saw(Id(1), 3))));
  clock_.Advance(std::chrono::minutes(1));
  ASSERT_TRUE(Succeeds(analysis_->ReportSighting(Actor::Of(As(labor_)), Saw(Id(1), 7))));
  clock_.Advance(std::chrono::minutes(1));
  ASSERT_TRUE(Succeeds(analysis_->ReportSighting(charite, Saw(Id(2), 2))));
  SubmitAs(As(charite_), eu_, {StixSighting(9, Id(1), 5, "2026-02-02T00:00:00.000Z")});

  SightingQuery q;
  q.limit = 2;
  auto first = analysis_->OwnSightings(Actor::Of(As(charite_, Role::kViewer)), q);
  ASSERT_TRUE(first.has_value()) << first.error().message;
  ASSERT_EQ(first->items.size(), 2u);
  // The TAXII-style sighting arrived last; both it and the API one at the same instant come
  // before the first report.
  EXPECT_EQ(first->items[0].sighting.sighting_of_ref, Id(1));
  EXPECT_EQ(first->items[0].sighting.count, 5);
  EXPECT_EQ(first->items[0].sighting.source, "api");
  EXPECT_EQ(first->items[1].sighting.sighting_of_ref, Id(2));
  EXPECT_EQ(first->items[1].sighting.count, 2);
  EXPECT_EQ(first->items[1].object.latest.id, Id(2));
  EXPECT_EQ(first->items[1].object.name, "Phishing domain amber.example");
  EXPECT_EQ(first->items[1].object.latest.tlp, TlpLevel::kAmber);
  ASSERT_FALSE(first->next.empty());

  q.cursor = first->next;
  auto second = analysis_->OwnSightings(charite, q);
  ASSERT_TRUE(second.has_value()) << second.error().message;
  ASSERT_EQ(second->items.size(), 1u);
  EXPECT_EQ(second->items[0].sighting.count, 3);
  EXPECT_EQ(second->items[0].sighting.reported_at, At("2026-03-02T09:00:00Z"));
  EXPECT_TRUE(second->next.empty());

  auto labor = analysis_->OwnSightings(Actor::Of(As(labor_)), SightingQuery{});
  ASSERT_TRUE(labor.has_value());
  ASSERT_EQ(labor->items.size(), 1u);
  EXPECT_EQ(labor->items[0].sighting.count, 7);

  SightingQuery recent;
  recent.reported_since = At("2026-03-02T09:01:30Z");
  auto since = analysis_->OwnSightings(charite, recent);
  ASSERT_TRUE(since.has_value());
  EXPECT_EQ(since->items.size(), 2u);
  SightingQuery from_taxii;
  from_taxii.source = "taxii";
  auto none = analysis_->OwnSightings(charite, from_taxii);
  ASSERT_TRUE(none.has_value());
  EXPECT_TRUE(none->items.empty());
}

TEST_P(SightingsTest, SectorListingSumsPerObjectNamesNobodyAndHidesWhatTheReaderMayNotSee) {
  ASSERT_TRUE(Succeeds(analysis_->ReportSighting(Actor::Of(As(charite_)), Saw(Id(1), 3, true))));
  ASSERT_TRUE(Succeeds(analysis_->ReportSighting(Actor::Of(As(labor_)), Saw(Id(1), 2))));
  ASSERT_TRUE(Succeeds(analysis_->ReportSighting(Actor::Of(As(aphp_)), Saw(Id(1), 1))));
  clock_.Advance(std::chrono::minutes(1));
  ASSERT_TRUE(Succeeds(analysis_->ReportSighting(Actor::Of(As(charite_)), Saw(Id(2), 4))));

  auto all = analysis_->SightedObjects(Actor::Of(As(de_)), SightingQuery{});
  ASSERT_TRUE(all.has_value()) << all.error().message;
  ASSERT_EQ(all->items.size(), 2u);
  EXPECT_EQ(all->items[0].sighting.sighting_of_ref, Id(2));
  EXPECT_EQ(all->items[0].sighting.count, 4);
  const auto& one = all->items[1].sighting;
  EXPECT_EQ(one.sighting_of_ref, Id(1));
  EXPECT_EQ(one.count, 6);
  EXPECT_EQ(one.organisations, 3);
  EXPECT_EQ(one.countries, (std::vector<std::string>{"DE", "FR"}));
  EXPECT_EQ(all->items[1].object.collection_title, "EU indicators");

  // Labor Berlin may not see the AMBER indicator: not even that it was sighted.
  auto labor = analysis_->SightedObjects(Actor::Of(As(labor_)), SightingQuery{});
  ASSERT_TRUE(labor.has_value());
  ASSERT_EQ(labor->items.size(), 1u);
  EXPECT_EQ(labor->items[0].sighting.sighting_of_ref, Id(1));

  SightingQuery france;
  france.country = "FR";
  auto fr = analysis_->SightedObjects(Actor::Of(As(fr_)), france);
  ASSERT_TRUE(fr.has_value());
  ASSERT_EQ(fr->items.size(), 1u);
  EXPECT_EQ(fr->items[0].sighting.count, 1);
  EXPECT_EQ(fr->items[0].sighting.organisations, 1);
  EXPECT_EQ(fr->items[0].sighting.countries, (std::vector<std::string>{"FR"}));

  SightingQuery paged;
  paged.limit = 1;
  auto page1 = analysis_->SightedObjects(Actor::Of(As(de_)), paged);
  ASSERT_TRUE(page1.has_value());
  ASSERT_EQ(page1->items.size(), 1u);
  paged.cursor = page1->next;
  auto page2 = analysis_->SightedObjects(Actor::Of(As(de_)), paged);
  ASSERT_TRUE(page2.has_value()) << page2.error().message;
  ASSERT_EQ(page2->items.size(), 1u);
  EXPECT_EQ(page2->items[0].sighting.sighting_of_ref, Id(1));
  EXPECT_TRUE(page2->next.empty());
}

TEST_P(SightingsTest, ListingsRefuseBadLimitsAndForeignCursors) {
  const Actor charite = Actor::Of(As(charite_));
  SightingQuery q;
  q.limit = 0;
  auto zero = analysis_->OwnSightings(charite, q);
  ASSERT_TRUE(FailsWith(zero, Errc::kInvalidArgument));
  EXPECT_EQ(zero.error().field, "limit");
  q.limit = SightingQuery::kMaxLimit + 1;
  EXPECT_TRUE(FailsWith(analysis_->SightedObjects(charite, q), Errc::kInvalidArgument));
  for (const char* cursor : {"x", "12", "12.", "12.abc", "-5.indicator--x", "1.0"}) {
    SightingQuery c;
    c.cursor = cursor;
    auto own = analysis_->OwnSightings(charite, c);
    ASSERT_TRUE(FailsWith(own, Errc::kInvalidArgument)) << cursor;
    EXPECT_EQ(own.error().field, "cursor");
  }
  SightingQuery own_cursor;
  own_cursor.cursor = "1700000000000000.12";
  EXPECT_TRUE(FailsWith(analysis_->SightedObjects(charite, own_cursor), Errc::kInvalidArgument));
  // The support centre's system actor has no organisation of its own.
  auto system = analysis_->OwnSightings(Actor::System(), SightingQuery{});
  ASSERT_TRUE(system.has_value());
  EXPECT_TRUE(system->items.empty());
}

TEST(SightingFromStix, ReadsCountTimesAndVersion) {
  auto object = ValidateStixObject(StixSighting(1, Id(1), 0, "2026-02-02T00:00:00.000Z"));
  ASSERT_TRUE(object.has_value()) << object.error().message;
  auto in = SightingLedger::FromStix(*object);
  ASSERT_TRUE(Succeeds(in));
  EXPECT_EQ(in->sighting_of_ref, Id(1));
  EXPECT_EQ(in->count, 0);
  EXPECT_EQ(in->first_seen, At("2026-02-01T10:00:00Z"));
  EXPECT_EQ(in->stix_id, "sighting--" + NumberedUuid(1));
  EXPECT_EQ(in->version, ParseStixTimestamp("2026-02-02T00:00:00.000Z"));
  EXPECT_FALSE(in->share_identity);

  auto json = StixSighting(1, Id(1), 1, "2026-02-02T00:00:00.000Z");
  json.erase("count");
  json.erase("first_seen");
  auto no_count = SightingLedger::FromStix(*ValidateStixObject(json));
  ASSERT_TRUE(Succeeds(no_count));
  EXPECT_EQ(no_count->count, 1);
  EXPECT_FALSE(no_count->first_seen.has_value());

  json["first_seen"] = "9999-01-01T00:00:00Z";
  json["last_seen"] = "9999-01-02T00:00:00Z";
  auto far = ValidateStixObject(json);
  ASSERT_TRUE(far.has_value());
  auto out_of_range = SightingLedger::FromStix(*far);
  ASSERT_TRUE(FailsWith(out_of_range, Errc::kInvalidArgument));
  EXPECT_EQ(out_of_range.error().field, "/first_seen");
}

INSTANTIATE_TEST_SUITE_P(Backends,
                         SightingsTest,
                         ::testing::ValuesIn(caduceus::testing::AllBackends()));

}  // namespace
}  // namespace caduceus::intel::testing
