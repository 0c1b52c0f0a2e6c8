#pragma once
// The agent channel's messages (a WebSocket at kAgentChannelPath, opened
// by the agent with a SigV4-signed upgrade request naming its cluster and
// container instance).
//
// server -> agent: {"type": "desiredTasks", "tasks": [DesiredTask...]}
//   the full set of tasks the instance should run or stop, sent on connect
//   and after every change to it (level-triggered: the latest set is all
//   the agent needs).
// agent -> server: {"type": "health", "taskArn", "healthStatus",
//                   "containers": [{"name", "healthStatus"}]}
//   health, which the public Submit*StateChange operations cannot carry.
#include <boost/json.hpp>

#include <string>
#include <utility>
#include <vector>

namespace gantry::model {

inline constexpr std::string_view kAgentChannelPath = "/v1/agent";

struct DesiredTask {
  std::string task_arn;
  std::string desired_status;  // RUNNING | STOPPED
  boost::json::object task_definition;
  boost::json::object overrides;
};

struct HealthReport {
  std::string task_arn;
  std::string health_status;
  std::vector<std::pair<std::string, std::string>> containers;  // name, healthStatus
};

boost::json::object desired_tasks_message(const std::vector<DesiredTask>& tasks);
boost::json::object health_message(const HealthReport& report);

// Both throw std::runtime_error for a message of another shape.
std::vector<DesiredTask> parse_desired_tasks(const boost::json::object& message);
HealthReport parse_health(const boost::json::object& message);

}  // namespace gantry::model
