// Internal to the sweep module: finding runs of 32 hex digits or more in a text scanned as
// 64-bit masks (one bit per byte, bit i for the i-th byte of a 64-byte block), which the
// tokenizer and the line filter both do.
#pragma once

#include <cstdint>

namespace caduceus::sweep::detail {

// Fed the hex-digit masks of consecutive blocks, gives for each the bits of the bytes that are
// the 32nd hex digit of a run (or any later one): bit i of a_k says bytes i-2^k+1..i are hex
// digits, carried across blocks in h_k.
class HexRun32 {
 public:
  std::uint64_t Next(std::uint64_t hex) {
    const std::uint64_t a0 = hex;
    const std::uint64_t a1 = a0 & ((a0 << 1) | (h_[0] >> 63));
    const std::uint64_t a2 = a1 & ((a1 << 2) | (h_[1] >> 62));
    const std::uint64_t a3 = a2 & ((a2 << 4) | (h_[2] >> 60));
    const std::uint64_t a4 = a3 & ((a3 << 8) | (h_[3] >> 56));
    const std::uint64_t a5 = a4 & ((a4 << 16) | (h_[4] >> 48));
    h_[0] = a0;
    h_[1] = a1;
    h_[2] = a2;
    h_[3] = a3;
    h_[4] = a4;
    return a5;
  }

 private:
  std::uint64_t h_[5] = {};
};

}  // namespace caduceus::sweep::detail
