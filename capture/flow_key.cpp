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
  // FNV-1a over the fields that vary; cheap and good enough to spread buckets.
  std::uint64_t h = 1469598103934665603ull;
  auto mix = [&h](const std::uint8_t* p, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 1099511628211ull;
  };
  const std::size_t address_len = key.low.address.version == 6 ? 16 : 4;
  mix(key.low.address.bytes.data(), address_len);
  mix(key.high.address.bytes.data(), address_len);
  const std::uint32_t ports = (std::uint32_t{key.low.port} << 16) | key.high.port;
  mix(reinterpret_cast<const std::uint8_t*>(&ports), sizeof ports);
  return static_cast<std::size_t>(h ^ (h >> 29) ^ static_cast<std::uint64_t>(key.transport));
}

}  // namespace sipws
