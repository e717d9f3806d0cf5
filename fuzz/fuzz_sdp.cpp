// libFuzzer target: the SDP summary parser.
#include "dissector/sdp/sdp.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  sipws::Sdp sdp;
  (void)sipws::parse_sdp(std::string_view(reinterpret_cast<const char*>(data), size), sdp);
  return 0;
}
