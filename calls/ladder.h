#pragma once
// The ladder (sequence diagram) of one or more calls as data: participants as columns, one arrow
// per message. Computed here once; the CLI prints it as text and the GUI draws it. No caps.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "calls/call_store.h"

namespace sipws {

struct LadderParticipant {
  Endpoint endpoint;
  std::string name;  // User-Agent or Server seen from this endpoint, when known
};

struct LadderArrow {
  std::size_t from = 0;  // participant columns
  std::size_t to = 0;
  std::string label;  // "INVITE", "180 Ringing", "200 OK (INVITE)": for display only
  // What the label says, as values: front ends colour and filter by these, never by the label.
  int status_code = 0;  // responses
  std::string method;   // requests: the method; responses: the CSeq method
  TimeNs time = 0;
  TimeNs delta = 0;          // since the previous arrow
  std::uint64_t record = 0;  // CallStore::records() index
  std::uint64_t frame = 0;
  std::uint64_t call = 0;
  SipTransport transport = SipTransport::udp;
  bool request = false;
  bool retransmission = false;
  bool has_sdp = false;
};

// A media stream drawn across the ladder, as sngrep draws RTP: a line from its sender's column
// to its receiver's at the time of its first packet, saying what it carried and lost.
struct LadderStream {
  std::size_t from = 0;  // participant columns
  std::size_t to = 0;
  TimeNs first_time = 0;
  TimeNs last_time = 0;
  std::uint64_t first_frame = 0;  // where it goes among the arrows, which are in frame order
  std::string label;              // "SRTP opus/48000/2": for display only
  std::uint64_t packets = 0;
  std::uint64_t lost = 0;
  double lost_percent = 0;
  std::uint64_t call = 0;  // the call that claimed it (for a front end that selects it)
  std::size_t stream = 0;  // MediaTracker::streams() index (likewise)
};

struct Ladder {
  std::vector<LadderParticipant> participants;
  std::vector<LadderArrow> arrows;
  std::vector<LadderStream> streams;  // by first frame; empty until media is added
};

// The messages of `calls` merged in capture order; columns in order of first appearance.
Ladder build_ladder(const CallStore& store, const std::vector<const Call*>& calls);

// Adds the RTP and SRTP streams associate_media tied to `calls` (RTCP is left to the media
// view). A media endpoint goes to the column of the first participant on its host (as sngrep
// draws by address); one on no participant's host, or both ends on the same column (a capture
// on one machine), gets a column of its own.
struct MediaReport;
class MediaTracker;
void add_media_streams(Ladder& ladder, const MediaReport& report, const MediaTracker& tracker,
                       const std::vector<const Call*>& calls);

}  // namespace sipws
