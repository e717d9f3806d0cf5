#include "dissector/datagram.h"

#include <algorithm>

#include "dissector/sip/sip_message.h"

namespace sipws {

std::string_view datagram_kind_name(DatagramKind kind) {
  switch (kind) {
    case DatagramKind::sip:
      return "sip";
    case DatagramKind::stun:
      return "stun";
    case DatagramKind::dtls:
      return "dtls";
    case DatagramKind::rtp:
      return "rtp";
    case DatagramKind::rtcp:
      return "rtcp";
    case DatagramKind::turn_channel:
      return "turn_channel";
    case DatagramKind::other:
      return "other";
  }
  return "other";
}

DatagramKind classify_datagram(ByteView b) {
  const std::string_view text(reinterpret_cast<const char*>(b.data()),
                              std::min<std::size_t>(b.size(), 2048));
  return looks_like_sip(text) ? DatagramKind::sip : classify_non_sip_datagram(b);
}

DatagramKind classify_non_sip_datagram(ByteView b) {
  if (b.empty()) return DatagramKind::other;
  const std::uint8_t first = b[0];
  // STUN (RFC 5389): two zero bits, a length that is a multiple of 4 and fits, the magic cookie.
  if (first <= 3 && b.size() >= 20 && b[4] == 0x21 && b[5] == 0x12 && b[6] == 0xA4 &&
      b[7] == 0x42) {
    const std::size_t length = static_cast<std::size_t>(b[2]) << 8 | b[3];
    if (length % 4 == 0 && 20 + length <= b.size()) return DatagramKind::stun;
  }
  // DTLS (RFC 6347): a record content type, then version 1.0 (0xFEFF) or 1.2 (0xFEFD).
  if (first >= 20 && first <= 63 && b.size() >= 13 && b[1] == 0xFE &&
      (b[2] == 0xFF || b[2] == 0xFD)) {
    return DatagramKind::dtls;
  }
  // TURN ChannelData (RFC 8656 §12.4): a channel number 0x4000-0x4FFF, a length that fits (over
  // UDP the padding to 4 bytes may be left out).
  if (first >= 64 && first <= 79 && b.size() >= 4) {
    const std::size_t length = static_cast<std::size_t>(b[2]) << 8 | b[3];
    if (4 + length <= b.size() && b.size() - 4 - length <= 3) return DatagramKind::turn_channel;
  }
  // RTP and RTCP (RFC 3550, version 2); RTCP packet types 192-223 (RFC 5761 §4).
  if (first >= 128 && first <= 191) {
    if (b.size() >= 8 && b[1] >= 192 && b[1] <= 223) return DatagramKind::rtcp;
    if (b.size() >= 12) return DatagramKind::rtp;
  }
  return DatagramKind::other;
}

}  // namespace sipws
