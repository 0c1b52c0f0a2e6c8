// StopServiceDeployment (api/service_deployments.cc, ecs/service_commands.h):
// which service deployments may be stopped, and what they read as once the
// request is recorded (the service scheduler, not run here, carries it out).
#include <gtest/gtest.h>

#include "service_api_fixture.h"

namespace gantry::api {
namespace {

namespace json = boost::json;
using test_support::ServiceApiTest;

class StopServiceDeploymentTest : public ServiceApiTest {
 protected:
  // "web" at web:1, then rolling out web:2: the ARNs of both deployments.
  void roll() {
    auto first = create("web");
    api.clock().advance(std::chrono::seconds(1));
    auto updated = update({{"taskDefinition", "web:2"}});
    old_arn_ = arn_of(first);
    new_arn_ = arn_of(updated);
  }
  static std::string arn_of(const json::object& service) {
    std::string id(service.at("deployments").at(0).at("id").as_string());
    return "arn:aws:ecs:us-east-1:123456789012:service-deployment/prod/web/" +
           id.substr(id.find('/') + 1);
  }
  json::object described(const std::string& arn) {
    auto answer = api.ok("DescribeServiceDeployments", {{"serviceDeploymentArns", {arn}}});
    return answer.at("serviceDeployments").at(0).as_object();
  }
  json::object stop(const std::string& arn, json::object extra = {}) {
    extra["serviceDeploymentArn"] = arn;
    return api.ok("StopServiceDeployment", std::move(extra));
  }

  std::string old_arn_, new_arn_;
};

TEST_F(StopServiceDeploymentTest, ARollbackIsRequestedAndAnswersTheArn) {
  roll();
  EXPECT_EQ(described(new_arn_).at("status"), "IN_PROGRESS");
  EXPECT_EQ(stop(new_arn_), (json::object{{"serviceDeploymentArn", new_arn_}}));
  auto deployment = described(new_arn_);
  EXPECT_EQ(deployment.at("status"), "ROLLBACK_REQUESTED");
  EXPECT_EQ(deployment.at("statusReason"),
            "A StopServiceDeployment request asked to stop this service deployment.");
  EXPECT_FALSE(deployment.contains("finishedAt"));
  // ECS's default stopType is ROLLBACK; a second request lets the first go on.
  EXPECT_EQ(stop(new_arn_, {{"stopType", "ROLLBACK"}}).at("serviceDeploymentArn"),
            json::value(new_arn_));
  EXPECT_EQ(described(new_arn_).at("status"), "ROLLBACK_REQUESTED");
  // The service itself is unchanged until the scheduler acts.
  EXPECT_EQ(describe("web").at("taskDefinition"),
            "arn:aws:ecs:us-east-1:123456789012:task-definition/web:2");
}

TEST_F(StopServiceDeploymentTest, AnAbortIsStopRequested) {
  roll();
  stop(new_arn_, {{"stopType", "ABORT"}});
  EXPECT_EQ(described(new_arn_).at("status"), "STOP_REQUESTED");
  auto listed = api.ok("ListServiceDeployments",
                       {{"cluster", "prod"}, {"service", "web"}, {"status", {"STOP_REQUESTED"}}});
  ASSERT_EQ(listed.at("serviceDeployments").as_array().size(), 1u);
  EXPECT_EQ(listed.at("serviceDeployments").at(0).at("serviceDeploymentArn"),
            json::value(new_arn_));
}

TEST_F(StopServiceDeploymentTest, AFinishedDeploymentIsAConflict) {
  roll();
  ASSERT_EQ(described(old_arn_).at("status"),
            "STOPPED");  // superseded before it completed
  auto error = api.error("StopServiceDeployment", {{"serviceDeploymentArn", old_arn_}});
  EXPECT_EQ(error.type(), "ConflictException");
  EXPECT_NE(error.message().find("STOPPED"), std::string::npos) << error.message();
}

TEST_F(StopServiceDeploymentTest, AnUnknownDeploymentIsNotFound) {
  create("web");
  for (const std::string arn :
       {"arn:aws:ecs:us-east-1:123456789012:service-deployment/prod/web/1",
        "arn:aws:ecs:us-east-1:123456789012:service-deployment/prod/nope/1",
        "arn:aws:ecs:us-east-1:123456789012:service-deployment/other/web/1"}) {
    auto error = api.error("StopServiceDeployment", {{"serviceDeploymentArn", arn}});
    EXPECT_EQ(error.type(), "ServiceDeploymentNotFoundException") << arn;
  }
  // (An unknown stopType is the schema's to refuse, before any handler.)
  auto error = api.error("StopServiceDeployment", {{"serviceDeploymentArn", "not-an-arn"}});
  EXPECT_EQ(error.type(), "InvalidParameterException");
}

}  // namespace
}  // namespace gantry::api
