// Catalogue entries without storage: validation and normalisation, the JSON readers, the import
// file and its bounds, and the language table.
#include "catalogue/entry.h"

#include <algorithm>
#include <string>
#include <vector>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "identity/model.h"

namespace caduceus::catalogue {
namespace {

namespace json = boost::json;

json::object ValidEntryJson(std::string key = "cert-helpdesk") {
  return json::object{
      {"key", key},
      {"kind", "service"},
      {"title", "National CSIRT helpdesk"},
      {"summary", "Round-the-clock advice for hospitals."},
      {"description", "Call or mail the helpdesk.\nIt triages incidents."},
      {"provider_name", "CERT"},
      {"url", "https://cert.example.eu/helpdesk"},
      {"countries", json::array{"NL", "BE"}},
      {"languages", json::array{"nl", "fr", "en"}},
      {"cost", "free"},
      {"org_sizes", json::array{"small", "large"}},
      {"nis2_measures", json::array{"b", "a"}},
      {"threats", json::array{"ransomware"}},
      {"links", json::array{json::object{{"title", "Guide"}, {"url", "http://cert.example.eu/g"}}}},
      {"last_reviewed", "2026-02-28"},
  };
}

std::string ImportFile(const json::array& entries) {
  return json::serialize(json::object{{"format", "caduceus-catalogue/1"}, {"entries", entries}});
}

template <class R>
::testing::AssertionResult InvalidAt(const R& result, std::string_view field) {
  if (!result.has_error()) return ::testing::AssertionFailure() << "succeeded";
  if (result.error().code != Errc::kInvalidArgument || result.error().field != field) {
    return ::testing::AssertionFailure() << Slug(result.error().code) << " field '"
                                         << result.error().field << "': " << result.error().message;
  }
  return ::testing::AssertionSuccess();
}

Result<EntryData> FromJsonWith(std::string_view member, json::value value) {
  auto o = ValidEntryJson();
  o[member] = std::move(value);
  return EntryFromJson(o, KeyRule::kRequired);
}

TEST(EntryTest, ValidEntryIsReadAndItsListsAreSortedAndDeduplicated) {
  auto o = ValidEntryJson();
  o["countries"] = json::array{"NL", "BE", "NL"};
  auto e = EntryFromJson(o, KeyRule::kRequired);
  ASSERT_TRUE(e) << e.error().message;
  EXPECT_EQ(e->key, "cert-helpdesk");
  EXPECT_EQ(e->countries, (std::vector<std::string>{"BE", "NL"}));
  EXPECT_EQ(e->languages, (std::vector<std::string>{"en", "fr", "nl"}));
  EXPECT_EQ(e->nis2_measures, (std::vector<std::string>{"a", "b"}));
  ASSERT_EQ(e->links.size(), 1u);
  EXPECT_EQ(e->links[0].url, "http://cert.example.eu/g");
  EXPECT_EQ(e->last_reviewed, "2026-02-28");
}

TEST(EntryTest, JsonRoundTripGivesTheSameEntry) {
  auto first = EntryFromJson(ValidEntryJson(), KeyRule::kRequired);
  ASSERT_TRUE(first);
  auto second = EntryFromJson(ToJson(*first), KeyRule::kRequired);
  ASSERT_TRUE(second) << second.error().message;
  EXPECT_EQ(*first, *second);
}

TEST(EntryTest, ApiFormAddsIdAndTimestamps) {
  Entry entry;
  entry.id = 7;
  entry.data = *EntryFromJson(ValidEntryJson(), KeyRule::kRequired);
  entry.created_at = FromUnixMillis(1'772'442'000'000);
  entry.updated_at = entry.created_at;
  const auto o = ToJson(entry);
  EXPECT_EQ(o.at("id").as_int64(), 7);
  EXPECT_EQ(o.at("created_at").as_string(), "2026-03-02T09:00:00.000Z");
  EXPECT_EQ(o.at("key").as_string(), "cert-helpdesk");
  EXPECT_TRUE(o.at("countries").is_array());
}

TEST(EntryTest, OptionalMembersDefaultToEmptyAndEuWide) {
  json::object o{{"key", "min"},
                 {"kind", "guidance"},
                 {"title", "Minimal"},
                 {"url", "https://example.eu"},
                 {"cost", "paid"}};
  auto e = EntryFromJson(o, KeyRule::kRequired);
  ASSERT_TRUE(e) << e.error().message;
  EXPECT_TRUE(e->countries.empty());
  EXPECT_TRUE(e->links.empty());
  EXPECT_FALSE(e->last_reviewed.has_value());
  EXPECT_EQ(ToJson(*e).at("last_reviewed"), nullptr);
}

TEST(EntryTest, SingleLineTextIsTrimmed) {
  auto e = FromJsonWith("title", "  Padded title \t");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->title, "Padded title");
}

TEST(EntryTest, EachRuleNamesItsField) {
  EXPECT_TRUE(InvalidAt(FromJsonWith("key", "Upper-Case"), "key"));
  EXPECT_TRUE(InvalidAt(FromJsonWith("key", "ab"), "key"));
  EXPECT_TRUE(InvalidAt(FromJsonWith("kind", "webinar"), "kind"));
  EXPECT_TRUE(InvalidAt(FromJsonWith("title", "ab"), "title"));
  EXPECT_TRUE(InvalidAt(FromJsonWith("title", json::string(std::string(201, 'x'))), "title"));
  EXPECT_TRUE(InvalidAt(FromJsonWith("title", "two\nlines"), "title"));
  EXPECT_TRUE(InvalidAt(FromJsonWith("summary", json::string(std::string(501, 'x'))), "summary"));
  EXPECT_TRUE(
      InvalidAt(FromJsonWith("description", json::string(std::string(20001, 'x'))), "description"));
  EXPECT_TRUE(InvalidAt(FromJsonWith("description", "bell\x07"), "description"));
  EXPECT_TRUE(InvalidAt(FromJsonWith("description", "c1 \xC2\x85 control"), "description"));
  EXPECT_TRUE(InvalidAt(FromJsonWith("provider_name", json::string(std::string(201, 'p'))),
                        "provider_name"));
  EXPECT_TRUE(InvalidAt(FromJsonWith("cost", "cheap"), "cost"));
  EXPECT_TRUE(InvalidAt(FromJsonWith("countries", json::array{"BE", "US"}), "countries"));
  EXPECT_TRUE(InvalidAt(FromJsonWith("countries", json::array{"EU"}), "countries"));
  EXPECT_TRUE(InvalidAt(FromJsonWith("languages", json::array{"EN"}), "languages"));
  EXPECT_TRUE(InvalidAt(FromJsonWith("languages", json::array{"eng"}), "languages"));
  EXPECT_TRUE(InvalidAt(FromJsonWith("org_sizes", json::array{"huge"}), "org_sizes"));
  EXPECT_TRUE(InvalidAt(FromJsonWith("nis2_measures", json::array{"k"}), "nis2_measures"));
  EXPECT_TRUE(InvalidAt(FromJsonWith("threats", json::array{"aliens"}), "threats"));
  EXPECT_TRUE(InvalidAt(FromJsonWith("threats", json::array{1}), "threats"));
  EXPECT_TRUE(InvalidAt(FromJsonWith("last_reviewed", "2026-02-30"), "last_reviewed"));
  EXPECT_TRUE(InvalidAt(FromJsonWith("last_reviewed", "26-02-01"), "last_reviewed"));
  EXPECT_TRUE(InvalidAt(FromJsonWith("title", 5), "title"));
}

TEST(EntryTest, LengthsCountCharactersNotBytes) {
  std::string title;
  for (int i = 0; i < 200; ++i) title += "é";  // 400 bytes
  EXPECT_TRUE(FromJsonWith("title", json::string(title)));
  EXPECT_TRUE(InvalidAt(FromJsonWith("title", json::string(title + "é")), "title"));
}

TEST(EntryTest, LeapDaysAreDates) {
  EXPECT_TRUE(FromJsonWith("last_reviewed", "2028-02-29"));
  EXPECT_TRUE(InvalidAt(FromJsonWith("last_reviewed", "2100-02-29"), "last_reviewed"));
}

TEST(EntryTest, OnlyHttpAndHttpsUrlsWithAHostAndNoUserInfo) {
  EXPECT_TRUE(IsAcceptableUrl("https://example.eu/a?b=c#d"));
  EXPECT_TRUE(IsAcceptableUrl("HTTP://example.eu"));
  EXPECT_TRUE(IsAcceptableUrl("https://[2001:db8::1]:8443/x"));
  EXPECT_FALSE(IsAcceptableUrl("javascript:alert(1)"));
  EXPECT_FALSE(IsAcceptableUrl("data:text/html,<script>"));
  EXPECT_FALSE(IsAcceptableUrl("ftp://example.eu/file"));
  EXPECT_FALSE(IsAcceptableUrl("https://user:pw@example.eu/"));
  EXPECT_FALSE(IsAcceptableUrl("https://user@example.eu/"));
  EXPECT_FALSE(IsAcceptableUrl("https:///path-only"));
  EXPECT_FALSE(IsAcceptableUrl("//example.eu/relative"));
  EXPECT_FALSE(IsAcceptableUrl("/relative"));
  EXPECT_FALSE(IsAcceptableUrl("https://exa mple.eu/"));
  EXPECT_FALSE(IsAcceptableUrl(""));
  EXPECT_FALSE(IsAcceptableUrl("https://example.eu/" + std::string(kMaxUrlBytes, 'a')));
  EXPECT_TRUE(InvalidAt(FromJsonWith("url", "javascript:alert(1)"), "url"));
  EXPECT_TRUE(InvalidAt(
      FromJsonWith("links", json::array{json::object{{"title", "ok"}, {"url", "https://a.eu"}},
                                        json::object{{"title", "bad"}, {"url", "file:///etc"}}}),
      "links/1/url"));
}

TEST(EntryTest, UnknownMembersAreRejected) {
  auto o = ValidEntryJson();
  o["id"] = 5;
  EXPECT_TRUE(InvalidAt(EntryFromJson(o, KeyRule::kRequired), "id"));
  EXPECT_TRUE(InvalidAt(
      FromJsonWith("links", json::array{json::object{
                                {"title", "x"}, {"url", "https://a.eu"}, {"rel", "nofollow"}}}),
      "links/0/rel"));
}

TEST(EntryTest, RequiredMembersAreRequiredAndTheKeyOnlyWhenAsked) {
  auto o = ValidEntryJson();
  o.erase("title");
  EXPECT_TRUE(InvalidAt(EntryFromJson(o, KeyRule::kRequired), "title"));
  auto without_key = ValidEntryJson();
  without_key.erase("key");
  EXPECT_TRUE(InvalidAt(EntryFromJson(without_key, KeyRule::kRequired), "key"));
  auto e = EntryFromJson(without_key, KeyRule::kOptional);
  ASSERT_TRUE(e) << e.error().message;
  EXPECT_TRUE(e->key.empty());
}

TEST(EntryTest, PatchReplacesOnlyGivenFieldsAndMayClearTheReviewDate) {
  auto base = *EntryFromJson(ValidEntryJson(), KeyRule::kRequired);
  auto patch = PatchFromJson(json::object{
      {"title", "New title"}, {"countries", json::array{}}, {"last_reviewed", nullptr}});
  ASSERT_TRUE(patch) << patch.error().message;
  auto next = ApplyPatch(base, *patch);
  EXPECT_EQ(next.title, "New title");
  EXPECT_TRUE(next.countries.empty());
  EXPECT_FALSE(next.last_reviewed.has_value());
  EXPECT_EQ(next.summary, base.summary);
  EXPECT_EQ(next.links, base.links);
}

TEST(EntryTest, PatchCannotChangeTheKeyOrAddUnknownFields) {
  EXPECT_TRUE(InvalidAt(PatchFromJson(json::object{{"key", "other"}}), "key"));
  EXPECT_TRUE(InvalidAt(PatchFromJson(json::object{{"owner", "me"}}), "owner"));
  EXPECT_TRUE(InvalidAt(PatchFromJson(json::object{{"countries", "BE"}}), "countries"));
}

TEST(ImportTest, ParsesEntriesInFileOrder) {
  auto parsed = ParseImport(ImportFile({ValidEntryJson("first"), ValidEntryJson("second")}));
  ASSERT_TRUE(parsed) << parsed.error().message;
  ASSERT_EQ(parsed->size(), 2u);
  EXPECT_EQ((*parsed)[0].key, "first");
  EXPECT_EQ((*parsed)[1].key, "second");
}

TEST(ImportTest, ErrorsNameTheEntryKeyAndAPointerToTheField) {
  auto bad = ValidEntryJson("broken-entry");
  bad["url"] = "ftp://example.eu";
  auto parsed = ParseImport(ImportFile({ValidEntryJson("fine"), bad}));
  ASSERT_TRUE(InvalidAt(parsed, "/entries/1/url"));
  EXPECT_NE(parsed.error().message.find("'broken-entry'"), std::string::npos)
      << parsed.error().message;

  auto link = ValidEntryJson("with-link");
  link["links"] = json::array{json::object{{"title", ""}, {"url", "https://a.eu"}}};
  EXPECT_TRUE(InvalidAt(ParseImport(ImportFile({link})), "/entries/0/links/0/title"));
}

TEST(ImportTest, KeysAreRequiredAndUnique) {
  auto keyless = ValidEntryJson();
  keyless.erase("key");
  EXPECT_TRUE(InvalidAt(ParseImport(ImportFile({keyless})), "/entries/0/key"));
  auto twice = ParseImport(ImportFile({ValidEntryJson("same"), ValidEntryJson("same")}));
  ASSERT_TRUE(InvalidAt(twice, "/entries/1/key"));
  EXPECT_NE(twice.error().message.find("'same'"), std::string::npos);
}

TEST(ImportTest, TheEnvelopeIsChecked) {
  EXPECT_TRUE(
      InvalidAt(ParseImport(R"({"format":"caduceus-catalogue/2","entries":[]})"), "/format"));
  EXPECT_TRUE(InvalidAt(ParseImport(R"({"entries":[]})"), "/format"));
  EXPECT_TRUE(InvalidAt(ParseImport(R"({"format":"caduceus-catalogue/1"})"), "/entries"));
  EXPECT_TRUE(
      InvalidAt(ParseImport(R"({"format":"caduceus-catalogue/1","entries":{}})"), "/entries"));
  EXPECT_TRUE(InvalidAt(ParseImport(R"({"format":"caduceus-catalogue/1","entries":[],"extra":1})"),
                        "/extra"));
  EXPECT_TRUE(
      InvalidAt(ParseImport(R"({"format":"caduceus-catalogue/1","entries":[7]})"), "/entries/0"));
  const auto empty = ParseImport(R"({"format":"caduceus-catalogue/1","entries":[]})");
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->empty());
}

TEST(ImportTest, MalformedJsonIsRejected) {
  for (std::string_view text :
       {"", "[]", "{", "{\"format\":\"caduceus-catalogue/1\",\"entries\":[]} trailing",
        "{\"format\":\"caduceus-catalogue/1\",\"entries\":[],}", "\xFF\xFE{}",
        "{\"format\":\"caduceus-catalogue/1\",/*c*/\"entries\":[]}"}) {
    const auto parsed = ParseImport(text);
    ASSERT_FALSE(parsed) << text;
    EXPECT_EQ(parsed.error().code, Errc::kInvalidArgument) << text;
  }
}

TEST(ImportTest, DuplicateMemberNamesAreRejectedAtAnyDepth) {
  EXPECT_FALSE(ParseImport(
      R"({"format":"caduceus-catalogue/1","format":"caduceus-catalogue/1","entries":[]})"));
  auto text = ImportFile({ValidEntryJson("dup")});
  const auto at = text.find("\"url\":");
  text.insert(at, "\"url\":\"https://other.example.eu\",");
  const auto parsed = ParseImport(text);
  ASSERT_FALSE(parsed);
  EXPECT_NE(parsed.error().message.find("duplicate member 'url'"), std::string::npos)
      << parsed.error().message;
}

TEST(ImportTest, DeepNestingIsRejected) {
  std::string deep = R"({"format":"caduceus-catalogue/1","entries":[)";
  deep += std::string(20, '[') + std::string(20, ']') + "]}";
  const auto parsed = ParseImport(deep);
  ASSERT_FALSE(parsed);
  EXPECT_NE(parsed.error().message.find("deeper"), std::string::npos) << parsed.error().message;
}

TEST(ImportTest, SizeAndCountAreBounded) {
  const std::string huge(kMaxImportBytes + 1, ' ');
  const auto too_large = ParseImport(huge);
  ASSERT_FALSE(too_large);
  EXPECT_EQ(too_large.error().code, Errc::kPayloadTooLarge);

  json::array many;
  for (std::size_t i = 0; i <= kMaxImportEntries; ++i) many.push_back(json::object{});
  EXPECT_TRUE(InvalidAt(ParseImport(ImportFile(many)), "/entries"));
}

TEST(LanguagesTest, EveryMemberStateHasOfficialLanguagesThatAreCodes) {
  for (std::string_view code :
       {"AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT",
        "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE", "IS", "LI", "NO"}) {
    ASSERT_TRUE(identity::IsMemberStateCode(code)) << code;
    const auto langs = LanguagesOf(code);
    EXPECT_FALSE(langs.empty()) << code;
    for (auto l : langs) {
      EXPECT_TRUE(IsLanguageCode(l)) << code << " " << l;
      EXPECT_NE(LanguageName(l), l) << "no name for " << l;
    }
    EXPECT_NE(CountryName(code), code);
  }
}

TEST(LanguagesTest, KnownCountries) {
  const auto be = LanguagesOf("BE");
  EXPECT_EQ(std::vector<std::string_view>(be.begin(), be.end()),
            (std::vector<std::string_view>{"nl", "fr", "de"}));
  const auto ie = LanguagesOf("IE");
  EXPECT_NE(std::find(ie.begin(), ie.end(), "en"), ie.end());
  EXPECT_TRUE(LanguagesOf("US").empty());
  EXPECT_TRUE(LanguagesOf("").empty());
}

TEST(VocabularyTest, MeasuresHaveLabels) {
  for (auto m : Measures()) EXPECT_FALSE(MeasureLabel(m).empty()) << m;
  EXPECT_TRUE(MeasureLabel("k").empty());
}

}  // namespace
}  // namespace caduceus::catalogue
