#include "calls/call_rules.h"

#include "dissector/text.h"

namespace sipws {
namespace {

void report(FindingSink& findings, FindingId id, const MessageSummary& r, std::uint64_t call,
            std::string detail) {
  Finding f{id};
  f.frame = r.frame;
  f.connection = r.path->connection;
  f.direction = r.path->direction;
  f.message = r.index;
  f.call = call;
  f.detail = std::move(detail);
  findings.report(std::move(f));
}

}  // namespace

void check_calls(const CallStore& store, FindingSink& findings) {
  // From the messages' summaries, so that it works on a store that keeps no message whole.
  const auto& messages = store.summaries();
  for (const Call& call : store.calls()) {
    for (const SipTransaction& t : call.transactions) {
      // The requests of this transaction, by hop (a proxied request appears once per hop).
      std::vector<const MessageSummary*> requests;
      bool answered = false;
      for (std::size_t pos : t.messages) {
        const MessageSummary& r = messages[call.messages[pos].record];
        if (r.is_request) requests.push_back(&r);
      }
      for (std::size_t pos : t.messages) {
        const MessageSummary& m = messages[call.messages[pos].record];
        if (m.is_request) continue;
        if (m.status_code >= 200 && m.cseq_method == t.method) answered = true;
        if (m.status_code > 100 && m.to_tag_empty) {
          report(findings, FindingId::sip_response_missing_to_tag, m, call.index,
                 std::to_string(m.status_code) + " to " + std::string(m.cseq_method));
        }
        // The request this response answers on the same hop.
        const MessageSummary* request = nullptr;
        for (const MessageSummary* q : requests) {
          if (q->path->src == m.path->dst && q->path->dst == m.path->src && q->frame <= m.frame &&
              q->method == m.cseq_method) {
            request = q;
          }
        }
        if (request == nullptr) continue;
        const MessageSummary& q = *request;
        // Call-ID needs no comparison: the call is the messages with one Call-ID.
        std::string differs;
        if (m.cseq != q.cseq || m.cseq_method != q.cseq_method) differs += " CSeq";
        if (m.from_hash != q.from_hash) differs += " From";
        // The top Via comes back as sent, except that the server may add received and fill rport
        // (RFC 3261 §18.2.1, RFC 3581): compare what the client wrote (branch, sent-by,
        // transport), which is what top_via_hash covers.
        if (!m.has_via || !q.has_via || m.top_via_hash != q.top_via_hash) differs += " Via";
        if (!differs.empty()) {
          report(findings, FindingId::sip_response_not_copied, m, call.index,
                 "differs from the request in frame " + std::to_string(q.frame) + ":" + differs);
        }
      }
      if (!answered && t.method != "ACK" && !requests.empty()) {
        const MessageSummary* first = nullptr;
        for (const MessageSummary* q : requests) {
          if (first == nullptr && q->method == t.method) first = q;
        }
        if (first != nullptr)
          report(findings, FindingId::sip_no_final_response, *first, call.index,
                 std::string(t.method));
      }
    }
    // The ACK for a 2xx is a transaction of its own, with the CSeq number of the INVITE it
    // acknowledges (RFC 3261 §13.2.2.4). Which INVITE: the latest 2xx to an INVITE that reached
    // the ACK's sender before it. Its CSeq is that INVITE's on this hop (a B2BUA renumbers per
    // leg).
    for (const SipTransaction& ack : call.transactions) {
      if (ack.method != "ACK" || ack.messages.empty()) continue;
      const MessageSummary& a = messages[call.messages[ack.messages.front()].record];
      if (!a.is_request || !a.cseq) continue;
      const MessageSummary* answer = nullptr;
      for (const CallMessage& cm : call.messages) {
        const MessageSummary& r = messages[cm.record];
        if (r.frame > a.frame) break;
        if (!r.is_request && r.status_code >= 200 && r.status_code < 300 &&
            r.cseq_method == "INVITE" && r.path->dst.address == a.path->src.address && r.cseq) {
          answer = &r;
        }
      }
      if (answer != nullptr && *a.cseq != *answer->cseq) {
        report(findings, FindingId::sip_ack_2xx_cseq_mismatch, a, call.index,
               "ACK " + std::to_string(*a.cseq) + ", the INVITE's 2xx in frame " +
                   std::to_string(answer->frame) + ": " + std::to_string(*answer->cseq));
      }
    }
    // An ACK to a non-2xx and a CANCEL share their INVITE's branch and CSeq number.
    for (const CallMessage& cm : call.messages) {
      const MessageSummary& m = messages[cm.record];
      if (!m.is_request || (m.method != "ACK" && m.method != "CANCEL") || !m.has_via) continue;
      const SipTransaction& own = call.transactions[cm.transaction];
      if (own.method == "INVITE") continue;  // matched its INVITE by branch and number
      for (const SipTransaction& t : call.transactions) {
        if (t.method == "INVITE" && t.branch != 0 && t.branch == m.top_branch_hash &&
            t.cseq != m.cseq.value_or(0)) {
          report(findings, FindingId::sip_cseq_number_mismatch, m, call.index,
                 std::string(m.method) + " " + std::to_string(m.cseq.value_or(0)) + ", INVITE " +
                     std::to_string(t.cseq));
        }
      }
    }
  }
}

}  // namespace sipws
