#include "dissector/websocket/ws_frame.h"

#include <cstring>

namespace sipws {

std::string_view ws_opcode_name(std::uint8_t opcode) {
  switch (opcode) {
    case 0:
      return "continuation";
    case 1:
      return "text";
    case 2:
      return "binary";
    case 8:
      return "close";
    case 9:
      return "ping";
    case 10:
      return "pong";
    default:
      return "reserved";
  }
}

std::size_t parse_ws_frame_header(ByteView b, WsFrameHeader& h) {
  if (b.size() < 2) return 0;
  const std::uint8_t len7 = b[1] & 0x7f;
  const std::size_t ext = len7 == 126 ? 2 : len7 == 127 ? 8 : 0;
  const bool masked = (b[1] & 0x80) != 0;
  const std::size_t need = 2 + ext + (masked ? 4 : 0);
  if (b.size() < need) return 0;
  h.fin = (b[0] & 0x80) != 0;
  h.rsv1 = (b[0] & 0x40) != 0;
  h.rsv2 = (b[0] & 0x20) != 0;
  h.rsv3 = (b[0] & 0x10) != 0;
  h.opcode = b[0] & 0x0f;
  h.masked = masked;
  h.length_msb_set = false;
  if (len7 == 126) {
    h.length = load_be16(b.data() + 2);
    h.minimal_length = h.length >= 126;
  } else if (len7 == 127) {
    h.length = (std::uint64_t{load_be32(b.data() + 2)} << 32) | load_be32(b.data() + 6);
    h.length_msb_set = (h.length >> 63) != 0;
    h.minimal_length = h.length > 0xffff;
  } else {
    h.length = len7;
    h.minimal_length = true;
  }
  if (masked)
    std::memcpy(h.mask.data(), b.data() + 2 + ext, 4);
  else
    h.mask = {};
  h.header_length = static_cast<std::uint8_t>(need);
  return need;
}

void unmask_copy(std::uint8_t* dst, const std::uint8_t* src, std::size_t n,
                 const std::array<std::uint8_t, 4>& mask, std::size_t phase) {
  std::uint8_t rotated[8];
  for (std::size_t i = 0; i < 8; ++i) rotated[i] = mask[(phase + i) & 3];
  std::uint64_t key;
  std::memcpy(&key, rotated, 8);
  std::size_t i = 0;
  for (; i + 32 <= n; i += 32) {  // four words per round; compilers turn this into vector code
    std::uint64_t w[4];
    std::memcpy(w, src + i, 32);
    w[0] ^= key;
    w[1] ^= key;
    w[2] ^= key;
    w[3] ^= key;
    std::memcpy(dst + i, w, 32);
  }
  for (; i + 8 <= n; i += 8) {
    std::uint64_t w;
    std::memcpy(&w, src + i, 8);
    w ^= key;
    std::memcpy(dst + i, &w, 8);
  }
  for (; i < n; ++i) dst[i] = src[i] ^ rotated[i & 7];
}

void WsFrameParser::reset() {
  state_ = State::header;
  header_have_ = 0;
  payload_done_ = 0;
}

void WsFrameParser::feed(ByteView b, std::uint64_t frame, TimeNs timestamp, Handler& handler) {
  while (!b.empty()) {
    if (state_ == State::header) {
      std::size_t used = 0;
      if (header_have_ == 0) {
        used = parse_ws_frame_header(b, current_);  // common case: whole header in this chunk
      }
      if (used == 0) {
        // Spill: gather the header bytes; 14 is the longest header there is.
        const std::size_t take = std::min(b.size(), header_.size() - header_have_);
        std::memcpy(header_.data() + header_have_, b.data(), take);
        const std::size_t before = header_have_;
        header_have_ += take;
        const std::size_t len =
            parse_ws_frame_header(ByteView(header_.data(), header_have_), current_);
        if (len == 0) return;  // still incomplete: everything in `b` was taken
        used = len - before;
        header_have_ = 0;
      }
      current_.first_frame = frame;
      b = b.subspan(used);
      payload_done_ = 0;
      handler.on_frame_header(current_);
      if (current_.length == 0) {
        handler.on_frame_end(frame, timestamp);
        continue;
      }
      state_ = State::payload;
    }
    const std::uint64_t left = current_.length - payload_done_;
    const std::size_t take = static_cast<std::size_t>(std::min<std::uint64_t>(left, b.size()));
    handler.on_frame_payload(b.first(take), payload_done_);
    payload_done_ += take;
    b = b.subspan(take);
    if (payload_done_ == current_.length) {
      state_ = State::header;
      handler.on_frame_end(frame, timestamp);
    }
  }
}

bool WsFrameParser::skip(std::uint64_t length) {
  if (state_ != State::payload) return false;
  const std::uint64_t left = current_.length - payload_done_;
  if (length >= left) {
    // The gap swallows the rest of this frame; if it went beyond, the next header is lost too.
    payload_done_ = current_.length;
    state_ = State::header;
    return length == left;
  }
  payload_done_ += length;
  return true;
}

bool is_valid_utf8(ByteView b) {
  std::size_t i = 0;
  const std::size_t n = b.size();
  while (i < n) {
    // ASCII runs, which SIP text mostly is: 32 bytes at a time, then 8.
    for (; i + 32 <= n; i += 32) {
      std::uint64_t w[4];
      std::memcpy(w, b.data() + i, 32);
      if (((w[0] | w[1] | w[2] | w[3]) & 0x8080808080808080ull) != 0) break;
    }
    if (i == n) break;
    if (i + 8 <= n) {
      std::uint64_t w;
      std::memcpy(&w, b.data() + i, 8);
      if ((w & 0x8080808080808080ull) == 0) {
        i += 8;
        continue;
      }
    }
    const std::uint8_t c = b[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t len;
    std::uint32_t cp;
    if ((c & 0xe0) == 0xc0) {
      len = 2;
      cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      len = 3;
      cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + len > n) return false;
    for (std::size_t k = 1; k < len; ++k) {
      if ((b[i + k] & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (b[i + k] & 0x3f);
    }
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
        cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
      return false;
    }
    i += len;
  }
  return true;
}

}  // namespace sipws
