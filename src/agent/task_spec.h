#pragma once
// What the agent runs: a task definition with the task's overrides already
// applied, reduced to what a driver and the task runner act on. The agent
// builds it from the desired task the control plane pushes
// (resolve_task_spec); the drivers never see ECS JSON.
#include <boost/json.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "agent/logs/awslogs_options.h"

namespace gantry::agent {

struct Ulimit {
  std::string name;  // ECS names: core, cpu, data, fsize, locks, memlock, msgqueue, nice,
                     // nofile, nproc, rss, rtprio, rttime, sigpending, stack
  int64_t soft_limit = 0;
  int64_t hard_limit = 0;
};

// dependsOn: START, COMPLETE, SUCCESS or HEALTHY.
struct ContainerDependency {
  std::string container_name;
  std::string condition;
};

// A container healthCheck. `command` is ECS's form: ["CMD", argv...] or
// ["CMD-SHELL", "shell line"].
struct HealthCheckSpec {
  std::vector<std::string> command;
  std::chrono::milliseconds interval{30'000};
  std::chrono::milliseconds timeout{5'000};
  int retries = 3;
  std::chrono::milliseconds start_period{0};
};

// A portMappings entry. host_port 0: none given (dynamic in bridge mode).
struct PortMapping {
  int container_port = 0;
  int host_port = 0;
  std::string protocol = "tcp";
};

// A task definition volume. Which kind is decided by the member present:
// host.sourcePath, dockerVolumeConfiguration, efsVolumeConfiguration, or
// none of them (a Docker volume that lives as long as the task).
struct VolumeSpec {
  enum class Kind { kTaskScratch, kHostPath, kDocker, kEfs };
  std::string name;
  Kind kind = Kind::kTaskScratch;
  std::string source_path;  // kHostPath
  // kDocker: scope "task" (created and removed with the task) or "shared"
  // (named as the volume, kept; created when autoprovision is set).
  std::string scope = "task";
  bool autoprovision = false;
  std::string driver;
  std::vector<std::pair<std::string, std::string>> driver_opts;
  std::vector<std::pair<std::string, std::string>> labels;
  // kEfs: the file system's directory comes from the agent's configuration.
  std::string file_system_id;
  std::string root_directory = "/";
};

struct MountPoint {
  std::string source_volume;
  std::string container_path;
  bool read_only = false;
};

struct VolumeFrom {
  std::string source_container;
  bool read_only = false;
};

// restartPolicy: restart the container in place when it exits, unless the
// exit code is ignored or it last (re)started less than attempt_period ago.
struct RestartPolicy {
  bool enabled = false;
  std::vector<int> ignored_exit_codes;
  std::chrono::seconds attempt_period{300};
};

struct Tmpfs {
  std::string container_path;
  int64_t size_mib = 0;
  std::vector<std::string> mount_options;
};

struct Device {
  std::string host_path;
  std::string container_path;  // empty: the host path
  std::vector<std::string> permissions;  // read, write, mknod
};

struct LinuxParameters {
  std::vector<std::string> cap_add;
  std::vector<std::string> cap_drop;
  bool init_process_enabled = false;
  std::optional<int64_t> shared_memory_mib;
  std::vector<Tmpfs> tmpfs;
  std::vector<Device> devices;
};

struct ContainerSpec {
  std::string name;
  std::string image;
  std::vector<std::string> entry_point;
  std::vector<std::string> command;
  std::vector<std::pair<std::string, std::string>> environment;
  std::string working_directory;
  std::string user;  // "uid", "uid:gid", "name" or "name:group"
  std::vector<Ulimit> ulimits;
  std::optional<int64_t> memory_mib;              // hard limit
  std::optional<int64_t> memory_reservation_mib;  // soft limit
  int64_t cpu_units = 0;
  bool essential = true;
  std::vector<ContainerDependency> depends_on;
  std::optional<HealthCheckSpec> health_check;
  std::chrono::milliseconds stop_timeout{30'000};
  std::vector<PortMapping> port_mappings;
  std::vector<MountPoint> mount_points;
  std::vector<VolumeFrom> volumes_from;
  LinuxParameters linux_parameters;
  bool privileged = false;
  bool readonly_root_filesystem = false;
  std::vector<std::pair<std::string, std::string>> docker_labels;
  std::vector<std::pair<std::string, std::string>> extra_hosts;  // hostname, ip
  std::vector<std::string> dns_servers;
  std::vector<std::string> dns_search_domains;
  std::string hostname;
  std::optional<RestartPolicy> restart_policy;
  // repositoryCredentials.credentialsParameter: a key of the agent's
  // registry secrets file.
  std::string registry_credentials;
  std::vector<std::string> gpu_ids;  // assigned by the control plane
  // dockerSecurityOptions, passed to the runtime as given
  // ("no-new-privileges", "label:...", "apparmor:...").
  std::vector<std::string> docker_security_options;
  bool interactive = false;     // keep stdin open
  bool pseudo_terminal = false;  // allocate a TTY
  // logConfiguration with the awslogs driver: the agent ships the output.
  std::optional<AwslogsOptions> awslogs;
};

struct TaskSpec {
  std::string task_arn;
  std::string task_id;  // the last segment of the ARN
  std::string cluster;
  std::string container_instance_arn;  // the agent's own, set when it takes the task
  std::string family;
  int64_t revision = 0;
  std::string network_mode = "bridge";  // bridge | host | awsvpc | none
  std::optional<int64_t> memory_mib;  // task-level hard limit
  std::optional<int64_t> cpu_units;
  std::vector<VolumeSpec> volumes;
  std::vector<ContainerSpec> containers;
};

}  // namespace gantry::agent
