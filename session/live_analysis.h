#pragma once
// The analysis of a source that does not end: a live capture (`live`, the GUI's capture, a
// terminal UI) or HEP from agents (`listen`). The same pipeline as a file's (capture layer,
// analyzer chains, the SIP stage with its per-message rules and numbering), with calls kept in
// bounded memory by LiveCalls, which runs the rules across a call's messages as the call
// leaves. Each message is shown to an observer as it completes; findings go to one sink.

#include <cstdint>
#include <functional>

#include "calls/live_calls.h"
#include "capture/capture_pipeline.h"
#include "dissector/dissector.h"
#include "session/analysis.h"

namespace sipws {

class LiveAnalysis final : private SipMessageSink {
 public:
  using MessageObserver = std::function<void(const SipMessageRecord&)>;
  // `limits.dissector.sip_thread` is ignored: a message is shown as soon as its packet is in.
  LiveAnalysis(const AnalysisLimits& limits, FindingSink& findings,
               MessageObserver on_message = nullptr, LiveCallObserver* calls = nullptr);
  LiveAnalysis(const LiveAnalysis&) = delete;
  LiveAnalysis& operator=(const LiveAnalysis&) = delete;

  void on_packet(const RawPacket& packet);
  // A SIP message that arrived without a packet around it (a HEP payload), with the carrier it
  // describes: parsed, checked and numbered by the same SIP stage. False when it is not SIP.
  bool on_carried_message(const SipCarrier& carrier, ByteView payload);
  // End of input: flows closed, every call checked and forgotten.
  void finish();

  TlsKeyLog& key_log() { return dissector_.key_log(); }
  // Every datagram that is not SIP, classified. The analysis's own media tracker listens there
  // when limits.media is set; another observer replaces it.
  void set_datagram_observer(DatagramObserver* observer) {
    dissector_.set_datagram_observer(observer);
  }
  const DissectorCounters& counters() const { return dissector_.counters(); }
  const LiveCalls& calls() const { return calls_; }
  std::uint64_t messages() const { return messages_; }

 private:
  void on_sip_message(SipMessageRecord&& record) override;
  static AnalysisLimits one_thread(AnalysisLimits limits) {
    limits.dissector.sip_thread = false;
    return limits;
  }

  AnalysisLimits limits_;
  MessageObserver on_message_;
  MediaTracker media_;  // judged call by call as calls leave (limits.media)
  LiveCalls calls_;
  Dissector dissector_;
  CapturePipeline pipeline_;
  std::uint64_t messages_ = 0;
  bool finished_ = false;
};

}  // namespace sipws
