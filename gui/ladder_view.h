#pragma once
// The ladder diagram of the selected call(s), drawn from the dissector layer's Ladder (the same
// model `sipws flow` prints): participants as columns, one arrow per message with its label,
// time and delta, transport, retransmissions dashed, findings marked; media streams as thick
// lines at their first packet. Clicking an arrow (or
// moving with the arrow keys) selects its message; Ctrl+wheel and Ctrl +/- zoom.

#include <QGraphicsView>
#include <QStringList>
#include <map>

#include "calls/ladder.h"

namespace sipws::gui {

class LadderView final : public QGraphicsView {
  Q_OBJECT

 public:
  explicit LadderView(QWidget* parent = nullptr);
  ~LadderView() override;

  // `findings`: the findings' texts per message index, marked on their arrows.
  void setLadder(const Ladder& ladder, const std::map<std::uint64_t, QStringList>& findings);
  void clearLadder();
  // What the empty view says instead of a ladder (e.g. that the capture holds no SIP).
  void setPlaceholder(const QString& text) {
    placeholder_ = text;
    if (ladder_.participants.empty()) rebuild();
  }
  const Ladder& ladder() const { return ladder_; }
  int selectedArrow() const { return selected_; }
  // Scene position of an arrow's middle (what a click on it hits); for tests.
  QPointF arrowCentre(int arrow) const;
  // The media streams' rows as drawn (label, packets, loss) and where rows are; for tests.
  std::vector<QString> streamTexts() const;
  double streamRowY(std::size_t stream) const;
  double arrowRowY(std::size_t arrow) const;

  bool exportSvg(const QString& path) const;
  bool exportPng(const QString& path) const;

 public Q_SLOTS:
  void selectArrow(int arrow);
  void selectMessage(std::uint64_t message);  // the arrow of that message, when shown
  void zoomIn();
  void zoomOut();
  void resetZoom();

 Q_SIGNALS:
  void messageSelected(std::uint64_t message);

 protected:
  void keyPressEvent(QKeyEvent* event) override;
  void wheelEvent(QWheelEvent* event) override;
  void mousePressEvent(QMouseEvent* event) override;
  void resizeEvent(QResizeEvent* event) override;

 private:
  QString placeholder_;
  class ArrowItem;
  class StreamItem;
  void rebuild();
  double columnX(std::size_t participant) const;
  double fittedColumnWidth() const;

  Ladder ladder_;
  std::map<std::uint64_t, QStringList> findings_;
  std::vector<ArrowItem*> arrows_;
  std::vector<StreamItem*> streams_;
  int selected_ = -1;
  double zoom_ = 1.0;
  double column_width_ = 210;
};

}  // namespace sipws::gui
