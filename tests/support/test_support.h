#pragma once
// Shared helpers for the test suites: sinks that record what the capture layer delivers, and
// builders for hand-made packets. Hand-built bytes are for edge cases only; behaviour on real
// traffic is tested on the captures in samples/ and ../shared/corpus/.

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "capture/capture_pipeline.h"

namespace sipws::test {

using Bytes = std::vector<std::uint8_t>;

// Records one connection's delivery and checks the contract as it goes: offsets contiguous per
// direction, nothing after close.
class RecordingSink final : public StreamSink {
 public:
  struct Event {
    enum Kind { data, gap } kind;
    std::uint64_t offset;
    std::uint64_t length;
    std::uint64_t frame;
  };
  void on_data(Direction direction, ByteView bytes, std::uint64_t offset, std::uint64_t frame,
               TimeNs timestamp) override;
  void on_gap(Direction direction, std::uint64_t offset, std::uint64_t length) override;
  void on_close(CloseReason reason) override;

  Bytes bytes[2];  // delivered data per direction (gaps not filled in)
  std::vector<Event> events[2];
  std::uint64_t next[2] = {0, 0};
  std::uint64_t gap_bytes[2] = {0, 0};
  bool closed = false;
  CloseReason reason = CloseReason::end_of_capture;
  std::vector<std::string> contract_violations;
};

class RecordingObserver final : public FlowObserver {
 public:
  StreamSink* on_tcp_open(const TcpConnectionInfo& info) override;
  void on_tcp_summary(const TcpConnectionSummary& summary) override;
  void on_udp_datagram(const UdpFlowInfo& flow, const UdpDatagram& datagram) override;
  void on_udp_summary(const UdpFlowSummary& summary) override;

  std::vector<TcpConnectionInfo> opened;
  std::map<std::uint64_t, std::unique_ptr<RecordingSink>> sinks;  // by connection index
  std::map<std::uint64_t, TcpConnectionSummary> tcp;
  std::map<std::uint64_t, UdpFlowSummary> udp;
  std::vector<std::pair<std::uint64_t, Bytes>> datagrams;  // (udp flow index, payload)
};

struct FileAnalysis {
  RecordingObserver flows;
  FindingCollector findings;
  ReadSummary read;
  DecodeCounters decode;
};
// Opens and analyses a capture; fails the current test if it cannot be opened.
std::unique_ptr<FileAnalysis> analyse_file(const std::string& path, CaptureLimits limits = {});

// Paths
std::string samples_dir();
std::string corpus_dir();  // ../shared/corpus
std::string temp_dir();    // a scratch folder for this test binary
std::vector<std::string> list_files(const std::string& dir, const std::string& suffix = "");
std::string read_file(const std::string& path);
void write_file(const std::string& path, const std::string& content);
// Runs a shell command, returning its standard output and setting `status` to its exit code.
std::string run_command(const std::string& command, int& status);
bool have_program(const std::string& name);

// An IPv4 endpoint from text, e.g. endpoint("192.0.2.1", 5060).
Endpoint endpoint(const char* ip, std::uint16_t port);

// ---- hand-built packets (unit-test vectors) ----
Bytes ipv4_header(const std::string& src, const std::string& dst, std::uint8_t protocol,
                  std::size_t payload_length, std::uint16_t id = 1, std::uint16_t fragment = 0);
Bytes ipv6_header(const std::string& src, const std::string& dst, std::uint8_t next_header,
                  std::size_t payload_length);
Bytes udp_header(std::uint16_t sport, std::uint16_t dport, std::size_t payload_length);
Bytes tcp_header(std::uint16_t sport, std::uint16_t dport, std::uint32_t seq, std::uint32_t ack,
                 std::uint8_t flags);
Bytes ethernet_header(std::uint16_t ethertype);
Bytes concat(std::initializer_list<Bytes> parts);
Bytes text_bytes(const std::string& text);

}  // namespace sipws::test
