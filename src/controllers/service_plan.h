#pragma once
// What the service scheduler's reconcile decided, as plain data for the
// controller to submit: tasks to start (placed elsewhere), tasks to stop with
// the stoppedReason ECS writes, deployment changes with absolute values (so
// that applying a plan twice changes nothing more), and the facts the
// controller turns into service events (service_events.h).
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "controllers/service_snapshot.h"
#include "core/clock.h"

namespace gantry::controllers {

struct TaskStarts {
  std::string deployment_id;  // the PRIMARY's; the tasks' startedBy
  std::string task_definition;
  int count = 0;
  // DAEMON: the instance each task goes on (count of them); REPLICA: empty.
  std::vector<std::string> instance_ids;
  // How many of them replace tasks that failed their health checks, for the
  // event's "Amazon ECS replaced N tasks due to an unhealthy status."
  int replacing_unhealthy = 0;
};

struct TaskStop {
  std::string task_id;
  std::string reason;  // stoppedReason; the stopCode is ServiceSchedulerInitiated
  bool failed_health_checks = false;
};

// Only the members that change are set.
struct DeploymentChange {
  std::string id;
  std::optional<DeploymentStatus> status;
  std::optional<RolloutState> rollout_state;
  std::optional<std::string> rollout_state_reason;
  std::optional<int> failed_tasks;
  std::optional<core::SystemTime> last_failure_at;
  // The scheduler has acted on StopServiceDeployment's request: stopped the
  // deployment where it is, or (with the plan's rollback from it) rolled it back.
  bool stop_carried_out = false;
};

// A rollback, the circuit breaker's or one StopServiceDeployment asked for:
// `to` becomes the PRIMARY again (ECS keeps its id and moves it from
// COMPLETED to IN_PROGRESS) and the service's task definition returns to
// `task_definition`. The deployment changes say the same. `to` is empty when
// there was no completed deployment to return to (the rollback failed).
// `reason` is the service deployment's Rollback.reason.
struct Rollback {
  std::string from_deployment;
  std::string to_deployment;
  std::string task_definition;
  std::string reason;
};

// The facts behind service events (texts in service_events.h).
struct TasksStartedFact {
  std::string deployment_id;
  int count = 0;
  int replacing_unhealthy = 0;
};
struct TasksStoppedFact {
  std::vector<std::string> task_ids;
  std::string task_set_id;  // the task set they belonged to; empty for a deployment's
};
struct TaskFailedHealthChecksFact {
  std::string task_id;
};
struct SteadyStateFact {};
struct DeploymentCompletedFact {
  std::string deployment_id;
};
struct DeploymentFailedFact {
  std::string deployment_id;
};
struct RollingBackFact {
  std::string to_deployment;
};
// StopServiceDeployment's ABORT stopped the deployment where it was.
struct DeploymentStoppedFact {
  std::string deployment_id;
};
// minimumHealthyPercent and maximumPercent leave no task to start or stop.
struct DeploymentBlockedFact {};
// The deployment's launches are throttled after repeated failures.
struct StartImpairedFact {};
// A task set has its computed count of tasks, all healthy (TASKSET_STEADY_STATE).
struct TaskSetSteadyStateFact {
  std::string task_set_id;
};

using ServiceFact = std::variant<TasksStartedFact, TasksStoppedFact, TaskFailedHealthChecksFact,
                                 SteadyStateFact, DeploymentCompletedFact, DeploymentFailedFact,
                                 RollingBackFact, DeploymentStoppedFact, DeploymentBlockedFact,
                                 StartImpairedFact, TaskSetSteadyStateFact>;

// A task set's stabilityStatus to store, or its removal: a DRAINING task set
// with no task left goes away.
struct TaskSetChange {
  std::string id;
  std::optional<bool> steady;  // STEADY_STATE (true) or STABILIZING
  bool remove = false;
};

struct ServicePlan {
  std::optional<TaskStarts> starts;
  // An external service's starts, one per task set that lacks tasks.
  std::vector<TaskStarts> task_set_starts;
  std::vector<TaskStop> stops;
  std::vector<DeploymentChange> deployment_changes;
  std::optional<Rollback> rollback;
  std::vector<TaskSetChange> task_set_changes;
  std::vector<ServiceFact> facts;  // in the order ECS posts them
  // A DRAINING service has no task left that is not STOPPED: it may become INACTIVE.
  bool drained = false;
  // When to reconcile again even if nothing changes (a grace period or a
  // back-off ending; at or before now: as soon as this plan is applied).
  std::optional<core::SystemTime> next_run;

  // Asks for a reconcile at `at` too: the earliest asked for wins.
  void run_again_by(core::SystemTime at) {
    if (!next_run || at < *next_run) next_run = at;
  }
};

}  // namespace gantry::controllers
