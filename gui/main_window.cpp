#include "gui/main_window.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QCloseEvent>
#include <QComboBox>
#include <QDockWidget>
#include <QDragEnterEvent>
#include <QElapsedTimer>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QKeySequence>
#include <QLabel>
#include <QLineEdit>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QProcess>
#include <QProgressBar>
#include <QPushButton>
#include <QSettings>
#include <QSplitter>
#include <QStatusBar>
#include <QTableView>
#include <QTemporaryDir>
#include <QTextStream>
#include <QTimer>
#include <QToolBar>
#include <QVBoxLayout>
#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <set>

#include "gui/call_list_model.h"
#include "gui/findings_model.h"
#include "gui/ladder_view.h"
#include "gui/media_panel.h"
#include "gui/message_detail.h"

namespace sipws::gui {
namespace {
constexpr int kMaxRecent = 10;
const char* const kCaptureFilter =
    "Captures (*.pcap *.pcapng *.cap *.pcap.gz *.pcapng.gz *.gz);;All files (*)";
}  // namespace

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent) {
  setWindowTitle(QStringLiteral("sipws"));
  setAcceptDrops(true);
  session_ = std::make_unique<AnalysisSession>();
  connect(session_.get(), &AnalysisSession::changed, this, &MainWindow::applyDelta);
  connect(session_.get(), &AnalysisSession::finished, this, &MainWindow::onFinished);
  buildLayout();
  buildActions();
  QSettings settings;
  if (!restoreGeometry(settings.value("window/geometry").toByteArray())) {
    // First start: most of the screen (never less than 1280x800 where the screen has it).
    const QRect room = screen() != nullptr ? screen()->availableGeometry() : QRect(0, 0, 1280, 800);
    resize(std::max(room.width() * 9 / 10, std::min(room.width(), 1280)),
           std::max(room.height() * 9 / 10, std::min(room.height(), 800)));
  }
  // First start: the ladder gets most of the room, the call list and findings a strip each.
  vertical_->setSizes({200, 600});
  horizontal_->setSizes({760, 520});
  restoreState(settings.value("window/state").toByteArray());
  vertical_->restoreState(settings.value("window/vertical").toByteArray());
  horizontal_->restoreState(settings.value("window/horizontal").toByteArray());
  updateRecentMenu();
  updateStatus(nullptr);
  key_log_ = settings.value("tls/keylog", qEnvironmentVariable("SSLKEYLOGFILE")).toString();
}

void MainWindow::setKeyLogFile(const QString& path) {
  key_log_ = path;
  QSettings().setValue("tls/keylog", path);
}

MainWindow::~MainWindow() {
  stopLive();  // the session's reading thread ends with the helper's stream
}

void MainWindow::buildLayout() {
  calls_ = new CallListModel(this);
  proxy_ = new CallFilterProxy(this);
  proxy_->setSourceModel(calls_);
  findings_ = new FindingsModel(this);

  auto* top = new QWidget(this);
  auto* top_layout = new QVBoxLayout(top);
  top_layout->setContentsMargins(0, 0, 0, 0);
  call_table_ = new QTableView(top);
  call_table_->setModel(proxy_);
  call_table_->setSortingEnabled(true);
  call_table_->sortByColumn(CallListModel::columnOf(CallField::start), Qt::AscendingOrder);
  call_table_->setSelectionBehavior(QAbstractItemView::SelectRows);
  call_table_->setSelectionMode(QAbstractItemView::ExtendedSelection);
  call_table_->setAlternatingRowColors(true);
  call_table_->verticalHeader()->hide();
  call_table_->verticalHeader()->setDefaultSectionSize(call_table_->fontMetrics().height() + 6);
  // No column stretches over the room (Findings showed one digit in 400 pixels): the columns are
  // sized to their content once the first rows and again once the capture is read.
  call_table_->horizontalHeader()->setStretchLastSection(false);
  call_table_->horizontalHeader()->setSectionResizeMode(QHeaderView::Interactive);
  call_table_->horizontalHeader()->setResizeContentsPrecision(500);  // rows sampled
  // Widths that fit the whole row into 1280 pixels; the user's own widths are kept in the
  // header state.
  const int em = call_table_->fontMetrics().averageCharWidth();
  for (int c = 0; c < CallListModel::fieldColumns(); ++c)
    call_table_->setColumnWidth(c, CallListModel::columnWidth(c) * em + 12);
  call_table_->setWordWrap(false);
  top_layout->addWidget(call_table_);
  connect(call_table_->selectionModel(), &QItemSelectionModel::selectionChanged, this,
          &MainWindow::showSelectedCalls);

  ladder_ = new LadderView(this);
  detail_ = new MessageDetail(this);
  media_ = new MediaPanel(this);
  detail_->tabs()->addTab(media_, tr("Media"));
  connect(ladder_, &LadderView::messageSelected, this, &MainWindow::showMessage);

  horizontal_ = new QSplitter(Qt::Horizontal, this);
  horizontal_->addWidget(ladder_);
  horizontal_->addWidget(detail_);
  horizontal_->setStretchFactor(0, 3);
  horizontal_->setStretchFactor(1, 2);
  vertical_ = new QSplitter(Qt::Vertical, this);
  vertical_->addWidget(top);
  vertical_->addWidget(horizontal_);
  vertical_->setStretchFactor(0, 1);
  vertical_->setStretchFactor(1, 3);
  setCentralWidget(vertical_);

  auto* dock = findings_dock_ = new QDockWidget(tr("Findings"), this);
  dock->setObjectName("findings");
  findings_table_ = new QTableView(dock);
  findings_table_->setModel(findings_);
  findings_table_->setSelectionBehavior(QAbstractItemView::SelectRows);
  findings_table_->setSelectionMode(QAbstractItemView::SingleSelection);
  findings_table_->verticalHeader()->hide();
  findings_table_->horizontalHeader()->setStretchLastSection(true);
  findings_table_->setColumnWidth(FindingsModel::kId, 260);
  findings_table_->setWordWrap(false);
  dock->setWidget(findings_table_);
  addDockWidget(Qt::BottomDockWidgetArea, dock);
  dock->hide();  // until a finding comes
  connect(dock->toggleViewAction(), &QAction::triggered, this,
          [this](bool shown) { findings_dock_hidden_by_user_ = !shown; });
  connect(findings_table_, &QTableView::activated, this, &MainWindow::jumpToFinding);
  connect(findings_table_, &QTableView::clicked, this, &MainWindow::jumpToFinding);

  status_ = new QLabel(this);
  progress_ = new QProgressBar(this);
  progress_->setMaximumWidth(240);
  progress_->setRange(0, 1000);
  cancel_ = new QPushButton(tr("Cancel"), this);
  cancel_->setToolTip(tr("Stop reading; what was read so far stays"));
  connect(cancel_, &QPushButton::clicked, this, [this] { session_->cancel(); });
  statusBar()->addWidget(status_, 1);
  statusBar()->addPermanentWidget(progress_);
  statusBar()->addPermanentWidget(cancel_);
  progress_->hide();
  cancel_->hide();
}

void MainWindow::buildActions() {
  QMenu* file = menuBar()->addMenu(tr("&File"));
  QAction* open = file->addAction(tr("&Open capture..."), this, &MainWindow::chooseAndOpen);
  open->setShortcut(QKeySequence::Open);
  recent_menu_ = file->addMenu(tr("Open &recent"));
  file->addSeparator();
  file->addAction(tr("Export ladder as SVG or PNG..."), QKeySequence(tr("Ctrl+E")), this,
                  &MainWindow::chooseAndExportLadder);
  file->addAction(tr("Export selected calls as pcap..."), QKeySequence(tr("Ctrl+Shift+E")), this,
                  &MainWindow::chooseAndExportPcap);
  file->addAction(tr("Export call list as CSV..."), this, &MainWindow::chooseAndExportCsv);
  file->addSeparator();
  file->addAction(tr("&Quit"), QKeySequence::Quit, this, &QWidget::close);

  QMenu* capture = menuBar()->addMenu(tr("&Capture"));
  start_live_ =
      capture->addAction(tr("&Start live capture..."), QKeySequence(tr("Ctrl+K")), this, [this] {
        CaptureDialog dialog(this);
        if (dialog.exec() != QDialog::Accepted) return;
        QString error;
        if (!startLive(dialog.request(), error)) QMessageBox::warning(this, tr("sipws"), error);
      });
  stop_live_ = capture->addAction(tr("S&top"), QKeySequence(tr("Ctrl+Shift+K")), this,
                                  &MainWindow::stopLive);
  stop_live_->setEnabled(false);
  capture->addSeparator();
  capture->addAction(tr("TLS &key log file..."), this, [this] {
    const QString path = QFileDialog::getOpenFileName(
        this, tr("TLS key log (SSLKEYLOGFILE) for wss:// and SIP over TLS"), key_log_,
        tr("Key logs (*.keys *.log *.txt);;All files (*)"));
    if (path.isEmpty()) return;
    setKeyLogFile(path);
    statusBar()->showMessage(tr("TLS key log: %1 (used from the next capture opened)").arg(path),
                             8000);
  });
  capture->addAction(tr("No TLS key log"), this, [this] { setKeyLogFile({}); });

  QMenu* view = menuBar()->addMenu(tr("&View"));
  view->addAction(tr("Zoom in"), QKeySequence::ZoomIn, ladder_, &LadderView::zoomIn);
  view->addAction(tr("Zoom out"), QKeySequence::ZoomOut, ladder_, &LadderView::zoomOut);
  view->addAction(tr("Actual size"), QKeySequence(tr("Ctrl+0")), ladder_, &LadderView::resetZoom);
  view->addSeparator();
  with_legs_ = view->addAction(tr("Show all legs of a call (B2BUA)"));
  with_legs_->setCheckable(true);
  with_legs_->setChecked(true);
  connect(with_legs_, &QAction::toggled, this, &MainWindow::showSelectedCalls);
  view->addAction(tr("Find call"), QKeySequence::Find, this, [this] {
    filter_->setFocus();
    filter_->selectAll();
  });
  view->addAction(tr("Ladder"), QKeySequence(tr("Ctrl+L")), this, [this] { ladder_->setFocus(); });

  QToolBar* bar = addToolBar(tr("Main"));
  bar->setObjectName("main");
  bar->setMovable(false);
  bar->addAction(open);
  bar->addAction(start_live_);
  bar->addAction(stop_live_);
  bar->addSeparator();
  filter_ = new QLineEdit(bar);
  filter_->setPlaceholderText(tr("Filter calls: Call-ID, user, method, state (Ctrl+F)"));
  filter_->setClearButtonEnabled(true);
  filter_->setMinimumWidth(320);
  bar->addWidget(filter_);
  connect(filter_, &QLineEdit::textChanged, proxy_, &CallFilterProxy::setText);
  state_filter_ = new QComboBox(bar);
  for (const StateGroupInfo& group : all_state_groups()) {
    state_filter_->addItem(tr(std::string(group.title).c_str()), static_cast<int>(group.group));
  }
  bar->addWidget(state_filter_);
  media_filter_ = new QCheckBox(tr("One-way or no media"), bar);
  media_filter_->setToolTip(tr("Only calls whose media went one way or not at all"));
  bar->addWidget(media_filter_);
  connect(media_filter_, &QCheckBox::toggled, proxy_, &CallFilterProxy::setMediaProblems);
  connect(state_filter_, &QComboBox::currentIndexChanged, this, [this](int i) {
    proxy_->setStateGroup(
        static_cast<CallFilterProxy::StateGroup>(state_filter_->itemData(i).toInt()));
  });
}

bool MainWindow::loading() const {
  return session_->running();
}

void MainWindow::setShowLegs(bool legs) {
  with_legs_->setChecked(legs);
}

void MainWindow::resetForNewSession(const QString& title) {
  session_->cancel();
  // A new session, so that nothing published by the old one reaches the new models.
  AnalysisLimits limits;
  limits.dissector.tls_key_log = key_log_.toStdString();
  // Messages compressed and parsed again when shown: a gigabyte capture fits in memory.
  limits.compress_records = true;
  limits.media_limits.timelines = true;  // the Media tab's plots
  session_ = std::make_unique<AnalysisSession>(limits);
  connect(session_.get(), &AnalysisSession::changed, this, &MainWindow::applyDelta);
  connect(session_.get(), &AnalysisSession::finished, this, &MainWindow::onFinished);
  calls_->clear();
  findings_->replace({});
  if (!findings_dock_hidden_by_user_) findings_dock_->hide();  // until a finding comes
  ladder_->clearLadder();
  detail_->clear();
  media_->clear();
  shown_calls_.clear();
  frames_ = 0;
  messages_ = 0;
  selected_first_ = false;
  setWindowTitle(QStringLiteral("%1 - sipws").arg(title));
  progress_->setValue(0);
}

void MainWindow::openCapture(const QString& path) {
  if (liveRunning()) stopLive();
  resetForNewSession(QFileInfo(path).fileName());
  progress_->show();
  cancel_->show();
  rememberRecent(path);
  session_->start(path);
  updateStatus(nullptr);
}

bool MainWindow::liveRunning() const {
  return helper_ != nullptr && helper_->state() != QProcess::NotRunning;
}

bool MainWindow::startLive(const LiveCaptureRequest& request, QString& error) {
  if (liveRunning()) stopLive();
  fifo_dir_ = std::make_unique<QTemporaryDir>();
  const QString fifo = fifo_dir_->filePath("capture.pcapng");
  if (!fifo_dir_->isValid() || mkfifo(QFile::encodeName(fifo).constData(), 0600) != 0) {
    error = tr("cannot make a FIFO for the capture helper: %1").arg(strerror(errno));
    return false;
  }
  if (helper_ != nullptr) helper_->deleteLater();
  helper_ = new QProcess(this);
  helper_->setStandardOutputFile(fifo);
  helper_->setReadChannel(QProcess::StandardError);  // its counter lines; stdout is the FIFO
  connect(helper_, &QProcess::readyReadStandardError, this, &MainWindow::readHelperOutput);
  connect(helper_, &QProcess::finished, this, [this](int code, QProcess::ExitStatus) {
    readHelperOutput();
    start_live_->setEnabled(true);
    stop_live_->setEnabled(false);
    if (code != 0) statusBar()->showMessage(tr("The capture helper ended with code %1").arg(code));
  });
  resetForNewSession(tr("live: %1").arg(request.interface));
  counters_ = {};
  live_interface_ = request.interface;
  cancel_->hide();
  progress_->hide();
  // The FIFO opens when both ends do: the session's reading thread opens it for reading first,
  // then QProcess opens it for the helper's standard output (in this process, before forking).
  session_->start(fifo);
  helper_->start(request.helper, helper_arguments(request));
  if (!helper_->waitForStarted(5000)) {
    // QProcess has closed its end again, so the reading thread sees an empty stream and ends.
    error =
        tr("cannot start the capture helper %1: %2").arg(request.helper, helper_->errorString());
    return false;
  }
  start_live_->setEnabled(false);
  stop_live_->setEnabled(true);
  updateStatus(nullptr);
  return true;
}

void MainWindow::stopLive() {
  if (!liveRunning()) return;
  helper_->terminate();  // SIGTERM: the helper closes its files and the FIFO; the reading ends
  if (!helper_->waitForFinished(5000)) helper_->kill();
}

void MainWindow::readHelperOutput() {
  if (helper_ == nullptr) return;
  while (helper_->canReadLine()) {
    const QString line = QString::fromUtf8(helper_->readLine()).trimmed();
    if (parse_helper_counters(line, counters_)) continue;
    if (!line.isEmpty()) statusBar()->showMessage(line, 10000);  // "capturing on lo", errors
  }
  updateStatus(nullptr);
}

void MainWindow::fitCallColumns() {
  // Each column as wide as its content (sampled), within 60 characters, so that no Call-ID or
  // method is cut while a narrow column stretches.
  const int em = call_table_->fontMetrics().averageCharWidth();
  for (int c = 0; c < CallListModel::fieldColumns(); ++c) {
    call_table_->resizeColumnToContents(c);
    call_table_->setColumnWidth(c, std::min(call_table_->columnWidth(c), 60 * em));
  }
}

void MainWindow::applyDelta(const AnalysisDelta& delta) {
  const bool first_rows = calls_->rowCount() == 0;
  calls_->apply(delta.calls);
  calls_->applyEndings(delta.endings);
  if (first_rows && calls_->rowCount() > 0) fitCallColumns();
  const bool had_findings = findings_->rowCount() > 0;
  if (delta.replace_findings) {
    findings_->replace(delta.findings);
  } else {
    findings_->append(delta.findings);
  }
  // The Findings dock takes room only when there is something in it.
  if (!had_findings && findings_->rowCount() > 0 && !findings_dock_->isVisible() &&
      !findings_dock_hidden_by_user_) {
    findings_dock_->show();
  }
  frames_ = delta.frames;
  messages_ = delta.messages;
  if (delta.size > 0) {
    progress_->setValue(static_cast<int>(1000.0 * static_cast<double>(delta.position) /
                                         static_cast<double>(delta.size)));
  }
  // Calls on show that changed (live capture, or the end of a file): draw them again.
  bool redraw = delta.replace_findings;
  for (const CallRow& row : delta.calls) {
    redraw = redraw ||
             std::find(shown_calls_.begin(), shown_calls_.end(), row.call) != shown_calls_.end();
  }
  if (redraw && !shown_calls_.empty()) showSelectedCalls();
  updateStatus(&delta);
}

void MainWindow::onFinished(bool cancelled, const QString& error) {
  progress_->hide();
  cancel_->hide();
  updateStatus(nullptr);
  fitCallColumns();
  // A capture without SIP: say what was found instead of blank panes.
  if (calls_->rowCount() == 0 && frames_ > 0) {
    ladder_->setPlaceholder(
        tr("No SIP in %1 frames; %n finding(s).", "", findings_->rowCount()).arg(frames_));
  } else {
    ladder_->setPlaceholder(QString());
  }
  load_error_ = error;
  load_failed_ = !error.isEmpty() && calls_->rowCount() == 0 && frames_ == 0;
  if (!error.isEmpty()) {
    const bool nothing = load_failed_;
    statusBar()->showMessage((nothing ? tr("Cannot read: %1")
                                      : tr("Damaged capture: %1. "
                                           "Showing what was read."))
                                 .arg(error));
    if (nothing && isVisible() && !unattended_ &&
        qEnvironmentVariableIsEmpty("SIPWS_GUI_NO_DIALOGS")) {
      QMessageBox::warning(this, tr("sipws"), error);
    }
  } else if (cancelled) {
    statusBar()->showMessage(tr("Reading cancelled; showing what was read."), 8000);
  }
  // Show something at once: the first INVITE call (else the first call) and its first message.
  if (!selected_first_ && call_table_->selectionModel()->selectedRows().isEmpty() &&
      proxy_->rowCount() > 0) {
    int pick = 0;
    for (int r = 0; r < proxy_->rowCount(); ++r) {
      if (proxy_->index(r, CallListModel::columnOf(CallField::first_method)).data().toString() ==
          "INVITE") {
        pick = r;
        break;
      }
    }
    call_table_->selectRow(pick);
    ladder_->selectArrow(0);
  }
  selected_first_ = true;
  Q_EMIT loadFinished();
}

void MainWindow::updateStatus(const AnalysisDelta*) {
  QString state = loading() ? tr("reading") : tr("ready");
  if (!live_interface_.isEmpty() && (liveRunning() || counters_.captured > 0)) {
    state = tr("%1 on %2: %3 packets captured, dropped: %4 by the kernel, %5 from the queue")
                .arg(liveRunning() ? tr("live") : tr("stopped"), live_interface_)
                .arg(counters_.captured)
                .arg(counters_.kernel_drops)
                .arg(counters_.queue_drops);
  }
  status_->setText(tr("%1 calls, %2 SIP messages, %3 frames, %4 findings \u2014 %5")
                       .arg(calls_->rowCount())
                       .arg(messages_)
                       .arg(frames_)
                       .arg(findings_->rowCount())
                       .arg(state));
}

std::vector<std::uint64_t> MainWindow::selectedCalls() const {
  std::vector<std::uint64_t> out;
  for (const QModelIndex& i : call_table_->selectionModel()->selectedRows()) {
    out.push_back(i.data(CallListModel::CallIndexRole).toULongLong());
  }
  std::sort(out.begin(), out.end());
  return out;
}

void MainWindow::selectCalls(const std::vector<std::uint64_t>& calls) {
  QItemSelection selection;
  for (const std::uint64_t c : calls) {
    const QModelIndex source = calls_->index(static_cast<int>(c), 0);
    const QModelIndex i = proxy_->mapFromSource(source);
    if (i.isValid()) selection.select(i, i);
  }
  call_table_->selectionModel()->select(
      selection, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
  if (!selection.isEmpty()) call_table_->scrollTo(selection.indexes().front());
}

void MainWindow::showSelectedCalls() {
  // SIPWS_GUI_TIMING: how long the window is busy with the ladder (scripts/bench_ladder.sh).
  static const bool timing = !qEnvironmentVariableIsEmpty("SIPWS_GUI_TIMING");
  QElapsedTimer busy;
  busy.start();
  std::vector<std::uint64_t> calls = selectedCalls();
  if (with_legs_->isChecked()) {
    std::set<std::uint64_t> all(calls.begin(), calls.end());
    for (const std::uint64_t c : calls) {
      const CallRow* row = calls_->row(static_cast<int>(c));
      if (row == nullptr) continue;
      for (const std::uint64_t leg : session_->callsOfGroup(row->group)) all.insert(leg);
    }
    calls.assign(all.begin(), all.end());
  }
  const std::uint64_t selected_message =
      ladder_->selectedArrow() >= 0
          ? ladder_->ladder().arrows[static_cast<std::size_t>(ladder_->selectedArrow())].record
          : kNoId;
  shown_calls_ = calls;
  std::map<std::uint64_t, QStringList> marks;
  for (int r = 0; r < findings_->rowCount(); ++r) {
    const FindingRow* f = findings_->row(r);
    if (f->message != kNoId) {
      marks[f->message].push_back(
          QString::fromStdString(f->name + (f->detail.empty() ? std::string() : ": " + f->detail)));
    }
  }
  ladder_->setLadder(session_->ladder(calls), marks);
  if (!calls.empty()) {
    media_->show(
        session_->media(selectedCalls().empty() ? calls.front() : selectedCalls().front()));
  } else {
    media_->clear();
  }
  if (selected_message != kNoId) ladder_->selectMessage(selected_message);
  if (timing && !calls.empty()) {
    std::fprintf(stderr, "sipws-gui: ladder of %zu arrows and %zu media streams shown in %.3f s\n",
                 ladder_->ladder().arrows.size(), ladder_->ladder().streams.size(),
                 static_cast<double>(busy.nsecsElapsed()) / 1e9);
  }
}

void MainWindow::showMessage(std::uint64_t message) {
  detail_->show(session_->message(message));
}

void MainWindow::jumpToFinding(const QModelIndex& index) {
  const FindingRow* f = findings_->row(index.row());
  if (f == nullptr || f->message == kNoId) {
    if (f != nullptr) statusBar()->showMessage(tr("This finding is not about one message."), 5000);
    return;
  }
  const std::uint64_t call = f->call;
  if (call != kNoId) {
    if (!proxy_->mapFromSource(calls_->index(static_cast<int>(call), 0)).isValid()) {
      // Filtered out: show every call again so that the finding's call can be selected.
      filter_->clear();
      state_filter_->setCurrentIndex(0);
    }
    const auto selected = selectedCalls();
    if (std::find(selected.begin(), selected.end(), call) == selected.end()) selectCalls({call});
  }
  ladder_->selectMessage(f->message);
  detail_->show(session_->message(f->message));
  detail_->tabs()->setCurrentIndex(4);
}

bool MainWindow::exportLadder(const QString& path) {
  return path.endsWith(".svg", Qt::CaseInsensitive) ? ladder_->exportSvg(path)
                                                    : ladder_->exportPng(path);
}

bool MainWindow::exportCallsPcap(const QString& path, QString& error) {
  if (loading()) {
    error = tr("the capture is still being read");
    return false;
  }
  const auto calls = shown_calls_.empty() ? selectedCalls() : shown_calls_;
  if (calls.empty()) {
    error = tr("no call is selected");
    return false;
  }
  const ExportResult result = session_->exportCalls(calls, path);
  error = QString::fromStdString(result.error);
  return result.error.empty();
}

bool MainWindow::exportCallListCsv(const QString& path) {
  QFile file(path);
  if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate | QIODevice::Text)) return false;
  QTextStream out(&file);
  auto csv = [](QString text) {
    if (text.contains(',') || text.contains('"') || text.contains('\n')) {
      text.replace("\"", "\"\"");
      text = '"' + text + '"';
    }
    return text;
  };
  QStringList header;
  for (int c = 0; c < proxy_->columnCount(); ++c) {
    header << csv(proxy_->headerData(c, Qt::Horizontal, Qt::DisplayRole).toString());
  }
  out << header.join(',') << '\n';
  for (int r = 0; r < proxy_->rowCount(); ++r) {
    QStringList cells;
    for (int c = 0; c < proxy_->columnCount(); ++c) {
      cells << csv(proxy_->index(r, c).data(Qt::DisplayRole).toString());
    }
    out << cells.join(',') << '\n';
  }
  return file.error() == QFile::NoError;
}

void MainWindow::chooseAndOpen() {
  const QString path = QFileDialog::getOpenFileName(this, tr("Open capture"), {}, kCaptureFilter);
  if (!path.isEmpty()) openCapture(path);
}

void MainWindow::chooseAndExportLadder() {
  const QString path = QFileDialog::getSaveFileName(this, tr("Export ladder"), "ladder.svg",
                                                    tr("SVG (*.svg);;PNG (*.png)"));
  if (!path.isEmpty() && !exportLadder(path)) {
    QMessageBox::warning(this, tr("sipws"), tr("Could not write %1").arg(path));
  }
}

void MainWindow::chooseAndExportPcap() {
  const QString path = QFileDialog::getSaveFileName(this, tr("Export selected calls"), "calls.pcap",
                                                    tr("pcap (*.pcap)"));
  if (path.isEmpty()) return;
  QString error;
  if (!exportCallsPcap(path, error)) QMessageBox::warning(this, tr("sipws"), error);
}

void MainWindow::chooseAndExportCsv() {
  const QString path =
      QFileDialog::getSaveFileName(this, tr("Export call list"), "calls.csv", tr("CSV (*.csv)"));
  if (!path.isEmpty() && !exportCallListCsv(path)) {
    QMessageBox::warning(this, tr("sipws"), tr("Could not write %1").arg(path));
  }
}

void MainWindow::rememberRecent(const QString& path) {
  const QString absolute = QFileInfo(path).absoluteFilePath();
  if (!QFileInfo(absolute).isFile()) return;  // pipes are not worth remembering
  QSettings settings;
  QStringList recent = settings.value("recent").toStringList();
  recent.removeAll(absolute);
  recent.prepend(absolute);
  while (recent.size() > kMaxRecent) recent.removeLast();
  settings.setValue("recent", recent);
  updateRecentMenu();
}

void MainWindow::updateRecentMenu() {
  recent_menu_->clear();
  const QStringList recent = QSettings().value("recent").toStringList();
  for (const QString& path : recent) {
    recent_menu_->addAction(path, this, [this, path] { openCapture(path); });
  }
  recent_menu_->setEnabled(!recent.isEmpty());
}

void MainWindow::showEvent(QShowEvent* event) {
  QMainWindow::showEvent(event);
  if (!shown_once_ && QSettings().value("window/state").isNull()) {
    // First start: a strip of findings (once the layout has settled).
    QTimer::singleShot(0, this, [this] { resizeDocks({findings_dock_}, {130}, Qt::Vertical); });
  }
  shown_once_ = true;
}

void MainWindow::closeEvent(QCloseEvent* event) {
  stopLive();
  session_->cancel();
  QSettings settings;
  settings.setValue("window/geometry", saveGeometry());
  settings.setValue("window/state", saveState());
  settings.setValue("window/vertical", vertical_->saveState());
  settings.setValue("window/horizontal", horizontal_->saveState());
  event->accept();
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event) {
  if (event->mimeData()->hasUrls()) event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event) {
  const auto urls = event->mimeData()->urls();
  if (!urls.isEmpty() && urls.front().isLocalFile()) {
    openCapture(urls.front().toLocalFile());
    event->acceptProposedAction();
  }
}

}  // namespace sipws::gui
