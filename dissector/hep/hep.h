#pragma once
// HEPv3 (the Homer Encapsulation Protocol, as heplify, Kamailio's siptrace and sngrep speak it):
// one SIP message with where and when it was seen, as a list of chunks (vendor, type, length,
// value). Encoding a SipMessageRecord and decoding a received packet, both bounded by the
// packet's own length; nothing here touches a socket.
//
// HEPv3 cannot say "this came over WebSocket" (Homer then draws such calls wrongly,
// sipcapture/homer#257). sipws keeps the real TCP endpoints, sets the protocol to TCP, and adds
// a vendor chunk that receivers which do not know it skip:
//   vendor 0x5357 ("SW", sipws), type 0x0001, one byte: 1 udp, 2 tcp, 3 ws, 4 wss, 5 tls.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "capture/bytes.h"
#include "dissector/sip/sip_record.h"

namespace sipws {

inline constexpr std::uint16_t kHepVendorSipws = 0x5357;
inline constexpr std::uint16_t kHepChunkTransport = 0x0001;  // in the sipws vendor space

struct HepMessage {
  Endpoint src;
  Endpoint dst;
  std::uint8_t ip_protocol = 0;    // 6 TCP, 17 UDP
  std::uint8_t protocol_type = 0;  // 1 SIP
  TimeNs timestamp = 0;
  std::uint32_t capture_id = 0;
  std::string auth_key;
  std::string correlation_id;
  std::optional<SipTransport> transport;  // from the sipws vendor chunk
  ByteView payload;                       // a view into the packet
};

enum class HepStatus {
  ok,         // one packet, `consumed` bytes
  need_more,  // a stream (TCP) has not brought the whole packet yet
  not_hep,    // does not start with "HEP3"
  malformed,  // starts like HEP3 but its lengths or chunks are impossible (error says which)
};

struct HepParseResult {
  HepStatus status = HepStatus::not_hep;
  std::size_t consumed = 0;
  std::string error;
};

// Decodes the packet at the start of `bytes` (a UDP datagram, or what a TCP stream holds).
HepParseResult parse_hep3(ByteView bytes, HepMessage& out);

struct HepEncodeOptions {
  std::uint32_t capture_id = 0;
  std::string password;  // the auth key chunk, when not empty
};

// One SIP message as a HEPv3 packet. WebSocket and TLS transports travel as TCP plus the sipws
// transport chunk.
std::vector<std::uint8_t> encode_hep3(const SipMessageRecord& record,
                                      const HepEncodeOptions& options);

}  // namespace sipws
