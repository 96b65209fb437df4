// The indicator set and its index: what STIX patterns and plain lists become, the matching
// semantics of every kind (subdomains, punycode, CIDR longest prefix first, IPv4-mapped, URL
// normalisation and prefixes, hash case, e-mail, file names), compound AND/OR entries, skipped
// indicators, and the file form (save, map, reject corrupt files).
#include "sweep/index.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "intel/warninglist.h"
#include "sweep/indicators.h"
#include "sweep/line_filter.h"

namespace caduceus::sweep {
namespace {

namespace fs = std::filesystem;
using intel::ObservableKind;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

TimePoint Now() { return TimePoint(std::chrono::seconds(1'750'000'000)); }  // 2025-06-15

std::string Indicator(std::string_view uuid_tail,
                      std::string_view pattern,
                      std::string_view extra = "") {
  return fmt::format(
      R"({{"type":"indicator","spec_version":"2.1","id":"indicator--00000000-0000-4000-8000-{}",)"
      R"("created":"2024-01-01T00:00:00Z","modified":"2024-01-01T00:00:00Z",)"
      R"("pattern":"{}","pattern_type":"stix","valid_from":"2024-01-01T00:00:00Z"{}}})",
      uuid_tail, pattern, extra);
}

// The network of `prefix` bits around an IPv4 address, as text ("203.0.112.0").
std::string Network(std::string_view address, int prefix) {
  unsigned a = 0, b = 0, c = 0, d = 0;
  std::sscanf(std::string(address).c_str(), "%u.%u.%u.%u", &a, &b, &c, &d);
  const std::uint32_t value = (a << 24) | (b << 16) | (c << 8) | d;
  const std::uint32_t masked = prefix == 0 ? 0 : value & ~((std::uint32_t{1} << (32 - prefix)) - 1);
  return fmt::format("{}.{}.{}.{}", masked >> 24, (masked >> 16) & 255, (masked >> 8) & 255,
                     masked & 255);
}

Index BuildList(std::string_view list) {
  IndicatorSetBuilder builder({Now()});
  builder.AddList(list, "list");
  return Index::Build(builder.Finish()).value();
}

// The ids of the indicators a value matches, in the order the index gives them.
std::vector<std::string> Ids(const Index& index, ObservableKind kind, std::string_view value) {
  std::vector<Hit> hits;
  index.Match(kind, value, hits);
  std::vector<std::string> out;
  for (const Hit& h : hits) out.emplace_back(index.indicator(h.indicator).id);
  return out;
}

TEST(IndexDomain, MatchesItselfAndSubdomainsCaseInsensitiveWithTrailingDot) {
  const Index index = BuildList("evil.example\n");
  EXPECT_THAT(Ids(index, ObservableKind::kDomain, "evil.example"), ElementsAre("evil.example"));
  EXPECT_THAT(Ids(index, ObservableKind::kDomain, "WWW.Evil.Example."),
              ElementsAre("evil.example"));
  EXPECT_THAT(Ids(index, ObservableKind::kDomain, "a.b.c.evil.example"),
              ElementsAre("evil.example"));
  EXPECT_THAT(Ids(index, ObservableKind::kDomain, "xevil.example"), IsEmpty());
  EXPECT_THAT(Ids(index, ObservableKind::kDomain, "evil.example.cdn.net"), IsEmpty());
  EXPECT_THAT(Ids(index, ObservableKind::kDomain, "example"), IsEmpty());
}

TEST(IndexDomain, DeepNamesStillReachTheirParents) {
  const Index index = BuildList("evil.example\n");
  std::string deep;
  for (int i = 0; i < 40; ++i) deep += "l" + std::to_string(i) + ".";
  EXPECT_THAT(Ids(index, ObservableKind::kDomain, deep + "evil.example"),
              ElementsAre("evil.example"));
}

TEST(IndexDomain, ParentAndChildIndicatorsBothMatchMostSpecificFirst) {
  const Index index = BuildList("evil.example\ncdn.evil.example\n");
  EXPECT_THAT(Ids(index, ObservableKind::kDomain, "x.cdn.evil.example"),
              ElementsAre("cdn.evil.example", "evil.example"));
}

TEST(IndexDomain, UnicodeAndPunycodeAreOneName) {
  const Index unicode = BuildList("bücher.example\n");
  EXPECT_THAT(Ids(unicode, ObservableKind::kDomain, "xn--bcher-kva.example"),
              ElementsAre("bücher.example"));
  EXPECT_THAT(Ids(unicode, ObservableKind::kDomain, "shop.XN--BCHER-KVA.example"),
              ElementsAre("bücher.example"));
  const Index puny = BuildList("xn--bcher-kva.example\n");
  EXPECT_THAT(Ids(puny, ObservableKind::kDomain, "www.bücher.example"),
              ElementsAre("xn--bcher-kva.example"));
}

TEST(IndexIp, ExactAndCidrLongestPrefixFirst) {
  const Index index = BuildList("10.0.0.0/8\n10.1.0.0/16\n10.1.2.3\n192.0.2.7\n");
  EXPECT_THAT(Ids(index, ObservableKind::kIpv4, "10.1.2.3"),
              ElementsAre("10.1.2.3", "10.1.0.0/16", "10.0.0.0/8"));
  EXPECT_THAT(Ids(index, ObservableKind::kIpv4, "10.1.9.9"),
              ElementsAre("10.1.0.0/16", "10.0.0.0/8"));
  EXPECT_THAT(Ids(index, ObservableKind::kIpv4, "10.200.0.1"), ElementsAre("10.0.0.0/8"));
  EXPECT_THAT(Ids(index, ObservableKind::kIpv4, "11.0.0.1"), IsEmpty());
  EXPECT_THAT(Ids(index, ObservableKind::kIpv4, "192.0.2.7"), ElementsAre("192.0.2.7"));
  EXPECT_THAT(Ids(index, ObservableKind::kIpv4, "192.0.2.70"), IsEmpty());
  EXPECT_THAT(Ids(index, ObservableKind::kIpv4, "192.0.2.07"), IsEmpty());
}

// The index probes, per address, only the prefix lengths of keys near it (seven lengths have a
// group each, the rarer ones share one): with more lengths than groups, an address inside
// networks of every length still matches all of them, and exact keys elsewhere do not make it
// miss any.
TEST(IndexIp, EveryPrefixLengthMatchesWhenLengthsOutnumberTheirGroups) {
  const std::vector<int> lengths = {0, 4, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30, 31, 32};
  std::vector<std::string> networks;  // longest prefix first, as the index gives them
  for (auto it = lengths.rbegin(); it != lengths.rend(); ++it) {
    networks.push_back(*it == 32 ? "203.0.113.77"
                                 : fmt::format("{}/{}", Network("203.0.113.77", *it), *it));
  }
  std::string list;
  for (const auto& n : networks) list += n + "\n";
  for (int i = 0; i < 50; ++i) list += fmt::format("45.0.{}.{}\n", i, i);  // /32 most common
  list += "2001:db8::/32\n2001:db8:aa::/48\n2001:db8:aa:bb::/64\n2001:db8:aa:bb::7\n";
  const Index index = BuildList(list);
  EXPECT_EQ(Ids(index, ObservableKind::kIpv4, "203.0.113.77"), networks);
  networks.erase(networks.begin(), networks.begin() + 2);  // not /32 and /31
  EXPECT_EQ(Ids(index, ObservableKind::kIpv4, "203.0.113.78"), networks);
  EXPECT_THAT(Ids(index, ObservableKind::kIpv4, "45.0.7.7"), ElementsAre("45.0.7.7", "0.0.0.0/0"));
  EXPECT_THAT(
      Ids(index, ObservableKind::kIpv6, "2001:db8:aa:bb::7"),
      ElementsAre("2001:db8:aa:bb::7", "2001:db8:aa:bb::/64", "2001:db8:aa::/48", "2001:db8::/32"));
  EXPECT_THAT(Ids(index, ObservableKind::kIpv6, "2001:db8:ff::1"), ElementsAre("2001:db8::/32"));
  EXPECT_THAT(Ids(index, ObservableKind::kIpv6, "2001:db9::1"), IsEmpty());
}

// With enough address keys the address filters grow past the address groups behind them (2^24
// against 2^20 buckets: a group's bucket holds 16 of the filter's), and IPv6 networks too wide to
// go through bucket by bucket cover every bucket: all still match what they cover, and only that.
TEST(IndexIp, LargeAddressFiltersAndWideIpv6NetworksMatchWhatTheyCover) {
  std::string list;
  for (int i = 0; i < 40000; ++i) {  // single addresses, far from the networks below
    list += fmt::format("100.{}.{}.{}\n", (i >> 16) & 255, (i >> 8) & 255, i & 255);
  }
  list += "198.51.100.0/24\n203.0.113.7\n";
  const std::vector<std::string> v6 = {"2001:db8:aa:bb::7",
                                       "2001:db8:aa:bb::/64",
                                       "2001:db8:aa::/48",
                                       "2001:db8::/32",
                                       "2001:d00::/24",
                                       "2001::/16",
                                       "2000::/8",
                                       "2000::/4",
                                       "::/0"};
  for (const auto& network : v6) list += network + "\n";
  for (int i = 0x30; i < 0xf0; ++i) list += fmt::format("{:x}00::/8\n", i);
  const Index index = BuildList(list);
  EXPECT_THAT(Ids(index, ObservableKind::kIpv4, "100.0.156.63"), ElementsAre("100.0.156.63"));
  EXPECT_THAT(Ids(index, ObservableKind::kIpv4, "198.51.100.250"), ElementsAre("198.51.100.0/24"));
  EXPECT_THAT(Ids(index, ObservableKind::kIpv4, "203.0.113.7"), ElementsAre("203.0.113.7"));
  // In the bucket of the groups (/20) of listed addresses, not in their bucket of the filter (/22).
  EXPECT_THAT(Ids(index, ObservableKind::kIpv4, "203.0.120.9"), IsEmpty());
  EXPECT_THAT(Ids(index, ObservableKind::kIpv4, "198.51.104.1"), IsEmpty());
  EXPECT_THAT(Ids(index, ObservableKind::kIpv4, "100.200.0.1"), IsEmpty());
  EXPECT_EQ(Ids(index, ObservableKind::kIpv6, "2001:db8:aa:bb::7"), v6);
  EXPECT_THAT(Ids(index, ObservableKind::kIpv6, "2001:1db9::1"),
              ElementsAre("2001::/16", "2000::/8", "2000::/4", "::/0"));
  EXPECT_THAT(Ids(index, ObservableKind::kIpv6, "3100::1"), ElementsAre("3100::/8", "::/0"));
  // The line filter lets through the lines with these addresses, and not the others.
  LineFilter filter(index);
  EXPECT_TRUE(filter.MayMatch("src=100.0.156.63 dst=10.0.0.1"));
  EXPECT_TRUE(filter.MayMatch("src=198.51.100.250 dst=10.0.0.1"));
  EXPECT_TRUE(filter.MayMatch("src=203.0.113.7 dst=10.0.0.1"));
  EXPECT_FALSE(filter.MayMatch("src=203.0.120.9 dst=10.0.0.1"));
  EXPECT_FALSE(filter.MayMatch("src=198.51.104.1 dst=100.200.0.1"));
}

TEST(IndexIp, Ipv6InEveryTextualFormAndIpv4Mapped) {
  const Index index = BuildList("2001:db8::1\n2001:db8:aa::/48\n198.51.100.0/24\n");
  EXPECT_THAT(Ids(index, ObservableKind::kIpv6, "2001:0DB8:0000:0000:0000:0000:0000:0001"),
              ElementsAre("2001:db8::1"));
  EXPECT_THAT(Ids(index, ObservableKind::kIpv6, "[2001:db8::1]"), ElementsAre("2001:db8::1"));
  EXPECT_THAT(Ids(index, ObservableKind::kIpv6, "2001:db8:aa:ffff::9"),
              ElementsAre("2001:db8:aa::/48"));
  EXPECT_THAT(Ids(index, ObservableKind::kIpv6, "2001:db8:ab::9"), IsEmpty());
  EXPECT_THAT(Ids(index, ObservableKind::kIpv6, "::ffff:198.51.100.20"),
              ElementsAre("198.51.100.0/24"));
  EXPECT_THAT(Ids(index, ObservableKind::kIpv6, "::ffff:c633:6414"),
              ElementsAre("198.51.100.0/24"));
}

TEST(IndexIp, MappedIndicatorMatchesPlainIpv4) {
  const Index index = BuildList("::ffff:203.0.113.5\n");
  EXPECT_THAT(Ids(index, ObservableKind::kIpv4, "203.0.113.5"), ElementsAre("::ffff:203.0.113.5"));
}

TEST(IndexUrl, NormalisedExactMatch) {
  const Index index = BuildList("http://evil.example/dl/a%7Eb.exe\n");
  EXPECT_THAT(Ids(index, ObservableKind::kUrl, "HTTP://EVIL.example:80/dl/a~b.exe"),
              ElementsAre("http://evil.example/dl/a%7Eb.exe"));
  EXPECT_THAT(Ids(index, ObservableKind::kUrl, "http://evil.example/dl/a%7eb.exe"),
              ElementsAre("http://evil.example/dl/a%7Eb.exe"));
  EXPECT_THAT(Ids(index, ObservableKind::kUrl, "http://evil.example/dl/a~b.exe?x=1"), IsEmpty());
  EXPECT_THAT(Ids(index, ObservableKind::kUrl, "https://evil.example/dl/a~b.exe"), IsEmpty());
}

TEST(IndexUrl, EmptyPathIsSlash) {
  const Index index = BuildList("https://evil.example\n");
  EXPECT_THAT(Ids(index, ObservableKind::kUrl, "https://Evil.Example:443/"),
              ElementsAre("https://evil.example"));
}

TEST(IndexUrl, PrefixFromListStarAndStixLike) {
  IndicatorSetBuilder builder({Now()});
  builder.AddList("http://evil.example/gate/*\n", "list");
  ASSERT_TRUE(builder.AddStix(
      Indicator("000000000001", "[url:value LIKE 'https://bad.example/kit/%']"), "feed"));
  const Index index = Index::Build(builder.Finish()).value();
  EXPECT_THAT(Ids(index, ObservableKind::kUrl, "http://EVIL.example/gate/x.php?id=1"),
              ElementsAre("http://evil.example/gate/*"));
  EXPECT_THAT(Ids(index, ObservableKind::kUrl, "http://evil.example/gat"), IsEmpty());
  EXPECT_THAT(Ids(index, ObservableKind::kUrl, "https://bad.example/kit/a/b"),
              ElementsAre("indicator--00000000-0000-4000-8000-000000000001"));
  EXPECT_THAT(Ids(index, ObservableKind::kUrl, "https://bad.example/other"), IsEmpty());
}

TEST(IndexHash, CaseInsensitiveEveryAlgorithm) {
  const std::string md5(32, 'a');
  const std::string sha1 = std::string(39, 'b') + "C";
  const std::string sha256(64, 'd');
  const std::string sha512(128, 'e');
  const Index index = BuildList(md5 + "\n" + sha1 + "\n" + sha256 + "\n" + sha512 + "\n");
  EXPECT_THAT(Ids(index, ObservableKind::kMd5, std::string(32, 'A')), ElementsAre(md5));
  EXPECT_THAT(Ids(index, ObservableKind::kSha1, std::string(39, 'B') + "c"), ElementsAre(sha1));
  EXPECT_THAT(Ids(index, ObservableKind::kSha256, std::string(64, 'D')), ElementsAre(sha256));
  EXPECT_THAT(Ids(index, ObservableKind::kSha512, std::string(128, 'E')), ElementsAre(sha512));
  // The same hex under another algorithm's kind is another value.
  EXPECT_THAT(Ids(index, ObservableKind::kSha256, std::string(64, 'a')), IsEmpty());
}

TEST(IndexEmailAndFileName, EmailDomainCaseAndFileNameCase) {
  IndicatorSetBuilder builder({Now()});
  builder.AddList("Boss@Evil.Example\n", "list");
  builder.AddList("mimikatz.exe\n", "names", ObservableKind::kFileName);
  const Index index = Index::Build(builder.Finish()).value();
  EXPECT_THAT(Ids(index, ObservableKind::kEmail, "Boss@EVIL.example"),
              ElementsAre("Boss@Evil.Example"));
  EXPECT_THAT(Ids(index, ObservableKind::kEmail, "boss@evil.example"), IsEmpty());
  EXPECT_THAT(Ids(index, ObservableKind::kFileName, "MIMIKATZ.EXE"), ElementsAre("mimikatz.exe"));
  EXPECT_THAT(Ids(index, ObservableKind::kFileName, "mimikatz.exe.txt"), IsEmpty());
}

// Case folding (eight bytes at a time) touches the 26 ASCII letters only: '@' and '[' sit just
// outside 'A'..'Z', '`' and '{' just outside 'a'..'z', and UTF-8 bytes stay as they are.
TEST(IndexEmailAndFileName, CaseFoldingTouchesAsciiLettersOnly) {
  IndicatorSetBuilder builder({Now()});
  builder.AddList("azaz@[`{.txt\nazaz`{`{.txt\nr\xc3\xa9sum\xc3\xa9-report.pdf\n", "names",
                  ObservableKind::kFileName);
  const Index index = Index::Build(builder.Finish()).value();
  EXPECT_THAT(Ids(index, ObservableKind::kFileName, "AZAZ@[`{.TXT"), ElementsAre("azaz@[`{.txt"));
  EXPECT_THAT(Ids(index, ObservableKind::kFileName, "AzAz`{`{.tXt"), ElementsAre("azaz`{`{.txt"));
  EXPECT_THAT(Ids(index, ObservableKind::kFileName, "R\xc3\xa9SUM\xc3\xa9-REPORT.PDF"),
              ElementsAre("r\xc3\xa9sum\xc3\xa9-report.pdf"));
  EXPECT_THAT(Ids(index, ObservableKind::kFileName, "R\xc3\x89SUM\xc3\x89-REPORT.PDF"), IsEmpty());
}

TEST(Indicators, StixMetadataTlpConfidenceAndCollection) {
  IndicatorSetBuilder builder({Now()});
  ASSERT_TRUE(
      builder.AddStix(Indicator("000000000002", "[domain-name:value = 'evil.example']",
                                R"(,"confidence":80,"object_marking_refs":)"
                                R"(["marking-definition--f88d31f6-486f-44da-b317-01333bde0b82",)"
                                R"("marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"])"),
                      "hospital-cert"));
  const Index index = Index::Build(builder.Finish()).value();
  std::vector<Hit> hits;
  ASSERT_TRUE(index.Match(ObservableKind::kDomain, "evil.example", hits));
  const IndicatorView view = index.indicator(hits.at(0).indicator);
  EXPECT_EQ(view.id, "indicator--00000000-0000-4000-8000-000000000002");
  EXPECT_EQ(view.collection, "hospital-cert");
  EXPECT_EQ(view.confidence, 80);
  EXPECT_EQ(view.tlp, TlpLevel::kAmber);  // the most restrictive of CLEAR and AMBER
  EXPECT_FALSE(view.compound);
}

TEST(Indicators, RevokedExpiredWarninglistedAreSkippedAndNeverMatch) {
  IndicatorSetBuilder builder({Now()});
  EXPECT_FALSE(builder.AddStix(
      Indicator("000000000003", "[domain-name:value = 'revoked.example']", R"(,"revoked":true)"),
      "c"));
  EXPECT_FALSE(builder.AddStix(Indicator("000000000004", "[domain-name:value = 'expired.example']",
                                         R"(,"valid_until":"2025-01-01T00:00:00Z")"),
                               "c"));
  EXPECT_FALSE(builder.AddStix(Indicator("000000000005", "[domain-name:value = 'listed.example']"),
                               "c", true));
  EXPECT_TRUE(builder.AddStix(Indicator("000000000006", "[domain-name:value = 'live.example']",
                                        R"(,"valid_until":"2026-01-01T00:00:00Z")"),
                              "c"));
  const BuildReport report = builder.report();
  EXPECT_EQ(report.simple, 1U);
  EXPECT_EQ(report.skipped.at(SkipReason::kRevoked), 1U);
  EXPECT_EQ(report.skipped.at(SkipReason::kExpired), 1U);
  EXPECT_EQ(report.skipped.at(SkipReason::kWarninglisted), 1U);
  const Index index = Index::Build(builder.Finish()).value();
  EXPECT_EQ(index.size(), 1U);
  for (const char* name : {"revoked.example", "expired.example", "listed.example"}) {
    EXPECT_THAT(Ids(index, ObservableKind::kDomain, name), IsEmpty()) << name;
  }
  EXPECT_THAT(Ids(index, ObservableKind::kDomain, "live.example"),
              ElementsAre("indicator--00000000-0000-4000-8000-000000000006"));
}

TEST(Indicators, IndicatorsWithAnObservableOnTheGivenWarninglistsAreSkipped) {
  intel::Warninglists lists;
  ASSERT_TRUE(lists.AddList(R"({"name":"resolvers","description":"d","version":1,"type":"cidr",)"
                            R"("list":["8.8.8.8/32","2001:4860:4860::8888/128"]})"));
  IndicatorSetBuilder builder({.now = Now(), .warninglists = &lists});
  EXPECT_FALSE(builder.AddStix(Indicator("000000000007", "[ipv4-addr:value = '8.8.8.8']"), "c"));
  // One observable on a list is enough, as the hub flags the whole indicator.
  EXPECT_FALSE(builder.AddStix(
      Indicator("000000000008",
                "[domain-name:value = 'c2.example' AND ipv4-addr:value = '8.8.8.8']"),
      "c"));
  EXPECT_TRUE(builder.AddStix(Indicator("000000000009", "[ipv4-addr:value = '8.8.4.4']"), "c"));
  EXPECT_EQ(builder.report().skipped.at(SkipReason::kWarninglisted), 2U);
  const Index index = Index::Build(builder.Finish()).value();
  EXPECT_THAT(Ids(index, ObservableKind::kIpv4, "8.8.8.8"), IsEmpty());
  EXPECT_THAT(Ids(index, ObservableKind::kDomain, "c2.example"), IsEmpty());
  EXPECT_THAT(Ids(index, ObservableKind::kIpv4, "8.8.4.4"),
              ElementsAre("indicator--00000000-0000-4000-8000-000000000009"));
}

TEST(Indicators, ObservationLevelOperatorsAreSkippedWithAReason) {
  IndicatorSetBuilder builder({Now()});
  EXPECT_FALSE(builder.AddStix(
      Indicator("000000000007",
                "[domain-name:value = 'a.example'] FOLLOWEDBY [domain-name:value = 'b.example']"),
      "c"));
  EXPECT_FALSE(builder.AddStix(
      Indicator("000000000008", "[domain-name:value = 'a.example'] WITHIN 60 SECONDS"), "c"));
  EXPECT_FALSE(builder.AddStix(
      Indicator("000000000009",
                "[domain-name:value = 'a.example'] AND [ipv4-addr:value = '192.0.2.1']"),
      "c"));
  EXPECT_FALSE(builder.AddStix(Indicator("000000000010", "[file:size > 100]"), "c"));
  EXPECT_FALSE(builder.AddStix(
      R"({"type":"indicator","id":"indicator--00000000-0000-4000-8000-000000000011",)"
      R"("pattern":"rule x { condition: true }","pattern_type":"yara"})",
      "c"));
  const BuildReport& report = builder.report();
  EXPECT_EQ(report.skipped.at(SkipReason::kObservationLevel), 3U);
  EXPECT_EQ(report.skipped.at(SkipReason::kNoTerm), 1U);
  EXPECT_EQ(report.skipped.at(SkipReason::kPatternType), 1U);
  ASSERT_EQ(report.examples.size(), 5U);
  EXPECT_EQ(report.examples[0].id, "indicator--00000000-0000-4000-8000-000000000007");
}

TEST(Indicators, ObservationOrIsOneDisjunction) {
  IndicatorSetBuilder builder({Now()});
  ASSERT_TRUE(builder.AddStix(
      Indicator("000000000012",
                "[domain-name:value = 'a.example'] OR [ipv4-addr:value = '192.0.2.1']"),
      "c"));
  const IndicatorSet set = builder.Finish();
  ASSERT_EQ(set.entries.size(), 1U);
  EXPECT_TRUE(set.entries[0].compound());
  EXPECT_THAT(set.entries[0].clause_sizes, ElementsAre(1U, 1U));
}

TEST(Indicators, AndWithOrIsExpandedIntoClauses) {
  IndicatorSetBuilder builder({Now()});
  ASSERT_TRUE(builder.AddStix(
      Indicator("000000000013",
                "[domain-name:value = 'c2.example' AND (ipv4-addr:value = '192.0.2.1' OR "
                "ipv4-addr:value = '192.0.2.2') AND file:size > 10 OR file:name = 'x.exe']"),
      "c"));
  const IndicatorSet set = builder.Finish();
  ASSERT_EQ(set.entries.size(), 1U);
  // The clauses with file:size are unsatisfiable; file:name stays on its own.
  EXPECT_THAT(set.entries[0].clause_sizes, IsEmpty());
  ASSERT_EQ(set.entries[0].terms.size(), 1U);
  EXPECT_EQ(set.entries[0].terms[0].observable.kind, ObservableKind::kFileName);
}

TEST(Indicators, PlainListDetectsKindsAndCountsUnknownLines) {
  IndicatorSetBuilder builder({Now()});
  const std::size_t added =
      builder.AddList("# comment\n\nevil.example\n10.0.0.0/8\n2001:db8::/32\nhttp://x.example/a\n" +
                          std::string(40, 'f') + "\nuser@mail.example\nnot a value\n999.1.1.1\n",
                      "list");
  EXPECT_EQ(added, 6U);
  EXPECT_EQ(builder.report().skipped.at(SkipReason::kUnknownValue), 2U);
  const IndicatorSet set = builder.Finish();
  std::vector<ObservableKind> kinds;
  for (const auto& e : set.entries) kinds.push_back(e.terms.at(0).observable.kind);
  EXPECT_THAT(kinds,
              ElementsAre(ObservableKind::kDomain, ObservableKind::kIpv4, ObservableKind::kIpv6,
                          ObservableKind::kUrl, ObservableKind::kSha1, ObservableKind::kEmail));
}

TEST(Indicators, BundleTakesIndicatorsAndAsksAboutWarninglists) {
  const std::string bundle =
      R"({"type":"bundle","id":"bundle--00000000-0000-4000-8000-000000000000","objects":[)" +
      Indicator("000000000020", "[domain-name:value = 'one.example']") + "," +
      Indicator("000000000021", "[domain-name:value = 'two.example']") +
      R"(,{"type":"identity","id":"identity--00000000-0000-4000-8000-000000000022"}]})";
  IndicatorSetBuilder builder({Now()});
  auto added = builder.AddStixBundle(bundle, "feed", [](std::string_view id) {
    return id == "indicator--00000000-0000-4000-8000-000000000021";
  });
  ASSERT_TRUE(added);
  EXPECT_EQ(*added, 1U);
  EXPECT_EQ(builder.report().skipped.at(SkipReason::kWarninglisted), 1U);
  EXPECT_FALSE(builder.AddStixBundle("[]", "feed", {}));
}

TEST(IndexCompound, HitsNameTheirClauseAndTerm) {
  IndicatorSetBuilder builder({Now()});
  ASSERT_TRUE(builder.AddStix(
      Indicator("000000000030",
                "[domain-name:value = 'c2.example' AND ipv4-addr:value = '192.0.2.1']"),
      "c"));
  builder.AddList("c2.example\n", "list");
  const Index index = Index::Build(builder.Finish()).value();
  std::vector<Hit> hits;
  ASSERT_TRUE(index.Match(ObservableKind::kDomain, "www.c2.example", hits));
  ASSERT_EQ(hits.size(), 2U);
  const auto compound =
      std::find_if(hits.begin(), hits.end(), [](const Hit& h) { return h.compound; });
  ASSERT_NE(compound, hits.end());
  EXPECT_EQ(index.clause_terms(compound->indicator, compound->clause), 2U);
  EXPECT_TRUE(index.indicator(compound->indicator).compound);
  std::vector<Hit> ip;
  ASSERT_TRUE(index.Match(ObservableKind::kIpv4, "192.0.2.1", ip));
  ASSERT_EQ(ip.size(), 1U);
  EXPECT_EQ(ip[0].indicator, compound->indicator);
  EXPECT_NE(ip[0].term, compound->term);
}

class IndexFile : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/sweep-index-XXXXXX";
    dir_ = ::mkdtemp(pattern);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  static Index Sample() {
    IndicatorSetBuilder builder({Now()});
    builder.AddList("evil.example\n10.0.0.0/8\n2001:db8::/32\nhttp://x.example/a*\n" +
                        std::string(64, 'a') + "\n",
                    "list", std::nullopt, TlpLevel::kGreen, 70);
    EXPECT_TRUE(builder.AddStix(
        Indicator("000000000040",
                  "[domain-name:value = 'c2.example' AND ipv4-addr:value = '192.0.2.1']"),
        "feed"));
    return Index::Build(builder.Finish()).value();
  }
  fs::path dir_;
};

TEST_F(IndexFile, SaveAndMapRoundTrip) {
  const Index built = Sample();
  ASSERT_TRUE(built.Save(dir_ / "idx"));
  auto loaded = Index::Load(dir_ / "idx");
  ASSERT_TRUE(loaded) << loaded.error().message;
  EXPECT_EQ(loaded->bytes(), built.bytes());
  EXPECT_EQ(loaded->size(), 6U);
  EXPECT_THAT(Ids(*loaded, ObservableKind::kIpv4, "10.9.9.9"), ElementsAre("10.0.0.0/8"));
  EXPECT_THAT(Ids(*loaded, ObservableKind::kUrl, "http://x.example/abc"),
              ElementsAre("http://x.example/a*"));
  EXPECT_THAT(Ids(*loaded, ObservableKind::kSha256, std::string(64, 'A')),
              ElementsAre(std::string(64, 'a')));
  const IndicatorView view = loaded->indicator(0);
  EXPECT_EQ(view.collection, "list");
  EXPECT_EQ(view.tlp, TlpLevel::kGreen);
  EXPECT_EQ(view.confidence, 70);
  EXPECT_FALSE(fs::exists(dir_ / "idx.tmp"));
}

// The line filter's tables are built with the index and stored in the file: a mapped index
// filters lines as the built one does.
TEST_F(IndexFile, LineFilterTablesTravelWithTheFile) {
  IndicatorSetBuilder builder({Now()});
  builder.AddList("evil.example\nhttp://203.0.113.9/x\n198.51.100.0/24\n" + std::string(40, 'b') +
                      "\nhttp://cdn.example/drop.exe\nbad@mail.example\n",
                  "list");
  builder.AddList("archive.7z\n", "list", ObservableKind::kFileName);
  const Index built = Index::Build(builder.Finish()).value();
  ASSERT_TRUE(built.Save(dir_ / "idx"));
  auto loaded = Index::Load(dir_ / "idx");
  ASSERT_TRUE(loaded) << loaded.error().message;
  for (const Index* index : std::vector<const Index*>{&built, &*loaded}) {
    const LineFilterFacts facts = index->line_filter_facts();
    EXPECT_TRUE(facts.usable);
    EXPECT_TRUE(facts.digit_tail);
    EXPECT_TRUE(facts.digests);
    EXPECT_TRUE(facts.addresses);
    EXPECT_TRUE(facts.hosts);
    EXPECT_EQ(facts.max_text, 40U);
    LineFilter filter(*index);
    EXPECT_TRUE(filter.MayMatch("GET http://WWW.Evil.Example/ HTTP/1.1"));
    EXPECT_TRUE(filter.MayMatch("CONNECT 203.0.113.9:443"));
    EXPECT_TRUE(filter.MayMatch("from 198.51.100.77 port 22"));
    EXPECT_TRUE(filter.MayMatch("sha1=" + std::string(40, 'B')));
    EXPECT_TRUE(filter.MayMatch("unpacked C:\\tmp\\archive.7z"));
    EXPECT_TRUE(filter.MayMatch("GET https://CDN.example/drop.exe HTTP/1.1"));
    EXPECT_TRUE(filter.MayMatch("from=<bad@mail.example>"));
    EXPECT_FALSE(filter.MayMatch("query cdn.example from mail.example"));
    EXPECT_FALSE(filter.MayMatch("GET http://good.example/ from 203.0.113.10 to 198.51.101.1"));
  }
}

TEST_F(IndexFile, EveryFlippedByteIsRejected) {
  const std::string bytes(Sample().bytes());
  ASSERT_TRUE(Index::FromBytes(bytes));
  for (std::size_t i = 0; i < bytes.size(); i += 7) {
    std::string corrupt = bytes;
    corrupt[i] = static_cast<char>(corrupt[i] ^ 0x5a);
    EXPECT_FALSE(Index::FromBytes(corrupt)) << "byte " << i;
  }
}

TEST_F(IndexFile, TruncatedAndEmptyAndForeignFilesAreRejected) {
  const std::string bytes(Sample().bytes());
  for (std::size_t n : {std::size_t{0}, std::size_t{7}, std::size_t{100}, bytes.size() - 1}) {
    EXPECT_FALSE(Index::FromBytes(std::string_view(bytes).substr(0, n))) << n;
  }
  std::ofstream(dir_ / "foreign") << "not an index at all, but long enough to have a header....."
                                  << std::string(400, 'x');
  auto foreign = Index::Load(dir_ / "foreign");
  ASSERT_FALSE(foreign);
  EXPECT_THAT(foreign.error().message, ::testing::HasSubstr("magic"));
  EXPECT_FALSE(Index::Load(dir_ / "missing"));
}

TEST_F(IndexFile, WrongVersionIsRefused) {
  std::string bytes(Sample().bytes());
  bytes[8] = 2;  // the version before, without the line filter's host filter (the agent rebuilds)
  auto r = Index::FromBytes(SealIndexBytes(bytes));
  ASSERT_FALSE(r);
  EXPECT_THAT(r.error().message, ::testing::HasSubstr("version"));
}

TEST_F(IndexFile, ResealedCorruptionsAreRejectedOrMatchSafely) {
  // With the checksum rewritten, only the structural checks stand between a crafted file and
  // the matcher and the line filter: each altered file is refused, or it is safe to use (ASan
  // watches).
  const std::string bytes(Sample().bytes());
  std::size_t refused = 0;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    for (unsigned char x : {0x01, 0x80, 0xff}) {
      std::string corrupt = bytes;
      corrupt[i] = static_cast<char>(static_cast<unsigned char>(corrupt[i]) ^ x);
      auto index = Index::FromBytes(SealIndexBytes(corrupt));
      if (!index) {
        ++refused;
        continue;
      }
      std::vector<Hit> hits;
      index->Match(ObservableKind::kDomain, "a.c2.example", hits);
      index->Match(ObservableKind::kIpv4, "10.1.2.3", hits);
      index->Match(ObservableKind::kIpv6, "2001:db8::5", hits);
      index->Match(ObservableKind::kUrl, "http://x.example/abc", hits);
      index->Match(ObservableKind::kSha256, std::string(64, 'a'), hits);
      for (const Hit& h : hits) {
        ASSERT_LT(h.indicator, index->size());
        const IndicatorView view = index->indicator(h.indicator);
        EXPECT_LE(view.id.size(), bytes.size());
        if (h.compound) {
          EXPECT_GE(index->clause_terms(h.indicator, h.clause), 1U);
        }
      }
      LineFilter filter(*index);
      std::vector<LineFilter::Kept> kept;
      filter.Keep(
          "GET http://x.example/abc from 10.1.2.3 for www.a.c2.example\n"
          "2001:db8::5 sent " +
              std::string(64, 'a') + " to long-name.c2.example.\n",
          kept);
    }
  }
  // The line filter's three Bloom filters (512 bytes each at this size) hold any bits; most
  // corruptions of the rest are refused.
  EXPECT_GT(refused, bytes.size() - 1536);
}

// Past 256 KiB of Bloom filter (about 175,000 keys) the index puts a small filter in front of
// it, made when it is built and stored in the file: every key (domains through a parent,
// addresses, hashes, URLs and URL prefixes through their host) must get through it, whether the
// index was built or mapped. The address keys come first in the file, where the loader looks
// for them, though the list has them among the others.
TEST_F(IndexFile, LargeIndexFrontFilterLetsEveryKeyThrough) {
  constexpr int kEach = 40'000;
  std::string list;
  for (int i = 0; i < kEach; ++i) {
    list += fmt::format("d{}.example\nhttp://u{}.example/a\nhttp://p{}.example/kit/*\n{:032x}\n", i,
                        i, i, i);
    list += fmt::format("10.{}.{}.{}\n", i >> 16, (i >> 8) & 255, i & 255);
  }
  IndicatorSetBuilder builder({Now()});
  builder.AddList(list, "list");
  const Index built = Index::Build(builder.Finish()).value();
  ASSERT_EQ(built.size(), 5U * kEach);
  ASSERT_TRUE(built.Save(dir_ / "large"));
  auto loaded = Index::Load(dir_ / "large");
  ASSERT_TRUE(loaded) << loaded.error().message;
  for (const Index* index : std::vector<const Index*>{&built, &*loaded}) {
    ASSERT_GT(index->stats().front_bytes, 0U);
    int found = 0;
    int strays = 0;
    std::vector<Hit> hits;
    for (int i = 0; i < kEach; ++i) {
      hits.clear();
      found += index->Match(ObservableKind::kDomain, fmt::format("www.D{}.example", i), hits);
      found += index->Match(ObservableKind::kUrl, fmt::format("HTTP://u{}.example:80/a", i), hits);
      found += index->Match(ObservableKind::kUrl, fmt::format("http://p{}.example/kit/x", i), hits);
      found += index->Match(ObservableKind::kMd5, fmt::format("{:032X}", i), hits);
      found +=
          index->Match(ObservableKind::kIpv6,
                       fmt::format("::ffff:10.{}.{}.{}", i >> 16, (i >> 8) & 255, i & 255), hits);
      strays += index->Match(ObservableKind::kDomain, fmt::format("x{}.example", i), hits);
      strays += index->Match(ObservableKind::kUrl, fmt::format("http://u{}.example/b", i), hits);
    }
    EXPECT_EQ(found, 5 * kEach);
    EXPECT_EQ(strays, 0);
  }
  // A file this large is checksummed beside the checks of its sections: a flipped byte in a
  // section is still reported as a checksum mismatch, whatever the checks of the section say.
  const std::string bytes(built.bytes());
  ASSERT_GE(bytes.size(), std::size_t{8} << 20);
  for (const std::size_t at : {bytes.size() / 3, bytes.size() / 2, bytes.size() - 1}) {
    std::string corrupt = bytes;
    corrupt[at] = static_cast<char>(corrupt[at] ^ 0x5a);
    auto refused = Index::FromBytes(corrupt);
    ASSERT_FALSE(refused) << at;
    EXPECT_THAT(refused.error().message, ::testing::HasSubstr("checksum mismatch")) << at;
  }
}

TEST(IndexEmpty, MatchesNothing) {
  const Index index;
  std::vector<Hit> hits;
  EXPECT_FALSE(index.Match(ObservableKind::kDomain, "evil.example", hits));
  EXPECT_EQ(index.size(), 0U);
  EXPECT_TRUE(Index::FromBytes(index.bytes()));
}

}  // namespace
}  // namespace caduceus::sweep
