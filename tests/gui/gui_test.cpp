// sipws-gui, driven offscreen (QT_QPA_PLATFORM=offscreen): every model under
// QAbstractItemModelTester; for every bundled sample, the call list against `sipws calls`, each
// call's ladder against `sipws flow`; clicking an arrow shows its message; the WebSocket view's
// bytes; exports; a damaged file; and a PNG of the window per sample for people to look at.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <QAbstractItemModelTester>
#include <QApplication>
#include <QComboBox>
#include <QDir>
#include <QFile>
#include <QImage>
#include <QLineEdit>
#include <QProcess>
#include <QSignalSpy>
#include <QSvgRenderer>
#include <QTableView>
#include <QTableWidget>
#include <QTest>
#include <filesystem>
#include <map>

#include "gui/call_list_model.h"
#include "gui/findings_model.h"
#include "gui/ladder_view.h"
#include "gui/main_window.h"
#include "gui/media_panel.h"
#include "gui/message_detail.h"
#include "gui/stream_plot.h"

namespace sipws::gui {
namespace {

const QString kSamples = QStringLiteral(SIPWS_SAMPLES_DIR);
const QString kSipws = QStringLiteral(SIPWS_BIN_DIR "/sipws");

QString outDir() {
  const QString dir = QStringLiteral(SIPWS_GUI_OUT_DIR);
  QDir().mkpath(dir);
  return dir;
}

std::vector<QString> samples() {
  std::vector<QString> out;
  for (const auto& e : std::filesystem::directory_iterator(SIPWS_SAMPLES_DIR)) {
    const std::string name = e.path().filename().string();
    if (name.ends_with(".pcap") || name.ends_with(".pcapng") || name.ends_with(".gz"))
      out.push_back(QString::fromStdString(e.path().string()));
  }
  std::sort(out.begin(), out.end());
  return out;
}

QString run(const QStringList& args) {
  QProcess p;
  p.start(kSipws, args);
  p.waitForFinished(60000);
  return QString::fromUtf8(p.readAllStandardOutput());
}

// Rows of a TSV with a header line, as name -> value maps.
std::vector<std::map<QString, QString>> tsv(const QString& text) {
  std::vector<std::map<QString, QString>> rows;
  const QStringList lines = text.split('\n', Qt::SkipEmptyParts);
  if (lines.isEmpty()) return rows;
  const QStringList names = lines.front().split('\t');
  for (qsizetype i = 1; i < lines.size(); ++i) {
    const QStringList cells = lines[i].split('\t');
    std::map<QString, QString> row;
    for (qsizetype c = 0; c < names.size() && c < cells.size(); ++c) row[names[c]] = cells[c];
    rows.push_back(row);
  }
  return rows;
}

bool load(MainWindow& window, const QString& path) {
  QSignalSpy done(&window, &MainWindow::loadFinished);
  window.openCapture(path);
  return done.wait(60000);
}

// The call list's row of the last call that began with an INVITE (-1 when none).
int invite_row(const MainWindow& window) {
  int invite = -1;
  for (int r = 0; r < window.callModel()->rowCount(); ++r) {
    if (window.callModel()->row(r)->first_method == "INVITE") invite = r;
  }
  return invite;
}

// The frame numbers of the arrows `sipws flow` prints for one call: the second line of each
// arrow starts with the time and the frame number.
std::vector<std::uint64_t> flow_frames(const QString& path, const QString& call_id) {
  std::vector<std::uint64_t> frames;
  const QString text = run({"flow", path, "--call", call_id});
  static const QRegularExpression arrow_line(R"(^\s+\d+\.\d+\s+(\d+)\s+\|)");
  for (const QString& line : text.split('\n')) {
    const auto m = arrow_line.match(line);
    if (m.hasMatch()) frames.push_back(m.captured(1).toULongLong());
  }
  return frames;
}

class Gui : public ::testing::Test {
 protected:
  void SetUp() override {
    window.resize(1280, 800);
    window.show();
  }
  MainWindow window;
};

TEST_F(Gui, ModelsPassQtModelTesterWhileACaptureLoads) {
  QAbstractItemModelTester calls(window.callModel(),
                                 QAbstractItemModelTester::FailureReportingMode::Fatal);
  QAbstractItemModelTester proxy(window.callProxy(),
                                 QAbstractItemModelTester::FailureReportingMode::Fatal);
  QAbstractItemModelTester findings(window.findingsModel(),
                                    QAbstractItemModelTester::FailureReportingMode::Fatal);
  ASSERT_TRUE(load(window, kSamples + "/ws-impaired-tcp.pcap"));
  EXPECT_GT(window.callModel()->rowCount(), 50);
  window.filterBox()->setText("REGISTER");
  window.stateFilter()->setCurrentIndex(3);
  ASSERT_TRUE(load(window, kSamples + "/ws-udp-two-legs.pcap"));
  window.filterBox()->clear();
  window.stateFilter()->setCurrentIndex(0);
  EXPECT_EQ(window.callProxy()->rowCount(), window.callModel()->rowCount());
}

TEST_F(Gui, EverySampleFillsTheCallListWithTheCallsOfSipwsCalls) {
  int compared = 0;
  for (const QString& path : samples()) {
    SCOPED_TRACE(path.toStdString());
    // wss captures come with their TLS key log: both front ends decrypt with it.
    QString keys = path;
    keys.replace(QRegularExpression(R"(\.pcap(ng)?(\.gz)?$)"), ".keys");
    const bool has_keys = QFile::exists(keys);
    window.setKeyLogFile(has_keys ? keys : QString());
    ASSERT_TRUE(load(window, path));
    QStringList args{"calls", "--format", "tsv", path};
    if (has_keys) args << "--keylog" << keys;
    const auto expected = tsv(run(args));
    if (QFileInfo(path).fileName().startsWith("wss-")) {
      EXPECT_FALSE(expected.empty());
    }
    ASSERT_EQ(window.callModel()->rowCount(), static_cast<int>(expected.size()));
    for (std::size_t i = 0; i < expected.size(); ++i) {
      const CallRow* row = window.callModel()->row(static_cast<int>(i));
      ASSERT_NE(row, nullptr);
      auto& e = expected[i];
      EXPECT_EQ(QString::fromStdString(row->call_id), e.at("call_id"));
      EXPECT_EQ(QString::fromStdString(std::string(call_state_name(row->state))), e.at("state"));
      EXPECT_EQ(row->final_status == 0 ? QString() : QString::number(row->final_status),
                e.at("final_status"));
      EXPECT_EQ(QString::number(row->messages), e.at("messages"));
      EXPECT_EQ(QString::fromStdString(row->from_user), e.at("from_user"));
      EXPECT_EQ(QString::fromStdString(row->to_user), e.at("to_user"));
      EXPECT_EQ(QString::number(row->group), e.at("group"));
      ++compared;
    }
    // A picture of what a user sees, for people (not compared).
    window.grab().save(outDir() + "/" + QFileInfo(path).fileName() + ".png");
  }
  EXPECT_GT(compared, 150);
}

TEST_F(Gui, SelectingACallDrawsTheArrowsOfSipwsFlow) {
  for (const QString name : {"ws-call-answered.pcap", "ws-udp-two-legs.pcap",
                             "ws-call-cancelled.pcap", "ws-deflate-fragmented.pcap"}) {
    const QString path = kSamples + "/" + name;
    SCOPED_TRACE(name.toStdString());
    ASSERT_TRUE(load(window, path));
    window.setShowLegs(false);
    for (int r = 0; r < window.callModel()->rowCount(); ++r) {
      const CallRow* row = window.callModel()->row(r);
      window.selectCalls({row->call});
      const Ladder& ladder = window.ladderView()->ladder();
      std::vector<std::uint64_t> frames;
      for (const LadderArrow& a : ladder.arrows) frames.push_back(a.frame);
      EXPECT_EQ(frames, flow_frames(path, QString::fromStdString(row->call_id)))
          << "call " << row->call_id;
      EXPECT_EQ(ladder.arrows.size(), row->messages);
    }
  }
}

TEST_F(Gui, ClickingAnArrowShowsThatMessage) {
  ASSERT_TRUE(load(window, kSamples + "/ws-call-answered.pcap"));
  // The window picked the INVITE call and its first message by itself.
  ASSERT_FALSE(window.selectedCalls().empty());
  LadderView* ladder = window.ladderView();
  ASSERT_GT(ladder->ladder().arrows.size(), 4u);
  for (int i : {3, 1, 4}) {
    const LadderArrow& arrow = ladder->ladder().arrows[static_cast<std::size_t>(i)];
    const QPoint at = ladder->mapFromScene(ladder->arrowCentre(i));
    ladder->ensureVisible(QRectF(ladder->arrowCentre(i), QSizeF(1, 1)));
    QTest::mouseClick(ladder->viewport(), Qt::LeftButton, {},
                      ladder->mapFromScene(ladder->arrowCentre(i)));
    (void)at;
    EXPECT_EQ(ladder->selectedArrow(), i);
    const MessageSnapshot& shown = window.messageDetail()->message();
    EXPECT_EQ(shown.message, arrow.record);
    EXPECT_EQ(shown.frame, arrow.frame);
    const QString label = QString::fromStdString(arrow.label).section(' ', 0, 0);
    EXPECT_TRUE(window.messageDetail()->sipText().contains(label)) << label.toStdString();
  }
  // Keyboard: Down moves to the next arrow.
  ladder->setFocus();
  const int before = ladder->selectedArrow();
  QTest::keyClick(ladder->viewport(), Qt::Key_Down);
  QTest::keyClick(ladder, Qt::Key_Down);
  EXPECT_GT(ladder->selectedArrow(), before);
}

TEST_F(Gui, WebSocketViewShowsMaskedAndUnmaskedBytesOfEachFrame) {
  ASSERT_TRUE(load(window, kSamples + "/ws-fragmented-pings.pcap"));
  // Find a message from the client in several frames.
  bool checked = false;
  for (int r = 0; r < window.callModel()->rowCount() && !checked; ++r) {
    window.selectCalls({window.callModel()->row(r)->call});
    for (const LadderArrow& a : window.ladderView()->ladder().arrows) {
      const MessageSnapshot m = window.session()->message(a.record);
      if (!m.websocket || !m.carrier.masked || m.carrier.frames < 2) continue;
      window.ladderView()->selectMessage(a.record);
      MessageDetail* d = window.messageDetail();
      ASSERT_EQ(d->framesTable()->rowCount(), static_cast<int>(m.carrier.frames));
      ASSERT_EQ(m.frames.size(), m.carrier.frames);
      std::uint64_t total = 0;
      for (const auto& f : m.frames) {
        EXPECT_TRUE(f.header.masked);
        EXPECT_EQ(f.wire.size(), f.header.length);
        total += f.header.length;
      }
      EXPECT_EQ(total, m.carrier.wire_bytes);
      // Unmasking the wire bytes gives the message text, frame after frame.
      std::string joined;
      for (const auto& f : m.frames) joined.append(f.unmasked.begin(), f.unmasked.end());
      EXPECT_EQ(joined, m.text);
      EXPECT_NE(d->wireHex(), d->unmaskedHex());
      EXPECT_TRUE(d->unmaskedHex().contains(QString::fromStdString(m.text.substr(0, 3))));
      checked = true;
      break;
    }
  }
  EXPECT_TRUE(checked) << "no fragmented client message in the sample";

  // A compressed message: the frames hold the compressed bytes, smaller than the text.
  ASSERT_TRUE(load(window, kSamples + "/ws-deflate-register.pcap"));
  window.selectCalls({0});
  const auto& arrows = window.ladderView()->ladder().arrows;
  ASSERT_FALSE(arrows.empty());
  const MessageSnapshot m = window.session()->message(arrows.front().record);
  ASSERT_TRUE(m.carrier.compressed);
  ASSERT_FALSE(m.frames.empty());
  EXPECT_LT(m.carrier.wire_bytes, m.inflated_bytes);
  EXPECT_EQ(m.frames.front().unmasked.size(), m.frames.front().header.length);
}

TEST_F(Gui, ExportsProduceValidSvgPngPcapAndCsv) {
  const QString path = kSamples + "/ws-udp-two-legs.pcap";
  ASSERT_TRUE(load(window, path));
  window.selectCalls({0});
  const QString dir = outDir();
  ASSERT_TRUE(window.exportLadder(dir + "/ladder.svg"));
  QSvgRenderer svg(dir + "/ladder.svg");
  EXPECT_TRUE(svg.isValid());
  EXPECT_GT(svg.defaultSize().width(), 300);
  ASSERT_TRUE(window.exportLadder(dir + "/ladder.png"));
  QImage png(dir + "/ladder.png");
  EXPECT_FALSE(png.isNull());
  EXPECT_GT(png.height(), 200);

  QString error;
  ASSERT_TRUE(window.exportCallsPcap(dir + "/calls.pcap", error)) << error.toStdString();
  // The exported pcap holds exactly the messages on show (all legs of the call).
  std::size_t shown = window.ladderView()->ladder().arrows.size();
  const auto messages = tsv(run({"messages", "--format", "tsv", dir + "/calls.pcap"}));
  EXPECT_EQ(messages.size(), shown);

  ASSERT_TRUE(window.exportCallListCsv(dir + "/calls.csv"));
  QFile csv(dir + "/calls.csv");
  ASSERT_TRUE(csv.open(QIODevice::ReadOnly));
  const QStringList lines = QString::fromUtf8(csv.readAll()).split('\n', Qt::SkipEmptyParts);
  EXPECT_EQ(lines.size(), window.callModel()->rowCount() + 1);
  EXPECT_TRUE(lines.front().startsWith("Start,Call-ID,"));
}

TEST_F(Gui, FindingsPanelJumpsToTheMessage) {
  ASSERT_TRUE(load(window, kSamples + "/ws-midstream.pcap"));
  FindingsModel* f = window.findingsModel();
  int row = -1;
  for (int r = 0; r < f->rowCount(); ++r) {
    if (f->row(r)->message != kNoId) {
      row = r;
      break;
    }
  }
  ASSERT_GE(row, 0) << "no finding about a message";
  const std::uint64_t message = f->row(row)->message;
  window.findingsTable()->setCurrentIndex(f->index(row, 0));
  QTest::mouseClick(window.findingsTable()->viewport(), Qt::LeftButton, {},
                    window.findingsTable()->visualRect(f->index(row, 1)).center());
  EXPECT_EQ(window.messageDetail()->message().message, message);
  EXPECT_FALSE(window.messageDetail()->message().findings.empty());
}

// The call list's columns are the session's field table (session/call_fields): its titles in its
// order, its state groups in the menu.
TEST_F(Gui, CallListColumnsComeFromTheFieldTable) {
  const auto fields = gui_call_fields();
  ASSERT_EQ(window.callModel()->columnCount(), static_cast<int>(fields.size()));
  for (int c = 0; c < window.callModel()->columnCount(); ++c) {
    EXPECT_EQ(window.callModel()->headerData(c, Qt::Horizontal, Qt::DisplayRole).toString(),
              QString::fromStdString(std::string(call_field(fields[c]).title)));
  }
  ASSERT_EQ(window.stateFilter()->count(), static_cast<int>(all_state_groups().size()));
  for (int i = 0; i < window.stateFilter()->count(); ++i) {
    EXPECT_EQ(window.stateFilter()->itemText(i),
              QString::fromStdString(std::string(all_state_groups()[i].title)));
  }
}

TEST_F(Gui, FilterBoxAndStateGroupNarrowTheList) {
  ASSERT_TRUE(load(window, kSamples + "/ws-udp-two-legs.pcap"));
  const int all = window.callProxy()->rowCount();
  ASSERT_GT(all, 1);
  window.filterBox()->setText("busy");
  EXPECT_EQ(window.callProxy()->rowCount(), 1);
  window.filterBox()->clear();
  window.stateFilter()->setCurrentIndex(2);  // answered
  for (int r = 0; r < window.callProxy()->rowCount(); ++r) {
    const auto state = static_cast<CallState>(
        window.callProxy()->index(r, 0).data(CallListModel::StateRole).toInt());
    EXPECT_TRUE(state == CallState::completed || state == CallState::in_call);
  }
  EXPECT_LT(window.callProxy()->rowCount(), all);
}

TEST_F(Gui, ADamagedCaptureKeepsWhatWasReadAndSaysSo) {
  QFile in(kSamples + "/ws-call-answered.pcap");
  ASSERT_TRUE(in.open(QIODevice::ReadOnly));
  const QByteArray bytes = in.readAll();
  const QString cut = outDir() + "/cut.pcap";
  QFile out(cut);
  ASSERT_TRUE(out.open(QIODevice::WriteOnly | QIODevice::Truncate));
  out.write(bytes.left(bytes.size() * 2 / 3 + 7));
  out.close();
  QSignalSpy finished(window.session(), &AnalysisSession::finished);
  ASSERT_TRUE(load(window, cut));
  EXPECT_GT(window.callModel()->rowCount(), 0);
  bool truncated = false;
  for (int r = 0; r < window.findingsModel()->rowCount(); ++r)
    truncated = truncated || window.findingsModel()->row(r)->name == "capture.truncated";
  EXPECT_TRUE(truncated);

  ASSERT_TRUE(load(window, outDir() + "/no-such-file.pcap"));
  EXPECT_EQ(window.callModel()->rowCount(), 0);
}

// A UDP socket bound to 127.0.0.1:port.
int udp_socket(std::uint16_t port) {
  const int fd = socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd >= 0 && bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

void send_to(int fd, std::uint16_t port, const std::string& text) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  (void)sendto(fd, text.data(), text.size(), 0, reinterpret_cast<sockaddr*>(&a), sizeof a);
}

std::string options_message(int i, bool response) {
  const std::string n = std::to_string(i);
  return std::string(response ? "SIP/2.0 200 OK" : "OPTIONS sip:probe@127.0.0.1:15997 SIP/2.0") +
         "\r\nVia: SIP/2.0/UDP 127.0.0.1:15996;branch=z9hG4bK-gui" + n +
         "\r\nMax-Forwards: 70\r\nFrom: <sip:gui@127.0.0.1>;tag=f" + n +
         "\r\nTo: <sip:probe@127.0.0.1>" + (response ? ";tag=t" : "") + "\r\nCall-ID: gui-live-" +
         n + "@127.0.0.1\r\nCSeq: " + n + " OPTIONS\r\nContent-Length: 0\r\n\r\n";
}

// Real traffic on the loopback interface, captured by the real helper (root, as CI runs).
TEST_F(Gui, LiveCaptureOnLoopbackShowsCallsAsTheyHappen) {
  if (geteuid() != 0) {
    if (std::getenv("CI") != nullptr) FAIL() << "live capture needs root (CI runs as root)";
    GTEST_SKIP() << "live capture needs root";
  }
  LiveCaptureRequest request;
  request.helper = kSipws;
  request.interface = "lo";
  request.filter = "udp port 15997";
  request.write_path = outDir() + "/live.pcap";
  QFile::remove(request.write_path);
  QString error;
  ASSERT_TRUE(window.startLive(request, error)) << error.toStdString();
  // The helper has the device open once its first counter line arrives (every second).
  ASSERT_TRUE(QTest::qWaitFor([&] { return window.liveCounters().seen; }, 10000));
  const int a = udp_socket(15996);
  const int b = udp_socket(15997);
  ASSERT_GE(a, 0);
  ASSERT_GE(b, 0);
  constexpr int kCalls = 25;
  for (int i = 1; i <= kCalls; ++i) {
    send_to(a, 15997, options_message(i, false));
    send_to(b, 15996, options_message(i, true));
    QTest::qWait(20);
  }
  close(a);
  close(b);
  // Shown while the capture still runs: live, not after the fact.
  EXPECT_TRUE(QTest::qWaitFor([&] { return window.callModel()->rowCount() == kCalls; }, 15000))
      << window.callModel()->rowCount() << " calls shown";
  EXPECT_TRUE(window.liveRunning());
  for (int r = 0; r < window.callModel()->rowCount(); ++r) {
    const CallRow* row = window.callModel()->row(r);
    EXPECT_EQ(row->state, CallState::ok) << row->call_id;
    EXPECT_EQ(row->messages, 2u) << row->call_id;
  }
  QSignalSpy done(&window, &MainWindow::loadFinished);
  window.stopLive();
  ASSERT_TRUE(done.count() > 0 || done.wait(15000));
  EXPECT_FALSE(window.liveRunning());
  EXPECT_GE(window.liveCounters().captured, 2u * kCalls);
  EXPECT_EQ(window.liveCounters().kernel_drops, 0u);
  EXPECT_EQ(window.liveCounters().queue_drops, 0u);
  // What the helper wrote re-reads to the same calls.
  const auto written = tsv(run({"calls", "--format", "tsv", request.write_path}));
  EXPECT_EQ(written.size(), static_cast<std::size_t>(kCalls));
  window.grab().save(outDir() + "/live.png");
}

TEST_F(Gui, AHelperThatCannotStartIsReportedAndLeavesTheWindowUsable) {
  LiveCaptureRequest request;
  request.helper = outDir() + "/no-such-helper";
  request.interface = "lo";
  QString error;
  EXPECT_FALSE(window.startLive(request, error));
  EXPECT_TRUE(error.contains("no-such-helper")) << error.toStdString();
  EXPECT_FALSE(window.liveRunning());
  ASSERT_TRUE(load(window, kSamples + "/ws-register.pcap"));
  EXPECT_EQ(window.callModel()->rowCount(), 1);
}

TEST(CaptureHelper, ArgumentsAndCounterLines) {
  LiveCaptureRequest r;
  r.interface = "eth0";
  r.filter = " tcp port 8080 ";
  r.write_path = "/tmp/x.pcap";
  r.rotate_megabytes = 2;
  EXPECT_EQ(helper_arguments(r),
            QStringList({"capture", "-i", "eth0", "--stats-interval", "1", "-f", "tcp port 8080",
                         "-w", "/tmp/x.pcap", "--rotate-size", "2097152"}));
  HelperCounters c;
  ASSERT_TRUE(
      parse_helper_counters("sipws-stats captured=12 written=12 kernel_drops=3 queue_drops=4", c));
  EXPECT_EQ(c.captured, 12u);
  EXPECT_EQ(c.kernel_drops, 3u);
  EXPECT_EQ(c.queue_drops, 4u);
  EXPECT_TRUE(c.seen);
  EXPECT_FALSE(parse_helper_counters("sipws: capturing on lo", c));
}

// The Media tab's plot and the ladder's media rows, against `sipws media` on the same call.
TEST_F(Gui, MediaPlotsAndLadderStreamsFollowTheStreams) {
  const QString path = kSamples + "/media/rtp-loss.pcap";
  ASSERT_TRUE(load(window, path));
  const int invite = invite_row(window);
  ASSERT_GE(invite, 0);
  window.callTable()->selectRow(
      window.callProxy()->mapFromSource(window.callModel()->index(invite, 0)).row());
  QCoreApplication::processEvents();
  const CallRow* row = window.callModel()->row(invite);
  const auto streams =
      tsv(run({"media", path, "--format", "tsv", "--call", QString::fromStdString(row->call_id)}));
  ASSERT_FALSE(streams.empty());

  // One series a row; each RTP row's intervals add up to its packets, and loss shows in the
  // plot of the stream that lost packets and nowhere else.
  const QTableWidget* table = window.mediaPanel()->streamsTable();
  const auto& series = window.mediaPanel()->plot()->series();
  ASSERT_EQ(series.size(), static_cast<std::size_t>(table->rowCount()));
  int packets_column = -1;
  int lost_column = -1;
  for (int c = 0; c < table->columnCount(); ++c) {
    if (table->horizontalHeaderItem(c)->text() == "Packets") packets_column = c;
    if (table->horizontalHeaderItem(c)->text() == "Lost") lost_column = c;
  }
  ASSERT_GE(packets_column, 0);
  ASSERT_GE(lost_column, 0);
  std::size_t rtp = 0;
  for (std::size_t r = 0; r < series.size(); ++r) {
    const StreamSeries& s = series[r];
    if (!s.present) continue;
    ++rtp;
    double packets = 0;
    for (const double pps : s.packets_per_second) packets += pps * s.interval;
    EXPECT_NEAR(packets, table->item(static_cast<int>(r), packets_column)->text().toDouble(), 0.5);
    const bool lost = table->item(static_cast<int>(r), lost_column)->text().toInt() > 0;
    const double worst = *std::max_element(s.loss_percent.begin(), s.loss_percent.end());
    EXPECT_EQ(worst > 0, lost) << r;
    EXPECT_FALSE(s.jitter_ms.empty());  // PCMU: the clock rate is known
  }
  EXPECT_EQ(rtp, static_cast<std::size_t>(
                     std::count_if(streams.begin(), streams.end(), [](const auto& m) {
                       return m.at("kind") == "rtp" || m.at("kind") == "srtp";
                     })));
  EXPECT_GT(rtp, 0u);
  EXPECT_GT(window.mediaPanel()->plot()->maxOf(1), 0);  // the loss pane has something to show

  // The ladder draws each RTP stream once, after the message before its first packet.
  const LadderView* ladder = window.ladderView();
  const auto texts = ladder->streamTexts();
  ASSERT_EQ(texts.size(), rtp);
  for (const auto& m : streams) {
    if (m.at("kind") != "rtp") continue;
    const QString expected = m.at("packets") + " pkts, " + m.at("lost") + " lost";
    EXPECT_EQ(std::count_if(texts.begin(), texts.end(),
                            [&](const QString& t) { return t.contains(expected); }),
              1)
        << expected.toStdString();
  }
  const Ladder& model = ladder->ladder();
  for (std::size_t i = 0; i < model.streams.size(); ++i) {
    for (std::size_t a = 0; a < model.arrows.size(); ++a) {
      EXPECT_EQ(ladder->arrowRowY(a) < ladder->streamRowY(i),
                model.arrows[a].frame < model.streams[i].first_frame)
          << "arrow " << a << " stream " << i;
    }
  }
}

}  // namespace
}  // namespace sipws::gui

int main(int argc, char** argv) {
  qputenv("SIPWS_GUI_NO_DIALOGS", "1");
  // Offscreen unless told otherwise (ctest says so too; test discovery runs without it).
  if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
  QApplication app(argc, argv);
  QApplication::setOrganizationName("sipws-tests");  // keeps the user's settings untouched
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}

namespace sipws::gui {
namespace {

// The Media tab and the media quick filter on a real one-way call (samples/media/one-way.pcap:
// nftables dropped the callee's RTP): the banner says the verdict and why, the streams are those
// `sipws media` lists for the call, and the filter keeps exactly the calls `calls` says went one
// way or nowhere.
TEST_F(Gui, MediaTabAndQuickFilterFollowTheVerdicts) {
  const QString path = kSamples + "/media/one-way.pcap";
  ASSERT_TRUE(load(window, path));
  const int invite = invite_row(window);
  ASSERT_GE(invite, 0);
  const CallRow* row = window.callModel()->row(invite);
  EXPECT_EQ(row->media, "caller_to_callee_only");
  // The call list has the media columns.
  EXPECT_GE(CallListModel::columnOf(CallField::media), 0);
  window.callTable()->selectRow(
      window.callProxy()->mapFromSource(window.callModel()->index(invite, 0)).row());
  QCoreApplication::processEvents();
  EXPECT_TRUE(window.mediaPanel()->banner().contains("caller_to_callee_only"))
      << window.mediaPanel()->banner().toStdString();
  EXPECT_TRUE(window.mediaPanel()->banner().contains("media_stopped"));
  const auto streams =
      tsv(run({"media", path, "--format", "tsv", "--call", QString::fromStdString(row->call_id)}));
  EXPECT_EQ(window.mediaPanel()->streamsTable()->rowCount(), static_cast<int>(streams.size()));
  EXPECT_GT(streams.size(), 0u);
  EXPECT_FALSE(window.mediaPanel()->detailText().isEmpty());

  int problems = 0;
  for (const auto& c : tsv(run({"calls", path, "--format", "tsv"}))) {
    const QString media = c.at("media");
    if (media == "none" || media.endsWith("_only")) ++problems;
  }
  window.callProxy()->setMediaProblems(true);
  EXPECT_EQ(window.callProxy()->rowCount(), problems);
  window.callProxy()->setMediaProblems(false);
  EXPECT_EQ(window.callProxy()->rowCount(), window.callModel()->rowCount());
}

}  // namespace
}  // namespace sipws::gui
