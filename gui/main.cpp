// sipws-gui: the Qt front end. `sipws-gui [capture]` opens the capture given, if any.
// `--screenshot FILE` opens it, saves what the screen shows of the window once the capture is
// read (the call list, the first call's ladder and message), and quits: exit code 0 when all
// three show something, 3 when one of them is empty, 2 when the capture cannot be read (for
// checks under Xvfb, and for docs). `--tab NAME` shows that tab of the detail pane (the Media
// tab, for a picture of a call's media).

#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QScreen>
#include <QTabWidget>
#include <QTimer>
#include <cstdio>
#include <memory>
#include <string>

#include "gui/call_list_model.h"
#include "gui/ladder_view.h"
#include "gui/main_window.h"
#include "gui/media_panel.h"
#include "gui/message_detail.h"
#include "gui/stream_plot.h"

namespace {

const QCommandLineOption kScreenshot(
    "screenshot",
    "Save a picture of the window to FILE once the capture is read, then quit (exit status 2 "
    "when the capture cannot be read, 3 when a pane is empty).",
    "FILE");

const QCommandLineOption kTab(
    "tab",
    "Show this tab of the detail pane once the capture is read: SIP, Headers, SDP, WebSocket, "
    "Findings or Media (with --screenshot, what the picture shows).",
    "NAME");

void describe(QCommandLineParser& parser) {
  QCoreApplication::setOrganizationName("sipws");
  QCoreApplication::setApplicationName("sipws-gui");
  QCoreApplication::setApplicationVersion("0.1.0");
  parser.setApplicationDescription("sipws-gui: SIP over WebSocket calls, ladders and findings");
  parser.addHelpOption();
  parser.addVersionOption();
  parser.addPositionalArgument("capture", "pcap or pcapng file, optionally gzip-compressed");
  parser.addOption(kScreenshot);
  parser.addOption(kTab);
}

// A tab's title as shown (without its shortcut's '&').
QString tab_title(const QTabWidget* tabs, int i) {
  return tabs->tabText(i).remove('&');
}

// The detail pane's tab called `name` (any case), or -1.
int tab_named(const QTabWidget* tabs, const QString& name) {
  for (int i = 0; i < tabs->count(); ++i) {
    if (tab_title(tabs, i).compare(name, Qt::CaseInsensitive) == 0) return i;
  }
  return -1;
}

}  // namespace

int main(int argc, char** argv) {
  // --help and --version need no display: a QApplication would abort without one (Qt's "could
  // not connect to display"), so they are answered by a core application first.
  for (int i = 1; i < argc; ++i) {
    const std::string word = argv[i];
    if (word == "-h" || word == "--help" || word == "--help-all" || word == "-v" ||
        word == "--version") {
      QCoreApplication core(argc, argv);
      QCommandLineParser parser;
      describe(parser);
      parser.process(core);  // prints and exits
      return 0;
    }
  }
  QElapsedTimer since_start;
  since_start.start();
  QApplication app(argc, argv);
  QCommandLineParser parser;
  describe(parser);
  parser.process(app);
  const QCommandLineOption& screenshot = kScreenshot;
  sipws::gui::MainWindow window;
  window.setUnattended(parser.isSet(screenshot));
  window.show();
  const QStringList files = parser.positionalArguments();
  if (parser.isSet(kTab)) {
    QTabWidget* tabs = window.messageDetail()->tabs();
    const int tab = tab_named(tabs, parser.value(kTab));
    if (tab < 0) {
      QStringList names;
      for (int i = 0; i < tabs->count(); ++i) names << tab_title(tabs, i);
      std::fprintf(stderr, "sipws-gui: --tab: no tab called \"%s\" (there are: %s)\n",
                   parser.value(kTab).toLocal8Bit().constData(),
                   names.join(", ").toLocal8Bit().constData());
      return 1;
    }
    // Nothing switches tabs on its own: it stays as the capture is read.
    tabs->setCurrentIndex(tab);
  }
  if (parser.isSet(screenshot)) {
    if (files.isEmpty()) {
      std::fprintf(stderr, "sipws-gui: --screenshot needs a capture to open\n");
      return 1;
    }
    const QString path = parser.value(screenshot);
    QObject::connect(&window, &sipws::gui::MainWindow::loadFinished, &window, [&window, path] {
      if (window.loadFailed()) {
        // As the command line says it: the reason, and status 2.
        std::fprintf(stderr, "sipws-gui: %s\n", window.loadError().toLocal8Bit().constData());
        QApplication::exit(2);
        return;
      }
      // Let the window paint what it was just given, then take it off the screen.
      QTimer::singleShot(500, &window, [&window, path] {
        if (!qEnvironmentVariableIsEmpty("SIPWS_GUI_TIMING")) {
          // The ladder's last rows, drawn: what scrolling to the end of a long call costs.
          QElapsedTimer drawn;
          drawn.start();
          sipws::gui::LadderView* ladder = window.ladderView();
          ladder->selectArrow(static_cast<int>(ladder->ladder().arrows.size()) - 1);
          const QPixmap end = ladder->viewport()->grab();
          std::fprintf(stderr,
                       "sipws-gui: ladder scrolled to its end and drawn in %.3f s (%dx%d)\n",
                       static_cast<double>(drawn.nsecsElapsed()) / 1e9, end.width(), end.height());
          ladder->selectArrow(0);
        }
        const QPixmap shot = window.screen()->grabWindow(window.winId());
        QDir().mkpath(QFileInfo(path).absolutePath());
        const bool saved = shot.save(path);
        const int calls = window.callModel()->rowCount();
        const std::size_t arrows = window.ladderView()->ladder().arrows.size();
        const bool message = !window.messageDetail()->sipText().isEmpty();
        // What the Media tab shows: its verdict and how many streams it plots.
        const sipws::gui::MediaPanel* media = window.mediaPanel();
        std::size_t plotted = 0;
        for (const auto& s : media->plot()->series()) plotted += s.present ? 1 : 0;
        std::printf(
            "%s: %dx%d, %d calls, %zu arrows in the ladder, message shown: %s, media: "
            "%s, %zu streams plotted, %zu media streams in the ladder, tab %s\n",
            path.toLocal8Bit().constData(), shot.width(), shot.height(), calls, arrows,
            message ? "yes" : "no", media->verdict().toLocal8Bit().constData(), plotted,
            window.ladderView()->ladder().streams.size(),
            tab_title(window.messageDetail()->tabs(),
                      window.messageDetail()->tabs()->currentIndex())
                .toLocal8Bit()
                .constData());
        std::fflush(stdout);
        QApplication::exit(!saved ? 2 : (calls > 0 && arrows > 0 && message) ? 0 : 3);
      });
    });
  }
  // SIPWS_GUI_TIMING: when the first call rows arrived and when the list was complete, on
  // standard error (scripts/bench_gui.sh reads them).
  if (!qEnvironmentVariableIsEmpty("SIPWS_GUI_TIMING")) {
    auto first = std::make_shared<bool>(true);
    QObject::connect(window.callModel(), &QAbstractItemModel::rowsInserted, &window,
                     [first, &since_start] {
                       if (!*first) return;
                       *first = false;
                       std::fprintf(stderr, "sipws-gui: first rows at %.3f s\n",
                                    static_cast<double>(since_start.nsecsElapsed()) / 1e9);
                     });
    QObject::connect(&window, &sipws::gui::MainWindow::loadFinished, &window,
                     [&window, &since_start] {
                       std::fprintf(stderr, "sipws-gui: list complete at %.3f s, %d calls\n",
                                    static_cast<double>(since_start.nsecsElapsed()) / 1e9,
                                    window.callModel()->rowCount());
                     });
  }
  if (!files.isEmpty()) window.openCapture(files.front());
  return QApplication::exec();
}
