#include "capture/flow_table.h"

#include <algorithm>

#include "capture/sctp/sctp_reassembler.h"

namespace sipws {

struct FlowTable::TcpConnection {
  TcpConnection(const FlowKey& k, const TcpConnectionInfo& i, FindingSink& findings,
                TcpBufferBudget& budget, const FlowLimits& limits)
      : key(k),
        info(i),
        streams{
            TcpStreamReassembler(Direction::to_server, i.index, findings, budget,
                                 limits.max_buffered_bytes_per_direction, limits.acked_hole_grace),
            TcpStreamReassembler(Direction::to_client, i.index, findings, budget,
                                 limits.max_buffered_bytes_per_direction,
                                 limits.acked_hole_grace)} {}

  FlowKey key;
  TcpConnectionInfo info;
  TcpStreamReassembler streams[2];  // indexed by Direction
  StreamSink* sink = nullptr;
  std::list<TcpConnection*>::iterator recency;
  std::array<std::uint64_t, 2> packets{};
  std::uint64_t last_frame = 0;
  TimeNs last_seen = 0;
  // A closed connection stays as a tombstone so that late ACKs and retransmissions are not
  // mistaken for a new connection; a fresh SYN replaces it.
  bool closed = false;
  CloseReason close_reason = CloseReason::end_of_capture;
};

struct FlowTable::UdpFlow {
  FlowKey key;
  UdpFlowSummary summary;
  std::list<UdpFlow*>::iterator recency;
};

FlowTable::FlowTable(FlowObserver& observer, FindingSink& findings, FlowLimits limits)
    : observer_(observer), findings_(findings), limits_(limits) {
  budget_.limit = limits_.max_buffered_bytes_total;
}

FlowTable::~FlowTable() = default;

void FlowTable::on_packet(const DecodedPacket& packet) {
  if (packet.timestamp > now_) {
    now_ = packet.timestamp;
    expire(now_);
  }
  if (packet.transport == Transport::tcp) {
    on_tcp(packet);
  } else if (packet.transport == Transport::sctp) {
    if (!sctp_) sctp_ = std::make_unique<SctpReassembler>(observer_, findings_);
    sctp_->on_packet(packet);
  } else {
    on_udp(packet);
  }
}

FlowTable::TcpConnection* FlowTable::open_tcp(const FlowKey& key, const DecodedPacket& p) {
  // (A table of 0 connections has nothing to end: the limits table refuses 0 anyway.)
  if (tcp_.size() >= limits_.max_tcp_connections && tcp_.least_recent() != nullptr) {
    TcpConnection* victim = tcp_.least_recent();
    if (!victim->closed) {
      Finding f{FindingId::limit_tcp_connections};
      f.frame = p.frame_number;
      f.connection = victim->info.index;
      f.detail = "more than " + std::to_string(limits_.max_tcp_connections) +
                 " connections tracked; the least recently active was ended";
      findings_.report(std::move(f));
      close_tcp(*victim, CloseReason::limit_connections, p.frame_number, p.timestamp);
    }
    retire_tcp(*victim);
  }
  const bool syn = (p.flags & tcp_flag::syn) != 0;
  const bool ack = (p.flags & tcp_flag::ack) != 0;
  bool sender_is_client;
  if (syn) {
    sender_is_client = !ack;  // SYN from the client, SYN+ACK from the server
  } else {
    // First seen mid-stream: servers usually listen on the lower port.
    sender_is_client = p.src.port >= p.dst.port;
  }
  TcpConnectionInfo info;
  info.index = next_tcp_index_++;
  info.client = sender_is_client ? p.src : p.dst;
  info.server = sender_is_client ? p.dst : p.src;
  info.first_frame = p.frame_number;
  info.first_seen = p.timestamp;
  info.handshake_seen = syn && !ack;
  auto connection = std::make_unique<TcpConnection>(key, info, findings_, budget_, limits_);
  TcpConnection* c = tcp_.insert(std::move(connection));
  ++counters_.tcp_connections;
  c->sink = observer_.on_tcp_open(c->info);
  for (auto& s : c->streams) s.set_sink(c->sink);
  if (!syn) {
    Finding f{FindingId::tcp_midstream};
    f.frame = p.frame_number;
    f.connection = info.index;
    f.detail = info.client.to_string() + " -> " + info.server.to_string();
    findings_.report(std::move(f));
  }
  return c;
}

void FlowTable::on_tcp(const DecodedPacket& p) {
  bool src_is_low = false;
  const FlowKey key = FlowKey::of(p.src, p.dst, Transport::tcp, src_is_low);
  const bool syn_only = (p.flags & (tcp_flag::syn | tcp_flag::ack)) == tcp_flag::syn;
  TcpConnection* c = tcp_.find(key);
  if (c != nullptr && syn_only) {
    const TcpStreamReassembler& client = c->streams[0];
    const bool same_syn =
        p.src == c->info.client && client.saw_syn() && client.initial_data_seq() == p.seq + 1;
    if (!same_syn) {  // a new connection on the same 4-tuple
      if (!c->closed) close_tcp(*c, CloseReason::reused, p.frame_number, p.timestamp);
      retire_tcp(*c);
      c = nullptr;
    }
  }
  if (c == nullptr) c = open_tcp(key, p);
  tcp_.touch(c);
  c->last_seen = p.timestamp;
  c->last_frame = p.frame_number;
  const auto dir = p.src == c->info.client ? Direction::to_server : Direction::to_client;
  const auto d = static_cast<std::size_t>(dir);
  ++c->packets[d];
  if (c->closed) {
    ++counters_.tcp_packets_after_close;
    return;
  }
  if (p.flags & tcp_flag::rst) {
    close_tcp(*c, CloseReason::rst, p.frame_number, p.timestamp);
    return;
  }
  TcpSegment segment;
  segment.seq = p.seq;
  segment.flags = p.flags;
  segment.payload = p.payload;
  segment.wire_length = p.wire_payload_length;
  segment.frame = p.frame_number;
  segment.timestamp = p.timestamp;
  const auto outcome = c->streams[d].on_segment(segment);
  if (outcome != TcpStreamReassembler::Outcome::ok) {
    const bool per_direction = outcome == TcpStreamReassembler::Outcome::limit_direction;
    Finding f{per_direction ? FindingId::limit_tcp_buffer_direction
                            : FindingId::limit_tcp_buffer_total};
    f.frame = p.frame_number;
    f.connection = c->info.index;
    f.direction = dir;
    f.detail = "more than " +
               std::to_string(per_direction ? limits_.max_buffered_bytes_per_direction
                                            : limits_.max_buffered_bytes_total) +
               " out-of-order bytes buffered; the connection was ended";
    findings_.report(std::move(f));
    close_tcp(*c,
              per_direction ? CloseReason::limit_direction_buffer : CloseReason::limit_total_buffer,
              p.frame_number, p.timestamp);
    return;
  }
  if (p.flags & tcp_flag::ack) c->streams[1 - d].on_peer_ack(p.ack, p.timestamp);
  for (auto& s : c->streams) s.on_time(p.timestamp, p.frame_number);
  if (c->streams[0].fin_reached() && c->streams[1].fin_reached()) {
    close_tcp(*c, CloseReason::fin, p.frame_number, p.timestamp);
  }
}

void FlowTable::close_tcp(TcpConnection& c, CloseReason reason, std::uint64_t frame,
                          TimeNs timestamp) {
  for (auto& s : c.streams) {
    s.flush(frame, timestamp);
    s.set_sink(nullptr);
  }
  if (c.sink != nullptr) c.sink->on_close(reason);
  c.sink = nullptr;
  c.closed = true;
  c.close_reason = reason;
  closed_.push_back({c.key, c.info.index, timestamp});
}

void FlowTable::retire_tcp(TcpConnection& c) {
  // The summary waits until the entry leaves the table, so that it counts the packets that
  // follow a close (the last ACK of a FIN exchange, retransmitted SYNs after a reset).
  TcpConnectionSummary summary;
  summary.info = c.info;
  summary.reason = c.close_reason;
  summary.last_frame = c.last_frame;
  summary.last_seen = c.last_seen;
  summary.packets = c.packets;
  for (std::size_t d = 0; d < 2; ++d) {
    summary.stats[d] = c.streams[d].stats();
    summary.fin[d] = c.streams[d].fin_seen();
  }
  tcp_.erase(&c);
  observer_.on_tcp_summary(summary);
}

void FlowTable::on_udp(const DecodedPacket& p) {
  bool src_is_low = false;
  const FlowKey key = FlowKey::of(p.src, p.dst, Transport::udp, src_is_low);
  UdpFlow* flow = udp_.find(key);
  if (flow == nullptr) {
    if (udp_.size() >= limits_.max_udp_flows && udp_.least_recent() != nullptr) {
      UdpFlow* victim = udp_.least_recent();
      Finding f{FindingId::limit_udp_flows};
      f.frame = p.frame_number;
      f.connection = victim->summary.info.index;
      f.detail = "more than " + std::to_string(limits_.max_udp_flows) + " UDP flows tracked";
      findings_.report(std::move(f));
      close_udp(*victim);
    }
    auto fresh = std::make_unique<UdpFlow>();
    fresh->key = key;
    UdpFlowInfo& info = fresh->summary.info;
    info.index = next_udp_index_++;
    info.client = p.src;
    info.server = p.dst;
    info.first_frame = p.frame_number;
    info.first_seen = p.timestamp;
    flow = udp_.insert(std::move(fresh));
    ++counters_.udp_flows;
  }
  udp_.touch(flow);
  UdpFlowSummary& s = flow->summary;
  const auto dir = p.src == s.info.client ? Direction::to_server : Direction::to_client;
  const auto d = static_cast<std::size_t>(dir);
  ++s.packets[d];
  s.bytes[d] += p.payload.size();
  s.last_frame = p.frame_number;
  s.last_seen = p.timestamp;
  UdpDatagram datagram;
  datagram.direction = dir;
  datagram.payload = p.payload;
  datagram.frame = p.frame_number;
  datagram.first_frame = p.from_fragments ? p.first_fragment_frame : p.frame_number;
  datagram.timestamp = p.timestamp;
  observer_.on_udp_datagram(s.info, datagram);
}

void FlowTable::close_udp(UdpFlow& flow) {
  observer_.on_udp_summary(flow.summary);
  udp_.erase(&flow);
}

void FlowTable::expire(TimeNs now) {
  while (!closed_.empty() && limits_.tcp_closed_linger > 0 &&
         elapsed(now, closed_.front().at) >= limits_.tcp_closed_linger) {
    const Closed gone = closed_.front();
    closed_.pop_front();
    TcpConnection* c = tcp_.find(gone.key);
    if (c != nullptr && c->closed && c->info.index == gone.index) retire_tcp(*c);
  }
  while (TcpConnection* c = tcp_.least_recent()) {
    if (limits_.tcp_idle_timeout == 0 || elapsed(now, c->last_seen) < limits_.tcp_idle_timeout)
      break;
    if (!c->closed) close_tcp(*c, CloseReason::idle_timeout, c->last_frame, c->last_seen);
    retire_tcp(*c);
  }
  while (UdpFlow* f = udp_.least_recent()) {
    if (limits_.udp_idle_timeout == 0 ||
        elapsed(now, f->summary.last_seen) < limits_.udp_idle_timeout)
      break;
    close_udp(*f);
  }
}

void FlowTable::finish() {
  auto connections = tcp_.all();
  std::sort(
      connections.begin(), connections.end(),
      [](const TcpConnection* a, const TcpConnection* b) { return a->info.index < b->info.index; });
  for (TcpConnection* c : connections) {
    if (!c->closed) close_tcp(*c, CloseReason::end_of_capture, c->last_frame, c->last_seen);
    retire_tcp(*c);
  }
  auto flows = udp_.all();
  std::sort(flows.begin(), flows.end(), [](const UdpFlow* a, const UdpFlow* b) {
    return a->summary.info.index < b->summary.info.index;
  });
  for (UdpFlow* f : flows) close_udp(*f);
}

}  // namespace sipws
