#pragma once
// Formatting shared by every subcommand (times and JSON: session/output_format.h).

#include <cstdio>
#include <string>
#include <string_view>

#include "capture/finding.h"
#include "capture/raw_packet.h"
#include "session/findings_output.h"
#include "session/output_format.h"

namespace sipws::cli {

enum class OutputFormat { text, tsv, json };

// Findings counted by id, with the first of each (nothing when there are none).
void print_findings_summary(std::FILE* out, const FindingTally& findings);
void print_findings_summary(std::FILE* out, const FindingCollector& findings);

}  // namespace sipws::cli
