// The desiredTasks message: what the control plane pushes and the agent
// also persists, so a round trip must keep every member.
#include <gtest/gtest.h>

#include "model/agent_protocol.h"

namespace gantry::model {
namespace {

namespace json = boost::json;

DesiredTask sample() {
  return DesiredTask{"arn:aws:ecs:us-east-1:123456789012:task/default/abc",
                     "RUNNING",
                     json::object{{"family", "gpu"}},
                     json::object{{"containerOverrides", json::array{}}},
                     {{"trainer", {"0", "1"}}, {"sidecar", {"2"}}}};
}

TEST(DesiredTasksProtocolTest, RoundTripKeepsEveryMember) {
  const auto parsed = parse_desired_tasks(desired_tasks_message({sample()}));
  ASSERT_EQ(parsed.size(), 1u);
  const auto& task = parsed[0];
  EXPECT_EQ(task.task_arn, sample().task_arn);
  EXPECT_EQ(task.desired_status, "RUNNING");
  EXPECT_EQ(task.task_definition, sample().task_definition);
  EXPECT_EQ(task.overrides, sample().overrides);
  EXPECT_EQ(task.gpu_ids, sample().gpu_ids);
}

TEST(DesiredTasksProtocolTest, TasksWithoutGpusCarryNoGpuMember) {
  auto task = sample();
  task.gpu_ids.clear();
  const auto message = desired_tasks_message({task});
  EXPECT_FALSE(message.at("tasks").as_array().at(0).as_object().contains("gpuIds"));
  EXPECT_TRUE(parse_desired_tasks(message).at(0).gpu_ids.empty());
}

TEST(DesiredTasksProtocolTest, MalformedGpuIdsAreRefused) {
  for (const char* bad : {R"("0")", R"({"trainer":"0"})", R"({"trainer":[0]})"}) {
    auto message = desired_tasks_message({sample()});
    message["tasks"].as_array()[0].as_object()["gpuIds"] = json::parse(bad);
    EXPECT_THROW(parse_desired_tasks(message), std::runtime_error) << bad;
  }
}

}  // namespace
}  // namespace gantry::model
