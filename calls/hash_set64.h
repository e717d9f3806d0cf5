#pragma once
// A set of 64-bit hashes (CallStore's retransmission keys). Open addressing with linear probing
// in one array, the slot taken from the key's high bits after a multiplication (Fibonacci
// hashing), so that keys alike in their low bits do not pile up in one run: no
// allocation per key, 8 bytes a slot and at most three quarters of the slots used (11 to 21
// bytes a key; linear probing stays short at that load with a multiplicative hash),
// where a node of std::unordered_set<std::uint64_t> costs about 40. CallStore keeps one key per
// message of a capture in it.

#include <bit>
#include <cstdint>
#include <vector>

namespace sipws {

class HashSet64 {
 public:
  // Adds `key`; false when it was there already.
  bool insert(std::uint64_t key) {
    if (key == 0) {  // 0 marks a free slot: the key 0 is kept apart
      const bool fresh = !has_zero_;
      has_zero_ = true;
      size_ += fresh ? 1 : 0;
      return fresh;
    }
    if ((size_ + 1) * 4 > slots_.size() * 3) grow();
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = slot(key);; i = (i + 1) & mask) {
      if (slots_[i] == key) return false;
      if (slots_[i] == 0) {
        slots_[i] = key;
        ++size_;
        return true;
      }
    }
  }
  std::size_t size() const { return size_; }

 private:
  std::size_t slot(std::uint64_t key) const {
    return static_cast<std::size_t>((key * 0x9e3779b97f4a7c15ull) >> shift_);
  }
  void grow() {
    std::vector<std::uint64_t> previous(slots_.size() < 16 ? 16 : slots_.size() * 2, 0);
    previous.swap(slots_);  // slots_ is now the larger array, empty
    shift_ = 64 - static_cast<unsigned>(std::countr_zero(slots_.size()));
    const std::size_t mask = slots_.size() - 1;
    for (const std::uint64_t key : previous) {
      if (key == 0) continue;
      std::size_t i = slot(key);
      while (slots_[i] != 0) i = (i + 1) & mask;
      slots_[i] = key;
    }
  }

  std::vector<std::uint64_t> slots_;  // a power of two in size, 0 = free
  unsigned shift_ = 64;               // 64 - log2(slots_.size())
  std::size_t size_ = 0;
  bool has_zero_ = false;
};

}  // namespace sipws
