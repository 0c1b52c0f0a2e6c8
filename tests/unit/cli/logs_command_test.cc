// `gantry logs`: --since, aws logs tail's line format, and where a task's
// containers' output is.
#include "cli/logs_command.h"

#include <gtest/gtest.h>

#include "core/error.h"

namespace gantry::cli {
namespace {

namespace json = boost::json;

TEST(LogsCommand, SinceTakesDurationsAndIsoTimes) {
  const int64_t now = 1'800'000'000'000;
  EXPECT_EQ(since_ms("10m", now), now - 600'000);
  EXPECT_EQ(since_ms("30s", now), now - 30'000);
  EXPECT_EQ(since_ms("2h", now), now - 7'200'000);
  EXPECT_EQ(since_ms("1d", now), now - 86'400'000);
  EXPECT_EQ(since_ms("1w", now), now - 604'800'000);
  EXPECT_EQ(since_ms("2026-12-04T05:12:23Z", now), 1796361143000);
  EXPECT_EQ(since_ms("2026-12-04T05:12:23", now), 1796361143000);
  EXPECT_FALSE(since_ms("10", now));
  EXPECT_FALSE(since_ms("m", now));
  EXPECT_FALSE(since_ms("tenm", now));
  EXPECT_FALSE(since_ms("yesterday", now));
}

TEST(LogsCommand, PrintsAsAwsLogsTail) {
  EXPECT_EQ(tail_line(1796361143123, "app/web/abc", "hello"),
            "2026-12-04T05:12:23.123000+00:00 app/web/abc hello");
  // isoformat() leaves out a zero fraction.
  EXPECT_EQ(tail_line(1796361143000, "s", "x\n"), "2026-12-04T05:12:23+00:00 s x");
  EXPECT_EQ(tail_line(1796361143001, "s", "a\nb"), "2026-12-04T05:12:23.001000+00:00 s a\nb");
}

json::object awslogs_container(std::string name, json::object options) {
  return {{"name", std::move(name)},
          {"logConfiguration",
           json::object{{"logDriver", "awslogs"}, {"options", std::move(options)}}}};
}

TEST(LogsCommand, FindsEveryAwslogsContainersStreamByGroup) {
  const json::object task{
      {"taskArn", "arn:aws:ecs:us-east-1:123456789012:task/c/abc"},
      {"containers", json::array{json::object{{"name", "side"}, {"runtimeId", "0f0f"}}}}};
  const json::object definition{
      {"containerDefinitions",
       json::array{
           awslogs_container("web", {{"awslogs-group", "g"}, {"awslogs-stream-prefix", "app"}}),
           awslogs_container("side", {{"awslogs-group", "g"}}),
           awslogs_container("other", {{"awslogs-group", "h"},
                                       {"awslogs-region", "eu-west-1"},
                                       {"awslogs-stream-prefix", "p"}}),
           json::object{{"name", "plain"}}}}};
  const auto all = log_locations(task, definition, "", "us-east-1");
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].group, "g");
  EXPECT_EQ(all[0].region, "us-east-1");
  EXPECT_EQ(all[0].streams, (std::vector<std::string>{"app/web/abc", "0f0f"}));
  EXPECT_EQ(all[1].group, "h");
  EXPECT_EQ(all[1].region, "eu-west-1");
  EXPECT_EQ(all[1].streams, std::vector<std::string>{"p/other/abc"});

  const auto one = log_locations(task, definition, "other", "us-east-1");
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0].group, "h");
  EXPECT_TRUE(log_locations(task, definition, "plain", "us-east-1").empty());
  EXPECT_THROW(log_locations(task, definition, "nope", "us-east-1"), core::ApiError);
}

}  // namespace
}  // namespace gantry::cli
