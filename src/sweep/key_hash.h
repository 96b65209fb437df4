// The hashes of the sweep index's keys, and the bit filters the index makes from them for the
// line filter (line_filter.h), which probes them inline: a call per probe would cost as much as
// the probe. Internal to the sweep module.
#pragma once

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

namespace caduceus::sweep::detail {

constexpr std::uint64_t kK1 = 0x9e3779b97f4a7c15ULL;
constexpr std::uint64_t kK2 = 0xc2b2ae3d27d4eb4fULL;

inline std::uint64_t Mix(std::uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return x;
}

inline std::uint64_t HashBytes(std::uint64_t seed, const char* p, std::size_t n) {
  std::uint64_t h = seed * kK1 ^ (static_cast<std::uint64_t>(n) * kK2);
  while (n >= 8) {
    std::uint64_t w = 0;
    std::memcpy(&w, p, 8);
    h = std::rotl(h ^ (w * kK2), 31) * kK1;
    p += 8;
    n -= 8;
  }
  if (n > 0) {
    std::uint64_t w = 0;
    std::memcpy(&w, p, n);
    h = std::rotl(h ^ (w * kK2), 31) * kK1;
  }
  return Mix(h);
}

inline std::uint64_t KeyHash(std::uint8_t tag, std::string_view payload) {
  return HashBytes(tag, payload.data(), payload.size());
}

// The ASCII upper-case letters of eight bytes made lower-case: bit 7 of (byte & 0x7f) +
// (0x80 - 'A') says byte >= 'A', of + (0x80 - 'Z' - 1) says byte > 'Z' (no carry crosses a
// byte), and bytes of 0x80 or more are left alone.
inline std::uint64_t LowerWord(std::uint64_t w) {
  constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
  constexpr std::uint64_t kHighs = kOnes * 0x80;
  const std::uint64_t low7 = w & ~kHighs;
  const std::uint64_t upper =
      ((low7 + kOnes * (0x80 - 'A')) ^ (low7 + kOnes * (0x80 - 'Z' - 1))) & ~w & kHighs;
  return w | (upper >> 2);
}

// KeyHash of the ASCII lower case of `text`, without a copy: the line filter hashes suffixes
// of a name, and reading them from a lower-cased copy at other offsets than it was written, or
// a tail copied byte by byte into a word, stalls on store forwarding. `last8`: the last eight
// bytes of `text` as a little-endian word, when it has eight or more.
inline std::uint64_t KeyHashLower(std::uint8_t tag, std::string_view text, std::uint64_t last8) {
  const char* p = text.data();
  std::size_t n = text.size();
  std::uint64_t h = tag * kK1 ^ (static_cast<std::uint64_t>(n) * kK2);
  const bool short_text = n < 8;
  while (n >= 8) {
    std::uint64_t w = 0;
    std::memcpy(&w, p, 8);
    h = std::rotl(h ^ (LowerWord(w) * kK2), 31) * kK1;
    p += 8;
    n -= 8;
  }
  if (n > 0) {
    std::uint64_t w = 0;
    if (short_text) {
      for (std::size_t i = 0; i < n; ++i) {
        w |= std::uint64_t{static_cast<unsigned char>(p[i])} << (8 * i);
      }
    } else {
      w = last8 >> (8 * (8 - n));
    }
    h = std::rotl(h ^ (LowerWord(w) * kK2), 31) * kK1;
  }
  return Mix(h);
}

// The line filter's hash of a text (a KeyHash of the domain tag, whatever the key's kind; ASCII
// case is ignored), and of the last two labels of a name.
inline constexpr std::uint8_t kLineTextTag = 1;
inline std::uint64_t LineTextHash(std::string_view text) {
  std::uint64_t last8 = 0;
  if (text.size() >= 8) std::memcpy(&last8, text.data() + text.size() - 8, 8);
  return KeyHashLower(kLineTextTag, text, last8);
}
// The line filter's hash of a name's last two labels (ASCII case ignored), probed for every name
// of a line and so cheaper than LineTextHash: the first and last eight bytes (four, or three
// single bytes, for shorter texts) and the words between, a multiply each, and one to finish.
inline std::uint64_t LineTailHash(std::string_view two_labels) {
  const char* p = two_labels.data();
  const std::size_t n = two_labels.size();
  std::uint64_t first = 0;
  std::uint64_t last = 0;
  std::uint64_t h = static_cast<std::uint64_t>(n) * kK2;
  if (n >= 8) {
    std::memcpy(&first, p, 8);
    std::memcpy(&last, p + n - 8, 8);
    for (std::size_t i = 8; i + 8 < n; i += 8) {
      std::uint64_t w = 0;
      std::memcpy(&w, p + i, 8);
      h = std::rotl(h ^ (LowerWord(w) * kK2), 31) * kK1;
    }
  } else if (n >= 4) {
    std::uint32_t a = 0;
    std::uint32_t b = 0;
    std::memcpy(&a, p, 4);
    std::memcpy(&b, p + n - 4, 4);
    first = a;
    last = b;
  } else if (n > 0) {
    first = std::uint64_t{static_cast<unsigned char>(p[0])} |
            std::uint64_t{static_cast<unsigned char>(p[n / 2])} << 8 |
            std::uint64_t{static_cast<unsigned char>(p[n - 1])} << 16;
  }
  h ^= (LowerWord(first) * kK1) ^ std::rotl(LowerWord(last) * kK2, 29);
  h ^= h >> 32;
  h *= 0xd6e8feb86659fd93ULL;
  return h ^ (h >> 29);
}

// A Bloom filter of hashes with three bits in one 64-bit word each (one cache access a probe),
// over words it does not own (an index's section).
class WordFilter {
 public:
  // The words for `entries` at `bits` bits each: a power of two, 64 or more.
  static std::size_t Words(std::size_t entries, std::size_t bits) {
    return std::bit_ceil(std::max<std::size_t>(entries * bits / 64, 64));
  }
  // `words` words (a power of two) with the hashes set, loading words ahead of the one set.
  static std::vector<std::uint64_t> Make(const std::vector<std::uint64_t>& hashes,
                                         std::size_t words) {
    std::vector<std::uint64_t> out(words, 0);
    const int shift = Shift(words);
    constexpr std::size_t kAhead = 16;
    for (std::size_t i = 0; i < hashes.size(); ++i) {
      if (i + kAhead < hashes.size()) __builtin_prefetch(&out[hashes[i + kAhead] >> shift], 1);
      out[hashes[i] >> shift] |= Bits(hashes[i]);
    }
    return out;
  }

  // Probes `count` words (a power of two, 64 or more) that outlive the filter.
  void View(const std::uint64_t* words, std::size_t count) {
    words_ = words;
    shift_ = Shift(count);
  }
  bool May(std::uint64_t hash) const {
    const std::uint64_t bits = Bits(hash);
    return (words_[hash >> shift_] & bits) == bits;
  }
  void Prefetch(std::uint64_t hash) const { __builtin_prefetch(&words_[hash >> shift_]); }

 private:
  static int Shift(std::size_t words) { return 64 - std::countr_zero(words); }
  static std::uint64_t Bits(std::uint64_t hash) {
    return (std::uint64_t{1} << (hash & 63)) | (std::uint64_t{1} << ((hash >> 6) & 63)) |
           (std::uint64_t{1} << ((hash >> 12) & 63));
  }

  const std::uint64_t* words_ = nullptr;
  int shift_ = 64;  // a hash's word: hash >> shift_
};

}  // namespace caduceus::sweep::detail
