#include "calls/ladder.h"

#include <algorithm>

#include "calls/media.h"
#include "dissector/text.h"

namespace sipws {

Ladder build_ladder(const CallStore& store, const std::vector<const Call*>& calls) {
  struct Item {
    std::uint64_t record;
    std::uint64_t call;
    bool retransmission;
  };
  std::vector<Item> items;
  for (const Call* c : calls) {
    for (const CallMessage& m : c->messages)
      items.push_back({m.record, c->index, m.retransmission});
  }
  const auto& summaries = store.summaries();
  std::stable_sort(items.begin(), items.end(), [&](const Item& a, const Item& b) {
    const auto& ra = summaries[a.record];
    const auto& rb = summaries[b.record];
    return ra.frame != rb.frame ? ra.frame < rb.frame : a.record < b.record;
  });
  Ladder ladder;
  auto column = [&ladder](const Endpoint& e) {
    for (std::size_t i = 0; i < ladder.participants.size(); ++i) {
      if (ladder.participants[i].endpoint == e) return i;
    }
    ladder.participants.push_back({e, {}});
    return ladder.participants.size() - 1;
  };
  TimeNs previous = 0;
  for (const Item& item : items) {
    const RecordRef kept = store.record(item.record);
    if (!kept) continue;  // the store keeps no messages
    const SipMessageRecord& r = *kept;
    const SipMessage& m = r.sip;
    LadderArrow a;
    a.from = column(r.src);
    a.to = column(r.dst);
    a.request = m.is_request;
    a.status_code = m.is_request ? 0 : m.status_code;
    a.method = std::string(m.is_request ? m.method : m.cseq_method);
    if (m.is_request) {
      a.label = std::string(m.method);
    } else {
      a.label =
          std::to_string(m.status_code) + (m.reason.empty() ? "" : " " + std::string(m.reason));
      if (m.cseq_method != "INVITE") a.label += " (" + std::string(m.cseq_method) + ")";
    }
    a.time = r.timestamp;
    a.delta = ladder.arrows.empty() ? 0 : r.timestamp - previous;
    previous = r.timestamp;
    a.record = item.record;
    a.frame = r.frame;
    a.call = item.call;
    a.transport = r.transport;
    a.retransmission = item.retransmission;
    a.has_sdp = m.sdp != nullptr;
    // What an endpoint calls itself. Proxies forward User-Agent and Server headers unchanged, so
    // only trust them where the sender made the message: a request with one Via (it originated
    // there) or a 100 Trying (hop by hop, always local).
    std::string& name = ladder.participants[a.from].name;
    if (name.empty()) {
      if (m.is_request && m.vias.size() == 1) name = std::string(trim(m.user_agent));
      if (!m.is_request && m.status_code == 100) name = std::string(trim(m.header("Server")));
    }
    ladder.arrows.push_back(std::move(a));
  }
  return ladder;
}

void add_media_streams(Ladder& ladder, const MediaReport& report, const MediaTracker& tracker,
                       const std::vector<const Call*>& calls) {
  const std::size_t sip_columns = ladder.participants.size();
  // The column of the participant at this very endpoint, else of the first on its host.
  auto on_host = [&](const Endpoint& e) -> std::optional<std::size_t> {
    std::optional<std::size_t> host;
    for (std::size_t i = 0; i < sip_columns; ++i) {
      if (ladder.participants[i].endpoint == e) return i;
      if (!host && ladder.participants[i].endpoint.address == e.address) host = i;
    }
    return host;
  };
  // A column of the media endpoint's own.
  auto own = [&](const Endpoint& e) {
    for (std::size_t i = sip_columns; i < ladder.participants.size(); ++i) {
      if (ladder.participants[i].endpoint == e) return i;
    }
    ladder.participants.push_back({e, "media"});
    return ladder.participants.size() - 1;
  };
  std::vector<std::size_t> seen;  // a stream another chosen call shares is drawn once
  for (const Call* c : calls) {
    if (c->index >= report.calls.size()) continue;
    const CallMedia& media = report.calls[c->index];
    std::vector<std::size_t> indices = media.streams;
    for (const auto& [index, way] : media.detail().shared) indices.push_back(index);
    for (const std::size_t index : indices) {
      if (index >= tracker.streams().size()) continue;
      if (std::find(seen.begin(), seen.end(), index) != seen.end()) continue;
      seen.push_back(index);
      const MediaStream& s = tracker.streams()[index];
      if (s.control) continue;
      LadderStream l;
      const auto from = on_host(s.src);
      const auto to = on_host(s.dst);
      if (from && to && *from == *to) {
        // Both ends on one host (a capture on one machine): a line needs two columns.
        l.from = own(s.src);
        l.to = own(s.dst);
      } else {
        l.from = from ? *from : own(s.src);
        l.to = to ? *to : own(s.dst);
      }
      l.first_time = s.first_time;
      l.last_time = s.last_time;
      l.first_frame = s.first_frame;
      l.label = s.kind == MediaKind::srtp ? "SRTP" : "RTP";
      if (!s.codec.empty()) l.label += " " + s.codec;
      l.packets = s.rtp.packets;
      l.lost = s.rtp.lost();
      l.lost_percent = s.lost_percent();
      l.call = c->index;
      l.stream = index;
      ladder.streams.push_back(std::move(l));
    }
  }
  std::stable_sort(
      ladder.streams.begin(), ladder.streams.end(),
      [](const LadderStream& a, const LadderStream& b) { return a.first_frame < b.first_frame; });
}

}  // namespace sipws
