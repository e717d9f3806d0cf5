#include "session/output_format.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <ctime>
#include <nlohmann/json.hpp>

namespace sipws {
namespace {

// Printable ASCII without '"' and '\\': nlohmann-json would write these bytes unchanged, so they
// are appended as they are (the common case: no temporary json value per field).
bool plain_ascii(std::string_view text) {
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') return false;
  }
  return true;
}

}  // namespace

char* write_epoch_seconds(char* at, TimeNs ns, int decimals) {
  // By hand rather than snprintf: this runs once per message listed.
  const bool negative = ns < 0;
  const std::uint64_t abs =
      negative ? static_cast<std::uint64_t>(-(ns + 1)) + 1 : static_cast<std::uint64_t>(ns);
  std::uint64_t fraction = abs % 1'000'000'000;
  decimals = std::clamp(decimals, 0, 9);
  for (int i = decimals; i < 9; ++i) fraction /= 10;
  if (negative) *at++ = '-';
  at = std::to_chars(at, at + 20, abs / 1'000'000'000).ptr;
  *at++ = '.';
  for (int i = decimals - 1; i >= 0; --i) {
    at[i] = static_cast<char>('0' + fraction % 10);
    fraction /= 10;
  }
  return at + decimals;
}

std::string epoch_seconds(TimeNs ns, int decimals) {
  char text[kEpochSecondsMax];
  return std::string(text, write_epoch_seconds(text, ns, decimals));
}

std::optional<TimeStyle> time_style_named(std::string_view name) {
  static constexpr std::pair<std::string_view, TimeStyle> kNames[] = {
      {"clock", TimeStyle::clock}, {"epoch", TimeStyle::epoch}, {"utc", TimeStyle::utc},
      {"local", TimeStyle::local}, {"rel", TimeStyle::rel},     {"delta", TimeStyle::delta}};
  for (const auto& [n, style] : kNames) {
    if (n == name) return style;
  }
  return std::nullopt;
}

namespace {

// Seconds and microseconds of `ns` (floored, so that times before 1970 still read forwards).
std::pair<std::time_t, long> split_seconds(TimeNs ns) {
  std::int64_t seconds = ns / 1'000'000'000;
  std::int64_t rest = ns % 1'000'000'000;
  if (rest < 0) {
    rest += 1'000'000'000;
    --seconds;
  }
  return {static_cast<std::time_t>(seconds), static_cast<long>(rest / 1000)};
}

// Signed seconds with 6 decimals, "+" before a positive value when `plus`.
std::string signed_seconds(TimeNs ns, bool plus) {
  const bool negative = ns < 0;
  const std::uint64_t abs =
      negative ? static_cast<std::uint64_t>(-(ns + 1)) + 1 : static_cast<std::uint64_t>(ns);
  return std::string(negative ? "-" : (plus ? "+" : "")) +
         epoch_seconds(static_cast<TimeNs>(abs), 6);
}

std::string utc_offset(long gmtoff) {
  char text[48];
  const long minutes = (gmtoff < 0 ? -gmtoff : gmtoff) / 60;
  std::snprintf(text, sizeof text, "%c%02ld:%02ld", gmtoff < 0 ? '-' : '+', minutes / 60,
                minutes % 60);
  return text;
}

}  // namespace

std::string TimeColumn::text(TimeNs t, std::string* date_line) {
  if (date_line != nullptr) date_line->clear();
  if (!origin_) origin_ = t;
  const TimeNs previous = previous_.value_or(t);
  previous_ = t;
  const auto [seconds, micros] = split_seconds(t);
  std::tm tm{};
  char text[64];
  char fraction[16];
  std::snprintf(fraction, sizeof fraction, ".%06ld", micros);
  switch (style_) {
    case TimeStyle::epoch:
      return epoch_seconds(t, 6);
    case TimeStyle::rel:
      return signed_seconds(t - *origin_, false);
    case TimeStyle::delta:
      return signed_seconds(t - previous, true);
    case TimeStyle::utc:
      gmtime_r(&seconds, &tm);
      std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &tm);
      return text + std::string(fraction) + "Z";
    case TimeStyle::local:
    case TimeStyle::clock: {
      localtime_r(&seconds, &tm);
      if (style_ == TimeStyle::local) {
        std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &tm);
        return text + std::string(fraction) + utc_offset(tm.tm_gmtoff);
      }
      const std::int64_t day = (tm.tm_year + 1900) * 10000 + (tm.tm_mon + 1) * 100 + tm.tm_mday;
      if (date_line != nullptr && day != previous_day_) {
        std::strftime(text, sizeof text, "%Y-%m-%d", &tm);
        *date_line = std::string(text) + " (local time, UTC" + utc_offset(tm.tm_gmtoff) + ")";
      }
      previous_day_ = day;
      std::strftime(text, sizeof text, "%H:%M:%S", &tm);
      return text + std::string(fraction);
    }
  }
  return {};
}

std::size_t TimeColumn::width() const {
  switch (style_) {
    case TimeStyle::clock:
      return 15;
    case TimeStyle::epoch:
      return 17;
    case TimeStyle::utc:
      return 27;
    case TimeStyle::local:
      return 32;
    case TimeStyle::rel:
      return 10;
    case TimeStyle::delta:
      return 9;
  }
  return 17;
}

void append_json_quote(std::string& out, std::string_view text) {
  if (plain_ascii(text)) {
    out += '"';
    out.append(text);
    out += '"';
    return;
  }
  out += nlohmann::json(std::string(text))
             .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string json_quote(std::string_view text) {
  std::string out;
  append_json_quote(out, text);
  return out;
}

void JsonObject::key(std::string_view name) {
  if (!empty_) text_ += ',';
  empty_ = false;
  append_json_quote(text_, name);
  text_ += ':';
}

JsonObject& JsonObject::string(std::string_view name, std::string_view value) {
  key(name);
  append_json_quote(text_, value);
  return *this;
}

JsonObject& JsonObject::number(std::string_view name, std::uint64_t value) {
  key(name);
  text_ += std::to_string(value);
  return *this;
}

JsonObject& JsonObject::number_or_null(std::string_view name, bool present, std::uint64_t value) {
  return present ? number(name, value) : null(name);
}

JsonObject& JsonObject::boolean(std::string_view name, bool value) {
  key(name);
  text_ += value ? "true" : "false";
  return *this;
}

JsonObject& JsonObject::null(std::string_view name) {
  key(name);
  text_ += "null";
  return *this;
}

JsonObject& JsonObject::seconds(std::string_view name, TimeNs ns, int decimals) {
  key(name);
  char buffer[kEpochSecondsMax];
  text_.append(buffer, write_epoch_seconds(buffer, ns, decimals));
  return *this;
}

JsonObject& JsonObject::formatted_number(std::string_view name, std::string_view json_number) {
  if (json_number.empty()) return null(name);
  key(name);
  text_.append(json_number);
  return *this;
}

JsonObject& JsonObject::strings(std::string_view name, const std::vector<std::string>& values) {
  key(name);
  text_ += '[';
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) text_ += ',';
    append_json_quote(text_, values[i]);
  }
  text_ += ']';
  return *this;
}

JsonObject& JsonObject::object(std::string_view name, JsonObject&& value) {
  key(name);
  text_ += value.take();
  return *this;
}

JsonObject& JsonObject::objects(std::string_view name, std::vector<JsonObject>&& values) {
  key(name);
  text_ += '[';
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) text_ += ',';
    text_ += values[i].take();
  }
  text_ += ']';
  return *this;
}

std::string JsonObject::take() {
  text_ += '}';
  return std::move(text_);
}

std::string JsonObject::take_line() {
  text_ += "}\n";
  return std::move(text_);
}

std::string tsv_field(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c == '\t' || c == '\n' || c == '\r') c = ' ';
  }
  return out;
}

std::string fit_width(std::string text, std::size_t width) {
  if (text.size() > width) {
    text.resize(width);
    if (width > 0) text.back() = '~';
  }
  text.resize(width, ' ');
  return text;
}

// One UTF-8 sequence at text[at]: its code point and its length; U+FFFD of length 1 when the
// bytes there are not UTF-8.
char32_t decode_utf8(std::string_view text, std::size_t at, std::size_t& length) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char lead = byte(at);
  length = 1;
  if (lead < 0x80) return lead;
  std::size_t need = 0;
  char32_t cp = 0;
  if ((lead & 0xE0) == 0xC0) {
    need = 1;
    cp = lead & 0x1F;
  } else if ((lead & 0xF0) == 0xE0) {
    need = 2;
    cp = lead & 0x0F;
  } else if ((lead & 0xF8) == 0xF0) {
    need = 3;
    cp = lead & 0x07;
  } else {
    return 0xFFFD;
  }
  for (std::size_t i = 1; i <= need; ++i) {
    if (at + i >= text.size() || (byte(at + i) & 0xC0) != 0x80) return 0xFFFD;
    cp = (cp << 6) | (byte(at + i) & 0x3F);
  }
  length = need + 1;
  return cp;
}

int width_of_code_point(char32_t cp) {
  if (cp < 0x20 || (cp >= 0x7F && cp < 0xA0)) return 1;  // control: drawn as '?'
  if ((cp >= 0x300 && cp <= 0x36F) || (cp >= 0x200B && cp <= 0x200F)) return 0;
  const bool wide = (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF) ||
                    (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
                    (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
                    (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x1F300 && cp <= 0x1FAFF) ||
                    (cp >= 0x20000 && cp <= 0x3FFFD);
  return wide ? 2 : 1;
}

std::size_t display_width(std::string_view text) {
  std::size_t width = 0;
  for (std::size_t at = 0; at < text.size();) {
    std::size_t length = 1;
    width += static_cast<std::size_t>(width_of_code_point(decode_utf8(text, at, length)));
    at += length;
  }
  return width;
}

std::string fit_columns(std::string_view text, std::size_t width, bool pad) {
  std::string out;
  std::size_t used = 0;
  for (std::size_t at = 0; at < text.size();) {
    std::size_t length = 1;
    const char32_t cp = decode_utf8(text, at, length);
    const auto w = static_cast<std::size_t>(width_of_code_point(cp));
    if (used + w > width) break;
    if (cp == 0xFFFD && length == 1) {
      out += '?';  // a byte that is not UTF-8: never half a character on screen
    } else if (cp < 0x20 || cp == 0x7F) {
      out += cp == '\t' ? ' ' : '?';
    } else {
      out.append(text.substr(at, length));
    }
    used += w;
    at += length;
  }
  if (pad && used < width) out.append(width - used, ' ');
  return out;
}

}  // namespace sipws
