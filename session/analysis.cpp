#include "session/analysis.h"

#include <algorithm>

#include "calls/call_rules.h"

namespace sipws {

Analysis::Analysis(AnalysisLimits limits)
    : store_(!limits.keep_records      ? RecordKeeping::summaries
             : limits.compress_records ? RecordKeeping::compressed
                                       : RecordKeeping::whole),
      dissector_(*this, findings_, dissector_limits(limits)),
      pipeline_(dissector_, dissector_.findings(), limits.capture),
      media_enabled_(limits.media),
      media_(limits.media_limits) {
  if (media_enabled_) dissector_.set_datagram_observer(&media_);
}

DissectorLimits Analysis::dissector_limits(const AnalysisLimits& limits) {
  DissectorLimits out = limits.dissector;
  // Messages kept compressed with a SIP thread: the reading thread compresses the archive's
  // blocks while it waits for that thread, which then only parses and builds calls.
  if (limits.keep_records && limits.compress_records && out.sip_thread)
    out.reader_idle_work = [this] { return store_.compress_archive_block(); };
  return out;
}

void Analysis::on_sip_message(SipMessageRecord&& record) {
  if (message_tap_) message_tap_(record);
  store_.on_sip_message(std::move(record));
  const std::uint64_t index = store_.last_call();
  record_calls_.push_back(static_cast<std::uint32_t>(index));
  if (call_changed_.size() <= index) call_changed_.resize(index + 1, false);
  if (!call_changed_[index]) {
    call_changed_[index] = true;
    changed_calls_.push_back(index);
  }
}

ReadSummary Analysis::read(CaptureFile& file, ReadProgress progress, void* context) {
  const ReadSummary summary =
      read_capture(file, pipeline_, dissector_.findings(), progress, context,
                   [this](const std::string& secrets) { key_log().add_text(secrets); });
  finish();
  return summary;
}

void Analysis::finish() {
  if (finished_) return;
  finished_ = true;
  pipeline_.finish();  // does nothing when read_capture has done it
  dissector_.drain();
  store_.finish();
  check_calls(store_, findings_);
  if (media_enabled_) {
    media_report_ = associate_media(store_, media_);
    for (Finding& f : media_report_.findings) findings_.report(std::move(f));
    media_report_.findings.clear();
  }
  // Grouping may have changed any call.
  for (const Call& call : store_.calls()) {
    if (call_changed_.size() <= call.index) call_changed_.resize(call.index + 1, false);
    if (!call_changed_[call.index]) {
      call_changed_[call.index] = true;
      changed_calls_.push_back(call.index);
    }
  }
}

AnalysisChanges Analysis::take_changes() {
  AnalysisChanges changes;
  changes.calls = std::move(changed_calls_);
  changed_calls_.clear();
  std::sort(changes.calls.begin(), changes.calls.end());
  for (const std::uint64_t c : changes.calls) call_changed_[c] = false;
  changes.findings_before = findings_taken_;
  changes.records_before = records_taken_;
  findings_taken_ = findings_.findings().size();
  records_taken_ = store_.summaries().size();
  return changes;
}

std::uint64_t Analysis::call_of(std::uint64_t record) const {
  return record < record_calls_.size() ? record_calls_[record] : kNoId;
}

std::uint64_t Analysis::message_of(const Finding& finding) const {
  const auto& records = store_.summaries();
  if (finding.message != kNoId && finding.message < records.size()) return finding.message;
  if (finding.frame == 0 || finding.connection == kNoId) return kNoId;
  // Records are in completion order, so frame numbers grow along them: search from the first
  // record that completed at or after the finding's frame.
  auto it = std::lower_bound(
      records.begin(), records.end(), finding.frame,
      [](const MessageSummary& r, std::uint64_t frame) { return r.frame < frame; });
  for (int tries = 0; it != records.end() && tries < 64; ++it, ++tries) {
    if (it->path->connection == finding.connection &&
        std::min(it->first_frame, it->frame) <= finding.frame)
      return it->index;
  }
  return kNoId;
}

}  // namespace sipws
