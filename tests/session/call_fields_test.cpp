// The table of call fields (session/call_fields): its entries are where their ids say, and the
// outputs drawn from it keep their contracts (the TSV columns and JSON keys of issue #4, in
// order), whatever is added to the table.

#include "session/call_fields.h"

#include <gtest/gtest.h>

#include <string>

#include "session/connection_fields.h"
#include "session/output_format.h"

namespace sipws {
namespace {

TEST(CallFields, EachEntryIsFoundByItsId) {
  for (const CallFieldSpec& spec : all_call_fields()) {
    EXPECT_EQ(&call_field(spec.id), &spec) << spec.title;
    EXPECT_FALSE(spec.title.empty());
    EXPECT_GT(spec.width, 0);
  }
}

TEST(CallFields, TsvAndJsonKeepTheirContract) {
  std::string tsv;
  for (const CallField f : tsv_call_fields()) tsv += std::string(call_field(f).tsv_column) + " ";
  EXPECT_EQ(tsv,
            "call_id start messages first_method state final_status from_user to_user group "
            "setup_time duration transports retransmissions dialogs final_reason reason_header "
            "warning_header final_from ended_by pdd media media_reason mos_caller_to_callee "
            "mos_callee_to_caller ");
  std::string json;
  for (const CallField f : json_call_fields()) json += std::string(call_field(f).json_key) + " ";
  EXPECT_EQ(json, tsv);
}

TEST(CallFields, ValuesAreWrittenAsEachFormatWants) {
  CallRow row;
  row.call = 7;
  row.call_id = "a\tb";
  row.start = 1'700'000'000'123'456'789;
  row.final_status = 0;
  row.setup_time = 1'500'000'000;
  row.transports =
      (1u << static_cast<int>(SipTransport::udp)) | (1u << static_cast<int>(SipTransport::ws));
  row.state = CallState::in_call;
  row.methods = "INVITE ACK";
  EXPECT_EQ(field_tsv(call_field(CallField::call_id).value(row)), "a b");
  EXPECT_EQ(field_tsv(call_field(CallField::start).value(row)), "1700000000.123456");
  EXPECT_EQ(field_tsv(call_field(CallField::final_status).value(row)), "");
  EXPECT_EQ(field_tsv(call_field(CallField::setup_time).value(row)), "1.500000");
  EXPECT_EQ(field_tsv(call_field(CallField::duration).value(row)), "");
  EXPECT_EQ(field_tsv(call_field(CallField::transports).value(row)), "udp,ws");
  JsonObject json;
  for (const CallField f : {CallField::final_status, CallField::duration, CallField::transports}) {
    field_json(json, call_field(f).json_key, call_field(f).value(row));
  }
  EXPECT_EQ(json.take(), R"({"final_status":null,"duration":null,"transports":["udp","ws"]})");
  // Sorting: times and numbers by value, an unknown duration first.
  EXPECT_TRUE(field_sort_key(call_field(CallField::duration).value(row)).numeric);
  EXPECT_EQ(field_sort_key(call_field(CallField::duration).value(row)).number, -1);
  // The filter searches Call-ID, state, users and methods.
  const std::string search = call_search_text(row);
  EXPECT_NE(search.find("in_call"), std::string::npos);
  EXPECT_NE(search.find("ACK"), std::string::npos);
  EXPECT_EQ(search.find("udp"), std::string::npos);
}

TEST(CallFields, TheTextTableLinesUp) {
  CallRow row;
  row.call = 3;
  row.call_id = "x";
  row.first_method = "SUBSCRIBE-TOO-LONG";
  const std::string header = call_text_header();
  const std::string line = call_text_row(row);
  EXPECT_EQ(header.find("start"), 5u);
  EXPECT_EQ(line.substr(0, 13), "3    0.000000");
  EXPECT_NE(line.find("SUBSCRIBE-T~"), std::string::npos);  // cut to 12
  EXPECT_EQ(line.back(), 'x');
  // Every --time style keeps the state under its header: utc (27 characters) and local (32)
  // are wider than the start column's usual 26.
  row.state = CallState::in_call;
  row.start = 1'795'564'841'409'375'000;
  for (const TimeStyle style : {TimeStyle::clock, TimeStyle::epoch, TimeStyle::utc,
                                TimeStyle::local, TimeStyle::rel, TimeStyle::delta}) {
    TimeColumn time(style);
    const std::string styled_header = call_text_header(&time);
    const std::string styled_line = call_text_row(row, &time);
    EXPECT_EQ(styled_header.find("state"), styled_line.find("in_call")) << styled_line;
  }
}

// Connections: the TSV contract, and a UDP flow leaves the TCP-only fields out (empty in TSV,
// absent from JSON).
TEST(ConnectionFields, TsvContractAndUdpLeavesTcpFieldsOut) {
  for (const ConnectionFieldSpec& spec : all_connection_fields()) {
    EXPECT_EQ(&connection_field(spec.id), &spec) << spec.title;
  }
  EXPECT_EQ(connection_tsv_header(),
            "transport\tindex\tclient\tserver\tfirst_frame\tlast_frame\tstart\tduration\t"
            "packets_to_server\tbytes_to_server\tpackets_to_client\tbytes_to_client\tgaps\t"
            "gap_bytes\tretransmissions\tout_of_order\thandshake\tend\n");
  ConnectionRow udp;
  udp.tcp = false;
  udp.start = 1'500'000'000;
  const std::string tsv = connection_tsv_line(udp);
  EXPECT_EQ(tsv.substr(tsv.size() - 3), "\t\t\n");
  EXPECT_NE(tsv.find("\t1.500000000\t0.000000\t"), std::string::npos);
  const std::string json = connection_json_line(udp);
  EXPECT_EQ(json.find("handshake"), std::string::npos);
  ConnectionRow tcp;
  tcp.handshake = true;
  tcp.end = "fin";
  EXPECT_NE(connection_json_line(tcp).find(R"("handshake":true,"end":"fin")"), std::string::npos);
  EXPECT_NE(connection_tsv_line(tcp).find("\tyes\tfin\n"), std::string::npos);
}

}  // namespace
}  // namespace sipws
