// JSON strings: the fast path for plain ASCII writes what nlohmann-json writes, and every
// string comes out as valid UTF-8 JSON (random bytes, hand-made here).
#include "session/output_format.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <random>

namespace sipws {
namespace {

std::string by_nlohmann(const std::string& text) {
  return nlohmann::json(text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

TEST(OutputFormat, JsonQuoteEqualsNlohmannOnEveryByteAndRandomStrings) {
  for (int b = 0; b < 256; ++b) {
    const std::string one(1, static_cast<char>(b));
    EXPECT_EQ(json_quote(one), by_nlohmann(one)) << b;
  }
  std::mt19937 random(7);
  for (int i = 0; i < 20000; ++i) {
    std::string text(random() % 24, '\0');
    // Mostly printable ASCII, sometimes any byte: both paths are taken.
    for (char& c : text) c = static_cast<char>(random() % 8 ? 0x20 + random() % 95 : random());
    const std::string quoted = json_quote(text);
    ASSERT_EQ(quoted, by_nlohmann(text)) << i;
    // Valid JSON whose value is valid UTF-8: parsing back does not throw.
    EXPECT_TRUE(nlohmann::json::parse(quoted).is_string()) << i;  // throws if invalid
  }
}

TEST(OutputFormat, InvalidUtf8BecomesReplacementCharacters) {
  EXPECT_EQ(json_quote("a\xff"
                       "b"),
            "\"a\xef\xbf\xbd"
            "b\"");
  EXPECT_EQ(json_quote("\xc3\xa9"), "\"\xc3\xa9\"");  // valid UTF-8 kept as it is
  EXPECT_EQ(json_quote("\"\\\n\x01"), "\"\\\"\\\\\\n\\u0001\"");
}

TEST(OutputFormat, ObjectKeepsKeyOrderAndFixedDecimals) {
  JsonObject o;
  o.number("frame", 7)
      .seconds("time", 1'700'000'000'000'010'000, 6)
      .number_or_null("status", false, 0)
      .formatted_number("setup_time", "")
      .strings("list", {"a", "b"})
      .boolean("ok", true);
  EXPECT_EQ(o.take_line(),
            "{\"frame\":7,\"time\":1700000000.000010,\"status\":null,\"setup_time\":null,"
            "\"list\":[\"a\",\"b\"],\"ok\":true}\n");
}

}  // namespace
}  // namespace sipws
