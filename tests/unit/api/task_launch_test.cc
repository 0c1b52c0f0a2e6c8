// RunTask and StartTask (api/task_launch.cc) through the Router: placement on
// the cluster's instances, the answer's tasks and failures, clientToken.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "task_api_fixture.h"

namespace gantry::api {
namespace {

namespace json = boost::json;

class TaskLaunchApi : public test_support::TaskApiTest {};

// The ARNs of an answer's tasks, in no particular order.
std::set<std::string> task_arns(const json::object& answer) {
  std::set<std::string> arns;
  for (const auto& task : answer.at("tasks").as_array()) {
    arns.emplace(task.at("taskArn").as_string());
  }
  return arns;
}

TEST_F(TaskLaunchApi, RunTaskAnswersAProvisioningTaskOnTheInstance) {
  auto answer = run({{"startedBy", "ci"}});
  EXPECT_EQ(answer.at("failures"), json::array());
  ASSERT_EQ(answer.at("tasks").as_array().size(), 1u);
  const auto& task = answer.at("tasks").at(0);
  EXPECT_TRUE(std::string(task.at("taskArn").as_string())
                  .starts_with("arn:aws:ecs:us-east-1:123456789012:task/prod/"))
      << task.at("taskArn");
  EXPECT_EQ(task.at("clusterArn"), "arn:aws:ecs:us-east-1:123456789012:cluster/prod");
  EXPECT_EQ(task.at("taskDefinitionArn"),
            "arn:aws:ecs:us-east-1:123456789012:task-definition/web:1");
  EXPECT_EQ(task.at("containerInstanceArn").as_string(), instance_arn);
  EXPECT_EQ(task.at("lastStatus"), "PROVISIONING");
  EXPECT_EQ(task.at("desiredStatus"), "RUNNING");
  EXPECT_EQ(task.at("group"), "family:web");
  EXPECT_EQ(task.at("startedBy"), "ci");
  EXPECT_EQ(task.at("launchType"), "EC2");
  ASSERT_EQ(task.at("containers").as_array().size(), 1u);
  EXPECT_EQ(task.at("containers").at(0).at("name"), "app");
  // Durable and readable at once.
  EXPECT_EQ(listed(), json::array{task.at("taskArn")});
  EXPECT_EQ(describe(std::string(task.at("taskArn").as_string())).at("lastStatus"), "PROVISIONING");
}

TEST_F(TaskLaunchApi, RunTaskPlacesWhatFitsAndListsTheRestAsFailures) {
  // 512 MiB hold four tasks of 128: the fifth and sixth do not fit.
  auto first = run({{"count", 4}});
  EXPECT_EQ(first.at("tasks").as_array().size(), 4u);
  auto second = run({{"count", 2}});
  EXPECT_EQ(second.at("tasks"), json::array());
  ASSERT_FALSE(second.at("failures").as_array().empty());
  for (const auto& failure : second.at("failures").as_array()) {
    EXPECT_EQ(failure.at("arn").as_string(), instance_arn);
    EXPECT_EQ(failure.at("reason"), "RESOURCE:MEMORY");
  }
  EXPECT_EQ(listed().size(), 4u);
}

TEST_F(TaskLaunchApi, RunTaskWithAClientTokenLaunchesOnce) {
  auto first = run({{"clientToken", "retry-me"}, {"count", 2}});
  ASSERT_EQ(first.at("tasks").as_array().size(), 2u);
  const int64_t revision = api.store().revision();
  // The retry answers the tasks of the first call and writes nothing.
  auto retried = run({{"clientToken", "retry-me"}, {"count", 2}});
  ASSERT_EQ(retried.at("tasks").as_array().size(), 2u);
  EXPECT_EQ(retried.at("failures"), json::array());
  EXPECT_EQ(task_arns(retried), task_arns(first));
  EXPECT_EQ(api.store().revision(), revision);
  EXPECT_EQ(listed().size(), 2u);
  // Another token is another launch.
  EXPECT_EQ(run({{"clientToken", "another"}}).at("tasks").as_array().size(), 1u);
  EXPECT_EQ(listed().size(), 3u);
}

TEST_F(TaskLaunchApi, RunTaskRefusesBadCountsAndTokens) {
  auto count =
      api.error("RunTask", {{"cluster", "prod"}, {"taskDefinition", "web"}, {"count", 11}});
  EXPECT_EQ(count.type(), "InvalidParameterException");
  EXPECT_EQ(count.message(), "count must be between 1 and 10, got 11.");
  auto token = api.error(
      "RunTask",
      {{"cluster", "prod"}, {"taskDefinition", "web"}, {"clientToken", std::string(65, 't')}});
  EXPECT_EQ(token.type(), "InvalidParameterException");
  EXPECT_EQ(token.message(), "clientToken can be at most 64 characters.");
  EXPECT_EQ(listed(), json::array());
}

TEST_F(TaskLaunchApi, RunTaskNeedsAClusterADefinitionAndAnInstance) {
  EXPECT_EQ(api.error("RunTask", {{"cluster", "nope"}, {"taskDefinition", "web"}}).type(),
            "ClusterNotFoundException");
  auto definition = api.error("RunTask", {{"cluster", "prod"}, {"taskDefinition", "db"}});
  EXPECT_EQ(definition.type(), "ClientException");
  EXPECT_NE(definition.message().find("Unable to find task definition 'db'"), std::string::npos)
      << definition.message();
  api.ok("CreateCluster", {{"clusterName", "empty"}});
  auto no_instance = api.error("RunTask", {{"cluster", "empty"}, {"taskDefinition", "web"}});
  EXPECT_EQ(no_instance.type(), "InvalidParameterException");
  EXPECT_EQ(no_instance.message(), "No Container Instances were found in your cluster.");
}

TEST_F(TaskLaunchApi, RunTaskTakesNoDrainingInstance) {
  api.ok("UpdateContainerInstancesState",
         {{"cluster", "prod"}, {"containerInstances", {instance_arn}}, {"status", "DRAINING"}});
  auto answer = run();
  EXPECT_EQ(answer.at("tasks"), json::array());
  EXPECT_FALSE(answer.at("failures").as_array().empty()) << json::serialize(answer);
}

TEST_F(TaskLaunchApi, StartTaskPlacesOnTheNamedInstancesAndReportsTheMissing) {
  auto answer = api.ok("StartTask", {{"cluster", "prod"},
                                     {"taskDefinition", "web"},
                                     {"containerInstances", {instance_arn, "0123456789abcdef"}}});
  ASSERT_EQ(answer.at("tasks").as_array().size(), 1u);
  EXPECT_EQ(answer.at("tasks").at(0).at("containerInstanceArn").as_string(), instance_arn);
  EXPECT_EQ(answer.at("failures"),
            (json::array{{{"arn", "0123456789abcdef"}, {"reason", "MISSING"}}}));
  auto none = api.error(
      "StartTask",
      {{"cluster", "prod"}, {"taskDefinition", "web"}, {"containerInstances", json::array()}});
  EXPECT_EQ(none.type(), "InvalidParameterException");
  EXPECT_EQ(none.message(), "containerInstances must name between 1 and 10 instances.");
}

}  // namespace
}  // namespace gantry::api
