#pragma once
// Rules across the messages of each call, against RFC 3261: ACK/CANCEL CSeq numbers, To tags,
// headers copied into responses, requests left without a final response. Their evidence is the
// call model, so they live with it; their ids are declared in this room's findings.def.

#include "calls/call_store.h"
#include "capture/finding.h"

namespace sipws {

// Run after the last message.
void check_calls(const CallStore& store, FindingSink& findings);

}  // namespace sipws
