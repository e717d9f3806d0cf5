#include "gui/media_panel.h"

#include <QFontDatabase>
#include <QHeaderView>
#include <QIcon>
#include <QLabel>
#include <QPixmap>
#include <QPlainTextEdit>
#include <QSplitter>
#include <QTableWidget>
#include <QVBoxLayout>

#include "gui/stream_plot.h"

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
  // The plot shows the selected rows (all of them when none is).
  connect(streams_, &QTableWidget::itemSelectionChanged, this, &MediaPanel::plotSelectedStreams);
  plot_ = new StreamPlot(split);
  detail_ = new QPlainTextEdit(split);
  detail_->setReadOnly(true);
  detail_->setLineWrapMode(QPlainTextEdit::WidgetWidth);
  detail_->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
  split->setStretchFactor(0, 2);  // streams
  split->setStretchFactor(1, 3);  // plot
  split->setStretchFactor(2, 2);  // ICE, DTLS
  layout->addWidget(split, 1);
  clear();
}

void MediaPanel::clear() {
  banner_->setText(tr("Select a call to see its media."));
  banner_->setStyleSheet({});
  streams_->clear();
  streams_->setRowCount(0);
  streams_->setColumnCount(0);
  series_.clear();
  verdict_.clear();
  plot_->setSeries({});
  detail_->clear();
}

void MediaPanel::plotSelectedStreams() {
  std::vector<StreamSeries> shown = series_;
  const auto selected = streams_->selectionModel()->selectedRows();
  if (!selected.isEmpty()) {
    std::vector<bool> keep(shown.size(), false);
    for (const QModelIndex& index : selected) {
      if (static_cast<std::size_t>(index.row()) < keep.size()) keep[index.row()] = true;
    }
    for (std::size_t i = 0; i < shown.size(); ++i) shown[i].present = shown[i].present && keep[i];
  }
  plot_->setSeries(std::move(shown));
}

void MediaPanel::show(const CallMediaSnapshot& media) {
  clear();
  if (!media.judged) {
    banner_->setText(tr("The media is tied to calls once the capture is read."));
    return;
  }
  // Green when both ways flowed, red when a way is missing, grey otherwise (held, no SDP).
  const QString verdict = QString::fromStdString(media.verdict);
  verdict_ = verdict;
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
  // Each plotted row's first cell carries its line's colour.
  series_ = media.series;
  series_.resize(media.streams.size());
  for (std::size_t r = 0; r < series_.size(); ++r) {
    QTableWidgetItem* first = streams_->item(static_cast<int>(r), 0);
    if (first == nullptr || !series_[r].present) continue;
    QPixmap swatch(10, 10);
    swatch.fill(StreamPlot::colour(r));
    first->setIcon(QIcon(swatch));
  }
  plotSelectedStreams();
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
