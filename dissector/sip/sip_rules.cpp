#include "dissector/sip/sip_rules.h"

#include "dissector/text.h"

namespace sipws {
namespace {

bool mentions_transport_wss(std::string_view text) {
  for (std::size_t at = 0; (at = text.find('=', at)) != std::string_view::npos; ++at) {
    if (at >= 9 && iequals(text.substr(at - 9, 9), "transport") &&
        istarts_with(text.substr(at + 1), "wss")) {
      const std::string_view rest = text.substr(at + 4);
      if (rest.empty() || !is_token_char(rest.front())) return true;
    }
  }
  return false;
}

}  // namespace

void check_sip_record(const SipMessageRecord& r, std::vector<Problem>& problems) {
  const SipMessage& m = r.sip;
  if (m.is_request && !m.max_forwards && m.header("Max-Forwards").empty()) {
    problems.push_back({FindingId::sip_missing_max_forwards, std::string(m.method)});
  }
  if (!m.vias.empty() && !m.vias.front().branch.empty() &&
      m.vias.front().branch.substr(0, 7) != "z9hG4bK") {
    problems.push_back({FindingId::sip_branch_without_cookie, std::string(m.vias.front().branch)});
  }
  if (r.transport == SipTransport::ws || r.transport == SipTransport::wss) {
    if (!m.vias.empty() && !iequals(m.vias.front().transport, "WS") &&
        !iequals(m.vias.front().transport, "WSS")) {
      problems.push_back({FindingId::sip_ws_via_transport, std::string(m.vias.front().protocol)});
    }
  }
  if (mentions_transport_wss(m.request_uri)) {
    problems.push_back({FindingId::sip_ws_transport_wss, "Request-URI"});
  }
  for (const auto& h : m.headers) {
    if ((iequals(h.canonical, "Contact") || iequals(h.canonical, "Route") ||
         iequals(h.canonical, "Record-Route") || iequals(h.canonical, "Path")) &&
        mentions_transport_wss(h.value)) {
      problems.push_back({FindingId::sip_ws_transport_wss, std::string(h.canonical)});
    }
  }
}

}  // namespace sipws
