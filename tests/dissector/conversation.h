#pragma once
// Feeds hand-built TCP conversations (unit-test vectors) through the Dissector, as the capture
// layer would: each chunk is one frame, numbered from 1 in the order added.

#include <string>
#include <utility>
#include <vector>

#include "dissector/dissector.h"
#include "tests/dissector/ws_test_vectors.h"

namespace sipws {

// Feeds a whole connection through the Dissector, cut at the given points of each direction.
struct Conversation {
  std::vector<std::pair<Direction, test::Bytes>> chunks;
  void add(Direction d, const test::Bytes& b) { chunks.emplace_back(d, b); }
};

inline std::vector<std::string> dissect(
    const Conversation& c, const std::vector<std::size_t>& cuts, FindingCollector& findings,
    std::vector<SipTransport>* transports = nullptr,
    std::vector<std::pair<std::uint64_t, std::uint64_t>>* first_and_last_frames = nullptr) {
  SipMessageCollector collected;
  Dissector dissector(collected, findings);
  TcpConnectionInfo info;
  info.index = 0;
  info.client.port = 50000;
  info.server.port = 443;
  StreamSink* sink = dissector.on_tcp_open(info);
  std::uint64_t offsets[2] = {0, 0};
  std::uint64_t frame = 1;
  for (const auto& [dir, bytes] : c.chunks) {
    std::size_t at = 0;
    for (std::size_t cut : cuts) {
      if (cut <= at || cut >= bytes.size()) continue;
      sink->on_data(dir, ByteView(bytes).subspan(at, cut - at), offsets[static_cast<int>(dir)],
                    frame, static_cast<TimeNs>(frame) * 1000);
      ++frame;
      offsets[static_cast<int>(dir)] += cut - at;
      at = cut;
    }
    sink->on_data(dir, ByteView(bytes).subspan(at), offsets[static_cast<int>(dir)], frame,
                  static_cast<TimeNs>(frame) * 1000);
    ++frame;
    offsets[static_cast<int>(dir)] += bytes.size() - at;
  }
  sink->on_close(CloseReason::fin);
  std::vector<std::string> out;
  for (const auto& r : collected.records) {
    out.emplace_back(r.bytes.begin(), r.bytes.end());
    if (transports != nullptr) transports->push_back(r.transport);
    if (first_and_last_frames != nullptr)
      first_and_last_frames->emplace_back(r.first_frame, r.frame);
  }
  return out;
}

}  // namespace sipws
