#pragma once
// The analyzer chain of a TCP connection. Each protocol is one StreamAnalyzer behind the same
// narrow contract (bytes of one direction in any chunking, gaps, end); a ConnectionChain holds
// the current one, which replaces itself when the stream turns into something else: the
// sniffer installs the HTTP upgrade, SIP-over-TCP framer, TLS or WebSocket analyzer and hands
// it the bytes already seen; the upgrade installs WebSocket at its 101; TLS feeds its plaintext
// to an inner chain that starts with a sniffer of its own. What the units share (where their
// messages and findings go, the limits, the counters) is an AnalyzerContext.

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "capture/bytes.h"
#include "capture/finding.h"
#include "capture/flow_table.h"
#include "dissector/datagram.h"
#include "dissector/sip/sip_record.h"
#include "dissector/websocket/ws_connection.h"
#include "dissector/websocket/ws_message.h"

namespace sipws {

class TlsKeyLog;

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
  // With sip_thread: held by the SIP thread while it processes each batch, so that another
  // thread holding it (the GUI's snapshots) sees calls, messages and findings between batches.
  // The reading thread must not hold it while it feeds or drains (BatchHandoffLimits).
  std::mutex* sip_stage_lock = nullptr;
  // With sip_thread: work the reading thread may do while it waits for the SIP thread
  // (BatchHandoffLimits::producer_idle_work).
  std::function<bool()> reader_idle_work;
};

struct DissectorCounters {
  std::uint64_t websocket_connections = 0;
  std::uint64_t websocket_frames = 0;
  std::uint64_t websocket_messages = 0;
  std::uint64_t websocket_control_frames = 0;
  std::uint64_t sip_tcp_connections = 0;
  std::uint64_t sip_messages = 0;
};

// One step of the dissector's second half (the SIP stage), in the order the first half
// produced it: a message's bytes to parse as SIP with the carrier they came by, or a finding of
// the first half to pass on in its place among the messages' findings. Handing these over in
// order is what keeps the findings and messages of the two-thread dissector in the order of
// the one-thread one. A tagged struct rather than a std::variant so that an item, and the
// buffers of its record, are reused from one message to the next without allocating.
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

// Where analyzers put their messages: take the item to fill for the next one (every field
// reset, buffers kept with their capacity), fill it, hand it over. Nothing may be reported
// between the two calls (a finding is an item too).
class SipWorkOutlet {
 public:
  virtual ~SipWorkOutlet() = default;
  virtual SipWork& next_work(SipWork::Kind kind) = 0;
  virtual void submit() = 0;
};

// What every analyzer of every connection shares; owned by the Dissector.
struct AnalyzerContext {
  SipWorkOutlet& outlet;
  FindingSink& findings;
  const DissectorLimits& limits;
  DissectorCounters& counters;
  InflateBudget& inflate_budget;
  const TlsKeyLog& key_log;
  SipMessage& probe;  // reused for framing probes on SIP over TCP
  // Where media framed on a TCP connection (RFC 4571, ICE-TCP) goes: the dissector's datagram
  // observer, looked up at each packet since it may be set after the context is made.
  DatagramObserver* const& datagram_observer;
  // Each WebSocket connection's summary, for `sipws websocket` (open() is null when unwanted).
  WsConnectionLedger& websockets;

  SipParseOptions sip_options() const {
    SipParseOptions o;
    o.parse_sdp = limits.parse_sdp;
    return o;
  }
};

// The connection as every analyzer of its chain sees it: the part of a message's carrier that
// does not depend on the protocol. `over_tls` says the chain reads what TLS decrypted.
struct ConnectionCarrier {
  TcpConnectionInfo info;
  bool over_tls = false;
  std::uint64_t handshake_last_frame = 0;  // the frame that ended the HTTP upgrade, if any

  // Endpoints, connection and its first frames, for a message sent in `direction`.
  void stamp(SipCarrier& carrier, Direction direction) const {
    const bool up = direction == Direction::to_server;
    carrier.direction = direction;
    carrier.src = up ? info.client : info.server;
    carrier.dst = up ? info.server : info.client;
    carrier.connection = info.index;
    carrier.connection_first_frame = info.first_frame;
    carrier.handshake_last_frame = handshake_last_frame;
  }
};

class StreamAnalyzer {
 public:
  virtual ~StreamAnalyzer() = default;
  // Bytes of one direction, in order; `frame` made them deliverable. Valid during the call.
  virtual void on_data(Direction direction, ByteView bytes, std::uint64_t frame,
                       TimeNs timestamp) = 0;
  // `length` bytes of one direction will never arrive.
  virtual void on_gap(Direction direction, std::uint64_t length) = 0;
  // Nothing more comes: release what is held (zlib windows, buffers).
  virtual void on_end() = 0;
};

// The current analyzer of one connection (or of the plaintext inside a TLS connection). An
// analyzer that replaces itself stays alive until the call that replaced it has returned to
// the chain, so that it can hand its bytes to its successor from inside its own on_data.
class ConnectionChain final : public StreamSink {
 public:
  ConnectionChain() = default;
  explicit ConnectionChain(std::unique_ptr<StreamAnalyzer> first) : current_(std::move(first)) {}

  // Null: the rest of the connection is not followed.
  void replace(std::unique_ptr<StreamAnalyzer> next) {
    retired_.push_back(std::move(current_));
    current_ = std::move(next);
  }
  StreamAnalyzer* current() { return current_.get(); }

  // StreamSink (offsets are the capture layer's business: analyzers see bytes in order).
  void on_data(Direction direction, ByteView bytes, std::uint64_t, std::uint64_t frame,
               TimeNs timestamp) override {
    if (current_) current_->on_data(direction, bytes, frame, timestamp);
    retired_.clear();
  }
  void on_gap(Direction direction, std::uint64_t, std::uint64_t length) override {
    if (current_) current_->on_gap(direction, length);
    retired_.clear();
  }
  void on_close(CloseReason) override { end(); }
  void end() {
    if (current_) current_->on_end();
    current_.reset();
    retired_.clear();
  }

 private:
  std::unique_ptr<StreamAnalyzer> current_;
  std::vector<std::unique_ptr<StreamAnalyzer>> retired_;
};

}  // namespace sipws
