#pragma once
// Assembles the WebSocket messages of one direction of one connection from its frames:
// unmasks (one copy, into the message's own buffer), joins fragments, handles control frames
// between fragments, inflates permessage-deflate messages, checks text for UTF-8, and reports
// every protocol violation it sees as a finding while carrying on.

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "capture/finding.h"
#include "dissector/websocket/inflater.h"
#include "dissector/websocket/ws_frame.h"
#include "dissector/websocket/ws_handshake.h"

namespace sipws {

struct WsLimits {
  std::size_t max_message_bytes = 16u << 20;   // as received (compressed size when compressed)
  std::size_t max_inflated_bytes = 16u << 20;  // after inflation
  // Inflate contexts kept across messages (context takeover), all connections together.
  std::size_t max_inflate_contexts = 4096;
  bool keep_frames = true;  // note each message's frame headers (WsMessage::frame_headers)
};

struct WsMessage {
  Direction direction = Direction::none;
  std::uint8_t opcode = 0;  // text or binary
  bool compressed = false;
  bool masked = false;
  bool incomplete = false;  // bytes lost (gap) or cut by a limit
  std::uint32_t frames = 0;
  std::uint64_t wire_bytes = 0;  // payload bytes on the wire (compressed size)
  std::uint64_t first_frame = 0;
  std::uint64_t last_frame = 0;  // the capture frame that completed the message
  TimeNs timestamp = 0;
  std::vector<std::uint8_t> payload;  // unmasked and inflated
  // What the GUI shows of a message's frames: each data frame's header, and for a compressed
  // message the unmasked compressed bytes (the frames' payloads, joined) before inflation.
  std::vector<WsFrameHeader> frame_headers;
  std::vector<std::uint8_t> compressed_payload;

  // Empty again, keeping the buffers' capacity: the assembler reuses one message for all, so
  // that a message costs no allocation.
  void reset();
};

struct WsControl {
  Direction direction = Direction::none;
  std::uint8_t opcode = 0;
  std::uint64_t frame = 0;
  TimeNs timestamp = 0;
  std::optional<std::uint16_t> close_code;
  std::vector<std::uint8_t> payload;  // unmasked
};

class WsMessageSink {
 public:
  virtual ~WsMessageSink() = default;
  virtual void on_ws_message(WsMessage& message) = 0;
  virtual void on_ws_control(const WsControl&) {}
};

class WsMessageAssembler final : public WsFrameParser::Handler {
 public:
  WsMessageAssembler(Direction direction, std::uint64_t connection,
                     std::optional<DeflateParams> deflate, WsMessageSink& sink,
                     FindingSink& findings, WsLimits limits = {},
                     InflateBudget* inflate_budget = nullptr);

  // Stream bytes of this direction, in order.
  void on_data(ByteView bytes, std::uint64_t frame, TimeNs timestamp);
  // Bytes lost. Returns false when frame boundaries were lost with them.
  bool on_gap(std::uint64_t length, std::uint64_t frame);
  // Restarts framing at a known frame boundary (after a resynchronisation).
  void resync();
  // The stream ended: a frame or message still open is reported as incomplete.
  void on_end(std::uint64_t frame);

  std::uint64_t frames_seen() const { return frames_; }
  std::uint64_t messages_seen() const { return messages_; }
  bool close_seen() const { return close_seen_; }

  // WsFrameParser::Handler
  void on_frame_header(const WsFrameHeader& header) override;
  void on_frame_payload(ByteView bytes, std::uint64_t offset) override;
  void on_frame_end(std::uint64_t frame, TimeNs timestamp) override;

 private:
  void report(FindingId id, std::uint64_t frame, std::string detail);
  void finish_message(std::uint64_t frame, TimeNs timestamp);
  void finish_control(std::uint64_t frame, TimeNs timestamp);

  Direction direction_;
  std::uint64_t connection_;
  std::optional<DeflateParams> deflate_;
  WsMessageSink& sink_;
  FindingSink& findings_;
  WsLimits limits_;
  std::unique_ptr<Inflater> inflater_;
  WsFrameParser parser_;

  WsFrameHeader header_;
  enum class Target { message, control, discard } target_ = Target::discard;
  bool in_message_ = false;  // a fragmented data message is open
  WsMessage message_;
  std::vector<std::uint8_t> inflated_;  // the next compressed message's inflated bytes
  std::vector<std::uint8_t> control_;
  bool message_cut_ = false;
  bool close_seen_ = false;
  std::uint64_t frames_ = 0;
  std::uint64_t messages_ = 0;
};

}  // namespace sipws
