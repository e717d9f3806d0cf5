#pragma once
// One table of the fields of a SIP message, for every output: the TSV and JSON formats of
// `sipws messages` (and of `live` and `listen`, which print the same lines), with an id, JSON
// key, TSV column, title, width and whether a filter searches it. Each field writes its value
// in place (the listing of millions of messages is a hot path: no string per field). The TSV
// columns and JSON keys, and their orders, are contracts (issue #4); the JSON line adds the
// WebSocket detail of messages that came over WebSocket.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "capture/result.h"
#include "dissector/sip/sip_record.h"
#include "session/output_format.h"

namespace sipws {

enum class MessageField {
  frame,
  time,
  src,
  sport,
  dst,
  dport,
  transport,
  method,
  status,
  reason,
  call_id,
  cseq,
  from_user,
  to_user,
  connection,
  bytes,
};

struct MessageFieldSpec {
  MessageField id;
  std::string_view json_key;
  std::string_view tsv_column;
  std::string_view title;
  int width;  // display width in characters
  bool filterable;
  // The most bytes `write` can write for this record, and the value written at `at` (tabs and
  // line ends as spaces, so that it stays one TSV field); returns the end.
  std::size_t (*longest)(const SipMessageRecord&);
  char* (*write)(char* at, const SipMessageRecord&);
  void (*json)(JsonObject& object, std::string_view key, const SipMessageRecord&);
};

std::span<const MessageFieldSpec> all_message_fields();
const MessageFieldSpec& message_field(MessageField id);
std::span<const MessageField> tsv_message_fields();
std::span<const MessageField> json_message_fields();

// The TSV header line and a record's line (with its newline), appended to `out`.
std::string message_tsv_header();
void append_message_tsv(std::string& out, const SipMessageRecord& record);
// The JSON Lines record of a message.
std::string message_json_line(const SipMessageRecord& record);
// A field's value as text (what the TSV holds).
std::string message_field_text(MessageField id, const SipMessageRecord& record);

// A column `messages --fields` chose: a field of the table above (by its TSV column or JSON
// key), a header (`hdr:User-Agent`: every occurrence, compact forms included, joined by ','), the
// lines of one SDP type (`sdp:c`, `sdp:m`: their values joined by ','), or a WebSocket item (those
// of the JSON line's `websocket` object, and context_takeover: `ws:opcode`, `ws:compressed`,
// `ws:context_takeover`, `ws:fragments`, `ws:masked`, `ws:wire_bytes`, `ws:first_frame`,
// `ws:handshake_seen`). The name as written is the TSV column and the JSON key. A header, SDP type
// or WebSocket item a message does not have is empty in TSV and null in JSON.
struct MessageColumn {
  enum class Kind { field, header, sdp, websocket };
  Kind kind = Kind::field;
  MessageField field = MessageField::frame;
  std::string name;
  std::string key;  // the header's name, the SDP type letter, the WebSocket item
};
// The columns of a list of names (each may itself be a comma-separated list); an unknown name is
// an error that lists what is known.
Result<std::vector<MessageColumn>> parse_message_columns(const std::vector<std::string>& names);
std::string message_columns_tsv_header(std::span<const MessageColumn> columns);
void append_message_columns_tsv(std::string& out, std::span<const MessageColumn> columns,
                                const SipMessageRecord& record);
std::string message_columns_json_line(std::span<const MessageColumn> columns,
                                      const SipMessageRecord& record);
// One column's value as TSV writes it; nullopt when the message has none.
std::optional<std::string> message_column_value(const MessageColumn& column,
                                                const SipMessageRecord& record);

}  // namespace sipws
