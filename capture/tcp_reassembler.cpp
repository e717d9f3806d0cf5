#include "capture/tcp_reassembler.h"

#include <algorithm>
#include <cstring>

namespace sipws {
namespace {

// Acknowledgements further ahead than this are not believed (corrupt or unrelated packets).
constexpr std::uint64_t kMaxBelievableAckJump = 1u << 30;
// A mid-stream direction whose first segment starts this close after the peer's acknowledgement
// is taken to start at that acknowledgement; the bytes between are then a known hole.
constexpr std::uint32_t kMaxMidstreamHintDistance = 1u << 20;

// A cheap 64-bit hash to recognise a retransmission that carries other bytes. Not
// cryptographic: it only has to differ when a few bytes differ.
std::uint64_t hash_bytes(ByteView b) {
  // Four independent lanes over 32 bytes at a time (every delivered segment is hashed: one
  // serial chain of multiplies would be its slowest step), then 8 and 1 at a time.
  std::uint64_t lane[4] = {0x9e3779b97f4a7c15ull ^ b.size(), 0xc2b2ae3d27d4eb4full,
                           0x165667b19e3779f9ull, 0x27d4eb2f165667c5ull};
  std::size_t i = 0;
  for (; i + 32 <= b.size(); i += 32) {
    for (int k = 0; k < 4; ++k) {
      std::uint64_t w;
      std::memcpy(&w, b.data() + i + 8 * k, 8);
      lane[k] = (lane[k] ^ w) * 0xff51afd7ed558ccdull;
      lane[k] ^= lane[k] >> 32;
    }
  }
  std::uint64_t h = lane[0] ^ (lane[1] * 3) ^ (lane[2] * 5) ^ (lane[3] * 7);
  for (; i + 8 <= b.size(); i += 8) {
    std::uint64_t w;
    std::memcpy(&w, b.data() + i, 8);
    h = (h ^ w) * 0xff51afd7ed558ccdull;
    h ^= h >> 32;
  }
  for (; i < b.size(); ++i) h = (h ^ b[i]) * 0x100000001b3ull;
  return h ^ (h >> 29);
}

}  // namespace

std::string_view close_reason_name(CloseReason reason) {
  switch (reason) {
    case CloseReason::fin:
      return "fin";
    case CloseReason::rst:
      return "rst";
    case CloseReason::idle_timeout:
      return "idle_timeout";
    case CloseReason::end_of_capture:
      return "end_of_capture";
    case CloseReason::reused:
      return "reused";
    case CloseReason::limit_direction_buffer:
      return "limit_direction_buffer";
    case CloseReason::limit_total_buffer:
      return "limit_total_buffer";
    case CloseReason::limit_connections:
      return "limit_connections";
  }
  return "?";
}

TcpStreamReassembler::~TcpStreamReassembler() {
  release(buffered_);
}

void TcpStreamReassembler::release(std::size_t bytes) {
  buffered_ -= bytes;
  budget_->used -= bytes;
}

void TcpStreamReassembler::report(FindingId id, std::uint64_t frame, std::string detail) {
  findings_->report(id, frame, connection_, direction_, std::move(detail));
}

std::int64_t TcpStreamReassembler::relative(std::uint32_t seq) const {
  const auto expected = static_cast<std::uint32_t>(base_ + static_cast<std::uint32_t>(next_));
  const auto delta = static_cast<std::int32_t>(seq - expected);
  return static_cast<std::int64_t>(next_) + delta;
}

TcpStreamReassembler::Outcome TcpStreamReassembler::on_segment(const TcpSegment& s) {
  std::uint32_t data_seq = s.seq;
  if (s.flags & tcp_flag::syn) {
    data_seq = s.seq + 1;  // the SYN itself takes one sequence number
    if (!base_known_) {
      base_known_ = true;
      syn_seen_ = true;
      base_ = data_seq;
    }
  }
  if (!base_known_) {
    base_known_ = true;
    base_ = data_seq;
    if (peer_ack_hint_ && data_seq - *peer_ack_hint_ <= kMaxMidstreamHintDistance) {
      base_ = *peer_ack_hint_;
    }
  }
  const std::int64_t rel = relative(data_seq);
  if (s.flags & tcp_flag::fin) {
    const std::int64_t fin = rel + s.wire_length;
    if (!fin_offset_ && fin >= 0) fin_offset_ = static_cast<std::uint64_t>(fin);
  }
  if (s.wire_length == 0) return Outcome::ok;
  ++stats_.segments;

  std::int64_t begin = rel;
  std::uint64_t wire = s.wire_length;
  ByteView bytes = s.payload;
  const std::int64_t end = rel + static_cast<std::int64_t>(wire);
  if (end <= static_cast<std::int64_t>(next_)) {  // nothing new: a retransmission
    ++stats_.retransmitted_segments;
    for (const RecentSegment& r : recent_ ? *recent_ : std::array<RecentSegment, 8>{}) {
      if (r.length != 0 && static_cast<std::int64_t>(r.offset) == rel && r.length == wire &&
          bytes.size() == wire && r.hash != hash_bytes(bytes)) {
        ++stats_.differing_retransmissions;
        report(FindingId::tcp_retransmission_differs, s.frame,
               "retransmission of " + std::to_string(wire) + " bytes at stream offset " +
                   std::to_string(rel) + " carries other bytes than the original");
        break;
      }
    }
    return Outcome::ok;
  }
  if (begin < static_cast<std::int64_t>(next_)) {  // partly old: keep only the new part
    ++stats_.retransmitted_segments;
    const auto skip = static_cast<std::uint64_t>(static_cast<std::int64_t>(next_) - begin);
    bytes = bytes.subspan(std::min<std::size_t>(skip, bytes.size()));
    wire -= skip;
    begin = static_cast<std::int64_t>(next_);
  }
  auto offset = static_cast<std::uint64_t>(begin);
  if (fin_offset_ && offset + wire > *fin_offset_) {
    report(FindingId::tcp_data_after_fin, s.frame,
           "segment reaches stream offset " + std::to_string(offset + wire) +
               " beyond the FIN at " + std::to_string(*fin_offset_));
    if (offset >= *fin_offset_) return Outcome::ok;
    const std::uint64_t keep = *fin_offset_ - offset;
    bytes = bytes.first(std::min<std::size_t>(keep, bytes.size()));
    wire = keep;
  }
  if (offset == next_) {
    deliver(bytes, wire, s.frame, s.timestamp, true);
    drain(s.frame, s.timestamp);
    return Outcome::ok;
  }
  ++stats_.out_of_order_segments;
  return buffer(offset, bytes, wire, s.frame);
}

void TcpStreamReassembler::deliver(ByteView bytes, std::uint64_t wire_length, std::uint64_t frame,
                                   TimeNs timestamp, bool remember) {
  const std::uint64_t end = next_ + wire_length;
  // Buffered data this delivery covers was received earlier: compare, then forget it.
  for (auto it = pending_.begin(); it != pending_.end() && it->first < end;) {
    const std::uint64_t p_off = it->first;
    Pending& p = it->second;
    const std::uint64_t cmp_begin = p_off;
    const std::uint64_t cmp_end = std::min(p_off + p.bytes.size(), next_ + bytes.size());
    if (cmp_end > cmp_begin &&
        std::memcmp(p.bytes.data(), bytes.data() + (cmp_begin - next_), cmp_end - cmp_begin) != 0) {
      ++stats_.differing_retransmissions;
      report(FindingId::tcp_retransmission_differs, frame,
             "bytes at stream offset " + std::to_string(cmp_begin) +
                 " differ between two segments that carried them");
    }
    if (p.end(p_off) <= end) {
      release(p.bytes.size());
      it = pending_.erase(it);
      continue;
    }
    // Keep the part beyond this delivery, re-keyed at `end`.
    const std::uint64_t cut = end - p_off;
    Pending rest;
    if (cut < p.bytes.size()) {
      rest.bytes.assign(p.bytes.begin() + static_cast<std::ptrdiff_t>(cut), p.bytes.end());
      rest.lost_tail = p.lost_tail;
    } else {
      rest.lost_tail = p.lost_tail - (cut - p.bytes.size());
    }
    release(p.bytes.size() - rest.bytes.size());
    pending_.erase(it);
    pending_.emplace(end, std::move(rest));
    break;
  }
  if (!bytes.empty()) {
    if (remember) {
      if (!recent_) recent_ = std::make_unique<std::array<RecentSegment, 8>>();
      (*recent_)[recent_next_] = {next_, wire_length,
                                  bytes.size() == wire_length ? hash_bytes(bytes) : 0};
      recent_next_ = (recent_next_ + 1) % recent_->size();
    }
    stats_.delivered_bytes += bytes.size();
    if (sink_ != nullptr) sink_->on_data(direction_, bytes, next_, frame, timestamp);
    next_ += bytes.size();
  }
  if (wire_length > bytes.size()) declare_gap(wire_length - bytes.size(), frame);
}

void TcpStreamReassembler::declare_gap(std::uint64_t length, std::uint64_t frame) {
  ++stats_.gaps;
  stats_.gap_bytes += length;
  report(FindingId::tcp_gap, frame,
         std::to_string(length) + " bytes missing at stream offset " + std::to_string(next_));
  if (sink_ != nullptr) sink_->on_gap(direction_, next_, length);
  next_ += length;
}

void TcpStreamReassembler::drain(std::uint64_t frame, TimeNs timestamp) {
  while (!pending_.empty() && pending_.begin()->first <= next_) {
    auto node = pending_.extract(pending_.begin());
    Pending& p = node.mapped();
    release(p.bytes.size());
    const std::uint64_t p_off = node.key();
    if (p.end(p_off) <= next_) continue;
    const std::uint64_t skip = next_ - p_off;
    ByteView bytes(p.bytes);
    std::uint64_t wire = p.bytes.size() + p.lost_tail - skip;
    bytes = bytes.subspan(std::min<std::size_t>(skip, bytes.size()));
    deliver(bytes, wire, frame, timestamp, false);
  }
}

TcpStreamReassembler::Outcome TcpStreamReassembler::buffer(std::uint64_t offset, ByteView bytes,
                                                           std::uint64_t wire,
                                                           std::uint64_t frame) {
  const std::uint64_t end = offset + wire;
  const std::uint64_t captured_end = offset + bytes.size();
  // Split the new range around what is already buffered; compare where they overlap.
  std::vector<std::pair<std::uint64_t, std::uint64_t>> holes;
  std::uint64_t pos = offset;
  auto it = pending_.upper_bound(offset);
  if (it != pending_.begin()) --it;
  for (; it != pending_.end() && it->first < end; ++it) {
    const std::uint64_t p_off = it->first;
    const Pending& p = it->second;
    const std::uint64_t p_end = p.end(p_off);
    if (p_end <= pos) continue;
    if (p_off > pos) holes.emplace_back(pos, p_off);
    const std::uint64_t cmp_begin = std::max(p_off, offset);
    const std::uint64_t cmp_end = std::min(p_off + p.bytes.size(), captured_end);
    if (cmp_end > cmp_begin &&
        std::memcmp(p.bytes.data() + (cmp_begin - p_off), bytes.data() + (cmp_begin - offset),
                    cmp_end - cmp_begin) != 0) {
      ++stats_.differing_retransmissions;
      report(FindingId::tcp_retransmission_differs, frame,
             "bytes at stream offset " + std::to_string(cmp_begin) +
                 " differ between two segments that carried them");
    }
    pos = std::max(pos, p_end);
    if (pos >= end) break;
  }
  if (pos < end) holes.emplace_back(pos, end);
  if (holes.empty()) {
    ++stats_.retransmitted_segments;
    return Outcome::ok;
  }
  std::size_t adding = 0;
  for (const auto& [b, e] : holes) {
    if (b < captured_end) adding += std::min(e, captured_end) - b;
  }
  if (buffered_ + adding > max_buffered_) return Outcome::limit_direction;
  if (budget_->used + adding > budget_->limit) return Outcome::limit_total;
  for (const auto& [b, e] : holes) {
    Pending piece;
    if (b < captured_end) {
      const std::uint64_t ce = std::min(e, captured_end);
      piece.bytes.assign(bytes.begin() + static_cast<std::ptrdiff_t>(b - offset),
                         bytes.begin() + static_cast<std::ptrdiff_t>(ce - offset));
    }
    piece.lost_tail = (e - b) - piece.bytes.size();
    pending_.emplace(b, std::move(piece));
  }
  buffered_ += adding;
  budget_->used += adding;
  stats_.peak_buffered_bytes = std::max(stats_.peak_buffered_bytes, buffered_);
  return Outcome::ok;
}

void TcpStreamReassembler::on_peer_ack(std::uint32_t ack, TimeNs timestamp) {
  if (!base_known_) {
    peer_ack_hint_ = ack;
    return;
  }
  const std::int64_t rel = relative(ack);
  if (rel <= static_cast<std::int64_t>(next_)) return;
  auto acked = static_cast<std::uint64_t>(rel);
  if (acked - next_ > kMaxBelievableAckJump) return;
  if (fin_offset_) acked = std::min(acked, *fin_offset_);  // the FIN takes a number too
  if (acked <= next_) return;
  if (!acked_hole_) {
    acked_hole_ = true;
    acked_hole_since_ = timestamp;
  }
  acked_until_ = std::max(acked_until_, acked);
}

void TcpStreamReassembler::on_time(TimeNs now, std::uint64_t frame) {
  if (!acked_hole_) return;
  if (acked_until_ <= next_) {
    acked_hole_ = false;
    return;
  }
  if (elapsed(now, acked_hole_since_) <= acked_hole_grace_) return;
  // The peer has these bytes and time has moved on, so the capture missed them: they are a
  // gap, up to the first buffered segment (which then becomes deliverable).
  while (acked_until_ > next_) {
    const std::uint64_t hole_end =
        pending_.empty() ? acked_until_ : std::min(acked_until_, pending_.begin()->first);
    if (hole_end <= next_) break;
    declare_gap(hole_end - next_, frame);
    drain(frame, now);
  }
  acked_hole_ = false;
}

void TcpStreamReassembler::flush(std::uint64_t frame, TimeNs timestamp) {
  while (!pending_.empty()) {
    const std::uint64_t first = pending_.begin()->first;
    if (first > next_) declare_gap(first - next_, frame);
    drain(frame, timestamp);
  }
  if (fin_offset_ && *fin_offset_ > next_) declare_gap(*fin_offset_ - next_, frame);
}

}  // namespace sipws
