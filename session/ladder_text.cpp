#include "session/ladder_text.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstring>

#include "session/output_format.h"

namespace sipws {

std::vector<std::string> ladder_text(const Ladder& ladder, LadderTextOptions options) {
  static const CallStore no_messages(false);
  options.verbose = false;
  return ladder_text(no_messages, ladder, options);
}

std::vector<std::string> ladder_text(const CallStore& store, const Ladder& ladder,
                                     const LadderTextOptions& options) {
  std::vector<std::string> lines;
  const std::size_t n = ladder.participants.size();
  if (n == 0) return lines;
  // Left margin: the label row shows the delta since the previous message, the arrow row the time
  // since the first one and the frame number.
  constexpr std::size_t kMargin = 18;
  const std::size_t usable = options.width > kMargin + 8 ? options.width - kMargin : 8 * n;
  // A column is never narrower than its address (an address cut is no address: "[2001:db8::~"
  // names no one); the endpoint's name is cut first.
  std::size_t widest_address = 0;
  for (const LadderParticipant& p : ladder.participants) {
    widest_address = std::max(widest_address, p.endpoint.to_string().size() + 1);
  }
  const std::size_t column = std::max({std::size_t{14}, usable / n, widest_address});
  const std::size_t total = kMargin + column * n;
  auto center = [column](std::size_t i) { return kMargin + column * i + column / 2; };
  // Header: endpoint and friendly name, centred on each lifeline.
  for (int row = 0; row < 2; ++row) {
    std::string line(total, ' ');
    for (std::size_t i = 0; i < n; ++i) {
      std::string text =
          row == 0 ? ladder.participants[i].endpoint.to_string() : ladder.participants[i].name;
      if (text.size() > column - 1) text = fit_width(text, column - 1);
      const std::size_t at = center(i) - std::min(center(i), text.size() / 2);
      line.replace(at, text.size(), text);
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    lines.push_back(std::move(line));
  }
  const TimeNs origin = ladder.arrows.empty() ? 0 : ladder.arrows.front().time;
  auto lifelines = [&]() {
    std::string line(total, ' ');
    for (std::size_t i = 0; i < n; ++i) {
      if (center(i) < line.size()) line[center(i)] = '|';
    }
    return line;
  };
  auto emit = [&lines](std::string line) {
    while (!line.empty() && line.back() == ' ') line.pop_back();
    lines.push_back(std::move(line));
  };
  for (const LadderArrow& a : ladder.arrows) {
    // Two rows per message: the label between the lifelines, then the arrow with its times.
    // A retransmission is marked first, where a narrow column still shows it.
    std::string label = a.retransmission ? "(R) " + a.label : a.label;
    if (a.has_sdp) label += " (SDP)";
    label += " [" + std::string(transport_name(a.transport)) + "]";
    std::string top = lifelines();
    std::string arrow = lifelines();
    char margin[64];
    std::snprintf(margin, sizeof margin, "%+10.6f", static_cast<double>(a.delta) / 1e9);
    top.replace(0, std::strlen(margin), margin);
    std::snprintf(margin, sizeof margin, "%10.6f %6" PRIu64,
                  static_cast<double>(a.time - origin) / 1e9, a.frame);
    arrow.replace(0, std::strlen(margin), margin);
    if (a.from == a.to) {
      const std::size_t at = center(a.from) + 2;
      const std::string text =
          fit_width(label, std::min(label.size(), total > at ? total - at : 0));
      top.replace(at, text.size(), text);
      arrow.replace(center(a.from) + 1, 3, "<-'");
    } else {
      const std::size_t left = std::min(center(a.from), center(a.to));
      const std::size_t right = std::max(center(a.from), center(a.to));
      for (std::size_t x = left + 1; x < right; ++x) arrow[x] = '-';
      if (center(a.to) > center(a.from)) {
        arrow[right - 1] = '>';
      } else {
        arrow[left + 1] = '<';
      }
      const std::size_t room = right - left - 1;
      const std::string text = fit_width(label, std::min(label.size(), room > 2 ? room - 2 : 0));
      top.replace(left + 1 + (room - text.size()) / 2, text.size(), text);
    }
    emit(top);
    emit(arrow);
    if (options.verbose) {
      const RecordRef kept = store.record(a.record);
      std::string_view text =
          kept ? std::string_view(kept->bytes.data(), kept->bytes.size()) : std::string_view{};
      while (!text.empty()) {
        const std::size_t nl = text.find('\n');
        std::string_view row = text.substr(0, nl);
        if (!row.empty() && row.back() == '\r') row.remove_suffix(1);
        lines.push_back(std::string(kMargin, ' ') + std::string(row));
        if (nl == std::string_view::npos) break;
        text.remove_prefix(nl + 1);
      }
    }
  }
  return lines;
}

}  // namespace sipws
