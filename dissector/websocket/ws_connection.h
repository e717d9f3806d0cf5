#pragma once
// One WebSocket connection as a whole, for `sipws websocket`: what its opening handshake asked
// and got, how many frames, messages, pings, pongs and CRLF keep-alives went each way, and how
// it was closed (Close frames with their codes, then the TCP end). The upgrade analyzer starts
// it, the WebSocket analyzer counts into it, and the Dissector hands it on when the TCP
// connection ends, with that end (CloseReason) stamped in.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "capture/flow_key.h"
#include "capture/flow_table.h"
#include "capture/raw_packet.h"
#include "capture/stream_sink.h"

namespace sipws {

struct WsCloseFrame {
  bool sent = false;
  // The status code; none when the Close frame carried no body (RFC 6455 §5.5.1).
  std::optional<std::uint16_t> code;
  std::string reason;  // UTF-8 as sent (at most 123 bytes)
  std::uint64_t frame = 0;
  TimeNs time = 0;
};

struct WsConnectionSummary {
  std::uint64_t connection = 0;  // tcp.stream
  Endpoint client;
  Endpoint server;
  bool over_tls = false;
  bool handshake_seen = true;  // false: picked up mid-stream from frames carrying SIP
  // The client's GET.
  bool request_seen = false;
  std::string uri;  // the request target
  std::string host;
  std::string origin;
  std::string user_agent;
  std::vector<std::string> subprotocols_offered;
  std::string extensions_offered;  // Sec-WebSocket-Extensions of the request, as written
  // The server's answer (status 0: none captured).
  int status = 0;
  std::string subprotocol;
  std::string extensions;
  std::string server_agent;  // the answer's Server header
  // Indexed by Direction (to_server, to_client).
  std::array<std::uint64_t, 2> frames{};
  std::array<std::uint64_t, 2> messages{};
  std::array<std::uint64_t, 2> compressed_messages{};
  std::array<std::uint64_t, 2> pings{};
  std::array<std::uint64_t, 2> pongs{};
  std::array<std::uint64_t, 2> crlf_keepalives{};
  std::array<WsCloseFrame, 2> close;      // [to_server] is the client's Close
  Direction closed_by = Direction::none;  // who sent the first Close frame
  // The TCP connection.
  TimeNs start = 0;  // its first packet
  TimeNs end = 0;    // its last packet
  std::uint64_t first_frame = 0;
  std::uint64_t last_frame = 0;
  CloseReason tcp_end = CloseReason::end_of_capture;
};

class WsConnectionObserver {
 public:
  virtual ~WsConnectionObserver() = default;
  // Once per WebSocket connection (or refused or unanswered upgrade), when its TCP connection
  // ends; on the reading thread.
  virtual void on_websocket_connection(const WsConnectionSummary& summary) = 0;
};

// The WebSocket connections being followed, by tcp.stream: the analyzers fill them, and each
// goes to the observer when its TCP connection ends. Nothing is kept without an observer.
class WsConnectionLedger {
 public:
  void set_observer(WsConnectionObserver* observer) { observer_ = observer; }
  // The summary of this connection, started when first asked for; null without an observer.
  // Stays valid until the connection's end.
  WsConnectionSummary* open(const TcpConnectionInfo& info, bool over_tls);
  // The TCP connection ended: its summary, if any, is complete and handed on.
  void on_tcp_end(const TcpConnectionSummary& tcp);

 private:
  WsConnectionObserver* observer_ = nullptr;
  std::unordered_map<std::uint64_t, WsConnectionSummary> open_;
};

}  // namespace sipws
