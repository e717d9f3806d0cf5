#include "cli/output.h"

#include <cinttypes>
#include <map>

namespace sipws::cli {

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
