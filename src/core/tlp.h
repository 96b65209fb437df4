// Traffic Light Protocol 2.0 (FIRST, 2022): the sharing levels every module that stores or shows
// threat intelligence speaks, and their names.
//
// Pure and thread-safe.
#pragma once

#include <optional>
#include <string_view>

namespace caduceus {

// Least restrictive first, so levels compare by restriction (kGreen < kAmber). TLP 1.0 WHITE is
// kClear.
enum class TlpLevel { kClear, kGreen, kAmber, kAmberStrict, kRed };

// "TLP:CLEAR", "TLP:GREEN", "TLP:AMBER", "TLP:AMBER+STRICT", "TLP:RED".
std::string_view TlpName(TlpLevel level);

// "clear", "green", "amber", "amber+strict", "red": the form the API and the CLI use.
std::string_view TlpKey(TlpLevel level);

// Reads a level as people and tools write it: with or without "TLP:", any case, "white" for
// clear, "amber_strict" for amber+strict. nullopt for anything else.
std::optional<TlpLevel> ParseTlp(std::string_view text);

}  // namespace caduceus
