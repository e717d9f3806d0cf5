#include "calls/call_export.h"

#include <algorithm>
#include <set>

#include "capture/capture_file.h"
#include "capture/packet_decoder.h"
#include "capture/pcap_writer.h"

namespace sipws {
namespace {

// Frames [first, last] travelling from `from` to `to` (or either way), or between two IP
// addresses regardless of ports (for fragments, which carry no ports).
struct Span {
  Endpoint from;
  Endpoint to;
  bool either_way = false;
  bool addresses_only = false;
  std::uint64_t first = 0;
  std::uint64_t last = 0;
};

bool span_matches(const Span& s, const DecodedPacket& p, DecodeStatus status, std::uint64_t frame) {
  if (frame < s.first || frame > s.last) return false;
  if (status == DecodeStatus::fragment_held || (s.addresses_only && p.from_fragments)) {
    const IpAddress& src = status == DecodeStatus::fragment_held ? p.fragment_src : p.src.address;
    const IpAddress& dst = status == DecodeStatus::fragment_held ? p.fragment_dst : p.dst.address;
    return s.addresses_only && src == s.from.address && dst == s.to.address;
  }
  if (status != DecodeStatus::transport) return false;
  if (p.src == s.from && p.dst == s.to) return true;
  return s.either_way && p.src == s.to && p.dst == s.from;
}

}  // namespace

std::vector<const Call*> calls_needing_whole_connections(const CallStore& store,
                                                         const std::vector<const Call*>& calls) {
  std::vector<const Call*> out;
  for (const Call* call : calls) {
    for (const CallMessage& cm : call->messages) {
      if (store.summaries()[cm.record].ws_context_takeover) {
        out.push_back(call);
        break;
      }
    }
  }
  return out;
}

ExportResult export_calls(const std::string& input, const std::string& output,
                          const CallStore& store, const std::vector<const Call*>& calls) {
  return export_calls(input, output, store, calls, ExportOptions{});
}

ExportResult export_calls(const std::string& input, const std::string& output,
                          const CallStore& store, const std::vector<const Call*>& calls,
                          const ExportOptions& options) {
  std::vector<CallInStore> in_store;
  in_store.reserve(calls.size());
  for (const Call* call : calls) in_store.push_back({&store, call});
  return export_calls(input, output, in_store, options);
}

ExportResult export_calls(const std::string& input, const std::string& output,
                          std::span<const CallInStore> calls, const ExportOptions& options) {
  ExportResult result;
  std::vector<Span> spans;
  for (const CallInStore& selected : calls) {
    for (const CallMessage& cm : selected.call->messages) {
      const MessageSummary& r = selected.store->summaries()[cm.record];
      Span own{r.path->src, r.path->dst, false, false, std::min(r.first_frame, r.frame), r.frame};
      spans.push_back(own);
      if (r.path->transport == SipTransport::udp && r.first_frame != r.frame) {
        spans.push_back({r.path->src, r.path->dst, false, true, r.first_frame, r.frame});
      }
      if (r.path->transport != SipTransport::udp && r.path->handshake_last_frame != 0) {
        spans.push_back({r.path->src, r.path->dst, true, false, r.path->connection_first_frame,
                         r.path->handshake_last_frame});
      }
      if (options.whole_connections && r.ws_context_takeover) {
        // The whole connection, both ways, from its first frame on: every message whose
        // compression context this one needs.
        spans.push_back(
            {r.path->src, r.path->dst, true, false, r.path->connection_first_frame, UINT64_MAX});
      }
    }
  }
  for (const ExportFlow& f : options.flows)
    spans.push_back({f.from, f.to, f.either_way, false, f.first, f.last});
  // Pass 1: which frames, and which link types.
  std::set<std::uint64_t> keep;
  std::set<std::uint32_t> link_types;
  {
    std::string error;
    auto file = CaptureFile::open(input, error);
    if (!file) {
      result.error = error;
      return result;
    }
    FindingCollector ignored;  // the analysis already reported them
    PacketDecoder decoder(ignored);
    RawPacket raw;
    DecodedPacket p;
    while (file->next(raw) == ReadStatus::packet) {
      const DecodeStatus status = decoder.decode(raw, p);
      for (const Span& s : spans) {
        if (span_matches(s, p, status, raw.frame_number)) {
          keep.insert(raw.frame_number);
          link_types.insert(raw.link_type);
          break;
        }
      }
    }
  }
  // Pass 2: write them.
  const bool raw_ip = link_types.size() > 1;
  result.link_type =
      raw_ip ? link_type::raw : (link_types.empty() ? link_type::ethernet : *link_types.begin());
  std::string error;
  auto writer = PcapWriter::open(output, result.link_type, error);
  if (!writer) {
    result.error = error;
    return result;
  }
  auto file = CaptureFile::open(input, error);
  if (!file) {
    result.error = error;
    return result;
  }
  FindingCollector ignored;
  PacketDecoder decoder(ignored);
  RawPacket raw;
  DecodedPacket p;
  while (file->next(raw) == ReadStatus::packet) {
    if (keep.count(raw.frame_number) == 0) continue;
    ByteView bytes = raw.bytes;
    if (raw_ip) {
      decoder.decode(raw, p);
      bytes = bytes.subspan(std::min(p.network_offset, bytes.size()));
    }
    writer->write(raw, bytes);
    ++result.frames_written;
  }
  if (!writer->close(error)) result.error = error;
  return result;
}

}  // namespace sipws
