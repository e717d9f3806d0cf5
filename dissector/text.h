#pragma once
// Small text helpers shared by the HTTP, SIP and SDP parsers. All work on views; none allocate.

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace sipws {

inline char ascii_lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
}

inline bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  }
  return true;
}

inline bool istarts_with(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() && iequals(text.substr(0, prefix.size()), prefix);
}

inline bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

inline std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

// The quote-aware part of split_first, out of line: quotes before the separator are rare.
std::string_view split_first_quoted(std::string_view text, char separator, std::string_view& rest);

// Splits off the text before the first `separator` (outside double quotes when `quotes`);
// `rest` gets what follows the separator, or empty when there is none. Inline: the SIP, SDP and
// HTTP parsers call it several times per header field.
inline std::string_view split_first(std::string_view text, char separator, std::string_view& rest,
                                    bool quotes = false) {
  const std::size_t at = text.find(separator);
  if (quotes && text.substr(0, at).find('"') != std::string_view::npos) {
    return split_first_quoted(text, separator, rest);
  }
  if (at == std::string_view::npos) {
    rest = {};
    return text;
  }
  rest = text.substr(at + 1);
  return text.substr(0, at);
}

// True when `text` holds SP, HT, CR or LF. Eight bytes at a time: every URI of every message is
// checked.
bool contains_space(std::string_view text);

// True when `list` (comma-separated, case-insensitive tokens) holds `token`.
bool list_contains(std::string_view list, std::string_view token);

std::optional<std::uint64_t> parse_decimal(std::string_view digits);

// RFC 3261 §25.1 token characters: alphanumerics and -.!%*_+`'~. A table, since every header
// name of every message is checked.
extern const std::array<bool, 256> kTokenChars;
inline bool is_token_char(char c) {
  return kTokenChars[static_cast<unsigned char>(c)];
}
inline bool is_token(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!is_token_char(c)) return false;
  }
  return true;
}

}  // namespace sipws
