// The agent channel's stats message: round trip, and what the control
// plane refuses to read.
#include <gtest/gtest.h>

#include "model/agent_protocol.h"

namespace gantry::model {
namespace {

namespace json = boost::json;

StatsReport sample_report() {
  StatsReport report;
  report.sampled_at = 1700000000.25;
  report.tasks.push_back({"arn:aws:ecs:us-east-1:123456789012:task/default/a",
                          {{"web", "rt-web", 12.5, 10 << 20, int64_t{512} << 20},
                           {"sidecar", "rt-sidecar", 0, 4096, 0}}});
  report.tasks.push_back({"arn:aws:ecs:us-east-1:123456789012:task/default/b", {}});
  return report;
}

TEST(StatsProtocolTest, RoundTripsThroughTheWire) {
  json::object message = stats_message(sample_report());
  EXPECT_EQ(message.at("type"), "stats");
  EXPECT_EQ(message_type(message), "stats");
  // Over the wire as text, as the channel carries it.
  StatsReport parsed = parse_stats(json::parse(json::serialize(message)).as_object());
  ASSERT_EQ(parsed.tasks.size(), 2u);
  EXPECT_DOUBLE_EQ(parsed.sampled_at, 1700000000.25);
  EXPECT_EQ(parsed.tasks[0].task_arn, "arn:aws:ecs:us-east-1:123456789012:task/default/a");
  ASSERT_EQ(parsed.tasks[0].containers.size(), 2u);
  const ContainerStats& web = parsed.tasks[0].containers[0];
  EXPECT_EQ(web.name, "web");
  EXPECT_EQ(web.runtime_id, "rt-web");
  EXPECT_DOUBLE_EQ(web.cpu_percent, 12.5);
  EXPECT_EQ(web.memory_bytes, 10 << 20);
  EXPECT_EQ(web.memory_limit_bytes, int64_t{512} << 20);
  EXPECT_EQ(parsed.tasks[0].containers[1].name, "sidecar");
  EXPECT_TRUE(parsed.tasks[1].containers.empty());
}

TEST(StatsProtocolTest, AcceptsAnIntegerCpuPercent) {
  auto message = json::parse(R"({"type":"stats","sampledAt":5,"tasks":[{"taskArn":"t",
      "containers":[{"name":"a","runtimeId":"r","cpuPercent":200,"memoryBytes":1,
      "memoryLimitBytes":2}]}]})")
                     .as_object();
  EXPECT_DOUBLE_EQ(parse_stats(message).tasks[0].containers[0].cpu_percent, 200);
}

TEST(StatsProtocolTest, RefusesOtherShapes) {
  auto refuses = [](std::string_view text) {
    auto message = json::parse(text).as_object();
    EXPECT_THROW(parse_stats(message), std::runtime_error) << text;
  };
  refuses(R"({"type":"health","sampledAt":1,"tasks":[]})");
  refuses(R"({"type":"stats","tasks":[]})");
  refuses(R"({"type":"stats","sampledAt":1,"tasks":{}})");
  refuses(R"({"type":"stats","sampledAt":1,"tasks":[5]})");
  refuses(R"({"type":"stats","sampledAt":1,"tasks":[{"containers":[]}]})");
  const std::string container_prefix =
      R"({"type":"stats","sampledAt":1,"tasks":[{"taskArn":"t","containers":[)";
  refuses(
      container_prefix +
      R"({"name":"a","runtimeId":"r","cpuPercent":"1","memoryBytes":1,"memoryLimitBytes":2}]}]})");
  refuses(
      container_prefix +
      R"({"name":"a","runtimeId":"r","cpuPercent":-1,"memoryBytes":1,"memoryLimitBytes":2}]}]})");
  refuses(
      container_prefix +
      R"({"name":"a","runtimeId":"r","cpuPercent":1,"memoryBytes":1.5,"memoryLimitBytes":2}]}]})");
  refuses(
      container_prefix +
      R"({"name":"a","runtimeId":"r","cpuPercent":1,"memoryBytes":-1,"memoryLimitBytes":2}]}]})");
  refuses(container_prefix +
          R"({"name":"a","cpuPercent":1,"memoryBytes":1,"memoryLimitBytes":2}]}]})");
}

TEST(StatsProtocolTest, MessageTypeNeedsAType) {
  EXPECT_EQ(message_type(json::object{{"type", "health"}}), "health");
  EXPECT_THROW(message_type(json::object{}), std::runtime_error);
  EXPECT_THROW(message_type(json::object{{"type", 1}}), std::runtime_error);
}

}  // namespace
}  // namespace gantry::model
