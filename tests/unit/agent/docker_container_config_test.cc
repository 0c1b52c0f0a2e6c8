#include "agent/drivers/docker_container_config.h"

#include <gtest/gtest.h>

#include <set>

#include "agent/driver.h"

namespace gantry::agent {
namespace {

namespace json = boost::json;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr int64_t kMiB = 1024 * 1024;

TaskSpec full_task() {
  TaskSpec task;
  task.task_arn = "arn:aws:ecs:us-east-1:123456789012:task/prod/abc123";
  task.task_id = "abc123";
  task.network_mode = "bridge";
  task.volumes = {
      VolumeSpec{
          .name = "logs", .kind = VolumeSpec::Kind::kHostPath, .source_path = "/var/log/app"},
      VolumeSpec{.name = "scratch"}};

  ContainerSpec c;
  c.name = "app";
  c.image = "nginx:1.25";
  c.entry_point = {"/entry.sh"};
  c.command = {"nginx", "-g", "daemon off;"};
  c.environment = {{"MODE", "prod"}};
  c.working_directory = "/srv";
  c.user = "101:101";
  c.ulimits = {Ulimit{"nofile", 1024, 4096}};
  c.memory_mib = 512;
  c.memory_reservation_mib = 256;
  c.cpu_units = 256;
  c.health_check =
      HealthCheckSpec{{"CMD-SHELL", "curl -f localhost"}, seconds(10), seconds(2), 5, seconds(60)};
  c.stop_timeout = seconds(12);
  c.port_mappings = {PortMapping{80, 8080, "tcp"}, PortMapping{53, 0, "udp"},
                     PortMapping{0, 9000, "tcp"}};
  c.mount_points = {MountPoint{"logs", "/logs", true}, MountPoint{"scratch", "/tmp/work", false}};
  c.volumes_from = {VolumeFrom{"sidecar", true}};
  c.linux_parameters.cap_add = {"NET_ADMIN"};
  c.linux_parameters.cap_drop = {"MKNOD"};
  c.linux_parameters.init_process_enabled = true;
  c.linux_parameters.shared_memory_mib = 128;
  c.linux_parameters.tmpfs = {Tmpfs{"/run", 64, {"noexec", "nosuid"}}};
  c.linux_parameters.devices = {Device{"/dev/fuse", "", {"mknod", "read"}}};
  c.privileged = true;
  c.readonly_root_filesystem = true;
  c.docker_labels = {{"tier", "web"}, {"com.gantry.task-arn", "spoofed"}};
  c.extra_hosts = {{"db", "10.0.0.5"}};
  c.dns_servers = {"10.0.0.2"};
  c.dns_search_domains = {"corp.example"};
  c.hostname = "web-1";
  c.gpu_ids = {"GPU-aaaa"};
  c.docker_security_options = {"no-new-privileges"};
  c.interactive = true;
  c.pseudo_terminal = true;
  task.containers = {c};
  return task;
}

DockerStartContext full_context() {
  DockerStartContext context;
  context.labels = {{"com.gantry.task-arn", "arn:aws:ecs:us-east-1:123456789012:task/prod/abc123"},
                    {"com.gantry.container-name", "app"}};
  context.extra_environment = {{"ECS_CONTAINER_METADATA_URI_V4", "http://169.254.170.2/v4/x"}};
  context.cgroup_parent = "/gantry/abc123";
  context.volumes = {ResolvedVolume{"logs", "/var/log/app", true},
                     ResolvedVolume{"scratch", "gantry-abc123-scratch", false}};
  context.container_ids = {{"sidecar", "f00d"}};
  return context;
}

std::set<std::string> keys(const json::object& o) {
  std::set<std::string> out;
  for (const auto& [k, v] : o) out.emplace(k);
  return out;
}

TEST(DockerContainerConfig, MapsEveryMember) {
  const auto task = full_task();
  const auto body = docker_create_body(task, task.containers[0], full_context());

  EXPECT_EQ(keys(body),
            (std::set<std::string>{"Image", "Entrypoint", "Cmd", "Env", "WorkingDir", "User",
                                   "Hostname", "Labels", "ExposedPorts", "Healthcheck",
                                   "StopTimeout", "OpenStdin", "Tty", "HostConfig"}));
  EXPECT_EQ(body.at("Image"), "nginx:1.25");
  EXPECT_EQ(body.at("Entrypoint"), json::parse(R"(["/entry.sh"])"));
  EXPECT_EQ(body.at("Cmd"), json::parse(R"(["nginx", "-g", "daemon off;"])"));
  EXPECT_EQ(
      body.at("Env"),
      json::parse(R"(["MODE=prod", "ECS_CONTAINER_METADATA_URI_V4=http://169.254.170.2/v4/x"])"));
  EXPECT_EQ(body.at("WorkingDir"), "/srv");
  EXPECT_EQ(body.at("User"), "101:101");
  EXPECT_EQ(body.at("Hostname"), "web-1");
  // gantry's own labels win over a dockerLabel of the same name.
  EXPECT_EQ(body.at("Labels"), json::parse(R"({"tier": "web",
      "com.gantry.task-arn": "arn:aws:ecs:us-east-1:123456789012:task/prod/abc123",
      "com.gantry.container-name": "app"})"));
  EXPECT_EQ(body.at("ExposedPorts"), json::parse(R"({"80/tcp": {}, "53/udp": {}})"));
  EXPECT_EQ(body.at("Healthcheck"), json::parse(R"({"Test": ["CMD-SHELL", "curl -f localhost"],
      "Interval": 10000000000, "Timeout": 2000000000, "StartPeriod": 60000000000, "Retries": 5})"));
  EXPECT_EQ(body.at("StopTimeout"), 12);
  EXPECT_EQ(body.at("OpenStdin"), true);
  EXPECT_EQ(body.at("Tty"), true);

  const auto& host = body.at("HostConfig").as_object();
  EXPECT_EQ(keys(host), (std::set<std::string>{
                            "NetworkMode",    "PortBindings",   "Memory",      "MemoryReservation",
                            "CpuShares",      "Ulimits",        "CapAdd",      "CapDrop",
                            "Init",           "ShmSize",        "Tmpfs",       "Devices",
                            "Privileged",     "ReadonlyRootfs", "ExtraHosts",  "Dns",
                            "DnsSearch",      "Mounts",         "VolumesFrom", "CgroupParent",
                            "DeviceRequests", "RestartPolicy",  "SecurityOpt"}));
  EXPECT_EQ(host.at("NetworkMode"), "bridge");
  EXPECT_EQ(host.at("PortBindings"), json::parse(R"({
      "80/tcp": [{"HostIp": "", "HostPort": "8080"}],
      "53/udp": [{"HostIp": "", "HostPort": ""}]})"));
  EXPECT_EQ(host.at("Memory"), 512 * kMiB);
  EXPECT_EQ(host.at("MemoryReservation"), 256 * kMiB);
  EXPECT_EQ(host.at("CpuShares"), 256);
  EXPECT_EQ(host.at("Ulimits"), json::parse(R"([{"Name": "nofile", "Soft": 1024, "Hard": 4096}])"));
  EXPECT_EQ(host.at("CapAdd"), json::parse(R"(["NET_ADMIN"])"));
  EXPECT_EQ(host.at("CapDrop"), json::parse(R"(["MKNOD"])"));
  EXPECT_EQ(host.at("Init"), true);
  EXPECT_EQ(host.at("ShmSize"), 128 * kMiB);
  EXPECT_EQ(host.at("Tmpfs"), json::parse(R"({"/run": "size=64m,noexec,nosuid"})"));
  EXPECT_EQ(host.at("Devices"), json::parse(R"([{"PathOnHost": "/dev/fuse",
      "PathInContainer": "/dev/fuse", "CgroupPermissions": "rm"}])"));
  EXPECT_EQ(host.at("Privileged"), true);
  EXPECT_EQ(host.at("ReadonlyRootfs"), true);
  EXPECT_EQ(host.at("ExtraHosts"), json::parse(R"(["db:10.0.0.5"])"));
  EXPECT_EQ(host.at("Dns"), json::parse(R"(["10.0.0.2"])"));
  EXPECT_EQ(host.at("DnsSearch"), json::parse(R"(["corp.example"])"));
  EXPECT_EQ(host.at("Mounts"), json::parse(R"([
      {"Type": "bind", "Source": "/var/log/app", "Target": "/logs", "ReadOnly": true},
      {"Type": "volume", "Source": "gantry-abc123-scratch", "Target": "/tmp/work",
       "ReadOnly": false}])"));
  EXPECT_EQ(host.at("VolumesFrom"), json::parse(R"(["f00d:ro"])"));
  EXPECT_EQ(host.at("CgroupParent"), "/gantry/abc123");
  EXPECT_EQ(host.at("DeviceRequests"), json::parse(R"([{"Driver": "nvidia",
      "DeviceIDs": ["GPU-aaaa"], "Capabilities": [["gpu"]]}])"));
  EXPECT_EQ(host.at("RestartPolicy"), json::parse(R"({"Name": "no"})"));
  EXPECT_EQ(host.at("SecurityOpt"), json::parse(R"(["no-new-privileges"])"));
}

TEST(DockerContainerConfig, LeavesImageDefaultsAndUnsetMembersOut) {
  TaskSpec task;
  task.task_id = "t";
  ContainerSpec c;
  c.name = "bare";
  c.image = "busybox";
  task.containers = {c};
  const auto body = docker_create_body(task, c, DockerStartContext{});
  EXPECT_EQ(keys(body),
            (std::set<std::string>{"Image", "Env", "Labels", "StopTimeout", "HostConfig"}));
  EXPECT_EQ(body.at("Env"), json::array{});
  EXPECT_EQ(body.at("Labels"), json::object{});
  EXPECT_EQ(body.at("StopTimeout"), 30);
  EXPECT_EQ(body.at("HostConfig"), json::parse(R"({"NetworkMode": "bridge", "CpuShares": 2,
      "Privileged": false, "ReadonlyRootfs": false, "RestartPolicy": {"Name": "no"}})"));
}

TEST(DockerContainerConfig, MapsNetworkModes) {
  auto task = full_task();
  auto context = full_context();
  const auto& c = task.containers[0];

  for (const char* mode : {"bridge", "default", ""}) {
    task.network_mode = mode;
    EXPECT_EQ(docker_create_body(task, c, context).at("HostConfig").at("NetworkMode"), "bridge")
        << mode;
  }

  task.network_mode = "host";
  auto body = docker_create_body(task, c, context);
  EXPECT_EQ(body.at("HostConfig").at("NetworkMode"), "host");
  EXPECT_FALSE(body.contains("Hostname"));
  EXPECT_FALSE(body.at("HostConfig").as_object().contains("PortBindings"));
  EXPECT_EQ(body.at("ExposedPorts"), json::parse(R"({"80/tcp": {}, "53/udp": {}})"));
  EXPECT_EQ(body.at("HostConfig").at("Dns"), json::parse(R"(["10.0.0.2"])"));

  task.network_mode = "none";
  body = docker_create_body(task, c, context);
  EXPECT_EQ(body.at("HostConfig").at("NetworkMode"), "none");
  EXPECT_EQ(body.at("Hostname"), "web-1");
  EXPECT_FALSE(body.at("HostConfig").as_object().contains("PortBindings"));

  // Docker refuses hostname, DNS, extra hosts and ports when joining another
  // container's network namespace.
  task.network_mode = "awsvpc";
  context.network_container_id = "pause01";
  body = docker_create_body(task, c, context);
  const auto& host = body.at("HostConfig").as_object();
  EXPECT_EQ(host.at("NetworkMode"), "container:pause01");
  EXPECT_FALSE(body.contains("Hostname"));
  EXPECT_FALSE(body.contains("ExposedPorts"));
  for (const char* key : {"PortBindings", "Dns", "DnsSearch", "ExtraHosts"}) {
    EXPECT_FALSE(host.contains(key)) << key;
  }
}

TEST(DockerContainerConfig, RefusesNetworksItCannotSetUp) {
  auto task = full_task();
  auto context = full_context();
  task.network_mode = "awsvpc";
  EXPECT_THROW(docker_create_body(task, task.containers[0], context), DriverError);
  task.network_mode = "nat";
  try {
    docker_create_body(task, task.containers[0], context);
    FAIL() << "nat was accepted";
  } catch (const DriverError& e) {
    EXPECT_EQ(std::string(e.what()).rfind("CannotStartContainerError: ", 0), 0u) << e.what();
  }
}

TEST(DockerContainerConfig, BindsFixedAndDynamicHostPorts) {
  auto task = full_task();
  auto& c = task.containers[0];
  // Two host ports for one container port go to the same key.
  c.port_mappings = {PortMapping{80, 8080, "tcp"}, PortMapping{80, 0, "tcp"},
                     PortMapping{443, 443, ""}};
  const auto body = docker_create_body(task, c, full_context());
  EXPECT_EQ(body.at("HostConfig").at("PortBindings"), json::parse(R"({
      "80/tcp": [{"HostIp": "", "HostPort": "8080"}, {"HostIp": "", "HostPort": ""}],
      "443/tcp": [{"HostIp": "", "HostPort": "443"}]})"));
  EXPECT_EQ(body.at("ExposedPorts"), json::parse(R"({"80/tcp": {}, "443/tcp": {}})"));
}

TEST(DockerContainerConfig, ClampsCpuSharesAsTheEcsAgentDoes) {
  auto task = full_task();
  auto& c = task.containers[0];
  c.cpu_units = 1;
  EXPECT_EQ(docker_create_body(task, c, full_context()).at("HostConfig").at("CpuShares"), 2);
  c.cpu_units = 1'000'000;
  EXPECT_EQ(docker_create_body(task, c, full_context()).at("HostConfig").at("CpuShares"), 262144);
  c.cpu_units = 0;  // no cpu: the minimum, not Docker's default of 1024
  EXPECT_EQ(docker_create_body(task, c, full_context()).at("HostConfig").at("CpuShares"), 2);
}

TEST(DockerContainerConfig, WritesTmpfsAndDeviceOptions) {
  auto task = full_task();
  auto& p = task.containers[0].linux_parameters;
  p.tmpfs = {Tmpfs{"/a", 0, {"ro"}}, Tmpfs{"/b", 0, {}}, Tmpfs{"/c", 16, {}}};
  p.devices = {Device{"/dev/a", "/dev/x", {}}, Device{"/dev/b", "", {"write", "read", "mknod"}}};
  const auto host = docker_create_body(task, task.containers[0], full_context()).at("HostConfig");
  EXPECT_EQ(host.at("Tmpfs"), json::parse(R"({"/a": "ro", "/b": "", "/c": "size=16m"})"));
  EXPECT_EQ(host.at("Devices"), json::parse(R"([
      {"PathOnHost": "/dev/a", "PathInContainer": "/dev/x", "CgroupPermissions": "rwm"},
      {"PathOnHost": "/dev/b", "PathInContainer": "/dev/b", "CgroupPermissions": "rwm"}])"));
}

TEST(DockerContainerConfig, RefusesUnresolvedMountsAndVolumesFrom) {
  auto task = full_task();
  auto context = full_context();
  context.volumes.pop_back();  // "scratch"
  EXPECT_THROW(docker_create_body(task, task.containers[0], context), DriverError);
  context = full_context();
  context.container_ids.clear();
  EXPECT_THROW(docker_create_body(task, task.containers[0], context), DriverError);
}

TEST(DockerContainerConfig, OmitsGpuRequestWithoutGpus) {
  auto task = full_task();
  task.containers[0].gpu_ids.clear();
  const auto host = docker_create_body(task, task.containers[0], full_context()).at("HostConfig");
  EXPECT_FALSE(host.as_object().contains("DeviceRequests"));
}

TEST(DockerContainerConfig, ResolvesEachVolumeKind) {
  TaskSpec task;
  task.task_id = "abc123";
  using Kind = VolumeSpec::Kind;
  task.volumes = {
      VolumeSpec{.name = "scratch"},
      VolumeSpec{.name = "work", .kind = Kind::kDocker, .scope = "task"},
      VolumeSpec{.name = "cache", .kind = Kind::kDocker, .scope = "shared", .autoprovision = true},
      VolumeSpec{.name = "logs", .kind = Kind::kHostPath, .source_path = "/var/log/app"},
      VolumeSpec{.name = "data",
                 .kind = Kind::kEfs,
                 .file_system_id = "fs-1",
                 .root_directory = "/exports/./data/"},
      VolumeSpec{.name = "root", .kind = Kind::kEfs, .file_system_id = "fs-2"}};
  const auto volumes =
      resolve_volumes(task, {{"fs-1", "/mnt/efs/fs-1/"}, {"fs-2", "/mnt/efs/fs-2"}});
  ASSERT_EQ(volumes.size(), 6u);
  const auto expect = [&](size_t i, const char* name, const char* source, bool bind) {
    EXPECT_EQ(volumes[i].name, name) << i;
    EXPECT_EQ(volumes[i].source, source) << i;
    EXPECT_EQ(volumes[i].bind, bind) << i;
  };
  expect(0, "scratch", "gantry-abc123-scratch", false);
  expect(1, "work", "gantry-abc123-work", false);
  expect(2, "cache", "cache", false);
  expect(3, "logs", "/var/log/app", true);
  expect(4, "data", "/mnt/efs/fs-1/exports/data", true);
  expect(5, "root", "/mnt/efs/fs-2", true);
}

TEST(DockerContainerConfig, RefusesEfsItCannotReach) {
  TaskSpec task;
  task.task_id = "t";
  task.volumes = {
      VolumeSpec{.name = "data", .kind = VolumeSpec::Kind::kEfs, .file_system_id = "fs-404"}};
  try {
    resolve_volumes(task, {{"fs-1", "/mnt/efs/fs-1"}});
    FAIL() << "an unconfigured file system was accepted";
  } catch (const DriverError& e) {
    EXPECT_EQ(std::string(e.what()),
              "CannotStartContainerError: EFS file system 'fs-404' of volume 'data' is not "
              "configured on this instance");
  }

  for (const char* root : {"/../etc", "/a/../../b", "..", "/a/.."}) {
    task.volumes[0].file_system_id = "fs-1";
    task.volumes[0].root_directory = root;
    EXPECT_THROW(resolve_volumes(task, {{"fs-1", "/mnt/efs/fs-1"}}), DriverError) << root;
  }
  // ".." inside a name is not a parent step.
  task.volumes[0].root_directory = "/a..b";
  EXPECT_EQ(resolve_volumes(task, {{"fs-1", "/mnt/efs/fs-1"}})[0].source, "/mnt/efs/fs-1/a..b");
}

}  // namespace
}  // namespace gantry::agent
