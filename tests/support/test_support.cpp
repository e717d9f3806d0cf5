#include "tests/support/test_support.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace sipws::test {

void RecordingSink::on_data(Direction direction, ByteView b, std::uint64_t offset,
                            std::uint64_t frame, TimeNs) {
  const auto d = static_cast<std::size_t>(direction);
  if (closed) contract_violations.push_back("data after close");
  if (offset != next[d]) {
    contract_violations.push_back("data at offset " + std::to_string(offset) + ", expected " +
                                  std::to_string(next[d]));
  }
  if (b.empty()) contract_violations.push_back("empty data");
  bytes[d].insert(bytes[d].end(), b.begin(), b.end());
  events[d].push_back({Event::data, offset, b.size(), frame});
  next[d] = offset + b.size();
}

void RecordingSink::on_gap(Direction direction, std::uint64_t offset, std::uint64_t length) {
  const auto d = static_cast<std::size_t>(direction);
  if (closed) contract_violations.push_back("gap after close");
  if (offset != next[d]) contract_violations.push_back("gap at unexpected offset");
  if (length == 0) contract_violations.push_back("empty gap");
  events[d].push_back({Event::gap, offset, length, 0});
  gap_bytes[d] += length;
  next[d] = offset + length;
}

void RecordingSink::on_close(CloseReason r) {
  if (closed) contract_violations.push_back("closed twice");
  closed = true;
  reason = r;
}

StreamSink* RecordingObserver::on_tcp_open(const TcpConnectionInfo& info) {
  opened.push_back(info);
  auto& sink = sinks[info.index];
  sink = std::make_unique<RecordingSink>();
  return sink.get();
}

void RecordingObserver::on_tcp_summary(const TcpConnectionSummary& summary) {
  tcp[summary.info.index] = summary;
}

void RecordingObserver::on_udp_datagram(const UdpFlowInfo& flow, const UdpDatagram& datagram) {
  datagrams.emplace_back(flow.index, Bytes(datagram.payload.begin(), datagram.payload.end()));
}

void RecordingObserver::on_udp_summary(const UdpFlowSummary& summary) {
  udp[summary.info.index] = summary;
}

std::unique_ptr<FileAnalysis> analyse_file(const std::string& path, CaptureLimits limits) {
  auto result = std::make_unique<FileAnalysis>();
  std::string error;
  auto file = CaptureFile::open(path, error);
  EXPECT_TRUE(file) << error;
  if (!file) return result;
  CapturePipeline pipeline(result->flows, result->findings, limits);
  result->read = read_capture(*file, pipeline, result->findings);
  result->decode = pipeline.decode_counters();
  return result;
}

std::string samples_dir() {
  return SIPWS_SAMPLES_DIR;
}
std::string corpus_dir() {
  return std::string(SIPWS_SHARED_DIR) + "/corpus";
}

std::string temp_dir() {
  const char* env = std::getenv("SIPWS_TEST_TMP");
  std::string dir = env != nullptr ? env : "/tmp/sipws-tests";
  std::filesystem::create_directories(dir);
  return dir;
}

std::vector<std::string> list_files(const std::string& dir, const std::string& suffix) {
  std::vector<std::string> files;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (!entry.is_regular_file()) continue;
    const std::string p = entry.path().string();
    if (suffix.empty() || (p.size() >= suffix.size() &&
                           p.compare(p.size() - suffix.size(), suffix.size(), suffix) == 0)) {
      files.push_back(p);
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void write_file(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
}

std::string run_command(const std::string& command, int& status) {
  std::string output;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) {
    status = -1;
    return output;
  }
  char buffer[65536];
  std::size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) output.append(buffer, n);
  const int rc = pclose(pipe);
  status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  return output;
}

bool have_program(const std::string& name) {
  int status = 0;
  run_command("command -v " + name + " >/dev/null 2>&1", status);
  return status == 0;
}

Endpoint endpoint(const char* ip, std::uint16_t port) {
  Endpoint e;
  std::uint8_t raw[4] = {};
  inet_pton(AF_INET, ip, raw);
  e.address = IpAddress::v4(raw);
  e.port = port;
  return e;
}

namespace {
void put16(Bytes& b, std::size_t at, std::uint16_t v) {
  b[at] = static_cast<std::uint8_t>(v >> 8);
  b[at + 1] = static_cast<std::uint8_t>(v);
}
void put32(Bytes& b, std::size_t at, std::uint32_t v) {
  put16(b, at, static_cast<std::uint16_t>(v >> 16));
  put16(b, at + 2, static_cast<std::uint16_t>(v));
}
}  // namespace

Bytes ipv4_header(const std::string& src, const std::string& dst, std::uint8_t protocol,
                  std::size_t payload_length, std::uint16_t id, std::uint16_t fragment) {
  Bytes h(20, 0);
  h[0] = 0x45;
  put16(h, 2, static_cast<std::uint16_t>(20 + payload_length));
  put16(h, 4, id);
  put16(h, 6, fragment);
  h[8] = 64;
  h[9] = protocol;
  inet_pton(AF_INET, src.c_str(), h.data() + 12);
  inet_pton(AF_INET, dst.c_str(), h.data() + 16);
  return h;
}

Bytes ipv6_header(const std::string& src, const std::string& dst, std::uint8_t next_header,
                  std::size_t payload_length) {
  Bytes h(40, 0);
  h[0] = 0x60;
  put16(h, 4, static_cast<std::uint16_t>(payload_length));
  h[6] = next_header;
  h[7] = 64;
  inet_pton(AF_INET6, src.c_str(), h.data() + 8);
  inet_pton(AF_INET6, dst.c_str(), h.data() + 24);
  return h;
}

Bytes udp_header(std::uint16_t sport, std::uint16_t dport, std::size_t payload_length) {
  Bytes h(8, 0);
  put16(h, 0, sport);
  put16(h, 2, dport);
  put16(h, 4, static_cast<std::uint16_t>(8 + payload_length));
  return h;
}

Bytes tcp_header(std::uint16_t sport, std::uint16_t dport, std::uint32_t seq, std::uint32_t ack,
                 std::uint8_t flags) {
  Bytes h(20, 0);
  put16(h, 0, sport);
  put16(h, 2, dport);
  put32(h, 4, seq);
  put32(h, 8, ack);
  h[12] = 5 << 4;
  h[13] = flags;
  put16(h, 14, 65535);
  return h;
}

Bytes ethernet_header(std::uint16_t ethertype) {
  Bytes h(14, 0);
  for (int i = 0; i < 12; ++i) h[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(i + 1);
  put16(h, 12, ethertype);
  return h;
}

Bytes concat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

Bytes text_bytes(const std::string& text) {
  return Bytes(text.begin(), text.end());
}

}  // namespace sipws::test
