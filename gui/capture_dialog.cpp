#include "gui/capture_dialog.h"

#include <QComboBox>
#include <QCoreApplication>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QRegularExpression>
#include <QSettings>
#include <QSpinBox>
#include <QStandardPaths>

#include "capture/live_capture.h"

namespace sipws::gui {

QStringList helper_arguments(const LiveCaptureRequest& r) {
  QStringList args{"capture", "-i", r.interface, "--stats-interval", "1"};
  if (!r.filter.trimmed().isEmpty()) args << "-f" << r.filter.trimmed();
  if (!r.write_path.isEmpty()) {
    args << "-w" << r.write_path;
    if (r.rotate_megabytes > 0)
      args << "--rotate-size" << QString::number(r.rotate_megabytes << 20);
    if (r.rotate_seconds > 0) args << "--rotate-seconds" << QString::number(r.rotate_seconds);
  }
  return args;
}

bool parse_helper_counters(const QString& line, HelperCounters& counters) {
  if (!line.startsWith("sipws-stats ")) return false;
  static const QRegularExpression field(R"((\w+)=(\d+))");
  HelperCounters c;
  c.seen = true;
  for (auto it = field.globalMatch(line); it.hasNext();) {
    const auto m = it.next();
    const quint64 value = m.captured(2).toULongLong();
    if (m.captured(1) == "captured") c.captured = value;
    if (m.captured(1) == "kernel_drops") c.kernel_drops = value;
    if (m.captured(1) == "queue_drops") c.queue_drops = value;
  }
  counters = c;
  return true;
}

QString default_helper() {
  const QString beside = QCoreApplication::applicationDirPath() + "/sipws";
  if (QFileInfo(beside).isExecutable()) return beside;
  const QString found = QStandardPaths::findExecutable("sipws");
  return found.isEmpty() ? beside : found;
}

CaptureDialog::CaptureDialog(QWidget* parent) : QDialog(parent) {
  setWindowTitle(tr("Live capture"));
  QSettings settings;
  auto* form = new QFormLayout;
  interface_ = new QComboBox(this);
  interface_->setEditable(true);
  const auto interfaces = list_interfaces();
  if (interfaces) {
    for (const InterfaceInfo& i : *interfaces) {
      QString label = QString::fromStdString(i.name);
      if (!i.description.empty()) label += " (" + QString::fromStdString(i.description) + ")";
      interface_->addItem(label, QString::fromStdString(i.name));
    }
  }
  const QString last = settings.value("capture/interface").toString();
  const int at = interface_->findData(last);
  if (at >= 0) interface_->setCurrentIndex(at);
  form->addRow(tr("Interface"), interface_);
  if (!interfaces) form->addRow(new QLabel(QString::fromStdString(interfaces.error()), this));

  filter_ = new QLineEdit(settings.value("capture/filter").toString(), this);
  filter_->setPlaceholderText(tr("BPF, e.g. tcp port 8080 or udp port 5060"));
  form->addRow(tr("Capture filter"), filter_);

  auto* write_row = new QHBoxLayout;
  write_ = new QLineEdit(settings.value("capture/write").toString(), this);
  write_->setPlaceholderText(tr("(optional) also keep what is captured in this pcap file"));
  auto* browse = new QPushButton(tr("Browse..."), this);
  connect(browse, &QPushButton::clicked, this, [this] {
    const QString path = QFileDialog::getSaveFileName(this, tr("Keep the capture in"),
                                                      write_->text(), "pcap (*.pcap)");
    if (!path.isEmpty()) write_->setText(path);
  });
  write_row->addWidget(write_);
  write_row->addWidget(browse);
  form->addRow(tr("Write to"), write_row);

  rotate_mb_ = new QSpinBox(this);
  rotate_mb_->setRange(0, 1 << 20);
  rotate_mb_->setSuffix(tr(" MB"));
  rotate_mb_->setSpecialValueText(tr("never"));
  rotate_mb_->setValue(settings.value("capture/rotate_mb", 0).toInt());
  form->addRow(tr("New file every"), rotate_mb_);
  rotate_s_ = new QSpinBox(this);
  rotate_s_->setRange(0, 7 * 24 * 3600);
  rotate_s_->setSuffix(tr(" s"));
  rotate_s_->setSpecialValueText(tr("never"));
  rotate_s_->setValue(settings.value("capture/rotate_s", 0).toInt());
  form->addRow(tr("or every"), rotate_s_);

  helper_ = new QLineEdit(settings.value("capture/helper", default_helper()).toString(), this);
  helper_->setToolTip(
      tr("The capture helper: `sipws capture`. It needs root or the CAP_NET_RAW capability "
         "(setcap cap_net_raw,cap_net_admin=eip on it); it drops to user nobody once the "
         "device is open."));
  form->addRow(tr("Capture helper"), helper_);

  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
  buttons->button(QDialogButtonBox::Ok)->setText(tr("Start"));
  connect(buttons, &QDialogButtonBox::accepted, this, [this] {
    QSettings s;
    const LiveCaptureRequest r = request();
    s.setValue("capture/interface", r.interface);
    s.setValue("capture/filter", r.filter);
    s.setValue("capture/write", r.write_path);
    s.setValue("capture/rotate_mb", rotate_mb_->value());
    s.setValue("capture/rotate_s", rotate_s_->value());
    s.setValue("capture/helper", r.helper);
    accept();
  });
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(form);
  layout->addWidget(buttons);
}

LiveCaptureRequest CaptureDialog::request() const {
  LiveCaptureRequest r;
  r.helper = helper_->text();
  // A listed interface by its name; anything typed in as it is.
  const QVariant listed = interface_->currentData();
  const bool typed = interface_->currentText() != interface_->itemText(interface_->currentIndex());
  r.interface = listed.isValid() && !typed ? listed.toString() : interface_->currentText();
  r.filter = filter_->text();
  r.write_path = write_->text();
  r.rotate_megabytes = rotate_mb_->value();
  r.rotate_seconds = rotate_s_->value();
  return r;
}

}  // namespace sipws::gui
