#include "session/connection_fields.h"

#include <array>

namespace sipws {

ConnectionRow connection_row(const TcpConnectionSummary& c) {
  const auto& up = c.stats[0];
  const auto& down = c.stats[1];
  ConnectionRow r;
  r.tcp = true;
  r.index = c.info.index;
  r.client = c.info.client.to_string();
  r.server = c.info.server.to_string();
  r.first_frame = c.info.first_frame;
  r.last_frame = c.last_frame;
  r.start = c.info.first_seen;
  r.duration = c.last_seen - c.info.first_seen;
  r.packets_to_server = c.packets[0];
  r.bytes_to_server = up.delivered_bytes;
  r.packets_to_client = c.packets[1];
  r.bytes_to_client = down.delivered_bytes;
  r.gaps = up.gaps + down.gaps;
  r.gap_bytes = up.gap_bytes + down.gap_bytes;
  r.retransmissions = up.retransmitted_segments + down.retransmitted_segments;
  r.out_of_order = up.out_of_order_segments + down.out_of_order_segments;
  r.handshake = c.info.handshake_seen;
  r.end = std::string(close_reason_name(c.reason));
  return r;
}

ConnectionRow connection_row(const UdpFlowSummary& u) {
  ConnectionRow r;
  r.tcp = false;
  r.index = u.info.index;
  r.client = u.info.client.to_string();
  r.server = u.info.server.to_string();
  r.first_frame = u.info.first_frame;
  r.last_frame = u.last_frame;
  r.start = u.info.first_seen;
  r.duration = u.last_seen - u.info.first_seen;
  r.packets_to_server = u.packets[0];
  r.bytes_to_server = u.bytes[0];
  r.packets_to_client = u.packets[1];
  r.bytes_to_client = u.bytes[1];
  return r;
}

namespace {

using K = FieldValue::Kind;
using F = ConnectionField;
using R = const ConnectionRow&;

constexpr std::array kConnectionFields = {
    ConnectionFieldSpec{F::transport, "transport", "transport", "Transport", 4,
                        [](R r) { return text_value(r.tcp ? "tcp" : "udp"); }},
    ConnectionFieldSpec{F::index, "index", "index", "#", 5,
                        [](R r) { return count_value(r.index); }},
    ConnectionFieldSpec{F::client, "client", "client", "Client", 45,
                        [](R r) { return text_value(r.client); }},
    ConnectionFieldSpec{F::server, "server", "server", "Server", 45,
                        [](R r) { return text_value(r.server); }},
    ConnectionFieldSpec{F::first_frame, "first_frame", "first_frame", "First frame", 7,
                        [](R r) { return count_value(r.first_frame); }},
    ConnectionFieldSpec{F::last_frame, "last_frame", "last_frame", "Last frame", 7,
                        [](R r) { return count_value(r.last_frame); }},
    ConnectionFieldSpec{F::start, "start", "start", "Start", 20,
                        [](R r) { return time_value(r.start, K::epoch, 9); }},
    ConnectionFieldSpec{F::duration, "duration", "duration", "Duration", 10,
                        [](R r) { return time_value(r.duration, K::duration, 6); }},
    ConnectionFieldSpec{F::packets_to_server, "packets_to_server", "packets_to_server", "Pkts ->",
                        8, [](R r) { return count_value(r.packets_to_server); }},
    ConnectionFieldSpec{F::bytes_to_server, "bytes_to_server", "bytes_to_server", "Bytes ->", 10,
                        [](R r) { return count_value(r.bytes_to_server); }},
    ConnectionFieldSpec{F::packets_to_client, "packets_to_client", "packets_to_client", "Pkts <-",
                        8, [](R r) { return count_value(r.packets_to_client); }},
    ConnectionFieldSpec{F::bytes_to_client, "bytes_to_client", "bytes_to_client", "Bytes <-", 10,
                        [](R r) { return count_value(r.bytes_to_client); }},
    ConnectionFieldSpec{F::gaps, "gaps", "gaps", "Gaps", 5,
                        [](R r) { return count_value(r.gaps); }},
    ConnectionFieldSpec{F::gap_bytes, "gap_bytes", "gap_bytes", "Gap bytes", 9,
                        [](R r) { return count_value(r.gap_bytes); }},
    ConnectionFieldSpec{F::retransmissions, "retransmissions", "retransmissions", "Rtx", 5,
                        [](R r) { return count_value(r.retransmissions); }},
    ConnectionFieldSpec{F::out_of_order, "out_of_order", "out_of_order", "Out of order", 5,
                        [](R r) { return count_value(r.out_of_order); }},
    ConnectionFieldSpec{F::handshake, "handshake", "handshake", "SYN seen", 3,
                        [](R r) {
                          FieldValue v;
                          v.kind = K::flag;
                          v.number = r.handshake ? 1 : 0;
                          v.omitted = !r.tcp;  // UDP has none
                          return v;
                        }},
    ConnectionFieldSpec{F::end, "end", "end", "End", 12,
                        [](R r) { return text_value(r.end, !r.tcp); }},
};

}  // namespace

std::span<const ConnectionFieldSpec> all_connection_fields() {
  return kConnectionFields;
}

const ConnectionFieldSpec& connection_field(ConnectionField id) {
  return kConnectionFields[static_cast<std::size_t>(id)];
}

std::string connection_tsv_header() {
  return table_tsv_header(std::span<const ConnectionFieldSpec>(kConnectionFields));
}

std::string connection_tsv_line(const ConnectionRow& row) {
  return table_tsv_line(std::span<const ConnectionFieldSpec>(kConnectionFields), row);
}

std::string connection_json_line(const ConnectionRow& row) {
  return table_json_line(std::span<const ConnectionFieldSpec>(kConnectionFields), row);
}

}  // namespace sipws
