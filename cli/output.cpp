#include "cli/output.h"

#include <cinttypes>
#include <map>

namespace sipws::cli {

std::string tsv_field(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c == '\t' || c == '\n' || c == '\r') c = ' ';
  }
  return out;
}

void print_findings_summary(std::FILE* out, const FindingCollector& findings) {
  if (findings.findings().empty()) return;
  std::map<std::string_view, std::pair<std::size_t, const Finding*>> by_id;
  for (const Finding& f : findings.findings()) {
    auto& [count, first] = by_id[f.kind().name];
    if (count++ == 0) first = &f;
  }
  std::fprintf(out, "Findings:\n");
  for (const auto& [name, entry] : by_id) {
    const Finding& f = *entry.second;
    std::fprintf(out, "  %-8s %-34s %6zu  first in frame %" PRIu64 ": %s\n",
                 std::string(severity_name(f.kind().severity)).c_str(), std::string(name).c_str(),
                 entry.first, f.frame, f.detail.c_str());
  }
}

}  // namespace sipws::cli
