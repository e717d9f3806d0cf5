#pragma once
// The first unit of every connection's analyzer chain: gathers the first bytes until they say
// what the connection carries (an HTTP upgrade, TLS, SIP over TCP, WebSocket frames whose
// handshake was not captured, or nothing to follow), installs the analyzer for it and replays
// the bytes to it, each piece under the frame and time that carried it, so that a message begun
// in an earlier segment starts at that segment.

#include <cstdint>
#include <vector>

#include "dissector/analyzer.h"

namespace sipws {

class Sniffer final : public StreamAnalyzer {
 public:
  Sniffer(AnalyzerContext& context, ConnectionChain& chain, const ConnectionCarrier& carrier)
      : context_(context), chain_(chain), carrier_(carrier) {}

  void on_data(Direction direction, ByteView bytes, std::uint64_t frame, TimeNs timestamp) override;
  // Lost bytes before the connection is classified are not worth waiting for: the next ones are
  // gathered as if nothing was missing, and classification copes with a mid-stream start.
  void on_gap(Direction, std::uint64_t) override {}
  void on_end() override {}

 private:
  struct Piece {
    std::uint64_t frame;
    TimeNs timestamp;
    std::size_t end;  // in bytes_[direction]
  };
  // The analyzer for what the first bytes of one direction show; null while they cannot tell
  // yet; the analyzer is installed by the caller. `ignore` set: nothing to follow.
  std::unique_ptr<StreamAnalyzer> classify(Direction direction, ByteView bytes, std::uint64_t frame,
                                           bool& ignore);
  void replay(Direction direction, const std::vector<std::uint8_t>& bytes,
              const std::vector<Piece>& pieces);

  AnalyzerContext& context_;
  ConnectionChain& chain_;
  ConnectionCarrier carrier_;
  std::vector<std::uint8_t> bytes_[2];
  std::vector<Piece> pieces_[2];
};

}  // namespace sipws
