#include "session/call_filter.h"

#include <algorithm>
#include <array>

namespace sipws {

bool CallFilter::matches(const Call& call, const CallStore& store) const {
  if (!call_ids.empty() &&
      std::find(call_ids.begin(), call_ids.end(), call.call_id) == call_ids.end()) {
    return false;
  }
  if (!state.empty() && call_state_name(call.state) != state) return false;
  if (!user.empty() && call.from_user != user && call.to_user != user) return false;
  if (since && static_cast<double>(call.end) / 1e9 < *since) return false;
  if (until && static_cast<double>(call.start) / 1e9 > *until) return false;
  if (!method.empty() || !address.empty()) {
    bool method_ok = method.empty();
    bool address_ok = address.empty();
    for (const auto& cm : call.messages) {
      const MessageSummary& r = store.summaries()[cm.record];
      if (!method_ok && (r.method == method || r.cseq_method == method)) method_ok = true;
      if (!address_ok) {
        for (const Endpoint* e : {&r.src, &r.dst}) {
          if (e->to_string() == address || e->address.to_string() == address) address_ok = true;
        }
      }
    }
    if (!method_ok || !address_ok) return false;
  }
  return true;
}

std::vector<const Call*> select_calls(const CallStore& store, const CallFilter& filter) {
  std::vector<const Call*> out;
  for (const Call& c : store.calls()) {
    if (filter.matches(c, store)) out.push_back(&c);
  }
  return out;
}

namespace {
constexpr std::array kStateGroups = {
    StateGroupInfo{StateGroup::all, "all", "All calls"},
    StateGroupInfo{StateGroup::active, "active", "Active"},
    StateGroupInfo{StateGroup::answered, "answered", "Answered"},
    StateGroupInfo{StateGroup::failed, "failed", "Failed / cancelled"},
    StateGroupInfo{StateGroup::registrations, "registrations", "Registrations"},
    StateGroupInfo{StateGroup::other, "other", "Other requests"},
};

bool failed_state(CallState s) {
  return s == CallState::cancelled || s == CallState::rejected || s == CallState::busy ||
         s == CallState::failed || s == CallState::no_response || s == CallState::challenged;
}
}  // namespace

std::span<const StateGroupInfo> all_state_groups() {
  return kStateGroups;
}

bool in_state_group(CallState state, StateGroup group) {
  switch (group) {
    case StateGroup::all:
      return true;
    case StateGroup::active:
      return state == CallState::call_setup || state == CallState::ringing ||
             state == CallState::in_call;
    case StateGroup::answered:
      return state == CallState::in_call || state == CallState::completed;
    case StateGroup::failed:
      return failed_state(state) || state == CallState::diverted;
    case StateGroup::registrations:
      return state == CallState::registered || state == CallState::unregistered;
    case StateGroup::other:
      return state == CallState::ok;
  }
  return true;
}

StateTone state_tone(CallState state) {
  switch (state) {
    case CallState::call_setup:
    case CallState::ringing:
      return StateTone::pending;
    case CallState::in_call:
    case CallState::completed:
    case CallState::registered:
    case CallState::ok:
      return StateTone::good;
    case CallState::unregistered:
    case CallState::diverted:
      return StateTone::neutral;
    default:
      return StateTone::bad;  // cancelled, rejected, busy, failed, no answer, challenged
  }
}

}  // namespace sipws
