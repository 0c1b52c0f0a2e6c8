// RunTask and StartTask: their bodies as ecs::run_tasks and
// ecs::start_tasks commands.
#include "api/handler_support.h"
#include "ecs/launch_members.h"
#include "ecs/task_launch.h"

namespace gantry::api {

namespace json = boost::json;
using state::ClusterState;

namespace {

ecs::TaskSpec task_spec(const json::object& body) {
  ecs::TaskSpec spec;
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

ecs::RunTasks run_tasks_command(const json::object& body) {
  ecs::RunTasks command{task_spec(body)};
  command.count = int_member(body, "count", 1);
  command.client_token = string_member(body, "clientToken");
  ecs::read_launch_members(body, command);
  return command;
}

ecs::StartTasks start_tasks_command(const json::object& body) {
  ecs::StartTasks command{task_spec(body)};
  for (const auto& item : *array_member(body, "containerInstances")) {
    command.container_instances.emplace_back(item.as_string());
  }
  return command;
}

state::Outcome launched_outcome(ecs::Launched launched) {
  json::array failures;
  for (auto& f : launched.failures) {
    json::object failure;
    if (!f.arn.empty()) failure["arn"] = std::move(f.arn);
    failure["reason"] = std::move(f.reason);
    failures.push_back(std::move(failure));
  }
  return {std::move(launched.changes),
          json::object{{"tasks", std::move(launched.tasks)}, {"failures", std::move(failures)}}};
}

}  // namespace

void register_task_launch_handlers(Router& router, Services services) {
  router.add("RunTask", write_handler(services, [services](const RequestContext& c,
                                                           const ClusterState& s) {
               return launched_outcome(
                   ecs::run_tasks(ecs_context(c, s, services), run_tasks_command(c.body)));
             }));
  router.add("StartTask", write_handler(services, [services](const RequestContext& c,
                                                             const ClusterState& s) {
               return launched_outcome(
                   ecs::start_tasks(ecs_context(c, s, services), start_tasks_command(c.body)));
             }));
}

}  // namespace gantry::api
