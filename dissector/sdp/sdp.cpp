#include "dissector/sdp/sdp.h"

#include <algorithm>
#include <array>

#include "dissector/text.h"

namespace sipws {
namespace {

constexpr std::size_t kMaxSsrcs = 64;  // a=ssrc ids kept per media section

// The next word of `text` (split on single spaces, empty pieces skipped), taken off its front;
// empty when none is left. Words are taken one at a time, with no vector per line: SDP parsing
// runs for every offer and answer of a capture.
std::string_view next_word(std::string_view& text) {
  while (!text.empty()) {
    std::string_view rest;
    const std::string_view w = split_first(text, ' ', rest);
    text = rest;
    if (!w.empty()) return w;
  }
  return {};
}

// The first N words of `text` into `out`; how many there were (at most N).
template <std::size_t N>
std::size_t first_words(std::string_view text, std::array<std::string_view, N>& out) {
  std::size_t n = 0;
  while (n < N) {
    const std::string_view w = next_word(text);
    if (w.empty()) break;
    out[n++] = w;
  }
  return n;
}

// "c=IN IP4 192.0.2.1" -> "192.0.2.1" (a TTL or count after '/' is dropped).
std::string_view connection_address(std::string_view value) {
  std::array<std::string_view, 3> w;
  if (first_words(value, w) < 3) return {};
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
        std::string_view words = value;
        const std::string_view media_type = next_word(words);
        const std::string_view port = next_word(words);
        const std::string_view proto = next_word(words);
        out.media.emplace_back();
        media = &out.media.back();
        if (!proto.empty()) {
          media->type = media_type;
          media->port = port;
          media->proto = proto;
          for (std::string_view f = next_word(words); !f.empty(); f = next_word(words)) {
            media->formats.push_back(f);
          }
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
          else if (name == "sendrecv" || name == "sendonly" || name == "recvonly" ||
                   name == "inactive")
            out.direction = name;  // RFC 8866 §6.7: the default of every media section
          else if (name == "group") {
            std::string_view words = attr_value;
            if (next_word(words) == "BUNDLE") {
              out.bundle.clear();  // the last group line counts
              for (std::string_view b = next_word(words); !b.empty(); b = next_word(words)) {
                out.bundle.push_back(b);
              }
            }
          }
          break;
        }
        if (name == "rtpmap") {
          std::string_view encoding;
          const std::string_view pt = split_first(attr_value, ' ', encoding);
          media->codecs.push_back({pt, trim(encoding)});
        } else if (name == "candidate") {
          std::array<std::string_view, 8> w;
          if (first_words(attr_value, w) == 8) {
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
        } else if (name == "rtcp") {
          std::string_view words = attr_value;
          media->rtcp_port = next_word(words);
        } else if (name == "ssrc") {
          std::string_view words = attr_value;
          const std::string_view id = next_word(words);
          // At most kMaxSsrcs, so that a hostile body cannot make the search quadratic.
          if (!id.empty() && media->ssrcs.size() < kMaxSsrcs &&
              std::find(media->ssrcs.begin(), media->ssrcs.end(), id) == media->ssrcs.end()) {
            media->ssrcs.push_back(id);
          }
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
    if (m.direction.empty()) m.direction = out.direction.empty() ? "sendrecv" : out.direction;
  }
  return true;
}

}  // namespace sipws
