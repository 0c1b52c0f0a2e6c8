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
};

struct TaskSpec {
  std::string task_arn;
  std::string task_id;  // the last segment of the ARN
  std::string cluster;
  std::string family;
  int64_t revision = 0;
  std::string network_mode = "bridge";  // bridge | host | awsvpc | none
  std::optional<int64_t> memory_mib;  // task-level hard limit
  std::optional<int64_t> cpu_units;
  std::vector<ContainerSpec> containers;
};

}  // namespace gantry::agent
