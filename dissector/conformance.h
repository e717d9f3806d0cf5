#pragma once
// Conformance rules that look at SIP as a whole: one message against RFC 7118 and RFC 3261, and
// the messages of a call against each other (responses against their requests). Rules on bytes
// and frames live where those are parsed (ws_message, ws_handshake, sip_message); all produce
// the same Finding ids from the one registry.

#include <vector>

#include "capture/finding.h"
#include "dissector/call_store.h"
#include "dissector/sip_record.h"

namespace sipws {

// Rules on one message as it travelled (transport, Via, Max-Forwards, branch, transport=wss).
void check_sip_record(const SipMessageRecord& record, std::vector<Problem>& problems);

// Rules across the messages of each call: ACK/CANCEL CSeq numbers, To tags, headers copied
// into responses, requests left without a final response. Run after the last message.
void check_calls(const CallStore& store, FindingSink& findings);

}  // namespace sipws
