#include "core/utf8_text.h"

#include <gtest/gtest.h>

namespace gantry::core {
namespace {

TEST(Utf8TextTest, APrefixEndsOnACharacterBoundary) {
  EXPECT_EQ(utf8_prefix("abc", 5), "abc");
  EXPECT_EQ(utf8_prefix("abc", 2), "ab");
  const std::string text =
      "ab\xC3\xA9"
      "cd";  // "abécd": é is 2 bytes
  EXPECT_EQ(utf8_prefix(text, 3), "ab");
  EXPECT_EQ(utf8_prefix(text, 4), "ab\xC3\xA9");
  const std::string euro = "\xE2\x82\xAC\xE2\x82\xAC";  // "€€": 3 bytes each
  EXPECT_EQ(utf8_prefix(euro, 5), "\xE2\x82\xAC");
  EXPECT_EQ(utf8_prefix(euro, 2), "");
  EXPECT_EQ(utf8_prefix("", 0), "");
}

TEST(Utf8TextTest, ASuffixStartsOnACharacterBoundary) {
  EXPECT_EQ(utf8_suffix("abc", 5), "abc");
  EXPECT_EQ(utf8_suffix("abc", 2), "bc");
  const std::string euro = "\xE2\x82\xAC\xE2\x82\xAC";
  EXPECT_EQ(utf8_suffix(euro, 5), "\xE2\x82\xAC");
  EXPECT_EQ(utf8_suffix(euro, 1), "");
  EXPECT_EQ(utf8_suffix("a\xF0\x9F\x98\x80", 4), "\xF0\x9F\x98\x80");  // an emoji, 4 bytes
}

TEST(Utf8TextTest, AStoppedReasonAtItsLimitStaysWhole) {
  std::string reason(254, 'x');
  reason += "\xC3\xA9";  // 256 bytes: the é would be cut
  EXPECT_EQ(utf8_prefix(reason, kMaxStoppedReasonBytes), std::string(254, 'x'));
}

}  // namespace
}  // namespace gantry::core
