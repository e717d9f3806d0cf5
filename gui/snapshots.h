#pragma once
// What the GUI's reading thread publishes to the window. The snapshots themselves (message,
// finding rows) are the session layer's, shared with the terminal UI.

#include <cstdint>
#include <vector>

#include "session/call_fields.h"
#include "session/snapshots.h"

namespace sipws::gui {

// What the reading thread publishes: what changed since its last delta.
struct AnalysisDelta {
  // New or changed calls, ascending by call index; in the final delta only calls never sent
  // before (the others get `endings`).
  std::vector<CallRow> calls;
  // At the end, for every call whose row was sent before: what finishing changed in it.
  std::vector<CallRowEnding> endings;
  std::vector<FindingRow> findings;  // new findings (all of them when replace_findings)
  bool replace_findings = false;     // at the end every finding is placed again, knowing all
  std::uint64_t frames = 0;          // read so far
  std::uint64_t messages = 0;
  std::uint64_t position = 0;  // bytes of the file read, and its size (0 when unknown)
  std::uint64_t size = 0;
};

}  // namespace sipws::gui
