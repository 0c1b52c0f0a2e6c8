// StopTask, DescribeTasks and ListTasks (api/tasks.cc) through the Router.
#include <gtest/gtest.h>

#include <algorithm>

#include "task_api_fixture.h"

namespace gantry::api {
namespace {

namespace json = boost::json;

class TasksApi : public test_support::TaskApiTest {};

TEST_F(TasksApi, StopTaskAsksForStoppedWithTheUsersReason) {
  const std::string arn = run_one();
  api.clock().advance(std::chrono::seconds(5));
  auto stopped = api.ok("StopTask", {{"cluster", "prod"}, {"task", arn}, {"reason", "done"}});
  const auto& task = stopped.at("task");
  EXPECT_EQ(task.at("taskArn").as_string(), arn);
  EXPECT_EQ(task.at("desiredStatus"), "STOPPED");
  EXPECT_EQ(task.at("stopCode"), "UserInitiated");
  EXPECT_EQ(task.at("stoppedReason"), "done");
  EXPECT_EQ(task.at("stoppingAt").to_number<double>(), core::to_epoch_seconds(api.clock().now()));
  // Not running yet, so its lastStatus stays until the agent reports.
  EXPECT_EQ(task.at("lastStatus"), "PROVISIONING");
  EXPECT_EQ(describe(arn).at("desiredStatus"), "STOPPED");
}

TEST_F(TasksApi, StopTaskOfAStoppingTaskChangesNothing) {
  const std::string arn = run_one();
  api.ok("StopTask", {{"cluster", "prod"}, {"task", arn}});
  const int64_t revision = api.store().revision();
  auto again = api.ok("StopTask", {{"cluster", "prod"}, {"task", arn}, {"reason", "again"}});
  EXPECT_EQ(again.at("task").at("stoppedReason"), "Task stopped by user");
  EXPECT_EQ(api.store().revision(), revision);
}

TEST_F(TasksApi, StopTaskRefusesAnUnknownTaskAndALongReason) {
  auto unknown = api.error("StopTask", {{"cluster", "prod"}, {"task", "0123456789abcdef"}});
  EXPECT_EQ(unknown.type(), "InvalidParameterException");
  EXPECT_EQ(unknown.message(), "The referenced task was not found.");
  const std::string arn = run_one();
  auto long_reason = api.error(
      "StopTask", {{"cluster", "prod"}, {"task", arn}, {"reason", std::string(256, 'r')}});
  EXPECT_EQ(long_reason.type(), "InvalidParameterException");
  EXPECT_EQ(long_reason.message(), "reason can be at most 255 characters.");
  EXPECT_EQ(describe(arn).at("desiredStatus"), "RUNNING");
  EXPECT_EQ(api.error("StopTask", {{"cluster", "nope"}, {"task", arn}}).type(),
            "ClusterNotFoundException");
}

TEST_F(TasksApi, DescribeTasksTakesIdsAndArnsAndListsTheMissing) {
  const std::string arn = run_one();
  const std::string id = arn.substr(arn.rfind('/') + 1);
  auto answer =
      api.ok("DescribeTasks", {{"cluster", "prod"}, {"tasks", {id, "ffffffffffffffffffff"}}});
  ASSERT_EQ(answer.at("tasks").as_array().size(), 1u);
  EXPECT_EQ(answer.at("tasks").at(0).at("taskArn").as_string(), arn);
  EXPECT_EQ(answer.at("failures"),
            (json::array{{{"arn", "ffffffffffffffffffff"}, {"reason", "MISSING"}}}));
  json::array too_many;
  for (int i = 0; i < 101; ++i) too_many.push_back(json::string(id));
  auto error = api.error("DescribeTasks", {{"cluster", "prod"}, {"tasks", too_many}});
  EXPECT_EQ(error.type(), "InvalidParameterException");
  EXPECT_EQ(error.message(), "tasks can name at most 100 tasks.");
}

TEST_F(TasksApi, DescribeTasksShowsTagsOnlyWhenIncluded) {
  const json::array tags{{{"key", "team"}, {"value", "a"}}};
  const std::string arn = run_one({{"tags", tags}});
  EXPECT_FALSE(describe(arn).contains("tags"));
  auto included =
      api.ok("DescribeTasks", {{"cluster", "prod"}, {"tasks", {arn}}, {"include", {"TAGS"}}});
  EXPECT_EQ(included.at("tasks").at(0).at("tags"), tags);
}

TEST_F(TasksApi, ListTasksFiltersByDesiredStatusFamilyAndStartedBy) {
  const std::string by_ci = run_one({{"startedBy", "ci"}});
  const std::string by_me = run_one({{"startedBy", "me"}});
  api.ok("RegisterTaskDefinition", test_bodies::task_definition("db"));
  const std::string db = run_one({{"taskDefinition", "db"}});
  api.ok("StopTask", {{"cluster", "prod"}, {"task", by_me}});

  auto sorted = [](json::array arns) {
    std::sort(arns.begin(), arns.end(), [](const json::value& a, const json::value& b) {
      return a.as_string() < b.as_string();
    });
    return arns;
  };
  EXPECT_EQ(sorted(listed()), sorted({by_ci, db}));  // RUNNING is the default
  EXPECT_EQ(listed({{"desiredStatus", "STOPPED"}}), json::array{by_me});
  EXPECT_EQ(listed({{"family", "db"}}), json::array{db});
  EXPECT_EQ(listed({{"startedBy", "ci"}}), json::array{by_ci});
  EXPECT_EQ(sorted(listed({{"containerInstance", instance_arn}})), sorted({by_ci, db}));
  EXPECT_EQ(api.error("ListTasks", {{"cluster", "nope"}}).type(), "ClusterNotFoundException");
}

}  // namespace
}  // namespace gantry::api
