#pragma once
// Reassembly of one direction of a TCP connection into ordered bytes.
//
// Sequence numbers are mapped into a 64-bit space relative to the first byte, so wraparound at
// 2^32 never shows to consumers. In-order data is handed on as a view of the packet (no copy);
// only out-of-order data is copied, within the per-direction limit and a budget shared by all
// connections. Holes become gaps only when the peer acknowledges past them or the stream ends,
// never because the other side spoke.

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "capture/finding.h"
#include "capture/flow_key.h"
#include "capture/stream_sink.h"

namespace sipws {

struct TcpSegment {
  std::uint32_t seq = 0;
  std::uint8_t flags = 0;
  ByteView payload;               // as captured
  std::uint32_t wire_length = 0;  // >= payload.size(); the rest was cut by the snapshot length
  std::uint64_t frame = 0;
  TimeNs timestamp = 0;
};

// Out-of-order bytes buffered by all connections together.
struct TcpBufferBudget {
  std::size_t used = 0;
  std::size_t limit = 256u << 20;
};

struct TcpDirectionStats {
  std::uint64_t segments = 0;         // segments that carried payload
  std::uint64_t delivered_bytes = 0;  // handed on as data
  std::uint64_t gap_bytes = 0;        // declared missing
  std::uint64_t gaps = 0;
  std::uint64_t retransmitted_segments = 0;  // carried bytes already received
  std::uint64_t out_of_order_segments = 0;   // arrived ahead of a hole
  std::uint64_t differing_retransmissions = 0;
  std::size_t peak_buffered_bytes = 0;
};

class TcpStreamReassembler {
 public:
  enum class Outcome { ok, limit_direction, limit_total };

  // How long (in capture time) a hole the peer has acknowledged may still fill before it is
  // declared a gap. Captures from several interfaces are often not in time order: an ACK can be
  // written before the segment it acknowledges, which then follows with an earlier timestamp.
  static constexpr TimeNs kDefaultAckedHoleGrace = 100'000'000;

  TcpStreamReassembler(Direction direction, std::uint64_t connection, FindingSink& findings,
                       TcpBufferBudget& budget, std::size_t max_buffered_bytes,
                       TimeNs acked_hole_grace = kDefaultAckedHoleGrace)
      : direction_(direction),
        connection_(connection),
        findings_(&findings),
        budget_(&budget),
        max_buffered_(max_buffered_bytes),
        acked_hole_grace_(acked_hole_grace) {}
  ~TcpStreamReassembler();
  TcpStreamReassembler(TcpStreamReassembler&&) = delete;

  void set_sink(StreamSink* sink) { sink_ = sink; }

  Outcome on_segment(const TcpSegment& segment);
  // The other direction acknowledged up to `ack` (a raw sequence number of this direction). A
  // hole below it becomes a gap once capture time passes the grace period (see on_time).
  void on_peer_ack(std::uint32_t ack, TimeNs timestamp);
  // A packet of this connection was seen at `now`: acknowledged holes older than the grace
  // period become gaps, and the data buffered behind them is delivered.
  void on_time(TimeNs now, std::uint64_t frame);
  // The stream gets no more bytes: every hole still open becomes a gap and buffered data is
  // delivered behind it.
  void flush(std::uint64_t frame, TimeNs timestamp);

  bool started() const { return base_known_; }
  bool saw_syn() const { return syn_seen_; }
  bool midstream() const { return base_known_ && !syn_seen_; }
  std::uint32_t initial_data_seq() const { return base_; }
  bool fin_seen() const { return fin_offset_.has_value(); }
  // Every byte up to the FIN has been delivered or declared a gap.
  bool fin_reached() const { return fin_offset_ && next_ >= *fin_offset_; }
  std::uint64_t next_offset() const { return next_; }
  std::size_t buffered_bytes() const { return buffered_; }
  const TcpDirectionStats& stats() const { return stats_; }

 private:
  struct Pending {
    std::vector<std::uint8_t> bytes;  // captured bytes, starting at the key offset
    std::uint64_t lost_tail = 0;      // bytes after them that the snapshot length cut
    std::uint64_t end(std::uint64_t offset) const { return offset + bytes.size() + lost_tail; }
  };
  struct RecentSegment {
    std::uint64_t offset = 0;
    std::uint64_t length = 0;
    std::uint64_t hash = 0;
  };

  // Relative offset of a raw sequence number, nearest to what we expect next.
  std::int64_t relative(std::uint32_t seq) const;
  void deliver(ByteView bytes, std::uint64_t wire_length, std::uint64_t frame, TimeNs timestamp,
               bool remember);
  void declare_gap(std::uint64_t length, std::uint64_t frame);
  void drain(std::uint64_t frame, TimeNs timestamp);
  Outcome buffer(std::uint64_t offset, ByteView bytes, std::uint64_t wire_length,
                 std::uint64_t frame);
  void report(FindingId id, std::uint64_t frame, std::string detail);
  void release(std::size_t bytes);

  Direction direction_;
  std::uint64_t connection_;
  FindingSink* findings_;
  TcpBufferBudget* budget_;
  std::size_t max_buffered_;
  StreamSink* sink_ = nullptr;

  bool base_known_ = false;
  bool syn_seen_ = false;
  std::uint32_t base_ = 0;                      // raw sequence number of relative offset 0
  std::uint64_t next_ = 0;                      // next relative offset to deliver
  std::optional<std::uint32_t> peer_ack_hint_;  // for streams first seen mid-way
  std::optional<std::uint64_t> fin_offset_;
  TimeNs acked_hole_grace_;
  bool acked_hole_ = false;        // the peer acknowledged bytes we have not seen
  std::uint64_t acked_until_ = 0;  // relative offset the peer acknowledged
  TimeNs acked_hole_since_ = 0;    // capture time of the first such acknowledgement
  std::map<std::uint64_t, Pending> pending_;
  std::size_t buffered_ = 0;
  // Allocated with the first delivered segment: a connection that never carries data (a scan,
  // a refused SYN) stays small.
  std::unique_ptr<std::array<RecentSegment, 8>> recent_;
  std::size_t recent_next_ = 0;
  TcpDirectionStats stats_;
};

}  // namespace sipws
