#pragma once
// The PRIMARY deployment's failed tasks: ECS's failedTasks counter, the
// deployment circuit breaker's threshold, and the throttle on launches that
// keep failing.
//
// failedTasks is "the number of consecutively failed tasks in the deployment.
// A task is considered a failure if the service scheduler can't launch the
// task, the task doesn't transition to a RUNNING state, or if it fails any of
// its defined health checks and is stopped" (botocore, Deployment.failedTasks),
// and "a task that reaches a healthy state resets the failure count to 0"
// (DeploymentCircuitBreaker.resetOnHealthyTask, whose default is true).
#include <optional>
#include <vector>

#include "controllers/service_snapshot.h"
#include "core/clock.h"

namespace gantry::controllers {

struct FailureCount {
  int failed_tasks = 0;
  std::optional<core::SystemTime> last_failure_at;
  bool operator==(const FailureCount&) const = default;
};

// Whether a STOPPED task counts as a failure: it failed to start, exited
// before it ran or with a non-zero code, or the scheduler stopped it for
// failing its health checks. A stop by scale-in, a user or the instance is not.
bool counts_as_failure(const ServiceTask& task);

// The deployment's count brought up to date, level-triggered: failures
// stopped after its last_failure_at count on; a task of the deployment that
// turned healthy after a failure resets the count (its healthy_since; without
// one, a task with a health check from now: a healthy task seen at all
// resets). A task without a health check resets it once it has been RUNNING
// for `reset_after` (ReconcileOptions): one that exits a moment after it
// started is a failure, not a recovery. `reset_due`, when given, is told
// when such a reset falls due. Applying the result and counting again
// changes nothing.
FailureCount count_failures(const ServiceDeployment& deployment,
                            const std::vector<ServiceTask>& tasks, core::SystemTime now,
                            std::chrono::seconds reset_after = {},
                            std::optional<core::SystemTime>* reset_due = nullptr);

// "The deployment circuit breaker has a minimum threshold of 3 and a maximum
// threshold of 200. and uses the values in the following formula to determine
// the deployment failure. 0.5 * desired task count" (API reference,
// ServiceDeploymentCircuitBreaker.threshold), rounded up.
int breaker_threshold(int desired);

// The throttle ("Amazon ECS service throttle logic": "the time between
// subsequent restart attempts is incrementally increased up to a maximum of
// 27 minutes"): the earliest time the deployment may launch again, none if
// it may launch now-or-whenever. ECS gives no formula; gantry doubles from
// options.backoff_base from the second consecutive failure.
std::optional<core::SystemTime> throttled_until(const FailureCount& count,
                                                const ReconcileOptions& options);

}  // namespace gantry::controllers
