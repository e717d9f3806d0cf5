#pragma once
// The Media tab of the selected call (issue #21): the verdict for each direction and why, as a
// banner; the RTP/RTCP streams as `sipws media` lists them; and the ICE pairs and DTLS sessions
// as its text block says them. Shows a CallMediaSnapshot; knows nothing of the analysis.

#include <QWidget>

#include "session/snapshots.h"

class QLabel;
class QPlainTextEdit;
class QTableWidget;

namespace sipws::gui {

class MediaPanel final : public QWidget {
  Q_OBJECT

 public:
  explicit MediaPanel(QWidget* parent = nullptr);
  void show(const CallMediaSnapshot& media);
  void clear();
  // For tests.
  QString banner() const;
  QTableWidget* streamsTable() const { return streams_; }
  QString detailText() const;

 private:
  QLabel* banner_ = nullptr;
  QTableWidget* streams_ = nullptr;
  QPlainTextEdit* detail_ = nullptr;
};

}  // namespace sipws::gui
