#include "dissector/dissector.h"

#include <algorithm>
#include <cassert>
#include <string>

#include "capture/bytes.h"
#include "dissector/sniffer.h"
#include "dissector/text.h"

namespace sipws {

std::string_view transport_name(SipTransport transport) {
  for (const SipTransportName& t : kSipTransportNames) {
    if (t.transport == transport) return t.name;
  }
  return "?";
}

std::optional<SipTransport> transport_named(std::string_view name) {
  for (const SipTransportName& t : kSipTransportNames) {
    if (iequals(t.name, name)) return t.transport;
  }
  return std::nullopt;
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
    : limits_(limits), upstream_findings_(&findings), sip_stage_(messages, findings, counters_) {
  limits_.websocket.keep_frames = limits_.keep_ws_frames;
  inflate_budget_.limit = limits_.websocket.max_inflate_contexts;
  // Checked by the front end before: a file that cannot be read here decrypts nothing.
  std::string ignored;
  if (!limits_.tls_key_log.empty()) key_log_.load_file(limits_.tls_key_log, ignored);
  if (limits_.sip_thread) {
    queued_findings_ = std::make_unique<QueuedFindings>(*this);
    upstream_findings_ = queued_findings_.get();
    BatchHandoffLimits handoff_limits;
    handoff_limits.consumer_lock = limits_.sip_stage_lock;
    handoff_limits.producer_idle_work = limits_.reader_idle_work;
    handoff_ = std::make_unique<BatchHandoff<SipWork>>(
        [this](SipWork& work) { sip_stage_.process(work); }, handoff_limits);
  }
  context_ = std::make_unique<AnalyzerContext>(
      AnalyzerContext{*this, *upstream_findings_, limits_, counters_, inflate_budget_, key_log_,
                      probe_, datagram_observer_, websockets_});
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
  websockets_.on_tcp_end(summary);
  next_work(SipWork::Kind::connection_end).record.connection = summary.info.index;
  submit();
}

void Dissector::on_udp_datagram(const UdpFlowInfo& flow, const UdpDatagram& datagram) {
  const std::string_view text(reinterpret_cast<const char*>(datagram.payload.data()),
                              datagram.payload.size());
  if (!looks_like_sip(text.substr(0, std::min<std::size_t>(text.size(), 2048)))) {
    if (datagram_observer_ != nullptr) {
      datagram_observer_->on_datagram(flow, datagram, classify_non_sip_datagram(datagram.payload));
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

void Dissector::on_message(const CarriedMessage& message) {
  const std::optional<SipTransport> transport = transport_named(message.transport);
  if (!transport) return;  // a carrier SIP has no transport for: not SIP
  SipCarrier carrier;
  carrier.transport = *transport;
  carrier.src = message.src;
  carrier.dst = message.dst;
  carrier.direction = message.direction;
  carrier.connection = message.flow;
  carrier.frame = message.frame;
  carrier.first_frame = message.first_frame;
  carrier.timestamp = message.timestamp;
  on_carried_message(carrier, message.payload);
}

void Dissector::on_carried_message(const SipCarrier& carrier, ByteView payload) {
  SipWork& work = next_work(SipWork::Kind::datagram);
  static_cast<SipCarrier&>(work.record) = carrier;
  const auto* text = reinterpret_cast<const char*>(payload.data());
  work.record.bytes.assign(text, text + payload.size());
  work.options = context_->sip_options();
  submit();
}

SipWork& Dissector::next_work(SipWork::Kind kind) {
  // One item at a time: nothing may report (a finding is an item too) between next_work and
  // submit, or the two would share a slot.
  assert(!work_open_);
  work_open_ = true;
  SipWork* work = handoff_ ? &handoff_->next() : &inline_work_;
  work->kind = kind;
  reset_for_reuse(work->record);
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
    sip_stage_.process(inline_work_);
  }
}

void Dissector::drain() {
  if (handoff_) handoff_->drain();
}

}  // namespace sipws
