#pragma once
// One table of the fields of a call, for every output and front end: the TSV, JSON and text
// formats of `sipws calls`, the GUI's call list (its columns, titles, widths, sorting, the text
// its filter box searches) and the CSV it exports. Each field has an id, its JSON key, its TSV
// column, a title, widths, a typed value (which gives both its text and its sort key) and
// whether the filter searches it. Each output is an ordered list of field ids drawn from it:
// the orders and names of the TSV columns and JSON keys are contracts (issue #4), the others
// may change.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "calls/call_store.h"
#include "calls/media.h"
#include "session/fields.h"

namespace sipws {

// A call as every front end shows it: plain values, copied out of the call model (the GUI
// holds these while the analysis goes on changing).
struct CallRow {
  std::uint64_t call = 0;  // Call::index: also the GUI's row, since calls are only appended
  std::string call_id;
  std::string first_method;
  std::string from_user;
  std::string to_user;
  CallState state = CallState::no_response;
  int final_status = 0;
  TimeNs start = 0;
  std::optional<TimeNs> setup_time;
  std::optional<TimeNs> duration;
  std::size_t messages = 0;
  std::size_t retransmissions = 0;
  std::size_t dialogs = 0;
  std::size_t findings = 0;
  std::uint8_t transports = 0;  // Call::transports: transport_bit()s
  std::string methods;          // every transaction's method once, "INVITE ACK BYE"
  std::uint64_t group = 0;
  // Why it failed (or how it ended).
  std::string final_reason;    // "Busy Here"
  std::string reason_header;   // Q.850;cause=17;text="user busy"
  std::string warning_header;  // 399 proxy.example.com "Media negotiation failed"
  std::string final_from;      // "192.0.2.7:5060"
  std::string_view ended_by;   // "caller", "callee" or "" (literals)
  std::optional<TimeNs> pdd;   // post-dial delay: INVITE to the first 18x
  // Its media (issue #18), once the capture is read: empty until then.
  // Literals (media_verdict_name, CallMedia::reason): a row may outlive its analysis.
  std::string_view media;         // both_ways, caller_to_callee_only, ..., no_sdp
  std::string_view media_reason;  // ice_no_checks, ..., or empty
  std::optional<double> mos_caller_to_callee;
  std::optional<double> mos_callee_to_caller;
};
CallRow call_row(const Call& call, std::size_t findings);
// Fills the media columns from what associate_media found.
void add_call_media(CallRow& row, const CallMedia& media);

// What finishing an analysis changes in a call's row: the legs grouped, the findings placed
// again, the media judged. A front end that already holds every row takes these at the end
// instead of every row again (the GUI: 154,517 rows of a gigabyte capture took 170 MB twice).
struct CallRowEnding {
  std::uint64_t call = 0;
  std::uint64_t group = 0;
  std::size_t findings = 0;
  std::string_view media;  // as CallRow's; empty when the media was not judged
  std::string_view media_reason;
  std::optional<double> mos_caller_to_callee;
  std::optional<double> mos_callee_to_caller;
};
// `media`: the call's, or null when the analysis judged no media.
CallRowEnding call_row_ending(const Call& call, std::size_t findings, const CallMedia* media);
void apply_ending(CallRow& row, const CallRowEnding& ending);

enum class CallField {
  index,
  call_id,
  start,
  messages,
  first_method,
  state,
  final_status,
  from_user,
  to_user,
  group,
  setup_time,
  duration,
  transports,
  retransmissions,
  dialogs,
  findings,
  methods,
  final_reason,
  reason_header,
  warning_header,
  final_from,
  ended_by,
  pdd,
  media,
  media_reason,
  mos_caller_to_callee,
  mos_callee_to_caller,
};

struct CallFieldSpec {
  CallField id;
  std::string_view json_key;    // in `calls --format json`
  std::string_view tsv_column;  // in `calls --format tsv`
  std::string_view title;       // column title of the GUI and the terminal UI
  int width;                    // display width in characters (the GUI's in ems)
  bool filterable;              // searched by the GUI's (and the terminal UI's) filter text
  FieldValue (*value)(const CallRow&);
};

std::span<const CallFieldSpec> all_call_fields();
const CallFieldSpec& call_field(CallField id);

// The fields of each output, in order.
std::span<const CallField> tsv_call_fields();   // the TSV contract
std::span<const CallField> json_call_fields();  // the JSON contract (SDP objects follow)
std::span<const CallField> gui_call_fields();   // the GUI's call list and its CSV

// The text table of `sipws calls`: a header line and a line per call (no line ends).
struct CallTextColumn {
  CallField field;
  std::string_view header;
  int width;  // 0: the last column, unpadded
  bool right;
  bool cut;
};
std::span<const CallTextColumn> text_call_columns();
// The start column is as wide as `time` (when given) needs.
std::string call_text_header(const TimeColumn* time = nullptr);
// Times (the start) through `time` when given (`--time`), else as epoch seconds.
std::string call_text_row(const CallRow& row, TimeColumn* time = nullptr);

// What a filter text is matched against: the filterable fields, space-separated.
std::string call_search_text(const CallRow& row);

}  // namespace sipws
