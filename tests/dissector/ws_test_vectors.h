#pragma once
// Builders for hand-made WebSocket frames (unit-test vectors for edge cases; real traffic is
// tested on the captures in samples/).

#include <zlib.h>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "dissector/websocket/ws_frame.h"

namespace sipws::test {

using Bytes = std::vector<std::uint8_t>;

struct FrameSpec {
  std::uint8_t opcode = ws_opcode::text;
  bool fin = true;
  bool rsv1 = false;
  bool rsv2 = false;
  bool mask = true;
  std::array<std::uint8_t, 4> key{0x37, 0xfa, 0x21, 0x3d};
  int length_form = 0;  // 0 = minimal, 16 or 64 = force that field
};

inline Bytes ws_frame(const FrameSpec& s, const Bytes& payload) {
  Bytes f;
  f.push_back(static_cast<std::uint8_t>((s.fin ? 0x80 : 0) | (s.rsv1 ? 0x40 : 0) |
                                        (s.rsv2 ? 0x20 : 0) | s.opcode));
  const std::uint8_t m = s.mask ? 0x80 : 0;
  const std::uint64_t n = payload.size();
  const int form = s.length_form != 0 ? s.length_form : (n < 126 ? 7 : n <= 0xffff ? 16 : 64);
  if (form == 7) {
    f.push_back(static_cast<std::uint8_t>(m | n));
  } else if (form == 16) {
    f.push_back(m | 126);
    f.push_back(static_cast<std::uint8_t>(n >> 8));
    f.push_back(static_cast<std::uint8_t>(n));
  } else {
    f.push_back(m | 127);
    for (int i = 7; i >= 0; --i) f.push_back(static_cast<std::uint8_t>(n >> (8 * i)));
  }
  if (s.mask) f.insert(f.end(), s.key.begin(), s.key.end());
  for (std::size_t i = 0; i < payload.size(); ++i) {
    f.push_back(s.mask ? static_cast<std::uint8_t>(payload[i] ^ s.key[i % 4]) : payload[i]);
  }
  return f;
}

inline Bytes bytes_of(const std::string& s) {
  return Bytes(s.begin(), s.end());
}

// Raw deflate with a sync flush and the 00 00 ff ff tail removed, as RFC 7692 §7.2.1 sends it.
// `stream` keeps the compressor across messages (context takeover).
class Deflater {
 public:
  Deflater() { deflateInit2(&z_, 9, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY); }
  ~Deflater() { deflateEnd(&z_); }
  Bytes compress(const Bytes& in, bool reset_after = false) {
    Bytes out(in.size() + 1024);
    z_.next_in = const_cast<Bytef*>(in.data());
    z_.avail_in = static_cast<uInt>(in.size());
    z_.next_out = out.data();
    z_.avail_out = static_cast<uInt>(out.size());
    deflate(&z_, Z_SYNC_FLUSH);
    out.resize(out.size() - z_.avail_out);
    if (out.size() >= 4) out.resize(out.size() - 4);
    if (reset_after) deflateReset(&z_);
    return out;
  }

 private:
  z_stream z_{};
};

}  // namespace sipws::test
