// libFuzzer target: the HEPv3 decoder, as `sipws listen` runs it on a TCP stream (packets back to
// back, split anywhere) and on datagrams; what decodes is encoded again and must decode the same.
// Each payload then enters the SIP stage as `listen` hands it over (LiveAnalysis).
#include "dissector/hep/hep.h"
#include "fuzz/fuzz_support.h"
#include "session/live_analysis.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace sipws;
  FindingCollector findings;
  AnalysisLimits limits;
  limits.live_calls.max_calls = 4;
  LiveAnalysis listen(limits, findings);
  std::vector<std::uint8_t> stream;
  fuzz::for_each_chunk(data, size, [&](ByteView chunk) {
    stream.insert(stream.end(), chunk.begin(), chunk.end());
    std::size_t at = 0;
    while (at < stream.size()) {
      HepMessage m;
      const HepParseResult r = parse_hep3(ByteView(stream).subspan(at), m);
      if (r.status == HepStatus::need_more) break;
      if (r.status == HepStatus::not_hep) {
        at = stream.size();
        break;
      }
      if (r.consumed == 0 || r.consumed > stream.size() - at) __builtin_trap();
      if (r.status == HepStatus::ok) {
        SipMessageRecord record;
        record.src = m.src;
        record.dst = m.dst;
        record.timestamp = m.timestamp;
        record.transport = m.transport.value_or(SipTransport::udp);
        record.bytes.assign(m.payload.begin(), m.payload.end());
        const auto again = encode_hep3(record, {m.capture_id, m.auth_key});
        HepMessage m2;
        if (parse_hep3(again, m2).status != HepStatus::ok) __builtin_trap();
        if (m2.src != m.src || m2.dst != m.dst) __builtin_trap();
        SipCarrier carrier;
        carrier.src = m.src;
        carrier.dst = m.dst;
        carrier.timestamp = m.timestamp;
        carrier.transport = record.transport;
        listen.on_carried_message(carrier, m.payload);
      }
      at += r.consumed;
    }
    stream.erase(stream.begin(), stream.begin() + static_cast<std::ptrdiff_t>(at));
  });
  listen.finish();
  return 0;
}
