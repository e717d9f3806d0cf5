#include "capture/finding.h"

#include <array>
#include <cstddef>

namespace sipws {
namespace {

constexpr std::array kKinds = {
#define SIPWS_FINDING(enumerator, id, severity, rfc, explanation) \
  FindingKind{FindingId::enumerator, id, Severity::severity, rfc, explanation},
#include "finding_registry.def"  // generated from the rooms' findings.def (CMakeLists.txt)
#undef SIPWS_FINDING
};

// The table is indexed by the enum; this proves the two cannot drift apart.
constexpr bool kinds_in_enum_order() {
  for (std::size_t i = 0; i < kKinds.size(); ++i) {
    if (static_cast<std::size_t>(kKinds[i].id) != i) return false;
  }
  return true;
}
static_assert(kinds_in_enum_order());

}  // namespace

std::span<const FindingKind> all_finding_kinds() {
  return kKinds;
}

const FindingKind& finding_kind(FindingId id) {
  return kKinds[static_cast<std::size_t>(id)];
}

std::string_view severity_name(Severity severity) {
  switch (severity) {
    case Severity::note:
      return "note";
    case Severity::warning:
      return "warning";
    case Severity::error:
      return "error";
  }
  return "?";
}

std::string_view direction_name(Direction direction) {
  switch (direction) {
    case Direction::to_server:
      return "to_server";
    case Direction::to_client:
      return "to_client";
    case Direction::none:
      return "";
  }
  return "?";
}

std::size_t FindingCollector::count(FindingId id) const {
  std::size_t n = 0;
  for (const auto& f : findings_) n += f.id == id ? 1 : 0;
  return n;
}

}  // namespace sipws
