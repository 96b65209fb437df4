// The correlation index on both backends, fed by the real intel store: the same value across
// objects and organisations, values written two ways, subdomains and parent domains, addresses
// inside networks (IPv4 and IPv6) and URLs on them, the per-value cap, the object's own
// correlations, deletion, and the TLP rule that no count, related object or cap may depend on an
// object the reader may not see.
#include "intel/correlation.h"

#include <algorithm>
#include <string>
#include <vector>

#include <boost/json.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "intel/analysis.h"
#include "intel_store_fixture.h"

namespace caduceus::intel::testing {
namespace {

namespace json = boost::json;
using ::testing::ElementsAre;
using K = ObservableKind;

std::string Id(int n) { return "indicator--" + NumberedUuid(n); }

// "#7" for the indicator of NumberedUuid(7): readable in failures.
std::string Short(const std::string& stix_id) {
  return "#" + std::to_string(std::stoll(stix_id.substr(stix_id.rfind('-') + 1)));
}

std::string RelationName(Relation r) {
  switch (r) {
    case Relation::kSame:
      return "same";
    case Relation::kParent:
      return "parent";
    case Relation::kChild:
      return "child";
  }
  return "?";
}

// "#3 parent evil.example" per related object, in order.
std::vector<std::string> Related(const ValueCorrelation& c) {
  std::vector<std::string> out;
  for (const auto& r : c.related) {
    out.push_back(Short(r.stix_id) + " " + RelationName(r.relation) + " " + r.matched.value);
  }
  return out;
}

std::vector<std::string> SortedRelated(const ValueCorrelation& c) {
  auto out = Related(c);
  std::sort(out.begin(), out.end());
  return out;
}

json::object WithPattern(int n,
                         const std::string& pattern,
                         std::optional<TlpLevel> tlp = std::nullopt,
                         const std::string& modified = "2026-01-01T00:00:00.000Z") {
  auto o = Indicator(NumberedUuid(n), "unused.example", modified, tlp);
  o["pattern"] = pattern;
  o["name"] = "indicator " + std::to_string(n);
  return o;
}

json::object ForDomain(int n, const std::string& domain, std::optional<TlpLevel> tlp = {}) {
  return WithPattern(n, "[domain-name:value = '" + domain + "']", tlp);
}

class CorrelationTest : public IntelStoreTest {
 protected:
  void SetUp() override {
    IntelStoreTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    analysis_ = std::make_unique<IntelAnalysis>(*db_, clock_, *svc_);
    eu_ = Collection("eu", "indicators");
  }

  ValueCorrelation One(const Principal& who,
                       K kind,
                       std::string_view raw,
                       std::size_t max_related = 20,
                       IntelAnalysis* analysis = nullptr) {
    auto value = Normalise(kind, raw);
    if (!value) throw std::invalid_argument(std::string(raw));
    const std::vector<Observable> values{*value};
    auto report = (analysis ? analysis : analysis_.get())
                      ->CorrelateValues(Actor::Of(who), values, max_related);
    if (!report) throw std::runtime_error(report.error().message);
    if (report->values.size() != 1) throw std::runtime_error("one value in, one out");
    for (const auto& r : report->values[0].related) {
      if (!report->collections.contains(r.collection_id)) {
        throw std::runtime_error("a related object's collection has no label");
      }
    }
    return report->values[0];
  }

  std::unique_ptr<IntelAnalysis> analysis_;
  CollectionInfo eu_;
};

TEST_P(CorrelationTest, TheSameValueIsCountedOncePerObjectAcrossOrganisations) {
  SubmitAs(As(charite_), eu_, {ForDomain(1, "evil.example")});
  SubmitAs(As(aphp_), eu_, {ForDomain(2, "evil.example"), ForDomain(3, "other.example")});
  // A second version of #1 is the same object.
  clock_.Advance(std::chrono::seconds(1));
  auto v2 = ForDomain(1, "evil.example");
  v2["modified"] = "2026-02-01T00:00:00.000Z";
  SubmitAs(As(charite_), eu_, {v2});

  const auto c = One(As(labor_), K::kDomain, "evil.example");
  EXPECT_EQ(c.value, (Observable{K::kDomain, "evil.example"}));
  EXPECT_EQ(c.objects, 2);
  EXPECT_EQ(c.organisations, 2);
  EXPECT_FALSE(c.capped);
  // Newest first: #1's second version was stored last.
  EXPECT_THAT(Related(c), ElementsAre("#1 same evil.example", "#2 same evil.example"));
  EXPECT_EQ(c.related[0].collection_id, eu_.id);
  EXPECT_EQ(c.related[0].type, "indicator");
  EXPECT_EQ(c.related[0].name, "indicator 1");

  const auto none = One(As(labor_), K::kDomain, "unknown.example");
  EXPECT_EQ(none.objects, 0);
  EXPECT_TRUE(none.related.empty());
}

TEST_P(CorrelationTest, ValuesWrittenTwoWaysAreOneValue) {
  SubmitAs(As(charite_), eu_,
           {WithPattern(1, "[domain-name:value = 'Bücher.Example.']"),
            WithPattern(2, "[ipv6-addr:value = '2001:0DB8:0:0::0001']"),
            WithPattern(3, "[file:hashes.md5 = '001DD76872D80801692FF942308C64E6']"),
            WithPattern(4, "[url:value = 'HTTP://Evil.Example:80/a']")});
  EXPECT_EQ(One(As(aphp_), K::kDomain, "xn--bcher-kva.example").objects, 1);
  EXPECT_EQ(One(As(aphp_), K::kIpv6, "2001:db8::1").objects, 1);
  EXPECT_EQ(One(As(aphp_), K::kMd5, "001dd76872d80801692ff942308c64e6").objects, 1);
  EXPECT_EQ(One(As(aphp_), K::kUrl, "http://evil.example/a").objects, 1);
}

TEST_P(CorrelationTest, SubdomainsParentDomainsAndUrlsOnThemAreRelated) {
  SubmitAs(As(charite_), eu_,
           {ForDomain(1, "evil.example"), ForDomain(2, "a.evil.example"),
            ForDomain(3, "x.a.evil.example"), ForDomain(4, "notevil.example"),
            ForDomain(5, "evil.example.org"),
            WithPattern(6, "[url:value = 'https://a.evil.example/login']"),
            WithPattern(7, "[email-addr:value = 'ceo@evil.example']")});
  EXPECT_THAT(Related(One(As(aphp_), K::kDomain, "a.evil.example")),
              ElementsAre("#2 same a.evil.example", "#1 parent evil.example",
                          "#6 child https://a.evil.example/login", "#3 child x.a.evil.example"));
  const auto parent = One(As(aphp_), K::kDomain, "evil.example");
  EXPECT_EQ(parent.objects, 1);
  EXPECT_THAT(
      SortedRelated(parent),
      ElementsAre("#1 same evil.example", "#2 child a.evil.example", "#3 child x.a.evil.example",
                  "#6 child https://a.evil.example/login", "#7 child ceo@evil.example"));
  // A URL's host and its parents are its parents.
  EXPECT_THAT(Related(One(As(aphp_), K::kUrl, "https://x.a.evil.example/other")),
              ElementsAre("#3 parent x.a.evil.example", "#2 parent a.evil.example",
                          "#1 parent evil.example"));
  EXPECT_THAT(Related(One(As(aphp_), K::kEmail, "cfo@a.evil.example")),
              ElementsAre("#2 parent a.evil.example", "#1 parent evil.example"));
  // Label boundaries: notevil.example and evil.example.org are no relatives.
  EXPECT_THAT(Related(One(As(aphp_), K::kDomain, "notevil.example")),
              ElementsAre("#4 same notevil.example"));
}

TEST_P(CorrelationTest, AddressesInsideNetworksAndUrlsOnThemAreRelated) {
  SubmitAs(As(charite_), eu_,
           {WithPattern(1, "[ipv4-addr:value = '198.51.0.0/16']"),
            WithPattern(2, "[ipv4-addr:value = '198.51.100.0/24']"),
            WithPattern(3, "[ipv4-addr:value = '198.51.100.7']"),
            WithPattern(4, "[url:value = 'http://198.51.100.7:8080/gate.php']"),
            WithPattern(5, "[ipv4-addr:value = '198.51.101.1']"),
            WithPattern(6, "[network-traffic:dst_ref.value = '198.51.100.9']")});
  EXPECT_THAT(Related(One(As(aphp_), K::kIpv4, "198.51.100.7")),
              ElementsAre("#3 same 198.51.100.7", "#2 parent 198.51.100.0/24",
                          "#1 parent 198.51.0.0/16", "#4 child http://198.51.100.7:8080/gate.php"));
  EXPECT_THAT(
      SortedRelated(One(As(aphp_), K::kIpv4, "198.51.100.0/24")),
      ElementsAre("#1 parent 198.51.0.0/16", "#2 same 198.51.100.0/24", "#3 child 198.51.100.7",
                  "#4 child http://198.51.100.7:8080/gate.php", "#6 child 198.51.100.9"));
  // An address that is in no indexed network relates to the /16 only.
  EXPECT_THAT(Related(One(As(aphp_), K::kIpv4, "198.51.99.1")),
              ElementsAre("#1 parent 198.51.0.0/16"));
  EXPECT_TRUE(One(As(aphp_), K::kIpv4, "203.0.113.1").related.empty());
}

TEST_P(CorrelationTest, Ipv6AddressesInsidePrefixesAreRelated) {
  SubmitAs(As(charite_), eu_,
           {WithPattern(1, "[ipv6-addr:value = '2001:db8::/32']"),
            WithPattern(2, "[ipv6-addr:value = '2001:db8:1::1']"),
            WithPattern(3, "[url:value = 'http://[2001:db8:1::2]/x']"),
            WithPattern(4, "[ipv6-addr:value = '2001:db9::1']")});
  EXPECT_THAT(Related(One(As(aphp_), K::kIpv6, "2001:db8:1::/48")),
              ElementsAre("#1 parent 2001:db8::/32", "#3 child http://[2001:db8:1::2]/x",
                          "#2 child 2001:db8:1::1"));
  EXPECT_THAT(Related(One(As(aphp_), K::kUrl, "http://[2001:db8:1::1]/y")),
              ElementsAre("#2 parent 2001:db8:1::1", "#1 parent 2001:db8::/32"));
}

TEST_P(CorrelationTest, InvisibleObjectsAreNeverCountedNorListed) {
  // AMBER by Charité: its authority sees it, its sibling Labor Berlin does not.
  SubmitAs(As(charite_), eu_,
           {ForDomain(1, "evil.example", TlpLevel::kAmber),
            ForDomain(2, "sub.evil.example", TlpLevel::kAmber),
            WithPattern(3, "[ipv4-addr:value = '192.0.2.0/24']", TlpLevel::kAmberStrict)});
  // RED named to AP-HP only.
  SubmitOptions red;
  red.tlp = TlpLevel::kRed;
  red.recipients = {aphp_};
  SubmitAs(As(charite_), eu_, {ForDomain(4, "evil.example")}, red);

  for (const Principal* reader : {&As(labor_), &As(fr_), &As(sc_, Role::kAdmin)}) {
    const auto c = One(*reader, K::kDomain, "evil.example");
    EXPECT_EQ(c.objects, 0) << reader->organisation_id;
    EXPECT_EQ(c.organisations, 0);
    EXPECT_FALSE(c.capped);
    EXPECT_TRUE(c.related.empty());
    EXPECT_TRUE(One(*reader, K::kDomain, "x.sub.evil.example").related.empty());
    EXPECT_TRUE(One(*reader, K::kIpv4, "192.0.2.7").related.empty());
  }
  EXPECT_THAT(Related(One(As(de_), K::kDomain, "evil.example")),
              ElementsAre("#1 same evil.example", "#2 child sub.evil.example"));
  EXPECT_THAT(Related(One(As(aphp_), K::kDomain, "evil.example")),
              ElementsAre("#4 same evil.example"));
  EXPECT_THAT(Related(One(As(charite_, Role::kViewer), K::kIpv4, "192.0.2.7")),
              ElementsAre("#3 parent 192.0.2.0/24"));
  EXPECT_TRUE(One(As(de_), K::kIpv4, "192.0.2.7").related.empty());

  // The correlations of an invisible object answer as for one that does not exist.
  auto hidden = analysis_->CorrelationsOf(Actor::Of(As(labor_)), Id(1), 20);
  auto missing = analysis_->CorrelationsOf(Actor::Of(As(labor_)), Id(99), 20);
  ASSERT_TRUE(FailsWith(hidden, Errc::kNotFound));
  ASSERT_TRUE(FailsWith(missing, Errc::kNotFound));
  EXPECT_EQ(hidden.error().message, missing.error().message);
}

TEST_P(CorrelationTest, TheCapCountsOnlyWhatTheReaderMaySee) {
  IntelAnalysis small(*db_, clock_, *svc_, CorrelationLimits{2});
  SubmitAs(As(labor_), eu_, {ForDomain(1, "common.example"), ForDomain(2, "rare.example")});
  // Newer, invisible to Labor Berlin: they must not push its own object out of the answer.
  std::vector<json::object> hidden;
  for (int n = 10; n < 15; ++n) hidden.push_back(ForDomain(n, "rare.example", TlpLevel::kAmber));
  SubmitAs(As(charite_), eu_, hidden);
  const auto rare = One(As(labor_), K::kDomain, "rare.example", 20, &small);
  EXPECT_FALSE(rare.capped);
  EXPECT_EQ(rare.objects, 1);
  EXPECT_THAT(Related(rare), ElementsAre("#2 same rare.example"));

  // Visible to all: more than the cap, so capped and counted over the newest two.
  SubmitAs(As(aphp_), eu_, {ForDomain(3, "common.example")});
  SubmitAs(As(charite_), eu_, {ForDomain(4, "common.example")});
  const auto common = One(As(labor_), K::kDomain, "common.example", 20, &small);
  EXPECT_TRUE(common.capped);
  EXPECT_EQ(common.objects, 2);
  EXPECT_EQ(common.organisations, 2);
  // The authority sees the AMBER ones too: rare.example is common for it.
  EXPECT_TRUE(One(As(de_), K::kDomain, "rare.example", 20, &small).capped);
  EXPECT_FALSE(One(As(de_), K::kDomain, "rare.example").capped);
  EXPECT_EQ(One(As(de_), K::kDomain, "rare.example").objects, 6);
}

TEST_P(CorrelationTest, MaxRelatedBoundsTheListAndZeroGivesCountsOnly) {
  std::vector<json::object> objects;
  for (int n = 1; n <= 6; ++n) objects.push_back(ForDomain(n, "evil.example"));
  SubmitAs(As(charite_), eu_, objects);
  const auto three = One(As(aphp_), K::kDomain, "evil.example", 3);
  EXPECT_EQ(three.objects, 6);
  EXPECT_EQ(three.related.size(), 3u);
  const auto counts = One(As(aphp_), K::kDomain, "evil.example", 0);
  EXPECT_EQ(counts.objects, 6);
  EXPECT_TRUE(counts.related.empty());

  const std::vector<Observable> one{{K::kDomain, "evil.example"}};
  EXPECT_TRUE(FailsWith(
      analysis_->CorrelateValues(Actor::Of(As(aphp_)), one, IntelAnalysis::kMaxRelated + 1),
      Errc::kInvalidArgument));
  const std::vector<Observable> many(IntelAnalysis::kMaxValues + 1, one[0]);
  EXPECT_TRUE(
      FailsWith(analysis_->CorrelateValues(Actor::Of(As(aphp_)), many, 1), Errc::kInvalidArgument));
}

TEST_P(CorrelationTest, ManyValuesAreAnsweredInTheirOrder) {
  std::vector<json::object> objects;
  std::vector<Observable> values;
  for (int n = 0; n < 150; ++n) {
    const std::string domain = fmt::format("d{}.example", n);
    if (n % 3 == 0) objects.push_back(ForDomain(n, domain));
    values.push_back({K::kDomain, domain});
  }
  SubmitAs(As(charite_), eu_, objects);
  auto report = analysis_->CorrelateValues(Actor::Of(As(aphp_)), values, 5);
  ASSERT_TRUE(Succeeds(report));
  ASSERT_EQ(report->values.size(), values.size());
  for (std::size_t i = 0; i < values.size(); ++i) {
    EXPECT_EQ(report->values[i].value, values[i]);
    EXPECT_EQ(report->values[i].objects, i % 3 == 0 ? 1 : 0) << i;
  }
  EXPECT_EQ(report->collections.at(eu_.id).uuid, eu_.uuid);
  EXPECT_EQ(report->collections.at(eu_.id).title, eu_.title);
}

TEST_P(CorrelationTest, ValuesWithQuotesBackslashesAndBracesAreFound) {
  SubmitAs(As(charite_), eu_,
           {WithPattern(1, R"([mutex:name = 'a"b\\c,{d} e'])"),
            WithPattern(2, R"([file:name = 'it\'s "x".exe'])")});
  EXPECT_EQ(One(As(aphp_), K::kMutex, R"(a"b\c,{d} e)").objects, 1);
  EXPECT_EQ(One(As(aphp_), K::kFileName, R"(it's "x".exe)").objects, 1);
  EXPECT_EQ(One(As(aphp_), K::kMutex, R"(a"b\c)").objects, 0);
}

TEST_P(CorrelationTest, AnObjectsCorrelationsLeaveItOut) {
  SubmitAs(As(charite_), eu_,
           {WithPattern(1, "[domain-name:value = 'evil.example' OR ipv4-addr:value = '10.9.8.7']"),
            ForDomain(2, "evil.example"), ForDomain(3, "www.evil.example")});
  auto report = analysis_->CorrelationsOf(Actor::Of(As(aphp_)), Id(1), 20);
  ASSERT_TRUE(Succeeds(report));
  ASSERT_EQ(report->values.size(), 2u);
  EXPECT_EQ(report->values[0].value, (Observable{K::kDomain, "evil.example"}));
  EXPECT_EQ(report->values[0].objects, 1);
  EXPECT_THAT(Related(report->values[0]),
              ElementsAre("#2 same evil.example", "#3 child www.evil.example"));
  EXPECT_EQ(report->values[1].value, (Observable{K::kIpv4, "10.9.8.7"}));
  EXPECT_EQ(report->values[1].objects, 0);
}

TEST_P(CorrelationTest, DeletedObjectsAreForgotten) {
  SubmitAs(As(charite_), eu_, {ForDomain(1, "evil.example"), ForDomain(2, "evil.example")});
  auto deleted = svc_->Delete(Actor::Of(As(charite_)), "eu", eu_.uuid, Id(1), {});
  ASSERT_TRUE(Succeeds(deleted));
  EXPECT_THAT(Related(One(As(aphp_), K::kDomain, "evil.example")),
              ElementsAre("#2 same evil.example"));
}

TEST_P(CorrelationTest, IndexingIsIdempotentAndLongValuesAreIndexed) {
  const std::string url = "https://evil.example/" + std::string(5000, 'a');
  SubmitAs(As(charite_), eu_, {WithPattern(1, "[url:value = '" + url + "']")});
  const auto seq = db_->QueryOne("SELECT seq FROM intel_objects WHERE stix_id = ?", {Id(1)});
  ASSERT_TRUE(seq.has_value());
  const std::vector<Observable> values{{K::kUrl, url}, {K::kUrl, url + "b"}};
  CorrelationIndex index;
  db_->Transact([&](storage::Tx& tx) {
    index.Index(tx, seq->Int(0), values);
    index.Index(tx, seq->Int(0), values);
  });
  EXPECT_EQ(
      db_->QueryOne("SELECT COUNT(*) FROM intel_corr_refs WHERE object_seq = ?", {seq->Int(0)})
          ->Int(0),
      2);
  const auto long_value = One(As(aphp_), K::kUrl, url);
  EXPECT_EQ(long_value.objects, 1);
  EXPECT_EQ(long_value.related.at(0).matched.value, url);
  EXPECT_EQ(One(As(aphp_), K::kUrl, url + "b").objects, 1);
  EXPECT_EQ(One(As(aphp_), K::kUrl, url + "c").objects, 0);
  EXPECT_THAT(Related(One(As(aphp_), K::kDomain, "evil.example")), ElementsAre("#1 child " + url));
}

INSTANTIATE_TEST_SUITE_P(Backends,
                         CorrelationTest,
                         ::testing::ValuesIn(caduceus::testing::AllBackends()));

}  // namespace
}  // namespace caduceus::intel::testing
