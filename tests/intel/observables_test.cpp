// Observables: normal forms of every kind (IDNA, IPv4/IPv6 with CIDR and IPv4-mapped, URLs,
// hashes, ...), extraction from parsed STIX patterns and cyber-observables, the patterns the hub
// writes for one value, and every indicator pattern of the shared STIX bundles.
#include "intel/observables.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace caduceus::intel {

void PrintTo(const Observable& o, std::ostream* os) { *os << KindName(o.kind) << ":" << o.value; }

namespace {

using ::testing::ElementsAre;
using K = ObservableKind;

std::string Norm(K kind, std::string_view raw) {
  auto o = Normalise(kind, raw);
  return o ? std::string(KindName(o->kind)) + ":" + o->value : "none";
}

Observable Obs(K kind, std::string value) { return Observable{kind, std::move(value)}; }

std::vector<Observable> OfPattern(std::string_view text) {
  auto parsed = ParsePattern(text);
  EXPECT_TRUE(parsed.has_value()) << text << ": " << parsed.error().message;
  if (!parsed.has_value()) return {};
  return ObservablesOfPattern(*parsed);
}

StixObject Object(std::string_view json_text) {
  StixObject object;
  object.json = boost::json::parse(json_text).as_object();
  object.type = std::string(object.json.at("type").as_string());
  return object;
}

TEST(ObservableKinds, NamesRoundTripAndUnknownNamesAreRejected) {
  for (K kind : {K::kDomain, K::kIpv4, K::kIpv6, K::kUrl, K::kEmail, K::kMd5, K::kSha1, K::kSha256,
                 K::kSha512, K::kFileName, K::kAsn, K::kMutex, K::kRegistryKey}) {
    EXPECT_EQ(ParseKindName(KindName(kind)), kind) << KindName(kind);
  }
  EXPECT_EQ(KindName(K::kRegistryKey), "windows-registry-key");
  EXPECT_EQ(KindName(K::kFileName), "file-name");
  EXPECT_FALSE(ParseKindName("Domain").has_value());
  EXPECT_FALSE(ParseKindName("").has_value());
}

TEST(NormaliseDomain, LowerCasesTrimsAndDropsTheTrailingDot) {
  EXPECT_EQ(Norm(K::kDomain, "  WWW.Evil.Example.  "), "domain:www.evil.example");
  EXPECT_EQ(Norm(K::kDomain, "_dmarc.example.org"), "domain:_dmarc.example.org");
  EXPECT_EQ(Norm(K::kDomain, "a-b.example"), "domain:a-b.example");
}

TEST(NormaliseDomain, ConvertsInternationalNamesToALabels) {
  EXPECT_EQ(Norm(K::kDomain, "Bücher.example"), "domain:xn--bcher-kva.example");
  EXPECT_EQ(Norm(K::kDomain, "BÜCHER.EXAMPLE"), "domain:xn--bcher-kva.example");
  // Non-transitional: ß stays ß (xn--fa-hia), it does not become "ss".
  EXPECT_EQ(Norm(K::kDomain, "faß.de"), "domain:xn--fa-hia.de");
  // An ideographic full stop separates labels like '.'.
  EXPECT_EQ(Norm(K::kDomain, "bücher。example"), "domain:xn--bcher-kva.example");
  // The A-label and the U-label are the same value.
  EXPECT_EQ(Norm(K::kDomain, "xn--bcher-kva.example"), "domain:xn--bcher-kva.example");
}

TEST(NormaliseDomain, RejectsWhatIsNoHostName) {
  EXPECT_EQ(Norm(K::kDomain, "localhost"), "none");
  EXPECT_EQ(Norm(K::kDomain, ""), "none");
  EXPECT_EQ(Norm(K::kDomain, "."), "none");
  EXPECT_EQ(Norm(K::kDomain, "a..example"), "none");
  EXPECT_EQ(Norm(K::kDomain, "-a.example"), "none");
  EXPECT_EQ(Norm(K::kDomain, "a-.example"), "none");
  EXPECT_EQ(Norm(K::kDomain, "domain autuo.xicp.net"), "none");
  EXPECT_EQ(Norm(K::kDomain, "evil.example/path"), "none");
  EXPECT_EQ(Norm(K::kDomain, "1.2.3.4"), "none");
  EXPECT_EQ(Norm(K::kDomain, "xn--zz.example"), "none");
  EXPECT_EQ(Norm(K::kDomain, std::string(64, 'a') + ".example"), "none");
  EXPECT_EQ(Norm(K::kDomain, std::string(63, 'a') + ".example"),
            "domain:" + std::string(63, 'a') + ".example");
  std::string long_name;
  for (int i = 0; i < 50; ++i) long_name += "abcd.";
  long_name += "example";  // 257 bytes
  EXPECT_EQ(Norm(K::kDomain, long_name), "none");
  EXPECT_EQ(Norm(K::kDomain, std::string("evil\0.example", 13)), "none");
}

TEST(NormaliseIpv4, AcceptsDottedQuadsAndRejectsAmbiguousOnes) {
  EXPECT_EQ(Norm(K::kIpv4, " 192.0.2.1 "), "ipv4:192.0.2.1");
  EXPECT_EQ(Norm(K::kIpv4, "0.0.0.0"), "ipv4:0.0.0.0");
  EXPECT_EQ(Norm(K::kIpv4, "255.255.255.255"), "ipv4:255.255.255.255");
  EXPECT_EQ(Norm(K::kIpv4, "192.0.2.256"), "none");
  EXPECT_EQ(Norm(K::kIpv4, "010.0.0.1"), "none");
  EXPECT_EQ(Norm(K::kIpv4, "10.0.0"), "none");
  EXPECT_EQ(Norm(K::kIpv4, "10.0.0.1.5"), "none");
  EXPECT_EQ(Norm(K::kIpv4, "10.0.0.1."), "none");
  EXPECT_EQ(Norm(K::kIpv4, "+1.0.0.1"), "none");
  EXPECT_EQ(Norm(K::kIpv4, "0x7f.0.0.1"), "none");
}

TEST(NormaliseIpv4, NetworksClearHostBitsAndSlash32IsTheAddress) {
  EXPECT_EQ(Norm(K::kIpv4, "10.0.0.0/8"), "ipv4:10.0.0.0/8");
  EXPECT_EQ(Norm(K::kIpv4, "10.1.2.3/8"), "ipv4:10.0.0.0/8");
  EXPECT_EQ(Norm(K::kIpv4, "112.65.0.0/15"), "ipv4:112.64.0.0/15");
  EXPECT_EQ(Norm(K::kIpv4, "203.0.113.7/32"), "ipv4:203.0.113.7");
  EXPECT_EQ(Norm(K::kIpv4, "1.2.3.4/0"), "ipv4:0.0.0.0/0");
  EXPECT_EQ(Norm(K::kIpv4, "10.0.0.0/33"), "none");
  EXPECT_EQ(Norm(K::kIpv4, "10.0.0.0/"), "none");
  EXPECT_EQ(Norm(K::kIpv4, "10.0.0.0/08"), "none");
}

TEST(NormaliseIpv4, AcceptsAnIpv4MappedIpv6Address) {
  EXPECT_EQ(Norm(K::kIpv4, "::ffff:192.0.2.1"), "ipv4:192.0.2.1");
  EXPECT_EQ(Norm(K::kIpv4, "2001:db8::1"), "none");
}

TEST(NormaliseIpv6, WritesRfc5952Text) {
  EXPECT_EQ(Norm(K::kIpv6, "2001:0DB8:0000:0000:0000:0000:0000:0001"), "ipv6:2001:db8::1");
  EXPECT_EQ(Norm(K::kIpv6, "2001:db8:0:0:1:0:0:1"), "ipv6:2001:db8::1:0:0:1");
  EXPECT_EQ(Norm(K::kIpv6, "2001:db8:0:1:1:1:1:1"), "ipv6:2001:db8:0:1:1:1:1:1");
  EXPECT_EQ(Norm(K::kIpv6, "2001:0:0:1:0:0:0:1"), "ipv6:2001:0:0:1::1");
  EXPECT_EQ(Norm(K::kIpv6, "::"), "ipv6:::");
  EXPECT_EQ(Norm(K::kIpv6, "::1"), "ipv6:::1");
  EXPECT_EQ(Norm(K::kIpv6, "fe80::"), "ipv6:fe80::");
  EXPECT_EQ(Norm(K::kIpv6, "64:ff9b::192.0.2.33"), "ipv6:64:ff9b::c000:221");
}

TEST(NormaliseIpv6, RejectsMalformedText) {
  for (std::string_view bad :
       {":::", "1::2::3", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7", "12345::", "fe80::1%eth0",
        ":1::", "1::2:", "g::1", "1:2:3:4:5:6:7:8::", "::1.2.3.4:5", "1:2:3:4:5:6:7:1.2.3.4",
        "::256.0.0.1", ""}) {
    EXPECT_EQ(Norm(K::kIpv6, bad), "none") << bad;
  }
}

TEST(NormaliseIpv6, Ipv4MappedAddressesAreIpv4Values) {
  EXPECT_EQ(Norm(K::kIpv6, "::ffff:192.0.2.1"), "ipv4:192.0.2.1");
  EXPECT_EQ(Norm(K::kIpv6, "::FFFF:c000:0201"), "ipv4:192.0.2.1");
  EXPECT_EQ(Norm(K::kIpv6, "::ffff:192.0.2.0/120"), "ipv4:192.0.2.0/24");
  EXPECT_EQ(Norm(K::kIpv6, "::ffff:0:0/96"), "ipv4:0.0.0.0/0");
  EXPECT_EQ(Norm(K::kIpv6, "::ffff:0:0/95"), "ipv6:::fffe:0:0/95");
}

TEST(NormaliseIpv6, NetworksClearHostBits) {
  EXPECT_EQ(Norm(K::kIpv6, "2001:db8:abcd:12::1/48"), "ipv6:2001:db8:abcd::/48");
  EXPECT_EQ(Norm(K::kIpv6, "2001:db8::1/128"), "ipv6:2001:db8::1");
  EXPECT_EQ(Norm(K::kIpv6, "2001:db8:ffff::/33"), "ipv6:2001:db8:8000::/33");
  EXPECT_EQ(Norm(K::kIpv6, "2001:db8::/129"), "none");
}

TEST(NormaliseUrl, LowerCasesSchemeAndHostAndDropsDefaultsAndFragments) {
  EXPECT_EQ(Norm(K::kUrl, "HTTP://Evil.Example:80/Path?Q=1#frag"),
            "url:http://evil.example/Path?Q=1");
  EXPECT_EQ(Norm(K::kUrl, "https://evil.example:443"), "url:https://evil.example/");
  EXPECT_EQ(Norm(K::kUrl, "https://evil.example:8443/x"), "url:https://evil.example:8443/x");
  EXPECT_EQ(Norm(K::kUrl, "http://evil.example?x=1"), "url:http://evil.example/?x=1");
  EXPECT_EQ(Norm(K::kUrl, "http://evil.example:/a"), "url:http://evil.example/a");
  EXPECT_EQ(Norm(K::kUrl, "http://x4z9arb.cn/4712/"), "url:http://x4z9arb.cn/4712/");
}

TEST(NormaliseUrl, NormalisesPercentEncoding) {
  EXPECT_EQ(Norm(K::kUrl, "http://e.example/%7euser/%2f%41%3Fx"),
            "url:http://e.example/~user/%2FA%3Fx");
  EXPECT_EQ(Norm(K::kUrl, "http://e.example/bücher"), "url:http://e.example/b%C3%BCcher");
  EXPECT_EQ(Norm(K::kUrl, "http://e.example/100%"), "url:http://e.example/100%");
}

TEST(NormaliseUrl, NormalisesHostsAsNamesOrAddresses) {
  EXPECT_EQ(Norm(K::kUrl, "http://Bücher.example/"), "url:http://xn--bcher-kva.example/");
  EXPECT_EQ(Norm(K::kUrl, "http://%65vil.example/"), "url:http://evil.example/");
  EXPECT_EQ(Norm(K::kUrl, "http://[2001:DB8::0001]:8080/"), "url:http://[2001:db8::1]:8080/");
  EXPECT_EQ(Norm(K::kUrl, "http://[::ffff:192.0.2.1]/"), "url:http://192.0.2.1/");
  EXPECT_EQ(Norm(K::kUrl, "http://192.0.2.1/a"), "url:http://192.0.2.1/a");
  EXPECT_EQ(Norm(K::kUrl, "http://intranet/a"), "url:http://intranet/a");
  EXPECT_EQ(Norm(K::kUrl, "ftp://User:Pw@Files.example/"), "url:ftp://User:Pw@files.example/");
}

TEST(NormaliseUrl, RejectsWhatIsNoAbsoluteUrl) {
  for (std::string_view bad :
       {"evil.example/path", "http:evil.example", "http://", "http:///path", "://evil.example",
        "1http://evil.example", "http://evil example/", "http://evil.example/a b",
        "http://evil.example:65536/", "http://evil.example:8x/", "http://[2001:db8::1/",
        "http://[2001:db8::1]x/", "http://300.1.1.1/", "http://-evil.example/"}) {
    EXPECT_EQ(Norm(K::kUrl, bad), "none") << bad;
  }
  EXPECT_EQ(Norm(K::kUrl, "http://e.example/" + std::string(9000, 'a')), "none");
}

TEST(NormaliseEmail, KeepsTheLocalPartAndNormalisesTheDomain) {
  EXPECT_EQ(Norm(K::kEmail, "Banking@G0thamNatl.COM"), "email:Banking@g0thamnatl.com");
  EXPECT_EQ(Norm(K::kEmail, "a@b@Bücher.example"), "email:a@b@xn--bcher-kva.example");
  EXPECT_EQ(Norm(K::kEmail, "user.example"), "none");
  EXPECT_EQ(Norm(K::kEmail, "@example.org"), "none");
  EXPECT_EQ(Norm(K::kEmail, "user@localhost"), "none");
  EXPECT_EQ(Norm(K::kEmail, "us er@example.org"), "none");
  EXPECT_EQ(Norm(K::kEmail, std::string(65, 'a') + "@example.org"), "none");
}

TEST(NormaliseHash, LowerCasesHexOfTheRightLength) {
  EXPECT_EQ(Norm(K::kMd5, "001DD76872D80801692FF942308C64E6"),
            "md5:001dd76872d80801692ff942308c64e6");
  EXPECT_EQ(Norm(K::kSha1, std::string(40, 'A')), "sha1:" + std::string(40, 'a'));
  EXPECT_EQ(Norm(K::kSha256, std::string(64, 'f')), "sha256:" + std::string(64, 'f'));
  EXPECT_EQ(Norm(K::kSha512, std::string(128, '0')), "sha512:" + std::string(128, '0'));
  EXPECT_EQ(Norm(K::kMd5, std::string(31, 'a')), "none");
  EXPECT_EQ(Norm(K::kSha256, std::string(32, 'a')), "none");
  EXPECT_EQ(Norm(K::kMd5, std::string(31, 'a') + "g"), "none");
}

TEST(NormaliseOthers, FileNamesMutexesAndKeysAreKeptAsWritten) {
  EXPECT_EQ(Norm(K::kFileName, " Invoice.PDF.exe"), "file-name: Invoice.PDF.exe");
  EXPECT_EQ(Norm(K::kFileName, "a/b.exe"), "none");
  EXPECT_EQ(Norm(K::kFileName, std::string("a\0b", 3)), "none");
  EXPECT_EQ(Norm(K::kFileName, ""), "none");
  EXPECT_EQ(Norm(K::kFileName, std::string(256, 'a')), "none");
  EXPECT_EQ(Norm(K::kMutex, "Global\\MsWinZonesCacheCounterMutexA"),
            "mutex:Global\\MsWinZonesCacheCounterMutexA");
  EXPECT_EQ(Norm(K::kMutex, ""), "none");
  EXPECT_EQ(Norm(K::kRegistryKey, "hklm\\Software\\Run"),
            "windows-registry-key:HKEY_LOCAL_MACHINE\\Software\\Run");
  EXPECT_EQ(Norm(K::kRegistryKey, "hkey_current_user\\Software"),
            "windows-registry-key:HKEY_CURRENT_USER\\Software");
  EXPECT_EQ(Norm(K::kRegistryKey, "HKU"), "windows-registry-key:HKEY_USERS");
  EXPECT_EQ(Norm(K::kRegistryKey, "Software\\Run"), "windows-registry-key:Software\\Run");
}

TEST(NormaliseOthers, AsnsAreDecimalNumbers) {
  EXPECT_EQ(Norm(K::kAsn, "AS64496"), "asn:64496");
  EXPECT_EQ(Norm(K::kAsn, "as007"), "asn:7");
  EXPECT_EQ(Norm(K::kAsn, "4294967295"), "asn:4294967295");
  EXPECT_EQ(Norm(K::kAsn, "4294967296"), "none");
  EXPECT_EQ(Norm(K::kAsn, "-1"), "none");
  EXPECT_EQ(Norm(K::kAsn, "AS"), "none");
}

TEST(Networks, IsNetworkAndNetworkOfDescribeAddressesAndPrefixes) {
  EXPECT_TRUE(IsNetwork(Obs(K::kIpv4, "10.0.0.0/8")));
  EXPECT_FALSE(IsNetwork(Obs(K::kIpv4, "10.0.0.1")));
  EXPECT_TRUE(IsNetwork(Obs(K::kIpv6, "2001:db8::/32")));
  EXPECT_FALSE(IsNetwork(Obs(K::kUrl, "http://a.example/x/y")));

  auto v4 = NetworkOf(Obs(K::kIpv4, "192.0.2.0/24"));
  ASSERT_TRUE(v4.has_value());
  EXPECT_FALSE(v4->v6);
  EXPECT_EQ(v4->prefix, 24);
  EXPECT_EQ(v4->address[0], 192);
  EXPECT_EQ(v4->address[2], 2);
  EXPECT_EQ(v4->address[3], 0);
  EXPECT_EQ(NetworkOf(Obs(K::kIpv4, "192.0.2.9"))->prefix, 32);
  auto v6 = NetworkOf(Obs(K::kIpv6, "2001:db8::1"));
  ASSERT_TRUE(v6.has_value());
  EXPECT_TRUE(v6->v6);
  EXPECT_EQ(v6->prefix, 128);
  EXPECT_EQ(v6->address[0], 0x20);
  EXPECT_EQ(v6->address[15], 1);
  EXPECT_FALSE(NetworkOf(Obs(K::kDomain, "a.example")).has_value());
  EXPECT_FALSE(NetworkOf(Obs(K::kIpv4, "garbage")).has_value());
}

TEST(ObservablesOfPattern, FindsValuesOfEveryKnownPath) {
  EXPECT_THAT(OfPattern("[domain-name:value = 'A.Example' OR ipv4-addr:value = '60.10.1.120']"),
              ElementsAre(Obs(K::kDomain, "a.example"), Obs(K::kIpv4, "60.10.1.120")));
  EXPECT_THAT(OfPattern("[ipv6-addr:value = '2001:DB8::1'] AND [url:value = 'HTTP://x.example']"),
              ElementsAre(Obs(K::kIpv6, "2001:db8::1"), Obs(K::kUrl, "http://x.example/")));
  EXPECT_THAT(OfPattern("[email-addr:value = 'a@B.example']"),
              ElementsAre(Obs(K::kEmail, "a@b.example")));
  EXPECT_THAT(OfPattern("[email-message:from_ref.value = 'x@e.example' AND "
                        "email-message:to_refs[*].value = 'y@e.example' AND "
                        "email-message:cc_refs[0].value = 'z@e.example']"),
              ElementsAre(Obs(K::kEmail, "x@e.example"), Obs(K::kEmail, "y@e.example"),
                          Obs(K::kEmail, "z@e.example")));
  EXPECT_THAT(
      OfPattern("[file:name = 'CBricksDoc' AND file:hashes.MD5 = '" + std::string(32, 'A') + "']"),
      ElementsAre(Obs(K::kMd5, std::string(32, 'a')), Obs(K::kFileName, "CBricksDoc")));
  EXPECT_THAT(OfPattern("[autonomous-system:number = 64496] OR [mutex:name = 'm1'] OR "
                        "[windows-registry-key:key = 'HKLM\\\\Run']"),
              ElementsAre(Obs(K::kAsn, "64496"), Obs(K::kMutex, "m1"),
                          Obs(K::kRegistryKey, "HKEY_LOCAL_MACHINE\\Run")));
  EXPECT_THAT(OfPattern("[network-traffic:dst_ref.value = '198.51.100.7' AND "
                        "network-traffic:src_ref.value = 'c2.example']"),
              ElementsAre(Obs(K::kDomain, "c2.example"), Obs(K::kIpv4, "198.51.100.7")));
}

TEST(ObservablesOfPattern, AcceptsEveryHashSpelling) {
  const std::string sha1(40, 'b'), sha256(64, 'c'), sha512(128, 'd');
  EXPECT_THAT(OfPattern("[file:hashes.'SHA-1' = '" + sha1 + "' OR file:hashes.sha256 = '" + sha256 +
                        "' OR file:hashes.'SHA-512' = '" + sha512 +
                        "' OR file:hashes.'SHA3-256' = '" + sha256 + "']"),
              ElementsAre(Obs(K::kSha1, sha1), Obs(K::kSha256, sha256), Obs(K::kSha512, sha512)));
}

TEST(ObservablesOfPattern, TakesInSetsAndSubsetNetworksAndSkipsTheRest) {
  EXPECT_THAT(OfPattern("[domain-name:value IN ('b.example', 'a.example', 'b.example')]"),
              ElementsAre(Obs(K::kDomain, "a.example"), Obs(K::kDomain, "b.example")));
  EXPECT_THAT(OfPattern("[ipv4-addr:value ISSUBSET '198.51.100.0/24']"),
              ElementsAre(Obs(K::kIpv4, "198.51.100.0/24")));
  EXPECT_THAT(OfPattern("[domain-name:value NOT = 'a.example']"), ElementsAre());
  EXPECT_THAT(OfPattern("[domain-name:value != 'a.example']"), ElementsAre());
  EXPECT_THAT(OfPattern("[domain-name:value LIKE '%.example']"), ElementsAre());
  EXPECT_THAT(OfPattern("[domain-name:value MATCHES '^a']"), ElementsAre());
  EXPECT_THAT(OfPattern("[ipv4-addr:value ISSUPERSET '198.51.100.0/24']"), ElementsAre());
  EXPECT_THAT(OfPattern("[domain-name:value ISSUBSET 'a.example']"), ElementsAre());
  EXPECT_THAT(OfPattern("[domain-name:value = 'domain autuo.xicp.net' OR "
                        "ipv4-addr:value = '60.10.1.115']"),
              ElementsAre(Obs(K::kIpv4, "60.10.1.115")));
  EXPECT_THAT(OfPattern("[x509-certificate:issuer = 'CN=WEBMAIL' AND "
                        "domain-name:resolves_to_refs[*].value = '10.0.0.1']"),
              ElementsAre());
}

TEST(ObservablesOfObject, ReadsIndicatorsAndCyberObservables) {
  auto indicator = ValidateStixObject(boost::json::parse(R"({
    "type": "indicator", "spec_version": "2.1",
    "id": "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
    "created": "2016-04-06T20:03:48.000Z", "modified": "2016-04-06T20:03:48.000Z",
    "pattern": "[url:value = 'http://x4z9arb.cn/4712/']", "pattern_type": "stix",
    "valid_from": "2016-01-01T00:00:00Z"})")
                                          .as_object());
  ASSERT_TRUE(indicator.has_value()) << indicator.error().message;
  EXPECT_THAT(ObservablesOfObject(*indicator),
              ElementsAre(Obs(K::kUrl, "http://x4z9arb.cn/4712/")));

  StixObject unparsed = Object(R"({"type": "indicator", "pattern_type": "stix",
      "pattern": "[domain-name:value = 'b.example']"})");
  EXPECT_THAT(ObservablesOfObject(unparsed), ElementsAre(Obs(K::kDomain, "b.example")));
  EXPECT_THAT(ObservablesOfObject(Object(R"({"type": "indicator", "pattern_type": "sigma",
      "pattern": "title: x"})")),
              ElementsAre());

  EXPECT_THAT(ObservablesOfObject(Object(R"({"type": "domain-name", "value": "C2.Example"})")),
              ElementsAre(Obs(K::kDomain, "c2.example")));
  EXPECT_THAT(ObservablesOfObject(Object(R"({"type": "ipv6-addr", "value": "::ffff:10.0.0.1"})")),
              ElementsAre(Obs(K::kIpv4, "10.0.0.1")));
  EXPECT_THAT(ObservablesOfObject(Object(R"({"type": "ipv4-addr", "value": "10.0.0.0/8"})")),
              ElementsAre(Obs(K::kIpv4, "10.0.0.0/8")));
  EXPECT_THAT(ObservablesOfObject(Object(R"({"type": "url", "value": "https://a.example"})")),
              ElementsAre(Obs(K::kUrl, "https://a.example/")));
  EXPECT_THAT(ObservablesOfObject(Object(R"({"type": "email-addr", "value": "x@A.example"})")),
              ElementsAre(Obs(K::kEmail, "x@a.example")));
  EXPECT_THAT(
      ObservablesOfObject(Object(R"({"type": "file", "name": "evil.exe",
          "hashes": {"MD5": "001DD76872D80801692FF942308C64E6", "SSDEEP": "3:a:b",
                     "SHA-256": "bad"}})")),
      ElementsAre(Obs(K::kMd5, "001dd76872d80801692ff942308c64e6"), Obs(K::kFileName, "evil.exe")));
  EXPECT_THAT(ObservablesOfObject(Object(R"({"type": "autonomous-system", "number": 15139})")),
              ElementsAre(Obs(K::kAsn, "15139")));
  EXPECT_THAT(ObservablesOfObject(Object(R"({"type": "mutex", "name": "__x__"})")),
              ElementsAre(Obs(K::kMutex, "__x__")));
  EXPECT_THAT(
      ObservablesOfObject(Object(R"({"type": "windows-registry-key", "key": "HKCU\\Run"})")),
      ElementsAre(Obs(K::kRegistryKey, "HKEY_CURRENT_USER\\Run")));
  EXPECT_THAT(ObservablesOfObject(Object(R"({"type": "malware", "name": "evil.example"})")),
              ElementsAre());
  EXPECT_THAT(ObservablesOfObject(Object(R"({"type": "domain-name", "value": 7})")), ElementsAre());
}

TEST(PatternFor, WritesOnePatternPerKind) {
  EXPECT_EQ(PatternFor(Obs(K::kDomain, "evil.example")), "[domain-name:value = 'evil.example']");
  EXPECT_EQ(PatternFor(Obs(K::kIpv4, "10.0.0.0/8")), "[ipv4-addr:value = '10.0.0.0/8']");
  EXPECT_EQ(PatternFor(Obs(K::kSha256, std::string(64, 'a'))),
            "[file:hashes.'SHA-256' = '" + std::string(64, 'a') + "']");
  EXPECT_EQ(PatternFor(Obs(K::kMd5, std::string(32, 'a'))),
            "[file:hashes.MD5 = '" + std::string(32, 'a') + "']");
  EXPECT_EQ(PatternFor(Obs(K::kAsn, "64496")), "[autonomous-system:number = 64496]");
  EXPECT_EQ(PatternFor(Obs(K::kFileName, "it's\\x")), "[file:name = 'it\\'s\\\\x']");
}

TEST(PatternFor, EveryKindRoundTripsThroughTheParser) {
  const std::vector<Observable> values = {
      Obs(K::kDomain, "xn--bcher-kva.example"),
      Obs(K::kIpv4, "192.0.2.1"),
      Obs(K::kIpv4, "192.0.2.0/24"),
      Obs(K::kIpv6, "2001:db8::/32"),
      Obs(K::kUrl, "http://evil.example/a?b='c'"),
      Obs(K::kEmail, "o'brien@example.org"),
      Obs(K::kMd5, std::string(32, '1')),
      Obs(K::kSha1, std::string(40, '2')),
      Obs(K::kSha256, std::string(64, '3')),
      Obs(K::kSha512, std::string(128, '4')),
      Obs(K::kFileName, "it's a \\ file.exe"),
      Obs(K::kAsn, "4294967295"),
      Obs(K::kMutex, "Global\\'m'"),
      Obs(K::kRegistryKey, "HKEY_LOCAL_MACHINE\\Software\\x"),
  };
  for (const Observable& o : values) {
    const std::string pattern = PatternFor(o);
    EXPECT_THAT(OfPattern(pattern), ElementsAre(o)) << pattern;
  }
}

// ---- The shared STIX bundles ----

std::filesystem::path SharedDir() {
  if (const char* dir = std::getenv("CADUCEUS_SHARED_DIR"); dir != nullptr && *dir != '\0') {
    return dir;
  }
  if (const char* source = std::getenv("CADUCEUS_SOURCE_DIR"); source != nullptr) {
    return std::filesystem::path(source) / ".." / "shared";
  }
  return {};
}

void CollectPatterns(const boost::json::value& value, std::vector<std::string>& out) {
  if (const auto* object = value.if_object()) {
    const auto* type = object->if_contains("type");
    const auto* pattern = object->if_contains("pattern");
    if (type != nullptr && type->is_string() && type->as_string() == "indicator" &&
        pattern != nullptr && pattern->is_string()) {
      out.emplace_back(pattern->as_string());
    }
    for (const auto& entry : *object) CollectPatterns(entry.value(), out);
  } else if (const auto* array = value.if_array()) {
    for (const auto& element : *array) CollectPatterns(element, out);
  }
}

TEST(ObservablesSharedBundles, PatternsYieldNormalisedValuesThatRoundTrip) {
  const std::filesystem::path dir = SharedDir() / "data" / "stix";
  std::error_code ec;
  if (SharedDir().empty() || !std::filesystem::is_directory(dir, ec)) {
    GTEST_SKIP() << "no STIX bundles at " << dir;
  }
  std::vector<Observable> all;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file() || entry.path().extension() != ".json") continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream buffer;
    buffer << in.rdbuf();
    boost::system::error_code parse_error;
    const boost::json::value json = boost::json::parse(buffer.str(), parse_error);
    ASSERT_FALSE(parse_error) << entry.path();
    std::vector<std::string> patterns;
    CollectPatterns(json, patterns);
    for (const std::string& text : patterns) {
      auto parsed = ParsePattern(text);
      ASSERT_TRUE(parsed.has_value()) << text;
      for (const Observable& o : ObservablesOfPattern(*parsed)) {
        // A normal form is a fixed point, and the hub's own pattern for it finds it again.
        EXPECT_EQ(Normalise(o.kind, o.value), o) << text;
        EXPECT_THAT(OfPattern(PatternFor(o)), ElementsAre(o)) << text;
        all.push_back(o);
      }
    }
  }
  ASSERT_FALSE(all.empty());
  EXPECT_THAT(all, ::testing::Contains(Obs(K::kUrl, "http://x4z9arb.cn/4712/")));
  EXPECT_THAT(all, ::testing::Contains(Obs(K::kIpv4, "112.64.0.0/15")));
  EXPECT_THAT(all, ::testing::Contains(Obs(K::kDomain, "3q.wubangtu.info")));
  EXPECT_THAT(all,
              ::testing::Contains(Obs(
                  K::kSha256, "ef537f25c895bfa782526529a9b63d97aa631564d5d789c2b765448c8635fb6c")));
  EXPECT_THAT(all, ::testing::Not(::testing::Contains(Obs(K::kDomain, "autuo.xicp.net"))));
}

}  // namespace
}  // namespace caduceus::intel
