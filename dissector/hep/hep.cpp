#include "dissector/hep/hep.h"

#include <algorithm>
#include <cstring>

namespace sipws {
namespace {

// Generic chunk types (vendor 0), as the HEP specification numbers them.
enum Chunk : std::uint16_t {
  kIpFamily = 0x0001,
  kIpProtocol = 0x0002,
  kIpv4Src = 0x0003,
  kIpv4Dst = 0x0004,
  kIpv6Src = 0x0005,
  kIpv6Dst = 0x0006,
  kSrcPort = 0x0007,
  kDstPort = 0x0008,
  kSeconds = 0x0009,
  kMicroseconds = 0x000a,
  kProtocolType = 0x000b,
  kCaptureId = 0x000c,
  kAuthKey = 0x000e,
  kPayload = 0x000f,
  kCorrelationId = 0x0011,
};

std::uint16_t be16(const std::uint8_t* p) {
  return static_cast<std::uint16_t>(p[0] << 8 | p[1]);
}
std::uint32_t be32(const std::uint8_t* p) {
  return static_cast<std::uint32_t>(p[0]) << 24 | static_cast<std::uint32_t>(p[1]) << 16 |
         static_cast<std::uint32_t>(p[2]) << 8 | p[3];
}

void put16(std::vector<std::uint8_t>& out, std::uint16_t v) {
  out.push_back(static_cast<std::uint8_t>(v >> 8));
  out.push_back(static_cast<std::uint8_t>(v));
}
void chunk(std::vector<std::uint8_t>& out, std::uint16_t vendor, std::uint16_t type,
           const void* value, std::size_t length) {
  put16(out, vendor);
  put16(out, type);
  put16(out, static_cast<std::uint16_t>(6 + length));
  const auto* p = static_cast<const std::uint8_t*>(value);
  out.insert(out.end(), p, p + length);
}
void chunk8(std::vector<std::uint8_t>& out, std::uint16_t type, std::uint8_t v) {
  chunk(out, 0, type, &v, 1);
}
void chunk16(std::vector<std::uint8_t>& out, std::uint16_t type, std::uint16_t v) {
  const std::uint8_t b[2] = {static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v)};
  chunk(out, 0, type, b, 2);
}
void chunk32(std::vector<std::uint8_t>& out, std::uint16_t type, std::uint32_t v) {
  const std::uint8_t b[4] = {static_cast<std::uint8_t>(v >> 24), static_cast<std::uint8_t>(v >> 16),
                             static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v)};
  chunk(out, 0, type, b, 4);
}

// The sipws transport chunk's codes: a contract with every reader of our HEP (README), so a
// table, not the order of SipTransport's enumerators (a new transport must not renumber).
struct HepTransportCode {
  SipTransport transport;
  std::uint8_t code;
};
constexpr HepTransportCode kHepTransportCodes[] = {
    {SipTransport::udp, 1}, {SipTransport::tcp, 2}, {SipTransport::ws, 3},
    {SipTransport::wss, 4}, {SipTransport::tls, 5}, {SipTransport::sctp, 6},
};

std::uint8_t transport_code(SipTransport t) {
  for (const HepTransportCode& c : kHepTransportCodes) {
    if (c.transport == t) return c.code;
  }
  return 0;
}

std::optional<SipTransport> transport_of_code(std::uint8_t code) {
  for (const HepTransportCode& c : kHepTransportCodes) {
    if (c.code == code) return c.transport;
  }
  return std::nullopt;
}

}  // namespace

std::vector<std::uint8_t> encode_hep3(const SipMessageRecord& r, const HepEncodeOptions& options) {
  // Text chunks longer than this are left out: a Call-ID or key of 64 KiB (hostile, or a bug
  // upstream) must not overflow the 16-bit lengths of the packet.
  constexpr std::size_t kMaxTextChunk = 1024;
  std::vector<std::uint8_t> out{'H', 'E', 'P', '3', 0, 0};
  const bool v6 = r.src.address.version == 6;
  chunk8(out, kIpFamily, v6 ? 10 : 2);
  chunk8(out, kIpProtocol,
         r.transport == SipTransport::udp    ? 17
         : r.transport == SipTransport::sctp ? 132
                                             : 6);
  chunk(out, 0, v6 ? kIpv6Src : kIpv4Src, r.src.address.bytes.data(), v6 ? 16 : 4);
  chunk(out, 0, v6 ? kIpv6Dst : kIpv4Dst, r.dst.address.bytes.data(), v6 ? 16 : 4);
  chunk16(out, kSrcPort, r.src.port);
  chunk16(out, kDstPort, r.dst.port);
  const TimeNs time = std::max<TimeNs>(r.timestamp, 0);  // HEP has no time before 1970
  chunk32(out, kSeconds, static_cast<std::uint32_t>(time / 1'000'000'000));
  chunk32(out, kMicroseconds, static_cast<std::uint32_t>((time % 1'000'000'000) / 1000));
  chunk8(out, kProtocolType, 1);  // SIP
  chunk32(out, kCaptureId, options.capture_id);
  if (!options.password.empty() && options.password.size() <= kMaxTextChunk) {
    chunk(out, 0, kAuthKey, options.password.data(), options.password.size());
  }
  if (!r.sip.call_id.empty() && r.sip.call_id.size() <= kMaxTextChunk) {
    chunk(out, 0, kCorrelationId, r.sip.call_id.data(), r.sip.call_id.size());
  }
  const std::uint8_t transport = transport_code(r.transport);
  chunk(out, kHepVendorSipws, kHepChunkTransport, &transport, 1);
  // A HEP packet has a 16-bit length, and a UDP datagram holds at most 65507 bytes: a longer
  // message is cut to fit (its Content-Length then says so to whoever reads it).
  const std::size_t room = out.size() + 6 < 65507 ? 65507 - 6 - out.size() : 0;
  chunk(out, 0, kPayload, r.bytes.data(), std::min(r.bytes.size(), room));
  const std::size_t total = out.size();
  out[4] = static_cast<std::uint8_t>(total >> 8);
  out[5] = static_cast<std::uint8_t>(total);
  return out;
}

HepParseResult parse_hep3(ByteView bytes, HepMessage& out) {
  HepParseResult result;
  if (bytes.empty()) {
    result.status = HepStatus::need_more;
    return result;
  }
  if (bytes.size() < 4) {
    result.status = std::memcmp(bytes.data(), "HEP3", bytes.size()) == 0 ? HepStatus::need_more
                                                                         : HepStatus::not_hep;
    return result;
  }
  if (std::memcmp(bytes.data(), "HEP3", 4) != 0) return result;  // not_hep
  if (bytes.size() < 6) {
    result.status = HepStatus::need_more;
    return result;
  }
  const std::size_t total = be16(bytes.data() + 4);
  auto malformed = [&](std::string why) {
    result.status = HepStatus::malformed;
    result.error = std::move(why);
    result.consumed = total >= 6 ? total : 6;  // skip the packet the header claims
    return result;
  };
  if (total < 6)
    return malformed("total length " + std::to_string(total) + " is shorter than the header");
  if (bytes.size() < total) {
    result.status = HepStatus::need_more;
    return result;
  }
  out = HepMessage{};
  bool have_src = false;
  bool have_dst = false;
  bool have_payload = false;
  std::size_t at = 6;
  std::uint32_t seconds = 0;
  std::uint32_t micros = 0;
  while (at < total) {
    if (total - at < 6) return malformed("a chunk header cut by the packet's end");
    const std::uint16_t vendor = be16(bytes.data() + at);
    const std::uint16_t type = be16(bytes.data() + at + 2);
    const std::size_t length = be16(bytes.data() + at + 4);
    if (length < 6)
      return malformed("chunk " + std::to_string(type) + " has length " + std::to_string(length));
    if (length > total - at)
      return malformed("chunk " + std::to_string(type) + " runs past the packet");
    const std::uint8_t* v = bytes.data() + at + 6;
    const std::size_t n = length - 6;
    auto need = [&](std::size_t want) { return n == want; };
    if (vendor == kHepVendorSipws && type == kHepChunkTransport && n == 1) {
      out.transport = transport_of_code(v[0]);
    } else if (vendor == 0) {
      switch (type) {
        case kIpFamily:
          if (!need(1)) return malformed("IP family chunk of " + std::to_string(n) + " bytes");
          break;
        case kIpProtocol:
          if (!need(1)) return malformed("IP protocol chunk of " + std::to_string(n) + " bytes");
          out.ip_protocol = v[0];
          break;
        case kIpv4Src:
        case kIpv4Dst:
          if (!need(4)) return malformed("IPv4 address chunk of " + std::to_string(n) + " bytes");
          (type == kIpv4Src ? out.src : out.dst).address = IpAddress::v4(v);
          (type == kIpv4Src ? have_src : have_dst) = true;
          break;
        case kIpv6Src:
        case kIpv6Dst:
          if (!need(16)) return malformed("IPv6 address chunk of " + std::to_string(n) + " bytes");
          (type == kIpv6Src ? out.src : out.dst).address = IpAddress::v6(v);
          (type == kIpv6Src ? have_src : have_dst) = true;
          break;
        case kSrcPort:
        case kDstPort:
          if (!need(2)) return malformed("port chunk of " + std::to_string(n) + " bytes");
          (type == kSrcPort ? out.src : out.dst).port = be16(v);
          break;
        case kSeconds:
        case kMicroseconds:
          if (!need(4)) return malformed("timestamp chunk of " + std::to_string(n) + " bytes");
          (type == kSeconds ? seconds : micros) = be32(v);
          break;
        case kProtocolType:
          if (!need(1)) return malformed("protocol type chunk of " + std::to_string(n) + " bytes");
          out.protocol_type = v[0];
          break;
        case kCaptureId:
          if (!need(4)) return malformed("capture id chunk of " + std::to_string(n) + " bytes");
          out.capture_id = be32(v);
          break;
        case kAuthKey:
          out.auth_key.assign(reinterpret_cast<const char*>(v), n);
          break;
        case kCorrelationId:
          out.correlation_id.assign(reinterpret_cast<const char*>(v), n);
          break;
        case kPayload:
          out.payload = ByteView(v, n);
          have_payload = true;
          break;
        default:
          break;  // keep-alive timers, VLANs, compressed payloads, ...: not needed
      }
    }
    at += length;
  }
  if (!have_src || !have_dst) return malformed("no source or destination address");
  if (!have_payload) return malformed("no payload chunk");
  if (out.src.address.version != out.dst.address.version)
    return malformed("source and destination addresses of different IP versions");
  if (micros >= 1'000'000) return malformed("microseconds " + std::to_string(micros));
  out.timestamp = static_cast<TimeNs>(seconds) * 1'000'000'000 + static_cast<TimeNs>(micros) * 1000;
  result.status = HepStatus::ok;
  result.consumed = total;
  return result;
}

}  // namespace sipws
