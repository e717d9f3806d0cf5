// sipws-gui: the Qt front end. `sipws-gui [capture]` opens the capture given, if any.

#include <QApplication>
#include <QCommandLineParser>

#include "gui/main_window.h"

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
  parser.process(app);
  sipws::gui::MainWindow window;
  window.show();
  const QStringList files = parser.positionalArguments();
  if (!files.isEmpty()) window.openCapture(files.front());
  return QApplication::exec();
}
