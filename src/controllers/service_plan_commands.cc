#include "controllers/service_plan_commands.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "controllers/service_events.h"
#include "controllers/service_wire_names.h"
#include "core/arn.h"
#include "core/json_members.h"
#include "ecs/launch_members.h"
#include "ecs/service_commands.h"
#include "ecs/service_deployment_view.h"
#include "ecs/service_deployments.h"
#include "ecs/service_view.h"
#include "ecs/task_launch.h"
#include "ecs/task_sets.h"
#include "ecs/task_stop.h"

namespace gantry::controllers {

namespace json = boost::json;
using core::string_member;

namespace {

// The service as the plan knew it, or null when it has changed since.
const state::ServiceRecord* current(const ecs::Context& context, const PlannedService& planned) {
  const auto* service = context.state.service(planned.cluster, planned.name);
  if (!service || service->status() == "INACTIVE") return nullptr;
  const auto* primary = ecs::primary_deployment(service->doc);
  std::string primary_id = primary ? string_member(*primary, "id") : std::string();
  return primary_id == planned.primary_deployment ? service : nullptr;
}

// The deployment, or the task set, whose tasks carry startedBy `id`: both
// name what their tasks run. Null when gone, or a task set DRAINING now.
const json::object* deployment_named(const json::object& service, std::string_view id) {
  if (const auto* deployments = core::array_member(service, "deployments")) {
    for (const auto& d : *deployments) {
      if (string_member(d.as_object(), "id") == id) return &d.as_object();
    }
  }
  const auto* task_set = ecs::find_task_set(service, id);
  return task_set && string_member(*task_set, "status") != "DRAINING" ? task_set : nullptr;
}

// What the service's events call the tasks' owner: the service, or the
// service's task set.
std::string event_subject(const json::object& service, std::string_view name,
                          std::string_view started_by) {
  return ecs::find_task_set(service, started_by) ? task_set_subject(name, started_by)
                                                 : std::string(name);
}

std::vector<PostedEvent> posted_events(const json::object& service) {
  std::vector<PostedEvent> posted;
  if (const auto* events = core::array_member(service, "events")) {
    for (const auto& e : *events) {
      const auto& event = e.as_object();
      const auto* at = event.if_contains("createdAt");
      posted.push_back(
          {string_member(event, "message"),
           core::from_epoch_seconds(at && at->is_number() ? at->to_number<double>() : 0.0)});
    }
  }
  return posted;
}

// Adds an event unless it repeats the newest one (ECS's rule).
void post(const ecs::Context& context, json::object& service, std::string message) {
  if (is_repeat(posted_events(service), message, context.now)) return;
  ecs::add_service_event(service, context.ids, context.now_seconds(), std::move(message));
}

// What a start launches: the deployment's definition, network and launch
// members, the service's placement, its group and the deployment as startedBy.
ecs::TaskSpec task_spec_of(const state::ServiceRecord& service, const json::object& deployment) {
  ecs::TaskSpec spec;
  spec.cluster = service.cluster;
  spec.task_definition = string_member(deployment, "taskDefinition");
  spec.group = ecs::service_group(service.name());
  spec.started_by = string_member(deployment, "id");
  if (auto* network = core::object_member(deployment, "networkConfiguration")) {
    spec.network_configuration = *network;
  }
  std::string propagate = string_member(service.doc, "propagateTags", "NONE");
  if (propagate == "SERVICE") {
    if (auto* tags = core::array_member(service.doc, "tags")) spec.tags = *tags;
  } else {
    spec.propagate_tags = propagate;
  }
  spec.enable_execute_command = core::bool_member(service.doc, "enableExecuteCommand", false);
  return spec;
}

// The deployment's unstopped tasks by capacity provider: its starts split
// over the strategy as if all of its tasks were placed at once.
std::map<std::string, int64_t> tasks_by_provider(const state::ClusterState& state,
                                                 const std::string& cluster,
                                                 const std::string& deployment_id) {
  std::map<std::string, int64_t> counts;
  for (const state::TaskRecord* task : state.tasks_started_by(cluster, deployment_id)) {
    if (task->desired_status() == "STOPPED") continue;
    state::DocScratch scratch;
    ++counts[string_member(task->doc(scratch.storage()), "capacityProviderName")];
  }
  return counts;
}

ecs::Launched launch(const ecs::Context& context, const state::ServiceRecord& service,
                     const json::object& deployment, const TaskStarts& starts) {
  ecs::TaskSpec spec = task_spec_of(service, deployment);
  if (!starts.instance_ids.empty()) {
    return ecs::start_tasks(context, ecs::StartTasks{std::move(spec), starts.instance_ids});
  }
  ecs::RunTasks command{std::move(spec)};
  command.count = starts.count;
  ecs::read_launch_members(service.doc, command);
  if (deployment.contains("launchType")) command.capacity_provider_strategy.clear();
  ecs::read_launch_members(deployment, command);  // the deployment's launch type and strategy
  if (!command.capacity_provider_strategy.empty()) {
    command.running_by_provider =
        tasks_by_provider(context.state, service.cluster, command.task.started_by);
  }
  // A service shows empty placement lists; RunTask refuses any on FARGATE.
  if (command.placement_constraints && command.placement_constraints->empty()) {
    command.placement_constraints.reset();
  }
  return ecs::run_tasks(context, command);
}

}  // namespace

ecs::CommandRunner::Command start_service_tasks(PlannedService planned, TaskStarts starts) {
  return [planned = std::move(planned),
          starts = std::move(starts)](const ecs::Context& context) -> state::Outcome {
    const auto* service = current(context, planned);
    const auto* deployment =
        service ? deployment_named(service->doc, starts.deployment_id) : nullptr;
    if (!deployment) return {};
    state::ServiceRecord updated = *service;
    state::Outcome outcome;
    std::vector<std::string> started;
    try {
      ecs::Launched launched = launch(context, *service, *deployment, starts);
      outcome.changes = std::move(launched.changes);
      for (const auto& task : launched.tasks) {
        started.emplace_back(core::arn_last_segment(string_member(task.as_object(), "taskArn")));
      }
      if (!launched.failures.empty()) {
        const auto& failure = launched.failures.front();
        post(context, updated.doc,
             unable_to_place_message(planned.name, core::arn_last_segment(failure.arn),
                                     failure.reason));
      }
    } catch (const core::ApiError& error) {
      // RunTask's refusals (no instance at all, an inactive definition, ...).
      spdlog::warn("service {}: cannot start tasks: {}", planned.name, error.message());
      post(context, updated.doc, unable_to_place_message(planned.name, "", "MISSING"));
    }
    if (!started.empty()) {
      post(context, updated.doc,
           tasks_started_message(event_subject(service->doc, planned.name, starts.deployment_id),
                                 started, starts.replacing_unhealthy));
    }
    if (updated.doc != service->doc) outcome.changes.push_back(ecs::service_change(updated));
    return outcome;
  };
}

ecs::CommandRunner::Command stop_service_tasks(PlannedService planned,
                                               std::vector<TaskStop> stops) {
  return [planned = std::move(planned),
          stops = std::move(stops)](const ecs::Context& context) -> state::Outcome {
    state::Outcome outcome;
    if (!current(context, planned)) return outcome;
    for (const auto& stop : stops) {
      const auto* task = context.state.task(planned.cluster, stop.task_id);
      if (!task || task->desired_status() == "STOPPED") continue;
      auto stopped = ecs::stop_task(
          context,
          ecs::StopTask{planned.cluster, stop.task_id, stop.reason, "ServiceSchedulerInitiated"});
      for (auto& change : stopped.changes) outcome.changes.push_back(std::move(change));
    }
    return outcome;
  };
}

namespace {

void apply_deployment_change(const ecs::Context& context, state::ServiceRecord& service,
                             const DeploymentChange& change,
                             const std::optional<Rollback>& plan_rollback) {
  auto* deployments = service.doc.if_contains("deployments");
  if (!deployments || !deployments->is_array()) return;
  json::array& list = deployments->get_array();
  for (auto it = list.begin(); it != list.end(); ++it) {
    json::object& deployment = it->as_object();
    if (string_member(deployment, "id") != change.id) continue;
    if (change.status == DeploymentStatus::kInactive) {
      // ECS drops a deployment from the service once it is INACTIVE; its
      // service deployment stays, as it ended.
      std::string status =
          ecs::service_deployment_status(service, ecs::live_entry(service, deployment));
      ecs::drop_deployment(service, change.id, status);
      return;
    }
    json::object was = deployment;
    if (change.status) deployment["status"] = deployment_status_name(*change.status);
    if (change.rollout_state &&
        string_member(deployment, "rolloutState") != rollout_state_name(*change.rollout_state)) {
      ecs::set_rollout_state(deployment, rollout_state_name(*change.rollout_state),
                             change.rollout_state_reason.value_or(""), context.now_seconds());
    }
    if (change.failed_tasks) deployment["failedTasks"] = *change.failed_tasks;
    if (change.last_failure_at) {
      ecs::deployment_memory(service, change.id)["lastFailureAt"] =
          core::to_epoch_seconds(*change.last_failure_at);
    }
    if (change.stop_carried_out) {
      json::object& memory = ecs::deployment_memory(service, change.id);
      memory.erase("stopRequested");
      const bool rolled_back = plan_rollback && plan_rollback->from_deployment == change.id;
      if (!rolled_back && string_member(deployment, "rolloutState") == "FAILED") {
        memory["stoppedAt"] = context.now_seconds();
      }
    }
    // A change that changes nothing leaves the record as it was: no commit,
    // no wake, no loop.
    if (deployment != was) deployment["updatedAt"] = context.now_seconds();
    return;
  }
}

// The service deployment rolled back remembers it (its Rollback), and the
// service returns to the definition rolled back to, if any.
void record_rollback(const ecs::Context& context, state::ServiceRecord& service,
                     const Rollback& rollback) {
  ecs::deployment_memory(service, rollback.from_deployment)["rollback"] =
      json::object{{"reason", rollback.reason},
                   {"startedAt", context.now_seconds()},
                   {"deploymentId", rollback.to_deployment}};
  if (!rollback.to_deployment.empty()) service.doc["taskDefinition"] = rollback.task_definition;
}

// The PRIMARY first, as ECS lists a service's deployments.
void primary_first(json::object& service) {
  auto* deployments = service.if_contains("deployments");
  if (!deployments || !deployments->is_array()) return;
  json::array& list = deployments->get_array();
  for (auto it = list.begin(); it != list.end(); ++it) {
    if (it->as_object().at("status") == "PRIMARY" && it != list.begin()) {
      json::value primary = std::move(*it);
      list.erase(it);
      list.insert(list.begin(), std::move(primary));
      return;
    }
  }
}

// A task set's stability, or its removal once DRAINING with no task left
// (re-checked here: the plan saw an older state).
void apply_task_set_change(const ecs::Context& context, state::ServiceRecord& service,
                           const TaskSetChange& change) {
  json::object* task_set = ecs::find_task_set(service.doc, change.id);
  if (!task_set) return;
  if (change.steady) ecs::set_stability(*task_set, *change.steady, context.now_seconds());
  if (!change.remove || string_member(*task_set, "status") != "DRAINING") return;
  for (const state::TaskRecord* task : context.state.tasks_started_by(service.cluster, change.id)) {
    if (task->last_status() != "STOPPED") return;
  }
  json::array& all = ecs::task_sets(service.doc);
  all.erase(std::remove_if(all.begin(), all.end(),
                           [&](const json::value& t) {
                             return string_member(t.as_object(), "id") == change.id;
                           }),
            all.end());
}

}  // namespace

ecs::CommandRunner::Command update_service_state(PlannedService planned, ServicePlan plan,
                                                 std::optional<int> daemon_desired) {
  return [planned = std::move(planned), plan = std::move(plan),
          daemon_desired](const ecs::Context& context) -> state::Outcome {
    const auto* service = current(context, planned);
    if (!service) return {};
    state::ServiceRecord updated = *service;
    for (const auto& change : plan.deployment_changes) {
      apply_deployment_change(context, updated, change, plan.rollback);
    }
    if (plan.rollback) record_rollback(context, updated, *plan.rollback);
    for (const auto& change : plan.task_set_changes) {
      apply_task_set_change(context, updated, change);
    }
    if (daemon_desired && !plan.drained) {
      updated.doc["desiredCount"] = *daemon_desired;
      if (auto* primary = ecs::primary_deployment(updated.doc)) {
        (*primary)["desiredCount"] = *daemon_desired;
      }
    }
    primary_first(updated.doc);
    for (const auto& fact : plan.facts) {
      if (auto message = fact_message(planned.name, fact)) post(context, updated.doc, *message);
    }
    if (plan.drained) {
      updated.doc["status"] = "INACTIVE";
      updated.doc["desiredCount"] = 0;
    }
    state::Outcome outcome;
    if (updated.doc != service->doc || updated.scheduler != service->scheduler) {
      outcome.changes.push_back(ecs::service_change(std::move(updated)));
    }
    return outcome;
  };
}

}  // namespace gantry::controllers
