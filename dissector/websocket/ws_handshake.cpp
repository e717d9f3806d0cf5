#include "dissector/websocket/ws_handshake.h"

#include <openssl/evp.h>
#include <openssl/sha.h>

#include <memory>

#include "dissector/text.h"

namespace sipws {

bool WsExtensionOffer::has(std::string_view param) const {
  for (const auto& [k, v] : params) {
    if (iequals(k, param)) return true;
  }
  return false;
}

std::string_view WsExtensionOffer::value(std::string_view param) const {
  for (const auto& [k, v] : params) {
    if (iequals(k, param)) return v;
  }
  return {};
}

std::vector<WsExtensionOffer> parse_ws_extensions(std::string_view header) {
  std::vector<WsExtensionOffer> out;
  while (!header.empty()) {
    std::string_view rest;
    std::string_view item = split_first(header, ',', rest, true);
    header = rest;
    std::string_view params;
    const std::string_view name = trim(split_first(item, ';', params, true));
    if (name.empty()) continue;
    WsExtensionOffer offer;
    offer.name = std::string(name);
    while (!params.empty()) {
      std::string_view more;
      const std::string_view param = split_first(params, ';', more, true);
      params = more;
      std::string_view value;
      const std::string_view key = trim(split_first(param, '=', value));
      if (key.empty()) continue;
      value = trim(value);
      if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
        value = value.substr(1, value.size() - 2);
      }
      offer.params.emplace_back(std::string(key), std::string(value));
    }
    out.push_back(std::move(offer));
  }
  return out;
}

std::string ws_accept_for_key(std::string_view key) {
  static constexpr std::string_view kGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
  std::string input(key);
  input += kGuid;
  unsigned char digest[SHA_DIGEST_LENGTH];
  unsigned int digest_length = 0;
  // Fetched once: with EVP_sha1() OpenSSL 3 fetches the implementation again on every call,
  // which cost more than the rest of the handshake's parsing.
  static const std::unique_ptr<EVP_MD, decltype(&EVP_MD_free)> sha1(
      EVP_MD_fetch(nullptr, "SHA1", nullptr), &EVP_MD_free);
  EVP_Digest(input.data(), input.size(), digest, &digest_length,
             sha1 != nullptr ? sha1.get() : EVP_sha1(), nullptr);
  unsigned char encoded[4 * ((SHA_DIGEST_LENGTH + 2) / 3) + 1];
  const int n = EVP_EncodeBlock(encoded, digest, SHA_DIGEST_LENGTH);
  return std::string(reinterpret_cast<const char*>(encoded), static_cast<std::size_t>(n));
}

void read_ws_request(const HttpHead& request, WsHandshake& h) {
  h.request_seen = true;
  h.host = std::string(request.field("Host"));
  h.key = std::string(trim(request.field("Sec-WebSocket-Key")));
  h.version = std::string(trim(request.field("Sec-WebSocket-Version")));
  h.upgrade_websocket = list_contains(request.joined("Upgrade"), "websocket");
  h.connection_upgrade = list_contains(request.joined("Connection"), "upgrade");
  const std::string protocols = request.joined("Sec-WebSocket-Protocol");
  std::string_view protocols_view = protocols;
  while (!protocols_view.empty()) {
    std::string_view rest;
    const std::string_view p = trim(split_first(protocols_view, ',', rest));
    if (!p.empty()) h.offered_protocols.emplace_back(p);
    protocols_view = rest;
  }
  h.offered_extensions = parse_ws_extensions(request.joined("Sec-WebSocket-Extensions"));
}

void read_ws_response(const HttpHead& response, WsHandshake& h) {
  h.response_seen = true;
  h.status = response.status;
  h.accept = std::string(trim(response.field("Sec-WebSocket-Accept")));
  h.accept_valid = !h.key.empty() && h.accept == ws_accept_for_key(h.key);
  h.protocol = std::string(trim(response.field("Sec-WebSocket-Protocol")));
  h.extensions = parse_ws_extensions(response.joined("Sec-WebSocket-Extensions"));
  if (h.status != 101) return;
  for (const auto& ext : h.extensions) {
    if (!iequals(ext.name, "permessage-deflate")) continue;
    DeflateParams d;
    d.server_no_context_takeover = ext.has("server_no_context_takeover");
    d.client_no_context_takeover = ext.has("client_no_context_takeover");
    if (auto bits = parse_decimal(ext.value("server_max_window_bits"));
        bits && *bits >= 8 && *bits <= 15) {
      d.server_max_window_bits = static_cast<int>(*bits);
    }
    if (auto bits = parse_decimal(ext.value("client_max_window_bits"));
        bits && *bits >= 8 && *bits <= 15) {
      d.client_max_window_bits = static_cast<int>(*bits);
    }
    h.deflate = d;
    break;
  }
}

namespace {

bool is_base64_of_16_bytes(std::string_view key) {
  if (key.size() != 24 || key.substr(22) != "==") return false;
  for (std::size_t i = 0; i < 22; ++i) {
    const char c = key[i];
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '+' || c == '/';
    if (!ok) return false;
  }
  // The last character before "==" carries 2 bits of data; the other 4 must be zero.
  return std::string_view("AQgw").find(key[21]) != std::string_view::npos;
}

bool valid_window_bits(std::string_view value) {
  const auto bits = parse_decimal(value);
  return bits && *bits >= 8 && *bits <= 15 && value.size() <= 2;
}

// RFC 7692 §7.1: the four parameters; server_max_window_bits always has a value, and so does
// client_max_window_bits in an answer.
void check_deflate_params(const WsExtensionOffer& ext, bool answer, std::vector<Problem>& out) {
  for (const auto& [name, value] : ext.params) {
    if (iequals(name, "server_no_context_takeover") ||
        iequals(name, "client_no_context_takeover")) {
      if (!value.empty())
        out.push_back({FindingId::ws_deflate_unknown_parameter, name + " takes no value"});
    } else if (iequals(name, "server_max_window_bits") ||
               (answer && iequals(name, "client_max_window_bits"))) {
      if (!valid_window_bits(value))
        out.push_back({FindingId::ws_deflate_bad_window_bits, name + "=" + value});
    } else if (iequals(name, "client_max_window_bits")) {
      if (!value.empty() && !valid_window_bits(value)) {
        out.push_back({FindingId::ws_deflate_bad_window_bits, name + "=" + value});
      }
    } else {
      out.push_back({FindingId::ws_deflate_unknown_parameter, name});
    }
  }
}

}  // namespace

std::vector<Problem> check_ws_request(const HttpHead& request, const WsHandshake& h) {
  std::vector<Problem> out;
  if (request.method != "GET" || (request.version != "HTTP/1.1" && request.version != "HTTP/2.0")) {
    out.push_back({FindingId::http_upgrade_bad_request,
                   std::string(request.method) + " " + std::string(request.version)});
  }
  if (trim(request.field("Host")).empty())
    out.push_back({FindingId::http_upgrade_missing_host, ""});
  if (!h.connection_upgrade)
    out.push_back({FindingId::http_upgrade_missing_connection, request.joined("Connection")});
  if (!is_base64_of_16_bytes(h.key))
    out.push_back({FindingId::http_upgrade_bad_key, "'" + h.key + "'"});
  if (h.version != "13")
    out.push_back({FindingId::http_upgrade_bad_version, "'" + h.version + "'"});
  for (const auto& ext : h.offered_extensions) {
    if (iequals(ext.name, "permessage-deflate")) check_deflate_params(ext, false, out);
  }
  return out;
}

std::vector<Problem> check_ws_response(const HttpHead& response, const WsHandshake& h) {
  std::vector<Problem> out;
  if (response.status != 101) return out;
  if (!list_contains(response.joined("Upgrade"), "websocket") ||
      !list_contains(response.joined("Connection"), "upgrade")) {
    out.push_back({FindingId::http_upgrade_response_headers, ""});
  }
  if (!h.protocol.empty()) {
    bool offered = false;
    for (const auto& p : h.offered_protocols) offered = offered || p == h.protocol;
    if (!offered)
      out.push_back({FindingId::ws_handshake_protocol_not_offered, "'" + h.protocol + "'"});
  }
  for (const auto& ext : h.extensions) {
    const WsExtensionOffer* offer = nullptr;
    for (const auto& o : h.offered_extensions) {
      if (iequals(o.name, ext.name)) offer = &o;
    }
    if (offer == nullptr) {
      out.push_back({FindingId::ws_handshake_extension_not_offered, ext.name});
      continue;
    }
    if (!iequals(ext.name, "permessage-deflate")) continue;
    check_deflate_params(ext, true, out);
    if (ext.has("client_max_window_bits") && !offer->has("client_max_window_bits")) {
      out.push_back({FindingId::ws_deflate_parameter_not_offered, "client_max_window_bits"});
    }
  }
  return out;
}

}  // namespace sipws
