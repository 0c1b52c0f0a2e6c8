#pragma once
// For the task handler tests: cluster "prod" with one instance (1024 CPU
// units, 512 MiB) and the task definition "web" (one 128 MiB container).
#include <gtest/gtest.h>

#include <string>

#include "api_bodies.h"
#include "api_test_support.h"

namespace gantry::api::test_support {

class TaskApiTest : public ::testing::Test {
 protected:
  static constexpr int kInstanceMemory = 512;
  static constexpr int kTaskMemory = 128;

  TaskApiTest() {
    api.ok("CreateCluster", {{"clusterName", "prod"}});
    auto registered =
        api.ok("RegisterContainerInstance", test_bodies::instance("prod", 1024, kInstanceMemory));
    instance_arn = registered.at("containerInstance").at("containerInstanceArn").as_string();
    api.ok("RegisterTaskDefinition", test_bodies::task_definition("web", kTaskMemory));
  }

  // RunTask of "web" in "prod", with `extra` members; the answer.
  boost::json::object run(boost::json::object extra = {}) {
    extra["cluster"] = "prod";
    if (!extra.contains("taskDefinition")) extra["taskDefinition"] = "web";
    return api.ok("RunTask", std::move(extra));
  }
  // The ARN of one task RunTask placed.
  std::string run_one(boost::json::object extra = {}) {
    auto answer = run(std::move(extra));
    if (answer.at("tasks").as_array().size() != 1) {
      ADD_FAILURE() << "RunTask placed no task: " << boost::json::serialize(answer);
      return "";
    }
    return std::string(answer.at("tasks").at(0).at("taskArn").as_string());
  }
  boost::json::object describe(const std::string& task_arn) {
    auto answer = api.ok("DescribeTasks", {{"cluster", "prod"}, {"tasks", {task_arn}}});
    if (answer.at("tasks").as_array().size() != 1) {
      ADD_FAILURE() << "no task " << task_arn << ": " << boost::json::serialize(answer);
      return {};
    }
    return answer.at("tasks").at(0).as_object();
  }
  boost::json::array listed(boost::json::object filters = {}) {
    filters["cluster"] = "prod";
    return api.ok("ListTasks", std::move(filters)).at("taskArns").as_array();
  }

  HandlerHarness api;
  std::string instance_arn;
};

}  // namespace gantry::api::test_support
