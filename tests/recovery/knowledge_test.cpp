// Knowledge sources: the galaxy parser (on the shipped file and hostile variants), the turning of
// the galaxy's free-form note names and extensions into globs, hub markers and their validation,
// and building the family identification uses.
#include "recovery/knowledge.h"

#include <algorithm>
#include <string>
#include <vector>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "test_data.h"

namespace caduceus::recovery {
namespace {

namespace json = boost::json;
using Strings = std::vector<std::string>;

const GalaxyFamily* Find(const std::vector<GalaxyFamily>& families, std::string_view name) {
  const auto it = std::find_if(families.begin(), families.end(),
                               [&](const GalaxyFamily& f) { return f.name == name; });
  return it == families.end() ? nullptr : &*it;
}

TEST(Galaxy, TheShippedClusterParsesWithNamesPatternsAndNotes) {
  const auto families = ParseGalaxy(testdata::GalaxyText());
  ASSERT_TRUE(families.has_value()) << families.error().message;
  EXPECT_GT(families->size(), 2000U);
  const auto* cerber = Find(*families, "Cerber");
  ASSERT_NE(cerber, nullptr);
  EXPECT_EQ(cerber->uuid, "190edf95-9cd9-4e4a-a228-b716d52a751b");
  EXPECT_NE(std::find(cerber->note_filenames.begin(), cerber->note_filenames.end(),
                      "# DECRYPT MY FILES #.vbs"),
            cerber->note_filenames.end());
  const auto* bianlian = Find(*families, "Bianlian");
  ASSERT_NE(bianlian, nullptr);
  EXPECT_EQ(bianlian->note_filenames, Strings{"Look at this instruction.txt"});
  EXPECT_EQ(bianlian->note_texts.size(), 1U);
}

TEST(Galaxy, VariantsAreToleratedAndStructuralErrorsRejected) {
  const auto parsed = ParseGalaxy(json::serialize(json::object{
      {"type", "ransomware"},
      {"values", json::array{json::object{
                     {"uuid", "AAAAAAAA-AAAA-4AAA-8AAA-AAAAAAAAAAAA"},
                     {"value", "  Two   Spaces  "},
                     {"meta", json::object{{"extensions", ".single"},
                                           {"ransomenotes", json::array{"note", 7}},
                                           {"ransomnotes-files", json::array{"a.txt"}},
                                           {"synonyms", json::array{"ok", "bad\x01"}}}}}}}}));
  ASSERT_TRUE(parsed.has_value()) << parsed.error().message;
  const GalaxyFamily& f = parsed->front();
  EXPECT_EQ(f.uuid, "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa");
  EXPECT_EQ(f.name, "Two Spaces");
  EXPECT_EQ(f.extensions, Strings{".single"});
  EXPECT_EQ(f.note_texts, Strings{"note"});
  EXPECT_EQ(f.note_filenames, Strings{"a.txt"});
  EXPECT_EQ(f.synonyms, Strings{"ok"});

  const auto error_field = [](std::string text) {
    auto r = ParseGalaxy(text);
    return r.has_value() ? std::string("accepted") : r.error().field;
  };
  EXPECT_EQ(error_field("{\"type\":\"ransomware\",\"values\":[{\"value\":\"x\"}]}"),
            "/values/0/uuid");
  EXPECT_EQ(error_field("{\"type\":\"ransomware\",\"values\":[{\"uuid\":"
                        "\"aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa\"}]}"),
            "/values/0/value");
  EXPECT_EQ(error_field("{\"type\":\"ransomware\",\"values\":{}}"), "/values");
  EXPECT_EQ(error_field("{\"values\":[]}"), "/type");
  EXPECT_FALSE(ParseGalaxy("{\"type\":\"ransomware\",\"type\":\"x\",\"values\":[]}").has_value());
  EXPECT_EQ(ParseGalaxy(std::string(kMaxGalaxyBytes + 1, ' ')).error().code,
            Errc::kPayloadTooLarge);
}

TEST(GalaxyPatterns, NoteNamesBecomeGlobs) {
  const std::pair<std::string, std::optional<std::string>> cases[] = {
      {"_HELP_DECRYPT_[A-Z0-9]{4-8}_.jpg", "_help_decrypt_*_.jpg"},
      {"_{RAND}_README.hta", "_*_readme.hta"},
      {"_HELP_HELP_HELP_%random%.jpg", "_help_help_help_*.jpg"},
      {"RECOVER<5_chars>.png", "recover*.png"},
      {"README_DECRYPT_UMBRE_ID_[victim_id].txt", "readme_decrypt_umbre_id_*.txt"},
      {"README-FILE-#COMPUTER-NAME#-#CREATION-TIME#.hta", "readme-file-*-*.hta"},
      {"RESTORE_FILES_<random 5 chars>.TXT , e.g. restore_files_kksli.bmp", "restore_files_*.txt"},
      {"<startup folder>\\strongcrypt.bmp", "strongcrypt.bmp"},
      {"# DECRYPT MY FILES #.html", "# decrypt my files #.html"},
      {"Take_Seriously (Your saving grace).txt", "take_seriously (your saving grace).txt"},
      {"HOW TO RECOVER ENCRYPTED FILES-fastrecovery@airmail.cc.TXT",
       "how to recover encrypted files-fastrecovery@airmail.cc.txt"},
      {"[Infection-ID].HTML", std::nullopt},
      {"C:\\ProgramData\\[random].exe", std::nullopt},
      {"1.bmp", std::nullopt},
  };
  for (const auto& [galaxy, expected] : cases) {
    EXPECT_EQ(NoteNamePattern(galaxy), expected) << galaxy;
  }
}

TEST(GalaxyPatterns, ExtensionsBecomeSuffixGlobsAndExamplesAreGeneralised) {
  const std::pair<std::string, Strings> cases[] = {
      {".locky", {".locky"}},
      {"([A-F0-9]{32}).locky", {"*.locky"}},
      {".id-BCBEF350.[paymentbtc@firemail.cc].cmb",
       {".id-bcbef350.[paymentbtc@firemail.cc].cmb", ".id-*.[*].cmb"}},
      {"._[10_digit_victim_id].UIWIX", {"._*.uiwix"}},
      {".locked (added before the ending, not to the ending)", {".locked"}},
      {"hello", {".hello"}},
      {"_x3m", {"_x3m"}},
      {".unCrypte@outlook.com_&lt;random_numbers_and_upper_alphabetic_characters&gt; ",
       {".uncrypte@outlook.com_*"}},
      {"RANDOM 3 LETTERS ARE ADDED", {}},
      {"AES+RSA", {}},
      {"(enc) prepend", {}},
      {".exe", {}},
      {".<random_8_chars>", {}},
      {".~", {}},
  };
  for (const auto& [galaxy, expected] : cases) {
    EXPECT_EQ(ExtensionPatterns(galaxy), expected) << galaxy;
  }
}

TEST(Markers, AreValidatedAndNormalisedPerKind) {
  const auto check = [](MarkerData m) -> std::string {
    auto st = ValidateMarker(m);
    return st ? m.value : "error:" + st.error().field;
  };
  EXPECT_EQ(check({"extension", "LOCKBIT", 0}), ".lockbit");
  EXPECT_EQ(check({"note_filename", " Restore-My-Files.TXT ", 0}), "restore-my-files.txt");
  EXPECT_EQ(check({"header", "de AD be EF", 16}), "deadbeef");
  EXPECT_EQ(check({"note_phrase", "Welcome to DarkSide, ID 123!", 0}),
            "welcome to darkside id <num>");
  EXPECT_EQ(check({"email", "Support@OnionMail.org", 0}), "support@onionmail.org");
  EXPECT_EQ(check({"onion", "lockbit*.onion", 0}), "lockbit*.onion");
  EXPECT_EQ(check({"crypto_address", "1GCaWA685Nj2PqqG7P2ZBACYZB8ZtpQuQ9", 0}),
            "1GCaWA685Nj2PqqG7P2ZBACYZB8ZtpQuQ9");
  EXPECT_EQ(check({"colour", "red", 0}), "error:kind");
  EXPECT_EQ(check({"extension", ".x", 0}), "error:value");
  EXPECT_EQ(check({"extension", ".lockbit", 4}), "error:offset");
  EXPECT_EQ(check({"footer", "00", -1}), "error:offset");
  EXPECT_EQ(check({"header", std::string(130, 'a'), 0}), "error:value");
  EXPECT_EQ(check({"note_phrase", "two words", 0}), "error:value");
  EXPECT_EQ(check({"onion", "example.com", 0}), "error:value");
  EXPECT_EQ(check({"email", "nobody", 0}), "error:value");
  EXPECT_EQ(check({"note_text", std::string(kMaxMarkerValue + 1, 'a'), 0}), "error:value");
}

TEST(Markers, BuildFamilyMergesMarkersAppliesCorrectionsAndExtractsAddresses) {
  GalaxyFamily g;
  g.uuid = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa";
  g.name = "Examplecrypt";
  g.extensions = {".examplecrypt", ".locked", ".[help@example.org].exmp"};
  g.note_filenames = {"README.txt", "EXAMPLE_[id].txt"};
  g.note_texts = {"Visit http://exampleleaks2xyz.onion/ or write to Ops@Example.org"};
  g.references = {"https://www.nomoreransom.org/en/decryption-tools.html",
                  "https://example.org/analysis"};
  const MarkerData markers[] = {{"ignore_extension", ".locked", 0},
                                {"ignore_note_filename", "readme.txt", 0},
                                {"extension", ".examplecrypt2", 0},
                                {"synonym", "ExLock", 0},
                                {"header", "4558", 2}};
  const Family f = BuildFamily(7, g, markers);
  EXPECT_EQ(f.id, 7);
  EXPECT_EQ(f.extensions,
            (Strings{".examplecrypt", ".[help@example.org].exmp", ".[*].exmp", ".examplecrypt2"}));
  EXPECT_EQ(f.note_filenames, Strings{"example_*.txt"});
  EXPECT_EQ(f.synonyms, Strings{"ExLock"});
  EXPECT_EQ(f.emails, (Strings{"help@example.org", "ops@example.org"}));
  EXPECT_EQ(f.onions, Strings{"exampleleaks2xyz.onion"});
  ASSERT_EQ(f.byte_markers.size(), 1U);
  EXPECT_EQ(f.byte_markers[0].bytes, "EX");
  EXPECT_EQ(f.byte_markers[0].offset, 2);
  EXPECT_EQ(f.decryptor_hints, Strings{"https://www.nomoreransom.org/en/decryption-tools.html"});
}

}  // namespace
}  // namespace caduceus::recovery
