#include "controllers/service_snapshot_builder.h"

#include "controllers/service_wire_names.h"
#include "core/arn.h"
#include "core/error.h"
#include "core/json_members.h"
#include "ecs/instance_placement_view.h"
#include "ecs/service_view.h"
#include "ecs/task_sets.h"
#include "scheduler/constraint_filter.h"

namespace gantry::controllers {

namespace json = boost::json;
using core::string_member;

namespace {

std::optional<core::SystemTime> time_member(const json::object& doc, std::string_view name) {
  const auto* v = doc.if_contains(name);
  if (!v || !v->is_number()) return std::nullopt;
  return core::from_epoch_seconds(v->to_number<double>());
}

HealthStatus health_of(std::string_view name) {
  if (name == "HEALTHY") return HealthStatus::kHealthy;
  if (name == "UNHEALTHY") return HealthStatus::kUnhealthy;
  return HealthStatus::kUnknown;
}

StopCode stop_code_of(std::string_view name) {
  if (name == "TaskFailedToStart") return StopCode::kTaskFailedToStart;
  if (name == "EssentialContainerExited") return StopCode::kEssentialContainerExited;
  if (name == "UserInitiated") return StopCode::kUserInitiated;
  if (name == "ServiceSchedulerInitiated") return StopCode::kServiceSchedulerInitiated;
  if (name == "SpotInterruption") return StopCode::kSpotInterruption;
  if (name == "TerminationNotice") return StopCode::kTerminationNotice;
  return StopCode::kNone;
}

// Whether an essential container of the definition has a health check:
// only then does the task's healthStatus say anything.
class HealthCheckedDefinitions {
 public:
  explicit HealthCheckedDefinitions(const state::ClusterState& state) : state_(state) {}

  bool has_health_check(const std::string& definition_arn) {
    auto [it, added] = known_.try_emplace(definition_arn, false);
    if (!added) return it->second;
    auto ref = core::parse_task_definition_ref(definition_arn);
    const auto* definition = state_.task_definition(ref.family, ref.revision.value_or(0));
    const auto* containers =
        definition ? core::array_member(definition->doc, "containerDefinitions") : nullptr;
    for (const auto& c : containers ? *containers : json::array{}) {
      const auto& container = c.as_object();
      if (core::bool_member(container, "essential", true) && container.contains("healthCheck")) {
        it->second = true;
      }
    }
    return it->second;
  }

 private:
  const state::ClusterState& state_;
  std::map<std::string, bool, std::less<>> known_;
};

ServiceSettings settings_of(const json::object& doc) {
  ServiceSettings settings;
  settings.name = string_member(doc, "serviceName");
  settings.strategy = string_member(doc, "schedulingStrategy") == "DAEMON"
                          ? SchedulingStrategy::kDaemon
                          : SchedulingStrategy::kReplica;
  settings.desired_count = static_cast<int>(core::int_member(doc, "desiredCount", 0));
  if (const auto* config = core::object_member(doc, "deploymentConfiguration")) {
    if (config->contains("minimumHealthyPercent")) {
      settings.minimum_healthy_percent =
          static_cast<int>(core::int_member(*config, "minimumHealthyPercent", 0));
    }
    if (config->contains("maximumPercent")) {
      settings.maximum_percent = static_cast<int>(core::int_member(*config, "maximumPercent", 0));
    }
    if (const auto* breaker = core::object_member(*config, "deploymentCircuitBreaker")) {
      settings.circuit_breaker = core::bool_member(*breaker, "enable", false);
      settings.rollback = core::bool_member(*breaker, "rollback", false);
    }
  }
  settings.health_check_grace_period =
      std::chrono::seconds(core::int_member(doc, "healthCheckGracePeriodSeconds", 0));
  settings.draining = string_member(doc, "status") == "DRAINING";
  return settings;
}

ServiceDeployment deployment_of(const json::object& d, const json::object& scheduler) {
  ServiceDeployment deployment;
  deployment.id = string_member(d, "id");
  deployment.status = parse_deployment_status(string_member(d, "status"));
  deployment.task_definition = string_member(d, "taskDefinition");
  deployment.rollout_state = parse_rollout_state(string_member(d, "rolloutState"));
  deployment.failed_tasks = static_cast<int>(core::int_member(d, "failedTasks", 0));
  deployment.created_at = time_member(d, "createdAt").value_or(core::SystemTime{});
  if (const auto* own = core::object_member(scheduler, deployment.id)) {
    deployment.last_failure_at = time_member(*own, "lastFailureAt");
    deployment.stop_requested = parse_stop_type(string_member(*own, "stopRequested"));
  }
  return deployment;
}

ServiceTaskSet task_set_of(const json::object& service, const json::object& doc) {
  ServiceTaskSet task_set;
  task_set.id = string_member(doc, "id");
  std::string status = string_member(doc, "status");
  task_set.status = status == "PRIMARY"    ? TaskSetStatus::kPrimary
                    : status == "DRAINING" ? TaskSetStatus::kDraining
                                           : TaskSetStatus::kActive;
  task_set.task_definition = string_member(doc, "taskDefinition");
  task_set.computed_desired_count = static_cast<int>(ecs::computed_desired_count(service, doc));
  task_set.steady = string_member(doc, "stabilityStatus") == "STEADY_STATE";
  return task_set;
}

ServiceTask task_of(const state::TaskRecord& record, HealthCheckedDefinitions& definitions) {
  state::DocScratch scratch;
  json::object doc = record.doc(scratch.storage());
  ServiceTask task;
  task.id = std::string(record.id());
  task.deployment_id = record.started_by();
  task.instance_id = record.instance_id;
  task.zone = string_member(doc, "availabilityZone");
  task.last_status =
      model::parse_task_status(record.last_status()).value_or(model::TaskStatus::kProvisioning);
  task.desired_running = record.desired_status() == "RUNNING";
  task.health = health_of(string_member(doc, "healthStatus"));
  task.has_health_check = definitions.has_health_check(string_member(doc, "taskDefinitionArn"));
  task.created_at = time_member(doc, "createdAt").value_or(core::SystemTime{});
  task.started_at = time_member(doc, "startedAt");
  task.stopped_at = record.stopped_at();
  task.stop_code = stop_code_of(string_member(doc, "stopCode"));
  task.stopped_reason = string_member(doc, "stoppedReason");
  const auto* containers = core::array_member(doc, "containers");
  for (const auto& c : containers ? *containers : json::array{}) {
    const auto* exit_code = c.as_object().if_contains("exitCode");
    if (exit_code && exit_code->is_number() && exit_code->to_number<int64_t>() != 0) {
      task.exited_nonzero = true;
    }
  }
  return task;
}

void add_constraints(const json::object& doc, std::vector<scheduler::PlacementConstraint>& to) {
  const auto* constraints = core::array_member(doc, "placementConstraints");
  for (const auto& c : constraints ? *constraints : json::array{}) {
    const auto& constraint = c.as_object();
    // A DAEMON service runs one task an instance: distinctInstance holds.
    if (string_member(constraint, "type") != "memberOf") continue;
    to.push_back({"memberOf", string_member(constraint, "expression")});
  }
}

// The memberOf constraints a DAEMON service's instances must meet: the
// service's and its PRIMARY task definition's, as placement applies both.
scheduler::ConstraintFilter daemon_constraints(const state::ClusterState& state,
                                               const state::ServiceRecord& service,
                                               const std::vector<ServiceDeployment>& deployments) {
  std::vector<scheduler::PlacementConstraint> constraints;
  add_constraints(service.doc, constraints);
  if (!deployments.empty()) {
    auto ref = core::parse_task_definition_ref(deployments.front().task_definition);
    if (const auto* definition = state.task_definition(ref.family, ref.revision.value_or(0))) {
      add_constraints(definition->doc, constraints);
    }
  }
  try {
    return scheduler::ConstraintFilter(constraints);
  } catch (const core::ApiError&) {
    // CreateService and RegisterTaskDefinition refused bad queries; one
    // that fails to compile now constrains nothing rather than stopping all.
    return scheduler::ConstraintFilter({});
  }
}

}  // namespace

ServiceSnapshot service_snapshot(const state::ClusterState& state,
                                 const state::ServiceRecord& service) {
  ServiceSnapshot snapshot;
  snapshot.service = settings_of(service.doc);
  if (const auto* deployments = core::array_member(service.doc, "deployments")) {
    for (const auto& d : *deployments) {
      snapshot.deployments.push_back(deployment_of(d.as_object(), service.scheduler));
    }
  }
  snapshot.service.external = ecs::uses_task_sets(service.doc);
  if (const auto* task_sets = ecs::task_sets(service.doc)) {
    for (const auto& t : *task_sets) {
      snapshot.task_sets.push_back(task_set_of(service.doc, t.as_object()));
    }
  }
  HealthCheckedDefinitions definitions(state);
  for (const state::TaskRecord* task :
       state.tasks_in_group(service.cluster, ecs::service_group(snapshot.service.name))) {
    snapshot.tasks.push_back(task_of(*task, definitions));
  }
  if (snapshot.service.strategy == SchedulingStrategy::kDaemon) {
    const scheduler::ConstraintFilter constraints =
        daemon_constraints(state, service, snapshot.deployments);
    const std::string group = ecs::service_group(snapshot.service.name);
    for (const auto& [id, instance] : state.instances(service.cluster)) {
      std::string status = instance->status();
      if (status != "ACTIVE" && status != "DRAINING") continue;
      ServiceInstance out;
      out.id = id;
      out.active = status == "ACTIVE";
      out.meets_constraints =
          !constraints.check(ecs::instance_view(state, *instance), group).has_value();
      snapshot.instances.push_back(std::move(out));
    }
  }
  return snapshot;
}

}  // namespace gantry::controllers
