#pragma once
// The selected message in detail: the SIP text with its headers highlighted, a header tree, the
// SDP summary (codecs, ICE, DTLS), the WebSocket view (each frame's opcode, FIN, RSV, mask key
// and lengths; its masked and unmasked bytes side by side in hex; compressed vs inflated size)
// and the findings about it. Shows a MessageSnapshot; knows nothing of the analysis.

#include <QWidget>

#include "gui/snapshots.h"

class QLabel;
class QPlainTextEdit;
class QTabWidget;
class QTableWidget;
class QTreeWidget;

namespace sipws::gui {

class MessageDetail final : public QWidget {
  Q_OBJECT

 public:
  explicit MessageDetail(QWidget* parent = nullptr);
  void show(const MessageSnapshot& message);
  void clear();
  const MessageSnapshot& message() const { return message_; }
  // For tests and the window: the tab widget and its parts.
  QTabWidget* tabs() const { return tabs_; }
  QString sipText() const;
  QTableWidget* framesTable() const { return frames_; }
  QString wireHex() const;
  QString unmaskedHex() const;

  static QString hexDump(const std::vector<std::uint8_t>& bytes);

 private:
  void showFrame(int row);

  MessageSnapshot message_;
  QLabel* title_ = nullptr;
  QTabWidget* tabs_ = nullptr;
  QPlainTextEdit* sip_ = nullptr;
  QTreeWidget* headers_ = nullptr;
  QPlainTextEdit* sdp_ = nullptr;
  QLabel* ws_summary_ = nullptr;
  QTableWidget* frames_ = nullptr;
  QPlainTextEdit* wire_ = nullptr;
  QPlainTextEdit* unmasked_ = nullptr;
  QPlainTextEdit* findings_ = nullptr;
};

}  // namespace sipws::gui
