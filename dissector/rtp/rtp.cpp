#include "dissector/rtp/rtp.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace sipws {

std::optional<RtpHeader> parse_rtp(ByteView b) {
  if (b.size() < 12 || (b[0] >> 6) != 2) return std::nullopt;
  RtpHeader h;
  h.padding = (b[0] & 0x20) != 0;
  h.extension = (b[0] & 0x10) != 0;
  h.csrc_count = b[0] & 0x0F;
  h.marker = (b[1] & 0x80) != 0;
  h.payload_type = b[1] & 0x7F;
  h.sequence = load_be16(&b[2]);
  h.timestamp = load_be32(&b[4]);
  h.ssrc = load_be32(&b[8]);
  std::size_t length = 12 + 4 * std::size_t{h.csrc_count};
  if (h.extension) {
    if (b.size() < length + 4) return std::nullopt;
    length += 4 + 4 * std::size_t{load_be16(&b[length + 2])};
  }
  if (b.size() < length) return std::nullopt;
  h.header_length = length;
  h.payload = b.subspan(length);
  return h;
}

std::optional<RtcpCompound> parse_rtcp(ByteView b) {
  if (b.size() < 8 || (b[0] >> 6) != 2 || b[1] < 192 || b[1] > 223) return std::nullopt;
  RtcpCompound out;
  out.first_type = b[1];
  out.sender_ssrc = load_be32(&b[4]);
  // Walk the compound: each packet's length is in 32-bit words minus one. A compound whose
  // lengths do not end exactly at the datagram's end is encrypted (SRTCP) past the first header.
  std::size_t offset = 0;
  while (offset + 4 <= b.size()) {
    const std::size_t length = 4 * (std::size_t{load_be16(&b[offset + 2])} + 1);
    if ((b[offset] >> 6) != 2 || offset + length > b.size()) break;
    offset += length;
  }
  if (offset != b.size()) {
    out.encrypted = true;
    return out;
  }
  for (offset = 0; offset < b.size();) {
    const std::uint8_t count = b[offset] & 0x1F;
    const std::uint8_t type = b[offset + 1];
    const std::size_t length = 4 * (std::size_t{load_be16(&b[offset + 2])} + 1);
    ByteView packet = b.subspan(offset, length);
    offset += length;
    std::size_t blocks_at = 0;
    if (type == 200 && packet.size() >= 28) {
      out.has_sr = true;
      out.sr_ntp_middle = load_be32(&packet[10]);
      out.sr_packet_count = load_be32(&packet[20]);
      out.sr_octet_count = load_be32(&packet[24]);
      blocks_at = 28;
    } else if (type == 201 && packet.size() >= 8) {
      blocks_at = 8;
    } else if (type == 203) {
      out.has_bye = true;
    } else if (type == 207 && packet.size() >= 8) {
      // XR blocks: BT, reserved, length in words; VoIP metrics is BT 7 (RFC 3611 §4.7), whose
      // R factor is byte 24 and MOS-LQ byte 26 of the block.
      for (std::size_t at = 8; at + 4 <= packet.size();) {
        const std::size_t block_length = 4 * (std::size_t{load_be16(&packet[at + 2])} + 1);
        if (at + block_length > packet.size()) break;
        if (packet[at] == 7 && block_length >= 36) {
          out.has_xr_voip = true;
          out.xr_r_factor = packet[at + 24];
          out.xr_mos_lq = packet[at + 26];
        }
        at += block_length;
      }
    }
    if (blocks_at == 0) continue;
    for (std::size_t i = 0; i < count && blocks_at + 24 * (i + 1) <= packet.size(); ++i) {
      if (out.reports >= out.report.size()) break;
      const std::uint8_t* p = &packet[blocks_at + 24 * i];
      RtcpReportBlock& r = out.report[out.reports++];
      r.source = load_be32(p);
      r.fraction_lost = p[4];
      std::uint32_t lost = (std::uint32_t{p[5]} << 16) | (std::uint32_t{p[6]} << 8) | p[7];
      if ((lost & 0x800000) != 0) lost |= 0xFF000000;  // sign-extend the 24 bits
      r.cumulative_lost = static_cast<std::int32_t>(lost);
      r.highest_sequence = load_be32(p + 8);
      r.jitter = load_be32(p + 12);
      r.last_sr = load_be32(p + 16);
      r.delay_since_last_sr = load_be32(p + 20);
    }
  }
  return out;
}

char telephone_event_char(std::uint8_t event) {
  static constexpr char kChars[] = "0123456789*#ABCD";
  return event < 16 ? kChars[event] : '?';
}

namespace {

// RFC 3551 §6: the clock rate of the static payload types.
std::uint32_t static_clock_rate(std::uint8_t payload_type) {
  if (payload_type <= 23) {
    switch (payload_type) {
      case 6:
        return 16000;  // DVI4/16000
      case 10:
      case 11:
        return 44100;  // L16
      case 14:
        return 90000;  // MPA
      case 16:
        return 11025;
      case 17:
        return 22050;
      default:
        return 8000;
    }
  }
  if (payload_type >= 25 && payload_type <= 34) return 90000;  // video
  return 0;
}

// The rate codecs use nearest to a measured timestamp rate (G.722 and its 8 kHz clock included).
std::uint32_t nearest_clock_rate(double measured) {
  static constexpr std::uint32_t kRates[] = {8000,  11025, 12000, 16000, 22050,
                                             24000, 32000, 44100, 48000, 90000};
  std::uint32_t best = kRates[0];
  double best_ratio = 1e300;
  for (const std::uint32_t rate : kRates) {
    const double ratio = std::abs(std::log(measured / rate));
    if (ratio < best_ratio) {
      best_ratio = ratio;
      best = rate;
    }
  }
  return best;
}

constexpr std::int64_t kMaxDropout = 3000;  // RFC 3550 A.1
constexpr std::int64_t kMaxMisorder = 100;

}  // namespace

std::uint8_t RtpStreamStats::main_payload_type() const {
  std::uint8_t best = payload_types[0].payload_type;
  std::uint64_t most = 0;
  for (std::size_t i = 0; i < payload_type_count; ++i) {
    if (payload_types[i].packets > most) {
      most = payload_types[i].packets;
      best = payload_types[i].payload_type;
    }
  }
  return best;
}

std::uint64_t RtpStreamStats::expected() const {
  return started_ ? highest_ - base_ + 1 : 0;
}

std::uint64_t RtpStreamStats::lost() const {
  std::uint64_t holes = lost_;
  for (std::uint64_t s = window_low_; started_ && s <= highest_; ++s) {
    const std::uint64_t slot = s % kWindow;
    if ((seen_[slot / 64] >> (slot % 64) & 1) == 0) ++holes;
  }
  return holes;
}

void RtpStreamStats::close_hole_run() {
  if (hole_run_ == 0) return;
  ++loss_bursts[std::min<std::uint64_t>(hole_run_, kBurstBuckets) - 1];
  hole_run_ = 0;
}

void RtpStreamStats::advance_window(std::uint64_t new_highest) {
  // Every number that leaves the window and was never seen is lost for good.
  while (new_highest >= window_low_ + kWindow) {
    const std::uint64_t slot = window_low_ % kWindow;
    std::uint64_t& word = seen_[slot / 64];
    const std::uint64_t bit = std::uint64_t{1} << (slot % 64);
    if ((word & bit) == 0) {
      ++lost_;
      ++hole_run_;
    } else {
      close_hole_run();
      word &= ~bit;
    }
    ++window_low_;
  }
}

void RtpStreamStats::finish() {
  if (finished_ || !started_) return;
  finished_ = true;
  advance_window(highest_ + kWindow);  // empties the window
  close_hole_run();
  window_low_ = highest_ + 1;
  learn_clock_rate(true);
}

void RtpStreamStats::note_event(const RtpHeader& rtp, std::uint64_t frame, TimeNs time) {
  // RFC 4733 §2.3: event, E|R|volume, duration. A new event starts with a new timestamp.
  const ByteView p = rtp.payload;
  if (p.size() != 4 || p[0] > 15) return;
  if (event_count > 0 && events[event_count - 1].rtp_timestamp == rtp.timestamp &&
      event_payload_type == rtp.payload_type) {
    TelephoneEvent& e = events[event_count - 1];
    e.duration = std::max<std::uint16_t>(e.duration, load_be16(&p[2]));
    return;
  }
  if (event_count > 0 && event_payload_type != rtp.payload_type) return;
  if (event_count >= kEvents) {
    ++events_dropped;
    return;
  }
  event_payload_type = rtp.payload_type;
  events[event_count++] = {p[0], rtp.timestamp, frame, time, load_be16(&p[2])};
}

void RtpStreamStats::note_jitter(TimeNs arrival, std::uint32_t timestamp) {
  if (jitter_started_) {
    // RFC 3550 A.8: D = (Rj - Ri) - (Sj - Si), in timestamp units; J += (|D| - J) / 16.
    const double arrival_units =
        static_cast<double>(arrival - jitter_last_arrival_) * clock_rate / 1e9;
    const double sent_units =
        static_cast<double>(static_cast<std::int32_t>(timestamp - jitter_last_timestamp_));
    const double d = arrival_units - sent_units;
    jitter_units += (std::abs(d) - jitter_units) / 16;
    max_jitter_units = std::max(max_jitter_units, jitter_units);
    jitter_sum_units += jitter_units;
    ++jitter_samples;
  }
  jitter_started_ = true;
  jitter_last_arrival_ = arrival;
  jitter_last_timestamp_ = timestamp;
}

void RtpStreamStats::learn_clock_rate(bool at_end) {
  if (clock_rate != 0 || early_count_ < 2) return;
  const Early& first = early_[0];
  const Early& last = early_[early_count_ - 1];
  const TimeNs span = last.arrival - first.arrival;
  const bool enough = span >= 500'000'000 || (early_count_ == kEarly && span >= 100'000'000);
  if (!enough && !(at_end && span > 0)) return;
  const auto step = static_cast<std::int32_t>(last.timestamp - first.timestamp);
  if (step <= 0) return;
  clock_rate = nearest_clock_rate(step / (static_cast<double>(span) / 1e9));
  // Measure the packets kept so far, then go on packet by packet.
  for (std::size_t i = 0; i < early_count_; ++i)
    note_jitter(early_[i].arrival, early_[i].timestamp);
}

RtpStreamStats::Verdict RtpStreamStats::add(const RtpHeader& rtp, std::size_t packet_bytes,
                                            std::uint64_t frame, TimeNs time) {
  Verdict verdict = Verdict::in_order;
  if (!started_) {
    started_ = true;
    base_ = highest_ = window_low_ = (std::uint64_t{1} << 32) | rtp.sequence;
    first_frame = frame;
    first_time = time;
    last_arrival_ = time;
    last_extended_ = highest_;
    clock_rate = static_clock_rate(rtp.payload_type);
    const std::uint64_t slot = highest_ % kWindow;
    seen_[slot / 64] |= std::uint64_t{1} << (slot % 64);
  } else {
    const auto delta =
        static_cast<std::int16_t>(rtp.sequence - static_cast<std::uint16_t>(highest_));
    const std::uint64_t extended = highest_ + static_cast<std::int64_t>(delta);
    if (delta > kMaxDropout || (delta < -kMaxMisorder && extended < window_low_)) {
      // A jump: the sender restarted its sequence (RFC 3550 A.1 waits for two packets in a
      // row to believe it). The caller starts a new stream with the second. This one is
      // counted as received and nothing else: its number and timestamp belong to no sequence
      // yet, and would wreck the jitter.
      if (restart_candidate_ && *restart_candidate_ == rtp.sequence) {
        restart_candidate_.reset();
        return Verdict::restart;
      }
      restart_candidate_ = static_cast<std::uint16_t>(rtp.sequence + 1);
      ++packets;
      bytes += packet_bytes;
      last_frame = frame;
      last_time = time;
      return Verdict::late;
    }
    {
      restart_candidate_.reset();
      if (extended > highest_) {
        advance_window(extended);
        highest_ = extended;
      } else if (extended < window_low_) {
        verdict = Verdict::late;  // older than the window: late, already counted lost
        ++out_of_order;
      }
      if (extended >= window_low_) {
        const std::uint64_t slot = extended % kWindow;
        std::uint64_t& word = seen_[slot / 64];
        const std::uint64_t bit = std::uint64_t{1} << (slot % 64);
        if (extended < highest_ || (extended == highest_ && delta == 0)) {
          verdict = (word & bit) != 0 ? Verdict::duplicate : Verdict::late;
          if (verdict == Verdict::duplicate) {
            ++duplicates;
          } else {
            ++out_of_order;
          }
        }
        word |= bit;
      }
      // A pause: silence when the numbers went on without a hole, else loss across it.
      const TimeNs pause = time - last_arrival_;
      if (pause > kGapThreshold && verdict == Verdict::in_order) {
        if (extended == last_extended_ + 1) {
          ++silent_gaps;
        } else {
          ++lossy_gaps;
        }
        if (pause > longest_gap) {
          longest_gap = pause;
          longest_gap_start = last_arrival_;
        }
      }
      if (verdict == Verdict::in_order) last_extended_ = extended;
    }
    if (time - last_arrival_ > max_delta) {
      max_delta = time - last_arrival_;
      max_delta_frame = frame;
    }
    last_arrival_ = time;
  }
  ++packets;
  bytes += packet_bytes;
  last_frame = frame;
  last_time = time;
  if (rtp.marker) ++markers;
  if (rtp.padding) ++padding;
  bool counted = false;
  for (std::size_t i = 0; i < payload_type_count; ++i) {
    if (payload_types[i].payload_type == rtp.payload_type) {
      ++payload_types[i].packets;
      counted = true;
    }
  }
  if (!counted) {
    if (payload_type_count < kPayloadTypes) {
      payload_types[payload_type_count++] = {rtp.payload_type, 1};
    } else {
      ++other_payload_packets;
    }
  }
  if (rtp.payload_type >= 96 && !rtp.padding) note_event(rtp, frame, time);
  // Jitter times every packet but duplicates, as Wireshark's stream analysis does: padding-only
  // bandwidth probes (a browser's, with an old timestamp) included, and they do raise it.
  if (verdict == Verdict::duplicate) return verdict;
  if (clock_rate == 0) {
    // The first packet and the latest: learning needs the span between them to grow.
    if (early_count_ < kEarly) {
      early_[early_count_++] = {time, rtp.timestamp};
    } else {
      early_[kEarly - 1] = {time, rtp.timestamp};
    }
    learn_clock_rate(false);
  } else {
    note_jitter(time, rtp.timestamp);
  }
  return verdict;
}

void RtpTimeline::add(const RtpStreamStats& stats, RtpStreamStats::Verdict verdict, TimeNs time) {
  if (bins_.empty()) {
    start_ = time;
    last_expected_ = 0;
  }
  // A capture out of time order can put a packet before the first: it goes to the first bin.
  const TimeNs offset = time > start_ ? time - start_ : 0;
  while (static_cast<std::uint64_t>(offset / width_) >= kMaxBins) halve();
  const auto index = static_cast<std::size_t>(offset / width_);
  if (index >= bins_.size()) {
    bins_.reserve(
        std::min(kMaxBins, std::max(index + 1, bins_.size() * 2)));  // never past kMaxBins
    bins_.resize(index + 1);
  }
  Bin& bin = bins_[index];
  if (bin.packets < UINT32_MAX) ++bin.packets;
  if (verdict != RtpStreamStats::Verdict::duplicate && bin.received < UINT32_MAX) ++bin.received;
  const std::uint64_t expected = stats.expected();
  // expected() never goes down within a stream (a restart is a new stream, a new timeline).
  if (expected > last_expected_) {
    bin.expected += static_cast<std::uint32_t>(
        std::min<std::uint64_t>(expected - last_expected_, UINT32_MAX - bin.expected));
  }
  last_expected_ = expected;
  bin.max_jitter_units = std::max(bin.max_jitter_units, static_cast<float>(stats.jitter_units));
}

void RtpTimeline::halve() {
  std::vector<Bin> merged((bins_.size() + 1) / 2);
  for (std::size_t i = 0; i < bins_.size(); ++i) {
    Bin& into = merged[i / 2];
    const Bin& from = bins_[i];
    auto saturating_add = [](std::uint32_t& to, std::uint32_t v) {
      to = v > UINT32_MAX - to ? UINT32_MAX : to + v;
    };
    saturating_add(into.packets, from.packets);
    saturating_add(into.received, from.received);
    saturating_add(into.expected, from.expected);
    into.max_jitter_units = std::max(into.max_jitter_units, from.max_jitter_units);
  }
  bins_ = std::move(merged);
  width_ *= 2;
}

}  // namespace sipws
