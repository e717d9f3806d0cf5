#pragma once
// The calls of a capture that does not end (`live`, `listen`, any front end that follows a live
// source): the same call model and rules across messages as an offline analysis, with bounded
// memory. Each live call has a store of its own; a call that is over (a final state) leaves
// memory `linger` after its last message, one that is not after `idle` without a message, and
// the least recently active when more than `max_calls` are live (a limit.live_calls finding).
// As a call leaves, the rules across its messages run on it (check_calls), so that its findings
// are those an offline analysis gives, with the call's index as offline numbering gives it as
// long as no Call-ID comes back after its call left.

#include <cstdint>
#include <list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "calls/call_store.h"
#include "capture/finding.h"

namespace sipws {

struct LiveCallLimits {
  TimeNs linger = 32'000'000'000;  // 64 x T1 (RFC 3261 Timer B): late retransmissions land;
                                   // 0: an ended call stays (until idle)
  TimeNs idle = 3600'000'000'000;  // 0: never
  std::uint64_t max_calls = 100'000;
  // Keep each live call's messages whole (CallStore's keep_records): a front end that shows
  // ladders and message text of live calls (the terminal UI) needs them; printing does not.
  bool keep_records = false;
};

struct CallMedia;
class MediaTracker;

class LiveCallObserver {
 public:
  virtual ~LiveCallObserver() = default;
  // A message joined `call` (index: its place in capture order); `state_changed` when its state
  // differs from what the last message left (always for the first).
  virtual void on_call_message(const Call& call, std::uint64_t index, bool state_changed) = 0;
  // `call` leaves memory, checked. `media`: its media as associate_media judged it, when the
  // live calls count media (set_media) and the capture has carried some; else null.
  virtual void on_call_left(const Call& call, std::uint64_t index, const CallMedia* media) {
    (void)call;
    (void)index;
    (void)media;
  }
};

class LiveCalls final : public SipMessageSink {
 public:
  LiveCalls(LiveCallLimits limits, FindingSink& findings, LiveCallObserver* observer = nullptr);
  ~LiveCalls() override;

  void on_sip_message(SipMessageRecord&& record) override;
  // Capture time has reached `now`: calls that are due leave memory (checked once a second).
  void advance(TimeNs now);
  // End of input: every call still live is checked and leaves, in index order.
  void finish();
  // Judge each call's media as it leaves, from what `tracker` counted (its media.* findings
  // join the others); the tracker's idle media is forgotten as capture time passes.
  void set_media(MediaTracker* tracker) { media_ = tracker; }

  std::size_t live() const { return lru_.size(); }
  std::uint64_t calls_seen() const { return next_index_; }
  std::uint64_t evicted_early() const { return evicted_early_; }
  // The Call-ID of a live call, by index (none when it has left): for findings being written.
  std::optional<std::string_view> call_id_of(std::uint64_t index) const;
  // The store that holds a live call (its only call), by index; null when it has left.
  const CallStore* store_of(std::uint64_t index) const;
  // Each live call's index and store, least recently active first.
  template <class Visit>
  void visit(Visit&& visit) const {
    for (const auto& entry : lru_) visit(entry_index(*entry), entry_store(*entry));
  }

 private:
  struct Entry;
  static std::uint64_t entry_index(const Entry& entry);
  static const CallStore& entry_store(const Entry& entry);
  using Lru = std::list<std::unique_ptr<Entry>>;
  void evict(Lru::iterator it);

  LiveCallLimits limits_;
  FindingSink& findings_;
  LiveCallObserver* observer_;
  MediaTracker* media_ = nullptr;
  TimeNs media_forgotten_at_ = 0;
  Lru lru_;  // least recently active first
  std::unordered_map<std::string, Lru::iterator> by_call_id_;
  std::unordered_map<std::uint64_t, Lru::iterator> by_index_;
  std::uint64_t next_index_ = 0;
  std::uint64_t evicted_early_ = 0;
  TimeNs next_scan_ = 0;
};

}  // namespace sipws
