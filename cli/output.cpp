#include "cli/output.h"

#include <unistd.h>

#include <cinttypes>
#include <cstdlib>
#include <cstring>
#include <map>

namespace sipws::cli {

namespace {
bool g_text_colors = false;  // the one setting of the process's presentation, set by main
}  // namespace

bool parse_color_mode(std::string_view mode, bool& on) {
  if (mode == "always") {
    on = true;
  } else if (mode == "never") {
    on = false;
  } else if (mode == "auto") {
    const char* term = std::getenv("TERM");
    on = isatty(STDOUT_FILENO) == 1 && std::getenv("NO_COLOR") == nullptr && term != nullptr &&
         std::strcmp(term, "dumb") != 0;
  } else {
    return false;
  }
  return true;
}

void set_text_colors(bool on) {
  g_text_colors = on;
}
bool text_colors() {
  return g_text_colors;
}

std::string paint(std::string_view text, Ink ink) {
  if (!g_text_colors || text.empty()) return std::string(text);
  const char* code = "";
  switch (ink) {
    case Ink::good:
      code = "\x1b[32m";
      break;
    case Ink::warn:
      code = "\x1b[33m";
      break;
    case Ink::bad:
      code = "\x1b[31m";
      break;
    case Ink::request:
      code = "\x1b[36m";
      break;
    case Ink::dim:
      code = "\x1b[2m";
      break;
  }
  return code + std::string(text) + "\x1b[0m";
}

Ink status_ink(int status) {
  if (status < 200) return Ink::dim;
  if (status < 300) return Ink::good;
  if (status < 400) return Ink::warn;
  return Ink::bad;
}

void print_findings_summary(std::FILE* out, const FindingTally& findings) {
  if (findings.total() == 0) return;
  std::fprintf(out, "Findings:\n");
  for (const auto& [name, entry] : findings.by_id()) {
    const Finding& f = entry.first;
    std::fprintf(out, "  %-8s %-34s %6zu  first in frame %" PRIu64 ": %s\n",
                 std::string(severity_name(f.kind().severity)).c_str(), std::string(name).c_str(),
                 entry.count, f.frame, f.detail.c_str());
  }
}

void print_findings_summary(std::FILE* out, const FindingCollector& findings) {
  FindingTally tally;
  for (const Finding& f : findings.findings()) tally.report(f);
  print_findings_summary(out, tally);
}

}  // namespace sipws::cli
