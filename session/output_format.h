#pragma once
// How values are written out, shared by every front end: epoch times with fixed decimals, and
// JSON Lines. Keys come in the order they are added (that order is part of the contract of each
// command). Strings are serialised by
// nlohmann-json, which escapes them and replaces bytes that are not UTF-8 with U+FFFD, so every
// line is valid UTF-8 JSON whatever the capture holds. Numbers are written here: times keep the
// fixed decimals of the TSV columns (a double cannot hold a capture's nanoseconds: at today's
// epoch its resolution is a quarter of a microsecond).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "capture/raw_packet.h"

namespace sipws {

// Epoch seconds with `decimals` digits after the point (6 for tshark-like columns), truncated.
std::string epoch_seconds(TimeNs ns, int decimals);
// The same written at `at`, which has room for kEpochSecondsMax characters; returns the end.
inline constexpr std::size_t kEpochSecondsMax = 32;
char* write_epoch_seconds(char* at, TimeNs ns, int decimals);

// How text output writes a line's time (`--time`; TSV and JSON always write epoch seconds):
//   clock  the time of day, local (sngrep's way), with the date on a line of its own before the
//          first line and whenever it changes: "22:35:00.123456"
//   epoch  seconds since 1970: "1795564841.409375"
//   utc    ISO 8601 in UTC: "2026-11-24T22:35:00.123456Z"
//   local  ISO 8601 in local time with its offset: "2026-11-24T23:35:00.123456+01:00"
//   rel    seconds after the origin (the capture's first packet): "12.345678"
//   delta  seconds after the line before: "+0.000384"
enum class TimeStyle { clock, epoch, utc, local, rel, delta };
inline constexpr std::string_view kTimeStyleNames = "clock, epoch, utc, local, rel, delta";
std::optional<TimeStyle> time_style_named(std::string_view name);

// The time column of successive lines in one style (rel and delta need what came before).
class TimeColumn {
 public:
  explicit TimeColumn(TimeStyle style = TimeStyle::clock) : style_(style) {}
  TimeStyle style() const { return style_; }
  // rel counts from here; without it, from the first line's time.
  void set_origin(TimeNs origin) { origin_ = origin; }
  // The column's text for a line at `t`. For clock, `date_line` (when given) receives the line to
  // print before it when its date is not the previous line's ("2026-11-24 (local time,
  // UTC+01:00)"), and is emptied otherwise.
  std::string text(TimeNs t, std::string* date_line = nullptr);
  // The width the column is padded to (its usual width; a longer value is not cut).
  std::size_t width() const;

 private:
  TimeStyle style_;
  std::optional<TimeNs> origin_;
  std::optional<TimeNs> previous_;
  std::int64_t previous_day_ = INT64_MIN;
};

// A TSV field: tabs and line breaks would break the row, so they become spaces.
std::string tsv_field(std::string_view text);

// Pads or cuts `text` to exactly `width` display columns (bytes; SIP headers are mostly ASCII);
// a cut ends in '~'.
std::string fit_width(std::string text, std::size_t width);

// Text as a terminal shows it: UTF-8 decoded (a byte that is not UTF-8 is U+FFFD, of length
// 1), wide characters two columns, combining marks none.
char32_t decode_utf8(std::string_view text, std::size_t at, std::size_t& length);
int width_of_code_point(char32_t code_point);
std::size_t display_width(std::string_view text);
// `text` cut to `width` display columns on a character boundary (never inside a UTF-8
// sequence; a byte that is not UTF-8 shows as '?', a control character as '?' or a space),
// padded with spaces when `pad`.
std::string fit_columns(std::string_view text, std::size_t width, bool pad = true);

// `text` as a JSON string literal, quotes included, invalid UTF-8 replaced by U+FFFD.
std::string json_quote(std::string_view text);
void append_json_quote(std::string& out, std::string_view text);

class JsonObject {
 public:
  JsonObject() : text_("{") {}
  JsonObject& string(std::string_view key, std::string_view value);
  JsonObject& number(std::string_view key, std::uint64_t value);
  JsonObject& number_or_null(std::string_view key, bool present, std::uint64_t value);
  JsonObject& boolean(std::string_view key, bool value);
  JsonObject& null(std::string_view key);
  // Epoch seconds (or a duration) with `decimals` digits after the point.
  JsonObject& seconds(std::string_view key, TimeNs ns, int decimals);
  // A number already formatted as JSON (e.g. "1.012710"), or null when empty.
  JsonObject& formatted_number(std::string_view key, std::string_view json_number);
  JsonObject& strings(std::string_view key, const std::vector<std::string>& values);
  JsonObject& object(std::string_view key, JsonObject&& value);
  JsonObject& objects(std::string_view key, std::vector<JsonObject>&& values);
  // The object closed: `{...}`. The builder is spent afterwards.
  std::string take();
  // The object closed, with a newline: one JSON Lines record.
  std::string take_line();

 private:
  void key(std::string_view name);
  std::string text_;
  bool empty_ = true;
};

}  // namespace sipws
