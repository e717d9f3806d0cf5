#include "dissector/websocket/inflater.h"

#include <zlib.h>

#include <string>
#include <vector>

namespace sipws {

struct Inflater::Stream {
  z_stream z{};
  bool ready = false;
  bool broken = false;  // a failed message leaves the shared window unknown

  Stream() = default;
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;
  ~Stream() {
    if (ready) inflateEnd(&z);
  }
};

namespace {

// The context of every direction without context takeover on this thread: each of their
// messages starts from a reset context, so one serves them all and they hold no window between
// messages (zlib's window is 32 KiB; a capture may have thousands of such directions open).
Inflater::Stream& shared_reset_stream() {
  thread_local Inflater::Stream stream;
  return stream;
}

}  // namespace

Inflater::Inflater(bool reset_after_each_message, InflateBudget* budget)
    : reset_each_(reset_after_each_message), budget_(budget) {}

Inflater::~Inflater() {
  if (stream_ && budget_ != nullptr) --budget_->held;
}

Inflater::Result Inflater::inflate_message(ByteView compressed, std::vector<std::uint8_t>& out,
                                           std::size_t max_output) {
  if (!reset_each_ && !stream_) {
    // Once refused, always refused: a context that started later would lack the window of the
    // messages before and fail on the first reference into it.
    if (refused_ || (budget_ != nullptr && budget_->held >= budget_->limit)) {
      if (!refused_) {
        error_ = std::to_string(budget_->limit) + " inflate contexts are kept already";
      }
      refused_ = true;
      return Result::no_context;
    }
    stream_ = std::make_unique<Stream>();
    if (budget_ != nullptr) ++budget_->held;
  }
  Stream& s = reset_each_ ? shared_reset_stream() : *stream_;
  if (!s.ready) {
    // Raw deflate with the largest window: it inflates data made with any smaller window.
    if (inflateInit2(&s.z, -15) != Z_OK) {
      error_ = "zlib could not start";
      return Result::error;
    }
    s.ready = true;
  } else if (s.broken || reset_each_) {
    // A shared context starts every message afresh, whatever the last one left in it.
    inflateReset(&s.z);
    s.broken = false;
  }
  static const std::uint8_t kTail[4] = {0x00, 0x00, 0xff, 0xff};
  const std::size_t start = out.size();
  // zlib writes here first and only what it produced is appended to the message, so no output
  // buffer is zero-filled ahead of time. One per thread, shared by every connection: it carries
  // nothing from one call to the next.
  thread_local std::vector<std::uint8_t> scratch(64 * 1024);
  Result result = Result::ok;
  for (int part = 0; part < 2 && result == Result::ok; ++part) {
    const ByteView in = part == 0 ? compressed : ByteView(kTail, 4);
    s.z.next_in = const_cast<Bytef*>(in.data());
    s.z.avail_in = static_cast<uInt>(in.size());
    for (;;) {
      const std::size_t produced = out.size() - start;
      if (produced >= max_output) {
        result = Result::limit;
        break;
      }
      const std::size_t chunk = std::min<std::size_t>(max_output - produced, scratch.size());
      s.z.next_out = scratch.data();
      s.z.avail_out = static_cast<uInt>(chunk);
      const int rc = inflate(&s.z, Z_SYNC_FLUSH);
      const bool output_full = s.z.avail_out == 0;
      out.insert(out.end(), scratch.begin(),
                 scratch.begin() + static_cast<std::ptrdiff_t>(chunk - s.z.avail_out));
      if (rc == Z_STREAM_END) {
        // A final block ends the deflate stream; whatever follows starts a new one.
        inflateReset(&s.z);
        if (s.z.avail_in == 0) break;
        continue;
      }
      if (rc == Z_BUF_ERROR) break;  // no progress possible: input used up
      if (rc != Z_OK) {
        error_ = s.z.msg != nullptr ? s.z.msg : "inflate failed";
        result = Result::error;
        break;
      }
      if (s.z.avail_in == 0 && !output_full) break;  // all input used, all output flushed
    }
  }
  if (result != Result::ok) s.broken = true;
  return result;
}

}  // namespace sipws
