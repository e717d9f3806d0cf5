#pragma once
// The media of calls: every non-SIP UDP datagram the dissector classifies (RFC 7983) is counted
// into fixed-size per-stream state as it passes (MediaTracker, on the reading thread); once the
// capture is read, associate_media ties streams, ICE checks and DTLS handshakes to calls by
// every piece of evidence the SDPs give (addresses and ports, ICE candidates and ufrags, SSRCs)
// and says per call and per direction whether media flowed, and if not, why.

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "calls/call_store.h"
#include "dissector/datagram.h"
#include "dissector/dtls/dtls.h"
#include "dissector/rtp/rtp.h"
#include "dissector/stun/stun.h"

namespace sipws {

enum class MediaKind : std::uint8_t { rtp, srtp, rtcp, srtcp };
std::string_view media_kind_name(MediaKind kind);

// Which way a stream flows within its call.
enum class MediaWay : std::uint8_t { caller_to_callee = 0, callee_to_caller = 1, unknown = 2 };
std::string_view media_way_name(MediaWay way);

struct RtcpStreamStats {
  std::uint64_t packets = 0;
  std::uint64_t bytes = 0;
  std::uint64_t encrypted = 0;  // SRTCP: only the first header is readable
  std::uint64_t sender_reports = 0;
  std::uint64_t receiver_reports = 0;  // compounds starting with an RR
  std::uint64_t feedback = 0;          // RTPFB / PSFB (RFC 4585)
  std::uint64_t extended_reports = 0;
  std::uint64_t byes = 0;
  bool has_report = false;
  RtcpReportBlock last_report;  // the last report block received in clear
  std::uint8_t max_fraction_lost = 0;
  std::uint64_t rtt_samples = 0;  // from LSR/DLSR against the SR seen in the other direction
  double rtt_sum_ms = 0;
  double rtt_max_ms = 0;
  bool has_xr_voip = false;
  std::uint8_t xr_r_factor = 127;
  std::uint8_t xr_mos_lq = 127;
};

// One stream: one SSRC in one direction between two endpoints (never keyed by SSRC alone: SIPp
// uses one SSRC both ways, rtpengine keeps it across its two legs).
struct MediaStream {
  Endpoint src;
  Endpoint dst;
  std::uint32_t ssrc = 0;
  bool control = false;    // RTCP (else RTP)
  std::uint64_t flow = 0;  // the UDP flow's index (tshark's udp.stream)
  std::uint64_t first_frame = 0;
  std::uint64_t last_frame = 0;
  TimeNs first_time = 0;
  TimeNs last_time = 0;
  RtpStreamStats rtp;    // RTP streams
  RtcpStreamStats rtcp;  // RTCP streams
  RtpTimeline timeline;  // RTP streams, when MediaLimits::timelines asks for it
  // Set by associate_media.
  std::uint64_t call = kNoId;
  MediaWay way = MediaWay::unknown;
  MediaKind kind = MediaKind::rtp;
  std::string codec;               // "opus/48000/2" from the SDP's rtpmap (or the static type)
  std::uint32_t clock_rate = 0;    // the codec's (0: unknown)
  bool announced = false;          // the SDP named its destination (or ICE nominated its 5-tuple)
  bool unexpected_source = false;  // its source is in no SDP and no ICE check of the call
  bool unknown_payload_type = false;
  std::string dtmf;  // RFC 4733 digits, when the SDP says the event type is telephone-event
  std::optional<double> r_factor;  // E-model (RTP only)
  std::optional<double> mos;
  std::string mos_inputs;

  double lost_percent() const;
};

// The connectivity checks seen between two endpoints (RFC 8445 §7.2). Side 0 is the checks
// `a` sent (and b's answers), side 1 those `b` sent.
struct IceCheckSide {
  std::uint64_t requests = 0;
  std::uint64_t successes = 0;
  std::uint64_t errors = 0;
  std::uint64_t role_conflicts = 0;  // 487
  std::uint16_t last_error = 0;
  std::uint64_t use_candidate = 0;
  bool controlling = false;
  bool controlled = false;
  bool nominated = false;  // a USE-CANDIDATE request answered with success
  TimeNs first_request = 0;
  TimeNs last_answered = 0;  // consent freshness (RFC 7675)
  std::uint64_t rtt_samples = 0;
  double rtt_sum_ms = 0;
  double rtt_max_ms = 0;
  std::string username;            // the last request's USERNAME
  std::optional<Endpoint> mapped;  // what the answers told this side it looks like
  // The last request and its answer, for MESSAGE-INTEGRITY once the SDP's ice-pwd is known.
  std::vector<std::uint8_t> last_request;
  std::vector<std::uint8_t> last_response;
  struct Pending {
    std::array<std::uint8_t, 12> transaction{};
    TimeNs time = 0;
    bool use_candidate = false;
  };
  std::array<Pending, 8> pending{};
  std::uint8_t next_pending = 0;
};
struct IcePair {
  Endpoint a;  // the first to send a check
  Endpoint b;
  std::uint64_t flow = 0;
  std::uint64_t first_frame = 0;
  std::uint64_t last_frame = 0;
  TimeNs first_time = 0;
  TimeNs last_time = 0;
  std::array<IceCheckSide, 2> side;
  // Set by associate_media.
  std::uint64_t call = kNoId;
  std::optional<bool> a_is_caller;
  std::array<std::optional<bool>, 2> integrity_ok;  // side's requests against the SDP ice-pwd
  // The address the answers gave a side is none of the call's SDP candidates: peer-reflexive
  // (RFC 8445 §7.2.5.3.1), a NAT the SDP did not know of.
  std::array<bool, 2> peer_reflexive{};
  bool nominated() const { return side[0].nominated || side[1].nominated; }
  bool answered() const { return side[0].successes + side[1].successes > 0; }
};

// A DTLS association on a media 5-tuple.
struct DtlsSession {
  Endpoint client;  // the ClientHello's sender
  Endpoint server;
  bool roles_known = false;
  std::uint64_t flow = 0;
  std::uint64_t first_frame = 0;
  std::uint64_t last_frame = 0;
  TimeNs first_time = 0;
  TimeNs last_time = 0;
  TimeNs handshake_end = 0;  // the first encrypted record after the ServerHello (1.2: Finished)
  std::uint64_t client_hellos = 0;
  std::uint64_t retransmissions = 0;  // ClientHellos repeating a message_seq already seen
  std::uint16_t last_client_hello_sequence = 0xFFFF;
  bool server_hello = false;
  std::uint16_t version = 0;
  std::uint16_t srtp_profile = 0;
  std::array<std::uint64_t, 2> encrypted{};  // records: 0 client to server, 1 server to client
  std::uint64_t application_data = 0;
  // The certificates (DTLS 1.2 only): 0 the client's, 1 the server's.
  std::array<bool, 2> has_certificate{};
  std::array<std::array<std::uint8_t, 32>, 2> certificate_sha256{};
  std::array<std::array<std::uint8_t, 20>, 2> certificate_sha1{};
  bool alert = false;
  std::uint8_t alert_level = 0;
  std::uint8_t alert_description = 0;
  bool alert_from_client = false;
  // Set by associate_media.
  std::uint64_t call = kNoId;
  bool completed = false;  // SRTP or application data followed on its 5-tuple
  std::optional<bool> fingerprint_ok;
  std::optional<bool> client_is_caller;
  std::string client_setup;  // the client's a=setup in the SDP ("active" is right)
};

struct MediaLimits {
  std::size_t max_streams = 100'000;  // beyond it, new streams are counted, not kept (~1.7 KB each,
                                      // and with timelines up to 8 KB more)
  std::size_t max_pairs = 100'000;
  // Keep each RTP stream's figures over time (RtpTimeline, at most 8 KB a stream) for plots:
  // the GUI wants them, the command line does not.
  bool timelines = false;
};

// Counts the media of a capture as it passes. Bounded: each stream, pair and session has a
// fixed size (ICE keeps its last request and answer, under 600 bytes each); nothing is kept per
// packet.
class MediaTracker final : public DatagramObserver {
 public:
  explicit MediaTracker(MediaLimits limits = {}) : limits_(limits) {}
  void on_datagram(const UdpFlowInfo& flow, const UdpDatagram& datagram,
                   DatagramKind kind) override;
  // The end of the capture: the streams' last holes are counted.
  void finish();
  // Forgets the streams, pairs and sessions whose last packet is before `cutoff` (a live
  // capture's media that no live call can claim any more).
  void forget_idle(TimeNs cutoff);

  std::vector<MediaStream>& streams() { return streams_; }
  const std::vector<MediaStream>& streams() const { return streams_; }
  std::vector<IcePair>& pairs() { return pairs_; }
  const std::vector<IcePair>& pairs() const { return pairs_; }
  std::vector<DtlsSession>& dtls() { return dtls_; }
  const std::vector<DtlsSession>& dtls() const { return dtls_; }
  std::uint64_t packets_not_kept() const { return not_kept_; }

 private:
  void on_rtp(const UdpFlowInfo& flow, const UdpDatagram& d, const Endpoint& src,
              const Endpoint& dst);
  void on_rtcp(const UdpFlowInfo& flow, const UdpDatagram& d, const Endpoint& src,
               const Endpoint& dst);
  void on_stun(const UdpFlowInfo& flow, const UdpDatagram& d, const Endpoint& src,
               const Endpoint& dst);
  void on_dtls(const UdpFlowInfo& flow, const UdpDatagram& d, const Endpoint& src,
               const Endpoint& dst);
  MediaStream* stream(const UdpFlowInfo& flow, const UdpDatagram& d, const Endpoint& src,
                      const Endpoint& dst, std::uint32_t ssrc, bool control);

  struct StreamKey {
    Endpoint src;
    Endpoint dst;
    std::uint32_t ssrc;
    bool control;
    bool operator==(const StreamKey&) const = default;
  };
  struct StreamKeyHash {
    std::size_t operator()(const StreamKey& k) const;
  };
  // The stream each (flow, direction, SSRC, kind) last went to, direct-mapped: most packets of
  // a flow belong to the stream its previous packet did, and this spares hashing two endpoints.
  struct CacheEntry {
    std::uint64_t flow = UINT64_MAX;
    std::uint32_t ssrc = 0;
    std::uint32_t stream = 0;
    std::uint8_t way = 0;  // direction and RTP/RTCP
  };
  static constexpr std::size_t kCacheSize = 1024;
  std::array<CacheEntry, kCacheSize> cache_{};
  static std::size_t cache_slot(std::uint64_t flow, std::uint32_t ssrc, std::uint8_t way) {
    return static_cast<std::size_t>((flow * 0x9E3779B97F4A7C15ull) ^ (ssrc * 0xC2B2AE35u) ^ way) %
           kCacheSize;
  }
  MediaLimits limits_;
  std::vector<MediaStream> streams_;
  std::unordered_map<StreamKey, std::size_t, StreamKeyHash> stream_index_;
  std::vector<IcePair> pairs_;
  std::unordered_map<FlowKey, std::size_t, FlowKeyHash> pair_index_;
  std::vector<DtlsSession> dtls_;
  std::unordered_map<FlowKey, std::size_t, FlowKeyHash> dtls_index_;
  // When each SR was seen, by its sender and NTP middle bits: the round trip of the RR that
  // echoes it (RFC 3550 §6.4.1). Bounded: emptied when it grows past kMaxSenderReports.
  static constexpr std::size_t kMaxSenderReports = 65'536;
  std::unordered_map<std::uint64_t, TimeNs> sender_reports_;
  std::uint64_t not_kept_ = 0;
  bool finished_ = false;
};

// A call's media, as associate_media found it.
enum class MediaVerdict : std::uint8_t {
  both_ways,
  caller_to_callee_only,
  callee_to_caller_only,
  none,
  held,
  no_sdp,
};
std::string_view media_verdict_name(MediaVerdict verdict);

// What a call's media verdict rests on beyond the verdict itself, kept only for calls that have
// some (a call with media, or a reason): a capture of signalling alone holds none of it.
struct CallMediaDetail {
  std::string reason_detail;  // for people: what was seen
  // Streams of another call that this one announced too (B2BUA legs passing the SDP through),
  // with their direction as seen from this call: counted in its verdict.
  std::vector<std::pair<std::size_t, MediaWay>> shared;
  std::array<std::optional<double>, 2> r_factor;  // by MediaWay
  std::array<std::string, 2> mos_inputs;
};

struct CallMedia {
  MediaVerdict verdict = MediaVerdict::no_sdp;
  bool webrtc = false;  // the SDP has ICE credentials
  // ice_no_checks, ice_unanswered, dtls_incomplete, ... or empty (a literal)
  std::string_view reason;
  std::vector<std::size_t> streams;  // indices into MediaTracker::streams()
  std::vector<std::size_t> pairs;
  std::vector<std::size_t> dtls;
  std::array<std::optional<double>, 2> mos;  // by MediaWay
  std::array<std::uint64_t, 2> packets{};    // RTP packets by MediaWay

  // Empty unless set: one shared empty detail for the calls without (152 bytes a call less on a
  // capture of 154,517 calls, every one of which has a CallMedia).
  const CallMediaDetail& detail() const { return detail_ ? *detail_ : kNone; }
  CallMediaDetail& edit_detail() {
    if (!detail_) detail_ = std::make_unique<CallMediaDetail>();
    return *detail_;
  }
  CallMedia() = default;
  CallMedia(const CallMedia& other) { *this = other; }
  CallMedia& operator=(const CallMedia& other);
  CallMedia(CallMedia&&) noexcept = default;
  CallMedia& operator=(CallMedia&&) noexcept = default;
  ~CallMedia() = default;

 private:
  static const CallMediaDetail kNone;
  std::unique_ptr<CallMediaDetail> detail_;
};

struct MediaReport {
  std::vector<CallMedia> calls;  // by call index
  std::vector<Finding> findings;
  std::size_t orphan_streams = 0;
};

struct MediaRuleOptions {
  double loss_warning_percent = 5.0;
  // A direction silent this long while the other goes on has stopped (SIPp playing a file ends
  // one direction up to ~2.3 s before the other after a hold: not a fault).
  TimeNs stopped_after = 3'000'000'000;
  // Count the streams' last holes first (the end of a file); a live analysis judging one call
  // as it leaves does not, since the streams go on.
  bool finish_streams = true;
};

// Ties the tracker's streams, pairs and sessions to the store's calls (setting their `call`,
// `way`, `kind`, codec...) and judges each call's media. Media no call claims stays with call
// kNoId (orphan streams).
MediaReport associate_media(const CallStore& store, MediaTracker& tracker,
                            const MediaRuleOptions& options = {});

// ITU-T G.107 E-model: R = 93.2 - Id - Ie,eff with the codec's Ie and Bpl (ITU-T G.113
// Appendix I) and random loss (BurstR 1); Id from the one-way delay when known. MOS from R by
// G.107 Annex B. `inputs` says what went in.
struct EModel {
  double r = 0;
  double mos = 0;
  std::string inputs;
};
EModel e_model(std::string_view codec, double loss_percent, std::optional<double> one_way_delay_ms);

// The frames of a call's media (its streams, ICE checks and DTLS), as what export keeps:
// calls the function with (from, to, either_way, first_frame, last_frame) for each.
template <class Visit>
void for_each_media_flow(const CallMedia& media, const MediaTracker& tracker, Visit&& visit) {
  for (const std::size_t i : media.streams) {
    const MediaStream& s = tracker.streams()[i];
    visit(s.src, s.dst, false, s.first_frame, s.last_frame);
  }
  for (const std::size_t i : media.pairs) {
    const IcePair& p = tracker.pairs()[i];
    visit(p.a, p.b, true, p.first_frame, p.last_frame);
  }
  for (const std::size_t i : media.dtls) {
    const DtlsSession& d = tracker.dtls()[i];
    visit(d.client, d.server, true, d.first_frame, d.last_frame);
  }
}

}  // namespace sipws
