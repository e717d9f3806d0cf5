// sipws: the command-line front end. Subcommands render what the lower layers found; none of
// them holds protocol logic.

#include <CLI/CLI.hpp>
#include <cstdio>
#include <map>
#include <string>

#include "capture/capture_pipeline.h"
#include "cli/connections_report.h"

namespace {

// Exit codes are a contract for scripts: keep their meaning.
constexpr int kExitOk = 0;
constexpr int kExitUsage = 1;
constexpr int kExitUnreadable = 2;  // the file could not be opened or is not a capture
constexpr int kExitDamaged = 3;     // the capture is truncated or damaged; partial results shown

int run_connections(const std::string& path, sipws::cli::OutputFormat format) {
  std::string error;
  auto file = sipws::CaptureFile::open(path, error);
  if (!file) {
    std::fprintf(stderr, "sipws: %s\n", error.c_str());
    return kExitUnreadable;
  }
  sipws::FindingCollector findings;
  sipws::cli::ConnectionCollector flows;
  sipws::CapturePipeline pipeline(flows, findings);
  const sipws::ReadSummary summary = sipws::read_capture(*file, pipeline, findings);
  sipws::cli::print_connections(stdout, format, flows);
  if (format == sipws::cli::OutputFormat::text) {
    const auto& d = pipeline.decode_counters();
    std::printf("Frames: %llu (TCP %llu, UDP %llu, other IP %llu, not IP %llu, malformed %llu, "
                "IP fragments %llu)\n",
                static_cast<unsigned long long>(summary.frames),
                static_cast<unsigned long long>(d.tcp), static_cast<unsigned long long>(d.udp),
                static_cast<unsigned long long>(d.other_ip),
                static_cast<unsigned long long>(d.not_ip + d.unsupported_link),
                static_cast<unsigned long long>(d.malformed),
                static_cast<unsigned long long>(d.fragments));
    sipws::cli::print_findings_summary(stdout, findings);
  }
  std::fflush(stdout);
  if (summary.damaged) {
    std::fprintf(stderr, "sipws: %s\n", summary.error.c_str());
    return kExitDamaged;
  }
  return kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"sipws: analyse SIP over WebSocket (and plain SIP) in captures"};
  app.set_version_flag("--version", "sipws 0.1.0");
  app.require_subcommand(1);

  std::string path;
  std::string format_name = "text";
  const std::map<std::string, sipws::cli::OutputFormat> formats{
      {"text", sipws::cli::OutputFormat::text},
      {"tsv", sipws::cli::OutputFormat::tsv},
      {"json", sipws::cli::OutputFormat::json}};

  auto* connections =
      app.add_subcommand("connections", "List the TCP connections and UDP flows of a capture");
  connections->add_option("FILE", path, "pcap or pcapng file, optionally gzip-compressed; - for stdin")
      ->required();
  connections->add_option("--format", format_name, "text, tsv or json (JSON Lines)")
      ->check(CLI::IsMember({"text", "tsv", "json"}));

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? kExitOk : kExitUsage;
  }
  if (*connections) return run_connections(path, formats.at(format_name));
  return kExitUsage;
}
