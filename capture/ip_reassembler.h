#pragma once
// IPv4 and IPv6 fragment reassembly with explicit limits. Overlapping fragments keep the bytes
// that arrived first (and a finding says so when the copies differ).

#include <cstdint>
#include <list>
#include <map>
#include <utility>
#include <vector>

#include "capture/bytes.h"
#include "capture/finding.h"
#include "capture/flow_key.h"
#include "capture/raw_packet.h"

namespace sipws {

struct IpFragmentLimits {
  std::size_t max_datagrams = 4096;            // awaiting reassembly at once
  std::size_t max_buffered_bytes = 64u << 20;  // summed over those datagrams
  TimeNs timeout = 30'000'000'000;             // capture time, like a host's reassembly timer
};

struct FragmentKey {
  IpAddress src;
  IpAddress dst;
  std::uint32_t id = 0;       // 16 bits for IPv4, 32 for IPv6
  std::uint8_t protocol = 0;  // IPv4 protocol / IPv6 next header after the fragment header
  auto operator<=>(const FragmentKey&) const = default;
};

class IpReassembler {
 public:
  explicit IpReassembler(IpFragmentLimits limits = {}) : limits_(limits) {}

  // Adds one fragment (`data` starts at byte `offset` of the datagram's payload). When this
  // completes a datagram, returns true and sets `payload` to the whole datagram payload, a view
  // valid until the next call, and `first_frame` to the frame of its first fragment.
  bool add(const FragmentKey& key, std::uint32_t offset, ByteView data, bool more_fragments,
           TimeNs now, std::uint64_t frame, FindingSink& findings, ByteView& payload,
           std::uint64_t& first_frame);

  // Drops datagrams older than the timeout (reported as incomplete).
  void expire(TimeNs now, FindingSink& findings);
  // End of input: whatever is still incomplete is reported.
  void finish(FindingSink& findings);

  std::size_t pending() const { return datagrams_.size(); }

 private:
  struct Datagram {
    std::vector<std::uint8_t> bytes;
    std::vector<std::pair<std::uint32_t, std::uint32_t>> have;  // sorted, merged [begin, end)
    std::uint32_t total = UINT32_MAX;                           // known once the last arrives
    TimeNs first_seen = 0;
    std::uint64_t first_frame = 0;
    std::list<FragmentKey>::iterator age;
  };
  void drop(std::map<FragmentKey, Datagram>::iterator it, FindingId why, std::string detail,
            FindingSink& findings);

  IpFragmentLimits limits_;
  std::map<FragmentKey, Datagram> datagrams_;
  std::list<FragmentKey> by_age_;  // oldest first
  std::size_t buffered_bytes_ = 0;
  std::vector<std::uint8_t> completed_;
};

}  // namespace sipws
