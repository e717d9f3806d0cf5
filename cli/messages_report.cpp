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
namespace {}  // namespace

std::string message_header(OutputFormat format) {
  if (format == OutputFormat::text) {
    // The columns of message_line's text below.
    char head[200];
    std::snprintf(head, sizeof head, "%6s  %-17s  %s -> %s  %-3s  %-24s  %s  %s  %s\n", "frame",
                  "time", "src", "dst", "via", "message", "call-id", "cseq", "from -> to");
    return head;
  }
  if (format != OutputFormat::tsv) return {};
  return message_tsv_header();
}

void append_message_line(std::string& out, OutputFormat format, const SipMessageRecord& r) {
  if (format == OutputFormat::tsv) {
    append_message_tsv(out, r);
  } else {
    out += message_line(format, r);
  }
}

std::string message_line(OutputFormat format, const SipMessageRecord& r) {
  if (format == OutputFormat::tsv) {
    std::string out;
    out.reserve(192);
    append_message_tsv(out, r);
    return out;
  }
  const SipMessage& m = r.sip;
  const std::string time = epoch_seconds(r.timestamp, 6);
  const std::string src = r.src.address.to_string();
  const std::string dst = r.dst.address.to_string();
  const std::string method(m.is_request ? m.method : std::string_view{});
  const std::string status = m.is_request ? std::string() : std::to_string(m.status_code);
  const std::string transport(transport_name(r.transport));
  switch (format) {
    case OutputFormat::tsv:
      break;  // written by append_message_tsv above
    case OutputFormat::json:
      return message_json_line(r);
    case OutputFormat::text: {
      const std::string what = m.is_request ? method : status + " " + std::string(m.reason);
      char head[160];
      std::snprintf(head, sizeof head, "%6" PRIu64 "  %s  ", r.frame, time.c_str());
      char via[16];
      std::snprintf(via, sizeof via, "%-3s  ", transport.c_str());
      // At least 24 columns; a long reason phrase is cut at 40, on a character boundary (never
      // inside a UTF-8 sequence: "486 Занято" stays whole).
      const std::string shown = tsv_field(what);
      const std::string what_col =
          display_width(shown) <= 24 ? fit_columns(shown, 24) : fit_columns(shown, 40, false);
      return std::string(head) + r.src.to_string() + " -> " + r.dst.to_string() + "  " + via +
             paint(what_col, m.is_request ? Ink::request : status_ink(m.status_code)) + "  " +
             tsv_field(m.call_id) + "  " + message_field_text(MessageField::cseq, r) + "  " +
             tsv_field(m.from.uri.user) + " -> " + tsv_field(m.to.uri.user) + "\n";
    }
  }
  return {};
}

namespace {

bool by_capture_order(const std::uint64_t frame_a, const std::uint64_t arrival_a,
                      const std::uint64_t frame_b, const std::uint64_t arrival_b) {
  return frame_a != frame_b ? frame_a < frame_b : arrival_a < arrival_b;
}

// Reads one sorted run back from the temporary file, a buffer at a time.
class RunReader {
 public:
  RunReader(int fd, std::uint64_t offset, std::size_t lines)
      : fd_(fd), offset_(offset), left_(lines) {}
  // The next line of the run; false at its end or on a read error (`failed` then).
  bool next(std::uint64_t& frame, std::uint64_t& arrival, std::string& text) {
    if (left_ == 0) return false;
    std::uint8_t head[20];
    if (!read(head, sizeof head)) return false;
    std::uint32_t length = 0;
    std::memcpy(&frame, head, 8);
    std::memcpy(&arrival, head + 8, 8);
    std::memcpy(&length, head + 16, 4);
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

}  // namespace

namespace {
// The waiting lines' text at most, before they are spilled as a run. Reserved up front (pages are
// only touched as they are written), so that the buffer never grows by doubling: a doubling
// holds the old and the new buffer at once.
constexpr std::size_t kRunTextBytes = 6 << 20;
}  // namespace

MessagePrinter::MessagePrinter(OutputFormat format, std::size_t run_lines)
    : format_(format), run_lines_(run_lines) {
  text_.reserve(kRunTextBytes);
}

MessagePrinter::~MessagePrinter() {
  if (spill_ != nullptr) std::fclose(spill_);  // tmpfile(): removed on close
}

void MessagePrinter::on_sip_message(SipMessageRecord&& record) {
  const std::size_t offset = text_.size();
  append_message_line(text_, format_, record);
  lines_.push_back({record.frame, arrivals_++, offset, text_.size() - offset});
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
  std::sort(lines_.begin(), lines_.end(), [](const Line& a, const Line& b) {
    return by_capture_order(a.frame, a.arrival, b.frame, b.arrival);
  });
  runs_.push_back({spill_size_, lines_.size()});
  for (const Line& l : lines_) {
    const auto length = static_cast<std::uint32_t>(l.length);
    std::fwrite(&l.frame, 8, 1, spill_);
    std::fwrite(&l.arrival, 8, 1, spill_);
    std::fwrite(&length, 4, 1, spill_);
    std::fwrite(text_.data() + l.offset, 1, l.length, spill_);
    spill_size_ += 20 + l.length;
  }
  if (std::fflush(spill_) != 0 || std::ferror(spill_)) {
    error_ = std::string("cannot write the temporary file: ") + std::strerror(errno);
    return;
  }
  lines_.clear();
  text_.clear();
}

bool MessagePrinter::print(std::FILE* out) {
  std::sort(lines_.begin(), lines_.end(), [](const Line& a, const Line& b) {
    return by_capture_order(a.frame, a.arrival, b.frame, b.arrival);
  });
  std::fputs(message_header(format_).c_str(), out);
  if (runs_.empty()) {
    for (const Line& l : lines_) std::fwrite(text_.data() + l.offset, 1, l.length, out);
    return error_.empty();
  }
  // Merge the runs and what is still in memory (source runs_.size()).
  std::vector<RunReader> readers;
  for (const Run& r : runs_) readers.emplace_back(fileno(spill_), r.offset, r.lines);
  // One current line per source (its text buffer reused), and a heap of sources by that line.
  struct Head {
    std::uint64_t frame = 0;
    std::uint64_t arrival = 0;
    std::string text;
  };
  std::vector<Head> heads(readers.size() + 1);
  std::vector<std::size_t> heap;
  auto later = [&heads](std::size_t a, std::size_t b) {
    return by_capture_order(heads[b].frame, heads[b].arrival, heads[a].frame, heads[a].arrival);
  };
  std::size_t memory_at = 0;
  auto refill = [&](std::size_t source) {
    Head& h = heads[source];
    if (source < readers.size()) {
      if (!readers[source].next(h.frame, h.arrival, h.text)) return;
    } else {
      if (memory_at == lines_.size()) return;
      const Line& l = lines_[memory_at++];
      h.frame = l.frame;
      h.arrival = l.arrival;
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
    std::fwrite(heads[source].text.data(), 1, heads[source].text.size(), out);
    refill(source);
  }
  for (const RunReader& r : readers) {
    if (r.failed && error_.empty()) error_ = "cannot read the temporary file back";
  }
  return error_.empty();
}

}  // namespace sipws::cli
