#pragma once
// Bytes kept for as long as their owner lives, packed end to end in chunks: a view of them costs
// 16 bytes and the bytes, where a std::string costs 32 and, past 15 characters, a heap block of
// its own. For the many short, distinct texts a call store keeps (ICE credentials, DTLS
// fingerprints) and the archive's deflated WebSocket payloads, which nothing frees one by one.
// Views stay valid when more is kept: chunks never move. Chunks start small and double up to
// 64 KiB, so that an arena holding one call's few texts (a live analysis keeps a store per
// call) costs a few hundred bytes, not a chunk of 64 KiB.

#include <algorithm>
#include <cstddef>
#include <memory>
#include <string_view>
#include <vector>

namespace sipws {

class TextArena {
 public:
  // A copy of `text`, valid as long as the arena is.
  std::string_view keep(std::string_view text) {
    if (text.empty()) return {};
    if (chunks_.empty() || used_ + text.size() > chunk_size_) {
      // Twice the last chunk (up to kMaxChunkBytes), and at least the text. Not zero-filled.
      const std::size_t next =
          chunks_.empty() ? kFirstChunkBytes : std::min(kMaxChunkBytes, 2 * chunk_size_);
      chunk_size_ = std::max(next, text.size());
      chunks_.push_back(std::unique_ptr<char[]>(new char[chunk_size_]));
      allocated_ += chunk_size_;
      used_ = 0;
    }
    char* at = chunks_.back().get() + used_;
    std::copy(text.begin(), text.end(), at);
    used_ += text.size();
    return {at, text.size()};
  }
  std::size_t bytes() const { return allocated_; }  // in chunks, used or not

 private:
  static constexpr std::size_t kFirstChunkBytes = 256;
  static constexpr std::size_t kMaxChunkBytes = 64 * 1024;
  std::vector<std::unique_ptr<char[]>> chunks_;
  std::size_t chunk_size_ = 0;  // of the last chunk
  std::size_t used_ = 0;        // of the last chunk
  std::size_t allocated_ = 0;   // all chunks
};

}  // namespace sipws
