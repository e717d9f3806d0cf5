#include "tui/terminal_ui.h"

#include <curses.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cinttypes>
#include <clocale>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fstream>

#include "tui/models.h"

namespace sipws::tui {
namespace {

volatile std::sig_atomic_t g_interrupted = 0;
void on_interrupt(int) {
  g_interrupted = 1;
}

constexpr int kEscape = 27;
constexpr int kClearLine = 21;  // Ctrl-U, as in a shell
constexpr int kRefreshMs = 200;

bool is_enter(int key) {
  return key == '\n' || key == '\r' || key == KEY_ENTER;
}
bool is_back(int key) {
  return key == 'q' || key == 'Q' || key == kEscape || key == KEY_BACKSPACE;
}

// The fields of the filter form, in order.
enum FilterField { kCallId, kMethod, kUser, kAddress, kState, kSince, kUntil, kFilterFields };
constexpr std::array<const char*, kFilterFields> kFilterTitles = {"Call-ID (comma-separated)",
                                                                  "Method",
                                                                  "From/To user",
                                                                  "Address[:port]",
                                                                  "State",
                                                                  "Since (epoch seconds)",
                                                                  "Until (epoch seconds)"};

class Ui {
 public:
  Ui(CallSource& source, const TerminalOptions& options) : source_(source), options_(options) {}

  int run();

 private:
  // ---- drawing
  void init_colors();
  attr_t attr(Style style) const;
  void put(int y, int x, const std::string& text, Style style, int width);
  void put_line(int y, const StyledLine& line, bool selected);
  void draw();
  void draw_title();
  void draw_bar();
  void draw_calls(int top, int height);
  void draw_flow(int top, int height);
  void draw_lines(const std::vector<StyledLine>& lines, std::size_t scroll, int top, int height,
                  int left, int width);
  void draw_findings(int top, int height);
  void draw_connections(int top, int height);
  void draw_columns(int top, int height);
  void draw_filter(int top, int height);
  void draw_help(int top, int height);

  // ---- data
  void refresh_data();
  void apply_filter();
  void open_flow(std::vector<std::uint64_t> calls, bool extended);
  void load_flow();
  void select_arrow(std::size_t arrow);
  void open_screen(Screen screen);
  void back();

  // ---- keys
  void on_key(int key);
  void on_calls_key(int key);
  void on_flow_key(int key);
  void on_scroll_key(int key, std::size_t& scroll, std::size_t lines, int page);
  void on_findings_key(int key);
  void on_columns_key(int key);
  void on_filter_key(int key);
  void on_prompt_key(int key);
  void on_mouse();
  int content_height() const { return std::max(1, LINES - 3); }

  CallSource& source_;
  TerminalOptions options_;
  bool colors_ = false;
  bool quit_ = false;
  Screen screen_ = Screen::calls;
  std::vector<Screen> stack_;
  std::string status_;  // one message on the bar, until the next key
  SourceStatus source_status_;

  CallTable table_;
  std::size_t list_top_ = 0;
  CallFilter filter_;
  bool filter_active_ = false;

  std::vector<std::uint64_t> flow_calls_;
  bool flow_extended_ = false;
  FlowSnapshot flow_;
  FlowLines flow_text_;
  std::size_t flow_width_ = 0;
  std::size_t arrow_ = 0;
  std::size_t flow_top_ = 0;
  MessageSnapshot flow_message_;
  std::vector<StyledLine> flow_message_lines_;
  std::size_t flow_message_scroll_ = 0;

  std::vector<StyledLine> message_lines_;
  std::size_t message_scroll_ = 0;

  std::vector<FindingRow> findings_;
  std::size_t finding_ = 0;
  std::size_t findings_top_ = 0;

  std::vector<CarrierRow> carriers_;
  std::size_t carriers_scroll_ = 0;

  std::vector<std::pair<CallField, bool>> column_edit_;
  std::size_t column_ = 0;

  std::array<std::string, kFilterFields> filter_edit_;
  std::size_t filter_field_ = 0;

  enum class Prompt { none, search, save_pcap, save_text };
  Prompt prompt_ = Prompt::none;
  std::string prompt_text_;
};

// ---- drawing -----------------------------------------------------------------------------------

void Ui::init_colors() {
  colors_ = has_colors();
  if (!colors_) return;
  start_color();
  use_default_colors();
  init_pair(1, COLOR_GREEN, -1);          // good
  init_pair(2, COLOR_RED, -1);            // bad
  init_pair(3, COLOR_YELLOW, -1);         // pending
  init_pair(4, COLOR_CYAN, -1);           // header, sip names
  init_pair(5, COLOR_BLUE, -1);           // dim
  init_pair(6, COLOR_MAGENTA, -1);        // request
  init_pair(7, COLOR_BLACK, COLOR_CYAN);  // title bar
}

attr_t Ui::attr(Style style) const {
  // Without colours: bold for what stands out, underline for what is pending.
  switch (style) {
    case Style::plain:
      return A_NORMAL;
    case Style::title:
      return colors_ ? COLOR_PAIR(7) : A_REVERSE;
    case Style::header:
      return A_BOLD | (colors_ ? COLOR_PAIR(4) : 0);
    case Style::good:
      return colors_ ? COLOR_PAIR(1) : A_NORMAL;
    case Style::bad:
      return colors_ ? COLOR_PAIR(2) | A_BOLD : A_BOLD;
    case Style::pending:
      return colors_ ? COLOR_PAIR(3) : A_UNDERLINE;
    case Style::dim:
      return colors_ ? COLOR_PAIR(5) : A_DIM;
    case Style::sip_name:
      return colors_ ? COLOR_PAIR(4) : A_BOLD;
    case Style::request:
      return A_BOLD | (colors_ ? COLOR_PAIR(6) : 0);
    case Style::response:
      return A_BOLD | (colors_ ? COLOR_PAIR(1) : 0);
    case Style::selected:
      return A_REVERSE;
  }
  return A_NORMAL;
}

void Ui::put(int y, int x, const std::string& text, Style style, int width) {
  if (y < 0 || y >= LINES || x >= COLS || width <= 0) return;
  attron(attr(style));
  mvaddstr(y, x, fit_columns(text, static_cast<std::size_t>(width), false).c_str());
  attroff(attr(style));
}

void Ui::put_line(int y, const StyledLine& line, bool selected) {
  const std::string text = fit_columns(line.text, static_cast<std::size_t>(COLS));
  move(y, 0);
  const attr_t extra = selected ? A_REVERSE : A_NORMAL;
  if (line.span_length == 0 || line.span_from >= text.size()) {
    attron(attr(line.style) | extra);
    addstr(text.c_str());
    attroff(attr(line.style) | extra);
    return;
  }
  const std::size_t end = std::min(text.size(), line.span_from + line.span_length);
  attron(attr(line.style) | extra);
  addstr(text.substr(0, line.span_from).c_str());
  attroff(attr(line.style) | extra);
  attron(attr(line.span_style) | extra);
  addstr(text.substr(line.span_from, end - line.span_from).c_str());
  attroff(attr(line.span_style) | extra);
  attron(attr(line.style) | extra);
  addstr(text.substr(end).c_str());
  attroff(attr(line.style) | extra);
}

void Ui::draw_title() {
  const SourceStatus& s = source_status_;
  std::string state;
  if (s.reading && s.size > 0) {
    state =
        "reading " + std::to_string(s.position * 100 / std::max<std::uint64_t>(1, s.size)) + "%";
  } else if (s.reading) {
    state = s.live ? "capturing" : "reading";
  } else {
    state = s.error.empty() ? (s.live ? "input ended" : "read") : "DAMAGED: " + s.error;
  }
  char counts[200];
  std::snprintf(counts, sizeof counts,
                "%" PRIu64 " packets, %" PRIu64 " SIP messages, %" PRIu64 " calls, %" PRIu64
                " findings",
                s.packets, s.messages, s.calls_seen, s.findings);
  const std::string title = " sipws tui | " + s.name + " | " + state + " | " + counts;
  put_line(0, {fit_columns(title, static_cast<std::size_t>(COLS)), Style::title}, false);
  std::string second = std::string(screen_title(screen_));
  if (screen_ == Screen::calls) {
    second += ": " + table_.counts_line();
    if (table_.group() != StateGroup::all) {
      for (const StateGroupInfo& g : all_state_groups()) {
        if (g.group == table_.group()) second += "; group " + std::string(g.name);
      }
    }
    if (!table_.text().empty()) second += "; search \"" + table_.text() + "\"";
    if (filter_active_) second += "; filtered (F7)";
  } else if (screen_ == Screen::flow) {
    second += ": " + std::to_string(flow_calls_.size()) + " call(s), " +
              std::to_string(flow_.ladder.arrows.size()) + " messages" +
              (flow_extended_ ? ", with all legs" : "");
  }
  put_line(1, {second, Style::header}, false);
}

void Ui::draw_bar() {
  const int y = LINES - 1;
  if (prompt_ != Prompt::none) {
    const char* what = prompt_ == Prompt::search      ? "Search: "
                       : prompt_ == Prompt::save_pcap ? "Save the calls as pcap to: "
                                                      : "Save the ladder as text to: ";
    put_line(y, {std::string(what) + prompt_text_ + "_", Style::header}, false);
    return;
  }
  if (!status_.empty()) {
    put_line(y, {status_, Style::pending}, false);
    return;
  }
  std::string bar;
  for (const KeyHelp& k : keys_of(screen_)) {
    if (k.bar.empty()) continue;
    const std::string_view keys = k.keys.substr(0, k.keys.find(' '));
    bar += std::string(keys) + " " + std::string(k.bar) + "  ";
  }
  put_line(y, {bar, Style::dim}, false);
}

void Ui::draw_calls(int top, int height) {
  put_line(top, table_.header_line(static_cast<std::size_t>(COLS)), false);
  const auto& rows = table_.visible();
  const int body = height - 1;
  if (rows.empty()) {
    put(top + 2, 2,
        table_.total() == 0
            ? (source_status_.reading ? "No calls yet..." : "No SIP calls in this input")
            : "No call passes the filters (F7, /, Tab)",
        Style::dim, COLS - 4);
    return;
  }
  const std::size_t at = table_.selected_position();
  if (at < list_top_) list_top_ = at;
  if (at >= list_top_ + static_cast<std::size_t>(body))
    list_top_ = at - static_cast<std::size_t>(body) + 1;
  if (list_top_ >= rows.size()) list_top_ = 0;
  for (int i = 0; i < body && list_top_ + static_cast<std::size_t>(i) < rows.size(); ++i) {
    const CallRow& row = *rows[list_top_ + static_cast<std::size_t>(i)];
    put_line(top + 1 + i, table_.row_line(row, static_cast<std::size_t>(COLS)),
             table_.selected() && *table_.selected() == row.call);
  }
}

void Ui::draw_lines(const std::vector<StyledLine>& lines, std::size_t scroll, int top, int height,
                    int left, int width) {
  for (int i = 0; i < height && scroll + static_cast<std::size_t>(i) < lines.size(); ++i) {
    const StyledLine& line = lines[scroll + static_cast<std::size_t>(i)];
    const std::string text = fit_columns(line.text, static_cast<std::size_t>(width), false);
    if (line.span_length > 0 && line.span_from < text.size()) {
      const std::size_t end = std::min(text.size(), line.span_from + line.span_length);
      put(top + i, left, text.substr(0, line.span_from), line.style, width);
      put(top + i, left + static_cast<int>(display_width(text.substr(0, line.span_from))),
          text.substr(line.span_from, end - line.span_from), line.span_style, width);
      put(top + i, left + static_cast<int>(display_width(text.substr(0, end))), text.substr(end),
          line.style, width);
    } else {
      put(top + i, left, text, line.style, width);
    }
  }
}

void Ui::draw_flow(int top, int height) {
  // Wide terminals: the ladder on the left, the message on the right; narrow ones: above it.
  const bool side = COLS >= 160;
  const int ladder_width = side ? COLS * 3 / 5 : COLS;
  const int ladder_height = side ? height : std::max(4, height * 3 / 5);
  if (flow_width_ != static_cast<std::size_t>(ladder_width)) {
    flow_width_ = static_cast<std::size_t>(ladder_width);
    flow_text_ = flow_lines(flow_, flow_width_ - 1);
  }
  if (flow_text_.lines.empty()) {
    put(top + 1, 2, "This call has no messages left to show", Style::dim, COLS - 4);
    return;
  }
  // The two header lines stay; the arrows scroll so the selected one shows.
  for (int i = 0; i < 2 && i < static_cast<int>(flow_text_.lines.size()); ++i) {
    put(top + i, 0, flow_text_.lines[static_cast<std::size_t>(i)], Style::header, ladder_width);
  }
  const int body = ladder_height - 2;
  const std::size_t pairs = static_cast<std::size_t>(std::max(1, body / 2));
  if (arrow_ < flow_top_) flow_top_ = arrow_;
  if (arrow_ >= flow_top_ + pairs) flow_top_ = arrow_ - pairs + 1;
  for (std::size_t i = 0; i < pairs && flow_top_ + i < flow_text_.arrow_line.size(); ++i) {
    const std::size_t a = flow_top_ + i;
    const std::size_t line = flow_text_.arrow_line[a];
    const LadderArrow& arrow = flow_.ladder.arrows[a];
    Style style = arrow.request ? Style::request : Style::response;
    if (!arrow.request && arrow.status_code >= 300) style = Style::bad;
    if (arrow.retransmission) style = Style::pending;
    const int y = top + 2 + static_cast<int>(2 * i);
    if (a == arrow_) attron(A_REVERSE);
    put(y, 0, fit_columns(flow_text_.lines[line], static_cast<std::size_t>(ladder_width - 1)),
        style, ladder_width - 1);
    if (line + 1 < flow_text_.lines.size()) {
      put(y + 1, 0,
          fit_columns(flow_text_.lines[line + 1], static_cast<std::size_t>(ladder_width - 1)),
          Style::plain, ladder_width - 1);
    }
    if (a == arrow_) attroff(A_REVERSE);
  }
  if (side) {
    for (int y = top; y < top + height; ++y) mvaddch(y, ladder_width, ACS_VLINE);
    draw_lines(flow_message_lines_, flow_message_scroll_, top, height, ladder_width + 2,
               COLS - ladder_width - 2);
  } else {
    mvhline(top + ladder_height, 0, ACS_HLINE, COLS);
    draw_lines(flow_message_lines_, flow_message_scroll_, top + ladder_height + 1,
               height - ladder_height - 1, 0, COLS);
  }
}

void Ui::draw_findings(int top, int height) {
  put_line(top, finding_header(static_cast<std::size_t>(COLS)), false);
  if (findings_.empty()) {
    put(top + 2, 2, "No findings", Style::dim, COLS - 4);
    return;
  }
  const int body = height - 1;
  if (finding_ < findings_top_) findings_top_ = finding_;
  if (finding_ >= findings_top_ + static_cast<std::size_t>(body)) {
    findings_top_ = finding_ - static_cast<std::size_t>(body) + 1;
  }
  for (int i = 0; i < body && findings_top_ + static_cast<std::size_t>(i) < findings_.size(); ++i) {
    const std::size_t f = findings_top_ + static_cast<std::size_t>(i);
    put_line(top + 1 + i, finding_line(findings_[f], static_cast<std::size_t>(COLS)),
             f == finding_);
  }
}

void Ui::draw_connections(int top, int height) {
  put_line(top, carrier_header(static_cast<std::size_t>(COLS)), false);
  if (carriers_.empty()) {
    put(top + 2, 2, "No connection carried SIP yet", Style::dim, COLS - 4);
    return;
  }
  for (int i = 0;
       i < height - 1 && carriers_scroll_ + static_cast<std::size_t>(i) < carriers_.size(); ++i) {
    put_line(top + 1 + i,
             carrier_line(carriers_[carriers_scroll_ + static_cast<std::size_t>(i)],
                          static_cast<std::size_t>(COLS)),
             false);
  }
}

void Ui::draw_columns(int top, int height) {
  put(top, 2, "Shown columns are marked [x]; + and - move a column; Enter applies", Style::dim,
      COLS - 4);
  for (int i = 0; i + 2 < height && static_cast<std::size_t>(i) < column_edit_.size(); ++i) {
    const auto& [field, shown] = column_edit_[static_cast<std::size_t>(i)];
    const CallFieldSpec& spec = call_field(field);
    const std::string line = std::string(shown ? " [x] " : " [ ] ") + std::string(spec.title) +
                             "  (" + std::string(spec.json_key) + ")";
    put_line(top + 2 + i, {line, Style::plain}, static_cast<std::size_t>(i) == column_);
  }
}

void Ui::draw_filter(int top, int) {
  put(top, 2, "The filters of `sipws calls` (empty fields do not filter). Enter applies.",
      Style::dim, COLS - 4);
  for (int i = 0; i < kFilterFields; ++i) {
    const bool here = static_cast<std::size_t>(i) == filter_field_;
    put(top + 2 + 2 * i, 2, kFilterTitles[static_cast<std::size_t>(i)], Style::header, 28);
    put_line(top + 2 + 2 * i, {"", Style::plain}, false);
    put(top + 2 + 2 * i, 2, kFilterTitles[static_cast<std::size_t>(i)], Style::header, 28);
    put(top + 2 + 2 * i, 32, filter_edit_[static_cast<std::size_t>(i)] + (here ? "_" : ""),
        here ? Style::selected : Style::plain, COLS - 34);
  }
  put(top + 3 + 2 * kFilterFields, 2, "States: " + state_names(), Style::dim, COLS - 4);
  put(top + 4 + 2 * kFilterFields, 2, "Several values: comma-separated; a call passes with any.",
      Style::dim, COLS - 4);
}

void Ui::draw_help(int top, int height) {
  const Screen of = stack_.empty() ? Screen::calls : stack_.back();
  put(top, 2, "Keys of " + std::string(screen_title(of)), Style::header, COLS - 4);
  int y = top + 2;
  for (const KeyHelp& k : keys_of(of)) {
    if (y >= top + height) break;
    put(y, 4, std::string(k.keys), Style::sip_name, 34);
    put(y, 40, std::string(k.what), Style::plain, COLS - 42);
    ++y;
  }
}

void Ui::draw() {
  erase();
  draw_title();
  const int top = 2;
  const int height = content_height();
  switch (screen_) {
    case Screen::calls:
      draw_calls(top, height);
      break;
    case Screen::flow:
      draw_flow(top, height);
      break;
    case Screen::message:
      draw_lines(message_lines_, message_scroll_, top, height, 0, COLS);
      break;
    case Screen::findings:
      draw_findings(top, height);
      break;
    case Screen::connections:
      draw_connections(top, height);
      break;
    case Screen::columns:
      draw_columns(top, height);
      break;
    case Screen::filter:
      draw_filter(top, height);
      break;
    case Screen::help:
      draw_help(top, height);
      break;
  }
  draw_bar();
  refresh();
}

// ---- data --------------------------------------------------------------------------------------

void Ui::refresh_data() {
  source_status_ = source_.status();
  SourceChanges changes = source_.take_changes();
  const bool rows_changed = !changes.rows.empty() || !changes.removed.empty();
  const bool findings_changed = changes.findings_changed;
  table_.apply(std::move(changes));
  if (rows_changed && filter_active_ && !table_.paused()) {
    if (auto passing = source_.matching(filter_)) table_.set_passing(std::move(*passing));
  }
  // The open screens follow the source while it is read (the list pauses on request).
  if (table_.paused()) return;
  if (screen_ == Screen::flow && rows_changed) load_flow();
  if (screen_ == Screen::findings && findings_changed) findings_ = source_.findings();
  if (screen_ == Screen::connections && rows_changed) carriers_ = source_.carriers();
}

void Ui::apply_filter() {
  CallFilter f;
  f.call_ids = split_list({filter_edit_[kCallId]});
  f.methods = split_list({filter_edit_[kMethod]});
  f.users = split_list({filter_edit_[kUser]});
  const auto address = split_list({filter_edit_[kAddress]});
  f.address = address.empty() ? "" : address.front();
  f.states = split_list({filter_edit_[kState]});
  if (auto known = check_states(f.states); !known) {
    status_ = known.error();
    return;
  }
  for (const auto& [field, target] : {std::pair{kSince, &f.since}, std::pair{kUntil, &f.until}}) {
    const auto text = split_list({filter_edit_[field]});
    if (text.empty()) continue;
    auto bound = parse_time_bound(text.front());
    if (!bound) {
      status_ = bound.error();
      return;
    }
    *target = *bound;
  }
  if (!f.empty()) {
    auto passing = source_.matching(f);
    if (!passing) {
      status_ = passing.error();
      return;
    }
    table_.set_passing(std::move(*passing));
  } else {
    table_.set_passing(std::nullopt);
  }
  filter_ = f;
  filter_active_ = !f.empty();
  table_.move(0);
  back();
}

void Ui::open_flow(std::vector<std::uint64_t> calls, bool extended) {
  if (calls.empty()) return;
  flow_calls_ = std::move(calls);
  flow_extended_ = extended;
  arrow_ = 0;
  flow_top_ = 0;
  load_flow();
  select_arrow(0);
  open_screen(Screen::flow);
}

void Ui::load_flow() {
  std::vector<std::uint64_t> calls = flow_calls_;
  if (flow_extended_) {
    std::set<std::uint64_t> all;
    for (const std::uint64_t c : flow_calls_) {
      for (const std::uint64_t leg : source_.group_of(c)) all.insert(leg);
    }
    calls.assign(all.begin(), all.end());
  }
  flow_ = source_.flow(calls);
  flow_width_ = 0;  // lay out again at the next draw
  if (arrow_ >= flow_.ladder.arrows.size())
    arrow_ = flow_.ladder.arrows.empty() ? 0 : flow_.ladder.arrows.size() - 1;
}

void Ui::select_arrow(std::size_t arrow) {
  if (flow_.messages.empty()) {
    flow_message_lines_.clear();
    return;
  }
  arrow_ = std::min(arrow, flow_.messages.size() - 1);
  flow_message_ = source_.message(flow_.messages[arrow_]);
  const std::size_t width = COLS >= 160 ? static_cast<std::size_t>(COLS - COLS * 3 / 5 - 2)
                                        : static_cast<std::size_t>(COLS);
  flow_message_lines_ = message_lines(flow_message_, width);
  flow_message_scroll_ = 0;
}

void Ui::open_screen(Screen screen) {
  if (screen_ != screen) stack_.push_back(screen_);
  screen_ = screen;
}

void Ui::back() {
  if (stack_.empty()) {
    screen_ = Screen::calls;
    return;
  }
  screen_ = stack_.back();
  stack_.pop_back();
}

// ---- keys --------------------------------------------------------------------------------------

void Ui::on_scroll_key(int key, std::size_t& scroll, std::size_t lines, int page) {
  const std::size_t step = static_cast<std::size_t>(std::max(1, page - 1));
  const std::size_t last = lines > 0 ? lines - 1 : 0;
  switch (key) {
    case KEY_UP:
    case 'k':
      if (scroll > 0) --scroll;
      break;
    case KEY_DOWN:
    case 'j':
      if (scroll < last) ++scroll;
      break;
    case KEY_PPAGE:
      scroll = scroll > step ? scroll - step : 0;
      break;
    case KEY_NPAGE:
    case ' ':
      scroll = std::min(last, scroll + step);
      break;
    case KEY_HOME:
    case 'g':
      scroll = 0;
      break;
    case KEY_END:
    case 'G':
      scroll = last;
      break;
    default:
      break;
  }
}

void Ui::on_calls_key(int key) {
  const long page = std::max(1, content_height() - 2);
  switch (key) {
    case 'q':
    case 'Q':
      quit_ = true;
      break;
    case KEY_UP:
    case 'k':
      table_.move(-1);
      break;
    case KEY_DOWN:
    case 'j':
      table_.move(1);
      break;
    case KEY_PPAGE:
      table_.move(-page);
      break;
    case KEY_NPAGE:
      table_.move(page);
      break;
    case KEY_HOME:
    case 'g':
      table_.move_to(0);
      break;
    case KEY_END:
    case 'G':
      table_.move_to(table_.visible().size());
      break;
    case ' ':
      table_.toggle_mark();
      table_.move(1);
      break;
    case '\t': {
      const auto groups = all_state_groups();
      std::size_t at = 0;
      for (std::size_t i = 0; i < groups.size(); ++i) {
        if (groups[i].group == table_.group()) at = i;
      }
      table_.set_group(groups[(at + 1) % groups.size()].group);
      table_.move(0);
      break;
    }
    case '<':
    case '>': {
      const auto columns = table_.columns();
      std::size_t at = 0;
      for (std::size_t i = 0; i < columns.size(); ++i) {
        if (columns[i] == table_.sort_field()) at = i;
      }
      at = key == '>' ? (at + 1) % columns.size() : (at + columns.size() - 1) % columns.size();
      table_.sort_by(columns[at], table_.sort_descending());
      status_ = "sorted by " + std::string(call_field(columns[at]).title);
      break;
    }
    case 'o':
      table_.sort_by(table_.sort_field(), !table_.sort_descending());
      break;
    case 'p':
      table_.set_paused(!table_.paused());
      status_ = table_.paused() ? "updates paused (p resumes)" : "updates resumed";
      break;
    case '/':
    case KEY_F(3):
      prompt_ = Prompt::search;
      prompt_text_ = table_.text();
      break;
    case 'f':
    case KEY_F(7):
      open_screen(Screen::filter);
      break;
    case 'c':
    case KEY_F(10): {
      column_edit_.clear();
      for (const CallField f : table_.columns()) column_edit_.emplace_back(f, true);
      for (const CallFieldSpec& spec : all_call_fields()) {
        const auto shown = table_.columns();
        if (std::find(shown.begin(), shown.end(), spec.id) == shown.end()) {
          column_edit_.emplace_back(spec.id, false);
        }
      }
      column_ = 0;
      open_screen(Screen::columns);
      break;
    }
    case 's':
    case KEY_F(2):
      if (table_.chosen().empty()) {
        status_ = "no call to save";
        break;
      }
      prompt_ = Prompt::save_pcap;
      prompt_text_ = "sipws-calls.pcap";
      break;
    case 'e':
    case KEY_F(5):
      findings_ = source_.findings();
      finding_ = 0;
      open_screen(Screen::findings);
      break;
    case 'w':
    case KEY_F(6):
      carriers_ = source_.carriers();
      carriers_scroll_ = 0;
      open_screen(Screen::connections);
      break;
    case 'x':
    case KEY_F(4):
      if (table_.selected()) open_flow(table_.chosen(), true);
      break;
    default:
      if (is_enter(key) && table_.selected()) open_flow(table_.chosen(), false);
      break;
  }
}

void Ui::on_flow_key(int key) {
  const std::size_t arrows = flow_.ladder.arrows.size();
  const int page = std::max(1, content_height() / 2 - 1);
  switch (key) {
    case KEY_UP:
    case 'k':
      if (arrow_ > 0) select_arrow(arrow_ - 1);
      break;
    case KEY_DOWN:
    case 'j':
      if (arrow_ + 1 < arrows) select_arrow(arrow_ + 1);
      break;
    case KEY_PPAGE:
      select_arrow(arrow_ > static_cast<std::size_t>(page) ? arrow_ - static_cast<std::size_t>(page)
                                                           : 0);
      break;
    case KEY_NPAGE:
      select_arrow(arrow_ + static_cast<std::size_t>(page));
      break;
    case KEY_HOME:
    case 'g':
      select_arrow(0);
      break;
    case KEY_END:
    case 'G':
      select_arrow(arrows);
      break;
    case '[':
      if (flow_message_scroll_ > 0) --flow_message_scroll_;
      break;
    case ']':
      if (flow_message_scroll_ + 1 < flow_message_lines_.size()) ++flow_message_scroll_;
      break;
    case 'x':
    case KEY_F(4):
      flow_extended_ = !flow_extended_;
      load_flow();
      select_arrow(arrow_);
      break;
    case 's':
    case KEY_F(2):
      prompt_ = Prompt::save_text;
      prompt_text_ = "sipws-flow.txt";
      break;
    default:
      if (is_enter(key) && !flow_.messages.empty()) {
        message_lines_ = message_lines(flow_message_, static_cast<std::size_t>(COLS));
        message_scroll_ = 0;
        open_screen(Screen::message);
      } else if (is_back(key)) {
        back();
      }
      break;
  }
}

void Ui::on_findings_key(int key) {
  if (is_back(key)) {
    back();
    return;
  }
  if (!is_enter(key)) {
    on_scroll_key(key == ' ' ? 0 : key, finding_, findings_.size(), content_height() - 1);
    return;
  }
  if (findings_.empty()) return;
  const FindingRow& f = findings_[finding_];
  if (f.call == kNoId) {
    status_ = "this finding is about no SIP message (frame " + std::to_string(f.frame) + ")";
    return;
  }
  // The message it is about: by its id where the analysis knows it, else by its frame.
  open_flow({f.call}, false);
  std::size_t found = flow_.messages.size();
  for (std::size_t i = 0; i < flow_.messages.size(); ++i) {
    const bool same = f.message != kNoId ? flow_.messages[i].record == f.message
                                         : flow_.ladder.arrows[i].frame == f.frame;
    if (same) found = i;
  }
  if (found == flow_.messages.size()) {
    status_ = "the finding is about the call as a whole (frame " + std::to_string(f.frame) + ")";
    return;
  }
  select_arrow(found);
  message_lines_ = message_lines(flow_message_, static_cast<std::size_t>(COLS));
  message_scroll_ = 0;
  open_screen(Screen::message);
}

void Ui::on_columns_key(int key) {
  if (is_back(key)) {
    back();
    return;
  }
  if (column_edit_.empty()) return;
  switch (key) {
    case KEY_UP:
    case 'k':
      if (column_ > 0) --column_;
      break;
    case KEY_DOWN:
    case 'j':
      if (column_ + 1 < column_edit_.size()) ++column_;
      break;
    case ' ':
      column_edit_[column_].second = !column_edit_[column_].second;
      break;
    case '+':
      if (column_ > 0) {
        std::swap(column_edit_[column_], column_edit_[column_ - 1]);
        --column_;
      }
      break;
    case '-':
      if (column_ + 1 < column_edit_.size()) {
        std::swap(column_edit_[column_], column_edit_[column_ + 1]);
        ++column_;
      }
      break;
    default:
      if (is_enter(key)) {
        std::vector<CallField> shown;
        for (const auto& [field, on] : column_edit_) {
          if (on) shown.push_back(field);
        }
        if (shown.empty()) {
          status_ = "show at least one column";
          break;
        }
        table_.set_columns(std::move(shown));
        back();
      }
      break;
  }
}

void Ui::on_filter_key(int key) {
  std::string& field = filter_edit_[filter_field_];
  if (key == kEscape) {
    back();
  } else if (is_enter(key)) {
    apply_filter();
  } else if (key == KEY_UP) {
    filter_field_ = (filter_field_ + kFilterFields - 1) % kFilterFields;
  } else if (key == KEY_DOWN || key == '\t') {
    filter_field_ = (filter_field_ + 1) % kFilterFields;
  } else if (key == KEY_BACKSPACE || key == 127 || key == 8) {
    if (!field.empty()) field.pop_back();
  } else if (key == kClearLine) {
    field.clear();
  } else if (key == KEY_F(8)) {
    for (std::string& f : filter_edit_) f.clear();
  } else if (key >= 32 && key < 127) {
    field += static_cast<char>(key);
  }
}

void Ui::on_prompt_key(int key) {
  if (key == kEscape) {
    prompt_ = Prompt::none;
    return;
  }
  if (key == kClearLine) {
    prompt_text_.clear();
    if (prompt_ == Prompt::search) table_.set_text(prompt_text_);
    return;
  }
  if (key == KEY_BACKSPACE || key == 127 || key == 8) {
    if (!prompt_text_.empty()) prompt_text_.pop_back();
    if (prompt_ == Prompt::search) table_.set_text(prompt_text_);
    return;
  }
  if (!is_enter(key)) {
    if (key >= 32 && key < 256 && key != 127) prompt_text_ += static_cast<char>(key);
    if (prompt_ == Prompt::search) table_.set_text(prompt_text_);  // narrows as one types
    return;
  }
  const Prompt done = prompt_;
  prompt_ = Prompt::none;
  if (done == Prompt::search) {
    table_.set_text(prompt_text_);
    table_.move(0);
  } else if (done == Prompt::save_pcap) {
    const auto saved = source_.save(table_.chosen(), prompt_text_);
    status_ = saved
                  ? "wrote " + std::to_string(saved->frames_written) + " frames to " + prompt_text_
                  : "cannot save: " + saved.error();
  } else if (done == Prompt::save_text) {
    std::ofstream out(prompt_text_);
    for (const std::string& line : flow_lines(flow_, 120).lines) out << line << '\n';
    out.close();
    status_ = out ? "wrote the ladder to " + prompt_text_
                  : "cannot write " + prompt_text_ + ": " + std::strerror(errno);
  }
}

void Ui::on_mouse() {
  MEVENT event{};
  if (getmouse(&event) != OK) return;
  const bool open = (event.bstate & BUTTON1_DOUBLE_CLICKED) != 0;
  if (!(event.bstate & (BUTTON1_CLICKED | BUTTON1_PRESSED | BUTTON1_DOUBLE_CLICKED))) return;
  if (screen_ == Screen::calls) {
    const int row = event.y - 3;  // title, second line, header
    if (row < 0) return;
    table_.move_to(list_top_ + static_cast<std::size_t>(row));
    if (open) open_flow(table_.chosen(), false);
  } else if (screen_ == Screen::flow && event.x < (COLS >= 160 ? COLS * 3 / 5 : COLS)) {
    const int row = event.y - 4;  // title, second line, two header lines
    if (row < 0) return;
    select_arrow(flow_top_ + static_cast<std::size_t>(row / 2));
  }
}

void Ui::on_key(int key) {
  status_.clear();
  if (key == KEY_RESIZE) return;  // the next draw lays out again
  if (key == KEY_MOUSE) {
    on_mouse();
    return;
  }
  if (prompt_ != Prompt::none) {
    on_prompt_key(key);
    return;
  }
  if (screen_ == Screen::help) {
    back();
    return;
  }
  if (screen_ != Screen::filter && (key == '?' || key == KEY_F(1))) {
    open_screen(Screen::help);
    return;
  }
  switch (screen_) {
    case Screen::calls:
      on_calls_key(key);
      break;
    case Screen::flow:
      on_flow_key(key);
      break;
    case Screen::message:
      if (is_back(key)) {
        back();
      } else {
        on_scroll_key(key, message_scroll_, message_lines_.size(), content_height());
      }
      break;
    case Screen::findings:
      on_findings_key(key);
      break;
    case Screen::connections:
      if (is_back(key)) {
        back();
      } else {
        on_scroll_key(key, carriers_scroll_, carriers_.size(), content_height() - 1);
      }
      break;
    case Screen::columns:
      on_columns_key(key);
      break;
    case Screen::filter:
      on_filter_key(key);
      break;
    case Screen::help:
      break;
  }
}

int Ui::run() {
  filter_ = options_.filter;
  filter_active_ = !filter_.empty();
  auto joined = [](const std::vector<std::string>& values) {
    std::string out;
    for (const std::string& v : values) out += (out.empty() ? "" : ",") + v;
    return out;
  };
  filter_edit_[kCallId] = joined(filter_.call_ids);
  filter_edit_[kMethod] = joined(filter_.methods);
  filter_edit_[kUser] = joined(filter_.users);
  filter_edit_[kAddress] = filter_.address;
  filter_edit_[kState] = joined(filter_.states);
  for (const auto& [field, bound] :
       {std::pair{kSince, &filter_.since}, std::pair{kUntil, &filter_.until}}) {
    if (*bound) {
      filter_edit_[field] = ((*bound)->from_start ? "+" : "") + std::to_string((*bound)->seconds);
    }
  }

  init_colors();
  if (options_.mouse) mousemask(BUTTON1_CLICKED | BUTTON1_DOUBLE_CLICKED, nullptr);
  refresh_data();
  if (filter_active_) {
    // A wrong --call shows on the bar; the list stays whole.
    if (auto passing = source_.matching(filter_)) {
      table_.set_passing(std::move(*passing));
    } else {
      status_ = passing.error();
    }
  }
  draw();
  while (!quit_ && !g_interrupted) {
    const int key = getch();
    if (key == ERR) {
      refresh_data();
    } else {
      on_key(key);
      // Keys that came in a burst (a paste, a held key) first, then one refresh.
      refresh_data();
    }
    draw();
  }
  return 0;
}

}  // namespace

int run_terminal_ui(CallSource& source, const TerminalOptions& options) {
  std::setlocale(LC_ALL, "");
  // Keys come from the terminal itself: standard input may be the capture (tcpdump -w - | ...).
  FILE* tty = std::fopen("/dev/tty", "r+");
  if (tty == nullptr) {
    std::fprintf(stderr, "sipws: the terminal UI needs a terminal (/dev/tty: %s)\n",
                 std::strerror(errno));
    return 2;
  }
  FILE* out = isatty(STDOUT_FILENO) ? stdout : tty;
  SCREEN* screen = newterm(nullptr, out, tty);
  if (screen == nullptr) {
    std::fprintf(stderr, "sipws: cannot use this terminal (TERM=%s)\n",
                 std::getenv("TERM") != nullptr ? std::getenv("TERM") : "");
    std::fclose(tty);
    return 2;
  }
  set_term(screen);
  struct sigaction action {};
  action.sa_handler = on_interrupt;
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
  cbreak();
  noecho();
  keypad(stdscr, TRUE);
  set_escdelay(25);
  curs_set(0);
  timeout(kRefreshMs);
  source.start();
  int status = 0;
  {
    Ui ui(source, options);
    status = ui.run();
  }
  endwin();
  delscreen(screen);
  std::fclose(tty);
  source.stop();
  return status;
}

}  // namespace sipws::tui
