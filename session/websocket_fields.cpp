#include "session/websocket_fields.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>

namespace sipws {

std::string_view tcp_end_name(CloseReason reason) {
  switch (reason) {
    case CloseReason::fin:
      return "fin";
    case CloseReason::rst:
      return "rst";
    case CloseReason::idle_timeout:
    case CloseReason::reused:  // silent until a new connection took its ports
      return "timeout";
    case CloseReason::end_of_capture:
    case CloseReason::limit_direction_buffer:
    case CloseReason::limit_total_buffer:
    case CloseReason::limit_connections:
      return "capture_end";
  }
  return "capture_end";
}

std::optional<TimeNs> websocket_end(const WsConnectionSummary& c) {
  std::optional<TimeNs> closed;
  for (const WsCloseFrame& f : c.close) {
    if (f.sent && (!closed || f.time < *closed)) closed = f.time;
  }
  if (closed) return closed;
  if (c.tcp_end == CloseReason::end_of_capture) return std::nullopt;
  return c.end;
}

namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// The URI of a Contact value ("<sip:x@y;transport=ws>;expires=600" -> "sip:x@y;transport=ws").
std::string contact_uri(std::string_view contact) {
  const std::size_t open = contact.find('<');
  const std::size_t close = contact.find('>', open == std::string_view::npos ? 0 : open);
  if (open != std::string_view::npos && close != std::string_view::npos) {
    return lower(contact.substr(open + 1, close - open - 1));
  }
  return lower(contact.substr(0, contact.find(';')));
}

// The expiry a REGISTER or its 2xx states for the binding `uri` (a 2xx lists every binding of
// the AOR, a stale one of an old connection among them): that Contact's expires parameter, else
// the first Contact's when `uri` is empty, else Expires.
std::optional<std::uint64_t> expires_of(const SipMessage& m, const std::string& uri = {}) {
  for (const std::string_view contact : m.header_values("Contact")) {
    if (!uri.empty() && contact_uri(contact) != uri) continue;
    std::string text = lower(contact);
    std::erase(text, ' ');
    const std::size_t at = text.find(";expires=");
    if (at == std::string::npos) continue;
    std::uint64_t value = 0;
    const char* begin = text.data() + at + 9;
    if (std::from_chars(begin, text.data() + text.size(), value).ec == std::errc{}) return value;
  }
  const std::string_view expires = m.header("Expires");
  std::uint64_t value = 0;
  if (!expires.empty() &&
      std::from_chars(expires.data(), expires.data() + expires.size(), value).ec == std::errc{}) {
    return value;
  }
  return std::nullopt;
}

std::string aor_of(const SipMessage& m) {
  std::string aor(m.to.uri.user);
  if (!aor.empty()) aor += '@';
  aor += lower(m.to.uri.host);
  return aor;
}

}  // namespace

void WebSocketReport::on_websocket_connection(const WsConnectionSummary& summary) {
  if (connections_.size() >= max_connections_) {
    ++dropped_;
    return;
  }
  connections_.push_back(summary);
}

void WebSocketReport::on_message(const SipMessageRecord& r) {
  if (r.transport != SipTransport::ws && r.transport != SipTransport::wss) return;
  const SipMessage& m = r.sip;
  const bool request = m.is_request && m.method == "REGISTER";
  const bool response = !m.is_request && m.cseq_method == "REGISTER";
  if (!request && !response) return;
  const std::string transaction = std::to_string(r.connection) + ' ' + std::string(m.call_id) +
                                  ' ' + (m.cseq ? std::to_string(*m.cseq) : std::string());
  if (request) {
    const std::string aor = aor_of(m);
    const std::string key = std::to_string(r.connection) + ' ' + aor;
    auto [it, added] = by_key_.try_emplace(key, registrations_.size());
    if (added) {
      WsRegistration reg;
      reg.aor = aor;
      reg.connection = r.connection;
      reg.first = r.timestamp;
      registrations_.push_back(std::move(reg));
      by_connection_[r.connection].push_back(it->second);
    }
    WsRegistration& reg = registrations_[it->second];
    ++reg.registers;
    reg.last = r.timestamp;
    reg.times.push_back(r.timestamp);
    const auto asked = expires_of(m);
    reg.unregistered = asked && *asked == 0;
    const auto contacts = m.header_values("Contact");
    pending_[transaction] = {it->second,
                             contacts.empty() ? std::string() : contact_uri(contacts[0])};
    return;
  }
  if (m.status_code < 200) return;
  const auto it = pending_.find(transaction);
  if (it == pending_.end()) return;
  WsRegistration& reg = registrations_[it->second.registration];
  reg.last_status = m.status_code;
  if (m.status_code < 300) {
    reg.expires = expires_of(m, it->second.contact);
    if (!reg.expires) reg.expires = expires_of(m);
  }
  pending_.erase(it);
}

void WebSocketReport::finish() {
  std::sort(connections_.begin(), connections_.end(),
            [](const auto& a, const auto& b) { return a.connection < b.connection; });
  for (WsRegistration& reg : registrations_) std::sort(reg.times.begin(), reg.times.end());
  // Each AOR's REGISTERs by time, to find the first on another connection after one ended.
  std::unordered_map<std::string, std::vector<const WsRegistration*>> by_aor;
  for (const WsRegistration& reg : registrations_) by_aor[reg.aor].push_back(&reg);
  std::unordered_map<std::uint64_t, std::optional<TimeNs>> ends;
  for (const WsConnectionSummary& c : connections_) ends[c.connection] = websocket_end(c);
  for (WsRegistration& reg : registrations_) {
    const auto end = ends.find(reg.connection);
    if (end == ends.end() || !end->second) continue;
    const TimeNs ended = *end->second;
    // The first REGISTER of the AOR on another connection at or after the end, from each
    // connection's REGISTER times (in capture order: sorted here, as files may not be).
    std::optional<TimeNs> first_after;
    const WsRegistration* next = nullptr;
    for (const WsRegistration* other : by_aor[reg.aor]) {
      if (other->connection == reg.connection) continue;
      const auto at = std::lower_bound(other->times.begin(), other->times.end(), ended);
      if (at == other->times.end()) continue;
      if (!first_after || *at < *first_after) {
        first_after = *at;
        next = other;
      }
    }
    if (next != nullptr) {
      reg.refreshed_on = next->connection;
      reg.refresh_gap = *first_after - ended;
    }
  }
}

std::vector<const WsRegistration*> WebSocketReport::registrations_of(
    std::uint64_t connection) const {
  std::vector<const WsRegistration*> out;
  const auto it = by_connection_.find(connection);
  if (it == by_connection_.end()) return out;
  for (const std::size_t i : it->second) out.push_back(&registrations_[i]);
  return out;
}

namespace {

using K = FieldValue::Kind;
using R = const WebSocketRow&;

std::string join(const std::vector<std::string>& items, std::string_view separator) {
  std::string out;
  for (const std::string& i : items) {
    if (!out.empty()) out += separator;
    out += i;
  }
  return out;
}

// "" without a Close frame, "-" for one without a code, else the code.
FieldValue close_code(const WsCloseFrame& f) {
  if (!f.sent) return text_value("");
  return text_value(f.code ? std::to_string(*f.code) : "-");
}

std::string closed_by(Direction d) {
  return d == Direction::to_server ? "client" : d == Direction::to_client ? "server" : "";
}

const WsRegistration* first_registration(R r) {
  return r.registrations.empty() ? nullptr : r.registrations.front();
}

constexpr std::array kWebSocketFields = {
    WebSocketFieldSpec{"connection", "connection",
                       [](R r) { return count_value(r.connection->connection); }},
    WebSocketFieldSpec{"client", "client",
                       [](R r) { return text_value(r.connection->client.to_string()); }},
    WebSocketFieldSpec{"server", "server",
                       [](R r) { return text_value(r.connection->server.to_string()); }},
    WebSocketFieldSpec{"uri", "uri", [](R r) { return text_value(r.connection->uri); }},
    WebSocketFieldSpec{"host", "host", [](R r) { return text_value(r.connection->host); }},
    WebSocketFieldSpec{"origin", "origin", [](R r) { return text_value(r.connection->origin); }},
    WebSocketFieldSpec{"user_agent", "user_agent",
                       [](R r) { return text_value(r.connection->user_agent); }},
    WebSocketFieldSpec{"subprotocols_offered", "subprotocols_offered",
                       [](R r) { return list_value(r.connection->subprotocols_offered); }},
    WebSocketFieldSpec{"subprotocol", "subprotocol",
                       [](R r) { return text_value(r.connection->subprotocol); }},
    WebSocketFieldSpec{"extensions_offered", "extensions_offered",
                       [](R r) { return text_value(r.connection->extensions_offered); }},
    WebSocketFieldSpec{"extensions", "extensions",
                       [](R r) { return text_value(r.connection->extensions); }},
    WebSocketFieldSpec{"status", "status",
                       [](R r) {
                         FieldValue v =
                             count_value(static_cast<std::uint64_t>(r.connection->status));
                         v.kind = K::status;
                         return v;
                       }},
    WebSocketFieldSpec{"frames_to_server", "frames_to_server",
                       [](R r) { return count_value(r.connection->frames[0]); }},
    WebSocketFieldSpec{"frames_to_client", "frames_to_client",
                       [](R r) { return count_value(r.connection->frames[1]); }},
    WebSocketFieldSpec{"messages_to_server", "messages_to_server",
                       [](R r) { return count_value(r.connection->messages[0]); }},
    WebSocketFieldSpec{"messages_to_client", "messages_to_client",
                       [](R r) { return count_value(r.connection->messages[1]); }},
    WebSocketFieldSpec{
        "pings", "pings",
        [](R r) { return count_value(r.connection->pings[0] + r.connection->pings[1]); }},
    WebSocketFieldSpec{
        "pongs", "pongs",
        [](R r) { return count_value(r.connection->pongs[0] + r.connection->pongs[1]); }},
    WebSocketFieldSpec{"crlf_keepalives", "crlf_keepalives",
                       [](R r) {
                         return count_value(r.connection->crlf_keepalives[0] +
                                            r.connection->crlf_keepalives[1]);
                       }},
    WebSocketFieldSpec{"close_code_client", "close_code_client",
                       [](R r) { return close_code(r.connection->close[0]); }},
    WebSocketFieldSpec{"close_reason_client", "close_reason_client",
                       [](R r) { return text_value(r.connection->close[0].reason); }},
    WebSocketFieldSpec{"close_code_server", "close_code_server",
                       [](R r) { return close_code(r.connection->close[1]); }},
    WebSocketFieldSpec{"close_reason_server", "close_reason_server",
                       [](R r) { return text_value(r.connection->close[1].reason); }},
    WebSocketFieldSpec{"closed_by", "closed_by",
                       [](R r) { return text_value(closed_by(r.connection->closed_by)); }},
    WebSocketFieldSpec{
        "tcp_end", "tcp_end",
        [](R r) { return text_value(std::string(tcp_end_name(r.connection->tcp_end))); }},
    WebSocketFieldSpec{"start", "start",
                       [](R r) { return time_value(r.connection->start, K::epoch); }},
    WebSocketFieldSpec{
        "duration", "duration",
        [](R r) { return time_value(r.connection->end - r.connection->start, K::duration); }},
    // Beyond the contract.
    WebSocketFieldSpec{"transport", "transport",
                       [](R r) { return text_value(r.connection->over_tls ? "wss" : "ws"); }},
    WebSocketFieldSpec{"handshake_seen", "handshake_seen",
                       [](R r) {
                         FieldValue v = count_value(r.connection->handshake_seen ? 1 : 0);
                         v.kind = K::flag;
                         return v;
                       }},
    WebSocketFieldSpec{"server_agent", "server_agent",
                       [](R r) { return text_value(r.connection->server_agent); }},
    WebSocketFieldSpec{"compressed_messages", "compressed_messages",
                       [](R r) {
                         return count_value(r.connection->compressed_messages[0] +
                                            r.connection->compressed_messages[1]);
                       }},
    WebSocketFieldSpec{"pings_to_server", "pings_to_server",
                       [](R r) { return count_value(r.connection->pings[0]); }},
    WebSocketFieldSpec{"pongs_to_server", "pongs_to_server",
                       [](R r) { return count_value(r.connection->pongs[0]); }},
    WebSocketFieldSpec{"first_frame", "first_frame",
                       [](R r) { return count_value(r.connection->first_frame); }},
    WebSocketFieldSpec{"last_frame", "last_frame",
                       [](R r) { return count_value(r.connection->last_frame); }},
    WebSocketFieldSpec{
        "tcp_close_reason", "tcp_close_reason",
        [](R r) { return text_value(std::string(close_reason_name(r.connection->tcp_end))); }},
    WebSocketFieldSpec{"registered", "registered",
                       [](R r) {
                         std::vector<std::string> aors;
                         for (const WsRegistration* g : r.registrations) aors.push_back(g->aor);
                         return list_value(std::move(aors));
                       }},
    WebSocketFieldSpec{"reregistered_on", "reregistered_on",
                       [](R r) {
                         // A number, or null (JSON) / empty (TSV) without a refresh.
                         const WsRegistration* g = first_registration(r);
                         FieldValue v;
                         v.kind = K::real;
                         v.decimals = 0;
                         if (g != nullptr && g->refreshed_on) {
                           v.real = static_cast<double>(*g->refreshed_on);
                         }
                         return v;
                       }},
    WebSocketFieldSpec{"reregister_gap", "reregister_gap",
                       [](R r) {
                         const WsRegistration* g = first_registration(r);
                         return time_value(g != nullptr ? g->refresh_gap : std::nullopt,
                                           K::duration);
                       }},
};

}  // namespace

std::span<const WebSocketFieldSpec> all_websocket_fields() {
  return kWebSocketFields;
}

std::string websocket_tsv_header() {
  return table_tsv_header(all_websocket_fields());
}

std::string websocket_tsv_line(const WebSocketRow& row) {
  return table_tsv_line(all_websocket_fields(), row);
}

std::string websocket_json_line(const WebSocketRow& row) {
  JsonObject line;
  for (const WebSocketFieldSpec& f : kWebSocketFields) field_json(line, f.json_key, f.value(row));
  std::vector<JsonObject> registrations;
  for (const WsRegistration* g : row.registrations) {
    JsonObject o;
    o.string("aor", g->aor).number("registers", g->registers);
    o.seconds("first", g->first, 6).seconds("last", g->last, 6);
    o.number_or_null("last_status", g->last_status != 0,
                     static_cast<std::uint64_t>(g->last_status));
    o.number_or_null("expires", g->expires.has_value(), g->expires.value_or(0));
    o.boolean("unregistered", g->unregistered);
    o.number_or_null("reregistered_on", g->refreshed_on.has_value(), g->refreshed_on.value_or(0));
    if (g->refresh_gap) {
      o.seconds("reregister_gap", *g->refresh_gap, 6);
    } else {
      o.null("reregister_gap");
    }
    registrations.push_back(std::move(o));
  }
  line.objects("registrations", std::move(registrations));
  return line.take_line();
}

std::vector<std::string> websocket_text_lines(const WebSocketRow& row, TimeColumn& time) {
  const WsConnectionSummary& c = *row.connection;
  std::vector<std::string> lines;
  std::string date_line;
  const std::string start = time.text(c.start, &date_line);
  if (!date_line.empty()) lines.push_back(date_line);
  lines.push_back("Connection " + std::to_string(c.connection) + "  " +
                  (c.over_tls ? "wss" : "ws") + "  " + c.client.to_string() + " -> " +
                  c.server.to_string() + "  " + start + "  " +
                  duration_seconds(c.end - c.start, 3) + " s");
  if (c.request_seen) {
    lines.push_back("  GET " + c.uri + (c.host.empty() ? "" : "  Host " + c.host) +
                    (c.origin.empty() ? "" : "  Origin " + c.origin));
    if (!c.user_agent.empty()) lines.push_back("  User-Agent " + c.user_agent);
    lines.push_back("  offered: subprotocols " +
                    (c.subprotocols_offered.empty() ? std::string("(none)")
                                                    : join(c.subprotocols_offered, ", ")) +
                    "; extensions " +
                    (c.extensions_offered.empty() ? std::string("(none)") : c.extensions_offered));
  } else if (c.status != 0) {
    lines.push_back("  (the request was not captured)");
  } else {
    lines.push_back("  (no handshake captured: picked up from frames carrying SIP)");
  }
  if (c.status != 0) {
    lines.push_back(
        "  answer: " + std::to_string(c.status) +
        (c.status == 101
             ? "; subprotocol " + (c.subprotocol.empty() ? std::string("(none)") : c.subprotocol) +
                   "; extensions " + (c.extensions.empty() ? std::string("(none)") : c.extensions)
             : std::string(" (upgrade refused)")) +
        (c.server_agent.empty() ? "" : "; Server " + c.server_agent));
  } else if (c.request_seen) {
    lines.push_back("  answer: none captured");
  }
  const auto& d = c;
  lines.push_back("  client -> server: " + std::to_string(d.frames[0]) + " frames, " +
                  std::to_string(d.messages[0]) + " messages (" +
                  std::to_string(d.compressed_messages[0]) + " compressed), " +
                  std::to_string(d.pings[0]) + " pings, " + std::to_string(d.pongs[0]) +
                  " pongs, " + std::to_string(d.crlf_keepalives[0]) + " CRLF keep-alives");
  lines.push_back("  server -> client: " + std::to_string(d.frames[1]) + " frames, " +
                  std::to_string(d.messages[1]) + " messages (" +
                  std::to_string(d.compressed_messages[1]) + " compressed), " +
                  std::to_string(d.pings[1]) + " pings, " + std::to_string(d.pongs[1]) +
                  " pongs, " + std::to_string(d.crlf_keepalives[1]) + " CRLF keep-alives");
  std::string end = "  end: ";
  for (std::size_t side = 0; side < 2; ++side) {
    const WsCloseFrame& f = c.close[side];
    if (!f.sent) continue;
    end += std::string(side == 0 ? "client" : "server") + " Close " +
           (f.code ? std::to_string(*f.code) : std::string("(no code)")) +
           (f.reason.empty() ? "" : " \"" + f.reason + "\"") + " at frame " +
           std::to_string(f.frame) + "; ";
  }
  if (c.closed_by == Direction::none) end += "no Close frame; ";
  end += "TCP " + std::string(tcp_end_name(c.tcp_end));
  if (tcp_end_name(c.tcp_end) != close_reason_name(c.tcp_end)) {
    end += " (" + std::string(close_reason_name(c.tcp_end)) + ")";
  }
  lines.push_back(end);
  for (const WsRegistration* g : row.registrations) {
    std::string line = "  registered " + g->aor + ": " + std::to_string(g->registers) +
                       " REGISTER" + (g->registers == 1 ? "" : "s");
    if (g->last_status != 0) line += ", last answered " + std::to_string(g->last_status);
    if (g->expires) line += ", expires " + std::to_string(*g->expires) + " s";
    if (g->unregistered) line += ", then unregistered";
    if (g->refreshed_on) {
      line += "; re-registered on connection " + std::to_string(*g->refreshed_on) + " " +
              duration_seconds(*g->refresh_gap, 3) + " s after this one ended";
    } else if (!websocket_end(c)) {
      line += "; the connection was open when the capture ended";
    } else if (!g->unregistered) {
      line += "; not re-registered on another connection in the capture";
    }
    lines.push_back(line);
  }
  return lines;
}

}  // namespace sipws
