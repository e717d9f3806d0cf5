#include "session/live_analysis.h"

namespace sipws {

LiveAnalysis::LiveAnalysis(const AnalysisLimits& limits, FindingSink& findings,
                           MessageObserver on_message, LiveCallObserver* calls)
    : limits_(one_thread(limits)),
      on_message_(std::move(on_message)),
      calls_(limits_.live_calls, findings, calls),
      dissector_(*this, findings, limits_.dissector),
      pipeline_(dissector_, dissector_.findings(), limits_.capture) {
  if (limits_.media) {
    dissector_.set_datagram_observer(&media_);
    calls_.set_media(&media_);
  }
}

void LiveAnalysis::on_packet(const RawPacket& packet) {
  pipeline_.on_packet(packet);
  calls_.advance(packet.timestamp);
}

bool LiveAnalysis::on_carried_message(const SipCarrier& carrier, ByteView payload) {
  const std::uint64_t before = messages_;
  dissector_.on_carried_message(carrier, payload);
  return messages_ > before;
}

void LiveAnalysis::on_sip_message(SipMessageRecord&& record) {
  ++messages_;
  if (on_message_) on_message_(record);
  calls_.on_sip_message(std::move(record));
}

void LiveAnalysis::finish() {
  if (finished_) return;
  finished_ = true;
  pipeline_.finish();
  dissector_.drain();
  calls_.finish();
}

}  // namespace sipws
