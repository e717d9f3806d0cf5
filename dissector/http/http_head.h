#pragma once
// A push parser for one HTTP/1.1 request or response head (start line and header fields, up to
// the empty line). Bytes may arrive in any chunking; the head is gathered into a buffer of at
// most kMaxHeadBytes, and the parsed fields are views into that buffer.

#include <string>
#include <string_view>
#include <vector>

#include "capture/bytes.h"

namespace sipws {

struct HttpHeaderField {
  std::string_view name;
  std::string_view value;  // trimmed; folded continuation lines stay inside
};

struct HttpHead {
  bool is_request = false;
  std::string_view method;   // requests
  std::string_view target;   // requests
  std::string_view version;  // "HTTP/1.1"
  int status = 0;            // responses
  std::string_view reason;   // responses
  std::vector<HttpHeaderField> fields;

  // The first field with this name (case-insensitive), or empty.
  std::string_view field(std::string_view name) const;
  // All fields with this name, joined by ", " (how HTTP combines repeated list fields).
  std::string joined(std::string_view name) const;
  bool has(std::string_view name) const;
};

class HttpHeadParser {
 public:
  static constexpr std::size_t kMaxHeadBytes = 64 * 1024;
  enum class Status { need_more, done, error };

  // Feeds the next bytes. `consumed` says how many of them belong to the head: after `done`,
  // bytes past `consumed` belong to whatever follows (a body, or a WebSocket stream).
  Status feed(ByteView bytes, std::size_t& consumed);
  const HttpHead& head() const { return head_; }
  const std::string& error() const { return error_; }
  std::string_view raw() const { return buffer_; }
  void reset();

 private:
  Status parse();

  std::string buffer_;
  std::size_t scanned_ = 0;  // where the search for the empty line resumes
  HttpHead head_;
  std::string error_;
  bool done_ = false;
};

}  // namespace sipws
