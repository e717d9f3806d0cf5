#pragma once
// `sipws calls`, `sipws flow` and `sipws stats`: render the call model of the dissector layer.

#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "calls/call_store.h"
#include "calls/ladder.h"
#include "cli/output.h"
#include "dissector/dissector.h"

namespace sipws::cli {

// Filters shared by the subcommands; a call passes when it matches every filter given.
struct CallFilter {
  std::vector<std::string> call_ids;
  std::string method;           // a method seen in the call
  std::string user;             // From or To user
  std::string address;          // an address (with or without port) that sent or received a message
  std::string state;            // call_state_name
  std::optional<double> since;  // epoch seconds: calls that end at or after
  std::optional<double> until;  // epoch seconds: calls that start at or before

  bool matches(const Call& call, const CallStore& store) const;
};

std::vector<const Call*> select_calls(const CallStore& store, const CallFilter& filter);

// The TSV columns start with the contract of issue #4: call_id start messages first_method
// state final_status from_user to_user group.
void print_calls(std::FILE* out, OutputFormat format, const CallStore& store,
                 const std::vector<const Call*>& calls);

// Two lines: the call's first SDP offer and its answer (codecs, media, ICE, DTLS, BUNDLE).
void print_sdp_summary(std::FILE* out, const CallStore& store, const Call& call);

struct FlowOptions {
  std::size_t width = 80;
  bool verbose = false;  // the SIP text of each message under its arrow
};
void print_flow(std::FILE* out, const CallStore& store, const Ladder& ladder,
                const FlowOptions& options);

void print_stats(std::FILE* out, OutputFormat format, const CallStore& store,
                 const std::vector<const Call*>& calls, const DissectorCounters& counters);

}  // namespace sipws::cli
