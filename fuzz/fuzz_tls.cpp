// libFuzzer target: the TLS decryptor (record layer, hellos, key schedule, AEAD) and the key log
// parser. Input: a 2-byte length L, L bytes of key log text, then chunks of one connection's
// stream, each a byte (top bit: direction, low 7 bits: length) and that many bytes. Seeds are the
// real wss captures of samples/ with their own key logs, so decryption paths are reached.
#include "dissector/tls/tls_decryptor.h"
#include "fuzz/fuzz_support.h"

namespace {
struct Sink final : sipws::TlsDecryptor::Output {
  void on_plaintext(sipws::Direction, sipws::ByteView bytes, std::uint64_t,
                    sipws::TimeNs) override {
    total += bytes.size();
  }
  std::size_t total = 0;
};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace sipws;
  if (size < 2) return 0;
  const std::size_t key_length = std::min<std::size_t>(size - 2, data[0] << 8 | data[1]);
  TlsKeyLog keys;
  keys.add_text(std::string_view(reinterpret_cast<const char*>(data + 2), key_length));
  FindingCollector findings;
  Sink sink;
  TlsDecryptor tls(keys, sink, findings, 0);
  std::size_t at = 2 + key_length;
  std::uint64_t frame = 0;
  while (at < size) {
    const auto direction = (data[at] & 0x80) != 0 ? Direction::to_client : Direction::to_server;
    const std::size_t n = std::min<std::size_t>(data[at] & 0x7f, size - at - 1);
    ++at;
    if (n == 0) {
      tls.on_gap(direction, ++frame);
      continue;
    }
    tls.on_data(direction, ByteView(data + at, n), ++frame, 0);
    at += n;
  }
  tls.on_end(frame);
  return 0;
}
