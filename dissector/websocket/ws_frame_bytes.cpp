#include "dissector/websocket/ws_frame_bytes.h"

#include <cstring>

namespace sipws {

std::vector<WsFrameBytes> ws_frame_bytes(const SipMessageRecord& record) {
  std::vector<WsFrameBytes> frames;
  if (record.transport != SipTransport::ws && record.transport != SipTransport::wss) return frames;
  const auto& headers = record.ws.frame_headers;
  ByteView payload = record.ws.compressed
                         ? ByteView(record.ws.compressed_payload)
                         : ByteView(reinterpret_cast<const std::uint8_t*>(record.bytes.data()),
                                    record.bytes.size());
  std::uint64_t total = 0;
  for (const WsFrameHeader& h : headers) total += h.length;
  const bool have_bytes = total == payload.size();
  std::size_t at = 0;
  for (const WsFrameHeader& h : headers) {
    WsFrameBytes f;
    f.header = h;
    if (have_bytes) {
      const auto n = static_cast<std::size_t>(h.length);
      f.unmasked.assign(payload.begin() + static_cast<std::ptrdiff_t>(at),
                        payload.begin() + static_cast<std::ptrdiff_t>(at + n));
      f.wire.resize(n);
      if (h.masked) {
        unmask_copy(f.wire.data(), f.unmasked.data(), n, h.mask, 0);  // XOR both ways
      } else if (n > 0) {
        std::memcpy(f.wire.data(), f.unmasked.data(), n);
      }
      at += n;
    }
    frames.push_back(std::move(f));
  }
  return frames;
}

}  // namespace sipws
