// Connection tracking: directions, handshakes, closes, reuse, limits and timeouts.

#include "capture/flow_table.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <deque>

#include "tests/support/test_support.h"

namespace sipws {
namespace {

using test::Bytes;

using test::endpoint;

class FlowTableTest : public ::testing::Test {
 protected:
  void tcp(const Endpoint& src, const Endpoint& dst, std::uint32_t seq, std::uint32_t ack,
           std::uint8_t flags, const std::string& data = "", TimeNs at = -1) {
    payloads_.push_back(test::text_bytes(data));
    DecodedPacket p;
    p.frame_number = ++frame_;
    p.timestamp = at >= 0 ? at : static_cast<TimeNs>(frame_) * 1'000'000;
    p.transport = Transport::tcp;
    p.src = src;
    p.dst = dst;
    p.seq = seq;
    p.ack = ack;
    p.flags = flags;
    p.payload = ByteView(payloads_.back());
    p.wire_payload_length = static_cast<std::uint32_t>(data.size());
    table_->on_packet(p);
  }

  void handshake(std::uint32_t client_isn = 1000, std::uint32_t server_isn = 5000) {
    tcp(client_, server_, client_isn, 0, tcp_flag::syn);
    tcp(server_, client_, server_isn, client_isn + 1, tcp_flag::syn | tcp_flag::ack);
    tcp(client_, server_, client_isn + 1, server_isn + 1, tcp_flag::ack);
  }

  std::string delivered(std::uint64_t index, Direction d) {
    const auto& b = observer_.sinks.at(index)->bytes[static_cast<std::size_t>(d)];
    return std::string(b.begin(), b.end());
  }

  Endpoint client_ = endpoint("192.0.2.10", 50000);
  Endpoint server_ = endpoint("192.0.2.1", 8080);
  test::RecordingObserver observer_;
  FindingCollector findings_;
  FlowLimits limits_;
  std::unique_ptr<FlowTable> table_ = std::make_unique<FlowTable>(observer_, findings_, limits_);
  std::uint64_t frame_ = 0;
  std::deque<Bytes> payloads_;
};

TEST_F(FlowTableTest, HandshakeDataAndFinClose) {
  handshake();
  tcp(client_, server_, 1001, 5001, tcp_flag::ack | tcp_flag::psh, "GET / HTTP/1.1\r\n\r\n");
  tcp(server_, client_, 5001, 1019, tcp_flag::ack | tcp_flag::psh, "HTTP/1.1 101 OK\r\n\r\n");
  tcp(client_, server_, 1019, 5020, tcp_flag::ack | tcp_flag::fin);
  tcp(server_, client_, 5020, 1020, tcp_flag::ack | tcp_flag::fin);
  tcp(client_, server_, 1020, 5021, tcp_flag::ack);
  ASSERT_EQ(observer_.opened.size(), 1u);
  const auto& info = observer_.opened[0];
  EXPECT_EQ(info.client, client_);
  EXPECT_EQ(info.server, server_);
  EXPECT_TRUE(info.handshake_seen);
  EXPECT_EQ(delivered(0, Direction::to_server), "GET / HTTP/1.1\r\n\r\n");
  EXPECT_EQ(delivered(0, Direction::to_client), "HTTP/1.1 101 OK\r\n\r\n");
  ASSERT_TRUE(observer_.sinks[0]->closed);
  EXPECT_EQ(observer_.sinks[0]->reason, CloseReason::fin);
  // The summary comes when the entry leaves the table, counting the last ACK after the close.
  EXPECT_TRUE(observer_.tcp.empty());
  table_->finish();
  ASSERT_EQ(observer_.tcp.size(), 1u);
  const auto& summary = observer_.tcp.at(0);
  EXPECT_EQ(summary.reason, CloseReason::fin);
  EXPECT_EQ(summary.packets[0], 5u);
  EXPECT_EQ(summary.packets[1], 3u);
  EXPECT_EQ(summary.stats[0].gap_bytes, 0u);  // the FIN's own sequence number is no gap
  EXPECT_EQ(findings_.findings().size(), 0u);
}

TEST_F(FlowTableTest, ServerSynAckSeenFirstStillFindsClient) {
  tcp(server_, client_, 5000, 1001, tcp_flag::syn | tcp_flag::ack);
  tcp(client_, server_, 1001, 5001, tcp_flag::ack, "abc");
  ASSERT_EQ(observer_.opened.size(), 1u);
  EXPECT_EQ(observer_.opened[0].client, client_);
  EXPECT_EQ(delivered(0, Direction::to_server), "abc");
}

TEST_F(FlowTableTest, MidStreamGuessesServerByPortAndSaysSo) {
  tcp(server_, client_, 9000, 2000, tcp_flag::ack, "hello");
  ASSERT_EQ(observer_.opened.size(), 1u);
  EXPECT_EQ(observer_.opened[0].server, server_);
  EXPECT_FALSE(observer_.opened[0].handshake_seen);
  EXPECT_EQ(findings_.count(FindingId::tcp_midstream), 1u);
  EXPECT_EQ(delivered(0, Direction::to_client), "hello");
}

TEST_F(FlowTableTest, MidStreamUsesPeerAckToSeeMissingStart) {
  // The server acknowledged 2000 before the client's first captured segment at 2010: the client
  // sent 10 bytes the capture missed, and the server's next ACK proves it.
  tcp(server_, client_, 9000, 2000, tcp_flag::ack, "x");
  tcp(client_, server_, 2010, 9001, tcp_flag::ack, "later");
  tcp(server_, client_, 9001, 2015, tcp_flag::ack);
  tcp(server_, client_, 9001, 2015, tcp_flag::ack, "", 2'000'000'000);
  const auto& sink = *observer_.sinks.at(0);
  EXPECT_EQ(sink.gap_bytes[0], 10u);
  EXPECT_EQ(delivered(0, Direction::to_server), "later");
}

TEST_F(FlowTableTest, ResetClosesAndLatePacketsDoNotReopen) {
  handshake();
  tcp(client_, server_, 1001, 5001, tcp_flag::ack, "data");
  tcp(server_, client_, 5001, 1005, tcp_flag::rst | tcp_flag::ack);
  tcp(client_, server_, 1005, 5001, tcp_flag::ack, "late");
  EXPECT_EQ(observer_.opened.size(), 1u);
  EXPECT_EQ(observer_.sinks[0]->reason, CloseReason::rst);
  EXPECT_EQ(delivered(0, Direction::to_server), "data");
  EXPECT_EQ(table_->counters().tcp_packets_after_close, 1u);
}

TEST_F(FlowTableTest, NewSynOnSameTupleIsANewConnection) {
  handshake(1000, 5000);
  tcp(client_, server_, 1001, 5001, tcp_flag::ack, "first");
  tcp(client_, server_, 1000, 0, tcp_flag::syn);  // a retransmitted SYN: same connection
  EXPECT_EQ(observer_.opened.size(), 1u);
  handshake(777777, 888888);  // another ISN: port reuse
  tcp(client_, server_, 777778, 888889, tcp_flag::ack, "second");
  ASSERT_EQ(observer_.opened.size(), 2u);
  EXPECT_EQ(observer_.sinks[0]->reason, CloseReason::reused);
  EXPECT_EQ(observer_.opened[1].index, 1u);
  EXPECT_EQ(delivered(1, Direction::to_server), "second");
}

TEST_F(FlowTableTest, HoleAckedByPeerIsAGapAndLaterDataFlows) {
  handshake();
  tcp(client_, server_, 1001, 5001, tcp_flag::ack, "aaaa");
  tcp(client_, server_, 1009, 5001, tcp_flag::ack, "cccc");  // "bbbb" at 1005 never captured
  EXPECT_EQ(delivered(0, Direction::to_server), "aaaa");
  tcp(server_, client_, 5001, 1013, tcp_flag::ack);
  EXPECT_EQ(delivered(0, Direction::to_server), "aaaa");  // the segment may still come
  tcp(server_, client_, 5001, 1013, tcp_flag::ack, "", 2'000'000'000);
  EXPECT_EQ(delivered(0, Direction::to_server), "aaaacccc");
  EXPECT_EQ(observer_.sinks[0]->gap_bytes[0], 4u);
  EXPECT_EQ(findings_.count(FindingId::tcp_gap), 1u);
}

TEST_F(FlowTableTest, EndOfCaptureFlushesHolesAsGaps) {
  handshake();
  tcp(client_, server_, 1001, 5001, tcp_flag::ack, "aaaa");
  tcp(client_, server_, 1009, 5001, tcp_flag::ack, "cccc");
  table_->finish();
  EXPECT_EQ(delivered(0, Direction::to_server), "aaaacccc");
  EXPECT_EQ(observer_.sinks[0]->reason, CloseReason::end_of_capture);
  EXPECT_EQ(observer_.tcp.at(0).stats[0].gap_bytes, 4u);
}

TEST_F(FlowTableTest, ConnectionLimitEndsLeastRecentlyActive) {
  limits_.max_tcp_connections = 3;
  table_ = std::make_unique<FlowTable>(observer_, findings_, limits_);
  for (std::uint16_t i = 0; i < 5; ++i) {
    tcp(endpoint("192.0.2.10", static_cast<std::uint16_t>(40000 + i)), server_, 1, 0,
        tcp_flag::syn);
  }
  EXPECT_EQ(table_->open_tcp_connections(), 3u);
  EXPECT_EQ(observer_.sinks[0]->reason, CloseReason::limit_connections);
  EXPECT_EQ(observer_.sinks[1]->reason, CloseReason::limit_connections);
  EXPECT_FALSE(observer_.sinks[2]->closed);
  EXPECT_EQ(findings_.count(FindingId::limit_tcp_connections), 2u);
}

TEST_F(FlowTableTest, BufferLimitEndsTheConnectionWithAReason) {
  limits_.max_buffered_bytes_per_direction = 10;
  table_ = std::make_unique<FlowTable>(observer_, findings_, limits_);
  handshake();
  tcp(client_, server_, 1101, 5001, tcp_flag::ack, "0123456789abcdef");  // 16 bytes past a hole
  ASSERT_TRUE(observer_.sinks[0]->closed);
  EXPECT_EQ(observer_.sinks[0]->reason, CloseReason::limit_direction_buffer);
  EXPECT_EQ(findings_.count(FindingId::limit_tcp_buffer_direction), 1u);
  EXPECT_EQ(table_->buffered_bytes(), 0u);
}

TEST_F(FlowTableTest, SharedBufferLimitEndsTheConnectionThatOverruns) {
  limits_.max_buffered_bytes_total = 20;
  table_ = std::make_unique<FlowTable>(observer_, findings_, limits_);
  const Endpoint other = endpoint("192.0.2.11", 50001);
  tcp(client_, server_, 1000, 0, tcp_flag::syn);
  tcp(other, server_, 7000, 0, tcp_flag::syn);
  tcp(client_, server_, 1101, 0, tcp_flag::ack, "0123456789abcdef");  // 16 bytes held
  tcp(other, server_, 7101, 0, tcp_flag::ack, "0123456789");          // 10 more: over 20
  EXPECT_EQ(findings_.count(FindingId::limit_tcp_buffer_total), 1u);
  EXPECT_FALSE(observer_.sinks[0]->closed);
  EXPECT_EQ(observer_.sinks[1]->reason, CloseReason::limit_total_buffer);
}

TEST_F(FlowTableTest, UdpFlowLimitEndsTheLeastRecentlyActive) {
  limits_.max_udp_flows = 2;
  table_ = std::make_unique<FlowTable>(observer_, findings_, limits_);
  for (std::uint16_t i = 0; i < 3; ++i) {
    payloads_.push_back(test::text_bytes("x"));
    DecodedPacket p;
    p.frame_number = ++frame_;
    p.transport = Transport::udp;
    p.src = endpoint("198.51.100.1", static_cast<std::uint16_t>(5060 + i));
    p.dst = endpoint("198.51.100.2", 5060);
    p.payload = ByteView(payloads_.back());
    p.wire_payload_length = 1;
    table_->on_packet(p);
  }
  EXPECT_EQ(findings_.count(FindingId::limit_udp_flows), 1u);
  EXPECT_EQ(observer_.udp.count(0), 1u);  // the first flow was ended and summarised
}

TEST_F(FlowTableTest, IdleTimeoutClosesConnection) {
  limits_.tcp_idle_timeout = 5'000'000'000;
  table_ = std::make_unique<FlowTable>(observer_, findings_, limits_);
  tcp(client_, server_, 1000, 0, tcp_flag::syn, "", 0);
  tcp(endpoint("192.0.2.99", 1234), server_, 1, 0, tcp_flag::syn, "", 6'000'000'000);
  EXPECT_EQ(observer_.sinks[0]->reason, CloseReason::idle_timeout);
  EXPECT_FALSE(observer_.sinks[1]->closed);
}

TEST_F(FlowTableTest, AClosedConnectionLingersThenLeavesTheTable) {
  // Late packets within the linger count for the closed connection; after it, the entry is gone
  // (its summary delivered), so a long capture keeps only the connections that are open.
  limits_.tcp_closed_linger = 60'000'000'000;
  table_ = std::make_unique<FlowTable>(observer_, findings_, limits_);
  tcp(client_, server_, 1000, 0, tcp_flag::syn, "", 0);
  tcp(server_, client_, 5000, 1001, tcp_flag::syn | tcp_flag::ack, "", 1'000'000);
  tcp(client_, server_, 1001, 5001, tcp_flag::rst | tcp_flag::ack, "", 2'000'000);
  tcp(client_, server_, 1001, 5001, tcp_flag::ack, "late", 30'000'000'000);
  EXPECT_EQ(table_->counters().tcp_packets_after_close, 1u);
  EXPECT_TRUE(observer_.tcp.empty()) << "still lingering";
  const Endpoint other = endpoint("192.0.2.99", 1234);
  tcp(other, server_, 1, 0, tcp_flag::syn, "", 61'000'000'000);
  ASSERT_EQ(observer_.tcp.count(0), 1u) << "retired after the linger";
  EXPECT_EQ(observer_.tcp.at(0).packets[0], 3u);  // SYN, RST, the late ACK
  EXPECT_EQ(observer_.tcp.count(1), 0u) << "the open one stays";
  // A packet of the retired connection now starts a new entry (mid-stream).
  tcp(client_, server_, 1005, 5001, tcp_flag::ack, "later", 62'000'000'000);
  EXPECT_EQ(observer_.opened.size(), 3u);
}

TEST_F(FlowTableTest, UdpFlowsByFirstSender) {
  auto udp = [&](const Endpoint& src, const Endpoint& dst, const std::string& data) {
    payloads_.push_back(test::text_bytes(data));
    DecodedPacket p;
    p.frame_number = ++frame_;
    p.transport = Transport::udp;
    p.src = src;
    p.dst = dst;
    p.payload = ByteView(payloads_.back());
    p.wire_payload_length = static_cast<std::uint32_t>(data.size());
    table_->on_packet(p);
  };
  const Endpoint a = endpoint("198.51.100.1", 5060);
  const Endpoint b = endpoint("198.51.100.2", 5060);
  udp(b, a, "OPTIONS");
  udp(a, b, "200");
  udp(b, a, "OPTIONS");
  table_->finish();
  ASSERT_EQ(observer_.udp.size(), 1u);
  const auto& s = observer_.udp.at(0);
  EXPECT_EQ(s.info.client, b);
  EXPECT_EQ(s.packets[0], 2u);
  EXPECT_EQ(s.packets[1], 1u);
  EXPECT_EQ(s.bytes[0], 14u);
  EXPECT_EQ(observer_.datagrams.size(), 3u);
}

}  // namespace
}  // namespace sipws

namespace sipws {
namespace {

TEST(IpAddress, Ipv4TextIsInetNtops) {
  // IpAddress formats IPv4 by hand (inet_ntop goes through sprintf): the same text for edge
  // values of every octet.
  const std::uint8_t values[] = {0, 1, 9, 10, 99, 100, 109, 199, 200, 255};
  for (const std::uint8_t a : values) {
    for (const std::uint8_t b : values) {
      const std::uint8_t bytes[4] = {a, b, static_cast<std::uint8_t>(255 - a), b};
      char expected[INET_ADDRSTRLEN];
      inet_ntop(AF_INET, bytes, expected, sizeof expected);
      EXPECT_EQ(IpAddress::v4(bytes).to_string(), expected);
    }
  }
}

}  // namespace
}  // namespace sipws
