#pragma once
// `sipws check`: conformance findings for people (text), for tools (JSON Lines) and for CI
// systems (JUnit XML).

#include <cstdio>
#include <string>
#include <vector>

#include "calls/call_store.h"
#include "capture/finding.h"
#include "capture/result.h"

namespace sipws::cli {

enum class CheckFormat { text, json, junit };

struct CheckOptions {
  CheckFormat format = CheckFormat::text;
  Severity fail_on = Severity::error;
  std::vector<std::string> rules;    // only these ids (or prefixes like "ws.frame"); empty: all
  std::vector<std::string> disable;  // never these
};

// Whether a finding id is selected by the options.
bool rule_enabled(std::string_view id, const CheckOptions& options);
// Fails with "no rule matches 'X' (see --list-rules)" for a --rules or --disable value that is
// neither a rule id nor a prefix of one: a misspelt rule must not keep a CI gate green.
Result<void> check_rule_names(const CheckOptions& options);

void print_rules(std::FILE* out);

// Prints the findings; returns how many are at or above options.fail_on.
std::size_t print_check(std::FILE* out, const CheckOptions& options,
                        const std::vector<Finding>& findings, const CallStore& store,
                        const std::string& capture_name);

}  // namespace sipws::cli
