// Cryptographically secure randomness and constant-time helpers (libsodium).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace caduceus {

// Must be called once before any other function here (sodium_init); safe to call repeatedly.
void InitCrypto();

std::string RandomBytes(std::size_t n);
// n random bytes as URL-safe base64 without padding.
std::string RandomToken(std::size_t n);
// RFC 4122 version 4 UUID, lower case.
std::string RandomUuid();
// Random password of `length` characters from an unambiguous alphabet.
std::string RandomPassword(std::size_t length);

bool ConstantTimeEqual(std::string_view a, std::string_view b);

std::string HexEncode(std::string_view bytes);
std::string Base64UrlEncode(std::string_view bytes);
// Standard base64 (RFC 4648 section 4, padded) and its URL-safe unpadded form (section 5);
// nullopt for anything that is not exactly that.
std::string Base64Encode(std::string_view bytes);
std::optional<std::string> Base64Decode(std::string_view text);
std::optional<std::string> Base64UrlDecode(std::string_view text);

}  // namespace caduceus
