#pragma once
// The WebSocket opening handshake (RFC 6455 §4) as seen in an HTTP request/response pair, and
// the permessage-deflate parameters (RFC 7692 §7) it negotiated.

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "capture/finding.h"
#include "dissector/http/http_head.h"

namespace sipws {

struct WsExtensionOffer {
  std::string name;
  std::vector<std::pair<std::string, std::string>> params;  // value empty when absent
  bool has(std::string_view param) const;
  std::string_view value(std::string_view param) const;
};

// Sec-WebSocket-Extensions: ext; p=v; q, ext2  ->  [{ext, [(p,v),(q,"")]}, {ext2, []}]
std::vector<WsExtensionOffer> parse_ws_extensions(std::string_view header);

// base64(SHA-1(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")), RFC 6455 §4.2.2.
std::string ws_accept_for_key(std::string_view key);

struct DeflateParams {
  bool server_no_context_takeover = false;
  bool client_no_context_takeover = false;
  int server_max_window_bits = 15;
  int client_max_window_bits = 15;
};

struct WsHandshake {
  // From the client's GET
  bool request_seen = false;
  std::string host;
  std::string key;
  std::string version;
  std::vector<std::string> offered_protocols;
  std::vector<WsExtensionOffer> offered_extensions;
  bool upgrade_websocket = false;   // Upgrade: websocket
  bool connection_upgrade = false;  // Connection: ... Upgrade ...
  // From the server's answer
  bool response_seen = false;
  int status = 0;
  std::string accept;
  bool accept_valid = false;
  std::string protocol;  // chosen subprotocol, "sip" for RFC 7118
  std::vector<WsExtensionOffer> extensions;
  std::optional<DeflateParams> deflate;  // permessage-deflate agreed

  bool is_upgrade_request() const { return upgrade_websocket; }
  bool accepted() const { return response_seen && status == 101; }
};

void read_ws_request(const HttpHead& request, WsHandshake& handshake);
void read_ws_response(const HttpHead& response, WsHandshake& handshake);

// What is wrong with the opening handshake (RFC 6455 §4, RFC 7692 §7): the request alone, and
// the 101 answer given the request.
std::vector<Problem> check_ws_request(const HttpHead& request, const WsHandshake& handshake);
std::vector<Problem> check_ws_response(const HttpHead& response, const WsHandshake& handshake);

}  // namespace sipws
