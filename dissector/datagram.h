#pragma once
// What a UDP datagram carries, told from its first bytes as RFC 7983 demultiplexes the
// protocols that share a WebRTC port (STUN 0-3, DTLS 20-63, TURN channels 64-79, RTP/RTCP 128-191),
// with SIP found by content first. The dissector parses SIP itself and hands every other datagram,
// classified, to a DatagramObserver: where media analysis plugs in.

#include <cstdint>
#include <string_view>

#include "capture/bytes.h"
#include "capture/flow_table.h"

namespace sipws {

// turn_channel: TURN ChannelData (RFC 8656 §12.4, first byte 64-79), which wraps one of the
// others between a client and its TURN server.
enum class DatagramKind : std::uint8_t { sip, stun, dtls, rtp, rtcp, turn_channel, other };
std::string_view datagram_kind_name(DatagramKind kind);

DatagramKind classify_datagram(ByteView payload);
// The same for a payload already known not to be SIP (what the dissector hands on).
DatagramKind classify_non_sip_datagram(ByteView payload);

class DatagramObserver {
 public:
  virtual ~DatagramObserver() = default;
  // The payload view is valid only during the call.
  virtual void on_datagram(const UdpFlowInfo& flow, const UdpDatagram& datagram,
                           DatagramKind kind) = 0;
};

}  // namespace sipws
