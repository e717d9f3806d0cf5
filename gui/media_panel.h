#pragma once
// The Media tab of the selected call (issue #21): the verdict for each direction and why, as a
// banner; the RTP/RTCP streams as `sipws media` lists them; and the ICE pairs and DTLS sessions
// as its text block says them; the chosen streams' packets, loss and jitter over time. Shows a
// CallMediaSnapshot; knows nothing of the analysis.

#include <QWidget>

#include "session/snapshots.h"

class QLabel;
class QPlainTextEdit;
class QTableWidget;

namespace sipws::gui {

class StreamPlot;

class MediaPanel final : public QWidget {
  Q_OBJECT

 public:
  explicit MediaPanel(QWidget* parent = nullptr);
  void show(const CallMediaSnapshot& media);
  void clear();
  // For tests.
  QString banner() const;
  QString verdict() const { return verdict_; }  // "" until a judged call is shown
  QTableWidget* streamsTable() const { return streams_; }
  QString detailText() const;
  StreamPlot* plot() const { return plot_; }

 private:
  void plotSelectedStreams();

  QLabel* banner_ = nullptr;
  QTableWidget* streams_ = nullptr;
  StreamPlot* plot_ = nullptr;
  std::vector<StreamSeries> series_;  // one per row of streams_
  QString verdict_;
  QPlainTextEdit* detail_ = nullptr;
};

}  // namespace sipws::gui
