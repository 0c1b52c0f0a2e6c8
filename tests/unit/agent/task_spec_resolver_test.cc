#include "agent/task_spec_resolver.h"

#include <gtest/gtest.h>

#include "core/error.h"

namespace gantry::agent {
namespace {

namespace json = boost::json;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr const char* kArn = "arn:aws:ecs:us-east-1:123456789012:task/prod/0123456789abcdef";

json::object parse(const char* text) { return json::parse(text).as_object(); }

const json::object kNoOverrides;

json::object web_definition() {
  return parse(R"({
    "taskDefinitionArn": "arn:aws:ecs:us-east-1:123456789012:task-definition/web:7",
    "cpu": "512", "memory": "1024", "networkMode": "host",
    "containerDefinitions": [
      {"name": "app", "image": "nginx:1.25", "entryPoint": ["/docker-entrypoint.sh"],
       "command": ["nginx", "-g", "daemon off;"],
       "environment": [{"name": "MODE", "value": "prod"}, {"name": "PORT", "value": "80"}],
       "workingDirectory": "/srv", "user": "101:101",
       "ulimits": [{"name": "nofile", "softLimit": 1024, "hardLimit": 4096}],
       "memory": 512, "memoryReservation": 256, "cpu": 256,
       "dependsOn": [{"containerName": "init", "condition": "SUCCESS"}],
       "healthCheck": {"command": ["CMD-SHELL", "curl -f localhost"], "interval": 10,
                       "timeout": 2, "retries": 5, "startPeriod": 60},
       "stopTimeout": 12,
       "portMappings": [{"containerPort": 80}, {"containerPort": 53, "hostPort": 5353,
                                                "protocol": "udp"}]},
      {"name": "init", "image": "busybox", "essential": false}
    ]})");
}

TEST(TaskSpecResolver, ReadsEveryContainerMember) {
  const auto spec = resolve_task_spec(kArn, web_definition(), kNoOverrides);
  ASSERT_EQ(spec.containers.size(), 2u);
  const auto& app = spec.containers[0];
  EXPECT_EQ(app.name, "app");
  EXPECT_EQ(app.image, "nginx:1.25");
  EXPECT_EQ(app.entry_point, std::vector<std::string>{"/docker-entrypoint.sh"});
  EXPECT_EQ(app.command, (std::vector<std::string>{"nginx", "-g", "daemon off;"}));
  ASSERT_EQ(app.environment.size(), 2u);
  EXPECT_EQ(app.environment[0], (std::pair<std::string, std::string>{"MODE", "prod"}));
  EXPECT_EQ(app.working_directory, "/srv");
  EXPECT_EQ(app.user, "101:101");
  ASSERT_EQ(app.ulimits.size(), 1u);
  EXPECT_EQ(app.ulimits[0].name, "nofile");
  EXPECT_EQ(app.ulimits[0].soft_limit, 1024);
  EXPECT_EQ(app.ulimits[0].hard_limit, 4096);
  EXPECT_EQ(app.memory_mib, 512);
  EXPECT_EQ(app.memory_reservation_mib, 256);
  EXPECT_EQ(app.cpu_units, 256);
  EXPECT_TRUE(app.essential);
  ASSERT_EQ(app.depends_on.size(), 1u);
  EXPECT_EQ(app.depends_on[0].container_name, "init");
  EXPECT_EQ(app.depends_on[0].condition, "SUCCESS");
  ASSERT_TRUE(app.health_check);
  EXPECT_EQ(app.health_check->command,
            (std::vector<std::string>{"CMD-SHELL", "curl -f localhost"}));
  EXPECT_EQ(app.health_check->interval, seconds(10));
  EXPECT_EQ(app.health_check->timeout, seconds(2));
  EXPECT_EQ(app.health_check->retries, 5);
  EXPECT_EQ(app.health_check->start_period, seconds(60));
  EXPECT_EQ(app.stop_timeout, seconds(12));
  ASSERT_EQ(app.port_mappings.size(), 2u);
  EXPECT_EQ(app.port_mappings[0].container_port, 80);
  EXPECT_EQ(app.port_mappings[0].host_port, 0);
  EXPECT_EQ(app.port_mappings[0].protocol, "tcp");
  EXPECT_EQ(app.port_mappings[1].host_port, 5353);
  EXPECT_EQ(app.port_mappings[1].protocol, "udp");
  EXPECT_EQ(spec.network_mode, "host");
  EXPECT_FALSE(spec.containers[1].essential);
}

TEST(TaskSpecResolver, AppliesEcsDefaults) {
  const auto spec = resolve_task_spec(kArn, parse(R"({"family": "f", "revision": 1,
    "containerDefinitions": [{"name": "c", "image": "i",
      "healthCheck": {"command": ["CMD", "true"]}}]})"),
                                      kNoOverrides);
  const auto& c = spec.containers.at(0);
  EXPECT_TRUE(c.essential);
  EXPECT_EQ(c.stop_timeout, seconds(30));
  EXPECT_EQ(c.cpu_units, 0);
  EXPECT_FALSE(c.memory_mib);
  EXPECT_FALSE(c.memory_reservation_mib);
  ASSERT_TRUE(c.health_check);
  EXPECT_EQ(c.health_check->interval, seconds(30));
  EXPECT_EQ(c.health_check->timeout, seconds(5));
  EXPECT_EQ(c.health_check->retries, 3);
  EXPECT_EQ(c.health_check->start_period, milliseconds(0));
  EXPECT_FALSE(spec.cpu_units);
  EXPECT_FALSE(spec.memory_mib);
}

TEST(TaskSpecResolver, TakesIdentityFromTheArns) {
  const auto spec = resolve_task_spec(kArn, web_definition(), kNoOverrides);
  EXPECT_EQ(spec.task_arn, kArn);
  EXPECT_EQ(spec.task_id, "0123456789abcdef");
  EXPECT_EQ(spec.cluster, "prod");
  EXPECT_EQ(spec.family, "web");
  EXPECT_EQ(spec.revision, 7);

  // The older ARN form names no cluster.
  const auto old = resolve_task_spec("arn:aws:ecs:us-east-1:123456789012:task/abc",
                                     web_definition(), kNoOverrides);
  EXPECT_EQ(old.task_id, "abc");
  EXPECT_EQ(old.cluster, "");
}

TEST(TaskSpecResolver, FamilyAndRevisionMembersWinOverTheArn) {
  auto definition = web_definition();
  definition["family"] = "api";
  definition["revision"] = 3;
  const auto spec = resolve_task_spec(kArn, definition, kNoOverrides);
  EXPECT_EQ(spec.family, "api");
  EXPECT_EQ(spec.revision, 3);
}

TEST(TaskSpecResolver, ReadsTaskSizeStringForms) {
  auto definition = web_definition();
  EXPECT_EQ(resolve_task_spec(kArn, definition, kNoOverrides).cpu_units, 512);
  EXPECT_EQ(resolve_task_spec(kArn, definition, kNoOverrides).memory_mib, 1024);
  definition["cpu"] = "1 vCPU";
  definition["memory"] = "0.5GB";
  auto spec = resolve_task_spec(kArn, definition, kNoOverrides);
  EXPECT_EQ(spec.cpu_units, 1024);
  EXPECT_EQ(spec.memory_mib, 512);
  definition["cpu"] = "0.25 vcpu";
  definition["memory"] = "2 GB";
  spec = resolve_task_spec(kArn, definition, kNoOverrides);
  EXPECT_EQ(spec.cpu_units, 256);
  EXPECT_EQ(spec.memory_mib, 2048);
}

TEST(TaskSpecResolver, RefusesUnreadableTaskSizes) {
  auto definition = web_definition();
  definition["cpu"] = "lots";
  EXPECT_THROW(resolve_task_spec(kArn, definition, kNoOverrides), core::ApiError);
  definition = web_definition();
  definition["memory"] = "512MB";
  EXPECT_THROW(resolve_task_spec(kArn, definition, kNoOverrides), core::ApiError);
  definition = web_definition();
  definition["memory"] = 512;  // ECS sends strings
  EXPECT_THROW(resolve_task_spec(kArn, definition, kNoOverrides), core::ApiError);
}

TEST(TaskSpecResolver, MergesContainerOverrides) {
  const auto overrides = parse(R"({
    "cpu": "2 vCPU", "memory": "4GB",
    "containerOverrides": [{"name": "app", "command": ["nginx", "-T"],
      "environment": [{"name": "PORT", "value": "8080"}, {"name": "DEBUG", "value": "1"}],
      "cpu": 384, "memory": 768, "memoryReservation": 300,
      "environmentFiles": [{"value": "arn:aws:s3:::b/e.env", "type": "s3"}],
      "resourceRequirements": [{"value": "1", "type": "GPU"}]}]})");
  const auto spec = resolve_task_spec(kArn, web_definition(), overrides);
  EXPECT_EQ(spec.cpu_units, 2048);
  EXPECT_EQ(spec.memory_mib, 4096);
  const auto& app = spec.containers[0];
  EXPECT_EQ(app.command, (std::vector<std::string>{"nginx", "-T"}));
  using Env = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(app.environment, (Env{{"MODE", "prod"}, {"PORT", "8080"}, {"DEBUG", "1"}}));
  EXPECT_EQ(app.cpu_units, 384);
  EXPECT_EQ(app.memory_mib, 768);
  EXPECT_EQ(app.memory_reservation_mib, 300);
  // What the override does not name stays.
  EXPECT_EQ(app.image, "nginx:1.25");
  EXPECT_EQ(app.entry_point, std::vector<std::string>{"/docker-entrypoint.sh"});
  EXPECT_EQ(spec.containers[1].command, std::vector<std::string>{});
}

TEST(TaskSpecResolver, OverrideWithoutCommandKeepsTheDefinitions) {
  const auto spec = resolve_task_spec(
      kArn, web_definition(), parse(R"({"containerOverrides": [{"name": "app", "memory": 600}]})"));
  EXPECT_EQ(spec.containers[0].command, (std::vector<std::string>{"nginx", "-g", "daemon off;"}));
  EXPECT_EQ(spec.containers[0].memory_mib, 600);
  EXPECT_EQ(spec.containers[0].environment.size(), 2u);
  EXPECT_EQ(spec.cpu_units, 512);  // no task-level override
}

TEST(TaskSpecResolver, RefusesOverridesOfUnknownContainers) {
  EXPECT_THROW(resolve_task_spec(kArn, web_definition(),
                                 parse(R"({"containerOverrides": [{"name": "nope", "cpu": 1}]})")),
               core::ApiError);
}

TEST(TaskSpecResolver, RefusesMalformedDefinitions) {
  EXPECT_THROW(resolve_task_spec(kArn, parse(R"({"family": "f"})"), kNoOverrides), core::ApiError);
  EXPECT_THROW(
      resolve_task_spec(kArn, parse(R"({"containerDefinitions": [{"image": "i"}]})"), kNoOverrides),
      core::ApiError);
  EXPECT_THROW(resolve_task_spec(
                   kArn, parse(R"({"containerDefinitions": [{"name": "a", "memory": "512"}]})"),
                   kNoOverrides),
               core::ApiError);
  EXPECT_THROW(
      resolve_task_spec(kArn, parse(R"({"containerDefinitions": [{"name": "a"}, {"name": "a"}]})"),
                        kNoOverrides),
      core::ApiError);
  EXPECT_THROW(resolve_task_spec(kArn, parse(R"({"containerDefinitions": [{"name": "a",
                 "dependsOn": [{"containerName": "b", "condition": "START"}]}]})"),
                                 kNoOverrides),
               core::ApiError);
  EXPECT_THROW(resolve_task_spec(kArn, parse(R"({"containerDefinitions": [{"name": "a",
                 "healthCheck": {"command": []}}]})"),
                                 kNoOverrides),
               core::ApiError);
}

}  // namespace
}  // namespace gantry::agent
