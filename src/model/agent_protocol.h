#pragma once
// The agent channel's messages (a WebSocket at kAgentChannelPath, opened
// by the agent with a SigV4-signed upgrade request naming its cluster and
// container instance).
//
// server -> agent: {"type": "desiredTasks", "complete", "taskDefinitions":
//                   {arn: definition}, "tasks": [{"taskArn", "desiredStatus",
//                   "taskDefinitionArn", "overrides", "gpuIds"}], "removedTasks"}
//   complete: the whole set of tasks the instance should run or stop, sent
//   on connect (level-triggered: it is all the agent needs). Otherwise only
//   what changed since: new tasks, tasks now desired STOPPED, and the ARNs
//   of tasks that left the set. A definition (immutable under its ARN) goes
//   once per channel: the agent keeps those it was sent until it reconnects.
// agent -> server: {"type": "taskStates", "reports": [SubmitTaskStateChange
//                   request bodies]}
//   many tasks' states in one message, for agents that run many tasks at
//   once (the hollow fleet); a real agent uses SubmitTaskStateChange.
// agent -> server: {"type": "health", "taskArn", "healthStatus",
//                   "containers": [{"name", "healthStatus"}]}
//   health, which the public Submit*StateChange operations cannot carry.
// agent -> server: {"type": "stats", "sampledAt", "tasks": [{"taskArn",
//                   "containers": [{"name", "runtimeId", "cpuPercent",
//                                   "memoryBytes", "memoryLimitBytes"}]}]}
//   every kStatsInterval, the CPU and memory of the instance's running
//   containers (ECS sends these over its telemetry channel).
// agent -> server: {"type": "gpuHealth", ...} (model/gpu_health.h)
//   every GPU's health, on each change and on connect.
// agent -> server: {"type": "taskAddress", "taskArn", "privateIPv4Address"}
//   an awsvpc task's address once its network namespace exists (ECS learns
//   it from the ENI it attached; the public API has no member for it).
#include <boost/json.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace gantry::model {

inline constexpr std::string_view kAgentChannelPath = "/v1/agent";
// How often an agent reports stats; the control plane forgets a task's
// stats after three intervals without a report.
inline constexpr std::chrono::seconds kStatsInterval{5};

struct DesiredTask {
  std::string task_arn;
  std::string desired_status;  // RUNNING | STOPPED
  // Shared by the tasks of one message that name the same definition.
  std::shared_ptr<const boost::json::object> task_definition;
  boost::json::object overrides;
  // The GPU ids placement reserved, by container name (absent: none).
  std::map<std::string, std::vector<std::string>> gpu_ids;
};

struct DesiredTasks {
  bool complete = true;
  std::vector<DesiredTask> tasks;
  std::vector<std::string> removed;  // ARNs; only when not complete
};

struct HealthReport {
  std::string task_arn;
  std::string health_status;
  std::vector<std::pair<std::string, std::string>> containers;  // name, healthStatus
};

// One container's resource use, as `docker stats` computes it.
struct ContainerStats {
  std::string name;
  std::string runtime_id;
  double cpu_percent = 0;  // of one CPU: 200 is two CPUs busy
  int64_t memory_bytes = 0;        // usage less the reclaimable page cache
  int64_t memory_limit_bytes = 0;  // the cgroup's limit, else the host's memory
};

struct TaskStats {
  std::string task_arn;
  std::vector<ContainerStats> containers;
};

struct StatsReport {
  double sampled_at = 0;  // epoch seconds
  std::vector<TaskStats> tasks;
};

// `sent`: the ARNs of the definitions the receiver holds already, left out
// of the message; those the message carries are added to it.
boost::json::object desired_tasks_message(const DesiredTasks& desired,
                                          std::set<std::string, std::less<>>* sent = nullptr);
boost::json::object task_states_message(boost::json::array reports);
boost::json::object health_message(const HealthReport& report);

struct TaskAddress {
  std::string task_arn;
  std::string private_ipv4_address;
};
boost::json::object task_address_message(const TaskAddress& address);
// Throws std::runtime_error for a message of another shape.
TaskAddress parse_task_address(const boost::json::object& message);
boost::json::object stats_message(const StatsReport& report);

// A message's "type"; throws std::runtime_error when it has none.
std::string message_type(const boost::json::object& message);

// Each throws std::runtime_error for a message of another shape.
DesiredTasks parse_desired_tasks(const boost::json::object& message);
// Task definitions by ARN, as one end of a channel has seen them.
using TaskDefinitions =
    std::map<std::string, std::shared_ptr<const boost::json::object>, std::less<>>;
// As above, for a message on a channel: its definitions are added to
// `known`, and a task may name one that an earlier message carried.
DesiredTasks parse_desired_tasks(const boost::json::object& message, TaskDefinitions& known);
// The reports' bodies, each an object (not otherwise checked here).
std::vector<boost::json::object> parse_task_states(const boost::json::object& message);
HealthReport parse_health(const boost::json::object& message);
StatsReport parse_stats(const boost::json::object& message);

}  // namespace gantry::model
