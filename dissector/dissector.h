#pragma once
// The dissector layer as one object: it observes the flows of a CapturePipeline and turns them
// into SIP messages. Per TCP connection it follows the HTTP upgrade into WebSocket (or frames
// SIP over TCP by Content-Length); per UDP datagram it looks for SIP by content, on any port.

#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include "capture/flow_table.h"
#include "dissector/sip/sip_record.h"
#include "dissector/tls/tls_keylog.h"
#include "dissector/websocket/ws_message.h"

namespace sipws {

struct DissectorLimits {
  WsLimits websocket;
  std::size_t max_sip_stream_buffer = 1u << 20;  // SIP over TCP: bytes awaiting framing
  std::string tls_key_log;  // a key log file (SSLKEYLOGFILE format) to decrypt TLS with
  bool parse_sdp = true;    // false when nothing will look at SipMessage::sdp
  // Keep each WebSocket message's frame headers and compressed bytes in its record (the GUI's
  // frame view); the command line does without them.
  bool keep_ws_frames = true;
  // Parse SIP and feed the message sink on a second thread while this one reads, reassembles,
  // unmasks and inflates. Results, and their order, are those of one thread (see SipWork); the
  // sinks are then called from that thread until drain().
  bool sip_thread = false;
};

// One step of the dissector's second half, in the order the first half produced it: a message's
// bytes to parse as SIP (with where it came from), or a finding of the first half to pass on
// in its place among the messages' findings. Handing these over in order is what keeps the
// findings and messages of the two-thread dissector in the order of the one-thread one.
struct SipWork {
  enum class Kind : std::uint8_t {
    websocket_message,  // record.bytes: a whole WebSocket message (one SIP message, or more)
    stream_message,     // record.bytes: one SIP message framed on TCP or TLS
    datagram,           // record.bytes: a UDP payload that looks like SIP
    finding,            // `finding`, from the capture layer or the first half of the dissector
    connection_end,     // record.connection has ended (its per-connection state may go)
  };
  Kind kind = Kind::datagram;
  SipMessageRecord record;  // all but `index` and `sip` filled in by the first half
  SipParseOptions options;
  bool sip_subprotocol = false;  // websocket: the handshake negotiated "sip"
  std::string subprotocol;       // websocket: what the handshake negotiated, if anything
  Finding finding{FindingId{}};
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

  // With sip_thread: waits until the second thread has done all the work handed to it (call
  // after the pipeline has finished; the sinks are then this thread's again). Else nothing.
  void drain();
  // Where the capture layer and the first half report findings: the sink itself, or, with
  // sip_thread, a sink that puts them in line with the messages for the second thread.
  FindingSink& findings() { return *upstream_findings_; }

  // Used by the connection analyzers.
  // The work item to fill for the next message (a fresh one: every field reset, buffers kept
  // with their capacity, so that a message costs no allocation), then hand it over with submit.
  SipWork& next_work(SipWork::Kind kind);
  void submit();
  // A SipMessage for framing probes on SIP over TCP, reused the same way.
  SipMessage& probe_message() { return probe_; }
  const DissectorLimits& limits() const { return limits_; }
  SipParseOptions sip_options() const {
    SipParseOptions o;
    o.parse_sdp = limits_.parse_sdp;
    return o;
  }
  DissectorCounters& mutable_counters() { return counters_; }
  InflateBudget& inflate_budget() { return inflate_budget_; }

 private:
  class TcpConnectionAnalyzer;
  class QueuedFindings;
  // The second half: parse, check, number and hand on one work item.
  void process(SipWork& work);
  void process_websocket(SipWork& work);
  void emit(SipMessageRecord& record, const SipWork& work);
  void report(const SipMessageRecord& record, FindingId id, std::string detail);
  void run_worker();

  SipMessageSink& messages_;
  FindingSink& findings_;
  DissectorLimits limits_;
  DissectorCounters counters_;
  TlsKeyLog key_log_;
  // Before the connections: their inflaters give their contexts back to it when they go.
  InflateBudget inflate_budget_;
  std::map<std::uint64_t, std::unique_ptr<TcpConnectionAnalyzer>> connections_;
  SipMessage probe_;

  // Second half's own state (touched only by whichever thread runs it).
  std::uint64_t next_index_ = 0;
  std::unordered_set<std::uint64_t> subprotocol_checked_;  // open connections already checked
  // A WebSocket message that holds more than one SIP message: the rest of its text, where it
  // came from, and the record each further message is parsed into.
  std::vector<char> rest_;
  SipMessageRecord rest_carrier_;
  SipMessageRecord rest_record_;

  // Handing work over. One thread: a single item, processed at submit. Two: batches of items
  // go to the worker through a bounded queue and come back empty for reuse (their buffers with
  // them), so that memory stays bounded and steady.
  struct Batch {
    std::vector<SipWork> items;
    std::size_t used = 0;
    std::size_t bytes = 0;  // of the messages in it
  };
  SipWork inline_work_;
  bool work_open_ = false;  // between next_work and submit
  std::unique_ptr<FindingSink> queued_findings_;
  FindingSink* upstream_findings_ = nullptr;
  Batch* filling_ = nullptr;
  std::vector<std::unique_ptr<Batch>> batches_;
  std::mutex queue_mutex_;
  std::condition_variable queue_changed_;
  std::deque<Batch*> full_;    // waiting for the worker, in order
  std::vector<Batch*> empty_;  // back from the worker
  std::size_t in_flight_ = 0;  // batches handed over and not yet back
  bool stopping_ = false;
  std::thread worker_;
};

// Collects every record, in completion order.
class SipMessageCollector final : public SipMessageSink {
 public:
  void on_sip_message(SipMessageRecord&& record) override { records.push_back(std::move(record)); }
  std::vector<SipMessageRecord> records;
};

}  // namespace sipws
