// The command line's call filters: times in three spellings, lists, states, and call references
// resolved against a capture (hand-built calls where a sample has too few).
#include "session/call_filter.h"

#include <gtest/gtest.h>

#include "capture/capture_file.h"
#include "session/analysis.h"
#include "tests/support/test_support.h"

namespace sipws {
namespace {

TEST(TimeBound, EpochIsoAndOffsets) {
  EXPECT_DOUBLE_EQ(parse_time_bound("1795565855.25")->seconds, 1795565855.25);
  EXPECT_FALSE(parse_time_bound("1795565855.25")->from_start);
  // 2026-11-24T22:35:00Z: 20,781 days after 1970-01-01, plus 22:35.
  const double iso = 20781.0 * 86400 + 22 * 3600 + 35 * 60;
  EXPECT_DOUBLE_EQ(parse_time_bound("2026-11-24T22:35:00Z")->seconds, iso);
  EXPECT_DOUBLE_EQ(parse_time_bound("2026-11-24 22:35:00.5")->seconds, iso + 0.5);
  EXPECT_DOUBLE_EQ(parse_time_bound("2026-11-24T23:35:00+01:00")->seconds, iso);
  EXPECT_DOUBLE_EQ(parse_time_bound("2026-11-24T22:35Z")->seconds, iso);
  EXPECT_DOUBLE_EQ(parse_time_bound("2026-11-24")->seconds, 20781.0 * 86400);
  EXPECT_DOUBLE_EQ(parse_time_bound("+30s")->seconds, 30);
  EXPECT_DOUBLE_EQ(parse_time_bound("+1.5m")->seconds, 90);
  EXPECT_DOUBLE_EQ(parse_time_bound("+2h")->seconds, 7200);
  EXPECT_TRUE(parse_time_bound("+90")->from_start);
  for (const char* bad : {"", "abc", "-1", "+", "+x", "2026-13-01", "2026-11-24T25:00", "1e99",
                          "nan", "2026-11-24T22:35:00Zjunk"}) {
    EXPECT_FALSE(parse_time_bound(bad)) << bad;
  }
}

TEST(CallFilterText, ListsAndStates) {
  EXPECT_EQ(split_list({"INVITE, BYE", "OPTIONS", " ,"}),
            (std::vector<std::string>{"INVITE", "BYE", "OPTIONS"}));
  EXPECT_TRUE(check_states({"completed", "busy"}));
  const auto bad = check_states({"completed", "bogus"});
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().find("'bogus'"), std::string::npos);
  EXPECT_NE(bad.error().find("no_response"), std::string::npos);
}

TEST(CallFilter, ResolvesIndicesPrefixesAndOffsets) {
  std::string error;
  auto file =
      CaptureFile::open(test::samples_dir() + "/ws-deflate-no-context-takeover.pcap", error);
  ASSERT_TRUE(file) << error;
  Analysis a;
  a.read(*file);
  const CallStore& store = a.store();
  ASSERT_GE(store.calls().size(), 3u);
  CallFilter f;
  f.call_ids = {"2", store.calls()[5].call_id.substr(0, 12)};
  ASSERT_TRUE(f.resolve(store, 0));
  EXPECT_EQ(f.call_ids,
            (std::vector<std::string>{store.calls()[2].call_id, store.calls()[5].call_id}));
  CallFilter none;
  none.call_ids = {"zzz-no-such-call"};
  EXPECT_FALSE(none.resolve(store, 0));
  // Every Call-ID of this capture from alice's client ends in the same host part: a prefix
  // shared by several calls is refused, naming two of them.
  CallFilter shared;
  shared.call_ids = {""};
  const auto ambiguous = shared.resolve(store, 0);
  ASSERT_FALSE(ambiguous);
  EXPECT_NE(ambiguous.error().find("give more of it"), std::string::npos);
  CallFilter later;
  later.since = TimeBound{1, true};
  ASSERT_TRUE(later.resolve(store, 1'000'000'000));
  EXPECT_FALSE(later.since->from_start);
  EXPECT_DOUBLE_EQ(later.since->seconds, 2.0);
  // Several values: a call passes with any of them.
  CallFilter methods;
  methods.methods = {"INVITE", "REGISTER"};
  std::size_t passing = 0;
  for (const Call& c : store.calls()) passing += methods.matches(c, store) ? 1 : 0;
  EXPECT_EQ(passing, 2u);
}

}  // namespace
}  // namespace sipws
