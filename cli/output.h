#pragma once
// Formatting shared by every subcommand: times, JSON strings, findings.

#include <cstdio>
#include <string>
#include <string_view>

#include "capture/finding.h"
#include "capture/raw_packet.h"

namespace sipws::cli {

enum class OutputFormat { text, tsv, json };

// Epoch seconds with `decimals` digits after the point (6 for tshark-like columns).
std::string epoch_seconds(TimeNs ns, int decimals);
// The same written at `at`, which has room for kEpochSecondsMax characters; returns the end.
inline constexpr std::size_t kEpochSecondsMax = 32;
char* write_epoch_seconds(char* at, TimeNs ns, int decimals);
// A JSON string literal, escaped (RFC 8259), quotes included.
std::string json_string(std::string_view text);
// A TSV field: tabs and line breaks would break the row, so they become spaces.
std::string tsv_field(std::string_view text);

void print_findings_summary(std::FILE* out, const FindingCollector& findings);

}  // namespace sipws::cli
