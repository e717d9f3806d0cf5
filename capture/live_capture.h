#pragma once
// Live capture through libpcap: a capture thread copies packets into a bounded queue (and, with
// -w, into a file), the caller's thread takes them out and analyses them. Kernel drops and queue
// drops are counted, never silent. The capturing thread does as little as it can per packet:
// libpcap hands over what the kernel has in one call (pcap_dispatch over a TPACKET_V3 ring of
// variable-size packets, not the fixed snaplen-size slots immediate mode uses, of which 16 MiB
// holds a few hundred), packets are copied into batches whose buffers are reused, and the queue
// is locked once a batch.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "capture/pcap_writer.h"
#include "capture/raw_packet.h"
#include "capture/result.h"

struct pcap_pkthdr;  // libpcap's, kept out of this header

namespace sipws {

struct InterfaceInfo {
  std::string name;
  std::string description;
  bool loopback = false;
  bool up = false;
};
// Like `tcpdump -D`, or why libpcap cannot list them.
Result<std::vector<InterfaceInfo>> list_interfaces();

struct LiveOptions {
  std::string interface;
  std::string filter;  // BPF
  int snaplen = 262144;
  int buffer_bytes = 16 << 20;         // kernel buffer: bursts of signalling fit
  std::size_t queue_packets = 100000;  // packets waiting for analysis before drops are counted
  std::string write_path;              // -w: everything captured, also what the queue dropped
  std::uint64_t rotate_bytes = 0;      // start FILE.1, FILE.2, ... when a file reaches this size
  double rotate_seconds = 0;           // ... or this age (0: never)
};

struct LiveStats {
  std::uint64_t captured = 0;
  std::uint64_t queue_drops = 0;
  std::uint64_t kernel_drops = 0;     // pcap_stats ps_drop
  std::uint64_t interface_drops = 0;  // pcap_stats ps_ifdrop
};

class LiveCapture {
 public:
  // Opens and activates the device (and the -w file): what needs privileges happens here, so
  // the caller can drop them right after.
  static std::unique_ptr<LiveCapture> open(const LiveOptions& options, std::string& error);
  ~LiveCapture();
  LiveCapture(const LiveCapture&) = delete;
  LiveCapture& operator=(const LiveCapture&) = delete;

  void start();  // the capture thread
  // Waits up to `timeout_ms` for the next packet; false when none came or the capture stopped.
  // The packet's bytes stay valid until the next call.
  bool next(RawPacket& packet, int timeout_ms);
  // From any thread or a signal handler's flag check: stops capturing; queued packets remain.
  void stop();
  // The capture thread has ended: every packet it took is in the queue (next() still has them).
  bool stopped() const { return finished_.load(); }
  LiveStats stats();
  // From any thread: the -w file gets what was captured up to now (the capture thread flushes
  // it within one dispatch timeout); waits up to `timeout_ms` for that. False when it did not.
  bool flush_file(int timeout_ms = 1000);
  std::uint32_t link_type() const { return link_type_; }
  const std::string& error() const { return error_; }

 private:
  LiveCapture() = default;
  void run();

  struct Captured {
    TimeNs timestamp;
    std::uint32_t original_length;
    std::uint32_t length;  // captured bytes, at `offset` in the batch's bytes
    std::size_t offset;
  };
  struct Batch {
    std::vector<std::uint8_t> bytes;
    std::vector<Captured> packets;
  };
  void* pcap_ = nullptr;  // pcap_t, kept opaque here
  void rotate_if_due(TimeNs now);
  static void on_packet(unsigned char* self, const ::pcap_pkthdr* header,
                        const unsigned char* data);
  void take(const ::pcap_pkthdr* header, const unsigned char* data);
  void hand_over();  // the batch being filled goes to the queue (capture thread)

  std::unique_ptr<PcapWriter> writer_;
  std::uint64_t written_bytes_ = 24;  // the file header
  TimeNs file_started_ = 0;
  unsigned file_index_ = 0;
  std::uint32_t link_type_ = 0;
  LiveOptions options_;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable ready_;
  // Under mutex_: full batches in order, empty ones to reuse, the packets in the full ones.
  std::deque<std::unique_ptr<Batch>> queue_;
  std::vector<std::unique_ptr<Batch>> spare_;
  std::atomic<std::size_t> queued_packets_{0};  // also read by the capture thread unlocked
  std::unique_ptr<Batch> filling_;              // the capture thread's
  std::uint64_t captured_ = 0;  // the capture thread's, published into stats_ at hand-over
  std::uint64_t queue_drops_ = 0;
  bool is_precise_ = false;
  std::unique_ptr<Batch> reading_;  // the reader's: next() returns views into it
  std::size_t read_at_ = 0;
  std::uint64_t frame_number_ = 0;
  std::atomic<bool> stopped_{false};
  std::atomic<bool> finished_{false};
  std::atomic<bool> flush_requested_{false};
  std::atomic<std::uint64_t> flushes_{0};
  LiveStats stats_;
  std::string error_;
};

}  // namespace sipws
