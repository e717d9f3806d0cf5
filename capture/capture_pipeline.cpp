#include "capture/capture_pipeline.h"

namespace sipws {

void CapturePipeline::report_unsorted(const RawPacket& packet) {
  reported_unsorted_ = true;
  Finding f{FindingId::capture_unsorted};
  f.frame = packet.frame_number;
  f.detail = "frame " + std::to_string(packet.frame_number) + " is " +
             // Unsigned: the two may be any TimeNs (live, HEP), and latest > timestamp here.
             std::to_string((static_cast<std::uint64_t>(latest_timestamp_) -
                             static_cast<std::uint64_t>(packet.timestamp)) /
                            1000) +
             " us older than a frame before it";
  findings_.report(std::move(f));
}

bool CaptureReader::read(RawPacket& packet) {
  if (last_status_ != ReadStatus::packet) return false;
  last_status_ = file_.next(packet);
  if (last_status_ != ReadStatus::packet) return false;
  ++summary_.frames;
  return true;
}

void CaptureReader::feed(const RawPacket& packet) {
  if (secrets_handler_) {
    const std::string secrets = file_.take_secrets();
    if (!secrets.empty()) secrets_handler_(secrets);
  }
  const std::uint32_t snaplen = file_.snaplen(packet);
  if (snaplen != 0 && packet.bytes.size() > snaplen && !reported_oversized_) {
    reported_oversized_ = true;
    Finding f{FindingId::capture_caplen_exceeds_snaplen};
    f.frame = packet.frame_number;
    f.detail = std::to_string(packet.bytes.size()) + " bytes captured, snapshot length " +
               std::to_string(snaplen);
    findings_.report(std::move(f));
  }
  pipeline_.on_packet(packet);
}

void CaptureReader::end() {
  if (ended_) return;
  ended_ = true;
  if (last_status_ == ReadStatus::error) {
    summary_.damaged = true;
    summary_.error = file_.error();
    Finding f{file_.truncated() ? FindingId::capture_truncated : FindingId::capture_read_error};
    f.frame = summary_.frames;
    f.detail = file_.error();
    findings_.report(std::move(f));
  }
  pipeline_.finish();
}

bool CaptureReader::step(std::uint64_t max_packets) {
  if (ended_) return false;
  RawPacket packet;
  for (std::uint64_t n = 0; n < max_packets; ++n) {
    if (!read(packet)) {
      end();
      return false;
    }
    feed(packet);
  }
  return true;
}

ReadSummary read_capture(CaptureFile& file, CapturePipeline& pipeline, FindingSink& findings,
                         ReadProgress progress, void* progress_context,
                         CaptureReader::SecretsHandler secrets) {
  CaptureReader reader(file, pipeline, findings);
  reader.set_secrets_handler(std::move(secrets));
  while (reader.step(16384)) {
    if (progress != nullptr) progress(file.position(), file.size(), progress_context);
  }
  return reader.summary();
}

}  // namespace sipws
