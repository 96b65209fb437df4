// ExportService on both backends: exports hold only what the reader may see (TLP matrix), honour
// every filter (collection, kind, TLP ceiling, age, confidence, revoked, expired, warninglisted),
// take the newest version of indicators only, stop at their cap; pull feeds keep their token
// hashed, read with the creating organisation's scope, never above AMBER+STRICT, and are managed
// by that organisation only.
#include "intel/exports.h"

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include <boost/json.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "intel_store_fixture.h"

namespace caduceus::intel {
namespace {

namespace json = boost::json;
using identity::Actor;
using identity::Role;
using testing::Bundle;
using ::testing::ElementsAre;
using testing::FailsWith;
using ::testing::HasSubstr;
using testing::Indicator;
using testing::NumberedUuid;
using testing::Succeeds;

// An indicator of any pattern.
json::object PatternIndicator(int n,
                              const std::string& pattern,
                              const std::string& modified = "2026-01-01T00:00:00.000Z") {
  auto o = Indicator(NumberedUuid(n), "unused.example", modified);
  o["pattern"] = pattern;
  o["name"] = "indicator " + std::to_string(n);
  return o;
}

std::vector<std::string> Values(const std::string& body) {
  std::vector<std::string> out;
  std::size_t at = 0;
  while (at < body.size()) {
    auto nl = body.find('\n', at);
    if (nl == std::string::npos) nl = body.size();
    const auto line = body.substr(at, nl - at);
    if (!line.empty() && line.front() != '#') out.push_back(line);
    at = nl + 1;
  }
  return out;
}

class ExportsTest : public testing::IntelStoreTest {
 protected:
  void SetUp() override {
    IntelStoreTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    storage::ApplyMigrations(*db_, "intel_exports", ExportService::Migrations());
    exports_ = std::make_unique<ExportService>(*db_, clock_, *svc_);
    eu_ = Collection("eu", "indicators");
  }

  std::shared_ptr<const Warninglists> Lists() override {
    auto lists = std::make_shared<Warninglists>();
    const auto added =
        lists->AddList(R"({"name":"Top sites","description":"d","version":1,"type":"hostname",)"
                       R"("list":["popular.example"],"matching_attributes":["domain"]})");
    if (!added) throw std::runtime_error(added.error().message);
    return lists;
  }

  ExportQuery Blocklist(ExportListKind kind, std::map<std::string, std::string> params = {}) {
    params["kind"] = std::string(ExportListKindName(kind));
    auto q = ParseExportQuery(ExportFormat::kBlocklist, params);
    if (!q) throw std::runtime_error(q.error().message);
    return *q;
  }

  std::vector<std::string> Domains(Actor actor, std::map<std::string, std::string> params = {}) {
    auto r = exports_->Export(actor, Blocklist(ExportListKind::kDomain, std::move(params)));
    if (!r) throw std::runtime_error(r.error().message);
    return Values(r->body);
  }

  std::unique_ptr<ExportService> exports_;
  CollectionInfo eu_;
};

TEST_P(ExportsTest, ExportHoldsOnlyIndicatorsTheReaderMaySee) {
  SubmitOptions amber;
  amber.tlp = TlpLevel::kAmber;
  SubmitAs(As(charite_), eu_, {Indicator(NumberedUuid(1), "amber.example")}, amber);
  SubmitOptions strict;
  strict.tlp = TlpLevel::kAmberStrict;
  SubmitAs(As(charite_), eu_, {Indicator(NumberedUuid(2), "strict.example")}, strict);
  SubmitAs(As(aphp_), eu_, {Indicator(NumberedUuid(3), "green.example")});
  SubmitOptions red;
  red.tlp = TlpLevel::kRed;
  red.recipients = {labor_};
  SubmitAs(As(aphp_), eu_, {Indicator(NumberedUuid(4), "red.example")}, red);

  const std::map<std::string, std::string> all{{"tlp_max", "red"}};
  EXPECT_THAT(Domains(Actor::Of(As(charite_, Role::kViewer)), all),
              ElementsAre("amber.example", "green.example", "strict.example"));
  EXPECT_THAT(Domains(Actor::Of(As(de_)), all), ElementsAre("amber.example", "green.example"));
  EXPECT_THAT(Domains(Actor::Of(As(labor_)), all), ElementsAre("green.example", "red.example"));
  EXPECT_THAT(Domains(Actor::Of(As(fr_)), all), ElementsAre("green.example"));
  EXPECT_THAT(Domains(Actor::Of(As(sc_)), all), ElementsAre("green.example"));
}

TEST_P(ExportsTest, TlpCeilingDefaultsToAmberStrictAndLowersOnRequest) {
  SubmitOptions red;
  red.tlp = TlpLevel::kRed;
  SubmitAs(As(charite_), eu_, {Indicator(NumberedUuid(1), "red.example")}, red);
  SubmitOptions amber;
  amber.tlp = TlpLevel::kAmber;
  SubmitAs(As(charite_), eu_, {Indicator(NumberedUuid(2), "amber.example")}, amber);
  SubmitAs(As(charite_), eu_, {Indicator(NumberedUuid(3), "green.example")});
  const auto me = Actor::Of(As(charite_));
  EXPECT_THAT(Domains(me), ElementsAre("amber.example", "green.example"));
  EXPECT_THAT(Domains(me, {{"tlp_max", "green"}}), ElementsAre("green.example"));
  EXPECT_THAT(Domains(me, {{"tlp_max", "red"}}),
              ElementsAre("amber.example", "green.example", "red.example"));
}

TEST_P(ExportsTest, KindsCollectionAgeAndConfidenceFilter) {
  auto low = PatternIndicator(1, "[domain-name:value = 'low.example']");
  low["confidence"] = 20;
  auto high = PatternIndicator(
      2, "[domain-name:value = 'high.example'] OR [ipv4-addr:value = '203.0.113.7']");
  high["confidence"] = 90;
  SubmitAs(As(charite_), eu_, {low, high});
  clock_.Advance(std::chrono::hours(24 * 10));
  SubmitAs(
      As(charite_), eu_,
      {PatternIndicator(3,
                        "[url:value = 'http://new.example/a'] AND "
                        "[file:hashes.'SHA-256' = "
                        "'275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f']")});
  const auto de_coll = Collection("de", "indicators");
  SubmitAs(As(charite_), de_coll, {Indicator(NumberedUuid(4), "national.example")});
  const auto me = Actor::Of(As(charite_));

  EXPECT_THAT(Domains(me), ElementsAre("high.example", "low.example", "national.example"));
  EXPECT_THAT(Domains(me, {{"collection", de_coll.uuid}}), ElementsAre("national.example"));
  EXPECT_THAT(Domains(me, {{"min_confidence", "50"}}), ElementsAre("high.example"));
  EXPECT_THAT(Domains(me, {{"max_age_days", "5"}}), ElementsAre("national.example"));

  auto csv = ParseExportQuery(ExportFormat::kCsv, {{"type", "ipv4,sha256"}});
  ASSERT_TRUE(Succeeds(csv));
  auto out = exports_->Export(me, *csv);
  ASSERT_TRUE(Succeeds(out));
  EXPECT_THAT(out->body, HasSubstr("\r\nipv4,203.0.113.7,indicator--"));
  EXPECT_THAT(out->body, HasSubstr("\r\nsha256,275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c"));
  EXPECT_THAT(out->body, ::testing::Not(HasSubstr("domain,")));
  EXPECT_THAT(out->body, ::testing::Not(HasSubstr("url,")));
  EXPECT_EQ(out->media_type, "text/csv; charset=utf-8");
}

TEST_P(ExportsTest, OnlyTheNewestVersionOfIndicatorsIsExported) {
  SubmitAs(As(charite_), eu_,
           {Indicator(NumberedUuid(1), "old.example", "2026-01-01T00:00:00.000Z"),
            Indicator(NumberedUuid(1), "new.example", "2026-02-01T00:00:00.000Z")});
  json::object observed{{"type", "domain-name"},
                        {"spec_version", "2.1"},
                        {"id", "domain-name--" + NumberedUuid(9)},
                        {"value", "victim-hospital.example"}};
  SubmitAs(As(charite_), eu_, {observed});
  EXPECT_THAT(Domains(Actor::Of(As(charite_))), ElementsAre("new.example"));
}

TEST_P(ExportsTest, RevokedAndExpiredIndicatorsAreLeftOut) {
  auto revoked = Indicator(NumberedUuid(1), "revoked.example");
  revoked["revoked"] = true;
  auto expired = Indicator(NumberedUuid(2), "expired.example");
  expired["valid_until"] = "2026-03-01T00:00:00Z";
  auto current = Indicator(NumberedUuid(3), "current.example");
  current["valid_until"] = "2026-12-31T00:00:00Z";
  SubmitAs(As(charite_), eu_, {revoked, expired, current});
  const auto me = Actor::Of(As(charite_));
  EXPECT_THAT(Domains(me), ElementsAre("current.example"));
  EXPECT_THAT(Domains(me, {{"include_revoked", "true"}}),
              ElementsAre("current.example", "revoked.example"));
}

TEST_P(ExportsTest, WarninglistedValuesAreLeftOutUnlessAsked) {
  const auto report = SubmitAs(As(charite_), eu_,
                               {PatternIndicator(1,
                                                 "[domain-name:value = 'popular.example'] OR "
                                                 "[domain-name:value = 'evil.example']")});
  ASSERT_EQ(report.warnings.size(), 1u);
  const auto me = Actor::Of(As(charite_));
  EXPECT_THAT(Domains(me), ElementsAre("evil.example"));
  EXPECT_THAT(Domains(me, {{"include_warninglisted", "true"}}),
              ElementsAre("evil.example", "popular.example"));
}

TEST_P(ExportsTest, ExportStopsAtItsLimitAndSaysSo) {
  std::vector<json::object> objects;
  for (int i = 1; i <= 5; ++i) {
    objects.push_back(Indicator(NumberedUuid(i), "d" + std::to_string(i) + ".example"));
  }
  SubmitAs(As(charite_), eu_, objects);
  auto q = Blocklist(ExportListKind::kDomain, {{"limit", "3"}});
  auto out = exports_->Export(Actor::Of(As(charite_)), q);
  ASSERT_TRUE(Succeeds(out));
  EXPECT_TRUE(out->truncated);
  EXPECT_EQ(Values(out->body).size(), 3u);
  EXPECT_THAT(out->body, HasSubstr("# Truncated: more values matched than the cap of 3"));
  q.limit = 5;
  out = exports_->Export(Actor::Of(As(charite_)), q);
  ASSERT_TRUE(Succeeds(out));
  EXPECT_FALSE(out->truncated);
  EXPECT_EQ(Values(out->body).size(), 5u);
}

TEST_P(ExportsTest, CollectionTheReaderCannotReadIsNotFound) {
  const auto fr_coll = Collection("fr", "indicators");
  auto q = Blocklist(ExportListKind::kDomain, {{"collection", fr_coll.uuid}});
  EXPECT_TRUE(FailsWith(exports_->Export(Actor::Of(As(charite_)), q), Errc::kNotFound));
  q.collection_uuid = "00000000-0000-4000-8000-000000000000";
  EXPECT_TRUE(FailsWith(exports_->Export(Actor::Of(As(charite_)), q), Errc::kNotFound));
}

TEST_P(ExportsTest, StixExportCarriesTheStoredObjects) {
  auto o = Indicator(NumberedUuid(1), "evil.example");
  o["x_hospital_note"] = "kept";
  SubmitAs(As(charite_), eu_, {o});
  auto q = ParseExportQuery(ExportFormat::kStix, {});
  ASSERT_TRUE(Succeeds(q));
  auto out = exports_->Export(Actor::Of(As(charite_)), *q);
  ASSERT_TRUE(Succeeds(out));
  const auto bundle = json::parse(out->body).as_object();
  const auto& objects = bundle.at("objects").as_array();
  ASSERT_EQ(objects.size(), 1u);
  EXPECT_EQ(objects[0].at("id").as_string(), "indicator--" + NumberedUuid(1));
  EXPECT_EQ(objects[0].at("x_hospital_note"), "kept");
  EXPECT_EQ(out->media_type, "application/stix+json;version=2.1");
}

TEST_P(ExportsTest, PullFeedTokenIsShownOnceKeptHashedAndReadsAsTheOrganisation) {
  SubmitOptions strict;
  strict.tlp = TlpLevel::kAmberStrict;
  SubmitAs(As(charite_), eu_, {Indicator(NumberedUuid(1), "strict.example")}, strict);
  SubmitOptions red;
  red.tlp = TlpLevel::kRed;
  SubmitAs(As(charite_), eu_, {Indicator(NumberedUuid(2), "red.example")}, red);
  SubmitAs(As(aphp_), eu_, {Indicator(NumberedUuid(3), "green.example")});

  NewExportFeed feed;
  feed.name = "Firewall";
  feed.query = Blocklist(ExportListKind::kDomain);
  auto created = exports_->CreateFeed(Actor::Of(As(charite_, Role::kAdmin)), feed);
  ASSERT_TRUE(Succeeds(created));
  const std::string token = created->token;
  EXPECT_THAT(token, ::testing::StartsWith("cdx_"));
  EXPECT_EQ(created->feed.token_prefix, token.substr(0, 12));

  const auto rows = db_->Query("SELECT token_hash, token_prefix, query FROM intel_export_feeds");
  ASSERT_EQ(rows.rows.size(), 1u);
  EXPECT_NE(rows.rows[0].Text(0), token);
  EXPECT_EQ(rows.rows[0].Text(0).find(token), std::string::npos);
  EXPECT_EQ(rows.rows[0].Text(2).find(token), std::string::npos);

  auto pulled = exports_->Pull(token);
  ASSERT_TRUE(Succeeds(pulled));
  EXPECT_THAT(Values(pulled->body), ElementsAre("green.example", "strict.example"));
  pulled = exports_->Pull(token);
  ASSERT_TRUE(Succeeds(pulled));

  auto listed = exports_->ListFeeds(Actor::Of(As(charite_, Role::kViewer)));
  ASSERT_TRUE(Succeeds(listed));
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].name, "Firewall");
  EXPECT_EQ((*listed)[0].pulls, 2);
  EXPECT_TRUE((*listed)[0].last_pulled_at.has_value());
  EXPECT_EQ((*listed)[0].query.request.list_kind, ExportListKind::kDomain);
  EXPECT_TRUE(exports_->ListFeeds(Actor::Of(As(labor_, Role::kAdmin)))->empty());
}

TEST_P(ExportsTest, PullWithAnUnknownOrMalformedTokenIsUnauthenticated) {
  const std::vector<std::string> tokens = {
      "", "cdx_", "cdx_unknown", "x", std::string(300, 'a'), "cdx_a\nb", "cdx_%00"};
  for (const auto& token : tokens) {
    EXPECT_TRUE(FailsWith(exports_->Pull(token), Errc::kUnauthenticated)) << token;
  }
}

TEST_P(ExportsTest, FeedsAreManagedByTheirOrganisationOnly) {
  NewExportFeed feed;
  feed.name = "Resolver RPZ";
  auto q = ParseExportQuery(ExportFormat::kRpz, {});
  ASSERT_TRUE(Succeeds(q));
  feed.query = *q;
  auto created = exports_->CreateFeed(Actor::Of(As(charite_, Role::kAdmin)), feed);
  ASSERT_TRUE(Succeeds(created));
  EXPECT_TRUE(FailsWith(exports_->DeleteFeed(Actor::Of(As(labor_, Role::kAdmin)), created->feed.id),
                        Errc::kNotFound));
  EXPECT_TRUE(FailsWith(exports_->DeleteFeed(Actor::Of(As(de_, Role::kAdmin)), created->feed.id),
                        Errc::kNotFound));
  EXPECT_TRUE(Succeeds(exports_->Pull(created->token)));
  EXPECT_TRUE(
      Succeeds(exports_->DeleteFeed(Actor::Of(As(charite_, Role::kAdmin)), created->feed.id)));
  EXPECT_TRUE(FailsWith(exports_->Pull(created->token), Errc::kUnauthenticated));
}

TEST_P(ExportsTest, FeedCreationRefusesRedBadNamesUnreadableCollectionsAndTooManyFeeds) {
  const auto admin = Actor::Of(As(charite_, Role::kAdmin));
  NewExportFeed feed;
  feed.name = "Proxy";
  feed.query = Blocklist(ExportListKind::kUrl);
  feed.query.tlp_max = TlpLevel::kRed;
  auto r = exports_->CreateFeed(admin, feed);
  ASSERT_TRUE(FailsWith(r, Errc::kInvalidArgument));
  EXPECT_EQ(r.error().field, "tlp_max");

  feed.query.tlp_max = TlpLevel::kAmber;
  feed.name = "two\nlines";
  EXPECT_TRUE(FailsWith(exports_->CreateFeed(admin, feed), Errc::kInvalidArgument));
  feed.name = "";
  EXPECT_TRUE(FailsWith(exports_->CreateFeed(admin, feed), Errc::kInvalidArgument));

  feed.name = "Proxy";
  feed.query.collection_uuid = Collection("fr", "indicators").uuid;
  EXPECT_TRUE(FailsWith(exports_->CreateFeed(admin, feed), Errc::kNotFound));
  feed.query.collection_uuid.reset();

  for (std::size_t i = 0; i < kMaxExportFeedsPerOrg; ++i) {
    ASSERT_TRUE(Succeeds(exports_->CreateFeed(admin, feed)));
  }
  EXPECT_TRUE(FailsWith(exports_->CreateFeed(admin, feed), Errc::kInvalidArgument));
  EXPECT_TRUE(Succeeds(exports_->CreateFeed(Actor::Of(As(labor_, Role::kAdmin)), feed)));
}

TEST_P(ExportsTest, RedStoredInAFeedIsCappedAtAmberStrictWhenPulled) {
  SubmitOptions red;
  red.tlp = TlpLevel::kRed;
  SubmitAs(As(charite_), eu_, {Indicator(NumberedUuid(1), "red.example")}, red);
  NewExportFeed feed;
  feed.name = "Firewall";
  feed.query = Blocklist(ExportListKind::kDomain);
  auto created = exports_->CreateFeed(Actor::Of(As(charite_, Role::kAdmin)), feed);
  ASSERT_TRUE(Succeeds(created));
  db_->Query("UPDATE intel_export_feeds SET query = ?",
             {storage::Text(R"({"kind":"domain","tlp_max":"red"})")});
  auto pulled = exports_->Pull(created->token);
  ASSERT_TRUE(Succeeds(pulled));
  EXPECT_TRUE(Values(pulled->body).empty());
}

INSTANTIATE_TEST_SUITE_P(Backends,
                         ExportsTest,
                         ::testing::ValuesIn(caduceus::testing::AllBackends()));

// --- Query parameters (no database) ---

TEST(ExportQueryParams, UnknownParametersAndBadValuesAreRefusedByName) {
  using M = std::map<std::string, std::string>;
  auto field = [](ExportFormat f, M params) {
    auto q = ParseExportQuery(f, params);
    return q ? std::string("ok") : q.error().field;
  };
  EXPECT_EQ(field(ExportFormat::kCsv, {{"tlp", "red"}}), "tlp");
  EXPECT_EQ(field(ExportFormat::kCsv, {{"tlp_max", "purple"}}), "tlp_max");
  EXPECT_EQ(field(ExportFormat::kCsv, {{"type", "domain,bogus"}}), "type");
  EXPECT_EQ(field(ExportFormat::kCsv, {{"collection", "not-a-uuid"}}), "collection");
  EXPECT_EQ(field(ExportFormat::kCsv, {{"max_age_days", "0"}}), "max_age_days");
  EXPECT_EQ(field(ExportFormat::kCsv, {{"min_confidence", "101"}}), "min_confidence");
  EXPECT_EQ(field(ExportFormat::kCsv, {{"limit", "100001"}}), "limit");
  EXPECT_EQ(field(ExportFormat::kCsv, {{"include_revoked", "yes"}}), "include_revoked");
  EXPECT_EQ(field(ExportFormat::kBlocklist, {}), "kind");
  EXPECT_EQ(field(ExportFormat::kSuricataDataset, {{"kind", "hash"}}), "kind");
  EXPECT_EQ(field(ExportFormat::kBlocklist, {{"kind", "ip"}, {"tlp_max", "TLP:AMBER"}}), "ok");
}

TEST(ExportQueryParams, ParamsRoundTripThroughTheParser) {
  auto q = ParseExportQuery(ExportFormat::kSuricataDataset,
                            {{"kind", "sha256"},
                             {"collection", "6ba7b810-9dad-41d1-80b4-000000000001"},
                             {"type", "sha256,md5"},
                             {"tlp_max", "green"},
                             {"max_age_days", "30"},
                             {"min_confidence", "60"},
                             {"include_warninglisted", "true"},
                             {"limit", "500"}});
  ASSERT_TRUE(q.has_value());
  const auto params = ExportQueryParams(*q);
  auto again = ParseExportQuery(ExportFormat::kSuricataDataset, params);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(ExportQueryParams(*again), params);
  EXPECT_EQ(params.at("type"), "sha256,md5");
  EXPECT_EQ(params.at("tlp_max"), "green");
  EXPECT_EQ(again->limit, 500u);
  EXPECT_TRUE(again->include_warninglisted);
}

}  // namespace
}  // namespace caduceus::intel
