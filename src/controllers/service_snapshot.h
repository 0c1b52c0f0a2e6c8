#pragma once
// What the service scheduler's reconcile reads: one service, its deployments,
// its tasks and (for DAEMON, or to see DRAINING instances) the cluster's
// instances, as plain data. The controller builds it from the published state;
// the reconcile never looks anything up itself.
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "model/task_lifecycle.h"

namespace gantry::controllers {

enum class SchedulingStrategy { kReplica, kDaemon };

// INACTIVE deployments are not passed in; a plan may make one INACTIVE.
enum class DeploymentStatus { kPrimary, kActive, kInactive };

enum class RolloutState { kInProgress, kCompleted, kFailed };

// What StopServiceDeployment asked of a deployment.
enum class StopType { kRollback, kAbort };

enum class HealthStatus { kUnknown, kHealthy, kUnhealthy };

// ECS's task stopCode.
enum class StopCode {
  kNone,
  kTaskFailedToStart,
  kEssentialContainerExited,
  kUserInitiated,
  kServiceSchedulerInitiated,
  kSpotInterruption,
  kTerminationNotice,
};

struct DeploymentPercents {
  int minimum_healthy_percent = 100;
  int maximum_percent = 200;
};

// ECS's defaults when the request gives none: 100/200 for REPLICA, 0/100 for
// DAEMON (botocore's DeploymentConfiguration documentation).
DeploymentPercents default_percents(SchedulingStrategy strategy);

struct ServiceSettings {
  std::string name;
  SchedulingStrategy strategy = SchedulingStrategy::kReplica;
  int desired_count = 0;  // REPLICA only; DAEMON's is its eligible instances
  // nullopt: ECS's default for the strategy (default_percents).
  std::optional<int> minimum_healthy_percent;
  std::optional<int> maximum_percent;
  bool circuit_breaker = false;
  bool rollback = false;
  std::chrono::seconds health_check_grace_period{0};
  bool draining = false;  // DeleteService: every task stops, then INACTIVE
  // EXTERNAL or CODE_DEPLOY: the service's task sets say what runs, not
  // its deployments (reconcile_task_sets).
  bool external = false;
};

enum class TaskSetStatus { kPrimary, kActive, kDraining };

// A task set: a deployment whose size its caller sets (its scale).
struct ServiceTaskSet {
  std::string id;  // ecs-svc/<number>; its tasks' startedBy
  TaskSetStatus status = TaskSetStatus::kActive;
  std::string task_definition;     // ARN
  int computed_desired_count = 0;  // ceil(desiredCount x scale / 100); DRAINING: 0
  bool steady = false;             // its stored stabilityStatus is STEADY_STATE
};

struct ServiceDeployment {
  std::string id;  // ecs-svc/<number>
  DeploymentStatus status = DeploymentStatus::kPrimary;
  std::string task_definition;  // ARN
  RolloutState rollout_state = RolloutState::kInProgress;
  int failed_tasks = 0;
  // The stoppedAt of the last failure counted into failed_tasks: later stops
  // are new (the reconcile keeps no memory of its own).
  std::optional<core::SystemTime> last_failure_at;
  core::SystemTime created_at;
  // StopServiceDeployment asked for this, and the scheduler has not yet acted.
  std::optional<StopType> stop_requested;
};

struct ServiceTask {
  std::string id;
  std::string deployment_id;  // its startedBy
  std::string instance_id;    // container instance; empty on FARGATE
  std::string zone;           // ecs.availability-zone; may be empty
  model::TaskStatus last_status = model::TaskStatus::kProvisioning;
  bool desired_running = true;  // desiredStatus RUNNING
  HealthStatus health = HealthStatus::kUnknown;
  bool has_health_check = false;  // an essential container defines one
  core::SystemTime created_at;
  std::optional<core::SystemTime> started_at;     // when it reached RUNNING
  std::optional<core::SystemTime> healthy_since;  // when it turned HEALTHY, if known
  std::optional<core::SystemTime> stopped_at;
  StopCode stop_code = StopCode::kNone;
  // Set when the stop is asked for, as ECS does: the scheduler tells an
  // unhealthy task still on its way out by it.
  std::string stopped_reason;
  bool exited_nonzero = false;  // an essential container exited with a non-zero code
};

struct ServiceInstance {
  std::string id;
  std::string zone;
  bool active = true;             // ACTIVE; false: DRAINING (others are not passed in)
  bool meets_constraints = true;  // the service's placement constraints, evaluated by the caller
};

struct ServiceSnapshot {
  ServiceSettings service;
  std::vector<ServiceDeployment> deployments;  // newest first; the PRIMARY leads
  std::vector<ServiceTaskSet> task_sets;       // an external service's, in the record's order
  std::vector<ServiceTask> tasks;              // the service's tasks not yet reaped
  std::vector<ServiceInstance> instances;      // the cluster's; DAEMON needs them
};

// Knobs that are gantry's, not the service's.
struct ReconcileOptions {
  // How long a RUNNING task without a health check waits before it counts as
  // healthy. ECS waits 40 s (botocore: minimumHealthyPercent); gantry counts
  // it at once so that rolling updates are not held up.
  std::chrono::seconds settle_without_health_check{0};
  // How long a task without a health check must stay RUNNING before it
  // resets the circuit breaker's count. ECS names no figure; without one a
  // command that exits a moment after it starts would reset the count each
  // time and never trip the breaker.
  std::chrono::seconds breaker_reset_after_running{10};
  // The throttle on a deployment whose tasks keep failing: the first failure
  // is retried at once, then each launch waits base × 2^(failures − 2),
  // at most `backoff_max` (ECS: "up to a maximum of 27 minutes").
  std::chrono::seconds backoff_base{5};
  std::chrono::seconds backoff_max{27 * 60};
};

}  // namespace gantry::controllers
