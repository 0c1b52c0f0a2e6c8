#include "controllers/service_task_set_plan.h"

#include <algorithm>
#include <map>
#include <string_view>

#include "controllers/service_task_plan.h"
#include "controllers/service_task_state.h"

namespace gantry::controllers {

namespace {

// One task set's tasks, as the scheduler sees them now.
struct TaskSetTally {
  std::vector<const TaskState*> keep;     // live, neither unhealthy nor evicted
  std::vector<const TaskState*> replace;  // live but unhealthy or evicted
  int not_stopped = 0;                    // what still holds room, live or leaving
  bool all_kept_healthy = true;
};

// The stops that bring `tally` to `desired` tasks, in ECS's scale-in order.
std::vector<TaskStop> stops_for(const TaskSetTally& tally, int desired,
                                const std::vector<TaskState>& all) {
  std::vector<TaskStop> stops;
  for (const auto* state : tally.replace) stops.push_back(stop_for(*state));
  int excess = static_cast<int>(tally.keep.size()) - desired;
  for (const auto* state : scale_in_order(tally.keep, all)) {
    if (excess-- <= 0) break;
    stops.push_back(stop_for(*state));
  }
  return stops;
}

}  // namespace

ServicePlan reconcile_task_sets(const ServiceSnapshot& snapshot, core::SystemTime now,
                                const ReconcileOptions& options) {
  ServicePlan plan;
  const auto& service = snapshot.service;
  ClassifyContext context{std::string_view(), false, service.health_check_grace_period, now,
                          options};
  std::map<std::string_view, const ServiceInstance*> instances;
  for (const auto& instance : snapshot.instances) instances.emplace(instance.id, &instance);

  std::vector<TaskState> states;
  states.reserve(snapshot.tasks.size());
  std::map<std::string_view, TaskSetTally> tallies;
  for (const auto& task : snapshot.tasks) {
    auto found = instances.find(task.instance_id);
    states.push_back(classify(task, found == instances.end() ? nullptr : found->second, context));
    if (auto at = next_change(task, context)) plan.run_again_by(*at);
  }
  for (const auto& state : states) {
    TaskSetTally& tally = tallies[state.task->deployment_id];
    if (state.task->last_status != model::TaskStatus::kStopped) ++tally.not_stopped;
    if (!state.live) continue;
    if (state.unhealthy || state.evicted) {
      tally.replace.push_back(&state);
    } else {
      tally.keep.push_back(&state);
      tally.all_kept_healthy = tally.all_kept_healthy && state.healthy;
    }
  }

  for (const auto& task_set : snapshot.task_sets) {
    const TaskSetTally& tally = tallies[task_set.id];
    const bool draining = service.draining || task_set.status == TaskSetStatus::kDraining;
    const int desired = draining ? 0 : std::max(0, task_set.computed_desired_count);
    const int kept = static_cast<int>(tally.keep.size());

    std::vector<TaskStop> stops = stops_for(tally, desired, states);
    if (!stops.empty()) {
      TasksStoppedFact stopped{{}, task_set.id};
      for (const auto& stop : stops) {
        if (stop.failed_health_checks) {
          plan.facts.push_back(TaskFailedHealthChecksFact{stop.task_id});
        }
        stopped.task_ids.push_back(stop.task_id);
      }
      plan.facts.push_back(std::move(stopped));
      plan.stops.insert(plan.stops.end(), stops.begin(), stops.end());
    }
    if (kept < desired) {
      int replacing = std::min(
          desired - kept,
          static_cast<int>(std::count_if(tally.replace.begin(), tally.replace.end(),
                                         [](const TaskState* s) { return s->unhealthy; })));
      plan.task_set_starts.push_back(
          TaskStarts{task_set.id, task_set.task_definition, desired - kept, {}, replacing});
    }

    const bool steady = kept == desired && tally.replace.empty() && tally.not_stopped == desired &&
                        tally.all_kept_healthy;
    if (draining && tally.not_stopped == 0 && task_set.status == TaskSetStatus::kDraining) {
      plan.task_set_changes.push_back(TaskSetChange{task_set.id, std::nullopt, true});
    } else if (steady != task_set.steady) {
      plan.task_set_changes.push_back(TaskSetChange{task_set.id, steady, false});
      if (steady) plan.facts.push_back(TaskSetSteadyStateFact{task_set.id});
    }
  }

  // Tasks of no task set: one deleted with force, or a deployment's from
  // before.
  TasksStoppedFact orphans;
  for (auto& [id, tally] : tallies) {
    bool known = std::any_of(snapshot.task_sets.begin(), snapshot.task_sets.end(),
                             [&](const ServiceTaskSet& t) { return t.id == id; });
    if (known) continue;
    for (const auto& stop : stops_for(tally, 0, states)) {
      orphans.task_ids.push_back(stop.task_id);
      plan.stops.push_back(stop);
    }
  }
  if (!orphans.task_ids.empty()) plan.facts.push_back(std::move(orphans));

  if (service.draining) {
    plan.drained = std::all_of(snapshot.tasks.begin(), snapshot.tasks.end(), [](const auto& task) {
      return task.last_status == model::TaskStatus::kStopped;
    });
  }
  return plan;
}

}  // namespace gantry::controllers
