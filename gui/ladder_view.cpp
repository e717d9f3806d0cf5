#include "gui/ladder_view.h"

#include <QGraphicsScene>
#include <QGraphicsSimpleTextItem>
#include <QGraphicsTextItem>
#include <QImage>
#include <QKeyEvent>
#include <QPainter>
#include <QResizeEvent>
#include <QSvgGenerator>
#include <QWheelEvent>

#include "gui/snapshots.h"

namespace sipws::gui {
namespace {

// Geometry in scene units (pixels at zoom 1); the view scales for high-DPI and zoom.
constexpr double kTimeColumn = 120;
constexpr double kMinColumnWidth = 170;  // columns share the view's width, within these bounds
constexpr double kMaxColumnWidth = 280;
constexpr double kHeaderHeight = 64;
constexpr double kRowHeight = 38;
constexpr double kMargin = 16;

QColor arrow_colour(const LadderArrow& a) {
  if (a.request) return QColor(0x1f, 0x3b, 0x73);
  switch (a.status_code / 100) {
    case 0:
      return Qt::black;  // no status (a parse that kept none)
    case 1:
      return QColor(0x70, 0x70, 0x70);
    case 2:
      return QColor(0x1a, 0x7f, 0x37);
    case 3:
      return QColor(0x1f, 0x5f, 0xa8);
    default:
      return QColor(0xc0, 0x1c, 0x28);
  }
}

}  // namespace

// One message: its row (time text, arrow, label), selectable as a whole.
class LadderView::ArrowItem final : public QGraphicsItem {
 public:
  ArrowItem(const LadderArrow& arrow, double x_from, double x_to, double width,
            QStringList findings)
      : arrow_(arrow), x_from_(x_from), x_to_(x_to), width_(width), findings_(std::move(findings)) {
    setFlag(ItemIsSelectable);
    setAcceptHoverEvents(true);
    QString tip = QString::fromStdString(arrow.label) +
                  QStringLiteral("\nframe %1, %2")
                      .arg(arrow.frame)
                      .arg(QString::fromUtf8(transport_name(arrow.transport).data()));
    if (arrow.retransmission) tip += QStringLiteral("\nretransmission");
    for (const QString& f : findings_) tip += "\n\u26a0 " + f;
    setToolTip(tip);
  }
  QRectF boundingRect() const override { return {0, 0, width_, kRowHeight}; }
  const LadderArrow& arrow() const { return arrow_; }
  QPointF centre() const { return mapToScene(QPointF((x_from_ + x_to_) / 2, kRowHeight * 0.62)); }

  void paint(QPainter* p, const QStyleOptionGraphicsItem*, QWidget*) override {
    p->setRenderHint(QPainter::Antialiasing);
    if (isSelected()) p->fillRect(boundingRect(), QColor(0xcc, 0xe0, 0xff));
    QFont small = p->font();
    small.setPointSizeF(small.pointSizeF() * 0.85);
    // Time column: absolute (relative to the first arrow) and delta, and the frame number.
    p->setFont(small);
    p->setPen(QColor(0x60, 0x60, 0x60));
    p->drawText(QRectF(4, 2, kTimeColumn - 8, kRowHeight / 2), Qt::AlignLeft | Qt::AlignVCenter,
                QStringLiteral("+%1").arg(QString::fromStdString(format_seconds(arrow_.delta))));
    p->drawText(QRectF(4, kRowHeight / 2, kTimeColumn - 8, kRowHeight / 2 - 2),
                Qt::AlignLeft | Qt::AlignVCenter,
                // The message's number in the capture, as the detail pane's title says it (one
                // numbering: a call's arrows are not renumbered from 1).
                QStringLiteral("#%1  frame %2").arg(arrow_.record + 1).arg(arrow_.frame));

    const QColor colour = arrow_colour(arrow_);
    const double y = kRowHeight * 0.62;
    QPen pen(colour, 1.6);
    if (arrow_.retransmission) pen.setStyle(Qt::DashLine);
    p->setPen(pen);
    const double dir = x_to_ >= x_from_ ? 1 : -1;
    if (x_from_ == x_to_) {  // a message to itself: a small loop
      p->drawLine(QPointF(x_from_, y - 6), QPointF(x_from_ + 30, y - 6));
      p->drawLine(QPointF(x_from_ + 30, y - 6), QPointF(x_from_ + 30, y + 6));
      p->drawLine(QPointF(x_from_ + 30, y + 6), QPointF(x_from_ + 4, y + 6));
    } else {
      p->drawLine(QPointF(x_from_, y), QPointF(x_to_ - dir * 2, y));
      QPolygonF head;
      head << QPointF(x_to_, y) << QPointF(x_to_ - dir * 9, y - 4.5)
           << QPointF(x_to_ - dir * 9, y + 4.5);
      p->setBrush(colour);
      p->setPen(QPen(colour, 1));
      p->drawPolygon(head);
    }
    // Label above the line: method or status, SDP, transport; retransmissions say so.
    QString label = QString::fromStdString(arrow_.label);
    if (arrow_.has_sdp) label += QStringLiteral(" (SDP)");
    if (arrow_.retransmission) label += QStringLiteral(" [rtx]");
    QFont bold = p->font();
    bold.setPointSizeF(small.pointSizeF() / 0.85);
    bold.setBold(arrow_.request);
    p->setFont(bold);
    p->setPen(colour);
    const double left = std::min(x_from_, x_to_);
    const double span = std::max(std::abs(x_to_ - x_from_), 160.0);
    const QRectF label_box(left, 0, span, y - 3);
    const QString transport = QString::fromUtf8(transport_name(arrow_.transport).data());
    p->drawText(label_box, Qt::AlignHCenter | Qt::AlignBottom,
                p->fontMetrics().elidedText(label, Qt::ElideRight, static_cast<int>(span) - 40));
    p->setFont(small);
    p->setPen(QColor(0x80, 0x80, 0x80));
    p->drawText(QRectF(left + 4, y + 1, span - 8, kRowHeight - y - 1),
                (dir > 0 ? Qt::AlignLeft : Qt::AlignRight) | Qt::AlignTop, transport);
    if (!findings_.isEmpty()) {  // a red marker where the message leaves
      const QPointF at(x_from_ + dir * 14, y - 11);
      p->setPen(Qt::NoPen);
      p->setBrush(QColor(0xc0, 0x1c, 0x28));
      p->drawEllipse(at, 7, 7);
      p->setPen(Qt::white);
      QFont mark = bold;
      mark.setBold(true);
      p->setFont(mark);
      p->drawText(QRectF(at.x() - 7, at.y() - 8, 14, 16), Qt::AlignCenter, QStringLiteral("!"));
    }
  }

 private:
  LadderArrow arrow_;
  double x_from_;
  double x_to_;
  double width_;
  QStringList findings_;
};

// A media stream: a thick line across the columns of its endpoints at its first packet, with
// its codec, packets and loss (sngrep's RTP rows). Green without loss, orange from 1%, red from
// 5% (media_fields' loss warning).
class LadderView::StreamItem final : public QGraphicsItem {
 public:
  StreamItem(const LadderStream& stream, double x_from, double x_to, double width)
      : stream_(stream), x_from_(x_from), x_to_(x_to), width_(width) {
    setAcceptHoverEvents(true);
    setToolTip(
        QStringLiteral("%1\n%2 packets, %3 lost (%4%)\n%5 s")
            .arg(QString::fromStdString(stream.label))
            .arg(stream.packets)
            .arg(stream.lost)
            .arg(stream.lost_percent, 0, 'f', 1)
            .arg(static_cast<double>(stream.last_time - stream.first_time) / 1e9, 0, 'f', 3));
  }
  QRectF boundingRect() const override { return {0, 0, width_, kRowHeight}; }
  QString text() const {
    return QStringLiteral("%1  %2 pkts, %3 lost (%4%)")
        .arg(QString::fromStdString(stream_.label))
        .arg(stream_.packets)
        .arg(stream_.lost)
        .arg(stream_.lost_percent, 0, 'f', 1);
  }

  void paint(QPainter* p, const QStyleOptionGraphicsItem*, QWidget*) override {
    p->setRenderHint(QPainter::Antialiasing);
    QFont small = p->font();
    small.setPointSizeF(small.pointSizeF() * 0.85);
    p->setFont(small);
    p->setPen(QColor(0x60, 0x60, 0x60));
    p->drawText(QRectF(4, 2, kTimeColumn - 8, kRowHeight / 2), Qt::AlignLeft | Qt::AlignVCenter,
                QStringLiteral("media"));
    p->drawText(QRectF(4, kRowHeight / 2, kTimeColumn - 8, kRowHeight / 2 - 2),
                Qt::AlignLeft | Qt::AlignVCenter,
                QStringLiteral("%1 s").arg(
                    static_cast<double>(stream_.last_time - stream_.first_time) / 1e9, 0, 'f', 1));
    const QColor colour = stream_.lost_percent >= 5   ? QColor(0xc0, 0x1c, 0x28)
                          : stream_.lost_percent >= 1 ? QColor(0xd0, 0x70, 0x00)
                                                      : QColor(0x1a, 0x7f, 0x5a);
    const double y = kRowHeight * 0.62;
    const double dir = x_to_ >= x_from_ ? 1 : -1;
    p->setPen(QPen(colour, 4, Qt::SolidLine, Qt::FlatCap));
    if (x_from_ == x_to_) {  // both ends in one column: a short stub
      p->drawLine(QPointF(x_from_, y), QPointF(x_from_ + 30, y));
    } else {
      p->drawLine(QPointF(x_from_, y), QPointF(x_to_ - dir * 8, y));
      QPolygonF head;
      head << QPointF(x_to_, y) << QPointF(x_to_ - dir * 11, y - 6)
           << QPointF(x_to_ - dir * 11, y + 6);
      p->setPen(Qt::NoPen);
      p->setBrush(colour);
      p->drawPolygon(head);
    }
    p->setPen(colour);
    // Centred on the line, and wide enough for codec, packets and loss on a short line.
    const double span = std::max(std::abs(x_to_ - x_from_), 320.0);
    const double left = std::max(kTimeColumn, (x_from_ + x_to_) / 2 - span / 2);
    p->drawText(QRectF(left, 0, span, y - 4), Qt::AlignHCenter | Qt::AlignBottom,
                p->fontMetrics().elidedText(text(), Qt::ElideRight, static_cast<int>(span) - 8));
  }

 private:
  LadderStream stream_;
  double x_from_;
  double x_to_;
  double width_;
};

LadderView::LadderView(QWidget* parent) : QGraphicsView(parent) {
  setScene(new QGraphicsScene(this));
  setRenderHints(QPainter::Antialiasing | QPainter::TextAntialiasing);
  setAlignment(Qt::AlignLeft | Qt::AlignTop);
  setDragMode(QGraphicsView::NoDrag);
  setFocusPolicy(Qt::StrongFocus);
  setBackgroundBrush(Qt::white);
  connect(scene(), &QGraphicsScene::selectionChanged, this, [this] {
    const auto items = scene()->selectedItems();
    if (items.isEmpty()) return;
    for (std::size_t i = 0; i < arrows_.size(); ++i) {
      if (arrows_[i] == items.front()) {
        selected_ = static_cast<int>(i);
        Q_EMIT messageSelected(arrows_[i]->arrow().record);
        return;
      }
    }
  });
}

LadderView::~LadderView() {
  // The scene, a child, is destroyed after this object has stopped being a LadderView; its
  // selection changing then must not reach the handler above.
  scene()->disconnect(this);
}

double LadderView::columnX(std::size_t participant) const {
  return kTimeColumn + kMargin + column_width_ / 2 +
         static_cast<double>(participant) * column_width_;
}

void LadderView::resizeEvent(QResizeEvent* event) {
  QGraphicsView::resizeEvent(event);
  // Columns follow the view's width; redraw when that changes what they would be.
  if (!ladder_.participants.empty() && std::abs(fittedColumnWidth() - column_width_) > 1) {
    const int selected = selected_;
    rebuild();
    if (selected >= 0) selectArrow(selected);
  }
}

double LadderView::fittedColumnWidth() const {
  const double columns = static_cast<double>(std::max<std::size_t>(ladder_.participants.size(), 1));
  const double room = viewport()->width() / zoom_ - kTimeColumn - kMargin * 2;
  return std::clamp(room / columns, kMinColumnWidth, kMaxColumnWidth);
}

void LadderView::setLadder(const Ladder& ladder,
                           const std::map<std::uint64_t, QStringList>& findings) {
  ladder_ = ladder;
  findings_ = findings;
  rebuild();
}

void LadderView::clearLadder() {
  setLadder({}, {});
}

void LadderView::rebuild() {
  QGraphicsScene* s = scene();
  const QSignalBlocker block(s);
  s->clear();
  arrows_.clear();
  streams_.clear();
  selected_ = -1;
  column_width_ = fittedColumnWidth();
  const double column_width = column_width_;
  const std::size_t columns = ladder_.participants.size();
  const double width = kTimeColumn + kMargin * 2 + static_cast<double>(columns) * column_width;
  const double height =
      kHeaderHeight +
      static_cast<double>(ladder_.arrows.size() + ladder_.streams.size()) * kRowHeight +
      kMargin * 2;
  if (columns == 0) {
    s->setSceneRect(0, 0, 400, 100);
    setSceneRect(s->sceneRect());
    if (!placeholder_.isEmpty()) s->addText(placeholder_)->setPos(kMargin, kMargin);
    return;
  }
  // Participants: a box with the name and address:port; a lifeline below it.
  for (std::size_t i = 0; i < columns; ++i) {
    const auto& part = ladder_.participants[i];
    const double x = columnX(i);
    QRectF box(x - column_width / 2 + 8, kMargin / 2, column_width - 16, kHeaderHeight - 16);
    s->addRect(box, QPen(QColor(0x90, 0x90, 0x90)), QBrush(QColor(0xf3, 0xf5, 0xf8)));
    const QString address = QString::fromStdString(part.endpoint.to_string());
    const QString name = QString::fromStdString(part.name);
    auto* a = s->addSimpleText(address);
    QFont f = a->font();
    f.setBold(true);
    a->setFont(f);
    a->setPos(x - a->boundingRect().width() / 2, box.top() + 6);
    if (!name.isEmpty()) {
      const QFontMetrics metrics(s->font());
      auto* n = s->addSimpleText(
          metrics.elidedText(name, Qt::ElideRight, static_cast<int>(box.width()) - 10));
      n->setBrush(QColor(0x50, 0x50, 0x50));
      n->setPos(x - n->boundingRect().width() / 2, box.top() + 26);
      n->setToolTip(name);
    }
    s->addLine(x, box.bottom(), x, height - kMargin,
               QPen(QColor(0xb0, 0xb0, 0xb0), 1, Qt::DashLine));
  }
  // Messages and media streams in one column of rows, in capture order (the arrows' own): a
  // stream's row comes before the first message captured after its first packet.
  std::size_t row = 0;
  std::size_t next_stream = 0;
  auto add_streams_until = [&](std::uint64_t frame, bool all) {
    for (; next_stream < ladder_.streams.size(); ++next_stream) {
      const LadderStream& m = ladder_.streams[next_stream];
      if (!all && m.first_frame >= frame) return;
      auto* item = new StreamItem(m, columnX(m.from), columnX(m.to), width);
      item->setPos(0, kHeaderHeight + static_cast<double>(row++) * kRowHeight);
      s->addItem(item);
      streams_.push_back(item);
    }
  };
  for (std::size_t i = 0; i < ladder_.arrows.size(); ++i) {
    const LadderArrow& a = ladder_.arrows[i];
    add_streams_until(a.frame, false);
    const auto it = findings_.find(a.record);
    auto* item = new ArrowItem(a, columnX(a.from), columnX(a.to), width,
                               it == findings_.end() ? QStringList() : it->second);
    item->setPos(0, kHeaderHeight + static_cast<double>(row++) * kRowHeight);
    s->addItem(item);
    arrows_.push_back(item);
  }
  add_streams_until(0, true);
  s->setSceneRect(0, 0, width, height);
  // The view's own rectangle too: the scene's sceneRectChanged, which the view's scroll bars
  // follow, is blocked above, and a ladder wider or taller than the pane had no scroll bars.
  setSceneRect(0, 0, width, height);
}

std::vector<QString> LadderView::streamTexts() const {
  std::vector<QString> out;
  for (const StreamItem* item : streams_) out.push_back(item->text());
  return out;
}

double LadderView::streamRowY(std::size_t stream) const {
  return stream < streams_.size() ? streams_[stream]->pos().y() : -1;
}

double LadderView::arrowRowY(std::size_t arrow) const {
  return arrow < arrows_.size() ? arrows_[arrow]->pos().y() : -1;
}

QPointF LadderView::arrowCentre(int arrow) const {
  if (arrow < 0 || static_cast<std::size_t>(arrow) >= arrows_.size()) return {};
  return arrows_[static_cast<std::size_t>(arrow)]->centre();
}

void LadderView::selectArrow(int arrow) {
  if (arrow < 0 || static_cast<std::size_t>(arrow) >= arrows_.size()) return;
  scene()->clearSelection();
  ArrowItem* item = arrows_[static_cast<std::size_t>(arrow)];
  item->setSelected(true);
  // Its row, from the time column on: a row is as wide as the ladder, and showing all of it
  // would scroll the time column out of a narrow pane.
  ensureVisible(QRectF(0, item->pos().y(), kTimeColumn, kRowHeight), 0, 40);
}

void LadderView::selectMessage(std::uint64_t message) {
  for (std::size_t i = 0; i < arrows_.size(); ++i) {
    if (arrows_[i]->arrow().record == message) {
      if (selected_ != static_cast<int>(i)) selectArrow(static_cast<int>(i));
      return;
    }
  }
}

void LadderView::zoomIn() {
  zoom_ = std::min(zoom_ * 1.2, 5.0);
  setTransform(QTransform::fromScale(zoom_, zoom_));
}

void LadderView::zoomOut() {
  zoom_ = std::max(zoom_ / 1.2, 0.2);
  setTransform(QTransform::fromScale(zoom_, zoom_));
}

void LadderView::resetZoom() {
  zoom_ = 1.0;
  setTransform(QTransform());
}

void LadderView::keyPressEvent(QKeyEvent* event) {
  const int last = static_cast<int>(arrows_.size()) - 1;
  switch (event->key()) {
    case Qt::Key_Down:
    case Qt::Key_J:
      selectArrow(selected_ < 0 ? 0 : std::min(selected_ + 1, last));
      return;
    case Qt::Key_Up:
    case Qt::Key_K:
      selectArrow(selected_ < 0 ? 0 : std::max(selected_ - 1, 0));
      return;
    case Qt::Key_Home:
      selectArrow(0);
      return;
    case Qt::Key_End:
      selectArrow(last);
      return;
    case Qt::Key_Plus:
    case Qt::Key_Equal:
      if (event->modifiers() & Qt::ControlModifier) return zoomIn();
      break;
    case Qt::Key_Minus:
      if (event->modifiers() & Qt::ControlModifier) return zoomOut();
      break;
    case Qt::Key_0:
      if (event->modifiers() & Qt::ControlModifier) return resetZoom();
      break;
    default:
      break;
  }
  QGraphicsView::keyPressEvent(event);
}

void LadderView::wheelEvent(QWheelEvent* event) {
  if (event->modifiers() & Qt::ControlModifier) {
    event->angleDelta().y() > 0 ? zoomIn() : zoomOut();
    return;
  }
  QGraphicsView::wheelEvent(event);
}

void LadderView::mousePressEvent(QMouseEvent* event) {
  setFocus();
  QGraphicsView::mousePressEvent(event);
}

bool LadderView::exportSvg(const QString& path) const {
  QSvgGenerator svg;
  svg.setFileName(path);
  const QRectF rect = scene()->sceneRect();
  svg.setSize(rect.size().toSize());
  svg.setViewBox(rect);
  svg.setTitle(QStringLiteral("sipws ladder"));
  QPainter painter;
  if (!painter.begin(&svg)) return false;
  painter.fillRect(rect, Qt::white);
  scene()->render(&painter, rect, rect);
  return painter.end();
}

bool LadderView::exportPng(const QString& path) const {
  const QRectF rect = scene()->sceneRect();
  // Twice the scene's size, so that the picture stays sharp when zoomed or printed.
  QImage image((rect.size() * 2).toSize(), QImage::Format_ARGB32);
  image.fill(Qt::white);
  QPainter painter(&image);
  painter.setRenderHints(QPainter::Antialiasing | QPainter::TextAntialiasing);
  scene()->render(&painter, QRectF(QPointF(0, 0), rect.size() * 2), rect);
  painter.end();
  return image.save(path, "PNG");
}

}  // namespace sipws::gui
