#pragma once
#include <cstdint>

#include "capture/bytes.h"

namespace sipws {

// Link-layer header types, numbered as in pcap and pcapng files (LINKTYPE_*), not as libpcap's
// DLT_* values where those differ (DLT_RAW is 12 or 14 depending on the platform).
namespace link_type {
inline constexpr std::uint32_t null_bsd = 0;  // BSD loopback, host-endian address family
inline constexpr std::uint32_t ethernet = 1;
inline constexpr std::uint32_t raw = 101;   // raw IPv4 or IPv6
inline constexpr std::uint32_t loop = 108;  // OpenBSD loopback, big-endian address family
inline constexpr std::uint32_t linux_sll = 113;
inline constexpr std::uint32_t ipv4 = 228;
inline constexpr std::uint32_t ipv6 = 229;
inline constexpr std::uint32_t linux_sll2 = 276;
}  // namespace link_type

// Nanoseconds since the Unix epoch.
using TimeNs = std::int64_t;

// One captured record. `bytes` is a view into the reader's buffer, valid until the next read.
struct RawPacket {
  std::uint64_t frame_number = 0;  // 1-based, as tshark counts
  TimeNs timestamp = 0;
  std::uint32_t link_type = 0;
  std::uint32_t interface_id = 0;
  std::uint32_t original_length = 0;  // on the wire; bytes.size() may be less (snapshot length)
  ByteView bytes;
};

}  // namespace sipws
