#include "session/media_fields.h"

#include <array>
#include <cstdio>

namespace sipws {

std::string ssrc_text(std::uint32_t ssrc) {
  char text[16];
  std::snprintf(text, sizeof text, "0x%08X", ssrc);
  return text;
}

MediaRow media_row(const MediaStream& stream, const CallStore& store) {
  MediaRow row;
  row.stream = &stream;
  if (stream.call != kNoId && stream.call < store.calls().size())
    row.call_id = store.calls()[stream.call].call_id;
  return row;
}

namespace {

using K = FieldValue::Kind;
using R = const MediaRow&;

FieldValue text(std::string value, bool omitted = false) {
  FieldValue v;
  v.text = std::move(value);
  v.omitted = omitted;
  return v;
}
FieldValue count(std::uint64_t value, bool omitted = false) {
  FieldValue v;
  v.kind = K::count;
  v.number = value;
  v.omitted = omitted;
  return v;
}
FieldValue real(std::optional<double> value, int decimals, bool omitted = false) {
  FieldValue v;
  v.kind = K::real;
  v.real = value;
  v.decimals = decimals;
  v.omitted = omitted;
  return v;
}
FieldValue epoch(TimeNs value) {
  FieldValue v;
  v.kind = K::epoch;
  v.time = value;
  v.decimals = 9;
  return v;
}
FieldValue flag(bool value) {
  FieldValue v;
  v.kind = K::flag;
  v.number = value ? 1 : 0;
  return v;
}
// RTP-only figures are left empty on RTCP rows, and the other way round.
bool rtcp(R r) {
  return r.stream->control;
}
const RtpStreamStats& rtp(R r) {
  return r.stream->rtp;
}
std::uint64_t packets(R r) {
  return rtcp(r) ? r.stream->rtcp.packets : rtp(r).packets;
}
std::uint64_t bytes(R r) {
  return rtcp(r) ? r.stream->rtcp.bytes : rtp(r).bytes;
}
double ms(TimeNs ns) {
  return static_cast<double>(ns) / 1e6;
}

std::vector<std::string> bursts(R r) {
  std::vector<std::string> out;
  const auto& b = rtp(r).loss_bursts;
  for (std::size_t i = 0; i < b.size(); ++i) {
    if (b[i] == 0) continue;
    out.push_back(std::to_string(i + 1) + (i + 1 == b.size() ? "+" : "") + ":" +
                  std::to_string(b[i]));
  }
  return out;
}
std::vector<std::string> payload_types(R r) {
  std::vector<std::string> out;
  const RtpStreamStats& s = rtp(r);
  for (std::size_t i = 0; i < s.payload_type_count; ++i) {
    out.push_back(std::to_string(s.payload_types[i].payload_type) + ":" +
                  std::to_string(s.payload_types[i].packets));
  }
  return out;
}
std::optional<double> rtt(R r) {
  const RtcpStreamStats& c = r.stream->rtcp;
  if (c.rtt_samples == 0) return std::nullopt;
  return c.rtt_sum_ms / static_cast<double>(c.rtt_samples);
}

const std::array kMediaFields = {
    // The contract (issue #18), in this order.
    MediaFieldSpec{"call_id", "call_id", "Call-ID", 24, [](R r) { return text(r.call_id); }},
    MediaFieldSpec{"src", "src", "Source", 15,
                   [](R r) { return text(r.stream->src.address.to_string()); }},
    MediaFieldSpec{"sport", "sport", "Port", 5, [](R r) { return count(r.stream->src.port); }},
    MediaFieldSpec{"dst", "dst", "Destination", 15,
                   [](R r) { return text(r.stream->dst.address.to_string()); }},
    MediaFieldSpec{"dport", "dport", "Port", 5, [](R r) { return count(r.stream->dst.port); }},
    MediaFieldSpec{"ssrc", "ssrc", "SSRC", 10, [](R r) { return text(ssrc_text(r.stream->ssrc)); }},
    MediaFieldSpec{"kind", "kind", "Kind", 5,
                   [](R r) { return text(std::string(media_kind_name(r.stream->kind))); }},
    MediaFieldSpec{"payload_type", "payload_type", "PT", 3,
                   [](R r) { return count(rtp(r).main_payload_type(), rtcp(r)); }},
    MediaFieldSpec{"codec", "codec", "Codec", 12, [](R r) { return text(r.stream->codec, rtcp(r)); }},
    MediaFieldSpec{"clock_rate", "clock_rate", "Rate", 6,
                   [](R r) {
                     // The SDP's rate; else the one the jitter was measured with.
                     const std::uint32_t rate =
                         r.stream->clock_rate != 0 ? r.stream->clock_rate : rtp(r).clock_rate;
                     return count(rate, rtcp(r) || rate == 0);
                   }},
    MediaFieldSpec{"packets", "packets", "Packets", 7, [](R r) { return count(packets(r)); }},
    MediaFieldSpec{"bytes", "bytes", "Bytes", 9, [](R r) { return count(bytes(r)); }},
    MediaFieldSpec{"expected", "expected", "Expected", 7,
                   [](R r) { return count(rtp(r).expected(), rtcp(r)); }},
    MediaFieldSpec{"lost", "lost", "Lost", 5, [](R r) { return count(rtp(r).lost(), rtcp(r)); }},
    MediaFieldSpec{"lost_pct", "lost_pct", "Lost%", 6,
                   [](R r) { return real(r.stream->lost_percent(), 2, rtcp(r)); }},
    MediaFieldSpec{"duplicates", "duplicates", "Dup", 4,
                   [](R r) { return count(rtp(r).duplicates, rtcp(r)); }},
    MediaFieldSpec{"out_of_order", "out_of_order", "OOO", 4,
                   [](R r) { return count(rtp(r).out_of_order, rtcp(r)); }},
    MediaFieldSpec{"jitter_ms", "jitter_ms", "Jitter", 7,
                   [](R r) { return real(rtp(r).jitter_ms(), 3, rtcp(r) || rtp(r).clock_rate == 0); }},
    MediaFieldSpec{"mean_jitter_ms", "mean_jitter_ms", "Mean jit", 7,
                   [](R r) {
                     return real(rtp(r).mean_jitter_ms(), 3, rtcp(r) || rtp(r).clock_rate == 0);
                   }},
    MediaFieldSpec{"max_jitter_ms", "max_jitter_ms", "Max jit", 7,
                   [](R r) {
                     return real(rtp(r).max_jitter_ms(), 3, rtcp(r) || rtp(r).clock_rate == 0);
                   }},
    MediaFieldSpec{"max_delta_ms", "max_delta_ms", "Max delta", 8,
                   [](R r) { return real(ms(rtp(r).max_delta), 3, rtcp(r)); }},
    MediaFieldSpec{"first_frame", "first_frame", "First", 6,
                   [](R r) { return count(r.stream->first_frame); }},
    MediaFieldSpec{"last_frame", "last_frame", "Last", 6,
                   [](R r) { return count(r.stream->last_frame); }},
    MediaFieldSpec{"start", "start", "Start", 20, [](R r) { return epoch(r.stream->first_time); }},
    MediaFieldSpec{"end", "end", "End", 20, [](R r) { return epoch(r.stream->last_time); }},
    // More, free to grow.
    MediaFieldSpec{"call", "call", "#", 5,
                   [](R r) { return count(r.stream->call, r.stream->call == kNoId); }},
    MediaFieldSpec{"direction", "direction", "Direction", 16,
                   [](R r) { return text(std::string(media_way_name(r.stream->way))); }},
    MediaFieldSpec{"udp_stream", "udp_stream", "UDP", 5, [](R r) { return count(r.stream->flow); }},
    MediaFieldSpec{"loss_bursts", "loss_bursts", "Bursts", 10, [](R r) { return list_value(bursts(r)); }},
    MediaFieldSpec{"silent_gaps", "silent_gaps", "Silences", 4,
                   [](R r) { return count(rtp(r).silent_gaps, rtcp(r)); }},
    MediaFieldSpec{"lossy_gaps", "lossy_gaps", "Outages", 4,
                   [](R r) { return count(rtp(r).lossy_gaps, rtcp(r)); }},
    MediaFieldSpec{"longest_gap_ms", "longest_gap_ms", "Longest gap", 8,
                   [](R r) { return real(ms(rtp(r).longest_gap), 3, rtcp(r)); }},
    MediaFieldSpec{"markers", "markers", "Markers", 4,
                   [](R r) { return count(rtp(r).markers, rtcp(r)); }},
    MediaFieldSpec{"padding", "padding", "Padding", 4,
                   [](R r) { return count(rtp(r).padding, rtcp(r)); }},
    MediaFieldSpec{"payload_types", "payload_types", "PTs", 10,
                   [](R r) { return list_value(payload_types(r)); }},
    MediaFieldSpec{"sequence_restarts", "sequence_restarts", "Restarts", 3,
                   [](R r) { return count(rtp(r).sequence_restarts, rtcp(r)); }},
    MediaFieldSpec{"dtmf", "dtmf", "DTMF", 8, [](R r) { return text(r.stream->dtmf, rtcp(r)); }},
    MediaFieldSpec{"r_factor", "r_factor", "R", 5,
                   [](R r) { return real(r.stream->r_factor, 1, rtcp(r)); }},
    MediaFieldSpec{"mos", "mos", "MOS", 4, [](R r) { return real(r.stream->mos, 2, rtcp(r)); }},
    MediaFieldSpec{"mos_inputs", "mos_inputs", "MOS inputs", 30,
                   [](R r) { return text(r.stream->mos_inputs, rtcp(r)); }},
    MediaFieldSpec{"unexpected_source", "unexpected_source", "Unexpected", 3,
                   [](R r) { return flag(r.stream->unexpected_source); }},
    MediaFieldSpec{"unknown_payload_type", "unknown_payload_type", "Unknown PT", 3,
                   [](R r) { return flag(r.stream->unknown_payload_type); }},
    MediaFieldSpec{"rtcp_sender_reports", "rtcp_sender_reports", "SR", 4,
                   [](R r) { return count(r.stream->rtcp.sender_reports, !rtcp(r)); }},
    MediaFieldSpec{"rtcp_receiver_reports", "rtcp_receiver_reports", "RR", 4,
                   [](R r) { return count(r.stream->rtcp.receiver_reports, !rtcp(r)); }},
    MediaFieldSpec{"rtcp_feedback", "rtcp_feedback", "FB", 4,
                   [](R r) { return count(r.stream->rtcp.feedback, !rtcp(r)); }},
    MediaFieldSpec{"rtcp_fraction_lost_pct", "rtcp_fraction_lost_pct", "RTCP lost%", 6,
                   [](R r) {
                     const auto& c = r.stream->rtcp;
                     return real(c.has_report ? std::optional<double>(c.last_report.fraction_lost *
                                                                      100.0 / 256)
                                              : std::nullopt,
                                 2, !rtcp(r));
                   }},
    MediaFieldSpec{"rtcp_cumulative_lost", "rtcp_cumulative_lost", "RTCP cum lost", 6,
                   [](R r) {
                     const auto& c = r.stream->rtcp;
                     FieldValue v = text(c.has_report ? std::to_string(c.last_report.cumulative_lost)
                                                      : std::string(),
                                         !rtcp(r));
                     return v;
                   }},
    MediaFieldSpec{"rtcp_jitter", "rtcp_jitter", "RTCP jitter", 6,
                   [](R r) {
                     const auto& c = r.stream->rtcp;
                     return count(c.last_report.jitter, !rtcp(r) || !c.has_report);
                   }},
    MediaFieldSpec{"rtt_ms", "rtt_ms", "RTT", 6, [](R r) { return real(rtt(r), 3, !rtcp(r)); }},
    MediaFieldSpec{"dtmf_events", "dtmf_events", "DTMF at", 20,
                   [](R r) {
                     // Each digit with its first packet's time: "5@1796558870.123456".
                     std::vector<std::string> events;
                     const RtpStreamStats& s = rtp(r);
                     for (std::size_t i = 0; !r.stream->dtmf.empty() && i < s.event_count; ++i) {
                       events.push_back(std::string(1, telephone_event_char(s.events[i].event)) +
                                        "@" + epoch_seconds(s.events[i].time, 6));
                     }
                     FieldValue v = list_value(std::move(events));
                     v.omitted = rtcp(r);
                     return v;
                   }},
    MediaFieldSpec{"rtcp_xr_r_factor", "rtcp_xr_r_factor", "XR R", 4,
                   [](R r) {
                     const auto& c = r.stream->rtcp;
                     const bool known = c.has_xr_voip && c.xr_r_factor != 127;
                     return count(c.xr_r_factor, !rtcp(r) || !known);
                   }},
    MediaFieldSpec{"rtcp_xr_mos_lq", "rtcp_xr_mos_lq", "XR MOS", 4,
                   [](R r) {
                     // RFC 3611 §4.7.5: MOS x 10, 127 when unavailable.
                     const auto& c = r.stream->rtcp;
                     const bool known = c.has_xr_voip && c.xr_mos_lq != 127;
                     return real(known ? std::optional<double>(c.xr_mos_lq / 10.0) : std::nullopt, 1,
                                 !rtcp(r));
                   }},
};

}  // namespace

std::span<const MediaFieldSpec> all_media_fields() {
  return kMediaFields;
}

std::string media_tsv_header() {
  return table_tsv_header(std::span<const MediaFieldSpec>(kMediaFields));
}

std::string media_tsv_line(const MediaRow& row) {
  return table_tsv_line(std::span<const MediaFieldSpec>(kMediaFields), row);
}

std::string media_json_line(const MediaRow& row) {
  return table_json_line(std::span<const MediaFieldSpec>(kMediaFields), row);
}

std::string media_text_header() {
  char line[256];
  std::snprintf(line, sizeof line, "%-5s %-21s %-21s %-10s %-5s %-12s %7s %5s %6s %7s %8s  %s",
                "Call", "Source", "Destination", "SSRC", "Kind", "Codec", "Packets", "Lost",
                "Lost%", "Jitter", "MaxDelta", "Direction");
  return line;
}

std::string media_text_line(const MediaRow& row) {
  const MediaStream& s = *row.stream;
  const bool control = s.control;
  char jitter[16] = "";
  char delta[16] = "";
  char lost[16] = "";
  char lost_pct[16] = "";
  if (!control) {
    if (s.rtp.clock_rate != 0) std::snprintf(jitter, sizeof jitter, "%.2f", s.rtp.jitter_ms());
    std::snprintf(delta, sizeof delta, "%.1f", ms(s.rtp.max_delta));
    std::snprintf(lost, sizeof lost, "%llu", static_cast<unsigned long long>(s.rtp.lost()));
    std::snprintf(lost_pct, sizeof lost_pct, "%.1f", s.lost_percent());
  }
  const std::string call = s.call == kNoId ? "-" : std::to_string(s.call);
  const std::uint64_t n = control ? s.rtcp.packets : s.rtp.packets;
  char line[320];
  std::snprintf(line, sizeof line, "%-5s %-21s %-21s %-10s %-5s %-12s %7llu %5s %6s %7s %8s  %s",
                call.c_str(), s.src.to_string().c_str(), s.dst.to_string().c_str(),
                ssrc_text(s.ssrc).c_str(), std::string(media_kind_name(s.kind)).c_str(),
                control ? "" : s.codec.substr(0, 12).c_str(), static_cast<unsigned long long>(n),
                lost, lost_pct, jitter, delta,
                s.call == kNoId ? "orphan" : std::string(media_way_name(s.way)).c_str());
  return line;
}

JsonObject call_media_json(const CallMedia& media, const MediaTracker& tracker) {
  JsonObject o;
  o.string("verdict", media_verdict_name(media.verdict));
  o.string("reason", media.reason);
  o.string("reason_detail", media.detail().reason_detail);
  for (std::size_t w = 0; w < 2; ++w) {
    const std::string way(media_way_name(static_cast<MediaWay>(w)));
    o.number("packets_" + way, media.packets[w]);
    if (media.mos[w]) {
      JsonObject q;
      char number[32];
      std::snprintf(number, sizeof number, "%.2f", *media.mos[w]);
      q.formatted_number("mos", number);
      std::snprintf(number, sizeof number, "%.1f", *media.detail().r_factor[w]);
      q.formatted_number("r_factor", number);
      q.string("inputs", media.detail().mos_inputs[w]);
      o.object("quality_" + way, std::move(q));
    }
  }
  std::vector<std::string> streams;
  for (const std::size_t i : media.streams) {
    const MediaStream& s = tracker.streams()[i];
    streams.push_back(s.src.to_string() + ">" + s.dst.to_string() + " " + ssrc_text(s.ssrc) + " " +
                      std::string(media_kind_name(s.kind)) + " " +
                      std::to_string(s.control ? s.rtcp.packets : s.rtp.packets));
  }
  o.strings("streams", streams);
  std::vector<std::string> pairs;
  for (const std::size_t i : media.pairs) {
    const IcePair& p = tracker.pairs()[i];
    char text[200];
    std::snprintf(
        text, sizeof text, "%s<>%s checks %llu/%llu answered %llu/%llu%s", p.a.to_string().c_str(),
        p.b.to_string().c_str(), static_cast<unsigned long long>(p.side[0].requests),
        static_cast<unsigned long long>(p.side[1].requests),
        static_cast<unsigned long long>(p.side[0].successes),
        static_cast<unsigned long long>(p.side[1].successes), p.nominated() ? " nominated" : "");
    pairs.push_back(text);
  }
  o.strings("ice_pairs", pairs);
  std::vector<std::string> dtls;
  for (const std::size_t i : media.dtls) {
    const DtlsSession& s = tracker.dtls()[i];
    std::string text = "client " + s.client.to_string() + " server " + s.server.to_string();
    if (s.version != 0) text += " DTLS " + std::string(dtls_version_name(s.version));
    if (s.srtp_profile != 0) text += " " + std::string(srtp_profile_name(s.srtp_profile));
    text += s.completed ? " completed" : " incomplete";
    if (s.fingerprint_ok) text += *s.fingerprint_ok ? " fingerprint ok" : " fingerprint mismatch";
    if (s.alert) text += " alert " + std::string(tls_alert_name(s.alert_description));
    dtls.push_back(text);
  }
  o.strings("dtls", dtls);
  return o;
}

std::vector<std::string> call_media_lines(const CallMedia& media, const MediaTracker& tracker,
                                          TimeNs origin) {
  auto at = [origin](TimeNs t) {
    char text[32];
    std::snprintf(text, sizeof text, "%.3f s", static_cast<double>(t - origin) / 1e9);
    return std::string(text);
  };
  std::vector<std::string> out;
  std::string verdict = "Media: " + std::string(media_verdict_name(media.verdict));
  if (tracker.streams().empty() && tracker.pairs().empty() && tracker.dtls().empty()) {
    verdict += " (the capture holds no media packets: signalling only?)";
  }
  if (!media.reason.empty())
    verdict += " (" + std::string(media.reason) + ": " + media.detail().reason_detail + ")";
  for (std::size_t w = 0; w < 2; ++w) {
    if (!media.mos[w]) continue;
    char text[64];
    std::snprintf(text, sizeof text, "; MOS %s %.2f", w == 0 ? "caller->callee" : "callee->caller",
                  *media.mos[w]);
    verdict += text;
  }
  std::array<std::size_t, 2> per_way{};
  for (const std::size_t i : media.streams) {
    const MediaStream& s = tracker.streams()[i];
    if (!s.control && s.way != MediaWay::unknown) ++per_way[static_cast<std::size_t>(s.way)];
  }
  for (std::size_t w = 0; w < 2; ++w) {
    if (per_way[w] > 1)
      verdict += "; " + std::to_string(per_way[w]) + " RTP streams " +
                 std::string(media_way_name(static_cast<MediaWay>(w))) + " (SSRC changes, or legs)";
  }
  out.push_back(verdict);
  for (const std::size_t i : media.streams) {
    const MediaStream& s = tracker.streams()[i];
    char text[256];
    if (s.control) {
      std::snprintf(text, sizeof text, "  %-5s %s -> %s %s %llu packets",
                    std::string(media_kind_name(s.kind)).c_str(), s.src.to_string().c_str(),
                    s.dst.to_string().c_str(), ssrc_text(s.ssrc).c_str(),
                    static_cast<unsigned long long>(s.rtcp.packets));
    } else {
      std::snprintf(
          text, sizeof text,
          "  %-5s %s -> %s %s %s %llu packets, %llu lost (%.1f%%), jitter %.2f ms, "
          "max delta %.0f ms%s",
          std::string(media_kind_name(s.kind)).c_str(), s.src.to_string().c_str(),
          s.dst.to_string().c_str(), ssrc_text(s.ssrc).c_str(),
          s.codec.empty() ? "?" : s.codec.c_str(), static_cast<unsigned long long>(s.rtp.packets),
          static_cast<unsigned long long>(s.rtp.lost()), s.lost_percent(), s.rtp.jitter_ms(),
          ms(s.rtp.max_delta),
          s.way == MediaWay::unknown ? ""
                                     : (" [" + std::string(media_way_name(s.way)) + "]").c_str());
    }
    std::string line = text;
    if (!s.dtmf.empty()) line += ", DTMF " + s.dtmf;
    out.push_back(std::move(line));
  }
  for (const std::size_t i : media.pairs) {
    const IcePair& p = tracker.pairs()[i];
    char text[256];
    const auto& a = p.side[0];
    const auto& b = p.side[1];
    const std::uint64_t rtts = a.rtt_samples + b.rtt_samples;
    char rtt_text[48] = "";
    if (rtts != 0) {
      std::snprintf(rtt_text, sizeof rtt_text, ", rtt %.1f ms",
                    (a.rtt_sum_ms + b.rtt_sum_ms) / static_cast<double>(rtts));
    }
    std::snprintf(
        text, sizeof text, "  ice   %s <> %s checks %llu/%llu answered %llu/%llu%s%s",
        p.a.to_string().c_str(), p.b.to_string().c_str(),
        static_cast<unsigned long long>(a.requests), static_cast<unsigned long long>(b.requests),
        static_cast<unsigned long long>(a.successes), static_cast<unsigned long long>(b.successes),
        p.nominated() ? ", nominated" : "", rtt_text);
    std::string line = text;
    for (std::size_t s = 0; s < 2; ++s) {
      const IceCheckSide& side = p.side[s];
      const std::string who = (s == 0 ? p.a : p.b).to_string();
      if (side.controlling) line += "; " + who + " controlling";
      if (side.errors > 0)
        line += "; " + who + " got " + std::to_string(side.errors) + " errors (last " +
                std::to_string(side.last_error) + ")";
      if (p.peer_reflexive[s] && side.mapped)
        line += "; " + who + " is seen as " + side.mapped->to_string() + " (peer-reflexive)";
      if (p.integrity_ok[s] == false) line += "; " + who + "'s checks fail MESSAGE-INTEGRITY";
    }
    const TimeNs last_answer = std::max(a.last_answered, b.last_answered);
    if (last_answer != 0) line += "; last answer at " + at(last_answer);
    out.push_back(line);
  }
  for (const std::size_t i : media.dtls) {
    const DtlsSession& s = tracker.dtls()[i];
    std::string text = "  dtls  client " + s.client.to_string() + " server " + s.server.to_string();
    if (s.version != 0) text += ", DTLS " + std::string(dtls_version_name(s.version));
    if (s.srtp_profile != 0) text += ", " + std::string(srtp_profile_name(s.srtp_profile));
    text += s.completed ? ", completed" : ", incomplete";
    text += ", started at " + at(s.first_time);
    if (s.handshake_end != 0) {
      char ms_text[32];
      std::snprintf(ms_text, sizeof ms_text, ", keys after %.0f ms",
                    static_cast<double>(s.handshake_end - s.first_time) / 1e6);
      text += ms_text;
    }
    if (!s.client_setup.empty()) text += ", client's a=setup:" + s.client_setup;
    if (s.retransmissions > 0)
      text += ", " + std::to_string(s.retransmissions) + " retransmissions";
    if (s.fingerprint_ok) text += *s.fingerprint_ok ? ", fingerprint ok" : ", fingerprint MISMATCH";
    if (s.alert) text += ", alert " + std::string(tls_alert_name(s.alert_description));
    out.push_back(text);
  }
  return out;
}

}  // namespace sipws
