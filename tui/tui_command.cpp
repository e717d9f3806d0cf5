#include "tui/tui_command.h"

#include <cstdio>

namespace sipws::tui {

int run_tui(const TuiOptions& options, const AnalysisLimits& limits) {
  auto source = CallSource::open(options.source, limits);
  if (!source) {
    std::fprintf(stderr, "sipws: %s\n", source.error().c_str());
    return 2;
  }
  return run_terminal_ui(**source, options.terminal);
}

}  // namespace sipws::tui
