#pragma once
// Calls: SIP messages grouped by Call-ID, with their transactions, dialogs, state and timings,
// and legs of one call (through a B2BUA, with other Call-IDs) grouped together. Pure model: no
// UI code. Everything here is a function of the messages fed in, in capture order.

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "dissector/sip_record.h"

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
  std::string branch;  // top Via branch
  std::string method;  // INVITE, BYE, ... (ACKs to non-2xx and CANCELs are kept with the INVITE)
  std::uint32_t cseq = 0;
  std::vector<std::size_t> messages;  // positions in Call::messages
  int final_status = 0;
  TimeNs request_time = 0;
  TimeNs final_time = 0;
  bool cancelled = false;  // a CANCEL for it was seen
};

struct SipDialog {
  std::string from_tag;
  std::string to_tag;
  bool confirmed = false;  // a 2xx established it (an early dialog otherwise)
};

struct CallMessage {
  std::uint64_t record = 0;     // index into CallStore::records()
  bool retransmission = false;  // the same message seen before on the same hop
  std::size_t transaction = 0;  // index into Call::transactions
};

struct Call {
  std::uint64_t index = 0;
  std::string call_id;
  std::vector<CallMessage> messages;
  std::string first_method;
  std::string from_user;
  std::string to_user;
  CallState state = CallState::no_response;
  int final_status = 0;
  TimeNs start = 0;
  std::optional<TimeNs> invite_time;  // the first INVITE
  std::optional<TimeNs> answer;       // the first 2xx to an initial INVITE
  std::optional<TimeNs> final_time;   // the first final response to an initial INVITE
  TimeNs end = 0;                     // the last message
  std::set<SipTransport> transports;
  std::uint64_t group = 0;  // calls that are legs of one another share a group (the lowest index)
  std::vector<SipTransaction> transactions;
  std::vector<SipDialog> dialogs;
  std::vector<std::string> correlation_ids;  // X-Call-ID, Session-ID, ... values seen

  std::optional<TimeNs> setup_time() const {  // INVITE to its final response
    if (!invite_time || !final_time) return std::nullopt;
    return *final_time - *invite_time;
  }
  std::optional<TimeNs> duration() const;  // answer to end for answered calls
  bool is_invite() const { return first_method == "INVITE"; }
  std::size_t retransmissions() const;
  std::string transports_text() const;  // "udp,ws"
};

class CallStore final : public SipMessageSink {
 public:
  void on_sip_message(SipMessageRecord&& record) override;
  // Groups the legs of B2BUA calls (shared correlation headers). Call after the last message.
  void finish();

  // A deque: growing never moves (or, for a moment, doubles) a million records.
  const std::deque<SipMessageRecord>& records() const { return records_; }
  const std::vector<Call>& calls() const { return calls_; }
  const Call* find(std::string_view call_id) const;

 private:
  void update_state(Call& call, const SipMessageRecord& r, bool retransmission);

  std::deque<SipMessageRecord> records_;
  std::vector<Call> calls_;
  std::unordered_map<std::string, std::size_t> by_call_id_;
  std::set<std::string> seen_;  // hop-level keys of messages, to spot retransmissions
};

}  // namespace sipws

namespace sipws {

// The WebRTC/SDP picture of a call: its first offer and the answer to it.
struct SdpSide {
  std::uint64_t record = 0;         // the message that carried it
  std::vector<std::string> codecs;  // "opus/48000/2" (first media section first)
  std::vector<std::string> media;   // "audio 127.0.0.1:9 UDP/TLS/RTP/SAVPF sendrecv"
  std::size_t ice_candidates = 0;
  bool ice = false;         // ufrag and pwd present
  std::string fingerprint;  // "sha-256 AB:CD:..."
  std::string setup;        // DTLS role: actpass, active, passive
  std::vector<std::string> bundle;
  bool rtcp_mux = false;
};
struct CallSdp {
  std::optional<SdpSide> offer;
  std::optional<SdpSide> answer;
};
CallSdp summarize_sdp(const CallStore& store, const Call& call);

}  // namespace sipws
