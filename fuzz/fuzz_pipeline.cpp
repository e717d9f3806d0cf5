// libFuzzer target: the whole pipeline from capture-file bytes (pcap or pcapng, maybe gzip):
// capture layer, dissector, call model and every conformance rule. Differential too: the same
// bytes analysed with the SIP half on a second thread must give the same messages, calls and
// findings in the same order, or the target traps.
#include <sys/mman.h>
#include <unistd.h>

#include <memory>

#include "session/analysis.h"
#include "session/live_analysis.h"
#include "session/websocket_fields.h"

namespace {

// Counts the datagrams the dissector classifies as not SIP (STUN, DTLS, RTP, RTCP, other).
struct Classified final : sipws::DatagramObserver {
  void on_datagram(const sipws::UdpFlowInfo&, const sipws::UdpDatagram& d,
                   sipws::DatagramKind kind) override {
    if (kind == sipws::DatagramKind::sip) __builtin_trap();  // SIP goes to the SIP stage
    bytes += d.payload.size();
  }
  std::size_t bytes = 0;
};

// The same bytes through the live pipeline (bounded calls, the rules as calls leave, a small
// cap so that evictions happen), as `live` and `listen` run it.
void analyse_live(const std::string& path) {
  using namespace sipws;
  std::string error;
  auto file = CaptureFile::open(path, error);
  if (!file) return;
  AnalysisLimits limits;
  limits.capture.flows.max_tcp_connections = 64;
  limits.capture.flows.max_buffered_bytes_total = 1u << 20;
  limits.live_calls.max_calls = 4;
  limits.live_calls.linger = 1'000'000'000;
  FindingCollector findings;
  Classified classified;
  LiveAnalysis live(limits, findings);
  live.set_datagram_observer(&classified);
  RawPacket packet;
  while (file->next(packet) == ReadStatus::packet) live.on_packet(packet);
  live.finish();
  if (live.calls().live() != 0) __builtin_trap();  // finish() lets every call go
}

// An analysis with `sipws websocket`'s report on it (connection summaries and registrations).
struct Analysed {
  std::unique_ptr<sipws::WebSocketReport> websockets = std::make_unique<sipws::WebSocketReport>();
  std::unique_ptr<sipws::Analysis> analysis;
  explicit operator bool() const { return analysis != nullptr; }
  sipws::Analysis* operator->() const { return analysis.get(); }
};

Analysed analyse(const std::string& path, bool sip_thread) {
  using namespace sipws;
  Analysed out;
  std::string error;
  auto file = CaptureFile::open(path, error);
  if (!file) return out;
  AnalysisLimits limits;
  limits.capture.flows.max_tcp_connections = 64;
  limits.capture.flows.max_buffered_bytes_total = 1u << 20;
  limits.dissector.sip_thread = sip_thread;
  // The two-thread analysis keeps its messages compressed, and reads each back below.
  limits.keep_records = sip_thread;
  limits.compress_records = true;
  limits.media_limits.timelines = sip_thread;  // as the GUI reads a capture
  out.analysis = std::make_unique<Analysis>(limits);
  out.analysis->set_websocket_observer(out.websockets.get());
  WebSocketReport* report = out.websockets.get();
  out.analysis->set_message_tap([report](const SipMessageRecord& r) { report->on_message(r); });
  out.analysis->read(*file);
  out.websockets->finish();
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace sipws;
  // An in-memory file, opened by path like any capture.
  const int fd = memfd_create("capture", 0);
  if (fd < 0) return 0;
  if (write(fd, data, size) != static_cast<ssize_t>(size)) {
    close(fd);
    return 0;
  }
  const std::string path = "/proc/self/fd/" + std::to_string(fd);
  const auto one = analyse(path, false);
  const auto two = analyse(path, true);
  analyse_live(path);
  close(fd);
  if (!one || !two) {
    if (one || two) __builtin_trap();  // opened once and not the other time
    return 0;
  }
  TimeColumn time(TimeStyle::delta);
  const auto& a = one->findings();
  const auto& b = two->findings();
  if (a.size() != b.size()) __builtin_trap();
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].id != b[i].id || a[i].frame != b[i].frame || a[i].connection != b[i].connection ||
        a[i].message != b[i].message || a[i].detail != b[i].detail)
      __builtin_trap();
  }
  const auto& x = one->store().summaries();
  const auto& y = two->store().summaries();
  if (x.size() != y.size()) __builtin_trap();
  for (std::size_t i = 0; i < y.size(); ++i) {
    const RecordRef kept = two->store().record(i);
    if (!kept || kept->frame != y[i].frame || kept->index != y[i].index) __builtin_trap();
  }
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (x[i].frame != y[i].frame || x[i].from_hash != y[i].from_hash ||
        x[i].top_via_hash != y[i].top_via_hash)
      __builtin_trap();
  }
  if (one->store().calls().size() != two->store().calls().size()) __builtin_trap();
  const auto& ws_one = one.websockets->connections();
  const auto& ws_two = two.websockets->connections();
  if (ws_one.size() != ws_two.size()) __builtin_trap();
  for (std::size_t i = 0; i < ws_one.size(); ++i) {
    if (ws_one[i].frames != ws_two[i].frames || ws_one[i].messages != ws_two[i].messages ||
        one.websockets->registrations_of(ws_one[i].connection).size() !=
            two.websockets->registrations_of(ws_two[i].connection).size())
      __builtin_trap();
    for (const std::string& line : websocket_text_lines(
             {&ws_one[i], one.websockets->registrations_of(ws_one[i].connection)}, time)) {
      if (line.empty()) __builtin_trap();
    }
  }
  for (std::size_t i = 0; i < one->store().calls().size(); ++i) {
    if (one->store().calls()[i].state != two->store().calls()[i].state) __builtin_trap();
  }
  return 0;
}
