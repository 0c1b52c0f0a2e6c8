#pragma once
// How a task record moves through ECS's lifecycle: on what its agent
// reports, and on a request to stop it. Status only moves forward, so a
// late or repeated report changes nothing.
#include <boost/json.hpp>

#include <optional>
#include <string>
#include <vector>

#include "state/records.h"

namespace gantry::ecs {

struct ContainerReport {
  std::string name;
  std::string runtime_id;
  std::string status;  // PENDING | RUNNING | STOPPED; empty: unchanged
  std::optional<int64_t> exit_code;
  std::string reason;
  std::optional<boost::json::array> network_bindings;
  std::string health_status;  // empty: unchanged
};

struct TaskReport {
  std::string status;  // a task status; empty: unchanged
  std::string reason;
  std::optional<double> pull_started_at;
  std::optional<double> pull_stopped_at;
  std::optional<double> execution_stopped_at;
  std::string health_status;  // empty: unchanged
  std::vector<ContainerReport> containers;
};

// The task after the report, or nullopt when the report changes nothing.
std::optional<state::TaskRecord> apply_report(const state::TaskRecord& task,
                                              const TaskReport& report, double now);

// The task with its awsvpc address shown as ECS shows it: the ENI
// attachment's privateIPv4Address detail and each container's
// networkInterfaces; nullopt when it has no ENI or already shows it.
std::optional<state::TaskRecord> apply_address(const state::TaskRecord& task,
                                               const std::string& private_ipv4_address);

// The task after a request to stop it (StopTask, a forced deregistration),
// or nullopt when it is already stopping.
std::optional<state::TaskRecord> request_stop(const state::TaskRecord& task,
                                              std::string_view stop_code,
                                              std::string_view reason, double now);

}  // namespace gantry::ecs
