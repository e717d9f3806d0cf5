#include "session/limits.h"

#include <array>
#include <charconv>
#include <limits>

namespace sipws {
namespace {

constexpr TimeNs kSecond = 1'000'000'000;

TimeNs to_ns(std::uint64_t seconds) {
  // Saturated: a timeout of more than 292 years is "never ends" in all but name.
  return seconds > static_cast<std::uint64_t>(INT64_MAX / kSecond)
             ? INT64_MAX
             : static_cast<TimeNs>(seconds) * kSecond;
}
std::uint64_t to_seconds(TimeNs ns) {
  return static_cast<std::uint64_t>(ns / kSecond);
}

using U = LimitSpec::Unit;
// In the order of the README's table.
constexpr std::array kLimits = {
    LimitSpec{"tcp_connections", U::count,
              "TCP connections tracked at once (the least recently active is ended)",
              [](const AnalysisLimits& l) -> std::uint64_t {
                return l.capture.flows.max_tcp_connections;
              },
              [](AnalysisLimits& l, std::uint64_t v) { l.capture.flows.max_tcp_connections = v; },
              1},
    LimitSpec{
        "udp_flows", U::count, "UDP flows tracked at once",
        [](const AnalysisLimits& l) -> std::uint64_t { return l.capture.flows.max_udp_flows; },
        [](AnalysisLimits& l, std::uint64_t v) { l.capture.flows.max_udp_flows = v; }, 1},
    LimitSpec{"tcp_buffer_per_direction", U::bytes,
              "out-of-order bytes held for one direction of one connection",
              [](const AnalysisLimits& l) -> std::uint64_t {
                return l.capture.flows.max_buffered_bytes_per_direction;
              },
              [](AnalysisLimits& l, std::uint64_t v) {
                l.capture.flows.max_buffered_bytes_per_direction = v;
              }},
    LimitSpec{
        "tcp_buffer_total", U::bytes, "out-of-order bytes held by all connections together",
        [](const AnalysisLimits& l) -> std::uint64_t {
          return l.capture.flows.max_buffered_bytes_total;
        },
        [](AnalysisLimits& l, std::uint64_t v) { l.capture.flows.max_buffered_bytes_total = v; }},
    LimitSpec{
        "tcp_idle_timeout", U::seconds,
        "a connection without packets for this long is ended (0: never)",
        [](const AnalysisLimits& l) { return to_seconds(l.capture.flows.tcp_idle_timeout); },
        [](AnalysisLimits& l, std::uint64_t v) { l.capture.flows.tcp_idle_timeout = to_ns(v); }},
    LimitSpec{
        "tcp_closed_linger", U::seconds,
        "a closed connection stays this long (capture time) for late ACKs and "
        "retransmissions, then leaves the table (0: until the idle timeout)",
        [](const AnalysisLimits& l) { return to_seconds(l.capture.flows.tcp_closed_linger); },
        [](AnalysisLimits& l, std::uint64_t v) { l.capture.flows.tcp_closed_linger = to_ns(v); }},
    LimitSpec{
        "udp_idle_timeout", U::seconds, "the same for UDP flows (0: never)",
        [](const AnalysisLimits& l) { return to_seconds(l.capture.flows.udp_idle_timeout); },
        [](AnalysisLimits& l, std::uint64_t v) { l.capture.flows.udp_idle_timeout = to_ns(v); }},
    LimitSpec{
        "ip_fragment_datagrams", U::count, "IP datagrams awaiting reassembly",
        [](const AnalysisLimits& l) -> std::uint64_t { return l.capture.fragments.max_datagrams; },
        [](AnalysisLimits& l, std::uint64_t v) { l.capture.fragments.max_datagrams = v; }},
    LimitSpec{
        "ip_fragment_bytes", U::bytes, "bytes of those datagrams",
        [](const AnalysisLimits& l) -> std::uint64_t {
          return l.capture.fragments.max_buffered_bytes;
        },
        [](AnalysisLimits& l, std::uint64_t v) { l.capture.fragments.max_buffered_bytes = v; }},
    LimitSpec{"ip_fragment_timeout", U::seconds,
              "capture time a datagram may wait for its fragments",
              [](const AnalysisLimits& l) { return to_seconds(l.capture.fragments.timeout); },
              [](AnalysisLimits& l, std::uint64_t v) { l.capture.fragments.timeout = to_ns(v); }},
    LimitSpec{
        "ws_message_bytes", U::bytes, "one WebSocket message as received",
        [](const AnalysisLimits& l) -> std::uint64_t {
          return l.dissector.websocket.max_message_bytes;
        },
        [](AnalysisLimits& l, std::uint64_t v) { l.dissector.websocket.max_message_bytes = v; }},
    LimitSpec{
        "ws_inflated_bytes", U::bytes, "one WebSocket message after inflation (deflate bombs)",
        [](const AnalysisLimits& l) -> std::uint64_t {
          return l.dissector.websocket.max_inflated_bytes;
        },
        [](AnalysisLimits& l, std::uint64_t v) { l.dissector.websocket.max_inflated_bytes = v; }},
    LimitSpec{
        "ws_inflate_contexts", U::count,
        "zlib contexts kept across messages (permessage-deflate with context takeover), "
        "all connections together",
        [](const AnalysisLimits& l) -> std::uint64_t {
          return l.dissector.websocket.max_inflate_contexts;
        },
        [](AnalysisLimits& l, std::uint64_t v) { l.dissector.websocket.max_inflate_contexts = v; }},
    LimitSpec{
        "sip_stream_bytes", U::bytes,
        "SIP over TCP awaiting framing (also the largest Content-Length followed)",
        [](const AnalysisLimits& l) -> std::uint64_t { return l.dissector.max_sip_stream_buffer; },
        [](AnalysisLimits& l, std::uint64_t v) { l.dissector.max_sip_stream_buffer = v; }},
    LimitSpec{"live_calls", U::count,
              "calls held by live and listen (the least recently active leaves early)",
              [](const AnalysisLimits& l) -> std::uint64_t { return l.live_calls.max_calls; },
              [](AnalysisLimits& l, std::uint64_t v) { l.live_calls.max_calls = v; }},
    LimitSpec{
        "live_call_linger", U::seconds,
        "live and listen: a call that is over leaves memory this long (capture time) after its "
        "last message, once the rules across its messages have run on it",
        [](const AnalysisLimits& l) { return to_seconds(l.live_calls.linger); },
        [](AnalysisLimits& l, std::uint64_t v) { l.live_calls.linger = to_ns(v); }},
    LimitSpec{
        "live_call_idle", U::seconds,
        "live and listen: a call that is not over (no BYE, no final response) leaves after this "
        "long without a message",
        [](const AnalysisLimits& l) { return to_seconds(l.live_calls.idle); },
        [](AnalysisLimits& l, std::uint64_t v) { l.live_calls.idle = to_ns(v); }},
};

std::string_view unit_name(LimitSpec::Unit unit) {
  switch (unit) {
    case U::count:
      return "count";
    case U::bytes:
      return "bytes";
    case U::seconds:
      return "seconds, 0 = never";
  }
  return "";
}

}  // namespace

std::span<const LimitSpec> all_limits() {
  return kLimits;
}

Result<void> apply_limit(std::string_view setting, AnalysisLimits& limits) {
  const std::size_t eq = setting.find('=');
  if (eq == std::string_view::npos) {
    return Failure{"--limit wants NAME=VALUE, got '" + std::string(setting) + "'"};
  }
  const std::string_view name = setting.substr(0, eq);
  const std::string_view text = setting.substr(eq + 1);
  std::uint64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error == std::errc::result_out_of_range) {
    return Failure{"--limit " + std::string(name) + ": '" + std::string(text) +
                   "' is out of range (at most " +
                   std::to_string(std::numeric_limits<std::uint64_t>::max()) + ")"};
  }
  if (text.empty() || error != std::errc() || end != text.data() + text.size()) {
    return Failure{"--limit " + std::string(name) + ": '" + std::string(text) +
                   "' is not a number (a whole number, 0 or more)"};
  }
  for (const LimitSpec& limit : kLimits) {
    if (limit.name == name) {
      if (value < limit.min) {
        return Failure{"--limit " + std::string(name) + ": " + std::string(text) +
                       " is too small (at least " + std::to_string(limit.min) + ")"};
      }
      limit.set(limits, value);
      return {};
    }
  }
  return Failure{"--limit: no limit named '" + std::string(name) + "' (see sipws --help)"};
}

std::string limits_help() {
  std::string out = "NAME=VALUE, repeatable:";
  for (std::size_t i = 0; i < kLimits.size(); ++i) {
    out += i == 0 ? " " : ", ";
    out += kLimits[i].name;
    out += " (";
    out += unit_name(kLimits[i].unit);
    out += ")";
  }
  return out;
}

}  // namespace sipws
