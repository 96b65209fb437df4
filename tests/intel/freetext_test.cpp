// Freetext extraction: refanging, each indicator kind with its validation (public suffixes for
// names), what is deliberately not reported, offsets and raw text that point back into the
// input, de-duplication, the bounds, and real phishing e-mails from the shared data.
#include "intel/freetext.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace caduceus::intel {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using K = ObservableKind;

FreetextExtraction Extract(std::string_view text) {
  auto r = ExtractFreetext(text);
  EXPECT_TRUE(r.has_value());
  return r ? std::move(*r) : FreetextExtraction{};
}

std::optional<FreetextCandidate> Find(const FreetextExtraction& x, K kind, std::string_view value) {
  for (const auto& c : x.items) {
    if (c.kind == kind && c.value == value) return c;
  }
  return std::nullopt;
}

std::vector<std::string> Values(const FreetextExtraction& x, K kind) {
  std::vector<std::string> out;
  for (const auto& c : x.items) {
    if (c.kind == kind) out.push_back(c.value);
  }
  return out;
}

// Every candidate's raw text is where its offset says.
void ExpectRawAtOffsets(std::string_view text, const FreetextExtraction& x) {
  for (const auto& c : x.items) {
    ASSERT_LE(c.offset + c.raw.size(), text.size());
    EXPECT_EQ(text.substr(c.offset, c.raw.size()), c.raw) << c.value;
  }
}

TEST(Freetext, RefangUndoesTheCommonDefangings) {
  EXPECT_EQ(Refang("hxxps[:]//evil[.]example(.)com{.}au/x"), "https://evil.example.com.au/x");
  EXPECT_EQ(Refang("HXXP://a[DOT]b(dot)c{dot}d"), "http://a.b.c.d");
  EXPECT_EQ(Refang("user[@]x.org user(at)x.org user[AT]x.org user(@)x.org"),
            "user@x.org user@x.org user@x.org user@x.org");
  EXPECT_EQ(Refang("hxxp[://]a.b[/]c fxp://f.example"), "http://a.b/c ftp://f.example");
  EXPECT_EQ(Refang("shxxp://x"), "shxxp://x");
  EXPECT_EQ(Refang("plain text (with) [brackets]"), "plain text (with) [brackets]");
}

TEST(Freetext, DefangedUrlIsRefangedNormalisedAndPointsAtItsRawText) {
  const std::string text = "Block hxxps[:]//Evil[.]Example[.]com:443/Login?id=1 now.";
  const auto x = Extract(text);
  ASSERT_EQ(x.items.size(), 1u);
  const auto& c = x.items[0];
  EXPECT_EQ(c.kind, K::kUrl);
  EXPECT_EQ(c.value, "https://evil.example.com/Login?id=1");
  EXPECT_EQ(c.raw, "hxxps[:]//Evil[.]Example[.]com:443/Login?id=1");
  EXPECT_EQ(c.offset, 6u);
  EXPECT_TRUE(c.refanged);
  EXPECT_TRUE(c.valid);
  EXPECT_TRUE(c.reason.empty());
}

TEST(Freetext, UrlEndsBeforeSentencePunctuationAndUnbalancedBrackets) {
  const auto x = Extract(
      "See (https://evil.example/a_(b)). Also \"http://evil.example/q\", and "
      "<http://evil.example/z>; [https://evil.example/w].");
  EXPECT_THAT(Values(x, K::kUrl),
              ::testing::ElementsAre("https://evil.example/a_(b)", "http://evil.example/q",
                                     "http://evil.example/z", "https://evil.example/w"));
  EXPECT_TRUE(Values(x, K::kDomain).empty()) << "the URL's host is not reported again";
}

TEST(Freetext, UrlWithAnUnregistrableHostIsReportedInvalidWithTheReason) {
  const auto x = Extract("intranet: http://fileserver.corp.local/share");
  ASSERT_EQ(x.items.size(), 1u);
  EXPECT_EQ(x.items[0].kind, K::kUrl);
  EXPECT_FALSE(x.items[0].valid);
  EXPECT_THAT(x.items[0].reason, HasSubstr(".local"));
  EXPECT_EQ(x.items[0].value, "http://fileserver.corp.local/share");
}

TEST(Freetext, DomainsAreValidatedAgainstThePublicSuffixList) {
  const auto x = Extract(
      "C2 at update-check.hospital-invoices.com and login.bücher.de; attachment invoice.pdf, "
      "host example.local, suffix co.uk, version 1.2.3, e.g. this, readme.txt.");
  EXPECT_THAT(Values(x, K::kDomain), ::testing::ElementsAre("update-check.hospital-invoices.com",
                                                            "login.xn--bcher-kva.de"));
  for (const auto& c : x.items) EXPECT_TRUE(c.valid) << c.raw;
}

TEST(Freetext, DefangedNameThatIsNotADomainIsReportedWithTheReason) {
  const auto x = Extract("beacon to evil[.]local and to payroll[.]co[.]uk");
  ASSERT_EQ(x.items.size(), 2u);
  EXPECT_EQ(x.items[0].kind, K::kDomain);
  EXPECT_FALSE(x.items[0].valid);
  EXPECT_TRUE(x.items[0].refanged);
  EXPECT_EQ(x.items[0].value, "evil.local");
  EXPECT_THAT(x.items[0].reason, HasSubstr(".local"));
  EXPECT_TRUE(x.items[1].valid);
  EXPECT_EQ(x.items[1].value, "payroll.co.uk");
}

TEST(Freetext, PlausibleDomainNeedsAKnownTldAndARegistrableName) {
  std::string reason;
  EXPECT_TRUE(PlausibleDomain("evil.example.com", &reason));
  EXPECT_TRUE(reason.empty());
  EXPECT_TRUE(PlausibleDomain("xn--bcher-kva.de"));
  EXPECT_TRUE(PlausibleDomain("attacker.blogspot.com"));
  EXPECT_FALSE(PlausibleDomain("invoice.pdf", &reason));
  EXPECT_THAT(reason, HasSubstr(".pdf"));
  EXPECT_FALSE(PlausibleDomain("co.uk", &reason));
  EXPECT_THAT(reason, HasSubstr("public suffix"));
  EXPECT_FALSE(PlausibleDomain("localhost"));
}

TEST(Freetext, EmailAddressesIncludingDefangedOnes) {
  const auto x = Extract(
      "From: \"CEO\" <ceo.office@hospital-payments.com>, reply to j.doe+x[@]evil[.]org or "
      "billing(at)evil.org; not me@host.local nor @handle");
  EXPECT_THAT(Values(x, K::kEmail), ::testing::ElementsAre("ceo.office@hospital-payments.com",
                                                           "j.doe+x@evil.org", "billing@evil.org"));
  EXPECT_TRUE(Find(x, K::kEmail, "j.doe+x@evil.org")->refanged);
  EXPECT_FALSE(Find(x, K::kEmail, "ceo.office@hospital-payments.com")->refanged);
  EXPECT_TRUE(Values(x, K::kDomain).empty()) << "an address's domain is not reported again";
}

TEST(Freetext, Ipv4AddressesNetworksAndPortsButNotVersionsOrBadOctets) {
  const auto x = Extract(
      "hosts 185.220.101.1:443, 10.0.0.0/8 and 203.0.113[.]7; build 1.2.3.4.5, 999.1.1.1, "
      "version 2.10.3");
  EXPECT_THAT(Values(x, K::kIpv4),
              ::testing::ElementsAre("185.220.101.1", "10.0.0.0/8", "203.0.113.7"));
  EXPECT_TRUE(Find(x, K::kIpv4, "203.0.113.7")->refanged);
  EXPECT_EQ(x.items.size(), 3u);
}

TEST(Freetext, Ipv6AddressesAndNetworksButNotTimesOrScopes) {
  const auto x = Extract(
      "seen from 2001:DB8::1 and [2001:db8:0:0::2]:8443, net fe80::/10, mapped ::ffff:192.0.2.1; "
      "at 10:30:45 in std::vector");
  EXPECT_THAT(Values(x, K::kIpv6),
              ::testing::ElementsAre("2001:db8::1", "2001:db8::2", "fe80::/10"));
  EXPECT_THAT(Values(x, K::kIpv4), ::testing::ElementsAre("192.0.2.1"));
  EXPECT_EQ(x.items.size(), 4u);
}

TEST(Freetext, HashesOfEachLengthInAnyCase) {
  const std::string md5 = "44D88612FEA8A8F36DE82E1278ABB02F";
  const std::string sha1 = "3395856ce81f2b7382dee72602f798b642f14140";
  const std::string sha256 = "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f";
  const std::string sha512(128, 'a');
  const auto x = Extract("md5=" + md5 + " sha1:" + sha1 + "\n" + sha256 + ".\n/files/" + sha512 +
                         "/x and not " + md5 + "0 nor 0x" + sha1);
  EXPECT_THAT(Values(x, K::kMd5), ::testing::ElementsAre("44d88612fea8a8f36de82e1278abb02f"));
  EXPECT_THAT(Values(x, K::kSha1), ::testing::ElementsAre(sha1));
  EXPECT_THAT(Values(x, K::kSha256), ::testing::ElementsAre(sha256));
  EXPECT_THAT(Values(x, K::kSha512), ::testing::ElementsAre(sha512));
  EXPECT_EQ(x.items.size(), 4u);
}

TEST(Freetext, FileNamesWithRiskyExtensions) {
  const auto x = Extract(
      "Attachment Invoice_2024.pdf.exe dropped C:\\Users\\nurse\\AppData\\Roaming\\upd.ps1 and "
      "update.zip; harmless report.docx and notes.txt are not indicators");
  EXPECT_THAT(Values(x, K::kFileName),
              ::testing::ElementsAre("Invoice_2024.pdf.exe", "upd.ps1", "update.zip"));
  EXPECT_THAT(Values(x, K::kDomain), ::testing::ElementsAre("update.zip"))
      << ".zip is a top-level domain too; the analyst chooses";
}

TEST(Freetext, EachValueIsReportedOnceAtItsFirstOccurrence) {
  const std::string text = "evil.example.com then EVIL.example.com then evil[.]example[.]com";
  const auto x = Extract(text);
  ASSERT_EQ(x.items.size(), 1u);
  EXPECT_EQ(x.items[0].offset, 0u);
  EXPECT_FALSE(x.items[0].refanged);
}

TEST(Freetext, ItemsComeInTextOrderWithByteOffsetsPastMultibyteText) {
  const std::string text =
      "Sehr geehrte Kolleg·innen, „phish.example.net“ und 45.137.21.9 — danach "
      "https://phish.example.net/ä";
  const auto x = Extract(text);
  ASSERT_EQ(x.items.size(), 3u);
  EXPECT_EQ(x.items[0].kind, K::kDomain);
  EXPECT_EQ(x.items[0].value, "phish.example.net");
  EXPECT_EQ(x.items[1].kind, K::kIpv4);
  EXPECT_EQ(x.items[2].kind, K::kUrl);
  EXPECT_EQ(text.substr(x.items[0].offset, 17), "phish.example.net");
  ExpectRawAtOffsets(text, x);
}

TEST(Freetext, TextWithoutIndicatorsYieldsNothing) {
  const auto x = Extract(
      "Dear colleagues, the meeting is at 10:30 on 2024-05-01 in room 3.14. Regards, Dr. Smith.");
  EXPECT_TRUE(x.items.empty());
  EXPECT_FALSE(x.truncated);
}

TEST(Freetext, InputOverOneMebibyteIsRefused) {
  const std::string text(kMaxFreetextBytes + 1, 'a');
  const auto r = ExtractFreetext(text);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kPayloadTooLarge);
  EXPECT_TRUE(ExtractFreetext(std::string(kMaxFreetextBytes, ' ')).has_value());
}

TEST(Freetext, CandidatesAreCappedAndTheCapIsReported) {
  std::string text;
  for (int i = 0; i < 6000; ++i) text += "h" + std::to_string(i) + ".evil.com ";
  const auto x = Extract(text);
  EXPECT_EQ(x.items.size(), kMaxFreetextCandidates);
  EXPECT_TRUE(x.truncated);
}

TEST(Freetext, HostileInputStaysBoundedAndConsistent) {
  std::string text;
  for (int i = 0; i < 20000; ++i) text += "a@";
  text += std::string(50000, ':');
  text += std::string(50000, '.');
  for (int i = 0; i < 5000; ++i) text += "[.]";
  for (int i = 0; i < 2000; ++i) text += "http://";
  const auto x = Extract(text);
  ExpectRawAtOffsets(text, x);
  EXPECT_LE(x.items.size(), kMaxFreetextCandidates);
}

fs::path PhishingDir() {
  const char* shared = std::getenv("CADUCEUS_SHARED_DIR");
  if (shared != nullptr && *shared != '\0') {
    return fs::path(shared) / "data" / "phishing" / "phishing_pot" / "email";
  }
  const char* source = std::getenv("CADUCEUS_SOURCE_DIR");
  return fs::path(source != nullptr ? source : ".") / ".." / "shared" / "data" / "phishing" /
         "phishing_pot" / "email";
}

// Real phishing e-mails (rf-peixoto/phishing_pot, read at test time, not copied): every message
// yields candidates whose raw text is where the offsets say, most yield a valid URL, and none
// yields a domain that fails the public-suffix check as valid.
TEST(Freetext, RealPhishingEmailsYieldConsistentCandidates) {
  const auto dir = PhishingDir();
  if (!fs::is_directory(dir)) GTEST_SKIP() << "no shared phishing data at " << dir;
  std::size_t files = 0;
  std::size_t with_url = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() != ".eml") continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::ostringstream body;
    body << in.rdbuf();
    const std::string text = body.str().substr(0, kMaxFreetextBytes);
    const auto x = Extract(text);
    ++files;
    ExpectRawAtOffsets(text, x);
    if (!Values(x, K::kUrl).empty()) ++with_url;
    for (const auto& c : x.items) {
      if (c.kind == K::kDomain && c.valid) {
        EXPECT_TRUE(PlausibleDomain(c.value)) << c.value;
      }
      if (!c.valid) {
        EXPECT_FALSE(c.reason.empty()) << c.raw;
      }
    }
    EXPECT_FALSE(x.items.empty()) << entry.path();
  }
  ASSERT_GT(files, 0u);
  EXPECT_GE(with_url * 10, files * 8) << with_url << " of " << files << " messages had a URL";
}

}  // namespace
}  // namespace caduceus::intel
