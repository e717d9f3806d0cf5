#pragma once
// All TCP connections and UDP flows of one analysis: finds the flow of each decoded packet,
// feeds TCP segments to the two reassemblers of a connection, and tells a FlowObserver what
// opened, what was received and how each flow ended. Memory is bounded by FlowLimits; running
// into a limit ends a flow with a stated reason and a finding, never silently.

#include <array>
#include <cstdint>
#include <deque>
#include <list>
#include <memory>
#include <unordered_map>
#include <vector>

#include "capture/finding.h"
#include "capture/flow_key.h"
#include "capture/packet_decoder.h"
#include "capture/stream_sink.h"
#include "capture/tcp_reassembler.h"

namespace sipws {

struct FlowLimits {
  std::size_t max_tcp_connections = 1'000'000;
  std::size_t max_udp_flows = 1'000'000;
  std::size_t max_buffered_bytes_per_direction = 8u << 20;
  std::size_t max_buffered_bytes_total = 256u << 20;
  TimeNs acked_hole_grace = TcpStreamReassembler::kDefaultAckedHoleGrace;
  // 0 disables a timeout. SIP over WebSocket connections idle long between keep-alives; a UDP
  // flow holds only counters, so the flow limit alone bounds its memory (and tshark's udp.stream
  // numbering, which never times out, stays comparable).
  TimeNs tcp_idle_timeout = 3600 * 1'000'000'000LL;
  TimeNs udp_idle_timeout = 0;
  // A closed connection lingers this long (capture time; Linux's TIME_WAIT) to take the late
  // ACKs and retransmissions that follow a close, then leaves the table: on a capture of hours
  // the table holds the connections that are open, not every one there ever was.
  TimeNs tcp_closed_linger = 60 * 1'000'000'000LL;
};

struct TcpConnectionInfo {
  std::uint64_t index = 0;  // 0-based, in order of first packet, like tshark's tcp.stream
  Endpoint client;          // sent the SYN (or, mid-stream, the likelier client by port)
  Endpoint server;
  std::uint64_t first_frame = 0;
  TimeNs first_seen = 0;
  bool handshake_seen = false;  // the client's SYN was captured
};

struct TcpConnectionSummary {
  TcpConnectionInfo info;
  CloseReason reason = CloseReason::end_of_capture;
  std::uint64_t last_frame = 0;
  TimeNs last_seen = 0;
  std::array<std::uint64_t, 2> packets{};  // indexed by Direction
  std::array<TcpDirectionStats, 2> stats{};
  std::array<bool, 2> fin{};
};

struct UdpFlowInfo {
  std::uint64_t index = 0;  // 0-based, like tshark's udp.stream
  Endpoint client;          // the first sender
  Endpoint server;
  std::uint64_t first_frame = 0;
  TimeNs first_seen = 0;
};

struct UdpFlowSummary {
  UdpFlowInfo info;
  std::uint64_t last_frame = 0;
  TimeNs last_seen = 0;
  std::array<std::uint64_t, 2> packets{};
  std::array<std::uint64_t, 2> bytes{};  // payload bytes as captured
};

struct UdpDatagram {
  Direction direction = Direction::none;
  ByteView payload;  // as captured; valid only during the call
  std::uint64_t frame = 0;
  std::uint64_t first_frame = 0;  // the first IP fragment's frame when it was fragmented
  TimeNs timestamp = 0;
};

// A whole message of a message-oriented carrier (an SCTP user message, ...), with the
// endpoints it travelled between. `transport` names the carrier as SIP does in a Via ("sctp"):
// the dissector hands the message to its SIP stage with that transport.
struct CarriedMessage {
  std::string_view transport;
  Endpoint src;
  Endpoint dst;
  Direction direction = Direction::none;
  std::uint64_t flow = 0;  // the carrier's association or stream index
  std::uint64_t frame = 0;
  std::uint64_t first_frame = 0;
  TimeNs timestamp = 0;
  ByteView payload;  // valid only during the call
};

class FlowObserver {
 public:
  virtual ~FlowObserver() = default;
  // A connection appeared. Return the sink for its bytes (owned by the observer, which must
  // keep it alive until its on_close), or null to ignore them.
  virtual StreamSink* on_tcp_open(const TcpConnectionInfo& info) = 0;
  // The connection's final figures, once it has left the table (after its sink's on_close; a
  // closed connection stays to absorb late packets until a new SYN, a timeout, eviction or the
  // end of the capture removes it).
  virtual void on_tcp_summary(const TcpConnectionSummary&) {}
  virtual void on_udp_datagram(const UdpFlowInfo& flow, const UdpDatagram& datagram) = 0;
  virtual void on_udp_summary(const UdpFlowSummary&) {}
  // Carriers that deliver whole messages (a new one needs no new callback).
  virtual void on_message(const CarriedMessage&) {}
};

struct FlowCounters {
  std::uint64_t tcp_connections = 0;
  std::uint64_t udp_flows = 0;
  std::uint64_t tcp_packets_after_close = 0;
};

class FlowTable {
 public:
  FlowTable(FlowObserver& observer, FindingSink& findings, FlowLimits limits = {});
  ~FlowTable();
  FlowTable(const FlowTable&) = delete;
  FlowTable& operator=(const FlowTable&) = delete;

  void on_packet(const DecodedPacket& packet);
  // End of capture: every open flow is closed (in index order, so output is deterministic).
  void finish();

  const FlowCounters& counters() const { return counters_; }
  std::size_t open_tcp_connections() const { return tcp_.size(); }
  std::size_t buffered_bytes() const { return budget_.used; }

 private:
  struct TcpConnection;
  struct UdpFlow;

  // A hash map of flows plus a recency list, so the least recently active flow is found in O(1)
  // for idle timeouts and for eviction at the limit.
  template <class Flow>
  class FlowMap {
   public:
    Flow* find(const FlowKey& key) {
      auto it = map_.find(key);
      return it == map_.end() ? nullptr : it->second.get();
    }
    Flow* insert(std::unique_ptr<Flow> flow) {
      Flow* raw = flow.get();
      raw->recency = recency_.insert(recency_.end(), raw);
      map_.emplace(raw->key, std::move(flow));
      return raw;
    }
    void touch(Flow* flow) { recency_.splice(recency_.end(), recency_, flow->recency); }
    Flow* least_recent() const { return recency_.empty() ? nullptr : recency_.front(); }
    void erase(Flow* flow) {
      recency_.erase(flow->recency);
      map_.erase(flow->key);
    }
    std::size_t size() const { return map_.size(); }
    std::vector<Flow*> all() const { return {recency_.begin(), recency_.end()}; }

   private:
    std::unordered_map<FlowKey, std::unique_ptr<Flow>, FlowKeyHash> map_;
    std::list<Flow*> recency_;  // least recently active first
  };

  void on_tcp(const DecodedPacket& packet);
  void on_udp(const DecodedPacket& packet);
  TcpConnection* open_tcp(const FlowKey& key, const DecodedPacket& packet);
  void close_tcp(TcpConnection& connection, CloseReason reason, std::uint64_t frame,
                 TimeNs timestamp);
  void retire_tcp(TcpConnection& connection);
  void close_udp(UdpFlow& flow);
  void expire(TimeNs now);

  // Closed connections in the order they closed, to retire after the linger (by key and index:
  // the entry may have left or been replaced by then).
  struct Closed {
    FlowKey key;
    std::uint64_t index;
    TimeNs at;
  };
  std::deque<Closed> closed_;

  FlowObserver& observer_;
  FindingSink& findings_;
  FlowLimits limits_;
  TcpBufferBudget budget_;
  FlowMap<TcpConnection> tcp_;
  FlowMap<UdpFlow> udp_;
  std::unique_ptr<class SctpReassembler> sctp_;  // made at the first SCTP packet
  std::uint64_t next_tcp_index_ = 0;
  std::uint64_t next_udp_index_ = 0;
  TimeNs now_ = 0;
  FlowCounters counters_;
};

}  // namespace sipws
