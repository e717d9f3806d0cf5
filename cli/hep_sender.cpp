#include "cli/hep_sender.h"

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

namespace sipws::cli {
namespace {
constexpr std::size_t kMaxBacklog = 8u << 20;  // TCP bytes waiting for a slow collector
}

Result<void> parse_hep_target(const std::string& text, HepTarget& target) {
  const std::size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size()) {
    return Failure{"--hep wants HOST:PORT, got '" + text + "'"};
  }
  std::string host = text.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  try {
    std::size_t used = 0;
    const unsigned long port = std::stoul(text.substr(colon + 1), &used);
    if (used != text.size() - colon - 1 || port == 0 || port > 65535)
      throw std::out_of_range("port");
    target.port = static_cast<std::uint16_t>(port);
  } catch (const std::exception&) {
    return Failure{"--hep: '" + text.substr(colon + 1) + "' is not a port"};
  }
  target.host = host;
  return {};
}

Result<std::unique_ptr<HepSender>> HepSender::open(const std::string& text, bool tcp) {
  HepTarget target;
  target.tcp = tcp;
  if (const auto parsed = parse_hep_target(text, target); !parsed) return Failure{parsed.error()};
  return open(target);
}

Result<std::unique_ptr<HepSender>> HepSender::open(const HepTarget& target) {
  std::string error;
  addrinfo hints{};
  hints.ai_socktype = target.tcp ? SOCK_STREAM : SOCK_DGRAM;
  addrinfo* found = nullptr;
  const std::string port = std::to_string(target.port);
  if (const int rc = getaddrinfo(target.host.c_str(), port.c_str(), &hints, &found); rc != 0) {
    return Failure{"HEP collector " + target.host + ": " + gai_strerror(rc)};
  }
  std::unique_ptr<HepSender> sender(new HepSender);
  sender->tcp_ = target.tcp;
  for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
    const int fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, 0);
    if (fd < 0) continue;
    // Connect blocking (a collector that is not there says so now), then write without
    // blocking.
    if (connect(fd, a->ai_addr, a->ai_addrlen) == 0) {
      fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
      sender->fd_ = fd;
      break;
    }
    error = "HEP collector " + target.host + ":" + port + ": " + std::strerror(errno);
    ::close(fd);
  }
  freeaddrinfo(found);
  if (sender->fd_ < 0) {
    if (error.empty()) error = "HEP collector " + target.host + ":" + port + ": no address";
    return Failure{error};
  }
  return sender;
}

HepSender::~HepSender() {
  if (fd_ >= 0) ::close(fd_);
}

void HepSender::send(const std::vector<std::uint8_t>& packet) {
  if (!tcp_) {
    const ssize_t n = ::send(fd_, packet.data(), packet.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n == static_cast<ssize_t>(packet.size())) {
      ++sent_;
    } else {
      ++dropped_;
      last_error_ = std::strerror(errno);
    }
    return;
  }
  if (backlog_.size() + packet.size() > kMaxBacklog) {
    ++dropped_;
    last_error_ = "the collector does not keep up (TCP backlog full)";
    drain();
    return;
  }
  backlog_.insert(backlog_.end(), packet.begin(), packet.end());
  ++sent_;
  drain();
}

void HepSender::drain() {
  std::size_t at = 0;
  while (at < backlog_.size()) {
    const ssize_t n =
        ::send(fd_, backlog_.data() + at, backlog_.size() - at, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n <= 0) {
      if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) last_error_ = std::strerror(errno);
      break;
    }
    at += static_cast<std::size_t>(n);
  }
  backlog_.erase(backlog_.begin(), backlog_.begin() + static_cast<std::ptrdiff_t>(at));
}

void HepSender::flush(int milliseconds) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(milliseconds);
  while (!backlog_.empty() && std::chrono::steady_clock::now() < until) {
    pollfd p{fd_, POLLOUT, 0};
    poll(&p, 1, 50);
    const std::size_t before = backlog_.size();
    drain();
    if (backlog_.size() == before && !last_error_.empty() && (p.revents & (POLLERR | POLLHUP)))
      break;
  }
  if (!backlog_.empty()) {
    ++dropped_;  // at least one packet did not get out
    last_error_ = "the collector did not take everything before the end";
  }
}

}  // namespace sipws::cli
