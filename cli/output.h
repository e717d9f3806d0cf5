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

// Colours of text output (`--color auto|always|never`): states, severities, requests and
// responses. Set once from the command line before anything prints; TSV and JSON never have
// them. `auto` means a terminal on standard output, TERM not "dumb" and NO_COLOR unset.
enum class Ink { good, warn, bad, request, dim };
bool parse_color_mode(std::string_view mode, bool& on);  // false: not auto, always or never
void set_text_colors(bool on);
bool text_colors();
// `text` in the ink's ANSI colour when colours are on; unchanged otherwise.
std::string paint(std::string_view text, Ink ink);
// A SIP status code's ink: 1xx dim, 2xx good, 3xx warn, 4xx-6xx bad.
Ink status_ink(int status);

// Findings counted by id, with the first of each (nothing when there are none).
void print_findings_summary(std::FILE* out, const FindingTally& findings);
void print_findings_summary(std::FILE* out, const FindingCollector& findings);

}  // namespace sipws::cli
