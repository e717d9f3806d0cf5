#include "capture/pcapng_writer.h"

#include <cstring>

namespace sipws {
namespace {

void put16(std::string& b, std::uint16_t v) {
  b.append(reinterpret_cast<const char*>(&v), 2);
}
void put32(std::string& b, std::uint32_t v) {
  b.append(reinterpret_cast<const char*>(&v), 4);
}
void pad4(std::string& b) {
  b.append((4 - b.size() % 4) % 4, '\0');
}

void option(std::string& b, std::uint16_t code, const std::string& value) {
  put16(b, code);
  put16(b, static_cast<std::uint16_t>(value.size()));
  b += value;
  pad4(b);
}

}  // namespace

PcapngWriter::PcapngWriter(std::FILE* out, std::uint32_t link_type, std::uint32_t snaplen,
                           const std::string& interface_name)
    : out_(out) {
  // Host byte order throughout: the section header's byte-order magic tells readers which.
  std::string shb;
  put32(shb, 0x1A2B3C4D);
  put16(shb, 1);
  put16(shb, 0);
  put32(shb, 0xffffffff);  // section length unknown: it is a stream
  put32(shb, 0xffffffff);
  option(shb, 4, "sipws capture");  // shb_userappl
  put32(shb, 0);                    // opt_endofopt
  block(0x0A0D0D0A, shb);
  std::string idb;
  put16(idb, static_cast<std::uint16_t>(link_type));
  put16(idb, 0);
  put32(idb, snaplen);
  option(idb, 2, interface_name);          // if_name
  option(idb, 9, std::string(1, '\x09'));  // if_tsresol: 10^-9
  put32(idb, 0);
  block(1, idb);
  std::fflush(out_);
}

bool PcapngWriter::write(const RawPacket& packet) {
  std::string epb;
  const auto ns = static_cast<std::uint64_t>(packet.timestamp);
  put32(epb, 0);  // interface 0
  put32(epb, static_cast<std::uint32_t>(ns >> 32));
  put32(epb, static_cast<std::uint32_t>(ns));
  put32(epb, static_cast<std::uint32_t>(packet.bytes.size()));
  put32(epb, packet.original_length);
  epb.append(reinterpret_cast<const char*>(packet.bytes.data()), packet.bytes.size());
  pad4(epb);
  block(6, epb);
  ok_ = ok_ && std::fflush(out_) == 0;
  return ok_;
}

void PcapngWriter::block(std::uint32_t type, const std::string& body) {
  std::string b;
  const auto length = static_cast<std::uint32_t>(12 + body.size());
  put32(b, type);
  put32(b, length);
  b += body;
  put32(b, length);
  ok_ = ok_ && std::fwrite(b.data(), 1, b.size(), out_) == b.size();
}

}  // namespace sipws
