#pragma once
// Text kept for as long as its owner lives, packed end to end in large chunks: a view of it
// costs 16 bytes and the characters, where a std::string costs 32 and, past 15 characters, a
// heap block of its own. For the many short, distinct texts a call store keeps (ICE passwords,
// DTLS fingerprints), which nothing ever frees one by one. Views stay valid when more is kept:
// chunks never move.

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
      // A text longer than a chunk gets a chunk of its own size.
      chunk_size_ = std::max(kChunkBytes, text.size());
      chunks_.push_back(std::make_unique<char[]>(chunk_size_));
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
  static constexpr std::size_t kChunkBytes = 64 * 1024;
  std::vector<std::unique_ptr<char[]>> chunks_;
  std::size_t chunk_size_ = 0;  // of the last chunk
  std::size_t used_ = 0;        // of the last chunk
  std::size_t allocated_ = 0;   // all chunks
};

}  // namespace sipws
