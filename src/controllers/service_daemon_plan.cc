// DAEMON: one task of the PRIMARY on every ACTIVE instance that meets the
// placement constraints. An instance takes one task at a time, so a new
// deployment replaces stop-then-start, instance by instance, as far as
// minimumHealthyPercent lets it (ECS's DAEMON default is 0/100).
#include <algorithm>
#include <string_view>
#include <unordered_map>

#include "controllers/service_task_plan.h"

namespace gantry::controllers {

namespace {

struct Slot {
  const ServiceInstance* instance = nullptr;
  bool occupied = false;  // a task of the service takes it, live or on its way out
  std::vector<const TaskState*> primary;
  std::vector<const TaskState*> old;
};

// The task to keep of several on one instance: healthy first, then the oldest.
bool keep_before(const TaskState* a, const TaskState* b) {
  if (a->healthy != b->healthy) return a->healthy;
  if (a->task->created_at != b->task->created_at) return a->task->created_at < b->task->created_at;
  return a->task->id < b->task->id;
}

}  // namespace

TaskDecisions plan_daemon(const PlanInput& input) {
  TaskDecisions out;
  const ServiceSnapshot& snapshot = *input.snapshot;
  const bool draining = snapshot.service.draining;
  std::vector<Slot> slots;
  std::unordered_map<std::string_view, size_t> slot_of;
  for (const auto& instance : snapshot.instances) {
    if (draining || !instance.active || !instance.meets_constraints) continue;
    slot_of.emplace(instance.id, slots.size());
    slots.push_back({&instance});
  }

  int occupying = 0;
  int healthy = 0;  // on the instances it may stay on: what the floor counts
  int not_stopped = 0;
  bool in_transition = false;
  std::vector<const TaskState*> leave;  // evicted or unhealthy: stopped whatever the floor
  for (const auto& state : input.tasks) {
    if (state.task->last_status != model::TaskStatus::kStopped) ++not_stopped;
    in_transition = in_transition || state.in_transition;
    auto found = slot_of.find(state.task->instance_id);
    Slot* slot = found == slot_of.end() ? nullptr : &slots[found->second];
    if (state.occupying) {
      ++occupying;
      if (slot) slot->occupied = true;
    }
    if (!state.live) continue;
    if (!slot || state.evicted || state.unhealthy) {
      leave.push_back(&state);
      continue;
    }
    if (state.healthy) ++healthy;
    (state.primary ? slot->primary : slot->old).push_back(&state);
  }

  for (const auto* state : leave) out.stops.push_back(stop_for(*state));
  HealthyFloor floor(healthy, input.min_healthy);
  auto take = [&](const TaskState* state) { return floor.stop(*state, out.stops); };

  bool work_left = !leave.empty();
  int room = std::max(0, input.max_tasks - occupying);
  std::vector<std::string> start_on;
  for (auto& slot : slots) {
    std::sort(slot.primary.begin(), slot.primary.end(), keep_before);
    for (size_t i = 1; i < slot.primary.size(); ++i) take(slot.primary[i]);
    work_left = work_left || slot.primary.size() > 1 || !slot.old.empty();
    // Old tasks go once the instance has the PRIMARY's, or to make room for it.
    if (!slot.primary.empty() || input.can_launch) {
      for (const auto* state : slot.old) take(state);
    }
    if (slot.primary.empty() && slot.old.empty() && !slot.occupied) {
      work_left = true;
      ++out.wanted_starts;
      if (input.can_launch && room > 0) {
        --room;
        start_on.push_back(slot.instance->id);
      }
    }
  }
  if (!start_on.empty()) {
    int count = static_cast<int>(start_on.size());
    out.starts = TaskStarts{input.primary->id, input.primary->task_definition, count,
                            std::move(start_on), 0};
  }

  const bool decided = out.starts.has_value() || !out.stops.empty();
  out.blocked = input.can_launch && work_left && !decided && !in_transition;
  out.steady = !decided && !work_left && not_stopped == static_cast<int>(slots.size()) &&
               std::all_of(slots.begin(), slots.end(), [](const Slot& slot) {
                 return slot.primary.size() == 1 && slot.primary.front()->healthy;
               });
  return out;
}

}  // namespace gantry::controllers
