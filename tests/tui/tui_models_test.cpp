// The terminal UI's screens without a terminal: the call list's model, the text it draws, and
// its source over a real sample file and over HEP (the live path).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "capture/capture_file.h"
#include "dissector/hep/hep.h"
#include "session/analysis.h"
#include "tests/support/test_support.h"
#include "tui/call_source.h"
#include "tui/models.h"

namespace sipws::tui {
namespace {

CallRow make_row(std::uint64_t call, std::string call_id, CallState state, std::size_t messages) {
  CallRow r;
  r.call = call;
  r.call_id = std::move(call_id);
  r.first_method = "INVITE";
  r.from_user = "alice";
  r.to_user = "bob";
  r.state = state;
  r.messages = messages;
  r.start = static_cast<TimeNs>(call) * 1'000'000'000;
  return r;
}

SourceChanges rows(std::vector<CallRow> r) {
  SourceChanges c;
  c.rows = std::move(r);
  return c;
}

std::vector<std::uint64_t> order(const CallTable& t) {
  std::vector<std::uint64_t> out;
  for (const CallRow* r : t.visible()) out.push_back(r->call);
  return out;
}

TEST(CallTable, SortsByAnyColumnAndTheSelectionFollowsItsCall) {
  CallTable t;
  t.apply(rows({make_row(0, "a", CallState::completed, 9), make_row(1, "b", CallState::busy, 3),
                make_row(2, "c", CallState::in_call, 5)}));
  EXPECT_EQ(order(t), (std::vector<std::uint64_t>{0, 1, 2}));
  t.select(2);
  t.sort_by(CallField::messages);
  EXPECT_EQ(order(t), (std::vector<std::uint64_t>{1, 2, 0}));
  EXPECT_EQ(t.selected_position(), 1u);
  t.sort_by(CallField::messages, true);
  EXPECT_EQ(order(t), (std::vector<std::uint64_t>{0, 2, 1}));
  EXPECT_EQ(*t.selected(), 2u);
  EXPECT_EQ(t.selected_position(), 1u);
  // An update that reorders keeps the selection on its call.
  t.apply(rows({make_row(2, "c", CallState::completed, 20)}));
  EXPECT_EQ(order(t), (std::vector<std::uint64_t>{2, 0, 1}));
  EXPECT_EQ(t.selected_position(), 0u);
  EXPECT_NE(t.header_cells()[6].find('v'), std::string::npos);  // Msgs, sorted descending
}

TEST(CallTable, FiltersByGroupTextAndTheSourcesFilter) {
  CallTable t;
  t.apply(
      rows({make_row(0, "alpha", CallState::completed, 9), make_row(1, "beta", CallState::busy, 3),
            make_row(2, "gamma", CallState::ringing, 5)}));
  t.set_group(StateGroup::failed);
  EXPECT_EQ(order(t), (std::vector<std::uint64_t>{1}));
  t.set_group(StateGroup::all);
  t.set_text("GAM");  // case-insensitive, over the filterable fields
  EXPECT_EQ(order(t), (std::vector<std::uint64_t>{2}));
  t.set_text("");
  t.set_passing(std::set<std::uint64_t>{0, 2});
  EXPECT_EQ(order(t), (std::vector<std::uint64_t>{0, 2}));
  EXPECT_NE(t.counts_line().find("3 calls (2 shown)"), std::string::npos);
}

TEST(CallTable, PausingHoldsUpdatesAndRemovedCallsLeave) {
  CallTable t;
  t.apply(rows({make_row(0, "a", CallState::ringing, 2)}));
  t.set_paused(true);
  t.apply(rows({make_row(1, "b", CallState::ringing, 1)}));
  EXPECT_EQ(t.total(), 1u);
  EXPECT_EQ(t.waiting(), 1u);
  EXPECT_NE(t.counts_line().find("PAUSED"), std::string::npos);
  t.set_paused(false);
  EXPECT_EQ(t.total(), 2u);
  SourceChanges gone;
  gone.removed = {0};
  t.apply(gone);
  EXPECT_EQ(order(t), (std::vector<std::uint64_t>{1}));
}

TEST(CallTable, MarksChooseSeveralCallsAndMovingClamps) {
  CallTable t;
  t.apply(rows({make_row(0, "a", CallState::ringing, 2), make_row(1, "b", CallState::ringing, 1),
                make_row(2, "c", CallState::ringing, 1)}));
  EXPECT_EQ(t.chosen(), (std::vector<std::uint64_t>{0}));  // the selection when none is marked
  t.move(-5);
  EXPECT_EQ(*t.selected(), 0u);
  t.move(100);
  EXPECT_EQ(*t.selected(), 2u);
  t.toggle_mark();
  t.move(-2);
  t.toggle_mark();
  EXPECT_EQ(t.chosen(), (std::vector<std::uint64_t>{0, 2}));
  EXPECT_EQ(t.row_line(*t.row(2), 200).text.front(), '*');
}

TEST(CallTable, ColumnsComeFromTheSchema) {
  CallTable t;
  t.set_columns({CallField::call_id, CallField::state});
  t.apply(rows({make_row(0, "0123456789abcdefXYZ", CallState::busy, 2)}));
  const StyledLine line = t.row_line(*t.row(0), 80);
  EXPECT_NE(line.text.find("0123456789abcdef"), std::string::npos);
  EXPECT_NE(line.text.find("busy"), std::string::npos);
  EXPECT_EQ(line.text.substr(line.span_from, 4), "busy");  // the state cell in its colour
  EXPECT_EQ(line.span_style, Style::bad);
  t.set_columns({});  // refused: a list needs a column
  EXPECT_EQ(t.columns().size(), 2u);
}

TEST(TerminalText, CutsOnCharacterBoundaries) {
  const std::string cyrillic = "\xD0\x97\xD0\xB0\xD0\xBD\xD1\x8F\xD1\x82\xD0\xBE";  // Занято
  EXPECT_EQ(display_width(cyrillic), 6u);
  EXPECT_EQ(fit_columns(cyrillic, 3, false), "\xD0\x97\xD0\xB0\xD0\xBD");
  EXPECT_EQ(fit_columns("\xE4\xB8\xAD\xE6\x96\x87", 3), "\xE4\xB8\xAD ");  // wide: 2 columns
  EXPECT_EQ(fit_columns("a\xFF"
                        "b\tc",
                        10, false),
            "a?b c");  // not UTF-8; a tab
  EXPECT_EQ(fit_columns("abc", 5), "abc  ");
}

FlowSnapshot two_arrows() {
  FlowSnapshot f;
  f.ladder.participants = {{Endpoint{}, "client"}, {Endpoint{}, "server"}};
  f.ladder.participants[0].endpoint.port = 5060;
  f.ladder.participants[1].endpoint.port = 8080;
  LadderArrow invite;
  invite.from = 0;
  invite.to = 1;
  invite.label = "INVITE";
  invite.request = true;
  LadderArrow busy;
  busy.from = 1;
  busy.to = 0;
  busy.label = "486 Busy Here";
  busy.status_code = 486;
  busy.time = 1'000'000;
  f.ladder.arrows = {invite, busy};
  f.messages = {{0, 0}, {0, 1}};
  return f;
}

TEST(FlowLines, MapEachArrowToItsLines) {
  const FlowLines lines = flow_lines(two_arrows(), 80);
  ASSERT_EQ(lines.arrow_line.size(), 2u);
  EXPECT_NE(lines.lines[lines.arrow_line[0]].find("INVITE"), std::string::npos);
  EXPECT_NE(lines.lines[lines.arrow_line[0] + 1].find("->"), std::string::npos);
  EXPECT_NE(lines.lines[lines.arrow_line[1]].find("486 Busy Here"), std::string::npos);
  EXPECT_NE(lines.lines[lines.arrow_line[1] + 1].find("<-"), std::string::npos);
}

TEST(MessageLines, ColourHeaderNamesWrapAndShowFramesAndFindings) {
  MessageSnapshot m;
  m.text = "SIP/2.0 486 Busy Here\r\nVia: SIP/2.0/WS a.invalid\r\nAllow: " + std::string(150, 'X') +
           "\r\n\r\nbody";
  m.websocket = true;
  WsFrameBytes frame;
  frame.header.opcode = 1;
  frame.header.fin = true;
  frame.header.masked = true;
  frame.header.length = 42;
  m.frames.push_back(frame);
  FindingRow f;
  f.name = "ws.frame.unmasked_client";
  f.severity = Severity::error;
  f.detail = "in frame 7";
  m.findings.push_back(f);
  const auto lines = message_lines(m, 60);
  std::size_t via = 0, allow = 0, frames = 0, finding = 0;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    EXPECT_LE(display_width(lines[i].text), 60u) << lines[i].text;
    if (lines[i].text.rfind("Via:", 0) == 0) via = i;
    if (lines[i].text.rfind("Allow:", 0) == 0) allow = i;
    if (lines[i].text.find("1  text") != std::string::npos) frames = i;
    if (lines[i].text.find("ws.frame.unmasked_client") != std::string::npos) finding = i;
  }
  ASSERT_GT(via, 0u);
  EXPECT_EQ(lines[via].span_style, Style::sip_name);
  EXPECT_EQ(lines[via].span_length, 4u);
  EXPECT_EQ(lines[allow + 1].text.rfind("  XX", 0), 0u);  // the long header wraps
  EXPECT_GT(frames, 0u);
  EXPECT_GT(finding, 0u);
  EXPECT_EQ(lines[finding].style, Style::bad);
  EXPECT_EQ(lines[3].style, Style::response);  // the start line
}

TEST(ListLines, FindingsAndConnectionsFitTheWidth) {
  FindingRow f;
  f.name = "sip.response.missing_to_tag";
  f.severity = Severity::warning;
  f.frame = 42;
  f.call = 3;
  f.detail = std::string(300, 'd');
  const StyledLine line = finding_line(f, 100);
  EXPECT_EQ(display_width(line.text), 100u);
  EXPECT_NE(line.text.find("sip.response.missing_to_tag"), std::string::npos);
  EXPECT_EQ(line.text.substr(line.span_from, 7), "warning");
  EXPECT_EQ(line.span_style, Style::pending);
  CarrierRow c;
  c.transport = SipTransport::ws;
  c.client = "127.0.0.1:5555";
  c.server = "127.0.0.1:8080";
  c.messages = 7;
  c.ws_frames = 9;
  const StyledLine carrier = carrier_line(c, 80);
  EXPECT_EQ(display_width(carrier.text), 80u);
  EXPECT_NE(carrier.text.find("127.0.0.1:8080"), std::string::npos);
  EXPECT_EQ(display_width(carrier_header(80).text), 80u);
}

TEST(Keys, EveryScreenHasHelpAndAWayBack) {
  for (const Screen s : {Screen::calls, Screen::flow, Screen::message, Screen::findings,
                         Screen::connections, Screen::columns, Screen::filter}) {
    bool back = false;
    for (const KeyHelp& k : keys_of(s)) {
      const std::string keys(k.keys);
      back = back || keys.find('q') != std::string::npos || keys.find("Esc") != std::string::npos;
    }
    EXPECT_TRUE(back) << screen_title(s);
    EXPECT_FALSE(screen_title(s).empty());
  }
}

// ---- The source ---------------------------------------------------------------------------------

std::string sample(const char* name) {
  return std::string(SIPWS_SAMPLES_DIR) + "/" + name;
}

TEST(CallSource, AFileGivesItsCallsFlowsMessagesAndSavedCalls) {
  SourceOptions options;
  options.path = sample("ws-call-answered.pcap");
  auto source = CallSource::open(options, {});
  ASSERT_TRUE(source) << source.error();
  (*source)->start();
  (*source)->wait_until_read();
  const SourceStatus status = (*source)->status();
  EXPECT_FALSE(status.reading);
  EXPECT_EQ(status.messages, 18u);
  CallTable table;
  table.apply((*source)->take_changes());
  ASSERT_EQ(table.total(), 2u);
  const CallRow* invite = table.row(1);
  ASSERT_NE(invite, nullptr);
  EXPECT_EQ(invite->first_method, "INVITE");
  const FlowSnapshot flow = (*source)->flow({1});
  ASSERT_EQ(flow.ladder.arrows.size(), invite->messages);
  EXPECT_EQ(flow.ladder.arrows.front().method, "INVITE");
  const MessageSnapshot m = (*source)->message(flow.messages.front());
  EXPECT_EQ(m.text.rfind("INVITE ", 0), 0u);
  EXPECT_TRUE(m.websocket);
  EXPECT_FALSE(m.frames.empty());
  CallFilter completed;
  completed.states = {"completed"};
  const auto passing = (*source)->matching(completed);
  ASSERT_TRUE(passing) << passing.error();
  EXPECT_EQ(*passing, (std::set<std::uint64_t>{1}));
  CallFilter by_index;
  by_index.call_ids = {"1"};  // the index `calls` prints
  EXPECT_EQ(*(*source)->matching(by_index), (std::set<std::uint64_t>{1}));
  CallFilter nothing;
  nothing.call_ids = {"no-such-call"};
  EXPECT_FALSE((*source)->matching(nothing));
  EXPECT_FALSE((*source)->carriers().empty());
  const std::string out = test::temp_dir() + "/tui-saved.pcap";
  const auto saved = (*source)->save({1}, out);
  ASSERT_TRUE(saved) << saved.error();
  EXPECT_GT(saved->frames_written, invite->messages);
  // The saved file holds the call again.
  std::string error;
  auto file = CaptureFile::open(out, error);
  ASSERT_TRUE(file) << error;
  Analysis again;
  again.read(*file);
  ASSERT_EQ(again.store().calls().size(), 1u);
  EXPECT_EQ(again.store().calls()[0].messages.size(), invite->messages);
}

TEST(CallSource, AFileReadToItsEndGivesEachCallsMedia) {
  SourceOptions options;
  options.path = sample("media/rtp-loss.pcap");
  auto source = CallSource::open(options, {});
  ASSERT_TRUE(source) << source.error();
  (*source)->start();
  (*source)->wait_until_read();
  CallTable table;
  table.apply((*source)->take_changes());
  ASSERT_EQ(table.total(), 1u);
  EXPECT_EQ(table.row(0)->media, "both_ways");
  const FlowSnapshot flow = (*source)->flow({0});
  ASSERT_GE(flow.media.size(), 3u);  // the verdict, then a line per RTP stream
  EXPECT_EQ(flow.media.front().rfind("Media: both_ways", 0), 0u);
  const FlowLines lines = flow_lines(flow, 100);
  EXPECT_EQ(lines.lines.back().find("rtp "), 2u);
}

TEST(CallSource, AFileThatCannotBeReadSaysWhy) {
  SourceOptions options;
  options.path = "/nonexistent/x.pcap";
  const auto source = CallSource::open(options, {});
  ASSERT_FALSE(source);
  EXPECT_NE(source.error().find("x.pcap"), std::string::npos);
}

TEST(CallSource, HepAgentsGiveLiveCallsWithLaddersAndMessages) {
  SourceOptions options;
  options.kind = SourceOptions::Kind::hep;
  options.hep_bind = "127.0.0.1";
  options.hep_port = 0;
  auto source = CallSource::open(options, {});
  ASSERT_TRUE(source) << source.error();
  const std::string name = (*source)->status().name;
  const auto port = static_cast<std::uint16_t>(std::stoi(name.substr(name.rfind(' ') + 1)));
  ASSERT_NE(port, 0);
  (*source)->start();
  // The sample's messages, each sent as a HEP packet, as an agent would.
  std::string error;
  auto file = CaptureFile::open(sample("ws-call-answered.pcap"), error);
  ASSERT_TRUE(file) << error;
  Analysis offline;
  offline.read(*file);
  const int fd = socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(port);
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  for (std::size_t i = 0; i < offline.store().summaries().size(); ++i) {
    const RecordRef r = offline.store().record(i);
    const auto packet = encode_hep3(*r, {});
    ASSERT_EQ(
        sendto(fd, packet.data(), packet.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to),
        static_cast<ssize_t>(packet.size()));
  }
  close(fd);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while ((*source)->status().messages < offline.store().summaries().size() &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_EQ((*source)->status().messages, offline.store().summaries().size());
  CallTable table;
  table.apply((*source)->take_changes());
  ASSERT_EQ(table.total(), 2u);
  // Both calls in one ladder: each live call has a store of its own, merged in time order.
  const FlowSnapshot both = (*source)->flow({0, 1});
  EXPECT_EQ(both.ladder.arrows.size(), offline.store().summaries().size());
  for (std::size_t i = 1; i < both.ladder.arrows.size(); ++i) {
    EXPECT_LE(both.ladder.arrows[i - 1].time, both.ladder.arrows[i].time);
  }
  const MessageSnapshot m = (*source)->message(both.messages.back());
  EXPECT_FALSE(m.text.empty());
  // Saving needs a file to read the frames from; HEP leaves none.
  const auto saved = (*source)->save({0}, test::temp_dir() + "/never.pcap");
  EXPECT_FALSE(saved);
  (*source)->stop();
}

}  // namespace
}  // namespace sipws::tui
