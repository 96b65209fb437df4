// ParseFramework: the model a valid document yields, and for each way a document can be wrong,
// the JSON pointer the error names.
#include "assessment/framework.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "framework_fixture.h"

namespace caduceus::assessment {
namespace {

namespace json = boost::json;

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string SourceDir() {
  const char* dir = std::getenv("CADUCEUS_SOURCE_DIR");
  return dir ? dir : "";
}

TEST(FrameworkTest, ParsesTheModelOfAValidDocument) {
  auto fw = ParseFramework(testdata::kFramework);
  ASSERT_TRUE(fw) << fw.error().message;
  EXPECT_EQ(fw->id, "test-fw");
  EXPECT_EQ(fw->version, "1.0.0");
  EXPECT_EQ(fw->published, "2026-01-15");
  ASSERT_EQ(fw->mappings.size(), 2u);
  EXPECT_EQ(fw->mappings[0].name, "nis2");
  EXPECT_EQ(fw->mappings[0].terms.size(), 3u);
  ASSERT_EQ(fw->maturity_levels.size(), 3u);
  EXPECT_EQ(fw->maturity_levels[2].name, "Defined");
  ASSERT_EQ(fw->domains.size(), 2u);
  EXPECT_EQ(fw->domains[0].weight, 2);
  EXPECT_EQ(fw->domains[1].weight, 1);
  EXPECT_EQ(fw->QuestionCount(), 6u);

  const Question* numeric = fw->FindQuestion("backup.offline.age");
  ASSERT_NE(numeric, nullptr);
  EXPECT_EQ(numeric->type, QuestionType::kNumeric);
  ASSERT_TRUE(numeric->numeric);
  EXPECT_TRUE(numeric->numeric->upper);
  ASSERT_EQ(numeric->numeric->bands.size(), 2u);
  EXPECT_EQ(numeric->numeric->bands[1].bound, 30);
  EXPECT_EQ(numeric->numeric->bands[1].score, 0.5);
  EXPECT_EQ(numeric->numeric->unit, "days");

  const Question* date = fw->FindQuestion("backup.offline.test");
  ASSERT_NE(date, nullptr);
  ASSERT_TRUE(date->date);
  EXPECT_EQ(date->date->full_within_days, 365);
  EXPECT_EQ(date->date->half_within_days, 730);

  const Question* evidence = fw->FindQuestion("backup.offline.evidence");
  ASSERT_NE(evidence, nullptr);
  ASSERT_TRUE(evidence->applies_to);
  EXPECT_TRUE(evidence->applies_to->Matches("hospital", "large"));
  EXPECT_FALSE(evidence->applies_to->Matches("hospital", "small"));
  EXPECT_FALSE(evidence->applies_to->Matches("pharmacy", "large"));

  const Question* mfa = fw->FindQuestion("access.mfa.remote");
  ASSERT_NE(mfa, nullptr);
  EXPECT_EQ(mfa->fact, "identity.mfa");
  EXPECT_EQ(mfa->weight, 3);
  EXPECT_EQ(fw->FindQuestion("no.such.question"), nullptr);
}

TEST(FrameworkTest, DomainMappingsJoinTheDomainsAndItsControls) {
  auto fw = ParseFramework(testdata::kFramework);
  ASSERT_TRUE(fw) << fw.error().message;
  EXPECT_EQ(fw->DomainMappings(fw->domains[0], "nis2"), (std::vector<std::string>{"c", "d"}));
  EXPECT_EQ(fw->DomainMappings(fw->domains[0], "hpg"), (std::vector<std::string>{"E07"}));
  EXPECT_EQ(fw->DomainMappings(fw->domains[1], "nis2"), (std::vector<std::string>{"j"}));
  EXPECT_TRUE(fw->DomainMappings(fw->domains[1], "hpg").empty());
}

TEST(FrameworkTest, MaturityIsTheHighestLevelReached) {
  auto fw = ParseFramework(testdata::kFramework);
  ASSERT_TRUE(fw) << fw.error().message;
  EXPECT_EQ(fw->MaturityOf(0).level, 1);
  EXPECT_EQ(fw->MaturityOf(39.9).level, 1);
  EXPECT_EQ(fw->MaturityOf(40).level, 2);
  EXPECT_EQ(fw->MaturityOf(59.99999999999999).level, 3);
  EXPECT_EQ(fw->MaturityOf(100).level, 3);
}

TEST(FrameworkTest, MinBandsAreAccepted) {
  auto fw = ParseFramework(testdata::Mutated([](json::object& doc) {
    auto& numeric = testdata::Question(doc, 0, 0, 1)["numeric"].as_object();
    numeric["bands"] = json::array{json::object{{"min", 50}, {"score", 0.5}},
                                   json::object{{"min", 95}, {"score", 1}}};
  }));
  ASSERT_TRUE(fw) << fw.error().message;
  EXPECT_FALSE(fw->FindQuestion("backup.offline.age")->numeric->upper);
}

struct BadCase {
  std::string name;
  std::function<void(json::object&)> mutate;
  std::string field;
};

class BadFrameworkTest : public ::testing::TestWithParam<BadCase> {};

TEST_P(BadFrameworkTest, IsRejectedNamingThePath) {
  const auto result = ParseFramework(testdata::Mutated(GetParam().mutate));
  ASSERT_FALSE(result) << "accepted";
  EXPECT_EQ(result.error().code, Errc::kInvalidArgument);
  EXPECT_EQ(result.error().field, GetParam().field) << result.error().message;
  EXPECT_NE(result.error().message.find(GetParam().field), std::string::npos)
      << result.error().message;
}

using testdata::Question;
constexpr const char* kQ0 = "/domains/0/controls/0/questions/0";
constexpr const char* kQ1 = "/domains/0/controls/0/questions/1";
constexpr const char* kQ2 = "/domains/0/controls/0/questions/2";
constexpr const char* kQ3 = "/domains/0/controls/0/questions/3";

std::string BadCaseName(const ::testing::TestParamInfo<BadCase>& param) { return param.param.name; }

std::string At(const char* base, const char* rest) { return std::string(base) + rest; }

INSTANTIATE_TEST_SUITE_P(
    Documents,
    BadFrameworkTest,
    ::testing::Values(
        BadCase{"WrongFormat", [](json::object& d) { d["format"] = "caduceus-framework/2"; },
                "/format"},
        BadCase{"MissingFormat", [](json::object& d) { d.erase("format"); }, "/"},
        BadCase{"BadId", [](json::object& d) { d["id"] = "Test_FW"; }, "/id"},
        BadCase{"ShortId", [](json::object& d) { d["id"] = "ab"; }, "/id"},
        BadCase{"BadVersion", [](json::object& d) { d["version"] = "1.0 beta"; }, "/version"},
        BadCase{"NumericVersion", [](json::object& d) { d["version"] = 1; }, "/version"},
        BadCase{"UnknownTopLevelMember", [](json::object& d) { d["titel"] = "x"; }, "/titel"},
        BadCase{"UnknownMemberEscaped", [](json::object& d) { d["a/b~c"] = 1; }, "/a~1b~0c"},
        BadCase{"LongTitle", [](json::object& d) { d["title"] = std::string(201, 'x'); },
                "/title"},
        BadCase{"TitleWithNewline", [](json::object& d) { d["title"] = "two\nlines"; }, "/title"},
        BadCase{"EmptyTitle", [](json::object& d) { d["title"] = ""; }, "/title"},
        BadCase{"ControlCharacterInText",
                [](json::object& d) { Question(d, 0, 0, 0)["text"] = "bell\x07"; },
                At(kQ0, "/text")},
        BadCase{"LongGuidance",
                [](json::object& d) { Question(d, 0, 0, 0)["guidance"] = std::string(8001, 'g'); },
                At(kQ0, "/guidance")},
        BadCase{"ImpossibleDate", [](json::object& d) { d["published"] = "2026-02-30"; },
                "/published"},
        BadCase{"DateWithTime", [](json::object& d) { d["published"] = "2026-02-01T00"; },
                "/published"},
        BadCase{"MappingsNotObject", [](json::object& d) { d["mappings"] = json::array{}; },
                "/mappings"},
        BadCase{"BadVocabularyName",
                [](json::object& d) {
                  d["mappings"].as_object()["NIS-2"] = json::object{{"a", "x"}};
                },
                "/mappings/NIS-2"},
        BadCase{"EmptyVocabulary",
                [](json::object& d) { d["mappings"].as_object()["iso"] = json::object{}; },
                "/mappings/iso"},
        BadCase{"UnknownVocabularyReference",
                [](json::object& d) {
                  d["domains"].as_array()[0].as_object()["mappings"] =
                      json::object{{"iso", json::array{"a"}}};
                },
                "/domains/0/mappings/iso"},
        BadCase{"UnknownTermReference",
                [](json::object& d) {
                  d["domains"].as_array()[0].as_object()["mappings"] =
                      json::object{{"nis2", json::array{"c", "z"}}};
                },
                "/domains/0/mappings/nis2/1"},
        BadCase{"TermListedTwice",
                [](json::object& d) {
                  d["domains"].as_array()[0].as_object()["mappings"] =
                      json::object{{"nis2", json::array{"c", "c"}}};
                },
                "/domains/0/mappings/nis2/1"},
        BadCase{"UnknownTermInControl",
                [](json::object& d) {
                  d["domains"].as_array()[0].as_object()["controls"].as_array()[0].as_object()
                      ["mappings"] = json::object{{"hpg", json::array{"X99"}}};
                },
                "/domains/0/controls/0/mappings/hpg/0"},
        BadCase{"NoMaturityLevels", [](json::object& d) { d["maturity_levels"] = json::array{}; },
                "/maturity_levels"},
        BadCase{"MaturityNotFromZero",
                [](json::object& d) {
                  d["maturity_levels"].as_array()[0].as_object()["min_score"] = 10;
                },
                "/maturity_levels/0"},
        BadCase{"MaturityScoresNotAscending",
                [](json::object& d) {
                  d["maturity_levels"].as_array()[2].as_object()["min_score"] = 40;
                },
                "/maturity_levels/2/min_score"},
        BadCase{"MaturityLevelsNotAscending",
                [](json::object& d) { d["maturity_levels"].as_array()[1].as_object()["level"] = 1; },
                "/maturity_levels/1/level"},
        BadCase{"MaturityAbove100",
                [](json::object& d) {
                  d["maturity_levels"].as_array()[2].as_object()["min_score"] = 100.5;
                },
                "/maturity_levels/2/min_score"},
        BadCase{"NoDomains", [](json::object& d) { d["domains"] = json::array{}; }, "/domains"},
        BadCase{"DuplicateDomainId",
                [](json::object& d) {
                  d["domains"].as_array()[1].as_object()["id"] = "backup";
                },
                "/domains/1/id"},
        BadCase{"DomainIdOfAnExportColumn",
                [](json::object& d) { d["domains"].as_array()[1].as_object()["id"] = "overall"; },
                "/domains/1/id"},
        BadCase{"DuplicateControlId",
                [](json::object& d) {
                  d["domains"].as_array()[1].as_object()["controls"].as_array()[0].as_object()
                      ["id"] = "backup.offline";
                },
                "/domains/1/controls/0/id"},
        BadCase{"DuplicateQuestionIdAcrossDomains",
                [](json::object& d) { Question(d, 1, 0, 0)["id"] = "backup.offline.copy"; },
                "/domains/1/controls/0/questions/0/id"},
        BadCase{"BadQuestionId", [](json::object& d) { Question(d, 0, 0, 0)["id"] = "Backup"; },
                At(kQ0, "/id")},
        BadCase{"UnknownQuestionMember",
                [](json::object& d) { Question(d, 0, 0, 0)["wieght"] = 2; }, At(kQ0, "/wieght")},
        BadCase{"UnknownType", [](json::object& d) { Question(d, 0, 0, 0)["type"] = "text"; },
                At(kQ0, "/type")},
        BadCase{"ZeroWeight", [](json::object& d) { Question(d, 0, 0, 0)["weight"] = 0; },
                At(kQ0, "/weight")},
        BadCase{"NegativeWeight",
                [](json::object& d) { d["domains"].as_array()[0].as_object()["weight"] = -1; },
                "/domains/0/weight"},
        BadCase{"HugeWeight", [](json::object& d) { Question(d, 0, 0, 0)["weight"] = 1e6; },
                At(kQ0, "/weight")},
        BadCase{"StringWeight", [](json::object& d) { Question(d, 0, 0, 0)["weight"] = "2"; },
                At(kQ0, "/weight")},
        BadCase{"NumericWithoutScale", [](json::object& d) { Question(d, 0, 0, 1).erase("numeric"); },
                kQ1},
        BadCase{"ChoiceWithScale",
                [](json::object& d) {
                  Question(d, 0, 0, 0)["numeric"] = Question(d, 0, 0, 1)["numeric"];
                },
                At(kQ0, "/numeric")},
        BadCase{"BandsNotAscending",
                [](json::object& d) {
                  Question(d, 0, 0, 1)["numeric"].as_object()["bands"] =
                      json::array{json::object{{"max", 30}, {"score", 1}},
                                  json::object{{"max", 7}, {"score", 0.5}}};
                },
                At(kQ1, "/numeric/bands/1/max")},
        BadCase{"BandsMixMinAndMax",
                [](json::object& d) {
                  Question(d, 0, 0, 1)["numeric"].as_object()["bands"] =
                      json::array{json::object{{"max", 7}, {"score", 1}},
                                  json::object{{"min", 30}, {"score", 0.5}}};
                },
                At(kQ1, "/numeric/bands/1")},
        BadCase{"BandWithBothBounds",
                [](json::object& d) {
                  Question(d, 0, 0, 1)["numeric"].as_object()["bands"] =
                      json::array{json::object{{"max", 7}, {"min", 1}, {"score", 1}}};
                },
                At(kQ1, "/numeric/bands/0")},
        BadCase{"BandScoreAboveOne",
                [](json::object& d) {
                  Question(d, 0, 0, 1)["numeric"].as_object()["bands"] =
                      json::array{json::object{{"max", 7}, {"score", 2}}};
                },
                At(kQ1, "/numeric/bands/0/score")},
        BadCase{"OtherwiseNegative",
                [](json::object& d) {
                  Question(d, 0, 0, 1)["numeric"].as_object()["otherwise"] = -0.5;
                },
                At(kQ1, "/numeric/otherwise")},
        BadCase{"NoBands",
                [](json::object& d) {
                  Question(d, 0, 0, 1)["numeric"].as_object()["bands"] = json::array{};
                },
                At(kQ1, "/numeric/bands")},
        BadCase{"DateWithoutScale", [](json::object& d) { Question(d, 0, 0, 2).erase("date"); },
                kQ2},
        BadCase{"HalfBeforeFull",
                [](json::object& d) {
                  Question(d, 0, 0, 2)["date"].as_object()["half_within_days"] = 300;
                },
                At(kQ2, "/date/half_within_days")},
        BadCase{"FractionalDays",
                [](json::object& d) {
                  Question(d, 0, 0, 2)["date"].as_object()["full_within_days"] = 1.5;
                },
                At(kQ2, "/date/full_within_days")},
        BadCase{"UnknownProviderType",
                [](json::object& d) {
                  Question(d, 0, 0, 3)["applies_to"].as_object()["provider_types"] =
                      json::array{"spaceport"};
                },
                At(kQ3, "/applies_to/provider_types/0")},
        BadCase{"UnknownSizeBand",
                [](json::object& d) {
                  Question(d, 0, 0, 3)["applies_to"].as_object()["size_bands"] =
                      json::array{"large", "huge"};
                },
                At(kQ3, "/applies_to/size_bands/1")},
        BadCase{"EmptyApplicability",
                [](json::object& d) { Question(d, 0, 0, 3)["applies_to"] = json::object{}; },
                At(kQ3, "/applies_to")},
        BadCase{"EmptyProviderTypes",
                [](json::object& d) {
                  Question(d, 0, 0, 3)["applies_to"].as_object()["provider_types"] = json::array{};
                },
                At(kQ3, "/applies_to/provider_types")},
        BadCase{"BadFactKey", [](json::object& d) { Question(d, 0, 0, 0)["fact"] = "Identity MFA"; },
                At(kQ0, "/fact")},
        BadCase{"ControlWithoutQuestions",
                [](json::object& d) {
                  d["domains"].as_array()[1].as_object()["controls"].as_array()[0].as_object()
                      ["questions"] = json::array{};
                },
                "/domains/1/controls/0/questions"},
        BadCase{"TooManyQuestions",
                [](json::object& d) {
                  for (int domain : {0, 1}) {
                    auto& controls = d["domains"].as_array()[domain].as_object()["controls"];
                    auto& questions = controls.as_array().back().as_object()["questions"];
                    for (int i = 0; i < 1000; ++i) {
                      json::object q = questions.as_array()[0].as_object();
                      q["id"] = "extra." + std::to_string(domain) + "." + std::to_string(i);
                      questions.as_array().push_back(std::move(q));
                    }
                  }
                },
                // Question 2001 of the framework: 4 + 1001 in the first domain, then 996 here.
                "/domains/1/controls/0/questions/995"}),
    BadCaseName);

TEST(FrameworkTest, RejectsMalformedJson) {
  const auto r = ParseFramework("{\"format\": ");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().field, "/");
}

TEST(FrameworkTest, RejectsATopLevelThatIsNotAnObject) {
  const auto r = ParseFramework("[1, 2]");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().field, "/");
}

TEST(FrameworkTest, RejectsDuplicateKeysNamingTheSecond) {
  std::string text(testdata::kFramework);
  const std::string needle = "\"id\": \"backup.offline.copy\",";
  const auto at = text.find(needle);
  ASSERT_NE(at, std::string::npos);
  text.insert(at + needle.size(), " \"text\": \"first\",");
  const auto r = ParseFramework(text);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().field, At(kQ0, "/text")) << r.error().message;
}

TEST(FrameworkTest, RejectsInvalidUtf8) {
  std::string text(testdata::kFramework);
  text.replace(text.find("Test framework"), 4, "T\xC3\x28t");
  const auto r = ParseFramework(text);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().field, "/");
}

TEST(FrameworkTest, RejectsDeepNesting) {
  std::string text = R"({"format": )";
  text += std::string(40, '[') + std::string(40, ']') + "}";
  const auto r = ParseFramework(text);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("deeper"), std::string::npos) << r.error().message;
}

TEST(FrameworkTest, RejectsDocumentsOverFourMebibytes) {
  std::string text(testdata::kFramework);
  text.insert(text.size() - 1, std::string(kMaxFrameworkBytes, ' '));
  const auto r = ParseFramework(text);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("larger than"), std::string::npos) << r.error().message;
}

TEST(FrameworkTest, VersionsCompareComponentByComponent) {
  EXPECT_LT(CompareFrameworkVersions("1.9.2", "1.10.0"), 0);
  EXPECT_GT(CompareFrameworkVersions("2.0.0", "1.99.99"), 0);
  EXPECT_EQ(CompareFrameworkVersions("1.0.0", "1.0.0"), 0);
  EXPECT_EQ(CompareFrameworkVersions("1.01", "1.1"), 0);
  EXPECT_LT(CompareFrameworkVersions("1.0", "1.0.1"), 0);
  EXPECT_LT(CompareFrameworkVersions("1.0.0", "1.0.a"), 0);
  EXPECT_LT(CompareFrameworkVersions("1.0.0-alpha", "1.0.0-beta"), 0);
}

TEST(FrameworkTest, IsoDatesAreCalendarDates) {
  EXPECT_TRUE(ParseIsoDate("2024-02-29"));
  EXPECT_FALSE(ParseIsoDate("2023-02-29"));
  EXPECT_FALSE(ParseIsoDate("2023-13-01"));
  EXPECT_FALSE(ParseIsoDate("2023-1-01"));
  EXPECT_FALSE(ParseIsoDate("+023-01-01"));
  EXPECT_EQ(*ParseIsoDate("1970-01-02") - std::chrono::sys_days{}, std::chrono::days(1));
}

TEST(FrameworkTest, EveryFrameworkTheProjectShipsIsValid) {
  const auto dir = std::filesystem::path(SourceDir()) / "data" / "frameworks";
  ASSERT_TRUE(std::filesystem::is_directory(dir)) << dir;
  int n = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    EXPECT_EQ(entry.path().extension(), ".json") << entry.path();
    const auto r = ParseFramework(ReadFile(entry.path()));
    ASSERT_TRUE(r) << entry.path() << ": " << r.error().message;
    EXPECT_EQ(entry.path().stem().string(), r->version) << entry.path();
    EXPECT_EQ(entry.path().parent_path().filename().string(), r->id) << entry.path();
    ++n;
  }
  EXPECT_GE(n, 1);
}

TEST(FrameworkTest, EverySeedOfTheFuzzCorpusIsValid) {
  const auto dir = std::filesystem::path(SourceDir()) / "fuzz" / "corpus" / "fuzz_framework";
  ASSERT_TRUE(std::filesystem::is_directory(dir)) << dir;
  int n = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const auto r = ParseFramework(ReadFile(entry.path()));
    EXPECT_TRUE(r) << entry.path() << ": " << r.error().message;
    ++n;
  }
  EXPECT_GE(n, 3);
}

}  // namespace
}  // namespace caduceus::assessment
