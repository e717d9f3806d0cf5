#include "capture/pcap_writer.h"

#include <pcap/pcap.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace sipws {

struct PcapWriter::State {
  pcap_t* dead = nullptr;
  pcap_dumper_t* dumper = nullptr;
  std::string path;
};

std::unique_ptr<PcapWriter> PcapWriter::open(const std::string& path, std::uint32_t link_type,
                                             std::string& error) {
  const int dlt = link_type == link_type::raw ? DLT_RAW : static_cast<int>(link_type);
  std::unique_ptr<PcapWriter> writer(new PcapWriter);
  writer->state_ = std::make_unique<State>();
  State& s = *writer->state_;
  s.path = path;
  s.dead = pcap_open_dead_with_tstamp_precision(dlt, 262144, PCAP_TSTAMP_PRECISION_NANO);
  if (s.dead == nullptr) {
    error = path + ": cannot create a pcap writer for link type " + std::to_string(link_type);
    return nullptr;
  }
  s.dumper = pcap_dump_open(s.dead, path.c_str());
  if (s.dumper == nullptr) {
    error = path + ": " + pcap_geterr(s.dead);
    pcap_close(s.dead);
    s.dead = nullptr;
    return nullptr;
  }
  return writer;
}

PcapWriter::~PcapWriter() {
  std::string ignored;
  if (state_) close(ignored);
}

void PcapWriter::write(const RawPacket& packet, ByteView bytes) {
  if (!state_ || state_->dumper == nullptr) return;
  pcap_pkthdr header{};
  header.ts.tv_sec = static_cast<time_t>(packet.timestamp / 1'000'000'000);
  header.ts.tv_usec = static_cast<suseconds_t>(packet.timestamp % 1'000'000'000);  // nanoseconds
  header.caplen = static_cast<bpf_u_int32>(bytes.size());
  const std::size_t cut = packet.bytes.size() - bytes.size();  // link header bytes dropped
  header.len = static_cast<bpf_u_int32>(packet.original_length >= cut ? packet.original_length - cut
                                                                      : bytes.size());
  pcap_dump(reinterpret_cast<u_char*>(state_->dumper), &header, bytes.data());
}

bool PcapWriter::flush() {
  return !state_ || state_->dumper == nullptr || pcap_dump_flush(state_->dumper) == 0;
}

bool PcapWriter::close(std::string& error) {
  if (!state_ || state_->dumper == nullptr) return true;
  State& s = *state_;
  bool ok = pcap_dump_flush(s.dumper) == 0;
  FILE* file = pcap_dump_file(s.dumper);
  ok = ok && std::ferror(file) == 0;
  pcap_dump_close(s.dumper);
  pcap_close(s.dead);
  s.dumper = nullptr;
  s.dead = nullptr;
  if (!ok) error = s.path + ": write failed: " + std::strerror(errno);
  return ok;
}

}  // namespace sipws
