#include "controllers/service_reconcile.h"

#include <algorithm>
#include <string_view>
#include <unordered_map>

#include "controllers/service_breaker.h"
#include "controllers/service_events.h"
#include "controllers/service_task_plan.h"
#include "controllers/service_task_set_plan.h"
#include "controllers/service_task_state.h"
#include "ecs/service_deployments.h"

namespace gantry::controllers {

DeploymentPercents default_percents(SchedulingStrategy strategy) {
  return strategy == SchedulingStrategy::kDaemon ? DeploymentPercents{0, 100}
                                                 : DeploymentPercents{100, 200};
}

namespace {

DeploymentChange& change_for(ServicePlan& plan, const std::string& id) {
  for (auto& change : plan.deployment_changes) {
    if (change.id == id) return change;
  }
  plan.deployment_changes.push_back(DeploymentChange{id});
  return plan.deployment_changes.back();
}

int desired_of(const ServiceSnapshot& snapshot) {
  const auto& service = snapshot.service;
  if (service.draining) return 0;
  if (service.strategy == SchedulingStrategy::kReplica) return std::max(0, service.desired_count);
  return static_cast<int>(std::count_if(snapshot.instances.begin(), snapshot.instances.end(),
                                        [](const ServiceInstance& instance) {
                                          return instance.active && instance.meets_constraints;
                                        }));
}

// "The most recent deployment that is in a COMPLETED state" becomes the
// PRIMARY again, "from a COMPLETED to IN_PROGRESS" (Developer Guide, "How
// the Amazon ECS deployment circuit breaker detects failures"); `from`, the
// PRIMARY, turns ACTIVE and the scheduler drains it. False when there is no
// such deployment.
bool roll_back(const ServiceSnapshot& snapshot, const ServiceDeployment& from,
               std::string (*target_reason)(std::string_view target_id),
               std::string rollback_reason, core::SystemTime now, ServicePlan& plan) {
  auto target = std::find_if(snapshot.deployments.begin(), snapshot.deployments.end(),
                             [&](const ServiceDeployment& d) {
                               return d.id != from.id && d.status == DeploymentStatus::kActive &&
                                      d.rollout_state == RolloutState::kCompleted;
                             });
  if (target == snapshot.deployments.end()) return false;
  change_for(plan, from.id).status = DeploymentStatus::kActive;
  auto& back = change_for(plan, target->id);
  back.status = DeploymentStatus::kPrimary;
  back.rollout_state = RolloutState::kInProgress;
  back.rollout_state_reason = target_reason(target->id);
  // Its earlier life's failures are not this rollout's.
  back.failed_tasks = 0;
  back.last_failure_at = now;
  plan.rollback =
      Rollback{from.id, target->id, target->task_definition, std::move(rollback_reason)};
  plan.facts.push_back(RollingBackFact{target->id});
  return true;
}

// The breaker has tripped: the PRIMARY is FAILED and, with rollback, rolled
// back. Without one, the deployment stalls: a FAILED deployment launches
// nothing.
void trip_breaker(const ServiceSnapshot& snapshot, const ServiceDeployment& primary,
                  core::SystemTime now, ServicePlan& plan) {
  auto& failed = change_for(plan, primary.id);
  failed.rollout_state = RolloutState::kFailed;
  failed.rollout_state_reason = std::string(kBreakerFailedReason);
  plan.facts.push_back(DeploymentFailedFact{primary.id});
  if (!snapshot.service.rollback) return;
  roll_back(snapshot, primary, rolling_back_reason, std::string(kBreakerFailedReason), now, plan);
}

// StopServiceDeployment's request, carried out on the PRIMARY: it will not
// complete (FAILED, as a deployment the breaker stopped, without counting
// as the breaker's). ROLLBACK rolls back as the breaker does, whatever the
// service's rollback option; ABORT leaves the tasks where they are.
void carry_out_stop(const ServiceSnapshot& snapshot, const ServiceDeployment& primary,
                    core::SystemTime now, ServicePlan& plan) {
  auto& stopped = change_for(plan, primary.id);
  stopped.stop_carried_out = true;
  // It finished before the scheduler could act on the request.
  if (primary.rollout_state != RolloutState::kInProgress) return;
  stopped.rollout_state = RolloutState::kFailed;
  stopped.rollout_state_reason = std::string(ecs::kStoppedByRequestReason);
  if (*primary.stop_requested == StopType::kAbort) {
    plan.facts.push_back(DeploymentStoppedFact{primary.id});
    return;
  }
  std::string reason(ecs::kRollbackRequestedReason);
  if (!roll_back(snapshot, primary, requested_rollback_reason, reason, now, plan)) {
    plan.rollback = Rollback{primary.id, "", "", std::move(reason)};
  }
}

void add_task_facts(const TaskDecisions& decisions, ServicePlan& plan) {
  // ECS posts the replacement's start, then the unhealthy task's failed
  // health checks, then its stop.
  if (decisions.starts) {
    plan.facts.push_back(TasksStartedFact{decisions.starts->deployment_id, decisions.starts->count,
                                          decisions.starts->replacing_unhealthy});
  }
  TasksStoppedFact stopped;
  for (const auto& stop : decisions.stops) {
    if (stop.failed_health_checks) plan.facts.push_back(TaskFailedHealthChecksFact{stop.task_id});
    stopped.task_ids.push_back(stop.task_id);
  }
  if (!stopped.task_ids.empty()) plan.facts.push_back(std::move(stopped));
  if (decisions.blocked) plan.facts.push_back(DeploymentBlockedFact{});
}

// "When the service reaches a steady state, the deployment transitions to a
// COMPLETED state" (botocore, Deployment.rolloutState); the deployments it
// replaced are then INACTIVE ("A deployment that has been completely replaced").
void complete(const ServiceSnapshot& snapshot, const ServiceDeployment& primary,
              ServicePlan& plan) {
  if (primary.rollout_state == RolloutState::kFailed) return;
  if (primary.rollout_state == RolloutState::kInProgress) {
    auto& done = change_for(plan, primary.id);
    done.rollout_state = RolloutState::kCompleted;
    done.rollout_state_reason = deployment_completed_reason(primary.id);
    plan.facts.push_back(DeploymentCompletedFact{primary.id});
  }
  for (const auto& deployment : snapshot.deployments) {
    if (deployment.id != primary.id && deployment.status != DeploymentStatus::kInactive) {
      change_for(plan, deployment.id).status = DeploymentStatus::kInactive;
    }
  }
  plan.facts.push_back(SteadyStateFact{});
}

}  // namespace

ServicePlan reconcile_service(const ServiceSnapshot& snapshot, core::SystemTime now,
                              const ReconcileOptions& options) {
  if (snapshot.service.external) return reconcile_task_sets(snapshot, now, options);
  ServicePlan plan;
  const auto& service = snapshot.service;
  const bool daemon = service.strategy == SchedulingStrategy::kDaemon;
  const auto defaults = default_percents(service.strategy);
  auto primary_it = std::find_if(
      snapshot.deployments.begin(), snapshot.deployments.end(),
      [](const ServiceDeployment& d) { return d.status == DeploymentStatus::kPrimary; });
  const ServiceDeployment* primary =
      primary_it == snapshot.deployments.end() ? nullptr : &*primary_it;

  ClassifyContext context{primary ? std::string_view(primary->id) : std::string_view(), daemon,
                          service.health_check_grace_period, now, options};
  std::unordered_map<std::string_view, const ServiceInstance*> instances;
  for (const auto& instance : snapshot.instances) instances.emplace(instance.id, &instance);

  PlanInput input;
  input.snapshot = &snapshot;
  input.primary = primary;
  input.tasks.reserve(snapshot.tasks.size());
  for (const auto& task : snapshot.tasks) {
    auto found = instances.find(task.instance_id);
    input.tasks.push_back(
        classify(task, found == instances.end() ? nullptr : found->second, context));
    if (auto at = next_change(task, context)) plan.run_again_by(*at);
  }
  input.desired = desired_of(snapshot);
  input.max_tasks =
      max_tasks(input.desired, service.maximum_percent.value_or(defaults.maximum_percent));
  input.min_healthy = min_healthy_tasks(
      input.desired, service.minimum_healthy_percent.value_or(defaults.minimum_healthy_percent));

  if (primary && primary->stop_requested) {
    carry_out_stop(snapshot, *primary, now, plan);
    plan.next_run = now;  // decide the tasks once the deployments have changed
    return plan;
  }

  // A plain time and a flag, not an optional: GCC 12 at -O3 takes the
  // optional's value for uninitialized (-Wmaybe-uninitialized).
  bool throttled = false;
  core::SystemTime throttle{};
  if (primary) {
    std::optional<core::SystemTime> reset_due;
    FailureCount count = count_failures(*primary, snapshot.tasks, now,
                                        options.breaker_reset_after_running, &reset_due);
    if (reset_due) plan.run_again_by(*reset_due);
    if (count != FailureCount{primary->failed_tasks, primary->last_failure_at}) {
      auto& change = change_for(plan, primary->id);
      change.failed_tasks = count.failed_tasks;
      change.last_failure_at = count.last_failure_at;
    }
    if (service.circuit_breaker && !service.draining &&
        primary->rollout_state == RolloutState::kInProgress &&
        count.failed_tasks >= breaker_threshold(input.desired)) {
      trip_breaker(snapshot, *primary, now, plan);
      plan.next_run = now;  // decide the tasks once the deployments have changed
      return plan;
    }
    if (auto until = throttled_until(count, options); until && *until > now) {
      throttled = true;
      throttle = *until;
    }
    input.can_launch =
        !service.draining && primary->rollout_state != RolloutState::kFailed && !throttled;
  }

  TaskDecisions decisions = daemon ? plan_daemon(input) : plan_replica(input);
  if (throttled && !service.draining && primary->rollout_state != RolloutState::kFailed) {
    // Old tasks wait for the launches too, so it wakes when they may resume.
    plan.run_again_by(throttle);
    if (decisions.wanted_starts > 0) plan.facts.push_back(StartImpairedFact{});
  }
  add_task_facts(decisions, plan);
  if (primary && decisions.steady && !service.draining) complete(snapshot, *primary, plan);
  if (service.draining) {
    plan.drained = std::all_of(snapshot.tasks.begin(), snapshot.tasks.end(), [](const auto& task) {
      return task.last_status == model::TaskStatus::kStopped;
    });
  }
  plan.starts = std::move(decisions.starts);
  plan.stops = std::move(decisions.stops);
  return plan;
}

}  // namespace gantry::controllers
