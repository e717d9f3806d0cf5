#include "cli/check_report.h"

#include <algorithm>
#include <cinttypes>
#include <map>

#include "cli/output.h"

namespace sipws::cli {
namespace {

bool matches(std::string_view id, std::string_view pattern) {
  if (!pattern.empty() && pattern.back() == '*') pattern.remove_suffix(1);
  if (!pattern.empty() && pattern.back() == '.') pattern.remove_suffix(1);
  return id == pattern || (id.size() > pattern.size() && id.substr(0, pattern.size()) == pattern &&
                           id[pattern.size()] == '.');
}

std::string xml_escape(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        // XML 1.0 forbids most control characters, even escaped.
        if (static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t') {
          out += ' ';
        } else {
          out += c;
        }
    }
  }
  return out;
}

std::string where(const Finding& f, const CallStore& store) {
  std::string text = "frame " + std::to_string(f.frame);
  if (f.connection != kNoId) text += ", stream " + std::to_string(f.connection);
  if (f.direction != Direction::none) text += " " + std::string(direction_name(f.direction));
  if (f.call != kNoId && f.call < store.calls().size())
    text += ", call " + store.calls()[f.call].call_id;
  return text;
}

}  // namespace

bool rule_enabled(std::string_view id, const CheckOptions& options) {
  for (const auto& d : options.disable) {
    if (matches(id, d)) return false;
  }
  if (options.rules.empty()) return true;
  for (const auto& r : options.rules) {
    if (matches(id, r)) return true;
  }
  return false;
}

Result<void> check_rule_names(const CheckOptions& options) {
  for (const auto* names : {&options.rules, &options.disable}) {
    for (const std::string& name : *names) {
      bool any = false;
      for (const FindingKind& k : all_finding_kinds()) any = any || matches(k.name, name);
      if (!any) return Failure{"no rule matches '" + name + "' (see --list-rules)"};
    }
  }
  return {};
}

void print_rules(std::FILE* out) {
  std::fprintf(out, "%-36s %-8s %-20s %s\n", "id", "severity", "rfc", "explanation");
  for (const FindingKind& k : all_finding_kinds()) {
    std::fprintf(out, "%-36s %-8s %-20s %s\n", std::string(k.name).c_str(),
                 std::string(severity_name(k.severity)).c_str(), std::string(k.rfc_section).c_str(),
                 std::string(k.explanation).c_str());
  }
}

std::size_t print_check(std::FILE* out, const CheckOptions& options,
                        const std::vector<Finding>& all, const CallStore& store,
                        const std::string& capture_name) {
  std::vector<const Finding*> findings;
  for (const Finding& f : all) {
    if (rule_enabled(f.kind().name, options)) findings.push_back(&f);
  }
  std::stable_sort(findings.begin(), findings.end(),
                   [](const Finding* a, const Finding* b) { return a->frame < b->frame; });
  std::size_t failing = 0;
  for (const Finding* f : findings) failing += f->kind().severity >= options.fail_on ? 1 : 0;

  switch (options.format) {
    case CheckFormat::json:
      for (const Finding* f : findings) {
        const bool known_call = f->call != kNoId && f->call < store.calls().size();
        std::optional<std::string_view> call_id;
        if (known_call) call_id = store.calls()[f->call].call_id;
        std::fputs(finding_json_line(*f, call_id).c_str(), out);
      }
      break;
    case CheckFormat::junit: {
      // One test case per enabled rule; a rule fails when it has findings at or above --fail-on.
      std::map<std::string_view, std::vector<const Finding*>> by_rule;
      for (const Finding* f : findings) by_rule[f->kind().name].push_back(f);
      std::size_t cases = 0;
      std::size_t failures = 0;
      std::string body;
      for (const FindingKind& k : all_finding_kinds()) {
        if (!rule_enabled(k.name, options)) continue;
        ++cases;
        const auto it = by_rule.find(k.name);
        body += "    <testcase classname=\"sipws." +
                xml_escape(k.name.substr(0, k.name.find('.'))) + "\" name=\"" + xml_escape(k.name) +
                "\">\n";
        if (it != by_rule.end()) {
          std::string text;
          for (const Finding* f : it->second)
            text += where(*f, store) + ": " + finding_summary(*f) + "\n";
          if (k.severity >= options.fail_on) {
            ++failures;
            body +=
                "      <failure type=\"" + std::string(severity_name(k.severity)) +
                "\" message=\"" +
                xml_escape(std::to_string(it->second.size()) + " x " + std::string(k.explanation) +
                           " (" + std::string(k.rfc_section) + ")") +
                "\">" + xml_escape(text) + "</failure>\n";
          } else {
            body += "      <system-out>" + xml_escape(text) + "</system-out>\n";
          }
        }
        body += "    </testcase>\n";
      }
      std::fprintf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
      std::fprintf(out, "<testsuites name=\"sipws check\" tests=\"%zu\" failures=\"%zu\">\n", cases,
                   failures);
      std::fprintf(
          out,
          "  <testsuite name=\"%s\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" skipped=\"0\">\n",
          xml_escape(capture_name).c_str(), cases, failures);
      std::fputs(body.c_str(), out);
      std::fprintf(out, "  </testsuite>\n</testsuites>\n");
      break;
    }
    case CheckFormat::text: {
      // Grouped by call, then by connection, then the rest; in frame order inside each group.
      std::map<std::string, std::vector<const Finding*>> groups;
      for (const Finding* f : findings) {
        std::string group;
        if (f->call != kNoId && f->call < store.calls().size()) {
          group = "2 call " + store.calls()[f->call].call_id;
        } else if (f->connection != kNoId) {
          char key[32];
          std::snprintf(key, sizeof key, "1 stream %012" PRIu64, f->connection);
          group = key;
        } else {
          group = "0 capture";
        }
        groups[group].push_back(f);
      }
      for (const auto& [group, list] : groups) {
        std::string title = group.substr(2);
        if (title.rfind("stream ", 0) == 0)
          title = "stream " + std::to_string(std::stoull(title.substr(7)));
        std::fprintf(out, "%s:\n", title.c_str());
        for (const Finding* f : list) {
          char severity[16];
          std::snprintf(severity, sizeof severity, "%-7s",
                        std::string(severity_name(f->kind().severity)).c_str());
          const Ink ink = f->kind().severity == Severity::error     ? Ink::bad
                          : f->kind().severity == Severity::warning ? Ink::warn
                                                                    : Ink::dim;
          std::fprintf(out, "  frame %-7" PRIu64 " %s %-34s %s%s%s\n", f->frame,
                       paint(severity, ink).c_str(), std::string(f->kind().name).c_str(),
                       finding_summary(*f).c_str(), f->kind().rfc_section.empty() ? "" : " [",
                       f->kind().rfc_section.empty()
                           ? ""
                           : (std::string(f->kind().rfc_section) + "]").c_str());
        }
      }
      std::size_t counts[3] = {0, 0, 0};
      for (const Finding* f : findings) ++counts[static_cast<int>(f->kind().severity)];
      std::fprintf(out, "%zu errors, %zu warnings, %zu notes\n", counts[2], counts[1], counts[0]);
      break;
    }
  }
  return failing;
}

}  // namespace sipws::cli
