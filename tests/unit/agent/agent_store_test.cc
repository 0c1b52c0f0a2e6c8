// AgentStore: a task saved comes back whole after a restart, also from the
// files agents wrote before desired tasks named their definitions by ARN.
#include "agent/agent_store.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace gantry::agent {
namespace {

namespace json = boost::json;

std::filesystem::path fresh_dir() {
  char dir[] = "/tmp/gantry-agent-store-test-XXXXXX";
  return mkdtemp(dir);
}

model::DesiredTask desired() {
  return {"arn:aws:ecs:us-east-1:123456789012:task/default/abc",
          "RUNNING",
          std::make_shared<const json::object>(json::object{
              {"family", "web"},
              {"taskDefinitionArn", "arn:aws:ecs:us-east-1:123456789012:task-definition/web:3"}}),
          json::object{{"containerOverrides", json::array{}}},
          {{"app", {"0"}}}};
}

TEST(AgentStore, ASavedTaskComesBackWhole) {
  const auto dir = fresh_dir();
  TaskStatus status;
  status.task_arn = desired().task_arn;
  status.last_status = kStatusRunning;
  AgentStore(dir).save_task(desired(), status);
  const auto tasks = AgentStore(dir).tasks();
  ASSERT_EQ(tasks.size(), 1u);
  EXPECT_EQ(tasks[0].desired.task_arn, desired().task_arn);
  EXPECT_EQ(*tasks[0].desired.task_definition, *desired().task_definition);
  EXPECT_EQ(tasks[0].desired.overrides, desired().overrides);
  EXPECT_EQ(tasks[0].desired.gpu_ids, desired().gpu_ids);
  EXPECT_EQ(tasks[0].status.last_status, kStatusRunning);
  std::filesystem::remove_all(dir);
}

TEST(AgentStore, AnOlderAgentsFileWithTheBareTaskIsRead) {
  const auto dir = fresh_dir();
  std::filesystem::create_directories(dir / "tasks");
  std::ofstream(dir / "tasks" / "abc.json") << R"({"desired": {
      "taskArn": "arn:aws:ecs:us-east-1:123456789012:task/default/abc",
      "desiredStatus": "RUNNING", "taskDefinition": {"family": "web"}, "overrides": {}},
    "status": {"taskArn": "arn:aws:ecs:us-east-1:123456789012:task/default/abc",
               "lastStatus": "RUNNING", "containers": []}})";
  const auto tasks = AgentStore(dir).tasks();
  ASSERT_EQ(tasks.size(), 1u);
  EXPECT_EQ(*tasks[0].desired.task_definition, (json::object{{"family", "web"}}));
  EXPECT_EQ(tasks[0].status.last_status, kStatusRunning);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace gantry::agent
