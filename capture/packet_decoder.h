#pragma once
// Link layer -> IPv4/IPv6 (with fragment reassembly) -> UDP/TCP, through the tunnels users
// capture (GRE and ERSPAN, PPTP's PPP, IP-in-IP, VXLAN, GTP-U, MPLS). Stateless apart from the
// fragments it holds; every view it returns points into the packet or into its reassembly buffer.

#include <cstdint>
#include <optional>
#include <set>
#include <string>

#include "capture/finding.h"
#include "capture/flow_key.h"
#include "capture/ip_reassembler.h"
#include "capture/raw_packet.h"

namespace sipws {

struct DecodedPacket {
  std::uint64_t frame_number = 0;
  TimeNs timestamp = 0;
  Transport transport = Transport::tcp;
  Endpoint src;
  Endpoint dst;
  // TCP only
  std::uint32_t seq = 0;
  std::uint32_t ack = 0;
  std::uint8_t flags = 0;
  // Payload bytes as captured, and as long as the headers say it was on the wire. They differ
  // when the snapshot length cut the packet; the missing tail is known to be lost.
  ByteView payload;
  std::uint32_t wire_payload_length = 0;
  bool from_fragments = false;
  std::uint64_t first_fragment_frame = 0;  // when from_fragments: the frame of the first fragment
  // Where the outermost IP header starts in the raw packet (to rewrite it as raw IP), and the
  // addresses of an IP fragment that is held (no ports known yet).
  std::size_t network_offset = 0;
  IpAddress fragment_src;
  IpAddress fragment_dst;
};

enum class DecodeStatus {
  transport,          // a UDP datagram, TCP segment or SCTP packet: `out` is filled
  fragment_held,      // an IP fragment kept until its datagram is whole
  other_ip_protocol,  // IP, but neither TCP nor UDP (ICMP, SCTP, ...)
  not_ip,             // ARP, LLDP and such
  unsupported_link,   // a link-layer type we do not decode
  malformed,          // headers shorter than they claim
};

struct DecodeCounters {
  std::uint64_t packets = 0;
  std::uint64_t tcp = 0;
  std::uint64_t udp = 0;
  std::uint64_t sctp = 0;
  std::uint64_t other_ip = 0;
  std::uint64_t not_ip = 0;
  std::uint64_t unsupported_link = 0;
  std::uint64_t malformed = 0;
  std::uint64_t fragments = 0;
  std::uint64_t reassembled = 0;
  std::uint64_t snaplen_cut = 0;
  std::uint64_t unsupported_tunnel = 0;  // inside a tunnel sipws cannot open
};

class PacketDecoder {
 public:
  explicit PacketDecoder(FindingSink& findings, IpFragmentLimits limits = {})
      : findings_(findings), fragments_(limits) {}

  DecodeStatus decode(const RawPacket& packet, DecodedPacket& out);
  // End of input: reports datagrams whose fragments never all arrived.
  void finish() { fragments_.finish(findings_); }
  const DecodeCounters& counters() const { return counters_; }

 private:
  DecodeStatus link(std::uint32_t link_type, ByteView bytes, int depth);
  DecodeStatus ethernet(ByteView bytes, int depth);
  DecodeStatus by_ethertype(std::uint16_t ethertype, ByteView bytes, int depth);
  DecodeStatus ip(ByteView bytes, int depth);
  DecodeStatus ipv4(ByteView bytes, int depth);
  DecodeStatus ipv6(ByteView bytes, int depth);
  DecodeStatus gre(ByteView bytes, int depth);
  DecodeStatus ppp(ByteView bytes, int depth);   // PPTP's payload (enhanced GRE)
  DecodeStatus mpls(ByteView bytes, int depth);  // a label stack, then IP
  // What a UDP datagram carries when it is a tunnel (VXLAN, GTP-U); nullopt when it is not one.
  std::optional<DecodeStatus> udp_tunnel(std::uint16_t src_port, std::uint16_t dst_port,
                                         ByteView payload, int depth);
  DecodeStatus unsupported_tunnel(const std::string& what);
  DecodeStatus transport(std::uint8_t protocol, ByteView bytes, std::uint32_t wire_length,
                         int depth);
  DecodeStatus malformed(const char* what);

  FindingSink& findings_;
  std::set<std::string> unsupported_tunnels_;  // the kinds already reported
  IpReassembler fragments_;
  DecodeCounters counters_;
  std::set<std::uint32_t> reported_link_types_;
  bool reported_snaplen_ = false;
  const RawPacket* packet_ = nullptr;
  DecodedPacket* out_ = nullptr;
  IpAddress src_;
  IpAddress dst_;
  TimeNs last_expiry_check_ = 0;
};

}  // namespace sipws
