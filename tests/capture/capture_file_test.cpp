// Capture files: pcap (micro/nanosecond, written here by libpcap itself), pcapng (hand-built
// blocks, both byte orders, interfaces with different link types), gzip, and damaged files.

#include "capture/capture_file.h"

#include <gtest/gtest.h>
#include <pcap/pcap.h>
#include <zlib.h>

#include <cstring>
#include <optional>
#include <set>

#include "tests/support/test_support.h"

namespace sipws {
namespace {

using test::Bytes;

struct Record {
  std::uint64_t frame;
  TimeNs timestamp;
  std::uint32_t link_type;
  std::uint32_t interface_id;
  std::uint32_t original_length;
  Bytes bytes;
};

std::vector<Record> read_all(const std::string& path, std::string& error, ReadStatus& last,
                             bool* compressed = nullptr) {
  std::vector<Record> out;
  auto file = CaptureFile::open(path, error);
  if (!file) {
    last = ReadStatus::error;
    return out;
  }
  if (compressed != nullptr) *compressed = file->compressed();
  RawPacket p;
  while ((last = file->next(p)) == ReadStatus::packet) {
    out.push_back({p.frame_number, p.timestamp, p.link_type, p.interface_id, p.original_length,
                   Bytes(p.bytes.begin(), p.bytes.end())});
  }
  if (last == ReadStatus::error) error = file->error() + (file->truncated() ? " [truncated]" : "");
  return out;
}

std::string tmp(const std::string& name) {
  return test::temp_dir() + "/" + name;
}

// Writes three packets with libpcap's own writer.
void write_pcap(const std::string& path, bool nano) {
  pcap_t* dead = pcap_open_dead_with_tstamp_precision(
      DLT_EN10MB, 65535, nano ? PCAP_TSTAMP_PRECISION_NANO : PCAP_TSTAMP_PRECISION_MICRO);
  pcap_dumper_t* dumper = pcap_dump_open(dead, path.c_str());
  ASSERT_NE(dumper, nullptr) << pcap_geterr(dead);
  for (int i = 0; i < 3; ++i) {
    pcap_pkthdr h{};
    h.ts.tv_sec = 1700000000 + i;
    h.ts.tv_usec = nano ? 123456789 : 123456;
    Bytes data(60 + static_cast<std::size_t>(i), static_cast<std::uint8_t>(i));
    h.caplen = static_cast<bpf_u_int32>(data.size());
    h.len = h.caplen + 10;
    pcap_dump(reinterpret_cast<u_char*>(dumper), &h, data.data());
  }
  pcap_dump_close(dumper);
  pcap_close(dead);
}

void gzip_file(const std::string& from, const std::string& to) {
  const std::string content = test::read_file(from);
  gzFile gz = gzopen(to.c_str(), "wb9");
  ASSERT_NE(gz, nullptr);
  ASSERT_EQ(gzwrite(gz, content.data(), static_cast<unsigned>(content.size())),
            static_cast<int>(content.size()));
  gzclose(gz);
}

// A minimal pcapng writer for hand-built test files.
class PcapngBuilder {
 public:
  explicit PcapngBuilder(bool big_endian) : big_(big_endian) {}
  void section() {
    Bytes body;
    put32(body, 0x1A2B3C4D);
    put16(body, 1);
    put16(body, 0);
    put32(body, 0xffffffff);
    put32(body, 0xffffffff);
    block(0x0A0D0D0A, body);
  }
  void interface(std::uint16_t link_type, int tsresol = -1, std::uint32_t snaplen = 262144,
                 std::optional<std::int64_t> tsoffset = std::nullopt) {
    Bytes body;
    put16(body, link_type);
    put16(body, 0);
    put32(body, snaplen);
    if (tsresol >= 0) {
      put16(body, 9);
      put16(body, 1);
      body.push_back(static_cast<std::uint8_t>(tsresol));
      body.insert(body.end(), 3, 0);
    }
    if (tsoffset) {  // if_tsoffset: a 64-bit signed number of seconds, in the section's order
      const auto v = static_cast<std::uint64_t>(*tsoffset);
      put16(body, 14);
      put16(body, 8);
      if (big_) {
        put32(body, static_cast<std::uint32_t>(v >> 32));
        put32(body, static_cast<std::uint32_t>(v));
      } else {
        put32(body, static_cast<std::uint32_t>(v));
        put32(body, static_cast<std::uint32_t>(v >> 32));
      }
    }
    put16(body, 0);
    put16(body, 0);
    block(1, body);
  }
  void packet(std::uint32_t interface, std::uint64_t ticks, const Bytes& data,
              std::uint32_t claimed_caplen = UINT32_MAX) {
    Bytes body;
    put32(body, interface);
    put32(body, static_cast<std::uint32_t>(ticks >> 32));
    put32(body, static_cast<std::uint32_t>(ticks));
    put32(body,
          claimed_caplen == UINT32_MAX ? static_cast<std::uint32_t>(data.size()) : claimed_caplen);
    put32(body, static_cast<std::uint32_t>(data.size()));
    body.insert(body.end(), data.begin(), data.end());
    while (body.size() % 4 != 0) body.push_back(0);
    block(6, body);
  }
  void raw_block(std::uint32_t type, std::uint32_t length) {
    put32(out_, type);
    put32(out_, length);
  }
  std::string str() const { return std::string(out_.begin(), out_.end()); }

 private:
  void put16(Bytes& b, std::uint16_t v) {
    if (big_) {
      b.push_back(static_cast<std::uint8_t>(v >> 8));
      b.push_back(static_cast<std::uint8_t>(v));
    } else {
      b.push_back(static_cast<std::uint8_t>(v));
      b.push_back(static_cast<std::uint8_t>(v >> 8));
    }
  }
  void put32(Bytes& b, std::uint32_t v) {
    if (big_) {
      put16(b, static_cast<std::uint16_t>(v >> 16));
      put16(b, static_cast<std::uint16_t>(v));
    } else {
      put16(b, static_cast<std::uint16_t>(v));
      put16(b, static_cast<std::uint16_t>(v >> 16));
    }
  }
  void block(std::uint32_t type, const Bytes& body) {
    const auto length = static_cast<std::uint32_t>(12 + body.size());
    put32(out_, type);
    put32(out_, length);
    out_.insert(out_.end(), body.begin(), body.end());
    put32(out_, length);
  }
  bool big_;
  Bytes out_;
};

TEST(CaptureFile, PcapMicroAndNanoseconds) {
  for (bool nano : {false, true}) {
    const std::string path = tmp(nano ? "nano.pcap" : "micro.pcap");
    write_pcap(path, nano);
    std::string error;
    ReadStatus last;
    auto records = read_all(path, error, last);
    ASSERT_EQ(last, ReadStatus::end) << error;
    ASSERT_EQ(records.size(), 3u);
    EXPECT_EQ(records[0].frame, 1u);
    EXPECT_EQ(records[2].frame, 3u);
    EXPECT_EQ(records[1].link_type, link_type::ethernet);
    EXPECT_EQ(records[1].timestamp, 1700000001LL * 1'000'000'000 + (nano ? 123456789 : 123456000));
    EXPECT_EQ(records[2].bytes.size(), 62u);
    EXPECT_EQ(records[2].original_length, 72u);
  }
}

TEST(CaptureFile, GzipRecognisedByContentNotName) {
  const std::string plain = tmp("plain.pcap");
  write_pcap(plain, true);
  const std::string hidden = tmp("no-suffix-at-all");  // gzip content without a .gz name
  gzip_file(plain, hidden);
  std::string error;
  ReadStatus last;
  bool compressed = false;
  auto records = read_all(hidden, error, last, &compressed);
  ASSERT_EQ(last, ReadStatus::end) << error;
  EXPECT_TRUE(compressed);
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[2].timestamp, 1700000002LL * 1'000'000'000 + 123456789);
  // And a plain file named .gz is read as plain.
  const std::string misnamed = tmp("plain-really.pcap.gz");
  test::write_file(misnamed, test::read_file(plain));
  records = read_all(misnamed, error, last, &compressed);
  EXPECT_EQ(last, ReadStatus::end);
  EXPECT_FALSE(compressed);
  EXPECT_EQ(records.size(), 3u);
}

TEST(CaptureFile, PcapngInterfacesWithDifferentLinkTypesBothByteOrders) {
  for (bool big : {false, true}) {
    PcapngBuilder b(big);
    b.section();
    b.interface(1, 9);  // Ethernet, nanosecond timestamps
    b.interface(276);   // Linux SLL2, default microseconds
    b.packet(0, 1'700'000'000'123'456'789ull, Bytes(64, 0xaa));
    b.packet(1, 1'700'000'001'000'001ull, Bytes(48, 0xbb));
    b.packet(0, 1'700'000'002'000'000'000ull, Bytes(3, 0xcc));
    const std::string path = tmp(big ? "be.pcapng" : "le.pcapng");
    test::write_file(path, b.str());
    std::string error;
    ReadStatus last;
    auto records = read_all(path, error, last);
    ASSERT_EQ(last, ReadStatus::end) << error;
    ASSERT_EQ(records.size(), 3u);
    EXPECT_EQ(records[0].link_type, link_type::ethernet);
    EXPECT_EQ(records[1].link_type, link_type::linux_sll2);
    EXPECT_EQ(records[1].interface_id, 1u);
    EXPECT_EQ(records[0].timestamp, 1'700'000'000'123'456'789LL);
    EXPECT_EQ(records[1].timestamp, 1'700'000'001'000'001'000LL);
    EXPECT_EQ(records[2].bytes, Bytes(3, 0xcc));
    EXPECT_EQ(records[2].frame, 3u);
  }
}

// Hand-built: timestamps no real capture has. Every reader clamps into [0, kMaxTimestamp];
// before, an if_tsoffset of 2^63-1 seconds overflowed a signed multiplication (UBSan halts the
// sanitizer build on that), and the unsorted finding subtracted two such times.
TEST(CaptureFile, ExtremeTimestampsAreClampedNotOverflowed) {
  for (bool big : {false, true}) {
    PcapngBuilder b(big);
    b.section();
    b.interface(1, 9, 262144, INT64_MAX);  // offset: 2^63-1 seconds
    b.interface(1, 9, 262144, INT64_MIN);  // offset: -2^63 seconds
    b.interface(1, 0, 262144, 1'000);      // 1-second ticks, offset 1000 s
    b.interface(1, 0x80 | 1, 262144, -5);  // half-second ticks, offset -5 s
    b.packet(0, 7, Bytes(20, 0));
    b.packet(1, UINT64_MAX, Bytes(20, 0));
    b.packet(2, UINT64_MAX, Bytes(20, 0));  // 2^64 s: past the range
    b.packet(2, 3, Bytes(20, 0));
    b.packet(3, 4, Bytes(20, 0));   // 2 s - 5 s: before 1970
    b.packet(3, 30, Bytes(20, 0));  // 15 s - 5 s
    const std::string path = tmp(big ? "tsoffset-be.pcapng" : "tsoffset-le.pcapng");
    test::write_file(path, b.str());
    std::string error;
    ReadStatus last;
    auto records = read_all(path, error, last);
    ASSERT_EQ(last, ReadStatus::end) << error;
    ASSERT_EQ(records.size(), 6u);
    EXPECT_EQ(records[0].timestamp, kMaxTimestamp);
    EXPECT_EQ(records[1].timestamp, 0);
    EXPECT_EQ(records[2].timestamp, kMaxTimestamp);
    EXPECT_EQ(records[3].timestamp, 1'003'000'000'000LL);
    EXPECT_EQ(records[4].timestamp, 0);
    EXPECT_EQ(records[5].timestamp, 10'000'000'000LL);
    // The whole analysis over them: out of order by the whole range, said once, in microseconds.
    auto analysis = test::analyse_file(path);
    ASSERT_EQ(analysis->findings.count(FindingId::capture_unsorted), 1u);
  }
}

TEST(CapturePipeline, UnsortedFindingSubtractsTimesThatWouldOverflow) {
  FindingCollector findings;
  struct Nothing final : FlowObserver {
    StreamSink* on_tcp_open(const TcpConnectionInfo&) override { return nullptr; }
    void on_tcp_summary(const TcpConnectionSummary&) override {}
    void on_udp_datagram(const UdpFlowInfo&, const UdpDatagram&) override {}
  } nothing;
  CapturePipeline pipeline(nothing, findings);
  const Bytes bytes(20, 0);
  RawPacket late;
  late.frame_number = 1;
  late.timestamp = INT64_MAX;  // live and HEP times are not clamped by a file reader
  late.link_type = link_type::ethernet;
  late.bytes = bytes;
  pipeline.on_packet(late);
  RawPacket early = late;
  early.frame_number = 2;
  early.timestamp = INT64_MIN;
  pipeline.on_packet(early);
  ASSERT_EQ(findings.count(FindingId::capture_unsorted), 1u);
  EXPECT_NE(findings.findings().back().detail.find("18446744073709551 us older"), std::string::npos)
      << findings.findings().back().detail;
}

TEST(CaptureFile, TruncatedPcapKeepsWhatCameBefore) {
  const std::string whole = tmp("whole.pcap");
  write_pcap(whole, false);
  std::string content = test::read_file(whole);
  const std::string cut = tmp("cut.pcap");
  test::write_file(cut, content.substr(0, content.size() - 20));  // inside the third record
  std::string error;
  ReadStatus last;
  auto records = read_all(cut, error, last);
  EXPECT_EQ(last, ReadStatus::error);
  EXPECT_EQ(records.size(), 2u);
  EXPECT_NE(error.find(cut), std::string::npos) << error;
  EXPECT_NE(error.find("[truncated]"), std::string::npos) << error;
}

TEST(CaptureFile, TruncatedGzipIsReportedNotTakenForAnEnd) {
  const std::string plain = tmp("forgz.pcap");
  write_pcap(plain, false);
  const std::string gz = tmp("forgz.pcap.gz");
  gzip_file(plain, gz);
  const std::string content = test::read_file(gz);
  const std::string cut = tmp("cut.pcap.gz");
  test::write_file(cut, content.substr(0, content.size() - 10));  // loses the gzip trailer
  std::string error;
  ReadStatus last;
  read_all(cut, error, last);
  EXPECT_EQ(last, ReadStatus::error);
  EXPECT_NE(error.find("gzip"), std::string::npos) << error;
}

TEST(CaptureFile, PcapngLyingLengthsAreErrorsWithPartialResults) {
  {
    PcapngBuilder b(false);
    b.section();
    b.interface(1);
    b.packet(0, 1, Bytes(10, 1));
    b.raw_block(6, 0xfffffff0u);  // a block length no file can have
    const std::string path = tmp("liar.pcapng");
    test::write_file(path, b.str() + std::string(64, '\0'));
    std::string error;
    ReadStatus last;
    auto records = read_all(path, error, last);
    EXPECT_EQ(last, ReadStatus::error);
    EXPECT_EQ(records.size(), 1u);
    EXPECT_NE(error.find("block length"), std::string::npos) << error;
  }
  {
    PcapngBuilder b(false);
    b.section();
    b.interface(1);
    b.packet(0, 1, Bytes(12, 1), 4000);  // says 4000 captured bytes, holds 12
    const std::string path = tmp("caplen-liar.pcapng");
    test::write_file(path, b.str());
    std::string error;
    ReadStatus last;
    read_all(path, error, last);
    EXPECT_EQ(last, ReadStatus::error);
    EXPECT_NE(error.find("captured bytes"), std::string::npos) << error;
  }
  {
    PcapngBuilder b(false);
    b.section();
    b.packet(3, 1, Bytes(12, 1));  // no such interface
    const std::string path = tmp("no-interface.pcapng");
    test::write_file(path, b.str());
    std::string error;
    ReadStatus last;
    read_all(path, error, last);
    EXPECT_EQ(last, ReadStatus::error);
    EXPECT_NE(error.find("interface 3"), std::string::npos) << error;
  }
}

TEST(CaptureFile, TruncatedPcapngAtEveryLength) {
  PcapngBuilder b(false);
  b.section();
  b.interface(1);
  b.packet(0, 1, Bytes(100, 1));
  b.packet(0, 2, Bytes(100, 2));
  const std::string whole = b.str();
  // Where blocks end: section header 28, interface 24, each packet 132.
  const std::set<std::size_t> boundaries = {28, 52, 184, whole.size()};
  ASSERT_EQ(whole.size(), 316u);
  const std::string path = tmp("every.pcapng");
  for (std::size_t n = 1; n < whole.size(); ++n) {
    test::write_file(path, whole.substr(0, n));
    std::string error;
    ReadStatus last;
    auto records = read_all(path, error, last);
    if (n < 4) continue;  // too short to tell what it is: an open error
    EXPECT_LE(records.size(), 2u);
    // A cut between blocks reads as a shorter file; a cut inside one is an error.
    EXPECT_EQ(last, boundaries.count(n) ? ReadStatus::end : ReadStatus::error) << "cut at " << n;
    EXPECT_EQ(records.size(), n >= 316 ? 2u : n >= 184 ? 1u : 0u) << "cut at " << n;
  }
}

TEST(CaptureFile, NotACaptureIsAClearError) {
  const std::string text = tmp("notes.txt");
  test::write_file(text, "INVITE sip:bob@example.com SIP/2.0\r\n");
  std::string error;
  EXPECT_EQ(CaptureFile::open(text, error), nullptr);
  EXPECT_NE(error.find(text), std::string::npos);
  EXPECT_NE(error.find("not a pcap or pcapng"), std::string::npos) << error;

  const std::string empty = tmp("empty.pcap");
  test::write_file(empty, "");
  EXPECT_EQ(CaptureFile::open(empty, error), nullptr);
  EXPECT_NE(error.find("empty"), std::string::npos) << error;

  EXPECT_EQ(CaptureFile::open(tmp("does-not-exist.pcap"), error), nullptr);
  EXPECT_NE(error.find("cannot open"), std::string::npos) << error;

  EXPECT_EQ(CaptureFile::open(test::temp_dir(), error), nullptr);
  EXPECT_NE(error.find("directory"), std::string::npos) << error;

  const std::string gz_text = tmp("notes.txt.gz");
  gzip_file(text, gz_text);
  EXPECT_EQ(CaptureFile::open(gz_text, error), nullptr);
  EXPECT_NE(error.find("inside gzip"), std::string::npos) << error;
}

TEST(CaptureFile, DamageAndOddRecordsBecomeFindings) {
  // A truncated file: capture.truncated, with the frames before it analysed.
  const std::string whole = tmp("whole2.pcap");
  write_pcap(whole, false);
  const std::string content = test::read_file(whole);
  const std::string cut = tmp("cut2.pcap");
  test::write_file(cut, content.substr(0, content.size() - 20));
  auto analysis = test::analyse_file(cut);
  EXPECT_EQ(analysis->findings.count(FindingId::capture_truncated), 1u);
  EXPECT_EQ(analysis->read.frames, 2u);
  EXPECT_TRUE(analysis->read.damaged);
  // A block whose length cannot be (hand-built pcapng, with more bytes after it than a
  // truncation would leave): capture.read_error, the frames before it analysed.
  {
    PcapngBuilder damaged(false);
    damaged.section();
    damaged.interface(1);
    damaged.packet(0, 1, Bytes(60, 0));
    std::string bytes = damaged.str();
    const std::size_t bad_block = bytes.size();
    damaged.packet(0, 2, Bytes(60, 0));
    damaged.packet(0, 3, Bytes(60, 0));
    bytes = damaged.str();
    const std::uint32_t impossible = 0x7ffffff0;
    std::memcpy(bytes.data() + bad_block + 4, &impossible, 4);  // little-endian section
    const std::string path = tmp("bad-block.pcapng");
    test::write_file(path, bytes);
    analysis = test::analyse_file(path);
    EXPECT_EQ(analysis->findings.count(FindingId::capture_read_error), 1u);
    EXPECT_EQ(analysis->findings.count(FindingId::capture_truncated), 0u);
    EXPECT_EQ(analysis->read.frames, 1u);
    EXPECT_TRUE(analysis->read.damaged);
  }
  // A record longer than its interface's snapshot length (hand-built pcapng).
  PcapngBuilder b(false);
  b.section();
  b.interface(1, -1, 100);
  b.packet(0, 1, Bytes(200, 0));
  const std::string odd = tmp("snaplen.pcapng");
  test::write_file(odd, b.str());
  analysis = test::analyse_file(odd);
  EXPECT_EQ(analysis->findings.count(FindingId::capture_caplen_exceeds_snaplen), 1u);
  // Frames out of time order (dumpcap on two interfaces): said once.
  analysis = test::analyse_file(test::samples_dir() + "/ws-call-answered-unsorted.pcapng");
  EXPECT_EQ(analysis->findings.count(FindingId::capture_unsorted), 1u);
  EXPECT_EQ(analysis->findings.count(FindingId::tcp_gap), 0u);
}

}  // namespace
}  // namespace sipws
