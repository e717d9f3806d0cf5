// WebSocket: handshake, frame parsing at every split point, unmasking, message assembly with
// control frames between fragments, permessage-deflate (with and without context takeover,
// compressed and fragmented, deflate bombs), and the violations each layer reports.

#include <gtest/gtest.h>

#include "dissector/http/http_head.h"
#include "dissector/websocket/ws_handshake.h"
#include "dissector/websocket/ws_message.h"
#include "tests/dissector/ws_test_vectors.h"

namespace sipws {
namespace {

using test::Bytes;
using test::bytes_of;
using test::FrameSpec;
using test::ws_frame;

const std::string kRegister =
    "REGISTER sip:example.com SIP/2.0\r\nVia: SIP/2.0/WSS "
    "df7jal23ls0d.invalid;branch=z9hG4bKasudf\r\n"
    "From: <sip:alice@example.com>;tag=65bnmj.34asd\r\nTo: <sip:alice@example.com>\r\n"
    "Call-ID: aiuy7k9njasd\r\nCSeq: 1 REGISTER\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n";

class Recorder final : public WsMessageSink {
 public:
  void on_ws_message(WsMessage& m) override {
    messages.emplace_back(m.payload.begin(), m.payload.end());
    info.push_back(m);
    info.back().payload.clear();
  }
  void on_ws_control(const WsControl& c) override { controls.push_back(c); }
  std::vector<std::string> messages;
  std::vector<WsMessage> info;
  std::vector<WsControl> controls;
};

struct Run {
  Recorder recorder;
  FindingCollector findings;
};

// Feeds `stream` to a fresh assembler cut at the given points.
std::unique_ptr<Run> feed(const Bytes& stream, const std::vector<std::size_t>& cuts,
                          Direction dir = Direction::to_server,
                          std::optional<DeflateParams> deflate = std::nullopt,
                          WsLimits limits = {}) {
  auto run = std::make_unique<Run>();
  WsMessageAssembler a(dir, 0, deflate, run->recorder, run->findings, limits);
  std::size_t at = 0;
  std::uint64_t frame = 1;
  for (std::size_t cut : cuts) {
    a.on_data(ByteView(stream).subspan(at, cut - at), frame++, 0);
    at = cut;
  }
  a.on_data(ByteView(stream).subspan(at), frame, 0);
  return run;
}

// Every two-piece split and the byte-by-byte feed give `expected`.
void expect_all_chunkings(const Bytes& stream, const std::vector<std::string>& expected,
                          Direction dir = Direction::to_server,
                          std::optional<DeflateParams> deflate = std::nullopt) {
  for (std::size_t cut = 0; cut <= stream.size(); ++cut) {
    auto run = feed(stream, {cut}, dir, deflate);
    ASSERT_EQ(run->recorder.messages, expected) << "split at " << cut;
    ASSERT_EQ(run->findings.findings().size(), 0u)
        << "split at " << cut << ": " << run->findings.findings()[0].kind().name;
  }
  std::vector<std::size_t> every;
  for (std::size_t i = 1; i < stream.size(); ++i) every.push_back(i);
  auto run = feed(stream, every, dir, deflate);
  EXPECT_EQ(run->recorder.messages, expected) << "byte by byte";
}

TEST(WsHandshake, AcceptKeyFromRfc6455Example) {
  EXPECT_EQ(ws_accept_for_key("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

TEST(WsHandshake, RequestAndResponseFields) {
  const std::string request =
      "GET / HTTP/1.1\r\nHost: proxy.example.com\r\nUpgrade: websocket\r\nConnection: keep-alive, "
      "Upgrade\r\n"
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
      "Sec-WebSocket-Protocol: sip, foo\r\n"
      "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits, x-webkit\r\n\r\n";
  const std::string response =
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: sip\r\n"
      "Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover; "
      "client_max_window_bits=10\r\n\r\n";
  HttpHeadParser req;
  HttpHeadParser resp;
  std::size_t used = 0;
  ASSERT_EQ(req.feed(bytes_of(request), used), HttpHeadParser::Status::done);
  ASSERT_EQ(resp.feed(bytes_of(response), used), HttpHeadParser::Status::done);
  WsHandshake h;
  read_ws_request(req.head(), h);
  read_ws_response(resp.head(), h);
  EXPECT_TRUE(h.upgrade_websocket);
  EXPECT_TRUE(h.connection_upgrade);
  EXPECT_EQ(h.version, "13");
  EXPECT_EQ(h.offered_protocols, (std::vector<std::string>{"sip", "foo"}));
  ASSERT_EQ(h.offered_extensions.size(), 2u);
  EXPECT_TRUE(h.offered_extensions[0].has("client_max_window_bits"));
  EXPECT_TRUE(h.accepted());
  EXPECT_TRUE(h.accept_valid);
  EXPECT_EQ(h.protocol, "sip");
  ASSERT_TRUE(h.deflate.has_value());
  EXPECT_TRUE(h.deflate->server_no_context_takeover);
  EXPECT_FALSE(h.deflate->client_no_context_takeover);
  EXPECT_EQ(h.deflate->client_max_window_bits, 10);
}

TEST(HttpHead, EverySplitGivesTheSameHeadAndLeavesTheRest) {
  const std::string head =
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nX-Folded: a\r\n b\r\n\r\n";
  const std::string after = "\x81\x05hello";
  const Bytes all = bytes_of(head + after);
  for (std::size_t cut = 0; cut <= all.size(); ++cut) {
    HttpHeadParser p;
    std::size_t used = 0;
    auto status = p.feed(ByteView(all).first(cut), used);
    std::size_t taken = used;
    if (status != HttpHeadParser::Status::done) {
      ASSERT_EQ(status, HttpHeadParser::Status::need_more);
      ASSERT_EQ(used, cut);
      status = p.feed(ByteView(all).subspan(cut), used);
      taken += used;
    }
    ASSERT_EQ(status, HttpHeadParser::Status::done) << cut;
    EXPECT_EQ(taken, head.size()) << cut;
    EXPECT_EQ(p.head().status, 101);
    EXPECT_EQ(p.head().field("upgrade"), "websocket");
    EXPECT_EQ(p.head().field("X-Folded"), "a\r\n b");
  }
}

TEST(HttpHead, OversizedHeadIsAnErrorNotUnboundedMemory) {
  HttpHeadParser p;
  std::size_t used = 0;
  const Bytes junk(HttpHeadParser::kMaxHeadBytes + 10, 'a');
  EXPECT_EQ(p.feed(junk, used), HttpHeadParser::Status::error);
  EXPECT_LE(p.raw().size(), HttpHeadParser::kMaxHeadBytes);
}

TEST(WsUnmask, MatchesByteByByteForEveryPhaseAndLength) {
  const std::array<std::uint8_t, 4> key{0x01, 0x80, 0xfe, 0x5a};
  Bytes src(300);
  for (std::size_t i = 0; i < src.size(); ++i) src[i] = static_cast<std::uint8_t>(i * 7 + 3);
  for (std::size_t phase = 0; phase < 4; ++phase) {
    for (std::size_t n = 0; n < 100; ++n) {
      Bytes fast(n);
      unmask_copy(fast.data(), src.data(), n, key, phase);
      for (std::size_t i = 0; i < n; ++i) {
        ASSERT_EQ(fast[i], src[i] ^ key[(phase + i) % 4]) << "phase " << phase << " n " << n;
      }
    }
  }
}

// The word-at-a-time paths end exactly at the span's end: a span that ends where an invalid byte
// follows in memory stays valid, and a bad byte at any position of a long text is found.
TEST(Utf8, WideStepsStopAtTheEndAndSeeEveryByte) {
  for (std::size_t length : {8u, 31u, 32u, 33u, 64u, 65u, 100u}) {
    std::vector<std::uint8_t> memory(length + 1, 'a');
    memory[length] = 0xff;  // just past the span
    EXPECT_TRUE(is_valid_utf8(ByteView(memory.data(), length))) << length;
    for (std::size_t at = 0; at < length; ++at) {
      std::vector<std::uint8_t> text(length, 'a');
      text[at] = 0xff;
      EXPECT_FALSE(is_valid_utf8(text)) << length << " at " << at;
      if (at + 2 <= length) {
        text[at] = 0xc3;  // U+00E9
        text[at + 1] = 0xa9;
        EXPECT_TRUE(is_valid_utf8(text)) << length << " at " << at;
      }
    }
  }
}

TEST(Utf8, ValidAndInvalid) {
  EXPECT_TRUE(is_valid_utf8(bytes_of("plain ascii, long enough to use the fast path")));
  EXPECT_TRUE(is_valid_utf8(bytes_of("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80")));
  EXPECT_FALSE(is_valid_utf8(bytes_of("\xc0\xaf")));          // overlong '/'
  EXPECT_FALSE(is_valid_utf8(bytes_of("\xed\xa0\x80")));      // surrogate
  EXPECT_FALSE(is_valid_utf8(bytes_of("\xf4\x90\x80\x80")));  // above U+10FFFF
  EXPECT_FALSE(is_valid_utf8(bytes_of("abcdefgh\xe2\x82")));  // cut short
  EXPECT_FALSE(is_valid_utf8(bytes_of("\xff")));
}

TEST(WsFrames, SingleMaskedTextMessageEverySplit) {
  expect_all_chunkings(ws_frame({}, bytes_of(kRegister)), {kRegister});
}

TEST(WsFrames, SeveralFramesPerChunkAndAllLengthForms) {
  const std::string big(70000, 'x');  // 64-bit length form
  const std::string mid(300, 'y');    // 16-bit length form
  Bytes stream = ws_frame({}, bytes_of("short"));
  const Bytes f2 = ws_frame({}, bytes_of(mid));
  const Bytes f3 = ws_frame({}, bytes_of(big));
  stream.insert(stream.end(), f2.begin(), f2.end());
  stream.insert(stream.end(), f3.begin(), f3.end());
  for (std::size_t cut : {0ul, 1ul, 2ul, 3ul, 7ul, 8ul, 11ul, 12ul, 13ul, 14ul, 300ul, 315ul, 316ul,
                          317ul, 320ul, 330ul}) {
    auto run = feed(stream, {cut});
    ASSERT_EQ(run->recorder.messages, (std::vector<std::string>{"short", mid, big})) << cut;
  }
}

TEST(WsFrames, FragmentsWithPingBetweenEverySplit) {
  FrameSpec first;
  first.fin = false;
  FrameSpec cont;
  cont.opcode = ws_opcode::continuation;
  cont.fin = false;
  FrameSpec last;
  last.opcode = ws_opcode::continuation;
  FrameSpec ping;
  ping.opcode = ws_opcode::ping;
  const std::string a = kRegister.substr(0, 40), b = kRegister.substr(40, 100),
                    c = kRegister.substr(140);
  Bytes stream = ws_frame(first, bytes_of(a));
  for (const Bytes& f : {ws_frame(ping, bytes_of("are you there")), ws_frame(cont, bytes_of(b)),
                         ws_frame(ping, {}), ws_frame(last, bytes_of(c))}) {
    stream.insert(stream.end(), f.begin(), f.end());
  }
  expect_all_chunkings(stream, {kRegister});
  auto run = feed(stream, {});
  ASSERT_EQ(run->recorder.info.size(), 1u);
  EXPECT_EQ(run->recorder.info[0].frames, 3u);
  EXPECT_EQ(run->recorder.controls.size(), 2u);
}

TEST(WsDeflate, CompressedWithContextTakeoverEverySplit) {
  test::Deflater deflater;
  FrameSpec spec;
  spec.rsv1 = true;
  spec.mask = false;
  const std::string second = kRegister + "again";
  Bytes stream = ws_frame(spec, deflater.compress(bytes_of(kRegister)));
  const Bytes f2 = ws_frame(spec, deflater.compress(bytes_of(second)));  // refers back to the first
  stream.insert(stream.end(), f2.begin(), f2.end());
  EXPECT_LT(f2.size(), 40u) << "the second message should be mostly back-references";
  expect_all_chunkings(stream, {kRegister, second}, Direction::to_client, DeflateParams{});
}

TEST(WsDeflate, CompressedAndFragmented) {
  test::Deflater deflater;
  const Bytes compressed = deflater.compress(bytes_of(kRegister));
  FrameSpec first;
  first.rsv1 = true;
  first.fin = false;
  FrameSpec last;
  last.opcode = ws_opcode::continuation;
  FrameSpec pong;
  pong.opcode = ws_opcode::pong;
  const std::size_t half = compressed.size() / 2;
  Bytes stream = ws_frame(
      first, Bytes(compressed.begin(), compressed.begin() + static_cast<std::ptrdiff_t>(half)));
  const Bytes mid = ws_frame(pong, {});
  const Bytes end = ws_frame(
      last, Bytes(compressed.begin() + static_cast<std::ptrdiff_t>(half), compressed.end()));
  stream.insert(stream.end(), mid.begin(), mid.end());
  stream.insert(stream.end(), end.begin(), end.end());
  expect_all_chunkings(stream, {kRegister}, Direction::to_server, DeflateParams{});
}

TEST(WsDeflate, NoContextTakeoverResetsBetweenMessages) {
  test::Deflater keeps;  // a peer that wrongly keeps its context
  DeflateParams params;
  params.client_no_context_takeover = true;
  FrameSpec spec;
  spec.rsv1 = true;
  Bytes stream = ws_frame(spec, keeps.compress(bytes_of(kRegister)));
  const Bytes f2 = ws_frame(spec, keeps.compress(bytes_of(kRegister)));
  stream.insert(stream.end(), f2.begin(), f2.end());
  auto run = feed(stream, {}, Direction::to_server, params);
  // The second message refers to the first; with the context reset it cannot inflate.
  ASSERT_EQ(run->recorder.messages.size(), 2u);
  EXPECT_EQ(run->recorder.messages[0], kRegister);
  EXPECT_EQ(run->findings.count(FindingId::ws_deflate_inflate_failed), 1u);
  // A peer that resets per message is fine.
  test::Deflater resets;
  Bytes good = ws_frame(spec, resets.compress(bytes_of(kRegister), true));
  const Bytes g2 = ws_frame(spec, resets.compress(bytes_of(kRegister), true));
  good.insert(good.end(), g2.begin(), g2.end());
  expect_all_chunkings(good, {kRegister, kRegister}, Direction::to_server, params);
}

// Contexts kept across messages are counted over all directions: past the budget a direction
// gets none, says so once, and its compressed messages are marked incomplete, then and later; a
// direction that goes gives its context back.
TEST(WsDeflate, ContextsAreBudgeted) {
  InflateBudget budget;
  budget.limit = 1;
  FrameSpec spec;
  spec.rsv1 = true;
  test::Deflater first_peer;
  test::Deflater second_peer;
  sipws::Run first;
  sipws::Run second;
  auto a =
      std::make_unique<WsMessageAssembler>(Direction::to_server, 0, DeflateParams{}, first.recorder,
                                           first.findings, WsLimits{}, &budget);
  WsMessageAssembler b(Direction::to_server, 1, DeflateParams{}, second.recorder, second.findings,
                       WsLimits{}, &budget);
  for (int i = 0; i < 2; ++i) {
    a->on_data(ws_frame(spec, first_peer.compress(bytes_of(kRegister))), 1, 0);
    b.on_data(ws_frame(spec, second_peer.compress(bytes_of(kRegister))), 2, 0);
  }
  EXPECT_EQ(budget.held, 1u);
  EXPECT_EQ(first.recorder.messages, (std::vector<std::string>{kRegister, kRegister}));
  EXPECT_EQ(first.findings.findings().size(), 0u);
  ASSERT_EQ(second.recorder.info.size(), 2u);
  EXPECT_TRUE(second.recorder.info[0].incomplete);
  EXPECT_TRUE(second.recorder.info[1].incomplete);
  EXPECT_EQ(second.findings.count(FindingId::limit_ws_inflate_contexts), 1u);
  a.reset();
  EXPECT_EQ(budget.held, 0u);
  // A refused direction stays refused (a context now would lack the earlier window) and says so
  // no more; a direction that starts now gets the context given back.
  b.on_data(ws_frame(spec, second_peer.compress(bytes_of(kRegister))), 2, 0);
  ASSERT_EQ(second.recorder.info.size(), 3u);
  EXPECT_TRUE(second.recorder.info[2].incomplete);
  EXPECT_EQ(second.findings.findings().size(), 1u);
  EXPECT_EQ(budget.held, 0u);
  sipws::Run third;
  test::Deflater third_peer;
  WsMessageAssembler c(Direction::to_client, 2, DeflateParams{}, third.recorder, third.findings,
                       WsLimits{}, &budget);
  c.on_data(ws_frame(spec, third_peer.compress(bytes_of(kRegister))), 3, 0);
  EXPECT_EQ(third.recorder.messages, (std::vector<std::string>{kRegister}));
  EXPECT_EQ(budget.held, 1u);
}

// Directions without context takeover share one context per thread and count for nothing:
// messages of several such directions, interleaved, inflate as if each had its own.
TEST(WsDeflate, DirectionsWithoutTakeoverShareOneContext) {
  InflateBudget budget;
  budget.limit = 0;
  DeflateParams params;
  params.client_no_context_takeover = true;
  FrameSpec spec;
  spec.rsv1 = true;
  sipws::Run runs[3];
  std::vector<std::unique_ptr<WsMessageAssembler>> directions;
  for (int d = 0; d < 3; ++d) {
    directions.push_back(std::make_unique<WsMessageAssembler>(
        Direction::to_server, d, params, runs[d].recorder, runs[d].findings, WsLimits{}, &budget));
  }
  const std::string other = kRegister + "X-Other: 1";
  test::Deflater peer;
  // Direction 1 sends the first half of a compressed message: it inflates without an error
  // and leaves the context in the middle of a block, which the next message must not inherit.
  Bytes half = peer.compress(bytes_of(kRegister), true);
  half.resize(half.size() / 2);
  for (int round = 0; round < 3; ++round) {
    directions[0]->on_data(ws_frame(spec, peer.compress(bytes_of(kRegister), true)), 1, 0);
    directions[1]->on_data(ws_frame(spec, half), 2, 0);
    directions[2]->on_data(ws_frame(spec, peer.compress(bytes_of(other), true)), 3, 0);
  }
  EXPECT_EQ(budget.held, 0u);
  EXPECT_EQ(runs[0].recorder.messages, (std::vector<std::string>(3, kRegister)));
  EXPECT_EQ(runs[2].recorder.messages, (std::vector<std::string>(3, other)));
  EXPECT_EQ(runs[0].findings.findings().size(), 0u);
  EXPECT_EQ(runs[2].findings.findings().size(), 0u);
  EXPECT_EQ(runs[1].recorder.messages.size(), 3u);
}

TEST(WsDeflate, BombIsCappedAndReported) {
  test::Deflater deflater;
  const Bytes zeros(8u << 20, 0);  // 8 MiB of zeros deflate to a few KB
  FrameSpec spec;
  spec.rsv1 = true;
  const Bytes stream = ws_frame(spec, deflater.compress(zeros));
  EXPECT_LT(stream.size(), 20000u);
  WsLimits limits;
  limits.max_inflated_bytes = 1u << 20;
  auto run = feed(stream, {}, Direction::to_server, DeflateParams{}, limits);
  EXPECT_EQ(run->findings.count(FindingId::limit_ws_inflated_bytes), 1u);
  ASSERT_EQ(run->recorder.info.size(), 1u);
  EXPECT_TRUE(run->recorder.info[0].incomplete);
  EXPECT_LE(run->recorder.messages[0].size(), limits.max_inflated_bytes);
}

TEST(WsDeflate, GarbageDoesNotInflate) {
  FrameSpec spec;
  spec.rsv1 = true;
  auto run = feed(ws_frame(spec, Bytes{0xff, 0xff, 0xff, 0xff, 0x13}), {}, Direction::to_server,
                  DeflateParams{});
  EXPECT_EQ(run->findings.count(FindingId::ws_deflate_inflate_failed), 1u);
}

TEST(WsViolations, EachIsReportedOnce) {
  struct Case {
    const char* name;
    Bytes stream;
    Direction dir;
    FindingId expected;
  };
  FrameSpec unmasked;
  unmasked.mask = false;
  FrameSpec reserved;
  reserved.opcode = 0x3;
  FrameSpec rsv2;
  rsv2.rsv2 = true;
  FrameSpec long_ping;
  long_ping.opcode = ws_opcode::ping;
  FrameSpec frag_ping;
  frag_ping.opcode = ws_opcode::ping;
  frag_ping.fin = false;
  FrameSpec cont;
  cont.opcode = ws_opcode::continuation;
  FrameSpec open;
  open.fin = false;
  FrameSpec close;
  close.opcode = ws_opcode::close;
  FrameSpec not_minimal;
  not_minimal.length_form = 64;
  FrameSpec rsv1_on_ping;
  rsv1_on_ping.opcode = ws_opcode::ping;
  rsv1_on_ping.rsv1 = true;
  Bytes interleaved = ws_frame(open, bytes_of("part"));
  const Bytes second = ws_frame({}, bytes_of("whole"));
  interleaved.insert(interleaved.end(), second.begin(), second.end());
  Bytes after_close = ws_frame(close, Bytes{0x03, 0xe8});
  const Bytes late = ws_frame({}, bytes_of("late"));
  after_close.insert(after_close.end(), late.begin(), late.end());
  const std::vector<Case> cases = {
      {"unmasked client", ws_frame(unmasked, bytes_of("x")), Direction::to_server,
       FindingId::ws_frame_unmasked_client},
      {"masked server", ws_frame({}, bytes_of("x")), Direction::to_client,
       FindingId::ws_frame_masked_server},
      {"reserved opcode", ws_frame(reserved, bytes_of("x")), Direction::to_server,
       FindingId::ws_frame_reserved_opcode},
      {"rsv2", ws_frame(rsv2, bytes_of("x")), Direction::to_server,
       FindingId::ws_frame_rsv_nonzero},
      {"control too long", ws_frame(long_ping, Bytes(126, 'p')), Direction::to_server,
       FindingId::ws_frame_control_too_long},
      {"control fragmented", ws_frame(frag_ping, bytes_of("p")), Direction::to_server,
       FindingId::ws_frame_control_fragmented},
      {"lone continuation", ws_frame(cont, bytes_of("x")), Direction::to_server,
       FindingId::ws_frame_unexpected_continuation},
      {"interleaved", interleaved, Direction::to_server, FindingId::ws_frame_interleaved_message},
      {"close code 1005", ws_frame(close, Bytes{0x03, 0xed}), Direction::to_server,
       FindingId::ws_close_invalid_code},
      {"close one byte", ws_frame(close, Bytes{0x03}), Direction::to_server,
       FindingId::ws_close_invalid_payload},
      {"data after close", after_close, Direction::to_server, FindingId::ws_frame_after_close},
      {"invalid utf8 text", ws_frame({}, bytes_of("\xc0\xaf")), Direction::to_server,
       FindingId::ws_text_invalid_utf8},
      {"length not minimal", ws_frame(not_minimal, bytes_of("x")), Direction::to_server,
       FindingId::ws_frame_length_not_minimal},
  };
  for (const Case& c : cases) {
    auto run = feed(c.stream, {}, c.dir);
    EXPECT_EQ(run->findings.count(c.expected), 1u) << c.name;
    EXPECT_EQ(run->findings.findings().size(), 1u)
        << c.name << ": also " << run->findings.findings().back().kind().name;
  }
  auto run = feed(ws_frame(rsv1_on_ping, bytes_of("p")), {}, Direction::to_server, DeflateParams{});
  EXPECT_EQ(run->findings.count(FindingId::ws_deflate_rsv1_misplaced), 1u);
}

TEST(WsLimits, OversizedMessageIsCutAndReported) {
  WsLimits limits;
  limits.max_message_bytes = 1000;
  auto run =
      feed(ws_frame({}, Bytes(5000, 'a')), {100, 2000}, Direction::to_server, std::nullopt, limits);
  EXPECT_EQ(run->findings.count(FindingId::limit_ws_message_bytes), 1u);
  ASSERT_EQ(run->recorder.messages.size(), 1u);
  EXPECT_EQ(run->recorder.messages[0].size(), 1000u);
  EXPECT_TRUE(run->recorder.info[0].incomplete);
}

TEST(WsGaps, GapInsidePayloadKeepsFraming) {
  Recorder recorder;
  FindingCollector findings;
  WsMessageAssembler a(Direction::to_server, 0, std::nullopt, recorder, findings);
  const Bytes one = ws_frame({}, bytes_of(kRegister));
  const Bytes two = ws_frame({}, bytes_of("OPTIONS sip:x SIP/2.0\r\n\r\n"));
  a.on_data(ByteView(one).first(20), 1, 0);
  EXPECT_TRUE(a.on_gap(30, 2));  // inside the first frame's payload
  a.on_data(ByteView(one).subspan(50), 3, 0);
  a.on_data(two, 4, 0);
  ASSERT_EQ(recorder.info.size(), 2u);
  EXPECT_TRUE(recorder.info[0].incomplete);
  EXPECT_FALSE(recorder.info[1].incomplete);
  EXPECT_EQ(recorder.messages[1], "OPTIONS sip:x SIP/2.0\r\n\r\n");
  // A gap that swallows a header loses the framing.
  EXPECT_FALSE(a.on_gap(3, 5));
}

}  // namespace
}  // namespace sipws
