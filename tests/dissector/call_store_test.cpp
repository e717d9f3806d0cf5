// The call model on hand-written SIP dialogues (unit-test vectors for the state machine's edge
// cases; the real samples are checked end to end in tests/integration/calls_vs_samples.py).

#include "calls/call_store.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <random>
#include <unordered_set>

#include "calls/call_rules.h"
#include "calls/hash_set64.h"
#include "calls/ladder.h"
#include "calls/live_calls.h"
#include "calls/text_arena.h"
#include "tests/support/test_support.h"

namespace sipws {
namespace {

// The retransmission keys' set answers exactly as std::unordered_set does: well-mixed keys,
// small sequential ones (which share their low bits' neighbourhoods and probe past each other),
// 0 (the free-slot mark) and repeats, across many growths.
TEST(HashSet64, AnswersAsUnorderedSet) {
  HashSet64 set;
  std::unordered_set<std::uint64_t> reference;
  std::mt19937_64 random(7);
  for (int i = 0; i < 200000; ++i) {
    std::uint64_t key = 0;
    switch (i % 4) {
      case 0:
        key = random();
        break;
      case 1:
        key = static_cast<std::uint64_t>(i % 5000);
        break;  // sequential, repeated, 0
      case 2:
        key = random() << 40;
        break;  // low bits all zero
      default:
        key = random() % 100000;
        break;
    }
    ASSERT_EQ(set.insert(key), reference.insert(key).second) << i << " " << key;
  }
  EXPECT_EQ(set.size(), reference.size());
}

// Views into the arena stay as they were written while it fills chunk after chunk, with texts
// longer than a chunk among them.
TEST(TextArena, ViewsStayValidAsItGrows) {
  TextArena arena;
  std::vector<std::pair<std::string_view, std::string>> kept;
  std::mt19937 random(3);
  for (int i = 0; i < 5000; ++i) {
    const std::size_t length = i % 997 == 0 ? 200'000 : random() % 200;
    std::string text(length, static_cast<char>('a' + i % 26));
    if (!text.empty()) text.back() = static_cast<char>('0' + i % 10);
    kept.emplace_back(arena.keep(text), text);
  }
  EXPECT_TRUE(arena.keep("").empty());
  // A few short texts cost a small first chunk, not a large one (a live analysis keeps a store,
  // and its arena, per call).
  TextArena small;
  small.keep("ufrag");
  small.keep("a-password-of-24-chars!!");
  EXPECT_LE(small.bytes(), 256u);
  std::size_t total = 0;
  for (const auto& [view, text] : kept) {
    ASSERT_EQ(view, text);
    total += text.size();
  }
  EXPECT_GE(arena.bytes(), total);
}

Endpoint ep(const char* ip, std::uint16_t port) {
  return test::endpoint(ip, port);
}

class CallStoreTest : public ::testing::Test {
 protected:
  // Sends one message from a to b; `first_line` and `cseq` make it a request or a response.
  void send(const Endpoint& from, const Endpoint& to, const std::string& first_line,
            const std::string& cseq, const std::string& call_id = "call-1",
            const std::string& to_tag = "", const std::string& branch = "z9hG4bK-1",
            const std::string& extra = "", const std::string& via_params = "",
            const std::string& from_tag = "ft") {
    std::string text = first_line + "\r\nVia: SIP/2.0/WS a.invalid;branch=" + branch + via_params +
                       "\r\nFrom: <sip:alice@example.com>;tag=" + from_tag +
                       "\r\nTo: <sip:bob@example.com>" + (to_tag.empty() ? "" : ";tag=" + to_tag) +
                       "\r\nCall-ID: " + call_id + "\r\nCSeq: " + cseq + "\r\n" + extra +
                       "Content-Length: 0\r\n\r\n";
    ++frame_;
    // The same message into the store that keeps messages, the one that keeps summaries and the
    // live calls.
    for (SipMessageSink* store :
         {static_cast<SipMessageSink*>(&store_), static_cast<SipMessageSink*>(&summary_store_),
          static_cast<SipMessageSink*>(&live_)}) {
      SipMessageRecord r;
      r.frame = frame_;
      r.timestamp = static_cast<TimeNs>(frame_) * 1'000'000'000;
      r.src = from;
      r.dst = to;
      r.transport = SipTransport::ws;
      r.bytes.assign(text.begin(), text.end());
      ASSERT_EQ(parse_sip_message(std::string_view(r.bytes.data(), r.bytes.size()), r.sip).status,
                SipParseStatus::ok);
      store->on_sip_message(std::move(r));
    }
  }
  // Every test ends here: a store that keeps only summaries must find the same calls and the
  // same rule findings as one that keeps every message.
  void TearDown() override {
    ASSERT_TRUE(store_.keeps_records());
    ASSERT_FALSE(summary_store_.keeps_records());
    EXPECT_FALSE(summary_store_.record(0));
    store_.finish();
    summary_store_.finish();
    // The live calls, each checked as it leaves, give the rules' findings of the whole store, in
    // its order (each test's dialogue is shorter than the linger: all leave at finish, by index).
    FindingCollector whole;
    check_calls(store_, whole);
    live_.finish();
    EXPECT_EQ(live_.live(), 0u);
    ASSERT_EQ(live_findings_.findings().size(), whole.findings().size());
    for (std::size_t i = 0; i < whole.findings().size(); ++i) {
      EXPECT_EQ(live_findings_.findings()[i].id, whole.findings()[i].id);
      EXPECT_EQ(live_findings_.findings()[i].frame, whole.findings()[i].frame);
      EXPECT_EQ(live_findings_.findings()[i].call, whole.findings()[i].call);
      EXPECT_EQ(live_findings_.findings()[i].detail, whole.findings()[i].detail);
    }
    ASSERT_EQ(store_.calls().size(), summary_store_.calls().size());
    for (std::size_t i = 0; i < store_.calls().size(); ++i) {
      const Call& a = store_.calls()[i];
      const Call& b = summary_store_.calls()[i];
      EXPECT_EQ(a.call_id, b.call_id);
      EXPECT_EQ(a.state, b.state) << a.call_id;
      EXPECT_EQ(a.final_status, b.final_status);
      EXPECT_EQ(a.group, b.group);
      EXPECT_EQ(a.retransmissions(), b.retransmissions());
      EXPECT_EQ(a.transactions.size(), b.transactions.size());
      EXPECT_EQ(a.dialogs.size(), b.dialogs.size());
      ASSERT_EQ(a.messages.size(), b.messages.size());
    }
    FindingCollector from_records;
    FindingCollector from_summaries;
    check_calls(store_, from_records);
    check_calls(summary_store_, from_summaries);
    ASSERT_EQ(from_records.findings().size(), from_summaries.findings().size());
    for (std::size_t i = 0; i < from_records.findings().size(); ++i) {
      EXPECT_EQ(from_records.findings()[i].id, from_summaries.findings()[i].id);
      EXPECT_EQ(from_records.findings()[i].frame, from_summaries.findings()[i].frame);
      EXPECT_EQ(from_records.findings()[i].detail, from_summaries.findings()[i].detail);
    }
  }
  const Call& call(const std::string& id = "call-1") {
    const Call* c = store_.find(id);
    EXPECT_NE(c, nullptr);
    return *c;
  }

  Endpoint alice_ = ep("192.0.2.10", 50000);
  Endpoint proxy_ = ep("192.0.2.1", 443);
  CallStore store_;
  CallStore summary_store_{false};
  FindingCollector live_findings_;
  LiveCalls live_{LiveCallLimits{}, live_findings_};
  std::uint64_t frame_ = 0;
};

TEST_F(CallStoreTest, AnsweredAndCompleted) {
  send(alice_, proxy_, "INVITE sip:bob@example.com SIP/2.0", "1 INVITE");
  EXPECT_EQ(call().state, CallState::call_setup);
  send(proxy_, alice_, "SIP/2.0 100 Trying", "1 INVITE");
  send(proxy_, alice_, "SIP/2.0 180 Ringing", "1 INVITE", "call-1", "tt");
  EXPECT_EQ(call().state, CallState::ringing);
  send(proxy_, alice_, "SIP/2.0 200 OK", "1 INVITE", "call-1", "tt");
  EXPECT_EQ(call().state, CallState::in_call);
  send(alice_, proxy_, "ACK sip:bob@example.com SIP/2.0", "1 ACK", "call-1", "tt", "z9hG4bK-2");
  send(alice_, proxy_, "BYE sip:bob@example.com SIP/2.0", "2 BYE", "call-1", "tt", "z9hG4bK-3");
  send(proxy_, alice_, "SIP/2.0 200 OK", "2 BYE", "call-1", "tt", "z9hG4bK-3");
  const Call& c = call();
  EXPECT_EQ(c.state, CallState::completed);
  EXPECT_EQ(c.final_status, 200);
  EXPECT_EQ(c.messages.size(), 7u);
  EXPECT_EQ(*c.setup_time(), 3'000'000'000);  // INVITE in frame 1, 200 in frame 4
  EXPECT_EQ(*c.duration(), 3'000'000'000);    // 200 in frame 4 to the last message in frame 7
  ASSERT_EQ(c.dialogs.size(), 1u);
  EXPECT_TRUE(c.dialogs[0].confirmed);
  EXPECT_EQ(c.transactions.size(), 3u);  // INVITE, ACK (to a 2xx: its own), BYE
}

// Why a call ended: the callee's BYE (its own tag in From) with a Reason; the post-dial delay.
TEST_F(CallStoreTest, EndedByTheCalleeWithAReason) {
  send(alice_, proxy_, "INVITE sip:bob@example.com SIP/2.0", "1 INVITE");
  send(proxy_, alice_, "SIP/2.0 183 Session Progress", "1 INVITE", "call-1", "tt");  // frame 2
  send(proxy_, alice_, "SIP/2.0 200 OK", "1 INVITE", "call-1", "tt");
  send(alice_, proxy_, "ACK sip:bob@example.com SIP/2.0", "1 ACK", "call-1", "tt", "z9hG4bK-2");
  send(proxy_, alice_, "BYE sip:alice@example.com SIP/2.0", "1 BYE", "call-1", "ft", "z9hG4bK-3",
       "Reason: Q.850;cause=16;text=\"Normal call clearing\"\r\n", "", "tt");
  const Call& c = call();
  EXPECT_EQ(c.ended_by, Call::EndedBy::callee);
  EXPECT_EQ(c.reason_header, "Q.850;cause=16;text=\"Normal call clearing\"");
  EXPECT_EQ(*c.pdd(), 1'000'000'000);  // INVITE in frame 1, 183 in frame 2
  EXPECT_EQ(c.final_reason, "OK");
  EXPECT_EQ(c.final_from, proxy_);
}

TEST_F(CallStoreTest, RejectedWithAWarning) {
  send(alice_, proxy_, "INVITE sip:bob@example.com SIP/2.0", "1 INVITE");
  send(proxy_, alice_, "SIP/2.0 488 Not Acceptable Here", "1 INVITE", "call-1", "tt", "z9hG4bK-1",
       "Warning: 399 proxy.example.com \"Media negotiation failed\"\r\n");
  const Call& c = call();
  EXPECT_EQ(c.state, CallState::rejected);
  EXPECT_EQ(c.final_reason, "Not Acceptable Here");
  EXPECT_EQ(c.warning_header, "399 proxy.example.com \"Media negotiation failed\"");
  EXPECT_EQ(c.ended_by, Call::EndedBy::nobody);
  EXPECT_FALSE(c.pdd());
}

TEST_F(CallStoreTest, ChallengeThenAnswer) {
  send(alice_, proxy_, "INVITE sip:bob@example.com SIP/2.0", "1 INVITE");
  send(proxy_, alice_, "SIP/2.0 407 Proxy Authentication Required", "1 INVITE", "call-1", "x");
  send(alice_, proxy_, "ACK sip:bob@example.com SIP/2.0", "1 ACK", "call-1", "x");
  EXPECT_EQ(call().state, CallState::call_setup);
  EXPECT_EQ(call().transactions.size(), 1u);  // the ACK to a non-2xx belongs to the INVITE
  send(alice_, proxy_, "INVITE sip:bob@example.com SIP/2.0", "2 INVITE", "call-1", "", "z9hG4bK-4");
  send(proxy_, alice_, "SIP/2.0 200 OK", "2 INVITE", "call-1", "tt", "z9hG4bK-4");
  EXPECT_EQ(call().state, CallState::in_call);
}

TEST_F(CallStoreTest, ForkedFailureDoesNotUndoAnAnswer) {
  send(alice_, proxy_, "INVITE sip:bob@example.com SIP/2.0", "1 INVITE");
  send(proxy_, alice_, "SIP/2.0 180 Ringing", "1 INVITE", "call-1", "fork1");
  send(proxy_, alice_, "SIP/2.0 180 Ringing", "1 INVITE", "call-1", "fork2");
  send(proxy_, alice_, "SIP/2.0 200 OK", "1 INVITE", "call-1", "fork1");
  send(proxy_, alice_, "SIP/2.0 486 Busy Here", "1 INVITE", "call-1", "fork2");
  EXPECT_EQ(call().state, CallState::in_call);
  EXPECT_EQ(call().dialogs.size(), 2u);  // two early dialogs, one confirmed
}

TEST_F(CallStoreTest, FinalResponsesNameTheState) {
  const std::vector<std::pair<std::string, CallState>> cases = {
      {"486 Busy Here", CallState::busy},
      {"600 Busy Everywhere", CallState::busy},
      {"302 Moved Temporarily", CallState::diverted},
      {"404 Not Found", CallState::rejected},
      {"603 Decline", CallState::rejected},
      {"503 Service Unavailable", CallState::failed},
      {"408 Request Timeout", CallState::failed},
      {"487 Request Terminated", CallState::cancelled},
  };
  int n = 0;
  for (const auto& [line, state] : cases) {
    const std::string id = "c" + std::to_string(++n);
    send(alice_, proxy_, "INVITE sip:bob@example.com SIP/2.0", "1 INVITE", id);
    send(proxy_, alice_, "SIP/2.0 " + line, "1 INVITE", id, "t");
    EXPECT_EQ(call(id).state, state) << line;
    EXPECT_EQ(call(id).final_status, std::stoi(line)) << line;
  }
}

TEST_F(CallStoreTest, CancelledBeforeAnswer) {
  send(alice_, proxy_, "INVITE sip:bob@example.com SIP/2.0", "1 INVITE");
  send(proxy_, alice_, "SIP/2.0 180 Ringing", "1 INVITE", "call-1", "tt");
  send(alice_, proxy_, "CANCEL sip:bob@example.com SIP/2.0", "1 CANCEL");
  EXPECT_EQ(call().state, CallState::cancelled);
  EXPECT_TRUE(call().transactions[0].cancelled);
  send(proxy_, alice_, "SIP/2.0 487 Request Terminated", "1 INVITE", "call-1", "tt");
  EXPECT_EQ(call().state, CallState::cancelled);
  EXPECT_EQ(call().final_status, 487);
}

TEST_F(CallStoreTest, ALongCallsTransactionsAreFoundPastTheIndexThreshold) {
  // 100 INFO transactions (past the 32 from which a call's transactions are indexed); then a
  // re-INVITE that is cancelled, answers to an early INFO arriving late, and a branch reused
  // with another CSeq (a new transaction).
  send(alice_, proxy_, "INVITE sip:bob@example.com SIP/2.0", "1 INVITE");
  send(proxy_, alice_, "SIP/2.0 200 OK", "1 INVITE", "call-1", "tt");
  send(alice_, proxy_, "ACK sip:bob@example.com SIP/2.0", "1 ACK", "call-1", "tt", "z9hG4bK-a");
  for (int i = 0; i < 100; ++i) {
    const std::string cseq = std::to_string(2 + i);
    const std::string branch = "z9hG4bK-info" + cseq;
    send(alice_, proxy_, "INFO sip:bob@example.com SIP/2.0", cseq + " INFO", "call-1", "tt",
         branch);
    if (i != 5) send(proxy_, alice_, "SIP/2.0 200 OK", cseq + " INFO", "call-1", "tt", branch);
  }
  send(proxy_, alice_, "SIP/2.0 200 OK", "7 INFO", "call-1", "tt", "z9hG4bK-info7");
  send(alice_, proxy_, "INVITE sip:bob@example.com SIP/2.0", "102 INVITE", "call-1", "tt",
       "z9hG4bK-re");
  send(alice_, proxy_, "CANCEL sip:bob@example.com SIP/2.0", "102 CANCEL", "call-1", "tt",
       "z9hG4bK-re");
  send(proxy_, alice_, "SIP/2.0 487 Request Terminated", "102 INVITE", "call-1", "tt",
       "z9hG4bK-re");
  send(alice_, proxy_, "ACK sip:bob@example.com SIP/2.0", "102 ACK", "call-1", "tt", "z9hG4bK-re");
  send(alice_, proxy_, "INFO sip:bob@example.com SIP/2.0", "103 INFO", "call-1", "tt",
       "z9hG4bK-info7");
  const Call& c = call();
  // INVITE, ACK, 100 INFOs, the re-INVITE (its CANCEL and ACK with it), the reused branch.
  ASSERT_EQ(c.transactions.size(), 104u);
  const SipTransaction& late = c.transactions[7];  // INFO 7: its 200 came after the others
  EXPECT_EQ(late.cseq, 7u);
  EXPECT_EQ(late.messages.size(), 2u);
  EXPECT_EQ(late.final_status, 200);
  const SipTransaction& reinvite = c.transactions[102];
  EXPECT_EQ(reinvite.method, "INVITE");
  EXPECT_TRUE(reinvite.cancelled);
  EXPECT_EQ(reinvite.messages.size(), 4u);  // INVITE, CANCEL, 487, ACK
  EXPECT_EQ(reinvite.final_status, 487);
  EXPECT_EQ(c.transactions[103].cseq, 103u);
  EXPECT_EQ(c.transactions[103].messages.size(), 1u);
}

// Calls are found by Call-ID through a table that grows with them: every one of 1,200 (past five
// growths, 64 to 2,048 slots) is found, unknown ones are not, and each message joins its own call.
TEST_F(CallStoreTest, EveryCallIsFoundByItsCallIdAsTheTableGrows) {
  constexpr int kCalls = 1200;
  for (int i = 0; i < kCalls; ++i) {
    send(alice_, proxy_, "OPTIONS sip:bob@example.com SIP/2.0", "1 OPTIONS",
         "id-" + std::to_string(i), "", "z9hG4bK-" + std::to_string(i));
  }
  // Every other call again: its answer joins the same call (and its OPTIONS transaction).
  for (int i = 0; i < kCalls; i += 2) {
    send(proxy_, alice_, "SIP/2.0 200 OK", "1 OPTIONS", "id-" + std::to_string(i), "t",
         "z9hG4bK-" + std::to_string(i));
  }
  ASSERT_EQ(store_.calls().size(), static_cast<std::size_t>(kCalls));
  for (int i = 0; i < kCalls; ++i) {
    const Call* c = store_.find("id-" + std::to_string(i));
    ASSERT_NE(c, nullptr) << i;
    EXPECT_EQ(c->index, static_cast<std::uint64_t>(i));
    EXPECT_EQ(c->messages.size(), i % 2 == 0 ? 2u : 1u);
  }
  EXPECT_EQ(store_.find("id-1200"), nullptr);
  EXPECT_EQ(store_.find(""), nullptr);
  // The messages' hops: requests one way, answers the other, each summary with its own.
  const auto& summaries = store_.summaries();
  EXPECT_EQ(summaries.front().path->src, alice_);
  EXPECT_EQ(summaries.back().path->src, proxy_);
  EXPECT_EQ(summaries.back().path->dst, alice_);
  EXPECT_EQ(summaries.back().method, "");
  EXPECT_EQ(summaries.back().cseq_method, "OPTIONS");
}

TEST_F(CallStoreTest, RetransmissionsAreMarkedAndDoNotCountTwice) {
  send(alice_, proxy_, "INVITE sip:bob@example.com SIP/2.0", "1 INVITE");
  send(alice_, proxy_, "INVITE sip:bob@example.com SIP/2.0", "1 INVITE");
  send(proxy_, alice_, "SIP/2.0 200 OK", "1 INVITE", "call-1", "tt");
  send(proxy_, alice_, "SIP/2.0 200 OK", "1 INVITE", "call-1", "tt");
  const Call& c = call();
  ASSERT_EQ(c.messages.size(), 4u);
  EXPECT_FALSE(c.messages[0].retransmission);
  EXPECT_TRUE(c.messages[1].retransmission);
  EXPECT_TRUE(c.messages[3].retransmission);
  // The same request on another hop (forwarded by a proxy) is not a retransmission.
  send(proxy_, ep("192.0.2.20", 5060), "INVITE sip:bob@example.com SIP/2.0", "1 INVITE", "call-1",
       "", "z9hG4bK-p");
  EXPECT_FALSE(call().messages.back().retransmission);
}

TEST_F(CallStoreTest, RegistrationOutcomes) {
  send(alice_, proxy_, "REGISTER sip:example.com SIP/2.0", "1 REGISTER", "reg");
  EXPECT_EQ(call("reg").state, CallState::no_response);
  send(proxy_, alice_, "SIP/2.0 401 Unauthorized", "1 REGISTER", "reg", "t");
  EXPECT_EQ(call("reg").state, CallState::challenged);
  send(alice_, proxy_, "REGISTER sip:example.com SIP/2.0", "2 REGISTER", "reg", "", "z9hG4bK-r2");
  send(proxy_, alice_, "SIP/2.0 200 OK", "2 REGISTER", "reg", "t", "z9hG4bK-r2");
  EXPECT_EQ(call("reg").state, CallState::registered);
  send(alice_, proxy_, "REGISTER sip:example.com SIP/2.0", "3 REGISTER", "reg", "", "z9hG4bK-r3",
       "Expires: 0\r\n");
  send(proxy_, alice_, "SIP/2.0 200 OK", "3 REGISTER", "reg", "t", "z9hG4bK-r3");
  EXPECT_EQ(call("reg").state, CallState::unregistered);
  send(alice_, proxy_, "OPTIONS sip:example.com SIP/2.0", "1 OPTIONS", "opt");
  send(proxy_, alice_, "SIP/2.0 200 OK", "1 OPTIONS", "opt", "t");
  EXPECT_EQ(call("opt").state, CallState::ok);
}

TEST_F(CallStoreTest, B2buaLegsAreGroupedByCorrelationHeaders) {
  send(alice_, proxy_, "INVITE sip:bob@example.com SIP/2.0", "1 INVITE", "leg-a");
  send(proxy_, ep("192.0.2.20", 5060), "INVITE sip:bob@example.com SIP/2.0", "1 INVITE", "leg-b",
       "", "z9hG4bK-b", "X-Call-ID: leg-a\r\n");
  send(alice_, proxy_, "INVITE sip:carol@example.com SIP/2.0", "1 INVITE", "other");
  store_.finish();
  EXPECT_EQ(call("leg-a").group, call("leg-a").index);
  EXPECT_EQ(call("leg-b").group, call("leg-a").index);
  EXPECT_EQ(call("other").group, call("other").index);
}

TEST_F(CallStoreTest, LadderHasOneArrowPerMessageAndColumnsInOrderOfAppearance) {
  send(alice_, proxy_, "INVITE sip:bob@example.com SIP/2.0", "1 INVITE", "call-1", "", "z9hG4bK-1",
       "User-Agent: JsSIP 3.13.8\r\n");
  send(proxy_, ep("192.0.2.20", 5060), "INVITE sip:bob@example.com SIP/2.0", "1 INVITE", "call-1",
       "", "z9hG4bK-p");
  send(ep("192.0.2.20", 5060), proxy_, "SIP/2.0 200 OK", "1 INVITE", "call-1", "tt", "z9hG4bK-p");
  const Ladder ladder = build_ladder(store_, {&call()});
  ASSERT_EQ(ladder.participants.size(), 3u);
  EXPECT_EQ(ladder.participants[0].endpoint, alice_);
  EXPECT_EQ(ladder.participants[0].name, "JsSIP 3.13.8");
  EXPECT_EQ(ladder.participants[2].endpoint.to_string(), "192.0.2.20:5060");
  ASSERT_EQ(ladder.arrows.size(), 3u);
  EXPECT_EQ(ladder.arrows[1].from, 1u);
  EXPECT_EQ(ladder.arrows[1].to, 2u);
  EXPECT_EQ(ladder.arrows[2].label, "200 OK");
  EXPECT_EQ(ladder.arrows[2].delta, 1'000'000'000);
  // The values behind the labels, for front ends that colour or filter.
  EXPECT_EQ(ladder.arrows[0].status_code, 0);
  EXPECT_EQ(ladder.arrows[0].method, "INVITE");
  EXPECT_EQ(ladder.arrows[2].status_code, 200);
  EXPECT_EQ(ladder.arrows[2].method, "INVITE");
}

// Live calls: a call that is over leaves `linger` after its last message, one that is not after
// `idle`, the least recently active past max_calls (with a finding); the rules run as each
// leaves, and a Call-ID that comes back after its call left starts a new call.
TEST(LiveCalls, CallsLeaveMemoryByLingerIdleAndCap) {
  auto record = [](const std::string& first_line, const std::string& cseq,
                   const std::string& call_id, TimeNs seconds, bool tagged = true) {
    SipMessageRecord r;
    const std::string text = first_line + "\r\nVia: SIP/2.0/UDP a.invalid;branch=z9hG4bK-" +
                             call_id +
                             "\r\nFrom: <sip:a@example.com>;tag=f\r\nTo: <sip:b@example.com>" +
                             (tagged ? ";tag=t" : "") + "\r\nCall-ID: " + call_id +
                             "\r\nCSeq: " + cseq + "\r\nContent-Length: 0\r\n\r\n";
    r.frame = static_cast<std::uint64_t>(seconds);
    r.timestamp = seconds * 1'000'000'000;
    r.src = ep("192.0.2.1", 5060);
    r.dst = ep("192.0.2.2", 5060);
    r.bytes.assign(text.begin(), text.end());
    EXPECT_EQ(parse_sip_message(std::string_view(r.bytes.data(), r.bytes.size()), r.sip).status,
              SipParseStatus::ok);
    return r;
  };
  FindingCollector findings;
  LiveCallLimits limits;
  limits.linger = 5'000'000'000;
  limits.idle = 100'000'000'000;
  limits.max_calls = 3;
  LiveCalls live(limits, findings);
  live.on_sip_message(record("OPTIONS sip:b@example.com SIP/2.0", "1 OPTIONS", "over", 1, false));
  live.on_sip_message(record("SIP/2.0 200 OK", "1 OPTIONS", "over", 2, false));  // no To tag
  live.on_sip_message(record("INVITE sip:b@example.com SIP/2.0", "1 INVITE", "open", 3, false));
  EXPECT_EQ(live.live(), 2u);
  live.advance(6'000'000'000);  // 4 s after "over" ended: it stays
  EXPECT_EQ(live.live(), 2u);
  EXPECT_TRUE(findings.findings().empty());
  live.advance(8'000'000'000);  // 6 s: it leaves, and its response without a To tag is found
  EXPECT_EQ(live.live(), 1u);
  ASSERT_EQ(findings.findings().size(), 1u);
  EXPECT_EQ(findings.findings()[0].id, FindingId::sip_response_missing_to_tag);
  EXPECT_EQ(findings.findings()[0].call, 0u);
  EXPECT_FALSE(live.call_id_of(0).has_value());
  EXPECT_EQ(live.call_id_of(1), std::optional<std::string_view>("open"));
  live.advance(50'000'000'000);  // "open" is not over: idle decides
  EXPECT_EQ(live.live(), 1u);
  // "over" comes back: a new call, the next index.
  live.on_sip_message(record("OPTIONS sip:b@example.com SIP/2.0", "2 OPTIONS", "over", 60));
  EXPECT_EQ(live.calls_seen(), 3u);
  live.on_sip_message(record("OPTIONS sip:b@example.com SIP/2.0", "1 OPTIONS", "c", 61));
  live.on_sip_message(record("OPTIONS sip:b@example.com SIP/2.0", "1 OPTIONS", "d", 62));
  // Four live, three allowed: "open", the least recently active, leaves early.
  EXPECT_EQ(live.live(), 3u);
  EXPECT_EQ(live.evicted_early(), 1u);
  ASSERT_GE(findings.findings().size(), 3u);
  EXPECT_EQ(findings.findings()[1].id, FindingId::limit_live_calls);
  EXPECT_EQ(findings.findings()[1].call, 1u);
  EXPECT_EQ(findings.findings()[2].id, FindingId::sip_no_final_response);  // its INVITE
  EXPECT_EQ(findings.findings()[2].call, 1u);
  live.finish();
  EXPECT_EQ(live.live(), 0u);
  // The three OPTIONS without answers, in call order.
  ASSERT_EQ(findings.findings().size(), 6u);
  EXPECT_EQ(findings.findings()[3].call, 2u);
  EXPECT_EQ(findings.findings()[4].call, 3u);
  EXPECT_EQ(findings.findings()[5].call, 4u);
}

// Rules across messages (byte-level fixtures, labelled as such).
class CallRulesTest : public CallStoreTest {
 protected:
  std::vector<std::pair<FindingId, std::uint64_t>> check() {
    store_.finish();
    FindingCollector findings;
    check_calls(store_, findings);
    std::vector<std::pair<FindingId, std::uint64_t>> out;
    for (const Finding& f : findings.findings()) out.emplace_back(f.id, f.frame);
    return out;
  }
  using Found = std::vector<std::pair<FindingId, std::uint64_t>>;
};

TEST_F(CallRulesTest, CancelWithAnotherCSeqNumber) {
  send(alice_, proxy_, "INVITE sip:bob@example.com SIP/2.0", "1 INVITE");
  send(proxy_, alice_, "SIP/2.0 180 Ringing", "1 INVITE", "call-1", "tt");
  send(alice_, proxy_, "CANCEL sip:bob@example.com SIP/2.0", "2 CANCEL");  // frame 3
  send(proxy_, alice_, "SIP/2.0 200 OK", "2 CANCEL", "call-1", "tt");
  send(proxy_, alice_, "SIP/2.0 487 Request Terminated", "1 INVITE", "call-1", "tt");
  EXPECT_EQ(check(), (Found{{FindingId::sip_cseq_number_mismatch, 3}}));
}

TEST_F(CallRulesTest, AckForA2xxWithAnotherCSeqNumber) {
  send(alice_, proxy_, "INVITE sip:bob@example.com SIP/2.0", "7 INVITE");
  send(proxy_, alice_, "SIP/2.0 200 OK", "7 INVITE", "call-1", "tt");
  // A new transaction (its own branch), but the wrong number: frame 3.
  send(alice_, proxy_, "ACK sip:bob@example.com SIP/2.0", "8 ACK", "call-1", "tt", "z9hG4bK-2");
  send(alice_, proxy_, "BYE sip:bob@example.com SIP/2.0", "9 BYE", "call-1", "tt", "z9hG4bK-3");
  send(proxy_, alice_, "SIP/2.0 200 OK", "9 BYE", "call-1", "tt", "z9hG4bK-3");
  EXPECT_EQ(check(), (Found{{FindingId::sip_ack_2xx_cseq_mismatch, 3}}));
}

TEST_F(CallRulesTest, AckForA2xxOfAReInviteCarriesTheReInvitesNumber) {
  send(alice_, proxy_, "INVITE sip:bob@example.com SIP/2.0", "1 INVITE");
  send(proxy_, alice_, "SIP/2.0 200 OK", "1 INVITE", "call-1", "tt");
  send(alice_, proxy_, "ACK sip:bob@example.com SIP/2.0", "1 ACK", "call-1", "tt", "z9hG4bK-2");
  send(alice_, proxy_, "INVITE sip:bob@example.com SIP/2.0", "2 INVITE", "call-1", "tt",
       "z9hG4bK-3");
  send(proxy_, alice_, "SIP/2.0 200 OK", "2 INVITE", "call-1", "tt", "z9hG4bK-3");
  send(alice_, proxy_, "ACK sip:bob@example.com SIP/2.0", "2 ACK", "call-1", "tt", "z9hG4bK-4");
  EXPECT_EQ(check(), Found{});
}

TEST_F(CallRulesTest, ResponseWithoutToTag) {
  send(alice_, proxy_, "INVITE sip:bob@example.com SIP/2.0", "1 INVITE");
  send(proxy_, alice_, "SIP/2.0 100 Trying", "1 INVITE");   // legal: 100 needs no tag
  send(proxy_, alice_, "SIP/2.0 180 Ringing", "1 INVITE");  // frame 3: no tag
  send(proxy_, alice_, "SIP/2.0 200 OK", "1 INVITE", "call-1", "tt");
  EXPECT_EQ(check(), (Found{{FindingId::sip_response_missing_to_tag, 3}}));
}

TEST_F(CallRulesTest, ResponseThatDoesNotCopyItsRequest) {
  send(alice_, proxy_, "OPTIONS sip:bob@example.com SIP/2.0", "1 OPTIONS");
  // received and rport may be added to the top Via: legal.
  send(proxy_, alice_, "SIP/2.0 200 OK", "1 OPTIONS", "call-1", "tt", "z9hG4bK-1", "",
       ";received=192.0.2.10;rport=50000");
  send(alice_, proxy_, "OPTIONS sip:bob@example.com SIP/2.0", "2 OPTIONS", "call-1", "",
       "z9hG4bK-2");
  send(proxy_, alice_, "SIP/2.0 200 OK", "2 OPTIONS", "call-1", "tt", "z9hG4bK-2", "", "",
       "other");  // frame 4
  EXPECT_EQ(check(), (Found{{FindingId::sip_response_not_copied, 4}}));
}

TEST_F(CallRulesTest, RequestWithoutFinalResponse) {
  send(alice_, proxy_, "INVITE sip:bob@example.com SIP/2.0", "1 INVITE");  // frame 1
  send(proxy_, alice_, "SIP/2.0 100 Trying", "1 INVITE");
  send(alice_, proxy_, "ACK sip:bob@example.com SIP/2.0", "2 ACK", "call-1", "tt", "z9hG4bK-a");
  EXPECT_EQ(check(), (Found{{FindingId::sip_no_final_response, 1}}));
}

}  // namespace
}  // namespace sipws
