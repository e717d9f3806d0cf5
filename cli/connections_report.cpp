#include "cli/connections_report.h"

#include <algorithm>
#include <cinttypes>

namespace sipws::cli {
namespace {

std::string duration(TimeNs ns) {
  char text[32];
  std::snprintf(text, sizeof text, "%.6f", static_cast<double>(ns) / 1e9);
  return text;
}

// One row in every format: the same fields, the same order.
struct Row {
  std::string transport;
  std::uint64_t index;
  std::string client;
  std::string server;
  std::uint64_t first_frame;
  std::uint64_t last_frame;
  TimeNs start;
  TimeNs duration;
  std::uint64_t packets_to_server;
  std::uint64_t bytes_to_server;
  std::uint64_t packets_to_client;
  std::uint64_t bytes_to_client;
  std::uint64_t gaps;
  std::uint64_t gap_bytes;
  std::uint64_t retransmissions;
  std::uint64_t out_of_order;
  bool handshake;
  std::string end;
};

std::vector<Row> rows_of(ConnectionCollector& flows) {
  std::vector<Row> rows;
  std::sort(flows.tcp.begin(), flows.tcp.end(),
            [](const auto& a, const auto& b) { return a.info.index < b.info.index; });
  std::sort(flows.udp.begin(), flows.udp.end(),
            [](const auto& a, const auto& b) { return a.info.index < b.info.index; });
  for (const auto& c : flows.tcp) {
    const auto& up = c.stats[0];
    const auto& down = c.stats[1];
    rows.push_back({"tcp", c.info.index, c.info.client.to_string(), c.info.server.to_string(),
                    c.info.first_frame, c.last_frame, c.info.first_seen,
                    c.last_seen - c.info.first_seen, c.packets[0], up.delivered_bytes, c.packets[1],
                    down.delivered_bytes, up.gaps + down.gaps, up.gap_bytes + down.gap_bytes,
                    up.retransmitted_segments + down.retransmitted_segments,
                    up.out_of_order_segments + down.out_of_order_segments, c.info.handshake_seen,
                    std::string(close_reason_name(c.reason))});
  }
  for (const auto& u : flows.udp) {
    rows.push_back({"udp", u.info.index, u.info.client.to_string(), u.info.server.to_string(),
                    u.info.first_frame, u.last_frame, u.info.first_seen,
                    u.last_seen - u.info.first_seen, u.packets[0], u.bytes[0], u.packets[1],
                    u.bytes[1], 0, 0, 0, 0, false, ""});
  }
  return rows;
}

}  // namespace

void print_connections(std::FILE* out, OutputFormat format, ConnectionCollector& flows) {
  const std::vector<Row> rows = rows_of(flows);
  switch (format) {
    case OutputFormat::tsv:
      std::fputs(
          "transport\tindex\tclient\tserver\tfirst_frame\tlast_frame\tstart\tduration\t"
          "packets_to_server\tbytes_to_server\tpackets_to_client\tbytes_to_client\tgaps\t"
          "gap_bytes\tretransmissions\tout_of_order\thandshake\tend\n",
          out);
      for (const Row& r : rows) {
        std::fprintf(out,
                     "%s\t%" PRIu64 "\t%s\t%s\t%" PRIu64 "\t%" PRIu64 "\t%s\t%s\t%" PRIu64
                     "\t%" PRIu64 "\t%" PRIu64 "\t%" PRIu64 "\t%" PRIu64 "\t%" PRIu64 "\t%" PRIu64
                     "\t%" PRIu64 "\t%s\t%s\n",
                     r.transport.c_str(), r.index, r.client.c_str(), r.server.c_str(),
                     r.first_frame, r.last_frame, epoch_seconds(r.start, 9).c_str(),
                     duration(r.duration).c_str(), r.packets_to_server, r.bytes_to_server,
                     r.packets_to_client, r.bytes_to_client, r.gaps, r.gap_bytes, r.retransmissions,
                     r.out_of_order, r.transport == "tcp" ? (r.handshake ? "yes" : "no") : "",
                     r.end.c_str());
      }
      break;
    case OutputFormat::json:
      for (const Row& r : rows) {
        JsonObject line;
        line.string("transport", r.transport)
            .number("index", r.index)
            .string("client", r.client)
            .string("server", r.server)
            .number("first_frame", r.first_frame)
            .number("last_frame", r.last_frame)
            .seconds("start", r.start, 9)
            .formatted_number("duration", duration(r.duration))
            .number("packets_to_server", r.packets_to_server)
            .number("bytes_to_server", r.bytes_to_server)
            .number("packets_to_client", r.packets_to_client)
            .number("bytes_to_client", r.bytes_to_client)
            .number("gaps", r.gaps)
            .number("gap_bytes", r.gap_bytes)
            .number("retransmissions", r.retransmissions)
            .number("out_of_order", r.out_of_order);
        if (r.transport == "tcp") line.boolean("handshake", r.handshake).string("end", r.end);
        std::fputs(line.take_line().c_str(), out);
      }
      break;
    case OutputFormat::text: {
      std::size_t tcp = 0;
      for (const Row& r : rows) tcp += r.transport == "tcp" ? 1 : 0;
      std::fprintf(out, "TCP connections: %zu\n", tcp);
      if (tcp > 0) {
        std::fprintf(out, "  %5s  %-45s %-45s %8s %10s %8s %10s %5s  %s\n", "#", "client", "server",
                     "pkts ->", "bytes ->", "pkts <-", "bytes <-", "gaps", "end");
      }
      for (const Row& r : rows) {
        if (r.transport != "tcp") continue;
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
      for (const Row& r : rows) {
        if (r.transport != "udp") continue;
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
