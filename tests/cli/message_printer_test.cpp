// `sipws messages` prints in capture order with bounded memory: lines beyond a run go, sorted,
// to a temporary file and are merged back. Hand-built records (unit-test vectors) arriving out
// of frame order must print exactly as they do when everything stays in memory.

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>

#include "cli/messages_report.h"

namespace sipws::cli {
namespace {

std::vector<SipMessageRecord> records(std::size_t n) {
  std::vector<SipMessageRecord> out;
  std::mt19937 rng(7);
  for (std::size_t i = 0; i < n; ++i) {
    SipMessageRecord r;
    r.index = i;
    // Mostly increasing frames, some late (as connections closed at the end give them), and
    // several messages completed by one frame.
    r.frame = (rng() % 10 == 0) ? rng() % (i + 1) + 1 : i / 2 + 1;
    r.timestamp = static_cast<TimeNs>(r.frame) * 1'000'000;
    const std::string text = "OPTIONS sip:b@x SIP/2.0\r\nCall-ID: c" + std::to_string(i) +
                             "\r\nCSeq: " + std::to_string(i) + " OPTIONS\r\n\r\n";
    r.bytes.assign(text.begin(), text.end());
    parse_sip_message(std::string_view(r.bytes.data(), r.bytes.size()), r.sip);
    out.push_back(std::move(r));
  }
  return out;
}

std::string print_all(std::size_t run_lines, OutputFormat format, std::size_t* runs,
                      MessagePrinter::Selection selection = {},
                      std::unique_ptr<MessagePattern> pattern = nullptr, bool invert = false,
                      TimeStyle time = TimeStyle::epoch) {
  MessagePrinter printer({format, {}, time}, run_lines);
  if (pattern) printer.set_pattern(std::move(pattern), invert);
  for (auto& r : records(5000)) printer.on_sip_message(std::move(r));
  char* text = nullptr;
  std::size_t size = 0;
  std::FILE* out = open_memstream(&text, &size);
  EXPECT_TRUE(printer.print(out, selection)) << printer.error();
  std::fclose(out);
  std::string result(text, size);
  std::free(text);
  if (runs != nullptr) *runs = printer.runs();
  return result;
}

TEST(MessagePrinter, SpilledRunsPrintExactlyAsInMemory) {
  for (const OutputFormat format : {OutputFormat::tsv, OutputFormat::text, OutputFormat::json}) {
    std::size_t runs = 0;
    const std::string in_memory = print_all(1'000'000, format, &runs);
    EXPECT_EQ(runs, 0u);
    for (const std::size_t run_lines : {std::size_t{1}, std::size_t{7}, std::size_t{1000}}) {
      const std::string spilled = print_all(run_lines, format, &runs);
      EXPECT_GT(runs, 1u);
      EXPECT_EQ(spilled, in_memory) << "runs of " << run_lines;
    }
  }
  // And the order is capture order: frames never go down.
  const std::string tsv = print_all(7, OutputFormat::tsv, nullptr);
  std::uint64_t last = 0;
  std::size_t lines = 0;
  for (std::size_t at = tsv.find('\n') + 1; at < tsv.size(); at = tsv.find('\n', at) + 1) {
    const std::uint64_t frame = std::stoull(tsv.substr(at, tsv.find('\t', at) - at));
    EXPECT_GE(frame, last);
    last = frame;
    ++lines;
  }
  EXPECT_EQ(lines, 5000u);
}

std::size_t count_lines(const std::string& text) {
  return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

// The call filters' selection (a set of record indices), a time window and a pattern, spilled or
// not: the same lines either way, and only those chosen.
TEST(MessagePrinter, SelectsByRecordTimeAndPattern) {
  std::vector<bool> even(5000);
  for (std::size_t i = 0; i < even.size(); i += 2) even[i] = true;
  MessagePrinter::Selection selection;
  selection.records = &even;
  const std::string in_memory = print_all(1'000'000, OutputFormat::tsv, nullptr, selection);
  EXPECT_EQ(count_lines(in_memory), 1 + 2500u);
  EXPECT_EQ(print_all(7, OutputFormat::tsv, nullptr, selection), in_memory);
  EXPECT_EQ(in_memory.find("\tc1\t"), std::string::npos);
  EXPECT_NE(in_memory.find("\tc2\t"), std::string::npos);

  MessagePrinter::Selection window;  // frames are at 1 ms steps: 100..200 ms holds 101 frames
  window.since = 100'000'000;
  window.until = 200'000'000;
  const std::string windowed = print_all(7, OutputFormat::tsv, nullptr, window);
  for (std::size_t at = windowed.find('\n') + 1; at < windowed.size();
       at = windowed.find('\n', at) + 1) {
    const std::uint64_t frame = std::stoull(windowed.substr(at, windowed.find('\t', at) - at));
    EXPECT_GE(frame, 100u);
    EXPECT_LE(frame, 200u);
  }
  EXPECT_GT(count_lines(windowed), 150u);

  auto pattern = MessagePattern::compile("^Call-ID: c[0-9]*7$");
  ASSERT_TRUE(pattern) << pattern.error();
  const std::string sevens = print_all(7, OutputFormat::tsv, nullptr, {}, std::move(*pattern));
  EXPECT_EQ(count_lines(sevens), 1 + 500u);
  auto again = MessagePattern::compile("^Call-ID: c[0-9]*7$");
  const std::string others = print_all(7, OutputFormat::tsv, nullptr, {}, std::move(*again), true);
  EXPECT_EQ(count_lines(others), 1 + 4500u);
  EXPECT_FALSE(MessagePattern::compile("(unclosed"));
}

// Text times: rel counts from the origin given, delta from the line before; clock puts the date
// on a line of its own before the header row.
TEST(MessagePrinter, TextTimeStyles) {
  MessagePrinter::Selection from_zero;
  const std::string rel =
      print_all(7, OutputFormat::text, nullptr, from_zero, nullptr, false, TimeStyle::rel);
  // The first record is frame 1 at 1 ms.
  EXPECT_NE(rel.find("     1  0.001000  "), std::string::npos) << rel.substr(0, 300);
  const std::string delta =
      print_all(7, OutputFormat::text, nullptr, from_zero, nullptr, false, TimeStyle::delta);
  EXPECT_NE(delta.find("     1  +0.000000  "), std::string::npos) << delta.substr(0, 300);
  EXPECT_NE(delta.find("+0.001000  "), std::string::npos);
  setenv("TZ", "UTC", 1);
  const std::string clock =
      print_all(7, OutputFormat::text, nullptr, from_zero, nullptr, false, TimeStyle::clock);
  EXPECT_EQ(clock.rfind("1970-01-01 (local time, UTC+00:00)\n", 0), 0u) << clock.substr(0, 200);
  EXPECT_NE(clock.find("00:00:00.001000  "), std::string::npos);
  TimeColumn utc(TimeStyle::utc);
  EXPECT_EQ(utc.text(1'795'564'841'409'375'123), "2026-11-25T00:00:41.409375Z");
  TimeColumn before(TimeStyle::utc);
  EXPECT_EQ(before.text(-1'500'000'000), "1969-12-31T23:59:58.500000Z");
}

}  // namespace
}  // namespace sipws::cli

namespace sipws::cli {
namespace {

// The text format's header row, and a long reason phrase in Cyrillic cut on a character boundary
// (it was cut inside a UTF-8 sequence). Hand-built response.
TEST(MessageLine, TextHasAHeaderAndCutsReasonsOnCharacters) {
  EXPECT_EQ(message_header(OutputFormat::text).rfind(" frame", 0), 0u);
  EXPECT_EQ(message_header(MessageListing{}).rfind(" frame  time             src", 0), 0u);
  SipMessageRecord r;
  r.frame = 3;
  std::string reason;
  for (int i = 0; i < 30; ++i) reason += "\xD0\x97\xD0\xB0";  // "За" x 30: 60 characters
  const std::string text = "SIP/2.0 486 " + reason + "\r\nCall-ID: c1\r\nCSeq: 1 INVITE\r\n\r\n";
  r.bytes.assign(text.begin(), text.end());
  parse_sip_message(std::string_view(r.bytes.data(), r.bytes.size()), r.sip);
  const std::string line = message_line(OutputFormat::text, r);
  const std::size_t at = line.find("486 ");
  ASSERT_NE(at, std::string::npos);
  const std::string shown = line.substr(at, line.find("  ", at) - at);
  EXPECT_EQ(display_width(shown), 40u);  // "486 " and 36 letters
  EXPECT_EQ(shown.size() % 2, 0u);       // whole two-byte letters, nothing half
  EXPECT_EQ(fit_columns(shown, 40, false), shown);
}

}  // namespace
}  // namespace sipws::cli

namespace sipws {
namespace {

// `--fields`: schema fields by TSV column or JSON key, every occurrence of a header (compact
// forms too), SDP lines of one type, WebSocket items; unknown names refused. Hand-built message.
TEST(MessageColumns, HeadersSdpAndWebSocketItems) {
  auto columns = parse_message_columns({"frame,call_id", "hdr:Via", "hdr:user-agent", "hdr:X-None",
                                        "sdp:m", "sdp:c", "ws:opcode", "ws:masked", "reason"});
  ASSERT_TRUE(columns) << columns.error();
  SipMessageRecord r;
  r.frame = 9;
  r.transport = SipTransport::ws;
  r.ws.opcode = 1;
  r.ws.masked = true;
  const std::string text =
      "INVITE sip:b@x SIP/2.0\r\nv: SIP/2.0/WS a;branch=z9hG4bK1\r\nVia: SIP/2.0/WS "
      "b;branch=z9hG4bK2\r\ni: abc\r\nCSeq: 1 INVITE\r\nUser-Agent: Js\tSIP\r\n"
      "Content-Type: application/sdp\r\n\r\nv=0\r\nc=IN IP4 10.0.0.1\r\n"
      "m=audio 4000 RTP/AVP 0\r\nm=video 4002 RTP/AVP 96\r\n";
  r.bytes.assign(text.begin(), text.end());
  parse_sip_message(std::string_view(r.bytes.data(), r.bytes.size()), r.sip);
  std::string tsv;
  append_message_columns_tsv(tsv, *columns, r);
  EXPECT_EQ(message_columns_tsv_header(*columns),
            "frame\tcall_id\thdr:Via\thdr:user-agent\thdr:X-None\tsdp:m\tsdp:c\tws:opcode\t"
            "ws:masked\treason\n");
  EXPECT_EQ(tsv,
            "9\tabc\tSIP/2.0/WS a;branch=z9hG4bK1,SIP/2.0/WS b;branch=z9hG4bK2\tJs SIP\t\t"
            "audio 4000 RTP/AVP 0,video 4002 RTP/AVP 96\tIN IP4 10.0.0.1\ttext\tyes\t\n");
  const std::string json = message_columns_json_line(*columns, r);
  EXPECT_NE(json.find("\"hdr:X-None\":null"), std::string::npos) << json;
  EXPECT_NE(json.find("\"ws:masked\":true"), std::string::npos) << json;
  EXPECT_NE(json.find("\"frame\":9"), std::string::npos) << json;
  EXPECT_FALSE(parse_message_columns({"nosuch"}));
  EXPECT_FALSE(parse_message_columns({"ws:nosuch"}));
  EXPECT_FALSE(parse_message_columns({"hdr:"}));
  EXPECT_FALSE(parse_message_columns({","}));
}

}  // namespace
}  // namespace sipws
