#pragma once
// Which calls a front end shows: the filters of the command line (--call-id, --method, --user,
// --address, --state, --since, --until), the state groups of the GUI's call list (and any other
// front end's), and how a state reads at a glance. Shared so that every front end selects and
// groups calls the same way.

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "calls/call_store.h"
#include "capture/result.h"

namespace sipws {

// A time bound of --since/--until: epoch seconds, or seconds after the capture's first packet
// ("+30s"), resolved once the capture is read.
struct TimeBound {
  double seconds = 0;
  bool from_start = false;
};
// "1795565855.4" (epoch seconds), "2026-11-24T22:35:00Z" or "2026-11-24 22:35:00.250+01:00"
// (ISO 8601; no zone is UTC), "+30s", "+1.5m", "+2h", "+90" (from the start of the capture).
Result<TimeBound> parse_time_bound(std::string_view text);

// A call passes when it matches every filter given; a filter with several values passes a call
// that matches any of them.
struct CallFilter {
  // Call-IDs, call indices (as `calls` prints them) or unique Call-ID prefixes, until
  // resolve() turns them all into Call-IDs.
  std::vector<std::string> call_ids;
  std::vector<std::string> methods;  // a method seen in the call
  std::vector<std::string> users;    // From or To user
  std::string address;  // an address (with or without port) that sent or received a message
  std::vector<std::string> states;  // call_state_name
  std::optional<TimeBound> since;   // calls that end at or after
  std::optional<TimeBound> until;   // calls that start at or before

  bool empty() const;
  // Call references to Call-IDs, times after the start to epoch seconds (`capture_start`: the
  // first packet's time). Fails for a reference that names no call or several.
  Result<void> resolve(const CallStore& store, TimeNs capture_start);
  bool matches(const Call& call, const CallStore& store) const;
};

// Each value of a repeatable option split at commas, blanks trimmed, empties dropped.
std::vector<std::string> split_list(const std::vector<std::string>& values);
// Every state name, for help texts and errors.
std::string state_names();
// Fails, naming the states, when one of `states` is none.
Result<void> check_states(const std::vector<std::string>& states);

std::vector<const Call*> select_calls(const CallStore& store, const CallFilter& filter);

enum class StateGroup { all, active, answered, failed, registrations, other };
struct StateGroupInfo {
  StateGroup group;
  std::string_view name;   // "active": for command lines and settings
  std::string_view title;  // "Active": for menus
};
// Every group, in menu order.
std::span<const StateGroupInfo> all_state_groups();
bool in_state_group(CallState state, StateGroup group);

// How a state reads at a glance, for colours: still happening, went well, neither, went wrong.
enum class StateTone { pending, good, neutral, bad };
StateTone state_tone(CallState state);

}  // namespace sipws
