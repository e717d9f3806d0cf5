#pragma once
// `sipws connections`: every TCP connection and UDP flow of a capture with its figures.

#include <cstdio>
#include <string>
#include <vector>

#include "capture/capture_pipeline.h"
#include "cli/output.h"

namespace sipws::cli {

// Collects the final figures of every flow; consumes no bytes.
class ConnectionCollector final : public FlowObserver {
 public:
  StreamSink* on_tcp_open(const TcpConnectionInfo&) override { return nullptr; }
  void on_tcp_summary(const TcpConnectionSummary& summary) override { tcp.push_back(summary); }
  void on_udp_datagram(const UdpFlowInfo&, const UdpDatagram&) override {}
  void on_udp_summary(const UdpFlowSummary& summary) override { udp.push_back(summary); }

  std::vector<TcpConnectionSummary> tcp;
  std::vector<UdpFlowSummary> udp;
};

void print_connections(std::FILE* out, OutputFormat format, ConnectionCollector& flows);

}  // namespace sipws::cli
