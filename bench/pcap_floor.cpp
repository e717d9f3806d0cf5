// The floor every capture tool stands on: libpcap reading every packet of a file, doing
// nothing else (or, with --xor, also XOR-unmasking every TCP payload byte). bench/run_bench.py
// compares sipws against it.
#include <pcap/pcap.h>

#include <cstdint>
#include <cstdio>
#include <cstring>

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: pcap_floor FILE [--xor]\n");
    return 2;
  }
  const bool xor_payload = argc > 2 && std::strcmp(argv[2], "--xor") == 0;
  char errbuf[PCAP_ERRBUF_SIZE];
  pcap_t* p = pcap_open_offline(argv[1], errbuf);
  if (p == nullptr) {
    std::fprintf(stderr, "%s\n", errbuf);
    return 2;
  }
  pcap_pkthdr* h = nullptr;
  const u_char* data = nullptr;
  std::uint64_t packets = 0;
  std::uint64_t bytes = 0;
  std::uint64_t sink = 0;
  while (pcap_next_ex(p, &h, &data) == 1) {
    ++packets;
    bytes += h->caplen;
    if (xor_payload && h->caplen > 54 && data[23] == 6) {  // Ethernet + IPv4 + TCP
      const std::size_t ihl = (data[14] & 0x0f) * 4u;
      const std::size_t tcp = 14 + ihl;
      const std::size_t off = tcp + (data[tcp + 12] >> 4) * 4u;
      // Eight bytes at a time, as sipws unmasks (a byte-at-a-time loop here would make the
      // XOR look five times dearer than it is).
      const std::uint64_t key = 0x7856341278563412ull;
      std::size_t i = off;
      for (; i + 8 <= h->caplen; i += 8) {
        std::uint64_t w;
        std::memcpy(&w, data + i, 8);
        sink ^= w ^ key;
      }
      for (; i < h->caplen; ++i) sink ^= data[i] ^ (key >> (8 * (i & 3)) & 0xff);
    }
  }
  pcap_close(p);
  std::printf("%llu packets, %llu bytes (%llu)\n", static_cast<unsigned long long>(packets),
              static_cast<unsigned long long>(bytes), static_cast<unsigned long long>(sink & 0xff));
  return 0;
}
