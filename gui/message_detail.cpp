#include "gui/message_detail.h"

#include <QFontDatabase>
#include <QHeaderView>
#include <QLabel>
#include <QPlainTextEdit>
#include <QRegularExpression>
#include <QSplitter>
#include <QSyntaxHighlighter>
#include <QTabWidget>
#include <QTableWidget>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace sipws::gui {
namespace {

QString qs(const std::string& s) {
  return QString::fromStdString(s);
}

// SIP text: the start line bold, header names coloured, the body (after the blank line) grey.
class SipHighlighter final : public QSyntaxHighlighter {
 public:
  using QSyntaxHighlighter::QSyntaxHighlighter;

 protected:
  void highlightBlock(const QString& text) override {
    const int previous = previousBlockState();
    // States: -1 first line, 1 headers, 2 body.
    if (previous == -1) {
      QTextCharFormat start;
      start.setFontWeight(QFont::Bold);
      start.setForeground(QColor(0x1f, 0x3b, 0x73));
      setFormat(0, static_cast<int>(text.size()), start);
      setCurrentBlockState(1);
      return;
    }
    if (previous == 2 || text.trimmed().isEmpty()) {
      setCurrentBlockState(2);
      QTextCharFormat body;
      body.setForeground(QColor(0x50, 0x50, 0x50));
      setFormat(0, static_cast<int>(text.size()), body);
      return;
    }
    setCurrentBlockState(1);
    const auto colon = text.indexOf(':');
    if (colon > 0 && !text.front().isSpace()) {
      QTextCharFormat name;
      name.setForeground(QColor(0x8a, 0x22, 0x8a));
      name.setFontWeight(QFont::DemiBold);
      setFormat(0, static_cast<int>(colon), name);
    }
  }
};

QPlainTextEdit* monospace_text(QWidget* parent) {
  auto* edit = new QPlainTextEdit(parent);
  edit->setReadOnly(true);
  edit->setLineWrapMode(QPlainTextEdit::NoWrap);
  edit->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
  return edit;
}

QString opcode_name(std::uint8_t opcode) {
  const QString name = QString::fromLatin1(ws_opcode_name(opcode));
  return name == QLatin1String("reserved") ? QStringLiteral("reserved %1").arg(opcode) : name;
}

}  // namespace

MessageDetail::MessageDetail(QWidget* parent) : QWidget(parent) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  title_ = new QLabel(this);
  title_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  title_->setWordWrap(true);
  title_->setMargin(4);
  layout->addWidget(title_);
  tabs_ = new QTabWidget(this);
  layout->addWidget(tabs_, 1);

  sip_ = monospace_text(this);
  // Long header lines (Allow, Contact, Via) wrap rather than scroll sideways.
  sip_->setLineWrapMode(QPlainTextEdit::WidgetWidth);
  sip_->setWordWrapMode(QTextOption::WrapAtWordBoundaryOrAnywhere);
  new SipHighlighter(sip_->document());
  tabs_->addTab(sip_, tr("SIP"));

  headers_ = new QTreeWidget(this);
  headers_->setColumnCount(2);
  headers_->setHeaderLabels({tr("Header"), tr("Value")});
  headers_->header()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
  tabs_->addTab(headers_, tr("Headers"));

  sdp_ = monospace_text(this);
  tabs_->addTab(sdp_, tr("SDP"));

  auto* ws = new QWidget(this);
  auto* ws_layout = new QVBoxLayout(ws);
  ws_summary_ = new QLabel(ws);
  ws_summary_->setWordWrap(true);
  ws_layout->addWidget(ws_summary_);
  auto* split = new QSplitter(Qt::Vertical, ws);
  frames_ = new QTableWidget(0, 9, split);
  frames_->setHorizontalHeaderLabels({tr("#"), tr("Capture frame"), tr("Opcode"), tr("FIN"),
                                      tr("RSV1"), tr("RSV2"), tr("RSV3"), tr("Mask key"),
                                      tr("Header + payload")});
  frames_->verticalHeader()->hide();
  frames_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  frames_->setSelectionBehavior(QAbstractItemView::SelectRows);
  frames_->setSelectionMode(QAbstractItemView::SingleSelection);
  frames_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  auto* bytes = new QSplitter(Qt::Horizontal, split);
  wire_ = monospace_text(bytes);
  wire_->setPlaceholderText(tr("masked (as on the wire)"));
  unmasked_ = monospace_text(bytes);
  unmasked_->setPlaceholderText(tr("unmasked"));
  ws_layout->addWidget(split, 1);
  connect(frames_, &QTableWidget::currentCellChanged, this,
          [this](int row, int, int, int) { showFrame(row); });
  tabs_->addTab(ws, tr("WebSocket"));

  findings_ = monospace_text(this);
  findings_->setLineWrapMode(QPlainTextEdit::WidgetWidth);
  tabs_->addTab(findings_, tr("Findings"));
  clear();
}

void MessageDetail::clear() {
  message_ = {};
  title_->setText(tr("Select a message in the ladder."));
  sip_->clear();
  headers_->clear();
  sdp_->clear();
  ws_summary_->clear();
  frames_->setRowCount(0);
  wire_->clear();
  unmasked_->clear();
  findings_->clear();
}

QString MessageDetail::hexDump(const std::vector<std::uint8_t>& bytes) {
  QString out;
  for (std::size_t at = 0; at < bytes.size(); at += 16) {
    out += QStringLiteral("%1  ").arg(at, 4, 16, QLatin1Char('0'));
    QString ascii;
    for (std::size_t i = at; i < at + 16; ++i) {
      if (i < bytes.size()) {
        out += QStringLiteral("%1 ").arg(bytes[i], 2, 16, QLatin1Char('0'));
        ascii += bytes[i] >= 0x20 && bytes[i] < 0x7f ? QChar(bytes[i]) : QChar('.');
      } else {
        out += QStringLiteral("   ");
      }
      if (i == at + 7) out += ' ';
    }
    out += ' ' + ascii + '\n';
  }
  return out;
}

void MessageDetail::show(const MessageSnapshot& m) {
  message_ = m;
  title_->setText(QStringLiteral("<b>#%1</b> &nbsp; frame %2 &nbsp; %3 UTC<br><b>%4</b> &nbsp; "
                                 "%5 \u2192 %6 &nbsp; [%7]")
                      .arg(m.message + 1)
                      .arg(m.frame)
                      .arg(qs(format_clock(m.timestamp)), qs(m.summary).toHtmlEscaped(), qs(m.src),
                           qs(m.dst), qs(m.transport)));
  sip_->setPlainText(QString::fromUtf8(m.text.data(), static_cast<qsizetype>(m.text.size())));

  headers_->clear();
  auto* start = new QTreeWidgetItem(headers_, {tr("Start line"), qs(m.summary)});
  start->setFirstColumnSpanned(false);
  auto* all = new QTreeWidgetItem(headers_, {tr("Headers"), QString::number(m.headers.size())});
  for (const auto& [name, value] : m.headers) new QTreeWidgetItem(all, {qs(name), qs(value)});
  all->setExpanded(true);

  QString sdp;
  for (const std::string& line : m.sdp) sdp += qs(line) + '\n';
  sdp_->setPlainText(sdp.isEmpty() ? tr("(no SDP body)") : sdp);

  frames_->setRowCount(0);
  wire_->clear();
  unmasked_->clear();
  if (m.websocket) {
    const auto& c = m.carrier;
    ws_summary_->setText(
        tr("%1 message in %2 frame(s), %3, %4%5. Payload on the wire: %6 bytes; SIP text: %7 "
           "bytes%8.")
            .arg(opcode_name(c.opcode))
            .arg(c.frames)
            .arg(c.masked ? tr("masked") : tr("not masked"))
            .arg(c.compressed ? tr("permessage-deflate") : tr("not compressed"))
            .arg(c.handshake_seen ? QString() : tr(", upgrade handshake not in the capture"))
            .arg(c.wire_bytes)
            .arg(m.inflated_bytes)
            .arg(c.compressed && c.wire_bytes > 0 ? tr(" (inflated %1x)")
                                                        .arg(static_cast<double>(m.inflated_bytes) /
                                                                 static_cast<double>(c.wire_bytes),
                                                             0, 'f', 2)
                                                  : QString()));
    frames_->setRowCount(static_cast<int>(m.frames.size()));
    for (std::size_t i = 0; i < m.frames.size(); ++i) {
      const WsFrameHeader& h = m.frames[i].header;
      const int r = static_cast<int>(i);
      auto set = [&](int column, const QString& text) {
        frames_->setItem(r, column, new QTableWidgetItem(text));
      };
      set(0, QString::number(i + 1));
      set(1, QString::number(h.first_frame));
      set(2, opcode_name(h.opcode));
      set(3, h.fin ? "1" : "0");
      set(4, h.rsv1 ? "1" : "0");
      set(5, h.rsv2 ? "1" : "0");
      set(6, h.rsv3 ? "1" : "0");
      set(7, h.masked ? QStringLiteral("%1%2%3%4")
                            .arg(h.mask[0], 2, 16, QLatin1Char('0'))
                            .arg(h.mask[1], 2, 16, QLatin1Char('0'))
                            .arg(h.mask[2], 2, 16, QLatin1Char('0'))
                            .arg(h.mask[3], 2, 16, QLatin1Char('0'))
                      : QStringLiteral("-"));
      set(8, QStringLiteral("%1 + %2").arg(h.header_length).arg(h.length));
    }
    if (!m.frames.empty()) frames_->setCurrentCell(0, 0);
  } else {
    ws_summary_->setText(tr("Not carried over WebSocket (%1).").arg(qs(m.transport)));
  }

  QString findings;
  for (const FindingRow& f : m.findings) {
    findings += QStringLiteral("%1  %2 (%3)\n    %4%5\n\n")
                    .arg(QString::fromUtf8(severity_name(f.severity).data()), qs(f.name), qs(f.rfc),
                         qs(f.explanation), f.detail.empty() ? QString() : ": " + qs(f.detail));
  }
  findings_->setPlainText(findings.isEmpty() ? tr("(no findings about this message)") : findings);
  tabs_->setTabText(
      4, m.findings.empty() ? tr("Findings") : tr("Findings (%1)").arg(m.findings.size()));
}

void MessageDetail::showFrame(int row) {
  if (row < 0 || static_cast<std::size_t>(row) >= message_.frames.size()) return;
  const WsFrameBytes& f = message_.frames[static_cast<std::size_t>(row)];
  if (f.wire.empty() && f.header.length > 0) {
    wire_->setPlainText(tr("(this message's bytes are shared with the SIP message before it)"));
    unmasked_->clear();
    return;
  }
  wire_->setPlainText(tr("masked, as on the wire:\n") + hexDump(f.wire));
  unmasked_->setPlainText(
      (message_.carrier.compressed ? tr("unmasked (compressed):\n") : tr("unmasked:\n")) +
      hexDump(f.unmasked));
}

QString MessageDetail::sipText() const {
  return sip_->toPlainText();
}
QString MessageDetail::wireHex() const {
  return wire_->toPlainText();
}
QString MessageDetail::unmaskedHex() const {
  return unmasked_->toPlainText();
}

}  // namespace sipws::gui
