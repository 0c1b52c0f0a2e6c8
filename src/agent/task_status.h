#pragma once
// What a task runner reports and the agent persists: the agent's view of a
// task and its containers (PENDING, RUNNING, STOPPED; the control plane
// derives the rest of ECS's lifecycle), with the driver handles that let a
// restarted agent reattach.
#include <boost/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "agent/driver.h"
#include "agent/task_spec.h"

namespace gantry::agent {

inline constexpr const char* kStatusPending = "PENDING";
inline constexpr const char* kStatusRunning = "RUNNING";
inline constexpr const char* kStatusStopped = "STOPPED";

inline constexpr const char* kHealthUnknown = "UNKNOWN";
inline constexpr const char* kHealthHealthy = "HEALTHY";
inline constexpr const char* kHealthUnhealthy = "UNHEALTHY";

struct ContainerStatus {
  std::string name;
  std::string runtime_id;
  std::string last_status = kStatusPending;  // PENDING | RUNNING | STOPPED
  std::optional<int> exit_code;
  std::string reason;
  std::string health_status = kHealthUnknown;  // UNKNOWN | HEALTHY | UNHEALTHY
  std::optional<ContainerHandle> handle;
  std::vector<NetworkBinding> network_bindings;
  // Epoch seconds of the first start and of the last restart (restartPolicy).
  std::optional<double> started_at, restarted_at;
  int restart_count = 0;
};

struct TaskStatus {
  std::string task_arn;
  std::string last_status = kStatusPending;  // PENDING | RUNNING | STOPPED
  std::string health_status = kHealthUnknown;
  std::string stopped_reason;  // e.g. "Essential container in task exited"
  bool stopped_by_request = false;
  // Epoch seconds.
  std::optional<double> pull_started_at, pull_stopped_at, execution_stopped_at, started_at;
  std::vector<ContainerStatus> containers;
};

// camelCase members as ECS names them (taskArn, lastStatus, exitCode, ...);
// absent optionals are left out. The handle is {"runtimeId", "state"}.
boost::json::object to_json(const TaskStatus& status);

// ECS's NetworkBinding shape: bindIP, containerPort, hostPort, protocol.
boost::json::array network_bindings_to_json(const std::vector<NetworkBinding>& bindings);

// Throws std::runtime_error when a member has the wrong type, taskArn or a
// container name is missing, or a status is not one of the values above.
TaskStatus task_status_from_json(const boost::json::object& json);

// ECS's rule for a task's health: UNHEALTHY when any essential container
// with a health check is UNHEALTHY; HEALTHY when every essential container
// with a health check is HEALTHY; UNKNOWN otherwise, and when no essential
// container has a health check. Containers are matched to `spec` by name.
std::string task_health_status(const TaskSpec& spec,
                               const std::vector<ContainerStatus>& containers);

}  // namespace gantry::agent
