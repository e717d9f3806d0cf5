// libFuzzer target: the whole pipeline from capture-file bytes (pcap or pcapng, maybe gzip):
// capture layer, dissector, call model and every conformance rule. Differential too: the same
// bytes analysed with the SIP half on a second thread must give the same messages, calls and
// findings in the same order, or the target traps.
#include <sys/mman.h>
#include <unistd.h>

#include <memory>

#include "session/analysis.h"
#include "session/live_analysis.h"

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

std::unique_ptr<sipws::Analysis> analyse(const std::string& path, bool sip_thread) {
  using namespace sipws;
  std::string error;
  auto file = CaptureFile::open(path, error);
  if (!file) return nullptr;
  AnalysisLimits limits;
  limits.capture.flows.max_tcp_connections = 64;
  limits.capture.flows.max_buffered_bytes_total = 1u << 20;
  limits.dissector.sip_thread = sip_thread;
  limits.keep_records = false;
  auto analysis = std::make_unique<Analysis>(limits);
  analysis->read(*file);
  return analysis;
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
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (x[i].frame != y[i].frame || x[i].from_hash != y[i].from_hash ||
        x[i].top_via_hash != y[i].top_via_hash)
      __builtin_trap();
  }
  if (one->store().calls().size() != two->store().calls().size()) __builtin_trap();
  for (std::size_t i = 0; i < one->store().calls().size(); ++i) {
    if (one->store().calls()[i].state != two->store().calls()[i].state) __builtin_trap();
  }
  return 0;
}
