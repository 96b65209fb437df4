// Identification on a small knowledge base: glob matching and extension suffixes, ranking by
// each kind of clue, the weight of shared patterns, names, robustness of note matching to
// victim tokens and encodings, decryptor links, unknown results, and the offline export.
#include "recovery/identify.h"

#include <string>
#include <vector>

#include <boost/json.hpp>
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "recovery/knowledge.h"
#include "test_data.h"

namespace caduceus::recovery {
namespace {

namespace json = boost::json;
using Strings = std::vector<std::string>;

constexpr std::string_view kZetaNote =
    "=== ZETACRYPT ===\nAll your hospital files were encrypted with military grade algorithms.\n"
    "To restore them buy the universal restoration suite from our operators.\n"
    "Your personal identifier: 7F3A9C21B4E8D605\nContact: zeta.support@onionmail.org\n"
    "Do not rename the files, do not call the police, do not hire negotiators.\n";

Family MakeFamily(std::int64_t id,
                  std::string name,
                  GalaxyFamily g,
                  std::vector<MarkerData> m = {}) {
  g.uuid = fmt::format("00000000-0000-4000-8000-{:012d}", id);
  g.name = std::move(name);
  return BuildFamily(id, g, m);
}

KnowledgeBase TestKb() {
  std::vector<Family> families;
  GalaxyFamily zeta;
  zeta.extensions = {".zeta"};
  zeta.note_filenames = {"ZETA_RESTORE_[id].txt"};
  zeta.note_texts = {std::string(kZetaNote)};
  families.push_back(MakeFamily(1, "Zetacrypt", zeta));
  GalaxyFamily dharma;
  dharma.extensions = {".id-BCBEF350.[paymentbtc@firemail.cc].wallet", ".wallet"};
  dharma.note_filenames = {"README.txt"};
  families.push_back(MakeFamily(2, "Dharma Ransomware", dharma));
  GalaxyFamily walleter;
  walleter.extensions = {".wallet"};
  families.push_back(MakeFamily(3, "Walleter", walleter));
  for (int i = 4; i < 10; ++i) {
    GalaxyFamily generic;
    generic.extensions = {".locked"};
    generic.note_filenames = {"README.txt"};
    families.push_back(MakeFamily(i, fmt::format("Generic{}", i), generic));
  }
  GalaxyFamily royal;
  families.push_back(MakeFamily(10, "Royal", royal));
  GalaxyFamily marked;
  families.push_back(
      MakeFamily(11, "Markedcrypt", marked,
                 {{
                      "header",
                      "cafebabe",
                      8,
                  },
                  {"onion", "markedleak*.onion", 0},
                  {"note_phrase", "the markedcrypt team wishes you", 0},
                  {"crypto_address", "bc1qmarkedaddress0000000000000000000000", 0}}));
  std::vector<Decryptor> tools;
  Decryptor d;
  d.id = 9;
  d.data = {"zeta-tool",    {"ZetaCrypt Ransomware"},   "Zeta decryptor",
            "Example Labs", "https://example.org/zeta", "Run it.",
            "2026-11-01"};
  tools.push_back(d);
  return KnowledgeBase(std::move(families), std::move(tools));
}

Strings Names(const Identification& id) {
  Strings out;
  for (const auto& c : id.candidates) out.push_back(c.family.name);
  return out;
}

Clues Note(std::string name, std::string text) {
  Clues c;
  c.notes.push_back({std::move(name), std::move(text)});
  return c;
}

TEST(Glob, MatchesWholeTextCaseInsensitivelyWithStars) {
  EXPECT_TRUE(GlobMatch("_help_decrypt_*_.jpg", "_HELP_DECRYPT_AB12_.JPG"));
  EXPECT_TRUE(GlobMatch("*.locky", "0123ABCD.locky"));
  EXPECT_TRUE(GlobMatch("a*b*c", "aXXbYYbc"));
  EXPECT_TRUE(GlobMatch("**", ""));
  EXPECT_FALSE(GlobMatch("readme*.txt", "readme.txt.bak"));
  EXPECT_FALSE(GlobMatch("a?c", "abc"));
  EXPECT_TRUE(GlobMatch("a?c", "a?c"));
  EXPECT_FALSE(GlobMatch("", "x"));
}

TEST(Glob, ExtensionSuffixesStartAtSeparators) {
  EXPECT_EQ(ExtensionSuffixes("C:\\x\\Scan.PDF.id-1E85.[a@b.cc].wallet"),
            (Strings{"scan.pdf.id-1e85.[a@b.cc].wallet", ".pdf.id-1e85.[a@b.cc].wallet",
                     ".id-1e85.[a@b.cc].wallet", "-1e85.[a@b.cc].wallet", ".[a@b.cc].wallet",
                     "[a@b.cc].wallet", "@b.cc].wallet", ".cc].wallet", "].wallet", ".wallet"}));
  EXPECT_TRUE(ExtensionSuffixes("").empty());
}

TEST(Identify, AUniqueNoteNameAndExtensionRankTheirFamilyFirstWithEvidence) {
  const auto kb = TestKb();
  Clues c = Note("ZETA_RESTORE_X7Q2.txt", "");
  c.file_names = {"ct-thorax.dcm.zeta", "ct-abdomen.dcm.zeta"};
  const auto id = kb.Identify(c);
  ASSERT_EQ(Names(id), Strings{"Zetacrypt"});
  EXPECT_FALSE(id.unknown);
  const auto& e = id.candidates[0].evidence;
  ASSERT_EQ(e.size(), 2U);
  EXPECT_EQ(e[0].kind, "note_filename");
  EXPECT_EQ(e[0].matched, "zeta_restore_*.txt");
  EXPECT_EQ(e[1].kind, "extension");
  EXPECT_EQ(e[1].clue, "ct-thorax.dcm.zeta");
  ASSERT_EQ(id.candidates[0].decryptors.size(), 1U);
  EXPECT_EQ(id.candidates[0].decryptors[0].data.key, "zeta-tool");
}

TEST(Identify, CompoundExtensionOutweighsASharedPlainOne) {
  const auto kb = TestKb();
  const auto id = kb.Identify([] {
    Clues c;
    c.file_names = {"budget.xlsx.id-1E857D00.[bitlocker@foxmail.com].wallet"};
    return c;
  }());
  ASSERT_EQ(Names(id), (Strings{"Dharma Ransomware", "Walleter"}));
  EXPECT_GT(id.candidates[0].confidence, 2 * id.candidates[1].confidence);
  EXPECT_EQ(id.candidates[0].evidence[0].matched, ".id-*.[*].wallet");
}

TEST(Identify, GenericPatternsSharedByManyFamiliesLeaveTheResultUnknown) {
  const auto kb = TestKb();
  Clues c = Note("README.txt", "");
  c.file_names = {"a.docx.locked"};
  const auto id = kb.Identify(c);
  EXPECT_TRUE(id.unknown);
  ASSERT_FALSE(id.candidates.empty());
  EXPECT_LT(id.candidates[0].confidence, 0.25);
}

TEST(Identify, NoteTextMatchesDespiteOtherIdsAddressesLineBreaksAndEncodings) {
  const auto kb = TestKb();
  std::string variant =
      "=== ZETACRYPT ===\r\nAll your hospital files were encrypted with military grade "
      "algorithms.\r\nTo restore them buy the universal restoration suite from our operators.\r\n"
      "Your personal identifier: 00112233AABBCCDD\r\nContact: other.mailbox@cock.li\r\nDo not "
      "rename the files, do not call the police, do not hire negotiators.\r\n";
  std::string utf16 = "\xFF\xFE";
  for (char ch : variant) {
    utf16 += ch;
    utf16 += '\0';
  }
  std::string html = "<html><body><p>" + variant + "</p></body></html>";
  for (const std::string& bytes : {variant, utf16, html}) {
    const auto id = kb.Identify(Note("instructions.html", bytes));
    ASSERT_FALSE(id.candidates.empty());
    EXPECT_EQ(id.candidates[0].family.name, "Zetacrypt");
    EXPECT_EQ(id.candidates[0].evidence[0].kind, "note_text");
    EXPECT_NE(id.candidates[0].evidence[0].matched.find("similarity"), std::string::npos);
  }
  EXPECT_EQ(kb.Identify(Note("", utf16)).notes[0].encoding, "utf-16le");
}

TEST(Identify, AddressesMarkersAndPhrasesIdentifyTheirFamily) {
  const auto kb = TestKb();
  Clues onion;
  onion.onions = {"http://markedleakabcdefghijklmnop.onion/blog"};
  EXPECT_EQ(Names(kb.Identify(onion)), Strings{"Markedcrypt"});
  Clues email;
  email.emails = {"zeta.support@onionmail.org"};
  EXPECT_EQ(Names(kb.Identify(email)), Strings{"Zetacrypt"});
  Clues wallet;
  wallet.crypto_addresses = {"bc1qmarkedaddress0000000000000000000000"};
  EXPECT_EQ(Names(kb.Identify(wallet)), Strings{"Markedcrypt"});

  Clues bytes;
  bytes.samples.push_back({"x.bin", std::string(8, '\0') + "\xca\xfe\xba\xbe" + "rest", ""});
  const auto by_header = kb.Identify(bytes);
  ASSERT_EQ(Names(by_header), Strings{"Markedcrypt"});
  EXPECT_EQ(by_header.candidates[0].evidence[0].kind, "header");
  bytes.samples[0].header = "\xca\xfe\xba\xbe";
  EXPECT_TRUE(kb.Identify(bytes).candidates.empty());

  const auto phrase =
      kb.Identify(Note("", "Hello. The MarkedCrypt team wishes you a quick payment."));
  ASSERT_FALSE(phrase.candidates.empty());
  EXPECT_EQ(phrase.candidates[0].family.name, "Markedcrypt");
  EXPECT_EQ(phrase.candidates[0].evidence[0].kind, "note_phrase");
}

TEST(Identify, NamesCountWhenCapitalisedOrInContextAndCommonWordsOnlyInContext) {
  const auto kb = TestKb();
  EXPECT_EQ(Names(kb.Identify(Note("", "your files were locked by Zetacrypt."))),
            Strings{"Zetacrypt"});
  EXPECT_TRUE(
      kb.Identify(Note("", "zetacrypt is mentioned in lower case here")).candidates.empty());
  EXPECT_EQ(Names(kb.Identify(Note("zetacrypt_readme.txt", ""))), Strings{"Zetacrypt"});
  EXPECT_TRUE(kb.Identify(Note("", "Royal families have royal problems.")).candidates.empty());
  const auto royal = kb.Identify(Note("", "Your system was hit by Royal ransomware."));
  ASSERT_EQ(Names(royal), Strings{"Royal"});
  EXPECT_EQ(royal.candidates[0].evidence[0].kind, "name");
}

TEST(Identify, NothingKnownGivesUnknownWithoutCandidates) {
  const auto kb = TestKb();
  Clues c =
      Note("INSTALL.txt", "Thank you for installing the PACS viewer. Read the manual before use.");
  c.file_names = {"report.pdf", "notes.docx"};
  const auto id = kb.Identify(c);
  EXPECT_TRUE(id.unknown);
  EXPECT_TRUE(id.candidates.empty());
  EXPECT_TRUE(kb.Identify(Clues{}).candidates.empty());
}

TEST(Identify, ThousandsOfHostileCluesAreBoundedAndNeverFail) {
  const auto kb = TestKb();
  Clues c;
  for (int i = 0; i < 3000; ++i) c.file_names.push_back(std::string(2000, '*') + ".zeta");
  for (int i = 0; i < 40; ++i) c.notes.push_back({"n.txt", std::string(300000, '<')});
  for (int i = 0; i < 200; ++i) c.samples.push_back({"", std::string(5000, '\xca'), ""});
  const auto id = kb.Identify(c);
  EXPECT_LE(id.candidates.size(), kMaxCandidates);
  EXPECT_LE(id.notes.size(), kMaxNotes);
}

TEST(KnowledgeBaseExport, RoundTripsAndIdentifiesTheSame) {
  const auto kb = TestKb();
  const std::string text = json::serialize(KnowledgeBaseToJson(kb));
  auto back = ParseKnowledgeBase(text);
  ASSERT_TRUE(back.has_value()) << back.error().message;
  EXPECT_EQ(back->families(), kb.families());
  ASSERT_EQ(back->decryptors().size(), 1U);
  EXPECT_EQ(back->decryptors()[0].data, kb.decryptors()[0].data);
  Clues c = Note("ZETA_RESTORE_1.txt", std::string(kZetaNote));
  EXPECT_EQ(json::serialize(ToJson(back->Identify(c))), json::serialize(ToJson(kb.Identify(c))));

  EXPECT_EQ(ParseKnowledgeBase("{\"format\":\"other\",\"families\":[]}").error().field, "/format");
  EXPECT_EQ(
      ParseKnowledgeBase("{\"format\":\"caduceus-recovery-kb/1\",\"families\":[{\"uuid\":\"x\"}]}")
          .error()
          .field,
      "/families/0/name");
}

TEST(KnowledgeBaseExport, TheShippedGalaxyExportsAndReadsBack) {
  const auto& kb = testdata::GalaxyKnowledgeBase();
  auto back = ParseKnowledgeBase(json::serialize(KnowledgeBaseToJson(kb)));
  ASSERT_TRUE(back.has_value()) << back.error().message;
  EXPECT_EQ(back->families().size(), kb.families().size());
  EXPECT_TRUE(back->IsNoteFileName("!!!READ_ME_MEDUSA!!!.txt"));
  EXPECT_TRUE(back->HasKnownExtension("scan.pdf.akira"));
  EXPECT_FALSE(back->HasKnownExtension("scan.pdf"));
}

}  // namespace
}  // namespace caduceus::recovery
