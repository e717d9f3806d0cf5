#pragma once
// Writes pcapng (one section, one interface, nanosecond timestamps) to a FILE*, flushing after
// each packet: what `sipws capture` sends down a pipe to a reader that is not root (the GUI), as
// Wireshark's dumpcap does. libpcap 1.10 cannot write pcapng.

#include <cstdint>
#include <cstdio>
#include <string>

#include "capture/raw_packet.h"

namespace sipws {

class PcapngWriter {
 public:
  PcapngWriter(std::FILE* out, std::uint32_t link_type, std::uint32_t snaplen,
               const std::string& interface_name);
  // False when the reader went away (broken pipe) or the disk is full.
  bool write(const RawPacket& packet);

 private:
  void block(std::uint32_t type, const std::string& body);
  std::FILE* out_;
  bool ok_ = true;
};

}  // namespace sipws
