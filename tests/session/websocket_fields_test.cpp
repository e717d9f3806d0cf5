// `sipws websocket`'s registrations: REGISTERs tied to their connection, answered, and refreshed
// on a new connection after the old one ended (the gap). Hand-built records and summaries (unit
// vectors); the real captures are compared with tshark in cli.websocket_vs_tshark.

#include "session/websocket_fields.h"

#include <gtest/gtest.h>

#include <string>

namespace sipws {
namespace {

constexpr TimeNs kSecond = 1'000'000'000;

SipMessageRecord sip(std::uint64_t connection, TimeNs time, const std::string& text) {
  SipMessageRecord r;
  r.transport = SipTransport::ws;
  r.connection = connection;
  r.timestamp = time;
  r.bytes.assign(text.begin(), text.end());
  parse_sip_message(std::string_view(r.bytes.data(), r.bytes.size()), r.sip);
  return r;
}

std::string register_request(int cseq, int expires) {
  return "REGISTER sip:example.com SIP/2.0\r\nCall-ID: reg1\r\nCSeq: " + std::to_string(cseq) +
         " REGISTER\r\nFrom: <sip:alice@example.com>;tag=1\r\nTo: <sip:alice@Example.COM>\r\n"
         "Contact: <sip:x@y;transport=ws>;expires=" +
         std::to_string(expires) + "\r\n\r\n";
}
std::string register_ok(int cseq) {
  return "SIP/2.0 200 OK\r\nCall-ID: reg1\r\nCSeq: " + std::to_string(cseq) +
         " REGISTER\r\nTo: <sip:alice@example.com>;tag=2\r\nContact: <sip:x@y;transport=ws>"
         ";expires=300\r\n\r\n";
}

TEST(WebSocketReport, RegistrationRefreshedOnTheNextConnection) {
  WebSocketReport report;
  report.on_message(sip(0, 1 * kSecond, register_request(1, 600)));
  report.on_message(sip(0, 1 * kSecond + 5, register_ok(1)));
  report.on_message(sip(1, 13 * kSecond, register_request(2, 600)));
  report.on_message(sip(1, 13 * kSecond + 5, register_ok(2)));
  WsConnectionSummary first;
  first.connection = 0;
  first.start = 0;
  first.end = 11 * kSecond;
  first.tcp_end = CloseReason::fin;
  first.close[1].sent = true;  // the server said Close at 10 s
  first.close[1].code = 1001;
  first.close[1].time = 10 * kSecond;
  first.closed_by = Direction::to_client;
  WsConnectionSummary second;
  second.connection = 1;
  second.start = 12 * kSecond;
  second.end = 20 * kSecond;
  second.tcp_end = CloseReason::end_of_capture;  // still open when the capture ended
  report.on_websocket_connection(second);        // in the order they ended: any order works
  report.on_websocket_connection(first);
  report.finish();
  ASSERT_EQ(report.connections().size(), 2u);
  EXPECT_EQ(report.connections()[0].connection, 0u);
  const auto on_first = report.registrations_of(0);
  ASSERT_EQ(on_first.size(), 1u);
  EXPECT_EQ(on_first[0]->aor, "alice@example.com");  // the host in lower case
  EXPECT_EQ(on_first[0]->last_status, 200);
  EXPECT_EQ(on_first[0]->expires, 300u);  // what the 2xx granted, not what was asked
  ASSERT_TRUE(on_first[0]->refreshed_on);
  EXPECT_EQ(*on_first[0]->refreshed_on, 1u);
  EXPECT_EQ(on_first[0]->refresh_gap, 3 * kSecond);  // from the Close at 10 s to 13 s
  const auto on_second = report.registrations_of(1);
  ASSERT_EQ(on_second.size(), 1u);
  EXPECT_FALSE(on_second[0]->refreshed_on);  // open at the end: nothing to refresh

  // The rows: the contract's close codes, closed_by and tcp_end.
  const std::string line = websocket_tsv_line({&report.connections()[0], on_first});
  EXPECT_NE(line.find("\t\t\t1001\t\tserver\tfin\t"), std::string::npos) << line;
  TimeColumn time(TimeStyle::rel);
  const auto text = websocket_text_lines({&report.connections()[0], on_first}, time);
  ASSERT_FALSE(text.empty());
  EXPECT_NE(text.back().find("re-registered on connection 1 3.000 s after"), std::string::npos)
      << text.back();
  EXPECT_EQ(tcp_end_name(CloseReason::idle_timeout), "timeout");
  EXPECT_EQ(tcp_end_name(CloseReason::limit_connections), "capture_end");
}

TEST(WebSocketReport, KeepsAtMostTheLimitAndCountsTheRest) {
  WebSocketReport report(2);
  for (std::uint64_t i = 0; i < 5; ++i) {
    WsConnectionSummary s;
    s.connection = i;
    report.on_websocket_connection(s);
  }
  report.finish();
  EXPECT_EQ(report.connections().size(), 2u);
  EXPECT_EQ(report.dropped(), 3u);
}

// Connections of one AOR that overlap: B registered before A ended and again after; A's refresh
// is B's first REGISTER after A's end (5 s), not B's last of the capture.
TEST(WebSocketReport, OverlappingConnectionsRefreshAtTheFirstRegisterAfterTheEnd) {
  WebSocketReport report;
  report.on_message(sip(0, 1 * kSecond, register_request(1, 600)));
  report.on_message(sip(1, 5 * kSecond, register_request(2, 600)));
  report.on_message(sip(1, 15 * kSecond, register_request(3, 600)));
  report.on_message(sip(1, 40 * kSecond, register_request(4, 600)));
  WsConnectionSummary a;
  a.connection = 0;
  a.end = 10 * kSecond;
  a.tcp_end = CloseReason::rst;
  WsConnectionSummary b;
  b.connection = 1;
  b.start = 4 * kSecond;
  b.end = 50 * kSecond;
  b.tcp_end = CloseReason::end_of_capture;
  report.on_websocket_connection(a);
  report.on_websocket_connection(b);
  report.finish();
  const auto on_a = report.registrations_of(0);
  ASSERT_EQ(on_a.size(), 1u);
  ASSERT_TRUE(on_a[0]->refreshed_on);
  EXPECT_EQ(*on_a[0]->refreshed_on, 1u);
  EXPECT_EQ(on_a[0]->refresh_gap, 5 * kSecond);
  // The JSON's top-level reregistered_on is a number.
  const std::string json = websocket_json_line({&report.connections()[0], on_a});
  EXPECT_NE(json.find("\"reregistered_on\":1,"), std::string::npos) << json;
}

}  // namespace
}  // namespace sipws
