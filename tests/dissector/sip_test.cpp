// SIP parsing: fields, compact forms, folding, framing over TCP at every split point, several
// messages in one WebSocket message, and the whole dissector on hand-fed connections.

#include <gtest/gtest.h>

#include "calls/call_store.h"
#include "capture/capture_pipeline.h"
#include "dissector/dissector.h"
#include "dissector/sip/sip_message.h"
#include "dissector/text.h"
#include "tests/dissector/conversation.h"
#include "tests/dissector/ws_test_vectors.h"
#include "tests/support/test_support.h"

namespace sipws {
namespace {

using test::Bytes;
using test::bytes_of;

const std::string kInvite =
    "INVITE sip:bob@biloxi.example.com SIP/2.0\r\n"
    "Via: SIP/2.0/WS df7jal23ls0d.invalid;branch=z9hG4bK776asdhds;rport\r\n"
    "v: SIP/2.0/UDP 192.0.2.4:5060;branch=z9hG4bKnashds8;received=192.0.2.1\r\n"
    "Max-Forwards: 70\r\n"
    "t: Bob <sip:bob@biloxi.example.com>\r\n"
    "f: \"Alice, the \\\"first\\\"\" <sip:alice@atlanta.example.com>;tag=1928301774\r\n"
    "i: a84b4c76e66710@pc33.atlanta.example.com\r\n"
    "CSeq: 314159 INVITE\r\n"
    "m: <sip:alice@df7jal23ls0d.invalid;transport=ws>;expires=200, <sip:a2@x.invalid>\r\n"
    "Subject: a folded\r\n  subject line\r\n"
    "c: application/sdp\r\n"
    "l: 10\r\n"
    "\r\n"
    "v=0\r\no=- x";

TEST(SipParser, FieldsCompactFormsAndFolding) {
  SipMessage m;
  const auto r = parse_sip_message(kInvite, m);
  ASSERT_EQ(r.status, SipParseStatus::ok);
  EXPECT_EQ(r.consumed, kInvite.size());
  EXPECT_TRUE(m.is_request);
  EXPECT_EQ(m.method, "INVITE");
  EXPECT_EQ(m.request_uri, "sip:bob@biloxi.example.com");
  EXPECT_EQ(m.call_id, "a84b4c76e66710@pc33.atlanta.example.com");
  ASSERT_TRUE(m.cseq.has_value());
  EXPECT_EQ(*m.cseq, 314159u);
  EXPECT_EQ(m.cseq_method, "INVITE");
  EXPECT_EQ(m.from.display, "Alice, the \\\"first\\\"");
  EXPECT_EQ(m.from.uri.user, "alice");
  EXPECT_EQ(m.from.tag, "1928301774");
  EXPECT_EQ(m.to.uri.user, "bob");
  EXPECT_EQ(m.to.uri.host, "biloxi.example.com");
  EXPECT_TRUE(m.to.tag.empty());
  ASSERT_EQ(m.vias.size(), 2u);
  EXPECT_EQ(m.vias[0].transport, "WS");
  EXPECT_EQ(m.vias[0].branch, "z9hG4bK776asdhds");
  EXPECT_EQ(m.vias[1].sent_by, "192.0.2.4:5060");
  EXPECT_EQ(m.vias[1].received, "192.0.2.1");
  EXPECT_EQ(m.contacts.size(), 2u);
  EXPECT_EQ(m.content_type, "application/sdp");
  EXPECT_EQ(m.content_length, 10u);
  EXPECT_EQ(m.body, "v=0\r\no=- x");
  EXPECT_EQ(m.header("Subject"), "a folded\r\n  subject line");
  EXPECT_EQ(m.header("i"), m.call_id);
  EXPECT_TRUE(m.problems.empty()) << m.problems[0].detail;
}

TEST(SipParser, ResponseAndIpv6Uri) {
  const std::string text =
      "SIP/2.0 180 Ringing\r\nVia: SIP/2.0/WS [2001:db8::9]:443;branch=z9hG4bKx\r\n"
      "From: <sip:alice@[2001:db8::1]:5060>;tag=a\r\nTo: <sip:bob@[::1]>;tag=b\r\n"
      "Call-ID: c1\r\nCSeq: 2 INVITE\r\nContent-Length: 0\r\n\r\n";
  SipMessage m;
  ASSERT_EQ(parse_sip_message(text, m).status, SipParseStatus::ok);
  EXPECT_FALSE(m.is_request);
  EXPECT_EQ(m.status_code, 180);
  EXPECT_EQ(m.reason, "Ringing");
  EXPECT_EQ(m.from.uri.host, "[2001:db8::1]");
  EXPECT_EQ(m.from.uri.port, "5060");
  EXPECT_EQ(m.to.uri.host, "[::1]");
  EXPECT_EQ(m.to.tag, "b");
  EXPECT_TRUE(m.problems.empty());
}

TEST(SipParser, ProblemsAreListedNotThrown) {
  SipMessage m;
  parse_sip_message("OPTIONS sip:x SIP/2.0\r\nCSeq: 1 INVITE\r\nContent-Length: 50\r\n\r\nshort",
                    m);
  std::vector<FindingId> ids;
  for (const auto& p : m.problems) ids.push_back(p.id);
  EXPECT_NE(std::find(ids.begin(), ids.end(), FindingId::sip_header_missing), ids.end());
  EXPECT_NE(std::find(ids.begin(), ids.end(), FindingId::sip_cseq_method_mismatch), ids.end());
  EXPECT_NE(std::find(ids.begin(), ids.end(), FindingId::sip_content_length_mismatch), ids.end());
  EXPECT_EQ(parse_sip_message("HTTP/1.1 200 OK\r\n\r\n", m).status, SipParseStatus::not_sip);
  EXPECT_EQ(parse_sip_message("SIP/2.0 9999 Huge\r\n\r\n", m).status, SipParseStatus::invalid);
}

// contains_space reads eight bytes at a time (hand-built strings, an edge-case unit test): a
// blank at every position of every length must be found, and no other byte may be taken for one,
// bytes above 0x7f (UTF-8 in display names and user parts) and other controls included.
TEST(Text, ContainsSpaceAtEveryPositionAndNothingElse) {
  for (std::size_t length = 0; length <= 40; ++length) {
    const std::string clean(length, 'a');
    EXPECT_FALSE(contains_space(clean)) << length;
    for (std::size_t at = 0; at < length; ++at) {
      for (const char blank : {' ', '\t', '\r', '\n'}) {
        std::string text = clean;
        text[at] = blank;
        EXPECT_TRUE(contains_space(text)) << length << " " << at << " " << int(blank);
      }
      for (const int other : {0x00, 0x01, 0x0b, 0x0c, 0x1f, 0x21, 0x7f, 0x80, 0xa0, 0xe2, 0xff}) {
        std::string text = clean;
        text[at] = static_cast<char>(other);
        EXPECT_FALSE(contains_space(text)) << length << " " << at << " " << other;
      }
    }
  }
}

// Header names are matched without regard to case, and a name that merely looks alike is not
// taken for a known one.
TEST(SipParser, HeaderNamesIgnoreCaseOnly) {
  SipMessage m;
  ASSERT_EQ(
      parse_sip_message("OPTIONS sip:x@example.com SIP/2.0\r\nVIA: SIP/2.0/UDP h;branch=z9hG4bK1"
                        "\r\nfROM: <sip:a@example.com>;tag=1\r\nto: <sip:b@example.com>\r\n"
                        "CALL-ID: c1\r\ncseq: 7 OPTIONS\r\nCall_ID: not-this\r\n"
                        "Content-Length: 0\r\n\r\n",
                        m)
          .status,
      SipParseStatus::ok);
  EXPECT_EQ(m.call_id, "c1");
  EXPECT_EQ(m.cseq, 7u);
  EXPECT_EQ(m.from.tag, "1");
  ASSERT_EQ(m.vias.size(), 1u);
  EXPECT_EQ(m.vias[0].branch, "z9hG4bK1");
  EXPECT_TRUE(m.problems.empty()) << m.problems.front().detail;
}

// A quote before '<' (a display name with '<' inside quotes) and a blank inside a URI.
TEST(SipParser, NameAddrQuotesAndBlanks) {
  SipMessage m;
  parse_sip_message(
      "OPTIONS sip:x@example.com SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
      "From: \"a <b>\" <sip:a@example.com>;tag=9\r\n"
      "To: <sip:b@exa mple.com>\r\nCall-ID: c\r\nCSeq: 1 OPTIONS\r\n\r\n",
      m);
  EXPECT_EQ(m.from.display, "a <b>");
  EXPECT_EQ(m.from.uri.host, "example.com");
  EXPECT_EQ(m.from.tag, "9");
  ASSERT_EQ(m.problems.size(), 1u);
  EXPECT_EQ(m.problems[0].id, FindingId::sip_header_malformed);
  EXPECT_NE(m.problems[0].detail.find("To"), std::string::npos);
}

TEST(SipParser, StreamFramingWaitsForTheBody) {
  SipParseOptions stream;
  stream.stream = true;
  SipMessage m;
  const std::string two = "\r\n\r\n" + kInvite + kInvite;
  for (std::size_t cut = 0; cut < kInvite.size() + 4; ++cut) {
    const auto r = parse_sip_message(std::string_view(two).substr(0, cut), m, stream);
    ASSERT_EQ(r.status, SipParseStatus::incomplete) << cut;
  }
  const auto r = parse_sip_message(two, m, stream);
  ASSERT_EQ(r.status, SipParseStatus::ok);
  EXPECT_EQ(r.consumed, 4 + kInvite.size());  // keep-alive CRLFs counted
}

const std::string kOk =
    "SIP/2.0 200 OK\r\nVia: SIP/2.0/TCP h;branch=z9hG4bKa\r\nFrom: <sip:a@h>;tag=1\r\nTo: "
    "<sip:b@h>;tag=2\r\n"
    "Call-ID: k\r\nCSeq: 1 OPTIONS\r\nContent-Length: 4\r\n\r\nbody";
const std::string kOptions =
    "OPTIONS sip:b@h SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bKa\r\nFrom: <sip:a@h>;tag=1\r\nTo: "
    "<sip:b@h>\r\n"
    "Call-ID: k\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n";

TEST(Dissector, SipOverTcpAtEverySplit) {
  Conversation c;
  c.add(Direction::to_server, bytes_of(kOptions + "\r\n\r\n" + kOptions));
  c.add(Direction::to_client, bytes_of(kOk + kOk));
  const std::size_t longest = kOptions.size() * 2 + 4;
  for (std::size_t cut = 0; cut < longest; ++cut) {
    FindingCollector findings;
    std::vector<SipTransport> transports;
    std::vector<std::pair<std::uint64_t, std::uint64_t>> frames;
    const auto got = dissect(c, {cut}, findings, &transports, &frames);
    ASSERT_EQ(got, (std::vector<std::string>{kOptions, kOptions, kOk, kOk})) << cut;
    EXPECT_EQ(transports[0], SipTransport::tcp);
    EXPECT_TRUE(findings.findings().empty()) << cut;
    // The first message begins in frame 1 wherever the cut falls, also when the first segment
    // is too short to tell what the connection carries (it was put under the frame that told,
    // and `export` then left the segment out). Frames: client 1 (and 2 when cut), then server.
    const bool split = cut > 0 && cut < kOptions.size() * 2 + 4;
    const std::uint64_t client_last = split ? 2 : 1;
    EXPECT_EQ(frames[0].first, 1u) << cut;
    EXPECT_EQ(frames[0].second, cut > 0 && cut < kOptions.size() ? 2u : 1u) << cut;
    EXPECT_EQ(frames[1].second, client_last) << cut;
    EXPECT_EQ(frames[2].first, client_last + 1) << cut;
  }
}

// The same messages as sent over WebSocket: the top Via says WS (RFC 7118 §5.2).
std::string over_ws(std::string text) {
  const std::size_t at = text.find("SIP/2.0/TCP");
  if (at != std::string::npos) text.replace(at, 11, "SIP/2.0/WS");
  return text;
}
const std::string kWsOptions = over_ws(kOptions);
const std::string kWsOk = over_ws(kOk);

Conversation websocket_conversation() {
  const std::string request =
      "GET /ws HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
      "Sec-WebSocket-Protocol: sip\r\n\r\n";
  const std::string response =
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: sip\r\n\r\n";
  Conversation c;
  c.add(Direction::to_server, bytes_of(request));
  Bytes down = bytes_of(response);
  test::FrameSpec server;
  server.mask = false;
  const Bytes g = test::ws_frame(server, bytes_of(kWsOk));
  down.insert(down.end(), g.begin(), g.end());  // the server's first frame rides with the 101
  c.add(Direction::to_client, down);
  test::FrameSpec client;
  c.add(Direction::to_server, test::ws_frame(client, bytes_of(kWsOptions)));
  return c;
}

TEST(Dissector, WebSocketAfterUpgradeAtEverySplit) {
  const Conversation c = websocket_conversation();
  for (std::size_t cut = 0; cut < c.chunks[1].second.size(); ++cut) {
    FindingCollector findings;
    std::vector<SipTransport> transports;
    const auto got = dissect(c, {cut}, findings, &transports);
    ASSERT_EQ(got, (std::vector<std::string>{kWsOk, kWsOptions})) << cut;
    EXPECT_EQ(transports[0], SipTransport::ws);
    EXPECT_TRUE(findings.findings().empty()) << cut << " " << findings.findings()[0].kind().name;
  }
}

TEST(Dissector, WrongAcceptIsReportedAndStillFollowed) {
  Conversation c = websocket_conversation();
  auto& down = c.chunks[1].second;
  const std::string text(down.begin(), down.end());
  const std::size_t at = text.find("s3pP");
  down[at] = 'X';
  FindingCollector findings;
  EXPECT_EQ(dissect(c, {}, findings).size(), 2u);
  EXPECT_EQ(findings.count(FindingId::http_upgrade_accept_mismatch), 1u);
}

TEST(Dissector, RefusedUpgradeStaysHttp) {
  Conversation c = websocket_conversation();
  c.chunks[1].second = bytes_of("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n");
  FindingCollector findings;
  EXPECT_TRUE(dissect(c, {}, findings).empty());
  EXPECT_EQ(findings.count(FindingId::http_upgrade_refused), 1u);
}

TEST(Dissector, MidStreamWebSocketIsPickedUp) {
  Conversation c;
  c.add(Direction::to_server, test::ws_frame({}, bytes_of(kWsOptions)));
  test::FrameSpec server;
  server.mask = false;
  c.add(Direction::to_client, test::ws_frame(server, bytes_of(kWsOk)));
  FindingCollector findings;
  EXPECT_EQ(dissect(c, {}, findings), (std::vector<std::string>{kWsOptions, kWsOk}));
  EXPECT_EQ(findings.count(FindingId::ws_handshake_not_seen), 1u);
}

TEST(Dissector, TwoSipMessagesInOneWebSocketMessage) {
  Conversation c = websocket_conversation();
  test::FrameSpec client;
  c.add(Direction::to_server, test::ws_frame(client, bytes_of(kWsOptions + kWsOptions)));
  FindingCollector findings;
  const auto got = dissect(c, {}, findings);
  EXPECT_EQ(got, (std::vector<std::string>{kWsOk, kWsOptions, kWsOptions, kWsOptions}));
  EXPECT_EQ(findings.count(FindingId::sip_ws_multiple_messages), 1u);
}

TEST(Dissector, KeepAlivesAreNotErrors) {
  Conversation c = websocket_conversation();
  test::FrameSpec client;
  c.add(Direction::to_server, test::ws_frame(client, bytes_of("\r\n\r\n")));
  FindingCollector findings;
  EXPECT_EQ(dissect(c, {}, findings).size(), 2u);
  EXPECT_TRUE(findings.findings().empty());
}

}  // namespace
}  // namespace sipws

namespace sipws {
namespace {

TEST(Sdp, WebRtcOfferFromARealSample) {
  // The INVITE JsSIP sent (with libwebrtc's SDP) in samples/ws-call-answered.pcap.
  auto analysis = std::make_unique<FindingCollector>();
  SipMessageCollector collected;
  Dissector dissector(collected, *analysis);
  std::string error;
  auto file = CaptureFile::open(test::samples_dir() + "/ws-call-answered.pcap", error);
  ASSERT_TRUE(file) << error;
  CapturePipeline pipeline(dissector, *analysis);
  read_capture(*file, pipeline, *analysis);
  const SipMessageRecord* invite = nullptr;
  for (const auto& r : collected.records) {
    if (r.sip.is_request && r.sip.method == "INVITE" && r.direction == Direction::to_server)
      invite = &r;
  }
  ASSERT_NE(invite, nullptr);
  ASSERT_TRUE(invite->sip.sdp != nullptr);
  const Sdp& sdp = *invite->sip.sdp;
  ASSERT_FALSE(sdp.media.empty());
  const SdpMedia& audio = sdp.media[0];
  EXPECT_EQ(audio.type, "audio");
  EXPECT_EQ(audio.proto, "UDP/TLS/RTP/SAVPF");
  EXPECT_TRUE(audio.rtcp_mux);
  EXPECT_FALSE(audio.candidates.empty());
  EXPECT_EQ(audio.setup, "actpass");  // an offer
  EXPECT_EQ(audio.fingerprint.substr(0, 8), "sha-256 ");
  EXPECT_FALSE(audio.ice_ufrag.empty());
  bool opus = false;
  for (const auto& c : audio.codecs) opus = opus || c.encoding.substr(0, 5) == "opus/";
  EXPECT_TRUE(opus);
  EXPECT_FALSE(sdp.bundle.empty());
}

TEST(Sdp, CallSummaryPairsOfferAndAnswer) {
  FindingCollector findings;
  CallStore store;
  Dissector dissector(store, findings);
  std::string error;
  auto file = CaptureFile::open(test::samples_dir() + "/ws-call-answered.pcap", error);
  ASSERT_TRUE(file) << error;
  CapturePipeline pipeline(dissector, findings);
  read_capture(*file, pipeline, findings);
  const Call* call = nullptr;
  for (const Call& c : store.calls()) {
    if (c.is_invite()) call = &c;
  }
  ASSERT_NE(call, nullptr);
  const CallSdp sdp = summarize_sdp(store, *call);
  ASSERT_TRUE(sdp.offer.has_value());
  ASSERT_TRUE(sdp.answer.has_value());
  EXPECT_EQ(sdp.offer->setup(), "actpass");  // RFC 8842: the offerer says actpass
  EXPECT_EQ(sdp.answer->setup(), "active");  // libwebrtc answers active
  EXPECT_TRUE(sdp.offer->ice());
  EXPECT_GT(sdp.offer->ice_candidates(), 0u);
  EXPECT_TRUE(sdp.answer->rtcp_mux());
  EXPECT_EQ(sdp.offer->bundle, std::vector<std::string>{"0"});
  EXPECT_EQ(sdp.offer->codecs().front(), "opus/48000/2");
  // Structured, for media analysis: one audio section of Chromium's, its ICE credentials and
  // candidates with numeric ports, the DTLS role and fingerprint, the SSRC it will send.
  ASSERT_EQ(sdp.offer->media.size(), 1u);
  const SdpMediaInfo& audio = sdp.offer->media.front();
  EXPECT_EQ(audio.type, "audio");
  EXPECT_EQ(audio.proto, "UDP/TLS/RTP/SAVPF");
  EXPECT_EQ(audio.mid, "0");
  EXPECT_FALSE(audio.ice_ufrag.empty());
  EXPECT_FALSE(audio.ice_pwd.empty());
  ASSERT_FALSE(audio.candidates.empty());
  for (const SdpCandidateInfo& c : audio.candidates) {
    EXPECT_GT(c.endpoint.port, 0u);
    EXPECT_GT(c.priority, 0u);
    EXPECT_TRUE(c.component == 1 || c.component == 2);
  }
  // Chromium on loopback offers a host candidate on an address, not only mDNS names.
  EXPECT_TRUE(std::any_of(audio.candidates.begin(), audio.candidates.end(), [](const auto& c) {
    return c.type == SdpCandidateInfo::Type::host && c.endpoint.address.version != 0;
  }));
  EXPECT_EQ(audio.fingerprint.substr(0, 8), "sha-256 ");
  ASSERT_FALSE(audio.ssrcs.empty());
  EXPECT_GT(audio.ssrcs.front(), 0u);
  EXPECT_EQ(sdp.answer->media.front().setup, "active");
  // The answer comes back the other way, in a response.
  EXPECT_TRUE(store.record(sdp.offer->record)->sip.is_request);
  EXPECT_FALSE(store.record(sdp.answer->record)->sip.is_request);
}

// The media line of the call summary shows the port as written (hand-built SDP): a plain number
// is kept as a number, anything else ("049/2"; or, where a double space shifts the words, what
// the parser took for the port) as its text.
TEST(Sdp, MediaLinesShowPortsAsWritten) {
  const std::string body =
      "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\n"
      "m=audio 5004 RTP/AVP 0\r\nm=video 049/2 RTP/AVP 96\r\nm=text  RTP/AVP 98\r\n";
  const std::string text =
      "INVITE sip:b@example.org SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
      "From: <sip:a@h>;tag=1\r\nTo: <sip:b@h>\r\nCall-ID: p\r\nCSeq: 1 INVITE\r\n"
      "Content-Type: application/sdp\r\nContent-Length: " +
      std::to_string(body.size()) + "\r\n\r\n" + body;
  CallStore store(false);
  SipMessageRecord r;
  r.bytes.assign(text.begin(), text.end());
  ASSERT_EQ(parse_sip_message(std::string_view(r.bytes.data(), r.bytes.size()), r.sip).status,
            SipParseStatus::ok);
  store.on_sip_message(std::move(r));
  const CallSdp sdp = summarize_sdp(store, store.calls().front());
  ASSERT_TRUE(sdp.offer.has_value());
  const auto lines = sdp.offer->media_lines();
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0], "audio 192.0.2.1:5004 RTP/AVP sendrecv");
  EXPECT_EQ(lines[1], "video 192.0.2.1:049/2 RTP/AVP sendrecv");
  EXPECT_EQ(lines[2], "text 192.0.2.1:RTP/AVP 98 sendrecv");
  EXPECT_EQ(sdp.offer->media[0].port, 5004u);
  EXPECT_EQ(sdp.offer->media[1].port, 49u);
}

// a=rtcp and a=ssrc (hand-built): each SSRC once, however many attributes name it, and at
// most 64, so that a hostile body cannot make the search quadratic.
TEST(Sdp, RtcpPortAndSsrcs) {
  std::string body =
      "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\n"
      "m=audio 4000 RTP/AVP 0\r\na=rtcp:4005\r\na=ssrc:11 cname:a\r\na=ssrc:11 msid:x y\r\n"
      "a=ssrc:22 cname:a\r\n";
  for (int i = 0; i < 1000; ++i) body += "a=ssrc:" + std::to_string(100 + i) + " cname:a\r\n";
  Sdp sdp;
  ASSERT_TRUE(parse_sdp(body, sdp));
  ASSERT_EQ(sdp.media.size(), 1u);
  EXPECT_EQ(sdp.media[0].rtcp_port, "4005");
  ASSERT_EQ(sdp.media[0].ssrcs.size(), 64u);
  EXPECT_EQ(sdp.media[0].ssrcs[0], "11");
  EXPECT_EQ(sdp.media[0].ssrcs[1], "22");
  EXPECT_EQ(sdp.media[0].ssrcs[2], "100");
}

TEST(Sdp, SessionLevelAttributesAreInherited) {
  Sdp sdp;
  ASSERT_TRUE(
      parse_sdp("v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1/127\r\n"
                "a=fingerprint:sha-256 AA:BB\r\na=setup:passive\r\n"
                "m=audio 4000 RTP/AVP 0 8\r\na=rtpmap:0 PCMU/8000\r\na=sendonly\r\n"
                "m=video 0 RTP/AVP 96\r\nc=IN IP6 2001:db8::1\r\n",
                sdp));
  ASSERT_EQ(sdp.media.size(), 2u);
  EXPECT_EQ(sdp.media[0].connection, "192.0.2.1");
  EXPECT_EQ(sdp.media[0].fingerprint, "sha-256 AA:BB");
  EXPECT_EQ(sdp.media[0].setup, "passive");
  EXPECT_EQ(sdp.media[0].direction, "sendonly");
  EXPECT_EQ(sdp.media[0].formats, (std::vector<std::string_view>{"0", "8"}));
  EXPECT_EQ(sdp.media[1].connection, "2001:db8::1");
  EXPECT_EQ(sdp.media[1].direction, "sendrecv");
  EXPECT_FALSE(parse_sdp("not sdp", sdp));
}

// Words are split on single spaces with empty pieces skipped; a line with too few words leaves
// its fields empty; the last BUNDLE group counts.
TEST(Sdp, WordsAndShortLines) {
  Sdp sdp;
  ASSERT_TRUE(
      parse_sdp("v=0\r\nc=IN  IP4\r\na=group:BUNDLE 0 1\r\na=group:BUNDLE  a  b  c\r\n"
                "m=audio  9 UDP/TLS/RTP/SAVPF  111   0 \r\n"
                "a=candidate:1 1 udp 2 192.0.2.1 5000 typ host\r\n"
                "a=candidate:2 1 udp 2 192.0.2.1 5000\r\nm=video 9\r\n",
                sdp));
  EXPECT_EQ(sdp.connection, "");
  EXPECT_EQ(sdp.bundle, (std::vector<std::string_view>{"a", "b", "c"}));
  ASSERT_EQ(sdp.media.size(), 2u);
  EXPECT_EQ(sdp.media[0].port, "9");
  EXPECT_EQ(sdp.media[0].proto, "UDP/TLS/RTP/SAVPF");
  EXPECT_EQ(sdp.media[0].formats, (std::vector<std::string_view>{"111", "0"}));
  ASSERT_EQ(sdp.media[0].candidates.size(), 1u);
  EXPECT_EQ(sdp.media[1].type, "");
  EXPECT_TRUE(sdp.media[1].formats.empty());
}

}  // namespace
}  // namespace sipws

namespace sipws {
namespace {

TEST(Dissector, LostFrameHeaderDesyncsUntilAPlausibleFrame) {
  FindingCollector findings;
  SipMessageCollector collected;
  Dissector dissector(collected, findings);
  TcpConnectionInfo info;
  StreamSink* sink = dissector.on_tcp_open(info);
  const Conversation c = websocket_conversation();  // request, 101 + server frame, client frame
  std::uint64_t offsets[2] = {0, 0};
  std::uint64_t frame = 0;
  for (const auto& [dir, bytes] : c.chunks) {
    ++frame;
    sink->on_data(dir, bytes, offsets[static_cast<int>(dir)], frame, static_cast<TimeNs>(frame));
    offsets[static_cast<int>(dir)] += bytes.size();
  }
  // Bytes lost across a frame header: framing is lost...
  const Bytes first = test::ws_frame({}, bytes_of(kWsOptions));
  sink->on_gap(Direction::to_server, offsets[0], 3);
  offsets[0] += 3;
  sink->on_data(Direction::to_server, ByteView(first).subspan(3), offsets[0], ++frame, 9);
  offsets[0] += first.size() - 3;
  // ...and found again at the next frame that carries SIP.
  const Bytes again = test::ws_frame({}, bytes_of(kWsOptions));
  sink->on_data(Direction::to_server, again, offsets[0], ++frame, 10);
  sink->on_close(CloseReason::fin);
  EXPECT_EQ(findings.count(FindingId::ws_stream_desync), 1u);
  EXPECT_EQ(collected.records.size(), 3u);  // 200 OK, the first OPTIONS, the one after the gap
}

TEST(Dissector, NotSipOnASipConnectionAndUnframedTcpSip) {
  Conversation ws = websocket_conversation();
  ws.add(Direction::to_server, test::ws_frame({}, bytes_of("{\"json\": \"not sip\"}")));
  FindingCollector findings;
  dissect(ws, {}, findings);
  EXPECT_EQ(findings.count(FindingId::sip_ws_not_sip), 1u);

  Conversation tcp;
  std::string unframed = kOptions;
  unframed.replace(unframed.find("Content-Length: 0\r\n"), 19, "");
  tcp.add(Direction::to_server, bytes_of(unframed));
  FindingCollector tcp_findings;
  EXPECT_EQ(dissect(tcp, {}, tcp_findings).size(), 1u);
  EXPECT_EQ(tcp_findings.count(FindingId::sip_tcp_unframed), 1u);
}

TEST(Dissector, CaptureStartingBetweenRequestAndAnswerStillFollowsTheWebSocket) {
  Conversation c;
  Bytes down = bytes_of(
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: sip\r\n\r\n");
  c.add(Direction::to_client, down);
  const std::string options =
      "OPTIONS sip:b@h SIP/2.0\r\nVia: SIP/2.0/WS h;branch=z9hG4bKa\r\nFrom: "
      "<sip:a@h>;tag=1\r\nTo: <sip:b@h>\r\n"
      "Call-ID: k\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n";
  c.add(Direction::to_server, test::ws_frame({}, bytes_of(options)));
  FindingCollector findings;
  EXPECT_EQ(dissect(c, {}, findings), std::vector<std::string>{options});
  EXPECT_TRUE(findings.findings().empty());
}

}  // namespace
}  // namespace sipws
