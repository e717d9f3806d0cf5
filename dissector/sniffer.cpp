#include "dissector/sniffer.h"

#include <algorithm>
#include <string_view>

#include "dissector/rtp/rfc4571_analyzer.h"
#include "dissector/sip/sip_stream_framer.h"
#include "dissector/tls/tls_analyzer.h"
#include "dissector/websocket/websocket_analyzer.h"

namespace sipws {
namespace {
constexpr std::size_t kMaxSniffBytes = 4096;  // bytes gathered to tell what a connection carries
}  // namespace

void Sniffer::on_data(Direction direction, ByteView bytes, std::uint64_t frame, TimeNs timestamp) {
  const auto d = static_cast<std::size_t>(direction);
  bytes_[d].insert(bytes_[d].end(), bytes.begin(), bytes.end());
  pieces_[d].push_back({frame, timestamp, bytes_[d].size()});
  bool ignore = false;
  std::unique_ptr<StreamAnalyzer> next = classify(direction, bytes_[d], frame, ignore);
  if (!next && !ignore) return;
  // The other direction's bytes first: they came earlier. Moved out, since replacing retires
  // this analyzer (it lives on until the chain's call returns).
  std::vector<std::uint8_t> seen[2] = {std::move(bytes_[0]), std::move(bytes_[1])};
  std::vector<Piece> pieces[2] = {std::move(pieces_[0]), std::move(pieces_[1])};
  chain_.replace(std::move(next));
  const auto other = static_cast<Direction>(1 - d);
  replay(other, seen[1 - d], pieces[1 - d]);
  replay(direction, seen[d], pieces[d]);
}

void Sniffer::replay(Direction direction, const std::vector<std::uint8_t>& bytes,
                     const std::vector<Piece>& pieces) {
  const ByteView all = bytes;
  std::size_t begin = 0;
  for (const Piece& piece : pieces) {
    // Asked anew each piece: the analyzer may replace itself (an upgrade's 101) or give up.
    StreamAnalyzer* current = chain_.current();
    if (current == nullptr) return;
    if (piece.end > begin) {
      current->on_data(direction, all.subspan(begin, piece.end - begin), piece.frame,
                       piece.timestamp);
    }
    begin = piece.end;
  }
}

std::unique_ptr<StreamAnalyzer> Sniffer::classify(Direction direction, ByteView bytes,
                                                  std::uint64_t frame, bool& ignore) {
  const std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  const auto starts = [&text](std::string_view prefix) {
    return text.substr(0, prefix.size()) == prefix.substr(0, std::min(prefix.size(), text.size()));
  };
  if (direction == Direction::to_server && starts("GET ")) {
    if (text.size() < 4) return nullptr;
    return std::make_unique<WsUpgradeAnalyzer>(context_, chain_, carrier_);
  }
  if (direction == Direction::to_client && starts("HTTP/1.")) {
    if (text.size() < 7) return nullptr;
    return std::make_unique<WsUpgradeAnalyzer>(context_, chain_, carrier_);
  }
  if (!carrier_.over_tls && looks_like_tls(bytes, direction)) {
    auto tls = std::make_unique<TlsAnalyzer>(context_, carrier_);
    ConnectionCarrier inner = carrier_;
    inner.over_tls = true;
    tls->inner().replace(std::make_unique<Sniffer>(context_, tls->inner(), inner));
    return tls;
  }
  const std::size_t newline = text.find('\n');
  if (newline != std::string_view::npos &&
      looks_like_sip(text.substr(0, std::min<std::size_t>(text.size(), 4096)))) {
    return std::make_unique<SipStreamFramer>(context_, carrier_);
  }
  if (Rfc4571Analyzer::recognises(bytes)) {
    return std::make_unique<Rfc4571Analyzer>(context_, carrier_);  // ICE-TCP media
  }
  if (plausible_sip_frame(bytes, direction)) {
    WsSessionInfo session;
    session.handshake_seen = false;
    auto websocket = std::make_unique<WebSocketAnalyzer>(context_, carrier_, std::move(session));
    context_.findings.report(FindingId::ws_handshake_not_seen, frame, carrier_.info.index,
                             direction, "picked up from SIP carried in frames");
    return websocket;
  }
  // Too short to tell, or a first line still arriving: wait (within a bound).
  bool printable = true;
  for (char c : text.substr(0, 256)) {
    if (static_cast<unsigned char>(c) < 0x20 && c != '\r' && c != '\n' && c != '\t')
      printable = false;
  }
  const bool undecided = text.size() < 24 || (printable && newline == std::string_view::npos);
  if (undecided && text.size() < kMaxSniffBytes) return nullptr;
  ignore = true;  // plain HTTP without upgrade, anything else
  return nullptr;
}

}  // namespace sipws
