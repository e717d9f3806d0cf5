// Link-layer and IP decoding on hand-built packets (unit-test vectors for edge cases that the
// real captures in samples/ do not all contain: VLAN stacks, SLL/SLL2, BSD loopback, IPv6
// extension headers, fragments in any order, lying lengths).

#include "capture/packet_decoder.h"

#include <gtest/gtest.h>

#include "tests/support/test_support.h"

namespace sipws {
namespace {

using test::Bytes;
using test::concat;

class DecoderTest : public ::testing::Test {
 protected:
  DecodeStatus decode(std::uint32_t link, const Bytes& bytes, std::uint32_t original = 0) {
    held_.push_back(bytes);
    RawPacket raw;
    raw.frame_number = ++frame_;
    raw.timestamp = static_cast<TimeNs>(frame_);
    raw.link_type = link;
    raw.original_length = original != 0 ? original : static_cast<std::uint32_t>(bytes.size());
    raw.bytes = ByteView(held_.back());
    return decoder_.decode(raw, out_);
  }
  std::string payload() const { return std::string(out_.payload.begin(), out_.payload.end()); }

  Bytes udp_datagram(const std::string& text) {
    const Bytes data = test::text_bytes(text);
    return concat({test::ipv4_header("192.0.2.1", "192.0.2.2", 17, 8 + data.size()),
                   test::udp_header(5060, 5080, data.size()), data});
  }

  FindingCollector findings_;
  PacketDecoder decoder_{findings_};
  DecodedPacket out_;
  std::vector<Bytes> held_;
  std::uint64_t frame_ = 0;
};

TEST_F(DecoderTest, EthernetIpv4Udp) {
  ASSERT_EQ(
      decode(link_type::ethernet, concat({test::ethernet_header(0x0800), udp_datagram("INVITE")})),
      DecodeStatus::transport);
  EXPECT_EQ(out_.transport, Transport::udp);
  EXPECT_EQ(out_.src.to_string(), "192.0.2.1:5060");
  EXPECT_EQ(out_.dst.to_string(), "192.0.2.2:5080");
  EXPECT_EQ(payload(), "INVITE");
}

TEST_F(DecoderTest, EthernetPaddingIsNotPayload) {
  Bytes frame = concat({test::ethernet_header(0x0800), udp_datagram("A")});
  frame.resize(60, 0);  // minimum Ethernet frame, padded with zeros
  ASSERT_EQ(decode(link_type::ethernet, frame), DecodeStatus::transport);
  EXPECT_EQ(payload(), "A");
}

TEST_F(DecoderTest, VlanAndQinQTags) {
  Bytes tags = {0x00, 0x64, 0x81, 0x00, 0x00, 0xc8, 0x08, 0x00};  // 802.1ad 100, then 802.1Q 200
  Bytes eth = test::ethernet_header(0x88a8);
  ASSERT_EQ(decode(link_type::ethernet, concat({eth, tags, udp_datagram("tagged")})),
            DecodeStatus::transport);
  EXPECT_EQ(payload(), "tagged");
}

TEST_F(DecoderTest, LinuxCookedV1AndV2) {
  Bytes sll(16, 0);
  sll[14] = 0x08;
  ASSERT_EQ(decode(link_type::linux_sll, concat({sll, udp_datagram("sll")})),
            DecodeStatus::transport);
  EXPECT_EQ(payload(), "sll");
  Bytes sll2(20, 0);
  sll2[0] = 0x08;
  ASSERT_EQ(decode(link_type::linux_sll2, concat({sll2, udp_datagram("sll2")})),
            DecodeStatus::transport);
  EXPECT_EQ(payload(), "sll2");
}

TEST_F(DecoderTest, BsdLoopbackAndRawIp) {
  const Bytes af_inet = {2, 0, 0, 0};
  ASSERT_EQ(decode(link_type::null_bsd, concat({af_inet, udp_datagram("null")})),
            DecodeStatus::transport);
  EXPECT_EQ(payload(), "null");
  ASSERT_EQ(decode(link_type::raw, udp_datagram("raw")), DecodeStatus::transport);
  EXPECT_EQ(payload(), "raw");
}

TEST_F(DecoderTest, Ipv6WithExtensionHeadersAndTcp) {
  const Bytes data = test::text_bytes("GET /");
  Bytes hop = {6, 0, 1, 4, 0, 0, 0, 0};   // hop-by-hop, next = TCP (6), padding
  Bytes dest = {0, 0, 1, 4, 0, 0, 0, 0};  // destination options, next = hop-by-hop
  dest[0] = 0;
  const Bytes tcp = test::tcp_header(40000, 8080, 100, 0, tcp_flag::ack);
  const Bytes ip = test::ipv6_header("2001:db8::1", "2001:db8::2", 60,
                                     dest.size() + hop.size() + tcp.size() + data.size());
  ASSERT_EQ(decode(link_type::raw, concat({ip, dest, hop, tcp, data})), DecodeStatus::transport);
  EXPECT_EQ(out_.transport, Transport::tcp);
  EXPECT_EQ(out_.src.to_string(), "[2001:db8::1]:40000");
  EXPECT_EQ(out_.seq, 100u);
  EXPECT_EQ(payload(), "GET /");
}

TEST_F(DecoderTest, Ipv4FragmentsInAnyOrder) {
  std::string text(3000, 'x');
  for (std::size_t i = 0; i < text.size(); ++i) text[i] = static_cast<char>('a' + i % 26);
  const Bytes data = test::text_bytes(text);
  const Bytes whole = concat({test::udp_header(5060, 5060, data.size()), data});
  // Three fragments of 1480, 1480 and the rest, sent last-first.
  std::vector<Bytes> frags;
  for (std::size_t off = 0; off < whole.size(); off += 1480) {
    const std::size_t len = std::min<std::size_t>(1480, whole.size() - off);
    const bool more = off + len < whole.size();
    const auto field = static_cast<std::uint16_t>((more ? 0x2000 : 0) | (off / 8));
    Bytes part(whole.begin() + static_cast<std::ptrdiff_t>(off),
               whole.begin() + static_cast<std::ptrdiff_t>(off + len));
    frags.push_back(
        concat({test::ipv4_header("192.0.2.1", "192.0.2.2", 17, len, 77, field), part}));
  }
  ASSERT_EQ(frags.size(), 3u);
  EXPECT_EQ(decode(link_type::raw, frags[2]), DecodeStatus::fragment_held);
  EXPECT_EQ(decode(link_type::raw, frags[0]), DecodeStatus::fragment_held);
  ASSERT_EQ(decode(link_type::raw, frags[1]), DecodeStatus::transport);
  EXPECT_TRUE(out_.from_fragments);
  EXPECT_EQ(payload(), text);
  EXPECT_EQ(decoder_.counters().reassembled, 1u);
}

TEST_F(DecoderTest, OverlappingFragmentWithOtherBytesIsReported) {
  const Bytes first = concat({test::udp_header(1, 2, 16), test::text_bytes("AAAAAAAA")});
  const Bytes again = concat({test::udp_header(1, 2, 16), test::text_bytes("AAAABBBB")});
  const Bytes last = test::text_bytes("CCCCCCCC");
  decode(link_type::raw,
         concat({test::ipv4_header("192.0.2.1", "192.0.2.2", 17, 16, 9, 0x2000), first}));
  decode(link_type::raw,
         concat({test::ipv4_header("192.0.2.1", "192.0.2.2", 17, 16, 9, 0x2000), again}));
  ASSERT_EQ(decode(link_type::raw,
                   concat({test::ipv4_header("192.0.2.1", "192.0.2.2", 17, 8, 9, 2), last})),
            DecodeStatus::transport);
  EXPECT_EQ(payload(), "AAAAAAAACCCCCCCC");  // the first copy wins
  EXPECT_EQ(findings_.count(FindingId::ip_fragment_overlap), 1u);
}

TEST_F(DecoderTest, Ipv6Fragments) {
  const Bytes data = test::text_bytes(std::string(100, 'z'));
  const Bytes whole = concat({test::udp_header(5060, 5060, data.size()), data});
  auto fragment = [&](std::size_t off, std::size_t len, bool more) {
    Bytes fh = {17,
                0,
                static_cast<std::uint8_t>(off >> 8),
                static_cast<std::uint8_t>((off & 0xf8) | (more ? 1 : 0)),
                0,
                0,
                0,
                42};
    Bytes part(whole.begin() + static_cast<std::ptrdiff_t>(off),
               whole.begin() + static_cast<std::ptrdiff_t>(off + len));
    return concat({test::ipv6_header("2001:db8::1", "2001:db8::2", 44, 8 + len), fh, part});
  };
  EXPECT_EQ(decode(link_type::raw, fragment(56, whole.size() - 56, false)),
            DecodeStatus::fragment_held);
  ASSERT_EQ(decode(link_type::raw, fragment(0, 56, true)), DecodeStatus::transport);
  EXPECT_EQ(out_.payload.size(), 100u);
}

TEST_F(DecoderTest, FragmentLimitDropsTheOldestDatagram) {
  IpFragmentLimits limits;
  limits.max_datagrams = 2;
  PacketDecoder small(findings_, limits);
  for (std::uint16_t id = 1; id <= 3; ++id) {
    held_.push_back(
        concat({test::ipv4_header("192.0.2.1", "192.0.2.2", 17, 8, id, 0x2000), Bytes(8, 0)}));
    RawPacket raw;
    raw.frame_number = ++frame_;
    raw.link_type = link_type::raw;
    raw.bytes = ByteView(held_.back());
    EXPECT_EQ(small.decode(raw, out_), DecodeStatus::fragment_held);
  }
  EXPECT_EQ(findings_.count(FindingId::limit_ip_fragments), 1u);
}

TEST_F(DecoderTest, IncompleteFragmentsReportedAtEnd) {
  decode(link_type::raw,
         concat({test::ipv4_header("192.0.2.1", "192.0.2.2", 17, 8, 5, 0x2000), Bytes(8, 0)}));
  decoder_.finish();
  EXPECT_EQ(findings_.count(FindingId::ip_fragment_incomplete), 1u);
}

TEST_F(DecoderTest, LyingLengthsAreMalformedNotCrashes) {
  Bytes ip = udp_datagram("x");
  ip[0] = 0x4f;  // header length 60 bytes, more than the packet
  EXPECT_EQ(decode(link_type::raw, ip), DecodeStatus::malformed);
  Bytes tcp = concat({test::ipv4_header("192.0.2.1", "192.0.2.2", 6, 20),
                      test::tcp_header(1, 2, 3, 4, tcp_flag::ack)});
  tcp[20 + 12] = 0xf0;  // TCP data offset 60 bytes
  EXPECT_EQ(decode(link_type::raw, tcp), DecodeStatus::malformed);
  EXPECT_EQ(decode(link_type::ethernet, Bytes(5, 0)), DecodeStatus::malformed);
  EXPECT_EQ(decode(link_type::linux_sll2, Bytes(19, 0)), DecodeStatus::malformed);
  EXPECT_EQ(findings_.count(FindingId::decode_malformed), 4u);
  // Every prefix of a valid packet decodes or is rejected, never read past its end.
  const Bytes good = concat({test::ethernet_header(0x0800), udp_datagram("prefix")});
  for (std::size_t n = 0; n < good.size(); ++n) {
    decode(link_type::ethernet, Bytes(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(n)));
  }
}

TEST_F(DecoderTest, SnapshotLengthCutIsKnown) {
  Bytes frame = udp_datagram("0123456789");
  frame.resize(frame.size() - 4);
  ASSERT_EQ(decode(link_type::raw, frame, static_cast<std::uint32_t>(frame.size() + 4)),
            DecodeStatus::transport);
  EXPECT_EQ(out_.payload.size(), 6u);
  EXPECT_EQ(out_.wire_payload_length, 10u);
  EXPECT_EQ(findings_.count(FindingId::capture_snaplen_cut), 1u);
}

TEST_F(DecoderTest, UnknownLinkTypeReportedOnce) {
  EXPECT_EQ(decode(147, Bytes(40, 0)), DecodeStatus::unsupported_link);
  EXPECT_EQ(decode(147, Bytes(40, 0)), DecodeStatus::unsupported_link);
  EXPECT_EQ(findings_.count(FindingId::decode_unsupported_link_type), 1u);
}

TEST_F(DecoderTest, NonIpIsSkipped) {
  EXPECT_EQ(decode(link_type::ethernet, concat({test::ethernet_header(0x0806), Bytes(28, 0)})),
            DecodeStatus::not_ip);
}

}  // namespace
}  // namespace sipws

namespace sipws {
namespace {

// Tunnels on hand-built packets (the real captures of samples/carriers/ are compared with tshark
// in messages_vs_tshark.py; these are the variants they do not all contain).
class TunnelTest : public DecoderTest {
 protected:
  Bytes inner_udp(const std::string& text) { return udp_datagram(text); }
  Bytes outer(std::uint8_t protocol, const Bytes& payload) {
    return concat({test::ipv4_header("10.0.0.1", "10.0.0.2", protocol, payload.size()), payload});
  }
  Bytes outer_udp(std::uint16_t sport, std::uint16_t dport, const Bytes& payload) {
    return outer(17, concat({test::udp_header(sport, dport, payload.size()), payload}));
  }
};

TEST_F(TunnelTest, PptpEnhancedGreWithCompressedAndFullPppHeaders) {
  const Bytes ip = inner_udp("OPTIONS");
  const auto length = static_cast<std::uint8_t>(ip.size() + 1);
  // Version 1, key and sequence present, protocol 0x880B; payload length, call id, sequence.
  const Bytes compressed = concat({{0x30, 0x01, 0x88, 0x0b, 0x00, length, 0x00, 0x07, 0, 0, 0, 1},
                                   {0x21},  // PPP: address/control left out, 1-byte protocol
                                   ip});
  ASSERT_EQ(decode(link_type::raw, outer(47, compressed)), DecodeStatus::transport);
  EXPECT_EQ(payload(), "OPTIONS");
  EXPECT_EQ(out_.src.to_string(), "192.0.2.1:5060");
  const auto full_length = static_cast<std::uint8_t>(ip.size() + 4);
  const Bytes full = concat({{0x30, 0x01, 0x88, 0x0b, 0x00, full_length, 0x00, 0x07, 0, 0, 0, 2},
                             {0xff, 0x03, 0x00, 0x21},
                             ip});
  ASSERT_EQ(decode(link_type::raw, outer(47, full)), DecodeStatus::transport);
  EXPECT_EQ(payload(), "OPTIONS");
  // An acknowledgment alone (no payload) is no packet to analyse.
  EXPECT_EQ(
      decode(link_type::raw, outer(47, Bytes{0x20, 0x81, 0x88, 0x0b, 0, 0, 0, 7, 0, 0, 0, 2})),
      DecodeStatus::other_ip_protocol);
}

TEST_F(TunnelTest, GtpUWithAnExtensionHeaderAndVxlan) {
  const Bytes ip = inner_udp("REGISTER");
  // GTP-U: E flag, T-PDU, length, TEID, sequence, N-PDU, next type 0x85; one extension header
  // (4 bytes: length 1, two bytes of content, next type 0).
  const auto gtp_length = static_cast<std::uint8_t>(ip.size() + 8);
  const Bytes gtp = concat(
      {{0x34, 0xff, 0x00, gtp_length, 0, 0, 0, 1, 0, 0, 0, 0x85}, {0x01, 0x10, 0x05, 0x00}, ip});
  ASSERT_EQ(decode(link_type::raw, outer_udp(2152, 2152, gtp)), DecodeStatus::transport);
  EXPECT_EQ(payload(), "REGISTER");
  // VXLAN: the I flag, VNI 42, then Ethernet.
  const Bytes vxlan = concat({{0x08, 0, 0, 0, 0, 0, 42, 0}, test::ethernet_header(0x0800), ip});
  ASSERT_EQ(decode(link_type::raw, outer_udp(40000, 4789, vxlan)), DecodeStatus::transport);
  EXPECT_EQ(payload(), "REGISTER");
  // Without the I flag it is not VXLAN: the datagram itself.
  const Bytes not_vxlan = concat({{0x00, 0, 0, 0, 0, 0, 42, 0}, test::ethernet_header(0x0800), ip});
  ASSERT_EQ(decode(link_type::raw, outer_udp(40000, 4789, not_vxlan)), DecodeStatus::transport);
  EXPECT_EQ(out_.dst.port, 4789);
}

TEST_F(TunnelTest, MplsAndATunnelThatCannotBeOpenedIsANoteOnce) {
  const Bytes ip = inner_udp("BYE");
  // Two labels, the second at the bottom of the stack.
  ASSERT_EQ(
      decode(link_type::ethernet,
             concat({test::ethernet_header(0x8847), {0, 0x01, 0x00, 64, 0, 0x02, 0x01, 64}, ip})),
      DecodeStatus::transport);
  EXPECT_EQ(payload(), "BYE");
  // GRE carrying NSH (0x894F): counted, reported once.
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(decode(link_type::raw, outer(47, concat({{0x00, 0x00, 0x89, 0x4f}, ip}))),
              DecodeStatus::other_ip_protocol);
  }
  EXPECT_EQ(decoder_.counters().unsupported_tunnel, 3u);
  EXPECT_EQ(findings_.count(FindingId::decode_unsupported_tunnel), 1u);
}

}  // namespace
}  // namespace sipws

#include "capture/sctp/sctp_reassembler.h"

namespace sipws {
namespace {

// SCTP user messages (hand-built chunks): one whole in a chunk, one in two fragments across two
// packets with a retransmission of the first between them, each handed on once.
class SctpCollector final : public FlowObserver {
 public:
  StreamSink* on_tcp_open(const TcpConnectionInfo&) override { return nullptr; }
  void on_udp_datagram(const UdpFlowInfo&, const UdpDatagram&) override {}
  void on_message(const CarriedMessage& m) override {
    messages.emplace_back(std::string(m.transport),
                          std::string(m.payload.begin(), m.payload.end()));
    first_frames.push_back(m.first_frame);
  }
  std::vector<std::pair<std::string, std::string>> messages;
  std::vector<std::uint64_t> first_frames;
};

Bytes data_chunk(std::uint8_t flags, std::uint32_t tsn, const std::string& text) {
  // Type 0 (DATA), flags, length, TSN, stream 1, stream sequence 0, PPID 0, the text, padding.
  const std::size_t length = 16 + text.size();
  Bytes chunk((length + 3) & ~std::size_t{3}, 0);
  chunk[1] = flags;
  chunk[2] = static_cast<std::uint8_t>(length >> 8);
  chunk[3] = static_cast<std::uint8_t>(length);
  for (int i = 0; i < 4; ++i) chunk[4 + i] = static_cast<std::uint8_t>(tsn >> (24 - 8 * i));
  chunk[9] = 1;
  std::copy(text.begin(), text.end(), chunk.begin() + 16);
  return chunk;
}

TEST(Sctp, WholeAndFragmentedMessagesOnceEach) {
  FindingCollector findings;
  SctpCollector observer;
  SctpReassembler sctp(observer, findings);
  std::vector<Bytes> held;
  std::uint64_t frame = 0;
  auto packet = [&](const Bytes& chunks) {
    held.push_back(chunks);
    DecodedPacket p;
    p.frame_number = ++frame;
    p.transport = Transport::sctp;
    p.src = Endpoint{IpAddress::v4(std::array<std::uint8_t, 4>{10, 0, 0, 1}.data()), 5060};
    p.dst = Endpoint{IpAddress::v4(std::array<std::uint8_t, 4>{10, 0, 0, 2}.data()), 5060};
    p.payload = ByteView(held.back());
    sctp.on_packet(p);
  };
  packet(data_chunk(0x03, 1, "OPTIONS whole"));
  packet(data_chunk(0x02, 2, "INVITE first half, "));
  packet(data_chunk(0x02, 2, "INVITE first half, "));                     // retransmitted
  packet(concat({data_chunk(0x01, 3, "second half"), {0x03, 0, 0, 4}}));  // and a SACK-ish chunk
  ASSERT_EQ(observer.messages.size(), 2u);
  EXPECT_EQ(observer.messages[0], (std::pair<std::string, std::string>{"sctp", "OPTIONS whole"}));
  EXPECT_EQ(observer.messages[1].second, "INVITE first half, second half");
  EXPECT_EQ(observer.first_frames[1], 2u);
  EXPECT_EQ(sctp.associations(), 1u);
  // A chunk longer than its packet: malformed, nothing handed on.
  packet(Bytes{0x00, 0x03, 0x00, 0x40, 0, 0, 0, 9});
  EXPECT_EQ(observer.messages.size(), 2u);
  EXPECT_EQ(findings.count(FindingId::decode_malformed), 1u);
}

}  // namespace
}  // namespace sipws
