#include "dissector/websocket/websocket_analyzer.h"

#include <algorithm>
#include <cstring>
#include <string_view>

#include "dissector/text.h"
#include "dissector/websocket/ws_frame_bytes.h"

namespace sipws {
namespace {
constexpr std::size_t kMaxPendingClientBytes = 64 * 1024;  // client bytes sent before the 101
}  // namespace

bool plausible_sip_frame(ByteView bytes, Direction direction) {
  WsFrameHeader h;
  const std::size_t header = parse_ws_frame_header(bytes, h);
  if (header == 0) return false;
  if (h.opcode != ws_opcode::text && h.opcode != ws_opcode::binary) return false;
  if (h.rsv2 || h.rsv3 || h.length_msb_set || h.length == 0 || h.length > (16u << 20)) return false;
  if (h.masked != (direction == Direction::to_server)) return false;
  if (h.rsv1) return true;
  const std::size_t n = static_cast<std::size_t>(
      std::min<std::uint64_t>(h.length, std::min<std::size_t>(bytes.size() - header, 64)));
  if (n < 8) return false;
  std::uint8_t start[64];
  if (h.masked) {
    unmask_copy(start, bytes.data() + header, n, h.mask, 0);
  } else {
    std::memcpy(start, bytes.data() + header, n);
  }
  const std::string_view text(reinterpret_cast<const char*>(start), n);
  if (text.rfind("SIP/2.0 ", 0) == 0) return true;
  const std::size_t space = text.find(' ');
  return space != std::string_view::npos && space > 0 && space < 20 &&
         is_token(text.substr(0, space)) && text.find(':', space) != std::string_view::npos;
}

bool plausible_ws_frame(ByteView bytes, Direction direction) {
  WsFrameHeader h;
  if (parse_ws_frame_header(bytes, h) == 0) return false;
  const bool known = h.opcode <= ws_opcode::binary ||
                     (h.opcode >= ws_opcode::close && h.opcode <= ws_opcode::pong);
  return known && !h.rsv2 && !h.rsv3 && h.masked == (direction == Direction::to_server);
}

// WebSocket frames and messages.

WebSocketAnalyzer::WebSocketAnalyzer(AnalyzerContext& context, const ConnectionCarrier& carrier,
                                     WsSessionInfo session)
    : context_(context), carrier_(carrier), session_(std::move(session)) {
  ++context_.counters.websocket_connections;
  summary_ = context_.websockets.open(carrier_.info, carrier_.over_tls);
  if (summary_ != nullptr && !session_.handshake_seen) summary_->handshake_seen = false;
  for (std::size_t d = 0; d < 2; ++d) {
    assemblers_[d] = std::make_unique<WsMessageAssembler>(
        static_cast<Direction>(d), carrier_.info.index, session_.deflate, *this, context_.findings,
        context_.limits.websocket, &context_.inflate_budget);
  }
}

void WebSocketAnalyzer::on_data(Direction direction, ByteView bytes, std::uint64_t frame,
                                TimeNs timestamp) {
  const auto d = static_cast<std::size_t>(direction);
  last_frame_ = frame;
  if (lost_[d]) {
    // Look for a plausible frame start to pick the stream up again.
    std::size_t found = bytes.size();
    for (std::size_t i = 0; i + 2 <= bytes.size(); ++i) {
      if (plausible_sip_frame(bytes.subspan(i), direction)) {
        found = i;
        break;
      }
    }
    if (found == bytes.size()) return;
    lost_[d] = false;
    assemblers_[d]->resync();
    bytes = bytes.subspan(found);
  }
  const std::uint64_t before = assemblers_[d]->frames_seen();
  assemblers_[d]->on_data(bytes, frame, timestamp);
  const std::uint64_t frames = assemblers_[d]->frames_seen() - before;
  context_.counters.websocket_frames += frames;
  if (summary_ != nullptr) summary_->frames[d] += frames;
}

void WebSocketAnalyzer::on_early_client_data(ByteView bytes, std::uint64_t frame,
                                             TimeNs timestamp) {
  const std::uint64_t before = assemblers_[0]->frames_seen();
  assemblers_[0]->on_data(bytes, frame, timestamp);
  if (summary_ != nullptr) summary_->frames[0] += assemblers_[0]->frames_seen() - before;
}

void WebSocketAnalyzer::on_gap(Direction direction, std::uint64_t length) {
  const auto d = static_cast<std::size_t>(direction);
  if (!lost_[d] && !assemblers_[d]->on_gap(length, last_frame_)) {
    lost_[d] = true;
    context_.findings.report(FindingId::ws_stream_desync, last_frame_, carrier_.info.index,
                             direction, std::to_string(length) + " bytes lost between frames");
  }
}

void WebSocketAnalyzer::on_end() {
  for (auto& assembler : assemblers_) {
    assembler->on_end(last_frame_);
    assembler.reset();
  }
}

void WebSocketAnalyzer::on_ws_message(WsMessage& message) {
  ++context_.counters.websocket_messages;
  if (summary_ != nullptr && static_cast<std::size_t>(message.direction) < 2) {
    const auto d = static_cast<std::size_t>(message.direction);
    ++summary_->messages[d];
    if (message.compressed) ++summary_->compressed_messages[d];
    // A message of line ends only: the CRLF keep-alive JsSIP and SIP.js send (RFC 5626 §4.4.1
    // over WebSocket).
    const bool crlf = !message.payload.empty() &&
                      std::all_of(message.payload.begin(), message.payload.end(),
                                  [](std::uint8_t b) { return b == '\r' || b == '\n'; });
    if (crlf && !message.incomplete) ++summary_->crlf_keepalives[d];
  }
  if (message.incomplete) return;
  // Parsed by the SIP stage (Dissector::process_websocket), with what it needs to know of the
  // handshake.
  SipWork& work = context_.outlet.next_work(SipWork::Kind::websocket_message);
  SipMessageRecord& record = work.record;
  record.transport = carrier_.over_tls ? SipTransport::wss : SipTransport::ws;
  record.frame = message.last_frame;
  record.first_frame = message.first_frame;
  record.timestamp = message.timestamp;
  carrier_.stamp(record, message.direction);
  record.ws.opcode = message.opcode;
  record.ws.compressed = message.compressed;
  if (message.compressed) {
    const bool to_server = message.direction == Direction::to_server;
    record.ws.context_takeover =
        !session_.deflate || !(to_server ? session_.deflate->client_no_context_takeover
                                         : session_.deflate->server_no_context_takeover);
  }
  record.ws.masked = message.masked;
  record.ws.frames = message.frames;
  record.ws.wire_bytes = message.wire_bytes;
  record.ws.first_frame = message.first_frame;
  record.ws.handshake_seen = session_.handshake_seen;
  if (context_.limits.keep_ws_frames) {
    record.ws.frame_headers = message.frame_headers;
    record.ws.compressed_payload = message.compressed_payload;
  }
  // As char pointers: a copy between iterators of other byte types is a loop, not a memmove.
  const auto* payload = reinterpret_cast<const char*>(message.payload.data());
  record.bytes.assign(payload, payload + message.payload.size());
  if (session_.subprotocol_known) {
    work.subprotocol = session_.subprotocol;
    work.sip_subprotocol = iequals(session_.subprotocol, "sip");
  }
  work.options = context_.sip_options();
  context_.outlet.submit();
}

void WebSocketAnalyzer::on_ws_control(const WsControl& control) {
  ++context_.counters.websocket_control_frames;
  if (summary_ == nullptr) return;
  const auto d = static_cast<std::size_t>(control.direction);
  if (d > 1) return;
  switch (control.opcode) {
    case ws_opcode::ping:
      ++summary_->pings[d];
      break;
    case ws_opcode::pong:
      ++summary_->pongs[d];
      break;
    case ws_opcode::close: {
      WsCloseFrame& close = summary_->close[d];
      if (close.sent) break;  // a second Close is a protocol error, reported elsewhere
      close.sent = true;
      close.code = control.close_code;
      if (control.payload.size() > 2) {
        close.reason.assign(control.payload.begin() + 2, control.payload.end());
      }
      close.frame = control.frame;
      close.time = control.timestamp;
      if (summary_->closed_by == Direction::none) summary_->closed_by = control.direction;
      break;
    }
    default:
      break;
  }
}

// The HTTP upgrade.

WsUpgradeAnalyzer::WsUpgradeAnalyzer(AnalyzerContext& context, ConnectionChain& chain,
                                     const ConnectionCarrier& carrier)
    : context_(context), chain_(chain), carrier_(carrier) {}

void WsUpgradeAnalyzer::report(FindingId id, Direction direction, std::uint64_t frame,
                               std::string detail) {
  context_.findings.report(id, frame, carrier_.info.index, direction, std::move(detail));
}

void WsUpgradeAnalyzer::on_data(Direction direction, ByteView bytes, std::uint64_t frame,
                                TimeNs timestamp) {
  const auto d = static_cast<std::size_t>(direction);
  if (refused_) {
    if (direction == Direction::to_server && !refusal_reported_ &&
        plausible_ws_frame(bytes, direction)) {
      report(FindingId::ws_frame_after_refusal, direction, frame, "");
      refusal_reported_ = true;
    }
    return;
  }
  if (head_done_[d]) {
    if (direction == Direction::to_server &&
        pending_client_.size() + bytes.size() <= kMaxPendingClientBytes) {
      if (pending_client_.empty()) pending_time_ = timestamp;
      pending_client_.insert(pending_client_.end(), bytes.begin(), bytes.end());
      pending_frame_ = frame;
    }
    return;
  }
  std::size_t consumed = 0;
  const auto status = heads_[d].feed(bytes, consumed);
  if (status == HttpHeadParser::Status::need_more) return;
  if (status == HttpHeadParser::Status::error) {
    report(FindingId::http_malformed, direction, frame, heads_[d].error());
    chain_.replace(nullptr);
    return;
  }
  head_done_[d] = true;
  const HttpHead& head = heads_[d].head();
  const ByteView rest = bytes.subspan(consumed);
  if (head.is_request) {
    read_ws_request(head, handshake_);
    if (!handshake_.is_upgrade_request()) {
      chain_.replace(nullptr);  // plain HTTP: not followed
      return;
    }
    summarise(head);
    for (const auto& p : check_ws_request(head, handshake_))
      report(p.id, direction, frame, p.detail);
    if (!rest.empty()) on_data(direction, rest, frame, timestamp);  // sent ahead of the 101
    return;
  }
  read_ws_response(head, handshake_);
  if (handshake_.is_upgrade_request() ||
      (head.status == 101 && list_contains(head.joined("Upgrade"), "websocket"))) {
    summarise(head);
  }
  if (!handshake_.request_seen && head.status == 101 &&
      list_contains(head.joined("Upgrade"), "websocket")) {
    // The capture began between the request and its answer: the 101 alone tells enough
    // (subprotocol and extensions are in it); nothing about the request can be checked.
    start_websocket(frame, direction, rest, timestamp);
    return;
  }
  if (!handshake_.request_seen || !handshake_.is_upgrade_request()) {
    chain_.replace(nullptr);
    return;
  }
  if (head.status != 101) {
    report(FindingId::http_upgrade_refused, direction, frame,
           "status " + std::to_string(head.status));
    refused_ = true;
    if (!pending_client_.empty() && plausible_ws_frame(pending_client_, Direction::to_server)) {
      report(FindingId::ws_frame_after_refusal, Direction::to_server, pending_frame_, "");
      refusal_reported_ = true;
    }
    return;
  }
  for (const auto& p : check_ws_response(head, handshake_))
    report(p.id, direction, frame, p.detail);
  // By time, not by file order: captures from several interfaces are often not sorted.
  if (!pending_client_.empty() && pending_time_ < timestamp) {
    report(FindingId::ws_frame_before_handshake, Direction::to_server, pending_frame_,
           std::to_string(pending_client_.size()) + " bytes before the 101");
  }
  if (!handshake_.accept_valid) {
    report(FindingId::http_upgrade_accept_mismatch, direction, frame,
           "got '" + handshake_.accept + "', expected '" + ws_accept_for_key(handshake_.key) + "'");
  }
  start_websocket(frame, direction, rest, timestamp);
}

void WsUpgradeAnalyzer::summarise(const HttpHead& head) {
  WsConnectionSummary* s = context_.websockets.open(carrier_.info, carrier_.over_tls);
  if (s == nullptr) return;
  if (head.is_request) {
    s->request_seen = true;
    s->uri = head.target;
    s->host = head.field("Host");
    s->origin = head.field("Origin");
    s->user_agent = head.field("User-Agent");
    s->subprotocols_offered = handshake_.offered_protocols;
    s->extensions_offered = head.joined("Sec-WebSocket-Extensions");
  } else {
    s->status = head.status;
    s->subprotocol = head.field("Sec-WebSocket-Protocol");
    s->extensions = head.joined("Sec-WebSocket-Extensions");
    s->server_agent = head.field("Server");
  }
}

void WsUpgradeAnalyzer::start_websocket(std::uint64_t frame, Direction direction, ByteView rest,
                                        TimeNs timestamp) {
  ConnectionCarrier carrier = carrier_;
  carrier.handshake_last_frame = frame;
  WsSessionInfo session;
  session.handshake_seen = true;
  session.subprotocol_known = true;
  session.subprotocol = handshake_.protocol;
  session.deflate = handshake_.deflate;
  auto next = std::make_unique<WebSocketAnalyzer>(context_, carrier, std::move(session));
  WebSocketAnalyzer& websocket = *next;
  chain_.replace(std::move(next));  // this analyzer lives on until the chain's call returns
  if (!pending_client_.empty()) {
    const std::vector<std::uint8_t> early = std::move(pending_client_);
    websocket.on_early_client_data(early, pending_frame_, timestamp);
  }
  if (!rest.empty()) websocket.on_data(direction, rest, frame, timestamp);
}

}  // namespace sipws
