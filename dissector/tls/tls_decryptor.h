#pragma once
// TLS on one TCP connection, decrypted with a key log: the record layer reassembled across
// segments, the hellos parsed (client random, SNI, version, cipher suite), keys derived with
// libcrypto (TLS 1.2 PRF, TLS 1.3 HKDF-Expand-Label) and records opened (AES-128-GCM,
// AES-256-GCM, ChaCha20-Poly1305). Application data goes on, in order, to an Output: the same
// HTTP-upgrade/WebSocket/SIP analysis that plain connections get. Without the right keys the
// connection is described in a finding that says why, and nothing else comes out.

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "capture/bytes.h"
#include "capture/finding.h"
#include "capture/raw_packet.h"
#include "dissector/tls/tls_keylog.h"

namespace sipws {

// A readable name for a cipher suite ("TLS_AES_128_GCM_SHA256"), or "0xC0FF".
std::string tls_cipher_name(std::uint16_t suite);
std::string tls_version_name(std::uint16_t version);

struct TlsSessionInfo {
  std::uint16_t version = 0;  // 0x0303 TLS 1.2, 0x0304 TLS 1.3 (from supported_versions)
  std::uint16_t cipher_suite = 0;
  std::string sni;
  std::vector<std::string> alpn;  // the ClientHello's protocols, e.g. "http/1.1", "h2"
  bool client_hello_seen = false;
  bool server_hello_seen = false;
  std::array<bool, 2> decrypting{};  // per direction: records are being opened
  std::uint64_t records_decrypted = 0;
};

class TlsDecryptor {
 public:
  class Output {
   public:
    virtual ~Output() = default;
    virtual void on_plaintext(Direction direction, ByteView bytes, std::uint64_t frame,
                              TimeNs timestamp) = 0;
  };

  TlsDecryptor(const TlsKeyLog& keys, Output& output, FindingSink& findings,
               std::uint64_t connection);
  ~TlsDecryptor();
  TlsDecryptor(const TlsDecryptor&) = delete;
  TlsDecryptor& operator=(const TlsDecryptor&) = delete;

  void on_data(Direction direction, ByteView bytes, std::uint64_t frame, TimeNs timestamp);
  // Bytes lost: record boundaries and sequence numbers are gone, so this direction stops.
  void on_gap(Direction direction, std::uint64_t frame);
  // The connection ended. Nothing to say yet: a connection that could not be decrypted has said
  // so at its first protected record; one that never got that far carried no data.
  void on_end(std::uint64_t frame);

  const TlsSessionInfo& info() const { return info_; }
  // The server's port: with SNI and ALPN, what says whether the connection may carry SIP or
  // WebSocket (0: unknown, taken as a yes).
  void set_server_port(std::uint16_t port) { server_port_ = port; }
  bool may_carry_sip() const;

 private:
  struct Keys;
  struct Side;
  void record(Direction d, std::uint8_t type, ByteView header, ByteView payload,
              std::uint64_t frame, TimeNs timestamp);
  void handshake_bytes(Direction d, ByteView bytes, bool encrypted, std::uint64_t frame);
  void client_hello(ByteView body);
  void server_hello(ByteView body);
  bool install_keys(Direction d, int phase, std::uint64_t frame);
  bool open(Side& side, std::uint8_t type, ByteView header, ByteView payload,
            std::vector<std::uint8_t>& plain);
  void fail(Direction d, FindingId id, std::uint64_t frame, const std::string& why);
  std::string describe() const;
  const std::vector<std::uint8_t>& needed_secret(const TlsSecrets& s, Direction d, int phase) const;

  const TlsKeyLog& keys_;
  Output& output_;
  FindingSink& findings_;
  std::uint64_t connection_;
  TlsSessionInfo info_;
  TlsRandom client_random_{};
  TlsRandom server_random_{};
  std::unique_ptr<Side> sides_[2];
  bool reported_ = false;
  std::uint16_t server_port_ = 0;
};

}  // namespace sipws
