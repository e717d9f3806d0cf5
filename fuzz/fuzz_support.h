#pragma once
// Helpers shared by the fuzz targets: a deterministic chunking of the input (as uWebSockets'
// fuzzers do), so every target also exercises resuming at arbitrary byte boundaries.

#include <cstddef>
#include <cstdint>

#include "capture/bytes.h"

namespace sipws::fuzz {

// Splits `data` into chunks whose sizes come from a tiny PRNG seeded by the input itself.
template <class Fn>
void for_each_chunk(const std::uint8_t* data, std::size_t size, Fn&& fn) {
  std::uint32_t state = 2166136261u;
  for (std::size_t i = 0; i < size && i < 16; ++i) state = (state ^ data[i]) * 16777619u;
  std::size_t at = 0;
  while (at < size) {
    state = state * 1103515245u + 12345u;
    std::size_t n = 1 + (state >> 16) % 97;
    if ((state & 7) == 0) n = size - at;  // sometimes the rest at once
    if (n > size - at) n = size - at;
    fn(ByteView(data + at, n));
    at += n;
  }
}

}  // namespace sipws::fuzz
