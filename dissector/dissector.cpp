#include "dissector/dissector.h"

#include <cassert>
#include <cstring>
#include <string>

#include "capture/bytes.h"
#include "dissector/http/http_head.h"
#include "dissector/sip/sip_rules.h"
#include "dissector/text.h"
#include "dissector/tls/tls_decryptor.h"
#include "dissector/websocket/ws_handshake.h"

namespace sipws {
namespace {

constexpr std::size_t kMaxPendingClientBytes = 64 * 1024;  // client bytes sent before the 101
constexpr std::size_t kMaxSniffBytes = 4096;  // bytes gathered to tell what a connection carries

// Does a WebSocket frame carrying SIP start here? Used to pick up connections whose handshake
// was not captured: text or binary, no RSV2/RSV3, masked exactly when sent by the client, a sane
// length, and a payload that starts like SIP (or is compressed, RSV1).
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

// Does any WebSocket frame plausibly start here (masked as its direction requires)?
bool plausible_frame(ByteView bytes, Direction direction) {
  WsFrameHeader h;
  if (parse_ws_frame_header(bytes, h) == 0) return false;
  const bool known = h.opcode <= ws_opcode::binary ||
                     (h.opcode >= ws_opcode::close && h.opcode <= ws_opcode::pong);
  return known && !h.rsv2 && !h.rsv3 && h.masked == (direction == Direction::to_server);
}

bool is_keepalive(std::string_view text) {
  for (char c : text) {
    if (c != '\r' && c != '\n') return false;
  }
  return true;
}

std::string_view as_text(ByteView b) {
  return std::string_view(reinterpret_cast<const char*>(b.data()), b.size());
}

}  // namespace

std::string_view transport_name(SipTransport transport) {
  switch (transport) {
    case SipTransport::udp:
      return "udp";
    case SipTransport::tcp:
      return "tcp";
    case SipTransport::ws:
      return "ws";
    case SipTransport::wss:
      return "wss";
    case SipTransport::tls:
      return "tls";
  }
  return "?";
}

// Follows one TCP connection: HTTP upgrade -> WebSocket -> SIP, or SIP over TCP.
class Dissector::TcpConnectionAnalyzer final : public StreamSink,
                                               public WsMessageSink,
                                               public TlsDecryptor::Output {
 public:
  // `over_tls`: this analyzer reads what a TLS decryptor opened (its records say wss or tls).
  TcpConnectionAnalyzer(Dissector& owner, const TcpConnectionInfo& info, bool over_tls = false)
      : owner_(owner), info_(info), over_tls_(over_tls) {}

  // TlsDecryptor::Output: decrypted application data, in order.
  void on_plaintext(Direction dir, ByteView bytes, std::uint64_t frame, TimeNs timestamp) override {
    tls_->inner->on_data(dir, bytes, 0, frame, timestamp);
  }

  void on_data(Direction dir, ByteView bytes, std::uint64_t offset, std::uint64_t frame,
               TimeNs timestamp) override {
    (void)offset;
    const auto d = static_cast<std::size_t>(dir);
    if (mode_ == Mode::unknown) {
      // Gather the first bytes until they say what this connection carries, then replay them
      // (the other direction's first, since they came earlier), each piece under the frame and
      // time that carried it: a message begun in an earlier segment starts at that segment.
      Buffers& b = buffers();
      b.sniff[d].insert(b.sniff[d].end(), bytes.begin(), bytes.end());
      b.sniff_pieces[d].push_back({frame, timestamp, b.sniff[d].size()});
      if (!classify(dir, b.sniff[d], frame)) return;
      Buffers sniffed;
      for (std::size_t i = 0; i < 2; ++i) {
        sniffed.sniff[i] = std::move(b.sniff[i]);
        sniffed.sniff_pieces[i] = std::move(b.sniff_pieces[i]);
        b.sniff[i].clear();
        b.sniff_pieces[i].clear();
      }
      replay(static_cast<Direction>(1 - d), sniffed);
      replay(dir, sniffed);
      return;
    }
    dispatch(dir, bytes, frame, timestamp);
  }

  void dispatch(Direction dir, ByteView bytes, std::uint64_t frame, TimeNs timestamp) {
    switch (mode_) {
      case Mode::unknown:
      case Mode::ignore:
        return;
      case Mode::refused:
        if (dir == Direction::to_server && !refusal_reported_ && plausible_frame(bytes, dir)) {
          report(FindingId::ws_frame_after_refusal, dir, frame, "");
          refusal_reported_ = true;
        }
        return;
      case Mode::http:
        http(dir, bytes, frame, timestamp);
        return;
      case Mode::websocket:
        websocket(dir, bytes, frame, timestamp);
        return;
      case Mode::sip_tcp:
        sip_stream(static_cast<std::size_t>(dir), bytes, frame, timestamp);
        return;
      case Mode::tls:
        last_frame_ = frame;
        tls_->decryptor.on_data(dir, bytes, frame, timestamp);
        return;
    }
  }

  void on_gap(Direction dir, std::uint64_t offset, std::uint64_t length) override {
    (void)offset;
    const auto d = static_cast<std::size_t>(dir);
    if (mode_ == Mode::websocket && ws_[d]) {
      if (!lost_[d] && !ws_[d]->on_gap(length, last_frame_)) {
        lost_[d] = true;
        report(FindingId::ws_stream_desync, dir, last_frame_,
               std::to_string(length) + " bytes lost between frames");
      }
    } else if (mode_ == Mode::sip_tcp) {
      buffers().stream[d].clear();
      resync_sip_[d] = true;
    } else if (mode_ == Mode::tls) {
      tls_->decryptor.on_gap(dir, last_frame_);
    }
  }

  // Nothing more will come: release what the connection held (zlib windows are 32 KiB a
  // direction), though the analyzer itself lives until the flow table forgets the connection.
  void on_close(CloseReason reason) override {
    if (tls_) {
      tls_->decryptor.on_end(last_frame_);
      tls_->inner->on_close(reason);
      tls_.reset();
    }
    for (std::size_t d = 0; d < 2; ++d) {
      if (ws_[d]) ws_[d]->on_end(last_frame_);
      ws_[d].reset();
    }
    buffers_.reset();
    http_.reset();
    mode_ = Mode::ignore;
  }

  void on_ws_message(WsMessage& message) override {
    ++owner_.mutable_counters().websocket_messages;
    if (message.incomplete) return;
    // Parsed by the second half (Dissector::process_websocket), with what it needs to know of
    // this connection.
    SipWork& work = owner_.next_work(SipWork::Kind::websocket_message);
    fill_carrier(work.record, message);
    // As char pointers: a copy between iterators of other byte types is a loop, not a memmove.
    const auto* payload = reinterpret_cast<const char*>(message.payload.data());
    work.record.bytes.assign(payload, payload + message.payload.size());
    if (http_) {
      work.subprotocol = http_->handshake.protocol;
      work.sip_subprotocol = iequals(http_->handshake.protocol, "sip");
    }
    work.options = owner_.sip_options();
    owner_.submit();
  }

  void on_ws_control(const WsControl&) override {
    ++owner_.mutable_counters().websocket_control_frames;
  }

 private:
  enum class Mode { unknown, http, websocket, sip_tcp, tls, refused, ignore };

  // A TLS record header: handshake (a ClientHello to the server, a ServerHello to the client)
  // or application data on a connection picked up mid-stream.
  static bool looks_like_tls(ByteView b, Direction dir) {
    if (b.size() < 6 || b[1] != 3 || b[2] > 4) return false;
    const std::size_t length = static_cast<std::size_t>(b[3]) << 8 | b[4];
    if (length == 0 || length > 16384 + 2048) return false;
    if (b[0] == 22) return b[5] == (dir == Direction::to_server ? 1 : 2);
    return b[0] == 23 && b[2] >= 1;
  }

  void report(FindingId id, Direction dir, std::uint64_t frame, std::string detail) {
    owner_.findings().report(id, frame, info_.index, dir, std::move(detail));
  }

  // Decides what the connection carries from the first bytes of one direction; false while
  // they cannot tell yet.
  bool classify(Direction dir, ByteView bytes, std::uint64_t frame) {
    const std::string_view text = as_text(bytes);
    const auto starts = [&text](std::string_view prefix) {
      return text.substr(0, prefix.size()) ==
             prefix.substr(0, std::min(prefix.size(), text.size()));
    };
    if (dir == Direction::to_server && starts("GET ")) {
      if (text.size() < 4) return false;
      mode_ = Mode::http;
      http_ = std::make_unique<HttpState>();
      return true;
    }
    if (dir == Direction::to_client && starts("HTTP/1.")) {
      if (text.size() < 7) return false;
      mode_ = Mode::http;
      http_ = std::make_unique<HttpState>();
      return true;
    }
    if (!over_tls_ && looks_like_tls(bytes, dir)) {
      mode_ = Mode::tls;
      tls_ = std::make_unique<TlsState>(owner_, info_, *this);
      return true;
    }
    const std::size_t newline = text.find('\n');
    if (newline != std::string_view::npos &&
        looks_like_sip(text.substr(0, std::min<std::size_t>(text.size(), 4096)))) {
      mode_ = Mode::sip_tcp;
      ++owner_.mutable_counters().sip_tcp_connections;
      return true;
    }
    if (plausible_sip_frame(bytes, dir)) {
      start_websocket(false);
      report(FindingId::ws_handshake_not_seen, dir, frame, "picked up from SIP carried in frames");
      return true;
    }
    // Too short to tell, or a first line still arriving: wait (within a bound).
    bool printable = true;
    for (char c : text.substr(0, 256)) {
      if (static_cast<unsigned char>(c) < 0x20 && c != '\r' && c != '\n' && c != '\t')
        printable = false;
    }
    const bool undecided = text.size() < 24 || (printable && newline == std::string_view::npos);
    if (undecided && text.size() < kMaxSniffBytes) return false;
    mode_ = Mode::ignore;  // plain HTTP without upgrade, anything else
    return true;
  }

  void start_websocket(bool handshake_seen) {
    mode_ = Mode::websocket;
    handshake_seen_ = handshake_seen;
    ++owner_.mutable_counters().websocket_connections;
    for (std::size_t d = 0; d < 2; ++d) {
      ws_[d] = std::make_unique<WsMessageAssembler>(
          static_cast<Direction>(d), info_.index, http_ ? http_->handshake.deflate : std::nullopt,
          *this, owner_.findings(), owner_.limits().websocket, &owner_.inflate_budget());
    }
  }

  void http(Direction dir, ByteView bytes, std::uint64_t frame, TimeNs timestamp) {
    const auto d = static_cast<std::size_t>(dir);
    if (http_->head_done[d]) {
      if (dir == Direction::to_server &&
          http_->pending_client.size() + bytes.size() <= kMaxPendingClientBytes) {
        if (http_->pending_client.empty()) http_->pending_time = timestamp;
        http_->pending_client.insert(http_->pending_client.end(), bytes.begin(), bytes.end());
        http_->pending_frame = frame;
      }
      return;
    }
    std::size_t consumed = 0;
    const auto status = http_->heads[d].feed(bytes, consumed);
    if (status == HttpHeadParser::Status::need_more) return;
    if (status == HttpHeadParser::Status::error) {
      report(FindingId::http_malformed, dir, frame, http_->heads[d].error());
      mode_ = Mode::ignore;
      return;
    }
    http_->head_done[d] = true;
    const HttpHead& head = http_->heads[d].head();
    ByteView rest = bytes.subspan(consumed);
    if (head.is_request) {
      read_ws_request(head, http_->handshake);
      if (!http_->handshake.is_upgrade_request()) {
        mode_ = Mode::ignore;  // plain HTTP: not followed
        return;
      }
      for (const auto& p : check_ws_request(head, http_->handshake))
        report(p.id, dir, frame, p.detail);
      if (!rest.empty()) http(dir, rest, frame, timestamp);  // bytes sent ahead of the 101
      return;
    }
    read_ws_response(head, http_->handshake);
    if (!http_->handshake.request_seen && head.status == 101 &&
        list_contains(head.joined("Upgrade"), "websocket")) {
      // The capture began between the request and its answer: the 101 alone tells enough
      // (subprotocol and extensions are in it); nothing about the request can be checked.
      handshake_last_frame_ = frame;
      start_websocket(true);
      if (!rest.empty()) websocket(dir, rest, frame, timestamp);
      return;
    }
    if (!http_->handshake.request_seen || !http_->handshake.is_upgrade_request()) {
      mode_ = Mode::ignore;
      return;
    }
    if (head.status != 101) {
      report(FindingId::http_upgrade_refused, dir, frame, "status " + std::to_string(head.status));
      mode_ = Mode::refused;
      if (!http_->pending_client.empty() &&
          plausible_frame(http_->pending_client, Direction::to_server)) {
        report(FindingId::ws_frame_after_refusal, Direction::to_server, http_->pending_frame, "");
        refusal_reported_ = true;
      }
      return;
    }
    for (const auto& p : check_ws_response(head, http_->handshake))
      report(p.id, dir, frame, p.detail);
    // By time, not by file order: captures from several interfaces are often not sorted.
    if (!http_->pending_client.empty() && http_->pending_time < timestamp) {
      report(FindingId::ws_frame_before_handshake, Direction::to_server, http_->pending_frame,
             std::to_string(http_->pending_client.size()) + " bytes before the 101");
    }
    if (!http_->handshake.accept_valid) {
      report(FindingId::http_upgrade_accept_mismatch, dir, frame,
             "got '" + http_->handshake.accept + "', expected '" +
                 ws_accept_for_key(http_->handshake.key) + "'");
    }
    handshake_last_frame_ = frame;
    start_websocket(true);
    if (!http_->pending_client.empty()) {
      std::vector<std::uint8_t> early = std::move(http_->pending_client);
      ws_[0]->on_data(early, http_->pending_frame, timestamp);
    }
    if (!rest.empty()) websocket(dir, rest, frame, timestamp);
  }

  void websocket(Direction dir, ByteView bytes, std::uint64_t frame, TimeNs timestamp) {
    const auto d = static_cast<std::size_t>(dir);
    last_frame_ = frame;
    last_time_ = timestamp;
    if (lost_[d]) {
      // Look for a plausible frame start to pick the stream up again.
      std::size_t found = bytes.size();
      for (std::size_t i = 0; i + 2 <= bytes.size(); ++i) {
        if (plausible_sip_frame(bytes.subspan(i), dir)) {
          found = i;
          break;
        }
      }
      if (found == bytes.size()) return;
      lost_[d] = false;
      ws_[d]->resync();
      bytes = bytes.subspan(found);
    }
    const std::uint64_t before = ws_[d]->frames_seen();
    ws_[d]->on_data(bytes, frame, timestamp);
    owner_.mutable_counters().websocket_frames += ws_[d]->frames_seen() - before;
  }

  void sip_stream(std::size_t d, ByteView bytes, std::uint64_t frame, TimeNs timestamp) {
    std::vector<char>& buffer = buffers().stream[d];
    if (buffer.empty()) stream_first_frame_[d] = frame;
    const auto* arrived = reinterpret_cast<const char*>(bytes.data());
    buffer.insert(buffer.end(), arrived, arrived + bytes.size());
    for (;;) {
      if (resync_sip_[d]) {
        // After a gap, wait for a line that starts a SIP message.
        std::string_view text(buffer.data(), buffer.size());
        std::size_t pos = 0;
        bool found = false;
        while (pos < text.size()) {
          if (looks_like_sip(text.substr(pos, 2048)) &&
              text.find('\n', pos) != std::string_view::npos) {
            found = true;
            break;
          }
          const std::size_t nl = text.find('\n', pos);
          if (nl == std::string_view::npos) break;
          pos = nl + 1;
        }
        buffer.erase(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(pos));
        if (!found) return;
        resync_sip_[d] = false;
      }
      std::string_view text(buffer.data(), buffer.size());
      SipMessage& probe = owner_.probe_message();
      SipParseOptions options = owner_.sip_options();
      options.stream = true;
      options.parse_sdp = false;  // only framing is wanted from this first parse
      const SipParseResult r = parse_sip_message(text, probe, options);
      if (r.status == SipParseStatus::incomplete) {
        buffer.erase(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(r.consumed));
        if (probe.content_length && *probe.content_length > owner_.limits().max_sip_stream_buffer) {
          // A body larger than we keep will never be framed: say so now and look for the next
          // message instead of waiting for it.
          report(FindingId::limit_sip_message_bytes, static_cast<Direction>(d), frame,
                 "Content-Length " + std::to_string(*probe.content_length));
          const std::string_view held(buffer.data(), buffer.size());
          const std::size_t nl = held.find('\n');
          buffer.erase(buffer.begin(), nl == std::string_view::npos
                                           ? buffer.end()
                                           : buffer.begin() + static_cast<std::ptrdiff_t>(nl + 1));
          resync_sip_[d] = true;
          continue;
        }
        if (buffer.size() > owner_.limits().max_sip_stream_buffer) {
          report(FindingId::limit_sip_message_bytes, static_cast<Direction>(d), frame,
                 std::to_string(buffer.size()) + " bytes without a complete message");
          buffer.clear();
          resync_sip_[d] = true;
        }
        return;
      }
      if (r.status != SipParseStatus::ok) {
        resync_sip_[d] = true;
        const std::size_t nl = text.find('\n');
        buffer.erase(buffer.begin(), nl == std::string_view::npos
                                         ? buffer.end()
                                         : buffer.begin() + static_cast<std::ptrdiff_t>(nl + 1));
        continue;
      }
      SipWork& work = owner_.next_work(SipWork::Kind::stream_message);
      SipMessageRecord& record = work.record;
      record.transport = over_tls_ ? SipTransport::tls : SipTransport::tcp;
      record.direction = static_cast<Direction>(d);
      record.frame = frame;
      record.first_frame = stream_first_frame_[d];
      record.timestamp = timestamp;
      set_endpoints(record);
      std::size_t skip = 0;
      while (skip < text.size() && (text[skip] == '\r' || text[skip] == '\n')) ++skip;
      record.bytes.assign(text.begin() + static_cast<std::ptrdiff_t>(skip),
                          text.begin() + static_cast<std::ptrdiff_t>(r.consumed));
      options.parse_sdp = owner_.sip_options().parse_sdp;
      work.options = options;
      owner_.submit();
      buffer.erase(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(r.consumed));
      stream_first_frame_[d] = frame;  // what is left arrived with this frame at the latest
    }
  }

  void set_endpoints(SipMessageRecord& record) const {
    const bool up = record.direction == Direction::to_server;
    record.src = up ? info_.client : info_.server;
    record.dst = up ? info_.server : info_.client;
    record.connection = info_.index;
    record.connection_first_frame = info_.first_frame;
    record.handshake_last_frame = handshake_last_frame_;
  }

  void fill_carrier(SipMessageRecord& record, const WsMessage& m) const {
    record.transport = over_tls_ ? SipTransport::wss : SipTransport::ws;
    record.direction = m.direction;
    record.frame = m.last_frame;
    record.first_frame = m.first_frame;
    record.timestamp = m.timestamp;
    set_endpoints(record);
    record.ws.opcode = m.opcode;
    record.ws.compressed = m.compressed;
    record.ws.masked = m.masked;
    record.ws.frames = m.frames;
    record.ws.wire_bytes = m.wire_bytes;
    record.ws.first_frame = m.first_frame;
    record.ws.handshake_seen = handshake_seen_;
    if (owner_.limits().keep_ws_frames) {
      record.ws.frame_headers = m.frame_headers;
      record.ws.compressed_payload = m.compressed_payload;
    }
  }

  Dissector& owner_;
  TcpConnectionInfo info_;
  Mode mode_ = Mode::unknown;
  // What only an HTTP connection needs, allocated when one is seen: most connections of a busy
  // capture never get that far, and 200,000 idle ones must stay cheap.
  struct HttpState {
    HttpHeadParser heads[2];
    bool head_done[2] = {false, false};
    WsHandshake handshake;
    std::vector<std::uint8_t> pending_client;  // client bytes sent before the 101
    std::uint64_t pending_frame = 0;
    TimeNs pending_time = 0;
  };
  std::unique_ptr<HttpState> http_;
  bool handshake_seen_ = true;
  std::unique_ptr<WsMessageAssembler> ws_[2];
  bool lost_[2] = {false, false};
  // Byte buffers, allocated with the first data: SIP over TCP awaiting framing, and the first
  // bytes gathered to classify the connection.
  struct SniffedPiece {
    std::uint64_t frame;
    TimeNs timestamp;
    std::size_t end;  // in sniff[d]
  };
  struct Buffers {
    std::vector<char> stream[2];
    std::vector<std::uint8_t> sniff[2];
    std::vector<SniffedPiece> sniff_pieces[2];
  };
  std::unique_ptr<Buffers> buffers_;
  Buffers& buffers() {
    if (!buffers_) buffers_ = std::make_unique<Buffers>();
    return *buffers_;
  }
  void replay(Direction dir, const Buffers& sniffed) {
    const auto d = static_cast<std::size_t>(dir);
    const ByteView all = sniffed.sniff[d];
    std::size_t begin = 0;
    for (const SniffedPiece& piece : sniffed.sniff_pieces[d]) {
      if (piece.end > begin) {
        dispatch(dir, all.subspan(begin, piece.end - begin), piece.frame, piece.timestamp);
      }
      begin = piece.end;
    }
  }

  bool resync_sip_[2] = {false, false};
  std::uint64_t last_frame_ = 0;
  TimeNs last_time_ = 0;
  std::uint64_t handshake_last_frame_ = 0;
  std::uint64_t stream_first_frame_[2] = {0, 0};
  bool refusal_reported_ = false;
  bool over_tls_ = false;
  // A TLS connection: the decryptor and, behind it, an analyzer of the plaintext.
  struct TlsState {
    TlsState(Dissector& owner, const TcpConnectionInfo& info, TcpConnectionAnalyzer& outer)
        : inner(std::make_unique<TcpConnectionAnalyzer>(owner, info, true)),
          decryptor(owner.key_log(), outer, owner.findings(), info.index) {}
    std::unique_ptr<TcpConnectionAnalyzer> inner;
    TlsDecryptor decryptor;
  };
  std::unique_ptr<TlsState> tls_;
};

// With sip_thread, the first half's findings travel in line with its messages.
class Dissector::QueuedFindings final : public FindingSink {
 public:
  explicit QueuedFindings(Dissector& owner) : owner_(owner) {}
  using FindingSink::report;
  void report(Finding finding) override {
    owner_.next_work(SipWork::Kind::finding).finding = std::move(finding);
    owner_.submit();
  }

 private:
  Dissector& owner_;
};

namespace {
// Work items per batch handed to the second thread, and batches at most: enough to keep both
// threads busy, little enough that the queue holds a few megabytes at most. A batch also goes
// when its messages reach kBatchBytes, so that big messages (up to ws_message_bytes each) do not
// pile up: in flight are at most kMaxBatches x (kBatchBytes + one message).
constexpr std::size_t kBatchItems = 64;
constexpr std::size_t kMaxBatches = 4;
constexpr std::size_t kBatchBytes = 1 << 20;
}  // namespace

Dissector::Dissector(SipMessageSink& messages, FindingSink& findings, DissectorLimits limits)
    : messages_(messages), findings_(findings), limits_(limits), upstream_findings_(&findings) {
  limits_.websocket.keep_frames = limits_.keep_ws_frames;
  inflate_budget_.limit = limits_.websocket.max_inflate_contexts;
  // Checked by the front end before: a file that cannot be read here decrypts nothing.
  std::string ignored;
  if (!limits_.tls_key_log.empty()) key_log_.load_file(limits_.tls_key_log, ignored);
  if (limits_.sip_thread) {
    queued_findings_ = std::make_unique<QueuedFindings>(*this);
    upstream_findings_ = queued_findings_.get();
    worker_ = std::thread([this] { run_worker(); });
  }
}

Dissector::~Dissector() {
  if (worker_.joinable()) {
    drain();
    {
      std::lock_guard lock(queue_mutex_);
      stopping_ = true;
    }
    queue_changed_.notify_all();
    worker_.join();
  }
}

StreamSink* Dissector::on_tcp_open(const TcpConnectionInfo& info) {
  auto& slot = connections_[info.index];
  slot = std::make_unique<TcpConnectionAnalyzer>(*this, info);
  return slot.get();
}

void Dissector::on_tcp_summary(const TcpConnectionSummary& summary) {
  connections_.erase(summary.info.index);
  next_work(SipWork::Kind::connection_end).record.connection = summary.info.index;
  submit();
}

void Dissector::on_udp_datagram(const UdpFlowInfo& flow, const UdpDatagram& datagram) {
  const std::string_view text = as_text(datagram.payload);
  if (!looks_like_sip(text.substr(0, std::min<std::size_t>(text.size(), 2048)))) return;
  SipWork& work = next_work(SipWork::Kind::datagram);
  SipMessageRecord& record = work.record;
  record.transport = SipTransport::udp;
  record.direction = datagram.direction;
  record.frame = datagram.frame;
  record.first_frame = datagram.first_frame;
  record.timestamp = datagram.timestamp;
  const bool up = datagram.direction == Direction::to_server;
  record.src = up ? flow.client : flow.server;
  record.dst = up ? flow.server : flow.client;
  record.connection = flow.index;
  record.bytes.assign(text.begin(), text.end());
  work.options = sip_options();
  submit();
}

namespace {

// A buffer kept for the next message up to this size; a larger one is given back (the queue
// holds 256 work items: what they keep between messages stays under 4 MiB).
constexpr std::size_t kReusedBufferBytes = 16 * 1024;

// Where and how a message travelled: every field of a record but its index, bytes and parse.
void copy_carrier(SipMessageRecord& to, const SipMessageRecord& from) {
  to.frame = from.frame;
  to.first_frame = from.first_frame;
  to.connection_first_frame = from.connection_first_frame;
  to.handshake_last_frame = from.handshake_last_frame;
  to.timestamp = from.timestamp;
  to.src = from.src;
  to.dst = from.dst;
  to.transport = from.transport;
  to.connection = from.connection;
  to.direction = from.direction;
  to.ws = from.ws;
}

// Every field set anew, the buffers emptied with their capacity kept (unless a large message
// grew them: then they are given back).
void reset_record(SipMessageRecord& r) {
  r.index = 0;
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
  r.ws.masked = false;
  r.ws.frames = 0;
  r.ws.wire_bytes = 0;
  r.ws.first_frame = 0;
  r.ws.handshake_seen = true;
  clear_for_reuse(r.ws.frame_headers, kReusedBufferBytes);
  clear_for_reuse(r.ws.compressed_payload, kReusedBufferBytes);
  clear_for_reuse(r.bytes, kReusedBufferBytes);
  r.sip.reset();
}

}  // namespace

SipWork& Dissector::next_work(SipWork::Kind kind) {
  // One item at a time: nothing may report (a finding is an item too) between next_work and
  // submit, or the two would share a slot.
  assert(!work_open_);
  work_open_ = true;
  SipWork* work = &inline_work_;
  if (limits_.sip_thread) {
    if (filling_ == nullptr) {
      std::unique_lock lock(queue_mutex_);
      queue_changed_.wait(lock,
                          [this] { return !empty_.empty() || batches_.size() < kMaxBatches; });
      if (!empty_.empty()) {
        filling_ = empty_.back();
        empty_.pop_back();
      } else {
        batches_.push_back(std::make_unique<Batch>());
        filling_ = batches_.back().get();
      }
    }
    if (filling_->used == filling_->items.size()) filling_->items.emplace_back();
    work = &filling_->items[filling_->used];
  }
  work->kind = kind;
  reset_record(work->record);
  work->options = {};
  work->sip_subprotocol = false;
  work->subprotocol.clear();
  return *work;
}

void Dissector::submit() {
  assert(work_open_);
  work_open_ = false;
  if (!limits_.sip_thread) {
    process(inline_work_);
    return;
  }
  filling_->bytes += filling_->items[filling_->used].record.bytes.size();
  if (++filling_->used < kBatchItems && filling_->bytes < kBatchBytes) return;
  {
    std::lock_guard lock(queue_mutex_);
    full_.push_back(filling_);
    ++in_flight_;
  }
  filling_ = nullptr;
  queue_changed_.notify_all();
}

void Dissector::drain() {
  if (!limits_.sip_thread) return;
  std::unique_lock lock(queue_mutex_);
  if (filling_ != nullptr && filling_->used > 0) {
    full_.push_back(filling_);
    ++in_flight_;
    filling_ = nullptr;
    queue_changed_.notify_all();
  }
  queue_changed_.wait(lock, [this] { return in_flight_ == 0; });
}

void Dissector::run_worker() {
  for (;;) {
    Batch* batch = nullptr;
    {
      std::unique_lock lock(queue_mutex_);
      queue_changed_.wait(lock, [this] { return !full_.empty() || stopping_; });
      if (full_.empty()) return;  // stopping, and nothing left
      batch = full_.front();
      full_.pop_front();
    }
    for (std::size_t i = 0; i < batch->used; ++i) process(batch->items[i]);
    {
      std::lock_guard lock(queue_mutex_);
      batch->used = 0;
      batch->bytes = 0;
      empty_.push_back(batch);
      --in_flight_;
    }
    queue_changed_.notify_all();
  }
}

void Dissector::process(SipWork& work) {
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

void Dissector::process_websocket(SipWork& work) {
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
  reset_record(rest_carrier_);
  copy_carrier(rest_carrier_, first);
  first.bytes.resize(r.consumed);
  emit(first, work);
  SipMessageRecord& next = rest_record_;
  std::string_view text(rest_.data(), rest_.size());
  for (int count = 1; !text.empty(); ++count) {
    reset_record(next);
    copy_carrier(next, rest_carrier_);
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

void Dissector::report(const SipMessageRecord& record, FindingId id, std::string detail) {
  findings_.report(id, record.frame, record.connection, record.direction, std::move(detail));
}

void Dissector::emit(SipMessageRecord& record, const SipWork& work) {
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
