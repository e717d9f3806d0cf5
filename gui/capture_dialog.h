#pragma once
// Live capture, the Wireshark/dumpcap way: the GUI never captures (nor runs as root) itself. It
// starts the capture helper `sipws capture` (root, or CAP_NET_RAW file capabilities, drop to an
// unprivileged user once the device is open), which streams pcapng into a FIFO that the
// window's AnalysisSession reads like any capture; the helper's counter lines on standard error
// feed the drop counters of the status bar. This dialog asks what to capture.

#include <QDialog>
#include <QStringList>

class QComboBox;
class QLineEdit;
class QSpinBox;

namespace sipws::gui {

struct LiveCaptureRequest {
  QString helper;      // path of the `sipws` binary
  QString interface;   // e.g. "lo"
  QString filter;      // BPF
  QString write_path;  // also keep everything captured here (empty: do not)
  qint64 rotate_megabytes = 0;
  int rotate_seconds = 0;
};

// The helper's command line for a request (arguments after the program).
QStringList helper_arguments(const LiveCaptureRequest& request);

// One counter line of the helper ("sipws-stats captured=N written=N kernel_drops=N
// queue_drops=N"); false for any other line.
struct HelperCounters {
  quint64 captured = 0;
  quint64 kernel_drops = 0;
  quint64 queue_drops = 0;
  bool seen = false;  // a line has arrived: the helper has its device open
};
bool parse_helper_counters(const QString& line, HelperCounters& counters);

// The `sipws` binary beside sipws-gui, else the one on PATH.
QString default_helper();

class CaptureDialog final : public QDialog {
  Q_OBJECT

 public:
  explicit CaptureDialog(QWidget* parent = nullptr);
  LiveCaptureRequest request() const;

 private:
  QComboBox* interface_ = nullptr;
  QLineEdit* filter_ = nullptr;
  QLineEdit* write_ = nullptr;
  QSpinBox* rotate_mb_ = nullptr;
  QSpinBox* rotate_s_ = nullptr;
  QLineEdit* helper_ = nullptr;
};

}  // namespace sipws::gui
