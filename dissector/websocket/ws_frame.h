#pragma once
// WebSocket frame parsing (RFC 6455 §5.2). The parser resumes at any byte: a header split across
// TCP segments waits in a 14-byte spill buffer, and payload is handed on as it arrives (still
// masked, with its offset in the frame), so no frame is ever buffered here whole.

#include <array>
#include <cstdint>
#include <string_view>

#include "capture/bytes.h"
#include "capture/raw_packet.h"

namespace sipws {

namespace ws_opcode {
inline constexpr std::uint8_t continuation = 0x0;
inline constexpr std::uint8_t text = 0x1;
inline constexpr std::uint8_t binary = 0x2;
inline constexpr std::uint8_t close = 0x8;
inline constexpr std::uint8_t ping = 0x9;
inline constexpr std::uint8_t pong = 0xA;
}  // namespace ws_opcode
inline bool is_control_opcode(std::uint8_t opcode) {
  return (opcode & 0x8) != 0;
}

struct WsFrameHeader {
  bool fin = false;
  bool rsv1 = false;
  bool rsv2 = false;
  bool rsv3 = false;
  std::uint8_t opcode = 0;
  bool masked = false;
  std::array<std::uint8_t, 4> mask{};
  std::uint64_t length = 0;
  std::uint8_t header_length = 0;
  bool minimal_length = true;  // the length used the shortest encoding
  bool length_msb_set = false;
  std::uint64_t first_frame = 0;  // capture frame where the header started
};

// "continuation", "text", "binary", "close", "ping", "pong", or "reserved" (RFC 6455 §5.2).
std::string_view ws_opcode_name(std::uint8_t opcode);

// Parses the header at the start of `bytes` if all of it is there; returns its length, or 0.
std::size_t parse_ws_frame_header(ByteView bytes, WsFrameHeader& header);

// XORs `n` bytes of src with the mask (starting `phase` bytes into it) into dst. Word at a time:
// this is the hot loop of the whole tool.
void unmask_copy(std::uint8_t* dst, const std::uint8_t* src, std::size_t n,
                 const std::array<std::uint8_t, 4>& mask, std::size_t phase);

class WsFrameParser {
 public:
  class Handler {
   public:
    virtual ~Handler() = default;
    virtual void on_frame_header(const WsFrameHeader& header) = 0;
    // Payload bytes as on the wire (masked if the frame is), starting `offset` into the payload.
    virtual void on_frame_payload(ByteView bytes, std::uint64_t offset) = 0;
    // The whole frame has arrived; `frame` is the capture frame that completed it.
    virtual void on_frame_end(std::uint64_t frame, TimeNs timestamp) = 0;
  };

  void feed(ByteView bytes, std::uint64_t frame, TimeNs timestamp, Handler& handler);
  // `length` bytes of the stream were lost. Inside a payload they are skipped (the frame is
  // ended short by the caller's knowledge); anywhere else frame boundaries are lost: returns false.
  bool skip(std::uint64_t length);
  bool in_payload() const { return state_ == State::payload; }
  bool at_frame_boundary() const { return state_ == State::header && header_have_ == 0; }
  const WsFrameHeader& current() const { return current_; }
  void reset();

 private:
  enum class State { header, payload };
  State state_ = State::header;
  std::array<std::uint8_t, 14> header_{};
  std::size_t header_have_ = 0;
  WsFrameHeader current_;
  std::uint64_t payload_done_ = 0;
};

// Valid UTF-8 (RFC 3629: no overlongs, no surrogates, nothing above U+10FFFF); ASCII runs are
// checked eight bytes at a time.
bool is_valid_utf8(ByteView bytes);

}  // namespace sipws
