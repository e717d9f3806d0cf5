#include "dissector/tls/tls_analyzer.h"

namespace sipws {

bool looks_like_tls(ByteView b, Direction direction) {
  if (b.size() < 6 || b[1] != 3 || b[2] > 4) return false;
  const std::size_t length = static_cast<std::size_t>(b[3]) << 8 | b[4];
  if (length == 0 || length > 16384 + 2048) return false;
  if (b[0] == 22) return b[5] == (direction == Direction::to_server ? 1 : 2);
  return b[0] == 23 && b[2] >= 1;
}

TlsAnalyzer::TlsAnalyzer(AnalyzerContext& context, const ConnectionCarrier& carrier)
    : decryptor_(context.key_log, *this, context.findings, carrier.info.index) {
  decryptor_.set_server_port(carrier.info.server.port);
}

void TlsAnalyzer::on_data(Direction direction, ByteView bytes, std::uint64_t frame,
                          TimeNs timestamp) {
  last_frame_ = frame;
  decryptor_.on_data(direction, bytes, frame, timestamp);
}

void TlsAnalyzer::on_gap(Direction direction, std::uint64_t) {
  decryptor_.on_gap(direction, last_frame_);
}

void TlsAnalyzer::on_end() {
  decryptor_.on_end(last_frame_);
  inner_.end();
}

void TlsAnalyzer::on_plaintext(Direction direction, ByteView bytes, std::uint64_t frame,
                               TimeNs timestamp) {
  inner_.on_data(direction, bytes, 0, frame, timestamp);
}

}  // namespace sipws
