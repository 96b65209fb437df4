// Ransom notes as text: decoding (byte-order marks, UTF-16 without one, broken UTF-8, HTML and
// RTF), contact extraction, and the normalisation that makes two victims' copies of a note equal.
#include "recovery/note.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/text.h"

namespace caduceus::recovery {
namespace {

// UTF-16 code units of `text` (BMP only), little or big endian.
std::string Utf16(std::u16string_view text, bool little_endian) {
  std::string out;
  for (char16_t c : text) {
    const char lo = static_cast<char>(c & 0xFF), hi = static_cast<char>(c >> 8);
    out += little_endian ? lo : hi;
    out += little_endian ? hi : lo;
  }
  return out;
}

TEST(NoteDecoding, Utf8WithAndWithoutByteOrderMark) {
  const auto plain = DecodeNote("Your files are encrypted.\r\nЗашифровано\r\n");
  EXPECT_EQ(plain.encoding, NoteEncoding::kUtf8);
  EXPECT_EQ(plain.text, "Your files are encrypted.\nЗашифровано\n");
  const auto bom = DecodeNote("\xEF\xBB\xBFYour files");
  EXPECT_EQ(bom.encoding, NoteEncoding::kUtf8);
  EXPECT_EQ(bom.text, "Your files");
}

TEST(NoteDecoding, Utf16LittleAndBigEndianWithByteOrderMark) {
  const std::u16string text = u"Vos fichiers sont chiffr\u00e9s \u20ac";
  const auto le = DecodeNote("\xFF\xFE" + Utf16(text, true));
  EXPECT_EQ(le.encoding, NoteEncoding::kUtf16Le);
  EXPECT_EQ(le.text, "Vos fichiers sont chiffrés €");
  const auto be = DecodeNote("\xFE\xFF" + Utf16(text, false));
  EXPECT_EQ(be.encoding, NoteEncoding::kUtf16Be);
  EXPECT_EQ(be.text, le.text);
}

TEST(NoteDecoding, Utf16WithoutByteOrderMarkIsRecognisedByItsZeroBytes) {
  const auto le = DecodeNote(Utf16(u"ALL YOUR FILES HAVE BEEN ENCRYPTED", true));
  EXPECT_EQ(le.encoding, NoteEncoding::kUtf16Le);
  EXPECT_EQ(le.text, "ALL YOUR FILES HAVE BEEN ENCRYPTED");
  const auto be = DecodeNote(Utf16(u"ALL YOUR FILES HAVE BEEN ENCRYPTED", false));
  EXPECT_EQ(be.encoding, NoteEncoding::kUtf16Be);
  EXPECT_EQ(be.text, le.text);
}

TEST(NoteDecoding, BrokenUtf16AndUtf8StillGiveValidText) {
  // A lone high surrogate, a lone low surrogate, and an odd trailing byte.
  const auto broken =
      DecodeNote(std::string("\xFF\xFE"
                             "A\0\x00\xD8"
                             "B\0\x00\xDC"
                             "C",
                             11));
  EXPECT_EQ(broken.text,
            "A\xEF\xBF\xBD"
            "B\xEF\xBF\xBD");
  EXPECT_TRUE(ValidUtf8(broken.text));
  // Not UTF-8: read as Windows-1252.
  const auto legacy = DecodeNote("Fichiers chiffr\xe9s \x80 500");
  EXPECT_EQ(legacy.encoding, NoteEncoding::kLegacy);
  EXPECT_EQ(legacy.text, "Fichiers chiffrés € 500");
  // Control characters become spaces, NUL disappears, CR becomes LF.
  EXPECT_EQ(DecodeNote(std::string("a\x01"
                                   "b\0c\rd",
                                   7))
                .text,
            "a bc\nd");
}

TEST(NoteDecoding, LongNotesAreCutWithoutMistakingASplitSequenceForLegacyText) {
  std::string big(kMaxNoteBytes - 1, 'a');
  big += "\xC3\xA9 tail";
  const auto note = DecodeNote(big);
  EXPECT_TRUE(note.truncated);
  EXPECT_EQ(note.encoding, NoteEncoding::kUtf8);
  EXPECT_EQ(note.text.size(), kMaxNoteBytes - 1);
}

TEST(NoteHtml, TagsScriptsAndStylesGoTitleAndEntitiesStay) {
  const std::string html =
      "<!DOCTYPE html><html><head><title>C E R B E R</title>"
      "<style>body { color: red }</style><script>alert('x < y')</script></head>"
      "<body><h3>Your documents &amp; photos</h3><p>1.&nbsp;Download the &laquo;Tor "
      "Browser&raquo;</p><!-- a comment with <b>tags</b> --><br>&#10102; step &#x41;"
      "<input value=\"http://x.onion/a>b\" readonly></body></html>";
  EXPECT_EQ(HtmlToText(html),
            "C E R B E R\nYour documents & photos\n1. Download the «Tor Browser»\n❶ step A");
}

TEST(NoteHtml, MalformedMarkupAndUnknownEntitiesAreTolerated) {
  EXPECT_EQ(HtmlToText("a < b and <b>bold"), "a < b and bold");
  EXPECT_EQ(HtmlToText("<p>unclosed <!-- comment"), "unclosed");
  EXPECT_EQ(HtmlToText("<script>never closed"), "");
  EXPECT_EQ(DecodeEntities("&bogus; &#0; &#xD800; &#1114112; & &amp"),
            "&bogus; &#0; &#xD800; &#1114112; & &amp");
  EXPECT_EQ(DecodeEntities("&lt;&#233;&#xe9;&eacute;&gt;"), "<ééé>");
}

TEST(NoteHtml, DecodeNoteRecognisesHtmlByNameOrContent) {
  EXPECT_EQ(DecodeNote("<p>Files are encrypted</p>", "note.txt").markup, NoteMarkup::kHtml);
  EXPECT_EQ(DecodeNote("Files <are> encrypted", "README.hta").markup, NoteMarkup::kHtml);
  const auto plain = DecodeNote("Files <are> encrypted", "README.txt");
  EXPECT_EQ(plain.markup, NoteMarkup::kNone);
  EXPECT_EQ(plain.text, "Files <are> encrypted");
}

TEST(NoteRtf, ControlWordsAndTablesAreDroppedAndCharactersDecoded) {
  const std::string rtf =
      "{\\rtf1\\ansi{\\fonttbl{\\f0 Arial;}}{\\colortbl;\\red255\\green0\\blue0;}"
      "{\\*\\generator Riched20;}\\f0 All your files are encrypted\\par "
      "Fichiers chiffr\\'e9s \\u1078? ok\\tab end\\{x\\}}";
  const auto note = DecodeNote(rtf, "!ReadMe_To_Decrypt_Files!.rtf");
  EXPECT_EQ(note.markup, NoteMarkup::kRtf);
  EXPECT_EQ(note.text, "All your files are encrypted\nFichiers chiffrés ж ok end{x}");
}

TEST(NoteContacts, EmailsOnionsAddressesAndUrlsAreExtracted) {
  const auto c = ExtractContacts(
      "Write to WayneEvenson@ProtonMail.com or [backup@tutanota.com].\n"
      "Open http://6dtxgqam4crv6rr6.onion.to/ABC or "
      "1cd05248c2diffczd.zgpnnj5ikwfugnfvmxzn3qaafstcrdwue4eevw2lzx57rx5bfkia6ryd.onion/x\n"
      "BTC: 14hVKm7Ft2rxDBFTNkkRC3kGstMGp2A4hk, see https://localbitcoins.com/buy and proton.me "
      "wayneevenson@protonmail.com");
  EXPECT_EQ(c.emails,
            (std::vector<std::string>{"wayneevenson@protonmail.com", "backup@tutanota.com"}));
  EXPECT_EQ(c.onions, (std::vector<std::string>{
                          "6dtxgqam4crv6rr6.onion",
                          "zgpnnj5ikwfugnfvmxzn3qaafstcrdwue4eevw2lzx57rx5bfkia6ryd.onion"}));
  EXPECT_EQ(c.crypto_addresses, std::vector<std::string>{"14hVKm7Ft2rxDBFTNkkRC3kGstMGp2A4hk"});
  EXPECT_EQ(c.urls, (std::vector<std::string>{"https://localbitcoins.com/buy", "proton.me"}));
}

TEST(NoteNormalisation, VictimSpecificTokensAreMasked) {
  EXPECT_EQ(
      NormaliseNote("Your ID: F97F-EFC0-B07D-003F-3EA6, key 85350044dF4AC3518D185678A9414A7F"),
      "your id <id> key <hex>");
  EXPECT_EQ(NormaliseNote("Pay $980 (50% off: $490) to 1GCaWA685Nj2PqqG7P2ZBACYZB8ZtpQuQ9 in 72h"),
            "pay <num> off <num> to <wallet> in <num>");
  EXPECT_EQ(NormaliseNote("Mail helpteam@mail.ch or visit http://decrypttozxybarc.onion/F97F"),
            "mail <email> or visit <onion>");
  EXPECT_EQ(NormaliseNote("see https://we.tl/t-V2fE396VPW or bigblog.at, ID aB3dE5fG7h"),
            "see <url> or <url> id <id>");
  EXPECT_EQ(NormaliseNote("KEY: QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo0123456789"), "key <key>");
}

TEST(NoteNormalisation, TwoVictimsCopiesOfOneNoteNormaliseEqualAndNormalisingIsIdempotent) {
  const std::string a =
      "YOUR FILES ARE ENCRYPTED!\r\n\r\nYour personal ID: 0A1B2C3D4E5F\r\nWrite to "
      "john.doe@firemail.cc within 48 hours.\r\nPrice: 0.5 BTC to "
      "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy";
  const std::string b =
      "Your files are encrypted!\n   Your personal ID:   9F8E7D6C5B4A\nWrite to "
      "xyz@cock.li within 72 hours.\nPrice: 1.25 BTC to 3FZbgi29cpjq2GjdwV8eyHuJJnkLtktZc5\n";
  EXPECT_EQ(NormaliseNote(a), NormaliseNote(b));
  EXPECT_EQ(NormaliseNote(NormaliseNote(a)), NormaliseNote(a));
  const std::string normalised = NormaliseNote(a);
  const auto words = NoteWords(normalised);
  ASSERT_GE(words.size(), 4U);
  EXPECT_EQ(words[0], "your");
}

TEST(NoteNormalisation, KeepCaseKeepsLettersAndPlaceholdersAlike) {
  EXPECT_EQ(NormaliseNote("Encrypted by Royal, ID ab12cd34ef", true), "Encrypted by Royal ID <id>");
}

TEST(NoteText, LowerCaseCoversLatinGreekAndCyrillic) {
  EXPECT_EQ(LowerCase("ÀÉÎÕÜ ŁĄĘ ΑΒΓ ЗАШИФРОВАНЫ ЁЇ"), "àéîõü łąę αβγ зашифрованы ёї");
}

}  // namespace
}  // namespace caduceus::recovery
