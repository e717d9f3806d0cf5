#include "calls/call_store.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>
#include <functional>
#include <new>

#include "dissector/text.h"

namespace sipws {
namespace {

// Headers by which B2BUAs and SBCs link the legs they create (sngrep's X-Call-ID and X-CID,
// RFC 7989's Session-ID, and common vendor variants).
constexpr std::string_view kCorrelationHeaders[] = {"X-Call-ID", "X-CID", "X-Orig-Call-ID",
                                                    "X-Original-Call-ID", "Session-ID"};

std::string_view top_branch(const SipMessage& m) {
  return m.vias.empty() ? std::string_view{} : m.vias.front().branch;
}

// The index in kCorrelationHeaders of header `name`, or the array's size.
std::size_t correlation_header(std::string_view name) {
  // Every correlation header starts with X or S: most names are rejected by that alone.
  if (name.empty() || (ascii_lower(name[0]) != 'x' && ascii_lower(name[0]) != 's')) {
    return std::size(kCorrelationHeaders);
  }
  for (std::size_t k = 0; k < std::size(kCorrelationHeaders); ++k) {
    if (iequals(name, kCorrelationHeaders[k])) return k;
  }
  return std::size(kCorrelationHeaders);
}

// Hashes combined in order (splitmix64's finaliser over the running value): the key of a message
// is the combination of its fields' hashes, with no string built for it.
std::uint64_t mix(std::uint64_t seed, std::uint64_t value) {
  std::uint64_t x = seed ^ (value + 0x9e3779b97f4a7c15ULL + (seed << 6) + (seed >> 2));
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}
std::uint64_t mix(std::uint64_t seed, std::string_view text) {
  // The length goes in too, so that ("ab", "c") and ("a", "bc") differ.
  return mix(mix(seed, std::hash<std::string_view>{}(text)), text.size());
}
std::uint64_t mix(std::uint64_t seed, const Endpoint& e) {
  std::uint64_t a = 0;
  std::uint64_t b = 0;
  std::memcpy(&a, e.address.bytes.data(), 8);
  std::memcpy(&b, e.address.bytes.data() + 8, 8);
  return mix(mix(mix(seed, a), b), (std::uint64_t{e.address.version} << 16) | e.port);
}

// A 64-bit key that is equal for two copies of the same message on the same hop: endpoints,
// Call-ID, CSeq, top Via branch, and the method or the status and To tag. Two different messages
// of a capture share one with a chance of about n^2 / 2^65 (n messages): none in practice.
std::uint64_t hop_key(const SipMessageRecord& r) {
  const SipMessage& m = r.sip;
  std::uint64_t key = mix(mix(0, r.src), r.dst);
  key = mix(key, m.call_id);
  key = mix(key, std::uint64_t{m.cseq.value_or(0)} | (m.cseq ? 1ULL << 32 : 0));
  key = mix(key, m.cseq_method);
  key = mix(key, m.vias.empty() ? std::string_view{} : m.vias.front().branch);
  key = mix(key, std::uint64_t{m.is_request});
  if (m.is_request) return mix(key, m.method);
  return mix(mix(key, static_cast<std::uint64_t>(m.status_code)), m.to.tag);
}

// The number a field starts with (digits only; 0 when there are none), saturated to the type.
std::uint64_t to_u64(std::string_view text) {
  std::uint64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  (void)end;
  return error == std::errc::result_out_of_range ? UINT64_MAX : value;
}
// A literal IPv4 or IPv6 address; false (address left unset) for anything else, e.g. a name.
bool parse_ip(std::string_view text, IpAddress& out) {
  char buffer[INET6_ADDRSTRLEN + 1];
  if (text.empty() || text.size() >= sizeof buffer) return false;
  std::memcpy(buffer, text.data(), text.size());
  buffer[text.size()] = '\0';
  if (inet_pton(AF_INET, buffer, out.bytes.data()) == 1) {
    out.version = 4;
    return true;
  }
  if (inet_pton(AF_INET6, buffer, out.bytes.data()) == 1) {
    out.version = 6;
    return true;
  }
  out = {};
  return false;
}

std::uint16_t to_u16(std::string_view text) {
  return static_cast<std::uint16_t>(std::min<std::uint64_t>(to_u64(text), 65535));
}

bool is_registration_removal(const SipMessage& request) {
  const std::string_view expires = trim(request.header("Expires"));
  if (expires == "0") return true;
  if (request.contacts.empty()) return false;
  for (const auto contact : request.contacts) {
    const std::size_t at = contact.find("expires=");
    if (at == std::string_view::npos || contact.substr(at + 8, 1) != "0") return false;
    const std::string_view digits = contact.substr(at + 8);
    if (digits.size() > 1 && digits[1] >= '0' && digits[1] <= '9') return false;
  }
  return true;
}

}  // namespace

std::uint64_t branch_hash(std::string_view branch) {
  return mix(1, branch);
}

std::string_view call_state_name(CallState state) {
  switch (state) {
    case CallState::call_setup:
      return "call_setup";
    case CallState::ringing:
      return "ringing";
    case CallState::in_call:
      return "in_call";
    case CallState::completed:
      return "completed";
    case CallState::cancelled:
      return "cancelled";
    case CallState::rejected:
      return "rejected";
    case CallState::busy:
      return "busy";
    case CallState::diverted:
      return "diverted";
    case CallState::failed:
      return "failed";
    case CallState::registered:
      return "registered";
    case CallState::unregistered:
      return "unregistered";
    case CallState::ok:
      return "ok";
    case CallState::challenged:
      return "challenged";
    case CallState::no_response:
      return "no_response";
  }
  return "?";
}

std::size_t Call::retransmissions() const {
  std::size_t n = 0;
  for (const CallMessage& m : messages) n += m.retransmission ? 1 : 0;
  return n;
}

std::optional<TimeNs> Call::duration() const {
  if (!answer) return std::nullopt;
  return end - *answer;
}

const Call* CallStore::find(std::string_view call_id) const {
  if (call_slots_.empty()) return nullptr;
  const std::uint32_t slot = call_slots_[call_slot(call_id)];
  return slot == 0 ? nullptr : &calls_[slot - 1];
}

std::size_t CallStore::call_slot(std::string_view call_id) const {
  const std::size_t mask = call_slots_.size() - 1;
  for (std::size_t i = std::hash<std::string_view>{}(call_id)&mask;; i = (i + 1) & mask) {
    const std::uint32_t slot = call_slots_[i];
    if (slot == 0 || calls_[slot - 1].call_id == call_id) return i;
  }
}

void CallStore::index_call(std::size_t call) {
  if (calls_.size() * 4 <= call_slots_.size() * 3) {
    call_slots_[call_slot(calls_[call].call_id)] = static_cast<std::uint32_t>(call + 1);
    return;
  }
  // Grow: every call (this one too) again, in a table twice the size.
  call_slots_.assign(std::max<std::size_t>(64, call_slots_.size() * 2), 0);
  for (std::size_t c = 0; c < calls_.size(); ++c)
    call_slots_[call_slot(calls_[c].call_id)] = static_cast<std::uint32_t>(c + 1);
}

namespace {
std::uint64_t transaction_key(std::uint64_t call, std::uint64_t branch, std::uint32_t cseq) {
  return mix(mix(mix(7, call), branch), cseq);
}
}  // namespace

std::size_t CallStore::find_transaction(const Call& call, std::uint64_t branch,
                                        std::string_view method, std::uint32_t cseq) const {
  const auto& transactions = call.transactions;
  auto matches = [&](const SipTransaction& t) {
    return t.branch == branch && t.method == method && t.cseq == cseq;
  };
  if (transactions.size() < kIndexedTransactions) {
    for (std::size_t i = transactions.size(); i-- > 0;) {
      if (matches(transactions[i])) return i;
    }
    return transactions.size();
  }
  std::size_t found = transactions.size();
  const auto [first, last] =
      long_call_transactions_.equal_range(transaction_key(call.index, branch, cseq));
  for (auto it = first; it != last; ++it) {
    // A hash shared with another long call's transaction can name an index past this call's.
    const std::size_t i = it->second;
    if (i < transactions.size() && matches(transactions[i]) &&
        (found == transactions.size() || i > found)) {
      found = i;
    }
  }
  return found;
}

void CallStore::note_transaction(const Call& call, std::size_t index) {
  const auto& transactions = call.transactions;
  if (transactions.size() < kIndexedTransactions) return;
  auto add = [&](std::size_t i) {
    long_call_transactions_.emplace(
        transaction_key(call.index, transactions[i].branch, transactions[i].cseq),
        static_cast<std::uint32_t>(i));
  };
  if (transactions.size() == kIndexedTransactions) {  // the call has just become long
    for (std::size_t i = 0; i < transactions.size(); ++i) add(i);
  } else {
    add(index);
  }
}

std::string_view CallStore::intern(std::string_view text) {
  return intern_name(text).view();
}

std::size_t CallStore::FormatsHash::operator()(const SdpFormats& f) const {
  std::uint64_t h = f.codecs.size();
  for (const std::string_view codec : f.codecs) h = mix(h, codec);
  h = mix(h, std::string_view(reinterpret_cast<const char*>(f.payload_types.data()),
                              f.payload_types.size()));
  h = mix(h, std::string_view(reinterpret_cast<const char*>(f.listed.data()), f.listed.size()));
  return static_cast<std::size_t>(h);
}

InternedName CallStore::intern_name(std::string_view text) {
  const auto known = names_.find(text);
  return InternedName(known != names_.end() ? &*known : &*names_.emplace(text).first);
}

std::size_t CallStore::PathHash::operator()(const MessagePath& p) const {
  std::uint64_t h = mix(mix(mix(5, p.src), p.dst), p.connection);
  h = mix(mix(h, p.connection_first_frame), p.handshake_last_frame);
  return static_cast<std::size_t>(mix(
      h, static_cast<std::uint64_t>(p.transport) * 16 + static_cast<std::uint64_t>(p.direction)));
}

const MessagePath* CallStore::intern(const MessagePath& path) {
  if (*last_path_ != path) last_path_ = &*paths_.insert(path).first;
  return last_path_;
}

const SdpFormats* CallStore::intern(SdpFormats&& formats) {
  if (formats == kNoSdpFormats) return &kNoSdpFormats;
  return &*formats_.insert(std::move(formats)).first;
}

void CallStore::on_sip_message(SipMessageRecord&& record) {
  const std::uint64_t record_index = summaries_.size();
  const SipMessageRecord& r = record;
  const SipMessage& m = r.sip;
  {
    MessageSummary s;
    s.index = r.index;
    s.frame = r.frame;
    s.first_frame = r.first_frame;
    s.timestamp = r.timestamp;
    s.path = intern(MessagePath{r.src, r.dst, r.connection, r.connection_first_frame,
                                r.handshake_last_frame, r.transport, r.direction});
    s.is_request = m.is_request;
    s.ws_compressed = r.ws.compressed;
    s.ws_context_takeover = r.ws.context_takeover;
    s.ws_frames = r.ws.frames;
    s.has_sdp = m.sdp != nullptr;
    s.to_tag_empty = m.to.tag.empty();
    s.has_via = !m.vias.empty();
    s.removes_registration =
        m.is_request && m.cseq_method == "REGISTER" && is_registration_removal(m);
    s.status_code = static_cast<std::uint16_t>(m.status_code);
    s.method = intern_name(m.method);
    s.cseq_method = intern_name(m.cseq_method);
    s.cseq = m.cseq;
    s.from_hash = mix(mix(2, m.from.tag), m.from.uri.text);
    if (!m.vias.empty()) {
      const SipVia& via = m.vias.front();
      std::string transport(via.transport);
      for (char& c : transport) c = ascii_lower(c);
      s.top_via_hash = mix(mix(mix(3, via.branch), via.sent_by), transport);
      s.top_branch_hash = branch_hash(via.branch);
    }
    summaries_.push_back(s);
  }
  const std::string_view call_id = m.call_id;
  const Call* known = find(call_id);
  if (known == nullptr) {
    Call call;
    call.index = calls_.size();
    call.call_id = call_id;
    call.group = call.index;
    call.start = r.timestamp;
    call.first_method = intern_name(m.is_request ? m.method : m.cseq_method);
    call.from_user = std::string(m.from.uri.user);
    call.to_user = std::string(m.to.uri.user);
    calls_.push_back(std::move(call));
    index_call(calls_.size() - 1);
    known = &calls_.back();
  }
  Call& call = calls_[known->index];
  last_call_ = call.index;
  call.end = std::max(call.end, r.timestamp);
  call.transports |= transport_bit(r.transport);
  // One pass over the fields for the first value of each correlation header (most messages
  // carry none), then taken in the order of kCorrelationHeaders.
  std::array<std::string_view, std::size(kCorrelationHeaders)> correlation{};
  std::array<bool, std::size(kCorrelationHeaders)> found{};
  for (const SipHeader& h : m.headers) {
    const std::size_t k = correlation_header(h.canonical);
    if (k < correlation.size() && !found[k]) {
      found[k] = true;
      correlation[k] = h.value;
    }
  }
  for (std::size_t k = 0; k < correlation.size(); ++k) {
    std::string_view value = trim(correlation[k]);
    if (kCorrelationHeaders[k] == "Session-ID") value = value.substr(0, 32);  // the UUID alone
    if (!value.empty() && value != call_id &&
        std::find(call.correlation_ids.begin(), call.correlation_ids.end(), value) ==
            call.correlation_ids.end()) {
      call.correlation_ids.emplace_back(value);
    }
  }

  const bool retransmission = !seen_.insert(hop_key(r));
  CallMessage cm;
  cm.record = record_index;
  cm.retransmission = retransmission;

  // Transaction: top branch + CSeq method; an ACK to a non-2xx and a CANCEL share the INVITE's
  // branch (RFC 3261 §17.1.1.3, §9.1) and are kept with it.
  const std::string_view branch_text = top_branch(m);
  const std::uint64_t branch = branch_text.empty() ? 0 : branch_hash(branch_text);
  const std::string_view method = m.cseq_method;
  const std::uint32_t cseq = m.cseq.value_or(0);
  const bool attach_to_invite =
      (method == "ACK" || method == "CANCEL") && branch != 0 &&
      find_transaction(call, branch, "INVITE", cseq) != call.transactions.size();
  const std::string_view wanted_method = attach_to_invite ? std::string_view("INVITE") : method;
  std::size_t ti = find_transaction(call, branch, wanted_method, cseq);
  if (ti == call.transactions.size()) {
    SipTransaction t;
    t.branch = branch;
    t.method = intern(wanted_method);
    t.cseq = cseq;
    t.request_time = r.timestamp;
    call.transactions.push_back(std::move(t));
    note_transaction(call, ti);
  }
  SipTransaction& t = call.transactions[ti];
  t.messages.push_back(static_cast<std::uint32_t>(call.messages.size()));
  if (m.is_request && method == "CANCEL") t.cancelled = true;
  if (!m.is_request && m.status_code >= 200 && method == t.method && !retransmission) {
    if (t.final_status == 0 || (t.final_status >= 300 && m.status_code < 300)) {
      t.final_status = m.status_code;
      t.final_time = r.timestamp;
    }
  }
  cm.transaction = static_cast<std::uint32_t>(ti);
  call.messages.push_back(cm);

  // Dialogs: From tag + To tag, from responses that carry a To tag (early or confirmed).
  if (!m.is_request && !m.to.tag.empty() && m.status_code > 100) {
    const std::uint64_t tags = mix(mix(4, m.from.tag), m.to.tag);
    auto d = std::find_if(call.dialogs.begin(), call.dialogs.end(),
                          [&](const SipDialog& x) { return x.tags == tags; });
    if (d == call.dialogs.end()) {
      call.dialogs.push_back({tags, false});
      d = call.dialogs.end() - 1;
    }
    if (m.status_code >= 200 && m.status_code < 300 && m.cseq_method == "INVITE")
      d->confirmed = true;
  }
  update_state(call, r, retransmission);
  if (m.sdp && !retransmission) update_sdp(call, r, record_index);
  if (keeping_ == RecordKeeping::compressed) {
    archive_.append(record);
  } else if (keeping_ == RecordKeeping::whole) {
    // Kept for the life of the analysis: give back what the parse grew and does not use
    // (vectors grow by doubling; on a capture of a million messages that is gigabytes).
    SipMessage& parsed = record.sip;
    parsed.headers.shrink_to_fit();
    parsed.vias.shrink_to_fit();
    parsed.contacts.shrink_to_fit();
    parsed.record_routes.shrink_to_fit();
    parsed.routes.shrink_to_fit();
    parsed.problems.shrink_to_fit();
    if (parsed.sdp) {
      parsed.sdp->media.shrink_to_fit();
      for (SdpMedia& media : parsed.sdp->media) {
        media.formats.shrink_to_fit();
        media.codecs.shrink_to_fit();
        media.candidates.shrink_to_fit();
      }
    }
    records_.push_back(std::move(record));
  }
}

RecordRef CallStore::record(std::uint64_t index) const {
  switch (keeping_) {
    case RecordKeeping::summaries:
      return {};
    case RecordKeeping::whole:
      return index < records_.size() ? RecordRef(&records_[index]) : RecordRef();
    case RecordKeeping::compressed: {
      if (index >= summaries_.size()) return {};
      // The archive keeps the message's WebSocket carrier and text; the rest of its carrier is
      // the summary's.
      const MessageSummary& s = summaries_[index];
      const MessagePath& path = *s.path;
      SipCarrier carrier;
      carrier.frame = s.frame;
      carrier.first_frame = s.first_frame;
      carrier.connection_first_frame = path.connection_first_frame;
      carrier.handshake_last_frame = path.handshake_last_frame;
      carrier.timestamp = s.timestamp;
      carrier.src = path.src;
      carrier.dst = path.dst;
      carrier.transport = path.transport;
      carrier.connection = path.connection;
      carrier.direction = path.direction;
      return RecordRef(
          std::shared_ptr<const SipMessageRecord>(archive_.get(index, carrier, s.index)));
    }
  }
  return {};
}

void CallStore::update_state(Call& call, const SipMessageRecord& r, bool retransmission) {
  const SipMessage& m = r.sip;
  if (retransmission) return;
  // Why it ended: headers and who hung up, whatever the method.
  if (call.caller_tag_hash == 0 && m.is_request) call.caller_tag_hash = branch_hash(m.from.tag);
  if (const std::string_view reason = m.header("Reason"); !reason.empty()) {
    call.reason_header.assign(reason);
  }
  if (!m.is_request) {
    if (const std::string_view warning = m.header("Warning"); !warning.empty()) {
      call.warning_header.assign(warning);
    }
  }
  if (m.is_request && (m.method == "BYE" || m.method == "CANCEL") &&
      call.ended_by == Call::EndedBy::nobody) {
    // A CANCEL comes from the caller; a BYE from whoever's tag is in its From.
    call.ended_by = m.method == "CANCEL" || branch_hash(m.from.tag) == call.caller_tag_hash
                        ? Call::EndedBy::caller
                        : Call::EndedBy::callee;
  }
  const auto set_final = [&call, &r, &m](int code) {
    call.final_status = code;
    call.final_reason.assign(m.reason);
    call.final_from = r.src;
  };
  if (!call.is_invite()) {
    // The outcome of the last request of the call's first method.
    if (m.is_request || m.cseq_method != call.first_method) return;
    if (m.status_code < 200) return;
    if (m.status_code < 300) {
      call.state = CallState::ok;
      if (call.first_method == "REGISTER") {
        // Find the request this answers, to tell a registration from its removal.
        const auto& t = call.transactions[call.messages.back().transaction];
        const MessageSummary* request = nullptr;
        for (std::size_t pos : t.messages) {
          const MessageSummary& candidate = summaries_[call.messages[pos].record];
          if (candidate.is_request) request = &candidate;
        }
        call.state = request != nullptr && request->removes_registration ? CallState::unregistered
                                                                         : CallState::registered;
      }
    } else if (m.status_code == 401 || m.status_code == 407) {
      call.state = CallState::challenged;
    } else {
      call.state = CallState::rejected;
    }
    set_final(m.status_code);
    return;
  }
  // INVITE calls. Only the initial INVITE (no To tag) sets up the call; re-INVITEs do not.
  const bool done = call.state == CallState::in_call || call.state == CallState::completed;
  if (m.is_request) {
    if (m.method == "INVITE" && m.to.tag.empty()) {
      if (!call.invite_time) call.invite_time = r.timestamp;
      if (call.state == CallState::no_response) call.state = CallState::call_setup;
    } else if (m.method == "CANCEL" && !done) {
      call.state = CallState::cancelled;
    } else if (m.method == "BYE" && call.state == CallState::in_call) {
      call.state = CallState::completed;
    }
    return;
  }
  if (m.cseq_method != "INVITE") return;
  const int code = m.status_code;
  if (code < 200) {
    if ((code == 180 || code == 183) && call.state == CallState::call_setup)
      call.state = CallState::ringing;
    if (code > 100 && !call.first_provisional) call.first_provisional = r.timestamp;
    return;
  }
  if (code == 401 || code == 407) return;  // a challenge: the INVITE comes again
  if (!call.final_time && code >= 200) call.final_time = r.timestamp;
  if (code < 300) {
    if (!call.answer) call.answer = r.timestamp;
    if (call.state != CallState::completed) call.state = CallState::in_call;
    if (!done) set_final(code);
    return;
  }
  if (done) return;  // a failed fork or re-INVITE does not undo an answered call
  set_final(code);
  if (code == 487 || call.state == CallState::cancelled) {
    call.state = CallState::cancelled;
  } else if (code < 400) {
    call.state = CallState::diverted;
  } else if (code == 486 || code == 600) {
    call.state = CallState::busy;
  } else if (code == 408 || (code >= 500 && code < 600)) {
    call.state = CallState::failed;
  } else {
    call.state = CallState::rejected;
  }
}

bool CallStore::compress_archive_block() {
  // Called from another layer's wait (the hand-off's): nothing may escape into it. A block whose
  // compression failed for memory stays raw, and readable.
  try {
    return archive_.compress_next(false);
  } catch (const std::bad_alloc&) {
    return false;
  }
}

void CallStore::finish() {
  archive_.compress_pending();  // what no idle thread took
  // Union the calls that share a correlation id with another call's Call-ID or correlation id.
  std::vector<std::uint64_t> parent(calls_.size());
  for (std::size_t i = 0; i < parent.size(); ++i) parent[i] = i;
  std::function<std::uint64_t(std::uint64_t)> root = [&](std::uint64_t x) {
    while (parent[x] != x) x = parent[x] = parent[parent[x]];
    return x;
  };
  auto unite = [&](std::uint64_t a, std::uint64_t b) {
    a = root(a);
    b = root(b);
    if (a != b) parent[std::max(a, b)] = std::min(a, b);
  };
  std::unordered_map<std::string, std::uint64_t> owner;
  for (const Call& c : calls_) owner.emplace(c.call_id, c.index);
  for (const Call& c : calls_) {
    for (const auto& id : c.correlation_ids) {
      auto [it, fresh] = owner.emplace(id, c.index);
      if (!fresh) unite(it->second, c.index);
    }
  }
  for (Call& c : calls_) c.group = root(c.index);
}

}  // namespace sipws

namespace sipws {

void CallStore::update_sdp(Call& call, const SipMessageRecord& r, std::uint64_t index) {
  // The offer is the first SDP; the answer is the first SDP sent the other way after it. Every
  // other distinct body goes to `others`.
  if (!call.sdp) call.sdp = std::make_unique<CallSdp>();
  CallSdp& out = *call.sdp;
  enum class Slot { offer, answer, other } slot = Slot::other;
  if (!out.offer) {
    slot = Slot::offer;
  } else if (!out.answer) {
    const SdpSide& offer = *out.offer;
    if ((r.src == offer.dst || r.dst == offer.src) && r.sip.is_request != offer.request) {
      slot = Slot::answer;
    }
  }
  const std::uint64_t body_hash = mix(7, r.sip.body);
  const bool seen =
      std::find(out.body_hashes.begin(), out.body_hashes.end(), body_hash) != out.body_hashes.end();
  if (slot == Slot::other && seen) return;  // the same body on another hop adds nothing
  // A call's SDPs are a handful; a hostile or looping one could send thousands.
  if (slot == Slot::other && out.others.size() >= CallSdp::kMaxOtherSdps) return;
  if (!seen) out.body_hashes.push_back(body_hash);
  const Sdp& sdp = *r.sip.sdp;
  SdpSide side;
  side.record = index;
  side.time = r.timestamp;
  side.src = r.src;
  side.dst = r.dst;
  side.request = r.sip.is_request;
  // A request is written by whoever its From names; a response by the other party.
  const bool from_is_caller =
      call.caller_tag_hash == 0 || branch_hash(r.sip.from.tag) == call.caller_tag_hash;
  side.from_caller = r.sip.is_request == from_is_caller;
  side.ice_lite = sdp.ice_lite;
  for (const auto& b : sdp.bundle) side.bundle.emplace_back(b);
  for (const SdpMedia& m : sdp.media) {
    SdpMediaInfo info;
    info.type = intern_name(m.type);
    info.address = intern_name(m.connection);
    parse_ip(m.connection, info.ip);
    info.port = to_u16(m.port);
    // Kept only when the number alone does not say it ("49170/2"): most calls have ports of
    // their own, which interning would keep for the life of the store.
    if (m.port != std::to_string(info.port)) info.port_text = intern(m.port);
    info.proto = intern_name(m.proto);
    info.direction = intern_name(m.direction);
    info.mid = intern_name(m.mid);
    SdpFormats formats;
    formats.codecs.reserve(m.codecs.size());
    formats.payload_types.reserve(m.codecs.size());
    for (const auto& c : m.codecs) {
      formats.codecs.push_back(intern(c.encoding));
      formats.payload_types.push_back(
          static_cast<std::uint8_t>(std::min<std::uint64_t>(to_u64(c.payload_type), 255)));
    }
    for (const std::string_view f : m.formats) {
      if (!f.empty() && f.size() <= 3 &&
          std::all_of(f.begin(), f.end(), [](char c) { return c >= '0' && c <= '9'; }) &&
          to_u64(f) <= 127) {
        formats.listed.push_back(static_cast<std::uint8_t>(to_u64(f)));
      }
    }
    info.formats = intern(std::move(formats));
    info.ice_ufrag = texts_.keep(m.ice_ufrag);
    info.ice_pwd = texts_.keep(m.ice_pwd);
    info.candidates.reserve(m.candidates.size());
    for (const SdpCandidate& c : m.candidates) {
      SdpCandidateInfo candidate;
      parse_ip(c.address, candidate.endpoint.address);
      candidate.endpoint.port = to_u16(c.port);
      candidate.priority = to_u64(c.priority);
      candidate.component =
          static_cast<std::uint8_t>(std::min<std::uint64_t>(to_u64(c.component), 255));
      candidate.tcp = iequals(c.transport, "tcp");
      candidate.type = c.type == "host"    ? SdpCandidateInfo::Type::host
                       : c.type == "srflx" ? SdpCandidateInfo::Type::srflx
                       : c.type == "prflx" ? SdpCandidateInfo::Type::prflx
                       : c.type == "relay" ? SdpCandidateInfo::Type::relay
                                           : SdpCandidateInfo::Type::other;
      info.candidates.push_back(candidate);
    }
    info.fingerprint = texts_.keep(m.fingerprint);
    info.setup = intern_name(m.setup);
    info.rtcp_mux = m.rtcp_mux;
    info.rtcp_port = to_u16(m.rtcp_port);
    for (const std::string_view ssrc : m.ssrcs) {
      info.ssrcs.push_back(static_cast<std::uint32_t>(to_u64(ssrc)));
    }
    side.media.push_back(std::move(info));
  }
  switch (slot) {
    case Slot::offer:
      out.offer = std::move(side);
      break;
    case Slot::answer:
      out.answer = std::move(side);
      break;
    case Slot::other:
      out.others.push_back(std::move(side));
      break;
  }
}

std::vector<std::string> SdpSide::codecs() const {
  std::vector<std::string> out;
  for (const SdpMediaInfo& m : media) {
    for (const std::string_view codec : m.formats->codecs) out.emplace_back(codec);
  }
  return out;
}

std::vector<std::string> SdpSide::media_lines() const {
  std::vector<std::string> out;
  for (const SdpMediaInfo& m : media) {
    std::string line(m.type);
    line.append(" ").append(m.address).append(":");
    if (m.port_text.data() == nullptr) {  // never set: the number says it
      line.append(std::to_string(m.port));
    } else {
      line.append(m.port_text);
    }
    line.append(" ").append(m.proto).append(" ").append(m.direction);
    out.push_back(std::move(line));
  }
  return out;
}

std::size_t SdpSide::ice_candidates() const {
  std::size_t n = 0;
  for (const SdpMediaInfo& m : media) n += m.candidates.size();
  return n;
}

bool SdpSide::ice() const {
  return std::any_of(media.begin(), media.end(), [](const SdpMediaInfo& m) {
    return !m.ice_ufrag.empty() && !m.ice_pwd.empty();
  });
}

std::string SdpSide::fingerprint() const {
  for (const SdpMediaInfo& m : media) {
    if (!m.fingerprint.empty()) return std::string(m.fingerprint);
  }
  return {};
}

std::string SdpSide::setup() const {
  for (const SdpMediaInfo& m : media) {
    if (!m.setup.empty()) return std::string(m.setup);
  }
  return {};
}

bool SdpSide::rtcp_mux() const {
  return std::any_of(media.begin(), media.end(), [](const SdpMediaInfo& m) { return m.rtcp_mux; });
}

CallSdp summarize_sdp(const CallStore&, const Call& call) {
  return call.sdp ? *call.sdp : CallSdp{};
}

}  // namespace sipws
