#pragma once
// SIP over a byte stream (TCP, or the plaintext of TLS): messages framed by Content-Length
// (RFC 3261 §18.3), resynchronised on the next line that starts a message after lost bytes or
// garbage. Each framed message goes to the SIP stage with its carrier.

#include <cstdint>
#include <vector>

#include "dissector/analyzer.h"

namespace sipws {

class SipStreamFramer final : public StreamAnalyzer {
 public:
  SipStreamFramer(AnalyzerContext& context, const ConnectionCarrier& carrier);

  void on_data(Direction direction, ByteView bytes, std::uint64_t frame, TimeNs timestamp) override;
  void on_gap(Direction direction, std::uint64_t length) override;
  void on_end() override {}

 private:
  // Drops what precedes the first line that starts a SIP message; false if none is there yet.
  bool resync(std::vector<char>& buffer);

  AnalyzerContext& context_;
  ConnectionCarrier carrier_;
  std::vector<char> buffer_[2];  // bytes awaiting framing, per direction
  bool resync_[2] = {false, false};
  std::uint64_t first_frame_[2] = {0, 0};  // the frame that brought buffer_'s first byte
};

}  // namespace sipws
