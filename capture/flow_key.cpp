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

std::string IpAddress::to_string() const {
  if (version != 6) {
    // By hand: glibc's inet_ntop formats IPv4 through sprintf, and listings call this for
    // every message.
    char text[16];
    char* at = text;
    for (int i = 0; i < 4; ++i) {
      const unsigned v = bytes[static_cast<std::size_t>(i)];
      if (v >= 100) *at++ = static_cast<char>('0' + v / 100);
      if (v >= 10) *at++ = static_cast<char>('0' + v / 10 % 10);
      *at++ = static_cast<char>('0' + v % 10);
      if (i < 3) *at++ = '.';
    }
    return std::string(text, at);
  }
  char text[INET6_ADDRSTRLEN] = {};
  inet_ntop(version == 6 ? AF_INET6 : AF_INET, bytes.data(), text, sizeof text);
  return text;
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
