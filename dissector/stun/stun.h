#pragma once
// STUN (RFC 8489) as ICE uses it (RFC 8445): a Binding request, response or indication and the
// attributes connectivity checks carry, as views into the datagram; and the check of its
// MESSAGE-INTEGRITY with an ICE password, which tells stale or mixed-up credentials apart.

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

#include "capture/bytes.h"
#include "capture/flow_key.h"

namespace sipws {

enum class StunClass : std::uint8_t { request, indication, success, error };

struct StunMessage {
  std::uint16_t method = 0;  // 1: Binding
  StunClass message_class = StunClass::request;
  std::array<std::uint8_t, 12> transaction{};
  std::string_view username;  // USERNAME: "receiver-ufrag:sender-ufrag" in a check
  bool use_candidate = false;
  bool controlling = false;  // ICE-CONTROLLING present
  bool controlled = false;   // ICE-CONTROLLED present
  std::uint32_t priority = 0;
  std::uint16_t error_code = 0;    // ERROR-CODE: class * 100 + number (487: role conflict)
  std::optional<Endpoint> mapped;  // XOR-MAPPED-ADDRESS
  // Offset of the MESSAGE-INTEGRITY attribute (0: none): what verify_stun_integrity hashes.
  std::size_t integrity_offset = 0;
};

// nullopt when the bytes are not a STUN message (RFC 8489 §5: two zero bits, magic cookie,
// a length that fits); attributes that do not fit end the walk.
std::optional<StunMessage> parse_stun(ByteView datagram);

// Whether the HMAC-SHA1 MESSAGE-INTEGRITY (RFC 8489 §14.5) of `datagram` verifies with the
// short-term password `password` (ICE: the ice-pwd of the agent that receives the request).
// nullopt when the message carries none.
std::optional<bool> verify_stun_integrity(ByteView datagram, const StunMessage& message,
                                          std::string_view password);

std::string_view stun_class_name(StunClass message_class);

}  // namespace sipws
