#pragma once
// `sipws messages`: one line per SIP message, in capture order.

#include <cstdio>
#include <vector>

#include "cli/output.h"
#include "dissector/sip_record.h"

namespace sipws::cli {

// The TSV columns are a contract (issue #3): frame time src sport dst dport transport method
// status call_id cseq from_user to_user.
void print_messages(std::FILE* out, OutputFormat format, std::vector<SipMessageRecord>& records);

}  // namespace sipws::cli
