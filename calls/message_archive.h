#pragma once
// Whole messages kept compressed: what a front end showing messages on demand (the GUI's and the
// terminal UI's message views, ladders, `flow -v`) needs of a capture of a million messages,
// at a fraction of the memory of keeping them parsed. Each record (its carrier, its WebSocket
// frame headers, its text) is written into an open block; a full block is compressed (zstd at
// level 1: SIP's repeated headers compress well even so). A compressed WebSocket message's
// deflated payload is kept beside the blocks, as it is (no compressor shrinks it).
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
  std::size_t sealed_blocks() const { return blocks_.size(); }  // compressed (the open one not)
  // Record i rebuilt and parsed again (SDP included), with `carrier` (its WebSocket part
  // ignored) and `index` as what append() did not keep; null past the end. Readers may run on
  // several threads at once (the cache has its own lock), but not beside append(): the store's
  // owner serialises them (the GUI's and the terminal UI's session lock).
  std::unique_ptr<SipMessageRecord> get(std::size_t i, const SipCarrier& carrier,
                                        std::uint64_t index) const;

  // Bytes held: deflated blocks, the open block, the index and the payloads beside them.
  std::uint64_t memory_bytes() const;
  // Bytes the records took before compression (their payloads included).
  std::uint64_t raw_bytes() const { return raw_bytes_; }

  // 256 KiB: zstd finds more of SIP's repeats in a bigger block (on medium.pcap 28.6 MB for
  // 113.4 MB of records, 32.2 MB with 64 KiB; 27.3 MB since the payloads went beside the
  // blocks; 1 MiB blocks: 26.8 MB, with `flow` 8% slower); a message shown costs one block's
  // decompression.
  static constexpr std::size_t kBlockBytes = 256 * 1024;
  // zstd's level 1: its fastest regular level (the SIP thread compresses as it builds calls).
  static constexpr int kLevel = 1;

 private:
  struct Location {
    std::uint32_t block;   // index into blocks_; blocks_.size() means the open block
    std::uint32_t offset;  // in the block's inflated bytes
  };
  struct Block {
    std::vector<std::uint8_t> deflated;
    std::uint32_t raw_size = 0;
  };
  void seal();  // deflates the open block
  // The inflated bytes of `block` (the open block as it is), through the cache.
  std::shared_ptr<const std::vector<std::uint8_t>> inflated(std::uint32_t block) const;

  std::deque<Location> locations_;  // a deque: no doubling (8 bytes a message, a million of them)
  std::vector<Block> blocks_;
  std::size_t block_bytes_;
  std::vector<std::uint8_t> open_;
  std::vector<std::uint8_t> scratch_;  // seal()'s compressor output, reused block after block
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
  std::unique_ptr<ZSTD_CCtx_s, FreeCompressor> compressor_;  // made at the first block
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
