#include "dissector/stun/stun.h"

#include <openssl/crypto.h>
#include <openssl/hmac.h>

#include <cstring>
#include <vector>

namespace sipws {

namespace {
constexpr std::uint32_t kMagicCookie = 0x2112A442;
}

std::string_view stun_class_name(StunClass message_class) {
  switch (message_class) {
    case StunClass::request:
      return "request";
    case StunClass::indication:
      return "indication";
    case StunClass::success:
      return "success";
    case StunClass::error:
      return "error";
  }
  return "request";
}

std::optional<StunMessage> parse_stun(ByteView b) {
  if (b.size() < 20 || (b[0] & 0xC0) != 0 || load_be32(&b[4]) != kMagicCookie) return std::nullopt;
  const std::size_t length = load_be16(&b[2]);
  if (length % 4 != 0 || 20 + length > b.size()) return std::nullopt;
  StunMessage m;
  const std::uint16_t type = load_be16(&b[0]);
  // The class is bits C1 (0x100) and C0 (0x010); the method the other 12 bits (§5).
  const int class_bits = ((type >> 7) & 0x2) | ((type >> 4) & 0x1);
  m.message_class = static_cast<StunClass>(class_bits);
  m.method =
      static_cast<std::uint16_t>((type & 0x000F) | ((type & 0x00E0) >> 1) | ((type & 0x3E00) >> 2));
  std::memcpy(m.transaction.data(), &b[8], 12);
  for (std::size_t at = 20; at + 4 <= 20 + length;) {
    const std::uint16_t attribute = load_be16(&b[at]);
    const std::size_t value_length = load_be16(&b[at + 2]);
    if (at + 4 + value_length > 20 + length) break;
    const std::uint8_t* v = &b[at + 4];
    switch (attribute) {
      case 0x0006:  // USERNAME
        m.username = std::string_view(reinterpret_cast<const char*>(v), value_length);
        break;
      case 0x0008:  // MESSAGE-INTEGRITY
        if (value_length == 20 && m.integrity_offset == 0) m.integrity_offset = at;
        break;
      case 0x0009:  // ERROR-CODE
        if (value_length >= 4) m.error_code = static_cast<std::uint16_t>((v[2] & 0x7) * 100 + v[3]);
        break;
      case 0x0020: {  // XOR-MAPPED-ADDRESS
        if (value_length < 8) break;
        Endpoint e;
        e.port = static_cast<std::uint16_t>(load_be16(v + 2) ^ (kMagicCookie >> 16));
        if (v[1] == 1) {
          const std::uint32_t a = load_be32(v + 4) ^ kMagicCookie;
          const std::uint8_t bytes[4] = {
              static_cast<std::uint8_t>(a >> 24), static_cast<std::uint8_t>(a >> 16),
              static_cast<std::uint8_t>(a >> 8), static_cast<std::uint8_t>(a)};
          e.address = IpAddress::v4(bytes);
        } else if (v[1] == 2 && value_length >= 20) {
          std::uint8_t bytes[16];
          for (int i = 0; i < 16; ++i) bytes[i] = v[4 + i] ^ b[4 + i];  // cookie + transaction
          e.address = IpAddress::v6(bytes);
        } else {
          break;
        }
        m.mapped = e;
        break;
      }
      case 0x0024:  // PRIORITY
        if (value_length == 4) m.priority = load_be32(v);
        break;
      case 0x0025:  // USE-CANDIDATE
        m.use_candidate = true;
        break;
      case 0x8029:  // ICE-CONTROLLED
        m.controlled = true;
        break;
      case 0x802A:  // ICE-CONTROLLING
        m.controlling = true;
        break;
      default:
        break;
    }
    at += 4 + (value_length + 3) / 4 * 4;
  }
  return m;
}

std::optional<bool> verify_stun_integrity(ByteView b, const StunMessage& m,
                                          std::string_view password) {
  if (m.integrity_offset == 0 || m.integrity_offset + 24 > b.size()) return std::nullopt;
  // The HMAC covers the message up to the attribute, with the header's length set as if the
  // message ended right after MESSAGE-INTEGRITY (§14.5).
  std::vector<std::uint8_t> input(b.begin(),
                                  b.begin() + static_cast<std::ptrdiff_t>(m.integrity_offset));
  const std::size_t adjusted = m.integrity_offset + 24 - 20;
  input[2] = static_cast<std::uint8_t>(adjusted >> 8);
  input[3] = static_cast<std::uint8_t>(adjusted);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_length = 0;
  if (HMAC(EVP_sha1(), password.data(), static_cast<int>(password.size()), input.data(),
           input.size(), digest, &digest_length) == nullptr ||
      digest_length != 20) {
    return std::nullopt;
  }
  return CRYPTO_memcmp(digest, &b[m.integrity_offset + 4], 20) == 0;
}

}  // namespace sipws
