// Every TCP byte stream in the bundled samples and the shared corpus is reassembled exactly as
// tshark's `-z follow,tcp,raw,N` reassembles it. tshark is the reference; it is installed by
// scripts/bootstrap.sh, and its absence fails this test in CI.

#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <sstream>

#include "tests/support/test_support.h"

namespace sipws {
namespace {

using test::Bytes;

struct FollowedStream {
  std::string node0;
  std::string node1;
  Bytes from_node[2];
};

Bytes unhex(const std::string& hex) {
  Bytes out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<std::uint8_t>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  return out;
}

std::map<std::uint64_t, FollowedStream> tshark_follow(const std::string& path,
                                                      std::uint64_t count) {
  std::map<std::uint64_t, FollowedStream> streams;
  if (count == 0) return streams;
  std::string command = "tshark -n -r '" + path + "' -q";
  for (std::uint64_t i = 0; i < count; ++i) command += " -z follow,tcp,raw," + std::to_string(i);
  command += " 2>/dev/null";
  int status = 0;
  const std::string output = test::run_command(command, status);
  EXPECT_EQ(status, 0) << command;
  std::istringstream lines(output);
  std::string line;
  FollowedStream* current = nullptr;
  while (std::getline(lines, line)) {
    if (line.rfind("Filter: tcp.stream eq ", 0) == 0) {
      current = &streams[std::stoull(line.substr(22))];
    } else if (current == nullptr || line.rfind("=====", 0) == 0 || line.empty()) {
      continue;
    } else if (line.rfind("Node 0: ", 0) == 0) {
      current->node0 = line.substr(8);
    } else if (line.rfind("Node 1: ", 0) == 0) {
      current->node1 = line.substr(8);
    } else if (line[0] == '\t') {
      const Bytes b = unhex(line.substr(1));
      current->from_node[1].insert(current->from_node[1].end(), b.begin(), b.end());
    } else if (line.rfind("Follow:", 0) != 0) {
      const Bytes b = unhex(line);
      current->from_node[0].insert(current->from_node[0].end(), b.begin(), b.end());
    }
  }
  return streams;
}

bool same_endpoint(const std::string& tshark_text, const Endpoint& e) {
  // tshark writes IPv6 endpoints with or without brackets depending on the version.
  return tshark_text == e.to_string() ||
         tshark_text == e.address.to_string() + ":" + std::to_string(e.port);
}

std::vector<std::string> captures_to_compare() {
  std::vector<std::string> files;
  for (const auto& f : test::list_files(test::samples_dir())) {
    const bool expectations = f.size() > 4 && f.compare(f.size() - 4, 4, ".tsv") == 0;
    if (f.find(".pcap") != std::string::npos && !expectations) files.push_back(f);
  }
  for (const char* dir : {"/heplify", "/zeek-websocket"}) {
    for (const auto& f : test::list_files(test::corpus_dir() + dir)) files.push_back(f);
  }
  return files;
}

TEST(TsharkFollow, EveryTcpStreamMatchesTshark) {
  if (!test::have_program("tshark")) {
    if (std::getenv("CI") != nullptr) FAIL() << "tshark is required in CI (scripts/bootstrap.sh)";
    GTEST_SKIP() << "tshark not installed; run scripts/bootstrap.sh";
  }
  const auto files = captures_to_compare();
  ASSERT_FALSE(files.empty());
  std::size_t compared = 0;
  std::size_t skipped_with_gaps = 0;
  for (const std::string& path : files) {
    SCOPED_TRACE(path);
    auto analysis = test::analyse_file(path);
    auto& flows = analysis->flows;
    int status = 0;
    const std::string streams_text = test::run_command(
        "tshark -n -r '" + path + "' -Y tcp -T fields -e tcp.stream 2>/dev/null | sort -un | wc -l",
        status);
    const std::uint64_t tshark_count = std::stoull(streams_text);
    EXPECT_EQ(flows.opened.size(), tshark_count) << "number of TCP connections";
    const auto followed =
        tshark_follow(path, std::min<std::uint64_t>(tshark_count, flows.opened.size()));
    for (const auto& info : flows.opened) {
      SCOPED_TRACE("tcp.stream " + std::to_string(info.index));
      const auto it = followed.find(info.index);
      ASSERT_NE(it, followed.end());
      const FollowedStream& theirs = it->second;
      const auto& sink = *flows.sinks.at(info.index);
      EXPECT_TRUE(sink.contract_violations.empty());
      const auto& summary = flows.tcp.at(info.index);
      if (summary.stats[0].gaps + summary.stats[1].gaps > 0) {
        ++skipped_with_gaps;  // tshark splices over holes; we report them instead
        continue;
      }
      // Map tshark's node 0 to our client or server.
      std::size_t node0_dir;
      if (same_endpoint(theirs.node0, info.client)) {
        node0_dir = 0;
      } else if (same_endpoint(theirs.node0, info.server)) {
        node0_dir = 1;
      } else {
        // No payload at all: tshark prints no endpoints.
        EXPECT_TRUE(theirs.from_node[0].empty() && theirs.from_node[1].empty()) << theirs.node0;
        EXPECT_TRUE(sink.bytes[0].empty() && sink.bytes[1].empty());
        ++compared;
        continue;
      }
      EXPECT_TRUE(sink.bytes[node0_dir] == theirs.from_node[0])
          << "node 0 bytes: ours " << sink.bytes[node0_dir].size() << ", tshark's "
          << theirs.from_node[0].size();
      EXPECT_TRUE(sink.bytes[1 - node0_dir] == theirs.from_node[1])
          << "node 1 bytes: ours " << sink.bytes[1 - node0_dir].size() << ", tshark's "
          << theirs.from_node[1].size();
      ++compared;
    }
  }
  std::printf("compared %zu TCP streams with tshark (%zu with gaps left out)\n", compared,
              skipped_with_gaps);
  EXPECT_GT(compared, 20u);
}

}  // namespace
}  // namespace sipws
