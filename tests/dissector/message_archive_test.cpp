// Messages kept compressed (RecordKeeping::compressed, calls/message_archive) must read back
// exactly as the messages kept whole: carrier, WebSocket detail and frame headers, bytes, and the
// parse, on every bundled sample; and take far less memory.

#include "calls/message_archive.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <string>
#include <thread>
#include <tuple>

#include "session/analysis.h"
#include "tests/support/test_support.h"

namespace sipws {
namespace {

std::unique_ptr<Analysis> analyse(const std::string& path, bool compress) {
  AnalysisLimits limits;
  limits.keep_records = true;
  limits.compress_records = compress;
  limits.media = false;
  auto analysis = std::make_unique<Analysis>(limits);
  std::string error;
  auto file = CaptureFile::open(path, error);
  EXPECT_TRUE(file) << error;
  if (file) analysis->read(*file);
  return analysis;
}

// Every field of a record read back from an archive (b) against the record kept whole (a).
void expect_same(const SipMessageRecord& a, const SipMessageRecord& b) {
  EXPECT_EQ(a.index, b.index);
  EXPECT_EQ(a.frame, b.frame);
  EXPECT_EQ(a.first_frame, b.first_frame);
  EXPECT_EQ(a.connection_first_frame, b.connection_first_frame);
  EXPECT_EQ(a.handshake_last_frame, b.handshake_last_frame);
  EXPECT_EQ(a.timestamp, b.timestamp);
  EXPECT_EQ(a.src, b.src);
  EXPECT_EQ(a.dst, b.dst);
  EXPECT_EQ(a.transport, b.transport);
  EXPECT_EQ(a.connection, b.connection);
  EXPECT_EQ(a.direction, b.direction);
  EXPECT_EQ(a.ws.opcode, b.ws.opcode);
  EXPECT_EQ(a.ws.compressed, b.ws.compressed);
  EXPECT_EQ(a.ws.context_takeover, b.ws.context_takeover);
  EXPECT_EQ(a.ws.masked, b.ws.masked);
  EXPECT_EQ(a.ws.frames, b.ws.frames);
  EXPECT_EQ(a.ws.wire_bytes, b.ws.wire_bytes);
  EXPECT_EQ(a.ws.first_frame, b.ws.first_frame);
  EXPECT_EQ(a.ws.handshake_seen, b.ws.handshake_seen);
  ASSERT_EQ(a.ws.frame_headers.size(), b.ws.frame_headers.size());
  for (std::size_t h = 0; h < a.ws.frame_headers.size(); ++h) {
    const WsFrameHeader& x = a.ws.frame_headers[h];
    const WsFrameHeader& y = b.ws.frame_headers[h];
    EXPECT_EQ(std::tie(x.fin, x.rsv1, x.rsv2, x.rsv3, x.opcode, x.masked, x.mask, x.length,
                       x.header_length, x.minimal_length, x.length_msb_set, x.first_frame),
              std::tie(y.fin, y.rsv1, y.rsv2, y.rsv3, y.opcode, y.masked, y.mask, y.length,
                       y.header_length, y.minimal_length, y.length_msb_set, y.first_frame));
  }
  EXPECT_EQ(a.ws.compressed_payload, b.ws.compressed_payload);
  EXPECT_EQ(a.bytes, b.bytes);
  EXPECT_EQ(a.sip.call_id, b.sip.call_id);
  EXPECT_EQ(a.sip.headers.size(), b.sip.headers.size());
  EXPECT_EQ(a.sip.sdp != nullptr, b.sip.sdp != nullptr);
  // The views point into the rebuilt record's own bytes.
  if (!b.sip.call_id.empty()) {
    EXPECT_GE(b.sip.call_id.data(), b.bytes.data());
    EXPECT_LE(b.sip.call_id.data() + b.sip.call_id.size(), b.bytes.data() + b.bytes.size());
  }
}

TEST(MessageArchive, CompressedRecordsReadBackAsTheWholeOnes) {
  std::size_t messages = 0;
  std::size_t sealed = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(test::samples_dir())) {
    const std::string path = entry.path().string();
    if (path.find(".pcap") == std::string::npos || path.ends_with(".tsv")) continue;
    SCOPED_TRACE(path);
    const auto whole = analyse(path, false);
    const auto compressed = analyse(path, true);
    ASSERT_EQ(compressed->store().keeping(), RecordKeeping::compressed);
    ASSERT_EQ(whole->store().summaries().size(), compressed->store().summaries().size());
    for (std::size_t i = 0; i < whole->store().summaries().size(); ++i) {
      const RecordRef a = whole->store().record(i);
      const RecordRef b = compressed->store().record(i);
      ASSERT_TRUE(a && b) << i;
      expect_same(*a, *b);
      ++messages;
    }
    EXPECT_FALSE(compressed->store().record(compressed->store().summaries().size()));
    // Most samples fit in one open block of the store's size: the same records through 4 KiB
    // blocks, so that every sample's messages go through compression and back.
    MessageArchive small(4096);
    for (std::size_t i = 0; i < whole->store().summaries().size(); ++i) {
      small.append(*whole->store().record(i));
    }
    for (std::size_t i = 0; i < small.size(); ++i) {
      const RecordRef a = whole->store().record(i);
      const auto b = small.get(i, *a, a->index);  // the carrier the archive does not keep
      ASSERT_TRUE(b) << i;
      expect_same(*a, *b);
    }
    sealed += small.sealed_blocks();
  }
  EXPECT_GT(messages, 500u);
  EXPECT_GT(sealed, 100u);  // blocks compressed and read back
}

// Hand-built records (unit vectors): many similar messages compress several times over, and every
// one reads back, from sealed blocks and from the open one.
TEST(MessageArchive, ManyBlocksReadBackAndCompress) {
  MessageArchive archive;
  for (int i = 0; i < 30000; ++i) {
    SipMessageRecord r;
    r.index = static_cast<std::uint64_t>(i);
    r.frame = static_cast<std::uint64_t>(i) * 2 + 1;
    const std::string text =
        "OPTIONS sip:b@example.com SIP/2.0\r\nVia: SIP/2.0/WS x.invalid;branch=z9hG4bK" +
        std::to_string(i) + "\r\nCall-ID: call-" + std::to_string(i) +
        "\r\nCSeq: 1 OPTIONS\r\nFrom: <sip:a@example.com>;tag=" + std::to_string(i * 7) +
        "\r\nTo: <sip:b@example.com>\r\nUser-Agent: JsSIP 3.10\r\nContent-Length: 0\r\n\r\n";
    r.bytes.assign(text.begin(), text.end());
    archive.append(r);
  }
  ASSERT_EQ(archive.size(), 30000u);
  // No other thread compressed: append() did, leaving at most kMaxRawBlocks raw.
  const std::uint64_t with_raw_blocks = archive.memory_bytes();
  archive.compress_pending();
  EXPECT_LT(archive.memory_bytes(), with_raw_blocks);
  EXPECT_LT(archive.memory_bytes() * 4, archive.raw_bytes()) << archive.memory_bytes();
  for (const std::size_t i : {std::size_t{0}, std::size_t{1234}, std::size_t{29999}}) {
    SipCarrier carrier;
    carrier.frame = i * 2 + 1;
    const auto r = archive.get(i, carrier, i);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->index, i);
    EXPECT_EQ(r->frame, i * 2 + 1);  // the carrier given back, not kept
    EXPECT_EQ(r->sip.call_id, "call-" + std::to_string(i));
  }
  EXPECT_FALSE(archive.get(30000, SipCarrier{}, 30000));
}

// As the GUI runs it: one thread appends and, between appends, reads records back (the
// session lock keeps those two apart), while another compresses full blocks whenever it can.
// Every record reads back the same whichever state its block was in (raw, being compressed,
// compressed); under ASan a block freed while read would stop the test.
TEST(MessageArchive, ReadsBackWhileAnotherThreadCompresses) {
  MessageArchive archive(8192);
  std::atomic<bool> done{false};
  std::atomic<std::size_t> compressed{0};
  std::thread compressor([&] {
    while (!done.load()) {
      if (archive.compress_next(false)) {
        compressed.fetch_add(1);
      } else {
        std::this_thread::yield();
      }
    }
  });
  const auto text_of = [](std::size_t i) {
    return "MESSAGE sip:b@example.com SIP/2.0\r\nCall-ID: call-" + std::to_string(i) +
           "\r\nCSeq: 1 MESSAGE\r\nContent-Length: 0\r\n\r\n";
  };
  for (std::size_t i = 0; i < 20000; ++i) {
    SipMessageRecord r;
    const std::string text = text_of(i);
    r.bytes.assign(text.begin(), text.end());
    archive.append(r);
    if (i % 97 == 0) {
      const std::size_t back = (i * 7919) % (i + 1);
      const auto read = archive.get(back, SipCarrier{}, back);
      EXPECT_TRUE(read) << back;  // not ASSERT: the compressing thread must still be joined
      if (read) {
        EXPECT_EQ(read->sip.call_id, "call-" + std::to_string(back));
      }
    }
  }
  done = true;
  compressor.join();
  EXPECT_GT(compressed.load(), 0u);
  archive.compress_pending();
  for (std::size_t i = 0; i < archive.size(); i += 13) {
    const auto read = archive.get(i, SipCarrier{}, i);
    ASSERT_TRUE(read) << i;
    EXPECT_EQ(std::string(read->bytes.begin(), read->bytes.end()), text_of(i));
  }
}

}  // namespace
}  // namespace sipws
