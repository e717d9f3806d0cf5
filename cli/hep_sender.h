#pragma once
// Sends HEPv3 packets to a collector (heplify-server, Homer, sngrep -L) over UDP or TCP. Never
// blocks the caller: UDP datagrams the socket refuses and TCP bytes beyond a bounded backlog are
// dropped and counted, so a slow or absent collector cannot stall a capture.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "capture/result.h"

namespace sipws::cli {

struct HepTarget {
  std::string host;
  std::uint16_t port = 0;
  bool tcp = false;
};

// "HOST:PORT" or "[V6]:PORT" into `target` (its tcp flag is left as it is).
Result<void> parse_hep_target(const std::string& text, HepTarget& target);

class HepSender {
 public:
  // Resolves and connects (a collector that is not there says so now).
  static Result<std::unique_ptr<HepSender>> open(const HepTarget& target);
  // "HOST:PORT" parsed and opened.
  static Result<std::unique_ptr<HepSender>> open(const std::string& text, bool tcp);
  ~HepSender();
  HepSender(const HepSender&) = delete;
  HepSender& operator=(const HepSender&) = delete;

  void send(const std::vector<std::uint8_t>& packet);
  // Waits up to `milliseconds` for a TCP backlog to drain (the end of an export).
  void flush(int milliseconds);

  // Packets handed to the socket (UDP) or queued for it (TCP: a collector that goes away later
  // loses what was queued; flush() then counts one drop and says so in last_error()).
  std::uint64_t sent() const { return sent_; }
  std::uint64_t dropped() const { return dropped_; }
  const std::string& last_error() const { return last_error_; }

 private:
  HepSender() = default;
  void drain();

  int fd_ = -1;
  bool tcp_ = false;
  std::vector<std::uint8_t> backlog_;  // TCP bytes not yet written
  std::uint64_t sent_ = 0;
  std::uint64_t dropped_ = 0;
  std::string last_error_;
};

}  // namespace sipws::cli
