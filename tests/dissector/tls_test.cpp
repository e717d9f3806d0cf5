// TLS decryption (dissector/tls_decryptor): the real wss captures of samples/ (made by
// samples/make_wss_samples.sh, with their key logs) fed to the decryptor in every chunking,
// damaged records, and key logs that do not fit. The comparison with tshark is
// tests/integration/messages_vs_tshark.py and wss_decryption.py.

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "dissector/tls/tls_decryptor.h"
#include "tests/support/test_support.h"

namespace sipws {
namespace {

using namespace sipws::test;

struct Segment {
  Direction direction;
  std::uint64_t frame;
  Bytes bytes;
};

// The TCP payload of a capture's one connection, segment by segment in capture order.
std::vector<Segment> segments_of(const std::string& path) {
  auto analysis = analyse_file(path);
  EXPECT_EQ(analysis->flows.sinks.size(), 1u) << path;
  std::vector<Segment> out;
  if (analysis->flows.sinks.empty()) return out;
  const RecordingSink& sink = *analysis->flows.sinks.begin()->second;
  for (std::size_t d = 0; d < 2; ++d) {
    for (const auto& e : sink.events[d]) {
      const auto at = static_cast<std::ptrdiff_t>(e.offset);
      out.push_back({static_cast<Direction>(d), e.frame,
                     Bytes(sink.bytes[d].begin() + at,
                           sink.bytes[d].begin() + at + static_cast<std::ptrdiff_t>(e.length))});
    }
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const Segment& a, const Segment& b) { return a.frame < b.frame; });
  return out;
}

struct Plaintext final : TlsDecryptor::Output {
  void on_plaintext(Direction d, ByteView bytes, std::uint64_t, TimeNs) override {
    text[static_cast<std::size_t>(d)].append(reinterpret_cast<const char*>(bytes.data()),
                                             bytes.size());
  }
  std::string text[2];
};

TlsKeyLog key_log_for(const std::string& name) {
  TlsKeyLog keys;
  std::string error;
  EXPECT_TRUE(keys.load_file(samples_dir() + "/" + name + ".keys", error)) << error;
  return keys;
}

// Feeds the segments, each cut into pieces of `piece` bytes (0: whole).
void feed(TlsDecryptor& tls, const std::vector<Segment>& segments, std::size_t piece) {
  for (const Segment& s : segments) {
    const std::size_t step = piece == 0 ? std::max<std::size_t>(s.bytes.size(), 1) : piece;
    for (std::size_t at = 0; at < s.bytes.size(); at += step) {
      const std::size_t n = std::min(step, s.bytes.size() - at);
      tls.on_data(s.direction, ByteView(s.bytes.data() + at, n), s.frame, 0);
    }
  }
}

const char* const kCases[] = {"wss-tls12-ecdhe-aes128gcm", "wss-tls12-ecdhe-aes256gcm",
                              "wss-tls12-ecdhe-chacha20",  "wss-tls12-rsa-aes128gcm",
                              "wss-tls13-aes128gcm",       "wss-tls13-aes256gcm",
                              "wss-tls13-chacha20",        "wss-tls13-deflate"};

TEST(TlsDecryptor, EveryCipherDecryptsTheSameInAnyChunking) {
  for (const char* name : kCases) {
    SCOPED_TRACE(name);
    const auto segments = segments_of(samples_dir() + "/" + name + ".pcap");
    const TlsKeyLog keys = key_log_for(name);
    std::string reference[2];
    for (const std::size_t piece :
         {std::size_t{0}, std::size_t{1}, std::size_t{5}, std::size_t{7}, std::size_t{1000}}) {
      FindingCollector findings;
      Plaintext out;
      TlsDecryptor tls(keys, out, findings, 0);
      feed(tls, segments, piece);
      EXPECT_EQ(findings.count(FindingId::tls_decrypted), 1u) << "piece " << piece;
      EXPECT_EQ(findings.count(FindingId::tls_decrypt_failed), 0u) << "piece " << piece;
      EXPECT_TRUE(tls.info().decrypting[0] && tls.info().decrypting[1]);
      if (piece == 0) {
        reference[0] = out.text[0];
        reference[1] = out.text[1];
        // The upgrade request and its answer are the first plaintext each way.
        EXPECT_EQ(out.text[0].rfind("GET ", 0), 0u);
        EXPECT_EQ(out.text[1].rfind("HTTP/1.1 101", 0), 0u);
        EXPECT_GT(out.text[0].size(), 1000u);  // the upgrade and the SIP requests' frames
      } else {
        EXPECT_EQ(out.text[0], reference[0]) << "piece " << piece;
        EXPECT_EQ(out.text[1], reference[1]) << "piece " << piece;
      }
    }
  }
}

TEST(TlsDecryptor, ADamagedRecordStopsThatDirectionWithAFinding) {
  const auto clean = segments_of(samples_dir() + "/wss-tls13-chacha20.pcap");
  const TlsKeyLog keys = key_log_for("wss-tls13-chacha20");
  FindingCollector reference_findings;
  Plaintext reference;
  {
    TlsDecryptor tls(keys, reference, reference_findings, 0);
    feed(tls, clean, 0);
  }
  // Flip a byte near the end of the last server segment (inside an encrypted record).
  auto damaged = clean;
  for (auto it = damaged.rbegin(); it != damaged.rend(); ++it) {
    if (it->direction == Direction::to_client && it->bytes.size() > 30) {
      it->bytes[it->bytes.size() - 3] ^= 0x40;
      break;
    }
  }
  FindingCollector findings;
  Plaintext out;
  TlsDecryptor tls(keys, out, findings, 0);
  feed(tls, damaged, 0);
  EXPECT_EQ(findings.count(FindingId::tls_decrypt_failed), 1u);
  EXPECT_LT(out.text[1].size(), reference.text[1].size());
  EXPECT_EQ(reference.text[1].rfind(out.text[1], 0), 0u) << "what came before is kept";
  EXPECT_EQ(out.text[0], reference.text[0]) << "the other direction is not affected";
}

// Without a key log: the capture says so once, first; a connection that may carry SIP (its
// port, SNI or ALPN) is a warning, one on a port of other TLS services (HTTPS) only a note.
TEST(TlsDecryptor, WithoutKeysTheCaptureSaysSoOnceAndHttpsIsANote) {
  const auto segments = segments_of(samples_dir() + "/wss-tls12-ecdhe-aes128gcm.pcap");
  const TlsKeyLog keys;  // none
  FindingCollector findings;
  Plaintext out;
  for (const std::uint16_t port : {std::uint16_t{443}, std::uint16_t{5061}, std::uint16_t{443}}) {
    TlsDecryptor tls(keys, out, findings, 0);
    tls.set_server_port(port);
    for (const Segment& seg : segments) tls.on_data(seg.direction, seg.bytes, seg.frame, 0);
  }
  ASSERT_EQ(findings.findings().size(), 4u);
  EXPECT_EQ(findings.findings()[0].id, FindingId::tls_no_key_log);
  EXPECT_EQ(findings.findings()[1].id, FindingId::tls_not_decrypted_other);  // 443
  EXPECT_EQ(findings.findings()[2].id, FindingId::tls_not_decrypted);        // 5061
  EXPECT_EQ(findings.findings()[3].id, FindingId::tls_not_decrypted_other);
  EXPECT_EQ(findings.count(FindingId::tls_no_key_log), 1u);
}

// Lost bytes end a direction's decryption (record boundaries and sequence numbers are gone),
// with a tls.gap finding; the other direction goes on.
TEST(TlsDecryptor, AGapStopsThatDirectionWithAFinding) {
  const auto segments = segments_of(samples_dir() + "/wss-tls12-ecdhe-aes128gcm.pcap");
  const TlsKeyLog keys = key_log_for("wss-tls12-ecdhe-aes128gcm");
  FindingCollector findings;
  Plaintext out;
  TlsDecryptor tls(keys, out, findings, 0);
  std::size_t server_segments = 0;
  std::string before_gap;
  for (const Segment& s : segments) {
    if (s.direction == Direction::to_client && ++server_segments == 4) {
      before_gap = out.text[1];
      tls.on_gap(Direction::to_client, s.frame);
    }
    tls.on_data(s.direction, s.bytes, s.frame, 0);
  }
  EXPECT_EQ(findings.count(FindingId::tls_gap), 1u);
  EXPECT_EQ(out.text[1], before_gap) << "nothing of the server's after the gap";
  EXPECT_GT(out.text[0].size(), 1000u) << "the client's direction is not affected";
}

// Bytes that cannot be a TLS record header (a content type outside 20-24) stop the direction
// with tls.record_malformed instead of being buffered forever. Hand-built bytes.
TEST(TlsDecryptor, ARecordHeaderThatIsNotTlsIsMalformed) {
  const TlsKeyLog keys;
  FindingCollector findings;
  Plaintext out;
  TlsDecryptor tls(keys, out, findings, 0);
  const Bytes junk = {0x47, 0x45, 0x54, 0x20, 0x2f, 0x20, 0x48, 0x54};  // "GET / HT"
  tls.on_data(Direction::to_server, junk, 1, 0);
  tls.on_data(Direction::to_server, junk, 2, 0);  // stopped: not reported twice
  EXPECT_EQ(findings.count(FindingId::tls_record_malformed), 1u);
  EXPECT_TRUE(out.text[0].empty());
}

TEST(TlsDecryptor, KeyLogsThatDoNotFitSayWhy) {
  const auto segments = segments_of(samples_dir() + "/wss-tls13-aes128gcm.pcap");
  const std::string good = read_file(samples_dir() + "/wss-tls13-aes128gcm.keys");
  struct Case {
    const char* what;
    std::string key_log;
    FindingId expected;
    const char* says;
  };
  std::string without_traffic;
  for (std::size_t at = 0; at < good.size();) {
    const std::size_t nl = good.find('\n', at);
    const std::string line = good.substr(at, nl == std::string::npos ? nl : nl - at + 1);
    if (line.rfind("CLIENT_TRAFFIC_SECRET_0", 0) != 0) without_traffic += line;
    at = nl == std::string::npos ? good.size() : nl + 1;
  }
  std::string wrong_secret = good;
  const std::size_t secret_at = wrong_secret.find("SERVER_HANDSHAKE_TRAFFIC_SECRET");
  ASSERT_NE(secret_at, std::string::npos);
  const std::size_t last_hex = wrong_secret.find('\n', secret_at) - 1;
  wrong_secret[last_hex] = wrong_secret[last_hex] == '0' ? '1' : '0';
  const Case cases[] = {
      {"empty", "", FindingId::tls_not_decrypted, "no TLS key log"},
      {"another capture's", read_file(samples_dir() + "/wss-tls13-chacha20.keys"),
       FindingId::tls_not_decrypted, "no secrets for this connection"},
      {"without CLIENT_TRAFFIC_SECRET_0", without_traffic, FindingId::tls_not_decrypted,
       "no CLIENT_TRAFFIC_SECRET_0"},
      {"a wrong secret", wrong_secret, FindingId::tls_decrypt_failed, "does not authenticate"},
      {"garbage", "CLIENT_RANDOM zz 00\nnot a key log at all\n\x01\x02",
       FindingId::tls_not_decrypted, "no secrets"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    TlsKeyLog keys;
    keys.add_text(c.key_log);
    if (std::string(c.what) == "garbage") {
      EXPECT_EQ(keys.malformed_lines(), 3u);
      keys.add_text(read_file(samples_dir() + "/wss-tls12-rsa-aes128gcm.keys"));  // not empty
    }
    FindingCollector findings;
    Plaintext out;
    TlsDecryptor tls(keys, out, findings, 0);
    feed(tls, segments, 0);
    ASSERT_EQ(findings.count(c.expected), 1u);
    bool says = false;
    for (const Finding& f : findings.findings())
      says = says || f.detail.find(c.says) != std::string::npos;
    EXPECT_TRUE(says) << c.says;
    // Nothing that did not authenticate is handed on: a direction whose secret is missing or
    // wrong stays silent; the whole connection does when no secret fits.
    EXPECT_TRUE(out.text[0].empty() || out.text[1].empty());
    if (c.expected == FindingId::tls_not_decrypted &&
        std::string(c.what) != "without CLIENT_TRAFFIC_SECRET_0") {
      EXPECT_TRUE(out.text[0].empty() && out.text[1].empty());
    }
  }
}

TEST(TlsKeyLog, AKeyLogBeingWrittenIsReadLineByLine) {
  // A browser writes a TLS 1.3 connection's handshake secrets, then its traffic secrets, and
  // may be in the middle of a line when sipws reads: only whole lines count, the rest is read
  // when a connection needs it (found in review).
  const std::string good = read_file(samples_dir() + "/wss-tls13-aes128gcm.keys");
  const std::string path = temp_dir() + "/growing.keys";
  std::string first;   // the handshake secrets and half of a traffic secret line
  std::string second;  // the rest
  const std::size_t traffic = good.find("CLIENT_TRAFFIC_SECRET_0");
  ASSERT_NE(traffic, std::string::npos);
  std::string handshake_lines;
  std::string traffic_lines;
  for (std::size_t at = 0; at < good.size();) {
    const std::size_t nl = good.find('\n', at);
    const std::string line = good.substr(at, nl - at + 1);
    (line.find("TRAFFIC_SECRET_0") != std::string::npos ? traffic_lines : handshake_lines) += line;
    at = nl + 1;
  }
  first = handshake_lines + traffic_lines.substr(0, 40);
  second = traffic_lines.substr(40);
  write_file(path, first);
  TlsKeyLog keys;
  std::string error;
  ASSERT_TRUE(keys.load_file(path, error)) << error;
  EXPECT_EQ(keys.malformed_lines(), 0u) << "a half-written line is not read";
  const auto segments = segments_of(samples_dir() + "/wss-tls13-aes128gcm.pcap");
  // The traffic secrets arrive before the application data needs them.
  write_file(path, first + second);
  FindingCollector findings;
  Plaintext out;
  TlsDecryptor tls(keys, out, findings, 0);
  feed(tls, segments, 0);
  EXPECT_EQ(findings.count(FindingId::tls_decrypted), 1u);
  EXPECT_EQ(findings.count(FindingId::tls_not_decrypted), 0u);
  EXPECT_EQ(out.text[1].rfind("HTTP/1.1 101", 0), 0u);
}

TEST(TlsDecryptor, TheHellosAreRead) {
  const auto segments = segments_of(samples_dir() + "/wss-tls12-ecdhe-chacha20.pcap");
  const TlsKeyLog keys = key_log_for("wss-tls12-ecdhe-chacha20");
  FindingCollector findings;
  Plaintext out;
  TlsDecryptor tls(keys, out, findings, 0);
  feed(tls, segments, 3);
  EXPECT_TRUE(tls.info().client_hello_seen);
  EXPECT_TRUE(tls.info().server_hello_seen);
  EXPECT_EQ(tls.info().version, 0x0303);
  EXPECT_EQ(tls.info().cipher_suite, 0xCCA8);
  EXPECT_EQ(tls_cipher_name(0xCCA8), "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");
  EXPECT_EQ(tls_cipher_name(0x1234), "0x1234");
}

}  // namespace
}  // namespace sipws
