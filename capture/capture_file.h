#pragma once
// Reading capture files: classic pcap (through libpcap), pcapng (through PcapngReader, because
// libpcap 1.10 refuses pcapng files whose interfaces have different link types), either of them
// gzip-compressed. Formats and compression are recognised by content, never by file name;
// compressed input is inflated as a stream (no temporary file), and "-" reads standard input.

#include <memory>
#include <string>
#include <utility>

#include "capture/raw_packet.h"

namespace sipws {

enum class CaptureFormat { pcap, pcapng };
enum class ReadStatus { packet, end, error };

class CaptureFile {
 public:
  // Opens `path` ("-" for standard input). On failure returns null and sets `error` to a message
  // that names the file and says what is wrong with it.
  static std::unique_ptr<CaptureFile> open(const std::string& path, std::string& error);

  virtual ~CaptureFile() = default;

  // The next record. The packet's bytes stay valid until the next call. After ReadStatus::error
  // (damaged or truncated file) error() says what went wrong; packets already read stay valid.
  virtual ReadStatus next(RawPacket& packet) = 0;

  const std::string& error() const { return error_; }
  bool truncated() const { return truncated_; }  // the error is a file cut short
  const std::string& path() const { return path_; }
  // How far reading has got in the file on disk (compressed bytes for gzip), and its size; both
  // 0 when unknown (pipes, standard input). For progress reports.
  std::uint64_t position() const;
  std::uint64_t size() const { return size_; }
  // The snapshot length the file declares for this packet's interface (0 when it has none).
  virtual std::uint32_t snaplen(const RawPacket& packet) const = 0;
  CaptureFormat format() const { return format_; }
  // TLS key log text that arrived in the file since the last call (pcapng Decryption Secrets
  // Blocks); empty when none did.
  std::string take_secrets() { return std::exchange(secrets_, std::string()); }
  bool compressed() const { return compressed_; }

 protected:
  CaptureFile(std::string path, CaptureFormat format, bool compressed)
      : path_(std::move(path)), format_(format), compressed_(compressed) {}
  ReadStatus fail(std::string message, bool truncated);

  std::uint64_t frames_read_ = 0;

 private:
  std::string path_;
  CaptureFormat format_;
  bool compressed_;
  std::string error_;
  bool truncated_ = false;

 protected:
  int fd_ = -1;          // the file descriptor underneath, owned by the reader's FILE*
  std::string secrets_;  // key log lines not yet taken
  std::uint64_t size_ = 0;
};

}  // namespace sipws
