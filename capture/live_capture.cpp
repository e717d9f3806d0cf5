#include "capture/live_capture.h"

#include <pcap/pcap.h>

#include <chrono>

namespace sipws {
namespace {

pcap_t* handle(void* p) {
  return static_cast<pcap_t*>(p);
}

}  // namespace

Result<std::vector<InterfaceInfo>> list_interfaces() {
  char errbuf[PCAP_ERRBUF_SIZE] = {};
  pcap_if_t* all = nullptr;
  if (pcap_findalldevs(&all, errbuf) != 0) return Failure{errbuf};
  std::vector<InterfaceInfo> out;
  for (pcap_if_t* d = all; d != nullptr; d = d->next) {
    InterfaceInfo info;
    info.name = d->name;
    if (d->description != nullptr) info.description = d->description;
    info.loopback = (d->flags & PCAP_IF_LOOPBACK) != 0;
    info.up = (d->flags & PCAP_IF_UP) != 0;
    out.push_back(info);
  }
  pcap_freealldevs(all);
  return out;
}

std::unique_ptr<LiveCapture> LiveCapture::open(const LiveOptions& options, std::string& error) {
  char errbuf[PCAP_ERRBUF_SIZE] = {};
  pcap_t* p = pcap_create(options.interface.c_str(), errbuf);
  if (p == nullptr) {
    error = options.interface + ": " + errbuf;
    return nullptr;
  }
  pcap_set_snaplen(p, options.snaplen);
  pcap_set_promisc(p, 0);
  // Not immediate mode: with it libpcap uses TPACKET_V2, whose ring holds fixed slots of the
  // snaplen (or MTU), a few hundred in 16 MiB, and the kernel drops at 100,000 packets/s. The
  // kernel hands a block over when it is full or this many milliseconds old: a message is shown
  // at most this late.
  pcap_set_timeout(p, 10);
  pcap_set_immediate_mode(p, 0);
  pcap_set_buffer_size(p, options.buffer_bytes);
  pcap_set_tstamp_precision(p, PCAP_TSTAMP_PRECISION_NANO);  // falls back to micro if unsupported
  const int rc = pcap_activate(p);
  if (rc < 0) {
    error = options.interface + ": " + pcap_statustostr(rc) +
            (rc == PCAP_ERROR ? std::string(": ") + pcap_geterr(p) : "");
    pcap_close(p);
    return nullptr;
  }
  if (!options.filter.empty()) {
    bpf_program program{};
    if (pcap_compile(p, &program, options.filter.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0 ||
        pcap_setfilter(p, &program) != 0) {
      error = "filter '" + options.filter + "': " + pcap_geterr(p);
      pcap_freecode(&program);
      pcap_close(p);
      return nullptr;
    }
    pcap_freecode(&program);
  }
  std::unique_ptr<LiveCapture> live(new LiveCapture);
  live->pcap_ = p;
  live->options_ = options;
  const int dlt = pcap_datalink(p);
  live->link_type_ =
      (dlt == DLT_RAW || dlt == 12 || dlt == 14) ? link_type::raw : static_cast<std::uint32_t>(dlt);
  if (!options.write_path.empty()) {
    live->writer_ = PcapWriter::open(options.write_path, live->link_type_, error);
    if (!live->writer_) return nullptr;
  }
  return live;
}

LiveCapture::~LiveCapture() {
  stop();
  if (thread_.joinable()) thread_.join();
  if (writer_) {
    std::string ignored;
    writer_->close(ignored);
  }
  if (pcap_ != nullptr) pcap_close(handle(pcap_));
}

void LiveCapture::start() {
  thread_ = std::thread([this] { run(); });
}

void LiveCapture::stop() {
  if (!stopped_.exchange(true) && pcap_ != nullptr) pcap_breakloop(handle(pcap_));
  ready_.notify_all();
}

namespace {
constexpr std::size_t kBatchPackets = 1024;  // handed over at most this many at a time
}  // namespace

void LiveCapture::on_packet(unsigned char* self, const ::pcap_pkthdr* header,
                            const unsigned char* data) {
  reinterpret_cast<LiveCapture*>(self)->take(header, data);
}

void LiveCapture::take(const ::pcap_pkthdr* header, const unsigned char* data) {
  const TimeNs ts = static_cast<TimeNs>(header->ts.tv_sec) * 1'000'000'000 +
                    static_cast<TimeNs>(header->ts.tv_usec) * (is_precise_ ? 1 : 1000);
  ++captured_;
  if (writer_) {
    rotate_if_due(ts);
    if (!writer_) {  // the next file could not be created
      pcap_breakloop(handle(pcap_));
      return;
    }
    RawPacket raw;
    raw.timestamp = ts;
    raw.original_length = header->len;
    raw.bytes = ByteView(data, header->caplen);
    writer_->write(raw, raw.bytes);  // the file gets every packet, queue or not
    written_bytes_ += 16 + raw.bytes.size();
  }
  // queued_packets_ is read without the lock: at worst a batch more is taken or dropped.
  if (queued_packets_ + filling_->packets.size() >= options_.queue_packets) {
    ++queue_drops_;
    return;
  }
  Batch& batch = *filling_;
  batch.packets.push_back({ts, header->len, header->caplen, batch.bytes.size()});
  batch.bytes.insert(batch.bytes.end(), data, data + header->caplen);
  if (batch.packets.size() >= kBatchPackets) hand_over();
}

void LiveCapture::hand_over() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stats_.captured = captured_;
    stats_.queue_drops = queue_drops_;
    if (filling_->packets.empty()) return;
    queued_packets_ += filling_->packets.size();
    queue_.push_back(std::move(filling_));
    if (!spare_.empty()) {
      filling_ = std::move(spare_.back());
      spare_.pop_back();
    }
  }
  if (!filling_) filling_ = std::make_unique<Batch>();
  ready_.notify_one();
}

bool LiveCapture::flush_file(int timeout_ms) {
  const std::uint64_t before = flushes_.load();
  flush_requested_.store(true);
  // pcap_dispatch may wait for traffic that does not come (TPACKET_V3 without packets): wake it.
  if (pcap_ != nullptr && !stopped_.load()) pcap_breakloop(handle(pcap_));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (flushes_.load() == before && !finished_.load()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

void LiveCapture::run() {
  is_precise_ = pcap_get_tstamp_precision(handle(pcap_)) == PCAP_TSTAMP_PRECISION_NANO;
  filling_ = std::make_unique<Batch>();
  while (!stopped_.load()) {
    // Everything the kernel holds now (0 on a timeout: look at the stop flag again).
    const int rc = pcap_dispatch(handle(pcap_), -1, &LiveCapture::on_packet,
                                 reinterpret_cast<unsigned char*>(this));
    hand_over();
    if (flush_requested_.exchange(false)) {
      if (writer_) writer_->flush();
      ++flushes_;
    }
    // A break that asked for a flush only: capture goes on.
    if (rc == PCAP_ERROR_BREAK && !stopped_.load()) continue;
    if (rc == PCAP_ERROR_BREAK || (writer_ == nullptr && !options_.write_path.empty())) break;
    if (rc < 0) {
      error_ = pcap_geterr(handle(pcap_));
      break;
    }
  }
  finished_.store(true);
  stopped_.store(true);
  ready_.notify_all();
}

void LiveCapture::rotate_if_due(TimeNs now) {
  if (file_started_ == 0) file_started_ = now;
  const bool full = options_.rotate_bytes > 0 && written_bytes_ >= options_.rotate_bytes;
  const bool old = options_.rotate_seconds > 0 &&
                   static_cast<double>(now - file_started_) / 1e9 >= options_.rotate_seconds;
  if (!full && !old) return;
  std::string problem;
  writer_->close(problem);
  const std::string next = options_.write_path + "." + std::to_string(++file_index_);
  // Created by the user privileges were dropped to: its folder must let that user write.
  writer_ = PcapWriter::open(next, link_type_, problem);
  if (!writer_) error_ = "rotation: " + problem;
  written_bytes_ = 24;
  file_started_ = now;
}

bool LiveCapture::next(RawPacket& packet, int timeout_ms) {
  if (!reading_ || read_at_ == reading_->packets.size()) {
    std::unique_lock<std::mutex> lock(mutex_);
    if (reading_) {  // done with it: back to the capture thread, buffers and all
      queued_packets_ -= reading_->packets.size();
      reading_->packets.clear();
      reading_->bytes.clear();
      spare_.push_back(std::move(reading_));
    }
    ready_.wait_for(lock, std::chrono::milliseconds(timeout_ms),
                    [this] { return !queue_.empty() || finished_.load(); });
    if (queue_.empty()) return false;
    reading_ = std::move(queue_.front());
    queue_.pop_front();
    read_at_ = 0;
  }
  const Captured& c = reading_->packets[read_at_++];
  packet.frame_number = ++frame_number_;
  packet.timestamp = c.timestamp;
  packet.link_type = link_type_;
  packet.interface_id = 0;
  packet.original_length = c.original_length;
  packet.bytes = ByteView(reading_->bytes.data() + c.offset, c.length);
  return true;
}

LiveStats LiveCapture::stats() {
  std::lock_guard<std::mutex> lock(mutex_);
  pcap_stat ps{};
  if (pcap_ != nullptr && pcap_stats(handle(pcap_), &ps) == 0) {
    stats_.kernel_drops = ps.ps_drop;
    stats_.interface_drops = ps.ps_ifdrop;
  }
  return stats_;
}

}  // namespace sipws
