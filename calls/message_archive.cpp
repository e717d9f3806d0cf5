#include "calls/message_archive.h"

#include <zstd.h>

#include <cstring>
#include <type_traits>

namespace sipws {
namespace {

// Fields written one by one (never a struct's padding) in this process's byte order: the archive
// lives and dies with the process.
class Writer {
 public:
  explicit Writer(std::vector<std::uint8_t>& out) : out_(out) {}
  template <class T>
  void put(T value) {
    static_assert(std::is_trivially_copyable_v<T> && !std::is_class_v<T>);
    const auto* p = reinterpret_cast<const std::uint8_t*>(&value);
    out_.insert(out_.end(), p, p + sizeof value);
  }
  void put_bytes(const void* data, std::size_t size) {
    put(static_cast<std::uint32_t>(size));
    const auto* p = static_cast<const std::uint8_t*>(data);
    out_.insert(out_.end(), p, p + size);
  }

 private:
  std::vector<std::uint8_t>& out_;
};

class Reader {
 public:
  Reader(const std::uint8_t* at, const std::uint8_t* end) : at_(at), end_(end) {}
  template <class T>
  T get() {
    T value{};
    take(&value, sizeof value);
    return value;
  }
  template <class Byte>
  void bytes(std::vector<Byte>& out) {
    const auto size = get<std::uint32_t>();
    if (static_cast<std::size_t>(end_ - at_) < size) {
      ok = false;
      return;
    }
    out.assign(reinterpret_cast<const Byte*>(at_), reinterpret_cast<const Byte*>(at_ + size));
    at_ += size;
  }
  bool ok = true;

 private:
  void take(void* out, std::size_t n) {
    if (static_cast<std::size_t>(end_ - at_) < n) {
      ok = false;
      std::memset(out, 0, n);
      return;
    }
    std::memcpy(out, at_, n);
    at_ += n;
  }
  const std::uint8_t* at_;
  const std::uint8_t* end_;
};

}  // namespace

void MessageArchive::FreeCompressor::operator()(ZSTD_CCtx_s* c) const {
  ZSTD_freeCCtx(c);
}
void MessageArchive::FreeDecompressor::operator()(ZSTD_DCtx_s* d) const {
  ZSTD_freeDCtx(d);
}

void MessageArchive::append(const SipMessageRecord& r) {
  // Room for a full block and the record that fills it, once: no doubling.
  if (open_.capacity() == 0) open_.reserve(kBlockBytes + 64 * 1024);
  const std::size_t start = open_.size();
  locations_.push_back(
      {static_cast<std::uint32_t>(blocks_.size()), static_cast<std::uint32_t>(start)});
  // The carrier's frames, time, endpoints and connection are not written: get() is given them
  // back by the archive's owner, which keeps them anyway (a frame number, a time in nanoseconds
  // and a connection id differ from one message to the next: about a fifth of a block).
  Writer w(open_);
  const WsCarrier& ws = r.ws;
  w.put(ws.opcode);
  w.put(static_cast<std::uint8_t>((ws.compressed ? 1 : 0) | (ws.context_takeover ? 2 : 0) |
                                  (ws.masked ? 4 : 0) | (ws.handshake_seen ? 8 : 0)));
  w.put(ws.frames);
  w.put(ws.wire_bytes);
  // Frame numbers as their distance back from the message's first frame (which get() is given):
  // small numbers, where the frame numbers themselves differ in every record. Unsigned
  // arithmetic, so any value reads back exactly.
  w.put(r.first_frame - ws.first_frame);
  w.put(static_cast<std::uint32_t>(ws.frame_headers.size()));
  for (const WsFrameHeader& h : ws.frame_headers) {
    w.put(static_cast<std::uint8_t>((h.fin ? 1 : 0) | (h.rsv1 ? 2 : 0) | (h.rsv2 ? 4 : 0) |
                                    (h.rsv3 ? 8 : 0) | (h.masked ? 16 : 0) |
                                    (h.minimal_length ? 32 : 0) | (h.length_msb_set ? 64 : 0)));
    w.put(h.opcode);
    for (const std::uint8_t b : h.mask) w.put(b);
    w.put(h.length);
    w.put(h.header_length);
    w.put(r.first_frame - h.first_frame);
  }
  // A compressed message's deflated payload goes beside the blocks, as it is: zstd cannot make
  // deflate's output smaller, and amid the text it hid repeats from zstd (on medium.pcap its
  // 7.8 MB cost 9.1 MB in the blocks). The record keeps where it is.
  const std::string_view deflated = payloads_.keep(std::string_view(
      reinterpret_cast<const char*>(ws.compressed_payload.data()), ws.compressed_payload.size()));
  w.put(static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(deflated.data())));
  w.put(static_cast<std::uint64_t>(deflated.size()));
  w.put_bytes(r.bytes.data(), r.bytes.size());
  raw_bytes_ += open_.size() - start + deflated.size();
  open_copy_.reset();  // under the store owner's lock, as readers are
  if (open_.size() >= block_bytes_) seal();
}

void MessageArchive::seal() {
  if (open_.empty()) return;
  std::size_t raw_blocks = 0;
  {
    std::lock_guard lock(blocks_mutex_);
    Block block;
    block.raw_size = static_cast<std::uint32_t>(open_.size());
    block.bytes = std::move(open_);
    blocks_.push_back(std::move(block));
    raw_blocks = blocks_.size() - next_to_compress_;
  }
  open_ = {};
  // Nobody compressing them while they wait (one thread, or a reading thread never idle): this
  // thread does, so that at most kMaxRawBlocks stay raw.
  while (raw_blocks > kMaxRawBlocks && compress_next(true)) --raw_blocks;
}

bool MessageArchive::compress_next(bool wait) {
  std::unique_lock compressing(compress_mutex_, std::defer_lock);
  if (wait) {
    compressing.lock();
  } else if (!compressing.try_lock()) {
    return false;  // another thread is compressing: an idle thread does not wait for it
  }
  const std::uint8_t* raw = nullptr;
  std::size_t raw_size = 0;
  std::size_t index = 0;
  {
    std::lock_guard lock(blocks_mutex_);
    if (next_to_compress_ >= blocks_.size()) return false;
    index = next_to_compress_++;
    raw = blocks_[index].bytes.data();
    raw_size = blocks_[index].bytes.size();
  }
  // The raw bytes stay where they are meanwhile: only this function replaces a block's bytes,
  // under compress_mutex_; readers copy them under blocks_mutex_. One compression context,
  // reused block after block (making one costs more than a block).
  if (compressor_ == nullptr) compressor_.reset(ZSTD_createCCtx());
  if (compressor_ == nullptr) return true;  // left raw rather than lost
  // Into a buffer kept for the next block, then copied at its size: one allocation a block.
  scratch_.resize(ZSTD_compressBound(raw_size));
  const std::size_t size =
      ZSTD_compressCCtx(compressor_.get(), scratch_.data(), scratch_.size(), raw, raw_size, kLevel);
  // An error cannot happen with a buffer of ZSTD_compressBound's size; the block stays raw.
  if (ZSTD_isError(size) != 0) return true;
  std::vector<std::uint8_t> deflated(scratch_.begin(),
                                     scratch_.begin() + static_cast<std::ptrdiff_t>(size));
  std::lock_guard lock(blocks_mutex_);
  blocks_[index].bytes = std::move(deflated);
  blocks_[index].compressed = true;
  return true;
}

void MessageArchive::compress_pending() {
  while (compress_next(true)) {
  }
}

std::size_t MessageArchive::sealed_blocks() const {
  std::lock_guard lock(blocks_mutex_);
  return blocks_.size();
}

std::shared_ptr<const std::vector<std::uint8_t>> MessageArchive::inflated(
    std::uint32_t block) const {
  std::lock_guard<std::mutex> lock(cache_mutex_);
  if (block == sealed_blocks()) {
    if (open_copy_ == nullptr)
      open_copy_ = std::make_shared<const std::vector<std::uint8_t>>(open_);
    return open_copy_;
  }
  Cached& slot = cache_[block % kCachedBlocks];
  if (slot.block == block) return slot.bytes;
  auto bytes = std::make_shared<std::vector<std::uint8_t>>();
  const std::uint8_t* deflated = nullptr;
  std::size_t deflated_size = 0;
  std::uint32_t raw_size = 0;
  {
    std::lock_guard blocks_lock(blocks_mutex_);
    if (block >= blocks_.size()) return bytes;  // get() then finds nothing at the offset
    const Block& b = blocks_[block];
    if (!b.compressed) {
      *bytes = b.bytes;  // copied here: a compressing thread may replace them next
    } else {
      // Compressed bytes never change again, and a deque's elements do not move.
      deflated = b.bytes.data();
      deflated_size = b.bytes.size();
      raw_size = b.raw_size;
    }
  }
  if (deflated != nullptr) {
    bytes->resize(raw_size);
    if (decompressor_ == nullptr) decompressor_.reset(ZSTD_createDCtx());
    const std::size_t size = decompressor_ == nullptr
                                 ? 0
                                 : ZSTD_decompressDCtx(decompressor_.get(), bytes->data(),
                                                       bytes->size(), deflated, deflated_size);
    if (ZSTD_isError(size) != 0 || size != raw_size) {
      bytes->clear();  // get() then finds nothing at the record's offset
    }
  }
  slot = {block, bytes};
  return bytes;
}

std::unique_ptr<SipMessageRecord> MessageArchive::get(std::size_t i, const SipCarrier& carrier,
                                                      std::uint64_t index) const {
  if (i >= locations_.size()) return nullptr;
  const Location where = locations_[i];
  const auto block = inflated(where.block);
  if (where.offset >= block->size()) return nullptr;
  Reader in(block->data() + where.offset, block->data() + block->size());
  auto r = std::make_unique<SipMessageRecord>();
  static_cast<SipCarrier&>(*r) = carrier;
  r->index = index;
  WsCarrier& ws = r->ws;
  ws = WsCarrier{};
  ws.opcode = in.get<std::uint8_t>();
  const auto flags = in.get<std::uint8_t>();
  ws.compressed = (flags & 1) != 0;
  ws.context_takeover = (flags & 2) != 0;
  ws.masked = (flags & 4) != 0;
  ws.handshake_seen = (flags & 8) != 0;
  ws.frames = in.get<std::uint32_t>();
  ws.wire_bytes = in.get<std::uint64_t>();
  ws.first_frame = carrier.first_frame - in.get<std::uint64_t>();
  const auto headers = in.get<std::uint32_t>();
  for (std::uint32_t h = 0; h < headers && in.ok; ++h) {
    WsFrameHeader header;
    const auto bits = in.get<std::uint8_t>();
    header.fin = (bits & 1) != 0;
    header.rsv1 = (bits & 2) != 0;
    header.rsv2 = (bits & 4) != 0;
    header.rsv3 = (bits & 8) != 0;
    header.masked = (bits & 16) != 0;
    header.minimal_length = (bits & 32) != 0;
    header.length_msb_set = (bits & 64) != 0;
    header.opcode = in.get<std::uint8_t>();
    for (std::uint8_t& b : header.mask) b = in.get<std::uint8_t>();
    header.length = in.get<std::uint64_t>();
    header.header_length = in.get<std::uint8_t>();
    header.first_frame = carrier.first_frame - in.get<std::uint64_t>();
    ws.frame_headers.push_back(header);
  }
  // Written by append() from payloads_, which lives as long as this archive.
  const auto* deflated =
      reinterpret_cast<const std::uint8_t*>(static_cast<std::uintptr_t>(in.get<std::uint64_t>()));
  const auto deflated_size = in.get<std::uint64_t>();
  if (in.ok && deflated_size > 0) ws.compressed_payload.assign(deflated, deflated + deflated_size);
  in.bytes(r->bytes);
  if (!in.ok) return nullptr;
  parse_sip_message(std::string_view(r->bytes.data(), r->bytes.size()), r->sip, SipParseOptions{});
  return r;
}

std::uint64_t MessageArchive::memory_bytes() const {
  std::uint64_t total = open_.capacity() + locations_.size() * sizeof(Location);
  {
    std::lock_guard lock(blocks_mutex_);
    total += blocks_.size() * sizeof(Block);
    for (const Block& b : blocks_) total += b.bytes.capacity();
  }
  {
    std::lock_guard lock(compress_mutex_);
    total += scratch_.capacity();
  }
  total += payloads_.bytes();
  return total;
}

}  // namespace sipws
