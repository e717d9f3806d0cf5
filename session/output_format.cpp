#include "session/output_format.h"

#include <algorithm>
#include <charconv>
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

}  // namespace sipws
