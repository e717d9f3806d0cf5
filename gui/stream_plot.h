#pragma once
// The Media tab's plots: packets per second, loss and jitter of the chosen streams over the
// call's time, as three panes one above the other on one time axis (seconds since the call's
// start). Drawn with QPainter from StreamSeries values; knows nothing of the analysis.

#include <QWidget>
#include <vector>

#include "session/snapshots.h"

namespace sipws::gui {

class StreamPlot final : public QWidget {
  Q_OBJECT

 public:
  explicit StreamPlot(QWidget* parent = nullptr);
  // Series that are not `present` are not drawn; the others keep their place's colour.
  void setSeries(std::vector<StreamSeries> series);
  const std::vector<StreamSeries>& series() const { return series_; }
  // The colour a series is drawn in (the stream table marks its rows with it).
  static QColor colour(std::size_t index);
  // The time axis, in seconds since the call's start; the highest value of each pane.
  double timeEnd() const;
  double maxOf(int pane) const;  // 0 packets/s, 1 loss %, 2 jitter ms
  QSize sizeHint() const override { return {600, 300}; }
  QSize minimumSizeHint() const override { return {240, 150}; }

 protected:
  void paintEvent(QPaintEvent* event) override;

 private:
  std::vector<StreamSeries> series_;
};

}  // namespace sipws::gui
