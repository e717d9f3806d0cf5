// The analyzer chain and the datagram classifier, driven directly. The bytes are hand-built:
// each case is one edge (a chunking, a header byte) that a capture would need luck to hold.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "dissector/analyzer.h"
#include "dissector/datagram.h"
#include "dissector/dissector.h"

namespace sipws {
namespace {

std::vector<std::uint8_t> bytes_of(std::string_view text) {
  return std::vector<std::uint8_t>(text.begin(), text.end());
}

TEST(DatagramClassifier, TellsTheWebRtcProtocolsApartAsRfc7983Does) {
  // A STUN binding request: type 0x0001, length 0, the magic cookie, a transaction id.
  std::vector<std::uint8_t> stun = {0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xA4, 0x42};
  stun.resize(20, 0x55);
  EXPECT_EQ(classify_datagram(stun), DatagramKind::stun);
  // The same with a length that runs past the datagram is not STUN.
  std::vector<std::uint8_t> bad_stun = stun;
  bad_stun[3] = 8;
  EXPECT_EQ(classify_datagram(bad_stun), DatagramKind::other);
  // A DTLS 1.2 handshake record header (content type 22, version 0xFEFD).
  std::vector<std::uint8_t> dtls = {22, 0xFE, 0xFD, 0, 0, 0, 0, 0, 0, 0, 0, 0, 12};
  EXPECT_EQ(classify_datagram(dtls), DatagramKind::dtls);
  // RTP version 2, payload type 0 (PCMU), then RTCP sender report (type 200).
  std::vector<std::uint8_t> rtp = {0x80, 0x00, 0x12, 0x34, 0, 0, 0, 160, 1, 2, 3, 4};
  EXPECT_EQ(classify_datagram(rtp), DatagramKind::rtp);
  std::vector<std::uint8_t> rtcp = {0x80, 200, 0x00, 0x06, 1, 2, 3, 4};
  EXPECT_EQ(classify_datagram(rtcp), DatagramKind::rtcp);
  // Too short for an RTP header.
  EXPECT_EQ(classify_datagram(std::vector<std::uint8_t>(rtp.begin(), rtp.begin() + 11)),
            DatagramKind::other);
  EXPECT_EQ(classify_datagram(bytes_of("OPTIONS sip:a@b SIP/2.0\r\n")), DatagramKind::sip);
  EXPECT_EQ(classify_datagram({}), DatagramKind::other);
  EXPECT_EQ(datagram_kind_name(DatagramKind::rtcp), "rtcp");
}

struct Seen final : DatagramObserver {
  void on_datagram(const UdpFlowInfo&, const UdpDatagram& d, DatagramKind kind) override {
    kinds.push_back(kind);
    frames.push_back(d.frame);
  }
  std::vector<DatagramKind> kinds;
  std::vector<std::uint64_t> frames;
};

TEST(Dissector, HandsEveryDatagramThatIsNotSipToItsObserverClassified) {
  SipMessageCollector messages;
  FindingCollector findings;
  Dissector dissector(messages, findings);
  Seen seen;
  dissector.set_datagram_observer(&seen);
  UdpFlowInfo flow;
  const std::vector<std::uint8_t> rtp = {0x80, 0x08, 0, 1, 0, 0, 0, 160, 9, 9, 9, 9, 0xD5};
  const std::vector<std::uint8_t> sip = bytes_of(
      "OPTIONS sip:b@example.org SIP/2.0\r\nVia: SIP/2.0/UDP a.example.org;branch=z9hG4bK1\r\n"
      "From: <sip:a@example.org>;tag=1\r\nTo: <sip:b@example.org>\r\nCall-ID: c1\r\n"
      "CSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n");
  UdpDatagram d;
  d.direction = Direction::to_server;
  d.payload = rtp;
  d.frame = 7;
  dissector.on_udp_datagram(flow, d);
  d.payload = sip;
  d.frame = 8;
  dissector.on_udp_datagram(flow, d);
  ASSERT_EQ(seen.kinds.size(), 1u);
  EXPECT_EQ(seen.kinds[0], DatagramKind::rtp);
  EXPECT_EQ(seen.frames[0], 7u);
  ASSERT_EQ(messages.records.size(), 1u);
  EXPECT_EQ(messages.records[0].frame, 8u);
}

// ICE-TCP (RFC 6544): media framed on a TCP connection by RFC 4571 lengths. The connection is
// recognised by its first STUN check; each framed packet reaches the datagram observer
// classified, however the bytes are cut into segments (one byte at a time here).
TEST(Dissector, MediaFramedOnTcpReachesTheDatagramObserver) {
  SipMessageCollector messages;
  FindingCollector findings;
  Dissector dissector(messages, findings);
  Seen seen;
  dissector.set_datagram_observer(&seen);
  std::vector<std::uint8_t> stun = {0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xA4, 0x42};
  stun.resize(20, 0x33);
  const std::vector<std::uint8_t> rtp = {0x80, 0x6F, 0, 1, 0, 0, 3, 0xC0, 1, 2, 3, 4, 0xAA, 0xBB};
  std::vector<std::uint8_t> stream;
  const std::vector<std::uint8_t>* packets[] = {&stun, &rtp, &rtp};
  for (const std::vector<std::uint8_t>* packet : packets) {
    stream.push_back(0);
    stream.push_back(static_cast<std::uint8_t>(packet->size()));
    stream.insert(stream.end(), packet->begin(), packet->end());
  }
  TcpConnectionInfo info;
  info.index = 3;
  StreamSink* sink = dissector.on_tcp_open(info);
  ASSERT_NE(sink, nullptr);
  for (std::size_t i = 0; i < stream.size(); ++i) {
    sink->on_data(Direction::to_server, ByteView(&stream[i], 1), i, 100 + i, 0);
  }
  sink->on_close(CloseReason::fin);
  ASSERT_EQ(seen.kinds.size(), 3u);
  EXPECT_EQ(seen.kinds[0], DatagramKind::stun);
  EXPECT_EQ(seen.kinds[1], DatagramKind::rtp);
  EXPECT_EQ(seen.kinds[2], DatagramKind::rtp);
  EXPECT_TRUE(messages.records.empty());
}

// A carrier that delivers whole messages (the capture layer's on_message): the SIP stage gets
// them with the transport the carrier names, any case ("sctp" since SCTP is a carrier); a
// carrier SIP has no transport for (here "quic") is not SIP.
TEST(Dissector, CarriedMessagesReachTheSipStageWithTheirTransport) {
  SipMessageCollector messages;
  FindingCollector findings;
  Dissector dissector(messages, findings);
  const std::vector<std::uint8_t> sip = bytes_of(
      "OPTIONS sip:b@example.org SIP/2.0\r\nVia: SIP/2.0/TLS a.example.org;branch=z9hG4bK1\r\n"
      "From: <sip:a@example.org>;tag=1\r\nTo: <sip:b@example.org>\r\nCall-ID: c1\r\n"
      "CSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n");
  CarriedMessage m;
  m.transport = "TLS";
  m.direction = Direction::to_server;
  m.flow = 4;
  m.frame = 9;
  m.first_frame = 8;
  m.payload = sip;
  dissector.on_message(m);
  m.transport = "quic";
  dissector.on_message(m);
  ASSERT_EQ(messages.records.size(), 1u);
  m.transport = "sctp";
  dissector.on_message(m);
  ASSERT_EQ(messages.records.size(), 2u);
  EXPECT_EQ(messages.records[1].transport, SipTransport::sctp);
  EXPECT_EQ(messages.records[0].transport, SipTransport::tls);
  EXPECT_EQ(messages.records[0].connection, 4u);
  EXPECT_EQ(messages.records[0].frame, 9u);
  EXPECT_EQ(messages.records[0].first_frame, 8u);
  EXPECT_EQ(transport_named("WSS"), SipTransport::wss);
  EXPECT_FALSE(transport_named("quic").has_value());
  for (const SipTransportName& t : kSipTransportNames) {
    EXPECT_EQ(transport_named(transport_name(t.transport)), t.transport);
  }
}

// An analyzer that replaces itself and then still uses its own members, as the sniffer does
// when it replays what it gathered: the chain must keep it alive until the call returns
// (ASan would report the use after free otherwise).
struct Upgrading final : StreamAnalyzer {
  Upgrading(ConnectionChain& owner, std::vector<std::string>& out) : chain(owner), log(out) {}
  void on_data(Direction dir, ByteView bytes, std::uint64_t frame, TimeNs ts) override {
    struct Next final : StreamAnalyzer {
      explicit Next(std::vector<std::string>& out) : log(out) {}
      void on_data(Direction, ByteView b, std::uint64_t, TimeNs) override {
        log.push_back("next:" + std::string(b.begin(), b.end()));
      }
      void on_gap(Direction, std::uint64_t) override { log.push_back("next:gap"); }
      void on_end() override { log.push_back("next:end"); }
      std::vector<std::string>& log;
    };
    gathered.insert(gathered.end(), bytes.begin(), bytes.end());
    if (gathered.size() < 4) return;
    chain.replace(std::make_unique<Next>(log));
    chain.current()->on_data(dir, gathered, frame, ts);  // `this` must still be alive here
    log.push_back("handed " + std::to_string(gathered.size()));
  }
  void on_gap(Direction, std::uint64_t) override { log.push_back("first:gap"); }
  void on_end() override { log.push_back("first:end"); }
  ConnectionChain& chain;
  std::vector<std::string>& log;
  std::vector<std::uint8_t> gathered;
};

TEST(ConnectionChain, AnAnalyzerReplacesItselfAndHandsOverWhatItHeld) {
  std::vector<std::string> log;
  ConnectionChain chain;
  chain.replace(std::make_unique<Upgrading>(chain, log));
  const auto ab = bytes_of("ab");
  const auto cd = bytes_of("cd");
  const auto ef = bytes_of("ef");
  chain.on_gap(Direction::to_server, 0, 3);
  chain.on_data(Direction::to_server, ab, 0, 1, 0);
  chain.on_data(Direction::to_server, cd, 2, 2, 0);
  chain.on_data(Direction::to_server, ef, 4, 3, 0);
  chain.on_gap(Direction::to_client, 0, 5);
  chain.on_close(CloseReason::fin);
  chain.on_data(Direction::to_server, ef, 6, 4, 0);  // after the end: nobody is left to see it
  const std::vector<std::string> expected = {"first:gap", "next:abcd", "handed 4",
                                             "next:ef",   "next:gap",  "next:end"};
  EXPECT_EQ(log, expected);
}

TEST(ConnectionChain, ANullAnalyzerIgnoresTheRest) {
  std::vector<std::string> log;
  ConnectionChain chain;
  chain.replace(std::make_unique<Upgrading>(chain, log));
  chain.replace(nullptr);
  const auto ab = bytes_of("abcdef");
  chain.on_data(Direction::to_server, ab, 0, 1, 0);
  chain.on_close(CloseReason::fin);
  EXPECT_TRUE(log.empty());
}

// SIP over TCP whose first message arrives a byte a segment: the sniffer cannot tell before
// the first line is in, and must replay each byte under its own frame.
TEST(Sniffer, ReplaysTheBytesItGatheredUnderTheFramesThatCarriedThem) {
  SipMessageCollector messages;
  FindingCollector findings;
  Dissector dissector(messages, findings);
  TcpConnectionInfo info;
  info.index = 3;
  info.first_frame = 10;
  StreamSink* sink = dissector.on_tcp_open(info);
  ASSERT_NE(sink, nullptr);
  const std::string text =
      "OPTIONS sip:b@example.org SIP/2.0\r\nVia: SIP/2.0/TCP a.example.org;branch=z9hG4bK1\r\n"
      "From: <sip:a@example.org>;tag=1\r\nTo: <sip:b@example.org>\r\nCall-ID: c1\r\n"
      "CSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n";
  const auto all = bytes_of(text + text);
  std::uint64_t frame = 100;
  for (std::size_t i = 0; i < all.size(); ++i) {
    sink->on_data(Direction::to_server, ByteView(all).subspan(i, 1), i, frame++, 0);
  }
  sink->on_close(CloseReason::fin);
  ASSERT_EQ(messages.records.size(), 2u);
  EXPECT_EQ(messages.records[0].first_frame, 100u);
  EXPECT_EQ(messages.records[0].frame, 100u + text.size() - 1);
  EXPECT_EQ(messages.records[1].first_frame, 100u + text.size());
  EXPECT_EQ(messages.records[0].transport, SipTransport::tcp);
  EXPECT_EQ(messages.records[0].connection, 3u);
  EXPECT_EQ(messages.records[0].connection_first_frame, 10u);
  EXPECT_EQ(dissector.counters().sip_tcp_connections, 1u);
}

}  // namespace
}  // namespace sipws
