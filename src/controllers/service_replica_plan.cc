// REPLICA: desiredCount tasks of the PRIMARY, started up to maximumPercent,
// old ones stopped down to minimumHealthyPercent.
#include <algorithm>

#include "controllers/service_events.h"
#include "controllers/service_task_plan.h"

namespace gantry::controllers {

TaskStop stop_for(const TaskState& state) {
  if (state.unhealthy) return {state.task->id, std::string(kFailedHealthChecksReason), true};
  return {state.task->id, scaling_activity_reason(state.task->deployment_id), false};
}

bool HealthyFloor::stop(const TaskState& state, std::vector<TaskStop>& stops) {
  if (state.healthy) {
    if (healthy_ - 1 < floor_) return false;
    --healthy_;
  }
  stops.push_back(stop_for(state));
  return true;
}

namespace {

struct Tally {
  int occupying = 0;
  int healthy = 0;
  int not_stopped = 0;
  bool in_transition = false;
  bool health_stop_in_flight = false;  // an unhealthy task being stopped still takes its slot
  std::vector<const TaskState*> unhealthy;
  std::vector<const TaskState*> primary;  // live, not unhealthy, staying where it is
  std::vector<const TaskState*> retire;   // live, not unhealthy: old, orphaned or evicted
};

Tally tally(const PlanInput& input) {
  Tally t;
  for (const auto& state : input.tasks) {
    if (state.occupying) ++t.occupying;
    if (state.healthy) ++t.healthy;
    if (state.task->last_status != model::TaskStatus::kStopped) ++t.not_stopped;
    t.in_transition = t.in_transition || state.in_transition;
    if (!state.live) {
      t.health_stop_in_flight =
          t.health_stop_in_flight ||
          (state.occupying && state.task->stopped_reason == kFailedHealthChecksReason);
    } else if (state.unhealthy) {
      t.unhealthy.push_back(&state);
    } else if (state.primary && !state.evicted) {
      t.primary.push_back(&state);
    } else {
      t.retire.push_back(&state);
    }
  }
  return t;
}

}  // namespace

TaskDecisions plan_replica(const PlanInput& input) {
  TaskDecisions out;
  Tally t = tally(input);
  const int desired = input.desired;
  const int primary_good = static_cast<int>(t.primary.size());
  const int need = std::max(0, desired - primary_good);
  const int room = std::max(0, input.max_tasks - t.occupying);
  out.wanted_starts = need;
  const int starts = input.can_launch ? std::min(need, room) : 0;

  HealthyFloor floor(t.healthy, input.min_healthy);
  auto take = [&](const TaskState* state) { return floor.stop(*state, out.stops); };

  // Unhealthy tasks are not healthy, so stopping them leaves the floor as it
  // is; they go once their replacements exist (started now or before), or,
  // where maximumPercent leaves no room for one, one at a time.
  auto unhealthy = scale_in_order(t.unhealthy, input.tasks);
  if (primary_good + starts >= desired) {
    for (const auto* state : unhealthy) take(state);
  } else if (!unhealthy.empty() && !t.health_stop_in_flight) {
    take(unhealthy.front());
  }

  // Old deployments' tasks make way for the PRIMARY's; while it cannot
  // launch, only what is above desired goes.
  auto retire = scale_in_order(t.retire, input.tasks);
  int surplus = input.can_launch ? static_cast<int>(retire.size())
                                 : primary_good + static_cast<int>(retire.size()) - desired;
  for (const auto* state : retire) {
    if (surplus <= 0) break;
    if (take(state)) --surplus;
  }

  // Scale-in of the PRIMARY itself.
  int excess = primary_good - desired;
  if (excess > 0) {
    for (const auto* state : scale_in_order(t.primary, input.tasks)) {
      if (excess <= 0) break;
      if (take(state)) --excess;
    }
  }

  if (starts > 0) {
    int unhealthy_primary = 0;
    for (const auto* state : t.unhealthy) unhealthy_primary += state->primary ? 1 : 0;
    out.starts = TaskStarts{input.primary->id,
                            input.primary->task_definition,
                            starts,
                            {},
                            std::min(starts, unhealthy_primary)};
  }

  const bool work_left = need > 0 || !t.retire.empty() || !t.unhealthy.empty();
  const bool decided = starts > 0 || !out.stops.empty();
  out.blocked = input.can_launch && work_left && !decided && !t.in_transition;
  out.steady = !decided && !work_left && primary_good == desired && t.not_stopped == desired &&
               std::all_of(t.primary.begin(), t.primary.end(),
                           [](const TaskState* state) { return state->healthy; });
  return out;
}

}  // namespace gantry::controllers
