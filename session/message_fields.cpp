#include "session/message_fields.h"

#include <algorithm>
#include <array>
#include <charconv>

namespace sipws {
namespace {

char* write_number(char* at, std::uint64_t value) {
  return std::to_chars(at, at + 20, value).ptr;
}
char* write_tsv(char* at, std::string_view text) {
  for (const char c : text) *at++ = (c == '\t' || c == '\n' || c == '\r') ? ' ' : c;
  return at;
}
std::string_view method_of(const SipMessageRecord& r) {
  return r.sip.is_request ? r.sip.method : std::string_view{};
}
std::string cseq_text(const SipMessage& m) {
  if (!m.cseq) return std::string(m.cseq_method);
  return std::to_string(*m.cseq) + " " + std::string(m.cseq_method);
}

using R = const SipMessageRecord&;
using J = JsonObject&;
using K = std::string_view;
using F = MessageField;
constexpr std::size_t kNumber = 20;
constexpr std::size_t kAddress = IpAddress::kTextMax;

constexpr std::array kMessageFields = {
    MessageFieldSpec{F::frame, "frame", "frame", "Frame", 7, false, [](R) { return kNumber; },
                     [](char* at, R r) { return write_number(at, r.frame); },
                     [](J o, K k, R r) { o.number(k, r.frame); }},
    MessageFieldSpec{F::time, "time", "time", "Time", 17, false, [](R) { return kEpochSecondsMax; },
                     [](char* at, R r) { return write_epoch_seconds(at, r.timestamp, 6); },
                     [](J o, K k, R r) { o.seconds(k, r.timestamp, 6); }},
    MessageFieldSpec{F::src, "src", "src", "Source", 15, true, [](R) { return kAddress; },
                     [](char* at, R r) { return r.src.address.write(at); },
                     [](J o, K k, R r) { o.string(k, r.src.address.to_string()); }},
    MessageFieldSpec{F::sport, "sport", "sport", "Port", 5, false, [](R) { return kNumber; },
                     [](char* at, R r) { return write_number(at, r.src.port); },
                     [](J o, K k, R r) { o.number(k, r.src.port); }},
    MessageFieldSpec{F::dst, "dst", "dst", "Destination", 15, true, [](R) { return kAddress; },
                     [](char* at, R r) { return r.dst.address.write(at); },
                     [](J o, K k, R r) { o.string(k, r.dst.address.to_string()); }},
    MessageFieldSpec{F::dport, "dport", "dport", "Port", 5, false, [](R) { return kNumber; },
                     [](char* at, R r) { return write_number(at, r.dst.port); },
                     [](J o, K k, R r) { o.number(k, r.dst.port); }},
    MessageFieldSpec{F::transport, "transport", "transport", "Transport", 4, true,
                     [](R r) { return transport_name(r.transport).size(); },
                     [](char* at, R r) {
                       const std::string_view t = transport_name(r.transport);
                       return std::copy(t.begin(), t.end(), at);
                     },
                     [](J o, K k, R r) { o.string(k, transport_name(r.transport)); }},
    MessageFieldSpec{F::method, "method", "method", "Method", 9, true,
                     [](R r) { return method_of(r).size(); },
                     [](char* at, R r) { return write_tsv(at, method_of(r)); },
                     [](J o, K k, R r) { o.string(k, method_of(r)); }},
    MessageFieldSpec{
        F::status, "status", "status", "Status", 6, true, [](R) { return kNumber; },
        [](char* at, R r) {
          return r.sip.is_request ? at
                                  : write_number(at, static_cast<std::uint64_t>(r.sip.status_code));
        },
        [](J o, K k, R r) {
          o.number_or_null(k, !r.sip.is_request, static_cast<std::uint64_t>(r.sip.status_code));
        }},
    MessageFieldSpec{F::reason, "reason", "reason", "Reason", 16, true,
                     [](R r) { return r.sip.reason.size(); },
                     [](char* at, R r) { return write_tsv(at, r.sip.reason); },
                     [](J o, K k, R r) { o.string(k, r.sip.reason); }},
    MessageFieldSpec{F::call_id, "call_id", "call_id", "Call-ID", 24, true,
                     [](R r) { return r.sip.call_id.size(); },
                     [](char* at, R r) { return write_tsv(at, r.sip.call_id); },
                     [](J o, K k, R r) { o.string(k, r.sip.call_id); }},
    MessageFieldSpec{F::cseq, "cseq", "cseq", "CSeq", 12, true,
                     [](R r) { return kNumber + 1 + r.sip.cseq_method.size(); },
                     [](char* at, R r) {
                       if (r.sip.cseq) {
                         at = write_number(at, *r.sip.cseq);
                         *at++ = ' ';
                       }
                       return write_tsv(at, r.sip.cseq_method);
                     },
                     [](J o, K k, R r) { o.string(k, cseq_text(r.sip)); }},
    MessageFieldSpec{F::from_user, "from_user", "from_user", "From", 12, true,
                     [](R r) { return r.sip.from.uri.user.size(); },
                     [](char* at, R r) { return write_tsv(at, r.sip.from.uri.user); },
                     [](J o, K k, R r) { o.string(k, r.sip.from.uri.user); }},
    MessageFieldSpec{F::to_user, "to_user", "to_user", "To", 12, true,
                     [](R r) { return r.sip.to.uri.user.size(); },
                     [](char* at, R r) { return write_tsv(at, r.sip.to.uri.user); },
                     [](J o, K k, R r) { o.string(k, r.sip.to.uri.user); }},
    MessageFieldSpec{F::connection, "connection", "connection", "Stream", 6, false,
                     [](R) { return kNumber; },
                     [](char* at, R r) { return write_number(at, r.connection); },
                     [](J o, K k, R r) { o.number(k, r.connection); }},
    MessageFieldSpec{F::bytes, "bytes", "bytes", "Bytes", 6, false, [](R) { return kNumber; },
                     [](char* at, R r) { return write_number(at, r.bytes.size()); },
                     [](J o, K k, R r) { o.number(k, r.bytes.size()); }},
};

constexpr MessageField kTsvFields[] = {F::frame, F::time,      F::src,    F::sport,  F::dst,
                                       F::dport, F::transport, F::method, F::status, F::call_id,
                                       F::cseq,  F::from_user, F::to_user};
constexpr MessageField kJsonFields[] = {
    F::frame,  F::time,   F::src,     F::sport, F::dst,       F::dport,   F::transport,  F::method,
    F::status, F::reason, F::call_id, F::cseq,  F::from_user, F::to_user, F::connection, F::bytes};

}  // namespace

std::span<const MessageFieldSpec> all_message_fields() {
  return kMessageFields;
}
const MessageFieldSpec& message_field(MessageField id) {
  return kMessageFields[static_cast<std::size_t>(id)];
}
std::span<const MessageField> tsv_message_fields() {
  return kTsvFields;
}
std::span<const MessageField> json_message_fields() {
  return kJsonFields;
}

std::string message_tsv_header() {
  std::string out;
  for (const MessageField f : kTsvFields) {
    if (!out.empty()) out += '\t';
    out += message_field(f).tsv_column;
  }
  out += '\n';
  return out;
}

void append_message_tsv(std::string& out, const SipMessageRecord& r) {
  // Room for the longest the line can be is made once; the fields write through a pointer.
  std::size_t longest = std::size(kTsvFields);  // the tabs and the newline
  for (const MessageField f : kTsvFields) longest += message_field(f).longest(r);
  const std::size_t start = out.size();
  out.resize(start + longest);
  char* const begin = out.data() + start;
  char* at = begin;
  bool first = true;
  for (const MessageField f : kTsvFields) {
    if (!first) *at++ = '\t';
    first = false;
    at = message_field(f).write(at, r);
  }
  *at++ = '\n';
  out.resize(start + static_cast<std::size_t>(at - begin));
}

std::string message_json_line(const SipMessageRecord& r) {
  JsonObject line;
  for (const MessageField f : kJsonFields) {
    const MessageFieldSpec& spec = message_field(f);
    spec.json(line, spec.json_key, r);
  }
  if (r.transport == SipTransport::ws || r.transport == SipTransport::wss) {
    JsonObject ws;
    ws.string("opcode", r.ws.opcode == 1 ? "text" : "binary")
        .boolean("compressed", r.ws.compressed)
        .number("fragments", r.ws.frames)
        .boolean("masked", r.ws.masked)
        .number("wire_bytes", r.ws.wire_bytes)
        .number("first_frame", r.ws.first_frame)
        .boolean("handshake_seen", r.ws.handshake_seen);
    line.object("websocket", std::move(ws));
  }
  return line.take_line();
}

std::string message_field_text(MessageField id, const SipMessageRecord& r) {
  const MessageFieldSpec& spec = message_field(id);
  std::string out(spec.longest(r), '\0');
  out.resize(static_cast<std::size_t>(spec.write(out.data(), r) - out.data()));
  return out;
}

namespace {

constexpr std::string_view kWebSocketItems[] = {"opcode",      "compressed",    "context_takeover",
                                                "fragments",   "masked",        "wire_bytes",
                                                "first_frame", "handshake_seen"};

bool over_websocket(const SipMessageRecord& r) {
  return r.transport == SipTransport::ws || r.transport == SipTransport::wss;
}

// An SDP body's lines of one type ("c" for "c=..."), values joined by ','. Any body whose type
// names SDP (application/sdp, or a multipart one holding it) is searched line by line.
std::optional<std::string> sdp_lines(const SipMessage& m, std::string_view type) {
  std::string type_lower(m.content_type);
  for (char& c : type_lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (m.body.empty() || (type_lower.find("sdp") == std::string::npos &&
                         type_lower.find("multipart") == std::string::npos)) {
    return std::nullopt;
  }
  std::optional<std::string> out;
  std::string_view body = m.body;
  while (!body.empty()) {
    const std::size_t end = body.find('\n');
    std::string_view line = body.substr(0, end);
    body = end == std::string_view::npos ? std::string_view{} : body.substr(end + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.size() < type.size() + 1 || line.substr(0, type.size()) != type ||
        line[type.size()] != '=') {
      continue;
    }
    if (out) {
      *out += ',';
    } else {
      out.emplace();
    }
    *out += line.substr(type.size() + 1);
  }
  return out;
}

std::string tsv_clean(std::string text) {
  for (char& c : text) {
    if (c == '\t' || c == '\n' || c == '\r') c = ' ';
  }
  return text;
}

}  // namespace

Result<std::vector<MessageColumn>> parse_message_columns(const std::vector<std::string>& names) {
  std::vector<MessageColumn> columns;
  std::vector<std::string> split;
  for (const std::string& given : names) {
    std::size_t at = 0;
    while (at <= given.size()) {
      const std::size_t comma = std::min(given.find(',', at), given.size());
      if (comma > at) split.push_back(given.substr(at, comma - at));
      at = comma + 1;
    }
  }
  for (const std::string& name : split) {
    MessageColumn column;
    column.name = name;
    const std::size_t colon = name.find(':');
    const std::string prefix = colon == std::string::npos ? "" : name.substr(0, colon);
    const std::string rest = colon == std::string::npos ? name : name.substr(colon + 1);
    if (prefix == "hdr" && !rest.empty()) {
      column.kind = MessageColumn::Kind::header;
      column.key = rest;
    } else if (prefix == "sdp" && !rest.empty() && rest.find('=') == std::string::npos) {
      column.kind = MessageColumn::Kind::sdp;
      column.key = rest;
    } else if (prefix == "ws" && std::find(std::begin(kWebSocketItems), std::end(kWebSocketItems),
                                           rest) != std::end(kWebSocketItems)) {
      column.kind = MessageColumn::Kind::websocket;
      column.key = rest;
    } else if (prefix.empty()) {
      const auto& fields = all_message_fields();
      const auto found = std::find_if(fields.begin(), fields.end(), [&](const MessageFieldSpec& f) {
        return f.tsv_column == name || f.json_key == name;
      });
      if (found == fields.end()) {
        std::string known;
        for (const MessageFieldSpec& f : fields)
          known += (known.empty() ? "" : ", ") + std::string(f.tsv_column);
        return Failure{"--fields: no field is called '" + name + "' (the fields: " + known +
                       "; hdr:NAME for a header, sdp:TYPE for SDP lines such as sdp:c, ws:ITEM " +
                       "for opcode, compressed, context_takeover, fragments, masked, wire_bytes, " +
                       "first_frame, handshake_seen)"};
      }
      column.field = found->id;
    } else {
      return Failure{"--fields: '" + name +
                     "' is not a field (hdr:NAME, sdp:TYPE, or ws: with opcode, compressed, "
                     "context_takeover, fragments, masked, wire_bytes, first_frame, "
                     "handshake_seen)"};
    }
    columns.push_back(std::move(column));
  }
  if (columns.empty()) return Failure{"--fields: no field was named"};
  return columns;
}

std::optional<std::string> message_column_value(const MessageColumn& column,
                                                const SipMessageRecord& r) {
  switch (column.kind) {
    case MessageColumn::Kind::field:
      return message_field_text(column.field, r);
    case MessageColumn::Kind::header: {
      const auto values = r.sip.header_values(column.key);
      if (values.empty()) return std::nullopt;
      std::string out;
      for (const std::string_view v : values) {
        if (!out.empty()) out += ',';
        out += v;
      }
      return tsv_clean(std::move(out));
    }
    case MessageColumn::Kind::sdp: {
      auto lines = sdp_lines(r.sip, column.key);
      if (!lines) return std::nullopt;
      return tsv_clean(std::move(*lines));
    }
    case MessageColumn::Kind::websocket: {
      if (!over_websocket(r)) return std::nullopt;
      const WsCarrier& ws = r.ws;
      const std::string_view item = column.key;
      auto flag = [](bool b) { return std::string(b ? "yes" : "no"); };
      if (item == "opcode") return std::string(ws.opcode == 1 ? "text" : "binary");
      if (item == "compressed") return flag(ws.compressed);
      if (item == "context_takeover") return flag(ws.context_takeover);
      if (item == "fragments") return std::to_string(ws.frames);
      if (item == "masked") return flag(ws.masked);
      if (item == "wire_bytes") return std::to_string(ws.wire_bytes);
      if (item == "first_frame") return std::to_string(ws.first_frame);
      if (item == "handshake_seen") return flag(ws.handshake_seen);
      return std::nullopt;
    }
  }
  return std::nullopt;
}

std::string message_columns_tsv_header(std::span<const MessageColumn> columns) {
  std::string out;
  for (const MessageColumn& c : columns) {
    if (!out.empty()) out += '\t';
    out += tsv_clean(c.name);
  }
  return out + '\n';
}

void append_message_columns_tsv(std::string& out, std::span<const MessageColumn> columns,
                                const SipMessageRecord& r) {
  bool first = true;
  for (const MessageColumn& c : columns) {
    if (!first) out += '\t';
    first = false;
    if (auto value = message_column_value(c, r)) out += *value;
  }
  out += '\n';
}

std::string message_columns_json_line(std::span<const MessageColumn> columns,
                                      const SipMessageRecord& r) {
  JsonObject line;
  for (const MessageColumn& c : columns) {
    if (c.kind == MessageColumn::Kind::field) {
      const MessageFieldSpec& spec = message_field(c.field);
      spec.json(line, c.name, r);
      continue;
    }
    const auto value = message_column_value(c, r);
    if (!value) {
      line.null(c.name);
    } else if (c.kind == MessageColumn::Kind::websocket && (*value == "yes" || *value == "no")) {
      line.boolean(c.name, *value == "yes");
    } else if (c.kind == MessageColumn::Kind::websocket && c.key != "opcode") {
      line.number(c.name, std::stoull(*value));
    } else {
      line.string(c.name, *value);
    }
  }
  return line.take_line();
}

}  // namespace sipws
