// The desiredTasks message: what the control plane pushes and the agent
// also persists, so a round trip must keep every member.
#include <gtest/gtest.h>

#include "model/agent_protocol.h"

namespace gantry::model {
namespace {

namespace json = boost::json;

DesiredTask sample() {
  return DesiredTask{
      "arn:aws:ecs:us-east-1:123456789012:task/default/abc",
      "RUNNING",
      std::make_shared<const json::object>(json::object{
          {"family", "gpu"},
          {"taskDefinitionArn", "arn:aws:ecs:us-east-1:123456789012:task-definition/gpu:1"}}),
      json::object{{"containerOverrides", json::array{}}},
      {{"trainer", {"0", "1"}}, {"sidecar", {"2"}}}};
}

TEST(DesiredTasksProtocolTest, RoundTripKeepsEveryMember) {
  const auto parsed = parse_desired_tasks(desired_tasks_message({true, {sample()}, {}}));
  EXPECT_TRUE(parsed.complete);
  ASSERT_EQ(parsed.tasks.size(), 1u);
  const auto& task = parsed.tasks[0];
  EXPECT_EQ(task.task_arn, sample().task_arn);
  EXPECT_EQ(task.desired_status, "RUNNING");
  EXPECT_EQ(*task.task_definition, *sample().task_definition);
  EXPECT_EQ(task.overrides, sample().overrides);
  EXPECT_EQ(task.gpu_ids, sample().gpu_ids);
}

TEST(DesiredTasksProtocolTest, TasksWithoutGpusCarryNoGpuMember) {
  auto task = sample();
  task.gpu_ids.clear();
  const auto message = desired_tasks_message({true, {task}, {}});
  EXPECT_FALSE(message.at("tasks").as_array().at(0).as_object().contains("gpuIds"));
  EXPECT_TRUE(parse_desired_tasks(message).tasks.at(0).gpu_ids.empty());
}

TEST(DesiredTasksProtocolTest, MalformedGpuIdsAreRefused) {
  for (const char* bad : {R"("0")", R"({"trainer":"0"})", R"({"trainer":[0]})"}) {
    auto message = desired_tasks_message({true, {sample()}, {}});
    message["tasks"].as_array()[0].as_object()["gpuIds"] = json::parse(bad);
    EXPECT_THROW(parse_desired_tasks(message), std::runtime_error) << bad;
  }
}

TEST(DesiredTasksProtocolTest, ADeltaCarriesEachDefinitionOnceAndTheRemovedTasks) {
  auto other = sample();
  other.task_arn = "arn:aws:ecs:us-east-1:123456789012:task/default/def";
  const auto message = desired_tasks_message(
      {false, {sample(), other}, {"arn:aws:ecs:us-east-1:1:task/default/old"}});
  EXPECT_EQ(message.at("taskDefinitions").as_object().size(), 1u);
  const auto parsed = parse_desired_tasks(message);
  EXPECT_FALSE(parsed.complete);
  ASSERT_EQ(parsed.tasks.size(), 2u);
  EXPECT_EQ(*parsed.tasks[1].task_definition, *sample().task_definition);
  EXPECT_EQ(parsed.tasks[0].task_definition, parsed.tasks[1].task_definition);  // parsed once
  EXPECT_EQ(parsed.removed, std::vector<std::string>{"arn:aws:ecs:us-east-1:1:task/default/old"});
}

TEST(DesiredTasksProtocolTest, AChannelCarriesEachDefinitionOnce) {
  std::set<std::string, std::less<>> sent;
  const auto first = desired_tasks_message({false, {sample()}, {}}, &sent);
  const std::string arn = "arn:aws:ecs:us-east-1:123456789012:task-definition/gpu:1";
  EXPECT_EQ(sent, (std::set<std::string, std::less<>>{arn}));
  auto other = sample();
  other.task_arn = "arn:aws:ecs:us-east-1:123456789012:task/default/def";
  const auto second = desired_tasks_message({false, {other}, {}}, &sent);
  EXPECT_TRUE(second.at("taskDefinitions").as_object().empty());

  TaskDefinitions known;
  EXPECT_EQ(*parse_desired_tasks(first, known).tasks.at(0).task_definition,
            *sample().task_definition);
  const auto parsed = parse_desired_tasks(second, known);
  EXPECT_EQ(parsed.tasks.at(0).task_arn, other.task_arn);
  EXPECT_EQ(*parsed.tasks.at(0).task_definition, *sample().task_definition);
  // Without the first message, the second names a definition it never saw.
  TaskDefinitions fresh;
  EXPECT_THROW(parse_desired_tasks(second, fresh), std::runtime_error);
}

TEST(DesiredTasksProtocolTest, AnInlineDefinitionIsStillRead) {
  json::object message{{"type", "desiredTasks"},
                       {"tasks", json::array{json::object{{"taskArn", "t"},
                                                          {"desiredStatus", "RUNNING"},
                                                          {"taskDefinition", {{"family", "x"}}},
                                                          {"overrides", json::object{}}}}}};
  const auto parsed = parse_desired_tasks(message);
  EXPECT_TRUE(parsed.complete);
  EXPECT_EQ(*parsed.tasks.at(0).task_definition, (json::object{{"family", "x"}}));
}

TEST(DesiredTasksProtocolTest, AMissingDefinitionIsRefused) {
  auto message = desired_tasks_message({true, {sample()}, {}});
  message["taskDefinitions"] = json::object{};
  EXPECT_THROW(parse_desired_tasks(message), std::runtime_error);
}

TEST(TaskStatesProtocolTest, ReportsRoundTripAndMustBeObjects) {
  const auto message = task_states_message(json::array{json::object{{"task", "t1"}}});
  EXPECT_EQ(parse_task_states(message).at(0).at("task"), "t1");
  EXPECT_THROW(parse_task_states(task_states_message(json::array{1})), std::runtime_error);
}

}  // namespace
}  // namespace gantry::model
