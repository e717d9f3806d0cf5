#include "cli/live_command.h"

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <chrono>
#include <cinttypes>
#include <csignal>
#include <map>

#include "capture/pcapng_writer.h"
#include "cli/messages_report.h"
#include "dissector/call_store.h"

namespace sipws::cli {
namespace {

// Set by SIGINT/SIGTERM; the analysis loop polls it (a signal handler may do little else).
volatile std::sig_atomic_t g_stop_requested = 0;
void on_signal(int) {
  g_stop_requested = 1;
}

bool drop_privileges(const std::string& user, std::string& error) {
  if (geteuid() != 0 || user.empty() || user == "root") return true;
  const passwd* pw = getpwnam(user.c_str());
  if (pw == nullptr) {
    error = "no user '" + user + "' to drop privileges to (use --user)";
    return false;
  }
  if (setgroups(0, nullptr) != 0 || setgid(pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0) {
    error = "could not drop privileges to '" + user + "'";
    return false;
  }
  return true;
}

// Prints each message as it completes (and, with --calls, each call's state change).
class LivePrinter final : public SipMessageSink {
 public:
  LivePrinter(OutputFormat format, bool calls) : format_(format), calls_(calls) {}
  void on_sip_message(SipMessageRecord&& record) override {
    ++messages;
    std::fputs(message_line(format_, record).c_str(), stdout);
    if (calls_) {
      const std::string call_id(record.sip.call_id);
      store_.on_sip_message(std::move(record));
      const Call* call = store_.find(call_id);
      auto& last = states_[call_id];
      if (call != nullptr && format_ == OutputFormat::text &&
          last != static_cast<int>(call->state) + 1) {
        last = static_cast<int>(call->state) + 1;
        std::printf("        call %s: %s%s\n", call_id.c_str(),
                    std::string(call_state_name(call->state)).c_str(),
                    call->final_status ? (" " + std::to_string(call->final_status)).c_str() : "");
      }
    }
    std::fflush(stdout);
  }
  std::uint64_t messages = 0;

 private:
  OutputFormat format_;
  bool calls_;
  CallStore store_;
  std::map<std::string, int> states_;
};

// Opens the device (and the -w file), then drops root and takes over Ctrl-C/SIGTERM: the part
// every capturing command shares. Null (after saying why) when it cannot.
std::unique_ptr<LiveCapture> open_unprivileged(const LiveCommandOptions& options) {
  std::string error;
  auto live = LiveCapture::open(options.capture, error);
  if (live && !drop_privileges(options.user, error)) live.reset();
  if (!live) {
    std::fprintf(stderr, "sipws: %s\n", error.c_str());
    return nullptr;
  }
  struct sigaction action {};
  action.sa_handler = on_signal;
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
  return live;
}

// Runs the capture until Ctrl-C, the count, the duration or `give_up()`, handing each packet to
// `take`; returns how many it took.
template <class Take, class GiveUp>
std::uint64_t capture_loop(LiveCapture& live, const LiveCommandOptions& options, Take&& take,
                           GiveUp&& give_up) {
  // Like tcpdump's "listening on": the device is open and the filter set.
  std::fprintf(stderr, "sipws: capturing on %s%s%s\n", options.capture.interface.c_str(),
               options.capture.filter.empty() ? "" : ", filter: ", options.capture.filter.c_str());
  live.start();
  const auto started = std::chrono::steady_clock::now();
  std::uint64_t packets = 0;
  RawPacket packet;
  for (;;) {
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    const bool enough = options.count > 0 && packets >= options.count;
    if (g_stop_requested || (options.duration > 0 && elapsed >= options.duration) || enough ||
        give_up()) {
      live.stop();
    }
    if (!live.next(packet, 100)) {
      if (live.stopped()) break;
      continue;
    }
    if (options.count > 0 && packets >= options.count) continue;  // drain without taking more
    take(packet);
    ++packets;
  }
  return packets;
}

}  // namespace

int run_capture_helper(const LiveCommandOptions& options) {
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
  return 0;
}

void print_interfaces(std::FILE* out) {
  std::vector<InterfaceInfo> interfaces;
  std::string error;
  if (!list_interfaces(interfaces, error)) {
    std::fprintf(stderr, "sipws: %s\n", error.c_str());
    return;
  }
  int n = 0;
  for (const auto& i : interfaces) {
    std::string flags;
    if (i.loopback) flags += "Loopback";
    if (i.up) flags += std::string(flags.empty() ? "" : ", ") + "Up";
    std::fprintf(out, "%d.%s%s%s%s\n", ++n, i.name.c_str(),
                 i.description.empty() ? "" : (" (" + i.description + ")").c_str(),
                 flags.empty() ? "" : " [", flags.empty() ? "" : (flags + "]").c_str());
  }
}

int run_live(const LiveCommandOptions& options, const CaptureLimits& capture_limits,
             const DissectorLimits& dissector_limits) {
  auto live = open_unprivileged(options);
  if (!live) return 2;
  FindingCollector findings;
  LivePrinter printer(options.format, options.calls);
  Dissector dissector(printer, findings, dissector_limits);
  CapturePipeline pipeline(dissector, findings, capture_limits);
  std::fputs(message_header(options.format).c_str(), stdout);
  std::fflush(stdout);
  const std::uint64_t packets = capture_loop(
      *live, options, [&](const RawPacket& p) { pipeline.on_packet(p); }, [] { return false; });
  pipeline.finish();
  const LiveStats stats = live->stats();
  if (stats.kernel_drops + stats.interface_drops > 0) {
    Finding f{FindingId::capture_kernel_drops};
    f.detail = std::to_string(stats.kernel_drops + stats.interface_drops) + " packets";
    findings.report(std::move(f));
  }
  if (stats.queue_drops > 0) {
    Finding f{FindingId::capture_queue_drops};
    f.detail = std::to_string(stats.queue_drops) + " packets";
    findings.report(std::move(f));
  }
  std::fflush(stdout);
  std::fprintf(stderr,
               "sipws: %" PRIu64 " packets captured, %" PRIu64 " analysed, %" PRIu64
               " SIP messages; dropped: %" PRIu64 " by the kernel, %" PRIu64
               " by the interface, %" PRIu64 " from the queue%s\n",
               stats.captured, packets, printer.messages, stats.kernel_drops, stats.interface_drops,
               stats.queue_drops, live->error().empty() ? "" : ("; " + live->error()).c_str());
  if (options.format == OutputFormat::text) print_findings_summary(stderr, findings);
  return live->error().empty() ? 0 : 2;
}

}  // namespace sipws::cli
