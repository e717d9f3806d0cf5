#include "cli/messages_report.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cinttypes>
#include <cstring>
#include <string>

#include "session/message_fields.h"

namespace sipws::cli {

std::string message_header(OutputFormat format, std::size_t time_width) {
  if (format == OutputFormat::text) {
    // The columns of message_text_line below.
    char head[200];
    std::snprintf(head, sizeof head, "%6s  %-*s  %s -> %s  %-3s  %-24s  %s  %s  %s\n", "frame",
                  static_cast<int>(time_width), "time", "src", "dst", "via", "message", "call-id",
                  "cseq", "from -> to");
    return head;
  }
  if (format != OutputFormat::tsv) return {};
  return message_tsv_header();
}

std::string message_header(const MessageListing& listing) {
  if (listing.columns.empty()) {
    return message_header(listing.format, TimeColumn(listing.time).width());
  }
  switch (listing.format) {
    case OutputFormat::tsv:
      return message_columns_tsv_header(listing.columns);
    case OutputFormat::json:
      return {};
    case OutputFormat::text: {
      std::string out =
          fit_columns("frame", 6) + "  " + fit_columns("time", TimeColumn(listing.time).width());
      for (const MessageColumn& c : listing.columns) out += "  " + c.name;
      return out + "\n";
    }
  }
  return {};
}

namespace {

// A text line after its frame and time: where from and to, what, which call.
std::string message_text_rest(const SipMessageRecord& r) {
  const SipMessage& m = r.sip;
  const std::string method(m.is_request ? m.method : std::string_view{});
  const std::string status = m.is_request ? std::string() : std::to_string(m.status_code);
  const std::string what = m.is_request ? method : status + " " + std::string(m.reason);
  char via[16];
  std::snprintf(via, sizeof via, "%-3s  ", std::string(transport_name(r.transport)).c_str());
  // At least 24 columns; a long reason phrase is cut at 40, on a character boundary (never
  // inside a UTF-8 sequence: "486 Занято" stays whole).
  const std::string shown = tsv_field(what);
  const std::string what_col =
      display_width(shown) <= 24 ? fit_columns(shown, 24) : fit_columns(shown, 40, false);
  return r.src.to_string() + " -> " + r.dst.to_string() + "  " + via +
         paint(what_col, m.is_request ? Ink::request : status_ink(m.status_code)) + "  " +
         tsv_field(m.call_id) + "  " + message_field_text(MessageField::cseq, r) + "  " +
         tsv_field(m.from.uri.user) + " -> " + tsv_field(m.to.uri.user) + "\n";
}

// The frame and time columns that start a text line.
std::string message_text_prefix(std::uint64_t frame, std::string_view time,
                                std::size_t time_width) {
  char head[40];
  std::snprintf(head, sizeof head, "%6" PRIu64 "  ", frame);
  std::string out = head;
  out += time;
  if (time.size() < time_width) out.append(time_width - time.size(), ' ');
  return out + "  ";
}

}  // namespace

std::string message_text_line(const SipMessageRecord& r, std::string_view time,
                              std::size_t time_width) {
  return message_text_prefix(r.frame, time, time_width) + message_text_rest(r);
}

void append_message_line(std::string& out, const MessageListing& listing,
                         const SipMessageRecord& r) {
  if (!listing.columns.empty()) {
    switch (listing.format) {
      case OutputFormat::tsv:
        append_message_columns_tsv(out, listing.columns, r);
        return;
      case OutputFormat::json:
        out += message_columns_json_line(listing.columns, r);
        return;
      case OutputFormat::text:
        for (const MessageColumn& c : listing.columns) {
          if (&c != &listing.columns.front()) out += "  ";
          out += message_column_value(c, r).value_or("-");
        }
        out += '\n';
        return;
    }
  }
  switch (listing.format) {
    case OutputFormat::tsv:
      append_message_tsv(out, r);
      return;
    case OutputFormat::json:
      out += message_json_line(r);
      return;
    case OutputFormat::text:
      out += message_text_rest(r);
      return;
  }
}

std::string message_line(OutputFormat format, const SipMessageRecord& r) {
  switch (format) {
    case OutputFormat::tsv: {
      std::string out;
      out.reserve(192);
      append_message_tsv(out, r);
      return out;
    }
    case OutputFormat::json:
      return message_json_line(r);
    case OutputFormat::text:
      return message_text_line(r, epoch_seconds(r.timestamp, 6), 17);
  }
  return {};
}

Result<std::unique_ptr<MessagePattern>> MessagePattern::compile(const std::string& expression) {
  std::unique_ptr<MessagePattern> pattern(new MessagePattern);
  const int rc =
      regcomp(&pattern->regex_, expression.c_str(), REG_EXTENDED | REG_NOSUB | REG_NEWLINE);
  if (rc != 0) {
    char why[256];
    regerror(rc, &pattern->regex_, why, sizeof why);
    return Failure{"--match: " + std::string(why) + " in '" + expression + "'"};
  }
  pattern->ready_ = true;
  return pattern;
}

MessagePattern::~MessagePattern() {
  if (ready_) regfree(&regex_);
}

bool MessagePattern::found(std::string_view text) const {
  // Copied into a reused buffer, each line without its CR (so that `$` ends a SIP line as users
  // expect: POSIX `\r` is a plain `r`), NUL-terminated (sanitizers' regexec reads the string up
  // to a NUL whatever the flags say); REG_STARTEND searches by length, NUL bytes included.
  scratch_.clear();
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') continue;
    scratch_ += text[i];
  }
  regmatch_t range[1];
  range[0].rm_so = 0;
  range[0].rm_eo = static_cast<regoff_t>(scratch_.size());
  return regexec(&regex_, scratch_.c_str(), 0, range, REG_STARTEND) == 0;
}

namespace {

// Reads one sorted run back from the temporary file, a buffer at a time.
class RunReader {
 public:
  RunReader(int fd, std::uint64_t offset, std::size_t lines)
      : fd_(fd), offset_(offset), left_(lines) {}
  // The next line of the run; false at its end or on a read error (`failed` then).
  template <class Head>
  bool next(Head& head, std::string& text) {
    if (left_ == 0) return false;
    std::uint32_t length = 0;
    if (!read(&head, sizeof head) || !read(&length, sizeof length)) return false;
    text.resize(length);
    if (!read(text.data(), length)) return false;
    --left_;
    return true;
  }
  bool failed = false;

 private:
  bool read(void* out, std::size_t n) {
    auto* p = static_cast<char*>(out);
    while (n > 0) {
      if (at_ == buffer_.size()) {
        buffer_.resize(64 * 1024);
        const ssize_t got = pread(fd_, buffer_.data(), buffer_.size(), static_cast<off_t>(offset_));
        if (got <= 0) {
          failed = true;
          return false;
        }
        buffer_.resize(static_cast<std::size_t>(got));
        offset_ += static_cast<std::uint64_t>(got);
        at_ = 0;
      }
      const std::size_t take = std::min(n, buffer_.size() - at_);
      std::memcpy(p, buffer_.data() + at_, take);
      at_ += take;
      p += take;
      n -= take;
    }
    return true;
  }
  int fd_;
  std::uint64_t offset_;
  std::size_t left_;
  std::string buffer_;
  std::size_t at_ = 0;
};

// The waiting lines' text at most, before they are spilled as a run. Reserved up front (pages are
// only touched as they are written), so that the buffer never grows by doubling: a doubling
// holds the old and the new buffer at once.
constexpr std::size_t kRunTextBytes = 6 << 20;

template <class Head>
bool by_capture_order(const Head& a, const Head& b) {
  return a.frame != b.frame ? a.frame < b.frame : a.arrival < b.arrival;
}

}  // namespace

MessagePrinter::MessagePrinter(MessageListing listing, std::size_t run_lines)
    : listing_(std::move(listing)), run_lines_(run_lines) {
  text_.reserve(kRunTextBytes);
}

MessagePrinter::~MessagePrinter() {
  if (spill_ != nullptr) std::fclose(spill_);  // tmpfile(): removed on close
}

void MessagePrinter::add(const SipMessageRecord& record) {
  if (pattern_ &&
      pattern_->found(std::string_view(record.bytes.data(), record.bytes.size())) == invert_) {
    return;
  }
  const std::size_t offset = text_.size();
  append_message_line(text_, listing_, record);
  lines_.push_back(
      {{record.frame, arrivals_++, record.index, record.timestamp}, offset, text_.size() - offset});
  // Room for one more long line (a JSON one is under 1 KiB; a longer one still fits: the text
  // buffer grows then, once).
  if (lines_.size() >= run_lines_ || text_.size() + 1024 > kRunTextBytes) spill();
}

void MessagePrinter::spill() {
  if (!error_.empty()) return;  // keep the lines in memory then: correct, if larger
  if (spill_ == nullptr && (spill_ = std::tmpfile()) == nullptr) {
    error_ = std::string("cannot make a temporary file: ") + std::strerror(errno);
    return;
  }
  std::sort(lines_.begin(), lines_.end(),
            [](const Line& a, const Line& b) { return by_capture_order(a.head, b.head); });
  runs_.push_back({spill_size_, lines_.size()});
  for (const Line& l : lines_) {
    const auto length = static_cast<std::uint32_t>(l.length);
    std::fwrite(&l.head, sizeof l.head, 1, spill_);
    std::fwrite(&length, sizeof length, 1, spill_);
    std::fwrite(text_.data() + l.offset, 1, l.length, spill_);
    spill_size_ += sizeof l.head + sizeof length + l.length;
  }
  if (std::fflush(spill_) != 0 || std::ferror(spill_)) {
    error_ = std::string("cannot write the temporary file: ") + std::strerror(errno);
    return;
  }
  lines_.clear();
  text_.clear();
}

bool MessagePrinter::print(std::FILE* out, const Selection& selection) {
  std::sort(lines_.begin(), lines_.end(),
            [](const Line& a, const Line& b) { return by_capture_order(a.head, b.head); });
  TimeColumn time(listing_.time);
  time.set_origin(selection.origin);
  const bool text = listing_.format == OutputFormat::text;
  const std::string header = message_header(listing_);
  bool header_written = false;
  std::string date_line;
  // Each line that passes the selection, with its frame and time first in text.
  auto emit = [&](const LineHead& head, std::string_view line) {
    if ((selection.since && head.time < *selection.since) ||
        (selection.until && head.time > *selection.until) ||
        (selection.records != nullptr &&
         (head.record >= selection.records->size() || !(*selection.records)[head.record]))) {
      return;
    }
    ++printed_;
    std::string prefix;
    if (text) {
      prefix = message_text_prefix(head.frame, time.text(head.time, &date_line), time.width());
    }
    // The date comes first (before the header row), then again where it changes.
    if (!date_line.empty()) std::fprintf(out, "%s\n", date_line.c_str());
    if (!header_written) {
      std::fputs(header.c_str(), out);
      header_written = true;
    }
    std::fwrite(prefix.data(), 1, prefix.size(), out);
    std::fwrite(line.data(), 1, line.size(), out);
  };
  if (runs_.empty()) {
    for (const Line& l : lines_) emit(l.head, std::string_view(text_).substr(l.offset, l.length));
  } else {
    // Merge the runs and what is still in memory (source runs_.size()).
    std::vector<RunReader> readers;
    for (const Run& r : runs_) readers.emplace_back(fileno(spill_), r.offset, r.lines);
    // One current line per source (its text buffer reused), and a heap of sources by that line.
    struct Head {
      LineHead head{};
      std::string text;
    };
    std::vector<Head> heads(readers.size() + 1);
    std::vector<std::size_t> heap;
    auto later = [&heads](std::size_t a, std::size_t b) {
      return by_capture_order(heads[b].head, heads[a].head);
    };
    std::size_t memory_at = 0;
    auto refill = [&](std::size_t source) {
      Head& h = heads[source];
      if (source < readers.size()) {
        if (!readers[source].next(h.head, h.text)) return;
      } else {
        if (memory_at == lines_.size()) return;
        const Line& l = lines_[memory_at++];
        h.head = l.head;
        h.text.assign(text_, l.offset, l.length);
      }
      heap.push_back(source);
      std::push_heap(heap.begin(), heap.end(), later);
    };
    for (std::size_t source = 0; source <= readers.size(); ++source) refill(source);
    while (!heap.empty()) {
      std::pop_heap(heap.begin(), heap.end(), later);
      const std::size_t source = heap.back();
      heap.pop_back();
      emit(heads[source].head, heads[source].text);
      refill(source);
    }
    for (const RunReader& r : readers) {
      if (r.failed && error_.empty()) error_ = "cannot read the temporary file back";
    }
  }
  if (!header_written) std::fputs(header.c_str(), out);
  return error_.empty();
}

}  // namespace sipws::cli
