#pragma once
// `sipws messages`: one line per SIP message, in capture order.

#include <cstdio>
#include <vector>

#include "cli/output.h"
#include "dissector/sip/sip_record.h"

namespace sipws::cli {

// The TSV columns are a contract (issue #3): frame time src sport dst dport transport method
// status call_id cseq from_user to_user.
std::string message_header(OutputFormat format);
std::string message_line(OutputFormat format, const SipMessageRecord& record);
// The same line appended to `out` (TSV without a temporary string).
void append_message_line(std::string& out, OutputFormat format, const SipMessageRecord& record);

// Formats each message as it arrives and keeps only its line (not the message), then prints the
// lines in capture order: memory stays proportional to the output, not to the SIP traffic.
// Prints messages in capture order (by the frame that completed each; arrival order among
// equals), which is not quite the order they complete in (a connection closed at the end of the
// capture gives up its last message late). Lines wait in memory up to `run_lines` (or 6 MiB of
// text, whichever comes first; the text buffer is reserved once, so it never doubles); beyond that
// they go, sorted, to a temporary file as runs that print() merges: memory stays bounded on a
// capture of any size, and the output is the same.
class MessagePrinter final : public SipMessageSink {
 public:
  explicit MessagePrinter(OutputFormat format, std::size_t run_lines = 32768);
  ~MessagePrinter() override;
  MessagePrinter(const MessagePrinter&) = delete;
  MessagePrinter& operator=(const MessagePrinter&) = delete;
  void on_sip_message(SipMessageRecord&& record) override;
  // False when the temporary file could not be written or read back (error says why).
  bool print(std::FILE* out);
  const std::string& error() const { return error_; }
  std::size_t runs() const { return runs_.size(); }

 private:
  struct Line {
    std::uint64_t frame;
    std::uint64_t arrival;
    std::size_t offset;  // in text_
    std::size_t length;
  };
  struct Run {
    std::uint64_t offset;  // in the temporary file
    std::size_t lines;
  };
  void spill();

  OutputFormat format_;
  std::size_t run_lines_;
  std::vector<Line> lines_;
  std::string text_;  // the waiting lines' text, one after another: no allocation per line
  std::uint64_t arrivals_ = 0;
  std::FILE* spill_ = nullptr;
  std::uint64_t spill_size_ = 0;
  std::vector<Run> runs_;
  std::string error_;
};

}  // namespace sipws::cli
