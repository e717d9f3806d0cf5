#pragma once
// A SIP message as found in a capture: where and how it travelled, the bytes it is made of
// (owned here), and the parsed fields (views into those bytes).

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "capture/flow_key.h"
#include "capture/raw_packet.h"
#include "dissector/sip/sip_message.h"
#include "dissector/websocket/ws_frame.h"

namespace sipws {

enum class SipTransport : std::uint8_t { udp, tcp, ws, wss, tls, sctp };
// Each transport's name, as outputs write it and as a Via's transport says it (lower case). A new
// transport is an enumerator and a row here.
struct SipTransportName {
  SipTransport transport;
  std::string_view name;
};
inline constexpr SipTransportName kSipTransportNames[] = {
    {SipTransport::udp, "udp"}, {SipTransport::tcp, "tcp"}, {SipTransport::ws, "ws"},
    {SipTransport::wss, "wss"}, {SipTransport::tls, "tls"}, {SipTransport::sctp, "sctp"},
};
std::string_view transport_name(SipTransport transport);
// The transport named `name` (any case); none when there is no such transport.
std::optional<SipTransport> transport_named(std::string_view name);

struct WsCarrier {
  std::uint8_t opcode = 0;  // text or binary
  bool compressed = false;
  // Compressed with the context of the messages before it (permessage-deflate without
  // no_context_takeover for this direction): it inflates only after them (RFC 7692 §7.2.3).
  bool context_takeover = false;
  bool masked = false;
  std::uint32_t frames = 0;
  std::uint64_t wire_bytes = 0;
  std::uint64_t first_frame = 0;
  bool handshake_seen = true;
  std::vector<WsFrameHeader> frame_headers;      // the data frames, in order
  std::vector<std::uint8_t> compressed_payload;  // unmasked, before inflation (compressed only)
};

// Where and how a message travelled: one value, filled in by the analyzer that carried the
// message (the UDP datagram, the SIP-over-TCP framer, the WebSocket analyzer) and copied whole
// to each further message of the same carrier.
struct SipCarrier {
  std::uint64_t frame = 0;        // the capture frame that completed the message
  std::uint64_t first_frame = 0;  // the first capture frame that carried bytes of it
  // For messages on TCP: the connection's first frame and the frame that ended its HTTP upgrade
  // (0 without one); what a tool needs besides the message's own frames to decode it again.
  std::uint64_t connection_first_frame = 0;
  std::uint64_t handshake_last_frame = 0;
  TimeNs timestamp = 0;
  Endpoint src;
  Endpoint dst;
  SipTransport transport = SipTransport::udp;
  std::uint64_t connection = 0;  // tcp.stream or udp.stream
  Direction direction = Direction::none;
  WsCarrier ws;  // meaningful when transport is ws or wss
};

struct SipMessageRecord : SipCarrier {
  std::uint64_t index = 0;  // 0-based, in the order messages completed
  std::vector<char> bytes;  // the message text; `sip` points into it
  SipMessage sip;

  SipMessageRecord() = default;
  SipMessageRecord(SipMessageRecord&&) =
      default;  // moving a vector keeps its buffer: views stay valid
  SipMessageRecord& operator=(SipMessageRecord&&) = default;
  SipMessageRecord(const SipMessageRecord&) = delete;
  SipMessageRecord& operator=(const SipMessageRecord&) = delete;
};

class SipMessageSink {
 public:
  virtual ~SipMessageSink() = default;
  virtual void on_sip_message(SipMessageRecord&& record) = 0;
};

}  // namespace sipws
