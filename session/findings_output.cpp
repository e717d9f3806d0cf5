#include "session/findings_output.h"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "session/output_format.h"

namespace sipws {

std::string finding_summary(const Finding& f) {
  std::string text(f.kind().explanation);
  if (!f.detail.empty()) text += ": " + f.detail;
  return text;
}

std::string finding_json_line(const Finding& f, std::optional<std::string_view> call_id) {
  JsonObject line;
  line.string("id", f.kind().name)
      .string("severity", severity_name(f.kind().severity))
      .number("frame", f.frame)
      .string("summary", finding_summary(f))
      .string("rfc", f.kind().rfc_section)
      .string("detail", f.detail);
  if (f.connection != kNoId) line.number("connection", f.connection);
  if (f.direction != Direction::none) line.string("direction", direction_name(f.direction));
  if (f.message != kNoId) line.number("message", f.message);
  if (f.call != kNoId && call_id) {
    line.number("call", f.call).string("call_id", *call_id);
  }
  return line.take_line();
}

void FindingTally::report(Finding finding) {
  ++total_;
  Entry& entry = by_id_[finding.kind().name];
  if (entry.count++ == 0) entry.first = std::move(finding);
}

Result<std::unique_ptr<FindingsJsonlFile>> FindingsJsonlFile::open(const std::string& path,
                                                                   CallIdOf call_id_of) {
  std::FILE* file = std::fopen(path.c_str(), "w+b");
  if (file == nullptr) return Failure{"cannot write " + path + ": " + std::strerror(errno)};
  return std::unique_ptr<FindingsJsonlFile>(
      new FindingsJsonlFile(path, file, std::move(call_id_of)));
}

FindingsJsonlFile::~FindingsJsonlFile() {
  if (file_ != nullptr) std::fclose(file_);
}

void FindingsJsonlFile::report(Finding finding) {
  if (file_ == nullptr) return;
  std::optional<std::string_view> call_id;
  if (finding.call != kNoId && call_id_of_) call_id = call_id_of_(finding.call);
  const std::string line = finding_json_line(finding, call_id);
  if (std::fwrite(line.data(), 1, line.size(), file_) != line.size()) failed_ = true;
  std::fflush(file_);  // a reader following the file sees whole lines
  keys_.push_back({finding.frame, finding.call == kNoId ? 0 : 1 + finding.call, offset_});
  offset_ += line.size();
}

Result<void> FindingsJsonlFile::finish() {
  if (file_ == nullptr) return {};
  if (failed_) return Failure{"could not write all findings to " + path_};
  // Read back what was written, then write it again in check's order (a stable sort: findings
  // of one frame and rank keep the order they were raised in).
  std::string all(offset_, '\0');
  std::rewind(file_);
  if (std::fread(all.data(), 1, all.size(), file_) != all.size()) {
    return Failure{"could not read back " + path_};
  }
  std::vector<std::uint64_t> ends(keys_.size());
  for (std::size_t i = 0; i < keys_.size(); ++i) {
    ends[i] = i + 1 < keys_.size() ? keys_[i + 1].offset : offset_;
  }
  std::vector<std::size_t> order(keys_.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [this](std::size_t a, std::size_t b) {
    if (keys_[a].frame != keys_[b].frame) return keys_[a].frame < keys_[b].frame;
    return keys_[a].rank < keys_[b].rank;
  });
  std::rewind(file_);
  bool ok = true;
  for (const std::size_t i : order) {
    const std::size_t length = ends[i] - keys_[i].offset;
    ok = ok && std::fwrite(all.data() + keys_[i].offset, 1, length, file_) == length;
  }
  ok = std::fclose(file_) == 0 && ok;
  file_ = nullptr;
  if (!ok) return Failure{"could not write " + path_};
  return {};
}

}  // namespace sipws
