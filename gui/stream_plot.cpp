#include "gui/stream_plot.h"

#include <QPaintEvent>
#include <QPainter>
#include <QPainterPath>
#include <algorithm>
#include <cmath>

namespace sipws::gui {
namespace {

const std::vector<double>& values(const StreamSeries& s, int pane) {
  return pane == 0 ? s.packets_per_second : pane == 1 ? s.loss_percent : s.jitter_ms;
}

// A round number at or above `v` (1, 2, 5 times a power of ten): the top of a pane's scale.
double nice_ceiling(double v) {
  if (v <= 0) return 1;
  const double power = std::pow(10.0, std::floor(std::log10(v)));
  for (const double step : {1.0, 2.0, 5.0, 10.0}) {
    if (v <= step * power) return step * power;
  }
  return 10 * power;
}

QString number(double v) {
  return v >= 100 || v == std::floor(v) ? QString::number(v, 'f', 0) : QString::number(v, 'g', 3);
}

}  // namespace

StreamPlot::StreamPlot(QWidget* parent) : QWidget(parent) {
  setAutoFillBackground(true);
  setBackgroundRole(QPalette::Base);
}

void StreamPlot::setSeries(std::vector<StreamSeries> series) {
  series_ = std::move(series);
  update();
}

QColor StreamPlot::colour(std::size_t index) {
  static const QColor kColours[] = {QColor(0x1f, 0x77, 0xb4), QColor(0xd6, 0x27, 0x28),
                                    QColor(0x2c, 0xa0, 0x2c), QColor(0xff, 0x7f, 0x0e),
                                    QColor(0x94, 0x67, 0xbd), QColor(0x8c, 0x56, 0x4b)};
  return kColours[index % std::size(kColours)];
}

double StreamPlot::timeEnd() const {
  double end = 0;
  for (const StreamSeries& s : series_) {
    if (!s.present) continue;
    end = std::max(end, s.start + s.interval * static_cast<double>(s.packets_per_second.size()));
  }
  return end;
}

double StreamPlot::maxOf(int pane) const {
  double top = 0;
  for (const StreamSeries& s : series_) {
    if (!s.present) continue;
    for (const double v : values(s, pane)) top = std::max(top, v);
  }
  return top;
}

void StreamPlot::paintEvent(QPaintEvent*) {
  QPainter p(this);
  p.setRenderHint(QPainter::Antialiasing);
  const QFontMetrics metrics = p.fontMetrics();
  if (std::none_of(series_.begin(), series_.end(), [](const auto& s) { return s.present; })) {
    p.setPen(palette().color(QPalette::PlaceholderText));
    p.drawText(rect(), Qt::AlignCenter, tr("No RTP stream to plot."));
    return;
  }
  const double left = metrics.horizontalAdvance(QStringLiteral("00000")) + 12;
  const double right = width() - 12.0;
  const double axis_height = metrics.height() + 6;
  const double pane_height = (height() - axis_height - 8) / 3.0;
  // The time axis starts where the first stream does (the call's signalling comes first).
  double begin = timeEnd();
  for (const StreamSeries& s : series_) {
    if (s.present) begin = std::min(begin, s.start);
  }
  begin = std::floor(begin);  // before 0 when a stream started before the call's first message
  const double end = std::max(timeEnd(), begin + 1);
  auto x_of = [&](double t) { return left + (t - begin) / (end - begin) * (right - left); };
  static const char* const kTitles[] = {"packets/s", "loss %", "jitter ms"};
  for (int pane = 0; pane < 3; ++pane) {
    const double top = 4 + pane * pane_height;
    const double bottom = top + pane_height - 6;
    const double scale = nice_ceiling(maxOf(pane));
    p.setPen(QColor(0xd0, 0xd0, 0xd0));
    p.drawRect(QRectF(left, top, right - left, bottom - top));
    p.setPen(palette().color(QPalette::Text));
    p.drawText(QRectF(0, top, left - 4, metrics.height()), Qt::AlignRight, number(scale));
    p.drawText(QRectF(0, bottom - metrics.height(), left - 4, metrics.height()), Qt::AlignRight,
               QStringLiteral("0"));
    p.drawText(QRectF(left + 4, top + 2, right - left, metrics.height()), Qt::AlignLeft,
               tr(kTitles[pane]));
    p.save();
    p.setClipRect(QRectF(left, top, right - left, bottom - top));
    for (std::size_t i = 0; i < series_.size(); ++i) {
      const StreamSeries& s = series_[i];
      const std::vector<double>& v = values(s, pane);
      if (!s.present || v.empty()) continue;
      // A step line: each interval's value held across it.
      QPainterPath path;
      for (std::size_t k = 0; k < v.size(); ++k) {
        const double x0 = x_of(s.start + s.interval * static_cast<double>(k));
        const double x1 = x_of(s.start + s.interval * static_cast<double>(k + 1));
        const double y = bottom - std::min(v[k], scale) / scale * (bottom - top);
        if (k == 0) {
          path.moveTo(x0, y);
        } else {
          path.lineTo(x0, y);
        }
        path.lineTo(x1, y);
      }
      p.setPen(QPen(colour(i), 1.5));
      p.setBrush(Qt::NoBrush);
      p.drawPath(path);
    }
    p.restore();
  }
  // The time axis: five ticks, in seconds since the call's start.
  p.setPen(palette().color(QPalette::Text));
  const double axis_top = 4 + 3 * pane_height - 4;
  for (int tick = 0; tick <= 4; ++tick) {
    const double t = begin + (end - begin) * tick / 4;
    const double x = x_of(t);
    p.drawLine(QPointF(x, axis_top - 4), QPointF(x, axis_top));
    const QString text = number(std::round(t * 10) / 10) + QStringLiteral(" s");
    const double w = metrics.horizontalAdvance(text);
    p.drawText(QRectF(std::clamp(x - w / 2, 0.0, width() - w), axis_top, w, axis_height),
               Qt::AlignCenter, text);
  }
}

}  // namespace sipws::gui
