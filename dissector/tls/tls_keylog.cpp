#include "dissector/tls/tls_keylog.h"

#include <sys/stat.h>

#include <fstream>
#include <sstream>

namespace sipws {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool decode_hex(std::string_view hex, std::vector<std::uint8_t>& out) {
  if (hex.empty() || hex.size() % 2 != 0 || hex.size() > 256) return false;
  out.resize(hex.size() / 2);
  for (std::size_t i = 0; i < out.size(); ++i) {
    const int hi = hex_value(hex[2 * i]);
    const int lo = hex_value(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[i] = static_cast<std::uint8_t>(hi * 16 + lo);
  }
  return true;
}

std::string_view next_word(std::string_view& line) {
  while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
  std::size_t end = 0;
  while (end < line.size() && line[end] != ' ' && line[end] != '\t') ++end;
  const std::string_view word = line.substr(0, end);
  line.remove_prefix(end);
  return word;
}

}  // namespace

void TlsKeyLog::add_text(std::string_view text) {
  while (!text.empty()) {
    const std::size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line.front() == '#') continue;
    const std::string_view label = next_word(line);
    const std::string_view random_hex = next_word(line);
    const std::string_view secret_hex = next_word(line);
    std::vector<std::uint8_t> random;
    std::vector<std::uint8_t> secret;
    if (!decode_hex(random_hex, random) || random.size() != 32 || !decode_hex(secret_hex, secret)) {
      ++malformed_;
      continue;
    }
    TlsRandom key{};
    std::copy(random.begin(), random.end(), key.begin());
    TlsSecrets& s = secrets_[key];
    if (label == "CLIENT_RANDOM") {
      s.master_secret = std::move(secret);
    } else if (label == "CLIENT_HANDSHAKE_TRAFFIC_SECRET") {
      s.client_handshake = std::move(secret);
    } else if (label == "SERVER_HANDSHAKE_TRAFFIC_SECRET") {
      s.server_handshake = std::move(secret);
    } else if (label == "CLIENT_TRAFFIC_SECRET_0") {
      s.client_traffic = std::move(secret);
    } else if (label == "SERVER_TRAFFIC_SECRET_0") {
      s.server_traffic = std::move(secret);
    }
    // Other labels (EXPORTER_SECRET, early traffic) are valid and not needed.
  }
}

bool TlsKeyLog::load_file(const std::string& path, std::string& error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = path + ": cannot read the TLS key log";
    return false;
  }
  path_ = path;
  loaded_size_ = 0;
  read_new_lines();
  return true;
}

void TlsKeyLog::read_new_lines() const {
  // Only whole lines: a browser may be writing the last one right now. The rest waits for the
  // next read, which starts where this one stopped.
  std::ifstream in(path_, std::ios::binary);
  if (!in) return;
  in.seekg(static_cast<std::streamoff>(loaded_size_));
  std::ostringstream text;
  text << in.rdbuf();
  const std::string fresh = text.str();
  const std::size_t end = fresh.rfind('\n');
  if (end == std::string::npos) return;
  loaded_size_ += end + 1;
  const_cast<TlsKeyLog*>(this)->add_text(std::string_view(fresh).substr(0, end + 1));
}

void TlsKeyLog::refresh() const {
  if (path_.empty()) return;
  struct stat st {};
  if (stat(path_.c_str(), &st) != 0 || static_cast<std::uint64_t>(st.st_size) <= loaded_size_)
    return;
  read_new_lines();
}

const TlsSecrets* TlsKeyLog::find(const TlsRandom& client_random) const {
  auto it = secrets_.find(client_random);
  if (it == secrets_.end()) {
    refresh();
    it = secrets_.find(client_random);
  }
  return it == secrets_.end() ? nullptr : &it->second;
}

}  // namespace sipws
