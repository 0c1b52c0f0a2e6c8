#pragma once
// The two planners behind reconcile_service: which tasks to start and stop
// for a REPLICA or a DAEMON service, given the tasks classified and the
// bounds. Internal to the service scheduler.
#include <optional>
#include <string>
#include <vector>

#include "controllers/service_plan.h"
#include "controllers/service_snapshot.h"
#include "controllers/service_task_state.h"

namespace gantry::controllers {

struct PlanInput {
  const ServiceSnapshot* snapshot = nullptr;
  const ServiceDeployment* primary = nullptr;
  std::vector<TaskState> tasks;  // every task of the snapshot, in its order
  int desired = 0;
  int max_tasks = 0;        // maximumPercent's bound on occupying tasks
  int min_healthy = 0;      // minimumHealthyPercent's floor on healthy tasks
  bool can_launch = false;  // the PRIMARY may start tasks now
};

struct TaskDecisions {
  std::optional<TaskStarts> starts;
  std::vector<TaskStop> stops;
  int wanted_starts = 0;  // the PRIMARY's tasks missing, whether it may launch or not
  bool blocked = false;   // work left that the bounds alone forbid
  bool steady = false;    // nothing to do and every task where it belongs, healthy
};

TaskDecisions plan_replica(const PlanInput& input);
TaskDecisions plan_daemon(const PlanInput& input);

// Shared by both: a stop decision for `state`, with ECS's stoppedReason.
TaskStop stop_for(const TaskState& state);

// The plan's own stops against minimumHealthyPercent: a healthy task is
// stopped only while the healthy ones left stay at or above the floor.
class HealthyFloor {
 public:
  HealthyFloor(int healthy, int floor) : healthy_(healthy), floor_(floor) {}
  // Adds the stop to `stops` unless the floor forbids it; whether it did.
  bool stop(const TaskState& state, std::vector<TaskStop>& stops);

 private:
  int healthy_;
  const int floor_;
};

}  // namespace gantry::controllers
