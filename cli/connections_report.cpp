#include "cli/connections_report.h"

#include <algorithm>
#include <cinttypes>

#include "session/connection_fields.h"

namespace sipws::cli {
namespace {

std::vector<ConnectionRow> rows_of(ConnectionCollector& flows) {
  std::vector<ConnectionRow> rows;
  std::sort(flows.tcp.begin(), flows.tcp.end(),
            [](const auto& a, const auto& b) { return a.info.index < b.info.index; });
  std::sort(flows.udp.begin(), flows.udp.end(),
            [](const auto& a, const auto& b) { return a.info.index < b.info.index; });
  for (const auto& c : flows.tcp) rows.push_back(connection_row(c));
  for (const auto& u : flows.udp) rows.push_back(connection_row(u));
  return rows;
}

}  // namespace

void print_connections(std::FILE* out, OutputFormat format, ConnectionCollector& flows) {
  const std::vector<ConnectionRow> rows = rows_of(flows);
  switch (format) {
    case OutputFormat::tsv:
      std::fputs(connection_tsv_header().c_str(), out);
      for (const ConnectionRow& r : rows) std::fputs(connection_tsv_line(r).c_str(), out);
      break;
    case OutputFormat::json:
      for (const ConnectionRow& r : rows) std::fputs(connection_json_line(r).c_str(), out);
      break;
    case OutputFormat::text: {
      std::size_t tcp = 0;
      for (const ConnectionRow& r : rows) tcp += r.tcp ? 1 : 0;
      std::fprintf(out, "TCP connections: %zu\n", tcp);
      if (tcp > 0) {
        std::fprintf(out, "  %5s  %-45s %-45s %8s %10s %8s %10s %5s  %s\n", "#", "client", "server",
                     "pkts ->", "bytes ->", "pkts <-", "bytes <-", "gaps", "end");
      }
      for (const ConnectionRow& r : rows) {
        if (!r.tcp) continue;
        std::fprintf(out,
                     "  %5" PRIu64 "  %-45s %-45s %8" PRIu64 " %10" PRIu64 " %8" PRIu64
                     " %10" PRIu64 " %5" PRIu64 "  %s%s\n",
                     r.index, r.client.c_str(), r.server.c_str(), r.packets_to_server,
                     r.bytes_to_server, r.packets_to_client, r.bytes_to_client, r.gaps,
                     r.end.c_str(), r.handshake ? "" : " (mid-stream)");
      }
      std::fprintf(out, "UDP flows: %zu\n", rows.size() - tcp);
      if (rows.size() > tcp) {
        std::fprintf(out, "  %5s  %-45s %-45s %8s %10s %8s %10s\n", "#", "first sender", "peer",
                     "pkts ->", "bytes ->", "pkts <-", "bytes <-");
      }
      for (const ConnectionRow& r : rows) {
        if (r.tcp) continue;
        std::fprintf(out,
                     "  %5" PRIu64 "  %-45s %-45s %8" PRIu64 " %10" PRIu64 " %8" PRIu64
                     " %10" PRIu64 "\n",
                     r.index, r.client.c_str(), r.server.c_str(), r.packets_to_server,
                     r.bytes_to_server, r.packets_to_client, r.bytes_to_client);
      }
      break;
    }
  }
}

}  // namespace sipws::cli
