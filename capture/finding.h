#pragma once
// The one diagnostic type of sipws. Every layer reports through it and every front end renders
// it the same way. Each id is declared once, in the findings.def of the room that raises it
// (capture/findings.def, dissector/<protocol>/findings.def, calls/findings.def); the build
// concatenates them into finding_registry.def, the one enum and table below.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sipws {

enum class Severity : std::uint8_t { note, warning, error };

enum class FindingId : std::uint16_t {
#define SIPWS_FINDING(enumerator, id, severity, rfc, explanation) enumerator,
#include "finding_registry.def"  // generated from the rooms' findings.def (CMakeLists.txt)
#undef SIPWS_FINDING
};

struct FindingKind {
  FindingId id;
  std::string_view name;  // stable dotted id, e.g. "tcp.gap"
  Severity severity;
  std::string_view rfc_section;
  std::string_view explanation;
};

std::span<const FindingKind> all_finding_kinds();
const FindingKind& finding_kind(FindingId id);
std::string_view severity_name(Severity severity);

// Which way bytes travel on a connection. The client is the side that sent the SYN (or, for a
// connection first seen mid-stream and for UDP, the side seen sending first).
enum class Direction : std::uint8_t { to_server = 0, to_client = 1, none = 2 };
std::string_view direction_name(Direction direction);

inline constexpr std::uint64_t kNoId = UINT64_MAX;

struct Finding {
  explicit Finding(FindingId finding_id) : id(finding_id) {}

  FindingId id;
  std::uint64_t frame = 0;  // 1-based frame number as tshark counts; 0 when not tied to a frame
  std::uint64_t connection = kNoId;  // TCP or UDP stream index (tshark's tcp.stream/udp.stream)
  Direction direction = Direction::none;
  std::uint64_t message = kNoId;
  std::uint64_t call = kNoId;
  std::string detail;  // what exactly happened here, for a human

  const FindingKind& kind() const { return finding_kind(id); }
};

// A finding before it knows where it happened: what a pure check returns.
struct Problem {
  FindingId id;
  std::string detail;
};

class FindingSink {
 public:
  virtual ~FindingSink() = default;
  virtual void report(Finding finding) = 0;

  // The common case: a finding on a connection (or kNoId) in one direction, at a frame.
  void report(FindingId id, std::uint64_t frame, std::uint64_t connection, Direction direction,
              std::string detail) {
    Finding f{id};
    f.frame = frame;
    f.connection = connection;
    f.direction = direction;
    f.detail = std::move(detail);
    report(std::move(f));
  }
};

// Keeps every finding in arrival order; what tests and offline front ends use.
class FindingCollector final : public FindingSink {
 public:
  using FindingSink::report;
  void report(Finding finding) override { findings_.push_back(std::move(finding)); }
  const std::vector<Finding>& findings() const { return findings_; }
  std::size_t count(FindingId id) const;

 private:
  std::vector<Finding> findings_;
};

}  // namespace sipws
