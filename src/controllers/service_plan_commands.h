#pragma once
// The writer's half of a service plan (service_plan.h): ECS commands that
// carry out one reconcile's decisions against the latest state. Each first
// checks that the service still is what the plan was made from (its record,
// its PRIMARY deployment): a plan made stale by a newer change is dropped,
// and that change wakes the scheduler again.
#include <optional>
#include <string>
#include <vector>

#include "controllers/service_plan.h"
#include "ecs/command_runner.h"

namespace gantry::controllers {

// The service a plan was made for, as it was then.
struct PlannedService {
  std::string cluster;
  std::string name;
  std::string primary_deployment;  // empty: it had none
};

// ECS launches at most 10 tasks per call (RunTask's count); a plan's starts
// go in chunks of this many, one command each, so that each placement sees
// the tasks the one before it placed.
inline constexpr int kStartsPerCommand = 10;

// Starts `starts` (at most kStartsPerCommand tasks, or those instance ids),
// posts "has started N tasks" or why a task could not be placed.
ecs::CommandRunner::Command start_service_tasks(PlannedService service, TaskStarts starts);
// Stops the tasks, stopCode ServiceSchedulerInitiated.
ecs::CommandRunner::Command stop_service_tasks(PlannedService service, std::vector<TaskStop> stops);
// Applies the deployment changes, the rollback, the facts' events, a
// drained service's INACTIVE and, for DAEMON, the desiredCount (its
// eligible instances) on the service and its PRIMARY deployment.
ecs::CommandRunner::Command update_service_state(PlannedService service, ServicePlan plan,
                                                 std::optional<int> daemon_desired = {});

}  // namespace gantry::controllers
