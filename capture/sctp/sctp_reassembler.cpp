#include "capture/sctp/sctp_reassembler.h"

#include <algorithm>

namespace sipws {
namespace {

constexpr std::size_t kRecentTsns = 64;  // retransmissions come back within a window's worth

std::uint16_t be16(const std::uint8_t* p) {
  return static_cast<std::uint16_t>(p[0] << 8 | p[1]);
}
std::uint32_t be32(const std::uint8_t* p) {
  return static_cast<std::uint32_t>(p[0]) << 24 | static_cast<std::uint32_t>(p[1]) << 16 |
         static_cast<std::uint32_t>(p[2]) << 8 | p[3];
}

}  // namespace

SctpReassembler::Association& SctpReassembler::association(const DecodedPacket& p) {
  bool src_is_low = false;
  const FlowKey key = FlowKey::of(p.src, p.dst, Transport::sctp, src_is_low);
  auto found = associations_.find(key);
  if (found != associations_.end()) {
    Association& a = *found->second;
    recency_.splice(recency_.end(), recency_, a.recency);
    return a;
  }
  if (associations_.size() >= limits_.max_associations && !recency_.empty()) {
    Association* oldest = recency_.front();
    recency_.pop_front();
    associations_.erase(oldest->key);
  }
  auto a = std::make_unique<Association>();
  a->key = key;
  a->index = next_index_++;
  a->client = p.src;
  for (auto& tsns : a->recent_tsns) tsns.assign(kRecentTsns, 0);
  Association& raw = *a;
  raw.recency = recency_.insert(recency_.end(), &raw);
  associations_.emplace(key, std::move(a));
  return raw;
}

void SctpReassembler::on_packet(const DecodedPacket& p) {
  ByteView b = p.payload;
  Association* a = nullptr;
  // Chunks: type, flags, length (of the chunk without its padding), padded to 4 bytes.
  for (int n = 0; b.size() >= 4 && n < 256; ++n) {
    const std::uint8_t type = b[0];
    const std::uint8_t flags = b[1];
    const std::size_t length = be16(b.data() + 2);
    if (length < 4 || length > b.size()) {
      findings_.report(FindingId::decode_malformed, p.frame_number, kNoId, Direction::none,
                       "an SCTP chunk longer than its packet");
      return;
    }
    if (type == 0) {  // DATA
      if (a == nullptr) a = &association(p);
      data_chunk(*a, p, flags, b.subspan(0, length));
    }
    const std::size_t padded = (length + 3) & ~std::size_t{3};
    b = b.subspan(std::min(padded, b.size()));
  }
}

void SctpReassembler::data_chunk(Association& a, const DecodedPacket& p, std::uint8_t flags,
                                 ByteView chunk) {
  // TSN, stream identifier, stream sequence number, payload protocol identifier, then data.
  if (chunk.size() < 16) return;
  const std::uint32_t tsn = be32(chunk.data() + 4);
  const std::uint16_t stream = be16(chunk.data() + 8);
  const std::size_t d = p.src == a.client ? 0 : 1;
  auto& recent = a.recent_tsns[d];
  if (std::find(recent.begin(), recent.end(), tsn) != recent.end() && tsn != 0) return;
  recent[a.next_tsn_slot[d]] = tsn;
  a.next_tsn_slot[d] = (a.next_tsn_slot[d] + 1) % recent.size();
  const ByteView data = chunk.subspan(16);
  const bool begins = (flags & 0x02) != 0;
  const bool ends = (flags & 0x01) != 0;
  CarriedMessage m;
  m.transport = "sctp";
  m.src = p.src;
  m.dst = p.dst;
  m.direction = d == 0 ? Direction::to_server : Direction::to_client;
  m.flow = a.index;
  m.frame = p.frame_number;
  m.first_frame = p.frame_number;
  m.timestamp = p.timestamp;
  if (begins && ends) {  // the common case: a whole message in one chunk
    m.payload = data;
    ++messages_;
    observer_.on_message(m);
    return;
  }
  Partial& part = a.partial[d][stream];
  if (begins) {
    part.bytes.assign(data.begin(), data.end());
    part.first_frame = p.frame_number;
    part.open = true;
  } else if (part.open) {
    part.bytes.insert(part.bytes.end(), data.begin(), data.end());
  }
  if (part.open && part.bytes.size() > limits_.max_message_bytes) {
    findings_.report(FindingId::decode_malformed, p.frame_number, a.index, m.direction,
                     "an SCTP user message longer than " +
                         std::to_string(limits_.max_message_bytes) + " bytes: dropped");
    a.partial[d].erase(stream);
    return;
  }
  if (ends && part.open) {
    m.payload = ByteView(part.bytes.data(), part.bytes.size());
    m.first_frame = part.first_frame;
    ++messages_;
    observer_.on_message(m);
    a.partial[d].erase(stream);
  }
}

}  // namespace sipws
