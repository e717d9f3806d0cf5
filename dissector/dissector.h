#pragma once
// The dissector layer as one object: it observes the flows of a CapturePipeline and turns them
// into SIP messages. Per TCP connection it follows the HTTP upgrade into WebSocket (or frames
// SIP over TCP by Content-Length); per UDP datagram it looks for SIP by content, on any port.

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "capture/batch_handoff.h"
#include "capture/flow_table.h"
#include "dissector/analyzer.h"
#include "dissector/datagram.h"
#include "dissector/sip/sip_record.h"
#include "dissector/sip/sip_stage.h"
#include "dissector/tls/tls_keylog.h"
#include "dissector/websocket/ws_connection.h"
#include "dissector/websocket/ws_message.h"

namespace sipws {

class Dissector final : public FlowObserver, private SipWorkOutlet {
 public:
  Dissector(SipMessageSink& messages, FindingSink& findings, DissectorLimits limits = {});
  ~Dissector() override;

  StreamSink* on_tcp_open(const TcpConnectionInfo& info) override;
  void on_tcp_summary(const TcpConnectionSummary& summary) override;
  void on_udp_datagram(const UdpFlowInfo& flow, const UdpDatagram& datagram) override;
  // A whole message of a message-oriented carrier from the capture layer (SCTP, ...): to the SIP
  // stage with the transport its carrier names; dropped when SIP has no such transport.
  void on_message(const CarriedMessage& message) override;
  // A SIP message that came without a packet around it (a HEP payload): `carrier` says how it
  // travelled. Parsed, checked and numbered by the SIP stage like any other; dropped if not SIP.
  void on_carried_message(const SipCarrier& carrier, ByteView payload);

  // Datagrams that are not SIP, with what they look like (STUN, DTLS, RTP, RTCP, other): what
  // media analysis subscribes to. Called from the reading thread; null: not wanted.
  void set_datagram_observer(DatagramObserver* observer) { datagram_observer_ = observer; }
  // Each WebSocket connection as a whole (handshake, counts, Close frames, TCP end) when its TCP
  // connection ends; from the reading thread. Null: not wanted (and nothing is kept).
  void set_websocket_observer(WsConnectionObserver* observer) {
    websockets_.set_observer(observer);
  }

  const DissectorCounters& counters() const { return counters_; }
  // The TLS secrets TLS connections are decrypted with (--keylog, pcapng secrets blocks).
  TlsKeyLog& key_log() { return key_log_; }

  // With sip_thread: waits until the second thread has done all the work handed to it (call
  // after the pipeline has finished; the sinks are then this thread's again). Else nothing.
  void drain();
  // Where the capture layer and the first half report findings: the sink itself, or, with
  // sip_thread, a sink that puts them in line with the messages for the second thread.
  FindingSink& findings() { return *upstream_findings_; }

 private:
  class QueuedFindings;
  // SipWorkOutlet: an item of the first half, processed at once or queued for the second.
  SipWork& next_work(SipWork::Kind kind) override;
  void submit() override;
  DissectorLimits limits_;
  DissectorCounters counters_;
  TlsKeyLog key_log_;
  // Before the connections: their inflaters give their contexts back to it when they go.
  InflateBudget inflate_budget_;
  SipMessage probe_;
  std::unique_ptr<FindingSink> queued_findings_;
  FindingSink* upstream_findings_ = nullptr;
  WsConnectionLedger websockets_;  // before the connections, whose analyzers point into it
  std::unique_ptr<AnalyzerContext> context_;  // what the analyzers share; refers to the above
  std::map<std::uint64_t, std::unique_ptr<ConnectionChain>> connections_;
  DatagramObserver* datagram_observer_ = nullptr;

  // The second half (touched only by whichever thread runs it).
  SipStage sip_stage_;

  // Handing work over: with one thread, a single item processed at submit; with two, a bounded
  // queue of batches to the worker.
  SipWork inline_work_;
  bool work_open_ = false;  // between next_work and submit
  SipWork* open_work_ = nullptr;
  std::unique_ptr<BatchHandoff<SipWork>> handoff_;  // last: its thread stops first
};

// Collects every record, in completion order.
class SipMessageCollector final : public SipMessageSink {
 public:
  void on_sip_message(SipMessageRecord&& record) override { records.push_back(std::move(record)); }
  std::vector<SipMessageRecord> records;
};

}  // namespace sipws
