// The dissector with its SIP half on a second thread (DissectorLimits::sip_thread) must give the
// one-thread results exactly: the same messages, calls and findings, in the same order. The
// command-line outputs are compared in tests/integration/threads_identical.py; here the order of
// the findings is compared too, which no output shows directly (reports sort them).

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "session/analysis.h"
#include "tests/support/test_support.h"

namespace sipws {
namespace {

std::unique_ptr<Analysis> analyse(const std::string& path, bool sip_thread) {
  AnalysisLimits limits;
  limits.dissector.sip_thread = sip_thread;
  limits.keep_records = true;
  auto analysis = std::make_unique<Analysis>(limits);
  std::string error;
  auto file = CaptureFile::open(path, error);
  EXPECT_TRUE(file) << error;
  if (file) analysis->read(*file);
  return analysis;
}

TEST(SipThread, EverySampleGivesTheOneThreadResultsInOrder) {
  std::size_t messages = 0;
  std::size_t findings = 0;
  for (const auto& entry : std::filesystem::directory_iterator(test::samples_dir())) {
    const std::string path = entry.path().string();
    if (path.find(".pcap") == std::string::npos || path.ends_with(".tsv")) continue;
    SCOPED_TRACE(path);
    const auto one = analyse(path, false);
    const auto two = analyse(path, true);
    ASSERT_EQ(one->store().summaries().size(), two->store().summaries().size());
    for (std::size_t i = 0; i < one->store().summaries().size(); ++i) {
      const RecordRef kept_a = one->store().record(i);
      const RecordRef kept_b = two->store().record(i);
      ASSERT_TRUE(kept_a && kept_b);
      const SipMessageRecord& a = *kept_a;
      const SipMessageRecord& b = *kept_b;
      EXPECT_EQ(a.index, b.index);
      EXPECT_EQ(a.frame, b.frame);
      EXPECT_EQ(a.connection, b.connection);
      EXPECT_EQ(std::string_view(a.bytes.data(), a.bytes.size()),
                std::string_view(b.bytes.data(), b.bytes.size()));
      EXPECT_EQ(a.sip.call_id, b.sip.call_id);
      // The whole carrier: a field the reused work items did not reset leaked from one message
      // into the next (context_takeover did, and which item came back depended on timing).
      EXPECT_EQ(a.ws.compressed, b.ws.compressed);
      EXPECT_EQ(a.ws.context_takeover, b.ws.context_takeover);
      EXPECT_EQ(a.ws.frames, b.ws.frames);
      EXPECT_EQ(a.ws.masked, b.ws.masked);
      if (!a.ws.compressed) {
        EXPECT_FALSE(a.ws.context_takeover) << a.frame;
      }
    }
    ASSERT_EQ(one->store().calls().size(), two->store().calls().size());
    for (std::size_t i = 0; i < one->store().calls().size(); ++i) {
      EXPECT_EQ(one->store().calls()[i].call_id, two->store().calls()[i].call_id);
      EXPECT_EQ(one->store().calls()[i].state, two->store().calls()[i].state);
    }
    ASSERT_EQ(one->findings().size(), two->findings().size());
    for (std::size_t i = 0; i < one->findings().size(); ++i) {
      const Finding& a = one->findings()[i];
      const Finding& b = two->findings()[i];
      EXPECT_EQ(a.id, b.id) << "finding " << i;
      EXPECT_EQ(a.frame, b.frame) << "finding " << i;
      EXPECT_EQ(a.connection, b.connection);
      EXPECT_EQ(a.message, b.message);
      EXPECT_EQ(a.detail, b.detail);
    }
    EXPECT_EQ(one->counters().sip_messages, two->counters().sip_messages);
    EXPECT_EQ(one->counters().websocket_messages, two->counters().websocket_messages);
    messages += one->store().summaries().size();
    findings += one->findings().size();
  }
  // Something was compared: the samples hold hundreds of messages and some findings.
  EXPECT_GT(messages, 500u);
  EXPECT_GT(findings, 10u);
}

}  // namespace
}  // namespace sipws
