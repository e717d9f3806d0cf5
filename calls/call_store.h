#pragma once
// Calls: SIP messages grouped by Call-ID, with their transactions, dialogs, state and timings,
// and legs of one call (through a B2BUA, with other Call-IDs) grouped together. Pure model: no
// UI code. Everything here is a function of the messages fed in, in capture order.

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "calls/hash_set64.h"
#include "calls/message_archive.h"
#include "calls/text_arena.h"
#include "dissector/sip/sip_record.h"

namespace sipws {

enum class CallState : std::uint8_t {
  // INVITE calls, as sngrep and Wireshark's VoIP Calls name them
  call_setup,
  ringing,
  in_call,
  completed,
  cancelled,
  rejected,
  busy,
  diverted,
  failed,
  // other methods: the outcome of their requests
  registered,
  unregistered,
  ok,
  challenged,
  no_response,
};
std::string_view call_state_name(CallState state);

struct SipTransaction {
  // branch_hash() of the top Via branch, 0 when it had none: the store only ever compares
  // branches (a collision, at 2^-64 per pair, could merge two transactions of one call that
  // also share method and CSeq), and the text took a heap block per transaction.
  std::uint64_t branch = 0;
  // INVITE, BYE, ... (ACKs to non-2xx and CANCELs are kept with the INVITE); interned by the
  // store, as MessageSummary's methods are.
  std::string_view method;
  std::uint32_t cseq = 0;
  int final_status = 0;
  std::vector<std::uint32_t> messages;  // positions in Call::messages
  TimeNs request_time = 0;
  TimeNs final_time = 0;
  bool cancelled = false;  // a CANCEL for it was seen
};

struct SipDialog {
  // A 64-bit hash of its From tag and To tag: dialogs are only told apart, never shown (a
  // collision, at 2^-64 per pair, would count two dialogs of one call as one).
  std::uint64_t tags = 0;
  bool confirmed = false;  // a 2xx established it (an early dialog otherwise)
};

// A name the store keeps once (a method): a pointer to its one copy, 8 bytes where a
// string_view is 16. Reads as a string_view.
class InternedName {
 public:
  InternedName() = default;
  explicit InternedName(const std::string* kept) : kept_(kept) {}
  std::string_view view() const { return kept_ != nullptr ? std::string_view(*kept_) : ""; }
  bool empty() const { return view().empty(); }
  operator std::string_view() const { return view(); }  // NOLINT: reads as the text it names
  friend bool operator==(InternedName a, std::string_view b) { return a.view() == b; }
  friend bool operator==(InternedName a, InternedName b) {
    return a.kept_ == b.kept_ || a.view() == b.view();  // one store's: the same pointer
  }

 private:
  const std::string* kept_ = nullptr;
};

// Where a message went: its hop and the connection that carried it. Messages on one hop share
// one, kept once by the store (a capture of a million messages has a few thousand hops), so
// that the summary below holds a pointer rather than 64 bytes.
struct MessagePath {
  Endpoint src;
  Endpoint dst;
  std::uint64_t connection = 0;
  // What an export needs besides the message's frames (as SipCarrier's).
  std::uint64_t connection_first_frame = 0;
  std::uint64_t handshake_last_frame = 0;
  SipTransport transport = SipTransport::udp;
  Direction direction = Direction::none;
  bool operator==(const MessagePath&) const = default;
};
inline const MessagePath kNoMessagePath{};

// What the call model keeps of every message whether or not it keeps the message itself: enough
// for the call list, statistics, filters and the rules across messages. Fixed size, no heap: a
// store without records grows by this (and a few indices) per message, not by the message.
// 96 bytes: std::deque allocates five to a node (at 184 bytes it was two, and 198 MB on a
// capture of a million messages; at 104, four).
struct MessageSummary {
  std::uint64_t index = 0;  // as SipMessageRecord::index
  std::uint64_t frame = 0;
  std::uint64_t first_frame = 0;
  TimeNs timestamp = 0;
  const MessagePath* path = &kNoMessagePath;  // never null; the store's
  InternedName method;                        // interned by the store: valid as long as it is
  InternedName cseq_method;                   // interned
  std::optional<std::uint32_t> cseq;
  std::uint32_t ws_frames = 0;
  std::uint16_t status_code = 0;  // 100-699 (the parser refuses others), 0 for requests
  // One bit each: 96 bytes in all, five to a deque node (at 104, four).
  bool is_request : 1 = false;
  bool ws_compressed : 1 = false;
  bool ws_context_takeover : 1 = false;  // WsCarrier::context_takeover
  bool has_sdp : 1 = false;
  bool to_tag_empty : 1 = true;
  bool has_via : 1 = false;
  bool removes_registration : 1 = false;  // a REGISTER with Expires 0 (RFC 3261 §10.2.2)
  // 64-bit hashes of what the rules across messages compare (a collision, at 2^-64 per pair,
  // could hide one finding): From (tag and URI), the top Via as its client wrote it (branch,
  // sent-by, transport in lower case), and the top Via branch alone.
  std::uint64_t from_hash = 0;
  std::uint64_t top_via_hash = 0;
  std::uint64_t top_branch_hash = 0;
};
// The hash MessageSummary::top_branch_hash holds for `branch`.
std::uint64_t branch_hash(std::string_view branch);

// The WebRTC/SDP picture of a call, structured for media analysis (which endpoint to expect
// RTP from, ICE credentials, DTLS role and fingerprint, SSRCs), owned (the message may be gone).
// An ICE candidate (RFC 8839), compact: a call keeps several per side.
struct SdpCandidateInfo {
  enum class Type : std::uint8_t { host, srflx, prflx, relay, other };
  std::uint64_t priority = 0;  // first: 32 bytes in all, where after the endpoint it made 40
  Endpoint endpoint;           // address version 0 when the address is a name (an mDNS host)
  std::uint8_t component = 0;  // 1 RTP, 2 RTCP
  bool tcp = false;            // transport tcp (else udp)
  Type type = Type::other;
};
// A section's payload formats: its rtpmap codecs with their payload types and the m= line's
// list. Interned by the store, as the words below are: a browser offers the same fifteen or so
// codecs in every call, and every call points at one copy of the list.
struct SdpFormats {
  std::vector<std::string_view> codecs;     // "opus/48000/2", in rtpmap order
  std::vector<std::uint8_t> payload_types;  // each codec's payload type, the same order
  std::vector<std::uint8_t> listed;         // the m= line's payload types (RTP profiles)
  bool operator==(const SdpFormats&) const = default;
};
inline const SdpFormats kNoSdpFormats{};
// The short, repeating words (media type, address, protocol, ...) are interned by the store, as
// MessageSummary's methods are: valid as long as the store is, and 8 bytes each rather than a
// string per call. The texts of one call (ICE credentials, fingerprint) are the
// store's too, packed in its TextArena.
struct SdpMediaInfo {
  InternedName type;     // audio, video, application
  InternedName address;  // c= of the section (or the session's)
  IpAddress ip;          // that address parsed (version 0: a name, or none)
  // As written, when `port` alone does not say it ("49170/2", ""); a null view otherwise.
  std::string_view port_text;
  std::uint16_t port = 0;
  InternedName proto;      // RTP/AVP, UDP/TLS/RTP/SAVPF, ...
  InternedName direction;  // sendrecv, sendonly, recvonly, inactive (empty: not said)
  InternedName mid;
  const SdpFormats* formats = &kNoSdpFormats;  // never null
  std::string_view ice_ufrag;                  // section's, or the session's
  std::string_view ice_pwd;
  std::vector<SdpCandidateInfo> candidates;
  std::string_view fingerprint;  // "sha-256 AB:CD:..."
  InternedName setup;            // DTLS role: actpass, active, passive
  bool rtcp_mux = false;
  std::uint16_t rtcp_port = 0;  // a=rtcp (0: port + 1, or muxed)
  std::vector<std::uint32_t> ssrcs;
};
struct SdpSide {
  std::uint64_t record = 0;  // the message that carried it
  TimeNs time = 0;
  bool from_caller = false;  // written by the caller (else the callee), as the From tag says
  Endpoint src;              // its sender and receiver
  Endpoint dst;
  bool request = false;  // carried by a request (else a response)
  std::vector<SdpMediaInfo> media;
  std::vector<std::string> bundle;
  bool ice_lite = false;

  // The summary lines of `calls` and the GUI, derived from the above.
  std::vector<std::string> codecs() const;       // every section's, first section first
  std::vector<std::string> media_lines() const;  // "audio 127.0.0.1:9 UDP/TLS/RTP/SAVPF sendrecv"
  std::size_t ice_candidates() const;
  bool ice() const;                 // some section has ufrag and pwd
  std::string fingerprint() const;  // the first section's that has one
  std::string setup() const;        // likewise
  bool rtcp_mux() const;            // some section
};
struct CallSdp {
  std::optional<SdpSide> offer;
  std::optional<SdpSide> answer;
  // Every other SDP of the call, each distinct body once: re-INVITEs, UPDATEs, a 183's, and the
  // copies a proxy or a media relay rewrote on another hop (what media association reads).
  std::vector<SdpSide> others;  // at most kMaxOtherSdps
  static constexpr std::size_t kMaxOtherSdps = 32;
  std::vector<std::uint64_t> body_hashes;  // of every SDP kept above
};

// A set of transports as one byte (Call::transports, CallRow::transports): bit 1 << SipTransport.
constexpr std::uint8_t transport_bit(SipTransport t) {
  return static_cast<std::uint8_t>(1u << static_cast<unsigned>(t));
}
constexpr bool has_transport(std::uint8_t transports, SipTransport t) {
  return (transports & transport_bit(t)) != 0;
}

struct CallMessage {
  std::uint64_t record = 0;       // index into CallStore::summaries() (and records(), when kept)
  std::uint32_t transaction = 0;  // index into Call::transactions
  bool retransmission = false;    // the same message seen before on the same hop
};

struct Call {
  std::uint64_t index = 0;
  std::string call_id;
  std::vector<CallMessage> messages;
  InternedName first_method;  // interned by the store
  std::string from_user;
  std::string to_user;
  CallState state = CallState::no_response;
  int final_status = 0;
  TimeNs start = 0;
  std::optional<TimeNs> invite_time;  // the first INVITE
  std::optional<TimeNs> answer;       // the first 2xx to an initial INVITE
  std::optional<TimeNs> final_time;   // the first final response to an initial INVITE
  TimeNs end = 0;                     // the last message
  // Every transport its messages came over, as transport_bit()s (a std::set took 48 bytes and a
  // node per transport).
  std::uint8_t transports = 0;
  std::uint64_t group = 0;  // calls that are legs of one another share a group (the lowest index)
  std::vector<SipTransaction> transactions;
  std::vector<SipDialog> dialogs;
  std::vector<std::string> correlation_ids;  // X-Call-ID, Session-ID, ... values seen
  // Why and how it ended: the final response's reason phrase and sender, the last Reason
  // (RFC 3326) and Warning (RFC 3261 §20.43) headers, who sent the BYE or CANCEL, the first
  // 18x to the initial INVITE (post-dial delay).
  enum class EndedBy : std::uint8_t { nobody, caller, callee };
  std::string final_reason;
  std::string reason_header;
  std::string warning_header;
  std::optional<Endpoint> final_from;
  EndedBy ended_by = EndedBy::nobody;
  std::optional<TimeNs> first_provisional;  // the first 18x to the initial INVITE
  std::uint64_t caller_tag_hash = 0;        // the initial request's From tag: who is the caller
  std::optional<TimeNs> pdd() const {
    if (!invite_time || !first_provisional) return std::nullopt;
    return *first_provisional - *invite_time;
  }
  // Its first SDP offer and the answer to it, summarised as they arrive; null until an SDP came
  // (held apart: a REGISTER or OPTIONS "call" should not carry room for one).
  std::unique_ptr<CallSdp> sdp;

  std::optional<TimeNs> setup_time() const {  // INVITE to its final response
    if (!invite_time || !final_time) return std::nullopt;
    return *final_time - *invite_time;
  }
  std::optional<TimeNs> duration() const;  // answer to end for answered calls
  bool is_invite() const { return first_method == "INVITE"; }
  std::size_t retransmissions() const;
};

// What the store keeps of each message besides its summary: nothing (`calls`, `stats`, `check`:
// a tenth of the memory), the message whole (bytes and parse), or the message compressed in a
// MessageArchive and parsed again when asked for (big captures in the GUI, `flow`, `show`).
enum class RecordKeeping : std::uint8_t { summaries, whole, compressed };

// A kept message: the store's own (whole), or one rebuilt from the archive and owned here.
class RecordRef {
 public:
  RecordRef() = default;
  explicit RecordRef(const SipMessageRecord* kept) : record_(kept) {}
  explicit RecordRef(std::shared_ptr<const SipMessageRecord> rebuilt)
      : record_(rebuilt.get()), owned_(std::move(rebuilt)) {}
  explicit operator bool() const { return record_ != nullptr; }
  const SipMessageRecord& operator*() const { return *record_; }
  const SipMessageRecord* operator->() const { return record_; }

 private:
  const SipMessageRecord* record_ = nullptr;
  std::shared_ptr<const SipMessageRecord> owned_;
};

class CallStore final : public SipMessageSink {
 public:
  // `keep_records`: keep every message whole (its bytes and parse), for the front ends that show
  // messages (ladder labels, message text). Without, the store keeps a MessageSummary per
  // message and the calls: what `calls`, `stats`, `check` and `export` need.
  explicit CallStore(bool keep_records = true)
      : keeping_(keep_records ? RecordKeeping::whole : RecordKeeping::summaries) {}
  explicit CallStore(RecordKeeping keeping) : keeping_(keeping) {}
  void on_sip_message(SipMessageRecord&& record) override;
  // The call the last message joined.
  std::uint64_t last_call() const { return last_call_; }
  // Groups the legs of B2BUA calls (shared correlation headers). Call after the last message.
  void finish();

  // Deques: growing never moves (or, for a moment, doubles) a million records.
  // Message `index` whole (kept, or rebuilt from the archive); empty when messages are not kept
  // or there is no such message.
  RecordRef record(std::uint64_t index) const;
  bool keeps_records() const { return keeping_ != RecordKeeping::summaries; }
  RecordKeeping keeping() const { return keeping_; }
  // Bytes held by the compressed messages (0 unless compressed).
  std::uint64_t archive_bytes() const { return archive_.memory_bytes(); }
  std::uint64_t archive_raw_bytes() const { return archive_.raw_bytes(); }  // before compression
  // Compresses one full block of the kept messages still raw (RecordKeeping::compressed); false
  // when there is none or another thread is at it. Any thread may call it beside
  // on_sip_message() and record() (the reading thread, while it waits for the SIP thread).
  bool compress_archive_block();
  // Every message's summary, by the same index.
  const std::deque<MessageSummary>& summaries() const { return summaries_; }
  const std::deque<Call>& calls() const { return calls_; }
  const Call* find(std::string_view call_id) const;

 private:
  void update_state(Call& call, const SipMessageRecord& r, bool retransmission);
  void update_sdp(Call& call, const SipMessageRecord& r, std::uint64_t index);
  std::string_view intern(std::string_view text);
  InternedName intern_name(std::string_view text);
  const SdpFormats* intern(SdpFormats&& formats);
  const MessagePath* intern(const MessagePath& path);
  // The call's last transaction with this branch, method and CSeq (calls.transactions.size()
  // when none), and the bookkeeping of a new one.
  std::size_t find_transaction(const Call& call, std::uint64_t branch, std::string_view method,
                               std::uint32_t cseq) const;
  void note_transaction(const Call& call, std::size_t index);

  RecordKeeping keeping_ = RecordKeeping::whole;
  std::deque<SipMessageRecord> records_;  // whole
  MessageArchive archive_;                // compressed
  std::deque<MessageSummary> summaries_;
  std::deque<Call> calls_;  // a deque: growing never copies (or, for a moment, doubles) them
  // Looked up by string_view (a transparent hash), so that a key seen before costs no string.
  struct NameHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view name) const {
      return std::hash<std::string_view>{}(name);
    }
  };
  // The calls by Call-ID: open addressing over the calls' own Call-IDs (each slot a call index
  // + 1, 0 free, at most 3/4 used; 2^32 calls would take terabytes first), 5 to 11 bytes a call
  // where a std::unordered_map keyed by a second copy of the Call-ID took about 130.
  std::vector<std::uint32_t> call_slots_;
  std::size_t call_slot(std::string_view call_id) const;  // its slot, or the free one it would take
  void index_call(std::size_t call);
  // 64-bit hashes of the hop-level keys of messages, to spot retransmissions.
  HashSet64 seen_;
  // The transactions of calls with many of them (a long call's INFOs, OPTIONS pings, re-INVITEs),
  // by a hash of call, branch and CSeq: a call's transactions are searched one by one, which
  // made `calls` on a call of 100,000 messages take 5.75 s. Calls with fewer than
  // kIndexedTransactions (nearly all) are not in it and cost nothing.
  static constexpr std::size_t kIndexedTransactions = 32;
  std::unordered_multimap<std::uint64_t, std::uint32_t> long_call_transactions_;
  // Names and short words, each stored once: methods, SDP words and codec names point here.
  std::unordered_set<std::string, NameHash, std::equal_to<>> names_;
  struct FormatsHash {
    std::size_t operator()(const SdpFormats& f) const;
  };
  std::unordered_set<SdpFormats, FormatsHash> formats_;  // SdpMediaInfo::formats point here
  TextArena texts_;                                      // SdpMediaInfo's own texts
  struct PathHash {
    std::size_t operator()(const MessagePath& p) const;
  };
  std::unordered_set<MessagePath, PathHash> paths_;  // MessageSummary::path point here
  const MessagePath* last_path_ = &kNoMessagePath;   // consecutive messages often share one
  std::uint64_t last_call_ = 0;
};

}  // namespace sipws

namespace sipws {

// The call's SDP offer and answer (Call::sdp; kept for the callers that ask the store).
CallSdp summarize_sdp(const CallStore& store, const Call& call);

}  // namespace sipws
