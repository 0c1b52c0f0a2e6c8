#include "logs/event_tokens.h"

#include <gtest/gtest.h>

#include "core/error.h"
#include "logs/log_paging.h"

namespace gantry::logs {
namespace {

TEST(EventTokensTest, StreamTokensRoundTripWithTheirDirection) {
  StreamToken forward{true, {1'700'000'000'123, 42}};
  std::string text = encode_stream_token(forward);
  EXPECT_TRUE(text.starts_with("f/"));
  StreamToken back = decode_stream_token(text);
  EXPECT_TRUE(back.forward);
  EXPECT_EQ(back.position, forward.position);

  StreamToken backward{false, {kNoTimeLimit, 0}};
  text = encode_stream_token(backward);
  EXPECT_TRUE(text.starts_with("b/"));
  EXPECT_FALSE(decode_stream_token(text).forward);
  EXPECT_EQ(decode_stream_token(text).position, backward.position);
}

TEST(EventTokensTest, FilterTokensRoundTrip) {
  EventKey key{5, 7};
  EXPECT_EQ(decode_filter_token(encode_filter_token(key)), key);
}

TEST(EventTokensTest, RefusesTokensGantryDidNotIssue) {
  for (const char* bad : {"", "f/", "x/00", "f/123", "b/-000000000000000001000000000000000000001",
                          "e/abc", "f/00000000000000000000000000000000000000x"}) {
    EXPECT_THROW(decode_stream_token(bad), core::ApiError) << bad;
    EXPECT_THROW(decode_filter_token(bad), core::ApiError) << bad;
  }
  EXPECT_THROW(decode_describe_token("d/zz"), core::ApiError);
  EXPECT_THROW(decode_describe_token("nope"), core::ApiError);
  EXPECT_EQ(decode_describe_token(encode_describe_token("group/a b")), "group/a b");
}

}  // namespace
}  // namespace gantry::logs
