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

// Timestamps from capture files lie in [0, kMaxTimestamp] (1970 to the year 2116; a classic pcap's
// 32-bit seconds end in 2106). A file may claim any 64-bit time (pcapng ticks, if_tsoffset);
// readers clamp to this range, so that every difference of two timestamps and every timeout
// added to one fits in a TimeNs without overflowing.
inline constexpr TimeNs kMaxTimestamp = TimeNs{1} << 62;

// now - since, saturated instead of overflowing: live capture and HEP give times no reader
// clamped, and a clock that jumps (or a hostile agent) may put two of them 2^63 ns apart.
inline constexpr TimeNs elapsed(TimeNs now, TimeNs since) {
  TimeNs difference = 0;
  if (__builtin_sub_overflow(now, since, &difference)) return now < since ? INT64_MIN : INT64_MAX;
  return difference;
}

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
