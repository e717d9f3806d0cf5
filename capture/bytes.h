#pragma once
// Views over network bytes, the few loads every decoder needs, and how a reused buffer is
// emptied. Views never own: whoever hands one out says how long it stays valid.

#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

namespace sipws {

using ByteView = std::span<const std::uint8_t>;

inline std::uint16_t load_be16(const std::uint8_t* p) {
  return static_cast<std::uint16_t>((p[0] << 8) | p[1]);
}
inline std::uint32_t load_be24(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 16) | (std::uint32_t{p[1]} << 8) | std::uint32_t{p[2]};
}
inline std::uint32_t load_be32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         std::uint32_t{p[3]};
}
inline std::uint16_t load_le16(const std::uint8_t* p) {
  return static_cast<std::uint16_t>(p[0] | (p[1] << 8));
}
inline std::uint32_t load_le32(const std::uint8_t* p) {
  return std::uint32_t{p[0]} | (std::uint32_t{p[1]} << 8) | (std::uint32_t{p[2]} << 16) |
         (std::uint32_t{p[3]} << 24);
}

// Empties a buffer that is reused from one message to the next: its capacity stays for the next
// one, unless a rare big message grew it past `keep_bytes`; then it is given back, so that an
// idle owner does not hold it.
template <typename T>
void clear_for_reuse(std::vector<T>& v, std::size_t keep_bytes) {
  if (v.capacity() * sizeof(T) > keep_bytes) {
    std::vector<T>().swap(v);
  } else {
    v.clear();
  }
}

}  // namespace sipws
