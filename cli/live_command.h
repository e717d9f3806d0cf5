#pragma once
// `sipws live`: capture, analyse and print SIP messages as they happen.

#include <string>

#include "capture/capture_pipeline.h"
#include "capture/live_capture.h"
#include "cli/output.h"
#include "dissector/dissector.h"
#include "session/analysis.h"

namespace sipws::cli {

struct LiveCommandOptions {
  LiveOptions capture;
  OutputFormat format = OutputFormat::text;
  TimeStyle time = TimeStyle::clock;  // text: --time
  std::uint64_t count = 0;            // stop after this many packets (0: no limit)
  double duration = 0;                // stop after this many seconds (0: no limit)
  bool calls = false;                 // also print call state changes (text)
  std::string user = "nobody";        // drop root privileges to this user once the device is open
  double stats_interval = 0;          // capture helper: seconds between counter lines (0: none)
  // --hep HOST:PORT: every SIP message also goes to a HEP collector.
  std::string hep;
  bool hep_tcp = false;
  std::uint32_t hep_id = 0;
  std::string hep_password;
  // --findings FILE: findings as JSON Lines, in the end exactly what `sipws check --format json`
  // prints for the -w file of the same run.
  std::string findings_path;
};

// `sipws listen --hep PORT`: HEPv3 from any agent, analysed and printed as `live` prints.
struct ListenOptions {
  std::uint16_t port = 9060;
  std::string bind = "::";  // both IPv6 and IPv4
  OutputFormat format = OutputFormat::text;
  TimeStyle time = TimeStyle::clock;  // text: --time
  bool calls = false;
  std::uint64_t count = 0;  // stop after this many HEP packets (0: no limit)
  double duration = 0;
  std::string write_path;     // what arrived, as a pcap of raw IP packets
  std::string password;       // accept only packets with this auth key
  std::string findings_path;  // --findings FILE, as live's
};
int run_listen(const ListenOptions& options, const AnalysisLimits& limits);

void print_interfaces(std::FILE* out);
// `sipws capture`: the capture helper. Opens the device, drops root, and streams what it
// captures as pcapng to standard output (a pipe to an unprivileged reader such as the GUI).
int run_capture_helper(const LiveCommandOptions& options);
// Runs until Ctrl-C/SIGTERM, the count or the duration; returns the exit code.
int run_live(const LiveCommandOptions& options, const AnalysisLimits& limits);

}  // namespace sipws::cli
