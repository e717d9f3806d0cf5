// libFuzzer target: the SIP parser (as a datagram and as a stream), SDP on its body, and the
// per-message conformance rules.
#include "dissector/sip/sip_message.h"
#include "dissector/sip/sip_rules.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace sipws;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  SipMessageRecord record;
  record.transport = SipTransport::ws;
  const SipParseResult r = parse_sip_message(text, record.sip);
  if (r.consumed > size) __builtin_trap();
  std::vector<Problem> problems;
  if (r.status == SipParseStatus::ok) check_sip_record(record, problems);
  SipParseOptions stream;
  stream.stream = true;
  std::size_t at = 0;
  for (int i = 0; i < 64 && at < size; ++i) {  // frame a stream of several messages
    SipMessage m;
    const SipParseResult s = parse_sip_message(text.substr(at), m, stream);
    if (s.status != SipParseStatus::ok || s.consumed == 0) break;
    at += s.consumed;
  }
  return 0;
}
