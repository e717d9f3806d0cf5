#pragma once
// The data frames that carried one SIP message over WebSocket, each with its payload as it
// travelled (masked) and as read (unmasked): what the GUI's WebSocket view shows side by side.
// Rebuilt from the record (the frame headers and the unmasked bytes it keeps): masking is an XOR
// with the frame's key, so the masked bytes are exactly those on the wire.

#include <cstdint>
#include <vector>

#include "dissector/sip/sip_record.h"

namespace sipws {

struct WsFrameBytes {
  WsFrameHeader header;
  std::vector<std::uint8_t> wire;      // the payload as sent (masked when the header says so)
  std::vector<std::uint8_t> unmasked;  // compressed bytes for a compressed message
};

// Empty when the record did not travel over WebSocket. The byte vectors stay empty when the
// record does not hold its frames' payload (a second SIP message in one WebSocket message).
std::vector<WsFrameBytes> ws_frame_bytes(const SipMessageRecord& record);

}  // namespace sipws
