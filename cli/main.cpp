// sipws: the command-line front end. Subcommands render what the lower layers found; none of
// them holds protocol logic.

#include <sys/ioctl.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <map>
#include <string>
#include <tuple>

#include "calls/call_export.h"
#include "capture/capture_pipeline.h"
#include "cli/calls_report.h"
#include "cli/check_report.h"
#include "cli/connections_report.h"
#include "cli/hep_sender.h"
#include "cli/live_command.h"
#include "cli/messages_report.h"
#include "dissector/hep/hep.h"
#include "session/analysis.h"
#include "session/limits.h"
#include "session/media_fields.h"
#include "session/snapshots.h"
#include "session/websocket_fields.h"
#include "tui/models.h"
#include "tui/tui_command.h"

namespace {

using sipws::cli::OutputFormat;

// Exit codes: one enum (session/limits.h), a contract for scripts.
constexpr int kExitOk = exit_status(sipws::ExitCode::ok);
constexpr int kExitUsage = exit_status(sipws::ExitCode::usage);
constexpr int kExitUnreadable = exit_status(sipws::ExitCode::unreadable);
constexpr int kExitDamaged = exit_status(sipws::ExitCode::damaged);
constexpr int kExitNothingMatched = exit_status(sipws::ExitCode::nothing_matched);
constexpr int kExitFindings = exit_status(sipws::ExitCode::findings_at_or_above);

// Opens `path` and runs it through the capture pipeline into `observer`. Returns the exit code
// the reading alone deserves; `summary` says what was read.
using Limits = sipws::AnalysisLimits;
using sipws::apply_limit;

// Opens `path` and hands it to `read(file, progress)`, which returns a ReadSummary. Returns the
// exit code the reading alone deserves; `summary` says what was read.
template <class Read>
int read_file(const std::string& path, sipws::ReadSummary& summary, Read&& read) {
  std::string error;
  auto file = sipws::CaptureFile::open(path, error);
  if (!file) {
    std::fprintf(stderr, "sipws: %s\n", error.c_str());
    return kExitUnreadable;
  }
  // A progress bar on standard error, only for a terminal and a file big enough to wait for.
  const bool show = isatty(STDERR_FILENO) == 1 && file->size() > (32u << 20);
  auto progress = [](std::uint64_t position, std::uint64_t size, void*) {
    if (size == 0) return;
    const int percent = static_cast<int>(100 * position / size);
    const int bar = percent / 4;
    std::fprintf(stderr, "\r[%-25.*s] %3d%% of %llu MB", bar, "#########################", percent,
                 static_cast<unsigned long long>(size >> 20));
  };
  summary = read(*file, show ? +progress : nullptr);
  if (show) std::fprintf(stderr, "\r%60s\r", "");
  return summary.damaged ? kExitDamaged : kExitOk;
}

int read_into(const std::string& path, const Limits& limits, sipws::FlowObserver& observer,
              sipws::FindingSink& findings, sipws::ReadSummary& summary,
              sipws::DecodeCounters* decode = nullptr,
              sipws::CaptureReader::SecretsHandler secrets = nullptr) {
  return read_file(path, summary, [&](sipws::CaptureFile& file, sipws::ReadProgress progress) {
    sipws::CapturePipeline pipeline(observer, findings, limits.capture);
    auto result = sipws::read_capture(file, pipeline, findings, progress, nullptr, secrets);
    if (decode != nullptr) *decode = pipeline.decode_counters();
    return result;
  });
}

int finish(int code, const sipws::ReadSummary& summary) {
  std::fflush(stdout);
  if (code == kExitDamaged) std::fprintf(stderr, "sipws: %s\n", summary.error.c_str());
  return code;
}

int run_connections(const std::string& path, const Limits& limits, OutputFormat format) {
  sipws::FindingCollector findings;
  sipws::cli::ConnectionCollector flows;
  sipws::ReadSummary summary;
  sipws::DecodeCounters d;
  const int code = read_into(path, limits, flows, findings, summary, &d);
  if (code == kExitUnreadable) return code;
  sipws::cli::print_connections(stdout, format, flows);
  if (format == OutputFormat::text) {
    std::printf("Frames: %" PRIu64 " (TCP %" PRIu64 ", UDP %" PRIu64 ", SCTP %" PRIu64
                ", other IP %" PRIu64 ", not IP %" PRIu64 ", malformed %" PRIu64
                ", IP fragments %" PRIu64 ", in tunnels sipws cannot open %" PRIu64 ")\n",
                summary.frames, d.tcp, d.udp, d.sctp, d.other_ip, d.not_ip + d.unsupported_link,
                d.malformed, d.fragments, d.unsupported_tunnel);
    sipws::cli::print_findings_summary(stdout, findings);
  }
  return finish(code, summary);
}

// The time bounds of --since/--until as nanoseconds, once resolved against the capture's start,
// rounded to the microsecond: a double holds today's epoch to about 0.25 us, so a time printed
// with 6 decimals comes back exactly (and its message is in the window), not 0.25 us off.
std::optional<sipws::TimeNs> bound_ns(const std::optional<sipws::TimeBound>& bound) {
  if (!bound) return std::nullopt;
  return static_cast<sipws::TimeNs>(std::llround(bound->seconds * 1e6)) * 1000;
}

// `sipws messages`: every message, or those the filters choose. --since and --until choose
// messages by their own time; the other call filters choose calls (as `calls` does), and then
// the messages of those calls are printed, which needs the call model: the capture is then read
// through the whole analysis (without media), not the dissector alone.
int run_messages(const std::string& path, const Limits& limits, sipws::cli::MessageListing listing,
                 const sipws::CallFilter& given_filter, const std::string& match, bool invert) {
  const OutputFormat format = listing.format;
  sipws::cli::MessagePrinter printer(std::move(listing));
  if (!match.empty()) {
    auto pattern = sipws::cli::MessagePattern::compile(match);
    if (!pattern) {
      std::fprintf(stderr, "sipws: %s\n", pattern.error().c_str());
      return kExitUsage;
    }
    printer.set_pattern(std::move(*pattern), invert);
  }
  sipws::CallFilter filter = given_filter;
  sipws::CallFilter call_filter = given_filter;
  call_filter.since.reset();
  call_filter.until.reset();
  const bool filtered = !filter.empty() || !match.empty();
  sipws::cli::MessagePrinter::Selection selection;
  std::vector<bool> chosen_records;
  sipws::ReadSummary summary;
  int code = kExitOk;
  std::optional<sipws::DissectorCounters> counters;
  sipws::FindingCollector lean_findings;
  const sipws::FindingCollector* findings = &lean_findings;
  std::unique_ptr<sipws::Analysis> analysis;
  if (call_filter.empty()) {
    sipws::DissectorLimits dissector_limits = limits.dissector;
    dissector_limits.parse_sdp = false;  // the listing shows no SDP
    dissector_limits.keep_ws_frames = false;
    sipws::Dissector dissector(printer, lean_findings, dissector_limits);
    code = read_file(path, summary, [&](sipws::CaptureFile& file, sipws::ReadProgress progress) {
      sipws::CapturePipeline pipeline(dissector, dissector.findings(), limits.capture);
      auto result = sipws::read_capture(
          file, pipeline, dissector.findings(), progress, nullptr,
          [&](const std::string& secrets) { dissector.key_log().add_text(secrets); });
      selection.origin = pipeline.first_timestamp();
      return result;
    });
    dissector.drain();  // the printer and the findings are this thread's again
    counters = dissector.counters();
  } else {
    Limits analysis_limits = limits;
    analysis_limits.keep_records = false;
    analysis_limits.media = false;
    analysis_limits.dissector.keep_ws_frames = false;
    analysis = std::make_unique<sipws::Analysis>(analysis_limits);
    analysis->set_message_tap([&printer](const sipws::SipMessageRecord& r) { printer.add(r); });
    code = read_file(path, summary, [&](sipws::CaptureFile& file, sipws::ReadProgress p) {
      return analysis->read(file, p);
    });
    analysis->finish();
    selection.origin = analysis->first_timestamp();
    counters = analysis->counters();
  }
  if (code == kExitUnreadable) return code;
  const sipws::CallStore no_calls(false);
  if (auto resolved = filter.resolve(analysis ? analysis->store() : no_calls, selection.origin);
      !resolved) {
    std::fprintf(stderr, "sipws: %s\n", resolved.error().c_str());
    return kExitUsage;
  }
  selection.since = bound_ns(filter.since);
  selection.until = bound_ns(filter.until);
  if (analysis) {
    call_filter.call_ids = filter.call_ids;  // resolved
    chosen_records.assign(analysis->store().summaries().size(), false);
    for (const sipws::Call* c : sipws::select_calls(analysis->store(), call_filter)) {
      for (const sipws::CallMessage& m : c->messages) {
        if (m.record < chosen_records.size()) chosen_records[m.record] = true;
      }
    }
    selection.records = &chosen_records;
    findings = nullptr;
  }
  if (!printer.print(stdout, selection)) {
    std::fprintf(stderr, "sipws: %s\n", printer.error().c_str());
    return kExitUnreadable;
  }
  if (format == OutputFormat::text) {
    const auto& c = *counters;
    std::printf("SIP messages: %" PRIu64 " (WebSocket connections %" PRIu64 ", frames %" PRIu64
                ", messages %" PRIu64 "; SIP over TCP connections %" PRIu64 ")%s\n",
                c.sip_messages, c.websocket_connections, c.websocket_frames, c.websocket_messages,
                c.sip_tcp_connections,
                filtered ? ("; " + std::to_string(printer.printed()) + " shown").c_str() : "");
    if (findings != nullptr) {
      sipws::cli::print_findings_summary(stdout, *findings);
    } else {
      sipws::FindingTally tally;
      for (const sipws::Finding& f : analysis->findings()) tally.report(f);
      sipws::cli::print_findings_summary(stdout, tally);
    }
  }
  if (filtered && printer.printed() == 0) {
    std::fprintf(stderr, "sipws: no message matches the filters\n");
    const int read = finish(code, summary);
    return read != kExitOk ? read : kExitNothingMatched;
  }
  return finish(code, summary);
}

// Reads a capture into the call model; the shared first half of calls, flow, stats and check.
struct CallAnalysis {
  explicit CallAnalysis(const Limits& limits) : analysis(limits) {}
  sipws::Analysis analysis;
  const sipws::CallStore& store = analysis.store();
  sipws::ReadSummary summary;
  int code = kExitOk;
};

// `keep_messages`: the commands that show messages (flow, export to HEP) keep them compressed;
// calls, stats, check and export to a file need only the calls and each message's summary.
std::unique_ptr<CallAnalysis> analyse_calls(const std::string& path, const Limits& given,
                                            bool keep_messages) {
  Limits limits = given;
  limits.dissector.keep_ws_frames = false;  // no command prints them: memory for calls instead
  limits.keep_records = keep_messages;
  limits.compress_records = true;
  auto a = std::make_unique<CallAnalysis>(limits);
  a->code = read_file(path, a->summary, [&](sipws::CaptureFile& file, sipws::ReadProgress p) {
    return a->analysis.read(file, p);
  });
  a->analysis.finish();
  return a;
}

// The calls the filters select, once the capture is read (call references and times after the
// start resolved against it). Fails (usage) for a reference that names no call or several.
struct Selection {
  std::vector<const sipws::Call*> calls;
  int code = kExitOk;  // kExitUsage: the filters are wrong; kExitNothingMatched: none passes
};
Selection select(const CallAnalysis& a, sipws::CallFilter filter) {
  Selection s;
  if (auto resolved = filter.resolve(a.store, a.analysis.first_timestamp()); !resolved) {
    std::fprintf(stderr, "sipws: %s\n", resolved.error().c_str());
    s.code = kExitUsage;
    return s;
  }
  s.calls = sipws::select_calls(a.store, filter);
  if (s.calls.empty() && !filter.empty()) {
    std::fprintf(stderr, "sipws: no call matches the filters\n");
    s.code = kExitNothingMatched;
  }
  return s;
}
// The exit status: a damaged file first, then what the selection says.
int finish(int code, const sipws::ReadSummary& summary, const Selection& selection) {
  const int read = finish(code, summary);
  return read != kExitOk ? read : selection.code;
}

int run_calls(const std::string& path, const Limits& limits, OutputFormat format,
              const sipws::CallFilter& filter, sipws::TimeStyle time) {
  auto a = analyse_calls(path, limits, false);
  if (a->code == kExitUnreadable) return a->code;
  const Selection selected = select(*a, filter);
  if (selected.code == kExitUsage) return kExitUsage;
  sipws::cli::print_calls(stdout, format, a->store, selected.calls, &a->analysis.media_report(),
                          &a->analysis.media(), time, a->analysis.first_timestamp());
  return finish(a->code, a->summary, selected);
}

// `sipws show FILE FRAME`: the message(s) completed in that frame (or message number N) in full,
// as tshark -V shows SIP: what carried it, the text, the SDP summary, the WebSocket frames, the
// findings about it. The text is the terminal UI's message screen, without its colours.
int run_show(const std::string& path, const Limits& given, std::uint64_t frame,
             std::optional<std::uint64_t> message) {
  Limits limits = given;
  limits.keep_records = true;
  limits.compress_records = true;
  limits.dissector.sip_thread = false;
  sipws::Analysis analysis(limits);
  sipws::ReadSummary summary;
  const int code = read_file(path, summary, [&](sipws::CaptureFile& file, sipws::ReadProgress p) {
    return analysis.read(file, p);
  });
  if (code == kExitUnreadable) return code;
  analysis.finish();
  std::vector<sipws::FindingRow> findings;
  for (std::size_t i = 0; i < analysis.findings().size(); ++i) {
    findings.push_back(sipws::finding_row(analysis, i));
  }
  std::size_t shown = 0;
  const auto& records = analysis.store().summaries();
  for (std::size_t i = 0; i < records.size(); ++i) {
    if (message ? i != *message : records[i].frame != frame) continue;
    const sipws::MessageSnapshot m = sipws::message_snapshot(analysis, i, findings);
    if (shown++ > 0) std::printf("\n");
    const sipws::RecordRef kept = analysis.store().record(i);
    if (!kept) continue;
    const sipws::SipMessageRecord& r = *kept;
    std::printf(
        "Carried by %s, %s %" PRIu64 ", frames %" PRIu64 "-%" PRIu64 "%s\n", m.transport.c_str(),
        r.transport == sipws::SipTransport::udp ? "flow" : "connection", r.connection,
        r.first_frame, r.frame,
        m.call != sipws::kNoId
            ? (", call " + std::to_string(m.call) + " (" + std::string(r.sip.call_id) + ")").c_str()
            : "");
    for (const sipws::tui::StyledLine& line : sipws::tui::message_lines(m, 200)) {
      std::printf("%s\n", line.text.c_str());
    }
  }
  if (shown == 0) {
    if (message) {
      std::fprintf(stderr, "sipws: no message %" PRIu64 " (the capture has %zu, numbered from 0)\n",
                   *message, records.size());
    } else {
      std::fprintf(stderr, "sipws: no SIP message was completed in frame %" PRIu64 "\n", frame);
    }
    return finish(code, summary, Selection{{}, kExitNothingMatched});
  }
  return finish(code, summary);
}

int run_flow(const std::string& path, const Limits& limits, const sipws::CallFilter& filter,
             const sipws::LadderTextOptions& options) {
  auto a = analyse_calls(path, limits, true);
  if (a->code == kExitUnreadable) return a->code;
  const Selection selected = select(*a, filter);
  if (selected.code == kExitUsage) return kExitUsage;
  const auto& calls = selected.calls;
  bool first = true;
  for (const sipws::Call* call : calls) {
    if (!first) std::printf("\n");
    first = false;
    std::printf("Call %s  %s  %s -> %s  %s%s\n", call->call_id.c_str(),
                std::string(call->first_method).c_str(), call->from_user.c_str(),
                call->to_user.c_str(), std::string(sipws::call_state_name(call->state)).c_str(),
                call->final_status ? (" " + std::to_string(call->final_status)).c_str() : "");
    sipws::cli::print_sdp_summary(stdout, a->store, *call, options.width);
    sipws::cli::print_flow(stdout, a->store, sipws::build_ladder(a->store, {call}), options);
    const auto& media = a->analysis.media_report();
    if (call->index < media.calls.size() &&
        media.calls[call->index].verdict != sipws::MediaVerdict::no_sdp) {
      for (const std::string& line :
           sipws::call_media_lines(media.calls[call->index], a->analysis.media(), call->start)) {
        std::printf("%s\n", sipws::fit_columns(line, options.width, false).c_str());
      }
    }
  }
  return finish(a->code, a->summary, selected);
}

// `sipws media FILE`: one row per RTP or RTCP stream (one SSRC one way), with its call; media
// no call claims (orphan streams) last... in capture order, as the streams began. With call
// filters, only the streams of the selected calls.
int run_media(const std::string& path, const Limits& limits, OutputFormat format,
              const sipws::CallFilter& filter) {
  auto a = analyse_calls(path, limits, false);
  if (a->code == kExitUnreadable) return a->code;
  const Selection selected = select(*a, filter);
  if (selected.code == kExitUsage) return kExitUsage;
  std::vector<bool> wanted(a->store.calls().size(), filter.empty());
  for (const sipws::Call* c : selected.calls) wanted[c->index] = true;
  std::vector<const sipws::MediaStream*> streams;
  for (const sipws::MediaStream& s : a->analysis.media().streams()) {
    const bool orphan = s.call == sipws::kNoId;
    // Orphans of one or two packets are mostly other UDP that looks like RTP by chance.
    if (orphan ? !filter.empty() || (s.control ? s.rtcp.packets : s.rtp.packets) < 3
               : !wanted[s.call]) {
      continue;
    }
    streams.push_back(&s);
  }
  std::stable_sort(streams.begin(), streams.end(),
                   [](const auto* x, const auto* y) { return x->first_frame < y->first_frame; });
  switch (format) {
    case OutputFormat::tsv:
      std::fputs(sipws::media_tsv_header().c_str(), stdout);
      for (const auto* s : streams)
        std::fputs(sipws::media_tsv_line(sipws::media_row(*s, a->store)).c_str(), stdout);
      break;
    case OutputFormat::json:
      for (const auto* s : streams)
        std::fputs(sipws::media_json_line(sipws::media_row(*s, a->store)).c_str(), stdout);
      break;
    case OutputFormat::text: {
      std::printf("%s\n", sipws::media_text_header().c_str());
      for (const auto* s : streams)
        std::printf("%s\n", sipws::media_text_line(sipws::media_row(*s, a->store)).c_str());
      std::printf("%zu streams\n", streams.size());
      bool header = false;
      for (const sipws::Call& c : a->store.calls()) {
        if (!wanted[c.index]) continue;
        const sipws::CallMedia& m = a->analysis.media_report().calls[c.index];
        if (m.verdict == sipws::MediaVerdict::no_sdp) continue;
        if (!header) std::printf("\n");
        header = true;
        std::printf("Call %llu %s\n", static_cast<unsigned long long>(c.index), c.call_id.c_str());
        for (const std::string& line : sipws::call_media_lines(m, a->analysis.media(), c.start))
          std::printf("  %s\n", line.c_str());
      }
      break;
    }
  }
  if (streams.empty() && !filter.empty()) {
    std::fprintf(stderr, "sipws: the selected calls have no media\n");
    return finish(a->code, a->summary, Selection{{}, kExitNothingMatched});
  }
  return finish(a->code, a->summary, selected);
}

// `sipws websocket FILE`: one row per WebSocket connection (refused and unanswered upgrades
// too), in tcp.stream order, with the registrations each carried.
int run_websocket(const std::string& path, const Limits& given, OutputFormat format,
                  sipws::TimeStyle time_style) {
  Limits limits = given;
  limits.keep_records = false;
  limits.media = false;
  limits.dissector.keep_ws_frames = false;
  sipws::Analysis analysis(limits);
  sipws::WebSocketReport report;
  analysis.set_websocket_observer(&report);
  analysis.set_message_tap([&report](const sipws::SipMessageRecord& r) { report.on_message(r); });
  sipws::ReadSummary summary;
  const int code = read_file(path, summary, [&](sipws::CaptureFile& file, sipws::ReadProgress p) {
    return analysis.read(file, p);
  });
  if (code == kExitUnreadable) return code;
  analysis.finish();
  report.finish();
  sipws::TimeColumn time(time_style);
  time.set_origin(analysis.first_timestamp());
  if (format == OutputFormat::tsv) std::fputs(sipws::websocket_tsv_header().c_str(), stdout);
  bool first = true;
  for (const sipws::WsConnectionSummary& c : report.connections()) {
    const sipws::WebSocketRow row{&c, report.registrations_of(c.connection)};
    switch (format) {
      case OutputFormat::tsv:
        std::fputs(sipws::websocket_tsv_line(row).c_str(), stdout);
        break;
      case OutputFormat::json:
        std::fputs(sipws::websocket_json_line(row).c_str(), stdout);
        break;
      case OutputFormat::text:
        if (!first) std::printf("\n");
        for (const std::string& line : sipws::websocket_text_lines(row, time))
          std::printf("%s\n", line.c_str());
        break;
    }
    first = false;
  }
  if (format == OutputFormat::text) {
    std::printf("%s%zu WebSocket connections%s\n", first ? "" : "\n", report.connections().size(),
                report.dropped() > 0
                    ? (" (" + std::to_string(report.dropped()) + " more not kept: a limit)").c_str()
                    : "");
  }
  return finish(code, summary);
}

int run_stats(const std::string& path, const Limits& limits, OutputFormat format,
              const sipws::CallFilter& filter) {
  auto a = analyse_calls(path, limits, false);
  if (a->code == kExitUnreadable) return a->code;
  const Selection selected = select(*a, filter);
  if (selected.code == kExitUsage) return kExitUsage;
  sipws::cli::print_stats(stdout, format, a->store, selected.calls, a->analysis.counters(),
                          &a->analysis.media_report(), &a->analysis.media());
  return finish(a->code, a->summary, selected);
}

int run_export(const std::string& path, const Limits& limits, const std::string& output,
               const sipws::CallFilter& filter, const sipws::cli::LiveCommandOptions& hep,
               bool whole_connections) {
  if (output.empty() && hep.hep.empty()) {
    std::fprintf(stderr, "sipws: export wants -w FILE, --hep HOST:PORT, or both\n");
    return kExitUsage;
  }
  if (path == "-" && !output.empty()) {
    std::fprintf(stderr,
                 "sipws: export reads the capture twice, so it needs a file, not standard input\n");
    return kExitUsage;
  }
  std::unique_ptr<sipws::cli::HepSender> sender;
  if (!hep.hep.empty()) {
    auto opened = sipws::cli::HepSender::open(hep.hep, hep.hep_tcp);
    if (!opened) {
      std::fprintf(stderr, "sipws: %s\n", opened.error().c_str());
      return kExitUsage;
    }
    sender = std::move(*opened);
  }
  auto a = analyse_calls(path, limits, sender != nullptr);  // HEP sends the messages
  if (a->code == kExitUnreadable) return a->code;
  const Selection selected = select(*a, filter);
  if (selected.code == kExitUsage) return kExitUsage;
  const auto& calls = selected.calls;
  if (calls.empty()) {
    if (filter.empty()) std::fprintf(stderr, "sipws: no call to export\n");
    return finish(a->code, a->summary, Selection{{}, kExitNothingMatched});
  }
  if (!output.empty()) {
    const auto needing = sipws::calls_needing_whole_connections(a->store, calls);
    if (!needing.empty() && !whole_connections) {
      std::string names;
      for (std::size_t i = 0; i < needing.size() && i < 5; ++i) {
        names += (i == 0 ? "" : ", ") + needing[i]->call_id;
      }
      if (needing.size() > 5) names += ", ... (" + std::to_string(needing.size()) + " calls)";
      std::fprintf(stderr,
                   "sipws: warning: %s: compressed WebSocket messages that need the messages "
                   "before them on their connection (permessage-deflate with context takeover); "
                   "cut out of it, neither tshark nor sipws can inflate them. "
                   "--whole-connections keeps every frame of those connections\n",
                   names.c_str());
    }
    // Each call's media goes with it: its RTP/RTCP streams, ICE checks and DTLS handshakes.
    sipws::ExportOptions export_options{whole_connections, {}};
    const auto& media = a->analysis.media_report();
    for (const sipws::Call* c : calls) {
      if (c->index >= media.calls.size()) continue;
      sipws::for_each_media_flow(
          media.calls[c->index], a->analysis.media(),
          [&](const sipws::Endpoint& from, const sipws::Endpoint& to, bool either_way,
              std::uint64_t first, std::uint64_t last) {
            export_options.flows.push_back({from, to, either_way, first, last});
          });
    }
    const auto result = sipws::export_calls(path, output, a->store, calls, export_options);
    if (!result.error.empty()) {
      std::fprintf(stderr, "sipws: %s\n", result.error.c_str());
      return kExitUnreadable;
    }
    std::printf(
        "wrote %llu frames of %zu calls to %s%s\n",
        static_cast<unsigned long long>(result.frames_written), calls.size(), output.c_str(),
        result.link_type == sipws::link_type::raw ? " (as raw IP: the input mixes link types)"
                                                  : "");
  }
  if (sender) {
    // Every message of the selected calls, in capture order, one HEPv3 packet each.
    std::vector<std::uint64_t> records;
    for (const sipws::Call* call : calls) {
      for (const sipws::CallMessage& m : call->messages) records.push_back(m.record);
    }
    std::sort(records.begin(), records.end());
    const sipws::HepEncodeOptions options{hep.hep_id, hep.hep_password};
    for (const std::uint64_t r : records) {
      const sipws::RecordRef kept = a->store.record(r);
      if (kept) sender->send(sipws::encode_hep3(*kept, options));
      // UDP has no flow control: pace a burst so that a local collector's socket keeps up.
      if (!hep.hep_tcp && (r & 63) == 63) usleep(1000);
    }
    sender->flush(5000);
    std::printf("sent %llu HEP packets of %zu calls to %s (%s)%s\n",
                static_cast<unsigned long long>(sender->sent()), calls.size(), hep.hep.c_str(),
                hep.hep_tcp ? "tcp" : "udp",
                sender->dropped() > 0 ? ("; " + std::to_string(sender->dropped()) +
                                         " dropped: " + sender->last_error())
                                            .c_str()
                                      : "");
    if (sender->dropped() > 0) return kExitUnreadable;
  }
  return finish(a->code, a->summary);
}

// `sipws check` exit codes (issue #5): 0 nothing at or above --fail-on, 1 something, 2 the
// capture could not be read.
int run_check(const std::string& path, const Limits& limits,
              const sipws::cli::CheckOptions& options) {
  auto a = analyse_calls(path, limits, false);
  if (a->code == kExitUnreadable) return kExitUnreadable;
  const std::string name = path == "-" ? "standard input" : path;
  const std::size_t failing =
      sipws::cli::print_check(stdout, options, a->analysis.findings(), a->store, name);
  std::fflush(stdout);
  if (a->code == kExitDamaged) std::fprintf(stderr, "sipws: %s\n", a->summary.error.c_str());
  return failing > 0 ? kExitFindings : kExitOk;
}

}  // namespace

// A range check whose text stays out of --help (CLI11 would print "UINT:FLOAT in [0 - 1e+09]").
template <class T>
CLI::Validator in_range(T min, T max) {
  return CLI::Range(min, max).description("");
}

int main(int argc, char** argv) {
  CLI::App app{"sipws: analyse SIP over WebSocket (and plain SIP) in captures"};
  app.set_version_flag("--version", "sipws 0.1.0");
  app.require_subcommand(1);
  app.fallthrough();  // --limit may come before or after the subcommand
  std::vector<std::string> limit_settings;
  std::string keylog_path;
  int threads = 2;
  app.add_option("--threads", threads,
                 "threads for reading a capture file: 2 (default) parses SIP on a second thread "
                 "while the first reads, reassembles and inflates; 1 does it all on one. The "
                 "output is the same")
      ->check(in_range(1, 2));
  app.add_option("--keylog", keylog_path,
                 "TLS key log file (SSLKEYLOGFILE format) to decrypt wss:// and SIP over TLS with; "
                 "pcapng files may carry their own (Decryption Secrets Blocks)");
  app.add_option("--limit", limit_settings, sipws::limits_help())->allow_extra_args(false);
  std::string color_mode = "auto";
  app.add_option("--color", color_mode,
                 "colour states, severities, requests and responses in text output: auto (on a "
                 "terminal, unless NO_COLOR is set), always or never")
      ->check(CLI::IsMember({"auto", "always", "never"}));
  std::string time_name = "clock";
  app.add_option("--time", time_name,
                 "how text output writes times: clock (time of day, the date on a line of its "
                 "own; the default), epoch, utc, local (ISO 8601), rel (seconds after the first "
                 "packet) or delta (after the line before). TSV and JSON keep epoch seconds")
      ->check(CLI::IsMember({"clock", "epoch", "utc", "local", "rel", "delta"}));

  std::string path;
  std::string format_name = "text";
  const std::map<std::string, OutputFormat> formats{
      {"text", OutputFormat::text}, {"tsv", OutputFormat::tsv}, {"json", OutputFormat::json}};
  auto add_common = [&](CLI::App* command) {
    command
        ->add_option("FILE", path, "pcap or pcapng file, optionally gzip-compressed; - for stdin")
        ->required();
    command->add_option("--format", format_name, "text, tsv or json (JSON Lines)")
        ->check(CLI::IsMember({"text", "tsv", "json"}));
  };

  auto* messages = app.add_subcommand(
      "messages", "List every SIP message (over WebSocket, TCP or UDP) in capture order");
  add_common(messages);
  std::string match_expression;
  bool invert_match = false;
  std::vector<std::string> message_fields;
  messages->add_option("--match", match_expression,
                       "only messages whose text matches this regular expression (POSIX "
                       "extended, as grep -E; ^ and $ match at each line)");
  messages->add_flag("-v,--invert", invert_match, "with --match: only those that do not match");
  messages
      ->add_option("--fields", message_fields,
                   "the columns of TSV and JSON (and text), comma-separated: any of frame, time, "
                   "src, sport, dst, dport, transport, method, status, reason, call_id, cseq, "
                   "from_user, to_user, connection, bytes; hdr:NAME (a header, all its "
                   "occurrences joined by ','), sdp:TYPE (SDP lines, e.g. sdp:c, sdp:m), "
                   "ws:ITEM (opcode, compressed, context_takeover, fragments, masked, "
                   "wire_bytes, first_frame, handshake_seen)")
      ->allow_extra_args(false);
  auto* websocket = app.add_subcommand(
      "websocket",
      "List the WebSocket connections: handshake, frames, pings, keep-alives, who closed and "
      "how, and the registrations each carried (re-registered after a reconnect, and when)");
  add_common(websocket);
  auto* connections =
      app.add_subcommand("connections", "List the TCP connections and UDP flows of a capture");
  add_common(connections);

  sipws::CallFilter filter;
  std::vector<std::string> filter_calls, filter_methods, filter_users, filter_states;
  std::string since_text, until_text;
  // `per_message`: --since and --until choose messages by their time (messages), not calls.
  auto add_filters = [&](CLI::App* command, bool per_message = false) {
    command
        ->add_option("--call", filter_calls,
                     "only this call: its Call-ID, the index `calls` prints, or a unique start of "
                     "its Call-ID (repeatable, or comma-separated)")
        ->allow_extra_args(false);
    command
        ->add_option("--method", filter_methods,
                     "only calls with a message of this method (repeatable, or comma-separated)")
        ->allow_extra_args(false);
    command
        ->add_option("--user", filter_users,
                     "only calls whose From or To user is this (repeatable, or comma-separated)")
        ->allow_extra_args(false);
    command->add_option("--address", filter.address,
                        "only calls with a message from or to this address[:port]");
    command
        ->add_option(
            "--state", filter_states,
            "only calls in this state (repeatable, or comma-separated): " + sipws::state_names())
        ->allow_extra_args(false);
    command->add_option("--since", since_text,
                        std::string(per_message ? "only messages at or after this time"
                                                : "only calls that end at or after this time") +
                            ": epoch seconds, ISO 8601 (2026-11-24T22:35:00Z) or after the "
                            "capture's start (+30s, +2m)");
    command->add_option("--until", until_text,
                        per_message ? "only messages at or before this time (as --since)"
                                    : "only calls that start at or before this time (as --since)");
  };
  add_filters(messages, true);
  auto* calls = app.add_subcommand("calls", "List the calls: state, timings, legs");
  add_common(calls);
  add_filters(calls);
  auto* media = app.add_subcommand(
      "media",
      "List the RTP and RTCP streams (one SSRC one way) with their calls, loss, jitter, "
      "and each call's media verdict");
  add_common(media);
  add_filters(media);
  sipws::LadderTextOptions flow_options;
  auto* flow = app.add_subcommand("flow", "Print the ladder diagram of each call");
  flow->add_option("FILE", path, "pcap or pcapng file, optionally gzip-compressed; - for stdin")
      ->required();
  add_filters(flow);
  flow->add_option("--width", flow_options.width, "width in columns (default 80)")
      ->check(in_range(std::size_t{20}, std::size_t{10000}));
  flow->add_flag("-v,--verbose", flow_options.verbose, "print each message under its arrow");
  std::string export_path;
  auto* export_command =
      app.add_subcommand("export", "Write the frames of the selected calls to a pcap file");
  export_command->add_option("FILE", path, "pcap or pcapng file, optionally gzip-compressed")
      ->required();
  export_command->add_option("-w,--write", export_path, "the pcap file to write");
  bool whole_connections = false;
  export_command->add_flag(
      "--whole-connections", whole_connections,
      "keep every frame of the WebSocket connections whose compressed messages need the ones "
      "before them (permessage-deflate with context takeover), so that the file inflates");
  sipws::cli::LiveCommandOptions hep_options;  // --hep and its settings, for export
  auto add_hep_options = [](CLI::App* command, sipws::cli::LiveCommandOptions& o) {
    command->add_option("--hep", o.hep,
                        "also send every SIP message as HEPv3 to this collector (HOST:PORT; "
                        "Homer's heplify-server, sngrep -L, sipws listen)");
    command
        ->add_option_function<std::string>(
            "--hep-transport", [&o](const std::string& t) { o.hep_tcp = t == "tcp"; },
            "udp (default) or tcp")
        ->check(CLI::IsMember({"udp", "tcp"}));
    command->add_option("--hep-id", o.hep_id, "HEP capture agent id (default 0)")
        ->check(in_range(0.0, 4294967295.0));
    command->add_option("--hep-password", o.hep_password, "HEP authentication key");
  };
  add_hep_options(export_command, hep_options);
  add_filters(export_command);
  sipws::cli::CheckOptions check_options;
  std::string check_format = "text";
  std::string fail_on = "error";
  bool list_rules = false;
  auto* check =
      app.add_subcommand("check", "Check the capture against RFC 6455, 7692, 7118 and 3261");
  check->add_option("FILE", path, "pcap or pcapng file, optionally gzip-compressed; - for stdin");
  check->add_option("--format", check_format, "text, json (JSON Lines) or junit (JUnit XML)")
      ->check(CLI::IsMember({"text", "json", "junit"}));
  check
      ->add_option("--fail-on", fail_on, "exit 1 when a finding of this severity or worse is found")
      ->check(CLI::IsMember({"error", "warning", "note"}));
  check
      ->add_option("--rules", check_options.rules,
                   "only these rule ids or prefixes (comma-separated)")
      ->delimiter(',')
      ->allow_extra_args(false);
  check
      ->add_option("--disable", check_options.disable,
                   "never these rule ids or prefixes (comma-separated)")
      ->delimiter(',')
      ->allow_extra_args(false);
  check->add_flag("--list-rules", list_rules,
                  "print every rule: id, severity, RFC section, explanation");
  sipws::cli::LiveCommandOptions live_options;
  bool list_interfaces = false;
  std::string live_format = "text";
  auto* live =
      app.add_subcommand("live", "Capture live traffic and print SIP messages as they happen");
  live->add_option("-i,--interface", live_options.capture.interface,
                   "the interface to capture on (see --list-interfaces)");
  live->add_option("-f,--filter", live_options.capture.filter,
                   "a BPF capture filter, e.g. \"tcp port 8080 or udp port 5060\"");
  live->add_option("--format", live_format,
                   "text, tsv or json: tsv and json print exactly what `messages` prints")
      ->check(CLI::IsMember({"text", "tsv", "json"}));
  // What `live` and the capture helper share: the file written alongside, its rotation, the
  // queue between the capture thread and the consumer, and the privileges.
  auto add_capture_options = [&](CLI::App* command) {
    command->add_option("-w,--write", live_options.capture.write_path,
                        "also write every captured packet to this pcap file");
    command
        ->add_option("--rotate-size", live_options.capture.rotate_bytes,
                     "with -w: start FILE.1, FILE.2, ... when a file reaches this many bytes")
        ->check(in_range(0.0, 1e18));
    command
        ->add_option("--rotate-seconds", live_options.capture.rotate_seconds,
                     "with -w: start the next file after this many seconds")
        ->check(in_range(0.0, 1e9));
    command
        ->add_option("--queue-packets", live_options.capture.queue_packets,
                     "packets that may wait for analysis before drops are counted (100000)")
        ->check(in_range(1.0, 1e8));
    command
        ->add_option("--snaplen", live_options.capture.snaplen,
                     "bytes captured per packet (default 262144)")
        ->check(in_range(1, 262144));
    command->add_option("--user", live_options.user,
                        "drop root privileges to this user once the device is open (default "
                        "nobody; root keeps them)");
  };
  add_capture_options(live);
  add_hep_options(live, live_options);
  live->add_option("-c,--count", live_options.count, "stop after this many packets (0: no limit)")
      ->check(in_range(0.0, 1e18));
  live->add_option("--duration", live_options.duration,
                   "stop after this many seconds (0: no limit)")
      ->check(in_range(0.0, 1e9));
  live->add_flag("--calls", live_options.calls,
                 "also print call state changes (text; with --format json as JSON lines "
                 "{\"event\":\"call_state\",...})");
  live->add_option("--findings", live_options.findings_path,
                   "write findings to FILE as JSON Lines while capturing; at the end FILE is "
                   "what `sipws check --format json` prints for the -w file");
  live->add_flag("--list-interfaces", list_interfaces, "list the interfaces, like tcpdump -D");
  sipws::cli::ListenOptions listen_options;
  std::string listen_format = "text";
  auto* listen = app.add_subcommand(
      "listen",
      "Receive HEPv3 (UDP and TCP) from capture agents (Kamailio siptrace, heplify, sngrep -H) "
      "and print the SIP messages as they arrive");
  listen
      ->add_option("--hep", listen_options.port,
                   "the port to listen on (UDP and TCP; 0 takes a free one and says which)")
      ->check(in_range(0, 65535))
      ->required();
  listen->add_option("--bind", listen_options.bind, "the address to listen on (default ::, all)");
  listen->add_option("--format", listen_format, "text, tsv or json (as `messages` prints)")
      ->check(CLI::IsMember({"text", "tsv", "json"}));
  listen->add_option("-w,--write", listen_options.write_path,
                     "also write what arrived to this pcap (raw IP; every command reads it)");
  listen->add_flag("--calls", listen_options.calls,
                   "also print call state changes (text; with --format json as JSON lines "
                   "{\"event\":\"call_state\",...})");
  listen->add_option("--findings", listen_options.findings_path,
                     "write findings to FILE as JSON Lines (as live --findings)");
  listen
      ->add_option("-c,--count", listen_options.count,
                   "stop after this many HEP packets (0: no limit)")
      ->check(in_range(0.0, 1e18));
  listen
      ->add_option("--duration", listen_options.duration,
                   "stop after this many seconds (0: no limit)")
      ->check(in_range(0.0, 1e9));
  listen->add_option("--hep-password", listen_options.password,
                     "accept only packets with this authentication key");
  auto* capture = app.add_subcommand(
      "capture",
      "Capture helper: stream what is captured as pcapng to standard output, after dropping root "
      "(for an unprivileged reader such as the GUI)");
  capture->add_option("-i,--interface", live_options.capture.interface, "the interface")
      ->required();
  capture->add_option("-f,--filter", live_options.capture.filter, "a BPF capture filter");
  capture->add_option("-c,--count", live_options.count, "stop after this many packets")
      ->check(in_range(0.0, 1e18));
  capture->add_option("--duration", live_options.duration, "stop after this many seconds")
      ->check(in_range(0.0, 1e9));
  add_capture_options(capture);
  capture
      ->add_option("--stats-interval", live_options.stats_interval,
                   "print a line of counters (captured, dropped) to standard error this "
                   "often, in seconds (the GUI's status bar reads it)")
      ->check(in_range(0.0, 1e6));
  std::uint64_t show_frame = 0;
  std::uint64_t show_message = 0;
  auto* show = app.add_subcommand(
      "show", "Print the SIP message(s) completed in a frame in full, as tshark -V shows SIP");
  show->add_option("FILE", path, "pcap or pcapng file, optionally gzip-compressed; - for stdin")
      ->required();
  show->add_option("FRAME", show_frame, "the frame number (as messages and tshark print it)")
      ->check(in_range(0.0, 1e18));
  show->add_option("--message", show_message,
                   "the message with this number instead (0-based, in the order messages "
                   "completed; the terminal UI's #N)")
      ->check(in_range(0.0, 1e18));
  auto* stats = app.add_subcommand(
      "stats", "Counts by method, status and state; setup times; WebSocket figures");
  add_common(stats);
  add_filters(stats);
  sipws::tui::TuiOptions tui_options;
  int tui_hep_port = -1;
  bool tui_no_mouse = false;
  auto* tui = app.add_subcommand(
      "tui",
      "Browse calls, ladders, messages and findings in the terminal (like sngrep), from a file, "
      "standard input (-), a live interface (-i) or HEP agents (--hep)");
  tui->add_option("FILE", path,
                  "pcap or pcapng file, optionally gzip-compressed; - for standard input (keys "
                  "are read from the terminal: ssh host tcpdump -U -w - | sipws tui -)");
  tui->add_option("-i,--interface", tui_options.source.capture.interface,
                  "capture live on this interface (root or CAP_NET_RAW; privileges are dropped "
                  "once it is open)");
  tui->add_option("-f,--filter", tui_options.source.capture.filter,
                  "with -i: a BPF capture filter");
  tui->add_option("-w,--write", tui_options.source.capture.write_path,
                  "with -i: also write every captured packet to this pcap file (F2 saves calls "
                  "from it)");
  tui->add_option("--capture-user", tui_options.source.user,
                  "with -i: drop root privileges to this user once the device is open (default "
                  "nobody)");
  tui->add_option("--hep", tui_hep_port, "receive HEPv3 from agents on this port (UDP and TCP)")
      ->check(in_range(0, 65535));
  tui->add_option("--bind", tui_options.source.hep_bind,
                  "with --hep: the address to listen on (default ::, all)");
  tui->add_flag("--no-mouse", tui_no_mouse, "ignore the mouse (the terminal keeps selecting text)");
  add_filters(tui);

  // A first word that is no command is named (CLI11 says only that a command is required).
  for (int i = 1; i < argc; ++i) {
    const std::string word = argv[i];
    if (word == "--threads" || word == "--keylog" || word == "--limit" || word == "--color" ||
        word == "--time") {
      ++i;  // its value
      continue;
    }
    if (word.empty() || word[0] == '-') continue;
    std::string names;
    bool known = false;
    for (const CLI::App* c : app.get_subcommands([](CLI::App*) { return true; })) {
      names += (names.empty() ? "" : ", ") + c->get_name();
      known = known || c->get_name() == word;
    }
    if (!known) {
      std::fprintf(stderr, "sipws: no command is called '%s' (the commands: %s)\n", word.c_str(),
                   names.c_str());
      return kExitUsage;
    }
    break;
  }
  // Each command's --help names the global options that apply to it.
  for (CLI::App* command : app.get_subcommands([](CLI::App*) { return true; })) {
    command->footer(
        "Global options (before or after the command): --threads 1|2, --keylog FILE, "
        "--limit NAME=VALUE (repeatable; the names: sipws --help), --color auto|always|never, "
        "--time clock|epoch|utc|local|rel|delta, --version");
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? kExitOk : kExitUsage;
  }
  bool colors = false;
  sipws::cli::parse_color_mode(color_mode, colors);  // its value was checked by the parser
  sipws::cli::set_text_colors(colors);
  Limits limits;
  limits.dissector.sip_thread = threads > 1;
  for (const std::string& setting : limit_settings) {
    if (const auto applied = apply_limit(setting, limits); !applied) {
      std::fprintf(stderr, "sipws: %s\n", applied.error().c_str());
      return kExitUsage;
    }
  }
  if (!keylog_path.empty()) {
    sipws::TlsKeyLog readable;
    std::string error;
    if (!readable.load_file(keylog_path, error)) {
      std::fprintf(stderr, "sipws: %s\n", error.c_str());
      return kExitUnreadable;
    }
    limits.dissector.tls_key_log = keylog_path;
  }
  filter.call_ids = sipws::split_list(filter_calls);
  filter.methods = sipws::split_list(filter_methods);
  filter.users = sipws::split_list(filter_users);
  filter.states = sipws::split_list(filter_states);
  if (auto known = sipws::check_states(filter.states); !known) {
    std::fprintf(stderr, "sipws: --state: %s\n", known.error().c_str());
    return kExitUsage;
  }
  for (auto [text, bound, name] : {std::tuple{&since_text, &filter.since, "--since"},
                                   std::tuple{&until_text, &filter.until, "--until"}}) {
    if (text->empty()) continue;
    auto parsed = sipws::parse_time_bound(*text);
    if (!parsed) {
      std::fprintf(stderr, "sipws: %s: %s\n", name, parsed.error().c_str());
      return kExitUsage;
    }
    *bound = *parsed;
  }
  const sipws::TimeStyle time_style = *sipws::time_style_named(time_name);  // checked by the parser
  live_options.time = time_style;
  listen_options.time = time_style;
  if (*messages) {
    sipws::cli::MessageListing listing{formats.at(format_name), {}, time_style};
    if (!message_fields.empty()) {
      auto columns = sipws::parse_message_columns(message_fields);
      if (!columns) {
        std::fprintf(stderr, "sipws: %s\n", columns.error().c_str());
        return kExitUsage;
      }
      listing.columns = std::move(*columns);
    }
    if (invert_match && match_expression.empty()) {
      std::fprintf(stderr, "sipws: --invert needs --match REGEX\n");
      return kExitUsage;
    }
    return run_messages(path, limits, std::move(listing), filter, match_expression, invert_match);
  }
  if (*websocket) return run_websocket(path, limits, formats.at(format_name), time_style);
  if (*calls) return run_calls(path, limits, formats.at(format_name), filter, time_style);
  if (*media) return run_media(path, limits, formats.at(format_name), filter);
  if (*flow) {
    // On a terminal, its width unless --width says otherwise.
    winsize size{};
    if (flow->count("--width") == 0 && isatty(STDOUT_FILENO) &&
        ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col >= 20) {
      flow_options.width = size.ws_col;
    }
    return run_flow(path, limits, filter, flow_options);
  }
  if (*stats) return run_stats(path, limits, formats.at(format_name), filter);
  if (*export_command) {
    return run_export(path, limits, export_path, filter, hep_options, whole_connections);
  }
  if (*listen) {
    listen_options.format = formats.at(listen_format);
    return sipws::cli::run_listen(listen_options, limits);
  }
  if (*check) {
    if (list_rules) {
      sipws::cli::print_rules(stdout);
      return kExitOk;
    }
    if (path.empty()) {
      std::fprintf(stderr, "sipws: check needs a FILE (or --list-rules)\n");
      return kExitUnreadable;
    }
    if (auto known = sipws::cli::check_rule_names(check_options); !known) {
      std::fprintf(stderr, "sipws: %s\n", known.error().c_str());
      return kExitUsage;
    }
    check_options.format = check_format == "json"    ? sipws::cli::CheckFormat::json
                           : check_format == "junit" ? sipws::cli::CheckFormat::junit
                                                     : sipws::cli::CheckFormat::text;
    check_options.fail_on = fail_on == "note"      ? sipws::Severity::note
                            : fail_on == "warning" ? sipws::Severity::warning
                                                   : sipws::Severity::error;
    return run_check(path, limits, check_options);
  }
  if (*connections) return run_connections(path, limits, formats.at(format_name));
  if (*show) {
    if (show->count("FRAME") == 0 && show->count("--message") == 0) {
      std::fprintf(stderr, "sipws: show needs a FRAME (or --message N)\n");
      return kExitUsage;
    }
    return run_show(path, limits, show_frame,
                    show->count("--message") > 0 ? std::optional(show_message) : std::nullopt);
  }
  if (*tui) {
    auto& source = tui_options.source;
    const int given = (path.empty() ? 0 : 1) + (source.capture.interface.empty() ? 0 : 1) +
                      (tui_hep_port < 0 ? 0 : 1);
    if (given != 1) {
      std::fprintf(stderr,
                   "sipws: tui needs one of FILE, - (standard input), -i INTERFACE or "
                   "--hep PORT\n");
      return kExitUsage;
    }
    if (!path.empty()) {
      source.kind = path == "-" ? sipws::tui::SourceOptions::Kind::standard_input
                                : sipws::tui::SourceOptions::Kind::file;
      source.path = path;
    } else if (!source.capture.interface.empty()) {
      source.kind = sipws::tui::SourceOptions::Kind::interface;
    } else {
      source.kind = sipws::tui::SourceOptions::Kind::hep;
      source.hep_port = static_cast<std::uint16_t>(tui_hep_port);
    }
    // A screen of calls keeps ended calls in view (until live_calls or live_call_idle push them
    // out) unless --limit live_call_linger says otherwise.
    const bool linger_given =
        std::any_of(limit_settings.begin(), limit_settings.end(),
                    [](const std::string& l) { return l.rfind("live_call_linger=", 0) == 0; });
    if (!linger_given) limits.live_calls.linger = 0;
    // Whole messages of every live call are kept for the screens: hold as many calls as sngrep
    // does by default (-l 20000) unless --limit live_calls says otherwise.
    const bool calls_given =
        std::any_of(limit_settings.begin(), limit_settings.end(),
                    [](const std::string& l) { return l.rfind("live_calls=", 0) == 0; });
    if (!calls_given) limits.live_calls.max_calls = 20'000;
    tui_options.terminal.filter = filter;
    tui_options.terminal.mouse = !tui_no_mouse;
    return sipws::tui::run_tui(tui_options, limits);
  }
  if (*capture) return sipws::cli::run_capture_helper(live_options);
  if (*live) {
    if (list_interfaces) {
      sipws::cli::print_interfaces(stdout);
      return kExitOk;
    }
    if (live_options.capture.interface.empty()) {
      std::fprintf(stderr, "sipws: live needs -i INTERFACE (or --list-interfaces)\n");
      return kExitUsage;
    }
    live_options.format = formats.at(live_format);
    return sipws::cli::run_live(live_options, limits);
  }
  return kExitUsage;
}
