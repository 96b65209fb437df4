// The format parsers on small fixtures of each format: the fields they yield (kind, name,
// value), decoded values, byte offsets that point back into the stream, detection of each
// format, a stream whose format changes line by line, and an explicit format that refuses a
// line (the tokenizer takes it).
#include <string>
#include <string_view>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "sweep/parse.h"
#include "sweep/reader.h"
#include "sweep_test_util.h"

namespace caduceus::sweep {
namespace {

using intel::ObservableKind;
using K = ObservableKind;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::UnorderedElementsAre;
using testing_util::OwnedField;
using testing_util::OwnedRecord;
using testing_util::ReadText;

OwnedField F(K kind, std::string name, std::string value) {
  return OwnedField{kind, std::move(name), std::move(value), 0, 0, false};
}

// Every field's offset and size point at its value in `text` (at the encoded value when
// decoded), and the record's offset at its line.
void ExpectOffsetsPointBack(std::string_view text, const testing_util::Sweep& sweep) {
  for (const OwnedRecord& r : sweep.records) {
    ASSERT_LE(r.offset + r.text.size(), text.size());
    EXPECT_EQ(text.substr(r.offset, r.text.size()), r.text);
    for (const OwnedField& f : r.fields) {
      ASSERT_LE(f.offset + f.size, text.size()) << f.value;
      ASSERT_GE(f.offset, r.offset) << f.value;
      if (!f.decoded) {
        EXPECT_EQ(text.substr(f.offset, f.size), f.value);
      }
    }
  }
}

// The one record of `line`, checked for offsets.
OwnedRecord One(std::string_view line) {
  const auto sweep = ReadText(line);
  EXPECT_FALSE(sweep.error.has_value());
  EXPECT_EQ(sweep.records.size(), 1U) << line;
  ExpectOffsetsPointBack(line, sweep);
  return sweep.records.empty() ? OwnedRecord{} : sweep.records.front();
}

const std::string kMd5 = "D41D8CD98F00B204E9800998ECF8427E";
const std::string kSha1 = "DA39A3EE5E6B4B0D3255BFEF95601890AFD80709";
const std::string kSha256 = "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855";
const std::string kImphash = "0123456789ABCDEF0123456789ABCDEF";

// NextWord reads eight bytes at a time: words of every length, ended by a space, a tab or the
// end, after blanks of every length, give what a byte-by-byte split gives.
TEST(NextWord, SplitsAtSpacesAndTabsAtEveryOffset) {
  for (std::size_t lead = 0; lead < 10; ++lead) {
    for (std::size_t size = 1; size < 20; ++size) {
      for (const std::string_view end : {" ", "\t", "", "\t x"}) {
        std::string text(lead, lead % 2 == 0 ? ' ' : '\t');
        for (std::size_t i = 0; i < size; ++i)
          text += static_cast<char>(i % 3 == 0 ? '\xa0' : 'a' + i);
        text += end;
        std::string_view rest = text;
        const std::string_view word = detail::NextWord(rest);
        EXPECT_EQ(word.size(), size) << lead << " " << size;
        EXPECT_EQ(word.data(), text.data() + lead);
        EXPECT_EQ(rest, text.substr(lead + size));
      }
    }
  }
}

TEST(SquidParser, YieldsClientUrlUserAndPeer) {
  const OwnedRecord r =
      One("1709510400.123     45 10.20.30.40 TCP_MISS/200 1234 GET http://www.evil.com/a.php?x=1 "
          "alice@corp.example HIER_DIRECT/93.184.216.34 text/html");
  EXPECT_EQ(r.format, Format::kSquid);
  EXPECT_THAT(
      r.fields,
      ElementsAre(F(K::kIpv4, "client", "10.20.30.40"),
                  F(K::kUrl, "url", "http://www.evil.com/a.php?x=1"),
                  F(K::kDomain, "url", "www.evil.com"), F(K::kDomain, "url", "a.php"),
                  F(K::kEmail, "user", "alice@corp.example"), F(K::kDomain, "user", "corp.example"),
                  F(K::kIpv4, "peer", "93.184.216.34")));
}

TEST(SquidParser, TakesTheHostOfAConnect) {
  const OwnedRecord r =
      One("1709510401.000    100 10.0.0.7 TCP_TUNNEL/200 500 CONNECT login.evil.org:443 - "
          "HIER_DIRECT/2001:db8::5 -");
  EXPECT_THAT(r.fields,
              ElementsAre(F(K::kIpv4, "client", "10.0.0.7"), F(K::kDomain, "url", "login.evil.org"),
                          F(K::kIpv6, "peer", "2001:db8::5")));
}

TEST(CombinedParser, YieldsClientRequestReferrerAndAgent) {
  const OwnedRecord r = One(
      "203.0.113.9 - frank [10/Oct/2000:13:55:36 -0700] \"GET /pb.gif?u=http://evil.example/x "
      "HTTP/1.0\" 200 2326 \"http://www.example.com/start.html\" \"Mozilla/4.08 [en] (Win98)\"");
  EXPECT_EQ(r.format, Format::kCombined);
  EXPECT_THAT(
      r.fields,
      ElementsAre(F(K::kIpv4, "client", "203.0.113.9"), F(K::kDomain, "url", "pb.gif"),
                  F(K::kUrl, "url", "http://evil.example/x"), F(K::kDomain, "url", "evil.example"),
                  F(K::kUrl, "referrer", "http://www.example.com/start.html"),
                  F(K::kDomain, "referrer", "www.example.com"),
                  F(K::kDomain, "referrer", "start.html")));
}

TEST(CombinedParser, ReadsVhostCombinedAndEscapedQuotes) {
  const OwnedRecord r = One(
      "www.example.com:443 198.51.100.7 - - [10/Oct/2000:13:55:36 -0700] \"CONNECT evil.net:443 "
      "HTTP/1.1\" 200 0 \"-\" \"a \\\"quoted\\\" agent.example.org\"");
  EXPECT_EQ(r.format, Format::kCombined);
  EXPECT_THAT(r.fields,
              ElementsAre(F(K::kDomain, "vhost", "www.example.com"),
                          F(K::kIpv4, "client", "198.51.100.7"), F(K::kDomain, "url", "evil.net"),
                          F(K::kDomain, "user_agent", "agent.example.org")));
}

TEST(ProxifierParser, YieldsProgramAndHost) {
  const OwnedRecord r =
      One("[10.30 16:49:06] chrome.exe *64 - clients6.google.com:443 open through proxy "
          "proxy.cse.cuhk.edu.hk:5070 HTTPS");
  EXPECT_EQ(r.format, Format::kProxifier);
  EXPECT_THAT(r.fields, ElementsAre(F(K::kFileName, "program", "chrome.exe"),
                                    F(K::kDomain, "program", "chrome.exe"),
                                    F(K::kDomain, "host", "clients6.google.com"),
                                    F(K::kDomain, "msg", "proxy.cse.cuhk.edu.hk")));
}

TEST(BindParser, YieldsClientQueryAndServer) {
  const OwnedRecord r =
      One("04-Mar-2024 00:00:00.000 queries: info: client @0x7f2a752f1448 10.20.30.40#53211 "
          "(www.evil.com): query: www.evil.com IN A +E(0) (10.0.0.53)");
  EXPECT_EQ(r.format, Format::kBind);
  EXPECT_THAT(r.fields, ElementsAre(F(K::kIpv4, "client", "10.20.30.40"),
                                    F(K::kDomain, "query", "www.evil.com"),
                                    F(K::kIpv4, "server", "10.0.0.53")));
}

TEST(BindParser, ReadsQueriesInsideSyslogWithAView) {
  const OwnedRecord r =
      One("Mar  4 00:00:00 ns1 named[2306]: client 10.1.1.1#5353 (evil.org): view internal: query: "
          "evil.org IN TXT + (2001:db8::53)");
  EXPECT_EQ(r.format, Format::kBind);
  EXPECT_THAT(r.fields,
              ElementsAre(F(K::kIpv4, "client", "10.1.1.1"), F(K::kDomain, "query", "evil.org"),
                          F(K::kIpv6, "server", "2001:db8::53")));
}

TEST(BindParser, OtherNamedMessagesAreText) {
  const OwnedRecord r = One("Jul 25 12:09:06 combo named[2306]: zone evil.org/IN: loaded serial 7");
  EXPECT_EQ(r.format, Format::kSyslog);
  EXPECT_THAT(r.fields, ElementsAre(F(K::kDomain, "msg", "evil.org")));
}

TEST(DnsmasqParser, YieldsQueryClientUpstreamAndAnswer) {
  const auto sweep = ReadText(
      "Mar  4 00:00:07 dnsmasq[1187]: query[A] portal.evil.org from 10.39.45.111\n"
      "Mar  4 00:00:07 dnsmasq[1187]: forwarded portal.evil.org to 10.0.0.2\n"
      "Mar  4 00:00:08 gw.example.net dnsmasq[1187]: reply portal.evil.org is 198.51.100.23\n"
      "Mar  4 00:00:09 dnsmasq[1187]: 17 10.0.0.9/40411 query[AAAA] x.evil.org from 10.0.0.9\n"
      "Mar  4 00:00:09 dnsmasq[1187]: reply x.evil.org is <CNAME>\n");
  ASSERT_EQ(sweep.records.size(), 5U);
  EXPECT_EQ(sweep.detection.format, Format::kDnsmasq);
  for (const auto& r : sweep.records) EXPECT_EQ(r.format, Format::kDnsmasq);
  EXPECT_THAT(sweep.records[0].fields, ElementsAre(F(K::kDomain, "query", "portal.evil.org"),
                                                   F(K::kIpv4, "client", "10.39.45.111")));
  EXPECT_THAT(sweep.records[1].fields, ElementsAre(F(K::kDomain, "query", "portal.evil.org"),
                                                   F(K::kIpv4, "upstream", "10.0.0.2")));
  EXPECT_THAT(sweep.records[2].fields, ElementsAre(F(K::kDomain, "host", "gw.example.net"),
                                                   F(K::kDomain, "query", "portal.evil.org"),
                                                   F(K::kIpv4, "answer", "198.51.100.23")));
  EXPECT_THAT(sweep.records[3].fields,
              ElementsAre(F(K::kIpv4, "client", "10.0.0.9"), F(K::kDomain, "query", "x.evil.org"),
                          F(K::kIpv4, "client", "10.0.0.9")));
  EXPECT_THAT(sweep.records[4].fields, ElementsAre(F(K::kDomain, "query", "x.evil.org")));
}

TEST(UnboundParser, YieldsClientAndQueryFromFileAndSyslog) {
  const auto sweep = ReadText(
      "[1709510400] unbound[1234:0] info: 10.0.0.5 www.evil.com. A IN\n"
      "[1709510401] unbound[1234:0] info: 10.0.0.5 www.evil.com. A IN NOERROR 0.000000 0 45\n"
      "Mar  4 00:00:00 resolver unbound: [1234:0] info: 192.168.1.2 tracker.evil.net. AAAA IN\n");
  ASSERT_EQ(sweep.records.size(), 3U);
  EXPECT_EQ(sweep.detection.format, Format::kUnbound);
  for (const auto& r : sweep.records) {
    EXPECT_EQ(r.format, Format::kUnbound);
    ASSERT_EQ(r.fields.size(), 2U);
    EXPECT_EQ(r.fields[0].name, "client");
    EXPECT_EQ(r.fields[1],
              F(K::kDomain, "query", r.line == 3 ? "tracker.evil.net" : "www.evil.com"));
  }
}

TEST(WindowsDnsParser, DecodesTheWireFormatName) {
  const std::string line =
      "3/4/2024 1:23:45 PM 0E2C PACKET  000000D6B0B4C1D0 UDP Rcv 10.0.0.5        a1b2   Q "
      "[0001   D   NOERROR] A      (3)www(4)evil(3)com(0)";
  const OwnedRecord r = One(line);
  EXPECT_EQ(r.format, Format::kWindowsDns);
  EXPECT_THAT(r.fields, ElementsAre(F(K::kIpv4, "remote", "10.0.0.5"),
                                    F(K::kDomain, "query", "www.evil.com")));
  ASSERT_EQ(r.fields.size(), 2U);
  EXPECT_TRUE(r.fields[1].decoded);
  EXPECT_EQ(line.substr(r.fields[1].offset, r.fields[1].size), "(3)www(4)evil(3)com(0)");
}

TEST(ZeekTsvParser, FollowsTheHeaderAndSplitsContainers) {
  const std::string text =
      "#separator \\x09\n"
      "#set_separator\t,\n"
      "#empty_field\t(empty)\n"
      "#unset_field\t-\n"
      "#path\tdns\n"
      "#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tquery\tanswers\tTTLs\n"
      "#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tvector[string]\t"
      "vector[interval]\n"
      "1709510400.000000\tCAbc123def456ghi78\t10.0.0.5\t53211\t10.0.0.53\t53\tudp\twww.evil.com\t"
      "evil-cdn.net,198.51.100.7\t300.000000,60.000000\n"
      "1709510401.000000\tCAbc123def456ghi79\t10.0.0.6\t53212\t10.0.0.53\t53\tudp\t-\t(empty)\t-\n"
      "#close\t2024-03-04-01-00-00\n";
  const auto sweep = ReadText(text);
  EXPECT_EQ(sweep.detection.format, Format::kZeekTsv);
  ASSERT_EQ(sweep.records.size(), 2U);
  ExpectOffsetsPointBack(text, sweep);
  EXPECT_EQ(sweep.records[0].line, 8U);
  EXPECT_THAT(
      sweep.records[0].fields,
      ElementsAre(F(K::kIpv4, "id.orig_h", "10.0.0.5"), F(K::kIpv4, "id.resp_h", "10.0.0.53"),
                  F(K::kDomain, "query", "www.evil.com"), F(K::kDomain, "answers", "evil-cdn.net"),
                  F(K::kIpv4, "answers", "198.51.100.7")));
  EXPECT_THAT(sweep.records[1].fields, ElementsAre(F(K::kIpv4, "id.orig_h", "10.0.0.6"),
                                                   F(K::kIpv4, "id.resp_h", "10.0.0.53")));
}

TEST(ZeekTsvParser, ReadsHeaderlessConnRows) {
  const OwnedRecord r = One(
      "1709510400.000000\tC9sjzYqbwBQIzrqu2u\t10.76.54.229\t58286\t2a00:1450::1\t443\ttcp\tssl\t"
      "0.524349\t9739\t1372\tSF\tT\tF\t0\tShADadFf\t9\t9739\t9\t1372\t-");
  EXPECT_EQ(r.format, Format::kZeekTsv);
  EXPECT_THAT(r.fields, ElementsAre(F(K::kIpv4, "id.orig_h", "10.76.54.229"),
                                    F(K::kIpv6, "id.resp_h", "2a00:1450::1")));
}

TEST(JsonParser, ReadsSysmonEventsWithHashesAndEscapes) {
  const std::string line =
      "{\"EventID\":1,\"Image\":\"C:\\\\Users\\\\bob\\\\AppData\\\\Temp\\\\"
      "evil.exe\",\"Hashes\":\"SHA1=" +
      kSha1 + ",MD5=" + kMd5 + ",SHA256=" + kSha256 + ",IMPHASH=" + kImphash +
      "\",\"CommandLine\":\"evil.exe --c2 https://c2.evil.net/beacon\"}";
  const OwnedRecord r = One(line);
  EXPECT_EQ(r.format, Format::kJsonLines);
  EXPECT_THAT(
      r.fields,
      ElementsAre(F(K::kFileName, "Image", "evil.exe"), F(K::kDomain, "Image", "evil.exe"),
                  F(K::kSha1, "Hashes", kSha1), F(K::kMd5, "Hashes", kMd5),
                  F(K::kSha256, "Hashes", kSha256), F(K::kDomain, "CommandLine", "evil.exe"),
                  F(K::kUrl, "CommandLine", "https://c2.evil.net/beacon"),
                  F(K::kDomain, "CommandLine", "c2.evil.net")));
  ASSERT_FALSE(r.fields.empty());
  EXPECT_TRUE(r.fields[0].decoded);
}

TEST(JsonParser, JoinsNestedKeysAndDecodesUnicodeEscapes) {
  const OwnedRecord r = One(
      "{\"source\":{\"ip\":\"10.0.0.1\"},\"destination\":{\"ip\":\"203.0.113.5\",\"domain\":"
      "\"evil.com\"},\"url\":{\"full\":\"http://evil.com/x\"},\"file\":{\"hash\":{\"sha256\":\"" +
      kSha256 + "\"}},\"tags\":[\"a.b.com\"],\"msg\":\"see \\u0065vil.org\"}");
  EXPECT_THAT(r.fields, ElementsAre(F(K::kIpv4, "source.ip", "10.0.0.1"),
                                    F(K::kIpv4, "destination.ip", "203.0.113.5"),
                                    F(K::kDomain, "destination.domain", "evil.com"),
                                    F(K::kUrl, "url.full", "http://evil.com/x"),
                                    F(K::kDomain, "url.full", "evil.com"),
                                    F(K::kSha256, "file.hash.sha256", kSha256),
                                    F(K::kDomain, "msg", "evil.org")));
}

TEST(JsonParser, TellsZeekJsonApart) {
  const auto sweep = ReadText(
      "{\"ts\":1709510400.0,\"uid\":\"CAbc\",\"id.orig_h\":\"10.0.0.5\",\"id.orig_p\":53211,"
      "\"id.resp_h\":\"2001:db8::53\",\"query\":\"evil.org\",\"answers\":[\"1.2.3.4\","
      "\"cname.evil.org\"]}\n");
  EXPECT_EQ(sweep.detection.format, Format::kZeekJson);
  ASSERT_EQ(sweep.records.size(), 1U);
  EXPECT_THAT(
      sweep.records[0].fields,
      ElementsAre(F(K::kIpv4, "id.orig_h", "10.0.0.5"), F(K::kIpv6, "id.resp_h", "2001:db8::53"),
                  F(K::kDomain, "query", "evil.org"), F(K::kIpv4, "answers", "1.2.3.4"),
                  F(K::kDomain, "answers", "cname.evil.org")));
}

TEST(JsonParser, EndsStringsAtTheFirstUnescapedQuote) {
  const OwnedRecord r = One("{\"msg\":\"say \\\"hi\\\" to a.org\\\\\",\"host\":\"b.org\"}");
  EXPECT_EQ(r.format, Format::kJsonLines);
  EXPECT_THAT(r.fields, ElementsAre(F(K::kDomain, "msg", "a.org"), F(K::kDomain, "host", "b.org")));
  ASSERT_EQ(r.fields.size(), 2U);
  EXPECT_TRUE(r.fields[0].decoded);
  EXPECT_FALSE(r.fields[1].decoded);
}

TEST(JsonParser, MalformedObjectsGoToTheTokenizer) {
  const OwnedRecord r = One("{\"a\":\"evil.com\",");
  EXPECT_EQ(r.format, Format::kText);
  EXPECT_THAT(r.fields, ElementsAre(F(K::kDomain, "text", "evil.com")));
}

TEST(Syslog3164Parser, NamesTokensAfterKeys) {
  const OwnedRecord r =
      One("Jun 14 15:16:01 combo sshd(pam_unix)[19939]: authentication failure; logname= uid=0 "
          "tty=NODEVssh ruser= rhost=218.188.2.4 user=\"bob@evil.org\"");
  EXPECT_EQ(r.format, Format::kSyslog);
  EXPECT_THAT(r.fields,
              ElementsAre(F(K::kIpv4, "rhost", "218.188.2.4"), F(K::kEmail, "user", "bob@evil.org"),
                          F(K::kDomain, "user", "evil.org")));
}

TEST(Syslog3164Parser, ReadsIsoTimestampsAndPriorities) {
  const OwnedRecord r =
      One("<34>2024-03-04T10:00:00.123456+01:00 web-1.example.org sshd[7]: Accepted publickey for "
          "root from 2001:db8::9 port 22");
  EXPECT_EQ(r.format, Format::kSyslog);
  EXPECT_THAT(r.fields, ElementsAre(F(K::kDomain, "host", "web-1.example.org"),
                                    F(K::kIpv6, "msg", "2001:db8::9")));
}

TEST(Syslog5424Parser, ReadsStructuredDataParameters) {
  const OwnedRecord r = One(
      "<165>1 2024-03-04T00:00:00.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 "
      "iut=\"3\" src=\"10.1.2.3\" url=\"http://evil.org/a\\\"b\"][x@1 k=\"v\"] "
      "\xEF\xBB\xBF"
      "An application event from 198.51.100.1");
  EXPECT_EQ(r.format, Format::kSyslog5424);
  EXPECT_THAT(r.fields,
              ElementsAre(F(K::kDomain, "host", "mymachine.example.com"),
                          F(K::kIpv4, "src", "10.1.2.3"), F(K::kUrl, "url", "http://evil.org/a"),
                          F(K::kDomain, "url", "evil.org"), F(K::kIpv4, "msg", "198.51.100.1")));
}

TEST(CefParser, ReadsHeaderAndExtensionWithEscapes) {
  const OwnedRecord r = One(
      "Sep 19 08:26:10 host CEF:0|Security|threatmanager|1.0|100|worm stopped at bad.example|10|"
      "src=10.0.0.1 dst=2.1.2.2 spt=1232 request=http://evil.com/a b=c\\=d fname=evil.exe "
      "filePath=C:\\\\Temp\\\\evil.exe fileHash=" +
      kMd5 + " msg=contacted evil.org and 10.9.9.9");
  EXPECT_EQ(r.format, Format::kCef);
  EXPECT_THAT(
      r.fields,
      ElementsAre(F(K::kDomain, "name", "bad.example"), F(K::kIpv4, "src", "10.0.0.1"),
                  F(K::kIpv4, "dst", "2.1.2.2"), F(K::kUrl, "request", "http://evil.com/a"),
                  F(K::kDomain, "request", "evil.com"), F(K::kFileName, "fname", "evil.exe"),
                  F(K::kDomain, "fname", "evil.exe"), F(K::kFileName, "filePath", "evil.exe"),
                  F(K::kDomain, "filePath", "evil.exe"), F(K::kMd5, "fileHash", kMd5),
                  F(K::kDomain, "msg", "evil.org"), F(K::kIpv4, "msg", "10.9.9.9")));
}

TEST(LeefParser, ReadsVersionOneWithTabsAndTwoWithItsDelimiter) {
  const auto sweep = ReadText(
      "LEEF:1.0|Microsoft|MSExchange|4.0 SP1|15345|src=192.0.2.7\tdst=172.50.123.1\tsev=5\t"
      "usrName=joe.black@evil.example\n"
      "LEEF:2.0|Lancope|StealthWatch|1.0|41|^|src=10.0.6.1^dst=10.0.0.2^dstDomain=evil.net\n"
      "LEEF:2.0|V|P|1.0|42|x7C|src=10.0.6.2|url=http://x.evil.net/\n");
  ASSERT_EQ(sweep.records.size(), 3U);
  EXPECT_EQ(sweep.detection.format, Format::kLeef);
  EXPECT_THAT(sweep.records[0].fields,
              ElementsAre(F(K::kIpv4, "src", "192.0.2.7"), F(K::kIpv4, "dst", "172.50.123.1"),
                          F(K::kEmail, "usrName", "joe.black@evil.example"),
                          F(K::kDomain, "usrName", "evil.example")));
  EXPECT_THAT(sweep.records[1].fields,
              ElementsAre(F(K::kIpv4, "src", "10.0.6.1"), F(K::kIpv4, "dst", "10.0.0.2"),
                          F(K::kDomain, "dstDomain", "evil.net")));
  EXPECT_THAT(sweep.records[2].fields,
              ElementsAre(F(K::kIpv4, "src", "10.0.6.2"), F(K::kUrl, "url", "http://x.evil.net/"),
                          F(K::kDomain, "url", "x.evil.net")));
}

TEST(CsvParser, NamesCellsByTheHeaderAndDecodesQuotes) {
  const std::string text =
      "timestamp,src_ip,\"query name\",url,sha256,comment\n"
      "2024-03-04T00:00:00Z,10.0.0.5,www.evil.com,\"http://evil.com/a,b\"," +
      kSha256 + ",\"said \"\"hi\"\" to bad.org\"\n";
  const auto sweep = ReadText(text);
  EXPECT_EQ(sweep.detection.format, Format::kCsv);
  ASSERT_EQ(sweep.records.size(), 1U);
  ExpectOffsetsPointBack(text, sweep);
  EXPECT_THAT(
      sweep.records[0].fields,
      ElementsAre(F(K::kIpv4, "src_ip", "10.0.0.5"), F(K::kDomain, "query name", "www.evil.com"),
                  F(K::kUrl, "url", "http://evil.com/a,b"), F(K::kDomain, "url", "evil.com"),
                  F(K::kSha256, "sha256", kSha256), F(K::kDomain, "comment", "bad.org")));
  EXPECT_TRUE(sweep.records[0].fields.back().decoded);
}

TEST(Detection, TellsEachFormatFromItsLines) {
  struct Case {
    std::string text;
    Format format;
  };
  const std::vector<Case> cases = {
      {"1709510400.123 45 10.0.0.1 TCP_MISS/200 1 GET http://a.com/ - HIER_NONE/- -\n",
       Format::kSquid},
      {"1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.0\" 200 2326\n", Format::kCombined},
      {"[10.30 16:49:06] chrome.exe - a.com:443 open\n", Format::kProxifier},
      {"3/4/2024 1:23:45 PM 0E2C PACKET  0000 UDP Rcv 10.0.0.5 a1b2 Q [0001 D NOERROR] A "
       "(1)a(3)com(0)\n",
       Format::kWindowsDns},
      {"<13>1 2024-03-04T00:00:00Z h app - - - msg\n", Format::kSyslog5424},
      {"CEF:0|a|b|1|2|n|3|src=1.2.3.4\n", Format::kCef},
      {"LEEF:1.0|a|b|1|2|src=1.2.3.4\n", Format::kLeef},
      {"{\"a\":1}\n", Format::kJsonLines},
      {"Mar  4 00:00:00 host prog[1]: hello\n", Format::kSyslog},
      {"a,b,c\n1,2,3\n", Format::kCsv},
      {"just some text with evil.com\n", Format::kText},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(DetectFormat(c.text, true).format, c.format) << c.text;
  }
}

TEST(Detection, FlagsBinaryInput) {
  const std::string text(
      "\x7f"
      "ELF\0\0\0 evil.com",
      16);
  EXPECT_TRUE(DetectFormat(text, true).binary);
  EXPECT_FALSE(DetectFormat("plain evil.com\n", true).binary);
}

TEST(RecordReader, FollowsAStreamWhoseFormatChanges) {
  const std::string text =
      "1709510400.123 45 10.0.0.1 TCP_MISS/200 1 GET http://a.evil.com/ - HIER_NONE/- -\n"
      "1709510400.124 45 10.0.0.2 TCP_MISS/200 1 GET http://b.evil.com/ - HIER_NONE/- -\n"
      "04-Mar-2024 00:00:00.000 queries: info: client @0x1 10.0.0.3#5 (c.evil.com): query: "
      "c.evil.com IN A + (10.0.0.53)\n"
      "{\"QueryName\":\"d.evil.com\"}\n"
      "free text mentioning e.evil.com\n"
      "1709510400.125 45 10.0.0.4 TCP_MISS/200 1 GET http://f.evil.com/ - HIER_NONE/- -\n";
  const auto sweep = ReadText(text);
  ExpectOffsetsPointBack(text, sweep);
  std::vector<Format> formats;
  for (const auto& r : sweep.records) formats.push_back(r.format);
  EXPECT_THAT(formats, ElementsAre(Format::kSquid, Format::kSquid, Format::kBind,
                                   Format::kJsonLines, Format::kText, Format::kSquid));
  EXPECT_THAT(sweep.records[3].fields, ElementsAre(F(K::kDomain, "QueryName", "d.evil.com")));
  EXPECT_THAT(sweep.records[4].fields, ElementsAre(F(K::kDomain, "text", "e.evil.com")));
}

TEST(RecordReader, AnExplicitFormatSendsOtherLinesToTheTokenizer) {
  const std::string text =
      "04-Mar-2024 00:00:00.000 queries: info: client @0x1 10.0.0.3#5 (c.evil.com): query: "
      "c.evil.com IN A + (10.0.0.53)\n";
  const auto sweep = ReadText(text, Format::kSquid);
  ASSERT_EQ(sweep.records.size(), 1U);
  EXPECT_EQ(sweep.records[0].format, Format::kText);
  EXPECT_THAT(sweep.records[0].fields, Contains(F(K::kDomain, "text", "c.evil.com")));
  EXPECT_EQ(sweep.detection.format, Format::kSquid);
}

TEST(RecordReader, SkipsBlankLinesAndKeepsLineNumbers) {
  const std::string text = "\n  \na.evil.com\r\n\r\nb.evil.com";
  const auto sweep = ReadText(text);
  ASSERT_EQ(sweep.records.size(), 2U);
  EXPECT_EQ(sweep.records[0].line, 3U);
  EXPECT_EQ(sweep.records[0].text, "a.evil.com");
  EXPECT_EQ(sweep.records[1].line, 5U);
  EXPECT_EQ(sweep.records[1].offset, text.size() - 10);
  ExpectOffsetsPointBack(text, sweep);
}

TEST(RecordReader, TokenizesThePiecesOfOverlongLines) {
  const std::string text = std::string(100, 'x') + " evil.com " + std::string(100, 'y') + "\n";
  ReaderOptions options;
  options.lines.max_line = 64;
  const auto sweep = testing_util::ReadAll(MemorySource(text), options);
  ASSERT_EQ(sweep.records.size(), 4U);
  for (const auto& r : sweep.records) EXPECT_EQ(r.line, 1U);
  std::vector<OwnedField> all;
  for (const auto& r : sweep.records) all.insert(all.end(), r.fields.begin(), r.fields.end());
  EXPECT_THAT(all, ElementsAre(F(K::kDomain, "text", "evil.com")));
  ExpectOffsetsPointBack(text, sweep);
}

TEST(FormatNames, RoundTripAndAcceptAliases) {
  for (int i = 0; i < kFormatCount; ++i) {
    const auto format = static_cast<Format>(i);
    EXPECT_EQ(ParseFormatName(FormatName(format)), format);
  }
  EXPECT_EQ(ParseFormatName("NGINX"), Format::kCombined);
  EXPECT_EQ(ParseFormatName("sysmon"), Format::kJsonLines);
  EXPECT_FALSE(ParseFormatName("evtx"));
}

TEST(NormaliseField, GivesTheNormalForm) {
  Field f;
  f.kind = K::kIpv6;
  f.value = "::FFFF:10.0.0.1";
  auto o = NormaliseField(f);
  ASSERT_TRUE(o);
  EXPECT_EQ(o->kind, K::kIpv4);
  EXPECT_EQ(o->value, "10.0.0.1");
  f.kind = K::kDomain;
  f.value = "WWW.Evil.COM";
  EXPECT_EQ(NormaliseField(f)->value, "www.evil.com");
}

}  // namespace
}  // namespace caduceus::sweep
