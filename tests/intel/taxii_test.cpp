// The pure TAXII 2.1 layer: filters of section 3.4 as the store gets them, content negotiation,
// TAXII timestamps, envelopes turned into bundles the streaming reader accepts, and the JSON of
// every resource, including the OASIS reference server's sample collection.
#include "intel/taxii.h"

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <boost/json.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "intel/bundle.h"

namespace caduceus::intel::taxii {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using Query = std::vector<std::pair<std::string, std::string>>;

Result<ObjectFilter> Parse(const Query& query, const FilterSet& set = kObjectsFilters) {
  return ParseFilter(query, set);
}

// The parameter an invalid query is blamed on.
std::string FieldOf(const Query& query, const FilterSet& set = kObjectsFilters) {
  auto r = Parse(query, set);
  if (r) return "(accepted)";
  EXPECT_EQ(r.error().code, Errc::kInvalidArgument);
  return r.error().field;
}

TimePoint At(std::int64_t seconds, std::int64_t micros = 0) {
  return TimePoint(std::chrono::duration_cast<TimePoint::duration>(
      std::chrono::seconds(seconds) + std::chrono::microseconds(micros)));
}

// --- filters ---------------------------------------------------------------------------------

TEST(TaxiiFilter, WithoutParametersAskForTheLatestVersionOfEverythingInFullPages) {
  const auto f = Parse({});
  ASSERT_TRUE(f);
  EXPECT_EQ(f->limit, kDefaultPageSize);
  EXPECT_FALSE(f->added_after);
  EXPECT_TRUE(f->next.empty());
  EXPECT_TRUE(f->version_last);
  EXPECT_FALSE(f->version_first);
  EXPECT_FALSE(f->version_all);
  EXPECT_TRUE(f->ids.empty());
  EXPECT_TRUE(f->types.empty());
  EXPECT_TRUE(f->versions.empty());
  EXPECT_TRUE(f->spec_versions.empty());
}

TEST(TaxiiFilter, ReadsEveryParameterOfGetObjects) {
  const auto f = Parse({{"added_after", "2016-02-01T00:00:01.123456Z"},
                        {"limit", "25"},
                        {"next", "djEuMTIzLjQ1"},
                        {"match[id]", "indicator--3600ad1b-fff1-4c98-bcc9-4de3bc2e2ffb"},
                        {"match[type]", "indicator,sighting"},
                        {"match[version]", "first,2018-03-02T01:01:01.123Z"},
                        {"match[spec_version]", "2.0,2.1"}});
  ASSERT_TRUE(f) << f.error().message;
  EXPECT_EQ(f->added_after, At(1454284801, 123456));
  EXPECT_EQ(f->limit, 25u);
  EXPECT_EQ(f->next, "djEuMTIzLjQ1");
  EXPECT_THAT(f->ids, ElementsAre("indicator--3600ad1b-fff1-4c98-bcc9-4de3bc2e2ffb"));
  EXPECT_THAT(f->types, ElementsAre("indicator", "sighting"));
  EXPECT_TRUE(f->version_first);
  EXPECT_FALSE(f->version_last);
  EXPECT_FALSE(f->version_all);
  EXPECT_THAT(f->versions, ElementsAre("2018-03-02T01:01:01.123Z"));
  EXPECT_THAT(f->spec_versions, ElementsAre("2.0", "2.1"));
}

TEST(TaxiiFilter, LimitAboveTheServerMaximumIsLoweredNotRefused) {
  EXPECT_EQ(Parse({{"limit", "1000"}})->limit, kMaxPageSize);
  EXPECT_EQ(Parse({{"limit", "5000000"}})->limit, kMaxPageSize);
  EXPECT_EQ(Parse({{"limit", "9007199254740991"}})->limit, kMaxPageSize);
  EXPECT_EQ(Parse({{"limit", "1"}})->limit, 1u);
}

TEST(TaxiiFilter, LimitMustBeAPositiveInteger) {
  for (const char* bad :
       {"0", "-1", "", "1.5", "ten", "+3", " 3", "9007199254740992", "99999999999999999999999"}) {
    EXPECT_EQ(FieldOf({{"limit", bad}}), "limit") << bad;
  }
}

TEST(TaxiiFilter, AddedAfterIsATimestampInUtc) {
  EXPECT_EQ(Parse({{"added_after", "2016-02-01T00:00:01Z"}})->added_after, At(1454284801));
  for (const char* bad :
       {"2016-02-01", "2016-02-01T00:00:01", "2016-02-01T00:00:01+01:00", "2016-02-01t00:00:01z",
        "yesterday", "2016-02-30T00:00:00Z", "1000-01-01T00:00:00Z", "9999-01-01T00:00:00Z"}) {
    EXPECT_EQ(FieldOf({{"added_after", bad}}), "added_after") << bad;
  }
}

TEST(TaxiiFilter, EachParameterMayOccurOnlyOnce) {
  EXPECT_EQ(FieldOf({{"limit", "1"}, {"limit", "2"}}), "limit");
  EXPECT_EQ(
      FieldOf({{"added_after", "2016-02-01T00:00:01Z"}, {"added_after", "2017-02-01T00:00:01Z"}}),
      "added_after");
  EXPECT_EQ(FieldOf({{"match[type]", "indicator"}, {"match[type]", "malware"}}), "match[type]");
}

TEST(TaxiiFilter, MatchValuesAreCommaSeparatedWithoutEmptyOnes) {
  EXPECT_EQ(FieldOf({{"match[type]", "indicator,,malware"}}), "match[type]");
  EXPECT_EQ(FieldOf({{"match[type]", "indicator,"}}), "match[type]");
  EXPECT_EQ(FieldOf({{"match[type]", ""}}), "match[type]");
  EXPECT_EQ(FieldOf({{"match[type]", "indicator, malware"}}), "match[type]");
  std::string many = "indicator";
  for (std::size_t i = 0; i < kMaxMatchValues; ++i) many += ",malware";
  EXPECT_EQ(FieldOf({{"match[type]", many}}), "match[type]");
  EXPECT_THAT(Parse({{"match[type]", "malware,malware,indicator"}})->types,
              ElementsAre("malware", "indicator"));
}

TEST(TaxiiFilter, MatchIdTakesStixIdentifiersOnly) {
  EXPECT_EQ(FieldOf({{"match[id]", "indicator"}}), "match[id]");
  EXPECT_EQ(FieldOf({{"match[id]", "indicator--not-a-uuid"}}), "match[id]");
  EXPECT_EQ(FieldOf({{"match[id]", "' OR 1=1 --"}}), "match[id]");
  const auto f = Parse({{"match[id]",
                         "indicator--3600ad1b-fff1-4c98-bcc9-4de3bc2e2ffb,"
                         "sighting--4600ad1b-fff1-4c58-bcc9-4de3bc5e2ffd"}});
  ASSERT_TRUE(f);
  EXPECT_EQ(f->ids.size(), 2u);
}

TEST(TaxiiFilter, MatchTypeTakesStixTypeNames) {
  EXPECT_EQ(FieldOf({{"match[type]", "Indicator"}}), "match[type]");
  EXPECT_EQ(FieldOf({{"match[type]", "x"}}), "match[type]");
  EXPECT_THAT(Parse({{"match[type]", "x-acme-widget"}})->types, ElementsAre("x-acme-widget"));
}

TEST(TaxiiFilter, MatchVersionKeywordsAndTimestamps) {
  auto all = Parse({{"match[version]", "all"}});
  ASSERT_TRUE(all);
  EXPECT_TRUE(all->version_all);
  EXPECT_FALSE(all->version_last);
  auto both = Parse({{"match[version]", "last,first"}});
  ASSERT_TRUE(both);
  EXPECT_TRUE(both->version_first);
  EXPECT_TRUE(both->version_last);
  auto mixed = Parse({{"match[version]", "first,2018-03-02T01:01:01.123Z,last"}});
  ASSERT_TRUE(mixed);
  EXPECT_THAT(mixed->versions, ElementsAre("2018-03-02T01:01:01.123Z"));
  auto only_times =
      Parse({{"match[version]", "2016-03-23T01:01:01.000Z,2018-03-02T01:01:01.123Z"}});
  ASSERT_TRUE(only_times);
  EXPECT_FALSE(only_times->version_last);
  EXPECT_EQ(only_times->versions.size(), 2u);
}

TEST(TaxiiFilter, MatchVersionRefusesDuplicatesAllWithOthersAndNonsense) {
  EXPECT_EQ(FieldOf({{"match[version]", "all,last"}}), "match[version]");
  EXPECT_EQ(FieldOf({{"match[version]", "first,first"}}), "match[version]");
  EXPECT_EQ(FieldOf({{"match[version]", "2016-03-23T01:01:01.000Z,2016-03-23T01:01:01.000Z"}}),
            "match[version]");
  EXPECT_EQ(FieldOf({{"match[version]", "latest"}}), "match[version]");
  EXPECT_EQ(FieldOf({{"match[version]", "2016-03-23"}}), "match[version]");
}

TEST(TaxiiFilter, MatchSpecVersionTakesMajorDotMinor) {
  EXPECT_EQ(FieldOf({{"match[spec_version]", "2"}}), "match[spec_version]");
  EXPECT_EQ(FieldOf({{"match[spec_version]", "2.1.0"}}), "match[spec_version]");
  EXPECT_EQ(FieldOf({{"match[spec_version]", "v2.1"}}), "match[spec_version]");
  EXPECT_THAT(Parse({{"match[spec_version]", "2.1,2.1"}})->spec_versions, ElementsAre("2.1"));
}

TEST(TaxiiFilter, NextIsAnOpaqueBoundedCursor) {
  EXPECT_EQ(Parse({{"next", "abc_DEF-123="}})->next, "abc_DEF-123=");
  EXPECT_EQ(FieldOf({{"next", ""}}), "next");
  EXPECT_EQ(FieldOf({{"next", "a b"}}), "next");
  EXPECT_EQ(FieldOf({{"next", "../../etc"}}), "next");
  EXPECT_EQ(FieldOf({{"next", std::string(kMaxCursorLength + 1, 'a')}}), "next");
}

TEST(TaxiiFilter, UnknownParametersAndOtherEndpointsFieldsAreIgnored) {
  const auto f = Parse({{"match[type]", "Not A Type"},
                        {"match[id]", "bad"},
                        {"match[x_acme]", "1"},
                        {"foo", "bar"},
                        {"match[version]", "all"}},
                       kObjectFilters);
  ASSERT_TRUE(f) << f.error().message;
  EXPECT_TRUE(f->types.empty());
  EXPECT_TRUE(f->ids.empty());
  EXPECT_TRUE(f->version_all);

  const auto versions = Parse({{"match[version]", "junk"}, {"limit", "2"}}, kVersionsFilters);
  ASSERT_TRUE(versions);
  EXPECT_EQ(versions->limit, 2u);
  EXPECT_TRUE(versions->version_last);

  const auto del = Parse({{"limit", "junk"}, {"match[version]", "first"}}, kDeleteFilters);
  ASSERT_TRUE(del);
  EXPECT_TRUE(del->version_first);
}

// --- content negotiation ---------------------------------------------------------------------

TEST(TaxiiMediaType, AcceptsTheTaxiiMediaTypeWithOrWithoutVersion) {
  for (const char* ok :
       {"application/taxii+json;version=2.1", "application/taxii+json",
        "application/taxii+json; version=2.1", "Application/TAXII+JSON;Version=2.1",
        "application/taxii+json;version=\"2.1\"", "*/*", "application/*",
        "text/html, application/taxii+json;version=2.1;q=0.5",
        "application/taxii+json;version=2.0, application/taxii+json;version=2.1",
        "text/html,*/*;q=0.8"}) {
    EXPECT_TRUE(Acceptable(ok)) << ok;
  }
}

TEST(TaxiiMediaType, RefusesOtherTypesVersionsAndZeroQuality) {
  for (const char* bad : {"application/json", "application/taxii+json;version=2.0",
                          "application/taxii+json;version=20", "text/html",
                          "application/taxii+json;q=0", "application/taxii+json;q=0.000", "*/*;q=0",
                          "application/taxii+json;q=2", "application/taxii+json;q",
                          "application/stix+json;version=2.1", "", "application/taxii+jsonx"}) {
    EXPECT_FALSE(Acceptable(bad)) << bad;
  }
  EXPECT_FALSE(Acceptable(std::nullopt));
}

TEST(TaxiiMediaType, StixMediaTypeOnlyWhereTheEndpointListsIt) {
  EXPECT_TRUE(Acceptable("application/stix+json;version=2.1", true));
  EXPECT_TRUE(Acceptable("application/stix+json", true));
  EXPECT_FALSE(Acceptable("application/stix+json;version=2.0", true));
  EXPECT_FALSE(Acceptable("application/stix+json;version=2.1", false));
}

TEST(TaxiiMediaType, ContentTypeOfAPostIsTheTaxiiMediaType) {
  EXPECT_TRUE(IsTaxiiContentType("application/taxii+json;version=2.1"));
  EXPECT_TRUE(IsTaxiiContentType("application/taxii+json"));
  EXPECT_TRUE(IsTaxiiContentType("application/taxii+json; charset=utf-8; version=2.1"));
  EXPECT_FALSE(IsTaxiiContentType("application/taxii+json;version=2.0"));
  EXPECT_FALSE(IsTaxiiContentType("application/json"));
  EXPECT_FALSE(IsTaxiiContentType("application/stix+json;version=2.1"));
  EXPECT_FALSE(IsTaxiiContentType("*/*"));
  EXPECT_FALSE(IsTaxiiContentType(std::nullopt));
}

// --- timestamps ------------------------------------------------------------------------------

TEST(TaxiiTimestamp, AlwaysSixFractionalDigits) {
  EXPECT_EQ(FormatTimestamp(At(0)), "1970-01-01T00:00:00.000000Z");
  EXPECT_EQ(FormatTimestamp(At(1454284801, 123456)), "2016-02-01T00:00:01.123456Z");
  EXPECT_EQ(FormatTimestamp(At(-1, 999999)), "1969-12-31T23:59:59.999999Z");
  EXPECT_EQ(FormatTimestamp(At(951782400)), "2000-02-29T00:00:00.000000Z");
}

TEST(TaxiiTimestamp, ParsingTruncatesToTheMicrosecondAndRoundTrips) {
  EXPECT_EQ(ParseTimestamp("2016-02-01T00:00:01.1234569Z"), At(1454284801, 123456));
  EXPECT_EQ(ParseTimestamp("2016-02-01T00:00:01.1Z"), At(1454284801, 100000));
  for (const TimePoint t : {At(0), At(1454284801, 123456), At(-86400 * 365, 7)}) {
    EXPECT_EQ(ParseTimestamp(FormatTimestamp(t)), t);
  }
  EXPECT_TRUE(ParseTimestamp("1678-01-01T00:00:00Z"));
  EXPECT_TRUE(ParseTimestamp("2261-12-31T23:59:59.999999Z"));
  EXPECT_FALSE(ParseTimestamp("1677-12-31T23:59:59Z"));
  EXPECT_FALSE(ParseTimestamp("2262-01-01T00:00:00Z"));
}

// --- envelopes -------------------------------------------------------------------------------

constexpr std::string_view kBundleId = "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d";

std::string Indicator(std::string_view uuid, std::string_view modified) {
  return json::serialize(json::object{{"type", "indicator"},
                                      {"spec_version", "2.1"},
                                      {"id", "indicator--" + std::string(uuid)},
                                      {"created", "2016-11-03T12:30:59.000Z"},
                                      {"modified", modified},
                                      {"pattern", "[url:value = 'http://z4z10farb.cn/4712']"},
                                      {"pattern_type", "stix"},
                                      {"valid_from", "2017-01-27T13:49:53.935382Z"}});
}

struct ReadResult {
  std::vector<std::string> accepted;
  std::vector<RejectedObject> rejected;
  Result<BundleSummary> summary = Error::Invalid("not read");
};

ReadResult Read(std::string_view bundle) {
  ReadResult out;
  out.summary = ReadBundle(
      bundle, [&](std::size_t, StixObject&& o) { out.accepted.push_back(o.id); },
      [&](RejectedObject&& r) { out.rejected.push_back(std::move(r)); });
  return out;
}

TEST(TaxiiEnvelope, BecomesABundleTheStreamingReaderAccepts) {
  const std::string body =
      "  {\"more\": false, \"objects\": [" +
      Indicator("6770298f-0fd8-471a-ab8c-1c658a46574e", "2016-11-03T12:30:59.000Z") +
      ", {\"type\": \"indicator\"}], \"x_acme_note\": \"kept\"}\n";
  const auto bundle = EnvelopeToBundle(body, kBundleId);
  ASSERT_TRUE(bundle) << bundle.error().message;
  const auto read = Read(*bundle);
  ASSERT_TRUE(read.summary) << read.summary.error().message;
  EXPECT_TRUE(read.summary->is_bundle);
  EXPECT_EQ(read.summary->bundle_id, kBundleId);
  EXPECT_THAT(read.accepted, ElementsAre("indicator--6770298f-0fd8-471a-ab8c-1c658a46574e"));
  ASSERT_EQ(read.rejected.size(), 1u);
  EXPECT_EQ(read.rejected[0].index, 1u);
}

TEST(TaxiiEnvelope, ObjectsAreForwardedByteForByte) {
  const std::string object = R"({"type":"indicator","spec_version":"2.1","id":"indicator--)"
                             R"(6770298f-0fd8-471a-ab8c-1c658a46574e","x_a":1.50,"x_b":"\u00e9"})";
  const std::string body = R"({"objects":[)" + object + "]}";
  const auto bundle = EnvelopeToBundle(body, kBundleId);
  ASSERT_TRUE(bundle);
  EXPECT_THAT(*bundle, HasSubstr(object));
}

TEST(TaxiiEnvelope, SplicingAddsAtMostTheAdvertisedOverhead) {
  for (const std::string& body : {std::string("{}"), std::string(R"({"objects":[]})"),
                                  std::string(R"({"x_a":1,"objects":[{"type":"x"}]})")}) {
    const auto bundle = EnvelopeToBundle(body, kBundleId);
    ASSERT_TRUE(bundle) << body;
    EXPECT_LE(bundle->size(), body.size() + kEnvelopeOverhead) << body;
  }
  ApiRoot tiny;
  tiny.max_content_length = 10;
  EXPECT_EQ(MaxContentLength(tiny), 1u);
}

TEST(TaxiiEnvelope, WithoutObjectsIsAnEmptyBundle) {
  for (const char* body : {"{}", " { } ", R"({"more":false})"}) {
    const auto bundle = EnvelopeToBundle(body, kBundleId);
    ASSERT_TRUE(bundle) << body;
    const auto read = Read(*bundle);
    ASSERT_TRUE(read.summary) << body << " -> " << *bundle << ": " << read.summary.error().message;
    EXPECT_TRUE(read.summary->is_bundle) << body;
    EXPECT_TRUE(read.accepted.empty());
    EXPECT_TRUE(read.rejected.empty());
  }
}

TEST(TaxiiEnvelope, AStixBundleIsPassedOnUnchanged) {
  const std::string bundle =
      R"({"type":"bundle","id":"bundle--44af6c39-c09b-49c5-9de2-394224b04982","objects":[)" +
      Indicator("6770298f-0fd8-471a-ab8c-1c658a46574e", "2016-11-03T12:30:59.000Z") + "]}";
  const auto out = EnvelopeToBundle(bundle, kBundleId);
  ASSERT_TRUE(out);
  EXPECT_EQ(*out, bundle);
}

TEST(TaxiiEnvelope, UnprocessableBodiesAreRefused) {
  std::string deep(70, '[');
  deep += std::string(70, ']');
  for (const std::string& body :
       {std::string(), std::string("not json"), std::string("[]"), std::string("\"objects\""),
        std::string(R"({"objects": {}})"), std::string(R"({"objects": "x"})"),
        std::string(R"({"objects": [], "objects": []})"), std::string(R"({"type": "envelope"})"),
        std::string(R"({"type": 7, "objects": []})"), std::string(R"({"objects": []} {})"),
        std::string(R"({"objects": [)"), "{\"objects\": " + deep + "}"}) {
    const auto out = EnvelopeToBundle(body, kBundleId);
    ASSERT_FALSE(out) << body;
    EXPECT_EQ(out.error().code, Errc::kInvalidArgument) << body;
  }
}

// --- resources -------------------------------------------------------------------------------

json::object Parsed(const std::string& text) { return json::parse(text).as_object(); }

StoredObject Stored(std::string id, std::string version, TimePoint added, std::string body) {
  StoredObject o;
  o.id = std::move(id);
  o.type = "indicator";
  o.spec_version = "2.1";
  o.version = std::move(version);
  o.date_added = added;
  o.json = std::move(body);
  return o;
}

TEST(TaxiiResource, DiscoveryDefaultMustBeOneOfTheListedRoots) {
  Discovery d{"Caduceus", "EU sharing hub", "", "/taxii2/eu/", {"/taxii2/eu/", "/taxii2/be/"}};
  auto o = Parsed(RenderDiscovery(d));
  EXPECT_EQ(o.at("title"), "Caduceus");
  EXPECT_EQ(o.at("default"), "/taxii2/eu/");
  EXPECT_EQ(o.at("api_roots").as_array().size(), 2u);
  EXPECT_FALSE(o.contains("contact"));

  d.api_roots = {"/taxii2/be/"};
  o = Parsed(RenderDiscovery(d));
  EXPECT_FALSE(o.contains("default"));
  d.api_roots.clear();
  o = Parsed(RenderDiscovery(d));
  EXPECT_FALSE(o.contains("api_roots"));
  EXPECT_FALSE(o.contains("default"));
}

TEST(TaxiiResource, ApiRootCarriesVersionsAndMaxContentLength) {
  ApiRoot root;
  root.slug = "eu";
  root.title = "EU";
  root.max_content_length = 16 * 1024 * 1024;
  const auto o = Parsed(RenderApiRoot(root));
  EXPECT_EQ(o.at("title"), "EU");
  EXPECT_FALSE(o.contains("description"));
  EXPECT_EQ(o.at("versions"), json::array{"application/taxii+json;version=2.1"});
  EXPECT_EQ(o.at("max_content_length").to_number<std::size_t>(),
            16 * 1024 * 1024 - kEnvelopeOverhead);
}

TEST(TaxiiResource, CollectionsAreAnEmptyObjectWhenThereAreNone) {
  EXPECT_EQ(RenderCollections({}), "{}");
  CollectionInfo c;
  c.uuid = "91a7b528-80eb-42ed-a74d-c6fbd5a26116";
  c.title = "High Value Indicator Collection";
  c.alias = "indicators";
  c.can_read = true;
  const std::vector<CollectionInfo> list{c};
  const auto o = Parsed(RenderCollections(list));
  const auto& item = o.at("collections").as_array().at(0).as_object();
  EXPECT_EQ(item.at("id").as_string(), c.uuid);
  EXPECT_EQ(item.at("alias"), "indicators");
  EXPECT_EQ(item.at("can_read"), true);
  EXPECT_EQ(item.at("can_write"), false);
  EXPECT_FALSE(item.contains("description"));
  EXPECT_EQ(item.at("media_types"), json::array{"application/stix+json;version=2.1"});
  EXPECT_EQ(Parsed(RenderCollection(c)), item);
}

TEST(TaxiiResource, EnvelopeSplicesStoredObjectsInPageOrder) {
  ObjectPage page;
  page.objects.push_back(Stored("indicator--a", "v1", At(10), R"({"id":"first","n":1})"));
  page.objects.push_back(Stored("indicator--b", "v2", At(11), R"({"id":"second"})"));
  page.more = true;
  page.next = "abc";
  const auto o = Parsed(RenderEnvelope(page));
  EXPECT_EQ(o.at("more"), true);
  EXPECT_EQ(o.at("next"), "abc");
  ASSERT_EQ(o.at("objects").as_array().size(), 2u);
  EXPECT_EQ(o.at("objects").as_array()[0].at("id"), "first");
  EXPECT_EQ(o.at("objects").as_array()[1].at("id"), "second");

  page.more = false;
  const auto last = Parsed(RenderEnvelope(page));
  EXPECT_EQ(last.at("more"), false);
  EXPECT_FALSE(last.contains("next"));
}

TEST(TaxiiResource, EmptyPagesAreEmptyObjectsUnlessMoreIsTrue) {
  ObjectPage page;
  EXPECT_EQ(RenderEnvelope(page), "{}");
  EXPECT_EQ(RenderManifest(page), "{}");
  EXPECT_EQ(RenderVersions(page), "{}");
  page.more = true;
  page.next = "n";
  EXPECT_EQ(Parsed(RenderEnvelope(page)), (json::object{{"more", true}, {"next", "n"}}));
}

TEST(TaxiiResource, ManifestRecordsDescribeEachVersion) {
  ObjectPage page;
  page.objects.push_back(Stored("indicator--a", "2016-11-03T12:30:59.000Z", At(1, 5), "{}"));
  page.objects.back().spec_version = "2.0";
  const auto o = Parsed(RenderManifest(page));
  const auto& record = o.at("objects").as_array().at(0).as_object();
  EXPECT_EQ(record.at("id"), "indicator--a");
  EXPECT_EQ(record.at("date_added"), "1970-01-01T00:00:01.000005Z");
  EXPECT_EQ(record.at("version"), "2016-11-03T12:30:59.000Z");
  EXPECT_EQ(record.at("media_type"), "application/stix+json;version=2.0");
  EXPECT_EQ(o.at("more"), false);
}

TEST(TaxiiResource, VersionsListsTheVersionStrings) {
  ObjectPage page;
  page.objects.push_back(Stored("indicator--a", "2016-11-03T12:30:59.000Z", At(1), "{}"));
  page.objects.push_back(Stored("indicator--a", "2016-12-25T12:30:59.444Z", At(2), "{}"));
  const auto o = Parsed(RenderVersions(page));
  EXPECT_EQ(o.at("versions"),
            (json::array{"2016-11-03T12:30:59.000Z", "2016-12-25T12:30:59.444Z"}));
}

TEST(TaxiiResource, StatusCountsAndDetails) {
  StatusResource s;
  s.id = "2d086da7-4bdc-4f91-900e-d77486753710";
  s.status = "complete";
  s.request_timestamp = At(1478089474, 123450);
  s.total = 3;
  s.success_count = 2;
  s.failure_count = 1;
  s.successes = {{"indicator--a", "2018-05-27T12:02:41.312Z", true},
                 {"malware--b", "2018-05-27T12:02:41.312Z", false}};
  s.failures = {{2, "", Error::Invalid("is required", "/spec_version")}};
  const auto o = Parsed(RenderStatus(s));
  EXPECT_EQ(o.at("id").as_string(), s.id);
  EXPECT_EQ(o.at("status"), "complete");
  EXPECT_EQ(o.at("request_timestamp"), "2016-11-02T12:24:34.123450Z");
  EXPECT_EQ(o.at("total_count").to_number<int>(), 3);
  EXPECT_EQ(o.at("success_count").to_number<int>(), 2);
  EXPECT_EQ(o.at("failure_count").to_number<int>(), 1);
  EXPECT_EQ(o.at("pending_count").to_number<int>(), 0);
  const auto& successes = o.at("successes").as_array();
  EXPECT_FALSE(successes[0].as_object().contains("message"));
  EXPECT_EQ(successes[1].at("message"), "already present");
  const auto& failure = o.at("failures").as_array().at(0).as_object();
  EXPECT_EQ(failure.at("id"), "objects/2");
  EXPECT_EQ(failure.at("version"), "");
  EXPECT_EQ(failure.at("message"), "/spec_version: is required");
  EXPECT_FALSE(o.contains("pendings"));
}

TEST(TaxiiResource, ErrorMessageHttpStatusIsAString) {
  const auto o =
      Parsed(RenderError({404, "Not found", "no such collection", "req-1", "not-found", ""}));
  EXPECT_EQ(o.at("title"), "Not found");
  EXPECT_EQ(o.at("description"), "no such collection");
  EXPECT_EQ(o.at("error_id"), "req-1");
  EXPECT_EQ(o.at("error_code"), "not-found");
  EXPECT_EQ(o.at("http_status"), "404");
  EXPECT_FALSE(o.contains("details"));
  const auto with_field = Parsed(RenderError({400, "Invalid input", "bad", "", "", "limit"}));
  EXPECT_EQ(with_field.at("details"), (json::object{{"field", "limit"}}));
  EXPECT_FALSE(with_field.contains("error_id"));
}

TEST(TaxiiResource, DateAddedHeadersBracketThePage) {
  ObjectPage page;
  EXPECT_TRUE(DateAddedHeaders(page).empty());
  page.objects.push_back(Stored("a", "v", At(1, 1), "{}"));
  page.objects.push_back(Stored("b", "v", At(2, 2), "{}"));
  EXPECT_THAT(DateAddedHeaders(page),
              ElementsAre(std::pair<std::string, std::string>{"X-TAXII-Date-Added-First",
                                                              "1970-01-01T00:00:01.000001Z"},
                          std::pair<std::string, std::string>{"X-TAXII-Date-Added-Last",
                                                              "1970-01-01T00:00:02.000002Z"}));
  page.first_added = At(0);
  EXPECT_EQ(DateAddedHeaders(page)[0].second, "1970-01-01T00:00:00.000000Z");
}

// --- the OASIS reference server's sample collection ------------------------------------------

fs::path MedallionData() {
  const char* shared = std::getenv("CADUCEUS_SHARED_DIR");
  if (shared != nullptr && *shared != '\0') {
    return fs::path(shared) / "data" / "taxii" / "cti-taxii-server" / "default_data.json";
  }
  const char* source = std::getenv("CADUCEUS_SOURCE_DIR");
  return fs::path(source != nullptr ? source : ".") / ".." / "shared" / "data" / "taxii" /
         "cti-taxii-server" / "default_data.json";
}

TEST(TaxiiSharedData, ReferenceServerObjectsPostedAsAnEnvelope) {
  const fs::path path = MedallionData();
  if (!fs::exists(path)) GTEST_SKIP() << "no shared TAXII data at " << path;
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  const auto data = json::parse(text.str()).as_object();
  const auto& collection = data.at("trustgroup1").at("collections").as_array().at(2).as_object();
  ASSERT_EQ(collection.at("id"), "91a7b528-80eb-42ed-a74d-c6fbd5a26116");
  const auto& objects = collection.at("objects").as_array();
  const std::string body = json::serialize(json::object{{"objects", objects}});

  const auto bundle = EnvelopeToBundle(body, kBundleId);
  ASSERT_TRUE(bundle) << bundle.error().message;
  const auto read = Read(*bundle);
  ASSERT_TRUE(read.summary) << read.summary.error().message;
  EXPECT_EQ(read.accepted.size() + read.rejected.size(), objects.size());
  // Every STIX 2.1 object of the sample is accepted; the one STIX 2.0 malware (no spec_version)
  // is refused on its own.
  ASSERT_EQ(read.rejected.size(), 1u);
  EXPECT_EQ(read.rejected[0].id, "malware--c0931cc6-c75e-47e5-9036-78fabc95d4ec");
  EXPECT_EQ(read.rejected[0].error.field, "/spec_version");
}

}  // namespace
}  // namespace caduceus::intel::taxii
