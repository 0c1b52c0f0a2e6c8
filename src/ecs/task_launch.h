#pragma once
// Launching tasks: RunTask's (placed by the scheduler against the writer's
// placement index) and StartTask's (on named instances). Both run inside
// the single writer, so placement sees every earlier placement and an
// instance is never over-committed. A controller that starts tasks calls
// run_tasks as RunTask does.
#include <boost/json.hpp>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ecs/capacity_provider_strategy.h"
#include "ecs/context.h"
#include "scheduler/placement.h"
#include "state/cluster_state.h"

namespace gantry::ecs {

// What every launch shares.
struct TaskSpec {
  std::string cluster = "default";           // a name or ARN
  std::string task_definition;               // family, family:revision or ARN
  boost::json::object overrides;             // ECS's TaskOverride, kept on the task
  std::optional<std::string> group;          // absent: "family:<family>"
  std::string started_by;                    // at most 128 characters
  boost::json::array tags;                   // ECS's Tag shapes
  std::string propagate_tags = "NONE";       // NONE | TASK_DEFINITION (SERVICE is refused)
  bool enable_execute_command = false;
  std::optional<boost::json::object> network_configuration;  // awsvpc tasks
};

struct RunTasks {
  TaskSpec task;
  int64_t count = 1;         // 1 to 10
  std::string client_token;  // at most 64 characters; a repeat answers the first launch
  std::string launch_type;   // EC2 | FARGATE; empty: from the capacity provider strategy
  std::vector<CapacityProviderItem> capacity_provider_strategy;  // empty: the cluster's
  // How many tasks each provider of the strategy runs already: a service's,
  // so that its starts keep its split (none for RunTask).
  std::map<std::string, int64_t> running_by_provider;
  // Present (even empty) refuses a FARGATE launch, as ECS does.
  std::optional<std::vector<scheduler::PlacementConstraint>> placement_constraints;
  std::vector<scheduler::PlacementStrategy> placement_strategy;
};

struct StartTasks {
  TaskSpec task;
  std::vector<std::string> container_instances;  // ids or ARNs, 1 to 10
  // The GPUs the task takes, when the launch names them (a job's GPU
  // diagnostic, on one instance): free ones, out of service or not, as a
  // diagnostic checks the GPU it suspects. Empty: the first free healthy
  // ones, as ECS assigns them.
  std::vector<std::string> gpu_ids;
};

struct LaunchFailure {
  std::string arn;  // may be empty
  std::string reason;
};

struct Launched {
  std::vector<state::Change> changes;  // the new tasks' records
  boost::json::array tasks;            // their ECS Task documents, tags included
  std::vector<LaunchFailure> failures;
};

// Throw core::ApiError as RunTask and StartTask refuse.
Launched run_tasks(const Context& context, const RunTasks& command);
Launched start_tasks(const Context& context, const StartTasks& command);

}  // namespace gantry::ecs
