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
