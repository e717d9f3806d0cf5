#include "dissector/websocket/ws_message.h"

#include <algorithm>
#include <cstring>

#include "capture/bytes.h"

namespace sipws {
namespace {

// RFC 6455 §7.4.1/§7.4.2: codes an endpoint may put in a Close frame.
bool close_code_allowed(std::uint16_t code) {
  if (code >= 3000 && code <= 4999) return true;
  switch (code) {
    case 1000:
    case 1001:
    case 1002:
    case 1003:
    case 1007:
    case 1008:
    case 1009:
    case 1010:
    case 1011:
    case 1012:
    case 1013:
    case 1014:
      return true;
    default:
      return false;
  }
}

}  // namespace

WsMessageAssembler::WsMessageAssembler(Direction direction, std::uint64_t connection,
                                       std::optional<DeflateParams> deflate, WsMessageSink& sink,
                                       FindingSink& findings, WsLimits limits,
                                       InflateBudget* inflate_budget)
    : direction_(direction),
      connection_(connection),
      deflate_(deflate),
      sink_(sink),
      findings_(findings),
      limits_(limits) {
  if (deflate_) {
    const bool reset = direction == Direction::to_server ? deflate_->client_no_context_takeover
                                                         : deflate_->server_no_context_takeover;
    inflater_ = std::make_unique<Inflater>(reset, inflate_budget);
  }
}

void WsMessageAssembler::report(FindingId id, std::uint64_t frame, std::string detail) {
  findings_.report(id, frame, connection_, direction_, std::move(detail));
}

void WsMessageAssembler::on_data(ByteView bytes, std::uint64_t frame, TimeNs timestamp) {
  parser_.feed(bytes, frame, timestamp, *this);
}

bool WsMessageAssembler::on_gap(std::uint64_t length, std::uint64_t frame) {
  if (target_ == Target::message || in_message_) {
    message_.incomplete = true;
  }
  const bool in_payload = parser_.in_payload();
  if (in_payload && parser_.skip(length)) {
    if (!parser_.in_payload()) on_frame_end(frame, 0);  // the gap ended the frame exactly
    return true;
  }
  // Boundaries are lost: whatever was open is abandoned.
  if (in_message_ || target_ == Target::message) {
    report(FindingId::ws_message_incomplete, frame,
           "a gap of " + std::to_string(length) + " bytes fell inside this message");
  }
  in_message_ = false;
  target_ = Target::discard;
  message_.reset();
  parser_.reset();
  return false;
}

void WsMessageAssembler::on_end(std::uint64_t frame) {
  if (parser_.in_payload() || in_message_) {
    report(FindingId::ws_message_incomplete, frame,
           parser_.in_payload()
               ? "the stream ended inside a frame of " + std::to_string(header_.length) + " bytes"
               : "the stream ended inside a fragmented message");
  }
}

void WsMessageAssembler::resync() {
  parser_.reset();
  in_message_ = false;
  target_ = Target::discard;
  message_.reset();
}

void WsMessageAssembler::on_frame_header(const WsFrameHeader& h) {
  header_ = h;
  ++frames_;
  const std::uint64_t frame = h.first_frame;
  if (close_seen_) report(FindingId::ws_frame_after_close, frame, "");
  const bool from_client = direction_ == Direction::to_server;
  if (from_client && !h.masked) report(FindingId::ws_frame_unmasked_client, frame, "");
  if (!from_client && h.masked) report(FindingId::ws_frame_masked_server, frame, "");
  if (!h.minimal_length) {
    report(FindingId::ws_frame_length_not_minimal, frame,
           "length " + std::to_string(h.length) + " in a " +
               (h.header_length - (h.masked ? 4 : 0) == 4 ? "16" : "64") + "-bit field");
  }
  if (h.length_msb_set) report(FindingId::ws_frame_length_msb_set, frame, "");
  if (!is_control_opcode(h.opcode) && h.length > limits_.max_message_bytes && !h.length_msb_set) {
    // Said once here, from the header, since such a frame may never arrive in full.
    report(FindingId::limit_ws_message_bytes, frame,
           "a frame claims " + std::to_string(h.length) + " bytes; at most " +
               std::to_string(limits_.max_message_bytes) + " are kept");
    message_cut_ = true;
  }
  const bool control = is_control_opcode(h.opcode);
  const bool deflate_rsv1_ok =
      deflate_.has_value() && !control && h.opcode != ws_opcode::continuation;
  if (h.rsv1 && deflate_.has_value() && !deflate_rsv1_ok) {
    report(FindingId::ws_deflate_rsv1_misplaced, frame,
           control ? "on a control frame" : "on a continuation frame");
  } else if ((h.rsv1 && !deflate_.has_value()) || h.rsv2 || h.rsv3) {
    report(FindingId::ws_frame_rsv_nonzero, frame, "");
  }

  if (control) {
    if (h.opcode != ws_opcode::close && h.opcode != ws_opcode::ping &&
        h.opcode != ws_opcode::pong) {
      report(FindingId::ws_frame_reserved_opcode, frame, "opcode " + std::to_string(h.opcode));
      target_ = Target::discard;
      return;
    }
    if (h.length > 125) {
      report(FindingId::ws_frame_control_too_long, frame, std::to_string(h.length) + " bytes");
    }
    if (!h.fin) report(FindingId::ws_frame_control_fragmented, frame, "");
    control_.clear();
    target_ = Target::control;
    return;
  }
  if (h.opcode == ws_opcode::continuation) {
    if (!in_message_) {
      report(FindingId::ws_frame_unexpected_continuation, frame, "");
      target_ = Target::discard;
      return;
    }
  } else if (h.opcode == ws_opcode::text || h.opcode == ws_opcode::binary) {
    if (in_message_) {
      report(FindingId::ws_frame_interleaved_message, frame, "the unfinished message is dropped");
    }
    message_.reset();
    message_.direction = direction_;
    message_.opcode = h.opcode;
    message_.compressed = h.rsv1 && deflate_.has_value();
    message_.masked = h.masked;
    message_.first_frame = frame;
    message_cut_ = h.length > limits_.max_message_bytes;  // already reported from the header
    message_.incomplete = message_cut_;
    in_message_ = true;
  } else {
    report(FindingId::ws_frame_reserved_opcode, frame, "opcode " + std::to_string(h.opcode));
    target_ = Target::discard;
    return;
  }
  ++message_.frames;
  message_.wire_bytes += h.length;
  if (limits_.keep_frames) message_.frame_headers.push_back(h);
  // Room for the whole frame at once (up to 64 KiB more: a lying length reserves no more),
  // instead of growing by doubling as segments arrive; never less than doubling, so that many
  // fragments stay linear.
  const std::size_t wanted = message_.payload.size() +
                             static_cast<std::size_t>(std::min<std::uint64_t>(h.length, 64 * 1024));
  if (wanted > message_.payload.capacity()) {
    message_.payload.reserve(std::max(wanted, 2 * message_.payload.capacity()));
  }
  target_ = Target::message;
}

void WsMessageAssembler::on_frame_payload(ByteView bytes, std::uint64_t offset) {
  std::vector<std::uint8_t>* out = nullptr;
  std::size_t cap = 0;
  if (target_ == Target::message) {
    out = &message_.payload;
    cap = limits_.max_message_bytes;
  } else if (target_ == Target::control) {
    out = &control_;
    cap = 4096;  // control frames hold at most 125 bytes; keep a lying one bounded
  } else {
    return;
  }
  std::size_t take = bytes.size();
  if (out->size() + take > cap) {
    take = cap > out->size() ? cap - out->size() : 0;
    if (target_ == Target::message && !message_cut_) {
      message_cut_ = true;
      message_.incomplete = true;
      report(FindingId::limit_ws_message_bytes, header_.first_frame,
             "message cut at " + std::to_string(cap) + " bytes");
    }
  }
  if (take == 0) return;
  const std::size_t at = out->size();
  out->resize(at + take);
  if (header_.masked) {
    unmask_copy(out->data() + at, bytes.data(), take, header_.mask, offset & 3);
  } else {
    std::memcpy(out->data() + at, bytes.data(), take);
  }
}

void WsMessageAssembler::on_frame_end(std::uint64_t frame, TimeNs timestamp) {
  if (target_ == Target::control) {
    finish_control(frame, timestamp);
  } else if (target_ == Target::message && header_.fin) {
    finish_message(frame, timestamp);
  }
  if (target_ != Target::message || header_.fin) target_ = Target::discard;
}

void WsMessageAssembler::finish_control(std::uint64_t frame, TimeNs timestamp) {
  WsControl c;
  c.direction = direction_;
  c.opcode = header_.opcode;
  c.frame = frame;
  c.timestamp = timestamp;
  c.payload = std::move(control_);
  control_.clear();
  if (c.opcode == ws_opcode::close) {
    if (c.payload.size() == 1) {
      report(FindingId::ws_close_invalid_payload, frame, "a one-byte close body");
    } else if (c.payload.size() >= 2) {
      c.close_code = load_be16(c.payload.data());
      if (!close_code_allowed(*c.close_code)) {
        report(FindingId::ws_close_invalid_code, frame, "code " + std::to_string(*c.close_code));
      }
      if (!is_valid_utf8(ByteView(c.payload).subspan(2))) {
        report(FindingId::ws_close_invalid_payload, frame, "the close reason is not UTF-8");
      }
    }
    close_seen_ = true;
  }
  sink_.on_ws_control(c);
}

namespace {
// A message's buffers kept for the next one up to this size (a typical SIP message): every open
// connection holds them.
constexpr std::size_t kReusedBufferBytes = 4 * 1024;
}  // namespace

void WsMessage::reset() {
  direction = Direction::none;
  opcode = 0;
  compressed = false;
  masked = false;
  incomplete = false;
  frames = 0;
  wire_bytes = 0;
  first_frame = 0;
  last_frame = 0;
  timestamp = 0;
  clear_for_reuse(payload, kReusedBufferBytes);
  clear_for_reuse(frame_headers, kReusedBufferBytes);
  clear_for_reuse(compressed_payload, kReusedBufferBytes);
}

void WsMessageAssembler::finish_message(std::uint64_t frame, TimeNs timestamp) {
  in_message_ = false;
  message_.last_frame = frame;
  message_.timestamp = timestamp;
  ++messages_;
  if (message_.compressed && !message_.incomplete) {
    clear_for_reuse(inflated_, kReusedBufferBytes);
    const bool refused_before = inflater_->refused();
    const auto result =
        inflater_->inflate_message(message_.payload, inflated_, limits_.max_inflated_bytes);
    if (result == Inflater::Result::error) {
      report(FindingId::ws_deflate_inflate_failed, frame, inflater_->error());
      message_.incomplete = true;
    } else if (result == Inflater::Result::no_context) {
      // Said once, for the message that was refused first.
      if (!refused_before) report(FindingId::limit_ws_inflate_contexts, frame, inflater_->error());
      message_.incomplete = true;
    } else if (result == Inflater::Result::limit) {
      report(FindingId::limit_ws_inflated_bytes, frame,
             std::to_string(message_.payload.size()) + " compressed bytes inflate past " +
                 std::to_string(limits_.max_inflated_bytes));
      message_.incomplete = true;
    }
    if (limits_.keep_frames) {
      message_.compressed_payload.assign(message_.payload.begin(), message_.payload.end());
    }
    // The inflated bytes become the payload; the compressed buffer is reused for the next one.
    std::swap(message_.payload, inflated_);
  }
  if (message_.opcode == ws_opcode::text && !message_.incomplete &&
      !is_valid_utf8(message_.payload)) {
    report(FindingId::ws_text_invalid_utf8, frame, "");
  }
  sink_.on_ws_message(message_);
  message_.reset();
}

}  // namespace sipws
