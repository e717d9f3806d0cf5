#include "dissector/http/http_head.h"

#include "dissector/text.h"

namespace sipws {

std::string_view HttpHead::field(std::string_view name) const {
  for (const auto& f : fields) {
    if (iequals(f.name, name)) return f.value;
  }
  return {};
}

bool HttpHead::has(std::string_view name) const {
  for (const auto& f : fields) {
    if (iequals(f.name, name)) return true;
  }
  return false;
}

std::string HttpHead::joined(std::string_view name) const {
  std::string out;
  for (const auto& f : fields) {
    if (!iequals(f.name, name)) continue;
    if (!out.empty()) out += ", ";
    out += f.value;
  }
  return out;
}

void HttpHeadParser::reset() {
  buffer_.clear();
  scanned_ = 0;
  head_ = HttpHead{};
  error_.clear();
  done_ = false;
}

HttpHeadParser::Status HttpHeadParser::feed(ByteView bytes, std::size_t& consumed) {
  consumed = 0;
  if (done_) return Status::done;
  if (!error_.empty()) return Status::error;
  const std::size_t before = buffer_.size();
  if (before == 0) buffer_.reserve(1024);  // a typical upgrade head, without regrowing
  const std::size_t room = kMaxHeadBytes - before;
  const std::size_t take = std::min(room, bytes.size());
  buffer_.append(reinterpret_cast<const char*>(bytes.data()), take);
  // Find the end of the head: an empty line (CRLF CRLF, or bare LF LF from lax senders).
  std::size_t end = std::string::npos;
  // From one LF to the next (memchr), not byte by byte.
  const std::string_view text(buffer_);
  for (std::size_t i = text.find('\n', scanned_ > 3 ? scanned_ - 3 : 0);
       i != std::string_view::npos; i = text.find('\n', i + 1)) {
    if (i >= 1 && buffer_[i - 1] == '\n') {
      end = i + 1;
      break;
    }
    if (i >= 2 && buffer_[i - 1] == '\r' && buffer_[i - 2] == '\n') {
      end = i + 1;
      break;
    }
  }
  scanned_ = buffer_.size();
  if (end == std::string::npos) {
    consumed = take;
    if (buffer_.size() >= kMaxHeadBytes) {
      error_ = "HTTP head longer than " + std::to_string(kMaxHeadBytes) + " bytes";
      return Status::error;
    }
    return Status::need_more;
  }
  consumed = end - before;
  buffer_.resize(end);
  done_ = true;
  return parse();
}

HttpHeadParser::Status HttpHeadParser::parse() {
  head_.fields.reserve(16);  // a typical upgrade's field count
  std::string_view text(buffer_);
  std::string_view rest;
  std::string_view line = split_first(text, '\n', rest);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  std::string_view after;
  const std::string_view first = split_first(line, ' ', after);
  if (first.rfind("HTTP/", 0) == 0) {
    head_.is_request = false;
    head_.version = first;
    std::string_view reason;
    const auto code = parse_decimal(split_first(after, ' ', reason));
    if (!code || *code < 100 || *code > 999) {
      error_ = "HTTP status line without a valid status code";
      return Status::error;
    }
    head_.status = static_cast<int>(*code);
    head_.reason = reason;
  } else {
    head_.is_request = true;
    head_.method = first;
    std::string_view version;
    head_.target = split_first(after, ' ', version);
    head_.version = trim(version);
    if (!is_token(head_.method) || head_.target.empty() || head_.version.rfind("HTTP/", 0) != 0) {
      error_ = "not an HTTP request line";
      return Status::error;
    }
  }
  text = rest;
  while (!text.empty()) {
    line = split_first(text, '\n', rest);
    text = rest;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) break;
    if ((line.front() == ' ' || line.front() == '\t') && !head_.fields.empty()) {
      // Obsolete line folding: extend the previous value up to the end of this line.
      auto& prev = head_.fields.back();
      const char* begin = prev.value.empty() ? line.data() : prev.value.data();
      prev.value = trim(
          std::string_view(begin, static_cast<std::size_t>(line.data() + line.size() - begin)));
      continue;
    }
    std::string_view value;
    const std::string_view name = trim(split_first(line, ':', value));
    if (name.empty() || value.data() == nullptr) {
      error_ = "HTTP header line without a colon";
      return Status::error;
    }
    head_.fields.push_back({name, trim(value)});
  }
  return Status::done;
}

}  // namespace sipws
