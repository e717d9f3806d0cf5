#include "dissector/rtp/rfc4571_analyzer.h"

namespace sipws {

Rfc4571Analyzer::Rfc4571Analyzer(AnalyzerContext& context, const ConnectionCarrier& carrier)
    : context_(context) {
  // The connection's index is marked, so that media state keyed by flow never takes a TCP
  // connection for the UDP flow of the same number.
  flow_.index = carrier.info.index | (std::uint64_t{1} << 63);
  flow_.client = carrier.info.client;
  flow_.server = carrier.info.server;
  flow_.first_frame = carrier.info.first_frame;
  flow_.first_seen = carrier.info.first_seen;
}

bool Rfc4571Analyzer::recognises(ByteView b) {
  if (b.size() < 22) return false;
  const std::size_t length = load_be16(&b[0]);
  const ByteView stun = b.subspan(2);
  return length >= 20 && stun[0] <= 3 && load_be32(&stun[4]) == 0x2112A442 &&
         20 + std::size_t{load_be16(&stun[2])} == length;
}

void Rfc4571Analyzer::on_data(Direction direction, ByteView bytes, std::uint64_t frame,
                              TimeNs timestamp) {
  const auto d = static_cast<std::size_t>(direction);
  if (lost_[d]) return;
  std::vector<std::uint8_t>& pending = pending_[d];
  // Whole packets straight from the segment; only a packet split across segments is copied
  // (at most 2 + 65535 bytes).
  auto deliver = [&](ByteView packet) {
    DatagramObserver* observer = context_.datagram_observer;
    if (observer == nullptr) return;
    UdpDatagram datagram;
    datagram.direction = direction;
    datagram.payload = packet;
    datagram.frame = frame;
    datagram.first_frame = frame;
    datagram.timestamp = timestamp;
    observer->on_datagram(flow_, datagram, classify_non_sip_datagram(packet));
  };
  while (!bytes.empty()) {
    if (!pending.empty() || bytes.size() < 2) {
      pending.insert(pending.end(), bytes.begin(), bytes.end());
      bytes = {};
      // Every whole packet in the buffer, then what is left moved to its front once.
      std::size_t at = 0;
      while (pending.size() - at >= 2) {
        const std::size_t length = load_be16(&pending[at]);
        if (pending.size() - at < 2 + length) break;
        deliver(ByteView(pending).subspan(at + 2, length));
        at += 2 + length;
      }
      pending.erase(pending.begin(), pending.begin() + static_cast<std::ptrdiff_t>(at));
      return;
    }
    const std::size_t length = load_be16(bytes.data());
    if (bytes.size() < 2 + length) {
      pending.assign(bytes.begin(), bytes.end());
      return;
    }
    deliver(bytes.subspan(2, length));
    bytes = bytes.subspan(2 + length);
  }
}

void Rfc4571Analyzer::on_gap(Direction direction, std::uint64_t) {
  const auto d = static_cast<std::size_t>(direction);
  lost_[d] = true;
  pending_[d].clear();
}

void Rfc4571Analyzer::on_end() {
  for (auto& p : pending_) std::vector<std::uint8_t>().swap(p);
}

}  // namespace sipws
