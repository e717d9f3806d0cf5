#pragma once
// A bounded, ordered hand-off of work items from one producing thread to one consuming thread.
// Items are filled in place in batches; a full batch goes to the consumer, which processes its
// items in order and gives the batch back empty, so that items (and the buffers inside them)
// are reused and memory stays bounded and steady. Nothing here knows what an item is: the
// dissector hands SIP work over with it; any stage that wants a thread of its own can too.

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace sipws {

struct BatchHandoffLimits {
  std::size_t items_per_batch = 64;
  std::size_t max_batches = 4;
  // A batch also goes when its items' sizes (as submitted) reach this, so that big items do not
  // pile up: in flight are at most max_batches x (batch_bytes + one item).
  std::size_t batch_bytes = 1 << 20;
  // Held by the consuming thread while it consumes each batch (not while it waits): what the
  // consumer builds may then be read, between batches, by whoever else takes this lock (the
  // GUI's snapshots). The producer must never hold it while it submits or drains.
  std::mutex* consumer_lock = nullptr;
  // Called by the producer, without any lock, while it would wait for the consumer (every batch
  // in flight, or draining): one small piece of work that any thread may do, returning false
  // when there is none. The time the producer spends waiting goes to it instead (the GUI's
  // message archive compresses its blocks so, off the consumer's thread).
  std::function<bool()> producer_idle_work;
};

template <typename Item>
class BatchHandoff {
 public:
  // Starts the consuming thread; `consume` is called there for each item, in order.
  BatchHandoff(std::function<void(Item&)> consume, BatchHandoffLimits limits = {})
      : consume_(std::move(consume)), limits_(limits), worker_([this] { run(); }) {}
  ~BatchHandoff() {
    drain();
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    changed_.notify_all();
    worker_.join();
  }
  BatchHandoff(const BatchHandoff&) = delete;
  BatchHandoff& operator=(const BatchHandoff&) = delete;

  // The slot for the next item (as the consumer left it: reset it before use). Waits while all
  // batches are in flight.
  Item& next() {
    if (filling_ == nullptr) {
      std::unique_lock lock(mutex_);
      wait_for(lock, [this] { return !empty_.empty() || batches_.size() < limits_.max_batches; });
      if (!empty_.empty()) {
        filling_ = empty_.back();
        empty_.pop_back();
      } else {
        batches_.push_back(std::make_unique<Batch>());
        filling_ = batches_.back().get();
      }
    }
    if (filling_->used == filling_->items.size()) filling_->items.emplace_back();
    return filling_->items[filling_->used];
  }

  // The item from next() is complete; `bytes` is what it holds, towards batch_bytes.
  void submit(std::size_t bytes) {
    filling_->bytes += bytes;
    if (++filling_->used < limits_.items_per_batch && filling_->bytes < limits_.batch_bytes) return;
    {
      std::lock_guard lock(mutex_);
      full_.push_back(filling_);
      ++in_flight_;
    }
    filling_ = nullptr;
    changed_.notify_all();
  }

  // Hands over what is being filled and waits until the consumer has processed everything.
  void drain() {
    std::unique_lock lock(mutex_);
    if (filling_ != nullptr && filling_->used > 0) {
      full_.push_back(filling_);
      ++in_flight_;
      filling_ = nullptr;
      changed_.notify_all();
    }
    wait_for(lock, [this] { return in_flight_ == 0; });
  }

 private:
  struct Batch {
    std::vector<Item> items;
    std::size_t used = 0;
    std::size_t bytes = 0;
  };

  // The producer's wait, doing idle work while there is some.
  template <typename Ready>
  void wait_for(std::unique_lock<std::mutex>& lock, Ready ready) {
    while (!ready()) {
      if (limits_.producer_idle_work) {
        lock.unlock();
        const bool worked = limits_.producer_idle_work();
        lock.lock();
        if (worked) continue;
      }
      changed_.wait(lock, ready);
    }
  }

  void run() {
    for (;;) {
      Batch* batch = nullptr;
      {
        std::unique_lock lock(mutex_);
        changed_.wait(lock, [this] { return !full_.empty() || stopping_; });
        if (full_.empty()) return;  // stopping, and nothing left
        batch = full_.front();
        full_.pop_front();
      }
      {
        std::unique_lock<std::mutex> held;
        if (limits_.consumer_lock != nullptr) held = std::unique_lock(*limits_.consumer_lock);
        for (std::size_t i = 0; i < batch->used; ++i) consume_(batch->items[i]);
      }
      {
        std::lock_guard lock(mutex_);
        batch->used = 0;
        batch->bytes = 0;
        empty_.push_back(batch);
        --in_flight_;
      }
      changed_.notify_all();
    }
  }

  std::function<void(Item&)> consume_;
  BatchHandoffLimits limits_;
  Batch* filling_ = nullptr;  // the producer's own
  std::vector<std::unique_ptr<Batch>> batches_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<Batch*> full_;    // waiting for the consumer, in order
  std::vector<Batch*> empty_;  // back from the consumer
  std::size_t in_flight_ = 0;  // batches handed over and not yet back
  bool stopping_ = false;
  std::thread worker_;  // last: started once everything above is constructed
};

}  // namespace sipws
