#pragma once
// ECS's rules on the containerDefinitions of a RegisterTaskDefinition
// request, one part of validate_task_definition (task_definition_rules.h).
#include <boost/json.hpp>

#include <optional>
#include <string>

namespace gantry::model {

// What the container rules need to know of the task around them.
struct TaskContext {
  const boost::json::object& request;
  std::string network_mode;   // "bridge" when absent
  std::optional<int> cpu;     // task-level cpu in CPU units, when given
  std::optional<int> memory;  // task-level memory in MiB, when given
};

// Throws core::ApiError("ClientException") at the first broken rule: names,
// images, essential containers, memory and cpu, port mappings and links for
// the network mode, health checks, secrets, environment, ulimits, resource
// requirements, awslogs options, dependsOn, volumesFrom and mountPoints.
void validate_container_definitions(const TaskContext& task);

// The rules that look at one container alone (single_container_rules.cc).
void validate_container(const TaskContext& task, const boost::json::object& container);

}  // namespace gantry::model
