// validate_task_definition for definitions that require FARGATE (and
// MANAGED_INSTANCES): what Fargate needs and what it does not support.
#include <gtest/gtest.h>

#include <string>

#include "core/error.h"
#include "model/fargate_rules.h"
#include "model/task_definition_rules.h"

namespace gantry::model {
namespace {

namespace json = boost::json;

json::object fargate_request() {
  return json::parse(R"({"family": "web", "requiresCompatibilities": ["FARGATE"], "networkMode": "awsvpc",
      "cpu": "256", "memory": "512",
      "containerDefinitions": [{"name": "app", "image": "nginx"}]})")
      .as_object();
}

json::object& app(json::object& request) { return request["containerDefinitions"].as_array()[0].as_object(); }

void set(json::object& object, std::string_view key, std::string_view json_text) {
  object[key] = json::parse(json_text);
}

std::string refusal(const json::object& request) {
  try {
    validate_task_definition(request);
  } catch (const core::ApiError& e) {
    EXPECT_EQ(e.type(), "ClientException") << e.message();
    return e.message();
  }
  return "";
}

TEST(FargateRules, AcceptsAValidFargateDefinition) { EXPECT_EQ(refusal(fargate_request()), ""); }

TEST(FargateRules, NeedsAwsvpc) {
  auto r = fargate_request();
  r["networkMode"] = "bridge";
  EXPECT_EQ(refusal(r), "Fargate only supports network mode \u2018awsvpc\u2019.");
  r.erase("networkMode");  // bridge by default
  EXPECT_EQ(refusal(r), "Fargate only supports network mode \u2018awsvpc\u2019.");
}

TEST(FargateRules, NeedsTaskCpuAndMemory) {
  auto r = fargate_request();
  r.erase("cpu");
  EXPECT_EQ(refusal(r), "Fargate requires that 'cpu' be defined at the task level.");
  r = fargate_request();
  r.erase("memory");
  app(r)["memory"] = 512;  // container memory does not stand in for the task's
  EXPECT_EQ(refusal(r), "Fargate requires that 'memory' be defined at the task level.");
}

TEST(FargateRules, NeedsAFargateSize) {
  auto r = fargate_request();
  r["memory"] = "8192";
  EXPECT_EQ(refusal(r),
            "No Fargate configuration exists for given values: 256 CPU, 8192 memory. See the Amazon ECS "
            "documentation for the valid values.");
  r["cpu"] = "1 vCPU";  // units are read before the lookup
  r["memory"] = "8 GB";
  EXPECT_EQ(refusal(r), "");
  r["cpu"] = "512";
  r["memory"] = "1 GB";
  set(r, "runtimePlatform", R"({"operatingSystemFamily": "WINDOWS_SERVER_2022_CORE"})");
  EXPECT_NE(refusal(r).find("512 CPU, 1024 memory"), std::string::npos);  // Windows needs 1 vCPU
}

TEST(FargateRules, RefusesWhatFargateDoesNotSupport) {
  struct Case {
    const char* member;
    const char* value;
    const char* message;
  };
  const Case container_cases[] = {
      {"privileged", "true", "Fargate compatible task definitions do not support privileged."},
      {"dnsServers", R"(["10.0.0.2"])", "Fargate compatible task definitions do not support dnsServers."},
      {"dockerSecurityOptions", R"(["no-new-privileges"])",
       "Fargate compatible task definitions do not support dockerSecurityOptions."},
      {"linuxParameters", R"({"sharedMemorySize": 64})",
       "Fargate compatible task definitions do not support sharedMemorySize."},
      {"linuxParameters", R"({"devices": [{"hostPath": "/dev/fuse"}]})",
       "Fargate compatible task definitions do not support devices."},
      {"resourceRequirements", R"([{"type": "GPU", "value": "1"}])",
       "Fargate compatible task definitions do not support GPU resource requirements."},
      {"logConfiguration", R"({"logDriver": "json-file"})",
       "Fargate compatible task definitions do not support log driver 'json-file'. The log drivers "
       "available on Fargate are awslogs, splunk and awsfirelens."},
  };
  for (const auto& c : container_cases) {
    auto r = fargate_request();
    set(app(r), c.member, c.value);
    EXPECT_EQ(refusal(r), c.message) << c.member;
  }
  const Case task_cases[] = {
      {"ipcMode", R"("task")", "Fargate compatible task definitions do not support ipcMode."},
      {"placementConstraints", R"([{"type": "memberOf", "expression": "attribute:x == y"}])",
       "Fargate compatible task definitions do not support placementConstraints."},
      {"volumes", R"([{"name": "data", "host": {"sourcePath": "/srv"}}])",
       "Fargate compatible task definitions do not support sourcePath."},
      {"volumes", R"([{"name": "data", "dockerVolumeConfiguration": {"scope": "task"}}])",
       "Fargate compatible task definitions do not support dockerVolumeConfiguration."},
  };
  for (const auto& c : task_cases) {
    auto r = fargate_request();
    set(r, c.member, c.value);
    EXPECT_EQ(refusal(r), c.message) << c.member;
  }
  auto r = fargate_request();
  r["pidMode"] = "task";
  EXPECT_EQ(refusal(r), "");
  r["pidMode"] = "host";
  EXPECT_NE(refusal(r).find("pidMode 'host'"), std::string::npos);
}

TEST(FargateRules, AwslogsAndEcrImagesNeedAnExecutionRole) {
  auto r = fargate_request();
  set(app(r), "logConfiguration",
      R"({"logDriver": "awslogs", "options": {"awslogs-group": "/ecs/web", "awslogs-region": "us-east-1"}})");
  EXPECT_EQ(refusal(r), "Fargate requires task definition to have execution role ARN to support log driver awslogs.");
  r["executionRoleArn"] = "arn:aws:iam::123456789012:role/ecsTaskExecutionRole";
  EXPECT_EQ(refusal(r), "");

  r = fargate_request();
  app(r)["image"] = "123456789012.dkr.ecr.us-east-1.amazonaws.com/web:1";
  EXPECT_EQ(refusal(r), "Fargate requires task definition to have execution role ARN to support ECR images.");
}

TEST(FargateRules, StopTimeoutAtMost120Seconds) {
  auto r = fargate_request();
  app(r)["stopTimeout"] = 120;
  EXPECT_EQ(refusal(r), "");
  app(r)["stopTimeout"] = 121;
  EXPECT_NE(refusal(r).find("stopTimeout of at most 120 seconds"), std::string::npos);
}

TEST(FargateRules, TheSameFeaturesAreFineOnEc2) {
  auto r = fargate_request();
  r["requiresCompatibilities"] = json::array{"EC2"};
  r["networkMode"] = "bridge";
  r["memory"] = "8192";
  app(r)["privileged"] = true;
  EXPECT_EQ(refusal(r), "");
  EXPECT_TRUE(fargate_incompatibility(r).has_value());
}

TEST(ManagedInstancesRules, NeedAwsvpcOrHost) {
  auto r = fargate_request();
  r["requiresCompatibilities"] = json::array{"MANAGED_INSTANCES"};
  EXPECT_EQ(refusal(r), "");
  r["networkMode"] = "host";
  EXPECT_EQ(refusal(r), "");
  r["networkMode"] = "bridge";
  EXPECT_NE(refusal(r).find("Managed Instances requires networkMode 'awsvpc' or 'host'"), std::string::npos);
}

}  // namespace
}  // namespace gantry::model
