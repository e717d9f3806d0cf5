// The table of message fields (session/message_fields): the TSV columns and JSON keys of
// `sipws messages` keep their contract (issue #4) in order, and each entry is where its id says.

#include "session/message_fields.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

namespace sipws {
namespace {

TEST(MessageFields, TsvAndJsonKeepTheirContract) {
  for (const MessageFieldSpec& spec : all_message_fields()) {
    EXPECT_EQ(&message_field(spec.id), &spec) << spec.title;
  }
  EXPECT_EQ(message_tsv_header(),
            "frame\ttime\tsrc\tsport\tdst\tdport\ttransport\tmethod\tstatus\tcall_id\tcseq\tfrom_"
            "user\tto_user\n");
  std::string json;
  for (const MessageField f : json_message_fields())
    json += std::string(message_field(f).json_key) + " ";
  EXPECT_EQ(json,
            "frame time src sport dst dport transport method status reason call_id cseq from_user "
            "to_user connection bytes ");
}

// Hand-built record: tabs and line ends in a field stay inside it, and the line is no longer
// than the room each field asked for.
TEST(MessageFields, FieldsStayOneTsvFieldEach) {
  SipMessageRecord r;
  const std::string text =
      "SIP/2.0 486 Busy\tHere\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:a\tb@h>;tag=1\r\n"
      "To: <sip:c@h>\r\nCall-ID: x\r\nCSeq: 4294967295 INVITE\r\nContent-Length: 0\r\n\r\n";
  r.bytes.assign(text.begin(), text.end());
  ASSERT_EQ(parse_sip_message(std::string_view(r.bytes.data(), r.bytes.size()), r.sip).status,
            SipParseStatus::ok);
  r.frame = 18446744073709551615u;
  std::string line;
  append_message_tsv(line, r);
  EXPECT_EQ(std::count(line.begin(), line.end(), '\t'), 12);
  EXPECT_EQ(line.back(), '\n');
  EXPECT_NE(line.find("\t4294967295 INVITE\t"), std::string::npos);
  EXPECT_EQ(message_field_text(MessageField::status, r), "486");
  EXPECT_EQ(message_field_text(MessageField::method, r), "");
  const std::string json = message_json_line(r);
  EXPECT_NE(json.find("\"status\":486"), std::string::npos);
  EXPECT_NE(json.find("\"reason\":\"Busy\\tHere\""), std::string::npos);
}

}  // namespace
}  // namespace sipws
