// libFuzzer target: WebSocket frame parser + message assembler + permessage-deflate inflater,
// fed in random chunks with occasional gaps; messages go on to the SIP parser.
#include "dissector/sip/sip_message.h"
#include "dissector/websocket/ws_message.h"
#include "fuzz/fuzz_support.h"

namespace {

class Sink final : public sipws::WsMessageSink {
 public:
  void on_ws_message(sipws::WsMessage& m) override {
    sipws::SipMessage sip;
    (void)sipws::parse_sip_message(
        std::string_view(reinterpret_cast<const char*>(m.payload.data()), m.payload.size()), sip);
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace sipws;
  if (size < 1) return 0;
  // First byte: direction, whether deflate was agreed, and its context-takeover settings.
  const std::uint8_t config = data[0];
  std::optional<DeflateParams> deflate;
  if (config & 2) {
    DeflateParams d;
    d.client_no_context_takeover = (config & 4) != 0;
    d.server_no_context_takeover = (config & 8) != 0;
    deflate = d;
  }
  Sink sink;
  FindingCollector findings;
  WsLimits limits;
  limits.max_message_bytes = 1u << 20;
  limits.max_inflated_bytes = 1u << 20;
  WsMessageAssembler a((config & 1) ? Direction::to_client : Direction::to_server, 0, deflate, sink,
                       findings, limits);
  std::uint64_t frame = 0;
  fuzz::for_each_chunk(data + 1, size - 1, [&](ByteView chunk) {
    ++frame;
    if ((config & 0x10) && chunk.size() > 80) {  // some inputs lose bytes, as captures do
      if (!a.on_gap(chunk[0], frame)) a.resync();
      return;
    }
    a.on_data(chunk, frame, 0);
  });
  return 0;
}
