#include "capture/capture_file.h"

#include <fcntl.h>
#include <pcap/pcap.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

namespace sipws {
namespace {

constexpr std::uint32_t kPcapngSectionHeader = 0x0A0D0D0A;
constexpr std::uint32_t kPcapngByteOrderMagic = 0x1A2B3C4D;
// libpcap's own ceiling for a pcapng block; a larger length field is a lie, not a packet.
constexpr std::uint32_t kMaxPcapngBlock = 16 * 1024 * 1024;

// ---- input stream: plain file, or gzip inflated on the fly, behind one FILE* -----------------

// glibc cookie that serves the magic bytes we peeked first, then the rest of the input: a gzip
// file through zlib's gz* functions, or a pipe (standard input, a FIFO, the capture helper) read
// as it arrives. Pipes do not go through gzread, which waits until its buffer is full: a live
// stream would stall until 256 KiB had come. A gzip pipe is inflated here, chunk by chunk.
struct GzipCookie {
  gzFile gz = nullptr;  // regular gzip files
  // Pipes: the descriptor, bytes read while sniffing and not yet served, and (gzip) an inflater.
  int fd = -1;
  std::array<std::uint8_t, 2> raw{};
  std::size_t raw_len = 0;
  std::size_t raw_pos = 0;
  bool inflating = false;
  bool input_ended = false;
  bool stream_ended = false;
  bool output_pending = false;  // the last inflate filled its buffer: zlib may hold more
  z_stream zs{};
  std::vector<std::uint8_t> in;
  std::string error;
  // The first bytes of the content, served again after sniffing.
  std::array<std::uint8_t, 4> prefix{};
  std::size_t prefix_len = 0;
  std::size_t prefix_pos = 0;
};

ssize_t pipe_read_raw(GzipCookie* c, std::uint8_t* buffer, std::size_t size) {
  if (c->raw_pos < c->raw_len) {
    std::size_t n = 0;
    while (n < size && c->raw_pos < c->raw_len) buffer[n++] = c->raw[c->raw_pos++];
    return static_cast<ssize_t>(n);
  }
  for (;;) {
    const ssize_t n = ::read(c->fd, buffer, size);
    if (n < 0 && errno == EINTR) continue;
    return n;
  }
}

// What a pipe holds after decompression, as soon as some of it is there.
ssize_t pipe_read_content(GzipCookie* c, char* buffer, std::size_t size) {
  if (!c->inflating) return pipe_read_raw(c, reinterpret_cast<std::uint8_t*>(buffer), size);
  for (;;) {
    // Read only when zlib has consumed its input and owes no output: a read on a live pipe
    // blocks, and what zlib already holds must come out first.
    if (c->zs.avail_in == 0 && !c->input_ended && !c->output_pending) {
      const ssize_t n = pipe_read_raw(c, c->in.data(), c->in.size());
      if (n <= 0) {
        c->input_ended = true;
        if (n < 0) c->error = std::string("read error: ") + std::strerror(errno);
      } else {
        c->zs.next_in = c->in.data();
        c->zs.avail_in = static_cast<uInt>(n);
      }
    }
    if (c->stream_ended && c->zs.avail_in > 0) {
      if (c->zs.avail_in >= 2 && c->zs.next_in[0] == 0x1f && c->zs.next_in[1] == 0x8b) {
        inflateReset(&c->zs);  // another gzip member follows
        c->stream_ended = false;
      } else {
        c->zs.avail_in = 0;  // trailing bytes after the last member: ignored, as gzread does
        c->input_ended = true;
        return 0;
      }
    }
    if (c->zs.avail_in == 0 && c->input_ended && !c->output_pending) {
      if (!c->stream_ended && c->error.empty()) c->error = "unexpected end of file";
      return 0;
    }
    c->zs.next_out = reinterpret_cast<Bytef*>(buffer);
    c->zs.avail_out = static_cast<uInt>(std::min<std::size_t>(size, 1u << 30));
    const int rc = inflate(&c->zs, Z_NO_FLUSH);
    const std::size_t produced = std::min<std::size_t>(size, 1u << 30) - c->zs.avail_out;
    c->output_pending = c->zs.avail_out == 0;
    if (rc == Z_STREAM_END) {
      c->stream_ended = true;
    } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
      c->error = c->zs.msg != nullptr ? c->zs.msg : "inflate failed";
      c->input_ended = true;
      c->zs.avail_in = 0;
      return produced > 0 ? static_cast<ssize_t>(produced) : -1;
    }
    if (produced > 0) return static_cast<ssize_t>(produced);
  }
}

ssize_t gzip_cookie_read(void* cookie, char* buffer, std::size_t size) {
  auto* c = static_cast<GzipCookie*>(cookie);
  std::size_t served = 0;
  while (served < size && c->prefix_pos < c->prefix_len) {
    buffer[served++] = static_cast<char>(c->prefix[c->prefix_pos++]);
  }
  if (served == size) return static_cast<ssize_t>(served);
  if (c->gz == nullptr) {
    const ssize_t n = pipe_read_content(c, buffer + served, size - served);
    if (n < 0) return served > 0 ? static_cast<ssize_t>(served) : -1;
    return static_cast<ssize_t>(served + static_cast<std::size_t>(n));
  }
  const unsigned chunk = static_cast<unsigned>(std::min<std::size_t>(size - served, 1u << 30));
  const int n = gzread(c->gz, buffer + served, chunk);
  if (n < 0) return served > 0 ? static_cast<ssize_t>(served) : -1;
  return static_cast<ssize_t>(served + static_cast<std::size_t>(n));
}

void release(GzipCookie* c) {
  if (c->inflating) inflateEnd(&c->zs);
  if (c->gz == nullptr && c->fd >= 0) ::close(c->fd);
  delete c;
}

int gzip_cookie_close(void* cookie) {
  auto* c = static_cast<GzipCookie*>(cookie);
  const int rc = c->gz != nullptr ? gzclose(c->gz) : Z_OK;
  release(c);  // owned by the FILE* from fopencookie; released exactly here
  return rc == Z_OK ? 0 : EOF;
}

struct InputStream {
  FILE* file = nullptr;
  int fd = -1;
  std::uint64_t size = 0;      // of a regular file
  GzipCookie* gzip = nullptr;  // non-null when the content is gzip; owned by `file`
  std::array<std::uint8_t, 4> magic{};

  // A stream truncated inside the gzip data reads as a clean end to libpcap; ask zlib.
  std::string gzip_problem() const {
    if (gzip == nullptr) return {};
    if (gzip->gz == nullptr) {
      return gzip->error.empty() ? std::string() : "gzip stream damaged: " + gzip->error;
    }
    int code = Z_OK;
    const char* message = gzerror(gzip->gz, &code);
    if (code == Z_OK) return {};
    return std::string("gzip stream damaged: ") + (message != nullptr ? message : "unknown");
  }
};

// Hands a cookie whose first bytes have been read to a FILE* (fopencookie); on failure the
// cookie and what it holds are released.
bool open_cookie_stream(GzipCookie* cookie, bool compressed, const std::string& name,
                        InputStream& in, std::string& error) {
  cookie->prefix_len = cookie->prefix.size();
  in.magic = cookie->prefix;
  cookie_io_functions_t io{};
  io.read = gzip_cookie_read;
  io.close = gzip_cookie_close;
  in.file = fopencookie(cookie, "rb", io);
  if (in.file == nullptr) {
    error = name + ": cannot open: " + std::strerror(errno);
    gzip_cookie_close(cookie);
    return false;
  }
  in.gzip = compressed ? cookie : nullptr;
  return true;
}

// Standard input, a FIFO or a pipe: sniffs two bytes for gzip, then reads as data arrives.
bool open_pipe(int fd, const std::string& name, InputStream& in, std::string& error) {
  auto* cookie = new GzipCookie;  // handed to fopencookie below, freed by gzip_cookie_close
  cookie->fd = fd;
  while (cookie->raw_len < cookie->raw.size()) {
    const ssize_t n = pipe_read_raw(cookie, cookie->raw.data() + cookie->raw_len,
                                    cookie->raw.size() - cookie->raw_len);
    if (n <= 0) break;
    cookie->raw_len += static_cast<std::size_t>(n);
  }
  const bool compressed = cookie->raw_len == 2 && cookie->raw[0] == 0x1f && cookie->raw[1] == 0x8b;
  if (compressed) {
    // 16 + MAX_WBITS: a gzip wrapper around deflate data.
    if (inflateInit2(&cookie->zs, 16 + MAX_WBITS) != Z_OK) {
      error = name + ": cannot open: out of memory";
      release(cookie);
      return false;
    }
    cookie->inflating = true;
    cookie->in.resize(64 * 1024);
  }
  std::size_t got = 0;
  while (got < cookie->prefix.size()) {
    const ssize_t n = pipe_read_content(
        cookie, reinterpret_cast<char*>(cookie->prefix.data()) + got, cookie->prefix.size() - got);
    if (n <= 0) break;
    got += static_cast<std::size_t>(n);
  }
  if (got < cookie->prefix.size()) {
    if (!cookie->error.empty() && !(got == 0 && cookie->error == "unexpected end of file")) {
      error = name + ": gzip stream damaged: " + cookie->error;
    } else if (got == 0) {
      error = name +
              (compressed ? ": gzip stream holds no data" : ": file is empty, not a capture file");
    } else {
      error = name + ": too short to be a capture file (" + std::to_string(got) + " bytes)";
    }
    release(cookie);
    return false;
  }
  return open_cookie_stream(cookie, compressed, name, in, error);
}

bool open_input(const std::string& path, InputStream& in, std::string& error) {
  const bool is_stdin = path == "-";
  const std::string name = is_stdin ? "standard input" : path;
  int fd = is_stdin ? dup(STDIN_FILENO) : ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    error = name + ": cannot open: " + std::strerror(errno);
    return false;
  }
  struct stat st {};
  in.fd = fd;
  if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) in.size = static_cast<std::uint64_t>(st.st_size);
  if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
    error = name + ": is a directory, not a capture file";
    ::close(fd);
    return false;
  }
  // Fast path: a regular file that is not gzip is handed to libpcap as a plain FILE*.
  if (S_ISREG(st.st_mode)) {
    std::array<std::uint8_t, 2> head{};
    const ssize_t n = pread(fd, head.data(), head.size(), 0);
    if (n == 0) {
      error = name + ": file is empty, not a capture file";
      ::close(fd);
      return false;
    }
    if (n == 2 && !(head[0] == 0x1f && head[1] == 0x8b)) {
      in.file = fdopen(fd, "rb");
      if (in.file == nullptr) {
        error = name + ": cannot open: " + std::strerror(errno);
        ::close(fd);
        return false;
      }
      const std::size_t got = std::fread(in.magic.data(), 1, in.magic.size(), in.file);
      if (got < in.magic.size()) {
        error = name + ": too short to be a capture file (" + std::to_string(got) + " bytes)";
        std::fclose(in.file);
        in.file = nullptr;
        return false;
      }
      std::rewind(in.file);
      return true;
    }
  }
  if (!S_ISREG(st.st_mode)) return open_pipe(fd, name, in, error);
  // A gzip file goes through zlib's gz* functions.
  gzFile gz = gzdopen(fd, "rb");
  if (gz == nullptr) {
    error = name + ": cannot open: out of memory";
    ::close(fd);
    return false;
  }
  gzbuffer(gz, 256 * 1024);
  auto* cookie = new GzipCookie;  // handed to fopencookie below, freed by gzip_cookie_close
  cookie->gz = gz;
  const int n = gzread(gz, cookie->prefix.data(), static_cast<unsigned>(cookie->prefix.size()));
  const bool compressed = gzdirect(gz) == 0;
  if (n < static_cast<int>(cookie->prefix.size())) {
    int code = Z_OK;
    const char* message = gzerror(gz, &code);
    if (n == 0 && code == Z_OK) {
      error = name +
              (compressed ? ": gzip stream holds no data" : ": file is empty, not a capture file");
    } else if (code != Z_OK) {
      error = name + ": gzip stream damaged: " + (message != nullptr ? message : "");
    } else {
      error = name + ": too short to be a capture file (" + std::to_string(n) + " bytes)";
    }
    gzclose(gz);
    delete cookie;
    return false;
  }
  return open_cookie_stream(cookie, compressed, name, in, error);
}

std::string display_name(const std::string& path) {
  return path == "-" ? "standard input" : path;
}

// ---- classic pcap, read by libpcap -----------------------------------------------------------

class PcapFile final : public CaptureFile {
 public:
  PcapFile(std::string path, InputStream in, pcap_t* pcap)
      : CaptureFile(std::move(path), CaptureFormat::pcap, in.gzip != nullptr),
        in_(in),
        pcap_(pcap) {
    fd_ = in.fd;
    size_ = in.size;
    const int dlt = pcap_datalink(pcap_);
    // DLT_RAW differs between platforms (12 or 14); files say LINKTYPE_RAW (101).
    link_type_ = (dlt == DLT_RAW || dlt == 12 || dlt == 14) ? link_type::raw
                                                            : static_cast<std::uint32_t>(dlt);
  }
  ~PcapFile() override { pcap_close(pcap_); }  // also closes the FILE* (and the gzip stream)
  std::uint32_t snaplen(const RawPacket&) const override {
    return static_cast<std::uint32_t>(pcap_snapshot(pcap_));
  }
  PcapFile(const PcapFile&) = delete;
  PcapFile& operator=(const PcapFile&) = delete;

  ReadStatus next(RawPacket& packet) override {
    pcap_pkthdr* header = nullptr;
    const u_char* data = nullptr;
    const int rc = pcap_next_ex(pcap_, &header, &data);
    if (rc == 1) {
      packet.frame_number = ++frames_read_;
      // Opened with nanosecond precision: tv_usec holds nanoseconds.
      // The file's seconds are an unsigned 32-bit field (as tshark reads them; libpcap 1.10
      // sign-extends them, which put times after 2038 before 1970), its fraction below 2^32.
      packet.timestamp =
          static_cast<TimeNs>(static_cast<std::uint32_t>(header->ts.tv_sec)) * 1'000'000'000 +
          static_cast<TimeNs>(static_cast<std::uint32_t>(header->ts.tv_usec));
      packet.link_type = link_type_;
      packet.interface_id = 0;
      packet.original_length = header->len;
      packet.bytes = ByteView(data, header->caplen);
      return ReadStatus::packet;
    }
    const std::string gzip_problem = in_.gzip_problem();
    if (rc == PCAP_ERROR_BREAK) {  // clean end of file, unless zlib saw the stream cut short
      if (gzip_problem.empty()) return ReadStatus::end;
      return fail(display_name(path()) + ": " + gzip_problem + " after frame " +
                      std::to_string(frames_read_),
                  true);
    }
    std::string message = pcap_geterr(pcap_);
    const bool cut_short = message.find("truncated") != std::string::npos || !gzip_problem.empty();
    if (!gzip_problem.empty()) message = gzip_problem;
    return fail(display_name(path()) + ": " + message + " (after frame " +
                    std::to_string(frames_read_) + ")",
                cut_short);
  }

 private:
  InputStream in_;
  pcap_t* pcap_;
  std::uint32_t link_type_;
};

// ---- pcapng, read block by block ------------------------------------------------------------

class PcapngFile final : public CaptureFile {
 public:
  PcapngFile(std::string path, InputStream in)
      : CaptureFile(std::move(path), CaptureFormat::pcapng, in.gzip != nullptr), in_(in) {
    fd_ = in.fd;
    size_ = in.size;
  }
  ~PcapngFile() override { std::fclose(in_.file); }
  std::uint32_t snaplen(const RawPacket& packet) const override {
    return packet.interface_id < interfaces_.size() ? interfaces_[packet.interface_id].snaplen : 0;
  }
  PcapngFile(const PcapngFile&) = delete;
  PcapngFile& operator=(const PcapngFile&) = delete;

  ReadStatus next(RawPacket& packet) override {
    for (;;) {
      std::uint32_t type = 0;
      const ReadStatus status = read_block(type);
      if (status != ReadStatus::packet) return status;
      switch (type) {
        case 1: {  // Interface Description Block
          const ReadStatus s = parse_interface();
          if (s != ReadStatus::packet) return s;
          break;
        }
        case 6:  // Enhanced Packet Block
        case 2:  // Packet Block (obsolete, still written by old tools)
        case 3:  // Simple Packet Block
          return parse_packet(type, packet);
        case 10:  // Decryption Secrets Block: TLS key log lines travel with the capture
          take_secrets_block();
          break;
        default:  // statistics, name resolution, custom: not packets
          break;
      }
    }
  }

 private:
  struct Interface {
    std::uint32_t link_type = 0;
    std::uint32_t snaplen = 0;
    bool resolution_power_of_two = false;
    std::uint8_t resolution_exponent = 6;  // default: microseconds
    std::int64_t offset_seconds = 0;
  };

  std::uint32_t u32(const std::uint8_t* p) const { return swapped_ ? load_be32(p) : load_le32(p); }
  std::uint16_t u16(const std::uint8_t* p) const { return swapped_ ? load_be16(p) : load_le16(p); }

  ReadStatus damaged(const std::string& what, bool cut_short) {
    std::string message = in_.gzip_problem();
    if (message.empty()) message = what;
    return fail(display_name(path()) + ": " + message + " at byte offset " +
                    std::to_string(block_offset_) + " (after frame " +
                    std::to_string(frames_read_) + ")",
                cut_short || !in_.gzip_problem().empty());
  }

  // Reads one whole block into body_ (the bytes between the length fields).
  ReadStatus read_block(std::uint32_t& type) {
    block_offset_ = offset_;
    std::array<std::uint8_t, 12> head{};
    std::size_t got = std::fread(head.data(), 1, 8, in_.file);
    offset_ += got;
    if (got == 0 && std::feof(in_.file)) {
      if (!in_.gzip_problem().empty()) return damaged("", true);
      return ReadStatus::end;
    }
    if (got < 8) return damaged("file ends inside a block header", true);
    const std::uint32_t raw_type = load_le32(head.data());
    std::size_t head_len = 8;
    if (raw_type == kPcapngSectionHeader) {
      got = std::fread(head.data() + 8, 1, 4, in_.file);
      offset_ += got;
      if (got < 4) return damaged("file ends inside a section header", true);
      const std::uint32_t bom = load_le32(head.data() + 8);
      if (bom == kPcapngByteOrderMagic) {
        swapped_ = false;
      } else if (bom == __builtin_bswap32(kPcapngByteOrderMagic)) {
        swapped_ = true;
      } else {
        return damaged("section header has an unknown byte-order magic", false);
      }
      head_len = 12;
      interfaces_.clear();  // interface ids are per section
    } else if (!seen_section_) {
      return damaged("pcapng file does not start with a section header", false);
    }
    seen_section_ = true;
    type = u32(head.data());
    const std::uint32_t length = u32(head.data() + 4);
    if (length < 12 || length % 4 != 0 || length > kMaxPcapngBlock ||
        (raw_type == kPcapngSectionHeader && length < 28)) {
      return damaged("block length " + std::to_string(length) + " is impossible", false);
    }
    const std::size_t rest = length - head_len;  // body after the header, plus trailing length
    body_.resize(rest);
    got = std::fread(body_.data(), 1, rest, in_.file);
    offset_ += got;
    if (got < rest) return damaged("file ends inside a block", true);
    if (u32(body_.data() + rest - 4) != length) {
      return damaged("block's trailing length differs from its leading length", false);
    }
    // Keep the SHB body aligned with other blocks: its byte-order magic was read with the head.
    body_len_ = rest - 4;
    return ReadStatus::packet;
  }

  void take_secrets_block() {
    constexpr std::uint32_t kTlsKeyLog = 0x544c534b;  // "TLSK"
    if (body_len_ < 8 || u32(body_.data()) != kTlsKeyLog) return;
    const std::uint32_t length = u32(body_.data() + 4);
    if (length > body_len_ - 8) return;
    // Bounded: a hostile file of many secrets blocks (gzip makes it tiny) must not fill memory
    // when nobody takes them. Key logs are a few hundred bytes a connection.
    constexpr std::size_t kMaxPendingSecrets = 16u << 20;
    if (secrets_.size() + length > kMaxPendingSecrets) return;
    secrets_.append(reinterpret_cast<const char*>(body_.data() + 8), length);
    secrets_ += '\n';
  }

  ReadStatus parse_interface() {
    if (body_len_ < 8) return damaged("interface description block too short", false);
    Interface iface;
    iface.link_type = u16(body_.data());
    iface.snaplen = u32(body_.data() + 4);
    // Options: code(2) length(2) value padded to 4.
    std::size_t pos = 8;
    while (pos + 4 <= body_len_) {
      const std::uint16_t code = u16(body_.data() + pos);
      const std::uint16_t len = u16(body_.data() + pos + 2);
      pos += 4;
      if (code == 0 || pos + len > body_len_) break;
      if (code == 9 && len >= 1) {  // if_tsresol
        const std::uint8_t v = body_[pos];
        iface.resolution_power_of_two = (v & 0x80) != 0;
        iface.resolution_exponent = v & 0x7f;
      } else if (code == 14 && len >= 8) {  // if_tsoffset, seconds
        const std::uint64_t lo = u32(body_.data() + pos + (swapped_ ? 4 : 0));
        const std::uint64_t hi = u32(body_.data() + pos + (swapped_ ? 0 : 4));
        iface.offset_seconds = static_cast<std::int64_t>((hi << 32) | lo);
      }
      pos += (len + 3u) & ~3u;
    }
    if (interfaces_.size() >= 65536) return damaged("more than 65536 interfaces", false);
    interfaces_.push_back(iface);
    return ReadStatus::packet;
  }

  static TimeNs to_nanoseconds(const Interface& iface, std::uint64_t ticks) {
    __extension__ using u128 = unsigned __int128;
    u128 ns = 0;
    if (iface.resolution_power_of_two) {
      const unsigned e = std::min<unsigned>(iface.resolution_exponent, 100);
      ns = e >= 64 ? 0 : (u128{ticks} * 1'000'000'000u) >> e;
    } else {
      const unsigned e = iface.resolution_exponent;
      if (e <= 9) {
        u128 scale = 1;
        for (unsigned i = e; i < 9; ++i) scale *= 10;
        ns = u128{ticks} * scale;
      } else {
        u128 divisor = 1;
        for (unsigned i = 9; i < e && i < 38; ++i) divisor *= 10;
        ns = u128{ticks} / divisor;
      }
    }
    // In 128 bits: ticks scaled up and an offset of any 64-bit number of seconds cannot
    // overflow there (both stay below 2^127), then clamped into the range every reader keeps.
    __extension__ using i128 = __int128;
    const i128 capped = ns > u128{kMaxTimestamp} ? i128{kMaxTimestamp} : static_cast<i128>(ns);
    const i128 total = capped + i128{iface.offset_seconds} * 1'000'000'000;
    return static_cast<TimeNs>(std::clamp<i128>(total, 0, kMaxTimestamp));
  }

  ReadStatus parse_packet(std::uint32_t type, RawPacket& packet) {
    std::uint32_t interface_id = 0;
    std::uint64_t ticks = 0;
    std::uint32_t captured = 0;
    std::uint32_t original = 0;
    std::size_t data_at = 0;
    if (type == 3) {  // Simple Packet Block: interface 0, no timestamp
      if (body_len_ < 4) return damaged("simple packet block too short", false);
      original = u32(body_.data());
      data_at = 4;
      captured = static_cast<std::uint32_t>(std::min<std::size_t>(original, body_len_ - 4));
    } else {
      if (body_len_ < 20) return damaged("packet block too short", false);
      interface_id = type == 6 ? u32(body_.data()) : u16(body_.data());
      ticks = (std::uint64_t{u32(body_.data() + 4)} << 32) | u32(body_.data() + 8);
      captured = u32(body_.data() + 12);
      original = u32(body_.data() + 16);
      data_at = 20;
      if (captured > body_len_ - 20) {
        return damaged("packet block says " + std::to_string(captured) +
                           " captured bytes but holds " + std::to_string(body_len_ - 20),
                       false);
      }
    }
    if (interface_id >= interfaces_.size()) {
      return damaged("packet refers to interface " + std::to_string(interface_id) +
                         ", which no interface description block declared",
                     false);
    }
    const Interface& iface = interfaces_[interface_id];
    if (type == 3 && iface.snaplen != 0) captured = std::min(captured, iface.snaplen);
    packet.frame_number = ++frames_read_;
    packet.timestamp = type == 3 ? 0 : to_nanoseconds(iface, ticks);
    packet.link_type = iface.link_type;
    packet.interface_id = interface_id;
    packet.original_length = std::max(original, captured);
    packet.bytes = ByteView(body_.data() + data_at, captured);
    return ReadStatus::packet;
  }

  InputStream in_;
  std::vector<std::uint8_t> body_;
  std::size_t body_len_ = 0;
  std::vector<Interface> interfaces_;
  bool swapped_ = false;
  bool seen_section_ = false;
  std::uint64_t offset_ = 0;
  std::uint64_t block_offset_ = 0;
};

bool is_pcap_magic(std::uint32_t m) {
  // micro- and nanosecond pcap in both byte orders, and the "modified" pcap of old patches.
  for (std::uint32_t known : {0xa1b2c3d4u, 0xa1b23c4du, 0xa1b2cd34u}) {
    if (m == known || m == __builtin_bswap32(known)) return true;
  }
  return false;
}

}  // namespace

std::uint64_t CaptureFile::position() const {
  if (fd_ < 0 || size_ == 0) return 0;
  const off_t at = lseek(fd_, 0, SEEK_CUR);
  return at < 0 ? 0 : static_cast<std::uint64_t>(at);
}

ReadStatus CaptureFile::fail(std::string message, bool truncated) {
  error_ = std::move(message);
  truncated_ = truncated;
  return ReadStatus::error;
}

std::unique_ptr<CaptureFile> CaptureFile::open(const std::string& path, std::string& error) {
  InputStream in;
  if (!open_input(path, in, error)) return nullptr;
  const std::uint32_t magic = load_be32(in.magic.data());
  if (magic == kPcapngSectionHeader) return std::make_unique<PcapngFile>(path, in);
  if (is_pcap_magic(magic)) {
    std::array<char, PCAP_ERRBUF_SIZE> errbuf{};
    pcap_t* pcap = pcap_fopen_offline_with_tstamp_precision(in.file, PCAP_TSTAMP_PRECISION_NANO,
                                                            errbuf.data());
    if (pcap == nullptr) {
      std::string problem = in.gzip_problem();
      error = display_name(path) + ": " + (problem.empty() ? errbuf.data() : problem);
      std::fclose(in.file);
      return nullptr;
    }
    return std::make_unique<PcapFile>(path, in, pcap);
  }
  char hex[16];
  std::snprintf(hex, sizeof hex, "%08x", magic);
  error = display_name(path) + ": not a pcap or pcapng capture" +
          (in.gzip != nullptr ? std::string(" (inside gzip)") : std::string()) +
          ": it starts with bytes 0x" + hex;
  std::fclose(in.file);
  return nullptr;
}

}  // namespace sipws
