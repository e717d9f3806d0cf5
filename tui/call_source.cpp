#include "tui/call_source.h"

#include <algorithm>
#include <map>
#include <set>

#include "capture/capture_file.h"
#include "capture/capture_pipeline.h"
#include "session/hep_listener.h"
#include "session/live_analysis.h"
#include "session/live_source.h"
#include "session/media_fields.h"

namespace sipws::tui {
namespace {

using Kind = SourceOptions::Kind;

}  // namespace

// Everything the reading thread and the UI thread share; `mutex` guards all but the atomics.
struct CallSource::State final : public FindingSink, public LiveCallObserver {
  SourceOptions options;
  AnalysisLimits limits;
  mutable std::mutex mutex;
  // The UI thread is waiting for `mutex`: the reading thread lets it in between slices (a
  // mutex is not fair, and a reader that locks again at once would starve the screen).
  mutable std::atomic<int> ui_waiting{0};
  std::atomic<bool> stop{false};
  std::atomic<bool> reading{true};

  // The input: one of these.
  std::unique_ptr<CaptureFile> file;
  std::unique_ptr<LiveCapture> capture;
  std::unique_ptr<HepListener> hep;

  // A file's analysis, or a live one.
  std::unique_ptr<Analysis> offline;
  std::unique_ptr<LiveAnalysis> live;

  SourceStatus status;
  std::set<std::uint64_t> dirty;  // calls changed since take_changes (beyond the analysis's)
  std::set<std::uint64_t> shown;  // calls the UI holds (live): to tell which left
  std::map<std::uint64_t, std::size_t> call_findings;
  std::deque<FindingRow> live_findings;  // live: the most recent, oldest first
  std::size_t findings_counted = 0;      // offline: findings already in call_findings
  bool findings_changed = false;
  bool all_changed = false;  // offline: the analysis finished; every row again

  // FindingSink (live): under `mutex`, from the reading thread.
  using FindingSink::report;
  void report(Finding finding) override {
    FindingRow row = finding_row(finding, status.findings++);
    if (row.call != kNoId) {
      ++call_findings[row.call];
      dirty.insert(row.call);
    }
    live_findings.push_back(std::move(row));
    if (live_findings.size() > options.max_findings) live_findings.pop_front();
    findings_changed = true;
  }
  // LiveCallObserver: under `mutex`, from the reading thread.
  void on_call_message(const Call&, std::uint64_t index, bool) override { dirty.insert(index); }

  // Offline: the call each new finding is about, counted (under `mutex`).
  void count_offline_findings() {
    const auto& all = offline->findings();
    for (; findings_counted < all.size(); ++findings_counted) {
      const Finding& f = all[findings_counted];
      const std::uint64_t call =
          f.call != kNoId ? f.call : offline->call_of(offline->message_of(f));
      if (call != kNoId) {
        ++call_findings[call];
        dirty.insert(call);
      }
      findings_changed = true;
    }
    status.findings = all.size();
  }

  std::size_t findings_of(std::uint64_t call) const {
    const auto it = call_findings.find(call);
    return it == call_findings.end() ? 0 : it->second;
  }

  // Each held call with the store that holds it.
  template <class Visit>
  void each_call(Visit&& visit) const {
    if (offline) {
      for (const Call& c : offline->store().calls()) visit(c.index, offline->store(), c);
    } else {
      live->calls().visit([&](std::uint64_t index, const CallStore& store) {
        if (!store.calls().empty()) visit(index, store, store.calls().front());
      });
    }
  }
  struct Held {
    const CallStore* store = nullptr;
    const Call* call = nullptr;
  };
  Held find(std::uint64_t index) const {
    if (offline) {
      const auto& calls = offline->store().calls();
      if (index >= calls.size()) return {};
      return {&offline->store(), &calls[index]};
    }
    const CallStore* store = live->calls().store_of(index);
    if (store == nullptr || store->calls().empty()) return {};
    return {store, &store->calls().front()};
  }
  CallRow row_of_call(std::uint64_t index, const Call& call) const {
    CallRow row = call_row(call, findings_of(index));
    row.call = index;
    if (offline && offline->finished() && index < offline->media_report().calls.size())
      add_call_media(row, offline->media_report().calls[index]);
    return row;
  }
};

namespace {

// The UI thread's hold on the source: says it is waiting, so that the reader steps aside.
class UiLock {
 public:
  explicit UiLock(const CallSource::State& state) : waiting_(state.ui_waiting) {
    ++waiting_;
    lock_ = std::unique_lock(state.mutex);
    --waiting_;
  }

 private:
  std::atomic<int>& waiting_;
  std::unique_lock<std::mutex> lock_;
};

// The reading thread, between two slices or packets: the UI goes first.
void let_ui_in(const CallSource::State& state) {
  while (state.ui_waiting.load() > 0) std::this_thread::yield();
}

}  // namespace

Result<std::unique_ptr<CallSource>> CallSource::open(const SourceOptions& options,
                                                     const AnalysisLimits& limits) {
  auto state = std::make_unique<State>();
  state->options = options;
  state->limits = limits;
  // Calls show while the input is read: the SIP half runs on the reading thread.
  state->limits.dissector.sip_thread = false;
  SourceStatus& status = state->status;
  std::string error;
  switch (options.kind) {
    case Kind::file:
      state->file = CaptureFile::open(options.path, error);
      if (!state->file) return Failure{error};
      status.name = options.path;
      status.size = state->file->size();
      break;
    case Kind::standard_input:
      state->file = CaptureFile::open("-", error);
      if (!state->file) return Failure{error};
      status.name = "standard input";
      break;
    case Kind::interface: {
      auto opened = open_live_capture(options.capture, options.user);
      if (!opened) return Failure{opened.error()};
      state->capture = std::move(*opened);
      status.name = options.capture.interface;
      break;
    }
    case Kind::hep: {
      auto opened = HepListener::open(options.hep_bind, options.hep_port);
      if (!opened) return Failure{opened.error()};
      state->hep = std::move(*opened);
      status.name = "HEP port " + std::to_string(state->hep->port());
      break;
    }
  }
  status.live = options.kind != Kind::file;
  if (status.live) {
    state->limits.live_calls.keep_records = true;
    State& s = *state;
    state->live = std::make_unique<LiveAnalysis>(state->limits, s, nullptr, &s);
  } else {
    state->limits.compress_records = true;  // shown on demand: big captures fit in memory
    state->offline = std::make_unique<Analysis>(state->limits);
  }
  return std::unique_ptr<CallSource>(new CallSource(std::move(state)));
}

CallSource::CallSource(std::unique_ptr<State> state) : state_(std::move(state)) {}

CallSource::~CallSource() {
  stop();
}

void CallSource::start() {
  if (!thread_.joinable()) thread_ = std::thread([this] { run(); });
}

void CallSource::stop() {
  state_->stop = true;
  if (thread_.joinable()) thread_.join();
}

void CallSource::wait_until_read() const {
  while (state_->reading) std::this_thread::sleep_for(std::chrono::milliseconds(5));
}

void CallSource::run() {
  State& s = *state_;
  auto ended = [&s](std::string error) {
    std::lock_guard lock(s.mutex);
    s.status.reading = false;
    s.status.error = std::move(error);
    s.reading = false;
  };
  switch (s.options.kind) {
    case Kind::file: {
      CaptureReader reader(*s.file, s.offline->pipeline(), s.offline->finding_sink());
      reader.set_secrets_handler(
          [&s](const std::string& secrets) { s.offline->key_log().add_text(secrets); });
      // A slice at a time under the lock: a file does not make the reader wait.
      bool more = true;
      while (more && !s.stop) {
        let_ui_in(s);
        std::lock_guard lock(s.mutex);
        more = reader.step(512);
        s.status.packets = reader.summary().frames;
        s.status.messages = s.offline->store().summaries().size();
        s.status.calls_seen = s.offline->store().calls().size();
        s.status.position = s.file->position();
        s.count_offline_findings();
      }
      std::lock_guard lock(s.mutex);
      if (!reader.ended()) reader.end();
      s.offline->finish();
      // The rules across messages have run, and a call's legs are grouped: every row again.
      s.call_findings.clear();
      s.findings_counted = 0;
      s.count_offline_findings();
      s.all_changed = true;
      s.status.calls_seen = s.offline->store().calls().size();
      s.status.position = s.file->position();
      s.status.reading = false;
      s.status.error = reader.summary().damaged ? reader.summary().error : "";
      s.reading = false;
      return;
    }
    case Kind::standard_input: {
      RawPacket packet;
      for (;;) {
        // Waiting for the next packet (a pipe from tcpdump may be slow) happens outside the lock.
        const ReadStatus read = s.file->next(packet);
        if (read != ReadStatus::packet || s.stop) {
          ended(read == ReadStatus::error ? s.file->error() : "");
          return;
        }
        std::lock_guard lock(s.mutex);
        s.live->on_packet(packet);
        ++s.status.packets;
        s.status.messages = s.live->messages();
        s.status.calls_seen = s.live->calls().calls_seen();
      }
    }
    case Kind::interface: {
      run_capture_loop(
          *s.capture, {},
          [&s](const RawPacket& packet) {
            std::lock_guard lock(s.mutex);
            s.live->on_packet(packet);
            ++s.status.packets;
            s.status.messages = s.live->messages();
            s.status.calls_seen = s.live->calls().calls_seen();
          },
          [&s] { return s.stop.load(); });
      ended("");
      return;
    }
    case Kind::hep: {
      std::uint64_t packets = 0;
      auto take = [&s, &packets](const HepMessage& m) {
        ++packets;
        if (m.protocol_type != 1) return;  // SIP only
        SipCarrier carrier;
        carrier.frame = carrier.first_frame = packets;
        carrier.timestamp = m.timestamp;
        carrier.src = m.src;
        carrier.dst = m.dst;
        carrier.transport =
            m.transport.value_or(m.ip_protocol == 17 ? SipTransport::udp : SipTransport::tcp);
        std::lock_guard lock(s.mutex);
        s.live->on_carried_message(carrier, m.payload);
        s.status.packets = packets;
        s.status.messages = s.live->messages();
        s.status.calls_seen = s.live->calls().calls_seen();
      };
      while (!s.stop) s.hep->poll(100, take, [](const std::string&) {});
      ended("");
      return;
    }
  }
}

SourceStatus CallSource::status() const {
  UiLock lock(*state_);
  return state_->status;
}

SourceChanges CallSource::take_changes() {
  State& s = *state_;
  UiLock lock(s);
  SourceChanges changes;
  changes.findings_changed = s.findings_changed;
  s.findings_changed = false;
  if (s.offline) {
    const AnalysisChanges taken = s.offline->take_changes();
    const auto& calls = s.offline->store().calls();
    if (s.all_changed) {
      s.all_changed = false;
      s.dirty.clear();
      changes.rows.reserve(calls.size());
      for (const Call& c : calls) changes.rows.push_back(s.row_of_call(c.index, c));
      return changes;
    }
    // A finding may have changed a call that no message changed.
    std::set<std::uint64_t> changed(taken.calls.begin(), taken.calls.end());
    changed.insert(s.dirty.begin(), s.dirty.end());
    s.dirty.clear();
    for (const std::uint64_t c : changed) {
      if (c < calls.size()) changes.rows.push_back(s.row_of_call(c, calls[c]));
    }
    return changes;
  }
  for (const std::uint64_t index : s.dirty) {
    const State::Held held = s.find(index);
    if (held.call == nullptr) continue;
    changes.rows.push_back(s.row_of_call(index, *held.call));
    s.shown.insert(index);
  }
  s.dirty.clear();
  if (s.shown.size() > s.live->calls().live()) {
    std::set<std::uint64_t> still;
    s.live->calls().visit([&still](std::uint64_t index, const CallStore&) { still.insert(index); });
    for (auto it = s.shown.begin(); it != s.shown.end();) {
      if (still.count(*it)) {
        ++it;
        continue;
      }
      changes.removed.push_back(*it);
      s.call_findings.erase(*it);
      it = s.shown.erase(it);
    }
  }
  return changes;
}

FlowSnapshot CallSource::flow(const std::vector<std::uint64_t>& calls) const {
  const State& s = *state_;
  UiLock lock(s);
  FlowSnapshot flow;
  // The calls by the store that holds them: one store (a file) gives one ladder; a live
  // source's calls, each in its own store, give a ladder each, merged here in time order.
  std::map<const CallStore*, std::vector<const Call*>> by_store;
  std::map<const Call*, std::uint64_t> index_of;
  for (const std::uint64_t c : calls) {
    const State::Held held = s.find(c);
    if (held.call == nullptr) continue;
    by_store[held.store].push_back(held.call);
    index_of[held.call] = c;
  }
  struct Placed {
    LadderArrow arrow;
    Endpoint from;
    Endpoint to;
    std::string from_name;
    std::string to_name;
  };
  std::vector<Placed> placed;
  for (const auto& [store, store_calls] : by_store) {
    Ladder part = build_ladder(*store, store_calls);
    for (LadderArrow& a : part.arrows) {
      // A live store holds one call, numbered 0 there: give it the call's own index.
      if (s.live) a.call = index_of[store_calls.front()];
      placed.push_back({a, part.participants[a.from].endpoint, part.participants[a.to].endpoint,
                        part.participants[a.from].name, part.participants[a.to].name});
    }
  }
  std::stable_sort(placed.begin(), placed.end(), [](const Placed& a, const Placed& b) {
    return a.arrow.time != b.arrow.time ? a.arrow.time < b.arrow.time
                                        : a.arrow.frame < b.arrow.frame;
  });
  std::map<Endpoint, std::size_t> column;
  auto column_of = [&](const Endpoint& e, const std::string& name) {
    auto [it, fresh] = column.emplace(e, flow.ladder.participants.size());
    if (fresh) flow.ladder.participants.push_back({e, name});
    return it->second;
  };
  for (std::size_t i = 0; i < placed.size(); ++i) {
    LadderArrow a = placed[i].arrow;
    a.from = column_of(placed[i].from, placed[i].from_name);
    a.to = column_of(placed[i].to, placed[i].to_name);
    a.delta = i == 0 ? 0 : a.time - placed[i - 1].arrow.time;
    flow.messages.push_back({a.call, a.record});
    flow.ladder.arrows.push_back(std::move(a));
  }
  if (s.offline && s.offline->finished()) {
    const MediaReport& report = s.offline->media_report();
    for (const std::uint64_t c : calls) {
      if (c >= report.calls.size() || report.calls[c].verdict == MediaVerdict::no_sdp) continue;
      const Call& call = s.offline->store().calls()[c];
      if (calls.size() > 1) flow.media.push_back("Call " + std::to_string(c) + " " + call.call_id);
      for (std::string& line : call_media_lines(report.calls[c], s.offline->media(), call.start))
        flow.media.push_back(std::move(line));
    }
  }
  return flow;
}

MessageSnapshot CallSource::message(const MessageRef& ref) const {
  const State& s = *state_;
  UiLock lock(s);
  const State::Held held = s.find(ref.call);
  const RecordRef kept = held.call == nullptr ? RecordRef() : held.store->record(ref.record);
  if (!kept) return {};
  const SipMessageRecord& r = *kept;
  std::vector<FindingRow> own;
  if (s.offline) {
    const auto& all = s.offline->findings();
    for (std::size_t i = 0; i < all.size(); ++i) {
      if (s.offline->message_of(all[i]) == ref.record) own.push_back(finding_row(*s.offline, i));
    }
  } else {
    for (const FindingRow& f : s.live_findings) {
      if (f.call == ref.call && f.frame == r.frame) own.push_back(f);
    }
  }
  return message_snapshot(*held.store, ref.record, ref.call, std::move(own));
}

std::vector<FindingRow> CallSource::findings() const {
  const State& s = *state_;
  UiLock lock(s);
  if (s.live) return {s.live_findings.begin(), s.live_findings.end()};
  std::vector<FindingRow> rows;
  const std::size_t n = s.offline->findings().size();
  rows.reserve(n);
  for (std::size_t i = 0; i < n; ++i) rows.push_back(finding_row(*s.offline, i));
  return rows;
}

std::vector<std::uint64_t> CallSource::group_of(std::uint64_t call) const {
  const State& s = *state_;
  UiLock lock(s);
  const State::Held held = s.find(call);
  if (held.call == nullptr || !s.offline) return {call};
  std::vector<std::uint64_t> out;
  for (const Call& c : s.offline->store().calls()) {
    if (c.group == held.call->group) out.push_back(c.index);
  }
  return out;
}

std::vector<CarrierRow> CallSource::carriers() const {
  const State& s = *state_;
  UiLock lock(s);
  std::map<std::pair<SipTransport, std::uint64_t>, CarrierRow> rows;
  std::map<std::pair<SipTransport, std::uint64_t>, std::set<std::uint64_t>> calls;
  s.each_call([&](std::uint64_t index, const CallStore& store, const Call& call) {
    for (const CallMessage& cm : call.messages) {
      const MessageSummary& m = store.summaries()[cm.record];
      const auto key = std::make_pair(m.path->transport, m.path->connection);
      auto [it, fresh] = rows.try_emplace(key);
      CarrierRow& row = it->second;
      if (fresh) {
        row.connection = m.path->connection;
        row.transport = m.path->transport;
        row.client = m.path->src.to_string();
        row.server = m.path->dst.to_string();
        row.first = m.timestamp;
      }
      ++row.messages;
      row.ws_frames += m.ws_frames;
      row.ws_compressed += m.ws_compressed ? 1 : 0;
      row.first = std::min(row.first, m.timestamp);
      row.last = std::max(row.last, m.timestamp);
      calls[key].insert(index);
    }
  });
  std::vector<CarrierRow> out;
  for (auto& [key, row] : rows) {
    row.calls = calls[key].size();
    out.push_back(std::move(row));
  }
  std::sort(out.begin(), out.end(),
            [](const CarrierRow& a, const CarrierRow& b) { return a.first < b.first; });
  return out;
}

Result<std::set<std::uint64_t>> CallSource::matching(CallFilter filter) const {
  const State& s = *state_;
  UiLock lock(s);
  // Call references and times after the start: a file's calls resolve them; a live source's
  // calls are in stores of their own, so its references are Call-IDs and its start is the
  // first call's.
  if (s.offline) {
    if (auto resolved = filter.resolve(s.offline->store(), s.offline->first_timestamp());
        !resolved) {
      return Failure{resolved.error()};
    }
  } else {
    TimeNs first = INT64_MAX;
    s.each_call([&first](std::uint64_t, const CallStore&, const Call& call) {
      first = std::min(first, call.start);
    });
    CallStore none(false);
    std::vector<std::string> ids = std::move(filter.call_ids);
    filter.call_ids.clear();
    if (auto resolved = filter.resolve(none, first == INT64_MAX ? INT64_MIN : first); !resolved) {
      return Failure{resolved.error()};
    }
    filter.call_ids = std::move(ids);
  }
  std::set<std::uint64_t> out;
  s.each_call([&](std::uint64_t index, const CallStore& store, const Call& call) {
    if (filter.matches(call, store)) out.insert(index);
  });
  return out;
}

Result<ExportResult> CallSource::save(const std::vector<std::uint64_t>& calls,
                                      const std::string& output) const {
  const State& s = *state_;
  std::string input;
  switch (s.options.kind) {
    case Kind::file:
      input = s.options.path;
      break;
    case Kind::interface:
      if (s.options.capture.write_path.empty() || s.options.capture.rotate_bytes > 0 ||
          s.options.capture.rotate_seconds > 0) {
        return Failure{"saving a live capture needs its -w FILE (without rotation) to read from"};
      }
      input = s.options.capture.write_path;
      if (s.capture && !s.capture->flush_file()) {
        return Failure{"the capture did not write " + input + " out in time; try again"};
      }
      break;
    case Kind::standard_input:
    case Kind::hep:
      return Failure{"saving needs a capture file to read the frames from (" + s.status.name +
                     " leaves none); run tcpdump -w FILE, then sipws tui FILE"};
  }
  UiLock lock(s);
  std::vector<CallInStore> selected;
  for (const std::uint64_t c : calls) {
    const State::Held held = s.find(c);
    if (held.call != nullptr) selected.push_back({held.store, held.call});
  }
  if (selected.empty()) return Failure{"no call to save"};
  ExportResult result = export_calls(input, output, selected);
  if (!result.error.empty()) return Failure{result.error};
  return result;
}

}  // namespace sipws::tui
