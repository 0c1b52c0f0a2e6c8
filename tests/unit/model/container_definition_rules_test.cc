// The container rules of validate_task_definition that concern networking,
// references between containers, volumes, health checks and the per-container
// lists (secrets, environment, ulimits, resource requirements, logging).
#include <gtest/gtest.h>

#include <string>

#include "core/error.h"
#include "model/task_definition_rules.h"

namespace gantry::model {
namespace {

namespace json = boost::json;

json::object request_of(std::string_view text) { return json::parse(text).as_object(); }

json::object two_containers(std::string_view network_mode = "bridge") {
  auto r = request_of(R"({"family": "web", "containerDefinitions": [
      {"name": "app", "image": "nginx", "memory": 256},
      {"name": "db", "image": "postgres", "memory": 256}]})");
  r["networkMode"] = network_mode;
  return r;
}

json::object& container(json::object& request, std::size_t index = 0) {
  return request["containerDefinitions"].as_array()[index].as_object();
}

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

TEST(ContainerDefinitionRules, PortMappingsInBridgeModeAllowAnyHostPort) {
  auto r = two_containers("bridge");
  set(container(r), "portMappings", R"([{"containerPort": 80, "hostPort": 8080}, {"containerPort": 81}])");
  EXPECT_EQ(refusal(r), "");
  set(container(r), "portMappings", R"([{"containerPort": 0}])");
  EXPECT_EQ(refusal(r), "Invalid 'containerPort' setting for container 'app'.");
  set(container(r), "portMappings", R"([{"containerPort": 65536}])");
  EXPECT_EQ(refusal(r), "Invalid 'containerPort' setting for container 'app'.");
  set(container(r), "portMappings", R"([{"hostPort": 80}])");
  EXPECT_EQ(refusal(r), "Invalid 'containerPort' setting for container 'app'.");
  set(container(r), "portMappings", R"([{"containerPort": 80, "hostPort": 70000}])");
  EXPECT_EQ(refusal(r), "Invalid 'hostPort' setting for container 'app'.");
}

TEST(ContainerDefinitionRules, AwsvpcAndHostModesNeedMatchingPorts) {
  for (std::string mode : {"awsvpc", "host"}) {
    auto r = two_containers(mode);
    set(container(r), "portMappings", R"([{"containerPort": 80}, {"containerPort": 443, "hostPort": 443}])");
    EXPECT_EQ(refusal(r), "") << mode;
    set(container(r), "portMappings", R"([{"containerPort": 80, "hostPort": 8080}])");
    EXPECT_EQ(refusal(r), "When networkMode=" + mode + ", the host ports and container ports in port mappings must match.");
  }
}

TEST(ContainerDefinitionRules, NoPortMappingsWithoutANetwork) {
  auto r = two_containers("none");
  EXPECT_EQ(refusal(r), "");
  set(container(r), "portMappings", R"([{"containerPort": 80}])");
  EXPECT_EQ(refusal(r), "Port mappings are not supported when networkMode=none.");
}

TEST(ContainerDefinitionRules, AHostPortIsBoundOncePerProtocol) {
  auto r = two_containers("bridge");
  set(container(r), "portMappings", R"([{"containerPort": 80, "hostPort": 3000}])");
  set(container(r, 1), "portMappings", R"([{"containerPort": 81, "hostPort": 3000, "protocol": "udp"}])");
  EXPECT_EQ(refusal(r), "");
  set(container(r, 1), "portMappings", R"([{"containerPort": 81, "hostPort": 3000}])");
  EXPECT_EQ(refusal(r), "TCP host port '3000' is mapped multiple times in task.");
  // Dynamic host ports (0 or unset in bridge mode) never collide.
  set(container(r), "portMappings", R"([{"containerPort": 80, "hostPort": 0}])");
  set(container(r, 1), "portMappings", R"([{"containerPort": 80}])");
  EXPECT_EQ(refusal(r), "");
  // In awsvpc mode an unset hostPort is the containerPort.
  r["networkMode"] = "awsvpc";
  set(container(r), "portMappings", R"([{"containerPort": 80}])");
  EXPECT_EQ(refusal(r), "TCP host port '80' is mapped multiple times in task.");
}

TEST(ContainerDefinitionRules, ContainerPortRanges) {
  auto r = two_containers("bridge");
  set(container(r), "portMappings", R"([{"containerPortRange": "8000-8099"}])");
  EXPECT_EQ(refusal(r), "");
  set(container(r), "portMappings", R"([{"containerPortRange": "8099-8000"}])");
  EXPECT_NE(refusal(r).find("Invalid 'containerPortRange' setting for container 'app'"), std::string::npos);
  set(container(r), "portMappings", R"([{"containerPortRange": "8000-8099", "hostPort": 8000}])");
  EXPECT_NE(refusal(r).find("Invalid 'containerPortRange'"), std::string::npos);
}

TEST(ContainerDefinitionRules, LinksOnlyInBridgeModeAndToAnotherContainer) {
  auto r = two_containers("bridge");
  set(container(r), "links", R"(["db:database"])");
  EXPECT_EQ(refusal(r), "");
  set(container(r), "links", R"(["cache"])");
  EXPECT_NE(refusal(r).find("Invalid link 'cache' in container 'app'"), std::string::npos);
  set(container(r), "links", R"(["app"])");
  EXPECT_NE(refusal(r).find("Invalid link 'app'"), std::string::npos);
  set(container(r), "links", R"(["db"])");
  r["networkMode"] = "awsvpc";
  EXPECT_EQ(refusal(r), "Links are not supported when networkMode=awsvpc.");
  r["networkMode"] = "host";
  EXPECT_EQ(refusal(r), "Links are not supported when networkMode=host.");
}

TEST(ContainerDefinitionRules, HostnameAndExtraHostsNotInAwsvpc) {
  auto r = two_containers("bridge");
  container(r)["hostname"] = "web";
  EXPECT_EQ(refusal(r), "");
  r["networkMode"] = "awsvpc";
  EXPECT_EQ(refusal(r), "hostname is not supported on container when networkMode=awsvpc.");
  container(r).erase("hostname");
  set(container(r), "extraHosts", R"([{"hostname": "x", "ipAddress": "10.0.0.1"}])");
  EXPECT_EQ(refusal(r), "extraHosts is not supported on container when networkMode=awsvpc.");
}

TEST(ContainerDefinitionRules, DependsOn) {
  auto r = two_containers();
  container(r, 1)["essential"] = false;
  set(container(r), "dependsOn", R"([{"containerName": "db", "condition": "START"}])");
  EXPECT_EQ(refusal(r), "");
  set(container(r), "dependsOn", R"([{"containerName": "cache", "condition": "START"}])");
  EXPECT_EQ(refusal(r), "Cannot depend on container 'cache' because it does not exist.");
  set(container(r), "dependsOn", R"([{"containerName": "app", "condition": "START"}])");
  EXPECT_EQ(refusal(r), "Container 'app' cannot depend on itself.");
  set(container(r), "dependsOn", R"([{"containerName": "db", "condition": "SUCCESS"}])");
  EXPECT_EQ(refusal(r), "");
  container(r, 1)["essential"] = true;
  EXPECT_EQ(refusal(r), "A dependency container with SUCCESS or COMPLETE condition cannot be an essential container");
  set(container(r), "dependsOn", R"([{"containerName": "db", "condition": "HEALTHY"}])");
  EXPECT_NE(refusal(r).find("HEALTHY condition must have a health check"), std::string::npos);
  set(container(r, 1), "healthCheck", R"({"command": ["CMD", "pg_isready"]})");
  EXPECT_EQ(refusal(r), "");
}

TEST(ContainerDefinitionRules, DependencyCyclesAreRefused) {
  auto r = two_containers();
  set(container(r), "dependsOn", R"([{"containerName": "db", "condition": "START"}])");
  set(container(r, 1), "dependsOn", R"([{"containerName": "app", "condition": "START"}])");
  EXPECT_EQ(refusal(r), "Container dependencies form a cycle: app -> db -> app.");
}

TEST(ContainerDefinitionRules, VolumesAndMountPoints) {
  auto r = two_containers();
  set(r, "volumes", R"([{"name": "data", "host": {"sourcePath": "/srv/data"}}, {"name": "scratch"}])");
  set(container(r), "mountPoints", R"([{"sourceVolume": "data", "containerPath": "/data"}])");
  EXPECT_EQ(refusal(r), "");
  set(container(r), "mountPoints", R"([{"sourceVolume": "logs", "containerPath": "/logs"}])");
  EXPECT_EQ(refusal(r), "Unknown volume 'logs'.");
  set(container(r), "mountPoints", R"([{"containerPath": "/logs"}])");
  EXPECT_EQ(refusal(r), "Unknown volume 'null'.");
  container(r).erase("mountPoints");
  set(r, "volumes", R"([{"name": "data"}, {"name": "data"}])");
  EXPECT_EQ(refusal(r), "Volume names must be unique within a Task Definition.");
  set(r, "volumes", R"([{"name": "my data"}])");
  EXPECT_NE(refusal(r).find("Invalid volume name 'my data'"), std::string::npos);
}

TEST(ContainerDefinitionRules, EfsVolumes) {
  auto r = two_containers();
  set(r, "volumes", R"([{"name": "efs", "efsVolumeConfiguration": {"fileSystemId": "fs-1",
      "transitEncryption": "ENABLED", "authorizationConfig": {"iam": "ENABLED", "accessPointId": "fsap-1"}}}])");
  EXPECT_EQ(refusal(r), "");
  set(r, "volumes", R"([{"name": "efs", "efsVolumeConfiguration": {"fileSystemId": "fs-1",
      "authorizationConfig": {"iam": "ENABLED"}}}])");
  EXPECT_EQ(refusal(r), "Transit encryption must be enabled if Amazon EFS IAM authorization is used.");
  set(r, "volumes", R"([{"name": "efs", "efsVolumeConfiguration": {"fileSystemId": "fs-1",
      "rootDirectory": "/data", "authorizationConfig": {"accessPointId": "fsap-1"}}}])");
  EXPECT_NE(refusal(r).find("root directory must be omitted or set to '/'"), std::string::npos);
}

TEST(ContainerDefinitionRules, VolumesFromAnotherContainer) {
  auto r = two_containers();
  set(container(r), "volumesFrom", R"([{"sourceContainer": "db"}])");
  EXPECT_EQ(refusal(r), "");
  set(container(r), "volumesFrom", R"([{"sourceContainer": "app"}])");
  EXPECT_EQ(refusal(r), "Container 'app' cannot mount volumes from itself.");
  set(container(r), "volumesFrom", R"([{"sourceContainer": "cache"}])");
  EXPECT_EQ(refusal(r), "Container 'app' cannot mount volumes from container 'cache' because it does not exist.");
}

TEST(ContainerDefinitionRules, HealthCheck) {
  auto r = two_containers();
  set(container(r), "healthCheck", R"({"command": ["CMD-SHELL", "curl -f http://localhost/ || exit 1"],
      "interval": 5, "timeout": 60, "retries": 10, "startPeriod": 300})");
  EXPECT_EQ(refusal(r), "");
  set(container(r), "healthCheck", R"({"command": ["curl", "-f", "http://localhost/"]})");
  EXPECT_NE(refusal(r).find("must start with CMD or CMD-SHELL"), std::string::npos);
  set(container(r), "healthCheck", R"({"command": ["CMD"]})");
  EXPECT_NE(refusal(r).find("must start with CMD or CMD-SHELL"), std::string::npos);
  set(container(r), "healthCheck", R"({"command": ["CMD", "true"], "retries": 11})");
  EXPECT_EQ(refusal(r), "Health check retries must be less than or equal to the maximum allowed value 10 for container 'app'");
  set(container(r), "healthCheck", R"({"command": ["CMD", "true"], "interval": 4})");
  EXPECT_EQ(refusal(r), "Health check interval must be greater than or equal to the minimum allowed value 5 for container 'app'");
  set(container(r), "healthCheck", R"({"command": ["CMD", "true"], "timeout": 61})");
  EXPECT_NE(refusal(r).find("Health check timeout must be less than or equal to the maximum allowed value 60"), std::string::npos);
  set(container(r), "healthCheck", R"({"command": ["CMD", "true"], "startPeriod": 301})");
  EXPECT_NE(refusal(r).find("Health check startPeriod"), std::string::npos);
}

TEST(ContainerDefinitionRules, SecretsEnvironmentAndUlimits) {
  auto r = two_containers();
  set(container(r), "secrets", R"([{"name": "A", "valueFrom": "/a"}, {"name": "B", "valueFrom": "/b"}])");
  set(container(r), "environment", R"([{"name": "MODE", "value": "prod"}])");
  set(container(r), "ulimits", R"([{"name": "nofile", "softLimit": 1024, "hardLimit": 4096}])");
  EXPECT_EQ(refusal(r), "");
  set(container(r), "secrets", R"([{"name": "A", "valueFrom": "/a"}, {"name": "A", "valueFrom": "/b"}])");
  EXPECT_EQ(refusal(r), "Duplicate secret name 'A' in container 'app'.");
  container(r).erase("secrets");
  set(container(r), "environment", R"([{"value": "x"}])");
  EXPECT_NE(refusal(r).find("Invalid environment variable name '' in container 'app'"), std::string::npos);
  set(container(r), "environment", R"([{"name": "A=B", "value": "x"}])");
  EXPECT_NE(refusal(r).find("Invalid environment variable name 'A=B'"), std::string::npos);
  container(r).erase("environment");
  set(container(r), "ulimits", R"([{"name": "nofile", "softLimit": 1, "hardLimit": 2},
      {"name": "nofile", "softLimit": 1, "hardLimit": 2}])");
  EXPECT_EQ(refusal(r), "Duplicate ulimit name 'nofile' in container 'app'.");
}

TEST(ContainerDefinitionRules, ResourceRequirements) {
  auto r = two_containers();
  set(container(r), "resourceRequirements", R"([{"type": "GPU", "value": "2"}])");
  EXPECT_EQ(refusal(r), "");
  for (const char* bad : {"0", "-1", "1.5", "two", ""}) {
    container(r)["resourceRequirements"].as_array()[0].as_object()["value"] = bad;
    EXPECT_NE(refusal(r).find("Invalid GPU value"), std::string::npos) << bad;
  }
  set(container(r), "resourceRequirements", R"([{"type": "InferenceAccelerator", "value": "device_1"}])");
  EXPECT_NE(refusal(r).find("references inference accelerator 'device_1'"), std::string::npos);
  set(r, "inferenceAccelerators", R"([{"deviceName": "device_1", "deviceType": "eia2.medium"}])");
  EXPECT_EQ(refusal(r), "");
}

TEST(ContainerDefinitionRules, AwslogsNeedsGroupAndRegion) {
  auto r = two_containers();
  set(container(r), "logConfiguration", R"({"logDriver": "awslogs", "options": {"awslogs-group": "/ecs/web"}})");
  EXPECT_EQ(refusal(r), "Log driver awslogs requires options: awslogs-region");
  set(container(r), "logConfiguration", R"({"logDriver": "awslogs"})");
  EXPECT_EQ(refusal(r), "Log driver awslogs requires options: awslogs-region, awslogs-group");
  set(container(r), "logConfiguration",
      R"({"logDriver": "awslogs", "options": {"awslogs-group": "/ecs/web", "awslogs-region": "us-east-1"}})");
  EXPECT_EQ(refusal(r), "");
  set(container(r), "logConfiguration", R"({"logDriver": "json-file"})");
  EXPECT_EQ(refusal(r), "");
}

TEST(ContainerDefinitionRules, ProxyConfigurationNamesAContainer) {
  auto r = two_containers("awsvpc");
  set(r, "proxyConfiguration", R"({"type": "APPMESH", "containerName": "envoy"})");
  EXPECT_NE(refusal(r).find("proxy configuration names container 'envoy'"), std::string::npos);
  r["proxyConfiguration"].as_object()["containerName"] = "db";
  EXPECT_EQ(refusal(r), "");
}

}  // namespace
}  // namespace gantry::model
