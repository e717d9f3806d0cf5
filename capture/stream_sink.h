#pragma once
// The narrow contract between TCP reassembly and whatever consumes a byte stream: ordered data,
// gaps where bytes were never captured (never stitched over), and the end of the stream.

#include <cstdint>
#include <string_view>

#include "capture/bytes.h"
#include "capture/finding.h"
#include "capture/raw_packet.h"

namespace sipws {

enum class CloseReason : std::uint8_t {
  fin,                     // both sides sent FIN and every byte before it arrived (or was a gap)
  rst,                     // a reset ended it
  idle_timeout,            // no packet for longer than the idle timeout
  end_of_capture,          // the capture ended while the connection was open
  reused,                  // a new SYN with another initial sequence number took over the 4-tuple
  limit_direction_buffer,  // one direction buffered more out-of-order bytes than allowed
  limit_total_buffer,      // all connections together buffered more than allowed
  limit_connections,       // too many connections; this was the least recently active
};
std::string_view close_reason_name(CloseReason reason);

class StreamSink {
 public:
  virtual ~StreamSink() = default;
  // Bytes [stream_offset, stream_offset + bytes.size()) of one direction, in order. `frame` is
  // the frame whose arrival made them deliverable. The view is valid only during the call.
  virtual void on_data(Direction direction, ByteView bytes, std::uint64_t stream_offset,
                       std::uint64_t frame, TimeNs timestamp) = 0;
  // Bytes [stream_offset, stream_offset + length) of one direction will never arrive.
  virtual void on_gap(Direction direction, std::uint64_t stream_offset, std::uint64_t length) = 0;
  // No more calls follow.
  virtual void on_close(CloseReason reason) = 0;
};

}  // namespace sipws
