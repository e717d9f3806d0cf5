// Google Benchmark micro-benchmarks of the hot paths, in bytes per second: unmasking, frame
// parsing and message assembly, inflating, UTF-8 validation, SIP parsing, TCP reassembly.
// Speed is proven here and by bench/run_bench.py, never by timed unit tests.

#include <benchmark/benchmark.h>
#include <zlib.h>

#include <random>
#include <string>
#include <vector>

#include "capture/tcp_reassembler.h"
#include "dissector/sip/sip_message.h"
#include "dissector/websocket/inflater.h"
#include "dissector/websocket/ws_message.h"

namespace {

using Bytes = std::vector<std::uint8_t>;

const std::string kInvite =
    "INVITE sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/WSS "
    "df7jal23ls0d.invalid;branch=z9hG4bK776asdhds\r\n"
    "Max-Forwards: 70\r\nTo: Bob <sip:bob@example.com>\r\nFrom: Alice "
    "<sip:alice@example.com>;tag=1928301774\r\n"
    "Call-ID: a84b4c76e66710@pc33.example.com\r\nCSeq: 314159 INVITE\r\n"
    "Contact: <sip:alice@df7jal23ls0d.invalid;transport=ws;ob>\r\nRecord-Route: "
    "<sip:proxy.example.com;transport=ws;lr>\r\n"
    "Allow: INVITE,ACK,CANCEL,BYE,UPDATE,MESSAGE,OPTIONS,REFER,INFO,NOTIFY\r\nSupported: "
    "ice,replaces,outbound\r\n"
    "User-Agent: JsSIP 3.13.8\r\nContent-Type: application/sdp\r\nContent-Length: 426\r\n\r\n"
    "v=0\r\no=- 4858331376372858720 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0\r\n"
    "a=msid-semantic: WMS stream\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126\r\nc=IN "
    "IP4 0.0.0.0\r\n"
    "a=rtcp:9 IN IP4 0.0.0.0\r\na=candidate:1 1 udp 2122260223 192.0.2.10 53791 typ host "
    "generation 0\r\n"
    "a=ice-ufrag:Ab12\r\na=ice-pwd:0123456789abcdef01234567\r\na=fingerprint:sha-256 "
    "AB:CD:EF:01:23:45:67:89\r\n"
    "a=setup:actpass\r\na=mid:0\r\na=sendrecv\r\na=rtcp-mux\r\na=rtpmap:111 opus/48000/2\r\n";

Bytes random_bytes(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  Bytes b(n);
  for (auto& x : b) x = static_cast<std::uint8_t>(rng());
  return b;
}

Bytes masked_frame(const std::string& payload, bool fin = true, std::uint8_t opcode = 1) {
  Bytes f;
  f.push_back(static_cast<std::uint8_t>((fin ? 0x80 : 0) | opcode));
  const std::size_t n = payload.size();
  if (n < 126) {
    f.push_back(static_cast<std::uint8_t>(0x80 | n));
  } else {
    f.push_back(0x80 | 126);
    f.push_back(static_cast<std::uint8_t>(n >> 8));
    f.push_back(static_cast<std::uint8_t>(n));
  }
  const std::uint8_t key[4] = {0x12, 0x34, 0x56, 0x78};
  f.insert(f.end(), key, key + 4);
  for (std::size_t i = 0; i < n; ++i)
    f.push_back(static_cast<std::uint8_t>(payload[i] ^ key[i % 4]));
  return f;
}

void BM_Unmask(benchmark::State& state) {
  const Bytes src = random_bytes(static_cast<std::size_t>(state.range(0)), 1);
  Bytes dst(src.size());
  const std::array<std::uint8_t, 4> key{1, 2, 3, 4};
  for (auto _ : state) {
    sipws::unmask_copy(dst.data(), src.data(), src.size(), key, 1);
    benchmark::DoNotOptimize(dst.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * src.size()));
}
BENCHMARK(BM_Unmask)->Arg(1500)->Arg(64 << 10);

void BM_Utf8(benchmark::State& state) {
  const Bytes text(kInvite.begin(), kInvite.end());
  for (auto _ : state) benchmark::DoNotOptimize(sipws::is_valid_utf8(text));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
}
BENCHMARK(BM_Utf8);

class NullSink final : public sipws::WsMessageSink {
 public:
  void on_ws_message(sipws::WsMessage& m) override { benchmark::DoNotOptimize(m.payload.data()); }
};

void BM_WsAssembly(benchmark::State& state) {
  // Many SIP messages in masked frames, some fragmented, fed in 1448-byte segments.
  Bytes stream;
  for (int i = 0; i < 64; ++i) {
    if (i % 4 == 0) {
      auto a = masked_frame(kInvite.substr(0, 300), false);
      auto b = masked_frame(kInvite.substr(300), true, 0);
      stream.insert(stream.end(), a.begin(), a.end());
      stream.insert(stream.end(), b.begin(), b.end());
    } else {
      auto f = masked_frame(kInvite);
      stream.insert(stream.end(), f.begin(), f.end());
    }
  }
  NullSink sink;
  sipws::FindingCollector findings;
  for (auto _ : state) {
    sipws::WsMessageAssembler a(sipws::Direction::to_server, 0, std::nullopt, sink, findings);
    for (std::size_t at = 0; at < stream.size(); at += 1448) {
      a.on_data(
          sipws::ByteView(stream).subspan(at, std::min<std::size_t>(1448, stream.size() - at)), 1,
          0);
    }
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * stream.size()));
}
BENCHMARK(BM_WsAssembly);

void BM_Inflate(benchmark::State& state) {
  z_stream z{};
  deflateInit2(&z, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY);
  Bytes out(8192);
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(kInvite.data()));
  z.avail_in = static_cast<uInt>(kInvite.size());
  z.next_out = out.data();
  z.avail_out = static_cast<uInt>(out.size());
  deflate(&z, Z_SYNC_FLUSH);
  out.resize(out.size() - z.avail_out - 4);
  deflateEnd(&z);
  std::vector<std::uint8_t> inflated;
  for (auto _ : state) {
    sipws::Inflater inflater(true);
    inflated.clear();
    inflater.inflate_message(out, inflated, 1 << 20);
    benchmark::DoNotOptimize(inflated.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * kInvite.size()));
}
BENCHMARK(BM_Inflate);

void BM_SipParse(benchmark::State& state) {
  sipws::SipMessage m;
  for (auto _ : state) {
    sipws::parse_sip_message(kInvite, m);
    benchmark::DoNotOptimize(m.call_id.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * kInvite.size()));
}
BENCHMARK(BM_SipParse);

class CountingSink final : public sipws::StreamSink {
 public:
  void on_data(sipws::Direction, sipws::ByteView b, std::uint64_t, std::uint64_t,
               sipws::TimeNs) override {
    bytes += b.size();
  }
  void on_gap(sipws::Direction, std::uint64_t, std::uint64_t) override {}
  void on_close(sipws::CloseReason) override {}
  std::uint64_t bytes = 0;
};

void BM_TcpReassembly(benchmark::State& state) {
  // In order, with every 50th pair of segments swapped (as on a busy link).
  const Bytes payload = random_bytes(1400, 2);
  const int segments = 1000;
  CountingSink sink;
  sipws::FindingCollector findings;
  for (auto _ : state) {
    sipws::TcpBufferBudget budget;
    sipws::TcpStreamReassembler r(sipws::Direction::to_server, 0, findings, budget, 1 << 20);
    r.set_sink(&sink);
    sipws::TcpSegment s;
    s.seq = 0xfffff000u;
    s.flags = sipws::tcp_flag::syn;
    r.on_segment(s);
    for (int i = 0; i < segments; ++i) {
      const int k = (i % 50 == 10) ? i + 1 : (i % 50 == 11) ? i - 1 : i;
      s.seq = 0xfffff001u + static_cast<std::uint32_t>(k) * 1400u;
      s.flags = sipws::tcp_flag::ack;
      s.payload = sipws::ByteView(payload);
      s.wire_length = 1400;
      r.on_segment(s);
    }
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * segments * 1400);
}
BENCHMARK(BM_TcpReassembly);

}  // namespace

BENCHMARK_MAIN();
