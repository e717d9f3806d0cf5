#include "cli/calls_report.h"

#include <algorithm>
#include <cinttypes>
#include <cstring>
#include <map>

namespace sipws::cli {
namespace {

std::string seconds_or_empty(const std::optional<TimeNs>& ns) {
  if (!ns) return {};
  char text[32];
  std::snprintf(text, sizeof text, "%.6f", static_cast<double>(*ns) / 1e9);
  return text;
}

std::string status_text(int status) {
  return status == 0 ? std::string() : std::to_string(status);
}

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

void print_sdp_summary(std::FILE* out, const CallStore& store, const Call& call) {
  const CallSdp sdp = summarize_sdp(store, call);
  if (sdp.offer) std::fprintf(out, "  %s\n", sdp_text("SDP offer", *sdp.offer).c_str());
  if (sdp.answer) std::fprintf(out, "  %s\n", sdp_text("SDP answer", *sdp.answer).c_str());
}

void print_calls(std::FILE* out, OutputFormat format, const CallStore& store,
                 const std::vector<const Call*>& calls) {
  switch (format) {
    case OutputFormat::tsv:
      std::fputs(
          "call_id\tstart\tmessages\tfirst_method\tstate\tfinal_status\tfrom_user\tto_user\tgroup\t"
          "setup_time\tduration\ttransports\tretransmissions\tdialogs\n",
          out);
      for (const Call* c : calls) {
        std::fprintf(
            out, "%s\t%s\t%zu\t%s\t%s\t%s\t%s\t%s\t%" PRIu64 "\t%s\t%s\t%s\t%zu\t%zu\n",
            tsv_field(c->call_id).c_str(), epoch_seconds(c->start, 6).c_str(), c->messages.size(),
            tsv_field(c->first_method).c_str(), std::string(call_state_name(c->state)).c_str(),
            status_text(c->final_status).c_str(), tsv_field(c->from_user).c_str(),
            tsv_field(c->to_user).c_str(), c->group, seconds_or_empty(c->setup_time()).c_str(),
            seconds_or_empty(c->duration()).c_str(), c->transports_text().c_str(),
            c->retransmissions(), c->dialogs.size());
      }
      return;
    case OutputFormat::json:
      for (const Call* c : calls) {
        std::vector<std::string> transports;
        for (SipTransport t : c->transports) transports.emplace_back(transport_name(t));
        JsonObject line;
        line.string("call_id", c->call_id)
            .seconds("start", c->start, 6)
            .number("messages", c->messages.size())
            .string("first_method", c->first_method)
            .string("state", call_state_name(c->state))
            .number_or_null("final_status", c->final_status != 0, c->final_status)
            .string("from_user", c->from_user)
            .string("to_user", c->to_user)
            .number("group", c->group)
            .formatted_number("setup_time", seconds_or_empty(c->setup_time()))
            .formatted_number("duration", seconds_or_empty(c->duration()))
            .strings("transports", transports)
            .number("retransmissions", c->retransmissions())
            .number("dialogs", c->dialogs.size());
        const CallSdp sdp = summarize_sdp(store, *c);
        if (sdp.offer) line.object("sdp_offer", sdp_json(*sdp.offer));
        if (sdp.answer) line.object("sdp_answer", sdp_json(*sdp.answer));
        std::fputs(line.take_line().c_str(), out);
      }
      return;
    case OutputFormat::text: {
      std::fprintf(out, "%-4s %-26s %-15s %-12s %-5s %5s %-16s %-16s %9s %9s %-8s %s\n", "#",
                   "start", "state", "method", "final", "msgs", "from", "to", "setup s", "dur s",
                   "via", "call-id");
      for (const Call* c : calls) {
        const bool leg = c->group != c->index;
        std::fprintf(
            out, "%-4" PRIu64 " %-26s %-15s %-12s %-5s %5zu %-16s %-16s %9s %9s %-8s %s%s\n",
            c->index, epoch_seconds(c->start, 6).c_str(),
            std::string(call_state_name(c->state)).c_str(), fit_width(c->first_method, 12).c_str(),
            status_text(c->final_status).c_str(), c->messages.size(),
            fit_width(c->from_user, 16).c_str(), fit_width(c->to_user, 16).c_str(),
            seconds_or_empty(c->setup_time()).c_str(), seconds_or_empty(c->duration()).c_str(),
            c->transports_text().c_str(), c->call_id.c_str(),
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
                 const std::vector<const Call*>& calls, const DissectorCounters& counters) {
  std::map<std::string, std::size_t> methods;
  std::map<std::string, std::size_t> statuses;
  std::map<std::string, std::size_t> states;
  std::map<std::string, std::size_t> transports;
  std::vector<double> setup_times;
  std::size_t messages = 0;
  std::size_t compressed = 0;
  std::size_t fragmented = 0;
  std::size_t websocket = 0;
  std::size_t retrans = 0;
  for (const Call* c : calls) {
    ++states[std::string(call_state_name(c->state))];
    if (auto s = c->setup_time()) setup_times.push_back(static_cast<double>(*s) / 1e9);
    for (const auto& cm : c->messages) {
      const MessageSummary& r = store.summaries()[cm.record];
      ++messages;
      retrans += cm.retransmission ? 1 : 0;
      if (r.is_request) {
        ++methods[std::string(r.method)];
      } else {
        ++statuses[std::to_string(r.status_code)];
      }
      ++transports[std::string(transport_name(r.transport))];
      if (r.transport == SipTransport::ws || r.transport == SipTransport::wss) {
        ++websocket;
        compressed += r.ws_compressed ? 1 : 0;
        fragmented += r.ws_frames > 1 ? 1 : 0;
      }
    }
  }
  std::sort(setup_times.begin(), setup_times.end());
  auto quantile = [&setup_times](double q) {
    if (setup_times.empty()) return 0.0;
    const std::size_t i =
        std::min(setup_times.size() - 1,
                 static_cast<std::size_t>(q * static_cast<double>(setup_times.size() - 1) + 0.5));
    return setup_times[i];
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
  rows.push_back({"setup_time", "count", std::to_string(setup_times.size())});
  if (!setup_times.empty()) {
    rows.push_back({"setup_time", "min", fmt(setup_times.front())});
    rows.push_back({"setup_time", "median", fmt(quantile(0.5))});
    rows.push_back({"setup_time", "p90", fmt(quantile(0.9))});
    rows.push_back({"setup_time", "max", fmt(setup_times.back())});
  }
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
