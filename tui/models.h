#pragma once
// What each screen of the terminal UI shows, as plain data and free of curses, so that it can be
// tested without a terminal: the call list (columns from the shared schema, sorting, filters,
// selection, pausing), the flow (the shared text ladder, arrows mapped to lines), a message's
// detail, the findings, the connections, and the keys of each screen. terminal_ui.cpp draws
// these and turns keys into calls on them.

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "session/call_fields.h"
#include "session/call_filter.h"
#include "session/output_format.h"
#include "session/snapshots.h"
#include "tui/call_source.h"

namespace sipws::tui {

// How a piece of text is drawn; the terminal maps each to a colour pair (or to bold and
// reverse where the terminal has no colours).
enum class Style {
  plain,
  title,
  header,    // table headers, section titles
  good,      // a call that went well
  bad,       // went wrong, errors
  pending,   // still happening, warnings
  dim,       // times, frame numbers
  sip_name,  // a header's name
  request,   // a request's label
  response,  // a response's label
  selected,
};

struct StyledLine {
  std::string text;
  Style style = Style::plain;
  // A part drawn in another style: [from, from + length) in bytes of `text`.
  std::size_t span_from = 0;
  std::size_t span_length = 0;
  Style span_style = Style::plain;
};

Style style_of(CallState state);
Style style_of(Severity severity);

// ---- The call list -------------------------------------------------------------------------
class CallTable {
 public:
  CallTable();

  // Rows of the source: new and changed calls, and those that left. While paused, changes wait.
  void apply(SourceChanges changes);
  void set_paused(bool paused);
  bool paused() const { return paused_; }
  std::size_t waiting() const { return waiting_.rows.size() + waiting_.removed.size(); }

  // Columns: fields of the shared schema, in the order shown.
  std::span<const CallField> columns() const { return columns_; }
  void set_columns(std::vector<CallField> columns);
  // Sorting: by a shown column, ascending unless reversed. Initially by call index.
  void sort_by(CallField field, bool descending = false);
  CallField sort_field() const { return sort_field_; }
  bool sort_descending() const { return descending_; }

  // Filters: the command line's (applied by the source: set_passing), a state group, and a
  // free text matched against the schema's filterable fields.
  void set_passing(std::optional<std::set<std::uint64_t>> passing);
  void set_group(StateGroup group);
  StateGroup group() const { return group_; }
  void set_text(std::string text);
  const std::string& text() const { return text_; }

  // The rows shown, in order.
  const std::vector<const CallRow*>& visible() const;
  std::size_t total() const { return rows_.size(); }
  const CallRow* row(std::uint64_t call) const;

  // The selection follows its call (not its position) through updates and sorting.
  std::optional<std::uint64_t> selected() const { return selected_; }
  void select(std::uint64_t call) { selected_ = call; }
  std::size_t selected_position() const;  // in visible(); 0 when none
  void move(long delta);                  // by rows; clamps
  void move_to(std::size_t position);
  // Marked calls (Space), for showing together and saving; the selection when none is marked.
  void toggle_mark();
  const std::set<std::uint64_t>& marked() const { return marked_; }
  std::vector<std::uint64_t> chosen() const;

  std::vector<std::string> header_cells() const;
  std::vector<std::string> cells(const CallRow& row) const;
  // "42 calls (12 shown): 30 answered, 5 failed, 7 active"
  std::string counts_line() const;
  // The table as lines `width` columns wide: a header, then the visible rows.
  StyledLine header_line(std::size_t width) const;
  StyledLine row_line(const CallRow& row, std::size_t width) const;

 private:
  bool passes(const CallRow& row) const;
  void invalidate() { dirty_ = true; }

  std::map<std::uint64_t, CallRow> rows_;
  std::vector<CallField> columns_;
  CallField sort_field_ = CallField::index;
  bool descending_ = false;
  std::optional<std::set<std::uint64_t>> passing_;
  StateGroup group_ = StateGroup::all;
  std::string text_;
  std::optional<std::uint64_t> selected_;
  std::set<std::uint64_t> marked_;
  bool paused_ = false;
  SourceChanges waiting_;
  mutable std::vector<const CallRow*> visible_;
  mutable bool dirty_ = true;
};

// ---- The flow --------------------------------------------------------------------------------
struct FlowLines {
  std::vector<std::string> lines;       // the ladder, `width` wide
  std::vector<std::size_t> arrow_line;  // arrow i: its label line (the arrow is the next)
};
FlowLines flow_lines(const FlowSnapshot& flow, std::size_t width);

// ---- A message -------------------------------------------------------------------------------
// The message in full: what carried it, its text with header names coloured, its SDP summary,
// its WebSocket frames and its findings. Lines longer than `width` wrap.
std::vector<StyledLine> message_lines(const MessageSnapshot& message, std::size_t width);

// ---- Findings and connections -----------------------------------------------------------------
StyledLine finding_line(const FindingRow& finding, std::size_t width);
StyledLine finding_header(std::size_t width);
StyledLine carrier_line(const CarrierRow& carrier, std::size_t width);
StyledLine carrier_header(std::size_t width);

// ---- Keys ------------------------------------------------------------------------------------
enum class Screen { calls, flow, message, findings, connections, columns, filter, help };
struct KeyHelp {
  std::string_view keys;
  std::string_view what;
  std::string_view bar = {};  // on the key bar as "key bar" (the first key); empty: help only
};
// The keys active on `screen`, for its help (? or F1) and its key bar.
std::span<const KeyHelp> keys_of(Screen screen);
std::string_view screen_title(Screen screen);

// The text of a time for the list and the flow: "2026-11-24 10:11:12.345" (UTC).
std::string clock_text(TimeNs ns);
// Display widths and cuts on character boundaries: session/output_format's.
using sipws::display_width;
using sipws::fit_columns;

}  // namespace sipws::tui
