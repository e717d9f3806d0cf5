#pragma once
// Writes classic pcap files (nanosecond timestamps) through libpcap's own writer.

#include <cstdint>
#include <memory>
#include <string>

#include "capture/raw_packet.h"

namespace sipws {

class PcapWriter {
 public:
  // `link_type` is a LINKTYPE_* value (raw_packet.h). Returns null and sets `error` on failure.
  static std::unique_ptr<PcapWriter> open(const std::string& path, std::uint32_t link_type,
                                          std::string& error);
  ~PcapWriter();
  PcapWriter(const PcapWriter&) = delete;
  PcapWriter& operator=(const PcapWriter&) = delete;

  // Writes `bytes` (the packet's own, or a cut of them) with the packet's time and length.
  void write(const RawPacket& packet, ByteView bytes);
  // What was written so far reaches the file, for a reader that opens it while writing goes on.
  bool flush();
  // Flushes and closes; false (with `error`) when the data could not all be written.
  bool close(std::string& error);

 private:
  PcapWriter() = default;
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace sipws
