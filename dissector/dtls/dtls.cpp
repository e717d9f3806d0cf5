#include "dissector/dtls/dtls.h"

#include <openssl/evp.h>

#include <string_view>

namespace sipws {

std::string_view dtls_version_name(std::uint16_t version) {
  switch (version) {
    case 0xFEFF:
      return "1.0";
    case 0xFEFD:
      return "1.2";
    case 0xFEFC:
      return "1.3";
    default:
      return version == 0 ? "" : "other";
  }
}

std::string_view srtp_profile_name(std::uint16_t profile) {
  // RFC 5764 §4.1.2 and RFC 7714 §14.2.
  switch (profile) {
    case 0x0001:
      return "SRTP_AES128_CM_HMAC_SHA1_80";
    case 0x0002:
      return "SRTP_AES128_CM_HMAC_SHA1_32";
    case 0x0005:
      return "SRTP_NULL_HMAC_SHA1_80";
    case 0x0006:
      return "SRTP_NULL_HMAC_SHA1_32";
    case 0x0007:
      return "SRTP_AEAD_AES_128_GCM";
    case 0x0008:
      return "SRTP_AEAD_AES_256_GCM";
    default:
      return profile == 0 ? "" : "other";
  }
}

std::string_view tls_alert_name(std::uint8_t description) {
  switch (description) {  // RFC 8446 §6
    case 0:
      return "close_notify";
    case 10:
      return "unexpected_message";
    case 20:
      return "bad_record_mac";
    case 40:
      return "handshake_failure";
    case 42:
      return "bad_certificate";
    case 43:
      return "unsupported_certificate";
    case 44:
      return "certificate_revoked";
    case 45:
      return "certificate_expired";
    case 46:
      return "certificate_unknown";
    case 47:
      return "illegal_parameter";
    case 48:
      return "unknown_ca";
    case 50:
      return "decode_error";
    case 51:
      return "decrypt_error";
    case 70:
      return "protocol_version";
    case 71:
      return "insufficient_security";
    case 80:
      return "internal_error";
    case 90:
      return "user_canceled";
    case 110:
      return "unsupported_extension";
    default:
      return "other";
  }
}

namespace {

void digest(const EVP_MD* md, ByteView data, std::uint8_t* out) {
  unsigned int length = 0;
  EVP_Digest(data.data(), data.size(), out, &length, md, nullptr);
}

// A ServerHello body: the version it chose and the SRTP profile of use_srtp.
void read_server_hello(ByteView body, DtlsDatagram& out) {
  if (body.size() < 35) return;
  out.version = load_be16(&body[0]);
  std::size_t at = 34;
  at += 1 + body[at];  // session id
  at += 3;             // cipher suite, compression
  if (at + 2 > body.size()) return;
  const std::size_t end = std::min(body.size(), at + 2 + load_be16(&body[at]));
  for (at += 2; at + 4 <= end;) {
    const std::uint16_t type = load_be16(&body[at]);
    const std::size_t length = load_be16(&body[at + 2]);
    if (at + 4 + length > end) break;
    const std::uint8_t* v = &body[at + 4];
    if (type == 0x002B && length == 2) out.version = load_be16(v);  // supported_versions
    if (type == 0x000E && length >= 4 && load_be16(v) >= 2) out.srtp_profile = load_be16(v + 2);
    at += 4 + length;
  }
}

void read_handshake(ByteView fragment, DtlsDatagram& out) {
  // Handshake header (RFC 6347 §4.2.2): type, length(3), message_seq(2), offset(3), length(3).
  for (std::size_t at = 0; at + 12 <= fragment.size();) {
    const std::uint8_t type = fragment[at];
    const std::uint32_t length = load_be24(&fragment[at + 1]);
    const std::uint16_t sequence = load_be16(&fragment[at + 4]);
    const std::uint32_t offset = load_be24(&fragment[at + 6]);
    const std::uint32_t fragment_length = load_be24(&fragment[at + 9]);
    if (at + 12 + fragment_length > fragment.size()) break;
    const ByteView body = fragment.subspan(at + 12, fragment_length);
    const bool whole = offset == 0 && fragment_length == length;
    switch (type) {
      case 1:
        out.client_hello = true;
        if (offset == 0) {
          out.client_hello_start = true;
          out.client_hello_sequence = sequence;
        }
        break;
      case 2:
        out.server_hello = true;
        if (offset == 0) read_server_hello(body, out);
        break;
      case 3:
        out.hello_verify_request = true;
        break;
      case 11:
        out.certificate = true;
        if (whole && body.size() >= 6) {
          const std::size_t first = load_be24(&body[3]);
          if (6 + first <= body.size()) {
            const ByteView der = body.subspan(6, first);
            digest(EVP_sha256(), der, out.certificate_sha256.data());
            digest(EVP_sha1(), der, out.certificate_sha1.data());
            out.has_certificate_digest = true;
          }
        }
        break;
      default:
        break;
    }
    at += 12 + fragment_length;
  }
}

}  // namespace

std::optional<DtlsDatagram> parse_dtls(ByteView b) {
  DtlsDatagram out;
  for (std::size_t at = 0; at < b.size();) {
    const std::uint8_t first = b[at];
    if ((first & 0xE0) == 0x20) {
      // DTLS 1.3 unified header (RFC 9147 §4): 001CSLEE, an optional connection id (not
      // negotiated by WebRTC stacks), an 8- or 16-bit sequence, an optional length.
      std::size_t header = 1 + ((first & 0x08) != 0 ? 2 : 1);
      if ((first & 0x10) != 0) break;  // a connection id of unknown length
      std::size_t length = b.size() - at - std::min(b.size() - at, header);
      if ((first & 0x04) != 0) {
        if (at + header + 2 > b.size()) break;
        length = load_be16(&b[at + header]);
        header += 2;
      }
      if (at + header + length > b.size()) break;
      ++out.records;
      ++out.encrypted_records;
      at += header + length;
      continue;
    }
    if (at + 13 > b.size() || first < 20 || first > 25 || b[at + 1] != 0xFE) break;
    const std::uint16_t epoch = load_be16(&b[at + 3]);
    const std::size_t length = load_be16(&b[at + 11]);
    if (at + 13 + length > b.size()) break;
    const ByteView fragment = b.subspan(at + 13, length);
    ++out.records;
    if (epoch != 0) {
      ++out.encrypted_records;
      if (first == 23) out.application_data = true;
    } else if (first == 20) {
      out.change_cipher_spec = true;
    } else if (first == 21 && length >= 2) {
      out.alert = true;
      out.alert_level = fragment[0];
      out.alert_description = fragment[1];
    } else if (first == 22) {
      read_handshake(fragment, out);
    }
    if (first == 20) out.change_cipher_spec = true;
    at += 13 + length;
  }
  if (out.records == 0) return std::nullopt;
  return out;
}

}  // namespace sipws
