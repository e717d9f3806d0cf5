#pragma once
// Contracts as data: every named limit (`--limit NAME=VALUE`) in one table, which drives the
// parsing of --limit, its --help text and the README's table (a test compares them), and the
// exit codes of every command.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "capture/result.h"
#include "session/analysis.h"

namespace sipws {

// Exit codes are a contract for scripts: keep their meaning, add new ones at the end.
// `sipws check` uses findings_at_or_above for "something at or above --fail-on".
enum class ExitCode : int {
  ok = 0,
  usage = 1,                 // the command line is wrong
  findings_at_or_above = 1,  // check: something at or above --fail-on
  unreadable = 2,            // the file could not be opened or is not a capture
  damaged = 3,               // the capture is truncated or damaged; partial results shown
  nothing_matched = 4,       // filters were given and no call passes them (every command)
};
inline constexpr int exit_status(ExitCode code) {
  return static_cast<int>(code);
}

struct LimitSpec {
  enum class Unit { count, bytes, seconds };
  std::string_view name;
  Unit unit;
  std::string_view bounds;                      // what it bounds, for --help and the README
  std::uint64_t (*get)(const AnalysisLimits&);  // in the unit (seconds, not nanoseconds)
  void (*set)(AnalysisLimits&, std::uint64_t);
  std::uint64_t min = 0;  // the smallest value that makes sense (a table of 0 flows does not)
};

std::span<const LimitSpec> all_limits();

// Applies "NAME=VALUE", or says why it cannot.
Result<void> apply_limit(std::string_view setting, AnalysisLimits& limits);

// "name (unit), name (unit), ..." for --help.
std::string limits_help();

}  // namespace sipws
