#include "session/snapshots.h"

#include <cinttypes>
#include <cstdio>
#include <ctime>

#include "session/media_fields.h"

namespace sipws {

FindingRow finding_row(const Finding& f, std::size_t index) {
  const FindingKind& kind = f.kind();
  FindingRow row;
  row.index = index;
  row.severity = kind.severity;
  row.name = std::string(kind.name);
  row.explanation = std::string(kind.explanation);
  row.rfc = std::string(kind.rfc_section);
  row.detail = f.detail;
  row.frame = f.frame;
  row.call = f.call;
  return row;
}

FindingRow finding_row(const Analysis& analysis, std::size_t index) {
  const Finding& f = analysis.findings()[index];
  FindingRow row = finding_row(f, index);
  row.message = analysis.message_of(f);
  row.call = f.call != kNoId ? f.call : analysis.call_of(row.message);
  return row;
}

namespace {

std::string sdp_line(const SdpMedia& m) {
  std::string line = std::string(m.type) + " " + std::string(m.connection) + ":" +
                     std::string(m.port) + " " + std::string(m.proto);
  if (!m.direction.empty()) line += " " + std::string(m.direction);
  if (!m.mid.empty()) line += ", mid " + std::string(m.mid);
  std::string codecs;
  for (const SdpCodec& c : m.codecs) {
    codecs += (codecs.empty() ? "" : ", ") + std::string(c.encoding) + " (" +
              std::string(c.payload_type) + ")";
  }
  if (!codecs.empty()) line += "\n    codecs: " + codecs;
  if (!m.ice_ufrag.empty() || !m.candidates.empty()) {
    line += "\n    ICE: ufrag " + std::string(m.ice_ufrag) + ", " +
            std::to_string(m.candidates.size()) + " candidates";
    for (const SdpCandidate& c : m.candidates) {
      line += "\n      " + std::string(c.type) + " " + std::string(c.transport) + " " +
              std::string(c.address) + ":" + std::string(c.port) + " (component " +
              std::string(c.component) + ")";
    }
  }
  if (!m.fingerprint.empty()) {
    line += "\n    DTLS: " + std::string(m.fingerprint) + ", setup " + std::string(m.setup);
  }
  if (m.rtcp_mux) line += "\n    rtcp-mux";
  return line;
}

}  // namespace

MessageSnapshot message_snapshot(const CallStore& store, std::uint64_t record, std::uint64_t call,
                                 std::vector<FindingRow> findings) {
  MessageSnapshot s;
  const RecordRef kept = store.record(record);
  if (!kept) return s;
  const SipMessageRecord& r = *kept;
  s.message = record;
  s.call = call;
  s.frame = r.frame;
  s.first_frame = r.first_frame;
  s.timestamp = r.timestamp;
  s.src = r.src.to_string();
  s.dst = r.dst.to_string();
  s.transport = std::string(transport_name(r.transport));
  s.summary = r.sip.is_request
                  ? std::string(r.sip.method) + " " + std::string(r.sip.request_uri)
                  : std::to_string(r.sip.status_code) + " " + std::string(r.sip.reason);
  s.text.assign(r.bytes.begin(), r.bytes.end());
  for (const SipHeader& h : r.sip.headers) s.headers.emplace_back(h.canonical, h.value);
  if (r.sip.sdp) {
    const Sdp& sdp = *r.sip.sdp;
    s.sdp.push_back("origin: " + std::string(sdp.origin));
    if (!sdp.bundle.empty()) {
      std::string b = "BUNDLE:";
      for (const auto mid : sdp.bundle) b += " " + std::string(mid);
      s.sdp.push_back(b);
    }
    if (sdp.ice_lite) s.sdp.emplace_back("ICE lite");
    if (!sdp.fingerprint.empty())
      s.sdp.push_back("DTLS (session): " + std::string(sdp.fingerprint));
    for (const SdpMedia& m : sdp.media) s.sdp.push_back(sdp_line(m));
  }
  s.websocket = r.transport == SipTransport::ws || r.transport == SipTransport::wss;
  if (s.websocket) {
    s.carrier = r.ws;
    s.carrier.frame_headers.clear();
    s.carrier.compressed_payload.clear();
    s.inflated_bytes = r.bytes.size();
    s.frames = ws_frame_bytes(r);
  }
  s.findings = std::move(findings);
  return s;
}

MessageSnapshot message_snapshot(const Analysis& analysis, std::uint64_t message,
                                 const std::vector<FindingRow>& findings) {
  std::vector<FindingRow> own;
  for (const FindingRow& f : findings) {
    if (f.message == message) own.push_back(f);
  }
  return message_snapshot(analysis.store(), message, analysis.call_of(message), std::move(own));
}

std::string format_seconds(TimeNs ns) {
  char text[40];
  std::snprintf(text, sizeof text, "%.6f", static_cast<double>(ns) / 1e9);
  return text;
}

std::string format_duration(std::optional<TimeNs> ns) {
  if (!ns) return {};
  char text[40];
  std::snprintf(text, sizeof text, "%.3f s", static_cast<double>(*ns) / 1e9);
  return text;
}

std::string format_clock(TimeNs ns) {
  const std::time_t seconds = static_cast<std::time_t>(ns / 1'000'000'000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char date[32];
  std::strftime(date, sizeof date, "%Y-%m-%d %H:%M:%S", &tm);
  char text[48];
  std::snprintf(text, sizeof text, "%s.%06" PRId64, date, (ns % 1'000'000'000) / 1000);
  return text;
}

StreamSeries stream_series(const MediaStream& stream, TimeNs call_start) {
  StreamSeries s;
  const RtpTimeline& t = stream.timeline;
  if (stream.control || t.bins().empty()) return s;
  s.present = true;
  s.start = static_cast<double>(t.start() - call_start) / 1e9;
  s.interval = static_cast<double>(t.bin_width()) / 1e9;
  const std::uint32_t clock_rate = stream.rtp.clock_rate;
  for (const RtpTimeline::Bin& bin : t.bins()) {
    s.packets_per_second.push_back(bin.packets / s.interval);
    s.loss_percent.push_back(bin.expected == 0 ? 0 : 100.0 * bin.lost() / bin.expected);
    if (clock_rate != 0) s.jitter_ms.push_back(bin.max_jitter_units * 1000.0 / clock_rate);
  }
  return s;
}

CallMediaSnapshot call_media_snapshot(const Analysis& analysis, std::uint64_t call) {
  CallMediaSnapshot s;
  const auto& report = analysis.media_report();
  const auto& calls = analysis.store().calls();
  if (!analysis.finished() || call >= report.calls.size() || call >= calls.size()) return s;
  const CallMedia& m = report.calls[call];
  s.judged = true;
  s.verdict = std::string(media_verdict_name(m.verdict));
  s.reason = m.reason;
  s.reason_detail = m.detail().reason_detail;
  for (std::size_t w = 0; w < 2; ++w) {
    if (m.mos[w]) {
      char text[16];
      std::snprintf(text, sizeof text, "%.2f", *m.mos[w]);
      s.mos[w] = text;
    }
  }
  for (const MediaFieldSpec& f : all_media_fields()) s.columns.emplace_back(f.title);
  const MediaTracker& tracker = analysis.media();
  auto add_stream = [&](std::size_t index) {
    if (index >= tracker.streams().size()) return;
    const MediaRow row = media_row(tracker.streams()[index], analysis.store());
    s.series.push_back(stream_series(tracker.streams()[index], calls[call].start));
    std::vector<std::string> cells;
    for (const MediaFieldSpec& f : all_media_fields()) cells.push_back(field_text(f.value(row)));
    s.streams.push_back(std::move(cells));
  };
  for (const std::size_t i : m.streams) add_stream(i);
  for (const auto& [i, way] : m.detail().shared) add_stream(i);
  s.lines = call_media_lines(m, tracker, calls[call].start);
  return s;
}

}  // namespace sipws
