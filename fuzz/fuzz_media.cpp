// libFuzzer target: the media parsers (RTP, RTCP, STUN, DTLS) and the media tracker. The input
// is a sequence of datagrams, each a 2-byte header (bit 15: which way; the rest: its length)
// and its bytes; the tracker classifies and counts them as it would a capture's, then the
// association runs against an empty call store.
#include "calls/media.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // Timelines on (the GUI's plots), with arrival times that jump both ways by each datagram's
  // last byte (an RTP packet's first byte is always 0x80-0xBF): intervals merged, packets before
  // a stream's first.
  sipws::MediaTracker tracker(sipws::MediaLimits{64, 64, true});
  sipws::TimeNs time = 0;
  sipws::UdpFlowInfo flow;
  const std::uint8_t a[4] = {10, 0, 0, 1};
  const std::uint8_t b[4] = {10, 0, 0, 2};
  flow.client = {sipws::IpAddress::v4(a), 5000};
  flow.server = {sipws::IpAddress::v4(b), 6000};
  std::uint64_t frame = 0;
  for (std::size_t at = 0; at + 2 <= size;) {
    const std::size_t header = (std::size_t{data[at]} << 8) | data[at + 1];
    const std::size_t length = std::min(header & 0x7FFF, size - at - 2);
    const sipws::ByteView payload(data + at + 2, length);
    at += 2 + length;
    (void)sipws::parse_rtp(payload);
    (void)sipws::parse_rtcp(payload);
    (void)sipws::parse_dtls(payload);
    if (const auto stun = sipws::parse_stun(payload)) {
      (void)sipws::verify_stun_integrity(payload, *stun, "password");
    }
    sipws::UdpDatagram d;
    d.direction =
        (header & 0x8000) != 0 ? sipws::Direction::to_client : sipws::Direction::to_server;
    d.payload = payload;
    d.frame = ++frame;
    time += length == 0
                ? 20'000'000
                : static_cast<sipws::TimeNs>(static_cast<std::int8_t>(payload[length - 1])) *
                      67'108'864;
    d.timestamp = time;
    tracker.on_datagram(flow, d, sipws::classify_datagram(payload));
  }
  sipws::CallStore store(false);
  (void)sipws::associate_media(store, tracker);
  return 0;
}
