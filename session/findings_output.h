#pragma once
// Findings as every front end writes them: one JSON Lines record per finding (the schema of
// `sipws check --format json`), a tally by id for summaries, and a JSON Lines file written while
// a live analysis runs and put in `check`'s order when it ends.

#include <cstdint>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "capture/finding.h"
#include "capture/result.h"

namespace sipws {

// The finding's explanation, then ": detail" when it has one.
std::string finding_summary(const Finding& finding);
// One JSON Lines record: id, severity, frame, summary, rfc, detail, then connection, direction,
// message, and call with call_id, each when known (no call_id: the call is left out).
std::string finding_json_line(const Finding& finding, std::optional<std::string_view> call_id);

// Counts by id, with the first finding of each: what a summary at the end of a run needs, in
// memory that does not grow with the run.
class FindingTally final : public FindingSink {
 public:
  using FindingSink::report;
  void report(Finding finding) override;
  struct Entry {
    std::size_t count = 0;
    Finding first{FindingId{}};
  };
  // By id name, in name order.
  const std::map<std::string_view, Entry>& by_id() const { return by_id_; }
  std::size_t total() const { return total_; }

 private:
  std::map<std::string_view, Entry> by_id_;
  std::size_t total_ = 0;
};

// Passes each finding to several sinks.
class FindingFanOut final : public FindingSink {
 public:
  explicit FindingFanOut(std::vector<FindingSink*> sinks) : sinks_(std::move(sinks)) {}
  using FindingSink::report;
  void report(Finding finding) override {
    for (std::size_t i = 0; i + 1 < sinks_.size(); ++i) sinks_[i]->report(finding);
    if (!sinks_.empty()) sinks_.back()->report(std::move(finding));
  }

 private:
  std::vector<FindingSink*> sinks_;
};

// `--findings FILE`: each finding is appended to FILE as it is raised (a reader can follow it);
// finish() rewrites FILE in the order `sipws check --format json` prints: by frame, the rules
// across messages after the others of the same frame, in call order. Held in memory meanwhile:
// 24 bytes a finding (its sort key and where its line is), not the line.
class FindingsJsonlFile final : public FindingSink {
 public:
  // The Call-ID of a call by index, asked while the finding is reported (none: unknown).
  using CallIdOf = std::function<std::optional<std::string_view>(std::uint64_t call)>;
  static Result<std::unique_ptr<FindingsJsonlFile>> open(const std::string& path,
                                                         CallIdOf call_id_of);
  ~FindingsJsonlFile() override;
  using FindingSink::report;
  void report(Finding finding) override;
  // Rewrites the file in check's order.
  Result<void> finish();
  std::size_t written() const { return keys_.size(); }

 private:
  FindingsJsonlFile(std::string path, std::FILE* file, CallIdOf call_id_of)
      : path_(std::move(path)), file_(file), call_id_of_(std::move(call_id_of)) {}
  struct Key {
    std::uint64_t frame;
    std::uint64_t rank;  // 0 for findings outside calls; 1 + call index for the rules on a call
    std::uint64_t offset;
  };
  std::string path_;
  std::FILE* file_;
  CallIdOf call_id_of_;
  std::vector<Key> keys_;
  std::uint64_t offset_ = 0;
  bool failed_ = false;
};

}  // namespace sipws
