#include "dissector/text.h"

namespace sipws {

std::string_view split_first(std::string_view text, char separator, std::string_view& rest,
                             bool quotes) {
  // Fast path (memchr): the separator comes before any quote, or quotes do not matter.
  const std::size_t at = text.find(separator);
  if (!quotes || text.substr(0, at).find('"') == std::string_view::npos) {
    if (at == std::string_view::npos) {
      rest = {};
      return text;
    }
    rest = text.substr(at + 1);
    return text.substr(0, at);
  }
  bool in_quotes = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quotes && c == '"') in_quotes = !in_quotes;
    if (quotes && in_quotes && c == '\\') {
      ++i;
      continue;
    }
    if (c == separator && !in_quotes) {
      rest = text.substr(i + 1);
      return text.substr(0, i);
    }
  }
  rest = {};
  return text;
}

bool list_contains(std::string_view list, std::string_view token) {
  while (!list.empty()) {
    std::string_view rest;
    const std::string_view item = trim(split_first(list, ',', rest));
    if (iequals(item, token)) return true;
    list = rest;
  }
  return false;
}

std::optional<std::uint64_t> parse_decimal(std::string_view digits) {
  if (digits.empty() || digits.size() > 19) return std::nullopt;
  std::uint64_t value = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return value;
}

namespace {
constexpr std::array<bool, 256> token_table() {
  std::array<bool, 256> table{};
  for (int c = 0; c < 256; ++c) {
    table[c] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  }
  for (const char c : std::string_view("-.!%*_+`'~")) table[static_cast<unsigned char>(c)] = true;
  return table;
}
}  // namespace

constinit const std::array<bool, 256> kTokenChars = token_table();

}  // namespace sipws
