#pragma once
// One capture being analysed for the window: a reading thread feeds the dissector layer's
// Analysis a packet at a time; every few hundred milliseconds a timer on the GUI thread takes
// what changed (an AnalysisDelta of call rows and findings) and publishes it to the models. The
// timer, not the reading thread, decides when: a live stream's reader sits blocked waiting for
// the next packet, and what it has read must show all the same.
// The same path serves a file (progress, cancel) and a live capture arriving on a pipe (rows
// keep changing until the stream ends). Everything the window asks of the analysis goes
// through a snapshot taken under the session's lock.

#include <QObject>
#include <QString>
#include <QTimer>
#include <atomic>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include "calls/call_export.h"
#include "gui/snapshots.h"

namespace sipws::gui {

class AnalysisSession final : public QObject {
  Q_OBJECT

 public:
  explicit AnalysisSession(AnalysisLimits limits = {}, QObject* parent = nullptr);
  ~AnalysisSession() override;  // stops the reading thread and waits for it

  // Starts reading `path` (a file, or a pipe such as /dev/fd/N) on the reading thread. A file
  // that cannot be opened ends the session at once with finished(error).
  void start(const QString& path);
  // Asks the reading thread to stop after the packet at hand; what was read stays.
  void cancel();
  bool running() const { return running_; }
  const QString& path() const { return path_; }

  // Snapshots, safe while the reading thread runs.
  Ladder ladder(const std::vector<std::uint64_t>& calls) const;
  MessageSnapshot message(std::uint64_t message) const;
  // The call's media (judged once the capture is read).
  CallMediaSnapshot media(std::uint64_t call) const;
  std::vector<std::uint64_t> callsOfGroup(std::uint64_t group) const;
  // Writes the frames of `calls` from the file read to `output` as pcap (after the reading).
  ExportResult exportCalls(const std::vector<std::uint64_t>& calls, const QString& output) const;

 Q_SIGNALS:
  void changed(const sipws::gui::AnalysisDelta& delta);
  // The reading ended: at the end of the file or stream, on cancel, or because the file could
  // not be read (error says why; a damaged file also says what was kept).
  void finished(bool cancelled, const QString& error);

 private:
  void run();
  void publish();  // the timer: takes and emits what changed
  AnalysisDelta takeDelta(bool final, std::uint64_t frames, std::uint64_t position,
                          std::uint64_t size);  // under mutex_
  void post(AnalysisDelta delta);

  AnalysisLimits limits_;
  QString path_;
  mutable std::mutex mutex_;  // guards analysis_, findings_, call_findings_, rows_sent_
  std::unique_ptr<Analysis> analysis_;
  std::vector<FindingRow> findings_;
  std::unordered_map<std::uint64_t, std::size_t> call_findings_;
  std::uint64_t rows_sent_ = 0;  // calls 0 .. rows_sent_ - 1 have had a row in a delta
  std::thread thread_;
  std::atomic<bool> cancel_{false};
  std::atomic<bool> running_{false};
  bool two_threads_ = false;  // the file is parsed on two threads (set by start())
  std::atomic<std::uint64_t> frames_read_{0};
  std::atomic<std::uint64_t> position_{0};
  std::atomic<std::uint64_t> size_{0};
  QTimer publish_timer_;
};

}  // namespace sipws::gui
