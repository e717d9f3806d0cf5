#pragma once
// RTP, RTCP, STUN and DTLS framed on a TCP connection (RFC 4571: a 16-bit length before each
// packet), as ICE-TCP candidates (RFC 6544) carry a WebRTC call's media: each packet is handed
// to the dissector's datagram observer, classified, as if it were a UDP datagram of the
// connection. A push parser: bytes in any chunking; a gap ends that direction (the framing is
// lost with it).

#include <array>
#include <vector>

#include "dissector/analyzer.h"

namespace sipws {

class Rfc4571Analyzer final : public StreamAnalyzer {
 public:
  Rfc4571Analyzer(AnalyzerContext& context, const ConnectionCarrier& carrier);
  void on_data(Direction direction, ByteView bytes, std::uint64_t frame, TimeNs timestamp) override;
  void on_gap(Direction direction, std::uint64_t length) override;
  void on_end() override;

  // Whether the first bytes of a connection look like RFC 4571 framing of a STUN message (how
  // ICE-TCP begins): a length, then a STUN header with the magic cookie whose length fits.
  static bool recognises(ByteView first_bytes);

 private:
  AnalyzerContext& context_;
  UdpFlowInfo flow_;
  std::array<std::vector<std::uint8_t>, 2> pending_;
  std::array<bool, 2> lost_{};
};

}  // namespace sipws
