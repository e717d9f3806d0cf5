// `sipws messages` prints in capture order with bounded memory: lines beyond a run go, sorted,
// to a temporary file and are merged back. Hand-built records (unit-test vectors) arriving out
// of frame order must print exactly as they do when everything stays in memory.

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
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

std::string print_all(std::size_t run_lines, OutputFormat format, std::size_t* runs) {
  MessagePrinter printer(format, run_lines);
  for (auto& r : records(5000)) printer.on_sip_message(std::move(r));
  char* text = nullptr;
  std::size_t size = 0;
  std::FILE* out = open_memstream(&text, &size);
  EXPECT_TRUE(printer.print(out)) << printer.error();
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

}  // namespace
}  // namespace sipws::cli

namespace sipws::cli {
namespace {

// The text format's header row, and a long reason phrase in Cyrillic cut on a character boundary
// (it was cut inside a UTF-8 sequence). Hand-built response.
TEST(MessageLine, TextHasAHeaderAndCutsReasonsOnCharacters) {
  EXPECT_EQ(message_header(OutputFormat::text).rfind(" frame", 0), 0u);
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
