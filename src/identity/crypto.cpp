#include "identity/crypto.h"

#include <charconv>
#include <stdexcept>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sodium.h>

#include "core/random.h"
#include "core/text.h"

namespace caduceus::identity {

std::string HashPassword(std::string_view password, const PasswordHashParams& params) {
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, password.data(), password.size(), params.ops_limit,
                            params.mem_limit, crypto_pwhash_ALG_ARGON2ID13) != 0) {
    throw std::runtime_error("out of memory hashing a password");
  }
  return out;
}

bool VerifyPassword(std::string_view hash, std::string_view password) {
  if (hash.empty() || hash.size() >= crypto_pwhash_STRBYTES) return false;
  const std::string h(hash);
  return crypto_pwhash_str_verify(h.c_str(), password.data(), password.size()) == 0;
}

bool PasswordNeedsRehash(std::string_view hash, const PasswordHashParams& params) {
  // "$argon2id$v=19$m=<KiB>,t=<passes>,p=1$...": only weaker parameters call for a rehash, so
  // lowering the configured limits never downgrades stored hashes.
  constexpr std::string_view kPrefix = "$argon2id$v=19$m=";
  if (!hash.starts_with(kPrefix)) return true;
  hash.remove_prefix(kPrefix.size());
  std::uint64_t mem_kib = 0;
  std::uint64_t passes = 0;
  auto [p1, e1] = std::from_chars(hash.data(), hash.data() + hash.size(), mem_kib);
  const std::string_view rest(p1, static_cast<std::size_t>(hash.data() + hash.size() - p1));
  if (e1 != std::errc() || !rest.starts_with(",t=")) return true;
  const char* t = p1 + 3;
  auto [p2, e2] = std::from_chars(t, hash.data() + hash.size(), passes);
  if (e2 != std::errc() || p2 == t) return true;
  return mem_kib * 1024 < params.mem_limit || passes < params.ops_limit;
}

Status CheckPasswordPolicy(std::string_view password) {
  std::size_t characters = 0;
  for (char c : password) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++characters;
  }
  if (characters < 12) {
    return Error::Invalid("the password must have at least 12 characters", "new_password");
  }
  if (characters > 256) {
    return Error::Invalid("the password must have at most 256 characters", "new_password");
  }
  if (!ValidUtf8(password) || password.find('\0') != std::string_view::npos) {
    return Error::Invalid("the password must be valid UTF-8 text", "new_password");
  }
  if (password.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    return Error::Invalid("the password must not be only whitespace", "new_password");
  }
  return {};
}

std::string DigestSecret(std::string_view secret) {
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(secret.data()), secret.size());
  return HexEncode(std::string_view(reinterpret_cast<const char*>(digest), sizeof digest));
}

namespace {
constexpr std::string_view kBase32Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
}

std::string Base32Encode(std::string_view bytes) {
  std::string out;
  std::uint32_t buffer = 0;
  int bits = 0;
  for (unsigned char c : bytes) {
    buffer = (buffer << 8) | c;
    bits += 8;
    while (bits >= 5) {
      out += kBase32Alphabet[(buffer >> (bits - 5)) & 0x1F];
      bits -= 5;
    }
  }
  if (bits > 0) out += kBase32Alphabet[(buffer << (5 - bits)) & 0x1F];
  return out;
}

std::optional<std::string> Base32Decode(std::string_view text) {
  std::string out;
  std::uint32_t buffer = 0;
  int bits = 0;
  for (char ch : text) {
    if (ch == '=' || ch == ' ') continue;
    const char upper = (ch >= 'a' && ch <= 'z') ? static_cast<char>(ch - 'a' + 'A') : ch;
    const auto pos = kBase32Alphabet.find(upper);
    if (pos == std::string_view::npos) return std::nullopt;
    buffer = (buffer << 5) | static_cast<std::uint32_t>(pos);
    bits += 5;
    if (bits >= 8) {
      out += static_cast<char>((buffer >> (bits - 8)) & 0xFF);
      bits -= 8;
    }
  }
  return out;
}

std::int64_t TotpStep(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count() /
         kTotpStepSeconds;
}

std::string TotpCode(std::string_view secret, std::int64_t step) {
  unsigned char counter[8];
  auto value = static_cast<std::uint64_t>(step);
  for (int i = 7; i >= 0; --i) {
    counter[i] = static_cast<unsigned char>(value & 0xFF);
    value >>= 8;
  }
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  HMAC(EVP_sha1(), secret.data(), static_cast<int>(secret.size()), counter, sizeof counter, mac,
       &mac_len);
  const int offset = mac[mac_len - 1] & 0x0F;
  const std::uint32_t binary = ((mac[offset] & 0x7Fu) << 24) | (mac[offset + 1] << 16) |
                               (mac[offset + 2] << 8) | mac[offset + 3];
  std::string code = std::to_string(binary % 1000000);
  return std::string(6 - code.size(), '0') + code;
}

std::optional<std::int64_t> VerifyTotp(std::string_view secret,
                                       std::string_view code,
                                       TimePoint now) {
  if (code.size() != 6 || code.find_first_not_of("0123456789") != std::string_view::npos) {
    return std::nullopt;
  }
  const auto step = TotpStep(now);
  for (std::int64_t s : {step, step - 1, step + 1}) {
    if (ConstantTimeEqual(TotpCode(secret, s), code)) return s;
  }
  return std::nullopt;
}

SecretBox::SecretBox(std::string key) : key_(std::move(key)) {
  if (key_.size() != crypto_secretbox_KEYBYTES) {
    throw std::invalid_argument("the secret key must be 32 bytes");
  }
}

std::string SecretBox::GenerateKey() { return RandomBytes(crypto_secretbox_KEYBYTES); }

std::string SecretBox::Seal(std::string_view plaintext) const {
  std::string out = RandomBytes(crypto_secretbox_NONCEBYTES);
  out.resize(crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + plaintext.size());
  auto* nonce = reinterpret_cast<unsigned char*>(out.data());
  crypto_secretbox_easy(nonce + crypto_secretbox_NONCEBYTES,
                        reinterpret_cast<const unsigned char*>(plaintext.data()), plaintext.size(),
                        nonce, reinterpret_cast<const unsigned char*>(key_.data()));
  return Base64UrlEncode(out);
}

std::optional<std::string> SecretBox::Open(std::string_view sealed) const {
  std::string raw(sealed.size(), '\0');
  std::size_t raw_len = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(raw.data()), raw.size(), sealed.data(),
                        sealed.size(), nullptr, &raw_len, nullptr,
                        sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0) {
    return std::nullopt;
  }
  raw.resize(raw_len);
  if (raw.size() < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES) return std::nullopt;
  std::string plain(raw.size() - crypto_secretbox_NONCEBYTES - crypto_secretbox_MACBYTES, '\0');
  const auto* nonce = reinterpret_cast<const unsigned char*>(raw.data());
  if (crypto_secretbox_open_easy(reinterpret_cast<unsigned char*>(plain.data()),
                                 nonce + crypto_secretbox_NONCEBYTES,
                                 raw.size() - crypto_secretbox_NONCEBYTES, nonce,
                                 reinterpret_cast<const unsigned char*>(key_.data())) != 0) {
    return std::nullopt;
  }
  return plain;
}

}  // namespace caduceus::identity
