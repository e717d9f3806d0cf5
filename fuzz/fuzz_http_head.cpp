// libFuzzer target: the HTTP head push parser and the WebSocket handshake checks on its result.
#include "dissector/http/http_head.h"
#include "dissector/websocket/ws_handshake.h"
#include "fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace sipws;
  HttpHeadParser parser;
  HttpHeadParser::Status status = HttpHeadParser::Status::need_more;
  fuzz::for_each_chunk(data, size, [&](ByteView chunk) {
    if (status != HttpHeadParser::Status::need_more) return;
    std::size_t used = 0;
    status = parser.feed(chunk, used);
    if (used > chunk.size()) __builtin_trap();
  });
  if (status == HttpHeadParser::Status::done) {
    WsHandshake h;
    if (parser.head().is_request) {
      read_ws_request(parser.head(), h);
      (void)check_ws_request(parser.head(), h);
    } else {
      read_ws_response(parser.head(), h);
      (void)check_ws_response(parser.head(), h);
    }
  }
  return 0;
}
