#pragma once
// The WebSocket part of a connection's analyzer chain: the opening handshake (HTTP upgrade)
// until its 101, then frames, messages and the SIP they carry (RFC 6455, RFC 7118). The rules
// on the handshake are raised here, where it is parsed.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dissector/analyzer.h"
#include "dissector/http/http_head.h"
#include "dissector/websocket/ws_handshake.h"
#include "dissector/websocket/ws_message.h"

namespace sipws {

// Does a WebSocket frame carrying SIP start here? Used to pick up connections whose handshake
// was not captured, and to find the next frame after lost bytes: text or binary, no RSV2/RSV3,
// masked exactly when sent by the client, a sane length, and a payload that starts like SIP
// (or is compressed, RSV1).
bool plausible_sip_frame(ByteView bytes, Direction direction);
// Does any WebSocket frame plausibly start here (masked as its direction requires)?
bool plausible_ws_frame(ByteView bytes, Direction direction);

// What the opening handshake settled, as far as the frames after it need to know.
struct WsSessionInfo {
  bool handshake_seen = true;  // false: picked up from frames that looked like SIP
  bool subprotocol_known = false;
  std::string subprotocol;  // what the 101 chose ("sip" for RFC 7118)
  std::optional<DeflateParams> deflate;
};

class WebSocketAnalyzer final : public StreamAnalyzer, public WsMessageSink {
 public:
  WebSocketAnalyzer(AnalyzerContext& context, const ConnectionCarrier& carrier,
                    WsSessionInfo session);

  void on_data(Direction direction, ByteView bytes, std::uint64_t frame, TimeNs timestamp) override;
  void on_gap(Direction direction, std::uint64_t length) override;
  void on_end() override;
  // Client bytes the upgrade held back because they came before the 101.
  void on_early_client_data(ByteView bytes, std::uint64_t frame, TimeNs timestamp);

  void on_ws_message(WsMessage& message) override;
  void on_ws_control(const WsControl&) override;

 private:
  AnalyzerContext& context_;
  ConnectionCarrier carrier_;
  WsSessionInfo session_;
  std::unique_ptr<WsMessageAssembler> assemblers_[2];
  bool lost_[2] = {false, false};  // bytes lost: waiting for a plausible frame start
  std::uint64_t last_frame_ = 0;
  WsConnectionSummary* summary_ = nullptr;  // the connection as a whole; null when unwanted
};

// The HTTP upgrade of a connection (client GET, server answer): checks both heads, installs a
// WebSocketAnalyzer at the 101, or gives the connection up (plain HTTP, malformed heads). A
// refused upgrade stays here to notice the client sending frames anyway.
class WsUpgradeAnalyzer final : public StreamAnalyzer {
 public:
  WsUpgradeAnalyzer(AnalyzerContext& context, ConnectionChain& chain,
                    const ConnectionCarrier& carrier);

  void on_data(Direction direction, ByteView bytes, std::uint64_t frame, TimeNs timestamp) override;
  void on_gap(Direction, std::uint64_t) override {}
  void on_end() override {}

 private:
  void report(FindingId id, Direction direction, std::uint64_t frame, std::string detail);
  // The connection's summary from the heads seen so far (null when unwanted).
  void summarise(const HttpHead& head);
  void start_websocket(std::uint64_t frame, Direction direction, ByteView rest, TimeNs timestamp);

  AnalyzerContext& context_;
  ConnectionChain& chain_;
  ConnectionCarrier carrier_;
  HttpHeadParser heads_[2];
  bool head_done_[2] = {false, false};
  WsHandshake handshake_;
  std::vector<std::uint8_t> pending_client_;  // client bytes sent before the 101
  std::uint64_t pending_frame_ = 0;
  TimeNs pending_time_ = 0;
  bool refused_ = false;
  bool refusal_reported_ = false;
};

}  // namespace sipws
