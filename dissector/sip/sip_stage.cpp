#include "dissector/sip/sip_stage.h"

#include <string>

#include "capture/bytes.h"
#include "dissector/sip/sip_rules.h"

namespace sipws {
namespace {

bool is_keepalive(std::string_view text) {
  for (char c : text) {
    if (c != '\r' && c != '\n') return false;
  }
  return true;
}

// A buffer kept for the next message up to this size; a larger one is given back (the queue
// holds 256 work items: what they keep between messages stays under 4 MiB).
constexpr std::size_t kReusedBufferBytes = 16 * 1024;

// Every field set anew, the buffers emptied with their capacity kept (unless a large message
// grew them: then they are given back).
void reset_carrier(SipCarrier& r) {
  r.frame = 0;
  r.first_frame = 0;
  r.connection_first_frame = 0;
  r.handshake_last_frame = 0;
  r.timestamp = 0;
  r.src = {};
  r.dst = {};
  r.transport = SipTransport::udp;
  r.connection = 0;
  r.direction = Direction::none;
  r.ws.opcode = 0;
  r.ws.compressed = false;
  // Set only for compressed messages: a stale value would mark the next plain message of this
  // reused item (which item comes back, with two threads, depends on timing).
  r.ws.context_takeover = false;
  r.ws.masked = false;
  r.ws.frames = 0;
  r.ws.wire_bytes = 0;
  r.ws.first_frame = 0;
  r.ws.handshake_seen = true;
  clear_for_reuse(r.ws.frame_headers, kReusedBufferBytes);
  clear_for_reuse(r.ws.compressed_payload, kReusedBufferBytes);
}

}  // namespace

void reset_for_reuse(SipMessageRecord& r) {
  reset_carrier(r);
  r.index = 0;
  clear_for_reuse(r.bytes, kReusedBufferBytes);
  r.sip.reset();
}

SipStage::SipStage(SipMessageSink& messages, FindingSink& findings, DissectorCounters& counters)
    : messages_(messages), findings_(findings), counters_(counters) {}

void SipStage::process(SipWork& work) {
  SipMessageRecord& record = work.record;
  switch (work.kind) {
    case SipWork::Kind::finding:
      findings_.report(std::move(work.finding));
      return;
    case SipWork::Kind::connection_end:
      subprotocol_checked_.erase(record.connection);
      return;
    case SipWork::Kind::datagram: {
      const SipParseResult r = parse_sip_message(
          std::string_view(record.bytes.data(), record.bytes.size()), record.sip, work.options);
      if (r.status == SipParseStatus::ok) emit(record, work);
      return;
    }
    case SipWork::Kind::stream_message:
      // Framed by the first half already: the parse cannot fail to find the message.
      parse_sip_message(std::string_view(record.bytes.data(), record.bytes.size()), record.sip,
                        work.options);
      emit(record, work);
      return;
    case SipWork::Kind::websocket_message:
      process_websocket(work);
      return;
  }
}

void SipStage::process_websocket(SipWork& work) {
  // RFC 7118: one SIP message per WebSocket message. More are reported, and all are kept. The
  // first is parsed where it lies; the rest, if any, is copied out before the first is handed
  // on (a sink may take the record's buffer), and parsed one message at a time.
  SipMessageRecord& first = work.record;
  const std::string_view whole(first.bytes.data(), first.bytes.size());
  SipParseResult r = parse_sip_message(whole, first.sip, work.options);
  if (r.status == SipParseStatus::not_sip || r.status == SipParseStatus::incomplete) {
    if ((work.sip_subprotocol || !first.ws.handshake_seen) && !is_keepalive(whole)) {
      report(first, FindingId::sip_ws_not_sip, std::to_string(whole.size()) + " bytes");
    }
    return;
  }
  std::size_t at = r.consumed;
  while (at < whole.size() && (whole[at] == '\r' || whole[at] == '\n')) ++at;
  if (at == whole.size()) {
    first.bytes.resize(r.consumed);  // shrinking keeps the buffer: the views stay valid
    emit(first, work);
    return;
  }
  rest_.assign(whole.begin() + static_cast<std::ptrdiff_t>(at), whole.end());
  rest_carrier_ = first;  // the carrier part: every further message came the same way
  first.bytes.resize(r.consumed);
  emit(first, work);
  SipMessageRecord& next = rest_record_;
  std::string_view text(rest_.data(), rest_.size());
  for (int count = 1; !text.empty(); ++count) {
    reset_for_reuse(next);
    static_cast<SipCarrier&>(next) = rest_carrier_;
    next.bytes.assign(text.begin(), text.end());
    r = parse_sip_message(std::string_view(next.bytes.data(), next.bytes.size()), next.sip,
                          work.options);
    if (r.status == SipParseStatus::not_sip || r.status == SipParseStatus::incomplete) break;
    if (count == 1) report(next, FindingId::sip_ws_multiple_messages, "");
    next.bytes.resize(r.consumed);
    emit(next, work);
    text.remove_prefix(r.consumed);
    while (!text.empty() && (text.front() == '\r' || text.front() == '\n')) text.remove_prefix(1);
  }
  clear_for_reuse(rest_, kReusedBufferBytes);
}

void SipStage::report(const SipMessageRecord& record, FindingId id, std::string detail) {
  findings_.report(id, record.frame, record.connection, record.direction, std::move(detail));
}

void SipStage::emit(SipMessageRecord& record, const SipWork& work) {
  const bool websocket =
      record.transport == SipTransport::ws || record.transport == SipTransport::wss;
  if (websocket && record.ws.handshake_seen &&
      subprotocol_checked_.insert(record.connection).second && !work.sip_subprotocol) {
    report(record, FindingId::sip_ws_subprotocol,
           work.subprotocol.empty() ? "no subprotocol was negotiated"
                                    : "negotiated '" + work.subprotocol + "'");
  }
  record.index = next_index_++;
  std::vector<Problem> problems = record.sip.problems;
  check_sip_record(record, problems);
  for (auto& p : problems) {
    Finding f{p.id};
    f.frame = record.frame;
    f.connection = record.connection;
    f.direction = record.direction;
    f.message = record.index;
    f.detail = std::move(p.detail);
    findings_.report(std::move(f));
  }
  ++counters_.sip_messages;
  messages_.on_sip_message(std::move(record));
}

}  // namespace sipws
