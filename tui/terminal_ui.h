#pragma once
// The terminal UI itself: ncurses (wide characters), one screen at a time over a CallSource.
// Everything it shows comes from tui/models.h; this file only draws and maps keys.

#include "session/call_filter.h"
#include "tui/call_source.h"

namespace sipws::tui {

struct TerminalOptions {
  CallFilter filter;  // the command line's filters, applied from the start
  bool mouse = true;  // clicks select, double clicks open
};

// Runs until the user quits (q on the call list, or Ctrl-C); returns the exit status (0).
// Keys are read from the terminal (/dev/tty), so that standard input may carry the capture.
// Fails (status 2, after saying why on stderr) when there is no terminal.
int run_terminal_ui(CallSource& source, const TerminalOptions& options);

}  // namespace sipws::tui
