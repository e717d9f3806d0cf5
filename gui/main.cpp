// sipws-gui: the Qt front end. `sipws-gui [capture]` opens the capture given, if any.
// `--screenshot FILE` opens it, saves what the screen shows of the window once the capture is
// read (the call list, the first call's ladder and message), and quits: exit code 0 when all
// three show something, 3 when one of them is empty (for checks under Xvfb, and for docs).

#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QFileInfo>
#include <QScreen>
#include <QTimer>
#include <cstdio>

#include "gui/call_list_model.h"
#include "gui/ladder_view.h"
#include "gui/main_window.h"
#include "gui/message_detail.h"

int main(int argc, char** argv) {
  QApplication app(argc, argv);
  QApplication::setOrganizationName("sipws");
  QApplication::setApplicationName("sipws-gui");
  QApplication::setApplicationVersion("0.1.0");
  QCommandLineParser parser;
  parser.setApplicationDescription("sipws-gui: SIP over WebSocket calls, ladders and findings");
  parser.addHelpOption();
  parser.addVersionOption();
  parser.addPositionalArgument("capture", "pcap or pcapng file, optionally gzip-compressed");
  const QCommandLineOption screenshot(
      "screenshot", "Save a picture of the window to FILE once the capture is read, then quit.",
      "FILE");
  parser.addOption(screenshot);
  parser.process(app);
  sipws::gui::MainWindow window;
  window.show();
  const QStringList files = parser.positionalArguments();
  if (parser.isSet(screenshot)) {
    if (files.isEmpty()) {
      std::fprintf(stderr, "sipws-gui: --screenshot needs a capture to open\n");
      return 1;
    }
    const QString path = parser.value(screenshot);
    QObject::connect(&window, &sipws::gui::MainWindow::loadFinished, &window, [&window, path] {
      // Let the window paint what it was just given, then take it off the screen.
      QTimer::singleShot(500, &window, [&window, path] {
        const QPixmap shot = window.screen()->grabWindow(window.winId());
        QDir().mkpath(QFileInfo(path).absolutePath());
        const bool saved = shot.save(path);
        const int calls = window.callModel()->rowCount();
        const std::size_t arrows = window.ladderView()->ladder().arrows.size();
        const bool message = !window.messageDetail()->sipText().isEmpty();
        std::printf("%s: %dx%d, %d calls, %zu arrows in the ladder, message shown: %s\n",
                    path.toLocal8Bit().constData(), shot.width(), shot.height(), calls, arrows,
                    message ? "yes" : "no");
        std::fflush(stdout);
        QApplication::exit(!saved ? 2 : (calls > 0 && arrows > 0 && message) ? 0 : 3);
      });
    });
  }
  if (!files.isEmpty()) window.openCapture(files.front());
  return QApplication::exec();
}
