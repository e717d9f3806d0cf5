#include "calls/live_calls.h"

#include <algorithm>
#include <vector>

#include "calls/call_rules.h"
#include "calls/media.h"

namespace sipws {
namespace {

constexpr TimeNs kScanInterval = 1'000'000'000;

bool is_over(CallState state) {
  switch (state) {
    case CallState::call_setup:
    case CallState::ringing:
    case CallState::in_call:
    case CallState::no_response:
      return false;
    default:
      return true;
  }
}

// The findings of a call's own store name its call 0: give them the call's live index.
class CallIndexSink final : public FindingSink {
 public:
  CallIndexSink(FindingSink& to, std::uint64_t index) : to_(to), index_(index) {}
  using FindingSink::report;
  void report(Finding finding) override {
    if (finding.call != kNoId) finding.call = index_;
    to_.report(std::move(finding));
  }

 private:
  FindingSink& to_;
  std::uint64_t index_;
};

}  // namespace

struct LiveCalls::Entry {
  std::uint64_t index = 0;
  std::string call_id;
  explicit Entry(bool keep_records) : store(keep_records) {}
  CallStore store;  // this call's messages: summaries, and whole when keep_records
  TimeNs last = 0;  // capture time of its last message
  CallState state = CallState::no_response;
};

LiveCalls::LiveCalls(LiveCallLimits limits, FindingSink& findings, LiveCallObserver* observer)
    : limits_(limits), findings_(findings), observer_(observer) {}

LiveCalls::~LiveCalls() = default;

std::optional<std::string_view> LiveCalls::call_id_of(std::uint64_t index) const {
  const auto it = by_index_.find(index);
  if (it == by_index_.end()) return std::nullopt;
  return std::string_view((*it->second)->call_id);
}

const CallStore* LiveCalls::store_of(std::uint64_t index) const {
  const auto it = by_index_.find(index);
  return it == by_index_.end() ? nullptr : &(*it->second)->store;
}

std::uint64_t LiveCalls::entry_index(const Entry& entry) {
  return entry.index;
}
const CallStore& LiveCalls::entry_store(const Entry& entry) {
  return entry.store;
}

void LiveCalls::on_sip_message(SipMessageRecord&& record) {
  const TimeNs time = record.timestamp;
  auto found = by_call_id_.find(std::string(record.sip.call_id));
  Lru::iterator it;
  bool fresh = false;
  if (found == by_call_id_.end()) {
    auto entry = std::make_unique<Entry>(limits_.keep_records);
    entry->index = next_index_++;
    entry->call_id = std::string(record.sip.call_id);
    lru_.push_back(std::move(entry));
    it = std::prev(lru_.end());
    by_call_id_.emplace((*it)->call_id, it);
    by_index_.emplace((*it)->index, it);
    fresh = true;
  } else {
    it = found->second;
    lru_.splice(lru_.end(), lru_, it);  // now the most recently active
  }
  Entry& entry = **it;
  entry.last = std::max(entry.last, time);
  entry.store.on_sip_message(std::move(record));
  const Call& call = entry.store.calls().front();
  const bool changed = fresh || call.state != entry.state;
  entry.state = call.state;
  if (observer_ != nullptr) observer_->on_call_message(call, entry.index, changed);
  if (limits_.max_calls > 0 && lru_.size() > limits_.max_calls) {
    const Entry& oldest = *lru_.front();
    Finding f{FindingId::limit_live_calls};
    f.call = oldest.index;
    f.detail = std::to_string(limits_.max_calls) + " calls live; call " + oldest.call_id +
               " left memory " + (is_over(oldest.state) ? "while lingering" : "before it ended");
    const auto& summaries = oldest.store.summaries();
    if (!summaries.empty()) f.frame = summaries.back().frame;
    ++evicted_early_;
    findings_.report(std::move(f));
    evict(lru_.begin());
  }
  advance(time);
}

void LiveCalls::advance(TimeNs now) {
  if (now < next_scan_) return;
  next_scan_ = now + kScanInterval;
  for (auto it = lru_.begin(); it != lru_.end();) {
    const Entry& entry = **it;
    // This and every later one are recent (linger 0: the over ones stay; idle decides).
    if (limits_.linger > 0 && now - entry.last < limits_.linger) break;
    const bool due = (limits_.linger > 0 && is_over(entry.state)) ||
                     (limits_.idle > 0 && now - entry.last >= limits_.idle);
    auto next = std::next(it);
    if (due) evict(it);
    it = next;
  }
  // Media idle for longer than a call can wait to leave is no live call's any more.
  if (media_ != nullptr && now - media_forgotten_at_ >= 10'000'000'000) {
    media_forgotten_at_ = now;
    const TimeNs wait = limits_.linger > 0 ? limits_.linger : limits_.idle;
    media_->forget_idle(now - std::max<TimeNs>(wait + 60'000'000'000, 120'000'000'000));
  }
}

void LiveCalls::evict(Lru::iterator it) {
  Entry& entry = **it;
  entry.store.finish();
  CallIndexSink findings(findings_, entry.index);
  check_calls(entry.store, findings);
  if (media_ != nullptr) {
    MediaRuleOptions options;
    options.finish_streams = false;  // the streams go on for other calls
    MediaReport report = associate_media(entry.store, *media_, options);
    for (Finding& f : report.findings) findings.report(std::move(f));
    const bool any =
        !media_->streams().empty() || !media_->pairs().empty() || !media_->dtls().empty();
    if (observer_ != nullptr && !entry.store.calls().empty()) {
      observer_->on_call_left(entry.store.calls().front(), entry.index,
                              any && !report.calls.empty() ? &report.calls.front() : nullptr);
    }
  } else if (observer_ != nullptr && !entry.store.calls().empty()) {
    observer_->on_call_left(entry.store.calls().front(), entry.index, nullptr);
  }
  by_call_id_.erase(entry.call_id);
  by_index_.erase(entry.index);
  lru_.erase(it);
}

void LiveCalls::finish() {
  std::vector<Lru::iterator> order;
  order.reserve(lru_.size());
  for (auto it = lru_.begin(); it != lru_.end(); ++it) order.push_back(it);
  std::sort(order.begin(), order.end(), [](const Lru::iterator& a, const Lru::iterator& b) {
    return (*a)->index < (*b)->index;
  });
  for (const auto& it : order) evict(it);
}

}  // namespace sipws
