#pragma once
// How the service scheduler sees one task now: whether it counts toward
// maximumPercent, toward minimumHealthyPercent, whether it must be replaced,
// and when time alone will change that. Shared by the REPLICA and DAEMON
// planners.
#include <chrono>
#include <optional>
#include <string_view>
#include <vector>

#include "controllers/service_snapshot.h"
#include "core/clock.h"

namespace gantry::controllers {

struct TaskState {
  const ServiceTask* task = nullptr;
  // lastStatus PROVISIONING through RUNNING, whatever its desiredStatus: what
  // maximumPercent bounds ("RUNNING or PENDING"), so a task being stopped
  // still takes its slot until the agent moves it on.
  bool occupying = false;
  bool live = false;     // desiredStatus RUNNING and not yet STOPPED
  bool healthy = false;  // what minimumHealthyPercent counts (below)
  // RUNNING, a health check, UNHEALTHY, and past healthCheckGracePeriodSeconds.
  bool unhealthy = false;
  bool primary = false;  // of the PRIMARY deployment
  // Must leave where it is: a DRAINING instance, or (DAEMON) an instance it
  // may no longer run on.
  bool evicted = false;
  // Starting, stopping, or RUNNING but neither healthy nor unhealthy yet: a
  // later reconcile may decide differently without anything else changing.
  bool in_transition = false;
};

// Healthy: live, RUNNING, and with a health check HEALTHY, without one
// RUNNING for options.settle_without_health_check. A task inside its grace
// period is not healthy until it reports HEALTHY, but is not replaced either
// (healthCheckGracePeriodSeconds: the scheduler "ignores unhealthy ... container
// health checks after a task has first started").
struct ClassifyContext {
  std::string_view primary_id;
  bool daemon = false;
  std::chrono::seconds grace{0};
  core::SystemTime now;
  ReconcileOptions options;
};

// `instance`: the task's instance from the snapshot, null if not there.
TaskState classify(const ServiceTask& task, const ServiceInstance* instance,
                   const ClassifyContext& context);

// When time alone next changes a task's state (a grace period or the settle
// time ending), if it will.
std::optional<core::SystemTime> next_change(const ServiceTask& task,
                                            const ClassifyContext& context);

// maximumPercent: "rounded down"; never below desired, which is what the
// service runs outside a deployment. minimumHealthyPercent: "rounded up",
// never above desired.
int max_tasks(int desired, int maximum_percent);
int min_healthy_tasks(int desired, int minimum_healthy_percent);

// ECS's scale-in order among `candidates`: the Availability Zone with the most
// of the service's live tasks first, then the instance with the most, each
// pick counted off before the next; ties go to tasks not yet healthy, then
// the newest. `live` are all of the service's live tasks, for the counts.
std::vector<const TaskState*> scale_in_order(const std::vector<const TaskState*>& candidates,
                                             const std::vector<TaskState>& live);

}  // namespace gantry::controllers
