#include "ecs/task_transitions.h"

#include <gtest/gtest.h>

namespace gantry::ecs {
namespace {

namespace json = boost::json;

state::TaskRecord provisioning_task() {
  state::TaskRecord task;
  task.cluster = "default";
  task.set_doc(json::parse(R"({
    "taskArn": "arn:aws:ecs:us-east-1:123456789012:task/default/abc",
    "lastStatus": "PROVISIONING", "desiredStatus": "RUNNING", "version": 1,
    "attachments": [{"id": "eni-1", "status": "PRECREATED"}],
    "containers": [{"name": "app", "lastStatus": "PENDING"},
                   {"name": "sidecar", "lastStatus": "PENDING"}]})")
                   .as_object());
  return task;
}

TEST(TaskTransitions, RunningReportSetsStartedAtAndAttachesTheInterface) {
  TaskReport report;
  report.status = "RUNNING";
  report.containers.push_back({"app", "rt-1", "RUNNING", std::nullopt, "", std::nullopt, ""});
  auto next = apply_report(provisioning_task(), report, 100.5);
  ASSERT_TRUE(next);
  EXPECT_EQ(next->last_status(), "RUNNING");
  EXPECT_EQ(next->doc().at("startedAt").as_double(), 100.5);
  EXPECT_EQ(next->doc().at("connectivity").as_string(), "CONNECTED");
  EXPECT_EQ(next->doc().at("attachments").at(0).at("status").as_string(), "ATTACHED");
  EXPECT_EQ(next->doc().at("containers").at(0).at("runtimeId").as_string(), "rt-1");
  EXPECT_EQ(next->doc().at("version").as_int64(), 2);
}

TEST(TaskTransitions, StatusNeverMovesBackwards) {
  TaskReport running;
  running.status = "RUNNING";
  auto task = apply_report(provisioning_task(), running, 1);
  ASSERT_TRUE(task);
  TaskReport late;
  late.status = "PENDING";
  EXPECT_FALSE(apply_report(*task, late, 2));
}

TEST(TaskTransitions, AnExitAfterRunningIsAnEssentialContainerExit) {
  TaskReport running;
  running.status = "RUNNING";
  auto task = apply_report(provisioning_task(), running, 1);
  TaskReport stopped;
  stopped.status = "STOPPED";
  stopped.containers.push_back({"app", "", "STOPPED", 7, "", std::nullopt, ""});
  auto next = apply_report(*task, stopped, 2);
  ASSERT_TRUE(next);
  EXPECT_EQ(next->desired_status(), "STOPPED");
  EXPECT_EQ(next->doc().at("stopCode").as_string(), "EssentialContainerExited");
  EXPECT_EQ(next->doc().at("stoppedReason").as_string(), "Essential container in task exited");
  EXPECT_EQ(next->doc().at("containers").at(0).at("exitCode").as_int64(), 7);
  // Every container is stopped with its task.
  EXPECT_EQ(next->doc().at("containers").at(1).at("lastStatus").as_string(), "STOPPED");
  EXPECT_EQ(next->doc().at("attachments").at(0).at("status").as_string(), "DELETED");
}

TEST(TaskTransitions, AStopBeforeRunningIsAFailedStartWithTheAgentsReason) {
  TaskReport stopped;
  stopped.status = "STOPPED";
  stopped.reason = "CannotStartContainerError: no such file";
  auto next = apply_report(provisioning_task(), stopped, 2);
  ASSERT_TRUE(next);
  EXPECT_EQ(next->doc().at("stopCode").as_string(), "TaskFailedToStart");
  EXPECT_EQ(next->doc().at("stoppedReason").as_string(), "CannotStartContainerError: no such file");
}

TEST(TaskTransitions, AUserStopKeepsItsCodeWhenTheTaskStops) {
  TaskReport running;
  running.status = "RUNNING";
  auto task = apply_report(provisioning_task(), running, 1);
  auto stopping = request_stop(*task, "UserInitiated", "done", 2);
  ASSERT_TRUE(stopping);
  EXPECT_EQ(stopping->last_status(), "STOPPING");
  EXPECT_EQ(stopping->desired_status(), "STOPPED");
  EXPECT_FALSE(request_stop(*stopping, "UserInitiated", "again", 3));
  TaskReport stopped;
  stopped.status = "STOPPED";
  auto next = apply_report(*stopping, stopped, 4);
  ASSERT_TRUE(next);
  EXPECT_EQ(next->doc().at("stopCode").as_string(), "UserInitiated");
  EXPECT_EQ(next->doc().at("stoppedReason").as_string(), "done");
  EXPECT_EQ(next->doc().at("stoppedAt").as_double(), 4);
}

TEST(TaskTransitions, HealthAloneIsAChangeAndRepeatingItIsNot) {
  TaskReport health;
  health.health_status = "HEALTHY";
  health.containers.push_back({"app", "", "", std::nullopt, "", std::nullopt, "HEALTHY"});
  auto next = apply_report(provisioning_task(), health, 1);
  ASSERT_TRUE(next);
  EXPECT_EQ(next->doc().at("healthStatus").as_string(), "HEALTHY");
  EXPECT_EQ(next->doc().at("containers").at(0).at("healthStatus").as_string(), "HEALTHY");
  EXPECT_FALSE(apply_report(*next, health, 2));
}

}  // namespace
}  // namespace gantry::ecs
