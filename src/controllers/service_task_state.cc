#include "controllers/service_task_state.h"

#include <algorithm>
#include <string>
#include <string_view>
#include <unordered_map>

namespace gantry::controllers {

namespace {

using model::TaskStatus;

core::SystemTime start_of(const ServiceTask& task) {
  return task.started_at.value_or(task.created_at);
}

bool is_running(const ServiceTask& task) { return task.last_status == TaskStatus::kRunning; }

bool settled(const ServiceTask& task, const ClassifyContext& context) {
  return start_of(task) + context.options.settle_without_health_check <= context.now;
}

bool past_grace(const ServiceTask& task, const ClassifyContext& context) {
  return start_of(task) + context.grace <= context.now;
}

}  // namespace

TaskState classify(const ServiceTask& task, const ServiceInstance* instance,
                   const ClassifyContext& context) {
  TaskState state;
  state.task = &task;
  const bool stopped = task.last_status == TaskStatus::kStopped;
  state.occupying = task.last_status <= TaskStatus::kRunning;
  state.live = task.desired_running && !stopped;
  state.primary = task.deployment_id == context.primary_id;
  if (state.live && is_running(task)) {
    if (task.has_health_check) {
      state.healthy = task.health == HealthStatus::kHealthy;
      state.unhealthy = task.health == HealthStatus::kUnhealthy && past_grace(task, context);
    } else {
      state.healthy = settled(task, context);
    }
  }
  const bool leaving_instance = instance && !instance->active;
  const bool not_allowed = context.daemon && (!instance || !instance->meets_constraints);
  state.evicted = state.live && (leaving_instance || not_allowed);
  state.in_transition = stopped       ? false
                        : !state.live ? true
                                      : (!is_running(task) || (!state.healthy && !state.unhealthy));
  return state;
}

std::optional<core::SystemTime> next_change(const ServiceTask& task,
                                            const ClassifyContext& context) {
  if (!task.desired_running || !is_running(task)) return std::nullopt;
  core::SystemTime at;
  if (task.has_health_check) {
    if (task.health != HealthStatus::kUnhealthy) return std::nullopt;
    at = start_of(task) + context.grace;
  } else {
    at = start_of(task) + context.options.settle_without_health_check;
  }
  if (at <= context.now) return std::nullopt;
  return at;
}

int max_tasks(int desired, int maximum_percent) {
  return std::max(desired, desired * maximum_percent / 100);
}

int min_healthy_tasks(int desired, int minimum_healthy_percent) {
  return std::min(desired, (desired * minimum_healthy_percent + 99) / 100);
}

std::vector<const TaskState*> scale_in_order(const std::vector<const TaskState*>& candidates,
                                             const std::vector<TaskState>& live) {
  if (candidates.size() <= 1) return candidates;
  // Zones and instances by number, so that the picks below compare ints.
  std::unordered_map<std::string_view, int> zone_ids;
  std::unordered_map<std::string_view, int> instance_ids;
  auto id_of = [](std::unordered_map<std::string_view, int>& ids, std::string_view key) {
    return ids.emplace(key, static_cast<int>(ids.size())).first->second;
  };
  std::vector<int> per_zone;
  std::vector<int> per_instance;
  auto count = [](std::vector<int>& counts, int id) -> int& {
    if (static_cast<size_t>(id) >= counts.size()) counts.resize(id + 1, 0);
    return counts[id];
  };
  for (const auto& state : live) {
    if (!state.live) continue;
    ++count(per_zone, id_of(zone_ids, state.task->zone));
    ++count(per_instance, id_of(instance_ids, state.task->instance_id));
  }
  struct Candidate {
    const TaskState* state;
    int zone;
    int instance;
  };
  std::vector<Candidate> left;
  left.reserve(candidates.size());
  for (const TaskState* state : candidates) {
    left.push_back(
        {state, id_of(zone_ids, state->task->zone), id_of(instance_ids, state->task->instance_id)});
  }
  per_zone.resize(zone_ids.size(), 0);
  per_instance.resize(instance_ids.size(), 0);
  auto better = [&](const Candidate& a, const Candidate& b) {
    if (per_zone[a.zone] != per_zone[b.zone]) return per_zone[a.zone] > per_zone[b.zone];
    if (per_instance[a.instance] != per_instance[b.instance]) {
      return per_instance[a.instance] > per_instance[b.instance];
    }
    if (a.state->healthy != b.state->healthy) return !a.state->healthy;
    if (a.state->task->created_at != b.state->task->created_at) {
      return a.state->task->created_at > b.state->task->created_at;
    }
    return a.state->task->id < b.state->task->id;
  };
  // Greedy: each pick lowers its zone's and instance's counts, so that the
  // tasks left stay spread.
  std::vector<const TaskState*> order;
  order.reserve(left.size());
  while (!left.empty()) {
    auto best = std::min_element(left.begin(), left.end(), better);
    Candidate pick = *best;
    *best = left.back();
    left.pop_back();
    --per_zone[pick.zone];
    --per_instance[pick.instance];
    order.push_back(pick.state);
  }
  return order;
}

}  // namespace gantry::controllers
