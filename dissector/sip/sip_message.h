#pragma once
// SIP messages (RFC 3261 §7, §20, §25): one parse over a complete message held in a buffer the
// caller owns; every field is a view into that buffer. Compact header forms are recognised,
// folded lines are accepted, and what is wrong is listed as problems instead of thrown.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "capture/finding.h"
#include "dissector/sdp/sdp.h"

namespace sipws {

struct SipHeader {
  std::string_view name;       // as written (may be a compact form)
  std::string_view canonical;  // long form for known compact names, else `name`
  std::string_view value;      // trimmed; folded lines stay inside
};

struct SipUri {
  std::string_view text;
  std::string_view scheme;  // sip, sips, tel, ...
  std::string_view user;
  std::string_view host;
  std::string_view port;
  std::string_view params;  // after the first ';', without it
};
SipUri parse_sip_uri(std::string_view text);

struct SipNameAddr {
  std::string_view display;  // unquoted
  SipUri uri;
  std::string_view params;  // header parameters after the URI
  std::string_view tag;
};

struct SipVia {
  std::string_view protocol;   // "SIP/2.0/WS"
  std::string_view transport;  // "WS"
  std::string_view sent_by;    // host[:port]
  std::string_view branch;
  std::string_view received;
  std::string_view rport;
};

using SipProblem = Problem;

struct SipMessage {
  bool is_request = false;
  std::string_view method;       // requests
  std::string_view request_uri;  // requests
  std::string_view version;
  int status_code = 0;      // responses
  std::string_view reason;  // responses
  std::vector<SipHeader> headers;

  std::string_view call_id;
  std::optional<std::uint32_t> cseq;
  std::string_view cseq_method;
  SipNameAddr from;
  SipNameAddr to;
  std::vector<SipVia> vias;
  std::vector<std::string_view> contacts;
  std::vector<std::string_view> record_routes;
  std::vector<std::string_view> routes;
  std::optional<std::uint32_t> max_forwards;
  std::string_view content_type;
  std::optional<std::uint64_t> content_length;
  std::string_view user_agent;
  std::string_view body;
  // When the body is application/sdp. Held apart: most messages have none, and a record
  // should not carry room for one.
  std::unique_ptr<Sdp> sdp;

  std::vector<SipProblem> problems;

  // Empty again, keeping the vectors' capacity (parse_sip_message starts with it): a message
  // parsed into the same SipMessage again costs no allocation.
  void reset();

  // The first header with this (long or compact) name, case-insensitive.
  std::string_view header(std::string_view name) const;
  // Every header with this (long or compact) name, in order (a header that occurs several times
  // has several values).
  std::vector<std::string_view> header_values(std::string_view name) const;
  // "INVITE" for requests, "200" for responses.
  std::string summary() const;
};

enum class SipParseStatus {
  ok,          // a message; `consumed` bytes of the input
  incomplete,  // the head or the body is not all there yet (stream framing)
  not_sip,     // does not start like a SIP message
  invalid,     // starts like SIP but cannot be parsed (problems say why)
};

struct SipParseOptions {
  // On a stream (TCP) a message without Content-Length cannot be framed; on a datagram or a
  // WebSocket message the body is the rest.
  bool stream = false;
  // Parse an application/sdp body into SipMessage::sdp. A front end that shows no SDP (the
  // `messages` listing) skips it: about a tenth of its time on WebRTC traffic.
  bool parse_sdp = true;
};

struct SipParseResult {
  SipParseStatus status = SipParseStatus::not_sip;
  std::size_t consumed = 0;
};

// Parses the message at the start of `text`. Leading CRLFs (keep-alives) are skipped and
// counted in `consumed`.
SipParseResult parse_sip_message(std::string_view text, SipMessage& out,
                                 SipParseOptions options = {});

// True when `text` starts like a SIP request or status line (a cheap check for port-agnostic
// detection on UDP and TCP).
bool looks_like_sip(std::string_view text);

}  // namespace sipws
