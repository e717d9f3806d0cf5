#pragma once
// One capture's analysis as one object: capture pipeline, dissector, call model and findings,
// fed packet by packet from a file or a live capture. The CLI reads a file through it in one go;
// the GUI's reading thread feeds it a slice at a time and, between slices, takes the changes
// (which calls are new or changed, which findings are new) to publish them to the window.

#include <cstdint>
#include <deque>
#include <functional>
#include <vector>

#include "calls/call_store.h"
#include "calls/live_calls.h"
#include "calls/media.h"
#include "capture/capture_pipeline.h"
#include "dissector/dissector.h"

namespace sipws {

struct AnalysisLimits {
  CaptureLimits capture;
  DissectorLimits dissector;
  // Keep every message whole in the call store (CallStore's keep_records): the GUI, ladders and
  // exports need them; the call list, statistics and checks need only the summaries.
  bool keep_records = true;
  // ... compressed (MessageArchive) and parsed again when asked for: a tenth of the memory, for
  // the front ends that read big captures and show messages on demand.
  bool compress_records = false;
  LiveCallLimits live_calls;  // what a live analysis (LiveAnalysis) keeps of its calls
  // Count media (RTP, RTCP, STUN, DTLS) and tie it to calls at finish(): `media`, `calls`,
  // `flow`, `stats`, `check` and the interactive front ends want it.
  bool media = true;
  MediaLimits media_limits;  // how much media is kept (the GUI asks for timelines)
};

// What changed since the last take_changes().
struct AnalysisChanges {
  std::vector<std::uint64_t> calls;  // indices of calls that are new or changed, ascending
  std::size_t findings_before = 0;   // findings()[findings_before..] are new
  std::size_t records_before = 0;    // store().summaries()[records_before..] are new
};

class Analysis final : private SipMessageSink {
 public:
  explicit Analysis(AnalysisLimits limits = {});
  Analysis(const Analysis&) = delete;
  Analysis& operator=(const Analysis&) = delete;

  CapturePipeline& pipeline() { return pipeline_; }
  // The first packet's time (INT64_MIN before any).
  TimeNs first_timestamp() const { return pipeline_.first_timestamp(); }
  TlsKeyLog& key_log() { return dissector_.key_log(); }
  // Every datagram that is not SIP, classified. The analysis's own media tracker listens there
  // when limits.media is set; another observer replaces it.
  void set_datagram_observer(DatagramObserver* observer) {
    dissector_.set_datagram_observer(observer);
  }
  // Each WebSocket connection as a whole when its TCP connection ends (`sipws websocket`).
  void set_websocket_observer(WsConnectionObserver* observer) {
    dissector_.set_websocket_observer(observer);
  }
  // Where findings of the capture layer go (in line with the messages when the dissector runs
  // its SIP half on a second thread).
  FindingSink& finding_sink() { return dissector_.findings(); }
  void on_packet(const RawPacket& packet) { pipeline_.on_packet(packet); }
  // Also hands each message, whole, to `tap` before the call store takes it (on the SIP thread
  // when there is one): `messages` with call filters prints from it while the store keeps only
  // summaries.
  void set_message_tap(std::function<void(const SipMessageRecord&)> tap) {
    message_tap_ = std::move(tap);
  }

  // Reads all of `file` (progress as in read_capture), then finish().
  ReadSummary read(CaptureFile& file, ReadProgress progress = nullptr, void* context = nullptr);
  // End of input: open flows closed, B2BUA legs grouped, the rules across the messages of each
  // call checked (their findings join findings()). Safe to call twice; the second does nothing.
  // With limits.dissector.sip_thread, calls, messages and findings are complete only after
  // this, and safe to look at before it only under limits.dissector.sip_stage_lock (which the
  // SIP thread holds per batch: the GUI's take_changes() and snapshots do so).
  void finish();
  bool finished() const { return finished_; }
  // Waits until the SIP thread (limits.dissector.sip_thread) has processed everything handed to
  // it; without holding limits.dissector.sip_stage_lock, which that thread takes per batch.
  // finish() after this drains nothing more (call the pipeline's finish first: it hands over
  // the messages of the connections still open).
  void drain() { dissector_.drain(); }

  AnalysisChanges take_changes();

  const CallStore& store() const { return store_; }
  const std::vector<Finding>& findings() const { return findings_.findings(); }
  const DissectorCounters& counters() const { return dissector_.counters(); }
  // The media of the capture and of each call (complete after finish(); empty without
  // limits.media).
  const MediaTracker& media() const { return media_; }
  const MediaReport& media_report() const { return media_report_; }
  // The message a finding is about: its own message id, else the message on its connection
  // whose frames include the finding's frame. kNoId when there is none.
  std::uint64_t message_of(const Finding& finding) const;
  // The call a message belongs to.
  std::uint64_t call_of(std::uint64_t record) const;

 private:
  void on_sip_message(SipMessageRecord&& record) override;
  // `limits.dissector`, with the work its reading thread may do while it waits.
  DissectorLimits dissector_limits(const AnalysisLimits& limits);

  std::function<void(const SipMessageRecord&)> message_tap_;
  FindingCollector findings_;
  CallStore store_;
  Dissector dissector_;
  CapturePipeline pipeline_;
  bool media_enabled_ = true;
  MediaTracker media_;
  MediaReport media_report_;
  // Record index -> call index: 4 bytes a message, in a deque (no doubling); a capture holds
  // fewer than 2^32 calls (memory runs out long before).
  std::deque<std::uint32_t> record_calls_;
  std::vector<std::uint64_t> changed_calls_;
  std::vector<bool> call_changed_;
  std::size_t findings_taken_ = 0;
  std::size_t records_taken_ = 0;
  bool finished_ = false;
};

}  // namespace sipws
