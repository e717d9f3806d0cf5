#include "dissector/sdp.h"

#include "dissector/text.h"

namespace sipws {
namespace {

// Splits on single spaces, dropping empty pieces.
std::vector<std::string_view> words(std::string_view text) {
  std::vector<std::string_view> out;
  while (!text.empty()) {
    std::string_view rest;
    const std::string_view w = split_first(text, ' ', rest);
    if (!w.empty()) out.push_back(w);
    text = rest;
  }
  return out;
}

// "c=IN IP4 192.0.2.1" -> "192.0.2.1" (a TTL or count after '/' is dropped).
std::string_view connection_address(std::string_view value) {
  const auto w = words(value);
  if (w.size() < 3) return {};
  std::string_view rest;
  return split_first(w[2], '/', rest);
}

}  // namespace

bool parse_sdp(std::string_view body, Sdp& out) {
  out = Sdp{};
  if (body.rfind("v=", 0) != 0) return false;
  SdpMedia* media = nullptr;
  while (!body.empty()) {
    std::string_view rest;
    std::string_view line = split_first(body, '\n', rest);
    body = rest;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.size() < 2 || line[1] != '=') continue;
    const char type = line[0];
    const std::string_view value = line.substr(2);
    switch (type) {
      case 'o':
        out.origin = value;
        break;
      case 's':
        out.session_name = value;
        break;
      case 'c':
        if (media != nullptr) {
          media->connection = connection_address(value);
        } else {
          out.connection = connection_address(value);
        }
        break;
      case 'm': {
        const auto w = words(value);
        out.media.emplace_back();
        media = &out.media.back();
        if (w.size() >= 3) {
          media->type = w[0];
          media->port = w[1];
          media->proto = w[2];
          media->formats.assign(w.begin() + 3, w.end());
        }
        media->connection = out.connection;
        break;
      }
      case 'a': {
        std::string_view attr_value;
        const std::string_view name = split_first(value, ':', attr_value);
        if (media == nullptr) {
          if (name == "ice-ufrag")
            out.ice_ufrag = attr_value;
          else if (name == "ice-pwd")
            out.ice_pwd = attr_value;
          else if (name == "fingerprint")
            out.fingerprint = attr_value;
          else if (name == "setup")
            out.setup = attr_value;
          else if (name == "ice-lite")
            out.ice_lite = true;
          else if (name == "group") {
            auto w = words(attr_value);
            if (!w.empty() && w[0] == "BUNDLE") out.bundle.assign(w.begin() + 1, w.end());
          }
          break;
        }
        if (name == "rtpmap") {
          std::string_view encoding;
          const std::string_view pt = split_first(attr_value, ' ', encoding);
          media->codecs.push_back({pt, trim(encoding)});
        } else if (name == "candidate") {
          const auto w = words(attr_value);
          if (w.size() >= 8) {
            media->candidates.push_back({w[0], w[1], w[2], w[3], w[4], w[5], w[7]});
          }
        } else if (name == "mid") {
          media->mid = attr_value;
        } else if (name == "ice-ufrag") {
          media->ice_ufrag = attr_value;
        } else if (name == "ice-pwd") {
          media->ice_pwd = attr_value;
        } else if (name == "fingerprint") {
          media->fingerprint = attr_value;
        } else if (name == "setup") {
          media->setup = attr_value;
        } else if (name == "rtcp-mux") {
          media->rtcp_mux = true;
        } else if (name == "sendrecv" || name == "sendonly" || name == "recvonly" ||
                   name == "inactive") {
          media->direction = name;
        }
        break;
      }
      default:
        break;
    }
  }
  // Media sections inherit session-level ICE and DTLS attributes they do not override.
  for (SdpMedia& m : out.media) {
    if (m.ice_ufrag.empty()) m.ice_ufrag = out.ice_ufrag;
    if (m.ice_pwd.empty()) m.ice_pwd = out.ice_pwd;
    if (m.fingerprint.empty()) m.fingerprint = out.fingerprint;
    if (m.setup.empty()) m.setup = out.setup;
    if (m.direction.empty()) m.direction = "sendrecv";
  }
  return true;
}

}  // namespace sipws
