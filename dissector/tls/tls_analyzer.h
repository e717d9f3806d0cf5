#pragma once
// TLS in a connection's analyzer chain: records go to the decryptor, and the plaintext it opens
// feeds an inner chain (which starts with a sniffer of its own, as a plain connection does).

#include <cstdint>

#include "dissector/analyzer.h"
#include "dissector/tls/tls_decryptor.h"

namespace sipws {

// Does a TLS record start here: a handshake (a ClientHello to the server, a ServerHello to the
// client) or application data on a connection picked up mid-stream?
bool looks_like_tls(ByteView bytes, Direction direction);

class TlsAnalyzer final : public StreamAnalyzer, public TlsDecryptor::Output {
 public:
  TlsAnalyzer(AnalyzerContext& context, const ConnectionCarrier& carrier);

  // The chain the plaintext goes to; whoever installs this analyzer installs its first unit.
  ConnectionChain& inner() { return inner_; }

  void on_data(Direction direction, ByteView bytes, std::uint64_t frame, TimeNs timestamp) override;
  void on_gap(Direction direction, std::uint64_t length) override;
  void on_end() override;
  void on_plaintext(Direction direction, ByteView bytes, std::uint64_t frame,
                    TimeNs timestamp) override;

 private:
  ConnectionChain inner_;
  TlsDecryptor decryptor_;
  std::uint64_t last_frame_ = 0;
};

}  // namespace sipws
