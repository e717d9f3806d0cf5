#pragma once
// Receiving HEPv3 from capture agents (Kamailio siptrace, heplify, sngrep -H) on one port, UDP
// and TCP: the sockets, the TCP clients and their framing. What each packet means (SIP to the
// analysis, a pcap written alongside) is the front end's: `sipws listen` prints it, the
// terminal UI shows it.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "capture/result.h"
#include "dissector/hep/hep.h"

namespace sipws {

class HepListener {
 public:
  // Binds UDP and TCP `port` on `bind` ("::" is every address, IPv6 and IPv4). Port 0 takes a
  // free one (port() says which).
  static Result<std::unique_ptr<HepListener>> open(const std::string& bind, std::uint16_t port);
  ~HepListener();
  HepListener(const HepListener&) = delete;
  HepListener& operator=(const HepListener&) = delete;

  std::uint16_t port() const { return port_; }

  using OnPacket = std::function<void(const HepMessage&)>;
  using OnMalformed = std::function<void(const std::string& why)>;
  // Waits up to `timeout_ms` for traffic, then hands each whole HEP packet that arrived to
  // `on_packet` and each that is not one to `on_malformed`. A TCP client that sends what is not
  // HEP, or more than 1 MiB without a whole packet, is dropped; at most 256 clients at a time.
  void poll(int timeout_ms, const OnPacket& on_packet, const OnMalformed& on_malformed);

 private:
  HepListener(int udp, int tcp, std::uint16_t port) : udp_(udp), tcp_(tcp), port_(port) {}
  struct Client {
    int fd;
    std::vector<std::uint8_t> buffer;
  };
  int udp_;
  int tcp_;
  std::uint16_t port_;
  std::vector<Client> clients_;
  std::vector<std::uint8_t> datagram_ = std::vector<std::uint8_t>(65536);
};

}  // namespace sipws
