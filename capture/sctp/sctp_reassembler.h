#pragma once
// SCTP (RFC 9260) as a carrier of whole messages: each association's DATA chunks, user messages
// put back together from their fragments (B and E flags) per stream and direction, and handed to
// the FlowObserver as CarriedMessages whose transport is "sctp". Retransmitted chunks (a TSN
// seen recently) are dropped. Bounded: associations and the bytes of unfinished messages are
// limited, the oldest association going first.

#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <unordered_map>
#include <vector>

#include "capture/finding.h"
#include "capture/flow_key.h"
#include "capture/flow_table.h"

namespace sipws {

struct SctpLimits {
  std::size_t max_associations = 100'000;
  std::size_t max_message_bytes = 1u << 20;  // one user message (SIP over SCTP is one message)
};

class SctpReassembler {
 public:
  SctpReassembler(FlowObserver& observer, FindingSink& findings, SctpLimits limits = {})
      : observer_(observer), findings_(findings), limits_(limits) {}

  // `packet.payload` is the SCTP packet after the common header; ports in src/dst.
  void on_packet(const DecodedPacket& packet);
  std::uint64_t associations() const { return next_index_; }
  std::uint64_t messages() const { return messages_; }

 private:
  struct Partial {
    std::vector<std::uint8_t> bytes;
    std::uint64_t first_frame = 0;
    bool open = false;
  };
  struct Association {
    FlowKey key;
    std::uint64_t index = 0;
    Endpoint client;  // the side seen sending first
    // Per direction (0 from the client): recent TSNs (retransmissions), and each stream's
    // message being put together.
    std::array<std::vector<std::uint32_t>, 2> recent_tsns;
    std::array<std::size_t, 2> next_tsn_slot{};
    std::array<std::map<std::uint16_t, Partial>, 2> partial;
    std::list<Association*>::iterator recency;
  };
  Association& association(const DecodedPacket& packet);
  void data_chunk(Association& a, const DecodedPacket& packet, std::uint8_t flags, ByteView chunk);

  FlowObserver& observer_;
  FindingSink& findings_;
  SctpLimits limits_;
  std::unordered_map<FlowKey, std::unique_ptr<Association>, FlowKeyHash> associations_;
  std::list<Association*> recency_;  // least recently active first
  std::uint64_t next_index_ = 0;
  std::uint64_t messages_ = 0;
};

}  // namespace sipws
