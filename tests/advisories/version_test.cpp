// Version ordering per scheme, range parsing and Match on the forms vendors write, most taken from
// the product_version_range names of the CISA advisories in ../shared/data/csaf; and a sweep of
// every such name in that data.
#include "advisories/version.h"

#include <filesystem>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "advisories/csaf.h"
#include "match_test_data.h"

namespace caduceus::advisories {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::StartsWith;

Ordering Order(std::string_view a, std::string_view b, VersionScheme s = VersionScheme::kGeneric) {
  return CompareVersion(a, b, s).order;
}

// --- ordering -----------------------------------------------------------------------------------

TEST(CompareVersionTest, DottedNumbersCompareNumericallyWithMissingPartsAsZero) {
  EXPECT_EQ(Order("3.0", "3.0.0.0"), Ordering::kEqual);
  EXPECT_EQ(Order("1.10", "1.9"), Ordering::kGreater);
  EXPECT_EQ(Order("4.3.9", "4.3.10"), Ordering::kLess);
  EXPECT_EQ(Order("2.09.01", "2.9.1"), Ordering::kEqual);
  EXPECT_EQ(Order("2.09.01", "2.1"), Ordering::kGreater);
  EXPECT_EQ(Order("99999999999999999999999.1", "99999999999999999999998.9"), Ordering::kGreater);
}

TEST(CompareVersionTest, LeadingVOrVerIsDroppedButOtherPrefixesMustMatch) {
  EXPECT_EQ(Order("V4.3.9", "4.3.9"), Ordering::kEqual);
  EXPECT_EQ(Order("Ver.2.60", "v2.60"), Ordering::kEqual);
  EXPECT_EQ(Order("version 2", "2.0"), Ordering::kEqual);
  EXPECT_EQ(Order("R9.50", "R10.04"), Ordering::kLess);
  EXPECT_EQ(Order("BT03", "BT06"), Ordering::kLess);
  const VersionOrder mixed = CompareVersion("9.50", "R10.04");
  EXPECT_EQ(mixed.order, Ordering::kUnordered);
  EXPECT_THAT(mixed.reason, HasSubstr("different version schemes"));
}

TEST(CompareVersionTest, PreReleasesComeBeforeTheReleaseInTagOrder) {
  EXPECT_EQ(Order("1.0-dev", "1.0-alpha"), Ordering::kLess);
  EXPECT_EQ(Order("1.0-alpha", "1.0-beta2"), Ordering::kLess);
  EXPECT_EQ(Order("1.0-beta2", "1.0-beta10"), Ordering::kLess);
  EXPECT_EQ(Order("1.0-beta10", "1.0-rc1"), Ordering::kLess);
  EXPECT_EQ(Order("1.0-rc1", "1.0"), Ordering::kLess);
  EXPECT_EQ(Order("1.0", "1.0rc2"), Ordering::kGreater);
}

TEST(CompareVersionTest, PostReleaseSuffixesComeAfterTheRelease) {
  EXPECT_EQ(Order("3.0 SP2", "3.0"), Ordering::kGreater);
  EXPECT_EQ(Order("V7.5_SP2_Update_17", "V7.5 SP2 Update 18"), Ordering::kLess);
  EXPECT_EQ(Order("V7.5 SP2", "V7.5 SP2 Update 1"), Ordering::kLess);
  EXPECT_EQ(Order("1.8.4 Service Pack 01", "1.8.4 SP1"), Ordering::kEqual);
  EXPECT_EQ(Order("MX-V4.0.2.33.r2", "MX-V4.0.2.33"), Ordering::kGreater);
  EXPECT_EQ(Order("3.0 SP2", "3.0 HF1"), Ordering::kUnordered);
}

TEST(CompareVersionTest, LetterRevisionsFollowTheReleaseAlphabetically) {
  EXPECT_EQ(Order("2.4", "2.4A"), Ordering::kLess);
  EXPECT_EQ(Order("2.4A", "2.4B"), Ordering::kLess);
  EXPECT_EQ(Order("R2023a", "R2023b"), Ordering::kLess);
  EXPECT_EQ(Order("4.17.9e", "4.17.10"), Ordering::kLess);
}

TEST(CompareVersionTest, ABuildOfTheReferenceEqualsItButNotTheOtherWayRound) {
  EXPECT_EQ(Order("6.2.1-b12", "6.2.1"), Ordering::kEqual);
  EXPECT_EQ(Order("6.2.1 build 12", "6.2.1"), Ordering::kEqual);
  EXPECT_EQ(Order("6.2.1-b12", "6.2.1-b13"), Ordering::kLess);
  EXPECT_EQ(Order("1.3.1 Build 13", "1.3.1 build 9"), Ordering::kGreater);
  const VersionOrder which = CompareVersion("5.17.1", "5.17.1-754993421");
  EXPECT_EQ(which.order, Ordering::kUnordered);
  EXPECT_THAT(which.reason, HasSubstr("build"));
}

TEST(CompareVersionTest, UnknownSuffixWordsAreNotGuessed) {
  EXPECT_EQ(Order("1.0-foo", "1.0"), Ordering::kUnordered);
  EXPECT_EQ(Order("1.0-foo2", "1.0-foo3"), Ordering::kLess);
  EXPECT_EQ(Order("1.0-foo", "1.1"), Ordering::kLess);
}

TEST(CompareVersionTest, TextThatIsNoVersionIsUnorderedWithTheReason) {
  const VersionOrder date = CompareVersion("April 1, 2018", "1.0");
  EXPECT_EQ(date.order, Ordering::kUnordered);
  EXPECT_THAT(date.reason, HasSubstr("cannot read version"));
  EXPECT_EQ(Order("K", "1.0"), Ordering::kUnordered);
  EXPECT_EQ(Order("", "1.0"), Ordering::kUnordered);
  EXPECT_EQ(Order(std::string(kMaxVersionBytes + 1, '1'), "1"), Ordering::kUnordered);
}

TEST(CompareVersionTest, SemverFollowsTheSpecPrecedenceAndIgnoresBuildMetadata) {
  const std::vector<std::string> ordered = {"1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta",
                                            "1.0.0-beta",  "1.0.0-beta.2",  "1.0.0-beta.11",
                                            "1.0.0-rc.1",  "1.0.0",         "1.0.1",
                                            "v1.1.0"};
  for (std::size_t i = 0; i + 1 < ordered.size(); ++i) {
    EXPECT_EQ(Order(ordered[i], ordered[i + 1], VersionScheme::kSemver), Ordering::kLess)
        << ordered[i] << " < " << ordered[i + 1];
  }
  EXPECT_EQ(Order("1.0.0+build.7", "1.0.0", VersionScheme::kSemver), Ordering::kEqual);
  EXPECT_EQ(Order("1.2", "1.2.0", VersionScheme::kSemver), Ordering::kEqual);
}

TEST(CompareVersionTest, Pep440ReadsGluedLettersAsPreReleases) {
  EXPECT_EQ(Order("1.0b1", "1.0", VersionScheme::kPep440), Ordering::kLess);
  EXPECT_EQ(Order("1.0a2", "1.0b1", VersionScheme::kPep440), Ordering::kLess);
  EXPECT_EQ(Order("1.0b1", "1.0", VersionScheme::kGeneric), Ordering::kGreater);
}

TEST(CompareVersionTest, DebianOrdersLikeDpkg) {
  const auto deb = VersionScheme::kDebian;
  EXPECT_EQ(Order("1.0~rc1-1", "1.0-1", deb), Ordering::kLess);
  EXPECT_EQ(Order("1:0.9", "2.0", deb), Ordering::kGreater);
  EXPECT_EQ(Order("1.0-1", "1.0-1ubuntu1", deb), Ordering::kLess);
  EXPECT_EQ(Order("2.36.1-8+deb11u1", "2.36.1-8", deb), Ordering::kGreater);
  EXPECT_EQ(Order("1.0", "1.0", deb), Ordering::kEqual);
  EXPECT_EQ(Order("1.0 beta", "1.0", deb), Ordering::kUnordered);
}

TEST(CompareVersionTest, RpmOrdersLikeRpmvercmp) {
  const auto rpm = VersionScheme::kRpm;
  EXPECT_EQ(Order("1.0~rc1", "1.0", rpm), Ordering::kLess);
  EXPECT_EQ(Order("1.0^git1", "1.0", rpm), Ordering::kGreater);
  EXPECT_EQ(Order("1.0^git1", "1.0.1", rpm), Ordering::kLess);
  EXPECT_EQ(Order("2:1.0-1", "1:9.0-1", rpm), Ordering::kGreater);
  EXPECT_EQ(Order("1.0a", "1.0.1", rpm), Ordering::kLess);
  EXPECT_EQ(Order("1.0-1.el8", "1.0-2.el8", rpm), Ordering::kLess);
}

// --- ranges -------------------------------------------------------------------------------------

struct Case {
  std::string version;
  std::string range;
  Verdict verdict;
};

void PrintTo(const Case& c, std::ostream* os) {
  *os << "'" << c.version << "' in '" << c.range << "'";
}

class MatchCaseTest : public ::testing::TestWithParam<Case> {};

TEST_P(MatchCaseTest, GivesTheExpectedVerdict) {
  const Case& c = GetParam();
  const VersionMatch m = Match(c.version, c.range);
  EXPECT_EQ(m.verdict, c.verdict) << m.reason;
  EXPECT_FALSE(m.reason.empty());
}

std::string CaseName(const ::testing::TestParamInfo<Case>& param) {
  return "case" + std::to_string(param.index);
}

constexpr Verdict kYes = Verdict::kAffected;
constexpr Verdict kNo = Verdict::kNotAffected;
constexpr Verdict kUnknown = Verdict::kUnknown;

INSTANTIATE_TEST_SUITE_P(VendorForms,
                         MatchCaseTest,
                         ::testing::Values(Case{"6.1", "<= 6.2.1", kYes},
                                           Case{"6.2.1", "<= 6.2.1", kYes},
                                           Case{"6.2.2", "<= 6.2.1", kNo},
                                           Case{"6.2.1-b12", "<= 6.2.1", kYes},
                                           Case{"6.2.1-b12", "< 6.2.1", kNo},
                                           Case{"V4.3.9", "<V4.3.10", kYes},
                                           Case{"V4.3.10", "<V4.3.10", kNo},
                                           Case{"2.9", "prior to 3.0", kYes},
                                           Case{"3.0", "prior to 3.0", kNo},
                                           Case{"2.9.9", "before 3.0", kYes},
                                           Case{"2.9", "all versions prior to 3.0", kYes},
                                           Case{"3.0", "firmware versions up to and including 3.0",
                                                kYes},
                                           Case{"6.5.3", "6.x", kYes},
                                           Case{"7.0", "6.x", kNo},
                                           Case{"6", "6.x", kYes},
                                           Case{"6.2.9", "6.2.*", kYes},
                                           Case{"6.3", "6.2.*", kNo},
                                           Case{"12.2.7.1", "<= 12.2.x.x", kYes},
                                           Case{"12.3", "<= 12.2.x.x", kNo},
                                           Case{"11.5", "<= 11.x", kYes},
                                           Case{"12.0", "<= 11.x", kNo},
                                           Case{"2.9.9", "< 3.x", kYes},
                                           Case{"3.0.1", "< 3.x", kNo},
                                           Case{"1.2", "4.X | 5.X", kNo},
                                           Case{"5.3", "4.X | 5.X", kYes},
                                           Case{"whatever", "all versions", kYes},
                                           Case{"", "All versions", kYes},
                                           Case{"", "< 3.0", kUnknown},
                                           Case{"2.2", "versions 2.0 through 2.4", kYes},
                                           Case{"2.4", "versions 2.0 through 2.4", kYes},
                                           Case{"2.4.1", "versions 2.0 through 2.4", kNo},
                                           Case{"2.0.5", "2.0 - 2.4", kYes},
                                           Case{"1.1", "between 1.0 and 1.2", kYes},
                                           Case{"1.3", "from 1.0 to 1.2", kNo},
                                           Case{"1.5", ">= 1.0 < 2.0", kYes},
                                           Case{"2.0", ">= 1.0 < 2.0", kNo},
                                           Case{"1.5", ">= 1.0, < 2.0", kYes},
                                           Case{"9.10", ">=V9.3.0<V9.24.22", kYes},
                                           Case{"2.3.5", "2.3.6 and  below", kYes},
                                           Case{"2.5", "2.0+", kYes},
                                           Case{"1.9", "2.0 or later", kNo},
                                           Case{"2.1", "2.0 and later versions", kYes},
                                           Case{"6.1", "\u2264 6.2.1", kYes},
                                           Case{"2.4", "<= 2.4A", kYes},
                                           Case{"2.4B", "<= 2.4A", kNo},
                                           Case{"8.002", "8.001|8.002|9.001", kYes},
                                           Case{"8.003", "8.001|8.002|9.001", kNo},
                                           Case{"V18 Update 1", "<V18_Update_2", kYes},
                                           Case{"V18 Update 2", "<V18_Update_2", kNo},
                                           Case{"v33.012", ">v33.011|<v33.015", kYes},
                                           Case{"v33.011", ">v33.011|<v33.015", kNo},
                                           Case{"R9.50", ">=R9.01|<=R10.04", kYes},
                                           Case{"9.50", ">=R9.01|<=R10.04", kUnknown},
                                           Case{"3.0 SP1", "<V3.0_SP3", kYes},
                                           Case{"3.0 HF1", "<V3.0_SP3", kUnknown},
                                           Case{"5.17.1", "<=5.17.1-754993421", kUnknown},
                                           Case{"5.17.0", "<=5.17.1-754993421", kYes},
                                           Case{"R2023a", "< R2023b", kYes},
                                           Case{"1.00B", ">=1.00A|<1.05F", kYes},
                                           Case{"2022", ">=2020|<2020_R2_SP1_P01", kNo},
                                           Case{"2020 R1", ">=2020|<2020_R2_SP1_P01", kYes}),
                         CaseName);

INSTANTIATE_TEST_SUITE_P(Vers,
                         MatchCaseTest,
                         ::testing::Values(Case{"3.1.3", "vers:all/<V3.1.4", kYes},
                                           Case{"V3.1.4", "vers:all/<V3.1.4", kNo},
                                           Case{"2.2.9", "vers:generic/>=1.0|<2.3", kYes},
                                           Case{"0.9", "vers:generic/>=1.0|<2.3", kNo},
                                           Case{"2.3", "vers:generic/>=1.0|<2.3", kNo},
                                           Case{"0.5", "vers:generic/<1.0|>=2.0|<3.0", kYes},
                                           Case{"1.5", "vers:generic/<1.0|>=2.0|<3.0", kNo},
                                           Case{"2.5", "vers:generic/<1.0|>=2.0|<3.0", kYes},
                                           Case{"2.1", "vers:generic/>=2.0|!=2.1|<3.0", kNo},
                                           Case{"2.2", "vers:generic/>=2.0|!=2.1|<3.0", kYes},
                                           Case{"1.2.3", "vers:npm/1.2.3|>=2.0.0|<5.0.0", kYes},
                                           Case{"1.5.0", "vers:npm/1.2.3|>=2.0.0|<5.0.0", kNo},
                                           Case{"3.0.0", "vers:npm/1.2.3|>=2.0.0|<5.0.0", kYes},
                                           Case{"1.2.3-beta", "vers:semver/>=1.2.3", kNo},
                                           Case{"1.2.3", "vers:semver/>=1.2.3", kYes},
                                           Case{"1.0~rc1-1", "vers:deb/<1.0-1", kYes},
                                           Case{"1:0.1-1", "vers:deb/<1.0-1", kNo},
                                           Case{"1.0a", "vers:rpm/>=1.0|<1.0.1", kYes},
                                           Case{"1.0", "vers:generic/%3C1.1", kUnknown},
                                           Case{"1.0", "vers:generic/<1.0|<2.0", kUnknown},
                                           Case{"1.0", "vers:generic/*", kYes}),
                         CaseName);

INSTANTIATE_TEST_SUITE_P(Unparseable,
                         MatchCaseTest,
                         ::testing::Values(Case{"1.0", "distributed  < april 1, 2018", kUnknown},
                                           Case{"1.0", "< august 28", kUnknown},
                                           Case{"1.0", "<= U61 |<= L81", kUnknown},
                                           Case{"1.0", "<= K", kUnknown},
                                           Case{"35.014", "<v36.011_v35.013_v34.014", kUnknown},
                                           Case{"5", "0 < 9.8.12", kUnknown},
                                           Case{"1.0", ">= 2.0 | >= 3.0", kUnknown},
                                           Case{"1.0", "", kUnknown},
                                           Case{"1.0", "versions", kUnknown},
                                           Case{"1.0", "all versions | < 2.0", kUnknown}),
                         CaseName);

TEST(MatchTest, ReasonsNameTheVersionAndTheBound) {
  EXPECT_EQ(Match("6.1", "<= 6.2.1").reason, "version 6.1 <= 6.2.1");
  EXPECT_EQ(Match("2.2", "versions 2.0 through 2.4").reason, "version 2.2 >= 2.0 and <= 2.4");
  EXPECT_EQ(Match("6.5.3", "6.x").reason, "version 6.5.3 matches 6.x");
  EXPECT_EQ(Match("6.3", "<= 6.2.1").reason, "version 6.3 is outside '<= 6.2.1'");
  EXPECT_THAT(Match("1.0", "< august 28").reason, StartsWith("cannot parse range '< august 28'"));
  EXPECT_EQ(Match("V18 Update 1", "<V18_Update_2").reason, "version V18 Update 1 < V18 Update 2");
  EXPECT_EQ(Match("9.50", ">=R9.01|<=R10.04").reason,
            "cannot order 9.50 against R9.01: different version schemes (prefix '' and 'r')");
  EXPECT_EQ(Match("V8.0", "<V8.89_installed_on_CP100_devices").reason,
            "version V8.0 < V8.89, but only 'installed on CP100 devices': needs review");
}

TEST(MatchTest, AQualifiedRangeNeedsReviewInsideAndIsNotAffectedOutside) {
  const VersionMatch inside = Match("V8.0", "<V8.89_installed_on_CP100_devices");
  EXPECT_EQ(inside.verdict, Verdict::kUnknown);
  EXPECT_THAT(inside.reason, HasSubstr("installed on CP100 devices"));
  EXPECT_THAT(inside.reason, HasSubstr("needs review"));
  EXPECT_EQ(Match("V9.0", "<V8.89_installed_on_CP100_devices").verdict, Verdict::kNotAffected);
  EXPECT_EQ(Match("1.50", "<= 1.54 (integrated into GE MobileLink)").verdict, Verdict::kUnknown);
  EXPECT_EQ(Match("1.60", "<= 1.54 (integrated into GE MobileLink)").verdict,
            Verdict::kNotAffected);
  EXPECT_EQ(Match("7.1", "all_versions_with_Fortinet_NGFW").verdict, Verdict::kUnknown);
}

TEST(VersionRangeTest, ParseReportsWhatItRead) {
  const auto range = VersionRange::Parse("vers:all/*_installed_on_CP200_devices");
  ASSERT_TRUE(range.has_value()) << range.error().message;
  EXPECT_TRUE(range->all_versions());
  EXPECT_EQ(range->qualifier(), "installed on CP200 devices");
  EXPECT_EQ(range->Describe(), "*");

  const auto list = VersionRange::Parse("< 2.4 | >= 3.0 < 3.2 | 4.x");
  ASSERT_TRUE(list.has_value()) << list.error().message;
  EXPECT_EQ(list->Describe(), "=4.x|<2.4|>=3.0|<3.2");
  EXPECT_EQ(list->scheme(), VersionScheme::kGeneric);

  const auto deb = VersionRange::Parse("vers:deb/>=1.0-1|<1.2-1");
  ASSERT_TRUE(deb.has_value());
  EXPECT_EQ(deb->scheme(), VersionScheme::kDebian);
}

TEST(VersionRangeTest, RejectsOversizedInvalidAndEmptyInput) {
  EXPECT_FALSE(VersionRange::Parse(std::string(kMaxRangeBytes + 1, '1')).has_value());
  EXPECT_FALSE(VersionRange::Parse("< 1.0\xff").has_value());
  EXPECT_FALSE(VersionRange::Parse("   ").has_value());
  EXPECT_FALSE(VersionRange::Parse("vers:generic").has_value());
  EXPECT_FALSE(VersionRange::Parse("vers:generic/*|<2").has_value());
  std::string many;
  for (std::size_t i = 0; i <= kMaxRangeConstraints; ++i) many += "=" + std::to_string(i) + "|";
  const auto too_many = VersionRange::Parse(many);
  ASSERT_FALSE(too_many.has_value());
  EXPECT_THAT(too_many.error().message, HasSubstr("constraints"));
}

TEST(SchemeTest, VersAndPurlTypesMapToSchemes) {
  EXPECT_EQ(SchemeForVers("npm"), VersionScheme::kSemver);
  EXPECT_EQ(SchemeForVers("PyPI"), VersionScheme::kPep440);
  EXPECT_EQ(SchemeForVers("deb"), VersionScheme::kDebian);
  EXPECT_EQ(SchemeForPurlType("rpm"), VersionScheme::kRpm);
  EXPECT_EQ(SchemeForPurlType("maven"), VersionScheme::kGeneric);
  EXPECT_EQ(SchemeName(VersionScheme::kDebian), "deb");
  EXPECT_EQ(VerdictName(Verdict::kNotAffected), "not affected");
}

// --- the CISA advisories ------------------------------------------------------------------------

void CollectCisaVersions(std::set<std::string>* ranges, std::set<std::string>* versions) {
  const fs::path dir = testdata::SharedDataDir() / "csaf" / "cisagov-CSAF";
  ParseOptions options;
  options.mandatory_tests = false;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file() || entry.path().extension() != ".json") continue;
    const auto advisory = ParseCsaf(testdata::ReadFile(entry.path()), options);
    if (!advisory) continue;
    for (const Product& p : advisory->products) {
      if (!p.version_range.empty()) ranges->insert(p.version_range);
      if (!p.version.empty() && p.version != p.version_range) versions->insert(p.version);
    }
  }
}

TEST(CisaVersionsTest, NearlyEveryRangeParsesAndTheRestSayWhy) {
  const fs::path dir = testdata::SharedDataDir() / "csaf" / "cisagov-CSAF";
  CADUCEUS_REQUIRE_SHARED(dir);
  std::set<std::string> ranges;
  std::set<std::string> versions;
  CollectCisaVersions(&ranges, &versions);
  ASSERT_GT(ranges.size(), 200u);
  std::size_t parsed = 0;
  for (const std::string& text : ranges) {
    const auto range = VersionRange::Parse(text);
    if (range) {
      ++parsed;
      continue;
    }
    EXPECT_THAT(range.error().message, StartsWith("cannot parse range")) << text;
    EXPECT_EQ(Match("1.0", text).verdict, Verdict::kUnknown) << text;
  }
  // 17 of the 337 names in the 2025 snapshot are dates, lone letters, several versions in one,
  // or bounds of different schemes; everything else must parse.
  EXPECT_GE(parsed * 100, ranges.size() * 94) << parsed << " of " << ranges.size();
}

TEST(CisaVersionsTest, AProductVersionNeverExcludesItself) {
  const fs::path dir = testdata::SharedDataDir() / "csaf" / "cisagov-CSAF";
  CADUCEUS_REQUIRE_SHARED(dir);
  std::set<std::string> ranges;
  std::set<std::string> versions;
  CollectCisaVersions(&ranges, &versions);
  ASSERT_GT(versions.size(), 100u);
  for (const std::string& v : versions) {
    EXPECT_NE(Match(v, v).verdict, Verdict::kNotAffected) << v;
  }
}

}  // namespace
}  // namespace caduceus::advisories
