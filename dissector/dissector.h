#pragma once
// The dissector layer as one object: it observes the flows of a CapturePipeline and turns them
// into SIP messages. Per TCP connection it follows the HTTP upgrade into WebSocket (or frames
// SIP over TCP by Content-Length); per UDP datagram it looks for SIP by content, on any port.

#include <map>
#include <memory>
#include <string>

#include "capture/flow_table.h"
#include "dissector/sip_record.h"
#include "dissector/tls_keylog.h"
#include "dissector/ws_message.h"

namespace sipws {

struct DissectorLimits {
  WsLimits websocket;
  std::size_t max_sip_stream_buffer = 1u << 20;  // SIP over TCP: bytes awaiting framing
  std::string tls_key_log;  // a key log file (SSLKEYLOGFILE format) to decrypt TLS with
  bool parse_sdp = true;    // false when nothing will look at SipMessage::sdp
  // Keep each WebSocket message's frame headers and compressed bytes in its record (the GUI's
  // frame view); the command line does without them.
  bool keep_ws_frames = true;
};

struct DissectorCounters {
  std::uint64_t websocket_connections = 0;
  std::uint64_t websocket_frames = 0;
  std::uint64_t websocket_messages = 0;
  std::uint64_t websocket_control_frames = 0;
  std::uint64_t sip_tcp_connections = 0;
  std::uint64_t sip_messages = 0;
};

class Dissector final : public FlowObserver {
 public:
  Dissector(SipMessageSink& messages, FindingSink& findings, DissectorLimits limits = {});
  ~Dissector() override;

  StreamSink* on_tcp_open(const TcpConnectionInfo& info) override;
  void on_tcp_summary(const TcpConnectionSummary& summary) override;
  void on_udp_datagram(const UdpFlowInfo& flow, const UdpDatagram& datagram) override;

  const DissectorCounters& counters() const { return counters_; }
  // The TLS secrets TLS connections are decrypted with (--keylog, pcapng secrets blocks).
  TlsKeyLog& key_log() { return key_log_; }

  // Used by the connection analyzers.
  // The record to fill for the next message: one kept by the dissector and handed to the sink
  // by rvalue reference. A sink that keeps messages moves it away; one that only reads it (the
  // `messages` listing) leaves it, and the next message reuses its buffers: no allocation.
  SipMessageRecord& fresh_record();
  // A SipMessage for framing probes on SIP over TCP, reused the same way.
  SipMessage& probe_message() { return probe_; }
  void emit(SipMessageRecord&& record);
  FindingSink& findings() { return findings_; }
  const DissectorLimits& limits() const { return limits_; }
  SipParseOptions sip_options() const {
    SipParseOptions o;
    o.parse_sdp = limits_.parse_sdp;
    return o;
  }
  DissectorCounters& mutable_counters() { return counters_; }

 private:
  class TcpConnectionAnalyzer;
  SipMessageSink& messages_;
  FindingSink& findings_;
  DissectorLimits limits_;
  DissectorCounters counters_;
  TlsKeyLog key_log_;
  std::map<std::uint64_t, std::unique_ptr<TcpConnectionAnalyzer>> connections_;
  std::uint64_t next_index_ = 0;
  SipMessageRecord scratch_;
  SipMessage probe_;
};

// Collects every record, in completion order.
class SipMessageCollector final : public SipMessageSink {
 public:
  void on_sip_message(SipMessageRecord&& record) override { records.push_back(std::move(record)); }
  std::vector<SipMessageRecord> records;
};

}  // namespace sipws
