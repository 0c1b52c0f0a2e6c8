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

json::object storage_definition() {
  return parse(R"({"family": "s", "revision": 1,
    "volumes": [
      {"name": "scratch"},
      {"name": "picked", "host": {}},
      {"name": "logs", "host": {"sourcePath": "/var/log/app"}},
      {"name": "cache", "dockerVolumeConfiguration": {"scope": "shared", "autoprovision": true,
        "driver": "local", "driverOpts": {"type": "tmpfs", "device": "tmpfs"},
        "labels": {"team": "web"}}},
      {"name": "work", "dockerVolumeConfiguration": {}},
      {"name": "data", "efsVolumeConfiguration": {"fileSystemId": "fs-1234",
        "rootDirectory": "/exports/data"}},
      {"name": "efsroot", "efsVolumeConfiguration": {"fileSystemId": "fs-9"}}],
    "containerDefinitions": [
      {"name": "app", "image": "i",
       "mountPoints": [{"sourceVolume": "logs", "containerPath": "/logs", "readOnly": true},
                       {"sourceVolume": "cache", "containerPath": "/cache"}],
       "volumesFrom": [{"sourceContainer": "sidecar", "readOnly": true},
                       {"sourceContainer": "init"}]},
      {"name": "sidecar", "image": "i"},
      {"name": "init", "image": "i"}]})");
}

TEST(TaskSpecResolver, ReadsEachVolumeKind) {
  const auto spec = resolve_task_spec(kArn, storage_definition(), kNoOverrides);
  ASSERT_EQ(spec.volumes.size(), 7u);
  using Kind = VolumeSpec::Kind;
  using Pairs = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(spec.volumes[0].name, "scratch");
  EXPECT_EQ(spec.volumes[0].kind, Kind::kTaskScratch);
  EXPECT_EQ(spec.volumes[1].kind, Kind::kTaskScratch);  // host without a sourcePath
  EXPECT_EQ(spec.volumes[2].kind, Kind::kHostPath);
  EXPECT_EQ(spec.volumes[2].source_path, "/var/log/app");
  const auto& cache = spec.volumes[3];
  EXPECT_EQ(cache.kind, Kind::kDocker);
  EXPECT_EQ(cache.scope, "shared");
  EXPECT_TRUE(cache.autoprovision);
  EXPECT_EQ(cache.driver, "local");
  EXPECT_EQ(cache.driver_opts, (Pairs{{"type", "tmpfs"}, {"device", "tmpfs"}}));
  EXPECT_EQ(cache.labels, (Pairs{{"team", "web"}}));
  EXPECT_EQ(spec.volumes[4].kind, Kind::kDocker);
  EXPECT_EQ(spec.volumes[4].scope, "task");
  EXPECT_FALSE(spec.volumes[4].autoprovision);
  EXPECT_EQ(spec.volumes[5].kind, Kind::kEfs);
  EXPECT_EQ(spec.volumes[5].file_system_id, "fs-1234");
  EXPECT_EQ(spec.volumes[5].root_directory, "/exports/data");
  EXPECT_EQ(spec.volumes[6].root_directory, "/");
}

TEST(TaskSpecResolver, ReadsMountPointsAndVolumesFrom) {
  const auto spec = resolve_task_spec(kArn, storage_definition(), kNoOverrides);
  const auto& app = spec.containers.at(0);
  ASSERT_EQ(app.mount_points.size(), 2u);
  EXPECT_EQ(app.mount_points[0].source_volume, "logs");
  EXPECT_EQ(app.mount_points[0].container_path, "/logs");
  EXPECT_TRUE(app.mount_points[0].read_only);
  EXPECT_EQ(app.mount_points[1].source_volume, "cache");
  EXPECT_FALSE(app.mount_points[1].read_only);
  ASSERT_EQ(app.volumes_from.size(), 2u);
  EXPECT_EQ(app.volumes_from[0].source_container, "sidecar");
  EXPECT_TRUE(app.volumes_from[0].read_only);
  EXPECT_EQ(app.volumes_from[1].source_container, "init");
  EXPECT_FALSE(app.volumes_from[1].read_only);
  EXPECT_TRUE(spec.containers[1].mount_points.empty());
}

TEST(TaskSpecResolver, ReadsLinuxParameters) {
  const auto spec = resolve_task_spec(kArn, parse(R"({"containerDefinitions": [{"name": "c",
    "linuxParameters": {"capabilities": {"add": ["NET_ADMIN", "SYS_TIME"], "drop": ["MKNOD"]},
      "initProcessEnabled": true, "sharedMemorySize": 128,
      "tmpfs": [{"containerPath": "/run", "size": 64, "mountOptions": ["noexec", "nosuid"]}],
      "devices": [{"hostPath": "/dev/fuse", "containerPath": "/dev/f",
                   "permissions": ["read", "write"]}, {"hostPath": "/dev/kvm"}]}}]})"),
                                      kNoOverrides);
  const auto& p = spec.containers.at(0).linux_parameters;
  EXPECT_EQ(p.cap_add, (std::vector<std::string>{"NET_ADMIN", "SYS_TIME"}));
  EXPECT_EQ(p.cap_drop, std::vector<std::string>{"MKNOD"});
  EXPECT_TRUE(p.init_process_enabled);
  EXPECT_EQ(p.shared_memory_mib, 128);
  ASSERT_EQ(p.tmpfs.size(), 1u);
  EXPECT_EQ(p.tmpfs[0].container_path, "/run");
  EXPECT_EQ(p.tmpfs[0].size_mib, 64);
  EXPECT_EQ(p.tmpfs[0].mount_options, (std::vector<std::string>{"noexec", "nosuid"}));
  ASSERT_EQ(p.devices.size(), 2u);
  EXPECT_EQ(p.devices[0].host_path, "/dev/fuse");
  EXPECT_EQ(p.devices[0].container_path, "/dev/f");
  EXPECT_EQ(p.devices[0].permissions, (std::vector<std::string>{"read", "write"}));
  EXPECT_EQ(p.devices[1].container_path, "");
  EXPECT_TRUE(p.devices[1].permissions.empty());
}

TEST(TaskSpecResolver, ReadsRuntimeMembers) {
  const auto spec = resolve_task_spec(kArn, parse(R"({"containerDefinitions": [{"name": "c",
    "privileged": true, "readonlyRootFilesystem": true,
    "dockerLabels": {"com.example.tier": "web", "owner": "ops"},
    "extraHosts": [{"hostname": "db", "ipAddress": "10.0.0.5"}],
    "dnsServers": ["10.0.0.2", "1.1.1.1"], "dnsSearchDomains": ["corp.example"],
    "hostname": "web-1",
    "restartPolicy": {"enabled": true, "ignoredExitCodes": [0, 143],
                      "restartAttemptPeriod": 120},
    "repositoryCredentials": {"credentialsParameter": "private-registry"},
    "dockerSecurityOptions": ["no-new-privileges"], "interactive": true,
    "pseudoTerminal": true}]})"),
                                      kNoOverrides);
  const auto& c = spec.containers.at(0);
  using Pairs = std::vector<std::pair<std::string, std::string>>;
  EXPECT_TRUE(c.privileged);
  EXPECT_TRUE(c.readonly_root_filesystem);
  EXPECT_EQ(c.docker_labels, (Pairs{{"com.example.tier", "web"}, {"owner", "ops"}}));
  EXPECT_EQ(c.extra_hosts, (Pairs{{"db", "10.0.0.5"}}));
  EXPECT_EQ(c.dns_servers, (std::vector<std::string>{"10.0.0.2", "1.1.1.1"}));
  EXPECT_EQ(c.dns_search_domains, std::vector<std::string>{"corp.example"});
  EXPECT_EQ(c.hostname, "web-1");
  ASSERT_TRUE(c.restart_policy);
  EXPECT_TRUE(c.restart_policy->enabled);
  EXPECT_EQ(c.restart_policy->ignored_exit_codes, (std::vector<int>{0, 143}));
  EXPECT_EQ(c.restart_policy->attempt_period, seconds(120));
  EXPECT_EQ(c.registry_credentials, "private-registry");
  EXPECT_EQ(c.docker_security_options, std::vector<std::string>{"no-new-privileges"});
  EXPECT_TRUE(c.interactive);
  EXPECT_TRUE(c.pseudo_terminal);
}

TEST(TaskSpecResolver, RuntimeMembersDefaultToOff) {
  const auto spec = resolve_task_spec(kArn, parse(R"({"containerDefinitions": [{"name": "c",
    "restartPolicy": {"enabled": false}}]})"),
                                      kNoOverrides);
  const auto& c = spec.containers.at(0);
  EXPECT_FALSE(c.privileged);
  EXPECT_FALSE(c.readonly_root_filesystem);
  EXPECT_FALSE(c.linux_parameters.init_process_enabled);
  EXPECT_FALSE(c.linux_parameters.shared_memory_mib);
  EXPECT_TRUE(c.docker_labels.empty());
  EXPECT_EQ(c.hostname, "");
  EXPECT_EQ(c.registry_credentials, "");
  ASSERT_TRUE(c.restart_policy);
  EXPECT_FALSE(c.restart_policy->enabled);
  EXPECT_EQ(c.restart_policy->attempt_period, seconds(300));
  EXPECT_TRUE(c.gpu_ids.empty());
  EXPECT_TRUE(spec.volumes.empty());
  // No restartPolicy member: none.
  EXPECT_FALSE(
      resolve_task_spec(kArn, web_definition(), kNoOverrides).containers[0].restart_policy);
}

TEST(TaskSpecResolver, CopiesAssignedGpuIds) {
  const auto spec =
      resolve_task_spec(kArn, web_definition(), kNoOverrides, {{"app", {"GPU-aaaa", "GPU-bbbb"}}});
  EXPECT_EQ(spec.containers[0].gpu_ids, (std::vector<std::string>{"GPU-aaaa", "GPU-bbbb"}));
  EXPECT_TRUE(spec.containers[1].gpu_ids.empty());
  EXPECT_THROW(resolve_task_spec(kArn, web_definition(), kNoOverrides, {{"ghost", {"GPU-a"}}}),
               core::ApiError);
}

// The message of the ApiError resolving `definition` throws.
std::string refusal(const json::object& definition) {
  try {
    resolve_task_spec(kArn, definition, kNoOverrides);
  } catch (const core::ApiError& e) {
    EXPECT_EQ(e.type(), "InvalidParameterException");
    return e.message();
  }
  ADD_FAILURE() << "resolve_task_spec accepted " << json::serialize(definition);
  return "";
}

TEST(TaskSpecResolver, RefusesMountsOfUnknownVolumes) {
  auto definition = storage_definition();
  definition["containerDefinitions"].as_array()[0].as_object()["mountPoints"] =
      json::array{json::object{{"sourceVolume", "nope"}, {"containerPath", "/x"}}};
  EXPECT_EQ(refusal(definition),
            "Container 'app' mounts volume 'nope', which the task definition does not have.");
}

TEST(TaskSpecResolver, RefusesVolumesFromUnknownContainers) {
  auto definition = storage_definition();
  definition["containerDefinitions"].as_array()[0].as_object()["volumesFrom"] =
      json::array{json::object{{"sourceContainer", "ghost"}}};
  EXPECT_EQ(refusal(definition),
            "Container 'app' takes volumes from 'ghost', which the task definition does not have.");
  definition["containerDefinitions"].as_array()[0].as_object()["volumesFrom"] =
      json::array{json::object{{"sourceContainer", "app"}}};
  EXPECT_EQ(refusal(definition), "Container 'app' cannot take volumes from itself.");
}

TEST(TaskSpecResolver, RefusesVolumesWithTwoKinds) {
  EXPECT_EQ(refusal(parse(R"({"volumes": [{"name": "v", "host": {"sourcePath": "/a"},
              "efsVolumeConfiguration": {"fileSystemId": "fs-1"}}],
              "containerDefinitions": [{"name": "c"}]})")),
            "Volume 'v' may have only one of host, dockerVolumeConfiguration and "
            "efsVolumeConfiguration.");
  EXPECT_NE(refusal(parse(R"({"volumes": [{"name": "v", "host": {},
              "dockerVolumeConfiguration": {}}], "containerDefinitions": [{"name": "c"}]})")),
            "");
}

TEST(TaskSpecResolver, RefusesMalformedVolumes) {
  EXPECT_NE(
      refusal(parse(R"({"volumes": [{"host": {}}], "containerDefinitions": [{"name": "c"}]})"))
          .find("needs a name"),
      std::string::npos);
  EXPECT_EQ(refusal(parse(R"({"volumes": [{"name": "v"}, {"name": "v"}],
              "containerDefinitions": [{"name": "c"}]})")),
            "Volume name 'v' is used twice.");
  EXPECT_NE(refusal(parse(R"({"volumes": [{"name": "v", "host": {"sourcePath": "rel/dir"}}],
              "containerDefinitions": [{"name": "c"}]})"))
                .find("absolute"),
            std::string::npos);
  EXPECT_NE(refusal(parse(R"({"volumes": [{"name": "v",
              "dockerVolumeConfiguration": {"scope": "global"}}],
              "containerDefinitions": [{"name": "c"}]})"))
                .find("scope 'global'"),
            std::string::npos);
  EXPECT_NE(refusal(parse(R"({"volumes": [{"name": "v", "efsVolumeConfiguration": {}}],
              "containerDefinitions": [{"name": "c"}]})"))
                .find("fileSystemId"),
            std::string::npos);
  EXPECT_NE(refusal(parse(R"({"volumes": [{"name": "v",
              "fsxWindowsFileServerVolumeConfiguration": {"fileSystemId": "fs-1"}}],
              "containerDefinitions": [{"name": "c"}]})"))
                .find("not supported"),
            std::string::npos);
}

TEST(TaskSpecResolver, RefusesNegativeSizes) {
  EXPECT_EQ(refusal(parse(R"({"containerDefinitions": [{"name": "c", "linuxParameters":
              {"tmpfs": [{"containerPath": "/run", "size": -1}]}}]})")),
            "Container 'c': tmpfs '/run' has a negative size.");
  EXPECT_NE(refusal(parse(R"({"containerDefinitions": [{"name": "c", "linuxParameters":
              {"sharedMemorySize": -64}}]})"))
                .find("sharedMemorySize"),
            std::string::npos);
  EXPECT_NE(refusal(parse(R"({"containerDefinitions": [{"name": "c",
              "restartPolicy": {"enabled": true, "restartAttemptPeriod": -5}}]})"))
                .find("restartAttemptPeriod"),
            std::string::npos);
}

TEST(TaskSpecResolver, RefusesMalformedRuntimeMembers) {
  EXPECT_NE(refusal(parse(R"({"containerDefinitions": [{"name": "c",
              "dockerLabels": {"a": 1}}]})"))
                .find("dockerLabels"),
            std::string::npos);
  EXPECT_NE(refusal(parse(R"({"containerDefinitions": [{"name": "c",
              "linuxParameters": {"devices": [{"hostPath": "/dev/a",
                                               "permissions": ["exec"]}]}}]})"))
                .find("'exec'"),
            std::string::npos);
  EXPECT_NE(refusal(parse(R"({"containerDefinitions": [{"name": "c",
              "linuxParameters": {"devices": [{"containerPath": "/dev/a"}]}}]})"))
                .find("hostPath"),
            std::string::npos);
  EXPECT_NE(refusal(parse(R"({"containerDefinitions": [{"name": "c",
              "extraHosts": [{"hostname": "db"}]}]})"))
                .find("ipAddress"),
            std::string::npos);
  EXPECT_NE(refusal(parse(R"({"containerDefinitions": [{"name": "c",
              "restartPolicy": {"enabled": true, "ignoredExitCodes": ["1"]}}]})"))
                .find("ignoredExitCodes"),
            std::string::npos);
  EXPECT_NE(refusal(parse(R"({"containerDefinitions": [{"name": "c",
              "linuxParameters": "yes"}]})"))
                .find("linuxParameters"),
            std::string::npos);
  EXPECT_NE(refusal(parse(R"({"volumes": [{"name": "v"}], "containerDefinitions": [{"name": "c",
              "mountPoints": [{"sourceVolume": "v"}]}]})"))
                .find("containerPath"),
            std::string::npos);
}

}  // namespace
}  // namespace gantry::agent
