// The CISA KEV catalogue: the shared snapshot in full, and each schema rule the parser enforces.
#include "advisories/kev.h"

#include <string>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "match_test_data.h"

namespace caduceus::advisories {
namespace {

using ::testing::ElementsAre;
using ::testing::StartsWith;

std::string Catalogue(std::string_view entry, int count = 1) {
  return fmt::format(
      R"({{"title": "KEV", "catalogVersion": "2025.01.02",
          "dateReleased": "2025-01-02T10:00:00.1234Z",
          "count": {}, "vulnerabilities": [{}]}})",
      count, entry);
}

constexpr std::string_view kEntry = R"({"cveID": "CVE-2024-12345", "vendorProject": "Acme",
  "product": "Pump 3000", "vulnerabilityName": "Acme Pump Unsigned Firmware",
  "dateAdded": "2024-02-29", "shortDescription": "Firmware is not signed.",
  "requiredAction": "Apply the update.", "dueDate": "2024-03-21",
  "knownRansomwareCampaignUse": "Known", "notes": "https://acme.example/psirt",
  "cwes": ["CWE-347"]})";

TEST(ParseKevTest, ReadsEveryField) {
  const auto kev = ParseKev(Catalogue(kEntry));
  ASSERT_TRUE(kev.has_value()) << kev.error().message;
  EXPECT_EQ(kev->title, "KEV");
  EXPECT_EQ(kev->catalog_version, "2025.01.02");
  EXPECT_EQ(kev->date_released_text, "2025-01-02T10:00:00.1234Z");
  ASSERT_EQ(kev->entries.size(), 1u);
  const KevEntry& e = kev->entries[0];
  EXPECT_EQ(e.cve_id, "CVE-2024-12345");
  EXPECT_EQ(e.vendor_project, "Acme");
  EXPECT_EQ(e.product, "Pump 3000");
  EXPECT_EQ(e.vulnerability_name, "Acme Pump Unsigned Firmware");
  EXPECT_EQ(e.date_added.text, "2024-02-29");
  EXPECT_EQ(e.date_added.value, *ParseRfc3339("2024-02-29T00:00:00Z"));
  EXPECT_EQ(e.due_date.text, "2024-03-21");
  EXPECT_TRUE(e.known_ransomware_use);
  EXPECT_EQ(e.notes, "https://acme.example/psirt");
  EXPECT_THAT(e.cwes, ElementsAre("CWE-347"));
  EXPECT_EQ(kev->Find("CVE-2024-12345"), &kev->entries[0]);
  EXPECT_EQ(kev->Find("CVE-2024-99999"), nullptr);
}

TEST(ParseKevTest, AbsentRansomwareUseReadsUnknown) {
  std::string entry(kEntry);
  entry.replace(entry.find(R"("knownRansomwareCampaignUse": "Known",)"),
                std::string_view(R"("knownRansomwareCampaignUse": "Known",)").size(), "");
  const auto kev = ParseKev(Catalogue(entry));
  ASSERT_TRUE(kev.has_value()) << kev.error().message;
  EXPECT_FALSE(kev->entries[0].known_ransomware_use);
}

struct BadKev {
  std::string from;
  std::string to;
  std::string field;
};

class BadKevTest : public ::testing::TestWithParam<BadKev> {};

TEST_P(BadKevTest, IsRejectedAtItsPointer) {
  std::string entry(kEntry);
  const std::size_t at = entry.find(GetParam().from);
  ASSERT_NE(at, std::string::npos);
  entry.replace(at, GetParam().from.size(), GetParam().to);
  const auto kev = ParseKev(Catalogue(entry));
  ASSERT_FALSE(kev.has_value());
  EXPECT_EQ(kev.error().field, GetParam().field) << kev.error().message;
  EXPECT_THAT(kev.error().message, StartsWith("[schema]"));
}

std::string BadKevName(const ::testing::TestParamInfo<BadKev>& param) {
  return "kev" + std::to_string(param.index);
}

INSTANTIATE_TEST_SUITE_P(
    Errors,
    BadKevTest,
    ::testing::Values(BadKev{"CVE-2024-12345", "CVE-24-12345", "/vulnerabilities/0/cveID"},
                      BadKev{"CVE-2024-12345", "CVE-2024-123", "/vulnerabilities/0/cveID"},
                      BadKev{"2024-02-29", "2023-02-29", "/vulnerabilities/0/dateAdded"},
                      BadKev{"2024-03-21", "21.03.2024", "/vulnerabilities/0/dueDate"},
                      BadKev{"\"Known\"", "\"Maybe\"",
                             "/vulnerabilities/0/knownRansomwareCampaignUse"},
                      BadKev{"\"CWE-347\"", "\"NVD-CWE-noinfo\"", "/vulnerabilities/0/cwes/0"},
                      BadKev{"\"product\": \"Pump 3000\",", "", "/vulnerabilities/0/product"},
                      BadKev{"\"Acme\"", "7", "/vulnerabilities/0/vendorProject"}),
    BadKevName);

TEST(ParseKevTest, RejectsACountThatDisagreesDuplicatesAndBadJson) {
  EXPECT_EQ(ParseKev(Catalogue(kEntry, 2)).error().field, "/count");
  const std::string twice = fmt::format("{},{}", kEntry, kEntry);
  EXPECT_EQ(ParseKev(Catalogue(twice, 2)).error().field, "/vulnerabilities/1/cveID");
  EXPECT_THAT(ParseKev("{").error().message, StartsWith("[json]"));
  EXPECT_EQ(ParseKev(R"({"catalogVersion": "1", "count": 0, "vulnerabilities": []})").error().field,
            "/dateReleased");
  KevOptions options;
  options.max_bytes = 16;
  EXPECT_THAT(ParseKev(Catalogue(kEntry), options).error().message, StartsWith("[limit]"));
  options = {};
  options.max_string_bytes = 9;  // "KEV" fits, "2025.01.02" does not
  EXPECT_EQ(ParseKev(Catalogue(kEntry), options).error().field, "/catalogVersion");
}

TEST(SharedKevTest, TheCisaSnapshotParsesCompletely) {
  const auto path = testdata::SharedDataDir() / "cisa-kev" / "known_exploited_vulnerabilities.json";
  CADUCEUS_REQUIRE_SHARED(path);
  const auto kev = ParseKev(testdata::ReadFile(path));
  ASSERT_TRUE(kev.has_value()) << kev.error().message;
  EXPECT_EQ(kev->catalog_version, "2025.08.25");
  EXPECT_EQ(kev->entries.size(), 1404u);
  EXPECT_EQ(kev->by_cve.size(), 1404u);
  const KevEntry* git = kev->Find("CVE-2025-48384");
  ASSERT_NE(git, nullptr);
  EXPECT_EQ(git->vendor_project, "Git");
  EXPECT_EQ(git->due_date.text, "2025-09-15");
  EXPECT_FALSE(git->known_ransomware_use);
  std::size_t ransomware = 0;
  for (const KevEntry& e : kev->entries) ransomware += e.known_ransomware_use ? 1 : 0;
  EXPECT_EQ(ransomware, 293u);
}

}  // namespace
}  // namespace caduceus::advisories
