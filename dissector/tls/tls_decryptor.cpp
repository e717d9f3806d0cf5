#include "dissector/tls/tls_decryptor.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstring>

namespace sipws {
namespace {

// RFC 5246 §6.2.3 / RFC 8446 §5.2: a record's payload is at most 2^14 + 2048 bytes.
constexpr std::size_t kMaxRecordPayload = 16384 + 2048;
// Hellos are small; certificates are not, and are not needed.
constexpr std::size_t kMaxHandshakeMessage = 128 * 1024;

enum class Aead : std::uint8_t { aes128gcm, aes256gcm, chacha20 };

struct Suite {
  std::uint16_t id;
  Aead aead;
  bool sha384;  // the PRF/HKDF hash: SHA-384, else SHA-256
  const char* name;
};

constexpr Suite kSuites[] = {
    {0x1301, Aead::aes128gcm, false, "TLS_AES_128_GCM_SHA256"},
    {0x1302, Aead::aes256gcm, true, "TLS_AES_256_GCM_SHA384"},
    {0x1303, Aead::chacha20, false, "TLS_CHACHA20_POLY1305_SHA256"},
    {0x009C, Aead::aes128gcm, false, "TLS_RSA_WITH_AES_128_GCM_SHA256"},
    {0x009D, Aead::aes256gcm, true, "TLS_RSA_WITH_AES_256_GCM_SHA384"},
    {0x009E, Aead::aes128gcm, false, "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256"},
    {0x009F, Aead::aes256gcm, true, "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384"},
    {0xC02B, Aead::aes128gcm, false, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"},
    {0xC02C, Aead::aes256gcm, true, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"},
    {0xC02F, Aead::aes128gcm, false, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"},
    {0xC030, Aead::aes256gcm, true, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"},
    {0xCCA8, Aead::chacha20, false, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"},
    {0xCCA9, Aead::chacha20, false, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"},
    {0xCCAA, Aead::chacha20, false, "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256"},
};

const Suite* find_suite(std::uint16_t id) {
  for (const Suite& s : kSuites) {
    if (s.id == id) return &s;
  }
  return nullptr;
}

std::size_t key_length(Aead a) {
  return a == Aead::aes128gcm ? 16 : 32;
}

const EVP_CIPHER* evp_cipher(Aead a) {
  switch (a) {
    case Aead::aes128gcm:
      return EVP_aes_128_gcm();
    case Aead::aes256gcm:
      return EVP_aes_256_gcm();
    case Aead::chacha20:
      return EVP_chacha20_poly1305();
  }
  return nullptr;
}

std::uint16_t be16(const std::uint8_t* p) {
  return static_cast<std::uint16_t>(p[0] << 8 | p[1]);
}

// RFC 5246 §5: PRF(secret, label, seed), through OpenSSL's TLS1-PRF.
bool tls12_prf(bool sha384, ByteView secret, std::string_view label, ByteView seed,
               std::uint8_t* out, std::size_t n) {
  EVP_KDF* kdf = EVP_KDF_fetch(nullptr, "TLS1-PRF", nullptr);
  if (kdf == nullptr) return false;
  EVP_KDF_CTX* ctx = EVP_KDF_CTX_new(kdf);
  EVP_KDF_free(kdf);
  if (ctx == nullptr) return false;
  std::vector<std::uint8_t> full_seed(label.begin(), label.end());
  full_seed.insert(full_seed.end(), seed.begin(), seed.end());
  char digest[8];
  std::snprintf(digest, sizeof digest, "%s", sha384 ? "SHA384" : "SHA256");
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SECRET,
                                        const_cast<std::uint8_t*>(secret.data()), secret.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, full_seed.data(), full_seed.size()),
      OSSL_PARAM_construct_end()};
  const bool ok = EVP_KDF_derive(ctx, out, n, params) > 0;
  EVP_KDF_CTX_free(ctx);
  return ok;
}

// RFC 8446 §7.1: HKDF-Expand-Label(secret, label, "", n), through OpenSSL's HKDF.
bool hkdf_expand_label(bool sha384, ByteView secret, std::string_view label, std::uint8_t* out,
                       std::size_t n) {
  std::vector<std::uint8_t> info{static_cast<std::uint8_t>(n >> 8), static_cast<std::uint8_t>(n),
                                 static_cast<std::uint8_t>(6 + label.size())};
  for (const char c : std::string_view("tls13 ")) info.push_back(static_cast<std::uint8_t>(c));
  for (const char c : label) info.push_back(static_cast<std::uint8_t>(c));
  info.push_back(0);  // empty context
  EVP_KDF* kdf = EVP_KDF_fetch(nullptr, "HKDF", nullptr);
  if (kdf == nullptr) return false;
  EVP_KDF_CTX* ctx = EVP_KDF_CTX_new(kdf);
  EVP_KDF_free(kdf);
  if (ctx == nullptr) return false;
  int mode = EVP_KDF_HKDF_MODE_EXPAND_ONLY;
  char digest[8];
  std::snprintf(digest, sizeof digest, "%s", sha384 ? "SHA384" : "SHA256");
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode),
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY,
                                        const_cast<std::uint8_t*>(secret.data()), secret.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info.data(), info.size()),
      OSSL_PARAM_construct_end()};
  const bool ok = EVP_KDF_derive(ctx, out, n, params) > 0;
  EVP_KDF_CTX_free(ctx);
  return ok;
}

// SHA-256("HelloRetryRequest"): the random of a ServerHello that is really a retry request.
constexpr std::uint8_t kHelloRetryRandom[32] = {
    0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
    0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C};

// Bounds-checked reading of a handshake body.
class Reader {
 public:
  explicit Reader(ByteView bytes) : bytes_(bytes) {}
  bool skip(std::size_t n) {
    if (bytes_.size() - at_ < n) return fail();
    at_ += n;
    return true;
  }
  bool u8(std::uint8_t& v) {
    if (bytes_.size() - at_ < 1) return fail();
    v = bytes_[at_++];
    return true;
  }
  bool u16(std::uint16_t& v) {
    if (bytes_.size() - at_ < 2) return fail();
    v = be16(bytes_.data() + at_);
    at_ += 2;
    return true;
  }
  bool bytes(std::size_t n, ByteView& out) {
    if (bytes_.size() - at_ < n) return fail();
    out = bytes_.subspan(at_, n);
    at_ += n;
    return true;
  }
  bool vector8() {
    std::uint8_t n = 0;
    return u8(n) && skip(n);
  }
  bool vector16() {
    std::uint16_t n = 0;
    return u16(n) && skip(n);
  }
  bool done() const { return at_ >= bytes_.size(); }

 private:
  bool fail() {
    at_ = bytes_.size();
    return false;
  }
  ByteView bytes_;
  std::size_t at_ = 0;
};

// Calls fn(type, data) for each extension of a hello whose extensions block `r` is at; stops
// at the first that runs past the block.
template <class Fn>
void for_each_extension(Reader& r, Fn&& fn) {
  std::uint16_t total = 0;
  ByteView extensions;
  if (!r.u16(total) || !r.bytes(total, extensions)) return;
  Reader e(extensions);
  while (!e.done()) {
    std::uint16_t type = 0;
    std::uint16_t length = 0;
    ByteView data;
    if (!e.u16(type) || !e.u16(length) || !e.bytes(length, data)) return;
    fn(type, data);
  }
}

}  // namespace

// The key log secret install_keys needs for a direction and phase 1 or 2 (TLS 1.2: the master
// secret). A key update derives its secret from the current one instead.
const std::vector<std::uint8_t>& TlsDecryptor::needed_secret(const TlsSecrets& s, Direction d,
                                                             int phase) const {
  const bool to_server = d == Direction::to_server;
  if (info_.version != 0x0304) return s.master_secret;
  if (phase == 1) return to_server ? s.client_handshake : s.server_handshake;
  return to_server ? s.client_traffic : s.server_traffic;
}

std::string tls_cipher_name(std::uint16_t suite) {
  if (const Suite* s = find_suite(suite)) return s->name;
  char text[8];
  std::snprintf(text, sizeof text, "0x%04X", suite);
  return text;
}

std::string tls_version_name(std::uint16_t version) {
  switch (version) {
    case 0x0301:
      return "TLS 1.0";
    case 0x0302:
      return "TLS 1.1";
    case 0x0303:
      return "TLS 1.2";
    case 0x0304:
      return "TLS 1.3";
    default: {
      char text[16];
      std::snprintf(text, sizeof text, "0x%04X", version);
      return text;
    }
  }
}

struct TlsDecryptor::Side {
  ~Side() { EVP_CIPHER_CTX_free(ctx); }
  std::vector<std::uint8_t> buffer;     // stream bytes of a record not complete yet
  std::vector<std::uint8_t> handshake;  // a handshake message not complete yet
  std::size_t handshake_skip = 0;       // bytes left of a message too large to keep
  bool hellos_done = false;             // plaintext handshake no longer followed
  bool encrypted = false;               // records are protected from here on
  bool stopped = false;                 // nothing more can be decrypted in this direction
  int phase = 0;                        // TLS 1.3: 1 handshake keys, 2 traffic keys
  int switch_to = 0;                    // keys to install after this record (3: key update)
  const Suite* suite = nullptr;
  std::vector<std::uint8_t> secret;  // TLS 1.3: the current traffic secret
  std::array<std::uint8_t, 12> iv{};
  std::size_t iv_length = 12;  // 4 for TLS 1.2 AES-GCM (the rest is explicit in each record)
  std::uint64_t seq = 0;
  EVP_CIPHER_CTX* ctx = nullptr;
};

TlsDecryptor::TlsDecryptor(const TlsKeyLog& keys, Output& output, FindingSink& findings,
                           std::uint64_t connection)
    : keys_(keys), output_(output), findings_(findings), connection_(connection) {
  sides_[0] = std::make_unique<Side>();
  sides_[1] = std::make_unique<Side>();
}

TlsDecryptor::~TlsDecryptor() = default;

std::string TlsDecryptor::describe() const {
  std::string text = info_.server_hello_seen ? tls_version_name(info_.version) + ", " +
                                                   tls_cipher_name(info_.cipher_suite)
                                             : std::string("TLS");
  if (!info_.sni.empty()) text += ", SNI " + info_.sni;
  return text;
}

bool TlsDecryptor::may_carry_sip() const {
  std::string name = info_.sni;
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const char* hint : {"sip", "wss", "ws.", "ws-", "voip", "pbx", "webrtc", "kamailio",
                           "asterisk", "freeswitch", "opensips", "phone"}) {
    if (name.find(hint) != std::string::npos) return true;
  }
  for (const std::string& protocol : info_.alpn) {
    if (protocol.find("sip") != std::string::npos) return true;
  }
  // The ports of TLS services that are not SIP: HTTPS (443: every web page, so the SNI above
  // must speak for it), mail, news, LDAP, DNS, FTP, push, MQTT. Any other port, 5061 and the
  // WSS ports of Kamailio, Asterisk and FreeSWITCH set-ups among them, may carry SIP.
  constexpr std::uint16_t kNotSip[] = {443, 465, 563, 587, 636,  853,
                                       989, 990, 993, 995, 5223, 8883};
  for (const std::uint16_t p : kNotSip) {
    if (server_port_ == p) return false;
  }
  return true;
}

void TlsDecryptor::fail(Direction d, FindingId id, std::uint64_t frame, const std::string& why) {
  sides_[static_cast<std::size_t>(d)]->stopped = true;
  if (reported_) return;  // one finding a connection says it
  reported_ = true;
  if (id == FindingId::tls_not_decrypted) {
    if (keys_.empty() && keys_.first_time_without_keys()) {
      findings_.report(FindingId::tls_no_key_log, frame, connection_, d,
                       "give the key log the TLS library wrote (SSLKEYLOGFILE) with --keylog");
    }
    if (!may_carry_sip()) id = FindingId::tls_not_decrypted_other;
  }
  findings_.report(id, frame, connection_, d, describe() + ": " + why);
}

void TlsDecryptor::on_data(Direction d, ByteView bytes, std::uint64_t frame, TimeNs timestamp) {
  Side& s = *sides_[static_cast<std::size_t>(d)];
  if (s.stopped) return;
  s.buffer.insert(s.buffer.end(), bytes.begin(), bytes.end());
  std::size_t at = 0;
  while (!s.stopped && s.buffer.size() - at >= 5) {
    const std::uint8_t* h = s.buffer.data() + at;
    const std::uint8_t type = h[0];
    const std::size_t length = be16(h + 3);
    if (type < 20 || type > 24 || h[1] != 3 || length > kMaxRecordPayload) {
      fail(d, FindingId::tls_record_malformed, frame,
           "a record header that is not TLS (type " + std::to_string(type) + ", length " +
               std::to_string(length) + ")");
      break;
    }
    if (s.buffer.size() - at < 5 + length) break;
    record(d, type, ByteView(h, 5), ByteView(h + 5, length), frame, timestamp);
    at += 5 + length;
  }
  if (s.stopped) {
    s.buffer.clear();
    s.buffer.shrink_to_fit();
  } else {
    s.buffer.erase(s.buffer.begin(), s.buffer.begin() + static_cast<std::ptrdiff_t>(at));
  }
}

void TlsDecryptor::on_gap(Direction d, std::uint64_t frame) {
  Side& s = *sides_[static_cast<std::size_t>(d)];
  if (s.stopped) return;
  const bool mattered = s.encrypted || info_.client_hello_seen;
  s.stopped = true;
  if (mattered) {
    findings_.report(FindingId::tls_gap, frame, connection_, d,
                     describe() + ": bytes lost; decryption of this direction stopped");
  }
}

void TlsDecryptor::on_end(std::uint64_t) {}

void TlsDecryptor::record(Direction d, std::uint8_t type, ByteView header, ByteView payload,
                          std::uint64_t frame, TimeNs timestamp) {
  Side& s = *sides_[static_cast<std::size_t>(d)];
  const bool tls13 = info_.version == 0x0304;
  if (!s.encrypted) {
    if (type == 22) {
      handshake_bytes(d, payload, false, frame);
      return;
    }
    if (type == 20) {  // ChangeCipherSpec: TLS 1.2 protects what follows; TLS 1.3 ignores it
      if (!tls13 && info_.server_hello_seen) {
        s.encrypted = true;
        if (!install_keys(d, 2, frame)) s.stopped = true;
      }
      return;
    }
    if (type != 23) return;  // alerts, heartbeats
    if (!(tls13 && info_.server_hello_seen)) {
      fail(d, FindingId::tls_not_decrypted, frame,
           info_.client_hello_seen ? "application data before the handshake ended"
                                   : "the TLS handshake is not in the capture");
      return;
    }
    s.encrypted = true;
    if (!install_keys(d, 1, frame)) return;
  }
  if (type == 20 || type == 21) {  // TLS 1.3 compatibility CCS; TLS 1.2 encrypted alerts
    if (!tls13 && type == 21) ++s.seq;
    return;
  }
  std::vector<std::uint8_t> plain;
  if (!open(s, type, header, payload, plain)) {
    // TLS 1.3: a Finished we could not read may already have switched the peer to its traffic
    // keys; try those before giving up.
    if (tls13 && s.phase == 1 && install_keys(d, 2, frame) &&
        open(s, type, header, payload, plain)) {
      // continue with the traffic keys
    } else {
      fail(d, FindingId::tls_decrypt_failed, frame,
           "record " + std::to_string(s.seq) +
               " does not authenticate with the key log's secrets (other keys, or damaged data)");
      return;
    }
  }
  ++s.seq;
  ++info_.records_decrypted;
  if (!info_.decrypting[static_cast<std::size_t>(d)]) {
    info_.decrypting[static_cast<std::size_t>(d)] = true;
    if (!info_.decrypting[1 - static_cast<std::size_t>(d)]) {
      findings_.report(FindingId::tls_decrypted, frame, connection_, d,
                       describe() + ": decrypted with the key log");
    }
  }
  std::uint8_t inner = type;
  if (tls13) {
    while (!plain.empty() && plain.back() == 0) plain.pop_back();  // padding
    if (plain.empty()) {
      fail(d, FindingId::tls_record_malformed, frame, "a record with no content type");
      return;
    }
    inner = plain.back();
    plain.pop_back();
  }
  if (inner == 23) {
    if (!plain.empty()) output_.on_plaintext(d, plain, frame, timestamp);
  } else if (inner == 22) {
    handshake_bytes(d, plain, true, frame);
  }
  if (s.switch_to != 0) {
    const int next = s.switch_to;
    s.switch_to = 0;
    if (!install_keys(d, next, frame)) s.stopped = true;
  }
}

void TlsDecryptor::handshake_bytes(Direction d, ByteView bytes, bool encrypted,
                                   std::uint64_t frame) {
  Side& s = *sides_[static_cast<std::size_t>(d)];
  if (!encrypted && s.hellos_done) return;
  if (encrypted && info_.version != 0x0304) return;  // TLS 1.2 Finished: nothing to learn
  if (s.handshake_skip > 0) {  // the rest of a message too large to keep (a certificate chain)
    const std::size_t n = std::min(s.handshake_skip, bytes.size());
    s.handshake_skip -= n;
    bytes = bytes.subspan(n);
  }
  s.handshake.insert(s.handshake.end(), bytes.begin(), bytes.end());
  std::size_t at = 0;
  while (s.handshake.size() - at >= 4) {
    const std::uint8_t* h = s.handshake.data() + at;
    const std::size_t length = static_cast<std::size_t>(h[1]) << 16 | be16(h + 2);
    if (length > kMaxHandshakeMessage) {
      // Too large to be a hello (a long certificate chain, or a lie): skip its bytes, so the
      // messages after it are still found. Before the hellos it can only be a lie.
      if (!encrypted) s.hellos_done = true;
      const std::size_t held = s.handshake.size() - at - 4;
      s.handshake_skip = length - held;
      s.handshake.clear();
      return;
    }
    if (s.handshake.size() - at < 4 + length) break;
    const ByteView body(h + 4, length);
    if (!encrypted) {
      if (h[0] == 1 && d == Direction::to_server) client_hello(body);
      if (h[0] == 2 && d == Direction::to_client) server_hello(body);
      if (h[0] == 2 && info_.server_hello_seen) s.hellos_done = true;
    } else if (h[0] == 20 && s.phase == 1) {
      s.switch_to = 2;  // Finished: traffic keys from the next record
    } else if (h[0] == 24 && s.phase >= 2) {
      s.switch_to = 3;  // KeyUpdate
    }
    at += 4 + length;
  }
  (void)frame;
  if (s.hellos_done && !encrypted) {
    s.handshake.clear();
    s.handshake.shrink_to_fit();
  } else {
    s.handshake.erase(s.handshake.begin(), s.handshake.begin() + static_cast<std::ptrdiff_t>(at));
  }
  if (d == Direction::to_server && info_.client_hello_seen && !encrypted) s.hellos_done = true;
}

void TlsDecryptor::client_hello(ByteView body) {
  Reader r(body);
  ByteView random;
  if (!r.skip(2) || !r.bytes(32, random)) return;
  std::copy(random.begin(), random.end(), client_random_.begin());
  info_.client_hello_seen = true;
  if (!r.vector8() || !r.vector16() || !r.vector8()) return;
  for_each_extension(r, [this](std::uint16_t type, ByteView data) {
    if (type == 16) {  // application_layer_protocol_negotiation: a list of 8-bit strings
      Reader a(data);
      std::uint16_t list = 0;
      std::uint8_t length = 0;
      ByteView name;
      if (!a.u16(list)) return;
      while (info_.alpn.size() < 16 && a.u8(length) && a.bytes(length, name)) {
        info_.alpn.emplace_back(name.begin(), name.end());
      }
      return;
    }
    if (type != 0) return;  // server_name
    Reader n(data);
    std::uint16_t list = 0;
    std::uint8_t name_type = 0;
    std::uint16_t name_length = 0;
    ByteView name;
    if (n.u16(list) && n.u8(name_type) && n.u16(name_length) && n.bytes(name_length, name) &&
        name_type == 0) {
      info_.sni.assign(name.begin(), name.end());
    }
  });
}

void TlsDecryptor::server_hello(ByteView body) {
  Reader r(body);
  std::uint16_t version = 0;
  ByteView random;
  if (!r.u16(version) || !r.bytes(32, random)) return;
  if (std::equal(random.begin(), random.end(), std::begin(kHelloRetryRandom))) return;
  std::copy(random.begin(), random.end(), server_random_.begin());
  std::uint16_t suite = 0;
  if (!r.vector8() || !r.u16(suite) || !r.skip(1)) return;
  info_.version = version;
  info_.cipher_suite = suite;
  info_.server_hello_seen = true;
  for_each_extension(r, [this](std::uint16_t type, ByteView data) {
    if (type == 43 && data.size() == 2) info_.version = be16(data.data());  // supported_versions
  });
}

bool TlsDecryptor::install_keys(Direction d, int phase, std::uint64_t frame) {
  Side& s = *sides_[static_cast<std::size_t>(d)];
  const Suite* suite = find_suite(info_.cipher_suite);
  if (suite == nullptr) {
    fail(d, FindingId::tls_not_decrypted, frame,
         "cipher suite " + tls_cipher_name(info_.cipher_suite) +
             " is not supported (AES-GCM and ChaCha20-Poly1305 are)");
    return false;
  }
  if (!info_.client_hello_seen) {
    fail(d, FindingId::tls_not_decrypted, frame, "the ClientHello is not in the capture");
    return false;
  }
  const TlsSecrets* secrets = keys_.find(client_random_);
  if (secrets != nullptr && phase != 3 && needed_secret(*secrets, d, phase).empty()) {
    keys_.refresh();  // written after the handshake's: perhaps there by now
    secrets = keys_.find(client_random_);
  }
  if (secrets == nullptr) {
    fail(d, FindingId::tls_not_decrypted, frame,
         keys_.empty() ? std::string("no TLS key log was given (--keylog)")
                       : "the key log has no secrets for this connection's client random");
    return false;
  }
  const bool to_server = d == Direction::to_server;
  const std::size_t key_len = key_length(suite->aead);
  std::uint8_t key[32];
  if (info_.version != 0x0304) {
    if (secrets->master_secret.empty()) {
      fail(d, FindingId::tls_not_decrypted, frame, "the key log has no CLIENT_RANDOM line for it");
      return false;
    }
    // RFC 5246 §6.3: client key, server key, client IV, server IV (AEAD suites use no MAC key).
    const std::size_t iv_len = suite->aead == Aead::chacha20 ? 12 : 4;
    std::uint8_t block[2 * (32 + 12)];
    std::uint8_t seed[64];
    std::copy(server_random_.begin(), server_random_.end(), seed);
    std::copy(client_random_.begin(), client_random_.end(), seed + 32);
    if (!tls12_prf(suite->sha384, secrets->master_secret, "key expansion", ByteView(seed, 64),
                   block, 2 * (key_len + iv_len))) {
      fail(d, FindingId::tls_not_decrypted, frame, "key derivation failed");
      return false;
    }
    std::memcpy(key, block + (to_server ? 0 : key_len), key_len);
    std::memcpy(s.iv.data(), block + 2 * key_len + (to_server ? 0 : iv_len), iv_len);
    s.iv_length = iv_len;
  } else {
    const char* label = nullptr;
    if (phase == 1) {
      s.secret = to_server ? secrets->client_handshake : secrets->server_handshake;
      label = to_server ? "CLIENT_HANDSHAKE_TRAFFIC_SECRET" : "SERVER_HANDSHAKE_TRAFFIC_SECRET";
    } else if (phase == 2) {
      s.secret = to_server ? secrets->client_traffic : secrets->server_traffic;
      label = to_server ? "CLIENT_TRAFFIC_SECRET_0" : "SERVER_TRAFFIC_SECRET_0";
    } else {  // KeyUpdate: the next generation of the traffic secret
      std::vector<std::uint8_t> next(s.secret.size());
      if (!hkdf_expand_label(suite->sha384, s.secret, "traffic upd", next.data(), next.size())) {
        fail(d, FindingId::tls_not_decrypted, frame, "key derivation failed");
        return false;
      }
      s.secret = std::move(next);
      phase = 2;
    }
    if (s.secret.empty()) {
      fail(d, FindingId::tls_not_decrypted, frame,
           std::string("the key log has no ") + label + " for this connection");
      return false;
    }
    if (!hkdf_expand_label(suite->sha384, s.secret, "key", key, key_len) ||
        !hkdf_expand_label(suite->sha384, s.secret, "iv", s.iv.data(), 12)) {
      fail(d, FindingId::tls_not_decrypted, frame, "key derivation failed");
      return false;
    }
    s.iv_length = 12;
  }
  if (s.ctx == nullptr) s.ctx = EVP_CIPHER_CTX_new();
  const bool ok =
      s.ctx != nullptr &&
      EVP_DecryptInit_ex(s.ctx, evp_cipher(suite->aead), nullptr, nullptr, nullptr) == 1 &&
      EVP_CIPHER_CTX_ctrl(s.ctx, EVP_CTRL_AEAD_SET_IVLEN, 12, nullptr) == 1 &&
      EVP_DecryptInit_ex(s.ctx, nullptr, nullptr, key, nullptr) == 1;
  OPENSSL_cleanse(key, sizeof key);
  if (!ok) {
    fail(d, FindingId::tls_not_decrypted, frame, "the cipher could not be set up");
    return false;
  }
  s.suite = suite;
  s.phase = phase;
  s.seq = 0;
  return true;
}

bool TlsDecryptor::open(Side& s, std::uint8_t type, ByteView header, ByteView payload,
                        std::vector<std::uint8_t>& plain) {
  if (s.suite == nullptr) return false;
  constexpr std::size_t kTag = 16;
  const bool tls13 = info_.version == 0x0304;
  std::array<std::uint8_t, 12> nonce{};
  ByteView sealed = payload;
  if (s.iv_length == 4) {  // TLS 1.2 AES-GCM: 4 bytes implicit, 8 explicit in the record
    if (payload.size() < 8 + kTag) return false;
    std::memcpy(nonce.data(), s.iv.data(), 4);
    std::memcpy(nonce.data() + 4, payload.data(), 8);
    sealed = payload.subspan(8);
  } else {  // the IV XOR the sequence number
    nonce = s.iv;
    for (int i = 0; i < 8; ++i)
      nonce[11 - static_cast<std::size_t>(i)] ^= static_cast<std::uint8_t>(s.seq >> (8 * i));
  }
  if (sealed.size() < kTag) return false;
  const std::size_t length = sealed.size() - kTag;
  std::uint8_t aad[13];
  std::size_t aad_len = 0;
  if (tls13) {
    std::memcpy(aad, header.data(), 5);
    aad_len = 5;
  } else {
    for (int i = 0; i < 8; ++i) aad[i] = static_cast<std::uint8_t>(s.seq >> (56 - 8 * i));
    aad[8] = type;
    aad[9] = header[1];
    aad[10] = header[2];
    aad[11] = static_cast<std::uint8_t>(length >> 8);
    aad[12] = static_cast<std::uint8_t>(length);
    aad_len = 13;
  }
  plain.resize(length);
  int out = 0;
  int tail = 0;
  return EVP_DecryptInit_ex(s.ctx, nullptr, nullptr, nullptr, nonce.data()) == 1 &&
         EVP_DecryptUpdate(s.ctx, nullptr, &out, aad, static_cast<int>(aad_len)) == 1 &&
         EVP_DecryptUpdate(s.ctx, plain.data(), &out, sealed.data(), static_cast<int>(length)) ==
             1 &&
         EVP_CIPHER_CTX_ctrl(s.ctx, EVP_CTRL_AEAD_SET_TAG, kTag,
                             const_cast<std::uint8_t*>(sealed.data() + length)) == 1 &&
         EVP_DecryptFinal_ex(s.ctx, plain.data() + out, &tail) == 1;
}

}  // namespace sipws
