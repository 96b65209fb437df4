// Randomness helpers (format, alphabet, length, distinctness) and constant-time comparison.
#include "core/random.h"

#include <regex>
#include <set>
#include <string>

#include <gtest/gtest.h>

namespace caduceus {
namespace {

class RandomTest : public ::testing::Test {
 protected:
  void SetUp() override { InitCrypto(); }
};

TEST_F(RandomTest, InitCryptoMayBeCalledRepeatedly) {
  EXPECT_NO_THROW(InitCrypto());
  EXPECT_NO_THROW(InitCrypto());
}

TEST_F(RandomTest, RandomBytesHasTheRequestedLength) {
  EXPECT_EQ(RandomBytes(0).size(), 0u);
  EXPECT_EQ(RandomBytes(1).size(), 1u);
  EXPECT_EQ(RandomBytes(64).size(), 64u);
  EXPECT_NE(RandomBytes(32), RandomBytes(32));
}

TEST_F(RandomTest, UuidIsLowerCaseVersion4WithTheRfc4122Variant) {
  const std::regex format("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
  std::set<std::string> seen;
  std::set<char> variants;
  for (int i = 0; i < 200; ++i) {
    const auto uuid = RandomUuid();
    ASSERT_TRUE(std::regex_match(uuid, format)) << uuid;
    variants.insert(uuid[19]);
    seen.insert(uuid);
  }
  EXPECT_EQ(seen.size(), 200u);
  // The two variant bits are fixed, the other two are random: all four nibbles appear.
  EXPECT_EQ(variants, (std::set<char>{'8', '9', 'a', 'b'}));
}

TEST_F(RandomTest, TokenIsUnpaddedBase64UrlOfNBytes) {
  const std::regex alphabet("^[A-Za-z0-9_-]*$");
  for (std::size_t n : {0u, 1u, 2u, 3u, 16u, 24u, 32u, 33u}) {
    const auto token = RandomToken(n);
    EXPECT_EQ(token.size(), (4 * n + 2) / 3) << n;
    EXPECT_TRUE(std::regex_match(token, alphabet)) << token;
  }
}

TEST_F(RandomTest, TokensDoNotRepeat) {
  std::set<std::string> seen;
  for (int i = 0; i < 500; ++i) seen.insert(RandomToken(16));
  EXPECT_EQ(seen.size(), 500u);
}

TEST_F(RandomTest, PasswordUsesOnlyTheUnambiguousAlphabet) {
  const std::regex alphabet("^[a-km-zA-HJ-NP-Z2-9]*$");
  for (std::size_t n : {0u, 1u, 20u, 64u}) {
    const auto password = RandomPassword(n);
    EXPECT_EQ(password.size(), n);
    EXPECT_TRUE(std::regex_match(password, alphabet)) << password;
  }
  EXPECT_NE(RandomPassword(20), RandomPassword(20));
}

TEST_F(RandomTest, EncodersMatchKnownVectors) {
  EXPECT_EQ(HexEncode(""), "");
  EXPECT_EQ(HexEncode(std::string("\x00\x01\xab\xff", 4)), "0001abff");
  EXPECT_EQ(Base64UrlEncode(""), "");
  EXPECT_EQ(Base64UrlEncode("\xfb\xff\xbf"), "-_-_");
  EXPECT_EQ(Base64UrlEncode("\xfb\xff"), "-_8");
  EXPECT_EQ(Base64UrlEncode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(Base64UrlEncode("f"), "Zg");
  EXPECT_EQ(Base64Encode("\xfb\xff"), "+/8=");
  EXPECT_EQ(Base64Encode("foob"), "Zm9vYg==");
}

TEST_F(RandomTest, DecodersInvertTheEncodersAndRefuseAnythingElse) {
  EXPECT_EQ(Base64Decode("Zm9vYg=="), "foob");
  EXPECT_EQ(Base64Decode("+/8="), "\xfb\xff");
  EXPECT_EQ(Base64Decode(""), "");
  EXPECT_EQ(Base64UrlDecode("-_8"), "\xfb\xff");
  EXPECT_FALSE(Base64Decode("Zm9vYg"));       // padding missing
  EXPECT_FALSE(Base64Decode("Zm9v Yg=="));    // not base64
  EXPECT_FALSE(Base64Decode("-_8="));         // URL alphabet in the standard form
  EXPECT_FALSE(Base64UrlDecode("+/8"));       // and the reverse
  EXPECT_FALSE(Base64UrlDecode("Zm9vYg=="));  // padding in the unpadded form
  const std::string bytes = RandomBytes(257);
  EXPECT_EQ(Base64Decode(Base64Encode(bytes)), bytes);
  EXPECT_EQ(Base64UrlDecode(Base64UrlEncode(bytes)), bytes);
}

TEST(ConstantTimeEqual, ComparesContentAndLength) {
  EXPECT_TRUE(ConstantTimeEqual("", ""));
  EXPECT_TRUE(ConstantTimeEqual("secret-token", "secret-token"));
  EXPECT_FALSE(ConstantTimeEqual("secret-token", "secret-tokeN"));
  EXPECT_FALSE(ConstantTimeEqual("secret-token", "Secret-token"));
  EXPECT_FALSE(ConstantTimeEqual("secret", "secret-token"));
  EXPECT_FALSE(ConstantTimeEqual("secret-token", "secret"));
  EXPECT_FALSE(ConstantTimeEqual("", "x"));
  EXPECT_FALSE(ConstantTimeEqual(std::string_view("a\0b", 3), std::string_view("a\0c", 3)));
  EXPECT_TRUE(ConstantTimeEqual(std::string_view("a\0b", 3), std::string_view("a\0b", 3)));
}

}  // namespace
}  // namespace caduceus
