// The agents' reports (api/task_state_changes.cc) through the Router:
// SubmitTaskStateChange and SubmitContainerStateChange move a task along its
// lifecycle, forward only, with stopCode and timestamps as ECS writes them.
#include <gtest/gtest.h>

#include "task_api_fixture.h"

namespace gantry::api {
namespace {

namespace json = boost::json;

class TaskStateChangesApi : public test_support::TaskApiTest {
 protected:
  json::object report(const std::string& arn, const char* status, json::object extra = {}) {
    extra["cluster"] = "prod";
    extra["task"] = arn;
    extra["status"] = status;
    return api.ok("SubmitTaskStateChange", std::move(extra));
  }
  double now() { return core::to_epoch_seconds(api.clock().now()); }
};

TEST_F(TaskStateChangesApi, ReportsMoveATaskToRunningAndAreAcknowledged) {
  const std::string arn = run_one();
  EXPECT_EQ(report(arn, "PENDING"), (json::object{{"acknowledgment", "ACK"}}));
  EXPECT_EQ(describe(arn).at("lastStatus"), "PENDING");
  EXPECT_EQ(describe(arn).at("connectivity"), "CONNECTED");
  api.clock().advance(std::chrono::seconds(3));
  report(
      arn, "RUNNING",
      {{"containers", {{{"containerName", "app"}, {"runtimeId", "r-1"}, {"status", "RUNNING"}}}}});
  auto task = describe(arn);
  EXPECT_EQ(task.at("lastStatus"), "RUNNING");
  EXPECT_EQ(task.at("startedAt").to_number<double>(), now());
  EXPECT_EQ(task.at("containers").at(0).at("lastStatus"), "RUNNING");
  EXPECT_EQ(task.at("containers").at(0).at("runtimeId"), "r-1");
}

TEST_F(TaskStateChangesApi, AnExitOfTheEssentialContainerStopsTheTask) {
  const std::string arn = run_one();
  report(arn, "RUNNING");
  api.clock().advance(std::chrono::seconds(10));
  report(arn, "STOPPED",
         {{"containers", {{{"containerName", "app"}, {"status", "STOPPED"}, {"exitCode", 3}}}}});
  auto task = describe(arn);
  EXPECT_EQ(task.at("lastStatus"), "STOPPED");
  EXPECT_EQ(task.at("desiredStatus"), "STOPPED");
  EXPECT_EQ(task.at("stopCode"), "EssentialContainerExited");
  EXPECT_EQ(task.at("stoppedReason"), "Essential container in task exited");
  EXPECT_EQ(task.at("stoppedAt").to_number<double>(), now());
  EXPECT_EQ(task.at("containers").at(0).at("exitCode"), 3);
  EXPECT_EQ(listed({{"desiredStatus", "STOPPED"}}), json::array{json::string(arn)});
}

TEST_F(TaskStateChangesApi, AStopBeforeRunningIsAFailedStart) {
  const std::string arn = run_one();
  report(arn, "STOPPED", {{"reason", "CannotPullContainerError: no such image"}});
  auto task = describe(arn);
  EXPECT_EQ(task.at("stopCode"), "TaskFailedToStart");
  EXPECT_EQ(task.at("stoppedReason"), "CannotPullContainerError: no such image");
}

TEST_F(TaskStateChangesApi, AUserStopKeepsItsCodeWhenTheTaskStops) {
  const std::string arn = run_one();
  report(arn, "RUNNING");
  auto stopping = api.ok("StopTask", {{"cluster", "prod"}, {"task", arn}}).at("task");
  EXPECT_EQ(stopping.at("lastStatus"), "STOPPING");
  report(arn, "STOPPED");
  auto task = describe(arn);
  EXPECT_EQ(task.at("lastStatus"), "STOPPED");
  EXPECT_EQ(task.at("stopCode"), "UserInitiated");
  EXPECT_EQ(task.at("stoppedReason"), "Task stopped by user");
}

TEST_F(TaskStateChangesApi, AStatusNeverMovesBackAndARepeatWritesNothing) {
  const std::string arn = run_one();
  report(arn, "RUNNING");
  const int64_t revision = api.store().revision();
  report(arn, "PENDING");  // late, out of order
  report(arn, "RUNNING");  // a repeat
  EXPECT_EQ(describe(arn).at("lastStatus"), "RUNNING");
  EXPECT_EQ(api.store().revision(), revision);
}

TEST_F(TaskStateChangesApi, AContainerReportUpdatesOnlyItsContainer) {
  const std::string arn = run_one();
  EXPECT_EQ(api.ok("SubmitContainerStateChange", {{"cluster", "prod"},
                                                  {"task", arn},
                                                  {"containerName", "app"},
                                                  {"runtimeId", "r-9"},
                                                  {"status", "RUNNING"}}),
            (json::object{{"acknowledgment", "ACK"}}));
  auto task = describe(arn);
  EXPECT_EQ(task.at("containers").at(0).at("runtimeId"), "r-9");
  EXPECT_EQ(task.at("containers").at(0).at("lastStatus"), "RUNNING");
  EXPECT_EQ(task.at("lastStatus"), "PROVISIONING");
}

TEST_F(TaskStateChangesApi, ReportsOfUnknownTasksOrStatusesAreRefused) {
  auto unknown =
      api.error("SubmitTaskStateChange",
                {{"cluster", "prod"}, {"task", "0123456789abcdef"}, {"status", "RUNNING"}});
  EXPECT_EQ(unknown.type(), "InvalidParameterException");
  EXPECT_EQ(unknown.message(), "The referenced task '0123456789abcdef' was not found.");
  const std::string arn = run_one();
  auto status = api.error("SubmitTaskStateChange",
                          {{"cluster", "prod"}, {"task", arn}, {"status", "FLYING"}});
  EXPECT_EQ(status.type(), "InvalidParameterException");
  EXPECT_EQ(status.message(), "Unknown task status 'FLYING'.");
  EXPECT_EQ(describe(arn).at("lastStatus"), "PROVISIONING");
  EXPECT_EQ(api.error("SubmitTaskStateChange",
                      {{"cluster", "nope"}, {"task", arn}, {"status", "RUNNING"}})
                .type(),
            "ClusterNotFoundException");
}

}  // namespace
}  // namespace gantry::api
