#pragma once
// `sipws messages`: one line per SIP message, in capture order.

#include <regex.h>

#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "capture/result.h"
#include "cli/output.h"
#include "dissector/sip/sip_record.h"
#include "session/message_fields.h"

namespace sipws::cli {

// What a listing of messages shows: the format, the columns `--fields` chose (none: the
// contract's), and for text how times are written.
struct MessageListing {
  OutputFormat format = OutputFormat::text;
  std::vector<MessageColumn> columns;
  TimeStyle time = TimeStyle::clock;
};

// The TSV columns are a contract (issue #3): frame time src sport dst dport transport method
// status call_id cseq from_user to_user.
std::string message_header(OutputFormat format, std::size_t time_width = 17);
std::string message_header(const MessageListing& listing);
// TSV and JSON lines (with their newline); text with its time in epoch seconds.
std::string message_line(OutputFormat format, const SipMessageRecord& record);
// A text line with the time column already written.
std::string message_text_line(const SipMessageRecord& record, std::string_view time,
                              std::size_t time_width);
// The line of `listing`'s format and columns appended to `out` (text: without the frame and the
// time, which message_text_prefix writes when the line is printed).
void append_message_line(std::string& out, const MessageListing& listing,
                         const SipMessageRecord& record);

// `--match REGEX`: a POSIX extended regular expression (as grep -E) searched in the message's
// text; `^` and `$` match at each line, each line taken without its CR.
class MessagePattern {
 public:
  static Result<std::unique_ptr<MessagePattern>> compile(const std::string& expression);
  ~MessagePattern();
  MessagePattern(const MessagePattern&) = delete;
  MessagePattern& operator=(const MessagePattern&) = delete;
  bool found(std::string_view text) const;

 private:
  MessagePattern() = default;
  regex_t regex_{};
  mutable std::string scratch_;  // the text, NUL-terminated
  bool ready_ = false;           // regcomp succeeded: regfree is owed
};

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
  explicit MessagePrinter(MessageListing listing, std::size_t run_lines = 32768);
  ~MessagePrinter() override;
  MessagePrinter(const MessagePrinter&) = delete;
  MessagePrinter& operator=(const MessagePrinter&) = delete;
  // Only messages whose text the pattern finds (or, with `invert`, does not find) are kept.
  void set_pattern(std::unique_ptr<MessagePattern> pattern, bool invert) {
    pattern_ = std::move(pattern);
    invert_ = invert;
  }
  void on_sip_message(SipMessageRecord&& record) override { add(record); }
  void add(const SipMessageRecord& record);
  // What is printed: messages at or after `since` and at or before `until`, and, when `records`
  // is given, those whose index it marks (the messages of the calls a filter selected). `origin`
  // is where --time rel counts from. False when the temporary file could not be written or read
  // back (error says why).
  struct Selection {
    TimeNs origin = 0;
    std::optional<TimeNs> since;
    std::optional<TimeNs> until;
    const std::vector<bool>* records = nullptr;
  };
  bool print(std::FILE* out, const Selection& selection);
  const std::string& error() const { return error_; }
  std::size_t runs() const { return runs_.size(); }
  std::uint64_t printed() const { return printed_; }

 private:
  // What each line is ordered and chosen by, kept with it (in memory and in the runs).
  struct LineHead {
    std::uint64_t frame;
    std::uint64_t arrival;
    std::uint64_t record;
    TimeNs time;
  };
  struct Line {
    LineHead head;
    std::size_t offset;  // in text_
    std::size_t length;
  };
  struct Run {
    std::uint64_t offset;  // in the temporary file
    std::size_t lines;
  };
  void spill();

  MessageListing listing_;
  std::size_t run_lines_;
  std::unique_ptr<MessagePattern> pattern_;
  bool invert_ = false;
  std::vector<Line> lines_;
  std::string text_;  // the waiting lines' text, one after another: no allocation per line
  std::uint64_t arrivals_ = 0;
  std::FILE* spill_ = nullptr;
  std::uint64_t spill_size_ = 0;
  std::vector<Run> runs_;
  std::string error_;
  std::uint64_t printed_ = 0;
};

}  // namespace sipws::cli
