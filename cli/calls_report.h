#pragma once
// `sipws calls`, `sipws flow` and `sipws stats`: render the call model of the dissector layer.

#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "calls/call_store.h"
#include "calls/ladder.h"
#include "calls/media.h"
#include "cli/output.h"
#include "dissector/dissector.h"
#include "session/call_filter.h"
#include "session/ladder_text.h"

namespace sipws::cli {

// The TSV columns start with the contract of issue #4: call_id start messages first_method
// state final_status from_user to_user group. Text writes the start as `time` says (clock: the
// date on a line before the header).
void print_calls(std::FILE* out, OutputFormat format, const CallStore& store,
                 const std::vector<const Call*>& calls, const MediaReport* media = nullptr,
                 const MediaTracker* tracker = nullptr, TimeStyle time = TimeStyle::clock,
                 TimeNs origin = 0);

// Two lines: the call's first SDP offer and its answer (codecs, media, ICE, DTLS, BUNDLE).
void print_sdp_summary(std::FILE* out, const CallStore& store, const Call& call,
                       std::size_t width = 80);

// The text ladder (session/ladder_text), one line after another.
void print_flow(std::FILE* out, const CallStore& store, const Ladder& ladder,
                const LadderTextOptions& options);

void print_stats(std::FILE* out, OutputFormat format, const CallStore& store,
                 const std::vector<const Call*>& calls, const DissectorCounters& counters,
                 const MediaReport* media = nullptr, const MediaTracker* tracker = nullptr);

}  // namespace sipws::cli
