#pragma once
// Addresses, endpoints and the key that names a flow regardless of which way a packet travels.

#include <array>
#include <cstdint>
#include <cstring>
#include <functional>
#include <string>

namespace sipws {

struct IpAddress {
  std::array<std::uint8_t, 16> bytes{};  // IPv4 in the first 4 bytes, the rest zero
  std::uint8_t version = 0;              // 4 or 6

  static IpAddress v4(const std::uint8_t* p);
  static IpAddress v6(const std::uint8_t* p);
  std::string to_string() const;
  // The same text written at `at`, which has room for kTextMax characters; returns the end.
  static constexpr std::size_t kTextMax = 46;  // INET6_ADDRSTRLEN
  char* write(char* at) const;
  auto operator<=>(const IpAddress&) const = default;
  // Two 64-bit compares (the flow table compares addresses on every packet).
  bool operator==(const IpAddress& other) const {
    std::uint64_t a[2];
    std::uint64_t b[2];
    std::memcpy(a, bytes.data(), 16);
    std::memcpy(b, other.bytes.data(), 16);
    return a[0] == b[0] && a[1] == b[1] && version == other.version;
  }
};

struct Endpoint {
  IpAddress address;
  std::uint16_t port = 0;

  // "192.0.2.1:5060" or "[2001:db8::1]:5060"
  std::string to_string() const;
  auto operator<=>(const Endpoint&) const = default;
};

namespace tcp_flag {
inline constexpr std::uint8_t fin = 0x01;
inline constexpr std::uint8_t syn = 0x02;
inline constexpr std::uint8_t rst = 0x04;
inline constexpr std::uint8_t psh = 0x08;
inline constexpr std::uint8_t ack = 0x10;
}  // namespace tcp_flag

enum class Transport : std::uint8_t { tcp = 6, udp = 17, sctp = 132 };

// A flow's key with the lower endpoint first, so both directions of a flow find the same entry.
struct FlowKey {
  Endpoint low;
  Endpoint high;
  Transport transport = Transport::tcp;

  // Returns the key and whether (src -> dst) travels from `low` to `high`.
  static FlowKey of(const Endpoint& src, const Endpoint& dst, Transport transport,
                    bool& src_is_low);
  bool operator==(const FlowKey&) const = default;
};

struct FlowKeyHash {
  // The hash only picks a bucket; equality always compares the full key.
  std::size_t operator()(const FlowKey& key) const noexcept;
};

}  // namespace sipws
