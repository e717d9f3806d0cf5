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

}  // namespace sipws
