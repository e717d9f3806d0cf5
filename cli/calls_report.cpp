#include "cli/calls_report.h"

#include <algorithm>
#include <cinttypes>
#include <cstring>
#include <map>

#include "session/call_fields.h"
#include "session/media_fields.h"

namespace sipws::cli {
namespace {

std::string join(const std::vector<std::string>& items, const char* separator) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : separator) + i;
  return out;
}

JsonObject sdp_json(const SdpSide& s) {
  JsonObject o;
  o.strings("codecs", s.codecs())
      .strings("media", s.media_lines())
      .boolean("ice", s.ice())
      .number("ice_candidates", s.ice_candidates())
      .string("fingerprint", s.fingerprint())
      .string("setup", s.setup())
      .strings("bundle", s.bundle)
      .boolean("rtcp_mux", s.rtcp_mux());
  return o;
}

std::string sdp_text(const char* what, const SdpSide& s) {
  const std::vector<std::string> all_codecs = s.codecs();
  std::vector<std::string> codecs(
      all_codecs.begin(), all_codecs.begin() + static_cast<std::ptrdiff_t>(
                                                   std::min<std::size_t>(all_codecs.size(), 6)));
  if (all_codecs.size() > 6) {
    codecs.push_back("+" + std::to_string(all_codecs.size() - 6) + " more");
  }
  std::string text = std::string(what) + ": " + join(codecs, ", ");
  if (!s.media.empty()) text += "; " + join(s.media_lines(), "; ");
  const std::size_t candidates = s.ice_candidates();
  if (s.ice())
    text +=
        "; ICE, " + std::to_string(candidates) + (candidates == 1 ? " candidate" : " candidates");
  const std::string fingerprint = s.fingerprint();
  if (!fingerprint.empty())
    text += "; DTLS " + fingerprint.substr(0, fingerprint.find(' ')) + " setup:" + s.setup();
  if (!s.bundle.empty()) text += "; BUNDLE " + join(s.bundle, " ");
  if (s.rtcp_mux()) text += "; rtcp-mux";
  return text;
}

}  // namespace

void print_sdp_summary(std::FILE* out, const CallStore& store, const Call& call,
                       std::size_t width) {
  const CallSdp sdp = summarize_sdp(store, call);
  // Each summary wrapped to the width at spaces, continuation lines indented.
  const auto print = [out, width](const std::string& text) {
    std::string_view rest(text);
    std::string indent = "  ";
    while (!rest.empty()) {
      const std::size_t room = width > indent.size() + 10 ? width - indent.size() : 10;
      std::size_t cut = rest.size();
      if (display_width(rest) > room) {
        const std::string fitted = fit_columns(rest, room, false);
        cut = fitted.size();
        const std::size_t space = rest.substr(0, cut).rfind(' ');
        if (space != std::string_view::npos && space > 0) cut = space;
      }
      std::fprintf(out, "%s%s\n", indent.c_str(), std::string(rest.substr(0, cut)).c_str());
      rest.remove_prefix(cut);
      while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
      indent = "      ";
    }
  };
  if (sdp.offer) print(sdp_text("SDP offer", *sdp.offer));
  if (sdp.answer) print(sdp_text("SDP answer", *sdp.answer));
}

void print_calls(std::FILE* out, OutputFormat format, const CallStore& store,
                 const std::vector<const Call*>& calls, const MediaReport* media,
                 const MediaTracker* tracker, TimeStyle time_style, TimeNs origin) {
  auto row_of = [&](const Call& c) {
    CallRow row = call_row(c, 0);
    if (media != nullptr && c.index < media->calls.size())
      add_call_media(row, media->calls[c.index]);
    return row;
  };
  switch (format) {
    case OutputFormat::tsv: {
      std::string header;
      for (const CallField f : tsv_call_fields()) {
        if (!header.empty()) header += '\t';
        header += call_field(f).tsv_column;
      }
      std::fprintf(out, "%s\n", header.c_str());
      for (const Call* c : calls) {
        const CallRow row = row_of(*c);
        std::string line;
        for (const CallField f : tsv_call_fields()) {
          if (!line.empty()) line += '\t';
          line += field_tsv(call_field(f).value(row));
        }
        std::fprintf(out, "%s\n", line.c_str());
      }
      return;
    }
    case OutputFormat::json:
      for (const Call* c : calls) {
        const CallRow row = row_of(*c);
        JsonObject line;
        for (const CallField f : json_call_fields()) {
          const CallFieldSpec& spec = call_field(f);
          field_json(line, spec.json_key, spec.value(row));
        }
        const CallSdp sdp = summarize_sdp(store, *c);
        if (sdp.offer) line.object("sdp_offer", sdp_json(*sdp.offer));
        if (sdp.answer) line.object("sdp_answer", sdp_json(*sdp.answer));
        if (media != nullptr && tracker != nullptr && c->index < media->calls.size())
          line.object("media_detail", call_media_json(media->calls[c->index], *tracker));
        std::fputs(line.take_line().c_str(), out);
      }
      return;
    case OutputFormat::text: {
      TimeColumn time(time_style);
      time.set_origin(origin);
      // The clock style's date: before the header, then where it changes.
      TimeColumn dates(time_style);
      std::string date_line;
      if (!calls.empty()) dates.text(calls.front()->start, &date_line);
      if (!date_line.empty()) std::fprintf(out, "%s\n", date_line.c_str());
      std::fprintf(out, "%s\n", call_text_header(&time).c_str());
      for (const Call* c : calls) {
        dates.text(c->start, &date_line);
        if (!date_line.empty()) std::fprintf(out, "%s\n", date_line.c_str());
        const bool leg = c->group != c->index;
        // The row in its state's colour (on a terminal, or --color always).
        const StateTone tone = state_tone(c->state);
        const std::string row = call_text_row(call_row(*c, 0), &time);
        std::fprintf(out, "%s%s\n",
                     tone == StateTone::neutral ? row.c_str()
                                                : paint(row, tone == StateTone::good  ? Ink::good
                                                             : tone == StateTone::bad ? Ink::bad
                                                                                      : Ink::warn)
                                                      .c_str(),
                     leg ? (" (leg of #" + std::to_string(c->group) + ")").c_str() : "");
      }
      std::fprintf(out, "%zu calls\n", calls.size());
      return;
    }
  }
}

void print_flow(std::FILE* out, const CallStore& store, const Ladder& ladder,
                const LadderTextOptions& options) {
  for (const std::string& line : ladder_text(store, ladder, options)) {
    std::fputs(line.c_str(), out);
    std::fputc('\n', out);
  }
}

void print_stats(std::FILE* out, OutputFormat format, const CallStore& store,
                 const std::vector<const Call*>& calls, const DissectorCounters& counters,
                 const MediaReport* media, const MediaTracker* tracker) {
  std::map<std::string, std::size_t> methods;
  std::map<std::string, std::size_t> statuses;
  std::map<std::string, std::size_t> states;
  std::map<std::string, std::size_t> transports;
  std::vector<double> setup_times;
  std::vector<double> pdds;
  // RFC 6076 §4.6-4.7: attempts are the INVITE calls not redirected (3xx); ASR counts the
  // answered ones, NER (the effectiveness ratio, SEER) also those the callee's side refused or
  // did not answer (480, 486, 600, 603): what the network did right.
  std::size_t attempts = 0, answered = 0, effective = 0;
  std::size_t messages = 0;
  std::size_t compressed = 0;
  std::size_t fragmented = 0;
  std::size_t websocket = 0;
  std::size_t retrans = 0;
  for (const Call* c : calls) {
    ++states[std::string(call_state_name(c->state))];
    if (auto s = c->setup_time()) setup_times.push_back(static_cast<double>(*s) / 1e9);
    if (auto p = c->pdd()) pdds.push_back(static_cast<double>(*p) / 1e9);
    if (c->is_invite() && !(c->final_status >= 300 && c->final_status < 400)) {
      ++attempts;
      const bool ok = c->answer.has_value();
      answered += ok ? 1 : 0;
      const int f = c->final_status;
      effective += ok || f == 480 || f == 486 || f == 600 || f == 603 ? 1 : 0;
    }
    for (const auto& cm : c->messages) {
      const MessageSummary& r = store.summaries()[cm.record];
      ++messages;
      retrans += cm.retransmission ? 1 : 0;
      if (r.is_request) {
        ++methods[std::string(r.method)];
      } else {
        ++statuses[std::to_string(r.status_code)];
      }
      ++transports[std::string(transport_name(r.path->transport))];
      if (r.path->transport == SipTransport::ws || r.path->transport == SipTransport::wss) {
        ++websocket;
        compressed += r.ws_compressed ? 1 : 0;
        fragmented += r.ws_frames > 1 ? 1 : 0;
      }
    }
  }
  std::sort(setup_times.begin(), setup_times.end());
  std::sort(pdds.begin(), pdds.end());
  auto quantile = [](const std::vector<double>& sorted, double q) {
    if (sorted.empty()) return 0.0;
    const std::size_t i =
        std::min(sorted.size() - 1,
                 static_cast<std::size_t>(q * static_cast<double>(sorted.size() - 1) + 0.5));
    return sorted[i];
  };
  struct Row {
    std::string section;
    std::string key;
    std::string value;
  };
  std::vector<Row> rows;
  rows.push_back({"total", "calls", std::to_string(calls.size())});
  rows.push_back({"total", "messages", std::to_string(messages)});
  rows.push_back({"total", "retransmissions", std::to_string(retrans)});
  for (const auto& [k, v] : methods) rows.push_back({"method", k, std::to_string(v)});
  for (const auto& [k, v] : statuses) rows.push_back({"status", k, std::to_string(v)});
  for (const auto& [k, v] : states) rows.push_back({"state", k, std::to_string(v)});
  for (const auto& [k, v] : transports) rows.push_back({"transport", k, std::to_string(v)});
  char number[32];
  auto fmt = [&number](double v) {
    std::snprintf(number, sizeof number, "%.6f", v);
    return std::string(number);
  };
  for (const auto& [section, values] :
       {std::pair{"setup_time", &setup_times}, std::pair{"pdd", &pdds}}) {
    rows.push_back({section, "count", std::to_string(values->size())});
    if (values->empty()) continue;
    rows.push_back({section, "min", fmt(values->front())});
    rows.push_back({section, "median", fmt(quantile(*values, 0.5))});
    rows.push_back({section, "p90", fmt(quantile(*values, 0.9))});
    rows.push_back({section, "max", fmt(values->back())});
  }
  rows.push_back({"ratio", "attempts", std::to_string(attempts)});
  rows.push_back(
      {"ratio", "asr",
       attempts ? fmt(static_cast<double>(answered) / static_cast<double>(attempts)) : ""});
  rows.push_back(
      {"ratio", "ner",
       attempts ? fmt(static_cast<double>(effective) / static_cast<double>(attempts)) : ""});
  rows.push_back({"websocket", "connections", std::to_string(counters.websocket_connections)});
  rows.push_back({"websocket", "frames", std::to_string(counters.websocket_frames)});
  rows.push_back(
      {"websocket", "control_frames", std::to_string(counters.websocket_control_frames)});
  rows.push_back({"websocket", "messages", std::to_string(counters.websocket_messages)});
  rows.push_back({"websocket", "sip_messages", std::to_string(websocket)});
  rows.push_back({"websocket", "compressed", std::to_string(compressed)});
  rows.push_back(
      {"websocket", "compressed_share",
       fmt(websocket ? static_cast<double>(compressed) / static_cast<double>(websocket) : 0.0)});
  rows.push_back({"websocket", "fragmented", std::to_string(fragmented)});
  if (media != nullptr && tracker != nullptr) {
    // The media of the selected calls (issue #18): streams by kind, RTP packets and loss, the
    // streams above 5% loss, the MOS range; then each verdict's calls.
    std::map<std::string, std::size_t> kinds;
    std::map<std::string, std::size_t> verdicts;
    std::uint64_t packets = 0, expected = 0, lost = 0, lossy = 0;
    std::vector<double> mos;
    for (const Call* c : calls) {
      if (c->index >= media->calls.size()) continue;
      const CallMedia& m = media->calls[c->index];
      ++verdicts[std::string(media_verdict_name(m.verdict))];
      for (const auto& q : m.mos) {
        if (q) mos.push_back(*q);
      }
      for (const std::size_t i : m.streams) {
        const MediaStream& stream = tracker->streams()[i];
        ++kinds[std::string(media_kind_name(stream.kind))];
        if (stream.control) continue;
        packets += stream.rtp.packets;
        expected += stream.rtp.expected();
        lost += stream.rtp.lost();
        lossy += stream.lost_percent() > 5.0 ? 1 : 0;
      }
    }
    std::sort(mos.begin(), mos.end());
    std::size_t streams = 0;
    for (const auto& [k, v] : kinds) streams += v;
    rows.push_back({"media", "streams", std::to_string(streams)});
    for (const char* kind : {"rtp", "srtp", "rtcp", "srtcp"})
      rows.push_back({"media", std::string(kind) + "_streams", std::to_string(kinds[kind])});
    rows.push_back({"media", "orphan_streams", std::to_string(media->orphan_streams)});
    rows.push_back({"media", "rtp_packets", std::to_string(packets)});
    rows.push_back({"media", "rtp_lost", std::to_string(lost)});
    rows.push_back(
        {"media", "rtp_lost_pct",
         fmt(expected ? 100.0 * static_cast<double>(lost) / static_cast<double>(expected) : 0.0)});
    rows.push_back({"media", "streams_over_5pct_loss", std::to_string(lossy)});
    rows.push_back({"media", "mos_count", std::to_string(mos.size())});
    if (!mos.empty()) {
      rows.push_back({"media", "mos_min", fmt(mos.front())});
      rows.push_back({"media", "mos_median", fmt(quantile(mos, 0.5))});
    }
    for (const MediaVerdict v : {MediaVerdict::both_ways, MediaVerdict::caller_to_callee_only,
                                 MediaVerdict::callee_to_caller_only, MediaVerdict::none,
                                 MediaVerdict::held, MediaVerdict::no_sdp}) {
      const std::string name(media_verdict_name(v));
      rows.push_back({"media_verdict", name, std::to_string(verdicts[name])});
    }
  }
  switch (format) {
    case OutputFormat::tsv:
      std::fputs("section\tkey\tvalue\n", out);
      for (const Row& r : rows)
        std::fprintf(out, "%s\t%s\t%s\n", r.section.c_str(), tsv_field(r.key).c_str(),
                     r.value.c_str());
      return;
    case OutputFormat::json:
      for (const Row& r : rows) {
        // Every value is a number (counts, or seconds with fixed decimals).
        JsonObject line;
        line.string("section", r.section).string("key", r.key).formatted_number("value", r.value);
        std::fputs(line.take_line().c_str(), out);
      }
      return;
    case OutputFormat::text: {
      std::string section;
      for (const Row& r : rows) {
        if (r.section != section) {
          section = r.section;
          std::fprintf(out, "%s:\n", section.c_str());
        }
        std::fprintf(out, "  %-24s %s\n", r.key.c_str(), r.value.c_str());
      }
      return;
    }
  }
}

}  // namespace sipws::cli
