#include "capture/ip_reassembler.h"

#include <algorithm>
#include <cstring>

namespace sipws {

void IpReassembler::drop(std::map<FragmentKey, Datagram>::iterator it, FindingId why,
                         std::string detail, FindingSink& findings) {
  Finding f{why};
  f.frame = it->second.first_frame;
  f.detail = std::move(detail);
  findings.report(std::move(f));
  buffered_bytes_ -= it->second.bytes.size();
  by_age_.erase(it->second.age);
  datagrams_.erase(it);
}

bool IpReassembler::add(const FragmentKey& key, std::uint32_t offset, ByteView data,
                        bool more_fragments, TimeNs now, std::uint64_t frame, FindingSink& findings,
                        ByteView& payload, std::uint64_t& first_frame) {
  const std::uint32_t end = offset + static_cast<std::uint32_t>(data.size());
  if (end > 65535 + 65535u) {  // beyond any IP datagram (IPv6 jumbograms are not fragmented)
    Finding f{FindingId::decode_malformed};
    f.frame = frame;
    f.detail = "IP fragment reaches beyond the largest possible datagram";
    findings.report(std::move(f));
    return false;
  }
  auto it = datagrams_.find(key);
  if (it == datagrams_.end()) {
    while (datagrams_.size() >= limits_.max_datagrams && !by_age_.empty()) {
      drop(datagrams_.find(by_age_.front()), FindingId::limit_ip_fragments,
           "more than " + std::to_string(limits_.max_datagrams) + " datagrams awaiting reassembly",
           findings);
    }
    it = datagrams_.emplace(key, Datagram{}).first;
    it->second.first_seen = now;
    it->second.first_frame = frame;
    it->second.age = by_age_.insert(by_age_.end(), key);
  }
  Datagram& d = it->second;
  if (!more_fragments) d.total = end;
  if (end > d.bytes.size()) {
    buffered_bytes_ += end - d.bytes.size();
    d.bytes.resize(end);
  }
  // Copy only into holes; compare where we already hold bytes (first copy wins).
  std::uint32_t pos = offset;
  bool differs = false;
  for (const auto& [b, e] : d.have) {
    if (e <= pos) continue;
    if (b >= end) break;
    if (b > pos) std::memcpy(d.bytes.data() + pos, data.data() + (pos - offset), b - pos);
    const std::uint32_t ob = std::max(b, pos);
    const std::uint32_t oe = std::min(e, end);
    if (std::memcmp(d.bytes.data() + ob, data.data() + (ob - offset), oe - ob) != 0) differs = true;
    pos = std::max(pos, oe);
  }
  if (pos < end) std::memcpy(d.bytes.data() + pos, data.data() + (pos - offset), end - pos);
  if (differs) {
    Finding f{FindingId::ip_fragment_overlap};
    f.frame = frame;
    f.detail = "fragment at offset " + std::to_string(offset) + " overlaps earlier bytes";
    findings.report(std::move(f));
  }
  d.have.emplace_back(offset, end);
  std::sort(d.have.begin(), d.have.end());
  std::vector<std::pair<std::uint32_t, std::uint32_t>> merged;
  for (const auto& r : d.have) {
    if (!merged.empty() && r.first <= merged.back().second) {
      merged.back().second = std::max(merged.back().second, r.second);
    } else {
      merged.push_back(r);
    }
  }
  d.have = std::move(merged);

  if (d.total != UINT32_MAX && d.have.size() == 1 && d.have[0].first == 0 &&
      d.have[0].second >= d.total) {
    first_frame = d.first_frame;
    completed_ = std::move(d.bytes);
    completed_.resize(d.total);
    buffered_bytes_ -= d.have[0].second;
    by_age_.erase(d.age);
    datagrams_.erase(it);
    payload = ByteView(completed_.data(), completed_.size());
    return true;
  }
  while (buffered_bytes_ > limits_.max_buffered_bytes && !by_age_.empty()) {
    drop(datagrams_.find(by_age_.front()), FindingId::limit_ip_fragments,
         "more than " + std::to_string(limits_.max_buffered_bytes) + " bytes awaiting reassembly",
         findings);
  }
  return false;
}

void IpReassembler::expire(TimeNs now, FindingSink& findings) {
  while (!by_age_.empty()) {
    auto it = datagrams_.find(by_age_.front());
    if (elapsed(now, it->second.first_seen) < limits_.timeout) break;
    drop(it, FindingId::ip_fragment_incomplete, "fragments missing after the reassembly timeout",
         findings);
  }
}

void IpReassembler::finish(FindingSink& findings) {
  while (!by_age_.empty()) {
    drop(datagrams_.find(by_age_.front()), FindingId::ip_fragment_incomplete,
         "fragments still missing at the end of the capture", findings);
  }
}

}  // namespace sipws
