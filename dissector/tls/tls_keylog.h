#pragma once
// TLS secrets in the NSS key log format (SSLKEYLOGFILE), as Chromium, Firefox, Node
// (--tls-keylog), curl and OpenSSL's keylog callback write them, and as pcapng Decryption
// Secrets Blocks carry them: "LABEL <client random, hex> <secret, hex>" per line. TLS 1.2 needs
// CLIENT_RANDOM (the master secret); TLS 1.3 the handshake and first traffic secrets.

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sipws {

using TlsRandom = std::array<std::uint8_t, 32>;

struct TlsSecrets {
  std::vector<std::uint8_t> master_secret;     // TLS 1.2: CLIENT_RANDOM
  std::vector<std::uint8_t> client_handshake;  // TLS 1.3: CLIENT_HANDSHAKE_TRAFFIC_SECRET
  std::vector<std::uint8_t> server_handshake;  // SERVER_HANDSHAKE_TRAFFIC_SECRET
  std::vector<std::uint8_t> client_traffic;    // CLIENT_TRAFFIC_SECRET_0
  std::vector<std::uint8_t> server_traffic;    // SERVER_TRAFFIC_SECRET_0
};

class TlsKeyLog {
 public:
  // Takes the secrets of a key log text; lines it does not understand are counted, not fatal.
  void add_text(std::string_view text);
  // Reads a key log file, and remembers it: a lookup that misses reads it again when it has
  // grown (a browser writes its secrets as it goes, while a live capture runs).
  bool load_file(const std::string& path, std::string& error);

  const TlsSecrets* find(const TlsRandom& client_random) const;
  // Reads lines added to the key log file since it was last read (a browser writes a
  // connection's traffic secrets after its handshake secrets).
  void refresh() const;
  std::size_t size() const { return secrets_.size(); }
  std::size_t malformed_lines() const { return malformed_; }
  bool empty() const { return secrets_.empty() && path_.empty(); }
  // True the first time only: the capture says once that it has no key log, before the
  // connections that could not be decrypted because of it.
  bool first_time_without_keys() const { return !std::exchange(said_no_keys_, true); }

 private:
  void read_new_lines() const;

  mutable std::map<TlsRandom, TlsSecrets> secrets_;
  mutable std::size_t malformed_ = 0;
  mutable bool said_no_keys_ = false;
  std::string path_;
  mutable std::uint64_t loaded_size_ = 0;
};

}  // namespace sipws
