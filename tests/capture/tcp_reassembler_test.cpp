// TCP reassembly of one direction: every ordering case, each run again with initial sequence
// numbers near 2^32 so that wraparound happens inside the stream.

#include "capture/tcp_reassembler.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "tests/support/test_support.h"

namespace sipws {
namespace {

using test::Bytes;
using test::RecordingSink;

struct Piece {
  std::uint64_t offset;
  std::uint32_t length;
};

class ReassemblyTest : public ::testing::TestWithParam<std::uint32_t> {
 protected:
  void SetUp() override {
    std::mt19937 rng(7);
    stream_.resize(20000);
    for (auto& b : stream_) b = static_cast<std::uint8_t>(rng());
    reassembler_.set_sink(&sink_);
  }

  std::uint32_t isn() const { return GetParam(); }
  std::uint32_t seq_of(std::uint64_t offset) const {
    return static_cast<std::uint32_t>(isn() + 1 + offset);  // the SYN takes isn
  }

  void syn() { send_raw(isn(), tcp_flag::syn, {}, 0); }

  TcpStreamReassembler::Outcome send(const Piece& p, std::uint8_t flags = tcp_flag::ack) {
    Bytes bytes(stream_.begin() + static_cast<std::ptrdiff_t>(p.offset),
                stream_.begin() + static_cast<std::ptrdiff_t>(p.offset + p.length));
    return send_raw(seq_of(p.offset), flags, bytes, p.length);
  }

  TcpStreamReassembler::Outcome send_raw(std::uint32_t seq, std::uint8_t flags, const Bytes& bytes,
                                         std::uint32_t wire_length) {
    TcpSegment s;
    s.seq = seq;
    s.flags = flags;
    s.payload = ByteView(bytes);
    s.wire_length = wire_length;
    s.frame = ++frame_;
    return reassembler_.on_segment(s);
  }

  // Cuts the stream into segments of varying size (1..1460 bytes).
  std::vector<Piece> cut(unsigned seed) const {
    std::mt19937 rng(seed);
    std::vector<Piece> pieces;
    std::uint64_t at = 0;
    while (at < stream_.size()) {
      const std::uint32_t len = static_cast<std::uint32_t>(
          std::min<std::uint64_t>(1 + rng() % 1460, stream_.size() - at));
      pieces.push_back({at, len});
      at += len;
    }
    return pieces;
  }

  void expect_whole_stream() {
    EXPECT_TRUE(sink_.contract_violations.empty()) << sink_.contract_violations.front();
    EXPECT_EQ(sink_.gap_bytes[0], 0u);
    ASSERT_EQ(sink_.bytes[0].size(), stream_.size());
    EXPECT_TRUE(sink_.bytes[0] == stream_) << "delivered bytes differ from the stream sent";
    EXPECT_EQ(reassembler_.buffered_bytes(), 0u);
    EXPECT_EQ(budget_.used, 0u);
    EXPECT_EQ(findings_.count(FindingId::tcp_gap), 0u);
  }

  Bytes stream_;
  FindingCollector findings_;
  TcpBufferBudget budget_;
  TcpStreamReassembler reassembler_{Direction::to_server, 0, findings_, budget_, 1u << 20};
  RecordingSink sink_;
  std::uint64_t frame_ = 0;
};

TEST_P(ReassemblyTest, InOrder) {
  syn();
  for (const Piece& p : cut(1)) send(p);
  expect_whole_stream();
  EXPECT_EQ(reassembler_.stats().out_of_order_segments, 0u);
}

TEST_P(ReassemblyTest, Reversed) {
  syn();
  auto pieces = cut(2);
  std::reverse(pieces.begin(), pieces.end());
  for (const Piece& p : pieces) send(p);
  expect_whole_stream();
  EXPECT_EQ(reassembler_.stats().out_of_order_segments, pieces.size() - 1);
  // Everything became deliverable when the first segment (sent last) arrived.
  ASSERT_FALSE(sink_.events[0].empty());
  EXPECT_EQ(sink_.events[0].back().frame, frame_);
}

TEST_P(ReassemblyTest, Shuffled) {
  for (unsigned seed : {3u, 4u, 5u}) {
    // A fresh reassembler and sink per seed.
    RecordingSink sink;
    TcpBufferBudget budget;
    TcpStreamReassembler fresh(Direction::to_server, 0, findings_, budget, 1u << 20);
    fresh.set_sink(&sink);
    TcpSegment s;
    s.seq = isn();
    s.flags = tcp_flag::syn;
    fresh.on_segment(s);
    auto pieces = cut(seed);
    std::shuffle(pieces.begin(), pieces.end(), std::mt19937(seed));
    for (const Piece& p : pieces) {
      Bytes bytes(stream_.begin() + static_cast<std::ptrdiff_t>(p.offset),
                  stream_.begin() + static_cast<std::ptrdiff_t>(p.offset + p.length));
      s.seq = seq_of(p.offset);
      s.flags = tcp_flag::ack;
      s.payload = ByteView(bytes);
      s.wire_length = p.length;
      s.frame = ++frame_;
      ASSERT_EQ(fresh.on_segment(s), TcpStreamReassembler::Outcome::ok);
    }
    EXPECT_TRUE(sink.bytes[0] == stream_) << "seed " << seed;
    EXPECT_TRUE(sink.contract_violations.empty());
    EXPECT_EQ(fresh.buffered_bytes(), 0u);
    EXPECT_EQ(budget.used, 0u);
  }
}

TEST_P(ReassemblyTest, Duplicated) {
  syn();
  for (const Piece& p : cut(6)) {
    send(p);
    send(p);
  }
  expect_whole_stream();
  EXPECT_EQ(reassembler_.stats().retransmitted_segments, cut(6).size());
  EXPECT_EQ(findings_.count(FindingId::tcp_retransmission_differs), 0u);
}

TEST_P(ReassemblyTest, DuplicatedAndShuffled) {
  syn();
  auto pieces = cut(7);
  auto twice = pieces;
  twice.insert(twice.end(), pieces.begin(), pieces.end());
  std::shuffle(twice.begin(), twice.end(), std::mt19937(7));
  for (const Piece& p : twice) send(p);
  expect_whole_stream();
  EXPECT_EQ(findings_.count(FindingId::tcp_retransmission_differs), 0u);
}

TEST_P(ReassemblyTest, Overlapping) {
  // Segments that overlap their neighbours by up to 300 bytes, in random order.
  syn();
  std::mt19937 rng(8);
  std::vector<Piece> pieces;
  for (const Piece& p : cut(8)) {
    const std::uint64_t back = std::min<std::uint64_t>(p.offset, rng() % 300);
    const std::uint64_t ahead =
        std::min<std::uint64_t>(stream_.size() - p.offset - p.length, rng() % 300);
    pieces.push_back({p.offset - back, static_cast<std::uint32_t>(p.length + back + ahead)});
  }
  std::shuffle(pieces.begin(), pieces.end(), rng);
  for (const Piece& p : pieces) send(p);
  expect_whole_stream();
}

TEST_P(ReassemblyTest, ByteByByte) {
  syn();
  for (std::uint64_t i = 0; i < 3000; ++i) send({i, 1});
  ASSERT_EQ(sink_.bytes[0].size(), 3000u);
  EXPECT_TRUE(std::equal(sink_.bytes[0].begin(), sink_.bytes[0].end(), stream_.begin()));
}

TEST_P(ReassemblyTest, HolesBecomeGapsAtFlush) {
  syn();
  auto pieces = cut(9);
  ASSERT_GT(pieces.size(), 10u);
  const Piece lost_a = pieces[3];
  const Piece lost_b = pieces[8];
  for (std::size_t i = 0; i < pieces.size(); ++i) {
    if (i != 3 && i != 8) send(pieces[i]);
  }
  // Nothing past the first hole was delivered yet: holes are not guessed.
  EXPECT_EQ(sink_.next[0], lost_a.offset);
  reassembler_.flush(frame_, 0);
  EXPECT_TRUE(sink_.contract_violations.empty());
  EXPECT_EQ(sink_.gap_bytes[0], std::uint64_t{lost_a.length} + lost_b.length);
  EXPECT_EQ(sink_.next[0], stream_.size());
  EXPECT_EQ(findings_.count(FindingId::tcp_gap), 2u);
  // The gaps sit exactly where the lost segments were; all else is the original bytes.
  Bytes expected;
  for (std::size_t i = 0; i < pieces.size(); ++i) {
    if (i == 3 || i == 8) continue;
    expected.insert(
        expected.end(), stream_.begin() + static_cast<std::ptrdiff_t>(pieces[i].offset),
        stream_.begin() + static_cast<std::ptrdiff_t>(pieces[i].offset + pieces[i].length));
  }
  EXPECT_TRUE(sink_.bytes[0] == expected);
  std::vector<std::pair<std::uint64_t, std::uint64_t>> gaps;
  for (const auto& e : sink_.events[0]) {
    if (e.kind == RecordingSink::Event::gap) gaps.emplace_back(e.offset, e.length);
  }
  ASSERT_EQ(gaps.size(), 2u);
  EXPECT_EQ(gaps[0], std::make_pair(lost_a.offset, std::uint64_t{lost_a.length}));
  EXPECT_EQ(gaps[1], std::make_pair(lost_b.offset, std::uint64_t{lost_b.length}));
}

TEST_P(ReassemblyTest, PeerAckPastHoleDeclaresGap) {
  syn();
  auto pieces = cut(10);
  send(pieces[0]);
  send(pieces[2]);
  send(pieces[3]);
  EXPECT_EQ(sink_.next[0], pieces[1].offset);
  // The peer acknowledges up to the end of piece 1: it has bytes we never saw. Until the grace
  // period has passed in capture time, the segment may still come (unsorted captures).
  reassembler_.on_peer_ack(seq_of(pieces[2].offset), 1000);
  reassembler_.on_time(1000 + TcpStreamReassembler::kDefaultAckedHoleGrace, ++frame_);
  EXPECT_EQ(sink_.gap_bytes[0], 0u);
  reassembler_.on_time(1001 + TcpStreamReassembler::kDefaultAckedHoleGrace, ++frame_);
  EXPECT_EQ(sink_.gap_bytes[0], pieces[1].length);
  EXPECT_EQ(sink_.next[0], pieces[3].offset + pieces[3].length);  // buffered data followed
  // An acknowledgement of what we already have declares nothing.
  reassembler_.on_peer_ack(seq_of(pieces[3].offset), 0);
  reassembler_.on_time(1'000'000'000'000, ++frame_);
  EXPECT_EQ(findings_.count(FindingId::tcp_gap), 1u);
  EXPECT_TRUE(sink_.contract_violations.empty());
}

TEST_P(ReassemblyTest, AckWrittenBeforeTheDataItAcknowledgesIsNotAGap) {
  // As in a pcapng from two interfaces: the ACK is written first, the data segment follows
  // with an earlier timestamp.
  syn();
  auto pieces = cut(22);
  send(pieces[0]);
  reassembler_.on_peer_ack(seq_of(pieces[2].offset), 5'000'000);
  reassembler_.on_time(5'000'000, ++frame_);
  send(pieces[2]);
  send(pieces[1]);
  reassembler_.on_time(9'000'000'000, ++frame_);
  EXPECT_EQ(sink_.gap_bytes[0], 0u);
  EXPECT_EQ(sink_.next[0], pieces[2].offset + pieces[2].length);
}

TEST_P(ReassemblyTest, AckBeforeDataIsNotAGap) {
  syn();
  auto pieces = cut(11);
  send(pieces[0]);
  reassembler_.on_peer_ack(seq_of(pieces[0].offset + pieces[0].length), 0);
  reassembler_.on_time(1'000'000'000'000, ++frame_);
  send(pieces[1]);
  EXPECT_EQ(sink_.gap_bytes[0], 0u);
  EXPECT_EQ(sink_.next[0], pieces[1].offset + pieces[1].length);
}

TEST_P(ReassemblyTest, OldRetransmissionIsCountedButNotCompared) {
  // Only the last few delivered segments are remembered (by hash), to keep memory per
  // connection small; an older retransmission is counted, and its bytes are never re-delivered.
  syn();
  auto pieces = cut(12);
  ASSERT_GT(pieces.size(), 14u);
  for (const Piece& p : pieces) send(p);
  Bytes changed(stream_.begin() + static_cast<std::ptrdiff_t>(pieces[4].offset),
                stream_.begin() + static_cast<std::ptrdiff_t>(pieces[4].offset + pieces[4].length));
  changed[changed.size() / 2] ^= 0xff;
  send_raw(seq_of(pieces[4].offset), tcp_flag::ack, changed, pieces[4].length);
  expect_whole_stream();
  EXPECT_EQ(reassembler_.stats().retransmitted_segments, 1u);
  EXPECT_EQ(findings_.count(FindingId::tcp_retransmission_differs), 0u);
}

TEST_P(ReassemblyTest, RecentRetransmissionWithOtherBytesIsReported) {
  syn();
  auto pieces = cut(13);
  for (std::size_t i = 0; i < 5; ++i) send(pieces[i]);
  Bytes changed(stream_.begin() + static_cast<std::ptrdiff_t>(pieces[4].offset),
                stream_.begin() + static_cast<std::ptrdiff_t>(pieces[4].offset + pieces[4].length));
  changed[0] ^= 0x01;
  send_raw(seq_of(pieces[4].offset), tcp_flag::ack, changed, pieces[4].length);
  EXPECT_EQ(findings_.count(FindingId::tcp_retransmission_differs), 1u);
  EXPECT_EQ(reassembler_.stats().differing_retransmissions, 1u);
}

TEST_P(ReassemblyTest, BufferedCopiesThatDisagreeAreReported) {
  syn();
  auto pieces = cut(14);
  send(pieces[2]);  // out of order, buffered
  Bytes changed(stream_.begin() + static_cast<std::ptrdiff_t>(pieces[2].offset),
                stream_.begin() + static_cast<std::ptrdiff_t>(pieces[2].offset + pieces[2].length));
  changed.back() ^= 0x80;
  send_raw(seq_of(pieces[2].offset), tcp_flag::ack, changed, pieces[2].length);
  EXPECT_EQ(findings_.count(FindingId::tcp_retransmission_differs), 1u);
  send(pieces[0]);
  send(pieces[1]);
  // The first copy received wins.
  ASSERT_EQ(sink_.next[0], pieces[2].offset + pieces[2].length);
  EXPECT_TRUE(std::equal(sink_.bytes[0].begin(), sink_.bytes[0].end(), stream_.begin()));
}

TEST_P(ReassemblyTest, InOrderSegmentCoveringBufferedDataComparesIt) {
  syn();
  auto pieces = cut(15);
  send(pieces[1]);
  // One big in-order segment covering pieces 0..2 with a changed byte inside piece 1.
  const std::uint64_t end = pieces[2].offset + pieces[2].length;
  Bytes big(stream_.begin(), stream_.begin() + static_cast<std::ptrdiff_t>(end));
  big[pieces[1].offset] ^= 0x10;
  send_raw(seq_of(0), tcp_flag::ack, big, static_cast<std::uint32_t>(end));
  EXPECT_EQ(findings_.count(FindingId::tcp_retransmission_differs), 1u);
  EXPECT_EQ(sink_.next[0], end);
  EXPECT_EQ(reassembler_.buffered_bytes(), 0u);
  EXPECT_EQ(budget_.used, 0u);
}

TEST_P(ReassemblyTest, FinEndsTheStreamAndLaterDataIsReported) {
  syn();
  auto pieces = cut(16);
  for (std::size_t i = 0; i + 1 < pieces.size(); ++i) send(pieces[i]);
  send(pieces.back(), tcp_flag::ack | tcp_flag::fin);
  EXPECT_TRUE(reassembler_.fin_reached());
  expect_whole_stream();
  send_raw(seq_of(stream_.size()), tcp_flag::ack, {1, 2, 3}, 3);
  EXPECT_EQ(findings_.count(FindingId::tcp_data_after_fin), 1u);
  EXPECT_EQ(sink_.bytes[0].size(), stream_.size());
}

TEST_P(ReassemblyTest, FinBeforeMissingDataWaitsThenGaps) {
  syn();
  auto pieces = cut(17);
  send(pieces[0]);
  send(pieces[2], tcp_flag::ack | tcp_flag::fin);  // FIN arrives while piece 1 is missing
  EXPECT_FALSE(reassembler_.fin_reached());
  send(pieces[1]);  // data below the FIN is still accepted
  EXPECT_TRUE(reassembler_.fin_reached());
  EXPECT_EQ(sink_.gap_bytes[0], 0u);
}

TEST_P(ReassemblyTest, SnapshotLengthCutBecomesGap) {
  syn();
  auto pieces = cut(18);
  send(pieces[0]);
  // Piece 1 captured with only 10 of its bytes.
  Bytes head(stream_.begin() + static_cast<std::ptrdiff_t>(pieces[1].offset),
             stream_.begin() + static_cast<std::ptrdiff_t>(pieces[1].offset + 10));
  send_raw(seq_of(pieces[1].offset), tcp_flag::ack, head, pieces[1].length);
  send(pieces[2]);
  EXPECT_EQ(sink_.gap_bytes[0], pieces[1].length - 10u);
  EXPECT_EQ(sink_.next[0], pieces[2].offset + pieces[2].length);
  EXPECT_TRUE(sink_.contract_violations.empty());
}

TEST_P(ReassemblyTest, SnapshotCutSegmentBufferedOutOfOrder) {
  syn();
  auto pieces = cut(19);
  Bytes head(stream_.begin() + static_cast<std::ptrdiff_t>(pieces[1].offset),
             stream_.begin() + static_cast<std::ptrdiff_t>(pieces[1].offset + 5));
  send_raw(seq_of(pieces[1].offset), tcp_flag::ack, head, pieces[1].length);
  send(pieces[2]);
  send(pieces[0]);
  EXPECT_EQ(sink_.gap_bytes[0], pieces[1].length - 5u);
  EXPECT_EQ(sink_.next[0], pieces[2].offset + pieces[2].length);
  EXPECT_TRUE(sink_.contract_violations.empty());
}

TEST_P(ReassemblyTest, MidStreamStartsAtFirstSegment) {
  auto pieces = cut(20);
  for (std::size_t i = 3; i < pieces.size(); ++i) send(pieces[i]);
  EXPECT_TRUE(reassembler_.midstream());
  EXPECT_EQ(sink_.bytes[0].size(), stream_.size() - pieces[3].offset);
  EXPECT_TRUE(std::equal(sink_.bytes[0].begin(), sink_.bytes[0].end(),
                         stream_.begin() + static_cast<std::ptrdiff_t>(pieces[3].offset)));
}

TEST_P(ReassemblyTest, PerDirectionLimitIsEnforced) {
  TcpStreamReassembler small(Direction::to_server, 0, findings_, budget_, 4000);
  TcpSegment s;
  s.seq = isn();
  s.flags = tcp_flag::syn;
  small.on_segment(s);
  const Bytes chunk(1500, 0x41);
  std::size_t accepted = 0;
  TcpStreamReassembler::Outcome outcome = TcpStreamReassembler::Outcome::ok;
  for (std::uint32_t i = 1; i < 10 && outcome == TcpStreamReassembler::Outcome::ok; ++i) {
    s.seq = seq_of(i * 3000u);  // every segment leaves a hole before it
    s.flags = tcp_flag::ack;
    s.payload = ByteView(chunk);
    s.wire_length = 1500;
    outcome = small.on_segment(s);
    if (outcome == TcpStreamReassembler::Outcome::ok) ++accepted;
  }
  EXPECT_EQ(outcome, TcpStreamReassembler::Outcome::limit_direction);
  EXPECT_EQ(accepted, 2u);
  EXPECT_LE(small.buffered_bytes(), 4000u);
}

TEST_P(ReassemblyTest, SharedBudgetIsEnforced) {
  budget_.limit = 2000;
  syn();
  auto pieces = cut(21);
  TcpStreamReassembler::Outcome outcome = TcpStreamReassembler::Outcome::ok;
  for (std::size_t i = 1; i < pieces.size() && outcome == TcpStreamReassembler::Outcome::ok; ++i) {
    outcome = send(pieces[i]);
  }
  EXPECT_EQ(outcome, TcpStreamReassembler::Outcome::limit_total);
  EXPECT_LE(budget_.used, 2000u);
}

INSTANTIATE_TEST_SUITE_P(InitialSequenceNumbers, ReassemblyTest,
                         ::testing::Values(0u, 123456789u, 0xFFFFFFFFu, 0xFFFFFFFEu,
                                           0xFFFFFFFFu - 9000u, 0xFFFFFFFFu - 19990u),
                         [](const auto& test_param) {
                           return "isn_" + std::to_string(test_param.param);
                         });

}  // namespace
}  // namespace sipws
