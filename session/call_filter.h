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

namespace sipws {

// A call passes when it matches every filter given.
struct CallFilter {
  std::vector<std::string> call_ids;
  std::string method;           // a method seen in the call
  std::string user;             // From or To user
  std::string address;          // an address (with or without port) that sent or received a message
  std::string state;            // call_state_name
  std::optional<double> since;  // epoch seconds: calls that end at or after
  std::optional<double> until;  // epoch seconds: calls that start at or before

  bool matches(const Call& call, const CallStore& store) const;
};

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
