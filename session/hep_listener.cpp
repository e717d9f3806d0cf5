#include "session/hep_listener.h"

#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace sipws {
namespace {

constexpr std::size_t kMaxClients = 256;
constexpr std::size_t kMaxClientBuffer = 1u << 20;  // one HEP packet is at most 64 KiB

int listen_socket(const std::string& bind, std::uint16_t port, int type, std::string& error) {
  addrinfo hints{};
  hints.ai_socktype = type;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICHOST;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(port);
  if (const int rc = getaddrinfo(bind.c_str(), service.c_str(), &hints, &found); rc != 0) {
    error = "--bind " + bind + ": " + gai_strerror(rc);
    return -1;
  }
  int fd = socket(found->ai_family, found->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  const int on = 1;
  const int off = 0;
  if (fd >= 0) {
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    if (found->ai_family == AF_INET6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off);
    if (type == SOCK_DGRAM) {
      const int buffer = 8 << 20;  // bursts from a busy agent
      setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buffer, sizeof buffer);
    }
  }
  if (fd < 0 || ::bind(fd, found->ai_addr, found->ai_addrlen) != 0 ||
      (type == SOCK_STREAM && ::listen(fd, 64) != 0)) {
    error = std::string(type == SOCK_STREAM ? "TCP" : "UDP") + " port " + service + ": " +
            std::strerror(errno);
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
  freeaddrinfo(found);
  return fd;
}

std::uint16_t bound_port(int fd) {
  sockaddr_storage address{};
  socklen_t length = sizeof address;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) return 0;
  if (address.ss_family == AF_INET6) {
    return ntohs(reinterpret_cast<const sockaddr_in6*>(&address)->sin6_port);
  }
  return ntohs(reinterpret_cast<const sockaddr_in*>(&address)->sin_port);
}

// One HEP packet at the start of `bytes`: false when more bytes are needed.
bool take_packet(ByteView bytes, std::size_t& consumed, const HepListener::OnPacket& on_packet,
                 const HepListener::OnMalformed& on_malformed) {
  HepMessage m;
  const HepParseResult r = parse_hep3(bytes, m);
  consumed = r.consumed;
  if (r.status == HepStatus::need_more) return false;
  if (r.status == HepStatus::not_hep) {
    on_malformed("not HEPv3 (" + std::to_string(bytes.size()) + " bytes)");
    consumed = bytes.size();
    return true;
  }
  if (r.status == HepStatus::malformed) {
    on_malformed(r.error);
    if (consumed == 0 || consumed > bytes.size()) consumed = bytes.size();
    return true;
  }
  on_packet(m);
  return true;
}

}  // namespace

Result<std::unique_ptr<HepListener>> HepListener::open(const std::string& bind,
                                                       std::uint16_t port) {
  std::string error;
  const int udp = listen_socket(bind, port, SOCK_DGRAM, error);
  // With port 0, TCP takes the port UDP was given, so that one number names both.
  const std::uint16_t chosen = udp >= 0 ? bound_port(udp) : port;
  const int tcp = udp >= 0 ? listen_socket(bind, chosen, SOCK_STREAM, error) : -1;
  if (udp < 0 || tcp < 0) {
    if (udp >= 0) ::close(udp);
    return Failure{"cannot listen for HEP: " + error};
  }
  return std::unique_ptr<HepListener>(new HepListener(udp, tcp, chosen));
}

HepListener::~HepListener() {
  for (const Client& c : clients_) ::close(c.fd);
  ::close(udp_);
  ::close(tcp_);
}

void HepListener::poll(int timeout_ms, const OnPacket& on_packet, const OnMalformed& on_malformed) {
  std::vector<pollfd> fds{{udp_, POLLIN, 0}, {tcp_, POLLIN, 0}};
  for (const Client& c : clients_) fds.push_back({c.fd, POLLIN, 0});
  if (::poll(fds.data(), fds.size(), timeout_ms) <= 0) return;
  if (fds[0].revents & POLLIN) {
    for (int i = 0; i < 256; ++i) {  // drain a burst, then look at the others
      const ssize_t n = recv(udp_, datagram_.data(), datagram_.size(), 0);
      if (n < 0) break;
      std::size_t used = 0;
      if (!take_packet(ByteView(datagram_.data(), static_cast<std::size_t>(n)), used, on_packet,
                       on_malformed)) {
        on_malformed("a datagram shorter than its HEP length");
      }
    }
  }
  if (fds[1].revents & POLLIN) {
    const int fd = accept4(tcp_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd >= 0 && clients_.size() < kMaxClients) {
      clients_.push_back({fd, {}});
    } else if (fd >= 0) {
      ::close(fd);
    } else if (errno == EMFILE || errno == ENFILE) {
      usleep(100000);  // out of descriptors: the socket stays readable; do not spin
    }
  }
  for (std::size_t i = 2; i < fds.size(); ++i) {
    if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
    Client& c = clients_[i - 2];
    std::uint8_t chunk[65536];
    const ssize_t n = recv(c.fd, chunk, sizeof chunk, 0);
    bool close_it = n <= 0;
    if (n > 0) c.buffer.insert(c.buffer.end(), chunk, chunk + n);
    std::size_t at = 0;
    while (at < c.buffer.size()) {
      std::size_t used = 0;
      const ByteView rest(c.buffer.data() + at, c.buffer.size() - at);
      if (!take_packet(rest, used, on_packet, on_malformed)) break;
      // A stream that is not HEP cannot be resynchronised: drop the client.
      if (rest.size() >= 4 && std::memcmp(rest.data(), "HEP3", 4) != 0) close_it = true;
      at += used;
      if (close_it) break;
    }
    c.buffer.erase(c.buffer.begin(),
                   c.buffer.begin() + static_cast<std::ptrdiff_t>(std::min(at, c.buffer.size())));
    if (c.buffer.size() > kMaxClientBuffer) {
      on_malformed("a TCP client sent more than 1 MiB without a whole packet");
      close_it = true;
    }
    if (close_it) {
      ::close(c.fd);
      c.fd = -1;
    }
  }
  clients_.erase(
      std::remove_if(clients_.begin(), clients_.end(), [](const Client& c) { return c.fd < 0; }),
      clients_.end());
}

}  // namespace sipws
