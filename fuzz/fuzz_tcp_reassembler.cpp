// libFuzzer target: one TCP connection fed a sequence of synthetic segments (sequence numbers,
// flags and payloads from the input), checking the delivery contract as it goes: offsets
// contiguous per direction, nothing after close, buffered bytes within the limit.
#include "capture/flow_table.h"

namespace {

struct CheckingSink final : sipws::StreamSink {
  std::uint64_t next[2] = {0, 0};
  bool closed = false;
  void on_data(sipws::Direction d, sipws::ByteView b, std::uint64_t offset, std::uint64_t,
               sipws::TimeNs) override {
    const auto i = static_cast<int>(d);
    if (closed || offset != next[i] || b.empty()) __builtin_trap();
    next[i] += b.size();
  }
  void on_gap(sipws::Direction d, std::uint64_t offset, std::uint64_t length) override {
    const auto i = static_cast<int>(d);
    if (closed || offset != next[i] || length == 0) __builtin_trap();
    next[i] += length;
  }
  void on_close(sipws::CloseReason) override {
    if (closed) __builtin_trap();
    closed = true;
  }
};

struct Observer final : sipws::FlowObserver {
  std::vector<std::unique_ptr<CheckingSink>> sinks;
  sipws::StreamSink* on_tcp_open(const sipws::TcpConnectionInfo&) override {
    sinks.push_back(std::make_unique<CheckingSink>());
    return sinks.back().get();
  }
  void on_udp_datagram(const sipws::UdpFlowInfo&, const sipws::UdpDatagram&) override {}
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace sipws;
  Observer observer;
  FindingCollector findings;
  FlowLimits limits;
  limits.max_buffered_bytes_per_direction = 4096;
  limits.max_buffered_bytes_total = 8192;
  limits.max_tcp_connections = 4;
  FlowTable table(observer, findings, limits);
  Endpoint a;
  a.address.version = 4;
  a.address.bytes[0] = 10;
  a.port = 40000;
  Endpoint b = a;
  b.address.bytes[3] = 1;
  b.port = 8080;
  static const std::uint8_t payload[256] = {};
  std::uint32_t base[2] = {0xfffff000u, 0x7fffff00u};  // wraparound within reach
  std::size_t at = 0;
  std::uint64_t frame = 0;
  // Each segment: direction+flags (1), sequence delta (2), length (1), ack delta (2).
  while (at + 6 <= size) {
    const std::uint8_t control = data[at];
    const std::uint16_t seq_delta = static_cast<std::uint16_t>(data[at + 1] | (data[at + 2] << 8));
    const std::uint8_t length = data[at + 3];
    const std::uint16_t ack_delta = static_cast<std::uint16_t>(data[at + 4] | (data[at + 5] << 8));
    at += 6;
    const int d = control & 1;
    DecodedPacket p;
    p.frame_number = ++frame;
    p.timestamp = static_cast<TimeNs>(frame) * 50'000'000;
    p.transport = Transport::tcp;
    p.src = d ? b : a;
    p.dst = d ? a : b;
    p.flags = static_cast<std::uint8_t>(control >> 1) & 0x1f;
    p.seq = base[d] + seq_delta;
    p.ack = base[1 - d] + ack_delta;
    p.payload = ByteView(payload, std::min<std::size_t>(length, sizeof payload));
    p.wire_payload_length = length + ((control & 0x80) ? 7u : 0u);  // sometimes cut by the snaplen
    table.on_packet(p);
  }
  table.finish();
  if (table.buffered_bytes() != 0) __builtin_trap();
  return 0;
}
