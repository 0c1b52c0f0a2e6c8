#pragma once
// For the service handler tests: cluster "prod" with the task definitions
// "web" (revisions 1 and 2, bridge networking) and "fg" (awsvpc, FARGATE).
#include <gtest/gtest.h>

#include <string>

#include "api_bodies.h"
#include "api_test_support.h"

namespace gantry::api::test_support {

class ServiceApiTest : public ::testing::Test {
 protected:
  static constexpr const char* kWebArn = "arn:aws:ecs:us-east-1:123456789012:service/prod/web";

  ServiceApiTest() {
    api.ok("CreateCluster", {{"clusterName", "prod"}});
    api.ok("RegisterTaskDefinition", test_bodies::task_definition("web"));
    api.ok("RegisterTaskDefinition", test_bodies::task_definition("web"));
    api.ok(
        "RegisterTaskDefinition",
        {{"family", "fg"},
         {"networkMode", "awsvpc"},
         {"requiresCompatibilities", {"FARGATE"}},
         {"cpu", "256"},
         {"memory", "512"},
         {"containerDefinitions", {{{"name", "app"}, {"image", "busybox"}, {"essential", true}}}}});
  }

  static boost::json::object awsvpc() {
    return {{"awsvpcConfiguration", {{"subnets", {"subnet-1"}}, {"assignPublicIp", "ENABLED"}}}};
  }

  // CreateService of `name` in "prod" running web:1, with `extra` members.
  boost::json::object create(const std::string& name, boost::json::object extra = {}) {
    extra["cluster"] = "prod";
    extra["serviceName"] = name;
    if (!extra.contains("taskDefinition")) extra["taskDefinition"] = "web:1";
    if (!extra.contains("desiredCount") && !extra.contains("schedulingStrategy")) {
      extra["desiredCount"] = 2;
    }
    return api.ok("CreateService", std::move(extra)).at("service").as_object();
  }
  core::ApiError create_error(boost::json::object body) {
    body["cluster"] = "prod";
    if (!body.contains("serviceName")) body["serviceName"] = "web";
    return api.error("CreateService", std::move(body));
  }
  boost::json::object update(boost::json::object body) {
    body["cluster"] = "prod";
    if (!body.contains("service")) body["service"] = "web";
    return api.ok("UpdateService", std::move(body)).at("service").as_object();
  }
  boost::json::object describe(const std::string& name, bool tags = false) {
    boost::json::object body{{"cluster", "prod"}, {"services", {name}}};
    if (tags) body["include"] = {"TAGS"};
    auto answer = api.ok("DescribeServices", std::move(body));
    if (answer.at("services").as_array().size() != 1) {
      ADD_FAILURE() << "no service " << name << ": " << boost::json::serialize(answer);
      return {};
    }
    return answer.at("services").at(0).as_object();
  }
  boost::json::array listed(boost::json::object filters = {}) {
    filters["cluster"] = "prod";
    return api.ok("ListServices", std::move(filters)).at("serviceArns").as_array();
  }

  HandlerHarness api;
};

}  // namespace gantry::api::test_support
