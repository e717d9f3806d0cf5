// HEPv3 codec (dissector/hep): records encoded and decoded again, and hand-built byte vectors for
// the malformed cases (lengths that lie, chunks cut short, packets split on a stream). The
// exchange with real peers (sngrep) is tests/integration/hep.py.

#include "dissector/hep/hep.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "tests/support/test_support.h"

namespace sipws {
namespace {

SipMessageRecord record(SipTransport transport, bool v6) {
  SipMessageRecord r;
  const std::string text =
      "OPTIONS sip:bob@example.org SIP/2.0\r\nVia: SIP/2.0/WSS h.invalid;branch=z9hG4bK1\r\n"
      "Call-ID: hep-test-1\r\nCSeq: 1 OPTIONS\r\nFrom: <sip:a@example.org>;tag=1\r\n"
      "To: <sip:bob@example.org>\r\nContent-Length: 0\r\n\r\n";
  r.bytes.assign(text.begin(), text.end());
  parse_sip_message(std::string_view(r.bytes.data(), r.bytes.size()), r.sip);
  if (v6) {
    std::uint8_t a[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    std::uint8_t b[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};
    r.src = {IpAddress::v6(a), 50000};
    r.dst = {IpAddress::v6(b), 443};
  } else {
    r.src = test::endpoint("192.0.2.1", 50000);
    r.dst = test::endpoint("192.0.2.2", 8443);
  }
  r.timestamp = 1'795'564'866'418'313'000;
  r.transport = transport;
  return r;
}

TEST(Hep, RecordsRoundTripWithTheirTransport) {
  for (const bool v6 : {false, true}) {
    for (const SipTransport t : {SipTransport::udp, SipTransport::tcp, SipTransport::ws,
                                 SipTransport::wss, SipTransport::tls}) {
      const SipMessageRecord r = record(t, v6);
      const auto packet = encode_hep3(r, {42, "secret"});
      HepMessage m;
      const HepParseResult result = parse_hep3(packet, m);
      ASSERT_EQ(result.status, HepStatus::ok) << result.error;
      EXPECT_EQ(result.consumed, packet.size());
      EXPECT_EQ(m.src, r.src);
      EXPECT_EQ(m.dst, r.dst);
      EXPECT_EQ(m.timestamp, r.timestamp);
      EXPECT_EQ(m.ip_protocol, t == SipTransport::udp ? 17 : 6);  // ws/wss/tls travel as TCP
      EXPECT_EQ(m.transport, t);
      // The code on the wire is the README's contract (1 udp, 2 tcp, 3 ws, 4 wss, 5 tls): the
      // sipws vendor chunk 0x5357/0x0001, 7 bytes long.
      const std::uint8_t expected_code = t == SipTransport::udp   ? 1
                                         : t == SipTransport::tcp ? 2
                                         : t == SipTransport::ws  ? 3
                                         : t == SipTransport::wss ? 4
                                                                  : 5;
      const std::uint8_t chunk[] = {0x53, 0x57, 0x00, 0x01, 0x00, 0x07, expected_code};
      EXPECT_NE(std::search(packet.begin(), packet.end(), std::begin(chunk), std::end(chunk)),
                packet.end())
          << transport_name(t);
      EXPECT_EQ(m.capture_id, 42u);
      EXPECT_EQ(m.auth_key, "secret");
      EXPECT_EQ(m.correlation_id, "hep-test-1");
      EXPECT_EQ(m.protocol_type, 1);
      EXPECT_EQ(std::string(m.payload.begin(), m.payload.end()),
                std::string(r.bytes.begin(), r.bytes.end()));
    }
  }
}

TEST(Hep, OversizedFieldsNeverOverflowThePacket) {
  // Found in review: a 70,000-byte Call-ID wrapped the 16-bit chunk and packet lengths.
  SipMessageRecord r = record(SipTransport::tcp, false);
  const std::string call_id(70000, 'c');
  std::string text =
      "OPTIONS sip:b@x SIP/2.0\r\nCall-ID: " + call_id + "\r\nCSeq: 1 OPTIONS\r\n\r\n";
  text += std::string(100000, 'x');
  r.bytes.assign(text.begin(), text.end());
  r.sip = SipMessage{};
  parse_sip_message(std::string_view(r.bytes.data(), r.bytes.size()), r.sip);
  ASSERT_EQ(r.sip.call_id.size(), call_id.size());
  const auto packet = encode_hep3(r, {1, std::string(70000, 'k')});
  EXPECT_LE(packet.size(), 65507u);  // one UDP datagram
  HepMessage m;
  const HepParseResult result = parse_hep3(packet, m);
  ASSERT_EQ(result.status, HepStatus::ok) << result.error;
  EXPECT_EQ(result.consumed, packet.size());
  EXPECT_TRUE(m.correlation_id.empty());  // left out, not wrapped
  EXPECT_TRUE(m.auth_key.empty());
  EXPECT_GT(m.payload.size(), 60000u);  // the message, cut to fit
  r.timestamp = -5;                     // before 1970: sent as 0, still valid
  EXPECT_EQ(parse_hep3(encode_hep3(r, {}), m).status, HepStatus::ok);
}

TEST(Hep, AStreamMaySplitPacketsAnywhere) {
  const auto a = encode_hep3(record(SipTransport::ws, false), {});
  const auto b = encode_hep3(record(SipTransport::udp, true), {});
  std::vector<std::uint8_t> stream = a;
  stream.insert(stream.end(), b.begin(), b.end());
  for (std::size_t cut = 0; cut < a.size(); ++cut) {
    HepMessage m;
    EXPECT_EQ(parse_hep3(ByteView(stream.data(), cut), m).status, HepStatus::need_more) << cut;
  }
  HepMessage m;
  const auto first = parse_hep3(stream, m);
  ASSERT_EQ(first.status, HepStatus::ok);
  EXPECT_EQ(first.consumed, a.size());
  const auto second = parse_hep3(ByteView(stream).subspan(first.consumed), m);
  ASSERT_EQ(second.status, HepStatus::ok);
  EXPECT_EQ(m.dst.port, 443);
}

// Hand-built vectors: a header, then chunks (vendor, type, length, value).
std::vector<std::uint8_t> packet(std::initializer_list<std::vector<std::uint8_t>> chunks,
                                 int total_adjust = 0) {
  std::vector<std::uint8_t> out{'H', 'E', 'P', '3', 0, 0};
  for (const auto& c : chunks) out.insert(out.end(), c.begin(), c.end());
  const std::size_t total = out.size() + static_cast<std::size_t>(total_adjust);
  out[4] = static_cast<std::uint8_t>(total >> 8);
  out[5] = static_cast<std::uint8_t>(total);
  return out;
}
std::vector<std::uint8_t> chunk(std::uint16_t vendor, std::uint16_t type,
                                std::vector<std::uint8_t> value, int length_adjust = 0) {
  const std::size_t length = 6 + value.size() + static_cast<std::size_t>(length_adjust);
  std::vector<std::uint8_t> out;
  out.reserve(6 + value.size());
  for (const std::size_t v : {std::size_t{vendor}, std::size_t{type}, length}) {
    out.push_back(static_cast<std::uint8_t>(v >> 8));
    out.push_back(static_cast<std::uint8_t>(v));
  }
  for (const std::uint8_t b : value) out.push_back(b);
  return out;
}

TEST(Hep, MalformedPacketsAreRejectedWithAReason) {
  const auto src = chunk(0, 3, {192, 0, 2, 1});
  const auto dst = chunk(0, 4, {192, 0, 2, 2});
  const auto payload = chunk(0, 15, {'S', 'I', 'P'});
  struct Case {
    const char* what;
    std::vector<std::uint8_t> bytes;
    HepStatus status;
  };
  const Case cases[] = {
      {"not HEP", {'H', 'T', 'T', 'P', '/', '1'}, HepStatus::not_hep},
      {"HEP2", {'H', 'E', 'P', '2', 0, 6}, HepStatus::not_hep},
      {"total shorter than the header", {'H', 'E', 'P', '3', 0, 4}, HepStatus::malformed},
      {"a chunk of length 3", packet({src, dst, chunk(0, 15, {}, -3)}), HepStatus::malformed},
      {"a chunk past the end", packet({src, dst, chunk(0, 15, {1, 2}, 100)}), HepStatus::malformed},
      {"a header cut by the end", packet({src, dst, payload, {0, 0, 0}}), HepStatus::malformed},
      {"an IPv4 address of 3 bytes", packet({chunk(0, 3, {1, 2, 3}), dst, payload}),
       HepStatus::malformed},
      {"no payload", packet({src, dst}), HepStatus::malformed},
      {"no destination", packet({src, payload}), HepStatus::malformed},
      {"microseconds of a second or more",
       packet({src, dst, payload, chunk(0, 10, {0x00, 0x0f, 0x42, 0x40})}), HepStatus::malformed},
      // Found by fuzz/fuzz_hep: an IPv4 source with an IPv6 destination.
      {"mixed IP versions", packet({src, chunk(0, 6, std::vector<std::uint8_t>(16, 1)), payload}),
       HepStatus::malformed},
      {"unknown chunks are skipped",
       packet({chunk(0x1234, 0x99, {1, 2, 3}), src, chunk(0, 0x77, {9}), dst, payload}),
       HepStatus::ok},
  };
  for (const Case& c : cases) {
    HepMessage m;
    const HepParseResult r = parse_hep3(c.bytes, m);
    EXPECT_EQ(r.status, c.status) << c.what << ": " << r.error;
    if (r.status == HepStatus::malformed) {
      EXPECT_FALSE(r.error.empty()) << c.what;
      EXPECT_GT(r.consumed, 0u) << c.what;  // a stream moves on
    }
  }
}

}  // namespace
}  // namespace sipws
