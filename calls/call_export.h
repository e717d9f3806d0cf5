#pragma once
// The frames of selected calls, written as a pcap any tool can open (`sipws export`, and the
// GUI's "export calls as pcap").

#include <span>
#include <string>
#include <vector>

#include "calls/call_store.h"

namespace sipws {

struct ExportResult {
  std::uint64_t frames_written = 0;
  std::uint32_t link_type = 0;
  std::string error;
};

// Writes every frame that carried a message of `calls` (all their legs), plus what a dissector
// needs to decode them again: the TCP connection's handshake and HTTP upgrade for WebSocket,
// every IP fragment of a fragmented datagram. Frames keep their link layer when all share one;
// otherwise they are written as raw IP.
ExportResult export_calls(const std::string& input, const std::string& output,
                          const CallStore& store, const std::vector<const Call*>& calls);
// Calls whose WebSocket messages were compressed with context takeover: cut out of their
// connection, they cannot be inflated by anyone (the earlier messages' context is missing).
std::vector<const Call*> calls_needing_whole_connections(const CallStore& store,
                                                         const std::vector<const Call*>& calls);
// More frames to keep: those of [first, last] between two endpoints (one way, or either way).
// The calls' media (RTP, RTCP, STUN, DTLS) is exported this way.
struct ExportFlow {
  Endpoint from;
  Endpoint to;
  bool either_way = false;
  std::uint64_t first = 0;
  std::uint64_t last = 0;
};
struct ExportOptions {
  // Every frame of the WebSocket connections whose compressed messages need the ones before
  // them (context takeover), so that the file inflates.
  bool whole_connections = false;
  std::vector<ExportFlow> flows;
};
ExportResult export_calls(const std::string& input, const std::string& output,
                          const CallStore& store, const std::vector<const Call*>& calls,
                          const ExportOptions& options);
// The same for calls held in several stores (a live analysis keeps a store per call).
struct CallInStore {
  const CallStore* store = nullptr;
  const Call* call = nullptr;
};
ExportResult export_calls(const std::string& input, const std::string& output,
                          std::span<const CallInStore> calls, const ExportOptions& options = {});

}  // namespace sipws
