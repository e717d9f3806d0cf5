#pragma once
// The ladder of a call as text, sngrep-style: one lifeline per participant, two lines per message
// (its label between the lifelines with the time since the previous message, then the arrow with
// the time since the first and the frame number). `sipws flow` prints it; a terminal front end
// draws the same lines.

#include <cstddef>
#include <string>
#include <vector>

#include "calls/call_store.h"
#include "calls/ladder.h"

namespace sipws {

struct LadderTextOptions {
  std::size_t width = 80;
  bool verbose = false;  // the SIP text of each message under its arrow (needs kept records)
};

// The lines, without line ends; trailing spaces trimmed.
std::vector<std::string> ladder_text(const CallStore& store, const Ladder& ladder,
                                     const LadderTextOptions& options);
// Without the messages' text (options.verbose is ignored): for a ladder merged from several
// stores, as a live terminal UI builds.
std::vector<std::string> ladder_text(const Ladder& ladder, LadderTextOptions options);

}  // namespace sipws
