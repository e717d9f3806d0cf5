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

}  // namespace sipws
