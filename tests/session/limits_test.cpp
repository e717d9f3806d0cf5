// The table of limits drives --limit and --help; the README's table must say the same: the same
// names in the same order, with the defaults the code has.
#include "session/limits.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <vector>

namespace sipws {
namespace {

// "1,000,000" -> 1000000; "8 MiB" -> 8 << 20; "3600 s" -> 3600; "0 (never)" -> 0.
std::uint64_t readme_value(std::string text) {
  std::string digits;
  std::size_t i = 0;
  for (; i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == ',');
       ++i) {
    if (text[i] != ',') digits += text[i];
  }
  std::uint64_t value = std::stoull(digits);
  const std::string unit = text.substr(i);
  if (unit.find("MiB") != std::string::npos) value <<= 20;
  if (unit.find("KiB") != std::string::npos) value <<= 10;
  return value;
}

TEST(Limits, ReadmeTableMatchesTheTable) {
  std::ifstream readme(std::string(SIPWS_SOURCE_DIR) + "/README.md");
  ASSERT_TRUE(readme) << "README.md";
  std::vector<std::pair<std::string, std::string>> rows;
  std::string line;
  bool in_section = false;
  while (std::getline(readme, line)) {
    if (line.rfind("## ", 0) == 0) in_section = line == "## Limits";
    if (!in_section || line.rfind("| `", 0) != 0) continue;
    const std::size_t name_end = line.find('`', 3);
    const std::size_t cell = line.find('|', name_end);
    const std::size_t cell_end = line.find('|', cell + 1);
    rows.emplace_back(line.substr(3, name_end - 3), line.substr(cell + 2, cell_end - cell - 3));
  }
  const AnalysisLimits defaults;
  ASSERT_EQ(rows.size(), all_limits().size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(rows[i].first, all_limits()[i].name) << i;
    EXPECT_EQ(readme_value(rows[i].second), all_limits()[i].get(defaults)) << rows[i].first;
  }
}

TEST(Limits, ApplySetsReadsBackAndRefusesNonsense) {
  for (const LimitSpec& limit : all_limits()) {
    AnalysisLimits limits;
    EXPECT_TRUE(apply_limit(std::string(limit.name) + "=12345", limits).ok()) << limit.name;
    EXPECT_EQ(limit.get(limits), 12345u) << limit.name;
  }
  AnalysisLimits limits;
  EXPECT_FALSE(apply_limit("tcp_connections", limits).ok());
  EXPECT_FALSE(apply_limit("tcp_connections=12x", limits).ok());
  EXPECT_FALSE(apply_limit("tcp_connections=-1", limits).ok());
  EXPECT_FALSE(apply_limit("tcp_connections=", limits).ok());
  EXPECT_FALSE(apply_limit("no_such_limit=1", limits).ok());
  // Seconds beyond what a TimeNs holds saturate instead of overflowing.
  EXPECT_TRUE(apply_limit("tcp_idle_timeout=18446744073709551615", limits).ok());
  EXPECT_EQ(limits.capture.flows.tcp_idle_timeout, INT64_MAX);
  EXPECT_NE(limits_help().find("sip_stream_bytes (bytes)"), std::string::npos);
}

// The one result type (capture/result.h): a value or the reason, never both.
TEST(Result, CarriesAValueOrAReason) {
  Result<int> good = 7;
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(*good, 7);
  EXPECT_TRUE(good.error().empty());
  Result<int> bad = Failure{"no"};
  EXPECT_FALSE(bad);
  EXPECT_EQ(bad.error(), "no");
  const Result<void> done;
  EXPECT_TRUE(done.ok());
  const Result<void> failed = apply_limit("tcp_connections=x", *std::make_unique<AnalysisLimits>());
  EXPECT_FALSE(failed.ok());
  EXPECT_NE(failed.error().find("not a number"), std::string::npos) << failed.error();
}

}  // namespace
}  // namespace sipws
