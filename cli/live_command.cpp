#include "cli/live_command.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <csignal>
#include <cstring>
#include <map>

#include "calls/call_store.h"
#include "capture/pcap_writer.h"
#include "capture/pcapng_writer.h"
#include "cli/hep_sender.h"
#include "cli/messages_report.h"
#include "dissector/hep/hep.h"
#include "session/call_fields.h"
#include "session/findings_output.h"
#include "session/hep_listener.h"
#include "session/limits.h"
#include "session/live_analysis.h"
#include "session/live_source.h"

namespace sipws::cli {
namespace {

// Set by SIGINT/SIGTERM; the analysis loop polls it (a signal handler may do little else).
volatile std::sig_atomic_t g_stop_requested = 0;
void on_signal(int) {
  g_stop_requested = 1;
}

// Prints each message as it completes (and, with --calls, each call's state change).
class LivePrinter final : public LiveCallObserver {
 public:
  LivePrinter(OutputFormat format, TimeStyle time, bool calls)
      : format_(format), time_(time), calls_(calls) {}
  void send_to(HepSender* hep, HepEncodeOptions options) {
    hep_ = hep;
    hep_options_ = std::move(options);
  }
  void on_message(const SipMessageRecord& record) {
    if (hep_ != nullptr) hep_->send(encode_hep3(record, hep_options_));
    if (format_ == OutputFormat::text) {
      // rel counts from the first message; clock says the date when it changes.
      std::string date_line;
      const std::string time = time_.text(record.timestamp, &date_line);
      if (!date_line.empty()) std::printf("%s\n", date_line.c_str());
      std::fputs(message_text_line(record, time, time_.width()).c_str(), stdout);
    } else {
      std::fputs(message_line(format_, record).c_str(), stdout);
    }
    std::fflush(stdout);
  }
  void on_call_message(const Call& call, std::uint64_t index, bool state_changed) override {
    if (!calls_ || !state_changed) return;
    if (format_ == OutputFormat::json) {
      // A JSON line of its own among the messages' lines, told apart by "event".
      const CallRow row = call_row(call, 0);
      JsonObject o;
      o.string("event", "call_state");
      o.number("call", index);
      o.string("call_id", call.call_id);
      o.seconds("time", call.end, 6);
      o.string("state", call_state_name(call.state));
      o.number_or_null("final_status", call.final_status != 0,
                       static_cast<std::uint64_t>(call.final_status));
      o.string("first_method", call.first_method);
      o.string("from_user", call.from_user);
      o.string("to_user", call.to_user);
      for (const CallField f :
           {CallField::final_reason, CallField::reason_header, CallField::warning_header,
            CallField::final_from, CallField::ended_by, CallField::pdd}) {
        const CallFieldSpec& spec = call_field(f);
        field_json(o, spec.json_key, spec.value(row));
      }
      std::fputs(o.take_line().c_str(), stdout);
    } else if (format_ == OutputFormat::text) {
      std::printf("        call %s: %s%s\n", call.call_id.c_str(),
                  std::string(call_state_name(call.state)).c_str(),
                  call.final_status ? (" " + std::to_string(call.final_status)).c_str() : "");
    } else {
      return;  // TSV: one table of messages, no room for another kind of row
    }
    std::fflush(stdout);
  }

  // As a call leaves memory: its media verdict (issue #18), when the capture carries media.
  void on_call_left(const Call& call, std::uint64_t index, const CallMedia* media) override {
    if (!calls_ || media == nullptr || media->verdict == MediaVerdict::no_sdp) return;
    CallRow row = call_row(call, 0);
    add_call_media(row, *media);
    if (format_ == OutputFormat::json) {
      JsonObject o;
      o.string("event", "call_media");
      o.number("call", index);
      o.string("call_id", call.call_id);
      o.seconds("time", call.end, 6);
      for (const CallField f : {CallField::media, CallField::media_reason,
                                CallField::mos_caller_to_callee, CallField::mos_callee_to_caller}) {
        const CallFieldSpec& spec = call_field(f);
        field_json(o, spec.json_key, spec.value(row));
      }
      o.string("reason_detail", media->detail().reason_detail);
      std::fputs(o.take_line().c_str(), stdout);
    } else if (format_ == OutputFormat::text) {
      std::string text = "        call " + call.call_id + ": media " + std::string(row.media);
      if (!media->reason.empty())
        text += " (" + std::string(media->reason) + ": " + media->detail().reason_detail + ")";
      for (std::size_t w = 0; w < 2; ++w) {
        if (!media->mos[w]) continue;
        char mos[48];
        std::snprintf(mos, sizeof mos, ", MOS %s %.2f", w == 0 ? "->" : "<-", *media->mos[w]);
        text += mos;
      }
      std::printf("%s\n", text.c_str());
    } else {
      return;
    }
    std::fflush(stdout);
  }

 private:
  OutputFormat format_;
  TimeColumn time_;
  bool calls_;
  HepSender* hep_ = nullptr;
  HepEncodeOptions hep_options_;
};

// Where a live command's findings go: a tally for the summary at the end and, with --findings,
// a JSON Lines file (open() says why and returns false when it cannot be written).
struct LiveFindings {
  FindingTally tally;
  std::unique_ptr<FindingsJsonlFile> file;
  std::unique_ptr<FindingFanOut> sink;
  // Which calls are live is known once the analysis exists; asked when a finding is written.
  const LiveAnalysis* analysis = nullptr;

  bool open(const std::string& path) {
    std::vector<FindingSink*> sinks{&tally};
    if (!path.empty()) {
      auto opened = FindingsJsonlFile::open(
          path, [this](std::uint64_t call) -> std::optional<std::string_view> {
            if (analysis == nullptr) return std::nullopt;
            return analysis->calls().call_id_of(call);
          });
      if (!opened) {
        std::fprintf(stderr, "sipws: %s\n", opened.error().c_str());
        return false;
      }
      file = std::move(*opened);
      sinks.push_back(file.get());
    }
    sink = std::make_unique<FindingFanOut>(std::move(sinks));
    return true;
  }
  // True when the file (if any) was written in full.
  bool finish() {
    if (!file) return true;
    const auto finished = file->finish();
    if (!finished) std::fprintf(stderr, "sipws: %s\n", finished.error().c_str());
    return finished.ok();
  }
};

// Opens the --hep collector of a capturing command; false (after saying why) when it cannot.
bool open_hep(const LiveCommandOptions& options, std::unique_ptr<HepSender>& sender) {
  if (options.hep.empty()) return true;
  auto opened = HepSender::open(options.hep, options.hep_tcp);
  if (!opened) {
    std::fprintf(stderr, "sipws: %s\n", opened.error().c_str());
    return false;
  }
  sender = std::move(*opened);
  return true;
}

// Opens the device (and the -w file), then drops root and takes over Ctrl-C/SIGTERM: the part
// every capturing command shares. Null (after saying why) when it cannot.
std::unique_ptr<LiveCapture> open_unprivileged(const LiveCommandOptions& options) {
  auto opened = open_live_capture(options.capture, options.user);
  if (!opened) {
    std::fprintf(stderr, "sipws: %s\n", opened.error().c_str());
    return nullptr;
  }
  std::unique_ptr<LiveCapture> live = std::move(*opened);
  struct sigaction action {};
  action.sa_handler = on_signal;
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
  return live;
}

// The shared capture loop (session/live_source), stopped also by Ctrl-C/SIGTERM and `give_up()`.
template <class Take, class GiveUp>
std::uint64_t capture_loop(LiveCapture& live, const LiveCommandOptions& options, Take&& take,
                           GiveUp&& give_up) {
  // Like tcpdump's "listening on": the device is open and the filter set.
  std::fprintf(stderr, "sipws: capturing on %s%s%s\n", options.capture.interface.c_str(),
               options.capture.filter.empty() ? "" : ", filter: ", options.capture.filter.c_str());
  return run_capture_loop(live, CaptureLoopLimits{options.count, options.duration}, take,
                          [&] { return g_stop_requested != 0 || give_up(); });
}

}  // namespace

int run_capture_helper(const LiveCommandOptions& options) {
  if (isatty(STDOUT_FILENO)) {
    std::fprintf(stderr,
                 "sipws: capture writes binary pcapng to standard output, not to a terminal: "
                 "redirect it (sipws capture -i %s > out.pcapng) or pipe it (| sipws tui -)\n",
                 options.capture.interface.c_str());
    return exit_status(ExitCode::usage);
  }
  auto live = open_unprivileged(options);
  if (!live) return 2;
  std::signal(SIGPIPE, SIG_IGN);  // a reader that goes away ends the capture, not the process
  PcapngWriter writer(stdout, live->link_type(),
                      static_cast<std::uint32_t>(options.capture.snaplen),
                      options.capture.interface);
  bool reader_gone = false;
  auto last_stats = std::chrono::steady_clock::now();
  std::uint64_t written = 0;
  // A machine-readable line for the reader's status bar: "sipws-stats captured=N written=N
  // kernel_drops=N queue_drops=N".
  auto print_stats = [&] {
    const LiveStats s = live->stats();
    std::fprintf(stderr,
                 "sipws-stats captured=%" PRIu64 " written=%" PRIu64 " kernel_drops=%" PRIu64
                 " queue_drops=%" PRIu64 "\n",
                 s.captured, written, s.kernel_drops + s.interface_drops, s.queue_drops);
    std::fflush(stderr);
  };
  const std::uint64_t packets = capture_loop(
      *live, options,
      [&](const RawPacket& p) {
        reader_gone = reader_gone || !writer.write(p);
        ++written;
      },
      [&] {
        const auto now = std::chrono::steady_clock::now();
        if (options.stats_interval > 0 &&
            std::chrono::duration<double>(now - last_stats).count() >= options.stats_interval) {
          last_stats = now;
          print_stats();
        }
        return reader_gone;
      });
  if (options.stats_interval > 0) print_stats();
  const LiveStats stats = live->stats();
  std::fprintf(stderr,
               "sipws: %" PRIu64 " packets captured, %" PRIu64 " written; dropped: %" PRIu64
               " by the kernel, %" PRIu64 " from the queue\n",
               stats.captured, packets, stats.kernel_drops + stats.interface_drops,
               stats.queue_drops);
  return exit_status(ExitCode::ok);
}

void print_interfaces(std::FILE* out) {
  const auto interfaces = list_interfaces();
  if (!interfaces) {
    std::fprintf(stderr, "sipws: %s\n", interfaces.error().c_str());
    return;
  }
  int n = 0;
  for (const auto& i : *interfaces) {
    std::string flags;
    if (i.loopback) flags += "Loopback";
    if (i.up) flags += std::string(flags.empty() ? "" : ", ") + "Up";
    std::fprintf(out, "%d.%s%s%s%s\n", ++n, i.name.c_str(),
                 i.description.empty() ? "" : (" (" + i.description + ")").c_str(),
                 flags.empty() ? "" : " [", flags.empty() ? "" : (flags + "]").c_str());
  }
}

int run_live(const LiveCommandOptions& options, const AnalysisLimits& limits) {
  LiveFindings findings;
  if (!findings.open(options.findings_path)) return exit_status(ExitCode::unreadable);
  std::unique_ptr<HepSender> hep;
  if (!open_hep(options, hep)) return 2;
  auto live = open_unprivileged(options);
  if (!live) return 2;
  LivePrinter printer(options.format, options.time, options.calls);
  if (hep) printer.send_to(hep.get(), {options.hep_id, options.hep_password});
  LiveAnalysis analysis(
      limits, *findings.sink, [&printer](const SipMessageRecord& r) { printer.on_message(r); },
      &printer);
  findings.analysis = &analysis;
  std::fputs(message_header(options.format, TimeColumn(options.time).width()).c_str(), stdout);
  std::fflush(stdout);
  const std::uint64_t packets = capture_loop(
      *live, options, [&](const RawPacket& p) { analysis.on_packet(p); }, [] { return false; });
  analysis.finish();
  const LiveStats stats = live->stats();
  if (stats.kernel_drops + stats.interface_drops > 0) {
    Finding f{FindingId::capture_kernel_drops};
    f.detail = std::to_string(stats.kernel_drops + stats.interface_drops) + " packets";
    findings.sink->report(std::move(f));
  }
  if (stats.queue_drops > 0) {
    Finding f{FindingId::capture_queue_drops};
    f.detail = std::to_string(stats.queue_drops) + " packets";
    findings.sink->report(std::move(f));
  }
  const bool findings_written = findings.finish();
  std::fflush(stdout);
  std::fprintf(stderr,
               "sipws: %" PRIu64 " packets captured, %" PRIu64 " analysed, %" PRIu64
               " SIP messages, %" PRIu64 " calls; dropped: %" PRIu64 " by the kernel, %" PRIu64
               " by the interface, %" PRIu64 " from the queue%s\n",
               stats.captured, packets, analysis.messages(), analysis.calls().calls_seen(),
               stats.kernel_drops, stats.interface_drops, stats.queue_drops,
               live->error().empty() ? "" : ("; " + live->error()).c_str());
  if (hep) {
    hep->flush(2000);
    std::fprintf(stderr, "sipws: HEP to %s: %" PRIu64 " sent, %" PRIu64 " dropped%s\n",
                 options.hep.c_str(), hep->sent(), hep->dropped(),
                 hep->last_error().empty() ? "" : ("; " + hep->last_error()).c_str());
  }
  if (options.format == OutputFormat::text) print_findings_summary(stderr, findings.tally);
  return live->error().empty() && findings_written ? 0 : 2;
}

namespace {

// What arrived over HEP, as a raw IP packet a pcap reader takes (LINKTYPE_RAW): an IPv4 or IPv6
// header, then UDP or TCP (sequence numbers kept per direction so that TCP reads as a stream).
std::vector<std::uint8_t> ip_packet_of(
    const HepMessage& m, bool tcp, std::map<std::pair<Endpoint, Endpoint>, std::uint32_t>& seqs) {
  std::vector<std::uint8_t> out;
  auto put16 = [&](std::size_t at, std::uint16_t v) {
    out[at] = static_cast<std::uint8_t>(v >> 8);
    out[at + 1] = static_cast<std::uint8_t>(v);
  };
  const bool v6 = m.src.address.version == 6;
  const std::size_t ip = v6 ? 40 : 20;
  const std::size_t l4 = tcp ? 20 : 8;
  const std::size_t payload = std::min<std::size_t>(m.payload.size(), 65535 - ip - l4);
  out.assign(ip + l4, 0);
  if (v6) {
    out[0] = 0x60;
    put16(4, static_cast<std::uint16_t>(l4 + payload));
    out[6] = tcp ? 6 : 17;
    out[7] = 64;
    std::copy(m.src.address.bytes.begin(), m.src.address.bytes.end(), out.begin() + 8);
    std::copy(m.dst.address.bytes.begin(), m.dst.address.bytes.end(), out.begin() + 24);
  } else {
    out[0] = 0x45;
    put16(2, static_cast<std::uint16_t>(ip + l4 + payload));
    out[6] = 0x40;  // don't fragment
    out[8] = 64;
    out[9] = tcp ? 6 : 17;
    std::copy(m.src.address.bytes.begin(), m.src.address.bytes.begin() + 4, out.begin() + 12);
    std::copy(m.dst.address.bytes.begin(), m.dst.address.bytes.begin() + 4, out.begin() + 16);
    std::uint32_t sum = 0;
    for (std::size_t i = 0; i < 20; i += 2)
      sum += static_cast<std::uint32_t>(out[i] << 8 | out[i + 1]);
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    put16(10, static_cast<std::uint16_t>(~sum));
  }
  put16(ip, m.src.port);
  put16(ip + 2, m.dst.port);
  if (tcp) {
    // Bounded: a sender that invents endpoints must not fill memory; sequence numbers then start
    // again, which a reader takes as a new stream.
    if (seqs.size() > 100000) seqs.clear();
    std::uint32_t& seq = seqs[{m.src, m.dst}];
    if (seq == 0) seq = 1;
    out[ip + 4] = static_cast<std::uint8_t>(seq >> 24);
    out[ip + 5] = static_cast<std::uint8_t>(seq >> 16);
    out[ip + 6] = static_cast<std::uint8_t>(seq >> 8);
    out[ip + 7] = static_cast<std::uint8_t>(seq);
    seq += static_cast<std::uint32_t>(payload);
    // Acknowledge what the other way has sent so far, as a real peer would.
    std::uint32_t& other = seqs[{m.dst, m.src}];
    if (other == 0) other = 1;
    out[ip + 8] = static_cast<std::uint8_t>(other >> 24);
    out[ip + 9] = static_cast<std::uint8_t>(other >> 16);
    out[ip + 10] = static_cast<std::uint8_t>(other >> 8);
    out[ip + 11] = static_cast<std::uint8_t>(other);
    out[ip + 12] = 0x50;  // 20-byte header
    out[ip + 13] = 0x18;  // PSH, ACK
    put16(ip + 14, 65535);
  } else {
    put16(ip + 4, static_cast<std::uint16_t>(8 + payload));
  }
  out.insert(out.end(), m.payload.begin(),
             m.payload.begin() + static_cast<std::ptrdiff_t>(payload));
  return out;
}

}  // namespace

int run_listen(const ListenOptions& options, const AnalysisLimits& limits) {
  LiveFindings findings;
  if (!findings.open(options.findings_path)) return exit_status(ExitCode::unreadable);
  auto listener = HepListener::open(options.bind, options.port);
  if (!listener) {
    std::fprintf(stderr, "sipws: %s\n", listener.error().c_str());
    return exit_status(ExitCode::unreadable);
  }
  std::string error;
  std::unique_ptr<PcapWriter> writer;
  if (!options.write_path.empty()) {
    writer = PcapWriter::open(options.write_path, link_type::raw, error);
    if (!writer) {
      std::fprintf(stderr, "sipws: %s\n", error.c_str());
      return exit_status(ExitCode::unreadable);
    }
  }
  struct sigaction action {};
  action.sa_handler = on_signal;
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
  std::fprintf(stderr, "sipws: listening for HEP on %s port %u (UDP and TCP)\n",
               options.bind.c_str(), (*listener)->port());
  LivePrinter printer(options.format, options.time, options.calls);
  LiveAnalysis analysis(
      limits, *findings.sink, [&printer](const SipMessageRecord& r) { printer.on_message(r); },
      &printer);
  findings.analysis = &analysis;
  std::fputs(message_header(options.format, TimeColumn(options.time).width()).c_str(), stdout);
  std::fflush(stdout);

  std::map<std::pair<Endpoint, Endpoint>, std::uint32_t> seqs;
  std::uint64_t packets = 0, sip = 0, other = 0, malformed = 0, rejected = 0, not_sip = 0;
  int reasons_shown = 0;
  auto complain = [&](const std::string& why) {
    ++malformed;
    if (reasons_shown++ < 5) std::fprintf(stderr, "sipws: bad HEP packet: %s\n", why.c_str());
  };
  auto take = [&](const HepMessage& m) {
    ++packets;
    if (!options.password.empty() && m.auth_key != options.password) {
      ++rejected;
      return;
    }
    if (m.protocol_type != 1) {
      ++other;
      return;
    }
    // The SIP stage takes the payload as a message from the carrier HEP describes.
    SipCarrier carrier;
    carrier.frame = carrier.first_frame = packets;
    carrier.timestamp = m.timestamp;
    carrier.src = m.src;
    carrier.dst = m.dst;
    carrier.transport =
        m.transport.value_or(m.ip_protocol == 17 ? SipTransport::udp : SipTransport::tcp);
    if (writer) {
      RawPacket raw;
      raw.frame_number = packets;
      raw.timestamp = m.timestamp;
      raw.link_type = link_type::raw;
      const auto bytes_out = ip_packet_of(m, m.ip_protocol != 17, seqs);
      raw.original_length = static_cast<std::uint32_t>(bytes_out.size());
      writer->write(raw, bytes_out);
    }
    if (!analysis.on_carried_message(carrier, m.payload)) {
      ++not_sip;
      return;
    }
    ++sip;
  };

  const auto started = std::chrono::steady_clock::now();
  while (!g_stop_requested) {
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if ((options.duration > 0 && elapsed >= options.duration) ||
        (options.count > 0 && packets + malformed >= options.count)) {
      break;
    }
    (*listener)->poll(100, take, complain);
  }
  listener->reset();
  std::string written;
  if (writer) {
    if (!writer->close(error)) std::fprintf(stderr, "sipws: %s\n", error.c_str());
    written = "; written to " + options.write_path;
  }
  analysis.finish();
  const bool findings_written = findings.finish();
  std::fflush(stdout);
  std::fprintf(stderr,
               "sipws: %" PRIu64 " HEP packets: %" PRIu64 " SIP messages, %" PRIu64
               " not SIP, %" PRIu64 " of other protocols, %" PRIu64 " rejected (auth key); %" PRIu64
               " malformed%s\n",
               packets, sip, not_sip, other, rejected, malformed, written.c_str());
  if (options.format == OutputFormat::text) print_findings_summary(stderr, findings.tally);
  return exit_status(findings_written ? ExitCode::ok : ExitCode::unreadable);
}

}  // namespace sipws::cli
