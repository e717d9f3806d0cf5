#pragma once
// `sipws websocket`: one row per WebSocket connection (or refused or unanswered upgrade), from
// the dissector's connection summaries, with the registrations each carried and whether each was
// refreshed on a new connection after this one ended (the gap before that re-REGISTER: why a
// softphone lost its registration). One table of fields for TSV, JSON and text; the TSV columns
// up to `duration`, and their order, are a contract (issue #20); more follow at the end.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "dissector/sip/sip_record.h"
#include "dissector/websocket/ws_connection.h"
#include "session/fields.h"

namespace sipws {

// An address of record registered over one WebSocket connection.
struct WsRegistration {
  std::string aor;  // the To URI's user@host
  std::uint64_t connection = 0;
  std::uint64_t registers = 0;  // REGISTER requests on this connection for it
  TimeNs first = 0;             // the first REGISTER's time
  TimeNs last = 0;              // the last REGISTER's time
  std::vector<TimeNs> times;    // every REGISTER's time (sorted by finish())
  int last_status = 0;          // the final response to the last REGISTER answered (0: none)
  std::optional<std::uint64_t> expires;  // granted by the last 2xx (Contact expires or Expires)
  bool unregistered = false;             // the last REGISTER asked for expires 0
  // After this connection ended: the next REGISTER of the same AOR on another connection.
  std::optional<std::uint64_t> refreshed_on;
  std::optional<TimeNs> refresh_gap;  // from this connection's end to that REGISTER
};

// A connection's end as far as its registrations care: the first Close frame, else its last
// packet. None when it was still open when the capture ended.
std::optional<TimeNs> websocket_end(const WsConnectionSummary& connection);

// Collects the connections (as the dissector's WebSocket observer, on the reading thread) and
// the REGISTERs and their answers over WebSocket (as a message tap, on the SIP thread); finish()
// once both are done. At most `max_connections` connections are kept (the rest are counted).
class WebSocketReport final : public WsConnectionObserver {
 public:
  explicit WebSocketReport(std::size_t max_connections = 1'000'000)
      : max_connections_(max_connections) {}
  void on_websocket_connection(const WsConnectionSummary& summary) override;
  void on_message(const SipMessageRecord& record);
  // Orders the connections by tcp.stream, ties registrations to them and finds each refresh.
  void finish();

  const std::vector<WsConnectionSummary>& connections() const { return connections_; }
  std::uint64_t dropped() const { return dropped_; }
  // The registrations carried by this connection, by first REGISTER.
  std::vector<const WsRegistration*> registrations_of(std::uint64_t connection) const;

 private:
  std::size_t max_connections_;
  std::vector<WsConnectionSummary> connections_;
  std::uint64_t dropped_ = 0;
  std::vector<WsRegistration> registrations_;
  // (connection, AOR) -> registrations_ index; connection + Call-ID + CSeq of a REGISTER
  // awaiting its answer -> its registration and Contact.
  std::unordered_map<std::string, std::size_t> by_key_;
  struct Pending {
    std::size_t registration = 0;
    std::string contact;  // the REGISTER's Contact URI: its binding in the 2xx
  };
  std::unordered_map<std::string, Pending> pending_;
  std::unordered_map<std::uint64_t, std::vector<std::size_t>> by_connection_;
};

// A connection as every output shows it.
struct WebSocketRow {
  const WsConnectionSummary* connection = nullptr;
  std::vector<const WsRegistration*> registrations;
};

struct WebSocketFieldSpec {
  std::string_view json_key;
  std::string_view tsv_column;
  FieldValue (*value)(const WebSocketRow&);
};
std::span<const WebSocketFieldSpec> all_websocket_fields();
std::string websocket_tsv_header();
std::string websocket_tsv_line(const WebSocketRow& row);
// The JSON line: every field, then `registrations`, an array of objects.
std::string websocket_json_line(const WebSocketRow& row);
// Text: a block per connection (handshake, counts, close, registrations), times as `time` says.
std::vector<std::string> websocket_text_lines(const WebSocketRow& row, TimeColumn& time);

// How the TCP connection ended, as the contract names it: fin, rst, timeout or capture_end
// (capture_end also when sipws stopped following it at a limit; tcp_close_reason says which).
std::string_view tcp_end_name(CloseReason reason);

}  // namespace sipws
