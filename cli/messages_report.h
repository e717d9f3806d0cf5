#pragma once
// `sipws messages`: one line per SIP message, in capture order.

#include <cstdio>
#include <vector>

#include "cli/output.h"
#include "dissector/sip_record.h"

namespace sipws::cli {

// The TSV columns are a contract (issue #3): frame time src sport dst dport transport method
// status call_id cseq from_user to_user.
std::string message_header(OutputFormat format);
std::string message_line(OutputFormat format, const SipMessageRecord& record);

// Formats each message as it arrives and keeps only its line (not the message), then prints the
// lines in capture order: memory stays proportional to the output, not to the SIP traffic.
class MessagePrinter final : public SipMessageSink {
 public:
  explicit MessagePrinter(OutputFormat format) : format_(format) {}
  void on_sip_message(SipMessageRecord&& record) override;
  void print(std::FILE* out);

 private:
  struct Line {
    std::uint64_t frame;
    std::uint64_t index;
    std::string text;
  };
  OutputFormat format_;
  std::vector<Line> lines_;
};

}  // namespace sipws::cli
