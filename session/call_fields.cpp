#include "session/call_fields.h"

#include <algorithm>
#include <array>
#include <cstdio>

namespace sipws {

CallRow call_row(const Call& call, std::size_t findings) {
  CallRow row;
  row.call = call.index;
  row.call_id = call.call_id;
  row.first_method = std::string(call.first_method);
  row.from_user = call.from_user;
  row.to_user = call.to_user;
  row.state = call.state;
  row.final_status = call.final_status;
  row.start = call.start;
  row.setup_time = call.setup_time();
  row.duration = call.duration();
  row.messages = call.messages.size();
  row.retransmissions = call.retransmissions();
  row.dialogs = call.dialogs.size();
  row.findings = findings;
  row.transports = call.transports;
  row.group = call.group;
  row.final_reason = call.final_reason;
  row.reason_header = call.reason_header;
  row.warning_header = call.warning_header;
  if (call.final_from) row.final_from = call.final_from->to_string();
  row.ended_by = call.ended_by == Call::EndedBy::caller   ? "caller"
                 : call.ended_by == Call::EndedBy::callee ? "callee"
                                                          : "";
  row.pdd = call.pdd();
  for (const SipTransaction& t : call.transactions) {
    const std::string method(t.method);
    if ((" " + row.methods + " ").find(" " + method + " ") != std::string::npos) continue;
    row.methods += (row.methods.empty() ? "" : " ") + method;
  }
  return row;
}

namespace {

// The media columns, as CallRow and CallRowEnding both hold them.
template <class Row>
void fill_media(Row& row, const CallMedia& media) {
  row.media = media_verdict_name(media.verdict);
  row.media_reason = media.reason;
  row.mos_caller_to_callee = media.mos[0];
  row.mos_callee_to_caller = media.mos[1];
}

}  // namespace

void add_call_media(CallRow& row, const CallMedia& media) {
  fill_media(row, media);
}

CallRowEnding call_row_ending(const Call& call, std::size_t findings, const CallMedia* media) {
  CallRowEnding ending;
  ending.call = call.index;
  ending.group = call.group;
  ending.findings = findings;
  if (media != nullptr) fill_media(ending, *media);
  return ending;
}

void apply_ending(CallRow& row, const CallRowEnding& ending) {
  row.group = ending.group;
  row.findings = ending.findings;
  row.media = ending.media;
  row.media_reason = ending.media_reason;
  row.mos_caller_to_callee = ending.mos_caller_to_callee;
  row.mos_callee_to_caller = ending.mos_callee_to_caller;
}

namespace {

using K = FieldValue::Kind;

FieldValue mos(std::optional<double> value) {
  FieldValue v;
  v.kind = K::real;
  v.real = value;
  v.decimals = 2;
  return v;
}

FieldValue count(std::uint64_t value, K kind = K::count) {
  FieldValue v;
  v.kind = kind;
  v.number = value;
  return v;
}

using F = CallField;
// Widths: characters (the GUI's are ems). Filterable: what the GUI's filter box has searched.
constexpr std::array kCallFields = {
    CallFieldSpec{F::index, "", "", "#", 4, false, [](const CallRow& r) { return count(r.call); }},
    CallFieldSpec{F::call_id, "call_id", "call_id", "Call-ID", 24, true,
                  [](const CallRow& r) { return text_value(r.call_id); }},
    CallFieldSpec{F::start, "start", "start", "Start", 11, false,
                  [](const CallRow& r) { return time_value(r.start, K::epoch); }},
    CallFieldSpec{F::messages, "messages", "messages", "Msgs", 8, false,
                  [](const CallRow& r) { return count(r.messages); }},
    CallFieldSpec{F::first_method, "first_method", "first_method", "Method", 9, false,
                  [](const CallRow& r) { return text_value(r.first_method); }},
    CallFieldSpec{
        F::state, "state", "state", "State", 14, true,
        [](const CallRow& r) { return text_value(std::string(call_state_name(r.state))); }},
    CallFieldSpec{F::final_status, "final_status", "final_status", "Status", 6, false,
                  [](const CallRow& r) {
                    return count(static_cast<std::uint64_t>(r.final_status), K::status);
                  }},
    CallFieldSpec{F::from_user, "from_user", "from_user", "From", 12, true,
                  [](const CallRow& r) { return text_value(r.from_user); }},
    CallFieldSpec{F::to_user, "to_user", "to_user", "To", 12, true,
                  [](const CallRow& r) { return text_value(r.to_user); }},
    CallFieldSpec{F::group, "group", "group", "Group", 6, false,
                  [](const CallRow& r) { return count(r.group); }},
    CallFieldSpec{F::setup_time, "setup_time", "setup_time", "Setup", 8, false,
                  [](const CallRow& r) { return time_value(r.setup_time, K::duration); }},
    CallFieldSpec{F::duration, "duration", "duration", "Duration", 9, false,
                  [](const CallRow& r) { return time_value(r.duration, K::duration); }},
    CallFieldSpec{F::transports, "transports", "transports", "Transports", 10, false,
                  [](const CallRow& r) {
                    FieldValue v;
                    v.kind = K::list;
                    for (const SipTransportName& t : kSipTransportNames) {
                      if (has_transport(r.transports, t.transport)) v.list.emplace_back(t.name);
                    }
                    return v;
                  }},
    CallFieldSpec{F::retransmissions, "retransmissions", "retransmissions", "Rtx", 5, false,
                  [](const CallRow& r) { return count(r.retransmissions); }},
    CallFieldSpec{F::dialogs, "dialogs", "dialogs", "Dialogs", 7, false,
                  [](const CallRow& r) { return count(r.dialogs); }},
    CallFieldSpec{F::findings, "", "", "Findings", 7, false,
                  [](const CallRow& r) { return count(r.findings); }},
    CallFieldSpec{F::methods, "", "", "Methods", 16, true,
                  [](const CallRow& r) { return text_value(r.methods); }},
    CallFieldSpec{F::final_reason, "final_reason", "final_reason", "Reason", 16, true,
                  [](const CallRow& r) { return text_value(r.final_reason); }},
    CallFieldSpec{F::reason_header, "reason_header", "reason_header", "Reason header", 24, true,
                  [](const CallRow& r) { return text_value(r.reason_header); }},
    CallFieldSpec{F::warning_header, "warning_header", "warning_header", "Warning", 24, true,
                  [](const CallRow& r) { return text_value(r.warning_header); }},
    CallFieldSpec{F::final_from, "final_from", "final_from", "Final from", 21, true,
                  [](const CallRow& r) { return text_value(r.final_from); }},
    CallFieldSpec{F::ended_by, "ended_by", "ended_by", "Ended by", 8, false,
                  [](const CallRow& r) { return text_value(std::string(r.ended_by)); }},
    CallFieldSpec{F::pdd, "pdd", "pdd", "PDD", 8, false,
                  [](const CallRow& r) { return time_value(r.pdd, K::duration); }},
    CallFieldSpec{F::media, "media", "media", "Media", 12, true,
                  [](const CallRow& r) { return text_value(std::string(r.media)); }},
    CallFieldSpec{F::media_reason, "media_reason", "media_reason", "Media reason", 14, true,
                  [](const CallRow& r) { return text_value(std::string(r.media_reason)); }},
    CallFieldSpec{F::mos_caller_to_callee, "mos_caller_to_callee", "mos_caller_to_callee", "MOS ->",
                  5, false, [](const CallRow& r) { return mos(r.mos_caller_to_callee); }},
    CallFieldSpec{F::mos_callee_to_caller, "mos_callee_to_caller", "mos_callee_to_caller", "MOS <-",
                  5, false, [](const CallRow& r) { return mos(r.mos_callee_to_caller); }},
};

constexpr CallField kTsvFields[] = {
    F::call_id, F::start, F::messages, F::first_method, F::state, F::final_status, F::from_user,
    F::to_user, F::group, F::setup_time, F::duration, F::transports, F::retransmissions, F::dialogs,
    // Why a call failed (issue #20), at the end: the columns before are a contract.
    F::final_reason, F::reason_header, F::warning_header, F::final_from, F::ended_by, F::pdd,
    // Its media (issue #18), at the end.
    F::media, F::media_reason, F::mos_caller_to_callee, F::mos_callee_to_caller};
constexpr CallField kGuiFields[] = {F::start,        F::call_id,  F::first_method, F::from_user,
                                    F::to_user,      F::state,    F::final_status, F::messages,
                                    F::setup_time,   F::duration, F::transports,   F::media,
                                    F::media_reason, F::findings};

}  // namespace

std::span<const CallFieldSpec> all_call_fields() {
  return kCallFields;
}

const CallFieldSpec& call_field(CallField id) {
  return kCallFields[static_cast<std::size_t>(id)];
}

std::span<const CallField> tsv_call_fields() {
  return kTsvFields;
}
std::span<const CallField> json_call_fields() {
  return kTsvFields;  // the same fields in the same order
}
std::span<const CallField> gui_call_fields() {
  return kGuiFields;
}

namespace {
// `sipws calls` (text): what each column shows, its header and width; cut: longer text is cut
// to the width (else the column widens for it, as printf pads).
constexpr CallTextColumn kTextColumns[] = {
    {F::index, "#", 4, false, false},
    {F::start, "start", 26, false, false},
    {F::state, "state", 15, false, false},
    {F::first_method, "method", 12, false, true},
    {F::final_status, "final", 5, false, false},
    {F::messages, "msgs", 5, true, false},
    {F::from_user, "from", 16, false, true},
    {F::to_user, "to", 16, false, true},
    {F::setup_time, "setup s", 9, true, false},
    {F::duration, "dur s", 9, true, false},
    {F::transports, "via", 8, false, false},
    {F::call_id, "call-id", 0, false, false},
};

void append_column(std::string& line, std::string text, const CallTextColumn& column) {
  if (!line.empty()) line += ' ';
  const auto width = static_cast<std::size_t>(column.width);
  if (column.cut) text = fit_width(std::move(text), width);
  if (text.size() < width) {
    const std::string padding(width - text.size(), ' ');
    text = column.right ? padding + text : text + padding;
  }
  line += text;
}
}  // namespace

std::span<const CallTextColumn> text_call_columns() {
  return kTextColumns;
}

namespace {
// A column as `time` needs it: the start widens for the longer time styles (utc 27 characters,
// local 32), so that the columns after it stay under their headers.
CallTextColumn fitted(CallTextColumn column, const TimeColumn* time) {
  if (time != nullptr && column.field == CallField::start)
    column.width = std::max(column.width, static_cast<int>(time->width()));
  return column;
}
}  // namespace

std::string call_text_header(const TimeColumn* time) {
  std::string line;
  for (const CallTextColumn& c : kTextColumns)
    append_column(line, std::string(c.header), fitted(c, time));
  return line;
}

std::string call_text_row(const CallRow& row, TimeColumn* time) {
  std::string line;
  for (const CallTextColumn& c : kTextColumns) {
    const FieldValue value = call_field(c.field).value(row);
    append_column(line,
                  time != nullptr && value.kind == FieldValue::Kind::epoch && value.time
                      ? time->text(*value.time)
                      : field_text(value),
                  fitted(c, time));
  }
  return line;
}

std::string call_search_text(const CallRow& row) {
  std::string out;
  for (const CallFieldSpec& f : kCallFields) {
    if (!f.filterable) continue;
    if (!out.empty()) out += ' ';
    out += field_text(f.value(row));
  }
  return out;
}

}  // namespace sipws
