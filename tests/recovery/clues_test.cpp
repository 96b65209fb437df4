// The clue format: every member, its normalisation, its bounds, and the canonical round trip.
#include "recovery/clues.h"

#include <string>
#include <vector>

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace caduceus::recovery {
namespace {

namespace json = boost::json;

Result<Clues> Parse(const json::object& o) { return ParseClues(json::serialize(o)); }

TEST(Clues, EveryMemberIsReadAndNormalised) {
  const auto clues = Parse(json::object{
      {"note_filename", "C:\\Users\\x\\Desktop\\HOW_TO_DECRYPT.txt"},
      {"note_base64", ToBase64(std::string("\xFF\xFEY\0o\0u\0", 8))},
      {"notes",
       json::array{json::object{{"file_name", "/home/a/README.html"}, {"text", "<p>hi</p>"}}}},
      {"file_names", json::array{"D:\\scans\\a.dcm.lockbit", "b.pdf.lockbit"}},
      {"header_hex", "4D 5A:90 00"},
      {"footer_hex", "FFD9"},
      {"samples", json::array{json::object{{"file_name", "x.lockbit"}, {"header_hex", "00"}}}},
      {"emails", json::array{"  Help@Mail.CH "}},
      {"onions", json::array{"HIVECUST6VHEKZTBQGDNKKS64UCEHQACGE3DIJ3GYRRPDP57ZOQ3OOQD.onion"}},
      {"crypto_addresses", json::array{"1GCaWA685Nj2PqqG7P2ZBACYZB8ZtpQuQ9"}},
      {"incident_id", 42}});
  ASSERT_TRUE(clues.has_value()) << clues.error().message;
  ASSERT_EQ(clues->notes.size(), 2U);
  EXPECT_EQ(clues->notes[0].file_name, "HOW_TO_DECRYPT.txt");
  EXPECT_EQ(clues->notes[0].bytes, std::string("\xFF\xFEY\0o\0u\0", 8));
  EXPECT_EQ(clues->notes[1].file_name, "README.html");
  EXPECT_EQ(clues->file_names, (std::vector<std::string>{"a.dcm.lockbit", "b.pdf.lockbit"}));
  ASSERT_EQ(clues->samples.size(), 2U);
  EXPECT_EQ(clues->samples[0].header, std::string("MZ\x90\0", 4));
  EXPECT_EQ(clues->samples[0].footer, "\xFF\xD9");
  EXPECT_EQ(clues->emails, std::vector<std::string>{"help@mail.ch"});
  EXPECT_EQ(clues->onions[0].substr(0, 8), "hivecust");
  EXPECT_EQ(clues->crypto_addresses[0], "1GCaWA685Nj2PqqG7P2ZBACYZB8ZtpQuQ9");
  EXPECT_EQ(clues->incident_id, 42);
}

TEST(Clues, CanonicalJsonReadsBackEqual) {
  Clues c;
  c.notes.push_back({"a.txt", "plain text"});
  c.notes.push_back({"b.txt", std::string("\xFF\xFEZ\0", 4)});
  c.notes.push_back({"", "text only"});
  c.notes.push_back({"name-only.txt", ""});
  c.file_names = {"x.locked"};
  c.samples.push_back({"x.locked", std::string("\0\1\2", 3), ""});
  c.onions = {"abc.onion"};
  const json::object o = ToJson(c);
  EXPECT_TRUE(o.at("notes").as_array()[1].as_object().contains("base64"));
  EXPECT_TRUE(o.at("notes").as_array()[0].as_object().contains("text"));
  const auto back = CluesFromJson(o);
  ASSERT_TRUE(back.has_value()) << back.error().message;
  EXPECT_EQ(*back, c);
}

TEST(Clues, MalformedMembersAreRejectedNamingTheMember) {
  const auto field = [](const json::object& o) {
    auto r = Parse(o);
    return r.has_value() ? std::string("accepted") : r.error().field;
  };
  EXPECT_EQ(field({{"note_text", "a"}, {"note_base64", "YQ=="}}), "note_base64");
  EXPECT_EQ(field({{"note_base64", "YQ=!"}}), "note_base64");
  EXPECT_EQ(field({{"header_hex", "abc"}}), "header_hex");
  EXPECT_EQ(field({{"samples", json::array{json::object{{"footer_hex", "zz"}}}}}),
            "samples/0/footer_hex");
  EXPECT_EQ(field({{"notes", json::array{json::object{{"colour", "red"}}}}}), "notes/0/colour");
  EXPECT_EQ(field({{"notes", json::array{7}}}), "notes/0");
  EXPECT_EQ(field({{"file_names", json::array{"ok", 3}}}), "file_names/1");
  EXPECT_EQ(field({{"file_names", json::array{"bad\x01name"}}}), "file_names/0");
  EXPECT_EQ(field({{"incident_id", 0}}), "incident_id");
  EXPECT_EQ(field({{"incident_id", "7"}}), "incident_id");
  EXPECT_EQ(field({{"ransom_paid", true}}), "ransom_paid");
  EXPECT_FALSE(ParseClues("{\"emails\": [], \"emails\": []}").has_value());
  EXPECT_FALSE(ParseClues("[1]").has_value());
  EXPECT_FALSE(ParseClues("{\"a\":[[[[[[[[[[1]]]]]]]]]]}").has_value());
}

TEST(Clues, BoundsAreEnforced) {
  json::array names;
  for (int i = 0; i <= static_cast<int>(kMaxFileNames); ++i) names.emplace_back("x.locked");
  EXPECT_EQ(Parse({{"file_names", names}}).error().field, "file_names");
  json::array notes;
  for (std::size_t i = 0; i <= kMaxNotes; ++i) notes.push_back(json::object{{"text", "n"}});
  EXPECT_EQ(Parse({{"notes", notes}}).error().code, Errc::kPayloadTooLarge);
  json::array samples;
  for (int i = 0; i < 20; ++i) {
    samples.push_back(json::object{{"header_hex", std::string(kMaxSampleBytes * 2, 'a')}});
  }
  EXPECT_EQ(Parse({{"samples", samples}}).error().code, Errc::kPayloadTooLarge);
  const std::string big(kMaxNotesTotalBytes / 2 + 1, 'a');
  EXPECT_EQ(
      Parse({{"note_text", big}, {"notes", json::array{json::object{{"text", big}}}}}).error().code,
      Errc::kPayloadTooLarge);
  EXPECT_EQ(ParseClues(std::string(kMaxCluesJsonBytes + 1, ' ')).error().code,
            Errc::kPayloadTooLarge);
}

TEST(Clues, HexAndBase64Helpers) {
  EXPECT_EQ(ToHex(std::string("\x00\xff\x10", 3)), "00ff10");
  EXPECT_EQ(FromHex("00FF10"), std::string("\x00\xff\x10", 3));
  EXPECT_FALSE(FromHex("0g").has_value());
  EXPECT_EQ(ToBase64("any carnal pleas"), "YW55IGNhcm5hbCBwbGVhcw==");
  EXPECT_EQ(FromBase64("YW55IGNhcm5hbCBwbGVhcw"), "any carnal pleas");
  EXPECT_EQ(FromBase64("YW55\nIGNh-_8="), FromBase64("YW55IGNh+/8="));
  EXPECT_FALSE(FromBase64("Y").has_value());
  EXPECT_FALSE(FromBase64("YR==").has_value());
  EXPECT_FALSE(FromBase64("YW==YW").has_value());
  EXPECT_EQ(BaseName("C:\\a/b\\c.txt"), "c.txt");
}

}  // namespace
}  // namespace caduceus::recovery
