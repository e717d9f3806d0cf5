#pragma once
// What every front end that captures live shares: opening the device (and the -w file) with
// privileges, dropping them right after (like tcpdump -Z), and the loop that hands packets to
// the analysis until a count, a duration or the front end says stop.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "capture/live_capture.h"
#include "capture/result.h"

namespace sipws {

// Gives up root for `user` (nothing to do when not root, or for "root" or "").
Result<void> drop_privileges(const std::string& user);

// Opens the device and the -w file, then drops privileges to `user`.
Result<std::unique_ptr<LiveCapture>> open_live_capture(const LiveOptions& options,
                                                       const std::string& user);

struct CaptureLoopLimits {
  std::uint64_t count = 0;  // packets (0: no limit)
  double duration = 0;      // seconds (0: no limit)
};

// Starts the capture thread and hands each packet to `take` until the count, the duration or
// `stop()` (asked between packets and every 100 ms); then drains what was captured (beyond the
// count, not taken). Returns how many packets were taken.
template <class Take, class Stop>
std::uint64_t run_capture_loop(LiveCapture& live, const CaptureLoopLimits& limits, Take&& take,
                               Stop&& stop) {
  live.start();
  const auto started = std::chrono::steady_clock::now();
  std::uint64_t packets = 0;
  RawPacket packet;
  for (;;) {
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    const bool enough = limits.count > 0 && packets >= limits.count;
    if ((limits.duration > 0 && elapsed >= limits.duration) || enough || stop()) live.stop();
    if (!live.next(packet, 100)) {
      if (live.stopped()) break;
      continue;
    }
    if (limits.count > 0 && packets >= limits.count) continue;  // drain without taking more
    take(packet);
    ++packets;
  }
  return packets;
}

}  // namespace sipws
