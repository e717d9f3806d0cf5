#pragma once
// SDP (RFC 8866) as WebRTC uses it (RFC 8829 JSEP, RFC 8839 ICE, RFC 8842 DTLS, RFC 8843
// BUNDLE, RFC 5761 rtcp-mux): the summary a VoIP engineer reads, as views into the body.

#include <string_view>
#include <vector>

namespace sipws {

struct SdpCodec {
  std::string_view payload_type;
  std::string_view encoding;  // "opus/48000/2"
};

struct SdpCandidate {
  std::string_view foundation;
  std::string_view component;
  std::string_view transport;  // udp, tcp
  std::string_view priority;
  std::string_view address;
  std::string_view port;
  std::string_view type;  // host, srflx, prflx, relay
};

struct SdpMedia {
  std::string_view type;  // audio, video, application
  std::string_view port;
  std::string_view proto;  // RTP/AVP, UDP/TLS/RTP/SAVPF, ...
  std::vector<std::string_view> formats;
  std::string_view connection;  // c= address of this section (or the session's)
  std::string_view mid;
  std::string_view direction;  // sendrecv, sendonly, recvonly, inactive
  std::string_view ice_ufrag;
  std::string_view ice_pwd;
  std::string_view fingerprint;  // "sha-256 AB:CD:..."
  std::string_view setup;        // actpass, active, passive
  bool rtcp_mux = false;
  std::string_view rtcp_port;  // a=rtcp (RFC 3605): RTCP elsewhere than port + 1
  std::vector<SdpCodec> codecs;
  std::vector<SdpCandidate> candidates;
  std::vector<std::string_view> ssrcs;  // a=ssrc ids (RFC 5576), each once, in order
};

struct Sdp {
  std::string_view origin;
  std::string_view session_name;
  std::string_view connection;
  std::string_view ice_ufrag;  // session level
  std::string_view ice_pwd;
  std::string_view fingerprint;
  std::string_view setup;
  bool ice_lite = false;
  std::string_view direction;            // session level (media sections inherit it)
  std::vector<std::string_view> bundle;  // mids in a=group:BUNDLE
  std::vector<SdpMedia> media;
};

// Parses an SDP body. Returns false when it does not start with "v=0".
bool parse_sdp(std::string_view body, Sdp& out);

}  // namespace sipws
