#include "calls/media.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <set>
#include <unordered_set>

namespace sipws {

std::string_view media_kind_name(MediaKind kind) {
  switch (kind) {
    case MediaKind::rtp:
      return "rtp";
    case MediaKind::srtp:
      return "srtp";
    case MediaKind::rtcp:
      return "rtcp";
    case MediaKind::srtcp:
      return "srtcp";
  }
  return "rtp";
}

std::string_view media_way_name(MediaWay way) {
  switch (way) {
    case MediaWay::caller_to_callee:
      return "caller_to_callee";
    case MediaWay::callee_to_caller:
      return "callee_to_caller";
    case MediaWay::unknown:
      return "";
  }
  return "";
}

std::string_view media_verdict_name(MediaVerdict verdict) {
  switch (verdict) {
    case MediaVerdict::both_ways:
      return "both_ways";
    case MediaVerdict::caller_to_callee_only:
      return "caller_to_callee_only";
    case MediaVerdict::callee_to_caller_only:
      return "callee_to_caller_only";
    case MediaVerdict::none:
      return "none";
    case MediaVerdict::held:
      return "held";
    case MediaVerdict::no_sdp:
      return "no_sdp";
  }
  return "no_sdp";
}

double MediaStream::lost_percent() const {
  const std::uint64_t expected = rtp.expected();
  return expected == 0 ? 0
                       : 100.0 * static_cast<double>(rtp.lost()) / static_cast<double>(expected);
}

// ---------------------------------------------------------------------------------------------
// The tracker: per datagram, on the reading thread.

namespace {

std::size_t mix_hash(std::size_t seed, std::size_t value) {
  return seed ^ (value + 0x9E3779B97F4A7C15ull + (seed << 6) + (seed >> 2));
}
std::size_t endpoint_hash(const Endpoint& e) {
  std::uint64_t a = 0;
  std::uint64_t b = 0;
  std::memcpy(&a, e.address.bytes.data(), 8);
  std::memcpy(&b, e.address.bytes.data() + 8, 8);
  return mix_hash(mix_hash(std::hash<std::uint64_t>{}(a), std::hash<std::uint64_t>{}(b)), e.port);
}

FlowKey tuple_of(const Endpoint& x, const Endpoint& y) {
  bool low = false;
  return FlowKey::of(x, y, Transport::udp, low);
}

constexpr std::size_t kMaxStunKept = 600;

void keep_bytes(std::vector<std::uint8_t>& into, ByteView bytes) {
  if (bytes.size() > kMaxStunKept) return;
  into.assign(bytes.begin(), bytes.end());
}

double ms_between(TimeNs from, TimeNs to) {
  return static_cast<double>(to - from) / 1e6;
}

}  // namespace

std::size_t MediaTracker::StreamKeyHash::operator()(const StreamKey& k) const {
  return mix_hash(mix_hash(endpoint_hash(k.src), endpoint_hash(k.dst)),
                  (std::size_t{k.ssrc} << 1) | (k.control ? 1 : 0));
}

void MediaTracker::on_datagram(const UdpFlowInfo& flow, const UdpDatagram& d, DatagramKind kind) {
  const bool forward = d.direction != Direction::to_client;
  const Endpoint& src = forward ? flow.client : flow.server;
  const Endpoint& dst = forward ? flow.server : flow.client;
  switch (kind) {
    case DatagramKind::rtp:
      on_rtp(flow, d, src, dst);
      break;
    case DatagramKind::rtcp:
      on_rtcp(flow, d, src, dst);
      break;
    case DatagramKind::stun:
      on_stun(flow, d, src, dst);
      break;
    case DatagramKind::dtls:
      on_dtls(flow, d, src, dst);
      break;
    case DatagramKind::other:
      // DTLS 1.3 records with the unified header (first byte 001xxxxx) on a 5-tuple that
      // already carried a DTLS handshake.
      if (!d.payload.empty() && (d.payload[0] & 0xE0) == 0x20 &&
          dtls_index_.count(tuple_of(src, dst)) != 0) {
        on_dtls(flow, d, src, dst);
      }
      break;
    case DatagramKind::turn_channel: {
      // What the channel carries, counted on the client-server 5-tuple the capture sees (a
      // ChannelData inside a ChannelData is not followed).
      if (d.payload.size() < 4 || 4 + std::size_t{load_be16(&d.payload[2])} > d.payload.size())
        break;
      UdpDatagram inner = d;
      inner.payload = d.payload.subspan(4, load_be16(&d.payload[2]));
      const DatagramKind inner_kind = classify_non_sip_datagram(inner.payload);
      if (inner_kind != DatagramKind::turn_channel) on_datagram(flow, inner, inner_kind);
      break;
    }
    case DatagramKind::sip:
      break;
  }
}

MediaStream* MediaTracker::stream(const UdpFlowInfo& flow, const UdpDatagram& d,
                                  const Endpoint& src, const Endpoint& dst, std::uint32_t ssrc,
                                  bool control) {
  const auto way =
      static_cast<std::uint8_t>((d.direction == Direction::to_client ? 1 : 0) | (control ? 2 : 0));
  CacheEntry& cached = cache_[cache_slot(flow.index, ssrc, way)];
  if (cached.flow == flow.index && cached.ssrc == ssrc && cached.way == way) {
    return &streams_[cached.stream];
  }
  const StreamKey key{src, dst, ssrc, control};
  if (auto it = stream_index_.find(key); it != stream_index_.end()) {
    cached = {flow.index, ssrc, static_cast<std::uint32_t>(it->second), way};
    return &streams_[it->second];
  }
  if (streams_.size() >= limits_.max_streams) {
    ++not_kept_;
    return nullptr;
  }
  stream_index_.emplace(key, streams_.size());
  cached = {flow.index, ssrc, static_cast<std::uint32_t>(streams_.size()), way};
  MediaStream& s = streams_.emplace_back();
  s.src = src;
  s.dst = dst;
  s.ssrc = ssrc;
  s.control = control;
  s.flow = flow.index;
  s.first_frame = d.frame;
  s.first_time = d.timestamp;
  return &s;
}

void MediaTracker::on_rtp(const UdpFlowInfo& flow, const UdpDatagram& d, const Endpoint& src,
                          const Endpoint& dst) {
  const auto rtp = parse_rtp(d.payload);
  if (!rtp) return;
  MediaStream* s = stream(flow, d, src, dst, rtp->ssrc, false);
  if (s == nullptr) return;
  RtpStreamStats::Verdict verdict = s->rtp.add(*rtp, d.payload.size(), d.frame, d.timestamp);
  if (verdict == RtpStreamStats::Verdict::restart) {
    // The sender started a new sequence (a new call on the same ports, SIPp replaying a
    // file): a new stream from here.
    s->rtp.finish();
    const std::uint64_t restarts = s->rtp.sequence_restarts + 1;
    stream_index_.erase(StreamKey{src, dst, rtp->ssrc, false});
    const auto way = static_cast<std::uint8_t>(d.direction == Direction::to_client ? 1 : 0);
    cache_[cache_slot(flow.index, rtp->ssrc, way)].flow = UINT64_MAX;
    s = stream(flow, d, src, dst, rtp->ssrc, false);
    if (s == nullptr) return;
    s->rtp.sequence_restarts = restarts;
    verdict = s->rtp.add(*rtp, d.payload.size(), d.frame, d.timestamp);
  }
  if (limits_.timelines) s->timeline.add(s->rtp, verdict, d.timestamp);
  s->last_frame = d.frame;
  s->last_time = d.timestamp;
}

void MediaTracker::on_rtcp(const UdpFlowInfo& flow, const UdpDatagram& d, const Endpoint& src,
                           const Endpoint& dst) {
  const auto rtcp = parse_rtcp(d.payload);
  if (!rtcp) return;
  MediaStream* s = stream(flow, d, src, dst, rtcp->sender_ssrc, true);
  if (s == nullptr) return;
  s->last_frame = d.frame;
  s->last_time = d.timestamp;
  RtcpStreamStats& r = s->rtcp;
  ++r.packets;
  r.bytes += d.payload.size();
  if (rtcp->encrypted) ++r.encrypted;
  switch (rtcp->first_type) {
    case 200:
      ++r.sender_reports;
      break;
    case 201:
      ++r.receiver_reports;
      break;
    case 205:
    case 206:
      ++r.feedback;
      break;
    case 207:
      ++r.extended_reports;
      break;
    default:
      break;
  }
  if (rtcp->has_bye) ++r.byes;
  if (rtcp->encrypted) return;
  if (rtcp->has_sr) {
    if (sender_reports_.size() >= kMaxSenderReports) sender_reports_.clear();
    sender_reports_[(std::uint64_t{rtcp->sender_ssrc} << 32) | rtcp->sr_ntp_middle] = d.timestamp;
  }
  if (rtcp->has_xr_voip) {
    r.has_xr_voip = true;
    r.xr_r_factor = rtcp->xr_r_factor;
    r.xr_mos_lq = rtcp->xr_mos_lq;
  }
  for (std::size_t i = 0; i < rtcp->reports; ++i) {
    const RtcpReportBlock& block = rtcp->report[i];
    r.has_report = true;
    r.last_report = block;
    r.max_fraction_lost = std::max(r.max_fraction_lost, block.fraction_lost);
    if (block.last_sr == 0) continue;
    // The round trip as seen at the capture point: from the SR to this report, less the time
    // the reporter held it (DLSR, 1/65536 s).
    const auto it = sender_reports_.find((std::uint64_t{block.source} << 32) | block.last_sr);
    if (it == sender_reports_.end()) continue;
    const double rtt = ms_between(it->second, d.timestamp) - block.delay_since_last_sr / 65.536;
    if (rtt < 0) continue;
    ++r.rtt_samples;
    r.rtt_sum_ms += rtt;
    r.rtt_max_ms = std::max(r.rtt_max_ms, rtt);
  }
}

void MediaTracker::on_stun(const UdpFlowInfo& flow, const UdpDatagram& d, const Endpoint& src,
                           const Endpoint& dst) {
  const auto stun = parse_stun(d.payload);
  if (!stun || stun->method != 1) return;  // Binding only: what ICE checks are
  const FlowKey key = tuple_of(src, dst);
  auto it = pair_index_.find(key);
  if (it == pair_index_.end()) {
    if (stun->message_class != StunClass::request || pairs_.size() >= limits_.max_pairs) return;
    it = pair_index_.emplace(key, pairs_.size()).first;
    IcePair& p = pairs_.emplace_back();
    p.a = src;
    p.b = dst;
    p.flow = flow.index;
    p.first_frame = d.frame;
    p.first_time = d.timestamp;
  }
  IcePair& p = pairs_[it->second];
  p.last_time = d.timestamp;
  p.last_frame = d.frame;
  const bool from_a = src == p.a;
  if (stun->message_class == StunClass::request) {
    IceCheckSide& side = p.side[from_a ? 0 : 1];
    if (side.requests == 0) side.first_request = d.timestamp;
    ++side.requests;
    if (stun->use_candidate) ++side.use_candidate;
    side.controlling = side.controlling || stun->controlling;
    side.controlled = side.controlled || stun->controlled;
    if (side.username != stun->username) side.username.assign(stun->username);
    keep_bytes(side.last_request, d.payload);
    side.pending[side.next_pending] = {stun->transaction, d.timestamp, stun->use_candidate};
    side.next_pending = static_cast<std::uint8_t>((side.next_pending + 1) % side.pending.size());
    return;
  }
  if (stun->message_class != StunClass::success && stun->message_class != StunClass::error) return;
  // An answer belongs to the side that sent the request: the other one.
  IceCheckSide& side = p.side[from_a ? 1 : 0];
  if (stun->message_class == StunClass::success) {
    ++side.successes;
    side.last_answered = d.timestamp;
    if (stun->mapped) side.mapped = stun->mapped;
  } else {
    ++side.errors;
    side.last_error = stun->error_code;
    if (stun->error_code == 487) ++side.role_conflicts;
  }
  keep_bytes(side.last_response, d.payload);
  for (auto& pending : side.pending) {
    if (pending.time == 0 || pending.transaction != stun->transaction) continue;
    const double rtt = ms_between(pending.time, d.timestamp);
    ++side.rtt_samples;
    side.rtt_sum_ms += rtt;
    side.rtt_max_ms = std::max(side.rtt_max_ms, rtt);
    if (pending.use_candidate && stun->message_class == StunClass::success) side.nominated = true;
    pending.time = 0;
    break;
  }
}

void MediaTracker::on_dtls(const UdpFlowInfo& flow, const UdpDatagram& d, const Endpoint& src,
                           const Endpoint& dst) {
  const auto dtls = parse_dtls(d.payload);
  if (!dtls) return;
  const FlowKey key = tuple_of(src, dst);
  auto it = dtls_index_.find(key);
  if (it == dtls_index_.end()) {
    if (dtls_.size() >= limits_.max_pairs) return;
    it = dtls_index_.emplace(key, dtls_.size()).first;
    DtlsSession& s = dtls_.emplace_back();
    s.client = src;  // until a ClientHello says otherwise
    s.server = dst;
    s.flow = flow.index;
    s.first_frame = d.frame;
    s.first_time = d.timestamp;
  }
  DtlsSession& s = dtls_[it->second];
  s.last_frame = d.frame;
  s.last_time = d.timestamp;
  if (dtls->client_hello) {
    if (!s.roles_known) {
      s.client = src;
      s.server = dst;
      s.roles_known = true;
    }
    if (dtls->client_hello_start) {
      ++s.client_hellos;
      if (dtls->client_hello_sequence == s.last_client_hello_sequence) ++s.retransmissions;
      s.last_client_hello_sequence = dtls->client_hello_sequence;
    }
  }
  if (dtls->server_hello) {
    if (!s.roles_known) {
      s.client = dst;
      s.server = src;
      s.roles_known = true;
    }
    s.server_hello = true;
    if (dtls->version != 0) s.version = dtls->version;
    if (dtls->srtp_profile != 0) s.srtp_profile = dtls->srtp_profile;
  }
  const bool from_client = src == s.client;
  if (dtls->has_certificate_digest) {
    const std::size_t who = from_client ? 0 : 1;
    s.has_certificate[who] = true;
    s.certificate_sha256[who] = dtls->certificate_sha256;
    s.certificate_sha1[who] = dtls->certificate_sha1;
  }
  if (dtls->alert && !s.alert) {
    s.alert = true;
    s.alert_level = dtls->alert_level;
    s.alert_description = dtls->alert_description;
    s.alert_from_client = from_client;
  }
  if (dtls->encrypted_records > 0) {
    s.encrypted[from_client ? 0 : 1] += dtls->encrypted_records;
    if (s.handshake_end == 0 && s.server_hello) s.handshake_end = d.timestamp;
  }
  if (dtls->application_data) ++s.application_data;
}

void MediaTracker::forget_idle(TimeNs cutoff) {
  auto idle = [cutoff](const auto& x) { return x.last_time < cutoff; };
  const bool any = std::any_of(streams_.begin(), streams_.end(), idle) ||
                   std::any_of(pairs_.begin(), pairs_.end(), idle) ||
                   std::any_of(dtls_.begin(), dtls_.end(), idle);
  if (!any) return;
  std::erase_if(streams_, idle);
  std::erase_if(pairs_, idle);
  std::erase_if(dtls_, idle);
  stream_index_.clear();
  for (std::size_t i = 0; i < streams_.size(); ++i) {
    const MediaStream& s = streams_[i];
    // A restarted stream left its older part behind: the latest one takes the key.
    stream_index_.insert_or_assign(StreamKey{s.src, s.dst, s.ssrc, s.control}, i);
  }
  pair_index_.clear();
  for (std::size_t i = 0; i < pairs_.size(); ++i)
    pair_index_.emplace(tuple_of(pairs_[i].a, pairs_[i].b), i);
  dtls_index_.clear();
  for (std::size_t i = 0; i < dtls_.size(); ++i)
    dtls_index_.emplace(tuple_of(dtls_[i].client, dtls_[i].server), i);
  cache_.fill(CacheEntry{});
}

void MediaTracker::finish() {
  if (finished_) return;
  finished_ = true;
  for (MediaStream& s : streams_) {
    if (!s.control) s.rtp.finish();
  }
}

// ---------------------------------------------------------------------------------------------
// The E-model.

EModel e_model(std::string_view codec, double loss_percent,
               std::optional<double> one_way_delay_ms) {
  // Equipment impairment Ie and packet-loss robustness Bpl, ITU-T G.113 Appendix I (random
  // loss). Codecs G.113 does not list (Opus, iLBC, ...) are given G.711's values with packet
  // loss concealment, and say so: an estimate of the network's share, not of the codec's.
  std::string name(codec.substr(0, codec.find('/')));
  for (char& c : name) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  double ie = 0;
  double bpl = 25.1;
  std::string source = "G.711 with PLC";
  if (name == "PCMU" || name == "PCMA") {
    source = "G.711 with PLC";
  } else if (name == "G729" || name == "G729A") {
    ie = 11;
    bpl = 19.0;
    source = "G.729A";
  } else if (name == "G723") {
    ie = 15;
    bpl = 16.1;
    source = "G.723.1 6.3k";
  } else {
    source = (name.empty() ? std::string("unknown codec") : name) + " as G.711 with PLC";
  }
  const double ppl = std::clamp(loss_percent, 0.0, 100.0);
  const double ie_eff = ie + (95 - ie) * ppl / (ppl + bpl);  // BurstR = 1
  double id = 0;
  if (one_way_delay_ms) {
    const double d = *one_way_delay_ms;
    id = 0.024 * d + (d > 177.3 ? 0.11 * (d - 177.3) : 0);
  }
  EModel out;
  out.r = 93.2 - id - ie_eff;
  const double r = out.r;
  out.mos = r <= 0 ? 1.0 : r >= 100 ? 4.5 : 1 + 0.035 * r + r * (r - 60) * (100 - r) * 7e-6;
  char text[200];
  if (one_way_delay_ms) {
    std::snprintf(text, sizeof text, "Ie=%g Bpl=%g (%s) Ppl=%.2f%% delay=%.1fms Id=%.2f", ie, bpl,
                  source.c_str(), ppl, *one_way_delay_ms, id);
  } else {
    std::snprintf(text, sizeof text, "Ie=%g Bpl=%g (%s) Ppl=%.2f%% delay=unknown Id=0", ie, bpl,
                  source.c_str(), ppl);
  }
  out.inputs = text;
  return out;
}

// ---------------------------------------------------------------------------------------------
// Association and verdicts.

namespace {

struct Announcement {
  std::uint64_t call = 0;
  bool from_caller = false;
  TimeNs time = 0;      // when the SDP was sent
  TimeNs call_end = 0;  // the call's last message
  const SdpMediaInfo* media = nullptr;
};
constexpr TimeNs kSlack = 5'000'000'000;  // ICE and DTLS start before the answer is on the wire

bool usable(const Endpoint& e) {
  if (e.port == 0 || e.port == 9 || e.address.version == 0) return false;  // 9: "discard"
  return std::any_of(e.address.bytes.begin(), e.address.bytes.end(),
                     [](std::uint8_t b) { return b != 0; });
}

// Of the announcements of one endpoint, sorted by time (ports are reused from call to call),
// the latest made before `time` (with slack) by a call that had not ended long before it; none
// when no call fits. A binary search and a short walk back, so that SIPp's one media port
// announced by 100,000 calls costs a few steps a stream.
const Announcement* pick(const std::vector<Announcement>& list, TimeNs time) {
  auto it = std::upper_bound(list.begin(), list.end(), time + kSlack,
                             [](TimeNs t, const Announcement& a) { return t < a.time; });
  for (int steps = 0; it != list.begin() && steps < 64; ++steps) {
    --it;
    if (it->call_end + kSlack >= time) return &*it;
  }
  return nullptr;
}

// The announcements of `list` made between two times.
std::pair<std::vector<Announcement>::const_iterator, std::vector<Announcement>::const_iterator>
announced_between(const std::vector<Announcement>& list, TimeNs from, TimeNs to) {
  const auto begin = std::lower_bound(list.begin(), list.end(), from,
                                      [](const Announcement& a, TimeNs t) { return a.time < t; });
  const auto end = std::upper_bound(begin, list.end(), to,
                                    [](TimeNs t, const Announcement& a) { return t < a.time; });
  return {begin, end};
}

std::vector<const SdpSide*> sides_of(const Call& call) {
  std::vector<const SdpSide*> out;
  if (!call.sdp) return out;
  if (call.sdp->offer) out.push_back(&*call.sdp->offer);
  if (call.sdp->answer) out.push_back(&*call.sdp->answer);
  for (const SdpSide& s : call.sdp->others) out.push_back(&s);
  return out;
}

// A static payload type's name (RFC 3551 §6) when no rtpmap names it.
std::string_view static_codec(std::uint8_t pt) {
  switch (pt) {
    case 0:
      return "PCMU/8000";
    case 3:
      return "GSM/8000";
    case 4:
      return "G723/8000";
    case 8:
      return "PCMA/8000";
    case 9:
      return "G722/8000";
    case 13:
      return "CN/8000";
    case 18:
      return "G729/8000";
    default:
      return "";
  }
}

std::uint32_t clock_rate_of(std::string_view codec) {
  const auto slash = codec.find('/');
  if (slash == std::string_view::npos) return 0;
  std::uint32_t rate = 0;
  for (std::size_t i = slash + 1; i < codec.size() && codec[i] >= '0' && codec[i] <= '9'; ++i) {
    rate = rate * 10 + static_cast<std::uint32_t>(codec[i] - '0');
    if (rate > 10'000'000) return 0;
  }
  return rate;
}

// The codec a call's SDPs give a payload type (empty: none does).
std::string codec_for(const std::vector<const SdpSide*>& sides, std::uint8_t pt) {
  for (const SdpSide* side : sides) {
    for (const SdpMediaInfo& m : side->media) {
      const SdpFormats& f = *m.formats;
      for (std::size_t i = 0; i < f.payload_types.size() && i < f.codecs.size(); ++i) {
        if (f.payload_types[i] == pt) return std::string(f.codecs[i]);
      }
    }
  }
  return std::string(static_codec(pt));
}
bool offered(const std::vector<const SdpSide*>& sides, std::uint8_t pt) {
  for (const SdpSide* side : sides) {
    for (const SdpMediaInfo& m : side->media) {
      // The m= line lists every type offered, with an rtpmap or (static types) without.
      const SdpFormats& f = *m.formats;
      if (std::find(f.listed.begin(), f.listed.end(), pt) != f.listed.end() ||
          std::find(f.payload_types.begin(), f.payload_types.end(), pt) != f.payload_types.end())
        return true;
    }
  }
  return false;
}

bool secure_proto(std::string_view proto) {
  return proto.find("SAVP") != std::string_view::npos;
}

std::string hex_colon(const std::uint8_t* bytes, std::size_t n) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (std::size_t i = 0; i < n; ++i) {
    if (i != 0) out += ':';
    out += kHex[bytes[i] >> 4];
    out += kHex[bytes[i] & 0xF];
  }
  return out;
}

// Whether a certificate digest matches an a=fingerprint ("sha-256 AB:CD:..."); nullopt when the
// fingerprint's hash is one we did not compute.
std::optional<bool> fingerprint_matches(std::string_view fingerprint, const DtlsSession& s,
                                        std::size_t who) {
  const auto space = fingerprint.find(' ');
  if (space == std::string_view::npos) return std::nullopt;
  std::string hash(fingerprint.substr(0, space));
  std::string value(fingerprint.substr(space + 1));
  for (char& c : hash) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (char& c : value) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  while (!value.empty() && (value.back() == ' ' || value.back() == '\r')) value.pop_back();
  if (hash == "sha-256") return value == hex_colon(s.certificate_sha256[who].data(), 32);
  if (hash == "sha-1") return value == hex_colon(s.certificate_sha1[who].data(), 20);
  return std::nullopt;
}

Finding media_finding(FindingId id, const Call& call, std::uint64_t frame, std::string detail) {
  Finding f(id);
  f.call = call.index;
  f.frame = frame;
  f.detail = std::move(detail);
  return f;
}

std::string seconds_text(TimeNs t, TimeNs origin) {
  char text[32];
  std::snprintf(text, sizeof text, "%.3f s", static_cast<double>(t - origin) / 1e9);
  return text;
}

std::string way_words(MediaWay way) {
  return way == MediaWay::caller_to_callee ? "caller to callee" : "callee to caller";
}

}  // namespace

const CallMediaDetail CallMedia::kNone{};

CallMedia& CallMedia::operator=(const CallMedia& other) {
  if (this == &other) return *this;
  verdict = other.verdict;
  webrtc = other.webrtc;
  reason = other.reason;
  streams = other.streams;
  pairs = other.pairs;
  dtls = other.dtls;
  mos = other.mos;
  packets = other.packets;
  detail_ = other.detail_ ? std::make_unique<CallMediaDetail>(*other.detail_) : nullptr;
  return *this;
}

MediaReport associate_media(const CallStore& store, MediaTracker& tracker,
                            const MediaRuleOptions& options) {
  if (options.finish_streams) tracker.finish();
  MediaReport report;
  const auto& calls = store.calls();
  report.calls.resize(calls.size());

  auto& pairs = tracker.pairs();
  auto& sessions = tracker.dtls();
  auto& streams = tracker.streams();

  // What every SDP announced: endpoints (RTP, RTCP, candidates), ICE ufrags, SSRCs. Only the
  // keys the media seen will look up are indexed: every lookup below is of an endpoint, a
  // ufrag or an SSRC of the tracker's streams, pairs and sessions. A capture of SIP alone
  // (a proxy's signalling port) indexes nothing, where indexing every announcement of
  // big.pcap's 154,517 calls took 150 MB at the peak.
  const auto hash_endpoint = [](const Endpoint& e) { return endpoint_hash(e); };
  using EndpointSet = std::unordered_set<Endpoint, decltype(hash_endpoint)>;
  EndpointSet seen_endpoints(64, hash_endpoint);
  std::unordered_set<std::string> seen_ufrags;
  std::unordered_set<std::uint32_t> seen_ssrcs;
  for (const IcePair& p : pairs) {
    seen_endpoints.insert({p.a, p.b});
    for (const IceCheckSide& side : p.side) {
      if (side.mapped) seen_endpoints.insert(*side.mapped);
      const auto colon = side.username.find(':');
      if (colon == std::string::npos) continue;
      seen_ufrags.insert(side.username.substr(0, colon));
      seen_ufrags.insert(side.username.substr(colon + 1));
    }
  }
  for (const DtlsSession& s : sessions) seen_endpoints.insert({s.client, s.server});
  for (const MediaStream& s : streams) {
    seen_endpoints.insert({s.src, s.dst});
    seen_ssrcs.insert(s.ssrc);
  }
  std::unordered_map<Endpoint, std::vector<Announcement>, decltype(hash_endpoint)> endpoints(
      64, hash_endpoint);
  std::unordered_map<std::string, std::vector<Announcement>> ufrags;
  std::unordered_map<std::uint32_t, std::vector<Announcement>> ssrcs;
  const auto announce = [&](const Endpoint& e, const Announcement& a) {
    if (seen_endpoints.count(e) != 0) endpoints[e].push_back(a);
  };
  for (const Call& call : calls) {
    for (const SdpSide* side : sides_of(call)) {
      for (const SdpMediaInfo& m : side->media) {
        if (m.port == 0) continue;  // a rejected or removed stream
        const Announcement a{call.index, side->from_caller, side->time, call.end, &m};
        const Endpoint rtp{m.ip, m.port};
        if (usable(rtp)) {
          announce(rtp, a);
          if (!m.rtcp_mux) {
            const Endpoint rtcp{
                m.ip, m.rtcp_port != 0 ? m.rtcp_port : static_cast<std::uint16_t>(m.port + 1)};
            announce(rtcp, a);
          }
        }
        for (const SdpCandidateInfo& c : m.candidates) {
          if (!c.tcp && usable(c.endpoint)) announce(c.endpoint, a);
        }
        if (!m.ice_ufrag.empty()) {
          std::string ufrag(m.ice_ufrag);
          if (seen_ufrags.count(ufrag) != 0) ufrags[ufrag].push_back(a);
        }
        for (const std::uint32_t ssrc : m.ssrcs) {
          if (seen_ssrcs.count(ssrc) != 0) ssrcs[ssrc].push_back(a);
        }
      }
    }
  }
  auto by_time = [](const Announcement& x, const Announcement& y) { return x.time < y.time; };
  for (auto& [e, list] : endpoints) std::stable_sort(list.begin(), list.end(), by_time);
  for (auto& [u, list] : ufrags) std::stable_sort(list.begin(), list.end(), by_time);
  for (auto& [x, list] : ssrcs) std::stable_sort(list.begin(), list.end(), by_time);
  auto find_endpoint = [&](const Endpoint& e, TimeNs t) -> const Announcement* {
    const auto it = endpoints.find(e);
    return it == endpoints.end() ? nullptr : pick(it->second, t);
  };

  // ICE pairs: USERNAME is "receiver:sender" ufrags (RFC 8445 §7.2.2).
  std::unordered_map<FlowKey, std::size_t, FlowKeyHash> pair_of_tuple;
  for (std::size_t i = 0; i < pairs.size(); ++i) {
    IcePair& p = pairs[i];
    // What an earlier association (a live analysis judges each call as it leaves) set.
    p.call = kNoId;
    p.a_is_caller.reset();
    p.integrity_ok = {};
    p.peer_reflexive = {};
    pair_of_tuple.emplace(tuple_of(p.a, p.b), i);
    for (std::size_t s = 0; s < 2 && p.call == kNoId; ++s) {
      const std::string& user = p.side[s].username;
      const auto colon = user.find(':');
      if (colon == std::string::npos) continue;
      const auto sender = ufrags.find(user.substr(colon + 1));
      const auto receiver = ufrags.find(user.substr(0, colon));
      const Announcement* a = nullptr;
      if (sender != ufrags.end()) a = pick(sender->second, p.first_time);
      if (a == nullptr && receiver != ufrags.end()) {
        a = pick(receiver->second, p.first_time);
        if (a != nullptr) {
          p.call = a->call;
          p.a_is_caller = (s == 0) != a->from_caller;  // the receiver is the other party
          continue;
        }
      }
      if (a == nullptr) continue;
      p.call = a->call;
      p.a_is_caller = (s == 0) == a->from_caller;
    }
    if (p.call == kNoId) {
      // No USERNAME known to any SDP: by the candidates' endpoints.
      if (const Announcement* a = find_endpoint(p.b, p.first_time)) {
        p.call = a->call;
        p.a_is_caller = !a->from_caller;
      } else if (const Announcement* x = find_endpoint(p.a, p.first_time)) {
        p.call = x->call;
        p.a_is_caller = x->from_caller;
      }
    }
    if (p.call != kNoId) report.calls[p.call].pairs.push_back(i);
  }

  // Which party an endpoint of a call belongs to: its announcements, else the ICE pairs.
  auto party_of = [&](std::uint64_t call, const Endpoint& e, TimeNs t) -> std::optional<bool> {
    if (const auto it = endpoints.find(e); it != endpoints.end()) {
      // Only the announcements made while this call was going on.
      const auto [begin, end] =
          announced_between(it->second, calls[call].start - kSlack, calls[call].end + kSlack);
      for (auto a = begin; a != end; ++a) {
        if (a->call == call) return a->from_caller;
      }
    }
    for (const std::size_t i : report.calls[call].pairs) {
      const IcePair& p = pairs[i];
      if (!p.a_is_caller) continue;
      if (p.a == e) return *p.a_is_caller;
      if (p.b == e) return !*p.a_is_caller;
      for (std::size_t s = 0; s < 2; ++s) {
        if (p.side[s].mapped && *p.side[s].mapped == e) return (s == 0) == *p.a_is_caller;
      }
    }
    (void)t;
    return std::nullopt;
  };
  auto call_of_tuple = [&](const Endpoint& x, const Endpoint& y) -> std::uint64_t {
    const auto it = pair_of_tuple.find(tuple_of(x, y));
    return it == pair_of_tuple.end() ? kNoId : pairs[it->second].call;
  };

  // DTLS sessions.
  std::unordered_map<FlowKey, std::size_t, FlowKeyHash> dtls_of_tuple;
  for (std::size_t i = 0; i < sessions.size(); ++i) {
    DtlsSession& s = sessions[i];
    s.fingerprint_ok.reset();
    s.client_is_caller.reset();
    s.client_setup.clear();
    dtls_of_tuple.emplace(tuple_of(s.client, s.server), i);
    s.call = call_of_tuple(s.client, s.server);
    if (s.call == kNoId) {
      if (const Announcement* a = find_endpoint(s.server, s.first_time)) {
        s.call = a->call;
      } else if (const Announcement* b = find_endpoint(s.client, s.first_time)) {
        s.call = b->call;
      }
    }
    if (s.call != kNoId) report.calls[s.call].dtls.push_back(i);
  }

  // Streams.
  for (std::size_t i = 0; i < streams.size(); ++i) {
    MediaStream& s = streams[i];
    s.call = kNoId;
    s.way = MediaWay::unknown;
    s.codec.clear();
    s.clock_rate = 0;
    s.announced = s.unexpected_source = s.unknown_payload_type = false;
    s.dtmf.clear();
    s.r_factor.reset();
    s.mos.reset();
    s.mos_inputs.clear();
    std::optional<bool> from_caller;
    const SdpMediaInfo* section = nullptr;  // the SDP section that announced it
    if (const std::uint64_t call = call_of_tuple(s.src, s.dst); call != kNoId) {
      s.call = call;
      s.announced = true;
      from_caller = party_of(call, s.src, s.first_time);
      if (!from_caller) {
        if (auto to = party_of(call, s.dst, s.first_time)) from_caller = !*to;
      }
    } else if (const Announcement* to = find_endpoint(s.dst, s.first_time)) {
      s.call = to->call;
      s.announced = true;
      from_caller = !to->from_caller;
      section = to->media;
    } else if (const Announcement* from = find_endpoint(s.src, s.first_time)) {
      s.call = from->call;
      from_caller = from->from_caller;
      section = from->media;
    } else if (const auto it = ssrcs.find(s.ssrc); it != ssrcs.end()) {
      if (const Announcement* a = pick(it->second, s.first_time)) {
        s.call = a->call;
        from_caller = a->from_caller;
        section = a->media;
      }
    }
    const bool has_dtls = dtls_of_tuple.count(tuple_of(s.src, s.dst)) != 0;
    if (s.call == kNoId) {
      ++report.orphan_streams;
      s.kind = s.control ? (s.rtcp.encrypted > 0 ? MediaKind::srtcp : MediaKind::rtcp)
                         : (has_dtls ? MediaKind::srtp : MediaKind::rtp);
      continue;
    }
    const Call& call = calls[s.call];
    const auto sides = sides_of(call);
    if (from_caller) s.way = *from_caller ? MediaWay::caller_to_callee : MediaWay::callee_to_caller;
    // SRTP when DTLS ran on its 5-tuple or its SDP section's profile is secure (RTP/SAVP,
    // UDP/TLS/RTP/SAVPF): a relay may bridge a secure leg to a plain one within one call.
    bool secure = has_dtls || (section != nullptr && secure_proto(section->proto));
    // From an address no SDP or ICE check of the call announced, nor any host that sent its SIP
    // (a NATed party's media comes from the public address its SIP came from: latching).
    s.unexpected_source =
        !party_of(call.index, s.src, s.first_time).has_value() &&
        std::none_of(call.messages.begin(), call.messages.end(), [&](const CallMessage& m) {
          return store.summaries()[m.record].path->src.address == s.src.address;
        });
    if (s.control) {
      // A plain RTP/AVP section means plain RTCP, whatever a stack appends to its compounds.
      const bool plain = section != nullptr && !secure;
      s.kind = secure || (!plain && s.rtcp.encrypted > 0) ? MediaKind::srtcp : MediaKind::rtcp;
    } else {
      s.kind = secure ? MediaKind::srtp : MediaKind::rtp;
      const std::uint8_t pt = s.rtp.main_payload_type();
      s.codec = codec_for(sides, pt);
      s.clock_rate = clock_rate_of(s.codec);
      for (std::size_t k = 0; k < s.rtp.payload_type_count; ++k) {
        // Padding-only packets (bandwidth probes) carry the stream's payload type; any type the
        // SDPs never offered is a fault (RFC 3264 §5.1).
        if (!offered(sides, s.rtp.payload_types[k].payload_type)) s.unknown_payload_type = true;
      }
      if (s.rtp.event_count > 0) {
        const std::string event_codec = codec_for(sides, s.rtp.event_payload_type);
        if (event_codec.rfind("telephone-event", 0) == 0) {
          for (std::size_t k = 0; k < s.rtp.event_count; ++k)
            s.dtmf += telephone_event_char(s.rtp.events[k].event);
        }
      }
    }
    report.calls[s.call].streams.push_back(i);
  }

  // Streams another call announced as well, over its own time: shared with it.
  for (std::size_t i = 0; i < streams.size(); ++i) {
    const MediaStream& s = streams[i];
    if (s.call == kNoId || s.control) continue;
    for (const bool to : {true, false}) {
      const auto it = endpoints.find(to ? s.dst : s.src);
      if (it == endpoints.end()) continue;
      // B2BUA legs announce within seconds of each other: a minute back is plenty.
      const auto [begin, end] =
          announced_between(it->second, s.first_time - 60'000'000'000, s.last_time + kSlack);
      for (auto ai = begin; ai != end; ++ai) {
        const Announcement& a = *ai;
        const Call& other = calls[a.call];
        if (a.call == s.call || other.start > s.last_time || other.end + kSlack < s.first_time)
          continue;
        auto& shared = report.calls[a.call].edit_detail().shared;
        const MediaWay way = (to ? !a.from_caller : a.from_caller) ? MediaWay::caller_to_callee
                                                                   : MediaWay::callee_to_caller;
        if (std::none_of(shared.begin(), shared.end(), [&](const auto& x) { return x.first == i; }))
          shared.emplace_back(i, way);
      }
    }
  }

  // DTLS: complete when SRTP followed on its 5-tuple; certificates against a=fingerprint; the
  // client's a=setup.
  for (DtlsSession& s : sessions) {
    s.completed = s.application_data > 0;
    for (const std::size_t i :
         s.call == kNoId ? std::vector<std::size_t>{} : report.calls[s.call].streams) {
      const MediaStream& m = streams[i];
      if (tuple_of(m.src, m.dst) == tuple_of(s.client, s.server) && m.last_time >= s.first_time)
        s.completed = true;
    }
    if (s.call == kNoId) continue;
    const Call& call = calls[s.call];
    s.client_is_caller = party_of(call.index, s.client, s.first_time);
    for (std::size_t who = 0; who < 2; ++who) {
      if (!s.has_certificate[who]) continue;
      // The certificate must match the fingerprint its owner announced; when the owner is not
      // known, any fingerprint of the call.
      const std::optional<bool> owner_is_caller =
          s.client_is_caller
              ? std::optional<bool>(who == 0 ? *s.client_is_caller : !*s.client_is_caller)
              : std::nullopt;
      bool any = false;
      bool match = false;
      for (const SdpSide* side : sides_of(call)) {
        if (owner_is_caller && side->from_caller != *owner_is_caller) continue;
        for (const SdpMediaInfo& m : side->media) {
          if (m.fingerprint.empty()) continue;
          if (auto ok = fingerprint_matches(m.fingerprint, s, who)) {
            any = true;
            match = match || *ok;
          }
        }
      }
      if (any) s.fingerprint_ok = s.fingerprint_ok.value_or(true) && match;
    }
    if (s.client_is_caller) {
      for (const SdpSide* side : sides_of(call)) {
        if (side->from_caller != *s.client_is_caller) continue;
        for (const SdpMediaInfo& m : side->media) {
          if (!m.setup.empty()) s.client_setup = std::string(m.setup);
        }
      }
    }
  }

  // ICE credentials: each side's last request must verify with the receiver's ice-pwd. And
  // mapped addresses that no SDP of the call had as a candidate: peer-reflexive.
  for (IcePair& p : pairs) {
    if (p.call == kNoId) continue;
    for (std::size_t s = 0; s < 2; ++s) {
      if (!p.side[s].mapped) continue;
      const auto it = endpoints.find(*p.side[s].mapped);
      p.peer_reflexive[s] = it == endpoints.end() ||
                            std::none_of(it->second.begin(), it->second.end(),
                                         [&](const Announcement& a) { return a.call == p.call; });
    }
    for (std::size_t s = 0; s < 2; ++s) {
      const IceCheckSide& side = p.side[s];
      const auto colon = side.username.find(':');
      if (side.last_request.empty() || colon == std::string::npos) continue;
      const std::string receiver = side.username.substr(0, colon);
      std::string password;
      for (const SdpSide* sdp : sides_of(calls[p.call])) {
        for (const SdpMediaInfo& m : sdp->media) {
          if (m.ice_ufrag == receiver && !m.ice_pwd.empty()) password.assign(m.ice_pwd);
        }
      }
      if (password.empty()) continue;
      const ByteView bytes(side.last_request.data(), side.last_request.size());
      if (const auto stun = parse_stun(bytes))
        p.integrity_ok[s] = verify_stun_integrity(bytes, *stun, password);
    }
  }

  // Verdicts.
  const bool capture_has_media = !streams.empty() || !pairs.empty() || !sessions.empty();
  // The hosts whose media the capture saw: a call none of whose media hosts is among them was
  // captured where its media does not pass (a proxy that anchors only some calls' media).
  std::set<IpAddress> media_hosts;
  for (const MediaStream& x : streams) media_hosts.insert({x.src.address, x.dst.address});
  for (const IcePair& x : pairs) media_hosts.insert({x.a.address, x.b.address});
  for (const DtlsSession& x : sessions) media_hosts.insert({x.client.address, x.server.address});
  for (const Call& call : calls) {
    CallMedia& media = report.calls[call.index];
    const auto sides = sides_of(call);
    for (const SdpSide* side : sides) {
      for (const SdpMediaInfo& m : side->media) media.webrtc = media.webrtc || !m.ice_ufrag.empty();
    }
    // Per way: the main RTP stream (most packets), its first and last packet.
    std::array<const MediaStream*, 2> main{};
    std::array<TimeNs, 2> last{};
    std::array<bool, 2> any{};
    bool secure = false;
    // The call's own streams, and those it shares with another call that announced the same
    // endpoints at the time (a B2BUA's legs that pass the SDP through unchanged).
    std::vector<std::pair<std::size_t, MediaWay>> judged;
    for (const std::size_t i : media.streams) judged.emplace_back(i, streams[i].way);
    const auto& shared = media.detail().shared;
    judged.insert(judged.end(), shared.begin(), shared.end());
    for (const auto& [i, way] : judged) {
      const MediaStream& s = streams[i];
      if (s.control || way == MediaWay::unknown) continue;
      const auto w = static_cast<std::size_t>(way);
      any[w] = true;
      media.packets[w] += s.rtp.packets;
      last[w] = std::max(last[w], s.last_time);
      if (main[w] == nullptr || s.rtp.packets > main[w]->rtp.packets) main[w] = &s;
      secure = secure || s.kind == MediaKind::srtp;
    }
    // RTT from RTCP, for the E-model's delay.
    std::optional<double> rtt;
    for (const std::size_t i : media.streams) {
      const MediaStream& s = streams[i];
      if (s.control && s.rtcp.rtt_samples > 0)
        rtt = s.rtcp.rtt_sum_ms / static_cast<double>(s.rtcp.rtt_samples);
    }
    for (std::size_t w = 0; w < 2; ++w) {
      if (main[w] == nullptr) continue;
      const EModel e = e_model(main[w]->codec, main[w]->lost_percent(),
                               rtt ? std::optional<double>(*rtt / 2) : std::nullopt);
      media.edit_detail().r_factor[w] = e.r;
      media.mos[w] = e.mos;
      media.edit_detail().mos_inputs[w] = e.inputs;
      MediaStream& s = streams[static_cast<std::size_t>(main[w] - streams.data())];
      s.r_factor = e.r;
      s.mos = e.mos;
      s.mos_inputs = e.inputs;
    }
    if (sides.empty()) {
      media.verdict = MediaVerdict::no_sdp;
      continue;
    }
    // What the last SDP of each party says it does: a party that only receives (or neither)
    // is on hold as negotiated.
    std::array<std::string_view, 2> direction{"sendrecv", "sendrecv"};  // by party: 0 caller
    std::array<TimeNs, 2> direction_time{INT64_MIN, INT64_MIN};
    for (const SdpSide* side : sides) {
      const std::size_t party = side->from_caller ? 0 : 1;
      if (side->time < direction_time[party]) continue;
      for (const SdpMediaInfo& m : side->media) {
        if (m.type != "audio" && m.type != "video") continue;
        // Port 0 removes the stream; c=0.0.0.0 is RFC 2543's hold ("do not send to me").
        const bool zero_address = m.ip.version == 4 && m.ip.bytes[0] == 0 && m.ip.bytes[1] == 0 &&
                                  m.ip.bytes[2] == 0 && m.ip.bytes[3] == 0 && m.candidates.empty();
        direction[party] = m.port == 0           ? "inactive"
                           : zero_address        ? "sendonly"
                           : m.direction.empty() ? "sendrecv"
                                                 : m.direction.view();
        direction_time[party] = side->time;
        break;
      }
    }
    auto sends = [&](std::size_t party) {
      return direction[party] == "sendrecv" || direction[party] == "sendonly";
    };
    auto receives = [&](std::size_t party) {
      return direction[party] == "sendrecv" || direction[party] == "recvonly";
    };
    // Way 0 (caller to callee) is expected when the caller sends and the callee receives.
    const std::array<bool, 2> expected{sends(0) && receives(1), sends(1) && receives(0)};
    // A direction that stopped while the other went on and the call was still up.
    const TimeNs call_end = call.end;
    std::array<bool, 2> stopped{};
    for (std::size_t w = 0; w < 2; ++w) {
      const std::size_t other = 1 - w;
      // Not a direction the last SDPs put on hold: then silence is what was asked for.
      if (expected[w] && any[w] && any[other] && last[w] + options.stopped_after < last[other] &&
          last[w] + options.stopped_after < call_end) {
        stopped[w] = true;
      }
    }
    std::array<bool, 2> flowing{any[0] && !stopped[0], any[1] && !stopped[1]};
    const bool answered = call.answer.has_value();
    if (flowing[0] && flowing[1]) {
      media.verdict = MediaVerdict::both_ways;
    } else if ((flowing[0] || !expected[0]) && (flowing[1] || !expected[1]) &&
               !(expected[0] && expected[1])) {
      media.verdict = MediaVerdict::held;
    } else if (flowing[0]) {
      media.verdict = MediaVerdict::caller_to_callee_only;
    } else if (flowing[1]) {
      media.verdict = MediaVerdict::callee_to_caller_only;
    } else {
      media.verdict = MediaVerdict::none;
    }
    // A capture of signalling only (a `port 5060` filter, a HEP feed) says nothing about media:
    // no fault is judged where the capture holds no media at all.
    // Nor for a call whose SDPs offer no RTP at all (T.38 fax over UDPTL, MSRP).
    bool offers_rtp = false;
    for (const SdpSide* side : sides) {
      for (const SdpMediaInfo& m : side->media) {
        offers_rtp =
            offers_rtp || (m.port != 0 && m.proto.view().find("RTP") != std::string_view::npos);
      }
    }
    bool seen_host = false;
    for (const SdpSide* side : sides) {
      for (const SdpMediaInfo& m : side->media) {
        seen_host = seen_host || media_hosts.count(m.ip) != 0;
        for (const SdpCandidateInfo& c : m.candidates)
          seen_host = seen_host || media_hosts.count(c.endpoint.address) != 0;
      }
    }
    const bool fault = media.verdict != MediaVerdict::both_ways &&
                       media.verdict != MediaVerdict::held && answered && capture_has_media &&
                       offers_rtp && seen_host;

    // Why: the first explanation the capture supports.
    std::uint64_t checks = 0;
    std::uint64_t answers = 0;
    TimeNs last_answer = 0;
    for (const std::size_t i : media.pairs) {
      for (const IceCheckSide& side : pairs[i].side) {
        checks += side.requests;
        answers += side.successes;
        last_answer = std::max(last_answer, side.last_answered);
      }
    }
    const DtlsSession* failed_dtls = nullptr;
    bool dtls_done = false;
    for (const std::size_t i : media.dtls) {
      const DtlsSession& s = sessions[i];
      dtls_done = dtls_done || s.completed;
      if (!s.completed || s.alert || s.fingerprint_ok == false) failed_dtls = &s;
    }
    bool expects_dtls = false;
    for (const SdpSide* side : sides) {
      for (const SdpMediaInfo& m : side->media) {
        expects_dtls = expects_dtls || (m.port != 0 && !m.fingerprint.empty());
      }
    }
    const MediaStream* unexpected = nullptr;
    for (const std::size_t i : media.streams) {
      if (streams[i].unexpected_source && !streams[i].control) unexpected = &streams[i];
    }
    if (fault) {
      if (media.webrtc && checks == 0) {
        media.reason = "ice_no_checks";
        media.edit_detail().reason_detail = "no ICE connectivity check was seen for this call";
      } else if (media.webrtc && answers == 0) {
        media.reason = "ice_unanswered";
        media.edit_detail().reason_detail = std::to_string(checks) + " ICE checks, none answered";
      } else if (failed_dtls != nullptr && failed_dtls->fingerprint_ok == false) {
        media.reason = "dtls_fingerprint_mismatch";
        media.edit_detail().reason_detail =
            "a DTLS certificate does not match the SDP's a=fingerprint";
      } else if (failed_dtls != nullptr && failed_dtls->alert) {
        media.reason = "dtls_alert";
        media.edit_detail().reason_detail =
            "DTLS alert " + std::string(tls_alert_name(failed_dtls->alert_description));
      } else if (expects_dtls && !dtls_done) {
        media.reason = "dtls_incomplete";
        media.edit_detail().reason_detail = media.dtls.empty()
                                                ? "no DTLS handshake was seen"
                                                : "the DTLS handshake never completed";
      } else if (stopped[0] || stopped[1]) {
        const std::size_t w = stopped[0] ? 0 : 1;
        media.reason = "media_stopped";
        media.edit_detail().reason_detail =
            way_words(static_cast<MediaWay>(w)) + " media stopped at " +
            seconds_text(last[w], call.start) + " after the call's start";
        if (media.webrtc && last_answer != 0 && last_answer + options.stopped_after < call_end)
          media.edit_detail().reason_detail += "; the last ICE check was answered at " +
                                               seconds_text(last_answer, call.start) +
                                               " (consent lost)";
      } else if (secure && (any[0] || any[1])) {
        media.reason = "srtp_one_way";
        media.edit_detail().reason_detail =
            "SRTP flowed " +
            way_words(any[0] ? MediaWay::caller_to_callee : MediaWay::callee_to_caller) + " only";
      } else if (unexpected != nullptr) {
        media.reason = "unexpected_address";
        media.edit_detail().reason_detail =
            "media from " + unexpected->src.to_string() + ", which no SDP of the call announced";
      }
    }

    // Findings.
    const std::uint64_t frame =
        call.messages.empty() ? 0 : store.summaries()[call.messages.front().record].frame;
    if (fault && media.verdict == MediaVerdict::none) {
      report.findings.push_back(media_finding(
          FindingId::media_none, call, frame,
          "answered, with SDP, and no media either way in the capture" +
              (media.reason.empty() ? std::string() : ": " + media.detail().reason_detail)));
    } else if (fault) {
      const MediaWay missing = media.verdict == MediaVerdict::caller_to_callee_only
                                   ? MediaWay::callee_to_caller
                                   : MediaWay::caller_to_callee;
      report.findings.push_back(media_finding(
          FindingId::media_one_way, call, frame,
          "no media " + way_words(missing) +
              (media.reason.empty() ? std::string() : ": " + media.detail().reason_detail)));
    }
    for (std::size_t w = 0; w < 2; ++w) {
      if (stopped[w]) {
        report.findings.push_back(media_finding(
            FindingId::media_stopped, call, main[w] != nullptr ? main[w]->last_frame : frame,
            way_words(static_cast<MediaWay>(w)) + " media stopped at " +
                seconds_text(last[w], call.start) + " while the other way went on"));
      }
    }
    if (media.webrtc && answered && checks > 0 && answers == 0) {
      report.findings.push_back(
          media_finding(FindingId::media_ice_failed, call, frame,
                        std::to_string(checks) + " ICE checks, none answered"));
    }
    for (const std::size_t i : media.pairs) {
      const IcePair& p = pairs[i];
      for (std::size_t s = 0; s < 2; ++s) {
        if (p.side[s].role_conflicts > 0) {
          report.findings.push_back(
              media_finding(FindingId::media_ice_role_conflict, call, frame,
                            (s == 0 ? p.a : p.b).to_string() + " got 487 Role Conflict " +
                                std::to_string(p.side[s].role_conflicts) + " times"));
        }
        if (p.integrity_ok[s] == false) {
          report.findings.push_back(
              media_finding(FindingId::media_ice_integrity, call, frame,
                            "checks from " + (s == 0 ? p.a : p.b).to_string() + " (USERNAME " +
                                p.side[s].username + ") do not verify with the SDP's ice-pwd"));
        }
      }
    }
    for (const std::size_t i : media.dtls) {
      const DtlsSession& s = sessions[i];
      const std::string where = s.client.to_string() + " -> " + s.server.to_string();
      if (s.fingerprint_ok == false) {
        report.findings.push_back(media_finding(FindingId::media_dtls_fingerprint_mismatch, call,
                                                s.first_frame,
                                                "DTLS " + where +
                                                    ": a certificate does not match the "
                                                    "a=fingerprint its side announced"));
      }
      if (s.alert) {
        report.findings.push_back(media_finding(
            FindingId::media_dtls_alert, call, s.last_frame,
            "DTLS " + where + ": " + std::string(s.alert_level == 2 ? "fatal" : "warning") +
                " alert " + std::string(tls_alert_name(s.alert_description)) + " from the " +
                (s.alert_from_client ? "client" : "server")));
      }
      if (!s.completed && answered) {
        report.findings.push_back(
            media_finding(FindingId::media_dtls_failed, call, s.last_frame,
                          "DTLS " + where + ": the handshake did not complete (no SRTP followed)"));
      }
      if (s.roles_known && s.client_setup == "passive") {
        report.findings.push_back(
            media_finding(FindingId::media_dtls_role_mismatch, call, s.first_frame,
                          "DTLS client " + s.client.to_string() + " announced a=setup:passive"));
      }
    }
    for (const std::size_t i : media.streams) {
      const MediaStream& s = streams[i];
      if (s.control) continue;
      if (s.lost_percent() > options.loss_warning_percent) {
        char text[160];
        std::snprintf(text, sizeof text, "%s -> %s SSRC 0x%08X: %llu of %llu packets lost (%.1f%%)",
                      s.src.to_string().c_str(), s.dst.to_string().c_str(), s.ssrc,
                      static_cast<unsigned long long>(s.rtp.lost()),
                      static_cast<unsigned long long>(s.rtp.expected()), s.lost_percent());
        report.findings.push_back(media_finding(FindingId::media_loss, call, s.first_frame, text));
      }
      if (s.unexpected_source) {
        report.findings.push_back(
            media_finding(FindingId::media_unexpected_source, call, s.first_frame,
                          "RTP from " + s.src.to_string() + " to " + s.dst.to_string() +
                              ": no SDP or ICE check of the call announced that source"));
      }
      if (s.unknown_payload_type) {
        report.findings.push_back(media_finding(FindingId::media_unexpected_payload_type, call,
                                                s.first_frame,
                                                s.src.to_string() + " -> " + s.dst.to_string() +
                                                    ": a payload type the SDP did not offer"));
      }
    }
  }
  return report;
}

}  // namespace sipws
