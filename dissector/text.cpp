#include "dissector/text.h"

#include <cstring>

namespace sipws {

std::string_view split_first_quoted(std::string_view text, char separator, std::string_view& rest) {
  bool in_quotes = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '"') in_quotes = !in_quotes;
    if (in_quotes && c == '\\') {
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

bool contains_space(std::string_view text) {
  constexpr std::uint64_t kOnes = 0x0101010101010101ull;
  constexpr std::uint64_t kHighs = 0x8080808080808080ull;
  std::size_t i = 0;
  for (; i + 8 <= text.size(); i += 8) {
    std::uint64_t w;
    std::memcpy(&w, text.data() + i, 8);
    // Nonzero exactly when some byte is below 0x21 (SP and the controls, HT, CR, LF among them);
    // only then are the eight bytes looked at one by one.
    if (((w - kOnes * 0x21) & ~w & kHighs) != 0) {
      for (std::size_t k = i; k < i + 8; ++k) {
        if (is_space(text[k])) return true;
      }
    }
  }
  for (; i < text.size(); ++i) {
    if (is_space(text[i])) return true;
  }
  return false;
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
