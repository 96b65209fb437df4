// Credential primitives: Argon2id, the password policy, RFC 6238 TOTP, RFC 4648 base32,
// SecretBox and secret digests.
#include "identity/crypto.h"

#include <chrono>
#include <string>

#include <gtest/gtest.h>

#include "core/random.h"

namespace caduceus::identity {
namespace {

using namespace std::string_literals;

// Small parameters keep the tests fast; the production defaults are exercised by the hub.
constexpr PasswordHashParams kFast{1, 8 * 1024 * 1024};

class CryptoTest : public ::testing::Test {
 protected:
  void SetUp() override { InitCrypto(); }
};

TEST_F(CryptoTest, HashIsArgon2idInPhcFormatWithTheGivenParameters) {
  const auto hash = HashPassword("correct horse battery", kFast);
  EXPECT_EQ(hash.rfind("$argon2id$v=19$m=8192,t=1,p=1$", 0), 0u) << hash;
}

TEST_F(CryptoTest, VerifyAcceptsTheRightPasswordOnly) {
  const auto hash = HashPassword("correct horse battery", kFast);
  EXPECT_TRUE(VerifyPassword(hash, "correct horse battery"));
  EXPECT_FALSE(VerifyPassword(hash, "correct horse batterY"));
  EXPECT_FALSE(VerifyPassword(hash, "correct horse battery "));
  EXPECT_FALSE(VerifyPassword(hash, ""));
}

TEST_F(CryptoTest, VerifyDoesNotStopAtAnEmbeddedNul) {
  const auto hash = HashPassword("abc\0defghijkl"s, kFast);
  EXPECT_TRUE(VerifyPassword(hash, "abc\0defghijkl"s));
  EXPECT_FALSE(VerifyPassword(hash, "abc"));
}

TEST_F(CryptoTest, SamePasswordHashesDifferentlyEachTime) {
  EXPECT_NE(HashPassword("same password here", kFast), HashPassword("same password here", kFast));
}

TEST_F(CryptoTest, VerifyRejectsMalformedHashes) {
  EXPECT_FALSE(VerifyPassword("", "x"));
  EXPECT_FALSE(VerifyPassword("not a hash", "not a hash"));
  EXPECT_FALSE(VerifyPassword("$argon2id$v=19$m=8192,t=1,p=1$", "x"));
  EXPECT_FALSE(VerifyPassword(std::string(1000, '$'), "x"));
}

TEST_F(CryptoTest, HashWithTheCurrentParametersNeedsNoRehash) {
  EXPECT_FALSE(PasswordNeedsRehash(HashPassword("some password!", kFast), kFast));
}

TEST_F(CryptoTest, HashWithWeakerParametersNeedsRehash) {
  const auto hash = HashPassword("some password!", kFast);
  EXPECT_TRUE(PasswordNeedsRehash(hash, {2, 8 * 1024 * 1024}));
  EXPECT_TRUE(PasswordNeedsRehash(hash, {1, 16 * 1024 * 1024}));
}

TEST_F(CryptoTest, HashWeakerInAnyOneParameterNeedsRehash) {
  const auto more_memory_fewer_passes = HashPassword("some password!", {1, 16 * 1024 * 1024});
  EXPECT_TRUE(PasswordNeedsRehash(more_memory_fewer_passes, {2, 8 * 1024 * 1024}));
  const auto more_passes_less_memory = HashPassword("some password!", {3, 8 * 1024 * 1024});
  EXPECT_TRUE(PasswordNeedsRehash(more_passes_less_memory, {2, 16 * 1024 * 1024}));
}

TEST_F(CryptoTest, MalformedHashNeedsRehash) { EXPECT_TRUE(PasswordNeedsRehash("garbage", kFast)); }

// The contract in crypto.h: rehash only when the stored hash is *weaker*, so lowering the
// configured parameters never downgrades existing hashes.
TEST_F(CryptoTest, HashWithStrongerParametersNeedsNoRehash) {
  const auto hash = HashPassword("some password!", {2, 16 * 1024 * 1024});
  EXPECT_FALSE(PasswordNeedsRehash(hash, kFast));
}

TEST(PasswordPolicy, AcceptsTwelveTo256Characters) {
  EXPECT_TRUE(CheckPasswordPolicy(std::string(12, 'a')));
  EXPECT_TRUE(CheckPasswordPolicy(std::string(256, 'a')));
  EXPECT_TRUE(CheckPasswordPolicy("with spaces inside ok"));
}

TEST(PasswordPolicy, RejectsTooShortAndTooLong) {
  for (const auto& p : {std::string(), std::string(11, 'a'), std::string(257, 'a')}) {
    const auto s = CheckPasswordPolicy(p);
    ASSERT_FALSE(s) << p.size();
    EXPECT_EQ(s.error().code, Errc::kInvalidArgument);
    EXPECT_EQ(s.error().field, "new_password");
  }
}

TEST(PasswordPolicy, RejectsInvalidUtf8AndNul) {
  EXPECT_FALSE(CheckPasswordPolicy("abcdefghijk\xC0\xAF"));
  EXPECT_FALSE(CheckPasswordPolicy("abcdefghijk\xED\xA0\x80"));
  EXPECT_FALSE(CheckPasswordPolicy("abcdef\0ghijklm"s));
}

TEST(PasswordPolicy, RejectsOnlyWhitespace) {
  EXPECT_FALSE(CheckPasswordPolicy(std::string(12, ' ')));
  EXPECT_FALSE(CheckPasswordPolicy(" \t \r\n \t \r\n \t "));
}

// The policy speaks of characters: "é" is one character (two bytes).
TEST(PasswordPolicy, CountsCharactersNotBytes) {
  std::string eleven;
  for (int i = 0; i < 11; ++i) eleven += "\xC3\xA9";
  EXPECT_FALSE(CheckPasswordPolicy(eleven)) << "11 characters (22 bytes) accepted";
  std::string two_hundred;
  for (int i = 0; i < 200; ++i) two_hundred += "\xC3\xA9";
  EXPECT_TRUE(CheckPasswordPolicy(two_hundred)) << "200 characters (400 bytes) refused";
  std::string too_many;
  for (int i = 0; i < 257; ++i) too_many += "\xC3\xA9";
  EXPECT_FALSE(CheckPasswordPolicy(too_many)) << "257 characters accepted";
}

TEST(DigestSecret, IsLowerCaseHexSha256) {
  EXPECT_EQ(DigestSecret(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(DigestSecret("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_NE(DigestSecret("token-a"), DigestSecret("token-b"));
}

TEST(Base32, EncodesRfc4648Vectors) {
  EXPECT_EQ(Base32Encode(""), "");
  EXPECT_EQ(Base32Encode("f"), "MY");
  EXPECT_EQ(Base32Encode("fo"), "MZXQ");
  EXPECT_EQ(Base32Encode("foo"), "MZXW6");
  EXPECT_EQ(Base32Encode("foob"), "MZXW6YQ");
  EXPECT_EQ(Base32Encode("fooba"), "MZXW6YTB");
  EXPECT_EQ(Base32Encode("foobar"), "MZXW6YTBOI");
}

TEST(Base32, DecodesRfc4648VectorsWithOrWithoutPadding) {
  EXPECT_EQ(Base32Decode(""), "");
  EXPECT_EQ(Base32Decode("MY"), "f");
  EXPECT_EQ(Base32Decode("MY======"), "f");
  EXPECT_EQ(Base32Decode("MZXQ===="), "fo");
  EXPECT_EQ(Base32Decode("MZXW6==="), "foo");
  EXPECT_EQ(Base32Decode("MZXW6YQ="), "foob");
  EXPECT_EQ(Base32Decode("MZXW6YTB"), "fooba");
  EXPECT_EQ(Base32Decode("MZXW6YTBOI======"), "foobar");
}

TEST(Base32, DecodeAcceptsLowerCaseAndSpacesAsTypedFromAnApp) {
  EXPECT_EQ(Base32Decode("mzxw 6ytb oi"), "foobar");
}

TEST(Base32, DecodeRejectsCharactersOutsideTheAlphabet) {
  for (const char* text : {"MZ1W", "MZ0W", "MZ8W", "MZXW6YTB!", "MZ-W", "M\xC3\xA9"}) {
    EXPECT_FALSE(Base32Decode(text)) << text;
  }
}

TEST_F(CryptoTest, Base32RoundTripsRandomSecrets) {
  for (std::size_t n : {1u, 5u, 10u, 20u, 33u}) {
    const auto bytes = RandomBytes(n);
    EXPECT_EQ(Base32Decode(Base32Encode(bytes)), bytes);
  }
}

// RFC 6238 Appendix B, SHA-1: the 8-digit values' last six digits.
constexpr std::string_view kRfcSecret = "12345678901234567890";

TEST(Totp, MatchesRfc6238Sha1Vectors) {
  const std::pair<std::int64_t, const char*> vectors[] = {
      {59, "287082"},         {1111111109, "081804"}, {1111111111, "050471"},
      {1234567890, "005924"}, {2000000000, "279037"},
  };
  for (const auto& [seconds, code] : vectors) {
    const TimePoint t{std::chrono::seconds(seconds)};
    EXPECT_EQ(TotpCode(kRfcSecret, TotpStep(t)), code) << seconds;
  }
}

// 20000000000 s is past what a nanosecond TimePoint holds, so the step is given directly.
TEST(Totp, MatchesRfc6238Sha1VectorBeyond2038) {
  EXPECT_EQ(TotpCode(kRfcSecret, 20000000000 / kTotpStepSeconds), "353130");
}

TEST(Totp, StepIsThirtySecondsSinceTheEpoch) {
  EXPECT_EQ(TotpStep(TimePoint{}), 0);
  EXPECT_EQ(TotpStep(TimePoint{std::chrono::seconds(29)}), 0);
  EXPECT_EQ(TotpStep(TimePoint{std::chrono::seconds(30)}), 1);
  EXPECT_EQ(TotpStep(TimePoint{std::chrono::seconds(1111111109)}), 37037036);
}

TEST(Totp, VerifyAcceptsTheCurrentAndAdjacentStepsAndReportsWhich) {
  const TimePoint now{std::chrono::seconds(1234567890)};
  const auto step = TotpStep(now);
  EXPECT_EQ(VerifyTotp(kRfcSecret, TotpCode(kRfcSecret, step), now), step);
  EXPECT_EQ(VerifyTotp(kRfcSecret, TotpCode(kRfcSecret, step - 1), now), step - 1);
  EXPECT_EQ(VerifyTotp(kRfcSecret, TotpCode(kRfcSecret, step + 1), now), step + 1);
}

TEST(Totp, VerifyRefusesCodesTwoStepsAway) {
  const TimePoint now{std::chrono::seconds(1234567890)};
  const auto step = TotpStep(now);
  EXPECT_FALSE(VerifyTotp(kRfcSecret, TotpCode(kRfcSecret, step - 2), now));
  EXPECT_FALSE(VerifyTotp(kRfcSecret, TotpCode(kRfcSecret, step + 2), now));
}

TEST(Totp, VerifyRefusesMalformedCodesAndOtherSecrets) {
  const TimePoint now{std::chrono::seconds(1234567890)};
  const auto code = TotpCode(kRfcSecret, TotpStep(now));
  EXPECT_FALSE(VerifyTotp(kRfcSecret, "", now));
  EXPECT_FALSE(VerifyTotp(kRfcSecret, code.substr(0, 5), now));
  EXPECT_FALSE(VerifyTotp(kRfcSecret, code + "0", now));
  EXPECT_FALSE(VerifyTotp(kRfcSecret, " " + code.substr(1), now));
  EXPECT_FALSE(VerifyTotp(kRfcSecret, "-" + code.substr(1), now));
  EXPECT_FALSE(VerifyTotp("another secret value", code, now));
}

TEST_F(CryptoTest, SecretBoxRoundTrips) {
  SecretBox box(SecretBox::GenerateKey());
  for (const auto& plain : {std::string(), std::string("totp seed"), RandomBytes(20)}) {
    EXPECT_EQ(box.Open(box.Seal(plain)), plain);
  }
}

TEST_F(CryptoTest, SecretBoxUsesAFreshNonceEachTime) {
  SecretBox box(SecretBox::GenerateKey());
  EXPECT_NE(box.Seal("same"), box.Seal("same"));
}

TEST_F(CryptoTest, SecretBoxDetectsTampering) {
  SecretBox box(SecretBox::GenerateKey());
  const auto sealed = box.Seal("a twenty byte secret");
  for (std::size_t i = 0; i + 1 < sealed.size(); i += 5) {  // the last char has padding bits
    auto tampered = sealed;
    tampered[i] = tampered[i] == 'A' ? 'B' : 'A';
    EXPECT_FALSE(box.Open(tampered)) << "byte " << i;
  }
  EXPECT_FALSE(box.Open(sealed.substr(0, sealed.size() - 4)));
  EXPECT_FALSE(box.Open(""));
  EXPECT_FALSE(box.Open("!!! not base64 !!!"));
}

TEST_F(CryptoTest, SecretBoxRefusesAnotherKey) {
  SecretBox a(SecretBox::GenerateKey());
  SecretBox b(SecretBox::GenerateKey());
  EXPECT_FALSE(b.Open(a.Seal("secret")));
}

TEST_F(CryptoTest, SecretBoxNeedsA32ByteKey) {
  EXPECT_EQ(SecretBox::GenerateKey().size(), 32u);
  EXPECT_THROW(SecretBox{std::string(31, 'k')}, std::invalid_argument);
  EXPECT_THROW(SecretBox{std::string(33, 'k')}, std::invalid_argument);
  EXPECT_THROW(SecretBox{std::string()}, std::invalid_argument);
}

}  // namespace
}  // namespace caduceus::identity
