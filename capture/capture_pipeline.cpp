#include "capture/capture_pipeline.h"

namespace sipws {

void CapturePipeline::report_unsorted(const RawPacket& packet) {
  reported_unsorted_ = true;
  Finding f{FindingId::capture_unsorted};
  f.frame = packet.frame_number;
  f.detail = "frame " + std::to_string(packet.frame_number) + " is " +
             std::to_string((latest_timestamp_ - packet.timestamp) / 1000) +
             " us older than a frame before it";
  findings_.report(std::move(f));
}

ReadSummary read_capture(CaptureFile& file, CapturePipeline& pipeline, FindingSink& findings,
                         ReadProgress progress, void* progress_context) {
  ReadSummary summary;
  RawPacket packet;
  bool reported_oversized = false;
  for (;;) {
    const ReadStatus status = file.next(packet);
    if (status == ReadStatus::packet) {
      ++summary.frames;
      const std::uint32_t snaplen = file.snaplen(packet);
      if (snaplen != 0 && packet.bytes.size() > snaplen && !reported_oversized) {
        reported_oversized = true;
        Finding f{FindingId::capture_caplen_exceeds_snaplen};
        f.frame = packet.frame_number;
        f.detail = std::to_string(packet.bytes.size()) + " bytes captured, snapshot length " +
                   std::to_string(snaplen);
        findings.report(std::move(f));
      }
      pipeline.on_packet(packet);
      if (progress != nullptr && summary.frames % 16384 == 0) {
        progress(file.position(), file.size(), progress_context);
      }
      continue;
    }
    if (status == ReadStatus::error) {
      summary.damaged = true;
      summary.error = file.error();
      Finding f{file.truncated() ? FindingId::capture_truncated : FindingId::capture_read_error};
      f.frame = summary.frames;
      f.detail = file.error();
      findings.report(std::move(f));
    }
    break;
  }
  pipeline.finish();
  return summary;
}

}  // namespace sipws
