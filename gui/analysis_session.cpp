#include "gui/analysis_session.h"

#include <QFileInfo>
#include <QMetaObject>
#include <algorithm>
#include <chrono>
#include <cstdio>

namespace sipws::gui {
namespace {
// How often the reading thread publishes: often enough to look live, rarely enough that a big
// file is not slowed down by the window redrawing.
constexpr auto kPublishInterval = std::chrono::milliseconds(250);
}  // namespace

AnalysisSession::AnalysisSession(AnalysisLimits limits, QObject* parent)
    : QObject(parent), limits_(limits), analysis_(std::make_unique<Analysis>(limits)) {
  publish_timer_.setInterval(kPublishInterval);
  connect(&publish_timer_, &QTimer::timeout, this, &AnalysisSession::publish);
}

void AnalysisSession::publish() {
  if (!running_) {
    publish_timer_.stop();
    return;
  }
  AnalysisDelta delta;
  {
    std::lock_guard lock(mutex_);
    if (analysis_->finished()) return;  // the reading thread sends the last delta itself
    delta = takeDelta(false, frames_read_, position_, size_);
  }
  Q_EMIT changed(delta);
}

AnalysisSession::~AnalysisSession() {
  cancel();
  if (thread_.joinable()) thread_.join();
}

void AnalysisSession::start(const QString& path) {
  cancel();
  if (thread_.joinable()) thread_.join();
  path_ = path;
  cancel_ = false;
  // A file is parsed on two threads, as the command line does: the reading thread reads,
  // reassembles and inflates, touching nothing the window reads, and the SIP thread builds the
  // calls under this session's lock, a batch of messages at a time. A stream (a live capture's
  // FIFO) stays on one thread: its messages must show as they come, not when a batch is full.
  AnalysisLimits limits = limits_;
  two_threads_ = QFileInfo(path).isFile();
  limits.dissector.sip_thread = two_threads_;
  limits.dissector.sip_stage_lock = two_threads_ ? &mutex_ : nullptr;
  {
    std::lock_guard lock(mutex_);
    analysis_ = std::make_unique<Analysis>(limits);
    findings_.clear();
    call_findings_.clear();
    rows_sent_ = 0;
  }
  running_ = true;
  frames_read_ = 0;
  position_ = 0;
  size_ = 0;
  publish_timer_.start();
  thread_ = std::thread([this] { run(); });
}

void AnalysisSession::cancel() {
  cancel_ = true;
}

void AnalysisSession::post(AnalysisDelta delta) {
  auto shared = std::make_shared<AnalysisDelta>(std::move(delta));
  // Queued to the GUI thread; dropped by Qt if this session is gone by then.
  QMetaObject::invokeMethod(
      this, [this, shared] { Q_EMIT changed(*shared); }, Qt::QueuedConnection);
}

AnalysisDelta AnalysisSession::takeDelta(bool final, std::uint64_t frames, std::uint64_t position,
                                         std::uint64_t size) {
  AnalysisDelta delta;
  AnalysisChanges changes = analysis_->take_changes();
  const auto& all = analysis_->findings();
  if (final) {
    // Placed again now that every message is known (a finding can precede its message).
    findings_.clear();
    call_findings_.clear();
    changes.findings_before = 0;
    delta.replace_findings = true;
  }
  for (std::size_t i = changes.findings_before; i < all.size(); ++i) {
    FindingRow row = finding_row(*analysis_, i);
    if (row.call != kNoId) {
      ++call_findings_[row.call];
      if (!final && !std::binary_search(changes.calls.begin(), changes.calls.end(), row.call)) {
        changes.calls.insert(std::lower_bound(changes.calls.begin(), changes.calls.end(), row.call),
                             row.call);
      }
    }
    findings_.push_back(row);
    delta.findings.push_back(std::move(row));
  }
  const auto& calls = analysis_->store().calls();
  const auto findings_of = [this](std::uint64_t c) {
    const auto it = call_findings_.find(c);
    return it == call_findings_.end() ? 0 : it->second;
  };
  // The media verdict, once the analysis is finished (media is tied to calls at its end).
  const auto& media = analysis_->media_report().calls;
  const auto media_of = [&](std::uint64_t c) -> const CallMedia* {
    return analysis_->finished() && c < media.size() ? &media[c] : nullptr;
  };
  if (final) {
    // Finishing marked every call changed, but it changes only grouping, findings and media:
    // the calls the window has rows for get those (run() sends what messages changed just
    // before finishing), the others whole rows.
    changes.calls.clear();
    for (std::uint64_t c = rows_sent_; c < calls.size(); ++c) changes.calls.push_back(c);
    delta.endings.reserve(std::min<std::uint64_t>(rows_sent_, calls.size()));
    for (std::uint64_t c = 0; c < rows_sent_ && c < calls.size(); ++c)
      delta.endings.push_back(call_row_ending(calls[c], findings_of(c), media_of(c)));
  }
  delta.calls.reserve(changes.calls.size());
  for (const std::uint64_t c : changes.calls) {
    if (c >= calls.size()) continue;
    delta.calls.push_back(call_row(calls[c], findings_of(c)));
    if (const CallMedia* m = media_of(c)) add_call_media(delta.calls.back(), *m);
    rows_sent_ = std::max(rows_sent_, c + 1);
  }
  delta.frames = frames;
  delta.messages = analysis_->store().summaries().size();
  delta.position = position;
  delta.size = size;
  return delta;
}

void AnalysisSession::run() {
  std::string error;
  auto file = CaptureFile::open(path_.toStdString(), error);
  if (!file) {
    running_ = false;
    const QString message = QString::fromStdString(error);
    QMetaObject::invokeMethod(
        this, [this, message] { Q_EMIT finished(false, message); }, Qt::QueuedConnection);
    return;
  }
  CaptureReader reader(*file, analysis_->pipeline(), analysis_->finding_sink());
  // Called from feed() (on this thread): secrets a pcapng file carries decrypt what follows.
  reader.set_secrets_handler(
      [this](const std::string& secrets) { analysis_->key_log().add_text(secrets); });
  size_ = file->size();
  RawPacket packet;
  bool cancelled = false;
  if (two_threads_) {
    // A file: no lock here. The SIP thread takes it per batch, and waits for it while the
    // window takes a snapshot; holding it while feeding could block on a full hand-off forever.
    while (!(cancelled = cancel_.load()) && reader.read(packet)) {
      reader.feed(packet);
      frames_read_ = reader.summary().frames;
      if ((reader.summary().frames & 1023) == 0) position_ = file->position();
    }
    reader.end();        // the connections still open hand their last messages over
    analysis_->drain();  // without the lock, which the SIP thread needs until it is done
    std::lock_guard lock(mutex_);
    // The rows as the messages left them, so that the final delta carries only what
    // finishing changes.
    post(takeDelta(false, reader.summary().frames, file->position(), file->size()));
    analysis_->finish();  // drains nothing more: the SIP thread is idle
  } else {
    // A stream (a live capture's FIFO) may block between packets: each is read outside the
    // lock and fed under it, on this one thread.
    for (;;) {
      const bool more = reader.read(packet);
      cancelled = cancel_.load();
      std::lock_guard lock(mutex_);
      if (!more || cancelled) break;
      reader.feed(packet);
      frames_read_ = reader.summary().frames;
      if ((reader.summary().frames & 1023) == 0) position_ = file->position();
    }
    std::lock_guard lock(mutex_);
    reader.end();
    post(takeDelta(false, reader.summary().frames, file->position(), file->size()));
    analysis_->finish();
  }
  {
    std::lock_guard lock(mutex_);
    post(takeDelta(true, reader.summary().frames, file->position(), file->size()));
    // SIPWS_GUI_TIMING (scripts/bench_gui.sh): what the kept messages cost.
    if (!qEnvironmentVariableIsEmpty("SIPWS_GUI_TIMING")) {
      std::fprintf(stderr, "sipws-gui: %zu messages kept compressed in %.1f MB (%.1f MB raw)\n",
                   analysis_->store().summaries().size(),
                   static_cast<double>(analysis_->store().archive_bytes()) / 1e6,
                   static_cast<double>(analysis_->store().archive_raw_bytes()) / 1e6);
    }
  }
  running_ = false;
  const QString message =
      reader.summary().damaged ? QString::fromStdString(reader.summary().error) : QString();
  QMetaObject::invokeMethod(
      this, [this, cancelled, message] { Q_EMIT finished(cancelled, message); },
      Qt::QueuedConnection);
}

Ladder AnalysisSession::ladder(const std::vector<std::uint64_t>& calls) const {
  std::lock_guard lock(mutex_);
  std::vector<const Call*> selected;
  const auto& all = analysis_->store().calls();
  for (const std::uint64_t c : calls) {
    if (c < all.size()) selected.push_back(&all[c]);
  }
  Ladder ladder = build_ladder(analysis_->store(), selected);
  // Media is tied to calls once the capture is read.
  if (analysis_->finished()) {
    add_media_streams(ladder, analysis_->media_report(), analysis_->media(), selected);
  }
  return ladder;
}

MessageSnapshot AnalysisSession::message(std::uint64_t message) const {
  std::lock_guard lock(mutex_);
  return message_snapshot(*analysis_, message, findings_);
}

CallMediaSnapshot AnalysisSession::media(std::uint64_t call) const {
  std::lock_guard lock(mutex_);
  return call_media_snapshot(*analysis_, call);
}

std::vector<std::uint64_t> AnalysisSession::callsOfGroup(std::uint64_t group) const {
  std::lock_guard lock(mutex_);
  std::vector<std::uint64_t> out;
  for (const Call& c : analysis_->store().calls()) {
    if (c.group == group) out.push_back(c.index);
  }
  return out;
}

ExportResult AnalysisSession::exportCalls(const std::vector<std::uint64_t>& calls,
                                          const QString& output) const {
  std::lock_guard lock(mutex_);
  std::vector<const Call*> selected;
  const auto& all = analysis_->store().calls();
  for (const std::uint64_t c : calls) {
    if (c < all.size()) selected.push_back(&all[c]);
  }
  return export_calls(path_.toStdString(), output.toStdString(), analysis_->store(), selected);
}

}  // namespace sipws::gui
