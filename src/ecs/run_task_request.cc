#include "ecs/run_task_request.h"

#include "core/json_members.h"
#include "ecs/launch_members.h"

namespace gantry::ecs {

using core::array_member;
using core::bool_member;
using core::int_member;
using core::object_member;
using core::string_member;

TaskSpec task_spec_from_request(const boost::json::object& body) {
  TaskSpec spec;
  spec.cluster = string_member(body, "cluster", "default");
  spec.task_definition = string_member(body, "taskDefinition");
  if (auto* overrides = object_member(body, "overrides")) spec.overrides = *overrides;
  if (auto* group = body.if_contains("group"); group && group->is_string()) {
    spec.group = std::string(group->get_string());
  }
  spec.started_by = string_member(body, "startedBy");
  if (auto* tags = array_member(body, "tags")) spec.tags = *tags;
  spec.propagate_tags = string_member(body, "propagateTags", "NONE");
  spec.enable_execute_command = bool_member(body, "enableExecuteCommand", false);
  if (auto* network = object_member(body, "networkConfiguration")) {
    spec.network_configuration = *network;
  }
  return spec;
}

RunTasks run_tasks_from_request(const boost::json::object& body) {
  RunTasks command{task_spec_from_request(body)};
  command.count = int_member(body, "count", 1);
  command.client_token = string_member(body, "clientToken");
  read_launch_members(body, command);
  return command;
}

StartTasks start_tasks_from_request(const boost::json::object& body) {
  StartTasks command{task_spec_from_request(body)};
  if (auto* instances = array_member(body, "containerInstances")) {
    for (const auto& item : *instances) command.container_instances.emplace_back(item.as_string());
  }
  return command;
}

}  // namespace gantry::ecs
