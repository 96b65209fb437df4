// The checks evidence files pass before they are stored.
#include "assessment/evidence.h"

#include <gtest/gtest.h>

namespace caduceus::assessment {
namespace {

TEST(EvidenceTest, FilenamesLoseDirectoriesAndControlCharacters) {
  EXPECT_EQ(SanitizeFilename("report.pdf", 200), "report.pdf");
  EXPECT_EQ(SanitizeFilename("../../etc/passwd", 200), "passwd");
  EXPECT_EQ(SanitizeFilename("C:\\Users\\me\\scan.png", 200), "scan.png");
  EXPECT_EQ(SanitizeFilename("a\r\nb\x7F\x01.txt", 200), "ab.txt");
  EXPECT_EQ(SanitizeFilename("c1\xC2\x85x.txt", 200), "c1x.txt");
  EXPECT_EQ(SanitizeFilename("..hidden", 200), "hidden");
  EXPECT_EQ(SanitizeFilename("  spaced  ", 200), "spaced");
  EXPECT_EQ(SanitizeFilename("dir/", 200), "evidence");
  EXPECT_EQ(SanitizeFilename("", 200), "evidence");
  EXPECT_EQ(SanitizeFilename("bad\xFF.txt", 200), "bad\xEF\xBF\xBD.txt");
  EXPECT_EQ(SanitizeFilename("R\xC3\xA9sum\xC3\xA9.pdf", 200), "R\xC3\xA9sum\xC3\xA9.pdf");
  // Cut without splitting the two-byte e-acute.
  EXPECT_EQ(SanitizeFilename(std::string(199, 'x') + "\xC3\xA9", 200), std::string(199, 'x'));
}

TEST(EvidenceTest, Sha256IsLowerCaseHex) {
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(EvidenceTest, OnlyListedTypesAreAccepted) {
  EXPECT_TRUE(IsEvidenceType("application/pdf"));
  EXPECT_TRUE(IsEvidenceType("application/vnd.oasis.opendocument.spreadsheet"));
  EXPECT_FALSE(IsEvidenceType("application/PDF"));
  EXPECT_FALSE(IsEvidenceType("text/html"));
  EXPECT_FALSE(IsEvidenceType("image/svg+xml"));
  EXPECT_FALSE(IsEvidenceType("application/zip"));
}

TEST(EvidenceTest, ContentMustLookLikeItsType) {
  EXPECT_TRUE(ContentMatchesType("application/pdf", "%PDF-1.4"));
  EXPECT_FALSE(ContentMatchesType("application/pdf", "%PDF"));
  EXPECT_TRUE(ContentMatchesType("image/png", std::string("\x89PNG\r\n\x1a\n", 8)));
  EXPECT_FALSE(ContentMatchesType("image/png", "\xFF\xD8\xFF"));
  EXPECT_TRUE(ContentMatchesType("image/jpeg", "\xFF\xD8\xFF\xDB"));
  EXPECT_TRUE(ContentMatchesType("application/vnd.oasis.opendocument.text", "PK\x03\x04rest"));
  EXPECT_FALSE(ContentMatchesType("application/vnd.oasis.opendocument.text", "%PDF-1.4"));
  EXPECT_TRUE(ContentMatchesType("text/plain", "line one\nline two\n"));
  EXPECT_FALSE(ContentMatchesType("text/plain", std::string("nul\0", 4)));
  EXPECT_FALSE(ContentMatchesType("text/csv", "\xC0\xAF"));
  EXPECT_FALSE(ContentMatchesType("text/html", "<p>"));
}

}  // namespace
}  // namespace caduceus::assessment
