#include "tui/models.h"

#include <algorithm>
#include <array>
#include <cinttypes>
#include <cstdio>
#include <ctime>

#include "session/ladder_text.h"

namespace sipws::tui {
using sipws::decode_utf8;
using sipws::width_of_code_point;

Style style_of(CallState state) {
  switch (state_tone(state)) {
    case StateTone::pending:
      return Style::pending;
    case StateTone::good:
      return Style::good;
    case StateTone::bad:
      return Style::bad;
    case StateTone::neutral:
      break;
  }
  return Style::plain;
}

Style style_of(Severity severity) {
  switch (severity) {
    case Severity::error:
      return Style::bad;
    case Severity::warning:
      return Style::pending;
    case Severity::note:
      break;
  }
  return Style::dim;
}

std::string clock_text(TimeNs ns) {
  const auto seconds = static_cast<std::time_t>(ns / 1'000'000'000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char date[32];
  std::strftime(date, sizeof date, "%Y-%m-%d %H:%M:%S", &tm);
  char text[48];
  std::snprintf(text, sizeof text, "%s.%03d", date,
                static_cast<int>((ns % 1'000'000'000) / 1'000'000));
  return text;
}

// ---- CallTable -------------------------------------------------------------------------------

CallTable::CallTable() {
  // sngrep's columns first (index, method, Call-ID, From, To, state: what fits in 80 columns),
  // then what else tells a call.
  columns_ = {CallField::index,      CallField::first_method, CallField::call_id,
              CallField::from_user,  CallField::to_user,      CallField::state,
              CallField::messages,   CallField::final_status, CallField::start,
              CallField::transports, CallField::findings};
}

void CallTable::apply(SourceChanges changes) {
  if (paused_) {
    for (CallRow& r : changes.rows) waiting_.rows.push_back(std::move(r));
    waiting_.removed.insert(waiting_.removed.end(), changes.removed.begin(), changes.removed.end());
    return;
  }
  for (CallRow& r : changes.rows) rows_[r.call] = std::move(r);
  for (const std::uint64_t c : changes.removed) {
    rows_.erase(c);
    marked_.erase(c);
  }
  if (!changes.rows.empty() || !changes.removed.empty()) invalidate();
  if (!selected_ && !rows_.empty()) selected_ = rows_.begin()->first;
}

void CallTable::set_paused(bool paused) {
  paused_ = paused;
  if (!paused_) {
    SourceChanges waiting = std::move(waiting_);
    waiting_ = {};
    apply(std::move(waiting));
  }
}

void CallTable::set_columns(std::vector<CallField> columns) {
  if (columns.empty()) return;  // a list without columns shows nothing: keep the old ones
  columns_ = std::move(columns);
}

void CallTable::sort_by(CallField field, bool descending) {
  sort_field_ = field;
  descending_ = descending;
  invalidate();
}

void CallTable::set_passing(std::optional<std::set<std::uint64_t>> passing) {
  passing_ = std::move(passing);
  invalidate();
}

void CallTable::set_group(StateGroup group) {
  group_ = group;
  invalidate();
}

void CallTable::set_text(std::string text) {
  text_ = std::move(text);
  invalidate();
}

const CallRow* CallTable::row(std::uint64_t call) const {
  const auto it = rows_.find(call);
  return it == rows_.end() ? nullptr : &it->second;
}

bool CallTable::passes(const CallRow& row) const {
  if (passing_ && passing_->count(row.call) == 0) return false;
  if (!in_state_group(row.state, group_)) return false;
  if (!text_.empty()) {
    std::string haystack = call_search_text(row);
    std::string needle = text_;
    auto lower = [](std::string& s) {
      for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    };
    lower(haystack);
    lower(needle);
    if (haystack.find(needle) == std::string::npos) return false;
  }
  return true;
}

const std::vector<const CallRow*>& CallTable::visible() const {
  if (!dirty_) return visible_;
  visible_.clear();
  for (const auto& [index, row] : rows_) {
    if (passes(row)) visible_.push_back(&row);
  }
  if (sort_field_ != CallField::index || descending_) {
    const CallFieldSpec& spec = call_field(sort_field_);
    std::vector<std::pair<FieldSortKey, const CallRow*>> keyed;
    keyed.reserve(visible_.size());
    for (const CallRow* r : visible_) keyed.emplace_back(field_sort_key(spec.value(*r)), r);
    const bool down = descending_;
    std::stable_sort(keyed.begin(), keyed.end(), [down](const auto& a, const auto& b) {
      const FieldSortKey& x = down ? b.first : a.first;
      const FieldSortKey& y = down ? a.first : b.first;
      if (x.numeric != y.numeric) return x.numeric < y.numeric;
      return x.numeric ? x.number < y.number : x.text < y.text;
    });
    for (std::size_t i = 0; i < keyed.size(); ++i) visible_[i] = keyed[i].second;
  }
  dirty_ = false;
  return visible_;
}

std::size_t CallTable::selected_position() const {
  const auto& rows = visible();
  if (!selected_) return 0;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (rows[i]->call == *selected_) return i;
  }
  return 0;
}

void CallTable::move_to(std::size_t position) {
  const auto& rows = visible();
  if (rows.empty()) return;
  selected_ = rows[std::min(position, rows.size() - 1)]->call;
}

void CallTable::move(long delta) {
  const auto& rows = visible();
  if (rows.empty()) return;
  // A selection that the filters hide: start from the top.
  const bool shown = selected_ && std::any_of(rows.begin(), rows.end(), [this](const CallRow* r) {
                       return r->call == *selected_;
                     });
  const long at = shown ? static_cast<long>(selected_position()) : 0;
  const long last = static_cast<long>(rows.size()) - 1;
  move_to(static_cast<std::size_t>(std::clamp(at + (shown ? delta : 0), 0L, last)));
}

void CallTable::toggle_mark() {
  if (!selected_) return;
  if (!marked_.erase(*selected_)) marked_.insert(*selected_);
}

std::vector<std::uint64_t> CallTable::chosen() const {
  if (!marked_.empty()) return {marked_.begin(), marked_.end()};
  if (selected_ && rows_.count(*selected_)) return {*selected_};
  return {};
}

std::vector<std::string> CallTable::header_cells() const {
  std::vector<std::string> out;
  for (const CallField f : columns_) {
    std::string title(call_field(f).title);
    if (f == sort_field_ && (f != CallField::index || descending_))
      title += descending_ ? "v" : "^";
    out.push_back(std::move(title));
  }
  return out;
}

std::vector<std::string> CallTable::cells(const CallRow& row) const {
  std::vector<std::string> out;
  for (const CallField f : columns_) {
    const FieldValue v = call_field(f).value(row);
    if (f == CallField::start && v.time) {
      out.push_back(clock_text(*v.time).substr(11));  // the time of day; the flow has the date
    } else {
      out.push_back(field_text(v));
    }
  }
  return out;
}

namespace {

// A column's width on screen: numbers as wide as their title (at least 5), the time of day
// 12, a Call-ID 20 (more than the 16 characters that tell calls apart), others the schema's.
std::size_t column_width(CallField field) {
  const CallFieldSpec& spec = call_field(field);
  const std::size_t title = display_width(spec.title);
  if (field == CallField::start) return 12;
  if (field == CallField::call_id) return 20;
  if (field_is_numeric(spec.value(CallRow{}))) return std::max<std::size_t>(title, 5);
  return std::max<std::size_t>(static_cast<std::size_t>(std::max(spec.width, 3)), title);
}

std::string join_cells(const std::vector<std::string>& cells, std::span<const CallField> columns,
                       std::size_t width, char mark) {
  std::string line(1, mark);
  for (std::size_t i = 0; i < cells.size(); ++i) {
    const bool last = i + 1 == cells.size();
    const std::size_t w = column_width(columns[i]);
    line += ' ';
    // Numbers to the right, as in every table of numbers.
    const bool right = field_is_numeric(call_field(columns[i]).value(CallRow{})) &&
                       columns[i] != CallField::start && display_width(cells[i]) < w;
    if (right) line.append(w - display_width(cells[i]), ' ');
    line += last || right ? cells[i] : fit_columns(cells[i], w);
  }
  return fit_columns(line, width);
}

}  // namespace

StyledLine CallTable::header_line(std::size_t width) const {
  return {join_cells(header_cells(), columns_, width, ' '), Style::header};
}

StyledLine CallTable::row_line(const CallRow& row, std::size_t width) const {
  StyledLine line{join_cells(cells(row), columns_, width, marked_.count(row.call) ? '*' : ' '),
                  Style::plain};
  // The state cell in its colour.
  std::size_t at = 1;
  for (const CallField f : columns_) {
    const std::size_t w = column_width(f);
    if (f == CallField::state) {
      line.span_from = std::min(at + 1, line.text.size());
      line.span_length = std::min(w, line.text.size() - line.span_from);
      line.span_style = style_of(row.state);
      break;
    }
    at += 1 + w;
  }
  return line;
}

std::string CallTable::counts_line() const {
  std::size_t answered = 0, failed = 0, active = 0, registrations = 0;
  for (const auto& [index, row] : rows_) {
    answered += in_state_group(row.state, StateGroup::answered) ? 1 : 0;
    failed += in_state_group(row.state, StateGroup::failed) ? 1 : 0;
    active += in_state_group(row.state, StateGroup::active) ? 1 : 0;
    registrations += in_state_group(row.state, StateGroup::registrations) ? 1 : 0;
  }
  char text[200];
  std::snprintf(text, sizeof text,
                "%zu calls (%zu shown): %zu answered, %zu failed, %zu active, %zu registrations",
                rows_.size(), visible().size(), answered, failed, active, registrations);
  std::string out = text;
  if (!marked_.empty()) out += "; " + std::to_string(marked_.size()) + " marked";
  if (paused_) out += "; PAUSED (" + std::to_string(waiting()) + " updates waiting)";
  return out;
}

// ---- Flow ------------------------------------------------------------------------------------

FlowLines flow_lines(const FlowSnapshot& flow, std::size_t width) {
  FlowLines out;
  LadderTextOptions options;
  options.width = width;
  out.lines = ladder_text(flow.ladder, options);
  // ladder_text: two header lines, then two lines per arrow.
  for (std::size_t i = 0; i < flow.ladder.arrows.size(); ++i) out.arrow_line.push_back(2 + 2 * i);
  if (!flow.media.empty()) out.lines.emplace_back();
  for (const std::string& line : flow.media) out.lines.push_back(fit_columns(line, width, false));
  return out;
}

// ---- Message ---------------------------------------------------------------------------------

namespace {

void wrap_into(std::vector<StyledLine>& out, std::string_view text, std::size_t width, Style style,
               std::size_t name_length = 0) {
  if (width < 8) width = 8;
  bool first = true;
  do {
    std::string piece = fit_columns(text, first ? width : width - 2, false);
    if (piece.empty() && !text.empty()) piece = "?";  // never loop on a byte that cannot show
    StyledLine line{first ? piece : "  " + piece, style};
    if (first && name_length > 0) {
      line.span_from = 0;
      line.span_length = std::min(name_length, line.text.size());
      line.span_style = Style::sip_name;
    }
    out.push_back(std::move(line));
    // Advance by the bytes shown (the '?' of an undecodable byte stands for one).
    std::size_t used = 0;
    std::size_t shown = 0;
    while (used < text.size() && shown < (first ? width : width - 2)) {
      std::size_t length = 1;
      const char32_t cp = decode_utf8(text, used, length);
      const auto w = static_cast<std::size_t>(width_of_code_point(cp));
      if (shown + w > (first ? width : width - 2)) break;
      shown += w;
      used += length;
    }
    if (used == 0) used = 1;
    text.remove_prefix(std::min(used, text.size()));
    first = false;
  } while (!text.empty());
}

}  // namespace

std::vector<StyledLine> message_lines(const MessageSnapshot& m, std::size_t width) {
  std::vector<StyledLine> out;
  char head[256];
  std::snprintf(head, sizeof head, "Message #%" PRIu64 "  frame %" PRIu64 "  %s", m.message,
                m.frame, clock_text(m.timestamp).c_str());
  out.push_back({head, Style::title});
  out.push_back({m.src + " -> " + m.dst + "  " + m.transport, Style::dim});
  out.push_back({"", Style::plain});
  // The text, line by line: the start line as a request or response, header names coloured.
  std::string_view text(m.text);
  bool first = true;
  bool body = false;
  while (!text.empty()) {
    const std::size_t nl = text.find('\n');
    std::string_view row = text.substr(0, nl);
    if (!row.empty() && row.back() == '\r') row.remove_suffix(1);
    if (first) {
      const bool response = row.substr(0, 4) == "SIP/";
      wrap_into(out, row, width, response ? Style::response : Style::request);
    } else if (!body && row.empty()) {
      body = true;
      out.push_back({"", Style::plain});
    } else if (!body) {
      const std::size_t colon = row.find(':');
      wrap_into(out, row, width, Style::plain, colon == std::string_view::npos ? 0 : colon + 1);
    } else {
      wrap_into(out, row, width, Style::plain);
    }
    first = false;
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  if (!m.sdp.empty()) {
    out.push_back({"", Style::plain});
    out.push_back({"SDP", Style::header});
    for (const std::string& s : m.sdp) {
      std::string_view rest(s);
      while (!rest.empty()) {
        const std::size_t nl = rest.find('\n');
        wrap_into(out, "  " + std::string(rest.substr(0, nl)), width, Style::plain);
        if (nl == std::string_view::npos) break;
        rest.remove_prefix(nl + 1);
      }
    }
  }
  if (m.websocket) {
    out.push_back({"", Style::plain});
    char line[256];
    std::snprintf(line, sizeof line,
                  "WebSocket: %zu frame(s), %s%s, %" PRIu64 " bytes on the wire, %" PRIu64
                  " bytes of SIP",
                  m.frames.size(), m.carrier.opcode == 2 ? "binary" : "text",
                  m.carrier.compressed ? ", compressed (permessage-deflate)" : "",
                  m.carrier.wire_bytes, m.inflated_bytes);
    wrap_into(out, line, width, Style::header);
    out.push_back({"  #  opcode        FIN RSV1 RSV2 RSV3 mask  payload  frame", Style::dim});
    for (std::size_t i = 0; i < m.frames.size(); ++i) {
      const WsFrameBytes& f = m.frames[i];
      std::snprintf(line, sizeof line,
                    "  %-2zu %-13s %-3s %-4s %-4s %-4s %-5s %7" PRIu64 "  %" PRIu64, i + 1,
                    std::string(ws_opcode_name(f.header.opcode)).c_str(), f.header.fin ? "1" : "0",
                    f.header.rsv1 ? "1" : "0", f.header.rsv2 ? "1" : "0", f.header.rsv3 ? "1" : "0",
                    f.header.masked ? "yes" : "no", f.header.length, f.header.first_frame);
      wrap_into(out, line, width, Style::plain);
    }
  }
  out.push_back({"", Style::plain});
  if (m.findings.empty()) {
    out.push_back({"No findings about this message", Style::dim});
  } else {
    out.push_back({"Findings", Style::header});
    for (const FindingRow& f : m.findings) {
      wrap_into(out, "  " + f.name + " (" + f.rfc + "): " + f.explanation, width,
                style_of(f.severity));
      if (!f.detail.empty()) wrap_into(out, "    " + f.detail, width, Style::dim);
    }
  }
  return out;
}

// ---- Findings and connections -------------------------------------------------------------------

StyledLine finding_header(std::size_t width) {
  return {
      fit_columns("  severity  rule                                   frame   call  detail", width),
      Style::header};
}

StyledLine finding_line(const FindingRow& f, std::size_t width) {
  char line[160];
  std::snprintf(line, sizeof line, "  %-8s  %-37s %7" PRIu64 " %6s  ",
                std::string(severity_name(f.severity)).c_str(), f.name.c_str(), f.frame,
                f.call == kNoId ? "-" : std::to_string(f.call).c_str());
  StyledLine out{
      fit_columns(std::string(line) + (f.detail.empty() ? f.explanation : f.detail), width),
      Style::plain};
  out.span_from = 2;
  out.span_length = 8;
  out.span_style = style_of(f.severity);
  return out;
}

StyledLine carrier_header(std::size_t width) {
  return {fit_columns("  transport  client                                  server                "
                      "                  messages  calls  ws frames  compressed  first",
                      width),
          Style::header};
}

StyledLine carrier_line(const CarrierRow& c, std::size_t width) {
  char line[400];
  std::snprintf(line, sizeof line,
                "  %-9s  %-39s %-39s %8" PRIu64 " %6" PRIu64 " %10" PRIu64 " %11" PRIu64 "  %s",
                std::string(transport_name(c.transport)).c_str(), c.client.c_str(),
                c.server.c_str(), c.messages, c.calls, c.ws_frames, c.ws_compressed,
                clock_text(c.first).c_str());
  return {fit_columns(line, width), Style::plain};
}

// ---- Keys --------------------------------------------------------------------------------------

namespace {

constexpr std::array kCallKeys = {
    KeyHelp{"Up/Down j/k PgUp/PgDn Home/End", "move"},
    KeyHelp{"Enter", "the flow of the selected (or marked) calls", "flow"},
    KeyHelp{"Space", "mark a call (to show or save several)", "mark"},
    KeyHelp{"F4 x", "the flow of the call with all its legs (B2BUA)", "legs"},
    KeyHelp{"F3 /", "search the list (text in Call-ID, users, methods...)", "search"},
    KeyHelp{"F7 f", "filters: method, user, address, state, Call-ID, times", "filter"},
    KeyHelp{"Tab", "next state group: all, active, answered, failed...", "group"},
    KeyHelp{"< >", "sort by the previous / next column"},
    KeyHelp{"o", "reverse the order"},
    KeyHelp{"F10 c", "choose and order the columns"},
    KeyHelp{"F2 s", "save the marked (or selected) calls as pcap", "save"},
    KeyHelp{"p", "pause / resume updates", "pause"},
    KeyHelp{"F5 e", "findings", "findings"},
    KeyHelp{"F6 w", "connections and WebSocket", "connections"},
    KeyHelp{"? F1", "this help", "help"},
    KeyHelp{"q", "quit", "quit"},
};
constexpr std::array kFlowKeys = {
    KeyHelp{"Up/Down j/k", "previous / next message"},
    KeyHelp{"PgUp/PgDn Home/End", "page through the ladder"},
    KeyHelp{"Enter", "the selected message in full", "message"},
    KeyHelp{"F2 s", "save the ladder as text", "save"},
    KeyHelp{"F4 x", "this call with all its legs, or the selected calls only", "legs"},
    KeyHelp{"[ ]", "scroll the message pane"},
    KeyHelp{"? F1", "this help", "help"},
    KeyHelp{"q Esc", "back to the call list", "back"},
};
constexpr std::array kMessageKeys = {
    KeyHelp{"Up/Down j/k PgUp/PgDn Home/End", "scroll"},
    KeyHelp{"? F1", "this help", "help"},
    KeyHelp{"q Esc", "back", "back"},
};
constexpr std::array kFindingKeys = {
    KeyHelp{"Up/Down j/k PgUp/PgDn Home/End", "move"},
    KeyHelp{"Enter", "the message the finding is about", "message"},
    KeyHelp{"? F1", "this help", "help"},
    KeyHelp{"q Esc", "back", "back"},
};
constexpr std::array kConnectionKeys = {
    KeyHelp{"Up/Down j/k PgUp/PgDn", "scroll"},
    KeyHelp{"? F1", "this help", "help"},
    KeyHelp{"q Esc", "back", "back"},
};
constexpr std::array kColumnKeys = {
    KeyHelp{"Up/Down j/k", "move"},
    KeyHelp{"Space", "show or hide the column", "show/hide"},
    KeyHelp{"+ -", "move the column earlier / later", "move"},
    KeyHelp{"Enter", "apply", "apply"},
    KeyHelp{"q Esc", "cancel", "cancel"},
};
constexpr std::array kFilterKeys = {
    KeyHelp{"Up/Down Tab", "next field"},
    KeyHelp{"text, Backspace, Ctrl-U", "edit the field (Ctrl-U clears it)"},
    KeyHelp{"Enter", "apply the filters", "apply"},
    KeyHelp{"F8", "clear every field", "clear"},
    KeyHelp{"Esc", "cancel", "cancel"},
};
constexpr std::array kHelpKeys = {
    KeyHelp{"any key", "back", "back"},
};

}  // namespace

std::span<const KeyHelp> keys_of(Screen screen) {
  switch (screen) {
    case Screen::calls:
      return kCallKeys;
    case Screen::flow:
      return kFlowKeys;
    case Screen::message:
      return kMessageKeys;
    case Screen::findings:
      return kFindingKeys;
    case Screen::connections:
      return kConnectionKeys;
    case Screen::columns:
      return kColumnKeys;
    case Screen::filter:
      return kFilterKeys;
    case Screen::help:
      break;
  }
  return kHelpKeys;
}

std::string_view screen_title(Screen screen) {
  switch (screen) {
    case Screen::calls:
      return "Calls";
    case Screen::flow:
      return "Call flow";
    case Screen::message:
      return "Message";
    case Screen::findings:
      return "Findings";
    case Screen::connections:
      return "Connections";
    case Screen::columns:
      return "Columns";
    case Screen::filter:
      return "Filters";
    case Screen::help:
      break;
  }
  return "Help";
}

}  // namespace sipws::tui
