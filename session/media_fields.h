#pragma once
// One table of the fields of a media stream (`sipws media`): id, JSON key, TSV column, title,
// width and a typed value; the TSV columns up to `end` are a contract (issue #18), more follow.
// Also what other outputs show of a call's media: its JSON object (streams, ICE pairs, DTLS)
// and the lines `flow` prints under a ladder.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "calls/media.h"
#include "session/fields.h"

namespace sipws {

// A stream as every output shows it.
struct MediaRow {
  const MediaStream* stream = nullptr;
  std::string call_id;  // empty: an orphan stream
};
MediaRow media_row(const MediaStream& stream, const CallStore& store);

struct MediaFieldSpec {
  std::string_view json_key;
  std::string_view tsv_column;
  std::string_view title;
  int width;
  FieldValue (*value)(const MediaRow&);
};
std::span<const MediaFieldSpec> all_media_fields();

std::string media_tsv_header();
std::string media_tsv_line(const MediaRow& row);
std::string media_json_line(const MediaRow& row);
std::string media_text_header();
std::string media_text_line(const MediaRow& row);

// A call's media as one JSON object: verdict, reason, MOS and its inputs, streams, ICE pairs
// and DTLS sessions.
JsonObject call_media_json(const CallMedia& media, const MediaTracker& tracker);
// The lines under a call's ladder: the verdict, then one per stream and per ICE pair and DTLS
// session. Times are seconds after `origin` (the call's start).
std::vector<std::string> call_media_lines(const CallMedia& media, const MediaTracker& tracker,
                                          TimeNs origin);

// "0x1A2B3C4D"
std::string ssrc_text(std::uint32_t ssrc);

}  // namespace sipws
