#pragma once
// A new task as ECS describes it right after RunTask or StartTask:
// PROVISIONING, desired RUNNING, its containers PENDING.
#include <boost/json.hpp>

#include <string>
#include <vector>

#include "ecs/context.h"
#include "ecs/task_requirements.h"
#include "state/records.h"

namespace gantry::ecs {

struct TaskLaunch {
  std::string cluster;
  std::string cluster_arn;
  const state::TaskDefinitionRecord* definition = nullptr;
  boost::json::object overrides;
  TaskRequirements requirements;
  std::string launch_type;             // EC2 | FARGATE
  std::string capacity_provider_name;  // set when launched by a capacity provider strategy
  std::string group;
  std::string started_by;
  boost::json::array tags;
  boost::json::object network_configuration;  // awsvpc tasks
  bool enable_execute_command = false;
  std::string client_token;
};

struct TaskPlacementTarget {
  const state::ContainerInstanceRecord* instance = nullptr;
  std::vector<std::string> gpu_ids;
};

// A new task's record, and its document (tags included) as RunTask and
// StartTask answer with it: built once, not read back from the record.
struct NewTask {
  state::TaskRecord record;
  boost::json::object doc;
};

NewTask make_task(const Context& context, const TaskLaunch& launch,
                  const TaskPlacementTarget& target);

}  // namespace gantry::ecs
