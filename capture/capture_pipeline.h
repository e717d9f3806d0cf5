#pragma once
// The capture layer as one piece: raw records in, flows out to a FlowObserver. The same object
// serves offline files (read_capture) and, later, live capture (packets pushed one by one).

#include <algorithm>
#include <cstdint>
#include <functional>
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
    if (first_timestamp_ == INT64_MIN) first_timestamp_ = packet.timestamp;
    if (packet.timestamp < latest_timestamp_ && !reported_unsorted_) report_unsorted(packet);
    latest_timestamp_ = std::max(latest_timestamp_, packet.timestamp);
    if (decoder_.decode(packet, decoded_) == DecodeStatus::transport) flows_.on_packet(decoded_);
  }
  // End of input: incomplete fragments reported, open flows closed. Once; later calls do nothing.
  void finish() {
    if (finished_) return;
    finished_ = true;
    decoder_.finish();
    flows_.finish();
  }

  // The first packet's time (INT64_MIN before any): where "+30s" counts from.
  TimeNs first_timestamp() const { return first_timestamp_; }
  const DecodeCounters& decode_counters() const { return decoder_.counters(); }
  const FlowCounters& flow_counters() const { return flows_.counters(); }

 private:
  void report_unsorted(const RawPacket& packet);

  FindingSink& findings_;
  PacketDecoder decoder_;
  FlowTable flows_;
  DecodedPacket decoded_;
  TimeNs latest_timestamp_ = INT64_MIN;
  TimeNs first_timestamp_ = INT64_MIN;
  bool reported_unsorted_ = false;
  bool finished_ = false;
};

struct ReadSummary {
  std::uint64_t frames = 0;
  bool damaged = false;  // the file ended badly; everything before was analysed
  std::string error;     // names the file and what is wrong
};

// Reads a capture file into a pipeline a slice at a time, so that a caller can report progress,
// let others look at the results between slices, or stop early (the GUI's reading thread). The
// reading (read) and the analysing (feed, end) are separate steps, so that a caller can wait for
// a slow stream without holding whatever guards the pipeline.
class CaptureReader {
 public:
  CaptureReader(CaptureFile& file, CapturePipeline& pipeline, FindingSink& findings)
      : file_(file), pipeline_(pipeline), findings_(findings) {}
  // The next record (touches only the file). False at the end, clean or damaged: call end().
  bool read(RawPacket& packet);
  // Hands a record read by read() to the pipeline, after any TLS secrets the file carried
  // before it (to the secrets handler).
  void feed(const RawPacket& packet);
  using SecretsHandler = std::function<void(const std::string& key_log_text)>;
  void set_secrets_handler(SecretsHandler handler) { secrets_handler_ = std::move(handler); }
  // Reports a damaged end as a finding and finishes the pipeline.
  void end();
  // read + feed up to `max_packets` records. False once the file has ended (end() done).
  bool step(std::uint64_t max_packets);
  bool ended() const { return ended_; }
  const ReadSummary& summary() const { return summary_; }

 private:
  CaptureFile& file_;
  CapturePipeline& pipeline_;
  FindingSink& findings_;
  ReadSummary summary_;
  ReadStatus last_status_ = ReadStatus::packet;
  SecretsHandler secrets_handler_;
  bool reported_oversized_ = false;
  bool ended_ = false;
};

// Feeds every record of `file` to `pipeline`, then finishes it. A damaged or truncated file
// stops the reading, is reported as a finding and in the summary, and keeps what was read.
// `progress`, when given, is called every 16384 packets with the file position and size.
using ReadProgress = void (*)(std::uint64_t position, std::uint64_t size, void* context);
ReadSummary read_capture(CaptureFile& file, CapturePipeline& pipeline, FindingSink& findings,
                         ReadProgress progress = nullptr, void* progress_context = nullptr,
                         CaptureReader::SecretsHandler secrets = nullptr);

}  // namespace sipws
