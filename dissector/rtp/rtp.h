#pragma once
// RTP and RTCP (RFC 3550) as a media analyzer sees them: the fixed header of a packet (SRTP
// leaves it in clear, RFC 3711 §3.1), the reports of an RTCP compound packet, and the figures
// of one stream (one SSRC, one direction) kept in a fixed-size state: no allocation per packet.

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "capture/bytes.h"
#include "capture/raw_packet.h"

namespace sipws {

struct RtpHeader {
  bool padding = false;
  bool extension = false;
  bool marker = false;
  std::uint8_t csrc_count = 0;
  std::uint8_t payload_type = 0;
  std::uint16_t sequence = 0;
  std::uint32_t timestamp = 0;
  std::uint32_t ssrc = 0;
  std::size_t header_length = 0;  // fixed header, CSRCs and the extension
  ByteView payload;               // what follows the header (padding included: SRTP hides it)
};
// The header of an RTP (or SRTP) packet; nullopt when it is not version 2 or is too short for
// what its header says.
std::optional<RtpHeader> parse_rtp(ByteView packet);

// One report block of an SR or RR (RFC 3550 §6.4.1).
struct RtcpReportBlock {
  std::uint32_t source = 0;  // the SSRC it reports on
  std::uint8_t fraction_lost = 0;
  std::int32_t cumulative_lost = 0;  // 24-bit signed
  std::uint32_t highest_sequence = 0;
  std::uint32_t jitter = 0;  // in the source's timestamp units
  std::uint32_t last_sr = 0;
  std::uint32_t delay_since_last_sr = 0;  // 1/65536 s
};
// What one RTCP compound packet says, as far as it is in clear. `encrypted` is set when the
// packet lengths of the compound do not add up to the datagram: SRTCP (RFC 3711 §3.4) appends
// an index and a tag and encrypts everything after the first header.
struct RtcpCompound {
  std::uint32_t sender_ssrc = 0;  // of the first packet
  std::uint8_t first_type = 0;    // 200 SR, 201 RR, 202 SDES, 203 BYE, 205/206 feedback, 207 XR
  bool encrypted = false;
  bool has_sr = false;
  std::uint32_t sr_ntp_middle = 0;  // the middle 32 bits of the SR's NTP time (what LSR echoes)
  std::uint32_t sr_packet_count = 0;
  std::uint32_t sr_octet_count = 0;
  bool has_bye = false;
  bool has_xr_voip = false;        // an XR VoIP metrics block (RFC 3611 §4.7)
  std::uint8_t xr_r_factor = 127;  // 127: unavailable
  std::uint8_t xr_mos_lq = 127;    // MOS x10
  std::uint8_t reports = 0;
  std::array<RtcpReportBlock, 4> report{};  // the first four report blocks
};
std::optional<RtcpCompound> parse_rtcp(ByteView packet);

// An RFC 4733 telephone-event as first seen: the digit, when and where.
struct TelephoneEvent {
  std::uint8_t event = 0;  // 0-9, 10 '*', 11 '#', 12-15 A-D
  std::uint32_t rtp_timestamp = 0;
  std::uint64_t frame = 0;
  TimeNs time = 0;
  std::uint16_t duration = 0;  // in timestamp units, the largest seen
};
char telephone_event_char(std::uint8_t event);

// The figures of one RTP stream. Sequence numbers are extended to 64 bits (RFC 3550 A.1); a
// window of the last kWindow numbers tells duplicates from late packets and counts loss bursts
// as holes leave it, so a packet that arrives late within the window is not counted as lost.
class RtpStreamStats {
 public:
  static constexpr std::size_t kWindow = 1024;
  static constexpr std::size_t kBurstBuckets = 10;  // 1 .. 9, and 10 or more
  static constexpr std::size_t kPayloadTypes = 4;
  static constexpr std::size_t kEvents = 16;

  // What add() decided about a packet.
  enum class Verdict : std::uint8_t { in_order, late, duplicate, restart };

  // Jitter needs the RTP clock rate. Static payload types say it (RFC 3551); for a dynamic one
  // it is taken from the first two consecutive packets (timestamp step over arrival time),
  // rounded to the nearest rate codecs use, since the SDP that says it may be read on another
  // thread. Until then no jitter is measured.
  Verdict add(const RtpHeader& rtp, std::size_t bytes, std::uint64_t frame, TimeNs time);
  // The end of the stream: holes still in the window are counted as lost.
  void finish();

  // Figures.
  std::uint64_t packets = 0;  // every packet, duplicates included
  std::uint64_t bytes = 0;    // RTP packet bytes (header + payload)
  std::uint64_t first_frame = 0;
  std::uint64_t last_frame = 0;
  TimeNs first_time = 0;
  TimeNs last_time = 0;
  std::uint64_t duplicates = 0;
  std::uint64_t out_of_order = 0;  // arrived after a higher sequence number
  std::uint64_t markers = 0;
  std::uint64_t padding = 0;  // packets with the P bit
  std::uint64_t sequence_restarts = 0;
  std::uint64_t expected() const;
  std::uint64_t lost() const;  // distinct sequence numbers never seen (never negative)
  std::array<std::uint64_t, kBurstBuckets> loss_bursts{};
  // Interarrival jitter (RFC 3550 A.8) in RTP timestamp units, and its mean and max over the
  // packets: in ms once divided by the clock rate.
  double jitter_units = 0;
  double max_jitter_units = 0;
  double jitter_sum_units = 0;
  std::uint64_t jitter_samples = 0;
  TimeNs max_delta = 0;  // the longest time between two packets in arrival order
  std::uint64_t max_delta_frame = 0;
  // Pauses longer than the gap threshold: `silent_gaps` when the sequence went on without a
  // hole (DTX, hold: the sender meant it), `lossy_gaps` when packets are missing across it.
  static constexpr TimeNs kGapThreshold = 1'000'000'000;  // 1 s
  std::uint64_t silent_gaps = 0;
  std::uint64_t lossy_gaps = 0;
  TimeNs longest_gap = 0;
  TimeNs longest_gap_start = 0;
  struct PayloadTypeCount {
    std::uint8_t payload_type = 0;
    std::uint64_t packets = 0;
  };
  std::array<PayloadTypeCount, kPayloadTypes> payload_types{};  // the first ones seen
  std::uint8_t payload_type_count = 0;
  std::uint64_t other_payload_packets = 0;  // of payload types beyond the first four
  // Events in packets of a dynamic payload type with a 4-byte payload: telephone-events when
  // the SDP says that type is telephone-event (checked by whoever knows the SDP).
  std::array<TelephoneEvent, kEvents> events{};
  std::uint8_t event_count = 0;
  std::uint8_t event_payload_type = 0;
  std::uint64_t events_dropped = 0;

  std::uint8_t main_payload_type() const;
  std::uint32_t clock_rate = 0;  // as used for jitter (0: not known)
  double jitter_ms() const { return units_to_ms(jitter_units); }
  double max_jitter_ms() const { return units_to_ms(max_jitter_units); }
  double mean_jitter_ms() const {
    return jitter_samples == 0
               ? 0
               : units_to_ms(jitter_sum_units / static_cast<double>(jitter_samples));
  }
  double units_to_ms(double units) const { return clock_rate == 0 ? 0 : units * 1000 / clock_rate; }

 private:
  void advance_window(std::uint64_t new_highest);
  void close_hole_run();
  void note_event(const RtpHeader& rtp, std::uint64_t frame, TimeNs time);
  void note_jitter(TimeNs arrival, std::uint32_t timestamp);
  void learn_clock_rate(bool at_end);

  // The first packets, kept until the clock rate is known, then measured for jitter.
  struct Early {
    TimeNs arrival;
    std::uint32_t timestamp;
  };
  static constexpr std::size_t kEarly = 16;
  std::array<Early, kEarly> early_{};
  std::uint8_t early_count_ = 0;
  bool jitter_started_ = false;
  TimeNs jitter_last_arrival_ = 0;
  std::uint32_t jitter_last_timestamp_ = 0;

  bool started_ = false;
  std::uint64_t base_ = 0;     // extended sequence number of the first packet
  std::uint64_t highest_ = 0;  // extended highest sequence number
  std::uint64_t lost_ = 0;
  std::uint64_t hole_run_ = 0;  // consecutive holes counted so far, as they leave the window
  std::array<std::uint64_t, kWindow / 64> seen_{};  // bit per sequence number in the window
  std::uint64_t window_low_ = 0;                    // the lowest number the window covers
  TimeNs last_arrival_ = 0;
  std::uint64_t last_extended_ = 0;
  bool finished_ = false;
  std::optional<std::uint64_t> restart_candidate_;
};

// One RTP stream over time, for plots (the GUI's Media tab): packets, sequence numbers lost and
// the highest jitter in each interval. Intervals start at one second and double in length
// (neighbours merged) whenever the stream would need more than kMaxBins of them, so a stream of
// any length costs at most kMaxBins bins (16 bytes each). Fed after RtpStreamStats::add, from
// whose figures it takes the loss: in each interval, the sequence numbers the highest one
// advanced by, minus the packets that were not duplicates (RFC 3550 §6.4.1's interval loss; a
// late packet counts where it arrives, so an interval may show less than none: none is shown).
class RtpTimeline {
 public:
  static constexpr std::size_t kMaxBins = 512;
  static constexpr TimeNs kFirstBinWidth = 1'000'000'000;
  struct Bin {
    std::uint32_t packets = 0;   // every packet, duplicates included
    std::uint32_t received = 0;  // not duplicates
    std::uint32_t expected = 0;  // how far the highest sequence number went on
    float max_jitter_units = 0;  // the running jitter (RFC 3550 A.8) at its highest
    std::uint32_t lost() const { return expected > received ? expected - received : 0; }
  };

  void add(const RtpStreamStats& stats, RtpStreamStats::Verdict verdict, TimeNs time);

  TimeNs start() const { return start_; }
  TimeNs bin_width() const { return width_; }
  const std::vector<Bin>& bins() const { return bins_; }

 private:
  void halve();  // merge neighbours: twice the width, half the bins

  TimeNs start_ = 0;
  TimeNs width_ = kFirstBinWidth;
  std::uint64_t last_expected_ = 0;
  std::vector<Bin> bins_;
};

}  // namespace sipws
