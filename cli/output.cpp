#include "cli/output.h"

#include <algorithm>
#include <charconv>
#include <cinttypes>
#include <map>

namespace sipws::cli {

char* write_epoch_seconds(char* at, TimeNs ns, int decimals) {
  // By hand rather than snprintf: this runs once per message listed.
  const bool negative = ns < 0;
  const std::uint64_t abs =
      negative ? static_cast<std::uint64_t>(-(ns + 1)) + 1 : static_cast<std::uint64_t>(ns);
  std::uint64_t fraction = abs % 1'000'000'000;
  decimals = std::clamp(decimals, 0, 9);
  for (int i = decimals; i < 9; ++i) fraction /= 10;
  if (negative) *at++ = '-';
  at = std::to_chars(at, at + 20, abs / 1'000'000'000).ptr;
  *at++ = '.';
  for (int i = decimals - 1; i >= 0; --i) {
    at[i] = static_cast<char>('0' + fraction % 10);
    fraction /= 10;
  }
  return at + decimals;
}

std::string epoch_seconds(TimeNs ns, int decimals) {
  char text[kEpochSecondsMax];
  return std::string(text, write_epoch_seconds(text, ns, decimals));
}

std::string json_string(std::string_view text) {
  std::string out = "\"";
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          char esc[8];
          std::snprintf(esc, sizeof esc, "\\u%04x", c);
          out += esc;
        } else {
          out += ch;  // UTF-8 passes through; invalid bytes are the input's own
        }
    }
  }
  out += '"';
  return out;
}

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
