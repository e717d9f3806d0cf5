#pragma once
// Snapshots of an analysis for the interactive front ends (the GUI, the terminal UI): plain
// values copied out while the analysis is locked, identified by ids (call index, message index,
// finding index), never pointers into it. Models and widgets hold only these, so the reading
// thread may go on changing the analysis.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "calls/ladder.h"
#include "dissector/websocket/ws_frame_bytes.h"
#include "session/analysis.h"

namespace sipws {

struct FindingRow {
  std::size_t index = 0;  // in Analysis::findings()
  Severity severity = Severity::note;
  std::string name;  // "ws.frame.unmasked_client"
  std::string explanation;
  std::string rfc;
  std::string detail;
  std::uint64_t frame = 0;
  std::uint64_t message = kNoId;
  std::uint64_t call = kNoId;
};
FindingRow finding_row(const Analysis& analysis, std::size_t index);
// A finding without an analysis to place it (a live source's): its message unknown (kNoId),
// its call as raised.
FindingRow finding_row(const Finding& finding, std::size_t index);

struct MessageSnapshot {
  std::uint64_t message = 0;
  std::uint64_t call = kNoId;
  std::uint64_t frame = 0;
  std::uint64_t first_frame = 0;
  TimeNs timestamp = 0;
  std::string src;
  std::string dst;
  std::string transport;
  std::string summary;  // "INVITE sip:bob@..." or "200 OK"
  std::string text;     // the SIP message as sent
  std::vector<std::pair<std::string, std::string>> headers;
  std::vector<std::string> sdp;  // one line per session/media fact
  bool websocket = false;
  WsCarrier carrier;                 // frame list and compressed bytes cleared (see frames)
  std::uint64_t inflated_bytes = 0;  // the message text's size
  std::vector<WsFrameBytes> frames;  // with bytes, masked and unmasked
  std::vector<FindingRow> findings;  // about this message
};
MessageSnapshot message_snapshot(const Analysis& analysis, std::uint64_t message,
                                 const std::vector<FindingRow>& findings);
// The same for record `record` of `store`, which belongs to call `call` (a live analysis's
// store of one call); `findings` are this message's own.
MessageSnapshot message_snapshot(const CallStore& store, std::uint64_t record, std::uint64_t call,
                                 std::vector<FindingRow> findings);

std::string format_seconds(TimeNs ns);                  // "12.345678"
std::string format_duration(std::optional<TimeNs> ns);  // "1.234 s" or ""
std::string format_clock(TimeNs ns);                    // "2026-11-24 10:11:12.345678" (UTC)

// A call's media as the interactive front ends show it (the GUI's Media tab): the verdict and
// why, the stream table (media_fields' columns, as `sipws media` writes them), and the lines of
// `sipws media`'s block: streams, ICE pairs, DTLS. Empty (`judged` false) until the capture is
// read: media is tied to calls at its end.
// One RTP stream's figures over time (its RtpTimeline), as the Media tab plots them: one value
// per interval of `interval` seconds, the first starting `start` seconds after the call did.
struct StreamSeries {
  bool present = false;  // RTP with a timeline (RTCP rows and a CLI's analysis have none)
  double start = 0;
  double interval = 1;
  std::vector<double> packets_per_second;
  std::vector<double> loss_percent;  // of the packets expected in the interval
  std::vector<double> jitter_ms;     // the highest in the interval; empty without a clock rate
};
StreamSeries stream_series(const MediaStream& stream, TimeNs call_start);

struct CallMediaSnapshot {
  bool judged = false;
  std::string verdict;  // media_verdict_name
  std::string reason;   // the reason id
  std::string reason_detail;
  std::array<std::string, 2> mos;  // by MediaWay, "" when unknown
  std::vector<std::string> columns;
  std::vector<std::vector<std::string>> streams;
  std::vector<StreamSeries> series;  // one per row of `streams`
  std::vector<std::string> lines;
};
CallMediaSnapshot call_media_snapshot(const Analysis& analysis, std::uint64_t call);

}  // namespace sipws
