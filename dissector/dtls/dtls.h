#pragma once
// DTLS (RFC 6347, RFC 9147) on a WebRTC media path (RFC 5764 DTLS-SRTP, RFC 8842): what one
// datagram's records show without keys. DTLS 1.2 shows its whole handshake (roles, the SRTP
// protection profile, the certificate whose hash the SDP's a=fingerprint announces, alerts);
// DTLS 1.3 shows the hellos, then only encrypted records with the unified header.

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

#include "capture/bytes.h"

namespace sipws {

struct DtlsDatagram {
  std::uint8_t records = 0;
  std::uint8_t encrypted_records = 0;  // epoch > 0, or a DTLS 1.3 unified header
  bool client_hello = false;
  bool hello_verify_request = false;
  bool server_hello = false;
  bool certificate = false;
  bool change_cipher_spec = false;
  bool application_data = false;
  bool alert = false;  // a plaintext alert (level, description below)
  std::uint8_t alert_level = 0;
  std::uint8_t alert_description = 0;
  // Its message_seq (a repeat is a retransmission), when the datagram holds the hello's first
  // fragment: a ClientHello over 1200 bytes (Chromium's) comes in two records.
  bool client_hello_start = false;
  std::uint16_t client_hello_sequence = 0;
  std::uint16_t version = 0;  // ServerHello: supported_versions if present, else legacy_version
  std::uint16_t srtp_profile = 0;  // ServerHello use_srtp (RFC 5764 §4.1.2); 0: none
  // The end-entity certificate's SHA-256 and SHA-1, when a whole Certificate message is here.
  bool has_certificate_digest = false;
  std::array<std::uint8_t, 32> certificate_sha256{};
  std::array<std::uint8_t, 20> certificate_sha1{};
};

// nullopt when the first record is not DTLS.
std::optional<DtlsDatagram> parse_dtls(ByteView datagram);

std::string_view dtls_version_name(std::uint16_t version);  // "1.2", "1.3"
std::string_view srtp_profile_name(std::uint16_t profile);  // "SRTP_AES128_CM_HMAC_SHA1_80"
std::string_view tls_alert_name(std::uint8_t description);  // "bad_certificate"

}  // namespace sipws
