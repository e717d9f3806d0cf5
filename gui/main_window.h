#pragma once
// sipws-gui's window: the call list (filter box, state quick filter) on top; the ladder of the
// selected call(s) and the selected message's detail below; the findings panel docked at the
// bottom; reading progress with a cancel button in the status bar. Opens files from the menu,
// the command line and drag and drop; remembers its layout and recent files (QSettings).

#include <QMainWindow>
#include <memory>

#include "gui/analysis_session.h"
#include "gui/capture_dialog.h"

class QAction;
class QCheckBox;
class QComboBox;
class QDockWidget;
class QLabel;
class QLineEdit;
class QMenu;
class QProgressBar;
class QPushButton;
class QProcess;
class QSplitter;
class QTemporaryDir;
class QTableView;

namespace sipws::gui {

class CallFilterProxy;
class CallListModel;
class FindingsModel;
class LadderView;
class MediaPanel;
class MessageDetail;

class MainWindow final : public QMainWindow {
  Q_OBJECT

 public:
  explicit MainWindow(QWidget* parent = nullptr);
  ~MainWindow() override;

  // Starts reading a capture; the call list fills as it is read.
  void openCapture(const QString& path);
  // Starts the capture helper and shows its traffic as it happens (see capture_dialog.h).
  bool startLive(const LiveCaptureRequest& request, QString& error);
  // Stops the helper (SIGTERM: it flushes and closes its files); the reading then ends.
  void stopLive();
  bool liveRunning() const;
  const HelperCounters& liveCounters() const { return counters_; }

  // The parts, for tests.
  AnalysisSession* session() const { return session_.get(); }
  CallListModel* callModel() const { return calls_; }
  CallFilterProxy* callProxy() const { return proxy_; }
  QTableView* callTable() const { return call_table_; }
  FindingsModel* findingsModel() const { return findings_; }
  QTableView* findingsTable() const { return findings_table_; }
  LadderView* ladderView() const { return ladder_; }
  MessageDetail* messageDetail() const { return detail_; }
  MediaPanel* mediaPanel() const { return media_; }
  QLineEdit* filterBox() const { return filter_; }
  QComboBox* stateFilter() const { return state_filter_; }
  bool loading() const;
  // The TLS key log (SSLKEYLOGFILE format) captures opened from now on are decrypted with;
  // empty for none. Starts from the setting, else the SSLKEYLOGFILE environment variable.
  void setKeyLogFile(const QString& path);
  const QString& keyLogFile() const { return key_log_; }
  // Whether the ladder shows every leg of a selected call (B2BUA legs grouped by correlation).
  void setShowLegs(bool legs);

  // Selects the calls with these indices in the call list (and so shows their ladder).
  void selectCalls(const std::vector<std::uint64_t>& calls);
  std::vector<std::uint64_t> selectedCalls() const;

  bool exportLadder(const QString& path);  // .svg or .png by the name
  bool exportCallsPcap(const QString& path, QString& error);
  bool exportCallListCsv(const QString& path);

  // No dialogs (--screenshot, tests): a capture that cannot be read is only said in the status
  // bar and by loadError().
  void setUnattended(bool unattended) { unattended_ = unattended; }
  // Why the last capture could not be read, or was read only in part; empty when it was whole.
  const QString& loadError() const { return load_error_; }
  // Nothing was read of the last capture (it could not be opened, or is not a capture).
  bool loadFailed() const { return load_failed_; }

 Q_SIGNALS:
  void loadFinished();

 protected:
  void closeEvent(QCloseEvent* event) override;
  void showEvent(QShowEvent* event) override;
  void dragEnterEvent(QDragEnterEvent* event) override;
  void dropEvent(QDropEvent* event) override;

 private:
  void buildActions();
  void buildLayout();
  void applyDelta(const AnalysisDelta& delta);
  void onFinished(bool cancelled, const QString& error);
  void showSelectedCalls();
  void showMessage(std::uint64_t message);
  void jumpToFinding(const QModelIndex& index);
  void rememberRecent(const QString& path);
  void updateRecentMenu();
  void chooseAndOpen();
  void chooseAndExportLadder();
  void chooseAndExportPcap();
  void chooseAndExportCsv();
  void updateStatus(const AnalysisDelta* delta);
  void resetForNewSession(const QString& title);
  void readHelperOutput();

  std::unique_ptr<AnalysisSession> session_;
  CallListModel* calls_ = nullptr;
  CallFilterProxy* proxy_ = nullptr;
  FindingsModel* findings_ = nullptr;
  QTableView* call_table_ = nullptr;
  QTableView* findings_table_ = nullptr;
  LadderView* ladder_ = nullptr;
  MessageDetail* detail_ = nullptr;
  QLineEdit* filter_ = nullptr;
  QComboBox* state_filter_ = nullptr;
  QAction* with_legs_ = nullptr;
  QDockWidget* findings_dock_ = nullptr;
  QSplitter* vertical_ = nullptr;
  QSplitter* horizontal_ = nullptr;
  QMenu* recent_menu_ = nullptr;
  QLabel* status_ = nullptr;
  QProgressBar* progress_ = nullptr;
  QPushButton* cancel_ = nullptr;
  std::vector<std::uint64_t> shown_calls_;
  std::uint64_t frames_ = 0;
  std::uint64_t messages_ = 0;
  bool selected_first_ = false;
  bool shown_once_ = false;
  QProcess* helper_ = nullptr;
  std::unique_ptr<QTemporaryDir> fifo_dir_;
  HelperCounters counters_;
  QString live_interface_;
  QString key_log_;
  QAction* start_live_ = nullptr;
  QAction* stop_live_ = nullptr;
  void fitCallColumns();
  MediaPanel* media_ = nullptr;
  QCheckBox* media_filter_ = nullptr;
  bool findings_dock_hidden_by_user_ = false;
  bool unattended_ = false;
  QString load_error_;
  bool load_failed_ = false;
};

}  // namespace sipws::gui
