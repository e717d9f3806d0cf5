// The SIP torture messages of RFC 4475 and RFC 5118 (../shared/corpus/), each held to the
// verdict of its RFC as written down in tests/data/rfc*_verdicts.tsv: valid ones parse with the
// right fields and no problem; invalid ones are rejected or flagged with the specific finding
// the RFC's description calls for.

#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

#include "dissector/sip/sip_message.h"
#include "tests/support/test_support.h"

namespace sipws {
namespace {

struct Verdict {
  std::string file;
  std::string section;
  std::string verdict;
  std::string what;
  std::map<std::string, std::string> fields;
};

std::vector<Verdict> load(const std::string& name) {
  std::ifstream in(std::string(SIPWS_SOURCE_DIR) + "/tests/data/" + name);
  std::vector<Verdict> out;
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    std::vector<std::string> cols;
    std::stringstream ss(line);
    std::string col;
    while (std::getline(ss, col, '\t')) cols.push_back(col);
    if (cols.size() < 4) continue;
    Verdict v{cols[0], cols[1], cols[2], cols[3], {}};
    if (cols.size() >= 5) {
      // call_id=...;cseq=N METHOD;method=X — Call-IDs may hold ';', so split on the known keys.
      const std::string& f = cols[4];
      for (const char* key : {"call_id=", "cseq=", "method=", "status="}) {
        const std::size_t at = f.find(key);
        if (at == std::string::npos) continue;
        std::size_t end = f.size();
        for (const char* next : {";cseq=", ";method=", ";status="}) {
          const std::size_t n = f.find(next, at + 1);
          if (n != std::string::npos && n < end) end = n;
        }
        const std::string k(key, std::strlen(key) - 1);
        v.fields[k] = f.substr(at + std::strlen(key), end - at - std::strlen(key));
      }
    }
    out.push_back(v);
  }
  return out;
}

// The finding each invalid message must raise (RFC 4475 §3.1.2, RFC 5118 §4).
const std::map<std::string, std::vector<FindingId>> kExpectedProblem = {
    {"badinv01.dat", {FindingId::sip_header_malformed}},
    {"clerr.dat", {FindingId::sip_content_length_mismatch}},
    {"ncl.dat", {FindingId::sip_content_length_invalid}},
    {"scalar02.dat", {FindingId::sip_header_malformed}},
    {"scalarlg.dat", {FindingId::sip_header_malformed}},
    {"quotbal.dat", {FindingId::sip_header_malformed}},
    {"ltgtruri.dat", {FindingId::sip_bad_start_line}},
    {"lwsruri.dat", {FindingId::sip_bad_start_line}},
    {"lwsstart.dat", {FindingId::sip_bad_start_line}},
    {"trws.dat", {FindingId::sip_bad_start_line, FindingId::sip_bad_version}},
    {"escruri.dat", {FindingId::sip_bad_start_line}},
    {"baddate.dat", {FindingId::sip_header_malformed}},
    {"regbadct.dat", {FindingId::sip_header_malformed}},
    {"badaspec.dat", {FindingId::sip_header_malformed}},
    {"baddn.dat", {FindingId::sip_header_malformed}},
    {"badvers.dat", {FindingId::sip_bad_version}},
    {"mismatch01.dat", {FindingId::sip_cseq_method_mismatch}},
    {"mismatch02.dat", {FindingId::sip_cseq_method_mismatch}},
    {"bigcode.dat", {FindingId::sip_bad_start_line}},
    // Section 3.3 messages whose application-layer problem is structural, so a parser sees it.
    {"insuf.dat", {FindingId::sip_header_missing}},
    {"multi01.dat", {FindingId::sip_header_duplicated}},
    {"mcl01.dat", {FindingId::sip_header_duplicated}},
    // RFC 5118
    {"ipv6-bad", {FindingId::sip_bad_start_line}},
    {"ipv6-bug-abnf-3-colons", {FindingId::sip_bad_start_line}},
};

void check(const std::string& table, const std::string& folder, std::size_t expected_rows) {
  const auto verdicts = load(table);
  ASSERT_EQ(verdicts.size(), expected_rows) << table;
  const std::string dir = test::corpus_dir() + "/" + folder + "/";
  for (const Verdict& v : verdicts) {
    SCOPED_TRACE(v.file + " (" + v.section + ", " + v.verdict + "): " + v.what);
    const std::string text = test::read_file(dir + v.file);
    ASSERT_FALSE(text.empty()) << "missing corpus file";
    SipMessage m;
    const SipParseResult r = parse_sip_message(text, m);
    std::vector<FindingId> ids;
    for (const auto& p : m.problems) ids.push_back(p.id);
    const auto expected = kExpectedProblem.find(v.file);
    if (v.verdict == "invalid" || expected != kExpectedProblem.end()) {
      ASSERT_NE(expected, kExpectedProblem.end()) << "no expectation written down";
      bool found = r.status == SipParseStatus::invalid &&
                   std::find(expected->second.begin(), expected->second.end(),
                             FindingId::sip_bad_start_line) != expected->second.end();
      for (FindingId id : expected->second) {
        found = found || std::find(ids.begin(), ids.end(), id) != ids.end();
      }
      EXPECT_TRUE(found) << "expected " << finding_kind(expected->second[0]).name << ", got "
                         << (ids.empty() ? std::string("no problem")
                                         : std::string(finding_kind(ids[0]).name));
      continue;
    }
    // valid, compat, and semantic messages the RFC wants parsed
    ASSERT_EQ(r.status, SipParseStatus::ok);
    EXPECT_TRUE(m.problems.empty())
        << finding_kind(m.problems[0].id).name << ": " << m.problems[0].detail;
    if (v.fields.count("call_id")) {
      EXPECT_EQ(m.call_id, v.fields.at("call_id"));
    }
    if (v.fields.count("cseq")) {
      ASSERT_TRUE(m.cseq.has_value());
      EXPECT_EQ(std::to_string(*m.cseq) + " " + std::string(m.cseq_method), v.fields.at("cseq"));
    }
    if (v.fields.count("method")) {
      EXPECT_TRUE(m.is_request);
      EXPECT_EQ(m.method, v.fields.at("method"));
    }
    if (v.fields.count("status")) {
      EXPECT_FALSE(m.is_request);
      EXPECT_EQ(std::to_string(m.status_code), v.fields.at("status"));
    }
  }
}

TEST(Rfc4475, EveryTortureMessageGetsItsVerdict) {
  check("rfc4475_verdicts.tsv", "rfc4475", 49);
}
TEST(Rfc5118, EveryIpv6TortureMessageGetsItsVerdict) {
  check("rfc5118_verdicts.tsv", "rfc5118", 12);
}

}  // namespace
}  // namespace sipws
