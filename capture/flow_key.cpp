#include "capture/flow_key.h"

#include <arpa/inet.h>

#include <cstring>

namespace sipws {

IpAddress IpAddress::v4(const std::uint8_t* p) {
  IpAddress a;
  std::memcpy(a.bytes.data(), p, 4);
  a.version = 4;
  return a;
}

IpAddress IpAddress::v6(const std::uint8_t* p) {
  IpAddress a;
  std::memcpy(a.bytes.data(), p, 16);
  a.version = 6;
  return a;
}

char* IpAddress::write(char* at) const {
  if (version != 6) {
    // By hand: glibc's inet_ntop formats IPv4 through sprintf, and listings call this for
    // every message.
    for (int i = 0; i < 4; ++i) {
      const unsigned v = bytes[static_cast<std::size_t>(i)];
      if (v >= 100) *at++ = static_cast<char>('0' + v / 100);
      if (v >= 10) *at++ = static_cast<char>('0' + v / 10 % 10);
      *at++ = static_cast<char>('0' + v % 10);
      if (i < 3) *at++ = '.';
    }
    return at;
  }
  static_assert(kTextMax >= INET6_ADDRSTRLEN);
  char text[INET6_ADDRSTRLEN] = {};
  inet_ntop(AF_INET6, bytes.data(), text, sizeof text);
  const std::size_t n = std::strlen(text);
  std::memcpy(at, text, n);
  return at + n;
}

std::string IpAddress::to_string() const {
  char text[kTextMax];
  return std::string(text, write(text));
}

std::string Endpoint::to_string() const {
  if (address.version == 6) return "[" + address.to_string() + "]:" + std::to_string(port);
  return address.to_string() + ":" + std::to_string(port);
}

FlowKey FlowKey::of(const Endpoint& src, const Endpoint& dst, Transport transport,
                    bool& src_is_low) {
  src_is_low = !(dst < src);
  return src_is_low ? FlowKey{src, dst, transport} : FlowKey{dst, src, transport};
}

std::size_t FlowKeyHash::operator()(const FlowKey& key) const noexcept {
  // Word-wise multiply-xorshift over both addresses (all 16 bytes: IPv4 leaves the rest zero),
  // the ports and the transport: a few multiplies per packet, where a byte-wise hash took a
  // dozen dependent ones on the media path's every packet.
  auto word = [](const IpAddress& a, std::size_t half) {
    std::uint64_t w = 0;
    std::memcpy(&w, a.bytes.data() + 8 * half, 8);
    return w;
  };
  constexpr std::uint64_t k = 0x9E3779B97F4A7C15ull;
  std::uint64_t h = (word(key.low.address, 0) ^ (word(key.high.address, 0) * k)) * k;
  h ^= (word(key.low.address, 1) + word(key.high.address, 1) * 31) * 0xC2B2AE3D27D4EB4Full;
  h ^= ((std::uint64_t{key.low.port} << 24) | (std::uint64_t{key.high.port} << 8) |
        static_cast<std::uint64_t>(key.transport)) *
       k;
  return static_cast<std::size_t>(h ^ (h >> 32));
}

}  // namespace sipws
