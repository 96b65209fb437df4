// CPE 2.3: formatted-string and 2.2 URI unbinding with quoting and wildcards (NISTIR 7695), name
// matching (NISTIR 7696, including its examples), and the CPEs of the shared CSAF advisories and
// CycloneDX SBOMs.
#include "advisories/cpe.h"

#include <algorithm>
#include <filesystem>
#include <regex>
#include <set>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "match_test_data.h"

namespace caduceus::advisories {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

Cpe MustParse(std::string_view text) {
  auto cpe = ParseCpe(text);
  EXPECT_TRUE(cpe.has_value()) << text << ": " << (cpe ? "" : cpe.error().message);
  return cpe ? *cpe : Cpe{};
}

TEST(ParseCpe23Test, UnbindsAnyNaAndQuotedValues) {
  const Cpe cpe = MustParse("cpe:2.3:a:Philips:Engage_Software:6.2.1:-:*:*:*:*:*:*");
  EXPECT_EQ(cpe.part().value, "a");
  EXPECT_EQ(cpe.vendor().value, "philips");
  EXPECT_EQ(cpe.product().value, "engage_software");
  EXPECT_EQ(cpe.version().value, "6\\.2\\.1");
  EXPECT_EQ(cpe.version().Display(), "6.2.1");
  EXPECT_EQ(cpe.update().kind, CpeValue::Kind::kNa);
  EXPECT_EQ(cpe.attributes[5].kind, CpeValue::Kind::kAny);
  EXPECT_EQ(cpe.ToFormattedString(), "cpe:2.3:a:philips:engage_software:6.2.1:-:*:*:*:*:*:*");
}

TEST(ParseCpe23Test, AQuotedColonOrStarIsALiteral) {
  const Cpe cpe = MustParse(R"(cpe:2.3:a:foo\:bar:p\*q:1\.0:*:*:*:*:*:*:*)");
  EXPECT_EQ(cpe.vendor().Display(), "foo:bar");
  EXPECT_EQ(cpe.product().value, R"(p\*q)");
  EXPECT_FALSE(cpe.product().HasWildcards());
  EXPECT_EQ(cpe.ToFormattedString(), R"(cpe:2.3:a:foo\:bar:p\*q:1.0:*:*:*:*:*:*:*)");
  EXPECT_EQ(MustParse(cpe.ToFormattedString()), cpe);
}

TEST(ParseCpe23Test, UnquotedPunctuationIsAcceptedAndQuoted) {
  const Cpe cpe = MustParse("cpe:2.3:h:ubiquiti:uap-ac-pro+x:*:*:*:*:*:*:*:*");
  EXPECT_EQ(cpe.product().value, R"(uap\-ac\-pro\+x)");
  EXPECT_EQ(cpe.ToFormattedString(), R"(cpe:2.3:h:ubiquiti:uap-ac-pro\+x:*:*:*:*:*:*:*:*)");
}

TEST(ParseCpe23Test, WildcardsOnlyAtTheEnds) {
  EXPECT_TRUE(MustParse("cpe:2.3:a:microsoft:internet_explorer:8.*:sp?:*:*:*:*:*:*")
                  .version()
                  .HasWildcards());
  EXPECT_TRUE(ParseCpe23("cpe:2.3:a:foo:*bar*:*:*:*:*:*:*:*:*").has_value());
  EXPECT_TRUE(ParseCpe23("cpe:2.3:a:foo:??bar:*:*:*:*:*:*:*:*").has_value());
  const auto middle = ParseCpe23("cpe:2.3:a:foo:b*r:*:*:*:*:*:*:*:*");
  ASSERT_FALSE(middle.has_value());
  EXPECT_EQ(middle.error().field, "product");
  EXPECT_FALSE(ParseCpe23("cpe:2.3:a:foo:b?r:*:*:*:*:*:*:*:*").has_value());
  EXPECT_FALSE(ParseCpe23("cpe:2.3:a:foo:**:*:*:*:*:*:*:*:*").has_value());
}

TEST(ParseCpe23Test, RejectsMalformedNames) {
  EXPECT_FALSE(ParseCpe23("cpe:2.3:a:foo:bar:1.0:*:*:*:*:*:*").has_value());      // 10 attributes
  EXPECT_FALSE(ParseCpe23("cpe:2.3:a:foo:bar:1.0:*:*:*:*:*:*:*:*").has_value());  // 12
  EXPECT_FALSE(ParseCpe23("cpe:2.3:x:foo:bar:1.0:*:*:*:*:*:*:*").has_value());    // part
  EXPECT_FALSE(ParseCpe23("cpe:2.3:a::bar:1.0:*:*:*:*:*:*:*").has_value());       // empty
  EXPECT_FALSE(ParseCpe23("cpe:2.3:a:f o:bar:1.0:*:*:*:*:*:*:*").has_value());    // space
  EXPECT_FALSE(ParseCpe23("cpe:2.3:a:f\xc3\xa9:bar:1.0:*:*:*:*:*:*:*").has_value());
  EXPECT_FALSE(ParseCpe23("cpe:2.3:a:foo:bar\\").has_value());
  EXPECT_FALSE(ParseCpe23("cpe:2.2:a:foo:bar:1.0:*:*:*:*:*:*:*").has_value());
  EXPECT_FALSE(ParseCpe23("cpe:2.3:a:" + std::string(kMaxCpeBytes, 'a')).has_value());
  EXPECT_FALSE(ParseCpe("pkg:npm/foo").has_value());
}

TEST(ParseCpe23Test, AQuotedHyphenStaysAValueAndDoesNotBecomeNotApplicable) {
  const Cpe cpe = MustParse(R"(cpe:2.3:a:vendor:product:1.0:*:\-:*:*:*:*:*)");
  EXPECT_EQ(cpe.attributes[5].kind, CpeValue::Kind::kValue);
  EXPECT_EQ(cpe.ToFormattedString(), R"(cpe:2.3:a:vendor:product:1.0:*:\-:*:*:*:*:*)");
  EXPECT_EQ(MustParse(cpe.ToFormattedString()), cpe);
}

TEST(ParseCpe22UriTest, BindsToTheSameNameAsTheFormattedString) {
  EXPECT_EQ(MustParse("cpe:/a:microsoft:internet_explorer:8.0.6001:beta"),
            MustParse("cpe:2.3:a:microsoft:internet_explorer:8.0.6001:beta:*:*:*:*:*:*"));
  EXPECT_EQ(MustParse("cpe:/o:Microsoft:Windows_XP::sp2:pro:en-us"),
            MustParse("cpe:2.3:o:microsoft:windows_xp:*:sp2:pro:en-us:*:*:*:*"));
  EXPECT_EQ(MustParse("cpe:/a:csaf-tools:cvrf-csaf-converter:1.0.0-alpha"),
            MustParse("cpe:2.3:a:csaf-tools:cvrf-csaf-converter:1.0.0-alpha:*:*:*:*:*:*:*"));
}

TEST(ParseCpe22UriTest, UnpacksTheEditionAndDecodesPercentEscapes) {
  const Cpe packed = MustParse("cpe:/a:hp:insight_diagnostics:7.4.0.1570:-:~~online~win2003~x64~");
  EXPECT_EQ(packed.update().kind, CpeValue::Kind::kNa);
  EXPECT_EQ(packed.attributes[5].kind, CpeValue::Kind::kAny);
  EXPECT_EQ(packed.attributes[7].value, "online");
  EXPECT_EQ(packed.attributes[8].value, "win2003");
  EXPECT_EQ(packed.attributes[9].value, "x64");
  EXPECT_EQ(packed.attributes[10].kind, CpeValue::Kind::kAny);
  const Cpe encoded = MustParse("cpe:/a:foo%21:bar:1.%02");
  EXPECT_EQ(encoded.vendor().value, R"(foo\!)");
  EXPECT_EQ(encoded.version().value, R"(1\.*)");
  EXPECT_TRUE(encoded.version().HasWildcards());
  EXPECT_EQ(MustParse("cpe:/a:foo:bar:%01%011.0").version().value, R"(??1\.0)");
  EXPECT_FALSE(ParseCpe22Uri("cpe:/a:foo:bar:1.0:a:b:c:d").has_value());
  EXPECT_FALSE(ParseCpe22Uri("cpe:/a:foo:bar:1.0::~a~b").has_value());
  EXPECT_FALSE(ParseCpe22Uri("cpe:/a:foo%2:bar").has_value());
  EXPECT_FALSE(ParseCpe22Uri("cpe:/a:foo bar").has_value());
}

TEST(CompareCpeTest, Nistir7696Examples) {
  const Cpe source = MustParse("cpe:2.3:a:microsoft:internet_explorer:8.*:sp?:*:*:*:*:*:*");
  const CpeComparison beta = CompareCpe(
      source, MustParse("cpe:2.3:a:microsoft:internet_explorer:8.0.6001:beta:*:*:*:*:*:*"));
  EXPECT_EQ(beta.attributes[3], CpeRelation::kSuperset);
  EXPECT_EQ(beta.attributes[4], CpeRelation::kDisjoint);
  EXPECT_EQ(beta.name, CpeRelation::kDisjoint);
  const CpeComparison sp2 = CompareCpe(
      source, MustParse("cpe:2.3:a:microsoft:internet_explorer:8.0.6001:sp2:*:*:*:*:*:*"));
  EXPECT_EQ(sp2.name, CpeRelation::kSuperset);
  const CpeComparison sp12 = CompareCpe(
      source, MustParse("cpe:2.3:a:microsoft:internet_explorer:8.0.6001:sp12:*:*:*:*:*:*"));
  EXPECT_EQ(sp12.name, CpeRelation::kDisjoint);
}

TEST(CompareCpeTest, AttributeRelationsFollowTable62) {
  const Cpe any = MustParse("cpe:2.3:a:acme:pump:*:*:*:*:*:*:*:*");
  const Cpe na = MustParse("cpe:2.3:a:acme:pump:-:*:*:*:*:*:*:*");
  const Cpe value = MustParse("cpe:2.3:a:acme:pump:4.2:*:*:*:*:*:*:*");
  const Cpe wild = MustParse("cpe:2.3:a:acme:pump:4.*:*:*:*:*:*:*:*");
  EXPECT_EQ(CompareCpe(any, value).attributes[3], CpeRelation::kSuperset);
  EXPECT_EQ(CompareCpe(value, any).attributes[3], CpeRelation::kSubset);
  EXPECT_EQ(CompareCpe(na, value).attributes[3], CpeRelation::kDisjoint);
  EXPECT_EQ(CompareCpe(any, na).attributes[3], CpeRelation::kSuperset);
  EXPECT_EQ(CompareCpe(value, value).name, CpeRelation::kEqual);
  EXPECT_EQ(CompareCpe(value, wild).attributes[3], CpeRelation::kUndefined);
  EXPECT_EQ(CompareCpe(value, wild).name, CpeRelation::kUndefined);
  EXPECT_EQ(CompareCpe(wild, value).name, CpeRelation::kSuperset);
  EXPECT_EQ(CompareCpe(wild, MustParse("cpe:2.3:a:acme:pump:5.0:*:*:*:*:*:*:*")).name,
            CpeRelation::kDisjoint);
  EXPECT_EQ(CompareCpe(MustParse("cpe:2.3:a:acme:pump:*4.2:*:*:*:*:*:*:*"),
                       MustParse("cpe:2.3:a:acme:pump:v4.2:*:*:*:*:*:*:*"))
                .name,
            CpeRelation::kSuperset);
  EXPECT_EQ(CompareCpe(MustParse("cpe:2.3:a:acme:pump:?4.2:*:*:*:*:*:*:*"),
                       MustParse("cpe:2.3:a:acme:pump:vv4.2:*:*:*:*:*:*:*"))
                .name,
            CpeRelation::kDisjoint);
}

TEST(CompareCpeTest, QuotedCharactersCountOnceAgainstQuestionMarks) {
  // "??" before "1" covers "v." (two characters, one of them quoted) but not "vv.".
  const Cpe source = MustParse("cpe:2.3:a:acme:pump:??1:*:*:*:*:*:*:*");
  EXPECT_EQ(CompareCpe(source, MustParse("cpe:2.3:a:acme:pump:v.1:*:*:*:*:*:*:*")).name,
            CpeRelation::kSuperset);
  EXPECT_EQ(CompareCpe(source, MustParse("cpe:2.3:a:acme:pump:vv.1:*:*:*:*:*:*:*")).name,
            CpeRelation::kDisjoint);
}

TEST(MatchCpeTest, ExplainsAMatchAndTheFirstDifference) {
  const Cpe advisory = MustParse("cpe:2.3:a:philips:engage:*:*:*:*:*:*:*:*");
  const Cpe asset = MustParse("cpe:2.3:a:philips:engage:6.1:*:*:*:*:*:*:*");
  const CpeMatch yes = MatchCpe(advisory, asset);
  EXPECT_TRUE(yes.matched);
  EXPECT_EQ(yes.reason,
            "cpe cpe:2.3:a:philips:engage:*:*:*:*:*:*:*:* covers "
            "cpe:2.3:a:philips:engage:6.1:*:*:*:*:*:*:*");
  const CpeMatch vendor = MatchCpe(MustParse("cpe:2.3:a:ge:engage:*:*:*:*:*:*:*:*"), asset);
  EXPECT_FALSE(vendor.matched);
  EXPECT_EQ(vendor.reason, "cpe vendor 'ge' differs from 'philips'");
  const CpeMatch narrower = MatchCpe(asset, advisory);
  EXPECT_FALSE(narrower.matched);
  EXPECT_THAT(narrower.reason, HasSubstr("narrower"));
}

TEST(MatchCpeTest, IgnoringTheVersionLeavesItToTheRangeCheck) {
  const Cpe advisory =
      MustParse("cpe:2.3:a:ubiquiti:unifi_network_application:8.3.32:*:*:*:*:*:*:*");
  const Cpe asset = MustParse("cpe:2.3:a:ubiquiti:unifi_network_application:8.3.33:*:*:*:*:*:*:*");
  EXPECT_FALSE(MatchCpe(advisory, asset).matched);
  const CpeMatch m = MatchCpe(advisory, asset, true);
  EXPECT_TRUE(m.matched);
  EXPECT_THAT(m.reason, HasSubstr("version checked separately"));
}

TEST(SharedCpeTest, EveryCpeInTheSharedSbomsAndAdvisoriesParses) {
  const fs::path data = testdata::SharedDataDir();
  CADUCEUS_REQUIRE_SHARED(data / "cyclonedx");
  const std::regex cpe_member(R"re("cpe"\s*:\s*"([^"]*)")re");
  std::set<std::string> cpes;
  for (const fs::path& root : {data / "cyclonedx", data / "csaf"}) {
    if (!fs::exists(root)) continue;
    for (const auto& entry : fs::recursive_directory_iterator(root)) {
      if (!entry.is_regular_file() || entry.path().extension() != ".json") continue;
      const std::string text = testdata::ReadFile(entry.path());
      if (text.find("\"cpe\"") == std::string::npos) continue;
      for (std::sregex_iterator it(text.begin(), text.end(), cpe_member), end; it != end; ++it) {
        cpes.insert((*it)[1].str());
      }
    }
  }
  ASSERT_GT(cpes.size(), 20u);
  for (const std::string& text : cpes) {
    std::string unescaped;
    for (std::size_t i = 0; i < text.size(); ++i) {
      if (text[i] == '\\' && i + 1 < text.size()) ++i;  // JSON escapes
      unescaped += text[i];
    }
    const auto cpe = ParseCpe(unescaped);
    ASSERT_TRUE(cpe.has_value()) << unescaped << ": " << cpe.error().message;
    const bool wild = std::any_of(cpe->attributes.begin(), cpe->attributes.end(),
                                  [](const CpeValue& v) { return v.HasWildcards(); });
    EXPECT_EQ(CompareCpe(*cpe, *cpe).name, wild ? CpeRelation::kUndefined : CpeRelation::kEqual);
    EXPECT_EQ(MustParse(cpe->ToFormattedString()), *cpe);
  }
}

}  // namespace
}  // namespace caduceus::advisories
