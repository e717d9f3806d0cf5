#pragma once
// `sipws tui`: the terminal UI over a capture file, standard input, a live interface or HEP.

#include "session/analysis.h"
#include "tui/call_source.h"
#include "tui/terminal_ui.h"

namespace sipws::tui {

struct TuiOptions {
  SourceOptions source;
  TerminalOptions terminal;
};

// Opens the source (a file that cannot be read, a device that cannot be opened: status 2 after
// saying why), then runs the UI until the user quits (status 0).
int run_tui(const TuiOptions& options, const AnalysisLimits& limits);

}  // namespace sipws::tui
