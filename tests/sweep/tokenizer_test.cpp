// The tokenizer: each kind with its boundaries, the near misses gen_logs.py plants as decoys
// (they must come out whole, never as the indicator they resemble), ordering and offsets, and the
// SIMD path against the same text fed at every alignment.
#include "sweep/tokenizer.h"

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "sweep_test_util.h"

namespace caduceus::sweep {
namespace {

using intel::ObservableKind;
using K = ObservableKind;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::Pair;

using Found = std::vector<std::pair<K, std::string>>;

Found Scan(std::string_view text) {
  std::vector<Token> tokens;
  Tokenize(text, tokens);
  Found out;
  for (const Token& t : tokens) out.emplace_back(t.kind, std::string(text.substr(t.begin, t.size)));
  return out;
}

TEST(Tokenizer, FindsDomainsOnWordBoundariesOnly) {
  EXPECT_THAT(Scan("query: evil.com IN A"), ElementsAre(Pair(K::kDomain, "evil.com")));
  EXPECT_THAT(Scan("xevil.com"), ElementsAre(Pair(K::kDomain, "xevil.com")));
  EXPECT_THAT(Scan("evil.com.cdn-edge.net"),
              ElementsAre(Pair(K::kDomain, "evil.com.cdn-edge.net")));
  EXPECT_THAT(Scan("\"QueryName\":\"WWW.Evil.COM\""),
              ElementsAre(Pair(K::kDomain, "WWW.Evil.COM")));
}

TEST(Tokenizer, StripsTrailingAndLeadingDotsOfNames) {
  EXPECT_THAT(Scan("see evil.com. and .cookie.example.org"),
              ElementsAre(Pair(K::kDomain, "evil.com"), Pair(K::kDomain, "cookie.example.org")));
  EXPECT_THAT(Scan("info: 10.0.0.5 www.example.com. A IN"),
              ElementsAre(Pair(K::kIpv4, "10.0.0.5"), Pair(K::kDomain, "www.example.com")));
}

TEST(Tokenizer, RejectsNamesThatAreNotHostNames) {
  EXPECT_THAT(Scan("version 1.2.3 at 12.5s v6.1.7601.23505"), IsEmpty());
  EXPECT_THAT(Scan("-evil.com evil-.com a..b.com under_score.c_m"), IsEmpty());
  EXPECT_THAT(Scan("x.c"), IsEmpty());
  EXPECT_THAT(Scan(std::string(64, 'x') + ".com"), IsEmpty());
}

TEST(Tokenizer, FindsIpv4ExactlyAsWritten) {
  EXPECT_THAT(Scan("rhost=218.188.2.4 "), ElementsAre(Pair(K::kIpv4, "218.188.2.4")));
  EXPECT_THAT(Scan("1.2.3.45"), ElementsAre(Pair(K::kIpv4, "1.2.3.45")));
  EXPECT_THAT(Scan("HIER_DIRECT/93.184.216.34 text/html"),
              ElementsAre(Pair(K::kIpv4, "93.184.216.34")));
  EXPECT_THAT(Scan("10.0.0.1:53 [173.234.31.186]"),
              ElementsAre(Pair(K::kIpv4, "10.0.0.1"), Pair(K::kIpv4, "173.234.31.186")));
  EXPECT_THAT(Scan("1.2.3.4.5 256.1.1.1 01.2.3.4 1.2.3"), IsEmpty());
}

TEST(Tokenizer, FindsIpv6AsWholeWords) {
  EXPECT_THAT(Scan("2001:db8::1 fe80::1%eth0 [2a00:1450:4001::200e]:443"),
              ElementsAre(Pair(K::kIpv6, "2001:db8::1"), Pair(K::kIpv6, "fe80::1"),
                          Pair(K::kIpv6, "2a00:1450:4001::200e")));
  EXPECT_THAT(Scan("\"QueryResults\":\"::ffff:198.51.100.7;\""),
              ElementsAre(Pair(K::kIpv6, "::ffff:198.51.100.7")));
  EXPECT_THAT(Scan("at 13:06:56 mac 00:1a:2b:3c:4d:5e std::vector"), IsEmpty());
}

TEST(Tokenizer, SplitsHostAndPort) {
  EXPECT_THAT(Scan("CONNECT login.evil.com:443 -"),
              ElementsAre(Pair(K::kDomain, "login.evil.com")));
  EXPECT_THAT(Scan("proxy.cse.cuhk.edu.hk:5070"),
              ElementsAre(Pair(K::kDomain, "proxy.cse.cuhk.edu.hk")));
}

TEST(Tokenizer, FindsHashesAsHexRunsOfTheRightLength) {
  const std::string md5 = "D41D8CD98F00B204E9800998ECF8427E";
  const std::string sha1(40, 'a');
  const std::string sha256(64, 'F');
  const std::string sha512(128, '0');
  EXPECT_THAT(Scan("SHA1=" + sha1 + ",MD5=" + md5 + ",SHA256=" + sha256),
              ElementsAre(Pair(K::kSha1, sha1), Pair(K::kMd5, md5), Pair(K::kSha256, sha256)));
  EXPECT_THAT(Scan("x" + sha512 + "g"), ElementsAre(Pair(K::kSha512, sha512)));
  EXPECT_THAT(Scan(std::string(33, 'a') + " " + std::string(31, 'b')), IsEmpty());
}

TEST(Tokenizer, FindsEmailsAndTheirDomains) {
  EXPECT_THAT(Scan("from=<john.doe+tag@Evil.example.com>"),
              ElementsAre(Pair(K::kEmail, "john.doe+tag@Evil.example.com"),
                          Pair(K::kDomain, "Evil.example.com")));
  EXPECT_THAT(Scan("mailto:a@b.org."),
              ElementsAre(Pair(K::kEmail, "a@b.org"), Pair(K::kDomain, "b.org")));
  EXPECT_THAT(Scan("user@localhost @evil.com"), ElementsAre(Pair(K::kDomain, "evil.com")));
}

TEST(Tokenizer, FindsUrlsAndTheNamesInside) {
  EXPECT_THAT(Scan("GET http://www.evil.com/a/b.php?x=1 -"),
              ElementsAre(Pair(K::kUrl, "http://www.evil.com/a/b.php?x=1"),
                          Pair(K::kDomain, "www.evil.com"), Pair(K::kDomain, "b.php")));
  EXPECT_THAT(
      Scan("\"https://evil.org/\" (see https://x.org/a_(b)), http://[2001:db8::2]:8080/"),
      ElementsAre(Pair(K::kUrl, "https://evil.org/"), Pair(K::kDomain, "evil.org"),
                  Pair(K::kUrl, "https://x.org/a_(b)"), Pair(K::kDomain, "x.org"),
                  Pair(K::kUrl, "http://[2001:db8::2]:8080/"), Pair(K::kIpv6, "2001:db8::2")));
  EXPECT_THAT(
      Scan("http://intranet/x svn+ssh://git.example.com/r"),
      ElementsAre(Pair(K::kUrl, "http://intranet/x"), Pair(K::kUrl, "svn+ssh://git.example.com/r"),
                  Pair(K::kDomain, "git.example.com")));
  EXPECT_THAT(Scan("C://x http:// http://bad_host/ http://a.com:99999/"),
              ElementsAre(Pair(K::kDomain, "a.com")));
}

TEST(Tokenizer, ReportsUrlsNestedInUrls) {
  EXPECT_THAT(Scan("http://a.com/r?u=https://evil.com/x(1) tail"),
              ElementsAre(Pair(K::kUrl, "http://a.com/r?u=https://evil.com/x(1)"),
                          Pair(K::kDomain, "a.com"), Pair(K::kUrl, "https://evil.com/x(1)"),
                          Pair(K::kDomain, "evil.com")));
  EXPECT_THAT(Scan("(see https://x.org/a)."),
              ElementsAre(Pair(K::kUrl, "https://x.org/a"), Pair(K::kDomain, "x.org")));
}

TEST(Tokenizer, UrlHostMayBePercentEncoded) {
  EXPECT_THAT(Scan("http://ev%69l.com/"), Contains(Pair(K::kUrl, "http://ev%69l.com/")));
  EXPECT_THAT(Scan("http://ev%6l.com/"), Not(Contains(Pair(K::kUrl, "http://ev%6l.com/"))));
}

TEST(Tokenizer, OffsetsPointAtTheValue) {
  const std::string text = "a 10.1.2.3 b evil.com";
  std::vector<Token> tokens;
  Tokenize(text, tokens);
  ASSERT_EQ(tokens.size(), 2U);
  EXPECT_EQ(tokens[0].begin, 2U);
  EXPECT_EQ(tokens[0].size, 8U);
  EXPECT_EQ(tokens[1].begin, 13U);
}

// The SIMD scanner works on 64-byte blocks: a value must be found wherever it falls relative
// to a block, including across two blocks and in the scalar tail.
TEST(Tokenizer, FindsValuesAtEveryAlignment) {
  const std::string md5 = "0123456789abcdef0123456789ABCDEF";
  for (std::size_t pad = 0; pad < 140; ++pad) {
    const std::string text =
        std::string(pad, ' ') + "evil.com " + md5 + " 1.2.3.4\n" + std::string(pad % 7, 'x');
    EXPECT_THAT(Scan(text), ElementsAre(Pair(K::kDomain, "evil.com"), Pair(K::kMd5, md5),
                                        Pair(K::kIpv4, "1.2.3.4")))
        << "padding " << pad;
  }
}

TEST(Tokenizer, FindsHexRunsLongerThanABlock) {
  for (std::size_t pad = 0; pad < 70; ++pad) {
    const std::string sha512(128, 'c');
    EXPECT_THAT(Scan(std::string(pad, '-') + "/" + sha512 + "/"),
                ElementsAre(Pair(K::kSha512, sha512)))
        << "padding " << pad;
  }
}

TEST(Tokenizer, EveryValueNormalises) {
  const std::string text =
      "1709510400.123 45 10.20.30.40 TCP_MISS/200 512 GET https://Cdn.Example.CO.uk:443/a%20b "
      "- HIER_DIRECT/2001:db8::7 text/html user@Mail.Example.org "
      "D41D8CD98F00B204E9800998ECF8427E ::ffff:10.0.0.1";
  std::vector<Token> tokens;
  Tokenize(text, tokens);
  EXPECT_GE(tokens.size(), 8U);
  for (const Token& t : tokens) {
    const std::string_view value = std::string_view(text).substr(t.begin, t.size);
    EXPECT_TRUE(intel::Normalise(t.kind, value).has_value())
        << intel::KindName(t.kind) << " " << value;
  }
}

TEST(HostText, TakesAddressesAndNamesWithPorts) {
  auto v4 = ParseHostText("10.0.0.1:53");
  ASSERT_TRUE(v4);
  EXPECT_EQ(v4->kind, K::kIpv4);
  EXPECT_EQ(v4->text, "10.0.0.1");
  auto v6 = ParseHostText("[2001:db8::1]:443");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->kind, K::kIpv6);
  EXPECT_EQ(v6->text, "2001:db8::1");
  auto name = ParseHostText("www.Example.com.");
  ASSERT_TRUE(name);
  EXPECT_EQ(name->kind, K::kDomain);
  EXPECT_EQ(name->text, "www.Example.com");
  EXPECT_FALSE(ParseHostText("-"));
  EXPECT_FALSE(ParseHostText("WORKSTATION1"));
  EXPECT_FALSE(ParseHostText("a.com:http"));
}

}  // namespace
}  // namespace caduceus::sweep
