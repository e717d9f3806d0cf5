#pragma once
// The capture layer as one piece: raw records in, flows out to a FlowObserver. The same object
// serves offline files (read_capture) and, later, live capture (packets pushed one by one).

#include <algorithm>
#include <cstdint>
#include <string>

#include "capture/capture_file.h"
#include "capture/flow_table.h"
#include "capture/packet_decoder.h"

namespace sipws {

struct CaptureLimits {
  FlowLimits flows;
  IpFragmentLimits fragments;
};

class CapturePipeline {
 public:
  CapturePipeline(FlowObserver& observer, FindingSink& findings, CaptureLimits limits = {})
      : findings_(findings),
        decoder_(findings, limits.fragments),
        flows_(observer, findings, limits.flows) {}

  void on_packet(const RawPacket& packet) {
    if (packet.timestamp < latest_timestamp_ && !reported_unsorted_) report_unsorted(packet);
    latest_timestamp_ = std::max(latest_timestamp_, packet.timestamp);
    if (decoder_.decode(packet, decoded_) == DecodeStatus::transport) flows_.on_packet(decoded_);
  }
  // End of input: incomplete fragments reported, open flows closed.
  void finish() {
    decoder_.finish();
    flows_.finish();
  }

  const DecodeCounters& decode_counters() const { return decoder_.counters(); }
  const FlowCounters& flow_counters() const { return flows_.counters(); }

 private:
  void report_unsorted(const RawPacket& packet);

  FindingSink& findings_;
  PacketDecoder decoder_;
  FlowTable flows_;
  DecodedPacket decoded_;
  TimeNs latest_timestamp_ = INT64_MIN;
  bool reported_unsorted_ = false;
};

struct ReadSummary {
  std::uint64_t frames = 0;
  bool damaged = false;  // the file ended badly; everything before was analysed
  std::string error;     // names the file and what is wrong
};

// Feeds every record of `file` to `pipeline`, then finishes it. A damaged or truncated file
// stops the reading, is reported as a finding and in the summary, and keeps what was read.
// `progress`, when given, is called every few thousand packets with the file position and size.
using ReadProgress = void (*)(std::uint64_t position, std::uint64_t size, void* context);
ReadSummary read_capture(CaptureFile& file, CapturePipeline& pipeline, FindingSink& findings,
                         ReadProgress progress = nullptr, void* progress_context = nullptr);

}  // namespace sipws
