// compute_compatibilities and compute_requires_attributes, checked against
// what ECS returned for comparable definitions.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "model/task_definition_rules.h"

namespace gantry::model {
namespace {

namespace json = boost::json;

json::object request_of(std::string_view text) { return json::parse(text).as_object(); }

std::vector<std::string> strings(const json::array& values) {
  std::vector<std::string> out;
  for (const auto& v : values) out.emplace_back(v.as_string());
  return out;
}

std::vector<std::string> attribute_names(const json::object& request) {
  std::vector<std::string> names;
  for (const auto& attribute : compute_requires_attributes(request)) {
    const auto& object = attribute.as_object();
    EXPECT_EQ(object.size(), 1u);  // only "name", as ECS returns them
    names.emplace_back(object.at("name").as_string());
  }
  return names;
}

using Names = std::vector<std::string>;

TEST(Compatibilities, BridgeDefinitionIsEc2Only) {
  const auto r = request_of(R"({"family": "web", "containerDefinitions": [
      {"name": "app", "image": "nginx", "memory": 512}]})");
  EXPECT_EQ(strings(compute_compatibilities(r)), Names({"EC2"}));
}

TEST(Compatibilities, AwsvpcWithAFargateSizeIsFargateCompatibleWithoutAsking) {
  auto r = request_of(R"({"family": "web", "networkMode": "awsvpc", "cpu": "256", "memory": "512",
      "containerDefinitions": [{"name": "app", "image": "nginx"}]})");
  EXPECT_EQ(strings(compute_compatibilities(r)), Names({"EC2", "MANAGED_INSTANCES", "FARGATE"}));
  r["memory"] = "4096";  // not a Fargate size for 256 CPU
  EXPECT_EQ(strings(compute_compatibilities(r)), Names({"EC2", "MANAGED_INSTANCES"}));
  r["memory"] = "512";
  r["containerDefinitions"].as_array()[0].as_object()["privileged"] = true;
  EXPECT_EQ(strings(compute_compatibilities(r)), Names({"EC2", "MANAGED_INSTANCES"}));
}

TEST(Compatibilities, RequiredLaunchTypesAreListed) {
  auto r = request_of(R"({"family": "web", "requiresCompatibilities": ["FARGATE"], "networkMode": "awsvpc",
      "cpu": "1024", "memory": "2048", "containerDefinitions": [{"name": "app", "image": "nginx"}]})");
  EXPECT_EQ(strings(compute_compatibilities(r)), Names({"EC2", "MANAGED_INSTANCES", "FARGATE"}));
  r = request_of(R"({"family": "web", "requiresCompatibilities": ["EXTERNAL"],
      "containerDefinitions": [{"name": "app", "image": "nginx", "memory": 64}]})");
  EXPECT_EQ(strings(compute_compatibilities(r)), Names({"EXTERNAL", "EC2"}));
  r["networkMode"] = "host";
  EXPECT_EQ(strings(compute_compatibilities(r)), Names({"EXTERNAL", "EC2", "MANAGED_INSTANCES"}));
  r["runtimePlatform"] = json::parse(R"({"operatingSystemFamily": "WINDOWS_SERVER_2022_CORE"})");
  EXPECT_EQ(strings(compute_compatibilities(r)), Names({"EXTERNAL", "EC2"}));
}

TEST(RequiresAttributes, PlainBridgeDefinitionNeedsNothing) {
  const auto r = request_of(R"({"family": "web", "containerDefinitions": [
      {"name": "app", "image": "nginx", "memory": 512, "portMappings": [{"containerPort": 80}]}]})");
  EXPECT_EQ(attribute_names(r), Names{});
}

// A definition like one ECS described (Fargate, ECR, awslogs, SSM secrets,
// dependsOn): ECS returned the same set of names, in another order.
TEST(RequiresAttributes, RealisticFargateDefinition) {
  const auto r = request_of(R"({
    "family": "shop", "networkMode": "awsvpc", "requiresCompatibilities": ["FARGATE"],
    "cpu": "512", "memory": "1024",
    "taskRoleArn": "arn:aws:iam::123456789012:role/shop-task",
    "executionRoleArn": "arn:aws:iam::123456789012:role/shop-execution",
    "containerDefinitions": [
      {"name": "web", "image": "123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/web:1",
       "essential": true, "portMappings": [{"containerPort": 80}],
       "dependsOn": [{"containerName": "app", "condition": "START"}],
       "logConfiguration": {"logDriver": "awslogs", "options": {
         "awslogs-group": "/ecs/shop", "awslogs-region": "ap-northeast-1", "awslogs-stream-prefix": "web"}}},
      {"name": "app", "image": "123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/app:1",
       "essential": true, "portMappings": [{"containerPort": 8000}],
       "secrets": [{"name": "DB_PASSWORD",
                    "valueFrom": "arn:aws:ssm:ap-northeast-1:123456789012:parameter/shop/db-password"}],
       "logConfiguration": {"logDriver": "awslogs", "options": {
         "awslogs-group": "/ecs/shop", "awslogs-region": "ap-northeast-1", "awslogs-stream-prefix": "app"}}}
    ]})");
  EXPECT_EQ(attribute_names(r), Names({
                                    "com.amazonaws.ecs.capability.logging-driver.awslogs",
                                    "ecs.capability.execution-role-awslogs",
                                    "com.amazonaws.ecs.capability.ecr-auth",
                                    "ecs.capability.execution-role-ecr-pull",
                                    "com.amazonaws.ecs.capability.task-iam-role",
                                    "com.amazonaws.ecs.capability.docker-remote-api.1.18",
                                    "com.amazonaws.ecs.capability.docker-remote-api.1.19",
                                    "ecs.capability.container-ordering",
                                    "ecs.capability.secrets.ssm.environment-variables",
                                    "ecs.capability.task-eni",
                                }));
}

TEST(RequiresAttributes, HealthChecksReservationsAndSecretsManager) {
  const auto r = request_of(R"({"family": "web", "containerDefinitions": [
      {"name": "app", "image": "nginx", "memoryReservation": 128,
       "healthCheck": {"command": ["CMD", "true"]},
       "secrets": [{"name": "TOKEN", "valueFrom": "arn:aws:secretsmanager:us-east-1:123456789012:secret:token"}],
       "repositoryCredentials": {"credentialsParameter": "arn:aws:secretsmanager:us-east-1:123456789012:secret:hub"},
       "dockerSecurityOptions": ["label:type:container_t"],
       "linuxParameters": {"tmpfs": [{"containerPath": "/run", "size": 64}], "initProcessEnabled": true},
       "privileged": true}]})");
  EXPECT_EQ(attribute_names(r), Names({
                                    "com.amazonaws.ecs.capability.docker-remote-api.1.21",
                                    "com.amazonaws.ecs.capability.docker-remote-api.1.22",
                                    "com.amazonaws.ecs.capability.docker-remote-api.1.25",
                                    "com.amazonaws.ecs.capability.docker-remote-api.1.29",
                                    "ecs.capability.container-health-check",
                                    "ecs.capability.secrets.asm.environment-variables",
                                    "ecs.capability.private-registry-authentication.secretsmanager",
                                    "com.amazonaws.ecs.capability.privileged-container",
                                    "com.amazonaws.ecs.capability.selinux",
                                }));
}

TEST(RequiresAttributes, VolumesProxyAndHostNetworkRole) {
  const auto r = request_of(R"({"family": "web", "networkMode": "host",
      "taskRoleArn": "arn:aws:iam::123456789012:role/web", "pidMode": "task",
      "proxyConfiguration": {"type": "APPMESH", "containerName": "app"},
      "volumes": [{"name": "efs", "efsVolumeConfiguration": {"fileSystemId": "fs-1",
                    "transitEncryption": "ENABLED", "authorizationConfig": {"iam": "ENABLED"}}},
                  {"name": "shared", "dockerVolumeConfiguration": {"scope": "shared", "driver": "rexray/ebs"}},
                  {"name": "scratch", "dockerVolumeConfiguration": {"scope": "task"}}],
      "containerDefinitions": [{"name": "app", "image": "nginx", "memory": 64,
                                "logConfiguration": {"logDriver": "fluentd"}},
                               {"name": "router", "image": "fluent-bit", "memory": 64,
                                "firelensConfiguration": {"type": "fluentbit"},
                                "logConfiguration": {"logDriver": "fluentd"}}]})");
  EXPECT_EQ(attribute_names(r), Names({
                                    "com.amazonaws.ecs.capability.logging-driver.fluentd",
                                    "com.amazonaws.ecs.capability.task-iam-role-network-host",
                                    "ecs.capability.firelens.fluentbit",
                                    "ecs.capability.efsAuth",
                                    "ecs.capability.efs",
                                    "ecs.capability.docker-plugin.rexray/ebs",
                                    "ecs.capability.docker-plugin.local",
                                    "ecs.capability.aws-appmesh",
                                    "ecs.capability.pid-ipc-namespace-sharing",
                                }));
}

}  // namespace
}  // namespace gantry::model
