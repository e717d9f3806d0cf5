#pragma once
// The SIP stage: the second half of the dissector, on the SIP thread when there is one. Each
// work item of the analyzers is parsed as SIP (a datagram, a message framed on a stream, or a
// WebSocket message, which RFC 7118 says holds one SIP message: more are reported and kept), run
// through the per-message rules, numbered in completion order and handed to the message sink;
// findings of the first half pass through in their place. The rules of SIP over WebSocket (the
// negotiated subprotocol, a message that is not SIP, several in one) are raised here, where a
// WebSocket message is read as SIP.

#include <cstdint>
#include <string>
#include <unordered_set>
#include <vector>

#include "dissector/analyzer.h"

namespace sipws {

// A record made ready for the next message: every field reset, its buffers emptied with their
// capacity kept (unless a large message grew them: then they are given back).
void reset_for_reuse(SipMessageRecord& record);

class SipStage {
 public:
  SipStage(SipMessageSink& messages, FindingSink& findings, DissectorCounters& counters);

  void process(SipWork& work);

 private:
  void process_websocket(SipWork& work);
  void emit(SipMessageRecord& record, const SipWork& work);
  void report(const SipMessageRecord& record, FindingId id, std::string detail);

  SipMessageSink& messages_;
  FindingSink& findings_;
  DissectorCounters& counters_;
  std::uint64_t next_index_ = 0;
  std::unordered_set<std::uint64_t> subprotocol_checked_;  // open connections already checked
  // A WebSocket message that holds more than one SIP message: the rest of its text, where it
  // came from, and the record each further message is parsed into.
  std::vector<char> rest_;
  SipCarrier rest_carrier_;
  SipMessageRecord rest_record_;
};

}  // namespace sipws
