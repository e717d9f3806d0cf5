#pragma once
// Whole messages kept compressed: what a front end showing messages on demand (the GUI's and the
// terminal UI's message views, ladders, `flow -v`) needs of a capture of a million messages,
// at a fraction of the memory of keeping them parsed. Each record (its WebSocket carrier and
// frame headers, its text) is written into an open block; a full block is compressed (zstd at
// level 1: SIP's repeated headers compress well even so) by whichever thread has time for it.
// A compressed WebSocket message's deflated payload is kept beside the blocks, as it is (no
// compressor shrinks it).
// Reading record i decompresses its block (recent blocks stay decompressed, so a ladder's
// messages cost one decompression per block) and parses the text again.

#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <vector>

#include "calls/text_arena.h"
#include "dissector/sip/sip_record.h"

struct ZSTD_CCtx_s;
struct ZSTD_DCtx_s;

namespace sipws {

class MessageArchive {
 public:
  // `block_bytes`: a block is sealed once it holds this much (tests use small blocks to reach
  // compression with small captures).
  explicit MessageArchive(std::size_t block_bytes = kBlockBytes) : block_bytes_(block_bytes) {}

  // Appends `record` as number size(): its WebSocket carrier, its deflated payload and its text.
  // Its index and the rest of its carrier (frames, time, endpoints, connection) are not kept:
  // the archive's owner keeps them anyway (the call store's summaries) and gives them to get().
  void append(const SipMessageRecord& record);
  std::size_t size() const { return locations_.size(); }
  std::size_t sealed_blocks() const;  // full: compressed, or waiting raw (the open one not)
  // Record i rebuilt and parsed again (SDP included), with `carrier` (its WebSocket part
  // ignored) and `index` as what append() did not keep; null past the end. Readers may run on
  // several threads at once (the cache has its own lock), but not beside append(): the store's
  // owner serialises them (the GUI's and the terminal UI's session lock).
  std::unique_ptr<SipMessageRecord> get(std::size_t i, const SipCarrier& carrier,
                                        std::uint64_t index) const;

  // Compresses the oldest full block still raw, on the calling thread; false when there is none
  // (or, without `wait`, when another thread is compressing one). Any thread may call it beside
  // append() and get(): the reading thread does while it waits for the SIP thread (a full
  // hand-off), so that compression, a fifth of the SIP thread's work in the GUI, is done in time
  // that thread would spend idle. Full blocks nobody compresses are compressed by append() once
  // more than kMaxRawBlocks wait.
  bool compress_next(bool wait = true);
  void compress_pending();  // every full block still raw (the analysis's end)
  // Bytes held: deflated blocks, the open block, the index and the payloads beside them.
  std::uint64_t memory_bytes() const;
  // Bytes the records took before compression (their payloads included).
  std::uint64_t raw_bytes() const { return raw_bytes_; }

  // 256 KiB: zstd finds more of SIP's repeats in a bigger block (on medium.pcap 28.6 MB for
  // 113.4 MB of records, 32.2 MB with 64 KiB; 27.3 MB since the payloads went beside the
  // blocks; 1 MiB blocks: 26.8 MB, with `flow` 8% slower); a message shown costs one block's
  // decompression.
  static constexpr std::size_t kBlockBytes = 256 * 1024;
  // zstd's level 1: its fastest regular level.
  static constexpr int kLevel = 1;
  // Full blocks that may wait raw for an idle thread to compress them (4 MiB).
  static constexpr std::size_t kMaxRawBlocks = 16;

 private:
  struct Location {
    std::uint32_t block;   // index into blocks_; blocks_.size() means the open block
    std::uint32_t offset;  // in the block's inflated bytes
  };
  struct Block {
    std::vector<std::uint8_t> bytes;  // as appended until compressed, then zstd's
    std::uint32_t raw_size = 0;
    bool compressed = false;
  };
  void seal();  // the open block joins the full ones, to be compressed
  // The inflated bytes of `block` (the open block as it is), through the cache.
  std::shared_ptr<const std::vector<std::uint8_t>> inflated(std::uint32_t block) const;

  std::deque<Location> locations_;  // a deque: no doubling (8 bytes a message, a million of them)
  // Full blocks. Appended to by append()'s thread alone; a compressing thread replaces a
  // block's bytes. A deque: its elements stay put as it grows.
  mutable std::mutex blocks_mutex_;
  std::deque<Block> blocks_;          // under blocks_mutex_
  std::size_t next_to_compress_ = 0;  // under blocks_mutex_: blocks before it are done or doing
  std::size_t block_bytes_;
  std::vector<std::uint8_t> open_;
  // One compression at a time: its context and output buffer (reused block after block).
  mutable std::mutex compress_mutex_;
  std::vector<std::uint8_t> scratch_;  // under compress_mutex_
  TextArena payloads_;  // compressed WebSocket messages' payloads (deflated bytes, not text)
  // A copy of the open block as readers last saw it, shared until the next append: a ladder of
  // messages still in the open block (a small or live capture) copies it once, not per message.
  mutable std::shared_ptr<const std::vector<std::uint8_t>> open_copy_;
  std::uint64_t raw_bytes_ = 0;
  struct FreeCompressor {
    void operator()(ZSTD_CCtx_s* c) const;
  };
  struct FreeDecompressor {
    void operator()(ZSTD_DCtx_s* d) const;
  };
  std::unique_ptr<ZSTD_CCtx_s, FreeCompressor> compressor_;  // under compress_mutex_
  mutable std::mutex cache_mutex_;
  mutable std::unique_ptr<ZSTD_DCtx_s, FreeDecompressor> decompressor_;  // under cache_mutex_
  struct Cached {
    std::uint32_t block = UINT32_MAX;
    std::shared_ptr<const std::vector<std::uint8_t>> bytes;
  };
  // Decompressed blocks, direct-mapped by block number: the messages of one call are spread over
  // the blocks of everything that happened meanwhile, a run of consecutive blocks, which map to
  // distinct slots. At most 256 blocks of about 256 KiB (64 MiB) stay decompressed. (With 64 KiB
  // blocks and 256 of them, `flow` on a 100 MB capture took 3.6 s instead of 2.5; 256 KiB
  // blocks keep 11% less than 64 KiB ones and `flow` takes 1.9 s.)
  static constexpr std::size_t kCachedBlocks = 256;
  mutable std::vector<Cached> cache_ = std::vector<Cached>(kCachedBlocks);
};

}  // namespace sipws
