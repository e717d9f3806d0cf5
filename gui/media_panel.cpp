#include "gui/media_panel.h"

#include <QFontDatabase>
#include <QHeaderView>
#include <QLabel>
#include <QPlainTextEdit>
#include <QSplitter>
#include <QTableWidget>
#include <QVBoxLayout>

namespace sipws::gui {

MediaPanel::MediaPanel(QWidget* parent) : QWidget(parent) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  banner_ = new QLabel(this);
  banner_->setWordWrap(true);
  banner_->setMargin(6);
  banner_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  layout->addWidget(banner_);
  auto* split = new QSplitter(Qt::Vertical, this);
  streams_ = new QTableWidget(0, 0, split);
  streams_->verticalHeader()->hide();
  streams_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  streams_->setSelectionBehavior(QAbstractItemView::SelectRows);
  streams_->setWordWrap(false);
  detail_ = new QPlainTextEdit(split);
  detail_->setReadOnly(true);
  detail_->setLineWrapMode(QPlainTextEdit::WidgetWidth);
  detail_->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
  layout->addWidget(split, 1);
  clear();
}

void MediaPanel::clear() {
  banner_->setText(tr("Select a call to see its media."));
  banner_->setStyleSheet({});
  streams_->clear();
  streams_->setRowCount(0);
  streams_->setColumnCount(0);
  detail_->clear();
}

void MediaPanel::show(const CallMediaSnapshot& media) {
  clear();
  if (!media.judged) {
    banner_->setText(tr("The media is tied to calls once the capture is read."));
    return;
  }
  // Green when both ways flowed, red when a way is missing, grey otherwise (held, no SDP).
  const QString verdict = QString::fromStdString(media.verdict);
  const bool good = media.verdict == "both_ways";
  const bool bad = media.verdict == "none" || media.verdict.ends_with("_only");
  QString text = tr("<b>Media: %1</b>").arg(verdict.toHtmlEscaped());
  if (!media.reason.empty()) {
    text += tr(" &mdash; %1").arg(QString::fromStdString(media.reason).toHtmlEscaped());
  }
  if (!media.reason_detail.empty()) {
    text += "<br>" + QString::fromStdString(media.reason_detail).toHtmlEscaped();
  }
  if (!media.mos[0].empty() || !media.mos[1].empty()) {
    text += tr("<br>MOS caller &rarr; callee %1, callee &rarr; caller %2")
                .arg(QString::fromStdString(media.mos[0].empty() ? "-" : media.mos[0]),
                     QString::fromStdString(media.mos[1].empty() ? "-" : media.mos[1]));
  }
  banner_->setText(text);
  banner_->setStyleSheet(good  ? "background: #dff3df;"
                         : bad ? "background: #f8d7d7;"
                               : "background: #eeeeee;");
  streams_->setColumnCount(static_cast<int>(media.columns.size()));
  QStringList titles;
  for (const std::string& c : media.columns) titles << QString::fromStdString(c);
  streams_->setHorizontalHeaderLabels(titles);
  streams_->setRowCount(static_cast<int>(media.streams.size()));
  for (std::size_t r = 0; r < media.streams.size(); ++r) {
    for (std::size_t c = 0; c < media.streams[r].size(); ++c) {
      streams_->setItem(static_cast<int>(r), static_cast<int>(c),
                        new QTableWidgetItem(QString::fromStdString(media.streams[r][c])));
    }
  }
  streams_->resizeColumnsToContents();
  QStringList lines;
  for (const std::string& l : media.lines) lines << QString::fromStdString(l);
  detail_->setPlainText(lines.join('\n'));
}

QString MediaPanel::banner() const {
  return banner_->text();
}

QString MediaPanel::detailText() const {
  return detail_->toPlainText();
}

}  // namespace sipws::gui
