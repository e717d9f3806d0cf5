#include "session/call_filter.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <cstdlib>

namespace sipws {

namespace {

bool contains(const std::vector<std::string>& values, std::string_view value) {
  return std::find(values.begin(), values.end(), value) != values.end();
}

std::string trimmed(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return std::string(text);
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

}  // namespace

Result<TimeBound> parse_time_bound(std::string_view text) {
  const std::string t = trimmed(text);
  const auto bad = [&t] {
    return Failure{"'" + t +
                   "' is not a time: epoch seconds, ISO 8601 (2026-11-24T22:35:00Z) or an offset "
                   "from the start of the capture (+30s, +2m, +1h)"};
  };
  if (t.empty()) return bad();
  if (t[0] == '+') {
    double scale = 1;
    std::string number = t.substr(1);
    if (!number.empty()) {
      const char unit = number.back();
      if (unit == 's' || unit == 'm' || unit == 'h') {
        scale = unit == 'h' ? 3600 : unit == 'm' ? 60 : 1;
        number.pop_back();
      }
    }
    char* end = nullptr;
    const double value = std::strtod(number.c_str(), &end);
    if (number.empty() || *end != '\0' || !(value >= 0) || value > 1e12) return bad();
    return TimeBound{value * scale, true};
  }
  if (t.size() >= 10 && t[4] == '-' && t[7] == '-') {
    int year = 0, month = 0, day = 0, hour = 0, minute = 0, consumed = 0;
    double second = 0;
    if (std::sscanf(t.c_str(), "%4d-%2d-%2d%n", &year, &month, &day, &consumed) != 3 ||
        consumed != 10) {
      return bad();
    }
    std::string_view rest = std::string_view(t).substr(10);
    if (!rest.empty()) {
      if (rest[0] != 'T' && rest[0] != 't' && rest[0] != ' ') return bad();
      rest.remove_prefix(1);
      const std::string clock(rest);
      int used = 0;
      if (std::sscanf(clock.c_str(), "%2d:%2d%n", &hour, &minute, &used) != 2 || used != 5) {
        return bad();
      }
      rest.remove_prefix(5);
      if (!rest.empty() && rest[0] == ':') {
        rest.remove_prefix(1);
        std::size_t digits = 0;
        while (digits < rest.size() &&
               (std::isdigit(static_cast<unsigned char>(rest[digits])) || rest[digits] == '.')) {
          ++digits;
        }
        const std::string seconds(rest.substr(0, digits));
        char* end = nullptr;
        second = std::strtod(seconds.c_str(), &end);
        if (seconds.empty() || *end != '\0') return bad();
        rest.remove_prefix(digits);
      }
    }
    double offset = 0;
    if (rest == "Z" || rest == "z") {
      rest = {};
    } else if (!rest.empty() && (rest[0] == '+' || rest[0] == '-')) {
      int zh = 0, zm = 0;
      const std::string zone(rest.substr(1));
      if (std::sscanf(zone.c_str(), "%2d:%2d", &zh, &zm) != 2 &&
          std::sscanf(zone.c_str(), "%2d%2d", &zh, &zm) != 2) {
        return bad();
      }
      offset = (rest[0] == '+' ? 1 : -1) * (zh * 3600.0 + zm * 60.0);
      rest = {};
    }
    if (!rest.empty() || month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 ||
        minute > 59 || second >= 61) {
      return bad();
    }
    const double epoch = static_cast<double>(days_from_civil(year, static_cast<unsigned>(month),
                                                             static_cast<unsigned>(day))) *
                             86400.0 +
                         hour * 3600.0 + minute * 60.0 + second - offset;
    return TimeBound{epoch, false};
  }
  char* end = nullptr;
  const double value = std::strtod(t.c_str(), &end);
  if (*end != '\0' || !(value >= 0) || value > 1e11) return bad();
  return TimeBound{value, false};
}

std::vector<std::string> split_list(const std::vector<std::string>& values) {
  std::vector<std::string> out;
  for (const std::string& value : values) {
    std::string_view rest(value);
    for (;;) {
      const std::size_t comma = rest.find(',');
      std::string item = trimmed(rest.substr(0, comma));
      if (!item.empty()) out.push_back(std::move(item));
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  return out;
}

std::string state_names() {
  std::string out;
  for (int s = 0; s <= static_cast<int>(CallState::no_response); ++s) {
    out += (s == 0 ? "" : ", ") + std::string(call_state_name(static_cast<CallState>(s)));
  }
  return out;
}

Result<void> check_states(const std::vector<std::string>& states) {
  for (const std::string& state : states) {
    bool known = false;
    for (int s = 0; s <= static_cast<int>(CallState::no_response); ++s) {
      known = known || call_state_name(static_cast<CallState>(s)) == state;
    }
    if (!known)
      return Failure{"no state is called '" + state + "' (states: " + state_names() + ")"};
  }
  return {};
}

bool CallFilter::empty() const {
  return call_ids.empty() && methods.empty() && users.empty() && address.empty() &&
         states.empty() && !since && !until;
}

Result<void> CallFilter::resolve(const CallStore& store, TimeNs capture_start) {
  std::vector<std::string> resolved;
  for (const std::string& ref : call_ids) {
    if (store.find(ref) != nullptr) {
      resolved.push_back(ref);
      continue;
    }
    const bool index = !ref.empty() && std::all_of(ref.begin(), ref.end(), [](char c) {
      return std::isdigit(static_cast<unsigned char>(c));
    });
    if (index && ref.size() < 19 && std::stoull(ref) < store.calls().size()) {
      resolved.push_back(store.calls()[std::stoull(ref)].call_id);
      continue;
    }
    std::vector<const Call*> starting;
    for (const Call& c : store.calls()) {
      if (c.call_id.compare(0, ref.size(), ref) == 0) starting.push_back(&c);
    }
    if (starting.size() == 1) {
      resolved.push_back(starting.front()->call_id);
    } else if (starting.empty()) {
      return Failure{"--call " + ref + ": no call has this Call-ID, index or Call-ID prefix"};
    } else {
      return Failure{"--call " + ref + ": the start of " + std::to_string(starting.size()) +
                     " Call-IDs (" + starting[0]->call_id + ", " + starting[1]->call_id +
                     (starting.size() > 2 ? ", ..." : "") + "); give more of it"};
    }
  }
  call_ids = std::move(resolved);
  const double start = capture_start == INT64_MIN ? 0 : static_cast<double>(capture_start) / 1e9;
  for (std::optional<TimeBound>* bound : {&since, &until}) {
    if (*bound && (*bound)->from_start) **bound = TimeBound{start + (*bound)->seconds, false};
  }
  return {};
}

bool CallFilter::matches(const Call& call, const CallStore& store) const {
  if (!call_ids.empty() && !contains(call_ids, call.call_id)) return false;
  if (!states.empty() && !contains(states, call_state_name(call.state))) return false;
  if (!users.empty() && !contains(users, call.from_user) && !contains(users, call.to_user)) {
    return false;
  }
  if (since && static_cast<double>(call.end) / 1e9 < since->seconds) return false;
  if (until && static_cast<double>(call.start) / 1e9 > until->seconds) return false;
  if (!methods.empty() || !address.empty()) {
    bool method_ok = methods.empty();
    bool address_ok = address.empty();
    for (const auto& cm : call.messages) {
      const MessageSummary& r = store.summaries()[cm.record];
      if (!method_ok && (contains(methods, r.method) || contains(methods, r.cseq_method))) {
        method_ok = true;
      }
      if (!address_ok) {
        for (const Endpoint* e : {&r.path->src, &r.path->dst}) {
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
