#pragma once
// Rules on one SIP message as it travelled: RFC 7118 (Via transport, transport=wss) and RFC 3261
// (Max-Forwards, the branch cookie). Rules on the bytes of the message itself are raised by the
// parser (sip_message.cpp); rules across the messages of a call live with the calls
// (calls/call_rules.h). All produce ids declared in this room's findings.def.

#include <vector>

#include "capture/finding.h"
#include "dissector/sip/sip_record.h"

namespace sipws {

// Rules on one message as it travelled (transport, Via, Max-Forwards, branch, transport=wss).
void check_sip_record(const SipMessageRecord& record, std::vector<Problem>& problems);

}  // namespace sipws
