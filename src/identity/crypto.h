// Credential primitives: Argon2id password hashes, RFC 6238 TOTP, SHA-256 token digests,
// and authenticated encryption of secrets that must be recoverable (TOTP seeds).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/error.h"

namespace caduceus::identity {

struct PasswordHashParams {
  std::uint64_t ops_limit = 2;               // libsodium crypto_pwhash_OPSLIMIT_INTERACTIVE
  std::size_t mem_limit = 64 * 1024 * 1024;  // crypto_pwhash_MEMLIMIT_INTERACTIVE
};

// Argon2id in the PHC string format ("$argon2id$v=19$m=...,t=...,p=1$salt$hash").
std::string HashPassword(std::string_view password, const PasswordHashParams& params);
// Constant-time verification; false for malformed hashes.
bool VerifyPassword(std::string_view hash, std::string_view password);
// True when `hash` was made with weaker parameters than `params` (rehash at next login).
bool PasswordNeedsRehash(std::string_view hash, const PasswordHashParams& params);
// Policy for user-chosen passwords: 12 to 256 characters (code points, not bytes), valid
// UTF-8, not only whitespace.
Status CheckPasswordPolicy(std::string_view password);

// SHA-256 of a high-entropy secret (session ids, API tokens), lower-case hex.
std::string DigestSecret(std::string_view secret);

// RFC 4648 base32 without padding, upper case.
std::string Base32Encode(std::string_view bytes);
std::optional<std::string> Base32Decode(std::string_view text);

// RFC 6238 TOTP with HMAC-SHA1, 30-second steps, 6 digits.
inline constexpr int kTotpStepSeconds = 30;
std::int64_t TotpStep(TimePoint t);
std::string TotpCode(std::string_view secret, std::int64_t step);
// The step at which `code` is valid within +-1 step of `now`, or nullopt.
std::optional<std::int64_t> VerifyTotp(std::string_view secret,
                                       std::string_view code,
                                       TimePoint now);

// Authenticated encryption (XSalsa20-Poly1305) with the hub's 32-byte secret key.
class SecretBox {
 public:
  // key must be exactly 32 bytes.
  explicit SecretBox(std::string key);
  // Returns base64url(nonce || ciphertext).
  std::string Seal(std::string_view plaintext) const;
  std::optional<std::string> Open(std::string_view sealed) const;
  static std::string GenerateKey();

 private:
  std::string key_;
};

}  // namespace caduceus::identity
