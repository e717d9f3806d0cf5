#pragma once
// One table of the fields of a TCP connection or UDP flow (`sipws connections`): id, JSON key,
// TSV column, title, width and a typed value, for the TSV and JSON formats (whose columns, keys
// and orders are contracts) and any front end that lists connections.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "capture/flow_table.h"
#include "session/fields.h"

namespace sipws {

// A connection or flow as every output shows it.
struct ConnectionRow {
  bool tcp = true;
  std::uint64_t index = 0;
  std::string client;
  std::string server;
  std::uint64_t first_frame = 0;
  std::uint64_t last_frame = 0;
  TimeNs start = 0;
  TimeNs duration = 0;
  std::uint64_t packets_to_server = 0;
  std::uint64_t bytes_to_server = 0;
  std::uint64_t packets_to_client = 0;
  std::uint64_t bytes_to_client = 0;
  std::uint64_t gaps = 0;
  std::uint64_t gap_bytes = 0;
  std::uint64_t retransmissions = 0;
  std::uint64_t out_of_order = 0;
  bool handshake = false;  // TCP: the SYN was captured
  std::string end;         // TCP: how it ended
};
ConnectionRow connection_row(const TcpConnectionSummary& connection);
ConnectionRow connection_row(const UdpFlowSummary& flow);

enum class ConnectionField {
  transport,
  index,
  client,
  server,
  first_frame,
  last_frame,
  start,
  duration,
  packets_to_server,
  bytes_to_server,
  packets_to_client,
  bytes_to_client,
  gaps,
  gap_bytes,
  retransmissions,
  out_of_order,
  handshake,
  end,
};

struct ConnectionFieldSpec {
  ConnectionField id;
  std::string_view json_key;
  std::string_view tsv_column;
  std::string_view title;
  int width;
  FieldValue (*value)(const ConnectionRow&);
};

std::span<const ConnectionFieldSpec> all_connection_fields();
const ConnectionFieldSpec& connection_field(ConnectionField id);
// TSV and JSON: every field, in the table's order.
std::string connection_tsv_header();
std::string connection_tsv_line(const ConnectionRow& row);
std::string connection_json_line(const ConnectionRow& row);

}  // namespace sipws
