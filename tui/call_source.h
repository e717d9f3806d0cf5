#pragma once
// Where the terminal UI's calls come from, and the only thing in the UI that touches the
// analysis. A reading thread owns the source (a file, standard input, a live interface or HEP
// agents) and feeds the session layer's pipeline; the UI thread takes, under the same lock and a
// few times a second, what changed (call rows, findings, counters) and snapshots of what it
// shows (a ladder, a message). Nothing of the analysis escapes the lock but copied values.
//
// A file is read by an Analysis (calls complete, B2BUA legs grouped at the end). A source that
// does not end (standard input, an interface, HEP) goes through a LiveAnalysis, whose LiveCalls
// keep each call in a store of its own: memory stays bounded by the pipeline's live limits
// (`--limit live_calls`, `live_call_idle`; ended calls stay until those push them out).

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "calls/call_export.h"
#include "calls/ladder.h"
#include "capture/live_capture.h"
#include "capture/result.h"
#include "session/analysis.h"
#include "session/call_fields.h"
#include "session/call_filter.h"
#include "session/snapshots.h"

namespace sipws::tui {

struct SourceOptions {
  enum class Kind { file, standard_input, interface, hep };
  Kind kind = Kind::file;
  std::string path;                  // file
  LiveOptions capture;               // interface: -i, -f, -w
  std::string user = "nobody";       // interface: privileges dropped to this user once open
  std::string hep_bind = "::";       // hep
  std::uint16_t hep_port = 0;        // hep
  std::size_t max_findings = 10000;  // live sources: the most recent kept for the findings list
};

struct SourceStatus {
  std::string name;  // "capture.pcap", "eth0", "HEP port 9060", "standard input"
  bool live = false;
  bool reading = true;         // false once the input ended (or failed)
  std::uint64_t packets = 0;   // frames, or HEP packets
  std::uint64_t messages = 0;  // SIP messages
  std::uint64_t calls_seen = 0;
  std::uint64_t findings = 0;
  std::uint64_t position = 0;  // bytes of the file read, and its size (0 when unknown)
  std::uint64_t size = 0;
  std::string error;  // why the input ended early (damaged file, device gone)
};

// A message of a call: the call's index and the message's record in the store that holds it.
struct MessageRef {
  std::uint64_t call = kNoId;
  std::uint64_t record = 0;
};

// The ladder of some calls, and which message each arrow is.
struct FlowSnapshot {
  Ladder ladder;
  std::vector<MessageRef> messages;  // one per arrow
  // Each call's media (verdict, streams, ICE, DTLS), once a file is read to its end.
  std::vector<std::string> media;
};

// What changed since the previous take_changes().
struct SourceChanges {
  std::vector<CallRow> rows;           // new or changed calls
  std::vector<std::uint64_t> removed;  // calls that left (live sources)
  bool findings_changed = false;
};

// A connection or flow that carried SIP, seen from its messages.
struct CarrierRow {
  std::uint64_t connection = 0;
  SipTransport transport = SipTransport::udp;
  std::string client;  // the first message's sender
  std::string server;
  std::uint64_t messages = 0;
  std::uint64_t ws_frames = 0;
  std::uint64_t ws_compressed = 0;  // messages sent compressed (permessage-deflate)
  std::uint64_t calls = 0;
  TimeNs first = 0;
  TimeNs last = 0;
};

class CallSource {
 public:
  static Result<std::unique_ptr<CallSource>> open(const SourceOptions& options,
                                                  const AnalysisLimits& limits);
  ~CallSource();  // stops the reading thread and waits for it
  CallSource(const CallSource&) = delete;
  CallSource& operator=(const CallSource&) = delete;

  void start();                  // the reading thread
  void stop();                   // asks it to end after what it is doing; waits
  void wait_until_read() const;  // a file: until the end (tests, benchmarks)

  SourceStatus status() const;
  SourceChanges take_changes();
  FlowSnapshot flow(const std::vector<std::uint64_t>& calls) const;
  MessageSnapshot message(const MessageRef& ref) const;
  std::vector<FindingRow> findings() const;
  // The calls of `call`'s group (the legs of a B2BUA call; a file's analysis groups them).
  std::vector<std::uint64_t> group_of(std::uint64_t call) const;
  std::vector<CarrierRow> carriers() const;
  // The calls that pass the command line's filters (session/call_filter), of all held; fails
  // for a --call reference that names no call or several.
  Result<std::set<std::uint64_t>> matching(CallFilter filter) const;
  // Writes the frames of `calls` as pcap, as `sipws export` does, from the file read (or a live
  // capture's -w file). Fails for standard input and HEP, which leave no file to read again.
  Result<ExportResult> save(const std::vector<std::uint64_t>& calls,
                            const std::string& output) const;

  struct State;  // what the reading thread and the UI share (call_source.cpp)

 private:
  explicit CallSource(std::unique_ptr<State> state);
  void run();
  std::unique_ptr<State> state_;
  std::thread thread_;
};

}  // namespace sipws::tui
