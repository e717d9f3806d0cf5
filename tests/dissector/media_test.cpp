// RTP, RTCP, STUN and DTLS parsing and the per-stream figures, against synthetic streams whose
// truth is known by construction (the generator below: loss bursts, duplicates, reordering,
// jitter, an SSRC change, DTX gaps, DTMF, a sequence wrap and restart). The packets are
// hand-built bytes: each case is one edge a real capture would need luck to hold.

#include "calls/media.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cmath>
#include <string>
#include <vector>

#include "capture/capture_file.h"
#include "dissector/dtls/dtls.h"
#include "dissector/rtp/rtp.h"
#include "dissector/sip/sip_message.h"
#include "dissector/stun/stun.h"
#include "session/live_analysis.h"
#include "tests/support/test_support.h"

namespace sipws {
namespace {

std::vector<std::uint8_t> rtp_packet(std::uint8_t pt, std::uint16_t seq, std::uint32_t ts,
                                     std::uint32_t ssrc, std::size_t payload = 160,
                                     bool marker = false, bool padding = false) {
  std::vector<std::uint8_t> p(12 + payload, 0xD5);
  p[0] = static_cast<std::uint8_t>(0x80 | (padding ? 0x20 : 0));
  p[1] = static_cast<std::uint8_t>(pt | (marker ? 0x80 : 0));
  p[2] = static_cast<std::uint8_t>(seq >> 8);
  p[3] = static_cast<std::uint8_t>(seq);
  for (int i = 0; i < 4; ++i) {
    p[4 + i] = static_cast<std::uint8_t>(ts >> (24 - 8 * i));
    p[8 + i] = static_cast<std::uint8_t>(ssrc >> (24 - 8 * i));
  }
  return p;
}

// One synthetic packet: what the sender put in it and when it arrived.
struct Sent {
  std::uint16_t seq;
  std::uint32_t ts;
  TimeNs arrival;
};

// A 20 ms PCMU stream (160 timestamp units a packet) of `count` packets starting at `seq0`,
// arriving exactly on time.
std::vector<Sent> steady(std::size_t count, std::uint16_t seq0 = 1000, std::uint32_t ts0 = 5000) {
  std::vector<Sent> out;
  for (std::size_t i = 0; i < count; ++i) {
    out.push_back({static_cast<std::uint16_t>(seq0 + i), static_cast<std::uint32_t>(ts0 + 160 * i),
                   static_cast<TimeNs>(1'000'000'000 + 20'000'000 * i)});
  }
  return out;
}

RtpStreamStats run(const std::vector<Sent>& packets, std::uint8_t pt = 0) {
  RtpStreamStats s;
  std::uint64_t frame = 1;
  for (const Sent& p : packets) {
    const auto bytes = rtp_packet(pt, p.seq, p.ts, 0x1234);
    const auto header = parse_rtp(bytes);
    EXPECT_TRUE(header.has_value());
    s.add(*header, bytes.size(), frame++, p.arrival);
  }
  s.finish();
  return s;
}

TEST(RtpStream, ASteadyStreamHasNoLossNoJitter) {
  const RtpStreamStats s = run(steady(500));
  EXPECT_EQ(s.packets, 500u);
  EXPECT_EQ(s.expected(), 500u);
  EXPECT_EQ(s.lost(), 0u);
  EXPECT_EQ(s.clock_rate, 8000u);  // PCMU, RFC 3551
  EXPECT_NEAR(s.jitter_ms(), 0.0, 1e-9);
  EXPECT_EQ(s.max_delta, 20'000'000);
  EXPECT_EQ(s.bytes, 500u * 172);
}

TEST(RtpStream, LossBurstsAreCountedByLength) {
  // Drop runs of 1, 2, 3 and 12 packets.
  std::vector<Sent> packets;
  const auto all = steady(400);
  for (std::size_t i = 0; i < all.size(); ++i) {
    const bool dropped =
        i == 50 || (i >= 100 && i < 102) || (i >= 200 && i < 203) || (i >= 300 && i < 312);
    if (!dropped) packets.push_back(all[i]);
  }
  const RtpStreamStats s = run(packets);
  EXPECT_EQ(s.expected(), 400u);
  EXPECT_EQ(s.lost(), 18u);
  EXPECT_EQ(s.loss_bursts[0], 1u);
  EXPECT_EQ(s.loss_bursts[1], 1u);
  EXPECT_EQ(s.loss_bursts[2], 1u);
  EXPECT_EQ(s.loss_bursts[9], 1u);  // 10 or more
  EXPECT_EQ(s.duplicates, 0u);
}

TEST(RtpStream, DuplicatesAndReorderingAreNotLoss) {
  auto packets = steady(300);
  // Five duplicates, and three swapped pairs (the later one arrives first).
  for (std::size_t i : {10u, 20u, 30u, 40u, 50u})
    packets.insert(packets.begin() + static_cast<long>(i), packets[i]);
  for (std::size_t i : {100u, 150u, 200u})
    std::swap(packets[i].seq, packets[i + 1].seq), std::swap(packets[i].ts, packets[i + 1].ts);
  const RtpStreamStats s = run(packets);
  EXPECT_EQ(s.packets, 305u);
  EXPECT_EQ(s.duplicates, 5u);
  EXPECT_EQ(s.out_of_order, 3u);
  EXPECT_EQ(s.expected(), 300u);
  EXPECT_EQ(s.lost(), 0u);
}

TEST(RtpStream, AlternatingDelayGivesTheJitterItMust) {
  // Every other packet 5 ms late: the transit time changes by 5 ms at each packet, so the RFC
  // 3550 estimate converges to 5 ms.
  auto packets = steady(400);
  for (std::size_t i = 1; i < packets.size(); i += 2) packets[i].arrival += 5'000'000;
  const RtpStreamStats s = run(packets);
  EXPECT_NEAR(s.jitter_ms(), 5.0, 0.01);
  EXPECT_NEAR(s.max_jitter_ms(), 5.0, 0.01);
  EXPECT_LT(s.mean_jitter_ms(), 5.0);
  EXPECT_GT(s.mean_jitter_ms(), 4.0);
  EXPECT_EQ(s.max_delta, 25'000'000);
}

TEST(RtpStream, DtxSilenceIsNotLoss) {
  // 2 s of silence with the sequence going on (timestamps jump), then 2 s with 3 packets lost.
  auto packets = steady(100);
  for (std::size_t i = 50; i < packets.size(); ++i) {
    packets[i].arrival += 2'000'000'000;
    packets[i].ts += 16000;
  }
  std::vector<Sent> later =
      steady(50, static_cast<std::uint16_t>(1000 + 100 + 3), 5000 + 160 * 103 + 16000 * 2);
  for (Sent& p : later) p.arrival += 5'500'000'000;
  packets.insert(packets.end(), later.begin(), later.end());
  const RtpStreamStats s = run(packets);
  EXPECT_EQ(s.silent_gaps, 1u);
  EXPECT_EQ(s.lossy_gaps, 1u);
  EXPECT_EQ(s.lost(), 3u);
  EXPECT_GE(s.longest_gap, 2'000'000'000);
}

TEST(RtpStream, SequenceWrapIsSeamlessAndARestartIsSeen) {
  const RtpStreamStats wrapped = run(steady(200, 65500));
  EXPECT_EQ(wrapped.expected(), 200u);
  EXPECT_EQ(wrapped.lost(), 0u);

  RtpStreamStats s;
  std::uint64_t frame = 1;
  auto add = [&](std::uint16_t seq, std::uint32_t ts) {
    const auto bytes = rtp_packet(8, seq, ts, 7);
    const std::uint64_t this_frame = frame++;
    return s.add(*parse_rtp(bytes), bytes.size(), this_frame,
                 static_cast<TimeNs>(this_frame) * 20'000'000);
  };
  for (std::uint16_t seq = 5000; seq < 5100; ++seq) add(seq, seq * 160u);
  // SIPp replaying its file again: back to 1000. Two in a row confirm it (RFC 3550 A.1).
  EXPECT_EQ(add(1000, 0), RtpStreamStats::Verdict::late);
  EXPECT_EQ(add(1001, 160), RtpStreamStats::Verdict::restart);
}

TEST(RtpStream, APacketFarBehindButInTheWindowIsLateNotLostNorARestart) {
  auto packets = steady(300);
  const Sent held_back = packets[100];
  packets.erase(packets.begin() + 100);
  packets.push_back(held_back);  // 199 numbers late
  packets.push_back({1300, 5000 + 160 * 300, packets.back().arrival + 20'000'000});
  const RtpStreamStats s = run(packets);
  EXPECT_EQ(s.lost(), 0u);
  EXPECT_EQ(s.out_of_order, 1u);
  EXPECT_EQ(s.expected(), 301u);
}

TEST(RtpStream, ARestartsFirstPacketLeavesTheJitterAlone) {
  RtpStreamStats s;
  for (std::uint16_t i = 0; i < 50; ++i) {
    const auto bytes =
        rtp_packet(0, static_cast<std::uint16_t>(40000 + i), 1'000'000'000u + i * 160u, 5);
    s.add(*parse_rtp(bytes), bytes.size(), i + 1u, TimeNs{i} * 20'000'000);
  }
  const double before = s.jitter_ms();
  const auto jump = rtp_packet(0, 100, 5000, 5);
  EXPECT_EQ(s.add(*parse_rtp(jump), jump.size(), 51, TimeNs{50} * 20'000'000),
            RtpStreamStats::Verdict::late);
  EXPECT_EQ(s.jitter_ms(), before);
  EXPECT_EQ(s.out_of_order, 0u);
  EXPECT_EQ(s.packets, 51u);
}

TEST(RtpStream, ADynamicPayloadTypeLearnsItsClockAndDtmfIsRead) {
  // Opus at 48 kHz, 20 ms: 960 units a packet; the rate is not static, so it is measured.
  RtpStreamStats s;
  for (std::uint32_t i = 0; i < 100; ++i) {
    const auto bytes = rtp_packet(111, static_cast<std::uint16_t>(i), 960 * i, 9, 80);
    s.add(*parse_rtp(bytes), bytes.size(), i + 1,
          static_cast<TimeNs>(i) * 20'000'000 + (i % 2) * 1'000'000);
  }
  // Every other packet 1 ms late: the jitter converges to 1 ms, measured once the rate is known.
  EXPECT_EQ(s.clock_rate, 48000u);
  EXPECT_NEAR(s.jitter_ms(), 1.0, 0.2);
  // RFC 4733 events on type 101: digit 5 (three packets, one event), then digit # (11).
  auto event = [&](std::uint8_t digit, std::uint32_t ts, std::uint16_t duration,
                   std::uint16_t seq) {
    auto bytes = rtp_packet(101, seq, ts, 9, 4);
    bytes[12] = digit;
    bytes[13] = 0x0A;
    bytes[14] = static_cast<std::uint8_t>(duration >> 8);
    bytes[15] = static_cast<std::uint8_t>(duration);
    s.add(*parse_rtp(bytes), bytes.size(), 200u + seq,
          TimeNs{2'000'000'000} + TimeNs{seq} * 20'000'000);
  };
  event(5, 96000, 160, 100);
  event(5, 96000, 320, 101);
  event(5, 96000, 480, 102);
  event(11, 99000, 160, 103);
  s.finish();
  ASSERT_EQ(s.event_count, 2u);
  EXPECT_EQ(telephone_event_char(s.events[0].event), '5');
  EXPECT_EQ(s.events[0].duration, 480);
  EXPECT_EQ(telephone_event_char(s.events[1].event), '#');
  EXPECT_EQ(s.event_payload_type, 101);
}

// The timeline of a stream, fed as MediaTracker feeds it.
RtpTimeline timeline_of(const std::vector<Sent>& packets) {
  RtpStreamStats s;
  RtpTimeline t;
  std::uint64_t frame = 1;
  for (const Sent& p : packets) {
    const auto bytes = rtp_packet(0, p.seq, p.ts, 0x1234);
    const auto header = parse_rtp(bytes);
    EXPECT_TRUE(header.has_value());
    t.add(s, s.add(*header, bytes.size(), frame++, p.arrival), p.arrival);
  }
  return t;
}

TEST(RtpTimeline, CountsEachSecondsPacketsLossAndDuplicates) {
  // 10 s of 50 packets a second; in the fourth second packets 160..169 are lost, in the sixth
  // three arrive twice.
  std::vector<Sent> packets;
  const auto all = steady(500);
  for (std::size_t i = 0; i < all.size(); ++i) {
    if (i >= 160 && i < 170) continue;
    packets.push_back(all[i]);
    if (i == 260 || i == 270 || i == 280) packets.push_back(all[i]);
  }
  const RtpTimeline t = timeline_of(packets);
  ASSERT_EQ(t.bins().size(), 10u);
  EXPECT_EQ(t.bin_width(), RtpTimeline::kFirstBinWidth);
  EXPECT_EQ(t.start(), all.front().arrival);
  for (std::size_t b = 0; b < 10; ++b) {
    const RtpTimeline::Bin& bin = t.bins()[b];
    EXPECT_EQ(bin.packets, b == 3 ? 40u : b == 5 ? 53u : 50u) << b;
    EXPECT_EQ(bin.received, b == 3 ? 40u : 50u) << b;
    EXPECT_EQ(bin.lost(), b == 3 ? 10u : 0u) << b;
  }
}

TEST(RtpTimeline, ALongStreamMergesIntervalsAndLosesNoPacket) {
  // 30 minutes at 50 packets a second: 1,800 one-second intervals would be too many.
  const auto packets = steady(90'000);
  const RtpTimeline t = timeline_of(packets);
  EXPECT_LE(t.bins().size(), RtpTimeline::kMaxBins);
  EXPECT_EQ(t.bin_width(), 4 * RtpTimeline::kFirstBinWidth);
  std::uint64_t total = 0;
  for (const RtpTimeline::Bin& bin : t.bins()) {
    total += bin.packets;
    EXPECT_EQ(bin.lost(), 0u);
  }
  EXPECT_EQ(total, packets.size());
  EXPECT_EQ(t.bins().front().packets, 200u);  // 4 s
}

TEST(RtpParse, RejectsWhatIsNotRtp) {
  auto bytes = rtp_packet(0, 1, 2, 3);
  EXPECT_TRUE(parse_rtp(bytes));
  bytes[0] = 0x40;  // version 1
  EXPECT_FALSE(parse_rtp(bytes));
  bytes[0] = 0x8F;  // 15 CSRCs: 72 bytes of header in a 172-byte packet
  EXPECT_TRUE(parse_rtp(bytes));
  bytes.resize(40);
  EXPECT_FALSE(parse_rtp(bytes));
  // An extension whose length runs past the packet.
  auto ext = rtp_packet(0, 1, 2, 3, 8);
  ext[0] = 0x90;
  ext[12] = 0xBE;
  ext[13] = 0xDE;
  ext[15] = 9;
  EXPECT_FALSE(parse_rtp(ext));
}

TEST(RtcpParse, ReadsReportsAndTellsSrtcp) {
  // SR (one report block) + SDES, a plain compound.
  std::vector<std::uint8_t> sr = {
      0x81, 200,  0,    12,   0,    0,    0,    1,     // V=2 RC=1, length 12 words
      0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,  // NTP
      0,    0,    0,    0,    0,    0,    0,    50,   0, 0, 0x1F, 0x40,  // RTP ts, counts
      0,    0,    0,    2,                                               // source
      64,   0xFF, 0xFF, 0xFE,                                            // 25% lost, -2
      0,    1,    0,    10,   0,    0,    0,    80,                      // ext seq, jitter
      0xAA, 0xBB, 0xCC, 0xDD, 0,    1,    0,    0};                      // LSR, DLSR
  std::vector<std::uint8_t> sdes = {0x81, 202, 0, 1, 0, 0, 0, 1};
  std::vector<std::uint8_t> compound = sr;
  compound.insert(compound.end(), sdes.begin(), sdes.end());
  const auto r = parse_rtcp(compound);
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->encrypted);
  EXPECT_TRUE(r->has_sr);
  EXPECT_EQ(r->sr_ntp_middle, 0x33445566u);
  EXPECT_EQ(r->sr_packet_count, 50u);
  ASSERT_EQ(r->reports, 1);
  EXPECT_EQ(r->report[0].source, 2u);
  EXPECT_EQ(r->report[0].fraction_lost, 64);
  EXPECT_EQ(r->report[0].cumulative_lost, -2);
  EXPECT_EQ(r->report[0].jitter, 80u);
  EXPECT_EQ(r->report[0].last_sr, 0xAABBCCDDu);
  EXPECT_EQ(r->report[0].delay_since_last_sr, 65536u);
  // SRTCP appends an index and a tag: the lengths no longer add up.
  compound.insert(compound.end(), 14, 0x42);
  const auto s = parse_rtcp(compound);
  ASSERT_TRUE(s);
  EXPECT_TRUE(s->encrypted);
  EXPECT_EQ(s->first_type, 200);
}

std::vector<std::uint8_t> stun_request(std::string_view username, std::string_view password) {
  std::vector<std::uint8_t> m = {0x00, 0x01, 0, 0, 0x21, 0x12, 0xA4, 0x42};
  for (int i = 0; i < 12; ++i) m.push_back(static_cast<std::uint8_t>(i + 1));
  auto attribute = [&](std::uint16_t type, std::vector<std::uint8_t> value) {
    m.push_back(static_cast<std::uint8_t>(type >> 8));
    m.push_back(static_cast<std::uint8_t>(type));
    m.push_back(0);
    m.push_back(static_cast<std::uint8_t>(value.size()));
    m.insert(m.end(), value.begin(), value.end());
    while (m.size() % 4 != 0) m.push_back(0);
  };
  attribute(0x0006, std::vector<std::uint8_t>(username.begin(), username.end()));
  attribute(0x0025, {});                        // USE-CANDIDATE
  attribute(0x802A, {1, 2, 3, 4, 5, 6, 7, 8});  // ICE-CONTROLLING
  // MESSAGE-INTEGRITY over everything before it, with the length counting it (RFC 8489 §14.5).
  const std::size_t length = m.size() - 20 + 24;
  m[2] = static_cast<std::uint8_t>(length >> 8);
  m[3] = static_cast<std::uint8_t>(length);
  unsigned char digest[20];
  unsigned int digest_length = 0;
  HMAC(EVP_sha1(), password.data(), static_cast<int>(password.size()), m.data(), m.size(), digest,
       &digest_length);
  attribute(0x0008, std::vector<std::uint8_t>(digest, digest + 20));
  return m;
}

TEST(Stun, ReadsAChecksAttributesAndVerifiesItsIntegrity) {
  const auto bytes = stun_request("bobf:alic", "the-receivers-ice-pwd-123");
  const auto m = parse_stun(bytes);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->method, 1);
  EXPECT_EQ(m->message_class, StunClass::request);
  EXPECT_EQ(m->username, "bobf:alic");
  EXPECT_TRUE(m->use_candidate);
  EXPECT_TRUE(m->controlling);
  EXPECT_EQ(verify_stun_integrity(bytes, *m, "the-receivers-ice-pwd-123"), true);
  EXPECT_EQ(verify_stun_integrity(bytes, *m, "a-stale-password-from-before"), false);
  // A success response with XOR-MAPPED-ADDRESS 192.0.2.7:40000.
  std::vector<std::uint8_t> r = {0x01, 0x01, 0, 12, 0x21, 0x12, 0xA4, 0x42};
  for (int i = 0; i < 12; ++i) r.push_back(static_cast<std::uint8_t>(i + 1));
  const std::uint16_t port = 40000 ^ 0x2112;
  r.insert(r.end(), {0x00, 0x20, 0, 8, 0, 1, static_cast<std::uint8_t>(port >> 8),
                     static_cast<std::uint8_t>(port), 192 ^ 0x21, 0 ^ 0x12, 2 ^ 0xA4, 7 ^ 0x42});
  const auto response = parse_stun(r);
  ASSERT_TRUE(response);
  EXPECT_EQ(response->message_class, StunClass::success);
  ASSERT_TRUE(response->mapped);
  EXPECT_EQ(response->mapped->to_string(), "192.0.2.7:40000");
  EXPECT_FALSE(verify_stun_integrity(r, *response, "x").has_value());
  // A length past the datagram is not STUN.
  r[3] = 40;
  EXPECT_FALSE(parse_stun(r));
}

TEST(Dtls, ReadsTheServerHelloAlertsAndUnifiedHeaders) {
  // A DTLS 1.2 record holding a ServerHello with use_srtp (profile 1) and, in the same
  // datagram, a plaintext fatal alert bad_certificate.
  std::vector<std::uint8_t> body = {0xFE, 0xFD};
  body.insert(body.end(), 32, 0x11);                                 // random
  body.push_back(0);                                                 // session id
  body.insert(body.end(), {0xC0, 0x2B, 0});                          // cipher, compression
  body.insert(body.end(), {0, 9, 0x00, 0x0E, 0, 5, 0, 2, 0, 1, 0});  // extensions: use_srtp
  std::vector<std::uint8_t> handshake = {2, 0, 0, static_cast<std::uint8_t>(body.size()),
                                         0, 1, 0, 0,
                                         0, 0, 0, static_cast<std::uint8_t>(body.size())};
  handshake.insert(handshake.end(), body.begin(), body.end());
  std::vector<std::uint8_t> datagram = {
      22, 0xFE, 0xFD, 0, 0, 0, 0, 0, 0, 0, 1, 0, static_cast<std::uint8_t>(handshake.size())};
  datagram.insert(datagram.end(), handshake.begin(), handshake.end());
  datagram.insert(datagram.end(), {21, 0xFE, 0xFD, 0, 0, 0, 0, 0, 0, 0, 2, 0, 2, 2, 42});
  const auto d = parse_dtls(datagram);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->records, 2);
  EXPECT_TRUE(d->server_hello);
  EXPECT_EQ(dtls_version_name(d->version), "1.2");
  EXPECT_EQ(srtp_profile_name(d->srtp_profile), "SRTP_AES128_CM_HMAC_SHA1_80");
  EXPECT_TRUE(d->alert);
  EXPECT_EQ(tls_alert_name(d->alert_description), "bad_certificate");
  // DTLS 1.3's unified header (0x2E: 16-bit sequence, a length, epoch 2): encrypted.
  const std::vector<std::uint8_t> unified = {0x2E, 0x00, 0x05, 0x00, 0x03, 1, 2, 3};
  const auto u = parse_dtls(unified);
  ASSERT_TRUE(u);
  EXPECT_EQ(u->encrypted_records, 1);
  // A record whose length runs past the datagram is not read.
  EXPECT_FALSE(
      parse_dtls(std::vector<std::uint8_t>{22, 0xFE, 0xFD, 0, 0, 0, 0, 0, 0, 0, 1, 0, 99}));
}

TEST(MediaTracker, KeysStreamsByAddressesPortsAndSsrc) {
  MediaTracker tracker;
  UdpFlowInfo flow;
  flow.client.address = IpAddress::v4(std::array<std::uint8_t, 4>{10, 0, 0, 1}.data());
  flow.client.port = 6000;
  flow.server.address = IpAddress::v4(std::array<std::uint8_t, 4>{10, 0, 0, 2}.data());
  flow.server.port = 6000;
  auto send = [&](Direction direction, std::uint32_t ssrc, std::uint16_t seq, TimeNs t) {
    const auto bytes = rtp_packet(8, seq, seq * 160u, ssrc);
    UdpDatagram d;
    d.direction = direction;
    d.payload = bytes;
    d.frame = static_cast<std::uint64_t>(t);
    d.timestamp = t;
    tracker.on_datagram(flow, d, classify_datagram(bytes));
  };
  // The same SSRC both ways (as SIPp sends), then an SSRC change one way.
  for (std::uint16_t i = 0; i < 10; ++i) {
    send(Direction::to_server, 77, i, i * 20 + 1);
    send(Direction::to_client, 77, static_cast<std::uint16_t>(500 + i), i * 20 + 2);
  }
  for (std::uint16_t i = 0; i < 5; ++i) send(Direction::to_server, 78, i, 300 + i * 20);
  // RTP inside TURN ChannelData (channel 0x4001), as a relayed client sends it.
  for (std::uint16_t i = 0; i < 4; ++i) {
    const auto inner = rtp_packet(8, i, i * 160u, 79, 20);
    std::vector<std::uint8_t> channel = {0x40, 0x01, 0, static_cast<std::uint8_t>(inner.size())};
    channel.insert(channel.end(), inner.begin(), inner.end());
    ASSERT_EQ(classify_datagram(channel), DatagramKind::turn_channel);
    UdpDatagram d;
    d.direction = Direction::to_server;
    d.payload = channel;
    d.frame = 1000 + i;
    d.timestamp = 1000 + i * 20;
    tracker.on_datagram(flow, d, DatagramKind::turn_channel);
  }
  tracker.finish();
  ASSERT_EQ(tracker.streams().size(), 4u);
  EXPECT_EQ(tracker.streams()[3].ssrc, 79u);
  EXPECT_EQ(tracker.streams()[3].rtp.packets, 4u);
  EXPECT_EQ(tracker.streams()[0].rtp.packets, 10u);
  EXPECT_EQ(tracker.streams()[1].rtp.packets, 10u);
  EXPECT_EQ(tracker.streams()[1].src.port, 6000);
  EXPECT_EQ(tracker.streams()[2].ssrc, 78u);
}

TEST(EModel, FollowsG107AndSaysItsInputs) {
  const EModel clean = e_model("PCMA/8000", 0, std::nullopt);
  EXPECT_NEAR(clean.r, 93.2, 1e-9);
  EXPECT_NEAR(clean.mos, 4.41, 0.005);
  // 5% random loss on G.711 with PLC: Ie,eff = 95 * 5 / (5 + 25.1).
  const EModel lossy = e_model("PCMU/8000", 5, std::nullopt);
  EXPECT_NEAR(lossy.r, 93.2 - 95 * 5 / 30.1, 1e-9);
  EXPECT_NEAR(lossy.mos, 3.92, 0.01);
  const EModel g729 = e_model("G729/8000", 0, 200.0);
  EXPECT_NEAR(g729.r, 93.2 - 11 - (0.024 * 200 + 0.11 * (200 - 177.3)), 1e-9);
  EXPECT_NE(g729.inputs.find("G.729A"), std::string::npos);
  EXPECT_NE(e_model("opus/48000/2", 0, std::nullopt).inputs.find("OPUS as G.711"),
            std::string::npos);
}

// Association and verdicts: a call's SIP (with its SDPs) into a CallStore, its media into a
// MediaTracker, as the analysis does; each scenario is what one failure looks like on the wire.
class MediaCallTest : public ::testing::Test {
 protected:
  Endpoint alice = test::endpoint("10.0.0.1", 5060);
  Endpoint bob = test::endpoint("10.0.0.2", 5060);

  static std::string sdp(const std::string& ip, int port, const std::string& extra = "",
                         const std::string& formats = "0 101") {
    return "v=0\r\no=- 1 1 IN IP4 " + ip + "\r\ns=-\r\nc=IN IP4 " + ip + "\r\nt=0 0\r\nm=audio " +
           std::to_string(port) + " RTP/AVP " + formats +
           "\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\n" + extra;
  }
  // One SIP message at `seconds`; `caller_sent` picks the From tag's owner (the caller's tag
  // on requests it sends and on the responses to them).
  void sip(const Endpoint& from, const Endpoint& to, const std::string& first_line,
           const std::string& cseq, double seconds, const std::string& body = "",
           const std::string& to_tag = "") {
    std::string text = first_line + "\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK-" + cseq.substr(0, 1) +
                       "\r\nFrom: <sip:alice@x>;tag=caller\r\nTo: <sip:bob@x>" +
                       (to_tag.empty() ? "" : ";tag=" + to_tag) +
                       "\r\nCall-ID: media-1\r\nCSeq: " + cseq + "\r\n" +
                       (body.empty() ? "" : "Content-Type: application/sdp\r\n") +
                       "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
    SipMessageRecord r;
    r.frame = ++frame_;
    r.timestamp = static_cast<TimeNs>(seconds * 1e9);
    r.src = from;
    r.dst = to;
    r.transport = SipTransport::udp;
    r.bytes.assign(text.begin(), text.end());
    ASSERT_EQ(parse_sip_message(std::string_view(r.bytes.data(), r.bytes.size()), r.sip).status,
              SipParseStatus::ok);
    store_.on_sip_message(std::move(r));
  }
  // An answered call: INVITE at 0 s, 200 at 1 s, ACK, BYE at `end`.
  void call(const std::string& offer, const std::string& answer, double end = 30) {
    sip(alice, bob, "INVITE sip:bob@x SIP/2.0", "1 INVITE", 0, offer);
    sip(bob, alice, "SIP/2.0 200 OK", "1 INVITE", 1, answer, "callee");
    sip(alice, bob, "ACK sip:bob@x SIP/2.0", "1 ACK", 1.1, "", "callee");
    sip(alice, bob, "BYE sip:bob@x SIP/2.0", "2 BYE", end, "", "callee");
    sip(bob, alice, "SIP/2.0 200 OK", "2 BYE", end + 0.01, "", "callee");
  }
  void datagram(const Endpoint& from, const Endpoint& to, const std::vector<std::uint8_t>& bytes,
                double seconds) {
    UdpFlowInfo flow;
    flow.client = from < to ? from : to;
    flow.server = from < to ? to : from;
    UdpDatagram d;
    d.direction = from == flow.client ? Direction::to_server : Direction::to_client;
    d.payload = bytes;
    d.frame = ++frame_;
    d.timestamp = static_cast<TimeNs>(seconds * 1e9);
    tracker_.on_datagram(flow, d, classify_datagram(bytes));
  }
  // 20 ms PCMU from `from` to `to` between two times; every `drop`-th packet lost.
  void rtp(const Endpoint& from, const Endpoint& to, std::uint32_t ssrc, double start, double stop,
           int drop = 0, std::uint8_t pt = 0) {
    std::uint16_t seq = 100;
    for (double t = start; t < stop; t += 0.02, ++seq) {
      if (drop != 0 && seq % drop == 0) continue;
      datagram(from, to, rtp_packet(pt, seq, seq * 160u, ssrc), t);
    }
  }
  const CallMedia& judge() {
    store_.finish();
    report_ = associate_media(store_, tracker_);
    return report_.calls.at(0);
  }
  std::size_t count(FindingId id) const {
    return static_cast<std::size_t>(std::count_if(report_.findings.begin(), report_.findings.end(),
                                                  [&](const Finding& f) { return f.id == id; }));
  }

  CallStore store_{false};
  MediaTracker tracker_;
  MediaReport report_;
  std::uint64_t frame_ = 0;
};

TEST_F(MediaCallTest, PlainRtpBothWaysWithLossDtmfAStrangerAndAnUnofferedType) {
  call(sdp("10.0.0.1", 4000), sdp("10.0.0.2", 5000));
  const Endpoint a = test::endpoint("10.0.0.1", 4000);
  const Endpoint b = test::endpoint("10.0.0.2", 5000);
  rtp(a, b, 0xA, 1.2, 20, 10);  // 10% loss
  rtp(b, a, 0xB, 1.2, 20);
  // DTMF '5' on the telephone-event type, inside alice's stream.
  for (int i = 0; i < 3; ++i) {
    auto e = rtp_packet(101, static_cast<std::uint16_t>(2000 + i), 50000, 0xA, 4);
    e[12] = 5;
    datagram(a, b, e, 19.5 + 0.02 * i);
  }
  rtp(test::endpoint("10.0.0.9", 7000), b, 0xC, 2, 3);  // from an address no SDP announced
  rtp(b, a, 0xD, 21, 22, 0, 96);                        // a payload type nobody offered
  const CallMedia& m = judge();
  EXPECT_EQ(m.verdict, MediaVerdict::both_ways);
  EXPECT_TRUE(m.reason.empty());
  const auto& streams = tracker_.streams();
  ASSERT_EQ(streams.size(), 4u);
  EXPECT_EQ(streams[0].way, MediaWay::caller_to_callee);
  EXPECT_EQ(streams[1].way, MediaWay::callee_to_caller);
  EXPECT_EQ(streams[0].codec, "PCMU/8000");
  EXPECT_EQ(streams[0].kind, MediaKind::rtp);
  EXPECT_EQ(streams[0].dtmf, "5");
  EXPECT_TRUE(streams[2].unexpected_source);
  EXPECT_TRUE(streams[3].unknown_payload_type);
  ASSERT_TRUE(m.mos[0] && m.mos[1]);
  EXPECT_LT(*m.mos[0], *m.mos[1]);  // the lossy way scores lower
  EXPECT_EQ(count(FindingId::media_loss), 1u);
  EXPECT_EQ(count(FindingId::media_unexpected_source), 1u);
  EXPECT_EQ(count(FindingId::media_unexpected_payload_type), 1u);
  EXPECT_EQ(count(FindingId::media_one_way), 0u);
}

TEST_F(MediaCallTest, OneWayNoneAndStopped) {
  call(sdp("10.0.0.1", 4000), sdp("10.0.0.2", 5000));
  rtp(test::endpoint("10.0.0.1", 4000), test::endpoint("10.0.0.2", 5000), 0xA, 1.2, 20);
  EXPECT_EQ(judge().verdict, MediaVerdict::caller_to_callee_only);
  EXPECT_EQ(count(FindingId::media_one_way), 1u);
}

TEST_F(MediaCallTest, NoMediaAtAll) {
  call(sdp("10.0.0.1", 4000), sdp("10.0.0.2", 5000));
  // The capture sees these hosts' media (another call's, on other ports), none of this call's.
  rtp(test::endpoint("10.0.0.2", 7000), test::endpoint("10.0.0.1", 7000), 0xE, 1, 3);
  EXPECT_EQ(judge().verdict, MediaVerdict::none);
  EXPECT_EQ(count(FindingId::media_none), 1u);
  EXPECT_EQ(report_.orphan_streams, 1u);
}

TEST_F(MediaCallTest, ACallWhoseMediaHostsTheCaptureNeverSawIsNotJudged) {
  // A proxy's capture: media of other hosts only (this call's was not anchored here).
  call(sdp("10.0.0.1", 4000), sdp("10.0.0.2", 5000));
  rtp(test::endpoint("10.9.9.9", 7000), test::endpoint("10.9.9.8", 7000), 0xE, 1, 3);
  EXPECT_EQ(judge().verdict, MediaVerdict::none);
  EXPECT_TRUE(report_.findings.empty());
}

TEST_F(MediaCallTest, SilenceOnHoldIsNotAStoppedDirection) {
  // Both ways, then the caller holds (sendonly / recvonly) and only the caller's music flows.
  call(sdp("10.0.0.1", 4000), sdp("10.0.0.2", 5000));
  sip(alice, bob, "INVITE sip:bob@x SIP/2.0", "3 INVITE", 10,
      sdp("10.0.0.1", 4000, "a=sendonly\r\n") + "a=x:1\r\n", "callee");
  sip(bob, alice, "SIP/2.0 200 OK", "3 INVITE", 10.1, sdp("10.0.0.2", 5000, "a=recvonly\r\n"),
      "callee");
  const Endpoint a = test::endpoint("10.0.0.1", 4000);
  const Endpoint b = test::endpoint("10.0.0.2", 5000);
  rtp(a, b, 0xA, 1.2, 29);
  rtp(b, a, 0xB, 1.2, 10);
  // Media did flow both ways; the silence since is the hold's.
  EXPECT_EQ(judge().verdict, MediaVerdict::both_ways);
  EXPECT_EQ(count(FindingId::media_stopped), 0u);
  EXPECT_TRUE(report_.findings.empty());
}

TEST_F(MediaCallTest, ACaptureOfSignallingOnlyJudgesNothing) {
  call(sdp("10.0.0.1", 4000), sdp("10.0.0.2", 5000));
  EXPECT_EQ(judge().verdict, MediaVerdict::none);
  EXPECT_TRUE(report_.findings.empty());
}

TEST_F(MediaCallTest, ADirectionThatStopsWhileTheOtherGoesOn) {
  call(sdp("10.0.0.1", 4000), sdp("10.0.0.2", 5000));
  const Endpoint a = test::endpoint("10.0.0.1", 4000);
  const Endpoint b = test::endpoint("10.0.0.2", 5000);
  rtp(a, b, 0xA, 1.2, 20);
  rtp(b, a, 0xB, 1.2, 8);
  const CallMedia& m = judge();
  EXPECT_EQ(m.verdict, MediaVerdict::caller_to_callee_only);
  EXPECT_EQ(m.reason, "media_stopped");
  EXPECT_EQ(count(FindingId::media_stopped), 1u);
}

TEST_F(MediaCallTest, OnHoldAsNegotiatedIsNotAFault) {
  call(sdp("10.0.0.1", 4000, "a=sendonly\r\n"), sdp("10.0.0.2", 5000, "a=recvonly\r\n"));
  rtp(test::endpoint("10.0.0.1", 4000), test::endpoint("10.0.0.2", 5000), 0xA, 1.2, 20);
  EXPECT_EQ(judge().verdict, MediaVerdict::held);
  EXPECT_TRUE(report_.findings.empty());
}

TEST_F(MediaCallTest, WebRtcIceChecksUnansweredWithStaleCredentialsAndARoleConflict) {
  const std::string ice_a =
      "a=ice-ufrag:aaaa\r\na=ice-pwd:alice-password-0123456789\r\n"
      "a=candidate:1 1 udp 2122260223 10.0.0.1 50000 typ host\r\n";
  const std::string ice_b =
      "a=ice-ufrag:bbbb\r\na=ice-pwd:bob-password-0123456789ab\r\n"
      "a=candidate:1 1 udp 2122260223 10.0.0.2 60000 typ host\r\n";
  call(sdp("0.0.0.0", 9, ice_a), sdp("0.0.0.0", 9, ice_b));
  const Endpoint a = test::endpoint("10.0.0.1", 50000);
  const Endpoint b = test::endpoint("10.0.0.2", 60000);
  // alice's checks to bob, signed with a password that is not bob's: never answered.
  for (int i = 0; i < 5; ++i)
    datagram(a, b, stun_request("bbbb:aaaa", "not-bobs-password"), 1.2 + i);
  // One 487 from bob to a check of alice's on another pair.
  const Endpoint a2 = test::endpoint("10.0.0.1", 50002);
  auto request = stun_request("bbbb:aaaa", "bob-password-0123456789ab");
  datagram(a2, b, request, 2);
  std::vector<std::uint8_t> error = {0x01, 0x11, 0, 8, 0x21, 0x12, 0xA4, 0x42};
  error.insert(error.end(), request.begin() + 8, request.begin() + 20);
  error.insert(error.end(), {0x00, 0x09, 0, 4, 0, 0, 4, 87});
  datagram(b, a2, error, 2.01);
  const CallMedia& m = judge();
  EXPECT_TRUE(m.webrtc);
  EXPECT_EQ(m.verdict, MediaVerdict::none);
  EXPECT_EQ(m.reason, "ice_unanswered");
  ASSERT_EQ(m.pairs.size(), 2u);
  EXPECT_EQ(tracker_.pairs()[0].a_is_caller, true);
  EXPECT_EQ(tracker_.pairs()[0].integrity_ok[0], false);
  EXPECT_EQ(tracker_.pairs()[1].integrity_ok[0], true);
  EXPECT_EQ(count(FindingId::media_ice_failed), 1u);
  EXPECT_EQ(count(FindingId::media_ice_integrity), 1u);
  EXPECT_EQ(count(FindingId::media_ice_role_conflict), 1u);
  EXPECT_EQ(count(FindingId::media_none), 1u);
}

TEST_F(MediaCallTest, DtlsWithTheWrongCertificateTheWrongClientAndAnAlert) {
  // alice offers passive (she will be the DTLS server) and a fingerprint no certificate has;
  // yet it is alice who sends the ClientHello.
  const std::string fingerprint =
      "a=fingerprint:sha-256 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:"
      "66:77:88:99:AA:BB:CC:DD:EE:FF\r\n";
  call(sdp("10.0.0.1", 4000, fingerprint + "a=setup:passive\r\n"),
       sdp("10.0.0.2", 5000, fingerprint + "a=setup:active\r\n"));
  const Endpoint a = test::endpoint("10.0.0.1", 4000);
  const Endpoint b = test::endpoint("10.0.0.2", 5000);
  auto record = [](std::uint8_t type, std::vector<std::uint8_t> body) {
    std::vector<std::uint8_t> r = {type,
                                   0xFE,
                                   0xFD,
                                   0,
                                   0,
                                   0,
                                   0,
                                   0,
                                   0,
                                   0,
                                   1,
                                   static_cast<std::uint8_t>(body.size() >> 8),
                                   static_cast<std::uint8_t>(body.size())};
    r.insert(r.end(), body.begin(), body.end());
    return r;
  };
  auto handshake = [](std::uint8_t type, std::vector<std::uint8_t> body) {
    const auto n = static_cast<std::uint8_t>(body.size());
    std::vector<std::uint8_t> h = {type, 0, 0, n, 0, 0, 0, 0, 0, 0, 0, n};
    h.insert(h.end(), body.begin(), body.end());
    return h;
  };
  datagram(a, b, record(22, handshake(1, std::vector<std::uint8_t>(40, 0x01))), 1.2);
  std::vector<std::uint8_t> server_hello = {0xFE, 0xFD};
  server_hello.insert(server_hello.end(), 32, 0x22);
  server_hello.insert(server_hello.end(), {0, 0xC0, 0x2B, 0, 0, 0});
  std::vector<std::uint8_t> der = {0x30, 0x03, 0x02, 0x01, 0x05};  // a "certificate"
  std::vector<std::uint8_t> certificate = {0, 0, 8, 0, 0, 5};
  certificate.insert(certificate.end(), der.begin(), der.end());
  auto flight = record(22, handshake(2, server_hello));
  const auto cert_record = record(22, handshake(11, certificate));
  flight.insert(flight.end(), cert_record.begin(), cert_record.end());
  datagram(b, a, flight, 1.25);
  datagram(a, b, record(21, {2, 42}), 1.3);  // fatal bad_certificate
  const CallMedia& m = judge();
  ASSERT_EQ(m.dtls.size(), 1u);
  const DtlsSession& session = tracker_.dtls()[0];
  EXPECT_EQ(session.client, a);
  EXPECT_EQ(session.fingerprint_ok, false);
  EXPECT_FALSE(session.completed);
  EXPECT_EQ(m.reason, "dtls_fingerprint_mismatch");
  EXPECT_EQ(count(FindingId::media_dtls_fingerprint_mismatch), 1u);
  EXPECT_EQ(count(FindingId::media_dtls_alert), 1u);
  EXPECT_EQ(count(FindingId::media_dtls_failed), 1u);
  EXPECT_EQ(count(FindingId::media_dtls_role_mismatch), 1u);
}

// A live analysis judges each call's media as the call leaves memory, with the same verdict as
// the file's analysis: the media samples read packet by packet through LiveAnalysis.
struct LeftCalls final : LiveCallObserver {
  void on_call_message(const Call&, std::uint64_t, bool) override {}
  void on_call_left(const Call& call, std::uint64_t, const CallMedia* media) override {
    if (call.first_method == "INVITE")
      verdicts.push_back(media ? media->verdict : MediaVerdict::no_sdp);
  }
  std::vector<MediaVerdict> verdicts;
};

std::vector<MediaVerdict> live_verdicts(const std::string& name) {
  std::string error;
  auto file = CaptureFile::open(test::samples_dir() + "/media/" + name, error);
  EXPECT_TRUE(file) << error;
  if (!file) return {};
  FindingCollector findings;
  LeftCalls left;
  AnalysisLimits limits;
  limits.live_calls.linger = 2'000'000'000;  // calls leave while the capture goes on
  LiveAnalysis live(limits, findings, nullptr, &left);
  RawPacket packet;
  while (file->next(packet) == ReadStatus::packet) live.on_packet(packet);
  live.finish();
  return left.verdicts;
}

TEST(LiveMedia, EachCallIsJudgedAsItLeaves) {
  EXPECT_EQ(live_verdicts("rtp-loss.pcap"), std::vector<MediaVerdict>{MediaVerdict::both_ways});
  EXPECT_EQ(live_verdicts("one-way.pcap"),
            std::vector<MediaVerdict>{MediaVerdict::caller_to_callee_only});
  EXPECT_EQ(live_verdicts("ice-fail.pcap"), std::vector<MediaVerdict>{MediaVerdict::none});
  EXPECT_EQ(live_verdicts("rtpengine-bridge.pcap"),
            std::vector<MediaVerdict>{MediaVerdict::both_ways});
}

}  // namespace
}  // namespace sipws
