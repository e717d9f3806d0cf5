// Conformance rules, each planted once in a hand-built conversation (byte-level fixtures, as
// labelled: real software does not break these on purpose) and required to be flagged with its
// id at the frame where the offending bytes end; the legal variants must not be flagged.

#include <gtest/gtest.h>

#include "calls/call_rules.h"
#include "dissector/sip/sip_rules.h"
#include "tests/dissector/conversation.h"

namespace sipws {
namespace {

using test::Bytes;
using test::bytes_of;

const std::string kSip =
    "OPTIONS sip:proxy.invalid;transport=ws SIP/2.0\r\nVia: SIP/2.0/WS "
    "c.invalid;branch=z9hG4bKa\r\n"
    "Max-Forwards: 70\r\nFrom: <sip:a@h>;tag=1\r\nTo: <sip:b@h>\r\nCall-ID: k\r\nCSeq: 1 "
    "OPTIONS\r\n"
    "Content-Length: 0\r\n\r\n";

struct Handshake {
  std::string request =
      "GET /ws HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
      "Sec-WebSocket-Protocol: sip\r\n";
  std::string response =
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: sip\r\n";
  std::string request_extra;
  std::string response_extra;
  std::string sip = kSip;

  // Frames: 1 request, 2 response, 3 a SIP message from the client.
  Conversation conversation() const {
    Conversation c;
    c.add(Direction::to_server, bytes_of(request + request_extra + "\r\n"));
    c.add(Direction::to_client, bytes_of(response + response_extra + "\r\n"));
    c.add(Direction::to_server, test::ws_frame({}, bytes_of(sip)));
    return c;
  }
};

std::string replace(std::string text, const std::string& from, const std::string& to) {
  const std::size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

// Runs the conversation and returns the findings of one id, with their frames.
std::vector<std::uint64_t> frames_of(const Conversation& c, FindingId id,
                                     std::size_t* total = nullptr) {
  FindingCollector findings;
  dissect(c, {}, findings);
  std::vector<std::uint64_t> frames;
  for (const Finding& f : findings.findings()) {
    if (f.id == id) frames.push_back(f.frame);
  }
  if (total != nullptr) *total = findings.findings().size();
  return frames;
}

TEST(Conformance, CleanHandshakeAndMessageRaiseNothing) {
  std::size_t total = 99;
  frames_of(Handshake{}.conversation(), FindingId::http_malformed, &total);
  EXPECT_EQ(total, 0u);
}

TEST(Conformance, EachHandshakeRuleAtItsFrame) {
  struct Case {
    const char* name;
    Handshake h;
    FindingId id;
    std::uint64_t frame;
    std::size_t total;  // findings in all: 1, or more where another rule must fire too
  };
  std::vector<Case> cases;
  auto add = [&cases](const char* name, FindingId id, std::uint64_t frame, auto change,
                      std::size_t total = 1) {
    Handshake h;
    change(h);
    cases.push_back({name, h, id, frame, total});
  };
  add("HTTP/1.0", FindingId::http_upgrade_bad_request, 1,
      [](Handshake& h) { h.request = replace(h.request, "HTTP/1.1", "HTTP/1.0"); });
  add("no Host", FindingId::http_upgrade_missing_host, 1,
      [](Handshake& h) { h.request = replace(h.request, "Host: h\r\n", ""); });
  add("no Connection", FindingId::http_upgrade_missing_connection, 1, [](Handshake& h) {
    h.request = replace(h.request, "Connection: Upgrade\r\n", "Connection: keep-alive\r\n");
  });
  add("short key", FindingId::http_upgrade_bad_key, 1, [](Handshake& h) {
    h.request = replace(h.request, "dGhlIHNhbXBsZSBub25jZQ==", "c2hvcnQ=");
    h.response = replace(h.response, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", ws_accept_for_key("c2hvcnQ="));
  });
  add("version 8", FindingId::http_upgrade_bad_version, 1,
      [](Handshake& h) { h.request = replace(h.request, "Version: 13", "Version: 8"); });
  add("wrong accept", FindingId::http_upgrade_accept_mismatch, 2,
      [](Handshake& h) { h.response = replace(h.response, "s3pP", "XXXX"); });
  add("101 without Upgrade", FindingId::http_upgrade_response_headers, 2,
      [](Handshake& h) { h.response = replace(h.response, "Upgrade: websocket\r\n", ""); });
  add(
      "protocol not offered", FindingId::ws_handshake_protocol_not_offered, 2,
      [](Handshake& h) { h.response = replace(h.response, "Protocol: sip", "Protocol: msrp"); },
      2);  // and sip.ws.subprotocol: SIP flows on a connection that did not choose sip
  add("extension not offered", FindingId::ws_handshake_extension_not_offered, 2, [](Handshake& h) {
    h.response_extra = "Sec-WebSocket-Extensions: x-webkit-deflate-frame\r\n";
  });
  add("deflate unknown parameter", FindingId::ws_deflate_unknown_parameter, 1, [](Handshake& h) {
    h.request_extra = "Sec-WebSocket-Extensions: permessage-deflate; x_fast\r\n";
  });
  add("deflate window bits 16", FindingId::ws_deflate_bad_window_bits, 1, [](Handshake& h) {
    h.request_extra = "Sec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=16\r\n";
  });
  add("client_max_window_bits not offered", FindingId::ws_deflate_parameter_not_offered, 2,
      [](Handshake& h) {
        h.request_extra = "Sec-WebSocket-Extensions: permessage-deflate\r\n";
        h.response_extra =
            "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits=10\r\n";
      });
  add("SIP without the sip subprotocol", FindingId::sip_ws_subprotocol, 3, [](Handshake& h) {
    h.request = replace(h.request, "Sec-WebSocket-Protocol: sip\r\n", "");
    h.response = replace(h.response, "Sec-WebSocket-Protocol: sip\r\n", "");
  });
  add("Via transport TCP on WebSocket", FindingId::sip_ws_via_transport, 3,
      [](Handshake& h) { h.sip = replace(h.sip, "SIP/2.0/WS", "SIP/2.0/TCP"); });
  add("transport=wss", FindingId::sip_ws_transport_wss, 3,
      [](Handshake& h) { h.sip = replace(h.sip, "transport=ws", "transport=wss"); });
  add("no Max-Forwards", FindingId::sip_missing_max_forwards, 3,
      [](Handshake& h) { h.sip = replace(h.sip, "Max-Forwards: 70\r\n", ""); });
  add("branch without cookie", FindingId::sip_branch_without_cookie, 3,
      [](Handshake& h) { h.sip = replace(h.sip, "branch=z9hG4bKa", "branch=1234"); });
  for (const Case& c : cases) {
    std::size_t total = 0;
    const auto frames = frames_of(c.h.conversation(), c.id, &total);
    EXPECT_EQ(frames, std::vector<std::uint64_t>{c.frame})
        << c.name << " (" << finding_kind(c.id).name << ")";
    EXPECT_EQ(total, c.total) << c.name << ": only the planted rule fires";
  }
}

TEST(Conformance, FramesBeforeTheHandshakeOrAfterARefusal) {
  Handshake h;
  Conversation early;
  Bytes up = bytes_of(h.request + "\r\n");
  early.add(Direction::to_server, up);
  early.add(Direction::to_server, test::ws_frame({}, bytes_of(kSip)));  // frame 2, before the 101
  early.add(Direction::to_client, bytes_of(h.response + "\r\n"));
  EXPECT_EQ(frames_of(early, FindingId::ws_frame_before_handshake), std::vector<std::uint64_t>{2});

  Conversation refused;
  refused.add(Direction::to_server, bytes_of(h.request + "\r\n"));
  refused.add(Direction::to_client,
              bytes_of("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n"));
  refused.add(Direction::to_server, test::ws_frame({}, bytes_of(kSip)));  // frame 3
  EXPECT_EQ(frames_of(refused, FindingId::ws_frame_after_refusal), std::vector<std::uint64_t>{3});
  EXPECT_EQ(frames_of(refused, FindingId::http_upgrade_refused), std::vector<std::uint64_t>{2});
}

TEST(Conformance, LegalVariantsAreNotFlagged) {
  // Control frames between fragments, a CRLF keep-alive, no Via received, a binary frame with
  // non-UTF-8 SIP, deflate parameters offered and answered properly.
  Handshake h;
  h.request_extra = "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n";
  h.response_extra =
      "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits=12; "
      "server_no_context_takeover\r\n";
  Conversation c = h.conversation();
  test::FrameSpec first;
  first.fin = false;
  test::FrameSpec ping;
  ping.opcode = ws_opcode::ping;
  test::FrameSpec last;
  last.opcode = ws_opcode::continuation;
  Bytes split = test::ws_frame(first, bytes_of(kSip.substr(0, 30)));
  for (const Bytes& f :
       {test::ws_frame(ping, {}), test::ws_frame(last, bytes_of(kSip.substr(30)))}) {
    split.insert(split.end(), f.begin(), f.end());
  }
  c.add(Direction::to_server, split);
  c.add(Direction::to_server, test::ws_frame({}, bytes_of("\r\n\r\n")));
  test::FrameSpec binary;
  binary.opcode = ws_opcode::binary;
  c.add(Direction::to_server,
        test::ws_frame(binary,
                       bytes_of(replace(kSip, "To: <sip:b@h>", "To: \"\xff\xfe\" <sip:b@h>"))));
  FindingCollector findings;
  EXPECT_EQ(dissect(c, {}, findings).size(), 3u);
  for (const Finding& f : findings.findings()) ADD_FAILURE() << f.kind().name << ": " << f.detail;
}

}  // namespace
}  // namespace sipws
