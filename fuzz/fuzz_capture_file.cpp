// libFuzzer target: capture files alone, read to the end and fed to the capture pipeline (link,
// IP, TCP and UDP layers; no dissector), much faster per input than fuzz_pipeline. The first
// input byte picks what the rest is:
//   even: the bytes of a file as they are (pcap, pcapng, gzip of either, or anything);
//   odd:  a description from which a pcapng is built here, so that interface options the
//         mutator would seldom form on its own are always present: per interface a link type,
//         if_tsresol and if_tsoffset taken from the input, then packets with 64-bit tick counts.
// Checked on every packet: the timestamp lies in [0, kMaxTimestamp], the bytes within the
// record. UBSan halts on any overflow on the way (the fuzz preset does not recover).
#include <sys/mman.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <vector>

#include "capture/capture_file.h"
#include "capture/capture_pipeline.h"

namespace {

using sipws::ByteView;

struct Reader {
  const std::uint8_t* data;
  std::size_t size;
  std::size_t at = 0;
  bool done() const { return at >= size; }
  std::uint8_t u8() { return at < size ? data[at++] : 0; }
  std::uint64_t u64() {
    std::uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v = v << 8 | u8();
    return v;
  }
};

void put16(std::string& out, std::uint16_t v) {
  out.append(reinterpret_cast<char*>(&v), 2);
}
void put32(std::string& out, std::uint32_t v) {
  out.append(reinterpret_cast<char*>(&v), 4);
}
void block(std::string& out, std::uint32_t type, const std::string& body) {
  std::string padded = body;
  padded.resize((padded.size() + 3) & ~std::size_t{3}, '\0');
  const auto length = static_cast<std::uint32_t>(12 + padded.size());
  put32(out, type);
  put32(out, length);
  out += padded;
  put32(out, length);
}

// A little-endian pcapng built from the description in `in`.
std::string build_pcapng(Reader in) {
  static constexpr std::uint16_t kLinkTypes[] = {1, 0, 101, 113, 228, 229, 276, 12};
  std::string out;
  std::string shb;
  put32(shb, 0x1A2B3C4D);
  put16(shb, 1);
  put16(shb, 0);
  put32(shb, 0xffffffff);
  put32(shb, 0xffffffff);
  block(out, 0x0A0D0D0A, shb);
  const unsigned interfaces = 1 + in.u8() % 4;
  for (unsigned i = 0; i < interfaces; ++i) {
    std::string idb;
    put16(idb, kLinkTypes[in.u8() % 8]);
    put16(idb, 0);
    put32(idb, in.u8() % 2 ? 262144 : in.u8());  // snaplen, sometimes tiny
    const std::uint8_t options = in.u8();
    if (options & 1) {  // if_tsresol
      put16(idb, 9);
      put16(idb, 1);
      idb.push_back(static_cast<char>(in.u8()));
      idb.append(3, '\0');
    }
    if (options & 2) {  // if_tsoffset
      put16(idb, 14);
      put16(idb, 8);
      const std::uint64_t offset = in.u64();
      idb.append(reinterpret_cast<const char*>(&offset), 8);
    }
    put16(idb, 0);
    put16(idb, 0);
    block(out, 1, idb);
  }
  while (!in.done()) {
    std::string epb;
    put32(epb, in.u8() % (interfaces + 1));  // sometimes an interface that was never declared
    const std::uint64_t ticks = in.u64();
    put32(epb, static_cast<std::uint32_t>(ticks >> 32));
    put32(epb, static_cast<std::uint32_t>(ticks));
    const std::size_t length = std::min<std::size_t>(in.u8(), in.size - in.at);
    put32(epb, static_cast<std::uint32_t>(length));
    put32(epb, static_cast<std::uint32_t>(length));
    epb.append(reinterpret_cast<const char*>(in.data + in.at), length);
    in.at += length;
    block(out, 6, epb);
  }
  return out;
}

struct IgnoreFlows final : sipws::FlowObserver {
  sipws::StreamSink* on_tcp_open(const sipws::TcpConnectionInfo&) override { return nullptr; }
  void on_tcp_summary(const sipws::TcpConnectionSummary&) override {}
  void on_udp_datagram(const sipws::UdpFlowInfo&, const sipws::UdpDatagram&) override {}
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace sipws;
  if (size == 0) return 0;
  const std::string file = (data[0] & 1)
                               ? build_pcapng(Reader{data + 1, size - 1})
                               : std::string(reinterpret_cast<const char*>(data + 1), size - 1);
  const int fd = memfd_create("capture", 0);
  if (fd < 0) return 0;
  if (write(fd, file.data(), file.size()) != static_cast<ssize_t>(file.size())) {
    close(fd);
    return 0;
  }
  const std::string path = "/proc/self/fd/" + std::to_string(fd);
  std::string error;
  auto capture = CaptureFile::open(path, error);
  if (capture) {
    FindingCollector findings;
    IgnoreFlows flows;
    CapturePipeline pipeline(flows, findings);
    RawPacket packet;
    while (capture->next(packet) == ReadStatus::packet) {
      if (packet.timestamp < 0 || packet.timestamp > kMaxTimestamp) __builtin_trap();
      if (packet.bytes.size() > file.size()) __builtin_trap();
      (void)capture->take_secrets();
      pipeline.on_packet(packet);
    }
    pipeline.finish();
  }
  close(fd);
  return 0;
}
