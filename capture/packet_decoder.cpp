#include "capture/packet_decoder.h"

#include <cstdio>

namespace sipws {
namespace {

constexpr int kMaxEncapsulationDepth = 4;  // tunnels inside tunnels (GRE, ERSPAN)
constexpr int kMaxIpv6ExtensionHeaders = 16;

}  // namespace

DecodeStatus PacketDecoder::decode(const RawPacket& packet, DecodedPacket& out) {
  ++counters_.packets;
  packet_ = &packet;
  out_ = &out;
  out = DecodedPacket{};
  out.frame_number = packet.frame_number;
  out.timestamp = packet.timestamp;
  if (elapsed(packet.timestamp, last_expiry_check_) >= 1'000'000'000 ||
      packet.timestamp < last_expiry_check_) {
    fragments_.expire(packet.timestamp, findings_);
    last_expiry_check_ = packet.timestamp;
  }
  const DecodeStatus status = link(packet.link_type, packet.bytes, 0);
  switch (status) {
    case DecodeStatus::transport:
      if (out.transport == Transport::tcp) {
        ++counters_.tcp;
      } else if (out.transport == Transport::sctp) {
        ++counters_.sctp;
      } else {
        ++counters_.udp;
      }
      break;
    case DecodeStatus::fragment_held:
      break;
    case DecodeStatus::other_ip_protocol:
      ++counters_.other_ip;
      break;
    case DecodeStatus::not_ip:
      ++counters_.not_ip;
      break;
    case DecodeStatus::unsupported_link:
      ++counters_.unsupported_link;
      break;
    case DecodeStatus::malformed:
      ++counters_.malformed;
      break;
  }
  return status;
}

DecodeStatus PacketDecoder::malformed(const char* what) {
  Finding f{FindingId::decode_malformed};
  f.frame = packet_->frame_number;
  f.detail = what;
  findings_.report(std::move(f));
  return DecodeStatus::malformed;
}

DecodeStatus PacketDecoder::link(std::uint32_t type, ByteView b, int depth) {
  switch (type) {
    case link_type::ethernet:
      return ethernet(b, depth);
    case link_type::linux_sll:
      if (b.size() < 16) return malformed("Linux cooked (SLL) header cut short");
      return by_ethertype(load_be16(b.data() + 14), b.subspan(16), depth);
    case link_type::linux_sll2:
      if (b.size() < 20) return malformed("Linux cooked (SLL2) header cut short");
      return by_ethertype(load_be16(b.data()), b.subspan(20), depth);
    case link_type::null_bsd:
    case link_type::loop:
      // The 4-byte address family is host-endian (NULL) or big-endian (LOOP), and its IPv6
      // value differs between BSDs; the IP version nibble that follows is unambiguous.
      if (b.size() < 4) return malformed("loopback header cut short");
      return ip(b.subspan(4), depth);
    case link_type::raw:
    case link_type::ipv4:
    case link_type::ipv6:
      return ip(b, depth);
    default:
      if (reported_link_types_.insert(type).second) {
        Finding f{FindingId::decode_unsupported_link_type};
        f.frame = packet_->frame_number;
        f.detail = "link-layer type " + std::to_string(type) + " (first seen in this frame)";
        findings_.report(std::move(f));
      }
      return DecodeStatus::unsupported_link;
  }
}

DecodeStatus PacketDecoder::ethernet(ByteView b, int depth) {
  if (b.size() < 14) return malformed("Ethernet header cut short");
  return by_ethertype(load_be16(b.data() + 12), b.subspan(14), depth);
}

DecodeStatus PacketDecoder::by_ethertype(std::uint16_t ethertype, ByteView b, int depth) {
  // 802.1Q, 802.1ad (QinQ) and the older 0x9100 tag: skip each 4-byte tag.
  for (int tags = 0; ethertype == 0x8100 || ethertype == 0x88a8 || ethertype == 0x9100; ++tags) {
    if (b.size() < 4 || tags >= 8) return malformed("VLAN tag cut short");
    ethertype = load_be16(b.data() + 2);
    b = b.subspan(4);
  }
  if (ethertype == 0x0800 || ethertype == 0x86dd) return ip(b, depth);
  if (ethertype == 0x8847 || ethertype == 0x8848) return mpls(b, depth);
  return DecodeStatus::not_ip;
}

DecodeStatus PacketDecoder::ip(ByteView b, int depth) {
  if (b.empty()) return malformed("IP header missing");
  if (depth == 0 && out_->network_offset == 0) {
    out_->network_offset = static_cast<std::size_t>(b.data() - packet_->bytes.data());
  }
  switch (b[0] >> 4) {
    case 4:
      return ipv4(b, depth);
    case 6:
      return ipv6(b, depth);
    default:
      return DecodeStatus::not_ip;
  }
}

DecodeStatus PacketDecoder::ipv4(ByteView b, int depth) {
  if (b.size() < 20) return malformed("IPv4 header cut short");
  const std::size_t header_length = (b[0] & 0x0fu) * 4u;
  std::size_t total = load_be16(b.data() + 2);
  if (header_length < 20 || b.size() < header_length)
    return malformed("IPv4 header length invalid");
  // Offloaded segments captured on the sending host carry total length 0; trust the capture.
  if (total == 0) total = b.size();
  if (total < header_length) return malformed("IPv4 total length shorter than its header");
  src_ = IpAddress::v4(b.data() + 12);
  dst_ = IpAddress::v4(b.data() + 16);
  const std::uint8_t protocol = b[9];
  const std::uint16_t fragment_field = load_be16(b.data() + 6);
  const bool more_fragments = (fragment_field & 0x2000) != 0;
  const std::uint32_t fragment_offset = (fragment_field & 0x1fffu) * 8u;
  // Ethernet pads short frames: the IP total length, not the frame, bounds the payload.
  const std::size_t captured_end = std::min(total, b.size());
  ByteView payload = b.subspan(header_length, captured_end - header_length);
  const auto wire_length = static_cast<std::uint32_t>(total - header_length);
  if (more_fragments || fragment_offset != 0) {
    ++counters_.fragments;
    if (payload.size() < wire_length) return malformed("IPv4 fragment cut by the snapshot length");
    FragmentKey key{src_, dst_, load_be16(b.data() + 4), protocol};
    ByteView whole;
    out_->fragment_src = src_;
    out_->fragment_dst = dst_;
    if (!fragments_.add(key, fragment_offset, payload, more_fragments, packet_->timestamp,
                        packet_->frame_number, findings_, whole, out_->first_fragment_frame)) {
      return DecodeStatus::fragment_held;
    }
    ++counters_.reassembled;
    out_->from_fragments = true;
    return transport(protocol, whole, static_cast<std::uint32_t>(whole.size()), depth);
  }
  return transport(protocol, payload, wire_length, depth);
}

DecodeStatus PacketDecoder::ipv6(ByteView b, int depth) {
  if (b.size() < 40) return malformed("IPv6 header cut short");
  src_ = IpAddress::v6(b.data() + 8);
  dst_ = IpAddress::v6(b.data() + 24);
  std::size_t payload_length = load_be16(b.data() + 4);
  if (payload_length == 0) payload_length = b.size() - 40;  // jumbogram or offload
  std::uint8_t next = b[6];
  ByteView rest = b.subspan(40, std::min(payload_length, b.size() - 40));
  auto wire_length = static_cast<std::uint32_t>(payload_length);
  for (int i = 0; i < kMaxIpv6ExtensionHeaders; ++i) {
    switch (next) {
      case 0:     // hop-by-hop options
      case 43:    // routing
      case 60:    // destination options
      case 51: {  // authentication header (length in 4-byte units, minus 2)
        if (rest.size() < 8) return malformed("IPv6 extension header cut short");
        const std::size_t len = next == 51 ? (rest[1] + 2u) * 4u : (rest[1] + 1u) * 8u;
        if (rest.size() < len || wire_length < len) {
          return malformed("IPv6 extension header longer than the packet");
        }
        next = rest[0];
        rest = rest.subspan(len);
        wire_length -= static_cast<std::uint32_t>(len);
        continue;
      }
      case 44: {  // fragment
        if (rest.size() < 8 || wire_length < 8) return malformed("IPv6 fragment header cut short");
        ++counters_.fragments;
        const std::uint8_t protocol = rest[0];
        const std::uint16_t field = load_be16(rest.data() + 2);
        const std::uint32_t offset = field & 0xfff8u;
        const bool more = (field & 1u) != 0;
        const std::uint32_t id = load_be32(rest.data() + 4);
        ByteView data = rest.subspan(8);
        if (data.size() < wire_length - 8) {
          return malformed("IPv6 fragment cut by the snapshot length");
        }
        if (offset == 0 && !more) {  // atomic fragment (RFC 6946): the datagram is whole
          return transport(protocol, data, wire_length - 8, depth);
        }
        FragmentKey key{src_, dst_, id, protocol};
        ByteView whole;
        out_->fragment_src = src_;
        out_->fragment_dst = dst_;
        if (!fragments_.add(key, offset, data, more, packet_->timestamp, packet_->frame_number,
                            findings_, whole, out_->first_fragment_frame)) {
          return DecodeStatus::fragment_held;
        }
        ++counters_.reassembled;
        out_->from_fragments = true;
        // Extension headers after the fragment header live inside the reassembled payload.
        return transport(protocol, whole, static_cast<std::uint32_t>(whole.size()), depth);
      }
      default:
        return transport(next, rest, wire_length, depth);
    }
  }
  return malformed("too many IPv6 extension headers");
}

DecodeStatus PacketDecoder::unsupported_tunnel(const std::string& what) {
  ++counters_.unsupported_tunnel;
  if (unsupported_tunnels_.size() < 64 && unsupported_tunnels_.insert(what).second) {
    Finding f{FindingId::decode_unsupported_tunnel};
    f.frame = packet_->frame_number;
    f.detail = what + " (the first such packet; the decode counters count them all)";
    findings_.report(std::move(f));
  }
  return DecodeStatus::other_ip_protocol;
}

DecodeStatus PacketDecoder::mpls(ByteView b, int depth) {
  if (depth >= kMaxEncapsulationDepth) return DecodeStatus::other_ip_protocol;
  // 4-byte entries until the bottom of the stack (S bit), then an IP header: its version
  // nibble says which (pseudowires carrying Ethernet start otherwise).
  for (int labels = 0; labels < 16; ++labels) {
    if (b.size() < 4) return malformed("MPLS label stack cut short");
    const bool bottom = (b[2] & 0x01) != 0;
    b = b.subspan(4);
    if (!bottom) continue;
    if (!b.empty() && ((b[0] >> 4) == 4 || (b[0] >> 4) == 6)) return ip(b, depth + 1);
    return unsupported_tunnel("MPLS carrying other than IP (a pseudowire)");
  }
  return malformed("MPLS label stack too deep");
}

DecodeStatus PacketDecoder::ppp(ByteView b, int depth) {
  // Address and control (FF 03) may be left out, and the protocol may be one byte (RFC 1661
  // §6.5-6.6: PPTP peers negotiate both away).
  if (b.size() >= 2 && b[0] == 0xff && b[1] == 0x03) b = b.subspan(2);
  if (b.empty()) return malformed("PPP header cut short");
  std::uint16_t protocol = b[0];
  if ((b[0] & 0x01) == 0) {
    if (b.size() < 2) return malformed("PPP header cut short");
    protocol = load_be16(b.data());
    b = b.subspan(2);
  } else {
    b = b.subspan(1);
  }
  if (protocol == 0x0021 || protocol == 0x0057) return ip(b, depth + 1);
  if (protocol == 0x00fd) return unsupported_tunnel("PPP with compressed data (CCP/MPPE)");
  return DecodeStatus::other_ip_protocol;  // link control (LCP, IPCP, ...): no payload
}

DecodeStatus PacketDecoder::gre(ByteView b, int depth) {
  if (depth >= kMaxEncapsulationDepth) return DecodeStatus::other_ip_protocol;
  if (b.size() < 4) return malformed("GRE header cut short");
  const std::uint16_t flags = load_be16(b.data());
  const std::uint16_t protocol = load_be16(b.data() + 2);
  if ((flags & 0x0007) == 1) {
    // Enhanced GRE (PPTP, RFC 2637 §4.1): key (payload length, call id) always, sequence and
    // acknowledgment numbers when their flags say so; the payload is a PPP frame.
    std::size_t len = 8;
    if (flags & 0x1000) len += 4;
    if (flags & 0x0080) len += 4;
    if (b.size() < len) return malformed("enhanced GRE header cut short");
    const std::uint16_t payload = load_be16(b.data() + 4);
    if (protocol != 0x880b)
      return unsupported_tunnel("enhanced GRE with protocol " + std::to_string(protocol));
    if (payload == 0) return DecodeStatus::other_ip_protocol;  // an acknowledgment only
    return ppp(b.subspan(len, std::min<std::size_t>(payload, b.size() - len)), depth);
  }
  std::size_t len = 4;
  if (flags & 0x8000) len += 4;  // checksum + reserved
  if (flags & 0x2000) len += 4;  // key
  if (flags & 0x1000) len += 4;  // sequence number
  if (b.size() < len) return malformed("GRE header cut short");
  ByteView inner = b.subspan(len);
  switch (protocol) {
    case 0x88be:  // ERSPAN type II: 8-byte header, then the mirrored Ethernet frame
      if (!(flags & 0x1000)) return ethernet(inner, depth + 1);  // type I has no header
      if (inner.size() < 8) return malformed("ERSPAN header cut short");
      return ethernet(inner.subspan(8), depth + 1);
    case 0x22eb: {  // ERSPAN type III: 12 bytes, plus 8 with the optional sub-header
      if (inner.size() < 12) return malformed("ERSPAN III header cut short");
      const std::size_t skip = (inner[11] & 0x01) ? 20 : 12;
      if (inner.size() < skip) return malformed("ERSPAN III header cut short");
      return ethernet(inner.subspan(skip), depth + 1);
    }
    case 0x6558:
      return ethernet(inner, depth + 1);  // transparent Ethernet bridging
    case 0x0800:
    case 0x86dd:
      return ip(inner, depth + 1);
    case 0x8847:
    case 0x8848:
      return mpls(inner, depth + 1);
    case 0x880b:
      return ppp(inner, depth);
    default: {
      char name[48];
      std::snprintf(name, sizeof name, "GRE carrying protocol 0x%04x", protocol);
      return unsupported_tunnel(name);
    }
  }
}

std::optional<DecodeStatus> PacketDecoder::udp_tunnel(std::uint16_t src_port,
                                                      std::uint16_t dst_port, ByteView b,
                                                      int depth) {
  const auto either = [&](std::uint16_t port) { return src_port == port || dst_port == port; };
  if (depth >= kMaxEncapsulationDepth) return std::nullopt;
  if (dst_port == 4789 || dst_port == 8472) {
    // VXLAN (RFC 7348 §5): 8 bytes, the I flag set, then the inner Ethernet frame.
    if (b.size() < 8 + 14 || (b[0] & 0x08) == 0) return std::nullopt;
    return ethernet(b.subspan(8), depth + 1);
  }
  if (either(2152)) {
    // GTP-U (3GPP TS 29.281 §5): version 1, protocol type GTP; a T-PDU (255) carries an IP
    // packet; the other messages (echo, error indication, end marker) carry none.
    if (b.size() < 8 || (b[0] >> 5) != 1 || (b[0] & 0x10) == 0) return std::nullopt;
    if (b[1] != 0xff) return DecodeStatus::other_ip_protocol;
    std::size_t at = 8;
    if (b[0] & 0x07) {  // sequence number, N-PDU number, next extension header type
      if (b.size() < 12) return malformed("GTP-U header cut short");
      std::uint8_t next = b[11];
      at = 12;
      for (int n = 0; next != 0 && n < 16; ++n) {  // extension headers: length in 4-byte units
        if (b.size() < at + 1 || b[at] == 0) return malformed("GTP-U extension header cut short");
        const std::size_t length = b[at] * 4u;
        if (b.size() < at + length) return malformed("GTP-U extension header cut short");
        next = b[at + length - 1];
        at += length;
      }
    }
    return ip(b.subspan(at), depth + 1);
  }
  if (dst_port == 6081) return unsupported_tunnel("Geneve (UDP 6081)");
  if (either(1701)) return unsupported_tunnel("L2TP (UDP 1701)");
  return std::nullopt;
}

DecodeStatus PacketDecoder::transport(std::uint8_t protocol, ByteView b, std::uint32_t wire_length,
                                      int depth) {
  if (protocol == 47) return gre(b, depth);
  if (protocol == 4) return ip(b, depth + 1 > kMaxEncapsulationDepth ? depth : depth + 1);
  if (protocol == 41) return ip(b, depth + 1 > kMaxEncapsulationDepth ? depth : depth + 1);
  if (protocol == 115) return unsupported_tunnel("L2TPv3 (IP protocol 115)");
  DecodedPacket& out = *out_;
  out.src.address = src_;
  out.dst.address = dst_;
  if (protocol == 6) {
    if (b.size() < 20) return malformed("TCP header cut short");
    const std::size_t header_length = (b[12] >> 4) * 4u;
    if (header_length < 20 || b.size() < header_length || wire_length < header_length) {
      return malformed("TCP header length invalid");
    }
    out.transport = Transport::tcp;
    out.src.port = load_be16(b.data());
    out.dst.port = load_be16(b.data() + 2);
    out.seq = load_be32(b.data() + 4);
    out.ack = load_be32(b.data() + 8);
    out.flags = b[13];
    out.payload = b.subspan(header_length);
    out.wire_payload_length = wire_length - static_cast<std::uint32_t>(header_length);
  } else if (protocol == 17) {
    if (b.size() < 8) return malformed("UDP header cut short");
    std::uint32_t udp_length = load_be16(b.data() + 4);
    if (udp_length == 0) udp_length = wire_length;  // jumbograms and offload
    if (udp_length < 8) return malformed("UDP length shorter than its header");
    out.transport = Transport::udp;
    out.src.port = load_be16(b.data());
    out.dst.port = load_be16(b.data() + 2);
    out.wire_payload_length = udp_length - 8;
    out.payload = b.subspan(8, std::min<std::size_t>(b.size() - 8, udp_length - 8));
    if (auto tunnelled = udp_tunnel(out.src.port, out.dst.port, out.payload, depth)) {
      return *tunnelled;
    }
  } else if (protocol == 132) {
    // SCTP: the common header (ports, verification tag, checksum), then chunks.
    if (b.size() < 12) return malformed("SCTP header cut short");
    out.transport = Transport::sctp;
    out.src.port = load_be16(b.data());
    out.dst.port = load_be16(b.data() + 2);
    out.payload = b.subspan(12);
    out.wire_payload_length = wire_length >= 12 ? wire_length - 12 : 0;
  } else {
    return DecodeStatus::other_ip_protocol;
  }
  if (out.payload.size() < out.wire_payload_length) {
    ++counters_.snaplen_cut;
    if (!reported_snaplen_) {
      reported_snaplen_ = true;
      Finding f{FindingId::capture_snaplen_cut};
      f.frame = packet_->frame_number;
      f.detail = "first cut packet; payload bytes beyond the snapshot length are treated as lost";
      findings_.report(std::move(f));
    }
  }
  return DecodeStatus::transport;
}

}  // namespace sipws
