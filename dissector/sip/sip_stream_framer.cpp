#include "dissector/sip/sip_stream_framer.h"

#include <string>
#include <string_view>

namespace sipws {
namespace {

// Drops the buffer's first line (all of it without a newline).
void drop_line(std::vector<char>& buffer) {
  const std::string_view held(buffer.data(), buffer.size());
  const std::size_t nl = held.find('\n');
  buffer.erase(buffer.begin(), nl == std::string_view::npos
                                   ? buffer.end()
                                   : buffer.begin() + static_cast<std::ptrdiff_t>(nl + 1));
}

}  // namespace

SipStreamFramer::SipStreamFramer(AnalyzerContext& context, const ConnectionCarrier& carrier)
    : context_(context), carrier_(carrier) {
  ++context_.counters.sip_tcp_connections;
}

void SipStreamFramer::on_gap(Direction direction, std::uint64_t) {
  const auto d = static_cast<std::size_t>(direction);
  buffer_[d].clear();
  resync_[d] = true;
}

bool SipStreamFramer::resync(std::vector<char>& buffer) {
  const std::string_view text(buffer.data(), buffer.size());
  std::size_t pos = 0;
  bool found = false;
  while (pos < text.size()) {
    if (looks_like_sip(text.substr(pos, 2048)) && text.find('\n', pos) != std::string_view::npos) {
      found = true;
      break;
    }
    const std::size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) break;
    pos = nl + 1;
  }
  buffer.erase(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(pos));
  return found;
}

void SipStreamFramer::on_data(Direction direction, ByteView bytes, std::uint64_t frame,
                              TimeNs timestamp) {
  const auto d = static_cast<std::size_t>(direction);
  std::vector<char>& buffer = buffer_[d];
  if (buffer.empty()) first_frame_[d] = frame;
  const auto* arrived = reinterpret_cast<const char*>(bytes.data());
  buffer.insert(buffer.end(), arrived, arrived + bytes.size());
  const std::size_t max_buffer = context_.limits.max_sip_stream_buffer;
  for (;;) {
    if (resync_[d]) {
      // After a gap or garbage, wait for a line that starts a SIP message.
      if (!resync(buffer)) return;
      resync_[d] = false;
    }
    const std::string_view text(buffer.data(), buffer.size());
    SipMessage& probe = context_.probe;
    SipParseOptions options = context_.sip_options();
    options.stream = true;
    options.parse_sdp = false;  // only framing is wanted from this first parse
    const SipParseResult r = parse_sip_message(text, probe, options);
    if (r.status == SipParseStatus::incomplete) {
      buffer.erase(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(r.consumed));
      if (probe.content_length && *probe.content_length > max_buffer) {
        // A body larger than we keep will never be framed: say so now and look for the next
        // message instead of waiting for it.
        context_.findings.report(FindingId::limit_sip_message_bytes, frame, carrier_.info.index,
                                 direction,
                                 "Content-Length " + std::to_string(*probe.content_length));
        drop_line(buffer);
        resync_[d] = true;
        continue;
      }
      if (buffer.size() > max_buffer) {
        context_.findings.report(
            FindingId::limit_sip_message_bytes, frame, carrier_.info.index, direction,
            std::to_string(buffer.size()) + " bytes without a complete message");
        buffer.clear();
        resync_[d] = true;
      }
      return;
    }
    if (r.status != SipParseStatus::ok) {
      resync_[d] = true;
      drop_line(buffer);
      continue;
    }
    SipWork& work = context_.outlet.next_work(SipWork::Kind::stream_message);
    SipMessageRecord& record = work.record;
    record.transport = carrier_.over_tls ? SipTransport::tls : SipTransport::tcp;
    record.frame = frame;
    record.first_frame = first_frame_[d];
    record.timestamp = timestamp;
    carrier_.stamp(record, direction);
    std::size_t skip = 0;
    while (skip < text.size() && (text[skip] == '\r' || text[skip] == '\n')) ++skip;
    record.bytes.assign(text.begin() + static_cast<std::ptrdiff_t>(skip),
                        text.begin() + static_cast<std::ptrdiff_t>(r.consumed));
    options.parse_sdp = context_.limits.parse_sdp;
    work.options = options;
    context_.outlet.submit();
    buffer.erase(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(r.consumed));
    first_frame_[d] = frame;  // what is left arrived with this frame at the latest
  }
}

}  // namespace sipws
