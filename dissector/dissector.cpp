#include "dissector/dissector.h"

#include <algorithm>
#include <cassert>
#include <string>

#include "capture/bytes.h"
#include "dissector/sip/sip_rules.h"
#include "dissector/sniffer.h"

namespace sipws {
namespace {

bool is_keepalive(std::string_view text) {
  for (char c : text) {
    if (c != '\r' && c != '\n') return false;
  }
  return true;
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
    handoff_ = std::make_unique<BatchHandoff<SipWork>>([this](SipWork& work) { process(work); });
  }
  context_ = std::make_unique<AnalyzerContext>(AnalyzerContext{
      *this, *upstream_findings_, limits_, counters_, inflate_budget_, key_log_, probe_});
}

Dissector::~Dissector() {
  handoff_.reset();  // finishes the work handed over, while what it refers to is still here
}

StreamSink* Dissector::on_tcp_open(const TcpConnectionInfo& info) {
  auto& chain = connections_[info.index];
  chain = std::make_unique<ConnectionChain>();
  ConnectionCarrier carrier;
  carrier.info = info;
  chain->replace(std::make_unique<Sniffer>(*context_, *chain, carrier));
  return chain.get();
}

void Dissector::on_tcp_summary(const TcpConnectionSummary& summary) {
  connections_.erase(summary.info.index);
  next_work(SipWork::Kind::connection_end).record.connection = summary.info.index;
  submit();
}

void Dissector::on_udp_datagram(const UdpFlowInfo& flow, const UdpDatagram& datagram) {
  const std::string_view text(reinterpret_cast<const char*>(datagram.payload.data()),
                              datagram.payload.size());
  if (!looks_like_sip(text.substr(0, std::min<std::size_t>(text.size(), 2048)))) {
    if (datagram_observer_ != nullptr) {
      datagram_observer_->on_datagram(flow, datagram, classify_datagram(datagram.payload));
    }
    return;
  }
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
  work.options = context_->sip_options();
  submit();
}

void Dissector::on_carried_message(const SipCarrier& carrier, ByteView payload) {
  SipWork& work = next_work(SipWork::Kind::datagram);
  static_cast<SipCarrier&>(work.record) = carrier;
  const auto* text = reinterpret_cast<const char*>(payload.data());
  work.record.bytes.assign(text, text + payload.size());
  work.options = context_->sip_options();
  submit();
}

namespace {

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
  r.ws.masked = false;
  r.ws.frames = 0;
  r.ws.wire_bytes = 0;
  r.ws.first_frame = 0;
  r.ws.handshake_seen = true;
  clear_for_reuse(r.ws.frame_headers, kReusedBufferBytes);
  clear_for_reuse(r.ws.compressed_payload, kReusedBufferBytes);
}

void reset_record(SipMessageRecord& r) {
  reset_carrier(r);
  r.index = 0;
  clear_for_reuse(r.bytes, kReusedBufferBytes);
  r.sip.reset();
}

}  // namespace

SipWork& Dissector::next_work(SipWork::Kind kind) {
  // One item at a time: nothing may report (a finding is an item too) between next_work and
  // submit, or the two would share a slot.
  assert(!work_open_);
  work_open_ = true;
  SipWork* work = handoff_ ? &handoff_->next() : &inline_work_;
  work->kind = kind;
  reset_record(work->record);
  work->options = {};
  work->sip_subprotocol = false;
  work->subprotocol.clear();
  open_work_ = work;
  return *work;
}

void Dissector::submit() {
  assert(work_open_);
  work_open_ = false;
  if (handoff_) {
    handoff_->submit(open_work_->record.bytes.size());
  } else {
    process(inline_work_);
  }
}

void Dissector::drain() {
  if (handoff_) handoff_->drain();
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
  rest_carrier_ = first;  // the carrier part: every further message came the same way
  first.bytes.resize(r.consumed);
  emit(first, work);
  SipMessageRecord& next = rest_record_;
  std::string_view text(rest_.data(), rest_.size());
  for (int count = 1; !text.empty(); ++count) {
    reset_record(next);
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
